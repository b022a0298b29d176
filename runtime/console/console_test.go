package console

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/runtime/herder"
	"github.com/goconnect/goconnect/runtime/metrics"
	"github.com/goconnect/goconnect/runtime/status"
)

// cluster is a worker's view: connectors with statuses, a registry and,
// optionally, an admin client.
type cluster struct {
	id       string
	reg      *metrics.Registry
	statuses map[string]herder.ConnectorStatus
	configs  map[string]map[string]string
	adm      *kadm.Client
}

func (c *cluster) WorkerID() string           { return c.id }
func (c *cluster) Metrics() *metrics.Registry { return c.reg }
func (c *cluster) Connectors() []string {
	var out []string
	for n := range c.statuses {
		out = append(out, n)
	}
	return out
}
func (c *cluster) Status(name string) (herder.ConnectorStatus, error) {
	st, ok := c.statuses[name]
	if !ok {
		return st, errors.New("not found")
	}
	return st, nil
}
func (c *cluster) Config(name string) (map[string]string, error) { return c.configs[name], nil }
func (c *cluster) Admin() (*kadm.Client, error)                  { return c.adm, nil }

func get(t *testing.T, h http.Handler, path string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, path, nil)
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestAssetsEmbeddedGzippedAndRevalidated(t *testing.T) {
	h := New(Config{Cluster: &cluster{reg: metrics.NewRegistry(nil)}})
	w := get(t, h, "/ui/", nil)
	if w.Code != 200 || !strings.Contains(w.Body.String(), `<script src="app.js">`) || w.Header().Get("Content-Security-Policy") == "" {
		t.Fatalf("index: %d %v %q", w.Code, w.Header(), w.Body.String())
	}
	w = get(t, h, "/ui/app.js", map[string]string{"Accept-Encoding": "gzip, br"})
	if w.Header().Get("Content-Encoding") != "gzip" || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/javascript") {
		t.Fatalf("app.js headers %v", w.Header())
	}
	zr, err := gzip.NewReader(w.Body)
	if err != nil {
		t.Fatal(err)
	}
	js, _ := io.ReadAll(zr)
	if !strings.Contains(string(js), "async function api(") {
		t.Fatal("gzipped app.js does not decode to the script")
	}
	etag := w.Header().Get("ETag")
	if w := get(t, h, "/ui/app.js", map[string]string{"If-None-Match": etag}); w.Code != http.StatusNotModified || w.Body.Len() != 0 {
		t.Fatalf("revalidation: %d, %d bytes", w.Code, w.Body.Len())
	}
	if w := get(t, h, "/ui/nope.js", nil); w.Code != 404 || !strings.Contains(w.Body.String(), `"error_code":404`) {
		t.Fatalf("missing asset: %d %s", w.Code, w.Body)
	}
}

func TestMetricsFromTheRegistry(t *testing.T) {
	reg := metrics.NewRegistry(nil)
	src := reg.Task("src", 0, true)
	src.Source().Written(7)
	src.Errors().Skipped()
	src.Errors().DLQRequest()
	snap := src.Snapshot()
	snap.SnapshotStarted([]string{"db.a", "db.b"}, []int64{10, 20})
	snap.TableCompleted("db.a", 10)
	snap.RowsScanned("db.b", 5)
	reg.Task("snk", 1, false).Sink().Read(3, 0)
	h := New(Config{Cluster: &cluster{id: "w1:8083", reg: reg}})

	w := get(t, h, "/ui/api/metrics", nil)
	var m Metrics
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil || w.Code != 200 {
		t.Fatalf("%d %s %v", w.Code, w.Body, err)
	}
	byName := map[string]TaskMetrics{}
	for _, tm := range m.Tasks {
		byName[tm.Connector] = tm
	}
	if s := byName["src"]; s.Records != 7 || s.Skipped != 1 || s.DLQ != 1 || s.Worker != "w1:8083" {
		t.Errorf("source task %+v", s)
	}
	if s := byName["snk"]; s.Records != 3 || s.Task != 1 {
		t.Errorf("sink task %+v", s)
	}
	if len(m.Snapshots) != 1 {
		t.Fatalf("snapshots %+v", m.Snapshots)
	}
	s := m.Snapshots[0]
	if !s.Running || s.Tables != 2 || s.Remaining != 1 || s.Rows["db.a"] != 10 || s.Rows["db.b"] != 5 || s.Estimated["db.b"] != 20 {
		t.Errorf("snapshot %+v", s)
	}
}

// A worker's console shows the tasks other workers run, asking them for
// their own metrics with the user's credentials.
func TestMetricsAggregateTheCluster(t *testing.T) {
	peerReg := metrics.NewRegistry(nil)
	peerReg.Task("c", 1, true).Source().Written(11)
	var auth string
	peerCluster := &cluster{reg: peerReg}
	peer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = r.Header.Get("Authorization")
		New(Config{Cluster: peerCluster}).ServeHTTP(w, r)
	}))
	defer peer.Close()
	peerID := strings.TrimPrefix(peer.URL, "http://")
	peerCluster.id = peerID

	reg := metrics.NewRegistry(nil)
	reg.Task("c", 0, true).Source().Written(2)
	st := herder.ConnectorStatus{Name: "c", Type: connect.TypeSource,
		Connector: status.Status{State: status.Running, WorkerID: "self:1"},
		Tasks:     map[int]status.Status{0: {State: status.Running, WorkerID: "self:1"}, 1: {State: status.Running, WorkerID: peerID}}}
	gone := herder.ConnectorStatus{Name: "d", Connector: status.Status{State: status.Running, WorkerID: "127.0.0.1:1"}}
	h := New(Config{Cluster: &cluster{id: "self:1", reg: reg, statuses: map[string]herder.ConnectorStatus{"c": st, "d": gone}}})
	w := get(t, h, "/ui/api/metrics", map[string]string{"Authorization": "Basic dTpw"})
	var m Metrics
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	var total float64
	workers := map[string]bool{}
	for _, tm := range m.Tasks {
		total += tm.Records
		workers[tm.Worker] = true
	}
	if total != 13 || !workers[peerID] || !workers["self:1"] {
		t.Errorf("cluster tasks %+v", m.Tasks)
	}
	if auth != "Basic dTpw" {
		t.Errorf("peer got Authorization %q", auth)
	}
	if _, ok := m.Unreachable["127.0.0.1:1"]; !ok || len(m.Unreachable) != 1 {
		t.Errorf("unreachable %v", m.Unreachable)
	}
}

func TestSinkLagPerPartition(t *testing.T) {
	kc, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, "in"))
	if err != nil {
		t.Fatal(err)
	}
	defer kc.Close()
	cl, err := kgo.NewClient(kgo.SeedBrokers(kc.ListenAddrs()...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx := context.Background()
	for i := range 5 {
		if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "in", Partition: int32(i % 2), Value: []byte("x")}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	adm := kadm.NewClient(cl)
	var offs kadm.Offsets
	offs.Add(kadm.Offset{Topic: "in", Partition: 0, At: 1, LeaderEpoch: -1})
	if _, err := adm.CommitOffsets(ctx, "connect-snk", offs); err != nil {
		t.Fatal(err)
	}
	c := &cluster{reg: metrics.NewRegistry(nil), adm: adm,
		statuses: map[string]herder.ConnectorStatus{"snk": {Type: connect.TypeSink}, "src": {Type: connect.TypeSource}},
		configs:  map[string]map[string]string{"snk": {"topics": "in"}}}
	h := New(Config{Cluster: c})
	w := get(t, h, "/ui/api/connectors/snk/lag", nil)
	var lag Lag
	if err := json.Unmarshal(w.Body.Bytes(), &lag); err != nil || w.Code != 200 {
		t.Fatalf("%d %s %v", w.Code, w.Body, err)
	}
	want := []PartitionLag{{Topic: "in", Partition: 0, Committed: 1, End: 3, Lag: 2}, {Topic: "in", Partition: 1, Committed: -1, End: 2, Lag: 2}}
	if lag.Group != "connect-snk" || len(lag.Partitions) != 2 || lag.Partitions[0] != want[0] || lag.Partitions[1] != want[1] {
		t.Fatalf("lag %+v, want %+v", lag, want)
	}
	// topics.regex: the existing topics it matches whole ("in", not
	// "input"), nothing committed for them.
	if _, err := adm.CreateTopic(ctx, 1, 1, nil, "input"); err != nil {
		t.Fatal(err)
	}
	c.statuses["rx"] = herder.ConnectorStatus{Type: connect.TypeSink}
	c.configs["rx"] = map[string]string{"topics.regex": "i[n]"}
	w = get(t, h, "/ui/api/connectors/rx/lag", nil)
	lag = Lag{}
	if err := json.Unmarshal(w.Body.Bytes(), &lag); err != nil || w.Code != 200 {
		t.Fatalf("%d %s %v", w.Code, w.Body, err)
	}
	want = []PartitionLag{{Topic: "in", Partition: 0, Committed: -1, End: 3, Lag: 3}, {Topic: "in", Partition: 1, Committed: -1, End: 2, Lag: 2}}
	if len(lag.Partitions) != 2 || lag.Partitions[0] != want[0] || lag.Partitions[1] != want[1] {
		t.Fatalf("topics.regex lag %+v, want %+v", lag, want)
	}
	if w := get(t, h, "/ui/api/connectors/src/lag", nil); w.Code != 400 {
		t.Errorf("source connector lag: %d %s", w.Code, w.Body)
	}
	if w := get(t, h, "/ui/api/connectors/none/lag", nil); w.Code != 404 {
		t.Errorf("unknown connector lag: %d %s", w.Code, w.Body)
	}
}

// An incremental snapshot's kind, pause and current chunk reach the page.
func TestIncrementalSnapshotMetrics(t *testing.T) {
	reg := metrics.NewRegistry(nil)
	snap := reg.Task("cdc", 0, true).Snapshot()
	snap.IncrementalSnapshotStarted([]string{"db.a"}, []int64{100})
	snap.CurrentChunk("db.a", "c1", []any{int64(1)}, []any{int64(10)}, []any{int64(100)})
	snap.RowsScanned("db.a", 10)
	snap.SnapshotPaused()
	h := New(Config{Cluster: &cluster{id: "w1:8083", reg: reg}})
	w := get(t, h, "/ui/api/metrics", nil)
	var m Metrics
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil || len(m.Snapshots) != 1 {
		t.Fatalf("%d %s %v", w.Code, w.Body, err)
	}
	s := m.Snapshots[0]
	want := Chunk{Table: "db.a", ID: "c1", From: "[1]", To: "[10]", TableFrom: "[1]", TableTo: "[100]"}
	if !s.Incremental || !s.Paused || s.Running || s.Chunk == nil || *s.Chunk != want || s.Rows["db.a"] != 10 {
		t.Fatalf("snapshot %+v chunk %+v", s, s.Chunk)
	}
}

// No CDN: every file the pages load is embedded, and no asset names
// anything on another origin (an absolute or protocol-relative URL in a
// src, href, url() or import), which the CSP would refuse anyway.
func TestAssetsLoadNothingFromElsewhere(t *testing.T) {
	h := New(Config{Cluster: &cluster{reg: metrics.NewRegistry(nil)}})
	external := regexp.MustCompile(`(?i)(src|href)\s*=\s*["']?\s*(https?:)?//|url\(\s*["']?(https?:)?//|import\s*(\(|[^;]*from)\s*["'](https?:)?//|@import`)
	local := regexp.MustCompile(`(?i)(?:src|href)\s*=\s*["']([^"'#]+)["']`)
	for name, a := range h.files {
		if m := external.Find(a.plain); m != nil {
			t.Errorf("%s loads from another origin: %q", name, m)
		}
	}
	// What index.html loads is served from the embedded files.
	for _, m := range local.FindAllSubmatch(h.files["index.html"].plain, -1) {
		if _, ok := h.files[string(m[1])]; !ok {
			t.Errorf("index.html loads %s, which is not embedded", m[1])
		}
	}
	csp := get(t, h, "/ui/", nil).Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP %q does not restrict the page to its own origin", csp)
	}
}
