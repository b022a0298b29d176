// Package avroschema owns the Avro schema tree and its parser: it reads an
// Avro schema document into a Schema with named types resolved by the
// specification's naming rules. The Avro converter maps that tree to and
// from Connect schemas and encodes with it; the schema registry checks
// compatibility on it.
package avroschema

import (
	"encoding/json"
	"strings"
)

// Kind is an Avro type.
type Kind int

// The Avro types; the primitives come first.
const (
	Null Kind = iota
	Boolean
	Int
	Long
	Float
	Double
	Bytes
	String
	Record
	Enum
	Array
	Map
	Union
	Fixed
)

var kindNames = [...]string{
	Null: "null", Boolean: "boolean", Int: "int", Long: "long", Float: "float", Double: "double",
	Bytes: "bytes", String: "string", Record: "record", Enum: "enum", Array: "array", Map: "map",
	Union: "union", Fixed: "fixed",
}

// String is the type's name in a schema document ("union" for unions).
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return "unknown"
	}
	return kindNames[k]
}

// Primitive reports whether k is one of the eight primitive types.
func (k Kind) Primitive() bool { return k >= Null && k <= String }

// Named reports whether k is a record, enum or fixed.
func (k Kind) Named() bool { return k == Record || k == Enum || k == Fixed }

// primitiveKind maps a primitive type name to its Kind.
func primitiveKind(name string) (Kind, bool) {
	for k := Null; k <= String; k++ {
		if kindNames[k] == name {
			return k, true
		}
	}
	return 0, false
}

// Prop is a custom schema attribute (connect.name, logicalType, …), kept
// in document (or insertion) order, as Avro-Java keeps and writes them.
type Prop struct {
	Key   string
	Value json.RawMessage
}

// Schema is one node of a schema; a named type referenced twice is the
// same *Schema, so a recursive type is a cycle.
type Schema struct {
	Kind            Kind
	Name, Namespace string // record, enum, fixed
	Doc             string
	Aliases         []string  // record, enum, fixed: full names
	Fields          []*Field  // record
	Items, Values   *Schema   // array, map
	Branches        []*Schema // union
	Symbols         []string  // enum
	// Default is an enum's default symbol as JSON, nil when it has none.
	Default          json.RawMessage
	Size             int    // fixed
	Logical          string // logicalType
	Precision, Scale int    // decimal
	Props            []Prop
}

// Field is a record field.
type Field struct {
	Name       string
	Doc        string
	Type       *Schema
	Default    json.RawMessage // JSON as written, when HasDefault
	HasDefault bool
	Order      string   // "ascending", "descending", "ignore"; "" when not written
	Aliases    []string // as written
	Props      []Prop
}

// FullName is namespace.name, or the name alone without a namespace.
func (s *Schema) FullName() string {
	if s.Namespace == "" {
		return s.Name
	}
	return s.Namespace + "." + s.Name
}

// Prop returns a custom attribute's JSON value.
func (s *Schema) Prop(key string) (json.RawMessage, bool) {
	for _, p := range s.Props {
		if p.Key == key {
			return p.Value, true
		}
	}
	return nil, false
}

// PropString returns a custom attribute holding a JSON string, "" when it
// is absent or not a string.
func (s *Schema) PropString(key string) string {
	raw, ok := s.Prop(key)
	if !ok {
		return ""
	}
	var str string
	if json.Unmarshal(raw, &str) != nil {
		return ""
	}
	return str
}

// SplitName splits a full name at its last dot into namespace and name.
func SplitName(full string) (namespace, name string) {
	i := strings.LastIndexByte(full, '.')
	if i < 0 {
		return "", full
	}
	return full[:i], full[i+1:]
}
