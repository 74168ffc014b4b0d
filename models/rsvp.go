package models

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// lockNoKeyUpdate is SELECT ... FOR NO KEY UPDATE: the row stays ours until the transaction ends,
// while other transactions may still insert rows that refer to it (FOR UPDATE would make them wait).
var lockNoKeyUpdate = clause.Locking{Strength: "NO KEY UPDATE"}

// RSVPStatus is where a sign-up stands.
type RSVPStatus string

// The states of a sign-up. Waitlisted sign-ups get a place automatically, in order of arrival,
// when one frees up.
const (
	RSVPGoing      RSVPStatus = "going"
	RSVPWaitlisted RSVPStatus = "waitlisted"
	RSVPNotGoing   RSVPStatus = "not_going"
)

// MaxCompanions is how many people one sign-up may bring along.
const MaxCompanions = 10

// RSVP is one person's sign-up for one meetup: an account holder or a guest without an account.
// It takes one place plus one per companion.
type RSVP struct {
	ID         int64      `json:"id"`
	MeetupID   int64      `json:"meetup_id"`
	UserID     *int64     `json:"user_id,omitempty"`
	GuestID    *int64     `json:"-"`
	Status     RSVPStatus `json:"status"`
	Companions int        `json:"companions"`
	// Arrival orders the waitlist: drawn while the meetup is locked, again at every new sign-up.
	Arrival    int64      `json:"-" gorm:"->"`
	SignedUpBy *int64     `json:"-"`
	PromotedAt *time.Time `json:"promoted_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

// TableName is the table of sign-ups.
func (RSVP) TableName() string { return "rsvps" }

// Guest is someone who signed up without an account. Their private link holds a token of which
// only the hash is kept.
type Guest struct {
	ID          int64      `json:"-"`
	Name        string     `json:"name"`
	Phone       *string    `json:"phone,omitempty"`
	Email       *string    `json:"email,omitempty"`
	TokenHash   []byte     `json:"-"`
	CreatedAt   time.Time  `json:"created_at"`
	ForgottenAt *time.Time `json:"-"`
}

// RSVPInput is a sign-up or a change of one: going with a number of companions, or not going.
type RSVPInput struct {
	Status     RSVPStatus `json:"status" form:"status"`
	Companions int        `json:"companions" form:"companions"`
	// ForUserID signs up a resident on their behalf (the neighbourhood's workers).
	ForUserID int64 `json:"user_id" form:"user_id"`
}

// GuestInput is a sign-up without an account: a name and, if they like, a phone number or an
// email address to hear about changes.
type GuestInput struct {
	Name       string `json:"name" form:"name"`
	Phone      string `json:"phone" form:"phone"`
	Email      string `json:"email" form:"email"`
	Companions int    `json:"companions" form:"companions"`
}

// RSVPResult is the state after a sign-up changed.
type RSVPResult struct {
	RSVP RSVP `json:"rsvp"`
	// Position is the place on the waitlist (1: next in line), 0 when not waitlisted.
	Position int `json:"position,omitempty"`
	// Promoted are other sign-ups that got a place from the waitlist because of this change, in
	// order of arrival: notify them. Each promotion is reported exactly once.
	Promoted []int64 `json:"-"`
	// SeatsLeft is how many places the meetup had left just after the change, nil when it has no
	// limit.
	SeatsLeft *int `json:"-"`
}

// SetRSVP signs the actor (or, for a worker, a resident: in.ForUserID) up for a meetup, changes
// the number of companions, or says not going. A full meetup puts the sign-up on the waitlist;
// a freed place goes to the first on the waitlist who fits, automatically. Signing up again with
// the same companions, for a cancelled, draft or past meetup, is refused with nothing changed.
func SetRSVP(ctx context.Context, db *gorm.DB, actor *User, meetupID int64, in RSVPInput) (*RSVPResult, error) {
	return setRSVP(ctx, db, nil, actor, meetupID, in)
}

// setRSVP is SetRSVP, with new sign-ups decided in batches when batch is not nil.
func setRSVP(ctx context.Context, db *gorm.DB, batch *SignUps, actor *User, meetupID int64, in RSVPInput) (*RSVPResult, error) {
	if actor == nil {
		return nil, ErrForbidden
	}
	if in.Status != RSVPGoing && in.Status != RSVPNotGoing {
		return nil, FieldErrors{"status": "rsvp.status.invalid"}
	}
	if in.Companions < 0 || in.Companions > MaxCompanions {
		return nil, FieldErrors{"companions": "rsvp.companions.invalid"}
	}
	who, by, err := signUpFor(ctx, db, actor, meetupID, in.ForUserID)
	if err != nil {
		return nil, err
	}
	res := &RSVPResult{}
	if in.Status == RSVPGoing {
		s := newSignUp{meetupID: meetupID, viewer: who, userID: &who.ID, companions: in.Companions, by: by}
		var r *RSVPResult
		if batch != nil {
			r, err = batch.signUp(ctx, s)
		} else {
			r, err = insertSignUp(db.WithContext(ctx), s)
		}
		if err != nil {
			return nil, meetupError("sign up", err)
		}
		if r != nil {
			return r, nil
		}
	}
	// Saying not going, or changing the companions of an active sign-up.
	if batch != nil {
		defer batch.changes.lock(meetupID)()
	}
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var m Meetup
		err := tx.Scopes(MeetupVisibleTo(who)).Clauses(lockNoKeyUpdate).Where("meetups.id = ?", meetupID).Take(&m).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if err := m.openForSignUps(time.Now()); err != nil {
			return err
		}
		if in.Status == RSVPNotGoing {
			err = notGoing(tx, &m, who.ID, by, res)
		} else {
			err = changeSignUp(tx, &m, newSignUp{meetupID: m.ID, viewer: who, userID: &who.ID, companions: in.Companions, by: by}, res)
		}
		if err != nil || res.SeatsLeft != nil || m.Capacity == nil {
			return err
		}
		// The places left once the change and any promotions are in.
		var left int
		if err := tx.Raw("SELECT greatest(capacity - seats_taken, 0) FROM meetups WHERE id = ?", m.ID).Row().Scan(&left); err != nil {
			return err
		}
		res.SeatsLeft = &left
		return nil
	})
	if err != nil {
		return nil, meetupError("sign up", err)
	}
	return res, res.position(ctx, db)
}

// signUpFor is the person a sign-up is for: the actor, or a resident a worker signs up.
func signUpFor(ctx context.Context, db *gorm.DB, actor *User, meetupID, forUserID int64) (*User, *int64, error) {
	if forUserID == 0 || forUserID == actor.ID {
		return actor, nil, nil
	}
	resident, err := UserByID(ctx, db, forUserID)
	if errors.Is(err, ErrNotFound) {
		return nil, nil, FieldErrors{"user_id": "rsvp.user.unknown"}
	}
	if err != nil {
		return nil, nil, err
	}
	m, err := MeetupByID(ctx, db, actor, meetupID)
	if err != nil {
		return nil, nil, err
	}
	ok, err := CanSignUpOnBehalf(ctx, db, actor, resident, m)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, ErrForbidden
	}
	return resident, &actor.ID, nil
}

// openForSignUps refuses changes to the sign-ups of a draft, cancelled or ended meetup.
func (m *Meetup) openForSignUps(now time.Time) error {
	switch {
	case m.Status == MeetupDraft:
		return FieldErrors{"meetup": "rsvp.meetup_draft"}
	case m.Status == MeetupCancelled:
		return FieldErrors{"meetup": "rsvp.meetup_cancelled"}
	case !now.Before(m.EndsAt):
		return FieldErrors{"meetup": "rsvp.meetup_past"}
	}
	return nil
}

// newSignUp is a sign-up to insert: for an account (userID) or a guest (guestID), seen as viewer.
type newSignUp struct {
	meetupID   int64
	viewer     *User
	userID     *int64
	guestID    *int64
	companions int
	by         *int64
}

// changeSignUp changes the companions of a person's active sign-up on the locked meetup m;
// signing up again with the same companions is refused. A sign-up cancelled in the meantime is
// made anew.
func changeSignUp(tx *gorm.DB, m *Meetup, s newSignUp, res *RSVPResult) error {
	var rs []RSVP
	if err := tx.Where("meetup_id = ? AND user_id = ? AND status <> 'not_going'", m.ID, *s.userID).Limit(1).Find(&rs).Error; err != nil {
		return err
	}
	if len(rs) == 0 {
		r, err := insertSignUp(tx, s)
		if err == nil && r == nil {
			err = errors.New("sign-up both active and not active")
		}
		if err != nil {
			return err
		}
		*res = *r
		return nil
	}
	if rs[0].Companions == s.companions {
		return FieldErrors{"status": "rsvp.already"}
	}
	if m.Capacity != nil && 1+s.companions > *m.Capacity {
		return FieldErrors{"companions": "rsvp.party_too_large"}
	}
	return changeCompanions(tx, m, &rs[0], s.companions, res)
}

// changeCompanions changes how many people an active sign-up brings. More companions must fit in
// the free places; fewer free places for the waitlist.
func changeCompanions(tx *gorm.DB, m *Meetup, r *RSVP, companions int, res *RSVPResult) error {
	grow := companions - r.Companions
	if r.Status == RSVPGoing && grow > 0 && m.Capacity != nil && m.SeatsTaken+grow > *m.Capacity {
		return FieldErrors{"companions": "rsvp.no_room"}
	}
	if err := tx.Model(r).Updates(map[string]any{"companions": companions, "updated_at": time.Now()}).Error; err != nil {
		return err
	}
	return settle(tx, m.ID, r.ID, res)
}

// notGoing records that a person does not come, freeing their place if they had one.
func notGoing(tx *gorm.DB, m *Meetup, userID int64, by *int64, res *RSVPResult) error {
	err := tx.Raw(`INSERT INTO rsvps (meetup_id, user_id, status, signed_up_by) VALUES (?, ?, 'not_going', ?)
		ON CONFLICT ON CONSTRAINT rsvps_user_key DO UPDATE SET status = 'not_going', updated_at = now()
		WHERE rsvps.status <> 'not_going'
		RETURNING *`, m.ID, userID, by).Scan(&res.RSVP).Error
	if err != nil {
		return err
	}
	if res.RSVP.ID == 0 { // already not going: nothing changes
		return tx.Where("meetup_id = ? AND user_id = ?", m.ID, userID).Take(&res.RSVP).Error
	}
	return settle(tx, m.ID, res.RSVP.ID, res)
}

// settle fills freed places from the waitlist, notes the places left in res, and puts the
// sign-up rsvpID as stored into res (reloaded unless res holds it already, unpromoted).
func settle(tx *gorm.DB, meetupID, rsvpID int64, res *RSVPResult) error {
	promoted, left, err := promoteWaiting(tx, meetupID)
	if err != nil {
		return err
	}
	self := slices.Contains(promoted, rsvpID)
	res.Promoted = slices.DeleteFunc(promoted, func(id int64) bool { return id == rsvpID })
	res.SeatsLeft = left
	if res.RSVP.ID == rsvpID && !self {
		return nil
	}
	return tx.Take(&res.RSVP, rsvpID).Error
}

// promote gives free places of a locked meetup to the waitlist: in order of arrival, each sign-up
// that fits in what is still free goes, so a large party waiting does not block a single person
// behind it. It returns the promoted sign-ups in order of arrival.
func promote(tx *gorm.DB, meetupID int64) ([]int64, error) {
	promoted, _, err := promoteWaiting(tx, meetupID)
	return promoted, err
}

// promoteWaiting is promote, and also says how many places are left afterwards (nil: no limit).
// The meetup's figures and the first in line who could fit come in one query: a cancellation
// holds the meetup's lock for as few round trips as it can.
func promoteWaiting(tx *gorm.DB, meetupID int64) ([]int64, *int, error) {
	var rows []struct {
		Capacity   *int
		SeatsTaken int
		ID         *int64
		Companions int
	}
	err := tx.Raw(`SELECT m.capacity, m.seats_taken, w.id, coalesce(w.companions, 0) AS companions FROM meetups m
		LEFT JOIN LATERAL (SELECT r.id, r.companions, r.arrival FROM rsvps r
				WHERE r.meetup_id = m.id AND r.status = 'waitlisted'
					AND (m.capacity IS NULL OR r.companions + 1 <= m.capacity - m.seats_taken)
				ORDER BY r.arrival
				LIMIT CASE WHEN m.capacity IS NOT NULL THEN greatest(m.capacity - m.seats_taken, 0) END) w
			ON m.waitlist_count > 0
		WHERE m.id = ?
		ORDER BY w.arrival`, meetupID).Scan(&rows).Error
	if err != nil || len(rows) == 0 {
		return nil, nil, err
	}
	capacity, taken := rows[0].Capacity, rows[0].SeatsTaken
	free := -1
	if capacity != nil {
		free = max(*capacity-taken, 0)
	}
	var ids []int64
	for _, r := range rows {
		places := 1 + r.Companions
		if r.ID == nil || (free >= 0 && places > free) {
			continue
		}
		ids = append(ids, *r.ID)
		if free >= 0 {
			free -= places
		}
	}
	var left *int
	if capacity != nil {
		left = &free
	}
	if len(ids) == 0 {
		return nil, left, nil
	}
	now := time.Now()
	err = tx.Model(&RSVP{}).Where("id IN ? AND status = 'waitlisted'", ids).
		Updates(map[string]any{"status": RSVPGoing, "promoted_at": now, "updated_at": now}).Error
	if err != nil {
		return nil, nil, err
	}
	return ids, left, notification{kind: NotifyPromoted}.toSignUps(tx, ids)
}

// position fills in the waitlist position of a waitlisted sign-up.
func (res *RSVPResult) position(ctx context.Context, db *gorm.DB) error {
	if res.RSVP.Status != RSVPWaitlisted {
		return nil
	}
	n, err := WaitlistPosition(ctx, db, res.RSVP.ID)
	res.Position = n
	return err
}

// WaitlistPosition is a waitlisted sign-up's place in line (1: next), 0 when it is not waitlisted.
func WaitlistPosition(ctx context.Context, db *gorm.DB, rsvpID int64) (int, error) {
	var n int
	err := db.WithContext(ctx).Raw(`SELECT count(*) FROM rsvps w JOIN rsvps r ON r.meetup_id = w.meetup_id
		WHERE r.id = ? AND r.status = 'waitlisted' AND w.status = 'waitlisted' AND w.arrival <= r.arrival`, rsvpID).Scan(&n).Error
	if err != nil {
		return 0, fmt.Errorf("waitlist position: %w", err)
	}
	return n, nil
}

// RSVPOf returns a person's sign-up for a meetup with its waitlist position, or ErrNotFound.
func RSVPOf(ctx context.Context, db *gorm.DB, meetupID, userID int64) (*RSVPResult, error) {
	res := &RSVPResult{}
	err := db.WithContext(ctx).Where("meetup_id = ? AND user_id = ?", meetupID, userID).Take(&res.RSVP).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load sign-up: %w", err)
	}
	return res, res.position(ctx, db)
}

// ActiveRSVPs lists a meetup's sign-ups that are going or waitlisted, in order of arrival: the
// people an announcement or a change reaches.
func ActiveRSVPs(ctx context.Context, db *gorm.DB, meetupID int64) ([]RSVP, error) {
	var rs []RSVP
	err := db.WithContext(ctx).Where("meetup_id = ? AND status IN ('going', 'waitlisted')", meetupID).Order("arrival").Find(&rs).Error
	if err != nil {
		return nil, fmt.Errorf("list sign-ups: %w", err)
	}
	return rs, nil
}

// SignUpGuest signs someone up without an account and returns the token for their private link
// (shown once: only its hash is kept). actor is nil, or the worker filling it in for them, who is
// then recorded. Guests see only meetups that everyone may see.
func SignUpGuest(ctx context.Context, db *gorm.DB, actor *User, meetupID int64, in GuestInput) (*RSVPResult, string, error) {
	g, fe := in.guest()
	if in.Companions < 0 || in.Companions > MaxCompanions {
		fe["companions"] = "rsvp.companions.invalid"
	}
	if err := fe.Err(); err != nil {
		return nil, "", err
	}
	var by *int64
	if CanRegisterOnBehalf(actor) {
		by = &actor.ID
	}
	token := newSecret(24)
	g.TokenHash = hashSecret(token)
	res := &RSVPResult{}
	// The guest row is written first, so the meetup stays locked only for the sign-up itself.
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(g).Error; err != nil {
			return err
		}
		r, err := insertSignUp(tx, newSignUp{meetupID: meetupID, guestID: &g.ID, companions: in.Companions, by: by})
		if err == nil && r == nil {
			err = errors.New("a new guest already has a sign-up")
		}
		if err != nil {
			return err
		}
		res = r
		return nil
	})
	if err != nil {
		return nil, "", meetupError("sign up guest", err)
	}
	return res, token, nil
}

// guest validates a guest's details.
func (in GuestInput) guest() (*Guest, FieldErrors) {
	fe := FieldErrors{}
	g := &Guest{Name: strings.Join(strings.Fields(in.Name), " ")}
	if n := utf8.RuneCountInString(g.Name); n == 0 {
		fe["name"] = "guest.name.required"
	} else if n > 60 {
		fe["name"] = "guest.name.too_long"
	}
	if phone := normalizePhone(in.Phone); phone != "" {
		if !phonePattern.MatchString(phone) {
			fe["phone"] = "guest.phone.invalid"
		}
		g.Phone = &phone
	}
	if email := strings.TrimSpace(in.Email); email != "" {
		if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > 254 ||
			!strings.Contains(email[strings.LastIndex(email, "@"):], ".") {
			fe["email"] = "guest.email.invalid"
		}
		g.Email = &email
	}
	return g, fe
}

// normalizePhone drops the spaces, dots, dashes, slashes and brackets people write in numbers.
func normalizePhone(s string) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune(" .-/()\u00a0", r) {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
}

var phonePattern = regexp.MustCompile(`^\+?[0-9]{6,15}$`)

// GuestSignUp is what a guest's private link shows.
type GuestSignUp struct {
	RSVPResult
	Guest  Guest  `json:"guest"`
	Meetup Meetup `json:"meetup"`
}

// GuestRSVP returns the sign-up behind a guest's private link.
func GuestRSVP(ctx context.Context, db *gorm.DB, token string) (*GuestSignUp, error) {
	out := &GuestSignUp{}
	if token == "" {
		return nil, ErrNotFound
	}
	err := db.WithContext(ctx).Where("token_hash = ? AND forgotten_at IS NULL", hashSecret(token)).Take(&out.Guest).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load guest: %w", err)
	}
	if err := db.WithContext(ctx).Where("guest_id = ?", out.Guest.ID).Take(&out.RSVP).Error; err != nil {
		return nil, fmt.Errorf("load guest sign-up: %w", err)
	}
	if err := db.WithContext(ctx).Take(&out.Meetup, out.RSVP.MeetupID).Error; err != nil {
		return nil, fmt.Errorf("load meetup of guest: %w", err)
	}
	return out, out.position(ctx, db)
}

// CancelGuestRSVP says not going for the guest behind a private link, freeing their place.
func CancelGuestRSVP(ctx context.Context, db *gorm.DB, token string) (*RSVPResult, error) {
	gs, err := GuestRSVP(ctx, db, token)
	if err != nil {
		return nil, err
	}
	res := &RSVPResult{}
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		m, err := lockMeetup(tx, gs.RSVP.MeetupID)
		if err != nil {
			return err
		}
		if err := m.openForSignUps(time.Now()); err != nil {
			return err
		}
		changed := tx.Model(&RSVP{}).Where("id = ? AND status <> 'not_going'", gs.RSVP.ID).
			Updates(map[string]any{"status": RSVPNotGoing, "updated_at": time.Now()})
		if changed.Error != nil {
			return changed.Error
		}
		return settle(tx, m.ID, gs.RSVP.ID, res)
	})
	if err != nil {
		return nil, meetupError("cancel guest sign-up", err)
	}
	return res, nil
}

// ForgetGuests erases the name and contact details of guests whose meetups ended before
// endedBefore. Their sign-ups and check-ins stay, anonymous, for the figures. It returns how
// many guests were forgotten.
func ForgetGuests(ctx context.Context, db *gorm.DB, endedBefore time.Time) (int64, error) {
	res := db.WithContext(ctx).Exec(`UPDATE guests SET name = '', phone = NULL, email = NULL, forgotten_at = now()
		WHERE forgotten_at IS NULL AND id IN (SELECT r.guest_id FROM rsvps r JOIN meetups m ON m.id = r.meetup_id
			WHERE r.guest_id IS NOT NULL AND m.ends_at < ?)`, endedBefore)
	if res.Error != nil {
		return 0, fmt.Errorf("forget guests: %w", res.Error)
	}
	return res.RowsAffected, nil
}
