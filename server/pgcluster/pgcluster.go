// Package pgcluster runs a private PostgreSQL cluster for Nabij: created with initdb on first use,
// listening only on a unix socket inside its own data directory, stopped when Nabij stops.
//
// It exists so that `go run ./server` needs no database set up by hand, and so that the tests get a
// real PostgreSQL without any configuration.
package pgcluster

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

// ErrNoBinaries means neither PATH nor /usr/lib/postgresql/*/bin holds initdb and postgres.
var ErrNoBinaries = errors.New("PostgreSQL is not installed: install it (Debian or Ubuntu: `apt-get install postgresql`), or set DATABASE_URL to a PostgreSQL server Nabij may use")

// ErrInUse means another process already runs a cluster on the same data directory.
var ErrInUse = errors.New("the database directory is in use by another Nabij")

// Port is the port number in the socket's name; no TCP port is ever opened.
const Port = 5432

// Options says where the cluster lives and how it is tuned.
type Options struct {
	// Dir is the data directory (PGDATA). It is created when missing.
	Dir string
	// Fast trades durability for speed (fsync off): for tests only.
	Fast bool
	// StartTimeout bounds the wait until the server accepts connections.
	StartTimeout time.Duration
	Logger       *slog.Logger
}

// Cluster is a running private PostgreSQL server.
type Cluster struct {
	dataDir   string
	socketDir string
	cmd       *exec.Cmd
	exited    chan struct{}
	lock      *os.File
	logFile   *os.File
	log       *slog.Logger
}

// Start creates the cluster when needed and starts it. The caller must call Stop.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.StartTimeout == 0 {
		opts.StartTimeout = 60 * time.Second
	}
	binDir, err := FindBinaries()
	if err != nil {
		return nil, err
	}
	cred, err := unprivilegedCredential()
	if err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("data directory %q: %w", opts.Dir, err)
	}
	if cred != nil && !reachableByOthers(filepath.Dir(dir)) {
		// Running as root in a checkout under a closed directory (such as /root): the unprivileged
		// database user could not enter it. Keep the data in a stable place it can reach instead.
		moved := relocatedDir(dir)
		opts.Logger.Info("the data directory is not reachable by the database user; using another place",
			"wanted", dir, "using", moved, "user", "nobody")
		dir = moved
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", filepath.Dir(dir), err)
	}

	c := &Cluster{dataDir: dir, log: opts.Logger}
	if c.lock, err = lockDir(dir); err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			c.release()
		}
	}()

	if err := c.initIfNeeded(ctx, binDir, cred); err != nil {
		return nil, err
	}
	c.socketDir = dir
	if len(filepath.Join(dir, ".s.PGSQL.5432")) > 100 {
		// Unix socket paths are limited to about 107 bytes; a deep checkout needs a shorter place.
		if c.socketDir, err = os.MkdirTemp("", "nabij-pg-"); err != nil {
			return nil, fmt.Errorf("create socket directory: %w", err)
		}
		if err := chown(c.socketDir, cred); err != nil {
			return nil, err
		}
	}
	if err := c.start(binDir, cred, opts); err != nil {
		return nil, err
	}
	if err := c.waitReady(ctx, opts.StartTimeout); err != nil {
		c.Stop()
		return nil, err
	}
	if err := c.ensureDatabase(ctx, "nabij"); err != nil {
		c.Stop()
		return nil, err
	}
	ok = true
	opts.Logger.Info("private PostgreSQL started", "data_dir", dir, "socket_dir", c.socketDir)
	return c, nil
}

// DataDir is where the cluster's files are (after any relocation).
func (c *Cluster) DataDir() string { return c.dataDir }

// DSN is a connection string for database name on this cluster.
func (c *Cluster) DSN(name string) string {
	return fmt.Sprintf("host=%s port=%d user=postgres dbname=%s sslmode=disable", c.socketDir, Port, name)
}

// Stop shuts the server down (fast shutdown: open transactions roll back) and waits for it.
func (c *Cluster) Stop() error {
	defer c.release()
	if c.cmd == nil || c.cmd.Process == nil {
		return nil
	}
	_ = c.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-c.exited:
	case <-time.After(30 * time.Second):
		c.log.Warn("PostgreSQL did not stop within 30s; sending SIGQUIT")
		_ = c.cmd.Process.Signal(syscall.SIGQUIT)
		<-c.exited
	}
	c.log.Info("private PostgreSQL stopped", "data_dir", c.dataDir)
	return nil
}

func (c *Cluster) release() {
	if c.lock != nil {
		_ = c.lock.Close() // closing drops the flock
		c.lock = nil
	}
	if c.logFile != nil {
		_ = c.logFile.Close()
		c.logFile = nil
	}
}

// FindBinaries returns the directory holding initdb and postgres: from PATH first, otherwise the
// newest /usr/lib/postgresql/<version>/bin.
func FindBinaries() (string, error) {
	return findBinaries(os.Getenv("PATH"), []string{"/usr/lib/postgresql/*/bin"})
}

func findBinaries(path string, globs []string) (string, error) {
	for _, dir := range filepath.SplitList(path) {
		p := filepath.Join(dir, "initdb")
		if !isExecutable(p) {
			continue
		}
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		if isExecutable(filepath.Join(filepath.Dir(p), "postgres")) {
			return filepath.Dir(p), nil
		}
	}
	var candidates []string
	for _, g := range globs {
		m, _ := filepath.Glob(g)
		candidates = append(candidates, m...)
	}
	sort.Slice(candidates, func(i, j int) bool { return versionOf(candidates[i]) > versionOf(candidates[j]) })
	for _, dir := range candidates {
		if isExecutable(filepath.Join(dir, "initdb")) && isExecutable(filepath.Join(dir, "postgres")) {
			return dir, nil
		}
	}
	return "", ErrNoBinaries
}

func versionOf(binDir string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(binDir)), 64)
	return v
}

func isExecutable(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

// unprivilegedCredential is the user PostgreSQL runs as when Nabij runs as root (PostgreSQL refuses
// to run as root), or nil when Nabij is not root.
func unprivilegedCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		return nil, fmt.Errorf("Nabij runs as root and PostgreSQL may not; the user \"nobody\" to run it as was not found: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, nil
}

// reachableByOthers reports whether every directory from / down to dir (or its nearest existing
// ancestor) may be entered by any user.
func reachableByOthers(dir string) bool {
	for d := dir; ; d = filepath.Dir(d) {
		if st, err := os.Stat(d); err == nil && st.Mode().Perm()&0o001 == 0 {
			return false
		}
		if d == filepath.Dir(d) {
			return true
		}
	}
}

// relocatedDir is a stable place outside the checkout for a data directory the database user
// cannot reach; the same wanted directory always maps to the same place, so data survives restarts.
func relocatedDir(wanted string) string {
	sum := sha256.Sum256([]byte(wanted))
	return filepath.Join("/var/lib/nabij", hex.EncodeToString(sum[:6]), filepath.Base(wanted))
}

func chown(path string, cred *syscall.Credential) error {
	if cred == nil {
		return nil
	}
	if err := os.Chown(path, int(cred.Uid), int(cred.Gid)); err != nil {
		return fmt.Errorf("hand %s to the database user: %w", path, err)
	}
	return nil
}

// lockDir takes an exclusive lock beside the data directory, so that a second Nabij on the same
// directory fails at once instead of touching the running cluster.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(dir+".lock", os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(dir + ".lock")
		f.Close()
		return nil, fmt.Errorf("%w: %s is used by process %s; stop that Nabij first, or give this one its own NABIJ_DATA_DIR",
			ErrInUse, dir, strings.TrimSpace(string(holder)))
	}
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return f, nil
}

func (c *Cluster) initIfNeeded(ctx context.Context, binDir string, cred *syscall.Credential) error {
	if _, err := os.Stat(filepath.Join(c.dataDir, "PG_VERSION")); err == nil {
		return nil
	}
	if err := os.MkdirAll(c.dataDir, 0o700); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	if err := chown(c.dataDir, cred); err != nil {
		return err
	}
	c.log.Info("creating a private PostgreSQL cluster (first start)", "data_dir", c.dataDir)
	cmd := exec.CommandContext(ctx, filepath.Join(binDir, "initdb"),
		"-D", c.dataDir, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	cmd.Dir = os.TempDir()
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb in %s failed: %w\n%s", c.dataDir, err, out)
	}
	return nil
}

func (c *Cluster) start(binDir string, cred *syscall.Credential, opts Options) error {
	logPath := c.dataDir + ".log"
	f, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("open PostgreSQL log: %w", err)
	}
	c.logFile = f
	args := []string{"-D", c.dataDir,
		"-c", "listen_addresses=",
		"-c", "unix_socket_directories=" + c.socketDir,
		"-c", fmt.Sprintf("port=%d", Port),
		"-c", "max_connections=200",
	}
	if opts.Fast {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	c.cmd = exec.Command(filepath.Join(binDir, "postgres"), args...)
	c.cmd.Stdout, c.cmd.Stderr = f, f
	c.cmd.Dir = os.TempDir()
	c.cmd.SysProcAttr = &syscall.SysProcAttr{
		Credential: cred,
		// Own process group: Ctrl-C in the terminal reaches Nabij only, which then stops the
		// database after the last request is done.
		Setpgid: true,
		// If Nabij dies without stopping it, the database shuts itself down rather than linger.
		Pdeathsig: syscall.SIGINT,
	}
	if err := c.cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	c.exited = make(chan struct{})
	go func() {
		_ = c.cmd.Wait()
		close(c.exited)
	}()
	return nil
}

func (c *Cluster) waitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	db, err := sql.Open("pgx", c.DSN("postgres"))
	if err != nil {
		return err
	}
	defer db.Close()
	for {
		select {
		case <-c.exited:
			return fmt.Errorf("PostgreSQL exited during start; its log (%s.log) ends with:\n%s", c.dataDir, c.logTail())
		default:
		}
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		err := db.PingContext(pctx)
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("PostgreSQL did not accept connections within %s: %w", timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (c *Cluster) logTail() string {
	b, _ := os.ReadFile(c.dataDir + ".log")
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

func (c *Cluster) ensureDatabase(ctx context.Context, name string) error {
	db, err := sql.Open("pgx", c.DSN("postgres"))
	if err != nil {
		return err
	}
	defer db.Close()
	var exists bool
	if err := db.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return fmt.Errorf("look up database %s: %w", name, err)
	}
	if exists {
		return nil
	}
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}
