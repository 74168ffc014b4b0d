package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"nabij/frontend"
	"nabij/migrations"
	"nabij/server/testdb"
)

func TestMain(m *testing.M) { os.Exit(testdb.Main(m)) }

// testConfig is the configuration every test starts from.
func testConfig(t *testing.T) config {
	t.Helper()
	cfg, err := loadConfig(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// testDatabase connects to a fresh, migrated database of this test's own.
func testDatabase(t *testing.T) *database {
	t.Helper()
	d := &database{DSN: testdb.DSN(t)}
	if err := d.connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return d
}

// newTestApp builds the real app, as main does, on the test's own database.
func newTestApp(t *testing.T) (*fiber.App, *app) {
	t.Helper()
	f, a, err := newApp(testConfig(t), testDatabase(t), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return f, a
}

func do(t *testing.T, f *fiber.App, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := f.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

type apiErr struct {
	Error struct {
		Code      string            `json:"code"`
		Message   string            `json:"message"`
		Fields    map[string]string `json:"fields"`
		RequestID string            `json:"request_id"`
	} `json:"error"`
}

func decodeErr(t *testing.T, body string) apiErr {
	t.Helper()
	var e apiErr
	if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error.Code == "" {
		t.Fatalf("not the error shape: %q (%v)", body, err)
	}
	return e
}

func TestHealthAndReadinessWhenTheDatabaseIsUp(t *testing.T) {
	t.Parallel()
	f, _ := newTestApp(t)
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, body := do(t, f, httptest.NewRequest("GET", path, nil))
		if resp.StatusCode != 200 || !strings.Contains(body, `"status"`) {
			t.Errorf("%s = %d %s", path, resp.StatusCode, body)
		}
	}
}

func TestReadinessIs503WhenTheDatabaseIsDown(t *testing.T) {
	t.Parallel()
	f, a := newTestApp(t)
	a.db.SQL.Close() // as good as a database that went away
	resp, body := do(t, f, httptest.NewRequest("GET", "/readyz", nil))
	if resp.StatusCode != 503 || !strings.Contains(body, "database unreachable") {
		t.Fatalf("/readyz = %d %s; want 503 database unreachable", resp.StatusCode, body)
	}
	if resp, _ := do(t, f, httptest.NewRequest("GET", "/healthz", nil)); resp.StatusCode != 200 {
		t.Fatalf("/healthz = %d; the process is still up", resp.StatusCode)
	}
}

func TestReadinessIs503WhenTheSchemaIsNotCurrent(t *testing.T) {
	t.Parallel()
	d := &database{DSN: testdb.Empty(t)}
	if err := d.connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	f, _, err := newApp(testConfig(t), d, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	resp, body := do(t, f, httptest.NewRequest("GET", "/readyz", nil))
	if resp.StatusCode != 503 || !strings.Contains(body, "schema not current") {
		t.Fatalf("/readyz = %d %s", resp.StatusCode, body)
	}
}

func TestStartWithoutMigratingRefusesPendingMigrations(t *testing.T) {
	t.Parallel()
	d := &database{DSN: testdb.Empty(t)}
	if err := d.connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	err := d.migrate(context.Background(), false, log)
	if !errors.Is(err, migrations.ErrPending) || !strings.Contains(err.Error(), "NABIJ_MIGRATE") {
		t.Fatalf("migrate(off) on an empty database = %v; want ErrPending naming NABIJ_MIGRATE", err)
	}
	if err := d.migrate(context.Background(), true, log); err != nil {
		t.Fatal(err)
	}
	if err := d.migrate(context.Background(), false, log); err != nil {
		t.Fatalf("migrate(off) on a current database = %v", err)
	}
}

func TestAPIErrorsHaveTheJSONShapeInThePersonsLanguage(t *testing.T) {
	t.Parallel()
	f, _ := newTestApp(t)
	req := httptest.NewRequest("GET", "/api/v1/does-not-exist", nil)
	req.Header.Set("Accept-Language", "en-GB,en;q=0.9")
	resp, body := do(t, f, req)
	e := decodeErr(t, body)
	if resp.StatusCode != 404 || e.Error.Code != "not_found" || e.Error.Message != "This page does not exist (any more)." {
		t.Fatalf("got %d %+v", resp.StatusCode, e)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type = %q", ct)
	}

	resp, body = do(t, f, httptest.NewRequest("GET", "/api/v1/does-not-exist", nil))
	if e := decodeErr(t, body); e.Error.Message != "Deze pagina bestaat niet (meer)." {
		t.Fatalf("default language is not Dutch: %+v", e)
	}
}

func TestPagesGetAnHTMLErrorPage(t *testing.T) {
	t.Parallel()
	f, _ := newTestApp(t)
	resp, body := do(t, f, httptest.NewRequest("GET", "/no/such/page", nil))
	if resp.StatusCode != 404 || !strings.Contains(body, "<html") || !strings.Contains(body, "Deze pagina bestaat niet") {
		t.Fatalf("got %d %.200s", resp.StatusCode, body)
	}
}

func TestOversizedBodyIsRefusedWithTheErrorShape(t *testing.T) {
	t.Parallel()
	f, _ := newTestApp(t)
	// fiber's Test does not apply the server's body limit, so go through a real listener.
	ln := listenLocal(t)
	go f.Listener(ln)
	t.Cleanup(func() { f.Shutdown() })
	// Announce a body over the limit; the server must answer before reading it.
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/v1/auth/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{", 2<<20)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 413 || decodeErr(t, string(b)).Error.Code != "body_too_large" {
		t.Fatalf("got %d %s", resp.StatusCode, b)
	}
}

func TestInternalErrorsShowNoDetailsButAReference(t *testing.T) {
	t.Parallel()
	f, _ := newTestApp(t)
	f.Get("/api/v1/boom", func(c *fiber.Ctx) error { return errors.New("pq: secret table exploded") })
	f.Get("/api/v1/panic", func(c *fiber.Ctx) error { panic("secret panic") })
	for _, path := range []string{"/api/v1/boom", "/api/v1/panic"} {
		resp, body := do(t, f, httptest.NewRequest("GET", path, nil))
		e := decodeErr(t, body)
		if resp.StatusCode != 500 || e.Error.Code != "internal" || strings.Contains(body, "secret") || e.Error.RequestID == "" {
			t.Errorf("%s = %d %s", path, resp.StatusCode, body)
		}
		if e.Error.RequestID != resp.Header.Get("X-Request-Id") {
			t.Errorf("%s: reference %q differs from X-Request-Id %q", path, e.Error.RequestID, resp.Header.Get("X-Request-Id"))
		}
	}
}

func TestEveryResponseCarriesSecurityHeaders(t *testing.T) {
	t.Parallel()
	f, _ := newTestApp(t)
	for _, path := range []string{"/", "/healthz", "/nope"} {
		resp, _ := do(t, f, httptest.NewRequest("GET", path, nil))
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Referrer-Policy") == "" {
			t.Errorf("%s: missing nosniff or Referrer-Policy", path)
		}
	}
}

func TestLanguageChoiceIsRemembered(t *testing.T) {
	t.Parallel()
	f, _ := newTestApp(t)
	resp, _ := do(t, f, httptest.NewRequest("GET", "/language/en?next=/somewhere", nil))
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/somewhere" {
		t.Fatalf("switch = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	cookie := resp.Cookies()[0]
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Accept-Language", "nl")
	req.AddCookie(cookie)
	if _, body := do(t, f, req); !strings.Contains(body, `<html lang="en">`) || !strings.Contains(body, "Welcome to Nabij") {
		t.Fatalf("chosen English not used: %.300s", body)
	}
	resp, _ = do(t, f, httptest.NewRequest("GET", "/language/en?next=https://evil.example/", nil))
	if resp.Header.Get("Location") != "/" {
		t.Fatalf("open redirect to %q", resp.Header.Get("Location"))
	}
}

func TestStaticAssetsAreContentHashedAndCachedLong(t *testing.T) {
	t.Parallel()
	f, _ := newTestApp(t)
	_, body := do(t, f, httptest.NewRequest("GET", "/", nil))
	href := regexp.MustCompile(`href="(/static/app\.[0-9a-f]{10}\.css)"`).FindStringSubmatch(body)
	if href == nil {
		t.Fatalf("no hashed stylesheet link in %.400s", body)
	}
	resp, css := do(t, f, httptest.NewRequest("GET", href[1], nil))
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") || !strings.Contains(css, "max-width") {
		t.Fatalf("asset = %d %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
}

func TestMetricsExposeRequestsAndThePool(t *testing.T) {
	t.Parallel()
	f, _ := newTestApp(t)
	do(t, f, httptest.NewRequest("GET", "/healthz", nil))
	_, body := do(t, f, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{`nabij_http_requests_total{method="GET",route="/healthz",status="200"} 1`,
		"nabij_http_request_duration_seconds_bucket", "go_sql_open_connections"} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

// TestTranslationCatalogsAreComplete keeps Dutch and English in step, and checks that every
// message id a template uses exists.
func TestTranslationCatalogsAreComplete(t *testing.T) {
	t.Parallel()
	load := func(lang string) map[string]string {
		m := map[string]string{}
		names, _ := fs.Glob(frontend.Catalog(), "*.json")
		for _, name := range names {
			if name != lang+".json" && !strings.HasSuffix(name, "."+lang+".json") {
				continue
			}
			b, err := fs.ReadFile(frontend.Catalog(), name)
			if err != nil {
				t.Fatal(err)
			}
			part := map[string]string{}
			if err := json.Unmarshal(b, &part); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for k, v := range part {
				if _, dup := m[k]; dup {
					t.Errorf("%s: %q is defined twice", name, k)
				}
				m[k] = v
			}
		}
		return m
	}
	nl, en := load("nl"), load("en")
	for k := range nl {
		if en[k] == "" {
			t.Errorf("en.json lacks %q", k)
		}
	}
	for k := range en {
		if nl[k] == "" {
			t.Errorf("nl.json lacks %q", k)
		}
	}
	// Message ids in Go code: any string literal shaped like a catalog key with a known prefix.
	prefixes := map[string]bool{}
	for k := range nl {
		prefixes[strings.SplitN(k, ".", 2)[0]] = true
	}
	// Only literals in the places message ids go: a field or map value, an assignment, or the
	// second argument of a call such as Conflict("email", "user.email.taken"). SQL such as
	// Order("users.display_name") is not one of them.
	literal := regexp.MustCompile(`(?:[:=]|, )\s*"([a-z]+)\.([a-z0-9_]+(?:\.[a-z0-9_]+)*)"`)
	for _, dir := range []string{".", "../models"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, file := range files {
			if strings.HasSuffix(file, "_test.go") {
				continue
			}
			src, _ := os.ReadFile(file)
			for _, m := range literal.FindAllStringSubmatch(string(src), -1) {
				if id := m[1] + "." + m[2]; prefixes[m[1]] && nl[id] == "" && !strings.HasSuffix(id, ".json") && !strings.HasSuffix(id, ".html") {
					t.Errorf("%s uses message id %q, which is not in the catalog", file, id)
				}
			}
		}
	}
	used := regexp.MustCompile(`\.Tf? "([a-z0-9_.]+)"`)
	fs.WalkDir(frontend.Templates(), ".", func(p string, d fs.DirEntry, err error) error {
		if d.IsDir() {
			return nil
		}
		b, _ := fs.ReadFile(frontend.Templates(), p)
		for _, m := range used.FindAllStringSubmatch(string(b), -1) {
			if nl[m[1]] == "" {
				t.Errorf("%s uses unknown message id %q", p, m[1])
			}
		}
		return nil
	})
}
