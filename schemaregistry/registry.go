// Package schemaregistry is a Confluent-compatible Schema Registry for
// Avro schemas: subjects, versions, global ids, lookups and compatibility
// checks, kept in a compacted Kafka topic (_schemas) in Confluent's record
// format, so goconnect can replace the registry container too.
package schemaregistry

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
)

// Version is one registered version of a subject.
type Version struct {
	Subject string `json:"subject"`
	Version int    `json:"version"`
	ID      int    `json:"id"`
	Schema  string `json:"schema"`
	Deleted bool   `json:"deleted,omitempty"`
}

// Error is a registry error with Confluent's error code.
type Error struct {
	Status  int
	Code    int
	Message string
}

func (e *Error) Error() string { return e.Message }

func errSubjectNotFound(s string) *Error {
	return &Error{404, 40401, fmt.Sprintf("Subject '%s' not found.", s)}
}
func errVersionNotFound(v int) *Error {
	return &Error{404, 40402, fmt.Sprintf("Version %d not found.", v)}
}
func errSchemaNotFound() *Error { return &Error{404, 40403, "Schema not found"} }

// Journal persists registry records; the Kafka topic is one.
type Journal interface {
	// Append writes one record durably (value nil = tombstone).
	Append(key, value []byte) error
}

// Registry is the registry state.
type Registry struct {
	mu       sync.RWMutex
	journal  Journal
	subjects map[string][]*Version // by subject, in version order
	byID     map[int]string        // id → schema text
	idOf     map[string]int        // canonical schema text → id
	nextID   int
	global   string
	levels   map[string]string
}

// New returns an empty registry writing to j (nil keeps it in memory).
func New(j Journal) *Registry {
	return &Registry{journal: j, subjects: map[string][]*Version{}, byID: map[int]string{}, idOf: map[string]int{},
		nextID: 1, global: Backward, levels: map[string]string{}}
}

// SetJournal sets where later changes are written (after a replay).
func (r *Registry) SetJournal(j Journal) {
	r.mu.Lock()
	r.journal = j
	r.mu.Unlock()
}

// canonical identifies schemas independent of whitespace.
func canonical(text string) (string, error) {
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(text)); err != nil {
		return "", &Error{422, 42201, "Either the input schema or one its references is invalid: " + err.Error()}
	}
	return b.String(), nil
}

type schemaKey struct {
	KeyType string  `json:"keytype"`
	Subject *string `json:"subject"`
	Version int     `json:"version,omitempty"`
	Magic   int     `json:"magic"`
}

// Register adds a schema to a subject, or returns the id it already has.
func (r *Registry) Register(subject, schema string) (int, error) {
	canon, err := canonical(schema)
	if err != nil {
		return 0, err
	}
	if _, err := parseAvro(canon); err != nil {
		return 0, &Error{422, 42201, "Either the input schema or one its references is invalid: " + err.Error()}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var texts []string
	for _, v := range r.subjects[subject] {
		if v.Deleted {
			continue
		}
		if v.Schema == canon {
			return v.ID, nil
		}
		texts = append(texts, v.Schema)
	}
	problems, err := compatible(r.levelLocked(subject), canon, texts)
	if err != nil {
		return 0, &Error{422, 42201, err.Error()}
	}
	if len(problems) > 0 {
		return 0, &Error{409, 409, fmt.Sprintf("Schema being registered is incompatible with an earlier schema for subject \"%s\", details: %v", subject, problems)}
	}
	id, ok := r.idOf[canon]
	if !ok {
		id = r.nextID
	}
	version := 1
	if vs := r.subjects[subject]; len(vs) > 0 {
		version = vs[len(vs)-1].Version + 1
	}
	v := &Version{Subject: subject, Version: version, ID: id, Schema: canon}
	if err := r.persist(schemaKey{KeyType: "SCHEMA", Subject: &subject, Version: version, Magic: 1}, v); err != nil {
		return 0, err
	}
	r.apply(v)
	return id, nil
}

func (r *Registry) persist(key schemaKey, value any) error {
	if r.journal == nil {
		return nil
	}
	k, _ := json.Marshal(key)
	var val []byte
	if value != nil {
		val, _ = json.Marshal(value)
	}
	if err := r.journal.Append(k, val); err != nil {
		return &Error{500, 50001, "Error while storing the schema: " + err.Error()}
	}
	return nil
}

// apply adds a version to memory (also used when replaying the topic).
func (r *Registry) apply(v *Version) {
	vs := r.subjects[v.Subject]
	for i, old := range vs {
		if old.Version == v.Version {
			vs[i] = v
			r.index(v)
			return
		}
	}
	r.subjects[v.Subject] = append(vs, v)
	sort.Slice(r.subjects[v.Subject], func(i, j int) bool { return r.subjects[v.Subject][i].Version < r.subjects[v.Subject][j].Version })
	r.index(v)
}

func (r *Registry) index(v *Version) {
	r.byID[v.ID] = v.Schema
	r.idOf[v.Schema] = v.ID
	if v.ID >= r.nextID {
		r.nextID = v.ID + 1
	}
}

// Replay applies one record read back from the journal.
func (r *Registry) Replay(key, value []byte) {
	var k schemaKey
	if json.Unmarshal(key, &k) != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	switch k.KeyType {
	case "SCHEMA":
		var v Version
		if value == nil || json.Unmarshal(value, &v) != nil {
			return
		}
		r.apply(&v)
	case "CONFIG":
		var c struct {
			Level string `json:"compatibilityLevel"`
		}
		if value == nil || json.Unmarshal(value, &c) != nil || !validLevel(c.Level) {
			return
		}
		if k.Subject == nil {
			r.global = c.Level
		} else {
			r.levels[*k.Subject] = c.Level
		}
	}
}

// Lookup finds the version of a subject holding the schema.
func (r *Registry) Lookup(subject, schema string) (*Version, error) {
	canon, err := canonical(schema)
	if err != nil {
		return nil, err
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	vs, ok := r.subjects[subject]
	if !ok {
		return nil, errSubjectNotFound(subject)
	}
	for _, v := range vs {
		if v.Schema == canon && !v.Deleted {
			return v, nil
		}
	}
	return nil, errSchemaNotFound()
}

// SchemaByID returns the schema text of an id.
func (r *Registry) SchemaByID(id int) (string, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	s, ok := r.byID[id]
	if !ok {
		return "", errSchemaNotFound()
	}
	return s, nil
}

// Subjects lists subjects with live versions.
func (r *Registry) Subjects() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := []string{}
	for s, vs := range r.subjects {
		for _, v := range vs {
			if !v.Deleted {
				out = append(out, s)
				break
			}
		}
	}
	sort.Strings(out)
	return out
}

// Versions lists a subject's live version numbers.
func (r *Registry) Versions(subject string) ([]int, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []int
	for _, v := range r.subjects[subject] {
		if !v.Deleted {
			out = append(out, v.Version)
		}
	}
	if len(out) == 0 {
		return nil, errSubjectNotFound(subject)
	}
	return out, nil
}

// Get returns a version; -1 is the latest.
func (r *Registry) Get(subject string, version int) (*Version, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	vs := r.subjects[subject]
	var live []*Version
	for _, v := range vs {
		if !v.Deleted {
			live = append(live, v)
		}
	}
	if len(live) == 0 {
		return nil, errSubjectNotFound(subject)
	}
	if version == -1 {
		return live[len(live)-1], nil
	}
	for _, v := range live {
		if v.Version == version {
			return v, nil
		}
	}
	return nil, errVersionNotFound(version)
}

// DeleteSubject soft-deletes every version and returns their numbers.
func (r *Registry) DeleteSubject(subject string) ([]int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []int
	for _, v := range r.subjects[subject] {
		if v.Deleted {
			continue
		}
		d := *v
		d.Deleted = true
		if err := r.persist(schemaKey{KeyType: "SCHEMA", Subject: &subject, Version: v.Version, Magic: 1}, &d); err != nil {
			return nil, err
		}
		*v = d
		out = append(out, v.Version)
	}
	if len(out) == 0 {
		return nil, errSubjectNotFound(subject)
	}
	return out, nil
}

// Level returns the compatibility level of a subject ("" = global).
func (r *Registry) Level(subject string) string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.levelLocked(subject)
}

func (r *Registry) levelLocked(subject string) string {
	if l, ok := r.levels[subject]; ok && subject != "" {
		return l
	}
	return r.global
}

// SetLevel sets the global ("") or a subject's compatibility level.
func (r *Registry) SetLevel(subject, level string) error {
	if !validLevel(level) {
		return &Error{422, 42203, "Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive"}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	key := schemaKey{KeyType: "CONFIG", Magic: 0}
	if subject != "" {
		key.Subject = &subject
	}
	if err := r.persist(key, map[string]string{"compatibilityLevel": level}); err != nil {
		return err
	}
	if subject == "" {
		r.global = level
	} else {
		r.levels[subject] = level
	}
	return nil
}

// Check tests a schema against a subject's version (-1 latest) under the
// subject's level.
func (r *Registry) Check(subject string, version int, schema string) (bool, []string, error) {
	canon, err := canonical(schema)
	if err != nil {
		return false, nil, err
	}
	v, err := r.Get(subject, version)
	if err != nil {
		return false, nil, err
	}
	level := r.Level(subject)
	if level == None {
		return true, nil, nil
	}
	probs, err := compatible(singleVersionLevel(level), canon, []string{v.Schema})
	if err != nil {
		return false, nil, &Error{422, 42201, err.Error()}
	}
	return len(probs) == 0, probs, nil
}

// singleVersionLevel checks one version only, whatever the transitive setting.
func singleVersionLevel(level string) string {
	switch level {
	case BackwardTransitive:
		return Backward
	case ForwardTransitive:
		return Forward
	case FullTransitive:
		return Full
	}
	return level
}
