package schemaregistry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Topic is where Confluent's registry keeps its schemas.
const Topic = "_schemas"

// KafkaJournal stores registry records in a compacted topic and keeps
// reading it (Confluent's KafkaStoreReaderThread), so several registry
// instances on one topic see each other's writes.
type KafkaJournal struct {
	cl    *kgo.Client // producer and admin
	adm   *kadm.Client
	topic string
	log   *slog.Logger

	cancel context.CancelFunc
	done   chan struct{}

	mu sync.Mutex
	// own holds the offsets this instance wrote and applied itself: the
	// reader skips them.
	own map[int64]bool
	// next is the offset after the last record applied.
	next int64
	// moved is closed (and replaced) whenever next moves.
	moved   chan struct{}
	readErr error
	// writeTimeout bounds a write's produce (kafkastore.timeout.ms; 0:
	// the client's own retries and timeouts).
	writeTimeout time.Duration
}

// SetWriteTimeout bounds each later write's wait for the broker's ack,
// as Confluent's kafkastore.timeout.ms.
func (j *KafkaJournal) SetWriteTimeout(d time.Duration) {
	j.mu.Lock()
	j.writeTimeout = d
	j.mu.Unlock()
}

// Replayer takes the records of a topic read back (the schema registry,
// the DEK registry).
type Replayer interface {
	Replay(key, value []byte)
}

// GuardedReplayer applies a record unless skip, asked under the
// replayer's own lock, says this instance wrote it.
type GuardedReplayer interface {
	ReplayGuarded(key, value []byte, ts time.Time, skip func() bool)
}

// OpenKafka creates the topic if needed (one partition, compacted, as
// Confluent's registry does), replays it into r, and keeps reading it in
// the background until Close; it returns the journal for later writes.
// opts add client settings, such as security.
func OpenKafka(ctx context.Context, brokers []string, topic string, r Replayer, opts ...kgo.Opt) (*KafkaJournal, error) {
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(brokers...), kgo.ProducerBatchCompression(kgo.NoCompression())}, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("schema registry: kafka client: %w", err)
	}
	adm := kadm.NewClient(cl)
	rf := int16(-1)
	resp, err := adm.CreateTopic(ctx, 1, rf, map[string]*string{"cleanup.policy": ptr("compact")}, topic)
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) && !errors.Is(resp.Err, kerr.TopicAlreadyExists) {
		cl.Close()
		return nil, fmt.Errorf("schema registry: creating topic %s: %w", topic, err)
	}
	if err == nil && resp.Err != nil && !errors.Is(resp.Err, kerr.TopicAlreadyExists) {
		cl.Close()
		return nil, fmt.Errorf("schema registry: creating topic %s: %w", topic, resp.Err)
	}
	reader, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(brokers...),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().AtStart()}})}, opts...)...)
	if err != nil {
		cl.Close()
		return nil, fmt.Errorf("schema registry: kafka client: %w", err)
	}
	rctx, cancel := context.WithCancel(context.Background())
	j := &KafkaJournal{cl: cl, adm: adm, topic: topic, log: slog.Default().With("topic", topic),
		cancel: cancel, done: make(chan struct{}), own: map[int64]bool{}, moved: make(chan struct{})}
	go j.read(rctx, reader, r)
	if err := j.Sync(ctx); err != nil {
		j.Close()
		return nil, fmt.Errorf("schema registry: replaying %s: %w", topic, err)
	}
	return j, nil
}

func ptr(s string) *string { return &s }

// read applies the topic's records as they come, until ctx ends.
func (j *KafkaJournal) read(ctx context.Context, cl *kgo.Client, r Replayer) {
	defer close(j.done)
	defer cl.Close()
	for {
		fetches := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return
		}
		fetches.EachError(func(_ string, _ int32, err error) {
			j.mu.Lock()
			j.readErr = err
			j.mu.Unlock()
			j.log.Warn("schema registry: reading the store topic failed, retrying", "error", err)
		})
		fetches.EachRecord(func(rec *kgo.Record) {
			off := rec.Offset
			skip := func() bool {
				j.mu.Lock()
				defer j.mu.Unlock()
				return j.own[off]
			}
			if g, ok := r.(GuardedReplayer); ok {
				g.ReplayGuarded(rec.Key, rec.Value, rec.Timestamp, skip)
			} else if !skip() {
				if tr, ok := r.(interface {
					ReplayAt(key, value []byte, ts time.Time)
				}); ok {
					tr.ReplayAt(rec.Key, rec.Value, rec.Timestamp)
				} else {
					r.Replay(rec.Key, rec.Value)
				}
			}
			j.mu.Lock()
			delete(j.own, off)
			j.next = off + 1
			j.readErr = nil
			close(j.moved)
			j.moved = make(chan struct{})
			j.mu.Unlock()
		})
	}
}

// Sync waits until every record written to the topic before the call has
// been applied (Confluent's waitUntilKafkaReaderReachesLastOffset): a new
// leader calls it before it allocates ids, a follower after a write it
// forwarded, so a read after the answer sees the write.
func (j *KafkaJournal) Sync(ctx context.Context) error {
	ends, err := j.adm.ListEndOffsets(ctx, j.topic)
	if err != nil {
		return fmt.Errorf("reading the end of %s: %w", j.topic, err)
	}
	end, ok := ends.Lookup(j.topic, 0)
	if !ok {
		return fmt.Errorf("reading the end of %s: no partition 0", j.topic)
	}
	if end.Err != nil {
		return fmt.Errorf("reading the end of %s: %w", j.topic, end.Err)
	}
	for {
		j.mu.Lock()
		next, moved, rerr := j.next, j.moved, j.readErr
		j.mu.Unlock()
		if next >= end.Offset {
			return nil
		}
		select {
		case <-ctx.Done():
			if rerr != nil {
				return fmt.Errorf("read up to offset %d of %d: %w (last read error: %v)", next, end.Offset, ctx.Err(), rerr)
			}
			return fmt.Errorf("read up to offset %d of %d: %w", next, end.Offset, ctx.Err())
		case <-j.done:
			return fmt.Errorf("the reader of %s stopped", j.topic)
		case <-moved:
		}
	}
}

// Append implements Journal.
func (j *KafkaJournal) Append(key, value []byte) error {
	return j.AppendAt(key, value, time.Time{})
}

// AppendAt writes a record with that timestamp (zero: the client's time).
// The caller applies it itself, holding the lock its ReplayGuarded takes,
// so the reader skips it.
func (j *KafkaJournal) AppendAt(key, value []byte, ts time.Time) error {
	ctx := context.Background()
	j.mu.Lock()
	timeout := j.writeTimeout
	j.mu.Unlock()
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	res := j.cl.ProduceSync(ctx, &kgo.Record{Topic: j.topic, Key: key, Value: value, Timestamp: ts})
	rec, err := res.First()
	if err != nil {
		return err
	}
	j.mu.Lock()
	if rec.Offset >= j.next {
		j.own[rec.Offset] = true
	}
	j.mu.Unlock()
	return nil
}

// ClusterID is the Kafka cluster's id (Confluent's /v1/metadata/id).
func (j *KafkaJournal) ClusterID(ctx context.Context) (string, error) {
	m, err := j.adm.BrokerMetadata(ctx)
	if err != nil {
		return "", err
	}
	return m.Cluster, nil
}

// Close stops the reader and releases the clients.
func (j *KafkaJournal) Close() {
	j.cancel()
	<-j.done
	j.cl.Close()
}
