package main

import (
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"nabij/models"
)

// The volunteer profile form: skills as checkboxes by life domain, free tags, interests,
// languages, weekly time slots per weekday, dates away, neighbourhoods, how and how much to help,
// constraints, phone, consent to be asked, a pause; and, when a worker fills it in for someone,
// that person's consent. The models check every value; here the form is only read and shown again.

// commonLanguages are ticked as checkboxes; other languages are typed as codes.
var commonLanguages = []string{"nl", "fr", "en", "ar", "tr", "ber", "pl", "ro", "bg", "es", "uk", "ru", "so", "ti", "fa", "ps"}

// weekOrder is the week as people here count it: Monday first (weekday numbers as time.Weekday).
var weekOrder = []int{1, 2, 3, 4, 5, 6, 0}

const (
	slotsShown = 1 // time slots offered on a weekday without any
	awayShown  = 2 // empty stretches of dates away offered
	maxRows    = 8 // rows read per weekday, and stretches away
)

// volunteerFormView is the profile form, for the signed-in person or for a resident a worker
// helps (Person differs from the signed-in person).
type volunteerFormView struct {
	Person    *models.User
	ForOther  bool
	Exists    bool
	Saved     bool
	Action    string
	Catalog   []models.SkillDomain
	Hoods     []models.Neighbourhood
	Languages []string
	Modes     []models.HelpMode
	Days      []dayRows
	Away      []int
	Form      *form
}

// dayRows are the time slot rows of one weekday on the form.
type dayRows struct {
	Weekday int
	Rows    []int
}

// Has says whether a field that takes several values (checkboxes) holds value.
func (f *form) Has(name, value string) bool {
	return f != nil && slices.Contains(strings.Fields(f.Values[name]), value)
}

// postedValues copies every posted field for showing the form again; a field sent several times
// (checkboxes) keeps all its values, separated by spaces.
func postedValues(c *fiber.Ctx) map[string]string {
	out := map[string]string{}
	c.Request().PostArgs().VisitAll(func(k, v []byte) {
		key := string(k)
		if key == "_csrf" {
			return
		}
		if prev, ok := out[key]; ok {
			out[key] = prev + " " + string(v)
		} else {
			out[key] = string(v)
		}
	})
	return out
}

// formList reads every value of a field sent several times.
func formList(c *fiber.Ctx, name string) []string {
	var out []string
	for _, v := range c.Request().PostArgs().PeekMulti(name) {
		if s := strings.TrimSpace(string(v)); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// formInts reads checkbox ids; one that is not a number is reported as invalid.
func formInts(c *fiber.Ctx, name, invalid string, fe models.FieldErrors) []int {
	var out []int
	for _, s := range formList(c, name) {
		n, err := strconv.Atoi(s)
		if err != nil {
			fe[name] = invalid
			continue
		}
		out = append(out, n)
	}
	return out
}

// formLanguages reads the ticked languages and the codes typed beside them.
func formLanguages(c *fiber.Ctx) []string {
	return append(formList(c, "languages"), splitLanguages(c.FormValue("languages_other"))...)
}

// volunteerFormInput reads the profile form.
func (a *app) volunteerFormInput(c *fiber.Ctx) (models.VolunteerInput, models.FieldErrors) {
	fe := models.FieldErrors{}
	in := models.VolunteerInput{
		Skills:       formInts(c, "skills", "volunteer.skills.unknown", fe),
		Interests:    formList(c, "interests"),
		Languages:    formLanguages(c),
		Tags:         strings.Split(c.FormValue("tags"), ","),
		HelpMode:     models.HelpMode(c.FormValue("help_mode")),
		Constraints:  c.FormValue("constraints"),
		Phone:        c.FormValue("phone"),
		ConsentToAsk: c.FormValue("consent_to_ask") == "1",
		Paused:       c.FormValue("paused") == "1",
		Consent:      c.FormValue("consent") == "1",
	}
	for _, s := range formList(c, "neighbourhoods") {
		id, ok := parseID(s)
		if !ok {
			fe["neighbourhoods"] = "volunteer.neighbourhoods.unknown"
			continue
		}
		in.Neighbourhoods = append(in.Neighbourhoods, id)
	}
	hours := formNumber(c, "max_hours_month", "volunteer.max_hours.invalid", fe)
	in.MaxHoursMonth = &hours
	in.Availability = formSlots(c, fe)
	in.Away = formAway(c, fe)
	return in, fe
}

// formSlots reads the weekly time slots: slot_{weekday}_{row}_start and _end. An end of 00:00
// after a later start is the midnight that ends the day (a time field cannot say 24:00).
func formSlots(c *fiber.Ctx, fe models.FieldErrors) []models.Slot {
	var out []models.Slot
	for day := 0; day < 7; day++ {
		for row := 0; row < maxRows; row++ {
			prefix := "slot_" + strconv.Itoa(day) + "_" + strconv.Itoa(row) + "_"
			start, end := strings.TrimSpace(c.FormValue(prefix+"start")), strings.TrimSpace(c.FormValue(prefix+"end"))
			switch {
			case start == "" && end == "":
				continue
			case start == "" || end == "":
				fe["availability"] = "volunteer.availability.invalid"
				continue
			case end == "00:00" && start != "00:00":
				end = "24:00"
			}
			out = append(out, models.Slot{Weekday: day, Start: start, End: end})
		}
	}
	return out
}

// formAway reads the stretches of dates away: away_{row}_from and _to.
func formAway(c *fiber.Ctx, fe models.FieldErrors) []models.DateRange {
	var out []models.DateRange
	for row := 0; row < maxRows; row++ {
		prefix := "away_" + strconv.Itoa(row) + "_"
		from, to := strings.TrimSpace(c.FormValue(prefix+"from")), strings.TrimSpace(c.FormValue(prefix+"to"))
		if from == "" && to == "" {
			continue
		}
		if to == "" {
			to = from // one day away
		}
		f, err1 := models.ParseDate(from)
		t, err2 := models.ParseDate(to)
		if err1 != nil || err2 != nil {
			fe["away"] = "volunteer.away.invalid"
			continue
		}
		out = append(out, models.DateRange{From: f, To: t})
	}
	return out
}

// profileValues fills the form with a profile as it is.
func profileValues(p *models.VolunteerProfile) map[string]string {
	v := map[string]string{"tags": strings.Join(p.Tags, ", "), "interests": strings.Join(p.Interests, " "),
		"help_mode": string(p.HelpMode), "constraints": p.ConstraintsNote}
	skills := make([]string, len(p.Skills))
	for i, id := range p.Skills {
		skills[i] = strconv.Itoa(id)
	}
	v["skills"] = strings.Join(skills, " ")
	var ticked, other []string
	for _, l := range p.Languages {
		if slices.Contains(commonLanguages, l) {
			ticked = append(ticked, l)
		} else {
			other = append(other, l)
		}
	}
	v["languages"], v["languages_other"] = strings.Join(ticked, " "), strings.Join(other, ", ")
	hoods := make([]string, len(p.Neighbourhoods))
	for i, id := range p.Neighbourhoods {
		hoods[i] = itoa(id)
	}
	v["neighbourhoods"] = strings.Join(hoods, " ")
	if p.MaxHoursMonth != nil {
		v["max_hours_month"] = strconv.Itoa(*p.MaxHoursMonth)
	}
	if p.Phone != nil {
		v["phone"] = *p.Phone
	}
	if p.ConsentToAsk {
		v["consent_to_ask"] = "1"
	}
	if p.Paused() {
		v["paused"] = "1"
	}
	rows := map[int]int{}
	for _, s := range p.Availability {
		prefix := "slot_" + strconv.Itoa(s.Weekday) + "_" + strconv.Itoa(rows[s.Weekday]) + "_"
		v[prefix+"start"], v[prefix+"end"] = s.Start, s.End
		if s.End == "24:00" {
			v[prefix+"end"] = "00:00"
		}
		rows[s.Weekday]++
	}
	for i, r := range p.Away {
		prefix := "away_" + strconv.Itoa(i) + "_"
		v[prefix+"from"], v[prefix+"to"] = r.From.String(), r.To.String()
	}
	return v
}

// newProfileValues are the starting values of a new profile: the person's home neighbourhood,
// Dutch, both ways of helping, and yes to being asked.
func newProfileValues(u *models.User) map[string]string {
	v := map[string]string{"languages": "nl", "help_mode": string(models.HelpBoth), "consent_to_ask": "1"}
	if u.HomeNeighbourhoodID != nil {
		v["neighbourhoods"] = itoa(*u.HomeNeighbourhoodID)
	}
	return v
}

// layoutRows sizes the form to its values: per weekday the slots filled plus empty ones, and the
// stretches away likewise.
func (v *volunteerFormView) layoutRows() {
	filled := func(prefix string) int {
		n := 0
		for row := 0; row < maxRows; row++ {
			p := prefix + strconv.Itoa(row) + "_"
			if v.Form.V(p+"start") != "" || v.Form.V(p+"end") != "" || v.Form.V(p+"from") != "" || v.Form.V(p+"to") != "" {
				n = row + 1
			}
		}
		return n
	}
	v.Days = make([]dayRows, 0, 7)
	for _, day := range weekOrder {
		n := min(max(filled("slot_"+strconv.Itoa(day)+"_")+1, slotsShown), maxRows)
		v.Days = append(v.Days, dayRows{Weekday: day, Rows: count(n)})
	}
	v.Away = count(min(max(filled("away_")+1, awayShown), maxRows))
}

// count is 0, 1, ... n-1, for ranging over rows in a template.
func count(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}
