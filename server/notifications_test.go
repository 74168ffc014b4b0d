package main

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"nabij/models"
)

func TestAPersonOffTheWaitlistSeesABadgeAndTheMessage(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	hood := w.hood("Rabot")
	worker := w.person("Wendy", models.RoleWorker, hood)
	ann := w.person("Ann", models.RoleResident, hood)
	bob := w.person("Bob", models.RoleResident, hood)
	ctx := t.Context()
	title, capacity := "Soepcafé", 1
	start := time.Now().Add(48 * time.Hour)
	end := start.Add(2 * time.Hour)
	m, err := models.CreateMeetup(ctx, w.a.db.Gorm, worker, models.NewMeetup{NeighbourhoodID: hood, MeetupInput: models.MeetupInput{
		Title: &title, StartsAt: &start, EndsAt: &end, Capacity: &capacity, Place: &models.Place{Name: "Buurthuis"}, Publish: true}}, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []*models.User{ann, bob} {
		if _, err := models.SetRSVP(ctx, w.a.db.Gorm, u, m.ID, models.RSVPInput{Status: models.RSVPGoing}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := models.SetRSVP(ctx, w.a.db.Gorm, ann, m.ID, models.RSVPInput{Status: models.RSVPNotGoing}); err != nil {
		t.Fatal(err)
	}

	b := w.as(bob)
	_, home := b.page("/")
	if !strings.Contains(home, `class="badge"`) || !strings.Contains(home, "Nieuwe berichten: 1") {
		t.Errorf("no badge for one unread message on the home page")
	}
	_, body := b.page("/notifications")
	if !strings.Contains(body, "er kwam een plaats vrij bij Soepcafé") || !strings.Contains(body, "/meetups/"+itoa(m.ID)) {
		t.Errorf("the message about the place is not on the page:\n%s", body)
	}
	if _, home := b.page("/"); strings.Contains(home, `class="badge"`) {
		t.Errorf("the badge stays after reading the messages")
	}
	status, out := b.call("GET", "/api/v1/me/notifications", nil)
	var got struct {
		Notifications []struct {
			Kind     string `json:"kind"`
			MeetupID int64  `json:"meetup_id"`
		} `json:"notifications"`
		Unread int `json:"unread"`
	}
	if status != 200 || json.Unmarshal([]byte(out), &got) != nil || len(got.Notifications) != 1 ||
		got.Notifications[0].Kind != "waitlist_promoted" || got.Notifications[0].MeetupID != m.ID || got.Unread != 0 {
		t.Errorf("API: %d %s", status, out)
	}
	if _, body := w.as(ann).page("/notifications"); strings.Contains(body, "Soepcafé") {
		t.Errorf("ann sees bob's message")
	}
}

func TestOnlyTheOrganiserAnnouncesAndEveryoneSignedUpReadsIt(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	hood := w.hood("Rabot")
	worker := w.person("Wendy", models.RoleWorker, hood)
	ann := w.person("Ann", models.RoleResident, hood)
	ctx := t.Context()
	title := "Wandeling"
	start := time.Now().Add(48 * time.Hour)
	end := start.Add(2 * time.Hour)
	m, err := models.CreateMeetup(ctx, w.a.db.Gorm, worker, models.NewMeetup{NeighbourhoodID: hood, MeetupInput: models.MeetupInput{
		Title: &title, StartsAt: &start, EndsAt: &end, Place: &models.Place{Name: "Kerkplein"}, Publish: true}}, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.SetRSVP(ctx, w.a.db.Gorm, ann, m.ID, models.RSVPInput{Status: models.RSVPGoing}); err != nil {
		t.Fatal(err)
	}
	path := "/meetups/" + itoa(m.ID) + "/announce"
	a := w.as(ann)
	if resp, _ := a.page(path); resp.StatusCode != 403 {
		t.Errorf("a resident opens the announce form: %d", resp.StatusCode)
	}
	if status, _ := a.call("POST", "/api/v1/meetups/"+itoa(m.ID)+"/announcements", map[string]string{"body": "Hallo"}); status != 403 {
		t.Errorf("a resident announces over the API: %d", status)
	}
	o := w.as(worker)
	o.page(path)
	resp, body := o.submit(path, url.Values{"body": {"  "}})
	if resp.StatusCode != 422 || !strings.Contains(body, "Schrijf eerst je bericht") {
		t.Errorf("empty announcement: %d", resp.StatusCode)
	}
	resp, body = o.submit(path, url.Values{"body": {"Stevige schoenen aan!"}})
	if resp.StatusCode != 200 || !strings.Contains(body, "Aantal mensen dat het kreeg: 1.") {
		t.Errorf("announcement: %d %s", resp.StatusCode, body)
	}
	if _, body := a.page("/notifications"); !strings.Contains(body, "Stevige schoenen aan!") || !strings.Contains(body, "Wendy stuurt een bericht over Wandeling") {
		t.Errorf("ann does not read the announcement")
	}
}
