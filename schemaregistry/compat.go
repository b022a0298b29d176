package schemaregistry

import (
	"encoding/json"
	"fmt"
	"strings"
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

// avroNode is a schema with its named types resolved.
type avroNode struct {
	typ     string // primitive name, record, enum, array, map, fixed, union
	name    string // full name of named types
	fields  []avroField
	symbols []string
	items   *avroNode
	values  *avroNode
	size    int
	union   []*avroNode
	enumDef bool
}

type avroField struct {
	name       string
	typ        *avroNode
	hasDefault bool
}

// parseAvro parses a schema, following Avro's naming rules.
func parseAvro(text string) (*avroNode, error) {
	var v any
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		return nil, fmt.Errorf("Invalid schema: %v", err)
	}
	return (&avroParser{named: map[string]*avroNode{}}).parse(v, "")
}

type avroParser struct{ named map[string]*avroNode }

var primitives = map[string]bool{"null": true, "boolean": true, "int": true, "long": true, "float": true, "double": true, "bytes": true, "string": true}

func (p *avroParser) parse(v any, space string) (*avroNode, error) {
	switch x := v.(type) {
	case string:
		if primitives[x] {
			return &avroNode{typ: x}, nil
		}
		for _, name := range []string{space + "." + x, x} {
			if n, ok := p.named[strings.TrimPrefix(name, ".")]; ok {
				return n, nil
			}
		}
		return nil, fmt.Errorf("Invalid schema: undefined name %q", x)
	case []any:
		u := &avroNode{typ: "union"}
		for _, b := range x {
			n, err := p.parse(b, space)
			if err != nil {
				return nil, err
			}
			u.union = append(u.union, n)
		}
		return u, nil
	case map[string]any:
		t, _ := x["type"].(string)
		if sub, ok := x["type"]; ok && t == "" {
			return p.parse(sub, space)
		}
		n := &avroNode{typ: t}
		switch t {
		case "record", "error", "enum", "fixed":
			name, _ := x["name"].(string)
			if name == "" {
				return nil, fmt.Errorf("Invalid schema: %s without a name", t)
			}
			ns, hasNS := x["namespace"].(string)
			if !strings.Contains(name, ".") {
				if !hasNS {
					ns = space
				}
				if ns != "" {
					name = ns + "." + name
				}
			}
			n.name = name
			if t == "error" {
				n.typ = "record"
			}
			p.named[name] = n
			space = name[:max(strings.LastIndexByte(name, '.'), 0)]
		}
		switch n.typ {
		case "record":
			fields, ok := x["fields"].([]any)
			if !ok {
				return nil, fmt.Errorf("Invalid schema: record %s has no fields", n.name)
			}
			for _, f := range fields {
				fo, _ := f.(map[string]any)
				fname, _ := fo["name"].(string)
				ft, err := p.parse(fo["type"], space)
				if err != nil {
					return nil, err
				}
				_, hasDef := fo["default"]
				n.fields = append(n.fields, avroField{name: fname, typ: ft, hasDefault: hasDef})
			}
		case "enum":
			syms, _ := x["symbols"].([]any)
			for _, s := range syms {
				str, _ := s.(string)
				n.symbols = append(n.symbols, str)
			}
			_, n.enumDef = x["default"]
		case "fixed":
			size, _ := x["size"].(float64)
			n.size = int(size)
		case "array":
			items, err := p.parse(x["items"], space)
			if err != nil {
				return nil, err
			}
			n.items = items
		case "map":
			values, err := p.parse(x["values"], space)
			if err != nil {
				return nil, err
			}
			n.values = values
		default:
			if !primitives[t] {
				return p.parse(t, space)
			}
		}
		return n, nil
	}
	return nil, fmt.Errorf("Invalid schema: unexpected %T", v)
}

// canRead reports why a reader schema cannot read data of a writer
// schema, "" when it can (Avro specification, "Schema Resolution").
func canRead(reader, writer *avroNode) string {
	return (&resolver{seen: map[[2]*avroNode]bool{}}).read(reader, writer, "")
}

type resolver struct{ seen map[[2]*avroNode]bool }

func (r *resolver) read(rd, wr *avroNode, path string) string {
	key := [2]*avroNode{rd, wr}
	if r.seen[key] {
		return "" // recursive types: assume compatible on the cycle
	}
	r.seen[key] = true
	if wr.typ == "union" {
		for _, b := range wr.union {
			if msg := r.read(rd, b, path); msg != "" {
				return msg
			}
		}
		return ""
	}
	if rd.typ == "union" {
		for _, b := range rd.union {
			if r.read(b, wr, path) == "" {
				return ""
			}
		}
		return fmt.Sprintf("%s: reader union lacks a branch for writer type %s", where(path), wr.typ)
	}
	if rd.typ != wr.typ {
		if promotable(wr.typ, rd.typ) {
			return ""
		}
		return fmt.Sprintf("%s: type %s cannot be read as %s", where(path), wr.typ, rd.typ)
	}
	switch rd.typ {
	case "record":
		if rd.name != wr.name {
			return fmt.Sprintf("%s: record name %s does not match %s", where(path), wr.name, rd.name)
		}
		for _, rf := range rd.fields {
			var wf *avroField
			for i := range wr.fields {
				if wr.fields[i].name == rf.name {
					wf = &wr.fields[i]
				}
			}
			if wf == nil {
				if !rf.hasDefault {
					return fmt.Sprintf("%s: reader field %s has no default and is missing from the writer", where(path), rf.name)
				}
				continue
			}
			if msg := r.read(rf.typ, wf.typ, path+"/"+rf.name); msg != "" {
				return msg
			}
		}
	case "enum":
		if rd.name != wr.name {
			return fmt.Sprintf("%s: enum name %s does not match %s", where(path), wr.name, rd.name)
		}
		if !rd.enumDef {
			have := map[string]bool{}
			for _, s := range rd.symbols {
				have[s] = true
			}
			for _, s := range wr.symbols {
				if !have[s] {
					return fmt.Sprintf("%s: reader enum lacks symbol %s", where(path), s)
				}
			}
		}
	case "fixed":
		if rd.name != wr.name || rd.size != wr.size {
			return fmt.Sprintf("%s: fixed %s(%d) does not match %s(%d)", where(path), wr.name, wr.size, rd.name, rd.size)
		}
	case "array":
		return r.read(rd.items, wr.items, path+"/items")
	case "map":
		return r.read(rd.values, wr.values, path+"/values")
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
func promotable(w, r string) bool {
	switch w {
	case "int":
		return r == "long" || r == "float" || r == "double"
	case "long":
		return r == "float" || r == "double"
	case "float":
		return r == "double"
	case "string":
		return r == "bytes"
	case "bytes":
		return r == "string"
	}
	return false
}
