package main

import (
	"errors"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"nabij/models"
)

// Check-in and attendance: the organiser's attendance list (tap to check in, add a walk-in, undo),
// the QR code shown at the door that signed-in attendees scan, and the figures per meetup and per
// series that workers report. Who may do what is decided in models; these handlers only ask.

// attendanceView is what the attendance page shows. Organisers get the list with names; the
// neighbourhood's workers who do not organise the meetup see the figures only.
type attendanceView struct {
	Meetup     *models.Meetup
	Figures    *models.Attendance
	Attendees  []models.Attendee
	CanCheckIn bool
	Form       *form    // the walk-in form after a failed submit
	Notices    []string // why a tap was refused
}

// walkInFields are the fields of the walk-in form.
var walkInFields = []string{"name", "companions"}

// formCompanions reads a companions field: empty means "as signed up", something that is not a
// number is passed on as -1 for the model to refuse with its own message.
func formCompanions(s string) *int {
	if s == "" {
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		n = -1
	}
	return &n
}

func (a *app) attendancePage(c *fiber.Ctx) error {
	return a.renderAttendance(c, fiber.StatusOK, nil)
}

// renderAttendance shows the attendance page; f is a failed walk-in or tap, shown in place.
func (a *app) renderAttendance(c *fiber.Ctx, status int, f *form) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	v := attendanceView{Form: f}
	if v.Figures, err = models.MeetupAttendance(ctx, a.db.Gorm, u, id); err != nil {
		return err
	}
	if v.Meetup, err = models.MeetupByID(ctx, a.db.Gorm, u, id); err != nil {
		return err
	}
	v.Attendees, err = models.Attendees(ctx, a.db.Gorm, u, id)
	if err != nil && !errors.Is(err, models.ErrForbidden) {
		return err
	}
	v.CanCheckIn = err == nil
	if f != nil {
		for field, msg := range f.Errors {
			if field != "name" && field != "companions" {
				v.Notices = append(v.Notices, msg)
			}
		}
	}
	return a.render(c, status, "attendance", v)
}

// attendanceFailure shows the attendance page again with why a change was refused.
func (a *app) attendanceFailure(c *fiber.Ctx, err error, values map[string]string) error {
	f, status, err := a.formFailure(c, err, values)
	if err != nil {
		return err
	}
	return a.renderAttendance(c, status, f)
}

// checkInForm is a tap on a name in the attendance list.
func (a *app) checkInForm(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	rsvpID, ok := parseID(c.FormValue("rsvp_id"))
	if !ok {
		return fiber.ErrBadRequest // the list always sends the sign-up; anything else is not a tap
	}
	if _, err := models.CheckIn(c.UserContext(), a.db.Gorm, u, id, models.CheckinInput{RSVPID: rsvpID}); err != nil {
		return a.attendanceFailure(c, err, nil)
	}
	return c.Redirect("/meetups/"+itoa(id)+"/attendance#r"+itoa(rsvpID), fiber.StatusSeeOther)
}

// walkInForm adds someone who came without signing up, with a name if they gave one.
func (a *app) walkInForm(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	in := models.CheckinInput{Name: c.FormValue("name"), Companions: formCompanions(c.FormValue("companions"))}
	if _, err := models.CheckIn(c.UserContext(), a.db.Gorm, u, id, in); err != nil {
		return a.attendanceFailure(c, err, formValues(c, walkInFields...))
	}
	return c.Redirect("/meetups/"+itoa(id)+"/attendance#walk-in", fiber.StatusSeeOther)
}

// undoCheckInForm takes back a check-in tapped by mistake.
func (a *app) undoCheckInForm(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	checkinID, err := paramID(c, "checkinID")
	if err != nil {
		return err
	}
	if err := models.UndoCheckIn(c.UserContext(), a.db.Gorm, u, checkinID); err != nil {
		return err
	}
	return c.Redirect("/meetups/"+itoa(id)+"/attendance", fiber.StatusSeeOther)
}

// doorPage is the QR code an organiser shows on a screen at the door: attendees scan it and
// check themselves in.
func (a *app) doorPage(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	code, err := models.DoorCode(c.UserContext(), a.db.Gorm, u, id)
	if err != nil {
		return err
	}
	m, err := models.MeetupByID(c.UserContext(), a.db.Gorm, u, id)
	if err != nil {
		return err
	}
	qr, err := qrPNGDataURL(a.meetupURL(m.ID)+"/checkin?code="+url.QueryEscape(code), 512)
	if err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "door", fiber.Map{"Meetup": m, "QR": qr})
}

// doorCheckinPage is where the QR code at the door leads: a signed-in attendee confirms with one
// tap. Someone not signed in is sent to sign in first and comes back here.
func (a *app) doorCheckinPage(c *fiber.Ctx) error {
	return a.renderDoorCheckin(c, fiber.StatusOK, &form{Values: map[string]string{"code": c.Query("code")}})
}

func (a *app) renderDoorCheckin(c *fiber.Ctx, status int, f *form) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	m, err := models.MeetupByID(c.UserContext(), a.db.Gorm, u, id)
	if err != nil {
		return err
	}
	ci, err := models.CheckinOf(c.UserContext(), a.db.Gorm, m.ID, u.ID)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return err
	}
	return a.render(c, status, "checkin", fiber.Map{"Meetup": m, "Checkin": ci, "Form": f})
}

// doorCheckin checks the signed-in person in with the code from the door.
func (a *app) doorCheckin(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if _, err := models.CheckInAtDoor(c.UserContext(), a.db.Gorm, u, id, c.FormValue("code")); err != nil {
		f, status, err := a.formFailure(c, err, formValues(c, "code"))
		if err != nil {
			return err
		}
		return a.renderDoorCheckin(c, status, f)
	}
	return c.Redirect("/meetups/"+itoa(id)+"/checkin", fiber.StatusSeeOther)
}

// seriesAttendancePage shows the figures of every occurrence of a recurring meetup.
func (a *app) seriesAttendancePage(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	rows, err := models.SeriesAttendance(c.UserContext(), a.db.Gorm, u, id)
	if err != nil {
		return err
	}
	first, err := models.MeetupByID(c.UserContext(), a.db.Gorm, u, rows[0].MeetupID)
	if err != nil {
		return err
	}
	total := models.Attendance{}
	for _, r := range rows {
		total.Going, total.Waitlisted, total.CheckedIn = total.Going+r.Going, total.Waitlisted+r.Waitlisted, total.CheckedIn+r.CheckedIn
		total.WalkIns, total.NoShows = total.WalkIns+r.WalkIns, total.NoShows+r.NoShows
	}
	return a.render(c, fiber.StatusOK, "attendance_series", fiber.Map{"First": first, "Rows": rows, "Total": total})
}

func (a *app) apiAttendees(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	list, err := models.Attendees(c.UserContext(), a.db.Gorm, u, id)
	if err != nil {
		return err
	}
	if list == nil {
		list = []models.Attendee{}
	}
	return c.JSON(list)
}

// checkinRequest is one check-in through the API: a sign-up (rsvp_id), a person with an account
// (user_id), a walk-in, or the signed-in person with the door code.
type checkinRequest struct {
	RSVPID     int64          `json:"rsvp_id"`
	UserID     int64          `json:"user_id"`
	Companions *int           `json:"companions"`
	WalkIn     *walkInRequest `json:"walk_in"`
	Code       string         `json:"code"`
}

type walkInRequest struct {
	Name       string `json:"name"`
	Companions *int   `json:"companions"`
}

// checkIn runs the kind of check-in the request asks for.
func (a *app) checkIn(c *fiber.Ctx, u *models.User, meetupID int64, r checkinRequest) (*models.Checkin, error) {
	ctx := c.UserContext()
	switch {
	case r.Code != "":
		return models.CheckInAtDoor(ctx, a.db.Gorm, u, meetupID, r.Code)
	case r.RSVPID != 0 || r.UserID != 0:
		return models.CheckIn(ctx, a.db.Gorm, u, meetupID, models.CheckinInput{RSVPID: r.RSVPID, UserID: r.UserID, Companions: r.Companions})
	case r.WalkIn != nil:
		return models.CheckIn(ctx, a.db.Gorm, u, meetupID, models.CheckinInput{Name: r.WalkIn.Name, Companions: r.WalkIn.Companions})
	}
	return nil, models.FieldErrors{"walk_in": "checkins.api.who"}
}

func (a *app) apiCheckIn(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var r checkinRequest
	if err := decodeJSON(c, &r); err != nil {
		return err
	}
	ci, err := a.checkIn(c, u, id, r)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(ci)
}

func (a *app) apiUndoCheckIn(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if err := models.UndoCheckIn(c.UserContext(), a.db.Gorm, u, id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (a *app) apiMeetupAttendance(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	fig, err := models.MeetupAttendance(c.UserContext(), a.db.Gorm, u, id)
	if err != nil {
		return err
	}
	return c.JSON(fig)
}

func (a *app) apiSeriesAttendance(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	rows, err := models.SeriesAttendance(c.UserContext(), a.db.Gorm, u, id)
	if err != nil {
		return err
	}
	return c.JSON(rows)
}
