package main

import (
	"errors"
	"log/slog"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// httpError is an error a person may see: a status, a stable code for programs, a message id in
// the translation catalog, and per-field message ids for forms. The wrapped cause is logged, never
// shown.
type httpError struct {
	Status int
	Code   string
	MsgID  string
	Fields map[string]string // field name -> message id
	Cause  error
}

func (e *httpError) Error() string {
	if e.Cause != nil {
		return e.Code + ": " + e.Cause.Error()
	}
	return e.Code
}

func (e *httpError) Unwrap() error { return e.Cause }

// errorFor maps any error to what the user is told.
func errorFor(err error) *httpError {
	err = domainError(err)
	var he *httpError
	if errors.As(err, &he) {
		return he
	}
	var fe *fiber.Error
	if errors.As(err, &fe) {
		return &httpError{Status: fe.Code, Code: codeForStatus(fe.Code), MsgID: "error." + codeForStatus(fe.Code), Cause: err}
	}
	return &httpError{Status: fiber.StatusInternalServerError, Code: "internal", MsgID: "error.internal", Cause: err}
}

func codeForStatus(status int) string {
	switch status {
	case fiber.StatusBadRequest:
		return "bad_request"
	case fiber.StatusUnauthorized:
		return "unauthorized"
	case fiber.StatusForbidden:
		return "forbidden"
	case fiber.StatusNotFound:
		return "not_found"
	case fiber.StatusMethodNotAllowed:
		return "method_not_allowed"
	case fiber.StatusConflict:
		return "conflict"
	case fiber.StatusRequestEntityTooLarge:
		return "body_too_large"
	case fiber.StatusUnsupportedMediaType:
		return "unsupported_media_type"
	case fiber.StatusUnprocessableEntity:
		return "validation"
	case fiber.StatusTooManyRequests:
		return "too_many_requests"
	case fiber.StatusServiceUnavailable:
		return "unavailable"
	}
	if status >= 500 {
		return "internal"
	}
	return "bad_request"
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code      string            `json:"code"`
	Message   string            `json:"message"`
	Fields    map[string]string `json:"fields,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
}

// handleError is the one place errors become responses: JSON under /api/, an HTML page
// elsewhere, always in the person's language. Server faults are logged with the request id that
// the person is shown, so a helpdesk can find the log line.
func (a *app) handleError(c *fiber.Ctx, err error) error {
	he := errorFor(err)
	rid, _ := c.Locals("request_id").(string)
	if he.Status >= 500 {
		a.log.Error("request failed", "request_id", rid, "method", c.Method(), "path", c.Path(), "err", err)
	} else if he.Cause != nil {
		a.log.Debug("request refused", "request_id", rid, "code", he.Code, "err", he.Cause)
	}
	lang := requestLang(c)
	msg := a.views.translate(lang, he.MsgID, nil)
	if he.Status < 500 {
		rid = ""
	}
	if isAPI(c) {
		body := errorBody{Error: errorDetail{Code: he.Code, Message: msg, RequestID: rid}}
		if len(he.Fields) > 0 {
			body.Error.Fields = map[string]string{}
			for f, id := range he.Fields {
				body.Error.Fields[f] = a.views.translate(lang, id, nil)
			}
		}
		return c.Status(he.Status).JSON(body)
	}
	if he.Status == fiber.StatusUnauthorized && c.Method() == fiber.MethodGet {
		// A page that needs a signed-in person: sign in first, then come back here.
		return c.Redirect("/signin?next="+url.QueryEscape(c.OriginalURL()), fiber.StatusSeeOther)
	}
	if rerr := a.render(c, he.Status, "error", map[string]string{"Message": msg, "RequestID": rid}); rerr != nil {
		a.log.Error("render error page", "err", rerr)
		return c.Status(he.Status).SendString(msg)
	}
	return nil
}

func isAPI(c *fiber.Ctx) bool { return strings.HasPrefix(c.Path(), "/api/") }

// logger returns a slog.Logger tagged with the request id.
func (a *app) logger(c *fiber.Ctx) *slog.Logger {
	rid, _ := c.Locals("request_id").(string)
	return a.log.With("request_id", rid)
}
