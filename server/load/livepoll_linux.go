package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// The live run's clients are read by a few pollers of the generator's own rather than by a
// goroutine per client. With Go's network poller, every frame cost a read, a second read that
// found nothing, and parking and waking the goroutine: at 100,000 frames a second the generator
// took nearly a core of the two it shares with Nabij, and Nabij's fan-out waited for CPU. Each
// poller looks at its own epoll set (level-triggered) and reads a socket once when it is
// readable. The websocket handshake and the subscribe still go through gorilla; the socket is
// then taken over. What Nabij sends after "subscribed" comes only once the changes start, so
// nothing is left behind in gorilla's buffer, and the run would see any missed event.

// livePollers are the pollers of one run.
type livePollers struct {
	sets    []*livePoller
	wg      sync.WaitGroup
	stopped atomic.Bool
	once    sync.Once
}

// livePoller is one epoll set and the clients in it, by socket.
type livePoller struct {
	epfd    int
	clients sync.Map // fd -> *liveClient, where attach puts them
	// byFD is the loop's own copy of clients, indexed by socket: sync.Map's lookups were a
	// twentieth of the generator's time.
	byFD []*liveClient
}

// livePollerCount: one per processor the generator may use would compete with Nabij; two keep up
// with 100,000 frames a second.
const livePollerCount = 2

// livePollPause is how long a poller pauses after a look that found few sockets ready.
const livePollPause = time.Millisecond

func newLivePollers() *livePollers {
	ps := &livePollers{}
	for range livePollerCount {
		epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
		if err != nil {
			break // attach then fails, and clients get goroutines
		}
		p := &livePoller{epfd: epfd}
		ps.sets = append(ps.sets, p)
		ps.wg.Add(1)
		go ps.loop(p)
	}
	return ps
}

// attach takes lc's socket from gorilla and hands it to poller i mod the number of pollers.
func (ps *livePollers) attach(lc *liveClient, i int) error {
	if len(ps.sets) == 0 {
		return errors.New("no poller")
	}
	tc, ok := lc.ws.NetConn().(*net.TCPConn)
	if !ok {
		return fmt.Errorf("a %T is not polled", lc.ws.NetConn())
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return err
	}
	fd := -1
	var derr error
	if err := raw.Control(func(s uintptr) { fd, derr = unix.Dup(int(s)) }); err != nil || derr != nil {
		return errors.Join(err, derr)
	}
	// Closing Go's copy takes it out of Go's poller; the socket stays open through the dup.
	_ = tc.Close()
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return err
	}
	p := ps.sets[i%len(ps.sets)]
	lc.poller, lc.fd = ps, fd
	p.clients.Store(fd, lc)
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP, Fd: int32(fd)}
	if err := unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		// The gorilla connection is closed: this client cannot fall back to a goroutine.
		p.clients.Delete(fd)
		lc.lost = "lost: epoll: " + err.Error()
		unix.Close(fd)
		close(lc.done)
	}
	return nil
}

// loop reads p's sockets as they become readable until the run stops, then closes them.
func (ps *livePollers) loop(p *livePoller) {
	defer ps.wg.Done()
	// The poller never sleeps in epoll_wait: it looks (timeout 0) and, when few sockets were
	// ready, pauses its thread briefly. A thread asleep in epoll_wait has to be woken by every
	// frame Nabij writes, and that wake-up is paid inside Nabij's write; waking for two or three
	// frames at a time also cost the generator more in switching than in reading. A frame's
	// measured latency grows by at most the pause, so the figures err high.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	pause := unix.NsecToTimespec(livePollPause.Nanoseconds())
	events := make([]unix.EpollEvent, 256)
	buf := make([]byte, 64<<10)
	for !ps.stopped.Load() {
		n, err := unix.EpollWait(p.epfd, events, 0)
		if err != nil && !errors.Is(err, unix.EINTR) {
			break
		}
		for _, ev := range events[:max(n, 0)] {
			if lc := p.client(int(ev.Fd)); lc != nil {
				p.readable(lc, buf)
			}
		}
		if n < len(events)/4 {
			_ = unix.Nanosleep(&pause, nil)
		}
	}
	p.clients.Range(func(_, v any) bool {
		lc := v.(*liveClient)
		unix.Close(lc.fd)
		close(lc.done)
		return true
	})
	unix.Close(p.epfd)
}

// client is the client reading on fd, from the loop's index, else from where attach put it.
func (p *livePoller) client(fd int) *liveClient {
	if fd < len(p.byFD) && p.byFD[fd] != nil {
		return p.byFD[fd]
	}
	v, ok := p.clients.Load(fd)
	if !ok {
		return nil
	}
	if fd >= len(p.byFD) {
		p.byFD = append(p.byFD, make([]*liveClient, fd+1-len(p.byFD))...)
	}
	p.byFD[fd] = v.(*liveClient)
	return p.byFD[fd]
}

// stop ends the pollers, which close every socket still open, and waits for them.
func (ps *livePollers) stop() {
	ps.once.Do(func() {
		ps.stopped.Store(true)
		ps.wg.Wait()
	})
}

// readable reads what lc's socket holds, once, and takes the whole frames out of it.
func (p *livePoller) readable(lc *liveClient, buf []byte) {
	n, err := unix.Read(lc.fd, buf)
	switch {
	case errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR):
		return
	case err != nil:
		p.end(lc, lossKind(err))
		return
	case n == 0:
		p.end(lc, "closed by Nabij without a close frame")
		return
	}
	now := time.Now()
	data := buf[:n]
	if len(lc.pending) > 0 {
		lc.pending = append(lc.pending, data...)
		data = lc.pending
	}
	used, lost := lc.frames(data, now)
	if lost != "" {
		p.end(lc, lost)
		return
	}
	lc.pending = append(lc.pending[:0:0], data[used:]...)
}

// end takes lc out of the poller after its connection ended.
func (p *livePoller) end(lc *liveClient, lost string) {
	_ = unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, lc.fd, nil)
	p.clients.Delete(lc.fd)
	if lc.fd < len(p.byFD) {
		p.byFD[lc.fd] = nil // the number may come back for another socket
	}
	unix.Close(lc.fd)
	if !lc.closing.Load() {
		lc.lost = lost
	}
	close(lc.done)
}

// frames handles the whole websocket frames (RFC 6455, section 5.2) at the start of data, and
// says how many bytes they took; lost is how the connection ended, when a frame ended it.
func (lc *liveClient) frames(data []byte, now time.Time) (used int, lost string) {
	for {
		rest := data[used:]
		if len(rest) < 2 {
			return used, ""
		}
		fin, op := rest[0]&0x80 != 0, rest[0]&0x0f
		if rest[1]&0x80 != 0 {
			return used, "lost: Nabij sent a masked frame"
		}
		size, head := uint64(rest[1]&0x7f), 2
		switch size {
		case 126:
			if len(rest) < 4 {
				return used, ""
			}
			size, head = uint64(binary.BigEndian.Uint16(rest[2:])), 4
		case 127:
			if len(rest) < 10 {
				return used, ""
			}
			size, head = binary.BigEndian.Uint64(rest[2:]), 10
		}
		if size > 1<<20 {
			return used, "lost: a frame of more than 1 MB"
		}
		if uint64(len(rest)-head) < size {
			return used, ""
		}
		payload := rest[head : head+int(size)]
		used += head + int(size)
		switch op {
		case 0x0, 0x1, 0x2: // continuation, text, binary
			if fin && op != 0 {
				lc.message(payload, now)
				break
			}
			lc.partial = append(lc.partial, payload...)
			if fin {
				lc.message(lc.partial, now)
				lc.partial = lc.partial[:0]
			}
		case 0x8: // close
			code := "no code"
			if len(payload) >= 2 {
				code = fmt.Sprint(binary.BigEndian.Uint16(payload))
			}
			return used, fmt.Sprintf("closed by Nabij with %s %s", code, payload[min(2, len(payload)):])
		case 0x9: // ping: a pong with the same payload, masked as a client must
			pong := make([]byte, 0, 6+len(payload))
			pong = append(pong, 0x8a, 0x80|byte(len(payload)), 0x4e, 0x61, 0x62, 0x6a)
			for i, b := range payload {
				pong = append(pong, b^pong[2+i%4])
			}
			_, _ = unix.Write(lc.fd, pong)
		}
	}
}
