package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// TaskMetrics is one task's counters as the pages chart them; the
// browser turns successive samples into records/s.
type TaskMetrics struct {
	Connector string `json:"connector"`
	Task      int    `json:"task"`
	Worker    string `json:"worker"`
	// Records is written to Kafka (source) or read from Kafka (sink).
	Records  float64 `json:"records"`
	Failures float64 `json:"failures"`
	Skipped  float64 `json:"skipped"`
	DLQ      float64 `json:"dlq"`
	DLQFail  float64 `json:"dlq_failures"`
}

// SnapshotMetrics is a source task's snapshot progress (Debezium's
// snapshot metrics).
type SnapshotMetrics struct {
	Connector string             `json:"connector"`
	Task      int                `json:"task"`
	Worker    string             `json:"worker"`
	Running   bool               `json:"running"`
	Completed bool               `json:"completed"`
	Aborted   bool               `json:"aborted"`
	Tables    int                `json:"tables"`
	Remaining int                `json:"remaining"`
	Duration  float64            `json:"duration_seconds"`
	Rows      map[string]float64 `json:"rows"`
	Estimated map[string]float64 `json:"estimated"`
	// Incremental marks an incremental snapshot (chunks read while
	// streaming); Paused one paused by a signal; Chunk is the chunk being
	// read, nil when none.
	Incremental bool   `json:"incremental"`
	Paused      bool   `json:"paused"`
	Chunk       *Chunk `json:"chunk,omitempty"`
}

// Chunk is an incremental snapshot's current chunk, with Debezium's
// attribute names (keys as Java's Arrays.toString writes them).
type Chunk struct {
	Table     string `json:"table"`
	ID        string `json:"chunk_id"`
	From      string `json:"chunk_from"`
	To        string `json:"chunk_to"`
	TableFrom string `json:"table_from"`
	TableTo   string `json:"table_to"`
}

// Metrics is the answer of GET /ui/api/metrics.
type Metrics struct {
	// Time is when the sample was taken, in Unix milliseconds.
	Time      int64             `json:"time"`
	Tasks     []TaskMetrics     `json:"tasks"`
	Snapshots []SnapshotMetrics `json:"snapshots"`
	// Unreachable lists workers whose metrics could not be read, with why.
	Unreachable map[string]string `json:"unreachable,omitempty"`
}

const ns = "kafka_connect_"

// Families the console reads, by their Prometheus names.
const (
	famSourceWrite = ns + "source_task_source_record_write_total"
	famSinkRead    = ns + "sink_task_sink_record_read_total"
	famFailures    = ns + "task_error_total_record_failures"
	famSkipped     = ns + "task_error_total_records_skipped"
	famDLQ         = ns + "task_error_deadletterqueue_produce_requests"
	famDLQFail     = ns + "task_error_deadletterqueue_produce_failures"
	famSnapRunning = ns + "snapshot_running"
	famSnapDone    = ns + "snapshot_completed"
	famSnapAborted = ns + "snapshot_aborted"
	famSnapTables  = ns + "snapshot_total_table_count"
	famSnapRemain  = ns + "snapshot_remaining_table_count"
	famSnapDur     = ns + "snapshot_duration_seconds"
	famSnapRows    = ns + "snapshot_rows_scanned"
	famSnapEst     = ns + "snapshot_rows_estimated"
	famSnapIncr    = ns + "snapshot_incremental"
	famSnapPaused  = ns + "snapshot_paused"
	famSnapChunk   = ns + "snapshot_chunk_info"
)

// metricsCache gathers the registry at most once a second, so any number
// of open consoles costs the worker one gather per second at most.
type metricsCache struct {
	reg interface{ Gatherer() prometheus.Gatherer }

	mu   sync.Mutex
	at   time.Time
	last Metrics
	err  error
}

const cacheFor = time.Second

func (c *metricsCache) get(worker string) (Metrics, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now := time.Now(); now.Sub(c.at) >= cacheFor {
		c.last, c.err = gather(c.reg.Gatherer(), worker, now)
		c.at = now
	}
	return c.last, c.err
}

type taskKey struct {
	connector string
	task      int
}

// gather reads the console's families from g.
func gather(g prometheus.Gatherer, worker string, now time.Time) (Metrics, error) {
	fams, err := g.Gather()
	if err != nil {
		return Metrics{}, fmt.Errorf("gathering metrics: %w", err)
	}
	tasks := map[taskKey]*TaskMetrics{}
	snaps := map[taskKey]*SnapshotMetrics{}
	task := func(k taskKey) *TaskMetrics {
		t := tasks[k]
		if t == nil {
			t = &TaskMetrics{Connector: k.connector, Task: k.task, Worker: worker}
			tasks[k] = t
		}
		return t
	}
	snap := func(k taskKey) *SnapshotMetrics {
		s := snaps[k]
		if s == nil {
			s = &SnapshotMetrics{Connector: k.connector, Task: k.task, Worker: worker,
				Rows: map[string]float64{}, Estimated: map[string]float64{}}
			snaps[k] = s
		}
		return s
	}
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			k, table, ok := labels(m)
			if !ok {
				continue
			}
			v := value(m)
			switch f.GetName() {
			case famSourceWrite, famSinkRead:
				task(k).Records += v
			case famFailures:
				task(k).Failures = v
			case famSkipped:
				task(k).Skipped = v
			case famDLQ:
				task(k).DLQ = v
			case famDLQFail:
				task(k).DLQFail = v
			case famSnapRunning:
				snap(k).Running = v == 1
			case famSnapDone:
				snap(k).Completed = v == 1
			case famSnapAborted:
				snap(k).Aborted = v == 1
			case famSnapTables:
				snap(k).Tables = int(v)
			case famSnapRemain:
				snap(k).Remaining = int(v)
			case famSnapDur:
				snap(k).Duration = v
			case famSnapRows:
				snap(k).Rows[table] = v
			case famSnapEst:
				snap(k).Estimated[table] = v
			case famSnapIncr:
				snap(k).Incremental = v == 1
			case famSnapPaused:
				snap(k).Paused = v == 1
			case famSnapChunk:
				ch := &Chunk{Table: table}
				for _, l := range m.GetLabel() {
					switch l.GetName() {
					case "chunk_id":
						ch.ID = l.GetValue()
					case "chunk_from":
						ch.From = l.GetValue()
					case "chunk_to":
						ch.To = l.GetValue()
					case "table_from":
						ch.TableFrom = l.GetValue()
					case "table_to":
						ch.TableTo = l.GetValue()
					}
				}
				snap(k).Chunk = ch
			}
		}
	}
	out := Metrics{Time: now.UnixMilli(), Tasks: []TaskMetrics{}, Snapshots: []SnapshotMetrics{}}
	for _, t := range tasks {
		out.Tasks = append(out.Tasks, *t)
	}
	for _, s := range snaps {
		out.Snapshots = append(out.Snapshots, *s)
	}
	sortMetrics(&out)
	return out, nil
}

// sortMetrics orders tasks and snapshots by worker, connector and task, so
// an unchanged sample encodes to the same bytes (the overview's ETag).
func sortMetrics(m *Metrics) {
	sort.Slice(m.Tasks, func(i, j int) bool {
		a, b := m.Tasks[i], m.Tasks[j]
		return a.Worker < b.Worker || a.Worker == b.Worker && (a.Connector < b.Connector || a.Connector == b.Connector && a.Task < b.Task)
	})
	sort.Slice(m.Snapshots, func(i, j int) bool {
		a, b := m.Snapshots[i], m.Snapshots[j]
		return a.Worker < b.Worker || a.Worker == b.Worker && (a.Connector < b.Connector || a.Connector == b.Connector && a.Task < b.Task)
	})
}

func labels(m *dto.Metric) (k taskKey, table string, ok bool) {
	var haveConn, haveTask bool
	for _, l := range m.GetLabel() {
		switch l.GetName() {
		case "connector":
			k.connector, haveConn = l.GetValue(), true
		case "task":
			n, err := strconv.Atoi(l.GetValue())
			if err != nil {
				return k, "", false
			}
			k.task, haveTask = n, true
		case "table":
			table = l.GetValue()
		}
	}
	return k, table, haveConn && haveTask
}

func value(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	}
	return 0
}

// serveMetrics answers this worker's metrics with ?local, else the whole
// cluster's: every other worker named in a status is asked for its own.
func (h *Handler) serveMetrics(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Has("local") {
		local, err := h.metrics.get(h.cfg.Cluster.WorkerID())
		if err != nil {
			writeError(w, http.StatusInternalServerError, err.Error())
			return
		}
		writeJSON(w, http.StatusOK, local)
		return
	}
	local, err := h.metrics.get(h.cfg.Cluster.WorkerID())
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	out, err := h.clusterMetrics(r, local)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// clusterMetrics adds to this worker's metrics (local) every other
// worker's (named in a status), asked for with r's credentials over r's
// scheme.
func (h *Handler) clusterMetrics(r *http.Request, local Metrics) (Metrics, error) {
	self := h.cfg.Cluster.WorkerID()
	out := local
	// Copies: the cached sample is shared by concurrent requests.
	out.Tasks = append(make([]TaskMetrics, 0, len(local.Tasks)), local.Tasks...)
	out.Snapshots = append(make([]SnapshotMetrics, 0, len(local.Snapshots)), local.Snapshots...)
	peers := h.peers(self)
	if len(peers) == 0 {
		return out, nil
	}
	ctx, cancel := withTimeout(r)
	defer cancel()
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	type answer struct {
		peer string
		m    Metrics
		err  error
	}
	answers := make(chan answer, len(peers))
	for _, p := range peers {
		go func() {
			var a answer
			a.peer = p
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, scheme+"://"+p+"/ui/api/metrics?local", nil)
			if err != nil {
				a.err = err
				answers <- a
				return
			}
			// The user's credentials, as the REST API forwards them.
			if v := r.Header.Get("Authorization"); v != "" {
				req.Header.Set("Authorization", v)
			}
			resp, err := h.cfg.Client.Do(req)
			if err != nil {
				a.err = err
				answers <- a
				return
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				a.err = fmt.Errorf("HTTP %d", resp.StatusCode)
			} else {
				a.err = json.NewDecoder(resp.Body).Decode(&a.m)
			}
			answers <- a
		}()
	}
	for range peers {
		a := <-answers
		if a.err != nil {
			if out.Unreachable == nil {
				out.Unreachable = map[string]string{}
			}
			out.Unreachable[a.peer] = a.err.Error()
			continue
		}
		out.Tasks = append(out.Tasks, a.m.Tasks...)
		out.Snapshots = append(out.Snapshots, a.m.Snapshots...)
	}
	sortMetrics(&out)
	return out, nil
}

// peers are the other workers running a connector or task, by worker id
// (host:port, as Connect's statuses name workers).
func (h *Handler) peers(self string) []string {
	seen := map[string]bool{self: true, "": true}
	var out []string
	add := func(id string) {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, name := range h.cfg.Cluster.Connectors() {
		st, err := h.cfg.Cluster.Status(name)
		if err != nil {
			continue // deleted meanwhile
		}
		add(st.Connector.WorkerID)
		for _, t := range st.Tasks {
			add(t.WorkerID)
		}
	}
	sort.Strings(out)
	return out
}
