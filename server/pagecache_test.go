package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	"nabij/models"
)

// TestKeptAgendasAndListsShowEveryChangeAtOnce reads the agenda (not signed in) and the API's
// list (as a resident) over and over while the meetups change: the answers are kept between
// requests, and every change shows in the very next one.
func TestKeptAgendasAndListsShowEveryChangeAtOnce(t *testing.T) {
	t.Parallel()
	w := mtNew(t)
	m := w.meetup(w.wc, w.mtBody("Soep", tomorrow(), 2))
	ann, bob := w.resident("Ann"), w.resident("Bob")
	_, annToken, err := models.CreateToken(t.Context(), w.a.db.Gorm, ann.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	anon, script := w.anon(), w.withBearer(annToken)
	agenda, list := "/neighbourhoods/"+itoa(w.hood)+"/agenda", "/api/v1/meetups?neighbourhood="+itoa(w.hood)
	check := func(what string, titles []string, seats string, annAlso ...string) {
		t.Helper()
		for range 2 { // made, then kept
			resp, page := anon.page(agenda)
			if got := mtTitles(page); resp.StatusCode != 200 || !slices.Equal(got, titles) || !strings.Contains(page, seats) {
				t.Fatalf("%s: agenda = %d %v, want %v with %q", what, resp.StatusCode, got, titles, seats)
			}
			titles := append(slices.Clip(titles), annAlso...)
			status, out := script.call("GET", list, nil)
			var got []string
			for _, m := range fxDecode[struct{ Meetups []mtMeetup }](t, out).Meetups {
				got = append(got, m.Title)
			}
			if status != 200 || !slices.Equal(got, titles) {
				t.Fatalf("%s: API list = %d %v, want %v", what, status, got, titles)
			}
		}
	}
	check("at first", []string{"Soep"}, "Nog plaatsen: 2")
	if len(w.a.pages.entries) != 2 {
		t.Fatalf("%d answers kept, want the agenda and the list", len(w.a.pages.entries))
	}
	if _, err := w.mtSignUp(annToken, m.ID, "going"); err != nil {
		t.Fatal(err)
	}
	check("after a sign-up", []string{"Soep"}, "Nog plaatsen: 1")
	if status, out := w.wc.call("PATCH", "/api/v1/meetups/"+itoa(m.ID), map[string]any{"title": "Soep op vrijdag"}); status != 200 {
		t.Fatalf("rename = %d %s", status, out)
	}
	check("after a new title", []string{"Soep op vrijdag"}, "Nog plaatsen: 1")
	g := w.privateGroup(ann, bob)
	secret := w.mtBody("Moederkoffie", tomorrow().Add(time.Hour), 0)
	secret["group_id"] = g.ID
	w.meetup(w.as(ann), secret)
	check("after a private group's meetup, which ann sees", []string{"Soep op vrijdag"}, "Nog plaatsen: 1", "Moederkoffie")
}
