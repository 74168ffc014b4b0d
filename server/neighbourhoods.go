package main

import (
	"encoding/base64"
	"errors"
	"html/template"
	"net/url"
	"slices"

	"github.com/gofiber/fiber/v2"
	qrcode "github.com/skip2/go-qrcode"

	"nabij/models"
)

// neighbourhoodJSON is how the API shows one neighbourhood: what it is, its workers and how many
// neighbours joined. The join code is there only for those who may manage it.
type neighbourhoodJSON struct {
	*models.Neighbourhood
	JoinCode   string              `json:"join_code,omitempty"`
	Workers    []models.PublicUser `json:"workers"`
	Neighbours int64               `json:"neighbours"`
}

// neighbourhoodView is what the neighbourhood page shows, depending on who looks.
type neighbourhoodView struct {
	Hood      *models.Neighbourhood
	Summary   models.NeighbourhoodSummary
	IsHome    bool
	Following bool
	JoinCode  string // empty unless the person may print and rotate it
	CanManage bool
	// CanModerate and CanCreateMeetup: the neighbourhood's workers (and coordinators).
	CanModerate     bool
	CanCreateMeetup bool
	Candidates      []models.PublicUser // staff not yet assigned, for coordinators
	Form            *form               // the assign form after a failed submit
}

var neighbourhoodFields = []string{"name", "municipality", "description"}

// neighbourhoodInput reads the neighbourhood form; every field is sent, so every field is set.
func neighbourhoodInput(c *fiber.Ctx) models.NeighbourhoodInput {
	name, municipality, description := c.FormValue("name"), c.FormValue("municipality"), c.FormValue("description")
	return models.NeighbourhoodInput{Name: &name, Municipality: &municipality, Description: &description}
}

// loadNeighbourhood reads the :id parameter and loads that neighbourhood (404 when unknown).
func (a *app) loadNeighbourhood(c *fiber.Ctx) (*models.Neighbourhood, error) {
	id, err := paramID(c, "id")
	if err != nil {
		return nil, err
	}
	return models.NeighbourhoodByID(c.UserContext(), a.db.Gorm, id)
}

// mustManageNeighbourhoods returns the signed-in person when they may manage neighbourhoods.
func (a *app) mustManageNeighbourhoods(c *fiber.Ctx) (*models.User, error) {
	u, err := a.mustUser(c)
	if err != nil {
		return nil, err
	}
	if !models.CanManageNeighbourhoods(u) {
		return nil, models.ErrForbidden
	}
	return u, nil
}

// joinCodeManager loads the neighbourhood when the signed-in person may print and rotate its code.
func (a *app) joinCodeManager(c *fiber.Ctx) (*models.Neighbourhood, error) {
	u, err := a.mustUser(c)
	if err != nil {
		return nil, err
	}
	n, err := a.loadNeighbourhood(c)
	if err != nil {
		return nil, err
	}
	ok, err := models.CanManageJoinCode(c.UserContext(), a.db.Gorm, u, n.ID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, models.ErrForbidden
	}
	return n, nil
}

// assignNeighbourhoodWorker assigns a user chosen by id; an id that is nobody is a mistake in
// the field.
func (a *app) assignNeighbourhoodWorker(c *fiber.Ctx, hoodID, userID int64) error {
	if userID <= 0 {
		return models.FieldErrors{"user_id": "neighbourhoods.worker.unknown"}
	}
	err := models.AssignWorker(c.UserContext(), a.db.Gorm, hoodID, userID)
	if errors.Is(err, models.ErrNotFound) {
		return models.FieldErrors{"user_id": "neighbourhoods.worker.unknown"}
	}
	return err
}

// neighbourhoodItem is one line of the list: the neighbourhood and the person's tie to it.
type neighbourhoodItem struct {
	models.Neighbourhood
	Home      bool
	Following bool
}

func (a *app) neighbourhoodsPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	hoods, err := models.Neighbourhoods(ctx, a.db.Gorm)
	if err != nil {
		return err
	}
	var followed []int64
	u := user(c)
	if u != nil {
		if followed, err = models.FollowedNeighbourhoods(ctx, a.db.Gorm, u.ID); err != nil {
			return err
		}
	}
	items := make([]neighbourhoodItem, 0, len(hoods))
	for _, n := range hoods {
		items = append(items, neighbourhoodItem{Neighbourhood: n, Following: slices.Contains(followed, n.ID),
			Home: u != nil && u.HomeNeighbourhoodID != nil && *u.HomeNeighbourhoodID == n.ID})
	}
	return a.render(c, fiber.StatusOK, "neighbourhoods", fiber.Map{"Neighbourhoods": items, "CanManage": models.CanManageNeighbourhoods(u)})
}

func (a *app) neighbourhoodPage(c *fiber.Ctx) error {
	n, err := a.loadNeighbourhood(c)
	if err != nil {
		return err
	}
	return a.renderNeighbourhood(c, fiber.StatusOK, n, nil)
}

func (a *app) renderNeighbourhood(c *fiber.Ctx, status int, n *models.Neighbourhood, f *form) error {
	ctx := c.UserContext()
	v := neighbourhoodView{Hood: n, Form: f}
	var err error
	if v.Summary, err = models.SummarizeNeighbourhood(ctx, a.db.Gorm, n.ID); err != nil {
		return err
	}
	u := user(c)
	if u == nil {
		return a.render(c, status, "neighbourhood", v)
	}
	v.IsHome = u.HomeNeighbourhoodID != nil && *u.HomeNeighbourhoodID == n.ID
	followed, err := models.FollowedNeighbourhoods(ctx, a.db.Gorm, u.ID)
	if err != nil {
		return err
	}
	v.Following = slices.Contains(followed, n.ID)
	manageCode, err := models.CanManageJoinCode(ctx, a.db.Gorm, u, n.ID)
	if err != nil {
		return err
	}
	if manageCode {
		v.JoinCode = n.JoinCode
	}
	if v.CanModerate, err = models.CanModerate(ctx, a.db.Gorm, u, n.ID, nil); err != nil {
		return err
	}
	if v.CanCreateMeetup, err = models.CanCreateMeetup(ctx, a.db.Gorm, u, n.ID, nil); err != nil {
		return err
	}
	if v.CanManage = models.CanManageNeighbourhoods(u); v.CanManage {
		staff, err := models.Staff(ctx, a.db.Gorm)
		if err != nil {
			return err
		}
		for _, s := range staff {
			if !slices.ContainsFunc(v.Summary.Workers, func(w models.PublicUser) bool { return w.ID == s.ID }) {
				v.Candidates = append(v.Candidates, s)
			}
		}
	}
	return a.render(c, status, "neighbourhood", v)
}

func (a *app) newNeighbourhoodPage(c *fiber.Ctx) error {
	if _, err := a.mustManageNeighbourhoods(c); err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "neighbourhood_edit", fiber.Map{"Form": &form{}})
}

func (a *app) createNeighbourhood(c *fiber.Ctx) error {
	if _, err := a.mustManageNeighbourhoods(c); err != nil {
		return err
	}
	n, err := models.CreateNeighbourhood(c.UserContext(), a.db.Gorm, neighbourhoodInput(c))
	if err != nil {
		f, status, err := a.formFailure(c, err, formValues(c, neighbourhoodFields...))
		if err != nil {
			return err
		}
		return a.render(c, status, "neighbourhood_edit", fiber.Map{"Form": f})
	}
	return c.Redirect("/neighbourhoods/"+itoa(n.ID), fiber.StatusSeeOther)
}

func (a *app) editNeighbourhoodPage(c *fiber.Ctx) error {
	if _, err := a.mustManageNeighbourhoods(c); err != nil {
		return err
	}
	n, err := a.loadNeighbourhood(c)
	if err != nil {
		return err
	}
	f := &form{Values: map[string]string{"name": n.Name, "municipality": n.Municipality, "description": n.Description}}
	return a.render(c, fiber.StatusOK, "neighbourhood_edit", fiber.Map{"Form": f, "Hood": n})
}

func (a *app) editNeighbourhood(c *fiber.Ctx) error {
	if _, err := a.mustManageNeighbourhoods(c); err != nil {
		return err
	}
	n, err := a.loadNeighbourhood(c)
	if err != nil {
		return err
	}
	if _, err := models.UpdateNeighbourhood(c.UserContext(), a.db.Gorm, n.ID, neighbourhoodInput(c)); err != nil {
		f, status, err := a.formFailure(c, err, formValues(c, neighbourhoodFields...))
		if err != nil {
			return err
		}
		return a.render(c, status, "neighbourhood_edit", fiber.Map{"Form": f, "Hood": n})
	}
	return c.Redirect("/neighbourhoods/"+itoa(n.ID), fiber.StatusSeeOther)
}

// flyerPage is a printable flyer: the join code in large type and a QR code to the join page.
func (a *app) flyerPage(c *fiber.Ctx) error {
	n, err := a.joinCodeManager(c)
	if err != nil {
		return err
	}
	s, err := models.SummarizeNeighbourhood(c.UserContext(), a.db.Gorm, n.ID)
	if err != nil {
		return err
	}
	link := a.cfg.BaseURL + "/join?code=" + url.QueryEscape(n.JoinCode)
	png, err := qrcode.Encode(link, qrcode.Medium, 320)
	if err != nil {
		return err
	}
	qr := template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
	return a.render(c, fiber.StatusOK, "neighbourhood_flyer", fiber.Map{"Hood": n, "Link": link, "QR": qr, "Workers": s.Workers})
}

func (a *app) rotateJoinCode(c *fiber.Ctx) error {
	n, err := a.joinCodeManager(c)
	if err != nil {
		return err
	}
	if _, err := models.RotateJoinCode(c.UserContext(), a.db.Gorm, n.ID); err != nil {
		return err
	}
	return c.Redirect("/neighbourhoods/"+itoa(n.ID)+"#join-code", fiber.StatusSeeOther)
}

func (a *app) assignWorkerForm(c *fiber.Ctx) error {
	if _, err := a.mustManageNeighbourhoods(c); err != nil {
		return err
	}
	n, err := a.loadNeighbourhood(c)
	if err != nil {
		return err
	}
	userID, _ := parseID(c.FormValue("user_id"))
	if err := a.assignNeighbourhoodWorker(c, n.ID, userID); err != nil {
		f, status, err := a.formFailure(c, err, formValues(c, "user_id"))
		if err != nil {
			return err
		}
		return a.renderNeighbourhood(c, status, n, f)
	}
	return c.Redirect("/neighbourhoods/"+itoa(n.ID)+"#workers", fiber.StatusSeeOther)
}

func (a *app) unassignWorkerForm(c *fiber.Ctx) error {
	if _, err := a.mustManageNeighbourhoods(c); err != nil {
		return err
	}
	n, err := a.loadNeighbourhood(c)
	if err != nil {
		return err
	}
	userID, err := paramID(c, "userID")
	if err != nil {
		return err
	}
	if err := models.UnassignWorker(c.UserContext(), a.db.Gorm, n.ID, userID); err != nil {
		return err
	}
	return c.Redirect("/neighbourhoods/"+itoa(n.ID)+"#workers", fiber.StatusSeeOther)
}

// neighbourhoodMembership runs a change of the signed-in person's tie to a neighbourhood, then
// returns to its page.
func (a *app) neighbourhoodMembership(change func(c *fiber.Ctx, u *models.User, n *models.Neighbourhood) error) fiber.Handler {
	return func(c *fiber.Ctx) error {
		u, err := a.mustUser(c)
		if err != nil {
			return err
		}
		n, err := a.loadNeighbourhood(c)
		if err != nil {
			return err
		}
		if err := change(c, u, n); err != nil {
			return err
		}
		return c.Redirect("/neighbourhoods/"+itoa(n.ID), fiber.StatusSeeOther)
	}
}

func (a *app) makeHomeNeighbourhood(c *fiber.Ctx, u *models.User, n *models.Neighbourhood) error {
	return models.MakeHome(c.UserContext(), a.db.Gorm, u, n.ID)
}

func (a *app) followNeighbourhood(c *fiber.Ctx, u *models.User, n *models.Neighbourhood) error {
	return models.Follow(c.UserContext(), a.db.Gorm, u.ID, n.ID)
}

func (a *app) unfollowNeighbourhood(c *fiber.Ctx, u *models.User, n *models.Neighbourhood) error {
	return models.Unfollow(c.UserContext(), a.db.Gorm, u.ID, n.ID)
}

// joinByCodePage answers the link on a flyer: the neighbourhood of the code, with a way to join it.
func (a *app) joinByCodePage(c *fiber.Ctx) error {
	code := models.NormalizeCode(c.Query("code"))
	if code == "" {
		return a.render(c, fiber.StatusOK, "join", fiber.Map{"Form": &form{}})
	}
	return a.renderJoinByCode(c, code)
}

func (a *app) renderJoinByCode(c *fiber.Ctx, code string) error {
	n, err := models.NeighbourhoodByCode(c.UserContext(), a.db.Gorm, code)
	if errors.Is(err, models.ErrNotFound) {
		msg := a.views.translate(requestLang(c), "neighbourhood.code.unknown", nil)
		f := &form{Values: map[string]string{"code": code}, Errors: map[string]string{"code": msg}}
		return a.render(c, fiber.StatusNotFound, "join", fiber.Map{"Form": f})
	}
	if err != nil {
		return err
	}
	data := fiber.Map{"Hood": n, "Code": code, "SignupURL": "/signup?code=" + url.QueryEscape(code),
		"SigninURL": "/signin?next=" + url.QueryEscape("/join?code="+code)}
	if u := user(c); u != nil {
		data["IsHome"] = u.HomeNeighbourhoodID != nil && *u.HomeNeighbourhoodID == n.ID
	}
	return a.render(c, fiber.StatusOK, "join", data)
}

// joinByCode makes the code's neighbourhood the person's home, or follows it when they have one.
func (a *app) joinByCode(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	code := models.NormalizeCode(c.FormValue("code"))
	n, err := models.NeighbourhoodByCode(c.UserContext(), a.db.Gorm, code)
	if errors.Is(err, models.ErrNotFound) {
		return a.renderJoinByCode(c, code)
	}
	if err != nil {
		return err
	}
	if err := models.JoinNeighbourhood(c.UserContext(), a.db.Gorm, u, n.ID); err != nil {
		return err
	}
	return c.Redirect("/neighbourhoods/"+itoa(n.ID), fiber.StatusSeeOther)
}

// neighbourhoodDetail builds the API view of one neighbourhood for the person asking.
func (a *app) neighbourhoodDetail(c *fiber.Ctx, n *models.Neighbourhood) (neighbourhoodJSON, error) {
	ctx := c.UserContext()
	s, err := models.SummarizeNeighbourhood(ctx, a.db.Gorm, n.ID)
	if err != nil {
		return neighbourhoodJSON{}, err
	}
	out := neighbourhoodJSON{Neighbourhood: n, Workers: s.Workers, Neighbours: s.Neighbours}
	ok, err := models.CanManageJoinCode(ctx, a.db.Gorm, user(c), n.ID)
	if err != nil {
		return neighbourhoodJSON{}, err
	}
	if ok {
		out.JoinCode = n.JoinCode
	}
	return out, nil
}

func (a *app) apiNeighbourhoods(c *fiber.Ctx) error {
	hoods, err := models.Neighbourhoods(c.UserContext(), a.db.Gorm)
	if err != nil {
		return err
	}
	return c.JSON(hoods)
}

func (a *app) apiNeighbourhood(c *fiber.Ctx) error {
	n, err := a.loadNeighbourhood(c)
	if err != nil {
		return err
	}
	out, err := a.neighbourhoodDetail(c, n)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (a *app) apiCreateNeighbourhood(c *fiber.Ctx) error {
	if _, err := a.mustManageNeighbourhoods(c); err != nil {
		return err
	}
	var in models.NeighbourhoodInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	n, err := models.CreateNeighbourhood(c.UserContext(), a.db.Gorm, in)
	if err != nil {
		return err
	}
	out, err := a.neighbourhoodDetail(c, n)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (a *app) apiUpdateNeighbourhood(c *fiber.Ctx) error {
	if _, err := a.mustManageNeighbourhoods(c); err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var in models.NeighbourhoodInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	n, err := models.UpdateNeighbourhood(c.UserContext(), a.db.Gorm, id, in)
	if err != nil {
		return err
	}
	out, err := a.neighbourhoodDetail(c, n)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (a *app) apiRotateJoinCode(c *fiber.Ctx) error {
	n, err := a.joinCodeManager(c)
	if err != nil {
		return err
	}
	code, err := models.RotateJoinCode(c.UserContext(), a.db.Gorm, n.ID)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"join_code": code})
}

type assignWorkerRequest struct {
	UserID int64 `json:"user_id"`
}

func (a *app) apiAssignWorker(c *fiber.Ctx) error {
	if _, err := a.mustManageNeighbourhoods(c); err != nil {
		return err
	}
	n, err := a.loadNeighbourhood(c)
	if err != nil {
		return err
	}
	var r assignWorkerRequest
	if err := decodeJSON(c, &r); err != nil {
		return err
	}
	if err := a.assignNeighbourhoodWorker(c, n.ID, r.UserID); err != nil {
		return err
	}
	out, err := a.neighbourhoodDetail(c, n)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (a *app) apiUnassignWorker(c *fiber.Ctx) error {
	if _, err := a.mustManageNeighbourhoods(c); err != nil {
		return err
	}
	n, err := a.loadNeighbourhood(c)
	if err != nil {
		return err
	}
	userID, err := paramID(c, "userID")
	if err != nil {
		return err
	}
	if err := models.UnassignWorker(c.UserContext(), a.db.Gorm, n.ID, userID); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// apiNeighbourhoodMembership is neighbourhoodMembership for the API: the change, then 204.
func (a *app) apiNeighbourhoodMembership(change func(c *fiber.Ctx, u *models.User, n *models.Neighbourhood) error) fiber.Handler {
	return func(c *fiber.Ctx) error {
		u, err := a.mustUser(c)
		if err != nil {
			return err
		}
		n, err := a.loadNeighbourhood(c)
		if err != nil {
			return err
		}
		if err := change(c, u, n); err != nil {
			return err
		}
		return c.SendStatus(fiber.StatusNoContent)
	}
}
