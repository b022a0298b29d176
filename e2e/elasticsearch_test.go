//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// esURL is the Elasticsearch node of scripts/services.sh.
var esURL = strings.TrimRight(envOr("GOCONNECT_E2E_ELASTICSEARCH", "http://127.0.0.1:9200"), "/")

var esHTTP = &http.Client{Timeout: 30 * time.Second}

// esDo sends one request and returns the status, headers and body; a
// transport error fails the test.
func esDo(t *testing.T, method, path, contentType string, body []byte) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, esURL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("e2e: %s %s: %v", method, path, err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := esHTTP.Do(req)
	if err != nil {
		t.Fatalf("e2e: %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("e2e: %s %s: reading the answer: %v", method, path, err)
	}
	return resp.StatusCode, resp.Header, b
}

// esJSON sends a JSON body (nil: none), wants the given status and decodes
// the answer into out (nil: not decoded).
func esJSON(t *testing.T, method, path string, body any, want int, out any) {
	t.Helper()
	var raw []byte
	ct := ""
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			t.Fatal(err)
		}
		ct = "application/json"
	}
	code, _, b := esDo(t, method, path, ct, raw)
	if code != want {
		t.Fatalf("e2e: %s %s: status %d, want %d: %s", method, path, code, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("e2e: %s %s: decoding %q: %v", method, path, b, err)
		}
	}
}

var (
	esReadyOnce sync.Once
	esReadyErr  error
)

// esReady waits (once per run, up to 30s) for the node's cluster health to
// be yellow or green; an unreachable node fails every test loudly, it is
// never a skip.
func esReady(t *testing.T) {
	t.Helper()
	esReadyOnce.Do(func() { esReadyErr = esWaitHealthy(30 * time.Second) })
	if esReadyErr != nil {
		t.Fatalf("e2e: Elasticsearch is not reachable at %s: %v\nStart it with: scripts/services.sh up elasticsearch", esURL, esReadyErr)
	}
}

func esWaitHealthy(d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		var last error
		resp, err := esHTTP.Get(esURL + "/_cluster/health?wait_for_status=yellow&timeout=1s")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var h struct {
				Status string `json:"status"`
			}
			if resp.StatusCode == http.StatusOK && json.Unmarshal(b, &h) == nil && (h.Status == "green" || h.Status == "yellow") {
				return nil
			}
			last = fmt.Errorf("cluster health: status %d: %s", resp.StatusCode, b)
		} else {
			last = err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not yellow/green within %s: %w", d, last)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestElasticsearchRoot checks that `GET /` names the engine and its version
// and carries the product header that go-elasticsearch v8 insists on.
func TestElasticsearchRoot(t *testing.T) {
	esReady(t)
	code, hdr, b := esDo(t, http.MethodGet, "/", "", nil)
	if code != http.StatusOK {
		t.Fatalf("GET /: status %d: %s", code, b)
	}
	var info struct {
		ClusterName string `json:"cluster_name"`
		Version     struct {
			Number       string `json:"number"`
			Distribution string `json:"distribution"`
		} `json:"version"`
		Tagline string `json:"tagline"`
	}
	if err := json.Unmarshal(b, &info); err != nil {
		t.Fatalf("GET /: decoding %q: %v", b, err)
	}
	if info.Version.Number == "" || info.ClusterName == "" {
		t.Fatalf("GET /: no version number or cluster name: %s", b)
	}
	if got := hdr.Get("X-Elastic-Product"); got != "Elasticsearch" {
		t.Errorf("GET /: X-Elastic-Product = %q, want Elasticsearch (go-elasticsearch v8 refuses servers without it)", got)
	}
	t.Logf("engine %s %s (cluster %s)", map[bool]string{true: "OpenSearch", false: "Elasticsearch"}[info.Version.Distribution == "opensearch"], info.Version.Number, info.ClusterName)
}

type esEvent struct {
	Seq  int       `json:"seq"`
	Kind string    `json:"kind"`
	TS   time.Time `json:"ts"`
	Msg  string    `json:"msg"`
}

// TestElasticsearchBulkIndexSearch creates an index with a mapping (date,
// keyword, integer, text), bulk-indexes 100 documents in one _bulk request,
// refreshes, then counts, searches (term, date range, full text) and gets.
func TestElasticsearchBulkIndexSearch(t *testing.T) {
	esReady(t)
	index := uniqueName(t, "goconnect-es")
	esJSON(t, http.MethodPut, "/"+index, map[string]any{
		"settings": map[string]any{"number_of_shards": 1, "number_of_replicas": 0},
		"mappings": map[string]any{
			"dynamic": "strict",
			"properties": map[string]any{
				"seq":  map[string]any{"type": "integer"},
				"kind": map[string]any{"type": "keyword"},
				"ts":   map[string]any{"type": "date"},
				"msg":  map[string]any{"type": "text"},
			},
		},
	}, http.StatusOK, nil)
	t.Cleanup(func() {
		if code, _, b := esDo(t, http.MethodDelete, "/"+index, "", nil); code != http.StatusOK {
			t.Errorf("deleting index %s: status %d: %s", index, code, b)
		}
	})

	// The mapping holds what was asked for.
	var mapping map[string]struct {
		Mappings struct {
			Properties map[string]struct {
				Type string `json:"type"`
			} `json:"properties"`
		} `json:"mappings"`
	}
	esJSON(t, http.MethodGet, "/"+index+"/_mapping", nil, http.StatusOK, &mapping)
	for field, typ := range map[string]string{"seq": "integer", "kind": "keyword", "ts": "date", "msg": "text"} {
		if got := mapping[index].Mappings.Properties[field].Type; got != typ {
			t.Fatalf("mapping of %s: type %q, want %q (%+v)", field, got, typ, mapping)
		}
	}

	base := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	doc := func(i int) esEvent {
		kind := "odd"
		if i%2 == 0 {
			kind = "even"
		}
		return esEvent{Seq: i, Kind: kind, TS: base.Add(time.Duration(i) * time.Minute), Msg: fmt.Sprintf("event number %d from goconnect", i)}
	}
	var bulk bytes.Buffer
	enc := json.NewEncoder(&bulk)
	for i := 0; i < 100; i++ {
		if err := enc.Encode(map[string]any{"index": map[string]any{"_index": index, "_id": fmt.Sprintf("doc-%03d", i)}}); err != nil {
			t.Fatal(err)
		}
		if err := enc.Encode(doc(i)); err != nil {
			t.Fatal(err)
		}
	}
	code, _, b := esDo(t, http.MethodPost, "/_bulk", "application/x-ndjson", bulk.Bytes())
	if code != http.StatusOK {
		t.Fatalf("_bulk: status %d: %s", code, b)
	}
	var bulkResp struct {
		Errors bool `json:"errors"`
		Items  []map[string]struct {
			Status int             `json:"status"`
			Result string          `json:"result"`
			Error  json.RawMessage `json:"error"`
		} `json:"items"`
	}
	if err := json.Unmarshal(b, &bulkResp); err != nil {
		t.Fatalf("_bulk: decoding: %v", err)
	}
	if bulkResp.Errors || len(bulkResp.Items) != 100 {
		t.Fatalf("_bulk: errors=%v, %d items, want no errors and 100 items: %.2000s", bulkResp.Errors, len(bulkResp.Items), b)
	}
	for i, it := range bulkResp.Items {
		if r := it["index"]; r.Status != http.StatusCreated || r.Result != "created" {
			t.Fatalf("_bulk item %d: status %d result %q error %s", i, r.Status, r.Result, r.Error)
		}
	}
	esJSON(t, http.MethodPost, "/"+index+"/_refresh", nil, http.StatusOK, nil)

	var count struct {
		Count int `json:"count"`
	}
	esJSON(t, http.MethodGet, "/"+index+"/_count", nil, http.StatusOK, &count)
	if count.Count != 100 {
		t.Fatalf("_count = %d, want 100", count.Count)
	}

	type hits struct {
		Hits struct {
			Total struct {
				Value    int    `json:"value"`
				Relation string `json:"relation"`
			} `json:"total"`
			Hits []struct {
				ID     string  `json:"_id"`
				Source esEvent `json:"_source"`
			} `json:"hits"`
		} `json:"hits"`
	}
	search := func(query map[string]any) hits {
		t.Helper()
		var h hits
		esJSON(t, http.MethodPost, "/"+index+"/_search", query, http.StatusOK, &h)
		return h
	}

	// All of them, sorted by the date field.
	all := search(map[string]any{"size": 100, "track_total_hits": true, "sort": []any{map[string]any{"ts": "asc"}}})
	if all.Hits.Total.Value != 100 || all.Hits.Total.Relation != "eq" || len(all.Hits.Hits) != 100 {
		t.Fatalf("match_all: total %d (%s), %d hits; want 100", all.Hits.Total.Value, all.Hits.Total.Relation, len(all.Hits.Hits))
	}
	for i, h := range all.Hits.Hits {
		if h.Source.Seq != i {
			t.Fatalf("sorted by ts: hit %d has seq %d", i, h.Source.Seq)
		}
	}

	// Keyword term: half of them.
	if got := search(map[string]any{"size": 0, "query": map[string]any{"term": map[string]any{"kind": "even"}}}).Hits.Total.Value; got != 50 {
		t.Fatalf("term kind=even: %d hits, want 50", got)
	}
	// Date range: minutes 90..99.
	rng := search(map[string]any{"size": 0, "query": map[string]any{"range": map[string]any{"ts": map[string]any{
		"gte": base.Add(90 * time.Minute).Format(time.RFC3339),
	}}}})
	if got := rng.Hits.Total.Value; got != 10 {
		t.Fatalf("range ts >= +90m: %d hits, want 10", got)
	}

	// One document by full text, with all its fields.
	want := doc(42)
	one := search(map[string]any{"query": map[string]any{"bool": map[string]any{"must": []any{
		map[string]any{"match": map[string]any{"msg": "number 42"}},
		map[string]any{"term": map[string]any{"seq": 42}},
	}}}})
	if one.Hits.Total.Value != 1 || len(one.Hits.Hits) != 1 {
		t.Fatalf("search seq=42: %d hits, want 1", one.Hits.Total.Value)
	}
	if h := one.Hits.Hits[0]; h.ID != "doc-042" || h.Source.Seq != want.Seq || h.Source.Kind != want.Kind || !h.Source.TS.Equal(want.TS) || h.Source.Msg != want.Msg {
		t.Fatalf("search seq=42: got _id %s %+v, want doc-042 %+v", h.ID, h.Source, want)
	}

	// And by id.
	var got struct {
		Found  bool    `json:"found"`
		Source esEvent `json:"_source"`
	}
	esJSON(t, http.MethodGet, "/"+index+"/_doc/doc-042", nil, http.StatusOK, &got)
	if g := got.Source; !got.Found || g.Seq != want.Seq || g.Kind != want.Kind || !g.TS.Equal(want.TS) || g.Msg != want.Msg {
		t.Fatalf("GET _doc/doc-042: found=%v %+v, want %+v", got.Found, got.Source, want)
	}
	if code, _, b := esDo(t, http.MethodGet, "/"+index+"/_doc/doc-100", "", nil); code != http.StatusNotFound {
		t.Fatalf("GET _doc/doc-100: status %d, want 404: %s", code, b)
	}
}
