package main

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"nabij/models"
)

// Signing up: going (with companions), the waitlist, not going; a worker signing a resident up;
// guests without an account and their private link.

// rsvpJSON answers a sign-up: the resulting state and the places left (null: no limit).
type rsvpJSON struct {
	myRSVPJSON
	SeatsLeft *int `json:"seats_left"`
}

// guestRSVPJSON answers a guest's sign-up with the private link to see or cancel it.
type guestRSVPJSON struct {
	Status   models.RSVPStatus `json:"status"`
	Position int               `json:"position,omitempty"`
	Token    string            `json:"token"`
	Link     string            `json:"link"`
}

// guestLink is a guest's private link to their sign-up.
func (a *app) guestLink(token string) string { return a.cfg.BaseURL + "/rsvp/" + token }

// formRSVPInput reads the sign-up form: going with companions or not going, and for a worker
// the resident they sign up.
func formRSVPInput(c *fiber.Ctx) models.RSVPInput {
	in := models.RSVPInput{Status: models.RSVPStatus(c.FormValue("status"))}
	in.Companions = formSmallInt(c.FormValue("companions"))
	if v := c.FormValue("user_id"); v != "" {
		id, ok := parseID(v)
		if !ok {
			id = -1 // nobody: the model says it does not know this resident
		}
		in.ForUserID = id
	}
	return in
}

// formSmallInt reads a small number; empty is 0, anything else that is not a number is -1 for the
// model to refuse with its own message.
func formSmallInt(s string) int {
	if s = strings.TrimSpace(s); s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}

// rsvpForm signs the signed-in person (or the resident a worker chose) up, or says not going.
func (a *app) rsvpForm(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	m, err := a.loadMeetup(c)
	if err != nil {
		return err
	}
	in := formRSVPInput(c)
	res, err := a.signUps.Set(c.UserContext(), u, m.ID, in)
	if err != nil {
		name := "rsvp"
		if in.ForUserID != 0 && in.ForUserID != u.ID {
			name = "behalf"
		}
		return a.meetupFormFailure(c, m, name, err, "status", "companions", "user_id")
	}
	if in.ForUserID != 0 && in.ForUserID != u.ID {
		return c.Redirect("/meetups/"+itoa(m.ID)+"?behalf="+string(res.RSVP.Status)+"#behalf", fiber.StatusSeeOther)
	}
	return c.Redirect("/meetups/"+itoa(m.ID)+"#my-rsvp", fiber.StatusSeeOther)
}

// guestForm signs someone up without an account and sends them to their private link.
func (a *app) guestForm(c *fiber.Ctx) error {
	m, err := a.loadMeetup(c)
	if err != nil {
		return err
	}
	in := models.GuestInput{Name: c.FormValue("name"), Phone: c.FormValue("phone"), Email: c.FormValue("email"),
		Companions: formSmallInt(c.FormValue("companions"))}
	_, token, err := models.SignUpGuest(c.UserContext(), a.db.Gorm, user(c), m.ID, in)
	if err != nil {
		return a.meetupFormFailure(c, m, "guest", err, "name", "phone", "email", "companions")
	}
	return c.Redirect("/rsvp/"+url.PathEscape(token)+"?new=1", fiber.StatusSeeOther)
}

// guestRSVPView is a guest's own page: their sign-up, its meetup and the way to cancel.
type guestRSVPView struct {
	S       *models.GuestSignUp
	Link    string
	Path    string
	New     bool // just signed up: keep this link
	Open    bool
	SameDay bool
	Line    meetupLine
	Message string
}

func (a *app) guestRSVPPage(c *fiber.Ctx) error {
	return a.renderGuestRSVP(c, fiber.StatusOK, "")
}

func (a *app) renderGuestRSVP(c *fiber.Ctx, status int, message string) error {
	token := c.Params("token")
	s, err := models.GuestRSVP(c.UserContext(), a.db.Gorm, token)
	if err != nil {
		return err
	}
	m := &s.Meetup
	v := guestRSVPView{S: s, Link: a.guestLink(token), Path: "/rsvp/" + url.PathEscape(token), New: c.Query("new") == "1",
		Line: a.meetupWords(c).line(m, "", &s.RSVPResult), Message: message, SameDay: a.sameDay(m.StartsAt, m.EndsAt)}
	v.Open = openForSignUps(m) && s.RSVP.Status != models.RSVPNotGoing
	return a.render(c, status, "rsvp", v)
}

// cancelGuestRSVP says not going for the guest behind a private link.
func (a *app) cancelGuestRSVP(c *fiber.Ctx) error {
	token := c.Params("token")
	if _, err := models.CancelGuestRSVP(c.UserContext(), a.db.Gorm, token); err != nil {
		f, status, ferr := a.formFailure(c, err, nil)
		if ferr != nil {
			return ferr
		}
		msg := f.Message
		for _, m := range f.Errors {
			msg = m
		}
		return a.renderGuestRSVP(c, status, msg)
	}
	return c.Redirect("/rsvp/"+url.PathEscape(token), fiber.StatusSeeOther)
}

func (a *app) apiRSVP(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var in models.RSVPInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	res, err := a.signUps.Set(c.UserContext(), u, id, in)
	if err != nil {
		return err
	}
	return c.JSON(rsvpJSON{myRSVPJSON: newMyRSVP(res), SeatsLeft: res.SeatsLeft})
}

func (a *app) apiGuestSignUp(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var in models.GuestInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	res, token, err := models.SignUpGuest(c.UserContext(), a.db.Gorm, user(c), id, in)
	if err != nil {
		return err
	}
	out := guestRSVPJSON{Status: res.RSVP.Status, Position: res.Position, Token: token, Link: a.guestLink(token)}
	return c.Status(fiber.StatusCreated).JSON(out)
}
