package models

import (
	"errors"
	"strconv"
	"testing"
	"time"
)

func TestCreateNeedRefusesBadInputWithNothingStored(t *testing.T) {
	t.Parallel()
	w := newVolWorld(t)
	ctx := t.Context()
	start := w.weekdayAt(time.Tuesday, 18, 0)
	for _, c := range []struct {
		name   string
		change func(*NewNeed)
		field  string
		want   string
	}{
		{"a shift that ends before it starts", func(in *NewNeed) { in.Shifts = []ShiftInput{shiftAt(start, -60, 2)} },
			"shifts.0.ends_at", "shift.end_before_start"},
		{"a shift of two days", func(in *NewNeed) { in.Shifts = []ShiftInput{shiftAt(start, 48*60, 2)} }, "shifts.0.ends_at", "shift.too_long"},
		{"a shift in the past", func(in *NewNeed) { in.Shifts = []ShiftInput{shiftAt(time.Now().Add(-time.Hour), 30, 2)} },
			"shifts.0.starts_at", "shift.past"},
		{"no places", func(in *NewNeed) { in.Shifts = []ShiftInput{shiftAt(start, 60, 0)} }, "shifts.0.places", "shift.places.invalid"},
		{"no shifts", func(in *NewNeed) { in.Shifts = nil }, "shifts", "need.shifts.required"},
		{"an unknown skill id", func(in *NewNeed) { in.RequiredSkills = &[]int{103, 4242} }, "required_skills", "need.skills.unknown"},
		{"a skill both required and nice", func(in *NewNeed) { in.NiceSkills = &[]int{103} }, "nice_skills", "need.skills.both"},
		{"no title", func(in *NewNeed) { in.Title = ptr("  ") }, "title", "need.title.required"},
		{"a made-up access", func(in *NewNeed) { in.Access = ptr(NeedAccess("friends")) }, "access", "need.access.invalid"},
		{"a repeat without end", func(in *NewNeed) { in.RRule = "FREQ=WEEKLY" }, "rrule", "rrule.unbounded"},
		{"an organiser from elsewhere", func(in *NewNeed) { in.OrganiserID = &w.bob.ID }, "organiser_id", "need.organiser.invalid"},
		{"an unknown resident", func(in *NewNeed) { in.ResidentID = ptr(int64(99999)) }, "resident_id", "need.resident.unknown"},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := NewNeed{NeighbourhoodID: w.hood, NeedInput: NeedInput{Title: ptr("Klaarzetten"), RequiredSkills: &[]int{103}},
				Shifts: []ShiftInput{shiftAt(start, 60, 2)}}
			c.change(&in)
			_, err := CreateNeed(ctx, w.db, w.worker, in, w.loc)
			var fe FieldErrors
			if !errors.As(err, &fe) || fe[c.field] != c.want {
				t.Fatalf("got %v, want %s on %s", err, c.want, c.field)
			}
		})
	}
	if n := count(t, w.db, "needs") + count(t, w.db, "shifts"); n != 0 {
		t.Errorf("%d needs and shifts stored from refused input", n)
	}
}

func TestARecurringNeedRepeatsItsShiftsAtTheSameWallClockTime(t *testing.T) {
	t.Parallel()
	w := newVolWorld(t)
	// Weekly from the Tuesday before the end of daylight saving time in 2030 (27 October): the
	// shifts stay at 17:00 and 18:00 in Brussels.
	first := time.Date(2030, 10, 15, 17, 0, 0, 0, w.loc)
	d := w.need(t, "Soepbar klaarzetten", NewNeed{RRule: "FREQ=WEEKLY;COUNT=4"}, shiftAt(first, 60, 3), shiftAt(first.Add(time.Hour), 60, 2))
	if len(d.Shifts) != 8 || d.RRule == nil || *d.RRule != "FREQ=WEEKLY;COUNT=4" {
		t.Fatalf("%d shifts, rule %v", len(d.Shifts), d.RRule)
	}
	counts := map[string]int{}
	for _, s := range d.Shifts {
		local := s.StartsAt.In(w.loc)
		counts[local.Format("15:04")]++
		if local.Weekday() != time.Tuesday || s.EndsAt.Sub(s.StartsAt) != time.Hour {
			t.Errorf("shift at %s for %s", local, s.EndsAt.Sub(s.StartsAt))
		}
	}
	if counts["17:00"] != 4 || counts["18:00"] != 4 {
		t.Errorf("shifts by time of day: %v", counts)
	}
	// The week-time the ranking compares with availability follows the wall clock too.
	var weeks []string
	w.db.Raw("SELECT DISTINCT week_minutes::text FROM shifts WHERE need_id = ? ORDER BY 1", d.ID).Scan(&weeks)
	if len(weeks) != 2 || weeks[0] != "{[3900,3960)}" || weeks[1] != "{[3960,4020)}" {
		t.Errorf("week-times %v, want Tuesday 17:00 and 18:00", weeks)
	}
}

func TestWhoMayAskForHelpAndWhoSeesANeed(t *testing.T) {
	t.Parallel()
	w := newVolWorld(t)
	ctx := t.Context()
	start := w.weekdayAt(time.Tuesday, 18, 0)
	newNeed := func(actor *User, in NewNeed) (*NeedDetail, error) {
		if in.NeighbourhoodID == 0 {
			in.NeighbourhoodID = w.hood
		}
		in.Title = ptr("Hulp bij de computer")
		in.Shifts = []ShiftInput{shiftAt(start, 60, 1)}
		return CreateNeed(ctx, w.db, actor, in, w.loc)
	}
	own, err := newNeed(w.ann, NewNeed{ResidentID: &w.ann.ID})
	if err != nil {
		t.Fatalf("a resident asks for help for herself: %v", err)
	}
	if _, err := newNeed(w.ann, NewNeed{ResidentID: &w.bob.ID}); !errors.Is(err, ErrForbidden) {
		t.Errorf("a resident asks on behalf of a neighbour: %v", err)
	}
	byInvitation := NeedByInvitation
	behalf, err := newNeed(w.worker, NewNeed{ResidentID: &w.bob.ID, NeedInput: NeedInput{Access: &byInvitation}})
	if err != nil {
		t.Fatalf("a worker asks on Bob's behalf: %v", err)
	}
	poort := testHood(t, w.db, "Brugse Poort")
	if _, err := newNeed(w.ann, NewNeed{NeighbourhoodID: poort}); !errors.Is(err, ErrForbidden) {
		t.Errorf("a resident asks in a neighbourhood not hers: %v", err)
	}
	private := w.group(t, "Moedergroep", MembershipPrivate)
	meetup := w.meetup(t, private, 0, start.Add(time.Hour))
	ofMeetup, err := newNeed(w.ann, NewNeed{MeetupID: &meetup.ID})
	if err != nil {
		t.Fatalf("the organiser of a meetup asks for help with it: %v", err)
	}

	vera := w.volunteer(t, "vera", w.volProfile())
	sees := func(u *User, id int64) bool {
		_, err := NeedByID(ctx, w.db, u, id)
		if err != nil && !errors.Is(err, ErrNotFound) {
			t.Fatal(err)
		}
		return err == nil
	}
	for _, c := range []struct {
		name string
		who  *User
		need int64
		want bool
	}{
		{"a volunteer, a need open to all", vera, own.ID, true},
		{"nobody signed in", nil, own.ID, false},
		{"a volunteer, a need by invitation", vera, behalf.ID, false},
		{"the resident it is for", w.bob, behalf.ID, true},
		{"the worker", w.worker, behalf.ID, true},
		{"a volunteer, a private group's meetup", vera, ofMeetup.ID, false},
		{"the group's organiser", w.ann, ofMeetup.ID, true},
	} {
		if got := sees(c.who, c.need); got != c.want {
			t.Errorf("%s: sees %v, want %v", c.name, got, c.want)
		}
	}
	// Invited, Vera sees the need; who it is for she learns once she signs up.
	invs, err := InviteVolunteers(ctx, w.db, w.worker, behalf.ID, InviteInput{ShiftID: behalf.Shifts[0].ID, UserIDs: []int64{vera.ID}})
	if err != nil {
		t.Fatal(err)
	}
	n, err := NeedByID(ctx, w.db, vera, behalf.ID)
	if err != nil {
		t.Fatalf("invited: %v", err)
	}
	if ok, _ := CanSeeNeedResident(ctx, w.db, vera, n); ok {
		t.Error("Vera knows whom she would help before she said yes")
	}
	if _, err := AnswerNeedInvitation(ctx, w.db, vera, invs[0].ID, true); err != nil {
		t.Fatal(err)
	}
	if ok, _ := CanSeeNeedResident(ctx, w.db, vera, n); !ok {
		t.Error("Vera, signed up, does not know whom she helps")
	}
}

func TestANeedIsFilledDoneOrCancelledAndEveryoneHearsOnce(t *testing.T) {
	t.Parallel()
	w := newVolWorld(t)
	ctx := t.Context()
	a, b := w.volunteer(t, "amir", w.volProfile()), w.volunteer(t, "bea", w.volProfile())
	tue := w.weekdayAt(time.Tuesday, 18, 0)
	d := w.need(t, "Verhuizen", NewNeed{}, shiftAt(tue, 60, 1), shiftAt(tue.AddDate(0, 0, 7), 60, 1))
	status := func() NeedStatus {
		n, err := NeedByID(ctx, w.db, w.worker, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		return n.Status
	}
	w.signUp(t, a, d.Shifts[0].ID)
	if s := status(); s != NeedOpen {
		t.Errorf("one of two shifts taken: %s", s)
	}
	w.signUp(t, a, d.Shifts[1].ID)
	w.signUp(t, b, d.Shifts[1].ID) // reserve
	if s := status(); s != NeedFilled {
		t.Errorf("every place taken: %s", s)
	}
	if _, err := WithdrawFromShift(ctx, w.db, a, d.Shifts[0].ID, SignupInput{}); err != nil {
		t.Fatal(err)
	}
	if s := status(); s != NeedOpen {
		t.Errorf("a place free again: %s", s)
	}
	done := NeedDone
	if _, err := UpdateNeed(ctx, w.db, w.worker, d.ID, NeedChange{Status: &done}); err != nil || status() != NeedDone {
		t.Fatalf("marked done: %v %s", err, status())
	}
	if _, err := SignUpForShift(ctx, w.db, b, d.Shifts[0].ID, SignupInput{}); err == nil {
		t.Error("signed up for a need that is done")
	}
	reopen := NeedOpen
	if _, err := UpdateNeed(ctx, w.db, w.worker, d.ID, NeedChange{Status: &reopen}); err != nil || status() != NeedOpen {
		t.Fatalf("opened again: %v %s", err, status())
	}
	_, err := CancelNeed(ctx, w.db, w.worker, d.ID, " ")
	wantField(t, err, "need.cancel_reason.required")
	if _, err := CancelNeed(ctx, w.db, w.bob, d.ID, "Niet meer nodig"); !errors.Is(err, ErrForbidden) {
		t.Errorf("a neighbour cancels: %v", err)
	}
	if _, err := CancelNeed(ctx, w.db, w.worker, d.ID, "De verhuis is uitgesteld"); err != nil {
		t.Fatal(err)
	}
	var told []string
	w.db.Raw(`SELECT u.username || ': ' || n.body FROM notifications n JOIN users u ON u.id = n.user_id
		WHERE n.need_id = ? AND n.kind = 'need_cancelled' ORDER BY u.username`, d.ID).Scan(&told)
	if len(told) != 2 || told[0] != "amir: De verhuis is uitgesteld" || told[1] != "bea: De verhuis is uitgesteld" {
		t.Errorf("told %q, want Amir and Bea once each", told)
	}
	var live int64
	w.db.Raw("SELECT count(*) FROM shifts WHERE need_id = ? AND cancelled_at IS NULL", d.ID).Scan(&live)
	if s := status(); s != NeedCancelled || live != 0 {
		t.Errorf("after cancelling: %s with %d shifts", s, live)
	}
	var planned int64
	w.db.Raw("SELECT coalesce(sum(planned_minutes), 0) FROM volunteer_months WHERE user_id = ?", a.ID).Scan(&planned)
	if planned != 0 {
		t.Errorf("Amir still has %d minutes planned for cancelled shifts", planned)
	}
	_, err = UpdateNeed(ctx, w.db, w.worker, d.ID, NeedChange{NeedInput: NeedInput{Title: ptr("Toch")}})
	wantField(t, err, "need.cancelled")
}

func TestInvitationsAreAnsweredOnceAndExpire(t *testing.T) {
	t.Parallel()
	w := newVolWorld(t)
	ctx := t.Context()
	in := w.volProfile()
	a, b, c := w.volunteer(t, "amir", in), w.volunteer(t, "bea", in), w.volunteer(t, "cas", in)
	d := w.need(t, "Bezoek", NewNeed{}, shiftAt(w.weekdayAt(time.Tuesday, 18, 0), 60, 1))
	shift := d.Shifts[0].ID
	invs, err := InviteVolunteers(ctx, w.db, w.worker, d.ID, InviteInput{ShiftID: shift, UserIDs: []int64{a.ID, b.ID, c.ID}, Message: "Kan je?"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = InviteVolunteers(ctx, w.db, w.worker, d.ID, InviteInput{ShiftID: shift, UserIDs: []int64{a.ID}})
	wantField(t, err, "need.invitation.already")
	var told int64
	w.db.Raw("SELECT count(*) FROM notifications WHERE kind = 'volunteer_invited' AND need_id = ? AND body = 'Kan je?'", d.ID).Scan(&told)
	if told != 3 {
		t.Errorf("%d told of their invitation, want 3", told)
	}
	// Amir accepts and gets the place; Bea accepts too and waits in reserve; Cas declines.
	ans, err := AnswerNeedInvitation(ctx, w.db, a, invs[0].ID, true)
	if err != nil || ans.Signup.Signup.Status != SignedUp || ans.Invitation.Status != InvitationAccepted {
		t.Fatalf("Amir accepts: %v %+v", err, ans)
	}
	if ans, err := AnswerNeedInvitation(ctx, w.db, b, invs[1].ID, true); err != nil || ans.Signup.Signup.Status != Reserve || ans.Signup.Position != 1 {
		t.Fatalf("Bea accepts a full shift: %v %+v", err, ans)
	}
	if _, err := AnswerNeedInvitation(ctx, w.db, c, invs[2].ID, false); err != nil {
		t.Fatal(err)
	}
	_, err = AnswerNeedInvitation(ctx, w.db, a, invs[0].ID, false)
	wantField(t, err, "need.invitation.answered")
	if _, err := AnswerNeedInvitation(ctx, w.db, b, invs[0].ID, true); !errors.Is(err, ErrNotFound) {
		t.Errorf("answering someone else's invitation: %v", err)
	}
	_, err = InviteVolunteers(ctx, w.db, w.worker, d.ID, InviteInput{ShiftID: shift, UserIDs: []int64{c.ID}})
	wantField(t, err, "need.invitation.declined")

	// An invitation nobody answered in time cannot be accepted, and changes nothing when tried.
	e := w.volunteer(t, "eddy", in)
	late, err := InviteVolunteers(ctx, w.db, w.worker, d.ID, InviteInput{ShiftID: shift, UserIDs: []int64{e.ID}})
	if err != nil {
		t.Fatal(err)
	}
	w.db.Exec("UPDATE need_invitations SET created_at = now() - interval '4 days', expires_at = now() - interval '1 day' WHERE id = ?", late[0].ID)
	before := count(t, w.db, "shift_signups")
	_, err = AnswerNeedInvitation(ctx, w.db, e, late[0].ID, true)
	wantField(t, err, "need.invitation.expired")
	if after := count(t, w.db, "shift_signups"); after != before {
		t.Errorf("an expired invitation made a sign-up")
	}
	mine, err := MyNeedInvitations(ctx, w.db, e, false)
	if err != nil || len(mine) != 1 || mine[0].Status != InvitationExpired {
		t.Errorf("Eddy's invitations: %v %+v", err, mine)
	}
	// Asked again, a new invitation takes the place of the expired one.
	if _, err := InviteVolunteers(ctx, w.db, w.worker, d.ID, InviteInput{ShiftID: shift, UserIDs: []int64{e.ID}}); err != nil {
		t.Errorf("inviting again after expiry: %v", err)
	}
	var organiserTold []string
	w.db.Raw(`SELECT kind FROM notifications WHERE user_id = ? AND need_id = ? ORDER BY id`, w.worker.ID, d.ID).Scan(&organiserTold)
	if len(organiserTold) != 3 || organiserTold[0] != "invitation_accepted" || organiserTold[2] != "invitation_declined" {
		t.Errorf("the organiser heard %v", organiserTold)
	}
}

func TestWhoMaySeeANeedMayFollowItsLiveTopic(t *testing.T) {
	t.Parallel()
	w := newVolWorld(t)
	ctx := t.Context()
	open := w.need(t, "Klaarzetten", NewNeed{}, shiftAt(w.weekdayAt(time.Tuesday, 18, 0), 60, 2))
	byInvitation := NeedByInvitation
	closed := w.need(t, "Bij mevrouw thuis", NewNeed{NeedInput: NeedInput{Access: &byInvitation}}, shiftAt(w.weekdayAt(time.Tuesday, 18, 0), 60, 1))
	if kind, id, err := ParseTopic("need:" + strconv.FormatInt(open.ID, 10)); err != nil || kind != TopicNeed || id != open.ID {
		t.Fatalf("ParseTopic: %s %d %v", kind, id, err)
	}
	for _, c := range []struct {
		who  *User
		need int64
		want bool
	}{{w.bob, open.ID, true}, {w.bob, closed.ID, false}, {w.worker, closed.ID, true}, {nil, open.ID, false}, {w.bob, 99999, false}} {
		ok, err := CanSubscribe(ctx, w.db, c.who, "need:"+strconv.FormatInt(c.need, 10))
		if err != nil || ok != c.want {
			t.Errorf("%s on need %d: %v %v, want %v", c.who.Name(), c.need, ok, err, c.want)
		}
	}
	if _, _, err := ParseTopic("need:1:signups"); !errors.Is(err, ErrUnknownTopic) {
		t.Errorf("need:1:signups: %v", err)
	}
}

func TestCancellingAMeetupCancelsItsNeedsAndTellsTheirVolunteers(t *testing.T) {
	t.Parallel()
	w := newVolWorld(t)
	ctx := t.Context()
	amir, bea := w.volunteer(t, "amir", w.volProfile()), w.volunteer(t, "bea", w.volProfile())
	start := w.weekdayAt(time.Tuesday, 19, 0)
	meetup := w.meetup(t, w.group(t, "Soepcafé", MembershipOpen), 0, start)
	newNeed := func(title string) *NeedDetail {
		d, err := CreateNeed(ctx, w.db, w.ann, NewNeed{NeighbourhoodID: w.hood, MeetupID: &meetup.ID,
			NeedInput: NeedInput{Title: &title}, Shifts: []ShiftInput{shiftAt(start.Add(-time.Hour), 60, 1)}}, w.loc)
		if err != nil {
			t.Fatalf("need %s: %v", title, err)
		}
		return d
	}
	setUp, shopping := newNeed("Zaal klaarzetten"), newNeed("Boodschappen")
	w.signUp(t, amir, setUp.Shifts[0].ID)
	w.signUp(t, bea, setUp.Shifts[0].ID) // reserve
	w.signUp(t, bea, shopping.Shifts[0].ID)
	done := NeedDone
	if _, err := UpdateNeed(ctx, w.db, w.ann, shopping.ID, NeedChange{Status: &done}); err != nil {
		t.Fatal(err)
	}

	if _, err := CancelMeetup(ctx, w.db, w.ann, meetup.ID, "De zaal staat onder water", OnlyThis); err != nil {
		t.Fatal(err)
	}
	status := func(id int64) (NeedStatus, int64) {
		n, err := NeedByID(ctx, w.db, w.worker, id)
		if err != nil {
			t.Fatal(err)
		}
		var live int64
		w.db.Raw("SELECT count(*) FROM shifts WHERE need_id = ? AND cancelled_at IS NULL", id).Scan(&live)
		return n.Status, live
	}
	if s, live := status(setUp.ID); s != NeedCancelled || live != 0 {
		t.Errorf("the meetup's need after cancelling the meetup: %s with %d shifts to come", s, live)
	}
	if s, live := status(shopping.ID); s != NeedDone || live != 1 {
		t.Errorf("a need already done: %s with %d shifts, want it left done", s, live)
	}
	var told []string
	w.db.Raw(`SELECT u.username || ': ' || n.body FROM notifications n JOIN users u ON u.id = n.user_id
		WHERE n.need_id = ? AND n.kind = 'need_cancelled' ORDER BY u.username`, setUp.ID).Scan(&told)
	if len(told) != 2 || told[0] != "amir: De zaal staat onder water" || told[1] != "bea: De zaal staat onder water" {
		t.Errorf("told %q, want Amir (signed up) and Bea (reserve) once each, with the meetup's reason", told)
	}
	if _, err := SignUpForShift(ctx, w.db, amir, setUp.Shifts[0].ID, SignupInput{}); err == nil {
		t.Error("signed up again for a shift of a cancelled meetup")
	}
}
