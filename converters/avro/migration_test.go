package avro

import (
	"strings"
	"testing"
	"time"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/avroschema"
	"github.com/goconnect/goconnect/internal/srclient"
	"github.com/goconnect/goconnect/schemaregistry/srtest"
	"github.com/linkedin/goavro/v2"
)

// JSONata migrations over the Avro JSON form of a record (Confluent's
// AvroSchema.toJson): version 2 renames ssn and reads the union nick as
// Avro JSON ({"string": ...}); use.latest.version migrates a version-1
// record up, a reader pinned to version 1 by metadata migrates down, and
// JSON the reader schema cannot read fails the record.
func TestJSONataMigrations(t *testing.T) {
	srv := srtest.New(t)
	srv.Compatibility(t, "t-value", "NONE")
	register := func(text, md, rules string) (int, string) {
		return srv.Register(t, "t-value", srtest.Schema{Text: text, Metadata: md, Rules: rules}), text
	}
	v1, s1 := register(`{"type":"record","name":"Customer","fields":[{"name":"name","type":"string"},{"name":"ssn","type":"string"},{"name":"nick","type":["null","string"],"default":null}]}`,
		`{"properties":{"application.major.version":"1"}}`, "")
	v2, s2 := register(`{"type":"record","name":"Customer","fields":[{"name":"name","type":"string"},{"name":"socialSecurityNumber","type":"string"},{"name":"nick","type":["null","string"],"default":null},{"name":"display","type":"string"}]}`,
		`{"properties":{"application.major.version":"2"}}`,
		`{"migrationRules":[{"name":"up","kind":"TRANSFORM","type":"JSONATA","mode":"UPGRADE","expr":"$merge([$sift($, function($v, $k) {$k != 'ssn'}), {'socialSecurityNumber': $.'ssn', 'display': nick ? nick.string : name}])"},`+
			`{"name":"down","kind":"TRANSFORM","type":"JSONATA","mode":"DOWNGRADE","expr":"$merge([$sift($, function($v, $k) {$k != 'socialSecurityNumber' and $k != 'display'}), {'ssn': $.'socialSecurityNumber'}])"}]}`)
	wire := func(id int, schema string, native map[string]any) []byte {
		t.Helper()
		codec, err := goavro.NewCodec(schema)
		if err != nil {
			t.Fatal(err)
		}
		b, err := codec.BinaryFromNative(srclient.AppendHeader(nil, id), native)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	field := func(v any, name string) any {
		t.Helper()
		got, err := v.(*data.Struct).Get(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return got
	}

	up := newConverter(t, srv.URL, false, map[string]string{"use.latest.version": "true"})
	s, v, err := up.ToConnectData("t", nil, wire(v1, s1, map[string]any{"name": "bob", "ssn": "123", "nick": goavro.Union("string", "bobby")}))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Field("ssn"); ok || field(v, "socialSecurityNumber") != "123" || field(v, "display") != "bobby" || field(v, "nick") != "bobby" {
		t.Fatalf("upgraded: %s %v", s, v)
	}
	_, v, err = up.ToConnectData("t", nil, wire(v1, s1, map[string]any{"name": "ann", "ssn": "9", "nick": nil}))
	if err != nil || field(v, "display") != "ann" || field(v, "nick") != nil {
		t.Fatalf("upgraded with a null union: %v %v", v, err)
	}

	down := newConverter(t, srv.URL, false, map[string]string{srclient.KeyLatestMeta: "application.major.version=1"})
	s, v, err = down.ToConnectData("t", nil, wire(v2, s2, map[string]any{"name": "cy", "socialSecurityNumber": "77", "nick": goavro.Union("string", "c"), "display": "c"}))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Field("display"); ok || field(v, "ssn") != "77" || field(v, "nick") != "c" {
		t.Fatalf("downgraded: %s %v", s, v)
	}

	// A logical type's union branch is named by its type in the JSON the
	// rules see ({"long": ms}), as Avro-Java writes it, and read back.
	srv.Compatibility(t, "l-value", "NONE")
	ts := `{"name":"at","type":["null",{"type":"long","logicalType":"timestamp-millis"}],"default":null}`
	l1Text := `{"type":"record","name":"L","fields":[` + ts + `]}`
	l1 := srv.Register(t, "l-value", srtest.Schema{Text: l1Text})
	srv.Register(t, "l-value", srtest.Schema{Text: `{"type":"record","name":"L","fields":[` + ts + `,{"name":"ms","type":"long"}]}`,
		Rules: `{"migrationRules":[{"name":"ms","kind":"TRANSFORM","type":"JSONATA","mode":"UPGRADE","expr":"$merge([$, {'ms': at.long}])"}]}`})
	lconv := newConverter(t, srv.URL, false, map[string]string{"use.latest.version": "true"})
	_, v, err = lconv.ToConnectData("l", nil, wire(l1, l1Text, map[string]any{"at": goavro.Union("long.timestamp-millis", time.UnixMilli(5000))}))
	if err != nil {
		t.Fatal(err)
	}
	if at, ok := field(v, "at").(time.Time); !ok || at.UnixMilli() != 5000 || field(v, "ms") != int64(5000) {
		t.Fatalf("logical type in a union: %v", v)
	}

	// A migration whose result the reader schema cannot read fails the
	// record, naming the JSON.
	srv.Compatibility(t, "u-value", "NONE")
	u1 := srv.Register(t, "u-value", srtest.Schema{Text: `{"type":"record","name":"U","fields":[{"name":"a","type":"string"}]}`})
	srv.Register(t, "u-value", srtest.Schema{Text: `{"type":"record","name":"U","fields":[{"name":"a","type":"int"}]}`,
		Rules: `{"migrationRules":[{"name":"keep","kind":"TRANSFORM","type":"JSONATA","mode":"UPGRADE","expr":"$"}]}`})
	conv := newConverter(t, srv.URL, false, map[string]string{"use.latest.version": "true"})
	b := append(srclient.AppendHeader(nil, u1), 2, 'x')
	if _, _, err := conv.ToConnectData("u", nil, b); err == nil || !strings.Contains(err.Error(), `reading the migrated JSON {"a":"x"} with the reader schema`) {
		t.Fatalf("unreadable migration result: %v", err)
	}
}

// The DLQ copy of a written message is what Confluent's DlqAction makes of
// AvroData's value: Kafka serializer bytes for a string, bytes, int, long,
// float or double (a union's branch included), Avro JSON otherwise.
func TestDLQCopy(t *testing.T) {
	rec := data.StructBuilder().Name("R").Field("n", data.StringSchema).Field("o", data.OptionalString).MustBuild()
	dbl := data.StructBuilder().Name("D").Field("d", data.Float64Schema).Field("f", data.Float32Schema).MustBuild()
	wide := data.StructBuilder().Name("W").Field("z", data.StringSchema).Field("y", data.Int32Schema).
		Field("x", data.MapOf(data.StringSchema, data.Int64Schema).MustBuild()).Field("w", data.BooleanSchema).Field("v", data.StringSchema).MustBuild()
	for _, c := range []struct {
		avro string
		s    *data.Schema
		v    any
		want string
	}{
		{`"string"`, data.StringSchema, "héllo", "héllo"},
		{`["null","string"]`, data.OptionalString, "x", "x"},
		{`"bytes"`, data.BytesSchema, []byte{0, 1, 255}, "\x00\x01\xff"},
		{`"int"`, data.Int32Schema, int32(-5), "\xff\xff\xff\xfb"},
		{`"long"`, data.Int64Schema, int64(258), "\x00\x00\x00\x00\x00\x00\x01\x02"},
		{`"float"`, data.Float32Schema, float32(1), "\x3f\x80\x00\x00"},
		{`"double"`, data.Float64Schema, float64(-2), "\xc0\x00\x00\x00\x00\x00\x00\x00"},
		{`"boolean"`, data.BooleanSchema, true, "true"},
		{`{"type":"record","name":"D","fields":[{"name":"d","type":"double"},{"name":"f","type":"float"}]}`, dbl,
			data.NewStruct(dbl).MustPut("d", float64(10)).MustPut("f", float32(0.1)), `{"d":10.0,"f":0.1}`},
		{`{"type":"record","name":"R","fields":[{"name":"n","type":"string"},{"name":"o","type":["null","string"],"default":null}]}`, rec,
			data.NewStruct(rec).MustPut("n", "a").MustPut("o", "b"), `{"n":"a","o":{"string":"b"}}`},
		// Fields in schema order, map keys sorted, no HTML escaping.
		{`{"type":"record","name":"W","fields":[{"name":"z","type":"string"},{"name":"y","type":"int"},{"name":"x","type":{"type":"map","values":"long"}},{"name":"w","type":"boolean"},{"name":"v","type":"string"}]}`, wide,
			data.NewStruct(wide).MustPut("z", "<&>").MustPut("y", int32(1)).MustPut("x", map[string]any{"b": int64(2), "a": int64(1), "c": int64(3)}).MustPut("w", false).MustPut("v", ""),
			`{"z":"<&>","y":1,"x":{"a":1,"b":2,"c":3},"w":false,"v":""}`},
	} {
		at, err := avroschema.Parse(c.avro)
		if err != nil {
			t.Fatal(err)
		}
		got, err := New().dlqCopy(at, c.s, c.v)
		if err != nil || string(got) != c.want {
			t.Errorf("%s: %q, %v; want %q", c.avro, got, err, c.want)
		}
	}
}

// Doubles in a DLQ copy as Jackson writes them (Java's Double.toString).
func TestJavaDouble(t *testing.T) {
	for _, c := range []struct {
		f    float64
		bits int
		want string
	}{
		{10, 64, "10.0"}, {0, 64, "0.0"}, {-1.5, 64, "-1.5"}, {0.001, 64, "0.001"}, {1e-4, 64, "1.0E-4"},
		{1234567, 64, "1234567.0"}, {1e7, 64, "1.0E7"}, {1.25e21, 64, "1.25E21"}, {0.1, 64, "0.1"},
		{123.456, 64, "123.456"}, {float64(float32(0.1)), 32, "0.1"}, {-2.5e-5, 64, "-2.5E-5"},
	} {
		if got := javaDouble(c.f, c.bits); got != c.want {
			t.Errorf("%v: %s, want %s", c.f, got, c.want)
		}
	}
}
