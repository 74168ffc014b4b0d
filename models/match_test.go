package models

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// The ranking on a small fixed data set: a resident's request for someone who speaks Arabic to
// shop with her (skill 103, shopping together; nice to have 301, smartphone help) on a Tuesday
// from 18:30 to 20:00.

// matchProfile is a volunteer in the neighbourhood who speaks Arabic, can shop together and is
// free on Tuesdays from 18:00 to 21:00 (the whole shift).
func (w *volWorld) matchProfile(change func(*VolunteerInput)) VolunteerInput {
	in := VolunteerInput{Skills: []int{103}, Languages: []string{"ar"}, Neighbourhoods: []int64{w.hood}, ConsentToAsk: true,
		HelpMode: HelpBoth, Availability: []Slot{{Weekday: 2, Start: "18:00", End: "21:00"}}}
	if change != nil {
		change(&in)
	}
	return in
}

func names(ms []Match) string {
	var out []string
	for _, m := range ms {
		out = append(out, fmt.Sprintf("%s %d", m.DisplayName, m.Score))
	}
	return strings.Join(out, ", ")
}

func reasonsJSON(t *testing.T, rs []Reason) string {
	t.Helper()
	b, err := json.Marshal(rs)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestTheRankingFiltersOnHardRulesAndOrdersBySoftOnesWithReasons(t *testing.T) {
	t.Parallel()
	w := newVolWorld(t)
	ctx := t.Context()
	tue := w.weekdayAt(time.Tuesday, 18, 30)
	partly := []Slot{{Weekday: 2, Start: "19:00", End: "22:00"}}

	amal := w.volunteer(t, "amal", w.matchProfile(func(in *VolunteerInput) {
		in.Skills, in.Languages, in.Interests = []int{103, 301}, []string{"ar", "nl"}, []string{"company"}
	}))
	omar := w.volunteer(t, "omar", w.matchProfile(func(in *VolunteerInput) { in.Availability, in.HelpMode = partly, HelpOneOff }))
	w.volunteer(t, "bilal", w.matchProfile(func(in *VolunteerInput) { in.Availability = partly }))
	nora := w.volunteer(t, "nora", w.matchProfile(func(in *VolunteerInput) { in.Availability = partly }))

	// Each of these fails exactly one hard rule.
	chris := w.volunteer(t, "chris", w.matchProfile(func(in *VolunteerInput) { in.Languages = []string{"nl"} })) // no Arabic
	w.volunteer(t, "dina", w.matchProfile(func(in *VolunteerInput) { in.Skills = []int{301} }))                  // cannot shop together
	poort := testHood(t, w.db, "Brugse Poort")
	w.volunteer(t, "eva", w.matchProfile(func(in *VolunteerInput) { in.Neighbourhoods = []int64{poort} })) // helps elsewhere
	w.volunteer(t, "fatma", w.matchProfile(func(in *VolunteerInput) {
		in.Availability = []Slot{{Weekday: 3, Start: "18:00", End: "21:00"}} // free on Wednesdays only
	}))
	gertIn := w.matchProfile(func(in *VolunteerInput) { in.Paused = true })
	gert := w.volunteer(t, "gert", gertIn)                                                       // paused
	w.volunteer(t, "hana", w.matchProfile(func(in *VolunteerInput) { in.ConsentToAsk = false })) // does not want to be asked
	w.volunteer(t, "ilse", w.matchProfile(func(in *VolunteerInput) {
		in.Away = []DateRange{{From: DateOf(tue), To: DateOf(tue)}} // away that day
	}))
	jan := w.volunteer(t, "jan", w.matchProfile(func(in *VolunteerInput) { in.MaxHoursMonth = ptr(1) })) // 90 minutes is too much
	kees := w.volunteer(t, "kees", w.matchProfile(func(in *VolunteerInput) { in.MaxHoursMonth = ptr(2) }))
	lotte := w.volunteer(t, "lotte", w.matchProfile(nil))
	mo := w.volunteer(t, "moussa", w.matchProfile(nil))
	rosa := w.volunteer(t, "rosa", w.matchProfile(nil)) // the resident the need is for

	title := "Boodschappen met Rosa"
	need := w.need(t, title, NewNeed{ResidentID: &rosa.ID, NeedInput: NeedInput{RequiredSkills: &[]int{103}, NiceSkills: &[]int{301},
		Languages: &[]string{"ar"}}}, shiftAt(tue, 90, 2))
	shift := need.Shifts[0].ID
	// Kees already helps for an hour that morning: another 90 minutes would pass his two hours.
	morning := w.need(t, "Koffie schenken", NewNeed{}, shiftAt(time.Date(tue.Year(), tue.Month(), tue.Day(), 10, 0, 0, 0, w.loc), 60, 1))
	w.signUp(t, kees, morning.Shifts[0].ID)
	if err := DeclineNeed(ctx, w.db, lotte, need.ID); err != nil { // said no to this need
		t.Fatal(err)
	}
	w.signUp(t, mo, shift) // already signed up
	// Omar helped Rosa twice before; Nora was asked three times this month for other needs.
	w.pastShift(t, need.ID, tue.AddDate(0, 0, -14), 90, omar)
	w.pastShift(t, need.ID, tue.AddDate(0, 0, -21), 90, omar)
	other := w.need(t, "Opruimen", NewNeed{}, shiftAt(tue.AddDate(0, 0, 1), 60, 5), shiftAt(tue.AddDate(0, 0, 2), 60, 5),
		shiftAt(tue.AddDate(0, 0, 3), 60, 5))
	for _, s := range other.Shifts {
		if _, err := InviteVolunteers(ctx, w.db, w.worker, other.ID, InviteInput{ShiftID: s.ID, UserIDs: []int64{nora.ID}}); err != nil {
			t.Fatal(err)
		}
	}

	m, err := MatchVolunteers(ctx, w.db, w.worker, need.ID, MatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Shift.ID != shift {
		t.Fatalf("ranked for shift %d, want the one to come, %d", m.Shift.ID, shift)
	}
	if got, want := names(m.Volunteers), "amal 120, omar 80, bilal 60, nora 30"; got != want {
		t.Fatalf("ranking: %s\nwant:    %s", got, want)
	}
	for _, c := range []struct {
		who  int
		want string
	}{
		{0, `[{"id":"match.reason.speaks","values":{"languages":["ar"]}},{"id":"match.reason.skills","values":{"skills":["shopping_together"]}},` +
			`{"id":"match.reason.nice_skills","values":{"skills":["smartphone_help"]}},{"id":"match.reason.free","values":{"part":"evening","weekday":2}},` +
			`{"id":"match.reason.neighbourhood"},{"id":"match.reason.interest","values":{"domains":["company"]}}]`},
		{1, `[{"id":"match.reason.speaks","values":{"languages":["ar"]}},{"id":"match.reason.skills","values":{"skills":["shopping_together"]}},` +
			`{"id":"match.reason.free_partly","values":{"part":"evening","weekday":2}},{"id":"match.reason.neighbourhood"},` +
			`{"id":"match.reason.one_off"},{"id":"match.reason.helped_before","values":{"count":2}}]`},
		{3, `[{"id":"match.reason.speaks","values":{"languages":["ar"]}},{"id":"match.reason.skills","values":{"skills":["shopping_together"]}},` +
			`{"id":"match.reason.free_partly","values":{"part":"evening","weekday":2}},{"id":"match.reason.neighbourhood"},` +
			`{"id":"match.reason.asked_often","values":{"count":3}}]`},
	} {
		if got := reasonsJSON(t, m.Volunteers[c.who].Reasons); got != c.want {
			t.Errorf("reasons of %s:\n%s\nwant\n%s", m.Volunteers[c.who].DisplayName, got, c.want)
		}
	}

	// Each one left out comes in when the one rule they failed no longer holds.
	in := w.matchProfile(func(in *VolunteerInput) { in.Languages = []string{"nl", "ar"} })
	if _, err := SaveVolunteer(ctx, w.db, chris, in); err != nil {
		t.Fatal(err)
	}
	gertIn.Paused = false
	if _, err := SaveVolunteer(ctx, w.db, gert, gertIn); err != nil {
		t.Fatal(err)
	}
	if _, err := SaveVolunteer(ctx, w.db, jan, w.matchProfile(func(in *VolunteerInput) { in.MaxHoursMonth = ptr(2) })); err != nil {
		t.Fatal(err)
	}
	if _, err := WithdrawFromShift(ctx, w.db, kees, morning.Shifts[0].ID, SignupInput{}); err != nil {
		t.Fatal(err)
	}
	m, err = MatchVolunteers(ctx, w.db, w.worker, need.ID, MatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := names(m.Volunteers), "amal 120, omar 80, chris 80, gert 80, jan 80, kees 80, bilal 60, nora 30"; got != want {
		t.Errorf("after the fixes: %s\nwant:             %s", got, want)
	}

	// Inviting counts as asking: Bilal drops below those asked less, and shows as invited.
	if _, err := InviteVolunteers(ctx, w.db, w.worker, need.ID, InviteInput{ShiftID: shift, UserIDs: []int64{amal.ID}}); err != nil {
		t.Fatal(err)
	}
	m, err = MatchVolunteers(ctx, w.db, w.worker, need.ID, MatchOptions{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(m.Volunteers); got != "amal 110, omar 80" || !m.Volunteers[0].Invited || m.Volunteers[1].Invited {
		t.Errorf("after inviting Amal: %s (invited %v)", got, m.Volunteers[0].Invited)
	}

	if m, err := MatchVolunteers(ctx, w.db, w.worker, need.ID, MatchOptions{ShiftID: shift, Limit: 1}); err != nil || m.Shift.ID != shift || len(m.Volunteers) != 1 {
		t.Errorf("ranking for the shift asked for: %v %+v", err, m)
	}
	_, err = MatchVolunteers(ctx, w.db, w.worker, need.ID, MatchOptions{ShiftID: morning.Shifts[0].ID})
	wantField(t, err, "match.shift_unknown")
	for name, who := range map[string]*User{"a volunteer": amal, "the resident": rosa, "a neighbour": w.bob} {
		if _, err := MatchVolunteers(ctx, w.db, who, need.ID, MatchOptions{}); !errors.Is(err, ErrForbidden) {
			t.Errorf("%s asks for the ranking: %v, want forbidden", name, err)
		}
	}
}

func TestNeedsForAVolunteerFollowTheSameRules(t *testing.T) {
	t.Parallel()
	w := newVolWorld(t)
	ctx := t.Context()
	amal := w.volunteer(t, "amal", VolunteerInput{Skills: []int{103, 301}, Languages: []string{"ar", "nl"}, Interests: []string{"company"},
		Neighbourhoods: []int64{w.hood}, HelpMode: HelpBoth, Availability: []Slot{{Weekday: 2, Start: "18:00", End: "21:00"},
			{Weekday: 4, Start: "09:00", End: "12:00"}}})
	tue, thu := w.weekdayAt(time.Tuesday, 18, 30), w.weekdayAt(time.Thursday, 9, 30)
	skills := func(ids ...int) *[]int { return &ids }
	w.need(t, "A: boodschappen", NewNeed{NeedInput: NeedInput{RequiredSkills: skills(103)}}, shiftAt(tue, 90, 2))
	better := w.need(t, "H: boodschappen en gsm", NewNeed{NeedInput: NeedInput{RequiredSkills: skills(103), NiceSkills: skills(301)}},
		shiftAt(thu, 90, 2))
	w.need(t, "P: laat op dinsdag", NewNeed{}, shiftAt(tue.Add(90*time.Minute), 120, 2))
	w.need(t, "B: budget", NewNeed{NeedInput: NeedInput{RequiredSkills: skills(402)}}, shiftAt(tue, 60, 2))
	w.need(t, "D: woensdag", NewNeed{}, shiftAt(w.weekdayAt(time.Wednesday, 18, 30), 60, 2))
	w.need(t, "L: Turks", NewNeed{NeedInput: NeedInput{Languages: &[]string{"tr"}}}, shiftAt(tue, 60, 2))
	byInvitation := NeedByInvitation
	invited := w.need(t, "E: op uitnodiging", NewNeed{NeedInput: NeedInput{Access: &byInvitation}}, shiftAt(tue, 60, 2))
	declined := w.need(t, "F: nee gezegd", NewNeed{}, shiftAt(tue, 60, 2))
	if err := DeclineNeed(ctx, w.db, amal, declined.ID); err != nil {
		t.Fatal(err)
	}
	full := w.need(t, "G: volzet", NewNeed{}, shiftAt(tue, 60, 1))
	w.signUp(t, w.volunteer(t, "bert", w.volProfile()), full.Shifts[0].ID)
	poort := testHood(t, w.db, "Brugse Poort")
	title := "C: andere buurt"
	if _, err := CreateNeed(ctx, w.db, w.coord, NewNeed{NeighbourhoodID: poort, NeedInput: NeedInput{Title: &title},
		Shifts: []ShiftInput{shiftAt(tue, 60, 2)}}, w.loc); err != nil {
		t.Fatal(err)
	}

	list := func() string {
		t.Helper()
		ms, err := NeedsForVolunteer(ctx, w.db, amal, NeedsForMeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range ms {
			out = append(out, fmt.Sprintf("%s %d", m.Need.Title[:1], m.Score))
		}
		return strings.Join(out, ", ")
	}
	if got, want := list(), "H 120, A 90, P 60"; got != want {
		t.Errorf("needs for Amal: %s, want %s", got, want)
	}
	if _, err := InviteVolunteers(ctx, w.db, w.worker, invited.ID, InviteInput{ShiftID: invited.Shifts[0].ID, UserIDs: []int64{amal.ID}}); err == nil {
		t.Fatal("invited someone who does not want to be asked")
	}
	in := VolunteerInput{Skills: []int{103, 301}, Languages: []string{"ar", "nl"}, Interests: []string{"company"}, ConsentToAsk: true,
		Neighbourhoods: []int64{w.hood}, HelpMode: HelpBoth, Availability: []Slot{{Weekday: 2, Start: "18:00", End: "21:00"},
			{Weekday: 4, Start: "09:00", End: "12:00"}}}
	if _, err := SaveVolunteer(ctx, w.db, amal, in); err != nil {
		t.Fatal(err)
	}
	if _, err := InviteVolunteers(ctx, w.db, w.worker, invited.ID, InviteInput{ShiftID: invited.Shifts[0].ID, UserIDs: []int64{amal.ID}}); err != nil {
		t.Fatal(err)
	}
	if got, want := list(), "H 120, A 90, E 80, P 60"; got != want {
		t.Errorf("needs for Amal once invited: %s, want %s", got, want)
	}
	w.signUp(t, amal, better.Shifts[0].ID)
	if got, want := list(), "A 90, E 80, P 60"; got != want {
		t.Errorf("needs for Amal once signed up for H: %s, want %s", got, want)
	}
}
