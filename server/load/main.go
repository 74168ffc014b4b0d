// Command load measures a running Nabij under load and checks that no meetup ends over capacity:
// sign-ups on one popular meetup, sign-ups spread over many meetups, and reads of a busy
// neighbourhood's agenda page and API. It makes everything it needs through the API, as a
// coordinator, and keeps the residents it made in a state file so that reruns start at once.
//
//	go run ./server/load -url http://localhost:8080
//
// See README.md, "Load test".
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"
)

// options are the command's flags.
type options struct {
	url, coordinator, password, statePath string
	runs                                  []string
	clients, readers, setupConns          int
	liveClients, liveRate                 int
	users, meetups, spread                int
	capacity, spreadCapacity              int
	duration                              time.Duration
	maxErrorRate                          float64
}

// allRuns are the runs there are; defaultRuns those done without -runs. live needs thousands of
// open files on both sides and volunteers reaches Nabij's database directly to fill it, so each
// is asked for by name.
var (
	allRuns     = []string{"one", "spread", "agenda", "live", "volunteers"}
	defaultRuns = []string{"one", "spread", "agenda"}
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ok, err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(2)
	}
	if !ok {
		os.Exit(1)
	}
}

func parseOptions(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.url, "url", "http://localhost:8080", "the running Nabij to load")
	fs.StringVar(&o.coordinator, "coordinator", "sanne", "username or email of a coordinator")
	fs.StringVar(&o.password, "password", "buurt-demo-2026", "that coordinator's password (used only when the state file has no working token)")
	fs.StringVar(&o.statePath, "state", "data/load-state.json", "file that keeps tokens of the residents made for the load, for reruns")
	runs := fs.String("runs", strings.Join(defaultRuns, ","), "which runs, comma separated: "+strings.Join(allRuns, ", "))
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "how long each run lasts")
	fs.IntVar(&o.clients, "clients", 64, "concurrent clients of the sign-up runs")
	fs.IntVar(&o.readers, "readers", 32, "concurrent connections of the agenda runs")
	fs.IntVar(&o.users, "users", 20000, "residents who sign up (made once, kept in the state file)")
	fs.IntVar(&o.meetups, "meetups", 100000, "meetups in the agenda's neighbourhood (made once, in weekly series)")
	fs.IntVar(&o.spread, "spread", 1000, "meetups the spread run signs up for")
	fs.IntVar(&o.capacity, "capacity", 100, "places at the popular meetup")
	fs.IntVar(&o.spreadCapacity, "spread-capacity", 25, "places at each meetup of the spread run")
	fs.Float64Var(&o.maxErrorRate, "max-error-rate", 0.001, "fraction of failed requests above which the command fails")
	fs.IntVar(&o.setupConns, "setup-conns", 16, "concurrent requests while setting up")
	fs.IntVar(&o.liveClients, "live-clients", 10000, "websocket clients of the live run, subscribed to one meetup")
	fs.IntVar(&o.liveRate, "live-rate", 10, "sign-up changes a second in the live run (0: only the memory of idle connections)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	o.runs = strings.Split(*runs, ",")
	for _, r := range o.runs {
		if !slices.Contains(allRuns, r) {
			return o, fmt.Errorf("-runs: unknown run %q; runs are %s", r, strings.Join(allRuns, ", "))
		}
	}
	if o.users < o.clients || o.users < o.readers {
		return o, fmt.Errorf("-users must be at least -clients and -readers: every client acts for people of its own")
	}
	return o, nil
}

// run does the runs and writes the report; ok is false when a check failed or too many
// requests failed.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) (bool, error) {
	o, err := parseOptions(args, stderr)
	if err != nil {
		return false, err
	}
	logf := func(format string, args ...any) { fmt.Fprintf(stderr, format+"\n", args...) }
	c := newClient(o.url, max(o.clients, o.readers, o.setupConns))
	st, err := loadState(o.statePath, o.url)
	if err != nil {
		return false, err
	}
	f := &fixtures{c: c, st: st, statePath: o.statePath, conns: o.setupConns, log: logf}
	if err := f.signIn(ctx, o.coordinator, o.password); err != nil {
		return false, err
	}
	home, err := f.neighbourhood(ctx, "Belasting (load test, sign-ups)", "Neighbourhood of the load test (go run ./server/load): its residents and sign-up meetups.")
	if err != nil {
		return false, err
	}
	nUsers := o.users
	if !slices.Contains(o.runs, "one") && !slices.Contains(o.runs, "spread") && !slices.Contains(o.runs, "live") {
		nUsers = o.readers // the agenda runs only read: a token per connection is enough
	}
	users, err := f.users(ctx, nUsers, home.ID)
	if err != nil {
		return false, err
	}

	rep := &report{opts: o}
	for _, name := range o.runs {
		var err error
		switch name {
		case "one":
			err = rep.signUps(ctx, f, home.ID, users, signUpRun{name: "sign-ups, one meetup", title: "Drukbezochte bijeenkomst",
				meetups: 1, capacity: o.capacity, target: target{rate: 1600}})
		case "spread":
			err = rep.signUps(ctx, f, home.ID, users, signUpRun{name: fmt.Sprintf("sign-ups, %s meetups", thousands(o.spread)),
				title: "Bijeenkomst", meetups: o.spread, capacity: o.spreadCapacity, target: target{rate: 4300, p99: 15 * time.Millisecond}})
		case "agenda":
			err = rep.agenda(ctx, f, users)
		case "live":
			err = rep.live(ctx, f, home.ID, users)
		case "volunteers":
			err = rep.volunteers(ctx, f, users)
		}
		if err != nil {
			return false, err
		}
	}
	rep.write(stdout)
	return !rep.failed, nil
}
