// Package embedded starts an in-process Kafka broker (franz-go's kfake) so
// goconnect runs with nothing else installed. It is for trying goconnect
// out and for development: it keeps records in memory only, and only the
// newest RetentionBytes of each partition, so a fast source cannot grow the
// process without bound. It is not a durable store; a real Kafka is.
package embedded

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// DefaultRetentionBytes bounds each partition of the embedded broker: small
// enough for a laptop (a datagen ratings topic at full speed stays under
// 300 MB of RSS), large enough to hold minutes of a quick start's records.
const DefaultRetentionBytes = 64 << 20

// retentionInterval is how often the oldest records past the limit are
// dropped. kfake only runs its own cleaner for topics with explicit
// retention configs, so the broker drives it.
const retentionInterval = 200 * time.Millisecond

// Config says how to run the broker.
type Config struct {
	// Port to listen on at 127.0.0.1 (0 picks a free port).
	Port int
	// RetentionBytes is the broker's log.retention.bytes: the most record
	// bytes each partition of a delete-policy topic keeps (0 takes
	// DefaultRetentionBytes, -1 keeps everything). Consumers behind the
	// retained range get OFFSET_OUT_OF_RANGE as from a real broker.
	RetentionBytes int64
}

// Broker is a running in-process broker.
type Broker struct {
	cluster *kfake.Cluster
	stop    chan struct{}
	done    sync.WaitGroup
}

// Start starts the broker.
func Start(cfg Config) (*Broker, error) {
	retention := cfg.RetentionBytes
	if retention == 0 {
		retention = DefaultRetentionBytes
	}
	c, err := kfake.NewCluster(
		kfake.Ports(cfg.Port),
		kfake.AllowAutoTopicCreation(),
		kfake.DefaultNumPartitions(1),
		kfake.ClusterID("goconnect-embedded"),
		kfake.BrokerConfigs(map[string]string{
			"log.retention.bytes": strconv.FormatInt(retention, 10),
			// Retention drops whole segments' memory only once all their
			// batches are gone, so segments must be a fraction of the limit
			// (kfake's default is 100 MiB, more than the whole limit).
			"log.segment.bytes": strconv.FormatInt(segmentBytes(retention), 10),
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("starting embedded Kafka broker on port %d: %w", cfg.Port, err)
	}
	b := &Broker{cluster: c, stop: make(chan struct{})}
	c.ControlKey(int16(kmsg.CreateTopics), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		keepCompactedForever(req.(*kmsg.CreateTopicsRequest))
		return nil, nil, false
	})
	if retention > 0 {
		b.done.Add(1)
		go b.applyRetention()
	}
	return b, nil
}

// keepCompactedForever gives compacted topics (the schema registry's
// _schemas, Connect's internal topics) unlimited size and time retention
// unless they ask otherwise: Kafka never deletes by size or age under
// cleanup.policy=compact, while kfake applies the broker defaults to every
// topic. It edits the request before kfake handles it.
func keepCompactedForever(req *kmsg.CreateTopicsRequest) {
	for i := range req.Topics {
		t := &req.Topics[i]
		var policy string
		set := map[string]bool{}
		for _, c := range t.Configs {
			set[c.Name] = true
			if c.Name == "cleanup.policy" && c.Value != nil {
				policy = *c.Value
			}
		}
		if !strings.Contains(policy, "compact") || strings.Contains(policy, "delete") {
			continue
		}
		for _, name := range []string{"retention.bytes", "retention.ms"} {
			if !set[name] {
				cfg := kmsg.NewCreateTopicsRequestTopicConfig()
				cfg.Name = name
				cfg.Value = kmsg.StringPtr("-1")
				t.Configs = append(t.Configs, cfg)
			}
		}
	}
}

func (b *Broker) applyRetention() {
	defer b.done.Done()
	tick := time.NewTicker(retentionInterval)
	defer tick.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-tick.C:
			b.cluster.ApplyRetention()
		}
	}
}

// MemoryLimit is the soft memory limit (runtime/debug.SetMemoryLimit) that
// suits a process running the broker with the given retention: the retained
// logs of a few busy partitions plus the worker. Without a limit the
// worker's high GOGC lets the heap grow to several times the retained log
// before the collector runs; with it, it collects sooner once near the limit.
func MemoryLimit(retention int64) int64 {
	if retention <= 0 {
		retention = DefaultRetentionBytes
	}
	return 3*retention + 64<<20
}

// segmentBytes is an eighth of the retention, at least 1 MiB (Kafka's floor).
func segmentBytes(retention int64) int64 {
	if retention < 0 {
		return 100 << 20
	}
	return max(retention/8, 1<<20)
}

// Addrs returns the broker addresses for bootstrap.servers.
func (b *Broker) Addrs() []string { return b.cluster.ListenAddrs() }

// Close stops the broker.
func (b *Broker) Close() {
	close(b.stop)
	b.done.Wait()
	b.cluster.Close()
}
