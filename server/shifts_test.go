package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"nabij/models"
)

// vtSignup is a sign-up as the API answers it.
type vtSignup struct {
	SignupID int64   `json:"signup_id"`
	Status   string  `json:"status"`
	Position int     `json:"position"`
	Shift    vtShift `json:"shift"`
}

// vtBearer sends one JSON request with a bearer token; safe from many goroutines at once.
func (w *vtWorld) vtBearer(token, method, path string, body any) (int, string, error) {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = strings.NewReader(string(b))
	}
	req := httptest.NewRequest(method, path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := w.f.Test(req, -1)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// TestAHundredSimultaneousSignUpsNeverOverbookAShift: 100 volunteers press "sign up" at once for
// 8 places. Exactly 8 get a place, 92 wait in reserve in the order the database decided, each
// told their true position; then three withdraw at once and exactly the first three in reserve
// move up, each told once.
func TestAHundredSimultaneousSignUpsNeverOverbookAShift(t *testing.T) {
	t.Parallel()
	w := vtNew(t)
	ctx, db := t.Context(), w.a.db.Gorm
	need := w.need(w.wc, w.needBody("Opbouw buurtfeest", vtTuesday(), 8))
	shift := need.Shifts[0].ID
	tokens := make([]string, 100)
	for i := range tokens {
		u := w.person(fmt.Sprintf("Helper%03d", i), models.RoleResident, w.hood)
		if _, err := models.SaveVolunteer(ctx, db, u, models.VolunteerInput{Neighbourhoods: []int64{w.hood}}); err != nil {
			t.Fatal(err)
		}
		_, secret, err := models.CreateToken(ctx, db, u.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		tokens[i] = secret
	}
	path := "/api/v1/shifts/" + itoa(shift) + "/signup"
	answers := vtFire(t, len(tokens), func(i int) (vtSignup, error) {
		status, body, err := w.vtBearer(tokens[i], "POST", path, nil)
		if err != nil || status != 201 {
			return vtSignup{}, fmt.Errorf("sign-up = %d %s %v", status, body, err)
		}
		var s vtSignup
		return s, json.Unmarshal([]byte(body), &s)
	})
	byID := map[int64]vtSignup{}
	for _, a := range answers {
		byID[a.SignupID] = a
	}
	var rows []struct {
		ID     int64
		Status string
	}
	db.Raw("SELECT id, status FROM shift_signups WHERE shift_id = ? ORDER BY arrival", shift).Scan(&rows)
	var reserve []int64
	for i, r := range rows {
		a := byID[r.ID]
		if a.Status != r.Status || (i < 8) != (r.Status == "signed_up") {
			t.Fatalf("arrival %d: stored %s, answered %s", i+1, r.Status, a.Status)
		}
		if r.Status == "reserve" {
			reserve = append(reserve, r.ID)
			if a.Position != len(reserve) {
				t.Errorf("arrival %d was told reserve position %d, but is number %d", i+1, a.Position, len(reserve))
			}
		}
	}
	if len(rows) != 100 || len(reserve) != 92 {
		t.Fatalf("%d sign-ups, %d in reserve", len(rows), len(reserve))
	}
	_, out := w.wc.call("GET", "/api/v1/needs/"+itoa(need.ID), nil)
	if s := fxDecode[vtNeed](t, out).Shifts[0]; s.PlacesTaken != 8 || s.ReserveCount != 92 || s.PlacesLeft != 0 {
		t.Fatalf("the shift shows %+v", s)
	}

	var leavers []int
	for i, a := range answers {
		if a.Status == "signed_up" && len(leavers) < 3 {
			leavers = append(leavers, i)
		}
	}
	vtFire(t, len(leavers), func(i int) (vtSignup, error) {
		status, body, err := w.vtBearer(tokens[leavers[i]], "DELETE", path, nil)
		if err != nil || status != 200 {
			return vtSignup{}, fmt.Errorf("withdraw = %d %s %v", status, body, err)
		}
		return vtSignup{}, nil
	})
	var promoted []int64
	db.Raw("SELECT id FROM shift_signups WHERE shift_id = ? AND promoted_at IS NOT NULL ORDER BY arrival", shift).Scan(&promoted)
	if !slices.Equal(promoted, reserve[:3]) {
		t.Fatalf("promoted %v, want the first three in reserve %v", promoted, reserve[:3])
	}
	if n := w.count("SELECT count(*) FROM notifications WHERE kind = 'reserve_promoted' AND shift_id = ?", shift); n != 3 {
		t.Errorf("%d told of their place, want 3", n)
	}
	if n := w.count("SELECT places_taken FROM shifts WHERE id = ?", shift); n != 8 {
		t.Errorf("%d places taken after the withdrawals, want 8", n)
	}
	// The need's live topic told the figures, never names.
	var data []string
	db.Raw("SELECT data::text FROM events WHERE topic = ? AND type = 'shift.places' ORDER BY id", "need:"+itoa(need.ID)).Scan(&data)
	if len(data) == 0 || strings.Contains(strings.Join(data, ""), "Helper") || !strings.Contains(data[len(data)-1], `"places_taken": 8`) {
		t.Errorf("shift.places events: %v", data)
	}
}

// vtFire calls call n times at the same moment.
func vtFire(t *testing.T, n int, call func(i int) (vtSignup, error)) []vtSignup {
	t.Helper()
	out := make([]vtSignup, n)
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

func TestHoursLoggedAfterwardsAreConfirmedAndCountedPerNeighbourhoodAndMonth(t *testing.T) {
	t.Parallel()
	w := vtNew(t)
	amal, ac := w.volunteer("Amal", w.vtProfile())
	need := w.need(w.wc, w.needBody("Tuin opruimen", vtTuesday(), 3))
	shift := need.Shifts[0].ID
	// A worker signs Amal up: she said yes on the phone.
	if status, out := w.wc.call("POST", "/api/v1/shifts/"+itoa(shift)+"/signup", map[string]any{"user_id": amal.ID}); status != 201 ||
		!strings.Contains(out, `"status":"signed_up"`) {
		t.Fatalf("signed up on her behalf = %d %s", status, out)
	}
	// The shift took place yesterday.
	start := time.Now().Add(-26 * time.Hour).Truncate(time.Minute)
	w.a.db.Gorm.Exec("UPDATE shifts SET starts_at = ?, ends_at = ? WHERE id = ?", start, start.Add(90*time.Minute), shift)

	status, out := ac.call("POST", "/api/v1/shifts/"+itoa(shift)+"/hours", map[string]any{"minutes": 0, "note": "Ook de haag gesnoeid"})
	if status != 201 || !strings.Contains(out, `"status":"pending"`) || !strings.Contains(out, `"minutes":90`) {
		t.Fatalf("log hours = %d %s", status, out)
	}
	h := fxDecode[models.VolunteerHours](t, out)
	status, out = w.wc.call("GET", "/api/v1/needs/"+itoa(need.ID)+"/hours", nil)
	if status != 200 || !strings.Contains(out, `"display_name":"Amal"`) {
		t.Fatalf("hours to confirm = %d %s", status, out)
	}
	if status, _ := ac.call("POST", "/api/v1/volunteer-hours/"+itoa(h.ID), map[string]any{"confirm": true}); status != 403 {
		t.Errorf("confirming one's own hours = %d", status)
	}
	if status, out := w.wc.call("POST", "/api/v1/volunteer-hours/"+itoa(h.ID), map[string]any{"confirm": true}); status != 200 ||
		!strings.Contains(out, `"status":"confirmed"`) {
		t.Fatalf("confirm = %d %s", status, out)
	}
	if status, out := w.wc.call("POST", "/api/v1/volunteer-hours/"+itoa(h.ID), map[string]any{"confirm": false}); status != 422 {
		t.Errorf("deciding twice = %d %s", status, out)
	}

	month := start.In(w.a.cfg.Location).Format("2006-01")
	status, out = w.wc.call("GET", "/api/v1/volunteer-reports/hours?from="+month+"&to="+month, nil)
	if status != 200 || !strings.Contains(out, `"month":"`+month+`"`) || !strings.Contains(out, `"minutes":90`) || strings.Contains(out, "Amal") {
		t.Errorf("hours per month = %d %s", status, out)
	}
	resp, csv := w.wc.send(httptest.NewRequest("GET", "/api/v1/volunteer-reports/hours?format=csv&from="+month+"&to="+month, nil))
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(csv, "neighbourhood_id,neighbourhood,month,volunteers,shifts,hours\r\n") ||
		!strings.Contains(csv, fmt.Sprintf("%d,Rabot,%s,1,1,1.50\r\n", w.hood, month)) {
		t.Errorf("CSV = %d %q", resp.StatusCode, csv)
	}
	status, out = w.wc.call("GET", "/api/v1/volunteer-reports/hours?from=maart", nil)
	if status != 422 || !strings.Contains(out, `"from"`) {
		t.Errorf("a month that is not one = %d %s", status, out)
	}
	resp, csv = w.wc.send(httptest.NewRequest("GET", "/api/v1/volunteer-reports/coverage?format=csv&from="+
		strings.ReplaceAll(start.Add(-time.Hour).Format(time.RFC3339), "+", "%2B"), nil))
	if resp.StatusCode != 200 || !strings.Contains(csv, "Tuin opruimen") {
		t.Errorf("coverage CSV = %d %q", resp.StatusCode, csv)
	}
}
