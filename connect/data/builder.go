package data

import (
	"fmt"
	"sort"
)

// Builder assembles a Schema, as Connect's SchemaBuilder does. The first
// error (a duplicate field, a bad default) is kept and returned by Build.
type Builder struct {
	s   Schema
	err error
}

// NewBuilder starts a schema of type t (required, no name).
func NewBuilder(t Type) *Builder { return &Builder{s: Schema{Type: t}} }

// StructBuilder starts a STRUCT schema.
func StructBuilder() *Builder { return NewBuilder(TypeStruct) }

// ArrayOf starts an ARRAY schema with the given element schema.
func ArrayOf(elem *Schema) *Builder {
	b := NewBuilder(TypeArray)
	b.s.Value = elem
	return b
}

// MapOf starts a MAP schema with the given key and value schemas.
func MapOf(key, value *Schema) *Builder {
	b := NewBuilder(TypeMap)
	b.s.Key, b.s.Value = key, value
	return b
}

// FromSchema starts a builder holding a copy of s, for deriving schemas.
func FromSchema(s *Schema) *Builder {
	b := &Builder{s: *s}
	b.s.fieldIndex = nil
	b.s.Fields = append([]Field(nil), s.Fields...)
	b.s.Parameters, b.s.paramOrder = nil, nil
	b.ParamsFrom(s)
	return b
}

// Optional marks the schema optional.
func (b *Builder) Optional() *Builder { b.s.Optional = true; return b }

// Required marks the schema required.
func (b *Builder) Required() *Builder { b.s.Optional = false; return b }

// Name sets the schema name.
func (b *Builder) Name(name string) *Builder { b.s.Name = name; return b }

// Version sets the schema version.
func (b *Builder) Version(v int32) *Builder { b.s.Version = &v; return b }

// Doc sets the schema documentation.
func (b *Builder) Doc(doc string) *Builder { b.s.Doc = doc; return b }

// Param sets one schema parameter; a new name goes after the others
// (Schema.ParamKeys).
func (b *Builder) Param(key, value string) *Builder {
	if b.s.Parameters == nil {
		b.s.Parameters = map[string]string{}
	}
	if _, ok := b.s.Parameters[key]; !ok {
		b.s.paramOrder = append(b.s.paramOrder, key)
	}
	b.s.Parameters[key] = value
	return b
}

// Params sets several schema parameters, new names in sorted order (a Go
// map has none); ParamsFrom keeps another schema's order.
func (b *Builder) Params(p map[string]string) *Builder {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b.Param(k, p[k])
	}
	return b
}

// ParamsFrom sets the parameters of s in s's order, as Connect's
// SchemaBuilder.parameters(schema.parameters()) copies a LinkedHashMap.
func (b *Builder) ParamsFrom(s *Schema) *Builder {
	for _, k := range s.ParamKeys() {
		b.Param(k, s.Parameters[k])
	}
	return b
}

// Default sets the default value; it is validated at Build.
func (b *Builder) Default(v any) *Builder { b.s.Default = v; return b }

// Field appends a STRUCT field.
func (b *Builder) Field(name string, schema *Schema) *Builder {
	if b.err != nil {
		return b
	}
	if b.s.Type != TypeStruct {
		b.err = fmt.Errorf("cannot add field %q to a schema of type %s", name, b.s.Type.JavaName())
		return b
	}
	if name == "" {
		b.err = fmt.Errorf("field name cannot be empty")
		return b
	}
	if schema == nil {
		b.err = fmt.Errorf("field %q has a null schema", name)
		return b
	}
	for _, f := range b.s.Fields {
		if f.Name == name {
			b.err = fmt.Errorf("cannot create field because of field name duplication %s", name)
			return b
		}
	}
	b.s.Fields = append(b.s.Fields, Field{Name: name, Index: len(b.s.Fields), Schema: schema})
	return b
}

// Build returns the finished schema.
func (b *Builder) Build() (*Schema, error) {
	if b.err != nil {
		return nil, b.err
	}
	s := b.s
	switch s.Type {
	case TypeArray:
		if s.Value == nil {
			return nil, fmt.Errorf("array schema needs an element schema")
		}
	case TypeMap:
		if s.Key == nil || s.Value == nil {
			return nil, fmt.Errorf("map schema needs key and value schemas")
		}
	}
	if s.Type == TypeStruct {
		s.fieldIndex = make(map[string]int, len(s.Fields))
		for i, f := range s.Fields {
			s.fieldIndex[f.Name] = i
		}
	}
	if s.Default != nil {
		if err := Validate(&s, s.Default); err != nil {
			return nil, fmt.Errorf("invalid default value: %w", err)
		}
	}
	return &s, nil
}

// MustBuild is Build for schemas fixed in code; it panics on a programming error.
func (b *Builder) MustBuild() *Schema {
	s, err := b.Build()
	if err != nil {
		panic(err)
	}
	return s
}

func primitive(t Type, optional bool) *Schema {
	return &Schema{Type: t, Optional: optional}
}

// Predefined primitive schemas, read-only like Connect's Schema.INT32_SCHEMA.
var (
	Int8Schema      = primitive(TypeInt8, false)
	Int16Schema     = primitive(TypeInt16, false)
	Int32Schema     = primitive(TypeInt32, false)
	Int64Schema     = primitive(TypeInt64, false)
	Float32Schema   = primitive(TypeFloat32, false)
	Float64Schema   = primitive(TypeFloat64, false)
	BooleanSchema   = primitive(TypeBoolean, false)
	StringSchema    = primitive(TypeString, false)
	BytesSchema     = primitive(TypeBytes, false)
	OptionalInt8    = primitive(TypeInt8, true)
	OptionalInt16   = primitive(TypeInt16, true)
	OptionalInt32   = primitive(TypeInt32, true)
	OptionalInt64   = primitive(TypeInt64, true)
	OptionalFloat32 = primitive(TypeFloat32, true)
	OptionalFloat64 = primitive(TypeFloat64, true)
	OptionalBoolean = primitive(TypeBoolean, true)
	OptionalString  = primitive(TypeString, true)
	OptionalBytes   = primitive(TypeBytes, true)
)
