package mysql

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
)

// Debezium stores the incremental snapshot's chunk keys in offsets as a
// Java-serialised Object[] (ObjectOutputStream), hex encoded. These write
// and read that form for the values keys hold here: Integer (int32), Long
// (int64), String and null, so that offsets pass between Debezium and
// goconnect in both directions.

const (
	jsNull       = 0x70
	jsReference  = 0x71
	jsClassDesc  = 0x72
	jsObject     = 0x73
	jsString     = 0x74
	jsArray      = 0x75
	jsEndBlock   = 0x78
	jsBaseHandle = 0x7e0000
)

// javaClass is a serialisable class's descriptor as ObjectOutputStream
// writes it.
type javaClass struct {
	name   string
	suid   uint64
	fields []javaField // primitive fields only
	super  *javaClass
}

type javaField struct {
	typ  byte // 'I', 'J', ...
	name string
}

var (
	javaNumber  = &javaClass{name: "java.lang.Number", suid: 0x86ac951d0b94e08b}
	javaInteger = &javaClass{name: "java.lang.Integer", suid: 0x12e2a0a4f7818738, fields: []javaField{{'I', "value"}}, super: javaNumber}
	javaLong    = &javaClass{name: "java.lang.Long", suid: 0x3b8be490cc8f23df, fields: []javaField{{'J', "value"}}, super: javaNumber}
	javaObjArr  = &javaClass{name: "[Ljava.lang.Object;", suid: 0x90ce589f1073296c}
)

type javaWriter struct {
	b       []byte
	next    uint32
	handles map[*javaClass]uint32
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
	w.b = append(w.b, 0x02) // SC_SERIALIZABLE
	w.u16(len(c.fields))
	for _, f := range c.fields {
		w.b = append(w.b, f.typ)
		w.utf(f.name)
	}
	w.b = append(w.b, jsEndBlock)
	w.class(c.super)
}

// javaSerializeKey writes key as Debezium's arrayToSerializedString does.
func javaSerializeKey(key []any) (string, error) {
	w := &javaWriter{b: []byte{0xac, 0xed, 0x00, 0x05}, handles: map[*javaClass]uint32{}}
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
		default:
			return "", fmt.Errorf("key value %v of type %T cannot be stored", v, v)
		}
	}
	return hex.EncodeToString(w.b), nil
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

func (r *javaReader) classDesc() (*javaClass, error) {
	tc, err := r.byte1()
	if err != nil {
		return nil, err
	}
	switch tc {
	case jsNull:
		return nil, nil
	case jsReference:
		h, err := r.n(4)
		if err != nil {
			return nil, err
		}
		i := int(binary.BigEndian.Uint32(h)) - jsBaseHandle
		if i < 0 || i >= len(r.handles) {
			return nil, fmt.Errorf("bad handle %d", i)
		}
		c, ok := r.handles[i].(*javaClass)
		if !ok {
			return nil, fmt.Errorf("handle %d is no class", i)
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
	flags, err := r.byte1()
	if err != nil {
		return nil, err
	}
	if flags != 0x02 {
		return nil, fmt.Errorf("class %s is not plainly serialisable (flags %#x)", c.name, flags)
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
		if t == 'L' || t == '[' {
			return nil, fmt.Errorf("class %s has an object field", c.name)
		}
		c.fields = append(c.fields, javaField{t, name})
	}
	if end, err := r.byte1(); err != nil || end != jsEndBlock {
		return nil, fmt.Errorf("class %s: annotations are not supported", c.name)
	}
	if c.super, err = r.classDesc(); err != nil {
		return nil, err
	}
	return c, nil
}

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
		h, err := r.n(4)
		if err != nil {
			return nil, err
		}
		i := int(binary.BigEndian.Uint32(h)) - jsBaseHandle
		if i < 0 || i >= len(r.handles) {
			return nil, fmt.Errorf("bad handle %d", i)
		}
		return r.handles[i], nil
	case jsObject:
	default:
		return nil, fmt.Errorf("unsupported type code %#x", tc)
	}
	c, err := r.classDesc()
	if err != nil {
		return nil, err
	}
	slot := len(r.handles)
	r.handles = append(r.handles, nil)
	var chain []*javaClass
	for k := c; k != nil; k = k.super {
		chain = append([]*javaClass{k}, chain...)
	}
	var val any
	for _, k := range chain {
		for _, f := range k.fields {
			size := map[byte]int{'B': 1, 'Z': 1, 'C': 2, 'S': 2, 'I': 4, 'F': 4, 'J': 8, 'D': 8}[f.typ]
			b, err := r.n(size)
			if err != nil {
				return nil, err
			}
			switch f.typ {
			case 'B':
				val = int32(int8(b[0]))
			case 'S':
				val = int32(int16(binary.BigEndian.Uint16(b)))
			case 'I':
				val = int32(binary.BigEndian.Uint32(b))
			case 'J':
				val = int64(binary.BigEndian.Uint64(b))
			default:
				return nil, fmt.Errorf("class %s: field type %c is not supported", k.name, f.typ)
			}
		}
	}
	switch c.name {
	case "java.lang.Integer", "java.lang.Long", "java.lang.Short", "java.lang.Byte":
	default:
		return nil, fmt.Errorf("class %s is not supported in a chunk key", c.name)
	}
	r.handles[slot] = val
	return val, nil
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
