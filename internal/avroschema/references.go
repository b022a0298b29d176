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
	p := &parser{named: map[string]*Schema{}}
	for i, r := range refs {
		d := json.NewDecoder(strings.NewReader(r))
		d.UseNumber()
		node, err := readNode(d, inSchema)
		if err != nil {
			return nil, fmt.Errorf("reference %d: invalid Avro schema JSON: %w", i+1, err)
		}
		if _, err := p.parse(node, ""); err != nil {
			return nil, fmt.Errorf("reference %d: %w", i+1, err)
		}
	}
	d := json.NewDecoder(strings.NewReader(text))
	d.UseNumber()
	node, err := readNode(d, inSchema)
	if err != nil {
		return nil, fmt.Errorf("invalid Avro schema JSON: %w", err)
	}
	return p.parse(node, "")
}
