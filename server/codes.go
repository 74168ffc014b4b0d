package main

import (
	"encoding/base64"
	"errors"
	"html/template"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/skip2/go-qrcode"

	"nabij/models"
)

// Proxy registration and one-time sign-in codes: how people without email or password get in.
// A worker registers a resident and prints a sheet with a code; the resident types the code (or
// scans the QR code) and may then choose a password.

var residentFields = []string{"display_name", "email", "username", "neighbourhood_id", "language"}

// residentsPage lists the residents a worker registered or who live in their neighbourhoods, each
// with a button for a new sign-in code.
func (a *app) residentsPage(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	rows, err := models.ResidentsFor(c.UserContext(), a.db.Gorm, u)
	if err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "residents", fiber.Map{"Residents": rows})
}

func (a *app) newResidentPage(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	if !models.CanRegisterOnBehalf(u) {
		return models.ErrForbidden
	}
	return a.renderNewResident(c, fiber.StatusOK, &form{Values: map[string]string{"language": requestLang(c)}})
}

func (a *app) renderNewResident(c *fiber.Ctx, status int, f *form) error {
	hoods, err := models.Neighbourhoods(c.UserContext(), a.db.Gorm)
	if err != nil {
		return err
	}
	return a.render(c, status, "resident_new", fiber.Map{"Form": f, "Neighbourhoods": hoods})
}

// createResident registers a resident on their behalf and answers with the printable sheet: the
// code is shown this once and cannot be looked up later.
func (a *app) createResident(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	r := models.Registration{DisplayName: c.FormValue("display_name"), Email: c.FormValue("email"),
		Username: c.FormValue("username"), Language: c.FormValue("language")}
	r.NeighbourhoodID, _ = parseID(c.FormValue("neighbourhood_id"))
	resident, code, expires, err := models.RegisterOnBehalf(c.UserContext(), a.db.Gorm, u, r)
	var fe models.FieldErrors
	if errors.As(err, &fe) {
		f, status, err := a.formFailure(c, err, formValues(c, residentFields...))
		if err != nil {
			return err
		}
		return a.renderNewResident(c, status, f)
	}
	if err != nil {
		return err
	}
	return a.renderCodeSheet(c, resident, code, expires, true)
}

// issueCodePage gives a resident a new code (the earlier one stops working) and shows the sheet.
func (a *app) issueCodePage(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	resident, code, expires, err := models.IssueSigninCodeFor(c.UserContext(), a.db.Gorm, u, id)
	if err != nil {
		return err
	}
	return a.renderCodeSheet(c, resident, code, expires, false)
}

// renderCodeSheet shows the sheet to print for the resident, in the resident's language.
func (a *app) renderCodeSheet(c *fiber.Ctx, resident *models.User, code string, expires time.Time, isNew bool) error {
	link := a.cfg.BaseURL + "/code?c=" + url.QueryEscape(code)
	png, err := qrcode.Encode(link, qrcode.Medium, 320)
	if err != nil {
		return err
	}
	c.Locals("lang", resident.Language)
	username := ""
	if resident.Username != nil {
		username = *resident.Username
	}
	return a.render(c, fiber.StatusOK, "code_sheet", fiber.Map{
		"Name":     resident.Name(),
		"Username": username,
		"Code":     code,
		"Expires":  formatDate(expires.In(a.cfg.Location), resident.Language),
		"SignInAt": a.cfg.BaseURL + "/code",
		"QR":       template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png)),
		"New":      isNew,
	})
}

// formatDate writes a date as people in that language read it.
func formatDate(t time.Time, lang string) string {
	if lang == "en" {
		return t.Format("2 January 2006, 15:04")
	}
	return t.Format("02-01-2006, 15:04")
}

func (a *app) codePage(c *fiber.Ctx) error {
	return a.render(c, fiber.StatusOK, "code_signin", fiber.Map{"Form": &form{Values: map[string]string{"code": c.Query("c")}}})
}

// codeSignin signs a resident in with the code from their sheet, then offers to choose a password.
func (a *app) codeSignin(c *fiber.Ctx) error {
	u, err := a.signInWithCode(c, c.FormValue("code"))
	if err != nil {
		f, status, err := a.formFailure(c, err, formValues(c, "code"))
		if err != nil {
			return err
		}
		return a.render(c, status, "code_signin", fiber.Map{"Form": f})
	}
	if _, err := a.startSession(c, u); err != nil {
		return err
	}
	return c.Redirect("/welcome/password", fiber.StatusSeeOther)
}

// signInWithCode is the one code sign-in path for the form and the API, rate limited like
// password sign-in: the typed code counts as the identifier.
func (a *app) signInWithCode(c *fiber.Ctx, typed string) (*models.User, error) {
	ctx := c.UserContext()
	id := models.NormalizeCode(typed)
	if err := models.SigninAllowed(ctx, a.db.Gorm, id, c.IP()); err != nil {
		return nil, err
	}
	u, err := models.RedeemSigninCode(ctx, a.db.Gorm, typed)
	if errors.Is(err, models.ErrCodeInvalid) {
		if rerr := models.RecordSigninFailure(ctx, a.db.Gorm, id, c.IP()); rerr != nil {
			return nil, rerr
		}
	}
	return u, err
}

// mayChooseNewPassword: see models.CanChooseNewPassword.
func (a *app) mayChooseNewPassword(c *fiber.Ctx, u *models.User) (bool, error) {
	s, _ := c.Locals("session").(*models.Session)
	return models.CanChooseNewPassword(c.UserContext(), a.db.Gorm, u, s)
}

// welcomePasswordPage offers someone who just signed in with a code to choose a password, so
// they need no new code next time. Skipping is fine.
func (a *app) welcomePasswordPage(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	ok, err := a.mayChooseNewPassword(c, u)
	if err != nil {
		return err
	}
	if !ok {
		return c.Redirect(a.homeOf(u), fiber.StatusSeeOther)
	}
	return a.renderSetPassword(c, fiber.StatusOK, u, nil)
}

func (a *app) renderSetPassword(c *fiber.Ctx, status int, u *models.User, f *form) error {
	username := ""
	if u.Username != nil {
		username = *u.Username
	} else if u.Email != nil {
		username = *u.Email
	}
	return a.render(c, status, "set_password", fiber.Map{"Form": f, "Username": username, "Skip": a.homeOf(u)})
}

func (a *app) welcomePassword(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	ok, err := a.mayChooseNewPassword(c, u)
	if err != nil {
		return err
	}
	if !ok {
		return models.ErrForbidden
	}
	if err := models.SetPassword(c.UserContext(), a.db.Gorm, u.ID, c.FormValue("password")); err != nil {
		f, status, err := a.formFailure(c, err, map[string]string{})
		if err != nil {
			return err
		}
		return a.renderSetPassword(c, status, u, f)
	}
	return c.Redirect(a.homeOf(u), fiber.StatusSeeOther)
}

// codeJSON is a freshly issued code: shown to the worker once, to print or read out.
type codeJSON struct {
	User      meJSON    `json:"user"`
	Code      string    `json:"code"`
	ExpiresAt time.Time `json:"expires_at"`
	SignInURL string    `json:"signin_url"`
}

func (a *app) newCodeJSON(u *models.User, code string, expires time.Time) codeJSON {
	return codeJSON{User: toMe(u), Code: code, ExpiresAt: expires.UTC(),
		SignInURL: a.cfg.BaseURL + "/code?c=" + url.QueryEscape(code)}
}

// apiCreateResident is proxy registration over the API: 201 with the resident and their code.
func (a *app) apiCreateResident(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	if !models.CanRegisterOnBehalf(u) {
		return models.ErrForbidden
	}
	var r models.Registration
	if err := decodeJSON(c, &r); err != nil {
		return err
	}
	if r.Language == "" {
		r.Language = requestLang(c)
	}
	resident, code, expires, err := models.RegisterOnBehalf(c.UserContext(), a.db.Gorm, u, r)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(a.newCodeJSON(resident, code, expires))
}

func (a *app) apiIssueCode(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	resident, code, expires, err := models.IssueSigninCodeFor(c.UserContext(), a.db.Gorm, u, id)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(a.newCodeJSON(resident, code, expires))
}

type codeLoginRequest struct {
	Code string `json:"code"`
}

// apiCodeLogin signs in with a code, answering like /api/v1/auth/login.
func (a *app) apiCodeLogin(c *fiber.Ctx) error {
	var r codeLoginRequest
	if err := decodeJSON(c, &r); err != nil {
		return err
	}
	u, err := a.signInWithCode(c, r.Code)
	if err != nil {
		return err
	}
	s, err := a.startSession(c, u)
	if err != nil {
		return err
	}
	return c.JSON(sessionJSON{User: toMe(u), CSRFToken: s.CSRFToken})
}
