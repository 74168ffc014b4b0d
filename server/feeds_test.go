package main

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"

	"nabij/models"
)

// ckCalendar fetches a feed and parses it with emersion/go-ical, a parser that shares no code with
// the one that writes it, as a calendar app would.
func ckCalendar(t *testing.T, c *fxClient, path string) (*http.Response, string, *goical.Calendar) {
	t.Helper()
	resp, body := c.page(path)
	if resp.StatusCode != 200 {
		return resp, body, nil
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
		t.Errorf("%s: Content-Type %q", path, ct)
	}
	cal, err := goical.NewDecoder(strings.NewReader(body)).Decode()
	if err != nil {
		t.Fatalf("%s does not parse: %v\n%s", path, err, body)
	}
	return resp, body, cal
}

// ckSummaries are the SUMMARY of every event in a calendar.
func ckSummaries(cal *goical.Calendar) []string {
	var out []string
	for _, e := range cal.Events() {
		s, _ := e.Props.Text(goical.PropSummary)
		out = append(out, s)
	}
	return out
}

func TestWeeklySeriesFeedHasItsRuleExdatesAndOverridesAcrossDaylightSaving(t *testing.T) {
	t.Parallel()
	w := ckNew(t)
	brussels := w.a.cfg.Location
	club := w.group(w.ann, "Repair café", models.MembershipOpen)
	// Weekly from Thursday 8 October 2026 at 19:00, across the end of summer time on 25 October,
	// for five years (so that the series stays in the feed's window whenever this test runs).
	first := w.meetup(w.ann, club, "Repair café", time.Date(2026, 10, 8, 19, 0, 0, 0, brussels), "FREQ=WEEKLY;COUNT=250")
	occurrences, err := models.Meetups(t.Context(), w.a.db.Gorm, w.ann, models.MeetupFilter{SeriesID: *first.SeriesID, Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	cancelled, moved := occurrences[3], occurrences[4] // 29 October, after the change; 5 November
	if _, err := models.CancelMeetup(t.Context(), w.a.db.Gorm, w.ann, cancelled.ID, "Herfstvakantie", models.OnlyThis); err != nil {
		t.Fatal(err)
	}
	later := time.Date(2026, 11, 5, 20, 0, 0, 0, brussels)
	if _, err := models.UpdateMeetup(t.Context(), w.a.db.Gorm, w.ann, moved.ID, models.MeetupInput{StartsAt: &later, EndsAt: new(later.Add(2 * time.Hour))}, models.OnlyThis); err != nil {
		t.Fatal(err)
	}
	single := w.meetup(w.ann, club, "Kerstmarkt", time.Date(2026, 12, 19, 14, 0, 0, 0, brussels), "")
	if _, err := models.CancelMeetup(t.Context(), w.a.db.Gorm, w.ann, single.ID, "Te koud", models.OnlyThis); err != nil {
		t.Fatal(err)
	}

	anon := w.anon()
	path := fmt.Sprintf("/groups/%d/calendar.ics", club.ID)
	_, body, cal := ckCalendar(t, anon, path)
	if cal == nil {
		t.Fatalf("group feed: %s", body)
	}
	if !strings.Contains(body, "BEGIN:VTIMEZONE\r\nTZID:Europe/Brussels") {
		t.Error("the feed has no VTIMEZONE for Europe/Brussels")
	}
	var master, override, kerst *goical.Event
	for i, e := range cal.Events() {
		s, _ := e.Props.Text(goical.PropSummary)
		switch {
		case s == "Kerstmarkt":
			kerst = &cal.Events()[i]
		case e.Props.Get(goical.PropRecurrenceID) != nil:
			override = &cal.Events()[i]
		case e.Props.Get(goical.PropRecurrenceRule) != nil:
			master = &cal.Events()[i]
		}
	}
	if master == nil || override == nil || kerst == nil || len(cal.Events()) != 3 {
		t.Fatalf("want the series, one changed occurrence and the cancelled meetup, got %v", ckSummaries(cal))
	}
	if p := master.Props.Get(goical.PropDateTimeStart); p.Value != "20261008T190000" || p.Params.Get("TZID") != "Europe/Brussels" {
		t.Errorf("DTSTART %s;TZID=%s, want 20261008T190000 in Europe/Brussels", p.Value, p.Params.Get("TZID"))
	}
	if r := master.Props.Get(goical.PropRecurrenceRule).Value; r != "FREQ=WEEKLY;COUNT=250" {
		t.Errorf("RRULE %s", r)
	}
	exdates := master.Props.Values(goical.PropExceptionDates)
	if len(exdates) != 1 || exdates[0].Value != "20261029T190000" || exdates[0].Params.Get("TZID") != "Europe/Brussels" {
		t.Fatalf("EXDATE %+v, want only 20261029T190000 in Europe/Brussels", exdates)
	}
	if at, _ := exdates[0].DateTime(nil); !at.Equal(time.Date(2026, 10, 29, 18, 0, 0, 0, time.UTC)) {
		t.Errorf("the EXDATE is %s, want 18:00 UTC (19:00 in winter time)", at.UTC())
	}
	set, err := master.RecurrenceSet(nil)
	if err != nil {
		t.Fatal(err)
	}
	got := set.Between(time.Date(2026, 10, 20, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 14, 0, 0, 0, 0, time.UTC), true)
	want := []time.Time{time.Date(2026, 10, 22, 17, 0, 0, 0, time.UTC), time.Date(2026, 11, 5, 18, 0, 0, 0, time.UTC), time.Date(2026, 11, 12, 18, 0, 0, 0, time.UTC)}
	if !slices.EqualFunc(got, want, time.Time.Equal) {
		t.Errorf("the rule expands to %v, want %v (19:00 in Brussels, without 29 October)", got, want)
	}
	if rid := override.Props.Get(goical.PropRecurrenceID); rid.Value != "20261105T190000" {
		t.Errorf("RECURRENCE-ID %s, want the original start 20261105T190000", rid.Value)
	}
	if start, _ := override.DateTimeStart(nil); !start.Equal(later) {
		t.Errorf("the moved occurrence starts %s, want %s", start, later)
	}
	if uid := func(e *goical.Event) string { s, _ := e.Props.Text(goical.PropUID); return s }; uid(master) != uid(override) {
		t.Errorf("the override's UID %q is not the series' %q", uid(override), uid(master))
	}
	if status, _ := kerst.Status(); status != goical.EventCancelled {
		t.Errorf("the cancelled meetup has STATUS %q", status)
	}

	if _, again := anon.page(path); again != body {
		t.Error("fetching the feed twice gives different calendars: UIDs or stamps are not stable")
	}
	_, _, hood := ckCalendar(t, anon, fmt.Sprintf("/neighbourhoods/%d/calendar.ics", w.hoodID))
	if hood == nil || len(hood.Events()) != 3 {
		t.Errorf("the neighbourhood feed should hold the same three events")
	}
}

func TestOneMeetupDownloadsAsACalendarFileBesideItsPage(t *testing.T) {
	t.Parallel()
	w := ckNew(t)
	m := w.meetup(w.worker, nil, "Buurtsoep", time.Now().Add(48*time.Hour), "")
	resp, _, cal := ckCalendar(t, w.anon(), fmt.Sprintf("/meetups/%d.ics", m.ID))
	if cal == nil {
		t.Fatalf("/meetups/%d.ics: %d", m.ID, resp.StatusCode)
	}
	if cd := resp.Header.Get("Content-Disposition"); cd != fmt.Sprintf(`attachment; filename="meetup-%d.ics"`, m.ID) {
		t.Errorf("Content-Disposition %q", cd)
	}
	if s := ckSummaries(cal); len(s) != 1 || s[0] != "Buurtsoep" {
		t.Errorf("events %v", s)
	}
	// The meetup page itself is not taken for the download, nor the other way round.
	if resp, _ := w.anon().page(fmt.Sprintf("/meetups/%d", m.ID)); resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("/meetups/{id}: %d %q, want the meetup page", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if resp, _ := w.anon().page("/meetups/abc.ics"); resp.StatusCode != 404 {
		t.Errorf("/meetups/abc.ics: %d, want 404", resp.StatusCode)
	}
}

func TestPrivateGroupMeetupsStayOutOfEveryFeed(t *testing.T) {
	t.Parallel()
	w := ckNew(t)
	w.meetup(w.worker, nil, "Buurtsoep", time.Now().Add(48*time.Hour), "")
	private := w.group(w.ann, "Moeders van Noord", models.MembershipPrivate)
	secret := w.meetup(w.ann, private, "Geheime picknick", time.Now().Add(72*time.Hour), "")
	hoodFeed := fmt.Sprintf("/neighbourhoods/%d/calendar.ics", w.hoodID)

	for name, c := range map[string]*fxClient{"someone not signed in": w.anon(), "a non-member": w.as(w.bo)} {
		_, body, cal := ckCalendar(t, c, hoodFeed)
		if cal == nil || strings.Contains(body, "Geheime picknick") || !slices.Contains(ckSummaries(cal), "Buurtsoep") {
			t.Errorf("%s: the neighbourhood feed shows the private meetup or misses the public one: %v", name, ckSummaries(cal))
		}
		if resp, _ := c.page(fmt.Sprintf("/meetups/%d.ics", secret.ID)); resp.StatusCode != 404 {
			t.Errorf("%s downloads the private meetup: %d, want 404", name, resp.StatusCode)
		}
		if resp, _ := c.page(fmt.Sprintf("/groups/%d/calendar.ics", private.ID)); resp.StatusCode != 404 {
			t.Errorf("%s reads the private group's feed: %d, want 404", name, resp.StatusCode)
		}
		if _, body := c.page(fmt.Sprintf("/neighbourhoods/%d/feed.atom", w.hoodID)); strings.Contains(body, "Geheime picknick") {
			t.Errorf("%s finds the private meetup in the Atom feed", name)
		}
	}
	member := w.as(w.ann)
	if _, _, cal := ckCalendar(t, member, hoodFeed); cal == nil || !slices.Contains(ckSummaries(cal), "Geheime picknick") {
		t.Error("a member does not find her private group's meetup in the neighbourhood feed")
	}
	if _, _, cal := ckCalendar(t, member, fmt.Sprintf("/groups/%d/calendar.ics", private.ID)); cal == nil || len(cal.Events()) != 1 {
		t.Error("a member does not get her private group's feed")
	}
	if _, body := member.page(fmt.Sprintf("/neighbourhoods/%d/feed.atom", w.hoodID)); strings.Contains(body, "Geheime picknick") {
		t.Error("the Atom feed, the same for everyone, shows a private meetup to a member")
	}
}

var ckFeedURL = regexp.MustCompile(`<code class="secret">[^<]*/calendar/(nbc_[A-Za-z0-9_-]+)\.ics</code>`)

func TestPersonalCalendarFeedWorksUntilRevoked(t *testing.T) {
	t.Parallel()
	w := ckNew(t)
	soup := w.meetup(w.worker, nil, "Buurtsoep", time.Now().Add(48*time.Hour), "")
	full := w.meetup(w.worker, nil, "Volle bus", time.Now().Add(72*time.Hour), "")
	w.meetup(w.worker, nil, "Niet voor Ann", time.Now().Add(96*time.Hour), "")
	if _, err := models.UpdateMeetup(t.Context(), w.a.db.Gorm, w.worker, full.ID, models.MeetupInput{Capacity: new(1)}, models.OnlyThis); err != nil {
		t.Fatal(err)
	}
	w.signUp(w.ann, soup, 0)
	w.signUp(w.bo, full, 0)
	if r := w.signUp(w.ann, full, 0); r.RSVP.Status != models.RSVPWaitlisted {
		t.Fatalf("Ann should be waitlisted: %s", r.RSVP.Status)
	}

	ann := w.as(w.ann)
	if _, body := ann.page("/agenda/subscribe"); !strings.Contains(body, `action="/agenda/subscribe"`) || ckFeedURL.MatchString(body) {
		t.Fatal("the subscribe page should offer to make a link, and show none yet")
	}
	resp, body := ann.submit("/agenda/subscribe", nil)
	m := ckFeedURL.FindStringSubmatch(body)
	if resp.StatusCode != 200 || m == nil || !strings.Contains(body, `href="webcal://`) {
		t.Fatalf("making the link: %d, the address is not shown", resp.StatusCode)
	}
	if _, body := ann.page("/agenda/subscribe"); strings.Contains(body, m[1]) {
		t.Error("the secret is shown again after it was made")
	}
	feed := "/calendar/" + m[1] + ".ics"
	_, body, cal := ckCalendar(t, w.anon(), feed)
	if cal == nil {
		t.Fatalf("personal feed: %s", body)
	}
	status := map[string]goical.EventStatus{}
	for _, e := range cal.Events() {
		s, _ := e.Props.Text(goical.PropSummary)
		status[s], _ = e.Status()
	}
	if len(status) != 2 || status["Buurtsoep"] != goical.EventConfirmed || status["Volle bus"] != goical.EventTentative {
		t.Errorf("personal feed: %v, want Buurtsoep confirmed and Volle bus tentative (waitlisted)", status)
	}

	if resp, _ := ann.submit("/agenda/subscribe/revoke", nil); resp.StatusCode != 303 {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	if resp, _ := w.anon().page(feed); resp.StatusCode != 404 {
		t.Errorf("the feed after revoking: %d, want 404", resp.StatusCode)
	}

	code, body := ann.call("POST", "/api/v1/me/calendar-token", nil)
	tok := fxDecode[calendarTokenJSON](t, body)
	if code != 201 || !strings.HasSuffix(tok.URL, "/calendar/"+tok.Token+".ics") || !strings.HasPrefix(tok.WebcalURL, "webcal://") {
		t.Fatalf("API token: %d %s", code, body)
	}
	if resp, _ := w.anon().page("/calendar/" + tok.Token + ".ics"); resp.StatusCode != 200 {
		t.Errorf("the API's feed: %d", resp.StatusCode)
	}
	if code, _ := ann.call("DELETE", "/api/v1/me/calendar-token", nil); code != 204 {
		t.Errorf("API revoke: %d", code)
	}
	for _, p := range []string{"/calendar/" + tok.Token + ".ics", "/calendar/nbc_doesnotexist.ics", "/calendar/whatever.ics"} {
		if resp, _ := w.anon().page(p); resp.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", p, resp.StatusCode)
		}
	}
}

func TestAtomFeedIsWellFormedWithTheUpcomingPublicMeetups(t *testing.T) {
	t.Parallel()
	w := ckNew(t)
	w.meetup(w.worker, nil, "Buurtsoep & brood", time.Now().Add(48*time.Hour), "")
	w.meetup(w.worker, nil, "Voorbij", time.Now().Add(-48*time.Hour), "")
	off := w.meetup(w.worker, nil, "Afgelast", time.Now().Add(24*time.Hour), "")
	if _, err := models.CancelMeetup(t.Context(), w.a.db.Gorm, w.worker, off.ID, "Regen", models.OnlyThis); err != nil {
		t.Fatal(err)
	}
	resp, body := w.anon().page(fmt.Sprintf("/neighbourhoods/%d/feed.atom", w.hoodID))
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/atom+xml; charset=utf-8" {
		t.Fatalf("atom: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var feed struct {
		XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
		Title   string   `xml:"title"`
		Updated string   `xml:"updated"`
		Entries []struct {
			ID      string `xml:"id"`
			Title   string `xml:"title"`
			Updated string `xml:"updated"`
			Link    struct {
				Href string `xml:"href,attr"`
			} `xml:"link"`
			Content string `xml:"content"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal([]byte(body), &feed); err != nil {
		t.Fatalf("not well-formed Atom: %v\n%s", err, body)
	}
	if feed.Title != "Bijeenkomsten in Noord" || feed.Updated == "" {
		t.Errorf("feed title %q, updated %q", feed.Title, feed.Updated)
	}
	if len(feed.Entries) != 1 || feed.Entries[0].Title != "Buurtsoep & brood" {
		t.Fatalf("entries %+v, want only the upcoming public meetup", feed.Entries)
	}
	e := feed.Entries[0]
	if !strings.HasPrefix(e.Link.Href, w.a.cfg.BaseURL+"/meetups/") || e.ID != e.Link.Href || !strings.Contains(e.Content, "Buurthuis Noord") {
		t.Errorf("entry %+v", e)
	}
	if _, err := time.Parse(time.RFC3339, e.Updated); err != nil {
		t.Errorf("entry updated %q: %v", e.Updated, err)
	}
}
