package avro

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/goconnect/goconnect/connect/data"
)

// parseSchema reads an Avro schema document (as registries store it).
func parseSchema(text string) (*avroType, error) {
	d := json.NewDecoder(strings.NewReader(text))
	d.UseNumber()
	var node any
	if err := d.Decode(&node); err != nil {
		return nil, fmt.Errorf("invalid Avro schema JSON: %w", err)
	}
	p := &parser{named: map[string]*avroType{}}
	return p.parse(node, "")
}

type parser struct{ named map[string]*avroType }

var kindsByName = map[string]kind{
	"null": kNull, "boolean": kBoolean, "int": kInt, "long": kLong, "float": kFloat,
	"double": kDouble, "bytes": kBytes, "string": kString,
}

func (p *parser) parse(node any, space string) (*avroType, error) {
	switch n := node.(type) {
	case string:
		if k, ok := kindsByName[n]; ok {
			return &avroType{kind: k}, nil
		}
		full := n
		if !strings.Contains(n, ".") && space != "" {
			full = space + "." + n
		}
		if t, ok := p.named[full]; ok {
			return t, nil
		}
		if t, ok := p.named[n]; ok {
			return t, nil
		}
		return nil, fmt.Errorf("unknown Avro type %q", n)
	case []any:
		u := &avroType{kind: kUnion}
		for _, b := range n {
			bt, err := p.parse(b, space)
			if err != nil {
				return nil, err
			}
			u.branches = append(u.branches, bt)
		}
		return u, nil
	case map[string]any:
		return p.parseObject(n, space)
	}
	return nil, fmt.Errorf("invalid Avro schema node %T", node)
}

func (p *parser) parseObject(n map[string]any, space string) (*avroType, error) {
	typ, _ := n["type"].(string)
	t := &avroType{}
	if sub, ok := n["type"].(map[string]any); ok && typ == "" {
		// {"type": {...}} wraps a schema.
		return p.parseObject(sub, space)
	}
	if k, ok := kindsByName[typ]; ok {
		t.kind = k
	} else {
		switch typ {
		case "record", "error":
			t.kind = kRecord
		case "enum":
			t.kind = kEnum
		case "array":
			t.kind = kArray
		case "map":
			t.kind = kMap
		case "fixed":
			t.kind = kFixed
		default:
			return p.parse(typ, space) // a named reference written as {"type":"Name"}
		}
	}
	if lt, ok := n["logicalType"].(string); ok {
		t.logical = lt
		if lt == "decimal" {
			t.scale, _ = intOf(n["scale"])
			t.precision, _ = intOf(n["precision"])
		}
	}
	for k, v := range n {
		if strings.HasPrefix(k, "connect.") {
			raw, _ := json.Marshal(v)
			t.props = append(t.props, prop{k, raw})
		}
	}
	switch t.kind {
	case kRecord, kEnum, kFixed:
		name, _ := n["name"].(string)
		if name == "" {
			return nil, fmt.Errorf("named Avro type without a name")
		}
		ns, hasNS := n["namespace"].(string)
		if strings.Contains(name, ".") {
			ns, name = splitName(name)
		} else if !hasNS {
			ns = space
		}
		t.name, t.namespace = name, ns
		t.doc, _ = n["doc"].(string)
		p.named[t.fullName()] = t
	}
	switch t.kind {
	case kRecord:
		fields, ok := n["fields"].([]any)
		if !ok {
			return nil, fmt.Errorf("record %s has no fields array", t.fullName())
		}
		for _, fn := range fields {
			fo, ok := fn.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("record %s: field is not an object", t.fullName())
			}
			name, _ := fo["name"].(string)
			ft, err := p.parse(fo["type"], t.namespace)
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", name, err)
			}
			f := &avroField{name: name, typ: ft}
			if def, ok := fo["default"]; ok {
				f.def, _ = json.Marshal(def)
				f.hasDefault = true
			}
			t.fields = append(t.fields, f)
		}
	case kEnum:
		syms, _ := n["symbols"].([]any)
		for _, s := range syms {
			str, _ := s.(string)
			t.symbols = append(t.symbols, str)
		}
	case kFixed:
		size, err := intOf(n["size"])
		if err != nil || size < 0 {
			return nil, fmt.Errorf("fixed %s has a bad size", t.fullName())
		}
		t.size = size
	case kArray:
		items, err := p.parse(n["items"], space)
		if err != nil {
			return nil, fmt.Errorf("array items: %w", err)
		}
		t.items = items
	case kMap:
		values, err := p.parse(n["values"], space)
		if err != nil {
			return nil, fmt.Errorf("map values: %w", err)
		}
		t.values = values
	}
	return t, nil
}

func intOf(v any) (int, error) {
	num, ok := v.(json.Number)
	if !ok {
		return 0, fmt.Errorf("not a number")
	}
	n, err := strconv.Atoi(num.String())
	return n, err
}

// toConnect maps an Avro schema to Connect as AvroData.toConnectSchema
// does: connect.* props restore names, versions, parameters, INT8/INT16
// and defaults; ["null",X] unions become optional X.
func toConnect(t *avroType) (*data.Schema, error) {
	return toConnectOpt(t, false, nil)
}

func toConnectOpt(t *avroType, optional bool, fieldDefault json.RawMessage) (*data.Schema, error) {
	if t.kind == kUnion {
		var nonNull []*avroType
		hasNull := false
		for _, b := range t.branches {
			if b.kind == kNull {
				hasNull = true
			} else {
				nonNull = append(nonNull, b)
			}
		}
		if !hasNull || len(nonNull) != 1 {
			return nil, fmt.Errorf("Avro unions other than [\"null\", T] are not supported yet")
		}
		return toConnectOpt(nonNull[0], true, fieldDefault)
	}
	var b *data.Builder
	switch t.kind {
	case kBoolean:
		b = data.NewBuilder(data.TypeBoolean)
	case kInt:
		b = data.NewBuilder(data.TypeInt32)
		switch t.propString(propConnectType) {
		case "int8":
			b = data.NewBuilder(data.TypeInt8)
		case "int16":
			b = data.NewBuilder(data.TypeInt16)
		}
	case kLong:
		b = data.NewBuilder(data.TypeInt64)
	case kFloat:
		b = data.NewBuilder(data.TypeFloat32)
	case kDouble:
		b = data.NewBuilder(data.TypeFloat64)
	case kString, kEnum:
		b = data.NewBuilder(data.TypeString)
	case kBytes, kFixed:
		b = data.NewBuilder(data.TypeBytes)
	case kArray:
		if t.items.kind == kRecord && t.items.fullName() == avroNamespace+"."+mapEntryName && len(t.items.fields) == 2 {
			k, err := toConnect(t.items.fields[0].typ)
			if err != nil {
				return nil, err
			}
			v, err := toConnect(t.items.fields[1].typ)
			if err != nil {
				return nil, err
			}
			b = data.MapOf(k, v)
			break
		}
		items, err := toConnect(t.items)
		if err != nil {
			return nil, err
		}
		b = data.ArrayOf(items)
	case kMap:
		values, err := toConnect(t.values)
		if err != nil {
			return nil, err
		}
		b = data.MapOf(data.StringSchema, values)
	case kRecord:
		b = data.StructBuilder()
		for _, f := range t.fields {
			var def json.RawMessage
			if f.hasDefault && !bytes.Equal(f.def, []byte("null")) {
				def = f.def
			}
			fs, err := toConnectOpt(f.typ, false, def)
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.name, err)
			}
			b.Field(f.name, fs)
		}
		if !strings.HasPrefix(t.name, connectDefault) || t.namespace != avroNamespace {
			b.Name(t.fullName())
		}
		if t.doc != "" {
			b.Doc(t.doc)
		}
	default:
		return nil, fmt.Errorf("unsupported Avro type %d", t.kind)
	}
	switch t.logical {
	case "decimal":
		b.Name(data.DecimalName).Version(1).Param(data.DecimalScaleParam, strconv.Itoa(t.scale))
		if t.precision != defaultPrecision && t.precision > 0 {
			b.Param(precisionParam, strconv.Itoa(t.precision))
		}
	case "date":
		b.Name(data.DateName).Version(1)
	case "time-millis":
		b.Name(data.TimeName).Version(1)
	case "timestamp-millis":
		b.Name(data.TimestampName).Version(1)
	}
	if n := t.propString(propConnectName); n != "" {
		b.Name(n)
	}
	if raw, ok := t.prop(propConnectVer); ok {
		if v, err := strconv.Atoi(string(raw)); err == nil {
			b.Version(int32(v))
		}
	}
	if d := t.propString(propConnectDoc); d != "" {
		b.Doc(d)
	}
	if raw, ok := t.prop(propConnectParams); ok {
		var params map[string]string
		if json.Unmarshal(raw, &params) == nil {
			b.Params(params)
		}
	}
	if optional {
		b.Optional()
	}
	partial, err := b.Build()
	if err != nil {
		return nil, err
	}
	def := fieldDefault
	if raw, ok := t.prop(propConnectDef); ok {
		def = raw
	}
	if def != nil {
		v, err := fromJSONDefault(partial, def)
		if err != nil {
			return nil, fmt.Errorf("default value: %w", err)
		}
		b.Default(v)
	}
	return b.Build()
}

// fromJSONDefault reads an Avro JSON default into a Connect value.
func fromJSONDefault(s *data.Schema, raw json.RawMessage) (any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var node any
	if err := d.Decode(&node); err != nil {
		return nil, err
	}
	return jsonToConnect(s, node)
}

func jsonToConnect(s *data.Schema, node any) (any, error) {
	if node == nil {
		return nil, nil
	}
	switch s.Name {
	case data.DecimalName, data.DateName, data.TimeName, data.TimestampName:
		// Logical defaults are rare; skip rather than guess their JSON form.
		return nil, nil
	}
	switch s.Type {
	case data.TypeBoolean:
		b, ok := node.(bool)
		if !ok {
			return nil, fmt.Errorf("expected a boolean")
		}
		return b, nil
	case data.TypeInt8, data.TypeInt16, data.TypeInt32, data.TypeInt64:
		n, ok := node.(json.Number)
		if !ok {
			return nil, fmt.Errorf("expected a number")
		}
		i, err := n.Int64()
		if err != nil {
			return nil, err
		}
		switch s.Type {
		case data.TypeInt8:
			return int8(i), nil
		case data.TypeInt16:
			return int16(i), nil
		case data.TypeInt32:
			return int32(i), nil
		}
		return i, nil
	case data.TypeFloat32, data.TypeFloat64:
		n, ok := node.(json.Number)
		if !ok {
			return nil, fmt.Errorf("expected a number")
		}
		f, err := n.Float64()
		if s.Type == data.TypeFloat32 {
			return float32(f), err
		}
		return f, err
	case data.TypeString:
		str, ok := node.(string)
		if !ok {
			return nil, fmt.Errorf("expected a string")
		}
		return str, nil
	case data.TypeBytes:
		str, ok := node.(string)
		if !ok {
			return nil, fmt.Errorf("expected a string")
		}
		out := make([]byte, 0, len(str))
		for _, r := range str {
			out = append(out, byte(r))
		}
		return out, nil
	}
	return nil, nil // containers: Connect keeps no default here
}
