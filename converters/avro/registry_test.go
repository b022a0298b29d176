package avro

import (
	"encoding/binary"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/ratingsdata"
	"github.com/goconnect/goconnect/internal/testkit"
	"github.com/goconnect/goconnect/schemaregistry"
	"github.com/goconnect/goconnect/schemaregistry/srtest"
)

func newConverter(t *testing.T, url string, isKey bool, extra map[string]string) *Converter {
	t.Helper()
	return testkit.RegistryConverter(t, New(), url, isKey, extra)
}

func TestConverterThroughRegistry(t *testing.T) {
	srv := srtest.New(t)

	s := ratingsdata.Schema()
	v := data.NewStruct(s).MustPut("rating_id", int64(9)).MustPut("user_id", int32(-1)).MustPut("stars", int32(4)).
		MustPut("route_id", int32(12)).MustPut("rating_time", int64(97)).MustPut("channel", "web").MustPut("message", "meh")
	w := newConverter(t, srv.URL, false, nil)
	b, err := w.FromConnectData("ratings", nil, s, v)
	if err != nil {
		t.Fatal(err)
	}
	if b[0] != 0 || binary.BigEndian.Uint32(b[1:5]) != 1 {
		t.Fatalf("wire header %x", b[:5])
	}
	if vs, err := srv.Versions("ratings-value"); err != nil || len(vs) != 1 {
		t.Fatalf("subject ratings-value: %v %v", vs, err)
	}
	// A fresh converter (another worker) decodes by id from the registry.
	r := newConverter(t, srv.URL, false, nil)
	rs, rv, err := r.ToConnectData("ratings", nil, b)
	if err != nil {
		t.Fatal(err)
	}
	// Without connect.version the version comes from the registry (1).
	if rs.Version == nil || *rs.Version != 1 {
		t.Fatalf("version from the registry: %v", rs.Version)
	}
	versioned := data.FromSchema(s).Version(1).MustBuild()
	if !data.Equal(rs, versioned) {
		t.Fatalf("schema round trip: %+v", rs)
	}
	got := rv.(*data.Struct)
	for i := range s.Fields {
		if !data.ValuesEqual(got.RawIndex(i), v.RawIndex(i)) {
			t.Fatalf("field %d: %v != %v", i, got.RawIndex(i), v.RawIndex(i))
		}
	}
	// Keys use <topic>-key; RecordNameStrategy uses the record name.
	k := newConverter(t, srv.URL, true, nil)
	if _, err := k.FromConnectData("ratings", nil, data.Int64Schema, int64(9)); err != nil {
		t.Fatal(err)
	}
	rn := newConverter(t, srv.URL, false, map[string]string{"value.subject.name.strategy": "io.confluent.kafka.serializers.subject.RecordNameStrategy"})
	if _, err := rn.FromConnectData("ratings", nil, s, v); err != nil {
		t.Fatal(err)
	}
	subjects := strings.Join(srv.Subjects(), ",")
	if subjects != "ksql.ratings,ratings-key,ratings-value" {
		t.Fatalf("subjects %s", subjects)
	}
	// An incompatible change fails with the registry's message.
	bad := data.StructBuilder().Name("ksql.ratings").Field("rating_id", data.StringSchema).Field("extra", data.StringSchema).MustBuild()
	_, err = w.FromConnectData("ratings", nil, bad, data.NewStruct(bad).MustPut("rating_id", "x").MustPut("extra", "y"))
	if err == nil || !strings.Contains(err.Error(), "incompatible") || !strings.Contains(err.Error(), "409") {
		t.Fatalf("incompatible schema error: %v", err)
	}
	// Without auto-registration an unknown schema is an error too.
	noAuto := newConverter(t, srv.URL, false, map[string]string{"auto.register.schemas": "false"})
	if _, err := noAuto.FromConnectData("new-topic", nil, s, v); err == nil {
		t.Fatal("lookup of an unregistered schema succeeded")
	}
	// Bad input on read.
	if _, _, err := r.ToConnectData("ratings", nil, []byte{1, 0, 0, 0, 1, 2}); err == nil || !strings.Contains(err.Error(), "Unknown magic byte") {
		t.Fatalf("magic byte: %v", err)
	}
	if _, _, err := r.ToConnectData("ratings", nil, []byte{0, 0, 0, 0, 99, 2}); err == nil || !strings.Contains(err.Error(), "99") {
		t.Fatalf("unknown id: %v", err)
	}
	// Tombstones stay null.
	if b, err := w.FromConnectData("ratings", nil, s, nil); err != nil || b != nil {
		t.Fatalf("tombstone %x %v", b, err)
	}
}

func TestConverterConfigErrors(t *testing.T) {
	for props, key := range map[string]string{"": "schema.registry.url", "value.subject.name.strategy=x": "value.subject.name.strategy"} {
		m := map[string]string{}
		if props != "" {
			k, v, _ := strings.Cut(props, "=")
			m[k] = v
			m["schema.registry.url"] = "http://127.0.0.1:1"
		}
		if err := New().Configure(m, false); err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%q: %v", props, err)
		}
	}
}

// A registered schema that names a type of another subject (references)
// is read with that subject's schema, fetched by subject and version.
func TestConverterReadsSchemasWithReferences(t *testing.T) {
	srv := srtest.New(t)
	srv.Register(t, "colour", srtest.Schema{Text: `{"type":"enum","name":"t.Colour","symbols":["RED","GREEN"]}`})
	srv.Register(t, "address", srtest.Schema{Text: `{"type":"record","name":"Address","namespace":"t","fields":[{"name":"street","type":"string"},{"name":"c","type":"Colour"}]}`,
		References: []schemaregistry.Reference{{Name: "t.Colour", Subject: "colour", Version: 1}}})
	id := srv.Register(t, "people-value", srtest.Schema{Text: `{"type":"record","name":"Customer","namespace":"t","fields":[{"name":"home","type":"t.Address"},{"name":"fav","type":"t.Colour"}]}`,
		References: []schemaregistry.Reference{{Name: "t.Address", Subject: "address", Version: 1}, {Name: "t.Colour", Subject: "colour", Version: 1}}})
	rec := []byte{0, 0, 0, 0, byte(id), 6, 'e', 'l', 'm', 2, 0}
	s, val, err := newConverter(t, srv.URL, false, nil).ToConnectData("people", nil, rec)
	if err != nil {
		t.Fatal(err)
	}
	home := s.Fields[0].Schema
	if s.Name != "t.Customer" || home.Name != "t.Address" || home.Fields[1].Schema.Name != "t.Colour" || s.Fields[1].Schema.Param("io.confluent.connect.avro.Enum") != "t.Colour" {
		t.Fatalf("schema %+v", s)
	}
	st := val.(*data.Struct)
	h := st.GetIndex(0).(*data.Struct)
	if h.GetIndex(0) != "elm" || h.GetIndex(1) != "GREEN" || st.GetIndex(1) != "RED" {
		t.Fatalf("value %v", st)
	}
}

// use.latest.version writes with the subject's latest schema, checked by
// latest.compatibility.strict; normalize.schemas registers the normalised
// text.
func TestConverterLatestVersionAndNormalize(t *testing.T) {
	srv := srtest.New(t)
	latest := srv.Register(t, "t-value", srtest.Schema{Text: `{"type":"record","name":"R","fields":[{"name":"c","type":{"type":"enum","name":"C","symbols":["A","B"]}},{"name":"o","type":["null","string"]}]}`})
	s := data.StructBuilder().Name("R").Field("c", data.StringSchema).Field("o", data.StringSchema).MustBuild()
	v := data.NewStruct(s).MustPut("c", "B").MustPut("o", "x")
	latestProps := map[string]string{"auto.register.schemas": "false", "use.latest.version": "true"}
	// The latest (an enum) cannot read the converted schema's string.
	if _, err := newConverter(t, srv.URL, false, latestProps).FromConnectData("t", nil, s, v); err == nil || !strings.Contains(err.Error(), "latest.compatibility.strict=false") {
		t.Fatalf("strict check: %v", err)
	}
	latestProps["latest.compatibility.strict"] = "false"
	b, err := newConverter(t, srv.URL, false, latestProps).FromConnectData("t", nil, s, v)
	if err != nil {
		t.Fatal(err)
	}
	if want := []byte{0, 0, 0, 0, byte(latest), 2, 2, 2, 'x'}; string(b) != string(want) {
		t.Fatalf("bytes %x, want %x", b, want)
	}
	// normalize.schemas: the registry stores the normalised text (props
	// sorted, logicalType first).
	ts := data.StructBuilder().Name("N").Field("at", data.TimestampBuilder().MustBuild()).MustBuild()
	nb, err := newConverter(t, srv.URL, false, map[string]string{"normalize.schemas": "true"}).
		FromConnectData("n", nil, ts, data.NewStruct(ts).MustPut("at", time.UnixMilli(5).UTC()))
	if err != nil {
		t.Fatal(err)
	}
	got, err := srv.SchemaByID(int(binary.BigEndian.Uint32(nb[1:5])), "")
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"record","name":"N","fields":[{"name":"at","type":{"type":"long","logicalType":"timestamp-millis","connect.name":"org.apache.kafka.connect.data.Timestamp","connect.version":1}}],"connect.name":"N"}`
	if got.Schema != want {
		t.Fatalf("stored\n%s\nwant\n%s", got.Schema, want)
	}
}

// use.schema.id writes with that schema, checked by id.compatibility.strict.
func TestConverterUseSchemaID(t *testing.T) {
	srv := srtest.New(t)
	v1 := srv.Register(t, "other", srtest.Schema{Text: `{"type":"record","name":"R","fields":[{"name":"o","type":["null","string"]}]}`})
	s := data.StructBuilder().Name("R").Field("o", data.StringSchema).MustBuild()
	props := map[string]string{"auto.register.schemas": "false", "use.schema.id": strconv.Itoa(v1)}
	b, err := newConverter(t, srv.URL, false, props).FromConnectData("t", nil, s, data.NewStruct(s).MustPut("o", "x"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []byte{0, 0, 0, 0, byte(v1), 2, 2, 'x'}; string(b) != string(want) {
		t.Fatalf("bytes %x, want %x", b, want)
	}
	bad := data.StructBuilder().Name("R").Field("o", data.Int32Schema).MustBuild()
	if _, err := newConverter(t, srv.URL, false, props).FromConnectData("t", nil, bad, data.NewStruct(bad).MustPut("o", int32(1))); err == nil || !strings.Contains(err.Error(), "id.compatibility.strict=false") {
		t.Fatalf("strict id check: %v", err)
	}
}
