package kafkastate

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/runtime/status"
)

const (
	statusConnectorPrefix = "status-connector-"
	statusTaskPrefix      = "status-task-"
)

// statusValue is a status record's value. Trace is written as JSON null
// when empty, as Connect writes it.
type statusValue struct {
	State      string  `json:"state"`
	Trace      *string `json:"trace"`
	WorkerID   string  `json:"worker_id"`
	Generation int32   `json:"generation"`
}

// StatusStore keeps the cluster's connector and task statuses: written by
// the worker running each one, read by every worker for the REST API.
type StatusStore struct {
	log   *Log
	board *status.Board
	slog  *slog.Logger
}

// OpenStatusStore tails topic into a board every REST read uses.
func OpenStatusStore(brokers []string, topic string, log *slog.Logger, opts ...kgo.Opt) (*StatusStore, error) {
	s := &StatusStore{board: status.NewBoard(), slog: log}
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
