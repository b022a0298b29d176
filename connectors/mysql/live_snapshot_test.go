//go:build e2e

package mysql

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/client"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/data"
)

// snapTables creates tables demo.<prefix>_<name> (id INT PRIMARY KEY,
// name VARCHAR(20)) holding ids 1..rows each, dropped after the test.
func snapTables(t *testing.T, db *client.Conn, prefix string, rows map[string]int) {
	t.Helper()
	for name, n := range rows {
		tb := prefix + "_" + name
		exec(t, db, "CREATE TABLE "+tb+" (id INT PRIMARY KEY, name VARCHAR(20))")
		t.Cleanup(func() { _, _ = db.Execute("DROP TABLE IF EXISTS " + tb) })
		if n > 0 {
			var vals []string
			for i := 1; i <= n; i++ {
				vals = append(vals, fmt.Sprintf("(%d, 'n%d')", i, i))
			}
			exec(t, db, "INSERT INTO "+tb+" VALUES "+strings.Join(vals, ","))
		}
	}
}

func snapMarker(r connect.SourceRecord) any {
	return r.Value.(*data.Struct).RawIndex(2).(*data.Struct).RawIndex(4)
}

func recID(r connect.SourceRecord) int32 {
	env := r.Value.(*data.Struct)
	img := env.RawIndex(1)
	if img == nil {
		img = env.RawIndex(0)
	}
	return img.(*data.Struct).RawIndex(0).(int32)
}

// TestLiveSnapshotParallelConsistent snapshots three tables with
// snapshot.max.threads=3 while a writer commits transactions touching all
// of them, then streams: every row written ends up exactly once in the
// snapshot or in the stream, which holds only if all three readers see
// the state at the one position streaming starts from. Markers are
// Debezium's for several threads: no table is first or last, the very
// last record is.
func TestLiveSnapshotParallelConsistent(t *testing.T) {
	db := liveDB(t)
	prefix := fmt.Sprintf("gcpar%d", time.Now().UnixNano()%1e9)
	names := []string{"a", "b", "c"}
	snapTables(t, db, prefix, map[string]int{"a": 3000, "b": 2000, "c": 1000})

	// Writers: transactions inserting the same new id into each table,
	// several at once so that commits are waiting whenever a lock lifts.
	var next atomic.Int32
	next.Store(100000)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	writer := func() {
		defer wg.Done()
		w, err := client.Connect("127.0.0.1:3307", "debezium", "dbz", "demo")
		if err != nil {
			t.Error(err)
			return
		}
		defer w.Close()
		for {
			select {
			case <-stop:
				return
			default:
			}
			id := next.Add(1)
			for _, q := range []string{"BEGIN",
				fmt.Sprintf("INSERT INTO %s_a VALUES (%d, 'w')", prefix, id),
				fmt.Sprintf("INSERT INTO %s_b VALUES (%d, 'w')", prefix, id),
				fmt.Sprintf("INSERT INTO %s_c VALUES (%d, 'w')", prefix, id), "COMMIT"} {
				if _, err := w.Execute(q); err != nil {
					t.Error(err)
					return
				}
			}
		}
	}
	for range 4 {
		wg.Add(1)
		go writer()
	}
	// Let the writers run before and during the snapshot.
	for next.Load() < 100020 {
		time.Sleep(5 * time.Millisecond)
	}
	props := liveProps(fmt.Sprintf("par%d", time.Now().UnixNano()))
	props["table.include.list"] = "demo." + prefix + "_.*"
	props["snapshot.max.threads"] = "3"
	task := startTask(t, props, nil)
	// Wait until the snapshot is done (its last record), then stop writing.
	var recs []connect.SourceRecord
	recs = pollUntil(t, task, "the snapshot's last record", func(rs []connect.SourceRecord) bool {
		for _, r := range rs {
			if snapMarker(r) == "last" {
				return true
			}
		}
		return false
	})
	close(stop)
	wg.Wait()
	last := next.Load()
	want := 3000 + 2000 + 1000 + 3*int(last-100000)
	recs = append(recs, pollN(t, task, want-len(recs))...)

	seen := map[string]map[int32]int{}
	snapshot := 0
	for i, r := range recs {
		tb := r.Topic[strings.LastIndexByte(r.Topic, '_')+1:]
		if seen[tb] == nil {
			seen[tb] = map[int32]int{}
		}
		seen[tb][recID(r)]++
		op := r.Value.(*data.Struct).RawIndex(4)
		if op == "r" {
			snapshot++
			m := snapMarker(r)
			switch {
			case m == "last":
				if i != snapshot-1 || r.SourceOffset["snapshot"] != nil {
					t.Errorf("record %d marked last with offset %v; snapshot records so far %d", i, r.SourceOffset, snapshot)
				}
			case m == "first" || m == nil:
				t.Errorf("record %d: marker %v with several threads", i, m)
			case r.SourceOffset["snapshot"] != true:
				t.Errorf("record %d: offset %v lacks snapshot=true", i, r.SourceOffset)
			}
		} else if op != "c" {
			t.Errorf("record %d: op %v", i, op)
		}
	}
	t.Logf("%d snapshot records, writers wrote ids 100001..%d", snapshot, last)
	if snapshot < 6000 {
		t.Errorf("%d snapshot records, want at least the 6000 preloaded rows", snapshot)
	}
	for _, n := range names {
		rows := map[string]int{"a": 3000, "b": 2000, "c": 1000}[n]
		for id := int32(1); id <= int32(rows); id++ {
			if seen[n][id] != 1 {
				t.Fatalf("table %s id %d seen %d times", n, id, seen[n][id])
			}
		}
		for id := int32(100001); id <= last; id++ {
			if seen[n][id] != 1 {
				t.Fatalf("table %s written id %d seen %d times (snapshot and stream disagree on the position)", n, id, seen[n][id])
			}
		}
	}
	// Each table's first and last snapshot record carry the per-table markers.
	markers := map[string][]any{}
	for _, r := range recs[:snapshot] {
		tb := r.Topic[strings.LastIndexByte(r.Topic, '_')+1:]
		markers[tb] = append(markers[tb], snapMarker(r))
	}
	for tb, ms := range markers {
		if ms[0] != "first_in_data_collection" {
			t.Errorf("table %s: first marker %v", tb, ms[0])
		}
		if end := ms[len(ms)-1]; end != "last_in_data_collection" && end != "last" {
			t.Errorf("table %s: last marker %v", tb, end)
		}
	}
}

// TestLiveSnapshotSelectOverrideAndInclude: snapshot.include.collection.list
// limits the tables whose rows are read (the other is still streamed);
// snapshot.select.statement.overrides.<db>.<table> replaces the SELECT,
// its columns mapped by name (a column it leaves out is null). The last
// record is "last" even though the last table read was empty.
func TestLiveSnapshotSelectOverrideAndInclude(t *testing.T) {
	db := liveDB(t)
	prefix := fmt.Sprintf("gcovr%d", time.Now().UnixNano()%1e9)
	snapTables(t, db, prefix, map[string]int{"a": 5, "b": 3, "c": 0})
	props := liveProps(fmt.Sprintf("ovr%d", time.Now().UnixNano()))
	props["table.include.list"] = "demo." + prefix + "_.*"
	props["snapshot.include.collection.list"] = "demo\\." + prefix + "_a,DEMO\\." + prefix + "_C"
	props["snapshot.select.statement.overrides"] = "demo." + prefix + "_a"
	props["snapshot.select.statement.overrides.demo."+prefix+"_a"] = "SELECT id FROM demo." + prefix + "_a WHERE id > 2 ORDER BY id DESC"
	task := startTask(t, props, nil)
	recs := pollN(t, task, 3)
	var ids []int32
	var marks []any
	for _, r := range recs {
		if !strings.HasSuffix(r.Topic, prefix+"_a") {
			t.Fatalf("snapshot record of %s", r.Topic)
		}
		after := r.Value.(*data.Struct).RawIndex(1).(*data.Struct)
		if after.RawIndex(1) != nil {
			t.Errorf("name %v, want null (not selected)", after.RawIndex(1))
		}
		ids = append(ids, recID(r))
		marks = append(marks, snapMarker(r))
	}
	if fmt.Sprint(ids) != "[5 4 3]" || fmt.Sprint(marks) != "[first true last]" {
		t.Fatalf("snapshot ids %v markers %v, want [5 4 3] [first true last]", ids, marks)
	}
	exec(t, db, "INSERT INTO "+prefix+"_b VALUES (10, 'x')")
	recs = pollN(t, task, 1)
	if !strings.HasSuffix(recs[0].Topic, prefix+"_b") || recID(recs[0]) != 10 || recs[0].Value.(*data.Struct).RawIndex(4) != "c" {
		t.Fatalf("streamed %s %v, want the insert into %s_b", recs[0].Topic, recs[0].Value, prefix)
	}
}

// TestLiveSnapshotOverrideUnknownColumn: a statement returning a column
// the table does not have fails the task, naming it.
func TestLiveSnapshotOverrideUnknownColumn(t *testing.T) {
	db := liveDB(t)
	prefix := fmt.Sprintf("gcbad%d", time.Now().UnixNano()%1e9)
	snapTables(t, db, prefix, map[string]int{"a": 2})
	props := liveProps(fmt.Sprintf("bad%d", time.Now().UnixNano()))
	props["table.include.list"] = "demo." + prefix + "_a"
	props["snapshot.select.statement.overrides"] = "demo." + prefix + "_a"
	props["snapshot.select.statement.overrides.demo."+prefix+"_a"] = "SELECT id, 1 AS bogus FROM demo." + prefix + "_a"
	task := startTask(t, props, nil)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		_, err := task.Poll(t.Context())
		if err != nil {
			if !strings.Contains(err.Error(), "bogus") {
				t.Fatalf("error %v does not name the column", err)
			}
			return
		}
	}
	t.Fatal("the task did not fail")
}
