package schemaregistry

import (
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"sort"
	"strings"
)

// guidOf is a schema's GUID as Confluent 8 derives it (Schema.getGuid,
// MD5.ofSchema): the MD5 of the schema text, then each reference's name,
// subject and 4-byte big-endian version, then a 1 byte and the metadata
// (tags, properties, sensitive; sorted) when there is metadata, then a 1
// byte and the rule set when there is one, read as a UUID. One content
// has one GUID in every subject and context; Confluent does not write it
// to `_schemas` (only with encrypted metadata, as "md5").
func guidOf(schema string, refs []Reference, metadata, ruleSet json.RawMessage) string {
	h := md5.New()
	h.Write([]byte(schema))
	for _, r := range refs {
		h.Write([]byte(r.Name))
		h.Write([]byte(r.Subject))
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(int32(r.Version)))
		h.Write(n[:])
	}
	if !absentJSON(metadata) {
		h.Write([]byte{1})
		hashMetadata(h, metadata)
	}
	if !absentJSON(ruleSet) {
		h.Write([]byte{1})
		hashRuleSet(h, ruleSet)
	}
	s := h.Sum(nil)
	return fmt.Sprintf("%x-%x-%x-%x-%x", s[0:4], s[4:6], s[6:8], s[8:10], s[10:16])
}

// sortedSet is a Java TreeSet of strings: sorted, without duplicates.
func sortedSet(in []string) []string {
	out := append([]string(nil), in...)
	sort.Strings(out)
	n := 0
	for i, s := range out {
		if i == 0 || s != out[n-1] {
			out[n] = s
			n++
		}
	}
	return out[:n]
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// hashMetadata is Confluent's Metadata.updateHash (its maps and sets are
// sorted on construction).
func hashMetadata(h hash.Hash, raw json.RawMessage) {
	var md struct {
		Tags       map[string][]string `json:"tags"`
		Properties map[string]string   `json:"properties"`
		Sensitive  []string            `json:"sensitive"`
	}
	_ = json.Unmarshal(raw, &md)
	for _, k := range sortedKeys(md.Tags) {
		h.Write([]byte(k))
		for _, v := range sortedSet(md.Tags[k]) {
			h.Write([]byte(v))
		}
	}
	for _, k := range sortedKeys(md.Properties) {
		h.Write([]byte(k))
		h.Write([]byte(md.Properties[k]))
	}
	for _, s := range sortedSet(md.Sensitive) {
		h.Write([]byte(s))
	}
}

// guidRule is the part of Confluent's Rule its updateHash reads.
type guidRule struct {
	Name      string            `json:"name"`
	Doc       string            `json:"doc"`
	Kind      string            `json:"kind"`
	Mode      string            `json:"mode"`
	Type      string            `json:"type"`
	Tags      []string          `json:"tags"`
	Params    map[string]string `json:"params"`
	Expr      string            `json:"expr"`
	OnSuccess string            `json:"onSuccess"`
	OnFailure string            `json:"onFailure"`
	Disabled  bool              `json:"disabled"`
}

// hashRuleSet is Confluent's RuleSet.updateHash: migration, domain and
// encoding rules in order, then enableAt; a rule without kind or mode has
// Confluent's defaults (TRANSFORM, WRITEREAD). An empty string hashes as
// nothing, as Java's null does.
func hashRuleSet(h hash.Hash, raw json.RawMessage) {
	var rs struct {
		MigrationRules []guidRule `json:"migrationRules"`
		DomainRules    []guidRule `json:"domainRules"`
		EncodingRules  []guidRule `json:"encodingRules"`
		EnableAt       string     `json:"enableAt"`
	}
	_ = json.Unmarshal(raw, &rs)
	for _, list := range [][]guidRule{rs.MigrationRules, rs.DomainRules, rs.EncodingRules} {
		for _, r := range list {
			if r.Kind == "" {
				r.Kind = "TRANSFORM"
			}
			if r.Mode == "" {
				r.Mode = "WRITEREAD"
			}
			for _, s := range []string{r.Name, r.Doc, r.Kind, r.Mode, r.Type} {
				h.Write([]byte(s))
			}
			for _, t := range sortedSet(r.Tags) {
				h.Write([]byte(t))
			}
			for _, k := range sortedKeys(r.Params) {
				h.Write([]byte(k))
				h.Write([]byte(r.Params[k]))
			}
			for _, s := range []string{r.Expr, r.OnSuccess, r.OnFailure} {
				h.Write([]byte(s))
			}
			if r.Disabled {
				h.Write([]byte{1})
			}
		}
	}
	h.Write([]byte(rs.EnableAt))
}

// guid is the version's GUID.
func (v *Version) guid() string { return guidOf(v.Schema, v.References, v.Metadata, v.RuleSet) }

// ContextID is an id in a context (Confluent's ContextId), "." being
// the default context.
type ContextID struct {
	Context string `json:"context"`
	ID      int    `json:"id"`
}

// GUIDIDs lists the ids a GUID has, one per context holding it (the
// lowest when several), sorted by context then id as Confluent sorts
// them; nil when no schema has it.
func (r *Registry) GUIDIDs(guid string) []ContextID {
	guid, ok := canonicalGUID(guid)
	if !ok {
		return nil
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []ContextID
	ctxs := []string{DefaultContext}
	for c := range r.contexts {
		ctxs = append(ctxs, c)
	}
	for _, ctx := range ctxs {
		best := 0
		for id, v := range r.spaceOf(ctx).byID {
			if (best == 0 || id < best) && v.guid() == guid {
				best = id
			}
		}
		if best > 0 {
			out = append(out, ContextID{Context: ctx, ID: best})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Context != out[j].Context {
			return out[i].Context < out[j].Context
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// SchemaByGUID is the schema of a GUID, looked for in the default
// context first, then in the others (Confluent's getIdUsingContexts);
// 40403 "Schema <guid> not found" when none has it.
func (r *Registry) SchemaByGUID(guid string) (*Version, error) {
	ids := r.GUIDIDs(guid)
	if len(ids) == 0 {
		return nil, &Error{404, 40403, "Schema " + guid + " not found"}
	}
	// "." sorts before every ":.ctx" name, so the default context is first.
	at := ids[0]
	subject := ""
	if at.Context != DefaultContext {
		subject = qualified{Context: at.Context}.String()
	}
	return r.SchemaByID(at.ID, subject)
}

// canonicalGUID reads a GUID as Confluent's MD5.fromString does: a UUID
// (any case) or the 32 hex digits of the MD5; it answers the lower-case
// UUID form.
func canonicalGUID(s string) (string, bool) {
	hexDigits := strings.ReplaceAll(s, "-", "")
	if len(s) == 36 && (s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-') || len(s) != 36 && len(s) != 32 {
		return "", false
	}
	b, err := hex.DecodeString(hexDigits)
	if err != nil || len(b) != 16 {
		return "", false
	}
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), true
}
