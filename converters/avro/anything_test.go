package avro

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/linkedin/goavro/v2"

	"github.com/goconnect/goconnect/schemaregistry/srtest"
)

func nulls(n int) []byte { return make([]byte, n) }

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// AvroData's ANYTHING_SCHEMA text, and a schemaless value written as an
// Anything record: bytes derived by hand from the Avro spec, and decoded
// by goavro to the same value.
func TestAnythingSchemaAndBytes(t *testing.T) {
	at, err := anythingSchema()
	if err != nil {
		t.Fatal(err)
	}
	if got := schemaText(at); got != anythingText {
		t.Fatalf("text %s", got)
	}
	v := map[string]any{"b": []any{"x", nil}, "a": int32(1)}
	got, err := appendAnything(nil, v)
	if err != nil {
		t.Fatal(err)
	}
	str := func(s string) []byte { // an Anything holding a string
		return cat(nulls(6), []byte{2, byte(2 * len(s))}, []byte(s), nulls(2))
	}
	want := cat(nulls(8), []byte{2, 4}, // map field, a block of 2 entries
		str("a"), cat(nulls(4), []byte{2, 2}, nulls(4)), // "a": int 1
		str("b"), cat(nulls(7), []byte{2, 4}, str("x"), nulls(9), []byte{0}, nulls(1)), // "b": ["x", null]
		[]byte{0}) // end of the map's blocks
	if !bytes.Equal(got, want) {
		t.Fatalf("bytes\n%v\nwant\n%v", got, want)
	}
	codec, err := goavro.NewCodec(anythingText)
	if err != nil {
		t.Fatal(err)
	}
	native, rest, err := codec.NativeFromBinary(got)
	if err != nil || len(rest) != 0 {
		t.Fatalf("goavro: %v, %d bytes left", err, len(rest))
	}
	u := func(kind string, x any) any { return map[string]any{kind: x} }
	rec := func(kind string, x any) map[string]any {
		r := map[string]any{"boolean": nil, "bytes": nil, "double": nil, "float": nil, "int": nil, "long": nil, "string": nil, "array": nil, "map": nil}
		if kind != "" {
			r[kind] = u(kind, x)
		}
		return r
	}
	entry := func(k string, v map[string]any) any { return map[string]any{"key": rec("string", k), "value": v} }
	wantNative := rec("map", []any{
		entry("a", rec("int", int32(1))),
		entry("b", rec("array", []any{rec("string", "x"), rec("", nil)})),
	})
	wantNative["map"] = u("array", wantNative["map"].(map[string]any)["map"])
	if !reflect.DeepEqual(native, wantNative) {
		t.Fatalf("goavro read\n%v\nwant\n%v", native, wantNative)
	}
	for _, x := range []any{true, []byte{1}, 1.5, float32(2), int8(3), int16(4), int64(5), "s"} {
		b, err := appendAnything(nil, x)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := codec.NativeFromBinary(b); err != nil {
			t.Errorf("%T: goavro: %v", x, err)
		}
	}
	if _, err := appendAnything(nil, struct{}{}); err == nil {
		t.Error("an unknown Go type was written")
	}
}

// The converter writes a schemaless value with the Anything schema,
// registered under the topic's subject.
func TestConverterSchemalessValue(t *testing.T) {
	srv := srtest.New(t)
	c := newConverter(t, srv.URL, false, nil)
	b, err := c.FromConnectData("t", nil, nil, "hi")
	if err != nil {
		t.Fatal(err)
	}
	got, err := srv.SchemaByID(int(b[4]), "")
	if err != nil {
		t.Fatal(err)
	}
	if got.Schema != anythingText {
		t.Fatalf("registered %s", got.Schema)
	}
	if want := cat(nulls(6), []byte{2, 4, 'h', 'i'}, nulls(2)); !bytes.Equal(b[5:], want) {
		t.Fatalf("payload %v, want %v", b[5:], want)
	}
	// Reading it back needs a recursive Connect schema: refused with a
	// clear error (it overflowed the stack before).
	if _, _, err := c.ToConnectData("t", nil, b); err == nil || !strings.Contains(err.Error(), "recursive Avro schema") {
		t.Fatalf("reading the Anything record: %v", err)
	}
}
