// Package jsontype is the registry's JSON schema type ("JSON"): parsing
// with references, Confluent's canonical and normalised texts, and the
// compatibility rules of Confluent's JsonSchema (its SchemaDiff change
// types, open and closed content models).
package jsontype

import (
	"fmt"
	"sort"
	"strings"

	sjs "github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/goconnect/goconnect/internal/jsondoc"
)

// Type is the schemaType the registry API uses.
const Type = "JSON"

// base is where the root schema and plain reference names live for the
// validator; nothing is fetched from it.
const base = "https://goconnect.invalid/"

// Schema is a parsed JSON Schema with its resolved references.
type Schema struct {
	doc  any                        // *jsondoc.Object or bool
	refs map[string]*jsondoc.Object // reference name → schema
	// References are the names given in the order registered.
	References []string
	nodes      map[*jsondoc.Object]*node // loaded schema objects
}

// Parse reads a schema text. refs maps each reference name the schema
// was registered with to that reference's schema text (with the
// references' own references flattened in, as Confluent resolves them).
// The schema must be valid against its draft's meta-schema (draft 7 when
// it names none) and every $ref must resolve.
func Parse(text string, refs map[string]string) (*Schema, error) {
	doc, err := jsondoc.Parse([]byte(text))
	if err != nil {
		return nil, fmt.Errorf("Invalid schema %s: %w", text, err)
	}
	switch doc.(type) {
	case *jsondoc.Object, bool:
	default:
		return nil, fmt.Errorf("Invalid schema %s: a JSON Schema is an object or a boolean", text)
	}
	s := &Schema{doc: doc, refs: map[string]*jsondoc.Object{}}
	comp := sjs.NewCompiler()
	comp.DefaultDraft(sjs.Draft7)
	names := make([]string, 0, len(refs))
	for name := range refs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		rd, err := jsondoc.Parse([]byte(refs[name]))
		if err != nil {
			return nil, fmt.Errorf("Invalid schema reference %s: %w", name, err)
		}
		ro, ok := rd.(*jsondoc.Object)
		if !ok {
			return nil, fmt.Errorf("Invalid schema reference %s: not a JSON object", name)
		}
		s.refs[name] = ro
		if err := comp.AddResource(resourceURL(name), jsondoc.Plain(ro)); err != nil {
			return nil, fmt.Errorf("Invalid schema reference %s: %w", name, err)
		}
		s.References = append(s.References, name)
	}
	const root = base + "root.json"
	if err := comp.AddResource(root, jsondoc.Plain(doc)); err != nil {
		return nil, fmt.Errorf("Invalid schema %s: %w", text, err)
	}
	if _, err := comp.Compile(root); err != nil {
		return nil, fmt.Errorf("Invalid schema %s: %s", text, strings.TrimSpace(err.Error()))
	}
	// Every $ref the diff walks must resolve, as Confluent's loader
	// requires; catch the ones the validator left lazy.
	if _, err := load(s, doc, nil); err != nil {
		return nil, fmt.Errorf("Invalid schema %s: %w", text, err)
	}
	return s, nil
}

// resourceURL is where a reference name is found: names that are URLs
// stay as they are, plain names (other.json) become relative to a base.
func resourceURL(name string) string {
	if strings.Contains(name, "://") || strings.HasPrefix(name, "urn:") {
		return name
	}
	return base + name
}

// Canonical is Confluent's canonical text: the document written back
// compactly, members in their order (JsonSchema.canonicalString).
func (s *Schema) Canonical() string { return string(jsondoc.Append(nil, s.doc, false)) }

// Normalized is the text normalize=true registers: members sorted by name
// at every level (Confluent's sorted-properties mapper).
func (s *Schema) Normalized() string { return string(jsondoc.Append(nil, s.doc, true)) }
