package avroschema

import (
	"slices"
	"strconv"
	"strings"
)

// JavaString writes a schema as Avro-Java's Schema.toString does, which is
// the text Confluent's registry stores (AvroSchema.canonicalString):
// attributes in Avro-Java's order (type, name, namespace when it differs
// from the enclosing one, doc, the type's own attributes, props, aliases),
// props in document order, and a named type written in full once, as a
// name after that. known holds full names defined elsewhere (a registry's
// references): they are written as names from the start.
func JavaString(s *Schema, known []string) string {
	w := &javaWriter{seen: map[string]bool{}}
	for _, n := range known {
		w.seen[n] = true
	}
	w.write(s)
	return string(w.b)
}

// NormalizedString is JavaString of Confluent's normalised form
// (AvroSchema.normalize): props sorted by key, a valid logical type's
// logicalType, precision and scale first, aliases sorted.
func NormalizedString(s *Schema, known []string) string {
	w := &javaWriter{seen: map[string]bool{}, normalize: true}
	for _, n := range known {
		w.seen[n] = true
	}
	w.write(s)
	return string(w.b)
}

type javaWriter struct {
	b         []byte
	seen      map[string]bool
	space     string
	normalize bool
}

// str quotes s as Jackson does (no HTML escaping).
func (w *javaWriter) str(s string) { w.b = append(w.b, marshalScalar(s)...) }

func (w *javaWriter) key(k string) {
	w.b = append(w.b, ',')
	w.str(k)
	w.b = append(w.b, ':')
}

// qualified is Avro-Java's Name.getQualified: the short name inside its
// own namespace, the full name elsewhere.
func qualified(full, space string) string {
	ns, name := SplitName(full)
	if ns == "" || ns == space {
		return name
	}
	return full
}

func (w *javaWriter) write(t *Schema) {
	switch t.Kind {
	case Union:
		w.b = append(w.b, '[')
		for i, br := range t.Branches {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.write(br)
		}
		w.b = append(w.b, ']')
		return
	case Record, Enum, Fixed:
		full := t.FullName()
		if w.seen[full] {
			w.str(qualified(full, w.space))
			return
		}
		w.seen[full] = true
	}
	props := w.props(t)
	if t.Kind.Primitive() && len(props) == 0 {
		w.str(t.Kind.String())
		return
	}
	w.b = append(w.b, `{"type":`...)
	w.str(t.Kind.String())
	outer := w.space
	if t.Kind.Named() {
		w.key("name")
		w.str(t.Name)
		if t.Namespace != w.space {
			w.key("namespace")
			w.str(t.Namespace)
		}
		if t.Doc != "" {
			w.key("doc")
			w.str(t.Doc)
		}
	}
	switch t.Kind {
	case Record:
		w.space = t.Namespace
		w.key("fields")
		w.b = append(w.b, '[')
		for i, f := range t.Fields {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.field(f)
		}
		w.b = append(w.b, ']')
	case Enum:
		w.key("symbols")
		w.b = append(w.b, '[')
		for i, s := range t.Symbols {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.str(s)
		}
		w.b = append(w.b, ']')
		if t.Default != nil {
			w.key("default")
			w.b = append(w.b, t.Default...)
		}
	case Fixed:
		w.key("size")
		w.b = strconv.AppendInt(w.b, int64(t.Size), 10)
	case Array:
		w.key("items")
		w.write(t.Items)
	case Map:
		w.key("values")
		w.write(t.Values)
	}
	for _, p := range props {
		w.key(p.Key)
		w.b = append(w.b, p.Value...)
	}
	if t.Kind.Named() && len(t.Aliases) > 0 {
		aliases := t.Aliases
		if w.normalize {
			aliases = slices.Sorted(slices.Values(aliases))
		}
		w.key("aliases")
		w.b = append(w.b, '[')
		for i, a := range aliases {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.str(qualified(a, t.Namespace))
		}
		w.b = append(w.b, ']')
	}
	w.b = append(w.b, '}')
	w.space = outer
}

func (w *javaWriter) field(f *Field) {
	w.b = append(w.b, `{"name":`...)
	w.str(f.Name)
	w.key("type")
	w.write(f.Type)
	if f.Doc != "" {
		w.key("doc")
		w.str(f.Doc)
	}
	if f.HasDefault {
		w.key("default")
		w.b = append(w.b, f.Default...)
	}
	if f.Order != "" && strings.ToLower(f.Order) != "ascending" {
		w.key("order")
		w.str(strings.ToLower(f.Order))
	}
	if len(f.Aliases) > 0 {
		aliases := f.Aliases
		if w.normalize {
			aliases = slices.Sorted(slices.Values(aliases))
		}
		w.key("aliases")
		w.b = append(w.b, '[')
		for i, a := range aliases {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.str(a)
		}
		w.b = append(w.b, ']')
	}
	props := f.Props
	if w.normalize {
		props = sortedProps(props, nil)
	}
	for _, p := range props {
		w.key(p.Key)
		w.b = append(w.b, p.Value...)
	}
	w.b = append(w.b, '}')
}

// props are the schema's props in the order written: as read, or for the
// normalised form a valid logical type's attributes first, then the rest
// sorted by key.
func (w *javaWriter) props(t *Schema) []Prop {
	if !w.normalize {
		return t.Props
	}
	var first []string
	if validLogical(t) {
		first = []string{"logicalType"}
		if t.Logical == "decimal" {
			first = append(first, "precision")
			if t.Scale != 0 {
				first = append(first, "scale")
			}
		}
	}
	return sortedProps(t.Props, first)
}

func sortedProps(props []Prop, first []string) []Prop {
	out := make([]Prop, 0, len(props))
	for _, k := range first {
		for _, p := range props {
			if p.Key == k {
				out = append(out, p)
			}
		}
	}
	rest := slices.Clone(props)
	slices.SortStableFunc(rest, func(a, b Prop) int { return strings.Compare(a.Key, b.Key) })
	for _, p := range rest {
		if !slices.Contains(first, p.Key) {
			out = append(out, p)
		}
	}
	return out
}

// validLogical reports whether Avro-Java would attach the schema's logical
// type (LogicalTypes.fromSchemaIgnoreInvalid).
func validLogical(t *Schema) bool {
	switch t.Logical {
	case "decimal":
		if t.Kind != Bytes && t.Kind != Fixed {
			return false
		}
		if t.Precision <= 0 || t.Scale < 0 || t.Scale > t.Precision {
			return false
		}
		return t.Kind != Fixed || float64(t.Precision) <= maxFixedPrecision(t.Size)
	case "date", "time-millis":
		return t.Kind == Int
	case "time-micros", "timestamp-millis", "timestamp-micros", "timestamp-nanos",
		"local-timestamp-millis", "local-timestamp-micros", "local-timestamp-nanos":
		return t.Kind == Long
	case "uuid":
		return t.Kind == String || t.Kind == Fixed && t.Size == 16
	case "duration":
		return t.Kind == Fixed && t.Size == 12
	}
	return false
}

// maxFixedPrecision is the number of decimal digits a fixed of size bytes
// holds (Avro's Decimal.maxPrecision).
func maxFixedPrecision(size int) float64 {
	if size <= 0 {
		return 0
	}
	// floor(log10(2^(8*size-1) - 1))
	digits := float64(8*size-1) * 0.30102999566398119521
	return float64(int(digits))
}
