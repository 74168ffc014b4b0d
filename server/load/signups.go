package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"
)

var (
	goingBody    = []byte(`{"status":"going","companions":0}`)
	notGoingBody = []byte(`{"status":"not_going","companions":0}`)
)

// signUpWorker is one client of a sign-up run. It has residents of its own (no two workers act
// for the same person, as people do not sign up twice at the same moment) and remembers where
// each of them stands for each meetup: a person who is not signed up signs up, one who is (going
// or waitlisted) says not going. While there are people left who have not signed up for a
// meetup, most operations are new sign-ups.
type signUpWorker struct {
	c       *client
	users   []loadUser
	meetups []int64
	paths   []string
	active  map[int64]bool // user index * len(meetups) + meetup index -> going or waitlisted
	next    int
	rng     *rand.Rand
}

func newSignUpWorkers(c *client, users []loadUser, meetups []int64, workers int) []*signUpWorker {
	paths := make([]string, len(meetups))
	for i, id := range meetups {
		paths[i] = fmt.Sprintf("/api/v1/meetups/%d/rsvp", id)
	}
	ws := make([]*signUpWorker, workers)
	for w := range ws {
		var own []loadUser
		for i := w; i < len(users); i += workers {
			own = append(own, users[i])
		}
		ws[w] = &signUpWorker{c: c, users: own, meetups: meetups, paths: paths, active: map[int64]bool{},
			rng: rand.New(rand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))}
	}
	return ws
}

// rsvpAnswer reads the status out of an RSVP answer, flat or nested under "rsvp".
type rsvpAnswer struct {
	Status string `json:"status"`
	RSVP   struct {
		Status string `json:"status"`
	} `json:"rsvp"`
}

// op is one sign-up or cancellation by the worker's next resident, for a meetup at random.
func (w *signUpWorker) op(ctx context.Context) (string, time.Duration, error) {
	u := w.next % len(w.users)
	w.next++
	m := 0
	if len(w.meetups) > 1 {
		m = w.rng.IntN(len(w.meetups))
	}
	key := int64(u)*int64(len(w.meetups)) + int64(m)
	body, want := goingBody, "going or waitlisted"
	if w.active[key] {
		body, want = notGoingBody, "not_going"
	}
	status, b, took, err := w.c.timed(ctx, bearer(w.users[u].Token), "POST", w.paths[m], body)
	if err != nil {
		return "", took, err
	}
	if status != 200 {
		return "", took, fmt.Errorf("%d %s", status, snippet(b))
	}
	var a rsvpAnswer
	if err := json.Unmarshal(b, &a); err != nil {
		return "", took, fmt.Errorf("answer is not JSON: %s", snippet(b))
	}
	if a.Status == "" {
		a.Status = a.RSVP.Status
	}
	switch {
	case a.Status == "not_going" && want == "not_going":
		w.active[key] = false
	case (a.Status == "going" || a.Status == "waitlisted") && want != "not_going":
		w.active[key] = true
	default:
		return "", took, fmt.Errorf("asked %s, answered %q", want, a.Status)
	}
	return a.Status, took, nil
}

// activeByMeetup counts, per meetup, the people the workers believe are going or waitlisted.
func activeByMeetup(ws []*signUpWorker, meetups int) []int {
	out := make([]int, meetups)
	for _, w := range ws {
		for key, on := range w.active {
			if on {
				out[key%int64(meetups)]++
			}
		}
	}
	return out
}

// capacityCheck is what the meetups said after a sign-up run, read back through the API.
type capacityCheck struct {
	meetups     int
	over        []string // meetups with more places taken than they have
	fullest     string
	seats       int
	waiting     int
	haveWaiting bool     // the API shows waitlist_count
	seatFree    []string // meetups with a free place while someone waits
	active      int      // going or waitlisted by the workers' account
	accounted   bool     // the answers are all known (no errors), so seats + waiting must equal active
	err         error
}

func (k capacityCheck) failed() bool {
	return k.err != nil || len(k.over) > 0 || len(k.seatFree) > 0 || (k.accounted && k.haveWaiting && k.seats+k.waiting != k.active)
}

// checkCapacity reads every meetup of a run back and compares it with what the workers did.
func (f *fixtures) checkCapacity(ctx context.Context, ids []int64, active []int, noErrors bool) capacityCheck {
	k := capacityCheck{meetups: len(ids), accounted: noErrors, haveWaiting: true}
	ms, err := f.meetups(ctx, ids)
	if err != nil {
		k.err = err
		return k
	}
	best := -1.0
	for i, m := range ms {
		k.active += active[i]
		k.seats += m.SeatsTaken
		if m.Capacity == nil {
			k.over = append(k.over, fmt.Sprintf("meetup %d has no capacity", m.ID))
			continue
		}
		if m.SeatsTaken > *m.Capacity {
			k.over = append(k.over, fmt.Sprintf("meetup %d: %d of %d places taken", m.ID, m.SeatsTaken, *m.Capacity))
		}
		if fill := float64(m.SeatsTaken) / float64(*m.Capacity); fill > best {
			best, k.fullest = fill, fmt.Sprintf("%d of %d", m.SeatsTaken, *m.Capacity)
		}
		if m.WaitlistCount == nil {
			k.haveWaiting = false
			continue
		}
		k.waiting += *m.WaitlistCount
		if *m.WaitlistCount > 0 && m.SeatsTaken < *m.Capacity {
			k.seatFree = append(k.seatFree, fmt.Sprintf("meetup %d: %d of %d places taken, %d waiting", m.ID, m.SeatsTaken, *m.Capacity, *m.WaitlistCount))
		}
	}
	return k
}

// lines says what the check found, one finding a line.
func (k capacityCheck) lines() []string {
	if k.err != nil {
		return []string{"FAILED to read the meetups back: " + k.err.Error()}
	}
	var out []string
	if len(k.over) == 0 {
		out = append(out, fmt.Sprintf("ok: none of the %s meetups is over capacity (fullest: %s places taken)", thousands(k.meetups), k.fullest))
	} else {
		out = append(out, fmt.Sprintf("FAILED: %d meetups over capacity, e.g. %s", len(k.over), k.over[0]))
	}
	if !k.haveWaiting {
		return append(out, "(the API does not show waitlist_count: waitlist not checked)")
	}
	if len(k.seatFree) == 0 {
		out = append(out, "ok: no place free while someone waits")
	} else {
		out = append(out, fmt.Sprintf("FAILED: %d meetups have a free place and a waitlist, e.g. %s", len(k.seatFree), k.seatFree[0]))
	}
	switch {
	case !k.accounted:
		out = append(out, "(some requests failed, so sign-ups are not counted against the meetups)")
	case k.seats+k.waiting == k.active:
		out = append(out, fmt.Sprintf("ok: every sign-up accounted for: %s signed up = %s places taken + %s waiting",
			thousands(k.active), thousands(k.seats), thousands(k.waiting)))
	default:
		out = append(out, fmt.Sprintf("FAILED: %s signed up, but the meetups show %s places taken + %s waiting",
			thousands(k.active), thousands(k.seats), thousands(k.waiting)))
	}
	return out
}
