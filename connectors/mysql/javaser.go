package mysql

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strings"
)

// Debezium stores the incremental snapshot's chunk keys in offsets as a
// Java-serialised Object[] (ObjectOutputStream), hex encoded. These write
// and read that form for the values keys hold here, the classes
// Connector/J hands Debezium: Integer (int32), Long (int64), String,
// BigDecimal (javaDecimal), BigInteger (javaBigInt), byte[] and null, so
// that offsets pass between Debezium and goconnect in both directions.

// javaDecimal is a DECIMAL key as java.math.BigDecimal: its text as the
// server sends it ("12.50": unscaled 1250, scale 2).
type javaDecimal string

// javaBigInt is a BIGINT UNSIGNED key as java.math.BigInteger.
type javaBigInt struct{ *big.Int }

// javaLocalDate is a DATE key as java.time.LocalDate (Debezium's field
// reader parses DATE text into one).
type javaLocalDate struct {
	year       int32
	month, day uint8
}

// javaDuration is a TIME key as java.time.Duration: seconds (floored)
// and nanoseconds of the second.
type javaDuration struct {
	sec   int64
	nanos int32
}

// javaTimestamp is a DATETIME or TIMESTAMP key as java.sql.Timestamp:
// milliseconds of the whole second since the epoch and nanoseconds of the
// second, the text read as UTC (Debezium's JVM time zone in its images).
type javaTimestamp struct {
	millis int64
	nanos  int32
}

const (
	jsNull       = 0x70
	jsReference  = 0x71
	jsClassDesc  = 0x72
	jsObject     = 0x73
	jsString     = 0x74
	jsArray      = 0x75
	jsEndBlock   = 0x78
	jsBlockData  = 0x77
	jsBaseHandle = 0x7e0000

	scWriteMethod    = 0x01
	scSerializable   = 0x02
	scExternalizable = 0x04
	scBlockData      = 0x08
)

// javaClass is a serialisable class's descriptor as ObjectOutputStream
// writes it.
type javaClass struct {
	name   string
	suid   uint64
	flags  byte // SC_*; 0 stands for SC_SERIALIZABLE
	fields []javaField
	super  *javaClass
}

type javaField struct {
	typ  byte // 'I', 'J', ..., 'L' or '[' for objects
	name string
	sig  string // an object field's type signature
}

var (
	javaNumber  = &javaClass{name: "java.lang.Number", suid: 0x86ac951d0b94e08b}
	javaInteger = &javaClass{name: "java.lang.Integer", suid: 0x12e2a0a4f7818738, fields: []javaField{{'I', "value", ""}}, super: javaNumber}
	javaLong    = &javaClass{name: "java.lang.Long", suid: 0x3b8be490cc8f23df, fields: []javaField{{'J', "value", ""}}, super: javaNumber}
	javaFloat   = &javaClass{name: "java.lang.Float", suid: 0xdaedc9a2db3cf0ec, fields: []javaField{{'F', "value", ""}}, super: javaNumber}
	javaDouble  = &javaClass{name: "java.lang.Double", suid: 0x80b3c24a296bfb04, fields: []javaField{{'D', "value", ""}}, super: javaNumber}
	javaBoolean = &javaClass{name: "java.lang.Boolean", suid: 0xcd207280d59cfaee, fields: []javaField{{'Z', "value", ""}}}
	javaObjArr  = &javaClass{name: "[Ljava.lang.Object;", suid: 0x90ce589f1073296c}
	javaByteArr = &javaClass{name: "[B", suid: 0xacf317f8060854e0}
	// BigInteger's writeObject writes its fields (legacy ones as -1/-2)
	// and ends with a block end; BigDecimal's writes scale and intVal.
	javaBigInteger = &javaClass{name: "java.math.BigInteger", suid: 0x8cfc9f1fa93bfb1d, flags: scWriteMethod | scSerializable,
		fields: []javaField{{'I', "bitCount", ""}, {'I', "bitLength", ""}, {'I', "firstNonzeroByteNum", ""}, {'I', "lowestSetBit", ""}, {'I', "signum", ""}, {'[', "magnitude", "[B"}},
		super:  javaNumber}
	// java.time's classes serialise through java.time.Ser, externalizable.
	javaTimeSer      = &javaClass{name: "java.time.Ser", suid: 0x955d84ba1b2248b2, flags: scBlockData | scExternalizable}
	javaUtilDate     = &javaClass{name: "java.util.Date", suid: 0x686a81014b597419, flags: scWriteMethod | scSerializable}
	javaSQLTimestamp = &javaClass{name: "java.sql.Timestamp", suid: 0x2618d5c80153bf65,
		fields: []javaField{{'I', "nanos", ""}}, super: javaUtilDate}
	javaBigDecimal = &javaClass{name: "java.math.BigDecimal", suid: 0x54c71557f981284f, flags: scWriteMethod | scSerializable,
		fields: []javaField{{'I', "scale", ""}, {'L', "intVal", "Ljava/math/BigInteger;"}}, super: javaNumber}
)

type javaWriter struct {
	b       []byte
	next    uint32
	handles map[*javaClass]uint32
	strs    map[string]uint32 // type signatures written
}

func (w *javaWriter) u16(v int)    { w.b = binary.BigEndian.AppendUint16(w.b, uint16(v)) }
func (w *javaWriter) u32(v uint32) { w.b = binary.BigEndian.AppendUint32(w.b, v) }
func (w *javaWriter) utf(s string) { w.u16(len(s)); w.b = append(w.b, s...) }
func (w *javaWriter) handle() uint32 {
	h := jsBaseHandle + w.next
	w.next++
	return h
}

func (w *javaWriter) class(c *javaClass) {
	if c == nil {
		w.b = append(w.b, jsNull)
		return
	}
	if h, ok := w.handles[c]; ok {
		w.b = append(w.b, jsReference)
		w.u32(h)
		return
	}
	w.b = append(w.b, jsClassDesc)
	w.utf(c.name)
	w.b = binary.BigEndian.AppendUint64(w.b, c.suid)
	w.handles[c] = w.handle()
	flags := c.flags
	if flags == 0 {
		flags = scSerializable
	}
	w.b = append(w.b, flags)
	w.u16(len(c.fields))
	for _, f := range c.fields {
		w.b = append(w.b, f.typ)
		w.utf(f.name)
		if f.sig == "" {
			continue
		}
		if h, ok := w.strs[f.sig]; ok {
			w.b = append(w.b, jsReference)
			w.u32(h)
			continue
		}
		w.b = append(w.b, jsString)
		w.strs[f.sig] = w.handle()
		w.utf(f.sig)
	}
	w.b = append(w.b, jsEndBlock)
	w.class(c.super)
}

// javaSerializeKey writes key as Debezium's arrayToSerializedString does.
func javaSerializeKey(key []any) (string, error) {
	w := &javaWriter{b: []byte{0xac, 0xed, 0x00, 0x05}, handles: map[*javaClass]uint32{}, strs: map[string]uint32{}}
	w.b = append(w.b, jsArray)
	w.class(javaObjArr)
	w.handle() // the array
	w.u32(uint32(len(key)))
	for _, v := range key {
		switch x := v.(type) {
		case nil:
			w.b = append(w.b, jsNull)
		case int32:
			w.b = append(w.b, jsObject)
			w.class(javaInteger)
			w.handle()
			w.u32(uint32(x))
		case int64:
			w.b = append(w.b, jsObject)
			w.class(javaLong)
			w.handle()
			w.b = binary.BigEndian.AppendUint64(w.b, uint64(x))
		case string:
			if len(x) > math.MaxUint16 {
				return "", fmt.Errorf("key value of %d bytes is too long", len(x))
			}
			w.b = append(w.b, jsString)
			w.handle()
			w.utf(javaModifiedUTF8(x))
		case float32:
			w.b = append(w.b, jsObject)
			w.class(javaFloat)
			w.handle()
			w.u32(math.Float32bits(x))
		case float64:
			w.b = append(w.b, jsObject)
			w.class(javaDouble)
			w.handle()
			w.b = binary.BigEndian.AppendUint64(w.b, math.Float64bits(x))
		case bool:
			w.b = append(w.b, jsObject)
			w.class(javaBoolean)
			w.handle()
			if x {
				w.b = append(w.b, 1)
			} else {
				w.b = append(w.b, 0)
			}
		case []byte:
			w.bytes(x)
		case javaBigInt:
			w.bigInteger(x.Int)
		case javaLocalDate:
			w.timeSer(3, binary.BigEndian.AppendUint32(nil, uint32(x.year)), []byte{x.month, x.day})
		case javaDuration:
			w.timeSer(1, binary.BigEndian.AppendUint64(nil, uint64(x.sec)), binary.BigEndian.AppendUint32(nil, uint32(x.nanos)))
		case javaTimestamp:
			// Date's writeObject writes the time in block data; then
			// Timestamp's own field.
			w.b = append(w.b, jsObject)
			w.class(javaSQLTimestamp)
			w.handle()
			w.b = append(w.b, jsBlockData, 8)
			w.b = binary.BigEndian.AppendUint64(w.b, uint64(x.millis))
			w.b = append(w.b, jsEndBlock)
			w.u32(uint32(x.nanos))
		case javaDecimal:
			unscaled, scale, ok := decimalParts(string(x))
			if !ok {
				return "", fmt.Errorf("key value %q is not a decimal", string(x))
			}
			w.b = append(w.b, jsObject)
			w.class(javaBigDecimal)
			w.handle()
			w.u32(uint32(scale))
			w.bigInteger(unscaled)
			w.b = append(w.b, jsEndBlock)
		default:
			return "", fmt.Errorf("key value %v of type %T cannot be stored", v, v)
		}
	}
	return hex.EncodeToString(w.b), nil
}

// timeSer writes a java.time value as its java.time.Ser: a type byte and
// the value's fields in one block.
func (w *javaWriter) timeSer(typ byte, parts ...[]byte) {
	w.b = append(w.b, jsObject)
	w.class(javaTimeSer)
	w.handle()
	n := 1
	for _, p := range parts {
		n += len(p)
	}
	w.b = append(w.b, jsBlockData, byte(n), typ)
	for _, p := range parts {
		w.b = append(w.b, p...)
	}
	w.b = append(w.b, jsEndBlock)
}

func (w *javaWriter) bytes(b []byte) {
	w.b = append(w.b, jsArray)
	w.class(javaByteArr)
	w.handle()
	w.u32(uint32(len(b)))
	w.b = append(w.b, b...)
}

// bigInteger writes a BigInteger as its writeObject does: the legacy
// fields bitCount, bitLength (-1), firstNonzeroByteNum, lowestSetBit (-2),
// signum, the magnitude big-endian, then the block end.
func (w *javaWriter) bigInteger(n *big.Int) {
	w.b = append(w.b, jsObject)
	w.class(javaBigInteger)
	w.handle()
	for _, v := range []int32{-1, -1, -2, -2, int32(n.Sign())} {
		w.u32(uint32(v))
	}
	w.bytes(new(big.Int).Abs(n).Bytes())
	w.b = append(w.b, jsEndBlock)
}

// decimalParts splits a decimal's text into BigDecimal's unscaled value
// and scale, as new BigDecimal(text) does.
func decimalParts(s string) (*big.Int, int32, bool) {
	s = strings.TrimSpace(s)
	intPart, frac, _ := strings.Cut(s, ".")
	n, ok := new(big.Int).SetString(intPart+frac, 10)
	if !ok || strings.ContainsAny(s, "eE") {
		return nil, 0, false
	}
	return n, int32(len(frac)), true
}

// decimalText is BigDecimal's toPlainString of unscaled × 10^-scale.
func decimalText(unscaled *big.Int, scale int32) string {
	neg := unscaled.Sign() < 0
	digits := new(big.Int).Abs(unscaled).String()
	if scale <= 0 {
		digits += strings.Repeat("0", int(-scale))
	} else {
		if len(digits) <= int(scale) {
			digits = strings.Repeat("0", int(scale)-len(digits)+1) + digits
		}
		digits = digits[:len(digits)-int(scale)] + "." + digits[len(digits)-int(scale):]
	}
	if neg {
		return "-" + digits
	}
	return digits
}

// javaModifiedUTF8 is s in Java's modified UTF-8: NUL as two bytes and
// characters outside the BMP as surrogate pairs of three bytes each.
func javaModifiedUTF8(s string) string {
	plain := true
	for i := 0; i < len(s); i++ {
		if s[i] == 0 || s[i] >= 0xf0 {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	var out []byte
	for _, r := range s {
		switch {
		case r == 0:
			out = append(out, 0xc0, 0x80)
		case r >= 0x10000:
			r -= 0x10000
			for _, u := range []rune{0xd800 + (r >> 10), 0xdc00 + (r & 0x3ff)} {
				out = append(out, byte(0xe0|u>>12), byte(0x80|(u>>6)&0x3f), byte(0x80|u&0x3f))
			}
		default:
			out = append(out, string(r)...)
		}
	}
	return string(out)
}

type javaReader struct {
	b       []byte
	handles []any
}

var errJavaShort = errors.New("truncated")

func (r *javaReader) byte1() (byte, error) {
	if len(r.b) < 1 {
		return 0, errJavaShort
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c, nil
}

func (r *javaReader) n(k int) ([]byte, error) {
	if len(r.b) < k {
		return nil, errJavaShort
	}
	out := r.b[:k]
	r.b = r.b[k:]
	return out, nil
}

func (r *javaReader) utf() (string, error) {
	l, err := r.n(2)
	if err != nil {
		return "", err
	}
	s, err := r.n(int(binary.BigEndian.Uint16(l)))
	return string(s), err
}

func (r *javaReader) ref() (any, error) {
	h, err := r.n(4)
	if err != nil {
		return nil, err
	}
	i := int(binary.BigEndian.Uint32(h)) - jsBaseHandle
	if i < 0 || i >= len(r.handles) {
		return nil, fmt.Errorf("bad handle %d", i)
	}
	return r.handles[i], nil
}

func (r *javaReader) classDesc() (*javaClass, error) {
	tc, err := r.byte1()
	if err != nil {
		return nil, err
	}
	switch tc {
	case jsNull:
		return nil, nil
	case jsReference:
		v, err := r.ref()
		if err != nil {
			return nil, err
		}
		c, ok := v.(*javaClass)
		if !ok {
			return nil, errors.New("a handle that is no class")
		}
		return c, nil
	case jsClassDesc:
	default:
		return nil, fmt.Errorf("unexpected type code %#x for a class", tc)
	}
	c := &javaClass{}
	if c.name, err = r.utf(); err != nil {
		return nil, err
	}
	if _, err := r.n(8); err != nil {
		return nil, err
	}
	r.handles = append(r.handles, c)
	if c.flags, err = r.byte1(); err != nil {
		return nil, err
	}
	if c.flags != scBlockData|scExternalizable && (c.flags&scSerializable == 0 || c.flags&^(scSerializable|scWriteMethod) != 0) {
		return nil, fmt.Errorf("class %s is not plainly serialisable (flags %#x)", c.name, c.flags)
	}
	nf, err := r.n(2)
	if err != nil {
		return nil, err
	}
	for i := 0; i < int(binary.BigEndian.Uint16(nf)); i++ {
		t, err := r.byte1()
		if err != nil {
			return nil, err
		}
		name, err := r.utf()
		if err != nil {
			return nil, err
		}
		f := javaField{typ: t, name: name}
		if t == 'L' || t == '[' {
			sig, err := r.object()
			if err != nil {
				return nil, err
			}
			if f.sig, _ = sig.(string); f.sig == "" {
				return nil, fmt.Errorf("class %s: field %s has no type", c.name, name)
			}
		}
		c.fields = append(c.fields, f)
	}
	if end, err := r.byte1(); err != nil || end != jsEndBlock {
		return nil, fmt.Errorf("class %s: annotations are not supported", c.name)
	}
	if c.super, err = r.classDesc(); err != nil {
		return nil, err
	}
	return c, nil
}

// object reads one object: the values keys hold (see javaSerializeKey).
func (r *javaReader) object() (any, error) {
	tc, err := r.byte1()
	if err != nil {
		return nil, err
	}
	switch tc {
	case jsNull:
		return nil, nil
	case jsString:
		s, err := r.utf()
		r.handles = append(r.handles, s)
		return s, err
	case jsReference:
		return r.ref()
	case jsArray:
		c, err := r.classDesc()
		if err != nil {
			return nil, err
		}
		if c == nil || c.name != "[B" {
			return nil, errors.New("only byte[] arrays are supported in a chunk key")
		}
		slot := len(r.handles)
		r.handles = append(r.handles, nil)
		nb, err := r.n(4)
		if err != nil {
			return nil, err
		}
		b, err := r.n(int(binary.BigEndian.Uint32(nb)))
		if err != nil {
			return nil, err
		}
		v := bytes.Clone(b)
		r.handles[slot] = v
		return v, nil
	case jsObject:
	default:
		return nil, fmt.Errorf("unsupported type code %#x", tc)
	}
	c, err := r.classDesc()
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, errors.New("an object without a class")
	}
	slot := len(r.handles)
	r.handles = append(r.handles, nil)
	if c.flags&scExternalizable != 0 {
		if c.name != "java.time.Ser" {
			return nil, fmt.Errorf("class %s is not supported in a chunk key", c.name)
		}
		v, err := r.timeSer()
		r.handles[slot] = v
		return v, err
	}
	var chain []*javaClass
	for k := c; k != nil; k = k.super {
		chain = append([]*javaClass{k}, chain...)
	}
	fields := map[string]any{}
	for _, k := range chain {
		for _, f := range k.fields {
			if f.typ == 'L' || f.typ == '[' {
				v, err := r.object()
				if err != nil {
					return nil, err
				}
				fields[f.name] = v
				continue
			}
			size := map[byte]int{'B': 1, 'Z': 1, 'C': 2, 'S': 2, 'I': 4, 'F': 4, 'J': 8, 'D': 8}[f.typ]
			b, err := r.n(size)
			if err != nil {
				return nil, err
			}
			switch f.typ {
			case 'B':
				fields[f.name] = int32(int8(b[0]))
			case 'S':
				fields[f.name] = int32(int16(binary.BigEndian.Uint16(b)))
			case 'I':
				fields[f.name] = int32(binary.BigEndian.Uint32(b))
			case 'J':
				fields[f.name] = int64(binary.BigEndian.Uint64(b))
			case 'F':
				fields[f.name] = math.Float32frombits(binary.BigEndian.Uint32(b))
			case 'D':
				fields[f.name] = math.Float64frombits(binary.BigEndian.Uint64(b))
			case 'Z':
				fields[f.name] = b[0] != 0
			default:
				return nil, fmt.Errorf("class %s: field type %c is not supported", k.name, f.typ)
			}
		}
		if k.name == "java.util.Date" {
			// Its writeObject writes the time as block data.
			b, err := r.n(11)
			if err != nil || b[0] != jsBlockData || b[1] != 8 || b[10] != jsEndBlock {
				return nil, errors.New("a java.util.Date without its time")
			}
			fields["time"] = int64(binary.BigEndian.Uint64(b[2:10]))
		} else if k.flags&scWriteMethod != 0 {
			// What a writeObject wrote after the fields: nothing here.
			if end, err := r.byte1(); err != nil || end != jsEndBlock {
				return nil, fmt.Errorf("class %s: extra data after its fields is not supported", k.name)
			}
		}
	}
	var val any
	switch c.name {
	case "java.lang.Integer", "java.lang.Long", "java.lang.Short", "java.lang.Byte", "java.lang.Float", "java.lang.Double", "java.lang.Boolean":
		val = fields["value"] // Short and Byte as Integer, as Debezium reads them
	case "java.math.BigInteger":
		n, err := bigFromFields(fields)
		if err != nil {
			return nil, err
		}
		val = javaBigInt{n}
	case "java.sql.Timestamp":
		ms, ok := fields["time"].(int64)
		ns, ok2 := fields["nanos"].(int32)
		if !ok || !ok2 {
			return nil, errors.New("a Timestamp without time or nanos")
		}
		val = javaTimestamp{ms, ns}
	case "java.math.BigDecimal":
		bi, ok := fields["intVal"].(javaBigInt)
		scale, ok2 := fields["scale"].(int32)
		if !ok || !ok2 {
			return nil, errors.New("a BigDecimal without intVal or scale")
		}
		val = javaDecimal(decimalText(bi.Int, scale))
	default:
		return nil, fmt.Errorf("class %s is not supported in a chunk key", c.name)
	}
	r.handles[slot] = val
	return val, nil
}

// timeSer reads java.time.Ser's block: LocalDate (3) and Duration (1).
func (r *javaReader) timeSer() (any, error) {
	hd, err := r.n(3)
	if err != nil {
		return nil, err
	}
	if hd[0] != jsBlockData {
		return nil, errors.New("java.time.Ser without block data")
	}
	b, err := r.n(int(hd[1]) - 1)
	if err != nil {
		return nil, err
	}
	if end, err := r.byte1(); err != nil || end != jsEndBlock {
		return nil, errors.New("java.time.Ser: unterminated block")
	}
	switch {
	case hd[2] == 3 && len(b) == 6:
		return javaLocalDate{int32(binary.BigEndian.Uint32(b)), b[4], b[5]}, nil
	case hd[2] == 1 && len(b) == 12:
		return javaDuration{int64(binary.BigEndian.Uint64(b)), int32(binary.BigEndian.Uint32(b[8:]))}, nil
	}
	return nil, fmt.Errorf("java.time value of type %d is not supported in a chunk key", hd[2])
}

func bigFromFields(f map[string]any) (*big.Int, error) {
	sign, ok := f["signum"].(int32)
	mag, ok2 := f["magnitude"].([]byte)
	if !ok || !ok2 {
		return nil, errors.New("a BigInteger without signum or magnitude")
	}
	n := new(big.Int).SetBytes(mag)
	if sign < 0 {
		n.Neg(n)
	}
	return n, nil
}

// javaDeserializeKey reads a key javaSerializeKey (or Debezium) wrote.
func javaDeserializeKey(s string) ([]any, error) {
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, err
	}
	if len(b) < 4 || b[0] != 0xac || b[1] != 0xed {
		return nil, errors.New("not a Java serialisation stream")
	}
	r := &javaReader{b: b[4:]}
	if tc, err := r.byte1(); err != nil || tc != jsArray {
		return nil, errors.New("not a serialised array")
	}
	if _, err := r.classDesc(); err != nil {
		return nil, err
	}
	r.handles = append(r.handles, nil)
	nb, err := r.n(4)
	if err != nil {
		return nil, err
	}
	n := int(binary.BigEndian.Uint32(nb))
	if n > 64 {
		return nil, fmt.Errorf("a key of %d values", n)
	}
	out := make([]any, n)
	for i := range out {
		if out[i], err = r.object(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
