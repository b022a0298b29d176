package worker

import (
	"errors"
	"testing"

	"github.com/goconnect/goconnect/runtime/offsetstore"
)

func offsetBatch(records int, pos int64) *batch {
	b := &batch{records: records, offsets: map[string]offsetstore.Offset{
		"p": {Partition: map[string]any{"f": "x"}, Offset: map[string]any{"pos": pos}},
	}}
	b.remaining.Store(int64(records))
	return b
}

// TestCommittableStopsAtTheFirstUnackedBatch checks the at-least-once rule:
// offsets advance only over batches whose records were all acknowledged,
// in poll order.
func TestCommittableStopsAtTheFirstUnackedBatch(t *testing.T) {
	s := newSubmitted()
	b1, b2, b3 := offsetBatch(2, 10), offsetBatch(1, 20), offsetBatch(1, 30)
	s.add(b1)
	s.add(b2)
	s.add(b3)
	b3.ack(nil) // a later batch acked first must not move the offset
	if offs, n, err := s.committable(); err != nil || len(offs) != 0 || n != 0 {
		t.Fatalf("nothing is committable yet: %v %d %v", offs, n, err)
	}
	b1.ack(nil)
	b1.ack(nil)
	offs, n, err := s.committable()
	if err != nil || n != 2 || len(offs) != 1 || offs[0].Offset["pos"] != int64(10) {
		t.Fatalf("after batch 1: %v %d %v", offs, n, err)
	}
	boom := errors.New("boom")
	b2.ack(boom)
	offs, n, err = s.committable()
	if !errors.Is(err, boom) || len(offs) != 0 || n != 0 {
		t.Fatalf("failed batch 2 must stop the commit: %v %d %v", offs, n, err)
	}
}

// TestCommittableKeepsOffsetsBeforeAFailure: batches acknowledged before a
// failed one are still committed, so a restart does not produce them again.
func TestCommittableKeepsOffsetsBeforeAFailure(t *testing.T) {
	s := newSubmitted()
	b1, b2 := offsetBatch(1, 10), offsetBatch(1, 20)
	s.add(b1)
	s.add(b2)
	b1.ack(nil)
	b2.ack(errors.New("boom"))
	offs, _, err := s.committable()
	if err == nil || len(offs) != 1 || offs[0].Offset["pos"] != int64(10) {
		t.Fatalf("offsets before the failed batch: %v %v", offs, err)
	}
}

// TestRestoreRecommitsOffsets: offsets whose commit failed come back first
// at the next commit, and later batches' offsets of the same partition win.
func TestRestoreRecommitsOffsets(t *testing.T) {
	s := newSubmitted()
	pa, pb := map[string]any{"p": "a"}, map[string]any{"p": "b"}
	add := func(part map[string]any, pos int64) {
		b := &batch{records: 1, offsets: map[string]offsetstore.Offset{
			s.partitionKey(part): {Partition: part, Offset: map[string]any{"pos": pos}}}}
		s.add(b)
	}
	add(pa, 1)
	add(pb, 1)
	offs, n, err := s.committable()
	if err != nil || n != 2 || len(offs) != 2 {
		t.Fatalf("committable: %v %d %v", offs, n, err)
	}
	s.restore(offs, n) // the write failed
	add(pa, 2)
	offs, n, err = s.committable()
	if err != nil || n != 3 {
		t.Fatalf("after restore: %v %d %v", offs, n, err)
	}
	got := map[string]int64{}
	for _, o := range offs {
		got[o.Partition["p"].(string)] = o.Offset["pos"].(int64)
	}
	if got["a"] != 2 || got["b"] != 1 || len(got) != 2 {
		t.Fatalf("offsets after a failed commit and a new batch: %v, want a:2 b:1", got)
	}
}

// TestFirstErrorSeesAFailedBatch: the per-poll check finds a produce
// failure of any batch in flight, and nothing before one.
func TestFirstErrorSeesAFailedBatch(t *testing.T) {
	s := newSubmitted()
	b1, b2 := offsetBatch(1, 10), offsetBatch(1, 20)
	s.add(b1)
	s.add(b2)
	b1.ack(nil)
	if err := s.firstError(); err != nil {
		t.Fatalf("no failure yet: %v", err)
	}
	boom := errors.New("boom")
	b2.ack(boom)
	if err := s.firstError(); !errors.Is(err, boom) {
		t.Fatalf("after a failed record: %v", err)
	}
}

// TestBatchAckAllocates: acknowledging a record written without error
// allocates nothing (it is called once per record produced).
func TestBatchAckAllocates(t *testing.T) {
	b := &batch{}
	b.remaining.Store(1 << 40)
	if n := testing.AllocsPerRun(1000, func() { b.ack(nil) }); n != 0 {
		t.Fatalf("ack(nil) allocates %v times", n)
	}
	b.ack(errors.New("boom"))
	if errp := b.failed.Load(); errp == nil || (*errp).Error() != "boom" {
		t.Fatalf("failure not kept: %v", errp)
	}
}
