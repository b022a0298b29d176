package data

import (
	"fmt"
)

// Struct is a STRUCT value: one slot per field of its schema.
type Struct struct {
	schema *Schema
	values []any
	// gen counts the changes of the struct's fields (Generation).
	gen uint64
}

// NewStruct returns an empty struct of the given STRUCT schema.
func NewStruct(s *Schema) *Struct {
	if s == nil || s.Type != TypeStruct {
		panic("data.NewStruct needs a STRUCT schema")
	}
	return &Struct{schema: s, values: make([]any, len(s.Fields))}
}

// Init makes st an empty struct of the STRUCT schema s holding its field
// values in values (one per field), for hot paths that allocate several
// structs, or their values, together.
func (st *Struct) Init(s *Schema, values []any) {
	if s == nil || s.Type != TypeStruct || len(values) != len(s.Fields) {
		panic("data.Struct.Init needs a STRUCT schema and one value slot per field")
	}
	for _, v := range values {
		if v != nil {
			// Only then: clearing a fresh (all nil) slice costs a write
			// barrier per slot while the GC marks.
			clear(values)
			break
		}
	}
	st.schema, st.values = s, values
	st.gen++
}

// Schema returns the struct's schema.
func (st *Struct) Schema() *Schema { return st.schema }

// Put sets a field after validating the value against the field's schema.
func (st *Struct) Put(name string, v any) error {
	f, ok := st.schema.Field(name)
	if !ok {
		return fmt.Errorf("%s is not a valid field name", name)
	}
	if err := Validate(f.Schema, v); err != nil {
		return fmt.Errorf("invalid value for field %q: %w", name, err)
	}
	st.values[f.Index] = v
	st.gen++
	return nil
}

// MustPut is Put for values built by code whose types are known to match.
func (st *Struct) MustPut(name string, v any) *Struct {
	if err := st.Put(name, v); err != nil {
		panic(err)
	}
	return st
}

// PutIndex sets a field by position without validation, for hot paths that
// build values which already match the schema.
func (st *Struct) PutIndex(i int, v any) {
	st.values[i] = v
	st.gen++
}

// Generation changes whenever a field of the struct is set: a struct
// seen again with the same generation holds the same field values, so a
// writer may reuse what it made of it (the JSON converter does, for the
// source block records of one moment share).
func (st *Struct) Generation() uint64 { return st.gen }

// Get returns a field's value, or its schema default when unset.
func (st *Struct) Get(name string) (any, error) {
	f, ok := st.schema.Field(name)
	if !ok {
		return nil, fmt.Errorf("%s is not a valid field name", name)
	}
	return st.GetIndex(f.Index), nil
}

// GetIndex returns a field's value by position, or its default when unset.
func (st *Struct) GetIndex(i int) any {
	v := st.values[i]
	if v == nil {
		return st.schema.Fields[i].Schema.Default
	}
	return v
}

// RawIndex returns a field's value by position without default substitution.
func (st *Struct) RawIndex(i int) any { return st.values[i] }

// Validate checks that every required field is set, as Connect's
// Struct.validate does.
func (st *Struct) Validate() error {
	for i, f := range st.schema.Fields {
		if err := Validate(f.Schema, st.GetIndex(i)); err != nil {
			return fmt.Errorf("invalid value for field %q: %w", f.Name, err)
		}
	}
	return nil
}

// Equal reports whether two structs have equal schemas and values.
func (st *Struct) Equal(o *Struct) bool {
	if st == nil || o == nil {
		return st == o
	}
	if !Equal(st.schema, o.schema) || len(st.values) != len(o.values) {
		return false
	}
	for i := range st.values {
		if !ValuesEqual(st.values[i], o.values[i]) {
			return false
		}
	}
	return true
}

// String renders Java's Struct.toString: Struct{a=1,b=x}, unset fields skipped.
func (st *Struct) String() string {
	b := []byte("Struct{")
	first := true
	for i, f := range st.schema.Fields {
		v := st.values[i]
		if v == nil {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, f.Name...)
		b = append(b, '=')
		b = append(b, JavaString(v)...)
	}
	return string(append(b, '}'))
}
