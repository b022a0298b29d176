package standalone

import (
	"context"

	"github.com/goconnect/goconnect/runtime/herder"
	"github.com/goconnect/goconnect/runtime/status"
)

// Pause pauses a connector's tasks (target PAUSED). Pausing a STOPPED
// connector starts it with its tasks paused, as Connect does.
func (h *Herder) Pause(ctx context.Context, name string) error {
	return h.setTarget(ctx, name, status.TargetPaused)
}

// Resume resumes a PAUSED connector, or starts a STOPPED one.
func (h *Herder) Resume(ctx context.Context, name string) error {
	return h.setTarget(ctx, name, status.TargetStarted)
}

// StopConnector stops a connector's tasks and keeps it STOPPED with zero
// tasks (KIP-875), so its offsets can be changed.
func (h *Herder) StopConnector(ctx context.Context, name string) error {
	return h.setTarget(ctx, name, status.TargetStopped)
}

func (h *Herder) setTarget(ctx context.Context, name string, target status.TargetState) error {
	h.ops.Lock()
	defer h.ops.Unlock()
	cs, ok := h.state(name)
	if !ok {
		return errorf(ErrNotFound, "Unknown connector %s", name)
	}
	if cs.target == target {
		return nil
	}
	if cs.target == status.TargetStopped || target == status.TargetStopped {
		h.restartLocked(ctx, name, nil, target)
		return nil
	}
	if err := h.w.SetPaused(name, target == status.TargetPaused); err != nil {
		return err
	}
	h.mu.Lock()
	h.conns[name].target = target
	h.mu.Unlock()
	return nil
}

// Restart restarts a connector and/or its tasks per KIP-745. Without
// includeTasks and onlyFailed it restarts the connector instance before
// returning (accepted is false: Connect answers 204). Otherwise it marks
// what will restart as RESTARTING, returns that status (Connect's 202)
// and restarts in the background.
func (h *Herder) Restart(ctx context.Context, name string, includeTasks, onlyFailed bool) (st ConnectorStatus, accepted bool, err error) {
	st, err = h.Status(name)
	if err != nil {
		return ConnectorStatus{}, false, errorf(ErrNotFound, "Unknown connector: %s", name)
	}
	if !includeTasks && !onlyFailed {
		h.ops.Lock()
		defer h.ops.Unlock()
		if _, ok := h.state(name); !ok {
			return ConnectorStatus{}, false, errorf(ErrNotFound, "Unknown connector: %s", name)
		}
		return st, false, h.w.RestartConnector(h.ctx, name)
	}
	restartConn := !onlyFailed || st.Connector.State == status.Failed
	var tasks []int
	if includeTasks {
		for id, ts := range st.Tasks {
			if !onlyFailed || ts.State == status.Failed {
				tasks = append(tasks, id)
			}
		}
	}
	if restartConn {
		st.Connector.State = status.Restarting
		h.board.SetConnector(name, st.Connector)
	}
	for _, id := range tasks {
		ts := st.Tasks[id]
		ts.State = status.Restarting
		st.Tasks[id] = ts
		h.board.SetTask(status.TaskID{Connector: name, Task: id}, ts)
	}
	all := includeTasks && !onlyFailed
	h.async.Add(1)
	go func() {
		defer h.async.Done()
		h.ops.Lock()
		defer h.ops.Unlock()
		cs, ok := h.state(name)
		if !ok {
			return
		}
		if restartConn && all {
			h.restartLocked(h.ctx, name, nil, cs.target)
			return
		}
		if restartConn {
			if err := h.w.RestartConnector(h.ctx, name); err != nil {
				h.log.Warn("connector restart failed", "connector", name, "error", err)
			}
		}
		for _, id := range tasks {
			if err := h.w.RestartTask(h.ctx, name, id); err != nil {
				h.log.Warn("task restart failed", "connector", name, "task", id, "error", err)
			}
		}
	}()
	return st, true, nil
}

// RestartTask restarts one task and waits for it to be started again.
func (h *Herder) RestartTask(ctx context.Context, name string, task int) error {
	h.ops.Lock()
	defer h.ops.Unlock()
	if _, ok := h.state(name); !ok {
		return errorf(ErrNotFound, "Unknown connector: %s", name)
	}
	if task < 0 || task >= h.w.TaskCount(name) {
		return errorf(ErrNotFound, "Unknown task: %s-%d", name, task)
	}
	if _, ok := h.board.Task(status.TaskID{Connector: name, Task: task}); ok {
		h.board.SetTask(status.TaskID{Connector: name, Task: task}, status.Status{State: status.Restarting, WorkerID: h.WorkerID()})
	}
	return h.w.RestartTask(h.ctx, name, task)
}

// Responsive reports whether the herder can take a change request within
// ctx: GET /health answers unhealthy when a change is stuck.
func (h *Herder) Responsive(ctx context.Context) bool { return herder.Responsive(ctx, &h.ops) }
