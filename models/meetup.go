package models

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// MeetupStatus is where a meetup stands. Only published meetups take sign-ups.
type MeetupStatus string

// The statuses of a meetup.
const (
	MeetupDraft     MeetupStatus = "draft"
	MeetupPublished MeetupStatus = "published"
	MeetupCancelled MeetupStatus = "cancelled"
)

// Limits on what one meetup holds.
const (
	// MaxCapacity is the largest capacity a meetup may have.
	MaxCapacity = 10000
	// MaxMeetupLength is how long one meetup may last.
	MaxMeetupLength = 7 * 24 * time.Hour
)

// Meetup is a gathering in a neighbourhood, of a group or of the neighbourhood itself. A
// recurring meetup is a series with one Meetup per occurrence, each with its own sign-ups,
// capacity and check-in.
type Meetup struct {
	ID              int64  `json:"id"`
	NeighbourhoodID int64  `json:"neighbourhood_id"`
	GroupID         *int64 `json:"group_id"`
	SeriesID        *int64 `json:"series_id"`
	// OccurrenceStart is this occurrence's start in its series' rule (iCalendar RECURRENCE-ID);
	// it stays when only this occurrence is moved.
	OccurrenceStart *time.Time   `json:"occurrence_start,omitempty"`
	Title           string       `json:"title"`
	Description     string       `json:"description"`
	StartsAt        time.Time    `json:"starts_at"`
	EndsAt          time.Time    `json:"ends_at"`
	Place           Place        `json:"place" gorm:"embedded;embeddedPrefix:place_"`
	OnlineURL       *string      `json:"online_url"`
	Capacity        *int         `json:"capacity"`
	SeatsTaken      int          `json:"seats_taken" gorm:"->"`
	WaitlistCount   int          `json:"waitlist_count" gorm:"->"`
	Facts           Facts        `json:"facts" gorm:"embedded"`
	Status          MeetupStatus `json:"status"`
	CancelReason    *string      `json:"cancel_reason,omitempty"`
	CancelledAt     *time.Time   `json:"cancelled_at,omitempty"`
	DoorCode        string       `json:"-"`
	Sequence        int          `json:"-"`
	CreatedBy       *int64       `json:"-"`
	Hiding
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Place is where a meetup happens. Coordinates are optional, both or neither.
type Place struct {
	Name    string   `json:"name" form:"place_name"`
	Address string   `json:"address" form:"place_address"`
	Lat     *float64 `json:"lat" form:"place_lat"`
	Lon     *float64 `json:"lon" form:"place_lon"`
}

// Facts are the practical and accessibility facts a resident needs to decide whether to come.
// A nil *bool means "not stated", which is not the same as "no".
type Facts struct {
	WheelchairAccessible *bool     `json:"wheelchair_accessible" form:"wheelchair_accessible"`
	ChildFriendly        *bool     `json:"child_friendly" form:"child_friendly"`
	Free                 bool      `json:"free" form:"free"`
	Cost                 string    `json:"cost" form:"cost"`
	Languages            Languages `json:"languages" form:"languages"`
	Interpreter          *bool     `json:"interpreter" form:"interpreter"`
	QuietSpace           *bool     `json:"quiet_space" form:"quiet_space"`
	FoodProvided         *bool     `json:"food_provided" form:"food_provided"`
}

// Hiding is how moderators hide content: it stays, with who hid it and why.
type Hiding struct {
	HiddenAt     *time.Time `json:"hidden_at,omitempty"`
	HiddenBy     *int64     `json:"hidden_by,omitempty"`
	HiddenReason *string    `json:"hidden_reason,omitempty"`
}

// Hidden reports whether a moderator hid the content.
func (h Hiding) Hidden() bool { return h.HiddenAt != nil }

// Languages are the ISO 639 codes (two or three lower-case letters) of the languages spoken at a
// meetup, stored as a PostgreSQL text[].
type Languages []string

var languagePattern = regexp.MustCompile(`^[a-z]{2,3}$`)

// Value writes the array literal; codes are checked to be plain letters before they get here.
func (l Languages) Value() (driver.Value, error) {
	for _, c := range l {
		if !languagePattern.MatchString(c) {
			return nil, fmt.Errorf("language code %q is not two or three letters", c)
		}
	}
	return "{" + strings.Join(l, ",") + "}", nil
}

// Scan reads the array literal PostgreSQL sends for a text[] of language codes.
func (l *Languages) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case string:
		s = v
	case []byte:
		s = string(v)
	case nil:
		*l = nil
		return nil
	default:
		return fmt.Errorf("scan languages from %T", src)
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
	if s == "" {
		*l = Languages{}
		return nil
	}
	*l = strings.Split(s, ",")
	return nil
}

// SeatsLeft is how many more people fit, or -1 when there is no limit.
func (m *Meetup) SeatsLeft() int {
	if m.Capacity == nil {
		return -1
	}
	return max(*m.Capacity-m.SeatsTaken, 0)
}

// MeetupInput creates or changes a meetup. Nil fields are left as they are; Place and Facts
// replace all their fields at once. Capacity 0 means no limit; OnlineURL "" removes the link.
type MeetupInput struct {
	Title       *string    `json:"title" form:"title"`
	Description *string    `json:"description" form:"description"`
	StartsAt    *time.Time `json:"starts_at" form:"starts_at"`
	EndsAt      *time.Time `json:"ends_at" form:"ends_at"`
	Place       *Place     `json:"place"`
	OnlineURL   *string    `json:"online_url" form:"online_url"`
	Capacity    *int       `json:"capacity" form:"capacity"`
	Facts       *Facts     `json:"facts"`
	// Publish makes a draft visible and open for sign-ups. A published meetup does not go back
	// to draft; it is cancelled instead.
	Publish bool `json:"publish" form:"publish"`
}

// NewMeetup is a meetup to create: in a group (NeighbourhoodID then follows from the group) or
// directly in a neighbourhood, once or repeating by RRule (RFC 5545, for example
// "FREQ=WEEKLY;COUNT=10"; it must end by COUNT or UNTIL).
type NewMeetup struct {
	NeighbourhoodID int64  `json:"neighbourhood_id" form:"neighbourhood_id"`
	GroupID         *int64 `json:"group_id" form:"group_id"`
	RRule           string `json:"rrule" form:"rrule"`
	MeetupInput
}

// apply copies the input onto m and validates the result.
func (in MeetupInput) apply(m *Meetup) FieldErrors {
	if in.Title != nil {
		m.Title = strings.Join(strings.Fields(*in.Title), " ")
	}
	if in.Description != nil {
		m.Description = strings.TrimSpace(strings.ReplaceAll(*in.Description, "\r\n", "\n"))
	}
	if in.StartsAt != nil {
		m.StartsAt = in.StartsAt.Truncate(time.Second)
	}
	if in.EndsAt != nil {
		m.EndsAt = in.EndsAt.Truncate(time.Second)
	}
	if in.Place != nil {
		m.Place = Place{Name: strings.Join(strings.Fields(in.Place.Name), " "),
			Address: strings.Join(strings.Fields(in.Place.Address), " "), Lat: in.Place.Lat, Lon: in.Place.Lon}
	}
	if in.OnlineURL != nil {
		m.OnlineURL = optional(strings.TrimSpace(*in.OnlineURL))
	}
	if in.Capacity != nil {
		m.Capacity = nil
		if *in.Capacity != 0 {
			c := *in.Capacity
			m.Capacity = &c
		}
	}
	if in.Facts != nil {
		m.Facts = in.Facts.normalized()
	}
	if in.Publish && m.Status == MeetupDraft {
		m.Status = MeetupPublished
	}
	return m.validate()
}

// normalized trims the cost, clears it for a free meetup and cleans the language codes.
func (f Facts) normalized() Facts {
	f.Cost = strings.Join(strings.Fields(f.Cost), " ")
	if f.Free {
		f.Cost = ""
	}
	langs := Languages{}
	for _, c := range f.Languages {
		c = strings.ToLower(strings.TrimSpace(c))
		if c != "" && !slices.Contains(langs, c) {
			langs = append(langs, c)
		}
	}
	f.Languages = langs
	return f
}

// validate checks a whole meetup, after an input was applied to it.
func (m *Meetup) validate() FieldErrors {
	fe := FieldErrors{}
	if n := utf8.RuneCountInString(m.Title); n == 0 {
		fe["title"] = "meetup.title.required"
	} else if n > 120 {
		fe["title"] = "meetup.title.too_long"
	}
	if utf8.RuneCountInString(m.Description) > 5000 {
		fe["description"] = "meetup.description.too_long"
	}
	switch {
	case m.StartsAt.IsZero():
		fe["starts_at"] = "meetup.starts_at.required"
	case m.EndsAt.IsZero():
		fe["ends_at"] = "meetup.ends_at.required"
	case !m.EndsAt.After(m.StartsAt):
		fe["ends_at"] = "meetup.end_before_start"
	case m.EndsAt.Sub(m.StartsAt) > MaxMeetupLength:
		fe["ends_at"] = "meetup.too_long"
	}
	if utf8.RuneCountInString(m.Place.Name) > 120 {
		fe["place_name"] = "meetup.place_name.too_long"
	}
	if utf8.RuneCountInString(m.Place.Address) > 300 {
		fe["place_address"] = "meetup.place_address.too_long"
	}
	if !validCoordinates(m.Place.Lat, m.Place.Lon) {
		fe["place_lat"] = "meetup.coordinates.invalid"
	}
	if m.OnlineURL != nil && !validWebURL(*m.OnlineURL) {
		fe["online_url"] = "meetup.online_url.invalid"
	}
	if m.Status == MeetupPublished && m.Place.Name == "" && m.Place.Address == "" && m.OnlineURL == nil {
		fe["place_name"] = "meetup.place.required"
	}
	if m.Capacity != nil && (*m.Capacity < 1 || *m.Capacity > MaxCapacity) {
		fe["capacity"] = "meetup.capacity.invalid"
	}
	if !m.Facts.Free && m.Facts.Cost == "" {
		fe["cost"] = "meetup.cost.required"
	} else if utf8.RuneCountInString(m.Facts.Cost) > 100 {
		fe["cost"] = "meetup.cost.too_long"
	}
	if len(m.Facts.Languages) > 10 || slices.ContainsFunc(m.Facts.Languages, func(c string) bool { return !languagePattern.MatchString(c) }) {
		fe["languages"] = "meetup.languages.invalid"
	}
	return fe
}

func validCoordinates(lat, lon *float64) bool {
	if lat == nil || lon == nil {
		return lat == nil && lon == nil
	}
	return !math.IsNaN(*lat) && !math.IsNaN(*lon) && *lat >= -90 && *lat <= 90 && *lon >= -180 && *lon <= 180
}

func validWebURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && len(s) <= 500 &&
		!strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f })
}

// CreateMeetup stores a meetup, or a series of them when in.RRule is set (each occurrence its own
// Meetup, all created now). loc is the installation's time zone (NABIJ_TIMEZONE): a series keeps
// the wall-clock time of its first meetup there across daylight-saving changes. It returns the
// (first) meetup.
func CreateMeetup(ctx context.Context, db *gorm.DB, actor *User, in NewMeetup, loc *time.Location) (*Meetup, error) {
	m := &Meetup{NeighbourhoodID: in.NeighbourhoodID, Status: MeetupDraft, Facts: Facts{Free: true}, CreatedBy: actorID(actor)}
	var g *Group
	if in.GroupID != nil {
		var err error
		if g, err = GroupByID(ctx, db, actor, *in.GroupID); errors.Is(err, ErrNotFound) {
			return nil, FieldErrors{"group_id": "meetup.group.unknown"}
		} else if err != nil {
			return nil, err
		}
		m.GroupID, m.NeighbourhoodID = &g.ID, g.NeighbourhoodID
	} else if _, err := NeighbourhoodByID(ctx, db, in.NeighbourhoodID); errors.Is(err, ErrNotFound) {
		return nil, FieldErrors{"neighbourhood_id": "neighbourhood.unknown"}
	} else if err != nil {
		return nil, err
	}
	ok, err := CanCreateMeetup(ctx, db, actor, m.NeighbourhoodID, g)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrForbidden
	}
	fe := in.apply(m)
	var rule *seriesRule
	if strings.TrimSpace(in.RRule) != "" && len(fe) == 0 {
		rule, err = newSeriesRule(in.RRule, m.StartsAt, m.EndsAt.Sub(m.StartsAt), loc)
		if id, ok := rruleMessage(err); ok {
			fe["rrule"] = id
		} else if err != nil {
			return nil, err
		}
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	if rule == nil {
		m.DoorCode = newSecret(12)
		if err := db.WithContext(ctx).Create(m).Error; err != nil {
			return nil, fmt.Errorf("create meetup: %w", err)
		}
		return m, nil
	}
	return createSeries(ctx, db, m, rule, actorID(actor))
}

// MeetupChange is the result of changing or cancelling meetups: what changed, and whom to tell.
type MeetupChange struct {
	// Meetups are the meetups as they are now.
	Meetups []Meetup
	// Promoted are sign-ups that got a place from the waitlist (more capacity): notify them.
	Promoted []int64
	// Notify are the sign-ups (going or waitlisted) of cancelled meetups: tell them.
	Notify []int64
	// by is who made the change: they are not told about it.
	by *int64
}

// SeriesScope says which occurrences of a recurring meetup a change applies to.
type SeriesScope string

// The scopes of a change.
const (
	// OnlyThis changes one meetup; for a series, one occurrence.
	OnlyThis SeriesScope = "this"
	// ThisAndLater changes an occurrence and all later ones of its series (the same as OnlyThis
	// for a meetup that does not repeat). Any other value means OnlyThis.
	ThisAndLater SeriesScope = "later"
)

// UpdateMeetup changes a meetup, or an occurrence and all later ones of its series (organisers).
// A capacity below the places already taken is refused; more capacity gives places to the
// waitlist (MeetupChange.Promoted). For ThisAndLater the series is split, and a change of time
// moves every later occurrence to the new time of day (and by as many days as this one moved).
// A cancelled meetup cannot be changed.
func UpdateMeetup(ctx context.Context, db *gorm.DB, actor *User, id int64, in MeetupInput, scope SeriesScope) (*MeetupChange, error) {
	m, err := organisedMeetup(ctx, db, actor, id)
	if err != nil {
		return nil, err
	}
	if m.Status == MeetupCancelled {
		return nil, FieldErrors{"status": "meetup.cancelled"}
	}
	change := &MeetupChange{by: &actor.ID}
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if scope == ThisAndLater && m.SeriesID != nil {
			return updateLater(tx, m.ID, in, change)
		}
		locked, err := lockMeetup(tx, m.ID)
		if err != nil {
			return err
		}
		if locked.Status == MeetupCancelled {
			return FieldErrors{"status": "meetup.cancelled"}
		}
		return saveChanged(tx, locked, in, change)
	})
	if err != nil {
		return nil, meetupError("update meetup", err)
	}
	return change, nil
}

// saveChanged applies in to a locked meetup, stores it and fills the waitlist when there is room.
func saveChanged(tx *gorm.DB, m *Meetup, in MeetupInput, change *MeetupChange) error {
	before := *m
	if err := in.apply(m).Err(); err != nil {
		return err
	}
	if m.Capacity != nil && *m.Capacity < m.SeatsTaken {
		return FieldErrors{"capacity": "meetup.capacity_below_going"}
	}
	m.Sequence++
	m.UpdatedAt = time.Now()
	if err := tx.Save(m).Error; err != nil {
		return err
	}
	if changedForAttendees(&before, m) && m.Status == MeetupPublished {
		var active []int64
		if err := tx.Model(&RSVP{}).Where("meetup_id = ? AND status IN ('going', 'waitlisted')", m.ID).Pluck("id", &active).Error; err != nil {
			return err
		}
		if err := (notification{kind: NotifyMeetupChanged, actorID: change.by}).toSignUps(tx, active); err != nil {
			return err
		}
	}
	promoted, err := promote(tx, m.ID)
	if err != nil {
		return err
	}
	if len(promoted) > 0 {
		if err := tx.Raw("SELECT seats_taken, waitlist_count FROM meetups WHERE id = ?", m.ID).Row().Scan(&m.SeatsTaken, &m.WaitlistCount); err != nil {
			return err
		}
	}
	change.Meetups = append(change.Meetups, *m)
	change.Promoted = append(change.Promoted, promoted...)
	return nil
}

// CancelMeetup cancels a meetup, or an occurrence and all later ones of its series, with a reason
// everyone who signed up is told (MeetupChange.Notify). Sign-ups stay, for the record. Its needs
// still open or filled (helpers to set up, to cook) are cancelled with it, and their volunteers
// told the same reason; needs marked done stay done.
func CancelMeetup(ctx context.Context, db *gorm.DB, actor *User, id int64, reason string, scope SeriesScope) (*MeetupChange, error) {
	m, err := organisedMeetup(ctx, db, actor, id)
	if err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if n := utf8.RuneCountInString(reason); n == 0 {
		return nil, FieldErrors{"reason": "meetup.cancel_reason.required"}
	} else if n > 500 {
		return nil, FieldErrors{"reason": "meetup.cancel_reason.too_long"}
	}
	if m.Status == MeetupCancelled {
		return nil, FieldErrors{"status": "meetup.cancelled"}
	}
	change := &MeetupChange{}
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := tx.Clauses(lockNoKeyUpdate).Where("status <> 'cancelled'")
		if scope == ThisAndLater && m.SeriesID != nil {
			q = q.Where("series_id = ? AND occurrence_start >= ?", *m.SeriesID, *m.OccurrenceStart)
		} else {
			q = q.Where("id = ?", m.ID)
		}
		var ms []Meetup
		if err := q.Order("id").Find(&ms).Error; err != nil {
			return err
		}
		now := time.Now()
		for i := range ms {
			ms[i].Status, ms[i].CancelReason, ms[i].CancelledAt = MeetupCancelled, &reason, &now
			ms[i].Sequence++
			ms[i].UpdatedAt = now
			if err := tx.Save(&ms[i]).Error; err != nil {
				return err
			}
			change.Meetups = append(change.Meetups, ms[i])
		}
		ids := make([]int64, len(ms))
		for i := range ms {
			ids[i] = ms[i].ID
		}
		err := tx.Model(&RSVP{}).Where("meetup_id IN ? AND status IN ('going', 'waitlisted')", ids).
			Order("meetup_id, arrival").Pluck("id", &change.Notify).Error
		if err != nil {
			return err
		}
		if err := (notification{kind: NotifyMeetupCancelled, actorID: &actor.ID, body: reason}).toSignUps(tx, change.Notify); err != nil {
			return err
		}
		var needs []int64
		if err := tx.Raw(`SELECT id FROM needs WHERE meetup_id = ANY(?::bigint[]) AND status IN ('open', 'filled') ORDER BY id`, int64Array(ids)).Scan(&needs).Error; err != nil {
			return err
		}
		return cancelNeeds(tx, needs, reason, &actor.ID)
	})
	if err != nil {
		return nil, meetupError("cancel meetup", err)
	}
	return change, nil
}

// MeetupByID returns a meetup the viewer may see (nil viewer: someone not signed in).
func MeetupByID(ctx context.Context, db *gorm.DB, viewer *User, id int64) (*Meetup, error) {
	var m Meetup
	err := db.WithContext(ctx).Scopes(MeetupVisibleTo(viewer)).Where("meetups.id = ?", id).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load meetup %d: %w", id, err)
	}
	return &m, nil
}

// MeetupFilter selects meetups for an agenda. Zero fields do not filter. A practical fact set to
// true keeps only meetups that state it.
type MeetupFilter struct {
	NeighbourhoodIDs     []int64
	GroupID              int64
	SeriesID             int64
	From, To             time.Time // meetups that have not ended at From and start before To
	WheelchairAccessible bool
	ChildFriendly        bool
	Free                 bool
	Interpreter          bool
	QuietSpace           bool
	FoodProvided         bool
	Language             string
	Limit                int // at most this many (default 200, at most 1000)
}

// Meetups lists the meetups the viewer may see that match f, by start.
func Meetups(ctx context.Context, db *gorm.DB, viewer *User, f MeetupFilter) ([]Meetup, error) {
	where, args, limit := meetupsSQL(viewer, f)
	q := db.WithContext(ctx)
	if where != "" {
		q = q.Where(where, args...)
	}
	var ms []Meetup
	if err := q.Order(meetupsOrder).Limit(limit).Find(&ms).Error; err != nil {
		return nil, fmt.Errorf("list meetups: %w", err)
	}
	return ms, nil
}

// meetupsOrder is the order of Meetups.
const meetupsOrder = "meetups.starts_at, meetups.id"

// meetupsSQL is the condition of Meetups on the meetups table ("" for none) with its arguments
// (? placeholders, a slice for IN ?), and how many rows it lists; agendareads.go reads the same
// list with its own columns.
func meetupsSQL(viewer *User, f MeetupFilter) (string, []any, int) {
	var conds []string
	var args []any
	where := func(cond string, a ...any) {
		conds = append(conds, "("+cond+")")
		args = append(args, a...)
	}
	if cond, a := meetupVisibility(viewer); cond != "" {
		where(cond, a...)
	}
	if len(f.NeighbourhoodIDs) > 0 {
		where("meetups.neighbourhood_id IN ?", f.NeighbourhoodIDs)
	}
	if f.GroupID != 0 {
		where("meetups.group_id = ?", f.GroupID)
	}
	if f.SeriesID != 0 {
		where("meetups.series_id = ?", f.SeriesID)
	}
	if !f.From.IsZero() {
		// The bound on starts_at lets the (neighbourhood_id, starts_at, ends_at) index skip the
		// past: no meetup lasts longer than MaxMeetupLength.
		where("meetups.ends_at > ? AND meetups.starts_at > ?", f.From, f.From.Add(-MaxMeetupLength))
	}
	if !f.To.IsZero() {
		where("meetups.starts_at < ?", f.To)
	}
	for _, fact := range []struct {
		on     bool
		column string
	}{{f.WheelchairAccessible, "wheelchair_accessible"}, {f.ChildFriendly, "child_friendly"}, {f.Free, "free"},
		{f.Interpreter, "interpreter"}, {f.QuietSpace, "quiet_space"}, {f.FoodProvided, "food_provided"}} {
		if fact.on {
			where("meetups." + fact.column)
		}
	}
	if f.Language != "" {
		where("? = ANY (meetups.languages)", strings.ToLower(f.Language))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 200
	}
	return strings.Join(conds, " AND "), args, min(limit, 1000)
}

// MyMeetups is a person's own agenda: the meetups they are going to or waitlisted for that end
// after from and start before to, by start.
func MyMeetups(ctx context.Context, db *gorm.DB, u *User, from, to time.Time) ([]Meetup, error) {
	if u == nil {
		return nil, ErrForbidden
	}
	var ms []Meetup
	err := db.WithContext(ctx).Scopes(MeetupVisibleTo(u)).
		Where("EXISTS (SELECT 1 FROM rsvps r WHERE r.meetup_id = meetups.id AND r.user_id = ? AND r.status IN ('going', 'waitlisted'))", u.ID).
		Where("meetups.ends_at > ? AND meetups.starts_at < ?", from, to).
		Order("meetups.starts_at, meetups.id").Limit(1000).Find(&ms).Error
	if err != nil {
		return nil, fmt.Errorf("list my meetups: %w", err)
	}
	return ms, nil
}

// organisedMeetup loads a meetup the actor may see and organise.
func organisedMeetup(ctx context.Context, db *gorm.DB, actor *User, id int64) (*Meetup, error) {
	m, err := MeetupByID(ctx, db, actor, id)
	if err != nil {
		return nil, err
	}
	ok, err := CanOrganiseMeetup(ctx, db, actor, m)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrForbidden
	}
	return m, nil
}

// lockMeetup loads a meetup row FOR NO KEY UPDATE. Every change to its sign-ups and capacity takes
// this lock first, so they happen one after the other; FOR NO KEY UPDATE (rather than FOR UPDATE)
// still lets other transactions insert rows that refer to the meetup.
func lockMeetup(tx *gorm.DB, id int64) (*Meetup, error) {
	var m Meetup
	err := tx.Clauses(lockNoKeyUpdate).Take(&m, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	return &m, err
}

// groupOf loads a meetup's group, whoever asks (nil for a neighbourhood's own meetup).
func groupOf(ctx context.Context, db *gorm.DB, m *Meetup) (*Group, error) {
	if m.GroupID == nil {
		return nil, nil
	}
	var g Group
	if err := db.WithContext(ctx).Take(&g, *m.GroupID).Error; err != nil {
		return nil, fmt.Errorf("load group of meetup %d: %w", m.ID, err)
	}
	return &g, nil
}

// meetupError wraps storage errors once and passes the domain errors through. A capacity check
// failing in the database means a sign-up got in first.
func meetupError(what string, err error) error {
	var fe FieldErrors
	if err == nil || errors.As(err, &fe) || errors.Is(err, ErrNotFound) || errors.Is(err, ErrForbidden) {
		return err
	}
	if errors.Is(err, gorm.ErrCheckConstraintViolated) && strings.Contains(err.Error(), "capacity") {
		return FieldErrors{"capacity": "meetup.capacity_below_going"}
	}
	return fmt.Errorf("%s: %w", what, err)
}

func actorID(u *User) *int64 {
	if u == nil {
		return nil
	}
	return &u.ID
}
