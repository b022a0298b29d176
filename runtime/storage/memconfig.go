package storage

import (
	"context"
	"maps"
	"slices"
	"sync"

	"github.com/goconnect/goconnect/runtime/status"
)

// MemoryConfig is a ConfigStore in memory: standalone mode's, where the
// connector files and REST calls are the only source and nothing
// survives a restart, as in Connect's MemoryConfigBackingStore.
type MemoryConfig struct {
	// writes serialises writers so watchers hear changes in order.
	writes sync.Mutex

	mu    sync.RWMutex
	snap  Snapshot
	watch func(ConfigChange)
}

var _ ConfigStore = (*MemoryConfig)(nil)

// NewMemoryConfig returns an empty store.
func NewMemoryConfig() *MemoryConfig {
	return &MemoryConfig{snap: Snapshot{Connectors: map[string]map[string]string{},
		Targets: map[string]status.TargetState{}, Tasks: map[string][]map[string]string{}}}
}

// Snapshot implements ConfigStore.
func (s *MemoryConfig) Snapshot() Snapshot {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.snap.Clone()
}

// Clone returns a deep copy.
func (s Snapshot) Clone() Snapshot {
	out := Snapshot{Offset: s.Offset, Connectors: make(map[string]map[string]string, len(s.Connectors)),
		Targets: maps.Clone(s.Targets), Tasks: make(map[string][]map[string]string, len(s.Tasks)), SessionKey: s.SessionKey}
	if out.Targets == nil {
		out.Targets = map[string]status.TargetState{}
	}
	for n, p := range s.Connectors {
		out.Connectors[n] = maps.Clone(p)
	}
	if s.ConnectorKeys != nil {
		out.ConnectorKeys = make(map[string][]string, len(s.ConnectorKeys))
		for n, k := range s.ConnectorKeys {
			out.ConnectorKeys[n] = slices.Clone(k)
		}
	}
	for n, ts := range s.Tasks {
		cp := make([]map[string]string, len(ts))
		for i, t := range ts {
			cp[i] = maps.Clone(t)
		}
		out.Tasks[n] = cp
	}
	return out
}

// ReadToEnd implements ConfigStore: a memory store is always read.
func (s *MemoryConfig) ReadToEnd(context.Context) error { return nil }

// Watch implements ConfigStore.
func (s *MemoryConfig) Watch(f func(ConfigChange)) {
	s.mu.Lock()
	s.watch = f
	s.mu.Unlock()
}

// write applies change under the lock, tells the watcher, then moves the
// offset: whoever sees the new offset also sees the change handled.
func (s *MemoryConfig) write(c ConfigChange, apply func(*Snapshot)) {
	s.writes.Lock()
	defer s.writes.Unlock()
	s.mu.Lock()
	apply(&s.snap)
	f := s.watch
	s.mu.Unlock()
	if f != nil {
		f(c)
	}
	s.mu.Lock()
	s.snap.Offset++
	s.mu.Unlock()
}

// PutConnector implements ConfigStore.
func (s *MemoryConfig) PutConnector(ctx context.Context, name string, props map[string]string, target status.TargetState) error {
	s.write(ConfigChange{Connector: name, Kind: ChangeConnector}, func(sn *Snapshot) {
		if target != "" {
			sn.Targets[name] = target
		}
		sn.Connectors[name] = maps.Clone(props)
		// Connect's standalone store keeps the map it was given: the
		// request's LinkedHashMap, or a PATCH's merged HashMap.
		if sn.ConnectorKeys == nil {
			sn.ConnectorKeys = map[string][]string{}
		}
		sn.ConnectorKeys[name] = WriteOrder(ctx, sn.ConnectorKeys[name], props)
	})
	return nil
}

// PutTarget implements ConfigStore.
func (s *MemoryConfig) PutTarget(_ context.Context, name string, target status.TargetState) error {
	s.write(ConfigChange{Connector: name, Kind: ChangeTarget}, func(sn *Snapshot) { sn.Targets[name] = target })
	return nil
}

// PutTaskConfigs implements ConfigStore.
func (s *MemoryConfig) PutTaskConfigs(_ context.Context, name string, tasks []map[string]string) error {
	cp := make([]map[string]string, len(tasks))
	for i, t := range tasks {
		cp[i] = maps.Clone(t)
	}
	s.write(ConfigChange{Connector: name, Kind: ChangeTasks}, func(sn *Snapshot) { sn.Tasks[name] = cp })
	return nil
}

// RemoveConnector implements ConfigStore.
func (s *MemoryConfig) RemoveConnector(_ context.Context, name string) error {
	s.write(ConfigChange{Connector: name, Kind: ChangeRemoved}, func(sn *Snapshot) {
		delete(sn.Connectors, name)
		delete(sn.Targets, name)
		delete(sn.Tasks, name)
	})
	return nil
}

// PutRestart implements ConfigStore.
func (s *MemoryConfig) PutRestart(_ context.Context, name string, req RestartRequest) error {
	s.write(ConfigChange{Connector: name, Kind: ChangeRestart, Restart: req}, func(*Snapshot) {})
	return nil
}
