package console

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/goconnect/goconnect/runtime/metrics"
)

// The overview is built once per interval for every page, answered 304
// while unchanged (an idle worker), and rebuilt when a counter moves.
func TestOverviewSharedAndRevalidated(t *testing.T) {
	reg := metrics.NewRegistry(nil)
	src := reg.Task("src", 0, true).Source()
	src.Written(5)
	builds := 0
	conns := func() ([]byte, error) {
		builds++
		return []byte(`{"src":{"status":{"name":"src"}}}`), nil
	}
	h := New(Config{Cluster: &cluster{id: "w1:8083", reg: reg}, Connectors: conns})
	// Five pages polling within the interval: one build.
	var etag string
	for i := range 5 {
		w := get(t, h, "/ui/api/overview", nil)
		if w.Code != http.StatusOK {
			t.Fatalf("poll %d: %d %s", i, w.Code, w.Body)
		}
		if i == 0 {
			etag = w.Header().Get("ETag")
		} else if w.Header().Get("ETag") != etag {
			t.Fatalf("poll %d: another ETag within the interval", i)
		}
	}
	if builds != 1 {
		t.Fatalf("%d builds for 5 polls within the interval", builds)
	}
	w := get(t, h, "/ui/api/overview", map[string]string{"Accept-Encoding": "gzip"})
	zr, err := gzip.NewReader(w.Body)
	if err != nil || w.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("gzip: %v %v", err, w.Header())
	}
	var ov Overview
	if err := json.NewDecoder(zr).Decode(&ov); err != nil {
		t.Fatal(err)
	}
	if string(ov.Connectors) != `{"src":{"status":{"name":"src"}}}` || len(ov.Metrics.Tasks) != 1 || ov.Metrics.Tasks[0].Records != 5 || ov.Time == 0 {
		t.Fatalf("overview %+v", ov)
	}

	// Rebuilt at every poll from here: unchanged content keeps its ETag
	// and time, so a revalidation is a 304 without a body.
	h.overview.every = 0
	w = get(t, h, "/ui/api/overview", map[string]string{"If-None-Match": etag})
	if w.Code != http.StatusNotModified || w.Body.Len() != 0 || builds != 2 {
		t.Fatalf("unchanged: %d, %d bytes, %d builds", w.Code, w.Body.Len(), builds)
	}
	src.Written(1)
	w = get(t, h, "/ui/api/overview", map[string]string{"If-None-Match": etag})
	body, _ := io.ReadAll(w.Body)
	var ov2 Overview
	if w.Code != http.StatusOK || w.Header().Get("ETag") == etag || json.Unmarshal(body, &ov2) != nil || ov2.Metrics.Tasks[0].Records != 6 || ov2.Time < ov.Time {
		t.Fatalf("changed: %d %s etag %s", w.Code, body, w.Header().Get("ETag"))
	}
}

// Without the REST API's connectors list (a console built alone) the
// overview is not served.
func TestOverviewNeedsConnectors(t *testing.T) {
	h := New(Config{Cluster: &cluster{id: "w1:8083", reg: metrics.NewRegistry(nil)}})
	if w := get(t, h, "/ui/api/overview", nil); w.Code != http.StatusNotFound {
		t.Fatalf("%d", w.Code)
	}
}
