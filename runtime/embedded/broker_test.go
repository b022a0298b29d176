package embedded

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

const testRetention = 256 << 10

func startBroker(t *testing.T) (*Broker, *kgo.Client, *kadm.Client) {
	t.Helper()
	b, err := Start(Config{RetentionBytes: testRetention})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addrs()...), kgo.ProducerLinger(0), kgo.AllowAutoTopicCreation(),
		kgo.ProducerBatchCompression(kgo.NoCompression())) // retention counts stored (compressed) bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return b, cl, kadm.NewClient(cl)
}

// produce writes n records of size bytes each, in batches of about 16 KiB.
func produce(t *testing.T, cl *kgo.Client, topic string, n, size int, keyed bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	value := []byte(strings.Repeat("x", size))
	for i := 0; i < n; i += 64 {
		var recs []*kgo.Record
		for j := i; j < i+64 && j < n; j++ {
			r := &kgo.Record{Topic: topic, Value: value}
			if keyed {
				r.Key = fmt.Appendf(nil, "k%d", j)
			}
			recs = append(recs, r)
		}
		if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
			t.Fatalf("produce: %v", err)
		}
	}
}

func startOffset(t *testing.T, adm *kadm.Client, topic string) (start, end int64) {
	t.Helper()
	ctx := context.Background()
	s, err := adm.ListStartOffsets(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	e, err := adm.ListEndOffsets(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	so, _ := s.Lookup(topic, 0)
	eo, _ := e.Lookup(topic, 0)
	return so.Offset, eo.Offset
}

// TestRetentionBoundsEachPartition writes 8x the retention into an
// auto-created topic: the oldest records go, the newest stay, and a reader
// asking for offset 0 is reset to the first retained record.
func TestRetentionBoundsEachPartition(t *testing.T) {
	b, cl, adm := startBroker(t)
	const n, size = 2048, 1024 // 2 MiB against 256 KiB
	produce(t, cl, "fast", n, size, false)

	deadline := time.Now().Add(10 * time.Second)
	var start, end int64
	for {
		start, end = startOffset(t, adm, "fast")
		if retained := (end - start) * size; retained <= testRetention || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if end != n {
		t.Fatalf("end offset %d, want %d", end, n)
	}
	if retained := (end - start) * size; retained > testRetention {
		t.Fatalf("partition keeps %d records (~%d bytes) after retention, limit %d", end-start, retained, testRetention)
	}
	if end-start < testRetention/size/2 {
		t.Fatalf("retention dropped too much: %d records left of a %d-byte limit", end-start, testRetention)
	}

	// A consumer behind the retained range behaves as with a real broker:
	// offset out of range, reset to the earliest retained record.
	cons, err := kgo.NewClient(kgo.SeedBrokers(b.Addrs()...),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{"fast": {0: kgo.NewOffset().At(0)}}),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cons.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fetches := cons.PollRecords(ctx, 1)
	if err := fetches.Err(); err != nil {
		t.Fatal(err)
	}
	recs := fetches.Records()
	if len(recs) == 0 || recs[0].Offset < start {
		t.Fatalf("first record read from offset 0: %v, want at or after the log start %d", recs, start)
	}
}

// TestCompactedTopicsKeepEverything checks that compacted topics (the
// schema registry's _schemas) are never cut by size, as in Kafka.
func TestCompactedTopicsKeepEverything(t *testing.T) {
	b, cl, adm := startBroker(t)
	ctx := context.Background()
	if _, err := adm.CreateTopic(ctx, 1, 1, map[string]*string{"cleanup.policy": kadmPtr("compact")}, "_schemas"); err != nil {
		t.Fatal(err)
	}
	produce(t, cl, "_schemas", 1024, 1024, true) // 1 MiB of distinct keys
	b.cluster.ApplyRetention()
	if start, end := startOffset(t, adm, "_schemas"); start != 0 || end != 1024 {
		t.Fatalf("compacted topic offsets [%d,%d), want [0,1024)", start, end)
	}
	cfgs, err := adm.DescribeTopicConfigs(ctx, "_schemas")
	if err != nil {
		t.Fatal(err)
	}
	c, err := cfgs.On("_schemas", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range c.Configs {
		if kv.Key == "retention.bytes" && kv.MaybeValue() != "-1" {
			t.Fatalf("retention.bytes of a compacted topic = %q, want -1", kv.MaybeValue())
		}
	}
}

func kadmPtr(s string) *string { return &s }
