package models

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestHundredSimultaneousSignUpsTakeExactlyThePlacesAndTheRestWaitInOrder(t *testing.T) {
	t.Parallel()
	w := newVolWorld(t)
	sqlDB, err := w.db.DB()
	if err != nil {
		t.Fatal(err)
	}
	sqlDB.SetMaxOpenConns(64)
	ctx := t.Context()
	d := w.need(t, "Opbouw buurtfeest", NewNeed{}, shiftAt(w.weekdayAt(time.Saturday, 9, 0), 120, 10))
	shift := d.Shifts[0].ID
	people := make([]*User, 100)
	for i := range people {
		people[i] = w.volunteer(t, fmt.Sprintf("helper%03d", i), w.volProfile())
	}

	results := make([]*SignupResult, len(people))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, p := range people {
		wg.Go(func() {
			<-start
			r, err := SignUpForShift(ctx, w.db, p, shift, SignupInput{})
			if err != nil {
				t.Errorf("sign-up %d: %v", i, err)
				return
			}
			results[i] = r
		})
	}
	close(start)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	slices.SortFunc(results, func(a, b *SignupResult) int { return int(a.Signup.Arrival - b.Signup.Arrival) })
	for i, r := range results {
		switch {
		case i < 10 && (r.Signup.Status != SignedUp || r.Position != 0):
			t.Errorf("arrival %d: %s at %d, want signed up", i+1, r.Signup.Status, r.Position)
		case i >= 10 && (r.Signup.Status != Reserve || r.Position != i-9):
			t.Errorf("arrival %d: %s at %d, want reserve number %d", i+1, r.Signup.Status, r.Position, i-9)
		}
	}
	var s Shift
	w.db.Take(&s, shift)
	if s.PlacesTaken != 10 || s.ReserveCount != 90 {
		t.Fatalf("shift has %d places taken and %d in reserve, want 10 and 90", s.PlacesTaken, s.ReserveCount)
	}
	if n, _ := NeedByID(ctx, w.db, w.worker, d.ID); n.Status != NeedFilled {
		t.Errorf("need is %s with every place taken, want filled", n.Status)
	}

	// Five of those signed up withdraw at the same moment: exactly the first five in reserve get
	// their places, each once, and each is told once.
	byUser := map[int64]*User{}
	for _, p := range people {
		byUser[p.ID] = p
	}
	for _, r := range results[:5] {
		wg.Go(func() {
			if _, err := WithdrawFromShift(ctx, w.db, byUser[r.Signup.UserID], shift, SignupInput{}); err != nil {
				t.Errorf("withdraw: %v", err)
			}
		})
	}
	wg.Wait()
	var promoted []int64
	w.db.Raw("SELECT id FROM shift_signups WHERE shift_id = ? AND promoted_at IS NOT NULL ORDER BY arrival", shift).Scan(&promoted)
	var want []int64
	for _, r := range results[10:15] {
		want = append(want, r.Signup.ID)
	}
	if !slices.Equal(promoted, want) {
		t.Fatalf("promoted %v, want the first five in reserve %v", promoted, want)
	}
	var told []int64
	w.db.Raw(`SELECT g.id FROM notifications n JOIN shift_signups g ON g.user_id = n.user_id AND g.shift_id = n.shift_id
		WHERE n.kind = 'reserve_promoted' ORDER BY g.arrival`).Scan(&told)
	if !slices.Equal(told, want) {
		t.Errorf("told %v of their place, want each of %v once", told, want)
	}
	// Three more places: the next three, in order.
	if _, err := UpdateShift(ctx, w.db, w.worker, shift, ShiftInput{Places: ptr(13)}); err != nil {
		t.Fatal(err)
	}
	w.db.Raw("SELECT id FROM shift_signups WHERE shift_id = ? AND promoted_at IS NOT NULL ORDER BY arrival", shift).Scan(&promoted)
	for _, r := range results[15:18] {
		want = append(want, r.Signup.ID)
	}
	if !slices.Equal(promoted, want) {
		t.Errorf("after three more places promoted %v, want %v", promoted, want)
	}
	w.db.Take(&s, shift)
	if s.PlacesTaken != 13 || s.ReserveCount != 82 {
		t.Errorf("shift has %d taken, %d in reserve; want 13 and 82", s.PlacesTaken, s.ReserveCount)
	}
	for i, r := range results[18:] {
		if pos, err := ReservePosition(ctx, w.db, r.Signup.ID); err != nil || pos != i+1 {
			t.Errorf("arrival %d now waits at %d (%v), want %d", i+19, pos, err, i+1)
		}
	}
}

func TestRefusedSignUpsAndShiftChangesChangeNothing(t *testing.T) {
	t.Parallel()
	w := newVolWorld(t)
	ctx := t.Context()
	vera := w.volunteer(t, "vera", w.volProfile())
	tue := w.weekdayAt(time.Tuesday, 18, 0)
	open := w.need(t, "Boodschappen", NewNeed{}, shiftAt(tue, 60, 2), shiftAt(tue.Add(24*time.Hour), 60, 2))
	w.signUp(t, vera, open.Shifts[0].ID)
	byInvitation := NeedByInvitation
	closed := w.need(t, "Bij mevrouw thuis", NewNeed{NeedInput: NeedInput{Access: &byInvitation}}, shiftAt(tue, 60, 1))
	if _, err := CancelShift(ctx, w.db, w.worker, open.Shifts[1].ID, "Regen"); err != nil {
		t.Fatal(err)
	}
	started := w.need(t, "Al bezig", NewNeed{}, shiftAt(tue, 60, 2))
	w.db.Exec("UPDATE shifts SET starts_at = now() - interval '10 minutes', ends_at = now() + interval '1 hour' WHERE id = ?", started.Shifts[0].ID)

	if _, err := SaveVolunteer(ctx, w.db, w.worker, w.volProfile()); err != nil {
		t.Fatal(err)
	}
	before := count(t, w.db, "shift_signups")
	for _, c := range []struct {
		name  string
		who   *User
		shift int64
		want  string
		err   error
	}{
		{"twice", vera, open.Shifts[0].ID, "shift.signup.already", nil},
		{"without a profile", w.bob, open.Shifts[0].ID, "shift.profile_required", nil},
		{"by invitation only, not invited", vera, closed.Shifts[0].ID, "", ErrNotFound},
		{"by invitation only, its organiser", w.worker, closed.Shifts[0].ID, "shift.invitation_only", nil},
		{"a cancelled shift", vera, open.Shifts[1].ID, "shift.cancelled", nil},
		{"a shift that started", vera, started.Shifts[0].ID, "shift.started", nil},
		{"no such shift", vera, 99999, "", ErrNotFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := SignUpForShift(ctx, w.db, c.who, c.shift, SignupInput{})
			if c.err != nil {
				if !errors.Is(err, c.err) {
					t.Fatalf("got %v, want %v", err, c.err)
				}
				return
			}
			wantField(t, err, c.want)
		})
	}
	if after := count(t, w.db, "shift_signups"); after != before {
		t.Errorf("%d sign-ups after refused ones, want %d", after, before)
	}
	_, err := WithdrawFromShift(ctx, w.db, vera, open.Shifts[1].ID, SignupInput{})
	wantField(t, err, "shift.signup.none")
	_, err = UpdateShift(ctx, w.db, w.worker, open.Shifts[0].ID, ShiftInput{Places: ptr(0)})
	wantField(t, err, "shift.places.invalid")
	end := tue.Add(-time.Hour)
	_, err = UpdateShift(ctx, w.db, w.worker, open.Shifts[0].ID, ShiftInput{EndsAt: &end})
	wantField(t, err, "shift.end_before_start")
	other := w.volunteer(t, "otto", w.volProfile())
	w.signUp(t, other, open.Shifts[0].ID)
	_, err = UpdateShift(ctx, w.db, w.worker, open.Shifts[0].ID, ShiftInput{Places: ptr(1)})
	wantField(t, err, "shift.places_below_taken")
	if _, err := UpdateShift(ctx, w.db, w.bob, open.Shifts[0].ID, ShiftInput{Places: ptr(5)}); !errors.Is(err, ErrForbidden) {
		t.Errorf("a neighbour changes a shift: %v", err)
	}
	var s Shift
	w.db.Take(&s, open.Shifts[0].ID)
	if s.Places != 2 || s.PlacesTaken != 2 || !s.StartsAt.Equal(tue) {
		t.Errorf("shift after refused changes: %+v", s)
	}
}

func TestChangedAndCancelledShiftsAreToldAndAnnouncedWithoutNames(t *testing.T) {
	t.Parallel()
	w := newVolWorld(t)
	ctx := t.Context()
	a, b, c := w.volunteer(t, "amir", w.volProfile()), w.volunteer(t, "bea", w.volProfile()), w.volunteer(t, "cas", w.volProfile())
	tue := w.weekdayAt(time.Tuesday, 18, 0)
	d := w.need(t, "Soep koken", NewNeed{}, shiftAt(tue, 60, 1), shiftAt(tue.AddDate(0, 0, 7), 60, 1))
	first := d.Shifts[0].ID
	w.signUp(t, a, first)
	w.signUp(t, b, first) // reserve
	w.signUp(t, c, d.Shifts[1].ID)
	later := tue.Add(30 * time.Minute)
	end := later.Add(time.Hour)
	if _, err := UpdateShift(ctx, w.db, w.worker, first, ShiftInput{StartsAt: &later, EndsAt: &end}); err != nil {
		t.Fatal(err)
	}
	if _, err := CancelShift(ctx, w.db, w.worker, first, "De keuken is dicht"); err != nil {
		t.Fatal(err)
	}
	var got []string
	w.db.Raw(`SELECT u.username || ' ' || n.kind || ' ' || n.body FROM notifications n JOIN users u ON u.id = n.user_id
		WHERE n.shift_id = ? ORDER BY n.id`, first).Scan(&got)
	want := []string{"amir shift_changed ", "bea shift_changed ", "amir shift_cancelled De keuken is dicht", "bea shift_cancelled De keuken is dicht"}
	if !slices.Equal(got, want) {
		t.Errorf("notifications %q, want %q", got, want)
	}
	// The cancelled place does not go to the reserve list, and Cas's shift is untouched.
	var s Shift
	w.db.Take(&s, first)
	if s.PlacesTaken != 1 || s.ReserveCount != 1 {
		t.Errorf("cancelled shift: %d taken, %d reserve", s.PlacesTaken, s.ReserveCount)
	}
	var events []struct {
		Type string
		Data string
	}
	w.db.Raw("SELECT type, data::text FROM events WHERE topic = ? ORDER BY id", fmt.Sprintf("need:%d", d.ID)).Scan(&events)
	var types []string
	for _, e := range events {
		types = append(types, e.Type)
		for _, name := range []string{"amir", "bea", "cas", `"user_id"`} {
			if strings.Contains(strings.ToLower(e.Data), name) {
				t.Errorf("event %s on the need's topic names someone: %s", e.Type, e.Data)
			}
		}
	}
	if !slices.Contains(types, "shift.places") || !slices.Contains(types, "shift.changed") || !slices.Contains(types, "shift.cancelled") {
		t.Errorf("events on the need's topic: %v", types)
	}
	var personal int64
	w.db.Raw("SELECT count(*) FROM events WHERE topic = ? AND type = 'shift.signup'", fmt.Sprintf("user:%d", b.ID)).Scan(&personal)
	if personal != 1 {
		t.Errorf("Bea's own topic has %d sign-up events, want 1", personal)
	}
}
