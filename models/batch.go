package models

import (
	"context"
	"sync"
)

// batcher hands calls that arrive while others are at the database to the database together, in
// order of arrival: one statement and one commit for many, where each alone would pay for its
// own round trip, statement, commit and disk flush. Nobody waits for a batch to fill: a call
// that finds a lane free runs at once, alone if need be; the calls that arrive meanwhile form the
// next batch. There is no goroutine of its own: the caller who takes a lane runs the batches until
// its own result is in, then hands the lane to the first caller still waiting.
type batcher[In, Out any] struct {
	// run does one batch and returns one result per input, in order. It runs for many callers:
	// it gets a context that no single caller can cancel.
	run func(ctx context.Context, in []In) []Out
	// lanes is how many batches may be at the database at once; size, the most calls in one.
	lanes, size int

	mu      sync.Mutex
	waiting []*batchCall[In, Out]
	running int // lanes taken
}

// batchCall is one caller's input, its result, and where it stands. Its fields are guarded by the
// batcher's mu.
type batchCall[In, Out any] struct {
	in    In
	out   Out
	done  bool
	leads bool          // this caller holds a lane
	wake  chan struct{} // a signal that done or leads changed
}

func newBatcher[In, Out any](lanes, size int, run func(context.Context, []In) []Out) *batcher[In, Out] {
	return &batcher[In, Out]{run: run, lanes: lanes, size: size}
}

// do runs in with the next batch and returns its result.
func (b *batcher[In, Out]) do(ctx context.Context, in In) Out {
	c := &batchCall[In, Out]{in: in, wake: make(chan struct{}, 1)}
	b.mu.Lock()
	b.waiting = append(b.waiting, c)
	if b.running < b.lanes {
		b.running++
		c.leads = true
	}
	for {
		if c.leads {
			b.lead(context.WithoutCancel(ctx), c)
		}
		if c.done {
			break
		}
		b.mu.Unlock()
		<-c.wake
		b.mu.Lock()
	}
	b.mu.Unlock()
	return c.out
}

// lead runs batches on c's lane while c's own call waits, then hands the lane on (also when c's
// call was done on another lane before c got to lead). It is called and returns with b.mu held.
func (b *batcher[In, Out]) lead(ctx context.Context, c *batchCall[In, Out]) {
	for !c.done && len(b.waiting) > 0 {
		n := min(len(b.waiting), b.size)
		batch := b.waiting[:n:n]
		b.waiting = b.waiting[n:]
		in := make([]In, n)
		for i, x := range batch {
			in[i] = x.in
		}
		b.mu.Unlock()
		out := b.run(ctx, in)
		b.mu.Lock()
		for i, x := range batch {
			x.out, x.done = out[i], true
			signal(x.wake)
		}
	}
	// c's call is done, or in a batch on another lane: the lane goes to the first caller still
	// waiting that does not lead already, or is given back.
	c.leads = false
	for _, w := range b.waiting {
		if !w.leads {
			w.leads = true
			signal(w.wake)
			return
		}
	}
	b.running--
}

// signal wakes the one goroutine that waits on ch, without blocking when it was woken already.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}
