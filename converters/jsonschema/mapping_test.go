package jsonschema

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/jsondoc"
	"github.com/goconnect/goconnect/internal/ratingsdata"
)

func defaults() mapping {
	return mapping{additionalProps: true, decimalFormat: decimalBase64, flattenSingle: true}
}

func schemaText(t *testing.T, m mapping, s *data.Schema) string {
	t.Helper()
	doc, err := m.fromConnectSchema(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(jsondoc.Append(nil, doc, false))
}

// The ratings schema as Confluent's converter prints it: type, title,
// then the properties in HashMap order, each with its connect.index and
// connect.type.
func TestRatingsSchemaText(t *testing.T) {
	want := `{"type":"object","title":"ksql.ratings","properties":{` +
		`"route_id":{"type":"integer","connect.index":3,"connect.type":"int32"},` +
		`"rating_id":{"type":"integer","connect.index":0,"connect.type":"int64"},` +
		`"user_id":{"type":"integer","connect.index":1,"connect.type":"int32"},` +
		`"rating_time":{"type":"integer","connect.index":4,"connect.type":"int64"},` +
		`"channel":{"type":"string","connect.index":5},` +
		`"stars":{"type":"integer","connect.index":2,"connect.type":"int32"},` +
		`"message":{"type":"string","connect.index":6}}}`
	got := schemaText(t, defaults(), ratingsdata.Schema())
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	closed := defaults()
	closed.additionalProps = false
	if got := schemaText(t, closed, ratingsdata.Schema()); !strings.HasSuffix(got, `}},"additionalProperties":false}`) {
		t.Fatalf("object.additional.properties=false: %s", got)
	}
}

func TestOptionalAndLogicalSchemaText(t *testing.T) {
	m := defaults()
	s := data.StructBuilder().Name("n").
		Field("o", data.NewBuilder(data.TypeString).Optional().MustBuild()).
		Field("d", data.DecimalBuilder(2).MustBuild()).
		Field("ts", data.TimestampBuilder().MustBuild()).
		Field("m", data.MapOf(data.Int32Schema, data.StringSchema).MustBuild()).MustBuild()
	got := schemaText(t, m, s)
	for _, part := range []string{
		`"o":{"connect.index":0,"oneOf":[{"type":"null"},{"type":"string"}]}`,
		`"d":{"type":"string","title":"org.apache.kafka.connect.data.Decimal","connect.version":1,"connect.index":1,"connect.type":"bytes","connect.parameters":{"scale":"2"}}`,
		`"ts":{"type":"integer","title":"org.apache.kafka.connect.data.Timestamp","connect.version":1,"connect.index":2,"connect.type":"int64"}`,
		`"m":{"type":"array","connect.index":3,"connect.type":"map","items":{"type":"object","properties":{"value":{"type":"string","connect.index":1},"key":{"type":"integer","connect.index":0,"connect.type":"int32"}}}}`,
	} {
		if !strings.Contains(got, part) {
			t.Errorf("missing %s in\n%s", part, got)
		}
	}
	m.decimalFormat = decimalNumeric
	if got := schemaText(t, m, s); !strings.Contains(got, `"d":{"type":"number"`) {
		t.Errorf("decimal.format=NUMERIC: %s", got)
	}
}

// corpus is every Connect type and logical type, required and optional,
// with a value of each.
func corpus() (*data.Schema, *data.Struct) {
	opt := func(t data.Type) *data.Schema { return data.NewBuilder(t).Optional().MustBuild() }
	inner := data.StructBuilder().Name("inner").Field("a", data.StringSchema).Field("b", opt(data.TypeInt32)).MustBuild()
	s := data.StructBuilder().Name("all.Types").Version(3).Doc("every type").
		Field("i8", data.Int8Schema).Field("i16", data.Int16Schema).Field("i32", data.Int32Schema).Field("i64", data.Int64Schema).
		Field("f32", data.Float32Schema).Field("f64", data.Float64Schema).Field("bool", data.BooleanSchema).
		Field("str", data.StringSchema).Field("bytes", data.BytesSchema).
		Field("arr", data.ArrayOf(data.StringSchema).MustBuild()).
		Field("smap", data.MapOf(data.StringSchema, data.Int64Schema).MustBuild()).
		Field("imap", data.MapOf(data.Int32Schema, data.StringSchema).MustBuild()).
		Field("inner", inner).
		Field("optinner", data.FromSchema(inner).Optional().MustBuild()).
		Field("dec", data.DecimalBuilder(3).MustBuild()).
		Field("date", data.DateBuilder().MustBuild()).
		Field("time", data.TimeBuilder().MustBuild()).
		Field("ts", data.TimestampBuilder().MustBuild()).
		Field("optstr", opt(data.TypeString)).
		Field("withdef", data.NewBuilder(data.TypeInt32).Default(int32(7)).MustBuild()).
		Field("param", data.NewBuilder(data.TypeString).Param("p", "v").MustBuild()).
		MustBuild()
	v := data.NewStruct(s).
		MustPut("i8", int8(-8)).MustPut("i16", int16(1600)).MustPut("i32", int32(-320000)).MustPut("i64", int64(math.MaxInt64)).
		MustPut("f32", float32(1.1)).MustPut("f64", 1e20).MustPut("bool", true).
		MustPut("str", "héllo \"q\"\n").MustPut("bytes", []byte{0, 1, 254, 255}).
		MustPut("arr", []any{"x", "y"}).
		MustPut("smap", map[string]any{"b": int64(2), "a": int64(1)}).
		MustPut("imap", map[any]any{int32(5): "five"}).
		MustPut("inner", data.NewStruct(inner).MustPut("a", "A")).
		MustPut("dec", data.NewBigDecimal(-12345, 3)).
		MustPut("date", time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)).
		MustPut("time", time.Date(1970, 1, 1, 13, 14, 15, 16e6, time.UTC)).
		MustPut("ts", time.UnixMilli(1700000000123).UTC()).
		MustPut("param", "p")
	return s, v
}

func TestCorpusRoundTrip(t *testing.T) {
	m := defaults()
	s, v := corpus()
	doc, err := m.fromConnectSchema(s)
	if err != nil {
		t.Fatal(err)
	}
	// Through text, as the registry hands it back.
	parsed, err := jsondoc.Parse(jsondoc.Append(nil, doc, false))
	if err != nil {
		t.Fatal(err)
	}
	back, err := m.toConnectSchema(parsed, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !data.Equal(back, s) {
		t.Fatalf("schema round trip:\n%s\n%+v", jsondoc.Append(nil, doc, false), back)
	}
	b, err := m.appendValue(nil, s, v)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"i8":-8,"i16":1600,"i32":-320000,"i64":9223372036854775807,"f32":1.1,"f64":1.0E20,"bool":true,` +
		`"str":"héllo \"q\"\n","bytes":"AAH+/w==","arr":["x","y"],"smap":{"a":1,"b":2},"imap":[{"key":5,"value":"five"}],` +
		`"inner":{"a":"A","b":null},"optinner":null,"dec":"z8c=","date":19782,"time":47655016,"ts":1700000000123,` +
		`"optstr":null,"withdef":7,"param":"p"}`
	if string(b) != want {
		t.Fatalf("value bytes\n got %s\nwant %s", b, want)
	}
	pv, err := jsondoc.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.toConnectValue(back, pv, false)
	if err != nil {
		t.Fatal(err)
	}
	gs := got.(*data.Struct)
	for i, f := range s.Fields {
		if !data.ValuesEqual(gs.GetIndex(i), v.GetIndex(i)) {
			t.Errorf("field %s: %#v != %#v", f.Name, gs.GetIndex(i), v.GetIndex(i))
		}
	}
	m.decimalFormat = decimalNumeric
	if b, _ := m.appendValue(nil, s, v); !strings.Contains(string(b), `"dec":-12.345,`) {
		t.Fatalf("decimal.format=NUMERIC: %s", b)
	}
}

// Schemas written by hand (not by a converter) map as JsonSchemaData maps
// them: no connect.type gives int64/float64, "type":[..,"null"] and
// oneOf-with-null give optional, required decides optionality under
// use.optional.for.nonrequired, $ref into definitions resolves.
func TestForeignSchemas(t *testing.T) {
	text := `{"$schema":"http://json-schema.org/draft-07/schema#","title":"Person","type":"object",
	 "properties":{"name":{"type":"string"},"age":{"type":["integer","null"]},"score":{"type":"number"},
	 "addr":{"$ref":"#/definitions/Addr"},"tags":{"type":"array","items":{"type":"string"}},
	 "kind":{"enum":["a","b"]},"u":{"oneOf":[{"type":"string"},{"type":"integer"}]}},
	 "required":["name"],
	 "definitions":{"Addr":{"type":"object","properties":{"city":{"type":"string"}}}}}`
	doc, err := jsondoc.Parse([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	m := defaults()
	m.optionalNonReq = true
	s, err := m.toConnectSchema(doc, nil, 4)
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "Person" || s.Version == nil || *s.Version != 4 {
		t.Fatalf("name/version %q %v", s.Name, s.Version)
	}
	want := map[string]string{"name": "string", "age": "int64?", "score": "float64?", "addr": "struct?", "tags": "array?", "kind": "string?", "u": "struct?"}
	for _, f := range s.Fields {
		got := f.Schema.Type.String()
		if f.Schema.Optional {
			got += "?"
		}
		if want[f.Name] != got {
			t.Errorf("field %s: %s, want %s", f.Name, got, want[f.Name])
		}
	}
	u, _ := s.Field("u")
	if u.Schema.Name != jsonOneOfName || len(u.Schema.Fields) != 2 || u.Schema.Fields[1].Name != jsonOneOfName+".field.1" {
		t.Fatalf("oneOf mapping %+v", u.Schema)
	}
	kind, _ := s.Field("kind")
	if kind.Schema.Param(jsonEnumParam+".b") != "b" {
		t.Fatalf("enum params %v", kind.Schema.Parameters)
	}
	val, _ := jsondoc.Parse([]byte(`{"name":"n","age":null,"u":3,"addr":{"city":"c"}}`))
	got, err := m.toConnectValue(s, val, false)
	if err != nil {
		t.Fatal(err)
	}
	st := got.(*data.Struct)
	uv, _ := st.Get("u")
	if x := uv.(*data.Struct).GetIndex(1); x != int64(3) {
		t.Fatalf("oneOf branch %v", x)
	}
	// A union value goes back to its branch.
	b, err := m.appendValue(nil, s, st)
	if err != nil || !strings.Contains(string(b), `"u":3`) {
		t.Fatalf("%s %v", b, err)
	}
	if _, err := m.toConnectSchema(mustParse(t, `{"type":"object","properties":{"n":{"$ref":"#"}}}`), nil, 0); err == nil || !strings.Contains(err.Error(), "recursive") {
		t.Fatalf("recursive schema: %v", err)
	}
}

func mustParse(t *testing.T, s string) any {
	t.Helper()
	v, err := jsondoc.Parse([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return v
}
