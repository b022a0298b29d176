package jsonschema

import (
	"fmt"
	"strconv"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/jsondoc"
)

// resolver finds the schema a $ref names: a JSON pointer into the
// document it appears in, or a schema registered under a reference name
// (Confluent resolves a $ref whose URI is a reference's name to that
// reference's schema).
type resolver struct {
	root *jsondoc.Object
	refs map[string]*jsondoc.Object // reference name → its schema
	// building holds the refs being expanded, to refuse recursion.
	building map[string]bool
}

func (r *resolver) resolve(ref string, doc *jsondoc.Object) (*jsondoc.Object, *jsondoc.Object, error) {
	node, t, step, ok := jsondoc.ResolveRef(ref, doc, r.refs)
	switch {
	case !ok && step == "":
		return nil, nil, fmt.Errorf("$ref %q names no schema reference", ref)
	case !ok:
		return nil, nil, fmt.Errorf("$ref %q: no %q", ref, step)
	}
	target, _ := t.(*jsondoc.Object)
	o, ok := node.(*jsondoc.Object)
	if !ok {
		if b, isBool := node.(bool); isBool && b {
			return &jsondoc.Object{}, target, nil
		}
		return nil, nil, fmt.Errorf("$ref %q is not a schema object", ref)
	}
	return o, target, nil
}

// toConnectSchema maps a JSON Schema to a Connect schema as
// JsonSchemaData.toConnectSchema does; version is the registry version
// used when the schema carries no connect.version (0: none).
func (m *mapping) toConnectSchema(doc any, refs map[string]*jsondoc.Object, version int) (*data.Schema, error) {
	root, ok := doc.(*jsondoc.Object)
	if !ok {
		if b, isBool := doc.(bool); isBool && b {
			root = &jsondoc.Object{}
		} else {
			return nil, fmt.Errorf("a JSON Schema must be an object, found %s", nodeType(doc))
		}
	}
	r := &resolver{root: root, refs: refs, building: map[string]bool{}}
	u := &unionCounter{}
	return m.toConnect(r, root, root, version, false, u)
}

type unionCounter struct{ n int }

// kind is what Everit's loader makes of a schema object.
func kind(o *jsondoc.Object) string {
	if _, ok := o.Get("$ref"); ok {
		return "ref"
	}
	for _, k := range []string{"allOf", "anyOf", "oneOf"} {
		if _, ok := o.Get(k); ok {
			return k
		}
	}
	if _, ok := o.Get("enum"); ok {
		return "enum"
	}
	if _, ok := o.Get("const"); ok {
		return "const"
	}
	switch t := mustGet(o, "type").(type) {
	case string:
		return t
	case []any:
		return "types"
	}
	for _, k := range []string{"properties", "additionalProperties", "required", "patternProperties", "minProperties", "maxProperties"} {
		if _, ok := o.Get(k); ok {
			return "object"
		}
	}
	for _, k := range []string{"items", "minItems", "maxItems", "uniqueItems", "contains"} {
		if _, ok := o.Get(k); ok {
			return "array"
		}
	}
	for _, k := range []string{"minimum", "maximum", "multipleOf", "exclusiveMinimum", "exclusiveMaximum"} {
		if _, ok := o.Get(k); ok {
			return "number"
		}
	}
	for _, k := range []string{"minLength", "maxLength", "pattern", "format"} {
		if _, ok := o.Get(k); ok {
			return "string"
		}
	}
	return "empty"
}

func mustGet(o *jsondoc.Object, k string) any {
	v, _ := o.Get(k)
	return v
}

func subschemas(v any) ([]*jsondoc.Object, error) {
	a, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("expected an array of schemas, found %s", nodeType(v))
	}
	out := make([]*jsondoc.Object, len(a))
	for i, e := range a {
		switch x := e.(type) {
		case *jsondoc.Object:
			out[i] = x
		case bool:
			if !x {
				return nil, fmt.Errorf("the schema false is not supported")
			}
			out[i] = &jsondoc.Object{}
		default:
			return nil, fmt.Errorf("expected a schema, found %s", nodeType(e))
		}
	}
	return out, nil
}

func (m *mapping) toConnect(r *resolver, doc, o *jsondoc.Object, version int, forceOptional bool, u *unionCounter) (*data.Schema, error) {
	var b *data.Builder
	named := false
	k := kind(o)
	switch k {
	case "ref":
		ref, _ := o.String("$ref")
		key := fmt.Sprintf("%p#%s", doc, ref)
		if r.building[key] {
			return nil, fmt.Errorf("recursive $ref %q is not supported", ref)
		}
		target, targetDoc, err := r.resolve(ref, doc)
		if err != nil {
			return nil, err
		}
		r.building[key] = true
		defer delete(r.building, key)
		return m.toConnect(r, targetDoc, target, version, forceOptional, u)
	case "boolean":
		b = data.NewBuilder(data.TypeBoolean)
	case "integer", "number":
		ct, _ := o.String(propType)
		switch ct {
		case "":
			if k == "integer" {
				b = data.NewBuilder(data.TypeInt64)
			} else {
				b = data.NewBuilder(data.TypeFloat64)
			}
		case typeNameBytes:
			b = data.NewBuilder(data.TypeBytes)
		default:
			t, ok := data.ParseType(ct)
			if !ok || !t.IsPrimitive() || t == data.TypeBoolean || t == data.TypeString {
				return nil, fmt.Errorf("unsupported type %s", ct)
			}
			b = data.NewBuilder(t)
		}
	case "string":
		if ct, _ := o.String(propType); ct == typeNameBytes {
			b = data.NewBuilder(data.TypeBytes)
		} else {
			b = data.NewBuilder(data.TypeString)
		}
	case "const":
		b = m.enumBuilder([]any{mustGet(o, "const")})
	case "enum":
		vals, ok := mustGet(o, "enum").([]any)
		if !ok {
			return nil, fmt.Errorf("enum must be an array")
		}
		b = m.enumBuilder(vals)
	case "types":
		// "type": ["null","string"] is Everit's anyOf of one schema per type.
		var subs []any
		for _, t := range mustGet(o, "type").([]any) {
			c := &jsondoc.Object{}
			for i, key := range o.Keys {
				if key != "type" {
					c.Set(key, o.Values[i])
				}
			}
			c.Set("type", t)
			subs = append(subs, c)
		}
		return m.toConnect(r, doc, objectOf([]string{"anyOf"}, []any{subs}), version, forceOptional, u)
	case "oneOf", "anyOf":
		subs, err := subschemas(mustGet(o, k))
		if err != nil {
			return nil, err
		}
		if len(subs) == 1 && m.flattenSingle {
			return m.toConnect(r, doc, subs[0], 0, false, u)
		}
		name := jsonOneOfName
		if m.generalized {
			name = unionPrefix + strconv.Itoa(u.n)
			u.n++
		}
		if len(subs) == 2 {
			for i, sub := range subs {
				if t, _ := sub.String("type"); t == "null" && sub.Len() == 1 {
					return m.toConnect(r, doc, subs[1-i], version, true, u)
				}
			}
		}
		b = data.StructBuilder().Name(name)
		named = true
		if m.generalized {
			b.Param(connectUnion, name)
		}
		idx := 0
		for _, sub := range subs {
			if t, _ := sub.String("type"); t == "null" {
				b.Optional()
				continue
			}
			fname := name + ".field." + strconv.Itoa(idx)
			if m.generalized {
				fname = unionFieldPref + strconv.Itoa(idx)
			}
			fs, err := m.toConnect(r, doc, sub, 0, true, u)
			if err != nil {
				return nil, err
			}
			b.Field(fname, fs)
			idx++
		}
	case "allOf":
		return m.allOf(r, doc, o, version, forceOptional, u)
	case "array":
		items, ok := mustGet(o, "items").(*jsondoc.Object)
		if !ok {
			return nil, fmt.Errorf("array schema did not specify the items type")
		}
		if ct, _ := o.String(propType); ct == typeNameMap && kindResolved(r, doc, items) == "object" {
			props := items.Object("properties")
			ko, _ := props.Get(mapKeyField)
			vo, _ := props.Get(mapValueField)
			kobj, kok := ko.(*jsondoc.Object)
			vobj, vok := vo.(*jsondoc.Object)
			if !kok || !vok {
				return nil, fmt.Errorf("map entries need key and value schemas")
			}
			ks, err := m.toConnect(r, doc, kobj, 0, false, u)
			if err != nil {
				return nil, err
			}
			vs, err := m.toConnect(r, doc, vobj, 0, false, u)
			if err != nil {
				return nil, err
			}
			b = data.MapOf(ks, vs)
		} else {
			es, err := m.toConnect(r, doc, items, 0, false, u)
			if err != nil {
				return nil, err
			}
			b = data.ArrayOf(es)
		}
	case "object":
		if ct, _ := o.String(propType); ct == typeNameMap {
			ap, ok := mustGet(o, "additionalProperties").(*jsondoc.Object)
			if !ok {
				return nil, fmt.Errorf("a connect map object needs an additionalProperties schema")
			}
			vs, err := m.toConnect(r, doc, ap, 0, false, u)
			if err != nil {
				return nil, err
			}
			b = data.MapOf(data.NewBuilder(data.TypeString).MustBuild(), vs)
			break
		}
		var err error
		if b, err = m.structOf(r, doc, []*jsondoc.Object{o}, u); err != nil {
			return nil, err
		}
	case "null":
		return nil, fmt.Errorf("a null schema has no Connect type outside a oneOf with one other schema")
	case "empty":
		return nil, fmt.Errorf("a schema without type (accepting any value) has no Connect type")
	default:
		return nil, fmt.Errorf("unsupported schema type %q", k)
	}

	if title, ok := o.String("title"); ok && title != "" && !named {
		b.Name(title)
	}
	if n, ok := mustGet(o, propVersion).(jsondoc.Number); ok {
		v, err := strconv.ParseInt(string(n), 10, 32)
		if err != nil {
			return nil, fmt.Errorf("connect.version %s: %w", n, err)
		}
		b.Version(int32(v))
	} else if version > 0 {
		b.Version(int32(version))
	}
	if d, ok := o.String("description"); ok {
		b.Doc(d)
	}
	if p := o.Object(propParameters); p != nil {
		for i, key := range p.Keys {
			if s, ok := p.Values[i].(string); ok {
				b.Param(key, s)
			}
		}
	}
	if forceOptional {
		b.Optional()
	}
	if dv, ok := o.Get("default"); ok {
		s, err := b.Build()
		if err != nil {
			return nil, err
		}
		def, err := m.toConnectValue(s, dv, false)
		if err != nil {
			return nil, fmt.Errorf("default value: %w", err)
		}
		b.Default(def)
	}
	return b.Build()
}

func kindResolved(r *resolver, doc, o *jsondoc.Object) string {
	for i := 0; i < 32; i++ {
		if kind(o) != "ref" {
			return kind(o)
		}
		ref, _ := o.String("$ref")
		t, d, err := r.resolve(ref, doc)
		if err != nil {
			return ""
		}
		o, doc = t, d
	}
	return ""
}

func (m *mapping) enumBuilder(vals []any) *data.Builder {
	b := data.NewBuilder(data.TypeString)
	param := jsonEnumParam
	if m.generalized {
		param = connectEnum
	}
	b.Param(param, "")
	for i, v := range vals {
		sym := nullMarker
		if v != nil {
			if s, ok := v.(string); ok {
				sym = s
			} else {
				sym = string(jsondoc.Append(nil, v, false))
			}
		}
		if m.generalized {
			b.Param(param+"."+sym, strconv.Itoa(i))
		} else {
			b.Param(param+"."+sym, sym)
		}
	}
	return b
}

// structOf builds a STRUCT from the properties of one or more object
// schemas (several for allOf), ordered by connect.index.
func (m *mapping) structOf(r *resolver, doc *jsondoc.Object, objs []*jsondoc.Object, u *unionCounter) (*data.Builder, error) {
	type prop struct {
		name     string
		schema   *jsondoc.Object
		required bool
	}
	var props []prop
	seen := map[string]int{}
	for _, o := range objs {
		required := map[string]bool{}
		if req, ok := mustGet(o, "required").([]any); ok {
			for _, n := range req {
				if s, ok := n.(string); ok {
					required[s] = true
				}
			}
		}
		p := o.Object("properties")
		for i, name := range p.Keys {
			ps, ok := p.Values[i].(*jsondoc.Object)
			if !ok {
				if bv, isBool := p.Values[i].(bool); isBool && bv {
					ps = &jsondoc.Object{}
				} else {
					return nil, fmt.Errorf("property %s: expected a schema", name)
				}
			}
			if j, dup := seen[name]; dup {
				props[j] = prop{name, ps, required[name]}
				continue
			}
			seen[name] = len(props)
			props = append(props, prop{name, ps, required[name]})
		}
	}
	// Fields go by connect.index; a property without one takes the
	// number of properties placed before it (JsonSchemaData's TreeMap).
	placed := map[int]prop{}
	for _, p := range props {
		idx := len(placed)
		if n, ok := mustGet(p.schema, propIndex).(jsondoc.Number); ok {
			if i, err := strconv.Atoi(string(n)); err == nil {
				idx = i
			}
		}
		placed[idx] = p
	}
	order := make([]int, 0, len(placed))
	for i := range placed {
		order = append(order, i)
	}
	sortInts(order)
	b := data.StructBuilder()
	for _, i := range order {
		p := placed[i]
		fs, err := m.toConnect(r, doc, p.schema, 0, m.optionalNonReq && !p.required, u)
		if err != nil {
			return nil, fmt.Errorf("property %s: %w", p.name, err)
		}
		b.Field(p.name, fs)
	}
	return b, nil
}

func sortInts(a []int) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// allOf follows JsonSchemaData.allOfToConnectSchema: merged properties
// make a struct; otherwise one subschema stands for the whole.
func (m *mapping) allOf(r *resolver, doc, o *jsondoc.Object, version int, forceOptional bool, u *unionCounter) (*data.Schema, error) {
	subs, err := subschemas(mustGet(o, "allOf"))
	if err != nil {
		return nil, err
	}
	var objs []*jsondoc.Object
	var collect func(d, s *jsondoc.Object, depth int)
	collect = func(d, s *jsondoc.Object, depth int) {
		if depth > 32 {
			return
		}
		switch kind(s) {
		case "allOf":
			inner, _ := subschemas(mustGet(s, "allOf"))
			for _, x := range inner {
				collect(d, x, depth+1)
			}
		case "object":
			if s.Object("properties") != nil {
				objs = append(objs, s)
			}
		case "ref":
			ref, _ := s.String("$ref")
			if t, td, err := r.resolve(ref, d); err == nil {
				collect(td, t, depth+1)
			}
		}
	}
	var combinedSub, constSub, enumSub, numberSub, stringSub, refSub *jsondoc.Object
	for _, s := range subs {
		switch kind(s) {
		case "oneOf", "anyOf", "allOf", "types":
			combinedSub = s
		case "const":
			constSub = s
		case "enum":
			enumSub = s
		case "integer", "number":
			numberSub = s
		case "string":
			stringSub = s
		case "ref":
			refSub = s
		}
		collect(doc, s, 0)
	}
	switch {
	case len(objs) > 0:
		b, err := m.structOf(r, doc, objs, u)
		if err != nil {
			return nil, err
		}
		if forceOptional {
			b.Optional()
		}
		return b.Build()
	case combinedSub != nil:
		return m.toConnect(r, doc, combinedSub, version, forceOptional, u)
	case constSub != nil && stringSub != nil:
		return m.toConnect(r, doc, stringSub, version, forceOptional, u)
	case constSub != nil && numberSub != nil:
		return m.toConnect(r, doc, numberSub, version, forceOptional, u)
	case constSub != nil:
	case enumSub != nil && stringSub != nil:
		return m.toConnect(r, doc, enumSub, version, forceOptional, u)
	case enumSub != nil && numberSub != nil:
		return m.toConnect(r, doc, numberSub, version, forceOptional, u)
	case enumSub != nil:
	case stringSub != nil && mustGet(stringSub, "format") != nil:
		if numberSub != nil {
			return m.toConnect(r, doc, numberSub, version, forceOptional, u)
		}
		return m.toConnect(r, doc, stringSub, version, forceOptional, u)
	case refSub != nil:
		return m.toConnect(r, doc, refSub, version, forceOptional, u)
	}
	return nil, fmt.Errorf("unsupported criterion allOf for %s", jsondoc.Append(nil, o, false))
}
