package avroschema

import (
	"encoding/json"
	"fmt"
	"strings"
)

// ParseWithReferences reads a schema that may use named types defined by
// other schemas (a registry's references), given dependencies first: each
// reference is parsed in turn and its named types are visible to the
// ones after it and to text.
func ParseWithReferences(text string, refs []string) (*Schema, error) {
	s, _, err := ParseReferenced(text, refs)
	return s, err
}

// ParseReferenced is ParseWithReferences that also returns the full names
// the references define (written as names in the schema's canonical text).
func ParseReferenced(text string, refs []string) (*Schema, []string, error) {
	p := &parser{named: map[string]*Schema{}}
	for i, r := range refs {
		d := json.NewDecoder(strings.NewReader(r))
		d.UseNumber()
		node, err := readNode(d, inSchema)
		if err != nil {
			return nil, nil, fmt.Errorf("reference %d: invalid Avro schema JSON: %w", i+1, err)
		}
		if _, err := p.parse(node, ""); err != nil {
			return nil, nil, fmt.Errorf("reference %d: %w", i+1, err)
		}
	}
	known := make([]string, 0, len(p.named))
	for n := range p.named {
		known = append(known, n)
	}
	d := json.NewDecoder(strings.NewReader(text))
	d.UseNumber()
	node, err := readNode(d, inSchema)
	if err != nil {
		return nil, nil, fmt.Errorf("invalid Avro schema JSON: %w", err)
	}
	s, err := p.parse(node, "")
	return s, known, err
}
