package models

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// createSeries publishes a recurring neighbourhood meetup of two hours from start.
func (w *hoodWorld) series(t *testing.T, rule string, start time.Time, capacity int) []Meetup {
	t.Helper()
	in := NewMeetup{NeighbourhoodID: w.hood, RRule: rule, MeetupInput: meetupInput("Soepmiddag", start, capacity)}
	first, err := CreateMeetup(t.Context(), w.db, w.worker, in, brussels(t))
	if err != nil {
		t.Fatal(err)
	}
	return w.occurrences(t, *first.SeriesID)
}

// occurrences are a series' meetups by start.
func (w *hoodWorld) occurrences(t *testing.T, seriesID int64) []Meetup {
	t.Helper()
	var ms []Meetup
	if err := w.db.Where("series_id = ?", seriesID).Order("starts_at").Find(&ms).Error; err != nil {
		t.Fatal(err)
	}
	return ms
}

func (w *hoodWorld) seriesRow(t *testing.T, id int64) MeetupSeries {
	t.Helper()
	var s MeetupSeries
	if err := w.db.Take(&s, id).Error; err != nil {
		t.Fatal(err)
	}
	return s
}

// nextMarchChange is a Tuesday evening two weeks before the last Sunday of March next year (the
// change to summer time in Europe/Brussels), so that a weekly series crosses it in the future.
func nextMarchChange(t *testing.T) time.Time {
	loc := brussels(t)
	y := time.Now().Year() + 1
	sunday := time.Date(y, 3, 31, 12, 0, 0, 0, loc)
	for sunday.Weekday() != time.Sunday {
		sunday = sunday.AddDate(0, 0, -1)
	}
	tuesday := sunday.AddDate(0, 0, -12)
	return time.Date(tuesday.Year(), tuesday.Month(), tuesday.Day(), 19, 0, 0, 0, loc)
}

func localTimes(ms []Meetup, loc *time.Location) string {
	var out []string
	for _, m := range ms {
		out = append(out, m.StartsAt.In(loc).Format("Mon 01-02 15:04")+"-"+m.EndsAt.In(loc).Format("15:04"))
	}
	return strings.Join(out, ", ")
}

func TestSeriesKeepsTheLocalHourAcrossBothDaylightSavingChanges(t *testing.T) {
	w := newHoodWorld(t)
	loc := brussels(t)
	ms := w.series(t, "FREQ=WEEKLY;UNTIL=20261105", time.Date(2026, 3, 19, 19, 0, 0, 0, loc), 15)
	if len(ms) != 34 {
		t.Fatalf("%d occurrences, want 34 Thursdays from 19 March to 5 November", len(ms))
	}
	utc := map[string]string{}
	for _, m := range ms {
		l := m.StartsAt.In(loc)
		if l.Weekday() != time.Thursday || l.Hour() != 19 || l.Minute() != 0 || m.EndsAt.Sub(m.StartsAt) != 2*time.Hour {
			t.Errorf("occurrence at %s until %s, want Thursday 19:00-21:00", l, m.EndsAt.In(loc))
		}
		if !m.OccurrenceStart.Equal(m.StartsAt) || *m.Capacity != 15 || m.Status != MeetupPublished {
			t.Errorf("occurrence %d: occurrence start %s, capacity %d, status %s", m.ID, m.OccurrenceStart, *m.Capacity, m.Status)
		}
		utc[l.Format("2006-01-02")] = m.StartsAt.UTC().Format("15:04")
	}
	for day, want := range map[string]string{"2026-03-26": "18:00", "2026-04-02": "17:00", "2026-10-22": "17:00", "2026-10-29": "18:00"} {
		if utc[day] != want {
			t.Errorf("%s starts at %s UTC, want %s", day, utc[day], want)
		}
	}
	s := w.seriesRow(t, *ms[0].SeriesID)
	if s.RRule != "FREQ=WEEKLY;UNTIL=20261105T225959Z" || s.Timezone != "Europe/Brussels" || s.DurationSeconds != 7200 ||
		!s.FirstStart.Equal(ms[0].StartsAt) {
		t.Errorf("series %+v", s)
	}
	if ms[0].DoorCode == ms[1].DoorCode {
		t.Error("occurrences share a door code")
	}
}

func TestChangingOneOccurrenceKeepsItsPlaceInTheSeries(t *testing.T) {
	w := newHoodWorld(t)
	loc := brussels(t)
	ms := w.series(t, "FREQ=WEEKLY;COUNT=4", nextMarchChange(t), 10)
	later := ms[1].StartsAt.Add(time.Hour)
	end := later.Add(time.Hour)
	change, err := UpdateMeetup(t.Context(), w.db, w.worker, ms[1].ID, MeetupInput{StartsAt: &later, EndsAt: &end, Title: ptr("Soep om acht")}, OnlyThis)
	if err != nil {
		t.Fatal(err)
	}
	if len(change.Meetups) != 1 {
		t.Fatalf("changed %d meetups, want 1", len(change.Meetups))
	}
	now := w.occurrences(t, *ms[0].SeriesID)
	if got := localTimes(now, loc); !strings.Contains(got, "20:00-21:00") || strings.Count(got, "19:00-21:00") != 3 {
		t.Errorf("times now %s: want only the second moved", got)
	}
	if !now[1].OccurrenceStart.Equal(ms[1].StartsAt) || now[1].Title != "Soep om acht" || now[2].Title != "Soepmiddag" || now[1].Sequence != 1 {
		t.Errorf("moved occurrence %+v: keeps its original start, others keep their title", now[1])
	}
}

func TestChangingThisAndLaterSplitsTheSeriesAcrossDaylightSaving(t *testing.T) {
	w := newHoodWorld(t)
	loc := brussels(t)
	ms := w.series(t, "FREQ=WEEKLY;COUNT=6", nextMarchChange(t), 10)
	old := *ms[0].SeriesID
	bob, err := SetRSVP(t.Context(), w.db, w.bob, ms[3].ID, RSVPInput{Status: RSVPGoing})
	if err != nil {
		t.Fatal(err)
	}
	// The second is the last one in winter time; the change applies to it and the four after the
	// change to summer time.
	start := ms[1].StartsAt.Add(time.Hour)
	end := start.Add(150 * time.Minute)
	change, err := UpdateMeetup(t.Context(), w.db, w.worker, ms[1].ID,
		MeetupInput{StartsAt: &start, EndsAt: &end, Title: ptr("Avondsoep"), Capacity: ptr(30)}, ThisAndLater)
	if err != nil {
		t.Fatal(err)
	}
	if len(change.Meetups) != 5 {
		t.Fatalf("changed %d meetups, want 5", len(change.Meetups))
	}
	before, after := w.occurrences(t, old), w.occurrences(t, *change.Meetups[0].SeriesID)
	if got := localTimes(before, loc); strings.Count(got, "19:00-21:00") != 1 || len(before) != 1 {
		t.Errorf("earlier occurrences %s, want one unchanged", got)
	}
	if got := localTimes(after, loc); strings.Count(got, "Tue") != 5 || strings.Count(got, "20:00-22:30") != 5 || len(after) != 5 {
		t.Errorf("later occurrences %s, want five Tuesdays 20:00-22:30 on both sides of the change to summer time", got)
	}
	if off := after[0].StartsAt.Sub(after[1].StartsAt.AddDate(0, 0, -7)); off != time.Hour {
		t.Errorf("a week apart across the change is %s less in real time, want 1h", off)
	}
	for _, m := range after {
		if m.Title != "Avondsoep" || *m.Capacity != 30 || !m.OccurrenceStart.Equal(m.StartsAt) {
			t.Errorf("later occurrence %+v", m)
		}
	}
	if after[2].ID != ms[3].ID || after[2].SeatsTaken != 1 {
		t.Errorf("Bob's sign-up (%d) did not stay with its occurrence", bob.RSVP.ID)
	}
	s1, s2 := w.seriesRow(t, old), w.seriesRow(t, *after[0].SeriesID)
	if s1.RRule != "FREQ=WEEKLY;COUNT=1" || s2.RRule != "FREQ=WEEKLY;COUNT=5" || s2.SplitFrom == nil || *s2.SplitFrom != old ||
		!s2.FirstStart.Equal(after[0].StartsAt) || s2.DurationSeconds != 9000 {
		t.Errorf("series after split: %+v and %+v", s1, s2)
	}

	// The fifth moves to Wednesday "and later": the rule has no BYDAY, so the days move along.
	wed := after[3].StartsAt.AddDate(0, 0, 1)
	wedEnd := wed.Add(time.Hour)
	if _, err := UpdateMeetup(t.Context(), w.db, w.worker, after[3].ID, MeetupInput{StartsAt: &wed, EndsAt: &wedEnd}, ThisAndLater); err != nil {
		t.Fatal(err)
	}
	var all []Meetup
	w.db.Where("neighbourhood_id = ?", w.hood).Order("starts_at").Find(&all)
	if got := localTimes(all[4:], loc); strings.Count(got, "Wed") != 2 || strings.Count(got, "20:00-21:00") != 2 {
		t.Errorf("after moving the fifth and later to Wednesday: %s", got)
	}
	figures, err := SeriesAttendance(t.Context(), w.db, w.worker, old)
	if err != nil || len(figures) != 6 {
		t.Errorf("attendance of the whole series: %v, %d occurrences, want 6", err, len(figures))
	}
}

func TestThisAndLaterRefusesATimeTheRepeatRuleCannotKeep(t *testing.T) {
	w := newHoodWorld(t)
	ms := w.series(t, "FREQ=WEEKLY;BYDAY=TU;COUNT=4", nextMarchChange(t), 10)
	wed := ms[1].StartsAt.AddDate(0, 0, 1)
	end := wed.Add(time.Hour)
	_, err := UpdateMeetup(t.Context(), w.db, w.worker, ms[1].ID, MeetupInput{StartsAt: &wed, EndsAt: &end, Title: ptr("Woensdag")}, ThisAndLater)
	wantField(t, err, "rrule.start_mismatch")
	now := w.occurrences(t, *ms[0].SeriesID)
	if len(now) != 4 || localTimes(now, brussels(t)) != localTimes(ms, brussels(t)) || now[1].Title != ms[1].Title {
		t.Errorf("after a refused change: %s", localTimes(now, brussels(t)))
	}
	if n := count(t, w.db, "meetup_series"); n != 1 {
		t.Errorf("%d series after a refused split, want 1", n)
	}
	if s := w.seriesRow(t, *ms[0].SeriesID); s.RRule != "FREQ=WEEKLY;COUNT=4;BYDAY=TU" {
		t.Errorf("rule changed to %s", s.RRule)
	}
	// Only this one on Wednesday is fine: it keeps its place in the rule.
	if _, err := UpdateMeetup(t.Context(), w.db, w.worker, ms[1].ID, MeetupInput{StartsAt: &wed, EndsAt: &end}, OnlyThis); err != nil {
		t.Error(err)
	}
}

func TestSplittingAnUntilRuleEndsTheEarlierPartBeforeTheChange(t *testing.T) {
	w := newHoodWorld(t)
	first := nextMarchChange(t)
	until := first.AddDate(0, 0, 28).UTC().Format("20060102")
	ms := w.series(t, "FREQ=WEEKLY;UNTIL="+until, first, 0)
	if len(ms) != 5 {
		t.Fatalf("%d occurrences, want 5", len(ms))
	}
	change, err := UpdateMeetup(t.Context(), w.db, w.worker, ms[3].ID, MeetupInput{Description: ptr("Neem een kom mee")}, ThisAndLater)
	if err != nil {
		t.Fatal(err)
	}
	s1, s2 := w.seriesRow(t, *ms[0].SeriesID), w.seriesRow(t, *change.Meetups[0].SeriesID)
	wantOld := "FREQ=WEEKLY;UNTIL=" + ms[3].StartsAt.Add(-time.Second).UTC().Format("20060102T150405Z")
	wantNew := "FREQ=WEEKLY;UNTIL=" + ms[4].StartsAt.UTC().Format("20060102T150405Z")
	if s1.RRule != wantOld || s2.RRule != wantNew {
		t.Errorf("rules %s and %s, want %s and %s", s1.RRule, s2.RRule, wantOld, wantNew)
	}
	if got := w.occurrences(t, s2.ID); len(got) != 2 || got[0].Description != "Neem een kom mee" || !got[0].StartsAt.Equal(ms[3].StartsAt) {
		t.Errorf("later part %+v", got)
	}
}

func TestCancellingOneOccurrenceOrThisAndLater(t *testing.T) {
	w := newHoodWorld(t)
	ms := w.series(t, "FREQ=WEEKLY;COUNT=6", nextMarchChange(t), 10)
	on2, _ := SetRSVP(t.Context(), w.db, w.bob, ms[1].ID, RSVPInput{Status: RSVPGoing})
	on5, _ := SetRSVP(t.Context(), w.db, w.bob, ms[4].ID, RSVPInput{Status: RSVPGoing})
	one, err := CancelMeetup(t.Context(), w.db, w.worker, ms[1].ID, "Feestdag", OnlyThis)
	if err != nil {
		t.Fatal(err)
	}
	if len(one.Meetups) != 1 || fmt.Sprint(one.Notify) != fmt.Sprint([]int64{on2.RSVP.ID}) {
		t.Errorf("cancelling one: %d meetups, notify %v", len(one.Meetups), one.Notify)
	}
	rest, err := CancelMeetup(t.Context(), w.db, w.worker, ms[3].ID, "De buurtwerking stopt", ThisAndLater)
	if err != nil {
		t.Fatal(err)
	}
	if len(rest.Meetups) != 3 || fmt.Sprint(rest.Notify) != fmt.Sprint([]int64{on5.RSVP.ID}) {
		t.Errorf("cancelling the rest: %d meetups, notify %v", len(rest.Meetups), rest.Notify)
	}
	var statuses []string
	for _, m := range w.occurrences(t, *ms[0].SeriesID) {
		statuses = append(statuses, string(m.Status))
	}
	if got := strings.Join(statuses, " "); got != "published cancelled published cancelled cancelled cancelled" {
		t.Errorf("statuses %s", got)
	}
	// The whole series stays one series: the feed writes EXDATEs for the cancelled ones.
	if n := count(t, w.db, "meetup_series"); n != 1 {
		t.Errorf("%d series, want 1", n)
	}
}
