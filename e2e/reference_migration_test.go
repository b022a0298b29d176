//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestReferenceMigration moves a running MySQL connector between the Java
// reference worker and goconnect through the stored offsets themselves:
// goconnect runs distributed on the Java worker's offsets topic
// (goconnect-java-reference-offsets), the connector keeps its name, and
// rows written while neither side runs must arrive exactly once.
func TestReferenceMigration(t *testing.T) {
	for _, dir := range []struct{ name, from string }{{"java-to-goconnect", "java"}, {"goconnect-to-java", "go"}} {
		t.Run(dir.name, func(t *testing.T) { referenceMigrate(t, dir.from) })
	}
}

func referenceMigrate(t *testing.T, from string) {
	db := mysqlAdmin(t)
	stamp := time.Now().UnixNano() % 1_000_000_000
	tbl, prefix := fmt.Sprintf("ref_mig%d", stamp), fmt.Sprintf("refm%d", stamp)
	mysqlExec(t, db, "CREATE TABLE "+tbl+" (id INT PRIMARY KEY, v VARCHAR(20))")
	t.Cleanup(func() { _, _ = db.Execute("DROP TABLE IF EXISTS " + tbl) })
	mysqlExec(t, db, "INSERT INTO "+tbl+" VALUES (1, 'a'), (2, 'b'), (3, 'c')")

	host, port, _ := strings.Cut(mariaDBAddr, ":")
	name := prefix
	config := map[string]string{
		"connector.class":    "io.debezium.connector.mysql.MySqlConnector",
		"tasks.max":          "1",
		"database.hostname":  host,
		"database.port":      port,
		"database.user":      "debezium",
		"database.password":  "dbz",
		"database.server.id": fmt.Sprint(7_000_000 + stamp%1_000_000),
		"topic.prefix":       prefix,
		"table.include.list": "demo." + tbl,
		"schema.history.internal.kafka.bootstrap.servers": kafkaAddr,
		"schema.history.internal.kafka.topic":             "dbhistory." + prefix,
		"include.schema.changes":                          "false",
		// goconnect's test cluster defaults to schemaless values; the
		// Java worker's are JsonConverter with schemas.
		"key.converter":   "org.apache.kafka.connect.json.JsonConverter",
		"value.converter": "org.apache.kafka.connect.json.JsonConverter",
	}
	body, _ := json.Marshal(config)
	// goconnect distributed on the Java worker's offsets topic, with its
	// own group, configs and statuses.
	c := newCluster(t, "offset.storage.topic=goconnect-java-reference-offsets\n")
	addr := c.start("")
	goURL := "http://" + addr
	topic := prefix + ".demo." + tbl

	startOn := func(side string) string {
		if side == "java" {
			javaConnector(t, name, config)
			waitTaskState(t, javaConnectURL, name, "RUNNING", 60*time.Second)
			return javaConnectURL
		}
		if code, b := httpRetry(t, "PUT", goURL+"/connectors/"+name+"/config", string(body)); code != 201 && code != 200 {
			t.Fatalf("goconnect: PUT %s: %d %s", name, code, b)
		}
		waitTaskState(t, goURL, name, "RUNNING", 60*time.Second)
		return goURL
	}
	to := map[string]string{"java": "go", "go": "java"}[from]

	first := startOn(from)
	readTopic(t, topic, 3)
	mysqlExec(t, db, "INSERT INTO "+tbl+" VALUES (4, 'd')")
	mysqlExec(t, db, "INSERT INTO "+tbl+" VALUES (5, 'e')")
	readTopic(t, topic, 5)
	// Stop (offsets are committed on stop), then delete: the offsets stay
	// in the topic under the connector's name.
	if code, b := httpRetry(t, "PUT", first+"/connectors/"+name+"/stop", ""); code != 202 && code != 204 {
		t.Fatalf("%s: PUT stop: %d %s", from, code, b)
	}
	waitUntil(t, 60*time.Second, from+" connector STOPPED", func() bool {
		code, b := httpDo("GET", first+"/connectors/"+name+"/status", "")
		return code == 200 && strings.Contains(string(b), `"state":"STOPPED"`)
	})
	_, stored := httpDo("GET", first+"/connectors/"+name+"/offsets", "")
	t.Logf("%s stored %s", from, stored)
	if code, b := httpRetry(t, "DELETE", first+"/connectors/"+name, ""); code != 204 {
		t.Fatalf("%s: DELETE: %d %s", from, code, b)
	}

	mysqlExec(t, db, "INSERT INTO "+tbl+" VALUES (6, 'f')")
	mysqlExec(t, db, "BEGIN")
	mysqlExec(t, db, "INSERT INTO "+tbl+" VALUES (7, 'g')")
	mysqlExec(t, db, "UPDATE "+tbl+" SET v = 'A' WHERE id = 1")
	mysqlExec(t, db, "COMMIT")

	if to == "java" {
		// Pending (issue 20): goconnect stores MariaDB GTID sets under
		// "gtids" (in offsets and schema history positions), which
		// Debezium's MySQL connector parses as a MySQL GTID set and fails
		// on while recovering the history. Until goconnect stops writing
		// them on MariaDB, the Java task must fail exactly so.
		javaConnector(t, name, config)
		var st, trace string
		waitUntil(t, 60*time.Second, "the Java task RUNNING or FAILED", func() bool {
			st, trace = taskState(t, javaConnectURL, name)
			return st == "RUNNING" || st == "FAILED"
		})
		if st == "FAILED" && strings.Contains(trace, "GtidSet") {
			t.Logf("pending: Debezium cannot resume from goconnect's offsets on MariaDB: %s", firstLine(trace))
			return
		}
		if st == "FAILED" {
			t.Fatalf("the Java task failed on goconnect's offsets: %s", trace)
		}
		t.Errorf("the Java task resumed from goconnect's offsets: the pending GTID difference is gone, remove this branch")
	}
	second := javaConnectURL
	if to == "go" {
		second = startOn(to)
	}
	// 8 records expected; fewer after a while is a gap the check shows.
	deadline := time.Now().Add(30 * time.Second)
	for referenceCount(t, prefix) < 8 && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	recs := readTopic(t, topic, int(referenceCount(t, prefix)))
	var got []string
	for _, r := range recs {
		var v struct {
			Payload struct {
				Op    string         `json:"op"`
				After map[string]any `json:"after"`
			} `json:"payload"`
		}
		if err := json.Unmarshal(r.Value, &v); err != nil {
			t.Fatalf("value %s: %v", r.Value, err)
		}
		got = append(got, fmt.Sprintf("%s%v", v.Payload.Op, v.Payload.After["id"]))
	}
	// Snapshot, two streamed on the first side, then what was written
	// while nothing ran, on the second: each once.
	if want := "r1 r2 r3 c4 c5 c6 c7 u1"; strings.Join(got, " ") != want {
		t.Errorf("%s → %s: records %s, want %s", from, to, strings.Join(got, " "), want)
	}
	if st, trace := taskState(t, second, name); st != "RUNNING" {
		t.Errorf("%s task after the migration: %s %s", to, st, firstLine(trace))
	}
}
