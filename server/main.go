// Command server is Nabij: `go run ./server` starts it with sensible defaults, including its own
// PostgreSQL when DATABASE_URL is unset. See README.md for configuration.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // NABIJ_TIMEZONE works in minimal images without zoneinfo files
)

func main() {
	if err := run(os.Args[1:], envOS, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "nabij:", err)
		os.Exit(1)
	}
}

// run is main without the process exit, so that commands can be tested.
func run(args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("nabij", flag.ContinueOnError)
	fs.SetOutput(stderr)
	demo := fs.Bool("demo", false, "fill an empty database with demo data (same as NABIJ_DEMO=1)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	if *demo {
		cfg.Demo = true
	}
	log := newLogger(cfg, stderr)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	switch cmd := fs.Arg(0); cmd {
	case "", "serve":
		return serve(ctx, cfg, log)
	case "healthcheck":
		return healthcheck(cfg)
	case "create-coordinator":
		return createCoordinator(ctx, cfg, log, fs.Args()[1:], getenv, stdin, stdout, stderr)
	default:
		return fmt.Errorf("unknown command %q; commands: serve (default), healthcheck, create-coordinator", cmd)
	}
}

// healthcheck asks a running Nabij for /healthz; the container image has no curl.
func healthcheck(cfg config) error {
	client := http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get("http://" + displayAddr(cfg.Addr) + "/healthz")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("/healthz answered %s", resp.Status)
	}
	return nil
}

func newLogger(cfg config, w io.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// serve runs Nabij until ctx is cancelled (SIGINT, SIGTERM), then shuts down in order: stop
// accepting, finish requests in flight (bounded), close the database, stop the private PostgreSQL.
func serve(ctx context.Context, cfg config, log *slog.Logger) error {
	// Take the address first: if it is in use, fail before starting a database for nothing.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s (set NABIJ_ADDR to another address): %w", cfg.Addr, err)
	}
	db, err := openDatabase(ctx, cfg, log)
	if err != nil {
		ln.Close()
		return err
	}
	defer db.Close()

	if cfg.Demo {
		if err := fillDemo(ctx, db.Gorm, log, cfg.Location); err != nil {
			ln.Close()
			return err
		}
	}
	f, a, err := newApp(cfg, db, log)
	if err != nil {
		ln.Close()
		return err
	}
	a.live.Start(ctx)
	defer a.live.Close()
	errc := make(chan error, 1)
	go func() { errc <- f.Listener(ln) }()
	log.Info("Nabij is running", "url", cfg.BaseURL, "addr", ln.Addr().String())

	select {
	case err := <-errc:
		if err != nil && !errors.Is(err, net.ErrClosed) && !strings.Contains(err.Error(), "closed") {
			return fmt.Errorf("http server: %w", err)
		}
		return nil
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	if err := f.ShutdownWithTimeout(15 * time.Second); err != nil {
		log.Warn("requests still running at shutdown were cut off", "err", err)
	}
	return nil
}
