package elasticsearch

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goconnect/goconnect/connect"
)

// fakeES answers index, mapping and bulk requests; bulk answers come from
// a script so tests can inject failures.
type fakeES struct {
	mu       sync.Mutex
	docs     map[string]string // _id → source
	bulks    int
	mappings []string
	// script returns, for bulk call n (0-based) and item i with id, a
	// whole-request status (0: normal) and an item error JSON ("": ok).
	script func(n int) (status int, item func(i int, id string) (int, string))
	delay  time.Duration
	// openSearch makes it answer as OpenSearch 2.x does: its own GET /
	// and no X-Elastic-Product header anywhere.
	openSearch bool
	requests   []string // method and path of every request
}

func newFakeES(t *testing.T) (*fakeES, *httptest.Server) {
	f := &fakeES{docs: map[string]string{}}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeES) serve(w http.ResponseWriter, r *http.Request) {
	if !f.openSearch {
		w.Header().Set("X-Elastic-Product", "Elasticsearch")
	}
	w.Header().Set("Content-Type", "application/json")
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.requests = append(f.requests, r.Method+" "+r.URL.Path)
	f.mu.Unlock()
	switch {
	case r.URL.Path == "/" && f.openSearch:
		// OpenSearch 2.x's root answer (trimmed).
		fmt.Fprint(w, `{"name":"node-1","cluster_name":"opensearch","version":{"distribution":"opensearch","number":"2.19.1","build_type":"tar","lucene_version":"9.12.1","minimum_wire_compatibility_version":"7.10.0","minimum_index_compatibility_version":"7.0.0"},"tagline":"The OpenSearch Project: https://opensearch.org/"}`)
	case r.URL.Path == "/":
		fmt.Fprint(w, `{"name":"node-1","cluster_name":"elasticsearch","version":{"number":"8.19.21","build_flavor":"default","lucene_version":"9.12.2"},"tagline":"You Know, for Search"}`)
	case r.URL.Path == "/_bulk":
		f.bulk(w, body)
	case strings.HasSuffix(r.URL.Path, "/_mapping") && r.Method == http.MethodGet:
		idx := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")[0]
		fmt.Fprintf(w, `{%q:{"mappings":{}}}`, idx)
	case strings.HasSuffix(r.URL.Path, "/_mapping"):
		f.mu.Lock()
		f.mappings = append(f.mappings, string(body))
		f.mu.Unlock()
		fmt.Fprint(w, `{"acknowledged":true}`)
	case r.Method == http.MethodPut:
		fmt.Fprint(w, `{"acknowledged":true}`)
	default:
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{}`)
	}
}

func (f *fakeES) bulk(w http.ResponseWriter, body []byte) {
	if f.delay > 0 {
		time.Sleep(f.delay)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.bulks
	f.bulks++
	status, item := 0, func(int, string) (int, string) { return 0, "" }
	if f.script != nil {
		status, item = f.script(n)
	}
	if status != 0 {
		w.WriteHeader(status)
		fmt.Fprint(w, `{"error":{"type":"es_rejected_execution_exception"}}`)
		return
	}
	sc := bufio.NewScanner(bytes.NewReader(body))
	var items []string
	failed := false
	for i := 0; sc.Scan(); i++ {
		var meta map[string]struct {
			ID string `json:"_id"`
		}
		if err := json.Unmarshal(sc.Bytes(), &meta); err != nil {
			panic(err)
		}
		var op, id string
		for k, v := range meta {
			op, id = k, v.ID
		}
		src := ""
		if op != "delete" {
			sc.Scan()
			src = sc.Text()
		}
		if st, e := item(len(items), id); e != "" {
			items = append(items, fmt.Sprintf(`{%q:{"_id":%q,"status":%d,"error":%s}}`, op, id, st, e))
			failed = true
			continue
		}
		if op == "delete" {
			delete(f.docs, id)
		} else {
			f.docs[id] = src
		}
		items = append(items, fmt.Sprintf(`{%q:{"_id":%q,"status":201}}`, op, id))
	}
	// As Elasticsearch (errors first) and OpenSearch (took first) order them.
	if f.openSearch {
		fmt.Fprintf(w, `{"took":3,"errors":%v,"items":[%s]}`, failed, strings.Join(items, ","))
		return
	}
	fmt.Fprintf(w, `{"errors":%v,"took":3,"items":[%s]}`, failed, strings.Join(items, ","))
}

func (f *fakeES) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.docs)
}

// fakeContext is a sink task context with a recording reporter.
type fakeContext struct {
	props    map[string]string
	mu       sync.Mutex
	reported []string
	refuse   bool
}

func (c *fakeContext) TaskConfig() map[string]string                      { return c.props }
func (c *fakeContext) Logger() *slog.Logger                               { return slog.New(slog.DiscardHandler) }
func (c *fakeContext) Assignment() []connect.TopicPartition               { return nil }
func (c *fakeContext) Pause(...connect.TopicPartition)                    {}
func (c *fakeContext) Resume(...connect.TopicPartition)                   {}
func (c *fakeContext) RequestCommit()                                     {}
func (c *fakeContext) ErrantRecordReporter() connect.ErrantRecordReporter { return c }
func (c *fakeContext) Report(_ context.Context, rec connect.SinkRecord, cause error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reported = append(c.reported, fmt.Sprintf("%s+%d+%d: %v", rec.Topic, rec.Partition, rec.KafkaOffset, cause))
	if c.refuse {
		return fmt.Errorf("tolerance exceeded")
	}
	return nil
}

func startTask(t *testing.T, url string, kv ...string) (*SinkTask, *fakeContext) {
	t.Helper()
	props := map[string]string{"name": "es", "connection.url": url, "key.ignore": "true", "schema.ignore": "true",
		"retry.backoff.ms": "1", "errors.deadletterqueue.topic.name": "dlq"}
	for i := 0; i < len(kv); i += 2 {
		props[kv[i]] = kv[i+1]
	}
	tc := &fakeContext{props: props}
	task := &SinkTask{}
	if err := task.Start(context.Background(), tc, props); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = task.Stop() })
	return task, tc
}

func records(n int) []connect.SinkRecord {
	out := make([]connect.SinkRecord, n)
	for i := range out {
		out[i] = sinkRec("Topic", 0, int64(i), nil, nil, nil, map[string]any{"n": int64(i)})
	}
	return out
}

func TestTaskRetriesWholeRequestsAndItems(t *testing.T) {
	f, srv := newFakeES(t)
	f.script = func(n int) (int, func(int, string) (int, string)) {
		switch n {
		case 0:
			return http.StatusTooManyRequests, nil
		case 1:
			return http.StatusServiceUnavailable, nil
		case 2:
			return 0, func(i int, _ string) (int, string) {
				if i == 1 {
					return 429, `{"type":"es_rejected_execution_exception","reason":"queue full"}`
				}
				return 0, ""
			}
		}
		return 0, func(int, string) (int, string) { return 0, "" }
	}
	task, tc := startTask(t, srv.URL)
	ctx := context.Background()
	if err := task.Put(ctx, records(3)); err != nil {
		t.Fatal(err)
	}
	if err := task.Flush(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if f.count() != 3 || f.bulks != 4 {
		t.Fatalf("%d docs after %d bulk calls, want 3 after 4", f.count(), f.bulks)
	}
	if _, ok := f.docs["Topic+0+1"]; !ok || len(tc.reported) != 0 {
		t.Fatalf("docs %v reported %v", f.docs, tc.reported)
	}
}

func TestTaskGivesUpAfterMaxRetries(t *testing.T) {
	f, srv := newFakeES(t)
	f.script = func(int) (int, func(int, string) (int, string)) { return http.StatusBadGateway, nil }
	task, _ := startTask(t, srv.URL, "max.retries", "2")
	ctx := context.Background()
	if err := task.Put(ctx, records(2)); err != nil {
		t.Fatal(err)
	}
	err := task.Flush(ctx, nil)
	if err == nil || !strings.Contains(err.Error(), "after 2 retries") || f.bulks != 3 {
		t.Fatalf("flush: %v after %d calls; want a failure after 3 calls", err, f.bulks)
	}
	if connect.IsRetriable(err) {
		t.Fatalf("exhausted retries are retriable: %v", err)
	}
	if err := task.Put(ctx, records(1)); err == nil {
		t.Fatal("put after a fatal bulk failure succeeded")
	}
}

// A flush that runs out of time while a request is still retrying (the
// server is away) is retriable: the runtime skips that commit instead of
// failing the task, and a later flush succeeds once the server is back.
func TestTaskFlushTimeoutWhileRetryingIsRetriable(t *testing.T) {
	f, srv := newFakeES(t)
	var mu sync.Mutex
	down := true
	f.script = func(int) (int, func(int, string) (int, string)) {
		mu.Lock()
		defer mu.Unlock()
		if down {
			return http.StatusServiceUnavailable, nil
		}
		return 0, func(int, string) (int, string) { return 0, "" }
	}
	task, _ := startTask(t, srv.URL, "max.retries", "1000", "retry.backoff.ms", "5")
	if err := task.Put(context.Background(), records(3)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	err := task.Flush(ctx, nil)
	cancel()
	if err == nil || !connect.IsRetriable(err) {
		t.Fatalf("flush while the server is down: %v, want a retriable error", err)
	}
	mu.Lock()
	down = false
	mu.Unlock()
	if err := task.Flush(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if f.count() != 3 {
		t.Fatalf("%d docs, want 3", f.count())
	}
}

const malformedErr = `{"type":"document_parsing_exception","reason":"failed to parse field [n]","caused_by":{"type":"illegal_argument_exception","reason":"bad"}}`

func TestTaskMalformedDocuments(t *testing.T) {
	script := func(int) (int, func(int, string) (int, string)) {
		return 0, func(_ int, id string) (int, string) {
			if id == "Topic+0+1" {
				return 400, malformedErr
			}
			return 0, ""
		}
	}
	for _, behavior := range []string{"warn", "ignore"} {
		f, srv := newFakeES(t)
		f.script = script
		task, tc := startTask(t, srv.URL, "behavior.on.malformed.documents", behavior)
		ctx := context.Background()
		if err := task.Put(ctx, records(3)); err != nil {
			t.Fatal(err)
		}
		if err := task.Flush(ctx, nil); err != nil {
			t.Fatalf("%s: %v", behavior, err)
		}
		if f.count() != 2 || len(tc.reported) != 1 || !strings.HasPrefix(tc.reported[0], "Topic+0+1: Indexing failed") {
			t.Fatalf("%s: %d docs, reported %v", behavior, f.count(), tc.reported)
		}
	}

	// A reporter that refuses (errors.tolerance=none) fails the task.
	f, srv := newFakeES(t)
	f.script = script
	task, tc := startTask(t, srv.URL, "behavior.on.malformed.documents", "warn")
	tc.refuse = true
	_ = task.Put(context.Background(), records(3))
	if err := task.Flush(context.Background(), nil); err == nil {
		t.Fatal("flush succeeded although the reporter refused the record")
	}

	// fail: the task fails.
	f, srv = newFakeES(t)
	f.script = script
	task, _ = startTask(t, srv.URL)
	_ = task.Put(context.Background(), records(3))
	if err := task.Flush(context.Background(), nil); err == nil || !strings.Contains(err.Error(), "illegal_argument_exception") {
		t.Fatalf("fail: flush returned %v", err)
	}
}

func TestTaskVersionConflicts(t *testing.T) {
	f, srv := newFakeES(t)
	f.script = func(int) (int, func(int, string) (int, string)) {
		return 0, func(int, string) (int, string) {
			return 409, `{"type":"version_conflict_engine_exception","reason":"version conflict"}`
		}
	}
	// Key used: external versions, conflicts are stale offsets, ignored.
	task, tc := startTask(t, srv.URL, "key.ignore", "false")
	recs := records(2)
	for i := range recs {
		recs[i].Key = fmt.Sprint("k", i)
	}
	_ = task.Put(context.Background(), recs)
	if err := task.Flush(context.Background(), nil); err != nil || len(tc.reported) != 0 {
		t.Fatalf("external: %v, reported %v", err, tc.reported)
	}
	// Without external versions: reported, not fatal.
	task, tc = startTask(t, srv.URL)
	_ = task.Put(context.Background(), records(2))
	if err := task.Flush(context.Background(), nil); err != nil || len(tc.reported) != 2 {
		t.Fatalf("internal: %v, reported %v", err, tc.reported)
	}
}

func TestTaskFlushWaitsForEveryBulk(t *testing.T) {
	f, srv := newFakeES(t)
	f.delay = 50 * time.Millisecond
	task, _ := startTask(t, srv.URL, "batch.size", "10", "max.in.flight.requests", "3", "linger.ms", "100000", "flush.timeout.ms", "200000")
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		recs := records(25)
		for j := range recs {
			recs[j].KafkaOffset = int64(i*25 + j)
		}
		if err := task.Put(ctx, recs); err != nil {
			t.Fatal(err)
		}
	}
	if err := task.Flush(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if f.count() != 125 || f.bulks != 13 {
		t.Fatalf("after flush: %d docs in %d bulks, want 125 in 13 (batches span Puts)", f.count(), f.bulks)
	}
}

func TestTaskLingerSendsPartialBatches(t *testing.T) {
	f, srv := newFakeES(t)
	task, _ := startTask(t, srv.URL, "linger.ms", "20")
	if err := task.Put(context.Background(), records(3)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for f.count() != 3 {
		if time.Now().After(deadline) {
			t.Fatalf("%d docs without a flush, want 3 after linger.ms", f.count())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestTaskMappingAndNullSchema(t *testing.T) {
	f, srv := newFakeES(t)
	task, _ := startTask(t, srv.URL, "schema.ignore", "false")
	s := ratingSchema()
	if err := task.Put(context.Background(), []connect.SinkRecord{sinkRec("Topic", 0, 0, nil, nil, s, ratingValue(s))}); err != nil {
		t.Fatal(err)
	}
	if len(f.mappings) != 1 || !strings.Contains(f.mappings[0], `"ts":{"type":"date"}`) {
		t.Fatalf("mappings sent: %v", f.mappings)
	}
	// Schemaless value on a new index without mapping: the task fails.
	err := task.Put(context.Background(), []connect.SinkRecord{sinkRec("Other", 0, 0, nil, nil, nil, map[string]any{"a": "b"})})
	if err == nil || !strings.Contains(err.Error(), "Cannot infer mapping without schema.") {
		t.Fatalf("schemaless put: %v", err)
	}
}
