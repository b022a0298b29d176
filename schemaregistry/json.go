package schemaregistry

import "github.com/goconnect/goconnect/internal/jsontype"

// jsonType is the JSON schema type (JSON Schema), implemented by
// internal/jsontype: the canonical text keeps member order,
// normalisation sorts members, references are $ref targets named by
// their reference name, compatibility is Confluent's JSON Schema diff.
type jsonType struct{}

func (jsonType) Name() string { return jsontype.Type }

func (jsonType) Parse(text string, refs []ResolvedReference) (ParsedSchema, error) {
	byName := make(map[string]string, len(refs))
	for _, r := range refs {
		byName[r.Name] = r.Schema
	}
	s, err := jsontype.Parse(text, byName)
	if err != nil {
		return nil, err
	}
	return jsonSchema{s}, nil
}

type jsonSchema struct{ s *jsontype.Schema }

func (j jsonSchema) Canonical() string  { return j.s.Canonical() }
func (j jsonSchema) Normalized() string { return j.s.Normalized() }

// BackwardCompatible leaves the reader's and writer's roles as "%s" for
// the registry to fill, as Confluent's diff messages do.
func (j jsonSchema) BackwardCompatible(previous ParsedSchema) []string {
	p, ok := previous.(jsonSchema)
	if !ok {
		return []string{"Incompatible because of different schema type"}
	}
	msgs, err := jsontype.Incompatibilities(j.s, p.s, "%s", "%s")
	if err != nil {
		return []string{err.Error()}
	}
	return msgs
}
