package gctune

import (
	"context"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestLimit(t *testing.T) {
	if got := Limit(128<<20, 3, 20<<20); got != 128<<20 {
		t.Errorf("small live heap: %d, want the floor", got)
	}
	if got := Limit(128<<20, 3, 100<<20); got != 300<<20 {
		t.Errorf("large live heap: %d, want 3× live", got)
	}
}

// TestRun: the limit follows the live heap above the floor, and a limit
// someone else sets becomes the floor.
func TestRun(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); Run(ctx, 1<<20, 3, 5*time.Millisecond) }()
	defer func() { cancel(); <-done }()
	keep := make([]byte, 8<<20) // live heap above floor/3
	waitLimit(t, func(l int64) bool { return l >= 3*int64(len(keep)) }, "3× an 8 MiB live heap")
	runtime.KeepAlive(keep)
	debug.SetMemoryLimit(1 << 40)
	waitLimit(t, func(l int64) bool { return l == 1<<40 }, "the limit set by someone else")
}

func waitLimit(t *testing.T, ok func(int64) bool, what string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		runtime.GC()
		l := debug.SetMemoryLimit(-1)
		if ok(l) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("limit %d, want %s", l, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
