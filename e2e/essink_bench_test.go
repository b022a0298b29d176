//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/twmb/franz-go/pkg/kgo"
)

// esIndexed is the number of indexing operations the index's primaries
// completed: visible without a refresh, so watching it adds no server
// work that one side of the comparison would pay and the other not.
func esIndexed(index string) int64 {
	resp, err := esHTTP.Get(esURL + "/" + index + "/_stats/indexing?filter_path=_all.primaries.indexing.index_total")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	var s struct {
		All struct {
			Primaries struct {
				Indexing struct {
					IndexTotal int64 `json:"index_total"`
				} `json:"indexing"`
			} `json:"primaries"`
		} `json:"_all"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&s) != nil {
		return -1
	}
	return s.All.Primaries.Indexing.IndexTotal
}

// loadTiming is what the same watcher saw of one load: when the first
// bulk had been indexed (and how many documents it held) and when the
// last document was.
type loadTiming struct {
	first, last time.Time
	firstCount  int64
}

// steady is documents/s from the first completed bulk to the last
// document: the loaders' start-up (a process, a consumer group join)
// is left out of both.
func (l loadTiming) steady(n int) float64 {
	return float64(int64(n)-l.firstCount) / l.last.Sub(l.first).Seconds()
}

// watchIndexed polls the index's indexing count every 20 ms until it
// reaches n; failed() aborts the wait (the loader died).
func watchIndexed(t *testing.T, index string, n int, d time.Duration, failed func() error) loadTiming {
	t.Helper()
	var l loadTiming
	deadline := time.Now().Add(d)
	for {
		c := esIndexed(index)
		now := time.Now()
		if c > 0 && l.first.IsZero() {
			l.first, l.firstCount = now, c
		}
		if c >= int64(n) {
			l.last = now
			if l.firstCount >= int64(n) {
				t.Fatalf("index %s: all %d documents arrived in the first bulk; use more records", index, n)
			}
			return l
		}
		if err := failed(); err != nil {
			t.Fatalf("loading %s: %v", index, err)
		}
		if now.After(deadline) {
			t.Fatalf("index %s: %d documents indexed, want %d within %s", index, c, n, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// bareLoad indexes docs with go-elasticsearch Bulk requests of batch
// documents, inFlight at a time (the connector's batch.size and
// max.in.flight.requests defaults), ids as the connector gives them.
func bareLoad(t *testing.T, index, idPrefix string, docs [][]byte, batch, inFlight int) loadTiming {
	t.Helper()
	t.Cleanup(func() { esDo(t, http.MethodDelete, "/"+index, "", nil) })
	escl, err := elasticsearch.NewClient(elasticsearch.Config{Addresses: []string{esURL}})
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, len(docs)/batch+2)
	go func() {
		sem := make(chan struct{}, inFlight)
		for off := 0; off < len(docs); off += batch {
			var b bytes.Buffer
			for i := off; i < min(off+batch, len(docs)); i++ {
				b.WriteString(`{"index":{"_index":"`)
				b.WriteString(index)
				b.WriteString(`","_id":"`)
				b.WriteString(idPrefix)
				b.WriteString(strconv.Itoa(i))
				b.WriteString("\"}}\n")
				b.Write(docs[i])
				b.WriteByte('\n')
			}
			sem <- struct{}{}
			go func(body []byte) {
				defer func() { <-sem }()
				resp, err := escl.Bulk(bytes.NewReader(body))
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.IsError() {
						err = fmt.Errorf("bulk: %s", resp.Status())
					}
				}
				if err != nil {
					errs <- err
				}
			}(b.Bytes())
		}
	}()
	return watchIndexed(t, index, len(docs), 300*time.Second, func() error {
		select {
		case err := <-errs:
			return err
		default:
			return nil
		}
	})
}

// esBenchWorker runs goconnect as esSinkWorker does but with the worker's
// default offset.flush.interval.ms (60 s, as Connect): the e2e tests' 500 ms
// makes every half second a barrier on all bulk requests in flight, which
// measures the commit interval rather than the sink. GOCONNECT_E2E_ES_BENCH_FLUSH_MS
// sets another interval.
func esBenchWorker(t *testing.T, conn map[string]string) *worker {
	t.Helper()
	dir := t.TempDir()
	flush := ""
	if ms := os.Getenv("GOCONNECT_E2E_ES_BENCH_FLUSH_MS"); ms != "" {
		flush = "offset.flush.interval.ms=" + ms + "\n"
	}
	writeFile(t, filepath.Join(dir, "worker.properties"), fmt.Sprintf(`bootstrap.servers=%s
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=false
offset.storage.file.filename=%s
listeners=http://127.0.0.1:0
%s`, kafkaAddr, filepath.Join(dir, "connect.offsets"), flush))
	b, err := json.Marshal(map[string]any{"name": conn["name"], "config": conn})
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "connector.json"), string(b))
	return startWorker(t, "standalone", filepath.Join(dir, "worker.properties"), filepath.Join(dir, "connector.json"))
}

// TestESSinkThroughput compares documents/s into Elasticsearch through
// goconnect (Kafka → converter → sink) with a bare go-elasticsearch bulk
// loader indexing the same documents in the same run. Set
// GOCONNECT_E2E_ES_BENCH=N to run it.
//
// Fairness: the same document bytes and ids, bulks of 2000, 5 in flight,
// fresh indices with the same settings, a warm-up load first so neither
// side meets a cold JVM, the baseline run before and after goconnect
// (each index deleted before the next load so its merges do not compete),
// and both clocks read by the same watcher of the server's own indexing
// count (no refresh, no search) from the first completed bulk to the last
// document.
func TestESSinkThroughput(t *testing.T) {
	nStr := os.Getenv("GOCONNECT_E2E_ES_BENCH")
	if nStr == "" {
		t.Skip("set GOCONNECT_E2E_ES_BENCH=<records> to measure")
	}
	n, err := strconv.Atoi(nStr)
	if err != nil || n < 10000 {
		t.Fatalf("GOCONNECT_E2E_ES_BENCH=%q: want a number of records ≥ 10000", nStr)
	}
	esReady(t)
	topic := uniqueName(t, "bench")
	index := strings.ToLower(topic)
	cl := esSinkTopic(t, topic, 1)
	docs := make([][]byte, n)
	recs := make([]*kgo.Record, n)
	for i := range recs {
		docs[i] = []byte(fmt.Sprintf(`{"rating_id":%d,"user_id":%d,"stars":%d,"route_id":%d,"rating_time":%d,"channel":"iOS","message":"thank you for the most friendly, helpful experience today at your new lounge"}`, i, i%20, 1+i%4, i%9998, 1+12*i))
		recs[i] = &kgo.Record{Key: []byte(strconv.Itoa(i)), Value: docs[i]}
	}
	esSinkProduce(t, cl, recs...)
	idPrefix := topic + "+0+" // the sink's key.ignore id: offsets are 0..n-1

	drop := func(ix string) { esJSON(t, http.MethodDelete, "/"+ix, nil, http.StatusOK, nil) }
	warm := index + "-warm"
	bareLoad(t, warm, idPrefix, docs[:min(n, 50000)], 2000, 5)
	drop(warm)

	// Baseline and goconnect alternate (B G B G B) so that load from
	// elsewhere on the machine hits both alike; each index is dropped
	// before the next load.
	rounds := 2
	if r, err := strconv.Atoi(os.Getenv("GOCONNECT_E2E_ES_BENCH_ROUNDS")); err == nil && r > 0 {
		rounds = r
	}
	var bare, ours []float64
	// Every load writes the index the sink names after the topic, so the
	// bulk bodies are byte for byte the same.
	runBare := func() {
		bare = append(bare, bareLoad(t, index, idPrefix, docs, 2000, 5).steady(n))
		drop(index)
	}
	runBare()
	for r := 0; r < rounds; r++ {
		start := time.Now()
		// A new connector name each round: a new consumer group reading
		// the topic from the start.
		w := esBenchWorker(t, esSinkConfig(fmt.Sprintf("es-bench-%s-%d", index, r), topic, "transforms", ""))
		l := watchIndexed(t, index, n, 300*time.Second, func() error {
			select {
			case e := <-w.done:
				w.done <- e
				return fmt.Errorf("worker exited: %v", e)
			default:
				return nil
			}
		})
		if got := esCount(t, index); got != n {
			t.Fatalf("goconnect: index holds %d documents, want %d", got, n)
		}
		w.stop(t, 30*time.Second)
		cpu := w.cmd.ProcessState.UserTime() + w.cmd.ProcessState.SystemTime()
		ours = append(ours, l.steady(n))
		t.Logf("goconnect round %d: %.0f docs/s first to last bulk; %.0f docs/s including process start and consumer group join (first document after %s); CPU %.2f s, %.1f µs per document",
			r+1, l.steady(n), float64(n)/l.last.Sub(start).Seconds(), l.first.Sub(start).Round(time.Millisecond), cpu.Seconds(), float64(cpu.Microseconds())/float64(n))
		drop(index)
		runBare()
	}
	mean := func(xs []float64) float64 {
		s := 0.0
		for _, x := range xs {
			s += x
		}
		return s / float64(len(xs))
	}
	t.Logf("%d documents, first to last bulk: bare go-elasticsearch %.0f docs/s, goconnect %.0f docs/s: ratio %.2f",
		n, bare, ours, mean(ours)/mean(bare))
}
