package main

import (
	"testing"
	"time"
)

func TestParseEventReadsNabijsFramesAndOthersInFull(t *testing.T) {
	at := time.Date(2026, 11, 23, 18, 2, 11, 532114000, time.UTC)
	for _, c := range []struct {
		name, frame string
		ok          bool
	}{
		{"as Nabij encodes it", `{"type":"event","id":1235,"topic":"meetup:42","event":"rsvp.changed","data":{"meetup_id":42,"seats_taken":3},"time":"2026-11-23T18:02:11.532114Z"}`, true},
		{"fields in another order", `{"time":"2026-11-23T18:02:11.532114Z","topic":"meetup:42","type":"event","id":1235,"data":{}}`, true},
		{"another topic", `{"type":"event","id":1235,"topic":"meetup:4","event":"rsvp.changed","data":{},"time":"2026-11-23T18:02:11.532114Z"}`, false},
		{"a topic that starts the same", `{"type":"event","id":1235,"topic":"meetup:42:attendance","event":"x","data":{},"time":"2026-11-23T18:02:11.532114Z"}`, false},
		{"nine digits of fraction", `{"type":"event","id":1235,"topic":"meetup:42","event":"x","data":{},"time":"2026-11-23T18:02:11.532114000Z"}`, true},
		{"a time in another zone", `{"type":"event","id":1235,"topic":"meetup:42","event":"x","data":{},"time":"2026-11-23T19:02:11.532114+01:00"}`, true},
		{"no time", `{"type":"event","id":1235,"topic":"meetup:42","event":"x","data":{}}`, false},
		{"a reply", `{"type":"resync","topic":"meetup:42"}`, false},
		{"not JSON", `{"type":"event","id":`, false},
	} {
		id, got, ok := parseEvent([]byte(c.frame), "meetup:42")
		if ok != c.ok || (ok && (id != 1235 || !got.Equal(at))) {
			t.Errorf("%s: got %d %v %v, want ok %v", c.name, id, got, ok, c.ok)
		}
	}
}

func TestTallyCountsGapsDuplicatesAndDisorder(t *testing.T) {
	got := tallyDeliveries([][]int64{
		{10, 12, 15},
		{10, 15},         // missed 12
		{10, 12, 12, 15}, // 12 twice
		{12, 10, 15},     // out of order
	}, 3)
	want := deliveryTally{events: 3, changes: 3, missed: 1, missedBy: 1, duplicates: 1, disordered: 1, deliveries: 12}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	// A change whose event no client received is missed by every client.
	got = tallyDeliveries([][]int64{{10, 12}, {10, 12}}, 3)
	if got.missed != 2 || got.missedBy != 2 {
		t.Errorf("an event nobody received: got %+v, want 2 missed by 2", got)
	}
}

func TestParseUTCReadsWhatTimeParseReads(t *testing.T) {
	for _, stamp := range []string{"2026-11-23T18:02:11.532114Z", "2026-11-23T18:02:11Z", "2026-03-29T01:00:00.5Z", "2026-12-31T23:59:59.999999999Z"} {
		want, err := time.Parse(time.RFC3339Nano, stamp)
		got, ok := parseUTC([]byte(stamp))
		if err != nil || !ok || !got.Equal(want) {
			t.Errorf("%s: got %v %v, want %v", stamp, got, ok, want)
		}
	}
	for _, stamp := range []string{"2026-11-23T18:02:11+01:00", "2026-11-23 18:02:11Z", "2026-11-23T18:02:11.Z", "2026-1x-23T18:02:11Z"} {
		if _, ok := parseUTC([]byte(stamp)); ok {
			t.Errorf("%s: read, want it left to time.Parse", stamp)
		}
	}
}
