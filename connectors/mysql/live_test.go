//go:build e2e

package mysql

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/client"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/data"
)

// memOffsets is an in-memory offset store.
type memOffsets struct{ off map[string]any }

func (m *memOffsets) Offset(context.Context, map[string]any) (map[string]any, error) {
	return m.off, nil
}

type taskCtx struct {
	o     *memOffsets
	props map[string]string
}

func (c taskCtx) Offsets() connect.OffsetReader { return c.o }
func (c taskCtx) TaskConfig() map[string]string { return c.props }
func (c taskCtx) Logger() *slog.Logger          { return slog.Default() }

// liveProps is a connector's config for the live server. Each gets its own
// server id: two binlog clients with the same id kick each other off the
// server (tests of other packages, or a second run, share it).
func liveProps(prefix string) map[string]string {
	return map[string]string{
		"database.hostname": "127.0.0.1", "database.port": "3307", "database.user": "debezium", "database.password": "dbz",
		"database.server.id": strconv.Itoa(5_400_000 + rand.IntN(1_000_000)), "topic.prefix": prefix, "table.include.list": "demo.CUSTOMERS", "poll.interval.ms": "100",
		"include.schema.changes": "false",
	}
}

func pollN(t *testing.T, task *Task, n int) []connect.SourceRecord {
	t.Helper()
	var out []connect.SourceRecord
	deadline := time.Now().Add(30 * time.Second)
	for len(out) < n && time.Now().Before(deadline) {
		recs, err := task.Poll(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, recs...)
	}
	if len(out) < n {
		t.Fatalf("got %d records, want %d", len(out), n)
	}
	return out
}

func TestLiveSnapshotAndStream(t *testing.T) {
	prefix := fmt.Sprintf("live%d", time.Now().UnixNano())
	props := liveProps(prefix)
	mem := &memOffsets{}
	task := &Task{}
	if err := task.Start(context.Background(), taskCtx{mem, props}, props); err != nil {
		t.Fatal(err)
	}
	recs := pollN(t, task, 20)
	if len(recs) != 20 {
		t.Fatalf("snapshot: %d records", len(recs))
	}
	for i, r := range recs {
		env := r.Value.(*data.Struct)
		src := env.RawIndex(2).(*data.Struct)
		t.Logf("%d topic=%s key=%v op=%v snap=%v off=%v", i, r.Topic, r.Key, env.RawIndex(4), src.RawIndex(4), r.SourceOffset)
	}
	t.Logf("first value: %v", recs[0].Value)
	db, err := client.Connect("127.0.0.1:3307", "debezium", "dbz", "demo")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		"DELETE FROM CUSTOMERS WHERE id = 42",
		"INSERT INTO CUSTOMERS (id, first_name, last_name) VALUES (42, 'Rick', 'Astley')",
		"UPDATE CUSTOMERS SET club_status = 'gold' WHERE id = 42",
		"DELETE FROM CUSTOMERS WHERE id = 42",
	} {
		if _, err := db.Execute(q); err != nil {
			t.Fatal(err)
		}
	}
	recs = pollN(t, task, 4)
	for i, r := range recs {
		t.Logf("%d topic=%s key=%v value=%v off=%v", i, r.Topic, r.Key, r.Value, r.SourceOffset)
	}
	last := recs[len(recs)-1].SourceOffset
	if err := task.Stop(); err != nil {
		t.Fatal(err)
	}
	// Restart from the last offset: nothing may be re-emitted.
	mem.off = last
	task2 := &Task{}
	if err := task2.Start(context.Background(), taskCtx{mem, props}, props); err != nil {
		t.Fatal(err)
	}
	defer task2.Stop()
	time.Sleep(2 * time.Second)
	got, err := task2.Poll(context.Background())
	if err != nil || len(got) != 0 {
		t.Fatalf("after restart: %d records, %v", len(got), err)
	}
}

func liveDB(t *testing.T) *client.Conn {
	t.Helper()
	db, err := client.Connect("127.0.0.1:3307", "debezium", "dbz", "demo")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	// go-mysql's handshake leaves the session charset at the server's
	// default (latin1 here); the test's literals are UTF-8.
	exec(t, db, "SET NAMES utf8mb4")
	return db
}

func exec(t *testing.T, db *client.Conn, qs ...string) {
	t.Helper()
	for _, q := range qs {
		if _, err := db.Execute(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func startTask(t *testing.T, props map[string]string, off map[string]any) *Task {
	t.Helper()
	task := &Task{}
	if err := task.Start(context.Background(), taskCtx{&memOffsets{off}, props}, props); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = task.Stop() })
	return task
}

func afterID(r connect.SourceRecord) any {
	return r.Value.(*data.Struct).RawIndex(1).(*data.Struct).RawIndex(0)
}

// TestLiveResumeMidEvent restarts from offsets inside and at the end of
// a three-row event. On MariaDB offsets are Debezium's: pos is the end of
// the rows event, row the rows of it done while others are left, no
// event or gtids.
func TestLiveResumeMidEvent(t *testing.T) {
	db := liveDB(t)
	exec(t, db, "DROP TABLE IF EXISTS gc_multi", "CREATE TABLE gc_multi (id INT PRIMARY KEY, v VARCHAR(10))")
	t.Cleanup(func() { _, _ = db.Execute("DROP TABLE IF EXISTS gc_multi") })
	props := liveProps(fmt.Sprintf("multi%d", time.Now().UnixNano()))
	props["table.include.list"] = "demo.gc_multi"
	props["snapshot.mode"] = "no_data"
	task := startTask(t, props, nil)
	time.Sleep(time.Second) // let it reach streaming
	exec(t, db, "INSERT INTO gc_multi VALUES (1,'a'),(2,'b'),(3,'c')", "INSERT INTO gc_multi VALUES (4,'d')")
	recs := pollN(t, task, 4)
	for i, r := range recs {
		t.Logf("%d id=%v off=%v", i, afterID(r), r.SourceOffset)
	}
	o0, o2 := recs[0].SourceOffset, recs[2].SourceOffset
	if o0["row"] != int32(1) || o0["event"] != nil || o0["gtids"] != nil || o0["pos"] != o2["pos"] || recs[1].SourceOffset["row"] != int32(2) {
		t.Fatalf("offset of the first row %v: want Debezium's (row 1, the event's end as pos, no event or gtids)", o0)
	}
	if _, ok := o2["row"]; ok || o2["pos"].(int64) >= recs[3].SourceOffset["pos"].(int64) {
		t.Fatalf("offset of the event's last row %v: want no row (the next event resumes)", o2)
	}
	_ = task.Stop()
	resumed := func(off map[string]any, want string) {
		t.Helper()
		n := strings.Count(want, ",") + 1
		task2 := startTask(t, props, off)
		again := pollN(t, task2, n)
		time.Sleep(time.Second)
		more, _ := task2.Poll(context.Background())
		again = append(again, more...)
		_ = task2.Stop()
		var ids []string
		for _, r := range again {
			ids = append(ids, fmt.Sprint(afterID(r)))
		}
		if strings.Join(ids, ",") != want {
			t.Fatalf("after resuming from %v: ids %v, want %s", off, ids, want)
		}
	}
	resumed(o0, "2,3,4")
	// Debezium writes row = 3 at the event's last row: nothing of it is
	// left (Debezium's own restart would skip 3 rows of the next event).
	java := maps.Clone(o2)
	java["row"] = int64(3)
	resumed(java, "4")
}

// TestLiveResumeOldOffsets: offsets stored by goconnect before it wrote
// Debezium's MariaDB form (pos of the transaction start, event and row to
// skip after it, the MariaDB GTID set before the transaction) still
// resume without a gap or a duplicate.
func TestLiveResumeOldOffsets(t *testing.T) {
	db := liveDB(t)
	exec(t, db, "DROP TABLE IF EXISTS gc_oldoff", "CREATE TABLE gc_oldoff (id INT PRIMARY KEY)")
	t.Cleanup(func() { _, _ = db.Execute("DROP TABLE IF EXISTS gc_oldoff") })
	props := liveProps(fmt.Sprintf("oldoff%d", time.Now().UnixNano()))
	props["table.include.list"] = "demo.gc_oldoff"
	props["snapshot.mode"] = "no_data"
	st, err := db.Execute("SHOW MASTER STATUS")
	if err != nil {
		t.Fatal(err)
	}
	file, _ := st.GetString(0, 0)
	from, _ := st.GetInt(0, 1)
	exec(t, db, "INSERT INTO gc_oldoff VALUES (1),(2),(3)", "INSERT INTO gc_oldoff VALUES (4)")
	// The transaction of the first INSERT: its GTID event (others write
	// to the shared server too).
	evs, err := db.Execute(fmt.Sprintf("SHOW BINLOG EVENTS IN '%s' FROM %d", file, from))
	if err != nil {
		t.Fatal(err)
	}
	var txPos int64
	var gtid string
	for i := 0; i < evs.RowNumber() && gtid == ""; i++ {
		typ, _ := evs.GetString(i, 2)
		info, _ := evs.GetString(i, 5)
		pos, _ := evs.GetInt(i, 1)
		if typ == "Gtid" {
			txPos = pos
			if i+1 < evs.RowNumber() {
				if next, _ := evs.GetString(i+1, 5); strings.Contains(next, "INSERT INTO gc_oldoff VALUES (1),(2),(3)") {
					gtid = strings.TrimPrefix(info, "BEGIN GTID ")
				}
			}
		}
	}
	parts := strings.Split(gtid, "-")
	if len(parts) != 3 {
		t.Fatalf("no GTID event before the INSERT in %s from %d", file, from)
	}
	seq, _ := strconv.ParseInt(parts[2], 10, 64)
	old := map[string]any{"file": file, "pos": txPos, "event": int64(2), "row": int32(1),
		"gtids": fmt.Sprintf("%s-%s-%d", parts[0], parts[1], seq-1), "server_id": int64(223344), "ts_sec": time.Now().Unix()}
	task := startTask(t, props, old)
	recs := pollN(t, task, 3)
	time.Sleep(time.Second)
	more, _ := task.Poll(context.Background())
	recs = append(recs, more...)
	var ids []string
	for _, r := range recs {
		ids = append(ids, fmt.Sprint(afterID(r)))
	}
	if strings.Join(ids, ",") != "2,3,4" {
		t.Fatalf("after resuming from the old offset %v: ids %v, want 2,3,4", old, ids)
	}
	if o := recs[len(recs)-1].SourceOffset; o["event"] != nil || o["gtids"] != nil {
		t.Fatalf("offsets after an old one: %v, want Debezium's form", o)
	}
}

// TestLiveReconnect kills the binlog dump connection: the task reconnects
// and delivers the next change exactly once.
func TestLiveReconnect(t *testing.T) {
	db := liveDB(t)
	exec(t, db, "DROP TABLE IF EXISTS gc_recon", "CREATE TABLE gc_recon (id INT PRIMARY KEY)")
	t.Cleanup(func() { _, _ = db.Execute("DROP TABLE IF EXISTS gc_recon") })
	dumps := func() map[string]bool {
		r, err := db.Execute("SELECT ID FROM information_schema.PROCESSLIST WHERE COMMAND = 'Binlog Dump'")
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for i := 0; i < r.RowNumber(); i++ {
			id, _ := r.GetString(i, 0)
			out[id] = true
		}
		return out
	}
	before := dumps()
	props := liveProps(fmt.Sprintf("recon%d", time.Now().UnixNano()))
	props["table.include.list"] = "demo.gc_recon"
	props["snapshot.mode"] = "no_data"
	task := startTask(t, props, nil)
	time.Sleep(time.Second) // let it reach streaming
	exec(t, db, "INSERT INTO gc_recon VALUES (1)")
	pollN(t, task, 1)
	killed := 0
	for id := range dumps() {
		if !before[id] {
			exec(t, db, "KILL "+id)
			killed++
		}
	}
	if killed != 1 {
		t.Fatalf("killed %d dump connections, want 1", killed)
	}
	exec(t, db, "INSERT INTO gc_recon VALUES (2), (3)")
	recs := pollN(t, task, 2)
	time.Sleep(1500 * time.Millisecond)
	more, _ := task.Poll(context.Background())
	recs = append(recs, more...)
	if len(recs) != 2 || afterID(recs[0]) != int32(2) || afterID(recs[1]) != int32(3) {
		t.Fatalf("after reconnect: %v", recs)
	}
}

// TestLiveTypeCoverage reads the same values through the snapshot (text
// protocol) and the binlog (row events): both must give the same Connect
// values, and those must be Debezium's.
func TestLiveTypeCoverage(t *testing.T) {
	db := liveDB(t)
	exec(t, db, "DROP TABLE IF EXISTS gc_types", `CREATE TABLE gc_types (
		id INT PRIMARY KEY, b TINYINT(1), tu TINYINT UNSIGNED, su SMALLINT UNSIGNED, mu MEDIUMINT UNSIGNED, iu INT UNSIGNED,
		bi BIGINT, bu BIGINT UNSIGNED, f FLOAT, d DOUBLE, dec1 DECIMAL(10,2), s VARCHAR(20) NOT NULL DEFAULT 'dflt', tx TEXT, bl BLOB,
		j JSON, e ENUM('small','medium','large'), st SET('a','b','c'), y YEAR, dt DATE, tm TIME(3), dtm DATETIME, dtm6 DATETIME(6),
		ts TIMESTAMP(3) NULL, bit1 BIT(1), bit10 BIT(10), nn INT NULL, l1 VARCHAR(10) CHARACTER SET latin1, le ENUM('à','€') CHARACTER SET latin1)`)
	t.Cleanup(func() { _, _ = db.Execute("DROP TABLE IF EXISTS gc_types") })
	vals := `1, 255, 65535, 16777215, 4294967295, -9000000000, 18446744073709551615, 1.5, 2.25, 12.50, 'héllo', 'text', x'0102',
		'{"a": 1}', 'medium', 'a,c', 2024, '2024-01-15', '10:30:00.250', '2024-01-15 10:30:00', '2024-01-15 10:30:00.000001',
		'2024-01-15 10:30:00.100', b'1', b'1000000010', NULL, 'é€x', '€'`
	exec(t, db, "INSERT INTO gc_types VALUES (1, "+vals+")")
	props := liveProps(fmt.Sprintf("types%d", time.Now().UnixNano()))
	props["table.include.list"] = "demo.gc_types"
	task := startTask(t, props, nil)
	snap := pollN(t, task, 1)
	exec(t, db, "INSERT INTO gc_types VALUES (2, "+vals+")")
	str := pollN(t, task, 1)
	a := snap[0].Value.(*data.Struct).RawIndex(1).(*data.Struct)
	b := str[0].Value.(*data.Struct).RawIndex(1).(*data.Struct)
	want := map[string]any{
		"b": int16(1), "tu": int16(255), "su": int32(65535), "mu": int32(16777215), "iu": int64(4294967295), "bi": int64(-9000000000),
		"bu": int64(-1), "f": float32(1.5), "d": 2.25, "dec1": "12.50", "s": "héllo", "tx": "text", "bl": []byte{1, 2},
		"j": `{"a": 1}`, "e": "medium", "st": "a,c", "y": int32(2024), "dt": int32(19737), "tm": int64(37800250000),
		"dtm": int64(1705314600000), "dtm6": int64(1705314600000001), "ts": "2024-01-15T10:30:00.100Z", "bit1": true,
		"bit10": []byte{2, 2}, "nn": nil, "l1": "é€x", "le": "€",
	}
	for _, f := range a.Schema().Fields[1:] {
		va, vb := a.RawIndex(f.Index), b.RawIndex(f.Index)
		if bd, ok := va.(*data.BigDecimal); ok {
			va = bd.String()
		}
		if bd, ok := vb.(*data.BigDecimal); ok {
			vb = bd.String()
		}
		if f.Name == "j" {
			// The binlog carries MariaDB JSON as text too; compare as text.
			va, vb = fmt.Sprint(va), fmt.Sprint(vb)
		}
		wantSnap := want[f.Name]
		if f.Name == "ts" {
			// A snapshot's TIMESTAMP(3) drops trailing fraction zeros, a
			// streamed one keeps the column's width: both as Debezium.
			wantSnap = "2024-01-15T10:30:00.1Z"
		}
		if !data.ValuesEqual(va, wantSnap) {
			t.Errorf("snapshot %s = %#v, want %#v", f.Name, va, wantSnap)
		}
		if !data.ValuesEqual(vb, want[f.Name]) {
			t.Errorf("binlog %s = %#v, want %#v", f.Name, vb, want[f.Name])
		}
	}
	if f, _ := a.Schema().Field("s"); f.Schema.Default != "dflt" || f.Schema.Optional {
		t.Errorf("s: default %v optional %v", f.Schema.Default, f.Schema.Optional)
	}
	if f, _ := a.Schema().Field("e"); f.Schema.Param("allowed") != "small,medium,large" {
		t.Errorf("enum allowed %q", f.Schema.Param("allowed"))
	}
}

// BenchmarkLiveStream measures binlog-to-record throughput: rows inserted
// in batches of 1000 until the task has emitted all of them.
func BenchmarkLiveStream(b *testing.B) {
	db, err := client.Connect("127.0.0.1:3307", "debezium", "dbz", "demo")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{"DROP TABLE IF EXISTS gc_bench", "CREATE TABLE gc_bench (id INT PRIMARY KEY, name VARCHAR(50), amount DECIMAL(10,2), ts DATETIME)"} {
		if _, err := db.Execute(q); err != nil {
			b.Fatal(err)
		}
	}
	defer db.Execute("DROP TABLE IF EXISTS gc_bench") //nolint:errcheck
	props := liveProps(fmt.Sprintf("bench%d", time.Now().UnixNano()))
	props["table.include.list"] = "demo.gc_bench"
	props["snapshot.mode"] = "no_data"
	task := &Task{}
	if err := task.Start(context.Background(), taskCtx{&memOffsets{}, props}, props); err != nil {
		b.Fatal(err)
	}
	defer task.Stop() //nolint:errcheck
	time.Sleep(time.Second)
	b.ResetTimer()
	for id := 0; id < b.N; {
		var sb strings.Builder
		sb.WriteString("INSERT INTO gc_bench VALUES ")
		for j := 0; j < 1000 && id < b.N; j++ {
			if j > 0 {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, "(%d,'name %d',%d.25,'2024-01-15 10:30:00')", id, id, id)
			id++
		}
		if _, err := db.Execute(sb.String()); err != nil {
			b.Fatal(err)
		}
	}
	got := 0
	deadline := time.Now().Add(2 * time.Minute)
	for got < b.N && time.Now().Before(deadline) {
		recs, err := task.Poll(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		got += len(recs)
	}
	if got != b.N {
		b.Fatalf("streamed %d of %d rows", got, b.N)
	}
}

// TestLiveAlterWhileStreaming adds a column while the task is caught up:
// the next change carries the new column.
func TestLiveAlterWhileStreaming(t *testing.T) {
	db := liveDB(t)
	exec(t, db, "DROP TABLE IF EXISTS gc_alter", "CREATE TABLE gc_alter (id INT PRIMARY KEY, a VARCHAR(5))")
	t.Cleanup(func() { _, _ = db.Execute("DROP TABLE IF EXISTS gc_alter") })
	props := liveProps(fmt.Sprintf("alter%d", time.Now().UnixNano()))
	props["table.include.list"] = "demo.gc_alter"
	props["snapshot.mode"] = "no_data"
	task := startTask(t, props, nil)
	time.Sleep(time.Second)
	exec(t, db, "INSERT INTO gc_alter VALUES (1, 'x')")
	pollN(t, task, 1)
	exec(t, db, "ALTER TABLE gc_alter ADD COLUMN b INT NOT NULL DEFAULT 7", "INSERT INTO gc_alter VALUES (2, 'y', 8)")
	r := pollN(t, task, 1)[0]
	after := r.Value.(*data.Struct).RawIndex(1).(*data.Struct)
	if b, err := after.Get("b"); err != nil || b != int32(8) {
		t.Fatalf("after ALTER: %v (%v)", after, err)
	}
	if f, _ := after.Schema().Field("b"); f.Schema.Default != int32(7) || f.Schema.Optional {
		t.Fatalf("b schema: default %v optional %v", f.Schema.Default, f.Schema.Optional)
	}
}

// TestLiveHeartbeat: changes to tables that are not captured move the
// offset through heartbeat records.
func TestLiveHeartbeat(t *testing.T) {
	db := liveDB(t)
	exec(t, db, "DROP TABLE IF EXISTS gc_other", "CREATE TABLE gc_other (id INT PRIMARY KEY)")
	t.Cleanup(func() { _, _ = db.Execute("DROP TABLE IF EXISTS gc_other") })
	props := liveProps(fmt.Sprintf("hb%d", time.Now().UnixNano()))
	props["snapshot.mode"] = "no_data"
	props["heartbeat.interval.ms"] = "100"
	task := startTask(t, props, nil)
	first := pollN(t, task, 1)[0]
	time.Sleep(200 * time.Millisecond)
	exec(t, db, "INSERT INTO gc_other VALUES (1)")
	var last connect.SourceRecord
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		recs, err := task.Poll(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if r.Topic != "__debezium-heartbeat."+props["topic.prefix"] {
				t.Fatalf("unexpected record on %s", r.Topic)
			}
			last = r
		}
		if last.SourceOffset != nil && last.SourceOffset["pos"].(int64) > first.SourceOffset["pos"].(int64) {
			break
		}
	}
	if last.SourceOffset == nil || last.SourceOffset["pos"].(int64) <= first.SourceOffset["pos"].(int64) {
		t.Fatalf("heartbeat offset did not advance: first %v last %v", first.SourceOffset, last.SourceOffset)
	}
	if k := last.Key.(*data.Struct); k.Schema().Name != "io.debezium.connector.common.ServerNameKey" || k.RawIndex(0) != props["topic.prefix"] {
		t.Fatalf("heartbeat key %v", k)
	}
	t.Logf("heartbeat offsets %v -> %v", first.SourceOffset, last.SourceOffset)
}
