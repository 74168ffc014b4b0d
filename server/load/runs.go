package main

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// target is what a run aims for on a two-core machine with the generator on it: requests per
// second, and a p99 latency (zero: none).
type target struct {
	rate float64
	p99  time.Duration
}

func (t target) String() string {
	s := fmt.Sprintf(">= %s/s", thousands(int(t.rate)))
	if t.p99 > 0 {
		s += fmt.Sprintf(", p99 <= %d ms", t.p99.Milliseconds())
	}
	return s
}

// verdict says whether r met t, and what fell short.
func (t target) verdict(r result) string {
	var short []string
	if r.rate() < t.rate {
		short = append(short, "rate")
	}
	if t.p99 > 0 && percentile(r.lat, 0.99) > t.p99 {
		short = append(short, "p99")
	}
	if len(short) == 0 {
		return "met"
	}
	return "short: " + strings.Join(short, ", ")
}

// row is one measured run with its target and the checks made after it.
type row struct {
	r      result
	t      target
	checks []string
}

// report gathers the runs and writes them as tables at the end.
type report struct {
	opts   options
	rows   []row
	failed bool
}

// signUpRun is a sign-up run: on how many fresh meetups (titled title), of how many places.
type signUpRun struct {
	name, title       string
	meetups, capacity int
	target            target
}

// signUps runs sign-ups from the clients on fresh meetups, then checks the meetups.
func (rep *report) signUps(ctx context.Context, f *fixtures, hood int64, users []loadUser, run signUpRun) error {
	f.log("%s: making %d meetups of %d places ...", run.name, run.meetups, run.capacity)
	ids, err := f.signUpMeetups(ctx, hood, run.meetups, run.capacity, run.title)
	if err != nil {
		return err
	}
	warm(ctx, f.c, users, fmt.Sprintf("/api/v1/meetups/%d", ids[0]), rep.opts.clients)
	f.log("%s: %d clients for %s ...", run.name, rep.opts.clients, rep.opts.duration)
	ws := newSignUpWorkers(f.c, users, ids, rep.opts.clients)
	ops := make([]op, len(ws))
	for i, w := range ws {
		ops[i] = w.op
	}
	r := rep.measured(ctx, f.c, run.name, ops)
	k := f.checkCapacity(ctx, ids, activeByMeetup(ws, len(ids)), r.errors == 0)
	rep.failed = rep.failed || k.failed()
	rep.add(r, run.target, k.lines())
	return ctx.Err()
}

// agenda reads the agenda page and its API in the neighbourhood with many meetups.
func (rep *report) agenda(ctx context.Context, f *fixtures, users []loadUser) error {
	hood, err := f.neighbourhood(ctx, "Belasting (load test)", agendaDescription(agendaAnchor("", time.Now())))
	if err != nil {
		return err
	}
	if err := f.seedAgenda(ctx, hood, rep.opts.meetups); err != nil {
		return err
	}
	from := time.Now().UTC().Truncate(time.Minute).Format(time.RFC3339)
	reads := []struct {
		name, path string
		as         func(w int) auth
	}{
		{"agenda page (HTML)", fmt.Sprintf("/neighbourhoods/%d/agenda", hood.ID), func(int) auth { return auth{} }},
		{"agenda API (limit 50)", fmt.Sprintf("/api/v1/meetups?neighbourhood=%d&from=%s&limit=50", hood.ID, from),
			func(w int) auth { return bearer(users[w%len(users)].Token) }},
	}
	t := target{rate: 2500, p99: 20 * time.Millisecond}
	for _, rd := range reads {
		status, body, _, err := f.c.timed(ctx, rd.as(0), "GET", rd.path, nil)
		if err != nil {
			return err
		}
		if status != 200 {
			return fmt.Errorf("GET %s: %d %s", rd.path, status, snippet(body))
		}
		about := fmt.Sprintf("GET %s: %s a page", rd.path, bytesize(len(body)))
		if n := strings.Count(string(body), `"seats_taken"`); n > 0 {
			about += fmt.Sprintf(", %d meetups", n)
		}
		warm(ctx, f.c, users, rd.path, rep.opts.readers)
		f.log("%s: %d connections for %s ...", rd.name, rep.opts.readers, rep.opts.duration)
		ops := make([]op, rep.opts.readers)
		for w := range ops {
			who := rd.as(w)
			ops[w] = func(ctx context.Context) (string, time.Duration, error) {
				status, b, took, err := f.c.timed(ctx, who, "GET", rd.path, nil)
				if err == nil && status != 200 {
					err = fmt.Errorf("%d %s", status, snippet(b))
				}
				return "ok", took, err
			}
		}
		rep.add(rep.measured(ctx, f.c, rd.name, ops), t, []string{about})
	}
	return ctx.Err()
}

// measured runs ops with Nabij's counters read before and after, and with how busy the machine
// was just before (the server idle).
func (rep *report) measured(ctx context.Context, c *client, name string, ops []op) result {
	quiet := busyCores(ctx, time.Second)
	before := c.snapshot(ctx)
	r := measure(ctx, name, ops, rep.opts.duration)
	r.server = c.snapshot(ctx).since(before, r.elapsed)
	r.server.busyBefore = quiet
	return r
}

func (rep *report) add(r result, t target, checks []string) {
	if b := r.server.busyBefore; b > 0.25 {
		checks = append(checks, fmt.Sprintf("WARNING: %.2f cores were busy with other work just before this run: its figures are too low", b))
	}
	if !r.server.ok {
		checks = append(checks, "(Nabij's /metrics could not be read: no server-side figures)")
	}
	if r.errorRate() > rep.opts.maxErrorRate {
		rep.failed = true
		checks = append(checks, fmt.Sprintf("FAILED: %.2f%% of requests failed, e.g. %s", 100*r.errorRate(), strings.Join(r.examples, " | ")))
	}
	rep.rows = append(rep.rows, row{r: r, t: t, checks: checks})
}

// warm opens the connections and fills Nabij's database pool before a run, with reads that
// change nothing, so that the run measures a server that is up to speed.
func warm(ctx context.Context, c *client, users []loadUser, path string, conns int) {
	deadline := time.Now().Add(time.Second)
	_ = parallel(ctx, conns, func(ctx context.Context) error {
		for time.Now().Before(deadline) && ctx.Err() == nil {
			_, _, _, _ = c.timed(ctx, bearer(users[0].Token), "GET", path, nil)
		}
		return nil
	})
}
