package schemaregistry

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/goconnect/goconnect/internal/avroschema"
	"github.com/goconnect/goconnect/internal/jsondoc"
	"github.com/goconnect/goconnect/schemaregistry/prototype"
)

// tagsKey is the schema attribute holding inline tags, in Avro records and
// fields and JSON Schema objects and properties alike.
const tagsKey = "confluent:tags"

// Entity types of a SchemaEntity (Confluent's EntityType symbols).
const (
	entityRecord = "sr_record"
	entityField  = "sr_field"
)

// SchemaEntity names a record or a field of a schema by a dotted path, as
// Confluent's SchemaEntity: for Avro "namespace.Record" / "namespace.Record.field",
// for JSON Schema "object.properties-path…" walked keyword by keyword.
type SchemaEntity struct {
	EntityPath string `json:"entityPath"`
	EntityType string `json:"entityType"`
}

// normalizedPath is the path without a leading ".": two entities are the
// same when their normalised paths and types are.
func (e SchemaEntity) normalizedPath() string { return strings.TrimPrefix(e.EntityPath, ".") }

// SchemaTags are tags of one entity (TagSchemaRequest's tagsToAdd and
// tagsToRemove items, and the schemaTags of a version read with findTags).
type SchemaTags struct {
	SchemaEntity SchemaEntity `json:"schemaEntity"`
	Tags         []string     `json:"tags"`
}

// TagSchemaRequest is the body of POST /subjects/{s}/versions/{v}/tags.
type TagSchemaRequest struct {
	NewVersion    *int            `json:"newVersion,omitempty"`
	TagsToAdd     []SchemaTags    `json:"tagsToAdd,omitempty"`
	TagsToRemove  []SchemaTags    `json:"tagsToRemove,omitempty"`
	Metadata      json.RawMessage `json:"metadata,omitempty"`
	RuleSet       json.RawMessage `json:"ruleSet,omitempty"`
	RulesToMerge  json.RawMessage `json:"rulesToMerge,omitempty"`
	RulesToRemove []string        `json:"rulesToRemove,omitempty"`
}

// entityTags is Confluent's schemaTagsListToMap: one entry per entity (by
// normalised path and type) in first-seen order, keeping the first
// entity's path as written, tags merged in order without repeats.
type entityTags struct {
	entity SchemaEntity
	tags   []string
}

func tagMap(list []SchemaTags) ([]entityTags, error) {
	var out []entityTags
	for _, st := range list {
		e := st.SchemaEntity
		if e.EntityType != entityRecord && e.EntityType != entityField {
			return nil, &Error{422, 42201, fmt.Sprintf("Invalid schema entity type %q: must be %s or %s", e.EntityType, entityRecord, entityField)}
		}
		i := slices.IndexFunc(out, func(x entityTags) bool {
			return x.entity.normalizedPath() == e.normalizedPath() && x.entity.EntityType == e.EntityType
		})
		if i < 0 {
			out = append(out, entityTags{entity: e})
			i = len(out) - 1
		}
		for _, t := range st.Tags {
			if !slices.Contains(out[i].tags, t) {
				out[i].tags = append(out[i].tags, t)
			}
		}
	}
	return out, nil
}

// javaSplit is Java's String.split on ".": trailing empty strings dropped.
func javaSplit(path string) []string {
	parts := strings.Split(path, ".")
	for len(parts) > 1 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	if len(parts) == 1 && parts[0] == "" {
		return parts
	}
	return parts
}

// illegalArgument is how Confluent answers a tag path it cannot resolve:
// the IllegalArgumentException wrapped in an InvalidSchemaException, whose
// message is the cause's toString.
func illegalArgument(msg string) *Error {
	return &Error{422, 42201, "java.lang.IllegalArgumentException: " + msg}
}

func noMatchingPath(e SchemaEntity) *Error {
	return illegalArgument(fmt.Sprintf("No matching path '%s' found in the schema", e.EntityPath))
}

// modifyTags is ParsedSchema.copy(tagsToAdd, tagsToRemove) on a schema's
// canonical text: each entity (those to add to first, then those only
// removed from) is found as the type finds it, tags added then removed,
// and an empty list removes the attribute. The text answered is the tree
// written back; the caller parses it as a new schema.
func modifyTags(typ, text string, add, remove []entityTags) (string, error) {
	if len(add) == 0 && len(remove) == 0 {
		return text, nil
	}
	var find func(doc any, e SchemaEntity) (*jsondoc.Object, error)
	switch typ {
	case "AVRO":
		find = findAvroEntity
	case "JSON":
		find = findJSONEntity
	case prototype.Type:
		return modifyProtoTags(text, add, remove)
	default:
		return "", &Error{422, 42201, fmt.Sprintf("Schema tags of %s schemas are not supported by goconnect's registry (AVRO, JSON and PROTOBUF are)", typ)}
	}
	doc, err := jsondoc.Parse([]byte(text))
	if err != nil {
		return "", invalidSchema(err)
	}
	entities := make([]SchemaEntity, 0, len(add)+len(remove))
	for _, a := range add {
		entities = append(entities, a.entity)
	}
	for _, r := range remove {
		if !slices.ContainsFunc(add, func(a entityTags) bool { return sameEntity(a.entity, r.entity) }) {
			entities = append(entities, r.entity)
		}
	}
	tagsOf := func(list []entityTags, e SchemaEntity) []string {
		for _, x := range list {
			if sameEntity(x.entity, e) {
				return x.tags
			}
		}
		return nil
	}
	for _, e := range entities {
		node, err := find(doc, e)
		if err != nil {
			return "", err
		}
		all := inlineTags(node)
		for _, t := range tagsOf(add, e) {
			if !slices.Contains(all, t) {
				all = append(all, t)
			}
		}
		all = slices.DeleteFunc(all, func(t string) bool { return slices.Contains(tagsOf(remove, e), t) })
		if len(all) == 0 {
			deleteMember(node, tagsKey)
			continue
		}
		list := make([]any, len(all))
		for i, t := range all {
			list[i] = t
		}
		node.Set(tagsKey, list)
	}
	return string(jsondoc.Append(nil, doc, false)), nil
}

func sameEntity(a, b SchemaEntity) bool {
	return a.normalizedPath() == b.normalizedPath() && a.EntityType == b.EntityType
}

// inlineTags reads a node's confluent:tags as Jackson's asText does.
func inlineTags(node *jsondoc.Object) []string {
	v, _ := node.Get(tagsKey)
	arr, _ := v.([]any)
	var out []string
	for _, t := range arr {
		var s string
		switch t := t.(type) {
		case string:
			s = t
		case jsondoc.Number:
			s = string(t)
		case bool:
			s = strconv.FormatBool(t)
		case nil:
			s = "null"
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func deleteMember(o *jsondoc.Object, k string) {
	if i := slices.Index(o.Keys, k); i >= 0 {
		o.Keys = slices.Delete(o.Keys, i, i+1)
		o.Values = slices.Delete(o.Values, i, i+1)
	}
}

// asText is Jackson's JsonNode.asText for a member value: a string's
// value, "" for containers.
func asText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case jsondoc.Number:
		return string(v)
	case bool:
		return strconv.FormatBool(v)
	case nil:
		return "null"
	}
	return ""
}

// findAvroEntity is Confluent's AvroSchemaUtils.findMatchingEntity: a
// breadth-first walk of the schema text for the record named by the path
// (namespace compared with the root's "namespace" only, as Confluent
// does), then its field.
func findAvroEntity(doc any, e SchemaEntity) (*jsondoc.Object, error) {
	ids := javaSplit(e.EntityPath)
	var ns, record, field string
	if e.EntityType == entityRecord {
		ns, record = strings.Join(ids[:len(ids)-1], "."), ids[len(ids)-1]
	} else {
		if len(ids) < 2 {
			// Arrays.copyOfRange(ids, 0, -1).
			return nil, illegalArgument(fmt.Sprintf("0 > %d", len(ids)-2))
		}
		ns, record, field = strings.Join(ids[:len(ids)-2], "."), ids[len(ids)-2], ids[len(ids)-1]
	}
	rootNS, hasNS := "", false
	if root, ok := doc.(*jsondoc.Object); ok {
		if v, ok := root.Get("namespace"); ok && v != nil {
			rootNS, hasNS = asText(v), true
		}
	}
	queue := []any{doc}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		obj, isObj := cur.(*jsondoc.Object)
		t, hasType := obj.Get("type")
		if !isObj || !hasType {
			// A union (or any node without "type"): its elements.
			switch c := cur.(type) {
			case []any:
				queue = append(queue, c...)
			case *jsondoc.Object:
				queue = append(queue, c.Values...)
			}
			continue
		}
		switch asText(t) {
		case "record":
			name, _ := obj.Get("name")
			if (ns == "" || (hasNS && ns == rootNS)) && record == asText(name) {
				if e.EntityType == entityRecord {
					return obj, nil
				}
				fields, _ := obj.Get("fields")
				for _, f := range asArray(fields) {
					fo, _ := f.(*jsondoc.Object)
					if n, _ := fo.Get("name"); fo != nil && asText(n) == field {
						return fo, nil
					}
				}
			} else {
				fields, _ := obj.Get("fields")
				queue = append(queue, asArray(fields)...)
			}
		case "array":
			items, _ := obj.Get("items")
			queue = append(queue, items)
		case "map":
			values, _ := obj.Get("values")
			queue = append(queue, values)
		default:
			queue = append(queue, t)
		}
	}
	return nil, noMatchingPath(e)
}

func asArray(v any) []any {
	a, _ := v.([]any)
	return a
}

// findJSONEntity is Confluent's JsonSchemaUtils.findMatchingEntity: the
// path names keywords from the root: "object" then property names (or
// "definitions"/"$defs" and a definition name; a name holding dots is
// matched by joining words), "array" for items, "not", and the
// compositions "anyof"/"allof"/"oneof" with a branch index.
func findJSONEntity(doc any, e SchemaEntity) (*jsondoc.Object, error) {
	ids := javaSplit(e.EntityPath)
	node, err := findJSONNode(doc, e.EntityType, &ids)
	if err != nil {
		return nil, err
	}
	obj, ok := node.(*jsondoc.Object)
	if !ok {
		return nil, noMatchingPath(e)
	}
	return obj, nil
}

func poll(ids *[]string) (string, bool) {
	if len(*ids) == 0 {
		return "", false
	}
	w := (*ids)[0]
	*ids = (*ids)[1:]
	return w, true
}

func member(v any, k string) any {
	o, _ := v.(*jsondoc.Object)
	m, _ := o.Get(k)
	return m
}

// nameBuilder is findNodeFromNameBuilder: the member of node named by
// the next words, joined with "." until a member has that name.
func nameBuilder(node any, ids *[]string) any {
	o, ok := node.(*jsondoc.Object)
	if !ok || len(*ids) == 0 {
		return nil
	}
	w, _ := poll(ids)
	name := w
	for {
		if _, has := o.Get(name); has || len(*ids) == 0 {
			break
		}
		w, _ = poll(ids)
		name += "." + w
	}
	v, _ := o.Get(name)
	return v
}

func findJSONNode(node any, typ string, ids *[]string) (any, error) {
	kw, ok := poll(ids)
	if !ok || node == nil {
		return nil, nil
	}
	switch kw {
	case "object":
		if typ == entityRecord && len(*ids) == 0 {
			return node, nil
		}
		if len(*ids) == 0 {
			return nil, nil
		}
		var res any
		switch (*ids)[0] {
		case "definitions", "$defs":
			w, _ := poll(ids)
			res = nameBuilder(member(node, w), ids)
		default:
			res = nameBuilder(member(node, "properties"), ids)
		}
		if res == nil || len(*ids) == 0 {
			return res, nil
		}
		return findJSONNode(res, typ, ids)
	case "array":
		return findJSONNode(member(node, "items"), typ, ids)
	case "anyof", "allof", "oneof":
		key := map[string]string{"anyof": "anyOf", "allof": "allOf", "oneof": "oneOf"}[kw]
		if branches, has := node.(*jsondoc.Object).Get(key); has {
			return jsonBranch(asArray(branches), typ, ids)
		}
		if kw == "oneof" {
			return nil, nil
		}
		poll(ids)
		if kw == "allof" && len(*ids) > 0 && (*ids)[0] == "conditional" {
			poll(ids)
			w, _ := poll(ids)
			return findJSONNode(member(node, w), typ, ids)
		}
		return findJSONNode(node, typ, ids)
	case "not":
		return findJSONNode(member(node, "not"), typ, ids)
	}
	return nil, nil
}

// jsonBranch picks a composition's branch by index. Confluent indexes the
// branches sorted by its JsonSchemaComparator; goconnect orders them by
// that comparator's first keys and refuses branches tied on them.
func jsonBranch(branches []any, typ string, ids *[]string) (any, error) {
	w, ok := poll(ids)
	if !ok {
		return nil, nil
	}
	i, err := strconv.Atoi(w)
	if err != nil {
		return nil, illegalArgument(fmt.Sprintf("For input string: \"%s\"", w))
	}
	if len(branches) > 1 {
		var ok bool
		if branches, ok = sortBranches(branches); !ok {
			return nil, &Error{422, 42201, "Schema tags inside anyOf/allOf/oneOf whose branches goconnect cannot order as Confluent's JsonSchemaComparator (same kind, title and description) are not supported by goconnect's registry"}
		}
	}
	if i < 0 || i >= len(branches) {
		return nil, illegalArgument(fmt.Sprintf("Index %d out of bounds for length %d", i, len(branches)))
	}
	return findJSONNode(branches[i], typ, ids)
}

// avroTaggedEntities is AvroSchema.inlineTaggedEntities: records (each
// once, by full name) and their fields with inline tags, depth first.
func avroTaggedEntities(s *avroschema.Schema) []SchemaTags {
	var out []SchemaTags
	seen := map[string]bool{}
	var walk func(*avroschema.Schema)
	walk = func(t *avroschema.Schema) {
		if t == nil {
			return
		}
		switch t.Kind {
		case avroschema.Union:
			for _, b := range t.Branches {
				walk(b)
			}
		case avroschema.Array:
			walk(t.Items)
		case avroschema.Map:
			walk(t.Values)
		case avroschema.Record:
			full := t.FullName()
			if seen[full] {
				return
			}
			seen[full] = true
			if tags := propTags(t.Props); len(tags) > 0 {
				out = append(out, SchemaTags{SchemaEntity{full, entityRecord}, tags})
			}
			for _, f := range t.Fields {
				if tags := propTags(f.Props); len(tags) > 0 {
					out = append(out, SchemaTags{SchemaEntity{full + "." + f.Name, entityField}, tags})
				}
				walk(f.Type)
			}
		}
	}
	walk(s)
	return out
}

// propTags reads confluent:tags from Avro props (a JSON list; each
// element as Java's toString writes it).
func propTags(props []avroschema.Prop) []string {
	for _, p := range props {
		if p.Key != tagsKey {
			continue
		}
		var list []any
		if json.Unmarshal(p.Value, &list) != nil {
			return nil
		}
		var out []string
		for _, e := range list {
			s := fmt.Sprint(e)
			if str, ok := e.(string); ok {
				s = str
			}
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// ModifySchemaTags is POST /subjects/{s}/versions/{v}/tags (Confluent's
// modifySchemaTags): a new version of the subject holding the given
// version's schema with tags added and removed, the request's metadata
// (else the version's) with confluent:version set to newVersion, and the
// request's rule set, or the rule set of version newVersion-1 (the latest
// without newVersion) with rulesToMerge merged in and rulesToRemove
// taken out. The answer is as a registration's: the version and whether
// it is the stored one found again.
func (r *Registry) ModifySchemaTags(subject string, version int, req TagSchemaRequest) (*Version, bool, error) {
	if err := validSubject(subject, false); err != nil {
		return nil, false, err
	}
	subject = normalizeSubject(subject)
	reg, err := r.tagRequest(subject, version, req)
	if err != nil {
		return nil, false, err
	}
	return r.registerSchema(subject, reg, false)
}

func (r *Registry) tagRequest(subject string, version int, req TagSchemaRequest) (RegisterRequest, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	v, err := r.getLocked(subject, version, false)
	if err != nil {
		return RegisterRequest{}, err
	}
	if (!absentJSON(req.RulesToMerge) || req.RulesToRemove != nil) && !absentJSON(req.RuleSet) {
		return RegisterRequest{}, &Error{422, 42210, "ruleSet should be omitted if specifying rulesToMerge or rulesToRemove"}
	}
	add, err := tagMap(req.TagsToAdd)
	if err != nil {
		return RegisterRequest{}, err
	}
	remove, err := tagMap(req.TagsToRemove)
	if err != nil {
		return RegisterRequest{}, err
	}
	text, err := modifyTags(v.typeName(), v.Schema, add, remove)
	if err != nil {
		return RegisterRequest{}, err
	}
	newVersion := 0
	if req.NewVersion != nil {
		newVersion = *req.NewVersion
	}
	md := req.Metadata
	if absentJSON(md) {
		md = v.Metadata
	}
	parsedMD, ok := parseMetadata(md)
	if !ok {
		return RegisterRequest{}, &Error{422, 42201, "Invalid metadata"}
	}
	if parsedMD == nil {
		parsedMD = &metadata{}
	}
	if parsedMD.Properties == nil {
		parsedMD.Properties = map[string]string{}
	}
	parsedMD.Properties[confluentVersion] = strconv.Itoa(newVersion)
	rs, err := r.taggedRuleSetLocked(subject, newVersion, req)
	if err != nil {
		return RegisterRequest{}, err
	}
	return RegisterRequest{Schema: text, SchemaType: v.SchemaType, References: v.References,
		Metadata: parsedMD.encode(), RuleSet: rs, Version: newVersion, noEarly: true}, nil
}

// taggedRuleSetLocked is Confluent's maybeModifyPreviousRuleSet.
func (r *Registry) taggedRuleSetLocked(subject string, newVersion int, req TagSchemaRequest) (json.RawMessage, error) {
	if absentJSON(req.RulesToMerge) && req.RulesToRemove == nil {
		return req.RuleSet, nil
	}
	old := -1
	if newVersion != 0 {
		old = newVersion - 1
	}
	var rs *ruleSet
	if v, err := r.getLocked(subject, old, false); err == nil {
		var ok bool
		if rs, ok = parseRuleSet(v.RuleSet); !ok {
			rs = nil
		}
	}
	if !absentJSON(req.RulesToMerge) {
		merge, ok := parseRuleSet(req.RulesToMerge)
		if !ok {
			return nil, &Error{422, 42210, "Invalid rulesToMerge"}
		}
		rs = mergeRuleSets(rs, merge)
	}
	if rs != nil && req.RulesToRemove != nil {
		drop := func(rules []json.RawMessage) []json.RawMessage {
			if rules == nil {
				return nil
			}
			out := []json.RawMessage{}
			for _, rule := range rules {
				if !slices.Contains(req.RulesToRemove, ruleName(rule)) {
					out = append(out, rule)
				}
			}
			return out
		}
		rs = &ruleSet{MigrationRules: drop(rs.MigrationRules), DomainRules: drop(rs.DomainRules),
			EncodingRules: drop(rs.EncodingRules), EnableAt: rs.EnableAt}
	}
	if rs == nil {
		return nil, nil
	}
	return json.Marshal(rs)
}

// SchemaTagsOf is Confluent's extractSchemaTags for ?findTags=: the
// schema's inline tagged entities having one of the tags ("*": all).
// AVRO, JSON and PROTOBUF schemas are read.
func (r *Registry) SchemaTagsOf(v *Version, find []string) ([]SchemaTags, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	parsed, err := r.parseLocked(v.Subject, v.typeName(), v.Schema, v.References)
	if err != nil {
		return nil, err
	}
	all, err := taggedEntities(parsed, v.typeName(), v.Schema, "findTags on")
	if err != nil {
		return nil, err
	}
	wild := slices.Contains(find, "*")
	var out []SchemaTags
	for _, st := range all {
		if wild || slices.ContainsFunc(st.Tags, func(t string) bool { return slices.Contains(find, t) }) {
			out = append(out, st)
		}
	}
	return out, nil
}

// taggedEntities is ParsedSchema.inlineTaggedEntities for the types
// goconnect reads tags of (what names the operation refused otherwise).
func taggedEntities(parsed ParsedSchema, typ, text, what string) ([]SchemaTags, error) {
	switch p := parsed.(type) {
	case *avroSchema:
		return avroTaggedEntities(p.tree), nil
	case jsonSchema:
		return jsonTaggedEntities(text)
	case protobufSchema:
		return protoTaggedEntities(p.s.File()), nil
	}
	if strings.Contains(text, "tags") {
		return nil, &Error{422, 42201, fmt.Sprintf("%s %s schemas is not supported by goconnect's registry (AVRO, JSON and PROTOBUF are)", what, typ)}
	}
	return nil, nil
}
