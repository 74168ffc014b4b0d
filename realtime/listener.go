package realtime

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Following the events table in id order.
//
// Ids are drawn from a sequence when an event is written, but transactions commit in another
// order: a reader may see event 12 committed while 11 is still in flight, and must neither skip
// 11 for ever nor send it after 12. emit_event (migrations/0005_events.sql) takes a shared
// advisory lock, held until its transaction ends, before it draws an id. So when the reader finds
// a hole below a visible event, every transaction that could still fill it holds that lock at
// that moment: the reader notes them (pg_locks), goes on sending only up to the hole, and once
// all of them have ended, the ids it had seen are final, each either visible or never to be (a
// rollback, or a sequence value lost). Holes are rare and short: only transactions that write
// events are waited for, never unrelated long ones, and those are the application's own short
// ones (the wait is usually that of a commit; one left open by hand would hold up everything
// after it, and is logged).
//
// Every running server does this on its own connection, so each sends the same events in the
// same order, and "every event up to id N" means the same on all of them: a client can reconnect
// anywhere with since.
//
// What wakes a listener: its own server's commits (Wake, through WakeOnCommit), at once; a NOTIFY
// from another server's listener, which rings one after each wake of its own; and a poll once a
// second, for changes made by other programs. Changes never NOTIFY inside their own transaction:
// that serialises commits (migrations/0006_events_wake_after_commit.sql).

// listenerName is the listener's application_name, to find it in pg_stat_activity.
const listenerName = "nabij live updates"

const (
	pageSize      = 1000
	probeWait     = 5 * time.Millisecond
	purgeInterval = 10 * time.Minute
	purgeBatch    = 10000
)

// cursor is how far the listener got.
type cursor struct {
	last   int64  // every event up to here is final and published
	final  int64  // every id up to here is final, visible or not (at least last)
	probe  *probe // a hole is being waited for
	purged time.Time
}

// probe is a hole's wait: the transactions that held the emit lock just after the events up to
// upTo were read.
type probe struct {
	holders []string // pg_locks.virtualtransaction
	upTo    int64
	since   time.Time
	warned  bool
}

// probeWarn is how long a hole may last before the wait is logged.
const probeWarn = 10 * time.Second

// listen follows the events until ctx ends, connecting again (with backoff) when the connection
// is lost; the cursor survives, so the new connection first catches up on what it missed.
func (h *Hub) listen(ctx context.Context) {
	defer close(h.stopped)
	backoff := 100 * time.Millisecond
	for {
		err := h.follow(ctx)
		if ctx.Err() != nil {
			return
		}
		h.m.reconnects.Inc()
		h.log.Warn("live updates: lost the database connection for events; reconnecting", "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		if backoff = 2 * backoff; backoff > 5*time.Second {
			backoff = 5 * time.Second
		}
	}
}

// follow runs one connection: LISTEN, catch up, then read after every notification.
func (h *Hub) follow(ctx context.Context) error {
	cfg, err := pgx.ParseConfig(h.opt.DSN)
	if err != nil {
		return err
	}
	cfg.RuntimeParams["application_name"] = listenerName
	// This connection writes only NOTIFYs for other servers and purges of old events; a crash may
	// lose one of those and nothing else, so its commits need not wait for the disk.
	cfg.RuntimeParams["synchronous_commit"] = "off"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		conn.Close(cctx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN nabij_events"); err != nil {
		return err
	}
	if !h.started() {
		if err := h.begin(ctx, conn); err != nil {
			return err
		}
	}
	for {
		if err := h.catchUp(ctx, conn); err != nil {
			return err
		}
		if time.Since(h.cur.purged) > purgeInterval {
			if err := purge(ctx, conn, h.opt.Retention); err != nil {
				return err
			}
			h.cur.purged = time.Now()
		}
		wait := h.opt.PollInterval
		if h.cur.probe != nil {
			wait = probeWait
		}
		local, err := h.await(ctx, conn, wait)
		if err != nil {
			return err
		}
		if local {
			// This server committed something: wake the others, before reading it here, so
			// that they read at the same time. Their reads come after our commit, so they see it.
			if _, err := conn.Exec(ctx, "SELECT pg_notify('nabij_events', '')"); err != nil {
				return fmt.Errorf("wake the other servers: %w", err)
			}
		}
	}
}

// await waits up to wait for a notification from another server or a Wake from this one, and
// reports whether it was the latter. A timeout is no error.
func (h *Hub) await(ctx context.Context, conn *pgx.Conn, wait time.Duration) (bool, error) {
	wctx, cancel := context.WithTimeout(ctx, wait)
	local := false
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		select {
		case <-h.wake:
			local = true
			cancel()
		case <-wctx.Done():
		}
	}()
	var err error
	for {
		var n *pgconn.Notification
		// Our own NOTIFY comes back to us too; we have read what it announces already.
		if n, err = conn.WaitForNotification(wctx); err != nil || n.PID != conn.PgConn().PID() {
			break
		}
	}
	cancel()
	<-watched
	switch {
	case ctx.Err() != nil:
		return false, ctx.Err()
	case local, err == nil, pgconn.Timeout(err):
		// A wait cut short by a wake or the timer leaves the connection as it was.
		return local, nil
	}
	return false, err
}

func (h *Hub) started() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ready
}

// begin sets the cursor at the newest event, once every event up to it is final: clients of
// this server get what comes after.
func (h *Hub) begin(ctx context.Context, conn *pgx.Conn) error {
	var newest int64
	if err := conn.QueryRow(ctx, "SELECT coalesce(max(id), 0) FROM events").Scan(&newest); err != nil {
		return fmt.Errorf("read the newest event: %w", err)
	}
	holders, err := emitters(ctx, conn)
	if err != nil {
		return err
	}
	for len(holders) > 0 {
		ended, err := emittersEnded(ctx, conn, holders)
		if err != nil {
			return err
		}
		if ended {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(probeWait):
		}
	}
	h.cur.last, h.cur.final = newest, newest
	h.publish(nil, newest)
	return nil
}

// catchUp reads and publishes events until none is left that may be sent yet.
func (h *Hub) catchUp(ctx context.Context, conn *pgx.Conn) error {
	for {
		more, err := h.step(ctx, conn)
		if err != nil || !more {
			return err
		}
	}
}

// step reads one page of events after the cursor and publishes those before the first hole that
// is not known to be final. It reports whether another step may get further at once.
func (h *Hub) step(ctx context.Context, conn *pgx.Conn) (bool, error) {
	f := &h.cur
	// The probe is checked before reading: once its transactions have ended, the read that
	// follows sees every event up to probe.upTo that will ever exist.
	if f.probe != nil {
		ended, err := emittersEnded(ctx, conn, f.probe.holders)
		if err != nil {
			return false, err
		}
		if ended {
			f.final, f.probe = max(f.final, f.probe.upTo), nil
		} else if !f.probe.warned && time.Since(f.probe.since) > probeWarn {
			f.probe.warned = true
			h.log.Warn("live updates wait for transactions that wrote events and have not ended",
				"virtual_transactions", f.probe.holders, "after_event", f.last)
		}
	}
	events, err := readEvents(ctx, conn, f.last, pageSize)
	if err != nil {
		return false, err
	}
	sendable, hole := 0, false
	for _, e := range events {
		if e.ID > f.last+1 && e.ID > f.final && f.final > f.last {
			f.last = f.final // the ids in between are final and not there: holes for good
		}
		if e.ID != f.last+1 && e.ID > f.final {
			hole = true
			break
		}
		f.last = e.ID
		sendable++
	}
	full := len(events) == pageSize
	if !hole && !full && f.final > f.last {
		f.last = f.final
	}
	h.publish(events[:sendable], f.last)
	if !hole || f.probe != nil {
		return full && !hole, nil
	}
	holders, err := emitters(ctx, conn)
	if err != nil {
		return false, err
	}
	f.probe = &probe{holders: holders, upTo: events[len(events)-1].ID, since: time.Now()}
	return len(holders) == 0, nil
}

func readEvents(ctx context.Context, conn *pgx.Conn, after int64, limit int) ([]Event, error) {
	rows, err := conn.Query(ctx, "SELECT id, topic, type, data, created_at FROM events WHERE id > $1 ORDER BY id LIMIT $2", after, limit)
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	events, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Event, error) {
		var e Event
		err := r.Scan(&e.ID, &e.Topic, &e.Type, &e.Data, &e.Created)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	return events, nil
}

// emitLockHolders selects the holders of emit_event's lock, 7412005: pg_locks shows a bigint key
// as classid (high half), objid (low half) and objsubid 1.
const emitLockHolders = `FROM pg_locks WHERE locktype = 'advisory' AND classid = 0 AND objid = 7412005 AND objsubid = 1
	AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`

// emitters are the transactions that hold emit_event's lock now.
func emitters(ctx context.Context, conn *pgx.Conn) ([]string, error) {
	var holders []string
	err := conn.QueryRow(ctx, "SELECT coalesce(array_agg(virtualtransaction), '{}') "+emitLockHolders).Scan(&holders)
	if err != nil {
		return nil, fmt.Errorf("list transactions writing events: %w", err)
	}
	return holders, nil
}

// emittersEnded reports whether all of the given transactions have ended.
func emittersEnded(ctx context.Context, conn *pgx.Conn, holders []string) (bool, error) {
	var ended bool
	err := conn.QueryRow(ctx, "SELECT NOT EXISTS (SELECT 1 "+emitLockHolders+" AND virtualtransaction = ANY($1))", holders).Scan(&ended)
	if err != nil {
		return false, fmt.Errorf("check transactions writing events: %w", err)
	}
	return ended, nil
}

// purge deletes the events older than retention, in batches, and records how far it went.
// Several servers may purge at once; they only wait for each other's rows.
func purge(ctx context.Context, conn *pgx.Conn, retention time.Duration) error {
	for range 100 {
		var n int
		err := conn.QueryRow(ctx, `WITH gone AS (
				DELETE FROM events WHERE id IN (SELECT id FROM events WHERE created_at < clock_timestamp() - make_interval(secs => $1)
					ORDER BY id LIMIT $2)
				RETURNING id
			), horizon AS (
				UPDATE event_horizon SET purged_through = greatest(purged_through, (SELECT max(id) FROM gone))
				WHERE EXISTS (SELECT 1 FROM gone)
			)
			SELECT count(*) FROM gone`, retention.Seconds(), purgeBatch).Scan(&n)
		if err != nil {
			return fmt.Errorf("purge old events: %w", err)
		}
		if n < purgeBatch {
			break
		}
	}
	return nil
}

// missed reads the events of topic after since up to upTo, for a client that reconnects. It
// reports incomplete (and returns none) when some may be gone already, or when there are more
// than MaxReplay: the client then reloads instead. The horizon and the events come from one
// statement, so one snapshot: a purge cannot slip in between.
func (h *Hub) missed(ctx context.Context, topic string, since, upTo int64) ([]Event, bool, error) {
	rows, err := h.opt.DB.QueryContext(ctx, `SELECT h.purged_through, e.id, e.type, e.data, e.created_at
		FROM event_horizon h LEFT JOIN LATERAL (
			SELECT id, type, data, created_at FROM events WHERE topic = $1 AND id > $2 AND id <= $3 ORDER BY id LIMIT $4
		) e ON true ORDER BY e.id`, topic, since, upTo, h.opt.MaxReplay+1)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	var events []Event
	var horizon int64
	for rows.Next() {
		var id *int64
		var typ *string
		var data []byte
		var created *time.Time
		if err := rows.Scan(&horizon, &id, &typ, &data, &created); err != nil {
			return nil, false, err
		}
		if id != nil {
			events = append(events, Event{ID: *id, Topic: topic, Type: *typ, Data: data, Created: *created})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	if since < horizon || len(events) > h.opt.MaxReplay {
		return nil, false, nil
	}
	return events, true, nil
}
