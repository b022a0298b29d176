package avro

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"

	"github.com/goconnect/goconnect/internal/avroschema"
)

// Avro schema resolution (the specification's "Schema Resolution"
// section, with the liberties of Java's org.apache.avro.Resolver, which
// Confluent's deserializer runs: record names are not compared, enums and
// fixed compare full names or reader aliases, a reader union takes Java's
// "soft match" branch): data written with one schema is read as another.
// It is
// written as a transcoder, writer-schema binary in, reader-schema binary
// out, so the converter's ordinary decoder then reads the result with the
// reader schema; the converter resolves only when Confluent's deserializer
// does (use.latest.version, use.latest.with.metadata), so the usual read
// path keeps its single pass.
//
// As in Java's resolving reader, a mismatch is reported when data meets
// it: a writer union branch or enum symbol the reader cannot take fails
// only the records that carry it.

// resolver resolves one writer schema into one reader schema, keeping
// what it works out per pair of types (record field plans, encoded
// defaults, union equivalence) so that records after the first cost
// little more than a copy. It is safe for concurrent use.
type resolver struct {
	records  sync.Map // [2]*avroschema.Schema -> *recordPlan
	defaults sync.Map // *avroschema.Field -> defaultBytes
	unions   sync.Map // [2]*avroschema.Schema -> bool (equivalent)
}

// recordPlan maps a writer record's fields to a reader record's.
type recordPlan struct {
	// target is, per writer field, the reader field's index, -1 to skip.
	target []int
	// inOrder is whether the kept writer fields come in the reader's
	// order, so that the reader's binary is written as the writer's is
	// read, defaults in between.
	inOrder bool
}

type defaultBytes struct {
	b   []byte
	err error
}

// resolveInto appends to out the reader-schema binary of the datum that
// in holds in writer-schema binary.
func resolveInto(out []byte, in *reader, w, r *avroschema.Schema) ([]byte, error) {
	return new(resolver).resolve(out, in, w, r)
}

func (rv *resolver) resolve(out []byte, in *reader, w, r *avroschema.Schema) ([]byte, error) {
	if w.Kind == avroschema.Union {
		i, err := in.varint()
		if err != nil {
			return nil, err
		}
		if i < 0 || int(i) >= len(w.Branches) {
			return nil, fmt.Errorf("union branch %d out of range", i)
		}
		if rv.equivalentUnions(w, r) {
			// Java's WriterUnion with unionEquiv: branch to branch.
			out = binary.AppendVarint(out, i)
			return rv.resolve(out, in, w.Branches[i], r.Branches[i])
		}
		return rv.resolve(out, in, w.Branches[i], r)
	}
	if r.Kind == avroschema.Union {
		i := readerBranch(w, r)
		if i < 0 {
			return nil, fmt.Errorf("the reader's union %s has no branch for the writer's %s", describe(r), describe(w))
		}
		out = binary.AppendVarint(out, int64(i))
		return rv.resolve(out, in, w, r.Branches[i])
	}
	switch {
	case w.Kind == r.Kind:
		return rv.resolveSame(out, in, w, r)
	case w.Kind == avroschema.Int && r.Kind == avroschema.Long:
		// Zig-zag varints are the same bytes for int and long.
		n, err := in.varint()
		return binary.AppendVarint(out, n), err
	case (w.Kind == avroschema.Int || w.Kind == avroschema.Long) && r.Kind == avroschema.Float:
		n, err := in.varint()
		return binary.LittleEndian.AppendUint32(out, math.Float32bits(float32(n))), err
	case (w.Kind == avroschema.Int || w.Kind == avroschema.Long) && r.Kind == avroschema.Double:
		n, err := in.varint()
		return binary.LittleEndian.AppendUint64(out, math.Float64bits(float64(n))), err
	case w.Kind == avroschema.Float && r.Kind == avroschema.Double:
		b, err := in.take(4)
		if err != nil {
			return nil, err
		}
		f := math.Float32frombits(binary.LittleEndian.Uint32(b))
		return binary.LittleEndian.AppendUint64(out, math.Float64bits(float64(f))), nil
	case (w.Kind == avroschema.String && r.Kind == avroschema.Bytes) || (w.Kind == avroschema.Bytes && r.Kind == avroschema.String):
		return copyCounted(out, in)
	}
	return nil, fmt.Errorf("the writer's %s cannot be read as the reader's %s", describe(w), describe(r))
}

// resolveSame resolves two schemas of one kind.
func (rv *resolver) resolveSame(out []byte, in *reader, w, r *avroschema.Schema) ([]byte, error) {
	switch w.Kind {
	case avroschema.Null:
		return out, nil
	case avroschema.Boolean:
		b, err := in.take(1)
		return append(out, b...), err
	case avroschema.Int, avroschema.Long:
		n, err := in.varint()
		return binary.AppendVarint(out, n), err
	case avroschema.Float:
		b, err := in.take(4)
		return append(out, b...), err
	case avroschema.Double:
		b, err := in.take(8)
		return append(out, b...), err
	case avroschema.String, avroschema.Bytes:
		return copyCounted(out, in)
	case avroschema.Fixed:
		if !namesMatch(w, r) {
			return nil, fmt.Errorf("the writer's fixed %s is not the reader's %s", w.FullName(), r.FullName())
		}
		if w.Size != r.Size {
			return nil, fmt.Errorf("fixed %s has size %d in the writer's schema and %d in the reader's", r.FullName(), w.Size, r.Size)
		}
		b, err := in.take(int64(w.Size))
		return append(out, b...), err
	case avroschema.Enum:
		if !namesMatch(w, r) {
			return nil, fmt.Errorf("the writer's enum %s is not the reader's %s", w.FullName(), r.FullName())
		}
		i, err := in.varint()
		if err != nil {
			return nil, err
		}
		if i < 0 || int(i) >= len(w.Symbols) {
			return nil, fmt.Errorf("enum index %d out of range", i)
		}
		j := indexOf(r.Symbols, w.Symbols[i])
		if j < 0 {
			var def string
			if r.Default == nil || json.Unmarshal(r.Default, &def) != nil || indexOf(r.Symbols, def) < 0 {
				return nil, fmt.Errorf("enum %s: symbol %s is not in the reader's symbols, which have no default", r.FullName(), w.Symbols[i])
			}
			j = indexOf(r.Symbols, def)
		}
		return binary.AppendVarint(out, int64(j)), nil
	case avroschema.Array:
		return resolveBlocks(out, in, func(out []byte) ([]byte, error) {
			return rv.resolve(out, in, w.Items, r.Items)
		})
	case avroschema.Map:
		return resolveBlocks(out, in, func(out []byte) ([]byte, error) {
			out, err := copyCounted(out, in)
			if err != nil {
				return nil, err
			}
			return rv.resolve(out, in, w.Values, r.Values)
		})
	case avroschema.Record:
		return rv.resolveRecord(out, in, w, r)
	}
	return nil, fmt.Errorf("cannot resolve Avro type %s", w.Kind)
}

// resolveRecord reads the writer's fields in its order, keeps those the
// reader has (matched by name or by the reader field's aliases), skips
// the others, and writes the reader's fields in the reader's order, with
// their defaults where the writer has no such field.
func (rv *resolver) resolveRecord(out []byte, in *reader, w, r *avroschema.Schema) ([]byte, error) {
	plan := rv.recordPlan(w, r)
	if !plan.inOrder {
		return rv.resolveRecordBuffered(out, in, w, r, plan)
	}
	next := 0 // the reader field to write next
	fill := func(out []byte, upTo int) ([]byte, error) {
		for ; next < upTo; next++ {
			b, err := rv.fieldDefault(w, r.Fields[next])
			if err != nil {
				return nil, err
			}
			out = append(out, b...)
		}
		return out, nil
	}
	var err error
	for i, wf := range w.Fields {
		j := plan.target[i]
		if j < 0 {
			if _, err := rv.resolve(nil, in, wf.Type, wf.Type); err != nil {
				return nil, fmt.Errorf("field %s: %w", wf.Name, err)
			}
			continue
		}
		if out, err = fill(out, j); err != nil {
			return nil, err
		}
		if out, err = rv.resolve(out, in, wf.Type, r.Fields[j].Type); err != nil {
			return nil, fmt.Errorf("field %s: %w", r.Fields[j].Name, err)
		}
		next = j + 1
	}
	return fill(out, len(r.Fields))
}

// resolveRecordBuffered is resolveRecord for reordered fields: each kept
// field is resolved apart, then all are written in the reader's order.
func (rv *resolver) resolveRecordBuffered(out []byte, in *reader, w, r *avroschema.Schema, plan *recordPlan) ([]byte, error) {
	parts := make([][]byte, len(r.Fields))
	found := make([]bool, len(r.Fields))
	for i, wf := range w.Fields {
		j := plan.target[i]
		if j < 0 {
			if _, err := rv.resolve(nil, in, wf.Type, wf.Type); err != nil {
				return nil, fmt.Errorf("field %s: %w", wf.Name, err)
			}
			continue
		}
		b, err := rv.resolve(nil, in, wf.Type, r.Fields[j].Type)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", r.Fields[j].Name, err)
		}
		parts[j], found[j] = b, true
	}
	for j, rf := range r.Fields {
		if found[j] {
			out = append(out, parts[j]...)
			continue
		}
		b, err := rv.fieldDefault(w, rf)
		if err != nil {
			return nil, err
		}
		out = append(out, b...)
	}
	return out, nil
}

// recordPlan is the (cached) field plan of a writer and reader record.
func (rv *resolver) recordPlan(w, r *avroschema.Schema) *recordPlan {
	key := [2]*avroschema.Schema{w, r}
	if p, ok := rv.records.Load(key); ok {
		return p.(*recordPlan)
	}
	p := &recordPlan{target: make([]int, len(w.Fields)), inOrder: true}
	last := -1
	for i, wf := range w.Fields {
		j := readerField(r, wf.Name)
		p.target[i] = j
		if j >= 0 {
			if j < last {
				p.inOrder = false
			}
			last = j
		}
	}
	rv.records.Store(key, p)
	return p
}

// fieldDefault is the (cached) binary of a reader field's default, for
// a field the writer's record lacks.
func (rv *resolver) fieldDefault(w *avroschema.Schema, rf *avroschema.Field) ([]byte, error) {
	if d, ok := rv.defaults.Load(rf); ok {
		return d.(defaultBytes).b, d.(defaultBytes).err
	}
	var d defaultBytes
	if !rf.HasDefault {
		d.err = fmt.Errorf("field %s: the writer's record %s has no such field and the reader's field has no default", rf.Name, w.FullName())
	} else if d.b, d.err = appendDefault(nil, rf.Type, rf.Default); d.err != nil {
		d.err = fmt.Errorf("field %s: default: %w", rf.Name, d.err)
	}
	rv.defaults.Store(rf, d)
	return d.b, d.err
}

// equivalentUnions is the (cached) equivalent for two unions.
func (rv *resolver) equivalentUnions(w, r *avroschema.Schema) bool {
	key := [2]*avroschema.Schema{w, r}
	if v, ok := rv.unions.Load(key); ok {
		return v.(bool)
	}
	v := equivalent(w, r, map[[2]*avroschema.Schema]bool{})
	rv.unions.Store(key, v)
	return v
}

// readerField is the index of the reader's field for a writer field.
func readerField(r *avroschema.Schema, name string) int {
	for j, f := range r.Fields {
		if f.Name == name {
			return j
		}
	}
	for j, f := range r.Fields {
		if indexOf(f.Aliases, name) >= 0 {
			return j
		}
	}
	return -1
}

// readerFieldFor is whether reader field rf takes the writer field name
// (its name or one of its aliases).
func readerFieldFor(rf *avroschema.Field, name string) bool {
	return rf.Name == name || indexOf(rf.Aliases, name) >= 0
}

// namesMatch is Java's rule for enums and fixed (Avro's Resolver after
// Schema.applyAliases): the same full name, or a reader alias naming the
// writer's type. Records are not compared by name, as in Java.
func namesMatch(w, r *avroschema.Schema) bool {
	return w.FullName() == r.FullName() || indexOf(r.Aliases, w.FullName()) >= 0
}

// readerBranch picks the reader union's branch for a non-union writer
// schema as Java's Resolver does (its "soft match", kept from Avro 1.8):
// the first branch of the same type, for enums and fixed only of the same
// name; for records the first of the same full name, else the last
// readable one of the same short name, else the first readable one; then
// the first branch the writer's type is promoted to.
func readerBranch(w, r *avroschema.Schema) int {
	structural := -1
	for i, b := range r.Branches {
		if b.Kind != w.Kind {
			continue
		}
		if !w.Kind.Named() {
			return i
		}
		if namesMatch(w, b) {
			return i
		}
		if w.Kind == avroschema.Record && !recordMismatch(w, b) && (structural < 0 || w.Name == b.Name) {
			structural = i
		}
	}
	if structural >= 0 {
		return structural
	}
	for i, b := range r.Branches {
		if promotes(w.Kind, b.Kind) {
			return i
		}
	}
	return -1
}

// equivalent is Java's unionEquiv: the same structure, named types
// compared by short name, record fields by name in order.
func equivalent(w, r *avroschema.Schema, seen map[[2]*avroschema.Schema]bool) bool {
	if w.Kind != r.Kind || w.Kind.Named() && w.Name != r.Name {
		return false
	}
	switch w.Kind {
	case avroschema.Array:
		return equivalent(w.Items, r.Items, seen)
	case avroschema.Map:
		return equivalent(w.Values, r.Values, seen)
	case avroschema.Fixed:
		return w.Size == r.Size
	case avroschema.Enum:
		return slices.Equal(w.Symbols, r.Symbols)
	case avroschema.Union:
		if len(w.Branches) != len(r.Branches) {
			return false
		}
		for i := range w.Branches {
			if !equivalent(w.Branches[i], r.Branches[i], seen) {
				return false
			}
		}
	case avroschema.Record:
		key := [2]*avroschema.Schema{w, r}
		if v, ok := seen[key]; ok {
			return v
		}
		seen[key] = true
		if len(w.Fields) != len(r.Fields) {
			seen[key] = false
			return false
		}
		for i, f := range w.Fields {
			if f.Name != r.Fields[i].Name || !equivalent(f.Type, r.Fields[i].Type, seen) {
				seen[key] = false
				return false
			}
		}
	}
	return true
}

// mismatch is whether resolving w into r fails before any data is read
// (Java's ErrorAction at the top of the resolution).
func mismatch(w, r *avroschema.Schema) bool {
	switch {
	case w.Kind == avroschema.Union:
		return false
	case w.Kind == r.Kind:
		switch w.Kind {
		case avroschema.Fixed:
			return !namesMatch(w, r) || w.Size != r.Size
		case avroschema.Enum:
			return !namesMatch(w, r)
		case avroschema.Record:
			return missingField(w, r)
		}
		return false
	case r.Kind == avroschema.Union:
		return readerBranch(w, r) < 0
	}
	return !promotes(w.Kind, r.Kind)
}

// missingField is whether the reader has a field without a default that
// the writer lacks.
func missingField(w, r *avroschema.Schema) bool {
	for _, rf := range r.Fields {
		if rf.HasDefault {
			continue
		}
		found := false
		for _, wf := range w.Fields {
			if readerFieldFor(rf, wf.Name) {
				found = true
				break
			}
		}
		if !found {
			return true
		}
	}
	return false
}

// recordMismatch is Java's hasMatchError for a record branch: a missing
// field, or a shared field whose types mismatch.
func recordMismatch(w, r *avroschema.Schema) bool {
	if missingField(w, r) {
		return true
	}
	for _, wf := range w.Fields {
		if j := readerField(r, wf.Name); j >= 0 && mismatch(wf.Type, r.Fields[j].Type) {
			return true
		}
	}
	return false
}

// promotes is whether the specification promotes writer kind w to reader
// kind r.
func promotes(w, r avroschema.Kind) bool {
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

func describe(s *avroschema.Schema) string {
	switch {
	case s.Kind.Named():
		return s.Kind.String() + " " + s.FullName()
	case s.Kind == avroschema.Union:
		names := make([]string, len(s.Branches))
		for i, b := range s.Branches {
			names[i] = describe(b)
		}
		return fmt.Sprint(names)
	}
	return s.Kind.String()
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// copyCounted copies a length-prefixed string or bytes value.
func copyCounted(out []byte, in *reader) ([]byte, error) {
	n, err := in.varint()
	if err != nil {
		return nil, err
	}
	b, err := in.take(n)
	if err != nil {
		return nil, err
	}
	return append(binary.AppendVarint(out, n), b...), nil
}

// resolveBlocks re-writes array or map blocks, item by item, as plain
// counted blocks (the byte sizes of negative counts change with the
// items).
func resolveBlocks(out []byte, in *reader, item func([]byte) ([]byte, error)) ([]byte, error) {
	for {
		n, err := in.varint()
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return append(out, 0), nil
		}
		if n < 0 {
			n = -n
			if _, err := in.varint(); err != nil {
				return nil, err
			}
		}
		if n > int64(len(in.b)-in.pos) {
			return nil, errShort
		}
		out = binary.AppendVarint(out, n)
		for ; n > 0; n-- {
			if out, err = item(out); err != nil {
				return nil, err
			}
		}
	}
}

// appendDefault appends the binary of a field default given as JSON.
func appendDefault(out []byte, t *avroschema.Schema, raw json.RawMessage) ([]byte, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var node any
	if err := d.Decode(&node); err != nil {
		return nil, err
	}
	return appendJSON(out, t, node)
}

// appendJSON encodes a default value's JSON form as the specification
// reads it: bytes and fixed as strings of code points 0-255, a union's
// default in its first branch (any branch it fits, as Java accepts).
func appendJSON(out []byte, t *avroschema.Schema, node any) ([]byte, error) {
	bad := func() ([]byte, error) {
		return nil, fmt.Errorf("%v is not a default for %s", node, describe(t))
	}
	switch t.Kind {
	case avroschema.Null:
		if node != nil {
			return bad()
		}
		return out, nil
	case avroschema.Boolean:
		b, ok := node.(bool)
		if !ok {
			return bad()
		}
		if b {
			return append(out, 1), nil
		}
		return append(out, 0), nil
	case avroschema.Int, avroschema.Long:
		n, ok := node.(json.Number)
		if !ok {
			return bad()
		}
		i, err := n.Int64()
		if err != nil || (t.Kind == avroschema.Int && (i < math.MinInt32 || i > math.MaxInt32)) {
			return bad()
		}
		return binary.AppendVarint(out, i), nil
	case avroschema.Float, avroschema.Double:
		n, ok := node.(json.Number)
		if !ok {
			return bad()
		}
		f, err := n.Float64()
		if err != nil {
			return bad()
		}
		if t.Kind == avroschema.Float {
			return binary.LittleEndian.AppendUint32(out, math.Float32bits(float32(f))), nil
		}
		return binary.LittleEndian.AppendUint64(out, math.Float64bits(f)), nil
	case avroschema.String:
		s, ok := node.(string)
		if !ok {
			return bad()
		}
		return append(binary.AppendVarint(out, int64(len(s))), s...), nil
	case avroschema.Bytes, avroschema.Fixed:
		s, ok := node.(string)
		if !ok {
			return bad()
		}
		b := make([]byte, 0, len(s))
		for _, c := range s {
			if c > 0xff {
				return bad()
			}
			b = append(b, byte(c))
		}
		if t.Kind == avroschema.Fixed {
			if len(b) != t.Size {
				return bad()
			}
			return append(out, b...), nil
		}
		return append(binary.AppendVarint(out, int64(len(b))), b...), nil
	case avroschema.Enum:
		s, ok := node.(string)
		if !ok || indexOf(t.Symbols, s) < 0 {
			return bad()
		}
		return binary.AppendVarint(out, int64(indexOf(t.Symbols, s))), nil
	case avroschema.Array:
		items, ok := node.([]any)
		if !ok {
			return bad()
		}
		if len(items) > 0 {
			out = binary.AppendVarint(out, int64(len(items)))
			for _, it := range items {
				var err error
				if out, err = appendJSON(out, t.Items, it); err != nil {
					return nil, err
				}
			}
		}
		return append(out, 0), nil
	case avroschema.Map:
		m, ok := node.(map[string]any)
		if !ok {
			return bad()
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if len(keys) > 0 {
			out = binary.AppendVarint(out, int64(len(keys)))
			for _, k := range keys {
				out = append(binary.AppendVarint(out, int64(len(k))), k...)
				var err error
				if out, err = appendJSON(out, t.Values, m[k]); err != nil {
					return nil, err
				}
			}
		}
		return append(out, 0), nil
	case avroschema.Record:
		m, ok := node.(map[string]any)
		if !ok {
			return bad()
		}
		for _, f := range t.Fields {
			var err error
			if v, ok := m[f.Name]; ok {
				out, err = appendJSON(out, f.Type, v)
			} else if f.HasDefault {
				out, err = appendDefault(out, f.Type, f.Default)
			} else {
				err = fmt.Errorf("field %s missing", f.Name)
			}
			if err != nil {
				return nil, fmt.Errorf("record %s: %w", t.FullName(), err)
			}
		}
		return out, nil
	case avroschema.Union:
		for i, b := range t.Branches {
			if enc, err := appendJSON(binary.AppendVarint(nil, int64(i)), b, node); err == nil {
				return append(out, enc...), nil
			}
		}
		return bad()
	}
	return bad()
}
