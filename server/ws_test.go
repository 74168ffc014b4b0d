package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"gorm.io/gorm"

	"nabij/models"
	"nabij/realtime"
	"nabij/server/testdb"
)

// liveInstance runs one Nabij on the database at dsn, as serve does: its own pool, its own events
// listener, a real port. Several of them on one database are several servers. tune changes the
// hub's options.
func liveInstance(t *testing.T, dsn string, tune ...func(*realtime.Options)) (string, *app) {
	t.Helper()
	d := &database{DSN: dsn}
	if err := d.connect(t.Context()); err != nil {
		t.Fatal(err)
	}
	f, a, err := newApp(testConfig(t), d, testLogger())
	if err != nil {
		t.Fatal(err)
	}
	if len(tune) > 0 {
		for _, c := range a.live.Collectors() {
			a.metrics.reg.Unregister(c)
		}
		opt := realtime.Options{DSN: dsn, DB: d.SQL, Log: testLogger()}
		for _, f := range tune {
			f(&opt)
		}
		a.live = realtime.New(opt)
		a.metrics.reg.MustRegister(a.live.Collectors()...)
		d.wake.Attach(a.live)
	}
	a.live.Start(context.Background())
	ln := listenLocal(t)
	go f.Listener(ln)
	t.Cleanup(func() {
		_ = f.Shutdown()
		a.live.Close()
		d.Close()
	})
	return "http://" + ln.Addr().String(), a
}

// wsWorld is a neighbourhood with a worker, two residents with API tokens and a meetup with two
// places, on one database that two servers share.
type wsWorld struct {
	t          *testing.T
	db         *gorm.DB
	hood       int64
	worker     *models.User
	ann, bob   *models.User
	annToken   string
	bobToken   string
	meetup     *models.Meetup
	serverA    string
	serverB    string
	appA, appB *app
}

// newWSWorld starts the two servers; tuneA changes server A's hub options.
func newWSWorld(t *testing.T, tuneA ...func(*realtime.Options)) *wsWorld {
	t.Helper()
	return newWSWorldTuned(t, tuneA, nil)
}

// newWSWorldTuned tunes each of the two servers.
func newWSWorldTuned(t *testing.T, tuneA, tuneB []func(*realtime.Options)) *wsWorld {
	t.Helper()
	dsn := testdb.DSN(t)
	w := &wsWorld{t: t}
	w.serverA, w.appA = liveInstance(t, dsn, tuneA...)
	w.serverB, w.appB = liveInstance(t, dsn, tuneB...)
	w.db = w.appA.db.Gorm
	n, err := models.CreateNeighbourhood(t.Context(), w.db, models.NeighbourhoodInput{Name: new("Rabot"), Municipality: new("Gent")})
	if err != nil {
		t.Fatal(err)
	}
	w.hood = n.ID
	w.worker = w.person("Wendy", models.RoleWorker)
	w.ann = w.person("Ann", models.RoleResident)
	w.bob = w.person("Bob", models.RoleResident)
	w.annToken, w.bobToken = w.token(w.ann), w.token(w.bob)
	w.meetup = w.newMeetup(nil, 2)
	return w
}

func (w *wsWorld) person(name string, role models.Role) *models.User {
	w.t.Helper()
	username := strings.ToLower(name)
	u := &models.User{DisplayName: &name, Username: &username, Role: role, Language: "nl", HomeNeighbourhoodID: &w.hood}
	if err := w.db.Create(u).Error; err != nil {
		w.t.Fatal(err)
	}
	if role == models.RoleWorker {
		if err := models.AssignWorker(w.t.Context(), w.db, w.hood, u.ID); err != nil {
			w.t.Fatal(err)
		}
	}
	return u
}

func (w *wsWorld) token(u *models.User) string {
	w.t.Helper()
	_, secret, err := models.CreateToken(w.t.Context(), w.db, u.ID, "websocket test")
	if err != nil {
		w.t.Fatal(err)
	}
	return secret
}

// newMeetup publishes a meetup tomorrow, of the neighbourhood (by the worker) or of a group (by
// ann, who organises it); capacity 0 is no limit.
func (w *wsWorld) newMeetup(g *models.Group, capacity int) *models.Meetup {
	w.t.Helper()
	start := time.Now().Add(24 * time.Hour).Truncate(time.Minute)
	end := start.Add(2 * time.Hour)
	in := models.NewMeetup{NeighbourhoodID: w.hood, MeetupInput: models.MeetupInput{Title: new("Soep op vrijdag"),
		StartsAt: &start, EndsAt: &end, Capacity: &capacity, Place: &models.Place{Name: "Buurthuis"}, Publish: true}}
	actor := w.worker
	if g != nil {
		in.GroupID, actor = &g.ID, w.ann
	}
	m, err := models.CreateMeetup(w.t.Context(), w.db, actor, in, time.UTC)
	if err != nil {
		w.t.Fatal(err)
	}
	return m
}

// comment writes a comment on the meetup, straight through the models.
func (w *wsWorld) comment(u *models.User, body string) {
	w.t.Helper()
	if _, err := models.CommentOnMeetup(w.t.Context(), w.db, u, w.meetup.ID, body); err != nil {
		w.t.Fatal(err)
	}
}

// signUp signs u up for the meetup through the HTTP API of the server at base.
func (w *wsWorld) signUp(base, token string) {
	w.t.Helper()
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/meetups/%d/rsvp", base, w.meetup.ID), strings.NewReader(`{"status":"going"}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		w.t.Fatalf("sign-up through %s: %s", base, resp.Status)
	}
}

// wsMessage is anything the server sends.
type wsMessage struct {
	Type    string         `json:"type"`
	ID      int64          `json:"id"`
	Topic   string         `json:"topic"`
	Event   string         `json:"event"`
	Data    map[string]any `json:"data"`
	Code    string         `json:"code"`
	Message string         `json:"message"`
}

// wsClient reads in the background: a read that times out would break a gorilla connection.
type wsClient struct {
	t        *testing.T
	ws       *websocket.Conn
	messages chan wsMessage
	err      chan error
}

// dial opens /ws on the server at base with a bearer token ("" for none).
func dial(t *testing.T, base, token string) *wsClient {
	t.Helper()
	c, resp, err := dialWith(websocket.DefaultDialer, base, token, nil)
	if err != nil {
		t.Fatalf("dial %s: %v (%v)", base, err, resp)
	}
	t.Cleanup(func() { c.Close() })
	return reading(t, c)
}

// reading starts reading c's messages.
func reading(t *testing.T, c *websocket.Conn) *wsClient {
	wc := &wsClient{t: t, ws: c, messages: make(chan wsMessage, 10000), err: make(chan error, 1)}
	go func() {
		for {
			var m wsMessage
			_, data, err := c.ReadMessage()
			if err == nil {
				err = json.Unmarshal(data, &m)
			}
			if err != nil {
				wc.err <- err
				return
			}
			wc.messages <- m
		}
	}()
	return wc
}

func dialWith(d *websocket.Dialer, base, token string, header http.Header) (*websocket.Conn, *http.Response, error) {
	if header == nil {
		header = http.Header{}
	}
	if token != "" {
		header.Set("Authorization", "Bearer "+token)
	}
	return d.Dial("ws"+strings.TrimPrefix(base, "http")+"/ws", header)
}

func (c *wsClient) send(typ, topic string, since *int64) {
	c.t.Helper()
	m := map[string]any{"type": typ, "topic": topic}
	if since != nil {
		m["since"] = *since
	}
	if err := c.ws.WriteJSON(m); err != nil {
		c.t.Fatal(err)
	}
}

// next is the next message, failing after timeout.
func (c *wsClient) next(timeout time.Duration) wsMessage {
	c.t.Helper()
	m, err := c.read(timeout)
	if err != nil {
		c.t.Fatalf("no message within %s: %v", timeout, err)
	}
	return m
}

var errNoMessage = errors.New("no message")

// read is the next message, or the error that ended the connection, or errNoMessage.
func (c *wsClient) read(timeout time.Duration) (wsMessage, error) {
	select {
	case m := <-c.messages:
		return m, nil
	case err := <-c.err:
		c.err <- err
		return wsMessage{}, err
	case <-time.After(timeout):
		return wsMessage{}, errNoMessage
	}
}

// subscribe subscribes and waits for the answer.
func (c *wsClient) subscribe(topic string, since *int64) {
	c.t.Helper()
	c.send("subscribe", topic, since)
	if m := c.next(5 * time.Second); m.Type != "subscribed" || m.Topic != topic {
		c.t.Fatalf("subscribe %s: got %+v", topic, m)
	}
}

// event is the next message, which must be an event of the given type.
func (c *wsClient) event(topic, event string) wsMessage {
	c.t.Helper()
	m := c.next(5 * time.Second)
	if m.Type != "event" || m.Topic != topic || m.Event != event {
		c.t.Fatalf("got %+v, want event %s on %s", m, event, topic)
	}
	return m
}

// quiet fails when a message arrives within d.
func (c *wsClient) quiet(d time.Duration) {
	c.t.Helper()
	if m, err := c.read(d); err == nil {
		c.t.Fatalf("unexpected message %+v", m)
	}
}

func meetupTopic(id int64) string { return fmt.Sprintf("meetup:%d", id) }

func TestASignUpThroughOneServerReachesAWebsocketOnAnother(t *testing.T) {
	t.Parallel()
	w := newWSWorld(t)
	topic := meetupTopic(w.meetup.ID)
	bob := dial(t, w.serverB, w.bobToken)
	bob.subscribe(topic, nil)

	w.signUp(w.serverA, w.annToken)
	m := bob.event(topic, "rsvp.changed")
	if m.Data["seats_taken"] != 1.0 || m.Data["seats_left"] != 1.0 || m.Data["capacity"] != 2.0 || m.Data["going"] != 1.0 {
		t.Fatalf("rsvp.changed data %v", m.Data)
	}
	if _, ok := m.Data["user_id"]; ok {
		t.Fatalf("the meetup's topic names who signed up: %v", m.Data)
	}

	// Shutting server B down closes the websocket with 1001, so the client goes elsewhere.
	w.appB.live.Close()
	_, err := bob.read(5 * time.Second)
	if !websocket.IsCloseError(err, websocket.CloseGoingAway) {
		t.Fatalf("at shutdown the client got %v, want close 1001", err)
	}
}

// Changes wake the servers' listeners themselves: with the once-a-second poll turned off, every
// kind of write still reaches clients on both servers (the one-statement sign-up, the
// cancellation's transaction that promotes, a comment).
func TestChangesReachBothServersWithoutThePoll(t *testing.T) {
	t.Parallel()
	noPoll := []func(*realtime.Options){func(o *realtime.Options) { o.PollInterval = time.Hour }}
	w := newWSWorldTuned(t, noPoll, noPoll)
	topic := meetupTopic(w.meetup.ID)
	onA, onB := dial(t, w.serverA, w.bobToken), dial(t, w.serverB, w.bobToken)
	onA.subscribe(topic, nil)
	onB.subscribe(topic, nil)
	notGoing := func(base, token string) {
		req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/meetups/%d/rsvp", base, w.meetup.ID), strings.NewReader(`{"status":"not_going"}`))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("not going: %v %v", resp, err)
		}
		resp.Body.Close()
	}
	for _, change := range []struct {
		event string
		do    func()
	}{
		{"rsvp.changed", func() { w.signUp(w.serverA, w.annToken) }},
		{"rsvp.changed", func() { w.signUp(w.serverB, w.bobToken) }},
		{"rsvp.changed", func() { notGoing(w.serverA, w.annToken) }},
		{"comment.created", func() { w.comment(w.bob, "Ik breng soep mee") }},
	} {
		change.do()
		onA.event(topic, change.event)
		onB.event(topic, change.event)
	}
}

func TestReconnectingWithSinceGetsExactlyTheMissedEventsInOrder(t *testing.T) {
	t.Parallel()
	w := newWSWorld(t)
	topic := meetupTopic(w.meetup.ID)
	first := dial(t, w.serverA, w.bobToken)
	first.subscribe(topic, nil)
	w.comment(w.ann, "Wie brengt soep mee?")
	seen := first.event(topic, "comment.created").ID
	first.ws.Close()

	// Missed while away: three comments; then, while the client reconnects to the other server,
	// a stream of sign-ups and comments goes on.
	for _, body := range []string{"Ik!", "Ik breng brood", "Tot vrijdag"} {
		w.comment(w.ann, body)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 30 {
			if _, err := models.CommentOnMeetup(context.Background(), w.db, w.ann, w.meetup.ID, fmt.Sprintf("nog %d", i)); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	again := dial(t, w.serverB, w.bobToken)
	again.subscribe(topic, &seen)
	<-done

	var want []int64
	if err := w.db.Raw("SELECT id FROM events WHERE topic = ? AND id > ? ORDER BY id", topic, seen).Scan(&want).Error; err != nil {
		t.Fatal(err)
	}
	if len(want) != 33 {
		t.Fatalf("%d events written, want 33", len(want))
	}
	var got []int64
	var bodies []string
	for range want {
		m := again.event(topic, "comment.created")
		got = append(got, m.ID)
		bodies = append(bodies, m.Data["body"].(string))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("after reconnecting got events %v, want %v", got, want)
	}
	if !slices.Equal(bodies[:3], []string{"Ik!", "Ik breng brood", "Tot vrijdag"}) {
		t.Fatalf("missed comments arrived as %q", bodies[:3])
	}
	again.quiet(300 * time.Millisecond)
}

func TestForbiddenSubscriptionsAreRefused(t *testing.T) {
	t.Parallel()
	w := newWSWorld(t)
	g, err := models.CreateGroup(t.Context(), w.db, w.ann, w.hood, models.GroupInput{Name: new("Naaiclub"), Membership: new(models.MembershipPrivate)})
	if err != nil {
		t.Fatal(err)
	}
	private := w.newMeetup(g, 0)
	bob := dial(t, w.serverA, w.bobToken)
	for _, topic := range []string{fmt.Sprintf("group:%d", g.ID), meetupTopic(private.ID), fmt.Sprintf("user:%d", w.ann.ID),
		fmt.Sprintf("meetup:%d:attendance", w.meetup.ID)} {
		bob.send("subscribe", topic, nil)
		if m := bob.next(5 * time.Second); m.Type != "error" || m.Code != "forbidden" || m.Topic != topic {
			t.Errorf("subscribe %s: got %+v, want forbidden", topic, m)
		}
	}
	bob.send("subscribe", "room:1", nil)
	if m := bob.next(5 * time.Second); m.Type != "error" || m.Code != "invalid" {
		t.Errorf("unknown topic: got %+v, want invalid", m)
	}
	bob.subscribe(fmt.Sprintf("user:%d", w.bob.ID), nil)
	// Nothing of the private group reaches bob.
	w.comment(w.ann, "niet voor bob")
	if _, err := models.CommentOnMeetup(t.Context(), w.db, w.ann, private.ID, "geheim"); err != nil {
		t.Fatal(err)
	}
	bob.quiet(300 * time.Millisecond)

	for _, c := range []struct {
		name   string
		token  string
		header http.Header
		status int
	}{
		{"nobody signed in", "", nil, 401},
		{"a revoked or unknown token", "nbj_nonsense", nil, 401},
		{"a page on another site", w.bobToken, http.Header{"Origin": {"https://evil.example"}}, 403},
	} {
		_, resp, err := dialWith(websocket.DefaultDialer, w.serverA, c.token, c.header)
		if err == nil || resp == nil || resp.StatusCode != c.status {
			t.Errorf("%s: %v %v, want %d", c.name, err, resp, c.status)
		}
	}
	// Programs that cannot set headers pass their token in the address.
	c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(w.serverA, "http")+"/ws?token="+w.bobToken, nil)
	if err != nil {
		t.Fatalf("token in the address: %v", err)
	}
	c.Close()
}

func TestLosingAccessEndsTheSubscription(t *testing.T) {
	t.Parallel()
	w := newWSWorld(t)
	g, err := models.CreateGroup(t.Context(), w.db, w.ann, w.hood, models.GroupInput{Name: new("Naaiclub"), Membership: new(models.MembershipPrivate)})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := models.InviteToGroup(t.Context(), w.db, w.ann, g.ID, w.bob.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := models.AnswerInvitation(t.Context(), w.db, w.bob, inv.ID, true); err != nil {
		t.Fatal(err)
	}
	private := w.newMeetup(g, 0)
	groupTopic, privateTopic, openTopic := fmt.Sprintf("group:%d", g.ID), meetupTopic(private.ID), meetupTopic(w.meetup.ID)
	bob := dial(t, w.serverB, w.bobToken)
	for _, topic := range []string{groupTopic, privateTopic, openTopic} {
		bob.subscribe(topic, nil)
	}

	if err := models.RemoveMember(t.Context(), w.db, w.ann, g.ID, w.bob.ID); err != nil {
		t.Fatal(err)
	}
	ended := map[string]bool{}
	for range 2 {
		m := bob.next(5 * time.Second)
		if m.Type != "error" || m.Code != "forbidden" {
			t.Fatalf("after removal got %+v, want the end of a subscription", m)
		}
		ended[m.Topic] = true
	}
	if !ended[groupTopic] || !ended[privateTopic] {
		t.Fatalf("subscriptions ended: %v, want %s and %s", ended, groupTopic, privateTopic)
	}
	// What happens in the group no longer reaches bob; the open meetup still does.
	if _, err := models.CommentOnMeetup(t.Context(), w.db, w.ann, private.ID, "zonder bob"); err != nil {
		t.Fatal(err)
	}
	w.comment(w.ann, "voor iedereen")
	if m := bob.event(openTopic, "comment.created"); m.Data["body"] != "voor iedereen" {
		t.Fatalf("got %v", m.Data)
	}
	bob.quiet(300 * time.Millisecond)
}

func TestEventsArriveInIdOrderAndNeverFromARolledBackTransaction(t *testing.T) {
	t.Parallel()
	w := newWSWorld(t)
	topic := meetupTopic(w.meetup.ID)
	bob := dial(t, w.serverA, w.bobToken)
	bob.subscribe(topic, nil)
	sqlDB := w.appB.db.SQL
	ctx := t.Context()

	// A transaction writes an event and stays open; a later one commits first. The later event
	// waits for the earlier one, which then rolls back: only the later one ever arrives.
	held, err := sqlDB.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := held.ExecContext(ctx, "INSERT INTO meetup_comments (meetup_id, author_id, body) VALUES ($1, $2, 'teruggedraaid')", w.meetup.ID, w.ann.ID); err != nil {
		t.Fatal(err)
	}
	w.comment(w.ann, "na de open transactie")
	bob.quiet(300 * time.Millisecond)
	if err := held.Rollback(); err != nil {
		t.Fatal(err)
	}
	if m := bob.event(topic, "comment.created"); m.Data["body"] != "na de open transactie" {
		t.Fatalf("got %v", m.Data)
	}

	// The same, but the earlier transaction commits: both arrive, earlier id first.
	held, err = sqlDB.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := held.ExecContext(ctx, "INSERT INTO meetup_comments (meetup_id, author_id, body) VALUES ($1, $2, 'eerst')", w.meetup.ID, w.ann.ID); err != nil {
		t.Fatal(err)
	}
	w.comment(w.ann, "daarna")
	bob.quiet(300 * time.Millisecond)
	if err := held.Commit(); err != nil {
		t.Fatal(err)
	}
	a, b := bob.event(topic, "comment.created"), bob.event(topic, "comment.created")
	if a.Data["body"] != "eerst" || b.Data["body"] != "daarna" || a.ID >= b.ID {
		t.Fatalf("got %d %v then %d %v", a.ID, a.Data["body"], b.ID, b.Data["body"])
	}
	bob.quiet(300 * time.Millisecond)
}

func TestASlowClientIsDroppedWithoutDelayingOthers(t *testing.T) {
	t.Parallel()
	// A write to the slow client blocks for as long as a minute: if that held up the others,
	// the reading client would wait that long. The bounded queue drops the slow one first.
	w := newWSWorld(t, func(o *realtime.Options) { o.WriteTimeout = time.Minute })
	topic := meetupTopic(w.meetup.ID)
	// The slow client never reads, with a small receive buffer so the server's writes soon block.
	small := &websocket.Dialer{NetDialContext: (&net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) { _ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
	}}).DialContext}
	slowConn, _, err := dialWith(small, w.serverA, w.annToken, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer slowConn.Close()
	if err := slowConn.WriteJSON(map[string]string{"type": "subscribe", "topic": topic}); err != nil {
		t.Fatal(err)
	}
	if _, answer, err := slowConn.ReadMessage(); err != nil || !strings.Contains(string(answer), `"subscribed"`) {
		t.Fatalf("slow client's subscribe: %s %v", answer, err)
	}
	fast := dial(t, w.serverA, w.bobToken)
	fast.subscribe(topic, nil)

	// 9 MB of events: more than the server's queue (1,024 messages) and the kernel's send buffer
	// (up to 4 MB here) hold together; 3,000 of them (6 MB) sometimes just fitted.
	const burst = 4500
	if err := w.db.Exec(`INSERT INTO meetup_comments (meetup_id, author_id, body)
		SELECT ?, ?, repeat('x', 1990) || g FROM generate_series(1, ?) g`, w.meetup.ID, w.ann.ID, burst).Error; err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for i := range burst {
		if m := fast.next(30 * time.Second); m.Event != "comment.created" {
			t.Fatalf("event %d: %+v", i, m)
		}
	}
	w.signUp(w.serverB, w.bobToken)
	fast.event(topic, "rsvp.changed")
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("the reading client took %s for the burst", d)
	}

	slow := reading(t, slowConn)
	got := 0
	for {
		m, err := slow.read(5 * time.Second)
		if err != nil {
			break
		}
		if m.Type == "event" {
			got++
		}
	}
	if got >= burst {
		t.Fatalf("the slow client got all %d events; it should have been dropped", got)
	}
	resp, err := http.Get(w.serverA + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	metrics, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(metrics), "nabij_ws_clients_dropped_slow_total 1\n") {
		t.Fatalf("metrics do not count one slow client dropped:\n%s", grepLines(string(metrics), "nabij_ws"))
	}
}

// grepLines are the lines of s that contain substr.
func grepLines(s, substr string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestABrowserSessionFollowsAndSigningOutEndsIt(t *testing.T) {
	t.Parallel()
	w := newWSWorld(t)
	cookie, _, err := models.NewSession(t.Context(), w.db, w.bob.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	header := http.Header{"Cookie": {sessionCookie + "=" + cookie}, "Origin": {w.serverA}}
	conn, resp, err := dialWith(websocket.DefaultDialer, w.serverA, "", header)
	if err != nil {
		t.Fatalf("dial with a session: %v %v", err, resp)
	}
	t.Cleanup(func() { conn.Close() })
	bob := reading(t, conn)
	own, topic := fmt.Sprintf("user:%d", w.bob.ID), meetupTopic(w.meetup.ID)
	bob.subscribe(own, nil)
	bob.subscribe(topic, nil)

	if err := models.EndSession(t.Context(), w.db, cookie); err != nil {
		t.Fatal(err)
	}
	ended := map[string]bool{}
	for range 2 {
		if m := bob.next(5 * time.Second); m.Type == "error" && m.Code == "forbidden" {
			ended[m.Topic] = true
		} else {
			t.Fatalf("after signing out got %+v", m)
		}
	}
	if !ended[own] || !ended[topic] {
		t.Fatalf("ended %v, want both subscriptions", ended)
	}
	w.comment(w.ann, "niet meer voor bob")
	bob.quiet(300 * time.Millisecond)
}
