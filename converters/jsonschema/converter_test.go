package jsonschema

import (
	"context"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"

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

func ratingsValue(s *data.Schema) *data.Struct {
	return data.NewStruct(s).MustPut("rating_id", int64(9)).MustPut("user_id", int32(-1)).MustPut("stars", int32(4)).
		MustPut("route_id", int32(12)).MustPut("rating_time", int64(97)).MustPut("channel", "web").MustPut("message", "meh")
}

func TestConverterThroughRegistry(t *testing.T) {
	srv := srtest.New(t)

	s := ratingsdata.Schema()
	v := ratingsValue(s)
	w := newConverter(t, srv.URL, false, nil)
	b, err := w.FromConnectData("ratings", nil, s, v)
	if err != nil {
		t.Fatal(err)
	}
	if b[0] != 0 || binary.BigEndian.Uint32(b[1:5]) != 1 {
		t.Fatalf("wire header %x", b[:5])
	}
	if got := string(b[5:]); got != `{"rating_id":9,"user_id":-1,"stars":4,"route_id":12,"rating_time":97,"channel":"web","message":"meh"}` {
		t.Fatalf("payload %s", got)
	}
	cl, _ := sr.NewClient(sr.URLs(srv.URL))
	ss, err := cl.SchemaByVersion(context.Background(), "ratings-value", 1)
	if err != nil || ss.Type != sr.TypeJSON || ss.Schema.Schema != schemaText(t, defaults(), s) {
		t.Fatalf("registered %+v %v", ss, err)
	}
	// A fresh converter (another worker) decodes by id from the registry,
	// the Connect version coming from the subject version.
	r := newConverter(t, srv.URL, false, nil)
	rs, rv, err := r.ToConnectData("ratings", nil, b)
	if err != nil {
		t.Fatal(err)
	}
	if !data.Equal(rs, data.FromSchema(s).Version(1).MustBuild()) {
		t.Fatalf("schema round trip: %+v", rs)
	}
	for i := range s.Fields {
		if !data.ValuesEqual(rv.(*data.Struct).RawIndex(i), v.RawIndex(i)) {
			t.Fatalf("field %d: %v", i, rv.(*data.Struct).RawIndex(i))
		}
	}
	// Keys use <topic>-key; RecordNameStrategy uses the title.
	k := newConverter(t, srv.URL, true, nil)
	if _, err := k.FromConnectData("ratings", nil, data.Int64Schema, int64(9)); err != nil {
		t.Fatal(err)
	}
	rn := newConverter(t, srv.URL, false, map[string]string{"value.subject.name.strategy": "io.confluent.kafka.serializers.subject.RecordNameStrategy"})
	if _, err := rn.FromConnectData("ratings", nil, s, v); err != nil {
		t.Fatal(err)
	}
	if subjects := strings.Join(srv.Subjects(), ","); subjects != "ksql.ratings,ratings-key,ratings-value" {
		t.Fatalf("subjects %s", subjects)
	}
	if _, err := rn.FromConnectData("ratings", nil, data.Int64Schema, int64(1)); err == nil || !strings.Contains(err.Error(), "title") {
		t.Fatalf("record strategy without a name: %v", err)
	}
	// An incompatible change (a field's type) fails with the registry's answer.
	bad := data.StructBuilder().Name("ksql.ratings").Field("rating_id", data.StringSchema).MustBuild()
	_, err = w.FromConnectData("ratings", nil, bad, data.NewStruct(bad).MustPut("rating_id", "x"))
	if err == nil || !strings.Contains(err.Error(), "409") || !strings.Contains(err.Error(), "TYPE_CHANGED") {
		t.Fatalf("incompatible schema error: %v", err)
	}
	// Without auto-registration an unknown schema is an error; with
	// use.latest.version the latest id is used.
	noAuto := newConverter(t, srv.URL, false, map[string]string{"auto.register.schemas": "false"})
	if _, err := noAuto.FromConnectData("new-topic", nil, s, v); err == nil {
		t.Fatal("lookup of an unregistered schema succeeded")
	}
	latest := newConverter(t, srv.URL, false, map[string]string{"auto.register.schemas": "false", "use.latest.version": "true"})
	if b2, err := latest.FromConnectData("ratings", nil, s, v); err != nil || binary.BigEndian.Uint32(b2[1:5]) != 1 {
		t.Fatalf("use.latest.version: %x %v", b2, err)
	}
	// Bad input on read; tombstones stay null.
	if _, _, err := r.ToConnectData("ratings", nil, []byte{1, 0, 0, 0, 1, '{', '}'}); err == nil || !strings.Contains(err.Error(), "Unknown magic byte") {
		t.Fatalf("magic byte: %v", err)
	}
	if _, _, err := r.ToConnectData("ratings", nil, []byte{0, 0, 0, 0, 99, '1'}); err == nil || !strings.Contains(err.Error(), "99") {
		t.Fatalf("unknown id: %v", err)
	}
	if b, err := w.FromConnectData("ratings", nil, s, nil); err != nil || b != nil {
		t.Fatalf("tombstone %x %v", b, err)
	}
}

// Schemas registered by other producers: references resolved on read,
// json.fail.invalid.schema checking payloads against the schema.
func TestConverterReadsForeignSchemas(t *testing.T) {
	srv := srtest.New(t)
	srv.Register(t, "addr", srtest.Schema{Type: "JSON", Text: `{"type":"object","properties":{"city":{"type":"string","maxLength":5}}}`})
	person := srv.Register(t, "people-value", srtest.Schema{Type: "JSON",
		Text:       `{"type":"object","title":"Person","properties":{"name":{"type":"string"},"home":{"$ref":"addr.json"}},"required":["name"]}`,
		References: []schemaregistry.Reference{{Name: "addr.json", Subject: "addr", Version: 1}}})
	msg := func(payload string) []byte {
		b := make([]byte, 5, 64)
		binary.BigEndian.PutUint32(b[1:], uint32(person))
		return append(b, payload...)
	}
	r := newConverter(t, srv.URL, false, nil)
	s, v, err := r.ToConnectData("people", nil, msg(`{"name":"n","home":{"city":"Lyon"}}`))
	if err != nil {
		t.Fatal(err)
	}
	home, _ := v.(*data.Struct).Get("home")
	city, _ := home.(*data.Struct).Get("city")
	if s.Name != "Person" || city != "Lyon" {
		t.Fatalf("%+v %v", s, v)
	}
	// A payload breaking the referenced schema's maxLength: read without
	// validation, refused with json.fail.invalid.schema.
	long := msg(`{"name":"n","home":{"city":"Villeurbanne"}}`)
	if _, _, err := r.ToConnectData("people", nil, long); err != nil {
		t.Fatal(err)
	}
	strict := newConverter(t, srv.URL, false, map[string]string{"json.fail.invalid.schema": "true"})
	if _, _, err := strict.ToConnectData("people", nil, long); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Fatalf("json.fail.invalid.schema: %v", err)
	}
	if _, _, err := strict.ToConnectData("people", nil, msg(`{"name":"n"}`)); err != nil {
		t.Fatal(err)
	}
}

func TestConverterConfigErrors(t *testing.T) {
	for props, key := range map[string]string{
		"":                                     "schema.registry.url",
		"value.subject.name.strategy=x":        "value.subject.name.strategy",
		"decimal.format=HEX":                   "decimal.format",
		"preserve.additional.properties=true":  "preserve.additional.properties",
		"object.additional.properties=perhaps": "object.additional.properties",
	} {
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
