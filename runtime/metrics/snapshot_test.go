package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/goconnect/goconnect/connect"
)

// scrape returns the registry's exposition text.
func scrape(t *testing.T, r *Registry) string {
	t.Helper()
	rec := httptest.NewRecorder()
	r.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	b, err := io.ReadAll(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSnapshotSeries follows a two-table snapshot through the gauges and
// checks that closing the task removes them, per-table ones included.
func TestSnapshotSeries(t *testing.T) {
	r := NewRegistry(nil)
	tm := r.Task("cdc", 0, true)
	s := tm.Snapshot()
	s.SnapshotStarted([]string{"db.a", "db.b"}, []int64{10, -1})
	s.RowsScanned("db.a", 4)
	s.TableCompleted("db.a", 10)
	s.TableCompleted("db.a", 10) // twice: counted once
	out := scrape(t, r)
	for _, want := range []string{
		`kafka_connect_snapshot_running{connector="cdc",task="0"} 1`,
		`kafka_connect_snapshot_total_table_count{connector="cdc",task="0"} 2`,
		`kafka_connect_snapshot_remaining_table_count{connector="cdc",task="0"} 1`,
		`kafka_connect_snapshot_rows_estimated{connector="cdc",table="db.a",task="0"} 10`,
		`kafka_connect_snapshot_rows_estimated{connector="cdc",table="db.b",task="0"} -1`,
		`kafka_connect_snapshot_rows_scanned{connector="cdc",table="db.a",task="0"} 10`,
		`kafka_connect_snapshot_rows_scanned{connector="cdc",table="db.b",task="0"} 0`,
		`kafka_connect_snapshot_completed{connector="cdc",task="0"} 0`,
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("missing %s", want)
		}
	}
	s.SnapshotCompleted(false)
	out = scrape(t, r)
	for _, want := range []string{`kafka_connect_snapshot_completed{connector="cdc",task="0"} 1`, `kafka_connect_snapshot_running{connector="cdc",task="0"} 0`,
		`kafka_connect_snapshot_aborted{connector="cdc",task="0"} 0`} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("after completion, missing %s", want)
		}
	}
	tm.Close()
	if out := scrape(t, r); strings.Contains(out, "kafka_connect_snapshot_") && strings.Contains(out, `connector="cdc"`) {
		t.Errorf("snapshot series left after Close:\n%s", out)
	}
}

// TestIncrementalSnapshotSeries follows an incremental snapshot: tables
// added to the queue, the current chunk as an info series that follows
// the chunks (one at a time), pause and resume, completion.
func TestIncrementalSnapshotSeries(t *testing.T) {
	r := NewRegistry(nil)
	tm := r.Task("cdc", 0, true)
	var s connect.IncrementalSnapshotProgress = tm.Snapshot()
	s.IncrementalSnapshotStarted([]string{"db.a"}, []int64{100})
	s.TablesAdded([]string{"db.b", "db.a"}, []int64{5, 100})
	s.CurrentChunk("db.a", "c1", []any{int64(1)}, []any{int64(10)}, []any{int64(100)})
	s.RowsScanned("db.a", 10)
	s.CurrentChunk("db.a", "c2", []any{int64(11)}, []any{int64(20)}, []any{int64(100)})
	s.RowsScanned("db.a", 20)
	s.SnapshotPaused()
	out := scrape(t, r)
	for _, want := range []string{
		`kafka_connect_snapshot_incremental{connector="cdc",task="0"} 1`,
		`kafka_connect_snapshot_total_table_count{connector="cdc",task="0"} 2`,
		`kafka_connect_snapshot_remaining_table_count{connector="cdc",task="0"} 2`,
		`kafka_connect_snapshot_rows_estimated{connector="cdc",table="db.b",task="0"} 5`,
		`kafka_connect_snapshot_rows_scanned{connector="cdc",table="db.a",task="0"} 20`,
		`kafka_connect_snapshot_chunk_info{chunk_from="[11]",chunk_id="c2",chunk_to="[20]",connector="cdc",table="db.a",table_from="[1]",table_to="[100]",task="0"} 1`,
		`kafka_connect_snapshot_paused{connector="cdc",task="0"} 1`,
		`kafka_connect_snapshot_running{connector="cdc",task="0"} 0`,
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("missing %s", want)
		}
	}
	if strings.Contains(out, `chunk_id="c1"`) {
		t.Error("the previous chunk's series is still there")
	}
	s.SnapshotResumed()
	s.TableCompleted("db.a", 100)
	s.CurrentChunk("db.b", "c3", []any{"x", nil}, []any{"y", int64(2)}, []any{"z", int64(9)})
	out = scrape(t, r)
	for _, want := range []string{
		`kafka_connect_snapshot_paused{connector="cdc",task="0"} 0`,
		`kafka_connect_snapshot_running{connector="cdc",task="0"} 1`,
		`kafka_connect_snapshot_remaining_table_count{connector="cdc",task="0"} 1`,
		`kafka_connect_snapshot_chunk_info{chunk_from="[x, null]",chunk_id="c3",chunk_to="[y, 2]",connector="cdc",table="db.b",table_from="[x, null]",table_to="[z, 9]",task="0"} 1`,
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("after resume, missing %s", want)
		}
	}
	s.TableCompleted("db.b", 5)
	s.SnapshotCompleted(false)
	out = scrape(t, r)
	if strings.Contains(out, "kafka_connect_snapshot_chunk_info{") {
		t.Error("chunk series left after completion")
	}
	for _, want := range []string{`kafka_connect_snapshot_completed{connector="cdc",task="0"} 1`,
		`kafka_connect_snapshot_remaining_table_count{connector="cdc",task="0"} 0`} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("after completion, missing %s", want)
		}
	}
	// A later snapshot replaces the tables of the last one.
	s.SnapshotStarted([]string{"db.c"}, []int64{1})
	out = scrape(t, r)
	if strings.Contains(out, `table="db.a"`) || !strings.Contains(out, `kafka_connect_snapshot_incremental{connector="cdc",task="0"} 0`+"\n") {
		t.Errorf("a new snapshot kept the last one's tables or kind:\n%s", out)
	}
	tm.Close()
	if out := scrape(t, r); strings.Contains(out, `connector="cdc"`) && strings.Contains(out, "kafka_connect_snapshot_") {
		t.Errorf("snapshot series left after Close:\n%s", out)
	}
}
