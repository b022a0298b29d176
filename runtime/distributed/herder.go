// Package distributed is the distributed herder: workers sharing a
// group.id form one Kafka group (package group), keep connector configs,
// target states, statuses and source offsets in the internal topics
// (package kafkastate) and each run the connectors and tasks the group's
// leader assigns them. Config changes are written by the leader; any
// worker forwards them there.
package distributed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/internal/kafkaclient"
	"github.com/goconnect/goconnect/runtime/group"
	"github.com/goconnect/goconnect/runtime/herder"
	"github.com/goconnect/goconnect/runtime/kafkastate"
	"github.com/goconnect/goconnect/runtime/metrics"
	"github.com/goconnect/goconnect/runtime/plugins"
	"github.com/goconnect/goconnect/runtime/status"
	"github.com/goconnect/goconnect/runtime/worker"
	"github.com/goconnect/goconnect/runtime/workerconfig"
)

// Herder runs this worker's share of the cluster's connectors.
type Herder struct {
	cfg      *workerconfig.Distributed
	w        *worker.Worker
	reg      *plugins.Registry
	local    *status.Board // this worker's statuses, published to the topic
	log      *slog.Logger
	configs  *kafkastate.ConfigStore
	statuses *kafkastate.StatusStore
	offsets  *kafkastate.OffsetStore
	client   *kgo.Client
	adm      *kadm.Client
	member   *group.Member
	assignor *group.Assignor
	// http carries requests to other workers (task configs to the leader).
	http *http.Client

	ctx    context.Context
	cancel context.CancelFunc
	wake   chan struct{}
	done   chan struct{}

	// ops serialises reconciliation: assignment changes, config changes
	// and restarts apply one at a time.
	ops sync.Mutex

	mu         sync.Mutex
	assignment group.Assignment
	generation int32
	memberID   string
	leader     bool
	rebalance  bool
	stopping   bool
	// planned is the unit set of the last assignment this leader made.
	planned []group.Unit
	// restarts are restart requests read from the config topic.
	restarts []restart
	// submitted remembers task configs handed to the leader, so a
	// connector's unchanged configs are not sent again.
	submitted map[string][]map[string]string
}

type restart struct {
	connector string
	req       kafkastate.RestartRequest
}

// Config is what New needs.
type Config struct {
	Worker     *workerconfig.Distributed
	Registry   *plugins.Registry
	LocalBoard *status.Board
	Log        *slog.Logger
	// NewWorker builds the worker on the offsets store once it is open.
	NewWorker func(offsets *kafkastate.OffsetStore) *worker.Worker
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
	h := &Herder{cfg: d, reg: c.Registry, local: c.LocalBoard, log: c.Log, client: cl, adm: kadm.NewClient(cl),
		wake: make(chan struct{}, 1), done: make(chan struct{}), generation: -1, submitted: map[string][]map[string]string{},
		assignor: &group.Assignor{MaxDelay: d.ScheduledRebalanceMaxDelay}, http: c.HTTPClient}
	if h.http == nil {
		h.http = &http.Client{}
	}
	ok := false
	defer func() {
		if !ok {
			h.closeStores()
		}
	}()
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
			return nil, err
		}
	}
	if h.offsets, err = kafkastate.OpenOffsetStore(d.BootstrapServers, d.OffsetTopic, kopts...); err != nil {
		return nil, err
	}
	if h.statuses, err = kafkastate.OpenStatusStore(d.BootstrapServers, d.StatusTopic, c.Log, kopts...); err != nil {
		return nil, err
	}
	if h.configs, err = kafkastate.OpenConfigStore(d.BootstrapServers, d.ConfigTopic, h.configChanged, kopts...); err != nil {
		return nil, err
	}
	for _, r := range []interface{ ReadToEnd(context.Context) error }{h.configs, h.offsets, h.statuses} {
		if err := r.ReadToEnd(ctx); err != nil {
			return nil, err
		}
	}
	h.w = c.NewWorker(h.offsets)
	if herder.TopicTracking(d.Props) {
		h.w.OnNewActiveTopic(func(connector, topic string, task int) {
			h.statuses.PublishTopic(connector, topic, task, time.Now())
		})
		// A reset on any worker makes every worker record its tasks'
		// topics again as they use them.
		h.statuses.OnTopicsReset(h.w.ResetActiveTopics)
	}
	if d.ExactlyOnceSource == workerconfig.ExactlyOnceEnabled {
		h.w.EnableExactlyOnce(worker.ExactlyOnce{GroupID: d.GroupID, Offsets: h.offsets})
	}
	h.ctx, h.cancel = context.WithCancel(context.Background())
	h.member = group.New(cl, group.Config{GroupID: d.GroupID, SessionTimeout: d.SessionTimeout,
		RebalanceTimeout: d.RebalanceTimeout, HeartbeatInterval: d.HeartbeatInterval, URL: d.AdvertisedURL}, h, c.Log)
	h.offsets.SetGuard(h.member.Valid)
	h.local.OnChange(h.publish)
	go func() {
		defer close(h.done)
		h.member.Run(h.ctx)
	}()
	go h.loop()
	if h.sessioned() {
		go h.keepSessionKey()
	}
	ok = true
	return h, nil
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
	h.ops.Lock()
	h.mu.Lock()
	h.assignment = group.Assignment{}
	h.stopping = true
	h.mu.Unlock()
	err := h.reconcileLocked(ctx)
	h.ops.Unlock()
	h.cancel()
	<-h.done
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if ferr := h.statuses.Flush(fctx); ferr != nil {
		h.log.Warn("statuses not all written before exit", "error", ferr)
	}
	h.closeStores()
	return err
}

// publish writes this worker's status changes to the status topic. A
// removal is not published: the unit may already run elsewhere, and the
// new owner's status must not be erased. The leader tombstones statuses of
// deleted connectors and removed tasks itself.
func (h *Herder) publish(c status.Change) {
	if c.Removed {
		return
	}
	if err := h.member.Valid(); err != nil {
		// A worker that may have been expelled must not overwrite the
		// status its units' new owners write (Connect's putSafe). What it
		// drops while a rebalance runs long is written again once it has
		// its next assignment.
		h.log.Debug("status not written", "connector", c.Connector, "task", c.Task, "reason", err)
		return
	}
	h.mu.Lock()
	gen := h.generation
	h.mu.Unlock()
	// Not h.ctx: statuses written while stopping must still go out.
	h.statuses.Publish(context.Background(), c, gen)
}

func (h *Herder) configChanged(c kafkastate.ConfigChange) {
	if c.Kind == "session-key" {
		h.log.Info("Session key updated")
		return
	}
	if c.Kind == "restart" {
		h.mu.Lock()
		h.restarts = append(h.restarts, restart{connector: c.Connector, req: c.Restart})
		h.mu.Unlock()
	}
	h.poke()
}

func (h *Herder) poke() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// loop reconciles after every config change.
func (h *Herder) loop() {
	for {
		select {
		case <-h.ctx.Done():
			return
		case <-h.wake:
		}
		h.ops.Lock()
		if h.ctx.Err() == nil {
			if err := h.reconcileLocked(h.ctx); err != nil {
				h.log.Warn("applying the cluster's config", "error", err)
			}
		}
		h.ops.Unlock()
	}
}

// units lists every unit of a snapshot: each connector instance and each
// committed task.
func units(snap *kafkastate.Snapshot) []group.Unit {
	var out []group.Unit
	for name := range snap.Connectors {
		out = append(out, group.Unit{Connector: name, Task: -1})
		if snap.Target(name) == status.TargetStopped {
			continue
		}
		for i := range snap.Tasks[name] {
			out = append(out, group.Unit{Connector: name, Task: i})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Connector != out[j].Connector {
			return out[i].Connector < out[j].Connector
		}
		return out[i].Task < out[j].Task
	})
	return out
}

func sameUnits(a, b []group.Unit) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// State implements group.Handler.
func (h *Herder) State() (int64, []group.Unit) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.configs.Snapshot().Offset, append([]group.Unit(nil), h.assignment.Owned...)
}

// Assign implements group.Handler: the leader reads the config topic to
// its end and spreads every unit.
func (h *Herder) Assign(ctx context.Context, members []group.MemberState) (map[string]group.Assignment, error) {
	rctx, cancel := context.WithTimeout(ctx, h.cfg.WorkerSyncTimeout)
	defer cancel()
	if err := h.configs.ReadToEnd(rctx); err != nil {
		return nil, err
	}
	snap := h.configs.Snapshot()
	all := units(&snap)
	plan := h.assignor.Assign(members, all, time.Now())
	for id, a := range plan {
		a.ConfigOffset = snap.Offset
		plan[id] = a
	}
	h.mu.Lock()
	h.planned = all
	h.mu.Unlock()
	return plan, nil
}

// Assigned implements group.Handler.
func (h *Herder) Assigned(ctx context.Context, generation int32, memberID string, a group.Assignment) {
	h.ops.Lock()
	defer h.ops.Unlock()
	h.mu.Lock()
	if h.stopping {
		h.mu.Unlock()
		return
	}
	h.assignment, h.generation, h.memberID = a, generation, memberID
	h.leader = a.Leader == memberID
	h.rebalance = false
	h.mu.Unlock()
	// Catch up with the config the leader assigned from.
	rctx, cancel := context.WithTimeout(ctx, h.cfg.WorkerSyncTimeout)
	err := h.configs.ReadToEnd(rctx)
	cancel()
	if err != nil {
		h.log.Warn("config topic not read to its end before applying the assignment", "error", err)
	}
	// Only the stopping happens here, before the member rejoins or
	// heartbeats again: starting (which may wait for fencing or the
	// offsets topic) runs on the herder's loop, so heartbeats go on.
	h.stopUnwantedLocked(ctx)
	h.republish(a.Owned)
	h.poke()
}

// republish writes the statuses of the units this worker keeps, in case
// some were dropped while its membership was unconfirmed.
func (h *Herder) republish(owned []group.Unit) {
	for _, u := range owned {
		var st status.Status
		var ok bool
		if u.IsConnector() {
			st, ok = h.local.Connector(u.Connector)
		} else {
			st, ok = h.local.Task(status.TaskID{Connector: u.Connector, Task: u.Task})
		}
		if ok {
			h.publish(status.Change{Connector: u.Connector, Task: u.Task, Status: st})
		}
	}
}

// Rebalancing implements group.Handler.
func (h *Herder) Rebalancing() {
	h.mu.Lock()
	h.rebalance = true
	h.mu.Unlock()
}

// Lost implements group.Handler: everything stops, it may run elsewhere.
func (h *Herder) Lost() {
	h.ops.Lock()
	defer h.ops.Unlock()
	h.mu.Lock()
	h.assignment = group.Assignment{}
	h.generation = -1
	h.leader = false
	h.mu.Unlock()
	if err := h.reconcileLocked(h.ctx); err != nil {
		h.log.Warn("stopping after leaving the group", "error", err)
	}
}

// reconcileLocked makes what runs here match the assignment and the
// config: it stops units no longer assigned or whose config changed,
// applies target states and restarts, then starts what is missing.
// Callers hold h.ops.
func (h *Herder) reconcileLocked(ctx context.Context) error {
	h.stopUnwantedLocked(ctx)
	return h.startMissingLocked(ctx)
}

// stopUnwantedLocked stops what is no longer assigned here, or whose
// config, target state or a restart request says it must go. Callers
// hold h.ops.
func (h *Herder) stopUnwantedLocked(ctx context.Context) {
	snap := h.configs.Snapshot()
	h.mu.Lock()
	owned := map[group.Unit]bool{}
	for _, u := range h.assignment.Owned {
		owned[u] = true
	}
	leader := h.leader
	planned := h.planned
	restarts := h.restarts
	h.restarts = nil
	h.mu.Unlock()

	if leader && !sameUnits(units(&snap), planned) {
		// Connectors or tasks were added or removed: the leader spreads
		// them in a new round.
		h.member.RequestRejoin()
	}

	// Restart requests: stop what they name here, it starts again below.
	restartConn := map[string]bool{}
	restartTask := map[status.TaskID]bool{}
	for _, r := range restarts {
		if cs, ok := h.local.Connector(r.connector); ok && (!r.req.OnlyFailed || cs.State == status.Failed) {
			restartConn[r.connector] = true
		}
		if r.req.IncludeTasks {
			for n, ts := range h.local.Tasks(r.connector) {
				if !r.req.OnlyFailed || ts.State == status.Failed {
					restartTask[status.TaskID{Connector: r.connector, Task: n}] = true
				}
			}
		}
	}

	// Stop tasks first: they flush and commit before anything else moves.
	running := h.w.TaskUnits()
	var wg sync.WaitGroup
	for id, props := range running {
		u := group.Unit{Connector: id.Connector, Task: id.Task}
		tasks := snap.Tasks[id.Connector]
		keep := owned[u] && snap.Target(id.Connector) != status.TargetStopped && id.Task < len(tasks) &&
			maps.Equal(tasks[id.Task], props) && !restartTask[id]
		if keep {
			h.w.SetUnitsPaused(id.Connector, snap.Target(id.Connector) == status.TargetPaused)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := h.w.StopTaskUnit(ctx, id); err != nil {
				h.log.Warn("task did not stop cleanly", "connector", id.Connector, "task", id.Task, "error", err)
			}
			if restartTask[id] {
				h.local.SetTask(id, status.Status{State: status.Restarting, WorkerID: h.cfg.WorkerID})
			}
		}()
	}
	wg.Wait()
	for _, name := range h.w.ConnectorUnits() {
		parsed, target, _ := h.w.ConnectorUnit(name)
		props, exists := snap.Connectors[name]
		keep := owned[group.Unit{Connector: name, Task: -1}] && exists && maps.Equal(parsed.Raw, props) &&
			(target == status.TargetStopped) == (snap.Target(name) == status.TargetStopped) && !restartConn[name]
		if keep {
			if target != snap.Target(name) {
				h.w.SetUnitsPaused(name, snap.Target(name) == status.TargetPaused)
			}
			continue
		}
		if err := h.w.StopConnectorUnit(name); err != nil {
			h.log.Warn("connector did not stop cleanly", "connector", name, "error", err)
		}
		h.mu.Lock()
		delete(h.submitted, name)
		h.mu.Unlock()
	}

}

// startMissingLocked starts what is assigned here and not running.
// Callers hold h.ops.
func (h *Herder) startMissingLocked(ctx context.Context) error {
	snap := h.configs.Snapshot()
	h.mu.Lock()
	owned := map[group.Unit]bool{}
	for _, u := range h.assignment.Owned {
		owned[u] = true
	}
	h.mu.Unlock()
	runningConns := map[string]bool{}
	for _, n := range h.w.ConnectorUnits() {
		runningConns[n] = true
	}
	running := h.w.TaskUnits()
	offsetsRead := false
	for u := range owned {
		props, exists := snap.Connectors[u.Connector]
		if !exists {
			continue
		}
		target := snap.Target(u.Connector)
		if u.IsConnector() {
			if runningConns[u.Connector] {
				continue
			}
			parsed, err := herder.ParseConnector(h.reg, h.cfg.ConfigTransformer, h.cfg.ClientOverridePolicy, props)
			if err != nil {
				h.local.SetConnector(u.Connector, status.Status{State: status.Failed, WorkerID: h.cfg.WorkerID, Trace: status.Trace(err, nil)})
				continue
			}
			configs, ok := h.w.StartConnectorUnit(ctx, parsed, target)
			if ok {
				h.submitTaskConfigs(u.Connector, configs, snap.Tasks[u.Connector])
			}
			continue
		}
		id := status.TaskID{Connector: u.Connector, Task: u.Task}
		tasks := snap.Tasks[u.Connector]
		if _, ok := running[id]; ok || target == status.TargetStopped || u.Task >= len(tasks) {
			continue
		}
		parsed, err := herder.ParseConnector(h.reg, h.cfg.ConfigTransformer, h.cfg.ClientOverridePolicy, props)
		if err != nil {
			h.local.SetTask(id, status.Status{State: status.Failed, WorkerID: h.cfg.WorkerID, Trace: status.Trace(err, nil)})
			continue
		}
		if parsed.Plugin.Type == connect.TypeSource && h.cfg.ExactlyOnceSource == workerconfig.ExactlyOnceEnabled {
			fctx, cancel := context.WithTimeout(ctx, max(h.cfg.WorkerSyncTimeout, 30*time.Second))
			err := worker.FenceSourceTask(fctx, h.client, h.cfg.GroupID, u.Connector, u.Task)
			cancel()
			if err != nil {
				h.local.SetTask(id, status.Status{State: status.Failed, WorkerID: h.cfg.WorkerID, Trace: status.Trace(err, nil)})
				continue
			}
			offsetsRead = false // the fence may have resolved an open transaction
		}
		if parsed.Plugin.Type == connect.TypeSource && !offsetsRead {
			// A task moved here resumes from what its last owner committed.
			rctx, cancel := context.WithTimeout(ctx, h.cfg.WorkerSyncTimeout)
			if err := h.offsets.ReadToEnd(rctx); err != nil {
				h.log.Warn("offsets topic not read to its end", "error", err)
			}
			cancel()
			offsetsRead = true
		}
		h.w.StartTaskUnit(ctx, parsed, u.Task, tasks[u.Task], target)
	}
	return nil
}

// submitTaskConfigs hands a connector's generated task configs to the
// leader when they differ from the committed ones.
func (h *Herder) submitTaskConfigs(name string, configs, committed []map[string]string) {
	if equalConfigs(configs, committed) {
		return
	}
	h.mu.Lock()
	prev, sent := h.submitted[name]
	h.submitted[name] = configs
	h.mu.Unlock()
	if sent && equalConfigs(prev, configs) {
		return
	}
	go func() {
		backoff := 250 * time.Millisecond
		for h.ctx.Err() == nil {
			err := h.PutTaskConfigs(h.ctx, name, configs)
			if err == nil {
				return
			}
			var fwd *forwardError
			if errors.As(err, &fwd) && fwd.url != "" {
				err = h.postTaskConfigs(h.ctx, fwd.url, name, configs)
				if err == nil {
					return
				}
			}
			h.log.Warn("task configs not handed to the leader yet, retrying", "connector", name, "error", err)
			select {
			case <-h.ctx.Done():
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, 5*time.Second)
		}
	}()
}

func equalConfigs(a, b []map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !maps.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

// Registry returns the plugins.
func (h *Herder) Registry() *plugins.Registry { return h.reg }

// WorkerID is this worker's advertised host:port.
func (h *Herder) WorkerID() string { return h.cfg.WorkerID }

// Metrics returns the worker's metrics registry.
func (h *Herder) Metrics() *metrics.Registry { return h.w.Metrics() }

// ClusterID returns the Kafka cluster id.
func (h *Herder) ClusterID(ctx context.Context) (string, error) {
	m, err := h.adm.BrokerMetadata(ctx)
	if err != nil {
		return "", fmt.Errorf("reading the Kafka cluster id: %w", err)
	}
	return m.Cluster, nil
}

// Responsive reports whether the herder can take a change within ctx.
func (h *Herder) Responsive(ctx context.Context) bool { return herder.Responsive(ctx, &h.ops) }
