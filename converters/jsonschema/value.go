package jsonschema

import (
	"encoding/base64"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/jsondoc"
)

// appendValue writes a Connect value as JsonSchemaData.fromConnectData
// builds it and Jackson prints it. A nil result with a nil error means
// "absent" (a null value of a required schema without default), which a
// struct leaves out.
func (m *mapping) appendValue(b []byte, s *data.Schema, v any) ([]byte, error) {
	if v == nil {
		if s == nil {
			return append(b, "null"...), nil
		}
		if s.Default != nil && !m.ignoreDefault {
			return m.appendValue(b, s, s.Default)
		}
		return append(b, "null"...), nil
	}
	if s == nil {
		return appendSchemaless(b, v)
	}
	switch s.Name {
	case data.DecimalName:
		d, ok := v.(*data.BigDecimal)
		if !ok {
			return nil, fmt.Errorf("invalid type for Decimal, expected BigDecimal but was %T", v)
		}
		if m.decimalFormat == decimalNumeric {
			return append(b, jsondoc.JavaBigDecimal(d.Unscaled, int64(d.Scale))...), nil
		}
		raw, err := data.DecimalToBytes(s, d)
		if err != nil {
			return nil, err
		}
		return appendBase64(b, raw), nil
	case data.DateName, data.TimeName, data.TimestampName:
		t, ok := v.(time.Time)
		if !ok {
			return nil, fmt.Errorf("invalid type for %s, expected Date but was %T", s.Name, v)
		}
		switch s.Name {
		case data.DateName:
			days, err := data.DateToDays(t)
			if err != nil {
				return nil, err
			}
			return strconv.AppendInt(b, int64(days), 10), nil
		case data.TimeName:
			ms, err := data.TimeToMillis(t)
			if err != nil {
				return nil, err
			}
			return strconv.AppendInt(b, int64(ms), 10), nil
		}
		return strconv.AppendInt(b, data.TimestampToMillis(t), 10), nil
	}
	bad := func() ([]byte, error) {
		return nil, fmt.Errorf("invalid type for %s: %T", s.Type.JavaName(), v)
	}
	switch s.Type {
	case data.TypeInt8:
		x, ok := v.(int8)
		if !ok {
			return bad()
		}
		return strconv.AppendInt(b, int64(x), 10), nil
	case data.TypeInt16:
		x, ok := v.(int16)
		if !ok {
			return bad()
		}
		return strconv.AppendInt(b, int64(x), 10), nil
	case data.TypeInt32:
		x, ok := v.(int32)
		if !ok {
			return bad()
		}
		return strconv.AppendInt(b, int64(x), 10), nil
	case data.TypeInt64:
		x, ok := v.(int64)
		if !ok {
			return bad()
		}
		return strconv.AppendInt(b, x, 10), nil
	case data.TypeFloat32:
		x, ok := v.(float32)
		if !ok {
			return bad()
		}
		return appendFloat(b, float64(x), 32), nil
	case data.TypeFloat64:
		x, ok := v.(float64)
		if !ok {
			return bad()
		}
		return appendFloat(b, x, 64), nil
	case data.TypeBoolean:
		x, ok := v.(bool)
		if !ok {
			return bad()
		}
		return strconv.AppendBool(b, x), nil
	case data.TypeString:
		x, ok := v.(string)
		if !ok {
			return bad()
		}
		return jsondoc.AppendString(b, x), nil
	case data.TypeBytes:
		switch x := v.(type) {
		case []byte:
			return appendBase64(b, x), nil
		case *data.BigDecimal:
			return append(b, jsondoc.JavaBigDecimal(x.Unscaled, int64(x.Scale))...), nil
		}
		return bad()
	case data.TypeArray:
		a, ok := v.([]any)
		if !ok {
			return bad()
		}
		b = append(b, '[')
		for i, e := range a {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = m.appendValue(b, s.Value, e); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case data.TypeMap:
		return m.appendMap(b, s, v)
	case data.TypeStruct:
		st, ok := v.(*data.Struct)
		if !ok {
			return bad()
		}
		if !data.Equal(st.Schema(), s) {
			return nil, fmt.Errorf("mismatching schema")
		}
		if isUnion(s) {
			for i, f := range s.Fields {
				fv := m.field(st, i)
				if fv != nil {
					return m.appendValue(b, f.Schema, fv)
				}
			}
			return m.appendValue(b, s, nil)
		}
		b = append(b, '{')
		n := 0
		for i, f := range s.Fields {
			fv := m.field(st, i)
			if fv == nil && !f.Schema.Optional && (f.Schema.Default == nil || m.ignoreDefault) {
				// fromConnectData answers Java null: the member is left out.
				continue
			}
			if n > 0 {
				b = append(b, ',')
			}
			n++
			b = jsondoc.AppendString(b, f.Name)
			b = append(b, ':')
			var err error
			if b, err = m.appendValue(b, f.Schema, fv); err != nil {
				return nil, fmt.Errorf("field %s: %w", f.Name, err)
			}
		}
		return append(b, '}'), nil
	}
	return nil, fmt.Errorf("couldn't convert value to JSON")
}

func (m *mapping) field(st *data.Struct, i int) any {
	if m.ignoreDefault {
		return st.RawIndex(i)
	}
	return st.GetIndex(i)
}

func (m *mapping) appendMap(b []byte, s *data.Schema, v any) ([]byte, error) {
	objectMode := s.Key.Type == data.TypeString && !s.Key.Optional
	type kv struct{ k, v any }
	var entries []kv
	switch mv := v.(type) {
	case map[string]any:
		for k, x := range mv {
			entries = append(entries, kv{k, x})
		}
		// Go maps have no order; sort so equal maps give equal bytes.
		sort.Slice(entries, func(i, j int) bool { return entries[i].k.(string) < entries[j].k.(string) })
	case map[any]any:
		for k, x := range mv {
			entries = append(entries, kv{k, x})
		}
		sort.Slice(entries, func(i, j int) bool { return fmt.Sprint(entries[i].k) < fmt.Sprint(entries[j].k) })
	default:
		return nil, fmt.Errorf("invalid type for MAP: %T", v)
	}
	open, close := byte('{'), byte('}')
	if !objectMode {
		open, close = '[', ']'
	}
	b = append(b, open)
	for i, e := range entries {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if objectMode {
			k, ok := e.k.(string)
			if !ok {
				return nil, fmt.Errorf("map key %v is not a string", e.k)
			}
			b = jsondoc.AppendString(b, k)
			b = append(b, ':')
			if b, err = m.appendValue(b, s.Value, e.v); err != nil {
				return nil, err
			}
			continue
		}
		b = append(b, `{"key":`...)
		if b, err = m.appendValue(b, s.Key, e.k); err != nil {
			return nil, err
		}
		b = append(b, `,"value":`...)
		if b, err = m.appendValue(b, s.Value, e.v); err != nil {
			return nil, err
		}
		b = append(b, '}')
	}
	return append(b, close), nil
}

// appendSchemaless writes a value that came without a schema (only
// possible inside a schemaless container: the converter itself needs a
// schema), inferring the type as Connect's ConnectSchema.schemaType does.
func appendSchemaless(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case int8:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int16:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int32:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case float32:
		return appendFloat(b, float64(x), 32), nil
	case float64:
		return appendFloat(b, x, 64), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case string:
		return jsondoc.AppendString(b, x), nil
	case []byte:
		return appendBase64(b, x), nil
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendSchemaless(b, e); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsondoc.AppendString(b, k)
			b = append(b, ':')
			var err error
			if b, err = appendSchemaless(b, x[k]); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	}
	return nil, fmt.Errorf("Go type %T does not have a corresponding schema type", v)
}

// appendFloat writes a float as Jackson does (Java's Float/Double.toString;
// NaN and the infinities quoted).
func appendFloat(b []byte, f float64, bits int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return jsondoc.AppendString(b, data.JavaFloat(f, bits))
	}
	return append(b, data.JavaFloat(f, bits)...)
}

func appendBase64(b []byte, raw []byte) []byte {
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, raw)
	return append(b, '"')
}

// toConnectValue reads a JSON value (a jsondoc tree; absent is
// missing=true) as JsonSchemaData.toConnectData does.
func (m *mapping) toConnectValue(s *data.Schema, v any, missing bool) (any, error) {
	if s == nil {
		return schemalessValue(v)
	}
	if missing || v == nil {
		if s.Default != nil {
			return s.Default, nil
		}
		if missing || s.Optional {
			return nil, nil
		}
		return nil, fmt.Errorf("invalid null value for required %s field", s.Type.JavaName())
	}
	switch s.Name {
	case data.DecimalName:
		switch x := v.(type) {
		case jsondoc.Number:
			return decimalOf(string(x))
		case string:
			raw, err := base64.StdEncoding.DecodeString(x)
			if err != nil {
				return nil, fmt.Errorf("invalid bytes for Decimal field: %w", err)
			}
			return data.DecimalFromBytes(s, raw)
		}
		return nil, fmt.Errorf("invalid type for Decimal, underlying representation should be numeric or bytes but was %s", nodeType(v))
	case data.DateName, data.TimeName:
		n, ok := v.(jsondoc.Number)
		i, err := strconv.ParseInt(string(n), 10, 32)
		if !ok || err != nil {
			return nil, fmt.Errorf("invalid type for %s, underlying representation should be integer but was %s", logicalShort(s.Name), nodeType(v))
		}
		if s.Name == data.DateName {
			return data.DateFromDays(int32(i)), nil
		}
		return data.TimeFromMillis(int32(i)), nil
	case data.TimestampName:
		n, ok := v.(jsondoc.Number)
		i, err := strconv.ParseInt(string(n), 10, 64)
		if !ok || err != nil {
			return nil, fmt.Errorf("invalid type for Timestamp, underlying representation should be integral but was %s", nodeType(v))
		}
		return data.TimestampFromMillis(i), nil
	}
	switch s.Type {
	case data.TypeBoolean:
		x, ok := v.(bool)
		if !ok {
			// Jackson's booleanValue() of a non-boolean node is false.
			return false, nil
		}
		return x, nil
	case data.TypeInt8, data.TypeInt16, data.TypeInt32, data.TypeInt64:
		i, err := integerOf(v)
		if err != nil {
			return nil, err
		}
		switch s.Type {
		case data.TypeInt8:
			return int8(int16(i)), nil
		case data.TypeInt16:
			return int16(i), nil
		case data.TypeInt32:
			return int32(i), nil
		}
		return i, nil
	case data.TypeFloat32, data.TypeFloat64:
		n, ok := v.(jsondoc.Number)
		if !ok {
			return nil, fmt.Errorf("expected a number for %s, found %s", s.Type.JavaName(), nodeType(v))
		}
		f, err := strconv.ParseFloat(string(n), 64)
		if err != nil {
			return nil, err
		}
		if s.Type == data.TypeFloat32 {
			return float32(f), nil
		}
		return f, nil
	case data.TypeString:
		x, ok := v.(string)
		if !ok {
			// Jackson's textValue() of a non-text node is null.
			return nil, nil
		}
		return x, nil
	case data.TypeBytes:
		switch x := v.(type) {
		case string:
			raw, err := base64.StdEncoding.DecodeString(x)
			if err != nil {
				return nil, fmt.Errorf("invalid bytes field: %w", err)
			}
			return raw, nil
		case jsondoc.Number:
			return decimalOf(string(x))
		}
		return nil, fmt.Errorf("invalid bytes field: found %s", nodeType(v))
	case data.TypeArray:
		a, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("expected an array, found %s", nodeType(v))
		}
		out := make([]any, len(a))
		for i, e := range a {
			x, err := m.toConnectValue(s.Value, e, false)
			if err != nil {
				return nil, err
			}
			out[i] = x
		}
		return out, nil
	case data.TypeMap:
		if s.Key.Type == data.TypeString && !s.Key.Optional {
			o, ok := v.(*jsondoc.Object)
			if !ok {
				return nil, fmt.Errorf("maps with string fields should be encoded as JSON objects, but found %s", nodeType(v))
			}
			out := make(map[string]any, o.Len())
			for i, k := range o.Keys {
				x, err := m.toConnectValue(s.Value, o.Values[i], false)
				if err != nil {
					return nil, err
				}
				out[k] = x
			}
			return out, nil
		}
		a, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("maps with non-string fields should be encoded as JSON array of objects, but found %s", nodeType(v))
		}
		out := make(map[any]any, len(a))
		for _, e := range a {
			o, ok := e.(*jsondoc.Object)
			if !ok {
				return nil, fmt.Errorf("found invalid map entry instead of object: %s", nodeType(e))
			}
			if o.Len() != 2 {
				return nil, fmt.Errorf("found invalid map entry, expected length 2 but found :%d", o.Len())
			}
			kv, kok := o.Get(mapKeyField)
			vv, vok := o.Get(mapValueField)
			k, err := m.toConnectValue(s.Key, kv, !kok)
			if err != nil {
				return nil, err
			}
			x, err := m.toConnectValue(s.Value, vv, !vok)
			if err != nil {
				return nil, err
			}
			out[k] = x
		}
		return out, nil
	case data.TypeStruct:
		if isUnion(s) {
			return m.unionValue(s, v)
		}
		o, ok := v.(*jsondoc.Object)
		if !ok {
			return nil, fmt.Errorf("structs should be encoded as JSON objects, but found %s", nodeType(v))
		}
		st := data.NewStruct(s)
		for i, f := range s.Fields {
			fv, present := o.Get(f.Name)
			x, err := m.toConnectValue(f.Schema, fv, !present)
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.Name, err)
			}
			if x != nil {
				st.PutIndex(i, x)
			}
		}
		return st, nil
	}
	return nil, fmt.Errorf("unknown schema type: %s", s.Type)
}

// unionValue picks the oneOf branch as JsonSchemaData does: the first
// simple branch whose type fits, else the struct branch sharing the most
// property names.
func (m *mapping) unionValue(s *data.Schema, v any) (any, error) {
	best, bestScore := -1, 0
	for i, f := range s.Fields {
		if fitsSimple(f.Schema, v) {
			x, err := m.toConnectValue(f.Schema, v, false)
			if err != nil {
				return nil, err
			}
			st := data.NewStruct(s)
			st.PutIndex(i, x)
			return st, nil
		}
		if score := structMatch(f.Schema, v); score > bestScore {
			best, bestScore = i, score
		}
	}
	if best < 0 {
		return nil, fmt.Errorf("did not find matching oneof field for data")
	}
	x, err := m.toConnectValue(s.Fields[best].Schema, v, false)
	if err != nil {
		return nil, err
	}
	st := data.NewStruct(s)
	st.PutIndex(best, x)
	return st, nil
}

func fitsSimple(s *data.Schema, v any) bool {
	switch s.Type {
	case data.TypeInt8, data.TypeInt16, data.TypeInt32, data.TypeInt64:
		n, ok := v.(jsondoc.Number)
		_, err := strconv.ParseInt(string(n), 10, 64)
		return ok && err == nil
	case data.TypeFloat32, data.TypeFloat64:
		_, ok := v.(jsondoc.Number)
		return ok
	case data.TypeBoolean:
		_, ok := v.(bool)
		return ok
	case data.TypeString:
		_, ok := v.(string)
		return ok
	case data.TypeBytes:
		// A parsed tree has no binary nodes; only a decimal number fits.
		n, ok := v.(jsondoc.Number)
		_, err := strconv.ParseInt(string(n), 10, 64)
		return ok && err != nil
	case data.TypeArray:
		_, ok := v.([]any)
		return ok
	case data.TypeMap:
		switch v.(type) {
		case *jsondoc.Object, []any:
			return true
		}
	}
	return false
}

func structMatch(s *data.Schema, v any) int {
	o, ok := v.(*jsondoc.Object)
	if s.Type != data.TypeStruct || !ok {
		return 0
	}
	n := 0
	for _, f := range s.Fields {
		if fv, ok := o.Get(f.Name); ok {
			n += 1 + structMatch(f.Schema, fv)
		}
	}
	return n
}

func integerOf(v any) (int64, error) {
	n, ok := v.(jsondoc.Number)
	if !ok {
		return 0, fmt.Errorf("expected an integer, found %s", nodeType(v))
	}
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return i, nil
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil {
		return 0, err
	}
	// Jackson's longValue() of a decimal node truncates.
	return int64(f), nil
}

func decimalOf(lit string) (*data.BigDecimal, error) {
	mant, exp := lit, int64(0)
	for i := 0; i < len(lit); i++ {
		if lit[i] == 'e' || lit[i] == 'E' {
			mant = lit[:i]
			e, err := strconv.ParseInt(lit[i+1:], 10, 32)
			if err != nil {
				return nil, fmt.Errorf("invalid decimal %q", lit)
			}
			exp = e
			break
		}
	}
	d, err := data.ParseBigDecimal(mant)
	if err != nil {
		return nil, err
	}
	d.Scale -= int32(exp)
	return d, nil
}

func schemalessValue(v any) (any, error) {
	switch x := v.(type) {
	case nil, bool, string:
		return x, nil
	case jsondoc.Number:
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return i, nil
		}
		return strconv.ParseFloat(string(x), 64)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			y, err := schemalessValue(e)
			if err != nil {
				return nil, err
			}
			out[i] = y
		}
		return out, nil
	case *jsondoc.Object:
		out := make(map[string]any, x.Len())
		for i, k := range x.Keys {
			y, err := schemalessValue(x.Values[i])
			if err != nil {
				return nil, err
			}
			out[k] = y
		}
		return out, nil
	}
	return nil, fmt.Errorf("unexpected JSON value %T", v)
}

func nodeType(v any) string {
	switch v.(type) {
	case nil:
		return "NULL"
	case bool:
		return "BOOLEAN"
	case jsondoc.Number:
		return "NUMBER"
	case string:
		return "STRING"
	case []any:
		return "ARRAY"
	case *jsondoc.Object:
		return "OBJECT"
	}
	return "MISSING"
}

func logicalShort(name string) string {
	if name == data.DateName {
		return "Date"
	}
	return "Time"
}
