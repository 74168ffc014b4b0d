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

// HoursStatus is where a record of volunteer hours stands. Hours from a check-in are confirmed at
// once; hours logged afterwards wait for an organiser.
type HoursStatus string

// The states of recorded hours.
const (
	HoursPending   HoursStatus = "pending"
	HoursConfirmed HoursStatus = "confirmed"
	HoursRejected  HoursStatus = "rejected"
)

// VolunteerHours is the time one volunteer gave on one shift.
type VolunteerHours struct {
	ID              int64       `json:"id"`
	ShiftID         int64       `json:"shift_id"`
	NeedID          int64       `json:"need_id"`
	NeighbourhoodID int64       `json:"neighbourhood_id"`
	UserID          int64       `json:"user_id"`
	Minutes         int         `json:"minutes"`
	Source          string      `json:"source"`           // checkin or logged
	Method          *string     `json:"method,omitempty"` // list (the organiser) or self ("I'm here")
	Status          HoursStatus `json:"status"`
	Note            string      `json:"note,omitempty"`
	RecordedBy      *int64      `json:"-"`
	DecidedBy       *int64      `json:"-"`
	DecidedAt       *time.Time  `json:"decided_at,omitempty"`
	CreatedAt       time.Time   `json:"created_at"`
}

// TableName is the table of hours.
func (VolunteerHours) TableName() string { return "volunteer_hours" }

// CheckInVolunteer records that a volunteer signed up for a shift is there, which records the
// shift's hours, confirmed. A volunteer checks themselves in ("I'm here": userID 0 or their own
// id) from CheckinOpensBefore the start until DoorClosesAfter the end; an organiser checks in
// anyone signed up from the same moment on, also later from the list. Checking in twice returns
// the first check-in; a check-in replaces hours the volunteer had logged.
func CheckInVolunteer(ctx context.Context, db *gorm.DB, actor *User, shiftID, userID int64) (*VolunteerHours, error) {
	if actor == nil {
		return nil, ErrForbidden
	}
	self := userID == 0 || userID == actor.ID
	var s *Shift
	var err error
	if self {
		userID = actor.ID
		s, _, err = ShiftByID(ctx, db, actor, shiftID)
	} else {
		s, _, err = organisedShift(ctx, db, actor, shiftID)
	}
	if err != nil {
		return nil, err
	}
	now := time.Now()
	switch {
	case s.Cancelled():
		return nil, FieldErrors{"shift": "shift.cancelled"}
	case now.Before(s.StartsAt.Add(-CheckinOpensBefore)):
		return nil, FieldErrors{"shift": "hours.checkin_not_open"}
	case self && now.After(s.EndsAt.Add(DoorClosesAfter)):
		return nil, FieldErrors{"shift": "hours.checkin_closed"}
	}
	if err := mustBeSignedUp(ctx, db, s.ID, userID); err != nil {
		return nil, err
	}
	method := "list"
	if self {
		method = "self"
	}
	h := &VolunteerHours{}
	res := db.WithContext(ctx).Raw(`INSERT INTO volunteer_hours (shift_id, need_id, neighbourhood_id, user_id, minutes, source, method,
			status, recorded_by, decided_by, decided_at)
		SELECT s.id, s.need_id, s.neighbourhood_id, ?, shift_minutes(s), 'checkin', ?, 'confirmed', ?, ?, now() FROM shifts s WHERE s.id = ?
		ON CONFLICT ON CONSTRAINT volunteer_hours_once DO UPDATE SET source = 'checkin', method = EXCLUDED.method,
			minutes = EXCLUDED.minutes, status = 'confirmed', recorded_by = EXCLUDED.recorded_by, decided_by = EXCLUDED.decided_by,
			decided_at = now()
		WHERE volunteer_hours.source = 'logged'
		RETURNING *`, userID, method, actor.ID, actor.ID, s.ID).Scan(h)
	if res.Error != nil {
		return nil, fmt.Errorf("check in volunteer: %w", res.Error)
	}
	if res.RowsAffected == 0 { // already checked in
		if err := db.WithContext(ctx).Where("shift_id = ? AND user_id = ?", s.ID, userID).Take(h).Error; err != nil {
			return nil, fmt.Errorf("load check-in: %w", err)
		}
	}
	return h, nil
}

// mustBeSignedUp refuses hours for someone who has no place on the shift.
func mustBeSignedUp(ctx context.Context, db *gorm.DB, shiftID, userID int64) error {
	var n int64
	err := db.WithContext(ctx).Model(&ShiftSignup{}).Where("shift_id = ? AND user_id = ? AND status = 'signed_up'", shiftID, userID).Count(&n).Error
	if err != nil {
		return fmt.Errorf("look up sign-up: %w", err)
	}
	if n == 0 {
		return FieldErrors{"user_id": "hours.not_signed_up"}
	}
	return nil
}

// HoursInput is hours logged afterwards: how many minutes (0: the whole shift) and a note.
type HoursInput struct {
	Minutes int    `json:"minutes"`
	Note    string `json:"note"`
}

// LogHours records, after a shift started, the time a volunteer signed up for it gave, for an
// organiser to confirm; the need's contact organiser is told. Logging again changes the minutes
// while they wait; hours from a check-in, or already decided, are not changed.
func LogHours(ctx context.Context, db *gorm.DB, actor *User, shiftID int64, in HoursInput) (*VolunteerHours, error) {
	if actor == nil {
		return nil, ErrForbidden
	}
	s, n, err := ShiftByID(ctx, db, actor, shiftID)
	if err != nil {
		return nil, err
	}
	switch {
	case s.Cancelled():
		return nil, FieldErrors{"shift": "shift.cancelled"}
	case time.Now().Before(s.StartsAt):
		return nil, FieldErrors{"shift": "hours.not_started"}
	}
	minutes := in.Minutes
	if minutes == 0 {
		minutes = s.Minutes()
	}
	note := strings.TrimSpace(in.Note)
	fe := FieldErrors{}
	if minutes < 1 || minutes > 1440 {
		fe["minutes"] = "hours.minutes.invalid"
	}
	if utf8.RuneCountInString(note) > 500 {
		fe["note"] = "hours.note.too_long"
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	if err := mustBeSignedUp(ctx, db, s.ID, actor.ID); err != nil {
		return nil, err
	}
	h := &VolunteerHours{}
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Raw(`INSERT INTO volunteer_hours (shift_id, need_id, neighbourhood_id, user_id, minutes, source, status, note, recorded_by)
			VALUES (?, ?, ?, ?, ?, 'logged', 'pending', ?, ?)
			ON CONFLICT ON CONSTRAINT volunteer_hours_once DO UPDATE SET minutes = EXCLUDED.minutes, note = EXCLUDED.note
			WHERE volunteer_hours.source = 'logged' AND volunteer_hours.status = 'pending'
			RETURNING *`, s.ID, n.ID, n.NeighbourhoodID, actor.ID, minutes, note, actor.ID).Scan(h)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return FieldErrors{"shift": "hours.already_recorded"}
		}
		if n.OrganiserID == nil {
			return nil
		}
		return needNotification(NotifyHoursToConfirm, n.ID, &s.ID, &actor.ID, "").toUsers(tx, []int64{*n.OrganiserID})
	})
	if err != nil {
		var fe FieldErrors
		if errors.As(err, &fe) {
			return nil, err
		}
		return nil, fmt.Errorf("log hours: %w", err)
	}
	return h, nil
}

// DecideHours confirms or rejects logged hours (the need's organisers). Hours already decided are
// not changed.
func DecideHours(ctx context.Context, db *gorm.DB, actor *User, hoursID int64, confirm bool) (*VolunteerHours, error) {
	var h VolunteerHours
	err := db.WithContext(ctx).Take(&h, hoursID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load hours %d: %w", hoursID, err)
	}
	if _, err := organisedNeed(ctx, db, actor, h.NeedID); err != nil {
		return nil, err
	}
	status := HoursRejected
	if confirm {
		status = HoursConfirmed
	}
	res := db.WithContext(ctx).Raw(`UPDATE volunteer_hours SET status = ?, decided_by = ?, decided_at = now()
		WHERE id = ? AND status = 'pending' RETURNING *`, status, actor.ID, h.ID).Scan(&h)
	if res.Error != nil {
		return nil, fmt.Errorf("decide hours: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, FieldErrors{"hours": "hours.already_decided"}
	}
	return &h, nil
}

// HoursLine is recorded hours with the need and shift they were given for.
type HoursLine struct {
	VolunteerHours
	NeedTitle     string    `json:"need_title"`
	ShiftStartsAt time.Time `json:"shift_starts_at"`
	ShiftEndsAt   time.Time `json:"shift_ends_at"`
	DisplayName   string    `json:"display_name,omitempty"`
}

// MyHours is a volunteer's record: every line, newest first, and the confirmed total per month
// (in the installation's time zone) for a confirmation of their volunteer work.
type MyHours struct {
	Lines            []HoursLine    `json:"lines"`
	Months           []MonthMinutes `json:"months"`
	ConfirmedMinutes int            `json:"confirmed_minutes"`
	PendingMinutes   int            `json:"pending_minutes"`
}

// MonthMinutes is the confirmed time in one month.
type MonthMinutes struct {
	Month   string `json:"month"` // 2026-03
	Minutes int    `json:"minutes"`
	Shifts  int    `json:"shifts"`
}

// HoursOf gathers a volunteer's hours.
func HoursOf(ctx context.Context, db *gorm.DB, u *User) (*MyHours, error) {
	if u == nil {
		return nil, ErrForbidden
	}
	out := &MyHours{Lines: []HoursLine{}, Months: []MonthMinutes{}}
	err := db.WithContext(ctx).Raw(`SELECT h.*, n.title AS need_title, s.starts_at AS shift_starts_at, s.ends_at AS shift_ends_at
		FROM volunteer_hours h JOIN shifts s ON s.id = h.shift_id JOIN needs n ON n.id = h.need_id
		WHERE h.user_id = ? ORDER BY s.starts_at DESC, h.id DESC LIMIT 1000`, u.ID).Scan(&out.Lines).Error
	if err != nil {
		return nil, fmt.Errorf("list hours: %w", err)
	}
	err = db.WithContext(ctx).Raw(`SELECT to_char(date_trunc('month', s.starts_at AT TIME ZONE n.timezone), 'YYYY-MM') AS month,
			sum(h.minutes)::int AS minutes, count(*)::int AS shifts
		FROM volunteer_hours h JOIN shifts s ON s.id = h.shift_id JOIN needs n ON n.id = h.need_id
		WHERE h.user_id = ? AND h.status = 'confirmed' GROUP BY 1 ORDER BY 1 DESC`, u.ID).Scan(&out.Months).Error
	if err != nil {
		return nil, fmt.Errorf("sum hours: %w", err)
	}
	for _, l := range out.Lines {
		switch l.Status {
		case HoursConfirmed:
			out.ConfirmedMinutes += l.Minutes
		case HoursPending:
			out.PendingMinutes += l.Minutes
		}
	}
	return out, nil
}

// HoursToConfirm lists the hours logged for a need that wait for its organisers.
func HoursToConfirm(ctx context.Context, db *gorm.DB, actor *User, needID int64) ([]HoursLine, error) {
	if _, err := organisedNeed(ctx, db, actor, needID); err != nil {
		return nil, err
	}
	out := []HoursLine{}
	err := db.WithContext(ctx).Raw(`SELECT h.*, n.title AS need_title, s.starts_at AS shift_starts_at, s.ends_at AS shift_ends_at,
			coalesce(u.display_name, '') AS display_name
		FROM volunteer_hours h JOIN shifts s ON s.id = h.shift_id JOIN needs n ON n.id = h.need_id JOIN users u ON u.id = h.user_id
		WHERE h.need_id = ? AND h.status = 'pending' ORDER BY s.starts_at, h.id`, needID).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list hours to confirm: %w", err)
	}
	return out, nil
}

// FiguresFilter selects the neighbourhoods (none: every one the viewer may see figures of) and
// the months (From and To, first days of months, both included) of a report.
type FiguresFilter struct {
	NeighbourhoodID int64
	From, To        Date
}

// HoursRow is the confirmed volunteer work in one neighbourhood in one month.
type HoursRow struct {
	NeighbourhoodID int64  `json:"neighbourhood_id"`
	Neighbourhood   string `json:"neighbourhood"`
	Month           string `json:"month"` // 2026-03
	Volunteers      int    `json:"volunteers"`
	Shifts          int    `json:"shifts"`
	Minutes         int    `json:"minutes"`
}

// HoursByMonth reports confirmed hours per neighbourhood and month (of the shift's start), for the
// neighbourhoods whose figures the actor may see (CanSeeVolunteerFigures). Who gave them is not
// in it.
func HoursByMonth(ctx context.Context, db *gorm.DB, actor *User, f FiguresFilter) ([]HoursRow, error) {
	hoods, err := figuresNeighbourhoods(ctx, db, actor, f.NeighbourhoodID)
	if err != nil {
		return nil, err
	}
	from, to, err := f.months()
	if err != nil {
		return nil, err
	}
	out := []HoursRow{}
	err = db.WithContext(ctx).Raw(`SELECT h.neighbourhood_id, nb.name AS neighbourhood,
			to_char(date_trunc('month', s.starts_at AT TIME ZONE n.timezone), 'YYYY-MM') AS month,
			count(DISTINCT h.user_id)::int AS volunteers, count(DISTINCT h.shift_id)::int AS shifts, sum(h.minutes)::int AS minutes
		FROM volunteer_hours h JOIN shifts s ON s.id = h.shift_id JOIN needs n ON n.id = h.need_id
		JOIN neighbourhoods nb ON nb.id = h.neighbourhood_id
		WHERE h.status = 'confirmed' AND (? OR h.neighbourhood_id = ANY(?::bigint[]))
			AND (s.starts_at AT TIME ZONE n.timezone) >= ?::date AND (s.starts_at AT TIME ZONE n.timezone) < (?::date + interval '1 month')
		GROUP BY h.neighbourhood_id, nb.name, 3 ORDER BY nb.name, h.neighbourhood_id, 3`,
		hoods == nil, int64Array(hoods), from, to).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("report hours: %w", err)
	}
	return out, nil
}

// months are the report's first and last month, by default the last twelve.
func (f FiguresFilter) months() (string, string, error) {
	now := time.Now()
	to := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	if !f.To.IsZero() {
		to = time.Date(f.To.Time().Year(), f.To.Time().Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	from := to.AddDate(0, -11, 0)
	if !f.From.IsZero() {
		from = time.Date(f.From.Time().Year(), f.From.Time().Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	if to.Before(from) || to.After(from.AddDate(10, 0, 0)) {
		return "", "", FieldErrors{"to": "figures.months.invalid"}
	}
	return from.Format(time.DateOnly), to.Format(time.DateOnly), nil
}

// figuresNeighbourhoods are the neighbourhoods a report covers: the one asked for, when the actor
// may see its figures; otherwise all of them for a coordinator (nil) and a worker's own.
func figuresNeighbourhoods(ctx context.Context, db *gorm.DB, actor *User, hood int64) ([]int64, error) {
	if actor == nil || actor.Role == RoleResident {
		return nil, ErrForbidden
	}
	if hood != 0 {
		if _, err := NeighbourhoodByID(ctx, db, hood); err != nil {
			return nil, err
		}
		ok, err := CanSeeVolunteerFigures(ctx, db, actor, hood)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, ErrForbidden
		}
		return []int64{hood}, nil
	}
	if actor.Role == RoleCoordinator {
		return nil, nil
	}
	var ids []int64
	if err := db.WithContext(ctx).Raw("SELECT neighbourhood_id FROM neighbourhood_workers WHERE user_id = ? ORDER BY 1", actor.ID).
		Scan(&ids).Error; err != nil {
		return nil, fmt.Errorf("list neighbourhoods of worker: %w", err)
	}
	return append(ids, 0), nil // never empty: an empty list would mean every neighbourhood
}

// CoverageRow is how well a need's shifts in a period are covered.
type CoverageRow struct {
	NeedID          int64      `json:"need_id"`
	Title           string     `json:"title"`
	NeighbourhoodID int64      `json:"neighbourhood_id"`
	Status          NeedStatus `json:"status"`
	Shifts          int        `json:"shifts"`
	Places          int        `json:"places"`
	PlacesTaken     int        `json:"places_taken"`
	Reserve         int        `json:"reserve"`
	FullShifts      int        `json:"full_shifts"`
	// NextOpenShift is the start of the first shift in the period with places left.
	NextOpenShift *time.Time `json:"next_open_shift"`
}

// Coverage reports, per need with shifts between from and to (not cancelled), the places taken
// and left, for the neighbourhoods whose figures the actor may see; least covered first.
func Coverage(ctx context.Context, db *gorm.DB, actor *User, hood int64, from, to time.Time) ([]CoverageRow, error) {
	hoods, err := figuresNeighbourhoods(ctx, db, actor, hood)
	if err != nil {
		return nil, err
	}
	if !to.After(from) || to.Sub(from) > 400*24*time.Hour {
		return nil, FieldErrors{"to": "figures.period.invalid"}
	}
	out := []CoverageRow{}
	err = db.WithContext(ctx).Raw(`SELECT n.id AS need_id, n.title, n.neighbourhood_id, n.status, count(*)::int AS shifts,
			sum(s.places)::int AS places, sum(s.places_taken)::int AS places_taken, sum(s.reserve_count)::int AS reserve,
			count(*) FILTER (WHERE s.places_taken >= s.places)::int AS full_shifts,
			min(s.starts_at) FILTER (WHERE s.places_taken < s.places) AS next_open_shift
		FROM shifts s JOIN needs n ON n.id = s.need_id
		WHERE s.cancelled_at IS NULL AND s.starts_at >= ? AND s.starts_at < ? AND (? OR s.neighbourhood_id = ANY(?::bigint[]))
		GROUP BY n.id ORDER BY sum(s.places_taken)::float / sum(s.places), n.id LIMIT 1000`,
		from, to, hoods == nil, int64Array(hoods)).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("report coverage: %w", err)
	}
	return out, nil
}
