package mysql

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/data"
)

// testTable builds db.t with the given settings: id INT (PK), code
// VARCHAR NOT NULL, secret VARCHAR NULL, bin BINARY(4) NULL, blob BLOB NULL.
func testTable(t *testing.T, props map[string]string, db, name string, pk []int) (*Task, *table) {
	t.Helper()
	st, err := parse(props)
	if err != nil {
		t.Fatal(err)
	}
	task := &Task{st: st, partition: map[string]any{"server": st.prefix}, src: sourceSchema(), tx: transactionSchema()}
	cols := []*column{
		{name: "id", dataType: "int", colType: "int(11)"},
		{name: "code", dataType: "varchar", colType: "varchar(10)"},
		{name: "secret", dataType: "varchar", colType: "varchar(10)", nullable: true},
		{name: "bin", dataType: "binary", colType: "binary(4)", nullable: true, charLen: 4},
		{name: "blob", dataType: "blob", colType: "blob", nullable: true, charLen: 65535},
	}
	for _, c := range cols {
		if err := mapColumn(c, st, false); err != nil {
			t.Fatal(err)
		}
	}
	tb := &table{db: db, name: name, cols: cols, keyIdx: pk}
	if err := tb.buildSchemas(st, task.src, task.tx); err != nil {
		t.Fatal(err)
	}
	return task, tb
}

func get(st *data.Struct, name string) any {
	v, _ := st.Get(name)
	return v
}

func schemaFields(s *data.Schema) string {
	if s == nil {
		return "<nil>"
	}
	var out []string
	for _, f := range s.Fields {
		out = append(out, f.Name)
	}
	return strings.Join(out, ",")
}

var testRow = []any{int32(7), "C7", "pw", []byte{1, 2}, []byte{0xfb, 0xff, 0x00}}

func TestColumnFilters(t *testing.T) {
	for _, c := range []struct {
		name       string
		props      map[string]string
		value, key string
	}{
		{"none", baseProps(), "id,code,secret,bin,blob", "id"},
		{"exclude", with("column.exclude.list", "inv.t.secret, inv\\.t\\.BL.*"), "id,code,bin", "id"},
		// Matched whole: "secret" alone or a prefix of the name does nothing.
		{"exclude anchored", with("column.exclude.list", "secret,inv.t.sec"), "id,code,secret,bin,blob", "id"},
		{"exclude other table", with("column.exclude.list", "inv.other.secret"), "id,code,secret,bin,blob", "id"},
		{"1.x blacklist", with("column.blacklist", "INV.T.SECRET"), "id,code,bin,blob", "id"},
		// Key columns stay in the key even when filtered out of the value,
		// as Debezium's TableSchemaBuilder builds the key unfiltered.
		{"include", with("column.include.list", "inv.t.code,inv.t.secret"), "code,secret", "id"},
		{"1.x whitelist", with("column.whitelist", "inv.t.(code|bin)"), "code,bin", "id"},
		{"exclude key column", with("column.exclude.list", "inv.t.id"), "code,secret,bin,blob", "id"},
	} {
		t.Run(c.name, func(t *testing.T) {
			task, tb := testTable(t, c.props, "inv", "t", []int{0})
			if got := schemaFields(tb.valueSchema); got != c.value {
				t.Errorf("value fields %s, want %s", got, c.value)
			}
			if got := schemaFields(tb.keySchema); got != c.key {
				t.Errorf("key fields %s, want %s", got, c.key)
			}
			after, key, err := tb.rowImage(testRow, true)
			if err != nil {
				t.Fatal(err)
			}
			if err := after.Validate(); err != nil {
				t.Fatalf("value does not fit its schema: %v", err)
			}
			if key.RawIndex(0) != int32(7) {
				t.Errorf("key %v", key)
			}
			for i, f := range tb.valueSchema.Fields {
				want, _ := tb.cols[tb.valCols[i]].convert(testRow[tb.valCols[i]])
				if !data.ValuesEqual(after.RawIndex(i), want) {
					t.Errorf("field %s = %v, want %v", f.Name, after.RawIndex(i), want)
				}
			}
			// The schema history keeps every column.
			if h := histTableOf(tb); len(h.Columns) != 5 || len(h.PrimaryKeyColumnNames) != 1 {
				t.Errorf("history document changed by column filters: %+v", h)
			}
			// Envelope before/after carry the filtered value schema.
			src := task.sourceStruct(tb.db, tb.name, 0, 1, "f", 4, 0, nil)
			recs := task.changeRecords(nil, tb, "d", after, nil, key, nil, src, nil, time.Unix(1, 0))
			bf, _ := recs[0].ValueSchema.Field("before")
			if len(recs) != 2 || schemaFields(bf.Schema) != c.value || !recs[1].Key.(*data.Struct).Equal(key) {
				t.Errorf("delete records %v", recs)
			}
		})
	}
}

func TestMessageKeyColumns(t *testing.T) {
	for _, c := range []struct {
		name, spec, db, table string
		pk                    []int
		key                   string
	}{
		{"override pk", "inv.t:code", "inv", "t", []int{0}, "code"},
		{"config order", "inv.t:secret,code", "inv", "t", []int{0}, "secret,code"},
		{"no primary key", "inv.t:code,id", "inv", "t", nil, "code,id"},
		{"no pk, no entry", "inv.other:code", "inv", "t", nil, "<nil>"},
		{"other table keeps pk", "inv.other:code", "inv", "t", []int{0}, "id"},
		{"table regex", "(.*).t[0-9]+:CODE", "app", "t12", []int{0}, "code"},
		{"several entries", "inv.x:id; inv.t:secret ;", "inv", "t", []int{0}, "secret"},
		// No column of the entry exists: Debezium falls back to the PK.
		{"unknown column", "inv.t:nope", "inv", "t", []int{0}, "id"},
		// The table part and the column are joined with a regex '.'.
		{"column regex", "inv.t:(se|co).*", "inv", "t", []int{0}, "code,secret"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, tb := testTable(t, with("message.key.columns", c.spec), c.db, c.table, c.pk)
			if got := schemaFields(tb.keySchema); got != c.key {
				t.Fatalf("key fields %s, want %s", got, c.key)
			}
			if tb.keySchema != nil && tb.keySchema.Name != "dbserver1."+c.db+"."+c.table+".Key" {
				t.Errorf("key schema name %s", tb.keySchema.Name)
			}
			_, key, err := tb.rowImage(testRow, true)
			if err != nil {
				t.Fatal(err)
			}
			if c.key == "<nil>" {
				if key != nil {
					t.Fatalf("key %v for a keyless table", key)
				}
				return
			}
			if err := key.Validate(); err != nil {
				t.Fatal(err)
			}
			// The history keeps the real primary key.
			if h := histTableOf(tb); len(h.PrimaryKeyColumnNames) != len(c.pk) {
				t.Errorf("history primary key %v", h.PrimaryKeyColumnNames)
			}
		})
	}
	// A key column filtered out of the value still fills the key.
	task, tb := testTable(t, with("message.key.columns", "inv.t:secret", "column.exclude.list", "inv.t.secret"), "inv", "t", []int{0})
	before, oldKey, _ := tb.rowImage(testRow, true)
	row2 := append([]any(nil), testRow...)
	row2[2] = "pw2"
	after, newKey, _ := tb.rowImage(row2, true)
	if oldKey.RawIndex(0) != "pw" || newKey.RawIndex(0) != "pw2" || schemaFields(tb.valueSchema) != "id,code,bin,blob" {
		t.Fatalf("keys %v %v value %s", oldKey, newKey, schemaFields(tb.valueSchema))
	}
	// Changing a message.key.columns column is a key change: d, tombstone, c.
	src := task.sourceStruct(tb.db, tb.name, 0, 1, "f", 4, 0, nil)
	recs := task.changeRecords(nil, tb, "u", before, after, oldKey, newKey, src, nil, time.Unix(1, 0))
	if len(recs) != 3 || !recs[0].Key.(*data.Struct).Equal(oldKey) || recs[1].Value != nil || !recs[2].Key.(*data.Struct).Equal(newKey) {
		t.Fatalf("key change records %v", recs)
	}
}

func TestBinaryHandlingMode(t *testing.T) {
	for _, c := range []struct {
		mode      string
		typ       data.Type
		bin, blob any
	}{
		// BINARY(4) gets its trailing zero bytes back, as Debezium pads it.
		{"bytes", data.TypeBytes, []byte{1, 2, 0, 0}, []byte{0xfb, 0xff, 0x00}},
		{"base64", data.TypeString, "AQIAAA==", "+/8A"},
		{"BASE64-URL-SAFE", data.TypeString, "AQIAAA==", "-_8A"},
		{"hex", data.TypeString, "01020000", "fbff00"},
	} {
		t.Run(c.mode, func(t *testing.T) {
			_, tb := testTable(t, with("binary.handling.mode", c.mode), "inv", "t", []int{0})
			for _, name := range []string{"bin", "blob"} {
				f, _ := tb.valueSchema.Field(name)
				if f.Schema.Type != c.typ || !f.Schema.Optional || f.Schema.Name != "" {
					t.Errorf("%s schema %+v", name, f.Schema)
				}
			}
			after, _, err := tb.rowImage(testRow, true)
			if err != nil {
				t.Fatal(err)
			}
			if err := after.Validate(); err != nil {
				t.Fatal(err)
			}
			got := []any{get(after, "bin"), get(after, "blob")}
			for i, want := range []any{c.bin, c.blob} {
				if wb, ok := want.([]byte); ok {
					if gb, _ := got[i].([]byte); !bytes.Equal(gb, wb) {
						t.Errorf("value %d = %v, want %v", i, got[i], want)
					}
				} else if got[i] != want {
					t.Errorf("value %d = %v, want %v", i, got[i], want)
				}
			}
			// Snapshot rows come as full-width bytes; NULL stays null.
			row := append([]any(nil), testRow...)
			row[3], row[4] = []byte{1, 2, 0, 0}, nil
			after, _, _ = tb.rowImage(row, true)
			if get(after, "blob") != nil {
				t.Errorf("null blob %v", get(after, "blob"))
			}
			if s, ok := c.bin.(string); ok && get(after, "bin") != s {
				t.Errorf("snapshot bin %v", get(after, "bin"))
			}
		})
	}
}

func TestMaxQueueSize(t *testing.T) {
	s, err := parse(baseProps())
	if err != nil || s.maxQueue != 8192 {
		t.Fatalf("default max.queue.size %v %v", s, err)
	}
	s, err = parse(with("max.batch.size", "10", "max.queue.size", "11"))
	if err != nil || s.maxQueue != 11 || s.maxBatch != 10 {
		t.Fatalf("max.queue.size %v %v", s, err)
	}
	if _, err := parse(with("max.batch.size", "10", "max.queue.size", "10")); err == nil || !strings.Contains(err.Error(), "Must be larger than the maximum batch size") {
		t.Fatalf("queue == batch: %v", err)
	}
}

func TestTruncateStatement(t *testing.T) {
	for q, want := range map[string]string{
		"TRUNCATE TABLE t":      "app.t",
		"truncate `inv`.`my t`": "inv.my t",
		"SET STATEMENT max_statement_time=5 FOR TRUNCATE TABLE inv.t;": "inv.t",
		"/* x */ TRUNCATE TABLE t":                                     "",
		"TRUNCATE TABLE t, u":                                          "<none>",
		"ALTER TABLE t TRUNCATE PARTITION p0":                          "<none>",
	} {
		m := truncateRe.FindStringSubmatch(strings.TrimSpace(commentRe.ReplaceAllString(q, " ")))
		got := "<none>"
		if m != nil {
			db, name := splitQName("app", m[1])
			got = db + "." + name
		}
		if want == "" {
			want = "app.t"
		}
		if got != want {
			t.Errorf("%q: %s, want %s", q, got, want)
		}
	}
}

// TestKeyChangeHeaders: a primary-key change is delete, tombstone, create as
// Debezium's RelationalChangeRecordEmitter emits it: the delete carries
// __debezium.newkey (the new key, with the key schema), the tombstone is
// made from the delete with its headers (EventDispatcher's newRecord), the
// create carries __debezium.oldkey. A plain delete and its tombstone have
// no headers.
func TestKeyChangeHeaders(t *testing.T) {
	task, tb := testTable(t, baseProps(), "inv", "t", []int{0})
	before, oldKey, _ := tb.rowImage(testRow, true)
	row2 := append([]any(nil), testRow...)
	row2[0] = int32(8)
	after, newKey, _ := tb.rowImage(row2, true)
	src := task.sourceStruct(tb.db, tb.name, 0, 1, "f", 4, 0, nil)
	recs := task.changeRecords(nil, tb, "u", before, after, oldKey, newKey, src, nil, time.Unix(1, 0))
	if len(recs) != 3 {
		t.Fatalf("key change records %v", recs)
	}
	only := func(what string, h connect.Headers, key string, want *data.Struct) {
		t.Helper()
		if len(h) != 1 || h[0].Key != key || h[0].Schema != tb.keySchema || !h[0].Value.(*data.Struct).Equal(want) {
			t.Errorf("%s headers %+v, want only %s=%v with the key schema", what, h, key, want)
		}
	}
	only("delete", recs[0].Headers, "__debezium.newkey", newKey)
	only("tombstone", recs[1].Headers, "__debezium.newkey", newKey)
	only("create", recs[2].Headers, "__debezium.oldkey", oldKey)
	del := task.changeRecords(nil, tb, "d", before, nil, oldKey, nil, src, nil, time.Unix(1, 0))
	if len(del) != 2 || len(del[0].Headers) != 0 || len(del[1].Headers) != 0 {
		t.Errorf("plain delete records %+v", del)
	}
}

// TestSnapshotZonedFraction: a snapshot's TIMESTAMP(3) drops trailing
// fraction zeros as Debezium's ISO_OFFSET_DATE_TIME does; a streamed one
// keeps the column's width (both seen on Debezium 2.7.3, issue 20).
func TestSnapshotZonedFraction(t *testing.T) {
	st, err := parse(baseProps())
	if err != nil {
		t.Fatal(err)
	}
	cols := []*column{
		{name: "ts", dataType: "timestamp", colType: "timestamp(3)", fsp: 3},
		{name: "v", dataType: "timestamp", colType: "timestamp(3)", fsp: 3, nullable: true},
	}
	for _, c := range cols {
		if err := mapColumn(c, st, false); err != nil {
			t.Fatal(err)
		}
	}
	tb := &table{db: "inv", name: "t", cols: cols, keyIdx: []int{0}}
	if err := tb.buildSchemas(st, sourceSchema(), transactionSchema()); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ in, snap, stream string }{
		{"1970-01-01 00:00:01.000", "1970-01-01T00:00:01Z", "1970-01-01T00:00:01.000Z"},
		{"2001-01-01 00:00:10.100", "2001-01-01T00:00:10.1Z", "2001-01-01T00:00:10.100Z"},
		{"2024-02-29 12:34:56.789", "2024-02-29T12:34:56.789Z", "2024-02-29T12:34:56.789Z"},
	} {
		row := []any{c.in, c.in}
		after, key, err := tb.snapshotImage(row)
		if err != nil {
			t.Fatal(err)
		}
		if got, k := get(after, "v"), get(key, "ts"); got != c.snap || k != c.snap {
			t.Errorf("snapshot %s: value %v, key %v, want %s", c.in, got, k, c.snap)
		}
		after, key, err = tb.rowImage(row, true)
		if err != nil {
			t.Fatal(err)
		}
		if got, k := get(after, "v"), get(key, "ts"); got != c.stream || k != c.stream {
			t.Errorf("streamed %s: value %v, key %v, want %s", c.in, got, k, c.stream)
		}
	}
}

// TestParseOffsetDebeziumCommitted: Debezium's offset on MariaDB (no event
// count, the rows done of the event ending at pos) keeps its row, which
// stream reads as rows of that event (TestLiveResumeMidEvent resumes from
// one); an offset inside a transaction skips events and rows after pos.
func TestParseOffsetDebeziumCommitted(t *testing.T) {
	p, err := parseOffset(map[string]any{"file": "mysql-bin.000003", "pos": int64(7945018), "row": int32(1), "server_id": int64(223344), "ts_sec": int64(1)})
	if err != nil {
		t.Fatal(err)
	}
	if p.pos != 7945018 || p.skipEvents != 0 || p.skipRow != 1 || p.gtids != "" {
		t.Errorf("Debezium's MariaDB offset: pos %d, event %d, row %d, gtids %q; want 7945018, 0, 1, none", p.pos, p.skipEvents, p.skipRow, p.gtids)
	}
	p, err = parseOffset(map[string]any{"file": "mysql-bin.000003", "pos": int64(4), "event": int64(2), "row": int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	if p.skipEvents != 2 || p.skipRow != 1 {
		t.Errorf("inside a transaction: event %d, row %d; want 2, 1", p.skipEvents, p.skipRow)
	}
}

// TestAdaptiveTimePrecisionRefused: time.precision.mode=adaptive is one
// error in Debezium 2.7's words, from Validate and at start (the Java
// reference's answer, e2e TestReferenceRefusedConfig).
func TestAdaptiveTimePrecisionRefused(t *testing.T) {
	props := with("time.precision.mode", "adaptive")
	if err := configDef().ValidateAll(props); len(err["time.precision.mode"]) != 0 {
		t.Errorf("ConfigDef errors %v, want none (the connector's Validate reports it)", err["time.precision.mode"])
	}
	got := (&Connector{}).Validate(props)["time.precision.mode"]
	want := "The 'time.precision.mode' value is invalid: The 'adaptive' time.precision.mode is no longer supported"
	if len(got) != 1 || got[0] != want {
		t.Errorf("Validate %q, want [%q]", got, want)
	}
}
