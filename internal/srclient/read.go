package srclient

import (
	"context"
	"fmt"
	"sync"

	"github.com/twmb/franz-go/pkg/sr"
)

// Reference is a schema that a registered schema references, as read
// from the registry: the name the referring schema uses and the subject
// version it names.
type Reference struct {
	Name   string
	Schema sr.SubjectSchema
}

// maxReferenceDepth bounds how deep references may nest (a registry does
// not allow cycles; this guards against a broken one).
const maxReferenceDepth = 32

// References reads the schemas refs name and, transitively, those they
// reference: dependencies before the schemas using them, each name once
// (names are global to one resolution, as in Confluent's client).
func (c *Client) References(ctx context.Context, refs []sr.SchemaReference) ([]Reference, error) {
	var out []Reference
	seen := map[string]bool{}
	var walk func(refs []sr.SchemaReference, depth int) error
	walk = func(refs []sr.SchemaReference, depth int) error {
		if depth > maxReferenceDepth {
			return fmt.Errorf("references nested deeper than %d", maxReferenceDepth)
		}
		for _, r := range refs {
			if seen[r.Name] {
				continue
			}
			seen[r.Name] = true
			ss, err := c.SchemaByVersion(ctx, r.Subject, r.Version)
			if err != nil {
				return fmt.Errorf("reference %s (subject %s, version %d): %w", r.Name, r.Subject, r.Version, Explain(err))
			}
			if err := walk(ss.References, depth+1); err != nil {
				return err
			}
			out = append(out, Reference{Name: r.Name, Schema: ss})
		}
		return nil
	}
	if err := walk(refs, 0); err != nil {
		return nil, err
	}
	return out, nil
}

// typeLabel names a schema type in messages as Confluent's deserializers
// do ("Error retrieving Avro schema for id 1").
func typeLabel(t sr.SchemaType) string {
	switch t {
	case sr.TypeAvro:
		return "Avro"
	case sr.TypeJSON:
		return "JSON"
	}
	return "Protobuf"
}

// Fetch reads the schema registered under id, which must be of type want,
// with its references (References): what a reader fetches the first time
// it meets an id.
func (c *Client) Fetch(ctx context.Context, id int, want sr.SchemaType) (sr.Schema, []Reference, error) {
	s, err := c.SchemaByID(ctx, id)
	if err != nil {
		return s, nil, fmt.Errorf("error retrieving %s schema for id %d: %w", typeLabel(want), id, Explain(err))
	}
	if s.Type != want {
		return s, nil, fmt.Errorf("schema id %d is %s, not %s", id, s.Type, typeLabel(want))
	}
	refs, err := c.References(ctx, s.References)
	if err != nil {
		return s, nil, fmt.Errorf("schema id %d: %w", id, err)
	}
	return s, refs, nil
}

// ReadCache holds what a reader built from each schema id it met (or
// each id and what else picks the value, such as Protobuf's message
// indexes), so the registry is asked once per key. Unbounded, as the ids
// a topic carries are few. Safe for concurrent use; the zero value is
// empty and ready.
type ReadCache[K comparable, T any] struct {
	mu   sync.Mutex
	byID map[K]T
}

// Get answers the value of id, built by load the first time (two
// goroutines meeting a new id at once may both load it; one value is
// kept).
func (rc *ReadCache[K, T]) Get(id K, load func() (T, error)) (T, error) {
	rc.mu.Lock()
	v, ok := rc.byID[id]
	rc.mu.Unlock()
	if ok {
		return v, nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if kept, ok := rc.byID[id]; ok {
		return kept, nil
	}
	if rc.byID == nil {
		rc.byID = map[K]T{}
	}
	rc.byID[id] = v
	return v, nil
}

// WriteCache holds what a writer built per key (a Connect schema, a
// topic and schema), at most size entries: when full it is emptied, as
// Confluent's bounded caches forget. Safe for concurrent use.
type WriteCache[K comparable, V any] struct {
	mu   sync.Mutex
	size int
	m    map[K]V
}

// NewWriteCache returns an empty cache of at most size entries.
func NewWriteCache[K comparable, V any](size int) *WriteCache[K, V] {
	return &WriteCache[K, V]{size: size, m: map[K]V{}}
}

// Forget drops k, so the next Get builds it again (an expired entry).
func (wc *WriteCache[K, V]) Forget(k K) {
	wc.mu.Lock()
	delete(wc.m, k)
	wc.mu.Unlock()
}

// Get answers the value of k, built by build when absent (not under the
// lock: build may ask the registry).
func (wc *WriteCache[K, V]) Get(k K, build func() (V, error)) (V, error) {
	wc.mu.Lock()
	v, ok := wc.m[k]
	wc.mu.Unlock()
	if ok {
		return v, nil
	}
	v, err := build()
	if err != nil {
		return v, err
	}
	wc.mu.Lock()
	if len(wc.m) >= wc.size {
		clear(wc.m)
	}
	wc.m[k] = v
	wc.mu.Unlock()
	return v, nil
}
