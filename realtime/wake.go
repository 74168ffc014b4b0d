package realtime

import (
	"context"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
)

// WakeOnCommit is a pgx tracer for the application's connection pool. Every statement that leaves
// its connection outside a transaction after writing (a COMMIT, or an INSERT, UPDATE or DELETE of
// its own) wakes the attached hub, so events reach clients a moment after their commit without a
// NOTIFY in the change's transaction (migrations/0006_events_wake_after_commit.sql says why).
// Reads never wake it. A write the tracer cannot see (a function with side effects called in a
// lone SELECT, another program) is still found by the listener's poll within a second.
type WakeOnCommit struct{ hub atomic.Pointer[Hub] }

// Attach sets the hub to wake; before it, commits wake nobody.
func (w *WakeOnCommit) Attach(h *Hub) { w.hub.Store(h) }

// TraceQueryStart is part of pgx.QueryTracer; only the end matters.
func (w *WakeOnCommit) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	return ctx
}

// TraceQueryEnd wakes the hub after a committed write.
func (w *WakeOnCommit) TraceQueryEnd(_ context.Context, conn *pgx.Conn, data pgx.TraceQueryEndData) {
	if data.Err != nil || conn.PgConn().TxStatus() != 'I' {
		return
	}
	tag := data.CommandTag
	if !tag.Insert() && !tag.Update() && !tag.Delete() && tag.String() != "COMMIT" {
		return
	}
	if h := w.hub.Load(); h != nil {
		h.Wake()
	}
}
