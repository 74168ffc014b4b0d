package realtime

import (
	"context"
	"errors"
	"net"
	"os"
	"slices"
	"time"
)

// Writing. Frames go straight to the socket, the frames queued for a connection together in one
// writev. Nearly always the socket's buffer has room, so a few writer goroutines (one per
// processor) write for every connection without ever waiting: no goroutine per delivery, no
// timer per write. A write that would wait (a client that does not read fast enough) hands that
// connection to a goroutine of its own, which waits up to WriteTimeout, writes its queue empty,
// and gives the connection back. A connection is in one of three states, guarded by its mu:
// idle (writing false), waiting in Hub.writes or being written by a writer, or owned by its own
// goroutine (both with writing true).

// schedule has a writer write c; c.mu is held. When all writers are far behind, c gets its own
// goroutine rather than making the caller wait.
func (h *Hub) schedule(c *conn) {
	select {
	case h.writes <- c:
	default:
		go c.flush(nil, nil, nil)
	}
}

// writer writes the connections scheduled for it until ctx ends.
func (h *Hub) writer(ctx context.Context) {
	var frames net.Buffers
	var sent []item
	for {
		select {
		case c := <-h.writes:
			c.writeReady(&frames, &sent)
		case <-ctx.Done():
			return
		}
	}
}

// writeReady writes c's queue as far as the socket takes it at once; frames and sent are the
// writer's to reuse.
func (c *conn) writeReady(frames *net.Buffers, sent *[]item) {
	var done []item // the last batch, handed back to be the queue again
	for {
		batch := c.take(done)
		if batch == nil {
			return
		}
		fs, ss := (*frames)[:0], (*sent)[:0]
		for i, it := range batch {
			switch {
			case it.recheck != nil:
				// An access check asks the database: not here. Its own goroutine takes over.
				go c.flush(slices.Clone(fs), slices.Clone(ss), batch[i:])
				return
			case it.sub != nil && it.sub.ended.Load():
			default:
				fs = append(fs, it.frame)
				ss = append(ss, it)
			}
		}
		*frames, *sent = fs, ss
		done = batch
		if len(fs) == 0 {
			continue
		}
		n, err := writeNow(c.raw, fs)
		switch {
		case err == nil && n == size(fs):
			c.count(ss)
		case err == nil || errors.Is(err, errWouldBlock) || errors.Is(err, os.ErrDeadlineExceeded):
			go c.flush(skip(slices.Clone(fs), n), slices.Clone(ss), nil)
			return
		default:
			c.fail()
			return
		}
		clear(fs)
		clear(ss)
	}
}

// flush is a connection's own writer, for when writing may wait: it writes pending (counting the
// events in sent once they are out), handles items, then the queue until it is empty, and gives
// the connection back.
func (c *conn) flush(pending net.Buffers, sent, items []item) {
	for {
		for _, it := range items {
			var err error
			switch {
			case it.recheck != nil:
				// Everything before the check goes first; nothing after it before the answer.
				if err = c.send(&pending, sent); err == nil {
					sent = sent[:0]
					err = c.checkAgain(it.recheck, &pending)
				}
			case it.sub != nil && it.sub.ended.Load():
			default:
				pending = append(pending, it.frame)
				sent = append(sent, it)
			}
			if err != nil {
				c.fail()
				return
			}
		}
		if err := c.send(&pending, sent); err != nil {
			c.fail()
			return
		}
		sent = sent[:0]
		if items = c.take(nil); items == nil {
			// Writes that must not wait fail once a deadline passed: none is left.
			_ = c.ws.UnderlyingConn().SetWriteDeadline(time.Time{})
			return
		}
	}
}

// take returns the queue, or nil (and the connection is idle again) when it is empty or closed.
// done, the batch taken before and written since, becomes the new queue's array, so a busy
// connection does not allocate one per batch; a large one is let go, so that an idle connection
// keeps nothing big.
func (c *conn) take(done []item) []item {
	clear(done)
	if cap(done) > 16 {
		done = nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	batch := c.queue
	c.queue = done[:0]
	if len(batch) == 0 || c.closed {
		c.writing = false
		return nil
	}
	c.room.Broadcast()
	return batch
}

// send writes frames, waiting up to WriteTimeout, and counts the events among them (sent).
func (c *conn) send(frames *net.Buffers, sent []item) error {
	if len(*frames) == 0 {
		return nil
	}
	nc := c.ws.UnderlyingConn()
	_ = nc.SetWriteDeadline(time.Now().Add(c.hub.opt.WriteTimeout))
	out := *frames // WriteTo consumes its receiver
	_, err := out.WriteTo(nc)
	clear(*frames)
	*frames = (*frames)[:0]
	if err != nil {
		return err
	}
	c.count(sent)
	return nil
}

// count records the events among items as delivered, and the lag of the oldest live one: once
// per write, as a histogram observation per delivery cost a few percent of a busy fan-out.
func (c *conn) count(items []item) {
	n := 0
	var oldest time.Time
	for _, it := range items {
		if it.sub == nil {
			continue
		}
		n++
		if oldest.IsZero() && !it.created.IsZero() {
			oldest = it.created
		}
	}
	if n == 0 {
		return
	}
	c.hub.m.delivered.Add(float64(n))
	if !oldest.IsZero() {
		c.hub.m.lag.Observe(time.Since(oldest).Seconds())
	}
}

// fail ends a connection whose writing failed: there is no point in a close frame.
func (c *conn) fail() {
	c.markClosed()
	c.mu.Lock()
	c.writing = false
	c.mu.Unlock()
	_ = c.ws.Close()
}

// skip drops the first n bytes of frames, which went out already.
func skip(frames net.Buffers, n int) net.Buffers {
	for len(frames) > 0 && n >= len(frames[0]) {
		n -= len(frames[0])
		frames = frames[1:]
	}
	if len(frames) > 0 {
		frames[0] = frames[0][n:]
	}
	return frames
}

func size(frames net.Buffers) int {
	n := 0
	for _, f := range frames {
		n += len(f)
	}
	return n
}

// errWouldBlock: the socket takes nothing more now.
var errWouldBlock = errors.New("write would block")

// errShortRead: the socket gave fewer bytes than it had shown.
var errShortRead = errors.New("short read")
