package worker

import (
	"context"
	"fmt"
	"maps"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/runtime/connectorconfig"
	"github.com/goconnect/goconnect/runtime/status"
)

// Units are connectors and tasks started one at a time, as a distributed
// herder assigns them: a connector instance may run on one worker and its
// tasks on others. Standalone mode starts a connector with all its tasks
// (StartConnector) instead.
type units struct {
	connectors map[string]*runningConnector
	tasks      map[status.TaskID]*taskUnit
}

type taskUnit struct {
	h     *handle
	rc    *runningConnector
	props map[string]string
}

func (w *Worker) unitsLocked() *units {
	if w.units == nil {
		w.units = &units{connectors: map[string]*runningConnector{}, tasks: map[status.TaskID]*taskUnit{}}
	}
	return w.units
}

// StartConnectorUnit starts a connector instance without tasks and
// returns the task configs it generated; ok is false when it is STOPPED
// or failed (its status says which).
func (w *Worker) StartConnectorUnit(ctx context.Context, p *connectorconfig.Parsed, target status.TargetState) (taskConfigs []map[string]string, ok bool) {
	rc := &runningConnector{parsed: p, target: target}
	w.mu.Lock()
	w.unitsLocked().connectors[p.Name] = rc
	w.mu.Unlock()
	if !w.startConnector(ctx, rc) {
		return nil, false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return rc.taskConfigs, true
}

// StopConnectorUnit stops a connector instance started by StartConnectorUnit.
func (w *Worker) StopConnectorUnit(name string) error {
	w.mu.Lock()
	rc, ok := w.unitsLocked().connectors[name]
	delete(w.units.connectors, name)
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

// ConnectorUnit reports whether a connector instance runs here, and its
// parsed config and target state.
func (w *Worker) ConnectorUnit(name string) (*connectorconfig.Parsed, status.TargetState, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	rc, ok := w.unitsLocked().connectors[name]
	if !ok {
		return nil, "", false
	}
	return rc.parsed, rc.target, true
}

// StartTaskUnit starts one task with its config; a task that cannot be
// built is left FAILED.
func (w *Worker) StartTaskUnit(ctx context.Context, p *connectorconfig.Parsed, n int, props map[string]string, target status.TargetState) {
	// The task only needs the plugin's kind and task factory; its
	// connector instance may run on another worker.
	inst, _ := p.Plugin.New().(connect.Connector)
	rc := &runningConnector{parsed: p, inst: inst, target: target}
	h := w.startTask(ctx, rc, n, props)
	w.mu.Lock()
	w.unitsLocked().tasks[status.TaskID{Connector: p.Name, Task: n}] = &taskUnit{h: h, rc: rc, props: maps.Clone(props)}
	w.mu.Unlock()
}

// StopTaskUnit stops one task, letting it flush and commit within ctx.
func (w *Worker) StopTaskUnit(ctx context.Context, id status.TaskID) error {
	w.mu.Lock()
	tu, ok := w.unitsLocked().tasks[id]
	delete(w.units.tasks, id)
	w.mu.Unlock()
	if !ok {
		return nil
	}
	sctx, cancel := w.stopTimeout(ctx)
	defer cancel()
	err := tu.h.stop(sctx)
	// Its status is now the business of wherever it runs next.
	w.status.Report(status.Change{Connector: id.Connector, Task: id.Task, Removed: true})
	return err
}

// TaskUnits returns the tasks running here and their configs.
func (w *Worker) TaskUnits() map[status.TaskID]map[string]string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := map[status.TaskID]map[string]string{}
	for id, tu := range w.unitsLocked().tasks {
		out[id] = tu.props
	}
	return out
}

// ConnectorUnits returns the connector instances running here.
func (w *Worker) ConnectorUnits() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]string, 0, len(w.unitsLocked().connectors))
	for n := range w.units.connectors {
		out = append(out, n)
	}
	return out
}

// SetUnitsPaused pauses or resumes a connector's tasks running here and
// updates its instance's status when it runs here.
func (w *Worker) SetUnitsPaused(name string, paused bool) {
	w.mu.Lock()
	u := w.unitsLocked()
	var hs []*handle
	for id, tu := range u.tasks {
		if id.Connector == name {
			hs = append(hs, tu.h)
		}
	}
	rc, ok := u.connectors[name]
	// A connector instance that never started (STOPPED, or failed to
	// start) keeps its target and status.
	if !ok || rc.inst == nil {
		rc = nil
	}
	w.mu.Unlock()
	w.setPaused(rc, hs, paused)
}
