// Package recurrence expands the repeat rules (RFC 5545 RRULE) of recurring meetups into dated
// meetups. It holds no database code: the meetup model stores the canonical rule text and asks
// this package which meetups fall in a date range.
package recurrence

import (
	"fmt"
	"strings"
	"time"

	"github.com/teambition/rrule-go"
)

// Limits on one series, so that a single rule cannot flood calendars and listings.
const (
	// MaxCount is the most meetups one series may have: ten years of weekly meetups.
	MaxCount = 520
	// MaxYears is how long after its first meetup a series may run.
	MaxYears = 5
)

// Rule is a validated repeat rule anchored at its first meetup. Series are bounded (MaxCount,
// MaxYears), so all start times are expanded once, when the rule is parsed.
type Rule struct {
	text     string
	starts   []time.Time
	duration time.Duration
}

// Occurrence is one meetup of a series, in the series' time zone.
type Occurrence struct {
	Start, End time.Time
}

// Parse validates text, an RRULE value such as "FREQ=WEEKLY;INTERVAL=2;COUNT=10" (an "RRULE:"
// prefix is allowed), for a series whose first meetup is start and lasts duration. Repeats keep
// the wall-clock time of start in loc across daylight-saving changes; a nil loc means start's own
// location. An UNTIL without a time of day includes that whole day. A refused rule returns one of
// the *Error sentinels, possibly wrapped with detail.
func Parse(text string, start time.Time, duration time.Duration, loc *time.Location) (*Rule, error) {
	if duration < 0 {
		return nil, ErrNegativeDuration
	}
	if loc == nil {
		loc = start.Location()
	}
	start = start.In(loc).Truncate(time.Second)
	opt, err := parseOption(text, loc)
	if err != nil {
		return nil, err
	}
	if opt.Count == 0 && opt.Until.IsZero() {
		return nil, ErrUnbounded
	}
	if !opt.Until.IsZero() && opt.Until.Before(start) {
		return nil, fmt.Errorf("%w: UNTIL is before the first meetup", ErrMalformed)
	}
	horizon := start.AddDate(MaxYears, 0, 0)
	if opt.Count > MaxCount || opt.Until.After(horizon) {
		return nil, ErrTooLong
	}
	bounded := *opt
	bounded.Dtstart = start
	if bounded.Until.IsZero() {
		bounded.Until = horizon
	}
	r, err := rrule.NewRRule(bounded)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	starts := r.All()
	if len(starts) == 0 || !starts[0].Equal(start) {
		return nil, ErrStartMismatch
	}
	if len(starts) > MaxCount || len(starts) < opt.Count {
		return nil, ErrTooLong
	}
	return &Rule{text: opt.RRuleString(), starts: starts, duration: duration}, nil
}

// parseOption reads the RRULE text and refuses the parts meetups do not use.
func parseOption(text string, loc *time.Location) (*rrule.ROption, error) {
	text = strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(text)), "RRULE:")
	if strings.ContainsAny(text, "\r\n") {
		return nil, fmt.Errorf("%w: give only the RRULE value, on one line", ErrMalformed)
	}
	opt, err := rrule.StrToROptionInLocation(text, loc)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if err := checkParts(opt); err != nil {
		return nil, err
	}
	for _, part := range strings.Split(text, ";") {
		if until, ok := strings.CutPrefix(part, "UNTIL="); ok && len(until) == len(rrule.DateFormat) {
			opt.Until = opt.Until.AddDate(0, 0, 1).Add(-time.Second)
		}
	}
	return opt, nil
}

// checkParts keeps to daily, weekly, monthly and yearly repeats at the first meetup's time of day,
// and enforces the RFC 5545 rules that the library lets pass.
func checkParts(opt *rrule.ROption) error {
	switch opt.Freq {
	case rrule.DAILY, rrule.WEEKLY, rrule.MONTHLY, rrule.YEARLY:
	default:
		return fmt.Errorf("%w: FREQ=%v", ErrUnsupported, opt.Freq)
	}
	if len(opt.Byhour)+len(opt.Byminute)+len(opt.Bysecond)+len(opt.Byyearday)+len(opt.Byweekno)+len(opt.Byeaster) > 0 {
		return fmt.Errorf("%w: only BYDAY, BYMONTHDAY, BYMONTH and BYSETPOS may narrow a repeat", ErrUnsupported)
	}
	switch {
	case !opt.Dtstart.IsZero():
		return fmt.Errorf("%w: DTSTART is not part of an RRULE", ErrMalformed)
	case opt.Count < 0:
		return fmt.Errorf("%w: COUNT is negative", ErrMalformed)
	case opt.Count > 0 && !opt.Until.IsZero():
		return fmt.Errorf("%w: COUNT and UNTIL may not be used together", ErrMalformed)
	case len(opt.Bymonthday) > 0 && opt.Freq == rrule.WEEKLY:
		return fmt.Errorf("%w: BYMONTHDAY may not be used with FREQ=WEEKLY", ErrMalformed)
	}
	for _, day := range opt.Byweekday {
		if day.N() != 0 && opt.Freq != rrule.MONTHLY && opt.Freq != rrule.YEARLY {
			return fmt.Errorf("%w: a numbered BYDAY such as 2TU needs FREQ=MONTHLY or FREQ=YEARLY", ErrMalformed)
		}
	}
	return nil
}

// Occurrences returns the meetups of the series that overlap [from, to), earliest first, at most
// limit of them (no limit when limit <= 0). A meetup that started before from and is still going
// on is included, so that a listing shows it. Each lasts exactly the series' duration, like the
// instances of an iCalendar event.
func (r *Rule) Occurrences(from, to time.Time, limit int) []Occurrence {
	var out []Occurrence
	for _, start := range r.starts {
		if !start.Before(to) || limit > 0 && len(out) == limit {
			break
		}
		end := start.Add(r.duration)
		if start.Before(from) && !end.After(from) {
			continue
		}
		out = append(out, Occurrence{Start: start, End: end})
	}
	return out
}

// String returns the canonical RRULE value, without the "RRULE:" prefix, for storage and for
// calendar feeds. UNTIL is written in UTC, as RFC 5545 requires next to a DTSTART with a TZID.
func (r *Rule) String() string { return r.text }
