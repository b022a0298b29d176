package distributed

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/goconnect/goconnect/builtin"
	"github.com/goconnect/goconnect/internal/kafkaclient"
	"github.com/goconnect/goconnect/internal/testkit"
	"github.com/goconnect/goconnect/runtime/kafkastate"
	"github.com/goconnect/goconnect/runtime/status"
	"github.com/goconnect/goconnect/runtime/worker"
	"github.com/goconnect/goconnect/runtime/workerconfig"
)

// The worker's own clients (internal topics, group membership) use the
// worker-level security settings: a distributed worker starts on a
// SASL_SSL-only broker with them, and a wrong password fails its start
// promptly with the broker's reason instead of retrying.
func TestStartOverSASLSSL(t *testing.T) {
	b := testkit.SecureBroker(t, "SCRAM-SHA-256", "connect", "pw")
	h := startHerder(t, strings.Split(b.Bootstrap, ","), b.Client)
	eventually(t, "group joined", func() bool { return h.member.Generation() >= 0 })
	_ = h.Stop(context.Background())

	bad := maps.Clone(b.Client)
	bad["sasl.jaas.config"] = testkit.JAASConfig("SCRAM-SHA-256", "connect", "wrong")
	props := map[string]string{
		"bootstrap.servers": b.Bootstrap, "group.id": "bad", "config.storage.topic": "c", "offset.storage.topic": "o",
		"status.storage.topic": "s", "key.converter": "org.apache.kafka.connect.storage.StringConverter",
		"value.converter": "org.apache.kafka.connect.json.JsonConverter", "listeners": "http://127.0.0.1:0",
	}
	maps.Copy(props, bad)
	cfg, err := workerconfig.ParseDistributed(props)
	if err != nil {
		t.Fatal(err)
	}
	reg := builtin.Registry(nil)
	log := slog.New(slog.DiscardHandler)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	_, err = Start(ctx, Config{Worker: cfg, Registry: reg, Log: log,
		NewWorker: func(offsets *kafkastate.OffsetStore, l status.Listener) *worker.Worker {
			return worker.New(cfg.Worker, reg, offsets, l, log)
		}})
	if !errors.Is(err, kafkaclient.ErrAuthentication) || !strings.Contains(err.Error(), "SCRAM-SHA-256") {
		t.Fatalf("start with a wrong password: %v", err)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Fatalf("the start took %v to fail", d)
	}
}
