package distributed

import (
	"context"
	"log/slog"
	"maps"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/goconnect/goconnect/builtin"
	"github.com/goconnect/goconnect/runtime/kafkastate"
	"github.com/goconnect/goconnect/runtime/rest"
	"github.com/goconnect/goconnect/runtime/status"
	"github.com/goconnect/goconnect/runtime/worker"
	"github.com/goconnect/goconnect/runtime/workerconfig"
)

// startHerder runs one distributed worker in process (so the race
// detector sees the herder, the member and the stores together).
func startHerder(t *testing.T, brokers []string, extra ...map[string]string) *Herder {
	t.Helper()
	props := map[string]string{
		"bootstrap.servers":                 strings.Join(brokers, ","),
		"group.id":                          "unit",
		"config.storage.topic":              "unit-configs",
		"offset.storage.topic":              "unit-offsets",
		"status.storage.topic":              "unit-status",
		"config.storage.replication.factor": "1",
		"offset.storage.replication.factor": "1",
		"status.storage.replication.factor": "1",
		"offset.storage.partitions":         "3",
		"status.storage.partitions":         "2",
		"key.converter":                     "org.apache.kafka.connect.storage.StringConverter",
		"value.converter":                   "org.apache.kafka.connect.json.JsonConverter",
		"session.timeout.ms":                "6000",
		"heartbeat.interval.ms":             "500",
		"scheduled.rebalance.max.delay.ms":  "0",
		"offset.flush.interval.ms":          "200",
		"listeners":                         "http://127.0.0.1:0",
		"rest.advertised.host.name":         "127.0.0.1",
	}
	for _, m := range extra {
		maps.Copy(props, m)
	}
	cfg, err := workerconfig.ParseDistributed(props)
	if err != nil {
		t.Fatal(err)
	}
	// A real REST server: workers hand task configs to the leader over it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.AdoptListenPort(ln.Addr().(*net.TCPAddr).Port)
	reg := builtin.Registry(cfg.PluginPath)
	log := slog.New(slog.DiscardHandler)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h, err := Start(ctx, Config{Worker: cfg, Registry: reg, Log: log,
		NewWorker: func(offsets *kafkastate.OffsetStore, l status.Listener) *worker.Worker {
			return worker.New(cfg.Worker, reg, offsets, l, log)
		}})
	if err != nil {
		t.Fatal(err)
	}
	srvCtx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	go func() { _ = rest.New(rest.Config{Herder: h}).Serve(srvCtx, ln) }()
	return h
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 45s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func isLeader(h *Herder) bool { return h.LeaderCheck() == nil }

// Two herders in one process on an in-process broker: a connector created
// on the leader runs its tasks on both, both answer its status, and when
// one leaves the other runs everything.
func TestTwoHerdersShareAndTakeOver(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.DefaultNumPartitions(1), kfake.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	a, b := startHerder(t, c.ListenAddrs()), startHerder(t, c.ListenAddrs())
	defer a.Stop(context.Background())
	var leader *Herder
	eventually(t, "a leader", func() bool {
		for _, h := range []*Herder{a, b} {
			if isLeader(h) {
				leader = h
				return true
			}
		}
		return false
	})
	ctx := context.Background()
	err = leader.Create(ctx, "gen", map[string]string{"connector.class": "DatagenConnector", "kafka.topic": "r",
		"quickstart": "ratings", "tasks.max": "4", "max.interval": "5"}, "")
	if err != nil {
		t.Fatal(err)
	}
	spread := func(h *Herder, want int) bool {
		st, err := h.Status("gen")
		if err != nil || st.Connector.State != status.Running || len(st.Tasks) != 4 {
			return false
		}
		workers := map[string]bool{}
		for _, ts := range st.Tasks {
			if ts.State != status.Running {
				return false
			}
			workers[ts.WorkerID] = true
		}
		return len(workers) == want
	}
	eventually(t, "4 tasks RUNNING on both workers, seen from each", func() bool { return spread(a, 2) && spread(b, 2) })
	eventually(t, "the active topic seen from both workers", func() bool {
		ta, _ := a.ActiveTopics("gen")
		tb, _ := b.ActiveTopics("gen")
		return len(ta) == 1 && ta[0] == "r" && len(tb) == 1 && tb[0] == "r"
	})
	if err := b.Stop(ctx); err != nil {
		t.Fatalf("stopping b: %v", err)
	}
	eventually(t, "all tasks on a after b left", func() bool { return spread(a, 1) })
	// Tasks that moved commit their first offsets on a within the flush
	// interval (b's may have had nothing acknowledged when it left).
	eventually(t, "offsets of all 4 tasks", func() bool {
		offs, err := a.Offsets(ctx, "gen")
		return err == nil && len(offs) == 4
	})
}

// TestPlaceholdersInTheConfigTopic: a connector config with a ${file:…}
// placeholder is stored raw in the config topic, its generated task
// configs are stored with the placeholder too, and its tasks run with the
// resolved value (records land in the topic named by the file).
func TestPlaceholdersInTheConfigTopic(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.DefaultNumPartitions(1), kfake.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	dir := t.TempDir()
	secrets := filepath.Join(dir, "s.properties")
	if err := os.WriteFile(secrets, []byte("topic=from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h := startHerder(t, c.ListenAddrs(), map[string]string{"config.providers": "file",
		"config.providers.file.class": "org.apache.kafka.common.config.provider.FileConfigProvider"})
	defer h.Stop(context.Background())
	eventually(t, "leader", func() bool { return isLeader(h) })
	ph := "${file:" + secrets + ":topic}"
	ctx := context.Background()
	if err := h.Create(ctx, "gen", map[string]string{"connector.class": "DatagenConnector", "kafka.topic": ph,
		"quickstart": "ratings", "tasks.max": "1", "max.interval": "5"}, ""); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the task writes to the resolved topic", func() bool {
		topics, _ := h.ActiveTopics("gen")
		return len(topics) == 1 && topics[0] == "from-file"
	})
	cfg, err := h.Config("gen")
	if err != nil || cfg["kafka.topic"] != ph {
		t.Fatalf("stored config %v %v", cfg, err)
	}
	tasks, err := h.TaskConfigs("gen")
	if err != nil || len(tasks) != 1 || tasks[0]["kafka.topic"] != ph {
		t.Fatalf("stored task configs %v %v", tasks, err)
	}
	st, err := h.Status("gen")
	if err != nil || st.Connector.State != status.Running || st.Tasks[0].State != status.Running {
		t.Fatalf("status %+v %v", st, err)
	}
}
