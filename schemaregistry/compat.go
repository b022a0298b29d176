package schemaregistry

import (
	"fmt"
	"strings"

	"github.com/goconnect/goconnect/internal/avroschema"
)

// Compatibility levels, as Confluent names them.
const (
	None               = "NONE"
	Backward           = "BACKWARD"
	BackwardTransitive = "BACKWARD_TRANSITIVE"
	Forward            = "FORWARD"
	ForwardTransitive  = "FORWARD_TRANSITIVE"
	Full               = "FULL"
	FullTransitive     = "FULL_TRANSITIVE"
)

func validLevel(l string) bool {
	switch l {
	case None, Backward, BackwardTransitive, Forward, ForwardTransitive, Full, FullTransitive:
		return true
	}
	return false
}

// compatible checks a new schema against the existing versions (oldest
// first) under a level, with Avro's schema resolution rules: BACKWARD
// means the new schema can read data written with the old one.
func compatible(level string, newSchema string, existing []string) ([]string, error) {
	if level == None || len(existing) == 0 {
		return nil, nil
	}
	against := existing[len(existing)-1:]
	if strings.HasSuffix(level, "_TRANSITIVE") {
		against = existing
	}
	n, err := parseAvro(newSchema)
	if err != nil {
		return nil, err
	}
	var problems []string
	for _, old := range against {
		o, err := parseAvro(old)
		if err != nil {
			return nil, err
		}
		if strings.HasPrefix(level, Backward) || strings.HasPrefix(level, Full) {
			if msg := canRead(n, o); msg != "" {
				problems = append(problems, "new schema cannot read data written with an old one: "+msg)
			}
		}
		if strings.HasPrefix(level, Forward) || strings.HasPrefix(level, Full) {
			if msg := canRead(o, n); msg != "" {
				problems = append(problems, "an old schema cannot read data written with the new one: "+msg)
			}
		}
	}
	return problems, nil
}

// parseAvro parses a schema for the registry: its errors start with
// "Invalid schema:" as the registry has always answered them.
func parseAvro(text string) (*avroschema.Schema, error) {
	s, err := avroschema.Parse(text)
	if err != nil {
		return nil, fmt.Errorf("Invalid schema: %w", err)
	}
	return s, nil
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
