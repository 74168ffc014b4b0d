// Package testdb gives every test its own fresh PostgreSQL database, built by the real migrations.
//
// The first test of a test binary that asks for a database creates a migrated template database;
// each test then gets a cheap copy of it (CREATE DATABASE ... TEMPLATE), dropped when the test ends.
// The server is TEST_DATABASE_URL when set, otherwise a private cluster started in a temporary
// directory for this test binary (the same mechanism `go run ./server` uses). Tests never skip.
package testdb

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"nabij/migrations"
	"nabij/server/pgcluster"
)

type server struct {
	adminDSN string              // a database on the server we may connect to for CREATE DATABASE
	dsnFor   func(string) string // DSN of a named database on that server
	template string
	cluster  *pgcluster.Cluster
	tmpDir   string
}

var (
	once     sync.Once
	shared   *server
	setupErr error
)

// Main runs the tests of a package and stops the private cluster afterwards. Use it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(testdb.Main(m)) }
func Main(m *testing.M) int {
	code := m.Run()
	if shared != nil && shared.cluster != nil {
		_ = shared.cluster.Stop()
		_ = os.RemoveAll(shared.tmpDir)
	}
	return code
}

// DSN returns the connection string of a new, fully migrated database for this test only.
func DSN(t testing.TB) string {
	t.Helper()
	once.Do(func() { shared, setupErr = setup() })
	if setupErr != nil {
		t.Fatalf("test database: %v", setupErr)
	}
	name := "test_" + randomHex(8)
	admin, err := sql.Open("pgx", shared.adminDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, shared.template)); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", shared.adminDSN)
		if err != nil {
			return
		}
		defer admin.Close()
		_, _ = admin.Exec(fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name))
	})
	return shared.dsnFor(name)
}

// Open returns a *sql.DB on a new, fully migrated database for this test only.
func Open(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Empty returns the connection string of a new database with no schema at all, for tests that
// migrate it themselves (the migration runner's own tests).
func Empty(t testing.TB) string {
	t.Helper()
	once.Do(func() { shared, setupErr = setup() })
	if setupErr != nil {
		t.Fatalf("test database: %v", setupErr)
	}
	name := "empty_" + randomHex(8)
	admin, err := sql.Open("pgx", shared.adminDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create empty database: %v", err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", shared.adminDSN)
		if err == nil {
			_, _ = admin.Exec(fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name))
			admin.Close()
		}
	})
	return shared.dsnFor(name)
}

func setup() (*server, error) {
	s := &server{}
	if url := os.Getenv("TEST_DATABASE_URL"); url != "" {
		s.adminDSN = url
		s.dsnFor = func(name string) string { return withDatabase(url, name) }
	} else {
		dir, err := os.MkdirTemp("", "nabij-test-")
		if err != nil {
			return nil, err
		}
		if err := os.Chmod(dir, 0o755); err != nil {
			return nil, err
		}
		c, err := pgcluster.Start(context.Background(), pgcluster.Options{Dir: dir + "/pg", Fast: true})
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		s.cluster, s.tmpDir = c, dir
		s.adminDSN = c.DSN("postgres")
		s.dsnFor = c.DSN
	}
	tmpl, err := s.ensureTemplate()
	if err != nil {
		return nil, err
	}
	s.template = tmpl
	return s, nil
}

// ensureTemplate creates the migrated template database once per set of migrations. Its name
// carries a hash of the migrations, so a changed migration gets a new template, and concurrent
// test binaries on one server (TEST_DATABASE_URL) take turns under an advisory lock.
func (s *server) ensureTemplate() (string, error) {
	list, err := migrations.All()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, m := range list {
		fmt.Fprintf(h, "%s\n%s\n", m.Name, m.SQL)
	}
	name := "nabij_tmpl_" + hex.EncodeToString(h.Sum(nil))[:16]

	ctx := context.Background()
	admin, err := sql.Open("pgx", s.adminDSN)
	if err != nil {
		return "", err
	}
	defer admin.Close()
	conn, err := admin.Conn(ctx)
	if err != nil {
		return "", fmt.Errorf("connect to test server: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(7412002)"); err != nil {
		return "", err
	}
	defer conn.ExecContext(ctx, "SELECT pg_advisory_unlock(7412002)")

	var exists bool
	if err := conn.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	building := name + "_build"
	_, _ = conn.ExecContext(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", building))
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+building); err != nil {
		return "", fmt.Errorf("create template database: %w", err)
	}
	db, err := sql.Open("pgx", s.dsnFor(building))
	if err != nil {
		return "", err
	}
	r, err := migrations.New(db)
	if err == nil {
		_, err = r.Apply(ctx)
	}
	db.Close()
	if err != nil {
		return "", fmt.Errorf("migrate template database: %w", err)
	}
	// Renamed only when complete, so a crashed run never leaves a half-built template in use.
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("ALTER DATABASE %s RENAME TO %s", building, name)); err != nil {
		return "", fmt.Errorf("finish template database: %w", err)
	}
	return name, nil
}

// withDatabase returns dsn (URL or key=value form) pointing at database name.
func withDatabase(dsn, name string) string {
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		u.Path = "/" + name
		return u.String()
	}
	return strings.TrimSpace(dsn) + " dbname=" + name
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		log.Fatal(err)
	}
	return hex.EncodeToString(b)
}
