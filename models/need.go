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

// NeedStatus is where a need stands. Open and filled follow the places of its shifts to come
// (the database keeps them); done and cancelled are an organiser's decision.
type NeedStatus string

// The statuses of a need.
const (
	NeedOpen      NeedStatus = "open"
	NeedFilled    NeedStatus = "filled"
	NeedDone      NeedStatus = "done"
	NeedCancelled NeedStatus = "cancelled"
)

// NeedAccess says who may sign up for a need's shifts: every volunteer, or only those invited.
type NeedAccess string

// The kinds of access.
const (
	NeedOpenToAll    NeedAccess = "open"
	NeedByInvitation NeedAccess = "invitation"
)

// Limits on one need.
const (
	// MaxShiftsPerNeed is how many shifts one need may have, recurring ones included.
	MaxShiftsPerNeed = 1000
	// MaxShiftLength is how long one shift may last.
	MaxShiftLength = 24 * time.Hour
	// MaxShiftPlaces is the most places one shift may have.
	MaxShiftPlaces = 500
)

// Need is work that someone must do: attached to a meetup ("3 people to set up") or standing
// alone, often a resident's request for help entered by them or by a worker on their behalf.
// ResidentID is who is helped: only organisers, workers and those who signed up may know it.
type Need struct {
	ID              int64      `json:"id"`
	NeighbourhoodID int64      `json:"neighbourhood_id"`
	MeetupID        *int64     `json:"meetup_id"`
	ResidentID      *int64     `json:"resident_id,omitempty"`
	OrganiserID     *int64     `json:"organiser_id"`
	CreatedBy       *int64     `json:"-"`
	Title           string     `json:"title"`
	Description     string     `json:"description"`
	PlaceName       string     `json:"place_name"`
	PlaceAddress    string     `json:"place_address"`
	RequiredSkills  SkillIDs   `json:"required_skills"`
	NiceSkills      SkillIDs   `json:"nice_skills"`
	Languages       Languages  `json:"languages"`
	Access          NeedAccess `json:"access"`
	Status          NeedStatus `json:"status"`
	CancelReason    *string    `json:"cancel_reason,omitempty"`
	RRule           *string    `json:"rrule,omitempty" gorm:"column:rrule"`
	Timezone        string     `json:"-"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
}

// Recurring says whether the need's shifts repeat.
func (n *Need) Recurring() bool { return n.RRule != nil }

// Location is the need's time zone (the installation's when it was made).
func (n *Need) Location() *time.Location {
	if loc, err := time.LoadLocation(n.Timezone); err == nil {
		return loc
	}
	return time.UTC
}

// NeedInput creates or changes a need. Nil fields are left as they are.
type NeedInput struct {
	Title          *string     `json:"title"`
	Description    *string     `json:"description"`
	PlaceName      *string     `json:"place_name"`
	PlaceAddress   *string     `json:"place_address"`
	RequiredSkills *[]int      `json:"required_skills"`
	NiceSkills     *[]int      `json:"nice_skills"`
	Languages      *[]string   `json:"languages"`
	Access         *NeedAccess `json:"access"`
	// OrganiserID is the contact organiser: the one who enters the need (the default), or a
	// worker of the neighbourhood.
	OrganiserID *int64 `json:"organiser_id"`
}

// NewNeed is a need to create: in a neighbourhood, or for a meetup (the neighbourhood then
// follows from it); for a resident (ResidentID: the actor themselves, or someone a worker helps);
// with its shifts, each repeated by RRule when it is set (RFC 5545, as for meetups).
type NewNeed struct {
	NeighbourhoodID int64        `json:"neighbourhood_id"`
	MeetupID        *int64       `json:"meetup_id"`
	ResidentID      *int64       `json:"resident_id"`
	RRule           string       `json:"rrule"`
	Shifts          []ShiftInput `json:"shifts"`
	NeedInput
}

// NeedChange is an organiser's change to a need: its fields, and Status "done" (the work is
// finished) or "open" (reopen a done need).
type NeedChange struct {
	NeedInput
	Status *NeedStatus `json:"status"`
}

// apply copies the input onto n and validates the text fields; skills, languages and the
// organiser are checked by check.
func (in NeedInput) apply(n *Need) FieldErrors {
	fe := FieldErrors{}
	if in.Title != nil {
		n.Title = strings.Join(strings.Fields(*in.Title), " ")
	}
	if in.Description != nil {
		n.Description = strings.TrimSpace(strings.ReplaceAll(*in.Description, "\r\n", "\n"))
	}
	if in.PlaceName != nil {
		n.PlaceName = strings.Join(strings.Fields(*in.PlaceName), " ")
	}
	if in.PlaceAddress != nil {
		n.PlaceAddress = strings.Join(strings.Fields(*in.PlaceAddress), " ")
	}
	if in.Access != nil {
		n.Access = *in.Access
	}
	if in.Languages != nil {
		if n.Languages = normalizeLanguages(*in.Languages); n.Languages == nil {
			fe["languages"] = "need.languages.invalid"
		}
	}
	if in.OrganiserID != nil {
		n.OrganiserID = in.OrganiserID
	}
	if l := utf8.RuneCountInString(n.Title); l == 0 {
		fe["title"] = "need.title.required"
	} else if l > 120 {
		fe["title"] = "need.title.too_long"
	}
	if utf8.RuneCountInString(n.Description) > 4000 {
		fe["description"] = "need.description.too_long"
	}
	if utf8.RuneCountInString(n.PlaceName) > 120 {
		fe["place_name"] = "need.place_name.too_long"
	}
	if utf8.RuneCountInString(n.PlaceAddress) > 300 {
		fe["place_address"] = "need.place_address.too_long"
	}
	if n.Access != NeedOpenToAll && n.Access != NeedByInvitation {
		fe["access"] = "need.access.invalid"
	}
	return fe
}

// check validates what needs the database: the skills against the catalog, and the organiser.
func (in NeedInput) check(ctx context.Context, db *gorm.DB, n *Need, fe FieldErrors) error {
	for _, s := range []struct {
		field string
		in    *[]int
		out   *SkillIDs
	}{{"required_skills", in.RequiredSkills, &n.RequiredSkills}, {"nice_skills", in.NiceSkills, &n.NiceSkills}} {
		if s.in == nil {
			continue
		}
		ids, err := knownSkills(ctx, db, *s.in, 10)
		if err != nil {
			return err
		}
		if ids == nil {
			fe[s.field] = "need.skills.unknown"
			continue
		}
		*s.out = ids
	}
	for _, id := range n.NiceSkills {
		if _, bad := fe["required_skills"]; !bad && containsInt(n.RequiredSkills, id) {
			fe["nice_skills"] = "need.skills.both"
		}
	}
	if in.OrganiserID != nil {
		ok, err := canBeOrganiser(ctx, db, *in.OrganiserID, n)
		if err != nil {
			return err
		}
		if !ok {
			fe["organiser_id"] = "need.organiser.invalid"
		}
	}
	return nil
}

func containsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// canBeOrganiser: a need's contact organiser is the one who made it, the resident it is for, a
// worker of its neighbourhood or a coordinator.
func canBeOrganiser(ctx context.Context, db *gorm.DB, userID int64, n *Need) (bool, error) {
	if (n.CreatedBy != nil && *n.CreatedBy == userID) || (n.ResidentID != nil && *n.ResidentID == userID) {
		return true, nil
	}
	u, err := UserByID(ctx, db, userID)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if u.Role == RoleCoordinator {
		return true, nil
	}
	return WorksIn(ctx, db, u.ID, n.NeighbourhoodID)
}

// CreateNeed stores a need with its shifts. loc is the installation's time zone: recurring shifts
// keep their wall-clock time there, and the ranking compares shifts with weekly availability in
// it. It returns the need with its shifts.
func CreateNeed(ctx context.Context, db *gorm.DB, actor *User, in NewNeed, loc *time.Location) (*NeedDetail, error) {
	if actor == nil {
		return nil, ErrForbidden
	}
	n := &Need{NeighbourhoodID: in.NeighbourhoodID, MeetupID: in.MeetupID, ResidentID: in.ResidentID, CreatedBy: &actor.ID,
		OrganiserID: &actor.ID, Access: NeedOpenToAll, Status: NeedOpen, RequiredSkills: SkillIDs{}, NiceSkills: SkillIDs{},
		Languages: Languages{}, Timezone: loc.String()}
	var meetup *Meetup
	if in.MeetupID != nil {
		m, err := MeetupByID(ctx, db, actor, *in.MeetupID)
		if errors.Is(err, ErrNotFound) {
			return nil, FieldErrors{"meetup_id": "need.meetup.unknown"}
		}
		if err != nil {
			return nil, err
		}
		meetup, n.NeighbourhoodID, n.ResidentID = m, m.NeighbourhoodID, nil
	} else if _, err := NeighbourhoodByID(ctx, db, in.NeighbourhoodID); errors.Is(err, ErrNotFound) {
		return nil, FieldErrors{"neighbourhood_id": "neighbourhood.unknown"}
	} else if err != nil {
		return nil, err
	}
	if n.ResidentID != nil {
		if _, err := UserByID(ctx, db, *n.ResidentID); errors.Is(err, ErrNotFound) {
			return nil, FieldErrors{"resident_id": "need.resident.unknown"}
		} else if err != nil {
			return nil, err
		}
	}
	ok, err := CanCreateNeed(ctx, db, actor, n.NeighbourhoodID, meetup, n.ResidentID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrForbidden
	}
	fe := in.apply(n)
	if err := in.check(ctx, db, n, fe); err != nil {
		return nil, err
	}
	shifts, sfe := plannedShifts(in.Shifts, in.RRule, loc, time.Now())
	for k, v := range sfe {
		fe[k] = v
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	if rule := strings.TrimSpace(in.RRule); rule != "" {
		n.RRule = &rule
	}
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(n).Error; err != nil {
			return err
		}
		for i := range shifts {
			shifts[i].NeedID, shifts[i].NeighbourhoodID = n.ID, n.NeighbourhoodID
		}
		return tx.CreateInBatches(shifts, 200).Error
	})
	if err != nil {
		return nil, needError("create need", err)
	}
	return &NeedDetail{Need: *n, Shifts: shifts}, nil
}

// plannedShifts validates the shifts of a new need and, with a repeat rule, repeats each of
// them. Shifts must start after now.
func plannedShifts(in []ShiftInput, rrule string, loc *time.Location, now time.Time) ([]Shift, FieldErrors) {
	fe := FieldErrors{}
	if len(in) == 0 {
		fe["shifts"] = "need.shifts.required"
		return nil, fe
	}
	if len(in) > 50 {
		fe["shifts"] = "need.shifts.too_many"
		return nil, fe
	}
	var out []Shift
	for i, si := range in {
		s := Shift{}
		if bad := si.apply(&s, now); len(bad) > 0 {
			for k, v := range bad {
				fe[fmt.Sprintf("shifts.%d.%s", i, k)] = v
			}
			continue
		}
		if strings.TrimSpace(rrule) == "" {
			out = append(out, s)
			continue
		}
		rule, err := newSeriesRule(rrule, s.StartsAt, s.EndsAt.Sub(s.StartsAt), loc)
		if id, ok := rruleMessage(err); ok {
			fe["rrule"] = id
			return nil, fe
		} else if err != nil {
			fe["rrule"] = "rrule.malformed"
			return nil, fe
		}
		for _, start := range rule.starts() {
			r := s
			r.StartsAt, r.EndsAt = start, start.Add(s.EndsAt.Sub(s.StartsAt))
			out = append(out, r)
		}
	}
	if len(out) > MaxShiftsPerNeed {
		fe["shifts"] = "need.shifts.too_many"
	}
	return out, fe
}

// NeedDetail is a need with its shifts, in order of start.
type NeedDetail struct {
	Need
	Shifts []Shift `json:"shifts"`
}

// NeedByID returns a need the viewer may see (NeedVisibleTo).
func NeedByID(ctx context.Context, db *gorm.DB, viewer *User, id int64) (*Need, error) {
	var n Need
	err := db.WithContext(ctx).Scopes(NeedVisibleTo(viewer)).Where("needs.id = ?", id).Take(&n).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load need %d: %w", id, err)
	}
	return &n, nil
}

// NeedWithShifts returns a need the viewer may see with its shifts: all of them, or (upcoming)
// only those that have not ended.
func NeedWithShifts(ctx context.Context, db *gorm.DB, viewer *User, id int64, upcoming bool) (*NeedDetail, error) {
	n, err := NeedByID(ctx, db, viewer, id)
	if err != nil {
		return nil, err
	}
	d := &NeedDetail{Need: *n}
	q := db.WithContext(ctx).Where("need_id = ?", id)
	if upcoming {
		q = q.Where("ends_at > now()")
	}
	if err := q.Order("starts_at, id").Limit(MaxShiftsPerNeed).Find(&d.Shifts).Error; err != nil {
		return nil, fmt.Errorf("load shifts of need %d: %w", id, err)
	}
	return d, nil
}

// NeedFilter selects needs for a list. Zero fields do not filter.
type NeedFilter struct {
	NeighbourhoodID int64
	MeetupID        int64
	Status          NeedStatus
	// Organising keeps the needs the viewer is the contact organiser of or made.
	Organising bool
	Limit      int // default 50, at most 200
}

// NeedSummary is a need in a list, with its shifts to come: how many, the next one, and the
// places still free in them.
type NeedSummary struct {
	Need
	UpcomingShifts int        `json:"upcoming_shifts"`
	NextShiftAt    *time.Time `json:"next_shift_at"`
	PlacesLeft     int        `json:"places_left"`
}

// Needs lists the needs the viewer may see that match f, newest first.
func Needs(ctx context.Context, db *gorm.DB, viewer *User, f NeedFilter) ([]NeedSummary, error) {
	q := db.WithContext(ctx).Table("needs").Scopes(NeedVisibleTo(viewer)).
		Select(`needs.*, coalesce(up.n, 0) AS upcoming_shifts, up.next AS next_shift_at, coalesce(up.free, 0) AS places_left`).
		Joins(`LEFT JOIN LATERAL (SELECT count(*) AS n, min(s.starts_at) AS next, sum(s.places - s.places_taken) AS free
			FROM shifts s WHERE s.need_id = needs.id AND s.cancelled_at IS NULL AND s.ends_at > now()) up ON true`)
	if f.NeighbourhoodID != 0 {
		q = q.Where("needs.neighbourhood_id = ?", f.NeighbourhoodID)
	}
	if f.MeetupID != 0 {
		q = q.Where("needs.meetup_id = ?", f.MeetupID)
	}
	if f.Status != "" {
		q = q.Where("needs.status = ?", f.Status)
	}
	if f.Organising && viewer != nil {
		q = q.Where("(needs.organiser_id = ? OR needs.created_by = ?)", viewer.ID, viewer.ID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	out := []NeedSummary{}
	if err := q.Order("needs.id DESC").Limit(min(limit, 200)).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("list needs: %w", err)
	}
	return out, nil
}

// organisedNeed loads a need the actor may see and organise (CanOrganiseNeed).
func organisedNeed(ctx context.Context, db *gorm.DB, actor *User, id int64) (*Need, error) {
	n, err := NeedByID(ctx, db, actor, id)
	if err != nil {
		return nil, err
	}
	ok, err := CanOrganiseNeed(ctx, db, actor, n)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrForbidden
	}
	return n, nil
}

// UpdateNeed changes a need's fields, or marks it done or open again (organisers). A cancelled
// need cannot be changed.
func UpdateNeed(ctx context.Context, db *gorm.DB, actor *User, id int64, in NeedChange) (*Need, error) {
	n, err := organisedNeed(ctx, db, actor, id)
	if err != nil {
		return nil, err
	}
	if n.Status == NeedCancelled {
		return nil, FieldErrors{"status": "need.cancelled"}
	}
	fe := in.apply(n)
	if err := in.check(ctx, db, n, fe); err != nil {
		return nil, err
	}
	reopen := false
	if in.Status != nil {
		switch *in.Status {
		case NeedDone:
			n.Status = NeedDone
		case NeedOpen:
			reopen = n.Status == NeedDone
			if reopen {
				n.Status = NeedOpen
			}
		default:
			fe["status"] = "need.status.invalid"
		}
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	n.UpdatedAt = time.Now()
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Omit("status").Save(n).Error; err != nil {
			return err
		}
		if in.Status != nil {
			if err := tx.Exec("UPDATE needs SET status = ? WHERE id = ? AND status <> 'cancelled'", n.Status, n.ID).Error; err != nil {
				return err
			}
		}
		if reopen {
			return tx.Exec("SELECT need_status_follow(?)", n.ID).Error
		}
		return nil
	})
	if err != nil {
		return nil, needError("update need", err)
	}
	return NeedByID(ctx, db, actor, id)
}

// CancelNeed cancels a need and its shifts to come, with a reason everyone signed up (or on a
// reserve list) is told once; open invitations lapse.
func CancelNeed(ctx context.Context, db *gorm.DB, actor *User, id int64, reason string) (*Need, error) {
	n, err := organisedNeed(ctx, db, actor, id)
	if err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if l := utf8.RuneCountInString(reason); l == 0 {
		return nil, FieldErrors{"reason": "need.cancel_reason.required"}
	} else if l > 500 {
		return nil, FieldErrors{"reason": "need.cancel_reason.too_long"}
	}
	if n.Status == NeedCancelled {
		return nil, FieldErrors{"status": "need.cancelled"}
	}
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return cancelNeeds(tx, []int64{n.ID}, reason, &actor.ID)
	})
	if err != nil {
		return nil, needError("cancel need", err)
	}
	return NeedByID(ctx, db, actor, id)
}

// cancelNeeds cancels needs in a transaction: their shifts to come, the needs, their open
// invitations; each person signed up or on a reserve list is told once per need, with the reason.
// CancelNeed uses it, and so does cancelling the meetup a need is for: nobody should turn up to
// set up a meetup that will not happen.
func cancelNeeds(tx *gorm.DB, needIDs []int64, reason string, actorID *int64) error {
	for _, id := range needIDs {
		// Shifts first, then the need: the order every path locks them in.
		var told []int64
		err := tx.Raw(`SELECT DISTINCT g.user_id FROM shift_signups g JOIN shifts s ON s.id = g.shift_id
			WHERE s.need_id = ? AND s.cancelled_at IS NULL AND s.ends_at > now() AND g.status IN ('signed_up', 'reserve')
			ORDER BY g.user_id`, id).Scan(&told).Error
		if err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE shifts SET cancelled_at = now(), cancel_reason = ?, updated_at = now()
			WHERE id IN (SELECT id FROM shifts WHERE need_id = ? AND cancelled_at IS NULL AND ends_at > now() ORDER BY id FOR NO KEY UPDATE)`,
			reason, id).Error; err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE needs SET status = 'cancelled', cancel_reason = ?, updated_at = now() WHERE id = ?`, reason, id).Error; err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE need_invitations SET status = 'expired' WHERE need_id = ? AND status = 'pending'`, id).Error; err != nil {
			return err
		}
		if err := needNotification(NotifyNeedCancelled, id, nil, actorID, reason).toUsers(tx, told); err != nil {
			return err
		}
	}
	return nil
}

// needError wraps storage errors once and passes the domain errors through. A places check
// failing in the database means sign-ups got in first.
func needError(what string, err error) error {
	var fe FieldErrors
	if err == nil || errors.As(err, &fe) || errors.Is(err, ErrNotFound) || errors.Is(err, ErrForbidden) {
		return err
	}
	if strings.Contains(err.Error(), "shifts_places_not_exceeded") {
		return FieldErrors{"places": "shift.places_below_taken"}
	}
	if strings.Contains(err.Error(), "skills_known") {
		return FieldErrors{"required_skills": "need.skills.unknown"}
	}
	return fmt.Errorf("%s: %w", what, err)
}

// needNote is a notification about a need or one of its shifts, written in the transaction of
// the change it tells about.
type needNote struct {
	kind    NotificationKind
	needID  int64
	shiftID *int64
	actorID *int64
	body    string
}

func needNotification(kind NotificationKind, needID int64, shiftID, actorID *int64, body string) needNote {
	return needNote{kind: kind, needID: needID, shiftID: shiftID, actorID: actorID, body: body}
}

// toUsers stores the notification for each user but the actor.
func (n needNote) toUsers(tx *gorm.DB, userIDs []int64) error {
	if len(userIDs) == 0 {
		return nil
	}
	err := tx.Exec(`INSERT INTO notifications (user_id, kind, need_id, shift_id, actor_id, body)
		SELECT u, ?::text, ?::bigint, ?::bigint, ?::bigint, ?::text FROM unnest(?::bigint[]) AS u
		WHERE u IS DISTINCT FROM ?::bigint ORDER BY u`,
		n.kind, n.needID, n.shiftID, n.actorID, n.body, int64Array(userIDs), n.actorID).Error
	if err != nil {
		return fmt.Errorf("notify %s: %w", n.kind, err)
	}
	return nil
}

// toSignUps stores the notification for everyone signed up for a shift or on its reserve list.
func (n needNote) toSignUps(tx *gorm.DB, shiftID int64) error {
	err := tx.Exec(`INSERT INTO notifications (user_id, kind, need_id, shift_id, actor_id, body)
		SELECT user_id, ?::text, ?::bigint, ?::bigint, ?::bigint, ?::text FROM shift_signups
		WHERE shift_id = ? AND status IN ('signed_up', 'reserve') AND user_id IS DISTINCT FROM ?::bigint ORDER BY arrival`,
		n.kind, n.needID, shiftID, n.actorID, n.body, shiftID, n.actorID).Error
	if err != nil {
		return fmt.Errorf("notify %s: %w", n.kind, err)
	}
	return nil
}
