package avroschema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/goconnect/goconnect/connect/data"
)

// Parse reads an Avro schema document (as registries store it). A name
// without a dot is looked up in the enclosing namespace first, then as a
// full name; a named type's namespace is its own, else the enclosing one.
// Errors name the field (and the array or map) that holds the bad part.
func Parse(text string) (*Schema, error) {
	d := json.NewDecoder(strings.NewReader(text))
	d.UseNumber()
	node, err := readNode(d, inSchema)
	if err != nil {
		return nil, fmt.Errorf("invalid Avro schema JSON: %w", err)
	}
	p := &parser{named: map[string]*Schema{}}
	return p.parse(node, "")
}

// nodeContext says what a JSON value of a schema document is.
type nodeContext int

const (
	inSchema nodeContext = iota // a schema, or a part the specification defines
	inData                      // a default value
	inProp                      // the value of a prop
)

// objectOrder holds, in an object of a prop's value, the order of its
// names, so that the prop is kept as written (Avro's Java parser keeps
// props in order: connect.parameters are Connect's ordered parameters). No
// JSON text decodes to this key: encoding/json turns invalid UTF-8 into
// U+FFFD.
const objectOrder = "\xffobject order"

// readNode reads one JSON value as encoding/json would into an any
// (json.Number for numbers), recording the name order of every object
// under objectOrder: Avro-Java keeps attributes, props and default values
// in document order, and so does the canonical text.
func readNode(d *json.Decoder, ctx nodeContext) (any, error) {
	tok, err := d.Token()
	if err != nil {
		return nil, err
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return tok, nil
	}
	switch delim {
	case '[':
		arr := []any{}
		for d.More() {
			v, err := readNode(d, ctx)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		_, err := d.Token()
		return arr, err
	case '{':
		obj := map[string]any{}
		var order []string
		for d.More() {
			kt, err := d.Token()
			if err != nil {
				return nil, err
			}
			k, _ := kt.(string)
			sub := ctx
			if ctx == inSchema {
				switch {
				case k == "default":
					sub = inData
				case !reserved[k]:
					sub = inProp
				}
			}
			v, err := readNode(d, sub)
			if err != nil {
				return nil, err
			}
			if _, dup := obj[k]; !dup {
				order = append(order, k)
			}
			obj[k] = v
		}
		obj[objectOrder] = order
		_, err := d.Token()
		return obj, err
	}
	return nil, fmt.Errorf("unexpected %v", delim)
}

// keysInOrder lists an object's names in document order.
func keysInOrder(obj map[string]any) []string {
	order, _ := obj[objectOrder].([]string)
	return order
}

// marshalProp writes a prop's value back as JSON, objects in their
// document order.
func marshalProp(v any) []byte {
	switch x := v.(type) {
	case map[string]any:
		order, _ := x[objectOrder].([]string)
		b := []byte{'{'}
		for i, k := range order {
			if i > 0 {
				b = append(b, ',')
			}
			key, _ := json.Marshal(k)
			b = append(append(b, key...), ':')
			b = append(b, marshalProp(x[k])...)
		}
		return append(b, '}')
	case []any:
		b := []byte{'['}
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, marshalProp(e)...)
		}
		return append(b, ']')
	}
	return marshalScalar(v)
}

// marshalScalar writes a JSON scalar as Jackson does: no HTML escaping,
// and a number with a fraction or exponent as a double (Java's
// Double.toString: 1.50 is 1.5, 1e3 is 1000.0).
func marshalScalar(v any) []byte {
	if n, ok := v.(json.Number); ok && strings.ContainsAny(n.String(), ".eE") {
		if f, err := n.Float64(); err == nil && !math.IsInf(f, 0) {
			return []byte(data.JavaFloat(f, 64))
		}
	}
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	_ = e.Encode(v)
	return bytes.TrimRight(b.Bytes(), "\n")
}

// parser holds the named types defined so far, by full name.
type parser struct{ named map[string]*Schema }

// reserved are the attributes Avro-Java's parser gives a meaning; the
// others, logicalType, precision and scale among them, are kept as props
// (in document order). "default" is an enum's own attribute only.
var reserved = map[string]bool{
	"type": true, "name": true, "namespace": true, "doc": true, "aliases": true, "fields": true,
	"symbols": true, "items": true, "values": true, "size": true,
}

// fieldReserved are a record field's own attributes; the others are the
// field's props.
var fieldReserved = map[string]bool{
	"name": true, "type": true, "doc": true, "default": true, "order": true, "aliases": true,
}

func (p *parser) parse(node any, space string) (*Schema, error) {
	switch n := node.(type) {
	case string:
		return p.reference(n, space)
	case []any:
		u := &Schema{Kind: Union}
		for _, b := range n {
			bt, err := p.parse(b, space)
			if err != nil {
				return nil, err
			}
			u.Branches = append(u.Branches, bt)
		}
		return u, nil
	case map[string]any:
		return p.parseObject(n, space)
	}
	return nil, fmt.Errorf("invalid Avro schema node %T", node)
}

// reference resolves a primitive or an already defined named type.
func (p *parser) reference(name, space string) (*Schema, error) {
	if k, ok := primitiveKind(name); ok {
		return &Schema{Kind: k}, nil
	}
	if !strings.Contains(name, ".") && space != "" {
		if t, ok := p.named[space+"."+name]; ok {
			return t, nil
		}
	}
	if t, ok := p.named[name]; ok {
		return t, nil
	}
	return nil, fmt.Errorf("unknown Avro type %q", name)
}

func (p *parser) parseObject(n map[string]any, space string) (*Schema, error) {
	typ, isName := n["type"].(string)
	if !isName {
		if sub, ok := n["type"]; ok {
			return p.parse(sub, space) // {"type": {...}} or {"type": [...]} wraps a schema
		}
	}
	t := &Schema{}
	if k, ok := primitiveKind(typ); ok {
		t.Kind = k
	} else {
		switch typ {
		case "record", "error":
			t.Kind = Record
		case "enum":
			t.Kind = Enum
		case "array":
			t.Kind = Array
		case "map":
			t.Kind = Map
		case "fixed":
			t.Kind = Fixed
		default:
			return p.reference(typ, space) // a named reference written as {"type":"Name"}
		}
	}
	if lt, ok := n["logicalType"].(string); ok {
		t.Logical = lt
		if lt == "decimal" {
			t.Scale, _ = intOf(n["scale"])
			t.Precision, _ = intOf(n["precision"])
		}
	}
	for _, k := range keysInOrder(n) {
		if !reserved[k] && (k != "default" || t.Kind != Enum) {
			t.Props = append(t.Props, Prop{k, marshalProp(n[k])})
		}
	}
	if t.Kind.Named() {
		name, _ := n["name"].(string)
		if name == "" {
			return nil, fmt.Errorf("named Avro type without a name")
		}
		ns, hasNS := n["namespace"].(string)
		if strings.Contains(name, ".") {
			ns, name = SplitName(name)
		} else if !hasNS {
			ns = space
		}
		t.Name, t.Namespace = name, ns
		t.Doc, _ = n["doc"].(string)
		for _, a := range stringsOf(n["aliases"]) {
			if !strings.Contains(a, ".") && ns != "" {
				a = ns + "." + a
			}
			t.Aliases = append(t.Aliases, a)
		}
		p.named[t.FullName()] = t // before the fields: a record may refer to itself
	}
	switch t.Kind {
	case Record:
		if err := p.fields(t, n); err != nil {
			return nil, err
		}
	case Enum:
		syms, _ := n["symbols"].([]any)
		for _, s := range syms {
			str, _ := s.(string)
			t.Symbols = append(t.Symbols, str)
		}
		if def, ok := n["default"]; ok {
			t.Default = marshalProp(def)
		}
	case Fixed:
		size, err := intOf(n["size"])
		if err != nil || size < 0 {
			return nil, fmt.Errorf("fixed %s has a bad size", t.FullName())
		}
		t.Size = size
	case Array:
		items, err := p.parse(n["items"], space)
		if err != nil {
			return nil, fmt.Errorf("array items: %w", err)
		}
		t.Items = items
	case Map:
		values, err := p.parse(n["values"], space)
		if err != nil {
			return nil, fmt.Errorf("map values: %w", err)
		}
		t.Values = values
	}
	return t, nil
}

// fields parses a record's fields, in the record's namespace.
func (p *parser) fields(t *Schema, n map[string]any) error {
	fields, ok := n["fields"].([]any)
	if !ok {
		return fmt.Errorf("record %s has no fields array", t.FullName())
	}
	for _, fn := range fields {
		fo, ok := fn.(map[string]any)
		if !ok {
			return fmt.Errorf("record %s: field is not an object", t.FullName())
		}
		name, _ := fo["name"].(string)
		ft, err := p.parse(fo["type"], t.Namespace)
		if err != nil {
			return fmt.Errorf("field %s: %w", name, err)
		}
		f := &Field{Name: name, Type: ft, Aliases: stringsOf(fo["aliases"])}
		f.Doc, _ = fo["doc"].(string)
		f.Order, _ = fo["order"].(string)
		if def, ok := fo["default"]; ok {
			f.Default = marshalProp(def)
			f.HasDefault = true
		}
		for _, k := range keysInOrder(fo) {
			if !fieldReserved[k] {
				f.Props = append(f.Props, Prop{k, marshalProp(fo[k])})
			}
		}
		t.Fields = append(t.Fields, f)
	}
	return nil
}

// stringsOf reads a JSON array of strings (aliases), nil otherwise.
func stringsOf(v any) []string {
	arr, _ := v.([]any)
	var out []string
	for _, e := range arr {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func intOf(v any) (int, error) {
	num, ok := v.(json.Number)
	if !ok {
		return 0, fmt.Errorf("not a number")
	}
	return strconv.Atoi(num.String())
}
