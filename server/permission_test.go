package main

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"nabij/models"
)

// TestForbiddenPathsOfProfileCodesTokensAndRoles tries every endpoint of this area as every role
// that must not use it: anonymous callers are asked to sign in, the others are refused, and
// nothing changes.
func TestForbiddenPathsOfProfileCodesTokensAndRoles(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	rabot, poort := w.hood("Rabot"), w.hood("Brugse Poort")
	boss := w.person("Sanne", models.RoleCoordinator, 0)
	worker := w.person("Youssef", models.RoleWorker, rabot)
	otherWorker := w.person("Els", models.RoleWorker, poort)
	resident := w.person("Mireille", models.RoleResident, rabot)
	neighbour := w.person("Jan", models.RoleResident, rabot)

	clients := map[string]*fxClient{
		"anonymous":    w.anon(),
		"resident":     w.as(neighbour),
		"other worker": w.as(otherWorker),
		"worker":       w.as(worker),
		"coordinator":  w.as(boss),
	}
	api := []struct {
		method, path string
		body         any
		refused      []string // callers who get 403; anonymous always gets 401
	}{
		{"POST", "/api/v1/users", map[string]any{"display_name": "Piet"}, []string{"resident"}},
		{"POST", "/api/v1/users/" + itoa(resident.ID) + "/signin-codes", nil, []string{"resident", "other worker"}},
		{"POST", "/api/v1/users/" + itoa(worker.ID) + "/signin-codes", nil, []string{"resident", "other worker", "worker", "coordinator"}},
		{"POST", "/api/v1/users/" + itoa(boss.ID) + "/signin-codes", nil, []string{"resident", "other worker", "worker", "coordinator"}},
		{"PATCH", "/api/v1/users/" + itoa(resident.ID), map[string]string{"role": "coordinator"}, []string{"resident", "other worker", "worker"}},
		{"PATCH", "/api/v1/users/" + itoa(boss.ID), map[string]string{"role": "resident"}, []string{"resident", "other worker", "worker"}},
		{"PATCH", "/api/v1/me", map[string]string{"display_name": "X"}, nil},
		{"DELETE", "/api/v1/me", map[string]string{"password": fxPassword}, nil},
		{"GET", "/api/v1/me/export", nil, nil},
		{"GET", "/api/v1/me/tokens", nil, nil},
		{"POST", "/api/v1/me/tokens", map[string]string{"name": "x"}, nil},
		{"DELETE", "/api/v1/me/tokens/1", nil, nil},
	}
	for _, tc := range api {
		for who, c := range clients {
			want := 0
			if who == "anonymous" {
				want = 401
			}
			for _, r := range tc.refused {
				if r == who {
					want = 403
				}
			}
			if want == 0 {
				continue
			}
			status, body := c.call(tc.method, tc.path, tc.body)
			if status != want {
				t.Errorf("%s %s as %s = %d %s; want %d", tc.method, tc.path, who, status, body, want)
			}
		}
	}

	pages := []struct {
		method, path string
		refused      []string
	}{
		{"GET", "/residents", []string{"resident"}},
		{"GET", "/residents/new", []string{"resident"}},
		{"POST", "/residents", []string{"resident"}},
		{"POST", "/residents/" + itoa(resident.ID) + "/code", []string{"resident", "other worker"}},
		{"POST", "/residents/" + itoa(worker.ID) + "/code", []string{"resident", "other worker", "worker", "coordinator"}},
		{"GET", "/users", []string{"resident", "other worker", "worker"}},
		{"POST", "/users/" + itoa(resident.ID) + "/role", []string{"resident", "other worker", "worker"}},
		{"POST", "/welcome/password", []string{"resident", "other worker", "worker", "coordinator"}},
	}
	for _, tc := range pages {
		for who, c := range clients {
			if who == "anonymous" {
				continue
			}
			for _, r := range tc.refused {
				if r != who {
					continue
				}
				var code int
				if tc.method == "GET" {
					resp, _ := c.page(tc.path)
					code = resp.StatusCode
				} else {
					resp, _ := c.submit(tc.path, url.Values{"display_name": {"Piet"}, "role": {"coordinator"}, "password": {"overgenomen account"}})
					code = resp.StatusCode
				}
				if code != 403 {
					t.Errorf("%s %s as %s = %d; want 403", tc.method, tc.path, who, code)
				}
			}
		}
	}
	// Anonymous visitors of these pages are sent to sign in first.
	for _, path := range []string{"/residents", "/residents/new", "/users", "/profile", "/profile/tokens", "/profile/delete", "/profile/export", "/welcome/password"} {
		resp, _ := do(t, w.f, httptest.NewRequest("GET", path, nil))
		if resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/signin?next=") {
			t.Errorf("GET %s anonymously = %d %q", path, resp.StatusCode, resp.Header.Get("Location"))
		}
	}

	if n := w.count("SELECT count(*) FROM users WHERE role = 'coordinator'"); n != 1 {
		t.Errorf("%d coordinators", n)
	}
	if n := w.count("SELECT count(*) FROM users WHERE display_name = 'Piet'"); n != 0 {
		t.Error("an account was made by someone who may not")
	}
	if n := w.count("SELECT count(*) FROM signin_codes"); n != 0 {
		t.Errorf("%d codes issued by people who may not", n)
	}
	if n := w.count("SELECT count(*) FROM users WHERE deleted_at IS NOT NULL"); n != 0 {
		t.Error("an account was deleted")
	}
}
