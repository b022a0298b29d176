package main

import (
	"context"
	"runtime/debug"
	"testing"
)

// TestTuneGC: without GOGC in the environment the collector runs at
// defaultGCPercent (800: a live stream's small heap is collected near
// gctune.Floor); with GOGC set, the environment's value is left alone.
func TestTuneGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	debug.SetGCPercent(100)
	tuneGC(ctx, func(k string) string {
		if k == "GOGC" {
			return "100"
		}
		return ""
	})
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC set: GC percent %d, want the environment's 100", got)
	}
	tuneGC(ctx, func(string) string { return "" })
	if got := debug.SetGCPercent(100); got != 800 {
		t.Errorf("GC percent %d, want 800", got)
	}
}
