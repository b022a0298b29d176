package metrics

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// snapshotVecs are Debezium's snapshot metrics (its SnapshotChangeEventSourceMetrics
// MBean: SnapshotRunning, SnapshotCompleted, SnapshotAborted, TotalTableCount,
// RemainingTableCount, RowsScanned, SnapshotDurationInSeconds), plus each
// table's row estimate, so a progress bar needs nothing else. Incremental
// snapshots use the same series, as Debezium reports them through the same
// MBean, with its SnapshotPaused, SnapshotPausedDurationInSeconds and the
// current chunk (ChunkId, ChunkFrom, ChunkTo, TableFrom, TableTo) as the
// labels of an info series, since Prometheus has no string values.
type snapshotVecs struct {
	running, completed, aborted, tables, remaining, duration *prometheus.GaugeVec
	rows, estimated                                          *prometheus.GaugeVec
	incremental, paused, pausedDuration, chunk               *prometheus.GaugeVec
}

var tableLabels = []string{"connector", "task", "table"}

// chunkLabels are the chunk info series' labels: the table and Debezium's
// chunk attributes, keys written as Java's Arrays.toString writes them.
var chunkLabels = []string{"connector", "task", "table", "chunk_id", "chunk_from", "chunk_to", "table_from", "table_to"}

func newSnapshotVecs() snapshotVecs {
	g := func(name, help string) *prometheus.GaugeVec { return gaugeVec("snapshot", name, help) }
	gt := func(name, help string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts(opts("snapshot", name, help)), tableLabels)
	}
	return snapshotVecs{
		running:        g("running", "1 while the task's snapshot runs"),
		completed:      g("completed", "1 once the task's snapshot has completed"),
		aborted:        g("aborted", "1 when the task's snapshot failed or was stopped"),
		tables:         g("total_table_count", "tables the snapshot reads"),
		remaining:      g("remaining_table_count", "tables the snapshot has not finished yet"),
		duration:       g("duration_seconds", "time the snapshot has run, or ran"),
		rows:           gt("rows_scanned", "rows the snapshot has read from the table"),
		estimated:      gt("rows_estimated", "the database's estimate of the table's rows (-1: unknown)"),
		incremental:    g("incremental", "1 when the task's last snapshot is an incremental one (read in chunks while streaming)"),
		paused:         g("paused", "1 while the task's incremental snapshot is paused"),
		pausedDuration: g("paused_duration_seconds", "time the task's incremental snapshot has been paused"),
		chunk: prometheus.NewGaugeVec(prometheus.GaugeOpts(opts("snapshot", "chunk_info",
			"1 for the chunk an incremental snapshot is reading: its id, first and last keys, and the table's first and last keys")), chunkLabels),
	}
}

func (v snapshotVecs) collectors() []prometheus.Collector {
	return []prometheus.Collector{v.running, v.completed, v.aborted, v.tables, v.remaining, v.duration, v.rows, v.estimated,
		v.incremental, v.paused, v.pausedDuration, v.chunk}
}

// Snapshot is a source task's snapshot progress, written by the task
// (connect.SnapshotProgress) and exposed in /metrics.
type Snapshot struct {
	v      snapshotVecs
	labels []string

	mu     sync.Mutex
	start  time.Time
	tables map[string]bool // table → done
	ended  bool
	// paused, pausedAt and pausedFor follow an incremental snapshot's
	// pauses; chunk is the labels of its chunk series, tableFrom the first
	// key of the current table's first chunk.
	paused                bool
	pausedAt              time.Time
	pausedFor             time.Duration
	chunk                 []string
	chunkTable, tableFrom string
}

// Snapshot returns the task's snapshot series; nil on a nil Task.
func (t *Task) Snapshot() *Snapshot {
	if t == nil {
		return nil
	}
	return &Snapshot{v: t.reg.snapshot, labels: t.labels}
}

func (s *Snapshot) tableLabels(table string) []string {
	return []string{s.labels[0], s.labels[1], table}
}

// SnapshotStarted implements connect.SnapshotProgress.
func (s *Snapshot) SnapshotStarted(tables []string, estimates []int64) {
	if s == nil {
		return
	}
	s.started(tables, estimates, false)
}

// started begins a snapshot of either kind.
func (s *Snapshot) started(tables []string, estimates []int64, incremental bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.start, s.ended = time.Now(), false
	s.paused, s.pausedFor = false, 0
	s.clearChunk()
	// A new snapshot's tables replace the last one's.
	match := prometheus.Labels{"connector": s.labels[0], "task": s.labels[1]}
	s.v.rows.DeletePartialMatch(match)
	s.v.estimated.DeletePartialMatch(match)
	s.tables = make(map[string]bool, len(tables))
	l := s.labels
	inc := 0.0
	if incremental {
		inc = 1
	}
	s.v.incremental.WithLabelValues(l...).Set(inc)
	s.v.paused.WithLabelValues(l...).Set(0)
	s.v.pausedDuration.WithLabelValues(l...).Set(0)
	s.v.running.WithLabelValues(l...).Set(1)
	s.v.completed.WithLabelValues(l...).Set(0)
	s.v.aborted.WithLabelValues(l...).Set(0)
	s.v.tables.WithLabelValues(l...).Set(float64(len(tables)))
	s.v.remaining.WithLabelValues(l...).Set(float64(len(tables)))
	s.v.duration.WithLabelValues(l...).Set(0)
	s.addTables(tables, estimates)
}

// addTables adds tables not followed yet; s.mu is held.
func (s *Snapshot) addTables(tables []string, estimates []int64) {
	for i, tb := range tables {
		if _, ok := s.tables[tb]; ok {
			continue
		}
		s.tables[tb] = false
		est := int64(-1)
		if i < len(estimates) {
			est = estimates[i]
		}
		s.v.rows.WithLabelValues(s.tableLabels(tb)...).Set(0)
		s.v.estimated.WithLabelValues(s.tableLabels(tb)...).Set(float64(est))
	}
	s.v.tables.WithLabelValues(s.labels...).Set(float64(len(s.tables)))
	s.v.remaining.WithLabelValues(s.labels...).Set(float64(s.remainingLocked()))
}

func (s *Snapshot) remainingLocked() int {
	n := 0
	for _, done := range s.tables {
		if !done {
			n++
		}
	}
	return n
}

// IncrementalSnapshotStarted implements connect.IncrementalSnapshotProgress.
func (s *Snapshot) IncrementalSnapshotStarted(tables []string, estimates []int64) {
	if s == nil {
		return
	}
	s.started(tables, estimates, true)
}

// TablesAdded implements connect.IncrementalSnapshotProgress.
func (s *Snapshot) TablesAdded(tables []string, estimates []int64) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tables == nil {
		s.tables = map[string]bool{}
	}
	s.addTables(tables, estimates)
}

// CurrentChunk implements connect.IncrementalSnapshotProgress.
func (s *Snapshot) CurrentChunk(table, id string, from, to, tableTo []any) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clearChunk()
	if id == "" {
		return
	}
	f := javaArray(from)
	if table != s.chunkTable {
		// Debezium's TableFrom is the first key of the table's first chunk.
		s.chunkTable, s.tableFrom = table, f
	}
	s.chunk = []string{s.labels[0], s.labels[1], table, id, f, javaArray(to), s.tableFrom, javaArray(tableTo)}
	s.v.chunk.WithLabelValues(s.chunk...).Set(1)
}

// clearChunk removes the chunk series; s.mu is held.
func (s *Snapshot) clearChunk() {
	if s.chunk != nil {
		s.v.chunk.DeleteLabelValues(s.chunk...)
		s.chunk = nil
	}
}

// javaArray writes a key as Java's Arrays.toString does ("[1, abc]"); ""
// for none.
func javaArray(k []any) string {
	if k == nil {
		return ""
	}
	parts := make([]string, len(k))
	for i, v := range k {
		if v == nil {
			parts[i] = "null"
			continue
		}
		parts[i] = fmt.Sprint(v)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// SnapshotPaused implements connect.IncrementalSnapshotProgress.
func (s *Snapshot) SnapshotPaused() {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.paused || s.ended {
		return
	}
	s.paused, s.pausedAt = true, time.Now()
	s.v.paused.WithLabelValues(s.labels...).Set(1)
	s.v.running.WithLabelValues(s.labels...).Set(0)
}

// SnapshotResumed implements connect.IncrementalSnapshotProgress.
func (s *Snapshot) SnapshotResumed() {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.paused {
		return
	}
	s.paused = false
	s.pausedFor += time.Since(s.pausedAt)
	s.v.paused.WithLabelValues(s.labels...).Set(0)
	s.v.pausedDuration.WithLabelValues(s.labels...).Set(s.pausedFor.Seconds())
	if !s.ended {
		s.v.running.WithLabelValues(s.labels...).Set(1)
	}
}

// RowsScanned implements connect.SnapshotProgress.
func (s *Snapshot) RowsScanned(table string, rows int64) {
	if s == nil {
		return
	}
	s.v.rows.WithLabelValues(s.tableLabels(table)...).Set(float64(rows))
	s.mu.Lock()
	if !s.ended && !s.start.IsZero() {
		s.v.duration.WithLabelValues(s.labels...).Set(time.Since(s.start).Seconds())
	}
	s.mu.Unlock()
}

// TableCompleted implements connect.SnapshotProgress.
func (s *Snapshot) TableCompleted(table string, rows int64) {
	if s == nil {
		return
	}
	s.RowsScanned(table, rows)
	s.mu.Lock()
	defer s.mu.Unlock()
	if done, ok := s.tables[table]; ok && !done {
		s.tables[table] = true
		s.v.remaining.WithLabelValues(s.labels...).Dec()
	}
}

// SnapshotCompleted implements connect.SnapshotProgress.
func (s *Snapshot) SnapshotCompleted(aborted bool) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.labels
	if !s.start.IsZero() {
		s.v.duration.WithLabelValues(l...).Set(time.Since(s.start).Seconds())
	}
	s.ended = true
	s.clearChunk()
	if s.paused {
		s.paused = false
		s.pausedFor += time.Since(s.pausedAt)
		s.v.paused.WithLabelValues(l...).Set(0)
		s.v.pausedDuration.WithLabelValues(l...).Set(s.pausedFor.Seconds())
	}
	s.v.running.WithLabelValues(l...).Set(0)
	if aborted {
		s.v.aborted.WithLabelValues(l...).Set(1)
	} else {
		s.v.completed.WithLabelValues(l...).Set(1)
	}
}

// close removes the task's snapshot series, the per-table ones included.
func (v snapshotVecs) close(labels []string) {
	for _, g := range []*prometheus.GaugeVec{v.running, v.completed, v.aborted, v.tables, v.remaining, v.duration,
		v.incremental, v.paused, v.pausedDuration} {
		g.DeleteLabelValues(labels...)
	}
	match := prometheus.Labels{"connector": labels[0], "task": labels[1]}
	v.rows.DeletePartialMatch(match)
	v.estimated.DeletePartialMatch(match)
	v.chunk.DeletePartialMatch(match)
}
