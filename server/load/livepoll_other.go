//go:build !linux

package main

import "errors"

// livePollers exist on Linux only (livepoll_linux.go); elsewhere every client has a goroutine.
type livePollers struct{}

func newLivePollers() *livePollers { return nil }

func (ps *livePollers) attach(*liveClient, int) error { return errors.New("no poller") }

func (ps *livePollers) stop() {}
