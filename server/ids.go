package main

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
)

// parseID reads a positive database id.
func parseID(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

// paramID reads the :id route parameter; a malformed id is simply a page that does not exist.
func paramID(c *fiber.Ctx, name string) (int64, error) {
	id, ok := parseID(c.Params(name))
	if !ok {
		return 0, fiber.ErrNotFound
	}
	return id, nil
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }
