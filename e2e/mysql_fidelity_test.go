//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// TestMySQLSourceDebeziumFidelity runs a worker with JsonConverter
// (schemas on) for keys and values and two MySQL connectors on the same
// table, one plain and one with ExtractNewRecordState, through the
// differences issue 20 found against Debezium 2.7.3 (each checked in
// Debezium's sources, see the connector's tests for the rules):
//   - TRUNCATE with skipped.operations=none: an op "t" record with a null
//     key (no key schema), and the task keeps running;
//   - time.precision.mode=connect: TIME outside 00:00-24:00 is null;
//   - BIGINT UNSIGNED DEFAULT 18446744073709551615 in long mode: schema
//     default 9223372036854775807;
//   - decimal parameters: scale, then connect.decimal.precision;
//   - a primary-key change: delete and its tombstone carry
//     __debezium.newkey, the create __debezium.oldkey;
//   - the unwrapped value schema is required, and a nullable TIMESTAMP
//     DEFAULT CURRENT_TIMESTAMP has no default (the seed's CUSTOMERS).
func TestMySQLSourceDebeziumFidelity(t *testing.T) {
	db := mysqlAdmin(t)
	tbl := fmt.Sprintf("gc_fid%d", time.Now().UnixNano()%1_000_000_000)
	mysqlExec(t, db, "CREATE TABLE "+tbl+" (id INT PRIMARY KEY, big BIGINT UNSIGNED NOT NULL DEFAULT 18446744073709551615, "+
		"t TIME(1) NULL, amount DECIMAL(5,2) NULL, ts TIMESTAMP NULL DEFAULT CURRENT_TIMESTAMP)")
	t.Cleanup(func() { _, _ = db.Execute("DROP TABLE IF EXISTS " + tbl) })
	mysqlExec(t, db, "INSERT INTO "+tbl+" (id, t) VALUES (0, '10:30:00.5')")

	dir := t.TempDir()
	stamp := time.Now().UnixNano()
	raw, flat := fmt.Sprintf("fidraw%d", stamp), fmt.Sprintf("fidflat%d", stamp)
	host, port, _ := strings.Cut(mariaDBAddr, ":")
	writeFile(t, filepath.Join(dir, "worker.properties"), fmt.Sprintf(`bootstrap.servers=%s
key.converter=org.apache.kafka.connect.json.JsonConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
offset.storage.file.filename=%s
offset.flush.interval.ms=500
listeners=http://127.0.0.1:0
`, kafkaAddr, filepath.Join(dir, "connect.offsets")))
	common := fmt.Sprintf(`"connector.class":"io.debezium.connector.mysql.MySqlConnector",
  "database.hostname":%q,"database.port":%q,"database.user":"debezium","database.password":"dbz",
  "include.schema.changes":"false","schema.history.internal.kafka.bootstrap.servers":%q`, host, port, kafkaAddr)
	writeFile(t, filepath.Join(dir, "raw.json"), fmt.Sprintf(`{"name":"fid-raw","config":{%s,
  "database.server.id":"4246","topic.prefix":%q,"table.include.list":"demo.%s",
  "schema.history.internal.kafka.topic":"dbhistory.%s",
  "skipped.operations":"none","time.precision.mode":"connect"}}`, common, raw, tbl, raw))
	writeFile(t, filepath.Join(dir, "flat.json"), fmt.Sprintf(`{"name":"fid-flat","config":{%s,
  "database.server.id":"4247","topic.prefix":%q,"table.include.list":"demo.CUSTOMERS,demo.%s",
  "schema.history.internal.kafka.topic":"dbhistory.%s","skipped.operations":"none",
  "transforms":"unwrap","transforms.unwrap.type":"io.debezium.transforms.ExtractNewRecordState"}}`, common, flat, tbl, flat))
	w := startWorker(t, "standalone", filepath.Join(dir, "worker.properties"), filepath.Join(dir, "raw.json"), filepath.Join(dir, "flat.json"))
	rest := restURL(t, w)
	rawTopic, flatTopic := raw+".demo."+tbl, flat+".demo."+tbl
	readTopic(t, rawTopic, 1)
	readTopic(t, flatTopic, 1)

	mysqlExec(t, db, "INSERT INTO "+tbl+" (id, t, amount) VALUES (1, '-12:00:00.5', 1.5)")
	mysqlExec(t, db, "INSERT INTO "+tbl+" (id, big, t) VALUES (2, 5, '838:59:59')")
	mysqlExec(t, db, "UPDATE "+tbl+" SET id = 3 WHERE id = 2")
	mysqlExec(t, db, "TRUNCATE TABLE "+tbl)
	mysqlExec(t, db, "INSERT INTO "+tbl+" (id) VALUES (4)")

	// r 0, c 1, c 2, d 2, tombstone 2, c 3, t, c 4
	recs := readTopic(t, rawTopic, 8)
	if len(recs) != 8 {
		t.Fatalf("%s has %d records, want 8", rawTopic, len(recs))
	}
	type envelope struct {
		Schema  json.RawMessage `json:"schema"`
		Payload struct {
			After map[string]any `json:"after"`
			Op    string         `json:"op"`
		} `json:"payload"`
	}
	env := func(r *kgo.Record) envelope {
		t.Helper()
		var e envelope
		if err := json.Unmarshal(r.Value, &e); err != nil {
			t.Fatalf("value %s: %v", r.Value, err)
		}
		return e
	}
	header := func(r *kgo.Record, key string) bool {
		for _, h := range r.Headers {
			if h.Key == key {
				return true
			}
		}
		return false
	}
	ops := make([]string, len(recs))
	for i, r := range recs {
		if r.Value != nil {
			ops[i] = env(r).Payload.Op
		}
	}
	if got := strings.Join(ops, ","); got != "r,c,c,d,,c,t,c" {
		t.Fatalf("ops %s, want r,c,c,d,,c,t,c", got)
	}
	first := env(recs[0])
	if v := first.Payload.After["t"]; v != float64(37800500) {
		t.Errorf("TIME 10:30:00.5 = %v, want 37800500", v)
	}
	for _, want := range []string{
		`{"type":"int64","optional":false,"default":9223372036854775807,"field":"big"}`,
		`"parameters":{"scale":"2","connect.decimal.precision":"5"},"field":"amount"}`,
		`{"type":"string","optional":true,"name":"io.debezium.time.ZonedTimestamp","version":1,"field":"ts"}`,
	} {
		if !strings.Contains(string(first.Schema), want) {
			t.Errorf("envelope schema lacks %s:\n%s", want, first.Schema)
		}
	}
	for i, id := range []int{1, 2} {
		if after := env(recs[1+i]).Payload.After; after["id"] != float64(id) || after["t"] != nil {
			t.Errorf("insert %d: after %v, want t null (TIME out of Connect's range)", id, after)
		}
	}
	if !header(recs[3], "__debezium.newkey") || !header(recs[4], "__debezium.newkey") || !header(recs[5], "__debezium.oldkey") {
		t.Errorf("key change headers: delete %v, tombstone %v, create %v", recs[3].Headers, recs[4].Headers, recs[5].Headers)
	}
	if recs[6].Key != nil {
		t.Errorf("truncate key %s, want null", recs[6].Key)
	}
	if after := env(recs[7]).Payload.After; after["id"] != float64(4) {
		t.Errorf("insert after the truncate: %v", after)
	}

	// Unwrapped: r 0, c 1, c 2, c 3, c 4 (deletes, tombstones and the
	// truncate dropped).
	flatRecs := readTopic(t, flatTopic, 5)
	if len(flatRecs) != 5 {
		t.Fatalf("%s has %d records, want 5", flatTopic, len(flatRecs))
	}
	if s := string(env(flatRecs[0]).Schema); !strings.HasSuffix(s, `],"optional":false,"name":"`+flatTopic+`.Value"}`) {
		t.Errorf("unwrapped value schema is not required: %s", s)
	}
	cust := readTopic(t, flat+".demo.CUSTOMERS", 1)
	wantCust := `{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},` +
		`{"type":"string","optional":true,"field":"first_name"},{"type":"string","optional":true,"field":"last_name"},` +
		`{"type":"string","optional":true,"field":"email"},{"type":"string","optional":true,"field":"gender"},` +
		`{"type":"string","optional":true,"field":"club_status"},{"type":"string","optional":true,"field":"comments"},` +
		`{"type":"string","optional":true,"name":"io.debezium.time.ZonedTimestamp","version":1,"field":"create_ts"},` +
		`{"type":"string","optional":true,"name":"io.debezium.time.ZonedTimestamp","version":1,"field":"update_ts"}],` +
		`"optional":false,"name":"` + flat + `.demo.CUSTOMERS.Value"}`
	if s := string(env(cust[0]).Schema); s != wantCust {
		t.Errorf("unwrapped CUSTOMERS value schema\n got %s\nwant %s", s, wantCust)
	}
	for _, name := range []string{"fid-raw", "fid-flat"} {
		if st, trace := taskState(t, rest, name); st != "RUNNING" {
			t.Errorf("%s task %s: %s", name, st, trace)
		}
	}
}
