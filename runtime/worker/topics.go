package worker

import (
	"sort"
	"sync"
	"sync/atomic"
)

// topicTracker records the topics each connector's tasks produced to or
// consumed from (KIP-558), for GET /connectors/{name}/topics.
type topicTracker struct {
	mu     sync.Mutex
	topics map[string]map[string]struct{}
	// gen changes on every reset so tasks drop their cache of topics
	// already recorded and record them again.
	gen atomic.Uint64
	// onNew hears a topic the first time a connector uses it (since the
	// last reset): the engine writes it to the status store.
	onNew atomic.Pointer[func(connector, topic string, task int)]
}

func newTopicTracker() *topicTracker {
	return &topicTracker{topics: map[string]map[string]struct{}{}}
}

func (t *topicTracker) add(connector, topic string, task int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	set := t.topics[connector]
	if set == nil {
		set = map[string]struct{}{}
		t.topics[connector] = set
	}
	if _, ok := set[topic]; ok {
		return
	}
	set[topic] = struct{}{}
	if f := t.onNew.Load(); f != nil {
		(*f)(connector, topic, task)
	}
}

func (t *topicTracker) list(connector string) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]string, 0, len(t.topics[connector]))
	for topic := range t.topics[connector] {
		out = append(out, topic)
	}
	sort.Strings(out)
	return out
}

func (t *topicTracker) reset(connector string) {
	t.mu.Lock()
	delete(t.topics, connector)
	t.mu.Unlock()
	t.gen.Add(1)
}

// taskTopics is one task's view of the tracker. It is used only from the
// task's goroutine, so its cache needs no lock and the hot path is a map
// lookup.
type taskTopics struct {
	tracker   *topicTracker
	connector string
	task      int
	gen       uint64
	seen      map[string]struct{}
}

// note records topic unless this task already did since the last reset.
func (tt *taskTopics) note(topic string) {
	if tt == nil || tt.tracker == nil {
		return
	}
	if g := tt.tracker.gen.Load(); g != tt.gen || tt.seen == nil {
		tt.gen, tt.seen = g, map[string]struct{}{}
	}
	if _, ok := tt.seen[topic]; ok {
		return
	}
	tt.seen[topic] = struct{}{}
	tt.tracker.add(tt.connector, topic, tt.task)
}

// ActiveTopics returns the topics a connector's tasks used, sorted.
func (w *Worker) ActiveTopics(connector string) []string { return w.topics.list(connector) }

// OnNewActiveTopic registers f to hear each topic a connector starts using
// (KIP-558); f must not block.
func (w *Worker) OnNewActiveTopic(f func(connector, topic string, task int)) {
	w.topics.onNew.Store(&f)
}

// ResetActiveTopics forgets the topics a connector used.
func (w *Worker) ResetActiveTopics(connector string) { w.topics.reset(connector) }
