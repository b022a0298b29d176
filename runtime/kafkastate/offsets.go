package kafkastate

import (
	"context"
	"fmt"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/runtime/offsetstore"
)

// OffsetStore keeps source offsets in the offsets topic: keys
// ["<connector>",{partition}] and values as JSON, partitioned by the
// Java client's murmur2 of the key bytes (franz-go's default).
type OffsetStore struct {
	log *Log
	mem *offsetstore.Memory
	// guard, when set, must pass before offsets are written: a worker
	// that lost its place in the group must not commit for tasks that
	// now run elsewhere.
	guard func() error
}

var _ offsetstore.Store = (*OffsetStore)(nil)

// OpenOffsetStore tails topic.
func OpenOffsetStore(brokers []string, topic string, opts ...kgo.Opt) (*OffsetStore, error) {
	s := &OffsetStore{mem: offsetstore.NewMemory()}
	l, err := OpenLog(brokers, topic, func(r *kgo.Record) { s.mem.Apply(r.Key, r.Value) }, opts...)
	if err != nil {
		return nil, err
	}
	s.log = l
	return s, nil
}

// SetGuard installs the check run before every write.
func (s *OffsetStore) SetGuard(g func() error) { s.guard = g }

// ReadToEnd waits until every offset written before is applied; a task
// calls it before reading where to resume.
func (s *OffsetStore) ReadToEnd(ctx context.Context) error { return s.log.ReadToEnd(ctx) }

// Close stops the store.
func (s *OffsetStore) Close() { s.log.Close() }

// Get implements offsetstore.Store.
func (s *OffsetStore) Get(ctx context.Context, connector string, partition map[string]any) (map[string]any, error) {
	return s.mem.Get(ctx, connector, partition)
}

// List implements offsetstore.Store.
func (s *OffsetStore) List(ctx context.Context, connector string) ([]offsetstore.Offset, error) {
	return s.mem.List(ctx, connector)
}

// Put implements offsetstore.Store: it returns once the broker has every
// record, and the store has read them back.
func (s *OffsetStore) Put(ctx context.Context, connector string, offsets []offsetstore.Offset) error {
	if s.guard != nil {
		if err := s.guard(); err != nil {
			return fmt.Errorf("offsets of %s not committed: %w", connector, err)
		}
	}
	recs := make([]*kgo.Record, 0, len(offsets))
	for _, o := range offsets {
		key, err := s.mem.KeyFor(connector, o.Partition)
		if err != nil {
			return err
		}
		var val []byte
		if o.Offset != nil {
			if val, err = offsetstore.EncodeValue(o.Offset); err != nil {
				return err
			}
		}
		recs = append(recs, &kgo.Record{Key: key, Value: val})
	}
	return s.log.SendAndRead(ctx, recs...)
}

// Records returns the offsets topic records that store offs, for a task
// that writes them in its own transaction (exactly-once source): the
// offsets become visible exactly when the records they cover do.
func (s *OffsetStore) Records(connector string, offs []offsetstore.Offset) ([]*kgo.Record, error) {
	recs := make([]*kgo.Record, 0, len(offs))
	for _, o := range offs {
		key, err := s.mem.KeyFor(connector, o.Partition)
		if err != nil {
			return nil, err
		}
		var val []byte
		if o.Offset != nil {
			if val, err = offsetstore.EncodeValue(o.Offset); err != nil {
				return nil, err
			}
		}
		recs = append(recs, &kgo.Record{Topic: s.log.topic, Key: key, Value: val})
	}
	return recs, nil
}
