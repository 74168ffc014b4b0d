package models

import (
	"fmt"
	"testing"
	"time"
)

// kinds lists a person's notifications as "kind:meetup title or group name", newest first.
func kinds(t *testing.T, w *hoodWorld, u *User) []string {
	t.Helper()
	ns, err := Notifications(t.Context(), w.db, u.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range ns {
		about := n.MeetupTitle
		if about == "" {
			about = n.GroupName
		}
		out = append(out, string(n.Kind)+":"+about+":"+n.Body)
	}
	return out
}

func TestAPlaceOffTheWaitlistIsToldToThePersonWhoGotIt(t *testing.T) {
	w := newHoodWorld(t)
	ctx := t.Context()
	m := w.meetup(t, nil, 1, time.Now().Add(48*time.Hour))
	carl := w.resident(t, "carl")
	for _, u := range []*User{w.ann, w.bob, carl} {
		if _, err := SetRSVP(ctx, w.db, u, m.ID, RSVPInput{Status: RSVPGoing}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := SetRSVP(ctx, w.db, w.ann, m.ID, RSVPInput{Status: RSVPNotGoing}); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(kinds(t, w, w.bob)); got != "[waitlist_promoted:Soep op vrijdag:]" {
		t.Errorf("bob, first on the waitlist, was told %s", got)
	}
	if got := kinds(t, w, carl); len(got) != 0 {
		t.Errorf("carl, still waiting, was told %v", got)
	}
	if got := kinds(t, w, w.ann); len(got) != 0 {
		t.Errorf("ann, who left, was told %v", got)
	}
	if n, _ := UnreadNotifications(ctx, w.db, w.bob.ID); n != 1 {
		t.Errorf("bob has %d unread, want 1", n)
	}
	if err := MarkNotificationsRead(ctx, w.db, w.bob.ID, 0); err != nil {
		t.Fatal(err)
	}
	if n, _ := UnreadNotifications(ctx, w.db, w.bob.ID); n != 0 {
		t.Errorf("bob has %d unread after reading, want 0", n)
	}
}

func TestCancellingOrMovingAMeetupTellsEveryoneSignedUpButNotTheOrganiser(t *testing.T) {
	w := newHoodWorld(t)
	ctx := t.Context()
	m := w.meetup(t, nil, 1, time.Now().Add(48*time.Hour))
	for _, u := range []*User{w.ann, w.bob, w.worker} {
		if _, err := SetRSVP(ctx, w.db, u, m.ID, RSVPInput{Status: RSVPGoing}); err != nil {
			t.Fatal(err)
		}
	}
	later := m.StartsAt.Add(time.Hour)
	end := later.Add(2 * time.Hour)
	if _, err := UpdateMeetup(ctx, w.db, w.worker, m.ID, MeetupInput{StartsAt: &later, EndsAt: &end}, OnlyThis); err != nil {
		t.Fatal(err)
	}
	title := "Soep op zaterdag"
	if _, err := UpdateMeetup(ctx, w.db, w.worker, m.ID, MeetupInput{Title: &title}, OnlyThis); err != nil {
		t.Fatal(err)
	}
	if _, err := CancelMeetup(ctx, w.db, w.worker, m.ID, "De zaal is onder water gelopen", OnlyThis); err != nil {
		t.Fatal(err)
	}
	want := "[meetup_cancelled:Soep op zaterdag:De zaal is onder water gelopen meetup_changed:Soep op zaterdag:]"
	for _, u := range []*User{w.ann, w.bob} { // going and waitlisted alike
		if got := fmt.Sprint(kinds(t, w, u)); got != want {
			t.Errorf("%s was told %s, want %s (a new title alone is no news)", *u.Username, got, want)
		}
	}
	if got := kinds(t, w, w.worker); len(got) != 0 {
		t.Errorf("the organiser who cancelled was told %v", got)
	}
}

func TestGroupRequestsAndInvitationsReachTheRightPeople(t *testing.T) {
	w := newHoodWorld(t)
	ctx := t.Context()
	g := w.group(t, "Repair café", MembershipClosed)
	if _, err := JoinGroup(ctx, w.db, w.bob, g.ID, "Ik kan solderen"); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(kinds(t, w, w.ann)); got != "[group_join_request:Repair café:Ik kan solderen]" {
		t.Errorf("the organiser was told %s", got)
	}
	reqs, err := JoinRequests(ctx, w.db, w.ann, g.ID)
	if err != nil || len(reqs) != 1 {
		t.Fatal(err, reqs)
	}
	if _, err := DecideJoinRequest(ctx, w.db, w.ann, reqs[0].ID, true, "Welkom!"); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(kinds(t, w, w.bob)); got != "[group_request_accepted:Repair café:Welkom!]" {
		t.Errorf("bob was told %s", got)
	}
	carl := w.resident(t, "carl")
	if _, err := InviteToGroup(ctx, w.db, w.ann, g.ID, carl.ID); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(kinds(t, w, carl)); got != "[group_invitation:Repair café:]" {
		t.Errorf("carl was told %s", got)
	}
}

func TestAnOrganiserAnnouncesToEveryoneSignedUp(t *testing.T) {
	w := newHoodWorld(t)
	ctx := t.Context()
	m := w.meetup(t, nil, 1, time.Now().Add(48*time.Hour))
	for _, u := range []*User{w.ann, w.bob} {
		if _, err := SetRSVP(ctx, w.db, u, m.ID, RSVPInput{Status: RSVPGoing}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := SignUpGuest(ctx, w.db, nil, m.ID, GuestInput{Name: "Gast"}); err != nil {
		t.Fatal(err)
	}
	_, err := Announce(ctx, w.db, w.worker, m.ID, "  ")
	wantField(t, err, "announcement.body.required")
	if _, err := Announce(ctx, w.db, w.bob, m.ID, "Ik trakteer"); err != ErrForbidden {
		t.Errorf("a resident announced: %v", err)
	}
	n, err := Announce(ctx, w.db, w.worker, m.ID, "Breng een beker mee")
	if err != nil || n != 2 {
		t.Fatalf("announced to %d (%v), want ann and bob", n, err)
	}
	if got := fmt.Sprint(kinds(t, w, w.bob)); got != "[meetup_announcement:Soep op vrijdag:Breng een beker mee]" {
		t.Errorf("bob (waitlisted) was told %s", got)
	}
}

func TestDeletingAnAccountGivesTheirPlaceToTheNextAndTheExportHoldsTheirSignUps(t *testing.T) {
	w := newHoodWorld(t)
	ctx := t.Context()
	m := w.meetup(t, nil, 1, time.Now().Add(48*time.Hour))
	for _, u := range []*User{w.ann, w.bob} {
		if _, err := SetRSVP(ctx, w.db, u, m.ID, RSVPInput{Status: RSVPGoing}); err != nil {
			t.Fatal(err)
		}
	}
	e, err := ExportAccount(ctx, w.db, w.ann)
	if err != nil {
		t.Fatal(err)
	}
	if e.Participation == nil || len(e.Participation.SignUps) != 1 {
		t.Fatalf("ann's export has no sign-up: %+v", e.Participation)
	}
	if err := DeleteAccount(ctx, w.db, w.ann.ID); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(kinds(t, w, w.bob)); got != "[waitlist_promoted:Soep op vrijdag:]" {
		t.Errorf("bob was told %s after ann left Nabij", got)
	}
	if m := reload(t, w.db, m.ID); m.SeatsTaken != 1 || m.WaitlistCount != 0 {
		t.Errorf("seats %d, waitlist %d after ann left", m.SeatsTaken, m.WaitlistCount)
	}
}
