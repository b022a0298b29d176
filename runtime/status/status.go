// Package status names connector and task states and holds their current
// values, as Connect's status objects show them.
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

// Status is one connector's or task's state.
type Status struct {
	State    State  `json:"state"`
	WorkerID string `json:"worker_id"`
	Trace    string `json:"trace,omitempty"`
}

// TaskID names a task.
type TaskID struct {
	Connector string
	Task      int
}

// Board holds the current status of every connector and task. It is the
// single place both the worker (writer) and the REST API (reader) use.
type Board struct {
	mu         sync.RWMutex
	connectors map[string]Status
	tasks      map[TaskID]Status
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
}

// SetTask records a task's status.
func (b *Board) SetTask(id TaskID, s Status) {
	b.mu.Lock()
	b.tasks[id] = s
	b.mu.Unlock()
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
	defer b.mu.Unlock()
	for id := range b.tasks {
		if id.Connector == connector && id.Task >= from {
			delete(b.tasks, id)
		}
	}
}

// Remove forgets a connector and its tasks.
func (b *Board) Remove(connector string) {
	b.RemoveTasks(connector, 0)
	b.mu.Lock()
	delete(b.connectors, connector)
	b.mu.Unlock()
}
