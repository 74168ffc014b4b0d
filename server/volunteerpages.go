package main

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"nabij/models"
)

// The volunteer's pages: becoming a volunteer and changing the profile (also a worker's profile
// for a resident, with consent), the volunteer's own page with invitations and shifts to come,
// the needs that fit them with the reasons, their shifts with "I'm here" and hours to log, their
// hours and a confirmation to print; and a volunteer's profile as the people who may see it see it.
// Needs are in needpages.go, the actions on shifts in shiftpages.go.

// volunteerOf is u's volunteer profile, nil when they have none.
func (a *app) volunteerOf(c *fiber.Ctx, u *models.User) (*models.VolunteerProfile, error) {
	p, err := models.VolunteerOf(c.UserContext(), a.db.Gorm, u.ID)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil
	}
	return p, err
}

// volunteerHomeView is the volunteer's own page.
type volunteerHomeView struct {
	Profile     *models.VolunteerProfile
	Saved       bool
	Stopped     bool
	Invitations []models.InvitationView
	Shifts      []models.MyShift
}

func (a *app) volunteerHomePage(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	ctx, db := c.UserContext(), a.db.Gorm
	v := volunteerHomeView{Saved: c.Query("saved") == "1", Stopped: c.Query("stopped") == "1"}
	if v.Profile, err = a.volunteerOf(c, u); err != nil {
		return err
	}
	if v.Invitations, err = models.MyNeedInvitations(ctx, db, u, true); err != nil {
		return err
	}
	if v.Shifts, err = models.MyShifts(ctx, db, u, time.Now()); err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "volunteer", v)
}

// volunteerForm builds the profile form for person with the given values.
func (a *app) volunteerForm(c *fiber.Ctx, person *models.User, action string, exists bool, f *form) (*volunteerFormView, error) {
	ctx, db := c.UserContext(), a.db.Gorm
	v := &volunteerFormView{Person: person, ForOther: person.ID != user(c).ID, Exists: exists, Action: action,
		Languages: commonLanguages, Form: f, Saved: c.Query("saved") == "1",
		Modes: []models.HelpMode{models.HelpOneOff, models.HelpRegular, models.HelpBoth}}
	var err error
	if v.Catalog, err = models.SkillCatalog(ctx, db); err != nil {
		return nil, err
	}
	if v.Hoods, err = models.Neighbourhoods(ctx, db); err != nil {
		return nil, err
	}
	v.layoutRows()
	return v, nil
}

// renderVolunteerForm shows the form for person: filled with their profile, or with starting
// values when they have none.
func (a *app) renderVolunteerForm(c *fiber.Ctx, person *models.User, action string) error {
	p, err := a.volunteerOf(c, person)
	if err != nil {
		return err
	}
	f := &form{Values: newProfileValues(person)}
	if p != nil {
		f.Values = profileValues(p)
	}
	v, err := a.volunteerForm(c, person, action, p != nil, f)
	if err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "volunteer_profile", v)
}

func (a *app) volunteerProfilePage(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	return a.renderVolunteerForm(c, u, "/volunteer/profile")
}

func (a *app) saveVolunteerProfile(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	in, fe := a.volunteerFormInput(c)
	if err = fe.Err(); err == nil {
		_, err = models.SaveVolunteer(c.UserContext(), a.db.Gorm, u, in)
	}
	if err != nil {
		return a.volunteerFormFailure(c, u, "/volunteer/profile", err)
	}
	return c.Redirect("/volunteer?saved=1", fiber.StatusSeeOther)
}

// volunteerFormFailure shows the profile form again with what was typed and a message per field.
func (a *app) volunteerFormFailure(c *fiber.Ctx, person *models.User, action string, err error) error {
	f, status, err := a.formFailure(c, err, postedValues(c))
	if err != nil {
		return err
	}
	exists, err := a.volunteerOf(c, person)
	if err != nil {
		return err
	}
	v, err := a.volunteerForm(c, person, action, exists != nil, f)
	if err != nil {
		return err
	}
	return a.render(c, status, "volunteer_profile", v)
}

// stopVolunteering removes the signed-in person's profile; shifts to come are given up.
func (a *app) stopVolunteering(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	if err := models.StopVolunteering(c.UserContext(), a.db.Gorm, u); err != nil && !errors.Is(err, models.ErrNotFound) {
		return err
	}
	return c.Redirect("/volunteer?stopped=1", fiber.StatusSeeOther)
}

// residentForVolunteering is the :id resident a worker makes a profile for; 404 when the worker
// does not look after them.
func (a *app) residentForVolunteering(c *fiber.Ctx) (*models.User, error) {
	u, err := a.mustUser(c)
	if err != nil {
		return nil, err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return nil, err
	}
	person, err := models.UserByID(c.UserContext(), a.db.Gorm, id)
	if err != nil {
		return nil, err
	}
	ok, err := models.CanManageVolunteerFor(c.UserContext(), a.db.Gorm, u, person)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, models.ErrNotFound
	}
	return person, nil
}

func (a *app) residentVolunteerPage(c *fiber.Ctx) error {
	person, err := a.residentForVolunteering(c)
	if err != nil {
		return err
	}
	return a.renderVolunteerForm(c, person, "/residents/"+itoa(person.ID)+"/volunteer")
}

func (a *app) saveResidentVolunteer(c *fiber.Ctx) error {
	person, err := a.residentForVolunteering(c)
	if err != nil {
		return err
	}
	action := "/residents/" + itoa(person.ID) + "/volunteer"
	in, fe := a.volunteerFormInput(c)
	if err = fe.Err(); err == nil {
		_, err = models.SaveVolunteerFor(c.UserContext(), a.db.Gorm, user(c), person.ID, in)
	}
	if err != nil {
		return a.volunteerFormFailure(c, person, action, err)
	}
	return c.Redirect(action+"?saved=1", fiber.StatusSeeOther)
}

// volunteerView is a volunteer's profile with contact details, for those who may see it.
type volunteerView struct {
	Person    *models.User
	P         *models.VolunteerProfile
	Skills    []string
	Interests []string
	Languages string
	Hoods     []string
	CanEdit   bool
}

// volunteerPage shows someone's profile to the people CanSeeVolunteerDetails names (themselves,
// workers, organisers of needs they signed up for); 404 for everyone else.
func (a *app) volunteerPage(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	ctx, db := c.UserContext(), a.db.Gorm
	p, err := models.VolunteerFor(ctx, db, u, id)
	if err != nil {
		return err
	}
	person, err := models.UserByID(ctx, db, id)
	if err != nil {
		return err
	}
	w := a.volunteerWords(c)
	v := volunteerView{Person: person, P: p, Languages: w.list(names(p.Languages, w.language))}
	if v.Skills, err = a.skillNames(c, w, p.Skills); err != nil {
		return err
	}
	v.Interests = names(p.Interests, w.domain)
	if v.Hoods, err = a.hoodNames(c, p.Neighbourhoods); err != nil {
		return err
	}
	if v.CanEdit, err = models.CanManageVolunteerFor(ctx, db, u, person); err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "volunteer_view", v)
}

// names words codes one by one.
func names(codes []string, name func(string) string) []string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = name(c)
	}
	return out
}

// skillNames words skill ids in the reader's language.
func (a *app) skillNames(c *fiber.Ctx, w *volunteerWords, ids []int) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	codes, err := models.SkillCodes(c.UserContext(), a.db.Gorm)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if code, ok := codes[id]; ok {
			out = append(out, w.skill(code))
		}
	}
	return out, nil
}

// hoodNames names neighbourhoods by id.
func (a *app) hoodNames(c *fiber.Ctx, ids []int64) ([]string, error) {
	hoods, err := models.Neighbourhoods(c.UserContext(), a.db.Gorm)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, h := range hoods {
		if slices.Contains(ids, h.ID) {
			out = append(out, h.Name)
		}
	}
	return out, nil
}

// needsForMeView is the ranked list of needs that fit the volunteer, each with its reasons.
type needsForMeView struct {
	HasProfile bool
	Paused     bool
	Needs      []needForMe
	Declined   bool
}

type needForMe struct {
	M       models.NeedMatch
	Reasons []string
	SameDay bool
	Left    int
}

func (a *app) needsForMePage(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	p, err := a.volunteerOf(c, u)
	if err != nil {
		return err
	}
	v := needsForMeView{HasProfile: p != nil, Declined: c.Query("declined") == "1"}
	if p == nil {
		return a.render(c, fiber.StatusOK, "volunteer_needs", v)
	}
	v.Paused = p.Paused()
	matches, err := models.NeedsForVolunteer(c.UserContext(), a.db.Gorm, u, models.NeedsForMeOptions{Limit: 30})
	if err != nil {
		return err
	}
	w := a.volunteerWords(c)
	for _, m := range matches {
		n := needForMe{M: m, SameDay: a.sameDay(m.Shift.StartsAt, m.Shift.EndsAt), Left: m.Shift.PlacesLeft()}
		for _, r := range w.reasons(m.Reasons) {
			n.Reasons = append(n.Reasons, r.Text)
		}
		v.Needs = append(v.Needs, n)
	}
	return a.render(c, fiber.StatusOK, "volunteer_needs", v)
}

// myShiftsView is the volunteer's shifts: those to come, and those of the last two weeks with
// their check-in or hours.
type myShiftsView struct {
	Shifts []myShiftLine
}

type myShiftLine struct {
	models.MyShift
	shiftState
	SameDay bool
}

// recentShifts is how far back "my shifts" goes: long enough to log hours afterwards.
const recentShifts = 14 * 24 * time.Hour

func (a *app) myShiftsPage(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	ctx, db := c.UserContext(), a.db.Gorm
	shifts, err := models.MyShifts(ctx, db, u, time.Now().Add(-recentShifts))
	if err != nil {
		return err
	}
	hours, err := a.hoursByShift(c, u)
	if err != nil {
		return err
	}
	now := time.Now()
	v := myShiftsView{}
	for _, s := range shifts {
		mine := &models.SignupResult{Signup: s.Signup, Position: s.Position}
		v.Shifts = append(v.Shifts, myShiftLine{MyShift: s, shiftState: shiftStateOf(&s.Shift, s.Need.Status, mine, hours[s.Shift.ID], now),
			SameDay: a.sameDay(s.Shift.StartsAt, s.Shift.EndsAt)})
	}
	return a.render(c, fiber.StatusOK, "volunteer_shifts", v)
}

// hoursByShift are the person's recorded hours by shift.
func (a *app) hoursByShift(c *fiber.Ctx, u *models.User) (map[int64]*models.HoursLine, error) {
	h, err := models.HoursOf(c.UserContext(), a.db.Gorm, u)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]*models.HoursLine, len(h.Lines))
	for i := range h.Lines {
		out[h.Lines[i].ShiftID] = &h.Lines[i]
	}
	return out, nil
}

// myHoursView is the volunteer's record of hours.
type myHoursView struct {
	H *models.MyHours
}

func (a *app) myHoursPage(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	h, err := models.HoursOf(c.UserContext(), a.db.Gorm, u)
	if err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "volunteer_hours", myHoursView{H: h})
}

// confirmationView is the print-ready confirmation of volunteer work: the confirmed hours, for
// one year or all of them.
type confirmationView struct {
	Person  *models.User
	Year    string
	Years   []string
	Lines   []models.HoursLine
	Months  []models.MonthMinutes
	Minutes int
	Shifts  int
	Issued  time.Time
}

func (a *app) hoursConfirmationPage(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	h, err := models.HoursOf(c.UserContext(), a.db.Gorm, u)
	if err != nil {
		return err
	}
	v := confirmationView{Person: u, Year: c.Query("year"), Issued: time.Now()}
	for _, m := range h.Months {
		if y := m.Month[:4]; !slices.Contains(v.Years, y) {
			v.Years = append(v.Years, y)
		}
		if v.Year == "" || strings.HasPrefix(m.Month, v.Year+"-") {
			v.Months = append(v.Months, m)
			v.Minutes += m.Minutes
			v.Shifts += m.Shifts
		}
	}
	for _, l := range h.Lines {
		if l.Status == models.HoursConfirmed && (v.Year == "" || strconv.Itoa(l.ShiftStartsAt.In(a.cfg.Location).Year()) == v.Year) {
			v.Lines = append(v.Lines, l)
		}
	}
	return a.render(c, fiber.StatusOK, "volunteer_confirmation", v)
}

// Hours is minutes as hours with at most two decimals, as people read them: "1,5" or "2".
func (p page) Hours(minutes int) string {
	s := strconv.FormatFloat(float64(minutes)/60, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if p.Lang == "nl" {
		s = strings.ReplaceAll(s, ".", ",")
	}
	return s
}

// Month words a month such as 2026-03 as "maart 2026".
func (p page) Month(month string) string {
	t, err := time.Parse("2006-01", month)
	if err != nil {
		return month
	}
	return p.T("month."+strconv.Itoa(int(t.Month()))) + " " + strconv.Itoa(t.Year())
}
