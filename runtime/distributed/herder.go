// Package distributed wires distributed mode: workers sharing a group.id
// form one Kafka group (package group), keep connector configs, target
// states, statuses and source offsets in the internal topics (package
// kafkastate), and the reconcile engine (package herder) runs each
// worker's share. This package owns the Kafka side only: creating and
// opening the topics, the group member, the session keys and the signed
// internal endpoint through which workers hand task configs to the leader.
package distributed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/internal/kafkaclient"
	"github.com/goconnect/goconnect/runtime/group"
	"github.com/goconnect/goconnect/runtime/herder"
	"github.com/goconnect/goconnect/runtime/kafkastate"
	"github.com/goconnect/goconnect/runtime/plugins"
	"github.com/goconnect/goconnect/runtime/status"
	"github.com/goconnect/goconnect/runtime/worker"
	"github.com/goconnect/goconnect/runtime/workerconfig"
)

// Herder is a distributed worker's engine with its Kafka wiring.
type Herder struct {
	*herder.Engine
	cfg      *workerconfig.Distributed
	log      *slog.Logger
	configs  *kafkastate.ConfigStore
	statuses *kafkastate.StatusStore
	offsets  *kafkastate.OffsetStore
	client   *kgo.Client
	adm      *kadm.Client
	member   *group.Member
	// http carries requests to other workers (task configs to the leader).
	http *http.Client
}

// Config is what Start needs.
type Config struct {
	Worker   *workerconfig.Distributed
	Registry *plugins.Registry
	Log      *slog.Logger
	// NewWorker builds the worker on the offsets store once it is open,
	// reporting statuses to listener (the engine).
	NewWorker func(offsets *kafkastate.OffsetStore, listener status.Listener) *worker.Worker
	// HTTPClient reaches the other workers' REST APIs (with the TLS
	// settings of their https listeners); nil is a plain client.
	HTTPClient *http.Client
}

// Start creates the internal topics when missing, reads them, joins the
// group and starts running what the leader assigns.
//
// Every Kafka client of the herder (internal topics, group membership)
// uses the worker-level security settings; a broker rejecting them fails
// the start with the broker's reason instead of retrying forever.
func Start(ctx context.Context, c Config) (_ *Herder, err error) {
	d := c.Worker
	ctx, failStart := context.WithCancelCause(ctx)
	defer failStart(nil)
	defer func() {
		if cause := context.Cause(ctx); err != nil && errors.Is(cause, kafkaclient.ErrAuthentication) {
			err = cause
		}
	}()
	kopts, err := d.KafkaOptions(func(err error) {
		c.Log.Error("the worker's Kafka client cannot connect", "error", err)
		failStart(err)
	})
	if err != nil {
		return nil, err
	}
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(d.BootstrapServers...)}, kopts...)...)
	if err != nil {
		return nil, fmt.Errorf("creating Kafka client: %w", err)
	}
	h := &Herder{cfg: d, log: c.Log, client: cl, adm: kadm.NewClient(cl), http: c.HTTPClient}
	if h.http == nil {
		h.http = &http.Client{}
	}
	ok := false
	defer func() {
		if !ok {
			h.closeStores()
		}
	}()
	if err := h.openStores(ctx, kopts); err != nil {
		return nil, err
	}
	ec := herder.Config{Registry: c.Registry, Log: c.Log,
		NewWorker: func(l status.Listener) *worker.Worker { return c.NewWorker(h.offsets, l) },
		Configs:   h.configs, Statuses: h.statuses, Offsets: h.offsets,
		Admin:       func() (*kadm.Client, error) { return h.adm, nil },
		SyncTimeout: d.WorkerSyncTimeout, HandOver: h.postTaskConfigs, SourcePreflight: d.SourcePreflight(),
		Assignor: &group.Assignor{MaxDelay: d.ScheduledRebalanceMaxDelay}}
	eos := d.ExactlyOnceSource == workerconfig.ExactlyOnceEnabled
	if eos {
		ec.Fence = func(ctx context.Context, connector string, task int) error {
			return worker.FenceSourceTask(ctx, cl, d.GroupID, connector, task)
		}
	}
	h.Engine = herder.New(ec)
	if eos {
		h.Worker().EnableExactlyOnce(worker.ExactlyOnce{GroupID: d.GroupID, Offsets: h.offsets})
	}
	h.member = group.New(cl, group.Config{GroupID: d.GroupID, SessionTimeout: d.SessionTimeout,
		RebalanceTimeout: d.RebalanceTimeout, HeartbeatInterval: d.HeartbeatInterval, URL: d.AdvertisedURL}, h.Engine, c.Log)
	h.Engine.Start(h.member)
	if h.sessioned() {
		go h.keepSessionKey()
	}
	ok = true
	return h, nil
}

// openStores creates the internal topics when missing, opens them and
// reads them to their end.
func (h *Herder) openStores(ctx context.Context, kopts []kgo.Opt) error {
	d := h.cfg
	specs := []struct {
		spec kafkastate.TopicSpec
		one  bool
	}{
		{kafkastate.TopicSpec{Name: d.ConfigTopic, Partitions: 1, Replication: d.ConfigReplication, Configs: d.ConfigTopicConfigs}, true},
		{kafkastate.TopicSpec{Name: d.OffsetTopic, Partitions: d.OffsetPartitions, Replication: d.OffsetReplication, Configs: d.OffsetTopicConfigs}, false},
		{kafkastate.TopicSpec{Name: d.StatusTopic, Partitions: d.StatusPartitions, Replication: d.StatusReplication, Configs: d.StatusTopicConfigs}, false},
	}
	for _, s := range specs {
		if err := kafkastate.EnsureTopic(ctx, h.adm, s.spec, s.one); err != nil {
			return err
		}
	}
	var err error
	if h.offsets, err = kafkastate.OpenOffsetStore(d.BootstrapServers, d.OffsetTopic, kopts...); err != nil {
		return err
	}
	if h.statuses, err = kafkastate.OpenStatusStore(d.BootstrapServers, d.StatusTopic, h.log, kopts...); err != nil {
		return err
	}
	// Changes read before the engine watches need no action: nothing
	// runs here yet.
	if h.configs, err = kafkastate.OpenConfigStore(d.BootstrapServers, d.ConfigTopic, nil, kopts...); err != nil {
		return err
	}
	for _, r := range []interface{ ReadToEnd(context.Context) error }{h.configs, h.offsets, h.statuses} {
		if err := r.ReadToEnd(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (h *Herder) closeStores() {
	// Typed nils (a store not opened yet) are skipped one by one: in an
	// interface slice they would not compare equal to nil.
	if h.configs != nil {
		h.configs.Close()
	}
	if h.statuses != nil {
		h.statuses.Close()
	}
	if h.offsets != nil {
		h.offsets.Close()
	}
	h.client.Close()
}

// Stop stops this worker's connectors and tasks (they flush and commit),
// leaves the group so the others take over at once, and closes the stores.
func (h *Herder) Stop(ctx context.Context) error {
	err := h.Engine.Stop(ctx)
	h.closeStores()
	return err
}

// ClusterID returns the Kafka cluster id.
func (h *Herder) ClusterID(ctx context.Context) (string, error) {
	m, err := h.adm.BrokerMetadata(ctx)
	if err != nil {
		return "", fmt.Errorf("reading the Kafka cluster id: %w", err)
	}
	return m.Cluster, nil
}
