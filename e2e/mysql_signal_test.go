//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMySQLAddTableToRunningConnector: a running connector's
// table.include.list gets a second table through PUT /config; the task
// restarts from its stored offset, streams the new table, snapshots none
// of the old one again, and a blocking snapshot signal on the Kafka
// channel reads the new table's existing rows.
func TestMySQLAddTableToRunningConnector(t *testing.T) {
	db := mysqlAdmin(t)
	stamp := time.Now().UnixNano() % 1_000_000_000
	one, two := fmt.Sprintf("addone%d", stamp), fmt.Sprintf("addtwo%d", stamp)
	for _, tb := range []string{one, two} {
		mysqlExec(t, db, "CREATE TABLE "+tb+" (id INT PRIMARY KEY, v VARCHAR(20))")
		mysqlExec(t, db, "INSERT INTO "+tb+" VALUES (1, 'a'), (2, 'b'), (3, 'c')")
		t.Cleanup(func() { _, _ = db.Execute("DROP TABLE IF EXISTS " + tb) })
	}
	prefix := fmt.Sprintf("addrun%d", stamp)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "worker.properties"), fmt.Sprintf(`bootstrap.servers=%s
key.converter=org.apache.kafka.connect.json.JsonConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
offset.storage.file.filename=%s
offset.flush.interval.ms=500
listeners=http://127.0.0.1:0
`, kafkaAddr, filepath.Join(dir, "connect.offsets")))
	w := startWorker(t, "standalone", filepath.Join(dir, "worker.properties"))
	rest := restURL(t, w)
	cfg := referenceMySQLConfig(prefix, "demo."+one, 7_000_000+stamp%1_000_000)
	cfg["signal.enabled.channels"] = "source,kafka"
	cfg["signal.kafka.bootstrap.servers"] = kafkaAddr
	cfg["signal.kafka.groupId"] = prefix
	cfg["signal.kafka.consumer.offset.commit.enabled"] = "true"
	put := func() {
		body, _ := json.Marshal(cfg)
		if code, b := httpRetry(t, "PUT", rest+"/connectors/"+prefix+"/config", string(body)); code != 201 && code != 200 {
			t.Fatalf("PUT config: %d %s", code, b)
		}
	}
	put()
	topicOne, topicTwo := prefix+".demo."+one, prefix+".demo."+two
	if recs := readTopic(t, topicOne, 3); len(recs) != 3 {
		t.Fatalf("initial snapshot: %d records", len(recs))
	}
	waitUntil(t, 30*time.Second, "the snapshot's offset stored", func() bool {
		code, b := httpDo("GET", rest+"/connectors/"+prefix+"/offsets", "")
		return code == 200 && strings.Contains(string(b), `"file"`)
	})
	mysqlExec(t, db, "INSERT INTO "+two+" VALUES (4, 'before the change')")

	cfg["table.include.list"] = "demo." + one + ",demo." + two
	put()
	waitTaskState(t, rest, prefix, "RUNNING", 60*time.Second)
	// The insert made before the change is in the binlog after the stored
	// offset: streamed once the table is included.
	if recs := readTopic(t, topicTwo, 1); len(recs) != 1 || !strings.Contains(string(recs[0].Value), `"op":"c"`) {
		t.Fatalf("new table streamed: %d records", len(recs))
	}
	produceSignal(t, prefix+"-signal", prefix, `{"id":"add-1","type":"execute-snapshot","data":{"type":"blocking","data-collections":["demo.`+two+`"]}}`)
	mysqlExec(t, db, "INSERT INTO "+one+" VALUES (5, 'after')")
	recs := readTopic(t, topicTwo, 5)
	if len(recs) != 5 {
		t.Fatalf("new table: %d records, want its insert and 4 snapshot records", len(recs))
	}
	for _, r := range recs[1:] {
		if !strings.Contains(string(r.Value), `"op":"r"`) {
			t.Fatalf("new table after the signal: %s", r.Value)
		}
	}
	recs = readTopic(t, topicOne, 4)
	if len(recs) != 4 || !strings.Contains(string(recs[3].Value), `"op":"c"`) {
		t.Fatalf("old table: %d records, want its 3 snapshot records and the insert (no second snapshot)", len(recs))
	}
}
