package avro

import (
	"strings"
	"testing"
	"time"

	"github.com/linkedin/goavro/v2"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/srclient"
	"github.com/goconnect/goconnect/schemaregistry/srtest"
)

// use.latest.version and use.latest.with.metadata change reading as in
// Confluent's AbstractKafkaAvroDeserializer: a record written with v1 is
// resolved into the subject's latest (or metadata-matched) version, so the
// Connect schema and value are the reader version's (added field with its
// default, removed field dropped, int promoted to long, removed enum
// symbol replaced by the enum's default, a plain type read into a union),
// while the Connect schema's version is the writer's, as AvroData is
// given it. Without the settings the writer's schema is used.
func TestReadWithLatestVersion(t *testing.T) {
	srv := srtest.New(t)
	srv.Compatibility(t, "t-value", "NONE")
	register := func(text, md string) int {
		return srv.Register(t, "t-value", srtest.Schema{Text: text, Metadata: md})
	}
	const v1Text = `{"type":"record","name":"R","namespace":"n","fields":[{"name":"a","type":"int"},{"name":"gone","type":"string"},` +
		`{"name":"e","type":{"type":"enum","name":"E","symbols":["A","B","C"]}},{"name":"u","type":["null","int"]},{"name":"s","type":"string"}]}`
	const v2Text = `{"type":"record","name":"R","namespace":"n","fields":[{"name":"a","type":"long"},` +
		`{"name":"e","type":{"type":"enum","name":"E","symbols":["A","B"],"default":"A"}},{"name":"u","type":["null","long"]},` +
		`{"name":"s","type":["null","string"],"default":null},{"name":"added","type":"string","default":"d"}]}`
	v1 := register(v1Text, `{"properties":{"app":"1"}}`)
	v2 := register(v2Text, `{"properties":{"app":"2"}}`)
	wire := func(id int, text string, datum map[string]any) []byte {
		t.Helper()
		codec, err := goavro.NewCodec(text)
		if err != nil {
			t.Fatal(err)
		}
		b, err := codec.BinaryFromNative(srclient.AppendHeader(nil, id), datum)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	written := wire(v1, v1Text, map[string]any{"a": int32(5), "gone": "g", "e": "C", "u": map[string]any{"int": int32(3)}, "s": "x"})
	// The oracle: the same record written with v2 and read without the
	// setting.
	asV2 := wire(v2, v2Text, map[string]any{"a": int64(5), "e": "A", "u": map[string]any{"long": int64(3)}, "s": map[string]any{"string": "x"}, "added": "d"})
	plain := newConverter(t, srv.URL, false, nil)
	wantSchema, wantValue, err := plain.ToConnectData("t", nil, asV2)
	if err != nil {
		t.Fatal(err)
	}
	if *wantSchema.Version != 2 {
		t.Fatalf("oracle version %d", *wantSchema.Version)
	}
	withVersion1 := *wantSchema
	one := int32(1)
	withVersion1.Version = &one

	read := func(props map[string]string, b []byte) (*data.Schema, any, error) {
		return newConverter(t, srv.URL, false, props).ToConnectData("t", nil, b)
	}
	for name, props := range map[string]map[string]string{
		"use.latest.version":       {"use.latest.version": "true"},
		"use.latest.with.metadata": {srclient.KeyLatestMeta: "app=2"},
		// Reading ignores the writer's choices: auto.register.schemas and
		// use.schema.id change nothing here.
		"with auto.register.schemas and use.schema.id": {"use.latest.version": "true", "auto.register.schemas": "true", "use.schema.id": "1"},
	} {
		t.Run(name, func(t *testing.T) {
			s, v, err := read(props, written)
			if err != nil {
				t.Fatal(err)
			}
			if !data.Equal(s, &withVersion1) {
				t.Fatalf("schema %s\nwant %s", s, &withVersion1)
			}
			if !sameValues(v.(*data.Struct), wantValue.(*data.Struct)) {
				t.Fatalf("value %v\nwant %v", v, wantValue)
			}
			if got, _ := v.(*data.Struct).Get("a"); got != int64(5) {
				t.Fatalf("a = %#v, want int64 5", got)
			}
			// A record written with the latest version itself reads as
			// without the setting.
			s2, v2, err := read(props, asV2)
			if err != nil || !data.Equal(s2, wantSchema) || !v2.(*data.Struct).Equal(wantValue.(*data.Struct)) {
				t.Fatalf("latest's own record: %s %v %v", s2, v2, err)
			}
		})
	}
	t.Run("without the settings the writer's schema", func(t *testing.T) {
		s, v, err := read(nil, written)
		if err != nil {
			t.Fatal(err)
		}
		_, hasGone := s.Field("gone")
		_, hasAdded := s.Field("added")
		a, _ := s.Field("a")
		if !hasGone || hasAdded || a.Schema.Type != data.TypeInt32 || *s.Version != 1 {
			t.Fatalf("schema %s", s)
		}
		if got, _ := v.(*data.Struct).Get("e"); got != "C" {
			t.Fatalf("e = %v", got)
		}
	})

	// latest.cache.ttl.sec: a converter keeps the version it read with.
	cached := newConverter(t, srv.URL, false, map[string]string{"use.latest.version": "true", "latest.cache.ttl.sec": "10"})
	now := time.Unix(1000, 0)
	cached.now = func() time.Time { return now }
	if _, _, err := cached.ToConnectData("t", nil, written); err != nil {
		t.Fatal(err)
	}

	// v3 adds a field without a default: v1's records cannot be read as
	// it. As in Confluent the latest is not checked up front; the record
	// fails with the reason.
	register(`{"type":"record","name":"R","namespace":"n","fields":[{"name":"a","type":"long"},{"name":"req","type":"string"}]}`, `{"properties":{"app":"3"}}`)
	_, _, err = read(map[string]string{"use.latest.version": "true"}, written)
	if err == nil || !strings.Contains(err.Error(), "as version 3") || !strings.Contains(err.Error(), "subject t-value") ||
		!strings.Contains(err.Error(), "field req: the writer's record n.R has no such field and the reader's field has no default") {
		t.Fatalf("incompatible latest: %v", err)
	}
	now = now.Add(9 * time.Second)
	if _, _, err := cached.ToConnectData("t", nil, written); err != nil {
		t.Fatalf("within the TTL: %v", err)
	}
	now = now.Add(time.Second)
	if _, _, err := cached.ToConnectData("t", nil, written); err == nil || !strings.Contains(err.Error(), "as version 3") {
		t.Fatalf("after the TTL: %v", err)
	}
	// use.latest.with.metadata still picks v2, before use.latest.version.
	s, _, err := read(map[string]string{srclient.KeyLatestMeta: "app=2", "use.latest.version": "true"}, written)
	if err != nil || !data.Equal(s, &withVersion1) {
		t.Fatalf("metadata over latest: %s, %v", s, err)
	}
	// No version with that metadata: the registry's 40403.
	if _, _, err := read(map[string]string{srclient.KeyLatestMeta: "app=9"}, written); err == nil || !strings.Contains(err.Error(), "40403") {
		t.Fatalf("no match: %v", err)
	}
	// The subject follows the strategy: with RecordNameStrategy the
	// subject is the writer's record name, which has no versions.
	if _, _, err := read(map[string]string{"use.latest.version": "true", "value.subject.name.strategy": "io.confluent.kafka.serializers.subject.RecordNameStrategy"}, written); err == nil || !strings.Contains(err.Error(), "subject n.R") {
		t.Fatalf("record name strategy: %v", err)
	}
}

// sameValues compares two structs' values field by field, whatever their
// schemas' versions.
func sameValues(a, b *data.Struct) bool {
	n := len(a.Schema().Fields)
	if n != len(b.Schema().Fields) {
		return false
	}
	for i := 0; i < n; i++ {
		if !data.ValuesEqual(a.GetIndex(i), b.GetIndex(i)) {
			return false
		}
	}
	return true
}

// The Connect schema's version on a resolved read is the writer's subject
// version even when the writer schema carries its own connect.version
// (AvroData is handed the writer's version and the reader has none); a
// reader connect.version wins.
func TestReadWithLatestVersionConnectVersion(t *testing.T) {
	srv := srtest.New(t)
	var ids []int
	for _, text := range []string{
		`{"type":"record","name":"R","fields":[{"name":"a","type":"int"}],"connect.version":7}`,
		`{"type":"record","name":"R","fields":[{"name":"a","type":"long"}]}`,
		`{"type":"record","name":"R","fields":[{"name":"a","type":"long"}],"connect.version":9}`,
	} {
		ids = append(ids, srv.Register(t, "t-value", srtest.Schema{Text: text}))
	}
	rec := append(srclient.AppendHeader(nil, ids[0]), 10)
	srv.Compatibility(t, "t-value", "NONE")
	if _, err := srv.DeleteVersion("t-value", 3, false); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		props map[string]string
		want  int32
	}{
		{nil, 7},
		// v3 is soft-deleted: the latest is v2, without connect.version.
		{map[string]string{"use.latest.version": "true"}, 1},
	} {
		s, v, err := newConverter(t, srv.URL, false, c.props).ToConnectData("t", nil, rec)
		if err != nil {
			t.Fatal(err)
		}
		if *s.Version != c.want {
			t.Fatalf("%v: version %d, want %d", c.props, *s.Version, c.want)
		}
		if a, _ := v.(*data.Struct).Get("a"); c.props != nil && a != int64(5) {
			t.Fatalf("a = %#v", a)
		}
	}
	srv.Register(t, "t-value", srtest.Schema{Text: `{"type":"record","name":"R","fields":[{"name":"a","type":"long"}],"connect.version":9,"doc":"v4"}`})
	s, _, err := newConverter(t, srv.URL, false, map[string]string{"use.latest.version": "true"}).ToConnectData("t", nil, rec)
	if err != nil || *s.Version != 9 {
		t.Fatalf("reader connect.version: %v, %v", s, err)
	}
}
