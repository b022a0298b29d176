package herder

import (
	"context"
	"fmt"
	"github.com/goconnect/goconnect/runtime/connectorconfig"
	"log/slog"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/goconnect/goconnect/runtime/group"
	"github.com/goconnect/goconnect/runtime/metrics"
	"github.com/goconnect/goconnect/runtime/plugins"
	"github.com/goconnect/goconnect/runtime/status"
	"github.com/goconnect/goconnect/runtime/storage"
	"github.com/goconnect/goconnect/runtime/worker"
)

// Config is what an Engine runs on.
type Config struct {
	Registry *plugins.Registry
	Log      *slog.Logger
	// NewWorker builds the worker that runs the units, reporting their
	// statuses to listener (the engine); its settings are the engine's too.
	NewWorker func(listener status.Listener) *worker.Worker
	Configs   storage.ConfigStore
	Statuses  storage.StatusStore
	Offsets   storage.OffsetStore
	// Admin returns the admin client for the cluster id and sink offsets.
	Admin func() (*kadm.Client, error)
	// SyncTimeout bounds reading a store to its end.
	SyncTimeout time.Duration
	// WaitForReconcile makes every write return only once this engine
	// applied it (standalone: a 201 already shows the tasks).
	WaitForReconcile bool
	// Fence, when set, fences a source task's earlier transactional
	// producers before the task starts here (exactly-once support).
	Fence func(ctx context.Context, connector string, task int) error
	// HandOver sends a connector's generated task configs to the leader
	// at url; used by a worker running a connector it does not lead.
	HandOver func(ctx context.Context, url, name string, configs []map[string]string) error
	// SourcePreflight is the mode's exactly-once checks of source
	// connector configs (distributed mode's, or none in standalone).
	SourcePreflight connectorconfig.SourcePreflight
	// Assignor spreads units when this worker leads a group.
	Assignor *group.Assignor
	// RequestTimeout bounds how long a REST write waits for a rebalance
	// to end; zero is DefaultRequestTimeout (Connect's 90 s).
	RequestTimeout time.Duration
}

// Member is this worker's membership: a Kafka group member
// (*group.Member) or the single member of standalone mode (Solo).
type Member interface {
	// Run keeps the membership until ctx ends, calling the engine's
	// group.Handler methods.
	Run(ctx context.Context)
	// RequestRejoin asks for a new assignment (units were added or removed).
	RequestRejoin()
	// Valid returns an error when this worker may no longer own its units.
	Valid() error
}

// Engine reconciles this worker with the stores and serves the REST API.
type Engine struct {
	cfg Config
	w   *worker.Worker
	log *slog.Logger
	// local holds the statuses of what runs here, as the worker and the
	// engine report them; restarts and republishing read it.
	local    *status.Board
	configs  storage.ConfigStore
	statuses storage.StatusStore
	member   Member

	ctx    context.Context
	cancel context.CancelFunc
	wake   chan struct{}
	done   chan struct{}

	// ops serialises reconciliation: assignment changes, config changes
	// and restarts apply one at a time.
	ops sync.Mutex
	// writes makes a REST write's check and write one step.
	writes sync.Mutex

	// unknownClasses are the connector classes a write named and no
	// plugin has, as Connect's CachedConnectors remembers them (it words
	// the refusal differently from the second time on).
	classesMu      sync.Mutex
	unknownClasses map[string]bool

	mu         sync.Mutex
	assignment group.Assignment
	generation int32
	memberID   string
	leader     bool
	rebalance  bool
	// settled is closed and replaced when a generation settles, waking
	// the requests waiting for the rebalance to end; rebalanceSince is
	// when this worker last lost its settled generation.
	settled        chan struct{}
	rebalanceSince time.Time
	stopping       bool
	// planned is the unit set of the last assignment this leader made;
	// owners maps each unit it assigned to its worker's URL.
	planned []group.Unit
	owners  map[group.Unit]string
	// rejoinFor is the unit set this leader last asked a new round for.
	rejoinFor []group.Unit
	// restarts are restart requests read from the config store.
	restarts []restart
	// generated holds the task configs each connector running here
	// generated when it started; only the reconcile loop uses it.
	generated map[string][]map[string]string
	// submitted remembers task configs handed to the leader, so a
	// connector's unchanged configs are not sent again.
	submitted map[string][]map[string]string
	// reconciled is the config offset the last complete pass applied;
	// progress is closed and replaced whenever it moves.
	reconciled int64
	progress   chan struct{}
	clusterID  string
}

type restart struct {
	connector string
	req       storage.RestartRequest
}

// New returns an engine; Start runs it.
func New(c Config) *Engine {
	ctx, cancel := context.WithCancel(context.Background())
	e := &Engine{cfg: c, log: c.Log, local: status.NewBoard(), configs: c.Configs, statuses: c.Statuses,
		ctx: ctx, cancel: cancel, wake: make(chan struct{}, 1), done: make(chan struct{}), generation: -1,
		submitted: map[string][]map[string]string{}, generated: map[string][]map[string]string{}, reconciled: -1, progress: make(chan struct{}),
		settled: make(chan struct{}), rebalanceSince: time.Now()}
	e.w = c.NewWorker(e)
	return e
}

// Start wires the engine to its stores and worker and runs m.
func (e *Engine) Start(m Member) {
	e.member = m
	if TopicTracking(e.w.Config().Props) {
		e.w.OnNewActiveTopic(func(connector, topic string, task int) {
			e.statuses.PublishTopic(connector, topic, task, time.Now())
		})
		// A reset on any worker makes every worker record its tasks'
		// topics again as they use them.
		e.statuses.OnTopicsReset(e.w.ResetActiveTopics)
	}
	if g, ok := e.cfg.Offsets.(interface{ SetGuard(func() error) }); ok {
		// A worker that lost its place must not commit for tasks now elsewhere.
		g.SetGuard(m.Valid)
	}
	e.configs.Watch(e.configChanged)
	if _, ok := m.(Solo); ok {
		// The single member owns everything from the start, so the
		// first request already finds a leader.
		e.Assigned(e.ctx, 0, soloID, group.Assignment{Leader: soloID, All: true})
	}
	go func() {
		defer close(e.done)
		m.Run(e.ctx)
	}()
	go e.loop()
}

// Stop stops this worker's connectors and tasks (they flush and commit)
// and ends the membership, so other members take over at once.
func (e *Engine) Stop(ctx context.Context) error {
	e.ops.Lock()
	e.mu.Lock()
	e.assignment = group.Assignment{}
	e.stopping = true
	e.mu.Unlock()
	err := e.reconcileLocked(ctx)
	e.ops.Unlock()
	e.cancel()
	<-e.done
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if ferr := e.statuses.Flush(fctx); ferr != nil {
		e.log.Warn("statuses not all written before exit", "error", ferr)
	}
	return err
}

// Context ends when the engine stops.
func (e *Engine) Context() context.Context { return e.ctx }

func (e *Engine) configChanged(c storage.ConfigChange) {
	if c.Kind == storage.ChangeSessionKey {
		e.log.Info("Session key updated")
		return
	}
	if c.Kind == storage.ChangeRestart {
		e.mu.Lock()
		e.restarts = append(e.restarts, restart{connector: c.Connector, req: c.Restart})
		e.mu.Unlock()
	}
	e.poke()
}

func (e *Engine) poke() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// loop reconciles after every config change.
func (e *Engine) loop() {
	for {
		select {
		case <-e.ctx.Done():
			return
		case <-e.wake:
		}
		e.ops.Lock()
		if e.ctx.Err() == nil {
			if err := e.reconcileLocked(e.ctx); err != nil {
				e.log.Warn("applying the cluster's config", "error", err)
			}
		}
		e.ops.Unlock()
	}
}

// setReconciled records that a pass applied the config up to offset.
func (e *Engine) setReconciled(offset int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if offset > e.reconciled {
		e.reconciled = offset
		close(e.progress)
		e.progress = make(chan struct{})
	}
}

// applied waits, when the engine is configured to, until what was
// written so far is reconciled here: its connectors started or stopped,
// their task configs generated and their tasks running.
func (e *Engine) applied(ctx context.Context) error {
	if !e.cfg.WaitForReconcile {
		return nil
	}
	target := e.configs.Snapshot().Offset
	e.poke()
	for {
		e.mu.Lock()
		done, progress := e.reconciled >= target, e.progress
		e.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-progress:
		case <-ctx.Done():
			return ctx.Err()
		case <-e.ctx.Done():
			return nil
		}
	}
}

// Registry returns the plugins.
func (e *Engine) Registry() *plugins.Registry { return e.cfg.Registry }

// WorkerID is this worker's advertised host:port, shown in statuses.
func (e *Engine) WorkerID() string { return e.w.Config().WorkerID }

// Metrics returns the worker's metrics registry.
func (e *Engine) Metrics() *metrics.Registry { return e.w.Metrics() }

// Worker returns the worker running the units.
func (e *Engine) Worker() *worker.Worker { return e.w }

// ClusterID returns the Kafka cluster id, asked once from the brokers.
func (e *Engine) ClusterID(ctx context.Context) (string, error) {
	e.mu.Lock()
	id := e.clusterID
	e.mu.Unlock()
	if id != "" {
		return id, nil
	}
	adm, err := e.cfg.Admin()
	if err != nil {
		return "", err
	}
	m, err := adm.BrokerMetadata(ctx)
	if err != nil {
		return "", fmt.Errorf("reading the Kafka cluster id: %w", err)
	}
	e.mu.Lock()
	e.clusterID = m.Cluster
	e.mu.Unlock()
	return m.Cluster, nil
}

// Responsive reports whether the engine can take a change within ctx: a
// change that is stuck makes GET /health answer unhealthy.
func (e *Engine) Responsive(ctx context.Context) bool { return Responsive(ctx, &e.ops) }

// Admin returns the worker's admin client on its Kafka cluster, for
// read-only views such as the console's sink lag.
func (e *Engine) Admin() (*kadm.Client, error) { return e.cfg.Admin() }
