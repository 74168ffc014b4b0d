package main

import (
	"encoding/json"
	"errors"

	"github.com/gofiber/fiber/v2"

	"nabij/models"
)

var (
	errNotJSON     = &httpError{Status: fiber.StatusUnsupportedMediaType, Code: "unsupported_media_type", MsgID: "error.unsupported_media_type"}
	errInvalidJSON = &httpError{Status: fiber.StatusBadRequest, Code: "invalid_json", MsgID: "error.invalid_json"}
)

// decodeJSON reads an API request body into v; anything but well-formed JSON is refused before
// a handler looks at it.
func decodeJSON(c *fiber.Ctx, v any) error {
	if !c.Is("json") {
		return errNotJSON
	}
	if err := json.Unmarshal(c.Body(), v); err != nil {
		return &httpError{Status: fiber.StatusBadRequest, Code: "invalid_json", MsgID: "error.invalid_json", Cause: err}
	}
	return nil
}

// domainError maps the models' errors to what a person is told; other errors pass unchanged
// (and become a 500 with a reference).
func domainError(err error) error {
	var fe models.FieldErrors
	switch {
	case err == nil:
		return nil
	case errors.As(err, &fe):
		return &httpError{Status: fiber.StatusUnprocessableEntity, Code: "validation", MsgID: "error.validation", Fields: fe, Cause: err}
	case errors.Is(err, models.ErrNotFound):
		return &httpError{Status: fiber.StatusNotFound, Code: "not_found", MsgID: "error.not_found", Cause: err}
	case errors.Is(err, models.ErrForbidden):
		return &httpError{Status: fiber.StatusForbidden, Code: "forbidden", MsgID: "error.forbidden", Cause: err}
	case errors.Is(err, models.ErrBadCredentials):
		return &httpError{Status: fiber.StatusUnauthorized, Code: "bad_credentials", MsgID: "auth.bad_credentials", Cause: err}
	case errors.Is(err, models.ErrRateLimited):
		return &httpError{Status: fiber.StatusTooManyRequests, Code: "too_many_requests", MsgID: "auth.rate_limited", Cause: err}
	case errors.Is(err, models.ErrCodeInvalid):
		return &httpError{Status: fiber.StatusBadRequest, Code: "code_invalid", MsgID: "auth.code_invalid", Cause: err}
	case errors.Is(err, models.ErrLastCoordinator):
		return &httpError{Status: fiber.StatusConflict, Code: "last_coordinator", MsgID: "user.last_coordinator", Cause: err}
	}
	return err
}

// form is what a page with a form gets back after a failed submit: the values typed (never the
// password), the message per field, and a message for the whole form.
type form struct {
	Values  map[string]string
	Errors  map[string]string
	Message string
}

// V is the value typed in a field.
func (f *form) V(name string) string {
	if f == nil {
		return ""
	}
	return f.Values[name]
}

// E is the message for a field.
func (f *form) E(name string) string {
	if f == nil {
		return ""
	}
	return f.Errors[name]
}

// formFailure turns a domain error into a form to show again, or returns the error when it is
// not one a form can show (a server fault, say).
func (a *app) formFailure(c *fiber.Ctx, err error, values map[string]string) (*form, int, error) {
	he, ok := domainError(err).(*httpError)
	if !ok || he.Status >= 500 {
		return nil, 0, err
	}
	lang := requestLang(c)
	f := &form{Values: values, Errors: map[string]string{}}
	for field, id := range he.Fields {
		f.Errors[field] = a.views.translate(lang, id, nil)
	}
	f.Message = a.views.translate(lang, he.MsgID, nil)
	return f, he.Status, nil
}

// formValues copies the named form fields, for showing them again.
func formValues(c *fiber.Ctx, names ...string) map[string]string {
	m := make(map[string]string, len(names))
	for _, n := range names {
		m[n] = c.FormValue(n)
	}
	return m
}
