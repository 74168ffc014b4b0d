package main

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Where the time goes: around each run the load reads Nabij's /metrics (its own request timings,
// its CPU time, waits for a database connection), its own CPU time, and, on Linux, how busy the
// whole machine was. On one machine, busy minus Nabij minus the generator is PostgreSQL (and
// whatever else runs).

// snapshot is the counters at one moment.
type snapshot struct {
	metrics  map[string]float64 // nil when /metrics could not be read
	genCPU   float64            // seconds of CPU this process used
	busy     float64            // busy fraction of all CPU ticks so far, times ticks (see cpuTicks)
	ticks    float64
	haveProc bool
}

// serverSide is the difference between two snapshots, over a run.
type serverSide struct {
	ok        bool                // Nabij's /metrics was readable
	requests  float64             // requests Nabij timed (all but /metrics)
	seconds   float64             // their total time inside Nabij
	buckets   map[float64]float64 // latency histogram: upper bound -> count
	nabijCPU  float64             // CPU seconds of the Nabij process
	dbWaits   float64             // times a request waited for a free database connection
	dbWaitSec float64
	genCPU    float64 // CPU seconds of this generator
	busyCores float64 // average busy cores of the whole machine, -1 when unknown
	// busyBefore is busyCores in the second before the run, with no load: other work.
	busyBefore float64
}

func (c *client) snapshot(ctx context.Context) snapshot {
	s := snapshot{genCPU: ownCPU()}
	s.busy, s.ticks, s.haveProc = cpuTicks()
	if m, err := c.scrape(ctx); err == nil {
		s.metrics = m
	}
	return s
}

// since is what happened between earlier and s, over elapsed.
func (s snapshot) since(earlier snapshot, elapsed time.Duration) serverSide {
	d := serverSide{genCPU: s.genCPU - earlier.genCPU, busyCores: -1, buckets: map[float64]float64{}}
	if s.haveProc && earlier.haveProc && s.ticks > earlier.ticks {
		d.busyCores = (s.busy - earlier.busy) / (s.ticks - earlier.ticks) * float64(runtime.NumCPU())
	}
	if s.metrics == nil || earlier.metrics == nil {
		return d
	}
	d.ok = true
	for k, v := range s.metrics {
		delta := v - earlier.metrics[k]
		name, labels, _ := strings.Cut(k, "{")
		switch {
		case name == "process_cpu_seconds_total":
			d.nabijCPU = delta
		case name == "go_sql_wait_count_total":
			d.dbWaits += delta
		case name == "go_sql_wait_duration_seconds_total":
			d.dbWaitSec += delta
		case strings.Contains(labels, `route="/metrics"`):
		case name == "nabij_http_request_duration_seconds_count":
			d.requests += delta
		case name == "nabij_http_request_duration_seconds_sum":
			d.seconds += delta
		case name == "nabij_http_request_duration_seconds_bucket":
			if le, ok := label(labels, "le"); ok {
				bound, _ := strconv.ParseFloat(le, 64) // "+Inf" parses as +Inf
				d.buckets[bound] += delta
			}
		}
	}
	return d
}

// bucketQuantile is the upper bound of the histogram bucket that holds quantile q: Nabij's own
// view of the latency, as coarse as its buckets.
func (d serverSide) bucketQuantile(q float64) float64 {
	bounds := make([]float64, 0, len(d.buckets))
	for b := range d.buckets {
		bounds = append(bounds, b)
	}
	slices.Sort(bounds)
	for _, b := range bounds {
		if d.buckets[b] >= q*d.requests {
			return b
		}
	}
	return math.Inf(1)
}

// scrape reads Prometheus text: every sample by its name with labels.
func (c *client) scrape(ctx context.Context) (map[string]float64, error) {
	status, body, _, err := c.timed(ctx, auth{}, "GET", "/metrics", nil)
	if err != nil {
		return nil, err
	}
	if status != 200 {
		return nil, fmt.Errorf("GET /metrics: %d", status)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(string(body)))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			out[line[:i]] = v
		}
	}
	return out, sc.Err()
}

// label is one label's value out of `a="x",b="y"}`.
func label(labels, name string) (string, bool) {
	_, rest, ok := strings.Cut(labels, name+`="`)
	if !ok {
		return "", false
	}
	v, _, ok := strings.Cut(rest, `"`)
	return v, ok
}

func ownCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// busyCores is how many cores of this machine are busy on average over d, -1 when unknown:
// before a run, anything but zero is other work that will take CPU from the run.
func busyCores(ctx context.Context, d time.Duration) float64 {
	b0, t0, ok := cpuTicks()
	if !ok {
		return -1
	}
	select {
	case <-ctx.Done():
		return -1
	case <-time.After(d):
	}
	b1, t1, ok := cpuTicks()
	if !ok || t1 <= t0 {
		return -1
	}
	return (b1 - b0) / (t1 - t0) * float64(runtime.NumCPU())
}

// cpuTicks reads the machine's busy and total CPU ticks from /proc/stat (Linux only).
func cpuTicks() (busy, total float64, ok bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	fields := strings.Fields(line)
	if len(fields) < 8 || fields[0] != "cpu" {
		return 0, 0, false
	}
	for i, f := range fields[1:] {
		if i >= 8 { // guest time is already counted in user time
			break
		}
		v, _ := strconv.ParseFloat(f, 64)
		total += v
		if i != 3 && i != 4 { // idle, iowait
			busy += v
		}
	}
	return busy, total, true
}
