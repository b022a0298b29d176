package jsonschema

import (
	"strings"
	"testing"
	"time"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/schemaregistry/srtest"
)

// latest.cache.ttl.sec: with use.latest.version the latest version is read
// again once the TTL has passed on the converter's clock; -1 never.
func TestLatestCacheTTL(t *testing.T) {
	for _, c := range []struct {
		ttl        string
		wantReread bool
	}{{"10", true}, {"-1", false}} {
		t.Run(c.ttl, func(t *testing.T) {
			srv := srtest.New(t)
			// Only the latest reads (GET .../versions/latest) have /versions/ in
			// their path here: the test registers straight into the registry.
			latestReads := func() int { return srv.Requests("/versions/") }
			v1 := srv.Register(t, "t-value", srtest.Schema{Type: "JSON", Text: `{"type":"object","properties":{"o":{"type":"string"}}}`})
			conv := newConverter(t, srv.URL, false, map[string]string{"auto.register.schemas": "false", "use.latest.version": "true", keyLatestTTL: c.ttl})
			now := time.Unix(1000, 0)
			conv.now = func() time.Time { return now }
			s := data.StructBuilder().Name("R").Field("o", data.StringSchema).MustBuild()
			write := func() int {
				t.Helper()
				b, err := conv.FromConnectData("t", nil, s, data.NewStruct(s).MustPut("o", "x"))
				if err != nil {
					t.Fatal(err)
				}
				return int(b[4])
			}
			if id := write(); id != v1 || latestReads() != 1 {
				t.Fatalf("first write: id %d, %d latest reads", id, latestReads())
			}
			v2 := srv.Register(t, "t-value", srtest.Schema{Type: "JSON", Text: `{"type":"object","description":"v2","properties":{"o":{"type":"string"}}}`})
			now = now.Add(9 * time.Second)
			if id := write(); id != v1 || latestReads() != 1 {
				t.Fatalf("before the TTL: id %d, %d latest reads", id, latestReads())
			}
			now = now.Add(time.Second)
			id, reads := write(), latestReads()
			if c.wantReread && (id != v2 || reads != 2) || !c.wantReread && (id != v1 || reads != 1) {
				t.Fatalf("at 10 s: id %d, %d latest reads (v1 %d, v2 %d)", id, reads, v1, v2)
			}
		})
	}
	if err := New().Configure(map[string]string{"schema.registry.url": "http://127.0.0.1:1", keyLatestTTL: "-2"}, false); err == nil || !strings.Contains(err.Error(), keyLatestTTL) {
		t.Fatalf("ttl -2: %v", err)
	}
}

// auto.register.schemas (default true) wins over use.latest.version, as in
// Confluent's serializer: the converted schema is registered, not the
// latest version taken.
func TestAutoRegisterBeforeUseLatest(t *testing.T) {
	srv := srtest.New(t)
	old := srv.Register(t, "t-value", srtest.Schema{Type: "JSON", Text: `{"type":"object","description":"old","properties":{"o":{"type":"string"}}}`})
	conv := newConverter(t, srv.URL, false, map[string]string{"use.latest.version": "true"})
	s := data.StructBuilder().Name("R").Field("o", data.StringSchema).MustBuild()
	b, err := conv.FromConnectData("t", nil, s, data.NewStruct(s).MustPut("o", "x"))
	if err != nil {
		t.Fatal(err)
	}
	if id := int(b[4]); id == old {
		t.Fatalf("wrote with the latest version %d instead of registering the converted schema", id)
	}
	if vs, err := srv.Versions("t-value"); err != nil || len(vs) != 2 {
		t.Fatalf("versions %v %v, want the converted schema registered as version 2", vs, err)
	}
}
