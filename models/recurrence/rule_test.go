package recurrence

import (
	"errors"
	"testing"
	"time"
)

func brussels(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Brussels")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// all parses text and returns every occurrence of the series.
func all(t *testing.T, text string, start time.Time, d time.Duration) []Occurrence {
	t.Helper()
	r, err := Parse(text, start, d, start.Location())
	if err != nil {
		t.Fatalf("Parse(%q): %v", text, err)
	}
	return r.Occurrences(start, start.AddDate(MaxYears+1, 0, 0), 0)
}

func dates(occ []Occurrence) []string {
	var out []string
	for _, o := range occ {
		out = append(out, o.Start.Format("2006-01-02 15:04 MST"))
	}
	return out
}

func sameDates(t *testing.T, got []Occurrence, want ...string) {
	t.Helper()
	g := dates(got)
	if len(g) != len(want) {
		t.Fatalf("got %d occurrences %v, want %d %v", len(g), g, len(want), want)
	}
	for i := range want {
		if g[i] != want[i] {
			t.Errorf("occurrence %d = %s, want %s", i, g[i], want[i])
		}
	}
}

func TestWeeklyKeepsLocalTimeAcrossDaylightSaving(t *testing.T) {
	loc := brussels(t)
	start := time.Date(2026, 3, 19, 19, 0, 0, 0, loc)
	occ := all(t, "FREQ=WEEKLY;UNTIL=20261105", start, 2*time.Hour)

	for _, o := range occ {
		if o.Start.Hour() != 19 || o.Start.Minute() != 0 || o.End.Hour() != 21 || o.End.Minute() != 0 {
			t.Errorf("%s: meetup runs %s-%s local, want 19:00-21:00", o.Start.Format("2006-01-02"),
				o.Start.Format("15:04"), o.End.Format("15:04"))
		}
		if o.End.Sub(o.Start) != 2*time.Hour {
			t.Errorf("%s: lasts %s, want 2h", o.Start.Format("2006-01-02"), o.End.Sub(o.Start))
		}
		if o.Start.Location() != loc {
			t.Errorf("%s: in %s, want Europe/Brussels", o.Start, o.Start.Location())
		}
	}
	utc := map[string]string{}
	for _, o := range occ {
		utc[o.Start.Format("2006-01-02")] = o.Start.UTC().Format("15:04")
	}
	for day, want := range map[string]string{
		"2026-03-26": "18:00", // before the last Sunday of March: CET, +01:00
		"2026-04-02": "17:00", // after it: CEST, +02:00
		"2026-10-22": "17:00", // before the last Sunday of October
		"2026-10-29": "18:00", // after it: back to CET
	} {
		if utc[day] != want {
			t.Errorf("%s starts at %q UTC, want %s", day, utc[day], want)
		}
	}
	if last := occ[len(occ)-1].Start.Format("2006-01-02"); last != "2026-11-05" {
		t.Errorf("last meetup %s, want 2026-11-05: a date-only UNTIL includes its day", last)
	}
}

func TestEveryTwoWeeks(t *testing.T) {
	start := time.Date(2026, 1, 6, 19, 30, 0, 0, brussels(t))
	sameDates(t, all(t, "FREQ=WEEKLY;INTERVAL=2;COUNT=4", start, time.Hour),
		"2026-01-06 19:30 CET", "2026-01-20 19:30 CET", "2026-02-03 19:30 CET", "2026-02-17 19:30 CET")
}

func TestMonthlyOnSecondTuesday(t *testing.T) {
	start := time.Date(2026, 1, 13, 19, 0, 0, 0, brussels(t))
	sameDates(t, all(t, "FREQ=MONTHLY;BYDAY=2TU;COUNT=6", start, time.Hour),
		"2026-01-13 19:00 CET", "2026-02-10 19:00 CET", "2026-03-10 19:00 CET",
		"2026-04-14 19:00 CEST", "2026-05-12 19:00 CEST", "2026-06-09 19:00 CEST")
}

func TestMonthlyOnLastFriday(t *testing.T) {
	start := time.Date(2026, 1, 30, 20, 0, 0, 0, brussels(t))
	sameDates(t, all(t, "FREQ=MONTHLY;BYDAY=-1FR;COUNT=5", start, time.Hour),
		"2026-01-30 20:00 CET", "2026-02-27 20:00 CET", "2026-03-27 20:00 CET",
		"2026-04-24 20:00 CEST", "2026-05-29 20:00 CEST")
}

func TestMonthlyOnDayOfMonth(t *testing.T) {
	start := time.Date(2026, 1, 15, 10, 0, 0, 0, brussels(t))
	sameDates(t, all(t, "FREQ=MONTHLY;BYMONTHDAY=15;COUNT=3", start, time.Hour),
		"2026-01-15 10:00 CET", "2026-02-15 10:00 CET", "2026-03-15 10:00 CET")
}

func TestYearly(t *testing.T) {
	start := time.Date(2026, 6, 21, 14, 0, 0, 0, brussels(t))
	sameDates(t, all(t, "FREQ=YEARLY;COUNT=3", start, time.Hour),
		"2026-06-21 14:00 CEST", "2027-06-21 14:00 CEST", "2028-06-21 14:00 CEST")
}

func TestCountEndsSeries(t *testing.T) {
	start := time.Date(2026, 5, 4, 9, 0, 0, 0, brussels(t))
	if n := len(all(t, "FREQ=DAILY;COUNT=520", start, time.Hour)); n != 520 {
		t.Errorf("COUNT=520 gave %d meetups", n)
	}
	sameDates(t, all(t, "FREQ=DAILY;COUNT=3", start, time.Hour),
		"2026-05-04 09:00 CEST", "2026-05-05 09:00 CEST", "2026-05-06 09:00 CEST")
}

func TestUntilEndsSeries(t *testing.T) {
	loc := brussels(t)
	start := time.Date(2026, 5, 4, 9, 0, 0, 0, loc)
	// UNTIL in UTC is an instant: 2026-05-18 07:00 UTC is 09:00 in Brussels, so it is included.
	sameDates(t, all(t, "FREQ=WEEKLY;UNTIL=20260518T070000Z", start, time.Hour),
		"2026-05-04 09:00 CEST", "2026-05-11 09:00 CEST", "2026-05-18 09:00 CEST")
	sameDates(t, all(t, "FREQ=WEEKLY;UNTIL=20260518T065959Z", start, time.Hour),
		"2026-05-04 09:00 CEST", "2026-05-11 09:00 CEST")
}

func TestOccurrencesWindowAndLimit(t *testing.T) {
	loc := brussels(t)
	start := time.Date(2026, 1, 5, 19, 0, 0, 0, loc)
	r, err := Parse("FREQ=WEEKLY;COUNT=10", start, 2*time.Hour, loc)
	if err != nil {
		t.Fatal(err)
	}
	// 20:00 on the 12th: the meetup of 19:00-21:00 that day is still going on.
	from := time.Date(2026, 1, 12, 20, 0, 0, 0, loc)
	to := time.Date(2026, 2, 2, 19, 0, 0, 0, loc) // exclusive: the meetup starting then is out
	sameDates(t, r.Occurrences(from, to, 0), "2026-01-12 19:00 CET", "2026-01-19 19:00 CET", "2026-01-26 19:00 CET")
	sameDates(t, r.Occurrences(from, to, 2), "2026-01-12 19:00 CET", "2026-01-19 19:00 CET")
	if got := r.Occurrences(to.AddDate(1, 0, 0), to.AddDate(2, 0, 0), 0); len(got) != 0 {
		t.Errorf("after the series ended: %v", dates(got))
	}
}

func TestStringIsCanonical(t *testing.T) {
	loc := brussels(t)
	start := time.Date(2026, 1, 13, 19, 0, 0, 0, loc)
	for in, want := range map[string]string{
		"rrule:freq=monthly;byday=2tu;count=6": "FREQ=MONTHLY;COUNT=6;BYDAY=+2TU",
		"FREQ=WEEKLY;INTERVAL=2;COUNT=4":       "FREQ=WEEKLY;INTERVAL=2;COUNT=4",
		"FREQ=WEEKLY;UNTIL=20260210T190000":    "FREQ=WEEKLY;UNTIL=20260210T180000Z",
		"FREQ=WEEKLY;UNTIL=20260210":           "FREQ=WEEKLY;UNTIL=20260210T225959Z",
	} {
		r, err := Parse(in, start, time.Hour, loc)
		if err != nil {
			t.Errorf("Parse(%q): %v", in, err)
			continue
		}
		if r.String() != want {
			t.Errorf("Parse(%q).String() = %q, want %q", in, r.String(), want)
		}
	}
}

func TestRefusedRules(t *testing.T) {
	loc := brussels(t)
	tuesday := time.Date(2026, 1, 13, 19, 0, 0, 0, loc)
	for _, c := range []struct {
		rule string
		want *Error
		id   string
	}{
		{"", ErrMalformed, "rrule.malformed"},
		{"FREQ=FORTNIGHTLY;COUNT=3", ErrMalformed, "rrule.malformed"},
		{"FREQ=WEEKLY;COUNT=three", ErrMalformed, "rrule.malformed"},
		{"FREQ=WEEKLY;COUNT=3;UNTIL=20260301T000000Z", ErrMalformed, "rrule.malformed"},
		{"FREQ=WEEKLY;BYDAY=2TU;COUNT=3", ErrMalformed, "rrule.malformed"},
		{"FREQ=MONTHLY;BYMONTHDAY=32;COUNT=3", ErrMalformed, "rrule.malformed"},
		{"FREQ=WEEKLY;UNTIL=20250101T000000Z", ErrMalformed, "rrule.malformed"},
		{"DTSTART:20260113T190000\nRRULE:FREQ=WEEKLY;COUNT=3", ErrMalformed, "rrule.malformed"},
		{"FREQ=HOURLY;COUNT=3", ErrUnsupported, "rrule.unsupported"},
		{"FREQ=DAILY;BYHOUR=9,19;COUNT=3", ErrUnsupported, "rrule.unsupported"},
		{"FREQ=WEEKLY", ErrUnbounded, "rrule.unbounded"},
		{"FREQ=MONTHLY;BYDAY=2TU", ErrUnbounded, "rrule.unbounded"},
		{"FREQ=WEEKLY;COUNT=521", ErrTooLong, "rrule.too_long"},
		{"FREQ=WEEKLY;UNTIL=20320101T000000Z", ErrTooLong, "rrule.too_long"},
		{"FREQ=YEARLY;COUNT=7", ErrTooLong, "rrule.too_long"},
		{"FREQ=DAILY;UNTIL=20280101", ErrTooLong, "rrule.too_long"},
		{"FREQ=MONTHLY;BYDAY=2WE;COUNT=3", ErrStartMismatch, "rrule.start_mismatch"},
		{"FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30;COUNT=3", ErrStartMismatch, "rrule.start_mismatch"},
	} {
		_, err := Parse(c.rule, tuesday, time.Hour, loc)
		var e *Error
		if !errors.Is(err, c.want) || !errors.As(err, &e) || e.ID != c.id {
			t.Errorf("Parse(%q) = %v, want %s", c.rule, err, c.id)
		}
	}
	if _, err := Parse("FREQ=WEEKLY;COUNT=3", tuesday, -time.Minute, loc); !errors.Is(err, ErrNegativeDuration) {
		t.Errorf("negative duration: %v, want %v", err, ErrNegativeDuration)
	}
}
