// Package models holds Nabij's GORM models and the domain rules on them: what is valid, who may
// do what, and the storage functions that keep those rules in one transaction.
package models

import (
	"errors"
	"sort"
	"strings"
)

// Sentinel errors the web layer maps to responses. Storage errors are wrapped once, where they
// happen; these say what it means for the person.
var (
	ErrNotFound  = errors.New("not found")
	ErrForbidden = errors.New("forbidden")
)

// FieldErrors names each invalid field with the message id (in the translation catalog) that
// explains it. An empty FieldErrors is no error.
type FieldErrors map[string]string

func (f FieldErrors) Error() string {
	keys := make([]string, 0, len(f))
	for k, v := range f {
		keys = append(keys, k+": "+v)
	}
	sort.Strings(keys)
	return "invalid input: " + strings.Join(keys, ", ")
}

// Err returns f as an error, or nil when no field is invalid.
func (f FieldErrors) Err() error {
	if len(f) == 0 {
		return nil
	}
	return f
}

// Conflict is a clash with existing data (a taken email address, for instance), reported on a
// field so forms can show it in place.
func Conflict(field, msgID string) error { return FieldErrors{field: msgID} }
