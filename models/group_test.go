package models

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"
)

func TestPrivateGroupIsInvisibleToNonMembersEverywhere(t *testing.T) {
	w := newHoodWorld(t)
	ctx := t.Context()
	secret := w.group(t, "Lotgenoten", MembershipPrivate)
	public := w.group(t, "Moestuin", MembershipOpen)
	hidden := w.meetup(t, secret, 10, time.Now().Add(24*time.Hour))
	open := w.meetup(t, public, 10, time.Now().Add(24*time.Hour))
	weekly := NewMeetup{GroupID: &secret.ID, RRule: "FREQ=WEEKLY;COUNT=3", MeetupInput: meetupInput("Praatgroep", time.Now().Add(48*time.Hour), 0)}
	series, err := CreateMeetup(ctx, w.db, w.ann, weekly, brussels(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := CreatePost(ctx, w.db, w.ann, secret.ID, "Volgende keer bij mij thuis"); err != nil {
		t.Fatal(err)
	}
	member := w.resident(t, "mira")
	inv, err := InviteToGroup(ctx, w.db, w.ann, secret.ID, member.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := AnswerInvitation(ctx, w.db, member, inv.ID, true); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		name string
		who  *User
		sees bool
	}{
		{"not signed in", nil, false}, {"resident", w.bob, false}, {"worker of the neighbourhood", w.worker, false},
		{"organiser", w.ann, true}, {"member", member, true}, {"coordinator", w.coord, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			groups, err := Groups(ctx, w.db, c.who, w.hood)
			if err != nil {
				t.Fatal(err)
			}
			if want := map[bool]int{true: 2, false: 1}[c.sees]; len(groups) != want {
				t.Errorf("lists %d groups, want %d", len(groups), want)
			}
			_, err = GroupByID(ctx, w.db, c.who, secret.ID)
			if c.sees != (err == nil) || !c.sees && !errors.Is(err, ErrNotFound) {
				t.Errorf("group page: %v", err)
			}
			_, err = MeetupByID(ctx, w.db, c.who, hidden.ID)
			if c.sees != (err == nil) || !c.sees && !errors.Is(err, ErrNotFound) {
				t.Errorf("meetup page: %v", err)
			}
			ms, err := Meetups(ctx, w.db, c.who, MeetupFilter{NeighbourhoodIDs: []int64{w.hood}})
			if err != nil {
				t.Fatal(err)
			}
			if want := map[bool]int{true: 5, false: 1}[c.sees]; len(ms) != want || !slices.ContainsFunc(ms, func(m Meetup) bool { return m.ID == open.ID }) {
				t.Errorf("agenda lists %d meetups, want %d", len(ms), want)
			}
			var n int64
			w.db.Model(&Meetup{}).Scopes(MeetupVisibleTo(c.who)).Where("meetups.group_id = ?", secret.ID).Count(&n)
			if want := map[bool]int64{true: 4, false: 0}[c.sees]; n != want {
				t.Errorf("count of the group's meetups: %d", n)
			}
			_, err = SeriesByID(ctx, w.db, c.who, *series.SeriesID)
			if c.sees != (err == nil) || !c.sees && !errors.Is(err, ErrNotFound) {
				t.Errorf("series: %v", err)
			}
			_, err = Posts(ctx, w.db, c.who, secret.ID, 0, 10)
			if c.sees != (err == nil) {
				t.Errorf("discussion: %v", err)
			}
			if c.who != nil && !c.sees {
				_, err := SetRSVP(ctx, w.db, c.who, hidden.ID, RSVPInput{Status: RSVPGoing})
				if !errors.Is(err, ErrNotFound) {
					t.Errorf("sign-up: %v", err)
				}
				if _, err := JoinGroup(ctx, w.db, c.who, secret.ID, "mag ik erbij?"); !errors.Is(err, ErrNotFound) {
					t.Errorf("joining uninvited: %v", err)
				}
				if _, err := CommentOnMeetup(ctx, w.db, c.who, hidden.ID, "hallo"); !errors.Is(err, ErrNotFound) {
					t.Errorf("comment: %v", err)
				}
				if _, err := ReportContent(ctx, w.db, c.who, ContentMeetup, hidden.ID, "spam"); !errors.Is(err, ErrNotFound) {
					t.Errorf("report: %v", err)
				}
			}
		})
	}
	if _, _, err := SignUpGuest(ctx, w.db, nil, hidden.ID, GuestInput{Name: "Gast"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("guest sign-up for a private group's meetup: %v", err)
	}
	if n := count(t, w.db, "rsvps") + count(t, w.db, "group_join_requests") + count(t, w.db, "meetup_comments"); n != 0 {
		t.Errorf("%d rows written by refused attempts", n)
	}
	// A coordinator sees the group but, not being invited, cannot simply join.
	_, err = JoinGroup(ctx, w.db, w.coord, secret.ID, "")
	wantField(t, err, "group.invitation_needed")
}

func TestInvitedPersonSeesThePrivateGroupAndJoinsByAccepting(t *testing.T) {
	w := newHoodWorld(t)
	ctx := t.Context()
	g := w.group(t, "Mantelzorgers", MembershipPrivate)
	if _, err := InviteToGroup(ctx, w.db, w.bob, g.ID, w.worker.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("a non-member invites: %v", err)
	}
	inv, err := InviteToGroup(ctx, w.db, w.ann, g.ID, w.bob.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, err = InviteToGroup(ctx, w.db, w.ann, g.ID, w.bob.ID)
	wantField(t, err, "group.invitation.already")
	if _, err := GroupByID(ctx, w.db, w.bob, g.ID); err != nil {
		t.Errorf("the invited person does not see the group: %v", err)
	}
	pending, err := PendingInvitations(ctx, w.db, w.bob.ID)
	if err != nil || len(pending) != 1 || pending[0].GroupName != "Mantelzorgers" {
		t.Errorf("pending invitations %v %+v", err, pending)
	}
	if _, err := GroupMembers(ctx, w.db, w.bob, g.ID); !errors.Is(err, ErrForbidden) {
		t.Errorf("members seen before joining: %v", err)
	}
	outcome, err := JoinGroup(ctx, w.db, w.bob, g.ID, "")
	if err != nil || outcome != Joined {
		t.Fatalf("joining with an invitation: %v %s", err, outcome)
	}
	if err := AnswerInvitation(ctx, w.db, w.bob, inv.ID, true); err == nil {
		t.Error("an invitation was answered twice")
	}
	members, err := GroupMembers(ctx, w.db, w.bob, g.ID)
	if err != nil || len(members) != 2 || members[0].DisplayName != "ann" || members[0].Role != GroupOrganiser || members[1].DisplayName != "bob" {
		t.Errorf("members %v %+v", err, members)
	}
	_, err = InviteToGroup(ctx, w.db, w.ann, g.ID, w.bob.ID)
	wantField(t, err, "group.already_member")
}

func TestClosedGroupJoinsOnRequest(t *testing.T) {
	w := newHoodWorld(t)
	ctx := t.Context()
	g := w.group(t, "Repair café", MembershipClosed)
	outcome, err := JoinGroup(ctx, w.db, w.bob, g.ID, "Ik kan solderen")
	if err != nil || outcome != Requested {
		t.Fatalf("asking: %v %s", err, outcome)
	}
	_, err = JoinGroup(ctx, w.db, w.bob, g.ID, "nog eens")
	wantField(t, err, "group.request.already")
	if _, err := JoinRequests(ctx, w.db, w.bob, g.ID); !errors.Is(err, ErrForbidden) {
		t.Errorf("a non-organiser reads requests: %v", err)
	}
	reqs, err := JoinRequests(ctx, w.db, w.ann, g.ID)
	if err != nil || len(reqs) != 1 || reqs[0].Message != "Ik kan solderen" || reqs[0].RequesterName != "bob" {
		t.Fatalf("requests %v %+v", err, reqs)
	}
	r, err := DecideJoinRequest(ctx, w.db, w.ann, reqs[0].ID, false, "We zitten vol tot de zomer")
	if err != nil || r.Status != RequestDeclined {
		t.Fatalf("declining: %v %+v", err, r)
	}
	_, err = DecideJoinRequest(ctx, w.db, w.ann, reqs[0].ID, true, "")
	wantField(t, err, "group.request.decided")
	if role, _ := GroupRoleOf(ctx, w.db, g.ID, w.bob.ID); role != "" {
		t.Errorf("declined but member as %s", role)
	}
	if _, err := JoinGroup(ctx, w.db, w.bob, g.ID, ""); err != nil {
		t.Fatal(err)
	}
	reqs, _ = JoinRequests(ctx, w.db, w.ann, g.ID)
	if _, err := DecideJoinRequest(ctx, w.db, w.ann, reqs[0].ID, true, "Welkom!"); err != nil {
		t.Fatal(err)
	}
	if role, _ := GroupRoleOf(ctx, w.db, g.ID, w.bob.ID); role != GroupMember {
		t.Errorf("accepted as %q, want member", role)
	}
	_, err = JoinGroup(ctx, w.db, w.bob, g.ID, "")
	wantField(t, err, "group.already_member")
}

func TestGroupAlwaysKeepsAnOrganiser(t *testing.T) {
	w := newHoodWorld(t)
	ctx := t.Context()
	g := w.group(t, "Buurtfeest", MembershipOpen)
	if _, err := JoinGroup(ctx, w.db, w.bob, g.ID, ""); err != nil {
		t.Fatal(err)
	}
	wantField(t, LeaveGroup(ctx, w.db, w.ann, g.ID), "group.last_organiser")
	wantField(t, SetMemberRole(ctx, w.db, w.ann, g.ID, w.ann.ID, GroupMember), "group.last_organiser")
	if err := RemoveMember(ctx, w.db, w.bob, g.ID, w.ann.ID); !errors.Is(err, ErrForbidden) {
		t.Errorf("a member removes the organiser: %v", err)
	}
	if err := HandOverOrganiser(ctx, w.db, w.ann, g.ID, w.bob.ID); err != nil {
		t.Fatal(err)
	}
	if a, _ := GroupRoleOf(ctx, w.db, g.ID, w.ann.ID); a != GroupMember {
		t.Errorf("after handing over ann is %s", a)
	}
	if err := LeaveGroup(ctx, w.db, w.ann, g.ID); err != nil {
		t.Fatal(err)
	}
	wantField(t, LeaveGroup(ctx, w.db, w.bob, g.ID), "group.last_organiser")

	// Two organisers leave at the same moment: one of them has to stay.
	carla := w.resident(t, "carla")
	if _, err := JoinGroup(ctx, w.db, carla, g.ID, ""); err != nil {
		t.Fatal(err)
	}
	if err := SetMemberRole(ctx, w.db, w.bob, g.ID, carla.ID, GroupOrganiser); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, u := range []*User{w.bob, carla} {
			wg.Go(func() { errs[i] = LeaveGroup(ctx, w.db, u, g.ID) })
		}
		wg.Wait()
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("simultaneous leaving: %v and %v, want exactly one refused", errs[0], errs[1])
		}
		stayed := carla
		if errs[0] != nil {
			stayed = w.bob
		}
		left := map[*User]*User{w.bob: carla, carla: w.bob}[stayed]
		if _, err := JoinGroup(ctx, w.db, left, g.ID, ""); err != nil {
			t.Fatal(err)
		}
		if err := SetMemberRole(ctx, w.db, stayed, g.ID, left.ID, GroupOrganiser); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDatabaseRefusesAGroupWithMembersButNoOrganiser(t *testing.T) {
	w := newHoodWorld(t)
	g := w.group(t, "Zangkoor", MembershipOpen)
	if _, err := JoinGroup(t.Context(), w.db, w.bob, g.ID, ""); err != nil {
		t.Fatal(err)
	}
	err := w.db.Exec("DELETE FROM group_members WHERE group_id = ? AND user_id = ?", g.ID, w.ann.ID).Error
	if err == nil {
		t.Fatal("the last organiser was deleted behind the application's back")
	}
	if role, _ := GroupRoleOf(t.Context(), w.db, g.ID, w.ann.ID); role != GroupOrganiser {
		t.Errorf("ann is %q after the refused delete", role)
	}
}

func TestForgettingAPersonHandsOverTheirGroupsAndPlaces(t *testing.T) {
	w := newHoodWorld(t)
	ctx := t.Context()
	g := w.group(t, "Fietsherstel", MembershipOpen)
	for _, u := range []*User{w.bob, w.resident(t, "carla")} {
		if _, err := JoinGroup(ctx, w.db, u, g.ID, ""); err != nil {
			t.Fatal(err)
		}
	}
	alone := w.group(t, "Alleen", MembershipOpen)
	if _, err := NewCalendarToken(ctx, w.db, w.ann.ID); err != nil {
		t.Fatal(err)
	}
	m := w.meetup(t, nil, 1, time.Now().Add(24*time.Hour))
	past := w.meetup(t, nil, 1, time.Now().Add(-5*time.Hour))
	w.db.Exec("INSERT INTO rsvps (meetup_id, user_id, status) VALUES (?, ?, 'going')", past.ID, w.ann.ID)
	if _, err := SetRSVP(ctx, w.db, w.ann, m.ID, RSVPInput{Status: RSVPGoing}); err != nil {
		t.Fatal(err)
	}
	bob, _ := SetRSVP(ctx, w.db, w.bob, m.ID, RSVPInput{Status: RSVPGoing})
	if _, err := CreatePost(ctx, w.db, w.ann, g.ID, "Tot zaterdag"); err != nil {
		t.Fatal(err)
	}
	if _, err := CommentOnMeetup(ctx, w.db, w.ann, m.ID, "Ik breng taart mee"); err != nil {
		t.Fatal(err)
	}
	export, err := ExportParticipation(ctx, w.db, w.ann.ID)
	if err != nil || len(export.Groups) != 2 || len(export.SignUps) != 2 || len(export.Posts) != 1 || len(export.Comments) != 1 {
		t.Fatalf("export: %v %+v", err, export)
	}

	var promoted []int64
	err = w.db.Transaction(func(tx *gorm.DB) error {
		var err error
		promoted, err = ForgetParticipation(ctx, tx, w.ann.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(promoted) != 1 || promoted[0] != bob.RSVP.ID {
		t.Errorf("promoted %v, want Bob's sign-up", promoted)
	}
	if role, _ := GroupRoleOf(ctx, w.db, g.ID, w.bob.ID); role != GroupOrganiser {
		t.Errorf("the longest member became %q, want organiser", role)
	}
	if groups, _, _ := GroupsOf(ctx, w.db, w.ann.ID); len(groups) != 0 {
		t.Errorf("still in %d groups", len(groups))
	}
	if got := reload(t, w.db, past.ID); got.SeatsTaken != 1 {
		t.Errorf("a past sign-up was undone: %d places taken", got.SeatsTaken)
	}
	// The group nobody is left in takes its next member as organiser.
	if _, err := JoinGroup(ctx, w.db, w.bob, alone.ID, ""); err != nil {
		t.Fatal(err)
	}
	if role, _ := GroupRoleOf(ctx, w.db, alone.ID, w.bob.ID); role != GroupOrganiser {
		t.Errorf("first member of an empty group is %q", role)
	}
}

func TestGroupInputIsValidated(t *testing.T) {
	w := newHoodWorld(t)
	ctx := t.Context()
	for _, c := range []struct {
		in   GroupInput
		want string
	}{
		{GroupInput{Name: ptr(" ")}, "group.name.required"},
		{GroupInput{Name: ptr(strings.Repeat("a", 81))}, "group.name.too_long"},
		{GroupInput{Name: ptr("Ok"), Membership: ptr(GroupMembership("secret"))}, "group.membership.invalid"},
	} {
		_, err := CreateGroup(ctx, w.db, w.ann, w.hood, c.in)
		wantField(t, err, c.want)
	}
	other := testHood(t, w.db, "Sluizeken")
	if _, err := CreateGroup(ctx, w.db, w.ann, other, GroupInput{Name: ptr("Elders")}); !errors.Is(err, ErrForbidden) {
		t.Errorf("a resident made a group in a neighbourhood they do not follow: %v", err)
	}
	if n := count(t, w.db, "groups"); n != 0 {
		t.Errorf("%d groups stored", n)
	}
	g := w.group(t, "Petanque", MembershipOpen)
	if _, err := UpdateGroup(ctx, w.db, w.bob, g.ID, GroupInput{Name: ptr("Van mij")}); !errors.Is(err, ErrForbidden) {
		t.Errorf("a non-member renamed the group: %v", err)
	}
	up, err := UpdateGroup(ctx, w.db, w.ann, g.ID, GroupInput{Membership: ptr(MembershipClosed), Description: ptr(" Elke zondag ")})
	if err != nil || up.Membership != MembershipClosed || up.Description != "Elke zondag" || up.Name != "Petanque" {
		t.Errorf("update: %v %+v", err, up)
	}
}
