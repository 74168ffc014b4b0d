package main

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"nabij/models"
)

// The forms on one shift: sign up and withdraw (for oneself, or an organiser taking someone
// off), check-in ("I'm here", or the organiser's list), hours logged afterwards and the
// organiser's decision on them, changing and cancelling the shift; and answering an invitation.
// Each goes back to the need page with a short confirmation, or shows it again with the message.

// shiftState is where the person stands on a shift and what they can do now.
type shiftState struct {
	Mine        *models.SignupResult
	Hours       *models.HoursLine
	Cancelled   bool
	Left        int // places left
	Minutes     int // the shift's length
	Started     bool
	CanSignUp   bool
	CanWithdraw bool
	CanCheckIn  bool // "I'm here": from an hour before the start until an hour after the end
	CanLog      bool // hours to log afterwards, when not checked in
}

// shiftStateOf works out a shift's state for a person with sign-up mine and recorded hours, on a
// need with the given status.
func shiftStateOf(s *models.Shift, status models.NeedStatus, mine *models.SignupResult, hours *models.HoursLine, now time.Time) shiftState {
	st := shiftState{Mine: mine, Hours: hours, Cancelled: s.Cancelled(), Left: s.PlacesLeft(), Minutes: s.Minutes(),
		Started: !s.StartsAt.After(now)}
	closed := status == models.NeedDone || status == models.NeedCancelled
	signedUp := mine != nil && mine.Signup.Status == models.SignedUp
	st.CanSignUp = mine == nil && !closed && !st.Cancelled && !st.Started
	st.CanWithdraw = mine != nil && !st.Started && !st.Cancelled
	st.CanCheckIn = signedUp && !st.Cancelled && !now.Before(s.StartsAt.Add(-models.CheckinOpensBefore)) &&
		!now.After(s.EndsAt.Add(models.DoorClosesAfter)) && (hours == nil || hours.Source != "checkin")
	st.CanLog = signedUp && !st.Cancelled && st.Started && hours == nil
	return st
}

// SignedUp says whether the person has a place on the shift.
func (st shiftState) SignedUp() bool {
	return st.Mine != nil && st.Mine.Signup.Status == models.SignedUp
}

// Reserve says whether the person is on the shift's reserve list.
func (st shiftState) Reserve() bool {
	return st.Mine != nil && st.Mine.Signup.Status == models.Reserve
}

// shiftFormFailure shows the need page of shift id again with the failed form (named name) and
// its message, or returns an error that is not about the form.
func (a *app) shiftFormFailure(c *fiber.Ctx, id int64, name string, err error) error {
	f, status, ferr := a.formFailure(c, err, postedValues(c))
	if ferr != nil {
		return ferr
	}
	_, n, lerr := models.ShiftByID(c.UserContext(), a.db.Gorm, user(c), id)
	if lerr != nil {
		return lerr
	}
	return a.renderNeed(c, status, n, id, name, f)
}

// shiftForm is the name of a shift's own forms on the need page.
func shiftForm(id int64) string { return "shift-" + itoa(id) }

// forUser reads the volunteer an organiser acts for (0: the person themselves).
func forUser(c *fiber.Ctx) int64 {
	id, _ := parseID(c.FormValue("user_id"))
	return id
}

func (a *app) signUpForShift(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	res, err := models.SignUpForShift(c.UserContext(), a.db.Gorm, u, id, models.SignupInput{})
	if err != nil {
		return a.shiftFormFailure(c, id, shiftForm(id), err)
	}
	done := "signed_up"
	if res.Signup.Status == models.Reserve {
		done = "reserve"
	}
	return toNeed(c, res.Shift.NeedID, id, done, shiftForm(id))
}

// withdrawFromShift takes the person off a shift, or (an organiser) the volunteer user_id.
func (a *app) withdrawFromShift(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	who := forUser(c)
	name, anchor := shiftForm(id), shiftForm(id)
	if who != 0 && who != u.ID {
		name, anchor = "signups", "signups"
	}
	res, err := models.WithdrawFromShift(c.UserContext(), a.db.Gorm, u, id, models.SignupInput{ForUserID: who})
	if err != nil {
		return a.shiftFormFailure(c, id, name, err)
	}
	return toNeed(c, res.Shift.NeedID, id, "withdrawn", anchor)
}

// checkInAtShift is "I'm here" (no user_id), or an organiser checking in user_id from the list.
func (a *app) checkInAtShift(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	who := forUser(c)
	name := shiftForm(id)
	if who != 0 && who != u.ID {
		name = "signups"
	}
	h, err := models.CheckInVolunteer(c.UserContext(), a.db.Gorm, u, id, who)
	if err != nil {
		return a.shiftFormFailure(c, id, name, err)
	}
	return toNeed(c, h.NeedID, id, "checked_in", name)
}

// logHours records the hours given on a shift afterwards, for the organiser to confirm. The form
// asks for hours ("1,5"); empty is the whole shift.
func (a *app) logHours(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	minutes, ok := formHours(c.FormValue("hours"))
	var h *models.VolunteerHours
	if !ok {
		err = models.FieldErrors{"hours": "vpages.hours.invalid"}
	} else {
		h, err = models.LogHours(c.UserContext(), a.db.Gorm, u, id, models.HoursInput{Minutes: minutes, Note: c.FormValue("note")})
	}
	if err != nil {
		return a.shiftFormFailure(c, id, shiftForm(id), err)
	}
	return toNeed(c, h.NeedID, id, "logged", shiftForm(id))
}

// formHours reads hours as people write them ("2", "1,5", "1.25") as minutes; empty is 0.
func formHours(s string) (int, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", ".")
	if s == "" {
		return 0, true
	}
	h, err := strconv.ParseFloat(s, 64)
	if err != nil || h <= 0 || h > 24 {
		return 0, false
	}
	return int(math.Round(h * 60)), true
}

// decideHours confirms or rejects hours a volunteer logged (the need's organisers).
func (a *app) decideHours(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var h *models.VolunteerHours
	switch c.FormValue("decision") {
	case "confirm", "reject":
		h, err = models.DecideHours(c.UserContext(), a.db.Gorm, u, id, c.FormValue("decision") == "confirm")
	default:
		err = models.FieldErrors{"decision": "volunteers.decision.required"}
	}
	if err != nil {
		needID, _ := parseID(c.FormValue("need_id"))
		n, lerr := models.NeedByID(c.UserContext(), a.db.Gorm, u, needID)
		if lerr != nil {
			return err
		}
		f, status, ferr := a.formFailure(c, err, postedValues(c))
		if ferr != nil {
			return ferr
		}
		return a.renderNeed(c, status, n, 0, "hours", f)
	}
	done := "confirmed"
	if h.Status == models.HoursRejected {
		done = "rejected"
	}
	return toNeed(c, h.NeedID, 0, done, "hours")
}

// editShift changes a shift's times and places (organisers).
func (a *app) editShift(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	fe := models.FieldErrors{}
	in, filled := a.formShift(c, "edit_", "edit_shift", fe)
	if !filled {
		fe["edit_shift"] = "vpages.need.shift_invalid"
	}
	var s *models.Shift
	if err = fe.Err(); err == nil {
		s, err = models.UpdateShift(c.UserContext(), a.db.Gorm, u, id, in)
	}
	if err != nil {
		return a.shiftFormFailure(c, id, "shift-edit", err)
	}
	return toNeed(c, s.NeedID, id, "shift_saved", "organise")
}

// cancelShift cancels one shift with a reason (organisers).
func (a *app) cancelShift(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	s, err := models.CancelShift(c.UserContext(), a.db.Gorm, u, id, c.FormValue("reason"))
	if err != nil {
		return a.shiftFormFailure(c, id, "shift-cancel", err)
	}
	return toNeed(c, s.NeedID, id, "shift_cancelled", "organise")
}

// invitationView is an invitation to answer, from a notification or a link.
type invitationView struct {
	Inv     *models.InvitationView
	SameDay bool
	Form    *form
}

// myNeedInvitation is the signed-in person's invitation :id (expired ones say so); 404 for anyone
// else's.
func (a *app) myNeedInvitation(c *fiber.Ctx) (*models.InvitationView, error) {
	u, err := a.mustUser(c)
	if err != nil {
		return nil, err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return nil, err
	}
	all, err := models.MyNeedInvitations(c.UserContext(), a.db.Gorm, u, false)
	if err != nil {
		return nil, err
	}
	for i := range all {
		if all[i].ID == id {
			return &all[i], nil
		}
	}
	return nil, models.ErrNotFound
}

func (a *app) invitationPage(c *fiber.Ctx) error {
	inv, err := a.myNeedInvitation(c)
	if err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "need_invitation", invitationView{Inv: inv, SameDay: a.sameDay(inv.ShiftStartsAt, inv.ShiftEndsAt)})
}

// answerInvitationForm accepts (a sign-up, or the reserve list when it filled up meanwhile) or
// declines an invitation.
func (a *app) answerInvitationForm(c *fiber.Ctx) error {
	inv, err := a.myNeedInvitation(c)
	if err != nil {
		return err
	}
	var ans *models.InvitationAnswer
	answer := c.FormValue("answer")
	switch answer {
	case "accept", "decline":
		ans, err = models.AnswerNeedInvitation(c.UserContext(), a.db.Gorm, user(c), inv.ID, answer == "accept")
	default:
		err = models.FieldErrors{"answer": "volunteers.answer.required"}
	}
	if err != nil {
		f, status, ferr := a.formFailure(c, err, postedValues(c))
		if ferr != nil {
			return ferr
		}
		return a.render(c, status, "need_invitation", invitationView{Inv: inv, SameDay: a.sameDay(inv.ShiftStartsAt, inv.ShiftEndsAt), Form: f})
	}
	done := "declined"
	if ans.Signup != nil {
		done = "accepted"
		if ans.Signup.Signup.Status == models.Reserve {
			done = "reserve"
		}
	}
	return toNeed(c, inv.NeedID, inv.ShiftID, done, shiftForm(inv.ShiftID))
}
