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

// RequestStatus is where a join request or an invitation stands.
type RequestStatus string

// The states of join requests and invitations.
const (
	RequestPending  RequestStatus = "pending"
	RequestAccepted RequestStatus = "accepted"
	RequestDeclined RequestStatus = "declined"
)

// JoinRequest is someone asking to join a closed group, with an optional message, and the
// organiser's answer.
type JoinRequest struct {
	ID        int64         `json:"id"`
	GroupID   int64         `json:"group_id"`
	UserID    int64         `json:"user_id"`
	Message   string        `json:"message"`
	Status    RequestStatus `json:"status"`
	Answer    string        `json:"answer"`
	DecidedBy *int64        `json:"-"`
	DecidedAt *time.Time    `json:"decided_at"`
	CreatedAt time.Time     `json:"created_at"`
	// RequesterName is the display name of the person asking, for the organisers' list.
	RequesterName string `json:"requester_name" gorm:"->;-:migration"`
}

// TableName is the table of join requests.
func (JoinRequest) TableName() string { return "group_join_requests" }

// Invitation is an organiser inviting someone into a group.
type Invitation struct {
	ID         int64         `json:"id"`
	GroupID    int64         `json:"group_id"`
	UserID     int64         `json:"user_id"`
	InvitedBy  *int64        `json:"-"`
	Status     RequestStatus `json:"status"`
	CreatedAt  time.Time     `json:"created_at"`
	AnsweredAt *time.Time    `json:"answered_at"`
	// GroupName is filled when listing a person's invitations.
	GroupName string `json:"group_name" gorm:"->;-:migration"`
}

// TableName is the table of invitations.
func (Invitation) TableName() string { return "group_invitations" }

// JoinRequests lists a group's pending requests, oldest first (organisers).
func JoinRequests(ctx context.Context, db *gorm.DB, actor *User, groupID int64) ([]JoinRequest, error) {
	g, err := GroupByID(ctx, db, actor, groupID)
	if err != nil {
		return nil, err
	}
	if err := mustManageGroup(ctx, db, actor, g); err != nil {
		return nil, err
	}
	var rs []JoinRequest
	err = db.WithContext(ctx).Select("group_join_requests.*, COALESCE(users.display_name, '') AS requester_name").
		Joins("JOIN users ON users.id = group_join_requests.user_id").
		Where("group_join_requests.group_id = ? AND group_join_requests.status = 'pending'", groupID).
		Order("group_join_requests.id").Find(&rs).Error
	if err != nil {
		return nil, fmt.Errorf("list join requests: %w", err)
	}
	return rs, nil
}

// DecideJoinRequest accepts or declines a pending request with an optional message (organisers).
// Accepting makes the person a member.
func DecideJoinRequest(ctx context.Context, db *gorm.DB, actor *User, requestID int64, accept bool, answer string) (*JoinRequest, error) {
	var r JoinRequest
	if err := db.WithContext(ctx).Take(&r, requestID).Error; errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	} else if err != nil {
		return nil, fmt.Errorf("load join request %d: %w", requestID, err)
	}
	g, err := GroupByID(ctx, db, actor, r.GroupID)
	if err != nil {
		return nil, err
	}
	if err := mustManageGroup(ctx, db, actor, g); err != nil {
		return nil, err
	}
	answer = strings.TrimSpace(answer)
	if utf8.RuneCountInString(answer) > 1000 {
		return nil, FieldErrors{"answer": "group.request.message_too_long"}
	}
	status := RequestDeclined
	if accept {
		status = RequestAccepted
	}
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := lockGroup(tx, r.GroupID); err != nil {
			return err
		}
		res := tx.Model(&JoinRequest{}).Where("id = ? AND status = 'pending'", r.ID).
			Updates(map[string]any{"status": status, "answer": answer, "decided_by": actor.ID, "decided_at": time.Now()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return FieldErrors{"request": "group.request.decided"}
		}
		kind := NotifyRequestDeclined
		if accept {
			kind = NotifyRequestAccepted
		}
		told := notification{kind: kind, groupID: &r.GroupID, actorID: &actor.ID, body: answer}
		if err := told.toUsers(tx, []int64{r.UserID}); err != nil || !accept {
			return err
		}
		if role, err := GroupRoleOf(ctx, tx, r.GroupID, r.UserID); err != nil || role != "" {
			return err
		}
		return addMember(tx, r.GroupID, r.UserID)
	})
	if err != nil {
		return nil, groupError("decide join request", err)
	}
	r.Status, r.Answer = status, answer
	return &r, nil
}

// InviteToGroup invites a person into a group (organisers). The person sees the group from then
// on, also when it is private, and joins by accepting.
func InviteToGroup(ctx context.Context, db *gorm.DB, actor *User, groupID, userID int64) (*Invitation, error) {
	g, err := GroupByID(ctx, db, actor, groupID)
	if err != nil {
		return nil, err
	}
	if err := mustManageGroup(ctx, db, actor, g); err != nil {
		return nil, err
	}
	if _, err := UserByID(ctx, db, userID); errors.Is(err, ErrNotFound) {
		return nil, FieldErrors{"user_id": "group.invitation.unknown_user"}
	} else if err != nil {
		return nil, err
	}
	inv := &Invitation{GroupID: groupID, UserID: userID, InvitedBy: &actor.ID, Status: RequestPending}
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := lockGroup(tx, groupID); err != nil {
			return err
		}
		if role, err := GroupRoleOf(ctx, tx, groupID, userID); err != nil {
			return err
		} else if role != "" {
			return FieldErrors{"user_id": "group.already_member"}
		}
		err := tx.Create(inv).Error
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return FieldErrors{"user_id": "group.invitation.already"}
		}
		if err != nil {
			return err
		}
		return notification{kind: NotifyInvitation, groupID: &groupID, actorID: &actor.ID}.toUsers(tx, []int64{userID})
	})
	if err != nil {
		return nil, groupError("invite to group", err)
	}
	return inv, nil
}

// PendingInvitations lists the invitations a person has not answered yet, newest first.
func PendingInvitations(ctx context.Context, db *gorm.DB, userID int64) ([]Invitation, error) {
	var out []Invitation
	err := db.WithContext(ctx).Select("group_invitations.*, groups.name AS group_name").
		Joins("JOIN groups ON groups.id = group_invitations.group_id").
		Where("group_invitations.user_id = ? AND group_invitations.status = 'pending'", userID).
		Order("group_invitations.id DESC").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list invitations: %w", err)
	}
	return out, nil
}

// AnswerInvitation accepts (joining the group) or declines one of the person's own invitations.
func AnswerInvitation(ctx context.Context, db *gorm.DB, u *User, invitationID int64, accept bool) error {
	if u == nil {
		return ErrForbidden
	}
	var inv Invitation
	err := db.WithContext(ctx).Where("id = ? AND user_id = ?", invitationID, u.ID).Take(&inv).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("load invitation %d: %w", invitationID, err)
	}
	status := RequestDeclined
	if accept {
		status = RequestAccepted
	}
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := lockGroup(tx, inv.GroupID); err != nil {
			return err
		}
		res := tx.Model(&Invitation{}).Where("id = ? AND status = 'pending'", inv.ID).
			Updates(map[string]any{"status": status, "answered_at": time.Now()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return FieldErrors{"invitation": "group.invitation.answered"}
		}
		if !accept {
			return nil
		}
		if role, err := GroupRoleOf(ctx, tx, inv.GroupID, u.ID); err != nil || role != "" {
			return err
		}
		return addMember(tx, inv.GroupID, u.ID)
	})
	return groupError("answer invitation", err)
}
