package main

import (
	"net/url"
	"strings"
	"testing"

	"nabij/models"
)

func TestPeopleChangeTheirProfile(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	hood := w.hood("Rabot")
	jan := w.as(w.person("Jan", models.RoleResident, 0))
	status, body := jan.call("PATCH", "/api/v1/me", map[string]any{"display_name": " Jan  Peeters ", "initials": "jp", "language": "en", "home_neighbourhood_id": hood})
	me := fxDecode[meJSON](t, body)
	if status != 200 || me.DisplayName != "Jan Peeters" || me.Initials != "JP" || me.Language != "en" || me.HomeNeighbourhoodID == nil || *me.HomeNeighbourhoodID != hood {
		t.Fatalf("PATCH me = %d %s", status, body)
	}
	status, body = jan.call("PATCH", "/api/v1/me", map[string]any{"display_name": "", "initials": "abcd", "language": "fr", "home_neighbourhood_id": 9999})
	e := decodeErr(t, body)
	if status != 422 || len(e.Error.Fields) != 4 {
		t.Fatalf("bad profile = %d %s", status, body)
	}
	if _, body := jan.call("GET", "/api/v1/me", nil); !strings.Contains(body, "Jan Peeters") {
		t.Fatalf("a refused change was stored: %s", body)
	}
}

func TestProfilePageSavesAndShowsPrivateDetailsOnlyToTheOwner(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	hood := w.hood("Rabot")
	b := w.as(w.person("Jan", models.RoleResident, 0))
	resp, body := b.page("/profile")
	if resp.StatusCode != 200 || !strings.Contains(body, "jan@example.org") || !strings.Contains(body, ">jan<") {
		t.Fatalf("profile = %d", resp.StatusCode)
	}
	resp, _ = b.submit("/profile", url.Values{"display_name": {"Jantje"}, "initials": {""}, "language": {"nl"}, "home_neighbourhood_id": {itoa(hood)}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/profile?saved=1" {
		t.Fatalf("save = %d", resp.StatusCode)
	}
	if _, body := b.page("/profile?saved=1"); !strings.Contains(body, "Je profiel is bewaard") || !strings.Contains(body, `value="Jantje"`) {
		t.Fatal("saved profile not shown")
	}
	resp, body = b.submit("/profile", url.Values{"display_name": {"Jantje"}, "initials": {"ABCD"}, "language": {"nl"}})
	if resp.StatusCode != 422 || !strings.Contains(body, "hoogstens 3 letters") || !strings.Contains(body, `value="ABCD"`) {
		t.Fatalf("bad initials = %d", resp.StatusCode)
	}
	if resp, _ := w.anon().page("/profile"); resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/signin") {
		t.Fatalf("profile without signing in = %d", resp.StatusCode)
	}
}

func TestOthersNeverSeeEmailOrUsername(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	hood := w.hood("Rabot")
	w.person("Youssef", models.RoleWorker, hood)
	for _, c := range []*fxClient{w.anon(), w.as(w.person("Jan", models.RoleResident, hood))} {
		status, body := c.call("GET", "/api/v1/neighbourhoods/"+itoa(hood), nil)
		if status != 200 || !strings.Contains(body, "Youssef") || strings.Contains(body, "youssef@example.org") || strings.Contains(body, `"youssef"`) {
			t.Fatalf("neighbourhood = %d %s", status, body)
		}
	}
}

func TestExportHoldsTheEmailButNoSecrets(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	jan := w.as(w.person("Jan", models.RoleResident, 0))
	jan.call("POST", "/api/v1/me/tokens", map[string]string{"name": "agenda"})
	status, body := jan.call("GET", "/api/v1/me/export", nil)
	if status != 200 || !strings.Contains(body, "jan@example.org") || !strings.Contains(body, `"agenda"`) {
		t.Fatalf("export = %d %s", status, body)
	}
	for _, secret := range []string{"argon2", "password_hash", "token_hash", "code_hash", "csrf"} {
		if strings.Contains(body, secret) {
			t.Errorf("export holds %s", secret)
		}
	}
	resp, body := jan.page("/profile/export")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") ||
		!strings.Contains(resp.Header.Get("Content-Type"), "json") || !strings.Contains(body, "jan@example.org") {
		t.Fatalf("download = %d %v", resp.StatusCode, resp.Header)
	}
}

func TestDeletingOverTheAPIWithASessionNeedsTheCSRFToken(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	u := w.person("Jan", models.RoleResident, 0)
	jan := w.as(u)
	jan.csrf = ""
	status, body := jan.call("DELETE", "/api/v1/me", map[string]string{"password": fxPassword})
	if status != 403 || decodeErr(t, body).Error.Code != "csrf" {
		t.Fatalf("DELETE without CSRF = %d %s", status, body)
	}
	if n := w.count("SELECT count(*) FROM users WHERE id = ? AND deleted_at IS NULL AND email IS NOT NULL", u.ID); n != 1 {
		t.Fatal("the account is gone")
	}
}

func TestDeletingAnAccountAnonymisesItAndEndsEverySession(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	u := w.person("Jan", models.RoleResident, 0)
	jan, phone := w.as(u), w.as(u)
	_, body := jan.call("POST", "/api/v1/me/tokens", map[string]string{"name": "agenda"})
	tok := fxDecode[newTokenJSON](t, body)

	status, body := jan.call("DELETE", "/api/v1/me", map[string]string{"password": "wrong password"})
	if e := decodeErr(t, body); status != 422 || e.Error.Fields["password"] == "" {
		t.Fatalf("wrong password = %d %s", status, body)
	}
	if status, body := jan.call("DELETE", "/api/v1/me", map[string]string{"password": fxPassword}); status != 204 {
		t.Fatalf("delete = %d %s", status, body)
	}
	if n := w.count(`SELECT count(*) FROM users WHERE id = ? AND display_name IS NULL AND email IS NULL AND username IS NULL
		AND password_hash IS NULL AND deleted_at IS NOT NULL`, u.ID); n != 1 {
		t.Fatal("account not anonymised")
	}
	if n := w.count("SELECT count(*) FROM sessions WHERE user_id = ?", u.ID); n != 0 {
		t.Fatalf("%d sessions left", n)
	}
	for name, c := range map[string]*fxClient{"this browser": jan, "another device": phone, "token": w.withBearer(tok.Token)} {
		if status, _ := c.call("GET", "/api/v1/me", nil); status != 401 {
			t.Errorf("%s still signed in: %d", name, status)
		}
	}
	if status, _ := w.anon().call("POST", "/api/v1/auth/login", map[string]string{"identifier": "jan", "password": fxPassword}); status != 401 {
		t.Fatalf("sign-in with the old password = %d", status)
	}
}

func TestDeletingOnThePageAsksForThePassword(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	u := w.person("Jan", models.RoleResident, 0)
	b := w.as(u)
	resp, body := b.page("/profile/delete")
	if resp.StatusCode != 200 || !strings.Contains(body, `name="password"`) {
		t.Fatalf("delete page = %d", resp.StatusCode)
	}
	resp, body = b.submit("/profile/delete", url.Values{"password": {"niet mijn wachtwoord"}})
	if resp.StatusCode != 422 || !strings.Contains(body, "Dit wachtwoord klopt niet") {
		t.Fatalf("wrong password = %d", resp.StatusCode)
	}
	resp, _ = b.submit("/profile/delete", url.Values{"password": {fxPassword}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/profile/deleted" {
		t.Fatalf("delete = %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, ok := b.cookies[sessionCookie]; ok {
		t.Fatal("session cookie kept")
	}
	if resp, body := b.page("/profile/deleted"); resp.StatusCode != 200 || !strings.Contains(body, "Je account is verwijderd") {
		t.Fatalf("goodbye page = %d", resp.StatusCode)
	}
	if n := w.count("SELECT count(*) FROM users WHERE id = ? AND deleted_at IS NOT NULL", u.ID); n != 1 {
		t.Fatal("not deleted")
	}
}

func TestAnAccountWithoutPasswordIsDeletedWithoutOne(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	hood := w.hood("Rabot")
	got := fxRegister(t, w.as(w.person("Youssef", models.RoleWorker, hood)), map[string]any{"display_name": "Mireille", "neighbourhood_id": hood})
	b := w.anon()
	b.page("/code")
	b.submit("/code", url.Values{"code": {got.Code}})
	resp, body := b.page("/profile/delete")
	if resp.StatusCode != 200 || strings.Contains(body, `name="password"`) {
		t.Fatalf("delete page = %d", resp.StatusCode)
	}
	if resp, _ := b.submit("/profile/delete", nil); resp.StatusCode != 303 {
		t.Fatalf("delete = %d", resp.StatusCode)
	}
	if n := w.count("SELECT count(*) FROM users WHERE id = ? AND deleted_at IS NOT NULL", got.User.ID); n != 1 {
		t.Fatal("not deleted")
	}
}

func TestTheLastCoordinatorCannotDeleteTheirAccount(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	boss := w.as(w.person("Sanne", models.RoleCoordinator, 0))
	status, body := boss.call("DELETE", "/api/v1/me", map[string]string{"password": fxPassword})
	if status != 409 || decodeErr(t, body).Error.Code != "last_coordinator" {
		t.Fatalf("delete the last coordinator = %d %s", status, body)
	}
}
