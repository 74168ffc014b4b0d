package realtime

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

const (
	// maxMessage bounds what a client may send in one frame: a subscribe is well under it.
	maxMessage = 1024
	// readBuffer is the size of a connection's read buffer: a few client messages.
	readBuffer = 320
	// maxInbox is how many of a client's messages may wait to be answered.
	maxInbox = 64
)

// conn is one websocket client. Its goroutine reads what the client sends; its queue is written
// by the hub's writers (writer.go), and a handler exists only while the client's messages wait
// for an answer, so an idle connection costs one goroutine with a small stack and a few small
// structures.
type conn struct {
	hub    *Hub
	ws     *websocket.Conn
	user   int64
	uidx   int // position in hub.users[user]; guarded by hub.mu
	access Access

	mu       sync.Mutex
	room     sync.Cond // signalled when the writer takes the queue, or the connection closes
	queue    []item
	writing  bool // the queue is with a writer (writer.go)
	inbox    [][]byte
	handling bool // a goroutine is answering the inbox
	closed   bool

	subs   []*sub // guarded by hub.mu
	pinger *time.Timer
	raw    syscall.RawConn // for waiting and writing without gorilla; nil where there is none
	br     *bufio.Reader   // gorilla's read buffer: what it read from the socket and not used yet
}

// item is one thing for the writer: a frame (an event for a subscription, skipped once that
// ended, or a reply), or a new access check of a subscription.
type item struct {
	frame   []byte
	sub     *sub
	created time.Time // when a live event was written to the database, for the lag
	recheck *sub
}

// sub is one connection's subscription to one topic.
type sub struct {
	c         *conn
	topic     string
	idx       int   // position in hub.topics[topic]; guarded by hub.mu
	after     int64 // live events up to this id are not sent: the client has them
	replaying bool  // missed events are being read; live ones wait in pending
	pending   []item
	ended     atomic.Bool
}

// run sets the connection up and starts reading.
func (c *conn) run() {
	h := c.hub
	c.ws.SetReadLimit(maxMessage)
	c.alive()
	c.ws.SetPongHandler(func(string) error { c.alive(); return nil })
	// Pongs go through the queue like everything the server writes.
	c.ws.SetPingHandler(func(data string) error { c.enqueue(item{frame: controlFrame(0xA, []byte(data))}); return nil })
	c.mu.Lock()
	c.pinger = time.AfterFunc(h.opt.PingInterval, c.ping)
	c.mu.Unlock()
	c.read()
}

// alive gives the client another PongTimeout to show a sign of life.
func (c *conn) alive() { _ = c.ws.SetReadDeadline(time.Now().Add(c.hub.opt.PongTimeout)) }

// read waits for the client's next message and hands it on (received); it does nothing else.
// Its goroutine lives as long as the connection is idle, so it is kept small: it waits for data
// without gorilla (waitReadable), takes the pongs that answer the pings straight from the socket,
// and after reading a message through gorilla, which takes more stack than waiting (and a
// goroutine's stack never shrinks back to the smallest size), it leaves the waiting to a fresh
// goroutine. Messages are answered by another goroutine that exists only while there are some.
func (c *conn) read() {
	var peeked [6 + 125]byte // a whole pong frame
	for {
		if c.br.Buffered() == 0 {
			n, err := waitReadable(c.raw, peeked[:])
			if err != nil {
				c.cleanup()
				return
			}
			if size := pongSize(peeked[:n]); size > 0 {
				if err := discard(c.raw, peeked[:size]); err != nil {
					c.cleanup()
					return
				}
				c.alive()
				continue
			}
		}
		_, data, err := c.ws.ReadMessage()
		if err != nil || !c.received(data) {
			c.cleanup()
			return
		}
		c.alive()
		go c.read()
		return
	}
}

// pongSize is the size of the whole pong frame at the start of b, or 0 when b does not start
// with one: FIN and opcode 0xA, masked (as every client frame), at most 125 bytes of payload.
func pongSize(b []byte) int {
	if len(b) < 6 || b[0] != 0x8A || b[1]&0x80 == 0 {
		return 0
	}
	n := int(b[1] & 0x7f)
	if n > 125 || len(b) < 6+n {
		return 0
	}
	return 6 + n
}

// received queues a client's message for handling, in order. A client that sends more than
// maxInbox messages that wait for an answer is cut off.
func (c *conn) received(data []byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.inbox) >= maxInbox {
		return false
	}
	c.inbox = append(c.inbox, data)
	if !c.handling {
		c.handling = true
		go c.handle()
	}
	return true
}

// handle answers the queued messages one after the other, then ends.
func (c *conn) handle() {
	for {
		c.mu.Lock()
		if len(c.inbox) == 0 || c.closed {
			c.inbox, c.handling = nil, false
			c.mu.Unlock()
			return
		}
		data := c.inbox[0]
		c.inbox = c.inbox[1:]
		c.mu.Unlock()
		var m clientMessage
		if err := json.Unmarshal(data, &m); err != nil {
			c.enqueue(item{frame: failure(codeInvalid, "", "messages are JSON objects such as {\"type\":\"subscribe\",\"topic\":\"meetup:42\"}")})
			continue
		}
		switch m.Type {
		case "subscribe":
			c.subscribe(m.Topic, m.Since)
		case "unsubscribe":
			c.hub.unsubscribeTopic(c, m.Topic)
		default:
			c.enqueue(item{frame: failure(codeInvalid, m.Topic, "type must be subscribe or unsubscribe")})
		}
	}
}

// subscribe checks the person may see the topic, subscribes, and when the client says which
// events it saw, first sends those it missed: every event in (since, upTo] from the database,
// then the live ones held back meanwhile (all after upTo), so none is lost or sent twice.
func (c *conn) subscribe(topic string, since *int64) {
	h := c.hub
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.access(ctx, topic); err != nil {
		c.refuse(topic, err)
		return
	}
	if err := h.waitReady(ctx); err != nil {
		c.enqueue(item{frame: failure(codeUnavailable, topic, "live updates are starting; try again")})
		return
	}
	s, upTo, replay, err := h.add(c, topic, since)
	switch {
	case errors.Is(err, errTooMany):
		c.enqueue(item{frame: failure(codeTooMany, topic, "too many subscriptions on one connection")})
		return
	case err != nil || !replay:
		return
	}
	missed, complete, err := h.missed(ctx, topic, *since, upTo)
	if err != nil {
		h.log.Error("live updates: cannot read missed events", "topic", topic, "err", err)
		h.unsubscribe(s)
		c.enqueue(item{frame: failure(codeUnavailable, topic, "could not read the missed events; subscribe again")})
		return
	}
	if !complete {
		c.enqueue(item{frame: resync(topic)})
	}
	for i := range missed {
		frame, err := missed[i].frame()
		if err != nil {
			continue
		}
		if !c.waitRoom() {
			return
		}
		c.enqueue(item{frame: frame, sub: s}) // no created time: the lag is measured on live events
	}
	h.goLive(s)
}

// refuse answers a subscribe the Access function turned down.
func (c *conn) refuse(topic string, err error) {
	switch {
	case errors.Is(err, ErrForbidden):
		c.enqueue(item{frame: failure(codeForbidden, topic, "you may not follow this topic")})
	case errors.Is(err, ErrInvalidTopic):
		c.enqueue(item{frame: failure(codeInvalid, topic, "topics are neighbourhood:{id}, group:{id}, meetup:{id}, meetup:{id}:attendance or user:{id}")})
	default:
		c.hub.log.Error("live updates: cannot check access", "topic", topic, "err", err)
		c.enqueue(item{frame: failure(codeUnavailable, topic, "could not check access; try again")})
	}
}

// waitRoom waits until the queue is at most half full, so that replaying many missed events
// never counts as being slow. It reports false when the connection closed.
func (c *conn) waitRoom() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for !c.closed && len(c.queue) >= c.hub.opt.QueueSize/2 {
		c.room.Wait()
	}
	return !c.closed
}

// enqueue adds it to the queue and has the connection written when it is not already (see
// writer.go). It never blocks: a client whose queue is full is disconnected.
func (c *conn) enqueue(it item) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	if len(c.queue) >= c.hub.opt.QueueSize {
		c.mu.Unlock()
		c.tooSlow()
		return
	}
	c.queue = append(c.queue, it)
	if !c.writing {
		c.writing = true
		c.hub.schedule(c)
	}
	c.mu.Unlock()
}

// tooSlow disconnects a client that cannot keep up; it may resume with since.
func (c *conn) tooSlow() {
	if c.markClosed() {
		c.hub.m.slow.Inc()
		go c.shut(websocket.CloseTryAgainLater, "too slow: reconnect and resume with since")
	}
}

// markClosed stops all further sending; it reports whether this call closed the connection.
func (c *conn) markClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	c.closed = true
	c.queue = nil
	c.room.Broadcast()
	return true
}

// checkAgain asks again whether the subscription is still allowed, after an access.changed.
// Refused: the subscription ends, with a forbidden error added to pending. Undecided (the
// database is away): the connection closes, and the client resumes with since once it can.
func (c *conn) checkAgain(s *sub, pending *net.Buffers) error {
	if s.ended.Load() {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := c.access(ctx, s.topic)
	if err == nil {
		return nil
	}
	if !errors.Is(err, ErrForbidden) && !errors.Is(err, ErrInvalidTopic) {
		c.hub.log.Error("live updates: cannot check access again", "topic", s.topic, "err", err)
		return err
	}
	c.hub.unsubscribe(s)
	*pending = append(*pending, failure(codeForbidden, s.topic, "you may no longer follow this topic"))
	return nil
}

// ping keeps idle connections alive and finds dead ones; a live client answers with a pong.
func (c *conn) ping() {
	c.enqueue(item{frame: pingFrame})
	c.mu.Lock()
	if !c.closed {
		c.pinger.Reset(c.hub.opt.PingInterval)
	}
	c.mu.Unlock()
}

// shut closes the connection with a close frame carrying code and reason, as far as the client
// still takes one.
func (c *conn) shut(code int, reason string) {
	c.markClosed()
	_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(time.Second))
	_ = c.ws.Close()
}

// cleanup runs when the reading ends: the connection and its subscriptions are forgotten.
func (c *conn) cleanup() {
	defer c.hub.readers.Done()
	c.markClosed()
	c.mu.Lock()
	if c.pinger != nil {
		c.pinger.Stop()
	}
	c.mu.Unlock()
	c.hub.unregister(c)
	_ = c.ws.Close()
}

// takenOver is the http.ResponseWriter gorilla's Upgrader needs, for a connection the HTTP
// server already handed over: the handshake is written straight to it.
type takenOver struct {
	conn   net.Conn
	header http.Header
	br     *bufio.Reader
}

func (t *takenOver) Header() http.Header {
	if t.header == nil {
		t.header = http.Header{}
	}
	return t.header
}

// Write and WriteHeader only see a failed handshake, which the server's own checks prevent; the
// connection is closed then.
func (t *takenOver) Write(b []byte) (int, error) { return len(b), nil }
func (t *takenOver) WriteHeader(int)             {}

func (t *takenOver) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	// Nothing is buffered yet (a client waits for the handshake's answer). Gorilla reads through
	// this reader from now on (it takes over a hijacked reader larger than 256 bytes when
	// Upgrader.ReadBufferSize is 0), so the connection can tell whether it holds unread bytes.
	// The writer is only for the handshake's answer.
	t.br = bufio.NewReaderSize(t.conn, readBuffer)
	return t.conn, bufio.NewReadWriter(t.br, bufio.NewWriterSize(t.conn, 256)), nil
}
