package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// GroupMembership says who may join a group, and who may see it at all.
type GroupMembership string

// The kinds of membership.
const (
	// MembershipOpen: anyone joins.
	MembershipOpen GroupMembership = "open"
	// MembershipClosed: people ask to join and an organiser accepts or declines.
	MembershipClosed GroupMembership = "closed"
	// MembershipPrivate: invisible to non-members; people join by invitation only.
	MembershipPrivate GroupMembership = "private"
)

// Valid reports whether m is a known kind of membership.
func (m GroupMembership) Valid() bool {
	return m == MembershipOpen || m == MembershipClosed || m == MembershipPrivate
}

// GroupRole is a member's role in one group.
type GroupRole string

// The roles in a group. Residents and community workers can both be organisers.
const (
	GroupOrganiser GroupRole = "organiser"
	GroupMember    GroupRole = "member"
)

// Group is a group of neighbours in one neighbourhood. It always keeps at least one organiser.
type Group struct {
	ID              int64           `json:"id"`
	NeighbourhoodID int64           `json:"neighbourhood_id"`
	Name            string          `json:"name"`
	Description     string          `json:"description"`
	Membership      GroupMembership `json:"membership"`
	CreatedBy       *int64          `json:"-"`
	CreatedAt       time.Time       `json:"created_at"`
	UpdatedAt       time.Time       `json:"updated_at"`
}

// GroupInput creates or changes a group. Nil fields are left as they are.
type GroupInput struct {
	Name        *string          `json:"name" form:"name"`
	Description *string          `json:"description" form:"description"`
	Membership  *GroupMembership `json:"membership" form:"membership"`
}

// apply validates the input onto g.
func (in GroupInput) apply(g *Group) FieldErrors {
	fe := FieldErrors{}
	if in.Name != nil {
		g.Name = strings.Join(strings.Fields(*in.Name), " ")
	}
	if in.Description != nil {
		g.Description = strings.TrimSpace(*in.Description)
	}
	if in.Membership != nil {
		g.Membership = *in.Membership
	}
	if n := utf8.RuneCountInString(g.Name); n == 0 {
		fe["name"] = "group.name.required"
	} else if n > 80 {
		fe["name"] = "group.name.too_long"
	}
	if utf8.RuneCountInString(g.Description) > 4000 {
		fe["description"] = "group.description.too_long"
	}
	if !g.Membership.Valid() {
		fe["membership"] = "group.membership.invalid"
	}
	return fe
}

// GroupMemberRow is one membership as stored.
type GroupMemberRow struct {
	GroupID   int64
	UserID    int64
	Role      GroupRole
	CreatedAt time.Time
}

// TableName is the table of memberships.
func (GroupMemberRow) TableName() string { return "group_members" }

// GroupMemberView is a member as other members see them: a display name and a role.
type GroupMemberView struct {
	PublicUser
	Role  GroupRole `json:"role"`
	Since time.Time `json:"since"`
}

// CreateGroup stores a new group in a neighbourhood with its creator as the first organiser.
func CreateGroup(ctx context.Context, db *gorm.DB, actor *User, neighbourhoodID int64, in GroupInput) (*Group, error) {
	if _, err := NeighbourhoodByID(ctx, db, neighbourhoodID); err != nil {
		return nil, err
	}
	ok, err := CanCreateGroup(ctx, db, actor, neighbourhoodID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrForbidden
	}
	g := &Group{NeighbourhoodID: neighbourhoodID, Membership: MembershipOpen, CreatedBy: &actor.ID}
	if err := in.apply(g).Err(); err != nil {
		return nil, err
	}
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(g).Error; err != nil {
			return err
		}
		return tx.Create(&GroupMemberRow{GroupID: g.ID, UserID: actor.ID, Role: GroupOrganiser}).Error
	})
	if err != nil {
		return nil, fmt.Errorf("create group: %w", err)
	}
	return g, nil
}

// UpdateGroup changes a group's name, description or kind of membership (organisers).
func UpdateGroup(ctx context.Context, db *gorm.DB, actor *User, id int64, in GroupInput) (*Group, error) {
	g, err := GroupByID(ctx, db, actor, id)
	if err != nil {
		return nil, err
	}
	if err := mustManageGroup(ctx, db, actor, g); err != nil {
		return nil, err
	}
	if err := in.apply(g).Err(); err != nil {
		return nil, err
	}
	g.UpdatedAt = time.Now()
	if err := db.WithContext(ctx).Select("name", "description", "membership", "updated_at").Updates(g).Error; err != nil {
		return nil, fmt.Errorf("update group %d: %w", id, err)
	}
	return g, nil
}

// GroupByID returns a group the viewer may see (nil viewer: someone not signed in). A private group
// is ErrNotFound to anyone who is not a member, invited or a coordinator.
func GroupByID(ctx context.Context, db *gorm.DB, viewer *User, id int64) (*Group, error) {
	var g Group
	err := db.WithContext(ctx).Scopes(GroupVisibleTo(viewer)).Where("groups.id = ?", id).Take(&g).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load group %d: %w", id, err)
	}
	return &g, nil
}

// Groups lists the groups of a neighbourhood the viewer may see, by name.
func Groups(ctx context.Context, db *gorm.DB, viewer *User, neighbourhoodID int64) ([]Group, error) {
	var gs []Group
	err := db.WithContext(ctx).Scopes(GroupVisibleTo(viewer)).Where("groups.neighbourhood_id = ?", neighbourhoodID).
		Order("lower(groups.name), groups.id").Find(&gs).Error
	if err != nil {
		return nil, fmt.Errorf("list groups: %w", err)
	}
	return gs, nil
}

// GroupsOf lists the groups a person is a member of, with their role in each.
func GroupsOf(ctx context.Context, db *gorm.DB, userID int64) ([]Group, map[int64]GroupRole, error) {
	var rows []GroupMemberRow
	if err := db.WithContext(ctx).Where("user_id = ?", userID).Find(&rows).Error; err != nil {
		return nil, nil, fmt.Errorf("list memberships: %w", err)
	}
	roles := make(map[int64]GroupRole, len(rows))
	ids := make([]int64, 0, len(rows))
	for _, r := range rows {
		roles[r.GroupID] = r.Role
		ids = append(ids, r.GroupID)
	}
	var gs []Group
	if err := db.WithContext(ctx).Where("id IN ?", ids).Order("lower(name), id").Find(&gs).Error; err != nil {
		return nil, nil, fmt.Errorf("list groups of user %d: %w", userID, err)
	}
	return gs, roles, nil
}

// GroupRoleOf returns the person's role in the group, or "" when they are not a member.
func GroupRoleOf(ctx context.Context, db *gorm.DB, groupID, userID int64) (GroupRole, error) {
	var roles []GroupRole
	err := db.WithContext(ctx).Model(&GroupMemberRow{}).Where("group_id = ? AND user_id = ?", groupID, userID).
		Limit(1).Pluck("role", &roles).Error
	if err != nil {
		return "", fmt.Errorf("look up membership: %w", err)
	}
	if len(roles) == 0 {
		return "", nil
	}
	return roles[0], nil
}

// GroupMembers lists a group's members by display name. Only members (and coordinators) see who
// is in a group.
func GroupMembers(ctx context.Context, db *gorm.DB, viewer *User, groupID int64) ([]GroupMemberView, error) {
	g, err := GroupByID(ctx, db, viewer, groupID)
	if err != nil {
		return nil, err
	}
	ok, err := CanSeeGroupMembers(ctx, db, viewer, g)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrForbidden
	}
	var rows []struct {
		User
		GroupRole GroupRole
		Since     time.Time
	}
	err = db.WithContext(ctx).Table("group_members gm").
		Select("users.*, gm.role AS group_role, gm.created_at AS since").
		Joins("JOIN users ON users.id = gm.user_id").
		Where("gm.group_id = ?", groupID).
		Order("gm.role = 'member', lower(users.display_name), users.id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list members of group %d: %w", groupID, err)
	}
	out := make([]GroupMemberView, len(rows))
	for i := range rows {
		out[i] = GroupMemberView{PublicUser: rows[i].User.Public(), Role: rows[i].GroupRole, Since: rows[i].Since}
	}
	return out, nil
}

// JoinOutcome is what asking to join a group led to.
type JoinOutcome string

// The outcomes of JoinGroup.
const (
	// Joined: the person is now a member.
	Joined JoinOutcome = "joined"
	// Requested: the group is closed; an organiser will accept or decline the request.
	Requested JoinOutcome = "requested"
)

// JoinGroup joins an open group, asks to join a closed one (with an optional message for the
// organisers), and accepts a pending invitation to any group. A private group is ErrNotFound to
// someone who was not invited, as if it did not exist.
func JoinGroup(ctx context.Context, db *gorm.DB, u *User, groupID int64, message string) (JoinOutcome, error) {
	if u == nil {
		return "", ErrForbidden
	}
	if _, err := GroupByID(ctx, db, u, groupID); err != nil {
		return "", err
	}
	message = strings.TrimSpace(message)
	if utf8.RuneCountInString(message) > 1000 {
		return "", FieldErrors{"message": "group.request.message_too_long"}
	}
	var out JoinOutcome
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		g, err := lockGroup(tx, groupID)
		if err != nil {
			return err
		}
		if role, err := GroupRoleOf(ctx, tx, g.ID, u.ID); err != nil {
			return err
		} else if role != "" {
			return FieldErrors{"group": "group.already_member"}
		}
		accepted := tx.Exec(`UPDATE group_invitations SET status = 'accepted', answered_at = now()
			WHERE group_id = ? AND user_id = ? AND status = 'pending'`, g.ID, u.ID)
		if accepted.Error != nil {
			return accepted.Error
		}
		switch {
		case accepted.RowsAffected > 0 || g.Membership == MembershipOpen:
			out = Joined
			return addMember(tx, g.ID, u.ID)
		case g.Membership == MembershipClosed:
			out = Requested
			err := tx.Create(&JoinRequest{GroupID: g.ID, UserID: u.ID, Message: message, Status: RequestPending}).Error
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return FieldErrors{"group": "group.request.already"}
			}
			if err != nil {
				return err
			}
			return notification{kind: NotifyJoinRequest, groupID: &g.ID, actorID: &u.ID, body: message}.toOrganisers(tx)
		default:
			return FieldErrors{"group": "group.invitation_needed"}
		}
	})
	if err != nil {
		return "", groupError("join group", err)
	}
	return out, nil
}

// LeaveGroup ends the person's membership. The last organiser must hand over first.
func LeaveGroup(ctx context.Context, db *gorm.DB, u *User, groupID int64) error {
	if u == nil {
		return ErrForbidden
	}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := lockGroup(tx, groupID); err != nil {
			return err
		}
		return removeMember(tx, groupID, u.ID)
	})
	return groupError("leave group", err)
}

// RemoveMember takes someone out of a group (organisers). The last organiser stays.
func RemoveMember(ctx context.Context, db *gorm.DB, actor *User, groupID, userID int64) error {
	g, err := GroupByID(ctx, db, actor, groupID)
	if err != nil {
		return err
	}
	if err := mustManageGroup(ctx, db, actor, g); err != nil {
		return err
	}
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := lockGroup(tx, groupID); err != nil {
			return err
		}
		return removeMember(tx, groupID, userID)
	})
	return groupError("remove member", err)
}

// SetMemberRole makes a member an organiser or a plain member (organisers). The last organiser
// cannot become a plain member.
func SetMemberRole(ctx context.Context, db *gorm.DB, actor *User, groupID, userID int64, role GroupRole) error {
	if role != GroupOrganiser && role != GroupMember {
		return FieldErrors{"role": "group.role.invalid"}
	}
	g, err := GroupByID(ctx, db, actor, groupID)
	if err != nil {
		return err
	}
	if err := mustManageGroup(ctx, db, actor, g); err != nil {
		return err
	}
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := lockGroup(tx, groupID); err != nil {
			return err
		}
		return setRole(tx, groupID, userID, role)
	})
	return groupError("set member role", err)
}

// HandOverOrganiser makes another member organiser and the acting organiser a plain member, in
// one step.
func HandOverOrganiser(ctx context.Context, db *gorm.DB, actor *User, groupID, toUserID int64) error {
	if actor == nil {
		return ErrForbidden
	}
	if toUserID == actor.ID {
		return FieldErrors{"user_id": "group.handover.self"}
	}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := lockGroup(tx, groupID); err != nil {
			return err
		}
		role, err := GroupRoleOf(ctx, tx, groupID, actor.ID)
		if err != nil {
			return err
		}
		if role != GroupOrganiser {
			return ErrForbidden
		}
		if err := setRole(tx, groupID, toUserID, GroupOrganiser); err != nil {
			return err
		}
		return setRole(tx, groupID, actor.ID, GroupMember)
	})
	return groupError("hand over organiser", err)
}

// lockGroup loads the group row FOR NO KEY UPDATE: every change to a group's members takes this
// lock first, so counting its organisers and then changing one cannot race another change.
func lockGroup(tx *gorm.DB, id int64) (*Group, error) {
	var g Group
	err := tx.Clauses(lockNoKeyUpdate).Take(&g, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	return &g, err
}

// addMember adds a member under the group lock. Someone joining a group that has lost all its
// organisers (see ForgetParticipation) becomes its organiser.
func addMember(tx *gorm.DB, groupID, userID int64) error {
	var organisers int64
	if err := tx.Model(&GroupMemberRow{}).Where("group_id = ? AND role = 'organiser'", groupID).Count(&organisers).Error; err != nil {
		return err
	}
	role := GroupMember
	if organisers == 0 {
		role = GroupOrganiser
	}
	err := tx.Create(&GroupMemberRow{GroupID: groupID, UserID: userID, Role: role}).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return FieldErrors{"group": "group.already_member"}
	}
	return err
}

// removeMember deletes a membership under the group lock, keeping the last organiser.
func removeMember(tx *gorm.DB, groupID, userID int64) error {
	role, err := GroupRoleOf(tx.Statement.Context, tx, groupID, userID)
	if err != nil {
		return err
	}
	if role == "" {
		return FieldErrors{"user_id": "group.not_member"}
	}
	if role == GroupOrganiser {
		if err := keepAnOrganiser(tx, groupID, userID); err != nil {
			return err
		}
	}
	return tx.Where("group_id = ? AND user_id = ?", groupID, userID).Delete(&GroupMemberRow{}).Error
}

// setRole changes a member's role under the group lock, keeping the last organiser.
func setRole(tx *gorm.DB, groupID, userID int64, role GroupRole) error {
	current, err := GroupRoleOf(tx.Statement.Context, tx, groupID, userID)
	if err != nil {
		return err
	}
	if current == "" {
		return FieldErrors{"user_id": "group.not_member"}
	}
	if current == GroupOrganiser && role == GroupMember {
		if err := keepAnOrganiser(tx, groupID, userID); err != nil {
			return err
		}
	}
	return tx.Model(&GroupMemberRow{}).Where("group_id = ? AND user_id = ?", groupID, userID).Update("role", role).Error
}

// keepAnOrganiser refuses when userID is the group's only organiser.
func keepAnOrganiser(tx *gorm.DB, groupID, userID int64) error {
	var others int64
	err := tx.Model(&GroupMemberRow{}).Where("group_id = ? AND role = 'organiser' AND user_id <> ?", groupID, userID).Count(&others).Error
	if err != nil {
		return err
	}
	if others == 0 {
		return FieldErrors{"role": "group.last_organiser"}
	}
	return nil
}

// mustManageGroup is ErrForbidden unless the person may manage the group.
func mustManageGroup(ctx context.Context, db *gorm.DB, u *User, g *Group) error {
	ok, err := CanManageGroup(ctx, db, u, g)
	if err != nil {
		return err
	}
	if !ok {
		return ErrForbidden
	}
	return nil
}

// groupError wraps storage errors once and passes the domain errors through as they are.
func groupError(what string, err error) error {
	var fe FieldErrors
	if err == nil || errors.As(err, &fe) || errors.Is(err, ErrNotFound) || errors.Is(err, ErrForbidden) {
		return err
	}
	if errors.Is(err, gorm.ErrCheckConstraintViolated) && strings.Contains(err.Error(), "organiser") {
		return FieldErrors{"role": "group.last_organiser"}
	}
	return fmt.Errorf("%s: %w", what, err)
}
