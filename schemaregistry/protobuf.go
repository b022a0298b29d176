package schemaregistry

import "github.com/goconnect/goconnect/schemaregistry/prototype"

// protobufType is the PROTOBUF schema type, implemented by
// schemaregistry/prototype: .proto text compiled by protocompile,
// references are imports named by their reference name, compatibility is
// Confluent's Protobuf diff, the canonical text is Confluent's printed
// form of the parsed file (ProtobufSchema.canonicalString).
type protobufType struct{}

func (protobufType) Name() string { return prototype.Type }

func (protobufType) Parse(text string, refs []ResolvedReference) (ParsedSchema, error) {
	byName := make(map[string]string, len(refs))
	for _, r := range refs {
		byName[r.Name] = r.Schema
	}
	s, err := prototype.Parse(text, byName)
	if err != nil {
		return nil, err
	}
	return protobufSchema{s}, nil
}

type protobufSchema struct{ s *prototype.Schema }

func (p protobufSchema) Canonical() string  { return p.s.Canonical() }
func (p protobufSchema) Normalized() string { return p.s.Normalized() }

func (p protobufSchema) Formatted(format string) (string, error) { return p.s.Formatted(format) }

func (p protobufSchema) BackwardCompatible(previous ParsedSchema) []string {
	o, ok := previous.(protobufSchema)
	if !ok {
		return []string{"Incompatible because of different schema type"}
	}
	return prototype.Incompatibilities(p.s, o.s)
}
