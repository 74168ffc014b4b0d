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
