//go:build !linux

package realtime

import "syscall"

// waitReadable cannot wait without reading here: gorilla waits, in a goroutine with a larger
// stack.
func waitReadable(syscall.RawConn, []byte) (int, error) { return 0, nil }

func discard(syscall.RawConn, []byte) error { return nil }
