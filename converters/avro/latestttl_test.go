package avro

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/schemaregistry/srtest"
)

// latest.cache.ttl.sec: with use.latest.version the subject's latest
// version is read again once the TTL has passed (measured on an injected
// clock), and with -1 (the default) never.
func TestLatestCacheTTL(t *testing.T) {
	for _, ttl := range []string{"10", "-1", "0"} {
		t.Run(ttl, func(t *testing.T) {
			srv := srtest.New(t)
			// Only the latest reads (GET .../versions/latest) have /versions/ in
			// their path here: the test registers straight into the registry.
			latestReads := func() int { return srv.Requests("/versions/") }
			v1 := srv.Register(t, "t-value", srtest.Schema{Text: `{"type":"record","name":"R","fields":[{"name":"o","type":"string"}]}`})
			c := newConverter(t, srv.URL, false, map[string]string{"auto.register.schemas": "false", "use.latest.version": "true", keyLatestTTL: ttl})
			now := time.Unix(1000, 0)
			c.now = func() time.Time { return now }
			s := data.StructBuilder().Name("R").Field("o", data.StringSchema).MustBuild()
			write := func() int {
				t.Helper()
				b, err := c.FromConnectData("t", nil, s, data.NewStruct(s).MustPut("o", "x"))
				if err != nil {
					t.Fatal(err)
				}
				return int(b[4])
			}
			if id := write(); id != v1 || latestReads() != 1 {
				t.Fatalf("first write: id %d, %d latest reads", id, latestReads())
			}
			v2 := srv.Register(t, "t-value", srtest.Schema{Text: `{"type":"record","name":"R","fields":[{"name":"o","type":["null","string"],"default":null}]}`})
			now = now.Add(9 * time.Second)
			id := write()
			n, _ := strconv.Atoi(ttl)
			switch {
			case n == 0:
				if id != v2 || latestReads() != 2 {
					t.Fatalf("ttl 0: id %d, %d latest reads; want v2 %d re-read on every record", id, latestReads(), v2)
				}
				return
			case id != v1 || latestReads() != 1:
				t.Fatalf("before the TTL: id %d, %d latest reads", id, latestReads())
			}
			now = now.Add(time.Second)
			id = write()
			if n < 0 {
				now = now.Add(1000 * time.Hour)
				if id, again := write(), latestReads(); id != v1 || again != 1 {
					t.Fatalf("ttl -1: id %d, %d latest reads; want v1 cached forever", id, again)
				}
				return
			}
			if id != v2 || latestReads() != 2 {
				t.Fatalf("at the TTL: id %d, %d latest reads; want v2 %d read again", id, latestReads(), v2)
			}
			// Cached again until the next TTL.
			if id := write(); id != v2 || latestReads() != 2 {
				t.Fatalf("after the re-read: id %d, %d latest reads", id, latestReads())
			}
		})
	}
}

func TestLatestCacheTTLRefusesBelowMinusOne(t *testing.T) {
	err := New().Configure(map[string]string{"schema.registry.url": "http://127.0.0.1:1", keyLatestTTL: "-2"}, false)
	if err == nil || !strings.Contains(err.Error(), keyLatestTTL) {
		t.Fatalf("got %v", err)
	}
}
