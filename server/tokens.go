package main

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"nabij/models"
)

// Personal API tokens: for scripts and apps, sent as "Authorization: Bearer ...". The secret is
// shown once, when it is made.

func (a *app) tokensPage(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	return a.renderTokens(c, fiber.StatusOK, u, nil, "")
}

func (a *app) renderTokens(c *fiber.Ctx, status int, u *models.User, f *form, secret string) error {
	ts, err := models.Tokens(c.UserContext(), a.db.Gorm, u.ID)
	if err != nil {
		return err
	}
	return a.render(c, status, "tokens", fiber.Map{"Tokens": ts, "Form": f, "Secret": secret})
}

// createTokenPage makes a token and shows its secret on the answer page, this once.
func (a *app) createTokenPage(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	_, secret, err := models.CreateToken(c.UserContext(), a.db.Gorm, u.ID, c.FormValue("name"))
	if err != nil {
		f, status, err := a.formFailure(c, err, formValues(c, "name"))
		if err != nil {
			return err
		}
		return a.renderTokens(c, status, u, f, "")
	}
	return a.renderTokens(c, fiber.StatusOK, u, nil, secret)
}

func (a *app) revokeTokenPage(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if err := models.RevokeToken(c.UserContext(), a.db.Gorm, u.ID, id); err != nil {
		return err
	}
	return c.Redirect("/profile/tokens", fiber.StatusSeeOther)
}

func (a *app) apiTokens(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	ts, err := models.Tokens(c.UserContext(), a.db.Gorm, u.ID)
	if err != nil {
		return err
	}
	return c.JSON(ts)
}

type createTokenRequest struct {
	Name string `json:"name"`
}

// newTokenJSON is the only answer that ever holds the token's secret.
type newTokenJSON struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Token     string    `json:"token"`
	CreatedAt time.Time `json:"created_at"`
}

func (a *app) apiCreateToken(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	var r createTokenRequest
	if err := decodeJSON(c, &r); err != nil {
		return err
	}
	t, secret, err := models.CreateToken(c.UserContext(), a.db.Gorm, u.ID, r.Name)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(newTokenJSON{ID: t.ID, Name: t.Name, Token: secret, CreatedAt: t.CreatedAt})
}

func (a *app) apiRevokeToken(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if err := models.RevokeToken(c.UserContext(), a.db.Gorm, u.ID, id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
