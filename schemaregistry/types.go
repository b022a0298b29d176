package schemaregistry

import (
	"fmt"
	"sort"
)

// SchemaType is one schema language the registry stores, registered by
// the name clients send as "schemaType" ("AVRO", "JSON", "PROTOBUF").
// The registry owns subjects, versions, ids, references and modes; a type
// owns what the text means: parsing, identity, normalisation and the
// compatibility rule. Implementations must be safe for concurrent use.
type SchemaType interface {
	// Name is the schemaType value ("AVRO").
	Name() string
	// Parse reads a schema. refs are its references resolved to their
	// schema text, transitively and dependencies first (a reference's own
	// references come before it), each once. An error is the client's:
	// the registry answers it as 42201 "Invalid schema".
	Parse(schema string, refs []ResolvedReference) (ParsedSchema, error)
}

// ParsedSchema is a schema its type has read.
type ParsedSchema interface {
	// Canonical is the text the registry stores and compares: two
	// registrations of the same canonical text under one context get one id.
	Canonical() string
	// Normalized is the canonical text after the type's normalisation
	// (normalize=true): forms that mean the same schema become one text.
	Normalized() string
	// BackwardCompatible lists why data written with previous cannot be
	// read with this schema, none when it can. FORWARD checks are this
	// call with the two swapped, FULL both, as Confluent's checker does.
	// A message may hold two "%s": they are filled with the reader's and
	// the writer's role ("new", "old"), as Confluent's validator does; the
	// registry appends the old version and the level (compat.go).
	BackwardCompatible(previous ParsedSchema) []string
}

// Formatter is an optional capability of a ParsedSchema: the text in a
// named format of ?format= (Confluent's formattedString, e.g. Protobuf's
// "serialized"). A schema without it, or "" / "default", answers its
// stored text. An error is answered 42201.
type Formatter interface {
	Formatted(format string) (string, error)
}

// Reference names a schema registered under another subject that a schema
// uses, as Confluent's "references" field: name is what the referring
// schema calls it (an Avro full name, a JSON Schema URL, a Protobuf
// import path).
type Reference struct {
	Name    string `json:"name"`
	Subject string `json:"subject"`
	Version int    `json:"version"`
}

// ResolvedReference is a reference with the schema it names.
type ResolvedReference struct {
	Reference
	Schema string
}

// builtinTypes are the schema types every registry knows. A new type is
// one more entry here.
func builtinTypes() []SchemaType {
	return []SchemaType{avroType{}, jsonType{}, protobufType{}}
}

// typeNames lists the registered type names, sorted.
func typeNames(types map[string]SchemaType) []string {
	out := make([]string, 0, len(types))
	for n := range types {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func invalidSchema(err error) *Error {
	return &Error{422, 42201, fmt.Sprintf("Either the input schema or one its references is invalid: %v", err)}
}
