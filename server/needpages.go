package main

import (
	"errors"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"

	"nabij/models"
)

// Needs as pages: a neighbourhood's needs and a meetup's, the need page (its shifts with places
// left and the reserve list, sign up and withdraw, the volunteer's own invitations; for its
// organisers the ranked volunteers with the reasons, invitations, the sign-ups with contact
// details, check-in and the hours to confirm, and changes to the need and its shifts), and the
// organisers' changes. The create form is in needform.go, the actions on one shift in
// shiftpages.go.

// needListView is a list of needs: of a neighbourhood or of a meetup.
type needListView struct {
	Hood       *models.Neighbourhood
	Meetup     *models.Meetup
	Needs      []models.NeedSummary
	Status     string
	Statuses   []models.NeedStatus
	Base       string // the list's own address, for the filter
	NewURL     string // where to make a new need, "" when the person may not
	CanFigures bool
}

// needStatuses are the statuses a list can be filtered on.
var needStatuses = []models.NeedStatus{models.NeedOpen, models.NeedFilled, models.NeedDone, models.NeedCancelled}

func (a *app) hoodNeedsPage(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	n, err := a.loadNeighbourhood(c)
	if err != nil {
		return err
	}
	ctx, db := c.UserContext(), a.db.Gorm
	v := needListView{Hood: n, Statuses: needStatuses, Base: "/neighbourhoods/" + itoa(n.ID) + "/needs"}
	f := models.NeedFilter{NeighbourhoodID: n.ID, Limit: 200}
	v.Status, f.Status = listStatus(c)
	if v.Needs, err = models.Needs(ctx, db, u, f); err != nil {
		return err
	}
	if ok, err := models.CanCreateNeed(ctx, db, u, n.ID, nil, &u.ID); err != nil {
		return err
	} else if ok {
		v.NewURL = "/neighbourhoods/" + itoa(n.ID) + "/needs/new"
	}
	if v.CanFigures, err = models.CanSeeVolunteerFigures(ctx, db, u, n.ID); err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "needs", v)
}

// listStatus is the status a list is filtered on, "" for all.
func listStatus(c *fiber.Ctx) (string, models.NeedStatus) {
	s := models.NeedStatus(c.Query("status"))
	if !slices.Contains(needStatuses, s) {
		return "", ""
	}
	return string(s), s
}

func (a *app) meetupNeedsPage(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	m, err := a.loadMeetup(c)
	if err != nil {
		return err
	}
	ctx, db := c.UserContext(), a.db.Gorm
	v := needListView{Meetup: m, Statuses: needStatuses, Base: "/meetups/" + itoa(m.ID) + "/needs"}
	if v.Hood, err = models.NeighbourhoodByID(ctx, db, m.NeighbourhoodID); err != nil {
		return err
	}
	f := models.NeedFilter{MeetupID: m.ID, Limit: 200}
	v.Status, f.Status = listStatus(c)
	if v.Needs, err = models.Needs(ctx, db, u, f); err != nil {
		return err
	}
	if ok, err := models.CanOrganiseMeetup(ctx, db, u, m); err != nil {
		return err
	} else if ok && m.Status != models.MeetupCancelled {
		v.NewURL = "/meetups/" + itoa(m.ID) + "/needs/new"
	}
	return a.render(c, fiber.StatusOK, "needs", v)
}

// loadNeed reads :id and loads that need for the signed-in person: 404 when it does not exist
// or they may not see it.
func (a *app) loadNeed(c *fiber.Ctx) (*models.User, *models.Need, error) {
	u, err := a.mustUser(c)
	if err != nil {
		return nil, nil, err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return nil, nil, err
	}
	n, err := models.NeedByID(c.UserContext(), a.db.Gorm, u, id)
	if err != nil {
		return nil, nil, err
	}
	return u, n, nil
}

// needView is the need page, depending on who looks.
type needView struct {
	N           *models.Need
	Hood        *models.Neighbourhood
	Meetup      *models.Meetup
	Resident    string // who is helped, for those who may know
	Required    []string
	Nice        []string
	Languages   string
	Shifts      []needShift
	More        int // shifts further ahead, not listed
	Invitations []models.InvitationView
	HasProfile  bool
	Involved    bool // signed up (or on a reserve list) for one of the shifts listed
	Open        bool // takes sign-ups from volunteers directly
	CanOrganise bool
	Org         *needOrganiser
	Done        string // what the person just did, for a short confirmation
	Failed      string // which form failed
	Form        *form
}

// FormFor is the failed form's values and messages when name is the form that failed.
func (v *needView) FormFor(name string) *form {
	if v.Failed == name {
		return v.Form
	}
	return nil
}

// needShift is one shift on the need page.
type needShift struct {
	S models.Shift
	shiftState
	SameDay  bool
	Selected bool // the shift the organiser's tools are about
}

// needOrganiser is what the organisers see about the selected shift.
type needOrganiser struct {
	Shift      *models.Shift
	SameDay    bool
	Left       int // places left on it
	Signups    []models.SignupView
	Matches    []matchLine
	MatchNote  string // why no volunteers are proposed
	Hours      []models.HoursLine
	CanCheckIn bool // checking in has opened
	Started    bool
}

// matchLine is a proposed volunteer with the reasons in words.
type matchLine struct {
	M       models.Match
	Reasons []string
}

// listedShifts is how many shifts to come the need page lists.
const listedShifts = 30

// doneMessages are the confirmations the need page shows after a change (?done=...).
var doneMessages = []string{"signed_up", "reserve", "withdrawn", "checked_in", "logged", "confirmed", "rejected", "invited",
	"accepted", "declined", "shift_saved", "shift_cancelled", "shift_added", "status_saved", "cancelled", "created"}

func (a *app) needPage(c *fiber.Ctx) error {
	_, n, err := a.loadNeed(c)
	if err != nil {
		return err
	}
	selected, _ := parseID(c.Query("shift"))
	return a.renderNeed(c, fiber.StatusOK, n, selected, "", nil)
}

// renderNeed shows the need page; selected is the shift the organiser's tools are about (0: the
// next one), failed the form that failed with its messages.
func (a *app) renderNeed(c *fiber.Ctx, status int, n *models.Need, selected int64, failed string, f *form) error {
	u := user(c)
	ctx, db := c.UserContext(), a.db.Gorm
	v := &needView{N: n, Failed: failed, Form: f}
	if d := c.Query("done"); slices.Contains(doneMessages, d) && failed == "" {
		v.Done = d
	}
	var err error
	if err = a.needFacts(c, u, v); err != nil {
		return err
	}
	p, err := a.volunteerOf(c, u)
	if err != nil {
		return err
	}
	v.HasProfile = p != nil
	v.Open = n.Access == models.NeedOpenToAll && (n.Status == models.NeedOpen || n.Status == models.NeedFilled)
	invitations, err := models.MyNeedInvitations(ctx, db, u, true)
	if err != nil {
		return err
	}
	for _, inv := range invitations {
		if inv.NeedID == n.ID {
			v.Invitations = append(v.Invitations, inv)
		}
	}
	if err := a.needShifts(c, u, v); err != nil {
		return err
	}
	if v.CanOrganise, err = models.CanOrganiseNeed(ctx, db, u, n); err != nil {
		return err
	}
	if v.CanOrganise {
		if v.Org, err = a.organiserTools(c, u, v, selected); err != nil {
			return err
		}
	}
	return a.render(c, status, "need", v)
}

// needFacts words what the need asks for and says where it belongs.
func (a *app) needFacts(c *fiber.Ctx, u *models.User, v *needView) error {
	ctx, db := c.UserContext(), a.db.Gorm
	n := v.N
	var err error
	if v.Hood, err = models.NeighbourhoodByID(ctx, db, n.NeighbourhoodID); err != nil {
		return err
	}
	if n.MeetupID != nil {
		if v.Meetup, err = models.MeetupByID(ctx, db, u, *n.MeetupID); err != nil {
			return err
		}
	}
	if known, err := models.CanSeeNeedResident(ctx, db, u, n); err != nil {
		return err
	} else if known {
		r, err := models.UserByID(ctx, db, *n.ResidentID)
		if err != nil && !errors.Is(err, models.ErrNotFound) {
			return err
		}
		v.Resident = r.Name()
	}
	w := a.volunteerWords(c)
	if v.Required, err = a.skillNames(c, w, n.RequiredSkills); err != nil {
		return err
	}
	if v.Nice, err = a.skillNames(c, w, n.NiceSkills); err != nil {
		return err
	}
	v.Languages = w.list(names(n.Languages, w.language))
	return nil
}

// needShifts lists the shifts: those of the last two weeks and the next ones, each with where
// the person stands and what they can do.
func (a *app) needShifts(c *fiber.Ctx, u *models.User, v *needView) error {
	ctx, db := c.UserContext(), a.db.Gorm
	d, err := models.NeedWithShifts(ctx, db, u, v.N.ID, false)
	if err != nil {
		return err
	}
	now := time.Now()
	var shown []models.Shift
	for _, s := range d.Shifts {
		switch {
		case s.EndsAt.Before(now.Add(-recentShifts)):
		case len(shown) >= listedShifts:
			v.More++
		default:
			shown = append(shown, s)
		}
	}
	ids := make([]int64, len(shown))
	for i, s := range shown {
		ids[i] = s.ID
	}
	mine, err := models.SignupsOf(ctx, db, u.ID, ids)
	if err != nil {
		return err
	}
	var hours map[int64]*models.HoursLine
	if len(mine) > 0 {
		if hours, err = a.hoursByShift(c, u); err != nil {
			return err
		}
	}
	for _, s := range shown {
		var m *models.SignupResult
		if r, ok := mine[s.ID]; ok {
			m = &r
		}
		st := shiftStateOf(&s, v.N.Status, m, hours[s.ID], now)
		st.CanSignUp = st.CanSignUp && v.Open && v.HasProfile
		v.Involved = v.Involved || m != nil
		v.Shifts = append(v.Shifts, needShift{S: s, shiftState: st, SameDay: a.sameDay(s.StartsAt, s.EndsAt)})
	}
	return nil
}

// organiserTools gathers the organisers' view of the selected shift (or the next one): its
// sign-ups with contact details, the proposed volunteers, and the hours that wait.
func (a *app) organiserTools(c *fiber.Ctx, u *models.User, v *needView, selected int64) (*needOrganiser, error) {
	ctx, db := c.UserContext(), a.db.Gorm
	now := time.Now()
	o := &needOrganiser{}
	pick := -1
	for i, s := range v.Shifts {
		if s.S.ID == selected || (selected == 0 && pick < 0 && s.S.EndsAt.After(now) && !s.Cancelled) {
			pick = i
		}
	}
	if pick < 0 && len(v.Shifts) > 0 {
		pick = len(v.Shifts) - 1
	}
	var err error
	if pick >= 0 {
		v.Shifts[pick].Selected = true
		s := v.Shifts[pick].S
		o.Shift, o.SameDay, o.Left = &s, a.sameDay(s.StartsAt, s.EndsAt), s.PlacesLeft()
		o.Started = !s.StartsAt.After(now)
		o.CanCheckIn = s.CancelledAt == nil && !now.Before(s.StartsAt.Add(-models.CheckinOpensBefore))
		if o.Signups, err = models.ShiftSignups(ctx, db, u, s.ID); err != nil {
			return nil, err
		}
		if err := a.proposals(c, u, v.N, o); err != nil {
			return nil, err
		}
	}
	if o.Hours, err = models.HoursToConfirm(ctx, db, u, v.N.ID); err != nil {
		return nil, err
	}
	return o, nil
}

// proposals ranks volunteers for the organiser's shift, with the reasons in words; when there is
// nobody to propose (a shift that started, a need that is closed) the note says why.
func (a *app) proposals(c *fiber.Ctx, u *models.User, n *models.Need, o *needOrganiser) error {
	switch {
	case n.Status == models.NeedDone || n.Status == models.NeedCancelled:
		o.MatchNote = a.views.translate(requestLang(c), "need.closed", nil)
		return nil
	case o.Shift.CancelledAt != nil:
		o.MatchNote = a.views.translate(requestLang(c), "shift.cancelled", nil)
		return nil
	case o.Started:
		o.MatchNote = a.views.translate(requestLang(c), "shift.started", nil)
		return nil
	}
	m, err := models.MatchVolunteers(c.UserContext(), a.db.Gorm, u, n.ID, models.MatchOptions{ShiftID: o.Shift.ID, Limit: 20})
	var fe models.FieldErrors
	if errors.As(err, &fe) {
		for _, id := range fe {
			o.MatchNote = a.views.translate(requestLang(c), id, nil)
		}
		return nil
	}
	if err != nil {
		return err
	}
	w := a.volunteerWords(c)
	for _, vol := range m.Volunteers {
		line := matchLine{M: vol}
		for _, r := range w.reasons(vol.Reasons) {
			line.Reasons = append(line.Reasons, r.Text)
		}
		o.Matches = append(o.Matches, line)
	}
	return nil
}

// organisedNeed loads the :id need when the signed-in person organises it.
func (a *app) organisedNeed(c *fiber.Ctx) (*models.User, *models.Need, error) {
	u, n, err := a.loadNeed(c)
	if err != nil {
		return nil, nil, err
	}
	ok, err := models.CanOrganiseNeed(c.UserContext(), a.db.Gorm, u, n)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, models.ErrForbidden
	}
	return u, n, nil
}

// needFormFailure shows the need page again with the failed form's messages, or returns an
// error that is not about the form.
func (a *app) needFormFailure(c *fiber.Ctx, n *models.Need, selected int64, name string, err error) error {
	f, status, err := a.formFailure(c, err, postedValues(c))
	if err != nil {
		return err
	}
	return a.renderNeed(c, status, n, selected, name, f)
}

// toNeed sends the person back to the need page with a confirmation, at the place it is about.
func toNeed(c *fiber.Ctx, needID, shiftID int64, done, anchor string) error {
	path := "/needs/" + itoa(needID) + "?done=" + done
	if shiftID != 0 {
		path += "&shift=" + itoa(shiftID)
	}
	if anchor != "" {
		path += "#" + anchor
	}
	return c.Redirect(path, fiber.StatusSeeOther)
}

// inviteVolunteers invites the ticked volunteers to the organiser's shift.
func (a *app) inviteVolunteers(c *fiber.Ctx) error {
	u, n, err := a.organisedNeed(c)
	if err != nil {
		return err
	}
	shiftID, _ := parseID(c.FormValue("shift_id"))
	in := models.InviteInput{ShiftID: shiftID, Message: c.FormValue("message")}
	for _, s := range formList(c, "user_ids") {
		if id, ok := parseID(s); ok {
			in.UserIDs = append(in.UserIDs, id)
		}
	}
	if _, err := models.InviteVolunteers(c.UserContext(), a.db.Gorm, u, n.ID, in); err != nil {
		return a.needFormFailure(c, n, shiftID, "invite", err)
	}
	return toNeed(c, n.ID, shiftID, "invited", "matches")
}

// setNeedStatus marks a need done, or opens a done need again.
func (a *app) setNeedStatus(c *fiber.Ctx) error {
	u, n, err := a.organisedNeed(c)
	if err != nil {
		return err
	}
	status := models.NeedStatus(c.FormValue("status"))
	if _, err := models.UpdateNeed(c.UserContext(), a.db.Gorm, u, n.ID, models.NeedChange{Status: &status}); err != nil {
		return a.needFormFailure(c, n, 0, "status", err)
	}
	return toNeed(c, n.ID, 0, "status_saved", "organise")
}

// cancelNeed calls a need off with a reason everyone signed up is told.
func (a *app) cancelNeed(c *fiber.Ctx) error {
	u, n, err := a.organisedNeed(c)
	if err != nil {
		return err
	}
	if _, err := models.CancelNeed(c.UserContext(), a.db.Gorm, u, n.ID, c.FormValue("reason")); err != nil {
		return a.needFormFailure(c, n, 0, "cancel", err)
	}
	return toNeed(c, n.ID, 0, "cancelled", "")
}

// addShift adds one shift to a need.
func (a *app) addShift(c *fiber.Ctx) error {
	u, n, err := a.organisedNeed(c)
	if err != nil {
		return err
	}
	fe := models.FieldErrors{}
	s, filled := a.formShift(c, "new_", "new_shift", fe)
	if !filled {
		fe["new_shift"] = "vpages.need.shift_invalid"
	}
	var added []models.Shift
	if err = fe.Err(); err == nil {
		added, err = models.AddShifts(c.UserContext(), a.db.Gorm, u, n.ID, []models.ShiftInput{s})
	}
	if err != nil {
		return a.needFormFailure(c, n, 0, "shift-add", err)
	}
	return toNeed(c, n.ID, added[0].ID, "shift_added", "organise")
}

// declineNeed is a volunteer's "not for me": the need is not proposed to them again.
func (a *app) declineNeed(c *fiber.Ctx) error {
	u, n, err := a.loadNeed(c)
	if err != nil {
		return err
	}
	if err := models.DeclineNeed(c.UserContext(), a.db.Gorm, u, n.ID); err != nil {
		return err
	}
	return c.Redirect("/volunteer/needs?declined=1", fiber.StatusSeeOther)
}
