package avro

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/srclient"
	"github.com/goconnect/goconnect/schemaregistry/srtest"
)

// use.latest.with.metadata: the writer takes the subject's latest version
// whose metadata holds the pairs (GET /subjects/{s}/metadata), writes its
// id and encodes with its schema; it comes after auto.register.schemas
// and use.schema.id and before use.latest.version, soft-deleted versions
// count, latest.cache.ttl.sec expires it, and no match fails the record.
func TestUseLatestWithMetadata(t *testing.T) {
	srv := srtest.New(t)
	register := func(text, md string) int {
		return srv.Register(t, "t-value", srtest.Schema{Text: text, Metadata: md})
	}
	plain := `{"type":"record","name":"R","fields":[{"name":"o","type":"string"}]}`
	nullable := `{"type":"record","name":"R","fields":[{"name":"o","type":["null","string"],"default":null}]}`
	v1 := register(plain, `{"properties":{"app":"1","team":"a b"}}`)
	v2 := register(nullable, `{"properties":{"app":"2"}}`)
	v3 := register(`{"type":"record","name":"R","doc":"v3","fields":[{"name":"o","type":["null","string"],"default":null}]}`, `{"properties":{"app":"3"}}`)
	s := data.StructBuilder().Name("R").Field("o", data.StringSchema).MustBuild()
	value := data.NewStruct(s).MustPut("o", "x")
	write := func(c *Converter) ([]byte, error) {
		return c.FromConnectData("t", nil, s, value)
	}
	wire := func(id int, body ...byte) []byte { return append(srclient.AppendHeader(nil, id), body...) }
	noReg := map[string]string{"auto.register.schemas": "false"}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range noReg {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for _, c := range []struct {
		name  string
		props map[string]string
		want  []byte
	}{
		// v1's plain string: length 1, "x".
		{"app=1", with(srclient.KeyLatestMeta, "app=1"), wire(v1, 2, 'x')},
		// v2's union: branch 1 (string), then the string.
		{"app=2", with(srclient.KeyLatestMeta, "app=2"), wire(v2, 2, 2, 'x')},
		// Both pairs must hold; a quoted entry keeps its comma-free space.
		{"two pairs", with(srclient.KeyLatestMeta, "'team=a b',app=1"), wire(v1, 2, 'x')},
		// Before use.latest.version (which alone would take v3).
		{"over use.latest.version", with(srclient.KeyLatestMeta, "app=2", "use.latest.version", "true"), wire(v2, 2, 2, 'x')},
		{"use.latest.version alone", with("use.latest.version", "true"), wire(v3, 2, 2, 'x')},
		// auto.register.schemas and use.schema.id come first.
		{"after use.schema.id", with(srclient.KeyLatestMeta, "app=2", keyUseSchemaID, "1"), wire(v1, 2, 'x')},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, err := write(newConverter(t, srv.URL, false, c.props))
			if err != nil || !bytes.Equal(b, c.want) {
				t.Fatalf("got %x, %v; want %x", b, err, c.want)
			}
		})
	}
	t.Run("after auto.register.schemas", func(t *testing.T) {
		// Subject u-value has no version with metadata: a lookup would fail.
		b, err := newConverter(t, srv.URL, false, map[string]string{srclient.KeyLatestMeta: "app=2"}).FromConnectData("u", nil, s, value)
		if err != nil || !bytes.Equal(b, wire(v3+1, 2, 'x')) {
			t.Fatalf("got %x, %v; want a registration of the converted schema (id %d)", b, err, v3+1)
		}
	})
	t.Run("no match", func(t *testing.T) {
		_, err := write(newConverter(t, srv.URL, false, with(srclient.KeyLatestMeta, "app=9")))
		if err == nil || !strings.Contains(err.Error(), "error retrieving latest with metadata '{app=9}'") || !strings.Contains(err.Error(), "40403") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("soft-deleted version", func(t *testing.T) {
		if _, err := srv.DeleteVersion("t-value", 2, false); err != nil {
			t.Fatal(err)
		}
		b, err := write(newConverter(t, srv.URL, false, with(srclient.KeyLatestMeta, "app=2")))
		if err != nil || !bytes.Equal(b, wire(v2, 2, 2, 'x')) {
			t.Fatalf("got %x, %v", b, err)
		}
	})
	t.Run("latest.cache.ttl.sec", func(t *testing.T) {
		c := newConverter(t, srv.URL, false, with(srclient.KeyLatestMeta, "app=1", keyLatestTTL, "10"))
		now := time.Unix(1000, 0)
		c.now = func() time.Time { return now }
		before := srv.Requests("/metadata")
		for i, step := range []time.Duration{0, 9 * time.Second, time.Second} {
			now = now.Add(step)
			if b, err := write(c); err != nil || !bytes.Equal(b, wire(v1, 2, 'x')) {
				t.Fatalf("write %d: %x, %v", i, b, err)
			}
		}
		if n := srv.Requests("/metadata") - before; n != 2 {
			t.Fatalf("%d metadata reads over 10 s with a 10 s TTL, want 2", n)
		}
	})
	for _, bad := range []string{"app", "app=1,app=2", "'app=1"} {
		err := New().Configure(map[string]string{"schema.registry.url": srv.URL, srclient.KeyLatestMeta: bad}, false)
		if err == nil || !strings.Contains(err.Error(), srclient.KeyLatestMeta) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
