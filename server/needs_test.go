package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"nabij/models"
)

// vtMatches is the ranking as the API shows it.
type vtMatches struct {
	Shift      vtShift `json:"shift"`
	Volunteers []struct {
		UserID      int64  `json:"user_id"`
		DisplayName string `json:"display_name"`
		Score       int    `json:"score"`
		Invited     bool   `json:"invited"`
		Reasons     []struct {
			ID   string `json:"id"`
			Text string `json:"text"`
		} `json:"reasons"`
	} `json:"volunteers"`
}

func (m vtMatches) texts(i int) string {
	var out []string
	for _, r := range m.Volunteers[i].Reasons {
		out = append(out, r.Text)
	}
	return strings.Join(out, "; ")
}

// TestFromANeedToHoursThroughTheAPI is the whole path: a worker asks for help on a resident's
// behalf, sees the best volunteers with reasons in plain words, invites one, who accepts from
// her invitations, checks in with "I'm here" and sees her hours.
func TestFromANeedToHoursThroughTheAPI(t *testing.T) {
	t.Parallel()
	w := vtNew(t)
	amalIn := w.vtProfile()
	amalIn["skills"] = []int{103, 301}
	amalIn["interests"] = []string{"company"}
	amal, ac := w.volunteer("Amal", amalIn)
	bilalIn := w.vtProfile()
	bilalIn["availability"] = []map[string]any{{"weekday": 2, "start": "19:00", "end": "22:00"}}
	w.volunteer("Bilal", bilalIn)
	w.volunteer("Chris", map[string]any{"skills": []int{103}, "languages": []string{"nl"}, "neighbourhoods": []int64{w.hood},
		"availability": []map[string]any{{"weekday": 2, "start": "18:00", "end": "21:00"}}, "consent_to_ask": true})
	rosa := w.person("Rosa", models.RoleResident, w.hood)

	body := w.needBody("Boodschappen doen met Rosa", vtTuesday(), 1)
	body["resident_id"], body["required_skills"], body["nice_skills"], body["languages"] = rosa.ID, []int{103}, []int{301}, []string{"ar"}
	need := w.need(w.wc, body)
	if !need.CanOrganise || len(need.Shifts) != 1 || need.Shifts[0].PlacesLeft != 1 {
		t.Fatalf("created need %+v", need)
	}
	status, out := w.wc.call("GET", "/api/v1/needs/"+itoa(need.ID)+"/matches", nil)
	if status != 200 {
		t.Fatalf("matches = %d %s", status, out)
	}
	m := fxDecode[vtMatches](t, out)
	if len(m.Volunteers) != 2 || m.Volunteers[0].DisplayName != "Amal" || m.Volunteers[1].DisplayName != "Bilal" {
		t.Fatalf("ranking %s", out)
	}
	want := "spreekt Arabisch; kan wat nodig is: samen boodschappen doen; ook handig: hulp met de smartphone; vrij op dinsdagavond; " +
		"helpt in deze buurt; heeft interesse in gezelschap en zorg"
	if got := m.texts(0); got != want {
		t.Errorf("Amal's reasons:\n%s\nwant\n%s", got, want)
	}
	req := httpGet(t, w.wc, "/api/v1/needs/"+itoa(need.ID)+"/matches", "en")
	if got := fxDecode[vtMatches](t, req).texts(1); !strings.Contains(got, "speaks Arabic") || !strings.Contains(got, "partly free on Tuesday evenings") {
		t.Errorf("Bilal's reasons in English: %s", got)
	}

	status, out = w.wc.call("POST", "/api/v1/needs/"+itoa(need.ID)+"/invitations",
		map[string]any{"shift_id": need.Shifts[0].ID, "user_ids": []int64{amal.ID}, "message": "Rosa kent je al!"})
	if status != 201 {
		t.Fatalf("invite = %d %s", status, out)
	}
	status, out = ac.call("GET", "/api/v1/me/need-invitations", nil)
	invs := fxDecode[struct {
		Invitations []struct {
			ID        int64  `json:"id"`
			Status    string `json:"status"`
			NeedTitle string `json:"need_title"`
		} `json:"invitations"`
	}](t, out)
	if status != 200 || len(invs.Invitations) != 1 || invs.Invitations[0].NeedTitle != "Boodschappen doen met Rosa" {
		t.Fatalf("Amal's invitations = %d %s", status, out)
	}
	_, out = ac.call("GET", "/api/v1/me/notifications", nil)
	if !strings.Contains(out, `"kind":"volunteer_invited"`) || !strings.Contains(out, `"need_title":"Boodschappen doen met Rosa"`) {
		t.Errorf("Amal's notifications: %s", out)
	}
	status, out = ac.call("POST", "/api/v1/need-invitations/"+itoa(invs.Invitations[0].ID), map[string]any{"accept": true})
	if status != 200 || !strings.Contains(out, `"status":"signed_up"`) {
		t.Fatalf("accept = %d %s", status, out)
	}
	_, out = ac.call("GET", "/api/v1/needs/"+itoa(need.ID), nil)
	if got := fxDecode[vtNeed](t, out); got.Status != "filled" || got.Shifts[0].MySignup == nil || got.Shifts[0].MySignup.Status != "signed_up" {
		t.Errorf("the need for Amal: %s", out)
	}
	_, out = ac.call("GET", "/api/v1/me/shifts", nil)
	if !strings.Contains(out, `"title":"Boodschappen doen met Rosa"`) {
		t.Errorf("Amal's shifts: %s", out)
	}
	_, out = w.wc.call("GET", "/api/v1/me/notifications", nil)
	if !strings.Contains(out, `"kind":"invitation_accepted"`) {
		t.Errorf("the worker's notifications: %s", out)
	}

	// The shift is about to start: "I'm here" records its 90 minutes.
	w.a.db.Gorm.Exec("UPDATE shifts SET starts_at = now() + interval '10 minutes', ends_at = now() + interval '100 minutes' WHERE id = ?", need.Shifts[0].ID)
	if status, out := ac.call("POST", "/api/v1/shifts/"+itoa(need.Shifts[0].ID)+"/checkins", nil); status != 201 || !strings.Contains(out, `"minutes":90`) {
		t.Fatalf("I'm here = %d %s", status, out)
	}
	_, out = ac.call("GET", "/api/v1/me/hours", nil)
	if !strings.Contains(out, `"confirmed_minutes":90`) {
		t.Errorf("Amal's hours: %s", out)
	}
}

// httpGet reads a path as c in another language (the language switch's cookie).
func httpGet(t *testing.T, c *fxClient, path, lang string) string {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	req.AddCookie(&http.Cookie{Name: langCookie, Value: lang})
	for _, k := range c.cookies {
		req.AddCookie(k)
	}
	resp, body := do(t, c.w.f, req)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s = %d %s", path, resp.StatusCode, body)
	}
	return body
}

func TestBadNeedsAndShiftsAreExplainedAndChangeNothing(t *testing.T) {
	t.Parallel()
	w := vtNew(t)
	start := vtTuesday()
	for _, tc := range []struct {
		name, field, message string
		change               func(map[string]any)
	}{
		{"a shift that ends before it starts", "shifts.0.ends_at", "Het einde moet na het begin liggen", func(b map[string]any) {
			b["shifts"] = []map[string]any{{"starts_at": start, "ends_at": start.Add(-time.Hour), "places": 2}}
		}},
		{"an unknown skill id", "required_skills", "bestaat niet", func(b map[string]any) { b["required_skills"] = []int{103, 5555} }},
		{"no shifts", "shifts", "minstens één moment", func(b map[string]any) { b["shifts"] = []any{} }},
		{"an endless repeat", "rrule", "geen einde", func(b map[string]any) { b["rrule"] = "FREQ=WEEKLY" }},
	} {
		b := w.needBody("Klaarzetten", start, 2)
		tc.change(b)
		status, out := w.wc.call("POST", "/api/v1/needs", b)
		if e := decodeErr(t, out); status != 422 || !strings.Contains(e.Error.Fields[tc.field], tc.message) {
			t.Errorf("%s: %d %s", tc.name, status, out)
		}
	}
	if n := w.count("SELECT count(*) FROM needs"); n != 0 {
		t.Fatalf("%d needs stored from refused input", n)
	}

	need := w.need(w.wc, w.needBody("Klaarzetten", start, 2))
	shift := itoa(need.Shifts[0].ID)
	_, ac := w.volunteer("Amal", w.vtProfile())
	_, bc := w.volunteer("Bart", w.vtProfile())
	for _, c := range []*fxClient{ac, bc} {
		if status, out := c.call("POST", "/api/v1/shifts/"+shift+"/signup", nil); status != 201 {
			t.Fatalf("sign up = %d %s", status, out)
		}
	}
	status, out := ac.call("POST", "/api/v1/shifts/"+shift+"/signup", nil)
	if e := decodeErr(t, out); status != 422 || !strings.Contains(e.Error.Fields["shift"], "al ingeschreven") {
		t.Errorf("signing up twice = %d %s", status, out)
	}
	status, out = w.wc.call("PATCH", "/api/v1/shifts/"+shift, map[string]any{"places": 1})
	if e := decodeErr(t, out); status != 422 || !strings.Contains(e.Error.Fields["places"], "meer mensen ingeschreven") {
		t.Errorf("places below those taken = %d %s", status, out)
	}
	status, out = w.wc.call("PATCH", "/api/v1/shifts/"+shift, map[string]any{"ends_at": start.Add(-time.Minute)})
	if e := decodeErr(t, out); status != 422 || e.Error.Fields["ends_at"] == "" {
		t.Errorf("a shift moved to end before it starts = %d %s", status, out)
	}
	if n := w.count("SELECT places_taken FROM shifts WHERE id = ?", need.Shifts[0].ID); n != 2 {
		t.Errorf("places taken %d, want 2", n)
	}
	if n := w.count("SELECT count(*) FROM shift_signups"); n != 2 {
		t.Errorf("%d sign-ups, want 2", n)
	}
	if n := w.count("SELECT places FROM shifts WHERE id = ?", need.Shifts[0].ID); n != 2 {
		t.Errorf("places %d, want 2", n)
	}

	// An invitation nobody answered in time.
	_, cc := w.volunteer("Cas", w.vtProfile())
	cas := w.count("SELECT id FROM users WHERE username = 'cas'")
	status, out = w.wc.call("POST", "/api/v1/needs/"+itoa(need.ID)+"/invitations", map[string]any{"shift_id": need.Shifts[0].ID, "user_ids": []int64{cas}})
	if status != 201 {
		t.Fatalf("invite = %d %s", status, out)
	}
	w.a.db.Gorm.Exec("UPDATE need_invitations SET created_at = now() - interval '4 days', expires_at = now() - interval '1 hour'")
	inv := w.count("SELECT id FROM need_invitations")
	status, out = cc.call("POST", "/api/v1/need-invitations/"+itoa(inv), map[string]any{"accept": true})
	if e := decodeErr(t, out); status != 422 || !strings.Contains(e.Error.Fields["invitation"], "verlopen") {
		t.Errorf("accepting an expired invitation = %d %s", status, out)
	}
	if n := w.count("SELECT count(*) FROM shift_signups"); n != 2 {
		t.Errorf("an expired invitation made a sign-up: %d", n)
	}
	status, out = cc.call("POST", "/api/v1/need-invitations/"+itoa(inv), map[string]any{})
	if status != 422 || !strings.Contains(out, `"accept"`) {
		t.Errorf("an answer without yes or no = %d %s", status, out)
	}
}

func TestNeedsForMeAreRankedWithReasons(t *testing.T) {
	t.Parallel()
	w := vtNew(t)
	_, ac := w.volunteer("Amal", w.vtProfile())
	w.need(w.wc, w.needBody("Klaarzetten", vtTuesday(), 2))
	shop := w.needBody("Boodschappen", vtTuesday().AddDate(0, 0, 7), 1)
	shop["required_skills"] = []int{103}
	w.need(w.wc, shop)
	w.need(w.wc, w.needBody("Woensdag", vtTuesday().AddDate(0, 0, 1), 1))
	status, out := ac.call("GET", "/api/v1/me/needs", nil)
	if status != 200 {
		t.Fatalf("needs for me = %d %s", status, out)
	}
	got := fxDecode[struct {
		Needs []struct {
			Need struct {
				Title string `json:"title"`
			} `json:"need"`
			Score   int `json:"score"`
			Reasons []struct {
				Text string `json:"text"`
			} `json:"reasons"`
		} `json:"needs"`
	}](t, out)
	if len(got.Needs) != 2 || got.Needs[0].Need.Title != "Klaarzetten" || got.Needs[1].Need.Title != "Boodschappen" ||
		got.Needs[0].Reasons[0].Text != "vrij op dinsdagavond" {
		t.Errorf("needs for me: %s", out)
	}
	if status, out := w.as(w.person("Zonder", models.RoleResident, w.hood)).call("GET", "/api/v1/me/needs", nil); status != 422 ||
		!strings.Contains(out, "vrijwilligersprofiel") {
		t.Errorf("needs for someone without a profile = %d %s", status, out)
	}
	if status, _ := ac.call("GET", "/api/v1/me/needs?days=abc", nil); status != 422 {
		t.Errorf("days=abc = %d", status)
	}
}
