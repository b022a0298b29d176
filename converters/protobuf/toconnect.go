package protobuf

import (
	"fmt"
	"strconv"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/goconnect/goconnect/connect/data"
)

// toConnectSchema maps a message to a Connect schema as
// ProtobufData.toConnectSchema does.
func (m *mapping) toConnectSchema(md protoreflect.MessageDescriptor, version int) (*data.Schema, error) {
	var b *data.Builder
	if m.wrapperForRaw {
		if t, ok := wrapperTypes[string(md.FullName())]; ok {
			b = data.NewBuilder(t)
		}
	}
	if b == nil {
		var err error
		if b, err = m.structBuilder(md, map[protoreflect.FullName]bool{}); err != nil {
			return nil, err
		}
	}
	if version > 0 {
		b.Version(int32(version))
	}
	return b.Build()
}

func (m *mapping) name(full protoreflect.FullName, short protoreflect.Name) string {
	if m.enhanced {
		return string(full)
	}
	return string(short)
}

func (m *mapping) structBuilder(md protoreflect.MessageDescriptor, stack map[protoreflect.FullName]bool) (*data.Builder, error) {
	if stack[md.FullName()] {
		return nil, fmt.Errorf("message %s is recursive: goconnect's Connect schemas cannot refer to themselves", md.FullName())
	}
	stack[md.FullName()] = true
	defer delete(stack, md.FullName())
	b := data.StructBuilder().Name(m.name(md.FullName(), md.Name()))
	oneofs := md.Oneofs()
	for i := 0; i < oneofs.Len(); i++ {
		od := oneofs.Get(i)
		if od.IsSynthetic() {
			continue
		}
		if m.flattenUnions {
			for j := 0; j < od.Fields().Len(); j++ {
				fd := od.Fields().Get(j)
				fs, err := m.fieldSchema(fd, true, stack)
				if err != nil {
					return nil, err
				}
				b.Field(string(fd.Name()), fs)
			}
			continue
		}
		ub := data.StructBuilder()
		if m.generalized {
			ub.Name(string(od.Name())).Param(generalizedUnion, string(od.Name()))
		} else {
			ub.Name(unionPrefix + m.name(od.FullName(), od.Name()))
		}
		for j := 0; j < od.Fields().Len(); j++ {
			fd := od.Fields().Get(j)
			fs, err := m.fieldSchema(fd, true, stack)
			if err != nil {
				return nil, err
			}
			ub.Field(string(fd.Name()), fs)
		}
		us, err := ub.Optional().Build()
		if err != nil {
			return nil, err
		}
		b.Field(m.unionFieldName(od), us)
	}
	fields := md.Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		if od := fd.ContainingOneof(); od != nil && !od.IsSynthetic() {
			continue
		}
		fs, err := m.fieldSchema(fd, false, stack)
		if err != nil {
			return nil, err
		}
		b.Field(string(fd.Name()), fs)
	}
	return b, nil
}

func (m *mapping) unionFieldName(od protoreflect.OneofDescriptor) string {
	if m.indexForUnions {
		return string(od.Name()) + "_" + strconv.Itoa(od.Index())
	}
	return string(od.Name())
}

// isMapField is ProtobufData.isMapDescriptor: a protoc map, or the
// repeated XxxEntry{key, value} messages ProtobufData writes.
func isMapField(fd protoreflect.FieldDescriptor) bool {
	if fd.IsMap() {
		return true
	}
	if !fd.IsList() || fd.Message() == nil {
		return false
	}
	md := fd.Message()
	fs := md.Fields()
	return len(md.Name()) > len(mapEntrySuffix) && string(md.Name()[len(md.Name())-len(mapEntrySuffix):]) == mapEntrySuffix &&
		fs.Len() == 2 && fs.Get(0).Name() == "key" && fs.Get(1).Name() == "value" && !fs.Get(0).IsList() && !fs.Get(1).IsList()
}

func (m *mapping) fieldSchema(fd protoreflect.FieldDescriptor, oneofMember bool, stack map[protoreflect.FullName]bool) (*data.Schema, error) {
	var b *data.Builder
	switch fd.Kind() {
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		switch fieldMeta(fd)[connectTypeParam] {
		case "int8":
			b = data.NewBuilder(data.TypeInt8)
		case "int16":
			b = data.NewBuilder(data.TypeInt16)
		default:
			b = data.NewBuilder(data.TypeInt32)
			if fd.Kind() != protoreflect.Int32Kind {
				b.Param(paramType, fd.Kind().String())
			}
		}
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind, protoreflect.Int64Kind, protoreflect.Uint64Kind,
		protoreflect.Sint64Kind, protoreflect.Fixed64Kind, protoreflect.Sfixed64Kind:
		b = data.NewBuilder(data.TypeInt64)
		if fd.Kind() != protoreflect.Int64Kind {
			b.Param(paramType, fd.Kind().String())
		}
	case protoreflect.FloatKind:
		b = data.NewBuilder(data.TypeFloat32)
	case protoreflect.DoubleKind:
		b = data.NewBuilder(data.TypeFloat64)
	case protoreflect.BoolKind:
		b = data.NewBuilder(data.TypeBoolean)
	case protoreflect.StringKind:
		b = data.NewBuilder(data.TypeString)
	case protoreflect.BytesKind:
		b = data.NewBuilder(data.TypeBytes)
	case protoreflect.EnumKind:
		if m.intForEnums {
			b = data.NewBuilder(data.TypeInt32)
		} else {
			b = data.NewBuilder(data.TypeString)
		}
		ed := fd.Enum()
		b.Name(m.name(ed.FullName(), ed.Name()))
		param := paramEnum
		if m.generalized {
			param = generalizedEnum
		}
		b.Param(param, string(ed.Name()))
		for i := 0; i < ed.Values().Len(); i++ {
			v := ed.Values().Get(i)
			b.Param(param+"."+string(v.Name()), strconv.Itoa(int(v.Number())))
		}
		b.Optional()
	case protoreflect.MessageKind, protoreflect.GroupKind:
		switch string(fd.Message().FullName()) {
		case decimalType:
			meta := fieldMeta(fd)
			scale := 0
			if s, err := strconv.Atoi(meta[metaScale]); err == nil {
				scale = s
			}
			b = data.DecimalBuilder(int32(scale))
			if p, err := strconv.Atoi(meta[metaPrecision]); err == nil {
				b.Param(connectPrecision, strconv.Itoa(p))
			}
		case dateType:
			b = data.DateBuilder()
		case timeType:
			b = data.TimeBuilder()
		case timestampType:
			b = data.TimestampBuilder()
		default:
			if t, ok := wrapperTypes[string(fd.Message().FullName())]; ok && m.wrapperForNullables {
				b = data.NewBuilder(t)
			} else if isMapField(fd) {
				ed := fd.Message()
				ks, err := m.fieldSchema(ed.Fields().Get(0), false, stack)
				if err != nil {
					return nil, err
				}
				vs, err := m.fieldSchema(ed.Fields().Get(1), false, stack)
				if err != nil {
					return nil, err
				}
				b = data.MapOf(ks, vs).Name(toMapField(m.name(ed.FullName(), ed.Name())))
			} else {
				var err error
				if b, err = m.structBuilder(fd.Message(), stack); err != nil {
					return nil, err
				}
			}
		}
		b.Optional()
	default:
		return nil, fmt.Errorf("field %s: unknown Protobuf type %s", fd.FullName(), fd.Kind())
	}
	if fd.IsList() && !isMapField(fd) {
		elem, err := b.Optional().Build()
		if err != nil {
			return nil, err
		}
		b = data.ArrayOf(elem).Optional()
	}
	switch {
	case oneofMember:
		b.Optional()
		if fd.Message() != nil && m.wrapperForNullables {
			if _, ok := wrapperTypes[string(fd.Message().FullName())]; ok {
				b.Param(paramWrapper, "true")
			}
		}
	case m.optionalForNullables:
		if m.hasOptionalKeyword(fd) {
			b.Optional()
		}
	case !m.wrapperForNullables:
		b.Optional()
	}
	b.Param(paramTag, strconv.Itoa(int(fd.Number())))
	return b.Build()
}

func (m *mapping) hasOptionalKeyword(fd protoreflect.FieldDescriptor) bool {
	if !fd.HasOptionalKeyword() {
		return false
	}
	return fd.Syntax() == protoreflect.Proto3 || fd.Syntax() == protoreflect.Proto2 && fd.ContainingOneof() == nil
}

// isOptional is ProtobufData.isOptional: proto3 optional, or proto2
// optional with optional.for.proto2.
func (m *mapping) isOptional(fd protoreflect.FieldDescriptor) bool {
	if od := fd.ContainingOneof(); od != nil && od.IsSynthetic() {
		return true
	}
	return m.optionalForProto2 && m.hasOptionalKeyword(fd)
}

// fieldMeta reads the params of the confluent.field_meta option
// (extension 1088 of FieldOptions: Meta.params, a map<string,string>).
func fieldMeta(fd protoreflect.FieldDescriptor) map[string]string {
	opts := fd.Options()
	if opts == nil {
		return nil
	}
	raw, err := proto.Marshal(opts)
	if err != nil {
		return nil
	}
	out := map[string]string{}
	for len(raw) > 0 {
		num, typ, n := protowire.ConsumeTag(raw)
		if n < 0 {
			return out
		}
		raw = raw[n:]
		if num == 1088 && typ == protowire.BytesType {
			meta, n := protowire.ConsumeBytes(raw)
			if n < 0 {
				return out
			}
			raw = raw[n:]
			readMetaParams(meta, out)
			continue
		}
		n = protowire.ConsumeFieldValue(num, typ, raw)
		if n < 0 {
			return out
		}
		raw = raw[n:]
	}
	return out
}

func readMetaParams(b []byte, out map[string]string) {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return
		}
		b = b[n:]
		if num == 2 && typ == protowire.BytesType {
			entry, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return
			}
			b = b[n:]
			var k, v string
			for len(entry) > 0 {
				en, et, n := protowire.ConsumeTag(entry)
				if n < 0 {
					break
				}
				entry = entry[n:]
				if et == protowire.BytesType && (en == 1 || en == 2) {
					s, n := protowire.ConsumeBytes(entry)
					if n < 0 {
						break
					}
					entry = entry[n:]
					if en == 1 {
						k = string(s)
					} else {
						v = string(s)
					}
					continue
				}
				n = protowire.ConsumeFieldValue(en, et, entry)
				if n < 0 {
					break
				}
				entry = entry[n:]
			}
			out[k] = v
			continue
		}
		n = protowire.ConsumeFieldValue(num, typ, b)
		if n < 0 {
			return
		}
		b = b[n:]
	}
}

// toConnectValue converts a decoded message as
// ProtobufData.toConnectData does.
func (m *mapping) toConnectValue(s *data.Schema, msg protoreflect.Message) (any, error) {
	if s.Type != data.TypeStruct {
		// wrapper.for.raw.primitives: a top-level wrapper message.
		return m.fromValue(s, protoreflect.ValueOfMessage(msg), nil)
	}
	return m.structValue(s, msg)
}

func (m *mapping) structValue(s *data.Schema, msg protoreflect.Message) (*data.Struct, error) {
	st := data.NewStruct(s)
	md := msg.Descriptor()
	oneofs := md.Oneofs()
	for i := 0; i < oneofs.Len(); i++ {
		od := oneofs.Get(i)
		if od.IsSynthetic() {
			continue
		}
		fd := msg.WhichOneof(od)
		if fd == nil {
			continue
		}
		if m.flattenUnions {
			if err := m.setStructField(st, s, msg, fd); err != nil {
				return nil, err
			}
			continue
		}
		uf, ok := s.Field(m.unionFieldName(od))
		if !ok {
			return nil, fmt.Errorf("no field for oneof %s", od.Name())
		}
		us := data.NewStruct(uf.Schema)
		mf, ok := uf.Schema.Field(string(fd.Name()))
		if !ok {
			return nil, fmt.Errorf("no field for oneof member %s", fd.Name())
		}
		v, err := m.fromValue(mf.Schema, msg.Get(fd), fd)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", fd.Name(), err)
		}
		us.PutIndex(mf.Index, v)
		st.PutIndex(uf.Index, us)
	}
	fields := md.Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		if od := fd.ContainingOneof(); od != nil && !od.IsSynthetic() {
			continue
		}
		if err := m.setStructField(st, s, msg, fd); err != nil {
			return nil, err
		}
	}
	return st, nil
}

func (m *mapping) setStructField(st *data.Struct, s *data.Schema, msg protoreflect.Message, fd protoreflect.FieldDescriptor) error {
	f, ok := s.Field(string(fd.Name()))
	if !ok {
		return fmt.Errorf("no Connect field for %s", fd.Name())
	}
	primitiveOrRepeated := fd.Message() == nil || fd.IsList() || fd.IsMap()
	if (primitiveOrRepeated && !m.isOptional(fd)) || m.structForNulls || msg.Has(fd) {
		v, err := m.fromValue(f.Schema, msg.Get(fd), fd)
		if err != nil {
			return fmt.Errorf("field %s: %w", fd.Name(), err)
		}
		st.PutIndex(f.Index, v)
	}
	return nil
}

// fromValue converts one protoreflect value (fd nil for a top-level
// wrapper).
func (m *mapping) fromValue(s *data.Schema, v protoreflect.Value, fd protoreflect.FieldDescriptor) (any, error) {
	if fd != nil && fd.IsList() && s.Type == data.TypeArray {
		l := v.List()
		out := make([]any, l.Len())
		for i := range out {
			e, err := m.single(s.Value, l.Get(i), fd)
			if err != nil {
				return nil, err
			}
			out[i] = e
		}
		return out, nil
	}
	if s.Type == data.TypeMap {
		return m.mapValue(s, v, fd)
	}
	return m.single(s, v, fd)
}

func (m *mapping) mapValue(s *data.Schema, v protoreflect.Value, fd protoreflect.FieldDescriptor) (any, error) {
	var keys, vals []protoreflect.Value
	if fd.IsMap() {
		v.Map().Range(func(k protoreflect.MapKey, e protoreflect.Value) bool {
			keys = append(keys, k.Value())
			vals = append(vals, e)
			return true
		})
	} else {
		l := v.List()
		for i := 0; i < l.Len(); i++ {
			em := l.Get(i).Message()
			ef := em.Descriptor().Fields()
			keys = append(keys, em.Get(ef.Get(0)))
			vals = append(vals, em.Get(ef.Get(1)))
		}
	}
	ed := fd.Message()
	kfd, vfd := ed.Fields().Get(0), ed.Fields().Get(1)
	if s.Key.Type == data.TypeString && s.Key.Name == "" {
		out := make(map[string]any, len(keys))
		for i := range keys {
			k, err := m.fromValue(s.Key, keys[i], kfd)
			if err != nil {
				return nil, err
			}
			e, err := m.fromValue(s.Value, vals[i], vfd)
			if err != nil {
				return nil, err
			}
			ks, _ := k.(string)
			out[ks] = e
		}
		return out, nil
	}
	out := make(map[any]any, len(keys))
	for i := range keys {
		k, err := m.fromValue(s.Key, keys[i], kfd)
		if err != nil {
			return nil, err
		}
		e, err := m.fromValue(s.Value, vals[i], vfd)
		if err != nil {
			return nil, err
		}
		out[k] = e
	}
	return out, nil
}

func (m *mapping) single(s *data.Schema, v protoreflect.Value, fd protoreflect.FieldDescriptor) (any, error) {
	switch s.Name {
	case data.DecimalName:
		msg := v.Message()
		var raw []byte
		scale := int32(0)
		msg.Range(func(f protoreflect.FieldDescriptor, x protoreflect.Value) bool {
			switch f.Name() {
			case "value":
				raw = x.Bytes()
			case "scale":
				scale = int32(x.Int())
			}
			return true
		})
		return &data.BigDecimal{Unscaled: data.FromTwosComplement(raw), Scale: scale}, nil
	case data.DateName:
		vals := namedInts(v.Message())
		return time.Date(int(vals["year"]), time.Month(vals["month"]), int(vals["day"]), 0, 0, 0, 0, time.UTC), nil
	case data.TimeName:
		vals := namedInts(v.Message())
		ns := ((vals["hours"]*60+vals["minutes"])*60+vals["seconds"])*int64(time.Second) + vals["nanos"]
		return time.UnixMilli(ns / int64(time.Millisecond)).UTC(), nil
	case data.TimestampName:
		vals := namedInts(v.Message())
		return time.UnixMilli(vals["seconds"]*1000 + vals["nanos"]/1e6).UTC(), nil
	}
	if s.Type == data.TypeStruct {
		return m.structValue(s, v.Message())
	}
	// Unwrap google.protobuf wrappers.
	kind := protoreflect.Kind(0)
	if fd != nil {
		kind = fd.Kind()
	}
	if msgv, ok := v.Interface().(protoreflect.Message); ok {
		vf := msgv.Descriptor().Fields().ByName("value")
		if vf == nil {
			return nil, fmt.Errorf("message %s is not a wrapper", msgv.Descriptor().FullName())
		}
		v, kind = msgv.Get(vf), vf.Kind()
	}
	switch s.Type {
	case data.TypeInt8:
		return int8(v.Int()), nil
	case data.TypeInt16:
		return int16(v.Int()), nil
	case data.TypeInt32:
		if kind == protoreflect.EnumKind {
			return int32(v.Enum()), nil
		}
		return int32(v.Int()), nil
	case data.TypeInt64:
		switch kind {
		case protoreflect.Uint32Kind, protoreflect.Fixed32Kind, protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
			return int64(v.Uint()), nil
		}
		return v.Int(), nil
	case data.TypeFloat32:
		return float32(v.Float()), nil
	case data.TypeFloat64:
		return v.Float(), nil
	case data.TypeBoolean:
		return v.Bool(), nil
	case data.TypeString:
		if kind == protoreflect.EnumKind {
			n := v.Enum()
			if ev := fd.Enum().Values().ByNumber(n); ev != nil {
				return string(ev.Name()), nil
			}
			// Java's name for a number the enum does not define.
			return fmt.Sprintf("UNKNOWN_ENUM_VALUE_%s_%d", fd.Enum().Name(), n), nil
		}
		return v.String(), nil
	case data.TypeBytes:
		return append([]byte(nil), v.Bytes()...), nil
	}
	return nil, fmt.Errorf("unsupported Connect type %s", s.Type.JavaName())
}

func namedInts(msg protoreflect.Message) map[string]int64 {
	out := map[string]int64{}
	msg.Range(func(f protoreflect.FieldDescriptor, x protoreflect.Value) bool {
		out[string(f.Name())] = x.Int()
		return true
	})
	return out
}
