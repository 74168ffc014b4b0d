package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"nabij/models"
)

// Fixtures for the volunteer, need and shift tests (prefix vt): a neighbourhood whose worker
// asks for help through the API, and volunteers who say through the API what they can do.

type vtWorld struct {
	*fxWorld
	hood   int64
	worker *models.User
	wc     *fxClient // the worker, signed in
}

func vtNew(t *testing.T) *vtWorld {
	t.Helper()
	w := fxNew(t)
	hood := w.hood("Rabot")
	worker := w.person("Wendy", models.RoleWorker, hood)
	return &vtWorld{fxWorld: w, hood: hood, worker: worker, wc: w.as(worker)}
}

// vtProfile is a profile in the neighbourhood: shops together (103), speaks Arabic and Dutch, free
// on Tuesdays from 18:00 to 21:00, may be asked.
func (w *vtWorld) vtProfile() map[string]any {
	return map[string]any{"skills": []int{103}, "languages": []string{"ar", "nl"}, "neighbourhoods": []int64{w.hood},
		"availability": []map[string]any{{"weekday": 2, "start": "18:00", "end": "21:00"}}, "consent_to_ask": true,
		"phone": "0470 11 22 33", "constraints": "Geen trappen."}
}

// volunteer makes a resident with a profile saved through the API and returns them signed in.
func (w *vtWorld) volunteer(name string, profile map[string]any) (*models.User, *fxClient) {
	w.t.Helper()
	u := w.person(name, models.RoleResident, w.hood)
	c := w.as(u)
	if status, body := c.call("PUT", "/api/v1/me/volunteer", profile); status != 200 {
		w.t.Fatalf("profile of %s = %d %s", name, status, body)
	}
	return u, c
}

// vtTuesday is 18:30 on the first Tuesday at least four days ahead, in Brussels.
func vtTuesday() time.Time {
	loc, _ := time.LoadLocation("Europe/Brussels")
	d := time.Now().In(loc).AddDate(0, 0, 4)
	for d.Weekday() != time.Tuesday {
		d = d.AddDate(0, 0, 1)
	}
	return time.Date(d.Year(), d.Month(), d.Day(), 18, 30, 0, 0, loc)
}

// vtNeed is a need as the API shows it.
type vtNeed struct {
	ID          int64     `json:"id"`
	Title       string    `json:"title"`
	Status      string    `json:"status"`
	ResidentID  *int64    `json:"resident_id"`
	Resident    *struct{} `json:"resident"`
	CanOrganise bool      `json:"can_organise"`
	Shifts      []vtShift `json:"shifts"`
}

type vtShift struct {
	ID           int64     `json:"id"`
	StartsAt     time.Time `json:"starts_at"`
	Places       int       `json:"places"`
	PlacesTaken  int       `json:"places_taken"`
	ReserveCount int       `json:"reserve_count"`
	PlacesLeft   int       `json:"places_left"`
	MySignup     *struct {
		Status   string `json:"status"`
		Position int    `json:"position"`
	} `json:"my_signup"`
}

// needBody is a need of the neighbourhood with one shift of 90 minutes from start.
func (w *vtWorld) needBody(title string, start time.Time, places int) map[string]any {
	return map[string]any{"neighbourhood_id": w.hood, "title": title, "place_name": "Buurthuis De Vonk",
		"shifts": []map[string]any{{"starts_at": start, "ends_at": start.Add(90 * time.Minute), "places": places}}}
}

// need creates a need through the API as c.
func (w *vtWorld) need(c *fxClient, body map[string]any) vtNeed {
	w.t.Helper()
	status, out := c.call("POST", "/api/v1/needs", body)
	if status != 201 {
		w.t.Fatalf("create need = %d %s", status, out)
	}
	return fxDecode[vtNeed](w.t, out)
}

func TestAVolunteerKeepsTheirProfileThroughTheAPI(t *testing.T) {
	t.Parallel()
	w := vtNew(t)
	_, c := w.volunteer("Amal", w.vtProfile())
	status, body := c.call("GET", "/api/v1/me/volunteer", nil)
	if status != 200 {
		t.Fatalf("GET = %d %s", status, body)
	}
	p := fxDecode[models.VolunteerProfile](t, body)
	if fmt.Sprint(p.Skills) != "[103]" || *p.Phone != "0470112233" || len(p.Availability) != 1 || p.Availability[0].End != "21:00" {
		t.Errorf("profile %s", body)
	}
	status, body = c.call("GET", "/api/v1/skills", nil)
	if status != 200 || !strings.Contains(body, `"name":"samen boodschappen doen"`) || !strings.Contains(body, `"id":103`) {
		t.Errorf("skills catalog = %d %.300s", status, body)
	}
	if status, _ := c.call("DELETE", "/api/v1/me/volunteer", nil); status != 204 {
		t.Errorf("stop volunteering = %d", status)
	}
	if status, _ := c.call("GET", "/api/v1/me/volunteer", nil); status != 404 {
		t.Errorf("GET after stopping = %d", status)
	}
}

func TestBadProfilesAreExplainedPerFieldAndChangeNothing(t *testing.T) {
	t.Parallel()
	w := vtNew(t)
	_, c := w.volunteer("Amal", w.vtProfile())
	_, before := c.call("GET", "/api/v1/me/volunteer", nil)
	for _, tc := range []struct {
		name, field, message string
		change               func(map[string]any)
	}{
		{"an unknown skill id", "skills", "Een van de vaardigheden bestaat niet", func(p map[string]any) { p["skills"] = []int{103, 7777} }},
		{"overlapping slots", "availability", "Twee momenten overlappen", func(p map[string]any) {
			p["availability"] = []map[string]any{{"weekday": 2, "start": "18:00", "end": "21:00"}, {"weekday": 2, "start": "20:00", "end": "22:00"}}
		}},
		{"a slot past midnight", "availability", "Deel een nacht in twee", func(p map[string]any) {
			p["availability"] = []map[string]any{{"weekday": 5, "start": "22:00", "end": "02:00"}}
		}},
		{"no neighbourhood", "neighbourhoods", "Kies minstens één buurt", func(p map[string]any) { p["neighbourhoods"] = []int64{} }},
		{"a backwards absence", "away", "eindigt op of na de eerste dag", func(p map[string]any) {
			p["away"] = []map[string]string{{"from": "2030-07-14", "to": "2030-07-01"}}
		}},
	} {
		p := w.vtProfile()
		tc.change(p)
		status, body := c.call("PUT", "/api/v1/me/volunteer", p)
		e := decodeErr(t, body)
		if status != 422 || !strings.Contains(e.Error.Fields[tc.field], tc.message) {
			t.Errorf("%s: %d %s", tc.name, status, body)
		}
	}
	if _, after := c.call("GET", "/api/v1/me/volunteer", nil); after != before {
		t.Errorf("refused saves changed the profile:\n%s\n%s", before, after)
	}
}

func TestAWorkerMakesAProfileForAResidentWithConsent(t *testing.T) {
	t.Parallel()
	w := vtNew(t)
	mireille := w.person("Mireille", models.RoleResident, w.hood)
	p := w.vtProfile()
	path := "/api/v1/users/" + itoa(mireille.ID) + "/volunteer"
	status, body := w.wc.call("PUT", path, p)
	if status != 422 || !strings.Contains(decodeErr(t, body).Error.Fields["consent"], "akkoord") {
		t.Fatalf("without consent = %d %s", status, body)
	}
	p["consent"] = true
	if status, body := w.wc.call("PUT", path, p); status != 200 || !strings.Contains(body, fmt.Sprintf(`"consent_recorded_by":%d`, w.worker.ID)) {
		t.Fatalf("with consent = %d %s", status, body)
	}
	other := w.as(w.person("Els", models.RoleWorker, w.hood2("Brugse Poort")))
	if status, _ := other.call("PUT", path, p); status != 403 {
		t.Errorf("a worker of another neighbourhood = %d, want 403", status)
	}
	if status, body := w.as(mireille).call("GET", "/api/v1/me/volunteer", nil); status != 200 || !strings.Contains(body, `"consent_to_ask":true`) {
		t.Errorf("Mireille sees her profile = %d %s", status, body)
	}
}

// hood2 makes another neighbourhood.
func (w *vtWorld) hood2(name string) int64 { return w.fxWorld.hood(name) }

// TestVolunteerPrivacyOnEveryPath tries every volunteer endpoint as everyone who must not use it:
// anonymous callers are asked to sign in, the others are refused (403) or, where even the
// existence is private, told it is not there (404). Nothing changes.
func TestVolunteerPrivacyOnEveryPath(t *testing.T) {
	t.Parallel()
	w := vtNew(t)
	boss := w.person("Sanne", models.RoleCoordinator, 0)
	poort := w.hood2("Brugse Poort")
	otherWorker := w.person("Els", models.RoleWorker, poort)
	vera, vc := w.volunteer("Vera", w.vtProfile())
	_, bc := w.volunteer("Bart", w.vtProfile())
	rosa := w.person("Rosa", models.RoleResident, w.hood)
	body := w.needBody("Boodschappen met Rosa", vtTuesday(), 2)
	body["resident_id"] = rosa.ID
	need := w.need(w.wc, body)
	shift := need.Shifts[0].ID
	private := w.needBody("Bij mevrouw thuis", vtTuesday(), 1)
	private["access"] = "invitation"
	closed := w.need(w.wc, private)
	if status, out := vc.call("POST", "/api/v1/shifts/"+itoa(shift)+"/signup", nil); status != 201 {
		t.Fatalf("Vera signs up = %d %s", status, out)
	}
	hoursBefore := w.count("SELECT count(*) FROM volunteer_hours")
	clients := map[string]*fxClient{"anonymous": w.anon(), "volunteer": bc, "other worker": w.as(otherWorker),
		"resident": w.as(rosa), "coordinator": w.as(boss)}
	n, s, v := itoa(need.ID), itoa(shift), itoa(vera.ID)
	for _, tc := range []struct {
		method, path string
		body         any
		refused      map[string]int // besides anonymous, who always gets 401
	}{
		{"GET", "/api/v1/needs/" + n + "/matches", nil, map[string]int{"volunteer": 403, "other worker": 403, "resident": 403}},
		{"POST", "/api/v1/needs/" + n + "/invitations", map[string]any{"shift_id": shift, "user_ids": []int64{vera.ID}},
			map[string]int{"volunteer": 403, "other worker": 403, "resident": 403}},
		{"PATCH", "/api/v1/needs/" + n, map[string]any{"title": "Anders"}, map[string]int{"volunteer": 403, "other worker": 403, "resident": 403}},
		{"POST", "/api/v1/needs/" + n + "/cancel", map[string]any{"reason": "x"}, map[string]int{"volunteer": 403, "other worker": 403, "resident": 403}},
		{"POST", "/api/v1/needs/" + n + "/shifts", map[string]any{"shifts": []any{}}, map[string]int{"volunteer": 403, "other worker": 403, "resident": 403}},
		{"GET", "/api/v1/needs/" + n + "/hours", nil, map[string]int{"volunteer": 403, "other worker": 403, "resident": 403}},
		{"PATCH", "/api/v1/shifts/" + s, map[string]any{"places": 5}, map[string]int{"volunteer": 403, "other worker": 403, "resident": 403}},
		{"POST", "/api/v1/shifts/" + s + "/cancel", map[string]any{"reason": "x"}, map[string]int{"volunteer": 403, "other worker": 403, "resident": 403}},
		{"GET", "/api/v1/shifts/" + s + "/signups", nil, map[string]int{"volunteer": 403, "other worker": 403, "resident": 403}},
		{"POST", "/api/v1/shifts/" + s + "/checkins", map[string]any{"user_id": vera.ID}, map[string]int{"volunteer": 403, "other worker": 403, "resident": 403}},
		{"DELETE", "/api/v1/shifts/" + s + "/signup", map[string]any{"user_id": vera.ID}, map[string]int{"volunteer": 403, "other worker": 403, "resident": 403}},
		{"GET", "/api/v1/users/" + v + "/volunteer", nil, map[string]int{"volunteer": 404, "other worker": 404, "resident": 404}},
		{"PUT", "/api/v1/users/" + v + "/volunteer", w.vtProfile(), map[string]int{"volunteer": 403, "other worker": 403, "resident": 403}},
		{"GET", "/api/v1/needs/" + itoa(closed.ID), nil, map[string]int{"volunteer": 404, "other worker": 404, "resident": 404}},
		{"POST", "/api/v1/shifts/" + itoa(closed.Shifts[0].ID) + "/signup", nil, map[string]int{"volunteer": 404}},
		{"GET", "/api/v1/volunteer-reports/hours?neighbourhood=" + itoa(w.hood), nil, map[string]int{"volunteer": 403, "other worker": 403, "resident": 403}},
		{"GET", "/api/v1/volunteer-reports/coverage?neighbourhood=" + itoa(w.hood), nil, map[string]int{"volunteer": 403, "other worker": 403, "resident": 403}},
		{"GET", "/api/v1/me/volunteer", nil, nil},
		{"GET", "/api/v1/me/needs", nil, nil},
		{"GET", "/api/v1/me/hours", nil, nil},
		{"GET", "/api/v1/needs", nil, nil},
	} {
		for who, c := range clients {
			want, ok := tc.refused[who]
			if who == "anonymous" {
				want, ok = 401, true
			}
			if !ok {
				continue
			}
			if status, out := c.call(tc.method, tc.path, tc.body); status != want {
				t.Errorf("%s %s as %s = %d %s; want %d", tc.method, tc.path, who, status, out, want)
			}
		}
	}
	if n := w.count("SELECT count(*) FROM volunteer_hours"); n != hoursBefore {
		t.Errorf("refused calls recorded hours")
	}
	if n := w.count("SELECT count(*) FROM need_invitations"); n != 0 {
		t.Errorf("refused calls made %d invitations", n)
	}
	if n := w.count("SELECT places FROM shifts WHERE id = ?", shift); n != 2 {
		t.Errorf("refused calls changed the places to %d", n)
	}

	// Contact details and constraints: for the organisers of a need they signed up for.
	status, out := w.wc.call("GET", "/api/v1/shifts/"+s+"/signups", nil)
	if status != 200 || !strings.Contains(out, `"phone":"0470112233"`) || !strings.Contains(out, "Geen trappen.") {
		t.Errorf("the organiser's list = %d %s", status, out)
	}
	if status, out := w.wc.call("GET", "/api/v1/users/"+v+"/volunteer", nil); status != 200 || !strings.Contains(out, `"phone":"0470112233"`) {
		t.Errorf("the worker sees Vera's profile = %d %s", status, out)
	}
	// Who the need is for: the organiser and Vera (signed up) know; Bart, browsing, does not.
	for who, c := range map[string]*fxClient{"organiser": w.wc, "signed up": vc, "browsing": bc} {
		_, out := c.call("GET", "/api/v1/needs/"+n, nil)
		got := fxDecode[vtNeed](t, out)
		if knows := got.ResidentID != nil && got.Resident != nil; knows != (who != "browsing") {
			t.Errorf("%s knows whom the need is for: %v (%s)", who, knows, out)
		}
		_, list := c.call("GET", "/api/v1/needs?neighbourhood="+itoa(w.hood), nil)
		if strings.Contains(list, fmt.Sprintf(`"resident_id":%d`, rosa.ID)) != (who != "browsing") {
			t.Errorf("%s: the list of needs tells whom it is for wrongly: %s", who, list)
		}
	}
}
