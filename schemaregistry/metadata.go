package schemaregistry

import (
	"bytes"
	"encoding/json"
	"slices"
	"sort"
	"strconv"
)

// confluentVersion is the metadata property Confluent keeps equal to the
// version number once it is there (Metadata.CONFLUENT_VERSION).
const confluentVersion = "confluent:version"

// metadata is Confluent's Metadata entity, its JSON members in its order
// (empty ones left out).
type metadata struct {
	Tags       map[string][]string `json:"tags,omitempty"`
	Properties map[string]string   `json:"properties,omitempty"`
	Sensitive  []string            `json:"sensitive,omitempty"`
}

func parseMetadata(raw json.RawMessage) (*metadata, bool) {
	if absentJSON(raw) {
		return nil, true
	}
	var md metadata
	if json.Unmarshal(raw, &md) != nil {
		return nil, false
	}
	return &md, true
}

func (md *metadata) encode() json.RawMessage {
	set := func(vs []string) []string {
		sort.Strings(vs)
		return slices.Compact(vs)
	}
	for k, vs := range md.Tags {
		md.Tags[k] = set(vs)
	}
	md.Sensitive = set(md.Sensitive)
	out, _ := json.Marshal(md)
	return out
}

// canonicalMetadata writes a schema's metadata as Confluent's Metadata
// entity stores and answers it: tags, properties, sensitive in that order,
// keys sorted, tag values and sensitive names sorted without duplicates,
// empty and unknown members left out. Metadata of another shape is kept
// as given.
func canonicalMetadata(raw json.RawMessage) json.RawMessage {
	md, ok := parseMetadata(raw)
	if !ok || md == nil {
		return raw
	}
	return md.encode()
}

// mergeMetadata is Confluent's Metadata.mergeMetadata: newer's tags and
// properties replace older's key by key, the sensitive names are united.
func mergeMetadata(older, newer *metadata) *metadata {
	if older == nil {
		return newer
	}
	if newer == nil {
		return older
	}
	out := &metadata{Tags: map[string][]string{}, Properties: map[string]string{}}
	for _, m := range []*metadata{older, newer} {
		for k, v := range m.Tags {
			out.Tags[k] = v
		}
		for k, v := range m.Properties {
			out.Properties[k] = v
		}
		out.Sensitive = append(out.Sensitive, m.Sensitive...)
	}
	return out
}

// ruleSet is Confluent's RuleSet entity; rules are kept as written.
type ruleSet struct {
	MigrationRules []json.RawMessage `json:"migrationRules,omitempty"`
	DomainRules    []json.RawMessage `json:"domainRules,omitempty"`
	EncodingRules  []json.RawMessage `json:"encodingRules,omitempty"`
	EnableAt       json.RawMessage   `json:"enableAt,omitempty"`
}

func parseRuleSet(raw json.RawMessage) (*ruleSet, bool) {
	if absentJSON(raw) {
		return nil, true
	}
	var rs ruleSet
	if json.Unmarshal(raw, &rs) != nil {
		return nil, false
	}
	return &rs, true
}

// mergeRuleSets is Confluent's RuleSet.mergeRuleSets: per list, newer's
// rules after older's, an older rule of the same name dropped; newer's
// enableAt when it has one.
func mergeRuleSets(older, newer *ruleSet) *ruleSet {
	if older == nil {
		return newer
	}
	if newer == nil {
		return older
	}
	merge := func(o, n []json.RawMessage) []json.RawMessage {
		if len(o) == 0 {
			return n
		}
		if len(n) == 0 {
			return o
		}
		names := map[string]bool{}
		for _, r := range n {
			names[ruleName(r)] = true
		}
		var out []json.RawMessage
		for _, r := range o {
			if !names[ruleName(r)] {
				out = append(out, r)
			}
		}
		return append(out, n...)
	}
	out := &ruleSet{MigrationRules: merge(older.MigrationRules, newer.MigrationRules),
		DomainRules: merge(older.DomainRules, newer.DomainRules), EncodingRules: merge(older.EncodingRules, newer.EncodingRules),
		EnableAt: newer.EnableAt}
	if absentJSON(out.EnableAt) {
		out.EnableAt = older.EnableAt
	}
	return out
}

func ruleName(raw json.RawMessage) string {
	var r struct {
		Name string `json:"name"`
	}
	_ = json.Unmarshal(raw, &r)
	return r.Name
}

// applyConfigMetadata is Confluent's maybeSetMetadataRuleSet for a new
// registration outside IMPORT mode: the schema's metadata and rule set
// (already the previous version's when it gave none) between the scope's
// default and override ones, and confluent:version set to the new
// version when the request names a version or the metadata carries it
// (newVersion 0: a lookup, which sets none).
// Shapes it cannot read are kept as given.
func applyConfigMetadata(cfg *Config, req *RegisterRequest, newVersion int, versioned bool) {
	md, ok1 := parseMetadata(req.Metadata)
	def, ok2 := parseMetadata(cfg.DefaultMetadata)
	over, ok3 := parseMetadata(cfg.OverrideMetadata)
	if ok1 && ok2 && ok3 {
		merged := mergeMetadata(mergeMetadata(def, md), over)
		_, has := merged.propertiesOf()[confluentVersion]
		switch {
		case newVersion <= 0:
			// A lookup: no version to record.
		case merged != nil && (versioned || has):
			if merged.Properties == nil {
				merged.Properties = map[string]string{}
			}
			merged.Properties[confluentVersion] = strconv.Itoa(newVersion)
		case merged == nil && versioned:
			merged = &metadata{Properties: map[string]string{confluentVersion: strconv.Itoa(newVersion)}}
		}
		if merged != nil {
			req.Metadata = merged.encode()
		}
	}
	rs, ok1 := parseRuleSet(req.RuleSet)
	defRS, ok2 := parseRuleSet(cfg.DefaultRuleSet)
	overRS, ok3 := parseRuleSet(cfg.OverrideRuleSet)
	if ok1 && ok2 && ok3 && (defRS != nil || overRS != nil) {
		merged := mergeRuleSets(mergeRuleSets(defRS, rs), overRS)
		req.RuleSet, _ = json.Marshal(merged)
	}
}

func (md *metadata) propertiesOf() map[string]string {
	if md == nil {
		return nil
	}
	return md.Properties
}

// absentJSON is whether an optional JSON member was left out (or null).
func absentJSON(m json.RawMessage) bool {
	t := bytes.TrimSpace(m)
	return len(t) == 0 || string(t) == "null"
}

// withoutConfluentVersion is metadata without its confluent:version
// property, for finding a version however its number was recorded.
func withoutConfluentVersion(raw json.RawMessage) json.RawMessage {
	md, ok := parseMetadata(raw)
	if !ok || md == nil {
		return raw
	}
	if _, has := md.Properties[confluentVersion]; !has {
		return raw
	}
	delete(md.Properties, confluentVersion)
	return md.encode()
}

// lookupMetadata is metadata as Confluent's canLookupIgnoringVersion
// compares it: without confluent:version, none and empty alike.
func lookupMetadata(raw json.RawMessage) json.RawMessage {
	m := withoutConfluentVersion(raw)
	if compactJSON(m) == "{}" {
		return nil
	}
	return m
}

// confluentVersionOf is the confluent:version property of metadata ("":
// none).
func confluentVersionOf(raw json.RawMessage) string {
	md, ok := parseMetadata(raw)
	if !ok || md == nil {
		return ""
	}
	return md.Properties[confluentVersion]
}

// lookupByMetadata picks among versions of one schema (oldest first) the
// one a lookup with metadata md and rule set rs finds, as Confluent does:
// exactly equal ones first, else the newest equal but for a
// confluent:version one side lacks (a given confluent:version must then
// be the version's number).
func lookupByMetadata(same []*Version, md, rs json.RawMessage) *Version {
	for _, v := range same {
		if compactJSON(v.Metadata) == compactJSON(md) && ruleSetIdentity(v.RuleSet) == ruleSetIdentity(rs) {
			return v
		}
	}
	orEmpty := func(raw json.RawMessage) json.RawMessage {
		if absentJSON(raw) {
			return json.RawMessage(`{}`)
		}
		return raw
	}
	for i := len(same) - 1; i >= 0; i-- {
		v := same[i]
		if ruleSetIdentity(v.RuleSet) != ruleSetIdentity(rs) {
			continue
		}
		mine, theirs := confluentVersionOf(md), confluentVersionOf(v.Metadata)
		switch {
		case mine == "" && theirs != "":
			if compactJSON(orEmpty(md)) == compactJSON(withoutConfluentVersion(v.Metadata)) {
				return v
			}
		case mine != "" && theirs == "":
			if mine == strconv.Itoa(v.Version) && compactJSON(withoutConfluentVersion(md)) == compactJSON(orEmpty(v.Metadata)) {
				return v
			}
		}
	}
	return nil
}
