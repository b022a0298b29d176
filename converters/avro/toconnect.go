package avro

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/avroschema"
)

// toConnect maps an Avro schema to Connect as AvroData.toConnectSchema
// does: connect.* props restore names, versions, parameters, INT8/INT16
// and defaults; ["null",X] unions become optional X.
func toConnect(t *avroschema.Schema) (*data.Schema, error) {
	return toConnectOpt(t, false, nil)
}

func toConnectOpt(t *avroschema.Schema, optional bool, fieldDefault json.RawMessage) (*data.Schema, error) {
	if t.Kind == avroschema.Union {
		var nonNull []*avroschema.Schema
		hasNull := false
		for _, b := range t.Branches {
			if b.Kind == avroschema.Null {
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
	switch t.Kind {
	case avroschema.Boolean:
		b = data.NewBuilder(data.TypeBoolean)
	case avroschema.Int:
		b = data.NewBuilder(data.TypeInt32)
		switch t.PropString(propConnectType) {
		case "int8":
			b = data.NewBuilder(data.TypeInt8)
		case "int16":
			b = data.NewBuilder(data.TypeInt16)
		}
	case avroschema.Long:
		b = data.NewBuilder(data.TypeInt64)
	case avroschema.Float:
		b = data.NewBuilder(data.TypeFloat32)
	case avroschema.Double:
		b = data.NewBuilder(data.TypeFloat64)
	case avroschema.String, avroschema.Enum:
		b = data.NewBuilder(data.TypeString)
	case avroschema.Bytes, avroschema.Fixed:
		b = data.NewBuilder(data.TypeBytes)
	case avroschema.Array:
		if t.Items.Kind == avroschema.Record && t.Items.FullName() == avroNamespace+"."+mapEntryName && len(t.Items.Fields) == 2 {
			k, err := toConnect(t.Items.Fields[0].Type)
			if err != nil {
				return nil, err
			}
			v, err := toConnect(t.Items.Fields[1].Type)
			if err != nil {
				return nil, err
			}
			b = data.MapOf(k, v)
			break
		}
		items, err := toConnect(t.Items)
		if err != nil {
			return nil, err
		}
		b = data.ArrayOf(items)
	case avroschema.Map:
		values, err := toConnect(t.Values)
		if err != nil {
			return nil, err
		}
		b = data.MapOf(data.StringSchema, values)
	case avroschema.Record:
		b = data.StructBuilder()
		for _, f := range t.Fields {
			var def json.RawMessage
			if f.HasDefault && !bytes.Equal(f.Default, []byte("null")) {
				def = f.Default
			}
			fs, err := toConnectOpt(f.Type, false, def)
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.Name, err)
			}
			b.Field(f.Name, fs)
		}
		if !strings.HasPrefix(t.Name, connectDefault) || t.Namespace != avroNamespace {
			b.Name(t.FullName())
		}
		if t.Doc != "" {
			b.Doc(t.Doc)
		}
	default:
		return nil, fmt.Errorf("unsupported Avro type %d", t.Kind)
	}
	switch t.Logical {
	case "decimal":
		b.Name(data.DecimalName).Version(1).Param(data.DecimalScaleParam, strconv.Itoa(t.Scale))
		if t.Precision != defaultPrecision && t.Precision > 0 {
			b.Param(precisionParam, strconv.Itoa(t.Precision))
		}
	case "date":
		b.Name(data.DateName).Version(1)
	case "time-millis":
		b.Name(data.TimeName).Version(1)
	case "timestamp-millis":
		b.Name(data.TimestampName).Version(1)
	}
	if n := t.PropString(propConnectName); n != "" {
		b.Name(n)
	}
	if raw, ok := t.Prop(propConnectVer); ok {
		if v, err := strconv.Atoi(string(raw)); err == nil {
			b.Version(int32(v))
		}
	}
	if d := t.PropString(propConnectDoc); d != "" {
		b.Doc(d)
	}
	if raw, ok := t.Prop(propConnectParams); ok {
		if params, ok := orderedParams(raw); ok {
			for _, kv := range params {
				b.Param(kv[0], kv[1])
			}
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
	if raw, ok := t.Prop(propConnectDef); ok {
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

// orderedParams reads a connect.parameters object in its order (AvroData
// fills Connect's LinkedHashMap from it); ok=false when it is not an
// object of strings.
func orderedParams(raw json.RawMessage) ([][2]string, bool) {
	d := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	var out [][2]string
	for d.More() {
		k, err := d.Token()
		if err != nil {
			return nil, false
		}
		v, err := d.Token()
		if err != nil {
			return nil, false
		}
		ks, ok1 := k.(string)
		vs, ok2 := v.(string)
		if !ok1 || !ok2 {
			return nil, false
		}
		out = append(out, [2]string{ks, vs})
	}
	if tok, err := d.Token(); err != nil || tok != json.Delim('}') {
		return nil, false
	}
	return out, true
}
