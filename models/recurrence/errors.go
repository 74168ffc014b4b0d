package recurrence

import "fmt"

// Error is why a repeat rule was refused. ID is a stable message id for the translation catalog,
// so a form can tell the organiser what to change in their own language; Error() gives the English
// text for logs and tests. Parse may wrap one of the sentinels below with the detail that caused
// it: match with errors.Is, or errors.As to read the ID.
type Error struct {
	ID   string
	text string
}

// Error returns the English message.
func (e *Error) Error() string { return e.text }

// The reasons Parse refuses a rule.
var (
	// ErrMalformed is a rule that is not valid RFC 5545 RRULE text.
	ErrMalformed = &Error{"rrule.malformed", "the repeat rule is not valid: choose the repeat pattern again"}
	// ErrUnsupported is valid RRULE text that meetups do not use, such as hourly repeats or
	// several times a day.
	ErrUnsupported = &Error{"rrule.unsupported", "this repeat pattern is not supported: repeat daily, weekly, monthly or yearly"}
	// ErrUnbounded is a rule that never ends: it has neither COUNT nor UNTIL.
	ErrUnbounded = &Error{"rrule.unbounded", "the repeat has no end: give an end date or a number of times"}
	// ErrTooLong is a series of more than MaxCount meetups or running past MaxYears after the first.
	ErrTooLong = &Error{"rrule.too_long", fmt.Sprintf("the repeat runs too long: at most %d times and at most %d years", MaxCount, MaxYears)}
	// ErrStartMismatch is a first meetup that is not itself one of the repeats, for example a
	// Wednesday start for "every second Tuesday". Calendar apps would show it as an extra meetup.
	ErrStartMismatch = &Error{"rrule.start_mismatch", "the first date does not fit the repeat pattern: choose a first date that is one of the repeats"}
	// ErrNegativeDuration is a meetup that ends before it starts.
	ErrNegativeDuration = &Error{"rrule.negative_duration", "the meetup ends before it starts: check the end time"}
)
