package main

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestDemoFillsAnEmptyDatabaseAndListsItsSignInsOnlyInDemoMode(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.Demo = true
	db := testDatabase(t)
	if err := fillDemo(context.Background(), db.Gorm, testLogger(), time.UTC); err != nil {
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
	// Groups of each kind, a weekly series with past attendance, a full meetup with a waitlist.
	for q, want := range map[string]int64{
		"SELECT count(DISTINCT membership) FROM groups":                                                                   3,
		"SELECT count(*) FROM meetups WHERE series_id IS NOT NULL AND title = 'Soepcafé'":                                 12,
		"SELECT count(*) FROM meetups WHERE title = 'Fietsherstelles' AND seats_taken = capacity AND waitlist_count = 3":  1,
		"SELECT count(DISTINCT c.meetup_id) FROM checkins c JOIN meetups m ON m.id = c.meetup_id WHERE m.ends_at < now()": 3,
	} {
		if n := countRows(t, a, q); n != want {
			t.Errorf("%s = %d, want %d", q, n, want)
		}
	}
	if err := fillDemo(context.Background(), db.Gorm, testLogger(), time.UTC); err != nil {
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
