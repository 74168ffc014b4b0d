package main

import (
	"fmt"
	"io"
	"math"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// outcomeOrder is how outcomes are listed; others follow by name.
var outcomeOrder = []string{"going", "waitlisted", "not_going", "ok"}

// write prints the figures, then where the time went, then the checks.
func (rep *report) write(w io.Writer) {
	fmt.Fprintf(w, "\nNabij load test against %s: %d CPUs on this machine, %s per run\n\n", rep.opts.url, runtime.NumCPU(), rep.opts.duration)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "run\tconns\trequests\tper second\tp50\tp99\tmax\toutcomes\ttarget\t")
	for _, rw := range rep.rows {
		r := rw.r
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s/s\t%s\t%s\t%s\t%s\t%s: %s\t\n", r.name, r.conns, thousands(r.requests()),
			thousands(int(math.Round(r.rate()))), ms(percentile(r.lat, 0.5)), ms(percentile(r.lat, 0.99)),
			ms(percentile(r.lat, 1)), outcomes(r), rw.t, rw.t.verdict(r))
	}
	tw.Flush()

	fmt.Fprintf(w, "\nWhere the time goes (Nabij's /metrics; CPU in cores busy on average)\n\n")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "run\tinside Nabij: mean\tp99 bucket\tNabij CPU\tgenerator CPU\trest of machine (PostgreSQL, ...)\tidle\twaits for a DB connection\tbusy before the run\t")
	for _, rw := range rep.rows {
		fmt.Fprintf(tw, "%s\t%s\t\n", rw.r.name, rep.timeGoes(rw.r))
	}
	tw.Flush()

	fmt.Fprintln(w)
	for _, rw := range rep.rows {
		fmt.Fprintf(w, "%s:\n", rw.r.name)
		for _, c := range rw.checks {
			fmt.Fprintf(w, "  %s\n", c)
		}
	}
}

// timeGoes is the cells of the second table for r, tab separated.
func (rep *report) timeGoes(r result) string {
	s := r.server
	secs := r.elapsed.Seconds()
	cells := []string{"-", "-", "-"}
	if s.ok && s.requests > 0 {
		cells = []string{ms(seconds(s.seconds / s.requests)), "<= " + bound(s.bucketQuantile(0.99)), cores(s.nabijCPU / secs)}
	}
	cells = append(cells, cores(s.genCPU/secs))
	rest, idle := "-", "-"
	if s.busyCores >= 0 && s.ok && local(rep.opts.url) {
		rest = cores(max(s.busyCores-s.nabijCPU/secs-s.genCPU/secs, 0))
		idle = cores(max(float64(runtime.NumCPU())-s.busyCores, 0))
	}
	cells = append(cells, rest, idle)
	if s.ok {
		cells = append(cells, fmt.Sprintf("%s (%.1f s in all)", thousands(int(s.dbWaits)), s.dbWaitSec))
	} else {
		cells = append(cells, "-")
	}
	if s.busyBefore >= 0 {
		cells = append(cells, cores(s.busyBefore))
	} else {
		cells = append(cells, "-")
	}
	return strings.Join(cells, "\t")
}

// outcomes lists the counted outcomes and the errors.
func outcomes(r result) string {
	keys := make([]string, 0, len(r.outcomes))
	for k := range r.outcomes {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		ia, ib := slices.Index(outcomeOrder, a), slices.Index(outcomeOrder, b)
		if ia != ib {
			return ia - ib
		}
		return strings.Compare(a, b)
	})
	var parts []string
	for _, k := range keys {
		if k != "ok" {
			parts = append(parts, strings.ReplaceAll(k, "_", " ")+" "+thousands(r.outcomes[k]))
		}
	}
	return strings.Join(append(parts, "errors "+thousands(r.errors)), ", ")
}

// local reports whether Nabij runs on this machine, so the machine's CPU is shared with it.
func local(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	h := u.Hostname()
	return h == "localhost" || h == "127.0.0.1" || h == "::1"
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func bound(b float64) string {
	if math.IsInf(b, 1) {
		return "inf"
	}
	return fmt.Sprintf("%g ms", b*1000)
}

func cores(c float64) string { return fmt.Sprintf("%.2f", c) }

// thousands writes n with commas between groups of three digits.
func thousands(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func bytesize(n int) string {
	if n >= 1024 {
		return fmt.Sprintf("%.1f KB", float64(n)/1024)
	}
	return fmt.Sprintf("%d bytes", n)
}
