package kafkastate

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/runtime/status"
)

const (
	statusConnectorPrefix = "status-connector-"
	statusTaskPrefix      = "status-task-"
	// status-topic-<topic>:connector-<name> records a connector's active
	// topic (KIP-558).
	statusTopicPrefix = "status-topic-"
	topicConnectorSep = ":connector-"
)

// topicValue is an active topic record's value.
type topicValue struct {
	Topic struct {
		Name              string `json:"name"`
		Connector         string `json:"connector"`
		Task              int    `json:"task"`
		DiscoverTimestamp int64  `json:"discoverTimestamp"`
	} `json:"topic"`
}

// statusValue is a status record's value. Trace is written as JSON null
// when empty, as Connect writes it.
type statusValue struct {
	State      string  `json:"state"`
	Trace      *string `json:"trace"`
	WorkerID   string  `json:"worker_id"`
	Generation int32   `json:"generation"`
	// Version is the plugin's (Connect 4.1, KIP-891); null when unknown.
	Version *string `json:"version"`
}

// StatusStore keeps the cluster's connector and task statuses: written by
// the worker running each one, read by every worker for the REST API.
type StatusStore struct {
	log   *Log
	board *status.Board
	slog  *slog.Logger

	mu     sync.Mutex
	topics map[string]map[string]bool // connector → active topics
	// onTopicsReset hears a connector whose active topics were reset.
	onTopicsReset func(connector string)
}

// OpenStatusStore tails topic into a board every REST read uses.
func OpenStatusStore(brokers []string, topic string, log *slog.Logger, opts ...kgo.Opt) (*StatusStore, error) {
	s := &StatusStore{board: status.NewBoard(), slog: log, topics: map[string]map[string]bool{}}
	l, err := OpenLog(brokers, topic, s.apply, opts...)
	if err != nil {
		return nil, err
	}
	s.log = l
	return s, nil
}

// Board is the cluster-wide view of statuses.
func (s *StatusStore) Board() *status.Board { return s.board }

// ReadToEnd waits until every status written before is applied.
func (s *StatusStore) ReadToEnd(ctx context.Context) error { return s.log.ReadToEnd(ctx) }

// Flush waits for the writes made so far.
func (s *StatusStore) Flush(ctx context.Context) error { return s.log.Flush(ctx) }

// Close stops the store.
func (s *StatusStore) Close() { s.log.Close() }

func (s *StatusStore) apply(r *kgo.Record) {
	key := string(r.Key)
	if strings.HasPrefix(key, statusTopicPrefix) {
		s.applyTopic(key, r.Value)
		return
	}
	var st status.Status
	if r.Value != nil {
		var v statusValue
		if json.Unmarshal(r.Value, &v) != nil {
			return
		}
		st = status.Status{State: status.State(v.State), WorkerID: v.WorkerID}
		if v.Trace != nil {
			st.Trace = *v.Trace
		}
		if v.Version != nil {
			st.Version = *v.Version
		}
	}
	switch {
	case strings.HasPrefix(key, statusConnectorPrefix):
		name := key[len(statusConnectorPrefix):]
		if r.Value == nil {
			s.board.Remove(name)
			return
		}
		s.board.SetConnector(name, st)
	case strings.HasPrefix(key, statusTaskPrefix):
		name, n, ok := splitTaskKey(key[len(statusTaskPrefix):])
		if !ok {
			return
		}
		id := status.TaskID{Connector: name, Task: n}
		if r.Value == nil {
			s.board.RemoveTask(id)
			return
		}
		s.board.SetTask(id, st)
	}
}

// StatusKey is the status topic key of a connector (task < 0) or task.
func StatusKey(connector string, task int) string {
	if task < 0 {
		return statusConnectorPrefix + connector
	}
	return statusTaskPrefix + connector + "-" + strconv.Itoa(task)
}

// EncodeStatus renders a status value as Connect writes it.
func EncodeStatus(st status.Status, generation int32) ([]byte, error) {
	v := statusValue{State: string(st.State), WorkerID: st.WorkerID, Generation: generation}
	if st.Trace != "" {
		v.Trace = &st.Trace
	}
	if st.Version != "" {
		v.Version = &st.Version
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding status: %w", err)
	}
	return b, nil
}

// Publish writes one change without waiting; failures are logged, as
// Connect treats status writes as best effort that later writes repair.
func (s *StatusStore) Publish(ctx context.Context, c status.Change, generation int32) {
	var value []byte
	if !c.Removed {
		v, err := EncodeStatus(c.Status, generation)
		if err != nil {
			s.slog.Warn("status not written", "error", err)
			return
		}
		value = v
	}
	key := StatusKey(c.Connector, c.Task)
	s.log.SendAsync(ctx, record(key, value), func(err error) {
		if err != nil {
			s.slog.Warn("status not written", "key", key, "error", err)
		}
	})
}

func (s *StatusStore) applyTopic(key string, value []byte) {
	topic, conn, ok := strings.Cut(key[len(statusTopicPrefix):], topicConnectorSep)
	if !ok {
		return
	}
	s.mu.Lock()
	if value != nil {
		if s.topics[conn] == nil {
			s.topics[conn] = map[string]bool{}
		}
		s.topics[conn][topic] = true
		s.mu.Unlock()
		return
	}
	delete(s.topics[conn], topic)
	f := s.onTopicsReset
	s.mu.Unlock()
	if f != nil {
		f(conn)
	}
}

// OnTopicsReset registers f to hear connectors whose active topics were
// reset, so workers record them again as their tasks use them.
func (s *StatusStore) OnTopicsReset(f func(connector string)) {
	s.mu.Lock()
	s.onTopicsReset = f
	s.mu.Unlock()
}

// ActiveTopics returns a connector's active topics, sorted.
func (s *StatusStore) ActiveTopics(connector string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.topics[connector]))
	for t := range s.topics[connector] {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

func topicKey(connector, topic string) string {
	return statusTopicPrefix + topic + topicConnectorSep + connector
}

// PublishTopic records that a connector uses topic.
func (s *StatusStore) PublishTopic(connector, topic string, task int, now time.Time) {
	var v topicValue
	v.Topic.Name, v.Topic.Connector, v.Topic.Task, v.Topic.DiscoverTimestamp = topic, connector, task, now.UnixMilli()
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	s.log.SendAsync(context.Background(), record(topicKey(connector, topic), b), func(err error) {
		if err != nil {
			s.slog.Warn("active topic not written", "connector", connector, "topic", topic, "error", err)
		}
	})
}

// ResetTopics tombstones a connector's active topic records.
func (s *StatusStore) ResetTopics(ctx context.Context, connector string) error {
	recs := []*kgo.Record{}
	for _, t := range s.ActiveTopics(connector) {
		recs = append(recs, record(topicKey(connector, t), nil))
	}
	if len(recs) == 0 {
		return nil
	}
	return s.log.SendAndRead(ctx, recs...)
}
