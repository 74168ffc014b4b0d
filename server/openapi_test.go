package main

import (
	"encoding/json"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// TestOpenAPIDescribesExactlyTheRoutesThatExist keeps /api/openapi.json honest: every API route
// is documented, and nothing documented is missing from the routing table.
func TestOpenAPIDescribesExactlyTheRoutesThatExist(t *testing.T) {
	t.Parallel()
	f, _ := newTestApp(t)
	resp, body := do(t, f, httptest.NewRequest("GET", "/api/openapi.json", nil))
	if resp.StatusCode != 200 {
		t.Fatalf("openapi.json = %d", resp.StatusCode)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("not an OpenAPI 3 document: %v", err)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		if !strings.HasPrefix(path, "/api/") {
			continue
		}
		for method := range ops {
			if method == "parameters" || method == "summary" || method == "description" {
				continue // shared by the operations of a path, not an operation
			}
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	param := regexp.MustCompile(`:([A-Za-z]+)`)
	real := map[string]bool{}
	for _, r := range f.GetRoutes(true) {
		if !strings.HasPrefix(r.Path, "/api/") || r.Method == "HEAD" || r.Method == "USE" {
			continue
		}
		real[r.Method+" "+param.ReplaceAllString(r.Path, "{$1}")] = true
	}
	var missing, stale []string
	for k := range real {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if !real[k] {
			stale = append(stale, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(stale)
	if len(missing) > 0 {
		t.Errorf("routes not in openapi.json:\n  %s", strings.Join(missing, "\n  "))
	}
	if len(stale) > 0 {
		t.Errorf("openapi.json documents routes that do not exist:\n  %s", strings.Join(stale, "\n  "))
	}
}
