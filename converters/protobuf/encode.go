package protobuf

import (
	"fmt"
	"math"
	"sort"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/hashorder"
)

// The hot path writes Connect values straight to the wire, driven by a
// plan of the linked descriptor: fields in number order, as Java's
// DynamicMessage writes them. mapping.message (dynamicpb) is the
// reference the tests hold it to; it is about 40 times slower.

// plan is a message's fields matched to a Connect struct schema.
type plan struct {
	fields []planField // by field number
}

type planField struct {
	fd     protoreflect.FieldDescriptor
	index  int          // Connect field index
	member int          // union member index within the union struct, or -1
	schema *data.Schema // the value's Connect schema
	sub    *plan        // struct values (elements for arrays)
	key    *data.Schema // map entries
	entry  [2]protoreflect.FieldDescriptor
	kplan  *plan
	vplan  *plan
}

func (m *mapping) newPlan(md protoreflect.MessageDescriptor, s *data.Schema) (*plan, error) {
	p := &plan{}
	fields := md.Fields()
	for i, f := range s.Fields {
		if f.Schema.Type == data.TypeStruct && isUnion(f.Schema) {
			for j, uf := range f.Schema.Fields {
				fd := fields.ByName(protoreflect.Name(m.scrub(uf.Name)))
				if fd == nil {
					return nil, fmt.Errorf("Cannot find field with name %s", m.scrub(uf.Name))
				}
				pf, err := m.planField(fd, uf.Schema, i, j)
				if err != nil {
					return nil, err
				}
				p.fields = append(p.fields, pf)
			}
			continue
		}
		fd := fields.ByName(protoreflect.Name(m.scrub(f.Name)))
		if fd == nil {
			return nil, fmt.Errorf("Cannot find field with name %s", m.scrub(f.Name))
		}
		pf, err := m.planField(fd, f.Schema, i, -1)
		if err != nil {
			return nil, err
		}
		p.fields = append(p.fields, pf)
	}
	sort.SliceStable(p.fields, func(a, b int) bool { return p.fields[a].fd.Number() < p.fields[b].fd.Number() })
	return p, nil
}

func (m *mapping) planField(fd protoreflect.FieldDescriptor, s *data.Schema, index, member int) (planField, error) {
	pf := planField{fd: fd, index: index, member: member, schema: s}
	elem := s
	if s.Type == data.TypeArray {
		elem = s.Value
	}
	var err error
	switch {
	case elem.Type == data.TypeStruct && !data.IsLogical(elem):
		if fd.Message() == nil {
			return pf, fmt.Errorf("field %s is not a message", fd.Name())
		}
		pf.sub, err = m.newPlan(fd.Message(), elem)
	case s.Type == data.TypeMap:
		ed := fd.Message()
		if ed == nil || !fd.IsList() || ed.Fields().Len() != 2 {
			return pf, fmt.Errorf("field %s is not a repeated entry message", fd.Name())
		}
		pf.key = s.Key
		pf.entry = [2]protoreflect.FieldDescriptor{ed.Fields().Get(0), ed.Fields().Get(1)}
		if s.Key.Type == data.TypeStruct {
			if pf.kplan, err = m.newPlan(pf.entry[0].Message(), s.Key); err != nil {
				return pf, err
			}
		}
		if s.Value.Type == data.TypeStruct && !data.IsLogical(s.Value) {
			pf.vplan, err = m.newPlan(pf.entry[1].Message(), s.Value)
		}
	}
	return pf, err
}

func (m *mapping) appendStruct(b []byte, p *plan, st *data.Struct) ([]byte, error) {
	var err error
	for i := range p.fields {
		f := &p.fields[i]
		var v any
		if m.ignoreDefault {
			v = st.RawIndex(f.index)
		} else {
			v = st.GetIndex(f.index)
		}
		if v == nil {
			continue
		}
		if f.member >= 0 {
			// A union: only its first non-null member is written.
			u, ok := v.(*data.Struct)
			if !ok {
				return nil, fmt.Errorf("invalid type for STRUCT: %T", v)
			}
			chosen := -1
			for j := range u.Schema().Fields {
				var uv any
				if m.ignoreDefault {
					uv = u.RawIndex(j)
				} else {
					uv = u.GetIndex(j)
				}
				if uv != nil {
					chosen, v = j, uv
					break
				}
			}
			if chosen < 0 {
				return nil, fmt.Errorf("field %s: Cannot find non-null field", st.Schema().Fields[f.index].Name)
			}
			if chosen != f.member {
				continue
			}
		}
		if b, err = m.appendField(b, f, v); err != nil {
			return nil, fmt.Errorf("field %s: %w", f.fd.Name(), err)
		}
	}
	return b, nil
}

func (m *mapping) appendField(b []byte, f *planField, v any) ([]byte, error) {
	var err error
	switch f.schema.Type {
	case data.TypeArray:
		arr, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("invalid type for ARRAY: %T", v)
		}
		if len(arr) == 0 {
			return b, nil
		}
		if packable(f.fd.Kind()) {
			b = protowire.AppendTag(b, f.fd.Number(), protowire.BytesType)
			return nested(b, func(b []byte) ([]byte, error) {
				for _, e := range arr {
					if e == nil {
						return nil, fmt.Errorf("a null array element cannot be written in Protobuf")
					}
					if b, err = appendScalar(b, f.fd, f.schema.Value, e); err != nil {
						return nil, err
					}
				}
				return b, nil
			})
		}
		for _, e := range arr {
			if e == nil {
				return nil, fmt.Errorf("a null array element cannot be written in Protobuf")
			}
			if b, err = m.appendSingle(b, f.fd, f.schema.Value, e, true, f.sub); err != nil {
				return nil, err
			}
		}
		return b, nil
	case data.TypeMap:
		return m.appendMap(b, f, v)
	}
	return m.appendSingle(b, f.fd, f.schema, v, f.fd.HasPresence(), f.sub)
}

func (m *mapping) appendMap(b []byte, f *planField, v any) ([]byte, error) {
	type entry struct{ k, v any }
	var entries []entry
	switch mv := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(mv))
		for k := range mv {
			keys = append(keys, k)
		}
		for _, k := range hashorder.Order(keys) {
			entries = append(entries, entry{k, mv[k]})
		}
	case map[any]any:
		for k, e := range mv {
			entries = append(entries, entry{k, e})
		}
		sort.Slice(entries, func(i, j int) bool { return fmt.Sprint(entries[i].k) < fmt.Sprint(entries[j].k) })
	default:
		return nil, fmt.Errorf("invalid type for MAP: %T", v)
	}
	var err error
	for _, e := range entries {
		b = protowire.AppendTag(b, f.fd.Number(), protowire.BytesType)
		b, err = nested(b, func(b []byte) ([]byte, error) {
			var err error
			if e.k != nil {
				if b, err = m.appendSingle(b, f.entry[0], f.key, e.k, f.entry[0].HasPresence(), f.kplan); err != nil {
					return nil, fmt.Errorf("map key: %w", err)
				}
			}
			if e.v != nil {
				vf := planField{fd: f.entry[1], schema: f.schema.Value, sub: f.vplan, member: -1}
				if b, err = m.appendField(b, &vf, e.v); err != nil {
					return nil, fmt.Errorf("map value: %w", err)
				}
			}
			return b, nil
		})
		if err != nil {
			return nil, err
		}
	}
	return b, nil
}

// appendSingle writes one non-null value with its tag; presence says
// whether a zero scalar is written.
func (m *mapping) appendSingle(b []byte, fd protoreflect.FieldDescriptor, s *data.Schema, v any, presence bool, sub *plan) ([]byte, error) {
	if fd.Kind() == protoreflect.EnumKind {
		pv, err := scalar(fd, s, v)
		if err != nil {
			return nil, err
		}
		if !presence && pv.Enum() == 0 {
			return b, nil
		}
		b = protowire.AppendTag(b, fd.Number(), protowire.VarintType)
		return protowire.AppendVarint(b, uint64(int64(pv.Enum()))), nil
	}
	if fd.Kind() != protoreflect.MessageKind {
		if !presence && isZero(v) {
			return b, nil
		}
		b = protowire.AppendTag(b, fd.Number(), wireType(fd.Kind()))
		return appendScalar(b, fd, s, v)
	}
	b = protowire.AppendTag(b, fd.Number(), protowire.BytesType)
	return nested(b, func(b []byte) ([]byte, error) {
		switch s.Name {
		case data.DecimalName:
			d, ok := v.(*data.BigDecimal)
			if !ok {
				return nil, fmt.Errorf("Invalid type for Decimal, expected BigDecimal but was %T", v)
			}
			if raw := data.TwosComplement(d.Unscaled); len(raw) > 0 {
				b = protowire.AppendTag(b, 1, protowire.BytesType)
				b = protowire.AppendBytes(b, raw)
			}
			b = appendVarintField(b, 2, uint64(uint32(precision(d.Unscaled))))
			return appendVarintField(b, 3, uint64(int64(d.Scale))), nil
		case data.DateName:
			t, ok := v.(time.Time)
			if !ok {
				return nil, fmt.Errorf("Invalid type for Date, expected Date but was %T", v)
			}
			t = t.UTC()
			if t.Hour() != 0 || t.Minute() != 0 || t.Second() != 0 || t.Nanosecond()/1e6 != 0 {
				return nil, fmt.Errorf("Kafka Connect Date type should not have any time fields set to non-zero values.")
			}
			b = appendVarintField(b, 1, uint64(int64(t.Year())))
			b = appendVarintField(b, 2, uint64(t.Month()))
			return appendVarintField(b, 3, uint64(t.Day())), nil
		case data.TimeName:
			t, ok := v.(time.Time)
			if !ok {
				return nil, fmt.Errorf("Invalid type for Time, expected Date but was %T", v)
			}
			ms := t.UnixMilli()
			if ms < 0 || ms > 86400000 {
				return nil, fmt.Errorf("Time values must use number of millis greater than 0 and less than 86400000")
			}
			t = time.UnixMilli(ms).UTC()
			b = appendVarintField(b, 1, uint64(t.Hour()))
			b = appendVarintField(b, 2, uint64(t.Minute()))
			b = appendVarintField(b, 3, uint64(t.Second()))
			return appendVarintField(b, 4, uint64(t.Nanosecond()/1e6*1e6)), nil
		case data.TimestampName:
			t, ok := v.(time.Time)
			if !ok {
				return nil, fmt.Errorf("Invalid type for Timestamp, expected Date but was %T", v)
			}
			ms := t.UnixMilli()
			sec, rem := ms/1000, ms%1000
			if rem < 0 {
				sec, rem = sec-1, rem+1000
			}
			b = appendVarintField(b, 1, uint64(sec))
			return appendVarintField(b, 2, uint64(rem*1e6)), nil
		}
		if s.Type == data.TypeStruct {
			st, ok := v.(*data.Struct)
			if !ok || sub == nil {
				return nil, fmt.Errorf("invalid type for STRUCT: %T", v)
			}
			if !data.Equal(st.Schema(), s) {
				return nil, fmt.Errorf("Mismatching struct schema")
			}
			return m.appendStruct(b, sub, st)
		}
		if _, ok := wrapperTypes[string(fd.Message().FullName())]; ok {
			return m.appendSingle(b, fd.Message().Fields().Get(0), s, v, false, nil)
		}
		return nil, fmt.Errorf("a %s value cannot be written as message %s", s.Type.JavaName(), fd.Message().FullName())
	})
}

func appendVarintField(b []byte, num protowire.Number, v uint64) []byte {
	if v == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

// nested appends a length-delimited value written by fill.
func nested(b []byte, fill func([]byte) ([]byte, error)) ([]byte, error) {
	start := len(b)
	b = append(b, 0)
	b, err := fill(b)
	if err != nil {
		return nil, err
	}
	n := len(b) - start - 1
	if n < 0x80 {
		b[start] = byte(n)
		return b, nil
	}
	size := protowire.SizeVarint(uint64(n))
	b = append(b, make([]byte, size-1)...)
	copy(b[start+size:], b[start+1:start+1+n])
	protowire.AppendVarint(b[:start], uint64(n))
	return b, nil
}

func packable(k protoreflect.Kind) bool {
	switch k {
	case protoreflect.StringKind, protoreflect.BytesKind, protoreflect.MessageKind, protoreflect.GroupKind:
		return false
	}
	return true
}

func wireType(k protoreflect.Kind) protowire.Type {
	switch k {
	case protoreflect.Fixed32Kind, protoreflect.Sfixed32Kind, protoreflect.FloatKind:
		return protowire.Fixed32Type
	case protoreflect.Fixed64Kind, protoreflect.Sfixed64Kind, protoreflect.DoubleKind:
		return protowire.Fixed64Type
	case protoreflect.StringKind, protoreflect.BytesKind:
		return protowire.BytesType
	}
	return protowire.VarintType
}

// isZero tells a proto3 default value, which fields without presence do
// not write (-0.0 is not zero: its bits are set).
func isZero(v any) bool {
	switch x := v.(type) {
	case int8:
		return x == 0
	case int16:
		return x == 0
	case int32:
		return x == 0
	case int64:
		return x == 0
	case int:
		return x == 0
	case float32:
		return math.Float32bits(x) == 0
	case float64:
		return math.Float64bits(x) == 0
	case bool:
		return !x
	case string:
		return x == ""
	case []byte:
		return len(x) == 0
	}
	return false
}

// appendScalar writes a scalar value (no tag) of fd's kind.
func appendScalar(b []byte, fd protoreflect.FieldDescriptor, s *data.Schema, v any) ([]byte, error) {
	if fd.Kind() == protoreflect.EnumKind {
		pv, err := scalar(fd, s, v)
		if err != nil {
			return nil, err
		}
		return protowire.AppendVarint(b, uint64(int64(pv.Enum()))), nil
	}
	if n, ok := toInt64(v); ok {
		switch fd.Kind() {
		case protoreflect.Int32Kind, protoreflect.Int64Kind, protoreflect.Uint64Kind:
			return protowire.AppendVarint(b, uint64(n)), nil
		case protoreflect.Uint32Kind:
			return protowire.AppendVarint(b, uint64(uint32(n))), nil
		case protoreflect.Sint32Kind:
			return protowire.AppendVarint(b, protowire.EncodeZigZag(int64(int32(n)))), nil
		case protoreflect.Sint64Kind:
			return protowire.AppendVarint(b, protowire.EncodeZigZag(n)), nil
		case protoreflect.Fixed32Kind, protoreflect.Sfixed32Kind:
			return protowire.AppendFixed32(b, uint32(n)), nil
		case protoreflect.Fixed64Kind, protoreflect.Sfixed64Kind:
			return protowire.AppendFixed64(b, uint64(n)), nil
		}
	}
	switch fd.Kind() {
	case protoreflect.FloatKind:
		switch x := v.(type) {
		case float32:
			return protowire.AppendFixed32(b, math.Float32bits(x)), nil
		case float64:
			return protowire.AppendFixed32(b, math.Float32bits(float32(x))), nil
		}
	case protoreflect.DoubleKind:
		switch x := v.(type) {
		case float64:
			return protowire.AppendFixed64(b, math.Float64bits(x)), nil
		case float32:
			return protowire.AppendFixed64(b, math.Float64bits(float64(x))), nil
		}
	case protoreflect.BoolKind:
		if x, ok := v.(bool); ok {
			return protowire.AppendVarint(b, protowire.EncodeBool(x)), nil
		}
	case protoreflect.StringKind:
		if x, ok := v.(string); ok {
			return protowire.AppendString(b, x), nil
		}
	case protoreflect.BytesKind:
		if x, ok := v.([]byte); ok {
			return protowire.AppendBytes(b, x), nil
		}
	}
	return nil, fmt.Errorf("Invalid type for %s: %T", s.Type.JavaName(), v)
}
