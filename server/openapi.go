package main

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"

	"github.com/gofiber/fiber/v2"
)

// The OpenAPI document is kept in one file per area (base.json holds info, security and the
// shared schemas), so each area's routes and their description change together. openapiDocument
// merges them once at start; a test checks the result against the routes that really exist.
//
//go:embed openapi/*.json
var openapiFiles embed.FS

type openapiPart struct {
	Paths      map[string]json.RawMessage            `json:"paths"`
	Components map[string]map[string]json.RawMessage `json:"components"`
}

// openapiDocument merges the parts; a path or component defined twice is a mistake and refused.
func openapiDocument() ([]byte, error) {
	names, err := fs.Glob(openapiFiles, "openapi/*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var doc map[string]any
	paths := map[string]json.RawMessage{}
	components := map[string]map[string]json.RawMessage{}
	for _, name := range names {
		raw, err := openapiFiles.ReadFile(name)
		if err != nil {
			return nil, err
		}
		if name == "openapi/base.json" {
			if err := json.Unmarshal(raw, &doc); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
		}
		var part openapiPart
		if err := json.Unmarshal(raw, &part); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		for p, v := range part.Paths {
			if _, dup := paths[p]; dup {
				return nil, fmt.Errorf("%s: path %s is described twice", name, p)
			}
			paths[p] = v
		}
		for kind, entries := range part.Components {
			if components[kind] == nil {
				components[kind] = map[string]json.RawMessage{}
			}
			for k, v := range entries {
				if _, dup := components[kind][k]; dup {
					return nil, fmt.Errorf("%s: component %s/%s is described twice", name, kind, k)
				}
				components[kind][k] = v
			}
		}
	}
	if doc == nil {
		return nil, fmt.Errorf("openapi/base.json is missing")
	}
	doc["paths"] = paths
	doc["components"] = components
	return json.MarshalIndent(doc, "", " ")
}

func (a *app) openAPI(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(a.openapi)
}
