package models

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"nabij/models/recurrence"
)

// MeetupSeries is a recurring meetup: a bounded RFC 5545 repeat rule from its first start, at the
// same wall-clock time in its time zone. It has exactly one Meetup per start of the rule, cancelled
// ones included, so a calendar feed writes the rule with EXDATEs for the cancelled occurrences and
// RECURRENCE-IDs (Meetup.OccurrenceStart) for the changed ones.
type MeetupSeries struct {
	ID              int64     `json:"id"`
	NeighbourhoodID int64     `json:"neighbourhood_id"`
	GroupID         *int64    `json:"group_id"`
	RRule           string    `json:"rrule" gorm:"column:rrule"`
	Timezone        string    `json:"timezone"`
	FirstStart      time.Time `json:"first_start"`
	DurationSeconds int       `json:"duration_seconds"`
	// SplitFrom is the series this one was split off by a change to "this and later" occurrences.
	SplitFrom *int64    `json:"split_from"`
	CreatedBy *int64    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// TableName is the table of series.
func (MeetupSeries) TableName() string { return "meetup_series" }

// Location is the series' time zone.
func (s *MeetupSeries) Location() (*time.Location, error) {
	loc, err := time.LoadLocation(s.Timezone)
	if err != nil {
		return nil, fmt.Errorf("time zone of series %d: %w", s.ID, err)
	}
	return loc, nil
}

// SeriesByID returns a series whose meetups the viewer may see.
func SeriesByID(ctx context.Context, db *gorm.DB, viewer *User, id int64) (*MeetupSeries, error) {
	var visible []int64
	err := db.WithContext(ctx).Model(&Meetup{}).Scopes(MeetupVisibleTo(viewer)).Where("meetups.series_id = ?", id).
		Limit(1).Pluck("meetups.id", &visible).Error
	if err != nil {
		return nil, fmt.Errorf("load series %d: %w", id, err)
	}
	if len(visible) == 0 {
		return nil, ErrNotFound
	}
	var s MeetupSeries
	if err := db.WithContext(ctx).Take(&s, id).Error; err != nil {
		return nil, fmt.Errorf("load series %d: %w", id, err)
	}
	return &s, nil
}

// seriesRule is a validated repeat rule with the time zone it keeps its wall-clock time in.
type seriesRule struct {
	rule     *recurrence.Rule
	loc      *time.Location
	first    time.Time
	duration time.Duration
}

// newSeriesRule validates text for a series starting at first. Refusals are *recurrence.Error.
func newSeriesRule(text string, first time.Time, duration time.Duration, loc *time.Location) (*seriesRule, error) {
	if loc == nil || loc == time.Local || loc.String() == "" || loc.String() == "Local" {
		return nil, errors.New("a recurring meetup needs a named time zone such as Europe/Brussels")
	}
	r, err := recurrence.Parse(text, first, duration, loc)
	if err != nil {
		return nil, err
	}
	return &seriesRule{rule: r, loc: loc, first: first.In(loc), duration: duration}, nil
}

// starts are the starts of all occurrences.
func (s *seriesRule) starts() []time.Time {
	occ := s.rule.Occurrences(s.first, s.first.AddDate(recurrence.MaxYears+1, 0, 0), 0)
	out := make([]time.Time, len(occ))
	for i, o := range occ {
		out[i] = o.Start
	}
	return out
}

// rruleMessage is the message id of a refused repeat rule.
func rruleMessage(err error) (string, bool) {
	var re *recurrence.Error
	if errors.As(err, &re) {
		return re.ID, true
	}
	return "", false
}

// createSeries stores the series of template m and one meetup per occurrence, and returns the first.
func createSeries(ctx context.Context, db *gorm.DB, m *Meetup, rule *seriesRule, createdBy *int64) (*Meetup, error) {
	s := &MeetupSeries{NeighbourhoodID: m.NeighbourhoodID, GroupID: m.GroupID, RRule: rule.rule.String(), Timezone: rule.loc.String(),
		FirstStart: rule.first, DurationSeconds: int(rule.duration / time.Second), CreatedBy: createdBy}
	starts := rule.starts()
	rows := make([]Meetup, len(starts))
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(s).Error; err != nil {
			return err
		}
		for i, start := range starts {
			rows[i] = *m
			rows[i].SeriesID, rows[i].OccurrenceStart = &s.ID, &starts[i]
			rows[i].StartsAt, rows[i].EndsAt = start, start.Add(rule.duration)
			rows[i].DoorCode = newSecret(12)
		}
		return tx.CreateInBatches(rows, 100).Error
	})
	if err != nil {
		return nil, fmt.Errorf("create recurring meetup: %w", err)
	}
	return &rows[0], nil
}

// updateLater changes occurrence id and all later ones of its series, within tx. The later
// occurrences become a series of their own (unless id is the first), so the earlier ones keep
// their rule. A new time moves every later occurrence by the days this one moved, to its new
// time of day and length; a rule that no longer fits (BYDAY=TU for a meetup moved to Wednesday)
// is refused.
func updateLater(tx *gorm.DB, id int64, in MeetupInput, change *MeetupChange) error {
	m, err := lockMeetup(tx, id)
	if err != nil {
		return err
	}
	if m.Status == MeetupCancelled {
		return FieldErrors{"status": "meetup.cancelled"}
	}
	var s MeetupSeries
	if err := tx.Clauses(lockNoKeyUpdate).Take(&s, *m.SeriesID).Error; err != nil {
		return err
	}
	loc, err := s.Location()
	if err != nil {
		return err
	}
	var rows []Meetup
	if err := tx.Clauses(lockNoKeyUpdate).Where("series_id = ? AND occurrence_start >= ?", s.ID, *m.OccurrenceStart).
		Order("occurrence_start").Find(&rows).Error; err != nil {
		return err
	}
	var earlier []time.Time
	if err := tx.Model(&Meetup{}).Where("series_id = ? AND occurrence_start < ?", s.ID, *m.OccurrenceStart).
		Order("occurrence_start").Pluck("occurrence_start", &earlier).Error; err != nil {
		return err
	}

	shift, duration, moved, fe := newTimes(m, in, loc, time.Duration(s.DurationSeconds)*time.Second)
	if err := fe.Err(); err != nil {
		return err
	}
	starts := make([]time.Time, len(rows))
	for i := range rows {
		starts[i] = shift(*rows[i].OccurrenceStart)
	}

	target := &s
	original := s.RRule
	if len(earlier) > 0 {
		if err := boundSeries(&s, loc, len(earlier), m.OccurrenceStart.Add(-time.Second), earlier); err != nil {
			return err
		}
		if err := tx.Save(&s).Error; err != nil {
			return err
		}
		target = &MeetupSeries{NeighbourhoodID: s.NeighbourhoodID, GroupID: s.GroupID, Timezone: s.Timezone, SplitFrom: &s.ID, CreatedBy: s.CreatedBy}
	}
	target.RRule = original
	if err := boundSeries(target, loc, len(starts), starts[len(starts)-1], starts); err != nil {
		if id, ok := rruleMessage(err); ok {
			return FieldErrors{"starts_at": id}
		}
		return err
	}
	target.FirstStart, target.DurationSeconds, target.UpdatedAt = starts[0], int(duration/time.Second), time.Now()
	if err := tx.Save(target).Error; err != nil {
		return err
	}

	rest := in
	rest.StartsAt, rest.EndsAt = nil, nil
	for i := range rows {
		r := &rows[i]
		r.SeriesID = &target.ID
		if moved {
			r.OccurrenceStart, r.StartsAt, r.EndsAt = &starts[i], starts[i], starts[i].Add(duration)
		}
		if r.Status == MeetupCancelled {
			r.Sequence++
			if err := tx.Save(r).Error; err != nil {
				return err
			}
			change.Meetups = append(change.Meetups, *r)
			continue
		}
		if err := saveChanged(tx, r, rest, change); err != nil {
			return err
		}
	}
	return nil
}

// newTimes works out how a change of this occurrence's time moves the later ones: shift maps an
// occurrence's start in the rule to its new start. Without a change of time, shift changes nothing.
func newTimes(m *Meetup, in MeetupInput, loc *time.Location, duration time.Duration) (shift func(time.Time) time.Time, d time.Duration, moved bool, fe FieldErrors) {
	start, end := m.StartsAt, m.EndsAt
	if in.StartsAt != nil {
		start = in.StartsAt.Truncate(time.Second)
	}
	if in.EndsAt != nil {
		end = in.EndsAt.Truncate(time.Second)
	}
	same := func(t time.Time) time.Time { return t }
	if start.Equal(m.StartsAt) && end.Equal(m.EndsAt) {
		return same, duration, false, nil
	}
	switch {
	case !end.After(start):
		return same, 0, false, FieldErrors{"ends_at": "meetup.end_before_start"}
	case end.Sub(start) > MaxMeetupLength:
		return same, 0, false, FieldErrors{"ends_at": "meetup.too_long"}
	}
	from, to := m.OccurrenceStart.In(loc), start.In(loc)
	days := civilDays(from, to)
	h, mi, sec := to.Clock()
	shift = func(t time.Time) time.Time {
		l := t.In(loc)
		return time.Date(l.Year(), l.Month(), l.Day()+days, h, mi, sec, 0, loc)
	}
	return shift, end.Sub(start), true, nil
}

// civilDays is the number of calendar days from a's date to b's date, each in its own location.
func civilDays(a, b time.Time) int {
	da := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, time.UTC)
	db := time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)
	return int(math.Round(db.Sub(da).Hours() / 24))
}

// boundSeries rewrites s.RRule to end after count occurrences (a rule with COUNT) or at until (a
// rule with UNTIL), starting at want[0], and checks that the rule gives exactly the starts want.
func boundSeries(s *MeetupSeries, loc *time.Location, count int, until time.Time, want []time.Time) error {
	var parts []string
	hasCount := false
	for _, p := range strings.Split(s.RRule, ";") {
		switch {
		case strings.HasPrefix(p, "COUNT="):
			hasCount = true
		case strings.HasPrefix(p, "UNTIL="):
		default:
			parts = append(parts, p)
		}
	}
	if hasCount {
		parts = append(parts, "COUNT="+strconv.Itoa(count))
	} else {
		parts = append(parts, "UNTIL="+until.UTC().Format("20060102T150405Z"))
	}
	duration := time.Duration(s.DurationSeconds) * time.Second
	rule, err := newSeriesRule(strings.Join(parts, ";"), want[0], max(duration, time.Second), loc)
	if err != nil {
		return err
	}
	got := rule.starts()
	if len(got) != len(want) {
		return recurrence.ErrStartMismatch
	}
	for i := range got {
		if !got[i].Equal(want[i]) {
			return recurrence.ErrStartMismatch
		}
	}
	s.RRule, s.FirstStart, s.UpdatedAt = rule.rule.String(), want[0], time.Now()
	return nil
}
