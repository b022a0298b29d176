package kafkastate

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/internal/hashorder"
	"github.com/goconnect/goconnect/runtime/sessionkey"
	"github.com/goconnect/goconnect/runtime/status"
	"github.com/goconnect/goconnect/runtime/storage"
)

// Key prefixes of the config topic, as Connect's KafkaConfigBackingStore
// writes them.
const (
	connectorPrefix = "connector-"
	targetPrefix    = "target-state-"
	taskPrefix      = "task-"
	commitPrefix    = "commit-"
	restartPrefix   = "restart-connector-"
	sessionKeyKey   = "session-key"
)

// The config state's value types are storage's; kafkastate implements
// storage.ConfigStore and storage.StatusStore on the internal topics.
type (
	RestartRequest = storage.RestartRequest
	Snapshot       = storage.Snapshot
	ConfigChange   = storage.ConfigChange
)

var (
	_ storage.ConfigStore = (*ConfigStore)(nil)
	_ storage.StatusStore = (*StatusStore)(nil)
)

// ConfigStore reads and writes the config topic.
type ConfigStore struct {
	log *Log

	watchMu  sync.RWMutex
	onChange func(ConfigChange)

	mu      sync.RWMutex
	snap    Snapshot
	pending map[string]map[int]map[string]string
}

// OpenConfigStore tails topic; onChange runs on the tailing goroutine
// after each applied record.
func OpenConfigStore(brokers []string, topic string, onChange func(ConfigChange), opts ...kgo.Opt) (*ConfigStore, error) {
	s := &ConfigStore{onChange: onChange, pending: map[string]map[int]map[string]string{},
		snap: Snapshot{Connectors: map[string]map[string]string{}, ConnectorKeys: map[string][]string{},
			Targets: map[string]status.TargetState{}, Tasks: map[string][]map[string]string{}}}
	l, err := OpenLog(brokers, topic, s.apply, opts...)
	if err != nil {
		return nil, err
	}
	s.log = l
	return s, nil
}

// ReadToEnd waits until the store holds everything written before.
func (s *ConfigStore) ReadToEnd(ctx context.Context) error { return s.log.ReadToEnd(ctx) }

// Close stops the store.
func (s *ConfigStore) Close() { s.log.Close() }

// Snapshot returns a deep copy of the current state.
func (s *ConfigStore) Snapshot() Snapshot {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.snap.Clone()
}

type propsValue struct {
	Properties map[string]string `json:"properties"`
}

type targetValue struct {
	State   string `json:"state"`
	StateV2 string `json:"state.v2,omitempty"`
}

// sessionKeyValue is KafkaConfigBackingStore's SESSION_KEY_V0 struct.
type sessionKeyValue struct {
	Key       string `json:"key"`
	Algorithm string `json:"algorithm"`
	Created   int64  `json:"creation-timestamp"`
}

type commitValue struct {
	Tasks int `json:"tasks"`
}

func (s *ConfigStore) apply(r *kgo.Record) {
	change, ok := s.applyRecord(string(r.Key), r.Value)
	s.mu.Lock()
	s.snap.Offset = r.Offset + 1
	s.mu.Unlock()
	s.watchMu.RLock()
	f := s.onChange
	s.watchMu.RUnlock()
	if ok && f != nil {
		f(change)
	}
}

// Watch implements storage.ConfigStore, replacing the onChange given to
// OpenConfigStore.
func (s *ConfigStore) Watch(f func(ConfigChange)) {
	s.watchMu.Lock()
	s.onChange = f
	s.watchMu.Unlock()
}

// applyRecord folds one record into the snapshot. Records it cannot
// parse are skipped, as the Java worker logs and skips them.
func (s *ConfigStore) applyRecord(key string, value []byte) (ConfigChange, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case key == sessionKeyKey:
		var v sessionKeyValue
		if value == nil || json.Unmarshal(value, &v) != nil {
			return ConfigChange{}, false
		}
		secret, err := base64.StdEncoding.DecodeString(v.Key)
		if err != nil || v.Algorithm == "" {
			return ConfigChange{}, false
		}
		// Replaced, never changed in place: snapshots share the pointer.
		s.snap.SessionKey = &sessionkey.Key{Secret: secret, Algorithm: v.Algorithm, Created: time.UnixMilli(v.Created)}
		return ConfigChange{Kind: "session-key"}, true
	case strings.HasPrefix(key, connectorPrefix):
		name := key[len(connectorPrefix):]
		if value == nil {
			delete(s.snap.Connectors, name)
			delete(s.snap.ConnectorKeys, name)
			delete(s.snap.Targets, name)
			delete(s.snap.Tasks, name)
			delete(s.pending, name)
			return ConfigChange{Connector: name, Kind: "removed"}, true
		}
		var v propsValue
		if json.Unmarshal(value, &v) != nil || v.Properties == nil {
			return ConfigChange{}, false
		}
		s.snap.Connectors[name] = v.Properties
		// Connect reads the record into a HashMap: ties in its order.
		s.snap.ConnectorKeys[name] = hashorder.Order(propertiesKeys(value))
		return ConfigChange{Connector: name, Kind: "connector"}, true
	case strings.HasPrefix(key, targetPrefix):
		name := key[len(targetPrefix):]
		if value == nil {
			delete(s.snap.Targets, name)
			return ConfigChange{Connector: name, Kind: "target"}, true
		}
		var v targetValue
		if json.Unmarshal(value, &v) != nil {
			return ConfigChange{}, false
		}
		state := v.StateV2
		if state == "" {
			state = v.State
		}
		switch t := status.TargetState(state); t {
		case status.TargetStarted, status.TargetPaused, status.TargetStopped:
			s.snap.Targets[name] = t
		default:
			return ConfigChange{}, false
		}
		return ConfigChange{Connector: name, Kind: "target"}, true
	case strings.HasPrefix(key, taskPrefix):
		name, n, ok := splitTaskKey(key[len(taskPrefix):])
		if !ok {
			return ConfigChange{}, false
		}
		if value == nil {
			delete(s.pending[name], n)
			return ConfigChange{}, false
		}
		var v propsValue
		if json.Unmarshal(value, &v) != nil || v.Properties == nil {
			return ConfigChange{}, false
		}
		if s.pending[name] == nil {
			s.pending[name] = map[int]map[string]string{}
		}
		s.pending[name][n] = v.Properties
		return ConfigChange{}, false
	case strings.HasPrefix(key, commitPrefix):
		name := key[len(commitPrefix):]
		var v commitValue
		if value == nil || json.Unmarshal(value, &v) != nil || v.Tasks < 0 {
			return ConfigChange{}, false
		}
		tasks := make([]map[string]string, v.Tasks)
		for i := range tasks {
			t, ok := s.pending[name][i]
			if !ok {
				// An incomplete generation: Connect ignores it until a
				// complete one is committed.
				return ConfigChange{}, false
			}
			tasks[i] = t
		}
		s.snap.Tasks[name] = tasks
		delete(s.pending, name)
		return ConfigChange{Connector: name, Kind: "tasks"}, true
	case strings.HasPrefix(key, restartPrefix):
		name := key[len(restartPrefix):]
		var v RestartRequest
		if value == nil || json.Unmarshal(value, &v) != nil {
			return ConfigChange{}, false
		}
		return ConfigChange{Connector: name, Kind: "restart", Restart: v}, true
	}
	return ConfigChange{}, false
}

// splitTaskKey splits "<connector>-<n>"; connector names may hold dashes.
func splitTaskKey(s string) (string, int, bool) {
	i := strings.LastIndexByte(s, '-')
	if i <= 0 {
		return "", 0, false
	}
	n, err := strconv.Atoi(s[i+1:])
	if err != nil || n < 0 {
		return "", 0, false
	}
	return s[:i], n, true
}

// PutConnector writes a connector config, after its target state when one
// is given (Connect's order on create with an initial state).
func (s *ConfigStore) PutConnector(ctx context.Context, name string, props map[string]string, target status.TargetState) error {
	var recs []*kgo.Record
	if target != "" {
		v, err := encodeTarget(target)
		if err != nil {
			return err
		}
		recs = append(recs, record(targetPrefix+name, v))
	}
	s.mu.RLock()
	order := storage.WriteOrder(ctx, s.snap.ConnectorKeys[name], props)
	s.mu.RUnlock()
	v, err := encodeProperties(props, order)
	if err != nil {
		return fmt.Errorf("encoding connector config: %w", err)
	}
	recs = append(recs, record(connectorPrefix+name, v))
	return s.log.SendAndRead(ctx, recs...)
}

// encodeProperties writes {"properties":{…}} with the keys in order, as
// Connect's JsonConverter writes the map it was given (no HTML escaping,
// as Jackson).
func encodeProperties(props map[string]string, keys []string) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`{"properties":{`)
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		for j, s := range [2]string{k, props[k]} {
			var e bytes.Buffer
			enc := json.NewEncoder(&e)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(s); err != nil {
				return nil, err
			}
			b.Write(bytes.TrimSuffix(e.Bytes(), []byte("\n")))
			if j == 0 {
				b.WriteByte(':')
			}
		}
	}
	b.WriteString("}}")
	return b.Bytes(), nil
}

// propertiesKeys returns the keys of a config record's "properties"
// object in their order; nil when it has none.
func propertiesKeys(value []byte) []string {
	d := json.NewDecoder(bytes.NewReader(value))
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return nil
		}
		if t != "properties" {
			var skip json.RawMessage
			if d.Decode(&skip) != nil {
				return nil
			}
			continue
		}
		if t, err := d.Token(); err != nil || t != json.Delim('{') {
			return nil
		}
		var keys []string
		for d.More() {
			t, err := d.Token()
			if err != nil {
				return nil
			}
			k, _ := t.(string)
			keys = append(keys, k)
			var skip json.RawMessage
			if d.Decode(&skip) != nil {
				return nil
			}
		}
		return keys
	}
	return nil
}

// PutSessionKey writes a new session key for every worker to verify
// internal requests with.
func (s *ConfigStore) PutSessionKey(ctx context.Context, k sessionkey.Key) error {
	v, err := json.Marshal(sessionKeyValue{Key: base64.StdEncoding.EncodeToString(k.Secret), Algorithm: k.Algorithm, Created: k.Created.UnixMilli()})
	if err != nil {
		return fmt.Errorf("encoding session key: %w", err)
	}
	return s.log.SendAndRead(ctx, record(sessionKeyKey, v))
}

// PutTarget writes a connector's target state.
func (s *ConfigStore) PutTarget(ctx context.Context, name string, target status.TargetState) error {
	v, err := encodeTarget(target)
	if err != nil {
		return err
	}
	return s.log.SendAndRead(ctx, record(targetPrefix+name, v))
}

// encodeTarget writes STOPPED as PAUSED in "state" so workers that only
// know "state" keep its tasks from running.
func encodeTarget(t status.TargetState) ([]byte, error) {
	v := targetValue{State: string(t), StateV2: string(t)}
	if t == status.TargetStopped {
		v.State = string(status.TargetPaused)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding target state: %w", err)
	}
	return b, nil
}

// PutTaskConfigs writes a connector's task configs, then the commit record
// that makes them effective together.
func (s *ConfigStore) PutTaskConfigs(ctx context.Context, name string, tasks []map[string]string) error {
	recs := make([]*kgo.Record, 0, len(tasks)+1)
	s.mu.RLock()
	connKeys := s.snap.ConnectorKeys[name]
	s.mu.RUnlock()
	for i, t := range tasks {
		// Connect's Worker copies each task config into a HashMap (the
		// connector's keys first, in its order) and adds task.class.
		v, err := encodeProperties(t, storage.TaskWriteOrder(connKeys, t))
		if err != nil {
			return fmt.Errorf("encoding task config: %w", err)
		}
		recs = append(recs, record(taskPrefix+name+"-"+strconv.Itoa(i), v))
	}
	v, _ := json.Marshal(commitValue{Tasks: len(tasks)})
	recs = append(recs, record(commitPrefix+name, v))
	return s.log.SendAndRead(ctx, recs...)
}

// RemoveConnector tombstones a connector's config and target state.
func (s *ConfigStore) RemoveConnector(ctx context.Context, name string) error {
	return s.log.SendAndRead(ctx, record(connectorPrefix+name, nil), record(targetPrefix+name, nil))
}

// PutRestart records a restart request for every worker to act on.
func (s *ConfigStore) PutRestart(ctx context.Context, name string, req RestartRequest) error {
	v, _ := json.Marshal(req)
	return s.log.SendAndRead(ctx, record(restartPrefix+name, v))
}
