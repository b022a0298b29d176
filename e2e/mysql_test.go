//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/client"
	"github.com/twmb/franz-go/pkg/kgo"
)

var mariaDBAddr = envOr("GOCONNECT_E2E_MARIADB", "127.0.0.1:3307")

// mysqlAdmin connects for the test's own DML: root as the service script
// creates it, else the debezium user, which has ALL on demo.
func mysqlAdmin(t *testing.T) *client.Conn {
	t.Helper()
	var errs []string
	for _, up := range [][2]string{{"root", "goconnect"}, {"debezium", "dbz"}} {
		c, err := client.Connect(mariaDBAddr, up[0], up[1], "demo")
		if err == nil {
			t.Cleanup(func() { c.Close() })
			return c
		}
		errs = append(errs, fmt.Sprintf("%s: %v", up[0], err))
	}
	t.Fatalf("MariaDB is not reachable at %s (start it with scripts/services.sh up mariadb): %s", mariaDBAddr, strings.Join(errs, "; "))
	return nil
}

func mysqlExec(t *testing.T, c *client.Conn, q string) {
	t.Helper()
	if _, err := c.Execute(q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// readTopic reads the topic from the start until it has at least n
// records and then nothing more arrives for a few seconds.
func readTopic(t *testing.T, topic string, n int) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(kafkaAddr), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	deadline := time.Now().Add(60 * time.Second)
	var out []*kgo.Record
	quiet := 0
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		f := cl.PollFetches(ctx)
		cancel()
		recs := f.Records()
		out = append(out, recs...)
		if len(recs) == 0 {
			quiet++
		} else {
			quiet = 0
		}
		if len(out) >= n && quiet >= 3 {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("read %d records from %s, want %d", len(out), topic, n)
		}
	}
}

// checkCustomer checks one unwrapped row: key = id, JSON value fields.
func checkCustomer(t *testing.T, r *kgo.Record, topic string, id int, want map[string]any) {
	t.Helper()
	if r.Topic != topic {
		t.Fatalf("record for id %d on topic %s, want %s", id, r.Topic, topic)
	}
	if string(r.Key) != fmt.Sprint(id) {
		t.Fatalf("record key %q, want %d", r.Key, id)
	}
	if want == nil {
		if r.Value != nil {
			t.Fatalf("id %d: want a tombstone, got %s", id, r.Value)
		}
		return
	}
	var v map[string]any
	if err := json.Unmarshal(r.Value, &v); err != nil {
		t.Fatalf("id %d: value %s is not a JSON object: %v", id, r.Value, err)
	}
	cols := []string{"id", "first_name", "last_name", "email", "gender", "club_status", "comments", "create_ts", "update_ts"}
	if len(v) != len(cols) {
		t.Fatalf("id %d: value has fields %v, want %v", id, v, cols)
	}
	for _, c := range cols {
		if _, ok := v[c]; !ok {
			t.Fatalf("id %d: value lacks %s: %s", id, c, r.Value)
		}
	}
	if v["id"] != float64(id) {
		t.Fatalf("id %d: value id %v", id, v["id"])
	}
	for k, w := range want {
		if v[k] != w {
			t.Fatalf("id %d: %s = %v, want %v (value %s)", id, k, v[k], w, r.Value)
		}
	}
	for _, k := range []string{"create_ts", "update_ts"} {
		s, _ := v[k].(string)
		if _, err := time.Parse("2006-01-02T15:04:05Z", s); err != nil {
			t.Fatalf("id %d: %s = %v is not a ZonedTimestamp: %v", id, k, v[k], err)
		}
	}
}

// TestMySQLSourceSnapshotStreamRestart runs the reference Debezium MySQL
// pipeline (unwrap + ExtractField$Key, String key, schemaless JSON value)
// against MariaDB: the snapshot of demo.CUSTOMERS, an insert, an update and
// a delete, then a restart that must not re-emit anything and must keep
// streaming.
func TestMySQLSourceSnapshotStreamRestart(t *testing.T) {
	db := mysqlAdmin(t)
	mysqlExec(t, db, "DELETE FROM CUSTOMERS WHERE id IN (42, 43)")
	t.Cleanup(func() { _, _ = db.Execute("DELETE FROM CUSTOMERS WHERE id IN (42, 43)") })

	dir := t.TempDir()
	// The binlog accumulates across runs: a fresh prefix means a fresh
	// snapshot and topic.
	prefix := fmt.Sprintf("asgard%d", time.Now().UnixNano())
	topic := prefix + ".demo.CUSTOMERS"
	host, port, _ := strings.Cut(mariaDBAddr, ":")
	writeFile(t, filepath.Join(dir, "worker.properties"), fmt.Sprintf(`bootstrap.servers=%s
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=false
offset.storage.file.filename=%s
offset.flush.interval.ms=500
task.shutdown.graceful.timeout.ms=10000
listeners=http://127.0.0.1:0
`, kafkaAddr, filepath.Join(dir, "connect.offsets")))
	writeFile(t, filepath.Join(dir, "mysql.json"), fmt.Sprintf(`{"name":"source-debezium-mysql","config":{
  "connector.class":"io.debezium.connector.mysql.MySqlConnector",
  "database.hostname":%q,"database.port":%q,"database.user":"debezium","database.password":"dbz",
  "database.server.id":"42","topic.prefix":%q,"table.include.list":"demo.CUSTOMERS",
  "schema.history.internal.kafka.bootstrap.servers":%q,"schema.history.internal.kafka.topic":"dbhistory.%s",
  "include.schema.changes":"false",
  "transforms":"unwrap,extractkey",
  "transforms.unwrap.type":"io.debezium.transforms.ExtractNewRecordState",
  "transforms.unwrap.drop.tombstones":"false",
  "transforms.extractkey.type":"org.apache.kafka.connect.transforms.ExtractField$Key",
  "transforms.extractkey.field":"id"}}`, host, port, prefix, kafkaAddr, prefix))
	args := []string{"standalone", filepath.Join(dir, "worker.properties"), filepath.Join(dir, "mysql.json")}

	w := startWorker(t, args...)
	snap := readTopic(t, topic, 20)
	if len(snap) != 20 {
		t.Fatalf("snapshot produced %d records, want the 20 CUSTOMERS rows", len(snap))
	}
	for i, r := range snap {
		checkCustomer(t, r, topic, i+1, map[string]any{})
	}
	checkCustomer(t, snap[0], topic, 1, map[string]any{"first_name": "Rica", "last_name": "Blaisdell", "email": "rblaisdell0@rambler.ru", "gender": "Female", "club_status": "bronze", "comments": "Universal optimal hierarchy"})

	mysqlExec(t, db, "INSERT INTO CUSTOMERS (id, first_name, last_name) VALUES (42, 'Rick', 'Astley')")
	mysqlExec(t, db, "UPDATE CUSTOMERS SET club_status = 'platinum', comments = 'Never gonna give you up' WHERE id = 42")
	mysqlExec(t, db, "DELETE FROM CUSTOMERS WHERE id = 42")
	all := readTopic(t, topic, 23)
	if len(all) != 23 {
		t.Fatalf("topic has %d records after insert/update/delete, want 23", len(all))
	}
	checkCustomer(t, all[20], topic, 42, map[string]any{"first_name": "Rick", "last_name": "Astley", "email": nil, "club_status": nil})
	checkCustomer(t, all[21], topic, 42, map[string]any{"first_name": "Rick", "club_status": "platinum", "comments": "Never gonna give you up"})
	// unwrap drops the 'd' event itself; its tombstone is kept.
	checkCustomer(t, all[22], topic, 42, nil)
	w.stop(t, 20*time.Second)

	// Restart: nothing from the snapshot or the stream may come again,
	// and changes made meanwhile and afterwards must arrive once.
	mysqlExec(t, db, "INSERT INTO CUSTOMERS (id, first_name, last_name) VALUES (43, 'Astley', 'Rick')")
	startWorker(t, args...)
	mysqlExec(t, db, "DELETE FROM CUSTOMERS WHERE id = 43")
	all = readTopic(t, topic, 25)
	if len(all) != 25 {
		for i, r := range all {
			t.Logf("%d key=%s value=%s", i, r.Key, r.Value)
		}
		t.Fatalf("topic has %d records after the restart, want 25: records were re-emitted or lost", len(all))
	}
	checkCustomer(t, all[23], topic, 43, map[string]any{"first_name": "Astley", "last_name": "Rick"})
	checkCustomer(t, all[24], topic, 43, nil)
}

// TestMySQLSourcePurgedBinlogFails: a stored binlog position the server no
// longer has puts the task in FAILED with a message asking for a new
// snapshot. The offset names a binlog file the server never had, which it
// reports exactly like a purged one (PURGE BINARY LOGS would break the
// other users of the shared server).
func TestMySQLSourcePurgedBinlogFails(t *testing.T) {
	dir := t.TempDir()
	prefix := fmt.Sprintf("purged%d", time.Now().UnixNano())
	host, port, _ := strings.Cut(mariaDBAddr, ":")
	writeFile(t, filepath.Join(dir, "worker.properties"), fmt.Sprintf(`bootstrap.servers=%s
key.converter=org.apache.kafka.connect.json.JsonConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
offset.storage.file.filename=%s
listeners=http://127.0.0.1:0
`, kafkaAddr, filepath.Join(dir, "connect.offsets")))
	w := startWorker(t, "standalone", filepath.Join(dir, "worker.properties"))
	rest := restURL(t, w)
	do := func(method, path, body string, want int) {
		t.Helper()
		req, _ := http.NewRequest(method, rest+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
		}
	}
	do(http.MethodPost, "/connectors", fmt.Sprintf(`{"name":"purged","initial_state":"STOPPED","config":{
  "connector.class":"io.debezium.connector.mysql.MySqlConnector",
  "database.hostname":%q,"database.port":%q,"database.user":"debezium","database.password":"dbz",
  "database.server.id":"4244","topic.prefix":%q,"table.include.list":"demo.CUSTOMERS","include.schema.changes":"false"}}`,
		host, port, prefix), http.StatusCreated)
	do(http.MethodPatch, "/connectors/purged/offsets", fmt.Sprintf(`{"offsets":[{"partition":{"server":%q},"offset":{"file":"mysql-bin.999999","pos":4}}]}`, prefix), http.StatusOK)
	do(http.MethodPut, "/connectors/purged/resume", "", http.StatusAccepted)
	waitTaskState(t, rest, "purged", "FAILED", 60*time.Second)
	if _, trace := taskState(t, rest, "purged"); !strings.Contains(trace, "no longer available on the server") || !strings.Contains(trace, "Re-snapshot") {
		t.Fatalf("FAILED trace does not ask for a re-snapshot: %s", trace)
	}
}
