package avro

import (
	"bytes"
	"encoding/hex"
	"testing"
	"time"

	"github.com/linkedin/goavro/v2"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/avroschema"
	"github.com/goconnect/goconnect/internal/ratingsdata"
)

// Expected schema texts follow Confluent's AvroData mapping as documented
// in the runtime spec §6.3, written the way Avro-Java's Schema.toString
// orders attributes.

func text(t *testing.T, s *data.Schema) string {
	t.Helper()
	fc := fromConnect{cfg: defaultDataConfig()}
	at, err := fc.schema(s)
	if err != nil {
		t.Fatal(err)
	}
	out := schemaText(at)
	if _, err := goavro.NewCodec(out); err != nil {
		t.Fatalf("goavro rejects our schema %s: %v", out, err)
	}
	return out
}

func TestRatingsSchemaText(t *testing.T) {
	want := `{"type":"record","name":"ratings","namespace":"ksql","fields":[` +
		`{"name":"rating_id","type":"long"},{"name":"user_id","type":"int"},{"name":"stars","type":"int"},` +
		`{"name":"route_id","type":"int"},{"name":"rating_time","type":"long"},` +
		`{"name":"channel","type":"string"},{"name":"message","type":"string"}],"connect.name":"ksql.ratings"}`
	if got := text(t, ratingsdata.Schema()); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestSchemaMapping(t *testing.T) {
	cases := []struct {
		name string
		s    *data.Schema
		want string
	}{
		{"int8", data.Int8Schema, `{"type":"int","connect.type":"int8"}`},
		{"int16 optional", data.OptionalInt16, `["null",{"type":"int","connect.type":"int16"}]`},
		{"timestamp", data.TimestampBuilder().MustBuild(), `{"type":"long","connect.version":1,"connect.name":"org.apache.kafka.connect.data.Timestamp","logicalType":"timestamp-millis"}`},
		{"date", data.DateBuilder().MustBuild(), `{"type":"int","connect.version":1,"connect.name":"org.apache.kafka.connect.data.Date","logicalType":"date"}`},
		{"time", data.TimeBuilder().MustBuild(), `{"type":"int","connect.version":1,"connect.name":"org.apache.kafka.connect.data.Time","logicalType":"time-millis"}`},
		{"decimal", data.DecimalBuilder(2).MustBuild(), `{"type":"bytes","scale":2,"precision":64,"connect.version":1,"connect.parameters":{"scale":"2"},"connect.name":"org.apache.kafka.connect.data.Decimal","logicalType":"decimal"}`},
		{"decimal precision", data.DecimalBuilder(2).Param("connect.decimal.precision", "10").MustBuild(), `{"type":"bytes","scale":2,"precision":10,"connect.version":1,"connect.parameters":{"scale":"2","connect.decimal.precision":"10"},"connect.name":"org.apache.kafka.connect.data.Decimal","logicalType":"decimal"}`},
		{"string map", data.MapOf(data.StringSchema, data.Int64Schema).MustBuild(), `{"type":"map","values":"long"}`},
		{"int map", data.MapOf(data.Int32Schema, data.StringSchema).MustBuild(), `{"type":"array","items":{"type":"record","name":"MapEntry","namespace":"io.confluent.connect.avro","fields":[{"name":"key","type":"int"},{"name":"value","type":"string"}]}}`},
		{"array", data.ArrayOf(data.OptionalString).MustBuild(), `{"type":"array","items":["null","string"]}`},
		{"enum-like string", data.NewBuilder(data.TypeString).Name("io.debezium.data.Enum").Version(1).Param("allowed", "a,b").MustBuild(),
			`{"type":"string","connect.version":1,"connect.parameters":{"allowed":"a,b"},"connect.name":"io.debezium.data.Enum"}`},
		{"unnamed structs", data.StructBuilder().Field("a", data.StructBuilder().Field("x", data.BooleanSchema).MustBuild()).MustBuild(),
			`{"type":"record","name":"ConnectDefault","namespace":"io.confluent.connect.avro","fields":[{"name":"a","type":{"type":"record","name":"ConnectDefault2","fields":[{"name":"x","type":"boolean"}]}}]}`},
		{"defaults", data.StructBuilder().Name("d.R").
			Field("opt", data.OptionalString).
			Field("optdef", data.NewBuilder(data.TypeString).Optional().Default("x").MustBuild()).
			Field("req", data.NewBuilder(data.TypeInt32).Default(int32(5)).MustBuild()).MustBuild(),
			`{"type":"record","name":"R","namespace":"d","fields":[{"name":"opt","type":["null","string"],"default":null},` +
				`{"name":"optdef","type":[{"type":"string","connect.default":"x"},"null"],"default":"x"},` +
				`{"name":"req","type":{"type":"int","connect.default":5},"default":5}],"connect.name":"d.R"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := text(t, c.s); got != c.want {
				t.Fatalf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

// TestDebeziumEnvelopeReusesRowRecord checks that the second use of a
// named record (before/after share the row schema) is a name reference.
func TestDebeziumEnvelopeReusesRowRecord(t *testing.T) {
	row := data.StructBuilder().Name("asgard.demo.CUSTOMERS.Value").Optional().Field("id", data.Int32Schema).MustBuild()
	env := data.StructBuilder().Name("asgard.demo.CUSTOMERS.Envelope").Field("before", row).Field("after", row).Field("op", data.StringSchema).MustBuild()
	want := `{"type":"record","name":"Envelope","namespace":"asgard.demo.CUSTOMERS","fields":[` +
		`{"name":"before","type":["null",{"type":"record","name":"Value","fields":[{"name":"id","type":"int"}],"connect.name":"asgard.demo.CUSTOMERS.Value"}],"default":null},` +
		`{"name":"after","type":["null","Value"],"default":null},{"name":"op","type":"string"}],"connect.name":"asgard.demo.CUSTOMERS.Envelope"}`
	if got := text(t, env); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestBinaryMatchesGoavro(t *testing.T) {
	inner := data.StructBuilder().Name("n.Inner").Field("f", data.Float32Schema).MustBuild()
	s := data.StructBuilder().Name("n.Outer").
		Field("i8", data.Int8Schema).
		Field("l", data.Int64Schema).
		Field("d", data.Float64Schema).
		Field("b", data.BooleanSchema).
		Field("s", data.OptionalString).
		Field("bytes", data.BytesSchema).
		Field("arr", data.ArrayOf(data.Int32Schema).MustBuild()).
		Field("m", data.MapOf(data.StringSchema, data.StringSchema).MustBuild()).
		Field("in", inner).
		Field("ts", data.TimestampBuilder().MustBuild()).
		Field("dec", data.DecimalBuilder(2).MustBuild()).
		MustBuild()
	v := data.NewStruct(s).MustPut("i8", int8(-3)).MustPut("l", int64(1)<<40).MustPut("d", 2.5).MustPut("b", true).
		MustPut("bytes", []byte{0, 255}).MustPut("arr", []any{int32(1), int32(-1)}).MustPut("m", map[string]any{"k": "v"}).
		MustPut("in", data.NewStruct(inner).MustPut("f", float32(1.5))).
		MustPut("ts", time.UnixMilli(1700000000000).UTC()).MustPut("dec", data.NewBigDecimal(-500, 2))
	fc := fromConnect{cfg: defaultDataConfig()}
	at, _ := fc.schema(s)
	got, err := encoder{}.encode(nil, at, s, v)
	if err != nil {
		t.Fatal(err)
	}
	codec, err := goavro.NewCodec(schemaText(at))
	if err != nil {
		t.Fatal(err)
	}
	native, rest, err := codec.NativeFromBinary(got)
	if err != nil || len(rest) != 0 {
		t.Fatalf("goavro cannot read our bytes %x: %v (rest %d)", got, err, len(rest))
	}
	again, err := codec.BinaryFromNative(nil, native)
	if err != nil || !bytes.Equal(again, got) {
		t.Fatalf("goavro re-encodes differently:\n ours %x\n its  %x (%v)", got, again, err)
	}
	// And our decoder reads it back through the registry path: parse the
	// text, map to Connect, decode.
	pt, err := avroschema.Parse(schemaText(at))
	if err != nil {
		t.Fatal(err)
	}
	cs, err := toConnect(pt)
	if err != nil {
		t.Fatal(err)
	}
	if !data.Equal(cs, s) {
		t.Fatalf("schema round trip changed it:\n got  %+v\n want %+v", cs, s)
	}
	back, err := decode(&reader{b: got}, pt, cs)
	if err != nil {
		t.Fatal(err)
	}
	if !data.ValuesEqual(back, v) {
		t.Fatalf("value round trip: %v != %v", back, v)
	}
}

func TestRatingsWireBytes(t *testing.T) {
	s := ratingsdata.Schema()
	v := data.NewStruct(s).MustPut("rating_id", int64(1)).MustPut("user_id", int32(7)).MustPut("stars", int32(3)).
		MustPut("route_id", int32(4262)).MustPut("rating_time", int64(1)).MustPut("channel", "android").MustPut("message", "meh")
	fc := fromConnect{cfg: defaultDataConfig()}
	at, _ := fc.schema(s)
	got, err := encoder{}.encode(nil, at, s, v)
	if err != nil {
		t.Fatal(err)
	}
	// zig-zag varints: 1→02, 7→0e, 3→06, 4262→cc42, 1→02; strings length-prefixed.
	want := "020e06cc4202" + "0e" + hex.EncodeToString([]byte("android")) + "06" + hex.EncodeToString([]byte("meh"))
	if hex.EncodeToString(got) != want {
		t.Fatalf("bytes %x, want %s", got, want)
	}
}

func TestDecodeRejectsTruncatedAndBadUnion(t *testing.T) {
	s := data.StructBuilder().Name("x.Y").Field("s", data.OptionalString).MustBuild()
	fc := fromConnect{cfg: defaultDataConfig()}
	at, _ := fc.schema(s)
	good, _ := encoder{}.encode(nil, at, s, data.NewStruct(s).MustPut("s", "hello"))
	for n := 0; n < len(good); n++ {
		if _, err := decode(&reader{b: good[:n]}, at, s); err == nil {
			t.Fatalf("truncated input of %d bytes decoded", n)
		}
	}
	if _, err := decode(&reader{b: []byte{0x08}}, at, s); err == nil {
		t.Fatal("union branch 4 accepted")
	}
}

func FuzzDecode(f *testing.F) {
	s := data.StructBuilder().Name("x.Y").Field("a", data.ArrayOf(data.OptionalString).MustBuild()).
		Field("m", data.MapOf(data.Int32Schema, data.Int64Schema).MustBuild()).Field("d", data.DecimalBuilder(1).MustBuild()).MustBuild()
	fc := fromConnect{cfg: defaultDataConfig()}
	at, _ := fc.schema(s)
	seed, _ := encoder{}.encode(nil, at, s, data.NewStruct(s).MustPut("a", []any{"x", nil}).MustPut("m", map[any]any{int32(1): int64(2)}).MustPut("d", data.NewBigDecimal(5, 1)))
	f.Add(seed)
	f.Add([]byte{0x01, 0x02})
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := decode(&reader{b: b}, at, s)
		if err != nil {
			return
		}
		if _, err := (encoder{}).encode(nil, at, s, v); err != nil {
			t.Fatalf("decoded %x but cannot encode it again: %v", b, err)
		}
	})
}

func BenchmarkRatings(b *testing.B) {
	s := ratingsdata.Schema()
	v := data.NewStruct(s).MustPut("rating_id", int64(1)).MustPut("user_id", int32(7)).MustPut("stars", int32(3)).
		MustPut("route_id", int32(4262)).MustPut("rating_time", int64(1)).MustPut("channel", "android").MustPut("message", "meh")
	fc := fromConnect{cfg: defaultDataConfig()}
	at, _ := fc.schema(s)
	codec, _ := goavro.NewCodec(schemaText(at))
	native := map[string]any{"rating_id": int64(1), "user_id": int32(7), "stars": int32(3), "route_id": int32(4262),
		"rating_time": int64(1), "channel": "android", "message": "meh"}
	buf := make([]byte, 0, 64)
	b.Run("serialise/goconnect", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			buf, _ = encoder{}.encode(buf[:0], at, s, v)
		}
	})
	b.Run("serialise/goavro-native", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			buf, _ = codec.BinaryFromNative(buf[:0], native)
		}
	})
	enc, _ := encoder{}.encode(nil, at, s, v)
	b.Run("deserialise/goconnect", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = decode(&reader{b: enc}, at, s)
		}
	})
	b.Run("deserialise/goavro-native", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _, _ = codec.NativeFromBinary(enc)
		}
	})
}

// TestParameterOrderRoundTrip: connect.parameters are read in their order
// (AvroData fills Connect's LinkedHashMap from them), so an Avro schema read
// into Connect and written again has the same text.
func TestParameterOrderRoundTrip(t *testing.T) {
	for _, in := range []string{
		`{"type":"bytes","scale":2,"precision":10,"connect.version":1,"connect.parameters":{"scale":"2","connect.decimal.precision":"10"},"connect.name":"org.apache.kafka.connect.data.Decimal","logicalType":"decimal"}`,
		`{"type":"string","connect.parameters":{"z":"1","a":"2"}}`,
	} {
		pt, err := avroschema.Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		s, err := toConnect(pt)
		if err != nil {
			t.Fatal(err)
		}
		if got := text(t, s); got != in {
			t.Errorf("read and written again\n got %s\nwant %s", got, in)
		}
	}
}
