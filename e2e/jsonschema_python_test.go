//go:build e2e

package e2e

import (
	"bytes"
	"encoding/base64"
	binenc "encoding/binary"
	"encoding/json"
	"testing"
	"time"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/converters/jsonschema"
)

// jsonSchemaCorpus is every Connect type and logical type through
// JsonSchemaConverter, with the JSON each record must decode to, written
// out by hand from JsonSchemaData's rules (an independent statement of
// the mapping, not the converter's output).
func jsonSchemaCorpus() (all *data.Schema, value *data.Struct, want string) {
	nested := data.StructBuilder().Name("e2e.json.Nested").Field("x", data.Int32Schema).Field("y", data.OptionalString).MustBuild()
	optNested := data.FromSchema(nested).Optional().MustBuild()
	union := data.StructBuilder().Name("io.confluent.connect.json.OneOf").
		Field("io.confluent.connect.json.OneOf.field.0", data.OptionalString).
		Field("io.confluent.connect.json.OneOf.field.1", data.OptionalInt64).MustBuild()
	enum := data.NewBuilder(data.TypeString).Param("io.confluent.connect.json.Enum", "").
		Param("io.confluent.connect.json.Enum.RED", "RED").Param("io.confluent.connect.json.Enum.GREEN", "GREEN").MustBuild()
	all = data.StructBuilder().Name("e2e.json.AllTypes").
		Field("i8", data.Int8Schema).Field("i16", data.Int16Schema).Field("i32", data.Int32Schema).Field("i64", data.Int64Schema).
		Field("f32", data.Float32Schema).Field("f64", data.Float64Schema).Field("b", data.BooleanSchema).
		Field("s", data.StringSchema).Field("by", data.BytesSchema).
		Field("optNull", data.OptionalString).Field("optSet", data.OptionalInt64).
		Field("dec", data.DecimalBuilder(2).MustBuild()).
		Field("date", data.DateBuilder().MustBuild()).Field("time", data.TimeBuilder().MustBuild()).
		Field("ts", data.TimestampBuilder().MustBuild()).Field("optTs", data.TimestampBuilder().Optional().MustBuild()).
		Field("arr", data.ArrayOf(data.OptionalString).MustBuild()).
		Field("smap", data.MapOf(data.StringSchema, data.Int64Schema).MustBuild()).
		Field("imap", data.MapOf(data.Int32Schema, data.StringSchema).MustBuild()).
		Field("nested", nested).Field("optNested", optNested).
		Field("withDefault", data.NewBuilder(data.TypeString).Default("d").MustBuild()).
		Field("union", union).Field("enum", enum).MustBuild()
	value = data.NewStruct(all).MustPut("i8", int8(-8)).MustPut("i16", int16(1600)).MustPut("i32", int32(-320000)).
		MustPut("i64", int64(1)<<60).MustPut("f32", float32(1.5)).MustPut("f64", -2.25).MustPut("b", true).
		MustPut("s", "héllo \"q\"").MustPut("by", []byte{0, 1, 0xfe, 0xff}).MustPut("optSet", int64(7)).
		MustPut("dec", data.NewBigDecimal(-12345, 2)).
		MustPut("date", time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)).
		MustPut("time", time.Date(1970, 1, 1, 13, 14, 15, 16e6, time.UTC)).
		MustPut("ts", time.UnixMilli(1733300000123).UTC()).
		MustPut("arr", []any{"a", nil, "c"}).MustPut("smap", map[string]any{"k": int64(-1)}).
		MustPut("imap", map[any]any{int32(7): "seven"}).
		MustPut("nested", data.NewStruct(nested).MustPut("x", int32(1))).
		MustPut("union", data.NewStruct(union).MustPut("io.confluent.connect.json.OneOf.field.1", int64(42))).
		MustPut("enum", "GREEN")
	// dec: -123.45 is the two's complement CfM= in base64; date in days,
	// time in ms of the day, timestamps in ms.
	want = `{"i8":-8,"i16":1600,"i32":-320000,"i64":1152921504606846976,"f32":1.5,"f64":-2.25,"b":true,
	 "s":"héllo \"q\"","by":"AAH+/w==","optNull":null,"optSet":7,"dec":"z8c=","date":19782,"time":47655016,
	 "ts":1733300000123,"optTs":null,"arr":["a",null,"c"],"smap":{"k":-1},"imap":[{"key":7,"value":"seven"}],
	 "nested":{"x":1,"y":null},"optNested":null,"withDefault":"d","union":42,"enum":"GREEN"}`
	return all, value, want
}

// TestJSONSchemaDifferentialPython checks goconnect's JsonSchemaConverter
// against Confluent's Python client (JSONSerializer/JSONDeserializer,
// validating with the jsonschema package), through Apicurio and through
// goconnect's own registry: goconnect's records decode there to the
// expected JSON (and validate against the schema goconnect registered),
// and goconnect decodes what the Python client wrote, under the schema
// goconnect registers and under a hand-written one without connect.*
// keywords.
func TestJSONSchemaDifferentialPython(t *testing.T) {
	py := pythonClients(t)
	eachRegistry(t, func(t *testing.T, url string) { jsonSchemaDifferential(t, py, url) })
}

type jsonPyCase struct {
	Name   string `json:"name"`
	Topic  string `json:"topic"`
	Schema string `json:"schema,omitempty"`
	JSON   any    `json:"json,omitempty"`
	Bytes  string `json:"bytes,omitempty"`
}

func jsonSchemaDifferential(t *testing.T, py, url string) {
	converter := func(extra ...string) *jsonschema.Converter {
		props := map[string]string{"schema.registry.url": url}
		for i := 0; i+1 < len(extra); i += 2 {
			props[extra[i]] = extra[i+1]
		}
		c := jsonschema.New()
		if err := c.Configure(props, false); err != nil {
			t.Fatal(err)
		}
		return c
	}
	all, value, want := jsonSchemaCorpus()
	type ours struct {
		name  string
		conv  *jsonschema.Converter
		s     *data.Schema
		v     any
		wants string
	}
	numeric := converter("decimal.format", "NUMERIC")
	writes := []ours{
		{"all-types", converter(), all, value, want},
		{"decimal-numeric", numeric, data.StructBuilder().Name("e2e.json.Dec").Field("d", data.DecimalBuilder(3).MustBuild()).MustBuild(), nil, `{"d":-1.005}`},
		{"top-string", converter(), data.StringSchema, "plain", `"plain"`},
		{"top-long", converter(), data.Int64Schema, int64(-42), `-42`},
		{"top-array", converter(), data.ArrayOf(data.Int32Schema).MustBuild(), []any{int32(1), int32(2)}, `[1,2]`},
		{"top-int-map", converter(), data.MapOf(data.Int64Schema, data.OptionalString).MustBuild(), map[any]any{int64(3): nil}, `[{"key":3,"value":null}]`},
	}
	writes[1].v = data.NewStruct(writes[1].s).MustPut("d", data.NewBigDecimal(-1005, 3))

	var cases []jsonPyCase
	if url == schemaRegistryURL {
		// Apicurio refuses a JSON Schema that describes no object
		// ("Given schema is not from type: JSON"); Confluent's registry and
		// goconnect's take it.
		writes = writes[:2]
	}
	for _, w := range writes {
		topic := uniqueName(t, w.name)
		b, err := w.conv.FromConnectData(topic, nil, w.s, w.v)
		if err != nil {
			t.Fatalf("%s: %v", w.name, err)
		}
		cases = append(cases, jsonPyCase{Name: w.name, Topic: topic, Bytes: base64.StdEncoding.EncodeToString(b)})
	}
	// The Python client writes under the schema goconnect registered for
	// the corpus, and under a hand-written schema.
	allText := registrySchema(t, url, binenc.BigEndian.Uint32(mustB64(t, cases[0].Bytes)[1:5]))
	cases = append(cases, jsonPyCase{Name: "py-all-types", Topic: uniqueName(t, "py-all"), Schema: allText, JSON: exactJSON(t, want)})
	const person = `{"$schema":"http://json-schema.org/draft-07/schema#","title":"py.Person","type":"object",
	 "properties":{"name":{"type":"string"},"age":{"type":["integer","null"]},"score":{"type":"number"},"ok":{"type":"boolean"},
	  "tags":{"type":"array","items":{"type":"string"}},"home":{"$ref":"#/definitions/Addr"},"kind":{"enum":["a","b"]},
	  "u":{"oneOf":[{"type":"string"},{"type":"integer"}]}},
	 "required":["name"],"definitions":{"Addr":{"type":"object","properties":{"city":{"type":"string"}}}}}`
	personJSON := `{"name":"Ann","age":null,"score":2.5,"ok":false,"tags":["x","y"],"home":{"city":"Lyon"},"kind":"b","u":"s"}`
	cases = append(cases, jsonPyCase{Name: "py-person", Topic: uniqueName(t, "py-person"), Schema: person, JSON: exactJSON(t, personJSON)})

	results := runPyRoundtrip(t, py, "json_roundtrip.py", url, cases)
	for i, w := range writes {
		if got := results[i].Decoded; !sameJSON(got, exactJSON(t, w.wants)) {
			t.Errorf("%s: the Python client decodes goconnect's record to\n%s\nwant\n%s", w.name, jsonText(got), w.wants)
		}
	}
	// goconnect reads the Python client's records with a fresh converter.
	reader := converter()
	pyAll := mustB64(t, results[len(writes)].Bytes)
	s, v, err := reader.ToConnectData(cases[len(writes)].Topic, nil, pyAll)
	if err != nil {
		t.Fatalf("goconnect cannot decode the Python client's record: %v (%s)", err, pyAll)
	}
	if s.Name != all.Name || len(s.Fields) != len(all.Fields) {
		t.Fatalf("schema of the Python record: %+v", s)
	}
	for i, f := range all.Fields {
		if g, w := v.(*data.Struct).GetIndex(i), value.GetIndex(i); !data.ValuesEqual(g, w) && !(f.Name == "union" && unionValue(g) == unionValue(w)) {
			t.Errorf("py-all-types field %s: %#v, want %#v", f.Name, g, w)
		}
	}
	ps, pv, err := reader.ToConnectData(cases[len(writes)+1].Topic, nil, mustB64(t, results[len(writes)+1].Bytes))
	if err != nil {
		t.Fatalf("goconnect cannot decode the Python client's person: %v", err)
	}
	st := pv.(*data.Struct)
	get := func(name string) any { x, _ := st.Get(name); return x }
	home := get("home").(*data.Struct)
	city, _ := home.Get("city")
	if ps.Name != "py.Person" || get("name") != "Ann" || get("age") != nil || get("score") != 2.5 || get("ok") != false ||
		len(get("tags").([]any)) != 2 || city != "Lyon" || get("kind") != "b" || unionValue(get("u")) != "s" {
		t.Errorf("py-person decoded to %v", st)
	}
	if f, _ := ps.Field("age"); f.Schema.Type != data.TypeInt64 || !f.Schema.Optional {
		t.Errorf("age mapped to %+v", f.Schema)
	}
}

// exactJSON parses JSON keeping integers exact (beyond 2^53).
func exactJSON(t *testing.T, s string) any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader([]byte(s)))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// unionValue is the set branch of a oneOf struct.
func unionValue(v any) any {
	st, ok := v.(*data.Struct)
	if !ok {
		return v
	}
	for i := range st.Schema().Fields {
		if x := st.RawIndex(i); x != nil {
			return x
		}
	}
	return nil
}

func mustB64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
