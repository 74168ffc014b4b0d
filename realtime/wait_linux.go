package realtime

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// waitReadable waits until the client sent something (or closed, or the read deadline passed)
// and copies the start of it into peek without taking it from the socket.
func waitReadable(raw syscall.RawConn, peek []byte) (int, error) {
	if raw == nil {
		return 0, nil
	}
	var n int
	err := raw.Read(func(fd uintptr) bool {
		var err error
		n, _, err = unix.Recvfrom(int(fd), peek, unix.MSG_PEEK|unix.MSG_DONTWAIT)
		return err != unix.EAGAIN && err != unix.EINTR
	})
	return max(n, 0), err
}

// discard takes len(b) bytes, seen already by waitReadable, from the socket.
func discard(raw syscall.RawConn, b []byte) error {
	var n int
	var rerr error
	err := raw.Read(func(fd uintptr) bool {
		n, rerr = unix.Read(int(fd), b)
		return rerr != unix.EINTR
	})
	switch {
	case err != nil:
		return err
	case rerr != nil:
		return rerr
	case n != len(b):
		return errShortRead
	}
	return nil
}
