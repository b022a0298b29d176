package mysql

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/internal/kafkaclient"
	"github.com/goconnect/goconnect/internal/testkit"
)

func TestKafkaSignalSettings(t *testing.T) {
	s, err := parse(with("signal.enabled.channels", "source,kafka", "signal.kafka.bootstrap.servers", "k1:9092, k2:9092"))
	if err != nil {
		t.Fatal(err)
	}
	k := s.kafkaSignal
	if k == nil || k.topic != "dbserver1-signal" || k.group != "kafka-signal" || k.commit || len(k.servers) != 2 {
		t.Fatalf("Debezium's defaults: %+v", k)
	}
	if s, err := parse(with()); err != nil || s.kafkaSignal != nil {
		t.Fatalf("the Kafka channel is off by default: %+v %v", s, err)
	}
	for _, c := range []struct {
		props map[string]string
		key   string
	}{
		{with("signal.enabled.channels", "kafka"), "signal.kafka.bootstrap.servers"},
		{with("signal.enabled.channels", "source,jmx"), "signal.enabled.channels"},
		{with("signal.enabled.channels", "kafka", "signal.kafka.bootstrap.servers", "k:9092", "signal.consumer.security.protocol", "SASL_SSL"), "signal.consumer.sasl.mechanism"},
		{with("signal.enabled.channels", "kafka", "signal.kafka.bootstrap.servers", "k:9092", "signal.consumer.security.protocol", "BOGUS"), "signal.consumer.security.protocol"},
		{with("signal.enabled.channels", "kafka", "signal.kafka.bootstrap.servers", "k:9092", "signal.kafka.poll.timeout.ms", "-1"), "signal.kafka.poll.timeout.ms"},
	} {
		if _, err := parse(c.props); err == nil || !strings.Contains(err.Error(), c.key) {
			t.Errorf("%v: want an error naming %s, got %v", c.props, c.key, err)
		}
	}
}

// TestKafkaSignalChannelSecure reads signals from a SASL_SSL broker with
// the signal.consumer.* security settings: a record keyed for another
// connector is skipped, a signal arrives with its id, type and data, the
// position is committed for the group; a wrong password stops the reader
// with an authentication error instead of retrying forever.
func TestKafkaSignalChannelSecure(t *testing.T) {
	b := testkit.SecureBroker(t, "SCRAM-SHA-512", "connect", "s3cret")
	opts, err := kafkaclient.Options(b.Client, nil)
	if err != nil {
		t.Fatal(err)
	}
	prod, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(b.Bootstrap), kgo.DefaultProduceTopic("srv-signal")}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := kadm.NewClient(prod).CreateTopic(ctx, 1, 1, nil, "srv-signal"); err != nil {
		t.Fatal(err)
	}
	for _, kv := range [][2]string{
		{"other", `{"id":"x","type":"log","data":{"message":"not mine"}}`},
		{"srv", `{"id":"s1","type":"log","data":{"message":"hi"}}`},
		{"srv", `{"id":"s2","type":"execute-snapshot"}`},
	} {
		if err := prod.ProduceSync(ctx, &kgo.Record{Key: []byte(kv[0]), Value: []byte(kv[1])}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	var logs bytes.Buffer
	tk := &Task{st: &settings{prefix: "srv"}, log: slog.New(slog.NewTextHandler(&logs, nil))}
	k := &kafkaSignalSettings{topic: "srv-signal", servers: []string{b.Bootstrap}, group: "g1", commit: true, consumer: b.Client}
	in := newSignalInbox()
	rctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- tk.kafkaSignals(rctx, k, in, nil) }()
	var got []signal
	for len(got) < 2 {
		select {
		case s := <-in.ch:
			got = append(got, s)
		case <-ctx.Done():
			t.Fatalf("signals read: %+v; log: %s", got, logs.String())
		}
	}
	if got[0].ID != "s1" || got[0].Type != "log" || string(got[0].Data) != `{"message":"hi"}` || got[0].Channel != "kafka" ||
		got[1].ID != "s2" || got[1].Data != nil {
		t.Fatalf("signals: %+v", got)
	}
	if !strings.Contains(logs.String(), "Signal key 'other' doesn't match") {
		t.Fatalf("the skipped record is not logged: %s", logs.String())
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	adm, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(b.Bootstrap)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	defer adm.Close()
	offs, err := kadm.NewClient(adm).FetchOffsets(ctx, "g1")
	if err != nil {
		t.Fatal(err)
	}
	if o, ok := offs.Lookup("srv-signal", 0); !ok || o.At != 3 {
		t.Fatalf("committed offset %+v, want 3", o)
	}

	bad := maps.Clone(b.Client)
	bad["sasl.jaas.config"] = testkit.JAASConfig("SCRAM-SHA-512", "connect", "wrong")
	k.consumer = bad
	start := time.Now()
	err = tk.kafkaSignals(ctx, k, newSignalInbox(), nil)
	if !errors.Is(err, kafkaclient.ErrAuthentication) || time.Since(start) > 20*time.Second {
		t.Fatalf("wrong password: %v after %v", err, time.Since(start))
	}
}
