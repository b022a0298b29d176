// Package data is the Connect data model: schemas, structs and the logical
// types Decimal, Date, Time and Timestamp, with the same names and rules as
// Connect's org.apache.kafka.connect.data package.
//
// Go representation of values, by schema type:
//
//	INT8 int8, INT16 int16, INT32 int32, INT64 int64, FLOAT32 float32,
//	FLOAT64 float64, BOOLEAN bool, STRING string, BYTES []byte,
//	ARRAY []any, MAP map[string]any (string keys) or map[any]any,
//	STRUCT *Struct.
//
// Logical types: Decimal is *BigDecimal, Date, Time and Timestamp are
// time.Time (UTC). Schemaless values (no schema) use the same Go types.
package data

import (
	"fmt"
	"sort"
	"strings"
)

// Type is a Connect schema type.
type Type int

// The Connect schema types.
const (
	TypeInt8 Type = iota + 1
	TypeInt16
	TypeInt32
	TypeInt64
	TypeFloat32
	TypeFloat64
	TypeBoolean
	TypeString
	TypeBytes
	TypeArray
	TypeMap
	TypeStruct
)

var typeNames = map[Type]string{
	TypeInt8: "int8", TypeInt16: "int16", TypeInt32: "int32", TypeInt64: "int64",
	TypeFloat32: "float32", TypeFloat64: "float64", TypeBoolean: "boolean",
	TypeString: "string", TypeBytes: "bytes", TypeArray: "array", TypeMap: "map",
	TypeStruct: "struct",
}

// String returns the lower-case name Connect's Schema.Type uses in its
// getName() (int8 … struct).
func (t Type) String() string {
	if n, ok := typeNames[t]; ok {
		return n
	}
	return fmt.Sprintf("Type(%d)", int(t))
}

// JavaName is the enum constant name as Connect prints it (INT8 … STRUCT).
func (t Type) JavaName() string { return strings.ToUpper(t.String()) }

// IsPrimitive reports whether the type is neither ARRAY, MAP nor STRUCT.
func (t Type) IsPrimitive() bool { return t >= TypeInt8 && t <= TypeBytes }

// ParseType maps a type name (either case) to its Type.
func ParseType(name string) (Type, bool) {
	n := strings.ToLower(name)
	for t, s := range typeNames {
		if s == n {
			return t, true
		}
	}
	return 0, false
}

// Field is one field of a STRUCT schema.
type Field struct {
	Name   string
	Index  int
	Schema *Schema
}

// Schema describes a Connect value. Schemas are immutable once built: share
// them freely between records and goroutines.
type Schema struct {
	Type     Type
	Optional bool
	// Default is the default value, nil when there is none.
	Default any
	Name    string
	// Version is the schema version; nil when unset.
	Version *int32
	Doc     string
	// Parameters are the schema parameters; ParamKeys gives their order.
	Parameters map[string]string
	// Fields of a STRUCT, in order.
	Fields []Field
	// Key is the key schema of a MAP.
	Key *Schema
	// Value is the value schema of a MAP and the element schema of an ARRAY.
	Value *Schema

	fieldIndex map[string]int
	// paramOrder is the order the Builder set Parameters in.
	paramOrder []string
}

// Field returns the named field of a STRUCT schema.
func (s *Schema) Field(name string) (Field, bool) {
	if s == nil || s.Type != TypeStruct {
		return Field{}, false
	}
	if s.fieldIndex != nil {
		i, ok := s.fieldIndex[name]
		if !ok {
			return Field{}, false
		}
		return s.Fields[i], true
	}
	for _, f := range s.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// Param returns a schema parameter, "" if absent.
func (s *Schema) Param(key string) string {
	if s == nil {
		return ""
	}
	return s.Parameters[key]
}

// String renders the schema the way Connect's ConnectSchema.toString does
// for named schemas, and a structural form otherwise; used in error messages.
func (s *Schema) String() string {
	if s == nil {
		return "null"
	}
	if s.Name != "" {
		return "Schema{" + s.Name + ":" + s.Type.JavaName() + "}"
	}
	return "Schema{" + s.Type.JavaName() + "}"
}

// Equal reports whether two schemas are structurally identical, as Connect's
// ConnectSchema.equals does.
func Equal(a, b *Schema) bool {
	if a == b {
		return true
	}
	if a == nil || b == nil {
		return false
	}
	if a.Type != b.Type || a.Optional != b.Optional || a.Name != b.Name || a.Doc != b.Doc {
		return false
	}
	if (a.Version == nil) != (b.Version == nil) || (a.Version != nil && *a.Version != *b.Version) {
		return false
	}
	if len(a.Parameters) != len(b.Parameters) {
		return false
	}
	for k, v := range a.Parameters {
		if bv, ok := b.Parameters[k]; !ok || bv != v {
			return false
		}
	}
	if !ValuesEqual(a.Default, b.Default) {
		return false
	}
	if len(a.Fields) != len(b.Fields) {
		return false
	}
	for i := range a.Fields {
		if a.Fields[i].Name != b.Fields[i].Name || !Equal(a.Fields[i].Schema, b.Fields[i].Schema) {
			return false
		}
	}
	return Equal(a.Key, b.Key) && Equal(a.Value, b.Value)
}

// ParamKeys returns the parameter names in the order they were set, as
// Connect's SchemaBuilder keeps them (a LinkedHashMap): converters write
// parameters in this order (a Decimal's "scale" before Debezium's
// "connect.decimal.precision"). Names put into Parameters directly come
// last, sorted. The result must not be modified.
func (s *Schema) ParamKeys() []string {
	complete := len(s.paramOrder) == len(s.Parameters)
	for _, k := range s.paramOrder {
		if _, ok := s.Parameters[k]; !ok {
			complete = false
			break
		}
	}
	if complete {
		return s.paramOrder
	}
	keys := make([]string, 0, len(s.Parameters))
	seen := make(map[string]bool, len(s.Parameters))
	for _, k := range s.paramOrder {
		if _, ok := s.Parameters[k]; ok && !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	for _, k := range s.SortedParamKeys() {
		if !seen[k] {
			keys = append(keys, k)
		}
	}
	return keys
}

// SortedParamKeys returns the parameter names in a stable order.
func (s *Schema) SortedParamKeys() []string {
	keys := make([]string, 0, len(s.Parameters))
	for k := range s.Parameters {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
