package main

import (
	"errors"

	"github.com/gofiber/fiber/v2"
)

// healthz says the process is up; it touches nothing else, so it stays cheap for probes.
func (a *app) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

// readyz says whether Nabij can serve: the database answers and its schema is current.
func (a *app) readyz(c *fiber.Ctx) error {
	if err := a.db.Ready(c.UserContext()); err != nil {
		reason := "database unreachable"
		if errors.Is(err, errSchemaNotCurrent) {
			reason = "database schema not current"
		}
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable", "reason": reason})
	}
	return c.JSON(fiber.Map{"status": "ready"})
}
