package offsetstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
)

// The standalone offsets file is java.util.HashMap<byte[],byte[]> written by
// ObjectOutputStream. Only the handful of stream elements such a map uses
// are read and written here.

var (
	javaStreamHeader = []byte{0xAC, 0xED, 0x00, 0x05}
	hashMapDesc      = []byte{
		0x73, 0x72, 0x00, 0x11, 'j', 'a', 'v', 'a', '.', 'u', 't', 'i', 'l', '.', 'H', 'a', 's', 'h', 'M', 'a', 'p',
		0x05, 0x07, 0xDA, 0xC1, 0xC3, 0x16, 0x60, 0xD1, // serialVersionUID
		0x03, 0x00, 0x02, // SC_SERIALIZABLE|SC_WRITE_METHOD, 2 fields
		0x46, 0x00, 0x0A, 'l', 'o', 'a', 'd', 'F', 'a', 'c', 't', 'o', 'r',
		0x49, 0x00, 0x09, 't', 'h', 'r', 'e', 's', 'h', 'o', 'l', 'd',
		0x78, 0x70, // end of block data, no superclass
	}
	byteArrayDesc = []byte{
		0x72, 0x00, 0x02, '[', 'B',
		0xAC, 0xF3, 0x17, 0xF8, 0x06, 0x08, 0x54, 0xE0, // serialVersionUID of byte[]
		0x02, 0x00, 0x00, 0x78, 0x70,
	}
)

const (
	tcNull      = 0x70
	tcReference = 0x71
	tcClassDesc = 0x72
	tcObject    = 0x73
	tcArray     = 0x75
	tcBlockData = 0x77
	tcEndBlock  = 0x78
	baseHandle  = 0x7E0000
	// Handles: 0 HashMap class desc, 1 the map, 2 byte[] class desc.
	byteArrayDescHandle = baseHandle + 2
)

// EncodeJavaHashMap serializes pairs as Java's ObjectOutputStream writes a
// HashMap<byte[],byte[]>; a nil value is written as null.
func EncodeJavaHashMap(pairs [][2][]byte) []byte {
	capacity := 16
	for float64(len(pairs)) > float64(capacity)*0.75 {
		capacity *= 2
	}
	threshold := 0
	if len(pairs) > 0 {
		threshold = capacity * 3 / 4
	}
	b := append([]byte{}, javaStreamHeader...)
	b = append(b, hashMapDesc...)
	b = append(b, 0x3F, 0x40, 0x00, 0x00) // loadFactor 0.75f
	b = binary.BigEndian.AppendUint32(b, uint32(threshold))
	b = append(b, tcBlockData, 8)
	b = binary.BigEndian.AppendUint32(b, uint32(capacity))
	b = binary.BigEndian.AppendUint32(b, uint32(len(pairs)))
	first := true
	writeArr := func(v []byte) {
		if v == nil {
			b = append(b, tcNull)
			return
		}
		b = append(b, tcArray)
		if first {
			b = append(b, byteArrayDesc...)
			first = false
		} else {
			b = append(b, tcReference)
			b = binary.BigEndian.AppendUint32(b, byteArrayDescHandle)
		}
		b = binary.BigEndian.AppendUint32(b, uint32(len(v)))
		b = append(b, v...)
	}
	for _, p := range pairs {
		writeArr(p[0])
		writeArr(p[1])
	}
	return append(b, tcEndBlock)
}

type javaReader struct {
	b   []byte
	pos int
	// byteArrayHandle is the handle assigned to the [B class descriptor.
	byteArrayHandle uint32
	nextHandle      uint32
}

var errTruncated = errors.New("truncated Java serialization stream")

func (r *javaReader) take(n int) ([]byte, error) {
	if n < 0 || r.pos+n > len(r.b) {
		return nil, errTruncated
	}
	s := r.b[r.pos : r.pos+n]
	r.pos += n
	return s, nil
}

func (r *javaReader) u8() (byte, error) {
	s, err := r.take(1)
	if err != nil {
		return 0, err
	}
	return s[0], nil
}

func (r *javaReader) u32() (uint32, error) {
	s, err := r.take(4)
	if err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint32(s), nil
}

func (r *javaReader) expect(want []byte, what string) error {
	got, err := r.take(len(want))
	if err != nil {
		return err
	}
	if string(got) != string(want) {
		return fmt.Errorf("unexpected bytes for %s", what)
	}
	return nil
}

// DecodeJavaHashMap reads what EncodeJavaHashMap (or a JVM) wrote. A file
// cut short is an error, so a half-written file is never taken as empty.
func DecodeJavaHashMap(b []byte) ([][2][]byte, error) {
	r := &javaReader{b: b, nextHandle: baseHandle}
	if err := r.expect(javaStreamHeader, "stream header"); err != nil {
		return nil, err
	}
	if err := r.expect(hashMapDesc, "HashMap class descriptor"); err != nil {
		return nil, err
	}
	r.nextHandle += 2                    // the class descriptor and the map object
	if _, err := r.take(8); err != nil { // loadFactor, threshold
		return nil, err
	}
	if tag, err := r.u8(); err != nil || tag != tcBlockData {
		return nil, fmt.Errorf("expected block data after HashMap fields")
	}
	if n, err := r.u8(); err != nil || n != 8 {
		return nil, fmt.Errorf("expected 8 bytes of block data")
	}
	if _, err := r.u32(); err != nil { // capacity
		return nil, err
	}
	size, err := r.u32()
	if err != nil {
		return nil, err
	}
	if uint64(size) > uint64(len(b)) {
		return nil, fmt.Errorf("map size %d exceeds the file", size)
	}
	pairs := make([][2][]byte, 0, size)
	for i := uint32(0); i < size; i++ {
		k, err := r.array()
		if err != nil {
			return nil, fmt.Errorf("entry %d key: %w", i, err)
		}
		v, err := r.array()
		if err != nil {
			return nil, fmt.Errorf("entry %d value: %w", i, err)
		}
		pairs = append(pairs, [2][]byte{k, v})
	}
	if tag, err := r.u8(); err != nil || tag != tcEndBlock {
		return nil, fmt.Errorf("expected end of block data after the entries")
	}
	return pairs, nil
}

func (r *javaReader) array() ([]byte, error) {
	tag, err := r.u8()
	if err != nil {
		return nil, err
	}
	switch tag {
	case tcNull:
		return nil, nil
	case tcArray:
	default:
		return nil, fmt.Errorf("unexpected tag 0x%02x, want a byte array", tag)
	}
	desc, err := r.u8()
	if err != nil {
		return nil, err
	}
	switch desc {
	case tcClassDesc:
		r.pos--
		if err := r.expect(byteArrayDesc, "byte[] class descriptor"); err != nil {
			return nil, err
		}
		r.byteArrayHandle = r.nextHandle
		r.nextHandle++
	case tcReference:
		h, err := r.u32()
		if err != nil {
			return nil, err
		}
		if r.byteArrayHandle == 0 || h != r.byteArrayHandle {
			return nil, fmt.Errorf("reference 0x%x is not the byte[] class", h)
		}
	default:
		return nil, fmt.Errorf("unexpected class descriptor tag 0x%02x", desc)
	}
	r.nextHandle++ // the array object itself
	n, err := r.u32()
	if err != nil {
		return nil, err
	}
	if bits.Len32(n) > 31 {
		return nil, fmt.Errorf("negative array length")
	}
	s, err := r.take(int(n))
	if err != nil {
		return nil, err
	}
	out := make([]byte, len(s))
	copy(out, s)
	return out, nil
}
