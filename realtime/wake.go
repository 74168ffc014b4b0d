package realtime

import (
	"context"
	"strings"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
)

// WakeOnCommit is a pgx tracer for the application's connection pool. Every statement that leaves
// its connection outside a transaction after writing wakes the attached hub, so events reach
// clients a moment after their commit without a NOTIFY in the change's transaction
// (migrations/0006_events_wake_after_commit.sql says why). Writing is a COMMIT, or a statement
// on its own whose tag says it wrote or whose text has INSERT, UPDATE or DELETE in it (the
// one-statement sign-ups are a SELECT over data-modifying WITH clauses). Reads never wake it. A
// write the tracer cannot see (a function with side effects called in a lone SELECT, another
// program) is still found by the listener's poll within a second.
type WakeOnCommit struct{ hub atomic.Pointer[Hub] }

// Attach sets the hub to wake; before it, commits wake nobody.
func (w *WakeOnCommit) Attach(h *Hub) { w.hub.Store(h) }

// writesKey marks, in a query's context, a statement outside a transaction that writes.
type writesKey struct{}

// TraceQueryStart notes a statement on its own that writes.
func (w *WakeOnCommit) TraceQueryStart(ctx context.Context, conn *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	if conn.PgConn().TxStatus() == 'I' && writes(data.SQL) {
		return context.WithValue(ctx, writesKey{}, true)
	}
	return ctx
}

// TraceQueryEnd wakes the hub after a committed write.
func (w *WakeOnCommit) TraceQueryEnd(ctx context.Context, conn *pgx.Conn, data pgx.TraceQueryEndData) {
	if data.Err != nil || conn.PgConn().TxStatus() != 'I' {
		return
	}
	tag := data.CommandTag
	if tag.String() != "COMMIT" && !tag.Insert() && !tag.Update() && !tag.Delete() && ctx.Value(writesKey{}) == nil {
		return
	}
	if h := w.hub.Load(); h != nil {
		h.Wake()
	}
}

// writes says whether SQL text may change data. Nabij writes its SQL keywords in capitals, as
// GORM does; a column such as updated_at does not count. A false yes costs one cheap read.
func writes(sql string) bool {
	return strings.Contains(sql, "INSERT") || strings.Contains(sql, "UPDATE") || strings.Contains(sql, "DELETE")
}
