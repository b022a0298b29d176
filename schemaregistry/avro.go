package schemaregistry

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/goconnect/goconnect/internal/avroschema"
)

// avroType is the AVRO schema type: the text is compared after removing
// whitespace, references are named types defined by other subjects, and
// compatibility is Avro's schema resolution.
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
	s, err := avroschema.ParseWithReferences(b.String(), texts)
	if err != nil {
		return nil, fmt.Errorf("Invalid schema: %w", err)
	}
	return &avroSchema{text: b.String(), tree: s}, nil
}

type avroSchema struct {
	text string
	tree *avroschema.Schema
}

func (s *avroSchema) Canonical() string  { return s.text }
func (s *avroSchema) Normalized() string { return s.text }

func (s *avroSchema) BackwardCompatible(previous ParsedSchema) []string {
	p, ok := previous.(*avroSchema)
	if !ok {
		return []string{"Incompatible because of different schema type"}
	}
	if msg := canRead(s.tree, p.tree); msg != "" {
		return []string{msg}
	}
	return nil
}

// canRead reports why a reader schema cannot read data of a writer
// schema, "" when it can (Avro specification, "Schema Resolution").
func canRead(reader, writer *avroschema.Schema) string {
	return (&resolver{seen: map[[2]*avroschema.Schema]bool{}}).read(reader, writer, "")
}

type resolver struct {
	seen map[[2]*avroschema.Schema]bool
}

func (r *resolver) read(rd, wr *avroschema.Schema, path string) string {
	key := [2]*avroschema.Schema{rd, wr}
	if r.seen[key] {
		return "" // recursive types: assume compatible on the cycle
	}
	r.seen[key] = true
	if wr.Kind == avroschema.Union {
		for _, b := range wr.Branches {
			if msg := r.read(rd, b, path); msg != "" {
				return msg
			}
		}
		return ""
	}
	if rd.Kind == avroschema.Union {
		for _, b := range rd.Branches {
			if r.read(b, wr, path) == "" {
				return ""
			}
		}
		return fmt.Sprintf("%s: reader union lacks a branch for writer type %s", where(path), wr.Kind)
	}
	if rd.Kind != wr.Kind {
		if promotable(wr.Kind, rd.Kind) {
			return ""
		}
		return fmt.Sprintf("%s: type %s cannot be read as %s", where(path), wr.Kind, rd.Kind)
	}
	switch rd.Kind {
	case avroschema.Record:
		if rd.FullName() != wr.FullName() {
			return fmt.Sprintf("%s: record name %s does not match %s", where(path), wr.FullName(), rd.FullName())
		}
		for _, rf := range rd.Fields {
			var wf *avroschema.Field
			for _, f := range wr.Fields {
				if f.Name == rf.Name {
					wf = f
				}
			}
			if wf == nil {
				if !rf.HasDefault {
					return fmt.Sprintf("%s: reader field %s has no default and is missing from the writer", where(path), rf.Name)
				}
				continue
			}
			if msg := r.read(rf.Type, wf.Type, path+"/"+rf.Name); msg != "" {
				return msg
			}
		}
	case avroschema.Enum:
		if rd.FullName() != wr.FullName() {
			return fmt.Sprintf("%s: enum name %s does not match %s", where(path), wr.FullName(), rd.FullName())
		}
		if rd.Default == nil {
			have := map[string]bool{}
			for _, s := range rd.Symbols {
				have[s] = true
			}
			for _, s := range wr.Symbols {
				if !have[s] {
					return fmt.Sprintf("%s: reader enum lacks symbol %s", where(path), s)
				}
			}
		}
	case avroschema.Fixed:
		if rd.FullName() != wr.FullName() || rd.Size != wr.Size {
			return fmt.Sprintf("%s: fixed %s(%d) does not match %s(%d)", where(path), wr.FullName(), wr.Size, rd.FullName(), rd.Size)
		}
	case avroschema.Array:
		return r.read(rd.Items, wr.Items, path+"/items")
	case avroschema.Map:
		return r.read(rd.Values, wr.Values, path+"/values")
	}
	return ""
}

func where(path string) string {
	if path == "" {
		return "/"
	}
	return path
}

// promotable lists Avro's allowed writer → reader promotions.
func promotable(w, r avroschema.Kind) bool {
	switch w {
	case avroschema.Int:
		return r == avroschema.Long || r == avroschema.Float || r == avroschema.Double
	case avroschema.Long:
		return r == avroschema.Float || r == avroschema.Double
	case avroschema.Float:
		return r == avroschema.Double
	case avroschema.String:
		return r == avroschema.Bytes
	case avroschema.Bytes:
		return r == avroschema.String
	}
	return false
}
