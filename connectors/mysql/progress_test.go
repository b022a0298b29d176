package mysql

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// progressRecorder is a connect.SnapshotProgress that keeps the calls.
type progressRecorder struct {
	mu      sync.Mutex
	scanned []int64
	done    map[string]int64
}

func (r *progressRecorder) SnapshotStarted([]string, []int64) {}
func (r *progressRecorder) RowsScanned(_ string, rows int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.scanned = append(r.scanned, rows)
}
func (r *progressRecorder) TableCompleted(table string, rows int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.done[table] = rows
}
func (r *progressRecorder) SnapshotCompleted(bool) {}

// TestTableProgress checks the reports a table reader makes: the worker's
// row count every progressEvery rows, a progress line when the interval
// has passed (zero here: at every report), and the table's end.
func TestTableProgress(t *testing.T) {
	var logs bytes.Buffer
	rec := &progressRecorder{done: map[string]int64{}}
	p := &snapshotProgress{sink: rec, log: slog.New(slog.NewTextHandler(&logs, nil)), estimates: map[string]int64{"db.t": 3000}, total: 2}
	tp := p.table("db.t")
	for range 3000 {
		tp.row()
	}
	tp.done()
	if want := []int64{1024, 2048}; len(rec.scanned) != 2 || rec.scanned[0] != want[0] || rec.scanned[1] != want[1] {
		t.Errorf("rows scanned reports %v, want %v", rec.scanned, want)
	}
	if rec.done["db.t"] != 3000 {
		t.Errorf("table completed with %d rows", rec.done["db.t"])
	}
	out := logs.String()
	if n := strings.Count(out, `msg="snapshot progress" table=db.t`); n != 2 {
		t.Errorf("%d progress lines, want 2:\n%s", n, out)
	}
	if !strings.Contains(out, "rows=2048 estimated=3000 rows_per_s=") || !strings.Contains(out, `msg="snapshot of table done" table=db.t rows=3000 tables_done=1 tables=2`) {
		t.Errorf("progress lines:\n%s", out)
	}
	var nilProgress *snapshotProgress
	nilProgress.table("x").row() // a snapshot not followed: no-ops
	nilProgress.finish(true)
}
