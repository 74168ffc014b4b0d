//go:build !linux

package realtime

import "syscall"

// writeNow has no way to write without waiting here: every write goes through a connection's
// own goroutine.
func writeNow(syscall.RawConn, [][]byte) (int, error) { return 0, errWouldBlock }
