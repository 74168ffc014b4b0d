// Package migrations holds Nabij's schema as append-only, numbered SQL files and applies them.
//
// Each file NNNN_name.sql runs in its own transaction, and its version is recorded in that same
// transaction, so a failed migration leaves nothing behind. Files are never edited once released:
// a change to the schema is a new file. Migrations never import the Go models.
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

//go:embed *.sql
var files embed.FS

// lockKey serialises migrations between Nabij instances starting at the same time.
const lockKey = 7_412_001

// ErrPending means the schema is older than this Nabij and migrations were not to be applied.
var ErrPending = errors.New("database schema is not current")

// ErrTooNew means the database was migrated by a newer Nabij than this one.
var ErrTooNew = errors.New("database schema is newer than this Nabij")

// Migration is one versioned SQL file.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// All returns the embedded migrations in version order.
func All() ([]Migration, error) { return load(files) }

func load(fsys fs.FS) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	var out []Migration
	seen := map[int]string{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration file %q must be named NNNN_description.sql", e.Name())
		}
		if other, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %q and %q share version %d", other, e.Name(), v)
		}
		seen[v] = e.Name()
		body, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: e.Name(), SQL: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// Runner applies a set of migrations to one database.
type Runner struct {
	db   *sql.DB
	list []Migration
}

// New returns a runner for the embedded migrations.
func New(db *sql.DB) (*Runner, error) {
	list, err := All()
	if err != nil {
		return nil, err
	}
	return &Runner{db: db, list: list}, nil
}

// NewFromFS returns a runner for the migrations in fsys (used by tests of the runner itself).
func NewFromFS(db *sql.DB, fsys fs.FS) (*Runner, error) {
	list, err := load(fsys)
	if err != nil {
		return nil, err
	}
	return &Runner{db: db, list: list}, nil
}

// Latest is the highest version this binary knows.
func (r *Runner) Latest() int {
	if len(r.list) == 0 {
		return 0
	}
	return r.list[len(r.list)-1].Version
}

// Current returns the highest version recorded in the database (0 for an empty database).
func (r *Runner) Current(ctx context.Context) (int, error) {
	return current(ctx, r.db)
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func current(ctx context.Context, q queryer) (int, error) {
	var exists bool
	if err := q.QueryRowContext(ctx, "SELECT to_regclass('schema_migrations') IS NOT NULL").Scan(&exists); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	if !exists {
		return 0, nil
	}
	var v int
	if err := q.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}

// Check returns nil when the schema is exactly current, ErrPending or ErrTooNew (wrapped with
// what to do) otherwise.
func (r *Runner) Check(ctx context.Context) error {
	cur, err := r.Current(ctx)
	if err != nil {
		return err
	}
	return r.compare(cur)
}

func (r *Runner) compare(cur int) error {
	switch latest := r.Latest(); {
	case cur > latest:
		return fmt.Errorf("%w: the database is at version %d, this Nabij knows versions up to %d; run a newer Nabij or point DATABASE_URL at another database",
			ErrTooNew, cur, latest)
	case cur < latest:
		return fmt.Errorf("%w: the database is at version %d and this Nabij needs version %d; start once with NABIJ_MIGRATE=on (the default) to apply the migrations",
			ErrPending, cur, latest)
	}
	return nil
}

// Apply runs every migration newer than the database, each in its own transaction, and returns
// how many ran. It refuses a database newer than this binary.
func (r *Runner) Apply(ctx context.Context) (int, error) {
	conn, err := r.db.Conn(ctx)
	if err != nil {
		return 0, fmt.Errorf("connect for migrations: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", lockKey); err != nil {
		return 0, fmt.Errorf("lock for migrations: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", lockKey)

	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer PRIMARY KEY,
		name       text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return 0, fmt.Errorf("create schema_migrations: %w", err)
	}
	cur, err := current(ctx, conn)
	if err != nil {
		return 0, err
	}
	if cur > r.Latest() {
		return 0, r.compare(cur)
	}
	applied := 0
	for _, m := range r.list {
		if m.Version <= cur {
			continue
		}
		if err := applyOne(ctx, conn, m); err != nil {
			return applied, err
		}
		applied++
	}
	return applied, nil
}

func applyOne(ctx context.Context, conn *sql.Conn, m Migration) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migration %s: %w", m.Name, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return fmt.Errorf("migration %s failed: %w", m.Name, err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.Version, m.Name); err != nil {
		return fmt.Errorf("record migration %s: %w", m.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit migration %s: %w", m.Name, err)
	}
	return nil
}
