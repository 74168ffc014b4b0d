package main

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"nabij/models"
)

// The form that creates and edits a meetup. Times are typed as wall-clock times in the
// installation's time zone (<input type="datetime-local">); the repeat is chosen from a few
// patterns people use, or typed as an RRULE.

// datetimeLocal is the value format of <input type="datetime-local">.
const datetimeLocal = "2006-01-02T15:04"

var meetupFormFields = []string{"title", "description", "starts_at", "ends_at", "place_name", "place_address",
	"place_lat", "place_lon", "online_url", "capacity", "wheelchair_accessible", "child_friendly", "free", "cost",
	"languages", "interpreter", "quiet_space", "food_provided", "repeat", "repeat_count", "repeat_until", "rrule", "scope"}

// meetupHome is where a new meetup goes: a neighbourhood's own agenda or a group.
type meetupHome struct {
	HoodID int64
	Group  *models.Group
	Name   string // the neighbourhood's or the group's name
	Action string // where the form posts
	Back   string
}

// meetupEditView is the create or edit form: Home for a new meetup, M for one that exists.
type meetupEditView struct {
	Home   *meetupHome
	M      *models.Meetup
	Action string
	Form   *form
}

// hoodMeetupHome is the signed-in person's new meetup of the :id neighbourhood itself.
func (a *app) hoodMeetupHome(c *fiber.Ctx) (*meetupHome, error) {
	u, err := a.mustUser(c)
	if err != nil {
		return nil, err
	}
	n, err := a.loadNeighbourhood(c)
	if err != nil {
		return nil, err
	}
	if ok, err := models.CanCreateMeetup(c.UserContext(), a.db.Gorm, u, n.ID, nil); err != nil || !ok {
		return nil, forbiddenUnless(err)
	}
	path := "/neighbourhoods/" + itoa(n.ID)
	return &meetupHome{HoodID: n.ID, Name: n.Name, Action: path + "/meetups/new", Back: path + "/agenda"}, nil
}

// groupMeetupHome is the signed-in person's new meetup of the :id group.
func (a *app) groupMeetupHome(c *fiber.Ctx) (*meetupHome, error) {
	u, err := a.mustUser(c)
	if err != nil {
		return nil, err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return nil, err
	}
	g, err := models.GroupByID(c.UserContext(), a.db.Gorm, u, id)
	if err != nil {
		return nil, err
	}
	if ok, err := models.CanCreateMeetup(c.UserContext(), a.db.Gorm, u, g.NeighbourhoodID, g); err != nil || !ok {
		return nil, forbiddenUnless(err)
	}
	path := "/groups/" + itoa(g.ID)
	return &meetupHome{HoodID: g.NeighbourhoodID, Group: g, Name: g.Name, Action: path + "/meetups/new", Back: path}, nil
}

// forbiddenUnless is err, or ErrForbidden when there is none.
func forbiddenUnless(err error) error {
	if err != nil {
		return err
	}
	return models.ErrForbidden
}

// newMeetupPage shows an empty form for a new meetup where home says.
func (a *app) newMeetupPage(home func(*fiber.Ctx) (*meetupHome, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		h, err := home(c)
		if err != nil {
			return err
		}
		f := &form{Values: map[string]string{"free": "1"}}
		return a.render(c, fiber.StatusOK, "meetup_edit", meetupEditView{Home: h, Action: h.Action, Form: f})
	}
}

// createMeetup stores the new meetup (or series) as a draft or published, then shows it.
func (a *app) createMeetup(home func(*fiber.Ctx) (*meetupHome, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		h, err := home(c)
		if err != nil {
			return err
		}
		in, fe := a.meetupFormInput(c)
		nm := models.NewMeetup{NeighbourhoodID: h.HoodID, RRule: a.formRRule(c, in.StartsAt, fe), MeetupInput: in}
		if h.Group != nil {
			nm.GroupID = &h.Group.ID
		}
		var m *models.Meetup
		if err = fe.Err(); err == nil {
			m, err = models.CreateMeetup(c.UserContext(), a.db.Gorm, user(c), nm, a.cfg.Location)
		}
		if err != nil {
			return a.meetupEditFailure(c, meetupEditView{Home: h, Action: h.Action}, err)
		}
		return c.Redirect("/meetups/"+itoa(m.ID), fiber.StatusSeeOther)
	}
}

func (a *app) editMeetupPage(c *fiber.Ctx) error {
	_, m, err := a.organisedMeetup(c)
	if err != nil {
		return err
	}
	v := meetupEditView{M: m, Action: "/meetups/" + itoa(m.ID) + "/edit", Form: &form{Values: a.meetupFormValues(m)}}
	return a.render(c, fiber.StatusOK, "meetup_edit", v)
}

func (a *app) editMeetup(c *fiber.Ctx) error {
	u, m, err := a.organisedMeetup(c)
	if err != nil {
		return err
	}
	in, fe := a.meetupFormInput(c)
	scope, serr := meetupScope(c.FormValue("scope"))
	if err = fe.Err(); err == nil {
		err = serr
	}
	if err == nil {
		_, err = models.UpdateMeetup(c.UserContext(), a.db.Gorm, u, m.ID, in, scope)
	}
	if err != nil {
		return a.meetupEditFailure(c, meetupEditView{M: m, Action: "/meetups/" + itoa(m.ID) + "/edit"}, err)
	}
	return c.Redirect("/meetups/"+itoa(m.ID), fiber.StatusSeeOther)
}

// meetupEditFailure shows the form again with what was typed and a message per field.
func (a *app) meetupEditFailure(c *fiber.Ctx, v meetupEditView, err error) error {
	f, status, err := a.formFailure(c, err, formValues(c, meetupFormFields...))
	if err != nil {
		return err
	}
	v.Form = f
	return a.render(c, status, "meetup_edit", v)
}

// meetupFormInput reads the form. Every field is sent, so every field is set; what cannot be
// read (a malformed date or number) is reported per field.
func (a *app) meetupFormInput(c *fiber.Ctx) (models.MeetupInput, models.FieldErrors) {
	fe := models.FieldErrors{}
	title, description, online := c.FormValue("title"), c.FormValue("description"), c.FormValue("online_url")
	in := models.MeetupInput{Title: &title, Description: &description, OnlineURL: &online, Publish: c.FormValue("publish") == "1"}
	in.StartsAt = a.formDateTime(c, "starts_at", fe)
	in.EndsAt = a.formDateTime(c, "ends_at", fe)
	capacity := formNumber(c, "capacity", "meetup.capacity.invalid", fe)
	in.Capacity = &capacity
	place := models.Place{Name: c.FormValue("place_name"), Address: c.FormValue("place_address"),
		Lat: formFloat(c, "place_lat", fe), Lon: formFloat(c, "place_lon", fe)}
	in.Place = &place
	facts := models.Facts{WheelchairAccessible: formTriState(c, "wheelchair_accessible"), ChildFriendly: formTriState(c, "child_friendly"),
		Free: c.FormValue("free") == "1", Cost: c.FormValue("cost"), Languages: splitLanguages(c.FormValue("languages")),
		Interpreter: formTriState(c, "interpreter"), QuietSpace: formTriState(c, "quiet_space"), FoodProvided: formTriState(c, "food_provided")}
	in.Facts = &facts
	return in, fe
}

// formDateTime reads a datetime-local field as a time in the installation's zone; empty is nil.
func (a *app) formDateTime(c *fiber.Ctx, name string, fe models.FieldErrors) *time.Time {
	v := strings.TrimSpace(c.FormValue(name))
	if v == "" {
		return nil
	}
	t, err := time.ParseInLocation(datetimeLocal, v, a.cfg.Location)
	if err != nil {
		t, err = time.ParseInLocation(datetimeLocal+":05", v, a.cfg.Location)
	}
	if err != nil {
		fe[name] = "meetups.form.datetime_invalid"
		return nil
	}
	return &t
}

// formNumber reads a whole number; empty is 0.
func formNumber(c *fiber.Ctx, name, invalid string, fe models.FieldErrors) int {
	v := strings.TrimSpace(c.FormValue(name))
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		fe[name] = invalid
		return 0
	}
	return n
}

// formFloat reads a decimal number such as a coordinate (a decimal comma is fine); empty is nil.
func formFloat(c *fiber.Ctx, name string, fe models.FieldErrors) *float64 {
	v := strings.ReplaceAll(strings.TrimSpace(c.FormValue(name)), ",", ".")
	if v == "" {
		return nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		fe[name] = "meetups.form.number_invalid"
		return nil
	}
	return &f
}

// formTriState reads a yes / no / not said choice.
func formTriState(c *fiber.Ctx, name string) *bool {
	switch c.FormValue(name) {
	case "yes":
		return new(true)
	case "no":
		return new(false)
	}
	return nil
}

// splitLanguages reads "nl, fr ar" as language codes; the model checks them.
func splitLanguages(s string) models.Languages {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' })
}

// languageList names languages each in its own language ("Nederlands, français"), so people
// recognise theirs.
func languageList(codes []string) string {
	names := make([]string, 0, len(codes))
	for _, code := range codes {
		name := display.Self.Name(language.Make(code))
		if name == "" {
			name = strings.ToUpper(code)
		}
		names = append(names, name)
	}
	return strings.Join(names, ", ")
}

// formRRule builds the repeat rule from the form: weekly, every two weeks or monthly on the same
// weekday (the 2nd Tuesday, the last Friday), a number of times or until a date. A rule typed in
// the advanced field is taken as it is. A repeat without an end is passed on for the model to
// refuse with its own message.
func (a *app) formRRule(c *fiber.Ctx, start *time.Time, fe models.FieldErrors) string {
	if typed := strings.TrimSpace(c.FormValue("rrule")); typed != "" {
		return typed
	}
	var rule string
	switch c.FormValue("repeat") {
	case "", "none":
		return ""
	case "weekly":
		rule = "FREQ=WEEKLY"
	case "biweekly":
		rule = "FREQ=WEEKLY;INTERVAL=2"
	case "monthly":
		if start == nil {
			return "" // the start's own message says what is wrong
		}
		rule = "FREQ=MONTHLY;BYDAY=" + nthWeekday(start.In(a.cfg.Location))
	default:
		fe["repeat"] = "meetups.form.repeat_invalid"
		return ""
	}
	return a.repeatEnd(c, rule, fe)
}

// repeatEnd adds the number of times or the end date to a repeat rule.
func (a *app) repeatEnd(c *fiber.Ctx, rule string, fe models.FieldErrors) string {
	if count := strings.TrimSpace(c.FormValue("repeat_count")); count != "" {
		n, err := strconv.Atoi(count)
		if err != nil || n < 1 {
			fe["repeat_count"] = "meetups.form.count_invalid"
			return ""
		}
		return rule + ";COUNT=" + strconv.Itoa(n)
	}
	if until := strings.TrimSpace(c.FormValue("repeat_until")); until != "" {
		d, err := time.Parse(time.DateOnly, until)
		if err != nil {
			fe["repeat_until"] = "meetups.form.date_invalid"
			return ""
		}
		return rule + ";UNTIL=" + d.Format("20060102") // a date: that whole day, in the series' zone
	}
	return rule
}

// nthWeekday is the RRULE BYDAY of t's weekday in its month: 2TU for the second Tuesday, -1FR for
// a fifth Friday (which is always the last).
func nthWeekday(t time.Time) string {
	n := (t.Day()-1)/7 + 1
	if n == 5 {
		n = -1
	}
	return strconv.Itoa(n) + [...]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}[t.Weekday()]
}

// meetupFormValues fills the edit form with a meetup as it is.
func (a *app) meetupFormValues(m *models.Meetup) map[string]string {
	loc := a.cfg.Location
	v := map[string]string{"title": m.Title, "description": m.Description, "cost": m.Facts.Cost,
		"starts_at": m.StartsAt.In(loc).Format(datetimeLocal), "ends_at": m.EndsAt.In(loc).Format(datetimeLocal),
		"place_name": m.Place.Name, "place_address": m.Place.Address, "languages": strings.Join(m.Facts.Languages, ", ")}
	for name, fact := range map[string]*bool{"wheelchair_accessible": m.Facts.WheelchairAccessible, "child_friendly": m.Facts.ChildFriendly,
		"interpreter": m.Facts.Interpreter, "quiet_space": m.Facts.QuietSpace, "food_provided": m.Facts.FoodProvided} {
		v[name] = triValue(fact)
	}
	if m.Facts.Free {
		v["free"] = "1"
	}
	if m.OnlineURL != nil {
		v["online_url"] = *m.OnlineURL
	}
	if m.Capacity != nil {
		v["capacity"] = strconv.Itoa(*m.Capacity)
	}
	if m.Place.Lat != nil && m.Place.Lon != nil {
		v["place_lat"] = strconv.FormatFloat(*m.Place.Lat, 'f', -1, 64)
		v["place_lon"] = strconv.FormatFloat(*m.Place.Lon, 'f', -1, 64)
	}
	return v
}

// triValue is the form value of a yes / no / not said fact.
func triValue(b *bool) string {
	switch {
	case b == nil:
		return ""
	case *b:
		return "yes"
	}
	return "no"
}
