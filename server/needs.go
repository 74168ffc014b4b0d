package main

import (
	"github.com/gofiber/fiber/v2"

	"nabij/models"
)

// Needs: work someone must do, with its shifts; the ranked volunteers for it, invitations, "not
// for me", adding shifts, and the hours that wait for its organisers.

// needJSON is a need as the API shows it to the person asking: who it is for only when they may
// know, the shifts (to come, unless all=true) with their own sign-up, and whether they organise it.
type needJSON struct {
	*models.Need
	Resident    *personJSON `json:"resident,omitempty"`
	Shifts      []shiftJSON `json:"shifts"`
	CanOrganise bool        `json:"can_organise"`
}

// personJSON names someone by id and display name only.
type personJSON struct {
	ID          int64  `json:"id"`
	DisplayName string `json:"display_name"`
}

// shiftJSON is a shift with its places left and, for a volunteer, their own sign-up.
type shiftJSON struct {
	models.Shift
	PlacesLeft int           `json:"places_left"`
	MySignup   *mySignupJSON `json:"my_signup,omitempty"`
}

// mySignupJSON is where the person asking stands on a shift.
type mySignupJSON struct {
	SignupID int64               `json:"signup_id"`
	Status   models.SignupStatus `json:"status"`
	Position int                 `json:"position,omitempty"`
}

func newShiftJSON(s models.Shift, mine *models.SignupResult) shiftJSON {
	out := shiftJSON{Shift: s, PlacesLeft: s.PlacesLeft()}
	if mine != nil {
		out.MySignup = &mySignupJSON{SignupID: mine.Signup.ID, Status: mine.Signup.Status, Position: mine.Position}
	}
	return out
}

// needDetail is the API view of a need with its shifts for the signed-in person.
func (a *app) needDetail(c *fiber.Ctx, u *models.User, d *models.NeedDetail) (needJSON, error) {
	ctx, db := c.UserContext(), a.db.Gorm
	n := d.Need
	out := needJSON{Need: &n, Shifts: make([]shiftJSON, len(d.Shifts))}
	var err error
	if out.CanOrganise, err = models.CanOrganiseNeed(ctx, db, u, &d.Need); err != nil {
		return out, err
	}
	known, err := models.CanSeeNeedResident(ctx, db, u, &d.Need)
	if err != nil {
		return out, err
	}
	if !known {
		n.ResidentID = nil
	} else if r, err := models.UserByID(ctx, db, *n.ResidentID); err == nil {
		out.Resident = &personJSON{ID: r.ID, DisplayName: r.Name()}
	}
	ids := make([]int64, len(d.Shifts))
	for i, s := range d.Shifts {
		ids[i] = s.ID
	}
	mine, err := models.SignupsOf(ctx, db, u.ID, ids)
	if err != nil {
		return out, err
	}
	for i, s := range d.Shifts {
		var m *models.SignupResult
		if r, ok := mine[s.ID]; ok {
			m = &r
		}
		out.Shifts[i] = newShiftJSON(s, m)
	}
	return out, nil
}

// apiNeeds lists the needs the person may see: neighbourhood, meetup, status, mine=true (those I
// organise) and limit (default 50, at most 200).
func (a *app) apiNeeds(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	fe := models.FieldErrors{}
	f := models.NeedFilter{NeighbourhoodID: queryID(c, "neighbourhood", fe), MeetupID: queryID(c, "meetup", fe),
		Status: models.NeedStatus(c.Query("status")), Organising: c.Query("mine") == "true", Limit: queryNumber(c, "limit", 0, 200, fe)}
	switch f.Status {
	case "", models.NeedOpen, models.NeedFilled, models.NeedDone, models.NeedCancelled:
	default:
		fe["status"] = "need.status.unknown"
	}
	if err := fe.Err(); err != nil {
		return err
	}
	needs, err := models.Needs(c.UserContext(), a.db.Gorm, u, f)
	if err != nil {
		return err
	}
	for i := range needs {
		if needs[i].ResidentID != nil {
			known, err := models.CanSeeNeedResident(c.UserContext(), a.db.Gorm, u, &needs[i].Need)
			if err != nil {
				return err
			}
			if !known {
				needs[i].ResidentID = nil
			}
		}
	}
	return c.JSON(fiber.Map{"needs": needs})
}

func (a *app) apiCreateNeed(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	var in models.NewNeed
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	d, err := models.CreateNeed(c.UserContext(), a.db.Gorm, u, in, a.cfg.Location)
	if err != nil {
		return err
	}
	out, err := a.needDetail(c, u, d)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

// apiNeed is one need with its shifts to come (all=true: every shift).
func (a *app) apiNeed(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	return a.answerNeed(c, u, id)
}

// answerNeed answers with need id as the person sees it now.
func (a *app) answerNeed(c *fiber.Ctx, u *models.User, id int64) error {
	d, err := models.NeedWithShifts(c.UserContext(), a.db.Gorm, u, id, c.Query("all") != "true")
	if err != nil {
		return err
	}
	out, err := a.needDetail(c, u, d)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (a *app) apiUpdateNeed(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var in models.NeedChange
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if _, err := models.UpdateNeed(c.UserContext(), a.db.Gorm, u, id, in); err != nil {
		return err
	}
	return a.answerNeed(c, u, id)
}

// reasonRequest carries the reason for a cancellation, told to everyone signed up.
type reasonRequest struct {
	Reason string `json:"reason"`
}

func (a *app) apiCancelNeed(c *fiber.Ctx) error {
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
	if _, err := models.CancelNeed(c.UserContext(), a.db.Gorm, u, id, in.Reason); err != nil {
		return err
	}
	return a.answerNeed(c, u, id)
}

// apiDeclineNeed is a volunteer's "not for me".
func (a *app) apiDeclineNeed(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if err := models.DeclineNeed(c.UserContext(), a.db.Gorm, u, id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// matchJSON is a ranked volunteer with the reasons worded.
type matchJSON struct {
	models.Match
	Reasons []reasonJSON `json:"reasons"`
}

// apiNeedMatches ranks the volunteers for a shift of the need (shift, default the next one) for
// its organisers: limit (default 20, at most 100).
func (a *app) apiNeedMatches(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	fe := models.FieldErrors{}
	opts := models.MatchOptions{ShiftID: queryID(c, "shift", fe), Limit: queryNumber(c, "limit", 0, 100, fe)}
	if err := fe.Err(); err != nil {
		return err
	}
	m, err := models.MatchVolunteers(c.UserContext(), a.db.Gorm, u, id, opts)
	if err != nil {
		return err
	}
	w := a.volunteerWords(c)
	out := make([]matchJSON, len(m.Volunteers))
	for i, v := range m.Volunteers {
		out[i] = matchJSON{Match: v, Reasons: w.reasons(v.Reasons)}
	}
	return c.JSON(fiber.Map{"shift": newShiftJSON(m.Shift, nil), "volunteers": out})
}

func (a *app) apiInviteToNeed(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var in models.InviteInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	invs, err := models.InviteVolunteers(c.UserContext(), a.db.Gorm, u, id, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"invitations": invs})
}

// shiftsRequest adds shifts to a need.
type shiftsRequest struct {
	Shifts []models.ShiftInput `json:"shifts"`
}

func (a *app) apiAddShifts(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var in shiftsRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	shifts, err := models.AddShifts(c.UserContext(), a.db.Gorm, u, id, in.Shifts)
	if err != nil {
		return err
	}
	out := make([]shiftJSON, len(shifts))
	for i, s := range shifts {
		out[i] = newShiftJSON(s, nil)
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"shifts": out})
}

// apiNeedHoursToConfirm lists the hours volunteers logged for the need that wait for its organisers.
func (a *app) apiNeedHoursToConfirm(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	lines, err := models.HoursToConfirm(c.UserContext(), a.db.Gorm, u, id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"hours": lines})
}
