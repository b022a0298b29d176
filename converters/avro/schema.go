package avro

import (
	"encoding/json"
	"strconv"
	"strings"
)

// kind is an Avro type.
type kind int

const (
	kNull kind = iota
	kBoolean
	kInt
	kLong
	kFloat
	kDouble
	kBytes
	kString
	kRecord
	kEnum
	kArray
	kMap
	kUnion
	kFixed
)

var primitiveNames = map[kind]string{
	kNull: "null", kBoolean: "boolean", kInt: "int", kLong: "long", kFloat: "float",
	kDouble: "double", kBytes: "bytes", kString: "string",
}

// prop is a custom schema attribute; order is kept because Avro-Java
// writes props in insertion order and registries compare schema text.
type prop struct {
	key   string
	value json.RawMessage
}

// avroType is a parsed or generated Avro schema node.
type avroType struct {
	kind            kind
	name, namespace string // record, enum, fixed
	doc             string
	fields          []*avroField
	items, values   *avroType
	branches        []*avroType
	symbols         []string
	size            int
	logical         string
	precision       int
	scale           int
	props           []prop
}

type avroField struct {
	name       string
	doc        string
	typ        *avroType
	def        json.RawMessage
	hasDefault bool
}

func (t *avroType) fullName() string {
	if t.namespace == "" {
		return t.name
	}
	return t.namespace + "." + t.name
}

func (t *avroType) prop(key string) (json.RawMessage, bool) {
	for _, p := range t.props {
		if p.key == key {
			return p.value, true
		}
	}
	return nil, false
}

func (t *avroType) propString(key string) string {
	raw, ok := t.prop(key)
	if !ok {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// writer renders schemas as Avro-Java's Schema.toString does: attribute
// order type, name, namespace (only when it differs from the enclosing
// one), doc, then the type's own attributes, then props; a named type seen
// before is written as a reference.
type writer struct {
	b     []byte
	seen  map[string]bool
	space string
}

func schemaText(t *avroType) string {
	w := &writer{seen: map[string]bool{}}
	w.write(t)
	return string(w.b)
}

func (w *writer) str(s string) {
	b, _ := json.Marshal(s)
	w.b = append(w.b, b...)
}

func (w *writer) write(t *avroType) {
	switch t.kind {
	case kUnion:
		w.b = append(w.b, '[')
		for i, br := range t.branches {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.write(br)
		}
		w.b = append(w.b, ']')
		return
	case kRecord, kEnum, kFixed:
		full := t.fullName()
		if w.seen[full] {
			if t.namespace == w.space {
				w.str(t.name)
			} else {
				w.str(full)
			}
			return
		}
		w.seen[full] = true
	}
	if name, ok := primitiveNames[t.kind]; ok && len(t.props) == 0 && t.logical == "" {
		w.str(name)
		return
	}
	w.b = append(w.b, `{"type":`...)
	switch t.kind {
	case kRecord:
		w.str("record")
	case kEnum:
		w.str("enum")
	case kFixed:
		w.str("fixed")
	case kArray:
		w.str("array")
	case kMap:
		w.str("map")
	default:
		w.str(primitiveNames[t.kind])
	}
	outer := w.space
	if t.kind == kRecord || t.kind == kEnum || t.kind == kFixed {
		w.b = append(w.b, `,"name":`...)
		w.str(t.name)
		if t.namespace != w.space {
			w.b = append(w.b, `,"namespace":`...)
			w.str(t.namespace)
		}
		if t.doc != "" {
			w.b = append(w.b, `,"doc":`...)
			w.str(t.doc)
		}
		w.space = t.namespace
	}
	switch t.kind {
	case kRecord:
		w.b = append(w.b, `,"fields":[`...)
		for i, f := range t.fields {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.b = append(w.b, `{"name":`...)
			w.str(f.name)
			w.b = append(w.b, `,"type":`...)
			w.write(f.typ)
			if f.doc != "" {
				w.b = append(w.b, `,"doc":`...)
				w.str(f.doc)
			}
			if f.hasDefault {
				w.b = append(w.b, `,"default":`...)
				w.b = append(w.b, f.def...)
			}
			w.b = append(w.b, '}')
		}
		w.b = append(w.b, ']')
	case kEnum:
		w.b = append(w.b, `,"symbols":`...)
		b, _ := json.Marshal(t.symbols)
		w.b = append(w.b, b...)
	case kFixed:
		w.b = append(w.b, `,"size":`...)
		w.b = strconv.AppendInt(w.b, int64(t.size), 10)
	case kArray:
		w.b = append(w.b, `,"items":`...)
		w.write(t.items)
	case kMap:
		w.b = append(w.b, `,"values":`...)
		w.write(t.values)
	}
	if t.logical == "decimal" {
		w.b = append(w.b, `,"scale":`...)
		w.b = strconv.AppendInt(w.b, int64(t.scale), 10)
		w.b = append(w.b, `,"precision":`...)
		w.b = strconv.AppendInt(w.b, int64(t.precision), 10)
	}
	for _, p := range t.props {
		w.b = append(w.b, ',')
		w.str(p.key)
		w.b = append(w.b, ':')
		w.b = append(w.b, p.value...)
	}
	if t.logical != "" {
		w.b = append(w.b, `,"logicalType":`...)
		w.str(t.logical)
	}
	w.b = append(w.b, '}')
	w.space = outer
}

// splitName splits a full name at its last dot.
func splitName(full string) (namespace, name string) {
	i := strings.LastIndexByte(full, '.')
	if i < 0 {
		return "", full
	}
	return full[:i], full[i+1:]
}
