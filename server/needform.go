package main

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"nabij/models"
)

// The form that creates a need: for a neighbourhood (a worker for anyone, or a resident asking for
// help for themselves) or for a meetup (its organisers). Shifts are rows of a date, a start and
// an end time and a number of places; blank rows are left out. A repeat repeats every shift, as
// for meetups.

// shiftRowsShown is how many shift rows a new need's form offers; more come back when sent.
const shiftRowsShown = 3

// needHome is where a new need goes: a neighbourhood, or a meetup (then its neighbourhood).
type needHome struct {
	HoodID    int64
	Meetup    *models.Meetup
	Name      string
	Action    string
	Back      string
	Residents []models.AccountRow // a worker may enter the need for one of them
	ForMe     bool                // a resident: they may ask for help for themselves
}

// needFormView is the create form.
type needFormView struct {
	Home      *needHome
	Catalog   []models.SkillDomain
	Languages []string
	Rows      []formRow
	Form      *form
}

// formRow is a numbered row of the form: I counts from 0 (field names), N from 1 (people).
type formRow struct{ I, N int }

// hoodNeedHome is a new need of the :id neighbourhood, for who may create one there.
func (a *app) hoodNeedHome(c *fiber.Ctx) (*needHome, error) {
	u, err := a.mustUser(c)
	if err != nil {
		return nil, err
	}
	n, err := a.loadNeighbourhood(c)
	if err != nil {
		return nil, err
	}
	ctx, db := c.UserContext(), a.db.Gorm
	// A resident may only ask for themselves; a worker may enter a need for anyone.
	if ok, err := models.CanCreateNeed(ctx, db, u, n.ID, nil, &u.ID); err != nil || !ok {
		return nil, forbiddenUnless(err)
	}
	path := "/neighbourhoods/" + itoa(n.ID)
	h := &needHome{HoodID: n.ID, Name: n.Name, Action: path + "/needs/new", Back: path + "/needs"}
	if models.CanRegisterOnBehalf(u) {
		if h.Residents, err = models.ResidentsFor(ctx, db, u); err != nil {
			return nil, err
		}
	} else {
		h.ForMe = true
	}
	return h, nil
}

// meetupNeedHome is a new need of the :id meetup, for its organisers.
func (a *app) meetupNeedHome(c *fiber.Ctx) (*needHome, error) {
	_, m, err := a.organisedMeetup(c)
	if err != nil {
		return nil, err
	}
	path := "/meetups/" + itoa(m.ID)
	return &needHome{HoodID: m.NeighbourhoodID, Meetup: m, Name: m.Title, Action: path + "/needs/new", Back: path + "/needs"}, nil
}

// newNeedPage shows an empty form; for a meetup, the first shift is the meetup's time and the
// place is the meetup's.
func (a *app) newNeedPage(home func(*fiber.Ctx) (*needHome, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		h, err := home(c)
		if err != nil {
			return err
		}
		values := map[string]string{"access": string(models.NeedOpenToAll), "shift_0_places": "1", "for_me": "1"}
		if m := h.Meetup; m != nil {
			loc := a.cfg.Location
			values["place_name"], values["place_address"] = m.Place.Name, m.Place.Address
			values["shift_0_date"] = m.StartsAt.In(loc).Format(time.DateOnly)
			values["shift_0_start"], values["shift_0_end"] = m.StartsAt.In(loc).Format("15:04"), m.EndsAt.In(loc).Format("15:04")
		}
		return a.renderNeedForm(c, fiber.StatusOK, h, &form{Values: values})
	}
}

func (a *app) renderNeedForm(c *fiber.Ctx, status int, h *needHome, f *form) error {
	catalog, err := models.SkillCatalog(c.UserContext(), a.db.Gorm)
	if err != nil {
		return err
	}
	rows := shiftRowsShown
	for i := 0; i < maxShiftRows; i++ {
		if f.V(shiftField(i, "date")) != "" || f.V(shiftField(i, "start")) != "" || f.E(shiftField(i, "")) != "" {
			rows = max(rows, i+1)
		}
	}
	v := needFormView{Home: h, Catalog: catalog, Languages: commonLanguages, Form: f}
	for i := range rows {
		v.Rows = append(v.Rows, formRow{I: i, N: i + 1})
	}
	return a.render(c, status, "need_new", v)
}

// createNeed stores the need with its shifts and shows it.
func (a *app) createNeed(home func(*fiber.Ctx) (*needHome, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		h, err := home(c)
		if err != nil {
			return err
		}
		in, rows, fe := a.needFormInput(c, h)
		var d *models.NeedDetail
		if err = fe.Err(); err == nil {
			d, err = models.CreateNeed(c.UserContext(), a.db.Gorm, user(c), in, a.cfg.Location)
		}
		if err != nil {
			f, status, err := a.formFailure(c, shiftRowErrors(err, rows), postedValues(c))
			if err != nil {
				return err
			}
			return a.renderNeedForm(c, status, h, f)
		}
		return c.Redirect("/needs/"+itoa(d.ID), fiber.StatusSeeOther)
	}
}

// maxShiftRows is how many shift rows the form reads.
const maxShiftRows = 20

// needFormInput reads the form; rows are the form rows of the shifts sent, in order.
func (a *app) needFormInput(c *fiber.Ctx, h *needHome) (models.NewNeed, []int, models.FieldErrors) {
	fe := models.FieldErrors{}
	title, description := c.FormValue("title"), c.FormValue("description")
	place, address := c.FormValue("place_name"), c.FormValue("place_address")
	required := formInts(c, "required_skills", "need.skills.unknown", fe)
	nice := formInts(c, "nice_skills", "need.skills.unknown", fe)
	languages := formLanguages(c)
	access := models.NeedAccess(c.FormValue("access"))
	in := models.NewNeed{NeighbourhoodID: h.HoodID, NeedInput: models.NeedInput{Title: &title, Description: &description,
		PlaceName: &place, PlaceAddress: &address, RequiredSkills: &required, NiceSkills: &nice, Languages: &languages, Access: &access}}
	if h.Meetup != nil {
		in.MeetupID = &h.Meetup.ID
	}
	if id := c.FormValue("resident_id"); id != "" && h.Residents != nil {
		rid, ok := parseID(id)
		if !ok {
			fe["resident_id"] = "need.resident.unknown"
		}
		in.ResidentID = &rid
	}
	if h.ForMe && c.FormValue("for_me") == "1" {
		in.ResidentID = &user(c).ID
	}
	var rows []int
	var first *time.Time
	for i := 0; i < maxShiftRows; i++ {
		s, filled := a.formShift(c, "shift_"+strconv.Itoa(i)+"_", shiftField(i, ""), fe)
		if !filled {
			continue
		}
		rows = append(rows, i)
		in.Shifts = append(in.Shifts, s)
		if first == nil {
			first = s.StartsAt
		}
	}
	in.RRule = a.formRRule(c, first, fe)
	return in, rows, fe
}

// shiftField names a field of shift row i ("" for the row as a whole, where its messages go).
func shiftField(i int, name string) string {
	if name == "" {
		return "shift_" + strconv.Itoa(i)
	}
	return "shift_" + strconv.Itoa(i) + "_" + name
}

// maxNightShift is how long a shift whose end time comes before its start time may last: such an
// end is on the next day (a night shift, 22:00 until 06:00). Longer, it is more likely a slip of
// the finger (10:00 until 09:00), and the shift is refused as ending before it starts. An end of
// 00:00 is always the midnight after, however long the day.
const maxNightShift = 12 * time.Hour

// formShift reads one shift: {prefix}date, {prefix}start, {prefix}end (times from that date; an
// end before the start is the next day, maxNightShift) and {prefix}places. A row left blank is
// not filled; a date or time that cannot be read goes to errField.
func (a *app) formShift(c *fiber.Ctx, prefix, errField string, fe models.FieldErrors) (models.ShiftInput, bool) {
	date, start, end := strings.TrimSpace(c.FormValue(prefix+"date")), strings.TrimSpace(c.FormValue(prefix+"start")), strings.TrimSpace(c.FormValue(prefix+"end"))
	if date == "" && start == "" && end == "" {
		return models.ShiftInput{}, false
	}
	loc := a.cfg.Location
	from, err1 := time.ParseInLocation("2006-01-02 15:04", date+" "+start, loc)
	to, err2 := time.ParseInLocation("2006-01-02 15:04", date+" "+end, loc)
	if err1 != nil || err2 != nil {
		fe[errField] = "vpages.need.shift_invalid"
		return models.ShiftInput{}, true
	}
	if next := to.AddDate(0, 0, 1); !to.After(from) && (next.Sub(from) <= maxNightShift || end == "00:00" && start != "00:00") {
		to = next
	}
	places := formNumber(c, prefix+"places", "shift.places.invalid", fe)
	if _, bad := fe[prefix+"places"]; bad {
		fe[errField] = fe[prefix+"places"]
		delete(fe, prefix+"places")
	}
	return models.ShiftInput{StartsAt: &from, EndsAt: &to, Places: &places}, true
}

// shiftRowErrors moves the model's messages about shift k ("shifts.k.ends_at") to the form row it
// came from, where the form shows them.
func shiftRowErrors(err error, rows []int) error {
	var fe models.FieldErrors
	if !errors.As(err, &fe) {
		return err
	}
	out := models.FieldErrors{}
	for k, v := range fe {
		if i, ok := shiftIndex(k); ok && i < len(rows) {
			out[shiftField(rows[i], "")] = v
			continue
		}
		out[k] = v
	}
	return out
}

// shiftIndex reads the shift number of a model's field such as "shifts.3.ends_at".
func shiftIndex(k string) (int, bool) {
	parts := strings.SplitN(k, ".", 3)
	if len(parts) != 3 || parts[0] != "shifts" {
		return 0, false
	}
	n, err := strconv.Atoi(parts[1])
	return n, err == nil
}
