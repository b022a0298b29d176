//go:build e2e

package mysql

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/hashorder"
)

const liveKafka = "127.0.0.1:9092"

// pollUntil polls until done says the records so far are enough.
func pollUntil(t *testing.T, task *Task, what string, done func([]connect.SourceRecord) bool) []connect.SourceRecord {
	t.Helper()
	var out []connect.SourceRecord
	deadline := time.Now().Add(60 * time.Second)
	for !done(out) {
		if time.Now().After(deadline) {
			for i, r := range out {
				t.Logf("%d %s %v", i, r.Topic, r.Value)
			}
			t.Fatalf("timed out waiting for %s (%d records)", what, len(out))
		}
		recs, err := task.Poll(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, recs...)
	}
	return out
}

func fieldNames(s *data.Struct) string {
	var n []string
	for _, f := range s.Schema().Fields {
		n = append(n, f.Name)
	}
	return strings.Join(n, ",")
}

// dataRecs keeps the change events of one topic.
func dataRecs(recs []connect.SourceRecord, topic string) []connect.SourceRecord {
	var out []connect.SourceRecord
	for _, r := range recs {
		if r.Topic == topic && r.Value != nil {
			out = append(out, r)
		}
	}
	return out
}

func countTopic(recs []connect.SourceRecord, topic string) int {
	return len(dataRecs(recs, topic))
}

// readHistory reads the schema history topic whole.
func readHistory(t *testing.T, topic string, want int) []map[string]any {
	t.Helper()
	return readHistoryUntil(t, topic, func(out []map[string]any) bool { return len(out) >= want })
}

// readHistoryUntil reads a history topic until done says so (or 30 s).
func readHistoryUntil(t *testing.T, topic string, done func([]map[string]any) bool) []map[string]any {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(liveKafka), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var out []map[string]any
	deadline := time.Now().Add(30 * time.Second)
	for !done(out) && time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		f := cl.PollFetches(ctx)
		cancel()
		for _, r := range f.Records() {
			if r.Partition != 0 {
				t.Fatalf("history record on partition %d", r.Partition)
			}
			var m map[string]any
			if err := json.Unmarshal(r.Value, &m); err != nil {
				t.Fatalf("history record %s: %v", r.Value, err)
			}
			out = append(out, m)
		}
	}
	return out
}

// TestLiveSchemaHistoryReplay: an ALTER between two inserts, then a
// restart from an offset before the ALTER after the table changed once
// more. Both replayed inserts must carry the schema in force when they
// were written (from the history topic), not today's structure.
func TestLiveSchemaHistoryReplay(t *testing.T) {
	db := liveDB(t)
	exec(t, db, "DROP TABLE IF EXISTS gc_hist", "CREATE TABLE gc_hist (id INT PRIMARY KEY, a VARCHAR(5))", "INSERT INTO gc_hist VALUES (1, 'r')")
	t.Cleanup(func() { _, _ = db.Execute("DROP TABLE IF EXISTS gc_hist") })
	prefix := fmt.Sprintf("hist%d", time.Now().UnixNano())
	props := liveProps(prefix)
	props["table.include.list"] = "demo.gc_hist"
	props["include.schema.changes"] = "true"
	props["schema.history.internal.store.only.captured.tables.ddl"] = "true"
	props["schema.history.internal.kafka.topic"] = "dbhistory." + prefix
	props["schema.history.internal.kafka.bootstrap.servers"] = liveKafka
	topic := prefix + ".demo.gc_hist"

	task := startTask(t, props, nil)
	snap := pollUntil(t, task, "snapshot", func(r []connect.SourceRecord) bool { return countTopic(r, topic) == 1 })
	// Debezium's snapshot DDL sequence, then the row.
	wantDDL := []string{"SET character_set_server=", "DROP TABLE IF EXISTS `demo`.`gc_hist`", "DROP DATABASE IF EXISTS `demo`",
		"CREATE DATABASE `demo` CHARSET ", "USE `demo`", "CREATE TABLE `gc_hist`"}
	if len(snap) != len(wantDDL)+1 {
		t.Fatalf("snapshot: want %d schema changes on %s then one row, got %v", len(wantDDL), prefix, snap)
	}
	for i, want := range wantDDL {
		sc := snap[i]
		if sc.Topic != prefix || sc.KeySchema.Name != "io.debezium.connector.mysql.SchemaChangeKey" || sc.ValueSchema.Name != "io.debezium.connector.mysql.SchemaChangeValue" {
			t.Fatalf("schema change %d: topic %s schemas %s / %s", i, sc.Topic, sc.KeySchema.Name, sc.ValueSchema.Name)
		}
		v := sc.Value.(*data.Struct)
		if got := fieldNames(v); got != "source,ts_ms,databaseName,schemaName,ddl,tableChanges" {
			t.Fatalf("schema change value fields %s", got)
		}
		if ddl, _ := v.RawIndex(4).(string); !strings.HasPrefix(ddl, want) {
			t.Fatalf("snapshot schema change %d: ddl %q, want %q…", i, ddl, want)
		}
		wantDB := "demo"
		if i == 0 {
			wantDB = ""
		}
		if v.RawIndex(2) != wantDB || sc.Key.(*data.Struct).RawIndex(0) != wantDB {
			t.Fatalf("snapshot schema change %d: databaseName %v key %v, want %q", i, v.RawIndex(2), sc.Key, wantDB)
		}
	}
	if ch := snap[1].Value.(*data.Struct).RawIndex(5).([]any); len(ch) != 1 || ch[0].(*data.Struct).RawIndex(0) != "DROP" {
		t.Fatalf("DROP TABLE's table change %v", ch)
	}
	if ch := snap[2].Value.(*data.Struct).RawIndex(5).([]any); len(ch) != 0 {
		t.Fatalf("DROP DATABASE has table changes %v", ch)
	}
	scv := snap[5].Value.(*data.Struct)
	ch := scv.RawIndex(5).([]any)[0].(*data.Struct)
	if ch.RawIndex(0) != "CREATE" || ch.RawIndex(1) != `"demo"."gc_hist"` {
		t.Fatalf("snapshot schema change: %v", scv)
	}
	snap = snap[5:]
	snapOffset := snap[1].SourceOffset

	exec(t, db, "INSERT INTO gc_hist VALUES (2, 'x')", "ALTER TABLE gc_hist ADD COLUMN b INT NOT NULL DEFAULT 7", "INSERT INTO gc_hist VALUES (3, 'y', 8)")
	recs := pollUntil(t, task, "insert, ALTER, insert", func(r []connect.SourceRecord) bool { return countTopic(r, topic) == 2 })
	check := func(recs []connect.SourceRecord, id int32, fields string) {
		t.Helper()
		for _, r := range dataRecs(recs, topic) {
			after := r.Value.(*data.Struct).RawIndex(1).(*data.Struct)
			if after.RawIndex(0) == id {
				if got := fieldNames(after); got != fields {
					t.Fatalf("row %d: fields %s, want %s", id, got, fields)
				}
				return
			}
		}
		t.Fatalf("row %d missing", id)
	}
	check(recs, 2, "id,a")
	check(recs, 3, "id,a,b")
	if countTopic(recs, prefix) != 1 || recs[1].Topic != prefix {
		t.Fatalf("want insert, ALTER schema change, insert; got %v", recs)
	}
	alter := recs[1].Value.(*data.Struct)
	if ddl := alter.RawIndex(4); ddl != "ALTER TABLE gc_hist ADD COLUMN b INT NOT NULL DEFAULT 7" {
		t.Fatalf("ALTER event ddl %v", ddl)
	}
	if ch := alter.RawIndex(5).([]any)[0].(*data.Struct); ch.RawIndex(0) != "ALTER" {
		t.Fatalf("ALTER event change %v", ch)
	}
	_ = task.Stop()

	// The history topic: Debezium's record layout, one per DDL; with
	// store.only.captured.tables.ddl the snapshot's database statements
	// (DROP/CREATE DATABASE, USE) are schema change events only, as on the
	// Java reference (e2e TestReferenceDDL/captured).
	hist := readHistory(t, "dbhistory."+prefix, 4)
	if len(hist) != 4 {
		t.Fatalf("history has %d records, want 4 (SET, DROP TABLE, CREATE TABLE, the ALTER)", len(hist))
	}
	h := hist[3]
	pos, _ := h["position"].(map[string]any)
	src, _ := h["source"].(map[string]any)
	if src["server"] != prefix || pos["file"] == nil || pos["pos"] == nil || h["databaseName"] != "demo" || h["ddl"] != "ALTER TABLE gc_hist ADD COLUMN b INT NOT NULL DEFAULT 7" {
		t.Fatalf("history record %v", h)
	}
	tc := h["tableChanges"].([]any)[0].(map[string]any)
	tbl := tc["table"].(map[string]any)
	cols := tbl["columns"].([]any)
	if tc["type"] != "ALTER" || tc["id"] != `"demo"."gc_hist"` || len(cols) != 3 || fmt.Sprint(tbl["primaryKeyColumnNames"]) != "[id]" {
		t.Fatalf("history tableChanges %v", tc)
	}
	if b := cols[2].(map[string]any); b["name"] != "b" || b["typeName"] != "INT" || b["jdbcType"] != float64(4) || b["optional"] != false || b["defaultValueExpression"] != "7" || b["position"] != float64(3) {
		t.Fatalf("history column b %v", b)
	}
	if p := hist[0]["position"].(map[string]any); p["snapshot"] != true {
		t.Fatalf("snapshot history position %v", p)
	}

	// Change the table again while stopped, then replay from before the
	// first ALTER: today's structure (id, b) fits neither replayed insert.
	exec(t, db, "ALTER TABLE gc_hist DROP COLUMN a", "INSERT INTO gc_hist VALUES (4, 9)")
	task2 := startTask(t, props, snapOffset)
	again := pollUntil(t, task2, "replay", func(r []connect.SourceRecord) bool { return countTopic(r, topic) == 3 })
	check(again, 2, "id,a")
	check(again, 3, "id,a,b")
	check(again, 4, "id,b")
	if n := len(readHistory(t, "dbhistory."+prefix, 5)); n != 5 {
		t.Fatalf("after replay the history has %d records, want 5 (3 snapshot DDL and 2 ALTERs: the replayed ALTER must not be stored twice)", n)
	}
}

// TestLiveGTIDAndTransactionMetadata: MariaDB GTIDs in source and offsets,
// BEGIN/END on <prefix>.transaction with the transaction blocks, and a
// restart inside the transaction that resumes by GTID.
func TestLiveGTIDAndTransactionMetadata(t *testing.T) {
	db := liveDB(t)
	exec(t, db, "DROP TABLE IF EXISTS gc_tx", "CREATE TABLE gc_tx (id INT PRIMARY KEY)")
	t.Cleanup(func() { _, _ = db.Execute("DROP TABLE IF EXISTS gc_tx") })
	prefix := fmt.Sprintf("gtid%d", time.Now().UnixNano())
	props := liveProps(prefix)
	props["table.include.list"] = "demo.gc_tx"
	props["snapshot.mode"] = "no_data"
	props["include.schema.changes"] = "true" // its events say the snapshot is done
	props["schema.history.internal.store.only.captured.tables.ddl"] = "true"
	props["provide.transaction.metadata"] = "true"
	topic, txTopic := prefix+".demo.gc_tx", prefix+".transaction"
	task := startTask(t, props, nil)
	// SET, DROP TABLE, DROP/CREATE DATABASE, USE, CREATE TABLE
	pollUntil(t, task, "snapshot schema changes", func(r []connect.SourceRecord) bool { return countTopic(r, prefix) == 6 })

	exec(t, db, "BEGIN", "INSERT INTO gc_tx VALUES (1)", "INSERT INTO gc_tx VALUES (2)", "COMMIT")
	recs := pollUntil(t, task, "BEGIN, 2 rows, END", func(r []connect.SourceRecord) bool { return countTopic(r, txTopic) == 2 })
	if len(recs) != 4 || recs[0].Topic != txTopic || recs[1].Topic != topic || recs[2].Topic != topic || recs[3].Topic != txTopic {
		t.Fatalf("want BEGIN, c, c, END; got %v", recs)
	}
	begin, end := recs[0].Value.(*data.Struct), recs[3].Value.(*data.Struct)
	id, _ := begin.RawIndex(1).(string)
	if !regexp.MustCompile(`^\d+-223344-\d+$`).MatchString(id) {
		t.Fatalf("transaction id %q is not a MariaDB GTID of server 223344", id)
	}
	if begin.RawIndex(0) != "BEGIN" || begin.RawIndex(2) != nil || recs[0].Key.(*data.Struct).RawIndex(0) != id {
		t.Fatalf("BEGIN %v key %v", begin, recs[0].Key)
	}
	for i, r := range recs[1:3] {
		env := r.Value.(*data.Struct)
		src := env.RawIndex(2).(*data.Struct)
		if src.RawIndex(11) != nil {
			t.Fatalf("row %d: source.gtid %v, want null as Debezium's MySQL connector on MariaDB", i, src.RawIndex(11))
		}
		tx := env.RawIndex(3).(*data.Struct)
		if tx.RawIndex(0) != id || tx.RawIndex(1) != int64(i+1) || tx.RawIndex(2) != int64(i+1) {
			t.Fatalf("row %d: transaction block %v", i, tx)
		}
		if g, ok := r.SourceOffset["gtids"]; ok {
			t.Fatalf("row %d offset gtids %q: want none on MariaDB", i, g)
		}
		if r.SourceOffset["transaction_id"] != id || r.SourceOffset["transaction_data_collection_order_demo.gc_tx"] != int64(i+1) {
			t.Fatalf("row %d offset %v", i, r.SourceOffset)
		}
	}
	colls := end.RawIndex(3).([]any)
	if end.RawIndex(0) != "END" || end.RawIndex(2) != int64(2) || len(colls) != 1 ||
		colls[0].(*data.Struct).RawIndex(0) != "demo.gc_tx" || colls[0].(*data.Struct).RawIndex(1) != int64(2) {
		t.Fatalf("END %v", end)
	}
	if g, ok := recs[3].SourceOffset["gtids"]; ok {
		t.Fatalf("END offset gtids %q: want none on MariaDB", g)
	}
	_ = task.Stop()

	// Restart after the first row: the stored position is the end of its
	// event, inside the transaction.
	task2 := startTask(t, props, recs[1].SourceOffset)
	again := pollUntil(t, task2, "second row and END", func(r []connect.SourceRecord) bool { return countTopic(r, txTopic) == 1 })
	if len(again) != 2 || again[0].Topic != topic || again[1].Topic != txTopic {
		t.Fatalf("after restart: want row 2 then END, got %v", again)
	}
	env := again[0].Value.(*data.Struct)
	if afterID(again[0]) != int32(2) || env.RawIndex(3).(*data.Struct).RawIndex(1) != int64(2) {
		t.Fatalf("after restart: %v", env)
	}
	if e := again[1].Value.(*data.Struct); e.RawIndex(1) != id || e.RawIndex(2) != int64(2) {
		t.Fatalf("END after restart %v", e)
	}
}

// TestLivePurgedBinlog: a stored position the server no longer has fails
// the task with a message asking for a new snapshot. (PURGE BINARY LOGS
// would break other users of the shared server, so the offset names a
// binlog file that does not exist, which the server reports the same way.)
func TestLivePurgedBinlog(t *testing.T) {
	props := liveProps(fmt.Sprintf("purged%d", time.Now().UnixNano()))
	for name, off := range map[string]map[string]any{
		"file": {"file": "mysql-bin.999999", "pos": int64(4)},
		"gtid": {"file": "mysql-bin.999999", "pos": int64(4), "gtids": "0-223344-999999999"},
	} {
		task := startTask(t, props, off)
		deadline := time.Now().Add(30 * time.Second)
		var err error
		for err == nil && time.Now().Before(deadline) {
			_, err = task.Poll(context.Background())
		}
		if err == nil || !strings.Contains(err.Error(), "no longer available") || !strings.Contains(err.Error(), "Re-snapshot") {
			t.Fatalf("%s: want a re-snapshot failure, got %v", name, err)
		}
		t.Logf("%s: %v", name, err)
	}
}

// TestLiveOtherTablesDDL: DDL of tables of the captured database that are
// not captured is recorded as Debezium records it (without
// store.only.captured.tables.ddl): a TRUNCATE as a statement without table
// changes, a DROP TABLE of two tables as one DROP TABLE per table.
func TestLiveOtherTablesDDL(t *testing.T) {
	db := liveDB(t)
	n := time.Now().UnixNano() % 1_000_000_000
	cap, a, b := fmt.Sprintf("gc_dc%d", n), fmt.Sprintf("gc_doa%d", n), fmt.Sprintf("gc_dob%d", n)
	exec(t, db, "CREATE TABLE "+cap+" (id INT PRIMARY KEY)", "INSERT INTO "+cap+" VALUES (1)",
		"CREATE TABLE "+a+" (id INT PRIMARY KEY)", "CREATE TABLE "+b+" (id INT PRIMARY KEY)")
	t.Cleanup(func() { _, _ = db.Execute("DROP TABLE IF EXISTS " + cap + ", " + a + ", " + b) })
	prefix := fmt.Sprintf("other%d", n)
	props := liveProps(prefix)
	props["table.include.list"] = "demo." + cap
	props["include.schema.changes"] = "true"
	props["schema.history.internal.kafka.topic"] = "dbhistory." + prefix
	props["schema.history.internal.kafka.bootstrap.servers"] = liveKafka
	task := startTask(t, props, nil)
	snap := pollUntil(t, task, "snapshot", func(r []connect.SourceRecord) bool { return countTopic(r, prefix+".demo."+cap) == 1 })
	// The snapshot has the other tables' DROP and CREATE TABLE too.
	var others []string
	for _, r := range snap {
		if r.Topic == prefix {
			if ddl := get(r.Value.(*data.Struct), "ddl").(string); strings.Contains(ddl, a) || strings.Contains(ddl, b) {
				others = append(others, ddl[:strings.IndexAny(ddl+"(", "(")])
			}
		}
	}
	if len(others) != 4 {
		t.Fatalf("snapshot DDL of the tables that are not captured: %q, want their DROP TABLE IF EXISTS and CREATE TABLE", others)
	}

	exec(t, db, "TRUNCATE TABLE "+a, "DROP TABLE "+a+", "+b)
	type change struct{ ddl, table, changes string }
	var got []change
	pollUntil(t, task, "the other tables' DDL", func(recs []connect.SourceRecord) bool {
		got = got[:0]
		for _, r := range recs {
			if r.Topic != prefix {
				continue
			}
			v := r.Value.(*data.Struct)
			if d := get(v, "ddl").(string); !strings.Contains(d, a) && !strings.Contains(d, b) {
				continue // other sessions' DDL on demo
			}
			var chs []string
			for _, c := range get(v, "tableChanges").([]any) {
				chs = append(chs, get(c.(*data.Struct), "type").(string)+" "+get(c.(*data.Struct), "id").(string))
			}
			tb, _ := get(get(v, "source").(*data.Struct), "table").(string)
			got = append(got, change{get(v, "ddl").(string), tb, strings.Join(chs, ",")})
		}
		return len(got) >= 3
	})
	// Each DROP record's source.table names both tables, in the order of
	// Debezium's HashSet of their ids (seen on the Java reference).
	both := strings.ReplaceAll(strings.Join(hashorder.Order([]string{"demo." + a, "demo." + b}), ","), "demo.", "")
	want := []change{
		{"TRUNCATE TABLE " + a, a, ""},
		{"DROP TABLE `demo`.`" + a + "`", both, `DROP "demo"."` + a + `"`},
		{"DROP TABLE `demo`.`" + b + "`", both, `DROP "demo"."` + b + `"`},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("schema changes\n got %q\nwant %q", got, want)
	}
	_ = task.Stop()
	// The history has them too, once.
	var seen int
	readHistoryUntil(t, "dbhistory."+prefix, func(hist []map[string]any) bool {
		seen = 0
		for _, h := range hist {
			if d := h["ddl"].(string); d == want[0].ddl || d == want[1].ddl || d == want[2].ddl {
				seen++
			}
		}
		return seen >= 3
	})
	if seen != 3 {
		t.Fatalf("history records of the 3 statements: %d", seen)
	}
}
