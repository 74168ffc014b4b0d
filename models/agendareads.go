package models

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
)

// The agenda and the API's list of meetups are read many times a second: they ask for the
// columns they show and no more, and read the rows without GORM's reflection, which was most of
// a page's time. What they list, and for whom, is exactly what Meetups lists.

// meetupColumn is one column of meetups and the field of Meetup it is read into.
type meetupColumn struct {
	name  string
	field func(m *Meetup) any
}

// agendaColumns are what an agenda line shows (server/meetupline.go).
var agendaColumns = []meetupColumn{
	{"id", func(m *Meetup) any { return &m.ID }},
	{"group_id", func(m *Meetup) any { return &m.GroupID }},
	{"title", func(m *Meetup) any { return &m.Title }},
	{"starts_at", func(m *Meetup) any { return &m.StartsAt }},
	{"ends_at", func(m *Meetup) any { return &m.EndsAt }},
	{"place_name", func(m *Meetup) any { return &m.Place.Name }},
	{"place_address", func(m *Meetup) any { return &m.Place.Address }},
	{"online_url", func(m *Meetup) any { return &m.OnlineURL }},
	{"capacity", func(m *Meetup) any { return &m.Capacity }},
	{"seats_taken", func(m *Meetup) any { return &m.SeatsTaken }},
	{"waitlist_count", func(m *Meetup) any { return &m.WaitlistCount }},
	{"status", func(m *Meetup) any { return &m.Status }},
	{"wheelchair_accessible", func(m *Meetup) any { return &m.Facts.WheelchairAccessible }},
	{"child_friendly", func(m *Meetup) any { return &m.Facts.ChildFriendly }},
	{"free", func(m *Meetup) any { return &m.Facts.Free }},
	{"cost", func(m *Meetup) any { return &m.Facts.Cost }},
	// As a plain []string: pgx would hand Languages.Scan the binary array.
	{"languages", func(m *Meetup) any { return (*[]string)(&m.Facts.Languages) }},
	{"interpreter", func(m *Meetup) any { return &m.Facts.Interpreter }},
	{"quiet_space", func(m *Meetup) any { return &m.Facts.QuietSpace }},
	{"food_provided", func(m *Meetup) any { return &m.Facts.FoodProvided }},
}

// listColumns are what the API shows of a meetup: every field but the door code, the sequence
// and who made it (json:"-" in Meetup).
var listColumns = append(agendaColumns[:len(agendaColumns):len(agendaColumns)], []meetupColumn{
	{"neighbourhood_id", func(m *Meetup) any { return &m.NeighbourhoodID }},
	{"series_id", func(m *Meetup) any { return &m.SeriesID }},
	{"occurrence_start", func(m *Meetup) any { return &m.OccurrenceStart }},
	{"description", func(m *Meetup) any { return &m.Description }},
	{"place_lat", func(m *Meetup) any { return &m.Place.Lat }},
	{"place_lon", func(m *Meetup) any { return &m.Place.Lon }},
	{"cancel_reason", func(m *Meetup) any { return &m.CancelReason }},
	{"cancelled_at", func(m *Meetup) any { return &m.CancelledAt }},
	{"hidden_at", func(m *Meetup) any { return &m.HiddenAt }},
	{"hidden_by", func(m *Meetup) any { return &m.HiddenBy }},
	{"hidden_reason", func(m *Meetup) any { return &m.HiddenReason }},
	{"created_at", func(m *Meetup) any { return &m.CreatedAt }},
	{"updated_at", func(m *Meetup) any { return &m.UpdatedAt }},
}...)

// AgendaMeetups lists what Meetups lists, with only the fields an agenda line shows filled in.
func AgendaMeetups(ctx context.Context, db *gorm.DB, viewer *User, f MeetupFilter) ([]Meetup, error) {
	return readMeetups(ctx, db, viewer, f, agendaColumns)
}

// ListedMeetups lists what Meetups lists, with the fields the API shows filled in.
func ListedMeetups(ctx context.Context, db *gorm.DB, viewer *User, f MeetupFilter) ([]Meetup, error) {
	return readMeetups(ctx, db, viewer, f, listColumns)
}

func readMeetups(ctx context.Context, db *gorm.DB, viewer *User, f MeetupFilter, cols []meetupColumn) ([]Meetup, error) {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = "meetups." + c.name
	}
	sql, args := listSQL(strings.Join(names, ", "), viewer, f)
	ms := make([]Meetup, 0, max(f.Limit, 0))
	err := queryGeneric(ctx, db, func(rows pgx.Rows) error {
		dest := make([]any, len(cols))
		for rows.Next() {
			ms = append(ms, Meetup{})
			m := &ms[len(ms)-1]
			for i, c := range cols {
				dest[i] = c.field(m)
			}
			if err := rows.Scan(dest...); err != nil {
				return err
			}
		}
		return nil
	}, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("list meetups: %w", err)
	}
	return ms, nil
}

// listSQL is Meetups' query with the columns cols, in PostgreSQL's own placeholders.
func listSQL(cols string, viewer *User, f MeetupFilter) (string, []any) {
	where, args, limit := meetupsSQL(viewer, f)
	q := "SELECT " + cols + " FROM meetups"
	if where != "" {
		q += " WHERE " + where
	}
	return numbered(q+" ORDER BY "+meetupsOrder+" LIMIT "+strconv.Itoa(limit), args)
}

// numbered turns the ? placeholders of sql into $1, $2, ..., and a slice argument into a list
// of them, as GORM does for IN ?. Nabij's SQL has no ? but its placeholders.
func numbered(sql string, args []any) (string, []any) {
	var b strings.Builder
	out := make([]any, 0, len(args))
	next := 0
	for i := 0; i < len(sql); i++ {
		if sql[i] != '?' || next >= len(args) {
			b.WriteByte(sql[i])
			continue
		}
		arg := args[next]
		next++
		ids, ok := arg.([]int64)
		if !ok {
			out = append(out, arg)
			b.WriteString("$" + strconv.Itoa(len(out)))
			continue
		}
		b.WriteByte('(')
		for j, id := range ids {
			if j > 0 {
				b.WriteByte(',')
			}
			out = append(out, id)
			b.WriteString("$" + strconv.Itoa(len(out)))
		}
		b.WriteByte(')')
	}
	return b.String(), out
}

// AgendaVersion fingerprints what a neighbourhood's agenda shows viewer for filter f: the
// neighbourhood, its groups (all of them: their names name the meetups, and whether they are
// private decides who sees what), and the meetups Meetups lists, each by its row version (xmin,
// new at every change of the row). A change to any of them, or a meetup that joins or leaves the
// list (published, hidden, ended, moved, its group gone private), gives another fingerprint. A
// page made after the fingerprint was taken may show newer data than it says, never older.
func AgendaVersion(ctx context.Context, db *gorm.DB, viewer *User, neighbourhoodID int64, f MeetupFilter) (string, error) {
	list, args := listSQL("meetups.id, meetups.xmin", viewer, f)
	n := strconv.Itoa(len(args) + 1)
	return version(ctx, db, `SELECT md5(concat_ws('/',
			coalesce((SELECT n.xmin::text FROM neighbourhoods n WHERE n.id = $`+n+`), ''),
			coalesce((SELECT string_agg(g.id || ':' || g.xmin, ',' ORDER BY g.id) FROM groups g WHERE g.neighbourhood_id = $`+n+`), ''),
			coalesce((SELECT string_agg(m.id || ':' || m.xmin, ',' ORDER BY m.id) FROM (`+list+`) m), '')))`,
		append(args, neighbourhoodID)...)
}

// MeetupsVersion fingerprints what Meetups lists for viewer and f, as AgendaVersion does.
func MeetupsVersion(ctx context.Context, db *gorm.DB, viewer *User, f MeetupFilter) (string, error) {
	list, args := listSQL("meetups.id, meetups.xmin", viewer, f)
	return version(ctx, db, `SELECT md5(coalesce((SELECT string_agg(m.id || ':' || m.xmin, ',' ORDER BY m.id) FROM (`+list+`) m), ''))`, args...)
}

func version(ctx context.Context, db *gorm.DB, sql string, args ...any) (string, error) {
	var v string
	err := queryGeneric(ctx, db, func(rows pgx.Rows) error {
		for rows.Next() {
			if err := rows.Scan(&v); err != nil {
				return err
			}
		}
		return nil
	}, sql, args...)
	if err != nil {
		return "", fmt.Errorf("version of a list of meetups: %w", err)
	}
	return v, nil
}
