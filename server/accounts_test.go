package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// browser is a test client that keeps cookies and the CSRF token like a person's browser does.
type browser struct {
	t       *testing.T
	f       *fiber.App
	cookies map[string]*http.Cookie
	csrf    string
	ip      string
}

func newBrowser(t *testing.T, f *fiber.App) *browser {
	return &browser{t: t, f: f, cookies: map[string]*http.Cookie{}}
}

func (b *browser) send(req *http.Request) (*http.Response, string) {
	b.t.Helper()
	for _, c := range b.cookies {
		req.AddCookie(c)
	}
	if b.ip != "" {
		req.RemoteAddr = b.ip + ":1234"
	}
	resp, body := do(b.t, b.f, req)
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c
		}
	}
	return resp, body
}

// json sends a JSON API call, with the CSRF header once signed in.
func (b *browser) json(method, path string, body any) (*http.Response, string) {
	b.t.Helper()
	var r io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		r = strings.NewReader(string(raw))
	}
	req := httptest.NewRequest(method, path, r)
	req.Header.Set("Content-Type", "application/json")
	if b.csrf != "" {
		req.Header.Set("X-CSRF-Token", b.csrf)
	}
	resp, out := b.send(req)
	var s sessionJSON
	if json.Unmarshal([]byte(out), &s) == nil && s.CSRFToken != "" {
		b.csrf = s.CSRFToken
	}
	return resp, out
}

// get loads a page and remembers the CSRF token of its forms.
func (b *browser) get(path string) (*http.Response, string) {
	b.t.Helper()
	resp, body := b.send(httptest.NewRequest("GET", path, nil))
	if m := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindStringSubmatch(body); m != nil {
		b.csrf = m[1]
	}
	return resp, body
}

// post submits a form the way a browser without JavaScript does.
func (b *browser) post(path string, values url.Values) (*http.Response, string) {
	b.t.Helper()
	if values.Get("_csrf") == "" {
		values.Set("_csrf", b.csrf)
	}
	req := httptest.NewRequest("POST", path, strings.NewReader(values.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.send(req)
}

func register(t *testing.T, f *fiber.App, name, username, password string) *browser {
	t.Helper()
	b := newBrowser(t, f)
	resp, body := b.json("POST", "/api/v1/auth/register", map[string]any{"display_name": name, "username": username, "password": password})
	if resp.StatusCode != 201 {
		t.Fatalf("register %s: %d %s", username, resp.StatusCode, body)
	}
	return b
}

func countRows(t *testing.T, a *app, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := a.db.Gorm.Raw(query, args...).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRegisterWithUsernameOnlySignsInAndHidesNothingFromOneself(t *testing.T) {
	t.Parallel()
	f, _ := newTestApp(t)
	b := register(t, f, "Fatima", "fatima", "zonnebloem in de tuin")
	resp, body := b.json("GET", "/api/v1/me", nil)
	var me meJSON
	json.Unmarshal([]byte(body), &me)
	if resp.StatusCode != 200 || me.DisplayName != "Fatima" || me.Username == nil || *me.Username != "fatima" || me.Email != nil || me.Role != "resident" {
		t.Fatalf("me = %d %s", resp.StatusCode, body)
	}
	if strings.Contains(body, "password") && !strings.Contains(body, "has_password") {
		t.Fatalf("password data in %s", body)
	}
}

func TestSessionCookieIsHttpOnlyLaxAndRotatedAtSignIn(t *testing.T) {
	t.Parallel()
	f, _ := newTestApp(t)
	b := register(t, f, "Jan", "jan", "fietsen langs de schelde")
	first := b.cookies[sessionCookie]
	if first == nil || !first.HttpOnly || first.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie %+v", first)
	}
	resp, body := b.json("POST", "/api/v1/auth/login", map[string]string{"identifier": "jan", "password": "fietsen langs de schelde"})
	if resp.StatusCode != 200 {
		t.Fatalf("login %d %s", resp.StatusCode, body)
	}
	second := b.cookies[sessionCookie]
	if second.Value == first.Value {
		t.Fatal("session id not rotated at sign-in")
	}
	old := newBrowser(t, f)
	old.cookies[sessionCookie] = first
	if resp, _ := old.json("GET", "/api/v1/me", nil); resp.StatusCode != 401 {
		t.Fatalf("the pre-sign-in session still works: %d", resp.StatusCode)
	}
}

func TestSecureCookiesWhenTheBaseURLIsHTTPS(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.BaseURL = "https://nabij.example.org"
	f, _, err := newApp(cfg, testDatabase(t), testLogger())
	if err != nil {
		t.Fatal(err)
	}
	b := register(t, f, "Mireille", "mireille", "een lange zin als wachtwoord")
	if !b.cookies[sessionCookie].Secure {
		t.Fatal("session cookie not Secure under https")
	}
}

func TestBadRegistrationsExplainEachFieldAndStoreNothing(t *testing.T) {
	t.Parallel()
	f, a := newTestApp(t)
	register(t, f, "Els", "els", "een heel goed wachtwoord")
	cases := []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"display_name": "A", "username": "anna", "password": "short"}, "password"},
		{map[string]any{"display_name": "A", "username": "anna", "password": "wachtwoord123"}, "password"},
		{map[string]any{"display_name": "A", "password": "lang genoeg wachtwoord"}, "username"},
		{map[string]any{"display_name": "A", "email": "not-an-email", "password": "lang genoeg wachtwoord"}, "email"},
		{map[string]any{"display_name": "", "username": "anna", "password": "lang genoeg wachtwoord"}, "display_name"},
		{map[string]any{"display_name": "A", "username": "ELS", "password": "lang genoeg wachtwoord"}, "username"},
		{map[string]any{"display_name": "A", "username": "anna", "password": "lang genoeg wachtwoord", "join_code": "ZZZZZZ"}, "join_code"},
		{map[string]any{"display_name": "A", "username": "anna", "password": "lang genoeg wachtwoord", "neighbourhood_id": 999}, "neighbourhood_id"},
	}
	for _, tc := range cases {
		resp, body := newBrowser(t, f).json("POST", "/api/v1/auth/register", tc.body)
		e := decodeErr(t, body)
		if resp.StatusCode != 422 || e.Error.Fields[tc.field] == "" {
			t.Errorf("%v: %d %s; want 422 naming %s", tc.body, resp.StatusCode, body, tc.field)
		}
	}
	if n := countRows(t, a, "SELECT count(*) FROM users"); n != 1 {
		t.Fatalf("%d users stored; bad registrations must store nothing", n)
	}
}

func TestMalformedOrNonJSONBodiesAreRefusedClearly(t *testing.T) {
	t.Parallel()
	f, _ := newTestApp(t)
	req := httptest.NewRequest("POST", "/api/v1/auth/register", strings.NewReader(`{"display_name": `))
	req.Header.Set("Content-Type", "application/json")
	resp, body := do(t, f, req)
	if resp.StatusCode != 400 || decodeErr(t, body).Error.Code != "invalid_json" {
		t.Errorf("malformed JSON: %d %s", resp.StatusCode, body)
	}
	req = httptest.NewRequest("POST", "/api/v1/auth/register", strings.NewReader(`display_name=x`))
	req.Header.Set("Content-Type", "text/plain")
	resp, body = do(t, f, req)
	if resp.StatusCode != 415 || decodeErr(t, body).Error.Code != "unsupported_media_type" {
		t.Errorf("wrong content type: %d %s", resp.StatusCode, body)
	}
}

func TestSignupFormKeepsWhatWasTypedExceptThePassword(t *testing.T) {
	t.Parallel()
	f, a := newTestApp(t)
	b := newBrowser(t, f)
	b.get("/signup")
	resp, body := b.post("/signup", url.Values{"display_name": {"Tomas"}, "username": {"tomas"}, "email": {"tomas@"}, "password": {"geheim-maar-lang"}})
	if resp.StatusCode != 422 || !strings.Contains(body, `value="tomas@"`) || !strings.Contains(body, `value="Tomas"`) || strings.Contains(body, "geheim-maar-lang") {
		t.Fatalf("form not shown again as typed: %d", resp.StatusCode)
	}
	if !strings.Contains(body, "Dit lijkt geen e-mailadres") {
		t.Fatal("field error not shown in Dutch")
	}
	if n := countRows(t, a, "SELECT count(*) FROM users"); n != 0 {
		t.Fatal("a failed sign-up stored a user")
	}
	resp, _ = b.post("/signup", url.Values{"display_name": {"Tomas"}, "username": {"tomas"}, "password": {"geheim-maar-lang"}})
	if resp.StatusCode != 303 || b.cookies[sessionCookie] == nil {
		t.Fatalf("sign-up = %d", resp.StatusCode)
	}
}

func TestFormsWithoutTheCSRFTokenAreRefused(t *testing.T) {
	t.Parallel()
	f, a := newTestApp(t)
	b := newBrowser(t, f)
	b.get("/signup")
	resp, _ := b.post("/signup", url.Values{"_csrf": {"forged"}, "display_name": {"X"}, "username": {"xavier"}, "password": {"geheim-maar-lang"}})
	if resp.StatusCode != 403 {
		t.Fatalf("forged token: %d", resp.StatusCode)
	}
	signedIn := register(t, f, "Jan", "jan", "fietsen langs de schelde")
	signedIn.csrf = ""
	req := httptest.NewRequest("POST", "/signout", strings.NewReader("everywhere=1"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp, _ := signedIn.send(req); resp.StatusCode != 403 {
		t.Fatalf("sign-out without token: %d", resp.StatusCode)
	}
	if resp, body := signedIn.json("POST", "/api/v1/auth/logout", nil); resp.StatusCode != 403 || decodeErr(t, body).Error.Code != "csrf" {
		t.Fatalf("cookie API call without X-CSRF-Token: %d %s", resp.StatusCode, body)
	}
	if n := countRows(t, a, "SELECT count(*) FROM sessions"); n != 1 {
		t.Fatalf("sessions = %d; the refused sign-out must change nothing", n)
	}
}

func TestSignOutAndSignOutEverywhere(t *testing.T) {
	t.Parallel()
	f, a := newTestApp(t)
	phone := register(t, f, "Jan", "jan", "fietsen langs de schelde")
	laptop := newBrowser(t, f)
	laptop.json("POST", "/api/v1/auth/login", map[string]string{"identifier": "jan", "password": "fietsen langs de schelde"})
	phone.get("/")
	if resp, _ := phone.post("/signout", url.Values{}); resp.StatusCode != 303 {
		t.Fatalf("sign out: %d", resp.StatusCode)
	}
	if resp, _ := phone.json("GET", "/api/v1/me", nil); resp.StatusCode != 401 {
		t.Fatal("still signed in after signing out")
	}
	if resp, _ := laptop.json("GET", "/api/v1/me", nil); resp.StatusCode != 200 {
		t.Fatal("signing out one browser signed out the other")
	}
	if resp, _ := laptop.json("POST", "/api/v1/auth/logout?everywhere=1", nil); resp.StatusCode != 204 {
		t.Fatal("sign out everywhere failed")
	}
	if n := countRows(t, a, "SELECT count(*) FROM sessions"); n != 0 {
		t.Fatalf("%d sessions left after signing out everywhere", n)
	}
}

func TestIdleSessionsExpire(t *testing.T) {
	t.Parallel()
	f, a := newTestApp(t)
	b := register(t, f, "Jan", "jan", "fietsen langs de schelde")
	a.db.Gorm.Exec("UPDATE sessions SET last_seen_at = now() - interval '15 days'")
	if resp, _ := b.json("GET", "/api/v1/me", nil); resp.StatusCode != 401 {
		t.Fatalf("an idle session still works: %d", resp.StatusCode)
	}
}

func TestSignInIsRateLimitedPerAccountWithoutRevealingIt(t *testing.T) {
	t.Parallel()
	f, _ := newTestApp(t)
	register(t, f, "Jan", "jan", "fietsen langs de schelde")
	try := func(b *browser, who, pw string) (int, apiErr) {
		resp, body := b.json("POST", "/api/v1/auth/login", map[string]string{"identifier": who, "password": pw})
		if resp.StatusCode == 200 {
			return 200, apiErr{}
		}
		return resp.StatusCode, decodeErr(t, body)
	}
	for _, who := range []string{"jan", "nobody-here"} {
		b := newBrowser(t, f)
		for i := 0; i < 5; i++ {
			b.ip = "10.0.0." + string(rune('1'+i)) // different addresses: the account limit applies
			status, e := try(b, who, "wrong password!!")
			if status != 401 || e.Error.Code != "bad_credentials" {
				t.Fatalf("%s attempt %d: %d %+v", who, i, status, e)
			}
		}
		status, e := try(b, who, "fietsen langs de schelde")
		if status != 429 || e.Error.Code != "too_many_requests" || !strings.Contains(e.Error.Message, "15") {
			t.Fatalf("%s after 5 failures: %d %+v; want 429 for known and unknown accounts alike", who, status, e)
		}
	}
	other := newBrowser(t, f)
	other.ip = "10.9.9.9"
	register(t, f, "Els", "els", "een heel goed wachtwoord")
	if status, _ := try(other, "els", "een heel goed wachtwoord"); status != 200 {
		t.Fatalf("another account was blocked too: %d", status)
	}
}

func TestSignInIsRateLimitedPerAddress(t *testing.T) {
	t.Parallel()
	f, _ := newTestApp(t)
	register(t, f, "Jan", "jan", "fietsen langs de schelde")
	b := newBrowser(t, f)
	b.ip = "192.0.2.7"
	for i := 0; i < 20; i++ {
		b.json("POST", "/api/v1/auth/login", map[string]string{"identifier": "guess" + string(rune('a'+i)), "password": "wrong password!!"})
	}
	resp, _ := b.json("POST", "/api/v1/auth/login", map[string]string{"identifier": "jan", "password": "fietsen langs de schelde"})
	if resp.StatusCode != 429 {
		t.Fatalf("21st attempt from one address: %d", resp.StatusCode)
	}
}

func TestSignInFormShowsOneMessageForUnknownAccountAndWrongPassword(t *testing.T) {
	t.Parallel()
	f, _ := newTestApp(t)
	register(t, f, "Jan", "jan", "fietsen langs de schelde")
	var msgs []string
	for _, who := range []string{"jan", "piet"} {
		b := newBrowser(t, f)
		b.get("/signin")
		resp, body := b.post("/signin", url.Values{"identifier": {who}, "password": {"verkeerd wachtwoord"}})
		m := regexp.MustCompile(`role="alert">([^<]+)<`).FindStringSubmatch(body)
		if resp.StatusCode != 401 || m == nil || !strings.Contains(body, `value="`+who+`"`) {
			t.Fatalf("%s: %d", who, resp.StatusCode)
		}
		msgs = append(msgs, m[1])
	}
	if msgs[0] != msgs[1] {
		t.Fatalf("messages differ: %q vs %q", msgs[0], msgs[1])
	}
}

func TestSignInFormReturnsToThePageAskedFor(t *testing.T) {
	t.Parallel()
	f, _ := newTestApp(t)
	register(t, f, "Jan", "jan", "fietsen langs de schelde")
	b := newBrowser(t, f)
	resp, _ := b.get("/api/v1/me")
	if resp.StatusCode != 401 {
		t.Fatalf("anonymous /api/v1/me = %d", resp.StatusCode)
	}
	b.get("/signin?next=/neighbourhoods")
	resp, _ = b.post("/signin", url.Values{"identifier": {"JAN"}, "password": {"fietsen langs de schelde"}, "next": {"/neighbourhoods"}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/neighbourhoods" {
		t.Fatalf("sign-in = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}
