package models

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestOneBatchDecidesEachSignUpInOrderAsIfAlone hands the database one batch that mixes
// everything a batch can meet, and checks that each sign-up was decided as it would have been on
// its own, one after the other in the batch's order.
func TestOneBatchDecidesEachSignUpInOrderAsIfAlone(t *testing.T) {
	w := newHoodWorld(t)
	ctx := t.Context()
	small := w.meetup(t, nil, 2, time.Now().Add(24*time.Hour))
	cancelled := w.meetup(t, nil, 10, time.Now().Add(24*time.Hour))
	if _, err := CancelMeetup(ctx, w.db, w.worker, cancelled.ID, "Ziek", OnlyThis); err != nil {
		t.Fatal(err)
	}
	secret := w.meetup(t, w.group(t, "Breiclub", MembershipPrivate), 0, time.Now().Add(24*time.Hour))
	cara, dave := w.resident(t, "cara"), w.resident(t, "dave")
	guest := &Guest{Name: "Gast", TokenHash: hashSecret("gast")}
	if err := w.db.Create(guest).Error; err != nil {
		t.Fatal(err)
	}
	me := func(u *User, m *Meetup, companions int) newSignUp {
		return newSignUp{meetupID: m.ID, viewer: u, userID: &u.ID, companions: companions}
	}
	batch := []newSignUp{
		me(w.ann, small, 0),  // going: 1 of 2
		me(w.bob, small, 1),  // two people, one place left: waits
		me(cara, small, 0),   // fits the last place: going
		me(w.ann, small, 0),  // ann again: already signed up
		me(dave, small, 2),   // three people for two places: never fits
		me(w.bob, secret, 0), // a private group's meetup bob cannot see
		me(w.ann, secret, 0), // ann organises that group: no limit
		{meetupID: small.ID, guestID: &guest.ID},
		me(dave, cancelled, 0),
		{meetupID: 99999, viewer: w.bob, userID: &w.bob.ID},
	}
	rows, err := decideSignUps(ctx, w.db.Statement.ConnPool, batch)
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		status   RSVPStatus
		position int
		left     int // -1: no limit
		err      string
	}
	wants := []want{
		{RSVPGoing, 0, 1, ""},
		{RSVPWaitlisted, 1, 1, ""},
		{RSVPGoing, 0, 0, ""},
		{err: "already"},
		{err: "rsvp.party_too_large"},
		{err: "not found"},
		{RSVPGoing, 0, -1, ""},
		{RSVPWaitlisted, 2, 0, ""},
		{err: "rsvp.meetup_cancelled"},
		{err: "not found"},
	}
	var arrivals []int64
	for i, wt := range wants {
		res, err := rows[i].result(batch[i])
		switch {
		case wt.err == "already":
			if res != nil || err != nil {
				t.Errorf("item %d: %+v %v, want already signed up", i+1, res, err)
			}
		case wt.err == "not found":
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("item %d: %v, want not found", i+1, err)
			}
		case wt.err != "":
			wantField(t, err, wt.err)
		case err != nil:
			t.Errorf("item %d: %v", i+1, err)
		default:
			left := -1
			if res.SeatsLeft != nil {
				left = *res.SeatsLeft
			}
			if res.RSVP.Status != wt.status || res.Position != wt.position || left != wt.left {
				t.Errorf("item %d: %s at %d with %d places left, want %s at %d with %d left", i+1,
					res.RSVP.Status, res.Position, left, wt.status, wt.position, wt.left)
			}
			if res.RSVP.MeetupID == small.ID {
				arrivals = append(arrivals, res.RSVP.Arrival)
			}
		}
	}
	if !slices.IsSorted(arrivals) || len(arrivals) != 4 {
		t.Errorf("arrivals %v, want four in the batch's order", arrivals)
	}
	if got := reload(t, w.db, small.ID); got.SeatsTaken != 2 || got.WaitlistCount != 2 {
		t.Errorf("small meetup: %d places taken, %d waiting, want 2 and 2", got.SeatsTaken, got.WaitlistCount)
	}
	if got := reload(t, w.db, cancelled.ID); got.SeatsTaken != 0 {
		t.Errorf("cancelled meetup: %d places taken", got.SeatsTaken)
	}
}

// TestBatchedSignUpsForManyMeetupsAtOnceKeepEachMeetupsOrder fires sign-ups for several meetups
// at the same time through SignUps, so that batches mix meetups and run side by side: each
// meetup fills exactly, and everyone is told their true place in its line.
func TestBatchedSignUpsForManyMeetupsAtOnceKeepEachMeetupsOrder(t *testing.T) {
	w := newHoodWorld(t)
	sqlDB, err := w.db.DB()
	if err != nil {
		t.Fatal(err)
	}
	sqlDB.SetMaxOpenConns(16)
	meetups := make([]*Meetup, 4)
	for i := range meetups {
		meetups[i] = w.meetup(t, nil, 5+i, time.Now().Add(24*time.Hour))
	}
	people := make([]*User, 60)
	for i := range people {
		people[i] = w.resident(t, fmt.Sprintf("buur%03d", i))
	}
	s := NewSignUps(w.db)
	var wg sync.WaitGroup
	start := make(chan struct{})
	var mu sync.Mutex
	byMeetup := map[int64][]*RSVPResult{}
	for i, p := range people {
		for j, m := range meetups {
			if (i+j)%2 == 0 {
				continue
			}
			wg.Go(func() {
				<-start
				res, err := s.Set(t.Context(), p, m.ID, RSVPInput{Status: RSVPGoing})
				if err != nil {
					t.Errorf("%s for meetup %d: %v", *p.Username, m.ID, err)
					return
				}
				mu.Lock()
				byMeetup[m.ID] = append(byMeetup[m.ID], res)
				mu.Unlock()
			})
		}
	}
	close(start)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	for _, m := range meetups {
		rs := byMeetup[m.ID]
		slices.SortFunc(rs, func(a, b *RSVPResult) int { return int(a.RSVP.Arrival - b.RSVP.Arrival) })
		for i, res := range rs {
			going := i < *m.Capacity
			if (res.RSVP.Status == RSVPGoing) != going || (!going && res.Position != i-*m.Capacity+1) {
				t.Errorf("meetup %d, arrival %d: %s at %d", m.ID, i+1, res.RSVP.Status, res.Position)
			}
		}
		if got := reload(t, w.db, m.ID); got.SeatsTaken != *m.Capacity || got.WaitlistCount != len(rs)-*m.Capacity {
			t.Errorf("meetup %d: %d taken, %d waiting, after %d sign-ups for %d places", m.ID, got.SeatsTaken,
				got.WaitlistCount, len(rs), *m.Capacity)
		}
	}
}

// TestBatchedTokenLookupFindsWhatUserByTokenFinds keeps the batched lookup's column list the same
// as the user GORM reads, and refuses what UserByToken refuses.
func TestBatchedTokenLookupFindsWhatUserByTokenFinds(t *testing.T) {
	w := newHoodWorld(t)
	ctx := t.Context()
	_, live, err := CreateToken(ctx, w.db, w.ann.ID, "script")
	if err != nil {
		t.Fatal(err)
	}
	revoked, gone, err := CreateToken(ctx, w.db, w.bob.ID, "old script")
	if err != nil {
		t.Fatal(err)
	}
	if err := RevokeToken(ctx, w.db, w.bob.ID, revoked.ID); err != nil {
		t.Fatal(err)
	}
	owners := NewTokenOwners(w.db)
	want, err := UserByToken(ctx, w.db, live)
	if err != nil {
		t.Fatal(err)
	}
	got, err := owners.UserByToken(ctx, live)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("batched lookup: %+v %v, want %+v", got, err, want)
	}
	for _, secret := range []string{gone, tokenPrefix + "unknown", "not a token"} {
		if u, err := owners.UserByToken(ctx, secret); !errors.Is(err, ErrNotFound) {
			t.Errorf("token %q: %+v %v, want not found", secret, u, err)
		}
	}
}
