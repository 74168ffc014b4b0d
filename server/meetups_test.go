package main

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"nabij/models"
)

// Fixtures for the meetup, sign-up and agenda tests (prefix mt): a neighbourhood whose worker
// organises meetups through the API.

type mtWorld struct {
	*fxWorld
	hood   int64
	worker *models.User
	wc     *fxClient // the worker, signed in
}

func mtNew(t *testing.T) *mtWorld {
	t.Helper()
	w := fxNew(t)
	hood := w.hood("Rabot")
	worker := w.person("Wendy", models.RoleWorker, hood)
	return &mtWorld{fxWorld: w, hood: hood, worker: worker, wc: w.as(worker)}
}

// mtMeetup is a meetup as the API shows it.
type mtMeetup struct {
	ID            int64     `json:"id"`
	SeriesID      *int64    `json:"series_id"`
	GroupID       *int64    `json:"group_id"`
	Title         string    `json:"title"`
	StartsAt      time.Time `json:"starts_at"`
	EndsAt        time.Time `json:"ends_at"`
	Status        string    `json:"status"`
	CancelReason  string    `json:"cancel_reason"`
	Capacity      *int      `json:"capacity"`
	SeatsTaken    int       `json:"seats_taken"`
	WaitlistCount int       `json:"waitlist_count"`
	SeatsLeft     *int      `json:"seats_left"`
	MyRSVP        *mtRSVP   `json:"my_rsvp"`
}

// mtRSVP is a sign-up as the API answers it.
type mtRSVP struct {
	RSVPID     int64   `json:"rsvp_id"`
	Status     string  `json:"status"`
	Position   int     `json:"position"`
	Companions int     `json:"companions"`
	SeatsLeft  *int    `json:"seats_left"`
	Token      string  `json:"token"`
	Link       string  `json:"link"`
	Unknown    *string `json:"error"`
}

// mtBody is a published meetup of the neighbourhood starting at start for two hours; capacity 0
// is no limit.
func (w *mtWorld) mtBody(title string, start time.Time, capacity int) map[string]any {
	return map[string]any{"neighbourhood_id": w.hood, "title": title, "starts_at": start, "ends_at": start.Add(2 * time.Hour),
		"capacity": capacity, "place": map[string]any{"name": "Buurthuis De Vonk", "address": "Kerkstraat 1, Gent"}, "publish": true}
}

// meetup creates a meetup through the API as c.
func (w *mtWorld) meetup(c *fxClient, body map[string]any) mtMeetup {
	w.t.Helper()
	status, out := c.call("POST", "/api/v1/meetups", body)
	if status != 201 {
		w.t.Fatalf("create meetup = %d %s", status, out)
	}
	return fxDecode[mtMeetup](w.t, out)
}

// resident makes a resident of the neighbourhood.
func (w *mtWorld) resident(name string) *models.User {
	return w.person(name, models.RoleResident, w.hood)
}

// privateGroup makes a private group organised by organiser, with the given members.
func (w *mtWorld) privateGroup(organiser *models.User, members ...*models.User) *models.Group {
	w.t.Helper()
	ctx, db := w.t.Context(), w.a.db.Gorm
	name, membership := "Moedergroep", models.MembershipPrivate
	g, err := models.CreateGroup(ctx, db, organiser, w.hood, models.GroupInput{Name: &name, Membership: &membership})
	if err != nil {
		w.t.Fatal(err)
	}
	for _, m := range members {
		inv, err := models.InviteToGroup(ctx, db, organiser, g.ID, m.ID)
		if err != nil {
			w.t.Fatal(err)
		}
		if err := models.AnswerInvitation(ctx, db, m, inv.ID, true); err != nil {
			w.t.Fatal(err)
		}
	}
	return g
}

// tomorrow is 19:30 tomorrow in Brussels.
func tomorrow() time.Time {
	loc, _ := time.LoadLocation("Europe/Brussels")
	d := time.Now().In(loc).AddDate(0, 0, 1)
	return time.Date(d.Year(), d.Month(), d.Day(), 19, 30, 0, 0, loc)
}

var mtLD = regexp.MustCompile(`(?s)<script type="application/ld\+json">(.*?)</script>`)

// eventLD reads the schema.org Event of a meetup page.
func eventLD(t *testing.T, body string) map[string]any {
	t.Helper()
	m := mtLD.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no JSON-LD on the page")
	}
	var ld map[string]any
	if err := json.Unmarshal([]byte(m[1]), &ld); err != nil {
		t.Fatalf("JSON-LD does not parse: %v\n%s", err, m[1])
	}
	return ld
}

func TestMeetupPageShowsWhenWhereFactsSeatsAndEventData(t *testing.T) {
	t.Parallel()
	w := mtNew(t)
	body := w.mtBody("Soepcafé", tomorrow(), 12)
	body["facts"] = map[string]any{"wheelchair_accessible": true, "child_friendly": false, "free": false, "cost": "€ 3",
		"languages": []string{"nl", "fr"}, "food_provided": true}
	body["description"] = "Samen soep eten."
	m := w.meetup(w.wc, body)
	ann := w.resident("Ann")
	if status, out := w.as(ann).call("POST", "/api/v1/meetups/"+itoa(m.ID)+"/rsvp", map[string]any{"status": "going", "companions": 2}); status != 200 {
		t.Fatalf("sign up = %d %s", status, out)
	}

	resp, page := w.anon().page("/meetups/" + itoa(m.ID))
	if resp.StatusCode != 200 {
		t.Fatalf("meetup page = %d", resp.StatusCode)
	}
	for _, want := range []string{"Soepcafé", "19:30", "21:30", "Buurthuis De Vonk", "Kerkstraat 1, Gent", "Samen soep eten.",
		"Toegankelijk met rolstoel", "Niet voor kinderen", "Kost: € 3", "Nederlands, français", "Eten voorzien",
		"Nog plaatsen: 9", "Rabot", `href="/meetups/` + itoa(m.ID) + `.ics"`, "Inschrijven zonder account"} {
		if !strings.Contains(page, want) {
			t.Errorf("meetup page lacks %q", want)
		}
	}
	ld := eventLD(t, page)
	if ld["@type"] != "Event" || ld["name"] != "Soepcafé" || ld["eventStatus"] != "https://schema.org/EventScheduled" ||
		ld["eventAttendanceMode"] != "https://schema.org/OfflineEventAttendanceMode" ||
		ld["maximumAttendeeCapacity"] != float64(12) || ld["remainingAttendeeCapacity"] != float64(9) {
		t.Errorf("JSON-LD = %v", ld)
	}
	if loc, _ := ld["location"].(map[string]any); loc["@type"] != "Place" || loc["address"] != "Kerkstraat 1, Gent" {
		t.Errorf("JSON-LD location = %v", ld["location"])
	}
	if start, _ := time.Parse(time.RFC3339, ld["startDate"].(string)); !start.Equal(m.StartsAt) {
		t.Errorf("JSON-LD startDate = %v, want %v", ld["startDate"], m.StartsAt)
	}

	if status, out := w.wc.call("POST", "/api/v1/meetups/"+itoa(m.ID)+"/cancel", map[string]any{"reason": "De zaal is onder water gelopen."}); status != 200 {
		t.Fatalf("cancel = %d %s", status, out)
	}
	_, page = w.anon().page("/meetups/" + itoa(m.ID))
	if !strings.Contains(page, "Deze bijeenkomst is afgelast.") || !strings.Contains(page, "De zaal is onder water gelopen.") {
		t.Errorf("no cancelled banner with the reason")
	}
	if ld := eventLD(t, page); ld["eventStatus"] != "https://schema.org/EventCancelled" {
		t.Errorf("JSON-LD of a cancelled meetup: eventStatus = %v", ld["eventStatus"])
	}
	if strings.Contains(page, `action="/meetups/`+itoa(m.ID)+`/guests"`) {
		t.Errorf("a cancelled meetup still offers to sign up")
	}
}

func TestOnlineAndMixedMeetupsSayHowToJoin(t *testing.T) {
	t.Parallel()
	w := mtNew(t)
	online := w.mtBody("Taalcafé online", tomorrow(), 0)
	delete(online, "place")
	online["online_url"] = "https://meet.example.org/taalcafe"
	m := w.meetup(w.wc, online)
	_, page := w.anon().page("/meetups/" + itoa(m.ID))
	ld := eventLD(t, page)
	if ld["eventAttendanceMode"] != "https://schema.org/OnlineEventAttendanceMode" || ld["remainingAttendeeCapacity"] != nil {
		t.Errorf("online meetup JSON-LD = %v", ld)
	}
	if loc, _ := ld["location"].(map[string]any); loc["@type"] != "VirtualLocation" || loc["url"] != "https://meet.example.org/taalcafe" {
		t.Errorf("online location = %v", ld["location"])
	}
	mixed := w.mtBody("Buurtraad", tomorrow(), 0)
	mixed["online_url"] = "https://meet.example.org/raad"
	m = w.meetup(w.wc, mixed)
	_, page = w.anon().page("/meetups/" + itoa(m.ID))
	if ld := eventLD(t, page); ld["eventAttendanceMode"] != "https://schema.org/MixedEventAttendanceMode" {
		t.Errorf("mixed meetup JSON-LD = %v", ld)
	}
}

func TestBadMeetupInputIsExplainedAndChangesNothing(t *testing.T) {
	t.Parallel()
	w := mtNew(t)
	start := tomorrow()
	cases := []struct {
		name, field string
		change      func(map[string]any)
	}{
		{"end before start", "ends_at", func(b map[string]any) { b["ends_at"] = start.Add(-time.Hour) }},
		{"malformed repeat rule", "rrule", func(b map[string]any) { b["rrule"] = "FREQ=SOMETIMES;COUNT=3" }},
		{"repeat rule without an end", "rrule", func(b map[string]any) { b["rrule"] = "FREQ=WEEKLY" }},
		{"no title", "title", func(b map[string]any) { b["title"] = " " }},
		{"capacity out of range", "capacity", func(b map[string]any) { b["capacity"] = -4 }},
	}
	for _, tc := range cases {
		body := w.mtBody("Soepcafé", start, 10)
		tc.change(body)
		status, out := w.wc.call("POST", "/api/v1/meetups", body)
		e := decodeErr(t, out)
		msg := e.Error.Fields[tc.field]
		if status != 422 || msg == "" || strings.Contains(msg, ".") && !strings.Contains(msg, " ") {
			t.Errorf("%s: %d %s", tc.name, status, out)
		}
	}
	if n := w.count("SELECT count(*) FROM meetups"); n != 0 {
		t.Fatalf("%d meetups stored after refused input", n)
	}
	if n := w.count("SELECT count(*) FROM meetup_series"); n != 0 {
		t.Fatalf("%d series stored after refused input", n)
	}

	// The form says the same, in place, and keeps what was typed.
	_, _ = w.wc.page("/neighbourhoods/" + itoa(w.hood) + "/meetups/new")
	resp, page := w.wc.submit("/neighbourhoods/"+itoa(w.hood)+"/meetups/new", url.Values{"title": {"Wandeling"},
		"starts_at": {"2027-05-04T10:00"}, "ends_at": {"2027-05-04T09:00"}, "place_name": {"Park"}, "free": {"1"},
		"repeat": {"weekly"}, "publish": {"1"}})
	if resp.StatusCode != 422 || !strings.Contains(page, w.a.views.translate("nl", "meetup.end_before_start", nil)) ||
		!strings.Contains(page, `value="Wandeling"`) {
		t.Errorf("form with end before start = %d", resp.StatusCode)
	}
	resp, page = w.wc.submit("/neighbourhoods/"+itoa(w.hood)+"/meetups/new", url.Values{"title": {"Wandeling"},
		"starts_at": {"2027-05-04T10:00"}, "ends_at": {"2027-05-04T12:00"}, "place_name": {"Park"}, "free": {"1"},
		"repeat": {"weekly"}, "publish": {"1"}})
	if resp.StatusCode != 422 || !strings.Contains(page, w.a.views.translate("nl", "rrule.unbounded", nil)) {
		t.Errorf("form with a repeat without end = %d", resp.StatusCode)
	}
	resp, page = w.wc.submit("/neighbourhoods/"+itoa(w.hood)+"/meetups/new", url.Values{"title": {"Wandeling"},
		"starts_at": {"4 mei"}, "ends_at": {"2027-05-04T12:00"}, "place_name": {"Park"}, "free": {"1"}})
	if resp.StatusCode != 422 || !strings.Contains(page, w.a.views.translate("nl", "meetups.form.datetime_invalid", nil)) {
		t.Errorf("form with an unreadable start = %d", resp.StatusCode)
	}
	if n := w.count("SELECT count(*) FROM meetups"); n != 0 {
		t.Fatalf("%d meetups stored after refused forms", n)
	}
}

func TestCapacityBelowThoseGoingIsRefused(t *testing.T) {
	t.Parallel()
	w := mtNew(t)
	m := w.meetup(w.wc, w.mtBody("Soepcafé", tomorrow(), 10))
	for _, name := range []string{"Ann", "Bob", "Cas"} {
		if status, out := w.as(w.resident(name)).call("POST", "/api/v1/meetups/"+itoa(m.ID)+"/rsvp", map[string]any{"status": "going"}); status != 200 {
			t.Fatalf("sign up = %d %s", status, out)
		}
	}
	status, out := w.wc.call("PATCH", "/api/v1/meetups/"+itoa(m.ID), map[string]any{"capacity": 2})
	if e := decodeErr(t, out); status != 422 || e.Error.Fields["capacity"] != w.a.views.translate("nl", "meetup.capacity_below_going", nil) {
		t.Errorf("capacity below going = %d %s", status, out)
	}
	if n := w.count("SELECT capacity FROM meetups WHERE id = ?", m.ID); n != 10 {
		t.Errorf("capacity changed to %d", n)
	}
	status, out = w.wc.call("PATCH", "/api/v1/meetups/"+itoa(m.ID), map[string]any{"capacity": 3})
	if got := fxDecode[mtMeetup](t, out); status != 200 || *got.SeatsLeft != 0 {
		t.Errorf("capacity equal to going = %d %s", status, out)
	}
	status, out = w.wc.call("PATCH", "/api/v1/meetups/"+itoa(m.ID)+"?scope=sometimes", map[string]any{"capacity": 4})
	if status != 422 || decodeErr(t, out).Error.Fields["scope"] == "" {
		t.Errorf("unknown scope = %d %s", status, out)
	}
}

func TestAPrivateGroupsMeetupIsInvisibleToNonMembersEverywhere(t *testing.T) {
	t.Parallel()
	w := mtNew(t)
	org, member, outsider := w.resident("Olga"), w.resident("Mia"), w.resident("Otto")
	g := w.privateGroup(org, member)
	oc := w.as(org)
	body := w.mtBody("Geheime koffie", tomorrow(), 10)
	body["group_id"] = g.ID
	secret := w.meetup(oc, body)
	public := w.meetup(w.wc, w.mtBody("Open soep", tomorrow(), 10))

	id := itoa(secret.ID)
	for name, c := range map[string]*fxClient{"anonymous": w.anon(), "outsider": w.as(outsider), "worker": w.wc} {
		if resp, _ := c.page("/meetups/" + id); resp.StatusCode != 404 {
			t.Errorf("%s: meetup page = %d", name, resp.StatusCode)
		}
		if status, _ := c.call("GET", "/api/v1/meetups/"+id, nil); status != 404 {
			t.Errorf("%s: API meetup = %d", name, status)
		}
		_, agenda := c.page("/neighbourhoods/" + itoa(w.hood) + "/agenda")
		if strings.Contains(agenda, "Geheime koffie") || !strings.Contains(agenda, "Open soep") || !strings.Contains(agenda, "Bijeenkomsten op deze pagina: 1") {
			t.Errorf("%s: the agenda shows or counts the private meetup", name)
		}
		_, list := c.call("GET", "/api/v1/meetups?neighbourhood="+itoa(w.hood), nil)
		if got := fxDecode[struct{ Meetups []mtMeetup }](t, list); len(got.Meetups) != 1 || got.Meetups[0].ID != public.ID {
			t.Errorf("%s: API list = %s", name, list)
		}
		if status, _ := c.call("POST", "/api/v1/meetups/"+id+"/guests", map[string]any{"name": "Gast"}); status != 404 {
			t.Errorf("%s: guest sign-up for the private meetup = %d", name, status)
		}
	}
	if status, _ := w.as(outsider).call("POST", "/api/v1/meetups/"+id+"/rsvp", map[string]any{"status": "going"}); status != 404 {
		t.Errorf("outsider signs up = %d", status)
	}
	mc := w.as(member)
	if resp, page := mc.page("/meetups/" + id); resp.StatusCode != 200 || strings.Contains(page, "application/ld+json") {
		t.Errorf("member: page = %d, or it carries public event data", resp.StatusCode)
	}
	_, list := mc.call("GET", "/api/v1/meetups?neighbourhood="+itoa(w.hood), nil)
	if got := fxDecode[struct{ Meetups []mtMeetup }](t, list); len(got.Meetups) != 2 {
		t.Errorf("member: API list = %s", list)
	}
	if _, agenda := mc.page("/neighbourhoods/" + itoa(w.hood) + "/agenda"); !strings.Contains(agenda, "Geheime koffie") || !strings.Contains(agenda, "Moedergroep") {
		t.Errorf("member: the agenda lacks the group's meetup or its group name")
	}
}

func TestOrganiserEditsPublishesAndCancelsOnThePage(t *testing.T) {
	t.Parallel()
	w := mtNew(t)
	path := "/neighbourhoods/" + itoa(w.hood) + "/meetups/new"
	if resp, _ := w.as(w.resident("Ann")).page(path); resp.StatusCode != 403 {
		t.Errorf("a resident opens the new meetup form of the neighbourhood = %d", resp.StatusCode)
	}
	_, _ = w.wc.page(path)
	resp, _ := w.wc.submit(path, url.Values{"title": {"Repair café"}, "starts_at": {"2027-03-02T14:00"}, "ends_at": {"2027-03-02T17:00"},
		"place_name": {"De Vonk"}, "free": {"1"}, "capacity": {"15"}, "repeat": {"monthly"}, "repeat_count": {"4"},
		"wheelchair_accessible": {"yes"}, "languages": {"nl, fr"}, "publish": {"0"}})
	if resp.StatusCode != 303 {
		t.Fatalf("create draft series = %d", resp.StatusCode)
	}
	first := resp.Header.Get("Location")
	var starts []time.Time
	if err := w.a.db.Gorm.Raw("SELECT starts_at FROM meetups ORDER BY starts_at").Scan(&starts).Error; err != nil {
		t.Fatal(err)
	}
	loc := w.a.cfg.Location
	want := []string{"2027-03-02 14:00", "2027-04-06 14:00", "2027-05-04 14:00", "2027-06-01 14:00"} // first Tuesdays
	if len(starts) != 4 {
		t.Fatalf("%d meetups in the series, want 4", len(starts))
	}
	for i, s := range starts {
		if got := s.In(loc).Format("2006-01-02 15:04"); got != want[i] {
			t.Errorf("occurrence %d at %s, want %s", i, got, want[i])
		}
	}
	if resp, _ := w.anon().page(first); resp.StatusCode != 404 {
		t.Errorf("a draft is seen by others: %d", resp.StatusCode)
	}
	_, page := w.wc.page(first)
	if !strings.Contains(page, "Dit is een ontwerp") || !strings.Contains(page, "Deze en alle volgende") {
		t.Fatalf("the organiser's draft page lacks the banner or the scope choice")
	}
	if resp, _ := w.wc.submit(first+"/publish", url.Values{"scope": {"later"}}); resp.StatusCode != 303 {
		t.Fatalf("publish = %d", resp.StatusCode)
	}
	if n := w.count("SELECT count(*) FROM meetups WHERE status = 'published'"); n != 4 {
		t.Errorf("%d published after publishing this and later", n)
	}

	_, edit := w.wc.page(first + "/edit")
	if !strings.Contains(edit, `value="2027-03-02T14:00"`) || !strings.Contains(edit, `value="Repair café"`) {
		t.Errorf("edit form is not filled in")
	}
	second := w.count("SELECT id FROM meetups ORDER BY starts_at OFFSET 1 LIMIT 1")
	resp, _ = w.wc.submit("/meetups/"+itoa(second)+"/edit", url.Values{"title": {"Repair café XL"}, "starts_at": {"2027-04-06T15:00"},
		"ends_at": {"2027-04-06T18:00"}, "place_name": {"De Vonk"}, "free": {"1"}, "capacity": {"15"}, "scope": {"later"}})
	if resp.StatusCode != 303 {
		t.Fatalf("edit this and later = %d", resp.StatusCode)
	}
	var titles []string
	w.a.db.Gorm.Raw("SELECT title || ' ' || to_char(starts_at AT TIME ZONE 'Europe/Brussels', 'HH24:MI') FROM meetups ORDER BY starts_at").Scan(&titles)
	if strings.Join(titles, "|") != "Repair café 14:00|Repair café XL 15:00|Repair café XL 15:00|Repair café XL 15:00" {
		t.Errorf("after editing the second and later: %v", titles)
	}

	resp, page = w.wc.submit("/meetups/"+itoa(second)+"/cancel", url.Values{"reason": {""}, "scope": {"this"}})
	if resp.StatusCode != 422 || !strings.Contains(page, w.a.views.translate("nl", "meetup.cancel_reason.required", nil)) {
		t.Errorf("cancel without a reason = %d", resp.StatusCode)
	}
	if resp, _ := w.wc.submit("/meetups/"+itoa(second)+"/cancel", url.Values{"reason": {"Ziek"}, "scope": {"this"}}); resp.StatusCode != 303 {
		t.Errorf("cancel only this = %d", resp.StatusCode)
	}
	if n := w.count("SELECT count(*) FROM meetups WHERE status = 'cancelled'"); n != 1 {
		t.Errorf("%d cancelled after cancelling only this one", n)
	}
	if resp, _ := w.as(w.resident("Bob")).submit("/meetups/"+itoa(second)+"/cancel", url.Values{"reason": {"Ik wil niet"}}); resp.StatusCode != 403 {
		t.Errorf("a resident cancels = %d", resp.StatusCode)
	}
}

func TestCommentsAreForSignedInPeople(t *testing.T) {
	t.Parallel()
	w := mtNew(t)
	m := w.meetup(w.wc, w.mtBody("Soepcafé", tomorrow(), 0))
	id := itoa(m.ID)
	ann := w.as(w.resident("Ann"))
	_, _ = ann.page("/meetups/" + id)
	if resp, _ := ann.submit("/meetups/"+id+"/comments", url.Values{"body": {"Ik breng brood mee!"}}); resp.StatusCode != 303 {
		t.Fatalf("comment = %d", resp.StatusCode)
	}
	resp, page := ann.submit("/meetups/"+id+"/comments", url.Values{"body": {"  "}})
	if resp.StatusCode != 422 || !strings.Contains(page, w.a.views.translate("nl", "comment.body.required", nil)) {
		t.Errorf("empty comment = %d", resp.StatusCode)
	}
	_, page = ann.page("/meetups/" + id)
	if !strings.Contains(page, "Ik breng brood mee!") || !strings.Contains(page, `name="kind" value="meetup_comment"`) {
		t.Errorf("the comment or its report form is missing")
	}
	if _, page := w.anon().page("/meetups/" + id); strings.Contains(page, "Ik breng brood mee!") {
		t.Errorf("comments shown to someone not signed in")
	}
	if status, _ := w.anon().call("GET", "/api/v1/meetups/"+id+"/comments", nil); status != 401 {
		t.Errorf("anonymous reads comments = %d", status)
	}
	status, out := w.wc.call("POST", "/api/v1/meetups/"+id+"/comments", map[string]string{"body": "Welkom!"})
	if status != 201 {
		t.Fatalf("API comment = %d %s", status, out)
	}
	_, out = w.wc.call("GET", "/api/v1/meetups/"+id+"/comments", nil)
	got := fxDecode[struct {
		Comments []struct {
			Body   string `json:"body"`
			Author struct {
				DisplayName string `json:"display_name"`
			} `json:"author"`
		} `json:"comments"`
	}](t, out)
	if len(got.Comments) != 2 || got.Comments[0].Author.DisplayName != "Ann" || got.Comments[1].Body != "Welkom!" {
		t.Errorf("comments = %s", out)
	}
}

func TestTheAPIChangesOrCancelsOneOccurrenceOrAllFollowing(t *testing.T) {
	t.Parallel()
	w := mtNew(t)
	body := w.mtBody("Taalcafé", tomorrow(), 8)
	body["rrule"] = "FREQ=WEEKLY;COUNT=4"
	first := w.meetup(w.wc, body)
	if first.SeriesID == nil || first.StartsAt.Format(time.RFC3339) != tomorrow().Format(time.RFC3339) {
		t.Fatalf("a series answers with its first meetup and series_id: %+v", first)
	}
	var ids []int64
	w.a.db.Gorm.Raw("SELECT id FROM meetups WHERE series_id = ? ORDER BY starts_at", *first.SeriesID).Scan(&ids)
	if len(ids) != 4 {
		t.Fatalf("%d occurrences, want 4", len(ids))
	}
	status, out := w.wc.call("PATCH", "/api/v1/meetups/"+itoa(ids[1])+"?scope=following", map[string]any{"title": "Taalcafé plus"})
	if got := fxDecode[mtMeetup](t, out); status != 200 || got.ID != ids[1] || got.Title != "Taalcafé plus" {
		t.Fatalf("PATCH following = %d %s", status, out)
	}
	status, out = w.wc.call("PATCH", "/api/v1/meetups/"+itoa(ids[2]), map[string]any{"cancel_reason": "Feestdag"})
	if got := fxDecode[mtMeetup](t, out); status != 200 || got.Status != "cancelled" || got.CancelReason != "Feestdag" {
		t.Fatalf("PATCH with cancel_reason = %d %s", status, out)
	}
	status, out = w.wc.call("POST", "/api/v1/meetups/"+itoa(ids[3])+"/cancel", map[string]any{"reason": "", "scope": "following"})
	if status != 422 || decodeErr(t, out).Error.Fields["reason"] == "" {
		t.Errorf("cancel without a reason = %d %s", status, out)
	}
	var got []string
	w.a.db.Gorm.Raw("SELECT title || ' ' || status FROM meetups ORDER BY starts_at").Scan(&got)
	if strings.Join(got, "|") != "Taalcafé published|Taalcafé plus published|Taalcafé plus cancelled|Taalcafé plus published" {
		t.Errorf("after the changes: %v", got)
	}
	if status, _ := w.as(w.resident("Ann")).call("PATCH", "/api/v1/meetups/"+itoa(ids[0]), map[string]any{"title": "Van mij"}); status != 403 {
		t.Errorf("a resident changes the meetup = %d", status)
	}
}
