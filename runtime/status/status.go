// Package status names connector and task states, holds their current
// values as Connect's status objects show them (Board), and declares how a
// worker reports them (Listener).
package status

import (
	"sync"
)

// State is a connector or task state.
type State string

// States, spelled as the REST API shows them.
const (
	Unassigned State = "UNASSIGNED"
	Running    State = "RUNNING"
	Paused     State = "PAUSED"
	Stopped    State = "STOPPED"
	Failed     State = "FAILED"
	Restarting State = "RESTARTING"
)

// TargetState is what a connector is asked to be.
type TargetState string

// Target states, as stored in Connect's config topic.
const (
	TargetStarted TargetState = "STARTED"
	TargetPaused  TargetState = "PAUSED"
	TargetStopped TargetState = "STOPPED"
)

// State returns the state a started connector or task shows for its
// target: STOPPED, PAUSED, or RUNNING. A failure is not a target: it is
// reported as FAILED whatever the target, until the next start.
func (t TargetState) State() State {
	switch t {
	case TargetStopped:
		return Stopped
	case TargetPaused:
		return Paused
	}
	return Running
}

// Status is one connector's or task's state.
type Status struct {
	State    State  `json:"state"`
	WorkerID string `json:"worker_id"`
	Trace    string `json:"trace,omitempty"`
	// Version is the plugin version of the connector or task (KIP-891),
	// empty when the unit does not run here (UNASSIGNED, RESTARTING), as
	// Connect's null.
	Version string `json:"version,omitempty"`
}

// TaskID names a task.
type TaskID struct {
	Connector string
	Task      int
}

// Listener hears the status changes of the connectors and tasks a worker
// runs. Report is called on the goroutine that made the change, in the
// order of the changes of one connector or task; it must not block for long
// nor call back into the worker.
type Listener interface {
	Report(Change)
}

// Board holds the current status of connectors and tasks: the engine's
// view of what runs here (fed through Report by the worker and the engine)
// and each status store's view of the cluster, which the REST API reads.
type Board struct {
	mu         sync.RWMutex
	connectors map[string]Status
	tasks      map[TaskID]Status
	// onChange, when set, hears every change after it is applied.
	onChange func(Change)
}

// Change is one status update: a status set, or a removal (Removed).
// Removing a connector (Task -1) leaves its tasks' statuses.
type Change struct {
	Connector string
	// Task is -1 for the connector itself.
	Task    int
	Status  Status
	Removed bool
}

// ConnectorChange is a connector's status set to s.
func ConnectorChange(name string, s Status) Change {
	return Change{Connector: name, Task: -1, Status: s}
}

// TaskChange is a task's status set to s.
func TaskChange(id TaskID, s Status) Change {
	return Change{Connector: id.Connector, Task: id.Task, Status: s}
}

var _ Listener = (*Board)(nil)

// Report applies a change: it sets or removes the status it names.
func (b *Board) Report(c Change) {
	switch {
	case c.Task < 0 && c.Removed:
		b.RemoveConnector(c.Connector)
	case c.Task < 0:
		b.SetConnector(c.Connector, c.Status)
	case c.Removed:
		b.RemoveTask(TaskID{Connector: c.Connector, Task: c.Task})
	default:
		b.SetTask(TaskID{Connector: c.Connector, Task: c.Task}, c.Status)
	}
}

// OnChange registers f to hear every later change. f runs on the
// changing goroutine and must not call back into the board.
func (b *Board) OnChange(f func(Change)) {
	b.mu.Lock()
	b.onChange = f
	b.mu.Unlock()
}

func (b *Board) notify(c Change) {
	b.mu.RLock()
	f := b.onChange
	b.mu.RUnlock()
	if f != nil {
		f(c)
	}
}

// NewBoard returns an empty board.
func NewBoard() *Board {
	return &Board{connectors: map[string]Status{}, tasks: map[TaskID]Status{}}
}

// SetConnector records a connector's status.
func (b *Board) SetConnector(name string, s Status) {
	b.mu.Lock()
	b.connectors[name] = s
	b.mu.Unlock()
	b.notify(ConnectorChange(name, s))
}

// SetTask records a task's status.
func (b *Board) SetTask(id TaskID, s Status) {
	b.mu.Lock()
	b.tasks[id] = s
	b.mu.Unlock()
	b.notify(TaskChange(id, s))
}

// Connector returns a connector's status.
func (b *Board) Connector(name string) (Status, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	s, ok := b.connectors[name]
	return s, ok
}

// Task returns a task's status.
func (b *Board) Task(id TaskID) (Status, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	s, ok := b.tasks[id]
	return s, ok
}

// Tasks returns the statuses of a connector's tasks by task number.
func (b *Board) Tasks(connector string) map[int]Status {
	b.mu.RLock()
	defer b.mu.RUnlock()
	out := map[int]Status{}
	for id, s := range b.tasks {
		if id.Connector == connector {
			out[id.Task] = s
		}
	}
	return out
}

// RemoveTasks forgets the tasks of a connector numbered ≥ from.
func (b *Board) RemoveTasks(connector string, from int) {
	b.mu.Lock()
	var removed []TaskID
	for id := range b.tasks {
		if id.Connector == connector && id.Task >= from {
			delete(b.tasks, id)
			removed = append(removed, id)
		}
	}
	b.mu.Unlock()
	for _, id := range removed {
		b.notify(Change{Connector: id.Connector, Task: id.Task, Removed: true})
	}
}

// RemoveTask forgets one task.
func (b *Board) RemoveTask(id TaskID) {
	b.mu.Lock()
	_, ok := b.tasks[id]
	delete(b.tasks, id)
	b.mu.Unlock()
	if ok {
		b.notify(Change{Connector: id.Connector, Task: id.Task, Removed: true})
	}
}

// Remove forgets a connector and its tasks.
func (b *Board) Remove(connector string) {
	b.RemoveTasks(connector, 0)
	b.mu.Lock()
	_, ok := b.connectors[connector]
	delete(b.connectors, connector)
	b.mu.Unlock()
	if ok {
		b.notify(Change{Connector: connector, Task: -1, Removed: true})
	}
}

// RemoveConnector forgets a connector's own status, keeping its tasks'.
func (b *Board) RemoveConnector(name string) {
	b.mu.Lock()
	_, ok := b.connectors[name]
	delete(b.connectors, name)
	b.mu.Unlock()
	if ok {
		b.notify(Change{Connector: name, Task: -1, Removed: true})
	}
}

// Connectors lists the connectors the board has a status for.
func (b *Board) Connectors() []string {
	b.mu.RLock()
	defer b.mu.RUnlock()
	out := make([]string, 0, len(b.connectors))
	for n := range b.connectors {
		out = append(out, n)
	}
	return out
}
