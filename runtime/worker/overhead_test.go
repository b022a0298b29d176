package worker

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/builtin"
	"github.com/goconnect/goconnect/runtime/connectorconfig"
	"github.com/goconnect/goconnect/runtime/embedded"
	"github.com/goconnect/goconnect/runtime/offsetstore"
	"github.com/goconnect/goconnect/runtime/status"
	"github.com/goconnect/goconnect/runtime/workerconfig"
)

// BenchmarkRatingsOverhead measures datagen ratings → Kafka through the
// source runner, in-process broker, twice per iteration in the same run:
// without error handling or metrics (tolerance none, no log, no metrics
// registry) and with both (tolerance all + error log + metrics). It
// reports both rates and their ratio (goal ≥ 0.95).
//
//	go test ./runtime/worker -run '^$' -bench RatingsOverhead -benchtime 5x
func BenchmarkRatingsOverhead(b *testing.B) {
	const records = 50_000
	broker, err := embedded.Start(embedded.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer broker.Close()
	var plain, handled time.Duration
	for i := range b.N {
		// Alternate the order so warm-up and broker growth hit both.
		runs := []bool{false, true}
		if i%2 == 1 {
			runs = []bool{true, false}
		}
		for _, on := range runs {
			d := ratingsRun(b, broker, fmt.Sprintf("ratings-%d-%v", i, on), records, on)
			if on {
				handled += d
			} else {
				plain += d
			}
		}
	}
	n := float64(records * b.N)
	b.ReportMetric(n/plain.Seconds(), "plain-rec/s")
	b.ReportMetric(n/handled.Seconds(), "handled-rec/s")
	b.ReportMetric(plain.Seconds()/handled.Seconds(), "ratio")
}

// ratingsRun runs a datagen connector for n records to topic and returns
// the time until the broker has them all.
func ratingsRun(b *testing.B, broker *embedded.Broker, topic string, n int, handling bool) time.Duration {
	b.Helper()
	cfg, err := workerconfig.ParseStandalone(map[string]string{
		"bootstrap.servers":              strings.Join(broker.Addrs(), ","),
		"key.converter":                  "org.apache.kafka.connect.storage.StringConverter",
		"value.converter":                "org.apache.kafka.connect.json.JsonConverter",
		"value.converter.schemas.enable": "false",
		"offset.storage.file.filename":   b.TempDir() + "/offsets",
		"offset.flush.interval.ms":       "1000",
	})
	if err != nil {
		b.Fatal(err)
	}
	offs, err := offsetstore.OpenFile(cfg.OffsetFile)
	if err != nil {
		b.Fatal(err)
	}
	reg := builtin.Registry(cfg.PluginPath)
	board := status.NewBoard()
	w := New(cfg, reg, offs, board, slog.New(slog.DiscardHandler))
	props := map[string]string{"name": topic, "connector.class": "DatagenConnector", "kafka.topic": topic,
		"quickstart": "ratings", "max.interval": "0", "iterations": fmt.Sprint(n), "tasks.max": "1"}
	if handling {
		props["errors.tolerance"] = "all"
		props["errors.log.enable"] = "true"
		props["errors.log.include.messages"] = "true"
	} else {
		w.metrics = nil
	}
	p, err := connectorconfig.Parse(reg, props)
	if err != nil {
		b.Fatal(err)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(broker.Addrs()...))
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	ctx := context.Background()
	// Created up front: a producer discovering an auto-created topic waits
	// for its next metadata refresh (5 s), which would swamp the figure.
	if _, err := adm.CreateTopic(ctx, 1, 1, nil, topic); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	startWithTasks(ctx, w, p, status.TargetStarted)
	deadline := start.Add(20 * time.Second)
	for {
		ends, err := adm.ListEndOffsets(ctx, topic)
		if err == nil {
			if o, ok := ends.Lookup(topic, 0); ok && o.Err == nil && o.Offset >= int64(n) {
				break
			}
		}
		if time.Now().After(deadline) {
			st, _ := board.Task(status.TaskID{Connector: topic})
			b.Fatalf("%s: not all %d records written in time: %+v", topic, n, st)
		}
		time.Sleep(2 * time.Millisecond)
	}
	d := time.Since(start)
	if err := stopAll(ctx, w); err != nil {
		b.Logf("stopping: %v", err)
	}
	return d
}
