// Package smtutil holds what the single message transforms share: reading
// and writing the key or the value of a record, the type checks and error
// texts of Connect's Requirements class, and a cache of derived schemas.
package smtutil

import (
	"fmt"
	"time"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/data"
)

// Side selects the part of a record a $Key or $Value transform works on.
type Side int

// The two sides.
const (
	Key Side = iota
	Value
)

// Get returns the schema and value of the side.
func (s Side) Get(r *connect.Record) (*data.Schema, any) {
	if s == Key {
		return r.KeySchema, r.Key
	}
	return r.ValueSchema, r.Value
}

// Set replaces the schema and value of the side.
func (s Side) Set(r *connect.Record, schema *data.Schema, v any) {
	if s == Key {
		r.KeySchema, r.Key = schema, v
		return
	}
	r.ValueSchema, r.Value = schema, v
}

// String names the side as the Java class suffix does.
func (s Side) String() string {
	if s == Key {
		return "Key"
	}
	return "Value"
}

// RequireMap is Connect's Requirements.requireMap.
func RequireMap(v any, purpose string) (map[string]any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("Only Map objects supported in absence of schema for [%s], found: %s", purpose, JavaClass(v))
	}
	return m, nil
}

// RequireStruct is Connect's Requirements.requireStruct.
func RequireStruct(v any, purpose string) (*data.Struct, error) {
	st, ok := v.(*data.Struct)
	if !ok {
		return nil, fmt.Errorf("Only Struct objects supported for [%s], found: %s", purpose, JavaClass(v))
	}
	return st, nil
}

// JavaClass names the Java class Connect would report for a value.
func JavaClass(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "java.lang.String"
	case int8:
		return "java.lang.Byte"
	case int16:
		return "java.lang.Short"
	case int32:
		return "java.lang.Integer"
	case int64:
		return "java.lang.Long"
	case float32:
		return "java.lang.Float"
	case float64:
		return "java.lang.Double"
	case bool:
		return "java.lang.Boolean"
	case []byte:
		return "[B"
	case []any:
		return "java.util.ArrayList"
	case map[string]any, map[any]any:
		return "java.util.HashMap"
	case *data.Struct:
		return "org.apache.kafka.connect.data.Struct"
	case *data.BigDecimal:
		return "java.math.BigDecimal"
	case time.Time:
		return "java.util.Date"
	}
	return fmt.Sprintf("%T", v)
}

// CopyBasics starts a STRUCT builder with the name, version, doc and
// parameters of s, as Connect's SchemaUtil.copySchemaBasics(schema,
// SchemaBuilder.struct()): optionality and default are not copied, so the
// derived schema is required even when s is optional.
func CopyBasics(s *data.Schema) *data.Builder {
	b := data.StructBuilder().Name(s.Name).Doc(s.Doc).ParamsFrom(s)
	if s.Version != nil {
		b.Version(*s.Version)
	}
	return b
}

// SchemaCache remembers schemas derived from input schemas, so a stream of
// records sharing a schema derives it once. Transforms are per task, so it
// needs no lock.
type SchemaCache struct {
	m map[*data.Schema]*data.Schema
}

const cacheLimit = 16

// Get returns the derived schema of in, building it on a miss.
func (c *SchemaCache) Get(in *data.Schema, build func(*data.Schema) (*data.Schema, error)) (*data.Schema, error) {
	if out, ok := c.m[in]; ok {
		return out, nil
	}
	out, err := build(in)
	if err != nil {
		return nil, err
	}
	if c.m == nil || len(c.m) >= cacheLimit {
		c.m = make(map[*data.Schema]*data.Schema, cacheLimit)
	}
	c.m[in] = out
	return out, nil
}

// FieldValue reads a struct field, substituting the schema default for a
// null unless replaceNull is false (KIP-1040).
func FieldValue(st *data.Struct, i int, replaceNull bool) any {
	if replaceNull {
		return st.GetIndex(i)
	}
	return st.RawIndex(i)
}

// CopyMap returns a shallow copy with room for extra entries.
func CopyMap(m map[string]any, extra int) map[string]any {
	out := make(map[string]any, len(m)+extra)
	for k, v := range m {
		out[k] = v
	}
	return out
}
