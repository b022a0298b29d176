//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// esSinkTopic creates a topic and returns a producer for it; the index of
// the same name is deleted when the test ends.
func esSinkTopic(t *testing.T, topic string, partitions int32) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(kafkaAddr), kgo.DefaultProduceTopic(topic), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := kadm.NewClient(cl).CreateTopic(ctx, partitions, 1, nil, topic); err != nil {
		t.Fatalf("creating topic %s: %v", topic, err)
	}
	t.Cleanup(func() { esDo(t, http.MethodDelete, "/"+strings.ToLower(topic), "", nil) })
	return cl
}

// esSinkProduce writes records (nil value: tombstone) and waits for acks.
func esSinkProduce(t *testing.T, cl *kgo.Client, recs ...*kgo.Record) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatalf("producing: %v", err)
	}
}

// esSinkWorker runs goconnect standalone with one connector config; the
// worker converts keys as strings and values as JSON (schemas per flag).
func esSinkWorker(t *testing.T, schemas bool, conn map[string]string) *worker {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "worker.properties"), fmt.Sprintf(`bootstrap.servers=%s
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=%v
offset.storage.file.filename=%s
offset.flush.interval.ms=500
listeners=http://127.0.0.1:0
`, kafkaAddr, schemas, filepath.Join(dir, "connect.offsets")))
	b, err := json.Marshal(map[string]any{"name": conn["name"], "config": conn})
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "connector.json"), string(b))
	return startWorker(t, "standalone", filepath.Join(dir, "worker.properties"), filepath.Join(dir, "connector.json"))
}

// esSinkConfig is the reference pipeline's sink config for one topic.
func esSinkConfig(name, topic string, kv ...string) map[string]string {
	c := map[string]string{
		"name":                             name,
		"connector.class":                  "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector",
		"topics":                           topic,
		"connection.url":                   esURL,
		"type.name":                        "_doc",
		"key.ignore":                       "true",
		"schema.ignore":                    "true",
		"transforms":                       "ExtractTimestamp",
		"transforms.ExtractTimestamp.type": "org.apache.kafka.connect.transforms.InsertField$Value",
		"transforms.ExtractTimestamp.timestamp.field": "EXTRACT_TS",
		"tasks.max": "1",
	}
	for i := 0; i < len(kv); i += 2 {
		c[kv[i]] = kv[i+1]
	}
	return c
}

// esCount refreshes the index and counts its documents (-1: no index).
func esCount(t *testing.T, index string) int {
	t.Helper()
	if code, _, _ := esDo(t, http.MethodPost, "/"+index+"/_refresh", "", nil); code != http.StatusOK {
		return -1
	}
	code, _, b := esDo(t, http.MethodGet, "/"+index+"/_count", "", nil)
	if code != http.StatusOK {
		return -1
	}
	var c struct {
		Count int `json:"count"`
	}
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatalf("_count: %s: %v", b, err)
	}
	return c.Count
}

// esWaitCount polls until the index holds n documents; the worker dying
// first fails the test.
func esWaitCount(t *testing.T, w *worker, index string, n int, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	got := -1
	for time.Now().Before(deadline) {
		if got = esCount(t, index); got == n {
			return
		}
		select {
		case e := <-w.done:
			w.done <- e
			t.Fatalf("worker exited (%v) while index %s held %d documents, want %d", e, index, got, n)
		case <-time.After(300 * time.Millisecond):
		}
	}
	t.Fatalf("index %s holds %d documents, want %d within %s", index, got, n, d)
}

type esHit struct {
	ID      string         `json:"_id"`
	Version int64          `json:"_version"`
	Source  map[string]any `json:"_source"`
}

// esAll returns every document of an index, sorted by id.
func esAll(t *testing.T, index string) []esHit {
	t.Helper()
	var r struct {
		Hits struct {
			Hits []esHit `json:"hits"`
		} `json:"hits"`
	}
	esJSON(t, http.MethodPost, "/"+index+"/_search", map[string]any{"size": 10000, "version": true}, http.StatusOK, &r)
	sort.Slice(r.Hits.Hits, func(i, j int) bool { return r.Hits.Hits[i].ID < r.Hits.Hits[j].ID })
	return r.Hits.Hits
}

func esFieldTypes(t *testing.T, index string) map[string]any {
	t.Helper()
	var m map[string]struct {
		Mappings struct {
			Properties map[string]map[string]any `json:"properties"`
		} `json:"mappings"`
	}
	esJSON(t, http.MethodGet, "/"+index+"/_mapping", nil, http.StatusOK, &m)
	out := map[string]any{}
	for f, p := range m[index].Mappings.Properties {
		out[f] = p["type"]
		if p["type"] == nil {
			out[f] = p["properties"]
		}
	}
	return out
}

// TestESSinkReferencePipeline sinks schemaless JSON ratings as the
// reference pipeline does (key.ignore, schema.ignore, InsertField$Value
// timestamp mapped as a date by an index template) with one malformed
// record in the middle: behavior.on.malformed.documents=warn skips it and
// every other record arrives with id topic+partition+offset.
func TestESSinkReferencePipeline(t *testing.T) {
	esReady(t)
	topic := uniqueName(t, "RATINGS")
	index := strings.ToLower(topic)
	// As the pipeline's Kibana setup does: a template that maps the
	// inserted timestamp as a date (and stars as a number).
	tmpl := "goconnect-" + index
	esJSON(t, http.MethodPut, "/_index_template/"+tmpl, map[string]any{
		"index_patterns": []string{index},
		"template": map[string]any{"mappings": map[string]any{"properties": map[string]any{
			"EXTRACT_TS": map[string]any{"type": "date"},
			"stars":      map[string]any{"type": "long"},
		}}},
	}, http.StatusOK, nil)
	t.Cleanup(func() { esDo(t, http.MethodDelete, "/_index_template/"+tmpl, "", nil) })

	cl := esSinkTopic(t, topic, 2)
	const n = 300
	bad := 150
	var recs []*kgo.Record
	for i := 0; i < n; i++ {
		v := fmt.Sprintf(`{"rating_id":%d,"user_id":%d,"stars":%d,"channel":"iOS","message":"rating %d"}`, i, i%20, 1+i%4, i)
		if i == bad {
			v = fmt.Sprintf(`{"rating_id":%d,"stars":"not a number"}`, i)
		}
		recs = append(recs, &kgo.Record{Key: []byte(fmt.Sprint(i)), Value: []byte(v), Partition: int32(i % 2)})
	}
	esSinkProduce(t, cl, recs...)

	w := esSinkWorker(t, false, esSinkConfig("es-ref-"+index, topic, "behavior.on.malformed.documents", "warn"))
	esWaitCount(t, w, index, n-1, 60*time.Second)
	// The malformed record must not arrive late either.
	time.Sleep(time.Second)
	if got := esCount(t, index); got != n-1 {
		t.Fatalf("index holds %d documents, want %d", got, n-1)
	}
	hits := esAll(t, index)
	seen := map[string]bool{}
	for _, h := range hits {
		seen[h.ID] = true
		id := int(h.Source["rating_id"].(float64))
		if want := fmt.Sprintf("%s+%d+%d", topic, id%2, id/2); h.ID != want {
			t.Fatalf("rating %d has id %q, want %q", id, h.ID, want)
		}
		if h.Source["message"] != fmt.Sprintf("rating %d", id) || h.Source["channel"] != "iOS" {
			t.Fatalf("document %s: %v", h.ID, h.Source)
		}
		if _, ok := h.Source["EXTRACT_TS"].(float64); !ok {
			t.Fatalf("document %s has no numeric EXTRACT_TS: %v", h.ID, h.Source)
		}
	}
	if badID := fmt.Sprintf("%s+%d+%d", topic, bad%2, bad/2); seen[badID] {
		t.Fatalf("malformed record %s was indexed", badID)
	}
	if types := esFieldTypes(t, index); types["EXTRACT_TS"] != "date" || types["stars"] != "long" || types["message"] != "text" {
		t.Fatalf("mapping: %v", types)
	}
	// A date range query works on the inserted timestamp.
	var r struct {
		Hits struct {
			Total struct {
				Value int `json:"value"`
			} `json:"total"`
		} `json:"hits"`
	}
	esJSON(t, http.MethodPost, "/"+index+"/_search", map[string]any{"size": 0, "track_total_hits": true,
		"query": map[string]any{"range": map[string]any{"EXTRACT_TS": map[string]any{"gte": "now-1h"}}}}, http.StatusOK, &r)
	if r.Hits.Total.Value != n-1 {
		t.Fatalf("range on EXTRACT_TS: %d hits, want %d", r.Hits.Total.Value, n-1)
	}
	if !strings.Contains(w.output(), "skipping malformed document") {
		t.Errorf("no warning for the malformed document in the worker log")
	}
	w.stop(t, 20*time.Second)
}

// TestESSinkSchemaMappingKeysAndDeletes uses JSON with schemas: the index
// mapping comes from the Connect schema (timestamp and inserted field as
// date, decimal as double, nested struct), record keys are document ids
// with external versions, and tombstones delete with
// behavior.on.null.values=delete.
func TestESSinkSchemaMappingKeysAndDeletes(t *testing.T) {
	esReady(t)
	topic := uniqueName(t, "customers")
	index := strings.ToLower(topic)
	cl := esSinkTopic(t, topic, 1)
	schema := `{"type":"struct","name":"Customer","fields":[
{"field":"id","type":"int64"},
{"field":"name","type":"string"},
{"field":"balance","type":"bytes","name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}},
{"field":"since","type":"int64","name":"org.apache.kafka.connect.data.Timestamp","version":1},
{"field":"address","type":"struct","fields":[{"field":"city","type":"string"},{"field":"zip","type":"int32","optional":true}]}]}`
	val := func(id int, name string) []byte {
		// 1234 cents as a big-endian two's complement, base64: "BNI=".
		return []byte(fmt.Sprintf(`{"schema":%s,"payload":{"id":%d,"name":%q,"balance":"BNI=","since":1700000000000,"address":{"city":"Paris","zip":75001}}}`, schema, id, name))
	}
	var recs []*kgo.Record
	for i := 1; i <= 5; i++ {
		recs = append(recs, &kgo.Record{Key: []byte(fmt.Sprintf("c%d", i)), Value: val(i, fmt.Sprintf("v1-%d", i))})
	}
	recs = append(recs,
		&kgo.Record{Key: []byte("c2"), Value: val(2, "v2-2")}, // newer value of c2
		&kgo.Record{Key: []byte("c3")},                        // tombstone: delete c3
	)
	esSinkProduce(t, cl, recs...)

	w := esSinkWorker(t, true, esSinkConfig("es-schema-"+index, topic,
		"key.ignore", "false", "schema.ignore", "false", "behavior.on.null.values", "delete"))
	esWaitCount(t, w, index, 4, 60*time.Second)
	time.Sleep(time.Second)
	hits := esAll(t, index)
	var ids []string
	for _, h := range hits {
		ids = append(ids, h.ID)
	}
	if strings.Join(ids, ",") != "c1,c2,c4,c5" {
		t.Fatalf("ids %v, want c1,c2,c4,c5", ids)
	}
	c2 := hits[1]
	if c2.Source["name"] != "v2-2" || c2.Version != 5 {
		t.Fatalf("c2: version %d %v, want the value of offset 5 with external version 5", c2.Version, c2.Source)
	}
	if hits[0].Source["balance"] != 12.34 || hits[0].Source["since"] != float64(1700000000000) {
		t.Fatalf("c1 body: %v", hits[0].Source)
	}
	types := esFieldTypes(t, index)
	want := map[string]any{"id": "long", "name": "text", "balance": "double", "since": "date", "EXTRACT_TS": "date"}
	for f, typ := range want {
		if types[f] != typ {
			t.Errorf("mapping of %s: %v, want %s (all: %v)", f, types[f], typ, types)
		}
	}
	if addr, ok := types["address"].(map[string]any); !ok || addr["zip"] == nil {
		t.Errorf("mapping of address: %v", types["address"])
	}
	w.stop(t, 20*time.Second)
}

// TestESSinkRestartLosesNothing stops the worker (SIGTERM, then SIGKILL)
// while it is loading, restarts it, and checks that every record is a
// document exactly once: offsets are committed only after Elasticsearch
// acknowledged. After SIGKILL most of the time goes to the broker waiting
// out the dead consumer's session.
func TestESSinkRestartLosesNothing(t *testing.T) {
	esReady(t)
	for _, kill := range []bool{false, true} {
		t.Run(map[bool]string{false: "sigterm", true: "sigkill"}[kill], func(t *testing.T) { esSinkRestart(t, kill) })
	}
}

func esSinkRestart(t *testing.T, kill bool) {
	topic := uniqueName(t, "ratings-enriched")
	index := strings.ToLower(topic)
	cl := esSinkTopic(t, topic, 3)
	const n = 30000
	recs := make([]*kgo.Record, n)
	for i := range recs {
		recs[i] = &kgo.Record{Partition: int32(i % 3), Key: []byte(fmt.Sprint(i)), Value: []byte(fmt.Sprintf(`{"rating_id":%d,"stars":%d,"message":"%s"}`, i, 1+i%4, strings.Repeat("x", 100)))}
	}
	esSinkProduce(t, cl, recs...)
	conf := esSinkConfig("es-restart-"+index, topic, "batch.size", "500", "max.in.flight.requests", "2", "max.buffered.records", "1000")

	w := esSinkWorker(t, false, conf)
	deadline := time.Now().Add(60 * time.Second)
	for {
		if c := esCount(t, index); c >= n/10 {
			if c >= n {
				t.Logf("all %d documents arrived before the kill; the restart checks redelivery only", c)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no progress: %d documents", esCount(t, index))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if kill {
		if err := w.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		<-w.done
		w.done <- nil
	} else {
		w.stop(t, 30*time.Second)
	}
	t.Logf("stopped the worker with %d documents in the index", esCount(t, index))

	w2 := esSinkWorker(t, false, conf)
	esWaitCount(t, w2, index, n, 120*time.Second)
	time.Sleep(time.Second)
	if got := esCount(t, index); got != n {
		t.Fatalf("index holds %d documents, want %d", got, n)
	}
	// Every rating is there exactly once.
	var agg struct {
		Aggregations struct {
			IDs struct {
				Value int `json:"value"`
			} `json:"ids"`
		} `json:"aggregations"`
	}
	esJSON(t, http.MethodPost, "/"+index+"/_search", map[string]any{"size": 0,
		"aggs": map[string]any{"ids": map[string]any{"cardinality": map[string]any{"field": "rating_id", "precision_threshold": 40000}}}}, http.StatusOK, &agg)
	if agg.Aggregations.IDs.Value < n-n/100 { // cardinality is approximate above a few thousand
		t.Fatalf("%d distinct rating_id, want %d", agg.Aggregations.IDs.Value, n)
	}
	w2.stop(t, 20*time.Second)
}

// TestESSinkMalformedToDLQ: with a dead letter queue configured, a document
// Elasticsearch refuses under behavior.on.malformed.documents=warn goes to
// the DLQ (the original bytes), the others to the index.
func TestESSinkMalformedToDLQ(t *testing.T) {
	esReady(t)
	topic := uniqueName(t, "UNHAPPY_PLATINUM_CUSTOMERS")
	index := strings.ToLower(topic)
	dlq := topic + "-dlq"
	cl := esSinkTopic(t, topic, 1)
	bad := `{"id":2,"stars":{"nested":"object where a number was"}}`
	esSinkProduce(t, cl,
		&kgo.Record{Value: []byte(`{"id":1,"stars":1}`)},
		&kgo.Record{Value: []byte(bad)},
		&kgo.Record{Value: []byte(`{"id":3,"stars":2}`)},
	)
	w := esSinkWorker(t, false, esSinkConfig("es-dlq-"+index, topic,
		"behavior.on.malformed.documents", "warn", "batch.size", "1", "max.in.flight.requests", "1", "max.buffered.records", "1",
		"errors.tolerance", "all", "errors.deadletterqueue.topic.name", dlq,
		"errors.deadletterqueue.topic.replication.factor", "1", "errors.deadletterqueue.context.headers.enable", "true"))
	esWaitCount(t, w, index, 2, 60*time.Second)

	rd, err := kgo.NewClient(kgo.SeedBrokers(kafkaAddr), kgo.ConsumeTopics(dlq), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var got []*kgo.Record
	for len(got) == 0 && ctx.Err() == nil {
		got = append(got, rd.PollFetches(ctx).Records()...)
	}
	if len(got) != 1 || string(got[0].Value) != bad {
		t.Fatalf("DLQ holds %d records (%v), want the malformed one", len(got), got)
	}
	for _, h := range got[0].Headers {
		if h.Key == "__connect.errors.exception.message" {
			t.Logf("DLQ exception message: %.200s", h.Value)
		}
	}
	w.stop(t, 20*time.Second)
}

// TestESSinkDatagenAvroWithMapping is the reference pipeline with schemas:
// the datagen ratings connector writes Avro through the schema registry and
// the ES sink in the same worker reads it back (schema.ignore=false), so
// the index mapping comes from the Connect schema, including the
// InsertField$Value timestamp as a date.
func TestESSinkDatagenAvroWithMapping(t *testing.T) {
	esReady(t)
	dir := t.TempDir()
	topic := uniqueName(t, "ratings")
	index := strings.ToLower(topic)
	t.Cleanup(func() { esDo(t, http.MethodDelete, "/"+index, "", nil) })
	writeFile(t, filepath.Join(dir, "worker.properties"), fmt.Sprintf(`bootstrap.servers=%s
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=io.confluent.connect.avro.AvroConverter
value.converter.schema.registry.url=%s
offset.storage.file.filename=%s
offset.flush.interval.ms=500
listeners=http://127.0.0.1:0
`, kafkaAddr, schemaRegistryURL, filepath.Join(dir, "offsets")))
	const n = 200
	writeFile(t, filepath.Join(dir, "ratings.json"), fmt.Sprintf(`{"name":"%s-src","config":{
  "connector.class":"io.confluent.kafka.connect.datagen.DatagenConnector","kafka.topic":"%s","quickstart":"ratings",
  "max.interval":"1","iterations":"%d","random.seed":"7"}}`, index, topic, n))
	b, err := json.Marshal(map[string]any{"name": index + "-es", "config": esSinkConfig(index+"-es", topic, "schema.ignore", "false")})
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "es.json"), string(b))
	w := startWorker(t, "standalone", filepath.Join(dir, "worker.properties"), filepath.Join(dir, "ratings.json"), filepath.Join(dir, "es.json"))
	esWaitCount(t, w, index, n, 90*time.Second)

	types := esFieldTypes(t, index)
	for f, typ := range map[string]any{"rating_id": "long", "user_id": "integer", "stars": "integer", "route_id": "integer",
		"rating_time": "long", "channel": "text", "message": "text", "EXTRACT_TS": "date"} {
		if types[f] != typ {
			t.Errorf("mapping of %s: %v, want %s (all: %v)", f, types[f], typ, types)
		}
	}
	hits := esAll(t, index)
	for _, h := range hits {
		id := int64(h.Source["rating_id"].(float64))
		if want := fmt.Sprintf("%s+0+%d", topic, id-1); h.ID != want {
			t.Fatalf("rating %d has id %s, want %s", id, h.ID, want)
		}
		if _, ok := h.Source["EXTRACT_TS"].(float64); !ok {
			t.Fatalf("document %s: EXTRACT_TS %v is not epoch ms", h.ID, h.Source["EXTRACT_TS"])
		}
	}
	w.stop(t, 20*time.Second)
}

// TestESSinkUpsertMerges: write.method=upsert sends update requests with
// doc and upsert, so later partial values merge into the document.
func TestESSinkUpsertMerges(t *testing.T) {
	esReady(t)
	topic := uniqueName(t, "upserts")
	index := strings.ToLower(topic)
	cl := esSinkTopic(t, topic, 1)
	esSinkProduce(t, cl,
		&kgo.Record{Key: []byte("u1"), Value: []byte(`{"name":"Ann","tier":"Gold"}`)},
		&kgo.Record{Key: []byte("u2"), Value: []byte(`{"name":"Bob"}`)},
		&kgo.Record{Key: []byte("u1"), Value: []byte(`{"tier":"Platinum","stars":1}`)},
	)
	w := esSinkWorker(t, false, esSinkConfig("es-upsert-"+index, topic, "key.ignore", "false", "write.method", "upsert", "transforms", ""))
	esWaitCount(t, w, index, 2, 60*time.Second)
	deadline := time.Now().Add(30 * time.Second)
	for {
		hits := esAll(t, index)
		if len(hits) == 2 && hits[0].ID == "u1" && hits[0].Source["tier"] == "Platinum" {
			if hits[0].Source["name"] != "Ann" || hits[0].Source["stars"] != float64(1) || hits[1].Source["name"] != "Bob" {
				t.Fatalf("documents after upserts: %+v", hits)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("documents after upserts: %+v", hits)
		}
		time.Sleep(200 * time.Millisecond)
	}
	w.stop(t, 20*time.Second)
}
