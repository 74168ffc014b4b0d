package main

import (
	"github.com/gofiber/fiber/v2"

	"nabij/models"
)

// Shifts: changing and cancelling one, signing up and withdrawing (a worker may do it for a
// volunteer), the organisers' list with contact details, check-in ("I'm here" or the organiser's
// list) and hours logged afterwards with their confirmation.

func (a *app) apiUpdateShift(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var in models.ShiftInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	s, err := models.UpdateShift(c.UserContext(), a.db.Gorm, u, id, in)
	if err != nil {
		return err
	}
	return c.JSON(newShiftJSON(*s, nil))
}

func (a *app) apiCancelShift(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var in reasonRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	s, err := models.CancelShift(c.UserContext(), a.db.Gorm, u, id, in.Reason)
	if err != nil {
		return err
	}
	return c.JSON(newShiftJSON(*s, nil))
}

// signupJSON answers a sign-up or a withdrawal: where the volunteer stands and the shift now.
type signupJSON struct {
	mySignupJSON
	Shift shiftJSON `json:"shift"`
}

func newSignupJSON(r *models.SignupResult) signupJSON {
	return signupJSON{mySignupJSON: mySignupJSON{SignupID: r.Signup.ID, Status: r.Signup.Status, Position: r.Position},
		Shift: newShiftJSON(r.Shift, nil)}
}

// signupInput reads an optional body: {"user_id": ...} when a worker signs a volunteer up.
func signupInput(c *fiber.Ctx) (models.SignupInput, error) {
	var in models.SignupInput
	if len(c.Body()) == 0 {
		return in, nil
	}
	return in, decodeJSON(c, &in)
}

func (a *app) apiShiftSignup(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	in, err := signupInput(c)
	if err != nil {
		return err
	}
	r, err := models.SignUpForShift(c.UserContext(), a.db.Gorm, u, id, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(newSignupJSON(r))
}

func (a *app) apiShiftWithdraw(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	in, err := signupInput(c)
	if err != nil {
		return err
	}
	r, err := models.WithdrawFromShift(c.UserContext(), a.db.Gorm, u, id, in)
	if err != nil {
		return err
	}
	return c.JSON(newSignupJSON(r))
}

// apiShiftSignups is the organisers' list of who comes, with how to reach them.
func (a *app) apiShiftSignups(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	list, err := models.ShiftSignups(c.UserContext(), a.db.Gorm, u, id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"signups": list})
}

// shiftCheckinRequest names whom an organiser checks in; empty is "I'm here".
type shiftCheckinRequest struct {
	UserID int64 `json:"user_id"`
}

func (a *app) apiShiftCheckIn(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var in shiftCheckinRequest
	if len(c.Body()) > 0 {
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
	}
	h, err := models.CheckInVolunteer(c.UserContext(), a.db.Gorm, u, id, in.UserID)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(h)
}

func (a *app) apiLogHours(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var in models.HoursInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	h, err := models.LogHours(c.UserContext(), a.db.Gorm, u, id, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(h)
}

// decisionRequest confirms or rejects logged hours.
type decisionRequest struct {
	Confirm *bool `json:"confirm"`
}

func (a *app) apiDecideHours(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var in decisionRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.Confirm == nil {
		return models.FieldErrors{"confirm": "volunteers.decision.required"}
	}
	h, err := models.DecideHours(c.UserContext(), a.db.Gorm, u, id, *in.Confirm)
	if err != nil {
		return err
	}
	return c.JSON(h)
}
