package avro

import (
	"encoding/json"
	"strconv"

	"github.com/goconnect/goconnect/internal/avroschema"
)

// writer renders schemas as Avro-Java's Schema.toString does: attribute
// order type, name, namespace (only when it differs from the enclosing
// one), doc, then the type's own attributes, then props (logicalType among
// them where the generator put it, else last); a named type seen before is
// written as a reference.
type writer struct {
	b     []byte
	seen  map[string]bool
	space string
}

func schemaText(t *avroschema.Schema) string {
	w := &writer{seen: map[string]bool{}}
	w.write(t)
	return string(w.b)
}

func (w *writer) str(s string) {
	b, _ := json.Marshal(s)
	w.b = append(w.b, b...)
}

func (w *writer) write(t *avroschema.Schema) {
	switch t.Kind {
	case avroschema.Union:
		w.b = append(w.b, '[')
		for i, br := range t.Branches {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.write(br)
		}
		w.b = append(w.b, ']')
		return
	case avroschema.Record, avroschema.Enum, avroschema.Fixed:
		full := t.FullName()
		if w.seen[full] {
			if t.Namespace == w.space {
				w.str(t.Name)
			} else {
				w.str(full)
			}
			return
		}
		w.seen[full] = true
	}
	if t.Kind.Primitive() && len(t.Props) == 0 && t.Logical == "" {
		w.str(t.Kind.String())
		return
	}
	w.b = append(w.b, `{"type":`...)
	w.str(t.Kind.String())
	outer := w.space
	if t.Kind.Named() {
		w.b = append(w.b, `,"name":`...)
		w.str(t.Name)
		if t.Namespace != w.space {
			w.b = append(w.b, `,"namespace":`...)
			w.str(t.Namespace)
		}
		if t.Doc != "" {
			w.b = append(w.b, `,"doc":`...)
			w.str(t.Doc)
		}
		w.space = t.Namespace
	}
	switch t.Kind {
	case avroschema.Record:
		w.b = append(w.b, `,"fields":[`...)
		for i, f := range t.Fields {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.b = append(w.b, `{"name":`...)
			w.str(f.Name)
			w.b = append(w.b, `,"type":`...)
			w.write(f.Type)
			if f.Doc != "" {
				w.b = append(w.b, `,"doc":`...)
				w.str(f.Doc)
			}
			if f.HasDefault {
				w.b = append(w.b, `,"default":`...)
				w.b = append(w.b, f.Default...)
			}
			for _, p := range f.Props {
				w.b = append(w.b, ',')
				w.str(p.Key)
				w.b = append(w.b, ':')
				w.b = append(w.b, p.Value...)
			}
			w.b = append(w.b, '}')
		}
		w.b = append(w.b, ']')
	case avroschema.Enum:
		w.b = append(w.b, `,"symbols":`...)
		b, _ := json.Marshal(t.Symbols)
		w.b = append(w.b, b...)
		if t.Default != nil {
			w.b = append(w.b, `,"default":`...)
			w.b = append(w.b, t.Default...)
		}
	case avroschema.Fixed:
		w.b = append(w.b, `,"size":`...)
		w.b = strconv.AppendInt(w.b, int64(t.Size), 10)
	case avroschema.Array:
		w.b = append(w.b, `,"items":`...)
		w.write(t.Items)
	case avroschema.Map:
		w.b = append(w.b, `,"values":`...)
		w.write(t.Values)
	}
	if t.Logical == "decimal" {
		w.b = append(w.b, `,"scale":`...)
		w.b = strconv.AppendInt(w.b, int64(t.Scale), 10)
		w.b = append(w.b, `,"precision":`...)
		w.b = strconv.AppendInt(w.b, int64(t.Precision), 10)
	}
	logicalProp := false
	for _, p := range t.Props {
		w.b = append(w.b, ',')
		w.str(p.Key)
		w.b = append(w.b, ':')
		w.b = append(w.b, p.Value...)
		logicalProp = logicalProp || p.Key == "logicalType"
	}
	if t.Logical != "" && !logicalProp {
		w.b = append(w.b, `,"logicalType":`...)
		w.str(t.Logical)
	}
	w.b = append(w.b, '}')
	w.space = outer
}
