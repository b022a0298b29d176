package protobuf

import (
	"strings"
	"testing"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/srclient"
	"github.com/goconnect/goconnect/schemaregistry/srtest"
)

// use.latest.version and use.latest.with.metadata change reading as in
// Confluent's AbstractKafkaProtobufDeserializer: the record's bytes are
// parsed as the message of the writer's name in the subject's latest (or
// metadata-matched) version, found by name whatever its index, and the
// Connect schema is that message's with that version's number: fields
// the reader lacks are dropped, fields the writer lacks read as their
// defaults, int32 is read as int64. Without the settings the writer's
// message is used.
func TestReadWithLatestVersion(t *testing.T) {
	srv := srtest.New(t)
	srv.Compatibility(t, "t-value", "NONE")
	register := func(text, md string) int {
		return srv.Register(t, "t-value", srtest.Schema{Type: "PROTOBUF", Text: text, Metadata: md})
	}
	v1 := register("syntax = \"proto3\";\npackage p;\n\nmessage Other {\n  string x = 1;\n}\nmessage R {\n  int32 a = 1;\n  string gone = 2;\n  string s = 3;\n}\n", `{"properties":{"app":"1"}}`)
	v2 := register("syntax = \"proto3\";\npackage p;\n\nmessage R {\n  int64 a = 1;\n  string s = 3;\n  string added = 4;\n}\n", `{"properties":{"app":"2"}}`)
	// R{a:5, gone:"g", s:"x"} after v1's header and indexes [1].
	written := append(srclient.AppendHeader(nil, v1), 2, 2, 0x08, 5, 0x12, 1, 'g', 0x1a, 1, 'x')
	// The oracle: R{a:5, s:"x"} written with v2 (indexes [0]), read
	// without the settings.
	asV2 := append(srclient.AppendHeader(nil, v2), 0, 0x08, 5, 0x1a, 1, 'x')
	wantSchema, wantValue, err := newConverter(t, srv.URL, false, nil).ToConnectData("t", nil, asV2)
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
	t.Run("without the settings the writer's message", func(t *testing.T) {
		s, _, err := read(nil, written)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := s.Field("gone"); !ok || *s.Version != 1 {
			t.Fatalf("schema %s", s)
		}
	})
	// v3 reuses field 3 as an int32: like Java's DynamicMessage, a field
	// of another wire type is an unknown field, so s reads as its default;
	// R is now the second message.
	register("syntax = \"proto3\";\npackage p;\n\nmessage Z {\n  string z = 1;\n}\nmessage R {\n  int64 a = 1;\n  int32 s = 3;\n}\n", `{"properties":{"app":"3"}}`)
	s, v, err := read(map[string]string{"use.latest.version": "true"}, written)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := v.(*data.Struct).Get("s"); got != int32(0) || *s.Version != 3 || s.Name != "R" {
		t.Fatalf("v3: %s %v", s, v)
	}
	// No version with that metadata: the registry's 40403.
	if _, _, err := read(map[string]string{srclient.KeyLatestMeta: "app=9"}, written); err == nil || !strings.Contains(err.Error(), "40403") {
		t.Fatalf("no match: %v", err)
	}
}
