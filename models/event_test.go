package models

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"
)

// storedEvent is an events row as the tests read it.
type storedEvent struct {
	ID    int64
	Topic string
	Type  string
	Data  map[string]any
}

func (e storedEvent) String() string { return e.Topic + " " + e.Type }

// eventsAfter reads the events written after id, in id order.
func eventsAfter(t *testing.T, db *gorm.DB, id int64) []storedEvent {
	t.Helper()
	var rows []struct {
		ID    int64
		Topic string
		Type  string
		Data  []byte
	}
	if err := db.Raw("SELECT id, topic, type, data FROM events WHERE id > ? ORDER BY id", id).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := make([]storedEvent, len(rows))
	for i, r := range rows {
		out[i] = storedEvent{ID: r.ID, Topic: r.Topic, Type: r.Type}
		if err := json.Unmarshal(r.Data, &out[i].Data); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func lastEventID(t *testing.T, db *gorm.DB) int64 {
	t.Helper()
	var id int64
	if err := db.Raw("SELECT coalesce(max(id), 0) FROM events").Scan(&id).Error; err != nil {
		t.Fatal(err)
	}
	return id
}

// eventKinds lists "topic type" of each event.
func eventKinds(evs []storedEvent) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.String()
	}
	return out
}

func TestASignUpAnnouncesSeatsOnTheMeetupAndNamesOnlyOnTheAttendanceList(t *testing.T) {
	t.Parallel()
	w := newHoodWorld(t)
	m := w.meetup(t, nil, 1, time.Now().Add(24*time.Hour))
	before := lastEventID(t, w.db)

	if _, err := SetRSVP(t.Context(), w.db, w.bob, m.ID, RSVPInput{Status: RSVPGoing}); err != nil {
		t.Fatal(err)
	}
	evs := eventsAfter(t, w.db, before)
	topic := fmt.Sprintf("meetup:%d", m.ID)
	want := []string{topic + ":attendance signup.changed", topic + " rsvp.changed"}
	if !slices.Equal(eventKinds(evs), want) {
		t.Fatalf("events %v, want %v", eventKinds(evs), want)
	}
	seats := evs[1].Data
	if seats["seats_taken"] != 1.0 || seats["seats_left"] != 0.0 || seats["capacity"] != 1.0 || seats["waitlist_count"] != 0.0 {
		t.Errorf("rsvp.changed data %v", seats)
	}
	for _, key := range []string{"user_id", "name", "rsvp_id"} {
		if _, ok := seats[key]; ok {
			t.Errorf("the public meetup topic carries %s: %v", key, seats)
		}
	}
	if evs[0].Data["name"] != "bob" || evs[0].Data["status"] != "going" {
		t.Errorf("signup.changed data %v", evs[0].Data)
	}
}

// meetups_announce_update names the columns whose change is announced (comparing the rows as
// jsonb cost a fifth of a sign-up): a column added to meetups later must be named there too, or
// changing it would reach nobody live.
func TestEveryColumnOfAMeetupButItsCountersIsAnnouncedWhenItChanges(t *testing.T) {
	t.Parallel()
	w := newHoodWorld(t)
	var def string
	if err := w.db.Raw("SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgname = 'meetups_announce_update'").Scan(&def).Error; err != nil {
		t.Fatal(err)
	}
	var columns []string
	if err := w.db.Raw(`SELECT attname FROM pg_attribute WHERE attrelid = 'meetups'::regclass AND attnum > 0 AND NOT attisdropped
		ORDER BY attnum`).Scan(&columns).Error; err != nil {
		t.Fatal(err)
	}
	quiet := []string{"seats_taken", "waitlist_count", "sequence", "updated_at"} // announced as rsvp.changed, or bookkeeping
	for _, c := range columns {
		named := strings.Contains(def, "old."+c+" IS DISTINCT FROM new."+c+")")
		if named == slices.Contains(quiet, c) {
			t.Errorf("meetups.%s: named in meetups_announce_update = %v, want %v", c, named, !named)
		}
	}

	// And the trigger does what it says: a new title is announced, a counter is not.
	m := w.meetup(t, nil, 5, time.Now().Add(24*time.Hour))
	before := lastEventID(t, w.db)
	if err := w.db.Exec("UPDATE meetups SET title = 'Nieuwe titel' WHERE id = ?", m.ID).Error; err != nil {
		t.Fatal(err)
	}
	if err := w.db.Exec("UPDATE meetups SET sequence = sequence + 1 WHERE id = ?", m.ID).Error; err != nil {
		t.Fatal(err)
	}
	evs := eventsAfter(t, w.db, before)
	if got, want := eventKinds(evs), []string{fmt.Sprintf("meetup:%d meetup.changed", m.ID), fmt.Sprintf("neighbourhood:%d meetup.changed", m.NeighbourhoodID)}; !slices.Equal(got, want) {
		t.Errorf("events %v, want %v", got, want)
	}
}

func TestACancellationThatPromotesIsOneSeatsEventWithTheFiguresAtCommit(t *testing.T) {
	t.Parallel()
	w := newHoodWorld(t)
	m := w.meetup(t, nil, 1, time.Now().Add(24*time.Hour))
	cleo, dirk := w.resident(t, "cleo"), w.resident(t, "dirk")
	for _, u := range []*User{w.bob, cleo, dirk} {
		if _, err := SetRSVP(t.Context(), w.db, u, m.ID, RSVPInput{Status: RSVPGoing}); err != nil {
			t.Fatal(err)
		}
	}
	before := lastEventID(t, w.db)

	if _, err := SetRSVP(t.Context(), w.db, w.bob, m.ID, RSVPInput{Status: RSVPNotGoing}); err != nil {
		t.Fatal(err)
	}
	var seats []storedEvent
	var promoted int
	for _, e := range eventsAfter(t, w.db, before) {
		switch e.Type {
		case "rsvp.changed":
			seats = append(seats, e)
		case "notification.created":
			if e.Topic != fmt.Sprintf("user:%d", cleo.ID) || e.Data["kind"] != string(NotifyPromoted) || e.Data["meetup_id"] != float64(m.ID) {
				t.Errorf("notification event %s %v, want cleo's promotion", e.Topic, e.Data)
			}
			promoted++
		}
	}
	if len(seats) != 1 || seats[0].Data["seats_taken"] != 1.0 || seats[0].Data["waitlist_count"] != 1.0 {
		t.Fatalf("seats events %v, want one with 1 taken and 1 waiting", seats)
	}
	if promoted != 1 {
		t.Fatalf("%d promotion notifications announced, want 1", promoted)
	}
}

func TestAChangeThatRollsBackAnnouncesNothing(t *testing.T) {
	t.Parallel()
	w := newHoodWorld(t)
	m := w.meetup(t, nil, 5, time.Now().Add(24*time.Hour))
	before := lastEventID(t, w.db)
	errRollback := errors.New("roll back")

	err := w.db.Transaction(func(tx *gorm.DB) error {
		if _, err := CommentOnMeetup(t.Context(), tx, w.bob, m.ID, "Ik breng soep mee"); err != nil {
			return err
		}
		if _, err := SetRSVP(t.Context(), tx, w.bob, m.ID, RSVPInput{Status: RSVPGoing}); err != nil {
			return err
		}
		if n := len(eventsAfter(t, tx, before)); n == 0 {
			t.Error("no events inside the transaction")
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
	if evs := eventsAfter(t, w.db, before); len(evs) != 0 {
		t.Fatalf("a rolled-back change left events %v", eventKinds(evs))
	}
}

func TestMeetupEventsGoOnlyWhereEveryoneMaySeeTheMeetup(t *testing.T) {
	t.Parallel()
	w := newHoodWorld(t)
	private := w.group(t, "Naaiclub", MembershipPrivate)
	hood, group := fmt.Sprintf("neighbourhood:%d", w.hood), fmt.Sprintf("group:%d", private.ID)

	before := lastEventID(t, w.db)
	draft := meetupInput("Plannen", time.Now().Add(48*time.Hour), 0)
	draft.Publish = false
	d, err := CreateMeetup(t.Context(), w.db, w.worker, NewMeetup{NeighbourhoodID: w.hood, MeetupInput: draft}, brussels(t))
	if err != nil {
		t.Fatal(err)
	}
	if evs := eventsAfter(t, w.db, before); len(evs) != 0 {
		t.Fatalf("a draft was announced: %v", eventKinds(evs))
	}
	if _, err := UpdateMeetup(t.Context(), w.db, w.worker, d.ID, MeetupInput{Publish: true}, OnlyThis); err != nil {
		t.Fatal(err)
	}
	mt := fmt.Sprintf("meetup:%d", d.ID)
	if got, want := eventKinds(eventsAfter(t, w.db, before)), []string{mt + " meetup.changed", hood + " meetup.created"}; !slices.Equal(got, want) {
		t.Fatalf("publishing announced %v, want %v", got, want)
	}

	before = lastEventID(t, w.db)
	pm := w.meetup(t, private, 0, time.Now().Add(72*time.Hour))
	if got, want := eventKinds(eventsAfter(t, w.db, before)), []string{group + " meetup.created"}; !slices.Equal(got, want) {
		t.Fatalf("a private group's meetup announced %v, want %v", got, want)
	}

	before = lastEventID(t, w.db)
	if _, err := CancelMeetup(t.Context(), w.db, w.ann, pm.ID, "Ziek", OnlyThis); err != nil {
		t.Fatal(err)
	}
	pt := fmt.Sprintf("meetup:%d", pm.ID)
	if got, want := eventKinds(eventsAfter(t, w.db, before)), []string{pt + " meetup.cancelled", group + " meetup.cancelled"}; !slices.Equal(got, want) {
		t.Fatalf("cancelling announced %v, want %v", got, want)
	}

	before = lastEventID(t, w.db)
	if err := HideContent(t.Context(), w.db, w.coord, ContentMeetup, d.ID, "Reclame"); err != nil {
		t.Fatal(err)
	}
	if got, want := eventKinds(eventsAfter(t, w.db, before)), []string{mt + " access.changed", hood + " meetup.hidden"}; !slices.Equal(got, want) {
		t.Fatalf("hiding announced %v, want %v", got, want)
	}
}

func TestLosingAccessIsAnnouncedOnThePersonsTopic(t *testing.T) {
	t.Parallel()
	w := newHoodWorld(t)
	g := w.group(t, "Breiclub", MembershipOpen)
	if _, err := JoinGroup(t.Context(), w.db, w.bob, g.ID, ""); err != nil {
		t.Fatal(err)
	}
	before := lastEventID(t, w.db)
	if err := LeaveGroup(t.Context(), w.db, w.bob, g.ID); err != nil {
		t.Fatal(err)
	}
	if got, want := eventKinds(eventsAfter(t, w.db, before)), []string{fmt.Sprintf("user:%d access.changed", w.bob.ID)}; !slices.Equal(got, want) {
		t.Fatalf("leaving announced %v, want %v", got, want)
	}

	before = lastEventID(t, w.db)
	private := GroupMembership(MembershipPrivate)
	if _, err := UpdateGroup(t.Context(), w.db, w.ann, g.ID, GroupInput{Membership: &private}); err != nil {
		t.Fatal(err)
	}
	if got, want := eventKinds(eventsAfter(t, w.db, before)), []string{fmt.Sprintf("group:%d access.changed", g.ID)}; !slices.Equal(got, want) {
		t.Fatalf("going private announced %v, want %v", got, want)
	}
}

func TestAnAnnouncementIsAnnouncedToEachPersonOnTheirOwnTopic(t *testing.T) {
	t.Parallel()
	w := newHoodWorld(t)
	m := w.meetup(t, nil, 0, time.Now().Add(24*time.Hour))
	cleo := w.resident(t, "cleo")
	for _, u := range []*User{w.bob, cleo} {
		if _, err := SetRSVP(t.Context(), w.db, u, m.ID, RSVPInput{Status: RSVPGoing}); err != nil {
			t.Fatal(err)
		}
	}
	before := lastEventID(t, w.db)
	if _, err := Announce(t.Context(), w.db, w.worker, m.ID, "Neem een beker mee"); err != nil {
		t.Fatal(err)
	}
	evs := eventsAfter(t, w.db, before)
	if got, want := eventKinds(evs), []string{fmt.Sprintf("user:%d notification.created", w.bob.ID),
		fmt.Sprintf("user:%d notification.created", cleo.ID)}; !slices.Equal(got, want) {
		t.Fatalf("announcement announced %v, want %v", got, want)
	}
	if d := evs[0].Data; d["kind"] != string(NotifyAnnouncement) || d["body"] != "Neem een beker mee" ||
		d["meetup_title"] != m.Title || d["actor_name"] != "wendy" {
		t.Errorf("notification event data %v", d)
	}
}

func TestCanSubscribeFollowsWhoMaySeeWhat(t *testing.T) {
	t.Parallel()
	w := newHoodWorld(t)
	private := w.group(t, "Naaiclub", MembershipPrivate)
	cleo := w.resident(t, "cleo") // invited, not (yet) a member
	if _, err := InviteToGroup(t.Context(), w.db, w.ann, private.ID, cleo.ID); err != nil {
		t.Fatal(err)
	}
	open := w.group(t, "Breiclub", MembershipOpen)
	pm := w.meetup(t, private, 0, time.Now().Add(24*time.Hour))
	om := w.meetup(t, open, 0, time.Now().Add(24*time.Hour))

	for _, c := range []struct {
		who   *User
		topic string
		want  bool
	}{
		{w.bob, fmt.Sprintf("user:%d", w.bob.ID), true},
		{w.bob, fmt.Sprintf("user:%d", w.ann.ID), false},
		{nil, fmt.Sprintf("neighbourhood:%d", w.hood), false},
		{w.bob, fmt.Sprintf("neighbourhood:%d", w.hood), true},
		{w.bob, "neighbourhood:999999", false},
		{w.bob, fmt.Sprintf("group:%d", open.ID), true},
		{w.bob, fmt.Sprintf("group:%d", private.ID), false},
		{cleo, fmt.Sprintf("group:%d", private.ID), false},
		{w.ann, fmt.Sprintf("group:%d", private.ID), true},
		{w.coord, fmt.Sprintf("group:%d", private.ID), true},
		{w.bob, fmt.Sprintf("meetup:%d", om.ID), true},
		{w.bob, fmt.Sprintf("meetup:%d", pm.ID), false},
		{cleo, fmt.Sprintf("meetup:%d", pm.ID), false},
		{w.ann, fmt.Sprintf("meetup:%d", pm.ID), true},
		{w.bob, fmt.Sprintf("meetup:%d:attendance", om.ID), false},
		{w.ann, fmt.Sprintf("meetup:%d:attendance", om.ID), true},
		{w.worker, fmt.Sprintf("meetup:%d:attendance", pm.ID), false},
	} {
		got, err := CanSubscribe(t.Context(), w.db, c.who, c.topic)
		if err != nil {
			t.Fatalf("%s: %v", c.topic, err)
		}
		if got != c.want {
			t.Errorf("CanSubscribe(%s, %s) = %v, want %v", c.who.Name(), c.topic, got, c.want)
		}
	}
	for _, topic := range []string{"meetup", "meetup:", "meetup:x", "meetup:01", "meetup:1:seats", "group:1:attendance", "room:1", "user:-1"} {
		if _, err := CanSubscribe(t.Context(), w.db, w.bob, topic); !errors.Is(err, ErrUnknownTopic) {
			t.Errorf("topic %q: %v, want ErrUnknownTopic", topic, err)
		}
	}
}

func TestCheckInsArriveOnTheAttendanceList(t *testing.T) {
	t.Parallel()
	w := newHoodWorld(t)
	m := w.meetup(t, nil, 0, time.Now().Add(30*time.Minute))
	res, err := SetRSVP(t.Context(), w.db, w.bob, m.ID, RSVPInput{Status: RSVPGoing, Companions: 2})
	if err != nil {
		t.Fatal(err)
	}
	before := lastEventID(t, w.db)
	c, err := CheckIn(t.Context(), w.db, w.worker, m.ID, CheckinInput{RSVPID: res.RSVP.ID})
	if err != nil {
		t.Fatal(err)
	}
	if err := UndoCheckIn(t.Context(), w.db, w.worker, c.ID); err != nil {
		t.Fatal(err)
	}
	evs := eventsAfter(t, w.db, before)
	topic := fmt.Sprintf("meetup:%d:attendance", m.ID)
	if got, want := eventKinds(evs), []string{topic + " checkin.created", topic + " checkin.deleted"}; !slices.Equal(got, want) {
		t.Fatalf("check-in announced %v, want %v", got, want)
	}
	if d := evs[0].Data; d["name"] != "bob" || d["checked_in"] != 3.0 || d["companions"] != 2.0 {
		t.Errorf("checkin.created data %v", d)
	}
	if d := evs[1].Data; d["checked_in"] != 0.0 {
		t.Errorf("checkin.deleted data %v", d)
	}
}
