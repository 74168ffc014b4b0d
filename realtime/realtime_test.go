package realtime

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"nabij/server/testdb"
)

func TestMain(m *testing.M) { os.Exit(testdb.Main(m)) }

// testHub runs a hub on a fresh database, behind a plain net/http server; topics starting with
// "secret" are forbidden.
type testHub struct {
	dsn string
	t   *testing.T
	db  *sql.DB
	hub *Hub
	url string
}

func newTestHub(t *testing.T, tune ...func(*Options)) *testHub {
	t.Helper()
	return newTestHubOn(t, testdb.DSN(t), tune...)
}

// newTestHubOn runs a hub on an existing database: a second server beside another.
func newTestHubOn(t *testing.T, dsn string, tune ...func(*Options)) *testHub {
	t.Helper()
	// The pool wakes the hub after each commit, as the server's does.
	pc, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	wake := &WakeOnCommit{}
	pc.Tracer = wake
	db := stdlib.OpenDB(*pc)
	t.Cleanup(func() { db.Close() })
	opt := Options{DSN: dsn, DB: db}
	for _, f := range tune {
		f(&opt)
	}
	h := New(opt)
	wake.Attach(h)
	h.Start(context.Background())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		nc, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		h.Accept(nc, r, 1, func(_ context.Context, topic string) error {
			if strings.HasPrefix(topic, "secret") {
				return ErrForbidden
			}
			return nil
		})
	}))
	t.Cleanup(func() { h.Close(); srv.Close() })
	return &testHub{dsn: dsn, t: t, db: db, hub: h, url: "ws" + strings.TrimPrefix(srv.URL, "http")}
}

// settled waits until the hub has followed every event written so far.
func (th *testHub) settled() {
	th.t.Helper()
	var newest int64
	if err := th.db.QueryRow("SELECT coalesce(max(id), 0) FROM events").Scan(&newest); err != nil {
		th.t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		th.hub.mu.Lock()
		last := th.hub.last
		th.hub.mu.Unlock()
		if last >= newest {
			return
		}
	}
	th.t.Fatal("the hub did not catch up")
}

// emit writes an event as the triggers do, in its own transaction.
func (th *testHub) emit(topic, typ string) {
	th.t.Helper()
	tx, err := th.db.Begin()
	if err != nil {
		th.t.Fatal(err)
	}
	if _, err := tx.Exec("SELECT emit_event($1, $2, '{}')", topic, typ); err != nil {
		th.t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		th.t.Fatal(err)
	}
}

// ids are the ids of a topic's events after since, from the database.
func (th *testHub) ids(topic string, since int64) []int64 {
	th.t.Helper()
	rows, err := th.db.Query("SELECT id FROM events WHERE topic = $1 AND id > $2 ORDER BY id", topic, since)
	if err != nil {
		th.t.Fatal(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			th.t.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}

type message struct {
	Type  string `json:"type"`
	ID    int64  `json:"id"`
	Topic string `json:"topic"`
	Event string `json:"event"`
	Code  string `json:"code"`
}

type client struct {
	t  *testing.T
	ws *websocket.Conn
	in chan message
}

func (th *testHub) dial() *client {
	th.t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(th.url, nil)
	if err != nil {
		th.t.Fatal(err)
	}
	th.t.Cleanup(func() { ws.Close() })
	c := &client{t: th.t, ws: ws, in: make(chan message, 100000)}
	go func() {
		defer close(c.in)
		for {
			var m message
			if err := ws.ReadJSON(&m); err != nil {
				return
			}
			c.in <- m
		}
	}()
	return c
}

func (c *client) subscribe(topic string, since *int64) {
	c.t.Helper()
	m := map[string]any{"type": "subscribe", "topic": topic}
	if since != nil {
		m["since"] = *since
	}
	if err := c.ws.WriteJSON(m); err != nil {
		c.t.Fatal(err)
	}
}

func (c *client) next() message {
	c.t.Helper()
	select {
	case m, ok := <-c.in:
		if !ok {
			c.t.Fatal("connection closed")
		}
		return m
	case <-time.After(10 * time.Second):
		c.t.Fatal("no message within 10s")
	}
	return message{}
}

// events reads n events and returns their ids.
func (c *client) events(n int) []int64 {
	c.t.Helper()
	var ids []int64
	for len(ids) < n {
		m := c.next()
		if m.Type != "event" {
			c.t.Fatalf("got %+v while waiting for events", m)
		}
		ids = append(ids, m.ID)
	}
	return ids
}

func (c *client) want(typ, topic string) message {
	c.t.Helper()
	m := c.next()
	if m.Type != typ || m.Topic != topic {
		c.t.Fatalf("got %+v, want %s on %s", m, typ, topic)
	}
	return m
}

// writeConcurrently has writers emit events to topic at once, each in transactions of one to
// three events held open a little, so that ids commit out of order; some transactions roll back.
func (th *testHub) writeConcurrently(topic string, writers, each int) {
	th.t.Helper()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := 0; i < each; {
				tx, err := th.db.Begin()
				if err != nil {
					th.t.Error(err)
					return
				}
				n := 1 + rand.IntN(3)
				for range n {
					if _, err := tx.Exec("SELECT emit_event($1, $2, '{}')", topic, fmt.Sprintf("w%d", w)); err != nil {
						th.t.Error(err)
					}
				}
				time.Sleep(time.Duration(rand.IntN(3)) * time.Millisecond)
				if rand.IntN(5) == 0 {
					_ = tx.Rollback()
					continue
				}
				if err := tx.Commit(); err != nil {
					th.t.Error(err)
				}
				i += n
			}
		})
	}
	wg.Wait()
}

func TestConcurrentWritersAreDeliveredInIdOrderWithoutGapsAndReplayJoinsLiveExactly(t *testing.T) {
	t.Parallel()
	th := newTestHub(t)
	all := th.dial()
	all.subscribe("t:1", nil)
	all.want("subscribed", "t:1")
	th.emit("t:1", "first")
	first := all.events(1)[0]

	// A second client subscribes while the writers run, replaying from the first event.
	done := make(chan struct{})
	go func() {
		defer close(done)
		th.writeConcurrently("t:1", 8, 60)
	}()
	time.Sleep(20 * time.Millisecond)
	late := th.dial()
	late.subscribe("t:1", &first)
	late.want("subscribed", "t:1")
	<-done

	want := th.ids("t:1", first)
	if got := all.events(len(want)); !slices.Equal(got, want) {
		t.Fatalf("live client got %d events %v,\nwant %d %v", len(got), got, len(want), want)
	}
	if got := late.events(len(want)); !slices.Equal(got, want) {
		t.Fatalf("replaying client got %d events %v,\nwant %d %v", len(got), got, len(want), want)
	}
}

func TestTheListenerReconnectsAndCatchesUp(t *testing.T) {
	t.Parallel()
	th := newTestHub(t)
	c := th.dial()
	c.subscribe("t:2", nil)
	c.want("subscribed", "t:2")
	th.emit("t:2", "before")
	c.events(1)

	if _, err := th.db.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE application_name = $1 AND datname = current_database()`, listenerName); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		th.emit("t:2", "while away")
	}
	want := th.ids("t:2", 0)[1:]
	if got := c.events(5); !slices.Equal(got, want) {
		t.Fatalf("after the listener came back: %v, want %v", got, want)
	}
	if n := counter(t, th.hub.m.reconnects); n < 1 {
		t.Fatalf("reconnects counted %v", n)
	}
}

func TestOldOrTooManyMissedEventsAskTheClientToReload(t *testing.T) {
	t.Parallel()
	th := newTestHub(t, func(o *Options) { o.MaxReplay = 3 })
	for range 5 {
		th.emit("t:3", "x")
	}
	ids := th.ids("t:3", 0)
	th.settled()
	c := th.dial()
	c.subscribe("t:3", &ids[0]) // four missed: more than MaxReplay
	c.want("subscribed", "t:3")
	c.want("resync", "t:3")

	// Purged history: the horizon is past since.
	if _, err := th.db.Exec("UPDATE event_horizon SET purged_through = $1", ids[2]); err != nil {
		t.Fatal(err)
	}
	c.subscribe("t:3b", &ids[1])
	c.want("subscribed", "t:3b")
	c.want("resync", "t:3b")
	// Since at the horizon: nothing after it was purged, the replay is complete.
	th.emit("t:3c", "kept")
	c.subscribe("t:3c", &ids[2])
	c.want("subscribed", "t:3c")
	if m := c.next(); m.Type != "event" || m.Topic != "t:3c" {
		t.Fatalf("got %+v, want the kept event", m)
	}
}

func TestTheRetentionPurgeKeepsRecentEvents(t *testing.T) {
	t.Parallel()
	th := newTestHub(t)
	th.emit("t:4", "old")
	th.emit("t:4", "new")
	ids := th.ids("t:4", 0)
	if _, err := th.db.Exec("UPDATE events SET created_at = now() - interval '25 hours' WHERE id = $1", ids[0]); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(t.Context(), th.hub.opt.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if err := purge(t.Context(), conn, 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	if got := th.ids("t:4", 0); !slices.Equal(got, ids[1:]) {
		t.Fatalf("after the purge: %v, want %v", got, ids[1:])
	}
	var horizon int64
	if err := th.db.QueryRow("SELECT purged_through FROM event_horizon").Scan(&horizon); err != nil || horizon != ids[0] {
		t.Fatalf("horizon %d (%v), want %d", horizon, err, ids[0])
	}
}

func TestForbiddenAndMalformedRequestsAreAnsweredNotFatal(t *testing.T) {
	t.Parallel()
	th := newTestHub(t)
	c := th.dial()
	c.subscribe("secret:1", nil)
	if m := c.want("error", "secret:1"); m.Code != codeForbidden {
		t.Fatalf("got %+v", m)
	}
	if err := c.ws.WriteMessage(websocket.TextMessage, []byte("not json")); err != nil {
		t.Fatal(err)
	}
	if m := c.next(); m.Type != "error" || m.Code != codeInvalid {
		t.Fatalf("got %+v", m)
	}
	c.subscribe("t:5", nil)
	c.want("subscribed", "t:5")
	if err := c.ws.WriteJSON(map[string]string{"type": "unsubscribe", "topic": "t:5"}); err != nil {
		t.Fatal(err)
	}
	c.subscribe("t:6", nil) // answered after the unsubscribe was handled
	c.want("subscribed", "t:6")
	th.emit("t:5", "after unsubscribe")
	th.emit("t:6", "still subscribed")
	if m := c.next(); m.Topic != "t:6" {
		t.Fatalf("got %+v, want only t:6's event", m)
	}
	// A frame over the read limit ends the connection.
	if err := c.ws.WriteMessage(websocket.TextMessage, []byte(strings.Repeat("x", 2*maxMessage))); err != nil {
		t.Fatal(err)
	}
	select {
	case _, ok := <-c.in:
		if ok {
			t.Fatal("got a message after an oversized frame")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the connection stayed open after an oversized frame")
	}
}

// counter reads one of the hub's counters.
func counter(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

func TestPingsKeepAnsweringClientsAndEndSilentOnes(t *testing.T) {
	t.Parallel()
	th := newTestHub(t, func(o *Options) { o.PingInterval, o.PongTimeout = 50*time.Millisecond, 300*time.Millisecond })
	c := th.dial() // gorilla answers pings while it reads
	c.subscribe("t:7", nil)
	c.want("subscribed", "t:7")
	time.Sleep(time.Second)
	th.emit("t:7", "still here")
	if m := c.next(); m.Type != "event" || m.Topic != "t:7" {
		t.Fatalf("after a second of pings: %+v", m)
	}

	// A client that never reads never answers a ping.
	silent, _, err := websocket.DefaultDialer.Dial(th.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	time.Sleep(time.Second)
	silent.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		_, _, err := silent.NextReader()
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatal("the server kept a client that answers no pings")
		}
		if err != nil {
			return // closed by the server
		}
	}
}

func TestMessagesArrivingTogetherAreAllAnswered(t *testing.T) {
	t.Parallel()
	th := newTestHub(t)
	c := th.dial()
	// Two masked frames (mask key 0) in one write: the second sits in the read buffer.
	var both []byte
	for _, topic := range []string{"t:8", "t:9"} {
		payload := fmt.Sprintf(`{"type":"subscribe","topic":%q}`, topic)
		both = append(both, 0x81, 0x80|byte(len(payload)), 0, 0, 0, 0)
		both = append(both, payload...)
	}
	if _, err := c.ws.UnderlyingConn().Write(both); err != nil {
		t.Fatal(err)
	}
	c.want("subscribed", "t:8")
	c.want("subscribed", "t:9")
}

// A commit through one server's pool reaches a client of another server at once: the first
// server's listener rings NOTIFY for the others (no change NOTIFYs inside its own transaction).
func TestACommitOnOneServerReachesClientsOfAnotherAtOnce(t *testing.T) {
	t.Parallel()
	a := newTestHub(t)
	b := newTestHubOn(t, a.dsn)
	c := b.dial()
	c.subscribe("meetup:1", nil)
	c.want("subscribed", "meetup:1")
	for i := range 5 {
		start := time.Now()
		a.emit("meetup:1", "rsvp.changed")
		m := c.next()
		if m.Type != "event" {
			t.Fatalf("got %+v, want an event", m)
		}
		// The poll would take up to a second; the wake takes milliseconds.
		if d := time.Since(start); d > 300*time.Millisecond {
			t.Fatalf("event %d took %v to reach the other server", i, d)
		}
	}
}

// A change written by another program, which wakes nobody, still reaches clients: every listener
// looks for new events once a second.
func TestAChangeFromAnotherProgramIsFoundByThePoll(t *testing.T) {
	t.Parallel()
	th := newTestHub(t)
	c := th.dial()
	c.subscribe("meetup:1", nil)
	c.want("subscribed", "meetup:1")
	other, err := sql.Open("pgx", th.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.Exec("SELECT emit_event('meetup:1', 'rsvp.changed', '{}')"); err != nil {
		t.Fatal(err)
	}
	if m := c.next(); m.Type != "event" || m.Event != "rsvp.changed" {
		t.Fatalf("got %+v, want the event", m)
	}
}
