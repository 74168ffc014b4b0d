package main

import (
	"html"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"nabij/models"
)

// mtTitles are the meetup titles on an agenda page, in order.
func mtTitles(page string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<h3 class="meetup-title"><a href="/meetups/\d+">([^<]*)</a>`).FindAllStringSubmatch(page, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestTheAgendaFiltersByGroupFactsLanguageAndDates(t *testing.T) {
	t.Parallel()
	w := mtNew(t)
	day := tomorrow()
	facts := func(title string, start time.Time, f map[string]any) map[string]any {
		b := w.mtBody(title, start, 0)
		b["facts"] = f
		return b
	}
	w.meetup(w.wc, facts("Rolstoeldans", day, map[string]any{"free": true, "wheelchair_accessible": true, "languages": []string{"nl"}}))
	w.meetup(w.wc, facts("Kinderatelier", day.Add(time.Hour), map[string]any{"free": false, "cost": "€ 2", "child_friendly": true, "languages": []string{"fr"}}))
	w.meetup(w.wc, facts("Stille koffie", day.AddDate(0, 0, 1), map[string]any{"free": true, "quiet_space": true, "food_provided": true, "interpreter": true}))
	w.meetup(w.wc, facts("Later dit jaar", day.AddDate(0, 0, 70), map[string]any{"free": true}))
	org := w.resident("Olga")
	name := "Breiclub"
	g, err := models.CreateGroup(t.Context(), w.a.db.Gorm, org, w.hood, models.GroupInput{Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	inGroup := facts("Breien", day.AddDate(0, 0, 2), map[string]any{"free": true})
	inGroup["group_id"] = g.ID
	w.meetup(w.as(org), inGroup)

	agenda := "/neighbourhoods/" + itoa(w.hood) + "/agenda"
	c := w.anon()
	cases := map[string][]string{
		"":                             {"Rolstoeldans", "Kinderatelier", "Stille koffie", "Breien"},
		"?wheelchair_accessible=1":     {"Rolstoeldans"},
		"?child_friendly=1":            {"Kinderatelier"},
		"?free=1":                      {"Rolstoeldans", "Stille koffie", "Breien"},
		"?interpreter=1&quiet_space=1": {"Stille koffie"},
		"?food_provided=1":             {"Stille koffie"},
		"?language=fr":                 {"Kinderatelier"},
		"?group=" + itoa(g.ID):         {"Breien"},
		"?from=" + day.AddDate(0, 0, 60).Format(time.DateOnly):                                     {"Later dit jaar"},
		"?from=" + day.Format(time.DateOnly) + "&to=" + day.AddDate(0, 0, 1).Format(time.DateOnly): {"Rolstoeldans", "Kinderatelier", "Stille koffie"},
	}
	for query, want := range cases {
		resp, page := c.page(agenda + query)
		if got := mtTitles(page); resp.StatusCode != 200 || !slices.Equal(got, want) {
			t.Errorf("agenda%s = %d %v, want %v", query, resp.StatusCode, got, want)
		}
	}
	_, page := c.page(agenda)
	for _, want := range []string{"Breiclub", "Toegankelijk met rolstoel", "Kindvriendelijk", "Kost: € 2", "Rustige ruimte", "Tolk aanwezig", "Eten voorzien", "19:30", "20:30"} {
		if !strings.Contains(page, want) {
			t.Errorf("agenda lacks %q", want)
		}
	}
	if strings.Count(page, `<section class="agenda-day">`) != 3 {
		t.Errorf("the four meetups are not grouped in three days")
	}
	resp, page := c.page(agenda + "?to=" + day.AddDate(0, 0, -3).Format(time.DateOnly) + "&language=nederlands")
	if resp.StatusCode != 422 || !strings.Contains(page, w.a.views.translate("nl", "meetups.filter.language_invalid", nil)) {
		t.Errorf("bad filters = %d", resp.StatusCode)
	}

	// The API filters the same way, and explains bad dates.
	_, out := c.call("GET", "/api/v1/meetups?neighbourhood="+itoa(w.hood)+"&free=true&to="+url.QueryEscape(day.AddDate(0, 0, 2).Format(time.RFC3339)), nil)
	var titles []string
	for _, m := range fxDecode[struct{ Meetups []mtMeetup }](t, out).Meetups {
		titles = append(titles, m.Title)
	}
	if !slices.Equal(titles, []string{"Rolstoeldans", "Stille koffie"}) {
		t.Errorf("API free meetups before day 2 = %v", titles)
	}
	for _, query := range []string{"from=gisteren", "to=2026-13-01T00:00:00Z", "limit=0", "group=x"} {
		status, out := c.call("GET", "/api/v1/meetups?"+query, nil)
		if e := decodeErr(t, out); status != 422 || len(e.Error.Fields) != 1 {
			t.Errorf("API list ?%s = %d %s", query, status, out)
		}
	}
	status, out := c.call("GET", "/api/v1/meetups?from=2027-03-29T19:30:00+02:00", nil) // an unescaped + arrives as a space
	if status != 200 {
		t.Errorf("API list with an unescaped offset = %d %s", status, out)
	}
}

// TestAWeeklyMeetupKeepsItsTimeAcrossTheSpringDSTChange: clocks in Brussels go forward on
// 29 March 2026; a meetup every Tuesday at 19:30 stays at 19:30 on the agenda.
func TestAWeeklyMeetupKeepsItsTimeAcrossTheSpringDSTChange(t *testing.T) {
	t.Parallel()
	w := mtNew(t)
	path := "/neighbourhoods/" + itoa(w.hood) + "/meetups/new"
	_, _ = w.wc.page(path)
	resp, _ := w.wc.submit(path, url.Values{"title": {"Taalcafé"}, "starts_at": {"2026-03-17T19:30"}, "ends_at": {"2026-03-17T21:00"},
		"place_name": {"Bib"}, "free": {"1"}, "repeat": {"weekly"}, "repeat_until": {"2026-04-07"}, "publish": {"1"}})
	if resp.StatusCode != 303 {
		t.Fatalf("create weekly series = %d", resp.StatusCode)
	}
	_, page := w.anon().page("/neighbourhoods/" + itoa(w.hood) + "/agenda?from=2026-03-16&to=2026-04-10")
	if got := mtTitles(page); len(got) != 4 {
		t.Fatalf("%d meetups on the agenda, want 4 (17, 24, 31 March, 7 April)", len(got))
	}
	if n := strings.Count(page, ">19:30</time>"); n != 4 {
		t.Errorf("%d of 4 meetups at 19:30 on the agenda", n)
	}
	page = html.UnescapeString(page)
	for _, want := range []string{`datetime="2026-03-24T19:30:00+01:00"`, `datetime="2026-03-31T19:30:00+02:00"`, "dinsdag 31 maart"} {
		if !strings.Contains(page, want) {
			t.Errorf("agenda lacks %s", want)
		}
	}
	var utc []string
	w.a.db.Gorm.Raw("SELECT to_char(starts_at AT TIME ZONE 'UTC', 'MM-DD HH24:MI') FROM meetups ORDER BY starts_at").Scan(&utc)
	if strings.Join(utc, ",") != "03-17 18:30,03-24 18:30,03-31 17:30,04-07 17:30" {
		t.Errorf("stored starts in UTC: %v", utc)
	}
}

func TestTheAgendaPagesWithLaterAndShowsEachMeetupOnce(t *testing.T) {
	t.Parallel()
	w := mtNew(t)
	start := tomorrow()
	body := w.mtBody("Ochtendwandeling", start, 0)
	body["rrule"] = "FREQ=DAILY;COUNT=45"
	w.meetup(w.wc, body)
	body = w.mtBody("Avondwandeling", start, 0) // at the same times: ties on the start
	body["rrule"] = "FREQ=DAILY;COUNT=45"
	w.meetup(w.wc, body)

	c := w.anon()
	next := "/neighbourhoods/" + itoa(w.hood) + "/agenda?free=1"
	seen := map[string]bool{}
	pages := 0
	for next != "" && pages < 5 {
		_, page := c.page(next)
		pages++
		for _, m := range regexp.MustCompile(`<h3 class="meetup-title"><a href="(/meetups/\d+)">`).FindAllStringSubmatch(page, -1) {
			if seen[m[1]] {
				t.Errorf("page %d shows %s again", pages, m[1])
			}
			seen[m[1]] = true
		}
		next = ""
		if m := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(page); m != nil {
			next = strings.ReplaceAll(m[1], "&amp;", "&")
			if !strings.Contains(next, "free=1") {
				t.Errorf("the later link forgets the filter: %s", next)
			}
		}
	}
	// Eight weeks hold 45 days of both walks: 90 meetups, on two pages.
	if pages != 2 || len(seen) != 90 {
		t.Errorf("%d pages with %d meetups, want 2 pages with 90", pages, len(seen))
	}
}

// TestTheAgendaIsAFewQueriesWhateverTheNumberOfMeetups fills the database with 100,000 meetups
// and checks that the agenda page makes the same few queries and answers quickly.
func TestTheAgendaIsAFewQueriesWhateverTheNumberOfMeetups(t *testing.T) {
	t.Parallel()
	w := mtNew(t)
	org := w.resident("Olga")
	name := "Breiclub"
	g, err := models.CreateGroup(t.Context(), w.a.db.Gorm, org, w.hood, models.GroupInput{Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	other := w.fxWorld.hood("Muide")
	// A year back and four years ahead, one every half hour or so in Rabot, some in a group, the
	// rest in another neighbourhood.
	err = w.a.db.Gorm.Exec(`INSERT INTO meetups (neighbourhood_id, group_id, title, starts_at, ends_at, place_name, status, door_code, capacity)
		SELECT CASE WHEN i % 4 = 0 THEN ?::bigint ELSE ?::bigint END, CASE WHEN i % 4 = 1 THEN ?::bigint END, 'Bijeenkomst ' || i,
			now() - interval '365 days' + i * interval '26 minutes', now() - interval '365 days' + i * interval '26 minutes' + interval '2 hours',
			'Buurthuis', 'published', md5(i::text), CASE WHEN i % 3 = 0 THEN 20 END
		FROM generate_series(1, 100000) AS i`, other, w.hood, g.ID).Error
	if err != nil {
		t.Fatal(err)
	}
	w.a.db.Gorm.Exec("ANALYZE meetups")

	var queries atomic.Int32
	count := func(*gorm.DB) { queries.Add(1) }
	cb := w.a.db.Gorm.Callback()
	cb.Query().After("gorm:query").Register("mt:count_query", count)
	cb.Row().After("gorm:row").Register("mt:count_row", count)
	cb.Raw().After("gorm:raw").Register("mt:count_raw", count)

	c := w.anon()
	path := "/neighbourhoods/" + itoa(w.hood) + "/agenda"
	var took []time.Duration
	for range 15 {
		queries.Store(0)
		began := time.Now()
		resp, page := c.page(path)
		took = append(took, time.Since(began))
		if resp.StatusCode != 200 || len(mtTitles(page)) != agendaPageSize || !strings.Contains(page, `rel="next"`) {
			t.Fatalf("agenda = %d with %d meetups", resp.StatusCode, len(mtTitles(page)))
		}
		if n := queries.Load(); n > 3 {
			t.Fatalf("the agenda made %d queries: the neighbourhood, its groups and the meetups should do", n)
		}
	}
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	t.Logf("agenda page with 100,000 meetups: median %v, slowest %v", took[len(took)/2], took[len(took)-1])
	if took[len(took)/2] > 50*time.Millisecond {
		t.Errorf("the agenda takes %v (median)", took[len(took)/2])
	}
}

func TestMyAgendaListsWhatISignedUpForWithWhereIStand(t *testing.T) {
	t.Parallel()
	w := mtNew(t)
	full := w.meetup(w.wc, w.mtBody("Kookles", tomorrow(), 1))
	open := w.meetup(w.wc, w.mtBody("Wandeling", tomorrow().AddDate(0, 0, 3), 0))
	w.meetup(w.wc, w.mtBody("Niet voor mij", tomorrow().AddDate(0, 0, 4), 0))
	ann, bob := w.as(w.resident("Ann")), w.as(w.resident("Bob"))
	ann.call("POST", "/api/v1/meetups/"+itoa(full.ID)+"/rsvp", map[string]any{"status": "going"})
	bob.call("POST", "/api/v1/meetups/"+itoa(full.ID)+"/rsvp", map[string]any{"status": "going"})
	bob.call("POST", "/api/v1/meetups/"+itoa(open.ID)+"/rsvp", map[string]any{"status": "going", "companions": 2})

	resp, page := bob.page("/agenda")
	if got := mtTitles(page); resp.StatusCode != 200 || !slices.Equal(got, []string{"Kookles", "Wandeling"}) {
		t.Fatalf("my agenda = %d %v", resp.StatusCode, got)
	}
	if !strings.Contains(page, "Op de wachtlijst, plaats 1") || !strings.Contains(page, "Je komt, met 2 mee") || !strings.Contains(page, `href="/agenda/subscribe"`) {
		t.Errorf("my agenda does not say where I stand")
	}
	status, out := bob.call("GET", "/api/v1/me/meetups", nil)
	got := fxDecode[struct{ Meetups []mtMeetup }](t, out)
	if status != 200 || len(got.Meetups) != 2 || got.Meetups[0].MyRSVP.Status != "waitlisted" || got.Meetups[0].MyRSVP.Position != 1 ||
		got.Meetups[1].MyRSVP.Companions != 2 {
		t.Errorf("API my agenda = %d %s", status, out)
	}
	if resp, _ := w.anon().page("/agenda"); resp.StatusCode != 303 {
		t.Errorf("my agenda without signing in = %d", resp.StatusCode)
	}
}
