package ical

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func brussels(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Brussels")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// meetup is a valid event in loc that tests change one field of.
func meetup(loc *time.Location) Event {
	return Event{
		UID:     "meetup-42@nabij.example",
		Start:   time.Date(2026, 4, 2, 19, 0, 0, 0, loc),
		End:     time.Date(2026, 4, 2, 21, 0, 0, 0, loc),
		Summary: "Repair café",
		Updated: time.Date(2026, 3, 1, 12, 30, 0, 0, time.UTC),
	}
}

func write(t *testing.T, c Calendar) string {
	t.Helper()
	var buf bytes.Buffer
	n, err := c.WriteTo(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(buf.Len()) {
		t.Errorf("WriteTo reported %d bytes, wrote %d", n, buf.Len())
	}
	return buf.String()
}

// unfold joins folded lines back into content lines, as RFC 5545 section 3.1 says.
func unfold(feed string) []string {
	return strings.Split(strings.TrimSuffix(strings.ReplaceAll(feed, "\r\n ", ""), "\r\n"), "\r\n")
}

func hasLine(t *testing.T, feed, want string) {
	t.Helper()
	for _, l := range unfold(feed) {
		if l == want {
			return
		}
	}
	t.Errorf("no line %q in\n%s", want, feed)
}

func TestFeedHasCalendarProperties(t *testing.T) {
	feed := write(t, Calendar{Name: "Buurt Noord", Location: brussels(t), Events: []Event{meetup(brussels(t))}})
	if !strings.HasPrefix(feed, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Nabij//Nabij//NL\r\n") {
		t.Errorf("feed starts\n%s", feed[:80])
	}
	for _, l := range []string{"CALSCALE:GREGORIAN", "METHOD:PUBLISH", "X-WR-CALNAME:Buurt Noord", "X-WR-TIMEZONE:Europe/Brussels"} {
		hasLine(t, feed, l)
	}
	if !strings.HasSuffix(feed, "END:VEVENT\r\nEND:VCALENDAR\r\n") {
		t.Errorf("feed ends\n%s", feed[len(feed)-40:])
	}
}

func TestEveryLineEndsInCRLF(t *testing.T) {
	e := meetup(brussels(t))
	e.Description = "line one\nline two\r\nline three\rline four"
	feed := write(t, Calendar{Name: "n", Location: brussels(t), Events: []Event{e}})
	if strings.Count(feed, "\n") != strings.Count(feed, "\r\n") || strings.Count(feed, "\r") != strings.Count(feed, "\r\n") {
		t.Errorf("bare CR or LF in\n%q", feed)
	}
	hasLine(t, feed, `DESCRIPTION:line one\nline two\nline three\nline four`)
}

func TestTextIsEscaped(t *testing.T) {
	e := meetup(brussels(t))
	e.Summary = `Soep, brood; koffie \ thee`
	e.Location = "Buurthuis \"De Linde\", Kerkstraat 1\x00"
	feed := write(t, Calendar{Name: "Noord; Zuid, Oost", Location: brussels(t), Events: []Event{e}})
	hasLine(t, feed, `SUMMARY:Soep\, brood\; koffie \\ thee`)
	hasLine(t, feed, `LOCATION:Buurthuis "De Linde"\, Kerkstraat 1`)
	hasLine(t, feed, `X-WR-CALNAME:Noord\; Zuid\, Oost`)
}

func TestLongLinesFoldAt75OctetsWithoutSplittingCharacters(t *testing.T) {
	e := meetup(brussels(t))
	e.Description = strings.Repeat("ë🚲", 40) + " " + strings.Repeat("word ", 30) + strings.Repeat("x", 200)
	e.URL = "https://nabij.example/meetups/42?" + strings.Repeat("a", 100)
	feed := write(t, Calendar{Name: "n", Location: brussels(t), Events: []Event{e}})
	folded := 0
	for _, l := range strings.Split(strings.TrimSuffix(feed, "\r\n"), "\r\n") {
		if len(l) > 75 {
			t.Errorf("line of %d octets: %q", len(l), l)
		}
		if !utf8.ValidString(l) {
			t.Errorf("line splits a character: %q", l)
		}
		if strings.HasPrefix(l, " ") {
			folded++
		}
	}
	if folded < 6 {
		t.Errorf("%d continuation lines, want long values folded:\n%s", folded, feed)
	}
	hasLine(t, feed, "DESCRIPTION:"+e.Description)
	hasLine(t, feed, "URL:"+e.URL)
}

func TestTimesAreLocalWithTZID(t *testing.T) {
	loc := brussels(t)
	e := meetup(loc)
	e.Start = e.Start.UTC() // any zone in, the calendar's zone out
	e.RRule = "FREQ=WEEKLY;COUNT=30"
	e.ExDates = []time.Time{time.Date(2026, 4, 16, 19, 0, 0, 0, loc), time.Date(2026, 10, 29, 19, 0, 0, 0, loc)}
	changed := meetup(loc)
	id := time.Date(2026, 4, 9, 19, 0, 0, 0, loc)
	changed.RecurrenceID, changed.Start, changed.End = &id, id.Add(time.Hour), id.Add(3*time.Hour)
	feed := write(t, Calendar{Name: "n", Location: loc, Events: []Event{e, changed}})
	for _, l := range []string{
		"DTSTART;TZID=Europe/Brussels:20260402T190000",
		"DTEND;TZID=Europe/Brussels:20260402T210000",
		"RRULE:FREQ=WEEKLY;COUNT=30",
		"EXDATE;TZID=Europe/Brussels:20260416T190000",
		"EXDATE;TZID=Europe/Brussels:20261029T190000",
		"RECURRENCE-ID;TZID=Europe/Brussels:20260409T190000",
		"DTSTART;TZID=Europe/Brussels:20260409T200000",
		"DTSTAMP:20260301T123000Z",
		"LAST-MODIFIED:20260301T123000Z",
		"SEQUENCE:0",
	} {
		hasLine(t, feed, l)
	}
}

func TestOptionalPropertiesOnlyWhenSet(t *testing.T) {
	loc := brussels(t)
	lat, lon := 50.8503, 4.3517
	full := meetup(loc)
	full.Lat, full.Lon, full.Status, full.Sequence = &lat, &lon, StatusCancelled, 3
	full.URL = "https://nabij.example/meetups/42"
	feed := write(t, Calendar{Name: "n", Location: loc, Events: []Event{full}})
	for _, l := range []string{"GEO:50.8503;4.3517", "STATUS:CANCELLED", "SEQUENCE:3", "URL:https://nabij.example/meetups/42"} {
		hasLine(t, feed, l)
	}
	bare := write(t, Calendar{Name: "n", Location: loc, Events: []Event{meetup(loc)}})
	for _, p := range []string{"GEO:", "STATUS:", "URL:", "RRULE:", "EXDATE", "RECURRENCE-ID", "DESCRIPTION:", "LOCATION:"} {
		if strings.Contains(bare[strings.Index(bare, "BEGIN:VEVENT"):], "\r\n"+p) {
			t.Errorf("event without it has %s", p)
		}
	}
}

func TestUTCCalendarWritesUTCTimesAndNoVTimezone(t *testing.T) {
	e := meetup(brussels(t))
	e.ExDates = []time.Time{e.Start.AddDate(0, 0, 7)}
	feed := write(t, Calendar{Name: "n", Location: time.UTC, Events: []Event{e}})
	hasLine(t, feed, "DTSTART:20260402T170000Z")
	hasLine(t, feed, "DTEND:20260402T190000Z")
	hasLine(t, feed, "EXDATE:20260409T170000Z")
	if strings.Contains(feed, "VTIMEZONE") || strings.Contains(feed, "TZID") {
		t.Errorf("UTC feed mentions a zone:\n%s", feed)
	}
	if got := write(t, Calendar{Name: "n", Events: []Event{e}}); got != feed {
		t.Errorf("a nil Location is not UTC:\n%s", got)
	}
}

func TestRefusesEventsCalendarAppsWouldMisread(t *testing.T) {
	loc := brussels(t)
	lat := 50.0
	for name, change := range map[string]func(*Event){
		"no UID":           func(e *Event) { e.UID = "" },
		"end before start": func(e *Event) { e.End = e.Start.Add(-time.Minute) },
		"no start":         func(e *Event) { e.Start = time.Time{} },
		"no Updated":       func(e *Event) { e.Updated = time.Time{} },
		"unknown status":   func(e *Event) { e.Status = "POSTPONED" },
		"line break in RRULE": func(e *Event) {
			e.RRule = "FREQ=WEEKLY;COUNT=2\r\nATTENDEE:mailto:x@example.org"
		},
		"line break in URL": func(e *Event) { e.URL = "https://x.example/\nX-EVIL:1" },
		"latitude only":     func(e *Event) { e.Lat = &lat },
	} {
		e := meetup(loc)
		change(&e)
		if _, err := (Calendar{Name: "n", Location: loc, Events: []Event{e}}).WriteTo(&bytes.Buffer{}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := (Calendar{Name: "n", Location: time.Local, Events: []Event{meetup(loc)}}).WriteTo(&bytes.Buffer{}); err == nil {
		t.Error("time.Local: no error")
	}
}
