// Package standalone is the standalone herder: connector configs live in
// memory (loaded from files at start or given through the REST API),
// offsets in a local file, and every connector runs on this one worker.
package standalone

import (
	"context"
	"log/slog"
	"sort"
	"sync"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/runtime/connectorconfig"
	"github.com/goconnect/goconnect/runtime/herder"
	"github.com/goconnect/goconnect/runtime/plugins"
	"github.com/goconnect/goconnect/runtime/status"
	"github.com/goconnect/goconnect/runtime/worker"
)

// Herder manages the connectors of a standalone worker. Every change of
// a connector (create, reconfigure, pause, stop, restart, delete) runs
// under one lock, as Connect's standalone herder is synchronized; reads
// only take the lock on the config map.
type Herder struct {
	w     *worker.Worker
	reg   *plugins.Registry
	board *status.Board
	log   *slog.Logger

	// ctx outlives requests: a connector started by a REST call keeps
	// running after the call returns.
	ctx    context.Context
	cancel context.CancelFunc
	async  sync.WaitGroup

	ops sync.Mutex

	mu    sync.RWMutex
	conns map[string]*connState

	admin admin
}

// connState is what the herder knows of one connector.
type connState struct {
	props  map[string]string
	parsed *connectorconfig.Parsed
	target status.TargetState
}

// New returns a herder running connectors on w.
func New(w *worker.Worker, reg *plugins.Registry, board *status.Board, log *slog.Logger) *Herder {
	ctx, cancel := context.WithCancel(context.Background())
	h := &Herder{w: w, reg: reg, board: board, log: log, ctx: ctx, cancel: cancel, conns: map[string]*connState{}}
	h.admin.brokers = func() []string { return w.Config().BootstrapServers }
	h.admin.opts = func() ([]kgo.Opt, error) { return w.Config().KafkaOptions(nil) }
	return h
}

// Registry returns the plugins the herder knows.
func (h *Herder) Registry() *plugins.Registry { return h.reg }

// WorkerID is the advertised host:port shown in statuses.
func (h *Herder) WorkerID() string { return h.w.Config().WorkerID }

func (h *Herder) parse(props map[string]string) (*connectorconfig.Parsed, error) {
	return herder.ParseConnector(h.reg, h.w.Config().ConfigTransformer, h.w.Config().ClientOverridePolicy, props)
}

// Create validates and starts a connector. initialState is RUNNING (or
// empty), PAUSED or STOPPED, case-insensitive.
func (h *Herder) Create(ctx context.Context, name string, props map[string]string, initialState string) error {
	props, err := herder.WithName(props, name)
	if err != nil {
		return err
	}
	target, err := herder.ParseInitialState(initialState)
	if err != nil {
		return err
	}
	parsed, err := h.parse(props)
	if err != nil {
		return err
	}
	h.ops.Lock()
	defer h.ops.Unlock()
	h.mu.Lock()
	if _, ok := h.conns[name]; ok {
		h.mu.Unlock()
		return errorf(ErrExists, "Connector %s already exists", name)
	}
	h.conns[name] = &connState{props: props, parsed: parsed, target: target}
	h.mu.Unlock()
	h.w.StartConnector(h.ctx, parsed, target)
	return nil
}

// PutConfig creates a connector or replaces its config, restarting it in
// its current target state. created tells which happened.
func (h *Herder) PutConfig(ctx context.Context, name string, props map[string]string) (created bool, err error) {
	props, err = herder.WithName(props, name)
	if err != nil {
		return false, err
	}
	parsed, err := h.parse(props)
	if err != nil {
		return false, err
	}
	h.ops.Lock()
	defer h.ops.Unlock()
	h.mu.Lock()
	cs, ok := h.conns[name]
	if !ok {
		h.conns[name] = &connState{props: props, parsed: parsed, target: status.TargetStarted}
		h.mu.Unlock()
		h.w.StartConnector(h.ctx, parsed, status.TargetStarted)
		return true, nil
	}
	h.mu.Unlock()
	h.restartLocked(ctx, name, func() {
		cs.props, cs.parsed = props, parsed
	}, cs.target)
	return false, nil
}

// PatchConfig merges patch into a connector's config (a nil value removes
// the key) and applies it like PutConfig.
func (h *Herder) PatchConfig(ctx context.Context, name string, patch map[string]*string) error {
	h.mu.RLock()
	cs, ok := h.conns[name]
	var merged map[string]string
	if ok {
		merged = herder.CopyProps(cs.props)
	}
	h.mu.RUnlock()
	if !ok {
		return errorf(ErrNotFound, "Connector %s not found", name)
	}
	for k, v := range patch {
		if v == nil {
			delete(merged, k)
		} else {
			merged[k] = *v
		}
	}
	_, err := h.PutConfig(ctx, name, merged)
	return err
}

// Delete stops a connector and forgets it; its offsets are kept.
func (h *Herder) Delete(ctx context.Context, name string) error {
	h.ops.Lock()
	defer h.ops.Unlock()
	if _, ok := h.state(name); !ok {
		return errorf(ErrNotFound, "Connector %s not found", name)
	}
	h.stopWorkerConnector(ctx, name)
	h.mu.Lock()
	delete(h.conns, name)
	h.mu.Unlock()
	h.board.Remove(name)
	h.w.ResetActiveTopics(name)
	return nil
}

// Connectors lists connector names in order.
func (h *Herder) Connectors() []string {
	h.mu.RLock()
	defer h.mu.RUnlock()
	names := make([]string, 0, len(h.conns))
	for n := range h.conns {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Info returns a connector's config, task ids and type.
func (h *Herder) Info(name string) (Info, error) {
	cs, ok := h.state(name)
	if !ok {
		return Info{}, errorf(ErrNotFound, "Connector %s not found", name)
	}
	return Info{Name: name, Config: cs.props, Tasks: len(h.w.TaskConfigs(name)), Type: cs.parsed.Plugin.Type}, nil
}

// Config returns a connector's config as given.
func (h *Herder) Config(name string) (map[string]string, error) {
	cs, ok := h.state(name)
	if !ok {
		return nil, errorf(ErrNotFound, "Connector %s not found", name)
	}
	return herder.CopyProps(cs.props), nil
}

// TaskConfigs returns the configs of a connector's tasks (none when STOPPED).
func (h *Herder) TaskConfigs(name string) ([]map[string]string, error) {
	if _, ok := h.state(name); !ok {
		return nil, errorf(ErrNotFound, "Connector %s not found", name)
	}
	return h.w.TaskConfigs(name), nil
}

// Status returns a connector's status.
func (h *Herder) Status(name string) (ConnectorStatus, error) {
	cs, ok := h.state(name)
	if !ok {
		return ConnectorStatus{}, errorf(ErrNotFound, "No status found for connector %s", name)
	}
	st, ok := h.board.Connector(name)
	if !ok {
		return ConnectorStatus{}, errorf(ErrNotFound, "No status found for connector %s", name)
	}
	return ConnectorStatus{Name: name, Connector: st, Tasks: h.board.Tasks(name), Type: cs.parsed.Plugin.Type}, nil
}

// TaskStatus returns one task's status.
func (h *Herder) TaskStatus(name string, task int) (status.Status, error) {
	if _, ok := h.state(name); ok {
		if st, ok := h.board.Task(status.TaskID{Connector: name, Task: task}); ok {
			return st, nil
		}
	}
	return status.Status{}, errorf(ErrNotFound, "No status found for task %s-%d", name, task)
}

// Stop stops every connector, letting tasks flush and commit.
func (h *Herder) Stop(ctx context.Context) error {
	h.async.Wait()
	h.ops.Lock()
	err := h.w.StopAll(ctx)
	h.ops.Unlock()
	h.cancel()
	h.admin.close()
	return err
}

func (h *Herder) state(name string) (*connState, bool) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	cs, ok := h.conns[name]
	if !ok {
		return nil, false
	}
	c := *cs
	return &c, true
}

// stopWorkerConnector stops a connector's tasks within the graceful
// timeout and forgets their statuses. Callers hold h.ops.
func (h *Herder) stopWorkerConnector(ctx context.Context, name string) {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), max(h.w.Config().ShutdownTimeout, 1))
	defer cancel()
	if err := h.w.StopConnector(sctx, name); err != nil {
		h.log.Warn("connector did not stop cleanly", "connector", name, "error", err)
	}
	h.board.RemoveTasks(name, 0)
}

// restartLocked stops a connector, applies change to its state and
// starts it in target. Callers hold h.ops.
func (h *Herder) restartLocked(ctx context.Context, name string, change func(), target status.TargetState) {
	h.stopWorkerConnector(ctx, name)
	h.mu.Lock()
	cs := h.conns[name]
	if change != nil {
		change()
	}
	cs.target = target
	parsed := cs.parsed
	h.mu.Unlock()
	h.w.StartConnector(h.ctx, parsed, target)
}
