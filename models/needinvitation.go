package models

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// InvitationStatus is where an invitation to a shift stands.
type InvitationStatus string

// The states of an invitation. A pending invitation past its expiry counts as expired.
const (
	InvitationPending  InvitationStatus = "pending"
	InvitationAccepted InvitationStatus = "accepted"
	InvitationDeclined InvitationStatus = "declined"
	InvitationExpired  InvitationStatus = "expired"
)

// InvitationLifetime is how long an invitation waits for an answer; never past the shift's start.
const InvitationLifetime = 72 * time.Hour

// MaxInvitesAtOnce is how many volunteers one invitation round may ask.
const MaxInvitesAtOnce = 50

// NeedInvitation is an organiser asking a volunteer to take a shift of a need.
type NeedInvitation struct {
	ID         int64            `json:"id"`
	NeedID     int64            `json:"need_id"`
	ShiftID    int64            `json:"shift_id"`
	UserID     int64            `json:"user_id"`
	InvitedBy  *int64           `json:"invited_by,omitempty"`
	Message    string           `json:"message,omitempty"`
	Status     InvitationStatus `json:"status"`
	ExpiresAt  time.Time        `json:"expires_at"`
	AnsweredAt *time.Time       `json:"answered_at,omitempty"`
	CreatedAt  time.Time        `json:"created_at"`
}

// Current is the invitation's status now: a pending one past its expiry is expired.
func (i *NeedInvitation) Current(now time.Time) InvitationStatus {
	if i.Status == InvitationPending && !now.Before(i.ExpiresAt) {
		return InvitationExpired
	}
	return i.Status
}

// InviteInput asks volunteers (as proposed by the matches) to take one shift of a need.
type InviteInput struct {
	ShiftID int64   `json:"shift_id"`
	UserIDs []int64 `json:"user_ids"`
	Message string  `json:"message"`
}

// InviteVolunteers invites volunteers to a shift of a need (organisers). Everyone invited must be
// a volunteer who agreed to be asked, is not paused, has not declined this need, and is not
// already signed up or invited for the shift; otherwise nobody is invited and the field says why.
// Each is told at once; each invitation counts as being asked this month (fairness) and expires
// after InvitationLifetime or when the shift starts.
func InviteVolunteers(ctx context.Context, db *gorm.DB, actor *User, needID int64, in InviteInput) ([]NeedInvitation, error) {
	n, err := organisedNeed(ctx, db, actor, needID)
	if err != nil {
		return nil, err
	}
	if n.Status == NeedCancelled || n.Status == NeedDone {
		return nil, FieldErrors{"need": "need.closed"}
	}
	var s Shift
	err = db.WithContext(ctx).Where("id = ? AND need_id = ?", in.ShiftID, n.ID).Take(&s).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, FieldErrors{"shift_id": "need.invitation.shift_unknown"}
	}
	if err != nil {
		return nil, fmt.Errorf("load shift: %w", err)
	}
	now := time.Now()
	if err := openForSignups(n, &s, now); err != nil {
		return nil, err
	}
	message := strings.TrimSpace(in.Message)
	if utf8.RuneCountInString(message) > 1000 {
		return nil, FieldErrors{"message": "need.invitation.message_too_long"}
	}
	users := slices.Compact(slices.Sorted(slices.Values(in.UserIDs)))
	switch {
	case len(users) == 0:
		return nil, FieldErrors{"user_ids": "need.invitation.nobody"}
	case len(users) > MaxInvitesAtOnce:
		return nil, FieldErrors{"user_ids": "need.invitation.too_many"}
	}
	if err := askable(ctx, db, n, s.ID, users); err != nil {
		return nil, err
	}
	expires := now.Add(InvitationLifetime)
	if s.StartsAt.Before(expires) {
		expires = s.StartsAt
	}
	var out []NeedInvitation
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Invitations that lapsed unanswered make room for a new one.
		err := tx.Exec(`UPDATE need_invitations SET status = 'expired' WHERE shift_id = ? AND user_id = ANY(?::bigint[])
			AND status = 'pending' AND expires_at <= now()`, s.ID, int64Array(users)).Error
		if err != nil {
			return err
		}
		err = tx.Raw(`INSERT INTO need_invitations (need_id, shift_id, user_id, invited_by, message, expires_at)
			SELECT ?, ?, u, ?, ?, ? FROM unnest(?::bigint[]) AS u ORDER BY u RETURNING *`,
			n.ID, s.ID, actor.ID, message, expires, int64Array(users)).Scan(&out).Error
		if err != nil {
			return err
		}
		return needNotification(NotifyVolunteerInvited, n.ID, &s.ID, &actor.ID, message).toUsers(tx, users)
	})
	if err != nil {
		if strings.Contains(err.Error(), "need_invitations_pending_key") {
			return nil, FieldErrors{"user_ids": "need.invitation.already"}
		}
		return nil, fmt.Errorf("invite volunteers: %w", err)
	}
	return out, nil
}

// askable checks that every one of users may be invited to shift shiftID of n, and says why not
// for the first who may not.
func askable(ctx context.Context, db *gorm.DB, n *Need, shiftID int64, users []int64) error {
	var rows []struct {
		UserID int64
		Reason string
	}
	err := db.WithContext(ctx).Raw(`SELECT u.id AS user_id, CASE
			WHEN v.user_id IS NULL THEN 'need.invitation.not_volunteer'
			WHEN NOT v.consent_to_ask THEN 'need.invitation.no_consent'
			WHEN v.paused_at IS NOT NULL THEN 'need.invitation.paused'
			WHEN u.id = @resident THEN 'need.invitation.resident'
			WHEN EXISTS (SELECT 1 FROM need_declines d WHERE d.need_id = @need AND d.user_id = u.id) THEN 'need.invitation.declined'
			WHEN EXISTS (SELECT 1 FROM shift_signups g WHERE g.shift_id = @shift AND g.user_id = u.id AND g.status <> 'withdrawn')
				THEN 'need.invitation.signed_up'
			WHEN EXISTS (SELECT 1 FROM need_invitations i WHERE i.shift_id = @shift AND i.user_id = u.id AND i.status = 'pending'
				AND i.expires_at > now()) THEN 'need.invitation.already'
			ELSE '' END AS reason
		FROM unnest(CAST(@users AS bigint[])) AS want(id)
		LEFT JOIN users u ON u.id = want.id AND u.deleted_at IS NULL
		LEFT JOIN volunteers v ON v.user_id = u.id
		ORDER BY want.id`, map[string]any{"need": n.ID, "shift": shiftID, "resident": n.ResidentID, "users": int64Array(users)}).
		Scan(&rows).Error
	if err != nil {
		return fmt.Errorf("check volunteers to invite: %w", err)
	}
	for _, r := range rows {
		switch {
		case r.UserID == 0:
			return FieldErrors{"user_ids": "need.invitation.not_volunteer"}
		case r.Reason != "":
			return FieldErrors{"user_ids": r.Reason}
		}
	}
	return nil
}

// InvitationAnswer is an answered invitation and, when accepted, the sign-up it made.
type InvitationAnswer struct {
	Invitation NeedInvitation `json:"invitation"`
	Signup     *SignupResult  `json:"signup,omitempty"`
}

// AnswerNeedInvitation accepts or declines an invitation of the actor's own. Accepting signs them
// up for the shift (or puts them on its reserve list when it filled up meanwhile); declining
// means they are not proposed for this need again. The organiser who invited them is told. An
// invitation already answered or expired is refused with nothing changed.
func AnswerNeedInvitation(ctx context.Context, db *gorm.DB, actor *User, invitationID int64, accept bool) (*InvitationAnswer, error) {
	if actor == nil {
		return nil, ErrForbidden
	}
	out := &InvitationAnswer{}
	inv := &out.Invitation
	err := db.WithContext(ctx).Where("id = ? AND user_id = ?", invitationID, actor.ID).Take(inv).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load invitation %d: %w", invitationID, err)
	}
	switch inv.Current(time.Now()) {
	case InvitationExpired:
		return nil, FieldErrors{"invitation": "need.invitation.expired"}
	case InvitationAccepted, InvitationDeclined:
		return nil, FieldErrors{"invitation": "need.invitation.answered"}
	}
	var s Shift
	if err := db.WithContext(ctx).Take(&s, inv.ShiftID).Error; err != nil {
		return nil, fmt.Errorf("load shift of invitation: %w", err)
	}
	var n Need
	if err := db.WithContext(ctx).Take(&n, inv.NeedID).Error; err != nil {
		return nil, fmt.Errorf("load need of invitation: %w", err)
	}
	if accept {
		if err := openForSignups(&n, &s, time.Now()); err != nil {
			return nil, err
		}
	}
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if accept {
			// The shift first (insertShiftSignup locks it), then the invitation.
			r, err := insertShiftSignup(tx, s.ID, actor.ID, &inv.ID, nil)
			if err != nil {
				return err
			}
			out.Signup = r
		} else if err := tx.Exec(`INSERT INTO need_declines (need_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING`,
			n.ID, actor.ID).Error; err != nil {
			return err
		}
		status := InvitationDeclined
		if accept {
			status = InvitationAccepted
		}
		res := tx.Raw(`UPDATE need_invitations SET status = ?, answered_at = now()
			WHERE id = ? AND status = 'pending' AND expires_at > now() RETURNING *`, status, inv.ID).Scan(inv)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return FieldErrors{"invitation": "need.invitation.answered"}
		}
		kind := NotifyInvitationDeclined
		if accept {
			kind = NotifyInvitationAccepted
		}
		if inv.InvitedBy == nil {
			return nil
		}
		return needNotification(kind, n.ID, &s.ID, &actor.ID, "").toUsers(tx, []int64{*inv.InvitedBy})
	})
	if err != nil {
		return nil, shiftError("answer invitation", err)
	}
	if out.Signup != nil {
		return out, out.Signup.reload(ctx, db)
	}
	return out, nil
}

// InvitationView is an invitation as the volunteer sees it in their list.
type InvitationView struct {
	NeedInvitation
	NeedTitle     string    `json:"need_title"`
	ShiftStartsAt time.Time `json:"shift_starts_at"`
	ShiftEndsAt   time.Time `json:"shift_ends_at"`
	InvitedByName string    `json:"invited_by_name"`
}

// MyNeedInvitations lists the actor's invitations, newest first: only those still waiting for an
// answer when pending is true. Expired ones show as expired.
func MyNeedInvitations(ctx context.Context, db *gorm.DB, actor *User, pending bool) ([]InvitationView, error) {
	if actor == nil {
		return nil, ErrForbidden
	}
	q := `SELECT i.id, i.need_id, i.shift_id, i.user_id, i.invited_by, i.message, i.expires_at, i.answered_at, i.created_at,
			CASE WHEN i.status = 'pending' AND i.expires_at <= now() THEN 'expired' ELSE i.status END AS status,
			n.title AS need_title, s.starts_at AS shift_starts_at, s.ends_at AS shift_ends_at,
			coalesce(u.display_name, '') AS invited_by_name
		FROM need_invitations i JOIN needs n ON n.id = i.need_id JOIN shifts s ON s.id = i.shift_id
		LEFT JOIN users u ON u.id = i.invited_by
		WHERE i.user_id = ?`
	if pending {
		q += ` AND i.status = 'pending' AND i.expires_at > now()`
	}
	out := []InvitationView{}
	if err := db.WithContext(ctx).Raw(q+` ORDER BY i.id DESC LIMIT 200`, actor.ID).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("list invitations: %w", err)
	}
	return out, nil
}

// DeclineNeed is a volunteer's "not for me": they are not proposed for this need again, and their
// invitations for it are declined.
func DeclineNeed(ctx context.Context, db *gorm.DB, actor *User, needID int64) error {
	n, err := NeedByID(ctx, db, actor, needID)
	if err != nil {
		return err
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`INSERT INTO need_declines (need_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, n.ID, actor.ID).Error; err != nil {
			return fmt.Errorf("decline need: %w", err)
		}
		err := tx.Exec(`UPDATE need_invitations SET status = 'declined', answered_at = now()
			WHERE need_id = ? AND user_id = ? AND status = 'pending'`, n.ID, actor.ID).Error
		if err != nil {
			return fmt.Errorf("decline need: %w", err)
		}
		return nil
	})
}
