package main

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"nabij/models"
)

// meJSON is how the API shows a person to themselves (others only ever get models.PublicUser).
type meJSON struct {
	ID                  int64       `json:"id"`
	DisplayName         string      `json:"display_name"`
	Initials            string      `json:"initials"`
	Email               *string     `json:"email"`
	Username            *string     `json:"username"`
	Role                models.Role `json:"role"`
	Language            string      `json:"language"`
	HomeNeighbourhoodID *int64      `json:"home_neighbourhood_id"`
	HasPassword         bool        `json:"has_password"`
}

func toMe(u *models.User) meJSON {
	return meJSON{ID: u.ID, DisplayName: u.Name(), Initials: u.AvatarInitials(), Email: u.Email, Username: u.Username,
		Role: u.Role, Language: u.Language, HomeNeighbourhoodID: u.HomeNeighbourhoodID, HasPassword: u.PasswordHash != nil}
}

type sessionJSON struct {
	User      meJSON `json:"user"`
	CSRFToken string `json:"csrf_token"`
}

// signupPage shows the sign-up form; ?code= fills in a neighbourhood's join code from a flyer.
func (a *app) signupPage(c *fiber.Ctx) error {
	f := &form{Values: map[string]string{"join_code": c.Query("code")}}
	return a.renderSignup(c, fiber.StatusOK, f)
}

func (a *app) renderSignup(c *fiber.Ctx, status int, f *form) error {
	hoods, err := models.Neighbourhoods(c.UserContext(), a.db.Gorm)
	if err != nil {
		return err
	}
	return a.render(c, status, "signup", fiber.Map{"Form": f, "Neighbourhoods": hoods})
}

var signupFields = []string{"display_name", "email", "username", "neighbourhood_id", "join_code"}

func (a *app) signup(c *fiber.Ctx) error {
	r := models.Registration{
		DisplayName: c.FormValue("display_name"), Email: c.FormValue("email"), Username: c.FormValue("username"),
		Password: c.FormValue("password"), JoinCode: c.FormValue("join_code"), Language: requestLang(c),
	}
	r.NeighbourhoodID, _ = parseID(c.FormValue("neighbourhood_id"))
	u, err := models.Register(c.UserContext(), a.db.Gorm, r)
	if err != nil {
		f, status, err := a.formFailure(c, err, formValues(c, signupFields...))
		if err != nil {
			return err
		}
		return a.renderSignup(c, status, f)
	}
	if _, err := a.startSession(c, u); err != nil {
		return err
	}
	return c.Redirect(a.homeOf(u), fiber.StatusSeeOther)
}

func (a *app) apiRegister(c *fiber.Ctx) error {
	var r models.Registration
	if err := decodeJSON(c, &r); err != nil {
		return err
	}
	if r.Language == "" {
		r.Language = requestLang(c)
	}
	u, err := models.Register(c.UserContext(), a.db.Gorm, r)
	if err != nil {
		return err
	}
	s, err := a.startSession(c, u)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(sessionJSON{User: toMe(u), CSRFToken: s.CSRFToken})
}

func (a *app) signinPage(c *fiber.Ctx) error {
	return a.renderSignin(c, fiber.StatusOK, &form{Values: map[string]string{"next": localPath(c.Query("next"))}})
}

func (a *app) renderSignin(c *fiber.Ctx, status int, f *form) error {
	data := fiber.Map{"Form": f}
	if a.cfg.Demo {
		accounts, err := demoAccounts(c.UserContext(), a.db.Gorm)
		if err != nil {
			return err
		}
		data["DemoAccounts"] = accounts
	}
	return a.render(c, status, "signin", data)
}

// signInWithPassword is the one sign-in path for the form and the API: rate limit first, then
// the password, then count a failure against both the identifier and the address.
func (a *app) signInWithPassword(c *fiber.Ctx, identifier, password string) (*models.User, error) {
	ctx := c.UserContext()
	if err := models.SigninAllowed(ctx, a.db.Gorm, identifier, c.IP()); err != nil {
		return nil, err
	}
	u, err := models.Authenticate(ctx, a.db.Gorm, identifier, password)
	if errors.Is(err, models.ErrBadCredentials) {
		if rerr := models.RecordSigninFailure(ctx, a.db.Gorm, identifier, c.IP()); rerr != nil {
			return nil, rerr
		}
	}
	return u, err
}

func (a *app) signin(c *fiber.Ctx) error {
	u, err := a.signInWithPassword(c, c.FormValue("identifier"), c.FormValue("password"))
	if err != nil {
		f, status, err := a.formFailure(c, err, formValues(c, "identifier", "next"))
		if err != nil {
			return err
		}
		return a.renderSignin(c, status, f)
	}
	if _, err := a.startSession(c, u); err != nil {
		return err
	}
	next := localPath(c.FormValue("next"))
	if next == "/" {
		next = a.homeOf(u)
	}
	return c.Redirect(next, fiber.StatusSeeOther)
}

type loginRequest struct {
	Identifier string `json:"identifier"`
	Email      string `json:"email"`
	Username   string `json:"username"`
	Password   string `json:"password"`
}

func (a *app) apiLogin(c *fiber.Ctx) error {
	var r loginRequest
	if err := decodeJSON(c, &r); err != nil {
		return err
	}
	id := firstNonEmpty(r.Identifier, r.Email, r.Username)
	u, err := a.signInWithPassword(c, id, r.Password)
	if err != nil {
		return err
	}
	s, err := a.startSession(c, u)
	if err != nil {
		return err
	}
	return c.JSON(sessionJSON{User: toMe(u), CSRFToken: s.CSRFToken})
}

// signout ends this browser's session; with everywhere=1 every session of the person.
func (a *app) signout(c *fiber.Ctx) error {
	if err := a.endSessions(c, c.FormValue("everywhere") == "1"); err != nil {
		return err
	}
	return c.Redirect("/", fiber.StatusSeeOther)
}

func (a *app) apiLogout(c *fiber.Ctx) error {
	if err := a.endSessions(c, c.Query("everywhere") == "1"); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (a *app) endSessions(c *fiber.Ctx, everywhere bool) error {
	ctx := c.UserContext()
	if u := user(c); u != nil && everywhere {
		if err := models.EndAllSessions(ctx, a.db.Gorm, u.ID); err != nil {
			return err
		}
	} else if cookie := c.Cookies(sessionCookie); cookie != "" {
		if err := models.EndSession(ctx, a.db.Gorm, cookie); err != nil {
			return err
		}
	}
	a.clearCookie(c, sessionCookie)
	return nil
}

func (a *app) apiMe(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	return c.JSON(toMe(u))
}

// homeOf is where a person lands after signing in: their neighbourhood, or the list to pick one.
func (a *app) homeOf(u *models.User) string {
	if u.HomeNeighbourhoodID != nil {
		return "/neighbourhoods/" + itoa(*u.HomeNeighbourhoodID)
	}
	return "/neighbourhoods"
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if strings.TrimSpace(x) != "" {
			return x
		}
	}
	return ""
}
