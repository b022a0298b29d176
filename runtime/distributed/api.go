package distributed

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/goconnect/goconnect/runtime/herder"
	"github.com/goconnect/goconnect/runtime/kafkastate"
	"github.com/goconnect/goconnect/runtime/status"
)

// forwardError asks the REST layer to replay the request on url (the
// leader, or the worker running a task); an empty url means no leader is
// known yet.
type forwardError struct{ url string }

func (e *forwardError) Error() string {
	if e.url == "" {
		return "no leader is known (a rebalance is under way)"
	}
	return "this request must be served by " + e.url
}

// ForwardURL implements rest.Forwarder.
func (e *forwardError) ForwardURL() string { return e.url }

// leaderCheck returns nil on the leader, a forwardError elsewhere.
func (h *Herder) leaderCheck() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.generation < 0 || h.rebalance {
		// A rebalance is under way: the leader may change, and a write
		// now could land on a stale one. Connect answers 409 too.
		return &forwardError{}
	}
	if h.leader {
		return nil
	}
	return &forwardError{url: h.assignment.LeaderURL}
}

// snapshot returns the config state after reading the topic to its end,
// so a read right after a write on another worker sees it.
func (h *Herder) snapshot(ctx context.Context) kafkastate.Snapshot {
	rctx, cancel := context.WithTimeout(ctx, h.cfg.WorkerSyncTimeout)
	defer cancel()
	if err := h.configs.ReadToEnd(rctx); err != nil {
		h.log.Debug("config topic not read to its end", "error", err)
	}
	return h.configs.Snapshot()
}

func notFound(name string) error {
	return herder.Errorf(herder.ErrNotFound, "Connector %s not found", name)
}

// Connectors lists connector names in order.
func (h *Herder) Connectors() []string {
	snap := h.configs.Snapshot()
	out := make([]string, 0, len(snap.Connectors))
	for n := range snap.Connectors {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Info returns a connector's config, task count and type.
func (h *Herder) Info(name string) (herder.Info, error) {
	snap := h.configs.Snapshot()
	props, ok := snap.Connectors[name]
	if !ok {
		return herder.Info{}, notFound(name)
	}
	info := herder.Info{Name: name, Config: props, Tasks: len(snap.Tasks[name])}
	if d, err := h.reg.Lookup(props["connector.class"]); err == nil {
		info.Type = d.Type
	}
	return info, nil
}

// Config returns a connector's config.
func (h *Herder) Config(name string) (map[string]string, error) {
	props, ok := h.configs.Snapshot().Connectors[name]
	if !ok {
		return nil, notFound(name)
	}
	return props, nil
}

// TaskConfigs returns a connector's committed task configs.
func (h *Herder) TaskConfigs(name string) ([]map[string]string, error) {
	snap := h.configs.Snapshot()
	if _, ok := snap.Connectors[name]; !ok {
		return nil, notFound(name)
	}
	return snap.Tasks[name], nil
}

// Status returns a connector's status as the status topic holds it.
func (h *Herder) Status(name string) (herder.ConnectorStatus, error) {
	info, err := h.Info(name)
	if err != nil {
		return herder.ConnectorStatus{}, herder.Errorf(herder.ErrNotFound, "No status found for connector %s", name)
	}
	board := h.statuses.Board()
	st, ok := board.Connector(name)
	if !ok {
		return herder.ConnectorStatus{}, herder.Errorf(herder.ErrNotFound, "No status found for connector %s", name)
	}
	tasks := board.Tasks(name)
	for n := range tasks {
		if n >= info.Tasks {
			delete(tasks, n) // a status the leader has not tombstoned yet
		}
	}
	return herder.ConnectorStatus{Name: name, Connector: st, Tasks: tasks, Type: info.Type}, nil
}

// TaskStatus returns one task's status.
func (h *Herder) TaskStatus(name string, task int) (status.Status, error) {
	if _, err := h.Info(name); err == nil {
		if st, ok := h.statuses.Board().Task(status.TaskID{Connector: name, Task: task}); ok {
			return st, nil
		}
	}
	return status.Status{}, herder.Errorf(herder.ErrNotFound, "No status found for task %s-%d", name, task)
}

// Create writes a new connector's config (and initial state) on the leader.
func (h *Herder) Create(ctx context.Context, name string, props map[string]string, initialState string) error {
	if err := h.leaderCheck(); err != nil {
		return err
	}
	props, err := herder.WithName(props, name)
	if err != nil {
		return err
	}
	target, err := herder.ParseInitialState(initialState)
	if err != nil {
		return err
	}
	if _, err := herder.ParseConnector(h.reg, h.cfg.ConfigTransformer, h.cfg.ClientOverridePolicy, props); err != nil {
		return err
	}
	if _, ok := h.snapshot(ctx).Connectors[name]; ok {
		return herder.Errorf(herder.ErrExists, "Connector %s already exists", name)
	}
	if initialState == "" {
		target = ""
	}
	return h.configs.PutConnector(ctx, name, props, target)
}

// PutConfig creates or replaces a connector's config on the leader.
func (h *Herder) PutConfig(ctx context.Context, name string, props map[string]string) (bool, error) {
	if err := h.leaderCheck(); err != nil {
		return false, err
	}
	props, err := herder.WithName(props, name)
	if err != nil {
		return false, err
	}
	if _, err := herder.ParseConnector(h.reg, h.cfg.ConfigTransformer, h.cfg.ClientOverridePolicy, props); err != nil {
		return false, err
	}
	_, exists := h.snapshot(ctx).Connectors[name]
	return !exists, h.configs.PutConnector(ctx, name, props, "")
}

// PatchConfig merges patch into a connector's config on the leader.
func (h *Herder) PatchConfig(ctx context.Context, name string, patch map[string]*string) error {
	if err := h.leaderCheck(); err != nil {
		return err
	}
	props, ok := h.snapshot(ctx).Connectors[name]
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
	_, err := h.PutConfig(ctx, name, props)
	return err
}

// Delete removes a connector: config and target state tombstoned, then
// its statuses, as Connect's leader does.
func (h *Herder) Delete(ctx context.Context, name string) error {
	if err := h.leaderCheck(); err != nil {
		return err
	}
	snap := h.snapshot(ctx)
	if _, ok := snap.Connectors[name]; !ok {
		return notFound(name)
	}
	if err := h.configs.RemoveConnector(ctx, name); err != nil {
		return err
	}
	h.tombstoneStatuses(name, 0, max(len(snap.Tasks[name]), len(h.statuses.Board().Tasks(name))), true)
	return nil
}

// tombstoneStatuses removes statuses of tasks from..to-1 (and of the
// connector when conn).
func (h *Herder) tombstoneStatuses(name string, from, to int, conn bool) {
	gen := h.currentGeneration()
	// Not the request's context: the writes outlive the request, and a
	// cancelled record can fail the others batched with it.
	ctx := context.Background()
	for i := from; i < to; i++ {
		h.statuses.Publish(ctx, status.Change{Connector: name, Task: i, Removed: true}, gen)
	}
	if conn {
		h.statuses.Publish(ctx, status.Change{Connector: name, Task: -1, Removed: true}, gen)
	}
}

func (h *Herder) currentGeneration() int32 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.generation
}

// Pause pauses a connector's tasks everywhere.
func (h *Herder) Pause(ctx context.Context, name string) error {
	return h.setTarget(ctx, name, status.TargetPaused)
}

// Resume resumes a paused or stopped connector.
func (h *Herder) Resume(ctx context.Context, name string) error {
	return h.setTarget(ctx, name, status.TargetStarted)
}

// StopConnector stops a connector: target STOPPED, zero task configs.
func (h *Herder) StopConnector(ctx context.Context, name string) error {
	return h.setTarget(ctx, name, status.TargetStopped)
}

func (h *Herder) setTarget(ctx context.Context, name string, target status.TargetState) error {
	if err := h.leaderCheck(); err != nil {
		return err
	}
	snap := h.snapshot(ctx)
	if _, ok := snap.Connectors[name]; !ok {
		return herder.Errorf(herder.ErrNotFound, "Unknown connector %s", name)
	}
	if err := h.configs.PutTarget(ctx, name, target); err != nil {
		return err
	}
	if target == status.TargetStopped {
		if err := h.configs.PutTaskConfigs(ctx, name, nil); err != nil {
			return err
		}
		h.tombstoneStatuses(name, 0, max(len(snap.Tasks[name]), len(h.statuses.Board().Tasks(name))), false)
	}
	return nil
}

// Restart records a restart request; the workers running the connector
// and its tasks act on it. Like Connect, a request with includeTasks or
// onlyFailed is answered 202 with what will restart marked RESTARTING.
func (h *Herder) Restart(ctx context.Context, name string, includeTasks, onlyFailed bool) (herder.ConnectorStatus, bool, error) {
	if err := h.leaderCheck(); err != nil {
		return herder.ConnectorStatus{}, false, err
	}
	st, err := h.Status(name)
	if err != nil {
		return herder.ConnectorStatus{}, false, herder.Errorf(herder.ErrNotFound, "Unknown connector: %s", name)
	}
	if err := h.configs.PutRestart(ctx, name, kafkastate.RestartRequest{IncludeTasks: includeTasks, OnlyFailed: onlyFailed}); err != nil {
		return herder.ConnectorStatus{}, false, err
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

// RestartTask restarts a task where it runs: here, or forwarded to the
// worker its status names.
func (h *Herder) RestartTask(ctx context.Context, name string, task int) error {
	snap := h.snapshot(ctx)
	if _, ok := snap.Connectors[name]; !ok {
		return herder.Errorf(herder.ErrNotFound, "Unknown connector: %s", name)
	}
	if task < 0 || task >= len(snap.Tasks[name]) {
		return herder.Errorf(herder.ErrNotFound, "Unknown task: %s-%d", name, task)
	}
	id := status.TaskID{Connector: name, Task: task}
	if _, here := h.w.TaskUnits()[id]; !here {
		st, ok := h.statuses.Board().Task(id)
		if !ok || st.WorkerID == h.cfg.WorkerID {
			return &forwardError{}
		}
		// Workers of a cluster share their listeners' scheme.
		return &forwardError{url: h.cfg.Rest.AdvertisedScheme + "://" + st.WorkerID}
	}
	h.ops.Lock()
	defer h.ops.Unlock()
	if err := h.w.StopTaskUnit(ctx, id); err != nil {
		h.log.Warn("task did not stop cleanly before its restart", "connector", name, "task", task, "error", err)
	}
	h.local.SetTask(id, status.Status{State: status.Restarting, WorkerID: h.cfg.WorkerID})
	return h.reconcileLocked(ctx)
}

// PutTaskConfigs writes a connector's task configs; only the leader does.
func (h *Herder) PutTaskConfigs(ctx context.Context, name string, configs []map[string]string) error {
	if err := h.leaderCheck(); err != nil {
		return err
	}
	snap := h.snapshot(ctx)
	if _, ok := snap.Connectors[name]; !ok {
		return notFound(name)
	}
	if snap.Target(name) == status.TargetStopped {
		return nil // a stopped connector has no tasks; a late hand-over is dropped
	}
	if equalConfigs(snap.Tasks[name], configs) {
		return nil
	}
	if err := h.configs.PutTaskConfigs(ctx, name, configs); err != nil {
		return err
	}
	if n := len(snap.Tasks[name]); n > len(configs) {
		h.tombstoneStatuses(name, len(configs), n, false)
	}
	return nil
}

// postTaskConfigs hands task configs to the leader at base, signed.
func (h *Herder) postTaskConfigs(ctx context.Context, base, name string, configs []map[string]string) error {
	body, err := json.Marshal(configs)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/connectors/"+url.PathEscape(name)+"/tasks", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if err := h.sign(req.Header.Set, body); err != nil {
		return fmt.Errorf("signing the task configs for the leader: %w", err)
	}
	resp, err := h.http.Do(req)
	if err != nil {
		return fmt.Errorf("handing task configs to the leader: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return fmt.Errorf("handing task configs to the leader: HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(msg))
	}
	return nil
}

// offsetOps serves the offsets endpoints from the offsets topic and the
// sink consumer groups.
func (h *Herder) offsetOps() herder.OffsetOps {
	return herder.OffsetOps{Admin: func() (*kadm.Client, error) { return h.adm, nil }, Store: h.offsets}
}
