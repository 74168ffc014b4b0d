package main

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"nabij/models"
)

// mtSignUp sends one sign-up with a bearer token; safe to call from many goroutines at once.
func (w *mtWorld) mtSignUp(token string, meetupID int64, status string) (mtRSVP, error) {
	req := httptest.NewRequest("POST", "/api/v1/meetups/"+itoa(meetupID)+"/rsvp", strings.NewReader(`{"status":"`+status+`","companions":0}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := w.f.Test(req, -1)
	if err != nil {
		return mtRSVP{}, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var r mtRSVP
	if resp.StatusCode != 200 || json.Unmarshal(body, &r) != nil {
		return r, fmt.Errorf("sign-up answered %d %s", resp.StatusCode, body)
	}
	return r, nil
}

// TestTwoHundredSimultaneousSignUpsFillTwentyPlacesThenAWaitlistInArrivalOrder is the fairness
// promise: 200 people press "I'm going" at once for 20 places. Exactly 20 go, 180 wait in the
// order the database decided their sign-ups, and each is told their true place in line; then 10
// who were going cancel at once, and exactly the first 10 in line get their places.
func TestTwoHundredSimultaneousSignUpsFillTwentyPlacesThenAWaitlistInArrivalOrder(t *testing.T) {
	t.Parallel()
	w := mtNew(t)
	m := w.meetup(w.wc, w.mtBody("Volkskeuken", tomorrow(), 20))
	ctx, db := t.Context(), w.a.db.Gorm
	tokens := make([]string, 200)
	for i := range tokens {
		u := w.resident(fmt.Sprintf("Buur%03d", i))
		_, secret, err := models.CreateToken(ctx, db, u.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		tokens[i] = secret
	}

	answers := fire(t, len(tokens), func(i int) (mtRSVP, error) { return w.mtSignUp(tokens[i], m.ID, "going") })
	byRSVP := map[int64]mtRSVP{}
	going, waiting := 0, 0
	for _, a := range answers {
		byRSVP[a.RSVPID] = a
		switch a.Status {
		case "going":
			going++
		case "waitlisted":
			waiting++
		}
	}
	if going != 20 || waiting != 180 || len(byRSVP) != 200 {
		t.Fatalf("answers: %d going, %d waitlisted, %d distinct sign-ups", going, waiting, len(byRSVP))
	}
	var rows []struct {
		ID     int64
		Status string
	}
	if err := db.Raw("SELECT id, status FROM rsvps WHERE meetup_id = ? ORDER BY arrival", m.ID).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	var line []int64 // the waitlist in order of arrival
	for i, r := range rows {
		a := byRSVP[r.ID]
		if a.Status != r.Status || (i < 20) != (r.Status == "going") {
			t.Fatalf("arrival %d: stored %s, answered %s", i+1, r.Status, a.Status)
		}
		if r.Status == "waitlisted" {
			line = append(line, r.ID)
			if a.Position != len(line) {
				t.Errorf("arrival %d was told waitlist position %d, but is number %d in line", i+1, a.Position, len(line))
			}
		}
	}
	if n := w.count("SELECT seats_taken FROM meetups WHERE id = ?", m.ID); n != 20 {
		t.Fatalf("%d places taken of 20", n)
	}

	// Ten who are going cancel at the same moment.
	var leavers []int
	for i := range tokens {
		if byRSVP[answers[i].RSVPID].Status == "going" && len(leavers) < 10 {
			leavers = append(leavers, i)
		}
	}
	cancels := fire(t, len(leavers), func(i int) (mtRSVP, error) { return w.mtSignUp(tokens[leavers[i]], m.ID, "not_going") })
	for _, c := range cancels {
		if c.Status != "not_going" || c.SeatsLeft == nil || *c.SeatsLeft != 0 {
			t.Errorf("cancellation answered %+v: the freed place should have gone to the waitlist at once", c)
		}
	}
	var promoted []int64
	db.Raw("SELECT id FROM rsvps WHERE meetup_id = ? AND promoted_at IS NOT NULL ORDER BY promoted_at, arrival", m.ID).Scan(&promoted)
	if !slices.Equal(promoted, line[:10]) {
		t.Fatalf("promoted %v, want the first ten in line %v", promoted, line[:10])
	}
	var counts struct{ SeatsTaken, WaitlistCount int }
	db.Raw("SELECT seats_taken, waitlist_count FROM meetups WHERE id = ?", m.ID).Scan(&counts)
	if counts.SeatsTaken != 20 || counts.WaitlistCount != 170 {
		t.Fatalf("after the cancellations: %+v", counts)
	}
	for i, id := range line[10:] {
		if p, _ := models.WaitlistPosition(ctx, db, id); p != i+1 {
			t.Fatalf("sign-up %d is number %d in line, want %d", id, p, i+1)
		}
	}
	if n := w.count("SELECT count(*) FROM notifications WHERE kind = 'waitlist_promoted' AND meetup_id = ?", m.ID); n != 10 {
		t.Errorf("%d people told they got a place, want 10", n)
	}
}

// fire runs n calls at the same moment and returns their answers by index.
func fire(t *testing.T, n int, call func(i int) (mtRSVP, error)) []mtRSVP {
	t.Helper()
	out := make([]mtRSVP, n)
	errs := make([]error, n)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		done.Go(func() {
			start.Wait()
			out[i], errs[i] = call(i)
		})
	}
	start.Done()
	done.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestBadSignUpsAreExplainedAndChangeNothing(t *testing.T) {
	t.Parallel()
	w := mtNew(t)
	ann := w.resident("Ann")
	ac := w.as(ann)
	m := w.meetup(w.wc, w.mtBody("Soepcafé", tomorrow(), 10))
	rsvp := func(id int64, body map[string]any) (int, string) {
		return ac.call("POST", "/api/v1/meetups/"+itoa(id)+"/rsvp", body)
	}
	if status, out := rsvp(m.ID, map[string]any{"status": "going", "companions": 1}); status != 200 {
		t.Fatalf("sign up = %d %s", status, out)
	}
	says := func(id string) string { return w.a.views.translate("nl", id, nil) }
	cancelled := w.meetup(w.wc, w.mtBody("Afgelast", tomorrow(), 10))
	if status, out := w.wc.call("POST", "/api/v1/meetups/"+itoa(cancelled.ID)+"/cancel", map[string]any{"reason": "Storm"}); status != 200 {
		t.Fatalf("cancel = %d %s", status, out)
	}
	past := w.meetup(w.wc, w.mtBody("Voorbij", time.Now().Add(-72*time.Hour), 10))
	cases := []struct {
		name     string
		meetup   int64
		body     map[string]any
		field    string
		msgID    string
		wantCode int
	}{
		{"signing up twice", m.ID, map[string]any{"status": "going", "companions": 1}, "status", "rsvp.already", 422},
		{"a cancelled meetup", cancelled.ID, map[string]any{"status": "going"}, "meetup", "rsvp.meetup_cancelled", 422},
		{"a past meetup", past.ID, map[string]any{"status": "going"}, "meetup", "rsvp.meetup_past", 422},
		{"too many companions", m.ID, map[string]any{"status": "going", "companions": 11}, "companions", "rsvp.companions.invalid", 422},
		{"an unknown status", m.ID, map[string]any{"status": "maybe"}, "status", "rsvp.status.invalid", 422},
	}
	for _, tc := range cases {
		status, out := rsvp(tc.meetup, tc.body)
		if status != tc.wantCode || decodeErr(t, out).Error.Fields[tc.field] != says(tc.msgID) {
			t.Errorf("%s: %d %s", tc.name, status, out)
		}
	}
	if n := w.count("SELECT count(*) FROM rsvps"); n != 1 {
		t.Errorf("%d sign-ups stored, want only the first", n)
	}
	if n := w.count("SELECT seats_taken FROM meetups WHERE id = ?", m.ID); n != 2 {
		t.Errorf("%d places taken, want 2", n)
	}
	if status, _ := w.anon().call("POST", "/api/v1/meetups/"+itoa(m.ID)+"/rsvp", map[string]any{"status": "going"}); status != 401 {
		t.Errorf("signing up without an account over the member API = %d", status)
	}

	// The page says the same on the sign-up form.
	_, _ = ac.page("/meetups/" + itoa(m.ID))
	resp, page := ac.submit("/meetups/"+itoa(m.ID)+"/rsvp", url.Values{"status": {"going"}, "companions": {"1"}})
	if resp.StatusCode != 422 || !strings.Contains(page, says("rsvp.already")) {
		t.Errorf("signing up twice on the page = %d", resp.StatusCode)
	}
	_, page = ac.page("/meetups/" + itoa(past.ID))
	if !strings.Contains(page, "Inschrijven kan niet (meer)") || strings.Contains(page, `action="/meetups/`+itoa(past.ID)+`/rsvp"`) {
		t.Errorf("a past meetup offers to sign up")
	}
}

func TestSigningUpOnThePageShowsWhereIStand(t *testing.T) {
	t.Parallel()
	w := mtNew(t)
	m := w.meetup(w.wc, w.mtBody("Soepcafé", tomorrow(), 2))
	id := itoa(m.ID)
	ann, bob := w.as(w.resident("Ann")), w.as(w.resident("Bob"))
	_, page := ann.page("/meetups/" + id)
	if !strings.Contains(page, "Je bent niet ingeschreven.") || !strings.Contains(page, "Ik kom") {
		t.Fatalf("not signed up: the page lacks the state or the button")
	}
	resp, _ := ann.submit("/meetups/"+id+"/rsvp", url.Values{"status": {"going"}, "companions": {"1"}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/meetups/"+id+"#my-rsvp" {
		t.Fatalf("sign up = %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page = ann.page("/meetups/" + id)
	if !strings.Contains(page, "Je komt, met 1 mee") || !strings.Contains(page, "Volzet") || !strings.Contains(page, "Ik kan niet komen") {
		t.Errorf("going with a companion: the page does not say so")
	}
	_, page = bob.page("/meetups/" + id)
	if !strings.Contains(page, "Zet me op de wachtlijst") {
		t.Errorf("a full meetup does not offer the waitlist")
	}
	_, _ = bob.submit("/meetups/"+id+"/rsvp", url.Values{"status": {"going"}, "companions": {"0"}})
	_, page = bob.page("/meetups/" + id)
	if !strings.Contains(page, "Op de wachtlijst, plaats 1") || !strings.Contains(page, "Haal me van de wachtlijst") {
		t.Errorf("waitlisted: the page does not show the position")
	}
	status, out := bob.call("GET", "/api/v1/meetups/"+id, nil)
	if got := fxDecode[mtMeetup](t, out); status != 200 || got.MyRSVP == nil || got.MyRSVP.Status != "waitlisted" || got.MyRSVP.Position != 1 || *got.SeatsLeft != 0 {
		t.Errorf("API my_rsvp = %s", out)
	}
	_, _ = ann.page("/meetups/" + id)
	if resp, _ := ann.submit("/meetups/"+id+"/rsvp", url.Values{"status": {"not_going"}}); resp.StatusCode != 303 {
		t.Fatalf("not going = %d", resp.StatusCode)
	}
	if _, page = bob.page("/meetups/" + id); !strings.Contains(page, ">Je komt<") {
		t.Errorf("Bob did not get the freed place")
	}
}

func TestAWorkerSignsUpAResidentOnTheirBehalf(t *testing.T) {
	t.Parallel()
	w := mtNew(t)
	m := w.meetup(w.wc, w.mtBody("Soepcafé", tomorrow(), 1))
	id := itoa(m.ID)
	ann, bob := w.resident("Ann"), w.resident("Bob")
	_, page := w.wc.page("/meetups/" + id)
	if !strings.Contains(page, `name="user_id"`) || !strings.Contains(page, ">Ann") {
		t.Fatalf("the worker is not offered the residents to sign up")
	}
	resp, _ := w.wc.submit("/meetups/"+id+"/rsvp", url.Values{"status": {"going"}, "user_id": {itoa(ann.ID)}, "companions": {"0"}})
	if resp.StatusCode != 303 {
		t.Fatalf("sign up on behalf = %d", resp.StatusCode)
	}
	if _, page := w.wc.page(resp.Header.Get("Location")); !strings.Contains(page, "De bewoner is ingeschreven.") {
		t.Errorf("no confirmation for the worker")
	}
	if n := w.count("SELECT count(*) FROM rsvps WHERE user_id = ? AND signed_up_by = ? AND status = 'going'", ann.ID, w.worker.ID); n != 1 {
		t.Errorf("Ann's sign-up by the worker is not stored")
	}
	status, out := w.wc.call("POST", "/api/v1/meetups/"+id+"/rsvp", map[string]any{"status": "going", "user_id": bob.ID})
	if got := fxDecode[mtRSVP](t, out); status != 200 || got.Status != "waitlisted" || got.Position != 1 {
		t.Errorf("API sign-up on behalf = %d %s", status, out)
	}
	if _, page := w.as(bob).page("/meetups/" + id); strings.Contains(page, `name="user_id"`) {
		t.Errorf("a resident is offered to sign up others")
	}
	if status, _ := w.as(bob).call("POST", "/api/v1/meetups/"+id+"/rsvp", map[string]any{"status": "going", "user_id": ann.ID}); status != 403 {
		t.Errorf("a resident signs up someone else = %d", status)
	}
}

var mtPrivateLink = regexp.MustCompile(`/rsvp/([A-Za-z0-9_-]{20,})`)

func TestAGuestSignsUpWithoutAnAccountAndCancelsThroughTheirPrivateLink(t *testing.T) {
	t.Parallel()
	w := mtNew(t)
	m := w.meetup(w.wc, w.mtBody("Soepcafé", tomorrow(), 2))
	id := itoa(m.ID)
	guest := w.anon()
	_, page := guest.page("/meetups/" + id)
	if !strings.Contains(page, `action="/meetups/`+id+`/guests"`) {
		t.Fatalf("no guest form for someone without an account")
	}
	resp, page := guest.submit("/meetups/"+id+"/guests", url.Values{"name": {""}, "phone": {"12"}})
	page = html.UnescapeString(page)
	if resp.StatusCode != 422 || !strings.Contains(page, w.a.views.translate("nl", "guest.name.required", nil)) ||
		!strings.Contains(page, w.a.views.translate("nl", "guest.phone.invalid", nil)) {
		t.Errorf("guest without a name = %d", resp.StatusCode)
	}
	resp, _ = guest.submit("/meetups/"+id+"/guests", url.Values{"name": {"Fatima"}, "phone": {"0470 12 34 56"}, "companions": {"1"}})
	link := resp.Header.Get("Location")
	if resp.StatusCode != 303 || !mtPrivateLink.MatchString(link) {
		t.Fatalf("guest sign-up = %d %s", resp.StatusCode, link)
	}
	_, page = guest.page(link)
	private := strings.TrimSuffix(link, "?new=1")
	if !strings.Contains(page, "Bewaar deze link") || !strings.Contains(page, w.a.cfg.BaseURL+private) ||
		!strings.Contains(page, "Je komt, met 1 mee") || !strings.Contains(page, "Soepcafé") {
		t.Fatalf("the private link page does not show the link and the sign-up")
	}
	if n := w.count("SELECT seats_taken FROM meetups WHERE id = ?", m.ID); n != 2 {
		t.Fatalf("%d places taken by the guest and a companion", n)
	}

	// Someone else opens the link later, in another browser: it still works, and cancels.
	other := w.anon()
	_, page = other.page(private)
	if strings.Contains(page, "Bewaar deze link") || !strings.Contains(page, "Inschrijving van Fatima") {
		t.Errorf("the link opened later")
	}
	if resp, _ := other.submit(private+"/cancel", nil); resp.StatusCode != 303 {
		t.Fatalf("cancel through the link = %d", resp.StatusCode)
	}
	if _, page = other.page(private); !strings.Contains(page, "Je komt niet") {
		t.Errorf("the link does not show the cancellation")
	}
	if n := w.count("SELECT seats_taken FROM meetups WHERE id = ?", m.ID); n != 0 {
		t.Errorf("%d places still taken after the guest cancelled", n)
	}
	if resp, _ := other.page("/rsvp/not-a-real-token-at-all-000000"); resp.StatusCode != 404 {
		t.Errorf("a made-up link = %d", resp.StatusCode)
	}

	// The API does the same.
	status, out := w.anon().call("POST", "/api/v1/meetups/"+id+"/guests", map[string]any{"name": "Jan", "email": "jan@example.org"})
	got := fxDecode[mtRSVP](t, out)
	if status != 201 || got.Status != "going" || got.Token == "" || got.Link != w.a.cfg.BaseURL+"/rsvp/"+got.Token {
		t.Fatalf("API guest sign-up = %d %s", status, out)
	}
	if resp, _ := w.anon().page("/rsvp/" + got.Token); resp.StatusCode != 200 {
		t.Errorf("the API's link = %d", resp.StatusCode)
	}
	status, out = w.anon().call("POST", "/api/v1/meetups/"+id+"/guests", map[string]any{"name": "Jan", "email": "geen adres"})
	if status != 422 || decodeErr(t, out).Error.Fields["email"] == "" {
		t.Errorf("API guest with a bad email address = %d %s", status, out)
	}
}
