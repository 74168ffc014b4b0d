package ical

import (
	"fmt"
	"time"

	ics "github.com/arran4/golang-ical"
)

// transition is one change of a zone's UTC offset (or of its name or daylight-saving flag).
type transition struct {
	at       time.Time
	from, to int // UTC offsets in seconds before and after
	name     string
	dst      bool
}

// transitionAt describes the change that starts the zone in force at t.
func transitionAt(t time.Time) transition {
	_, from := t.Add(-time.Second).Zone()
	name, to := t.Zone()
	return transition{at: t, from: from, to: to, name: name, dst: t.IsDST()}
}

// onset is the wall-clock time at which the change happens, read on the clock before it, which
// is how RFC 5545 writes an observance's DTSTART.
func (t transition) onset() time.Time { return t.at.In(time.FixedZone("", t.from)) }

// yearly is the RRULE of a change on this weekday of this month every year: the last such
// weekday when it falls in the month's last seven days, else the nth.
func (t transition) yearly() string {
	d := t.onset()
	n := (d.Day()-1)/7 + 1
	if d.Day()+7 > time.Date(d.Year(), d.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day() {
		n = -1
	}
	days := [...]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}
	return fmt.Sprintf("FREQ=YEARLY;BYMONTH=%d;BYDAY=%d%s", d.Month(), n, days[d.Weekday()])
}

// follows reports whether next is this change again one year later under the same yearly rule.
func (t transition) follows(next transition) bool {
	return next.onset().Year() == t.onset().Year()+1 && next.yearly() == t.yearly() &&
		next.onset().Format("150405") == t.onset().Format("150405") &&
		next.from == t.from && next.to == t.to && next.name == t.name && next.dst == t.dst
}

// observance is a run of changes that follow one yearly rule; it becomes one STANDARD or DAYLIGHT
// component.
type observance struct {
	first, last transition
	count       int
}

// vtimezone describes loc from the change in force at from until to, deriving the changes from
// Go's zone database, so any IANA zone works. Each run of changes under one yearly rule becomes
// one observance with an RRULE; a run still going after to is left open-ended, so calendar
// apps extend it for as long as the zone keeps its rule. Changes are read up to two years past
// to, to tell a rule that goes on from one that ends.
func vtimezone(loc *time.Location, from, to time.Time) *ics.VTimezone {
	tz := ics.NewTimezone(loc.String())
	start, _ := from.In(loc).ZoneBounds()
	if start.IsZero() { // no change before from, as in UTC: one observance that starts at from
		start = from.In(loc)
	}
	var runs []observance
	current := map[bool]int{} // per dst flag, the index in runs of the latest run
	for t := start; !t.IsZero() && !t.After(to.AddDate(2, 0, 0)); _, t = t.ZoneBounds() {
		tr := transitionAt(t)
		if i, ok := current[tr.dst]; ok && runs[i].last.follows(tr) {
			runs[i].last = tr
			runs[i].count++
			continue
		}
		runs = append(runs, observance{first: tr, last: tr, count: 1})
		current[tr.dst] = len(runs) - 1
	}
	for _, o := range runs {
		if !o.first.at.After(to) {
			addObservance(tz, o, o.last.at.After(to))
		}
	}
	return tz
}

// addObservance writes o as a STANDARD or DAYLIGHT component of tz: a single change has only a
// DTSTART, a run an RRULE, ending with UNTIL unless open.
func addObservance(tz *ics.VTimezone, o observance, open bool) {
	var c *ics.ComponentBase
	if o.first.dst {
		d := &ics.Daylight{}
		tz.Components, c = append(tz.Components, d), &d.ComponentBase
	} else {
		s := &ics.Standard{}
		tz.Components, c = append(tz.Components, s), &s.ComponentBase
	}
	c.AddProperty(ics.ComponentPropertyDtStart, o.first.onset().Format(localFormat))
	c.AddProperty(ics.ComponentProperty(ics.PropertyTzoffsetfrom), utcOffset(o.first.from))
	c.AddProperty(ics.ComponentProperty(ics.PropertyTzoffsetto), utcOffset(o.first.to))
	c.AddProperty(ics.ComponentProperty(ics.PropertyTzname), o.first.name)
	switch {
	case open:
		c.AddProperty(ics.ComponentPropertyRrule, o.first.yearly())
	case o.count > 1:
		c.AddProperty(ics.ComponentPropertyRrule, o.first.yearly()+";UNTIL="+o.last.at.UTC().Format(utcFormat))
	}
}

// utcOffset writes seconds east of UTC as RFC 5545 does: +0100, -0330, +001730.
func utcOffset(sec int) string {
	sign := '+'
	if sec < 0 {
		sign, sec = '-', -sec
	}
	s := fmt.Sprintf("%c%02d%02d", sign, sec/3600, sec/60%60)
	if sec%60 != 0 {
		s += fmt.Sprintf("%02d", sec%60)
	}
	return s
}
