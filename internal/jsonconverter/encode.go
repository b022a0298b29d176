package jsonconverter

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/jsondoc"
)

// appendSchema writes a schema as JsonConverter.asJsonSchema does: type,
// then items / keys, values / fields, then optional, name, version, doc,
// parameters and default.
func (c *Converter) appendSchema(b []byte, s *data.Schema) ([]byte, error) {
	b = append(b, `{"type":`...)
	b = jsondoc.AppendString(b, jsonTypeName(s.Type))
	var err error
	switch s.Type {
	case data.TypeArray:
		b = append(b, `,"items":`...)
		if b, err = c.appendSchema(b, s.Value); err != nil {
			return b, err
		}
	case data.TypeMap:
		b = append(b, `,"keys":`...)
		if b, err = c.appendSchema(b, s.Key); err != nil {
			return b, err
		}
		b = append(b, `,"values":`...)
		if b, err = c.appendSchema(b, s.Value); err != nil {
			return b, err
		}
	case data.TypeStruct:
		b = append(b, `,"fields":[`...)
		for i, f := range s.Fields {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = c.appendSchema(b, f.Schema); err != nil {
				return b, err
			}
			// The field name goes last, inside the field's schema object.
			b = append(b[:len(b)-1], `,"field":`...)
			b = jsondoc.AppendString(b, f.Name)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"optional":`...)
	b = strconv.AppendBool(b, s.Optional)
	if s.Name != "" {
		b = append(b, `,"name":`...)
		b = jsondoc.AppendString(b, s.Name)
	}
	if s.Version != nil {
		b = append(b, `,"version":`...)
		b = strconv.AppendInt(b, int64(*s.Version), 10)
	}
	if s.Doc != "" {
		b = append(b, `,"doc":`...)
		b = jsondoc.AppendString(b, s.Doc)
	}
	if len(s.Parameters) > 0 {
		b = append(b, `,"parameters":{`...)
		for i, k := range s.ParamKeys() {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsondoc.AppendString(b, k)
			b = append(b, ':')
			b = jsondoc.AppendString(b, s.Parameters[k])
		}
		b = append(b, '}')
	}
	if s.Default != nil {
		b = append(b, `,"default":`...)
		if b, err = c.appendValue(b, s, s.Default); err != nil {
			return b, fmt.Errorf("default value: %w", err)
		}
	}
	return append(b, '}'), nil
}

func jsonTypeName(t data.Type) string {
	switch t {
	case data.TypeFloat32:
		return "float"
	case data.TypeFloat64:
		return "double"
	}
	return t.String()
}

// appendValue writes a value as JsonConverter.convertToJson does.
func (c *Converter) appendValue(b []byte, s *data.Schema, v any) ([]byte, error) {
	if v == nil {
		if s == nil {
			return append(b, "null"...), nil
		}
		if s.Default != nil && c.replaceNull {
			return c.appendValue(b, s, s.Default)
		}
		if s.Optional {
			return append(b, "null"...), nil
		}
		return b, fmt.Errorf("conversion error: null value for field that is required and has no default value")
	}
	if s == nil {
		return c.appendSchemaless(b, v)
	}
	switch s.Name {
	case data.DecimalName:
		d, ok := v.(*data.BigDecimal)
		if !ok {
			return b, typeError(s, v)
		}
		if c.numericDecimal {
			if d.Scale > maxDecimalScale || d.Scale < -maxDecimalScale {
				return b, fmt.Errorf("decimal scale %d is too large to write as a plain number", d.Scale)
			}
			return append(b, d.String()...), nil
		}
		if d.Unscaled != nil && d.Unscaled.IsInt64() {
			// The common case without big.Int's byte slices: the same
			// bytes, minimal two's complement (BigInteger.toByteArray).
			scale, err := data.DecimalScale(s)
			if err != nil {
				return b, err
			}
			if d.Scale != scale {
				return b, fmt.Errorf("decimal %s has scale %d but the schema requires scale %d", d, d.Scale, scale)
			}
			var raw [8]byte
			binary.BigEndian.PutUint64(raw[:], uint64(d.Unscaled.Int64()))
			i := 0
			for i < 7 && ((raw[i] == 0 && raw[i+1]&0x80 == 0) || (raw[i] == 0xff && raw[i+1]&0x80 != 0)) {
				i++
			}
			return appendBase64(b, raw[i:]), nil
		}
		raw, err := data.DecimalToBytes(s, d)
		if err != nil {
			return b, err
		}
		return appendBase64(b, raw), nil
	case data.DateName:
		t, ok := v.(time.Time)
		if !ok {
			return b, typeError(s, v)
		}
		days, err := data.DateToDays(t)
		if err != nil {
			return b, err
		}
		return strconv.AppendInt(b, int64(days), 10), nil
	case data.TimeName:
		t, ok := v.(time.Time)
		if !ok {
			return b, typeError(s, v)
		}
		ms, err := data.TimeToMillis(t)
		if err != nil {
			return b, err
		}
		return strconv.AppendInt(b, int64(ms), 10), nil
	case data.TimestampName:
		t, ok := v.(time.Time)
		if !ok {
			return b, typeError(s, v)
		}
		return strconv.AppendInt(b, t.UnixMilli(), 10), nil
	}
	switch s.Type {
	case data.TypeInt8:
		if x, ok := v.(int8); ok {
			return strconv.AppendInt(b, int64(x), 10), nil
		}
	case data.TypeInt16:
		if x, ok := v.(int16); ok {
			return strconv.AppendInt(b, int64(x), 10), nil
		}
	case data.TypeInt32:
		if x, ok := v.(int32); ok {
			return strconv.AppendInt(b, int64(x), 10), nil
		}
	case data.TypeInt64:
		if x, ok := v.(int64); ok {
			return strconv.AppendInt(b, x, 10), nil
		}
	case data.TypeFloat32:
		if x, ok := v.(float32); ok {
			return appendFloat(b, float64(x), 32)
		}
	case data.TypeFloat64:
		if x, ok := v.(float64); ok {
			return appendFloat(b, x, 64)
		}
	case data.TypeBoolean:
		if x, ok := v.(bool); ok {
			return strconv.AppendBool(b, x), nil
		}
	case data.TypeString:
		if x, ok := v.(string); ok {
			return jsondoc.AppendString(b, x), nil
		}
	case data.TypeBytes:
		if x, ok := v.([]byte); ok {
			return appendBase64(b, x), nil
		}
	case data.TypeArray:
		if x, ok := v.([]any); ok {
			b = append(b, '[')
			for i, e := range x {
				if i > 0 {
					b = append(b, ',')
				}
				var err error
				if b, err = c.appendValue(b, s.Value, e); err != nil {
					return b, err
				}
			}
			return append(b, ']'), nil
		}
	case data.TypeMap:
		return c.appendMap(b, s, v)
	case data.TypeStruct:
		st, ok := v.(*data.Struct)
		if !ok {
			break
		}
		if !data.Equal(st.Schema(), s) {
			return b, fmt.Errorf("mismatching schema")
		}
		e := c.seen.entry(s)
		again := e.st == st && e.gen == st.Generation()
		if again && e.text != nil {
			return append(b, e.text...), nil
		}
		start := len(b)
		b = append(b, '{')
		keys := c.fieldKeys(s)
		for i, f := range s.Fields {
			b = append(b, keys[i]...)
			var err error
			if b, err = c.appendValue(b, f.Schema, st.RawIndex(i)); err != nil {
				return b, fmt.Errorf("field %s: %w", f.Name, err)
			}
		}
		b = append(b, '}')
		switch {
		case !again:
			e.st, e.gen, e.text = st, st.Generation(), nil
		case scalarFields(st):
			// The same struct, unchanged, a second time (records
			// sharing a source block): its text is kept for the next.
			e.text = append([]byte(nil), b[start:]...)
		}
		return b, nil
	}
	return b, typeError(s, v)
}

// seenStructs remembers, per STRUCT schema, the struct value written last
// (by identity and generation) and, once the same one came again, its
// text: records of one moment share their source block, whose text is
// then written once. Only structs of immutable scalar fields are kept
// (scalarFields): a nested value could change without the struct's
// generation moving.
type seenStructs struct {
	entries [8]seenStruct
	next    int
}

type seenStruct struct {
	schema *data.Schema
	st     *data.Struct
	gen    uint64
	text   []byte
}

// entry returns the schema's entry, taking over the oldest when it has none.
func (c *seenStructs) entry(s *data.Schema) *seenStruct {
	for i := range c.entries {
		if c.entries[i].schema == s {
			return &c.entries[i]
		}
	}
	e := &c.entries[c.next]
	c.next = (c.next + 1) % len(c.entries)
	*e = seenStruct{schema: s}
	return e
}

// scalarFields reports whether every field of st holds an immutable
// value (nil, a string, a number or a boolean).
func scalarFields(st *data.Struct) bool {
	for i := range st.Schema().Fields {
		switch st.RawIndex(i).(type) {
		case nil, string, bool, int8, int16, int32, int64, float32, float64:
		default:
			return false
		}
	}
	return true
}

// maxFieldKeys bounds the field-name cache; it is cleared when full.
const maxFieldKeys = 1024

// fieldKeys returns, for a STRUCT schema, each field's name quoted with
// its ':' (and the ',' before it, but for the first field), from a cache
// by schema identity: a stream of records shares its schemas, so names
// are escaped once, not per value.
func (c *Converter) fieldKeys(s *data.Schema) [][]byte {
	if keys, ok := c.keys[s]; ok {
		return keys
	}
	n := 0
	for _, f := range s.Fields {
		n += len(f.Name) + 4
	}
	text := make([]byte, 0, n)
	keys := make([][]byte, len(s.Fields))
	for i, f := range s.Fields {
		start := len(text)
		if i > 0 {
			text = append(text, ',')
		}
		text = jsondoc.AppendString(text, f.Name)
		text = append(text, ':')
		keys[i] = text[start:len(text):len(text)]
	}
	if c.keys == nil || len(c.keys) >= maxFieldKeys {
		c.keys = map[*data.Schema][][]byte{}
	}
	c.keys[s] = keys
	return keys
}

func typeError(s *data.Schema, v any) error {
	return fmt.Errorf("invalid type for %s: %T", s.Type.JavaName(), v)
}

// appendMap writes maps with string keys as objects, others as arrays of
// [key, value] pairs; keys are sorted so output is stable.
func (c *Converter) appendMap(b []byte, s *data.Schema, v any) ([]byte, error) {
	stringKeys := s.Key == nil || s.Key.Type == data.TypeString
	var err error
	switch m := v.(type) {
	case map[string]any:
		if !stringKeys {
			return b, fmt.Errorf("map with string keys does not match key schema %s", s.Key.Type.JavaName())
		}
		return c.appendStringMap(b, valueSchema(s), m)
	case map[any]any:
		keys := make([]any, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return data.JavaString(keys[i]) < data.JavaString(keys[j]) })
		if stringKeys {
			b = append(b, '{')
			for i, k := range keys {
				ks, ok := k.(string)
				if !ok {
					return b, fmt.Errorf("map key %v is not a string", k)
				}
				if i > 0 {
					b = append(b, ',')
				}
				b = jsondoc.AppendString(b, ks)
				b = append(b, ':')
				if b, err = c.appendValue(b, valueSchema(s), m[k]); err != nil {
					return b, err
				}
			}
			return append(b, '}'), nil
		}
		b = append(b, '[')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '[')
			if b, err = c.appendValue(b, s.Key, k); err != nil {
				return b, err
			}
			b = append(b, ',')
			if b, err = c.appendValue(b, valueSchema(s), m[k]); err != nil {
				return b, err
			}
			b = append(b, ']')
		}
		return append(b, ']'), nil
	}
	return b, typeError(s, v)
}

type stringEntry struct {
	k string
	v any
}

// appendStringMap writes a map with string keys as an object, keys in
// byte order; entries are sorted with their values, so no key is looked
// up again, and small maps need no allocation.
func (c *Converter) appendStringMap(b []byte, vs *data.Schema, m map[string]any) ([]byte, error) {
	var buf [32]stringEntry
	entries := buf[:0]
	for k, v := range m {
		entries = append(entries, stringEntry{k, v})
	}
	slices.SortFunc(entries, func(x, y stringEntry) int { return strings.Compare(x.k, y.k) })
	b = append(b, '{')
	var err error
	for i, e := range entries {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsondoc.AppendString(b, e.k)
		b = append(b, ':')
		if b, err = c.appendValue(b, vs, e.v); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

func valueSchema(s *data.Schema) *data.Schema {
	if s == nil {
		return nil
	}
	return s.Value
}

// appendSchemaless writes a value with no schema, inferring from its Go type.
func (c *Converter) appendSchemaless(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case int8:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int16:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int32:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case float32:
		return appendFloat(b, float64(x), 32)
	case float64:
		return appendFloat(b, x, 64)
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
			if b, err = c.appendValue(b, nil, e); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	case map[string]any:
		return c.appendStringMap(b, nil, x)
	case map[any]any:
		allStrings := true
		for k := range x {
			if _, ok := k.(string); !ok {
				allStrings = false
				break
			}
		}
		ks := &data.Schema{Type: data.TypeMap}
		if !allStrings {
			ks.Key = &data.Schema{Type: data.TypeInt64} // anything but STRING: pairs
		}
		return c.appendMap(b, ks, x)
	case *data.Struct:
		return c.appendValue(b, x.Schema(), x)
	case *data.BigDecimal:
		return append(b, x.String()...), nil
	case time.Time:
		return strconv.AppendInt(b, x.UnixMilli(), 10), nil
	}
	return b, fmt.Errorf("Go type %T does not have a corresponding schema type", v)
}

// appendFloat writes a float as Jackson does (Java's Double/Float.toString).
func appendFloat(b []byte, f float64, bits int) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		// Jackson's default QUOTE_NON_NUMERIC_NUMBERS writes these as
		// strings ("NaN", "Infinity"), which also keeps the JSON valid.
		return jsondoc.AppendString(b, data.JavaFloat(f, bits)), nil
	}
	return append(b, data.JavaFloat(f, bits)...), nil
}

func appendBase64(b []byte, raw []byte) []byte {
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, raw)
	return append(b, '"')
}
