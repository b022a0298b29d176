// Package simpleheader is Connect's SimpleHeaderConverter, the default
// header converter: header values are written as text and read back with
// their type inferred from that text.
package simpleheader

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/data"
)

// Class is the Java class name users configure.
const Class = "org.apache.kafka.connect.storage.SimpleHeaderConverter"

// Desc registers the converter.
func Desc() connect.PluginDesc {
	return connect.PluginDesc{Class: Class, Type: connect.TypeHeaderConverter, Version: "4.1.0", New: func() any { return New() }}
}

// Converter converts header values to and from text.
type Converter struct{}

// New returns the converter.
func New() *Converter { return &Converter{} }

// ConfigureHeader implements connect.HeaderConverter; nothing to configure.
func (*Converter) ConfigureHeader(map[string]string) error { return nil }

// FromConnectHeader writes a value as Connect's Values.convertToString
// does: primitives in their Java text form, bytes raw, logical types in
// ISO-8601, containers as JSON-like text.
func (c *Converter) FromConnectHeader(_, key string, s *data.Schema, v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	switch x := v.(type) {
	case []byte:
		return x, nil
	case int64:
		// The common case (datagen, Debezium headers): one allocation.
		if s == nil || s.Name == "" {
			return strconv.AppendInt(make([]byte, 0, 20), x, 10), nil
		}
	}
	str, err := toText(s, v)
	if err != nil {
		return nil, fmt.Errorf("header %s: %w", key, err)
	}
	return []byte(str), nil
}

func toText(s *data.Schema, v any) (string, error) {
	if s != nil {
		switch s.Name {
		case data.TimestampName:
			if t, ok := v.(time.Time); ok {
				return t.UTC().Format("2006-01-02T15:04:05.000Z"), nil
			}
		case data.DateName:
			if t, ok := v.(time.Time); ok {
				return t.UTC().Format("2006-01-02"), nil
			}
		case data.TimeName:
			if t, ok := v.(time.Time); ok {
				return t.UTC().Format("15:04:05.000Z"), nil
			}
		}
	}
	switch x := v.(type) {
	case string:
		return x, nil
	case []any, map[string]any, map[any]any, *data.Struct:
		return containerText(x), nil
	}
	return data.JavaString(v), nil
}

// containerText renders lists, maps and structs as JSON-like text, the
// way Values.convertToString quotes nested strings.
func containerText(v any) string {
	switch x := v.(type) {
	case string:
		return quote(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = containerText(e)
		}
		return "[" + strings.Join(parts, ",") + "]"
	case map[string]any:
		parts := make([]string, 0, len(x))
		for _, k := range sortedKeys(x) {
			parts = append(parts, quote(k)+":"+containerText(x[k]))
		}
		return "{" + strings.Join(parts, ",") + "}"
	case map[any]any:
		parts := make([]string, 0, len(x))
		for k, e := range x {
			parts = append(parts, containerText(k)+":"+containerText(e))
		}
		sort.Strings(parts) // stable output; Java's HashMap order is unspecified anyway
		return "{" + strings.Join(parts, ",") + "}"
	case *data.Struct:
		parts := make([]string, 0, len(x.Schema().Fields))
		for i, f := range x.Schema().Fields {
			parts = append(parts, quote(f.Name)+":"+containerText(x.GetIndex(i)))
		}
		return "{" + strings.Join(parts, ",") + "}"
	case nil:
		return "null"
	}
	return data.JavaString(v)
}

// quote wraps an embedded string as Values.append does: only backslash
// and double quote are escaped.
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// ToConnectHeader reads text and infers its schema like Values.parseString
// for the common cases: booleans, the smallest integer type that holds
// the number, FLOAT32 when the value survives a float32 round trip (else
// FLOAT64), and strings otherwise. Bytes that are not UTF-8 come back as
// BYTES.
func (c *Converter) ToConnectHeader(_, _ string, b []byte) (*data.Schema, any, error) {
	if b == nil {
		return nil, nil, nil
	}
	if !utf8.Valid(b) {
		return data.OptionalBytes, b, nil
	}
	s := string(b)
	t := strings.TrimSpace(s)
	switch {
	case t == "":
		return data.StringSchema, s, nil
	case t == "true" || t == "false":
		return data.BooleanSchema, t == "true", nil
	}
	if n, err := strconv.ParseInt(t, 10, 64); err == nil {
		switch {
		case n >= math.MinInt8 && n <= math.MaxInt8:
			return data.Int8Schema, int8(n), nil
		case n >= math.MinInt16 && n <= math.MaxInt16:
			return data.Int16Schema, int16(n), nil
		case n >= math.MinInt32 && n <= math.MaxInt32:
			return data.Int32Schema, int32(n), nil
		}
		return data.Int64Schema, n, nil
	}
	if looksNumeric(t) {
		if f, err := strconv.ParseFloat(t, 64); err == nil && !math.IsInf(f, 0) {
			if float64(float32(f)) == f {
				return data.Float32Schema, float32(f), nil
			}
			return data.Float64Schema, f, nil
		}
	}
	return data.StringSchema, s, nil
}

// looksNumeric keeps words such as "Infinity" or "NaN" strings.
func looksNumeric(s string) bool {
	for _, r := range s {
		if !strings.ContainsRune("0123456789+-.eE", r) {
			return false
		}
	}
	return true
}
