package main

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"nabij/models"
)

func TestATokenIsShownOnceAndSignsInAScriptUntilRevoked(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	jan := w.as(w.person("Jan", models.RoleResident, 0))
	status, body := jan.call("POST", "/api/v1/me/tokens", map[string]string{"name": "agenda"})
	tok := fxDecode[newTokenJSON](t, body)
	if status != 201 || !strings.HasPrefix(tok.Token, "nbj_") || tok.Name != "agenda" || tok.ID == 0 {
		t.Fatalf("create token = %d %s", status, body)
	}
	status, body = jan.call("GET", "/api/v1/me/tokens", nil)
	if status != 200 || !strings.Contains(body, `"agenda"`) || strings.Contains(body, tok.Token) || strings.Contains(body, "hash") {
		t.Fatalf("token list = %d %s", status, body)
	}

	script := w.withBearer(tok.Token)
	if status, body := script.call("GET", "/api/v1/me", nil); status != 200 || !strings.Contains(body, `"display_name":"Jan"`) {
		t.Fatalf("bearer me = %d %s", status, body)
	}
	// No CSRF token: a bearer token is no ambient credential.
	if status, body := script.call("PATCH", "/api/v1/me", map[string]string{"display_name": "Jan P."}); status != 200 || !strings.Contains(body, "Jan P.") {
		t.Fatalf("bearer change = %d %s", status, body)
	}

	if status, body := jan.call("DELETE", "/api/v1/me/tokens/"+itoa(tok.ID), nil); status != 204 {
		t.Fatalf("revoke = %d %s", status, body)
	}
	status, body = script.call("GET", "/api/v1/me", nil)
	if status != 401 || decodeErr(t, body).Error.Code != "unauthorized" {
		t.Fatalf("revoked token = %d %s", status, body)
	}
	if status, _ := jan.call("DELETE", "/api/v1/me/tokens/"+itoa(tok.ID), nil); status != 404 {
		t.Fatalf("revoke twice = %d", status)
	}
}

func TestNobodyRevokesSomeoneElsesToken(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	jan := w.as(w.person("Jan", models.RoleResident, 0))
	_, body := jan.call("POST", "/api/v1/me/tokens", map[string]string{"name": "agenda"})
	tok := fxDecode[newTokenJSON](t, body)
	boss := w.as(w.person("Sanne", models.RoleCoordinator, 0))
	if status, _ := boss.call("DELETE", "/api/v1/me/tokens/"+itoa(tok.ID), nil); status != 404 {
		t.Fatalf("revoke another's token = %d", status)
	}
	if status, _ := w.withBearer(tok.Token).call("GET", "/api/v1/me", nil); status != 200 {
		t.Fatal("the token stopped working")
	}
}

func TestATokenNeedsAName(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	jan := w.as(w.person("Jan", models.RoleResident, 0))
	status, body := jan.call("POST", "/api/v1/me/tokens", map[string]string{"name": "  "})
	if e := decodeErr(t, body); status != 422 || e.Error.Fields["name"] == "" {
		t.Fatalf("nameless token = %d %s", status, body)
	}
	if n := w.count("SELECT count(*) FROM api_tokens"); n != 0 {
		t.Fatal("stored anyway")
	}
}

func TestTokenPageShowsTheSecretOnlyOnceAndRevokes(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	b := w.as(w.person("Jan", models.RoleResident, 0))
	b.page("/profile/tokens")
	resp, body := b.submit("/profile/tokens", url.Values{"name": {"agenda"}})
	secret := regexp.MustCompile(`nbj_[A-Za-z0-9_-]+`).FindString(body)
	if resp.StatusCode != 200 || secret == "" {
		t.Fatalf("create on the page = %d", resp.StatusCode)
	}
	resp, body = b.page("/profile/tokens")
	if resp.StatusCode != 200 || strings.Contains(body, secret) || !strings.Contains(body, "agenda") {
		t.Fatalf("secret shown again or token missing: %d", resp.StatusCode)
	}
	id := w.count("SELECT id FROM api_tokens")
	resp, _ = b.submit("/profile/tokens/"+itoa(id)+"/revoke", nil)
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/profile/tokens" {
		t.Fatalf("revoke on the page = %d", resp.StatusCode)
	}
	if _, body := b.page("/profile/tokens"); !strings.Contains(body, "ingetrokken") {
		t.Fatal("revoked token not marked")
	}
	if status, _ := w.withBearer(secret).call("GET", "/api/v1/me", nil); status != 401 {
		t.Fatalf("revoked token = %d", status)
	}
}
