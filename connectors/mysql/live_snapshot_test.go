//go:build e2e

package mysql

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/client"
	gomysql "github.com/go-mysql-org/go-mysql/mysql"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/jsonconverter"
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
	var txs atomic.Int64
	stop := startWriters(t, 4, &txs, func(_, _ int) []string {
		id := next.Add(1)
		return []string{"BEGIN",
			fmt.Sprintf("INSERT INTO %s_a VALUES (%d, 'w')", prefix, id),
			fmt.Sprintf("INSERT INTO %s_b VALUES (%d, 'w')", prefix, id),
			fmt.Sprintf("INSERT INTO %s_c VALUES (%d, 'w')", prefix, id), "COMMIT"}
	})
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
	stop()
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

// BenchmarkLiveSnapshot: the connector's share of a snapshot, its rows
// read, converted and queued as Connect records and drained by Poll (no
// Kafka), next to a bare streaming SELECT * of the same table in the same
// run (metric select-ratio); "json" also converts each record's key and
// value as the worker's JsonConverter (schemas.enable=false) would.
//
//	go test -tags e2e -run '^$' -bench LiveSnapshot -benchtime 200000x ./connectors/mysql
func BenchmarkLiveSnapshot(b *testing.B) {
	for _, withJSON := range []bool{false, true} {
		name := "records"
		if withJSON {
			name = "json"
		}
		b.Run(name, func(b *testing.B) { benchSnapshot(b, withJSON) })
	}
}

func benchSnapshot(b *testing.B, withJSON bool) {
	db, err := client.Connect("127.0.0.1:3307", "debezium", "dbz", "demo")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	tb := fmt.Sprintf("gc_snapbench%d", time.Now().UnixNano()%1e9)
	exec := func(q string) {
		if _, err := db.Execute(q); err != nil {
			b.Fatal(err)
		}
	}
	exec("CREATE TABLE " + tb + " (id INT PRIMARY KEY, name VARCHAR(50), amount DECIMAL(10,2), ts DATETIME)")
	defer db.Execute("DROP TABLE IF EXISTS " + tb) //nolint:errcheck
	for id := 0; id < b.N; {
		var sb strings.Builder
		sb.WriteString("INSERT INTO " + tb + " VALUES ")
		for j := 0; j < 1000 && id < b.N; j++ {
			if j > 0 {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, "(%d,'name %d',%d.25,'2024-01-15 10:30:00')", id, id, id)
			id++
		}
		exec(sb.String())
	}
	start := time.Now()
	var res gomysql.Result
	if err := db.ExecuteSelectStreaming("SELECT * FROM "+tb, &res, func([]gomysql.FieldValue) error { return nil }, nil); err != nil {
		b.Fatal(err)
	}
	bare := time.Since(start)
	props := liveProps(fmt.Sprintf("snapbench%d", time.Now().UnixNano()))
	props["table.include.list"] = "demo." + tb
	props["snapshot.mode"] = "initial_only"
	b.ResetTimer()
	start = time.Now()
	task := &Task{}
	if err := task.Start(context.Background(), taskCtx{&memOffsets{}, props}, props); err != nil {
		b.Fatal(err)
	}
	defer task.Stop() //nolint:errcheck
	conv := jsonconverter.New()
	if err := conv.Configure(map[string]string{"schemas.enable": "false"}, false); err != nil {
		b.Fatal(err)
	}
	got, bytes := 0, 0
	for got < b.N {
		recs, err := task.Poll(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		got += len(recs)
		if !withJSON {
			continue
		}
		for _, r := range recs {
			k, err := conv.FromConnectData(r.Topic, nil, r.KeySchema, r.Key)
			if err != nil {
				b.Fatal(err)
			}
			v, err := conv.FromConnectData(r.Topic, nil, r.ValueSchema, r.Value)
			if err != nil {
				b.Fatal(err)
			}
			bytes += len(k) + len(v)
		}
	}
	took := time.Since(start)
	if withJSON {
		b.ReportMetric(float64(bytes)/float64(b.N), "json-B/row")
	}
	b.ReportMetric(float64(b.N)/took.Seconds(), "rows/s")
	b.ReportMetric(float64(b.N)/bare.Seconds(), "select-rows/s")
	b.ReportMetric(bare.Seconds()/took.Seconds(), "select-ratio")
}

// TestLiveSnapshotIncludeListOrder: the snapshot reads tables in the order
// of table.include.list's patterns, as Debezium does, not by name.
func TestLiveSnapshotIncludeListOrder(t *testing.T) {
	db := liveDB(t)
	prefix := fmt.Sprintf("gcord%d", time.Now().UnixNano()%1e9)
	snapTables(t, db, prefix, map[string]int{"a": 2, "m": 1, "z": 2})
	props := liveProps(fmt.Sprintf("ord%d", time.Now().UnixNano()))
	props["table.include.list"] = "demo." + prefix + "_z,demo." + prefix + "_[am]"
	task := startTask(t, props, nil)
	var order []string
	for _, r := range pollN(t, task, 5) {
		order = append(order, strings.TrimPrefix(r.Topic[strings.LastIndex(r.Topic, ".")+1:], prefix+"_"))
	}
	if got := strings.Join(order, ","); got != "z,z,a,a,m" {
		t.Fatalf("snapshot read the tables in the order %s, want z,z,a,a,m (include-list order, then by name)", got)
	}
}
