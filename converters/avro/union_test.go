package avro

import (
	"bytes"
	"strings"
	"testing"

	"github.com/linkedin/goavro/v2"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/avroschema"
)

// unionDoc has a general union, a nullable general union, an enum and a
// fixed: the Avro shapes AvroData maps to Connect structs and parameters.
const unionDoc = `{"type":"record","name":"R","namespace":"n","fields":[
 {"name":"u","type":["int","string",{"type":"record","name":"Inner","fields":[{"name":"x","type":"long"}]}]},
 {"name":"o","type":["null","long","string"],"default":null},
 {"name":"e","type":{"type":"enum","name":"Colour","symbols":["RED","GREEN"]}},
 {"name":"f","type":{"type":"fixed","name":"Id","size":2}},
 {"name":"p","type":"int","default":7}]}`

func mustAvro(t *testing.T, text string) *avroschema.Schema {
	t.Helper()
	s, err := avroschema.Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestGeneralUnionToConnectSchema(t *testing.T) {
	for _, c := range []struct {
		name   string
		cfg    func(*dataConfig)
		fields string // u's field names
		unions string // u's and o's struct names
	}{
		{"default", func(*dataConfig) {}, "int,string,Inner", unionName + "," + unionName},
		{"enhanced", func(c *dataConfig) { c.enhanced = true }, "int,string,n.Inner", unionName + "," + unionName},
		{"generalized", func(c *dataConfig) { c.generalized = true }, "connect_union_field_0,connect_union_field_1,connect_union_field_2", "connect_union_0,connect_union_1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := defaultDataConfig()
			c.cfg(&cfg)
			s, err := newToConnector(cfg).schema(mustAvro(t, unionDoc), false, nil)
			if err != nil {
				t.Fatal(err)
			}
			u, o := s.Fields[0].Schema, s.Fields[1].Schema
			var names []string
			for _, f := range u.Fields {
				names = append(names, f.Name)
				if !f.Schema.Optional {
					t.Errorf("union member %s is not optional", f.Name)
				}
			}
			if strings.Join(names, ",") != c.fields {
				t.Errorf("union fields %v, want %s", names, c.fields)
			}
			if got := u.Name + "," + o.Name; got != c.unions {
				t.Errorf("union names %s, want %s", got, c.unions)
			}
			if u.Optional || !o.Optional {
				t.Errorf("optional: u %v o %v", u.Optional, o.Optional)
			}
			// A null branch in a general union is the struct's optionality;
			// its field default gets AvroData's flag.
			if o.Param(fieldDefaultFlag) != "true" || len(o.Fields) != 2 {
				t.Errorf("o: %+v", o)
			}
			if c.name == "generalized" && (u.Param(generalUnionParam) != "connect_union_0" || o.Fields[0].Name != "connect_union_field_1") {
				t.Errorf("generalized: param %q, o's first field %s", u.Param(generalUnionParam), o.Fields[0].Name)
			}
			e := s.Fields[2].Schema
			wantEnum := enumParam
			if cfg.generalized {
				wantEnum = generalEnumParam
			}
			if e.Type != data.TypeString || e.Name != "n.Colour" || e.Param(wantEnum) != "n.Colour" || e.Param(wantEnum+".GREEN") == "" {
				t.Errorf("enum: %+v", e)
			}
			f := s.Fields[3].Schema
			if f.Type != data.TypeBytes || f.Name != "n.Id" || f.Param(fixedSizeParam) != "2" {
				t.Errorf("fixed: %+v", f)
			}
			p := s.Fields[4].Schema
			if p.Default != int32(7) || p.Param(fieldDefaultFlag) != "true" {
				t.Errorf("plain field default: %v %v", p.Default, p.Parameters)
			}
		})
	}
}

// TestGeneralUnionBytes: goavro writes records of unionDoc, goconnect
// decodes them to Connect and writes them back (enhanced support keeps the
// enum and the schema) to the same bytes.
func TestGeneralUnionBytes(t *testing.T) {
	codec, err := goavro.NewCodec(unionDoc)
	if err != nil {
		t.Fatal(err)
	}
	records := []map[string]any{
		{"u": goavro.Union("int", 5), "o": nil, "e": "GREEN", "f": []byte{1, 2}, "p": 1},
		{"u": goavro.Union("string", "hi"), "o": goavro.Union("long", 9), "e": "RED", "f": []byte{0, 0}, "p": 2},
		{"u": goavro.Union("n.Inner", map[string]any{"x": int64(-3)}), "o": goavro.Union("string", "s"), "e": "RED", "f": []byte{255, 0}, "p": 3},
	}
	cfg := defaultDataConfig()
	cfg.enhanced = true
	at := mustAvro(t, unionDoc)
	cs, err := newToConnector(cfg).schema(at, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	fc := fromConnect{cfg: cfg}
	back, err := fc.schema(cs)
	if err != nil {
		t.Fatal(err)
	}
	backText := schemaText(back)
	if _, err := goavro.NewCodec(backText); err != nil {
		t.Fatalf("goavro refuses the schema written back %s: %v", backText, err)
	}
	for i, rec := range records {
		want, err := codec.BinaryFromNative(nil, rec)
		if err != nil {
			t.Fatal(err)
		}
		v, err := decode(&reader{b: want}, at, cs)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		st := v.(*data.Struct)
		get := func(st *data.Struct, name string) any {
			x, err := st.Get(name)
			if err != nil {
				t.Fatal(err)
			}
			return x
		}
		u := get(st, "u").(*data.Struct)
		switch i {
		case 0:
			if get(u, "int") != int32(5) || get(u, "string") != nil || get(st, "o") != nil {
				t.Errorf("record 0: %v", st)
			}
		case 2:
			if in := get(u, "n.Inner").(*data.Struct); get(in, "x") != int64(-3) {
				t.Errorf("record 2 inner: %v", in)
			}
			if o := get(st, "o").(*data.Struct); get(o, "string") != "s" {
				t.Errorf("record 2 o: %v", o)
			}
		}
		got, err := encoder{}.encode(nil, back, cs, v)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("record %d: wrote %x, goavro %x", i, got, want)
		}
	}
}

func TestConnectUnionToAvroText(t *testing.T) {
	inner := data.StructBuilder().Name("n.Inner").Field("x", data.Int64Schema).MustBuild()
	u := data.StructBuilder().Name(unionName).
		Field("int", data.OptionalInt32).Field("string", data.OptionalString).
		Field("Inner", data.FromSchema(inner).Optional().MustBuild()).MustBuild()
	rec := data.StructBuilder().Name("n.R").Field("u", u).
		Field("o", data.FromSchema(u).Optional().MustBuild()).MustBuild()
	want := `{"type":"record","name":"R","namespace":"n","fields":[` +
		`{"name":"u","type":["int","string",{"type":"record","name":"Inner","fields":[{"name":"x","type":"long"}],"connect.name":"n.Inner"}]},` +
		`{"name":"o","type":["null","int","string","Inner"],"default":null}],"connect.name":"n.R"}`
	if got := text(t, rec); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	// The value picks the first member holding a value; none is null.
	fc := fromConnect{cfg: defaultDataConfig()}
	at, _ := fc.schema(rec)
	v := data.NewStruct(rec).MustPut("u", data.NewStruct(u).MustPut("string", "a"))
	got, err := encoder{}.encode(nil, at, rec, v)
	if err != nil {
		t.Fatal(err)
	}
	if want := []byte{2, 2, 'a', 0}; !bytes.Equal(got, want) {
		t.Fatalf("bytes %x, want %x", got, want)
	}
	if _, err := (encoder{}).encode(nil, at, rec, data.NewStruct(rec).MustPut("u", data.NewStruct(u))); err == nil {
		t.Fatal("an empty required union was written")
	}
}

func TestEnhancedEnumAndFixedText(t *testing.T) {
	e := data.NewBuilder(data.TypeString).Name("n.Colour").Param(enumParam, "n.Colour").
		Param(enumParam+".RED", "RED").Param(enumParam+".GREEN", "GREEN").MustBuild()
	f := data.NewBuilder(data.TypeBytes).Name("n.Id").Param(fixedSizeParam, "2").MustBuild()
	rec := data.StructBuilder().Name("n.R").Field("e", e).Field("f", f).MustBuild()
	plain := `{"type":"record","name":"R","namespace":"n","fields":[` +
		`{"name":"e","type":{"type":"string","connect.parameters":{"io.confluent.connect.avro.Enum":"n.Colour","io.confluent.connect.avro.Enum.RED":"RED","io.confluent.connect.avro.Enum.GREEN":"GREEN"},"connect.name":"n.Colour"}},` +
		`{"name":"f","type":{"type":"fixed","name":"Id","size":2,"connect.parameters":{"connect.fixed.size":"2"},"connect.name":"n.Id"}}],"connect.name":"n.R"}`
	if got := text(t, rec); got != plain {
		t.Errorf("without enhanced support:\ngot  %s\nwant %s", got, plain)
	}
	cfg := defaultDataConfig()
	cfg.enhanced = true
	fc := fromConnect{cfg: cfg}
	at, err := fc.schema(rec)
	if err != nil {
		t.Fatal(err)
	}
	enhanced := schemaText(at)
	if !strings.Contains(enhanced, `{"name":"e","type":{"type":"enum","name":"Colour","symbols":["RED","GREEN"],"connect.parameters":`) {
		t.Errorf("enhanced: %s", enhanced)
	}
	got, err := encoder{}.encode(nil, at, rec, data.NewStruct(rec).MustPut("e", "GREEN").MustPut("f", []byte{1, 2}))
	if err != nil || !bytes.Equal(got, []byte{2, 1, 2}) {
		t.Errorf("bytes %x %v", got, err)
	}
	if _, err := (encoder{}).encode(nil, at, rec, data.NewStruct(rec).MustPut("e", "BLUE").MustPut("f", []byte{1, 2})); err == nil {
		t.Error("a value outside the enum's symbols was written")
	}
	if _, err := (encoder{}).encode(nil, at, rec, data.NewStruct(rec).MustPut("e", "RED").MustPut("f", []byte{1})); err == nil {
		t.Error("a fixed of the wrong size was written")
	}
}

func TestScrubAndOptionalMapKeys(t *testing.T) {
	s := data.StructBuilder().Name("my-ns.a b").Field("x-y", data.Int32Schema).Field("1st", data.Int32Schema).
		Field("m", data.MapOf(data.OptionalString, data.Int32Schema).MustBuild()).MustBuild()
	cfg := defaultDataConfig()
	cfg.scrub, cfg.optionalMapKeys, cfg.metaData = true, true, false
	fc := fromConnect{cfg: cfg}
	at, err := fc.schema(s)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"record","name":"a_b","namespace":"my_ns","fields":[{"name":"x_y","type":"int"},{"name":"x1st","type":"int"},{"name":"m","type":{"type":"map","values":"int"}}]}`
	if got := schemaText(at); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	for in, out := range map[string]string{"ok_1": "ok_1", "a*b": "a_b", "é": "_C3_A9", "9": "x9", "a~b": "a_7Eb"} {
		if got := scrubName(in); got != out {
			t.Errorf("scrubName(%q) = %q, want %q", in, got, out)
		}
	}
}

func TestIgnoreDefaultForNullables(t *testing.T) {
	s := data.StructBuilder().Name("n.R").Field("o", data.NewBuilder(data.TypeString).Optional().Default("d").MustBuild()).MustBuild()
	fc := fromConnect{cfg: defaultDataConfig()}
	at, _ := fc.schema(s)
	v := data.NewStruct(s)
	withDefault, _ := encoder{}.encode(nil, at, s, v)
	withoutDefault, _ := encoder{ignoreNullDef: true}.encode(nil, at, s, v)
	if !bytes.Equal(withDefault, []byte{0, 2, 'd'}) || !bytes.Equal(withoutDefault, []byte{2}) {
		t.Fatalf("default %x, ignored %x", withDefault, withoutDefault)
	}
}

// A union value lands in the field AvroData's class matching picks: a
// fixed in an earlier plain bytes field, bytes in an earlier fixed field
// of their length.
func TestUnionMemberByValueClass(t *testing.T) {
	at := mustAvro(t, `["bytes",{"type":"fixed","name":"F","size":2}]`)
	cs, err := toConnect(at)
	if err != nil {
		t.Fatal(err)
	}
	v, err := decode(&reader{b: []byte{2, 7, 8}}, at, cs) // the fixed branch
	if err != nil {
		t.Fatal(err)
	}
	if st := v.(*data.Struct); st.RawIndex(0) == nil || st.RawIndex(1) != nil {
		t.Errorf("fixed value in %v, want the bytes field", st)
	}
	at = mustAvro(t, `[{"type":"fixed","name":"F","size":2},"bytes"]`)
	cs, _ = toConnect(at)
	for in, field := range map[string]int{"\x02\x04\x07\x08": 0, "\x02\x02\x07": 1} {
		v, err := decode(&reader{b: []byte(in)}, at, cs)
		if err != nil {
			t.Fatal(err)
		}
		if st := v.(*data.Struct); st.RawIndex(field) == nil {
			t.Errorf("bytes %x: field %d empty in %v", in, field, st)
		}
	}
}

// An equal struct used twice is one Avro record (AvroData's schema cache):
// an unnamed one keeps its ConnectDefault name and is written by name.
func TestEqualStructsShareOneRecord(t *testing.T) {
	inner := data.StructBuilder().Field("x", data.Int32Schema).MustBuild()
	s := data.StructBuilder().Field("a", inner).Field("b", data.StructBuilder().Field("x", data.Int32Schema).MustBuild()).
		Field("c", data.FromSchema(inner).Optional().MustBuild()).MustBuild()
	want := `{"type":"record","name":"ConnectDefault","namespace":"io.confluent.connect.avro","fields":[` +
		`{"name":"a","type":{"type":"record","name":"ConnectDefault2","fields":[{"name":"x","type":"int"}]}},` +
		`{"name":"b","type":"ConnectDefault2"},{"name":"c","type":["null","ConnectDefault2"],"default":null}]}`
	if got := text(t, s); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}
