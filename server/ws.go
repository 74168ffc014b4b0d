package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"nabij/models"
	"nabij/realtime"
)

// websocket serves GET /ws, live updates (realtime/, docs/realtime.md) for someone signed in:
// browsers with their session cookie, programs with a personal API token in the Authorization
// header or, when they cannot set headers, in ?token=. The request is checked here and refused
// like an API call (JSON, 401 rather than the sign-in page); then the HTTP server hands the
// connection over (fasthttp's hijack, without an extra copy through a pipe) and the hub answers
// the handshake and serves it.
func (a *app) websocket(c *fiber.Ctx) error {
	if !isWebsocketHandshake(c) {
		return a.refuseWebsocket(c, &httpError{Status: fiber.StatusBadRequest, Code: "websocket_expected", MsgID: "error.bad_request"})
	}
	again, u, err := a.websocketCredential(c)
	if err != nil {
		return a.refuseWebsocket(c, err)
	}
	if !a.allowedOrigin(c) {
		return a.refuseWebsocket(c, &httpError{Status: fiber.StatusForbidden, Code: "origin", MsgID: "error.forbidden"})
	}
	if !a.live.Running() {
		return a.refuseWebsocket(c, &httpError{Status: fiber.StatusServiceUnavailable, Code: "unavailable", MsgID: "error.unavailable"})
	}
	req := handshakeRequest(c)
	access := a.topicAccess(again)
	c.Context().HijackSetNoResponse(true)
	c.Context().Hijack(func(nc net.Conn) {
		// The raw connection, not fasthttp's wrapper: the wrapper reads through the request's 8 KB
		// buffer, which would then stay with every idle websocket. A client sends nothing before
		// the handshake's answer, so nothing is left in that buffer.
		if raw, ok := nc.(interface{ UnsafeConn() net.Conn }); ok {
			nc = raw.UnsafeConn()
		}
		a.live.Accept(nc, req, u.ID, access)
	})
	c.Status(fiber.StatusSwitchingProtocols)
	return nil
}

// refuseWebsocket answers a handshake that cannot go on in the API's error shape: websocket
// clients are programs (a browser's script), never a page to send to the sign-in form.
func (a *app) refuseWebsocket(c *fiber.Ctx, err error) error {
	var he *httpError
	if !errors.As(err, &he) {
		return err // a fault: logged, with the usual answer
	}
	msg := a.views.translate(requestLang(c), he.MsgID, nil)
	return c.Status(he.Status).JSON(errorBody{Error: errorDetail{Code: he.Code, Message: msg}})
}

// isWebsocketHandshake reports whether the request asks for a websocket.
func isWebsocketHandshake(c *fiber.Ctx) bool {
	return hasToken(c.Get(fiber.HeaderConnection), "upgrade") && hasToken(c.Get(fiber.HeaderUpgrade), "websocket")
}

func hasToken(header, token string) bool {
	for _, t := range strings.Split(header, ",") {
		if strings.EqualFold(strings.TrimSpace(t), token) {
			return true
		}
	}
	return false
}

// signIn finds the person again by the credential the websocket came with, so that signing out,
// a revoked token, a deleted account or another role ends what they may follow.
type signIn func(ctx context.Context) (*models.User, error)

// websocketCredential is who opens the websocket, and how to find them again later. /ws comes
// before the authenticate middleware, which answers a bad token with the sign-in page. The
// credential is copied: Fiber's strings point into buffers that serve the next request.
func (a *app) websocketCredential(c *fiber.Ctx) (signIn, *models.User, error) {
	db := a.db.Gorm
	header, query := strings.Clone(c.Get(fiber.HeaderAuthorization)), strings.Clone(c.Query("token"))
	cookie := strings.Clone(c.Cookies(sessionCookie))
	refused := &httpError{Status: fiber.StatusUnauthorized, Code: "unauthorized", MsgID: "auth.token_invalid"}
	var again signIn
	switch {
	case header != "" || query != "":
		secret, ok := strings.CutPrefix(header, "Bearer ")
		if header == "" {
			secret, ok = query, true
		}
		if !ok {
			return nil, nil, refused
		}
		secret = strings.TrimSpace(secret)
		again = func(ctx context.Context) (*models.User, error) { return models.UserByToken(ctx, db, secret) }
	case cookie != "":
		refused = errSignInFirst // signed out, or expired
		again = func(ctx context.Context) (*models.User, error) {
			_, u, err := models.SessionByCookie(ctx, db, cookie)
			return u, err
		}
	default:
		return nil, nil, errSignInFirst
	}
	u, err := again(c.UserContext())
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil, refused
	}
	return again, u, err
}

// allowedOrigin checks a browser's Origin: this site's own address (NABIJ_BASE_URL), or the
// address the browser connected to. A page on another site cannot open a websocket with its
// visitor's cookie. Programs send no Origin.
func (a *app) allowedOrigin(c *fiber.Ctx) bool {
	origin := c.Get(fiber.HeaderOrigin)
	if origin == "" {
		return true
	}
	o, err := url.Parse(origin)
	if err != nil || o.Host == "" {
		return false
	}
	base, err := url.Parse(a.cfg.BaseURL)
	if err == nil && strings.EqualFold(o.Scheme, base.Scheme) && strings.EqualFold(o.Host, base.Host) {
		return true
	}
	return strings.EqualFold(o.Host, string(c.Request().Host()))
}

// handshakeRequest copies what the websocket handshake needs from the request, which fasthttp
// reuses once the connection is handed over.
func handshakeRequest(c *fiber.Ctx) *http.Request {
	h := http.Header{}
	for _, k := range []string{"Connection", "Upgrade", "Sec-Websocket-Version", "Sec-Websocket-Key", "Origin"} {
		if v := c.Get(k); v != "" {
			h.Set(k, strings.Clone(v))
		}
	}
	return &http.Request{Method: http.MethodGet, Header: h, Host: string(c.Request().Host()), URL: &url.URL{Path: strings.Clone(c.Path())}}
}

// topicAccess is a connection's Access: the person (found again by their credential) may see
// the topic by the rules of models.CanSubscribe.
func (a *app) topicAccess(again signIn) realtime.Access {
	return func(ctx context.Context, topic string) error {
		u, err := again(ctx)
		if errors.Is(err, models.ErrNotFound) {
			return realtime.ErrForbidden
		}
		if err != nil {
			return err
		}
		ok, err := models.CanSubscribe(ctx, a.db.Gorm, u, topic)
		switch {
		case errors.Is(err, models.ErrUnknownTopic):
			return realtime.ErrInvalidTopic
		case err != nil:
			return err
		case !ok:
			return realtime.ErrForbidden
		}
		return nil
	}
}
