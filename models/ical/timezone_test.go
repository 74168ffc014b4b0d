package ical

import (
	"strings"
	"testing"
	"time"

	"github.com/teambition/rrule-go"
)

func TestBrusselsVTimezoneFollowsTheEURule(t *testing.T) {
	e := meetup(brussels(t))
	e.Start, e.End = time.Date(2026, 1, 15, 19, 0, 0, 0, brussels(t)), time.Date(2026, 1, 15, 21, 0, 0, 0, brussels(t))
	feed := write(t, Calendar{Name: "n", Location: brussels(t), Events: []Event{e}})
	want := strings.Join([]string{
		"BEGIN:VTIMEZONE",
		"TZID:Europe/Brussels",
		"BEGIN:STANDARD",
		"DTSTART:20251026T030000",
		"TZOFFSETFROM:+0200",
		"TZOFFSETTO:+0100",
		"TZNAME:CET",
		"RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
		"END:STANDARD",
		"BEGIN:DAYLIGHT",
		"DTSTART:20260329T020000",
		"TZOFFSETFROM:+0100",
		"TZOFFSETTO:+0200",
		"TZNAME:CEST",
		"RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
		"END:DAYLIGHT",
		"END:VTIMEZONE",
	}, "\r\n") + "\r\n"
	if !strings.Contains(feed, want) {
		t.Errorf("want\n%s\nin\n%s", want, feed)
	}
}

func TestUTCOffsets(t *testing.T) {
	for sec, want := range map[int]string{0: "+0000", 3600: "+0100", 7200: "+0200", -12600: "-0330", 1050: "+001730"} {
		if got := utcOffset(sec); got != want {
			t.Errorf("utcOffset(%d) = %s, want %s", sec, got, want)
		}
	}
}

// onset is one STANDARD or DAYLIGHT onset as a client reads it from the VTIMEZONE.
type onset struct {
	at     time.Time
	offset int
}

// onsets expands the observances of the one VTIMEZONE in feed until to, the way a calendar
// app does: DTSTART is wall-clock time on the clock before the change, RRULE repeats it.
func onsets(t *testing.T, feed string, to time.Time) []onset {
	t.Helper()
	var out []onset
	var start, rule string
	var from, offset int
	for _, l := range unfold(feed) {
		name, value, _ := strings.Cut(l, ":")
		switch name {
		case "DTSTART":
			start = value
		case "TZOFFSETFROM":
			from = parseOffset(t, value)
		case "TZOFFSETTO":
			offset = parseOffset(t, value)
		case "RRULE":
			rule = value
		case "END":
			if value != "STANDARD" && value != "DAYLIGHT" {
				continue
			}
			first, err := time.ParseInLocation(localFormat, start, time.FixedZone("", from))
			if err != nil {
				t.Fatal(err)
			}
			times := []time.Time{first}
			if rule != "" {
				opt, err := rrule.StrToROption(rule)
				if err != nil {
					t.Fatal(err)
				}
				opt.Dtstart = first
				r, err := rrule.NewRRule(*opt)
				if err != nil {
					t.Fatal(err)
				}
				times = r.Between(first, to, true)
			}
			for _, at := range times {
				out = append(out, onset{at, offset})
			}
			start, rule = "", ""
		}
	}
	return out
}

func parseOffset(t *testing.T, s string) int {
	t.Helper()
	at, err := time.Parse("-0700", s[:5])
	if err != nil {
		t.Fatal(err)
	}
	_, sec := at.Zone()
	return sec
}

// TestVTimezoneAgreesWithGoZoneDatabase checks that a client reading the VTIMEZONE finds the same
// UTC offset as Go at every change and every six hours, for zones with other rules than the EU's:
// other weekdays, the southern hemisphere, daylight saving abolished (Sao Paulo 2019), none at all,
// and changes without a yearly rule (Casablanca around Ramadan). Zones that keep a yearly rule
// must also stay right years after the last event, where clients extend the open RRULEs.
func TestVTimezoneAgreesWithGoZoneDatabase(t *testing.T) {
	for name, yearly := range map[string]bool{"Europe/Brussels": true, "Europe/London": true,
		"America/New_York": true, "Australia/Sydney": true, "America/Sao_Paulo": true, "Asia/Tokyo": true,
		"Etc/GMT-5": true, "Africa/Casablanca": false} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		e := meetup(loc)
		e.Start, e.End = time.Date(2017, 6, 1, 19, 0, 0, 0, loc), time.Date(2021, 6, 1, 21, 0, 0, 0, loc)
		feed := write(t, Calendar{Name: "n", Location: loc, Events: []Event{e}})
		to := e.End.AddDate(5, 0, 0)
		if yearly {
			to = to.AddDate(10, 0, 0)
		}
		got := onsets(t, feed, to)
		for at := e.Start; at.Before(to); at = at.Add(6 * time.Hour) {
			samples := []time.Time{at}
			if _, end := at.ZoneBounds(); !end.IsZero() && end.Before(at.Add(6*time.Hour)) {
				samples = append(samples, end, end.Add(-time.Second))
			}
			for _, s := range samples {
				if _, want := s.Zone(); offsetAt(got, s) != want {
					t.Fatalf("%s at %s: VTIMEZONE gives offset %d, Go %d\n%s", name, s.UTC(), offsetAt(got, s), want, feed)
				}
			}
		}
	}
}

// offsetAt is the offset of the latest onset at or before at, or -1 when there is none.
func offsetAt(onsets []onset, at time.Time) int {
	offset, latest := -1, time.Time{}
	for _, o := range onsets {
		if !o.at.After(at) && (latest.IsZero() || o.at.After(latest)) {
			offset, latest = o.offset, o.at
		}
	}
	return offset
}
