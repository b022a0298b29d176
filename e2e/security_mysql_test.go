//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// Debezium's MySQL source over SASL_SSL: its records through the task's
// producer. settings, its schema history through
// schema.history.internal.producer.* and, after a restart, read back
// through schema.history.internal.consumer.*, with streaming going on.
func TestSecurityMySQLCDCSchemaHistoryOverSASLSSL(t *testing.T) {
	db := mysqlAdmin(t)
	mysqlExec(t, db, "DELETE FROM CUSTOMERS WHERE id IN (45, 46)")
	t.Cleanup(func() { _, _ = db.Execute("DELETE FROM CUSTOMERS WHERE id IN (45, 46)") })
	prefix := fmt.Sprintf("secdbz%d", time.Now().UnixNano())
	topic := prefix + ".demo.CUSTOMERS"
	history := "dbhistory." + prefix
	host, port, _ := strings.Cut(mariaDBAddr, ":")
	settings := saslSSLSettings("SCRAM-SHA-512", jaasScram("scram-special", specialPassword))
	cfg := map[string]string{
		"connector.class":   "io.debezium.connector.mysql.MySqlConnector",
		"database.hostname": host, "database.port": port, "database.user": "debezium", "database.password": "dbz",
		"database.server.id": fmt.Sprint(5000 + time.Now().UnixNano()%1000), "topic.prefix": prefix,
		"table.include.list": "demo.CUSTOMERS", "include.schema.changes": "false",
		"schema.history.internal.kafka.bootstrap.servers": saslSSLAddr,
		"schema.history.internal.kafka.topic":             history,
		"transforms":                                      "unwrap,extractkey",
		"transforms.unwrap.type":                          "io.debezium.transforms.ExtractNewRecordState",
		"transforms.unwrap.drop.tombstones":               "false",
		"transforms.extractkey.type":                      "org.apache.kafka.connect.transforms.ExtractField$Key",
		"transforms.extractkey.field":                     "id",
	}
	for _, s := range settings {
		cfg["schema.history.internal.producer."+s.key] = s.value
		cfg["schema.history.internal.consumer."+s.key] = s.value
	}
	body, err := json.Marshal(map[string]any{"name": "mysql-sasl-ssl", "config": cfg})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	start := func() *worker {
		w, _ := standaloneWorkerIn(t, dir, saslSSLAddr, scoped(settings), string(body))
		return w
	}
	w := start()
	if snap := readTopic(t, topic, 20); len(snap) != 20 {
		t.Fatalf("snapshot produced %d records, want the 20 CUSTOMERS rows", len(snap))
	}
	if h := readTopic(t, history, 1); len(h) == 0 {
		t.Fatal("nothing in the schema history topic")
	}
	mysqlExec(t, db, "INSERT INTO CUSTOMERS (id, first_name, last_name) VALUES (45, 'Rick', 'Astley')")
	all := readTopic(t, topic, 21)
	checkCustomer(t, all[20], topic, 45, map[string]any{"first_name": "Rick"})
	w.stop(t, 20*time.Second)

	// A change while stopped and one after: the restarted task, which
	// reads the schema history back over SASL_SSL, emits each once.
	mysqlExec(t, db, "INSERT INTO CUSTOMERS (id, first_name, last_name) VALUES (46, 'Astley', 'Rick')")
	w = start()
	mysqlExec(t, db, "DELETE FROM CUSTOMERS WHERE id = 45")
	all = readTopic(t, topic, 23)
	if len(all) != 23 {
		t.Fatalf("topic has %d records after the restart, want 23: records re-emitted or lost", len(all))
	}
	checkCustomer(t, all[21], topic, 46, map[string]any{"first_name": "Astley"})
	checkCustomer(t, all[22], topic, 45, nil) // the delete's tombstone
	if out := w.output(); strings.Contains(out, "level=ERROR") {
		t.Fatalf("the restarted worker logged an error:\n%s", out)
	}
	w.stop(t, 20*time.Second)
}

// The Kafka signal channel over SASL_SSL with signal.consumer.* (the
// worker's settings are not inherited): a blocking snapshot signal read
// from the secured listener snapshots CUSTOMERS again; with a wrong
// password in signal.consumer.* the task fails naming the authentication
// failure instead of streaming without its signals.
func TestSecurityMySQLSignalsOverSASLSSL(t *testing.T) {
	host, port, _ := strings.Cut(mariaDBAddr, ":")
	settings := saslSSLSettings("SCRAM-SHA-512", jaasScram("scram-special", specialPassword))
	for _, wrong := range []bool{false, true} {
		prefix := fmt.Sprintf("secsig%d", time.Now().UnixNano())
		topic := prefix + ".demo.CUSTOMERS"
		cfg := map[string]string{
			"connector.class":   "io.debezium.connector.mysql.MySqlConnector",
			"database.hostname": host, "database.port": port, "database.user": "debezium", "database.password": "dbz",
			"database.server.id": fmt.Sprint(5000 + time.Now().UnixNano()%1000), "topic.prefix": prefix,
			"table.include.list": "demo.CUSTOMERS", "include.schema.changes": "false",
			"signal.enabled.channels":                     "source,kafka",
			"signal.kafka.bootstrap.servers":              saslSSLAddr,
			"signal.kafka.consumer.offset.commit.enabled": "true",
			"signal.kafka.groupId":                        prefix,
		}
		for _, s := range settings {
			cfg["signal.consumer."+s.key] = s.value
		}
		if wrong {
			cfg["signal.consumer.sasl.jaas.config"] = jaasScram("scram-special", "not-the-password")
		}
		body, err := json.Marshal(map[string]any{"name": "mysql-signals-sasl-ssl", "config": cfg})
		if err != nil {
			t.Fatal(err)
		}
		w, _ := standaloneWorkerIn(t, t.TempDir(), saslSSLAddr, scoped(settings), string(body))
		rest := restURL(t, w)
		if wrong {
			waitTaskState(t, rest, "mysql-signals-sasl-ssl", "FAILED", 60*time.Second)
			if _, trace := taskState(t, rest, "mysql-signals-sasl-ssl"); !strings.Contains(trace, "signal") || !strings.Contains(strings.ToLower(trace), "auth") {
				t.Fatalf("the failed task's trace does not name the signal consumer's authentication failure: %s", trace)
			}
			w.stop(t, 20*time.Second)
			continue
		}
		if snap := readTopic(t, topic, 20); len(snap) != 20 {
			t.Fatalf("snapshot produced %d records, want the 20 CUSTOMERS rows", len(snap))
		}
		// Written on the plaintext listener of the same cluster.
		produceSignal(t, prefix+"-signal", prefix, `{"id":"sec-1","type":"execute-snapshot","data":{"type":"blocking","data-collections":["demo.CUSTOMERS"]}}`)
		all := readTopic(t, topic, 40)
		if len(all) != 40 {
			t.Fatalf("topic has %d records, want 20 more from the blocking snapshot", len(all))
		}
		for _, r := range all[20:] {
			if !strings.Contains(string(r.Value), `"op":"r"`) {
				t.Fatalf("not a snapshot record: %s", r.Value)
			}
		}
		w.stop(t, 20*time.Second)
	}
}
