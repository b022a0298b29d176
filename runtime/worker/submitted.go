package worker

import (
	"reflect"
	"sync"
	"sync/atomic"

	"github.com/goconnect/goconnect/runtime/offsetstore"
)

// batch is one poll's records in flight: its source offsets become
// committable when the broker has acknowledged every record of it and of
// every batch before it.
type batch struct {
	remaining atomic.Int64
	written   atomic.Int64
	failed    atomic.Pointer[error]
	// anyFailed is the tracker's flag, set with failed, so that a
	// check per poll need not scan every batch in flight.
	anyFailed *atomic.Bool
	// onWritten, if set, receives the number of records written once
	// every record of the batch is settled.
	onWritten func(int)
	// records is the number of records the poll returned.
	records int
	// offsets holds the last offset of each source partition in the batch.
	offsets map[string]offsetstore.Offset
}

// ack is the produce promise; one method value serves all the batch's records.
func (b *batch) ack(err error) {
	if err != nil {
		b.fail(err)
	}
	b.done(err == nil)
}

// fail records a batch's first failure. Apart from ack, so that the
// error escapes to the heap only when there is one: taking the address
// of ack's own parameter cost an allocation per record produced.
func (b *batch) fail(err error) {
	b.failed.CompareAndSwap(nil, &err)
	if b.anyFailed != nil {
		b.anyFailed.Store(true)
	}
}

// done counts one record of the batch as settled: written to Kafka, or
// dropped or skipped (written false). The last one reports the batch's
// written records, so metrics are updated once per batch.
func (b *batch) done(written bool) {
	if written {
		b.written.Add(1)
	}
	if b.remaining.Add(-1) == 0 && b.onWritten != nil {
		b.onWritten(int(b.written.Load()))
	}
}

// submitted tracks batches in poll order (Connect's SubmittedRecords).
type submitted struct {
	mu      sync.Mutex
	batches []*batch
	// anyFailed is set when a batch added here failed (batch.ack).
	anyFailed atomic.Bool
	// partKeys caches the identity of partition maps by map pointer:
	// connectors reuse one map per source partition.
	partKeys map[uintptr]string
}

func newSubmitted() *submitted { return &submitted{partKeys: map[uintptr]string{}} }

// partitionKey returns a stable identity for a partition map.
func (s *submitted) partitionKey(m map[string]any) string {
	ptr := reflect.ValueOf(m).Pointer()
	if k, ok := s.partKeys[ptr]; ok {
		return k
	}
	b, _ := offsetstore.EncodeKey("", m)
	k := string(b)
	if len(s.partKeys) < 1024 {
		s.partKeys[ptr] = k
	}
	return k
}

func (s *submitted) add(b *batch) {
	b.anyFailed = &s.anyFailed
	s.mu.Lock()
	s.batches = append(s.batches, b)
	s.mu.Unlock()
}

// committable pops the acknowledged prefix and returns its offsets (the
// latest per partition) and how many records they cover, or the first
// produce error seen.
func (s *submitted) committable() ([]offsetstore.Offset, int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	merged := map[string]offsetstore.Offset{}
	var order []string
	n, records := 0, 0
	var failed error
	for _, b := range s.batches {
		if errp := b.failed.Load(); errp != nil {
			// Batches before the failed one are still committed, so a
			// restart does not produce them again.
			failed = *errp
			break
		}
		if b.remaining.Load() > 0 {
			break
		}
		for k, o := range b.offsets {
			if _, ok := merged[k]; !ok {
				order = append(order, k)
			}
			merged[k] = o
		}
		n++
		records += b.records
	}
	s.batches = append(s.batches[:0], s.batches[n:]...)
	out := make([]offsetstore.Offset, 0, len(order))
	for _, k := range order {
		out = append(out, merged[k])
	}
	return out, records, failed
}

// restore puts back offsets whose commit failed, ahead of the batches
// still tracked, so the next commit writes them (or later ones for the same
// partitions): Connect's OffsetStorageWriter.cancelFlush.
func (s *submitted) restore(offs []offsetstore.Offset, records int) {
	b := &batch{records: records, offsets: make(map[string]offsetstore.Offset, len(offs))}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range offs {
		b.offsets[s.partitionKey(o.Partition)] = o
	}
	s.batches = append([]*batch{b}, s.batches...)
}

// firstError returns a produce failure of any batch still in flight.
func (s *submitted) firstError() error {
	if !s.anyFailed.Load() {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range s.batches {
		if errp := b.failed.Load(); errp != nil {
			return *errp
		}
	}
	return nil
}
