package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/gofiber/fiber/v2"

	"nabij/models"
)

// Fixtures for the profile, code, token and role tests (prefix fx): a world with neighbourhoods
// and people of every role, and clients that sign in like an app (cookie + CSRF token), like a
// script (bearer token) or like a browser filling in forms.

// fxPassword signs in every account the fixtures make.
const fxPassword = "een lange zin om te onthouden"

var fxHash = sync.OnceValue(func() string {
	h, err := models.HashPassword(fxPassword)
	if err != nil {
		panic(err)
	}
	return h
})

type fxWorld struct {
	t *testing.T
	f *fiber.App
	a *app
}

func fxNew(t *testing.T) *fxWorld {
	t.Helper()
	f, a := newTestApp(t)
	return &fxWorld{t: t, f: f, a: a}
}

// hood makes a neighbourhood and returns its id.
func (w *fxWorld) hood(name string) int64 {
	w.t.Helper()
	n, err := models.CreateNeighbourhood(w.t.Context(), w.a.db.Gorm, models.NeighbourhoodInput{Name: &name, Municipality: new("Gent")})
	if err != nil {
		w.t.Fatal(err)
	}
	return n.ID
}

// person makes an account with a username (the lower-cased name), an email address and
// fxPassword. A worker with a home neighbourhood is also assigned to it.
func (w *fxWorld) person(name string, role models.Role, hood int64) *models.User {
	w.t.Helper()
	username := strings.ToLower(name)
	email := username + "@example.org"
	hash := fxHash()
	u := &models.User{DisplayName: &name, Username: &username, Email: &email, PasswordHash: &hash, Role: role, Language: "nl"}
	if hood != 0 {
		u.HomeNeighbourhoodID = &hood
	}
	if err := w.a.db.Gorm.Create(u).Error; err != nil {
		w.t.Fatal(err)
	}
	if role == models.RoleWorker && hood != 0 {
		if err := models.AssignWorker(w.t.Context(), w.a.db.Gorm, hood, u.ID); err != nil {
			w.t.Fatal(err)
		}
	}
	return u
}

// count runs a counting query.
func (w *fxWorld) count(query string, args ...any) int64 {
	w.t.Helper()
	var n int64
	if err := w.a.db.Gorm.Raw(query, args...).Scan(&n).Error; err != nil {
		w.t.Fatal(err)
	}
	return n
}

// fxClient keeps cookies and the CSRF token, or a bearer token, and sends requests.
type fxClient struct {
	w       *fxWorld
	cookies map[string]*http.Cookie
	csrf    string
	bearer  string
}

func (w *fxWorld) anon() *fxClient { return &fxClient{w: w, cookies: map[string]*http.Cookie{}} }

// as signs u in over the API with fxPassword.
func (w *fxWorld) as(u *models.User) *fxClient {
	w.t.Helper()
	c := w.anon()
	status, body := c.call("POST", "/api/v1/auth/login", map[string]string{"identifier": *u.Username, "password": fxPassword})
	if status != 200 {
		w.t.Fatalf("sign in %s: %d %s", *u.Username, status, body)
	}
	return c
}

// withBearer is a script's client: only the token, no cookies.
func (w *fxWorld) withBearer(token string) *fxClient {
	c := w.anon()
	c.bearer = token
	return c
}

func (c *fxClient) send(req *http.Request) (*http.Response, string) {
	c.w.t.Helper()
	for _, k := range c.cookies {
		req.AddCookie(k)
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	resp, body := do(c.w.t, c.w.f, req)
	for _, k := range resp.Cookies() {
		if k.MaxAge < 0 || k.Value == "" {
			delete(c.cookies, k.Name)
		} else {
			c.cookies[k.Name] = k
		}
	}
	return resp, body
}

// call sends a JSON API request, with the session's CSRF token when there is one; it picks up the
// token of a new session from the answer.
func (c *fxClient) call(method, path string, body any) (int, string) {
	c.w.t.Helper()
	var r io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			c.w.t.Fatal(err)
		}
		r = strings.NewReader(string(raw))
	}
	req := httptest.NewRequest(method, path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	resp, out := c.send(req)
	var s sessionJSON
	if json.Unmarshal([]byte(out), &s) == nil && s.CSRFToken != "" {
		c.csrf = s.CSRFToken
	}
	return resp.StatusCode, out
}

var fxCSRFField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// page loads a page like a browser and remembers the CSRF token of its forms.
func (c *fxClient) page(path string) (*http.Response, string) {
	c.w.t.Helper()
	resp, body := c.send(httptest.NewRequest("GET", path, nil))
	if m := fxCSRFField.FindStringSubmatch(body); m != nil {
		c.csrf = m[1]
	}
	return resp, body
}

// submit posts a form like a browser without JavaScript.
func (c *fxClient) submit(path string, values url.Values) (*http.Response, string) {
	c.w.t.Helper()
	if values == nil {
		values = url.Values{}
	}
	if values.Get("_csrf") == "" {
		values.Set("_csrf", c.csrf)
	}
	req := httptest.NewRequest("POST", path, strings.NewReader(values.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, body := c.send(req)
	if m := fxCSRFField.FindStringSubmatch(body); m != nil {
		c.csrf = m[1]
	}
	return resp, body
}

func fxDecode[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("decode %q: %v", body, err)
	}
	return v
}

func TestCoordinatorChangesSomeonesRole(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	boss := w.person("Sanne", models.RoleCoordinator, 0)
	jan := w.person("Jan", models.RoleResident, 0)
	status, body := w.as(boss).call("PATCH", "/api/v1/users/"+itoa(jan.ID), map[string]string{"role": "worker"})
	got := fxDecode[userRoleJSON](t, body)
	if status != 200 || got.Role != models.RoleWorker || got.DisplayName != "Jan" {
		t.Fatalf("PATCH role = %d %s", status, body)
	}
	if strings.Contains(body, "jan@example.org") || strings.Contains(body, `"username"`) {
		t.Fatalf("role answer shows private details: %s", body)
	}
	if n := w.count("SELECT count(*) FROM users WHERE id = ? AND role = 'worker'", jan.ID); n != 1 {
		t.Fatal("role not stored")
	}
}

func TestWorkersAndResidentsCannotChangeRoles(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	hood := w.hood("Rabot")
	w.person("Sanne", models.RoleCoordinator, 0)
	worker := w.person("Youssef", models.RoleWorker, hood)
	jan := w.person("Jan", models.RoleResident, hood)
	for _, u := range []*models.User{worker, jan} {
		c := w.as(u)
		for _, target := range []*models.User{jan, u} {
			status, body := c.call("PATCH", "/api/v1/users/"+itoa(target.ID), map[string]string{"role": "coordinator"})
			if status != 403 || decodeErr(t, body).Error.Code != "forbidden" {
				t.Errorf("%s makes %s coordinator: %d %s", *u.Username, *target.Username, status, body)
			}
		}
	}
	if n := w.count("SELECT count(*) FROM users WHERE role = 'coordinator'"); n != 1 {
		t.Fatalf("%d coordinators after refused changes", n)
	}
}

func TestTheLastCoordinatorStaysOne(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	boss := w.person("Sanne", models.RoleCoordinator, 0)
	c := w.as(boss)
	status, body := c.call("PATCH", "/api/v1/users/"+itoa(boss.ID), map[string]string{"role": "worker"})
	if status != 409 || decodeErr(t, body).Error.Code != "last_coordinator" {
		t.Fatalf("demote last coordinator = %d %s", status, body)
	}
	other := w.person("Els", models.RoleCoordinator, 0)
	if status, body := c.call("PATCH", "/api/v1/users/"+itoa(other.ID), map[string]string{"role": "resident"}); status != 200 {
		t.Fatalf("demote a second coordinator = %d %s", status, body)
	}
	if status, body := c.call("PATCH", "/api/v1/users/"+itoa(boss.ID), map[string]string{"role": "worker"}); status != 409 {
		t.Fatalf("demote the last one again = %d %s", status, body)
	}
}

func TestRoleChangeRefusesUnknownRolesAndPeople(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	boss := w.person("Sanne", models.RoleCoordinator, 0)
	jan := w.person("Jan", models.RoleResident, 0)
	c := w.as(boss)
	status, body := c.call("PATCH", "/api/v1/users/"+itoa(jan.ID), map[string]string{"role": "king"})
	if e := decodeErr(t, body); status != 422 || e.Error.Fields["role"] == "" {
		t.Fatalf("unknown role = %d %s", status, body)
	}
	if status, _ := c.call("PATCH", "/api/v1/users/999999", map[string]string{"role": "worker"}); status != 404 {
		t.Fatalf("unknown person = %d", status)
	}
}

func TestCoordinatorChangesRolesOnThePeoplePage(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	boss := w.person("Sanne", models.RoleCoordinator, 0)
	jan := w.person("Jan", models.RoleResident, 0)
	b := w.as(boss)
	resp, body := b.page("/users")
	if resp.StatusCode != 200 || !strings.Contains(body, "Jan") || strings.Contains(body, "jan@example.org") {
		t.Fatalf("people page = %d", resp.StatusCode)
	}
	resp, _ = b.submit("/users/"+itoa(jan.ID)+"/role", url.Values{"role": {"worker"}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/users?saved=1" {
		t.Fatalf("change role = %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if n := w.count("SELECT count(*) FROM users WHERE id = ? AND role = 'worker'", jan.ID); n != 1 {
		t.Fatal("role not stored")
	}
	resp, body = b.submit("/users/"+itoa(boss.ID)+"/role", url.Values{"role": {"resident"}})
	if resp.StatusCode != 409 || !strings.Contains(body, "minstens één coördinator") {
		t.Fatalf("demote the last coordinator on the page = %d", resp.StatusCode)
	}
}
