// Package schemaregistry is a Confluent-compatible Schema Registry:
// subjects, versions, ids, references, compatibility, modes, contexts and
// soft and hard deletes, kept in a compacted Kafka topic (_schemas) in the
// records Confluent's registry writes, so either registry reads the
// other's topic. What a schema text means (parsing, identity,
// normalisation, compatibility) belongs to its SchemaType (types.go).
package schemaregistry

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// Version is one registered version of a subject, as the _schemas topic
// holds it (Confluent's SchemaValue: schemaType always written, deleted
// always written, references/metadata/ruleSet when present).
type Version struct {
	Subject    string          `json:"subject"`
	Version    int             `json:"version"`
	ID         int             `json:"id"`
	SchemaType string          `json:"schemaType,omitempty"`
	References []Reference     `json:"references,omitempty"`
	Metadata   json.RawMessage `json:"metadata,omitempty"`
	RuleSet    json.RawMessage `json:"ruleSet,omitempty"`
	Schema     string          `json:"schema"`
	Deleted    bool            `json:"deleted"`
	// TS is the record's Kafka timestamp in ms (Confluent's "ts"), not a
	// member of the record.
	TS int64 `json:"-"`
}

// typeName is the version's schema type, AVRO when the record has none
// (records written before other types existed).
func (v *Version) typeName() string {
	if v.SchemaType == "" {
		return "AVRO"
	}
	return v.SchemaType
}

// identity is what makes two registrations the same schema (one id).
func identity(typ, canon string, refs []Reference, metadata, ruleSet json.RawMessage) string {
	r, _ := json.Marshal(refs)
	return typ + "\x00" + canon + "\x00" + string(r) + "\x00" + compactJSON(metadata) + "\x00" + ruleSetIdentity(ruleSet)
}

// ruleSetIdentity compares rule sets as Confluent's RuleSet/Rule equality
// does, not as texts: a rule member that is null, empty or false (absent
// tags, params, doc, expr, disabled) is the same as a missing one, so a
// client writing every member (franz-go writes "tags":null, "expr":"")
// finds the version registered without them.
func ruleSetIdentity(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var rs map[string]any
	if json.Unmarshal(raw, &rs) != nil {
		return compactJSON(raw)
	}
	for k, v := range rs {
		rules, ok := v.([]any)
		if !ok {
			if v == nil {
				delete(rs, k)
			}
			continue
		}
		if len(rules) == 0 {
			delete(rs, k)
			continue
		}
		for _, r := range rules {
			m, ok := r.(map[string]any)
			if !ok {
				continue
			}
			for mk, mv := range m {
				switch x := mv.(type) {
				case nil:
					delete(m, mk)
				case string:
					if x == "" {
						delete(m, mk)
					}
				case bool:
					if !x {
						delete(m, mk)
					}
				case []any:
					if len(x) == 0 {
						delete(m, mk)
					}
				case map[string]any:
					if len(x) == 0 {
						delete(m, mk)
					}
				}
			}
		}
	}
	b, _ := json.Marshal(rs)
	return string(b)
}

func compactJSON(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return string(raw)
	}
	b, _ := json.Marshal(v) // maps sorted: key order does not change identity
	return string(b)
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
func errSchemaIDNotFound(id int) *Error {
	return &Error{404, 40403, fmt.Sprintf("Schema %d not found", id)}
}
func errNotPermitted(msg string) *Error { return &Error{422, 42205, msg} }

// Journal persists registry records; the Kafka topic is one.
type Journal interface {
	// Append writes one record durably (value nil = tombstone).
	Append(key, value []byte) error
}

// idSpace holds the ids of one context: Confluent numbers schemas per
// context.
type idSpace struct {
	byID   map[int]*Version // a version holding the id (its text, type, references)
	idOf   map[string]int   // identity → id
	nextID int
}

// Registry is the registry state.
type Registry struct {
	mu       sync.RWMutex
	journal  Journal
	types    map[string]SchemaType
	subjects map[string][]*Version // by qualified subject, in version order
	ids      map[string]*idSpace   // by context
	configs  map[string]*Config    // "" global, subject, or ":.ctx:" for a context
	modes    map[string]string     // same keys
	contexts map[string]bool       // contexts seen besides the default one
	now      func() time.Time      // the clock stamping written records
	assocs   map[assocKey]*association
	// assocMu serialises association changes, which check, register and
	// write in several steps under mu.
	assocMu sync.Mutex
}

// New returns an empty registry writing to j (nil keeps it in memory),
// knowing the built-in schema types.
func New(j Journal) *Registry {
	r := &Registry{journal: j, types: map[string]SchemaType{}, subjects: map[string][]*Version{},
		ids: map[string]*idSpace{}, configs: map[string]*Config{}, modes: map[string]string{}, contexts: map[string]bool{}, now: time.Now, assocs: map[assocKey]*association{}}
	for _, t := range builtinTypes() {
		r.types[t.Name()] = t
	}
	return r
}

// AddType makes a schema type known (replacing one of the same name).
func (r *Registry) AddType(t SchemaType) {
	r.mu.Lock()
	r.types[t.Name()] = t
	r.mu.Unlock()
}

// Types lists the known schema type names, sorted.
func (r *Registry) Types() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return typeNames(r.types)
}

// SetJournal sets where later changes are written (after a replay).
func (r *Registry) SetJournal(j Journal) {
	r.mu.Lock()
	r.journal = j
	r.mu.Unlock()
}

// spaceOf is a context's ids for reading (under the read lock: it
// stores nothing).
func (r *Registry) spaceOf(ctx string) *idSpace {
	if s := r.ids[ctx]; s != nil {
		return s
	}
	return &idSpace{nextID: 1}
}

// space is a context's ids for writing, created when missing.
func (r *Registry) space(ctx string) *idSpace {
	s := r.ids[ctx]
	if s == nil {
		s = &idSpace{byID: map[int]*Version{}, idOf: map[string]int{}, nextID: 1}
		r.ids[ctx] = s
	}
	return s
}

// RegisterRequest is the body of a registration or a lookup.
type RegisterRequest struct {
	Schema     string          `json:"schema"`
	SchemaType string          `json:"schemaType,omitempty"`
	References []Reference     `json:"references,omitempty"`
	Metadata   json.RawMessage `json:"metadata,omitempty"`
	RuleSet    json.RawMessage `json:"ruleSet,omitempty"`
	// ID and Version are honoured in IMPORT mode only (0 = assign).
	ID      int `json:"id,omitempty"`
	Version int `json:"version,omitempty"`
	// SchemaTagsToAdd and SchemaTagsToRemove change the schema's inline
	// tags before it is registered, looked up or checked (Confluent's
	// toSchemaWithTags); PropagateSchemaTags copies the previous
	// version's inline tags into a registration.
	SchemaTagsToAdd     []SchemaTags `json:"schemaTagsToAdd,omitempty"`
	SchemaTagsToRemove  []SchemaTags `json:"schemaTagsToRemove,omitempty"`
	PropagateSchemaTags *bool        `json:"propagateSchemaTags,omitempty"`

	// noEarly skips the look-up ahead of registration, as Confluent skips
	// it for requests changing tags (and its modifySchemaTags registers
	// past it).
	noEarly bool
	// lookupOnly answers only a schema the subject already holds (a
	// follower, as Confluent's registerOrForward looks up before it
	// forwards): anything else is errNeedsLeader, written nothing.
	lookupOnly bool
}

func (req *RegisterRequest) hasTagOps() bool {
	return len(req.SchemaTagsToAdd) > 0 || len(req.SchemaTagsToRemove) > 0
}

func (req *RegisterRequest) propagate() bool {
	return req.PropagateSchemaTags != nil && *req.PropagateSchemaTags
}

// propagateTagsLocked is Confluent's maybePropagateSchemaTags: the
// latest live version's inline tags added to the schema registered.
func (r *Registry) propagateTagsLocked(subject, typ string, parsed ParsedSchema, refs []Reference) (ParsedSchema, error) {
	var latest *Version
	for _, v := range r.subjects[subject] {
		if !v.Deleted && (latest == nil || v.Version > latest.Version) {
			latest = v
		}
	}
	if latest == nil {
		return parsed, nil
	}
	prev, err := r.parseLocked(subject, latest.typeName(), latest.Schema, latest.References)
	if err != nil {
		return nil, err
	}
	tagged, err := taggedEntities(prev, latest.typeName(), latest.Schema, "propagateSchemaTags from")
	if err != nil {
		return nil, err
	}
	if len(tagged) == 0 {
		return parsed, nil
	}
	add, err := tagMap(tagged)
	if err != nil {
		return nil, err
	}
	text, err := modifyTags(typ, parsed.Canonical(), add, nil)
	if err != nil {
		return nil, err
	}
	return r.parseLocked(subject, typ, text, refs)
}

// withTagsLocked is Confluent's toSchemaWithTags: the request's schema
// with its tag operations applied (the canonical text changed as the
// type's copy(tagsToAdd, tagsToRemove) does); a request without them
// is returned as it is. Without a version, the result is registered as
// version -1 (so confluent:version is recorded), as Confluent does.
func (r *Registry) withTagsLocked(subject string, req RegisterRequest) (RegisterRequest, error) {
	if !req.hasTagOps() {
		return req, nil
	}
	add, err := tagMap(req.SchemaTagsToAdd)
	if err != nil {
		return req, err
	}
	remove, err := tagMap(req.SchemaTagsToRemove)
	if err != nil {
		return req, err
	}
	parsed, err := r.parseLocked(subject, req.typeName(), req.Schema, req.References)
	if err != nil {
		return req, err
	}
	text, err := modifyTags(req.typeName(), parsed.Canonical(), add, remove)
	if err != nil {
		return req, err
	}
	req.Schema = text
	req.SchemaTagsToAdd, req.SchemaTagsToRemove = nil, nil
	req.noEarly = true
	if req.Version == 0 {
		req.Version = -1
	}
	return req, nil
}

func (req *RegisterRequest) typeName() string {
	if req.SchemaType == "" {
		return "AVRO"
	}
	return strings.ToUpper(req.SchemaType)
}

// Register adds an AVRO schema to a subject, or returns the id it
// already has.
func (r *Registry) Register(subject, schema string) (int, error) {
	v, err := r.RegisterSchema(subject, RegisterRequest{Schema: schema}, false)
	if err != nil {
		return 0, err
	}
	return v.ID, nil
}

// parseLocked parses a schema of a subject with its references resolved.
func (r *Registry) parseLocked(subject, typ, text string, refs []Reference) (ParsedSchema, error) {
	t, ok := r.types[typ]
	if !ok {
		return nil, &Error{422, 42201, fmt.Sprintf("Invalid schema type %s", typ)}
	}
	if strings.TrimSpace(text) == "" {
		return nil, &Error{422, 42201, "Empty schema"}
	}
	resolved, err := r.resolveLocked(subject, refs, map[string]bool{})
	if err != nil {
		return nil, err
	}
	p, err := t.Parse(text, resolved)
	if err != nil {
		return nil, invalidSchema(err)
	}
	return p, nil
}

// resolveLocked finds the schemas references name, their own references
// first, each once.
func (r *Registry) resolveLocked(parent string, refs []Reference, seen map[string]bool) ([]ResolvedReference, error) {
	var out []ResolvedReference
	for _, ref := range refs {
		if ref.Name == "" || ref.Subject == "" {
			return nil, invalidSchema(fmt.Errorf("invalid reference %+v: name and subject are required", ref))
		}
		subj := withParentContext(parent, ref.Subject)
		v, err := r.getLocked(subj, ref.Version, true)
		if err != nil {
			return nil, invalidSchema(fmt.Errorf("reference %q to subject %q version %d: %s", ref.Name, ref.Subject, ref.Version, err.Error()))
		}
		key := fmt.Sprintf("%s\x00%d", subj, v.Version)
		if seen[key] {
			continue
		}
		seen[key] = true
		deps, err := r.resolveLocked(subj, v.References, seen)
		if err != nil {
			return nil, err
		}
		out = append(out, deps...)
		out = append(out, ResolvedReference{Reference: ref, Schema: v.Schema})
	}
	return out, nil
}

// RegisterSchema registers a schema under a subject (normalised first
// when normalize, or when the subject's config says so) and returns the
// version holding it, an existing one when the subject has it already.
func (r *Registry) RegisterSchema(subject string, req RegisterRequest, normalize bool) (*Version, error) {
	v, _, err := r.registerSchema(subject, req, normalize)
	return v, err
}

// registerSchema is RegisterSchema also telling whether the version was
// found by Confluent's look-up ahead of registration (registerOrForward's
// lookUpSchemaUnderSubject), whose answer is the stored entity with ts
// and deleted, rather than the request's copy (no ts, no deleted).
func (r *Registry) registerSchema(subject string, req RegisterRequest, normalize bool) (*Version, bool, error) {
	if err := validSubject(subject, false); err != nil {
		return nil, false, err
	}
	subject = normalizeSubject(subject)
	r.mu.Lock()
	defer r.mu.Unlock()
	ctx := contextOf(subject)
	if req.propagate() {
		req.noEarly = true
	}
	req, err := r.withTagsLocked(subject, req)
	if err != nil {
		return nil, false, err
	}
	mode := r.modeInScopeLocked(subject)
	// IMPORT and FORWARD register alike (Confluent's isImportOrForwardMode).
	importing := mode == ModeImport || mode == ModeForward
	// The mode is checked after Confluent's look-up ahead of registration,
	// which answers a schema the subject holds in any mode.
	var modeErr error
	switch {
	case mode == ModeReadOnly || mode == ModeReadOnlyOverride:
		modeErr = errNotPermitted(fmt.Sprintf("Subject %s in context %s is in read-only mode", subject, qualifiedContext(ctx)))
	case req.ID > 0 && !importing:
		modeErr = errNotPermitted(fmt.Sprintf("Subject %s in context %s is not in import mode", subject, qualifiedContext(ctx)))
	case req.ID <= 0 && mode != ModeReadWrite:
		modeErr = errNotPermitted(fmt.Sprintf("Subject %s in context %s is not in read-write mode", subject, qualifiedContext(ctx)))
	}
	// Version -1 asks for the latest: Confluent looks the schema up in
	// the latest version only and otherwise registers a new version.
	latestOnly := req.Version == -1
	// Confluent records confluent:version for any version but 0 (-1 too).
	versionMeta := req.Version != 0
	if req.Version < 0 {
		req.Version = 0
	}
	sentMetadata, sentRuleSet := req.Metadata, req.RuleSet
	if !absentJSON(sentMetadata) {
		sentMetadata = canonicalMetadata(sentMetadata)
	}
	typ := req.typeName()
	parsed, err := r.parseLocked(subject, typ, req.Schema, req.References)
	if err != nil {
		return nil, false, err
	}
	if !normalize {
		normalize = r.configInScopeLocked(subject).normalize()
	}
	refs := req.References
	if len(refs) == 0 {
		refs = nil
	}
	if modeErr != nil {
		text := parsed.Canonical()
		if normalize {
			text = parsed.Normalized()
		}
		if v, stored := r.earlyLookupLocked(subject, req, typ, text, refs, sentMetadata, sentRuleSet, latestOnly); v != nil {
			return v, stored, nil
		}
		return nil, false, modeErr
	}
	if err := r.strongRefLocked(subject, req.References); err != nil {
		return nil, false, err
	}
	if req.propagate() && !importing {
		if parsed, err = r.propagateTagsLocked(subject, typ, parsed, req.References); err != nil {
			return nil, false, err
		}
	}
	text := parsed.Canonical()
	if normalize {
		text = parsed.Normalized()
	}
	space := r.space(ctx)

	var live []*Version
	newVersion := 1
	for _, v := range r.subjects[subject] {
		newVersion = max(newVersion, v.Version+1)
		if v.Deleted {
			continue
		}
		live = append(live, v)
	}
	if !importing && len(live) > 0 {
		// As Confluent's maybePopulateFromPrevious: a schema registered
		// without metadata or a rule set takes the latest live version's,
		// so a re-registration lands on that version and a new one keeps
		// its metadata (what use.latest.with.metadata selects on).
		latest := live[0]
		for _, v := range live {
			if v.Version > latest.Version {
				latest = v
			}
		}
		if absentJSON(req.Metadata) {
			req.Metadata = latest.Metadata
		}
		if absentJSON(req.RuleSet) {
			req.RuleSet = latest.RuleSet
		}
	}
	if !importing {
		applyConfigMetadata(r.configInScopeLocked(subject), &req, newVersion, versionMeta)
	}
	if !absentJSON(req.Metadata) {
		req.Metadata = canonicalMetadata(req.Metadata)
	}
	ident := identity(typ, text, refs, req.Metadata, req.RuleSet)
	if req.Version == 0 {
		// As Confluent's canLookup: an existing version is found whatever
		// its confluent:version says.
		loose := identity(typ, text, refs, withoutConfluentVersion(req.Metadata), req.RuleSet)
		cfg := r.configInScopeLocked(subject)
		// Confluent's look-up ahead of registration runs without config
		// defaults or overrides, on the request as sent: found there by
		// hash (same content) it answers the request's copy; found only by
		// canLookup (confluent:version differs) or as the latest for
		// version -1, the stored entity.
		early := !req.noEarly && absentJSON(cfg.DefaultMetadata) && absentJSON(cfg.OverrideMetadata) &&
			absentJSON(cfg.DefaultRuleSet) && absentJSON(cfg.OverrideRuleSet)
		sent := identity(typ, text, refs, sentMetadata, sentRuleSet)
		sentLoose := identity(typ, text, refs, lookupMetadata(sentMetadata), sentRuleSet)
		var latest *Version
		for _, v := range live {
			if latest == nil || v.Version > latest.Version {
				latest = v
			}
		}
		for _, v := range live {
			storedLoose := identity(v.typeName(), v.Schema, v.References, lookupMetadata(v.Metadata), v.RuleSet)
			if req.ID > 0 && req.ID != v.ID {
				continue
			}
			if latestOnly {
				// Only the early look-up finds the latest; past it
				// Confluent registers -1 as a new version.
				if v == latest && early && storedLoose == sentLoose {
					return v, true, nil
				}
				continue
			}
			if identity(v.typeName(), v.Schema, v.References, withoutConfluentVersion(v.Metadata), v.RuleSet) == loose {
				stored := identity(v.typeName(), v.Schema, v.References, v.Metadata, v.RuleSet)
				return v, early && stored != sent && storedLoose == sentLoose, nil
			}
		}
	}
	if req.lookupOnly {
		return nil, false, errNeedsLeader
	}
	if !importing {
		prev, err := r.previousLocked(subject, live)
		if err != nil {
			return nil, false, err
		}
		cfg := r.configInScopeLocked(subject)
		if problems := checkCompatibility(cfg.level(), typ, parsed, prev, cfg.validateFields()); len(problems) > 0 {
			// Java's List.toString: "[a, b]".
			return nil, false, &Error{409, 40901, fmt.Sprintf("Schema being registered is incompatible with an earlier schema for subject \"%s\", details: [%s]", subject, strings.Join(problems, ", "))}
		}
	}
	version := newVersion
	if req.Version > 0 {
		if req.Version != newVersion && !importing {
			return nil, false, &Error{422, 42201, "Version is not one more than previous version"}
		}
		version = req.Version
	}
	id, known := space.idOf[ident]
	if req.ID > 0 {
		if holder, ok := space.byID[req.ID]; ok && identity(holder.typeName(), holder.Schema, holder.References, holder.Metadata, holder.RuleSet) != ident {
			return nil, false, errNotPermitted(fmt.Sprintf("Overwrite new schema with id %d in context %s is not permitted.", req.ID, qualifiedContext(ctx)))
		}
		id = req.ID
	} else if !known {
		id = space.nextID
	}
	if ctx != DefaultContext && !r.contexts[ctx] {
		val := struct {
			Tenant  string `json:"tenant"`
			Context string `json:"context"`
		}{"default", ctx}
		if err := r.persist(contextKey(ctx), val); err != nil {
			return nil, false, err
		}
		r.contexts[ctx] = true
	}
	// As Confluent: earlier soft-deleted versions of this subject holding
	// the same id are tombstoned, unless something still refers to them.
	for _, old := range append([]*Version(nil), r.subjects[subject]...) {
		if old.Deleted && old.ID == id && old.Version < version && len(r.referrersLocked(subject, old.Version, true, "")) == 0 {
			if err := r.persist(schemaKey(subject, old.Version), nil); err != nil {
				return nil, false, err
			}
			r.drop(subject, old.Version)
		}
	}
	now := r.now()
	v := &Version{Subject: subject, Version: version, ID: id, SchemaType: typ, References: refs,
		Metadata: req.Metadata, RuleSet: req.RuleSet, Schema: text, TS: now.UnixMilli()}
	if err := r.persistAt(schemaKey(subject, version), v, now); err != nil {
		return nil, false, err
	}
	r.apply(v)
	return v, false, nil
}

// earlyLookupLocked is Confluent's look-up ahead of registration alone
// (registerOrForward's lookUpSchemaUnderSubject, run before register
// checks the mode): without tag changes and without config defaults or
// overrides, a live version holding the schema as sent (the latest only
// for version -1) answers, when the request names no other id, nor, with
// a version, another version. stored tells whether the answer is the
// stored entity rather than the request's copy, as registerSchema's.
func (r *Registry) earlyLookupLocked(subject string, req RegisterRequest, typ, text string, refs []Reference,
	sentMetadata, sentRuleSet json.RawMessage, latestOnly bool) (v *Version, stored bool) {
	cfg := r.configInScopeLocked(subject)
	if req.noEarly || !absentJSON(cfg.DefaultMetadata) || !absentJSON(cfg.OverrideMetadata) ||
		!absentJSON(cfg.DefaultRuleSet) || !absentJSON(cfg.OverrideRuleSet) {
		return nil, false
	}
	sent := identity(typ, text, refs, sentMetadata, sentRuleSet)
	sentLoose := identity(typ, text, refs, lookupMetadata(sentMetadata), sentRuleSet)
	var latest *Version
	for _, v := range r.subjects[subject] {
		if !v.Deleted && (latest == nil || v.Version > latest.Version) {
			latest = v
		}
	}
	for _, v := range r.subjects[subject] {
		switch {
		case v.Deleted, latestOnly && v != latest:
			continue
		case identity(v.typeName(), v.Schema, v.References, lookupMetadata(v.Metadata), v.RuleSet) != sentLoose:
			continue
		case req.Version > 0 && (req.ID != v.ID || req.Version != v.Version):
			continue
		case req.Version <= 0 && req.ID > 0 && req.ID != v.ID:
			continue
		}
		return v, latestOnly || identity(v.typeName(), v.Schema, v.References, v.Metadata, v.RuleSet) != sent
	}
	return nil, false
}

// Record keys, in Confluent's field order (its @JsonPropertyOrder) and
// with its magic numbers: 1 for SCHEMA keys, 0 for the others.
func schemaKey(subject string, version int) []byte {
	b, _ := json.Marshal(struct {
		KeyType string `json:"keytype"`
		Subject string `json:"subject"`
		Version int    `json:"version"`
		Magic   int    `json:"magic"`
	}{"SCHEMA", subject, version, 1})
	return b
}

// subjectKey is a CONFIG, MODE, DELETE_SUBJECT or CLEAR_SUBJECT key; the
// global one ("") has no subject field.
func subjectKey(keyType, subject string) []byte {
	b, _ := json.Marshal(struct {
		KeyType string `json:"keytype"`
		Subject string `json:"subject,omitempty"`
		Magic   int    `json:"magic"`
	}{keyType, subject, 0})
	return b
}

func contextKey(ctx string) []byte {
	b, _ := json.Marshal(struct {
		KeyType string `json:"keytype"`
		Tenant  string `json:"tenant"`
		Context string `json:"context"`
		Magic   int    `json:"magic"`
	}{"CONTEXT", "default", ctx, 0})
	return b
}

// TimedJournal is a Journal that writes records with the given
// timestamp (the Kafka journal), so a replay reads back the ts answered.
type TimedJournal interface {
	AppendAt(key, value []byte, ts time.Time) error
}

func (r *Registry) persist(key []byte, value any) error {
	return r.persistAt(key, value, time.Time{})
}

// persistAt writes a record stamped ts (zero: the journal's time).
func (r *Registry) persistAt(key []byte, value any, ts time.Time) error {
	if r.journal == nil {
		return nil
	}
	var val []byte
	if value != nil {
		val, _ = json.Marshal(value)
	}
	var err error
	if tj, ok := r.journal.(TimedJournal); ok && !ts.IsZero() {
		err = tj.AppendAt(key, val, ts)
	} else {
		err = r.journal.Append(key, val)
	}
	if err != nil {
		return &Error{500, 50001, "Error while storing the schema: " + err.Error()}
	}
	return nil
}

// apply adds or replaces a version in memory (also on replay).
func (r *Registry) apply(v *Version) {
	v.Subject = normalizeSubject(v.Subject)
	vs := r.subjects[v.Subject]
	replaced := false
	for i, old := range vs {
		if old.Version == v.Version {
			vs[i] = v
			replaced = true
		}
	}
	if !replaced {
		vs = append(vs, v)
		sort.Slice(vs, func(i, j int) bool { return vs[i].Version < vs[j].Version })
	}
	r.subjects[v.Subject] = vs
	ctx := contextOf(v.Subject)
	if ctx != DefaultContext {
		r.contexts[ctx] = true
	}
	space := r.space(ctx)
	if _, ok := space.byID[v.ID]; !ok || !v.Deleted {
		space.byID[v.ID] = v
	}
	space.idOf[identity(v.typeName(), v.Schema, v.References, v.Metadata, v.RuleSet)] = v.ID
	if v.ID >= space.nextID {
		space.nextID = v.ID + 1
	}
}

// drop removes a version from memory (a tombstone).
func (r *Registry) drop(subject string, version int) {
	subject = normalizeSubject(subject)
	vs := r.subjects[subject]
	var gone *Version
	for i, v := range vs {
		if v.Version == version {
			gone = v
			vs = append(vs[:i:i], vs[i+1:]...)
			break
		}
	}
	if gone == nil {
		return
	}
	if len(vs) == 0 {
		delete(r.subjects, subject)
	} else {
		r.subjects[subject] = vs
	}
	r.forgetID(contextOf(subject), gone)
}

// forgetID drops an id no version holds any more.
func (r *Registry) forgetID(ctx string, gone *Version) {
	space := r.space(ctx)
	for s, vs := range r.subjects {
		if contextOf(s) != ctx {
			continue
		}
		for _, v := range vs {
			if v.ID == gone.ID {
				space.byID[gone.ID] = v
				return
			}
		}
	}
	delete(space.byID, gone.ID)
	ident := identity(gone.typeName(), gone.Schema, gone.References, gone.Metadata, gone.RuleSet)
	if space.idOf[ident] == gone.ID {
		delete(space.idOf, ident)
	}
}

// Replay applies one record read back from the journal, as Confluent's
// KafkaStoreMessageHandler does; unknown key types are skipped.
func (r *Registry) Replay(key, value []byte) { r.ReplayAt(key, value, time.Time{}) }

// ReplayAt is Replay of a record with its Kafka timestamp (a version's ts).
func (r *Registry) ReplayAt(key, value []byte, ts time.Time) { r.ReplayGuarded(key, value, ts, nil) }

// ReplayGuarded is ReplayAt that first asks skip, under the registry's
// lock: a record this instance wrote (and applied) itself is skipped
// when the journal reads it back, and the writer holds the lock from
// before the write, so skip sees what the writer noted.
func (r *Registry) ReplayGuarded(key, value []byte, ts time.Time, skip func() bool) {
	var k struct {
		KeyType string  `json:"keytype"`
		Subject *string `json:"subject"`
		Version int     `json:"version"`
		Context string  `json:"context"`
	}
	if json.Unmarshal(key, &k) != nil {
		return
	}
	subject := ""
	if k.Subject != nil {
		subject = normalizeSubject(*k.Subject)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if skip != nil && skip() {
		return
	}
	switch k.KeyType {
	case "SCHEMA":
		if value == nil {
			r.drop(subject, k.Version)
			return
		}
		var v Version
		if json.Unmarshal(value, &v) != nil {
			return
		}
		if !ts.IsZero() {
			v.TS = ts.UnixMilli()
		}
		r.apply(&v)
	case "CONFIG":
		if value == nil {
			delete(r.configs, subject)
			return
		}
		var c Config
		if json.Unmarshal(value, &c) != nil {
			return
		}
		c.Subject = ""
		r.configs[subject] = &c
	case "MODE":
		if value == nil {
			delete(r.modes, subject)
			return
		}
		var m struct {
			Mode string `json:"mode"`
		}
		if json.Unmarshal(value, &m) != nil || !validMode(m.Mode) {
			return
		}
		r.modes[subject] = m.Mode
	case "DELETE_SUBJECT":
		var d struct {
			Subject string `json:"subject"`
			Version int    `json:"version"`
		}
		if value == nil || json.Unmarshal(value, &d) != nil {
			return
		}
		for _, v := range r.subjects[normalizeSubject(d.Subject)] {
			if v.Version <= d.Version {
				v.Deleted = true
			}
		}
	case "ASSOC":
		r.replayAssociationLocked(key, value, ts)
	case "CLEAR_SUBJECT":
		// Confluent clears deleted versions from its caches; a hard delete
		// already arrived here as tombstones.
	case "CONTEXT":
		switch {
		case k.Context == "" || k.Context == DefaultContext:
		case value == nil:
			delete(r.contexts, k.Context)
		default:
			r.contexts[k.Context] = true
		}
	}
}

// Filter selects versions by their deleted flag.
type Filter int

const (
	// Live versions only (the default).
	Live Filter = iota
	// WithDeleted includes soft-deleted versions (deleted=true).
	WithDeleted
	// DeletedOnly selects soft-deleted versions only (deletedOnly=true).
	DeletedOnly
)

func (f Filter) keep(v *Version) bool {
	switch f {
	case WithDeleted:
		return true
	case DeletedOnly:
		return v.Deleted
	}
	return !v.Deleted
}

// Lookup finds the version of a subject holding the schema.
func (r *Registry) Lookup(subject string, req RegisterRequest, normalize, deleted bool) (*Version, error) {
	subject = normalizeSubject(subject)
	r.mu.RLock()
	defer r.mu.RUnlock()
	f := Live
	if deleted {
		f = WithDeleted
	}
	if !r.hasSubjectLocked(subject, f) {
		return nil, errSubjectNotFound(subject)
	}
	typ := req.typeName()
	parsed, err := r.parseLocked(subject, typ, req.Schema, req.References)
	if err != nil {
		return nil, err
	}
	if !normalize {
		normalize = r.configInScopeLocked(subject).normalize()
	}
	texts := []string{parsed.Canonical()}
	if normalize {
		texts = append(texts, parsed.Normalized())
	}
	refs := req.References
	if len(refs) == 0 {
		refs = nil
	}
	var same []*Version // the versions holding the schema, oldest first
	for _, v := range r.subjects[subject] {
		if !f.keep(v) || v.typeName() != typ {
			continue
		}
		for _, t := range texts {
			candidate := t
			if normalize {
				if p, err := r.parseLocked(subject, v.typeName(), v.Schema, v.References); err == nil {
					if p.Normalized() == t {
						candidate = v.Schema
					}
				}
			}
			if v.Schema == candidate && refsEqual(v.References, refs) {
				same = append(same, v)
				break
			}
		}
	}
	// Then by metadata and rule set, as Confluent's lookUpSchemaUnderSubject:
	// the version with exactly the asked ones, else the newest one they
	// match but for confluent:version, else the same after taking the
	// latest version's and the config's as a registration would.
	md, rs := req.Metadata, req.RuleSet
	if !absentJSON(md) {
		md = canonicalMetadata(md)
	}
	if v := lookupByMetadata(same, md, rs); v != nil {
		return v, nil
	}
	if latest := r.latestLiveLocked(subject); latest != nil {
		next := RegisterRequest{Metadata: md, RuleSet: rs}
		if absentJSON(next.Metadata) {
			next.Metadata = latest.Metadata
		}
		if absentJSON(next.RuleSet) {
			next.RuleSet = latest.RuleSet
		}
		applyConfigMetadata(r.configInScopeLocked(subject), &next, 0, next.Version != 0)
		if !absentJSON(next.Metadata) {
			next.Metadata = canonicalMetadata(next.Metadata)
		}
		if compactJSON(next.Metadata) != compactJSON(md) || ruleSetIdentity(next.RuleSet) != ruleSetIdentity(rs) {
			if v := lookupByMetadata(same, next.Metadata, next.RuleSet); v != nil {
				return v, nil
			}
		}
	}
	return nil, errSchemaNotFound()
}

// latestLiveLocked is the subject's newest live version (nil: none).
func (r *Registry) latestLiveLocked(subject string) *Version {
	var latest *Version
	for _, v := range r.subjects[subject] {
		if !v.Deleted && (latest == nil || v.Version > latest.Version) {
			latest = v
		}
	}
	return latest
}

func refsEqual(a, b []Reference) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (r *Registry) hasSubjectLocked(subject string, f Filter) bool {
	for _, v := range r.subjects[subject] {
		if f.keep(v) {
			return true
		}
	}
	return false
}

// SchemaByID returns a version holding an id in the subject's context
// ("" = the default context).
// An unqualified subject not holding the id in the default context is
// looked for in the other contexts, as Confluent does.
func (r *Registry) SchemaByID(id int, subject string) (*Version, error) {
	subject = normalizeSubject(subject)
	r.mu.RLock()
	defer r.mu.RUnlock()
	q := parseSubject(subject)
	if q.Name != "" {
		for _, v := range r.subjects[subject] {
			if v.ID == id {
				return v, nil
			}
		}
		if q.Context == DefaultContext {
			for ctx := range r.contexts {
				for _, v := range r.subjects[qualified{Context: ctx, Name: q.Name}.String()] {
					if v.ID == id {
						return v, nil
					}
				}
			}
		}
	}
	v, ok := r.spaceOf(q.Context).byID[id]
	if !ok {
		return nil, errSchemaIDNotFound(id)
	}
	return v, nil
}

// MaxID is the highest id of the subject's context (fetchMaxId=true).
func (r *Registry) MaxID(subject string) int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.spaceOf(contextOf(normalizeSubject(subject))).nextID - 1
}

// SubjectVersion names one version of a subject.
type SubjectVersion struct {
	Subject string `json:"subject"`
	Version int    `json:"version"`
}

// IDVersions lists the subject versions holding an id in the subject's
// context; subject, when not only a context, keeps that subject only.
func (r *Registry) IDVersions(id int, subject string, deleted bool) ([]SubjectVersion, error) {
	q := parseSubject(subject)
	r.mu.RLock()
	defer r.mu.RUnlock()
	if _, ok := r.spaceOf(q.Context).byID[id]; !ok {
		return nil, errSchemaIDNotFound(id)
	}
	f := Live
	if deleted {
		f = WithDeleted
	}
	out := []SubjectVersion{}
	for _, s := range r.sortedSubjectsLocked() {
		if contextOf(s) != q.Context || (q.Name != "" && s != q.String()) {
			continue
		}
		for _, v := range r.subjects[s] {
			if v.ID == id && f.keep(v) {
				out = append(out, SubjectVersion{s, v.Version})
			}
		}
	}
	return out, nil
}

func (r *Registry) sortedSubjectsLocked() []string {
	out := make([]string, 0, len(r.subjects))
	for s := range r.subjects {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// Subjects lists the subjects with live versions, of every context.
func (r *Registry) Subjects() []string { return r.ListSubjects("", Live) }

// ListSubjects lists subjects having a version the filter keeps, whose
// name starts with prefix ("" or ":*:" = every context; ":.ctx:" = one).
func (r *Registry) ListSubjects(prefix string, f Filter) []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := []string{}
	for _, s := range r.sortedSubjectsLocked() {
		if !matchesPrefix(s, prefix) || !r.hasSubjectLocked(s, f) {
			continue
		}
		out = append(out, s)
	}
	return out
}

func matchesPrefix(subject, prefix string) bool {
	if prefix == "" || prefix == ":*:" {
		return true
	}
	if rest, ok := strings.CutPrefix(prefix, ":*:"); ok {
		return strings.HasPrefix(parseSubject(subject).Name, rest)
	}
	q := parseSubject(prefix)
	s := parseSubject(subject)
	return s.Context == q.Context && strings.HasPrefix(s.Name, q.Name)
}

// Versions lists a subject's live version numbers.
func (r *Registry) Versions(subject string) ([]int, error) { return r.ListVersions(subject, Live) }

// ListVersions lists the version numbers of a subject the filter keeps.
func (r *Registry) ListVersions(subject string, f Filter) ([]int, error) {
	subject = normalizeSubject(subject)
	r.mu.RLock()
	defer r.mu.RUnlock()
	probe := f
	if f == DeletedOnly {
		probe = WithDeleted
	}
	if !r.hasSubjectLocked(subject, probe) {
		return nil, errSubjectNotFound(subject)
	}
	out := []int{}
	for _, v := range r.subjects[subject] {
		if f.keep(v) {
			out = append(out, v.Version)
		}
	}
	return out, nil
}

// Get returns a version; -1 is the latest live one. deleted finds
// soft-deleted versions too.
func (r *Registry) Get(subject string, version int, deleted bool) (*Version, error) {
	subject = normalizeSubject(subject)
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.getLocked(subject, version, deleted)
}

func (r *Registry) getLocked(subject string, version int, deleted bool) (*Version, error) {
	f := Live
	if deleted {
		f = WithDeleted
	}
	vs := r.subjects[subject]
	if version == -1 {
		for i := len(vs) - 1; i >= 0; i-- {
			if !vs[i].Deleted {
				return vs[i], nil
			}
		}
	} else {
		for _, v := range vs {
			if v.Version == version && f.keep(v) {
				return v, nil
			}
		}
	}
	if !r.hasSubjectLocked(subject, f) {
		return nil, errSubjectNotFound(subject)
	}
	return nil, errVersionNotFound(version)
}

// ReferencedBy lists the ids of schemas whose references name a version.
func (r *Registry) ReferencedBy(subject string, version int, deleted bool) ([]int, error) {
	subject = normalizeSubject(subject)
	r.mu.RLock()
	defer r.mu.RUnlock()
	target, err := r.getLocked(subject, version, true)
	if err != nil {
		return nil, err
	}
	return r.referrersLocked(subject, target.Version, deleted, ""), nil
}

// referrersLocked lists the ids of versions referring to subject/version,
// ignoring those of the subject except.
func (r *Registry) referrersLocked(subject string, version int, deleted bool, except string) []int {
	seen := map[int]bool{}
	out := []int{}
	for _, s := range r.sortedSubjectsLocked() {
		if s == except {
			continue
		}
		for _, v := range r.subjects[s] {
			if v.Deleted && !deleted {
				continue
			}
			for _, ref := range v.References {
				if withParentContext(s, ref.Subject) != subject {
					continue
				}
				rv := ref.Version
				if rv == -1 {
					if latest, err := r.getLocked(subject, -1, false); err == nil {
						rv = latest.Version
					}
				}
				if rv == version && !seen[v.ID] {
					seen[v.ID] = true
					out = append(out, v.ID)
				}
			}
		}
	}
	sort.Ints(out)
	return out
}

// checkWritable refuses changes under a read-only mode, in Confluent's
// words (a global change names the subject "null").
func (r *Registry) checkWritable(subject string) error {
	if m := r.modeInScopeLocked(subject); m == ModeReadOnly || m == ModeReadOnlyOverride {
		name := subject
		if name == "" {
			name = "null"
		}
		return errNotPermitted(fmt.Sprintf("Subject %s in context %s is in read-only mode", name, qualifiedContext(contextOf(subject))))
	}
	return nil
}

// DeleteVersion deletes a version (-1 = the latest live one): softly
// first, permanently (a tombstone) once soft-deleted.
func (r *Registry) DeleteVersion(subject string, version int, permanent bool) (int, error) {
	subject = normalizeSubject(subject)
	r.mu.Lock()
	defer r.mu.Unlock()
	if version > 0 {
		if _, err := r.getLocked(subject, version, true); err == nil {
			if _, err := r.getLocked(subject, version, false); err != nil && !permanent {
				return 0, &Error{404, 40406, fmt.Sprintf("Subject '%s' Version %d was soft deleted.Set permanent=true to delete permanently", subject, version)}
			}
		}
	}
	v, err := r.getLocked(subject, version, true)
	if err != nil {
		return 0, err
	}
	if err := r.checkWritable(subject); err != nil {
		return 0, err
	}
	if !permanent && r.lastLiveOfAssociatedLocked(subject, v.Version) {
		return 0, &Error{500, 50001, "Error while deleting Schema Version"}
	}
	if refs := r.referrersLocked(subject, v.Version, permanent, ""); len(refs) > 0 {
		return 0, &Error{422, 42206, fmt.Sprintf("One or more references exist to the schema {magic=1,keytype=SCHEMA,subject=%s,version=%d}.", subject, v.Version)}
	}
	if !permanent {
		d := *v
		d.Deleted = true
		now := r.now()
		if err := r.persistAt(schemaKey(subject, v.Version), &d, now); err != nil {
			return 0, err
		}
		v.Deleted = true
		v.TS = now.UnixMilli()
		return v.Version, nil
	}
	if !v.Deleted {
		return 0, &Error{404, 40407, fmt.Sprintf("Subject '%s' Version %d was not deleted first before being permanently deleted", subject, v.Version)}
	}
	if err := r.persist(schemaKey(subject, v.Version), nil); err != nil {
		return 0, err
	}
	r.drop(subject, v.Version)
	if len(r.subjects[subject]) == 0 {
		if err := r.dropSubjectSettingsLocked(subject); err != nil {
			return 0, err
		}
	}
	return v.Version, nil
}

// dropSubjectSettingsLocked removes a subject's mode and config, as
// Confluent does once no version of it is left.
func (r *Registry) dropSubjectSettingsLocked(subject string) error {
	if _, ok := r.modes[subject]; ok {
		if err := r.persist(subjectKey("MODE", subject), nil); err != nil {
			return err
		}
		delete(r.modes, subject)
	}
	if _, ok := r.configs[subject]; ok {
		if err := r.persist(subjectKey("CONFIG", subject), nil); err != nil {
			return err
		}
		delete(r.configs, subject)
	}
	return nil
}

// DeleteSubject deletes every version of a subject and returns their
// numbers: softly (one DELETE_SUBJECT record), or permanently once
// soft-deleted (a tombstone per version).
func (r *Registry) DeleteSubject(subject string, permanent bool) ([]int, error) {
	subject = normalizeSubject(subject)
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.hasSubjectLocked(subject, WithDeleted) {
		return nil, errSubjectNotFound(subject)
	}
	if !permanent && !r.hasSubjectLocked(subject, Live) {
		return nil, &Error{404, 40404, fmt.Sprintf("Subject '%s' was soft deleted.Set permanent=true to delete permanently", subject)}
	}
	if err := r.checkWritable(subject); err != nil {
		return nil, err
	}
	if len(r.bySubjectLocked(subject, assocFilter{})) > 0 {
		return nil, errAssocForSubject(subject)
	}
	f := Live
	if permanent {
		f = WithDeleted
	}
	var versions []int
	for _, v := range r.subjects[subject] {
		if !f.keep(v) {
			continue
		}
		if refs := r.referrersLocked(subject, v.Version, permanent, subject); len(refs) > 0 {
			return nil, &Error{422, 42206, fmt.Sprintf("One or more references exist to the schema {magic=1,keytype=SCHEMA,subject=%s,version=%d}.", subject, v.Version)}
		}
		if permanent && !v.Deleted {
			return nil, &Error{404, 40405, fmt.Sprintf("Subject '%s' was not deleted first before being permanently deleted", subject)}
		}
		versions = append(versions, v.Version)
	}
	if !permanent {
		last := versions[len(versions)-1]
		val := struct {
			Subject string `json:"subject"`
			Version int    `json:"version"`
		}{subject, last}
		if err := r.persist(subjectKey("DELETE_SUBJECT", subject), val); err != nil {
			return nil, err
		}
		for _, v := range r.subjects[subject] {
			v.Deleted = true
		}
		return versions, nil
	}
	for i := len(versions) - 1; i >= 0; i-- {
		if err := r.persist(schemaKey(subject, versions[i]), nil); err != nil {
			return nil, err
		}
		r.drop(subject, versions[i])
	}
	if err := r.dropSubjectSettingsLocked(subject); err != nil {
		return nil, err
	}
	return versions, nil
}

// Contexts lists the default context and every context holding a subject.
func (r *Registry) Contexts() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := []string{DefaultContext}
	for c := range r.contexts {
		out = append(out, c)
	}
	sort.Strings(out[1:])
	return out
}

// Formatted is a version's text in a format of ?format= ("" = as stored).
func (r *Registry) Formatted(v *Version, format string) (string, error) {
	if format == "" || format == "default" {
		return v.Schema, nil
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	p, err := r.parseLocked(v.Subject, v.typeName(), v.Schema, v.References)
	if err != nil {
		return "", err
	}
	f, ok := p.(Formatter)
	if !ok {
		return v.Schema, nil
	}
	text, err := f.Formatted(format)
	if err != nil {
		return "", invalidSchema(err)
	}
	return text, nil
}

// DeleteContext removes an empty context (":.ctx:"), writing the CONTEXT
// tombstone; a context holding subjects is 42211.
func (r *Registry) DeleteContext(delimited string) error {
	ctx := contextOf(normalizeSubject(delimited))
	r.mu.Lock()
	defer r.mu.Unlock()
	for s := range r.subjects {
		if contextOf(s) == ctx {
			return &Error{422, 42211, fmt.Sprintf("The specified context '%s' is not empty.", normalizeSubject(delimited))}
		}
	}
	if err := r.persist(contextKey(ctx), nil); err != nil {
		return err
	}
	delete(r.contexts, ctx)
	return nil
}

// Check tests a schema against one version (-1 latest) or, with version
// 0, against the subject's live versions, under the subject's level.
func (r *Registry) Check(subject string, version int, req RegisterRequest, normalize bool) (bool, []string, error) {
	subject = normalizeSubject(subject)
	r.mu.RLock()
	defer r.mu.RUnlock()
	parsed, err := r.parseLocked(subject, req.typeName(), req.Schema, req.References)
	if err != nil {
		return false, nil, err
	}
	cfg := r.configInScopeLocked(subject)
	var against []*Version
	if version == 0 {
		for _, v := range r.subjects[subject] {
			if !v.Deleted {
				against = append(against, v)
			}
		}
	} else {
		v, err := r.getLocked(subject, version, false)
		if err != nil {
			return false, nil, err
		}
		against = []*Version{v}
	}
	prev, err := r.previousLocked(subject, against)
	if err != nil {
		return false, nil, err
	}
	probs := checkCompatibility(cfg.level(), req.typeName(), parsed, prev, cfg.validateFields())
	return len(probs) == 0, probs, nil
}

// previousLocked parses versions for a compatibility check.
func (r *Registry) previousLocked(subject string, vs []*Version) ([]previous, error) {
	out := make([]previous, 0, len(vs))
	for _, v := range vs {
		p, err := r.parseLocked(subject, v.typeName(), v.Schema, v.References)
		if err != nil {
			return nil, err
		}
		out = append(out, previous{version: v.Version, typ: v.typeName(), text: v.Schema, schema: p})
	}
	return out, nil
}
