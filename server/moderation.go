package main

import (
	"net/url"

	"github.com/gofiber/fiber/v2"

	"nabij/models"
)

// Reports and moderation: anyone may report a post, comment or meetup; those who moderate it
// (models.CanModerate) see the reports, hide the content with a reason or dismiss the report.
// Hidden content stays, with who hid it and why, and can be shown again.

// reportJSON is a report as moderators see it, with what it is about.
type reportJSON struct {
	*models.Report
	Target *models.ReportTarget `json:"target,omitempty"`
}

// reportItem is one line of the moderators' list: the report, what it is about and where that is.
type reportItem struct {
	models.Report
	Target models.ReportTarget
	Link   string
}

// contentRequest names a post, comment or meetup; reason is for reports and for hiding.
type contentRequest struct {
	Kind   models.ContentKind `json:"kind"`
	ID     int64              `json:"id"`
	Reason string             `json:"reason"`
}

// contentForm reads kind, id and reason from a form.
func contentForm(c *fiber.Ctx) contentRequest {
	id, _ := parseID(c.FormValue("id"))
	return contentRequest{Kind: models.ContentKind(c.FormValue("kind")), ID: id, Reason: c.FormValue("reason")}
}

// contentFields are the fields of the report and hide forms, kept to show a failed form again.
var contentFields = []string{"kind", "id", "reason", "next"}

// contentLink is the page where reported content is shown.
func contentLink(t models.ReportTarget) string {
	switch {
	case t.Kind == models.ContentPostComment && t.GroupID != nil:
		return "/groups/" + itoa(*t.GroupID) + "#comment-" + itoa(t.ID)
	case t.GroupID != nil && t.PostID != nil:
		return "/groups/" + itoa(*t.GroupID) + "#post-" + itoa(*t.PostID)
	case t.Kind == models.ContentMeetupComment && t.MeetupID != nil:
		return "/meetups/" + itoa(*t.MeetupID) + "#comment-" + itoa(t.ID)
	case t.MeetupID != nil:
		return "/meetups/" + itoa(*t.MeetupID)
	}
	return ""
}

// backTo is where a report or moderation form returns to: a path on this site (see localPath)
// with its fragment, so the person lands at the post they were reading.
func backTo(next string) string {
	path := localPath(next)
	if u, err := url.Parse(next); err == nil && path != "/" && u.Fragment != "" {
		path += "#" + u.EscapedFragment()
	}
	return path
}

// withQuery adds key=value to a local path, keeping its fragment.
func withQuery(next, key, value string) string {
	u, err := url.Parse(backTo(next))
	if err != nil {
		return "/"
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// reportNewPage is the small form to report a post, comment or meetup, linked from where it is
// shown with ?kind=&id=&next=.
func (a *app) reportNewPage(c *fiber.Ctx) error {
	return a.render(c, fiber.StatusOK, "reports_new", fiber.Map{"Form": contentQuery(c)})
}

// hidePage is the form to hide content with a reason, linked like reportNewPage.
func (a *app) hidePage(c *fiber.Ctx) error {
	if _, err := a.mustUser(c); err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "reports_hide", fiber.Map{"Form": contentQuery(c)})
}

// contentQuery fills a report or hide form from the link that led to it.
func contentQuery(c *fiber.Ctx) *form {
	return &form{Values: map[string]string{"kind": c.Query("kind"), "id": c.Query("id"), "next": backTo(c.Query("next"))}}
}

// contentFormFailure shows the report or hide form again with what was wrong.
func (a *app) contentFormFailure(c *fiber.Ctx, name string, err error) error {
	if !isFieldError(err) {
		return err
	}
	values := formValues(c, contentFields...)
	values["next"] = backTo(values["next"])
	f, status, err := a.formFailure(c, err, values)
	if err != nil {
		return err
	}
	return a.render(c, status, name, fiber.Map{"Form": f})
}

// reportForm reports content, also for someone not signed in (a public meetup), then goes back
// to the page it was on with reported=1, which thanks them.
func (a *app) reportForm(c *fiber.Ctx) error {
	in := contentForm(c)
	if _, err := models.ReportContent(c.UserContext(), a.db.Gorm, user(c), in.Kind, in.ID, in.Reason); err != nil {
		return a.contentFormFailure(c, "reports_new", err)
	}
	return c.Redirect(withQuery(c.FormValue("next"), "reported", "1"), fiber.StatusSeeOther)
}

func (a *app) hideForm(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	in := contentForm(c)
	if err := models.HideContent(c.UserContext(), a.db.Gorm, u, in.Kind, in.ID, in.Reason); err != nil {
		return a.contentFormFailure(c, "reports_hide", err)
	}
	return c.Redirect(backTo(c.FormValue("next")), fiber.StatusSeeOther)
}

func (a *app) unhideForm(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	in := contentForm(c)
	if err := models.UnhideContent(c.UserContext(), a.db.Gorm, u, in.Kind, in.ID); err != nil {
		return err
	}
	return c.Redirect(backTo(c.FormValue("next")), fiber.StatusSeeOther)
}

// openReports lists the neighbourhood's open reports the signed-in person may act on, with what
// each is about.
func (a *app) openReports(c *fiber.Ctx) (*models.Neighbourhood, []reportItem, error) {
	u, err := a.mustUser(c)
	if err != nil {
		return nil, nil, err
	}
	n, err := a.loadNeighbourhood(c)
	if err != nil {
		return nil, nil, err
	}
	rs, err := models.OpenReports(c.UserContext(), a.db.Gorm, u, n.ID)
	if err != nil {
		return nil, nil, err
	}
	targets, err := models.ReportTargets(c.UserContext(), a.db.Gorm, rs)
	if err != nil {
		return nil, nil, err
	}
	items := make([]reportItem, len(rs))
	for i := range rs {
		t := targets[rs[i].ID]
		items[i] = reportItem{Report: rs[i], Target: t, Link: contentLink(t)}
	}
	return n, items, nil
}

func (a *app) reportsPage(c *fiber.Ctx) error {
	n, items, err := a.openReports(c)
	if err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "reports", fiber.Map{"Hood": n, "Reports": items})
}

func (a *app) dismissReportForm(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if err := models.DismissReport(c.UserContext(), a.db.Gorm, u, id); err != nil {
		return err
	}
	return c.Redirect(backTo(c.FormValue("next")), fiber.StatusSeeOther)
}

// API

func (a *app) apiReport(c *fiber.Ctx) error {
	var in contentRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	r, err := models.ReportContent(c.UserContext(), a.db.Gorm, user(c), in.Kind, in.ID, in.Reason)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(reportJSON{Report: r})
}

func (a *app) apiReports(c *fiber.Ctx) error {
	_, items, err := a.openReports(c)
	if err != nil {
		return err
	}
	out := make([]reportJSON, len(items))
	for i := range items {
		out[i] = reportJSON{Report: &items[i].Report, Target: &items[i].Target}
	}
	return c.JSON(out)
}

func (a *app) apiDismissReport(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if err := models.DismissReport(c.UserContext(), a.db.Gorm, u, id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// apiModeration runs hide or unhide on the content named in the body, then answers 204.
func (a *app) apiModeration(change func(c *fiber.Ctx, u *models.User, in contentRequest) error) fiber.Handler {
	return func(c *fiber.Ctx) error {
		u, err := a.mustUser(c)
		if err != nil {
			return err
		}
		var in contentRequest
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
		if err := change(c, u, in); err != nil {
			return err
		}
		return c.SendStatus(fiber.StatusNoContent)
	}
}

func (a *app) hideContent(c *fiber.Ctx, u *models.User, in contentRequest) error {
	return models.HideContent(c.UserContext(), a.db.Gorm, u, in.Kind, in.ID, in.Reason)
}

func (a *app) unhideContent(c *fiber.Ctx, u *models.User, in contentRequest) error {
	return models.UnhideContent(c.UserContext(), a.db.Gorm, u, in.Kind, in.ID)
}
