package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

// The live run (issue 5): many websocket clients follow one meetup while residents change their
// sign-ups for it through the API at a steady rate. Every client must receive every event of the
// meetup's topic, once and in id order. The run measures how fast the events reach the clients,
// from the event's time (written by the change just before its commit) to the moment a client
// has read it (Nabij and the generator share this machine's clock), and what an idle connection
// costs Nabij in memory: its RSS before connecting and with every client connected and idle.
// With -live-rate 0 it only measures that memory.

const (
	// liveDialers is how many clients connect at once: 10,000 in seconds, without piling up
	// handshakes (each asks the database who the token belongs to) into timeouts.
	liveDialers = 200
	// liveDrain is how long the clients get, after the last change, to receive its event.
	liveDrain = 10 * time.Second
	// liveHeld is how much freed memory Nabij may keep (heap idle, not returned to the system)
	// before connecting for its RSS to say what the connections take: after an earlier run it
	// keeps tens of megabytes, which the new connections reuse without the RSS growing.
	liveHeld = 16 << 20
	// liveSettle is how long connections stay idle before Nabij's memory is read: the goroutines
	// that answered the subscribes end, and the garbage collector catches up.
	liveSettle = 3 * time.Second
	// The memory target: server memory per idle connection, at this many connections.
	liveMemoryTarget  = 10 * 1024
	liveMemoryClients = 15000
	// liveP99Target is the commit-to-client target, and liveRateShare the share of all
	// deliveries (clients x changes per second) that must arrive per second.
	liveP99Target = 100 * time.Millisecond
	liveRateShare = 0.9
)

// liveClient is one websocket client following the topic. Its goroutine (read) is the only one
// that touches the fields below done until done is closed.
type liveClient struct {
	ws       *websocket.Conn
	topic    string
	keepLast bool         // keep the last event's frame, for the check against the API
	got      atomic.Int64 // events received so far, for the drain
	closing  atomic.Bool  // the run is closing the connection: a read error is not a loss
	done     chan struct{}
	poller   *livePollers // reads it, when the generator has its own (livepoll_linux.go)
	fd       int          // its socket, when polled
	pending  []byte       // a frame's start, when polled and it arrived in parts
	partial  []byte       // a fragmented message's start, when polled

	ids       []int64
	lat       []time.Duration
	last      time.Time // when the last event arrived
	lastFrame []byte
	others    []string // messages other than events after the subscribe (error, resync)
	lost      string   // how the server ended the connection; "" when it did not
}

// liveRun is what the run measured.
type liveRun struct {
	clients            int
	topic              string
	connectTook        time.Duration
	before, idle       serverMemory
	busyBeforeConnect  float64
	changes            changeRun
	window             time.Duration // from the first change to the last event received
	lat                []time.Duration
	first, spread      []time.Duration // per event: to its first client, and from there to its last (sorted)
	tally              deliveryTally
	lost               map[string]int // connections the server ended, by how
	others             map[string]int // error and resync messages, by kind
	finalCheck         string         // the last event against the API, "" when there was none
	finalFailed        bool
	delivered, dropped float64 // Nabij's counters over the changes
	lagP50, lagP99     float64 // Nabij's own write-to-send lag (bucket bounds, seconds), -1 unknown
	nabijCores         float64 // Nabij's CPU over the changes (or the idle time), -1 unknown
}

// live runs the live run and adds it to the report.
func (rep *report) live(ctx context.Context, f *fixtures, hood int64, users []loadUser) error {
	o := rep.opts
	if o.liveClients < 1 || o.liveRate < 0 {
		return fmt.Errorf("-live-clients must be at least 1 and -live-rate at least 0")
	}
	if err := openFilesFor(ctx, f, o.liveClients); err != nil {
		return err
	}
	ids, err := f.signUpMeetups(ctx, hood, 1, o.capacity, "Live-bijeenkomst")
	if err != nil {
		return err
	}
	lr := liveRun{clients: o.liveClients, topic: fmt.Sprintf("meetup:%d", ids[0])}
	lr.busyBeforeConnect = busyCores(ctx, time.Second)
	if lr.before, err = settledMemory(ctx, f.c); err != nil {
		f.log("live: Nabij's memory cannot be read (%v): no memory per connection", err)
	}

	f.log("live: connecting %s websocket clients to %s, %d at once ...", thousands(o.liveClients), lr.topic, liveDialers)
	start := time.Now()
	clients, err := connectLive(ctx, f.c.base, users, lr.topic, o.liveClients)
	defer closeLive(clients)
	if err != nil {
		return err
	}
	lr.connectTook = time.Since(start)
	f.log("live: %s clients connected and subscribed in %s; idle for %s, then Nabij's memory ...", thousands(len(clients)), round(lr.connectTook), liveSettle)
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(liveSettle):
	}
	if lr.before.ok {
		lr.idle, _ = settledMemory(ctx, f.c)
	}

	quiet := busyCores(ctx, time.Second)
	snapAt, snap := time.Now(), f.c.snapshot(ctx)
	if o.liveRate > 0 {
		f.log("live: %d sign-up changes a second for %s ...", o.liveRate, o.duration)
		lr.changes = driveChanges(ctx, f.c, users, ids[0], o.liveRate, o.duration)
		drain(ctx, clients, int64(lr.changes.ok))
	} else {
		// Idle only: what the idle connections cost Nabij in CPU (pings) shows in the report.
		f.log("live: %s idle for %s ...", thousands(len(clients)), o.duration)
		select {
		case <-ctx.Done():
		case <-time.After(o.duration):
		}
	}
	end := time.Now()
	after := f.c.snapshot(ctx)
	closeLive(clients)
	if err := ctx.Err(); err != nil {
		return err
	}

	lr.collect(clients, end)
	lr.delivered = metricDelta(after, snap, "nabij_ws_events_delivered_total")
	lr.dropped = metricDelta(after, snap, "nabij_ws_clients_dropped_slow_total")
	lr.lagP50, lr.lagP99 = lagQuantiles(after, snap)
	if lr.changes.ok > 0 {
		lr.checkFinal(ctx, f, ids[0], clients[0].lastFrame)
	}

	elapsed := lr.window
	if elapsed <= 0 {
		elapsed = end.Sub(snapAt)
	}
	r := result{name: lr.name(), conns: len(clients), elapsed: elapsed, lat: lr.lat, outcomes: lr.changes.outcomes,
		errors: len(lr.changes.errors), examples: lr.changes.examples()}
	r.server = after.since(snap, elapsed)
	r.server.busyBefore = quiet
	lr.nabijCores = -1
	if r.server.ok {
		lr.nabijCores = r.server.nabijCPU / elapsed.Seconds()
	}
	t := target{}
	if o.liveRate > 0 {
		t = target{rate: liveRateShare * float64(o.liveClients*o.liveRate), p99: liveP99Target}
	}
	checks, failed := lr.lines(o.maxErrorRate)
	rep.failed = rep.failed || failed
	rep.add(r, t, checks)
	return nil
}

func (lr *liveRun) name() string {
	if lr.changes.sent == 0 {
		return fmt.Sprintf("live: %s idle clients (memory)", thousands(lr.clients))
	}
	return fmt.Sprintf("live: deliveries to %s clients", thousands(lr.clients))
}

// openFilesFor raises this process's open-file limit as far as it goes, and checks that it and
// Nabij may each hold n connections more. Go programs raise their soft limit to the hard one by
// themselves (since Go 1.19); it is done here in so many words because the run depends on it.
func openFilesFor(ctx context.Context, f *fixtures, n int) error {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return fmt.Errorf("read the open-file limit: %w", err)
	}
	if l.Cur < l.Max {
		l.Cur = l.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
			return fmt.Errorf("raise the open-file limit to %d: %w", l.Max, err)
		}
	}
	// Besides the clients: the HTTP connections of the set-up and the changes, and a few files.
	if need := uint64(n + f.conns + 256); l.Cur < need {
		return fmt.Errorf("%s clients need about %s open files, and this process may hold %s: raise the hard limit (ulimit -Hn) of the shell that starts it, or choose fewer -live-clients",
			thousands(n), thousands(int(need)), thousands(int(l.Cur)))
	}
	m, err := f.c.scrape(ctx)
	maxFDs, okMax := m["process_max_fds"]
	open, okOpen := m["process_open_fds"]
	if err != nil || !okMax || !okOpen {
		f.log("live: Nabij's open-file limit is unknown (no process_max_fds on /metrics); it must allow %s connections more", thousands(n))
		return nil
	}
	f.log("live: open files: this process may hold %s; Nabij %s (%s open)", thousands(int(l.Cur)), thousands(int(maxFDs)), thousands(int(open)))
	if int(maxFDs-open) < n+64 {
		return fmt.Errorf("Nabij may hold %s open files and has %s open: too few for %s clients. Start it from a shell whose limit is raised (ulimit -n %d; Go raises its soft limit to the hard limit by itself, so the hard limit counts), or choose fewer -live-clients",
			thousands(int(maxFDs)), thousands(int(open)), thousands(n), int(open)+n+1024)
	}
	return nil
}

// connectLive connects n clients, the residents' tokens in turn, each subscribed to topic.
func connectLive(ctx context.Context, base string, users []loadUser, topic string, n int) ([]*liveClient, error) {
	wsURL := "ws" + strings.TrimPrefix(base, "http") + "/ws"
	d := &websocket.Dialer{ReadBufferSize: 512, WriteBufferSize: 256, HandshakeTimeout: 30 * time.Second}
	clients := make([]*liveClient, n)
	pollers := newLivePollers()
	var next atomic.Int64
	err := parallel(ctx, liveDialers, func(ctx context.Context) error {
		for {
			i := int(next.Add(1)) - 1
			if i >= n {
				return nil
			}
			who := fmt.Sprintf("websocket client %d of %d", i+1, n)
			ws, err := dialLive(ctx, d, wsURL, users[i%len(users)].Token, topic, who)
			if err != nil {
				return err
			}
			lc := &liveClient{ws: ws, topic: topic, keepLast: i == 0, done: make(chan struct{})}
			clients[i] = lc
			if err := pollers.attach(lc, i); err != nil {
				go lc.read() // no poller here: a goroutine of its own
			}
		}
	})
	if err != nil {
		return slices.DeleteFunc(clients, func(c *liveClient) bool { return c == nil }), err
	}
	return clients, nil
}

// dialLive opens one websocket with a resident's token and subscribes to topic; its errors say
// who (which client) failed.
func dialLive(ctx context.Context, d *websocket.Dialer, wsURL, token, topic, who string) (*websocket.Conn, error) {
	ws, resp, err := d.DialContext(ctx, wsURL, http.Header{"Authorization": {"Bearer " + token}})
	if err != nil {
		if resp != nil {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
			return nil, fmt.Errorf("%s: GET /ws: %d %s", who, resp.StatusCode, snippet(b))
		}
		return nil, fmt.Errorf("%s: connect: %w", who, err)
	}
	sub, _ := json.Marshal(map[string]string{"type": "subscribe", "topic": topic})
	deadline := time.Now().Add(30 * time.Second)
	_ = ws.SetWriteDeadline(deadline)
	_ = ws.SetReadDeadline(deadline)
	if err := ws.WriteMessage(websocket.TextMessage, sub); err != nil {
		ws.Close()
		return nil, fmt.Errorf("%s: subscribe: %w", who, err)
	}
	for {
		_, b, err := ws.ReadMessage()
		if err != nil {
			ws.Close()
			return nil, fmt.Errorf("%s: waiting for subscribed: %w", who, err)
		}
		var m serverReply
		_ = json.Unmarshal(b, &m)
		switch {
		case m.Type == "subscribed" && m.Topic == topic:
			_ = ws.SetWriteDeadline(time.Time{})
			_ = ws.SetReadDeadline(time.Time{})
			return ws, nil
		case m.Type == "error":
			ws.Close()
			return nil, fmt.Errorf("%s: subscribe to %s: %s: %s", who, topic, m.Code, m.Message)
		}
	}
}

// serverReply is a message from Nabij other than an event.
type serverReply struct {
	Type    string `json:"type"`
	Topic   string `json:"topic"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// read takes what Nabij sends until the connection ends, with a goroutine per client: where the
// generator has no poller of its own (livepoll_linux.go). Frames are read into one buffer per
// client and picked apart without a full decode (parseEvent): the generator shares the machine's
// CPU with Nabij.
func (lc *liveClient) read() {
	defer close(lc.done)
	var buf bytes.Buffer
	for {
		_, r, err := lc.ws.NextReader()
		if err == nil {
			buf.Reset()
			_, err = buf.ReadFrom(r)
		}
		if err != nil {
			if !lc.closing.Load() {
				lc.lost = lossKind(err)
			}
			return
		}
		lc.message(buf.Bytes(), time.Now())
	}
}

// message records one message from Nabij that arrived at now: an event of the topic with how long
// it took to arrive, anything else as other. Only the client's reader calls it.
func (lc *liveClient) message(b []byte, now time.Time) {
	id, at, ok := parseEvent(b, lc.topic)
	if !ok {
		lc.other(b)
		return
	}
	lc.ids = append(lc.ids, id)
	lc.lat = append(lc.lat, now.Sub(at))
	lc.last = now
	if lc.keepLast {
		lc.lastFrame = append(lc.lastFrame[:0], b...)
	}
	lc.got.Add(1)
}

// other notes a message that is not an event of the topic: an error or a resync means events
// were not delivered as they should be.
func (lc *liveClient) other(b []byte) {
	var m serverReply
	kind := "unreadable message"
	if json.Unmarshal(b, &m) == nil {
		kind = strings.TrimSpace(m.Type + " " + m.Code)
		if m.Type == "event" {
			kind = "event of another topic"
		}
	}
	lc.others = append(lc.others, kind)
}

// lossKind says how a connection the run did not close ended.
func lossKind(err error) string {
	var ce *websocket.CloseError
	switch {
	case errors.As(err, &ce) && ce.Code != websocket.CloseAbnormalClosure:
		return fmt.Sprintf("closed by Nabij with %d %s", ce.Code, ce.Text)
	case errors.As(err, &ce), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "closed by Nabij without a close frame"
	case errors.Is(err, syscall.ECONNRESET):
		return "reset by Nabij"
	default:
		return "lost: " + err.Error()
	}
}

// eventPrefix is how every event frame starts (realtime/protocol.go, eventMessage).
const eventPrefix = `{"type":"event","id":`

// parseEvent reads an event frame's id and time when it is an event of topic. Nabij encodes
// events with their fields in one order (type, id, topic, event, data, time), so they are picked
// out directly: decoding 100,000 frames a second with encoding/json would take CPU from Nabij on
// the same machine. A frame in any other shape is decoded in full.
func parseEvent(b []byte, topic string) (id int64, at time.Time, ok bool) {
	if rest, found := bytes.CutPrefix(b, []byte(eventPrefix)); found {
		digits, rest, _ := bytes.Cut(rest, []byte(","))
		n, err := strconv.ParseInt(string(digits), 10, 64)
		i := lastTime(rest)
		if err == nil && i >= 0 && bytes.HasPrefix(rest, []byte(`"topic":"`+topic+`"`)) {
			stamp, _, _ := bytes.Cut(rest[i+len(`"time":"`):], []byte(`"`))
			if t, ok := parseUTC(stamp); ok {
				return n, t, true
			}
			if t, err := time.Parse(time.RFC3339Nano, string(stamp)); err == nil {
				return n, t, true
			}
		}
	}
	var e struct {
		Type  string    `json:"type"`
		ID    int64     `json:"id"`
		Topic string    `json:"topic"`
		Time  time.Time `json:"time"`
	}
	if json.Unmarshal(b, &e) != nil || e.Type != "event" || e.Topic != topic || e.Time.IsZero() {
		return 0, time.Time{}, false
	}
	return e.ID, e.Time, true
}

// lastTime is where the frame's "time" field starts: it is the last one, so it is looked for
// from the end first.
func lastTime(b []byte) int {
	const key = `"time":"`
	if len(b) > 2 && b[len(b)-1] == '}' && b[len(b)-2] == '"' {
		if q := bytes.LastIndexByte(b[:len(b)-2], '"'); q >= len(key)-1 && string(b[q-len(key)+1:q+1]) == key {
			return q - len(key) + 1
		}
	}
	return bytes.LastIndex(b, []byte(key))
}

// parseUTC reads a time as Nabij writes it, 2026-11-23T18:02:11.532114Z (UTC, up to nine
// digits of fraction), without time.Parse's generality; ok is false for anything else.
func parseUTC(b []byte) (time.Time, bool) {
	if len(b) < 20 || b[len(b)-1] != 'Z' || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return time.Time{}, false
	}
	num := func(s []byte) (int, bool) {
		v := 0
		for _, c := range s {
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	var f [6]int
	for i, r := range [][2]int{{0, 4}, {5, 7}, {8, 10}, {11, 13}, {14, 16}, {17, 19}} {
		v, ok := num(b[r[0]:r[1]])
		if !ok {
			return time.Time{}, false
		}
		f[i] = v
	}
	nsec := 0
	if frac := b[19 : len(b)-1]; len(frac) > 0 {
		if frac[0] != '.' || len(frac) < 2 || len(frac) > 10 {
			return time.Time{}, false
		}
		v, ok := num(frac[1:])
		if !ok {
			return time.Time{}, false
		}
		for range 10 - len(frac) {
			v *= 10
		}
		nsec = v
	}
	return time.Date(f[0], time.Month(f[1]), f[2], f[3], f[4], f[5], nsec, time.UTC), true
}

// closeLive closes the clients' connections and waits for their readers. It may be called
// again: closed clients are skipped.
func closeLive(clients []*liveClient) {
	var polled []*livePollers
	for _, lc := range clients {
		lc.closing.Store(true)
		if lc.poller != nil {
			if !slices.Contains(polled, lc.poller) {
				polled = append(polled, lc.poller)
			}
		} else {
			_ = lc.ws.Close()
		}
	}
	for _, p := range polled {
		p.stop()
	}
	for _, lc := range clients {
		<-lc.done
	}
}

// drain waits until every client still connected has received want events, and as many as the
// others, or until liveDrain has passed.
func drain(ctx context.Context, clients []*liveClient, want int64) {
	deadline := time.Now().Add(liveDrain)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		lo, hi := int64(-1), int64(0)
		for _, lc := range clients {
			select {
			case <-lc.done: // lost: it will receive nothing more
				continue
			default:
			}
			n := lc.got.Load()
			if lo < 0 || n < lo {
				lo = n
			}
			hi = max(hi, n)
		}
		if lo < 0 || (lo >= want && lo == hi) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// changeRun is what the sign-up changes did.
type changeRun struct {
	sent, ok   int
	late       int // changes that started more than one interval after they were due
	outcomes   map[string]int
	errors     []string
	lat        []time.Duration // sorted
	start, end time.Time
}

// examples are a few distinct errors.
func (cr changeRun) examples() []string {
	var out []string
	for _, e := range cr.errors {
		if len(out) < 3 && !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out
}

// driveChanges changes sign-ups for meetup at rate a second for d, at a fixed pace whatever
// the answers take (a slow Nabij makes changes late, it does not slow the pace down). A few
// residents each go and cancel in turn (signUpWorker), so the seats taken go up and down; every
// change writes one rsvp.changed event on the meetup's topic.
func driveChanges(ctx context.Context, c *client, users []loadUser, meetup int64, rate int, d time.Duration) changeRun {
	workers := min(max(rate/5, 4), 64, len(users))
	ws := newSignUpWorkers(c, users[:min(len(users), 4*workers)], []int64{meetup}, workers)
	total := max(int(float64(rate)*d.Seconds()), 1)
	interval := time.Second / time.Duration(rate)
	due := make(chan time.Time, total)
	cr := changeRun{outcomes: map[string]int{}, start: time.Now()}
	go func() {
		defer close(due)
		for i := range total {
			at := cr.start.Add(time.Duration(i) * interval)
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Until(at)):
			}
			due <- at
		}
	}()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, w := range ws {
		wg.Go(func() {
			for at := range due {
				late := time.Since(at) > interval
				outcome, took, err := w.op(ctx)
				mu.Lock()
				cr.sent++
				cr.lat = append(cr.lat, took)
				if late {
					cr.late++
				}
				if err != nil {
					cr.errors = append(cr.errors, err.Error())
				} else {
					cr.ok++
					cr.outcomes[outcome]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	cr.end = time.Now()
	slices.Sort(cr.lat)
	return cr
}

// deliveryTally compares what each client received with every event of the topic seen.
type deliveryTally struct {
	events     int // distinct event ids received by any client
	changes    int // changes that succeeded: each wrote one event
	missed     int // events a client did not receive, over all clients
	missedBy   int // clients that missed any
	duplicates int
	disordered int // events that came after one with a higher id
	deliveries int
}

// tallyDeliveries counts gaps, duplicates and events out of order in each client's ids against
// the union of all of them, and against the changes made: a change whose event no client
// received is missed by every client.
func tallyDeliveries(perClient [][]int64, changes int) deliveryTally {
	t := deliveryTally{changes: changes}
	all := map[int64]bool{}
	distinct := make([]int, len(perClient))
	for i, ids := range perClient {
		t.deliveries += len(ids)
		seen := make(map[int64]bool, len(ids))
		for j, id := range ids {
			if seen[id] {
				t.duplicates++
				continue
			}
			if j > 0 && id < ids[j-1] {
				t.disordered++
			}
			seen[id] = true
			all[id] = true
		}
		distinct[i] = len(seen)
	}
	t.events = len(all)
	expected := max(t.events, changes)
	for _, n := range distinct {
		if n < expected {
			t.missed += expected - n
			t.missedBy++
		}
	}
	return t
}

// collect gathers the clients' records once their goroutines have ended.
func (lr *liveRun) collect(clients []*liveClient, end time.Time) {
	perClient := make([][]int64, len(clients))
	lr.lost, lr.others = map[string]int{}, map[string]int{}
	var last time.Time
	n := 0
	for _, lc := range clients {
		n += len(lc.lat)
	}
	lr.lat = make([]time.Duration, 0, n)
	byEvent := map[int64][2]time.Duration{} // the smallest and largest delay of each event
	for i, lc := range clients {
		perClient[i] = lc.ids
		lr.lat = append(lr.lat, lc.lat...)
		for j, id := range lc.ids {
			d := lc.lat[j]
			if mm, ok := byEvent[id]; ok {
				byEvent[id] = [2]time.Duration{min(mm[0], d), max(mm[1], d)}
			} else {
				byEvent[id] = [2]time.Duration{d, d}
			}
		}
		if lc.last.After(last) {
			last = lc.last
		}
		if lc.lost != "" {
			lr.lost[lc.lost]++
		}
		for _, o := range lc.others {
			lr.others[o]++
		}
	}
	slices.Sort(lr.lat)
	for _, mm := range byEvent {
		lr.first = append(lr.first, mm[0])
		lr.spread = append(lr.spread, mm[1]-mm[0])
	}
	slices.Sort(lr.first)
	slices.Sort(lr.spread)
	lr.tally = tallyDeliveries(perClient, lr.changes.ok)
	if lr.changes.sent > 0 {
		// Up to the last event received, or the end when none arrived.
		upTo := end
		if !last.IsZero() {
			upTo = last
		}
		lr.window = upTo.Sub(lr.changes.start)
	}
}

// checkFinal compares the last event a client received with the meetup as the API shows it
// after the run: the figures the clients end with are the right ones.
func (lr *liveRun) checkFinal(ctx context.Context, f *fixtures, meetup int64, frame []byte) {
	var e struct {
		ID   int64 `json:"id"`
		Data struct {
			SeatsTaken    int  `json:"seats_taken"`
			WaitlistCount *int `json:"waitlist_count"`
		} `json:"data"`
	}
	ms, err := f.meetups(ctx, []int64{meetup})
	switch {
	case err != nil:
		lr.finalCheck, lr.finalFailed = "FAILED to read the meetup back: "+err.Error(), true
	case frame == nil || json.Unmarshal(frame, &e) != nil:
		lr.finalCheck, lr.finalFailed = "FAILED: the first client received no readable event", true
	case e.Data.SeatsTaken != ms[0].SeatsTaken || (ms[0].WaitlistCount != nil && e.Data.WaitlistCount != nil && *e.Data.WaitlistCount != *ms[0].WaitlistCount):
		lr.finalCheck, lr.finalFailed = fmt.Sprintf("FAILED: the last event (%d) says %d places taken, the API %d", e.ID, e.Data.SeatsTaken, ms[0].SeatsTaken), true
	default:
		lr.finalCheck = fmt.Sprintf("ok: the last event shows what the API shows afterwards: %d places taken", ms[0].SeatsTaken)
	}
}

// lines says what the run found, one finding a line; failed is whether a check failed.
func (lr *liveRun) lines(maxErrorRate float64) (out []string, failed bool) {
	fail := func(s string) { out, failed = append(out, "FAILED: "+s), true }
	out = append(out, fmt.Sprintf("%s clients connected and subscribed to %s in %s (%s/s, %d at once)", thousands(lr.clients), lr.topic,
		round(lr.connectTook), thousands(int(float64(lr.clients)/lr.connectTook.Seconds())), liveDialers))
	if cr := lr.changes; cr.sent > 0 {
		el := cr.end.Sub(cr.start)
		out = append(out, fmt.Sprintf("changes: %s sign-ups and cancellations through the API in %s (%.1f/s; %d started late), answered in p50 %s, p99 %s",
			thousands(cr.sent), round(el), float64(cr.sent)/el.Seconds(), cr.late, ms(percentile(cr.lat, 0.5)), ms(percentile(cr.lat, 0.99))))
		if len(cr.errors) > 0 && float64(len(cr.errors)) > maxErrorRate*float64(cr.sent) {
			fail(fmt.Sprintf("%d of %d changes failed, e.g. %s", len(cr.errors), cr.sent, strings.Join(cr.examples(), " | ")))
		}
		t := lr.tally
		switch {
		case t.missed == 0 && t.duplicates == 0 && t.disordered == 0:
			out = append(out, fmt.Sprintf("ok: every client received all %s events of the topic (%s changes made), in order, none twice",
				thousands(t.events), thousands(t.changes)))
		default:
			fail(fmt.Sprintf("%s events missed by %s clients, %s received twice, %s out of order (%s events seen, %s changes made)",
				thousands(t.missed), thousands(t.missedBy), thousands(t.duplicates), thousands(t.disordered), thousands(t.events), thousands(t.changes)))
		}
		if t.events > t.changes {
			out = append(out, fmt.Sprintf("(%s events more than changes that succeeded: changes whose answer was lost, or made by someone else)", thousands(t.events-t.changes)))
		}
		if len(lr.first) > 0 {
			// Where the delay goes: until the first client has an event, Nabij had to notice the
			// commit and read the event; from there to the last client, it writes to every
			// connection and the generator reads them all.
			out = append(out, fmt.Sprintf("per event: to its first client p50 %s, p99 %s, max %s (Nabij notices the commit, reads the event); from the first client to the last p50 %s, p99 %s, max %s (the fan-out)",
				ms(percentile(lr.first, 0.5)), ms(percentile(lr.first, 0.99)), ms(percentile(lr.first, 1)),
				ms(percentile(lr.spread, 0.5)), ms(percentile(lr.spread, 0.99)), ms(percentile(lr.spread, 1))))
		}
		if lr.finalCheck != "" {
			out = append(out, lr.finalCheck)
			failed = failed || lr.finalFailed
		}
		lag := "its lag histogram is not on /metrics"
		if lr.lagP99 >= 0 {
			lag = fmt.Sprintf("from the write in the database to the send: p50 <= %s, p99 <= %s (its buckets)", bound(lr.lagP50), bound(lr.lagP99))
		}
		out = append(out, fmt.Sprintf("Nabij says: %s events delivered, %s clients dropped as slow; %s", thousands(int(lr.delivered)), thousands(int(lr.dropped)), lag))
	}
	if lr.changes.sent == 0 && lr.nabijCores >= 0 {
		out = append(out, fmt.Sprintf("Nabij used %.2f cores while the clients were idle (it pings each every 30 s)", lr.nabijCores))
	}
	if len(lr.lost) == 0 {
		out = append(out, "ok: Nabij ended no connection")
	} else {
		fail(fmt.Sprintf("Nabij ended %s connections: %s", thousands(sum(lr.lost)), counts(lr.lost)))
	}
	if len(lr.others) > 0 {
		fail("messages other than events after subscribing: " + counts(lr.others))
	}
	out = append(out, lr.memoryLine())
	if lr.busyBeforeConnect > 0.25 {
		out = append(out, fmt.Sprintf("WARNING: %.2f cores were busy with other work before the clients connected", lr.busyBeforeConnect))
	}
	return out, failed
}

// memoryLine is the server memory per idle connection, next to its target.
func (lr *liveRun) memoryLine() string {
	if !lr.before.ok || !lr.idle.ok {
		return "(Nabij's memory could not be read from /metrics: no memory per connection)"
	}
	n := float64(lr.clients)
	per := (lr.idle.rss - lr.before.rss) / n
	if lr.before.held > liveHeld {
		return fmt.Sprintf("memory per idle connection: not measured: before connecting, Nabij kept %s it had freed (earlier connections, most likely) and not handed back, which new connections reuse without its RSS growing (RSS %s -> %s, %s per connection). Restart Nabij for this figure",
			mb(lr.before.held), mb(lr.before.rss), mb(lr.idle.rss), kb(per))
	}
	stacks, goroutines := (lr.idle.stacks-lr.before.stacks)/n, (lr.idle.goroutines-lr.before.goroutines)/n
	if goroutines >= 0.5 && stacks < 1024 {
		// Every connection has a goroutine, whose stack is at least 2 KB: stacks that did not grow
		// were left from earlier connections, and so, most likely, was the rest.
		return fmt.Sprintf("memory per idle connection: not measured: a goroutine per connection was started, but the memory for goroutine stacks grew by %s per connection: Nabij reused memory of earlier connections (RSS %s -> %s). Restart Nabij for this figure",
			kb(stacks), mb(lr.before.rss), mb(lr.idle.rss))
	}
	verdict := "met"
	if per > liveMemoryTarget {
		verdict = "short"
	}
	if lr.clients != liveMemoryClients {
		verdict += fmt.Sprintf(" (the target is for %s connections: -live-clients %d -live-rate 0)", thousands(liveMemoryClients), liveMemoryClients)
	}
	return fmt.Sprintf("memory per idle connection: %s of Nabij's RSS (%s before connecting, %s with %s connected and idle; per connection Go heap %+.1f KB, stacks %+.1f KB, %+.1f goroutines); target <= %d KB at %s: %s",
		kb(per), mb(lr.before.rss), mb(lr.idle.rss), thousands(lr.clients), (lr.idle.heap-lr.before.heap)/n/1024,
		(lr.idle.stacks-lr.before.stacks)/n/1024, (lr.idle.goroutines-lr.before.goroutines)/n, liveMemoryTarget/1024, thousands(liveMemoryClients), verdict)
}

// serverMemory is Nabij's memory as its /metrics tells it.
type serverMemory struct {
	ok                            bool
	rss, heap, stacks, goroutines float64
	held                          float64 // freed heap not handed back to the system
}

// settledMemory reads Nabij's memory a few times, half a second apart, and keeps the reading
// with the smallest RSS: RSS moves with the garbage collector and with memory handed back to the
// system, and the smallest is the closest to what the connections hold.
func settledMemory(ctx context.Context, c *client) (serverMemory, error) {
	var best serverMemory
	var lastErr error
	for i := range 4 {
		if i > 0 {
			select {
			case <-ctx.Done():
				return best, ctx.Err()
			case <-time.After(500 * time.Millisecond):
			}
		}
		m, err := c.scrape(ctx)
		if err != nil {
			lastErr = err
			continue
		}
		rss, ok := m["process_resident_memory_bytes"]
		if !ok {
			lastErr = errors.New("no process_resident_memory_bytes on /metrics")
			continue
		}
		if !best.ok || rss < best.rss {
			best = serverMemory{ok: true, rss: rss, heap: m["go_memstats_heap_inuse_bytes"],
				stacks: m["go_memstats_stack_inuse_bytes"], goroutines: m["go_goroutines"],
				held: m["go_memstats_heap_idle_bytes"] - m["go_memstats_heap_released_bytes"]}
		}
	}
	if !best.ok {
		return best, lastErr
	}
	return best, nil
}

// metricDelta is how much a counter of Nabij's grew between two snapshots; 0 when unknown.
func metricDelta(after, before snapshot, name string) float64 {
	if after.metrics == nil || before.metrics == nil {
		return 0
	}
	return after.metrics[name] - before.metrics[name]
}

// lagQuantiles are the bucket bounds that hold the median and the 99th percentile of Nabij's
// delivery lag between two snapshots; -1 when unknown.
func lagQuantiles(after, before snapshot) (p50, p99 float64) {
	const name = "nabij_ws_delivery_lag_seconds"
	d := serverSide{buckets: map[float64]float64{}, requests: metricDelta(after, before, name+"_count")}
	if d.requests <= 0 {
		return -1, -1
	}
	for k, v := range after.metrics {
		if labels, ok := strings.CutPrefix(k, name+"_bucket{"); ok {
			if le, ok := label(labels, "le"); ok {
				b, _ := strconv.ParseFloat(le, 64)
				d.buckets[b] = v - before.metrics[k]
			}
		}
	}
	return d.bucketQuantile(0.5), d.bucketQuantile(0.99)
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// counts lists m as "kind n, kind n", largest first.
func counts(m map[string]int) string {
	keys := slices.SortedFunc(maps.Keys(m), func(a, b string) int { return m[b] - m[a] })
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %s", k, thousands(m[k]))
	}
	return strings.Join(parts, ", ")
}

func kb(b float64) string { return fmt.Sprintf("%.1f KB", b/1024) }

func mb(b float64) string { return fmt.Sprintf("%.1f MB", b/(1024*1024)) }
