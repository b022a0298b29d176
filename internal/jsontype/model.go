package jsontype

import (
	"fmt"
	"math/big"
	"regexp"
	"strconv"

	"github.com/goconnect/goconnect/internal/jsondoc"
)

// kind is the schema class Everit's loader (which Confluent's diff walks)
// makes of a schema document.
type kind int

const (
	kEmpty kind = iota // true or {} : anything
	kFalse
	kNull
	kBoolean
	kNumber
	kString
	kConst
	kEnum
	kCombined
	kNot
	kObject
	kArray
)

// node is a loaded schema: the parts the diff compares.
type node struct {
	kind kind
	raw  *jsondoc.Object // nil for true/false
	text string          // canonical text, for equality of subschemas

	id, title, desc string
	def             string // canonical default, "" when none
	hasDef          bool
	connectType     string

	// number
	integer                         bool
	max, min, exclMax, exclMin, mul *big.Rat
	// string
	maxLen, minLen *int
	pattern        string
	// const / enum
	values []string
	// combined / not
	criterion string // allOf, anyOf, oneOf
	subs      []*lazy
	not       *lazy
	// object
	props              map[string]*lazy
	propOrder          []string
	required           map[string]bool
	addlAllowed        bool
	addl               *lazy
	patterns           []patternProp
	uneval             *lazy
	depArrays          map[string][]string
	depSchemas         map[string]*lazy
	maxProps, minProps *int
	// array
	items                    *lazy
	itemList                 []*lazy
	addlItemsAllowed         bool
	addlItems                *lazy
	unevalItems              *lazy
	maxItems, minItems       *int
	maxContains, minContains *int
	unique                   bool
}

type patternProp struct {
	re     *regexp.Regexp
	schema *lazy
}

// lazy is a subschema loaded on first use, so that recursive schemas
// load.
type lazy struct {
	s     *Schema
	doc   any // the document the subschema belongs to (for $ref)
	value any
	n     *node
	err   error
	busy  bool
}

func (l *lazy) get() (*node, error) {
	if l.n != nil || l.err != nil {
		return l.n, l.err
	}
	if l.busy {
		return nil, fmt.Errorf("$ref cycle without a schema in between")
	}
	l.busy = true
	l.n, l.err = load(l.s, l.doc, l.value)
	l.busy = false
	return l.n, l.err
}

// load builds the node for value (nil: the document itself), following
// $refs to their target.
func load(s *Schema, doc, value any) (*node, error) {
	if value == nil {
		value = doc
	}
	for hops := 0; ; hops++ {
		o, ok := value.(*jsondoc.Object)
		if !ok {
			break
		}
		ref, isRef := o.String("$ref")
		if !isRef {
			break
		}
		if hops > 64 {
			return nil, fmt.Errorf("$ref chain too long at %q", ref)
		}
		target, targetDoc, err := s.resolve(ref, doc)
		if err != nil {
			return nil, err
		}
		value, doc = target, targetDoc
	}
	switch v := value.(type) {
	case bool:
		if v {
			return &node{kind: kEmpty, text: "true"}, nil
		}
		return &node{kind: kFalse, text: "false"}, nil
	case *jsondoc.Object:
		// One node per schema object, so that a recursive schema is a
		// cycle of nodes the diff can recognise.
		if n, ok := s.nodes[v]; ok {
			return n, nil
		}
		if s.nodes == nil {
			s.nodes = map[*jsondoc.Object]*node{}
		}
		n, err := loadObject(s, doc, v)
		if err == nil {
			s.nodes[v] = n
		}
		return n, err
	}
	return nil, fmt.Errorf("a schema must be an object or a boolean, found %s", jsondoc.Append(nil, value, false))
}

func (s *Schema) resolve(ref string, doc any) (any, any, error) {
	node, target, _, ok := jsondoc.ResolveRef(ref, doc, s.refs)
	if !ok {
		return nil, nil, fmt.Errorf("unresolved $ref '%s'", ref)
	}
	return node, target, nil
}

var combiners = []string{"allOf", "anyOf", "oneOf"}

func has(o *jsondoc.Object, keys ...string) bool {
	for _, k := range keys {
		if _, ok := o.Get(k); ok {
			return true
		}
	}
	return false
}

func without(o *jsondoc.Object, drop ...string) *jsondoc.Object {
	c := &jsondoc.Object{}
	for i, k := range o.Keys {
		keep := true
		for _, d := range drop {
			if k == d {
				keep = false
			}
		}
		if keep {
			c.Set(k, o.Values[i])
		}
	}
	return c
}

func loadObject(s *Schema, doc any, o *jsondoc.Object) (*node, error) {
	n := &node{raw: o, text: string(jsondoc.Append(nil, o, false))}
	n.id, _ = o.String("$id")
	if n.id == "" {
		n.id, _ = o.String("id")
	}
	n.title, _ = o.String("title")
	n.desc, _ = o.String("description")
	if d, ok := o.Get("default"); ok {
		n.def, n.hasDef = string(jsondoc.Append(nil, d, true)), true
	}
	n.connectType, _ = o.String("connect.type")
	sub := func(v any) *lazy { return &lazy{s: s, doc: doc, value: v} }

	// A combiner next to other keywords is Everit's allOf of the parts.
	var parts []any
	for _, c := range combiners {
		if v, ok := o.Get(c); ok {
			parts = append(parts, objectWith(c, v))
		}
	}
	typed := without(o, append(append([]string{}, combiners...), "not")...)
	if v, ok := o.Get("not"); ok {
		parts = append(parts, objectWith("not", v))
	}
	if len(parts) > 0 && (len(parts) > 1 || has(typed, "type", "properties", "items", "enum", "const")) {
		if has(typed, "type", "properties", "items", "enum", "const") {
			parts = append([]any{typed}, parts...)
		}
		n.kind, n.criterion = kCombined, "allOf"
		for _, p := range parts {
			n.subs = append(n.subs, sub(p))
		}
		return n, nil
	}
	for _, c := range combiners {
		if v, ok := o.Get(c); ok {
			a, ok := v.([]any)
			if !ok {
				return nil, fmt.Errorf("%s must be an array", c)
			}
			n.kind, n.criterion = kCombined, c
			for _, e := range a {
				n.subs = append(n.subs, sub(e))
			}
			return n, nil
		}
	}
	if v, ok := o.Get("not"); ok {
		n.kind, n.not = kNot, sub(v)
		return n, nil
	}
	if v, ok := o.Get("const"); ok {
		n.kind, n.values = kConst, []string{string(jsondoc.Append(nil, v, true))}
		return n, nil
	}
	if v, ok := o.Get("enum"); ok {
		a, _ := v.([]any)
		n.kind = kEnum
		for _, e := range a {
			n.values = append(n.values, string(jsondoc.Append(nil, e, true)))
		}
		return n, nil
	}
	t, _ := o.Get("type")
	if ts, ok := t.([]any); ok {
		// "type": [a, b] is Everit's anyOf of one schema per type.
		n.kind, n.criterion = kCombined, "anyOf"
		for _, x := range ts {
			c := without(o, "type")
			c.Set("type", x)
			n.subs = append(n.subs, sub(c))
		}
		if len(ts) == 1 {
			return load(s, doc, n.subs[0].value)
		}
		return n, nil
	}
	ts, _ := t.(string)
	if ts == "" {
		switch {
		case has(o, "properties", "additionalProperties", "required", "patternProperties", "minProperties", "maxProperties", "dependencies"):
			ts = "object"
		case has(o, "items", "minItems", "maxItems", "uniqueItems", "contains", "additionalItems", "prefixItems"):
			ts = "array"
		case has(o, "minimum", "maximum", "multipleOf", "exclusiveMinimum", "exclusiveMaximum"):
			ts = "number"
		case has(o, "minLength", "maxLength", "pattern"):
			ts = "string"
		}
	}
	var err error
	switch ts {
	case "":
		n.kind = kEmpty
	case "null":
		n.kind = kNull
	case "boolean":
		n.kind = kBoolean
	case "integer", "number":
		n.kind, n.integer = kNumber, ts == "integer"
		for k, dst := range map[string]**big.Rat{"maximum": &n.max, "minimum": &n.min, "exclusiveMaximum": &n.exclMax, "exclusiveMinimum": &n.exclMin, "multipleOf": &n.mul} {
			if num, ok := mustNumber(o, k); ok {
				r, ok := new(big.Rat).SetString(string(num))
				if !ok {
					return nil, fmt.Errorf("%s: bad number %s", k, num)
				}
				*dst = r
			}
		}
	case "string":
		n.kind = kString
		n.maxLen, n.minLen = intOf(o, "maxLength"), intOf(o, "minLength")
		n.pattern, _ = o.String("pattern")
	case "object":
		n.kind = kObject
		n.props, n.required = map[string]*lazy{}, map[string]bool{}
		if p := o.Object("properties"); p != nil {
			for i, k := range p.Keys {
				n.props[k] = sub(p.Values[i])
				n.propOrder = append(n.propOrder, k)
			}
		}
		if r, ok := mustArray(o, "required"); ok {
			for _, x := range r {
				if name, ok := x.(string); ok {
					n.required[name] = true
				}
			}
		}
		n.addlAllowed = true
		if a, ok := o.Get("additionalProperties"); ok {
			switch av := a.(type) {
			case bool:
				n.addlAllowed = av
			default:
				n.addl = sub(av)
			}
		}
		if pp := o.Object("patternProperties"); pp != nil {
			for i, k := range pp.Keys {
				re, err := regexp.Compile(k)
				if err != nil {
					return nil, fmt.Errorf("patternProperties %q: %w", k, err)
				}
				n.patterns = append(n.patterns, patternProp{re, sub(pp.Values[i])})
			}
		}
		if u, ok := o.Get("unevaluatedProperties"); ok {
			n.uneval = sub(u)
		}
		n.depArrays, n.depSchemas = map[string][]string{}, map[string]*lazy{}
		for _, key := range []string{"dependencies", "dependentRequired", "dependentSchemas"} {
			if d := o.Object(key); d != nil {
				for i, k := range d.Keys {
					if a, ok := d.Values[i].([]any); ok {
						for _, x := range a {
							if s, ok := x.(string); ok {
								n.depArrays[k] = append(n.depArrays[k], s)
							}
						}
						if n.depArrays[k] == nil {
							n.depArrays[k] = []string{}
						}
					} else {
						n.depSchemas[k] = sub(d.Values[i])
					}
				}
			}
		}
		n.maxProps, n.minProps = intOf(o, "maxProperties"), intOf(o, "minProperties")
	case "array":
		n.kind = kArray
		n.addlItemsAllowed = true
		items, hasItems := o.Get("items")
		prefix, hasPrefix := mustArray(o, "prefixItems")
		additional, hasAdditional := o.Get("additionalItems")
		if hasPrefix {
			// 2020-12: prefixItems is the tuple, items the rest.
			for _, x := range prefix {
				n.itemList = append(n.itemList, sub(x))
			}
			additional, hasAdditional = items, hasItems
		} else if list, ok := items.([]any); ok {
			for _, x := range list {
				n.itemList = append(n.itemList, sub(x))
			}
		} else if hasItems {
			n.items = sub(items)
		}
		if hasAdditional {
			if b, ok := additional.(bool); ok {
				n.addlItemsAllowed = b
			} else {
				n.addlItems = sub(additional)
			}
		}
		if u, ok := o.Get("unevaluatedItems"); ok {
			n.unevalItems = sub(u)
		}
		n.maxItems, n.minItems = intOf(o, "maxItems"), intOf(o, "minItems")
		n.maxContains, n.minContains = intOf(o, "maxContains"), intOf(o, "minContains")
		n.unique, _ = mustGet(o, "uniqueItems").(bool)
	default:
		return nil, fmt.Errorf("unknown type %q", ts)
	}
	return n, err
}

func objectWith(k string, v any) *jsondoc.Object {
	return &jsondoc.Object{Keys: []string{k}, Values: []any{v}}
}

func mustGet(o *jsondoc.Object, k string) any {
	v, _ := o.Get(k)
	return v
}

func mustNumber(o *jsondoc.Object, k string) (jsondoc.Number, bool) {
	n, ok := mustGet(o, k).(jsondoc.Number)
	return n, ok
}

func mustArray(o *jsondoc.Object, k string) ([]any, bool) {
	a, ok := mustGet(o, k).([]any)
	return a, ok
}

func intOf(o *jsondoc.Object, k string) *int {
	n, ok := mustNumber(o, k)
	if !ok {
		return nil
	}
	i, err := strconv.Atoi(string(n))
	if err != nil {
		return nil
	}
	return &i
}
