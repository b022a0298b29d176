package srclient

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/goconnect/goconnect/schemaregistry"
	"github.com/goconnect/goconnect/schemaregistry/srtest"
)

// A registry over HTTP (goconnect's own, in memory) with a schema that
// references another that references a third.
func registryWithReferences(t *testing.T) (*Client, int) {
	t.Helper()
	srv := srtest.New(t)
	cl, err := sr.NewClient(sr.URLs(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	srv.Register(t, "c", srtest.Schema{Text: `{"type":"record","name":"C","namespace":"t","fields":[{"name":"c","type":"int"}]}`})
	srv.Register(t, "b", srtest.Schema{Text: `{"type":"record","name":"B","namespace":"t","fields":[{"name":"c","type":"t.C"}]}`,
		References: []schemaregistry.Reference{{Name: "t.C", Subject: "c", Version: 1}}})
	id := srv.Register(t, "a", srtest.Schema{Text: `{"type":"record","name":"A","namespace":"t","fields":[{"name":"b","type":"t.B"},{"name":"c","type":"t.C"}]}`,
		References: []schemaregistry.Reference{{Name: "t.B", Subject: "b", Version: 1}, {Name: "t.C", Subject: "c", Version: 1}}})
	return &Client{Client: cl}, id
}

func TestFetchResolvesReferencesDependenciesFirst(t *testing.T) {
	c, id := registryWithReferences(t)
	s, refs, err := c.Fetch(context.Background(), id, sr.TypeAvro)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range refs {
		names = append(names, r.Name+"="+r.Schema.Subject)
	}
	if !strings.Contains(s.Schema, `"name":"A"`) || strings.Join(names, ",") != "t.C=c,t.B=b" {
		t.Errorf("schema %s, references %v", s.Schema, names)
	}
	if _, _, err := c.Fetch(context.Background(), id, sr.TypeJSON); err == nil || err.Error() != "schema id 3 is AVRO, not JSON" {
		t.Errorf("wrong type: %v", err)
	}
	if _, _, err := c.Fetch(context.Background(), 99, sr.TypeProtobuf); err == nil || !strings.HasPrefix(err.Error(), "error retrieving Protobuf schema for id 99: ") {
		t.Errorf("unknown id: %v", err)
	}
}

func TestReadCacheLoadsOncePerID(t *testing.T) {
	var rc ReadCache[int, string]
	var loads atomic.Int32
	load := func(v string) func() (string, error) {
		return func() (string, error) { loads.Add(1); return v, nil }
	}
	for i := 0; i < 3; i++ {
		if v, err := rc.Get(1, load("one")); err != nil || v != "one" {
			t.Fatal(v, err)
		}
	}
	if v, _ := rc.Get(2, load("two")); v != "two" || loads.Load() != 2 {
		t.Errorf("got %q after %d loads", v, loads.Load())
	}
	// A failed load is not kept: the next call loads again.
	if _, err := rc.Get(3, func() (string, error) { return "", errors.New("down") }); err == nil {
		t.Fatal("error lost")
	}
	if v, _ := rc.Get(3, load("three")); v != "three" {
		t.Errorf("after a failure: %q", v)
	}
}

func TestWriteCacheEmptiesWhenFull(t *testing.T) {
	wc := NewWriteCache[string, int](2)
	builds := 0
	build := func(v int) func() (int, error) { return func() (int, error) { builds++; return v, nil } }
	for _, k := range []string{"a", "b", "a", "b"} {
		if _, err := wc.Get(k, build(len(k))); err != nil {
			t.Fatal(err)
		}
	}
	if builds != 2 {
		t.Fatalf("a and b built %d times, want 2", builds)
	}
	// A third key empties the full cache: a and b are built again.
	wc.Get("c", build(3))
	wc.Get("a", build(1))
	if builds != 4 {
		t.Errorf("after a third key: %d builds, want 4", builds)
	}
	if _, err := wc.Get("d", func() (int, error) { return 0, errors.New("down") }); err == nil {
		t.Error("error lost")
	}
	if v, _ := wc.Get("d", build(7)); v != 7 {
		t.Errorf("after a failure: %d", v)
	}
}

func TestWriteCacheForget(t *testing.T) {
	wc := NewWriteCache[string, int](10)
	builds := 0
	build := func() (int, error) { builds++; return builds, nil }
	for _, want := range []int{1, 1} {
		if v, _ := wc.Get("k", build); v != want {
			t.Fatalf("got %d, want %d", v, want)
		}
	}
	wc.Forget("k")
	if v, _ := wc.Get("k", build); v != 2 {
		t.Fatalf("after Forget got %d, want a rebuilt 2", v)
	}
}
