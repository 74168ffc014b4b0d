package models

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
)

// queryGeneric runs one read on a connection of db's pool with PostgreSQL's generic plan of the
// statement, and hands its rows to scan. Statements are prepared once per connection, but
// PostgreSQL plans a prepared statement again at every execution when that plan looks a little
// cheaper for the values at hand: for the meetup lists with their visibility conditions, and the
// token lookup, the planning took longer than the query. Setting plan_cache_mode for the
// transaction in the same pipeline (one round trip, one implicit transaction) keeps it to this
// one statement; set_config rather than SET LOCAL, which warns outside BEGIN ... COMMIT.
// db must be the pool, not a transaction.
func queryGeneric(ctx context.Context, db *gorm.DB, scan func(pgx.Rows) error, query string, args ...any) error {
	sqlDB, ok := db.Statement.ConnPool.(*sql.DB)
	if !ok {
		return fmt.Errorf("queryGeneric runs on the pool, not in a %T", db.Statement.ConnPool)
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(driverConn any) error {
		dc, ok := driverConn.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("database driver is %T, not pgx", driverConn)
		}
		b := &pgx.Batch{}
		b.Queue("SELECT set_config('plan_cache_mode', 'force_generic_plan', true)")
		b.Queue(query, args...)
		br := dc.Conn().SendBatch(ctx, b)
		if _, err := br.Exec(); err != nil {
			br.Close()
			return err
		}
		rows, err := br.Query()
		if err == nil {
			err = scan(rows)
			rows.Close()
			if err == nil {
				err = rows.Err()
			}
		}
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		return err
	})
}
