package models

import (
	"reflect"
	"testing"
	"time"
)

// TestListReadersReadWhatMeetupsReads keeps the agenda's and the API's own readers equal to
// Meetups for every kind of viewer: the same meetups in the same order, with every field they
// show (all but the door code, the sequence and the maker for the API; a line's fields for the
// agenda).
func TestListReadersReadWhatMeetupsReads(t *testing.T) {
	w := newHoodWorld(t)
	ctx := t.Context()
	soon := time.Now().Add(2 * time.Hour)
	w.meetup(t, nil, 0, soon)
	full := w.meetup(t, nil, 1, soon.Add(time.Hour))
	if _, err := SetRSVP(ctx, w.db, w.bob, full.ID, RSVPInput{Status: RSVPGoing}); err != nil {
		t.Fatal(err)
	}
	w.meetup(t, w.group(t, "Breiclub", MembershipPrivate), 0, soon.Add(2*time.Hour))
	w.meetup(t, w.group(t, "Fietsers", MembershipOpen), 12, soon.Add(3*time.Hour))
	rich := w.meetup(t, nil, 0, soon.Add(4*time.Hour))
	lat, lon, url := 51.05, 3.72, "https://example.org/live"
	facts := Facts{WheelchairAccessible: ptr(true), ChildFriendly: ptr(false), Cost: "2 euro", Languages: Languages{"nl", "ar"},
		Interpreter: ptr(true), QuietSpace: ptr(false), FoodProvided: ptr(true)}
	if _, err := UpdateMeetup(ctx, w.db, w.worker, rich.ID, MeetupInput{Place: &Place{Name: "Zaal", Address: "Straat 2", Lat: &lat, Lon: &lon},
		OnlineURL: &url, Facts: &facts}, OnlyThis); err != nil {
		t.Fatal(err)
	}
	cancelled := w.meetup(t, nil, 5, soon.Add(5*time.Hour))
	if _, err := CancelMeetup(ctx, w.db, w.worker, cancelled.ID, "Regen", OnlyThis); err != nil {
		t.Fatal(err)
	}
	f := MeetupFilter{NeighbourhoodIDs: []int64{w.hood}, From: time.Now(), Limit: 50}
	for _, viewer := range []*User{nil, w.bob, w.ann, w.worker, w.coord} {
		want, err := Meetups(ctx, w.db, viewer, f)
		if err != nil {
			t.Fatal(err)
		}
		listed, err := ListedMeetups(ctx, w.db, viewer, f)
		if err != nil {
			t.Fatal(err)
		}
		agenda, err := AgendaMeetups(ctx, w.db, viewer, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(want) < 4 || len(listed) != len(want) || len(agenda) != len(want) {
			t.Fatalf("viewer %v: Meetups %d, ListedMeetups %d, AgendaMeetups %d", viewer, len(want), len(listed), len(agenda))
		}
		for i := range want {
			shown := want[i]
			shown.DoorCode, shown.Sequence, shown.CreatedBy = "", 0, nil
			if !reflect.DeepEqual(listed[i], shown) {
				t.Errorf("viewer %v: ListedMeetups gave\n%+v\nwant\n%+v", viewer, listed[i], shown)
			}
			line := Meetup{ID: shown.ID, GroupID: shown.GroupID, Title: shown.Title, StartsAt: shown.StartsAt, EndsAt: shown.EndsAt,
				Place: Place{Name: shown.Place.Name, Address: shown.Place.Address}, OnlineURL: shown.OnlineURL, Capacity: shown.Capacity,
				SeatsTaken: shown.SeatsTaken, WaitlistCount: shown.WaitlistCount, Status: shown.Status, Facts: shown.Facts}
			if !reflect.DeepEqual(agenda[i], line) {
				t.Errorf("viewer %v: AgendaMeetups gave\n%+v\nwant\n%+v", viewer, agenda[i], line)
			}
		}
	}
}

// TestAgendaVersionChangesWithEverythingTheAgendaShows proves the fingerprint a cached agenda is
// checked against: it stays while nothing shown changes, and moves with every change that shows.
func TestAgendaVersionChangesWithEverythingTheAgendaShows(t *testing.T) {
	w := newHoodWorld(t)
	ctx := t.Context()
	club := w.group(t, "Breiclub", MembershipOpen)
	m := w.meetup(t, club, 3, time.Now().Add(2*time.Hour))
	f := MeetupFilter{NeighbourhoodIDs: []int64{w.hood}, From: time.Now(), To: time.Now().AddDate(0, 0, 56), Limit: 51}
	current := func(viewer *User) string {
		t.Helper()
		v, err := AgendaVersion(ctx, w.db, viewer, w.hood, f)
		if err != nil {
			t.Fatal(err)
		}
		mv, err := MeetupsVersion(ctx, w.db, viewer, f)
		if err != nil {
			t.Fatal(err)
		}
		return v + "|" + mv
	}
	last := current(nil)
	step := func(what string, change func() error, shows bool) {
		t.Helper()
		if err := change(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		now := current(nil)
		if (now != last) != shows {
			t.Errorf("%s: version changed %v, want %v", what, now != last, shows)
		}
		last = now
	}
	other := testHood(t, w.db, "Brugse Poort")
	step("nothing", func() error { return nil }, false)
	step("a meetup elsewhere", func() error {
		_, err := CreateMeetup(ctx, w.db, w.coord, NewMeetup{NeighbourhoodID: other, MeetupInput: meetupInput("Elders", time.Now().Add(time.Hour), 0)}, brussels(t))
		return err
	}, false)
	step("a sign-up", func() error {
		_, err := SetRSVP(ctx, w.db, w.bob, m.ID, RSVPInput{Status: RSVPGoing})
		return err
	}, true)
	step("a new title", func() error {
		title := "Breien en babbelen"
		_, err := UpdateMeetup(ctx, w.db, w.ann, m.ID, MeetupInput{Title: &title}, OnlyThis)
		return err
	}, true)
	step("a new meetup", func() error { w.meetup(t, nil, 0, time.Now().Add(3*time.Hour)); return nil }, true)
	step("the group renamed", func() error {
		name := "Breiclub De Draad"
		_, err := UpdateGroup(ctx, w.db, w.ann, club.ID, GroupInput{Name: &name})
		return err
	}, true)
	step("the neighbourhood renamed", func() error {
		name := "Rabot-Blaisantvest"
		_, err := UpdateNeighbourhood(ctx, w.db, w.hood, NeighbourhoodInput{Name: &name})
		return err
	}, true)
	step("the meetup hidden", func() error { return HideContent(ctx, w.db, w.coord, ContentMeetup, m.ID, "Spam") }, true)
	step("the group made private", func() error {
		private := MembershipPrivate
		_, err := UpdateGroup(ctx, w.db, w.ann, club.ID, GroupInput{Membership: &private})
		return err
	}, true)
	if current(nil) == current(w.ann) {
		t.Error("someone not signed in and a member of the private group get the same version")
	}
}
