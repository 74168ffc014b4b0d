package main

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"nabij/models"
)

// The profile: what a person says about themselves, their data export and deleting their account.

var profileFields = []string{"display_name", "initials", "language", "home_neighbourhood_id"}

func (a *app) profilePage(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	f := &form{Values: map[string]string{"display_name": u.Name(), "language": u.Language}}
	if u.Initials != nil {
		f.Values["initials"] = *u.Initials
	}
	if u.HomeNeighbourhoodID != nil {
		f.Values["home_neighbourhood_id"] = itoa(*u.HomeNeighbourhoodID)
	}
	return a.renderProfile(c, fiber.StatusOK, u, f, c.Query("saved") == "1")
}

func (a *app) renderProfile(c *fiber.Ctx, status int, u *models.User, f *form, saved bool) error {
	hoods, err := models.Neighbourhoods(c.UserContext(), a.db.Gorm)
	if err != nil {
		return err
	}
	return a.render(c, status, "profile", fiber.Map{"Form": f, "Neighbourhoods": hoods, "Saved": saved,
		"Email": deref(u.Email), "Username": deref(u.Username), "Role": "role." + string(u.Role),
		"IsStaff": models.CanRegisterOnBehalf(u), "IsCoordinator": models.CanChangeRoles(u)})
}

func (a *app) updateProfile(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	in := models.ProfileInput{DisplayName: formPtr(c, "display_name"), Initials: formPtr(c, "initials"), Language: formPtr(c, "language")}
	hood, _ := parseID(c.FormValue("home_neighbourhood_id")) // empty: no home neighbourhood
	in.HomeNeighbourhoodID = &hood
	if err := models.UpdateProfile(c.UserContext(), a.db.Gorm, u, in); err != nil {
		f, status, err := a.formFailure(c, err, formValues(c, profileFields...))
		if err != nil {
			return err
		}
		return a.renderProfile(c, status, u, f, false)
	}
	a.rememberLanguage(c, u.Language)
	return c.Redirect("/profile?saved=1", fiber.StatusSeeOther)
}

// rememberLanguage makes a language chosen in the profile win over an earlier language switch.
func (a *app) rememberLanguage(c *fiber.Ctx, lang string) {
	if c.Cookies(langCookie) != "" && c.Cookies(langCookie) != lang {
		c.Cookie(&fiber.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
			HTTPOnly: true, SameSite: "Lax", Secure: a.cfg.secureCookies()})
	}
}

func (a *app) apiUpdateMe(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	var in models.ProfileInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := models.UpdateProfile(c.UserContext(), a.db.Gorm, u, in); err != nil {
		return err
	}
	return c.JSON(toMe(u))
}

// exportDownload is the person's data as a JSON file to keep (GDPR article 15 and 20).
func (a *app) exportDownload(c *fiber.Ctx) error {
	return a.sendExport(c, true)
}

func (a *app) apiExport(c *fiber.Ctx) error {
	return a.sendExport(c, false)
}

func (a *app) sendExport(c *fiber.Ctx, download bool) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	e, err := models.ExportAccount(c.UserContext(), a.db.Gorm, u)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	if download {
		c.Attachment("nabij-" + e.ExportedAt.Format("2006-01-02") + ".json")
	}
	return c.JSON(e)
}

func (a *app) deleteAccountPage(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "delete_account", fiber.Map{"HasPassword": u.PasswordHash != nil, "Form": (*form)(nil)})
}

// deleteAccount removes the person's data for good, after they typed their password (when they
// have one), and signs them out.
func (a *app) deleteAccount(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	if err := a.deleteOwnAccount(c, u, c.FormValue("password")); err != nil {
		f, status, err := a.formFailure(c, err, map[string]string{})
		if err != nil {
			return err
		}
		return a.render(c, status, "delete_account", fiber.Map{"HasPassword": u.PasswordHash != nil, "Form": f})
	}
	return c.Redirect("/profile/deleted", fiber.StatusSeeOther)
}

// accountDeletedPage says goodbye; the person is no longer signed in.
func (a *app) accountDeletedPage(c *fiber.Ctx) error {
	return a.render(c, fiber.StatusOK, "account_deleted", nil)
}

type deleteMeRequest struct {
	Password string `json:"password"`
}

// apiDeleteMe deletes the account; {"password": "..."} confirms it when the account has one.
func (a *app) apiDeleteMe(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	var r deleteMeRequest
	if len(c.Body()) > 0 {
		if err := decodeJSON(c, &r); err != nil {
			return err
		}
	}
	if err := a.deleteOwnAccount(c, u, r.Password); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// deleteOwnAccount checks the password like a sign-in (rate limited, failures counted), deletes
// the account and forgets the session cookie.
func (a *app) deleteOwnAccount(c *fiber.Ctx, u *models.User, password string) error {
	ctx := c.UserContext()
	identifier := "user:" + itoa(u.ID)
	if u.PasswordHash != nil {
		if err := models.SigninAllowed(ctx, a.db.Gorm, identifier, c.IP()); err != nil {
			return err
		}
	}
	err := models.DeleteOwnAccount(ctx, a.db.Gorm, u, password)
	var fe models.FieldErrors
	if errors.As(err, &fe) && fe["password"] != "" {
		if rerr := models.RecordSigninFailure(ctx, a.db.Gorm, identifier, c.IP()); rerr != nil {
			return rerr
		}
	}
	if err != nil {
		return err
	}
	a.clearCookie(c, sessionCookie)
	c.Locals("user", nil)
	c.Locals("session", nil)
	return nil
}

// formPtr is a form field as a pointer, for the models' partial-update inputs.
func formPtr(c *fiber.Ctx, name string) *string {
	v := strings.Clone(c.FormValue(name))
	return &v
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
