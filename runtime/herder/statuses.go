package herder

import (
	"context"

	"github.com/goconnect/goconnect/runtime/status"
	"github.com/goconnect/goconnect/runtime/storage"
)

var _ status.Listener = (*Engine)(nil)

// Report implements status.Listener: the worker's reports (and the
// engine's own) update the local view and go to the status store.
func (e *Engine) Report(c status.Change) {
	e.local.Report(c)
	e.publish(c)
}

// publish writes this worker's status changes to the status store. A
// removal is not published: the unit may already run elsewhere, and the
// new owner's status must not be erased. The leader removes statuses of
// deleted connectors and removed tasks itself (tombstone).
func (e *Engine) publish(c status.Change) {
	if c.Removed {
		return
	}
	if err := e.member.Valid(); err != nil {
		// A worker that may have been expelled must not overwrite the
		// status its units' new owners write (Connect's putSafe). What it
		// drops while a rebalance runs long is written again once it has
		// its next assignment.
		e.log.Debug("status not written", "connector", c.Connector, "task", c.Task, "reason", err)
		return
	}
	// Not e.ctx: statuses written while stopping must still go out.
	e.statuses.Publish(context.Background(), c, e.currentGeneration())
}

// setFailed records a unit the engine could not start.
func (e *Engine) setFailed(id status.TaskID, err error) {
	e.Report(status.Change{Connector: id.Connector, Task: id.Task,
		Status: status.Status{State: status.Failed, WorkerID: e.WorkerID(), Trace: status.Trace(err, nil)}})
}

// setRestarting records a unit stopped to be started again.
func (e *Engine) setRestarting(id status.TaskID) {
	e.Report(status.Change{Connector: id.Connector, Task: id.Task,
		Status: status.Status{State: status.Restarting, WorkerID: e.WorkerID()}})
}

// tombstone removes statuses of tasks from..to-1 (and of the connector
// when conn) from the status store.
func (e *Engine) tombstone(name string, from, to int, conn bool) {
	gen := e.currentGeneration()
	// Not the request's context: the writes outlive the request, and a
	// cancelled record can fail the others batched with it.
	ctx := context.Background()
	for i := from; i < to; i++ {
		e.statuses.Publish(ctx, status.Change{Connector: name, Task: i, Removed: true}, gen)
	}
	if conn {
		e.statuses.Publish(ctx, status.Change{Connector: name, Task: -1, Removed: true}, gen)
	}
}

// tombstoneUnless removes the statuses of a stopped or deleted connector's
// tasks 0..to-1 (and the connector's own when conn) once its change is
// applied, unless a later write (superseded, read under the write lock)
// changed it again: a resume or re-create written meanwhile has started
// tasks whose fresh statuses must stay.
func (e *Engine) tombstoneUnless(name string, conn bool, superseded func(*storage.Snapshot) bool, to int) {
	e.writes.Lock()
	defer e.writes.Unlock()
	now := e.configs.Snapshot()
	if superseded(&now) {
		return
	}
	e.tombstone(name, 0, to, conn)
}

// Status returns a connector's status as the status store holds it.
func (e *Engine) Status(name string) (ConnectorStatus, error) {
	info, err := e.Info(name)
	if err != nil {
		return ConnectorStatus{}, Errorf(ErrNotFound, "No status found for connector %s", name)
	}
	board := e.statuses.Board()
	st, ok := board.Connector(name)
	if !ok {
		return ConnectorStatus{}, Errorf(ErrNotFound, "No status found for connector %s", name)
	}
	tasks := board.Tasks(name)
	for n := range tasks {
		if n >= info.Tasks {
			delete(tasks, n) // a status the leader has not tombstoned yet
		}
	}
	return ConnectorStatus{Name: name, Connector: st, Tasks: tasks, Type: info.Type}, nil
}

// TaskStatus returns one task's status.
func (e *Engine) TaskStatus(name string, task int) (status.Status, error) {
	if _, err := e.Info(name); err == nil {
		if st, ok := e.statuses.Board().Task(status.TaskID{Connector: name, Task: task}); ok {
			return st, nil
		}
	}
	return status.Status{}, Errorf(ErrNotFound, "No status found for task %s-%d", name, task)
}
