package main

import (
	"crypto/subtle"
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"nabij/models"
)

const (
	sessionCookie = "nabij_session"
	// preSessionCookie carries the CSRF token of someone not signed in (double-submit), so the
	// sign-in and sign-up forms are protected too.
	preSessionCookie = "nabij_csrf"
)

// authenticate finds out who is asking: a bearer token (scripts and apps) or a session cookie
// (browsers). Anonymous requests pass through; handlers that need a person use a.user.
func (a *app) authenticate(c *fiber.Ctx) error {
	ctx := c.UserContext()
	if h := c.Get(fiber.HeaderAuthorization); h != "" {
		secret, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return &httpError{Status: 401, Code: "unauthorized", MsgID: "auth.token_invalid"}
		}
		u, err := a.tokens.UserByToken(ctx, strings.TrimSpace(secret))
		if errors.Is(err, models.ErrNotFound) {
			return &httpError{Status: 401, Code: "unauthorized", MsgID: "auth.token_invalid"}
		}
		if err != nil {
			return err
		}
		c.Locals("user", u)
		c.Locals("via_token", true)
		return c.Next()
	}
	if cookie := c.Cookies(sessionCookie); cookie != "" {
		s, u, err := models.SessionByCookie(ctx, a.db.Gorm, cookie)
		switch {
		case err == nil:
			c.Locals("user", u)
			c.Locals("session", s)
		case errors.Is(err, models.ErrNotFound):
			a.clearCookie(c, sessionCookie) // expired or signed out elsewhere
		default:
			return err
		}
	}
	return c.Next()
}

// checkCSRF refuses state-changing requests that a foreign site could have made a browser send.
// Token-authenticated calls carry no ambient credentials and need no token. API calls need the
// session's token in X-CSRF-Token when a session cookie came along; forms need it in _csrf.
func (a *app) checkCSRF(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	if viaToken, _ := c.Locals("via_token").(bool); viaToken {
		return c.Next()
	}
	var want string
	if s, ok := c.Locals("session").(*models.Session); ok {
		want = s.CSRFToken
	} else if isAPI(c) {
		// No session: nothing ambient to abuse. A cross-site form cannot send JSON, and the
		// JSON decoder insists on it.
		return c.Next()
	} else {
		want = c.Cookies(preSessionCookie)
	}
	got := c.Get("X-CSRF-Token")
	if got == "" && !isAPI(c) {
		got = c.FormValue("_csrf")
	}
	if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return &httpError{Status: fiber.StatusForbidden, Code: "csrf", MsgID: "error.csrf"}
	}
	return c.Next()
}

// csrfToken is the token to put in this page's forms: the session's, or for someone not signed
// in a pre-session token, set as a cookie the first time.
func (a *app) csrfToken(c *fiber.Ctx) string {
	if s, ok := c.Locals("session").(*models.Session); ok {
		return s.CSRFToken
	}
	if t := c.Cookies(preSessionCookie); len(t) >= 20 {
		return t
	}
	if t, ok := c.Locals("pre_csrf").(string); ok {
		return t
	}
	t := newRequestID() + newRequestID() + newRequestID()
	c.Locals("pre_csrf", t)
	c.Cookie(&fiber.Cookie{Name: preSessionCookie, Value: t, Path: "/", HTTPOnly: true, SameSite: "Lax",
		Secure: a.cfg.secureCookies(), MaxAge: 24 * 3600})
	return t
}

// user is the signed-in person, or nil.
func user(c *fiber.Ctx) *models.User {
	u, _ := c.Locals("user").(*models.User)
	return u
}

// requireUser is the error for pages and calls that need someone signed in.
var errSignInFirst = &httpError{Status: fiber.StatusUnauthorized, Code: "unauthorized", MsgID: "error.unauthorized"}

// mustUser returns the signed-in person or errSignInFirst. Pages redirect to the sign-in page.
func (a *app) mustUser(c *fiber.Ctx) (*models.User, error) {
	if u := user(c); u != nil {
		return u, nil
	}
	return nil, errSignInFirst
}

// startSession signs a person in: a new session id at every sign-in, so one planted before
// sign-in is worthless.
func (a *app) startSession(c *fiber.Ctx, u *models.User) (*models.Session, error) {
	if old := c.Cookies(sessionCookie); old != "" {
		_ = models.EndSession(c.UserContext(), a.db.Gorm, old)
	}
	cookie, s, err := models.NewSession(c.UserContext(), a.db.Gorm, u.ID, c.Get(fiber.HeaderUserAgent))
	if err != nil {
		return nil, err
	}
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: cookie, Path: "/", HTTPOnly: true, SameSite: "Lax",
		Secure: a.cfg.secureCookies(), MaxAge: int(models.SessionIdle / time.Second)})
	c.Locals("user", u)
	c.Locals("session", s)
	if u.Language != "" {
		c.Locals("lang", u.Language)
	}
	return s, nil
}

func (a *app) clearCookie(c *fiber.Ctx, name string) {
	c.Cookie(&fiber.Cookie{Name: name, Value: "", Path: "/", HTTPOnly: true, SameSite: "Lax",
		Secure: a.cfg.secureCookies(), MaxAge: -1, Expires: time.Unix(1, 0)})
}
