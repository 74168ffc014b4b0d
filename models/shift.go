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

// Shift is a stretch of time of a need with a number of places. PlacesTaken and ReserveCount are
// kept by the database from the sign-ups: a shift is never overbooked, also under simultaneous
// sign-ups, and a freed place goes to the reserve list in order of arrival, exactly once.
type Shift struct {
	ID              int64      `json:"id"`
	NeedID          int64      `json:"need_id"`
	NeighbourhoodID int64      `json:"-"`
	StartsAt        time.Time  `json:"starts_at"`
	EndsAt          time.Time  `json:"ends_at"`
	Places          int        `json:"places"`
	PlacesTaken     int        `json:"places_taken" gorm:"->"`
	ReserveCount    int        `json:"reserve_count" gorm:"->"`
	CancelledAt     *time.Time `json:"cancelled_at,omitempty"`
	CancelReason    *string    `json:"cancel_reason,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
}

// PlacesLeft is how many more volunteers fit.
func (s *Shift) PlacesLeft() int { return max(s.Places-s.PlacesTaken, 0) }

// Cancelled reports whether the shift was cancelled.
func (s *Shift) Cancelled() bool { return s.CancelledAt != nil }

// Minutes is the shift's length, as hours from a check-in count it.
func (s *Shift) Minutes() int { return int((s.EndsAt.Sub(s.StartsAt) + time.Minute - 1) / time.Minute) }

// ShiftInput creates or changes a shift. Nil fields are left as they are.
type ShiftInput struct {
	StartsAt *time.Time `json:"starts_at"`
	EndsAt   *time.Time `json:"ends_at"`
	Places   *int       `json:"places"`
}

// apply copies the input onto s and validates it; a new shift (s.ID 0) must start after now.
func (in ShiftInput) apply(s *Shift, now time.Time) FieldErrors {
	fe := FieldErrors{}
	if in.StartsAt != nil {
		s.StartsAt = in.StartsAt.Truncate(time.Minute)
	}
	if in.EndsAt != nil {
		s.EndsAt = in.EndsAt.Truncate(time.Minute)
	}
	if in.Places != nil {
		s.Places = *in.Places
	}
	switch {
	case s.StartsAt.IsZero():
		fe["starts_at"] = "shift.starts_at.required"
	case s.EndsAt.IsZero():
		fe["ends_at"] = "shift.ends_at.required"
	case !s.EndsAt.After(s.StartsAt):
		fe["ends_at"] = "shift.end_before_start"
	case s.EndsAt.Sub(s.StartsAt) > MaxShiftLength:
		fe["ends_at"] = "shift.too_long"
	case s.ID == 0 && !s.StartsAt.After(now):
		fe["starts_at"] = "shift.past"
	}
	if s.Places < 1 || s.Places > MaxShiftPlaces {
		fe["places"] = "shift.places.invalid"
	}
	return fe
}

// ShiftByID returns a shift of a need the viewer may see, with that need.
func ShiftByID(ctx context.Context, db *gorm.DB, viewer *User, id int64) (*Shift, *Need, error) {
	var s Shift
	err := db.WithContext(ctx).Take(&s, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil, ErrNotFound
	}
	if err != nil {
		return nil, nil, fmt.Errorf("load shift %d: %w", id, err)
	}
	n, err := NeedByID(ctx, db, viewer, s.NeedID)
	if err != nil {
		return nil, nil, err
	}
	return &s, n, nil
}

// organisedShift loads a shift whose need the actor organises.
func organisedShift(ctx context.Context, db *gorm.DB, actor *User, id int64) (*Shift, *Need, error) {
	s, n, err := ShiftByID(ctx, db, actor, id)
	if err != nil {
		return nil, nil, err
	}
	ok, err := CanOrganiseNeed(ctx, db, actor, n)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, ErrForbidden
	}
	return s, n, nil
}

// AddShifts adds shifts to a need (organisers). A done or cancelled need takes no new shifts.
func AddShifts(ctx context.Context, db *gorm.DB, actor *User, needID int64, in []ShiftInput) ([]Shift, error) {
	n, err := organisedNeed(ctx, db, actor, needID)
	if err != nil {
		return nil, err
	}
	if n.Status == NeedCancelled || n.Status == NeedDone {
		return nil, FieldErrors{"status": "need.closed"}
	}
	shifts, fe := plannedShifts(in, "", n.Location(), time.Now())
	if err := fe.Err(); err != nil {
		return nil, err
	}
	var existing int64
	if err := db.WithContext(ctx).Model(&Shift{}).Where("need_id = ?", n.ID).Count(&existing).Error; err != nil {
		return nil, fmt.Errorf("count shifts: %w", err)
	}
	if int(existing)+len(shifts) > MaxShiftsPerNeed {
		return nil, FieldErrors{"shifts": "need.shifts.too_many"}
	}
	for i := range shifts {
		shifts[i].NeedID, shifts[i].NeighbourhoodID = n.ID, n.NeighbourhoodID
	}
	if err := db.WithContext(ctx).Create(&shifts).Error; err != nil {
		return nil, needError("add shifts", err)
	}
	return shifts, nil
}

// UpdateShift changes a shift's times or places (organisers). Fewer places than are taken is
// refused; more places go to the reserve list at once. Everyone signed up (or on the reserve
// list) hears of new times. A cancelled or finished shift cannot be changed.
func UpdateShift(ctx context.Context, db *gorm.DB, actor *User, id int64, in ShiftInput) (*Shift, error) {
	_, n, err := organisedShift(ctx, db, actor, id)
	if err != nil {
		return nil, err
	}
	var s Shift
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Clauses(lockNoKeyUpdate).Take(&s, id).Error; err != nil {
			return err
		}
		switch {
		case s.Cancelled():
			return FieldErrors{"shift": "shift.cancelled"}
		case !s.EndsAt.After(time.Now()):
			return FieldErrors{"shift": "shift.ended"}
		}
		before := s
		if fe := in.apply(&s, time.Now()); len(fe) > 0 {
			return fe
		}
		if s.Places < s.PlacesTaken {
			return FieldErrors{"places": "shift.places_below_taken"}
		}
		err := tx.Model(&Shift{}).Where("id = ?", s.ID).Updates(map[string]any{"starts_at": s.StartsAt, "ends_at": s.EndsAt,
			"places": s.Places, "updated_at": time.Now()}).Error
		if err != nil {
			return err
		}
		if !before.StartsAt.Equal(s.StartsAt) || !before.EndsAt.Equal(s.EndsAt) {
			if err := needNotification(NotifyShiftChanged, n.ID, &s.ID, &actor.ID, "").toSignUps(tx, s.ID); err != nil {
				return err
			}
		}
		return tx.Take(&s, id).Error
	})
	if err != nil {
		return nil, needError("update shift", err)
	}
	return &s, nil
}

// CancelShift cancels one shift with a reason that everyone signed up or on its reserve list is
// told. Their sign-ups stay, for the record.
func CancelShift(ctx context.Context, db *gorm.DB, actor *User, id int64, reason string) (*Shift, error) {
	_, n, err := organisedShift(ctx, db, actor, id)
	if err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if l := utf8.RuneCountInString(reason); l == 0 {
		return nil, FieldErrors{"reason": "need.cancel_reason.required"}
	} else if l > 500 {
		return nil, FieldErrors{"reason": "need.cancel_reason.too_long"}
	}
	var s Shift
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Clauses(lockNoKeyUpdate).Take(&s, id).Error; err != nil {
			return err
		}
		switch {
		case s.Cancelled():
			return FieldErrors{"shift": "shift.cancelled"}
		case !s.EndsAt.After(time.Now()):
			return FieldErrors{"shift": "shift.ended"}
		}
		if err := tx.Exec("UPDATE shifts SET cancelled_at = now(), cancel_reason = ?, updated_at = now() WHERE id = ?", reason, id).Error; err != nil {
			return err
		}
		if err := tx.Exec("UPDATE need_invitations SET status = 'expired' WHERE shift_id = ? AND status = 'pending'", id).Error; err != nil {
			return err
		}
		if err := needNotification(NotifyShiftCancelled, n.ID, &s.ID, &actor.ID, reason).toSignUps(tx, s.ID); err != nil {
			return err
		}
		return tx.Take(&s, id).Error
	})
	if err != nil {
		return nil, needError("cancel shift", err)
	}
	return &s, nil
}

// SignupStatus is where a volunteer's sign-up for a shift stands.
type SignupStatus string

// The states of a sign-up. A volunteer on the reserve list gets a place automatically, in order
// of arrival, when one frees up.
const (
	SignedUp  SignupStatus = "signed_up"
	Reserve   SignupStatus = "reserve"
	Withdrawn SignupStatus = "withdrawn"
)

// ShiftSignup is one volunteer's sign-up for one shift.
type ShiftSignup struct {
	ID           int64        `json:"id"`
	ShiftID      int64        `json:"shift_id"`
	UserID       int64        `json:"user_id"`
	Status       SignupStatus `json:"status"`
	Arrival      int64        `json:"-" gorm:"->"`
	InvitationID *int64       `json:"invitation_id,omitempty"`
	SignedUpBy   *int64       `json:"-"`
	PromotedAt   *time.Time   `json:"promoted_at,omitempty"`
	CreatedAt    time.Time    `json:"created_at"`
	UpdatedAt    time.Time    `json:"updated_at"`
}

// TableName is the table of sign-ups for shifts.
func (ShiftSignup) TableName() string { return "shift_signups" }

// SignupResult is a sign-up after a change, with the shift as it is now.
type SignupResult struct {
	Signup ShiftSignup `json:"signup"`
	// Position on the reserve list (1: next in line), 0 when not on it.
	Position int   `json:"position,omitempty"`
	Shift    Shift `json:"shift"`
}

// SignupInput is a sign-up for a shift; ForUserID signs up a volunteer on their behalf (a
// worker of the need's neighbourhood, for someone without a phone).
type SignupInput struct {
	ForUserID int64 `json:"user_id"`
}

// SignUpForShift signs the actor (or, for a worker, the volunteer in.ForUserID) up for a shift of
// a need open to all. A full shift puts them on the reserve list. Someone needs a volunteer
// profile to sign up; signing up twice, for a cancelled or past shift, or for a closed need is
// refused with nothing changed. Needs by invitation take sign-ups only through an invitation
// (AnswerNeedInvitation).
func SignUpForShift(ctx context.Context, db *gorm.DB, actor *User, shiftID int64, in SignupInput) (*SignupResult, error) {
	who, by, err := volunteerFor(ctx, db, actor, in.ForUserID)
	if err != nil {
		return nil, err
	}
	s, n, err := ShiftByID(ctx, db, who, shiftID)
	if err != nil {
		return nil, err
	}
	if by != nil {
		ok, err := CanSignUpVolunteerOnBehalf(ctx, db, actor, n)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, ErrForbidden
		}
	}
	if err := openForSignups(n, s, time.Now()); err != nil {
		return nil, err
	}
	if n.Access == NeedByInvitation {
		return nil, FieldErrors{"shift": "shift.invitation_only"}
	}
	// One statement, no transaction around it: the shift stays locked only while the database works.
	res, err := insertShiftSignup(db.WithContext(ctx), shiftID, who.ID, nil, by)
	if err != nil {
		return nil, shiftError("sign up for shift", err)
	}
	return res, res.reload(ctx, db)
}

// reload reads the shift as the change left it.
func (r *SignupResult) reload(ctx context.Context, db *gorm.DB) error {
	if err := db.WithContext(ctx).Take(&r.Shift, r.Signup.ShiftID).Error; err != nil {
		return fmt.Errorf("load shift %d: %w", r.Signup.ShiftID, err)
	}
	return nil
}

// volunteerFor is whom a sign-up is for (the actor, or the volunteer a worker signs up) and who
// signed them up on their behalf. They need a profile.
func volunteerFor(ctx context.Context, db *gorm.DB, actor *User, forUserID int64) (*User, *int64, error) {
	if actor == nil {
		return nil, nil, ErrForbidden
	}
	who, by := actor, (*int64)(nil)
	if forUserID != 0 && forUserID != actor.ID {
		if !CanRegisterOnBehalf(actor) {
			return nil, nil, ErrForbidden
		}
		u, err := UserByID(ctx, db, forUserID)
		if errors.Is(err, ErrNotFound) {
			return nil, nil, FieldErrors{"user_id": "shift.volunteer.unknown"}
		}
		if err != nil {
			return nil, nil, err
		}
		who, by = u, &actor.ID
	}
	var n int64
	if err := db.WithContext(ctx).Model(&Volunteer{}).Where("user_id = ?", who.ID).Count(&n).Error; err != nil {
		return nil, nil, fmt.Errorf("look up volunteer profile: %w", err)
	}
	if n == 0 {
		return nil, nil, FieldErrors{"volunteer": "shift.profile_required"}
	}
	return who, by, nil
}

// openForSignups refuses sign-ups for a closed need and a cancelled or started shift.
func openForSignups(n *Need, s *Shift, now time.Time) error {
	switch {
	case n.Status == NeedCancelled || n.Status == NeedDone:
		return FieldErrors{"shift": "need.closed"}
	case s.Cancelled():
		return FieldErrors{"shift": "shift.cancelled"}
	case !s.StartsAt.After(now):
		return FieldErrors{"shift": "shift.started"}
	}
	return nil
}

// insertShiftSignup is a new sign-up in one statement: it locks the shift row (SELECT ... FOR NO
// KEY UPDATE in its WITH clause), decides signed up or reserve from the places left, draws the
// next arrival number and inserts; the trigger counts the place under the shift's CHECK. Run on
// its own, the lock is held only while the database works, so sign-ups for one shift happen one
// after the other, quickly. Nobody on the reserve list is passed over: a place is free only when the
// reserve list is empty (the database promotes at once). Someone who had withdrawn signs up
// again as a new arrival; someone with an active sign-up is refused.
func insertShiftSignup(tx *gorm.DB, shiftID, userID int64, invitationID, by *int64) (*SignupResult, error) {
	var row struct {
		ShiftFound   bool
		ShiftReserve int
		ShiftSignup
	}
	res := tx.Raw(`WITH s AS (
			SELECT id, places, places_taken, reserve_count FROM shifts
			WHERE id = ? AND cancelled_at IS NULL AND starts_at > now() FOR NO KEY UPDATE
		), ins AS (
			INSERT INTO shift_signups (shift_id, user_id, status, invitation_id, signed_up_by)
			SELECT s.id, ?, CASE WHEN s.places_taken < s.places THEN 'signed_up' ELSE 'reserve' END, ?::bigint, ?::bigint FROM s
			ON CONFLICT ON CONSTRAINT shift_signups_user_key DO UPDATE SET status = EXCLUDED.status,
				arrival = nextval('shift_signup_arrival_seq'), invitation_id = EXCLUDED.invitation_id,
				signed_up_by = EXCLUDED.signed_up_by, promoted_at = NULL, updated_at = now()
			WHERE shift_signups.status = 'withdrawn'
			RETURNING shift_signups.*
		)
		SELECT true AS shift_found, s.reserve_count AS shift_reserve, ins.* FROM s LEFT JOIN ins ON true`,
		shiftID, userID, invitationID, by).Scan(&row)
	switch {
	case res.Error != nil:
		return nil, res.Error
	case res.RowsAffected == 0:
		return nil, FieldErrors{"shift": "shift.started"}
	case row.ShiftSignup.ID == 0:
		return nil, FieldErrors{"shift": "shift.signup.already"}
	}
	out := &SignupResult{Signup: row.ShiftSignup}
	if out.Signup.Status == Reserve {
		out.Position = row.ShiftReserve + 1 // the newest arrival is last in line
	}
	return out, nil
}

// WithdrawFromShift takes the actor (or, for a worker, in.ForUserID) off a shift: their place goes
// to the first on the reserve list at once, who is told. Withdrawing when not signed up, or from
// a shift that started, is refused.
func WithdrawFromShift(ctx context.Context, db *gorm.DB, actor *User, shiftID int64, in SignupInput) (*SignupResult, error) {
	if actor == nil {
		return nil, ErrForbidden
	}
	who := actor.ID
	s, n, err := ShiftByID(ctx, db, actor, shiftID)
	if err != nil {
		return nil, err
	}
	if in.ForUserID != 0 && in.ForUserID != actor.ID {
		ok, err := CanSignUpVolunteerOnBehalf(ctx, db, actor, n)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, ErrForbidden
		}
		who = in.ForUserID
	}
	if !s.StartsAt.After(time.Now()) {
		return nil, FieldErrors{"shift": "shift.started"}
	}
	out := &SignupResult{}
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// The shift first: the lock every change of its places takes.
		if err := tx.Clauses(lockNoKeyUpdate).Take(&Shift{}, shiftID).Error; err != nil {
			return err
		}
		res := tx.Raw(`UPDATE shift_signups SET status = 'withdrawn', updated_at = now()
			WHERE shift_id = ? AND user_id = ? AND status <> 'withdrawn' RETURNING *`, shiftID, who).Scan(&out.Signup)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return FieldErrors{"shift": "shift.signup.none"}
		}
		return tx.Take(&out.Shift, shiftID).Error
	})
	if err != nil {
		return nil, shiftError("withdraw from shift", err)
	}
	return out, nil
}

// ReservePosition is a sign-up's place on its shift's reserve list (1: next), 0 when not on it.
func ReservePosition(ctx context.Context, db *gorm.DB, signupID int64) (int, error) {
	var n int
	err := db.WithContext(ctx).Raw(`SELECT count(*) FROM shift_signups w JOIN shift_signups r ON r.shift_id = w.shift_id
		WHERE r.id = ? AND r.status = 'reserve' AND w.status = 'reserve' AND w.arrival <= r.arrival`, signupID).Scan(&n).Error
	if err != nil {
		return 0, fmt.Errorf("reserve position: %w", err)
	}
	return n, nil
}

// SignupView is a sign-up as a shift's organisers see it: who, where they stand and, because
// they signed up for this need, how to reach them and what to keep in mind.
type SignupView struct {
	ShiftSignup
	Position    int     `json:"position,omitempty"`
	DisplayName string  `json:"display_name"`
	Phone       *string `json:"phone"`
	Email       *string `json:"email"`
	Constraints string  `json:"constraints"`
	CheckedIn   bool    `json:"checked_in"`
}

// ShiftSignups lists a shift's sign-ups (signed up first, then the reserve list in order) for its
// organisers, with contact details.
func ShiftSignups(ctx context.Context, db *gorm.DB, actor *User, shiftID int64) ([]SignupView, error) {
	if _, _, err := organisedShift(ctx, db, actor, shiftID); err != nil {
		return nil, err
	}
	out := []SignupView{}
	err := db.WithContext(ctx).Raw(`SELECT g.*, coalesce(u.display_name, '') AS display_name, v.phone, u.email,
			coalesce(v.constraints_note, '') AS constraints,
			CASE WHEN g.status = 'reserve' THEN row_number() OVER (PARTITION BY g.status ORDER BY g.arrival) ELSE 0 END AS position,
			EXISTS (SELECT 1 FROM volunteer_hours h WHERE h.shift_id = g.shift_id AND h.user_id = g.user_id AND h.source = 'checkin') AS checked_in
		FROM shift_signups g JOIN users u ON u.id = g.user_id LEFT JOIN volunteers v ON v.user_id = g.user_id
		WHERE g.shift_id = ? AND g.status <> 'withdrawn'
		ORDER BY g.status DESC, g.arrival`, shiftID).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list sign-ups of shift %d: %w", shiftID, err)
	}
	return out, nil
}

// MyShift is one of a volunteer's sign-ups with its shift and need.
type MyShift struct {
	Signup   ShiftSignup `json:"signup"`
	Position int         `json:"position,omitempty"`
	Shift    Shift       `json:"shift"`
	Need     NeedBrief   `json:"need"`
}

// NeedBrief is what a volunteer's list shows of a need.
type NeedBrief struct {
	ID              int64      `json:"id"`
	Title           string     `json:"title"`
	NeighbourhoodID int64      `json:"neighbourhood_id"`
	PlaceName       string     `json:"place_name"`
	PlaceAddress    string     `json:"place_address"`
	Status          NeedStatus `json:"status"`
}

// MyShifts lists a volunteer's sign-ups (signed up or on a reserve list) for shifts that end
// after from, by start.
func MyShifts(ctx context.Context, db *gorm.DB, u *User, from time.Time) ([]MyShift, error) {
	if u == nil {
		return nil, ErrForbidden
	}
	var rows []struct {
		SignupID  int64
		Status    SignupStatus
		Position  int
		Promoted  *time.Time
		SignedAt  time.Time
		ChangedAt time.Time
		Shift     Shift     `gorm:"embedded;embeddedPrefix:s_"`
		Need      NeedBrief `gorm:"embedded;embeddedPrefix:n_"`
	}
	err := db.WithContext(ctx).Raw(`SELECT g.id AS signup_id, g.status, g.promoted_at AS promoted, g.created_at AS signed_at,
			g.updated_at AS changed_at,
			CASE WHEN g.status = 'reserve' THEN (SELECT count(*) FROM shift_signups w
				WHERE w.shift_id = g.shift_id AND w.status = 'reserve' AND w.arrival <= g.arrival) ELSE 0 END AS position,
			s.id AS s_id, s.need_id AS s_need_id, s.starts_at AS s_starts_at, s.ends_at AS s_ends_at, s.places AS s_places,
			s.places_taken AS s_places_taken, s.reserve_count AS s_reserve_count, s.cancelled_at AS s_cancelled_at,
			s.cancel_reason AS s_cancel_reason, s.created_at AS s_created_at, s.updated_at AS s_updated_at,
			n.id AS n_id, n.title AS n_title, n.neighbourhood_id AS n_neighbourhood_id, n.place_name AS n_place_name,
			n.place_address AS n_place_address, n.status AS n_status
		FROM shift_signups g JOIN shifts s ON s.id = g.shift_id JOIN needs n ON n.id = s.need_id
		WHERE g.user_id = ? AND g.status IN ('signed_up', 'reserve') AND s.ends_at > ?
		ORDER BY s.starts_at, s.id LIMIT 500`, u.ID, from).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list my shifts: %w", err)
	}
	out := make([]MyShift, len(rows))
	for i, r := range rows {
		out[i] = MyShift{Position: r.Position, Shift: r.Shift, Need: r.Need, Signup: ShiftSignup{ID: r.SignupID, ShiftID: r.Shift.ID,
			UserID: u.ID, Status: r.Status, PromotedAt: r.Promoted, CreatedAt: r.SignedAt, UpdatedAt: r.ChangedAt}}
	}
	return out, nil
}

// shiftError wraps storage errors once and passes the domain errors through. The places CHECK
// failing means a sign-up decided on a stale count: it cannot happen with the row locked, and is
// reported as full rather than overbooked.
func shiftError(what string, err error) error {
	var fe FieldErrors
	if err == nil || errors.As(err, &fe) || errors.Is(err, ErrNotFound) || errors.Is(err, ErrForbidden) {
		return err
	}
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotFound
	}
	if strings.Contains(err.Error(), "shifts_places_not_exceeded") {
		return FieldErrors{"shift": "shift.full"}
	}
	return fmt.Errorf("%s: %w", what, err)
}

// SignupsOf returns a person's active sign-ups (signed up or in reserve) for the given shifts, by
// shift id, each with its place on the reserve list: one query for a need's whole list of shifts.
func SignupsOf(ctx context.Context, db *gorm.DB, userID int64, shiftIDs []int64) (map[int64]SignupResult, error) {
	out := make(map[int64]SignupResult, len(shiftIDs))
	if len(shiftIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		ShiftSignup
		Position int
	}
	err := db.WithContext(ctx).Raw(`SELECT g.*, CASE WHEN g.status = 'reserve' THEN (SELECT count(*) FROM shift_signups w
			WHERE w.shift_id = g.shift_id AND w.status = 'reserve' AND w.arrival <= g.arrival) ELSE 0 END AS position
		FROM shift_signups g WHERE g.user_id = ? AND g.shift_id = ANY(?::bigint[]) AND g.status <> 'withdrawn'`,
		userID, int64Array(shiftIDs)).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list sign-ups of user %d: %w", userID, err)
	}
	for _, r := range rows {
		out[r.ShiftID] = SignupResult{Signup: r.ShiftSignup, Position: r.Position}
	}
	return out, nil
}
