package herder

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"

	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/runtime/connectorconfig"
	"github.com/goconnect/goconnect/runtime/group"
	"github.com/goconnect/goconnect/runtime/status"
	"github.com/goconnect/goconnect/runtime/storage"
)

// The REST API's requests about connectors. Writes go to the config store
// on the leader (others answer a *ForwardError); with WaitForReconcile
// they return once this worker applied them.

func notFound(name string) error {
	return Errorf(ErrNotFound, "Connector %s not found", name)
}

// parse checks a stored config before it runs or its offsets are read.
func (e *Engine) parse(props map[string]string) (*connectorconfig.Parsed, error) {
	cfg := e.w.Config()
	return ParseConnector(e.cfg.Registry, cfg.ConfigTransformer, cfg.ClientOverridePolicy, connectorconfig.SourcePreflight{}, props)
}

// parseWrite checks a config to be written: parse plus the mode's
// exactly-once preflight, which Connect runs on writes only (a stored
// config runs as it is, also after the worker's setting changed).
func (e *Engine) parseWrite(props map[string]string) (*connectorconfig.Parsed, error) {
	cfg := e.w.Config()
	parsed, err := ParseConnector(e.cfg.Registry, cfg.ConfigTransformer, cfg.ClientOverridePolicy, e.cfg.SourcePreflight, props)
	return parsed, e.firstUnknownClass(err)
}

// firstUnknownClass words an unknown-class refusal as Connect 4.1 does:
// the loader's message alone the first time a class name is refused,
// then, once CachedConnectors holds the failure, a ConnectException
// wrapping it, whose message starts with the cause's class name.
func (e *Engine) firstUnknownClass(err error) error {
	var he *Error
	var ce *config.Error
	const wrapped = "org.apache.kafka.connect.errors.ConnectException: "
	if !errors.As(err, &he) || he.Kind != ErrBadRequest || !strings.HasPrefix(he.Msg, wrapped+"Failed to find any class") ||
		!errors.As(he.Cause, &ce) || ce.Key != connectorconfig.ConnectorClass {
		return err
	}
	e.classesMu.Lock()
	defer e.classesMu.Unlock()
	if e.unknownClasses[ce.Value] {
		return err
	}
	if e.unknownClasses == nil {
		e.unknownClasses = map[string]bool{}
	}
	e.unknownClasses[ce.Value] = true
	first := *he
	first.Msg = strings.TrimPrefix(he.Msg, wrapped)
	return &first
}

// snapshot returns the config state after reading the store to its end,
// so a read right after a write on another worker sees it.
func (e *Engine) snapshot(ctx context.Context) storage.Snapshot {
	rctx, cancel := context.WithTimeout(ctx, e.syncTimeout())
	defer cancel()
	if err := e.configs.ReadToEnd(rctx); err != nil {
		e.log.Debug("config store not read to its end", "error", err)
	}
	return e.configs.Snapshot()
}

// Connectors lists connector names in order.
func (e *Engine) Connectors() []string {
	snap := e.configs.Snapshot()
	out := make([]string, 0, len(snap.Connectors))
	for n := range snap.Connectors {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Info returns a connector's config, task count and type.
func (e *Engine) Info(name string) (Info, error) {
	snap := e.configs.Snapshot()
	props, ok := snap.Connectors[name]
	if !ok {
		return Info{}, notFound(name)
	}
	info := Info{Name: name, Config: props, Keys: snap.ConnectorKeys[name], Tasks: len(snap.Tasks[name])}
	if d, err := e.cfg.Registry.Lookup(props[connectorconfig.ConnectorClass]); err == nil {
		info.Type = d.Type
	}
	return info, nil
}

// Config returns a connector's config.
func (e *Engine) Config(name string) (map[string]string, error) {
	props, ok := e.configs.Snapshot().Connectors[name]
	if !ok {
		return nil, notFound(name)
	}
	return props, nil
}

// TaskConfigs returns a connector's committed task configs.
func (e *Engine) TaskConfigs(name string) ([]map[string]string, error) {
	snap := e.configs.Snapshot()
	if _, ok := snap.Connectors[name]; !ok {
		return nil, notFound(name)
	}
	return snap.Tasks[name], nil
}

// Create writes a new connector's config (and initial state).
func (e *Engine) Create(ctx context.Context, name string, props map[string]string, initialState string) error {
	if err := e.awaitLeader(ctx); err != nil {
		return err
	}
	props, err := WithName(props, name)
	if err != nil {
		return err
	}
	target, err := ParseInitialState(initialState)
	if err != nil {
		return err
	}
	if _, err := e.parseWrite(props); err != nil {
		return err
	}
	if initialState == "" {
		target = ""
	}
	e.writes.Lock()
	if _, ok := e.snapshot(ctx).Connectors[name]; ok {
		e.writes.Unlock()
		return Errorf(ErrExists, "Connector %s already exists", name)
	}
	err = e.configs.PutConnector(ctx, name, props, target)
	e.writes.Unlock()
	if err != nil {
		return err
	}
	return e.applied(ctx)
}

// PutConfig creates or replaces a connector's config.
func (e *Engine) PutConfig(ctx context.Context, name string, props map[string]string) (bool, error) {
	if err := e.awaitLeader(ctx); err != nil {
		return false, err
	}
	props, err := WithName(props, name)
	if err != nil {
		return false, err
	}
	if _, err := e.parseWrite(props); err != nil {
		return false, err
	}
	e.writes.Lock()
	_, exists := e.snapshot(ctx).Connectors[name]
	err = e.configs.PutConnector(ctx, name, props, "")
	e.writes.Unlock()
	if err != nil {
		return false, err
	}
	return !exists, e.applied(ctx)
}

// PatchConfig merges patch into a connector's config (a nil value removes
// the key) and applies it like PutConfig.
func (e *Engine) PatchConfig(ctx context.Context, name string, patch map[string]*string) error {
	if err := e.awaitLeader(ctx); err != nil {
		return err
	}
	props, ok := e.snapshot(ctx).Connectors[name]
	if !ok {
		return notFound(name)
	}
	for k, v := range patch {
		if v == nil {
			delete(props, k)
		} else {
			props[k] = *v
		}
	}
	_, err := e.PutConfig(ctx, name, props)
	return err
}

// Delete removes a connector: config and target state, then its statuses,
// as Connect's leader does. Offsets are kept.
func (e *Engine) Delete(ctx context.Context, name string) error {
	if err := e.awaitLeader(ctx); err != nil {
		return err
	}
	e.writes.Lock()
	snap := e.snapshot(ctx)
	if _, ok := snap.Connectors[name]; !ok {
		e.writes.Unlock()
		return notFound(name)
	}
	err := e.configs.RemoveConnector(ctx, name)
	e.writes.Unlock()
	if err != nil {
		return err
	}
	err = e.applied(ctx)
	e.tombstoneUnless(name, true, func(now *storage.Snapshot) bool {
		_, recreated := now.Connectors[name]
		return recreated
	}, max(len(snap.Tasks[name]), len(e.statuses.Board().Tasks(name))))
	return err
}

// Pause pauses a connector's tasks everywhere. Pausing a STOPPED
// connector starts it with its tasks paused, as Connect does.
func (e *Engine) Pause(ctx context.Context, name string) error {
	return e.setTarget(ctx, name, status.TargetPaused)
}

// Resume resumes a paused or stopped connector.
func (e *Engine) Resume(ctx context.Context, name string) error {
	return e.setTarget(ctx, name, status.TargetStarted)
}

// StopConnector stops a connector: target STOPPED and zero task configs
// (KIP-875), so its offsets can be changed.
func (e *Engine) StopConnector(ctx context.Context, name string) error {
	return e.setTarget(ctx, name, status.TargetStopped)
}

func (e *Engine) setTarget(ctx context.Context, name string, target status.TargetState) error {
	if err := e.awaitLeader(ctx); err != nil {
		return err
	}
	e.writes.Lock()
	snap := e.snapshot(ctx)
	if _, ok := snap.Connectors[name]; !ok {
		e.writes.Unlock()
		return Errorf(ErrNotFound, "Unknown connector %s", name)
	}
	err := e.configs.PutTarget(ctx, name, target)
	if err == nil && target == status.TargetStopped {
		err = e.configs.PutTaskConfigs(ctx, name, nil)
	}
	e.writes.Unlock()
	if err != nil {
		return err
	}
	err = e.applied(ctx)
	if target == status.TargetStopped {
		e.tombstoneUnless(name, false, func(now *storage.Snapshot) bool {
			_, exists := now.Connectors[name]
			return !exists || now.Target(name) != status.TargetStopped
		}, max(len(snap.Tasks[name]), len(e.statuses.Board().Tasks(name))))
	}
	return err
}

// Restart records a restart request; the workers running the connector
// and its tasks act on it. Like Connect, a request with includeTasks or
// onlyFailed is answered 202 with what will restart marked RESTARTING.
func (e *Engine) Restart(ctx context.Context, name string, includeTasks, onlyFailed bool) (ConnectorStatus, bool, error) {
	if err := e.awaitLeader(ctx); err != nil {
		return ConnectorStatus{}, false, err
	}
	if _, ok := e.snapshot(ctx).Connectors[name]; !ok {
		return ConnectorStatus{}, false, Errorf(ErrNotFound, "Unknown connector: %s", name)
	}
	// Only the 202 answer lists statuses: a plain restart right after the
	// create, before any status was written, is served as in Connect.
	st, err := e.Status(name)
	if err != nil && (includeTasks || onlyFailed) {
		return ConnectorStatus{}, false, Errorf(ErrNotFound, "Status for connector %s not found", name)
	}
	if err := e.configs.PutRestart(ctx, name, storage.RestartRequest{IncludeTasks: includeTasks, OnlyFailed: onlyFailed}); err != nil {
		return ConnectorStatus{}, false, err
	}
	if err := e.applied(ctx); err != nil {
		return ConnectorStatus{}, false, err
	}
	if !includeTasks && !onlyFailed {
		return st, false, nil
	}
	if !onlyFailed || st.Connector.State == status.Failed {
		st.Connector.State = status.Restarting
	}
	if includeTasks {
		for n, ts := range st.Tasks {
			if !onlyFailed || ts.State == status.Failed {
				ts.State = status.Restarting
				st.Tasks[n] = ts
			}
		}
	}
	return st, true, nil
}

// RestartTask restarts a task on the worker it is assigned to. As
// Connect's herder, once any rebalance is over: a task assigned here
// restarts here; the leader forwards to the worker it assigned the task
// to; any other worker forwards to the leader.
func (e *Engine) RestartTask(ctx context.Context, name string, task int) error {
	if err := e.awaitSettled(ctx); err != nil {
		return err
	}
	snap := e.snapshot(ctx)
	if _, ok := snap.Connectors[name]; !ok {
		return Errorf(ErrNotFound, "Unknown connector: %s", name)
	}
	if task < 0 || task >= len(snap.Tasks[name]) {
		return Errorf(ErrNotFound, "Unknown task: %s-%d", name, task)
	}
	id := status.TaskID{Connector: name, Task: task}
	if !e.assignedHere(group.Unit{Connector: name, Task: task}) {
		return e.taskOwner(group.Unit{Connector: name, Task: task})
	}
	e.ops.Lock()
	defer e.ops.Unlock()
	if err := e.w.StopTask(ctx, id); err != nil {
		e.log.Warn("task did not stop cleanly before its restart", "connector", name, "task", task, "error", err)
	}
	e.setRestarting(id)
	return e.reconcileLocked(ctx)
}

// assignedHere tells whether this worker's assignment holds u.
func (e *Engine) assignedHere(u group.Unit) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.assignment.All || slices.Contains(e.assignment.Owned, u)
}

// taskOwner is the *ForwardError to the worker that must serve a request
// about u: its owner as this leader assigned it, or the leader. Without a
// known URL it answers Connect's 409.
func (e *Engine) taskOwner(u group.Unit) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.leader {
		return &ForwardError{URL: e.owners[u]}
	}
	return &ForwardError{URL: e.assignment.LeaderURL}
}

// PutTaskConfigs writes a connector's task configs; only the leader does.
func (e *Engine) PutTaskConfigs(ctx context.Context, name string, configs []map[string]string) error {
	if err := e.awaitLeader(ctx); err != nil {
		return err
	}
	_, err := e.writeTaskConfigs(ctx, name, configs)
	return err
}

// writeTaskConfigs commits configs unless they are already committed or
// the connector is gone or STOPPED; written tells whether it wrote.
func (e *Engine) writeTaskConfigs(ctx context.Context, name string, configs []map[string]string) (written bool, err error) {
	e.writes.Lock()
	defer e.writes.Unlock()
	snap := e.snapshot(ctx)
	if _, ok := snap.Connectors[name]; !ok {
		return false, notFound(name)
	}
	if snap.Target(name) == status.TargetStopped {
		return false, nil // a stopped connector has no tasks; a late hand-over is dropped
	}
	if equalConfigs(snap.Tasks[name], configs) {
		return false, nil
	}
	if err := e.configs.PutTaskConfigs(ctx, name, configs); err != nil {
		return false, err
	}
	if n := len(snap.Tasks[name]); n > len(configs) {
		e.tombstone(name, len(configs), n, false)
	}
	return true, nil
}
