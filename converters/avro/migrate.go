package avro

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/avroschema"
	"github.com/linkedin/goavro/v2"
)

// jsonCodecs holds, per parsed schema, the goavro codec that reads and
// writes its Avro JSON encoding (unions as {"type": value}, bytes as
// code points 0-255), which migration rules run over.
type jsonCodecs struct {
	m sync.Map // *avroschema.Schema -> *goavro.Codec
}

func (j *jsonCodecs) codec(t *avroschema.Schema) (*goavro.Codec, error) {
	if c, ok := j.m.Load(t); ok {
		return c.(*goavro.Codec), nil
	}
	// JavaString writes referenced named types in full, so the text
	// stands alone.
	c, err := goavro.NewCodec(avroschema.JavaString(t, nil))
	if err != nil {
		return nil, err
	}
	j.m.Store(t, c)
	return c, nil
}

// migrate is Confluent's Avro read with migrations: the payload read with
// the writer's schema, written as Avro JSON (AvroSchema.toJson), run
// through the migration's rules, and read back with the reader's schema
// (AvroSchemaUtils.toObject); it returns the reader schema's binary.
func (c *Converter) migrate(payload []byte, writer, reader *avroschema.Schema, run func([]byte) ([]byte, error)) ([]byte, error) {
	wc, err := c.jsonCodecs.codec(writer)
	if err != nil {
		return nil, fmt.Errorf("writer schema for migration: %w", err)
	}
	rc, err := c.jsonCodecs.codec(reader)
	if err != nil {
		return nil, fmt.Errorf("reader schema for migration: %w", err)
	}
	native, rest, err := wc.NativeFromBinary(payload)
	if err != nil {
		return nil, fmt.Errorf("reading the writer's data for migration: %w", err)
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("reading the writer's data for migration: %d bytes after the record", len(rest))
	}
	doc, err := wc.TextualFromNative(nil, native)
	if err != nil {
		return nil, fmt.Errorf("writing the writer's data as Avro JSON: %w", err)
	}
	// As Avro-Java writes it: fields in schema order, union branches by
	// type name (goavro names a logical type's branch "long.timestamp-millis").
	if doc, err = javaOrder(writer, doc); err != nil {
		return nil, fmt.Errorf("writing the writer's data as Avro JSON: %w", err)
	}
	if doc, err = run(doc); err != nil {
		return nil, err
	}
	if doc, err = goavroNames(reader, doc); err != nil {
		return nil, fmt.Errorf("reading the migrated JSON %s with the reader schema: %w", doc, err)
	}
	native, rest, err = rc.NativeFromTextual(doc)
	if err != nil {
		return nil, fmt.Errorf("reading the migrated JSON %s with the reader schema: %w", doc, err)
	}
	if len(trimSpace(rest)) != 0 {
		return nil, fmt.Errorf("reading the migrated JSON with the reader schema: data after the value")
	}
	out, err := rc.BinaryFromNative(nil, native)
	if err != nil {
		return nil, fmt.Errorf("writing the migrated data with the reader schema: %w", err)
	}
	return out, nil
}

// dlqCopy is a Connect value as Confluent's DlqAction copies the Avro
// message on write: a string, bytes, int, long, float or double as Kafka's
// serializers write it (what AvroData hands the serializer for those is a
// Java String, ByteBuffer, Integer, Long, Float or Double), anything else
// as Avro JSON of schema t (AvroSchema.toJson): encoded, read back by
// goavro and written as text.
func (c *Converter) dlqCopy(t *avroschema.Schema, s *data.Schema, v any) ([]byte, error) {
	b, err := c.enc.encode(nil, t, s, v)
	if err != nil {
		return nil, err
	}
	if out, ok := rawPrimitive(t, b); ok {
		return out, nil
	}
	codec, err := c.jsonCodecs.codec(t)
	if err != nil {
		return nil, err
	}
	native, _, err := codec.NativeFromBinary(b)
	if err != nil {
		return nil, err
	}
	text, err := codec.TextualFromNative(nil, native)
	if err != nil {
		return nil, err
	}
	return javaOrder(t, text)
}

// javaOrder rewrites goavro's Avro JSON as Avro-Java's JsonEncoder writes
// it: record fields in schema order (goavro writes them in map order),
// union branches named by type (full name for named types, the plain type
// for a logical type), map entries in key order (Java's follow its map),
// no HTML escaping.
func javaOrder(t *avroschema.Schema, text []byte) ([]byte, error) {
	d := json.NewDecoder(bytes.NewReader(text))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := writeOrdered(&buf, t, v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func branchName(t *avroschema.Schema) string {
	if t.Kind.Named() {
		return t.FullName()
	}
	return t.Kind.String()
}

func writeOrdered(buf *bytes.Buffer, t *avroschema.Schema, v any) error {
	switch t.Kind {
	case avroschema.Record:
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("record %s: %T in goavro's JSON", t.FullName(), v)
		}
		buf.WriteByte('{')
		for i, f := range t.Fields {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeScalar(buf, f.Name)
			buf.WriteByte(':')
			if err := writeOrdered(buf, f.Type, m[f.Name]); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
		return nil
	case avroschema.Union:
		if v == nil {
			buf.WriteString("null")
			return nil
		}
		m, ok := v.(map[string]any)
		if !ok || len(m) != 1 {
			return fmt.Errorf("union: %T in goavro's JSON", v)
		}
		for k, bv := range m {
			for _, b := range t.Branches {
				if k == branchName(b) || b.Logical != "" && k == b.Kind.String()+"."+b.Logical {
					buf.WriteByte('{')
					writeScalar(buf, branchName(b))
					buf.WriteByte(':')
					if err := writeOrdered(buf, b, bv); err != nil {
						return err
					}
					buf.WriteByte('}')
					return nil
				}
			}
			return fmt.Errorf("union branch %q not in the schema", k)
		}
	case avroschema.Array:
		a, ok := v.([]any)
		if !ok {
			return fmt.Errorf("array: %T in goavro's JSON", v)
		}
		buf.WriteByte('[')
		for i, x := range a {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeOrdered(buf, t.Items, x); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
		return nil
	case avroschema.Map:
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("map: %T in goavro's JSON", v)
		}
		buf.WriteByte('{')
		for i, k := range slices.Sorted(maps.Keys(m)) {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeScalar(buf, k)
			buf.WriteByte(':')
			if err := writeOrdered(buf, t.Values, m[k]); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
		return nil
	case avroschema.Float, avroschema.Double:
		if n, ok := v.(json.Number); ok {
			bits := 64
			if t.Kind == avroschema.Float {
				bits = 32
			}
			if f, err := strconv.ParseFloat(string(n), bits); err == nil {
				buf.WriteString(javaDouble(f, bits))
				return nil
			}
		}
	}
	writeScalar(buf, v)
	return nil
}

// javaDouble formats f as Java's Double.toString (Float.toString for a
// float) with the shortest digits, as Jackson writes a JSON double:
// "10.0", "0.001", "1.0E7", "1.5E-4".
func javaDouble(f float64, bits int) string {
	if f == 0 {
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	e := strconv.FormatFloat(f, 'e', -1, bits) // [-]d[.ddd]e±XX
	sign := ""
	if e[0] == '-' {
		sign, e = "-", e[1:]
	}
	mant, exp, _ := strings.Cut(e, "e")
	x, _ := strconv.Atoi(exp)
	digits := strings.Replace(mant, ".", "", 1)
	if abs := math.Abs(f); abs >= 1e-3 && abs < 1e7 {
		if x >= 0 {
			for len(digits) <= x {
				digits += "0"
			}
			return sign + digits[:x+1] + "." + digits[x+1:] + zeroIfEmpty(digits[x+1:])
		}
		return sign + "0." + strings.Repeat("0", -x-1) + digits
	}
	frac := digits[1:]
	return sign + digits[:1] + "." + frac + zeroIfEmpty(frac) + "E" + strconv.Itoa(x)
}

func zeroIfEmpty(s string) string {
	if s == "" {
		return "0"
	}
	return ""
}

// writeScalar writes a JSON leaf without HTML escaping, as Jackson does.
func writeScalar(buf *bytes.Buffer, v any) {
	e := json.NewEncoder(buf)
	e.SetEscapeHTML(false)
	_ = e.Encode(v)             // strings, json.Number, bool, nil: cannot fail
	buf.Truncate(buf.Len() - 1) // Encode's newline
}

// rawPrimitive reads a top-level primitive's Avro binary b (of schema t,
// or of the union branch b holds) into Kafka's serializer bytes: UTF-8 or
// the bytes themselves, big-endian integers and IEEE 754 bits.
func rawPrimitive(t *avroschema.Schema, b []byte) ([]byte, bool) {
	if t.Kind == avroschema.Union {
		i, n := binary.Varint(b)
		if n <= 0 || i < 0 || int(i) >= len(t.Branches) {
			return nil, false
		}
		t, b = t.Branches[i], b[n:]
	}
	switch t.Kind {
	case avroschema.String, avroschema.Bytes:
		l, n := binary.Varint(b)
		if n <= 0 || l < 0 || int64(len(b)-n) < l {
			return nil, false
		}
		return b[n : n+int(l)], true
	case avroschema.Int:
		x, n := binary.Varint(b)
		if n <= 0 {
			return nil, false
		}
		return binary.BigEndian.AppendUint32(nil, uint32(int32(x))), true
	case avroschema.Long:
		x, n := binary.Varint(b)
		if n <= 0 {
			return nil, false
		}
		return binary.BigEndian.AppendUint64(nil, uint64(x)), true
	case avroschema.Float:
		if len(b) < 4 {
			return nil, false
		}
		return binary.BigEndian.AppendUint32(nil, binary.LittleEndian.Uint32(b)), true
	case avroschema.Double:
		if len(b) < 8 {
			return nil, false
		}
		return binary.BigEndian.AppendUint64(nil, binary.LittleEndian.Uint64(b)), true
	}
	return nil, false
}

// goavroNames renames, in migrated Avro JSON, the union branches of a
// logical type to goavro's names; the rest is left as it is.
func goavroNames(t *avroschema.Schema, doc []byte) ([]byte, error) {
	d := json.NewDecoder(bytes.NewReader(doc))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if !renameBranches(t, v, map[*avroschema.Schema]bool{}) {
		return doc, nil
	}
	var buf bytes.Buffer
	e := json.NewEncoder(&buf)
	e.SetEscapeHTML(false)
	if err := e.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// renameBranches reports whether it renamed anything.
func renameBranches(t *avroschema.Schema, v any, seen map[*avroschema.Schema]bool) bool {
	changed := false
	switch t.Kind {
	case avroschema.Record:
		if seen[t] {
			return false // recursive types: one level is enough for goconnect, which refuses them
		}
		seen[t] = true
		defer delete(seen, t)
		if m, ok := v.(map[string]any); ok {
			for _, f := range t.Fields {
				if fv, ok := m[f.Name]; ok && renameBranches(f.Type, fv, seen) {
					changed = true
				}
			}
		}
	case avroschema.Union:
		m, ok := v.(map[string]any)
		if !ok || len(m) != 1 {
			return false
		}
		for k, bv := range m {
			for _, b := range t.Branches {
				if k != branchName(b) {
					continue
				}
				if b.Logical != "" && !b.Kind.Named() {
					delete(m, k)
					m[b.Kind.String()+"."+b.Logical] = bv
					changed = true
				}
				if renameBranches(b, bv, seen) {
					changed = true
				}
			}
		}
	case avroschema.Array:
		a, _ := v.([]any)
		for _, x := range a {
			if renameBranches(t.Items, x, seen) {
				changed = true
			}
		}
	case avroschema.Map:
		m, _ := v.(map[string]any)
		for _, x := range m {
			if renameBranches(t.Values, x, seen) {
				changed = true
			}
		}
	}
	return changed
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\n' || b[0] == '\t' || b[0] == '\r') {
		b = b[1:]
	}
	return b
}
