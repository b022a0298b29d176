package schemaregistry

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/goconnect/goconnect/internal/avroschema"
)

// avroType is the AVRO schema type as Confluent's AvroSchema: the stored
// text is Avro-Java's rendering of the schema (canonicalString), named
// types of references are written as names, normalisation is Confluent's
// (AvroSchemaUtils.toNormalizedString), names and field defaults are
// checked as Avro-Java's strict parser checks new schemas, and
// compatibility is Avro's SchemaCompatibility with Confluent's messages.
type avroType struct{}

func (avroType) Name() string { return "AVRO" }

func (avroType) Parse(text string, refs []ResolvedReference) (ParsedSchema, error) {
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(text)); err != nil {
		return nil, fmt.Errorf("Invalid schema: invalid Avro schema JSON: %w", err)
	}
	texts := make([]string, len(refs))
	for i, r := range refs {
		texts[i] = r.Schema
	}
	s, known, err := avroschema.ParseReferenced(b.String(), texts)
	if err == nil {
		err = avroschema.Validate(s)
	}
	if err != nil {
		return nil, fmt.Errorf("Invalid schema: %w", err)
	}
	return &avroSchema{tree: s, known: known}, nil
}

type avroSchema struct {
	tree  *avroschema.Schema
	known []string // full names the references define
}

func (s *avroSchema) Canonical() string  { return avroschema.JavaString(s.tree, s.known) }
func (s *avroSchema) Normalized() string { return avroschema.NormalizedString(s.tree, s.known) }

// Formatted is AvroSchema.formattedString: "resolved" is Avro-Java's
// Schema.toString, the types of references written out in full where
// first used; any other format is the canonical text (Confluent ignores
// unknown formats).
func (s *avroSchema) Formatted(format string) (string, error) {
	if format == "resolved" {
		return avroschema.JavaString(s.tree, nil), nil
	}
	return s.Canonical(), nil
}

// BackwardCompatible lists Avro's incompatibilities of reading data
// written with previous using this schema, each as Confluent's Difference
// renders it; the two %s are the reader's and the writer's role.
func (s *avroSchema) BackwardCompatible(previous ParsedSchema) []string {
	p, ok := previous.(*avroSchema)
	if !ok {
		return []string{"Incompatible because of different schema type"}
	}
	var out []string
	for _, inc := range avroschema.CheckCompatibility(s.tree, p.tree) {
		out = append(out, difference(inc))
	}
	return out
}

// difference is Confluent's Difference.toString of an incompatibility.
func difference(i avroschema.Incompatibility) string {
	path := i.Pointer()
	var desc string
	switch i.Type {
	case avroschema.FixedSizeMismatch:
		desc = "The size of FIXED type field at path '" + path + "' in the %s schema does not match with the %s schema"
	case avroschema.TypeMismatch:
		desc = "The type (path '" + path + "') of a field in the %s schema does not match with the %s schema"
	case avroschema.NameMismatch:
		desc = "The name of the schema has changed (path '" + path + "')"
	case avroschema.MissingEnumSymbols:
		desc = "The %s schema is missing enum symbols '" + i.Message + "' at path '" + path + "' in the %s schema"
	case avroschema.MissingUnionBranch:
		desc = "The %s schema is missing a type inside a union field at path '" + path + "' in the %s schema"
	case avroschema.ReaderFieldMissingDefault:
		desc = "The field '" + i.Message + "' at path '" + path + "' in the %s schema has no default value and is missing in the %s schema"
	}
	return "{errorType:'" + i.Type + "', description:'" + desc + "', additionalInfo:'" + i.Message + "'}"
}
