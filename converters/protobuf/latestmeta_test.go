package protobuf

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goconnect/goconnect/internal/ratingsdata"
	"github.com/goconnect/goconnect/internal/srclient"
	"github.com/goconnect/goconnect/schemaregistry/srtest"
)

// use.latest.with.metadata (auto.register.schemas=false): the id is the
// subject's latest version whose metadata holds the pairs, the message
// indexes found in it by name; it comes before use.latest.version and,
// as in Confluent's serializer, is not checked by
// latest.compatibility.strict; latest.cache.ttl.sec expires it.
func TestUseLatestWithMetadata(t *testing.T) {
	srv := srtest.New(t)
	srv.Compatibility(t, "ratings-value", "NONE")
	register := func(text, md string) int {
		return srv.Register(t, "ratings-value", srtest.Schema{Type: "PROTOBUF", Text: text, Metadata: md})
	}
	fields := "  int64 rating_id = 1;\n  int32 user_id = 2;\n  int32 stars = 3;\n  int32 route_id = 4;\n  int64 rating_time = 5;\n  string channel = 6;\n  string message = 7;\n}\n"
	// v1: ratings second (indexes [1]); v2: ratings first, user_id a
	// string (unreadable for strict checks); v3: the latest, ratings third.
	v1 := register("syntax = \"proto3\";\npackage ksql;\n\nmessage Other {\n  string x = 1;\n}\nmessage ratings {\n"+fields, `{"properties":{"app":"1"}}`)
	v2 := register("syntax = \"proto3\";\npackage ksql;\n\nmessage ratings {\n"+strings.Replace(fields, "int32 user_id", "string user_id", 1), `{"properties":{"app":"2"}}`)
	v3 := register("syntax = \"proto3\";\npackage ksql;\n\nmessage A {\n  string x = 1;\n}\nmessage B {\n  string x = 1;\n}\nmessage ratings {\n"+fields, `{"properties":{"app":"3"}}`)
	s := ratingsdata.Schema()
	header := func(c *Converter) (id uint32, rest []byte, err error) {
		b, err := c.FromConnectData("ratings", nil, s, ratingsValue(s))
		if err != nil {
			return 0, nil, err
		}
		return binary.BigEndian.Uint32(b[1:5]), b[5:], nil
	}
	props := func(kv ...string) map[string]string {
		m := map[string]string{"auto.register.schemas": "false"}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for _, c := range []struct {
		name    string
		props   map[string]string
		id      int
		indexes []byte // zigzag varints, count then indexes: [1] is 02 02, [2] 02 04; [0] the single 00
	}{
		{"app=1", props(srclient.KeyLatestMeta, "app=1", "use.latest.version", "true"), v1, []byte{2, 2}},
		{"app=2 unchecked", props(srclient.KeyLatestMeta, "app=2"), v2, []byte{0}},
		{"use.latest.version alone", props("use.latest.version", "true"), v3, []byte{2, 4}},
	} {
		id, idx, err := header(newConverter(t, srv.URL, false, c.props))
		if err != nil || id != uint32(c.id) || !bytes.HasPrefix(idx, c.indexes) {
			t.Errorf("%s: id %d, indexes %x, %v; want %d, %x", c.name, id, idx, err, c.id, c.indexes)
		}
	}
	if _, _, err := header(newConverter(t, srv.URL, false, props(srclient.KeyLatestMeta, "app=9"))); err == nil ||
		!strings.Contains(err.Error(), "error retrieving latest with metadata '{app=9}'") {
		t.Errorf("no match: %v", err)
	}
	c := newConverter(t, srv.URL, false, props(srclient.KeyLatestMeta, "app=1", srclient.KeyLatestTTL, "10"))
	now := time.Unix(1000, 0)
	c.now = func() time.Time { return now }
	before := srv.Requests("/metadata")
	for i, step := range []time.Duration{0, 9 * time.Second, time.Second} {
		now = now.Add(step)
		if id, _, err := header(c); err != nil || id != uint32(v1) {
			t.Fatalf("write %d: id %d, %v", i, id, err)
		}
	}
	if n := srv.Requests("/metadata") - before; n != 2 {
		t.Fatalf("%d metadata reads over 10 s with a 10 s TTL, want 2", n)
	}
}

// use.schema.id: that id, the message's indexes found in its schema by
// name, checked by id.compatibility.strict (the schema must read ours);
// after auto.register.schemas, before use.latest.with.metadata.
func TestUseSchemaID(t *testing.T) {
	srv := srtest.New(t)
	register := func(subject, text string) int {
		return srv.Register(t, subject, srtest.Schema{Type: "PROTOBUF", Text: text})
	}
	fields := "  int64 rating_id = 1;\n  int32 user_id = 2;\n  int32 stars = 3;\n  int32 route_id = 4;\n  int64 rating_time = 5;\n  string channel = 6;\n  string message = 7;\n}\n"
	good := register("a", "syntax = \"proto3\";\npackage ksql;\n\nmessage Other {\n  string x = 1;\n}\nmessage ratings {\n"+fields)
	clash := register("b", "syntax = \"proto3\";\npackage ksql;\n\nmessage ratings {\n"+strings.Replace(fields, "int32 user_id", "string user_id", 1))
	other := register("c", "syntax = \"proto3\";\npackage ksql;\n\nmessage Other {\n  string x = 1;\n}\n")
	s := ratingsdata.Schema()
	write := func(kv ...string) (uint32, []byte, error) {
		props := map[string]string{"auto.register.schemas": "false"}
		for i := 0; i < len(kv); i += 2 {
			props[kv[i]] = kv[i+1]
		}
		b, err := newConverter(t, srv.URL, false, props).FromConnectData("ratings", nil, s, ratingsValue(s))
		if err != nil {
			return 0, nil, err
		}
		return binary.BigEndian.Uint32(b[1:5]), b[5:], nil
	}
	id := func(n int) string { return strconv.Itoa(n) }
	if got, rest, err := write(srclient.KeyUseSchemaID, id(good), srclient.KeyLatestMeta, "app=1"); err != nil || got != uint32(good) || !bytes.HasPrefix(rest, []byte{2, 2}) {
		t.Errorf("use.schema.id %d: id %d, %x, %v; want indexes [1]", good, got, rest, err)
	}
	if _, _, err := write(srclient.KeyUseSchemaID, id(clash)); err == nil || !strings.Contains(err.Error(), "Set id.compatibility.strict=false") {
		t.Errorf("an unreadable schema: %v", err)
	}
	if got, rest, err := write(srclient.KeyUseSchemaID, id(clash), srclient.KeyIDStrict, "false"); err != nil || got != uint32(clash) || rest[0] != 0 {
		t.Errorf("id.compatibility.strict=false: id %d, %x, %v", got, rest, err)
	}
	if _, _, err := write(srclient.KeyUseSchemaID, id(other)); err == nil || !strings.Contains(err.Error(), "message ksql.ratings is not in the schema of use.schema.id") {
		t.Errorf("a schema without the message: %v", err)
	}
	if _, _, err := write(srclient.KeyUseSchemaID, "99"); err == nil || !strings.Contains(err.Error(), "error retrieving schema ID 99") {
		t.Errorf("an unknown id: %v", err)
	}
	if got, _, err := write("auto.register.schemas", "true", srclient.KeyUseSchemaID, id(clash)); err != nil || got == uint32(clash) {
		t.Errorf("auto.register.schemas first: id %d, %v", got, err)
	}
}
