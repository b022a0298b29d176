package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
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
