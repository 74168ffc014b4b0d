package main

import (
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"nabij/models"
)

// Meetups: the meetup page with its sign-up forms, comments and organiser tools; creating,
// editing, publishing and cancelling; and the API for all of it. Sign-ups are in rsvp.go, the
// agendas in agenda.go, the create and edit form in meetupform.go.

// meetupJSON is how the API shows a meetup: its fields, the places left (null: no limit) and,
// for someone signed in who has a sign-up, their own.
type meetupJSON struct {
	*models.Meetup
	SeatsLeft *int        `json:"seats_left"`
	MyRSVP    *myRSVPJSON `json:"my_rsvp,omitempty"`
}

// myRSVPJSON is a person's own sign-up: going (with companions), waitlisted at a position, or not
// going.
type myRSVPJSON struct {
	RSVPID     int64             `json:"rsvp_id"`
	Status     models.RSVPStatus `json:"status"`
	Position   int               `json:"position,omitempty"`
	Companions int               `json:"companions"`
}

func newMeetupJSON(m *models.Meetup, mine *models.RSVPResult) meetupJSON {
	out := meetupJSON{Meetup: m, SeatsLeft: seatsLeft(m)}
	if mine != nil {
		r := newMyRSVP(mine)
		out.MyRSVP = &r
	}
	return out
}

func newMyRSVP(r *models.RSVPResult) myRSVPJSON {
	return myRSVPJSON{RSVPID: r.RSVP.ID, Status: r.RSVP.Status, Position: r.Position, Companions: r.RSVP.Companions}
}

// seatsLeft is how many more people fit, nil when there is no limit.
func seatsLeft(m *models.Meetup) *int {
	n := m.SeatsLeft()
	if n < 0 {
		return nil
	}
	return &n
}

// loadMeetup reads :id and loads that meetup for the person asking: 404 when it does not exist
// or they may not see it.
func (a *app) loadMeetup(c *fiber.Ctx) (*models.Meetup, error) {
	id, err := paramID(c, "id")
	if err != nil {
		return nil, err
	}
	return models.MeetupByID(c.UserContext(), a.db.Gorm, user(c), id)
}

// organisedMeetup loads the :id meetup when the signed-in person may change it.
func (a *app) organisedMeetup(c *fiber.Ctx) (*models.User, *models.Meetup, error) {
	u, err := a.mustUser(c)
	if err != nil {
		return nil, nil, err
	}
	m, err := a.loadMeetup(c)
	if err != nil {
		return nil, nil, err
	}
	ok, err := models.CanOrganiseMeetup(c.UserContext(), a.db.Gorm, u, m)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, models.ErrForbidden
	}
	return u, m, nil
}

// myRSVP is the signed-in person's sign-up for a meetup, nil when they have none.
func (a *app) myRSVP(c *fiber.Ctx, meetupID int64) (*models.RSVPResult, error) {
	u := user(c)
	if u == nil {
		return nil, nil
	}
	r, err := models.RSVPOf(c.UserContext(), a.db.Gorm, meetupID, u.ID)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil
	}
	return r, err
}

// meetupDetail is the API view of one meetup for the person asking, with their own sign-up.
func (a *app) meetupDetail(c *fiber.Ctx, m *models.Meetup) (meetupJSON, error) {
	mine, err := a.myRSVP(c, m.ID)
	if err != nil {
		return meetupJSON{}, err
	}
	return newMeetupJSON(m, mine), nil
}

// changedMeetup is meetup id as a change left it.
func (a *app) changedMeetup(c *fiber.Ctx, id int64, change *models.MeetupChange) (*models.Meetup, error) {
	for i := range change.Meetups {
		if change.Meetups[i].ID == id {
			return &change.Meetups[i], nil
		}
	}
	return models.MeetupByID(c.UserContext(), a.db.Gorm, user(c), id)
}

// meetupScope reads which occurrences of a recurring meetup a change is for: "this" (the
// default) or "following" (this one and all later ones; the forms send "later").
func meetupScope(s string) (models.SeriesScope, error) {
	switch s {
	case "", "this":
		return models.OnlyThis, nil
	case "following", string(models.ThisAndLater):
		return models.ThisAndLater, nil
	}
	return "", models.FieldErrors{"scope": "meetups.scope.invalid"}
}

// sameDay says whether two times fall on one day in the installation's zone.
func (a *app) sameDay(x, y time.Time) bool {
	loc := a.cfg.Location
	return x.In(loc).Format(time.DateOnly) == y.In(loc).Format(time.DateOnly)
}

// openForSignUps says whether a meetup takes sign-ups now, to show the forms; the model decides.
func openForSignUps(m *models.Meetup) bool {
	return m.Status == models.MeetupPublished && time.Now().Before(m.EndsAt)
}

// meetupView is what the meetup page shows, depending on who looks.
type meetupView struct {
	M           *models.Meetup
	Group       *models.Group // nil for a neighbourhood's own meetup
	Hood        *models.Neighbourhood
	Line        meetupLine // the meetup worded: facts, places, where the person stands
	SameDay     bool       // ends on the day it starts: the end shows as a time only
	Open        bool       // takes sign-ups now
	Mine        *models.RSVPResult
	CanOrganise bool
	Residents   []models.AccountRow // whom a worker may sign up on their behalf
	Companions  []int               // the choices for companions
	Comments    []models.MeetupComment
	LD          map[string]any // schema.org Event, for meetups anyone may see
	Behalf      string         // the status of a resident just signed up by a worker
	Failed      string         // which form failed: rsvp, guest, comment, cancel, publish
	Form        *form
}

// FormFor is the failed form's values and messages when name is the form that failed.
func (v *meetupView) FormFor(name string) *form {
	if v.Failed == name {
		return v.Form
	}
	return nil
}

// SignedUp says whether the person is going or on the waitlist.
func (v *meetupView) SignedUp() bool {
	return v.Mine != nil && v.Mine.RSVP.Status != models.RSVPNotGoing
}

// Waitlisted says whether the person is on the waitlist.
func (v *meetupView) Waitlisted() bool {
	return v.Mine != nil && v.Mine.RSVP.Status == models.RSVPWaitlisted
}

// MyCompanions is how many people the person brings (0 when not signed up).
func (v *meetupView) MyCompanions() int {
	if !v.SignedUp() {
		return 0
	}
	return v.Mine.RSVP.Companions
}

// Full says whether a new sign-up would go on the waitlist.
func (v *meetupView) Full() bool { return v.M.SeatsLeft() == 0 }

func (a *app) meetupPage(c *fiber.Ctx) error {
	m, err := a.loadMeetup(c)
	if err != nil {
		return err
	}
	return a.renderMeetup(c, fiber.StatusOK, m, "", nil)
}

// renderMeetup shows the meetup page, with the form that failed (if any) and its messages.
func (a *app) renderMeetup(c *fiber.Ctx, status int, m *models.Meetup, failed string, f *form) error {
	ctx := c.UserContext()
	v := &meetupView{M: m, Failed: failed, Form: f, Companions: companionChoices(m)}
	v.SameDay, v.Open = a.sameDay(m.StartsAt, m.EndsAt), openForSignUps(m)
	var err error
	if v.Hood, err = models.NeighbourhoodByID(ctx, a.db.Gorm, m.NeighbourhoodID); err != nil {
		return err
	}
	if m.GroupID != nil {
		if v.Group, err = models.GroupByID(ctx, a.db.Gorm, user(c), *m.GroupID); err != nil {
			return err
		}
	}
	if v.Group == nil || v.Group.Membership != models.MembershipPrivate {
		v.LD = a.eventLD(v)
	}
	if s := models.RSVPStatus(c.Query("behalf")); s == models.RSVPGoing || s == models.RSVPWaitlisted {
		v.Behalf = string(s)
	}
	if err := a.personalMeetupView(c, v); err != nil {
		return err
	}
	v.Line = a.meetupWords(c).line(m, "", v.Mine)
	return a.render(c, status, "meetup", v)
}

// personalMeetupView adds what the signed-in person sees: their sign-up, the organiser's tools,
// the residents a worker may sign up, and the comments.
func (a *app) personalMeetupView(c *fiber.Ctx, v *meetupView) error {
	u := user(c)
	if u == nil {
		return nil
	}
	ctx, db := c.UserContext(), a.db.Gorm
	var err error
	if v.Mine, err = a.myRSVP(c, v.M.ID); err != nil {
		return err
	}
	if v.CanOrganise, err = models.CanOrganiseMeetup(ctx, db, u, v.M); err != nil {
		return err
	}
	if v.Open && models.CanRegisterOnBehalf(u) {
		if v.Residents, err = a.residentsToSignUp(c, u, v.M); err != nil {
			return err
		}
	}
	v.Comments, err = models.MeetupComments(ctx, db, u, v.M.ID)
	return err
}

// residentsToSignUp lists the residents a worker may sign up for m, or none when they may not.
func (a *app) residentsToSignUp(c *fiber.Ctx, u *models.User, m *models.Meetup) ([]models.AccountRow, error) {
	rows, err := models.ResidentsFor(c.UserContext(), a.db.Gorm, u)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	// The rule depends on the worker and the meetup, not on which resident: ask it once.
	ok, err := models.CanSignUpOnBehalf(c.UserContext(), a.db.Gorm, u, &models.User{ID: rows[0].ID, Role: models.RoleResident}, m)
	if err != nil || !ok {
		return nil, err
	}
	return rows, nil
}

// companionChoices are the numbers of companions one may bring: up to the maximum, and never
// more than the meetup could ever hold.
func companionChoices(m *models.Meetup) []int {
	n := models.MaxCompanions
	if m.Capacity != nil {
		n = min(n, *m.Capacity-1)
	}
	out := make([]int, 0, n+1)
	for i := 0; i <= n; i++ {
		out = append(out, i)
	}
	return out
}

// eventLD is the schema.org Event that search engines and calendar tools read from the page.
func (a *app) eventLD(v *meetupView) map[string]any {
	m, loc := v.M, a.cfg.Location
	ld := map[string]any{"@context": "https://schema.org", "@type": "Event", "name": m.Title,
		"url": a.cfg.BaseURL + "/meetups/" + itoa(m.ID), "description": m.Description,
		"startDate": m.StartsAt.In(loc).Format(time.RFC3339), "endDate": m.EndsAt.In(loc).Format(time.RFC3339),
		"eventStatus": "https://schema.org/EventScheduled", "isAccessibleForFree": m.Facts.Free,
		"organizer": map[string]any{"@type": "Organization", "name": v.Hood.Name, "url": a.cfg.BaseURL + "/neighbourhoods/" + itoa(v.Hood.ID)}}
	if v.Group != nil {
		ld["organizer"] = map[string]any{"@type": "Organization", "name": v.Group.Name, "url": a.cfg.BaseURL + "/groups/" + itoa(v.Group.ID)}
	}
	if m.Status == models.MeetupCancelled {
		ld["eventStatus"] = "https://schema.org/EventCancelled"
	}
	if m.Capacity != nil {
		ld["maximumAttendeeCapacity"], ld["remainingAttendeeCapacity"] = *m.Capacity, m.SeatsLeft()
	}
	if len(m.Facts.Languages) > 0 {
		ld["inLanguage"] = m.Facts.Languages
	}
	ld["eventAttendanceMode"], ld["location"] = eventLocation(m)
	return ld
}

// eventLocation is where a meetup happens in schema.org terms: a Place, a VirtualLocation or both.
func eventLocation(m *models.Meetup) (mode string, location any) {
	var locations []any
	offline := m.Place.Name != "" || m.Place.Address != ""
	if offline {
		place := map[string]any{"@type": "Place", "name": m.Place.Name, "address": m.Place.Address}
		if m.Place.Lat != nil && m.Place.Lon != nil {
			place["geo"] = map[string]any{"@type": "GeoCoordinates", "latitude": *m.Place.Lat, "longitude": *m.Place.Lon}
		}
		locations = append(locations, place)
	}
	if m.OnlineURL != nil {
		locations = append(locations, map[string]any{"@type": "VirtualLocation", "url": *m.OnlineURL})
	}
	switch {
	case offline && m.OnlineURL != nil:
		return "https://schema.org/MixedEventAttendanceMode", locations
	case m.OnlineURL != nil:
		return "https://schema.org/OnlineEventAttendanceMode", locations[0]
	case offline:
		return "https://schema.org/OfflineEventAttendanceMode", locations[0]
	}
	return "https://schema.org/OfflineEventAttendanceMode", nil
}

// meetupFormFailure shows the meetup page again with the failed form's messages, or returns an
// error that is not about the form.
func (a *app) meetupFormFailure(c *fiber.Ctx, m *models.Meetup, name string, err error, fields ...string) error {
	f, status, err := a.formFailure(c, err, formValues(c, fields...))
	if err != nil {
		return err
	}
	return a.renderMeetup(c, status, m, name, f)
}

// publishMeetup makes a draft visible and open for sign-ups (for a series: this one, or this
// and all later ones).
func (a *app) publishMeetup(c *fiber.Ctx) error {
	u, m, err := a.organisedMeetup(c)
	if err != nil {
		return err
	}
	scope, err := meetupScope(c.FormValue("scope"))
	if err == nil {
		_, err = models.UpdateMeetup(c.UserContext(), a.db.Gorm, u, m.ID, models.MeetupInput{Publish: true}, scope)
	}
	if err != nil {
		return a.meetupFormFailure(c, m, "publish", err, "scope")
	}
	return c.Redirect("/meetups/"+itoa(m.ID), fiber.StatusSeeOther)
}

// cancelMeetup calls a meetup off with a reason everyone who signed up is told.
func (a *app) cancelMeetup(c *fiber.Ctx) error {
	u, m, err := a.organisedMeetup(c)
	if err != nil {
		return err
	}
	scope, err := meetupScope(c.FormValue("scope"))
	if err == nil {
		_, err = models.CancelMeetup(c.UserContext(), a.db.Gorm, u, m.ID, c.FormValue("reason"), scope)
	}
	if err != nil {
		return a.meetupFormFailure(c, m, "cancel", err, "reason", "scope")
	}
	return c.Redirect("/meetups/"+itoa(m.ID), fiber.StatusSeeOther)
}

func (a *app) commentOnMeetup(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	m, err := a.loadMeetup(c)
	if err != nil {
		return err
	}
	if _, err := models.CommentOnMeetup(c.UserContext(), a.db.Gorm, u, m.ID, c.FormValue("body")); err != nil {
		return a.meetupFormFailure(c, m, "comment", err, "body")
	}
	return c.Redirect("/meetups/"+itoa(m.ID)+"#comments", fiber.StatusSeeOther)
}

func (a *app) apiMeetup(c *fiber.Ctx) error {
	m, err := a.loadMeetup(c)
	if err != nil {
		return err
	}
	out, err := a.meetupDetail(c, m)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (a *app) apiCreateMeetup(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	var in models.NewMeetup
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	m, err := models.CreateMeetup(c.UserContext(), a.db.Gorm, u, in, a.cfg.Location)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(newMeetupJSON(m, nil))
}

// meetupPatch is a change to a meetup; a cancel_reason cancels it instead.
type meetupPatch struct {
	models.MeetupInput
	CancelReason *string `json:"cancel_reason"`
}

func (a *app) apiUpdateMeetup(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	scope, err := meetupScope(c.Query("scope"))
	if err != nil {
		return err
	}
	var in meetupPatch
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	var change *models.MeetupChange
	if in.CancelReason != nil {
		change, err = models.CancelMeetup(c.UserContext(), a.db.Gorm, u, id, *in.CancelReason, scope)
	} else {
		change, err = models.UpdateMeetup(c.UserContext(), a.db.Gorm, u, id, in.MeetupInput, scope)
	}
	if err != nil {
		return err
	}
	return a.answerChangedMeetup(c, id, change)
}

// answerChangedMeetup answers a change with the meetup as it is now.
func (a *app) answerChangedMeetup(c *fiber.Ctx, id int64, change *models.MeetupChange) error {
	m, err := a.changedMeetup(c, id, change)
	if err != nil {
		return err
	}
	out, err := a.meetupDetail(c, m)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// cancelRequest calls a meetup off, or it and all later ones of its series.
type cancelRequest struct {
	Reason string `json:"reason"`
	Scope  string `json:"scope"`
}

func (a *app) apiCancelMeetup(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var r cancelRequest
	if err := decodeJSON(c, &r); err != nil {
		return err
	}
	scope, err := meetupScope(r.Scope)
	if err != nil {
		return err
	}
	change, err := models.CancelMeetup(c.UserContext(), a.db.Gorm, u, id, r.Reason, scope)
	if err != nil {
		return err
	}
	return a.answerChangedMeetup(c, id, change)
}

func (a *app) apiMeetupComments(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	cs, err := models.MeetupComments(c.UserContext(), a.db.Gorm, u, id)
	if err != nil {
		return err
	}
	if cs == nil {
		cs = []models.MeetupComment{}
	}
	return c.JSON(fiber.Map{"comments": cs})
}

type commentRequest struct {
	Body string `json:"body"`
}

func (a *app) apiCommentOnMeetup(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var r commentRequest
	if err := decodeJSON(c, &r); err != nil {
		return err
	}
	cm, err := models.CommentOnMeetup(c.UserContext(), a.db.Gorm, u, id, r.Body)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(cm)
}
