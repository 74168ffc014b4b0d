package models

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"
)

// Fixtures for the volunteer tests (prefix vol): the neighbourhood world of the meetup tests,
// volunteers with profiles, and needs with shifts at fixed wall-clock times in Brussels.

type volWorld struct {
	*hoodWorld
	loc *time.Location
}

func newVolWorld(t *testing.T) *volWorld {
	t.Helper()
	return &volWorld{hoodWorld: newHoodWorld(t), loc: brussels(t)}
}

// volProfile is a profile helping in the world's neighbourhood, free on Tuesday evenings, who
// agreed to be asked.
func (w *volWorld) volProfile(skills ...int) VolunteerInput {
	return VolunteerInput{Skills: skills, Languages: []string{"nl"}, Neighbourhoods: []int64{w.hood}, ConsentToAsk: true,
		Availability: []Slot{{Weekday: 2, Start: "18:00", End: "21:00"}}}
}

// volunteer makes a resident of the neighbourhood with the given profile.
func (w *volWorld) volunteer(t *testing.T, name string, in VolunteerInput) *User {
	t.Helper()
	u := w.resident(t, name)
	if _, err := SaveVolunteer(t.Context(), w.db, u, in); err != nil {
		t.Fatalf("profile of %s: %v", name, err)
	}
	return u
}

// weekdayAt is the first given weekday at least four days from now (so never "soon"), at the
// wall-clock time h:m in Brussels.
func (w *volWorld) weekdayAt(weekday time.Weekday, h, m int) time.Time {
	d := time.Now().In(w.loc).AddDate(0, 0, 4)
	for d.Weekday() != weekday {
		d = d.AddDate(0, 0, 1)
	}
	return time.Date(d.Year(), d.Month(), d.Day(), h, m, 0, 0, w.loc)
}

// shiftAt is a shift input from start, lasting minutes, with places.
func shiftAt(start time.Time, minutes, places int) ShiftInput {
	end := start.Add(time.Duration(minutes) * time.Minute)
	return ShiftInput{StartsAt: &start, EndsAt: &end, Places: &places}
}

// need makes a need of the neighbourhood, by the worker, with the given shifts.
func (w *volWorld) need(t *testing.T, title string, in NewNeed, shifts ...ShiftInput) *NeedDetail {
	t.Helper()
	in.NeighbourhoodID, in.Shifts = w.hood, shifts
	if in.Title == nil {
		in.Title = &title
	}
	d, err := CreateNeed(t.Context(), w.db, w.worker, in, w.loc)
	if err != nil {
		t.Fatalf("need %s: %v", title, err)
	}
	return d
}

// signUp signs u up for shift id and fails the test on an error.
func (w *volWorld) signUp(t *testing.T, u *User, shiftID int64) *SignupResult {
	t.Helper()
	r, err := SignUpForShift(t.Context(), w.db, u, shiftID, SignupInput{})
	if err != nil {
		t.Fatalf("sign up %s: %v", u.Name(), err)
	}
	return r
}

// pastShift adds a shift that ended, with u signed up and their hours confirmed: history, which
// the API never makes (shifts start in the future).
func (w *volWorld) pastShift(t *testing.T, needID int64, start time.Time, minutes int, helpers ...*User) int64 {
	t.Helper()
	var id int64
	err := w.db.Raw(`INSERT INTO shifts (need_id, neighbourhood_id, starts_at, ends_at, places)
		SELECT id, neighbourhood_id, ?, ?, 5 FROM needs WHERE id = ? RETURNING id`,
		start, start.Add(time.Duration(minutes)*time.Minute), needID).Scan(&id).Error
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range helpers {
		if err := w.db.Exec(`INSERT INTO shift_signups (shift_id, user_id, status) VALUES (?, ?, 'signed_up')`, id, u.ID).Error; err != nil {
			t.Fatal(err)
		}
		if err := w.db.Exec(`INSERT INTO volunteer_hours (shift_id, need_id, neighbourhood_id, user_id, minutes, source, method, status, decided_at)
			SELECT id, need_id, neighbourhood_id, ?, ?, 'checkin', 'list', 'confirmed', now() FROM shifts WHERE id = ?`, u.ID, minutes, id).Error; err != nil {
			t.Fatal(err)
		}
	}
	return id
}

func TestAVolunteerProfileKeepsWeeklySlotsDatesAwayAndAPause(t *testing.T) {
	t.Parallel()
	w := newVolWorld(t)
	ctx := t.Context()
	in := VolunteerInput{Skills: []int{301, 103, 103}, Tags: []string{"  Fietsen ", "fietsen", "Koken met  kinderen"},
		Interests: []string{"company"}, Languages: []string{"NL", "ar"}, Neighbourhoods: []int64{w.hood},
		Availability: []Slot{{Weekday: 4, Start: "09:00", End: "12:00"}, {Weekday: 2, Start: "22:00", End: "24:00"}, {Weekday: 3, Start: "00:00", End: "01:30"}},
		Away:         []DateRange{{From: mustDate(t, "2030-07-01"), To: mustDate(t, "2030-07-14")}},
		HelpMode:     HelpRegular, MaxHoursMonth: ptr(8), Constraints: "Niet zwaar tillen.", Phone: "0470 12 34 56",
		ConsentToAsk: true, Paused: true}
	p, err := SaveVolunteer(ctx, w.db, w.ann, in)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(p.Skills) != "[103 301]" || fmt.Sprint(p.Tags) != "[fietsen koken met kinderen]" || fmt.Sprint(p.Languages) != "[nl ar]" {
		t.Errorf("normalised lists: skills %v, tags %v, languages %v", p.Skills, p.Tags, p.Languages)
	}
	want := "[{2 22:00 24:00} {3 00:00 01:30} {4 09:00 12:00}]"
	if fmt.Sprint(p.Availability) != want {
		t.Errorf("availability %v, want %s", p.Availability, want)
	}
	if len(p.Away) != 1 || p.Away[0].From.String() != "2030-07-01" || p.Away[0].To.String() != "2030-07-14" {
		t.Errorf("away %+v", p.Away)
	}
	if *p.Phone != "0470123456" || p.ConstraintsNote != "Niet zwaar tillen." || *p.MaxHoursMonth != 8 || !p.Paused() {
		t.Errorf("profile %+v", p.Volunteer)
	}
	// Tuesday 22:00 to Wednesday 01:30 is one stretch of the week for the ranking.
	var availability string
	w.db.Raw("SELECT availability::text FROM volunteers WHERE user_id = ?", w.ann.ID).Scan(&availability)
	if availability != "{[4200,4410),[6300,6480)}" {
		t.Errorf("availability as stored: %s", availability)
	}
	// Saving again keeps when the pause started; unpausing clears it.
	pausedAt := *p.PausedAt
	time.Sleep(10 * time.Millisecond)
	if p, err = SaveVolunteer(ctx, w.db, w.ann, in); err != nil || !p.PausedAt.Equal(pausedAt) {
		t.Errorf("paused again: %v %v, want %v", err, p.PausedAt, pausedAt)
	}
	in.Paused = false
	if p, err = SaveVolunteer(ctx, w.db, w.ann, in); err != nil || p.Paused() {
		t.Errorf("unpaused: %v %v", err, p.PausedAt)
	}
}

func mustDate(t *testing.T, s string) Date {
	t.Helper()
	d, err := ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestRefusedProfilesChangeNothing(t *testing.T) {
	t.Parallel()
	w := newVolWorld(t)
	ctx := t.Context()
	good := w.volProfile(103)
	if _, err := SaveVolunteer(ctx, w.db, w.ann, good); err != nil {
		t.Fatal(err)
	}
	before := mustProfile(t, w, w.ann.ID)
	for _, c := range []struct {
		name   string
		change func(*VolunteerInput)
		want   string
	}{
		{"unknown skill id", func(in *VolunteerInput) { in.Skills = []int{103, 9999} }, "volunteer.skills.unknown"},
		{"overlapping slots", func(in *VolunteerInput) {
			in.Availability = []Slot{{2, "18:00", "21:00"}, {2, "20:00", "22:00"}}
		}, "volunteer.availability.overlap"},
		{"a night in one slot", func(in *VolunteerInput) { in.Availability = []Slot{{5, "22:00", "02:00"}} }, "volunteer.availability.past_midnight"},
		{"ends when it starts", func(in *VolunteerInput) { in.Availability = []Slot{{5, "10:00", "10:00"}} }, "volunteer.availability.past_midnight"},
		{"starts at midnight's end", func(in *VolunteerInput) { in.Availability = []Slot{{5, "24:00", "24:00"}} }, "volunteer.availability.invalid"},
		{"no such weekday", func(in *VolunteerInput) { in.Availability = []Slot{{7, "10:00", "11:00"}} }, "volunteer.availability.invalid"},
		{"not a time", func(in *VolunteerInput) { in.Availability = []Slot{{1, "10u", "11:00"}} }, "volunteer.availability.invalid"},
		{"no neighbourhood", func(in *VolunteerInput) { in.Neighbourhoods = nil }, "volunteer.neighbourhoods.required"},
		{"unknown neighbourhood", func(in *VolunteerInput) { in.Neighbourhoods = []int64{w.hood, 99999} }, "volunteer.neighbourhoods.unknown"},
		{"unknown life domain", func(in *VolunteerInput) { in.Interests = []string{"astrology"} }, "volunteer.interests.unknown"},
		{"not a language code", func(in *VolunteerInput) { in.Languages = []string{"Arabisch"} }, "volunteer.languages.invalid"},
		{"away backwards", func(in *VolunteerInput) {
			in.Away = []DateRange{{From: mustDate(t, "2030-07-14"), To: mustDate(t, "2030-07-01")}}
		}, "volunteer.away.invalid"},
		{"too many hours", func(in *VolunteerInput) { in.MaxHoursMonth = ptr(201) }, "volunteer.max_hours.invalid"},
		{"bad phone", func(in *VolunteerInput) { in.Phone = "12" }, "volunteer.phone.invalid"},
		{"unknown help mode", func(in *VolunteerInput) { in.HelpMode = "sometimes" }, "volunteer.help_mode.invalid"},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := w.volProfile(103)
			c.change(&in)
			_, err := SaveVolunteer(ctx, w.db, w.ann, in)
			wantField(t, err, c.want)
			_, err = SaveVolunteer(ctx, w.db, w.bob, in)
			wantField(t, err, c.want)
		})
	}
	if after := mustProfile(t, w, w.ann.ID); after != before {
		t.Errorf("refused saves changed the profile:\n%s\n%s", before, after)
	}
	if n := count(t, w.db, "volunteers"); n != 1 {
		t.Errorf("%d profiles, want only Ann's", n)
	}
	if n := count(t, w.db, "volunteer_slots"); n != 1 {
		t.Errorf("%d slots, want Ann's one", n)
	}
}

// mustProfile is a profile as stored, as JSON, to compare.
func mustProfile(t *testing.T, w *volWorld, id int64) string {
	t.Helper()
	p, err := VolunteerOf(t.Context(), w.db, id)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestAWorkerMakesAProfileForSomeoneWithTheirConsent(t *testing.T) {
	t.Parallel()
	w := newVolWorld(t)
	ctx := t.Context()
	in := w.volProfile(201)
	_, err := SaveVolunteerFor(ctx, w.db, w.worker, w.bob.ID, in)
	wantField(t, err, "volunteer.consent.required")
	in.Consent = true
	p, err := SaveVolunteerFor(ctx, w.db, w.worker, w.bob.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	if p.UserID != w.bob.ID || *p.ConsentRecordedBy != w.worker.ID || p.ConsentRecordedAt == nil || *p.CreatedBy != w.worker.ID {
		t.Errorf("profile made for Bob: %+v", p.Volunteer)
	}
	// Bob changes it himself later: the recorded consent stays.
	if p, err = SaveVolunteer(ctx, w.db, w.bob, w.volProfile(201, 202)); err != nil || p.ConsentRecordedBy == nil {
		t.Errorf("Bob's own change: %v %+v", err, p)
	}
	elsewhere := testPerson(t, w.db, "wout", RoleWorker, testHood(t, w.db, "Brugse Poort"))
	for name, actor := range map[string]*User{"a resident": w.ann, "a worker of another neighbourhood": elsewhere} {
		if _, err := SaveVolunteerFor(ctx, w.db, actor, w.bob.ID, in); !errors.Is(err, ErrForbidden) {
			t.Errorf("%s: %v, want forbidden", name, err)
		}
	}
	if _, err := SaveVolunteerFor(ctx, w.db, w.worker, w.coord.ID, in); !errors.Is(err, ErrForbidden) {
		t.Errorf("a worker for the coordinator: %v, want forbidden", err)
	}
}

func TestVolunteerDetailsAreForWorkersAndTheOrganisersOfTheirNeedsOnly(t *testing.T) {
	t.Parallel()
	w := newVolWorld(t)
	ctx := t.Context()
	in := w.volProfile(103)
	in.Phone, in.Constraints = "0470123456", "Geen trappen."
	vera := w.volunteer(t, "vera", in)
	poort := testHood(t, w.db, "Brugse Poort")
	otherWorker := testPerson(t, w.db, "wout", RoleWorker, poort)
	// Ann asks for help herself: she organises her need.
	title := "Samen boodschappen doen"
	d, err := CreateNeed(ctx, w.db, w.ann, NewNeed{NeighbourhoodID: w.hood, ResidentID: &w.ann.ID, NeedInput: NeedInput{Title: &title},
		Shifts: []ShiftInput{shiftAt(w.weekdayAt(time.Tuesday, 18, 30), 60, 1)}}, w.loc)
	if err != nil {
		t.Fatal(err)
	}
	see := func(who *User) error {
		_, err := VolunteerFor(ctx, w.db, who, vera.ID)
		return err
	}
	for name, who := range map[string]*User{"herself": vera, "the coordinator": w.coord, "the neighbourhood's worker": w.worker} {
		if err := see(who); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for name, who := range map[string]*User{"a worker elsewhere": otherWorker, "a neighbour": w.bob, "an organiser she did not sign up with": w.ann, "nobody": nil} {
		if err := see(who); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: %v, want not found", name, err)
		}
	}
	w.signUp(t, vera, d.Shifts[0].ID)
	if err := see(w.ann); err != nil {
		t.Errorf("the organiser of a need she signed up for: %v", err)
	}
}

func TestDeletingAnAccountStopsVolunteeringAndFreesItsPlaces(t *testing.T) {
	t.Parallel()
	w := newVolWorld(t)
	ctx := t.Context()
	a, b := w.volunteer(t, "amir", w.volProfile()), w.volunteer(t, "bea", w.volProfile())
	d := w.need(t, "Klaarzetten", NewNeed{}, shiftAt(w.weekdayAt(time.Tuesday, 18, 0), 60, 1))
	w.signUp(t, a, d.Shifts[0].ID)
	if r := w.signUp(t, b, d.Shifts[0].ID); r.Signup.Status != Reserve || r.Position != 1 {
		t.Fatalf("Bea: %+v", r)
	}
	if err := DeleteAccount(ctx, w.db, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := VolunteerOf(ctx, w.db, a.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("profile after deletion: %v", err)
	}
	var status SignupStatus
	w.db.Raw("SELECT status FROM shift_signups WHERE user_id = ?", b.ID).Scan(&status)
	if status != SignedUp {
		t.Errorf("Bea is %s, want signed up in the freed place", status)
	}
}

func TestFreeTagsKeepQuotesCommasAndBackslashes(t *testing.T) {
	t.Parallel()
	w := newVolWorld(t)
	in := w.volProfile()
	in.Tags = []string{`koken "thuis"`, `a,b`, `c\d`, `{x}`}
	p, err := SaveVolunteer(t.Context(), w.db, w.ann, in)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprintf("%q", p.Tags); got != `["koken \"thuis\"" "a,b" "c\\d" "{x}"]` {
		t.Errorf("tags read back as %s", got)
	}
}

// A person's data export holds their volunteering: the profile with its constraints in their
// own words, the time slots, and the shifts they signed up for.
func TestTheDataExportHoldsTheVolunteerProfileSlotsAndSignUps(t *testing.T) {
	t.Parallel()
	w := newVolWorld(t)
	ctx := t.Context()
	in := w.volProfile()
	in.Constraints = "Niet op woensdag, dan pas ik op mijn kleinkind"
	ann := w.volunteer(t, "annemie", in)
	n := w.need(t, "Soep opdienen", NewNeed{}, shiftAt(w.weekdayAt(time.Tuesday, 18, 30), 60, 2))
	if _, err := SignUpForShift(ctx, w.db, ann, n.Shifts[0].ID, SignupInput{}); err != nil {
		t.Fatal(err)
	}
	e, err := ExportAccount(ctx, w.db, ann)
	if err != nil {
		t.Fatal(err)
	}
	var vol struct {
		Profile   map[string]any   `json:"profile"`
		Slots     []map[string]any `json:"time_slots"`
		Signups   []map[string]any `json:"shift_signups"`
		Hours     []map[string]any `json:"hours"`
		HelpsWhen any              `json:"helps_when"`
	}
	if err := json.Unmarshal(e.Volunteering, &vol); err != nil {
		t.Fatalf("volunteering in the export: %v: %s", err, e.Volunteering)
	}
	if vol.Profile["constraints_note"] != in.Constraints || len(vol.Slots) != 1 || len(vol.Signups) != 1 || vol.Hours == nil {
		t.Errorf("the export lacks the volunteering: %s", e.Volunteering)
	}
	if _, ok := vol.Profile["helps_when"]; ok {
		t.Errorf("the export holds the ranking's index key: %s", e.Volunteering)
	}
}
