//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// esService runs scripts/services.sh for the Elasticsearch node.
func esService(t *testing.T, cmd string) {
	t.Helper()
	out, err := exec.Command("../scripts/services.sh", cmd, "elasticsearch").CombinedOutput()
	if err != nil {
		t.Fatalf("scripts/services.sh %s elasticsearch: %v\n%s", cmd, err, out)
	}
}

// esStopForTest stops Elasticsearch and makes sure it is running again
// when the test ends, whatever happens in between: other tests and other
// people share the node.
func esStopForTest(t *testing.T) {
	t.Helper()
	t.Cleanup(func() {
		if out, err := exec.Command("../scripts/services.sh", "up", "elasticsearch").CombinedOutput(); err != nil {
			t.Errorf("restarting Elasticsearch after the test: %v\n%s", err, out)
		}
	})
	esService(t, "down")
}

var restAddrRE = regexp.MustCompile(`rest=(127\.0\.0\.1:\d+)`)

// restURL waits for the worker's start line and returns its REST base URL
// (the e2e workers listen on a random port).
func restURL(t *testing.T, w *worker) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if m := restAddrRE.FindStringSubmatch(w.output()); m != nil {
			return "http://" + m[1]
		}
		select {
		case e := <-w.done:
			w.done <- e
			t.Fatalf("worker exited (%v) before its REST listener started", e)
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Fatal("no REST address in the worker log within 30s")
	return ""
}

// taskState is the state of task 0 of a connector ("" while it has none),
// with its trace.
func taskState(t *testing.T, rest, name string) (string, string) {
	t.Helper()
	resp, err := http.Get(rest + "/connectors/" + name + "/status")
	if err != nil {
		t.Fatalf("GET status: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusNotFound {
		return "", ""
	}
	var st struct {
		Tasks []struct {
			ID    int    `json:"id"`
			State string `json:"state"`
			Trace string `json:"trace"`
		} `json:"tasks"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &st) != nil {
		t.Fatalf("GET status: %d %s", resp.StatusCode, b)
	}
	for _, tk := range st.Tasks {
		if tk.ID == 0 {
			return tk.State, tk.Trace
		}
	}
	return "", ""
}

func waitTaskState(t *testing.T, rest, name, want string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	var got string
	for time.Now().Before(deadline) {
		if got, _ = taskState(t, rest, name); got == want {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("task of %s is %q, want %s within %s", name, got, want, d)
}

// committed returns the sink group's committed offsets of a topic by
// partition (absent: nothing committed).
func committed(t *testing.T, adm *kadm.Client, connector, topic string) map[int32]int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := adm.FetchOffsets(ctx, "connect-"+connector)
	if err != nil {
		t.Fatalf("fetching the offsets of connect-%s: %v", connector, err)
	}
	out := map[int32]int64{}
	for p, o := range r[topic] {
		if o.Err == nil && o.At >= 0 {
			out[p] = o.At
		}
	}
	return out
}

// esDoc is a document as the outage tests read it back.
type esDoc struct {
	ID          string `json:"_id"`
	Version     int64  `json:"_version"`
	PrimaryTerm int64  `json:"_primary_term"`
	Source      struct {
		Seq int `json:"seq"`
	} `json:"_source"`
}

// esDocs reads every document of an index, in seq order, with versions
// and primary terms (search_after: more than one result window).
func esDocs(t *testing.T, index string) []esDoc {
	t.Helper()
	esDo(t, http.MethodPost, "/"+index+"/_refresh", "", nil)
	var all []esDoc
	var after []any
	for {
		q := map[string]any{"size": 10000, "version": true, "seq_no_primary_term": true,
			"sort": []any{map[string]any{"seq": "asc"}}, "_source": []string{"seq"}}
		if after != nil {
			q["search_after"] = after
		}
		var r struct {
			Hits struct {
				Hits []struct {
					esDoc
					Sort []any `json:"sort"`
				} `json:"hits"`
			} `json:"hits"`
		}
		esJSON(t, http.MethodPost, "/"+index+"/_search", q, http.StatusOK, &r)
		if len(r.Hits.Hits) == 0 {
			return all
		}
		for _, h := range r.Hits.Hits {
			all = append(all, h.esDoc)
		}
		after = r.Hits.Hits[len(r.Hits.Hits)-1].Sort
	}
}

// outageLoad produces n records over two partitions in batches, paced so
// that the load lasts about as long as the outage; it returns the ids the
// sink will give them (topic+partition+offset) by seq, once all are acked.
func outageLoad(t *testing.T, cl *kgo.Client, topic string, n, batch int, pace time.Duration) <-chan []string {
	out := make(chan []string, 1)
	go func() {
		ids := make([]string, n)
		defer func() { out <- ids }()
		for off := 0; off < n; off += batch {
			recs := make([]*kgo.Record, 0, batch)
			for i := off; i < min(off+batch, n); i++ {
				recs = append(recs, &kgo.Record{Partition: int32(i % 2), Key: []byte(fmt.Sprint(i)),
					Value: []byte(fmt.Sprintf(`{"seq":%d,"stars":%d,"message":"%s"}`, i, 1+i%4, strings.Repeat("m", 80)))})
			}
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			res := cl.ProduceSync(ctx, recs...)
			cancel()
			if err := res.FirstErr(); err != nil {
				t.Errorf("producing: %v", err)
				return
			}
			for _, r := range res {
				var seq int
				fmt.Sscanf(string(r.Record.Key), "%d", &seq)
				ids[seq] = fmt.Sprintf("%s+%d+%d", topic, r.Record.Partition, r.Record.Offset)
			}
			time.Sleep(pace) // pacing the load, not synchronisation
		}
	}()
	return out
}

// TestESSinkSurvivesOutage stops Elasticsearch for 20 s in the middle of a
// load. With retries that outlast the outage the task stays RUNNING, the
// index ends up with exactly the produced records (re-sent bulks re-index
// the same ids), and no offset committed while Elasticsearch was down
// covers a document it had not acknowledged before going down: such a
// document would carry the primary term of the restarted node.
func TestESSinkSurvivesOutage(t *testing.T) {
	esReady(t)
	topic := uniqueName(t, "ratings-outage")
	index := strings.ToLower(topic)
	name := "es-outage-" + index
	cl := esSinkTopic(t, topic, 2)
	adm := kadm.NewClient(cl)
	const n = 40000
	ids := outageLoad(t, cl, topic, n, 400, 100*time.Millisecond)

	// backoff 100 ms doubling with jitter: 14 retries outlast 20 s with
	// near certainty (the 10th wait alone averages 25 s).
	w := esSinkWorker(t, false, esSinkConfig(name, topic, "transforms", "",
		"max.retries", "14", "retry.backoff.ms", "100", "batch.size", "500", "max.in.flight.requests", "2",
		"read.timeout.ms", "2000"))
	rest := restURL(t, w)

	deadline := time.Now().Add(60 * time.Second)
	for esCount(t, index) < 2000 {
		if time.Now().After(deadline) {
			t.Fatalf("no progress before the outage: %d documents", esCount(t, index))
		}
		time.Sleep(50 * time.Millisecond)
	}
	var term struct {
		Hits struct {
			Hits []esDoc `json:"hits"`
		} `json:"hits"`
	}
	esJSON(t, http.MethodPost, "/"+index+"/_search", map[string]any{"size": 1, "seq_no_primary_term": true}, http.StatusOK, &term)
	if len(term.Hits.Hits) != 1 {
		t.Fatal("no document to read the primary term from")
	}
	before := term.Hits.Hits[0].PrimaryTerm

	esStopForTest(t)
	down := time.Now()
	t.Logf("stopped Elasticsearch; committed offsets %v", committed(t, adm, name, topic))
	// During the outage the task keeps running and nothing it commits may
	// go beyond what Elasticsearch acknowledged before it went down.
	duringOutage := map[int32]int64{}
	for time.Since(down) < 20*time.Second {
		if st, trace := taskState(t, rest, name); st != "RUNNING" {
			t.Fatalf("task is %s %.0fs into the outage: %s", st, time.Since(down).Seconds(), trace)
		}
		for p, o := range committed(t, adm, name, topic) {
			duringOutage[p] = max(duringOutage[p], o)
		}
		time.Sleep(500 * time.Millisecond) // sampling interval
	}
	esService(t, "up")
	t.Logf("Elasticsearch back after %s; offsets committed during the outage: %v", time.Since(down).Round(100*time.Millisecond), duringOutage)

	var want []string
	select {
	case want = <-ids:
	case <-time.After(120 * time.Second):
		t.Fatal("producer did not finish")
	}
	if t.Failed() {
		t.FailNow()
	}
	esWaitCount(t, w, index, n, 180*time.Second)
	if st, trace := taskState(t, rest, name); st != "RUNNING" {
		t.Fatalf("task is %s after the outage: %s", st, trace)
	}
	// Every produced record is there under its own id, once.
	docs := esDocs(t, index)
	if len(docs) != n {
		t.Fatalf("read %d documents, want %d", len(docs), n)
	}
	offsetOf := func(id string) (int32, int64) {
		var p int32
		var o int64
		fmt.Sscanf(id[len(topic)+1:], "%d+%d", &p, &o)
		return p, o
	}
	reindexed := 0
	for i, d := range docs {
		if d.Source.Seq != i || d.ID != want[i] {
			t.Fatalf("document %d: seq %d id %q, want seq %d id %q", i, d.Source.Seq, d.ID, i, want[i])
		}
		p, o := offsetOf(d.ID)
		if c, ok := duringOutage[p]; ok && o < c && (d.PrimaryTerm != before || d.Version != 1) {
			t.Fatalf("offset %d of partition %d was committed during the outage but document %s was indexed after it (primary term %d, version %d; before the outage: term %d)",
				o, p, d.ID, d.PrimaryTerm, d.Version, before)
		}
		if d.Version > 1 {
			reindexed++
		}
	}
	t.Logf("%d documents, %d of them re-indexed by retried bulks", len(docs), reindexed)
	if !strings.Contains(w.output(), "retrying") {
		t.Errorf("the worker log shows no retries: was Elasticsearch really down?")
	}
	// Finally everything is committed.
	deadline = time.Now().Add(30 * time.Second)
	for {
		c := committed(t, adm, name, topic)
		total := int64(0)
		for _, o := range c {
			total += o
		}
		if total == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("committed offsets %v cover %d records, want %d", c, total, n)
		}
		time.Sleep(200 * time.Millisecond)
	}
	w.stop(t, 30*time.Second)
}

// TestESSinkRetriesExhaustedFailsWithoutLoss: with retries shorter than
// the outage the task goes FAILED (not before its retries ran out), commits
// nothing it did not write, and a restart once Elasticsearch is back
// delivers every record exactly once.
func TestESSinkRetriesExhaustedFailsWithoutLoss(t *testing.T) {
	esReady(t)
	topic := uniqueName(t, "ratings-exhausted")
	index := strings.ToLower(topic)
	name := "es-exhausted-" + index
	cl := esSinkTopic(t, topic, 2)
	adm := kadm.NewClient(cl)
	const n = 20000
	ids := outageLoad(t, cl, topic, n, 400, 100*time.Millisecond)

	// Waits of at most 1 s and 2 s: the task must stay RUNNING for the
	// first attempt plus the retries, and go FAILED within about 3 s more.
	w := esSinkWorker(t, false, esSinkConfig(name, topic, "transforms", "",
		"max.retries", "2", "retry.backoff.ms", "1000", "batch.size", "500", "max.in.flight.requests", "2"))
	rest := restURL(t, w)
	deadline := time.Now().Add(60 * time.Second)
	for esCount(t, index) < 2000 {
		if time.Now().After(deadline) {
			t.Fatalf("no progress before the outage: %d documents", esCount(t, index))
		}
		time.Sleep(50 * time.Millisecond)
	}
	esStopForTest(t)
	down := time.Now()
	var failedAfter time.Duration
	for {
		st, trace := taskState(t, rest, name)
		if st == "FAILED" {
			failedAfter = time.Since(down)
			if !strings.Contains(trace, "after 2 retries") {
				t.Errorf("trace does not name the exhausted retries: %s", trace)
			}
			break
		}
		if time.Since(down) > 30*time.Second {
			t.Fatalf("task still %s 30 s into the outage with max.retries=2", st)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("task FAILED %s into the outage", failedAfter.Round(100*time.Millisecond))
	if !strings.Contains(w.output(), "attempt=2") {
		t.Errorf("the worker log does not show the second retry before the failure")
	}
	stored := committed(t, adm, name, topic)
	esService(t, "up")

	var want []string
	select {
	case want = <-ids:
	case <-time.After(120 * time.Second):
		t.Fatal("producer did not finish")
	}
	// Whatever was committed before the failure is in the index.
	have := map[string]bool{}
	for _, d := range esDocs(t, index) {
		have[d.ID] = true
	}
	for _, id := range want {
		var p int32
		var o int64
		fmt.Sscanf(id[len(topic)+1:], "%d+%d", &p, &o)
		if c, ok := stored[p]; ok && o < c && !have[id] {
			t.Fatalf("offset %d of partition %d is committed (%v) but document %s is missing", o, p, stored, id)
		}
	}

	resp, err := http.Post(rest+"/connectors/"+name+"/tasks/0/restart", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("restarting the task: %s", resp.Status)
	}
	waitTaskState(t, rest, name, "RUNNING", 30*time.Second)
	esWaitCount(t, w, index, n, 120*time.Second)
	docs := esDocs(t, index)
	if len(docs) != n {
		t.Fatalf("read %d documents, want %d", len(docs), n)
	}
	for i, d := range docs {
		if d.Source.Seq != i || d.ID != want[i] {
			t.Fatalf("document %d: seq %d id %q, want seq %d id %q", i, d.Source.Seq, d.ID, i, want[i])
		}
	}
	w.stop(t, 30*time.Second)
}

// TestESSinkOutageUnderLightLoad: records that arrive while Elasticsearch
// is down are sent, and their bulk request keeps retrying while the worker
// has nothing else to put and asks the task to flush every 500 ms with
// offset.flush.timeout.ms (5 s) to wait. Those flushes cannot succeed
// until Elasticsearch is back; they must not fail the task while its
// retries last, and no offset may be committed past what was indexed.
func TestESSinkOutageUnderLightLoad(t *testing.T) {
	esReady(t)
	topic := uniqueName(t, "ratings-light")
	index := strings.ToLower(topic)
	name := "es-light-" + index
	cl := esSinkTopic(t, topic, 1)
	adm := kadm.NewClient(cl)
	rec := func(i int) *kgo.Record {
		return &kgo.Record{Key: []byte(fmt.Sprint(i)), Value: []byte(fmt.Sprintf(`{"seq":%d}`, i))}
	}
	const before, during = 100, 50
	var recs []*kgo.Record
	for i := 0; i < before; i++ {
		recs = append(recs, rec(i))
	}
	esSinkProduce(t, cl, recs...)
	w := esSinkWorker(t, false, esSinkConfig(name, topic, "transforms", "",
		"max.retries", "14", "retry.backoff.ms", "100", "read.timeout.ms", "2000"))
	rest := restURL(t, w)
	esWaitCount(t, w, index, before, 60*time.Second)

	esStopForTest(t)
	down := time.Now()
	recs = recs[:0]
	for i := before; i < before+during; i++ {
		recs = append(recs, rec(i))
	}
	esSinkProduce(t, cl, recs...)
	for time.Since(down) < 20*time.Second {
		if st, trace := taskState(t, rest, name); st != "RUNNING" {
			t.Fatalf("task is %s %.0fs into the outage: %s", st, time.Since(down).Seconds(), trace)
		}
		if c := committed(t, adm, name, topic)[0]; c > before {
			t.Fatalf("offset %d committed while Elasticsearch was down with %d documents", c, before)
		}
		time.Sleep(500 * time.Millisecond) // sampling interval
	}
	esService(t, "up")
	esWaitCount(t, w, index, before+during, 180*time.Second)
	deadline := time.Now().Add(30 * time.Second)
	for committed(t, adm, name, topic)[0] != before+during {
		if time.Now().After(deadline) {
			t.Fatalf("committed %v, want %d", committed(t, adm, name, topic), before+during)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if st, trace := taskState(t, rest, name); st != "RUNNING" {
		t.Fatalf("task is %s after the outage: %s", st, trace)
	}
	w.stop(t, 30*time.Second)
}
