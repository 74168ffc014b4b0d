package main

import (
	"html/template"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"nabij/models"
)

// Agendas: a neighbourhood's upcoming meetups by day, filtered by group and by the practical
// facts, one page at a time; my own agenda; and the list in the API. Each is one query for the
// meetups (plus one for group names or for my sign-ups), never one per meetup.

const (
	// agendaPageSize is how many meetups one page of the agenda shows.
	agendaPageSize = 50
	// agendaWeeks is how far ahead the agenda looks unless asked otherwise.
	agendaWeeks = 8
	// apiListDefault is how many meetups the API lists unless asked otherwise.
	apiListDefault = 50
	// myAgendaYears is how far ahead my own agenda looks.
	myAgendaYears = 6
)

// agendaFactFilters are the practical facts one may filter on, by query parameter.
var agendaFactFilters = []string{"wheelchair_accessible", "child_friendly", "free", "interpreter", "quiet_space", "food_provided"}

var languageCode = regexp.MustCompile(`^[a-z]{2,3}$`)

// agendaDay is the meetups of one day, by start.
type agendaDay struct {
	Date  time.Time
	Lines []meetupLine
}

// onDay adds a meetup line to the agenda's days, starting a new day when its date differs from
// the last one's in the installation's zone.
func (a *app) onDay(days []agendaDay, start time.Time, l meetupLine) []agendaDay {
	start = start.In(a.cfg.Location)
	if n := len(days); n == 0 || days[n-1].Date.Format(time.DateOnly) != start.Format(time.DateOnly) {
		days = append(days, agendaDay{Date: start})
	}
	days[len(days)-1].Lines = append(days[len(days)-1].Lines, l)
	return days
}

// agendaView is the neighbourhood agenda.
type agendaView struct {
	Hood      *models.Neighbourhood
	Groups    []models.Group // to filter on
	List      template.HTML  // the meetups by day, see agendaHTML
	Count     int
	Later     string // the next page, "" when there is none
	Form      *form
	CanCreate bool
}

// agendaCursor is where a "later" page starts: after the meetups already shown.
type agendaCursor struct {
	Start time.Time
	ID    int64
}

func (a *app) agendaPage(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	f, cursor, values, ferr := a.agendaFilter(c)
	f.NeighbourhoodIDs = []int64{id}
	if user(c) != nil || ferr != nil {
		return a.renderAgenda(c, id, f, cursor, values, ferr)
	}
	// Everyone not signed in sees the same page: it is kept, and served again for as long as the
	// data it shows has the version it was made from.
	key := "agenda " + requestLang(c) + " " + strconv.Itoa(time.Now().In(a.cfg.Location).Year()) + " " + c.OriginalURL()
	version, err := models.AgendaVersion(c.UserContext(), a.db.Gorm, nil, id, f)
	if err != nil {
		return err
	}
	if body, ok := a.pages.get(key, version); ok {
		a.csrfToken(c) // as render does for someone not signed in
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		c.Set(fiber.HeaderCacheControl, "no-store")
		return c.Send(body)
	}
	if err := a.renderAgenda(c, id, f, cursor, values, nil); err != nil {
		return err
	}
	if c.Response().StatusCode() == fiber.StatusOK {
		a.pages.put(key, version, c.Response().Body())
	}
	return nil
}

// renderAgenda renders neighbourhood id's agenda for filter f, or the filter form with ferr.
func (a *app) renderAgenda(c *fiber.Ctx, id int64, f models.MeetupFilter, cursor *agendaCursor, values map[string]string, ferr error) error {
	ctx, u := c.UserContext(), user(c)
	n, err := models.NeighbourhoodByID(ctx, a.db.Gorm, id)
	if err != nil {
		return err
	}
	v := &agendaView{Hood: n}
	if v.Groups, err = models.Groups(ctx, a.db.Gorm, u, n.ID); err != nil {
		return err
	}
	if u != nil {
		if v.CanCreate, err = models.CanCreateMeetup(ctx, a.db.Gorm, u, n.ID, nil); err != nil {
			return err
		}
	}
	if ferr != nil {
		form, status, err := a.formFailure(c, ferr, values)
		if err != nil {
			return err
		}
		v.Form = form
		return a.render(c, status, "agenda", v)
	}
	ms, err := models.AgendaMeetups(ctx, a.db.Gorm, u, f)
	if err != nil {
		return err
	}
	v.Form = &form{Values: values}
	a.fillAgenda(c, v, ms, cursor)
	return a.render(c, fiber.StatusOK, "agenda", v)
}

// agendaFilter reads the agenda's filter form: a group, the facts, a language and a date range
// (from now, eight weeks, unless given), and where a later page starts.
func (a *app) agendaFilter(c *fiber.Ctx) (models.MeetupFilter, *agendaCursor, map[string]string, error) {
	values := formQueryValues(c, append([]string{"group", "language", "from", "to"}, agendaFactFilters...)...)
	fe := models.FieldErrors{}
	f := models.MeetupFilter{From: time.Now(), Limit: agendaPageSize + 1}
	factFilters(values, &f, fe)
	if v := values["from"]; v != "" {
		f.From = a.formDate(v, "from", fe)
	}
	f.To = f.From.AddDate(0, 0, 7*agendaWeeks)
	if v := values["to"]; v != "" {
		f.To = a.formDate(v, "to", fe).AddDate(0, 0, 1) // the whole last day
	}
	if len(fe) == 0 && !f.To.After(f.From) {
		fe["to"] = "meetups.filter.range_invalid"
	}
	cursor := a.agendaCursor(c, &f)
	return f, cursor, values, fe.Err()
}

// formQueryValues copies the named query parameters.
func formQueryValues(c *fiber.Ctx, names ...string) map[string]string {
	m := make(map[string]string, len(names))
	for _, n := range names {
		m[n] = strings.TrimSpace(c.Query(n))
	}
	return m
}

// factFilters applies the group, fact and language filters shared by the agenda and the API.
func factFilters(values map[string]string, f *models.MeetupFilter, fe models.FieldErrors) {
	if v := values["group"]; v != "" {
		id, ok := parseID(v)
		if !ok {
			fe["group"] = "meetups.filter.id_invalid"
		}
		f.GroupID = id
	}
	on := map[string]*bool{"wheelchair_accessible": &f.WheelchairAccessible, "child_friendly": &f.ChildFriendly,
		"free": &f.Free, "interpreter": &f.Interpreter, "quiet_space": &f.QuietSpace, "food_provided": &f.FoodProvided}
	for name, target := range on {
		switch values[name] {
		case "", "0", "false":
		case "1", "true", "on", "yes":
			*target = true
		default:
			fe[name] = "meetups.filter.flag_invalid"
		}
	}
	if v := strings.ToLower(values["language"]); v != "" {
		if !languageCode.MatchString(v) {
			fe["language"] = "meetups.filter.language_invalid"
		}
		f.Language = v
	}
}

// formDate reads a date (YYYY-MM-DD) as its first moment in the installation's zone.
func (a *app) formDate(v, name string, fe models.FieldErrors) time.Time {
	d, err := time.ParseInLocation(time.DateOnly, v, a.cfg.Location)
	if err != nil {
		fe[name] = "meetups.form.date_invalid"
		return time.Now()
	}
	return d
}

// agendaCursor reads where a later page starts and moves the filter's start there.
func (a *app) agendaCursor(c *fiber.Ctx, f *models.MeetupFilter) *agendaCursor {
	start, err := time.Parse(time.RFC3339Nano, strings.ReplaceAll(c.Query("cursor"), " ", "+"))
	id, ok := parseID(c.Query("after"))
	if err != nil || !ok || start.Before(f.From) {
		return nil
	}
	f.From = start
	return &agendaCursor{Start: start, ID: id}
}

// fillAgenda groups a page of meetups by day, leaves out those an earlier page showed, and links
// the next page when there is more.
func (a *app) fillAgenda(c *fiber.Ctx, v *agendaView, ms []models.Meetup, cursor *agendaCursor) {
	names := make(map[int64]string, len(v.Groups))
	for _, g := range v.Groups {
		names[g.ID] = g.Name
	}
	var next *models.Meetup
	if len(ms) > agendaPageSize {
		next, ms = &ms[agendaPageSize], ms[:agendaPageSize]
	}
	words := a.meetupWords(c)
	var days []agendaDay
	for i := range ms {
		m := &ms[i]
		if cursor != nil && (m.StartsAt.Before(cursor.Start) || m.StartsAt.Equal(cursor.Start) && m.ID < cursor.ID) {
			continue // on an earlier page
		}
		var group string
		if m.GroupID != nil {
			group = names[*m.GroupID]
		}
		days = a.onDay(days, m.StartsAt, words.line(m, group, nil))
		v.Count++
	}
	v.List = words.agendaHTML(days)
	if next != nil && (cursor == nil || next.StartsAt.After(cursor.Start) || next.ID > cursor.ID) {
		q := url.Values{}
		for k, val := range c.Queries() {
			q.Set(k, val)
		}
		q.Set("cursor", next.StartsAt.UTC().Format(time.RFC3339Nano))
		q.Set("after", itoa(next.ID))
		v.Later = c.Path() + "?" + q.Encode()
	}
}

// myAgendaPage lists the meetups I signed up for, upcoming, with where I stand for each.
func (a *app) myAgendaPage(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	now := time.Now()
	ms, mine, err := a.myMeetups(c, u, now, now.AddDate(myAgendaYears, 0, 0))
	if err != nil {
		return err
	}
	words := a.meetupWords(c)
	var days []agendaDay
	for i := range ms {
		r := mine[ms[i].ID]
		days = a.onDay(days, ms[i].StartsAt, words.line(&ms[i], "", &r))
	}
	return a.render(c, fiber.StatusOK, "agenda_mine", fiber.Map{"List": words.agendaHTML(days), "Count": len(ms)})
}

// myMeetups is my agenda between from and to with my sign-up for each meetup.
func (a *app) myMeetups(c *fiber.Ctx, u *models.User, from, to time.Time) ([]models.Meetup, map[int64]models.RSVPResult, error) {
	ms, err := models.MyMeetups(c.UserContext(), a.db.Gorm, u, from, to)
	if err != nil {
		return nil, nil, err
	}
	ids := make([]int64, len(ms))
	for i := range ms {
		ids[i] = ms[i].ID
	}
	mine, err := models.RSVPsOf(c.UserContext(), a.db.Gorm, u.ID, ids)
	return ms, mine, err
}

// apiMeetups lists meetups by neighbourhood, group, date range and facts.
func (a *app) apiMeetups(c *fiber.Ctx) error {
	f, err := apiMeetupFilter(c)
	if err != nil {
		return err
	}
	// The answer depends only on the meetups listed, which depend on who asks: it is kept per
	// person and served again while those meetups have the version it was made from.
	u := user(c)
	key := "api " + c.OriginalURL()
	if u != nil {
		key = "api " + itoa(u.ID) + " " + c.OriginalURL()
	}
	version, err := models.MeetupsVersion(c.UserContext(), a.db.Gorm, u, f)
	if err != nil {
		return err
	}
	if body, ok := a.pages.get(key, version); ok {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.Send(body)
	}
	ms, err := models.ListedMeetups(c.UserContext(), a.db.Gorm, u, f)
	if err != nil {
		return err
	}
	out := make([]meetupJSON, len(ms))
	for i := range ms {
		out[i] = newMeetupJSON(&ms[i], nil)
	}
	if err := c.JSON(fiber.Map{"meetups": out}); err != nil {
		return err
	}
	a.pages.put(key, version, c.Response().Body())
	return nil
}

// apiMeetupFilter reads the list's query: neighbourhood, group, from and to (RFC 3339; from
// defaults to now), limit (1 to 1000, default 50) and the fact filters.
func apiMeetupFilter(c *fiber.Ctx) (models.MeetupFilter, error) {
	values := formQueryValues(c, append([]string{"group", "language"}, agendaFactFilters...)...)
	fe := models.FieldErrors{}
	f := models.MeetupFilter{Limit: apiListDefault}
	factFilters(values, &f, fe)
	if v := c.Query("neighbourhood"); v != "" {
		id, ok := parseID(v)
		if !ok {
			fe["neighbourhood"] = "meetups.filter.id_invalid"
		}
		f.NeighbourhoodIDs = []int64{id}
	}
	f.From = queryTime(c, "from", time.Now(), fe)
	f.To = queryTime(c, "to", time.Time{}, fe)
	if len(fe) == 0 && !f.To.IsZero() && !f.To.After(f.From) {
		fe["to"] = "meetups.filter.range_invalid"
	}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			fe["limit"] = "meetups.filter.limit_invalid"
		}
		f.Limit = n
	}
	return f, fe.Err()
}

// queryTime reads an RFC 3339 query parameter. A "+" in the offset that arrived as a space
// (unescaped in the URL) is read as the "+" it was.
func queryTime(c *fiber.Ctx, name string, def time.Time, fe models.FieldErrors) time.Time {
	v := strings.TrimSpace(c.Query(name))
	if v == "" {
		return def
	}
	t, err := time.Parse(time.RFC3339, strings.ReplaceAll(v, " ", "+"))
	if err != nil {
		fe[name] = "meetups.filter.time_invalid"
		return def
	}
	return t
}

// apiMyMeetups is my agenda: the meetups I am going to or waitlisted for, with my sign-up.
func (a *app) apiMyMeetups(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	fe := models.FieldErrors{}
	from := queryTime(c, "from", time.Now(), fe)
	to := queryTime(c, "to", from.AddDate(myAgendaYears, 0, 0), fe)
	if err := fe.Err(); err != nil {
		return err
	}
	ms, mine, err := a.myMeetups(c, u, from, to)
	if err != nil {
		return err
	}
	out := make([]meetupJSON, len(ms))
	for i := range ms {
		r := mine[ms[i].ID]
		out[i] = newMeetupJSON(&ms[i], &r)
	}
	return c.JSON(fiber.Map{"meetups": out})
}
