package jsonschema

import (
	"strings"
	"testing"
	"time"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/srclient"
	"github.com/goconnect/goconnect/schemaregistry/srtest"
)

// use.latest.version and use.latest.with.metadata change reading as in
// Confluent's AbstractKafkaJsonSchemaDeserializer: the record's JSON is
// mapped with the subject's latest (or metadata-matched) version, which
// is the Connect schema (with that version's number); properties it lacks
// are dropped, missing ones take their default; json.fail.invalid.schema
// validates against it. Without the settings the writer's schema is used.
func TestReadWithLatestVersion(t *testing.T) {
	srv := srtest.New(t)
	srv.Compatibility(t, "t-value", "NONE")
	register := func(text, md string) int {
		return srv.Register(t, "t-value", srtest.Schema{Type: "JSON", Text: text, Metadata: md})
	}
	v1 := register(`{"type":"object","title":"R","properties":{"a":{"type":"integer","connect.type":"int32"},"gone":{"type":"string"},"s":{"type":"string"}},"required":["a","gone","s"]}`,
		`{"properties":{"app":"1"}}`)
	v2 := register(`{"type":"object","title":"R","properties":{"a":{"type":"integer"},"s":{"type":"string"},"added":{"type":"string","default":"d"}},"required":["a","s"]}`,
		`{"properties":{"app":"2"}}`)
	wire := func(id int, text string) []byte { return append(srclient.AppendHeader(nil, id), text...) }
	written := wire(v1, `{"a":5,"gone":"g","s":"x"}`)
	// The oracle: the same record written with v2, read without the
	// settings.
	plain := newConverter(t, srv.URL, false, nil)
	wantSchema, wantValue, err := plain.ToConnectData("t", nil, wire(v2, `{"a":5,"s":"x","added":"d"}`))
	if err != nil {
		t.Fatal(err)
	}
	if *wantSchema.Version != 2 {
		t.Fatalf("oracle version %d", *wantSchema.Version)
	}
	read := func(props map[string]string, b []byte) (*data.Schema, any, error) {
		return newConverter(t, srv.URL, false, props).ToConnectData("t", nil, b)
	}
	for name, props := range map[string]map[string]string{
		"use.latest.version":       {"use.latest.version": "true"},
		"use.latest.with.metadata": {srclient.KeyLatestMeta: "app=2"},
		"validating":               {"use.latest.version": "true", "json.fail.invalid.schema": "true"},
	} {
		t.Run(name, func(t *testing.T) {
			s, v, err := read(props, written)
			if err != nil {
				t.Fatal(err)
			}
			if !data.Equal(s, wantSchema) || !v.(*data.Struct).Equal(wantValue.(*data.Struct)) {
				t.Fatalf("got %s %v\nwant %s %v", s, v, wantSchema, wantValue)
			}
			if a, _ := v.(*data.Struct).Get("a"); a != int64(5) {
				t.Fatalf("a = %#v", a)
			}
		})
	}
	t.Run("without the settings the writer's schema", func(t *testing.T) {
		s, _, err := read(nil, written)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := s.Field("gone"); !ok || *s.Version != 1 {
			t.Fatalf("schema %s", s)
		}
	})
	// v3 requires a property v1's records lack: json.fail.invalid.schema
	// validates against the reader's schema and fails the record.
	register(`{"type":"object","title":"R","properties":{"a":{"type":"integer"},"req":{"type":"string"}},"required":["a","req"]}`, `{"properties":{"app":"3"}}`)
	_, _, err = read(map[string]string{"use.latest.version": "true", "json.fail.invalid.schema": "true"}, written)
	if err == nil || !strings.Contains(err.Error(), "does not match its schema") || !strings.Contains(err.Error(), "req") {
		t.Fatalf("invalid under the latest: %v", err)
	}
	// latest.cache.ttl.sec: a converter that has read with v2 keeps it.
	c := newConverter(t, srv.URL, false, map[string]string{srclient.KeyLatestMeta: "app=2", "latest.cache.ttl.sec": "10"})
	now := time.Unix(1000, 0)
	c.client.SetReaderClock(func() time.Time { return now })
	if s, _, err := c.ToConnectData("t", nil, written); err != nil || *s.Version != 2 {
		t.Fatalf("first read: %v %v", s, err)
	}
	// v2 loses its metadata to v4: within the TTL the cached v2 is used,
	// after it v4.
	register(`{"type":"object","title":"R","properties":{"a":{"type":"integer"}},"required":["a"]}`, `{"properties":{"app":"2"}}`)
	now = now.Add(9 * time.Second)
	if s, _, err := c.ToConnectData("t", nil, written); err != nil || *s.Version != 2 {
		t.Fatalf("within the TTL: %v %v", s, err)
	}
	now = now.Add(time.Second)
	if s, _, err := c.ToConnectData("t", nil, written); err != nil || *s.Version != 4 {
		t.Fatalf("after the TTL: %v %v", s, err)
	}
	// No version with that metadata: the registry's 40403.
	if _, _, err := read(map[string]string{srclient.KeyLatestMeta: "app=9"}, written); err == nil || !strings.Contains(err.Error(), "40403") {
		t.Fatalf("no match: %v", err)
	}
}
