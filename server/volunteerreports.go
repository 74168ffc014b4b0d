package main

import (
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	"nabij/models"
)

// The workers' figures as a page: coverage per need (the places of the shifts in the coming
// days) and confirmed hours per neighbourhood and month, with links to the same as CSV files
// (the API's format=csv, which spreadsheet programs open).

// reportsView is the figures page with its filter.
type reportsView struct {
	Hoods      []models.Neighbourhood // the neighbourhoods whose figures the person may see
	Hood       int64
	From, To   string // months, 2026-01
	Days       int
	DayChoices []int
	Hours      []models.HoursRow
	Coverage   []models.CoverageRow
	HoursCSV   string
	CoverCSV   string
	TotalHours int
	Form       *form
}

// coverageDays are the choices for how far ahead coverage looks.
var coverageDays = []int{7, 14, 30, 90}

func (a *app) volunteerReportsPage(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	if u.Role == models.RoleResident {
		return models.ErrForbidden
	}
	ctx, db := c.UserContext(), a.db.Gorm
	v := reportsView{Days: 30, DayChoices: coverageDays}
	if v.Hoods, err = a.figureHoods(c, u); err != nil {
		return err
	}
	fe := models.FieldErrors{}
	v.Hood = queryID(c, "neighbourhood", fe)
	from, to := queryMonth(c, "from", fe), queryMonth(c, "to", fe)
	v.From, v.To = c.Query("from"), c.Query("to")
	for _, d := range coverageDays {
		if c.Query("days") == itoa(int64(d)) {
			v.Days = d
		}
	}
	if err := fe.Err(); err != nil {
		return a.reportsFailure(c, v, err)
	}
	if v.Hours, err = models.HoursByMonth(ctx, db, u, models.FiguresFilter{NeighbourhoodID: v.Hood, From: from, To: to}); err != nil {
		return a.reportsFailure(c, v, err)
	}
	now := time.Now()
	if v.Coverage, err = models.Coverage(ctx, db, u, v.Hood, now, now.AddDate(0, 0, v.Days)); err != nil {
		return a.reportsFailure(c, v, err)
	}
	for _, r := range v.Hours {
		v.TotalHours += r.Minutes
	}
	loc := a.cfg.Location
	hours := url.Values{"format": {"csv"}}
	cover := url.Values{"format": {"csv"}, "from": {now.In(loc).Format(time.RFC3339)},
		"to": {now.AddDate(0, 0, v.Days).In(loc).Format(time.RFC3339)}}
	if v.Hood != 0 {
		hours.Set("neighbourhood", itoa(v.Hood))
		cover.Set("neighbourhood", itoa(v.Hood))
	}
	if v.From != "" {
		hours.Set("from", v.From)
	}
	if v.To != "" {
		hours.Set("to", v.To)
	}
	v.HoursCSV = "/api/v1/volunteer-reports/hours?" + hours.Encode()
	v.CoverCSV = "/api/v1/volunteer-reports/coverage?" + cover.Encode()
	return a.render(c, fiber.StatusOK, "volunteer_reports", v)
}

// reportsFailure shows the filter again with its message, or returns an error that is not
// about the filter (a neighbourhood the person may not see is 403).
func (a *app) reportsFailure(c *fiber.Ctx, v reportsView, err error) error {
	f, status, ferr := a.formFailure(c, err, map[string]string{})
	if ferr != nil || status != fiber.StatusUnprocessableEntity {
		return err
	}
	v.Form, v.Hours, v.Coverage = f, nil, nil
	return a.render(c, status, "volunteer_reports", v)
}

// figureHoods are the neighbourhoods whose figures u may see, for the filter.
func (a *app) figureHoods(c *fiber.Ctx, u *models.User) ([]models.Neighbourhood, error) {
	all, err := models.Neighbourhoods(c.UserContext(), a.db.Gorm)
	if err != nil {
		return nil, err
	}
	var out []models.Neighbourhood
	for _, h := range all {
		ok, err := models.CanSeeVolunteerFigures(c.UserContext(), a.db.Gorm, u, h.ID)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, h)
		}
	}
	return out, nil
}
