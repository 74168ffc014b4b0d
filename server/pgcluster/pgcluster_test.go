package pgcluster

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func newDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "nabij-pgcluster-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, "pg")
}

func exec1(t *testing.T, c *Cluster, q string) {
	t.Helper()
	db, err := sql.Open("pgx", c.DSN("nabij"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func TestClusterKeepsDataAcrossRestartsAndStopsCleanly(t *testing.T) {
	t.Parallel()
	dir := newDir(t)
	ctx := context.Background()
	c, err := Start(ctx, Options{Dir: dir, Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	exec1(t, c, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')")
	pid := c.cmd.Process.Pid
	c.Stop()
	if err := syscall.Kill(pid, 0); err == nil {
		t.Fatalf("postgres (pid %d) still runs after Stop", pid)
	}
	if _, err := os.Stat(filepath.Join(dir, "postmaster.pid")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("postmaster.pid left behind: %v", err)
	}

	start := time.Now()
	c, err = Start(ctx, Options{Dir: dir, Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	if time.Since(start) > 10*time.Second {
		t.Errorf("second start took %s", time.Since(start))
	}
	db, _ := sql.Open("pgx", c.DSN("nabij"))
	defer db.Close()
	var v string
	if err := db.QueryRow("SELECT v FROM kept").Scan(&v); err != nil || v != "still here" {
		t.Fatalf("data after restart: %q, %v", v, err)
	}
}

func TestSecondClusterOnSameDirectoryFailsAndLeavesFirstRunning(t *testing.T) {
	t.Parallel()
	dir := newDir(t)
	ctx := context.Background()
	first, err := Start(ctx, Options{Dir: dir, Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	defer first.Stop()

	second, err := Start(ctx, Options{Dir: dir, Fast: true})
	if err == nil {
		second.Stop()
		t.Fatal("a second cluster started on the same directory")
	}
	if !errors.Is(err, ErrInUse) {
		t.Fatalf("error = %v, want ErrInUse", err)
	}
	exec1(t, first, "SELECT 1") // the first one still serves
}

func TestClusterListensOnNoTCPPort(t *testing.T) {
	t.Parallel()
	c, err := Start(context.Background(), Options{Dir: newDir(t), Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	db, _ := sql.Open("pgx", c.DSN("nabij"))
	defer db.Close()
	var addrs string
	if err := db.QueryRow("SHOW listen_addresses").Scan(&addrs); err != nil || addrs != "" {
		t.Fatalf("listen_addresses = %q, %v; want none", addrs, err)
	}
}

func TestMissingBinariesSayWhatToInstall(t *testing.T) {
	_, err := findBinaries("", nil)
	if !errors.Is(err, ErrNoBinaries) {
		t.Fatalf("err = %v, want ErrNoBinaries", err)
	}
	for _, want := range []string{"apt-get install postgresql", "DATABASE_URL"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not mention %q", err, want)
		}
	}
}

func TestRootUsesAPlaceTheDatabaseUserCanReach(t *testing.T) {
	closed := t.TempDir()
	os.Chmod(closed, 0o700)
	if reachableByOthers(filepath.Join(closed, "data")) {
		t.Fatal("a directory under a 0700 directory counted as reachable")
	}
	a, b := relocatedDir(filepath.Join(closed, "data", "postgres")), relocatedDir(filepath.Join(closed, "data", "postgres"))
	if a != b || !reachableByOthers(filepath.Dir(filepath.Dir(a))) {
		t.Fatalf("relocation %q is not stable or not reachable", a)
	}
}
