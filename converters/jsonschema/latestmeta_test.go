package jsonschema

import (
	"strings"
	"testing"
	"time"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/srclient"
	"github.com/goconnect/goconnect/schemaregistry/srtest"
)

// use.latest.with.metadata: the id written is the subject's latest version
// whose metadata holds the pairs, before use.latest.version, after
// auto.register.schemas; latest.cache.ttl.sec expires it; no match, or a
// match of another schema type, fails the record.
func TestUseLatestWithMetadata(t *testing.T) {
	srv := srtest.New(t)
	v1 := srv.Register(t, "t-value", srtest.Schema{Type: "JSON", Text: `{"type":"object","properties":{"o":{"type":"string"}}}`, Metadata: `{"properties":{"app":"1"}}`})
	v2 := srv.Register(t, "t-value", srtest.Schema{Type: "JSON", Text: `{"type":"object","description":"v2","properties":{"o":{"type":"string"}}}`, Metadata: `{"properties":{"app":"2"}}`})
	srv.Register(t, "a-value", srtest.Schema{Type: "AVRO", Text: `"string"`, Metadata: `{"properties":{"app":"1"}}`})
	s := data.StructBuilder().Name("R").Field("o", data.StringSchema).MustBuild()
	write := func(c *Converter, topic string) (int, error) {
		b, err := c.FromConnectData(topic, nil, s, data.NewStruct(s).MustPut("o", "x"))
		if err != nil {
			return 0, err
		}
		return int(b[4]), nil
	}
	props := func(kv ...string) map[string]string {
		m := map[string]string{"auto.register.schemas": "false"}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	if id, err := write(newConverter(t, srv.URL, false, props(srclient.KeyLatestMeta, "app=1", "use.latest.version", "true")), "t"); err != nil || id != v1 {
		t.Fatalf("with metadata: id %d, %v; want %d (use.latest.version alone: %d)", id, err, v1, v2)
	}
	if id, err := write(newConverter(t, srv.URL, false, props("use.latest.version", "true")), "t"); err != nil || id != v2 {
		t.Fatalf("use.latest.version alone: id %d, %v; want %d", id, err, v2)
	}
	// auto.register.schemas first: subject u-value has no version at all.
	if id, err := write(newConverter(t, srv.URL, false, map[string]string{srclient.KeyLatestMeta: "app=1"}), "u"); err != nil || id <= v2 {
		t.Fatalf("auto.register.schemas: id %d, %v; want a new registration", id, err)
	}
	if _, err := write(newConverter(t, srv.URL, false, props(srclient.KeyLatestMeta, "app=9")), "t"); err == nil ||
		!strings.Contains(err.Error(), "error retrieving latest with metadata '{app=9}'") {
		t.Fatalf("no match: %v", err)
	}
	if _, err := write(newConverter(t, srv.URL, false, props(srclient.KeyLatestMeta, "app=1")), "a"); err == nil ||
		!strings.Contains(err.Error(), "is AVRO, not JSON") {
		t.Fatalf("an Avro match: %v", err)
	}
	c := newConverter(t, srv.URL, false, props(srclient.KeyLatestMeta, "app=1", keyLatestTTL, "10"))
	now := time.Unix(1000, 0)
	c.now = func() time.Time { return now }
	before := srv.Requests("/metadata")
	for i, step := range []time.Duration{0, 9 * time.Second, time.Second} {
		now = now.Add(step)
		if id, err := write(c, "t"); err != nil || id != v1 {
			t.Fatalf("write %d: id %d, %v", i, id, err)
		}
	}
	if n := srv.Requests("/metadata") - before; n != 2 {
		t.Fatalf("%d metadata reads over 10 s with a 10 s TTL, want 2", n)
	}
}
