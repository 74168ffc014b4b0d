package models

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// CheckinMethod is how someone was checked in.
type CheckinMethod string

// The ways to check in.
const (
	// CheckinList: an organiser tapped the name on the attendance list, or added a walk-in.
	CheckinList CheckinMethod = "list"
	// CheckinDoor: a signed-in attendee scanned the QR code shown at the door.
	CheckinDoor CheckinMethod = "door"
)

// When checking in is possible.
const (
	// CheckinOpensBefore is how long before the start checking in opens.
	CheckinOpensBefore = time.Hour
	// DoorClosesAfter is how long after the end the door code still works. Organisers may fill in
	// the attendance list later.
	DoorClosesAfter = time.Hour
)

// Checkin is one person (with companions) who came to a meetup: a sign-up, someone with an account
// who came without signing up, or a walk-in with or without a name.
type Checkin struct {
	ID          int64         `json:"id"`
	MeetupID    int64         `json:"meetup_id"`
	RSVPID      *int64        `json:"rsvp_id,omitempty" gorm:"column:rsvp_id"`
	UserID      *int64        `json:"user_id,omitempty"`
	WalkInName  *string       `json:"walk_in_name,omitempty"`
	WalkIn      bool          `json:"walk_in"`
	Companions  int           `json:"companions"`
	Method      CheckinMethod `json:"method"`
	CheckedInBy *int64        `json:"-"`
	CreatedAt   time.Time     `json:"created_at"`
}

// CheckinInput is an organiser checking someone in: a sign-up (RSVPID), a person with an account
// who did not sign up (UserID), or otherwise a walk-in, named or not.
type CheckinInput struct {
	RSVPID int64  `json:"rsvp_id" form:"rsvp_id"`
	UserID int64  `json:"user_id" form:"user_id"`
	Name   string `json:"name" form:"name"`
	// Companions who came along; nil takes the number the sign-up gave.
	Companions *int `json:"companions" form:"companions"`
}

// CheckIn records attendance from the organiser's list. Checking in someone already checked in
// returns the existing check-in.
func CheckIn(ctx context.Context, db *gorm.DB, actor *User, meetupID int64, in CheckinInput) (*Checkin, error) {
	m, err := organisedMeetup(ctx, db, actor, meetupID)
	if err != nil {
		return nil, err
	}
	if err := m.openForCheckin(time.Now(), CheckinList); err != nil {
		return nil, err
	}
	c := &Checkin{MeetupID: m.ID, Method: CheckinList, CheckedInBy: &actor.ID}
	switch {
	case in.RSVPID != 0:
		var r RSVP
		err := db.WithContext(ctx).Where("id = ? AND meetup_id = ?", in.RSVPID, m.ID).Take(&r).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, FieldErrors{"rsvp_id": "checkin.rsvp.unknown"}
		}
		if err != nil {
			return nil, fmt.Errorf("load sign-up: %w", err)
		}
		c.RSVPID, c.UserID, c.Companions = &r.ID, r.UserID, r.Companions
	case in.UserID != 0:
		if _, err := UserByID(ctx, db, in.UserID); errors.Is(err, ErrNotFound) {
			return nil, FieldErrors{"user_id": "checkin.user.unknown"}
		} else if err != nil {
			return nil, err
		}
		c.UserID = &in.UserID
		if err := c.linkRSVP(ctx, db); err != nil {
			return nil, err
		}
	default:
		name := strings.Join(strings.Fields(in.Name), " ")
		if utf8.RuneCountInString(name) > 60 {
			return nil, FieldErrors{"name": "checkin.name.too_long"}
		}
		c.WalkInName, c.WalkIn = optional(name), true
	}
	if in.Companions != nil {
		if *in.Companions < 0 || *in.Companions > MaxCompanions {
			return nil, FieldErrors{"companions": "rsvp.companions.invalid"}
		}
		c.Companions = *in.Companions
	}
	return c, c.insert(ctx, db)
}

// CheckInAtDoor checks a signed-in person in with the code from the QR shown at the door, from an
// hour before the start until an hour after the end.
func CheckInAtDoor(ctx context.Context, db *gorm.DB, u *User, meetupID int64, code string) (*Checkin, error) {
	if u == nil {
		return nil, ErrForbidden
	}
	m, err := MeetupByID(ctx, db, u, meetupID)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(strings.TrimSpace(code)), []byte(m.DoorCode)) != 1 {
		return nil, FieldErrors{"code": "checkin.door_code.invalid"}
	}
	if err := m.openForCheckin(time.Now(), CheckinDoor); err != nil {
		return nil, err
	}
	c := &Checkin{MeetupID: m.ID, UserID: &u.ID, Method: CheckinDoor}
	if err := c.linkRSVP(ctx, db); err != nil {
		return nil, err
	}
	return c, c.insert(ctx, db)
}

// openForCheckin refuses check-ins for a draft or cancelled meetup, more than CheckinOpensBefore
// before its start, and (at the door) more than DoorClosesAfter after its end.
func (m *Meetup) openForCheckin(now time.Time, method CheckinMethod) error {
	switch {
	case m.Status == MeetupCancelled:
		return FieldErrors{"meetup": "checkin.meetup_cancelled"}
	case m.Status == MeetupDraft || now.Before(m.StartsAt.Add(-CheckinOpensBefore)):
		return FieldErrors{"meetup": "checkin.not_open"}
	case method == CheckinDoor && now.After(m.EndsAt.Add(DoorClosesAfter)):
		return FieldErrors{"meetup": "checkin.closed"}
	}
	return nil
}

// linkRSVP ties a check-in of a person with an account to their sign-up (going or waitlisted),
// or marks it a walk-in.
func (c *Checkin) linkRSVP(ctx context.Context, db *gorm.DB) error {
	var rs []RSVP
	err := db.WithContext(ctx).Where("meetup_id = ? AND user_id = ? AND status <> 'not_going'", c.MeetupID, *c.UserID).Limit(1).Find(&rs).Error
	if err != nil {
		return fmt.Errorf("look up sign-up: %w", err)
	}
	if len(rs) == 0 {
		c.WalkIn = true
		return nil
	}
	c.RSVPID, c.Companions = &rs[0].ID, rs[0].Companions
	return nil
}

// insert stores the check-in, or loads the one that already exists for the same sign-up or person.
func (c *Checkin) insert(ctx context.Context, db *gorm.DB) error {
	res := db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(c)
	if res.Error != nil {
		return fmt.Errorf("check in: %w", res.Error)
	}
	if res.RowsAffected == 1 {
		return nil
	}
	q := db.WithContext(ctx).Where("meetup_id = ? AND (rsvp_id = ? OR user_id = ?)", c.MeetupID, c.RSVPID, c.UserID)
	*c = Checkin{}
	if err := q.Take(c).Error; err != nil {
		return fmt.Errorf("load existing check-in: %w", err)
	}
	return nil
}

// UndoCheckIn removes a check-in tapped by mistake (organisers).
func UndoCheckIn(ctx context.Context, db *gorm.DB, actor *User, checkinID int64) error {
	var c Checkin
	if err := db.WithContext(ctx).Take(&c, checkinID).Error; errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotFound
	} else if err != nil {
		return fmt.Errorf("load check-in %d: %w", checkinID, err)
	}
	if _, err := organisedMeetup(ctx, db, actor, c.MeetupID); err != nil {
		return err
	}
	if err := db.WithContext(ctx).Delete(&c).Error; err != nil {
		return fmt.Errorf("undo check-in: %w", err)
	}
	return nil
}

// DoorCode is the secret in the QR code an organiser shows at the door.
func DoorCode(ctx context.Context, db *gorm.DB, actor *User, meetupID int64) (string, error) {
	m, err := organisedMeetup(ctx, db, actor, meetupID)
	if err != nil {
		return "", err
	}
	return m.DoorCode, nil
}

// Attendee is one line of an organiser's attendance list: a sign-up, or someone who came without
// one.
type Attendee struct {
	RSVPID    *int64 `json:"rsvp_id,omitempty"`
	CheckinID *int64 `json:"checkin_id,omitempty"`
	UserID    *int64 `json:"user_id,omitempty"`
	// Name is the display name, the guest's or the walk-in's name; "" for a deleted account, a
	// forgotten guest or a walk-in who gave none.
	Name       string     `json:"name"`
	Guest      bool       `json:"guest"`
	Status     RSVPStatus `json:"status,omitempty"` // "" for someone who came without signing up
	Companions int        `json:"companions"`
	Position   int        `json:"position,omitempty"` // on the waitlist
	CheckedIn  bool       `json:"checked_in"`
	WalkIn     bool       `json:"walk_in"`
}

// Attendees is a meetup's attendance list (organisers): going by name, the waitlist in order,
// then those who came without signing up.
func Attendees(ctx context.Context, db *gorm.DB, actor *User, meetupID int64) ([]Attendee, error) {
	m, err := organisedMeetup(ctx, db, actor, meetupID)
	if err != nil {
		return nil, err
	}
	var out []Attendee
	err = db.WithContext(ctx).Raw(`SELECT * FROM (
		SELECT r.id AS rsvp_id, c.id AS checkin_id, r.user_id, COALESCE(u.display_name, g.name, '') AS name,
			r.guest_id IS NOT NULL AS guest, r.status, COALESCE(c.companions, r.companions) AS companions,
			CASE WHEN r.status = 'waitlisted' THEN row_number() OVER (PARTITION BY r.status ORDER BY r.arrival) ELSE 0 END AS position,
			c.id IS NOT NULL AS checked_in, false AS walk_in
		FROM rsvps r LEFT JOIN users u ON u.id = r.user_id LEFT JOIN guests g ON g.id = r.guest_id
			LEFT JOIN checkins c ON c.rsvp_id = r.id
		WHERE r.meetup_id = @meetup AND (r.status <> 'not_going' OR c.id IS NOT NULL)
		UNION ALL
		SELECT NULL, c.id, c.user_id, COALESCE(u.display_name, c.walk_in_name, ''), false, '', c.companions, 0, true, true
		FROM checkins c LEFT JOIN users u ON u.id = c.user_id
		WHERE c.meetup_id = @meetup AND c.rsvp_id IS NULL
	) a ORDER BY CASE status WHEN 'going' THEN 0 WHEN 'waitlisted' THEN 1 ELSE 2 END, position, lower(name), checkin_id`,
		map[string]any{"meetup": m.ID}).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list attendees: %w", err)
	}
	return out, nil
}

// Attendance is the figures of one meetup, counted in people (companions included), for the
// worker's reach and the organiser's overview. No names.
type Attendance struct {
	MeetupID   int64        `json:"meetup_id"`
	StartsAt   time.Time    `json:"starts_at"`
	Status     MeetupStatus `json:"status"`
	Going      int          `json:"going"`      // places taken by sign-ups
	Waitlisted int          `json:"waitlisted"` // sign-ups on the waitlist
	CheckedIn  int          `json:"checked_in"` // people who came
	WalkIns    int          `json:"walk_ins"`   // of whom came without signing up
	// NoShows are the people of sign-ups going that were not checked in, once the meetup has
	// ended; before, nobody has failed to come yet.
	NoShows int  `json:"no_shows"`
	Ended   bool `json:"ended"`
}

// MeetupAttendance returns a meetup's figures (CanSeeAttendance).
func MeetupAttendance(ctx context.Context, db *gorm.DB, actor *User, meetupID int64) (*Attendance, error) {
	m, err := MeetupByID(ctx, db, actor, meetupID)
	if err != nil {
		return nil, err
	}
	if err := mustSeeAttendance(ctx, db, actor, m); err != nil {
		return nil, err
	}
	out, err := attendance(ctx, db, []int64{m.ID})
	if err != nil {
		return nil, err
	}
	return &out[0], nil
}

// SeriesAttendance returns the figures of every occurrence of a recurring meetup, by start,
// including the parts split off by changes to "this and later" occurrences.
func SeriesAttendance(ctx context.Context, db *gorm.DB, actor *User, seriesID int64) ([]Attendance, error) {
	if _, err := SeriesByID(ctx, db, actor, seriesID); err != nil {
		return nil, err
	}
	var ids []int64
	err := db.WithContext(ctx).Raw(`WITH RECURSIVE up AS (
			SELECT id, split_from FROM meetup_series WHERE id = ?
			UNION ALL SELECT s.id, s.split_from FROM meetup_series s JOIN up ON s.id = up.split_from
		), down AS (
			SELECT id FROM up WHERE split_from IS NULL
			UNION ALL SELECT s.id FROM meetup_series s JOIN down ON s.split_from = down.id
		)
		SELECT m.id FROM meetups m WHERE m.series_id IN (SELECT id FROM down) ORDER BY m.starts_at, m.id`, seriesID).Scan(&ids).Error
	if err != nil {
		return nil, fmt.Errorf("list series meetups: %w", err)
	}
	if len(ids) == 0 {
		return nil, ErrNotFound
	}
	var first Meetup
	if err := db.WithContext(ctx).Take(&first, ids[0]).Error; err != nil {
		return nil, fmt.Errorf("load series meetup: %w", err)
	}
	if err := mustSeeAttendance(ctx, db, actor, &first); err != nil {
		return nil, err
	}
	return attendance(ctx, db, ids)
}

func mustSeeAttendance(ctx context.Context, db *gorm.DB, actor *User, m *Meetup) error {
	ok, err := CanSeeAttendance(ctx, db, actor, m)
	if err != nil {
		return err
	}
	if !ok {
		return ErrForbidden
	}
	return nil
}

// attendance counts the figures of the given meetups, by start.
func attendance(ctx context.Context, db *gorm.DB, ids []int64) ([]Attendance, error) {
	var out []Attendance
	err := db.WithContext(ctx).Raw(`SELECT m.id AS meetup_id, m.starts_at, m.status, m.seats_taken AS going, m.waitlist_count AS waitlisted,
			COALESCE(c.people, 0) AS checked_in, COALESCE(c.walk_ins, 0) AS walk_ins,
			m.ends_at < now() AS ended,
			CASE WHEN m.ends_at < now() THEN (SELECT COALESCE(sum(1 + r.companions), 0) FROM rsvps r
				WHERE r.meetup_id = m.id AND r.status = 'going'
				AND NOT EXISTS (SELECT 1 FROM checkins k WHERE k.rsvp_id = r.id)) ELSE 0 END AS no_shows
		FROM meetups m LEFT JOIN (
			SELECT meetup_id, sum(1 + companions) AS people, sum(1 + companions) FILTER (WHERE walk_in) AS walk_ins
			FROM checkins WHERE meetup_id IN @ids GROUP BY meetup_id
		) c ON c.meetup_id = m.id
		WHERE m.id IN @ids ORDER BY m.starts_at, m.id`, map[string]any{"ids": ids}).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("count attendance: %w", err)
	}
	return out, nil
}
