package worker

import (
	"context"
	"fmt"
	"maps"
	"time"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/runtime/connectorconfig"
	"github.com/goconnect/goconnect/runtime/status"
)

// The worker's one lifecycle API: connector instances and tasks start and
// stop one at a time, as the engine (package herder) decides; a connector
// instance may run on one worker and its tasks on others.

// runningTask is a task started by StartTask.
type runningTask struct {
	h *handle
	// rc holds what the task needs of its connector: plugin, config,
	// target (its instance may run on another worker).
	rc    *runningConnector
	props map[string]string
}

// StartConnector starts a connector instance (not its tasks) in target
// and returns the task configs it generated; ok is false when it is
// STOPPED or failed (its status says which).
func (w *Worker) StartConnector(ctx context.Context, p *connectorconfig.Parsed, target status.TargetState) (taskConfigs []map[string]string, ok bool) {
	rc := &runningConnector{parsed: p, target: target}
	w.mu.Lock()
	w.connectors[p.Name] = rc
	w.mu.Unlock()
	if !w.startConnector(ctx, rc) {
		return nil, false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return rc.taskConfigs, true
}

// StopConnector stops a connector instance started by StartConnector.
func (w *Worker) StopConnector(name string) error {
	w.mu.Lock()
	rc, ok := w.connectors[name]
	delete(w.connectors, name)
	w.mu.Unlock()
	if !ok {
		return nil
	}
	w.status.Report(status.Change{Connector: name, Task: -1, Removed: true})
	if rc.inst == nil {
		return nil
	}
	if err := rc.inst.Stop(); err != nil {
		return fmt.Errorf("stopping connector %s: %w", name, err)
	}
	w.log.Info("connector stopped", "connector", name)
	return nil
}

// RunningConnector reports whether a connector instance runs here, and
// its parsed config and target state.
func (w *Worker) RunningConnector(name string) (*connectorconfig.Parsed, status.TargetState, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	rc, ok := w.connectors[name]
	if !ok {
		return nil, "", false
	}
	return rc.parsed, rc.target, true
}

// RunningConnectors returns the connector instances running here.
func (w *Worker) RunningConnectors() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]string, 0, len(w.connectors))
	for n := range w.connectors {
		out = append(out, n)
	}
	return out
}

// StartTask starts one task with its config; a task that cannot be built
// is left FAILED.
func (w *Worker) StartTask(ctx context.Context, p *connectorconfig.Parsed, n int, props map[string]string, target status.TargetState) {
	// The task only needs the plugin's kind and task factory; its
	// connector instance may run on another worker.
	inst, _ := p.Plugin.New().(connect.Connector)
	rc := &runningConnector{parsed: p, inst: inst, target: target}
	h := w.startTask(ctx, rc, n, props)
	w.mu.Lock()
	w.tasks[status.TaskID{Connector: p.Name, Task: n}] = &runningTask{h: h, rc: rc, props: maps.Clone(props)}
	w.mu.Unlock()
}

// StopTask stops one task, letting it flush and commit within ctx and
// task.shutdown.graceful.timeout.ms.
func (w *Worker) StopTask(ctx context.Context, id status.TaskID) error {
	w.mu.Lock()
	rt, ok := w.tasks[id]
	delete(w.tasks, id)
	w.mu.Unlock()
	if !ok {
		return nil
	}
	sctx, cancel := context.WithTimeout(ctx, max(w.cfg.ShutdownTimeout, time.Millisecond))
	defer cancel()
	err := rt.h.stop(sctx)
	// Its status is now the business of wherever it runs next.
	w.status.Report(status.Change{Connector: id.Connector, Task: id.Task, Removed: true})
	return err
}

// RunningTasks returns the tasks running here and their configs.
func (w *Worker) RunningTasks() map[status.TaskID]map[string]string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make(map[status.TaskID]map[string]string, len(w.tasks))
	for id, rt := range w.tasks {
		out[id] = rt.props
	}
	return out
}

// SetTargetState pauses (PAUSED) or resumes (STARTED) a connector's tasks
// running here and its instance when it runs here. STOPPED is not a state
// to switch to in place: the engine stops the connector and starts it
// again in STOPPED.
func (w *Worker) SetTargetState(name string, target status.TargetState) {
	if target == status.TargetStopped {
		return
	}
	w.mu.Lock()
	var hs []*handle
	for id, rt := range w.tasks {
		if id.Connector == name {
			hs = append(hs, rt.h)
		}
	}
	rc, ok := w.connectors[name]
	// A connector instance that never started (STOPPED, or failed to
	// start) keeps its target and status.
	if !ok || rc.inst == nil {
		rc = nil
	}
	w.mu.Unlock()
	w.setTarget(rc, hs, target)
}
