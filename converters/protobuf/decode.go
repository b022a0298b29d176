package protobuf

import (
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/goconnect/goconnect/connect/data"
)

// The read path decodes the wire straight into Connect values for
// scalars, strings, bytes, arrays and nested structs, driven by a plan
// of the message; logical types, wrappers and map entries go through
// dynamicpb. structValue (all dynamicpb) is the reference the tests
// hold it to.

type readPlan struct {
	s      *data.Schema
	md     protoreflect.MessageDescriptor
	fields []readField
	byNum  map[protowire.Number]int
}

type readField struct {
	fd     protoreflect.FieldDescriptor
	index  int          // Connect field index
	member int          // index within the union struct, or -1
	schema *data.Schema // the value's Connect schema
	sub    *readPlan    // nested struct (element) values
	// zero is what an absent field reads as, computed once for scalars
	// (zeroSet false: nothing, or computed per record for lists, maps and
	// generate.struct.for.nulls messages).
	zero    any
	zeroSet bool
	fresh   bool
}

func (m *mapping) newReadPlan(s *data.Schema, md protoreflect.MessageDescriptor) (*readPlan, error) {
	p := &readPlan{s: s, md: md, byNum: map[protowire.Number]int{}}
	add := func(fd protoreflect.FieldDescriptor, index, member int, fs *data.Schema) error {
		rf := readField{fd: fd, index: index, member: member, schema: fs}
		elem := fs
		if fs.Type == data.TypeArray {
			elem = fs.Value
		}
		if elem.Type == data.TypeStruct && !data.IsLogical(elem) && fd.Message() != nil && !isMapField(fd) {
			sub, err := m.newReadPlan(elem, fd.Message())
			if err != nil {
				return err
			}
			rf.sub = sub
		}
		primitiveOrRepeated := fd.Message() == nil || fd.IsList() || fd.IsMap()
		inOneof := fd.ContainingOneof() != nil && !fd.ContainingOneof().IsSynthetic()
		if !inOneof && ((primitiveOrRepeated && !m.isOptional(fd)) || m.structForNulls) {
			if fd.IsList() || fd.IsMap() || fd.Message() != nil {
				rf.fresh = true
			} else {
				v, err := m.fromValue(fs, fd.Default(), fd)
				if err != nil {
					return err
				}
				rf.zero, rf.zeroSet = v, true
			}
		}
		p.byNum[fd.Number()] = len(p.fields)
		p.fields = append(p.fields, rf)
		return nil
	}
	oneofs := md.Oneofs()
	for i := 0; i < oneofs.Len(); i++ {
		od := oneofs.Get(i)
		if od.IsSynthetic() {
			continue
		}
		for j := 0; j < od.Fields().Len(); j++ {
			fd := od.Fields().Get(j)
			if m.flattenUnions {
				f, ok := s.Field(string(fd.Name()))
				if !ok {
					return nil, fmt.Errorf("no Connect field for %s", fd.Name())
				}
				if err := add(fd, f.Index, -1, f.Schema); err != nil {
					return nil, err
				}
				continue
			}
			uf, ok := s.Field(m.unionFieldName(od))
			if !ok {
				return nil, fmt.Errorf("no field for oneof %s", od.Name())
			}
			mf, ok := uf.Schema.Field(string(fd.Name()))
			if !ok {
				return nil, fmt.Errorf("no field for oneof member %s", fd.Name())
			}
			if err := add(fd, uf.Index, mf.Index, mf.Schema); err != nil {
				return nil, err
			}
		}
	}
	fields := md.Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		if od := fd.ContainingOneof(); od != nil && !od.IsSynthetic() {
			continue
		}
		f, ok := s.Field(string(fd.Name()))
		if !ok {
			return nil, fmt.Errorf("no Connect field for %s", fd.Name())
		}
		if err := add(fd, f.Index, -1, f.Schema); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// decodeStruct reads one message of p.
func (m *mapping) decodeStruct(p *readPlan, b []byte) (*data.Struct, error) {
	st := data.NewStruct(p.s)
	var seen uint64 // fields set, by plan index (the first 64)
	var seenMore map[int]bool
	mark := func(i int) {
		if i < 64 {
			seen |= 1 << i
		} else {
			if seenMore == nil {
				seenMore = map[int]bool{}
			}
			seenMore[i] = true
		}
	}
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil, protowire.ParseError(n)
		}
		b = b[n:]
		i, ok := p.byNum[num]
		if !ok {
			n = protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return nil, protowire.ParseError(n)
			}
			b = b[n:]
			continue
		}
		f := &p.fields[i]
		if !wireMatches(f.fd, typ) {
			// As protobuf's parsers (Java's DynamicMessage, Go's
			// proto.Unmarshal): an unknown field. It happens when a later
			// schema version, read with use.latest.version, reuses the
			// field's number for another type.
			n = protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return nil, protowire.ParseError(n)
			}
			b = b[n:]
			continue
		}
		var err error
		if b, err = m.decodeField(st, f, typ, b); err != nil {
			return nil, fmt.Errorf("field %s: %w", f.fd.Name(), err)
		}
		mark(i)
	}
	for i := range p.fields {
		f := &p.fields[i]
		if i < 64 && seen&(1<<i) != 0 || i >= 64 && seenMore[i] {
			continue
		}
		// What ProtobufData puts for an absent field: the default of a
		// field without presence (0, "", empty list), or with
		// generate.struct.for.nulls an empty message.
		switch {
		case f.zeroSet:
			st.PutIndex(f.index, f.zero)
		case f.fresh:
			msg := dynamicpb.NewMessage(p.md)
			v, err := m.fromValue(f.schema, msg.Get(f.fd), f.fd)
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.fd.Name(), err)
			}
			st.PutIndex(f.index, v)
		}
	}
	return st, nil
}

// wireMatches is whether a field's wire type fits its descriptor: its
// kind's, or packed for a repeated scalar.
func wireMatches(fd protoreflect.FieldDescriptor, typ protowire.Type) bool {
	switch fd.Kind() {
	case protoreflect.MessageKind:
		return typ == protowire.BytesType
	case protoreflect.GroupKind:
		return typ == protowire.StartGroupType
	}
	return typ == wireType(fd.Kind()) || fd.IsList() && typ == protowire.BytesType && packable(fd.Kind())
}

func (m *mapping) decodeField(st *data.Struct, f *readField, typ protowire.Type, b []byte) ([]byte, error) {
	fd := f.fd
	put := func(v any) {
		if f.member < 0 {
			st.PutIndex(f.index, v)
			return
		}
		u := data.NewStruct(st.Schema().Fields[f.index].Schema)
		u.PutIndex(f.member, v)
		st.PutIndex(f.index, u)
	}
	if f.schema.Type == data.TypeMap || (fd.Message() != nil && f.sub == nil) {
		// Map entries, wrappers and logical types: through dynamicpb.
		if typ != protowire.BytesType {
			return nil, fmt.Errorf("wire type %d for a message", typ)
		}
		raw, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return nil, protowire.ParseError(n)
		}
		msg := dynamicpb.NewMessage(fd.Message())
		if err := proto.Unmarshal(raw, msg); err != nil {
			return nil, err
		}
		if f.schema.Type == data.TypeMap {
			k, v, err := m.entry(f.schema, msg)
			if err != nil {
				return nil, err
			}
			cur := st.RawIndex(f.index)
			if f.schema.Key.Type == data.TypeString && f.schema.Key.Name == "" {
				mm, _ := cur.(map[string]any)
				if mm == nil {
					mm = map[string]any{}
					put(mm)
				}
				ks, _ := k.(string)
				mm[ks] = v
			} else {
				mm, _ := cur.(map[any]any)
				if mm == nil {
					mm = map[any]any{}
					put(mm)
				}
				mm[k] = v
			}
			return b[n:], nil
		}
		elem := f.schema
		if elem.Type == data.TypeArray {
			elem = elem.Value
		}
		v, err := m.single(elem, protoreflect.ValueOfMessage(msg), fd)
		if err != nil {
			return nil, err
		}
		if f.schema.Type == data.TypeArray {
			arr, _ := st.RawIndex(f.index).([]any)
			put(append(arr, v))
		} else {
			put(v)
		}
		return b[n:], nil
	}
	if f.sub != nil {
		if typ != protowire.BytesType {
			return nil, fmt.Errorf("wire type %d for a message", typ)
		}
		raw, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return nil, protowire.ParseError(n)
		}
		v, err := m.decodeStruct(f.sub, raw)
		if err != nil {
			return nil, err
		}
		if f.schema.Type == data.TypeArray {
			arr, _ := st.RawIndex(f.index).([]any)
			put(append(arr, v))
		} else {
			put(v)
		}
		return b[n:], nil
	}
	if f.schema.Type == data.TypeArray {
		arr, _ := st.RawIndex(f.index).([]any)
		if typ == protowire.BytesType && packable(fd.Kind()) {
			raw, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return nil, protowire.ParseError(n)
			}
			for len(raw) > 0 {
				pv, k, err := wireScalar(fd, wireType(fd.Kind()), raw)
				if err != nil {
					return nil, err
				}
				raw = raw[k:]
				v, err := m.single(f.schema.Value, pv, fd)
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			put(arr)
			return b[n:], nil
		}
		pv, n, err := wireScalar(fd, typ, b)
		if err != nil {
			return nil, err
		}
		v, err := m.single(f.schema.Value, pv, fd)
		if err != nil {
			return nil, err
		}
		put(append(arr, v))
		return b[n:], nil
	}
	pv, n, err := wireScalar(fd, typ, b)
	if err != nil {
		return nil, err
	}
	v, err := m.single(f.schema, pv, fd)
	if err != nil {
		return nil, err
	}
	put(v)
	return b[n:], nil
}

// entry converts a decoded map entry message.
func (m *mapping) entry(s *data.Schema, msg protoreflect.Message) (any, any, error) {
	ef := msg.Descriptor().Fields()
	k, err := m.fromValue(s.Key, msg.Get(ef.Get(0)), ef.Get(0))
	if err != nil {
		return nil, nil, err
	}
	v, err := m.fromValue(s.Value, msg.Get(ef.Get(1)), ef.Get(1))
	return k, v, err
}

// wireScalar reads one scalar of fd's kind.
func wireScalar(fd protoreflect.FieldDescriptor, typ protowire.Type, b []byte) (protoreflect.Value, int, error) {
	if typ != wireType(fd.Kind()) {
		return protoreflect.Value{}, 0, fmt.Errorf("wire type %d for a %s", typ, fd.Kind())
	}
	switch typ {
	case protowire.VarintType:
		v, n := protowire.ConsumeVarint(b)
		if n < 0 {
			return protoreflect.Value{}, 0, protowire.ParseError(n)
		}
		switch fd.Kind() {
		case protoreflect.Int32Kind:
			return protoreflect.ValueOfInt32(int32(v)), n, nil
		case protoreflect.Sint32Kind:
			return protoreflect.ValueOfInt32(int32(protowire.DecodeZigZag(v & math.MaxUint32))), n, nil
		case protoreflect.Uint32Kind:
			return protoreflect.ValueOfUint32(uint32(v)), n, nil
		case protoreflect.Int64Kind:
			return protoreflect.ValueOfInt64(int64(v)), n, nil
		case protoreflect.Sint64Kind:
			return protoreflect.ValueOfInt64(protowire.DecodeZigZag(v)), n, nil
		case protoreflect.Uint64Kind:
			return protoreflect.ValueOfUint64(v), n, nil
		case protoreflect.BoolKind:
			return protoreflect.ValueOfBool(protowire.DecodeBool(v)), n, nil
		case protoreflect.EnumKind:
			return protoreflect.ValueOfEnum(protoreflect.EnumNumber(int32(v))), n, nil
		}
	case protowire.Fixed32Type:
		v, n := protowire.ConsumeFixed32(b)
		if n < 0 {
			return protoreflect.Value{}, 0, protowire.ParseError(n)
		}
		switch fd.Kind() {
		case protoreflect.Fixed32Kind:
			return protoreflect.ValueOfUint32(v), n, nil
		case protoreflect.Sfixed32Kind:
			return protoreflect.ValueOfInt32(int32(v)), n, nil
		case protoreflect.FloatKind:
			return protoreflect.ValueOfFloat32(math.Float32frombits(v)), n, nil
		}
	case protowire.Fixed64Type:
		v, n := protowire.ConsumeFixed64(b)
		if n < 0 {
			return protoreflect.Value{}, 0, protowire.ParseError(n)
		}
		switch fd.Kind() {
		case protoreflect.Fixed64Kind:
			return protoreflect.ValueOfUint64(v), n, nil
		case protoreflect.Sfixed64Kind:
			return protoreflect.ValueOfInt64(int64(v)), n, nil
		case protoreflect.DoubleKind:
			return protoreflect.ValueOfFloat64(math.Float64frombits(v)), n, nil
		}
	case protowire.BytesType:
		v, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return protoreflect.Value{}, 0, protowire.ParseError(n)
		}
		if fd.Kind() == protoreflect.StringKind {
			return protoreflect.ValueOfString(string(v)), n, nil
		}
		return protoreflect.ValueOfBytes(v), n, nil
	}
	return protoreflect.Value{}, 0, fmt.Errorf("unsupported kind %s", fd.Kind())
}
