//go:build e2e

package mysql

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/jsonconverter"
)

// changeColumns lists the column names of a schema change record's table
// change for table, and its primary key.
func changeColumns(t *testing.T, r connect.SourceRecord, table string) (cols, pk []string) {
	t.Helper()
	for _, ch := range get(r.Value.(*data.Struct), "tableChanges").([]any) {
		cs := ch.(*data.Struct)
		if !strings.HasSuffix(get(cs, "id").(string), `."`+table+`"`) {
			continue
		}
		tb, ok := get(cs, "table").(*data.Struct)
		if !ok {
			continue // the snapshot's DROP TABLE IF EXISTS
		}
		for _, c := range get(tb, "columns").([]any) {
			cols = append(cols, get(c.(*data.Struct), "name").(string))
		}
		for _, k := range get(tb, "primaryKeyColumnNames").([]any) {
			pk = append(pk, k.(string))
		}
	}
	return cols, pk
}

// TestLiveColumnFiltersKeysAndBinary runs column.exclude.list,
// message.key.columns and binary.handling.mode through a snapshot, the
// binlog (insert, key change, plain update, delete of a keyless table, an
// ALTER) and the schema history, which must keep every column.
func TestLiveColumnFiltersKeysAndBinary(t *testing.T) {
	db := liveDB(t)
	n := time.Now().UnixNano() % 1_000_000_000
	cf, nk := fmt.Sprintf("gc_cf%d", n), fmt.Sprintf("gc_nk%d", n)
	exec(t, db, "CREATE TABLE "+cf+" (id INT PRIMARY KEY, code VARCHAR(10) NOT NULL, secret VARCHAR(10), b4 BINARY(4), vb VARBINARY(8), bl BLOB)",
		"CREATE TABLE "+nk+" (a INT NOT NULL, b VARCHAR(10))",
		"INSERT INTO "+cf+" VALUES (1, 'C1', 's1', x'0102', x'ff00', x'00ab')",
		"INSERT INTO "+nk+" VALUES (10, 'x')")
	t.Cleanup(func() { _, _ = db.Execute("DROP TABLE IF EXISTS " + cf + ", " + nk) })
	prefix := fmt.Sprintf("colf%d", n)
	props := liveProps(prefix)
	props["table.include.list"] = "demo." + cf + ",demo." + nk
	props["column.exclude.list"] = "demo." + cf + ".secret"
	props["message.key.columns"] = "demo." + cf + ":code;demo\\.gc_nk[0-9]+:a"
	props["binary.handling.mode"] = "base64"
	props["include.schema.changes"] = "true"
	props["schema.history.internal.store.only.captured.tables.ddl"] = "true"
	props["schema.history.internal.kafka.topic"] = prefix + "-history"
	props["schema.history.internal.kafka.bootstrap.servers"] = liveKafka
	task := startTask(t, props, nil)
	cfTopic, nkTopic := prefix+".demo."+cf, prefix+".demo."+nk

	snap := pollUntil(t, task, "snapshot", func(r []connect.SourceRecord) bool {
		return countTopic(r, cfTopic) == 1 && countTopic(r, nkTopic) == 1
	})
	var sawCreate bool
	for _, r := range snap {
		if r.Topic != prefix {
			continue
		}
		if cols, pk := changeColumns(t, r, cf); cols != nil {
			sawCreate = true
			if strings.Join(cols, ",") != "id,code,secret,b4,vb,bl" || strings.Join(pk, ",") != "id" {
				t.Errorf("schema change of %s: columns %v, pk %v (column filters must not touch it)", cf, cols, pk)
			}
		}
	}
	if !sawCreate {
		t.Error("no schema change record for " + cf)
	}
	r := dataRecs(snap, cfTopic)[0]
	after := r.Value.(*data.Struct).RawIndex(1).(*data.Struct)
	if got := fieldNames(after); got != "id,code,b4,vb,bl" {
		t.Fatalf("snapshot value fields %s", got)
	}
	if get(after, "b4") != "AQIAAA==" || get(after, "vb") != "/wA=" || get(after, "bl") != "AKs=" {
		t.Errorf("snapshot binary values %v", after)
	}
	if f, _ := after.Schema().Field("bl"); f.Schema.Type != data.TypeString {
		t.Errorf("blob schema %v", f.Schema.Type)
	}
	if k := r.Key.(*data.Struct); fieldNames(k) != "code" || get(k, "code") != "C1" || r.KeySchema.Name != prefix+".demo."+cf+".Key" {
		t.Errorf("snapshot key %v", r.Key)
	}
	nr := dataRecs(snap, nkTopic)[0]
	if k, ok := nr.Key.(*data.Struct); !ok || fieldNames(k) != "a" || get(k, "a") != int32(10) {
		t.Errorf("keyless table with message.key.columns: key %v", nr.Key)
	}

	exec(t, db,
		"INSERT INTO "+cf+" VALUES (2, 'C2', 's2', x'01', NULL, x'')",
		"UPDATE "+cf+" SET code = 'C2b' WHERE id = 2",
		"UPDATE "+cf+" SET secret = 's1b', vb = x'01' WHERE id = 1",
		"DELETE FROM "+nk+" WHERE a = 10",
		"ALTER TABLE "+cf+" ADD COLUMN extra INT",
		"INSERT INTO "+cf+" VALUES (3, 'C3', 's3', NULL, NULL, NULL, 33)")
	// c, (d + tombstone + c), u, c on cf; d + tombstone on nk.
	str := pollUntil(t, task, "streamed changes", func(r []connect.SourceRecord) bool {
		var cfn, nkn int
		for _, x := range r {
			switch x.Topic {
			case cfTopic:
				cfn++
			case nkTopic:
				nkn++
			}
		}
		return cfn >= 6 && nkn >= 2
	})
	var ops []string
	var cfRecs []connect.SourceRecord
	for _, x := range str {
		if x.Topic != cfTopic {
			continue
		}
		cfRecs = append(cfRecs, x)
		if x.Value == nil {
			ops = append(ops, "tombstone:"+fmt.Sprint(get(x.Key.(*data.Struct), "code")))
			continue
		}
		env := x.Value.(*data.Struct)
		ops = append(ops, env.RawIndex(4).(string)+":"+fmt.Sprint(get(x.Key.(*data.Struct), "code")))
		for _, img := range []int{0, 1} {
			if s, ok := env.RawIndex(img).(*data.Struct); ok && slices.Contains(strings.Split(fieldNames(s), ","), "secret") {
				t.Errorf("secret in a streamed image: %v", s)
			}
		}
	}
	if got := strings.Join(ops, " "); got != "c:C2 d:C2 tombstone:C2 c:C2b u:C1 c:C3" {
		t.Fatalf("cf records %s", got)
	}
	ins := cfRecs[0].Value.(*data.Struct).RawIndex(1).(*data.Struct)
	// BINARY(4) is padded back to its width; an empty BLOB stays empty.
	if get(ins, "b4") != "AQAAAA==" || get(ins, "vb") != nil || get(ins, "bl") != "" {
		t.Errorf("streamed binary values %v", ins)
	}
	upd := cfRecs[4].Value.(*data.Struct)
	if b := upd.RawIndex(0).(*data.Struct); get(b, "vb") != "/wA=" {
		t.Errorf("update before %v", b)
	}
	if a := upd.RawIndex(1).(*data.Struct); get(a, "vb") != "AQ==" {
		t.Errorf("update after %v", a)
	}
	last := cfRecs[5].Value.(*data.Struct).RawIndex(1).(*data.Struct)
	if fieldNames(last) != "id,code,b4,vb,bl,extra" || get(last, "extra") != int32(33) {
		t.Errorf("after ALTER: %v", last)
	}
	var nkOps []string
	for _, x := range str {
		if x.Topic == nkTopic {
			k := x.Key.(*data.Struct)
			op := "tombstone"
			if x.Value != nil {
				op = x.Value.(*data.Struct).RawIndex(4).(string)
			}
			nkOps = append(nkOps, fmt.Sprintf("%s:%v", op, get(k, "a")))
		}
	}
	if strings.Join(nkOps, " ") != "d:10 tombstone:10" {
		t.Errorf("keyless table records %v", nkOps)
	}
	// The history has the full structure, before and after the ALTER.
	// SET, 2 DROP TABLE, 2 CREATE TABLE, ALTER (store.only.captured.tables.ddl
	// keeps the database statements out of the history)
	hist := readHistory(t, props["schema.history.internal.kafka.topic"], 6)
	var alters int
	for _, h := range hist {
		for _, ch := range h["tableChanges"].([]any) {
			tc := ch.(map[string]any)
			if !strings.HasSuffix(tc["id"].(string), `."`+cf+`"`) {
				continue
			}
			tbl, ok := tc["table"].(map[string]any)
			if !ok {
				continue // the snapshot's DROP TABLE IF EXISTS
			}
			var names []string
			for _, c := range tbl["columns"].([]any) {
				names = append(names, c.(map[string]any)["name"].(string))
			}
			if !slices.Contains(names, "secret") {
				t.Errorf("history record without the excluded column: %v", names)
			}
			if slices.Contains(names, "extra") {
				alters++
			}
		}
	}
	if alters != 1 {
		t.Errorf("history records of the ALTER: %d, want 1 (%d records)", alters, len(hist))
	}
}

// TestLiveTruncate: with skipped.operations=none a TRUNCATE TABLE becomes
// Debezium's truncate event (op "t", no images, no tombstone) with neither
// key nor key schema (EventDispatcher's StreamingChangeRecordReceiver), so a
// key converter writes it as a null key instead of failing.
func TestLiveTruncate(t *testing.T) {
	db := liveDB(t)
	tbl := fmt.Sprintf("gc_tr%d", time.Now().UnixNano()%1_000_000_000)
	exec(t, db, "CREATE TABLE "+tbl+" (id INT PRIMARY KEY)", "INSERT INTO "+tbl+" VALUES (1)")
	t.Cleanup(func() { _, _ = db.Execute("DROP TABLE IF EXISTS " + tbl) })
	prefix := "tr" + tbl
	props := liveProps(prefix)
	props["table.include.list"] = "demo." + tbl
	props["skipped.operations"] = "none"
	task := startTask(t, props, nil)
	topic := prefix + ".demo." + tbl
	pollUntil(t, task, "snapshot", func(r []connect.SourceRecord) bool { return countTopic(r, topic) == 1 })
	exec(t, db, "TRUNCATE TABLE "+tbl, "INSERT INTO "+tbl+" VALUES (2)")
	recs := pollUntil(t, task, "truncate and insert", func(r []connect.SourceRecord) bool { return len(r) >= 2 })
	tr := recs[0]
	env, ok := tr.Value.(*data.Struct)
	if !ok || tr.Topic != topic || tr.Key != nil || env.RawIndex(4) != "t" || env.RawIndex(0) != nil || env.RawIndex(1) != nil {
		t.Fatalf("truncate record %+v", tr)
	}
	if tr.KeySchema != nil {
		t.Errorf("truncate key schema %v, want none", tr.KeySchema)
	}
	keyConv := jsonconverter.New()
	if err := keyConv.Configure(map[string]string{"schemas.enable": "true"}, true); err != nil {
		t.Fatal(err)
	}
	if b, err := keyConv.FromConnectData(topic, nil, tr.KeySchema, tr.Key); err != nil || b != nil {
		t.Errorf("truncate key as JSON: %q, %v; want a null key", b, err)
	}
	src := env.RawIndex(2).(*data.Struct)
	if get(src, "table") != tbl || get(src, "db") != "demo" || get(src, "snapshot") != nil && get(src, "snapshot") != "false" {
		t.Errorf("truncate source %v", src)
	}
	if err := env.Validate(); err != nil {
		t.Error(err)
	}
	if recs[1].Value.(*data.Struct).RawIndex(4) != "c" || afterID(recs[1]) != int32(2) {
		t.Errorf("insert after truncate %v", recs[1])
	}
}

// TestLiveEnumCase: ENUM and SET values keep their case (information_schema's
// COLUMN_TYPE is read as the server wrote it), in snapshot and streamed
// values alike and in the schema's allowed list.
func TestLiveEnumCase(t *testing.T) {
	db := liveDB(t)
	n := time.Now().UnixNano() % 1_000_000_000
	tb := fmt.Sprintf("gc_enum%d", n)
	exec(t, db, "CREATE TABLE "+tb+" (id INT PRIMARY KEY, e ENUM('Gold','silver'), s SET('X','y'))",
		"INSERT INTO "+tb+" VALUES (1, 'Gold', 'X')")
	t.Cleanup(func() { _, _ = db.Execute("DROP TABLE IF EXISTS " + tb) })
	prefix := fmt.Sprintf("enum%d", n)
	props := liveProps(prefix)
	props["table.include.list"] = "demo." + tb
	topic := prefix + ".demo." + tb
	task := startTask(t, props, nil)
	pollUntil(t, task, "snapshot", func(r []connect.SourceRecord) bool { return countTopic(r, topic) == 1 })
	exec(t, db, "INSERT INTO "+tb+" VALUES (2, 'Gold', 'X,y')")
	recs := pollUntil(t, task, "insert", func(r []connect.SourceRecord) bool { return countTopic(r, topic) == 1 })
	after := get(dataRecs(recs, topic)[0].Value.(*data.Struct), "after").(*data.Struct)
	if get(after, "e") != "Gold" || get(after, "s") != "X,y" {
		t.Fatalf("streamed ENUM/SET values %v %v, want Gold and X,y", get(after, "e"), get(after, "s"))
	}
	f, _ := after.Schema().Field("e")
	if f.Schema.Parameters["allowed"] != "Gold,silver" {
		t.Fatalf("ENUM allowed %q", f.Schema.Parameters["allowed"])
	}
}
