package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeRunsItsOwnDatabaseAndStopsItOnShutdown is `go run ./server` with no DATABASE_URL:
// a private cluster is created, Nabij answers, and after the stop signal no PostgreSQL is left.
func TestServeRunsItsOwnDatabaseAndStopsItOnShutdown(t *testing.T) {
	t.Parallel()
	dir, err := os.MkdirTemp("", "nabij-serve-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	defer os.RemoveAll(dir)
	ln := listenLocal(t)
	addr := ln.Addr().String()
	ln.Close()
	cfg, err := loadConfig(func(k string) string {
		return map[string]string{"NABIJ_ADDR": addr, "NABIJ_DATA_DIR": filepath.Join(dir, "pg")}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil))) }()

	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil && resp.StatusCode == 200 {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready within 60s: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	pidFile, err := os.ReadFile(filepath.Join(dir, "pg", "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	var pid int
	if _, err := fmt.Sscan(strings.SplitN(string(pidFile), "\n", 2)[0], &pid); err != nil {
		t.Fatal(err)
	}

	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not return after the stop signal")
	}
	if err := syscall.Kill(pid, 0); err == nil {
		t.Fatalf("PostgreSQL (pid %d) still runs after Nabij stopped", pid)
	}
}

func TestBadConfigurationIsExplained(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"NABIJ_MIGRATE":    "sometimes",
		"NABIJ_TIMEZONE":   "Europe/Nowhere",
		"NABIJ_LOG_FORMAT": "xml",
		"NABIJ_BASE_URL":   "ftp://x",
	}
	for key, val := range cases {
		_, err := loadConfig(func(k string) string {
			if k == key {
				return val
			}
			return ""
		})
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s=%s: error %v does not name the variable", key, val, err)
		}
	}
}
