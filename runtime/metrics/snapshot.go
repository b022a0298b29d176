package metrics

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// snapshotVecs are Debezium's snapshot metrics (its SnapshotChangeEventSourceMetrics
// MBean: SnapshotRunning, SnapshotCompleted, SnapshotAborted, TotalTableCount,
// RemainingTableCount, RowsScanned, SnapshotDurationInSeconds), plus each
// table's row estimate, so a progress bar needs nothing else.
type snapshotVecs struct {
	running, completed, aborted, tables, remaining, duration *prometheus.GaugeVec
	rows, estimated                                          *prometheus.GaugeVec
}

var tableLabels = []string{"connector", "task", "table"}

func newSnapshotVecs() snapshotVecs {
	g := func(name, help string) *prometheus.GaugeVec { return gaugeVec("snapshot", name, help) }
	gt := func(name, help string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts(opts("snapshot", name, help)), tableLabels)
	}
	return snapshotVecs{
		running:   g("running", "1 while the task's snapshot runs"),
		completed: g("completed", "1 once the task's snapshot has completed"),
		aborted:   g("aborted", "1 when the task's snapshot failed or was stopped"),
		tables:    g("total_table_count", "tables the snapshot reads"),
		remaining: g("remaining_table_count", "tables the snapshot has not finished yet"),
		duration:  g("duration_seconds", "time the snapshot has run, or ran"),
		rows:      gt("rows_scanned", "rows the snapshot has read from the table"),
		estimated: gt("rows_estimated", "the database's estimate of the table's rows (-1: unknown)"),
	}
}

func (v snapshotVecs) collectors() []prometheus.Collector {
	return []prometheus.Collector{v.running, v.completed, v.aborted, v.tables, v.remaining, v.duration, v.rows, v.estimated}
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
	s.mu.Lock()
	defer s.mu.Unlock()
	s.start, s.ended = time.Now(), false
	s.tables = make(map[string]bool, len(tables))
	l := s.labels
	s.v.running.WithLabelValues(l...).Set(1)
	s.v.completed.WithLabelValues(l...).Set(0)
	s.v.aborted.WithLabelValues(l...).Set(0)
	s.v.tables.WithLabelValues(l...).Set(float64(len(tables)))
	s.v.remaining.WithLabelValues(l...).Set(float64(len(tables)))
	s.v.duration.WithLabelValues(l...).Set(0)
	for i, tb := range tables {
		s.tables[tb] = false
		est := int64(-1)
		if i < len(estimates) {
			est = estimates[i]
		}
		s.v.rows.WithLabelValues(s.tableLabels(tb)...).Set(0)
		s.v.estimated.WithLabelValues(s.tableLabels(tb)...).Set(float64(est))
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
	s.v.running.WithLabelValues(l...).Set(0)
	if aborted {
		s.v.aborted.WithLabelValues(l...).Set(1)
	} else {
		s.v.completed.WithLabelValues(l...).Set(1)
	}
}

// close removes the task's snapshot series, the per-table ones included.
func (v snapshotVecs) close(labels []string) {
	for _, g := range []*prometheus.GaugeVec{v.running, v.completed, v.aborted, v.tables, v.remaining, v.duration} {
		g.DeleteLabelValues(labels...)
	}
	match := prometheus.Labels{"connector": labels[0], "task": labels[1]}
	v.rows.DeletePartialMatch(match)
	v.estimated.DeletePartialMatch(match)
}
