package migrations_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"testing"
	"testing/fstest"

	"nabij/migrations"
	"nabij/server/testdb"
)

func TestMain(m *testing.M) { os.Exit(testdb.Main(m)) }

func open(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", testdb.Empty(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func versions(t *testing.T, db *sql.DB) []int {
	t.Helper()
	rows, err := db.Query("SELECT version FROM schema_migrations ORDER BY applied_at, version")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

func TestApplyRunsMigrationsInVersionOrderAndRecordsEach(t *testing.T) {
	t.Parallel()
	db := open(t)
	fsys := fstest.MapFS{
		// Map iteration order must not matter: 10 needs the table from 2.
		"0010_add_column.sql": {Data: []byte("ALTER TABLE things ADD COLUMN colour text;")},
		"0002_things.sql":     {Data: []byte("CREATE TABLE things (id int PRIMARY KEY);")},
		"README.txt":          {Data: []byte("not a migration")},
	}
	r, err := migrations.NewFromFS(db, fsys)
	if err != nil {
		t.Fatal(err)
	}
	n, err := r.Apply(context.Background())
	if err != nil || n != 2 {
		t.Fatalf("Apply = %d, %v; want 2 applied", n, err)
	}
	if got := versions(t, db); len(got) != 2 || got[0] != 2 || got[1] != 10 {
		t.Fatalf("recorded versions %v, want [2 10]", got)
	}
	if _, err := db.Exec("INSERT INTO things (id, colour) VALUES (1, 'green')"); err != nil {
		t.Fatalf("schema not built: %v", err)
	}
	n, err = r.Apply(context.Background())
	if err != nil || n != 0 {
		t.Fatalf("second Apply = %d, %v; want nothing to do", n, err)
	}
	if err := r.Check(context.Background()); err != nil {
		t.Fatalf("Check after Apply: %v", err)
	}
}

func TestFailedMigrationLeavesNoTraceAndStopsLaterOnes(t *testing.T) {
	t.Parallel()
	db := open(t)
	fsys := fstest.MapFS{
		"0001_ok.sql":     {Data: []byte("CREATE TABLE a (id int);")},
		"0002_broken.sql": {Data: []byte("CREATE TABLE b (id int); SELECT no_such_function();")},
		"0003_later.sql":  {Data: []byte("CREATE TABLE c (id int);")},
	}
	r, _ := migrations.NewFromFS(db, fsys)
	if _, err := r.Apply(context.Background()); err == nil {
		t.Fatal("Apply succeeded with a broken migration")
	}
	if got := versions(t, db); len(got) != 1 || got[0] != 1 {
		t.Fatalf("recorded versions %v, want only [1]", got)
	}
	var b, c bool
	db.QueryRow("SELECT to_regclass('b') IS NOT NULL, to_regclass('c') IS NOT NULL").Scan(&b, &c)
	if b || c {
		t.Fatalf("tables from the failed or later migration exist: b=%v c=%v", b, c)
	}
}

func TestCheckReportsPendingMigrations(t *testing.T) {
	t.Parallel()
	db := open(t)
	r, err := migrations.New(db)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Check(context.Background()); !errors.Is(err, migrations.ErrPending) {
		t.Fatalf("Check on an empty database = %v, want ErrPending", err)
	}
}

func TestNewerSchemaIsRefused(t *testing.T) {
	t.Parallel()
	db := open(t)
	r, _ := migrations.New(db)
	if _, err := r.Apply(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("INSERT INTO schema_migrations (version, name) VALUES ($1, 'from_the_future.sql')", r.Latest()+1); err != nil {
		t.Fatal(err)
	}
	if err := r.Check(context.Background()); !errors.Is(err, migrations.ErrTooNew) {
		t.Fatalf("Check = %v, want ErrTooNew", err)
	}
	if _, err := r.Apply(context.Background()); !errors.Is(err, migrations.ErrTooNew) {
		t.Fatalf("Apply = %v, want ErrTooNew", err)
	}
}

func TestMisnamedMigrationFileIsAnError(t *testing.T) {
	t.Parallel()
	if _, err := migrations.NewFromFS(nil, fstest.MapFS{"add_users.sql": {Data: []byte("SELECT 1")}}); err == nil {
		t.Fatal("a file without a version number was accepted")
	}
	dup := fstest.MapFS{"0001_a.sql": {Data: []byte("SELECT 1")}, "0001_b.sql": {Data: []byte("SELECT 1")}}
	if _, err := migrations.NewFromFS(nil, dup); err == nil {
		t.Fatal("two files with one version were accepted")
	}
}

func TestConcurrentStartsApplyEachMigrationOnce(t *testing.T) {
	t.Parallel()
	db := open(t)
	errs := make(chan error, 4)
	for i := 0; i < 4; i++ {
		go func() {
			r, _ := migrations.New(db)
			_, err := r.Apply(context.Background())
			errs <- err
		}()
	}
	for i := 0; i < 4; i++ {
		if err := <-errs; err != nil {
			t.Fatalf("concurrent Apply: %v", err)
		}
	}
	all, _ := migrations.All()
	if got := versions(t, db); len(got) != len(all) {
		t.Fatalf("recorded versions %v, want one per migration (%d)", got, len(all))
	}
	var n int
	db.QueryRow("SELECT count(*) - count(DISTINCT version) FROM schema_migrations").Scan(&n)
	if n != 0 {
		t.Fatalf("%d migrations recorded twice", n)
	}
}
