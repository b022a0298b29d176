package schemaregistry

import (
	"fmt"
	"slices"
	"strings"

	"github.com/goconnect/goconnect/internal/jsondoc"
)

// jsonTaggedEntities is JsonSchema.inlineTaggedEntities on the schema
// text: the paths Confluent builds while walking its parsed (everit)
// schema, "object" then property names, "array" for items, "not",
// "conditional.if|then|else", "definitions.<name>", and records tagged
// only where they are not a property's own schema. Properties are taken in
// document order.
//
// Confluent numbers composition branches in the order of its
// JsonSchemaComparator (see sortBranches), and reads a node holding several kinds of schema
// (say "type":"object" with "allOf") as an allOf of them; goconnect has
// neither, so tags beneath such a node (or beneath a composition whose branches
// it cannot order) are refused rather than answered under a wrong path. Tags in
// "$defs" are refused too: Confluent reads them only for drafts whose
// loader builds them, which goconnect does not tell apart.
func jsonTaggedEntities(text string) ([]SchemaTags, error) {
	doc, err := jsondoc.Parse([]byte(text))
	if err != nil {
		return nil, invalidSchema(err)
	}
	w := &jsonTagWalk{visited: map[string]bool{}}
	if err := w.walk(doc, "", false); err != nil {
		return nil, err
	}
	return w.out, nil
}

type jsonTagWalk struct {
	out     []SchemaTags
	visited map[string]bool
}

func (w *jsonTagWalk) put(path, typ string, tags []string) {
	e := SchemaEntity{path, typ}
	if i := slices.IndexFunc(w.out, func(x SchemaTags) bool { return x.SchemaEntity == e }); i >= 0 {
		w.out[i].Tags = tags
		return
	}
	w.out = append(w.out, SchemaTags{e, tags})
}

// jsonKinds names the kinds of schema a node is loaded as (everit's
// loader: one per applicable keyword group).
func jsonKinds(o *jsondoc.Object) []string {
	var kinds []string
	types := []string{}
	switch t, _ := o.Get("type"); t := t.(type) {
	case string:
		types = append(types, t)
	case []any:
		if len(t) > 1 {
			kinds = append(kinds, "multitype")
		} else if len(t) == 1 {
			types = append(types, asText(t[0]))
		}
	}
	has := func(keys ...string) bool {
		return slices.ContainsFunc(keys, func(k string) bool { _, ok := o.Get(k); return ok })
	}
	objectKw := has("properties", "patternProperties", "required", "minProperties", "maxProperties",
		"dependencies", "additionalProperties", "propertyNames")
	arrayKw := has("items", "additionalItems", "minItems", "maxItems", "uniqueItems", "contains")
	for _, t := range types {
		if t != "object" && t != "array" {
			kinds = append(kinds, t)
		}
	}
	// Keywords make an object or array schema only without "type" (a
	// "type" list consumes them in its branches).
	_, hasType := o.Get("type")
	if slices.Contains(types, "object") || (!hasType && objectKw) {
		kinds = append(kinds, "object")
	}
	if slices.Contains(types, "array") || (!hasType && arrayKw) {
		kinds = append(kinds, "array")
	}
	for _, k := range []string{"anyOf", "oneOf", "allOf", "not", "if", "enum", "const"} {
		if has(k) {
			kinds = append(kinds, k)
		}
	}
	return kinds
}

// hasTagsBelow tells whether any member beneath v holds confluent:tags.
func hasTagsBelow(v any) bool {
	switch v := v.(type) {
	case *jsondoc.Object:
		for i, k := range v.Keys {
			if k == tagsKey || hasTagsBelow(v.Values[i]) {
				return true
			}
		}
	case []any:
		return slices.ContainsFunc(v, hasTagsBelow)
	}
	return false
}

// below is a node's content apart from its own tags.
func below(o *jsondoc.Object) []any {
	var out []any
	for i, k := range o.Keys {
		if k != tagsKey {
			out = append(out, o.Values[i])
		}
	}
	return out
}

func (w *jsonTagWalk) walk(node any, scope string, inField bool) error {
	o, ok := node.(*jsondoc.Object)
	if !ok {
		return nil
	}
	kinds := jsonKinds(o)
	if _, ref := o.Get("$ref"); ref || len(kinds) == 0 {
		// A reference (not followed, as Confluent's walk) or an empty schema.
		return nil
	}
	if len(kinds) > 1 {
		if hasTagsBelow(below(o)) {
			return &Error{422, 42201, fmt.Sprintf("Schema tags beneath %q, a schema combining %v, are not supported by goconnect's registry", scope, kinds)}
		}
		return nil
	}
	switch kinds[0] {
	case "anyOf", "oneOf", "allOf":
		branches := asArray(member(o, kinds[0]))
		if len(branches) > 1 && hasTagsBelow(branches) {
			var ok bool
			if branches, ok = sortBranches(branches); !ok {
				return &Error{422, 42201, fmt.Sprintf("Schema tags inside %q's %s whose branches goconnect cannot order as Confluent's JsonSchemaComparator (same kind, title and description) are not supported by goconnect's registry", scope, kinds[0])}
			}
		}
		for i, b := range branches {
			if err := w.walk(b, fmt.Sprintf("%s%s.%d.", scope, map[string]string{"anyOf": "anyof", "oneOf": "oneof", "allOf": "allof"}[kinds[0]], i), false); err != nil {
				return err
			}
		}
	case "array":
		// Tuple items (an array of schemas) are not a single items schema.
		if items, _ := o.Get("items"); items != nil {
			if _, tuple := items.([]any); tuple {
				if hasTagsBelow(items) {
					return &Error{422, 42201, fmt.Sprintf("Schema tags inside %q's tuple items are not supported by goconnect's registry", scope)}
				}
				return nil
			}
			return w.walk(items, scope+"array.", false)
		}
	case "multitype":
		// everit's anyOf of one schema per type, built bare (no title, no
		// unprocessed members: no record tags, no definitions), ordered by
		// JsonSchemaComparator: by kind, ties (integer, number) kept in
		// order, as its stable sort leaves them.
		types := asArray(member(o, "type"))
		class := func(t any) int {
			c := map[string]string{"object": "OBJECT", "array": "ARRAY", "string": "STRING", "integer": "NUMBER",
				"number": "NUMBER", "boolean": "BOOLEAN", "null": "NULL"}[asText(t)]
			return slices.Index(jsonClassOrder, c)
		}
		sorted := slices.Clone(types)
		slices.SortStableFunc(sorted, func(a, b any) int { return class(a) - class(b) })
		for i, t := range sorted {
			branch := fmt.Sprintf("%sanyof.%d.", scope, i)
			switch asText(t) {
			case "object":
				if err := w.object(o, branch, false, true); err != nil {
					return err
				}
			case "array":
				if items, ok := o.Get("items"); ok {
					if _, tuple := items.([]any); tuple {
						if hasTagsBelow(items) {
							return &Error{422, 42201, fmt.Sprintf("Schema tags inside %q's tuple items are not supported by goconnect's registry", scope)}
						}
						continue
					}
					if err := w.walk(items, branch+"array.", false); err != nil {
						return err
					}
				}
			}
		}
	case "object":
		return w.object(o, scope, inField, false)
	case "if":
		for _, k := range []string{"if", "then", "else"} {
			if v, ok := o.Get(k); ok {
				if err := w.walk(v, scope+"conditional."+k+".", false); err != nil {
					return err
				}
			}
		}
	case "not":
		return w.walk(member(o, "not"), scope+"not.", false)
	}
	return nil
}

// Confluent's JsonSchemaComparator.SchemaType order (alphabetical).
var jsonClassOrder = []string{"ARRAY", "BOOLEAN", "COMBINED", "CONDITIONAL", "CONST", "EMPTY", "ENUM",
	"FALSE", "NOT", "NULL", "NUMBER", "OBJECT", "REFERENCE", "STRING", "TRUE"}

// jsonClass is the everit class a branch loads as, "" when goconnect
// cannot tell (keywords it does not classify).
func jsonClass(v any) string {
	switch v := v.(type) {
	case bool:
		if v {
			return "TRUE"
		}
		return "FALSE"
	case *jsondoc.Object:
		if _, ref := v.Get("$ref"); ref {
			return "REFERENCE"
		}
		kinds := jsonKinds(v)
		if len(kinds) > 1 {
			return "COMBINED"
		}
		if len(kinds) == 0 {
			for _, k := range v.Keys {
				switch k {
				case "title", "description", "default", "$comment", "examples", "$id", "$schema", tagsKey:
				default:
					return ""
				}
			}
			return "EMPTY"
		}
		return map[string]string{"multitype": "COMBINED", "anyOf": "COMBINED", "oneOf": "COMBINED", "allOf": "COMBINED",
			"object": "OBJECT", "array": "ARRAY", "string": "STRING", "number": "NUMBER", "integer": "NUMBER",
			"boolean": "BOOLEAN", "null": "NULL", "enum": "ENUM", "const": "CONST", "not": "NOT", "if": "CONDITIONAL"}[kinds[0]]
	}
	return ""
}

// sortBranches orders composition branches as JsonSchemaComparator does
// by its first keys: kind, then title and description (absent first). It
// reports false when two branches tie on them (Confluent would go on
// comparing their contents) or a branch's kind is unknown.
func sortBranches(branches []any) ([]any, bool) {
	type key struct {
		class          int
		title, descr   string
		hasT, hasDescr bool
		v              any
	}
	keys := make([]key, len(branches))
	for i, b := range branches {
		c := slices.Index(jsonClassOrder, jsonClass(b))
		if c < 0 {
			return nil, false
		}
		k := key{class: c, v: b}
		if o, ok := b.(*jsondoc.Object); ok {
			t, hasT := o.Get("title")
			d, hasD := o.Get("description")
			k.title, k.hasT = asText(t), hasT && t != nil
			k.descr, k.hasDescr = asText(d), hasD && d != nil
		}
		keys[i] = k
	}
	cmpOpt := func(a, b string, ha, hb bool) int {
		switch {
		case ha == hb && !ha:
			return 0
		case !ha:
			return -1
		case !hb:
			return 1
		}
		return strings.Compare(a, b)
	}
	cmp := func(a, b key) int {
		if a.class != b.class {
			return a.class - b.class
		}
		if c := cmpOpt(a.title, b.title, a.hasT, b.hasT); c != 0 {
			return c
		}
		return cmpOpt(a.descr, b.descr, a.hasDescr, b.hasDescr)
	}
	slices.SortStableFunc(keys, cmp)
	out := make([]any, len(keys))
	for i, k := range keys {
		if i > 0 && cmp(keys[i-1], k) == 0 {
			return nil, false
		}
		out[i] = k.v
	}
	return out, true
}

// object walks an object schema: its record tags (unless it is a
// property's own schema, or bare: a branch of a "type" list), its
// properties, and its definitions (not for a bare branch).
func (w *jsonTagWalk) object(o *jsondoc.Object, scope string, inField, bare bool) error {
	scoped := scope + "object"
	if w.visited[scoped] {
		return nil
	}
	w.visited[scoped] = true
	if !inField && !bare {
		if tags := inlineTags(o); len(tags) > 0 {
			w.put(scoped, entityRecord, tags)
		}
	}
	props, _ := member(o, "properties").(*jsondoc.Object)
	if props != nil {
		for i, name := range props.Keys {
			prop := props.Values[i]
			path := scoped + "." + name
			if po, ok := prop.(*jsondoc.Object); ok {
				if tags := inlineTags(po); len(tags) > 0 {
					w.put(path, entityField, tags)
				}
			}
			if err := w.walk(prop, path+".", true); err != nil {
				return err
			}
		}
	}
	if bare {
		return nil
	}
	if defs, ok := member(o, "definitions").(*jsondoc.Object); ok {
		for i, name := range defs.Keys {
			if err := w.walk(defs.Values[i], scoped+".definitions."+name+".", false); err != nil {
				return err
			}
		}
	}
	if defs, ok := o.Get("$defs"); ok && hasTagsBelow(defs) {
		return &Error{422, 42201, fmt.Sprintf("Schema tags inside %q's $defs are not supported by goconnect's registry", scoped)}
	}
	return nil
}
