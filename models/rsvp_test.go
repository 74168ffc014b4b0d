package models

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestSimultaneousSignUpsFillCapacityExactlyAndWaitInOrderOfArrival(t *testing.T) {
	w := newHoodWorld(t)
	sqlDB, err := w.db.DB()
	if err != nil {
		t.Fatal(err)
	}
	sqlDB.SetMaxOpenConns(64)
	m := w.meetup(t, nil, 20, time.Now().Add(24*time.Hour))
	people := make([]*User, 200)
	for i := range people {
		people[i] = w.resident(t, fmt.Sprintf("buur%03d", i))
	}

	results := make([]*RSVPResult, len(people))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, p := range people {
		wg.Go(func() {
			<-start
			res, err := SetRSVP(t.Context(), w.db, p, m.ID, RSVPInput{Status: RSVPGoing})
			if err != nil {
				t.Errorf("sign-up %d: %v", i, err)
				return
			}
			results[i] = res
		})
	}
	close(start)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	slices.SortFunc(results, func(a, b *RSVPResult) int { return int(a.RSVP.Arrival - b.RSVP.Arrival) })
	for i, res := range results {
		switch {
		case i < 20 && (res.RSVP.Status != RSVPGoing || res.Position != 0):
			t.Errorf("arrival %d: %s at position %d, want going", i+1, res.RSVP.Status, res.Position)
		case i >= 20 && (res.RSVP.Status != RSVPWaitlisted || res.Position != i-19):
			t.Errorf("arrival %d: %s at position %d, want waitlisted at %d", i+1, res.RSVP.Status, res.Position, i-19)
		}
	}
	if got := reload(t, w.db, m.ID); got.SeatsTaken != 20 || got.WaitlistCount != 180 {
		t.Fatalf("meetup has %d places taken and %d waiting, want 20 and 180", got.SeatsTaken, got.WaitlistCount)
	}

	// Ten of those going cancel at the same time: exactly the next ten get their places, once.
	promoted := make(chan []int64, 10)
	for _, res := range results[:10] {
		wg.Go(func() {
			out, err := SetRSVP(t.Context(), w.db, people[slices.IndexFunc(people, func(u *User) bool { return u.ID == *res.RSVP.UserID })],
				m.ID, RSVPInput{Status: RSVPNotGoing})
			if err != nil {
				t.Errorf("cancel: %v", err)
				return
			}
			if out.RSVP.Status != RSVPNotGoing || len(out.Promoted) != 1 {
				t.Errorf("cancel gave %s and promoted %v, want not_going and one promotion", out.RSVP.Status, out.Promoted)
			}
			promoted <- out.Promoted
		})
	}
	wg.Wait()
	close(promoted)
	var got []int64
	for ids := range promoted {
		got = append(got, ids...)
	}
	slices.Sort(got)
	var want []int64
	for _, res := range results[20:30] {
		want = append(want, res.RSVP.ID)
	}
	slices.Sort(want)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("promoted %v, want the first ten on the waitlist %v", got, want)
	}
	if m := reload(t, w.db, m.ID); m.SeatsTaken != 20 || m.WaitlistCount != 170 {
		t.Errorf("after cancellations %d places taken and %d waiting, want 20 and 170", m.SeatsTaken, m.WaitlistCount)
	}
	for i, res := range results[30:] {
		if pos, err := WaitlistPosition(t.Context(), w.db, res.RSVP.ID); err != nil || pos != i+1 {
			t.Errorf("arrival %d now waits at %d (%v), want %d", i+31, pos, err, i+1)
		}
	}
	var doubly int64
	w.db.Raw("SELECT count(*) FROM rsvps WHERE meetup_id = ? AND promoted_at IS NOT NULL", m.ID).Scan(&doubly)
	if doubly != 10 {
		t.Errorf("%d sign-ups marked promoted, want 10", doubly)
	}
}

func TestCompanionsTakePlacesAndTheFirstWhoFitsGetsAFreedPlace(t *testing.T) {
	w := newHoodWorld(t)
	ctx := t.Context()
	m := w.meetup(t, nil, 5, time.Now().Add(24*time.Hour))
	signUp := func(u *User, companions int) *RSVPResult {
		t.Helper()
		res, err := SetRSVP(ctx, w.db, u, m.ID, RSVPInput{Status: RSVPGoing, Companions: companions})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	carla, dirk, emma := w.resident(t, "carla"), w.resident(t, "dirk"), w.resident(t, "emma")
	ann := signUp(w.ann, 2) // 3 places: 2 left
	bob := signUp(w.bob, 2) // needs 3: waits
	c := signUp(carla, 0)   // fits: 1 left
	d := signUp(dirk, 0)    // fits: full
	e := signUp(emma, 0)    // waits behind bob
	for _, x := range []struct {
		res  *RSVPResult
		want RSVPStatus
		pos  int
	}{{ann, RSVPGoing, 0}, {bob, RSVPWaitlisted, 1}, {c, RSVPGoing, 0}, {d, RSVPGoing, 0}, {e, RSVPWaitlisted, 2}} {
		if x.res.RSVP.Status != x.want || x.res.Position != x.pos {
			t.Errorf("sign-up %d: %s at %d, want %s at %d", x.res.RSVP.ID, x.res.RSVP.Status, x.res.Position, x.want, x.pos)
		}
	}

	// Ann comes alone after all: 2 places free. Bob's party of 3 does not fit; Emma does.
	res, err := SetRSVP(ctx, w.db, w.ann, m.ID, RSVPInput{Status: RSVPGoing, Companions: 0})
	if err != nil {
		t.Fatal(err)
	}
	if res.RSVP.Companions != 0 || fmt.Sprint(res.Promoted) != fmt.Sprint([]int64{e.RSVP.ID}) {
		t.Errorf("fewer companions: %d companions, promoted %v, want Emma", res.RSVP.Companions, res.Promoted)
	}
	// One place free; Ann wants to bring two again: no room, nothing changes.
	_, err = SetRSVP(ctx, w.db, w.ann, m.ID, RSVPInput{Status: RSVPGoing, Companions: 2})
	wantField(t, err, "rsvp.no_room")
	// A party larger than the meetup can never fit.
	_, err = SetRSVP(ctx, w.db, w.resident(t, "fien"), m.ID, RSVPInput{Status: RSVPGoing, Companions: 5})
	wantField(t, err, "rsvp.party_too_large")
	// Carla cancels: 2 places free, still not enough for Bob's party; Dirk cancels too: Bob goes.
	if res, err := SetRSVP(ctx, w.db, carla, m.ID, RSVPInput{Status: RSVPNotGoing}); err != nil || len(res.Promoted) != 0 {
		t.Fatalf("carla cancels: %v, promoted %v", err, res.Promoted)
	}
	res, err = SetRSVP(ctx, w.db, dirk, m.ID, RSVPInput{Status: RSVPNotGoing})
	if err != nil || fmt.Sprint(res.Promoted) != fmt.Sprint([]int64{bob.RSVP.ID}) {
		t.Fatalf("dirk cancels: %v, promoted %v, want Bob", err, res.Promoted)
	}
	if got := reload(t, w.db, m.ID); got.SeatsTaken != 5 || got.WaitlistCount != 0 {
		t.Errorf("%d places taken, %d waiting; want 5 and 0", got.SeatsTaken, got.WaitlistCount)
	}
	// Carla signs up again: a new arrival, at the end of the line.
	again, err := SetRSVP(ctx, w.db, carla, m.ID, RSVPInput{Status: RSVPGoing})
	if err != nil || again.RSVP.ID != c.RSVP.ID || again.RSVP.Status != RSVPWaitlisted || again.RSVP.Arrival <= e.RSVP.Arrival {
		t.Errorf("signing up again: %v %+v", err, again)
	}
}

func TestRefusedSignUpsChangeNothing(t *testing.T) {
	w := newHoodWorld(t)
	ctx := t.Context()
	open := w.meetup(t, nil, 10, time.Now().Add(24*time.Hour))
	if _, err := SetRSVP(ctx, w.db, w.ann, open.ID, RSVPInput{Status: RSVPGoing, Companions: 1}); err != nil {
		t.Fatal(err)
	}
	cancelled := w.meetup(t, nil, 10, time.Now().Add(24*time.Hour))
	if _, err := CancelMeetup(ctx, w.db, w.worker, cancelled.ID, "Ziek", OnlyThis); err != nil {
		t.Fatal(err)
	}
	past := w.meetup(t, nil, 10, time.Now().Add(-3*time.Hour))
	draftIn := NewMeetup{NeighbourhoodID: w.hood, MeetupInput: meetupInput("Nog geheim", time.Now().Add(time.Hour), 10)}
	draftIn.Publish = false
	draft, err := CreateMeetup(ctx, w.db, w.worker, draftIn, brussels(t))
	if err != nil {
		t.Fatal(err)
	}
	before := count(t, w.db, "rsvps")
	for _, c := range []struct {
		name    string
		who     *User
		meetup  int64
		in      RSVPInput
		want    string
		wantErr error
	}{
		{"twice", w.ann, open.ID, RSVPInput{Status: RSVPGoing, Companions: 1}, "rsvp.already", nil},
		{"cancelled meetup", w.bob, cancelled.ID, RSVPInput{Status: RSVPGoing}, "rsvp.meetup_cancelled", nil},
		{"past meetup", w.bob, past.ID, RSVPInput{Status: RSVPGoing}, "rsvp.meetup_past", nil},
		{"draft, by its organiser", w.worker, draft.ID, RSVPInput{Status: RSVPGoing}, "rsvp.meetup_draft", nil},
		{"draft, by someone else", w.bob, draft.ID, RSVPInput{Status: RSVPGoing}, "", ErrNotFound},
		{"negative companions", w.bob, open.ID, RSVPInput{Status: RSVPGoing, Companions: -1}, "rsvp.companions.invalid", nil},
		{"too many companions", w.bob, open.ID, RSVPInput{Status: RSVPGoing, Companions: 11}, "rsvp.companions.invalid", nil},
		{"unknown answer", w.bob, open.ID, RSVPInput{Status: "maybe"}, "rsvp.status.invalid", nil},
		{"for someone else, as a resident", w.bob, open.ID, RSVPInput{Status: RSVPGoing, ForUserID: w.ann.ID}, "", ErrForbidden},
		{"unknown meetup", w.bob, 99999, RSVPInput{Status: RSVPGoing}, "", ErrNotFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := SetRSVP(ctx, w.db, c.who, c.meetup, c.in)
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) {
					t.Fatalf("got %v, want %v", err, c.wantErr)
				}
				return
			}
			wantField(t, err, c.want)
		})
	}
	if after := count(t, w.db, "rsvps"); after != before {
		t.Errorf("%d sign-ups after refused ones, want %d", after, before)
	}
	if got := reload(t, w.db, open.ID); got.SeatsTaken != 2 {
		t.Errorf("places taken %d, want 2", got.SeatsTaken)
	}
}

func TestAWorkerSignsUpAResidentOnTheirBehalf(t *testing.T) {
	w := newHoodWorld(t)
	m := w.meetup(t, nil, 10, time.Now().Add(24*time.Hour))
	res, err := SetRSVP(t.Context(), w.db, w.worker, m.ID, RSVPInput{Status: RSVPGoing, ForUserID: w.bob.ID, Companions: 1})
	if err != nil {
		t.Fatal(err)
	}
	if *res.RSVP.UserID != w.bob.ID || res.RSVP.SignedUpBy == nil || *res.RSVP.SignedUpBy != w.worker.ID {
		t.Errorf("sign-up %+v, want Bob's, signed up by the worker", res.RSVP)
	}
	mine, err := RSVPOf(t.Context(), w.db, m.ID, w.bob.ID)
	if err != nil || mine.RSVP.ID != res.RSVP.ID {
		t.Errorf("Bob's own view: %v %+v", err, mine)
	}
	agenda, err := MyMeetups(t.Context(), w.db, w.bob, time.Now(), time.Now().Add(48*time.Hour))
	if err != nil || len(agenda) != 1 || agenda[0].ID != m.ID {
		t.Errorf("Bob's agenda: %v %v", err, agenda)
	}
	elsewhere := testPerson(t, w.db, "wout", RoleWorker, testHood(t, w.db, "Brugse Poort"))
	_, err = SetRSVP(t.Context(), w.db, elsewhere, m.ID, RSVPInput{Status: RSVPGoing, ForUserID: w.ann.ID})
	if !errors.Is(err, ErrForbidden) {
		t.Errorf("a worker of another neighbourhood: %v, want forbidden", err)
	}
}

func TestGuestsSignUpWithAPrivateLink(t *testing.T) {
	w := newHoodWorld(t)
	ctx := t.Context()
	m := w.meetup(t, nil, 1, time.Now().Add(24*time.Hour))
	_, _, err := SignUpGuest(ctx, w.db, nil, m.ID, GuestInput{Name: " ", Phone: "abc"})
	wantField(t, err, "guest.name.required")
	_, _, err = SignUpGuest(ctx, w.db, nil, m.ID, GuestInput{Name: "Fatima", Phone: "12"})
	wantField(t, err, "guest.phone.invalid")
	_, _, err = SignUpGuest(ctx, w.db, nil, m.ID, GuestInput{Name: "Fatima", Email: "fatima@"})
	wantField(t, err, "guest.email.invalid")
	if n := count(t, w.db, "guests"); n != 0 {
		t.Fatalf("%d guests stored from refused sign-ups", n)
	}

	first, token1, err := SignUpGuest(ctx, w.db, nil, m.ID, GuestInput{Name: "Fatima", Phone: "0470 12 34 56"})
	if err != nil {
		t.Fatal(err)
	}
	second, token2, err := SignUpGuest(ctx, w.db, w.worker, m.ID, GuestInput{Name: "Jan", Companions: 0})
	if err != nil {
		t.Fatal(err)
	}
	if first.RSVP.Status != RSVPGoing || second.RSVP.Status != RSVPWaitlisted || second.Position != 1 || *second.RSVP.SignedUpBy != w.worker.ID {
		t.Errorf("guests: %+v, %+v", first, second)
	}
	var stored Guest
	w.db.Take(&stored, *first.RSVP.GuestID)
	if *stored.Phone != "0470123456" || string(stored.TokenHash) == token1 || len(stored.TokenHash) != 32 {
		t.Errorf("stored guest %+v: want a normalised phone and only the token's hash", stored)
	}

	view, err := GuestRSVP(ctx, w.db, token2)
	if err != nil || view.Guest.Name != "Jan" || view.Meetup.ID != m.ID || view.Position != 1 {
		t.Errorf("private link: %v %+v", err, view)
	}
	if _, err := GuestRSVP(ctx, w.db, token2+"x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("wrong token: %v", err)
	}
	res, err := CancelGuestRSVP(ctx, w.db, token1)
	if err != nil || res.RSVP.Status != RSVPNotGoing || fmt.Sprint(res.Promoted) != fmt.Sprint([]int64{second.RSVP.ID}) {
		t.Errorf("guest cancels: %v %+v, want Jan promoted", err, res)
	}

	n, err := ForgetGuests(ctx, w.db, time.Now().Add(72*time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("forgot %d guests: %v", n, err)
	}
	if _, err := GuestRSVP(ctx, w.db, token2); !errors.Is(err, ErrNotFound) {
		t.Errorf("a forgotten guest's link still works: %v", err)
	}
	if got := reload(t, w.db, m.ID); got.SeatsTaken != 1 {
		t.Errorf("forgetting guests changed the figures: %d places taken", got.SeatsTaken)
	}
}
