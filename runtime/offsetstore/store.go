package offsetstore

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// Store is where source offsets live.
type Store interface {
	// Get returns the offset of a partition, nil when none is stored.
	Get(ctx context.Context, connector string, partition map[string]any) (map[string]any, error)
	// Put stores offsets durably before it returns; a nil Offset removes
	// the partition.
	Put(ctx context.Context, connector string, offsets []Offset) error
	// List returns every stored partition of a connector.
	List(ctx context.Context, connector string) ([]Offset, error)
}

type entry struct {
	key, value []byte
	connector  string
	partition  map[string]any
	offset     map[string]any
}

// Memory keeps offsets in memory; File builds on it.
type Memory struct {
	mu      sync.Mutex
	entries map[string]*entry
	order   []string
	persist func([]*entry) error
}

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory { return &Memory{entries: map[string]*entry{}} }

// Get implements Store.
func (m *Memory) Get(_ context.Context, connector string, partition map[string]any) (map[string]any, error) {
	id, err := canonical(connector, partition)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[id]
	if !ok {
		return nil, nil
	}
	// Decode afresh so callers may modify what they get.
	return DecodeValue(e.value)
}

// Put implements Store.
func (m *Memory) Put(_ context.Context, connector string, offsets []Offset) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, o := range offsets {
		id, err := canonical(connector, o.Partition)
		if err != nil {
			return err
		}
		if o.Offset == nil {
			if _, ok := m.entries[id]; ok {
				delete(m.entries, id)
				m.removeOrder(id)
			}
			continue
		}
		val, err := EncodeValue(o.Offset)
		if err != nil {
			return err
		}
		if e, ok := m.entries[id]; ok {
			// Keep the key bytes first seen so a Java reader's map, and
			// topic compaction, keep treating it as the same key.
			e.value, e.offset = val, o.Offset
			continue
		}
		key, err := EncodeKey(connector, o.Partition)
		if err != nil {
			return err
		}
		m.entries[id] = &entry{key: key, value: val, connector: connector, partition: o.Partition, offset: o.Offset}
		m.order = append(m.order, id)
	}
	if m.persist != nil {
		return m.persist(m.snapshot())
	}
	return nil
}

func (m *Memory) removeOrder(id string) {
	for i, x := range m.order {
		if x == id {
			m.order = append(m.order[:i], m.order[i+1:]...)
			return
		}
	}
}

func (m *Memory) snapshot() []*entry {
	out := make([]*entry, 0, len(m.order))
	for _, id := range m.order {
		out = append(out, m.entries[id])
	}
	return out
}

// List implements Store.
func (m *Memory) List(_ context.Context, connector string) ([]Offset, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Offset
	for _, id := range m.order {
		e := m.entries[id]
		if e.connector != connector {
			continue
		}
		off, err := DecodeValue(e.value)
		if err != nil {
			return nil, err
		}
		out = append(out, Offset{Partition: e.partition, Offset: off})
	}
	return out, nil
}

// load adds raw key/value pairs, skipping keys that do not parse (a Java
// worker would skip them too).
func (m *Memory) load(pairs [][2][]byte) {
	for _, p := range pairs {
		conn, part, err := DecodeKey(p[0])
		if err != nil || p[1] == nil {
			continue
		}
		off, err := DecodeValue(p[1])
		if err != nil {
			continue
		}
		id, err := canonical(conn, part)
		if err != nil {
			continue
		}
		if _, ok := m.entries[id]; !ok {
			m.order = append(m.order, id)
		}
		m.entries[id] = &entry{key: p[0], value: p[1], connector: conn, partition: part, offset: off}
	}
}

// OpenFile opens the standalone offsets file (offset.storage.file.filename):
// a Java-serialized HashMap<byte[],byte[]> rewritten on every Put. A missing
// or empty file is an empty store.
func OpenFile(path string) (*Memory, error) {
	m := NewMemory()
	b, err := os.ReadFile(path)
	switch {
	case os.IsNotExist(err):
	case err != nil:
		return nil, fmt.Errorf("reading offsets file: %w", err)
	case len(b) > 0:
		pairs, err := DecodeJavaHashMap(b)
		if err != nil {
			return nil, fmt.Errorf("offsets file %s: %w", path, err)
		}
		m.load(pairs)
	}
	m.persist = func(entries []*entry) error {
		pairs := make([][2][]byte, len(entries))
		for i, e := range entries {
			pairs[i] = [2][]byte{e.key, e.value}
		}
		return writeAtomic(path, EncodeJavaHashMap(pairs))
	}
	return m, nil
}

// writeAtomic replaces path so a crash leaves the old or the new file,
// never half of one.
func writeAtomic(path string, b []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating offsets folder: %w", err)
	}
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("writing offsets file: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("writing offsets file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("syncing offsets file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("closing offsets file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("replacing offsets file: %w", err)
	}
	return nil
}

// Apply adds one raw key/value pair read from an offsets topic (a nil value
// removes the partition). Keys that do not parse are skipped, as a Java
// worker skips them.
func (m *Memory) Apply(key, value []byte) {
	conn, part, err := DecodeKey(key)
	if err != nil {
		return
	}
	id, err := canonical(conn, part)
	if err != nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if value == nil {
		if _, ok := m.entries[id]; ok {
			delete(m.entries, id)
			m.removeOrder(id)
		}
		return
	}
	off, err := DecodeValue(value)
	if err != nil {
		return
	}
	if e, ok := m.entries[id]; ok {
		e.value, e.offset = value, off
		return
	}
	m.order = append(m.order, id)
	m.entries[id] = &entry{key: key, value: value, connector: conn, partition: part, offset: off}
}

// KeyFor returns the key bytes a partition is stored under: the bytes first
// seen for it (so compaction keeps collapsing a key a Java worker wrote) or
// a fresh encoding.
func (m *Memory) KeyFor(connector string, partition map[string]any) ([]byte, error) {
	id, err := canonical(connector, partition)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	e, ok := m.entries[id]
	m.mu.Unlock()
	if ok {
		return e.key, nil
	}
	return EncodeKey(connector, partition)
}
