package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"regexp"
	"sync"
	"sync/atomic"
	"time"
)

// fixtures makes what the runs need through the API only, so the load works against any Nabij:
// a coordinator's token, neighbourhoods, residents with tokens, meetups.
type fixtures struct {
	c         *client
	st        *state
	statePath string
	coord     auth
	conns     int // concurrent requests while setting up
	log       func(format string, args ...any)
}

// meJSON is the part of GET /api/v1/me the load needs.
type meJSON struct {
	ID   int64  `json:"id"`
	Role string `json:"role"`
}

// signIn gets a coordinator's token: the one kept from an earlier run while it still works,
// otherwise a new one made after signing in with the password.
func (f *fixtures) signIn(ctx context.Context, identifier, password string) error {
	if f.st.Coordinator == identifier && f.st.CoordinatorToken != "" {
		var me meJSON
		if _, err := f.c.call(ctx, bearer(f.st.CoordinatorToken), "GET", "/api/v1/me", nil, &me); err == nil {
			f.coord = bearer(f.st.CoordinatorToken)
			return checkCoordinator(identifier, me)
		}
	}
	var s struct {
		User      meJSON `json:"user"`
		CSRFToken string `json:"csrf_token"`
	}
	h, err := f.c.call(ctx, auth{}, "POST", "/api/v1/auth/login", map[string]string{"identifier": identifier, "password": password}, &s)
	if err != nil {
		return fmt.Errorf("sign in as %s (set -coordinator and -password): %w", identifier, err)
	}
	if err := checkCoordinator(identifier, s.User); err != nil {
		return err
	}
	token, err := f.tokenFor(ctx, auth{cookie: sessionCookie(h), csrf: s.CSRFToken})
	if err != nil {
		return err
	}
	f.st.Coordinator, f.st.CoordinatorToken = identifier, token
	f.coord = bearer(token)
	return f.st.save(f.statePath)
}

func checkCoordinator(identifier string, me meJSON) error {
	if me.Role != "coordinator" {
		return fmt.Errorf("%s is a %s; the load test needs a coordinator (it creates neighbourhoods)", identifier, me.Role)
	}
	return nil
}

// tokenFor makes a personal API token in a fresh session and then ends the session.
func (f *fixtures) tokenFor(ctx context.Context, session auth) (string, error) {
	var t struct {
		Token string `json:"token"`
	}
	if _, err := f.c.call(ctx, session, "POST", "/api/v1/me/tokens", map[string]string{"name": "load test"}, &t); err != nil {
		return "", err
	}
	if _, err := f.c.call(ctx, session, "POST", "/api/v1/auth/logout", nil, nil); err != nil {
		return "", err
	}
	return t.Token, nil
}

// neighbourhood is the one named name, created with description when there is none yet.
func (f *fixtures) neighbourhood(ctx context.Context, name, description string) (neighbourhoodJSON, error) {
	var hoods []neighbourhoodJSON
	if _, err := f.c.call(ctx, f.coord, "GET", "/api/v1/neighbourhoods", nil, &hoods); err != nil {
		return neighbourhoodJSON{}, err
	}
	for _, h := range hoods {
		if h.Name == name {
			return h, nil
		}
	}
	var h neighbourhoodJSON
	in := map[string]string{"name": name, "municipality": "Belastingen", "description": description}
	_, err := f.c.call(ctx, f.coord, "POST", "/api/v1/neighbourhoods", in, &h)
	return h, err
}

type neighbourhoodJSON struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

// users makes sure there are n load residents with working tokens, living in neighbourhood
// home. Residents are registered the way a community worker does it (no password, so no costly
// password hash), sign in with the one-time code they get, and make a token.
func (f *fixtures) users(ctx context.Context, n int, home int64) ([]loadUser, error) {
	if len(f.st.Users) > 0 && !f.usersStillWork(ctx) {
		f.log("the residents in %s are unknown to this Nabij (new database?): making new ones", f.statePath)
		f.st.Users = nil
	}
	missing := n - len(f.st.Users)
	if missing <= 0 {
		return f.st.Users[:n], nil
	}
	f.log("making %d residents with tokens ...", missing)
	start := time.Now()
	tag := randomTag()
	var (
		mu    sync.Mutex
		next  atomic.Int64
		saved = len(f.st.Users)
	)
	err := parallel(ctx, f.conns, func(ctx context.Context) error {
		for {
			i := next.Add(1)
			if i > int64(missing) {
				return nil
			}
			u, err := f.newResident(ctx, fmt.Sprintf("load.%s.%d", tag, i), home)
			if err != nil {
				return err
			}
			mu.Lock()
			f.st.Users = append(f.st.Users, u)
			if len(f.st.Users)-saved >= 1000 { // an interrupted set-up keeps what it made
				saved = len(f.st.Users)
				err = f.st.save(f.statePath)
			}
			mu.Unlock()
			if err != nil {
				return err
			}
		}
	})
	if serr := f.st.save(f.statePath); err == nil {
		err = serr
	}
	if err != nil {
		return nil, err
	}
	el := time.Since(start)
	f.log("made %d residents in %s (%.0f/s), kept in %s", missing, round(el), float64(missing)/el.Seconds(), f.statePath)
	return f.st.Users[:n], nil
}

// usersStillWork checks the first and last kept token: a new database forgets them all at once.
func (f *fixtures) usersStillWork(ctx context.Context) bool {
	for _, u := range []loadUser{f.st.Users[0], f.st.Users[len(f.st.Users)-1]} {
		var me meJSON
		if _, err := f.c.call(ctx, bearer(u.Token), "GET", "/api/v1/me", nil, &me); err != nil || me.ID != u.ID {
			return false
		}
	}
	return true
}

// newResident registers one resident, signs in with their code and makes their token.
func (f *fixtures) newResident(ctx context.Context, username string, home int64) (loadUser, error) {
	var reg struct {
		User meJSON `json:"user"`
		Code string `json:"code"`
	}
	in := map[string]any{"display_name": "Buur " + username, "username": username, "neighbourhood_id": home, "language": "nl"}
	if _, err := f.c.call(ctx, f.coord, "POST", "/api/v1/users", in, &reg); err != nil {
		return loadUser{}, err
	}
	var s struct {
		CSRFToken string `json:"csrf_token"`
	}
	h, err := f.c.call(ctx, auth{}, "POST", "/api/v1/auth/code", map[string]string{"code": reg.Code}, &s)
	if err != nil {
		return loadUser{}, err
	}
	token, err := f.tokenFor(ctx, auth{cookie: sessionCookie(h), csrf: s.CSRFToken})
	return loadUser{ID: reg.User.ID, Token: token}, err
}

// meetupIn is a meetup to create (POST /api/v1/meetups).
type meetupIn struct {
	NeighbourhoodID int64     `json:"neighbourhood_id"`
	RRule           string    `json:"rrule,omitempty"`
	Title           string    `json:"title"`
	Description     string    `json:"description"`
	StartsAt        time.Time `json:"starts_at"`
	EndsAt          time.Time `json:"ends_at"`
	Place           placeJSON `json:"place"`
	Capacity        int       `json:"capacity,omitempty"`
	Facts           factsJSON `json:"facts"`
	Publish         bool      `json:"publish"`
}

type placeJSON struct {
	Name    string `json:"name"`
	Address string `json:"address"`
}

type factsJSON struct {
	Free bool `json:"free"`
}

// meetupJSON is the part of a meetup the load reads back.
type meetupJSON struct {
	ID            int64  `json:"id"`
	Title         string `json:"title"`
	Capacity      *int   `json:"capacity"`
	SeatsTaken    int    `json:"seats_taken"`
	WaitlistCount *int   `json:"waitlist_count"`
}

func newMeetupIn(hood int64, title string, start time.Time, capacity int) meetupIn {
	return meetupIn{NeighbourhoodID: hood, Title: title, Description: "Gemaakt door de belastingtest (go run ./server/load).",
		StartsAt: start, EndsAt: start.Add(90 * time.Minute), Capacity: capacity, Publish: true, Facts: factsJSON{Free: true},
		Place: placeJSON{Name: "Buurthuis De Belasting", Address: "Belastingstraat 1"}}
}

// signUpMeetups creates n fresh published meetups with a capacity, for one sign-up run: fresh,
// so every sign-up's outcome is known and can be checked against the meetup afterwards.
func (f *fixtures) signUpMeetups(ctx context.Context, hood int64, n, capacity int, title string) ([]int64, error) {
	ids := make([]int64, n)
	start := time.Now().Add(48 * time.Hour).Truncate(time.Hour).UTC()
	var next atomic.Int64
	err := parallel(ctx, f.conns, func(ctx context.Context) error {
		for {
			i := int(next.Add(1)) - 1
			if i >= n {
				return nil
			}
			t := title + " (belastingtest)"
			if n > 1 {
				t = fmt.Sprintf("%s %d (belastingtest)", title, i+1)
			}
			in := newMeetupIn(hood, t, start.Add(time.Duration(i)*time.Minute), capacity)
			var m meetupJSON
			if _, err := f.c.call(ctx, f.coord, "POST", "/api/v1/meetups", in, &m); err != nil {
				return err
			}
			ids[i] = m.ID
		}
	})
	return ids, err
}

// Agenda layout: weekly series of seriesLength meetups (five years, within Nabij's limits on a
// series), each on its own weekday and quarter hour between 8:00 and 22:00 UTC. The first week
// lies half a series back, so half the meetups are past (history) and half to come, as in a
// neighbourhood that has used Nabij for years.
const seriesLength = 260

var anchorPattern = regexp.MustCompile(`weekly from (\d{4}-\d{2}-\d{2})`)

// agendaDescription records the layout's first week in the neighbourhood itself, so a later run
// (from another checkout, or without the state file) finds the series it has to check.
func agendaDescription(anchor time.Time) string {
	return "Neighbourhood of the load test (go run ./server/load): meetup series weekly from " + anchor.Format("2006-01-02") + "."
}

// agendaAnchor is the Monday the layout starts on: as recorded, or half a series ago.
func agendaAnchor(description string, now time.Time) time.Time {
	if m := anchorPattern.FindStringSubmatch(description); m != nil {
		if t, err := time.Parse("2006-01-02", m[1]); err == nil {
			return t
		}
	}
	t := now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -7*seriesLength/2)
	return t.AddDate(0, 0, -(int(t.Weekday())+6)%7)
}

// agendaSeries is series i of the layout: its first start, title and number of meetups.
func agendaSeries(anchor time.Time, i, total int) (time.Time, string, int) {
	slot := i / 7
	start := anchor.AddDate(0, 0, i%7).Add(8*time.Hour + time.Duration(slot%56)*15*time.Minute + time.Duration(slot/56)*time.Minute)
	return start, fmt.Sprintf("Buurtactiviteit %d", i+1), min(seriesLength, total-i*seriesLength)
}

// seedAgenda makes sure neighbourhood hood holds total meetups in the layout above: it looks for
// the first meetup of every series and creates the series that are missing, many meetups per
// request (RRULE). A second run finds them all and creates nothing.
func (f *fixtures) seedAgenda(ctx context.Context, hood neighbourhoodJSON, total int) error {
	anchor := agendaAnchor(hood.Description, time.Now())
	series := (total + seriesLength - 1) / seriesLength
	start := time.Now()
	var next, created atomic.Int64
	err := parallel(ctx, min(f.conns, 4), func(ctx context.Context) error {
		for {
			i := int(next.Add(1)) - 1
			if i >= series {
				return nil
			}
			first, title, count := agendaSeries(anchor, i, total)
			ok, err := f.seriesExists(ctx, hood.ID, first, title)
			if err != nil || ok {
				if err != nil {
					return err
				}
				continue
			}
			in := newMeetupIn(hood.ID, title, first, 0)
			in.RRule = fmt.Sprintf("FREQ=WEEKLY;COUNT=%d", count)
			if _, err := f.c.call(ctx, f.coord, "POST", "/api/v1/meetups", in, nil); err != nil {
				return err
			}
			created.Add(int64(count))
		}
	})
	if err != nil {
		return err
	}
	el := time.Since(start)
	if created.Load() == 0 {
		f.log("agenda: neighbourhood %d already holds the %d meetups (checked in %s)", hood.ID, total, round(el))
	} else {
		f.log("agenda: seeded %d meetups in %d series in %s (%.0f meetups/s)", created.Load(), series, round(el), float64(created.Load())/el.Seconds())
	}
	return nil
}

// seriesExists looks for a series' first meetup at its start.
func (f *fixtures) seriesExists(ctx context.Context, hood int64, first time.Time, title string) (bool, error) {
	q := url.Values{"neighbourhood": {fmt.Sprint(hood)}, "from": {first.Format(time.RFC3339)},
		"to": {first.Add(time.Minute).Format(time.RFC3339)}, "limit": {"10"}}
	var list struct {
		Meetups []meetupJSON `json:"meetups"`
	}
	if _, err := f.c.call(ctx, f.coord, "GET", "/api/v1/meetups?"+q.Encode(), nil, &list); err != nil {
		return false, err
	}
	for _, m := range list.Meetups {
		if m.Title == title {
			return true, nil
		}
	}
	return false, nil
}

// meetups reads meetups back by id, for the capacity check.
func (f *fixtures) meetups(ctx context.Context, ids []int64) ([]meetupJSON, error) {
	out := make([]meetupJSON, len(ids))
	var next atomic.Int64
	err := parallel(ctx, f.conns, func(ctx context.Context) error {
		for {
			i := int(next.Add(1)) - 1
			if i >= len(ids) {
				return nil
			}
			if _, err := f.c.call(ctx, f.coord, "GET", fmt.Sprintf("/api/v1/meetups/%d", ids[i]), nil, &out[i]); err != nil {
				return err
			}
		}
	})
	return out, err
}

// parallel runs fn n times at once and returns the first error; the others are then cancelled.
func parallel(ctx context.Context, n int, fn func(context.Context) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			if err := fn(ctx); err != nil {
				cancel(err)
			}
		})
	}
	wg.Wait()
	return context.Cause(ctx)
}

func randomTag() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func round(d time.Duration) time.Duration { return d.Round(10 * time.Millisecond) }
