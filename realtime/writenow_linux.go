package realtime

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// writeNow writes as much of frames as the socket takes without waiting, and returns how many
// bytes that was; errWouldBlock when it took none.
func writeNow(raw syscall.RawConn, frames [][]byte) (int, error) {
	if raw == nil {
		return 0, errWouldBlock
	}
	if len(frames) > 1024 { // IOV_MAX
		frames = frames[:1024]
	}
	var n int
	var werr error
	err := raw.Write(func(fd uintptr) bool {
		for {
			n, werr = unix.Writev(int(fd), frames)
			if werr != unix.EINTR {
				return true // never wait here
			}
		}
	})
	switch {
	case err != nil:
		return 0, err
	case werr == unix.EAGAIN:
		return 0, errWouldBlock
	case werr != nil:
		return 0, werr
	}
	return n, nil
}
