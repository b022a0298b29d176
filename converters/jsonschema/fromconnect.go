package jsonschema

import (
	"fmt"
	"strings"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/hashorder"
	"github.com/goconnect/goconnect/internal/jsondoc"
)

// Names and keywords of Confluent's JsonSchemaData.
const (
	namespace       = "io.confluent.connect.json"
	propType        = "connect.type"
	propVersion     = "connect.version"
	propParameters  = "connect.parameters"
	propIndex       = "connect.index"
	jsonIDParam     = namespace + ".Id"
	jsonEnumParam   = namespace + ".Enum"
	jsonOneOfName   = namespace + ".OneOf"
	connectEnum     = "org.apache.kafka.connect.data.Enum"
	connectUnion    = "org.apache.kafka.connect.data.Union"
	unionPrefix     = "connect_union_"
	unionFieldPref  = "connect_union_field_"
	nullMarker      = "<NULL>"
	mapKeyField     = "key"
	mapValueField   = "value"
	decimalNumeric  = "NUMERIC"
	decimalBase64   = "BASE64"
	typeNameInt8    = "int8"
	typeNameInt16   = "int16"
	typeNameInt32   = "int32"
	typeNameInt64   = "int64"
	typeNameFloat32 = "float32"
	typeNameFloat64 = "float64"
	typeNameBytes   = "bytes"
	typeNameMap     = "map"
)

// mapping holds the JsonSchemaData settings that change schemas or values.
type mapping struct {
	additionalProps bool   // object.additional.properties
	optionalNonReq  bool   // use.optional.for.nonrequired
	decimalFormat   string // decimal.format, upper case
	ignoreDefault   bool   // ignore.default.for.nullables
	generalized     bool   // generalized.sum.type.support
	flattenSingle   bool   // flatten.singleton.unions
}

// schemaDoc is a JSON Schema being written: the keywords in the order
// Confluent's printer writes them (type, title, description, default,
// then its connect.* keywords, then the structural keywords).
type schemaDoc struct {
	typ        string
	title      string
	desc       string
	id         string
	def        any
	hasDef     bool
	connect    map[string]any
	structural *jsondoc.Object
}

func (d *schemaDoc) setConnect(k string, v any) {
	if d.connect == nil {
		d.connect = map[string]any{}
	}
	d.connect[k] = v
}

// object renders the schema document.
func (d *schemaDoc) object() *jsondoc.Object {
	o := &jsondoc.Object{}
	if d.typ != "" {
		o.Set("type", d.typ)
	}
	if d.title != "" {
		o.Set("title", d.title)
	}
	if d.desc != "" {
		o.Set("description", d.desc)
	}
	if d.id != "" {
		o.Set("$id", d.id)
	}
	if d.hasDef {
		o.Set("default", d.def)
	}
	if len(d.connect) > 0 {
		// Inserted in the order JsonSchemaData puts them.
		var keys []string
		for _, k := range []string{propType, propVersion, propParameters, propIndex} {
			if _, ok := d.connect[k]; ok {
				keys = append(keys, k)
			}
		}
		for _, k := range hashorder.Order(keys) {
			o.Set(k, d.connect[k])
		}
	}
	if d.structural != nil {
		for i, k := range d.structural.Keys {
			o.Set(k, d.structural.Values[i])
		}
	}
	return o
}

// isUnion tells whether a STRUCT stands for a JSON oneOf.
func isUnion(s *data.Schema) bool {
	return s.Name == jsonOneOfName || s.Param(connectUnion) != ""
}

// nonOptional is s required (JsonSchemaData.nonOptional).
func nonOptional(s *data.Schema) *data.Schema {
	if !s.Optional {
		return s
	}
	c := *s
	c.Optional = false
	return &c
}

// fromConnectSchema maps a Connect schema to the JSON Schema
// JsonSchemaData.fromConnectSchema builds.
func (m *mapping) fromConnectSchema(s *data.Schema) (*jsondoc.Object, error) {
	return m.schema(map[string]bool{}, s, -1, false)
}

func (m *mapping) schema(ids map[string]bool, s *data.Schema, index int, ignoreOptional bool) (*jsondoc.Object, error) {
	id := ""
	if v, ok := s.Parameters[jsonIDParam]; ok {
		id = v
		ids[id] = true
	}
	d := &schemaDoc{}
	combined := false
	switch s.Type {
	case data.TypeInt8, data.TypeInt16, data.TypeInt32, data.TypeInt64:
		d.typ = "integer"
		d.setConnect(propType, s.Type.String())
	case data.TypeFloat32, data.TypeFloat64:
		d.typ = "number"
		d.setConnect(propType, s.Type.String())
	case data.TypeBoolean:
		d.typ = "boolean"
	case data.TypeString:
		_, generalized := s.Parameters[connectEnum]
		_, jsonEnum := s.Parameters[jsonEnumParam]
		if generalized || jsonEnum {
			param := jsonEnumParam
			if m.generalized {
				param = connectEnum
			}
			var symbols []any
			for _, k := range s.ParamKeys() {
				if sym, ok := strings.CutPrefix(k, param+"."); ok {
					if sym == nullMarker {
						symbols = append(symbols, nil)
					} else {
						symbols = append(symbols, sym)
					}
				}
			}
			d.structural = &jsondoc.Object{Keys: []string{"enum"}, Values: []any{symbols}}
		} else {
			d.typ = "string"
		}
	case data.TypeBytes:
		d.typ = "string"
		if s.Name == data.DecimalName && m.decimalFormat == decimalNumeric {
			d.typ = "number"
		}
		d.setConnect(propType, typeNameBytes)
	case data.TypeArray:
		items, err := m.ref(ids, s.Value, -1)
		if err != nil {
			return nil, err
		}
		d.typ = "array"
		d.structural = &jsondoc.Object{Keys: []string{"items"}, Values: []any{items}}
	case data.TypeMap:
		if s.Key.Type == data.TypeString && !s.Key.Optional {
			v, err := m.schema(ids, s.Value, -1, false)
			if err != nil {
				return nil, err
			}
			d.typ = "object"
			d.structural = &jsondoc.Object{Keys: []string{"additionalProperties"}, Values: []any{v}}
		} else {
			k, err := m.schema(ids, s.Key, 0, false)
			if err != nil {
				return nil, err
			}
			v, err := m.schema(ids, s.Value, 1, false)
			if err != nil {
				return nil, err
			}
			entry := &schemaDoc{typ: "object", structural: &jsondoc.Object{}}
			kv := &jsondoc.Object{}
			for _, n := range hashorder.Order([]string{mapKeyField, mapValueField}) {
				if n == mapKeyField {
					kv.Set(n, k)
				} else {
					kv.Set(n, v)
				}
			}
			entry.structural.Set("properties", kv)
			d.typ = "array"
			d.structural = &jsondoc.Object{Keys: []string{"items"}, Values: []any{entry.object()}}
		}
		d.setConnect(propType, typeNameMap)
	case data.TypeStruct:
		switch {
		case isUnion(s):
			combined = true
			var subs []any
			if s.Optional {
				subs = append(subs, nullSchema())
			}
			for _, f := range s.Fields {
				sub, err := m.schema(ids, nonOptional(f.Schema), f.Index, true)
				if err != nil {
					return nil, err
				}
				subs = append(subs, sub)
			}
			d.structural = &jsondoc.Object{Keys: []string{"oneOf"}, Values: []any{subs}}
		case s.Optional:
			combined = true
			inner, err := m.schema(ids, nonOptional(s), -1, false)
			if err != nil {
				return nil, err
			}
			d.structural = &jsondoc.Object{Keys: []string{"oneOf"}, Values: []any{[]any{nullSchema(), inner}}}
		default:
			names := make([]string, 0, len(s.Fields))
			props := map[string]any{}
			for _, f := range s.Fields {
				sub, err := m.ref(ids, f.Schema, f.Index)
				if err != nil {
					return nil, err
				}
				names = append(names, f.Name)
				props[f.Name] = sub
			}
			ordered := &jsondoc.Object{}
			for _, n := range hashorder.Order(names) {
				ordered.Set(n, props[n])
			}
			d.typ = "object"
			d.structural = &jsondoc.Object{Keys: []string{"properties"}, Values: []any{ordered}}
			if !m.additionalProps {
				d.structural.Set("additionalProperties", false)
			}
		}
	default:
		return nil, fmt.Errorf("unsupported type %s", s.Type.JavaName())
	}

	if !combined {
		d.title = s.Name
		if s.Version != nil {
			d.setConnect(propVersion, jsondoc.Number(fmt.Sprint(*s.Version)))
		}
		d.desc = s.Doc
		var pkeys []string
		for _, k := range s.ParamKeys() {
			if !strings.HasPrefix(k, namespace) {
				pkeys = append(pkeys, k)
			}
		}
		if len(pkeys) > 0 {
			params := &jsondoc.Object{}
			for _, k := range hashorder.Order(pkeys) {
				params.Set(k, s.Parameters[k])
			}
			d.setConnect(propParameters, params)
		}
		if s.Default != nil {
			b, err := m.appendValue(nil, s, s.Default)
			if err != nil {
				return nil, fmt.Errorf("invalid default value: %w", err)
			}
			dv, err := jsondoc.Parse(b)
			if err != nil {
				return nil, err
			}
			d.def, d.hasDef = dv, true
		}
		if !ignoreOptional && s.Optional {
			wrapped := &schemaDoc{structural: &jsondoc.Object{Keys: []string{"oneOf"}, Values: []any{[]any{nullSchema(), d.object()}}}}
			if index >= 0 {
				wrapped.setConnect(propIndex, jsondoc.Number(fmt.Sprint(index)))
			}
			d = wrapped
		}
	}
	d.id = id
	if index >= 0 {
		d.setConnect(propIndex, jsondoc.Number(fmt.Sprint(index)))
	}
	return d.object(), nil
}

// ref is schema, or a $ref to a schema with an already written id.
func (m *mapping) ref(ids map[string]bool, s *data.Schema, index int) (*jsondoc.Object, error) {
	if id, ok := s.Parameters[jsonIDParam]; ok && ids[id] {
		return objectOf([]string{"$ref"}, []any{id}), nil
	}
	return m.schema(ids, s, index, false)
}

func nullSchema() *jsondoc.Object { return objectOf([]string{"type"}, []any{"null"}) }

func objectOf(keys []string, values []any) *jsondoc.Object {
	return &jsondoc.Object{Keys: keys, Values: values}
}
