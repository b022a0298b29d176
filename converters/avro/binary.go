package avro

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"time"

	"github.com/goconnect/goconnect/connect/data"
)

// encode appends the Avro binary form of a Connect value, walking the Avro
// schema generated from the Connect schema s.
func encode(b []byte, t *avroType, s *data.Schema, v any) ([]byte, error) {
	if t.kind == kUnion {
		if v == nil && s.Default != nil {
			v = s.Default
		}
		for i, br := range t.branches {
			if (br.kind == kNull) == (v == nil) {
				b = binary.AppendVarint(b, int64(i))
				if v == nil {
					return b, nil
				}
				return encode(b, br, s, v)
			}
		}
		return b, fmt.Errorf("no union branch for %T", v)
	}
	if v == nil {
		if s.Default == nil {
			return b, fmt.Errorf("null value for a required %s", s.Type.JavaName())
		}
		v = s.Default
	}
	switch t.logical {
	case "decimal":
		d, ok := v.(*data.BigDecimal)
		if !ok {
			return b, typeErr(s, v)
		}
		raw, err := data.DecimalToBytes(s, d)
		if err != nil {
			return b, err
		}
		b = binary.AppendVarint(b, int64(len(raw)))
		return append(b, raw...), nil
	case "date", "time-millis", "timestamp-millis":
		ts, ok := v.(time.Time)
		if !ok {
			return b, typeErr(s, v)
		}
		switch t.logical {
		case "date":
			d, err := data.DateToDays(ts)
			if err != nil {
				return b, err
			}
			return binary.AppendVarint(b, int64(d)), nil
		case "time-millis":
			m, err := data.TimeToMillis(ts)
			if err != nil {
				return b, err
			}
			return binary.AppendVarint(b, int64(m)), nil
		}
		return binary.AppendVarint(b, ts.UnixMilli()), nil
	}
	switch t.kind {
	case kBoolean:
		x, ok := v.(bool)
		if !ok {
			return b, typeErr(s, v)
		}
		if x {
			return append(b, 1), nil
		}
		return append(b, 0), nil
	case kInt, kLong:
		var n int64
		switch x := v.(type) {
		case int8:
			n = int64(x)
		case int16:
			n = int64(x)
		case int32:
			n = int64(x)
		case int64:
			n = x
		default:
			return b, typeErr(s, v)
		}
		return binary.AppendVarint(b, n), nil
	case kFloat:
		x, ok := v.(float32)
		if !ok {
			return b, typeErr(s, v)
		}
		return binary.LittleEndian.AppendUint32(b, math.Float32bits(x)), nil
	case kDouble:
		x, ok := v.(float64)
		if !ok {
			return b, typeErr(s, v)
		}
		return binary.LittleEndian.AppendUint64(b, math.Float64bits(x)), nil
	case kString:
		x, ok := v.(string)
		if !ok {
			return b, typeErr(s, v)
		}
		b = binary.AppendVarint(b, int64(len(x)))
		return append(b, x...), nil
	case kBytes:
		x, ok := v.([]byte)
		if !ok {
			return b, typeErr(s, v)
		}
		b = binary.AppendVarint(b, int64(len(x)))
		return append(b, x...), nil
	case kRecord:
		st, ok := v.(*data.Struct)
		if !ok {
			return b, typeErr(s, v)
		}
		var err error
		for i, f := range s.Fields {
			if b, err = encode(b, t.fields[i].typ, f.Schema, st.RawIndex(i)); err != nil {
				return b, fmt.Errorf("field %s: %w", f.Name, err)
			}
		}
		return b, nil
	case kArray:
		if s.Type == data.TypeMap {
			return encodeMapEntries(b, t, s, v)
		}
		arr, ok := v.([]any)
		if !ok {
			return b, typeErr(s, v)
		}
		if len(arr) > 0 {
			b = binary.AppendVarint(b, int64(len(arr)))
			var err error
			for _, e := range arr {
				if b, err = encode(b, t.items, s.Value, e); err != nil {
					return b, err
				}
			}
		}
		return append(b, 0), nil
	case kMap:
		m, ok := v.(map[string]any)
		if !ok {
			return b, typeErr(s, v)
		}
		if len(m) > 0 {
			b = binary.AppendVarint(b, int64(len(m)))
			var err error
			for k, e := range m {
				b = binary.AppendVarint(b, int64(len(k)))
				b = append(b, k...)
				if b, err = encode(b, t.values, s.Value, e); err != nil {
					return b, err
				}
			}
		}
		return append(b, 0), nil
	}
	return b, fmt.Errorf("cannot encode Avro type %d", t.kind)
}

func encodeMapEntries(b []byte, t *avroType, s *data.Schema, v any) ([]byte, error) {
	entry := t.items
	write := func(k, e any) error {
		var err error
		if b, err = encode(b, entry.fields[0].typ, s.Key, k); err != nil {
			return err
		}
		b, err = encode(b, entry.fields[1].typ, s.Value, e)
		return err
	}
	switch m := v.(type) {
	case map[any]any:
		if len(m) > 0 {
			b = binary.AppendVarint(b, int64(len(m)))
			for k, e := range m {
				if err := write(k, e); err != nil {
					return b, err
				}
			}
		}
	case map[string]any:
		if len(m) > 0 {
			b = binary.AppendVarint(b, int64(len(m)))
			for k, e := range m {
				if err := write(k, e); err != nil {
					return b, err
				}
			}
		}
	default:
		return b, typeErr(s, v)
	}
	return append(b, 0), nil
}

func typeErr(s *data.Schema, v any) error {
	return fmt.Errorf("value of Go type %T does not match schema type %s", v, s.Type.JavaName())
}

var errShort = errors.New("Avro data ends early")

// reader decodes Avro binary.
type reader struct {
	b   []byte
	pos int
}

func (r *reader) varint() (int64, error) {
	v, n := binary.Varint(r.b[r.pos:])
	if n <= 0 {
		return 0, errShort
	}
	r.pos += n
	return v, nil
}

func (r *reader) take(n int64) ([]byte, error) {
	if n < 0 || n > int64(len(r.b)-r.pos) {
		return nil, errShort
	}
	s := r.b[r.pos : r.pos+int(n)]
	r.pos += int(n)
	return s, nil
}

// decode reads a value of Avro type t into the Connect form of schema s
// (built from t by toConnect).
func decode(r *reader, t *avroType, s *data.Schema) (any, error) {
	switch t.kind {
	case kNull:
		return nil, nil
	case kUnion:
		i, err := r.varint()
		if err != nil {
			return nil, err
		}
		if i < 0 || int(i) >= len(t.branches) {
			return nil, fmt.Errorf("union branch %d out of range", i)
		}
		return decode(r, t.branches[i], s)
	case kBoolean:
		b, err := r.take(1)
		if err != nil {
			return nil, err
		}
		return b[0] != 0, nil
	case kInt, kLong:
		n, err := r.varint()
		if err != nil {
			return nil, err
		}
		switch t.logical {
		case "date":
			return data.DateFromDays(int32(n)), nil
		case "time-millis":
			return data.TimeFromMillis(int32(n)), nil
		case "timestamp-millis":
			return data.TimestampFromMillis(n), nil
		}
		switch s.Type {
		case data.TypeInt8:
			return int8(n), nil
		case data.TypeInt16:
			return int16(n), nil
		case data.TypeInt32:
			if n < math.MinInt32 || n > math.MaxInt32 {
				return nil, fmt.Errorf("int %d out of range", n)
			}
			return int32(n), nil
		}
		return n, nil
	case kFloat:
		b, err := r.take(4)
		if err != nil {
			return nil, err
		}
		return math.Float32frombits(binary.LittleEndian.Uint32(b)), nil
	case kDouble:
		b, err := r.take(8)
		if err != nil {
			return nil, err
		}
		return math.Float64frombits(binary.LittleEndian.Uint64(b)), nil
	case kString, kBytes, kFixed:
		var raw []byte
		var err error
		if t.kind == kFixed {
			raw, err = r.take(int64(t.size))
		} else {
			var n int64
			if n, err = r.varint(); err == nil {
				raw, err = r.take(n)
			}
		}
		if err != nil {
			return nil, err
		}
		if t.logical == "decimal" {
			return &data.BigDecimal{Unscaled: new(big.Int).Set(data.FromTwosComplement(raw)), Scale: int32(t.scale)}, nil
		}
		if t.kind == kString {
			return string(raw), nil
		}
		return append([]byte(nil), raw...), nil
	case kEnum:
		i, err := r.varint()
		if err != nil {
			return nil, err
		}
		if i < 0 || int(i) >= len(t.symbols) {
			return nil, fmt.Errorf("enum index %d out of range", i)
		}
		return t.symbols[i], nil
	case kRecord:
		st := data.NewStruct(s)
		for i, f := range t.fields {
			v, err := decode(r, f.typ, s.Fields[i].Schema)
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.name, err)
			}
			st.PutIndex(i, v)
		}
		return st, nil
	case kArray:
		if s.Type == data.TypeMap {
			out := map[any]any{}
			err := blocks(r, func() error {
				k, err := decode(r, t.items.fields[0].typ, s.Key)
				if err != nil {
					return err
				}
				v, err := decode(r, t.items.fields[1].typ, s.Value)
				if err != nil {
					return err
				}
				switch k.(type) {
				case []byte, []any, map[string]any, map[any]any:
					return fmt.Errorf("map key of type %s cannot be a Go map key", s.Key.Type.JavaName())
				}
				out[k] = v
				return nil
			})
			return out, err
		}
		out := []any{}
		err := blocks(r, func() error {
			v, err := decode(r, t.items, s.Value)
			out = append(out, v)
			return err
		})
		return out, err
	case kMap:
		out := map[string]any{}
		err := blocks(r, func() error {
			n, err := r.varint()
			if err != nil {
				return err
			}
			k, err := r.take(n)
			if err != nil {
				return err
			}
			v, err := decode(r, t.values, s.Value)
			out[string(k)] = v
			return err
		})
		return out, err
	}
	return nil, fmt.Errorf("cannot decode Avro type %d", t.kind)
}

// blocks reads Avro's counted blocks of array or map items.
func blocks(r *reader, item func() error) error {
	for {
		n, err := r.varint()
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		if n < 0 {
			n = -n
			if _, err := r.varint(); err != nil { // block size in bytes
				return err
			}
		}
		if n > int64(len(r.b)-r.pos) {
			return errShort // every item takes at least one byte
		}
		for ; n > 0; n-- {
			if err := item(); err != nil {
				return err
			}
		}
	}
}
