package main

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"nabij/models"
)

// Fixtures for the check-in, attendance, flyer and feed tests (prefix ck): a neighbourhood with a
// worker and two residents, and meetups made through the models as their organisers would.

type ckWorld struct {
	*fxWorld
	hoodID          int64
	worker, ann, bo *models.User
}

func ckNew(t *testing.T) *ckWorld {
	t.Helper()
	w := fxNew(t)
	hood := w.hood("Noord")
	return &ckWorld{fxWorld: w, hoodID: hood, worker: w.person("Wendy", models.RoleWorker, hood),
		ann: w.person("Ann", models.RoleResident, hood), bo: w.person("Bram", models.RoleResident, hood)}
}

// group makes a group of the neighbourhood, organised by its maker.
func (w *ckWorld) group(maker *models.User, name string, membership models.GroupMembership) *models.Group {
	w.t.Helper()
	g, err := models.CreateGroup(w.t.Context(), w.a.db.Gorm, maker, w.hoodID, models.GroupInput{Name: &name, Membership: &membership})
	if err != nil {
		w.t.Fatal(err)
	}
	return g
}

// meetup publishes a two-hour meetup at Buurthuis Noord: the neighbourhood's own (by the worker)
// or a group's (by by, one of its organisers); rrule "" for one that does not repeat.
func (w *ckWorld) meetup(by *models.User, g *models.Group, title string, start time.Time, rrule string) *models.Meetup {
	w.t.Helper()
	in := models.NewMeetup{NeighbourhoodID: w.hoodID, RRule: rrule, MeetupInput: models.MeetupInput{Title: &title,
		StartsAt: &start, EndsAt: new(start.Add(2 * time.Hour)), Publish: true,
		Place: &models.Place{Name: "Buurthuis Noord", Address: "Kerkstraat 1, Gent"}}}
	if g != nil {
		in.GroupID = &g.ID
	}
	m, err := models.CreateMeetup(w.t.Context(), w.a.db.Gorm, by, in, w.a.cfg.Location)
	if err != nil {
		w.t.Fatal(err)
	}
	return m
}

func (w *ckWorld) signUp(u *models.User, m *models.Meetup, companions int) *models.RSVPResult {
	w.t.Helper()
	r, err := models.SetRSVP(w.t.Context(), w.a.db.Gorm, u, m.ID, models.RSVPInput{Status: models.RSVPGoing, Companions: companions})
	if err != nil {
		w.t.Fatal(err)
	}
	return r
}

// figures reads a meetup's totals through the API, as the worker.
func (w *ckWorld) figures(c *fxClient, id int64) models.Attendance {
	w.t.Helper()
	status, body := c.call("GET", fmt.Sprintf("/api/v1/meetups/%d/attendance", id), nil)
	if status != 200 {
		w.t.Fatalf("attendance figures: %d %s", status, body)
	}
	return fxDecode[models.Attendance](w.t, body)
}

func TestAttendanceListIsForOrganisersOnly(t *testing.T) {
	t.Parallel()
	w := ckNew(t)
	m := w.meetup(w.worker, nil, "Buurtsoep", time.Now().Add(30*time.Minute), "")
	w.signUp(w.ann, m, 0)
	private := w.group(w.ann, "Moeders van Noord", models.MembershipPrivate)
	hidden := w.meetup(w.ann, private, "Geheime picknick", time.Now().Add(time.Hour), "")
	open := w.group(w.ann, "Wandelclub", models.MembershipOpen)
	walk := w.meetup(w.ann, open, "Wandeling", time.Now().Add(time.Hour), "")
	w.signUp(w.bo, walk, 0)
	page := fmt.Sprintf("/meetups/%d/attendance", m.ID)

	bo := w.as(w.bo)
	if resp, _ := bo.page(page); resp.StatusCode != 403 {
		t.Errorf("a resident opens the attendance list: %d, want 403", resp.StatusCode)
	}
	if status, _ := bo.call("GET", fmt.Sprintf("/api/v1/meetups/%d/attendees", m.ID), nil); status != 403 {
		t.Errorf("a resident reads the attendees: %d, want 403", status)
	}
	if resp, _ := bo.page(fmt.Sprintf("/meetups/%d/attendance", hidden.ID)); resp.StatusCode != 404 {
		t.Errorf("a non-member opens a private group's attendance list: %d, want 404", resp.StatusCode)
	}
	if status, _ := bo.call("GET", fmt.Sprintf("/api/v1/meetups/%d/attendance", hidden.ID), nil); status != 404 {
		t.Errorf("a non-member reads a private group's figures: %d, want 404", status)
	}
	if resp, _ := w.anon().page(page); resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/signin?next=") {
		t.Errorf("someone not signed in: %d to %q, want the sign-in page", resp.StatusCode, resp.Header.Get("Location"))
	}

	worker := w.as(w.worker)
	resp, body := worker.page(page)
	if resp.StatusCode != 200 || !strings.Contains(body, "Ann") || !strings.Contains(body, `name="rsvp_id"`) {
		t.Errorf("the organising worker's list: %d, names and tap buttons missing", resp.StatusCode)
	}
	// A group's meetup: the neighbourhood's worker sees the figures, not the names.
	resp, body = worker.page(fmt.Sprintf("/meetups/%d/attendance", walk.ID))
	if resp.StatusCode != 200 || strings.Contains(body, "<strong>Bram</strong>") || strings.Contains(body, `name="rsvp_id"`) {
		t.Errorf("a worker on a group's meetup sees names or buttons (%d)", resp.StatusCode)
	}
	if status, _ := worker.call("GET", fmt.Sprintf("/api/v1/meetups/%d/attendees", walk.ID), nil); status != 403 {
		t.Errorf("a worker reads the names of a group's meetup: %d, want 403", status)
	}
	if fig := w.figures(worker, walk.ID); fig.Going != 1 {
		t.Errorf("worker's figures of the group's meetup: %+v", fig)
	}
}

var ckTotal = regexp.MustCompile(`<dt>([^<]+)</dt><dd>(\d+|–)</dd>`)

// ckTotals reads the totals shown on the attendance page, by their Dutch label.
func ckTotals(body string) map[string]string {
	out := map[string]string{}
	for _, m := range ckTotal.FindAllStringSubmatch(body, -1) {
		out[m[1]] = m[2]
	}
	return out
}

func TestTappingWalkInsAndUndoChangeTheTotals(t *testing.T) {
	t.Parallel()
	w := ckNew(t)
	m := w.meetup(w.worker, nil, "Buurtsoep", time.Now().Add(30*time.Minute), "")
	ann := w.signUp(w.ann, m, 1)
	w.signUp(w.bo, m, 0)
	page := fmt.Sprintf("/meetups/%d/attendance", m.ID)
	worker := w.as(w.worker)
	worker.page(page)

	resp, _ := worker.submit(page+"/checkins", url.Values{"rsvp_id": {fmt.Sprint(ann.RSVP.ID)}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != fmt.Sprintf("%s#r%d", page, ann.RSVP.ID) {
		t.Fatalf("tap on Ann: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body := worker.page(page)
	if tot := ckTotals(body); tot["Ingeschreven"] != "3" || tot["Gekomen"] != "2" || tot["Zonder inschrijving"] != "0" || tot["Niet gekomen"] != "–" {
		t.Errorf("after tapping Ann (and her companion), before the meetup ended (no no-shows yet): %v", tot)
	}
	if resp, _ := worker.submit(page+"/walk-ins", url.Values{"name": {"Mevrouw Peeters"}, "companions": {"2"}}); resp.StatusCode != 303 {
		t.Fatalf("walk-in: %d", resp.StatusCode)
	}
	_, body = worker.page(page)
	if tot := ckTotals(body); tot["Gekomen"] != "5" || tot["Zonder inschrijving"] != "3" || !strings.Contains(body, "Mevrouw Peeters") {
		t.Errorf("after a walk-in with two companions: %v", tot)
	}
	resp, body = worker.submit(page+"/walk-ins", url.Values{"name": {strings.Repeat("x", 61)}, "companions": {"0"}})
	if resp.StatusCode != 422 || !strings.Contains(body, `id="e-name"`) || !strings.Contains(body, strings.Repeat("x", 61)) {
		t.Errorf("a walk-in's name too long: %d, want 422 with the message at the field and the name kept", resp.StatusCode)
	}

	list, err := models.Attendees(t.Context(), w.a.db.Gorm, w.worker, m.ID)
	if err != nil || list[0].CheckinID == nil {
		t.Fatalf("attendees: %v %+v", err, list)
	}
	if resp, _ := worker.submit(fmt.Sprintf("%s/checkins/%d/undo", page, *list[0].CheckinID), nil); resp.StatusCode != 303 {
		t.Fatalf("undo: %d", resp.StatusCode)
	}
	if fig := w.figures(worker, m.ID); fig.CheckedIn != 3 || fig.WalkIns != 3 || fig.NoShows != 0 {
		t.Errorf("after undoing Ann: %+v", fig)
	}
	// Once the meetup has ended, those signed up and not checked in count as not come: Ann and
	// her companion, and Bo.
	if err := w.a.db.Gorm.Exec("UPDATE meetups SET starts_at = now() - interval '3 hours', ends_at = now() - interval '1 hour' WHERE id = ?", m.ID).Error; err != nil {
		t.Fatal(err)
	}
	if fig := w.figures(worker, m.ID); fig.NoShows != 3 || !fig.Ended {
		t.Errorf("after the meetup ended: %+v, want Ann, her companion and Bo as no-shows", fig)
	}
	_, body = worker.page(page)
	if tot := ckTotals(body); tot["Niet gekomen"] != "3" {
		t.Errorf("totals after the meetup ended: %v", tot)
	}

	later := w.meetup(w.worker, nil, "Avondwandeling", time.Now().Add(5*time.Hour), "")
	r := w.signUp(w.ann, later, 0)
	worker.page(fmt.Sprintf("/meetups/%d/attendance", later.ID))
	resp, body = worker.submit(fmt.Sprintf("/meetups/%d/attendance/checkins", later.ID), url.Values{"rsvp_id": {fmt.Sprint(r.RSVP.ID)}})
	if resp.StatusCode != 422 || !strings.Contains(body, `class="notice error" role="alert"`) {
		t.Errorf("tapping hours before the start: %d, want 422 with the reason", resp.StatusCode)
	}
}

func TestCheckInsThroughTheAPI(t *testing.T) {
	t.Parallel()
	w := ckNew(t)
	m := w.meetup(w.worker, nil, "Buurtsoep", time.Now().Add(30*time.Minute), "")
	ann := w.signUp(w.ann, m, 0)
	worker := w.as(w.worker)
	path := fmt.Sprintf("/api/v1/meetups/%d/checkins", m.ID)

	status, body := worker.call("POST", path, map[string]any{"rsvp_id": ann.RSVP.ID})
	if status != 201 || fxDecode[models.Checkin](t, body).RSVPID == nil {
		t.Fatalf("check in a sign-up: %d %s", status, body)
	}
	status, body = worker.call("POST", path, map[string]any{"walk_in": map[string]any{"name": "Jef", "companions": 1}})
	walkIn := fxDecode[models.Checkin](t, body)
	if status != 201 || !walkIn.WalkIn || walkIn.Companions != 1 {
		t.Fatalf("walk-in: %d %s", status, body)
	}
	if status, body := worker.call("POST", path, map[string]any{}); status != 422 || decodeErr(t, body).Error.Fields["walk_in"] == "" {
		t.Errorf("a check-in of nobody: %d %s", status, body)
	}
	status, body = worker.call("GET", fmt.Sprintf("/api/v1/meetups/%d/attendees", m.ID), nil)
	if list := fxDecode[[]models.Attendee](t, body); status != 200 || len(list) != 2 || !list[0].CheckedIn || list[1].Name != "Jef" {
		t.Errorf("attendees: %d %s", status, body)
	}
	if status, _ := worker.call("DELETE", fmt.Sprintf("/api/v1/checkins/%d", walkIn.ID), nil); status != 204 {
		t.Errorf("undo: %d", status)
	}
	if status, _ := w.as(w.bo).call("POST", path, map[string]any{"rsvp_id": ann.RSVP.ID}); status != 403 {
		t.Errorf("a resident checks someone in: %d, want 403", status)
	}
	if fig := w.figures(worker, m.ID); fig.CheckedIn != 1 || fig.WalkIns != 0 {
		t.Errorf("figures: %+v", fig)
	}
}

func TestDoorCodeChecksInWithTheRightCodeOnly(t *testing.T) {
	t.Parallel()
	w := ckNew(t)
	m := w.meetup(w.worker, nil, "Buurtsoep", time.Now().Add(30*time.Minute), "")
	w.signUp(w.ann, m, 0)
	code, err := models.DoorCode(t.Context(), w.a.db.Gorm, w.worker, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	resp, body := w.as(w.worker).page(fmt.Sprintf("/meetups/%d/door", m.ID))
	if resp.StatusCode != 200 || !strings.Contains(body, `src="data:image/png;base64,`) {
		t.Errorf("door page: %d, no QR code", resp.StatusCode)
	}
	if resp, _ := w.as(w.ann).page(fmt.Sprintf("/meetups/%d/door", m.ID)); resp.StatusCode != 403 {
		t.Errorf("an attendee opens the door page (and its code): %d, want 403", resp.StatusCode)
	}

	scan := fmt.Sprintf("/meetups/%d/checkin?code=%s", m.ID, url.QueryEscape(code))
	resp, _ = w.anon().page(scan)
	if want := "/signin?next=" + url.QueryEscape(scan); resp.StatusCode != 303 || resp.Header.Get("Location") != want {
		t.Errorf("scanning while not signed in: %d to %q, want %q", resp.StatusCode, resp.Header.Get("Location"), want)
	}
	ann := w.as(w.ann)
	if resp, body := ann.page(scan); resp.StatusCode != 200 || !strings.Contains(body, `name="code" value="`+code+`"`) {
		t.Fatalf("scanning signed in: %d, no confirm form", resp.StatusCode)
	}
	resp, body = ann.submit(fmt.Sprintf("/meetups/%d/checkin", m.ID), url.Values{"code": {"niet-de-code"}})
	if resp.StatusCode != 422 || !strings.Contains(body, "Deze deurcode klopt niet") {
		t.Errorf("a wrong code: %d, want 422 saying so", resp.StatusCode)
	}
	if w.count("SELECT count(*) FROM checkins WHERE meetup_id = ?", m.ID) != 0 {
		t.Fatal("a wrong code checked someone in")
	}
	if resp, _ := ann.submit(fmt.Sprintf("/meetups/%d/checkin", m.ID), url.Values{"code": {code}}); resp.StatusCode != 303 {
		t.Fatalf("the right code: %d", resp.StatusCode)
	}
	if _, body := ann.page(fmt.Sprintf("/meetups/%d/checkin", m.ID)); !strings.Contains(body, "Je bent aangemeld") {
		t.Error("after checking in, the page does not say so")
	}
	if fig := w.figures(w.as(w.worker), m.ID); fig.CheckedIn != 1 || fig.NoShows != 0 {
		t.Errorf("figures after the door: %+v", fig)
	}

	// The API, for a cancelled meetup: a clear refusal.
	if _, err := models.CancelMeetup(t.Context(), w.a.db.Gorm, w.worker, m.ID, "Zieke kok", models.OnlyThis); err != nil {
		t.Fatal(err)
	}
	status, body := w.as(w.bo).call("POST", fmt.Sprintf("/api/v1/meetups/%d/checkins", m.ID), map[string]any{"code": code})
	if status != 422 || decodeErr(t, body).Error.Fields["meetup"] == "" {
		t.Errorf("door code of a cancelled meetup: %d %s", status, body)
	}
}

func TestSeriesAttendanceShowsEveryOccurrence(t *testing.T) {
	t.Parallel()
	w := ckNew(t)
	first := w.meetup(w.worker, nil, "Taalcafé", time.Now().Add(30*time.Minute), "FREQ=WEEKLY;COUNT=4")
	w.signUp(w.ann, first, 2)
	worker := w.as(w.worker)
	if _, body := worker.page(fmt.Sprintf("/meetups/%d/attendance", first.ID)); !strings.Contains(body, fmt.Sprintf(`href="/series/%d/attendance"`, *first.SeriesID)) {
		t.Error("the attendance page of an occurrence does not link to its series")
	}
	resp, body := worker.page(fmt.Sprintf("/series/%d/attendance", *first.SeriesID))
	if resp.StatusCode != 200 || strings.Count(body, "/attendance\"><time") != 4 || !strings.Contains(body, "Samen (4 keer)") {
		t.Errorf("series page: %d, want 4 dated rows and a total", resp.StatusCode)
	}
	status, body := worker.call("GET", fmt.Sprintf("/api/v1/series/%d/attendance", *first.SeriesID), nil)
	if rows := fxDecode[[]models.Attendance](t, body); status != 200 || len(rows) != 4 || rows[0].Going != 3 {
		t.Errorf("series figures: %d %s", status, body)
	}
	if resp, _ := w.as(w.bo).page(fmt.Sprintf("/series/%d/attendance", *first.SeriesID)); resp.StatusCode != 403 {
		t.Errorf("a resident opens the series figures: %d, want 403", resp.StatusCode)
	}
}

func TestMeetupFlyerPrintsTheFactsAndAQRCodeToTheMeetupPage(t *testing.T) {
	t.Parallel()
	w := ckNew(t)
	m := w.meetup(w.worker, nil, "Repair café", time.Now().Add(48*time.Hour), "")
	facts := models.Facts{WheelchairAccessible: new(true), ChildFriendly: new(false), Free: true, Languages: models.Languages{"nl", "fr"}}
	if _, err := models.UpdateMeetup(t.Context(), w.a.db.Gorm, w.worker, m.ID, models.MeetupInput{Facts: &facts}, models.OnlyThis); err != nil {
		t.Fatal(err)
	}
	resp, body := w.anon().page(fmt.Sprintf("/meetups/%d/flyer", m.ID))
	if resp.StatusCode != 200 {
		t.Fatalf("flyer: %d", resp.StatusCode)
	}
	for _, want := range []string{"Repair café", "Buurthuis Noord", `src="data:image/png;base64,`, w.a.cfg.BaseURL + fmt.Sprintf("/meetups/%d<", m.ID),
		"Toegankelijk met rolstoel", "Niet voor kinderen", "Gratis", "Nederlands, français"} {
		if !strings.Contains(body, want) {
			t.Errorf("the flyer lacks %q", want)
		}
	}
	private := w.group(w.ann, "Moeders van Noord", models.MembershipPrivate)
	secret := w.meetup(w.ann, private, "Geheime picknick", time.Now().Add(time.Hour), "")
	if resp, _ := w.anon().page(fmt.Sprintf("/meetups/%d/flyer", secret.ID)); resp.StatusCode != 404 {
		t.Errorf("the flyer of a private group's meetup: %d, want 404", resp.StatusCode)
	}
}
