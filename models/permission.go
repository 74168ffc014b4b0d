package models

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// This file is the one place that says who may do what. Handlers ask here and nowhere decide
// on their own; the tests in permission_test.go try every forbidden path.

// CanManageNeighbourhoods: creating and editing neighbourhoods and assigning workers is for
// coordinators.
func CanManageNeighbourhoods(u *User) bool { return u != nil && u.Role == RoleCoordinator }

// CanChangeRoles: only coordinators promote or demote people.
func CanChangeRoles(u *User) bool { return u != nil && u.Role == RoleCoordinator }

// CanRegisterOnBehalf: community workers (and coordinators) create accounts for residents.
func CanRegisterOnBehalf(u *User) bool {
	return u != nil && (u.Role == RoleWorker || u.Role == RoleCoordinator)
}

// CanManageJoinCode: a neighbourhood's own workers and coordinators print and rotate its code.
func CanManageJoinCode(ctx context.Context, db *gorm.DB, u *User, neighbourhoodID int64) (bool, error) {
	if u == nil || u.Role == RoleResident {
		return false, nil
	}
	if u.Role == RoleCoordinator {
		return true, nil
	}
	return WorksIn(ctx, db, u.ID, neighbourhoodID)
}

// CanIssueSigninCode: a code signs in as its person, so only a worker who registered the resident,
// or works in the resident's home neighbourhood, or a coordinator may make one; and never for a
// worker's or coordinator's account, which must not be taken over with a code.
func CanIssueSigninCode(ctx context.Context, db *gorm.DB, actor, target *User) (bool, error) {
	if !CanRegisterOnBehalf(actor) || target == nil || target.Role != RoleResident || target.ID == actor.ID {
		return false, nil
	}
	if actor.Role == RoleCoordinator || (target.RegisteredBy != nil && *target.RegisteredBy == actor.ID) {
		return true, nil
	}
	if target.HomeNeighbourhoodID == nil {
		return false, nil
	}
	ok, err := WorksIn(ctx, db, actor.ID, *target.HomeNeighbourhoodID)
	if err != nil {
		return false, fmt.Errorf("check worker of neighbourhood: %w", err)
	}
	return ok, nil
}

// CanChooseNewPassword: setting a password without typing the current one is for an account that
// has none, or for someone who has just signed in with a code from their worker (because they
// forgot it). Anyone else with a stolen session cannot lock the owner out this way.
func CanChooseNewPassword(ctx context.Context, db *gorm.DB, u *User, s *Session) (bool, error) {
	if u == nil || s == nil || s.UserID != u.ID {
		return false, nil
	}
	if u.PasswordHash == nil {
		return true, nil
	}
	return sessionStartedWithCode(ctx, db, s)
}

// Groups and meetups. A private group, and everything in it, is invisible to anyone who is not a
// member: every listing and every load of groups and meetups goes through GroupVisibleTo or
// MeetupVisibleTo, so that rule lives here once.

// GroupVisibleTo limits a query on groups to the ones u (nil: not signed in) may see: open and
// closed groups for everyone; private groups for their members, the people invited to them, and
// coordinators.
func GroupVisibleTo(u *User) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB {
		switch {
		case u == nil:
			return db.Where("groups.membership <> 'private'")
		case u.Role == RoleCoordinator:
			return db
		}
		return db.Where(`(groups.membership <> 'private'
			OR EXISTS (SELECT 1 FROM group_members gm WHERE gm.group_id = groups.id AND gm.user_id = @user)
			OR EXISTS (SELECT 1 FROM group_invitations gi WHERE gi.group_id = groups.id AND gi.user_id = @user AND gi.status = 'pending'))`,
			map[string]any{"user": u.ID})
	}
}

// MeetupVisibleTo limits a query on meetups to the ones u (nil: not signed in) may see. Everyone
// sees published and cancelled meetups that are not hidden, outside private groups; members also
// see their private groups' meetups. Organisers also see the drafts and hidden meetups they
// organise (a group's organisers for the group, a neighbourhood's workers for the neighbourhood's
// own meetups); workers also see hidden meetups of their neighbourhoods, to moderate them, but
// not inside private groups they are not in. Coordinators see everything.
func MeetupVisibleTo(u *User) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB {
		cond, args := meetupVisibility(u)
		if cond == "" {
			return db
		}
		return db.Where(cond, args...)
	}
}

// meetupVisibility is MeetupVisibleTo's condition on the meetups table as SQL with its arguments
// ("" when there is none), for the statements written out by hand on hot paths.
func meetupVisibility(u *User) (string, []any) {
	switch {
	case u == nil:
		return meetupVisibleToAnyone, nil
	case u.Role == RoleCoordinator:
		return "", nil
	}
	return meetupVisibleToPerson, []any{u.ID, u.ID, u.ID}
}

const meetupVisibleToAnyone = `(meetups.status <> 'draft' AND meetups.hidden_at IS NULL AND (meetups.group_id IS NULL
	OR EXISTS (SELECT 1 FROM groups g WHERE g.id = meetups.group_id AND g.membership <> 'private')))`

// meetupVisibleToPerson takes the person's id three times.
const meetupVisibleToPerson = `((meetups.group_id IS NULL OR EXISTS (SELECT 1 FROM groups g WHERE g.id = meetups.group_id
		AND (g.membership <> 'private' OR EXISTS (SELECT 1 FROM group_members gm WHERE gm.group_id = g.id AND gm.user_id = ?))))
	AND ((meetups.status <> 'draft' AND meetups.hidden_at IS NULL)
		OR EXISTS (SELECT 1 FROM neighbourhood_workers w WHERE w.neighbourhood_id = meetups.neighbourhood_id AND w.user_id = ?
			AND (meetups.group_id IS NULL OR meetups.status <> 'draft'))
		OR EXISTS (SELECT 1 FROM group_members o WHERE o.group_id = meetups.group_id AND o.user_id = ? AND o.role = 'organiser')))`

// ReportsVisibleTo limits a query on content_reports to the reports u may act on: those in the
// groups u organises, those in u's neighbourhoods as a worker (except inside private groups), and
// all of them for coordinators.
func ReportsVisibleTo(u *User) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB {
		switch {
		case u == nil:
			return db.Where("false")
		case u.Role == RoleCoordinator:
			return db
		}
		return db.Where(`(EXISTS (SELECT 1 FROM group_members o WHERE o.group_id = content_reports.group_id AND o.user_id = @user AND o.role = 'organiser')
			OR (EXISTS (SELECT 1 FROM neighbourhood_workers w WHERE w.neighbourhood_id = content_reports.neighbourhood_id AND w.user_id = @user)
				AND (content_reports.group_id IS NULL OR EXISTS (SELECT 1 FROM groups g WHERE g.id = content_reports.group_id AND g.membership <> 'private'))))`,
			map[string]any{"user": u.ID})
	}
}

// CanCreateGroup: coordinators anywhere, workers in their neighbourhoods, residents in their home
// neighbourhood or one they follow.
func CanCreateGroup(ctx context.Context, db *gorm.DB, u *User, neighbourhoodID int64) (bool, error) {
	switch {
	case u == nil:
		return false, nil
	case u.Role == RoleCoordinator, u.HomeNeighbourhoodID != nil && *u.HomeNeighbourhoodID == neighbourhoodID:
		return true, nil
	}
	var ok bool
	err := db.WithContext(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM neighbourhood_follows WHERE user_id = @user AND neighbourhood_id = @hood)
		OR EXISTS (SELECT 1 FROM neighbourhood_workers WHERE user_id = @user AND neighbourhood_id = @hood)`,
		map[string]any{"user": u.ID, "hood": neighbourhoodID}).Scan(&ok).Error
	if err != nil {
		return false, fmt.Errorf("check neighbourhood of user: %w", err)
	}
	return ok, nil
}

// CanManageGroup: a group's organisers (and coordinators) edit it, invite, answer join requests,
// remove members and change roles.
func CanManageGroup(ctx context.Context, db *gorm.DB, u *User, g *Group) (bool, error) {
	if u == nil || g == nil {
		return false, nil
	}
	if u.Role == RoleCoordinator {
		return true, nil
	}
	role, err := GroupRoleOf(ctx, db, g.ID, u.ID)
	return role == GroupOrganiser, err
}

// CanSeeGroupMembers: who is in a group is for its members (and coordinators) only.
func CanSeeGroupMembers(ctx context.Context, db *gorm.DB, u *User, g *Group) (bool, error) {
	if u != nil && u.Role == RoleCoordinator {
		return true, nil
	}
	return CanPostInGroup(ctx, db, u, g)
}

// CanPostInGroup: members write posts and comments in a group's discussion.
func CanPostInGroup(ctx context.Context, db *gorm.DB, u *User, g *Group) (bool, error) {
	if u == nil || g == nil {
		return false, nil
	}
	role, err := GroupRoleOf(ctx, db, g.ID, u.ID)
	return role != "", err
}

// CanReadGroupDiscussion: a group's discussion is for its members, and for those who moderate it
// (see CanModerate).
func CanReadGroupDiscussion(ctx context.Context, db *gorm.DB, u *User, g *Group) (bool, error) {
	if ok, err := CanPostInGroup(ctx, db, u, g); ok || err != nil {
		return ok, err
	}
	return CanModerate(ctx, db, u, g.NeighbourhoodID, g)
}

// CanModerate: seeing reports and hiding content is for coordinators, for a group's organisers
// (content in the group) and for the neighbourhood's workers, except inside private groups. g is
// nil for a neighbourhood's own meetups.
func CanModerate(ctx context.Context, db *gorm.DB, u *User, neighbourhoodID int64, g *Group) (bool, error) {
	if u == nil {
		return false, nil
	}
	if u.Role == RoleCoordinator {
		return true, nil
	}
	if g != nil {
		if ok, err := CanManageGroup(ctx, db, u, g); ok || err != nil {
			return ok, err
		}
		if g.Membership == MembershipPrivate {
			return false, nil
		}
	}
	return WorksIn(ctx, db, u.ID, neighbourhoodID)
}

// CanCreateMeetup: a group's meetups are made by its organisers, a neighbourhood's own meetups
// (g nil) by its workers, and coordinators may make both.
func CanCreateMeetup(ctx context.Context, db *gorm.DB, u *User, neighbourhoodID int64, g *Group) (bool, error) {
	if u == nil {
		return false, nil
	}
	if g != nil {
		return CanManageGroup(ctx, db, u, g)
	}
	if u.Role == RoleCoordinator {
		return true, nil
	}
	return WorksIn(ctx, db, u.ID, neighbourhoodID)
}

// CanOrganiseMeetup: changing and cancelling a meetup, its attendance list and checking people in
// are for the people who may create meetups where it is (CanCreateMeetup).
func CanOrganiseMeetup(ctx context.Context, db *gorm.DB, u *User, m *Meetup) (bool, error) {
	if u == nil || m == nil {
		return false, nil
	}
	g, err := groupOf(ctx, db, m)
	if err != nil {
		return false, err
	}
	return CanCreateMeetup(ctx, db, u, m.NeighbourhoodID, g)
}

// CanSeeAttendance: attendance figures (not names) are for the meetup's organisers and for the
// neighbourhood's workers, except for the meetups of private groups.
func CanSeeAttendance(ctx context.Context, db *gorm.DB, u *User, m *Meetup) (bool, error) {
	if u == nil {
		return false, nil
	}
	if ok, err := CanOrganiseMeetup(ctx, db, u, m); ok || err != nil {
		return ok, err
	}
	g, err := groupOf(ctx, db, m)
	if err != nil || (g != nil && g.Membership == MembershipPrivate) {
		return false, err
	}
	return WorksIn(ctx, db, u.ID, m.NeighbourhoodID)
}

// CanSignUpOnBehalf: a neighbourhood's workers (and coordinators) sign residents up for its
// meetups, for example someone without a phone at the neighbourhood centre. The resident must be
// able to see the meetup themselves.
func CanSignUpOnBehalf(ctx context.Context, db *gorm.DB, actor, resident *User, m *Meetup) (bool, error) {
	if actor == nil || resident == nil || m == nil || resident.Role != RoleResident || actor.ID == resident.ID {
		return false, nil
	}
	if actor.Role == RoleCoordinator {
		return true, nil
	}
	if actor.Role != RoleWorker {
		return false, nil
	}
	return WorksIn(ctx, db, actor.ID, m.NeighbourhoodID)
}

// CanReadMeetupComments: a meetup's comments carry display names, so they are for signed-in
// people (who may see the meetup), never on pages anyone can read.
func CanReadMeetupComments(u *User) bool { return u != nil }

// ---- Volunteers, needs and shifts (issue 6) ----
// Who may see a need, organise it, sign volunteers up, see a volunteer's details and the hours.
// The resident a need is for, and a volunteer's contact details and constraints, are the
// sensitive parts: see NeedVisibleTo, CanSeeNeedResident and CanSeeVolunteerDetails.

// NeedVisibleTo limits a query on needs to the ones u may see; nobody who is not signed in sees
// any. A need of a meetup is visible only with its meetup (MeetupVisibleTo). Needs open to all
// are visible to everyone signed in; needs by invitation to those who organise them (their
// contact organiser, who made them, the neighbourhood's workers, the meetup's group organisers),
// the resident they are for, and the volunteers invited or signed up. Coordinators see all.
func NeedVisibleTo(u *User) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB {
		switch {
		case u == nil:
			return db.Where("false")
		case u.Role == RoleCoordinator:
			return db
		}
		return db.Where(`(needs.meetup_id IS NULL OR EXISTS (SELECT 1 FROM meetups WHERE meetups.id = needs.meetup_id AND `+
			meetupVisibleToPerson+`))`, u.ID, u.ID, u.ID).
			Where(`(needs.access = 'open' OR needs.organiser_id = @user OR needs.created_by = @user OR needs.resident_id = @user
				OR EXISTS (SELECT 1 FROM neighbourhood_workers w WHERE w.neighbourhood_id = needs.neighbourhood_id AND w.user_id = @user)
				OR EXISTS (SELECT 1 FROM meetups m JOIN group_members o ON o.group_id = m.group_id
					WHERE m.id = needs.meetup_id AND o.user_id = @user AND o.role = 'organiser')
				OR EXISTS (SELECT 1 FROM need_invitations i WHERE i.need_id = needs.id AND i.user_id = @user)
				OR EXISTS (SELECT 1 FROM shifts s JOIN shift_signups g ON g.shift_id = s.id
					WHERE s.need_id = needs.id AND g.user_id = @user AND g.status <> 'withdrawn'))`,
				map[string]any{"user": u.ID})
	}
}

// CanCreateNeed: a meetup's needs are made by those who organise the meetup; a neighbourhood's
// needs by its workers and coordinators, for anyone; a resident asks for help for themselves in
// their home neighbourhood or one they follow (CanCreateGroup's rule).
func CanCreateNeed(ctx context.Context, db *gorm.DB, u *User, neighbourhoodID int64, m *Meetup, residentID *int64) (bool, error) {
	if u == nil {
		return false, nil
	}
	if m != nil {
		return CanOrganiseMeetup(ctx, db, u, m)
	}
	if u.Role == RoleCoordinator {
		return true, nil
	}
	if ok, err := WorksIn(ctx, db, u.ID, neighbourhoodID); ok || err != nil {
		return ok, err
	}
	if residentID != nil && *residentID != u.ID {
		return false, nil
	}
	return CanCreateGroup(ctx, db, u, neighbourhoodID)
}

// CanOrganiseNeed: changing a need and its shifts, seeing its matches, inviting, the sign-up
// lists with contact details, check-in and confirming hours are for the contact organiser, who
// made the need, the neighbourhood's workers, those who organise its meetup, and coordinators.
// The caller has loaded n through NeedVisibleTo.
func CanOrganiseNeed(ctx context.Context, db *gorm.DB, u *User, n *Need) (bool, error) {
	switch {
	case u == nil || n == nil:
		return false, nil
	case u.Role == RoleCoordinator, n.OrganiserID != nil && *n.OrganiserID == u.ID, n.CreatedBy != nil && *n.CreatedBy == u.ID:
		return true, nil
	}
	if ok, err := WorksIn(ctx, db, u.ID, n.NeighbourhoodID); ok || err != nil {
		return ok, err
	}
	if n.MeetupID == nil {
		return false, nil
	}
	m, err := MeetupByID(ctx, db, u, *n.MeetupID)
	if ok, err := found(err); !ok {
		return false, err
	}
	return CanOrganiseMeetup(ctx, db, u, m)
}

// CanSeeNeedResident: who a need is for is known to its organisers, to that resident, and to the
// volunteers signed up for it (they go and help them); not to every volunteer browsing needs.
func CanSeeNeedResident(ctx context.Context, db *gorm.DB, u *User, n *Need) (bool, error) {
	if u == nil || n.ResidentID == nil {
		return false, nil
	}
	if *n.ResidentID == u.ID {
		return true, nil
	}
	if ok, err := CanOrganiseNeed(ctx, db, u, n); ok || err != nil {
		return ok, err
	}
	var ok bool
	err := db.WithContext(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM shifts s JOIN shift_signups g ON g.shift_id = s.id
		WHERE s.need_id = ? AND g.user_id = ? AND g.status = 'signed_up')`, n.ID, u.ID).Scan(&ok).Error
	if err != nil {
		return false, fmt.Errorf("check sign-up for need: %w", err)
	}
	return ok, nil
}

// CanSignUpVolunteerOnBehalf: a need's organisers (CanOrganiseNeed) sign volunteers up or off,
// for example someone who said yes on the phone.
func CanSignUpVolunteerOnBehalf(ctx context.Context, db *gorm.DB, actor *User, n *Need) (bool, error) {
	if !CanRegisterOnBehalf(actor) {
		return false, nil
	}
	return CanOrganiseNeed(ctx, db, actor, n)
}

// CanManageVolunteerFor: a worker makes or changes the volunteer profile of a resident they look
// after: one they registered or who lives in their neighbourhood (as for sign-in codes);
// coordinators for any resident.
func CanManageVolunteerFor(ctx context.Context, db *gorm.DB, actor, person *User) (bool, error) {
	if !CanRegisterOnBehalf(actor) || person == nil || person.Role != RoleResident || person.ID == actor.ID {
		return false, nil
	}
	if actor.Role == RoleCoordinator || (person.RegisteredBy != nil && *person.RegisteredBy == actor.ID) {
		return true, nil
	}
	if person.HomeNeighbourhoodID == nil {
		return false, nil
	}
	return WorksIn(ctx, db, actor.ID, *person.HomeNeighbourhoodID)
}

// CanSeeVolunteerDetails: a volunteer's profile with their contact details and constraints is
// for themselves, coordinators, the workers of a neighbourhood they help in or live in, and the
// organisers of needs they signed up for (on a shift or its reserve list). Nobody else: matching
// shows others a display name and the reasons only.
func CanSeeVolunteerDetails(ctx context.Context, db *gorm.DB, viewer *User, v *Volunteer) (bool, error) {
	switch {
	case viewer == nil || v == nil:
		return false, nil
	case viewer.ID == v.UserID, viewer.Role == RoleCoordinator:
		return true, nil
	}
	var ok bool
	err := db.WithContext(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM neighbourhood_workers w WHERE w.user_id = @viewer
			AND (w.neighbourhood_id = ANY(CAST(@hoods AS bigint[]))
				OR w.neighbourhood_id = (SELECT home_neighbourhood_id FROM users WHERE id = @volunteer)))
		OR EXISTS (SELECT 1 FROM shift_signups g JOIN shifts s ON s.id = g.shift_id JOIN needs n ON n.id = s.need_id
			WHERE g.user_id = @volunteer AND g.status IN ('signed_up', 'reserve')
			AND (n.organiser_id = @viewer OR n.created_by = @viewer
				OR EXISTS (SELECT 1 FROM neighbourhood_workers w WHERE w.neighbourhood_id = n.neighbourhood_id AND w.user_id = @viewer)
				OR EXISTS (SELECT 1 FROM meetups m JOIN group_members o ON o.group_id = m.group_id
					WHERE m.id = n.meetup_id AND o.user_id = @viewer AND o.role = 'organiser')))`,
		map[string]any{"viewer": viewer.ID, "volunteer": v.UserID, "hoods": v.Neighbourhoods}).Scan(&ok).Error
	if err != nil {
		return false, fmt.Errorf("check who may see volunteer %d: %w", v.UserID, err)
	}
	return ok, nil
}

// CanSeeVolunteerFigures: coverage of needs and hours per month of a neighbourhood are for its
// workers and coordinators.
func CanSeeVolunteerFigures(ctx context.Context, db *gorm.DB, u *User, neighbourhoodID int64) (bool, error) {
	return CanManageJoinCode(ctx, db, u, neighbourhoodID)
}
