// Package ical writes meetups as an RFC 5545 iCalendar feed, so that people can subscribe to a
// neighbourhood's meetups from their own calendar app. It holds no database code: the caller
// turns meetups into Events.
package ical

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"

	ics "github.com/arran4/golang-ical"

	"nabij/models/recurrence"
)

// ProdID names Nabij as the product that wrote the feed.
const ProdID = "-//Nabij//Nabij//NL"

const (
	utcFormat   = "20060102T150405Z"
	localFormat = "20060102T150405"
)

// Calendar is one feed: its name in calendar apps, the installation's time zone (nil means UTC)
// and its events.
type Calendar struct {
	Name     string
	Location *time.Location
	Events   []Event
}

// Status is whether a meetup takes place, so that calendar apps can strike out cancelled ones.
type Status string

// The statuses RFC 5545 allows for an event.
const (
	StatusConfirmed Status = "CONFIRMED"
	StatusTentative Status = "TENTATIVE"
	StatusCancelled Status = "CANCELLED"
)

// Event is one meetup, a recurring series (RRule set), or one changed occurrence of a series
// (RecurrenceID set to the occurrence's original start, with the series' UID). Calendar apps
// match events across feed refreshes by UID, so it must stay the same for the life of the
// meetup, for example "meetup-42@example.org". Updated is when the meetup last changed; it is
// written as DTSTAMP too, so that the feed stays byte-identical while nothing changes.
type Event struct {
	UID          string
	Start, End   time.Time
	Summary      string
	Description  string
	Location     string
	URL          string
	Lat, Lon     *float64
	Status       Status // empty leaves STATUS out
	RRule        string // RRULE value, for example recurrence.Rule.String()
	ExDates      []time.Time
	RecurrenceID *time.Time
	Sequence     int
	Updated      time.Time
}

// WriteTo writes the calendar as an iCalendar stream: CRLF line endings, lines folded at 75
// octets without splitting a character, TEXT values escaped. Times are written as wall-clock
// times in the calendar's zone with a TZID and a matching VTIMEZONE, or in UTC when the zone is
// UTC. It implements io.WriterTo.
func (c Calendar) WriteTo(w io.Writer) (int64, error) {
	loc := c.Location
	if loc == nil {
		loc = time.UTC
	}
	if loc == time.Local || loc.String() == "" {
		return 0, errors.New("ical: the calendar's time zone must be a named IANA zone such as Europe/Brussels, not the machine's local zone")
	}
	cal := ics.NewCalendar()
	cal.SetProductId(ProdID)
	cal.SetCalscale("GREGORIAN")
	cal.SetMethod(ics.MethodPublish)
	cal.SetXWRCalName(text(c.Name))
	if loc != time.UTC && len(c.Events) > 0 {
		cal.SetXWRTimezone(loc.String())
		from, to := span(c.Events)
		cal.AddVTimezone(vtimezone(loc, from, to.AddDate(recurrence.MaxYears, 0, 0)))
	}
	for i, e := range c.Events {
		if err := e.check(); err != nil {
			return 0, fmt.Errorf("ical: event %d (%q): %w", i, e.UID, err)
		}
		e.add(cal, loc)
	}
	var buf bytes.Buffer
	// The library ends lines the way the operating system does; RFC 5545 wants CRLF everywhere.
	if err := cal.SerializeTo(&buf, ics.WithNewLineWindows); err != nil {
		return 0, fmt.Errorf("ical: write calendar: %w", err)
	}
	return buf.WriteTo(w)
}

// check refuses events that calendar apps would reject or misread, and values that could break
// out of their content line.
func (e Event) check() error {
	switch {
	case e.UID == "":
		return errors.New("UID is empty: give every meetup a stable UID")
	case e.Start.IsZero() || e.End.Before(e.Start):
		return errors.New("the event needs a start, and an end that is not before it")
	case e.Updated.IsZero():
		return errors.New("Updated is not set: give the time the meetup last changed")
	case strings.ContainsFunc(e.RRule+e.URL, unicode.IsControl):
		return errors.New("RRULE or URL contains a control character such as a line break")
	case (e.Lat == nil) != (e.Lon == nil):
		return errors.New("give both Lat and Lon, or neither")
	}
	switch e.Status {
	case "", StatusConfirmed, StatusTentative, StatusCancelled:
		return nil
	}
	return fmt.Errorf("status %q is not CONFIRMED, TENTATIVE or CANCELLED", e.Status)
}

// add appends e to cal as a VEVENT with its times in loc.
func (e Event) add(cal *ics.Calendar, loc *time.Location) {
	ev := cal.AddEvent(e.UID)
	ev.SetDtStampTime(e.Updated)
	setTime(ev, ics.ComponentPropertyDtStart, e.Start, loc)
	setTime(ev, ics.ComponentPropertyDtEnd, e.End, loc)
	if e.RecurrenceID != nil {
		setTime(ev, ics.ComponentPropertyRecurrenceId, *e.RecurrenceID, loc)
	}
	if e.RRule != "" {
		ev.AddProperty(ics.ComponentPropertyRrule, strings.TrimPrefix(e.RRule, "RRULE:"))
	}
	for _, d := range e.ExDates {
		setTime(ev, ics.ComponentPropertyExdate, d, loc)
	}
	ev.SetSummary(text(e.Summary))
	if e.Description != "" {
		ev.SetDescription(text(e.Description))
	}
	if e.Location != "" {
		ev.SetLocation(text(e.Location))
	}
	if e.Lat != nil {
		ev.SetProperty(ics.ComponentPropertyGeo, strconv.FormatFloat(*e.Lat, 'f', -1, 64)+";"+strconv.FormatFloat(*e.Lon, 'f', -1, 64))
	}
	if e.URL != "" {
		ev.SetURL(e.URL)
	}
	if e.Status != "" {
		ev.SetStatus(ics.ObjectStatus(e.Status))
	}
	ev.SetSequence(e.Sequence)
	ev.SetModifiedAt(e.Updated)
}

// setTime adds a date-time property: wall-clock time with a TZID, or UTC with a Z.
func setTime(ev *ics.VEvent, prop ics.ComponentProperty, t time.Time, loc *time.Location) {
	if loc == time.UTC {
		ev.AddProperty(prop, t.UTC().Format(utcFormat))
		return
	}
	ev.AddProperty(prop, t.In(loc).Format(localFormat), ics.WithTZID(loc.String()))
}

// text prepares a TEXT value for the library, which escapes backslashes, commas, semicolons and
// line feeds: browsers send CRLF from text areas, and other control characters are not allowed.
func text(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\r':
			return '\n'
		case r == '\n' || r == '\t':
			return r
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
}

// span is the earliest and latest time the events mention, to know which part of the time zone's
// history the VTIMEZONE must describe. A series runs at most recurrence.MaxYears past its start.
func span(events []Event) (from, to time.Time) {
	from, to = events[0].Start, events[0].End
	for _, e := range events {
		times := append([]time.Time{e.Start, e.End}, e.ExDates...)
		if e.RecurrenceID != nil {
			times = append(times, *e.RecurrenceID)
		}
		for _, t := range times {
			if t.Before(from) {
				from = t
			}
			if t.After(to) {
				to = t
			}
		}
	}
	return from, to
}
