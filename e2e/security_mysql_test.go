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
