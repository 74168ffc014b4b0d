package main

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestFramesAreTakenWholeAcrossReads(t *testing.T) {
	ev := func(id int) string {
		return `{"type":"event","id":` + strconv.Itoa(id) + `,"topic":"meetup:42","event":"rsvp.changed","data":{"note":"` +
			strings.Repeat("x", 130) + `"},"time":"2026-11-23T18:02:11.532114Z"}`
	}
	frame := func(op byte, payload string) []byte {
		b := []byte{0x80 | op}
		if len(payload) < 126 {
			b = append(b, byte(len(payload)))
		} else {
			b = append(b, 126, byte(len(payload)>>8), byte(len(payload)))
		}
		return append(b, payload...)
	}
	stream := append(frame(1, ev(7)), frame(9, "hi")...) // an event of 126+ bytes, then a ping
	stream = append(stream, frame(1, ev(8))...)
	stream = append(stream, frame(8, "\x03\xe9going away")...)

	lc := &liveClient{topic: "meetup:42", fd: -1}
	now := time.Now()
	var pending []byte
	lost := ""
	for i := 0; i < len(stream) && lost == ""; i += 50 { // as it arrives, 50 bytes at a time
		pending = append(pending, stream[i:min(i+50, len(stream))]...)
		var used int
		used, lost = lc.frames(pending, now)
		pending = pending[used:]
	}
	if len(lc.ids) != 2 || lc.ids[0] != 7 || lc.ids[1] != 8 {
		t.Errorf("events %v, want 7 and 8", lc.ids)
	}
	if lost != "closed by Nabij with 1001 going away" {
		t.Errorf("lost %q", lost)
	}
	if len(lc.others) != 0 {
		t.Errorf("the ping was taken for a message: %v", lc.others)
	}
}
