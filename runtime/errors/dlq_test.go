package errors

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestDLQTopicCreation: on a broker that does not create topics on first
// use, the DLQ topic is created with one partition and the configured
// replication (-1: the broker's default; more than the brokers: capped),
// an existing one is left alone, and a failure has Connect's message.
func TestDLQTopicCreation(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(2), kfake.DefaultNumPartitions(4))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	ctx := context.Background()
	if _, err := adm.CreateTopic(ctx, 3, 1, nil, "dlq-existing"); err != nil {
		t.Fatal(err)
	}
	base := []kgo.Opt{kgo.SeedBrokers(c.ListenAddrs()...)}
	log := slog.New(slog.DiscardHandler)
	for _, tc := range []struct {
		topic      string
		rf         int16
		partitions int
		replicas   int
	}{
		{"dlq-default", -1, 1, 2}, // kfake's default replication: min(3, brokers)
		{"dlq-capped", 3, 1, 2},
		{"dlq-one", 1, 1, 1},
		{"dlq-existing", 2, 3, 1},
	} {
		o, err := NewOperator(ctx, Config{DLQTopic: tc.topic, DLQReplication: tc.rf}, "c", 0, log, nil, &DLQClients{Producer: base, Admin: base})
		if err != nil {
			t.Fatalf("%s: %v", tc.topic, err)
		}
		o.Close()
		td, err := adm.ListTopics(ctx, tc.topic)
		if err != nil || td[tc.topic].Err != nil {
			t.Fatalf("%s: %v %v", tc.topic, err, td[tc.topic].Err)
		}
		p := td[tc.topic].Partitions
		if len(p) != tc.partitions || len(p[0].Replicas) != tc.replicas {
			t.Errorf("%s: %d partitions of %d replicas, want %d of %d", tc.topic, len(p), len(p[0].Replicas), tc.partitions, tc.replicas)
		}
	}
	// A broker that cannot be reached fails with Connect's message.
	dead := []kgo.Opt{kgo.SeedBrokers("127.0.0.1:1"), kgo.RetryTimeout(200 * time.Millisecond)}
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	_, err = NewOperator(cctx, Config{DLQTopic: "dlq-bad", DLQReplication: 1}, "c", 0, log, nil, &DLQClients{Producer: dead, Admin: dead})
	if err == nil || !strings.Contains(err.Error(), "Could not initialize dead letter queue with topic=dlq-bad") {
		t.Errorf("unreachable broker: %v", err)
	}
}
