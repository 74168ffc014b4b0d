package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"nabij/migrations"
	"nabij/realtime"
	"nabij/server/pgcluster"
)

// database is the connection pool plus, when Nabij runs its own PostgreSQL, that cluster.
type database struct {
	SQL     *sql.DB
	Gorm    *gorm.DB
	DSN     string
	cluster *pgcluster.Cluster
	// Commits through the pool wake the live updates at once (newApp attaches the hub).
	wake *realtime.WakeOnCommit
}

// openDatabase connects to DATABASE_URL, or starts the private cluster when it is unset, and then
// applies or checks the migrations.
func openDatabase(ctx context.Context, cfg config, log *slog.Logger) (*database, error) {
	d := &database{DSN: cfg.DatabaseURL}
	if d.DSN == "" {
		c, err := pgcluster.Start(ctx, pgcluster.Options{Dir: cfg.DataDir, Logger: log})
		if err != nil {
			return nil, err
		}
		d.cluster = c
		d.DSN = c.DSN("nabij")
	}
	if err := d.connect(ctx); err != nil {
		d.Close()
		return nil, err
	}
	if err := d.migrate(ctx, cfg.Migrate, log); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

func (d *database) connect(ctx context.Context) error {
	pc, err := pgx.ParseConfig(d.DSN)
	if err != nil {
		return fmt.Errorf("DATABASE_URL is not a valid PostgreSQL address: %w", err)
	}
	d.wake = &realtime.WakeOnCommit{}
	pc.Tracer = d.wake
	db := stdlib.OpenDB(*pc)
	db.SetMaxOpenConns(40)
	db.SetMaxIdleConns(40)
	db.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return fmt.Errorf("cannot reach the database (check DATABASE_URL and that PostgreSQL runs): %w", err)
	}
	g, err := openGorm(db)
	if err != nil {
		db.Close()
		return err
	}
	d.SQL, d.Gorm = db, g
	return nil
}

// openGorm wraps an existing pool; the schema comes from the migrations, never from AutoMigrate.
func openGorm(db *sql.DB) (*gorm.DB, error) {
	g, err := gorm.Open(postgres.New(postgres.Config{Conn: db}), &gorm.Config{
		TranslateError:         true,
		SkipDefaultTransaction: true,
		Logger:                 logger.Discard,
		NowFunc:                func() time.Time { return time.Now().UTC() },
	})
	if err != nil {
		return nil, fmt.Errorf("open gorm: %w", err)
	}
	return g, nil
}

func (d *database) migrate(ctx context.Context, apply bool, log *slog.Logger) error {
	r, err := migrations.New(d.SQL)
	if err != nil {
		return err
	}
	if !apply {
		return r.Check(ctx)
	}
	n, err := r.Apply(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		log.Info("applied migrations", "count", n, "version", r.Latest())
	}
	return nil
}

// Ready reports whether the database answers and its schema is the one this binary expects.
func (d *database) Ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := d.SQL.PingContext(ctx); err != nil {
		return errDatabaseDown
	}
	r, err := migrations.New(d.SQL)
	if err != nil {
		return err
	}
	if err := r.Check(ctx); err != nil {
		if errors.Is(err, migrations.ErrPending) || errors.Is(err, migrations.ErrTooNew) {
			return errSchemaNotCurrent
		}
		return errDatabaseDown
	}
	return nil
}

var (
	errDatabaseDown     = errors.New("database unreachable")
	errSchemaNotCurrent = errors.New("database schema not current")
)

// Close closes the pool and stops the private cluster, if any.
func (d *database) Close() {
	if d.SQL != nil {
		d.SQL.Close()
	}
	if d.cluster != nil {
		d.cluster.Stop()
	}
}
