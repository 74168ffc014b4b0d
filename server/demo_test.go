package main

import (
	"context"
	"net/url"
	"strings"
	"testing"
)

func TestDemoFillsAnEmptyDatabaseAndListsItsSignInsOnlyInDemoMode(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.Demo = true
	db := testDatabase(t)
	if err := fillDemo(context.Background(), db.Gorm, testLogger()); err != nil {
		t.Fatal(err)
	}
	f, a, err := newApp(cfg, db, testLogger())
	if err != nil {
		t.Fatal(err)
	}
	users := countRows(t, a, "SELECT count(*) FROM users")
	if users < 5 || countRows(t, a, "SELECT count(*) FROM neighbourhoods") != 2 || countRows(t, a, "SELECT count(*) FROM users WHERE role = 'coordinator'") != 1 {
		t.Fatalf("demo has %d users", users)
	}
	if err := fillDemo(context.Background(), db.Gorm, testLogger()); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, a, "SELECT count(*) FROM users"); n != users {
		t.Fatalf("a second demo run added data to a database that held some: %d -> %d users", users, n)
	}

	b := newBrowser(t, f)
	_, page := b.get("/signin")
	if !strings.Contains(page, "youssef") || !strings.Contains(page, demoPassword) {
		t.Fatal("demo sign-ins not listed on the sign-in page in demo mode")
	}
	resp, _ := b.post("/signin", url.Values{"identifier": {"youssef"}, "password": {demoPassword}})
	if resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/neighbourhoods/") {
		t.Fatalf("demo sign-in = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}

	cfg.Demo = false
	plain, _, _ := newApp(cfg, db, testLogger())
	if _, page := newBrowser(t, plain).get("/signin"); strings.Contains(page, demoPassword) {
		t.Fatal("demo sign-ins shown outside demo mode")
	}
}
