package mysql

import (
	"bytes"
	"context"
	"fmt"
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

// incrRecorder is a connect.IncrementalSnapshotProgress that writes its
// calls down, one line each.
type incrRecorder struct{ calls []string }

func (r *incrRecorder) add(f string, a ...any) { r.calls = append(r.calls, fmt.Sprintf(f, a...)) }
func (r *incrRecorder) SnapshotStarted(tb []string, est []int64) {
	r.add("started %v %v", tb, est)
}
func (r *incrRecorder) RowsScanned(tb string, n int64)    { r.add("rows %s %d", tb, n) }
func (r *incrRecorder) TableCompleted(tb string, n int64) { r.add("done %s %d", tb, n) }
func (r *incrRecorder) SnapshotCompleted(aborted bool)    { r.add("completed aborted=%v", aborted) }
func (r *incrRecorder) IncrementalSnapshotStarted(tb []string, est []int64) {
	r.add("incremental %v %v", tb, est)
}
func (r *incrRecorder) TablesAdded(tb []string, est []int64) { r.add("added %v %v", tb, est) }
func (r *incrRecorder) CurrentChunk(tb, id string, from, to, tableTo []any) {
	r.add("chunk %s %s %v %v %v", tb, id, from, to, tableTo)
}
func (r *incrRecorder) SnapshotPaused()  { r.add("paused") }
func (r *incrRecorder) SnapshotResumed() { r.add("resumed") }

// TestIncrementalProgress drives reportIncremental through an incremental
// snapshot's states as the snapshot code leaves them, and checks what the
// worker is told and that progress lines are logged.
func TestIncrementalProgress(t *testing.T) {
	var logs bytes.Buffer
	rec := &incrRecorder{}
	// A cancelled context: the estimates query cannot run, estimates are -1.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tk := &Task{st: &settings{host: "127.0.0.1", port: 1}, log: slog.New(slog.NewTextHandler(&logs, nil)), progress: rec}
	c := &incrContext{colls: []incrCollection{{id: "db.a"}, {id: "db.b"}}, index: map[string]int{}}
	s := &streamState{incr: c}
	tk.reportIncremental(ctx, s, false)
	c.prog.logEvery = 0
	c.chunkID, c.tb = "c1", &table{db: "db", name: "a"}
	c.window = []incrRow{{javaKey: []any{int64(1)}}, {javaKey: []any{int64(2)}}, {javaKey: []any{int64(3)}}}
	c.chunkEnd, c.maxKey = []any{int64(3)}, []any{int64(10)}
	tk.reportIncremental(ctx, s, false)
	tk.reportIncremental(ctx, s, false) // nothing new: nothing reported
	c.paused = true
	tk.reportIncremental(ctx, s, false)
	c.paused = false
	c.colls = append(c.colls, incrCollection{id: "db.c"})
	tk.reportIncremental(ctx, s, false)
	c.nextCollection()
	c.clearWindow()
	tk.reportIncremental(ctx, s, false)
	c.colls = nil
	tk.reportIncremental(ctx, s, false)
	want := []string{
		"incremental [db.a db.b] [-1 -1]",
		"rows db.a 3",
		"chunk db.a c1 [1] [3] [10]",
		"paused",
		"added [db.c] [-1]",
		"resumed",
		"done db.a 3",
		"done db.b 0",
		"done db.c 0",
		"chunk   [] [] []",
		"completed aborted=false",
	}
	if strings.Join(rec.calls, "\n") != strings.Join(want, "\n") {
		t.Fatalf("reported:\n%s\nwant:\n%s", strings.Join(rec.calls, "\n"), strings.Join(want, "\n"))
	}
	for _, line := range []string{"incremental snapshot started", "incremental snapshot progress", "table=db.a rows=3",
		"incremental snapshot of table done", "incremental snapshot ended"} {
		if !strings.Contains(logs.String(), line) {
			t.Errorf("no %q in the log:\n%s", line, logs.String())
		}
	}
	// A stop-snapshot ends it aborted.
	rec.calls = nil
	c.colls = []incrCollection{{id: "db.d"}}
	tk.reportIncremental(ctx, s, false)
	c.colls = nil
	tk.reportIncremental(ctx, s, true)
	if got := rec.calls[len(rec.calls)-1]; got != "completed aborted=true" {
		t.Fatalf("stopped: %v", rec.calls)
	}
}

// TestIncrementalNotifications checks the log channel's lines against
// what Debezium's Notification.toString prints (additional data in the
// order of the HashMap it builds, checked with Java 17).
func TestIncrementalNotifications(t *testing.T) {
	for _, c := range []struct {
		data [][2]string
		want string
	}{
		{nil, "{connector_name=srv}"},
		{[][2]string{{"data_collections", "demo.a,demo.b"}}, "{connector_name=srv, data_collections=demo.a,demo.b}"},
		{[][2]string{{"data_collections", "demo.a"}, {"current_collection_in_progress", "demo.a"}, {"maximum_key", "100"}, {"last_processed_key", "10"}},
			"{current_collection_in_progress=demo.a, connector_name=srv, maximum_key=100, data_collections=demo.a, last_processed_key=10}"},
		{[][2]string{{"data_collections", "demo.a"}, {"scanned_collection", "demo.a"}, {"total_rows_scanned", "100"}, {"status", "SUCCEEDED"}},
			"{scanned_collection=demo.a, connector_name=srv, total_rows_scanned=100, data_collections=demo.a, status=SUCCEEDED}"},
	} {
		if got := javaHashMapString(append(c.data, [2]string{"connector_name", "srv"})); got != c.want {
			t.Errorf("got %s\nwant %s", got, c.want)
		}
	}
	if on, err := parseNotifyChannels(map[string]string{keyNotifyChannels: " log "}); !on || err != nil {
		t.Fatalf("log: %v %v", on, err)
	}
	if _, err := parseNotifyChannels(map[string]string{keyNotifyChannels: "log,sink"}); err == nil || !strings.Contains(err.Error(), keyNotifyChannels) {
		t.Fatalf("sink is refused naming the key: %v", err)
	}

	var logs bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tk := &Task{st: &settings{host: "127.0.0.1", port: 1, prefix: "srv", notifyLog: true}, log: slog.New(slog.NewTextHandler(&logs, nil))}
	corr := "sig-1"
	c := &incrContext{colls: []incrCollection{{id: "db.a"}}, index: map[string]int{}, correlation: &corr}
	s := &streamState{incr: c}
	c.chunkID, c.tb = "c1", &table{db: "db", name: "a"}
	c.window = []incrRow{{javaKey: []any{int64(1)}}, {javaKey: []any{int64(2)}}}
	c.chunkEnd, c.maxKey = []any{int64(2)}, []any{int64(2)}
	tk.reportIncremental(ctx, s, false)
	c.paused = true
	tk.reportIncremental(ctx, s, false)
	c.paused = false
	tk.reportIncremental(ctx, s, false)
	c.colls, c.correlation = nil, nil
	c.clearWindow()
	tk.reportIncremental(ctx, s, false)
	var types []string
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if !strings.Contains(l, `msg="[Notification Service]  {id='sig-1', aggregateType='Incremental Snapshot', type='`) {
			continue
		}
		typ := l[strings.Index(l, "type='")+6:]
		types = append(types, typ[:strings.Index(typ, "'")])
		if typ[:strings.Index(typ, "'")] == "IN_PROGRESS" &&
			!strings.Contains(l, "additionalData={current_collection_in_progress=db.a, connector_name=srv, maximum_key=2, data_collections=db.a, last_processed_key=2}") {
			t.Errorf("IN_PROGRESS line: %s", l)
		}
	}
	if got := strings.Join(types, ","); got != "STARTED,IN_PROGRESS,PAUSED,RESUMED,TABLE_SCAN_COMPLETED,COMPLETED" {
		t.Fatalf("notifications %s\n%s", got, logs.String())
	}
}
