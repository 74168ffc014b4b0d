package main

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"
)

// op is one request of a measured run, made by one worker: its outcome (a word to count, such as
// "going") or an error, and how long it took.
type op func(ctx context.Context) (outcome string, took time.Duration, err error)

// result is what a run measured.
type result struct {
	name     string
	conns    int
	elapsed  time.Duration
	lat      []time.Duration // sorted
	outcomes map[string]int
	errors   int
	examples []string // a few distinct errors, to say what went wrong
	server   serverSide
}

// measure runs one op per worker, each in a loop, for d. A worker finishes the request it is in
// when the time is up (none is cut off, so every answer is known), which is why elapsed can be a
// little longer than d.
func measure(ctx context.Context, name string, ops []op, d time.Duration) result {
	type partial struct {
		lat      []time.Duration
		outcomes map[string]int
		errors   []string
	}
	parts := make([]partial, len(ops))
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for w, o := range ops {
		wg.Go(func() {
			p := partial{lat: make([]time.Duration, 0, 4096), outcomes: map[string]int{}}
			for ctx.Err() == nil && time.Now().Before(deadline) {
				outcome, took, err := o(ctx)
				p.lat = append(p.lat, took)
				if err != nil {
					p.errors = append(p.errors, err.Error())
					continue
				}
				p.outcomes[outcome]++
			}
			parts[w] = p
		})
	}
	wg.Wait()
	r := result{name: name, conns: len(ops), elapsed: time.Since(start), outcomes: map[string]int{}}
	for _, p := range parts {
		r.lat = append(r.lat, p.lat...)
		for k, v := range p.outcomes {
			r.outcomes[k] += v
		}
		r.errors += len(p.errors)
		for _, e := range p.errors {
			if len(r.examples) < 3 && !slices.Contains(r.examples, e) {
				r.examples = append(r.examples, e)
			}
		}
	}
	slices.Sort(r.lat)
	return r
}

func (r result) requests() int { return len(r.lat) }

func (r result) rate() float64 { return float64(r.requests()) / r.elapsed.Seconds() }

func (r result) errorRate() float64 {
	if r.requests() == 0 {
		return 0
	}
	return float64(r.errors) / float64(r.requests())
}

// percentile is the nearest-rank percentile q (0 < q <= 1) of sorted durations: the smallest
// value that at least q of them do not exceed. Zero for no durations.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// ms writes a duration in milliseconds, to one decimal.
func ms(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
}
