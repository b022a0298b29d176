// Package gctune bounds the worker's heap without giving up the cheap
// collections of a high GOGC.
//
// Records are short-lived garbage: at GOGC=400 the collector runs once
// per 4× the live heap allocated, which keeps its cost low, but the heap
// then peaks at 5× what is live. The live heap of a busy source task is
// bounded (its queue, one poll's batch and the producer's buffer.memory:
// 20–60 MB for Debezium MySQL's defaults), so the peak is bounded too,
// but at 150–300 MB. Run adds a soft memory limit (runtime/debug
// SetMemoryLimit) of max(Floor, Factor × live heap): a small live heap
// keeps GOGC=400's pace until the heap reaches Floor, after which the
// collector runs sooner; a large one (many tasks) lifts the limit with it,
// so the collector never thrashes near a limit it cannot meet (it behaves
// as GOGC=(Factor-1)×100 there). Factor 3 let a 3M-row MySQL snapshot
// peak at 189 MB RSS, 2 at 131 MB, at the same CPU per row.
package gctune

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// Defaults for the worker.
const (
	Floor  = 96 << 20
	Factor = 2
	Every  = time.Second
)

const liveMetric = "/gc/heap/live:bytes"

// Run adjusts the soft memory limit until ctx ends. A limit set by
// someone else in the meantime (the embedded broker sizes one to its
// retention) becomes the new floor.
func Run(ctx context.Context, floor int64, factor int64, every time.Duration) {
	sample := []metrics.Sample{{Name: liveMetric}}
	var set int64
	apply := func() {
		if cur := debug.SetMemoryLimit(-1); set != 0 && cur != set {
			floor = cur
		}
		metrics.Read(sample)
		var live int64
		if sample[0].Value.Kind() == metrics.KindUint64 {
			live = int64(sample[0].Value.Uint64())
		}
		set = Limit(floor, factor, live)
		debug.SetMemoryLimit(set)
	}
	apply()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			apply()
		}
	}
}

// Limit is the soft memory limit for a live heap of live bytes.
func Limit(floor, factor, live int64) int64 {
	return max(floor, factor*live)
}
