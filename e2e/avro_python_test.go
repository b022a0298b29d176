//go:build e2e

package e2e

import (
	"bytes"
	"encoding/base64"
	binenc "encoding/binary"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/converters/avro"
	"github.com/goconnect/goconnect/internal/avroschema"
)

// pythonClients is the venv scripts/pyclients.sh installs Confluent's
// Python client into; a missing one fails the test.
func pythonClients(t *testing.T) string {
	t.Helper()
	venv := envOr("GOCONNECT_PYVENV", filepath.Join(envOr("GOCONNECT_CACHE", filepath.Join(os.Getenv("HOME"), ".cache", "goconnect")), "pyvenv"))
	py := filepath.Join(venv, "bin", "python")
	if _, err := os.Stat(py); err != nil {
		t.Fatalf("Confluent's Python client is not installed (%v); run scripts/pyclients.sh", err)
	}
	return py
}

// avroCase is one record of the differential corpus: written by goconnect
// (schema and value set) or by the Python client (pySchema and pyJSON set).
type avroCase struct {
	name     string
	enhanced bool
	schema   *data.Schema
	value    any
	pySchema string
	pyJSON   string
	// pyRefs are schemas the Python client registers first and pySchema
	// names (Confluent's references).
	pyRefs []pyRef
	// latest, with schema and value: registered first, then goconnect
	// writes with use.latest.version; pyJSON is the value expected.
	latest string
}

type pyRef struct {
	Name    string `json:"name"`
	Subject string `json:"subject"`
	Schema  string `json:"schema"`
}

func avroCorpus() []avroCase {
	nested := data.StructBuilder().Name("e2e.avro.Nested").Field("x", data.Int32Schema).Field("y", data.OptionalString).MustBuild()
	optNested := data.FromSchema(nested).Optional().MustBuild()
	union := data.StructBuilder().Name("io.confluent.connect.avro.Union").
		Field("int", data.OptionalInt32).Field("string", data.OptionalString).Field("Nested", optNested).MustBuild()
	optUnion := data.FromSchema(union).Optional().MustBuild()
	enum := data.NewBuilder(data.TypeString).Name("e2e.avro.Colour").Param("io.confluent.connect.avro.Enum", "e2e.avro.Colour").
		Param("io.confluent.connect.avro.Enum.RED", "RED").Param("io.confluent.connect.avro.Enum.GREEN", "GREEN").MustBuild()
	fixed := data.NewBuilder(data.TypeBytes).Name("e2e.avro.Id").Param("connect.fixed.size", "4").MustBuild()
	all := data.StructBuilder().Name("e2e.avro.AllTypes").
		Field("i8", data.Int8Schema).Field("i16", data.Int16Schema).Field("i32", data.Int32Schema).Field("i64", data.Int64Schema).
		Field("f32", data.Float32Schema).Field("f64", data.Float64Schema).Field("b", data.BooleanSchema).
		Field("s", data.StringSchema).Field("by", data.BytesSchema).
		Field("optNull", data.OptionalString).Field("optSet", data.OptionalInt64).
		Field("dec", data.DecimalBuilder(2).MustBuild()).
		Field("decp", data.DecimalBuilder(3).Param("connect.decimal.precision", "10").MustBuild()).
		Field("date", data.DateBuilder().MustBuild()).Field("time", data.TimeBuilder().MustBuild()).
		Field("ts", data.TimestampBuilder().MustBuild()).Field("optTs", data.TimestampBuilder().Optional().MustBuild()).
		Field("arr", data.ArrayOf(data.OptionalString).MustBuild()).
		Field("smap", data.MapOf(data.StringSchema, data.Int64Schema).MustBuild()).
		Field("imap", data.MapOf(data.Int32Schema, data.StringSchema).MustBuild()).
		Field("nested", nested).Field("optNested", optNested).
		Field("withDefault", data.NewBuilder(data.TypeString).Default("d").MustBuild()).
		Field("union", union).Field("optUnion", optUnion).
		Field("enum", enum).Field("fixed", fixed).MustBuild()
	value := func(i int) *data.Struct {
		v := data.NewStruct(all).MustPut("i8", int8(-8)).MustPut("i16", int16(1600)).MustPut("i32", int32(-320000)).
			MustPut("i64", int64(1)<<60).MustPut("f32", float32(1.5)).MustPut("f64", -2.25).MustPut("b", true).
			MustPut("s", "héllo").MustPut("by", []byte{0, 1, 0xfe, 0xff}).MustPut("optSet", int64(i)).
			MustPut("dec", data.NewBigDecimal(-12345, 2)).MustPut("decp", data.NewBigDecimal(987654321, 3)).
			MustPut("date", time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)).
			MustPut("time", time.Date(1970, 1, 1, 13, 14, 15, 16e6, time.UTC)).
			MustPut("ts", time.UnixMilli(1733300000123).UTC()).
			MustPut("arr", []any{"a", nil, "c"}).MustPut("smap", map[string]any{"k": int64(-1)}).
			MustPut("imap", map[any]any{int32(7): "seven"}).
			MustPut("nested", data.NewStruct(nested).MustPut("x", int32(1))).
			MustPut("enum", "GREEN").MustPut("fixed", []byte{1, 2, 3, 4})
		switch i {
		case 0:
			v.MustPut("union", data.NewStruct(union).MustPut("string", "u"))
		case 1:
			v.MustPut("union", data.NewStruct(union).MustPut("Nested", data.NewStruct(optNested).MustPut("x", int32(2)).MustPut("y", "y"))).
				MustPut("optUnion", data.NewStruct(optUnion).MustPut("int", int32(-5))).
				MustPut("optTs", time.UnixMilli(-1).UTC()).MustPut("optNested", data.NewStruct(optNested).MustPut("x", int32(3))).
				MustPut("withDefault", "set")
		}
		return v
	}
	pySchema := `{"type":"record","name":"Order","namespace":"py","fields":[
		{"name":"id","type":"long"},
		{"name":"u","type":["null","int","string",{"type":"record","name":"Line","fields":[{"name":"sku","type":"string"},{"name":"qty","type":"int"}]}],"default":null},
		{"name":"two","type":["string","long"]},
		{"name":"e","type":{"type":"enum","name":"Status","symbols":["NEW","DONE"]}},
		{"name":"f","type":{"type":"fixed","name":"Hash","size":4}},
		{"name":"m","type":{"type":"map","values":["null","double"]}},
		{"name":"lines","type":{"type":"array","items":"Line"}},
		{"name":"amount","type":{"type":"bytes","logicalType":"decimal","precision":9,"scale":2}},
		{"name":"day","type":{"type":"int","logicalType":"date"}},
		{"name":"at","type":{"type":"long","logicalType":"timestamp-millis"}},
		{"name":"opt","type":["null","string"],"default":null}]}`
	return []avroCase{
		{name: "all-types-0", schema: all, value: value(0)},
		{name: "all-types-1", schema: all, value: value(1)},
		{name: "all-types-enhanced", enhanced: true, schema: all, value: value(1)},
		{name: "top-string", schema: data.StringSchema, value: "plain"},
		{name: "top-long", schema: data.Int64Schema, value: int64(-42)},
		{name: "top-array", schema: data.ArrayOf(data.Int32Schema).MustBuild(), value: []any{int32(1), int32(2)}},
		{name: "top-int-map", schema: data.MapOf(data.Int64Schema, data.OptionalString).MustBuild(), value: map[any]any{int64(3): nil}},
		{name: "py-union-null", pySchema: pySchema, pyJSON: `{"id":1,"u":null,"two":{"string":"a"},"e":"NEW","f":"\u0000\u0001\u0002\u00ff","m":{"k":null},"lines":[],"amount":"\u0000\u00ff","day":19000,"at":1700000000000,"opt":null}`},
		{name: "py-union-int", pySchema: pySchema, pyJSON: `{"id":2,"u":{"int":3},"two":{"long":9},"e":"DONE","f":"abcd","m":{"k":{"double":1.5}},"lines":[{"sku":"s","qty":1}],"amount":"\u0001","day":-1,"at":-5,"opt":{"string":"o"}}`},
		{name: "py-union-string", pySchema: pySchema, pyJSON: `{"id":3,"u":{"string":"x"},"two":{"string":""},"e":"NEW","f":"abcd","m":{},"lines":[],"amount":"\u0000","day":0,"at":0,"opt":null}`},
		{name: "py-references", pySchema: `{"type":"record","name":"Customer","namespace":"py","fields":[{"name":"home","type":"py.Address"},{"name":"st","type":["null","py.Status"]}]}`,
			// The enum is defined inside the referenced record (Apicurio
			// cannot tell a lone enum's type from its content).
			pyRefs: []pyRef{{Name: "py.Address", Subject: "address", Schema: `{"type":"record","name":"Address","namespace":"py","fields":[{"name":"street","type":"string"},{"name":"s","type":{"type":"enum","name":"Status","symbols":["NEW","DONE"]}}]}`}},
			pyJSON: `{"home":{"street":"elm","s":"DONE"},"st":{"py.Status":"NEW"}}`},
		{name: "latest-version", latest: `{"type":"record","name":"L","namespace":"e2e","fields":[{"name":"n","type":["null","long"],"default":null},{"name":"s","type":"string"}]}`,
			schema: data.StructBuilder().Name("e2e.L").Field("n", data.Int64Schema).Field("s", data.StringSchema).MustBuild(),
			pyJSON: `{"n":{"long":7},"s":"x"}`},
		{name: "py-union-record", pySchema: pySchema, pyJSON: `{"id":4,"u":{"py.Line":{"sku":"z","qty":-2}},"two":{"long":-9},"e":"DONE","f":"wxyz","m":{},"lines":[{"sku":"a","qty":0},{"sku":"b","qty":5}],"amount":"\u0080","day":1,"at":1,"opt":null}`},
	}
}

// TestAvroDifferentialPython checks goconnect's AvroConverter against
// Confluent's Python client (AvroSerializer/AvroDeserializer on fastavro),
// through Apicurio and through goconnect's own registry alike: records
// goconnect writes decode there to the same value, the Python client
// writes the same bytes for the same value, and goconnect decodes what the
// Python client wrote, including Avro shapes goconnect never writes
// (general unions with a null branch, enums, fixed, decimal logical types,
// a schema using types of other subjects through references), and
// use.latest.version writes what the Python client reads and writes.
func TestAvroDifferentialPython(t *testing.T) {
	py := pythonClients(t)
	eachRegistry(t, func(t *testing.T, url string) { avroDifferential(t, py, url) })
}

func avroDifferential(t *testing.T, py, url string) {
	type pyCase struct {
		Name   string  `json:"name"`
		Topic  string  `json:"topic"`
		Schema string  `json:"schema"`
		JSON   any     `json:"json"`
		Bytes  string  `json:"bytes,omitempty"`
		Refs   []pyRef `json:"references,omitempty"`
	}
	corpus := avroCorpus()
	converter := func(enhanced bool) *avro.Converter {
		c := avro.New()
		if err := c.Configure(map[string]string{"schema.registry.url": url, "enhanced.avro.schema.support": strconv.FormatBool(enhanced)}, false); err != nil {
			t.Fatal(err)
		}
		return c
	}
	var cases []pyCase
	ours := map[string][]byte{}
	for _, c := range corpus {
		topic := uniqueName(t, c.name)
		if c.schema == nil {
			var refs []pyRef
			for _, r := range c.pyRefs {
				r.Subject = topic + "-" + r.Subject
				refs = append(refs, r)
			}
			cases = append(cases, pyCase{Name: c.name, Topic: topic, Schema: c.pySchema, JSON: mustJSON(t, c.pyJSON), Refs: refs})
			continue
		}
		if c.latest != "" {
			registerSchema(t, url, topic+"-value", c.latest)
			conv := avro.New()
			if err := conv.Configure(map[string]string{"schema.registry.url": url, "auto.register.schemas": "false", "use.latest.version": "true"}, false); err != nil {
				t.Fatal(err)
			}
			v := data.NewStruct(c.schema).MustPut("n", int64(7)).MustPut("s", "x")
			b, err := conv.FromConnectData(topic, nil, c.schema, v)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			ours[c.name] = b
			cases = append(cases, pyCase{Name: c.name, Topic: topic, Schema: registrySchema(t, url, binenc.BigEndian.Uint32(b[1:5])),
				JSON: mustJSON(t, c.pyJSON), Bytes: base64.StdEncoding.EncodeToString(b)})
			continue
		}
		b, err := converter(c.enhanced).FromConnectData(topic, nil, c.schema, c.value)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		text := registrySchema(t, url, binenc.BigEndian.Uint32(b[1:5]))
		at, err := avroschema.Parse(text)
		if err != nil {
			t.Fatal(err)
		}
		j, err := avroJSON(at, c.schema, c.value)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		ours[c.name] = b
		cases = append(cases, pyCase{Name: c.name, Topic: topic, Schema: text, JSON: j, Bytes: base64.StdEncoding.EncodeToString(b)})
	}
	results := runPyRoundtrip(t, py, "avro_roundtrip.py", url, cases)
	for i, r := range results {
		c := cases[i]
		theirs, _ := base64.StdEncoding.DecodeString(r.Bytes)
		if b, ok := ours[c.Name]; ok {
			if !sameJSON(r.Decoded, c.JSON) {
				t.Errorf("%s: the Python client decodes goconnect's record to\n%s\nwant\n%s", c.Name, jsonText(r.Decoded), jsonText(c.JSON))
			}
			// The whole record for records; for a top-level primitive only
			// the Avro payload: the Python client registers "string" as
			// {"type":"string"}, another schema id (Java's writes "string").
			mine, its := b, theirs
			if _, isRecord := c.JSON.(map[string]any); !isRecord && len(its) >= 5 {
				mine, its = b[5:], theirs[5:]
			}
			if !bytes.Equal(mine, its) {
				t.Errorf("%s: bytes differ\ngoconnect %x\npython    %x", c.Name, b, theirs)
			}
		}
		// goconnect decodes the Python client's record (a fresh converter:
		// the schema comes from the registry by id).
		s, v, err := converter(false).ToConnectData(c.Topic, nil, theirs)
		if err != nil {
			t.Errorf("%s: goconnect cannot decode the Python client's record: %v", c.Name, err)
			continue
		}
		var refTexts []string
		for _, r := range c.Refs {
			refTexts = append(refTexts, r.Schema)
		}
		at, err := avroschema.ParseWithReferences(registrySchema(t, url, binenc.BigEndian.Uint32(theirs[1:5])), refTexts)
		if err != nil {
			t.Fatal(err)
		}
		got, err := avroJSON(at, s, v)
		if err != nil {
			t.Errorf("%s: %v", c.Name, err)
			continue
		}
		if !sameJSON(got, c.JSON) {
			t.Errorf("%s: goconnect decodes the Python client's record to\n%s\nwant\n%s", c.Name, jsonText(got), jsonText(c.JSON))
		}
	}
}

func mustJSON(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func registerSchema(t *testing.T, url, subject, schema string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"schema": schema})
	resp, err := http.Post(url+"/subjects/"+subject+"/versions", "application/vnd.schemaregistry.v1+json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("registering %s: HTTP %d", subject, resp.StatusCode)
	}
}

func registrySchema(t *testing.T, url string, id uint32) string {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("%s/schemas/ids/%d", url, id))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Schema string `json:"schema"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Schema == "" {
		t.Fatalf("schema id %d: %v", id, err)
	}
	return body.Schema
}

// sameJSON compares two JSON values, numbers by value (Python writes 3.0
// where Go writes 3).
func sameJSON(a, b any) bool {
	return reflect.DeepEqual(normJSON(a), normJSON(b))
}

func normJSON(v any) any {
	b, _ := json.Marshal(v)
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var out any
	_ = d.Decode(&out)
	return normNumbers(out)
}

func normNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, ok := new(big.Int).SetString(x.String(), 10); ok {
			return i.String()
		}
		f, _ := new(big.Float).SetString(x.String())
		if f != nil && f.IsInt() {
			i, _ := f.Int(nil)
			return i.String()
		}
		return x.String()
	case []any:
		for i := range x {
			x[i] = normNumbers(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = normNumbers(x[k])
		}
	}
	return v
}

// avroJSON renders a Connect value in Avro's JSON encoding for the Avro
// schema it was written with: an independent statement of what the bytes
// hold, for comparison with the Python client's view.
func avroJSON(t *avroschema.Schema, s *data.Schema, v any) (any, error) {
	switch t.Kind {
	case avroschema.Null:
		return nil, nil
	case avroschema.Union:
		if v == nil {
			return nil, nil
		}
		var nonNull []*avroschema.Schema
		for _, b := range t.Branches {
			if b.Kind != avroschema.Null {
				nonNull = append(nonNull, b)
			}
		}
		if s.Type == data.TypeStruct && (s.Name == "io.confluent.connect.avro.Union" || strings.HasPrefix(s.Name, "connect_union_")) {
			st := v.(*data.Struct)
			for i, f := range s.Fields {
				if fv := st.RawIndex(i); fv != nil {
					inner, err := avroJSON(nonNull[i], f.Schema, fv)
					return map[string]any{branchName(nonNull[i]): inner}, err
				}
			}
			return nil, nil
		}
		if len(nonNull) != 1 {
			return nil, fmt.Errorf("union %v for Connect %s", t.Branches, s.Type.JavaName())
		}
		inner, err := avroJSON(nonNull[0], s, v)
		return map[string]any{branchName(nonNull[0]): inner}, err
	case avroschema.Boolean, avroschema.String, avroschema.Enum, avroschema.Double:
		return v, nil
	case avroschema.Float:
		return float64(v.(float32)), nil
	case avroschema.Int, avroschema.Long:
		switch x := v.(type) {
		case time.Time:
			switch t.Logical {
			case "date":
				return x.Unix() / 86400, nil
			case "time-millis":
				return x.UnixMilli(), nil
			}
			return x.UnixMilli(), nil
		case int8:
			return int64(x), nil
		case int16:
			return int64(x), nil
		case int32:
			return int64(x), nil
		case int64:
			return x, nil
		}
		return nil, fmt.Errorf("%T for Avro %s", v, t.Kind)
	case avroschema.Bytes, avroschema.Fixed:
		raw, ok := v.([]byte)
		if d, isDec := v.(*data.BigDecimal); isDec {
			raw, ok = data.TwosComplement(d.Unscaled), true
			for t.Kind == avroschema.Fixed && len(raw) < t.Size {
				pad := byte(0)
				if len(raw) > 0 && raw[0]&0x80 != 0 {
					pad = 0xff
				}
				raw = append([]byte{pad}, raw...)
			}
		}
		if !ok {
			return nil, fmt.Errorf("%T for Avro %s", v, t.Kind)
		}
		r := make([]byte, 0, 2*len(raw))
		for _, c := range raw {
			r = utf8.AppendRune(r, rune(c))
		}
		return string(r), nil
	case avroschema.Record:
		st := v.(*data.Struct)
		out := map[string]any{}
		for i, f := range t.Fields {
			fv, err := avroJSON(f.Type, s.Fields[i].Schema, st.GetIndex(i))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", f.Name, err)
			}
			out[f.Name] = fv
		}
		return out, nil
	case avroschema.Array:
		if s.Type == data.TypeMap {
			out := []any{}
			for k, e := range v.(map[any]any) {
				kj, err := avroJSON(t.Items.Fields[0].Type, s.Key, k)
				if err != nil {
					return nil, err
				}
				ej, err := avroJSON(t.Items.Fields[1].Type, s.Value, e)
				if err != nil {
					return nil, err
				}
				out = append(out, map[string]any{"key": kj, "value": ej})
			}
			return out, nil
		}
		out := []any{}
		for _, e := range v.([]any) {
			ej, err := avroJSON(t.Items, s.Value, e)
			if err != nil {
				return nil, err
			}
			out = append(out, ej)
		}
		return out, nil
	case avroschema.Map:
		out := map[string]any{}
		for k, e := range v.(map[string]any) {
			ej, err := avroJSON(t.Values, s.Value, e)
			if err != nil {
				return nil, err
			}
			out[k] = ej
		}
		return out, nil
	}
	return nil, fmt.Errorf("Avro %s", t.Kind)
}

func branchName(t *avroschema.Schema) string {
	if t.Kind.Named() {
		return t.FullName()
	}
	return t.Kind.String()
}
