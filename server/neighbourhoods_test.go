package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"nabij/models"
)

const hoodTestPassword = "een-buurt-om-in-te-wonen"

// hoodSession is someone signed in through the API: the session cookie and its CSRF token.
type hoodSession struct {
	user   *models.User
	cookie *http.Cookie
	csrf   string
}

// hoodWorld is a small installation: a coordinator, a worker in each of two neighbourhoods and a
// resident of the first.
type hoodWorld struct {
	f                                 *fiber.App
	a                                 *app
	coord, workerA, workerB, resident *hoodSession
	hoodA, hoodB                      *models.Neighbourhood
}

func newHoodWorld(t *testing.T) *hoodWorld {
	t.Helper()
	f, a := newTestApp(t)
	ctx, db := context.Background(), a.db.Gorm
	w := &hoodWorld{f: f, a: a}
	var err error
	if w.hoodA, err = models.CreateNeighbourhood(ctx, db, hoodInput("Rabot", "Gent", "Jong en meertalig.")); err != nil {
		t.Fatal(err)
	}
	if w.hoodB, err = models.CreateNeighbourhood(ctx, db, hoodInput("Brugse Poort", "Gent", "")); err != nil {
		t.Fatal(err)
	}
	coord, err := models.CreateCoordinator(ctx, db, "Sanne Peeters", "sanne@example.org", hoodTestPassword)
	if err != nil {
		t.Fatal(err)
	}
	w.coord = hoodSignIn(t, f, coord, "sanne@example.org")
	w.workerA = hoodPerson(t, w, "Youssef Amrani", "youssef", models.RoleWorker, w.hoodA.ID)
	w.workerB = hoodPerson(t, w, "Els Van Damme", "els", models.RoleWorker, w.hoodB.ID)
	w.resident = hoodPerson(t, w, "Fatima", "fatima", models.RoleResident, w.hoodA.ID)
	return w
}

func hoodInput(name, municipality, description string) models.NeighbourhoodInput {
	return models.NeighbourhoodInput{Name: &name, Municipality: &municipality, Description: &description}
}

// hoodPerson registers someone with the given role; workers are assigned to hood, residents live
// there (hood 0: no neighbourhood).
func hoodPerson(t *testing.T, w *hoodWorld, name, username string, role models.Role, hood int64) *hoodSession {
	t.Helper()
	ctx, db := context.Background(), w.a.db.Gorm
	r := models.Registration{DisplayName: name, Username: username, Password: hoodTestPassword}
	if role == models.RoleResident {
		r.NeighbourhoodID = hood
	}
	u, err := models.Register(ctx, db, r)
	if err != nil {
		t.Fatal(err)
	}
	if role != models.RoleResident {
		if u, err = models.SetRole(ctx, db, w.coord.user, u.ID, role); err != nil {
			t.Fatal(err)
		}
		if err := models.AssignWorker(ctx, db, hood, u.ID); err != nil {
			t.Fatal(err)
		}
	}
	return hoodSignIn(t, w.f, u, username)
}

func hoodSignIn(t *testing.T, f *fiber.App, u *models.User, identifier string) *hoodSession {
	t.Helper()
	body := `{"identifier":"` + identifier + `","password":"` + hoodTestPassword + `"}`
	req := httptest.NewRequest("POST", "/api/v1/auth/login", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, out := do(t, f, req)
	if resp.StatusCode != 200 {
		t.Fatalf("sign in %s = %d %s", identifier, resp.StatusCode, out)
	}
	var s sessionJSON
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatal(err)
	}
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie {
			return &hoodSession{user: u, cookie: c, csrf: s.CSRFToken}
		}
	}
	t.Fatalf("sign in %s set no session cookie", identifier)
	return nil
}

// api sends a JSON call as s (nil: anonymous).
func (w *hoodWorld) api(t *testing.T, s *hoodSession, method, path, body string) (*http.Response, string) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, r)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if s != nil {
		req.AddCookie(s.cookie)
		req.Header.Set("X-CSRF-Token", s.csrf)
	}
	return do(t, w.f, req)
}

// page fetches a page as s (nil: anonymous) in a language.
func (w *hoodWorld) page(t *testing.T, s *hoodSession, path, lang string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	req.AddCookie(&http.Cookie{Name: langCookie, Value: lang})
	if s != nil {
		req.AddCookie(s.cookie)
	}
	return do(t, w.f, req)
}

// submit posts a form as s, with its CSRF token.
func (w *hoodWorld) submit(t *testing.T, s *hoodSession, path string, values url.Values) (*http.Response, string) {
	t.Helper()
	if values == nil {
		values = url.Values{}
	}
	values.Set("_csrf", s.csrf)
	req := httptest.NewRequest("POST", path, strings.NewReader(values.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(s.cookie)
	return do(t, w.f, req)
}

func (w *hoodWorld) detail(t *testing.T, s *hoodSession, id int64) hoodDetailJSON {
	t.Helper()
	resp, body := w.api(t, s, "GET", "/api/v1/neighbourhoods/"+itoa(id), "")
	if resp.StatusCode != 200 {
		t.Fatalf("GET neighbourhood %d = %d %s", id, resp.StatusCode, body)
	}
	var d hoodDetailJSON
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// hoodDetailJSON is how a client reads the API's neighbourhood.
type hoodDetailJSON struct {
	ID           int64               `json:"id"`
	Name         string              `json:"name"`
	Description  string              `json:"description"`
	Municipality string              `json:"municipality"`
	JoinCode     *string             `json:"join_code"`
	Workers      []models.PublicUser `json:"workers"`
	Neighbours   int64               `json:"neighbours"`
}

func (w *hoodWorld) count(t *testing.T) int64 {
	t.Helper()
	var n int64
	if err := w.a.db.Gorm.Model(&models.Neighbourhood{}).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestNeighbourhoodCoordinatorCreatesAndEdits(t *testing.T) {
	t.Parallel()
	w := newHoodWorld(t)

	resp, body := w.api(t, w.coord, "POST", "/api/v1/neighbourhoods", `{"name":"  Sluizeken  ","municipality":"Gent","description":"Tussen de Vrijdagmarkt en de Dampoort."}`)
	if resp.StatusCode != 201 {
		t.Fatalf("create = %d %s", resp.StatusCode, body)
	}
	var created hoodDetailJSON
	if err := json.Unmarshal([]byte(body), &created); err != nil {
		t.Fatal(err)
	}
	if created.Name != "Sluizeken" || created.JoinCode == nil || len(*created.JoinCode) != 6 || created.Workers == nil {
		t.Fatalf("created = %s", body)
	}

	resp, body = w.api(t, w.coord, "PATCH", "/api/v1/neighbourhoods/"+itoa(created.ID), `{"description":"Oude wijk aan de Leie."}`)
	if resp.StatusCode != 200 {
		t.Fatalf("patch = %d %s", resp.StatusCode, body)
	}
	if d := w.detail(t, nil, created.ID); d.Name != "Sluizeken" || d.Municipality != "Gent" || d.Description != "Oude wijk aan de Leie." {
		t.Fatalf("partial update changed other fields: %+v", d)
	}

	resp, _ = w.submit(t, w.coord, "/neighbourhoods/new", url.Values{"name": {"Muide"}, "municipality": {"Gent"}, "description": {""}})
	loc := resp.Header.Get("Location")
	if resp.StatusCode != 303 || !strings.HasPrefix(loc, "/neighbourhoods/") {
		t.Fatalf("form create = %d to %q", resp.StatusCode, loc)
	}
	resp, _ = w.submit(t, w.coord, loc+"/edit", url.Values{"name": {"Muide-Meulestede"}, "municipality": {"Gent"}, "description": {"Aan de haven."}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != loc {
		t.Fatalf("form edit = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, body := w.page(t, nil, loc, "nl"); !strings.Contains(body, "Muide-Meulestede") || !strings.Contains(body, "Aan de haven.") {
		t.Fatalf("edited neighbourhood page: %.400s", body)
	}
}

func TestNeighbourhoodChangesAreForCoordinatorsOnly(t *testing.T) {
	t.Parallel()
	w := newHoodWorld(t)
	a := itoa(w.hoodA.ID)
	before := w.count(t)
	workerBID := itoa(w.workerB.user.ID)
	calls := []struct{ method, path, body string }{
		{"POST", "/api/v1/neighbourhoods", `{"name":"Nieuw","municipality":"Gent"}`},
		{"PATCH", "/api/v1/neighbourhoods/" + a, `{"name":"Gekaapt"}`},
		{"POST", "/api/v1/neighbourhoods/" + a + "/workers", `{"user_id":` + workerBID + `}`},
		{"DELETE", "/api/v1/neighbourhoods/" + a + "/workers/" + itoa(w.workerA.user.ID), ""},
	}
	for _, s := range []*hoodSession{w.resident, w.workerA} {
		for _, call := range calls {
			resp, body := w.api(t, s, call.method, call.path, call.body)
			if resp.StatusCode != 403 || decodeErr(t, body).Error.Code != "forbidden" {
				t.Errorf("%s %s %s = %d %s; want 403", s.user.Name(), call.method, call.path, resp.StatusCode, body)
			}
		}
		for _, path := range []string{"/neighbourhoods/new", "/neighbourhoods/" + a + "/edit"} {
			if resp, _ := w.page(t, s, path, "nl"); resp.StatusCode != 403 {
				t.Errorf("%s GET %s = %d; want 403", s.user.Name(), path, resp.StatusCode)
			}
		}
		for _, form := range []struct {
			path   string
			values url.Values
		}{
			{"/neighbourhoods/new", url.Values{"name": {"Nieuw"}, "municipality": {"Gent"}}},
			{"/neighbourhoods/" + a + "/edit", url.Values{"name": {"Gekaapt"}, "municipality": {"Gent"}}},
			{"/neighbourhoods/" + a + "/workers", url.Values{"user_id": {workerBID}}},
			{"/neighbourhoods/" + a + "/workers/" + itoa(w.workerA.user.ID) + "/delete", nil},
		} {
			if resp, _ := w.submit(t, s, form.path, form.values); resp.StatusCode != 403 {
				t.Errorf("%s POST %s = %d; want 403", s.user.Name(), form.path, resp.StatusCode)
			}
		}
	}
	anonymous := append(calls,
		struct{ method, path, body string }{"POST", "/api/v1/neighbourhoods/" + a + "/join-code", ""},
		struct{ method, path, body string }{"POST", "/api/v1/neighbourhoods/" + a + "/follow", ""},
		struct{ method, path, body string }{"DELETE", "/api/v1/neighbourhoods/" + a + "/follow", ""})
	for _, call := range anonymous {
		resp, body := w.api(t, nil, call.method, call.path, call.body)
		if resp.StatusCode != 401 || decodeErr(t, body).Error.Code != "unauthorized" {
			t.Errorf("anonymous %s %s = %d %s; want 401", call.method, call.path, resp.StatusCode, body)
		}
	}
	if resp, _ := w.page(t, nil, "/neighbourhoods/new", "nl"); resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/signin?next=") {
		t.Errorf("anonymous new page = %d to %q; want the sign-in page", resp.StatusCode, resp.Header.Get("Location"))
	}

	if got := w.count(t); got != before {
		t.Errorf("neighbourhoods went from %d to %d", before, got)
	}
	d := w.detail(t, w.coord, w.hoodA.ID)
	if d.Name != "Rabot" || len(d.Workers) != 1 || d.Workers[0].ID != w.workerA.user.ID {
		t.Errorf("neighbourhood changed by someone not allowed: %+v", d)
	}
}

func TestNeighbourhoodValidationNamesTheFieldAndStoresNothing(t *testing.T) {
	t.Parallel()
	w := newHoodWorld(t)
	before := w.count(t)

	resp, body := w.api(t, w.coord, "POST", "/api/v1/neighbourhoods", `{"name":"   ","description":"x"}`)
	e := decodeErr(t, body)
	if resp.StatusCode != 422 || e.Error.Code != "validation" || e.Error.Fields["name"] == "" || e.Error.Fields["municipality"] == "" {
		t.Fatalf("empty create = %d %s", resp.StatusCode, body)
	}
	resp, body = w.api(t, w.coord, "POST", "/api/v1/neighbourhoods", `{"name":"rabot","municipality":"gent"}`)
	if e := decodeErr(t, body); resp.StatusCode != 422 || e.Error.Fields["name"] == "" {
		t.Fatalf("duplicate name = %d %s; want 422 on name", resp.StatusCode, body)
	}
	resp, body = w.api(t, w.coord, "PATCH", "/api/v1/neighbourhoods/"+itoa(w.hoodB.ID), `{"name":"Rabot"}`)
	if e := decodeErr(t, body); resp.StatusCode != 422 || e.Error.Fields["name"] == "" {
		t.Fatalf("rename to a taken name = %d %s; want 422 on name", resp.StatusCode, body)
	}
	resp, body = w.api(t, w.coord, "PATCH", "/api/v1/neighbourhoods/"+itoa(w.hoodB.ID), `{"description":"`+strings.Repeat("x", 1001)+`"}`)
	if e := decodeErr(t, body); resp.StatusCode != 422 || e.Error.Fields["description"] == "" {
		t.Fatalf("long description = %d %s; want 422 on description", resp.StatusCode, body)
	}
	if got := w.count(t); got != before {
		t.Fatalf("invalid input stored something: %d neighbourhoods, was %d", got, before)
	}
	if d := w.detail(t, nil, w.hoodB.ID); d.Name != "Brugse Poort" || d.Description != "" {
		t.Fatalf("invalid patch changed the neighbourhood: %+v", d)
	}

	resp, body = w.submit(t, w.coord, "/neighbourhoods/new", url.Values{"name": {""}, "municipality": {"Eeklo"}, "description": {"Een beschrijving"}})
	if resp.StatusCode != 422 || !strings.Contains(body, `value="Eeklo"`) || !strings.Contains(body, "Een beschrijving") ||
		!strings.Contains(body, `id="e-name"`) || strings.Contains(body, `id="e-municipality"`) {
		t.Fatalf("form with an empty name = %d %s", resp.StatusCode, body)
	}
	if got := w.count(t); got != before {
		t.Fatalf("invalid form stored something")
	}

	resp, body = w.api(t, w.coord, "POST", "/api/v1/neighbourhoods", `{"name":"Rabot","municipality":"Antwerpen"}`)
	if resp.StatusCode != 201 {
		t.Fatalf("same name in another municipality = %d %s; want 201", resp.StatusCode, body)
	}
}

func TestNeighbourhoodJoinCodeOnlyForItsWorkersAndCoordinators(t *testing.T) {
	t.Parallel()
	w := newHoodWorld(t)
	code := w.hoodA.JoinCode
	path := "/neighbourhoods/" + itoa(w.hoodA.ID)
	for _, s := range []*hoodSession{w.coord, w.workerA} {
		if d := w.detail(t, s, w.hoodA.ID); d.JoinCode == nil || *d.JoinCode != code {
			t.Errorf("%s does not get the join code from the API", s.user.Name())
		}
		resp, body := w.page(t, s, path, "nl")
		if resp.StatusCode != 200 || !strings.Contains(body, code) || !strings.Contains(body, path+"/flyer") {
			t.Errorf("%s does not see the join code on the page", s.user.Name())
		}
		resp, body = w.page(t, s, path+"/flyer", "nl")
		if resp.StatusCode != 200 || !strings.Contains(body, code) || !strings.Contains(body, `src="data:image/png;base64,`) ||
			!strings.Contains(body, w.a.cfg.BaseURL+"/join?code="+code) {
			t.Errorf("%s flyer = %d %.300s", s.user.Name(), resp.StatusCode, body)
		}
	}
	for _, s := range []*hoodSession{nil, w.resident, w.workerB} {
		who := "anonymous"
		if s != nil {
			who = s.user.Name()
		}
		if d := w.detail(t, s, w.hoodA.ID); d.JoinCode != nil {
			t.Errorf("%s gets the join code from the API", who)
		}
		if resp, body := w.page(t, s, path, "nl"); resp.StatusCode != 200 || strings.Contains(body, code) || strings.Contains(body, path+"/flyer") {
			t.Errorf("%s sees the join code on the page (%d)", who, resp.StatusCode)
		}
		if s == nil {
			continue
		}
		if resp, body := w.page(t, s, path+"/flyer", "nl"); resp.StatusCode != 403 || strings.Contains(body, code) {
			t.Errorf("%s flyer = %d; want 403", who, resp.StatusCode)
		}
		if resp, _ := w.api(t, s, "POST", "/api/v1/neighbourhoods/"+itoa(w.hoodA.ID)+"/join-code", ""); resp.StatusCode != 403 {
			t.Errorf("%s rotate = %d; want 403", who, resp.StatusCode)
		}
	}
	if _, body := w.api(t, nil, "GET", "/api/v1/neighbourhoods", ""); strings.Contains(body, code) || !strings.Contains(body, `"Brugse Poort"`) {
		t.Errorf("the list shows join codes or lacks neighbourhoods: %s", body)
	}
}

func TestNeighbourhoodRotatedCodeReplacesTheOld(t *testing.T) {
	t.Parallel()
	w := newHoodWorld(t)
	old := w.hoodA.JoinCode
	if resp, body := w.page(t, nil, "/join?code="+strings.ToLower(old), "nl"); resp.StatusCode != 200 || !strings.Contains(body, "Rabot") {
		t.Fatalf("join with the current code = %d", resp.StatusCode)
	}
	resp, body := w.api(t, w.workerA, "POST", "/api/v1/neighbourhoods/"+itoa(w.hoodA.ID)+"/join-code", "")
	var rotated struct {
		JoinCode string `json:"join_code"`
	}
	if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &rotated) != nil || rotated.JoinCode == "" || rotated.JoinCode == old {
		t.Fatalf("rotate = %d %s", resp.StatusCode, body)
	}
	resp, body = w.page(t, nil, "/join?code="+old, "nl")
	if resp.StatusCode != 404 || !strings.Contains(body, "Deze buurtcode kennen we niet") || !strings.Contains(body, `name="code"`) {
		t.Fatalf("old code at /join = %d %.500s; want 404 with the form", resp.StatusCode, body)
	}
	if resp, _ := w.page(t, nil, "/join?code="+rotated.JoinCode, "nl"); resp.StatusCode != 200 {
		t.Fatalf("new code at /join = %d", resp.StatusCode)
	}

	resp, _ = w.submit(t, w.coord, "/neighbourhoods/"+itoa(w.hoodA.ID)+"/join-code", nil)
	if resp.StatusCode != 303 {
		t.Fatalf("rotate by form = %d", resp.StatusCode)
	}
	if d := w.detail(t, w.coord, w.hoodA.ID); d.JoinCode == nil || *d.JoinCode == rotated.JoinCode {
		t.Fatalf("rotating by form kept the code")
	}
}

func TestNeighbourhoodCoordinatorAssignsAndUnassignsWorkers(t *testing.T) {
	t.Parallel()
	w := newHoodWorld(t)
	a := "/api/v1/neighbourhoods/" + itoa(w.hoodA.ID)

	resp, body := w.api(t, w.coord, "POST", a+"/workers", `{"user_id":`+itoa(w.workerB.user.ID)+`}`)
	if resp.StatusCode != 200 || !strings.Contains(body, `"Els Van Damme"`) {
		t.Fatalf("assign = %d %s", resp.StatusCode, body)
	}
	if d := w.detail(t, w.workerB, w.hoodA.ID); d.JoinCode == nil {
		t.Fatalf("an assigned worker does not get the join code")
	}
	resp, body = w.api(t, w.coord, "POST", a+"/workers", `{"user_id":`+itoa(w.resident.user.ID)+`}`)
	if e := decodeErr(t, body); resp.StatusCode != 422 || e.Error.Fields["user_id"] == "" {
		t.Fatalf("assign a resident = %d %s; want 422 on user_id", resp.StatusCode, body)
	}
	resp, body = w.api(t, w.coord, "POST", a+"/workers", `{"user_id":999999}`)
	if e := decodeErr(t, body); resp.StatusCode != 422 || e.Error.Fields["user_id"] == "" {
		t.Fatalf("assign nobody = %d %s; want 422 on user_id", resp.StatusCode, body)
	}
	if resp, _ := w.api(t, w.coord, "DELETE", a+"/workers/"+itoa(w.workerB.user.ID), ""); resp.StatusCode != 204 {
		t.Fatalf("unassign = %d", resp.StatusCode)
	}
	if d := w.detail(t, w.workerB, w.hoodA.ID); d.JoinCode != nil || len(d.Workers) != 1 {
		t.Fatalf("an unassigned worker still belongs: %+v", d)
	}

	page := "/neighbourhoods/" + itoa(w.hoodA.ID)
	_, body = w.page(t, w.coord, page, "nl")
	if !strings.Contains(body, `<option value="`+itoa(w.workerB.user.ID)+`"`) || strings.Contains(body, `<option value="`+itoa(w.resident.user.ID)+`"`) {
		t.Fatalf("the assign select does not offer exactly the staff: %s", body)
	}
	if resp, _ := w.submit(t, w.coord, page+"/workers", url.Values{"user_id": {itoa(w.workerB.user.ID)}}); resp.StatusCode != 303 {
		t.Fatalf("assign by form = %d", resp.StatusCode)
	}
	if resp, body := w.submit(t, w.coord, page+"/workers", url.Values{"user_id": {itoa(w.resident.user.ID)}}); resp.StatusCode != 422 || !strings.Contains(body, `id="e-user_id"`) {
		t.Fatalf("assign a resident by form = %d", resp.StatusCode)
	}
	if resp, _ := w.submit(t, w.coord, page+"/workers/"+itoa(w.workerA.user.ID)+"/delete", nil); resp.StatusCode != 303 {
		t.Fatalf("unassign by form = %d", resp.StatusCode)
	}
	d := w.detail(t, nil, w.hoodA.ID)
	if len(d.Workers) != 1 || d.Workers[0].DisplayName != "Els Van Damme" {
		t.Fatalf("workers after the forms: %+v", d.Workers)
	}
}

func TestNeighbourhoodJoinFlowSetsHomeThenFollows(t *testing.T) {
	t.Parallel()
	w := newHoodWorld(t)
	newcomer := hoodPerson(t, w, "Jan", "jan", models.RoleResident, 0)

	resp, body := w.page(t, nil, "/join?code="+w.hoodA.JoinCode, "nl")
	if resp.StatusCode != 200 || !strings.Contains(body, `href="/signup?code=`+w.hoodA.JoinCode+`"`) || !strings.Contains(body, "/signin?next=") {
		t.Fatalf("anonymous join page = %d %s", resp.StatusCode, body)
	}
	resp, body = w.page(t, newcomer, "/join?code="+w.hoodA.JoinCode, "nl")
	if resp.StatusCode != 200 || !strings.Contains(body, `action="/join"`) {
		t.Fatalf("signed-in join page = %d %s", resp.StatusCode, body)
	}

	resp, _ = w.submit(t, newcomer, "/join", url.Values{"code": {w.hoodA.JoinCode}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/neighbourhoods/"+itoa(w.hoodA.ID) {
		t.Fatalf("join A = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = w.submit(t, newcomer, "/join", url.Values{"code": {w.hoodB.JoinCode}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/neighbourhoods/"+itoa(w.hoodB.ID) {
		t.Fatalf("join B = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	ctx := context.Background()
	u, err := models.UserByID(ctx, w.a.db.Gorm, newcomer.user.ID)
	if err != nil {
		t.Fatal(err)
	}
	followed, err := models.FollowedNeighbourhoods(ctx, w.a.db.Gorm, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if u.HomeNeighbourhoodID == nil || *u.HomeNeighbourhoodID != w.hoodA.ID || !slices.Equal(followed, []int64{w.hoodB.ID}) {
		t.Fatalf("after joining A then B: home %v, follows %v", u.HomeNeighbourhoodID, followed)
	}
	if resp, body := w.submit(t, newcomer, "/join", url.Values{"code": {"ZZZZZZ"}}); resp.StatusCode != 404 || !strings.Contains(body, "Deze buurtcode kennen we niet") {
		t.Fatalf("join with an unknown code = %d", resp.StatusCode)
	}

	// Only home members count: Fatima and Jan live in A; Jan merely follows B.
	if d := w.detail(t, nil, w.hoodA.ID); d.Neighbours != 2 {
		t.Fatalf("neighbours of A = %d; want 2", d.Neighbours)
	}
	if d := w.detail(t, nil, w.hoodB.ID); d.Neighbours != 0 {
		t.Fatalf("neighbours of B = %d; want 0 (followers do not count)", d.Neighbours)
	}
	if _, body := w.page(t, newcomer, "/neighbourhoods/"+itoa(w.hoodB.ID), "nl"); !strings.Contains(body, "/unfollow") {
		t.Fatalf("a followed neighbourhood offers no unfollow button")
	}

	b := "/neighbourhoods/" + itoa(w.hoodB.ID)
	if resp, _ := w.submit(t, newcomer, b+"/unfollow", nil); resp.StatusCode != 303 {
		t.Fatalf("unfollow by form = %d", resp.StatusCode)
	}
	if resp, _ := w.api(t, newcomer, "POST", "/api/v1"+b+"/follow", ""); resp.StatusCode != 204 {
		t.Fatalf("follow by API = %d", resp.StatusCode)
	}
	if resp, _ := w.submit(t, newcomer, b+"/home", nil); resp.StatusCode != 303 {
		t.Fatalf("make home by form = %d", resp.StatusCode)
	}
	u, _ = models.UserByID(ctx, w.a.db.Gorm, newcomer.user.ID)
	followed, _ = models.FollowedNeighbourhoods(ctx, w.a.db.Gorm, u.ID)
	if u.HomeNeighbourhoodID == nil || *u.HomeNeighbourhoodID != w.hoodB.ID || len(followed) != 0 {
		t.Fatalf("after making B home: home %v, follows %v", u.HomeNeighbourhoodID, followed)
	}
	if resp, _ := w.api(t, newcomer, "DELETE", "/api/v1/neighbourhoods/"+itoa(w.hoodA.ID)+"/follow", ""); resp.StatusCode != 204 {
		t.Fatalf("unfollow by API = %d", resp.StatusCode)
	}
	if resp, _ := w.api(t, newcomer, "POST", "/api/v1/neighbourhoods/999999/follow", ""); resp.StatusCode != 404 {
		t.Fatalf("follow an unknown neighbourhood = %d; want 404", resp.StatusCode)
	}
}

func TestNeighbourhoodPagesRenderInBothLanguages(t *testing.T) {
	t.Parallel()
	w := newHoodWorld(t)
	a := "/neighbourhoods/" + itoa(w.hoodA.ID)
	pages := []struct {
		who  *hoodSession
		path string
	}{
		{nil, "/neighbourhoods"}, {w.resident, "/neighbourhoods"}, {w.coord, "/neighbourhoods"},
		{nil, a}, {w.resident, a}, {w.workerA, a}, {w.coord, a},
		{w.coord, "/neighbourhoods/new"}, {w.coord, a + "/edit"}, {w.workerA, a + "/flyer"},
		{nil, "/join"}, {nil, "/join?code=" + w.hoodA.JoinCode}, {w.resident, "/join?code=" + w.hoodA.JoinCode},
		{w.workerB, "/join?code=" + w.hoodA.JoinCode},
	}
	untranslated := regexp.MustCompile(`neighbourhoods?\.[a-z_]+\.[a-z_]`)
	for _, lang := range []string{"nl", "en"} {
		for _, p := range pages {
			resp, body := w.page(t, p.who, p.path, lang)
			if resp.StatusCode != 200 || !strings.Contains(body, `<html lang="`+lang+`">`) {
				t.Errorf("%s %s = %d", lang, p.path, resp.StatusCode)
			}
			if m := untranslated.FindString(body); m != "" {
				t.Errorf("%s %s shows the message id %q", lang, p.path, m)
			}
			if strings.Contains(body, "style=") || hasInlineScript(body) {
				t.Errorf("%s %s has inline style or script", lang, p.path)
			}
		}
	}
	if _, body := w.page(t, w.coord, "/neighbourhoods", "nl"); !strings.Contains(body, `href="/neighbourhoods/new"`) {
		t.Errorf("coordinators get no link to a new neighbourhood")
	}
	if _, body := w.page(t, w.resident, "/neighbourhoods", "nl"); strings.Contains(body, `href="/neighbourhoods/new"`) || !strings.Contains(body, "Jouw buurt") {
		t.Errorf("resident's list: new link shown or home not marked")
	}
	if _, body := w.page(t, w.resident, a, "en"); !strings.Contains(body, "Youssef Amrani") || !strings.Contains(body, "Neighbours who joined: 1") ||
		strings.Contains(body, "youssef@") || strings.Contains(body, "/edit") {
		t.Errorf("resident's view of the neighbourhood page is wrong: %s", body)
	}
	for _, path := range []string{"/neighbourhoods/999999", "/neighbourhoods/abc", "/api/v1/neighbourhoods/999999"} {
		if resp, _ := w.page(t, nil, path, "nl"); resp.StatusCode != 404 {
			t.Errorf("%s = %d; want 404", path, resp.StatusCode)
		}
	}
}

// hasInlineScript reports a script element with code in the page itself; scripts loaded from
// the server's own files (src=) are what the CSP allows.
func hasInlineScript(body string) bool {
	for _, tag := range regexp.MustCompile(`<script\b[^>]*>`).FindAllString(body, -1) {
		if !strings.Contains(tag, " src=") {
			return true
		}
	}
	return false
}
