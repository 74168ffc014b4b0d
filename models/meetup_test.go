package models

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"gorm.io/gorm"
)

// hoodWorld is a neighbourhood with a coordinator, a worker and residents, for the group and
// meetup tests.
type hoodWorld struct {
	db     *gorm.DB
	hood   int64
	coord  *User
	worker *User
	ann    *User // a resident who organises
	bob    *User // another resident
}

func newHoodWorld(t *testing.T) *hoodWorld {
	t.Helper()
	db := openTestDB(t)
	w := &hoodWorld{db: db, hood: testHood(t, db, "Rabot")}
	w.coord = testPerson(t, db, "coco", RoleCoordinator, 0)
	w.worker = testPerson(t, db, "wendy", RoleWorker, w.hood)
	w.ann = testPerson(t, db, "ann", RoleResident, w.hood)
	w.bob = testPerson(t, db, "bob", RoleResident, w.hood)
	return w
}

// resident adds a resident of the neighbourhood.
func (w *hoodWorld) resident(t *testing.T, name string) *User {
	t.Helper()
	return testPerson(t, w.db, name, RoleResident, w.hood)
}

// group makes a group organised by ann.
func (w *hoodWorld) group(t *testing.T, name string, membership GroupMembership) *Group {
	t.Helper()
	g, err := CreateGroup(t.Context(), w.db, w.ann, w.hood, GroupInput{Name: &name, Membership: &membership})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// meetup publishes a meetup of the neighbourhood (by the worker) or of a group (by ann) starting
// at start for two hours; capacity 0 is no limit.
func (w *hoodWorld) meetup(t *testing.T, g *Group, capacity int, start time.Time) *Meetup {
	t.Helper()
	in := NewMeetup{NeighbourhoodID: w.hood, MeetupInput: meetupInput("Soep op vrijdag", start, capacity)}
	actor := w.worker
	if g != nil {
		in.GroupID, actor = &g.ID, w.ann
	}
	m, err := CreateMeetup(t.Context(), w.db, actor, in, brussels(t))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func meetupInput(title string, start time.Time, capacity int) MeetupInput {
	end := start.Add(2 * time.Hour)
	return MeetupInput{Title: &title, StartsAt: &start, EndsAt: &end, Capacity: &capacity,
		Place: &Place{Name: "Buurthuis", Address: "Kerkstraat 1, Gent"}, Publish: true}
}

func brussels(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Brussels")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// reload reads a meetup again, as stored.
func reload(t *testing.T, db *gorm.DB, id int64) *Meetup {
	t.Helper()
	var m Meetup
	if err := db.Take(&m, id).Error; err != nil {
		t.Fatal(err)
	}
	return &m
}

// wantField fails unless err is a FieldErrors naming msgID.
func wantField(t *testing.T, err error, msgID string) {
	t.Helper()
	var fe FieldErrors
	if !errors.As(err, &fe) {
		t.Fatalf("got %v, want field error %s", err, msgID)
	}
	for _, v := range fe {
		if v == msgID {
			return
		}
	}
	t.Fatalf("got %v, want field error %s", fe, msgID)
}

func count(t *testing.T, db *gorm.DB, table string) int64 {
	t.Helper()
	var n int64
	if err := db.Table(table).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func ptr[T any](v T) *T { return &v }

func TestCreateMeetupRefusesBadInputWithNothingStored(t *testing.T) {
	w := newHoodWorld(t)
	start := time.Now().Add(48 * time.Hour).Truncate(time.Minute)
	for _, c := range []struct {
		name   string
		change func(*NewMeetup)
		want   string
	}{
		{"end before start", func(in *NewMeetup) { in.EndsAt = ptr(start.Add(-time.Hour)) }, "meetup.end_before_start"},
		{"end at start", func(in *NewMeetup) { in.EndsAt = ptr(start) }, "meetup.end_before_start"},
		{"no start", func(in *NewMeetup) { in.StartsAt = nil }, "meetup.starts_at.required"},
		{"over a week", func(in *NewMeetup) { in.EndsAt = ptr(start.Add(8 * 24 * time.Hour)) }, "meetup.too_long"},
		{"no title", func(in *NewMeetup) { in.Title = ptr("   ") }, "meetup.title.required"},
		{"negative capacity", func(in *NewMeetup) { in.Capacity = ptr(-3) }, "meetup.capacity.invalid"},
		{"huge capacity", func(in *NewMeetup) { in.Capacity = ptr(MaxCapacity + 1) }, "meetup.capacity.invalid"},
		{"online link not a web address", func(in *NewMeetup) { in.OnlineURL = ptr("javascript:alert(1)") }, "meetup.online_url.invalid"},
		{"latitude without longitude", func(in *NewMeetup) { in.Place.Lat = ptr(51.06) }, "meetup.coordinates.invalid"},
		{"latitude out of range", func(in *NewMeetup) { in.Place.Lat, in.Place.Lon = ptr(91.0), ptr(3.7) }, "meetup.coordinates.invalid"},
		{"published without a place", func(in *NewMeetup) { in.Place = &Place{} }, "meetup.place.required"},
		{"cost without amount", func(in *NewMeetup) { in.Facts = &Facts{Free: false} }, "meetup.cost.required"},
		{"language not a code", func(in *NewMeetup) { in.Facts = &Facts{Free: true, Languages: Languages{"Nederlands"}} }, "meetup.languages.invalid"},
		{"repeat without end", func(in *NewMeetup) { in.RRule = "FREQ=WEEKLY" }, "rrule.unbounded"},
		{"repeat malformed", func(in *NewMeetup) { in.RRule = "FREQ=SOMETIMES;COUNT=3" }, "rrule.malformed"},
		{"repeat too long", func(in *NewMeetup) { in.RRule = "FREQ=DAILY;COUNT=600" }, "rrule.too_long"},
		{"unknown group", func(in *NewMeetup) { in.GroupID = ptr(int64(999)) }, "meetup.group.unknown"},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := NewMeetup{NeighbourhoodID: w.hood, MeetupInput: meetupInput("Koffie", start, 20)}
			in.Place = &Place{Name: "Buurthuis"}
			c.change(&in)
			_, err := CreateMeetup(t.Context(), w.db, w.worker, in, brussels(t))
			wantField(t, err, c.want)
		})
	}
	if n := count(t, w.db, "meetups") + count(t, w.db, "meetup_series"); n != 0 {
		t.Errorf("%d rows stored after refused input", n)
	}
}

func TestOnlyOrganisersCreateMeetups(t *testing.T) {
	w := newHoodWorld(t)
	g := w.group(t, "Breiclub", MembershipOpen)
	if _, err := JoinGroup(t.Context(), w.db, w.bob, g.ID, ""); err != nil {
		t.Fatal(err)
	}
	other := testHood(t, w.db, "Muide")
	stranger := testPerson(t, w.db, "wim", RoleWorker, other)
	start := time.Now().Add(24 * time.Hour)
	for _, c := range []struct {
		who   *User
		group *int64
		ok    bool
	}{
		{w.worker, nil, true}, {w.coord, nil, true}, {w.ann, nil, false}, {stranger, nil, false}, {nil, nil, false},
		{w.ann, &g.ID, true}, {w.coord, &g.ID, true}, {w.bob, &g.ID, false}, {w.worker, &g.ID, false},
	} {
		in := NewMeetup{NeighbourhoodID: w.hood, GroupID: c.group, MeetupInput: meetupInput("Wandeling", start, 0)}
		_, err := CreateMeetup(t.Context(), w.db, c.who, in, brussels(t))
		if c.ok && err != nil || !c.ok && !errors.Is(err, ErrForbidden) {
			t.Errorf("%s in group %v: %v, want allowed=%v", c.who.Name(), c.group, err, c.ok)
		}
	}
}

func TestMeetupStoresItsPracticalFactsAndFiltersOnThem(t *testing.T) {
	w := newHoodWorld(t)
	start := time.Now().Add(24 * time.Hour).Truncate(time.Minute)
	in := NewMeetup{NeighbourhoodID: w.hood, MeetupInput: meetupInput("Taalcafé", start, 12)}
	in.Facts = &Facts{WheelchairAccessible: ptr(true), Free: false, Cost: " € 2, koffie inbegrepen ",
		Languages: Languages{"NL", "ar", "nl"}, Interpreter: ptr(true), QuietSpace: ptr(false)}
	in.OnlineURL = ptr("https://meet.example.org/taalcafe")
	in.Place.Lat, in.Place.Lon = ptr(51.0625), ptr(3.7081)
	m, err := CreateMeetup(t.Context(), w.db, w.worker, in, brussels(t))
	if err != nil {
		t.Fatal(err)
	}
	plain := w.meetup(t, nil, 0, start.Add(time.Hour))

	got := reload(t, w.db, m.ID)
	f := got.Facts
	if f.Free || f.Cost != "€ 2, koffie inbegrepen" || *f.WheelchairAccessible != true || f.ChildFriendly != nil ||
		*f.QuietSpace != false || fmt.Sprint(f.Languages) != "[nl ar]" || *got.Place.Lat != 51.0625 || *got.OnlineURL != *in.OnlineURL {
		t.Errorf("stored facts %+v, place %+v", f, got.Place)
	}
	if got.Capacity == nil || *got.Capacity != 12 || got.Status != MeetupPublished || len(got.DoorCode) < 16 {
		t.Errorf("capacity %v, status %s, door code %q", got.Capacity, got.Status, got.DoorCode)
	}
	for _, c := range []struct {
		f    MeetupFilter
		want []int64
	}{
		{MeetupFilter{NeighbourhoodIDs: []int64{w.hood}}, []int64{m.ID, plain.ID}},
		{MeetupFilter{WheelchairAccessible: true}, []int64{m.ID}},
		{MeetupFilter{Free: true}, []int64{plain.ID}},
		{MeetupFilter{Language: "AR"}, []int64{m.ID}},
		{MeetupFilter{ChildFriendly: true}, nil},
		{MeetupFilter{From: start.Add(30 * time.Minute), To: start.Add(90 * time.Minute)}, []int64{m.ID, plain.ID}},
		{MeetupFilter{From: start.Add(150 * time.Minute)}, []int64{plain.ID}},
		{MeetupFilter{To: start}, nil},
	} {
		ms, err := Meetups(t.Context(), w.db, nil, c.f)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, m := range ms {
			ids = append(ids, m.ID)
		}
		if fmt.Sprint(ids) != fmt.Sprint(c.want) {
			t.Errorf("filter %+v: %v, want %v", c.f, ids, c.want)
		}
	}
}

func TestCapacityBelowThePlacesTakenIsRefusedAndMoreCapacityFillsTheWaitlist(t *testing.T) {
	w := newHoodWorld(t)
	m := w.meetup(t, nil, 3, time.Now().Add(24*time.Hour))
	var rsvps []*RSVPResult
	for i := range 6 {
		res, err := SetRSVP(t.Context(), w.db, w.resident(t, fmt.Sprintf("person%d", i)), m.ID, RSVPInput{Status: RSVPGoing})
		if err != nil {
			t.Fatal(err)
		}
		rsvps = append(rsvps, res)
	}
	_, err := UpdateMeetup(t.Context(), w.db, w.worker, m.ID, MeetupInput{Capacity: ptr(2), Title: ptr("Anders")}, OnlyThis)
	wantField(t, err, "meetup.capacity_below_going")
	if got := reload(t, w.db, m.ID); *got.Capacity != 3 || got.Title != m.Title || got.SeatsTaken != 3 {
		t.Errorf("after refused change: capacity %d, title %q, seats %d", *got.Capacity, got.Title, got.SeatsTaken)
	}
	if _, err := UpdateMeetup(t.Context(), w.db, w.worker, m.ID, MeetupInput{Capacity: ptr(0)}, OnlyThis); err == nil {
		// 0 means "no limit": allowed, and everyone waiting goes.
	} else {
		t.Fatal(err)
	}
	if got := reload(t, w.db, m.ID); got.Capacity != nil || got.SeatsTaken != 6 || got.WaitlistCount != 0 {
		t.Errorf("without a limit: capacity %v, seats %d, waitlist %d", got.Capacity, got.SeatsTaken, got.WaitlistCount)
	}

	m2 := w.meetup(t, nil, 2, time.Now().Add(24*time.Hour))
	var ids []int64
	for i := range 5 {
		res, err := SetRSVP(t.Context(), w.db, w.resident(t, fmt.Sprintf("later%d", i)), m2.ID, RSVPInput{Status: RSVPGoing})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, res.RSVP.ID)
	}
	change, err := UpdateMeetup(t.Context(), w.db, w.worker, m2.ID, MeetupInput{Capacity: ptr(4)}, OnlyThis)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(change.Promoted) != fmt.Sprint(ids[2:4]) || change.Meetups[0].SeatsTaken != 4 || change.Meetups[0].WaitlistCount != 1 {
		t.Errorf("raising capacity promoted %v (now %d going, %d waiting), want %v", change.Promoted,
			change.Meetups[0].SeatsTaken, change.Meetups[0].WaitlistCount, ids[2:4])
	}
	if pos, _ := WaitlistPosition(t.Context(), w.db, ids[4]); pos != 1 {
		t.Errorf("last one waits at position %d, want 1", pos)
	}
	if _, err := UpdateMeetup(t.Context(), w.db, w.bob, m2.ID, MeetupInput{Capacity: ptr(10)}, OnlyThis); !errors.Is(err, ErrForbidden) {
		t.Errorf("a resident changed a worker's meetup: %v", err)
	}
}

func TestCancelledMeetupTellsEveryoneAndTakesNoChanges(t *testing.T) {
	w := newHoodWorld(t)
	m := w.meetup(t, nil, 1, time.Now().Add(24*time.Hour))
	a, _ := SetRSVP(t.Context(), w.db, w.ann, m.ID, RSVPInput{Status: RSVPGoing})
	b, _ := SetRSVP(t.Context(), w.db, w.bob, m.ID, RSVPInput{Status: RSVPGoing})
	_, err := CancelMeetup(t.Context(), w.db, w.worker, m.ID, "  ", OnlyThis)
	wantField(t, err, "meetup.cancel_reason.required")
	change, err := CancelMeetup(t.Context(), w.db, w.worker, m.ID, "De zaal is overstroomd", OnlyThis)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(change.Notify) != fmt.Sprint([]int64{a.RSVP.ID, b.RSVP.ID}) {
		t.Errorf("notify %v, want both sign-ups", change.Notify)
	}
	got := reload(t, w.db, m.ID)
	if got.Status != MeetupCancelled || *got.CancelReason != "De zaal is overstroomd" || got.Sequence != 1 {
		t.Errorf("status %s, reason %v, sequence %d", got.Status, got.CancelReason, got.Sequence)
	}
	_, err = UpdateMeetup(t.Context(), w.db, w.worker, m.ID, MeetupInput{Title: ptr("Toch")}, OnlyThis)
	wantField(t, err, "meetup.cancelled")
	_, err = CancelMeetup(t.Context(), w.db, w.worker, m.ID, "nog eens", OnlyThis)
	wantField(t, err, "meetup.cancelled")

	// A draft without a place yet cannot be published, but can be called off.
	in := NewMeetup{NeighbourhoodID: w.hood, MeetupInput: meetupInput("Idee", time.Now().Add(24*time.Hour), 0)}
	in.Place, in.Publish = &Place{}, false
	draft, err := CreateMeetup(t.Context(), w.db, w.worker, in, brussels(t))
	if err != nil {
		t.Fatal(err)
	}
	_, err = UpdateMeetup(t.Context(), w.db, w.worker, draft.ID, MeetupInput{Publish: true}, OnlyThis)
	wantField(t, err, "meetup.place.required")
	if _, err := CancelMeetup(t.Context(), w.db, w.worker, draft.ID, "Gaat niet door", OnlyThis); err != nil {
		t.Errorf("cancelling a draft: %v", err)
	}
}
