package schemaregistry

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Topic is where Confluent's registry keeps its schemas.
const Topic = "_schemas"

// KafkaJournal stores registry records in a compacted topic.
type KafkaJournal struct {
	cl    *kgo.Client
	topic string
}

// Replayer takes the records of a topic read back (the schema registry,
// the DEK registry).
type Replayer interface {
	Replay(key, value []byte)
}

// OpenKafka creates the topic if needed (one partition, compacted, as
// Confluent's registry does), replays it into r and returns the journal
// for later writes. opts add client settings, such as security.
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
	if err := replay(ctx, adm, brokers, topic, r, opts); err != nil {
		cl.Close()
		return nil, err
	}
	return &KafkaJournal{cl: cl, topic: topic}, nil
}

func ptr(s string) *string { return &s }

// replay reads the topic up to its current end.
func replay(ctx context.Context, adm *kadm.Client, brokers []string, topic string, r Replayer, opts []kgo.Opt) error {
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err != nil {
		return fmt.Errorf("schema registry: reading the end of %s: %w", topic, err)
	}
	end, ok := ends.Lookup(topic, 0)
	if !ok || end.Err != nil || end.Offset == 0 {
		return nil
	}
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(brokers...), kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().AtStart()}})}, opts...)...)
	if err != nil {
		return fmt.Errorf("schema registry: kafka client: %w", err)
	}
	defer cl.Close()
	for {
		fetches := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return fmt.Errorf("schema registry: replaying %s: %w", topic, ctx.Err())
		}
		var ferr error
		fetches.EachError(func(_ string, _ int32, err error) { ferr = err })
		if ferr != nil {
			return fmt.Errorf("schema registry: replaying %s: %w", topic, ferr)
		}
		done := false
		fetches.EachRecord(func(rec *kgo.Record) {
			if tr, ok := r.(interface {
				ReplayAt(key, value []byte, ts time.Time)
			}); ok {
				tr.ReplayAt(rec.Key, rec.Value, rec.Timestamp)
			} else {
				r.Replay(rec.Key, rec.Value)
			}
			if rec.Offset >= end.Offset-1 {
				done = true
			}
		})
		if done {
			return nil
		}
	}
}

// Append implements Journal.
func (j *KafkaJournal) Append(key, value []byte) error {
	return j.AppendAt(key, value, time.Time{})
}

// AppendAt writes a record with that timestamp (zero: the client's time).
func (j *KafkaJournal) AppendAt(key, value []byte, ts time.Time) error {
	return j.cl.ProduceSync(context.Background(), &kgo.Record{Topic: j.topic, Key: key, Value: value, Timestamp: ts}).FirstErr()
}

// Close releases the client.
func (j *KafkaJournal) Close() { j.cl.Close() }
