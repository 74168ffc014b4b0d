package ical_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"

	"nabij/models/ical"
	"nabij/models/recurrence"
)

// TestFeedReadsBackWithAnotherParser writes a feed and reads it with emersion/go-ical, a parser
// that shares no code with the encoder, as a calendar app would.
func TestFeedReadsBackWithAnotherParser(t *testing.T) {
	loc, err := time.LoadLocation("Europe/Brussels")
	if err != nil {
		t.Fatal(err)
	}
	updated := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	start := time.Date(2026, 3, 19, 19, 0, 0, 0, loc)
	rule, err := recurrence.Parse("FREQ=WEEKLY;UNTIL=20261105", start, 2*time.Hour, loc)
	if err != nil {
		t.Fatal(err)
	}
	moved := time.Date(2026, 4, 9, 19, 0, 0, 0, loc)
	lat, lon := 50.8466, 4.3528
	description := "Neem je kapotte spullen mee; wij repareren, jij leert.\nKoffie: €1 \\ thee gratis. " +
		strings.Repeat("Één ëlan, ", 20)
	want := []ical.Event{{
		UID: "meetup-7@nabij.example", Start: start, End: start.Add(2 * time.Hour),
		Summary: "Repair café, Noord", Description: description, Location: "Buurthuis; zaal 2",
		URL: "https://nabij.example/meetups/7", Lat: &lat, Lon: &lon, Status: ical.StatusConfirmed,
		RRule:   rule.String(),
		ExDates: []time.Time{time.Date(2026, 4, 2, 19, 0, 0, 0, loc), time.Date(2026, 10, 29, 19, 0, 0, 0, loc)},
		Updated: updated, Sequence: 2,
	}, {
		UID: "meetup-7@nabij.example", Start: moved.Add(time.Hour), End: moved.Add(3 * time.Hour),
		Summary: "Repair café (later)", RecurrenceID: &moved, Status: ical.StatusTentative, Updated: updated, Sequence: 3,
	}, {
		UID: "meetup-8@nabij.example", Start: time.Date(2026, 10, 25, 10, 0, 0, 0, loc),
		End: time.Date(2026, 10, 25, 12, 0, 0, 0, loc), Summary: "Wandeling", Status: ical.StatusCancelled, Updated: updated,
	}}
	var buf bytes.Buffer
	if _, err := (ical.Calendar{Name: "Buurt Noord, Brussel", Location: loc, Events: want}).WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	cal, err := goical.NewDecoder(&buf).Decode()
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	if name, _ := cal.Props.Text("X-WR-CALNAME"); name != "Buurt Noord, Brussel" {
		t.Errorf("X-WR-CALNAME = %q", name)
	}
	if p := cal.Props.Get(goical.PropProductID); p == nil || p.Value != ical.ProdID {
		t.Errorf("PRODID = %v", p)
	}
	events := cal.Events()
	if len(events) != len(want) {
		t.Fatalf("%d events, want %d", len(events), len(want))
	}
	for i, e := range events {
		w := want[i]
		text := func(name string) string { s, _ := e.Props.Text(name); return s }
		at := func(name string) time.Time {
			tm, err := e.Props.DateTime(name, nil)
			if err != nil {
				t.Errorf("event %d %s: %v", i, name, err)
			}
			return tm
		}
		if uid := text(goical.PropUID); uid != w.UID {
			t.Errorf("event %d UID = %q, want %q", i, uid, w.UID)
		}
		if s := at(goical.PropDateTimeStart); !s.Equal(w.Start) {
			t.Errorf("event %d starts %s, want %s", i, s, w.Start)
		}
		if s := at(goical.PropDateTimeEnd); !s.Equal(w.End) {
			t.Errorf("event %d ends %s, want %s", i, s, w.End)
		}
		if s := text(goical.PropSummary); s != w.Summary {
			t.Errorf("event %d SUMMARY = %q, want %q", i, s, w.Summary)
		}
		if s := text(goical.PropStatus); s != string(w.Status) {
			t.Errorf("event %d STATUS = %q, want %q", i, s, w.Status)
		}
		if w.RecurrenceID != nil && !at(goical.PropRecurrenceID).Equal(*w.RecurrenceID) {
			t.Errorf("event %d RECURRENCE-ID = %s, want %s", i, at(goical.PropRecurrenceID), w.RecurrenceID)
		}
		if seq, _ := e.Props.Get(goical.PropSequence).Int(); seq != w.Sequence {
			t.Errorf("event %d SEQUENCE = %d, want %d", i, seq, w.Sequence)
		}
	}

	series := events[0]
	for name, want := range map[string]string{goical.PropDescription: description, goical.PropLocation: "Buurthuis; zaal 2"} {
		if got, _ := series.Props.Text(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if u, err := series.Props.URI(goical.PropURL); err != nil || u.String() != "https://nabij.example/meetups/7" {
		t.Errorf("URL = %v (%v)", u, err)
	}
	if geo := series.Props.Get(goical.PropGeo); geo == nil || geo.Value != "50.8466;4.3528" {
		t.Errorf("GEO = %v", geo)
	}
	ro, err := series.Props.RecurrenceRule()
	if err != nil || ro == nil || ro.RRuleString() != rule.String() {
		t.Fatalf("RRULE = %v (%v), want %s", ro, err, rule.String())
	}
	exdates := series.Props.Values(goical.PropExceptionDates)
	if len(exdates) != 2 {
		t.Fatalf("%d EXDATEs, want 2", len(exdates))
	}
	excluded := map[time.Time]bool{}
	for i, p := range exdates {
		d, err := p.DateTime(nil)
		if err != nil || !d.Equal(want[0].ExDates[i]) {
			t.Errorf("EXDATE %d = %s (%v), want %s", i, d, err, want[0].ExDates[i])
		}
		excluded[d.UTC()] = true
	}

	// The series a calendar app expands from the feed is the one recurrence expands, across both
	// daylight-saving changes, less the cancelled dates.
	set, err := series.RecurrenceSet(nil)
	if err != nil {
		t.Fatal(err)
	}
	var expected []time.Time
	for _, o := range rule.Occurrences(start, start.AddDate(1, 0, 0), 0) {
		if !excluded[o.Start.UTC()] {
			expected = append(expected, o.Start)
		}
	}
	got := set.All()
	if len(got) != len(expected) {
		t.Fatalf("feed expands to %d meetups, want %d", len(got), len(expected))
	}
	for i := range got {
		if !got[i].Equal(expected[i]) {
			t.Errorf("meetup %d at %s, want %s", i, got[i], expected[i])
		}
	}
}
