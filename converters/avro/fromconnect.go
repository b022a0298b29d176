package avro

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/avroschema"
)

// Names AvroData uses.
const (
	avroNamespace     = "io.confluent.connect.avro"
	connectDefault    = "ConnectDefault"
	mapEntryName      = "MapEntry"
	precisionParam    = "connect.decimal.precision"
	defaultPrecision  = 64
	propConnectName   = "connect.name"
	propConnectVer    = "connect.version"
	propConnectDoc    = "connect.doc"
	propConnectParams = "connect.parameters"
	propConnectDef    = "connect.default"
	propConnectType   = "connect.type"
)

// fromConnect maps Connect schemas to Avro as Confluent's AvroData does.
type fromConnect struct {
	metaData bool
	unnamed  int
}

func rawString(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}

func (c *fromConnect) schema(s *data.Schema) (*avroschema.Schema, error) {
	base, err := c.nonOptional(s)
	if err != nil {
		return nil, err
	}
	if !s.Optional {
		return base, nil
	}
	if s.Default != nil {
		return &avroschema.Schema{Kind: avroschema.Union, Branches: []*avroschema.Schema{base, {Kind: avroschema.Null}}}, nil
	}
	return &avroschema.Schema{Kind: avroschema.Union, Branches: []*avroschema.Schema{{Kind: avroschema.Null}, base}}, nil
}

// nonOptional builds the type with its metadata props.
func (c *fromConnect) nonOptional(s *data.Schema) (*avroschema.Schema, error) {
	t := &avroschema.Schema{}
	switch s.Type {
	case data.TypeInt8, data.TypeInt16, data.TypeInt32:
		t.Kind = avroschema.Int
	case data.TypeInt64:
		t.Kind = avroschema.Long
	case data.TypeFloat32:
		t.Kind = avroschema.Float
	case data.TypeFloat64:
		t.Kind = avroschema.Double
	case data.TypeBoolean:
		t.Kind = avroschema.Boolean
	case data.TypeString:
		t.Kind = avroschema.String
	case data.TypeBytes:
		t.Kind = avroschema.Bytes
	case data.TypeArray:
		items, err := c.schema(s.Value)
		if err != nil {
			return nil, err
		}
		t.Kind, t.Items = avroschema.Array, items
	case data.TypeMap:
		values, err := c.schema(s.Value)
		if err != nil {
			return nil, err
		}
		if s.Key.Type == data.TypeString && !s.Key.Optional {
			t.Kind, t.Values = avroschema.Map, values
			break
		}
		keys, err := c.schema(s.Key)
		if err != nil {
			return nil, err
		}
		entry := &avroschema.Schema{Kind: avroschema.Record, Name: mapEntryName, Namespace: avroNamespace,
			Fields: []*avroschema.Field{{Name: "key", Type: keys}, {Name: "value", Type: values}}}
		t.Kind, t.Items = avroschema.Array, entry
	case data.TypeStruct:
		t.Kind = avroschema.Record
		if s.Name != "" {
			t.Namespace, t.Name = avroschema.SplitName(s.Name)
		} else {
			c.unnamed++
			t.Namespace, t.Name = avroNamespace, connectDefault
			if c.unnamed > 1 {
				t.Name += strconv.Itoa(c.unnamed)
			}
		}
		t.Doc = s.Doc
		for _, f := range s.Fields {
			ft, err := c.schema(f.Schema)
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.Name, err)
			}
			af := &avroschema.Field{Name: f.Name, Type: ft}
			switch {
			case f.Schema.Default != nil:
				def, err := defaultJSON(f.Schema, f.Schema.Default)
				if err != nil {
					return nil, fmt.Errorf("default of field %s: %w", f.Name, err)
				}
				af.Default, af.HasDefault = def, true
			case f.Schema.Optional:
				af.Default, af.HasDefault = json.RawMessage("null"), true
			}
			t.Fields = append(t.Fields, af)
		}
	default:
		return nil, fmt.Errorf("unsupported Connect type %s", s.Type.JavaName())
	}
	switch s.Name {
	case data.DecimalName:
		scale, err := data.DecimalScale(s)
		if err != nil {
			return nil, err
		}
		t.Logical, t.Scale, t.Precision = "decimal", int(scale), defaultPrecision
		if p := s.Param(precisionParam); p != "" {
			if n, err := strconv.Atoi(p); err == nil {
				t.Precision = n
			}
		}
	case data.DateName:
		t.Logical = "date"
	case data.TimeName:
		t.Logical = "time-millis"
	case data.TimestampName:
		t.Logical = "timestamp-millis"
	}
	if !c.metaData {
		return t, nil
	}
	if s.Doc != "" {
		t.Props = append(t.Props, avroschema.Prop{Key: propConnectDoc, Value: rawString(s.Doc)})
	}
	if s.Version != nil {
		t.Props = append(t.Props, avroschema.Prop{Key: propConnectVer, Value: json.RawMessage(strconv.Itoa(int(*s.Version)))})
	}
	if len(s.Parameters) > 0 {
		params := []byte{'{'}
		for i, k := range s.ParamKeys() {
			if i > 0 {
				params = append(params, ',')
			}
			params = append(params, rawString(k)...)
			params = append(params, ':')
			params = append(params, rawString(s.Parameters[k])...)
		}
		t.Props = append(t.Props, avroschema.Prop{Key: propConnectParams, Value: append(params, '}')})
	}
	if s.Default != nil {
		def, err := defaultJSON(s, s.Default)
		if err != nil {
			return nil, fmt.Errorf("default value: %w", err)
		}
		t.Props = append(t.Props, avroschema.Prop{Key: propConnectDef, Value: def})
	}
	if s.Name != "" {
		t.Props = append(t.Props, avroschema.Prop{Key: propConnectName, Value: rawString(s.Name)})
	}
	switch s.Type {
	case data.TypeInt8:
		t.Props = append(t.Props, avroschema.Prop{Key: propConnectType, Value: rawString("int8")})
	case data.TypeInt16:
		t.Props = append(t.Props, avroschema.Prop{Key: propConnectType, Value: rawString("int16")})
	}
	return t, nil
}

// defaultJSON writes a Connect value as an Avro JSON default.
func defaultJSON(s *data.Schema, v any) (json.RawMessage, error) {
	j, err := jsonValue(s, v)
	if err != nil {
		return nil, err
	}
	return json.Marshal(j)
}

func jsonValue(s *data.Schema, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch x := v.(type) {
	case *data.BigDecimal:
		return bytesAsString(data.TwosComplement(x.Unscaled)), nil
	case time.Time:
		switch s.Name {
		case data.DateName:
			d, err := data.DateToDays(x)
			return d, err
		case data.TimeName:
			m, err := data.TimeToMillis(x)
			return m, err
		}
		return x.UnixMilli(), nil
	case []byte:
		return bytesAsString(x), nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			j, err := jsonValue(s.Value, e)
			if err != nil {
				return nil, err
			}
			out[i] = j
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			j, err := jsonValue(s.Value, e)
			if err != nil {
				return nil, err
			}
			out[k] = j
		}
		return out, nil
	case *data.Struct:
		out := make(map[string]any, len(s.Fields))
		for i, f := range s.Fields {
			j, err := jsonValue(f.Schema, x.GetIndex(i))
			if err != nil {
				return nil, err
			}
			out[f.Name] = j
		}
		return out, nil
	}
	return v, nil
}

// bytesAsString is Avro's JSON form of bytes: one code point per byte.
func bytesAsString(b []byte) string {
	r := make([]byte, 0, len(b)*2)
	for _, c := range b {
		r = utf8.AppendRune(r, rune(c))
	}
	return string(r)
}
