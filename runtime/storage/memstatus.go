package storage

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/goconnect/goconnect/runtime/status"
)

// MemoryStatus is a StatusStore in memory: standalone mode's, where this
// worker's statuses are the cluster's.
type MemoryStatus struct {
	board *status.Board

	mu     sync.Mutex
	topics map[string]map[string]bool // connector → active topics
	reset  func(connector string)
}

var _ StatusStore = (*MemoryStatus)(nil)

// NewMemoryStatus returns an empty store.
func NewMemoryStatus() *MemoryStatus {
	return &MemoryStatus{board: status.NewBoard(), topics: map[string]map[string]bool{}}
}

// Board implements StatusStore.
func (s *MemoryStatus) Board() *status.Board { return s.board }

// Publish implements StatusStore; the generation is irrelevant with one
// writer. A deleted connector (its own status removed) also loses its
// active topics, as standalone Connect forgets them with it.
func (s *MemoryStatus) Publish(_ context.Context, c status.Change, _ int32) {
	switch {
	case !c.Removed && c.Task < 0:
		s.board.SetConnector(c.Connector, c.Status)
	case !c.Removed:
		s.board.SetTask(status.TaskID{Connector: c.Connector, Task: c.Task}, c.Status)
	case c.Task < 0:
		s.board.Remove(c.Connector)
		_ = s.ResetTopics(context.Background(), c.Connector)
	default:
		s.board.RemoveTask(status.TaskID{Connector: c.Connector, Task: c.Task})
	}
}

// Flush implements StatusStore: writes are applied at once.
func (s *MemoryStatus) Flush(context.Context) error { return nil }

// PublishTopic implements StatusStore.
func (s *MemoryStatus) PublishTopic(connector, topic string, _ int, _ time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.topics[connector] == nil {
		s.topics[connector] = map[string]bool{}
	}
	s.topics[connector][topic] = true
}

// ActiveTopics implements StatusStore.
func (s *MemoryStatus) ActiveTopics(connector string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.topics[connector]))
	for t := range s.topics[connector] {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// ResetTopics implements StatusStore.
func (s *MemoryStatus) ResetTopics(_ context.Context, connector string) error {
	s.mu.Lock()
	delete(s.topics, connector)
	f := s.reset
	s.mu.Unlock()
	if f != nil {
		f(connector)
	}
	return nil
}

// OnTopicsReset implements StatusStore.
func (s *MemoryStatus) OnTopicsReset(f func(connector string)) {
	s.mu.Lock()
	s.reset = f
	s.mu.Unlock()
}
