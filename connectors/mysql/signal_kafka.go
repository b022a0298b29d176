package mysql

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/internal/kafkaclient"
)

// The Kafka signal channel's keys (Debezium's KafkaSignalChannel). They
// are not part of the connector's reported config, as in Debezium.
const (
	keySignalKafkaTopic   = "signal.kafka.topic"
	keySignalKafkaServers = "signal.kafka.bootstrap.servers"
	keySignalKafkaGroup   = "signal.kafka.groupId"
	keySignalKafkaCommit  = "signal.kafka.consumer.offset.commit.enabled"
	keySignalKafkaPollMs  = "signal.kafka.poll.timeout.ms"
	// signalConsumerPrefix carries the consumer's own client settings,
	// security included; it inherits nothing from the worker.
	signalConsumerPrefix = "signal.consumer."
	channelKafka         = "kafka"
)

// kafkaSignalSettings configure the Kafka signal channel.
type kafkaSignalSettings struct {
	topic   string
	servers []string
	group   string
	// commit: signal.kafka.consumer.offset.commit.enabled. Off (the
	// default), the position is committed only when the task stops and a
	// group without one starts at the end; on, it is committed as signals
	// are read and a group without one starts at the beginning.
	commit   bool
	consumer map[string]string // signal.consumer.*, unprefixed
}

// parseKafkaSignal reads the Kafka channel's settings when channels (the
// parsed signal.enabled.channels) has "kafka"; nil otherwise.
func parseKafkaSignal(props map[string]string, prefix string, channels map[string]bool) (*kafkaSignalSettings, error) {
	if !channels[channelKafka] {
		return nil, nil
	}
	k := &kafkaSignalSettings{topic: strings.TrimSpace(props[keySignalKafkaTopic]), group: strings.TrimSpace(props[keySignalKafkaGroup])}
	if k.topic == "" {
		k.topic = prefix + "-signal" // Debezium's default
	}
	if k.group == "" {
		k.group = "kafka-signal"
	}
	for _, s := range strings.Split(props[keySignalKafkaServers], ",") {
		if s = strings.TrimSpace(s); s != "" {
			k.servers = append(k.servers, s)
		}
	}
	if len(k.servers) == 0 {
		return nil, &config.Error{Key: keySignalKafkaServers, Value: "", Message: "The '" + keySignalKafkaServers + "' value is invalid: A value is required (signal.enabled.channels has kafka)"}
	}
	switch v := strings.ToLower(strings.TrimSpace(props[keySignalKafkaCommit])); v {
	case "", "false":
	case "true":
		k.commit = true
	default:
		return nil, &config.Error{Key: keySignalKafkaCommit, Value: props[keySignalKafkaCommit], Message: "Expected value to be either true or false"}
	}
	if v, set := props[keySignalKafkaPollMs]; set {
		// Read continuously here, so the poll timeout does not matter; it is
		// still checked as Debezium checks it.
		if n, ok := offsetInt(strings.TrimSpace(v)); !ok || n < 0 {
			return nil, &config.Error{Key: keySignalKafkaPollMs, Value: v, Message: "The '" + keySignalKafkaPollMs + "' value is invalid: A non-negative integer is required"}
		}
	}
	k.consumer = kafkaclient.Strip(props, signalConsumerPrefix)
	if _, err := kafkaclient.Options(k.consumer, nil); err != nil {
		return nil, &config.Error{Key: signalConsumerPrefix + strings.SplitN(err.Error(), ":", 2)[0], Message: signalConsumerPrefix + err.Error()}
	}
	return k, nil
}

// signalInbox hands signals read outside the streaming goroutine (the
// Kafka and file channels) to it: put queues a signal and interrupts the binlog
// read, whose context comes from arm.
type signalInbox struct {
	ch     chan signal
	mu     sync.Mutex
	cancel context.CancelFunc // of the armed read context
}

func newSignalInbox() *signalInbox { return &signalInbox{ch: make(chan signal, 64)} }

// arm returns the context the next binlog reads use; it ends when a
// signal is put. A signal already queued ends it at once.
func (in *signalInbox) arm(parent context.Context) (context.Context, context.CancelFunc) {
	if in == nil {
		return parent, func() {}
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	ctx, cancel := context.WithCancel(parent)
	if len(in.ch) > 0 {
		cancel()
	}
	in.cancel = cancel
	return ctx, cancel
}

// put queues sig, waiting while the inbox is full (the reader then stops
// reading the topic), and wakes the streaming goroutine.
func (in *signalInbox) put(ctx context.Context, sig signal) error {
	select {
	case in.ch <- sig:
	case <-ctx.Done():
		return ctx.Err()
	}
	in.mu.Lock()
	if in.cancel != nil {
		in.cancel()
	}
	in.mu.Unlock()
	return nil
}

// take returns the queued signals without waiting.
func (in *signalInbox) take() []signal {
	if in == nil {
		return nil
	}
	var out []signal
	for {
		select {
		case s := <-in.ch:
			out = append(out, s)
		default:
			return out
		}
	}
}

// kafkaSignals reads the signal topic's partition 0 until ctx ends, as
// Debezium's KafkaSignalChannel: from the group's committed offset, else
// from the end (from the beginning with offset commits enabled); the
// position reached is committed when it stops (and after each batch with
// commits enabled). Records whose key is not topic.prefix are skipped.
//
// seek, when set, is the offset of the last snapshot signal a read-only
// connector stored in its offsets: reading starts after it, whatever the
// group committed (Debezium's BinlogSourceTask.resetOffset).
func (t *Task) kafkaSignals(ctx context.Context, k *kafkaSignalSettings, in *signalInbox, seek *int64) error {
	dead, kill := context.WithCancelCause(ctx)
	defer kill(nil)
	opts, err := kafkaclient.Options(k.consumer, func(err error) { kill(fmt.Errorf("signal consumer: %w", err)) })
	if err != nil {
		return fmt.Errorf("signal consumer: %w", err)
	}
	base := append([]kgo.Opt{kgo.SeedBrokers(k.servers...)}, opts...)
	adm, err := kgo.NewClient(base...)
	if err != nil {
		return fmt.Errorf("signal consumer: %w", err)
	}
	defer adm.Close()
	admin := kadm.NewClient(adm)
	start, committedAt := kgo.NewOffset().AtEnd(), false
	if k.commit {
		start = kgo.NewOffset().AtStart()
	}
	for {
		fctx, cancel := context.WithTimeout(dead, 10*time.Second)
		committed, err := admin.FetchOffsets(fctx, k.group)
		cancel()
		if errors.Is(err, kerr.GroupIDNotFound) {
			break // a group never seen has no offsets (some brokers say so)
		}
		if err == nil {
			if o, ok := committed.Lookup(k.topic, 0); ok && o.Err == nil && o.At >= 0 {
				start, committedAt = kgo.NewOffset().At(o.At), true
			}
			break
		}
		if ctx.Err() != nil {
			return nil
		}
		if c := context.Cause(dead); c != nil && !errors.Is(c, context.Canceled) {
			return c
		}
		t.log.Warn("signal channel: reading the committed offset failed, retrying", "group", k.group, "topic", k.topic, "error", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
	if !committedAt && !k.commit {
		// "The end" is the end now: a topic that does not exist yet (the
		// Java consumer would have it auto-created, empty) starts at its
		// beginning once created, so its first signal is not skipped.
		lctx, cancel := context.WithTimeout(dead, 10*time.Second)
		ends, err := admin.ListEndOffsets(lctx, k.topic)
		cancel()
		if err == nil {
			if e, ok := ends.Lookup(k.topic, 0); ok && e.Err == nil {
				start = kgo.NewOffset().At(e.Offset)
			} else if !ok || errors.Is(e.Err, kerr.UnknownTopicOrPartition) {
				start = kgo.NewOffset().AtStart()
			}
		}
	}
	if seek != nil {
		t.log.Info(fmt.Sprintf("Resetting Kafka Signal offset to %d", *seek))
		start = kgo.NewOffset().At(*seek + 1)
	}
	cl, err := kgo.NewClient(append(base, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{k.topic: {0: start}}))...)
	if err != nil {
		return fmt.Errorf("signal consumer: %w", err)
	}
	defer cl.Close()
	t.log.Info("subscribed to the signal topic", "topic", k.topic, "group", k.group, "security", kafkaclient.Describe(k.consumer))
	var next int64 = -1 // the offset after the last record read
	commit := func(ctx context.Context) {
		if next < 0 {
			return
		}
		off := kadm.Offsets{}
		off.Add(kadm.Offset{Topic: k.topic, Partition: 0, At: next, LeaderEpoch: -1})
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if _, err := admin.CommitOffsets(cctx, k.group, off); err != nil {
			t.log.Warn("signal channel: committing the signal topic's offset failed", "group", k.group, "offset", next, "error", err)
		}
	}
	// Debezium's close commits the position reached, also without
	// offset.commit.enabled.
	defer commit(context.WithoutCancel(ctx))
	warned := false
	for {
		fs := cl.PollFetches(dead)
		if ctx.Err() != nil {
			return nil
		}
		if c := context.Cause(dead); c != nil {
			return c
		}
		for _, fe := range fs.Errors() {
			if !warned {
				t.log.Warn("signal channel: reading the signal topic failed, retrying", "topic", k.topic, "error", fe.Err)
				warned = true
			}
		}
		read := false
		for _, r := range fs.Records() {
			next, read = r.Offset+1, true
			sig, ok := t.kafkaSignal(r)
			if !ok {
				continue
			}
			if err := in.put(ctx, sig); err != nil {
				return nil
			}
		}
		if read && k.commit {
			commit(ctx)
		}
	}
}

// kafkaSignal decodes a signal record as Debezium's processSignal: the key
// must be topic.prefix and the value a JSON object with "type", optional
// "id" and a "data" object; anything else is logged and skipped.
func (t *Task) kafkaSignal(r *kgo.Record) (signal, bool) {
	if string(r.Key) != t.st.prefix {
		t.log.Info(fmt.Sprintf("Signal key '%s' doesn't match the connector's name '%s'", r.Key, t.st.prefix), "offset", r.Offset)
		return signal{}, false
	}
	if len(r.Value) == 0 {
		return signal{}, false
	}
	var doc struct {
		ID   *string         `json:"id"`
		Type *string         `json:"type"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(r.Value, &doc); err != nil {
		t.log.Error("signal channel: skipped a signal that is not a JSON object", "offset", r.Offset, "value", string(r.Value), "error", err)
		return signal{}, false
	}
	off := r.Offset
	sig := signal{Channel: channelKafka, Offset: &off}
	if doc.ID != nil {
		sig.ID = *doc.ID
	}
	if doc.Type != nil {
		sig.Type = *doc.Type
	}
	if d := strings.TrimSpace(string(doc.Data)); d != "" && d != "null" {
		if d[0] != '{' {
			t.log.Warn("signal channel: skipped a signal whose data is not a JSON object", "offset", r.Offset, "id", sig.ID, "type", sig.Type, "data", d)
			return signal{}, false
		}
		sig.Data = doc.Data
	}
	return sig, true
}

// inboxSignals dispatches the signals the Kafka and file channels queued, in the
// streaming goroutine, between two binlog events.
func (t *Task) inboxSignals(ctx context.Context, s *streamState) error {
	for _, sig := range t.inbox.take() {
		if err := t.dispatchSignal(ctx, s, sig); err != nil {
			return err
		}
	}
	return nil
}

// startSignals starts the readers of the Kafka and file signal channels
// that are enabled. The returned context ends, with the Kafka reader's
// error as its cause, when that reader fails (rejected credentials): the
// task then fails with that error.
func (t *Task) startSignals(ctx context.Context, seek *int64) (context.Context, func()) {
	if t.st.kafkaSignal == nil && t.st.fileSignal == nil {
		return ctx, func() {}
	}
	ctx, cancel := context.WithCancelCause(ctx)
	t.inbox = newSignalInbox()
	var wg sync.WaitGroup
	if t.st.kafkaSignal != nil {
		wg.Go(func() {
			if err := t.kafkaSignals(ctx, t.st.kafkaSignal, t.inbox, seek); err != nil {
				cancel(fmt.Errorf("signal channel kafka: %w", err))
			}
		})
	}
	if t.st.fileSignal != nil {
		wg.Go(func() { t.fileSignals(ctx, t.st.fileSignal, t.inbox) })
	}
	return ctx, func() { cancel(nil); wg.Wait() }
}
