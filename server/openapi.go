package main

import (
	_ "embed"

	"github.com/gofiber/fiber/v2"
)

// openapiDoc describes the JSON API; a test checks it against the routes that really exist.
//
//go:embed openapi.json
var openapiDoc []byte

func (a *app) openAPI(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(openapiDoc)
}
