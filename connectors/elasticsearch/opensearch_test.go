package elasticsearch

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// The OpenSearch tests run the task against a real HTTP server that
// answers GET / and _bulk as OpenSearch 2.x does, without Elastic's
// product header (no OpenSearch node runs in this repository's services).

func TestOpenSearchDetectedFromRoot(t *testing.T) {
	f, srv := newFakeES(t)
	f.openSearch = true
	f.script = func(int) (int, func(int, string) (int, string)) {
		return 0, func(i int, _ string) (int, string) {
			if i == 2 {
				return 400, malformedErr
			}
			return 0, ""
		}
	}
	task, tc := startTask(t, srv.URL, "behavior.on.malformed.documents", "warn")
	ctx := context.Background()
	if err := task.Put(ctx, records(5)); err != nil {
		t.Fatal(err)
	}
	if err := task.Flush(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if task.cl.distribution != distOpenSearch {
		t.Fatalf("distribution %q, want opensearch", task.cl.distribution)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.requests) == 0 || f.requests[0] != "GET /" {
		t.Fatalf("first request %v, want GET /", f.requests)
	}
	// Every document but the refused one is in, and the refused one is
	// reported: the item answers (OpenSearch puts "took" before "errors")
	// were read.
	if len(f.docs) != 4 || f.docs["Topic+0+3"] != `{"n":3}` {
		t.Fatalf("docs %v", f.docs)
	}
	if len(tc.reported) != 1 || !strings.HasPrefix(tc.reported[0], "Topic+0+2:") {
		t.Fatalf("reported %v", tc.reported)
	}
}

func TestOpenSearchFromConfigSkipsDetection(t *testing.T) {
	f, srv := newFakeES(t)
	f.openSearch = true
	task, _ := startTask(t, srv.URL, "elastic.distribution", "OpenSearch")
	ctx := context.Background()
	if err := task.Put(ctx, records(3)); err != nil {
		t.Fatal(err)
	}
	if err := task.Flush(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if f.count() != 3 {
		t.Fatalf("%d docs, want 3", f.count())
	}
	for _, r := range f.requests {
		if r == "GET /" {
			t.Fatalf("asked GET / although the distribution is configured: %v", f.requests)
		}
	}
}

// Without the mode, go-elasticsearch's own product check refuses the
// server: this is what the OpenSearch mode avoids.
func TestOpenSearchRefusedAsElasticsearch(t *testing.T) {
	f, srv := newFakeES(t)
	f.openSearch = true
	task, _ := startTask(t, srv.URL, "elastic.distribution", "elasticsearch", "max.retries", "0")
	err := task.Put(context.Background(), records(1))
	if err == nil || !strings.Contains(err.Error(), "not Elasticsearch") {
		t.Fatalf("put: %v, want go-elasticsearch's unknown product error", err)
	}
	if f.count() != 0 {
		t.Fatalf("%d docs indexed", f.count())
	}
}

func TestElasticsearchDetectedFromRoot(t *testing.T) {
	f, srv := newFakeES(t)
	task, _ := startTask(t, srv.URL)
	ctx := context.Background()
	if err := task.Put(ctx, records(2)); err != nil {
		t.Fatal(err)
	}
	if err := task.Flush(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if task.cl.distribution != distElasticsearch || f.count() != 2 {
		t.Fatalf("distribution %q with %d docs", task.cl.distribution, f.count())
	}
}

func TestDistributionConfigValidated(t *testing.T) {
	_, err := parseSettings(map[string]string{"connection.url": "http://x:9200", "elastic.distribution": "solr"})
	if err == nil || !strings.Contains(err.Error(), "elastic.distribution") {
		t.Fatalf("parse: %v", err)
	}
}

func TestDecodeBulkAnswers(t *testing.T) {
	item := `{"index":{"_id":"a","status":201}},{"index":{"_id":"b","status":400,"error":{"type":"x"}}}`
	for _, c := range []struct {
		name, body string
		ok         bool
		items      int
		err        bool
	}{
		{"elasticsearch, no errors", `{"errors":false,"took":1,"items":[` + item + `]}`, true, 0, false},
		{"opensearch, no errors", `{"took":1,"errors":false,"items":[` + item + `]}`, true, 0, false},
		{"errors", `{"errors":true,"took":1,"items":[` + item + `]}`, false, 2, false},
		{"items first", `{"items":[` + item + `],"errors":true}`, false, 2, false},
		{"no items", `{"errors":true}`, false, 0, true},
		{"not json", `<html>`, false, 0, true},
	} {
		items, ok, err := decodeBulk(strings.NewReader(c.body))
		if ok != c.ok || len(items) != c.items || (err != nil) != c.err {
			t.Errorf("%s: ok %v, %d items, err %v", c.name, ok, len(items), err)
		}
		if c.items == 2 && (items[0].Status != 201 || items[1].Status != 400 || string(items[1].Error) != `{"type":"x"}`) {
			t.Errorf("%s: items %+v", c.name, items)
		}
	}
}

// An answer cut off mid-body (the connection broke) is retried: the
// documents may or may not be in, and re-indexing the same ids is safe.
func TestBulkAnswerCutOffIsRetried(t *testing.T) {
	var mu sync.Mutex
	bulks := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Elastic-Product", "Elasticsearch")
		if r.URL.Path != "/_bulk" {
			fmt.Fprint(w, `{"acknowledged":true}`)
			return
		}
		mu.Lock()
		bulks++
		n := bulks
		mu.Unlock()
		if n == 1 {
			w.Header().Set("Content-Length", "1000")
			fmt.Fprint(w, `{"took":1,"errors":tr`) // then the handler returns: the body is short
			return
		}
		fmt.Fprint(w, `{"errors":false,"items":[{"index":{"status":201}}]}`)
	}))
	t.Cleanup(srv.Close)
	task, _ := startTask(t, srv.URL, "elastic.distribution", "elasticsearch")
	ctx := context.Background()
	if err := task.Put(ctx, records(1)); err != nil {
		t.Fatal(err)
	}
	if err := task.Flush(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if bulks != 2 {
		t.Fatalf("%d bulk requests, want 2 (one retry)", bulks)
	}
}
