package models

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestOrganiserChecksInSignUpsAndWalkIns(t *testing.T) {
	w := newHoodWorld(t)
	ctx := t.Context()
	m := w.meetup(t, nil, 2, time.Now().Add(30*time.Minute))
	ann, _ := SetRSVP(ctx, w.db, w.ann, m.ID, RSVPInput{Status: RSVPGoing, Companions: 1})
	bob, _ := SetRSVP(ctx, w.db, w.bob, m.ID, RSVPInput{Status: RSVPGoing})
	guest, _, err := SignUpGuest(ctx, w.db, nil, m.ID, GuestInput{Name: "Yusuf"})
	if err != nil || bob.RSVP.Status != RSVPWaitlisted || guest.Position != 2 {
		t.Fatalf("setup: %v, bob %s, guest at %d", err, bob.RSVP.Status, guest.Position)
	}

	if _, err := CheckIn(ctx, w.db, w.bob, m.ID, CheckinInput{RSVPID: ann.RSVP.ID}); !errors.Is(err, ErrForbidden) {
		t.Errorf("a resident checks people in: %v", err)
	}
	c, err := CheckIn(ctx, w.db, w.worker, m.ID, CheckinInput{RSVPID: ann.RSVP.ID})
	if err != nil || c.Companions != 1 || c.WalkIn || *c.UserID != w.ann.ID {
		t.Fatalf("checking in Ann: %v %+v", err, c)
	}
	again, err := CheckIn(ctx, w.db, w.worker, m.ID, CheckinInput{RSVPID: ann.RSVP.ID})
	if err != nil || again.ID != c.ID {
		t.Errorf("checking in twice: %v, id %d, want the same check-in %d", err, again.ID, c.ID)
	}
	if _, err := CheckIn(ctx, w.db, w.worker, m.ID, CheckinInput{Name: "Mevrouw van hiernaast", Companions: ptr(2)}); err != nil {
		t.Fatal(err)
	}
	if _, err := CheckIn(ctx, w.db, w.worker, m.ID, CheckinInput{}); err != nil {
		t.Fatal(err) // a walk-in who gives no name
	}
	_, err = CheckIn(ctx, w.db, w.worker, m.ID, CheckinInput{RSVPID: 424242})
	wantField(t, err, "checkin.rsvp.unknown")
	_, err = CheckIn(ctx, w.db, w.worker, m.ID, CheckinInput{Companions: ptr(12)})
	wantField(t, err, "rsvp.companions.invalid")

	list, err := Attendees(ctx, w.db, w.worker, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range list {
		got = append(got, a.Name+"/"+string(a.Status)+map[bool]string{true: "/in", false: ""}[a.CheckedIn])
	}
	want := "[ann/going/in bob/waitlisted Yusuf/waitlisted //in Mevrouw van hiernaast//in]"
	if s := fmt.Sprint(got); s != want {
		t.Errorf("attendance list %s, want %s", s, want)
	}
	if list[1].Position != 1 || list[2].Position != 2 || !list[2].Guest {
		t.Errorf("waitlist in the list: %+v", list[1:3])
	}
	if _, err := Attendees(ctx, w.db, w.bob, m.ID); !errors.Is(err, ErrForbidden) {
		t.Errorf("a resident reads the attendance list: %v", err)
	}

	fig, err := MeetupAttendance(ctx, w.db, w.worker, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if fig.Going != 2 || fig.Waitlisted != 2 || fig.CheckedIn != 6 || fig.WalkIns != 4 || fig.NoShows != 0 {
		t.Errorf("figures %+v, want 2 going, 2 waiting, 6 came of whom 4 walked in, no no-shows", fig)
	}
	if err := UndoCheckIn(ctx, w.db, w.worker, c.ID); err != nil {
		t.Fatal(err)
	}
	if fig, _ := MeetupAttendance(ctx, w.db, w.worker, m.ID); fig.CheckedIn != 4 || fig.NoShows != 0 || fig.Ended {
		t.Errorf("after undo, before the meetup ended: %+v", fig)
	}
	// Once it has ended, the people signed up who were not checked in did not come.
	if err := w.db.Exec("UPDATE meetups SET starts_at = now() - interval '3 hours', ends_at = now() - interval '1 hour' WHERE id = ?", m.ID).Error; err != nil {
		t.Fatal(err)
	}
	if fig, _ := MeetupAttendance(ctx, w.db, w.worker, m.ID); fig.CheckedIn != 4 || fig.NoShows != fig.Going || !fig.Ended {
		t.Errorf("after the meetup ended: %+v, want the %d people going as no-shows", fig, fig.Going)
	}
}

func TestAttendeesCheckInAtTheDoorWithTheQRCode(t *testing.T) {
	w := newHoodWorld(t)
	ctx := t.Context()
	m := w.meetup(t, nil, 0, time.Now().Add(-30*time.Minute))
	if _, err := SetRSVP(ctx, w.db, w.ann, m.ID, RSVPInput{Status: RSVPGoing, Companions: 2}); err != nil {
		t.Fatal(err)
	}
	code, err := DoorCode(ctx, w.db, w.worker, m.ID)
	if err != nil || code == "" {
		t.Fatalf("door code: %v", err)
	}
	if _, err := DoorCode(ctx, w.db, w.ann, m.ID); !errors.Is(err, ErrForbidden) {
		t.Errorf("a resident reads the door code: %v", err)
	}
	_, err = CheckInAtDoor(ctx, w.db, w.ann, m.ID, code+"x")
	wantField(t, err, "checkin.door_code.invalid")
	c, err := CheckInAtDoor(ctx, w.db, w.ann, m.ID, code)
	if err != nil || c.RSVPID == nil || c.Companions != 2 || c.Method != CheckinDoor || c.WalkIn {
		t.Fatalf("Ann at the door: %v %+v", err, c)
	}
	if again, err := CheckInAtDoor(ctx, w.db, w.ann, m.ID, code); err != nil || again.ID != c.ID {
		t.Errorf("scanning twice: %v %+v", err, again)
	}
	walkIn, err := CheckInAtDoor(ctx, w.db, w.bob, m.ID, code)
	if err != nil || !walkIn.WalkIn || walkIn.RSVPID != nil {
		t.Errorf("Bob came without signing up: %v %+v", err, walkIn)
	}
	if _, err := CheckInAtDoor(ctx, w.db, nil, m.ID, code); !errors.Is(err, ErrForbidden) {
		t.Errorf("without signing in: %v", err)
	}

	early := w.meetup(t, nil, 0, time.Now().Add(3*time.Hour))
	earlyCode, _ := DoorCode(ctx, w.db, w.worker, early.ID)
	_, err = CheckInAtDoor(ctx, w.db, w.ann, early.ID, earlyCode)
	wantField(t, err, "checkin.not_open")
	_, err = CheckIn(ctx, w.db, w.worker, early.ID, CheckinInput{Name: "Te vroeg"})
	wantField(t, err, "checkin.not_open")

	past := w.meetup(t, nil, 0, time.Now().Add(-5*time.Hour))
	pastCode, _ := DoorCode(ctx, w.db, w.worker, past.ID)
	_, err = CheckInAtDoor(ctx, w.db, w.ann, past.ID, pastCode)
	wantField(t, err, "checkin.closed")
	if _, err := CheckIn(ctx, w.db, w.worker, past.ID, CheckinInput{UserID: w.ann.ID}); err != nil {
		t.Errorf("the organiser fills in the list afterwards: %v", err)
	}
}

func TestAttendanceFiguresAreForOrganisersAndWorkersOnly(t *testing.T) {
	w := newHoodWorld(t)
	ctx := t.Context()
	g := w.group(t, "Wijkgroep", MembershipOpen)
	m := w.meetup(t, g, 0, time.Now().Add(-time.Hour))
	for _, c := range []struct {
		who *User
		ok  bool
	}{{w.ann, true}, {w.worker, true}, {w.coord, true}, {w.bob, false}} {
		_, err := MeetupAttendance(ctx, w.db, c.who, m.ID)
		if c.ok != (err == nil) {
			t.Errorf("%s: %v", c.who.Name(), err)
		}
	}
	secret := w.group(t, "Geheim", MembershipPrivate)
	pm := w.meetup(t, secret, 0, time.Now().Add(-time.Hour))
	if _, err := MeetupAttendance(ctx, w.db, w.worker, pm.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("a worker sees the figures of a private group: %v", err)
	}
}
