// Package realtime sends live updates to websocket clients. Changes write events to the database
// in their own transaction (migrations/0005_events.sql); each running Nabij follows them in id
// order (listener.go) and fans them out to its clients' subscriptions (this file), one small
// send queue per connection (conn.go). The protocol is in docs/realtime.md.
package realtime

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
)

// Access decides whether a connection's person may receive a topic: nil, ErrForbidden,
// ErrInvalidTopic, or another error when it could not be decided. It is asked at every subscribe
// and again when access may have changed.
type Access func(ctx context.Context, topic string) error

// Options configure a Hub. Only DSN and DB are required.
type Options struct {
	DSN string  // the database, for the connection that LISTENs
	DB  *sql.DB // the pool, for replaying missed events
	Log *slog.Logger

	// QueueSize is how many messages may wait for one connection: a client further behind is
	// disconnected (it resumes with since). Default 1024.
	QueueSize int
	// WriteTimeout is how long one write may block before the client counts as gone. Default 10s.
	WriteTimeout time.Duration
	// PingInterval is how often idle clients are pinged; PongTimeout how long the server waits
	// for any sign of life before closing. Defaults 30s and 75s.
	PingInterval time.Duration
	PongTimeout  time.Duration
	// Retention is how long events are kept for clients that reconnect. Default 24h.
	Retention time.Duration
	// MaxReplay is the most missed events sent on one subscribe; a client that missed more is
	// told to reload (resync). Default 1000.
	MaxReplay int
	// MaxSubscriptions per connection. Default 64.
	MaxSubscriptions int
	// PollInterval is how often the listener looks for events nobody woke it for (changes made
	// by other programs). Default 1s.
	PollInterval time.Duration
}

func (o *Options) defaults() {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.QueueSize, 1024)
	def(&o.MaxReplay, 1000)
	def(&o.MaxSubscriptions, 64)
	defDur(&o.WriteTimeout, 10*time.Second)
	defDur(&o.PingInterval, 30*time.Second)
	defDur(&o.PongTimeout, 75*time.Second)
	defDur(&o.Retention, 24*time.Hour)
	defDur(&o.PollInterval, time.Second)
}

// Hub holds one server's websocket connections and their subscriptions.
type Hub struct {
	opt      Options
	log      *slog.Logger
	m        *metrics
	upgrader websocket.Upgrader

	mu     sync.Mutex
	topics map[string][]*sub
	users  map[int64][]*conn
	conns  map[*conn]struct{}
	last   int64 // every event up to this id is final and has been fanned out
	ready  bool  // last is known: the listener has started
	closed bool

	readyc  chan struct{} // closed once ready
	wake    chan struct{} // a change was committed through this server (Wake)
	writes  chan *conn    // connections with frames to write, for the writers
	stop    context.CancelFunc
	stopped chan struct{} // closed when the listener has ended
	readers sync.WaitGroup
	cur     cursor // the listener's; only its goroutine uses it
}

// New builds a hub; Start runs it.
func New(opt Options) *Hub {
	opt.defaults()
	return &Hub{
		opt: opt,
		log: opt.Log,
		m:   newMetrics(),
		upgrader: websocket.Upgrader{
			// Small buffers for many idle connections: client messages are a few dozen bytes,
			// read through the buffer takenOver.Hijack makes (ReadBufferSize 0: gorilla takes
			// it over), and frames are written to the connection directly, without a write
			// buffer (only gorilla's rare own messages borrow one from the pool).
			WriteBufferSize: 256,
			WriteBufferPool: &sync.Pool{},
			// The server checked the origin before it took the connection over.
			CheckOrigin: func(*http.Request) bool { return true },
		},
		topics: map[string][]*sub{},
		users:  map[int64][]*conn{},
		conns:  map[*conn]struct{}{},
		readyc: make(chan struct{}),
		wake:   make(chan struct{}, 1),
		writes: make(chan *conn, 1<<14),
	}
}

// Wake tells the listener that this server has just committed a change that may have written
// events: it reads them at once, and rings NOTIFY for the other servers. Wakes that come while one
// is pending are folded into it. It never blocks.
func (h *Hub) Wake() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// Last is the id of the newest event this server has sent on: a page made now shows every change
// up to it, and its script subscribes with it as since. 0 before the listener has started.
func (h *Hub) Last() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.last
}

// Collectors are the hub's metrics, for the server's Prometheus registry.
func (h *Hub) Collectors() []prometheus.Collector { return h.m.collectors() }

// Start follows the events table until Close (or ctx ends).
func (h *Hub) Start(ctx context.Context) {
	ctx, stop := context.WithCancel(ctx)
	h.mu.Lock()
	h.stop, h.stopped = stop, make(chan struct{})
	h.mu.Unlock()
	go h.listen(ctx)
	for range runtime.GOMAXPROCS(0) {
		go h.writer(ctx)
	}
}

// Running reports whether Start was called and Close was not.
func (h *Hub) Running() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.stop != nil && !h.closed
}

// Close stops following events and closes every connection with 1001 (going away), so that
// clients reconnect, to another server if there is one. It waits a few seconds at most.
func (h *Hub) Close() {
	h.mu.Lock()
	if h.closed || h.stop == nil {
		h.closed = true
		h.mu.Unlock()
		return
	}
	h.closed = true
	conns := make([]*conn, 0, len(h.conns))
	for c := range h.conns {
		conns = append(conns, c)
	}
	h.mu.Unlock()
	h.stop()
	<-h.stopped
	for _, c := range conns {
		go c.shut(websocket.CloseGoingAway, "server shutting down")
	}
	done := make(chan struct{})
	go func() { h.readers.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		h.log.Warn("live updates: connections still open after shutdown")
	}
}

// Accept completes the websocket handshake on a connection taken over from the HTTP server,
// after the request r was checked (method, upgrade headers, origin, who it is), and serves it.
// It returns at once; the connection lives in its own goroutine.
func (h *Hub) Accept(nc net.Conn, r *http.Request, userID int64, access Access) {
	t := &takenOver{conn: nc}
	ws, err := h.upgrader.Upgrade(t, r, nil)
	if err != nil {
		h.log.Debug("websocket handshake failed", "err", err)
		nc.Close()
		return
	}
	c := &conn{hub: h, ws: ws, user: userID, access: access, br: t.br}
	c.room.L = &c.mu
	if sc, ok := nc.(syscall.Conn); ok {
		c.raw, _ = sc.SyscallConn()
	}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		c.shut(websocket.CloseGoingAway, "server shutting down")
		return
	}
	h.conns[c] = struct{}{}
	c.uidx = len(h.users[userID])
	h.users[userID] = append(h.users[userID], c)
	h.readers.Add(1)
	h.mu.Unlock()
	h.m.connections.Inc()
	go c.run()
}

// waitReady waits until the listener knows where the events stand.
func (h *Hub) waitReady(ctx context.Context) error {
	select {
	case <-h.readyc:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// add subscribes c to topic. The client saw events up to since (nil: it wants only new ones).
// The reply "subscribed" is queued here, under the lock, so that no live event can overtake it.
// It returns the subscription and whether the events in (since, upTo] must be replayed first;
// live ones arriving meanwhile are held in its pending list.
func (h *Hub) add(c *conn, topic string, since *int64) (s *sub, upTo int64, replay bool, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, 0, false, errClosed
	}
	for _, s := range c.subs {
		if s.topic == topic {
			c.enqueue(item{frame: subscribed(topic)})
			return s, 0, false, nil
		}
	}
	if len(c.subs) >= h.opt.MaxSubscriptions {
		return nil, 0, false, errTooMany
	}
	s = &sub{c: c, topic: topic, after: h.last, idx: len(h.topics[topic])}
	if since != nil {
		s.after = max(*since, h.last)
		s.replaying = *since < h.last
	}
	h.topics[topic] = append(h.topics[topic], s)
	c.subs = append(c.subs, s)
	h.m.subscriptions.Inc()
	c.enqueue(item{frame: subscribed(topic)})
	return s, h.last, s.replaying, nil
}

var (
	errClosed  = errors.New("hub closed")
	errTooMany = errors.New("too many subscriptions")
)

// goLive ends a replay: the live events that arrived meanwhile follow the replayed ones.
func (h *Hub) goLive(s *sub) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, it := range s.pending {
		s.c.enqueue(it)
	}
	s.pending, s.replaying = nil, false
}

// unsubscribe ends a subscription; its events still queued are skipped.
func (h *Hub) unsubscribe(s *sub) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.remove(s)
}

// unsubscribeTopic ends c's subscription to topic, if any.
func (h *Hub) unsubscribeTopic(c *conn, topic string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, s := range c.subs {
		if s.topic == topic {
			h.remove(s)
			return
		}
	}
}

// remove takes s out of the indexes; h.mu is held.
func (h *Hub) remove(s *sub) {
	if s.ended.Swap(true) {
		return
	}
	subs := h.topics[s.topic]
	last := len(subs) - 1
	subs[s.idx] = subs[last]
	subs[s.idx].idx = s.idx
	subs[last] = nil
	if last == 0 {
		delete(h.topics, s.topic)
	} else {
		h.topics[s.topic] = subs[:last]
	}
	for i, cs := range s.c.subs {
		if cs == s {
			s.c.subs = append(s.c.subs[:i], s.c.subs[i+1:]...)
			break
		}
	}
	s.pending = nil
	h.m.subscriptions.Dec()
}

// unregister forgets a connection that ended, with its subscriptions.
func (h *Hub) unregister(c *conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for len(c.subs) > 0 {
		h.remove(c.subs[0])
	}
	if _, ok := h.conns[c]; !ok {
		return
	}
	delete(h.conns, c)
	cs := h.users[c.user]
	last := len(cs) - 1
	cs[c.uidx] = cs[last]
	cs[c.uidx].uidx = c.uidx
	cs[last] = nil
	if last == 0 {
		delete(h.users, c.user)
	} else {
		h.users[c.user] = cs[:last]
	}
	h.m.connections.Dec()
}

// publish fans out events, in id order, to the subscriptions of their topics, and records that
// every event up to last is final. It never blocks on a client: each gets the event in its queue
// (or, while its missed events are replayed, in the subscription's pending list), and a client
// whose queue is full is disconnected.
func (h *Hub) publish(events []Event, last int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := range events {
		e := &events[i]
		if e.Type == accessChanged {
			h.recheck(e)
		}
		subs := h.topics[e.Topic]
		if len(subs) == 0 {
			continue
		}
		frame, err := e.frame()
		if err != nil {
			h.log.Error("live updates: cannot encode event", "id", e.ID, "err", err)
			continue
		}
		for _, s := range subs {
			if e.ID <= s.after {
				continue
			}
			it := item{frame: frame, sub: s, created: e.Created}
			if !s.replaying {
				s.c.enqueue(it)
			} else if len(s.pending) < h.opt.QueueSize/2 {
				s.pending = append(s.pending, it)
			} else {
				s.c.tooSlow()
			}
		}
	}
	if last > h.last {
		h.last = last
	}
	if !h.ready {
		h.ready = true
		close(h.readyc)
	}
}

// recheck queues a new access check of the subscriptions an access.changed event concerns, in
// front of the events that follow it: until the check is done, the connection's writer sends
// nothing newer. h.mu is held.
func (h *Hub) recheck(e *Event) {
	if id, ok := strings.CutPrefix(e.Topic, "user:"); ok {
		uid, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			return
		}
		for _, c := range h.users[uid] {
			for _, s := range c.subs {
				c.enqueue(item{recheck: s})
			}
		}
		return
	}
	var data struct {
		Topics []string `json:"topics"`
	}
	_ = json.Unmarshal(e.Data, &data) // no topics listed: only the event's own
	for _, t := range append(data.Topics, e.Topic) {
		for _, s := range h.topics[t] {
			s.c.enqueue(item{recheck: s})
		}
	}
}
