package protobuf

import (
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"time"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/hashorder"
)

// mapping holds the ProtobufData settings.
type mapping struct {
	scrubNames           bool // scrub.invalid.names
	optionalForNullables bool // optional.for.nullables
	wrapperForNullables  bool // wrapper.for.nullables
	wrapperForRaw        bool // wrapper.for.raw.primitives
	generalized          bool // generalized.sum.type.support
	ignoreDefault        bool // ignore.default.for.nullables
	enhanced             bool // enhanced.protobuf.schema.support
	intForEnums          bool // int.for.enums
	structForNulls       bool // generate.struct.for.nulls
	indexForUnions       bool // generate.index.for.unions
	flattenUnions        bool // flatten.unions
	optionalForProto2    bool // optional.for.proto2
}

// message converts a Connect struct to a message of md, as
// ProtobufData.fromConnectData.
func (m *mapping) message(md protoreflect.MessageDescriptor, s *data.Schema, st *data.Struct) (*dynamicpb.Message, error) {
	if !data.Equal(st.Schema(), s) {
		return nil, fmt.Errorf("Mismatching struct schema")
	}
	msg := dynamicpb.NewMessage(md)
	fields := md.Fields()
	for i, f := range s.Fields {
		var v any
		if m.ignoreDefault {
			v = st.RawIndex(i)
		} else {
			v = st.GetIndex(i)
		}
		if v == nil {
			continue
		}
		fs := f.Schema
		name := m.scrub(f.Name)
		if fs.Type == data.TypeStruct && isUnion(fs) {
			u, ok := v.(*data.Struct)
			if !ok {
				return nil, fmt.Errorf("field %s: invalid type for STRUCT: %T", f.Name, v)
			}
			found := false
			for j, uf := range fs.Fields {
				var uv any
				if m.ignoreDefault {
					uv = u.RawIndex(j)
				} else {
					uv = u.GetIndex(j)
				}
				if uv == nil {
					continue
				}
				un := m.scrub(uf.Name)
				fd := fields.ByName(protoreflect.Name(un))
				if fd == nil {
					return nil, fmt.Errorf("Cannot find field with name %s", un)
				}
				if err := m.setField(msg, fd, uf.Schema, uv); err != nil {
					return nil, fmt.Errorf("field %s: %w", un, err)
				}
				found = true
				break
			}
			if !found {
				return nil, fmt.Errorf("field %s: Cannot find non-null field", f.Name)
			}
			continue
		}
		fd := fields.ByName(protoreflect.Name(name))
		if fd == nil {
			return nil, fmt.Errorf("Cannot find field with name %s", name)
		}
		if err := m.setField(msg, fd, fs, v); err != nil {
			return nil, fmt.Errorf("field %s: %w", name, err)
		}
	}
	return msg, nil
}

func (m *mapping) setField(msg *dynamicpb.Message, fd protoreflect.FieldDescriptor, s *data.Schema, v any) error {
	switch {
	case s.Type == data.TypeArray:
		arr, ok := v.([]any)
		if !ok {
			return fmt.Errorf("invalid type for ARRAY: %T", v)
		}
		if len(arr) == 0 {
			return nil
		}
		l := msg.Mutable(fd).List()
		for _, e := range arr {
			if e == nil {
				return fmt.Errorf("a null array element cannot be written in Protobuf")
			}
			ev, err := m.toProto(fd, s.Value, e)
			if err != nil {
				return err
			}
			l.Append(ev)
		}
		return nil
	case s.Type == data.TypeMap:
		return m.setMap(msg, fd, s, v)
	}
	pv, err := m.toProto(fd, s, v)
	if err != nil {
		return err
	}
	msg.Set(fd, pv)
	return nil
}

// setMap writes a Connect map as the repeated key/value entry messages
// ProtobufData defines, in Java's HashMap order for string keys.
func (m *mapping) setMap(msg *dynamicpb.Message, fd protoreflect.FieldDescriptor, s *data.Schema, v any) error {
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
		return fmt.Errorf("invalid type for MAP: %T", v)
	}
	ed := fd.Message()
	if ed == nil || !fd.IsList() {
		return fmt.Errorf("field %s is not a repeated entry message", fd.Name())
	}
	kf, vf := ed.Fields().ByName("key"), ed.Fields().ByName("value")
	if kf == nil || vf == nil {
		return fmt.Errorf("entry message %s has no key and value fields", ed.FullName())
	}
	l := msg.Mutable(fd).List()
	for _, e := range entries {
		em := dynamicpb.NewMessage(ed)
		if e.k != nil {
			if err := m.setField(em, kf, s.Key, e.k); err != nil {
				return fmt.Errorf("map key: %w", err)
			}
		}
		if e.v != nil {
			if err := m.setField(em, vf, s.Value, e.v); err != nil {
				return fmt.Errorf("map value: %w", err)
			}
		}
		l.Append(protoreflect.ValueOfMessage(em))
	}
	return nil
}

// toProto converts one non-null value for field fd.
func (m *mapping) toProto(fd protoreflect.FieldDescriptor, s *data.Schema, v any) (protoreflect.Value, error) {
	switch s.Name {
	case data.DecimalName:
		d, ok := v.(*data.BigDecimal)
		if !ok {
			return protoreflect.Value{}, fmt.Errorf("Invalid type for Decimal, expected BigDecimal but was %T", v)
		}
		return protoreflect.ValueOfMessage(decimalMessage(fd.Message(), d)), nil
	case data.DateName:
		t, ok := v.(time.Time)
		if !ok {
			return protoreflect.Value{}, fmt.Errorf("Invalid type for Date, expected Date but was %T", v)
		}
		t = t.UTC()
		if t.Hour() != 0 || t.Minute() != 0 || t.Second() != 0 || t.Nanosecond()/1e6 != 0 {
			return protoreflect.Value{}, fmt.Errorf("Kafka Connect Date type should not have any time fields set to non-zero values.")
		}
		return protoreflect.ValueOfMessage(intMessage(fd.Message(), int64(t.Year()), int64(t.Month()), int64(t.Day()))), nil
	case data.TimeName:
		t, ok := v.(time.Time)
		if !ok {
			return protoreflect.Value{}, fmt.Errorf("Invalid type for Time, expected Date but was %T", v)
		}
		ms := t.UnixMilli()
		if ms < 0 || ms > 86400000 {
			return protoreflect.Value{}, fmt.Errorf("Time values must use number of millis greater than 0 and less than 86400000")
		}
		t = time.UnixMilli(ms).UTC()
		return protoreflect.ValueOfMessage(intMessage(fd.Message(), int64(t.Hour()), int64(t.Minute()), int64(t.Second()), int64(t.Nanosecond()/1e6*1e6))), nil
	case data.TimestampName:
		t, ok := v.(time.Time)
		if !ok {
			return protoreflect.Value{}, fmt.Errorf("Invalid type for Timestamp, expected Date but was %T", v)
		}
		ms := t.UnixMilli()
		sec, rem := ms/1000, ms%1000
		if rem < 0 {
			sec, rem = sec-1, rem+1000
		}
		return protoreflect.ValueOfMessage(intMessage(fd.Message(), sec, rem*1e6)), nil
	}
	if s.Type == data.TypeStruct {
		st, ok := v.(*data.Struct)
		if !ok || fd.Message() == nil {
			return protoreflect.Value{}, fmt.Errorf("invalid type for STRUCT: %T", v)
		}
		msg, err := m.message(fd.Message(), s, st)
		if err != nil {
			return protoreflect.Value{}, err
		}
		return protoreflect.ValueOfMessage(msg), nil
	}
	if fd.Kind() == protoreflect.MessageKind {
		// A nullable written as a google.protobuf wrapper.
		if _, ok := wrapperTypes[string(fd.Message().FullName())]; ok {
			w := dynamicpb.NewMessage(fd.Message())
			vf := fd.Message().Fields().ByName("value")
			sv, err := scalar(vf, s, v)
			if err != nil {
				return protoreflect.Value{}, err
			}
			w.Set(vf, sv)
			return protoreflect.ValueOfMessage(w), nil
		}
		return protoreflect.Value{}, fmt.Errorf("a %s value cannot be written as message %s", s.Type.JavaName(), fd.Message().FullName())
	}
	return scalar(fd, s, v)
}

func scalar(fd protoreflect.FieldDescriptor, s *data.Schema, v any) (protoreflect.Value, error) {
	if fd.Kind() == protoreflect.EnumKind {
		param := paramEnum
		if _, ok := s.Parameters[generalizedEnum]; ok {
			param = generalizedEnum
		}
		switch x := v.(type) {
		case string:
			tag, ok := s.Parameters[param+"."+x]
			if !ok {
				return protoreflect.Value{}, fmt.Errorf("%q is not a symbol of enum %s", x, fd.Enum().FullName())
			}
			n, _ := strconv.ParseInt(tag, 10, 32)
			return protoreflect.ValueOfEnum(protoreflect.EnumNumber(n)), nil
		default:
			n, ok := toInt64(v)
			if !ok {
				return protoreflect.Value{}, fmt.Errorf("invalid type for enum: %T", v)
			}
			return protoreflect.ValueOfEnum(protoreflect.EnumNumber(n)), nil
		}
	}
	switch fd.Kind() {
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		if n, ok := toInt64(v); ok {
			return protoreflect.ValueOfInt32(int32(n)), nil
		}
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		if n, ok := toInt64(v); ok {
			return protoreflect.ValueOfInt64(n), nil
		}
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		if n, ok := toInt64(v); ok {
			return protoreflect.ValueOfUint32(uint32(n)), nil
		}
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		if n, ok := toInt64(v); ok {
			return protoreflect.ValueOfUint64(uint64(n)), nil
		}
	case protoreflect.FloatKind:
		switch x := v.(type) {
		case float32:
			return protoreflect.ValueOfFloat32(x), nil
		case float64:
			return protoreflect.ValueOfFloat32(float32(x)), nil
		}
	case protoreflect.DoubleKind:
		switch x := v.(type) {
		case float64:
			return protoreflect.ValueOfFloat64(x), nil
		case float32:
			return protoreflect.ValueOfFloat64(float64(x)), nil
		}
	case protoreflect.BoolKind:
		if b, ok := v.(bool); ok {
			return protoreflect.ValueOfBool(b), nil
		}
	case protoreflect.StringKind:
		if x, ok := v.(string); ok {
			return protoreflect.ValueOfString(x), nil
		}
	case protoreflect.BytesKind:
		if x, ok := v.([]byte); ok {
			return protoreflect.ValueOfBytes(x), nil
		}
	}
	return protoreflect.Value{}, fmt.Errorf("Invalid type for %s: %T", s.Type.JavaName(), v)
}

func toInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int8:
		return int64(x), true
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case int:
		return int64(x), true
	}
	return 0, false
}

// intMessage fills the first fields of a Date, TimeOfDay or Timestamp.
func intMessage(md protoreflect.MessageDescriptor, vals ...int64) *dynamicpb.Message {
	msg := dynamicpb.NewMessage(md)
	fs := md.Fields()
	for i, v := range vals {
		fd := fs.Get(i)
		if fd.Kind() == protoreflect.Int64Kind {
			msg.Set(fd, protoreflect.ValueOfInt64(v))
		} else {
			msg.Set(fd, protoreflect.ValueOfInt32(int32(v)))
		}
	}
	return msg
}

// decimalMessage is DecimalUtils.fromBigDecimal: the unscaled value in
// two's complement (Java's BigInteger.toByteArray), its precision and
// scale.
func decimalMessage(md protoreflect.MessageDescriptor, d *data.BigDecimal) *dynamicpb.Message {
	msg := dynamicpb.NewMessage(md)
	fs := md.Fields()
	msg.Set(fs.ByName("value"), protoreflect.ValueOfBytes(data.TwosComplement(d.Unscaled)))
	msg.Set(fs.ByName("precision"), protoreflect.ValueOfUint32(uint32(precision(d.Unscaled))))
	msg.Set(fs.ByName("scale"), protoreflect.ValueOfInt32(d.Scale))
	return msg
}

// precision is BigDecimal.precision: the digits of the unscaled value
// (1 for zero).
func precision(u *big.Int) int {
	s := new(big.Int).Abs(u).String()
	return len(s)
}
