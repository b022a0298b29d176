package mysql

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/replication"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/data"
	jsonconv "github.com/goconnect/goconnect/converters/json"
)

func baseProps() map[string]string {
	return map[string]string{"database.hostname": "db", "database.user": "u", "database.server.id": "1", "topic.prefix": "dbserver1"}
}

func with(kv ...string) map[string]string {
	p := baseProps()
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == "" {
			delete(p, kv[i])
			continue
		}
		p[kv[i]] = kv[i+1]
	}
	return p
}

func TestParseConfig(t *testing.T) {
	s, err := parse(baseProps())
	if err != nil {
		t.Fatal(err)
	}
	if s.port != 3306 || s.snapshotMode != snapInitial || !s.tombstones || s.decimalMode != "precise" || s.timeConnect ||
		s.bigintPrecise || !s.schemaChanges || s.maxBatch != 2048 || s.pollInterval != 500*time.Millisecond || s.prefix != "dbserver1" {
		t.Fatalf("defaults: %+v", s)
	}
	// 1.x names.
	s, err = parse(with("topic.prefix", "", "database.server.name", "legacy", "table.whitelist", "inventory\\.cust.*"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parse(with("topic.prefix", "", "database.server.name", "legacy", "database.server.id", "")); err != nil {
		t.Errorf("1.x config without server id: %v", err)
	}
	if s.prefix != "legacy" || !s.filter.includeTable("inventory", "customers") || s.filter.includeTable("inventory", "orders") {
		t.Fatalf("1.x names not honoured: %+v", s)
	}
	s, err = parse(with("snapshot.mode", "SCHEMA_ONLY", "time.precision.mode", "connect", "decimal.handling.mode", "String"))
	if err != nil {
		t.Fatal(err)
	}
	if s.snapshotMode != snapNoData || !s.timeConnect || s.decimalMode != "string" {
		t.Fatalf("enum options must be case-insensitive: %+v", s)
	}
	for name, p := range map[string]map[string]string{
		"no prefix":         with("topic.prefix", ""),
		"bad prefix":        with("topic.prefix", "a b"),
		"no server id":      with("database.server.id", ""),
		"adaptive":          with("time.precision.mode", "adaptive"),
		"include+exclude":   with("table.include.list", "a.b", "table.exclude.list", "a.c"),
		"bad regex":         with("database.include.list", "(x"),
		"bad snapshot mode": with("snapshot.mode", "sometimes"),
		"percona locking":   with("snapshot.locking.mode", "minimal_percona"),
		"history no server": with("schema.history.internal.kafka.topic", "h"),
		"column incl+excl":  with("column.include.list", "a.b.c", "column.exclude.list", "a.b.d"),
		"column bad regex":  with("column.exclude.list", "a.(b"),
		"binary mode":       with("binary.handling.mode", "base32"),
		"key cols format":   with("message.key.columns", "db.t"),
		"key cols spaces":   with("message.key.columns", "db.t:a b"),
		"queue <= batch":    with("max.queue.size", "2048"),
		"queue negative":    with("max.queue.size", "-1"),
		"bad skipped op":    with("skipped.operations", "c,x"),
	} {
		if _, err := parse(p); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if s, err := parse(with("skipped.operations", "U, d", "provide.transaction.metadata", "false", "binary.handling.mode", "BYTES")); err != nil || !s.skipped["u"] || !s.skipped["d"] || s.skipped["c"] {
		t.Errorf("skipped.operations: %v %v", s, err)
	}
	empty := baseProps()
	empty["message.key.columns"] = ""
	if _, err := parse(empty); err == nil || !strings.Contains(err.Error(), "Must not be empty") {
		t.Errorf("empty message.key.columns: %v", err)
	}
	msgs := (&Connector{}).Validate(with("time.precision.mode", "adaptive"))
	if len(msgs) == 0 {
		t.Error("Validate must report adaptive")
	}
}

func TestFilter(t *testing.T) {
	f, err := newFilter(nil, nil, []string{"demo.CUSTOMERS", "inv\\.o.*"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		db, table string
		want      bool
	}{
		{"demo", "CUSTOMERS", true}, {"DEMO", "customers", true}, {"demo", "CUSTOMERS2", false},
		{"xdemo", "CUSTOMERS", false}, {"inv", "orders", true}, {"inv", "items", false},
	} {
		if got := f.includeTable(c.db, c.table); got != c.want {
			t.Errorf("%s.%s: %v, want %v", c.db, c.table, got, c.want)
		}
	}
	f, _ = newFilter(nil, []string{"secret"}, nil, nil)
	if f.includeTable("mysql", "user") || f.includeTable("secret", "t") || !f.includeTable("app", "t") {
		t.Error("database exclude / system databases")
	}
}

func col(name, dataType, colType string, nullable bool) *column {
	return &column{name: name, dataType: dataType, colType: colType, nullable: nullable, unsigned: strings.Contains(colType, "unsigned")}
}

func TestTypeMapping(t *testing.T) {
	st, _ := parse(baseProps())
	ver := func(s *data.Schema) int32 {
		if s.Version == nil {
			return 0
		}
		return *s.Version
	}
	cases := []struct {
		c       *column
		typ     data.Type
		name    string
		params  string
		inputs  []any // binlog and snapshot forms of the same value
		want    any
		version int32
	}{
		{col("b", "tinyint", "tinyint(1)", true), data.TypeInt16, "", "", []any{int8(1), "1"}, int16(1), 0},
		{col("tu", "tinyint", "tinyint(3) unsigned", false), data.TypeInt16, "", "", []any{int8(-1), uint8(255), "255"}, int16(255), 0},
		{col("su", "smallint", "smallint(5) unsigned", false), data.TypeInt32, "", "", []any{int16(-1), "65535"}, int32(65535), 0},
		{col("m", "mediumint", "mediumint(8) unsigned", false), data.TypeInt32, "", "", []any{int32(-1), "16777215"}, int32(16777215), 0},
		{col("i", "int", "int(11)", false), data.TypeInt32, "", "", []any{int32(-7), "-7"}, int32(-7), 0},
		{col("iu", "int", "int(10) unsigned", false), data.TypeInt64, "", "", []any{int32(-1), "4294967295"}, int64(4294967295), 0},
		{col("bi", "bigint", "bigint(20)", false), data.TypeInt64, "", "", []any{int64(-5), "-5"}, int64(-5), 0},
		{col("f", "float", "float", false), data.TypeFloat32, "", "", []any{float32(1.5), "1.5"}, float32(1.5), 0},
		{col("d", "double", "double", false), data.TypeFloat64, "", "", []any{2.25, "2.25"}, 2.25, 0},
		{&column{name: "dec", dataType: "decimal", colType: "decimal(10,2)", precision: 10, scale: 2}, data.TypeBytes, data.DecimalName, "connect.decimal.precision=10,scale=2", []any{"12.50", "12.5"}, "12.50", 1},
		{col("s", "varchar", "varchar(50)", true), data.TypeString, "", "", []any{"x", []byte("x")}, "x", 0},
		{col("bl", "blob", "blob", true), data.TypeBytes, "", "", []any{[]byte{1, 2}, "\x01\x02"}, []byte{1, 2}, 0},
		{col("j", "json", "json", true), data.TypeString, nameJSON, "", []any{[]byte(`{"a":1}`), `{"a":1}`}, `{"a":1}`, 1},
		{col("e", "enum", "enum('a','b,c','it''s')", true), data.TypeString, nameEnum, "allowed=a,b,c,it's", []any{int64(3), "it's"}, "it's", 1},
		{col("set", "set", "set('x','y','z')", true), data.TypeString, nameEnumSet, "allowed=x,y,z", []any{int64(5), "x,z"}, "x,z", 1},
		{col("y", "year", "year(4)", true), data.TypeInt32, nameYear, "", []any{2024, "2024"}, int32(2024), 1},
		{col("dt", "date", "date", true), data.TypeInt32, nameDate, "", []any{"2024-01-15"}, int32(19737), 1},
		{&column{name: "tm", dataType: "time", colType: "time(3)", fsp: 3}, data.TypeInt64, nameMicroTime, "", []any{"10:30:00.250"}, int64(37800250000), 1},
		{&column{name: "dtm", dataType: "datetime", colType: "datetime"}, data.TypeInt64, nameTimestamp, "", []any{"2024-01-15 10:30:00"}, int64(1705314600000), 1},
		{&column{name: "dtm6", dataType: "datetime", colType: "datetime(6)", fsp: 6}, data.TypeInt64, nameMicroTimestamp, "", []any{"2024-01-15 10:30:00.000001"}, int64(1705314600000001), 1},
		{&column{name: "ts", dataType: "timestamp", colType: "timestamp", nullable: true}, data.TypeString, nameZoned, "", []any{"2024-01-15 10:30:00"}, "2024-01-15T10:30:00Z", 1},
		{&column{name: "ts3", dataType: "timestamp", colType: "timestamp(3)", fsp: 3}, data.TypeString, nameZoned, "", []any{"2024-01-15 10:30:00.100"}, "2024-01-15T10:30:00.100Z", 1},
		{&column{name: "bit1", dataType: "bit", colType: "bit(1)", length: 1}, data.TypeBoolean, "", "", []any{int64(1), []byte{1}}, true, 0},
		{&column{name: "bit10", dataType: "bit", colType: "bit(10)", length: 10}, data.TypeBytes, nameBits, "length=10", []any{int64(0x102), []byte{1, 2}}, []byte{2, 1}, 1},
	}
	for _, tc := range cases {
		if err := mapColumn(tc.c, st, false); err != nil {
			t.Fatalf("%s: %v", tc.c.name, err)
		}
		s := tc.c.schema
		var ps []string
		for _, k := range s.SortedParamKeys() {
			ps = append(ps, k+"="+s.Parameters[k])
		}
		if s.Type != tc.typ || s.Name != tc.name || strings.Join(ps, ",") != tc.params || s.Optional != tc.c.nullable || ver(s) != tc.version {
			t.Errorf("%s: schema %v %q %v optional=%v version=%d", tc.c.name, s.Type, s.Name, ps, s.Optional, ver(s))
		}
		for _, in := range tc.inputs {
			got, err := tc.c.convert(in)
			if err != nil {
				t.Errorf("%s: convert(%#v): %v", tc.c.name, in, err)
				continue
			}
			if bd, ok := got.(*data.BigDecimal); ok {
				got = bd.String()
			}
			if !data.ValuesEqual(got, tc.want) {
				t.Errorf("%s: convert(%#v) = %#v, want %#v", tc.c.name, in, got, tc.want)
			}
			if err := data.Validate(s, got); err != nil && tc.c.schema.Name != data.DecimalName {
				t.Errorf("%s: %v", tc.c.name, err)
			}
		}
	}
}

func TestZeroDatesAndModes(t *testing.T) {
	st, _ := parse(with("decimal.handling.mode", "string", "bigint.unsigned.handling.mode", "precise", "time.precision.mode", "connect"))
	d := &column{name: "d", dataType: "date", colType: "date", nullable: true}
	dn := &column{name: "dn", dataType: "datetime", colType: "datetime"}
	dec := &column{name: "x", dataType: "decimal", colType: "decimal(5,3)", precision: 5, scale: 3}
	ub := &column{name: "u", dataType: "bigint", colType: "bigint(20) unsigned", unsigned: true}
	for _, c := range []*column{d, dn, dec, ub} {
		if err := mapColumn(c, st, false); err != nil {
			t.Fatal(err)
		}
	}
	if v, _ := d.convert("0000-00-00"); v != nil {
		t.Errorf("nullable zero date: %v", v)
	}
	if v, _ := dn.convert("0000-00-00 00:00:00"); !v.(time.Time).Equal(time.Unix(0, 0)) {
		t.Errorf("NOT NULL zero datetime: %v", v)
	}
	if d.schema.Name != data.DateName || dn.schema.Name != data.TimestampName {
		t.Errorf("connect mode names: %s %s", d.schema.Name, dn.schema.Name)
	}
	if v, _ := dec.convert("1.5"); v != "1.500" {
		t.Errorf("string decimal: %v", v)
	}
	v, _ := ub.convert(int64(-1))
	if bd, ok := v.(*data.BigDecimal); !ok || bd.String() != "18446744073709551615" || ub.schema.Parameters[paramPrecision] != "20" {
		t.Errorf("precise bigint unsigned: %v %v", v, ub.schema.Parameters)
	}
}

// TestEnvelopeJSON renders spec §1.11's composite example through
// JsonConverter and compares field order and value forms.
func TestEnvelopeJSON(t *testing.T) {
	st, _ := parse(baseProps())
	task := &Task{st: st, partition: map[string]any{"server": "dbserver1"}, src: sourceSchema(), tx: transactionSchema()}
	cols := []*column{
		{name: "id", dataType: "int", colType: "int(11)"},
		{name: "first_name", dataType: "varchar", colType: "varchar(255)"},
		{name: "balance", dataType: "decimal", colType: "decimal(10,2)", precision: 10, scale: 2, nullable: true},
		{name: "created_at", dataType: "datetime", colType: "datetime"},
		{name: "updated_at", dataType: "timestamp", colType: "timestamp", nullable: true},
		{name: "active", dataType: "tinyint", colType: "tinyint(1)", nullable: true},
	}
	for _, c := range cols {
		if err := mapColumn(c, st, false); err != nil {
			t.Fatal(err)
		}
	}
	tb := &table{db: "inventory", name: "customers", cols: cols, keyIdx: []int{0}}
	if err := tb.buildSchemas(st, task.src, task.tx); err != nil {
		t.Fatal(err)
	}
	after, afterKey, err := tb.rowImage([]any{int32(1001), "Anne", "12.50", "2024-01-15 10:30:00", "2024-01-15 10:30:00", int8(1)}, true)
	if err != nil {
		t.Fatal(err)
	}
	th := int64(7)
	src := task.sourceStruct(tb.db, tb.name, 1705314600*int64(time.Second), 223344, "mysql-bin.000003", 154, 0, &th)
	now := time.Unix(0, 1705314600123456789)
	recs := task.changeRecords(nil, tb, "c", nil, after, nil, afterKey, src, map[string]any{}, now)
	if len(recs) != 1 || recs[0].Topic != "dbserver1.inventory.customers" {
		t.Fatalf("records %v", recs)
	}
	conv := jsonconv.Desc().New().(connect.Converter)
	if err := conv.Configure(map[string]string{"schemas.enable": "false"}, false); err != nil {
		t.Fatal(err)
	}
	b, err := conv.FromConnectData(recs[0].Topic, nil, recs[0].ValueSchema, recs[0].Value)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"before":null,"after":{"id":1001,"first_name":"Anne","balance":"BOI=","created_at":1705314600000,"updated_at":"2024-01-15T10:30:00Z","active":1},` +
		`"source":{"version":"2.7.3.Final","connector":"mysql","name":"dbserver1","ts_ms":1705314600000,"snapshot":"false","db":"inventory","sequence":null,` +
		`"ts_us":1705314600000000,"ts_ns":1705314600000000000,"table":"customers","server_id":223344,"gtid":null,"file":"mysql-bin.000003","pos":154,"row":0,"thread":7,"query":null},` +
		`"transaction":null,"op":"c","ts_ms":1705314600123,"ts_us":1705314600123456,"ts_ns":1705314600123456789}`
	var compact bytes.Buffer
	if err := json.Compact(&compact, b); err != nil {
		t.Fatal(err)
	}
	if compact.String() != want {
		t.Fatalf("envelope\n got %s\nwant %s", compact.String(), want)
	}
	key, err := conv.FromConnectData(recs[0].Topic, nil, recs[0].KeySchema, recs[0].Key)
	if err != nil || string(key) != `{"id":1001}` {
		t.Fatalf("key %s %v", key, err)
	}
	if recs[0].KeySchema.Name != "dbserver1.inventory.customers.Key" || recs[0].ValueSchema.Name != "dbserver1.inventory.customers.Envelope" ||
		tb.valueSchema.Name != "dbserver1.inventory.customers.Value" || *recs[0].ValueSchema.Version != 2 {
		t.Fatal("schema names / envelope version")
	}
	// A delete is followed by a tombstone; a key change is d+tombstone+c.
	del := task.changeRecords(nil, tb, "d", after, nil, afterKey, nil, src, nil, now)
	if len(del) != 2 || del[1].Value != nil || del[1].ValueSchema != nil || del[1].Key == nil {
		t.Fatalf("delete records %v", del)
	}
	moved, movedKey, _ := tb.rowImage([]any{int32(1002), "Anne", nil, "2024-01-15 10:30:00", nil, nil}, true)
	upd := task.changeRecords(nil, tb, "u", after, moved, afterKey, movedKey, src, nil, now)
	if len(upd) != 3 || upd[0].Value.(*data.Struct).RawIndex(4) != "d" || upd[1].Value != nil || upd[2].Value.(*data.Struct).RawIndex(4) != "c" {
		t.Fatalf("key change records %v", upd)
	}
	if h, ok := upd[0].Headers.Last("__debezium.newkey"); !ok || !h.Value.(*data.Struct).Equal(movedKey) || movedKey.RawIndex(0) != int32(1002) {
		t.Fatal("newkey header")
	}
	if _, ok := upd[2].Headers.Last("__debezium.oldkey"); !ok {
		t.Fatal("oldkey header")
	}
}

func TestParseOptionsAndNames(t *testing.T) {
	if got := strings.Join(parseOptions("enum('a','it''s','x\\'y')"), "|"); got != "a|it's|x'y" {
		t.Errorf("options %q", got)
	}
	if got := adjustName("avro", "my-server.db.t$1.Value"); got != "my_server.db.t_1.Value" {
		t.Errorf("avro adjust %q", got)
	}
	if got := sanitizeTopic("p.d.t$x"); got != "p.d.t_x" {
		t.Errorf("topic %q", got)
	}
	if m, err := parseTimeMicros("-838:59:59.000001"); err != nil || m != -(838*3600+59*60+59)*1_000_000-1 {
		t.Errorf("time %d %v", m, err)
	}
}

func BenchmarkRowConvert(b *testing.B) {
	st, _ := parse(baseProps())
	task := &Task{st: st, partition: map[string]any{"server": "dbserver1"}, src: sourceSchema(), tx: transactionSchema()}
	cols := []*column{
		{name: "id", dataType: "int", colType: "int(11)"},
		{name: "first_name", dataType: "varchar", colType: "varchar(50)", nullable: true},
		{name: "last_name", dataType: "varchar", colType: "varchar(50)", nullable: true},
		{name: "balance", dataType: "decimal", colType: "decimal(10,2)", precision: 10, scale: 2, nullable: true},
		{name: "created", dataType: "datetime", colType: "datetime"},
		{name: "updated", dataType: "timestamp", colType: "timestamp", nullable: true},
	}
	for _, c := range cols {
		if err := mapColumn(c, st, false); err != nil {
			b.Fatal(err)
		}
	}
	tb := &table{db: "demo", name: "CUSTOMERS", cols: cols, keyIdx: []int{0}}
	if err := tb.buildSchemas(st, task.src, task.tx); err != nil {
		b.Fatal(err)
	}
	task.prefixBox = st.prefix
	rows := [][]any{{int32(1), "Rica", "Blaisdell", "12.50", "2024-01-15 10:30:00", "2024-01-15 10:30:00"}}
	now := time.Now()
	gt, _ := newGtidState(true, "")
	s := &streamState{file: "mysql-bin.000001", restartPos: 4, gtids: gt}
	h := &replication.EventHeader{Timestamp: uint32(now.Unix()), ServerID: 223344, LogPos: 1000, EventSize: 50}
	var buf []connect.SourceRecord
	b.ReportAllocs()
	for b.Loop() {
		// What handleRows does per inserted row.
		blk, err := tb.rowChange(task.src, "c", rows, 0)
		if err != nil {
			b.Fatal(err)
		}
		before, after, oldKey, key := blk.images()
		s.eventsInTx++
		off := s.offset(h, 1, 1)
		task.rowSourceIn(&blk.src, tb, s, h, 950, 0)
		buf = task.changeRecordsIn(buf[:0], &blk.env, &s.bx.nowMs, tb, "c", before, after, oldKey, key, &blk.src, off, now)
	}
}
