package models

import (
	"database/sql/driver"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// PostgreSQL arrays and multiranges of the volunteer tables, read and written as their text
// forms. Values are checked before they get here (ids are numbers, words are validated), so the
// writers only quote; the readers accept exactly what PostgreSQL sends.

// SkillIDs are ids from the skill catalog, stored as integer[].
type SkillIDs []int

// Value writes the array literal.
func (s SkillIDs) Value() (driver.Value, error) {
	parts := make([]string, len(s))
	for i, id := range s {
		parts[i] = strconv.Itoa(id)
	}
	return "{" + strings.Join(parts, ",") + "}", nil
}

// Scan reads an integer[].
func (s *SkillIDs) Scan(src any) error {
	items, err := arrayItems(src)
	if err != nil {
		return err
	}
	out := make(SkillIDs, len(items))
	for i, it := range items {
		if out[i], err = strconv.Atoi(it); err != nil {
			return fmt.Errorf("scan skill ids: %w", err)
		}
	}
	*s = out
	return nil
}

// IDList are row ids (neighbourhoods a volunteer helps in), stored as bigint[].
type IDList []int64

// Value writes the array literal.
func (l IDList) Value() (driver.Value, error) { return int64Array(l), nil }

// Scan reads a bigint[].
func (l *IDList) Scan(src any) error {
	items, err := arrayItems(src)
	if err != nil {
		return err
	}
	out := make(IDList, len(items))
	for i, it := range items {
		if out[i], err = strconv.ParseInt(it, 10, 64); err != nil {
			return fmt.Errorf("scan ids: %w", err)
		}
	}
	*l = out
	return nil
}

// Words are short free texts (tags, life domain codes), stored as text[].
type Words []string

// Value writes the array literal, every element quoted.
func (w Words) Value() (driver.Value, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, s := range w {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		for j := 0; j < len(s); j++ {
			if s[j] == '\\' || s[j] == '"' {
				b.WriteByte('\\')
			}
			b.WriteByte(s[j])
		}
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String(), nil
}

// Scan reads a text[].
func (w *Words) Scan(src any) error {
	items, err := arrayItems(src)
	if err != nil {
		return err
	}
	*w = items
	return nil
}

// arrayItems splits a one-dimensional array literal such as {1,2} or {"a b",c} into its items.
func arrayItems(src any) ([]string, error) {
	var s string
	switch v := src.(type) {
	case string:
		s = v
	case []byte:
		s = string(v)
	case nil:
		return []string{}, nil
	default:
		return nil, fmt.Errorf("scan array from %T", src)
	}
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return nil, fmt.Errorf("not an array literal: %q", s)
	}
	s = s[1 : len(s)-1]
	out := []string{}
	for len(s) > 0 {
		var item strings.Builder
		if s[0] == '"' {
			i := 1
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				item.WriteByte(s[i])
			}
			s = s[min(i+1, len(s)):]
		} else {
			end := strings.IndexByte(s, ',')
			if end < 0 {
				end = len(s)
			}
			item.WriteString(s[:end])
			s = s[end:]
		}
		out = append(out, item.String())
		s = strings.TrimPrefix(s, ",")
	}
	return out, nil
}

// rangeBounds splits a multirange literal such as {[10,20),[30,40)} into the bounds of its
// ranges, each [lower, upper) as PostgreSQL writes discrete ranges.
func rangeBounds(src any) ([][2]string, error) {
	var s string
	switch v := src.(type) {
	case string:
		s = v
	case []byte:
		s = string(v)
	case nil:
		return nil, nil
	default:
		return nil, fmt.Errorf("scan multirange from %T", src)
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
	var out [][2]string
	for _, r := range strings.Split(s, "),") {
		r = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(r), "["), ")")
		if r == "" {
			continue
		}
		lo, hi, ok := strings.Cut(r, ",")
		if !ok {
			return nil, fmt.Errorf("not a multirange: %q", s)
		}
		out = append(out, [2]string{lo, hi})
	}
	return out, nil
}

// DateRange is a stretch of days, both ends included, as people say "from 1 to 14 July".
type DateRange struct {
	From Date `json:"from"`
	To   Date `json:"to"`
}

// DateRanges are stored as a datemultirange (upper bound exclusive): overlapping or adjacent
// stretches become one.
type DateRanges []DateRange

// Value writes the multirange literal.
func (d DateRanges) Value() (driver.Value, error) {
	parts := make([]string, len(d))
	for i, r := range d {
		parts[i] = "[" + r.From.String() + "," + r.To.Time().AddDate(0, 0, 1).Format(time.DateOnly) + ")"
	}
	return "{" + strings.Join(parts, ",") + "}", nil
}

// Scan reads a datemultirange.
func (d *DateRanges) Scan(src any) error {
	bounds, err := rangeBounds(src)
	if err != nil {
		return err
	}
	out := DateRanges{}
	for _, b := range bounds {
		from, err1 := time.Parse(time.DateOnly, b[0])
		upper, err2 := time.Parse(time.DateOnly, b[1])
		if err1 != nil || err2 != nil {
			return fmt.Errorf("scan dates away: %q", b)
		}
		out = append(out, DateRange{From: DateOf(from), To: DateOf(upper.AddDate(0, 0, -1))})
	}
	*d = out
	return nil
}

// Date is a calendar day without a time zone, written as 2026-07-01.
type Date struct{ t time.Time }

// DateOf is the calendar day of t, in t's location.
func DateOf(t time.Time) Date {
	return Date{time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)}
}

// ParseDate reads 2026-07-01.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	return Date{t}, err
}

// Time is the day at midnight UTC.
func (d Date) Time() time.Time { return d.t }

// IsZero reports whether the date was never set.
func (d Date) IsZero() bool { return d.t.IsZero() }

func (d Date) String() string { return d.t.Format(time.DateOnly) }

// MarshalJSON writes "2026-07-01".
func (d Date) MarshalJSON() ([]byte, error) { return []byte(`"` + d.String() + `"`), nil }

// UnmarshalJSON reads "2026-07-01"; anything else is left zero for validation to refuse.
func (d *Date) UnmarshalJSON(b []byte) error {
	s, err := strconv.Unquote(string(b))
	if err != nil {
		return nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		d.t = t
	}
	return nil
}
