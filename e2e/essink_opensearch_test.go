//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// osURL is the optional OpenSearch node of scripts/services.sh
// (`scripts/services.sh up opensearch`).
var osURL = strings.TrimRight(envOr("GOCONNECT_E2E_OPENSEARCH", "http://127.0.0.1:9201"), "/")

// osDo sends one request to OpenSearch and returns status and body.
func osDo(t *testing.T, method, path string, body any) (int, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, osURL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := esHTTP.Do(req)
	if err != nil {
		t.Fatalf("OpenSearch %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// osReady fails the test when the OpenSearch service is not running: like
// every service of the suite it is required (scripts/services.sh up starts it).
func osReady(t *testing.T) {
	t.Helper()
	resp, err := esHTTP.Get(osURL + "/")
	if err != nil {
		t.Fatalf("OpenSearch is not running at %s (start it with scripts/services.sh up opensearch): %v", osURL, err)
	}
	defer resp.Body.Close()
	var root struct {
		Version struct {
			Distribution string `json:"distribution"`
		} `json:"version"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&root); err != nil || root.Version.Distribution != "opensearch" {
		t.Fatalf("%s is not OpenSearch: distribution %q, %v", osURL, root.Version.Distribution, err)
	}
	if resp.Header.Get("X-Elastic-Product") != "" {
		t.Fatalf("OpenSearch sends X-Elastic-Product: the test would not show the mode works without it")
	}
}

type osHit struct {
	ID      string         `json:"_id"`
	Version int64          `json:"_version"`
	Source  map[string]any `json:"_source"`
}

func osAll(t *testing.T, index string) []osHit {
	t.Helper()
	osDo(t, http.MethodPost, "/"+index+"/_refresh", nil)
	code, b := osDo(t, http.MethodPost, "/"+index+"/_search", map[string]any{"size": 1000, "version": true})
	if code == http.StatusNotFound {
		return nil
	}
	var r struct {
		Hits struct {
			Hits []osHit `json:"hits"`
		} `json:"hits"`
	}
	if code != http.StatusOK || json.Unmarshal(b, &r) != nil {
		t.Fatalf("search %s: %d %s", index, code, b)
	}
	sort.Slice(r.Hits.Hits, func(i, j int) bool { return r.Hits.Hits[i].ID < r.Hits.Hits[j].ID })
	return r.Hits.Hits
}

// osTopic creates a topic whose OpenSearch index is deleted at the end.
func osTopic(t *testing.T, topic string) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(kafkaAddr), kgo.DefaultProduceTopic(topic))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := kadm.NewClient(cl).CreateTopic(ctx, 1, 1, nil, topic); err != nil {
		t.Fatalf("creating topic %s: %v", topic, err)
	}
	t.Cleanup(func() { osDo(t, http.MethodDelete, "/"+strings.ToLower(topic), nil) })
	return cl
}

// TestESSinkOpenSearch runs the sink against a real OpenSearch 2.x node
// with the distribution detected from GET /: a mapping from the Connect
// schema, record keys as ids with external versions, a tombstone deleting,
// then a schemaless load where OpenSearch refuses one document (its bulk
// answer puts "took" before "errors").
func TestESSinkOpenSearch(t *testing.T) {
	osReady(t)
	topic := uniqueName(t, "customers-os")
	index := strings.ToLower(topic)
	cl := osTopic(t, topic)
	schema := `{"type":"struct","name":"Customer","fields":[
{"field":"id","type":"int64"},
{"field":"name","type":"string"},
{"field":"since","type":"int64","name":"org.apache.kafka.connect.data.Timestamp","version":1}]}`
	val := func(id int, name string) []byte {
		return []byte(fmt.Sprintf(`{"schema":%s,"payload":{"id":%d,"name":%q,"since":1700000000000}}`, schema, id, name))
	}
	var recs []*kgo.Record
	for i := 1; i <= 5; i++ {
		recs = append(recs, &kgo.Record{Key: []byte(fmt.Sprintf("c%d", i)), Value: val(i, fmt.Sprintf("v1-%d", i))})
	}
	recs = append(recs,
		&kgo.Record{Key: []byte("c2"), Value: val(2, "v2-2")}, // offset 5: newer value of c2
		&kgo.Record{Key: []byte("c3")},                        // offset 6: tombstone, deletes c3
	)
	esSinkProduce(t, cl, recs...)
	conf := esSinkConfig("os-schema-"+index, topic, "connection.url", osURL,
		"key.ignore", "false", "schema.ignore", "false", "behavior.on.null.values", "delete")
	w := esSinkWorker(t, true, conf)

	var hits []osHit
	deadline := time.Now().Add(60 * time.Second)
	for {
		hits = osAll(t, index)
		var ids []string
		for _, h := range hits {
			ids = append(ids, h.ID)
		}
		if strings.Join(ids, ",") == "c1,c2,c4,c5" && hits[1].Version == 5 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("index %s holds %v (c2 version %v), want c1,c2,c4,c5 with c2 at external version 5", index, ids, hits)
		}
		select {
		case e := <-w.done:
			w.done <- e
			t.Fatalf("worker exited: %v", e)
		case <-time.After(200 * time.Millisecond):
		}
	}
	if hits[1].Source["name"] != "v2-2" || hits[0].Source["since"] != float64(1700000000000) {
		t.Fatalf("documents: %v", hits)
	}
	if _, ok := hits[0].Source["EXTRACT_TS"].(float64); !ok {
		t.Fatalf("no EXTRACT_TS from InsertField$Value: %v", hits[0].Source)
	}
	code, b := osDo(t, http.MethodGet, "/"+index+"/_mapping", nil)
	var m map[string]struct {
		Mappings struct {
			Properties map[string]map[string]any `json:"properties"`
		} `json:"mappings"`
	}
	if code != http.StatusOK || json.Unmarshal(b, &m) != nil {
		t.Fatalf("mapping: %d %s", code, b)
	}
	if p := m[index].Mappings.Properties; p["since"]["type"] != "date" || p["EXTRACT_TS"]["type"] != "date" || p["id"]["type"] != "long" {
		t.Fatalf("mapping from the Connect schema: %v", p)
	}
	if !strings.Contains(w.output(), "distribution=opensearch") {
		t.Errorf("the worker log does not show OpenSearch detected")
	}
	w.stop(t, 20*time.Second)

	// Schemaless, ids from offsets, one document OpenSearch refuses.
	topic2 := uniqueName(t, "ratings-os")
	index2 := strings.ToLower(topic2)
	cl2 := osTopic(t, topic2)
	const n, bad = 300, 123
	recs = recs[:0]
	for i := 0; i < n; i++ {
		v := fmt.Sprintf(`{"rating_id":%d,"stars":%d}`, i, 1+i%4)
		if i == bad {
			v = fmt.Sprintf(`{"rating_id":%d,"stars":{"nested":"object where a number was"}}`, i)
		}
		recs = append(recs, &kgo.Record{Value: []byte(v)})
	}
	esSinkProduce(t, cl2, recs...)
	w = esSinkWorker(t, false, esSinkConfig("os-ratings-"+index2, topic2, "connection.url", osURL,
		"behavior.on.malformed.documents", "warn", "batch.size", "50"))
	deadline = time.Now().Add(60 * time.Second)
	for !strings.Contains(w.output(), "skipping malformed document") || len(osAll(t, index2)) < n-1 {
		if time.Now().After(deadline) {
			t.Fatalf("%d documents in %s and warned: %v; want %d and a warning", len(osAll(t, index2)), index2, strings.Contains(w.output(), "skipping malformed document"), n-1)
		}
		time.Sleep(200 * time.Millisecond)
	}
	seen := map[string]bool{}
	for _, h := range osAll(t, index2) {
		seen[h.ID] = true
	}
	for i := 0; i < n; i++ {
		if id := fmt.Sprintf("%s+0+%d", topic2, i); seen[id] != (i != bad) {
			t.Fatalf("document %s present: %v", id, seen[id])
		}
	}
	w.stop(t, 20*time.Second)
}
