package avro

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"time"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/avroschema"
)

// encode appends the Avro binary form of a Connect value, walking the Avro
// schema generated from the Connect schema s.
// encoder writes Avro binary; ignoreNullDef is ignore.default.for.nullables:
// a null in an optional field stays null instead of taking the default.
type encoder struct{ ignoreNullDef bool }

func (e encoder) encode(b []byte, t *avroschema.Schema, s *data.Schema, v any) ([]byte, error) {
	if t.Kind == avroschema.Union && isUnionSchema(s) {
		return e.encodeUnionStruct(b, t, s, v)
	}
	if t.Kind == avroschema.Union {
		if v == nil && s.Default != nil && !e.ignoreNullDef {
			v = s.Default
		}
		for i, br := range t.Branches {
			if (br.Kind == avroschema.Null) == (v == nil) {
				b = binary.AppendVarint(b, int64(i))
				if v == nil {
					return b, nil
				}
				return e.encode(b, br, s, v)
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
	switch t.Logical {
	case "decimal":
		d, ok := v.(*data.BigDecimal)
		if !ok {
			return b, typeErr(s, v)
		}
		// Most fit in 64 bits: their bytes stay on the stack.
		var small [9]byte
		raw, err := data.AppendDecimalBytes(small[:0], s, d)
		if err != nil {
			return b, err
		}
		if t.Kind == avroschema.Fixed {
			return appendFixed(b, t, signExtend(raw, t.Size))
		}
		b = binary.AppendVarint(b, int64(len(raw)))
		return append(b, raw...), nil
	case "date", "time-millis", "timestamp-millis":
		ts, ok := v.(time.Time)
		if !ok {
			return b, typeErr(s, v)
		}
		switch t.Logical {
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
	switch t.Kind {
	case avroschema.Boolean:
		x, ok := v.(bool)
		if !ok {
			return b, typeErr(s, v)
		}
		if x {
			return append(b, 1), nil
		}
		return append(b, 0), nil
	case avroschema.Int, avroschema.Long:
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
	case avroschema.Float:
		x, ok := v.(float32)
		if !ok {
			return b, typeErr(s, v)
		}
		return binary.LittleEndian.AppendUint32(b, math.Float32bits(x)), nil
	case avroschema.Double:
		x, ok := v.(float64)
		if !ok {
			return b, typeErr(s, v)
		}
		return binary.LittleEndian.AppendUint64(b, math.Float64bits(x)), nil
	case avroschema.String:
		x, ok := v.(string)
		if !ok {
			return b, typeErr(s, v)
		}
		b = binary.AppendVarint(b, int64(len(x)))
		return append(b, x...), nil
	case avroschema.Bytes:
		x, ok := v.([]byte)
		if !ok {
			return b, typeErr(s, v)
		}
		b = binary.AppendVarint(b, int64(len(x)))
		return append(b, x...), nil
	case avroschema.Fixed:
		x, ok := v.([]byte)
		if !ok {
			return b, typeErr(s, v)
		}
		return appendFixed(b, t, x)
	case avroschema.Enum:
		x, ok := v.(string)
		if !ok {
			return b, typeErr(s, v)
		}
		for i, sym := range t.Symbols {
			if sym == x {
				return binary.AppendVarint(b, int64(i)), nil
			}
		}
		return b, fmt.Errorf("%q is not a symbol of enum %s", x, t.FullName())
	case avroschema.Record:
		st, ok := v.(*data.Struct)
		if !ok {
			return b, typeErr(s, v)
		}
		if len(t.Fields) != len(s.Fields) {
			// Fields are written by position, as Avro-Java's writer does
			// (a use.latest.version schema must line up).
			return b, fmt.Errorf("Avro record %s has %d fields, the Connect struct %d", t.FullName(), len(t.Fields), len(s.Fields))
		}
		var err error
		for i, f := range s.Fields {
			if b, err = e.encode(b, t.Fields[i].Type, f.Schema, st.RawIndex(i)); err != nil {
				return b, fmt.Errorf("field %s: %w", f.Name, err)
			}
		}
		return b, nil
	case avroschema.Array:
		if s.Type == data.TypeMap {
			return e.encodeMapEntries(b, t, s, v)
		}
		arr, ok := v.([]any)
		if !ok {
			return b, typeErr(s, v)
		}
		if len(arr) > 0 {
			b = binary.AppendVarint(b, int64(len(arr)))
			var err error
			for _, item := range arr {
				if b, err = e.encode(b, t.Items, s.Value, item); err != nil {
					return b, err
				}
			}
		}
		return append(b, 0), nil
	case avroschema.Map:
		m, ok := v.(map[string]any)
		if !ok {
			return b, typeErr(s, v)
		}
		if len(m) > 0 {
			b = binary.AppendVarint(b, int64(len(m)))
			var err error
			for k, item := range m {
				b = binary.AppendVarint(b, int64(len(k)))
				b = append(b, k...)
				if b, err = e.encode(b, t.Values, s.Value, item); err != nil {
					return b, err
				}
			}
		}
		return append(b, 0), nil
	}
	return b, fmt.Errorf("cannot encode Avro type %d", t.Kind)
}

// encodeUnionStruct writes a Connect union struct as AvroData does: the
// first field holding a value picks the branch; none is the null branch.
func (e encoder) encodeUnionStruct(b []byte, t *avroschema.Schema, s *data.Schema, v any) ([]byte, error) {
	first := 0 // branches before the first field's: the null branch
	if len(t.Branches) > len(s.Fields) {
		first = len(t.Branches) - len(s.Fields)
	}
	if st, ok := v.(*data.Struct); ok {
		for i, f := range s.Fields {
			fv := st.RawIndex(i)
			if fv == nil && f.Schema.Default != nil && !e.ignoreNullDef {
				fv = f.Schema.Default
			}
			if fv != nil {
				b = binary.AppendVarint(b, int64(first+i))
				return e.encode(b, t.Branches[first+i], f.Schema, fv)
			}
		}
	} else if v != nil {
		return b, typeErr(s, v)
	}
	for i, br := range t.Branches {
		if br.Kind == avroschema.Null {
			return binary.AppendVarint(b, int64(i)), nil
		}
	}
	return b, fmt.Errorf("union %s has no value and no null branch", s.Name)
}

func appendFixed(b []byte, t *avroschema.Schema, x []byte) ([]byte, error) {
	if len(x) != t.Size {
		return b, fmt.Errorf("fixed %s holds %d bytes, the value has %d", t.FullName(), t.Size, len(x))
	}
	return append(b, x...), nil
}

// signExtend pads a two's-complement number to n bytes (longer ones are
// left for appendFixed to refuse).
func signExtend(raw []byte, n int) []byte {
	if len(raw) >= n {
		return raw
	}
	out := make([]byte, n)
	if len(raw) > 0 && raw[0]&0x80 != 0 {
		for i := range out[:n-len(raw)] {
			out[i] = 0xff
		}
	}
	copy(out[n-len(raw):], raw)
	return out
}

func (e encoder) encodeMapEntries(b []byte, t *avroschema.Schema, s *data.Schema, v any) ([]byte, error) {
	entry := t.Items
	write := func(k, val any) error {
		var err error
		if b, err = e.encode(b, entry.Fields[0].Type, s.Key, k); err != nil {
			return err
		}
		b, err = e.encode(b, entry.Fields[1].Type, s.Value, val)
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
func decode(r *reader, t *avroschema.Schema, s *data.Schema) (any, error) {
	switch t.Kind {
	case avroschema.Null:
		return nil, nil
	case avroschema.Union:
		i, err := r.varint()
		if err != nil {
			return nil, err
		}
		if i < 0 || int(i) >= len(t.Branches) {
			return nil, fmt.Errorf("union branch %d out of range", i)
		}
		if !isUnionSchema(s) {
			return decode(r, t.Branches[i], s)
		}
		br := t.Branches[i]
		if br.Kind == avroschema.Null {
			return nil, nil
		}
		field := int(i)
		for _, b := range t.Branches[:i] {
			if b.Kind == avroschema.Null {
				field--
			}
		}
		v, err := decode(r, br, s.Fields[field].Schema)
		if err != nil {
			return nil, err
		}
		st := data.NewStruct(s)
		st.PutIndex(unionMember(s, field, br, v), v)
		return st, nil
	case avroschema.Boolean:
		b, err := r.take(1)
		if err != nil {
			return nil, err
		}
		return b[0] != 0, nil
	case avroschema.Int, avroschema.Long:
		n, err := r.varint()
		if err != nil {
			return nil, err
		}
		switch t.Logical {
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
	case avroschema.Float:
		b, err := r.take(4)
		if err != nil {
			return nil, err
		}
		return math.Float32frombits(binary.LittleEndian.Uint32(b)), nil
	case avroschema.Double:
		b, err := r.take(8)
		if err != nil {
			return nil, err
		}
		return math.Float64frombits(binary.LittleEndian.Uint64(b)), nil
	case avroschema.String, avroschema.Bytes, avroschema.Fixed:
		var raw []byte
		var err error
		if t.Kind == avroschema.Fixed {
			raw, err = r.take(int64(t.Size))
		} else {
			var n int64
			if n, err = r.varint(); err == nil {
				raw, err = r.take(n)
			}
		}
		if err != nil {
			return nil, err
		}
		if t.Logical == "decimal" {
			return &data.BigDecimal{Unscaled: new(big.Int).Set(data.FromTwosComplement(raw)), Scale: int32(t.Scale)}, nil
		}
		if t.Kind == avroschema.String {
			return string(raw), nil
		}
		return append([]byte(nil), raw...), nil
	case avroschema.Enum:
		i, err := r.varint()
		if err != nil {
			return nil, err
		}
		if i < 0 || int(i) >= len(t.Symbols) {
			return nil, fmt.Errorf("enum index %d out of range", i)
		}
		return t.Symbols[i], nil
	case avroschema.Record:
		st := data.NewStruct(s)
		for i, f := range t.Fields {
			v, err := decode(r, f.Type, s.Fields[i].Schema)
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.Name, err)
			}
			st.PutIndex(i, v)
		}
		return st, nil
	case avroschema.Array:
		if s.Type == data.TypeMap {
			out := map[any]any{}
			err := blocks(r, func() error {
				k, err := decode(r, t.Items.Fields[0].Type, s.Key)
				if err != nil {
					return err
				}
				v, err := decode(r, t.Items.Fields[1].Type, s.Value)
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
			v, err := decode(r, t.Items, s.Value)
			out = append(out, v)
			return err
		})
		return out, err
	case avroschema.Map:
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
			v, err := decode(r, t.Values, s.Value)
			out[string(k)] = v
			return err
		})
		return out, err
	}
	return nil, fmt.Errorf("cannot decode Avro type %d", t.Kind)
}

// unionMember is the field a union value lands in. AvroData matches the
// value's Java class against the fields in order, so bytes and fixed
// values can land in an earlier field than their branch's: a fixed value
// in a plain bytes field, a bytes value in a fixed field of its length.
func unionMember(s *data.Schema, field int, br *avroschema.Schema, v any) int {
	b, isBytes := v.([]byte)
	if !isBytes || br.Logical != "" {
		return field
	}
	for i, f := range s.Fields[:field] {
		fs := f.Schema
		if fs.Type != data.TypeBytes || fs.Name == data.DecimalName {
			continue
		}
		fixed := isFixedSchema(fs)
		if br.Kind == avroschema.Fixed && !fixed {
			return i
		}
		if br.Kind == avroschema.Bytes && fixed && fs.Param(fixedSizeParam) == strconv.Itoa(len(b)) {
			return i
		}
	}
	return field
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
