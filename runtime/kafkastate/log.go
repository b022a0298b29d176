// Package kafkastate keeps the distributed worker's state in Kafka, in the
// Java Connect worker's formats: the config topic (connector and task
// configs, target states, restart requests, the session key), the status
// topic and the source offsets topic. A worker pointed at an existing Java
// cluster's topics reads its state.
package kafkastate

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TopicSpec is how an internal topic is created when it is missing.
type TopicSpec struct {
	Name        string
	Partitions  int32 // -1: broker default
	Replication int16 // -1: broker default
	Configs     map[string]string
}

// EnsureTopic creates spec's topic, compacted, unless it exists. An
// existing topic is checked only for what breaks Connect: the config
// topic must have one partition (onePartition).
func EnsureTopic(ctx context.Context, adm *kadm.Client, spec TopicSpec, onePartition bool) error {
	configs := map[string]*string{}
	for k, v := range spec.Configs {
		configs[k] = &v
	}
	compact := "compact"
	configs["cleanup.policy"] = &compact
	resp, err := adm.CreateTopic(ctx, spec.Partitions, spec.Replication, configs, spec.Name)
	if err == nil {
		err = resp.Err
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, kerr.TopicAlreadyExists):
		// Another worker created it first.
	default:
		return fmt.Errorf("creating internal topic %s: %w", spec.Name, err)
	}
	if !onePartition {
		return nil
	}
	details, err := adm.ListTopics(ctx, spec.Name)
	if err != nil {
		return fmt.Errorf("describing internal topic %s: %w", spec.Name, err)
	}
	if d, ok := details[spec.Name]; ok && d.Err == nil && len(d.Partitions) != 1 {
		return fmt.Errorf("topic '%s' supplied via the 'config.storage.topic' property is required to have a single partition "+
			"in order to guarantee consistency of connector configurations, but found %d partitions", spec.Name, len(d.Partitions))
	}
	return nil
}

// Log reads a compacted topic from its start, handing every record to
// apply in order, and writes records to it.
type Log struct {
	topic string
	prod  *kgo.Client
	cons  *kgo.Client
	adm   *kadm.Client
	apply func(*kgo.Record)

	mu   sync.Mutex
	cond *sync.Cond
	// next is the offset after the last record applied, per partition.
	next map[int32]int64
	err  error

	cancel context.CancelFunc
	done   chan struct{}
}

// OpenLog starts tailing topic. apply runs on the tailing goroutine only.
func OpenLog(brokers []string, topic string, apply func(*kgo.Record), opts ...kgo.Opt) (*Log, error) {
	base := append([]kgo.Opt{kgo.SeedBrokers(brokers...)}, opts...)
	prod, err := kgo.NewClient(append(base, kgo.DefaultProduceTopic(topic), kgo.ProducerLinger(0),
		kgo.RecordRetries(10), kgo.ProduceRequestTimeout(30*time.Second))...)
	if err != nil {
		return nil, fmt.Errorf("creating producer for %s: %w", topic, err)
	}
	// Read committed: with exactly-once source, offsets arrive in the
	// tasks' transactions. Control records are kept (and skipped below)
	// so the read position passes transaction markers and ReadToEnd can
	// compare it with the last stable offset.
	cons, err := kgo.NewClient(append(base, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(500*time.Millisecond), kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.KeepControlRecords())...)
	if err != nil {
		prod.Close()
		return nil, fmt.Errorf("creating consumer for %s: %w", topic, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	l := &Log{topic: topic, prod: prod, cons: cons, adm: kadm.NewClient(prod), apply: apply,
		next: map[int32]int64{}, cancel: cancel, done: make(chan struct{})}
	l.cond = sync.NewCond(&l.mu)
	go l.tail(ctx)
	return l, nil
}

func (l *Log) tail(ctx context.Context) {
	defer close(l.done)
	for {
		fs := l.cons.PollFetches(ctx)
		if ctx.Err() != nil {
			return
		}
		fs.EachError(func(_ string, _ int32, err error) {
			l.mu.Lock()
			l.err = err
			l.mu.Unlock()
		})
		fs.EachPartition(func(p kgo.FetchTopicPartition) {
			if len(p.Records) == 0 {
				return
			}
			for _, r := range p.Records {
				if !r.Attrs.IsControl() {
					l.apply(r)
				}
			}
			l.mu.Lock()
			l.next[p.Partition] = p.Records[len(p.Records)-1].Offset + 1
			l.err = nil
			l.mu.Unlock()
		})
		l.cond.Broadcast()
	}
}

// ReadToEnd waits until every record written before the call is applied.
func (l *Log) ReadToEnd(ctx context.Context) error {
	want, err := l.endOffsets(ctx)
	if err != nil {
		return err
	}
	return l.waitApplied(ctx, want, "reading %s to its end")
}

// endOffsetsRetry bounds how long retriable errors listing a topic's
// offsets are retried, as Connect's KafkaBasedLog retries its end offsets
// (30 s, 100 ms apart).
const (
	endOffsetsRetry   = 30 * time.Second
	endOffsetsBackoff = 100 * time.Millisecond
)

// endOffsets is the offset after the last record of each partition that
// holds records. A topic just created can be unknown for a moment to the
// broker answering (UNKNOWN_TOPIC_OR_PARTITION, LEADER_NOT_AVAILABLE):
// retriable errors, of the request or of any partition, are retried.
func (l *Log) endOffsets(ctx context.Context) (map[int32]int64, error) {
	deadline := time.Now().Add(endOffsetsRetry)
	for {
		want, err := l.listEndOffsets(ctx)
		if err == nil || !kerr.IsRetriable(err) || time.Now().After(deadline) {
			return want, err
		}
		t := time.NewTimer(endOffsetsBackoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("%w (before: %v)", ctx.Err(), err)
		case <-t.C:
		}
	}
}

func (l *Log) listEndOffsets(ctx context.Context) (map[int32]int64, error) {
	ends, err := l.adm.ListCommittedOffsets(ctx, l.topic)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		return nil, fmt.Errorf("reading end offsets of %s: %w", l.topic, err)
	}
	starts, err := l.adm.ListStartOffsets(ctx, l.topic)
	if err == nil {
		err = starts.Error()
	}
	if err != nil {
		return nil, fmt.Errorf("reading start offsets of %s: %w", l.topic, err)
	}
	want := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) {
		s, _ := starts.Lookup(o.Topic, o.Partition)
		if o.Offset > 0 && o.Offset > s.Offset {
			want[o.Partition] = o.Offset
		}
	})
	return want, nil
}

// waitApplied waits until the tail has applied every offset below want
// per partition, or ctx ends.
func (l *Log) waitApplied(ctx context.Context, want map[int32]int64, what string) error {
	stop := context.AfterFunc(ctx, func() {
		l.mu.Lock()
		l.cond.Broadcast()
		l.mu.Unlock()
	})
	defer stop()
	l.mu.Lock()
	defer l.mu.Unlock()
	for !reached(l.next, want) {
		if ctx.Err() != nil {
			if l.err != nil {
				return fmt.Errorf(what+": %w (last error: %v)", l.topic, ctx.Err(), l.err)
			}
			return fmt.Errorf(what+": %w", l.topic, ctx.Err())
		}
		l.cond.Wait()
	}
	return nil
}

func reached(next, want map[int32]int64) bool {
	for p, end := range want {
		if next[p] < end {
			return false
		}
	}
	return true
}

// Send writes records and waits until the broker acknowledged all of them.
func (l *Log) Send(ctx context.Context, recs ...*kgo.Record) error {
	if err := l.prod.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		return fmt.Errorf("writing to %s: %w", l.topic, err)
	}
	return nil
}

// SendAndRead writes records and waits until the tail applied them, so
// the caller reads its own writes.
func (l *Log) SendAndRead(ctx context.Context, recs ...*kgo.Record) error {
	if err := l.Send(ctx, recs...); err != nil {
		return err
	}
	want := map[int32]int64{}
	for _, r := range recs {
		want[r.Partition] = max(want[r.Partition], r.Offset+1)
	}
	return l.waitApplied(ctx, want, "reading back writes to %s")
}

// SendAsync writes a record without waiting; done hears the outcome.
func (l *Log) SendAsync(ctx context.Context, r *kgo.Record, done func(error)) {
	l.prod.Produce(ctx, r, func(_ *kgo.Record, err error) {
		if done != nil {
			done(err)
		}
	})
}

// Flush waits for every asynchronous write.
func (l *Log) Flush(ctx context.Context) error { return l.prod.Flush(ctx) }

// Close stops tailing and closes the clients.
func (l *Log) Close() {
	l.cancel()
	<-l.done
	l.cons.Close()
	l.prod.Close()
}

// record builds a record with a string key.
func record(key string, value []byte) *kgo.Record {
	return &kgo.Record{Key: []byte(key), Value: value}
}
