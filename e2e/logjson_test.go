//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// TestLogJSONOnly runs the reference pipeline's connectors (MySQL source,
// Elasticsearch and MongoDB sinks) with --log-json: every line the worker
// writes must be a JSON object, and the plugins' own lines must carry the
// worker's connector and task attributes (they log through the task's
// logger, not a global one).
func TestLogJSONOnly(t *testing.T) {
	prefix := fmt.Sprintf("lj%d", time.Now().UnixNano())
	topic := prefix + ".demo.CUSTOMERS"
	index := strings.ToLower(topic)
	t.Cleanup(func() { esDo(t, http.MethodDelete, "/"+index, "", nil) })
	cl := mongoClient(t, nil)
	db := mongoSinkDB(t, cl, "e2e_log_json")
	host, port, _ := strings.Cut(mariaDBAddr, ":")
	source := map[string]string{"name": "mysql-" + prefix, "connector.class": "io.debezium.connector.mysql.MySqlConnector",
		"database.hostname": host, "database.port": port, "database.user": "debezium", "database.password": "dbz",
		"database.server.id": "4343", "topic.prefix": prefix, "table.include.list": "demo.CUSTOMERS",
		"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false"}
	es := map[string]string{"name": "es-" + prefix, "connector.class": "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector",
		"topics": topic, "connection.url": esURL, "key.ignore": "true", "schema.ignore": "true"}
	mongo := map[string]string{"name": "mongo-" + prefix, "connector.class": "com.mongodb.kafka.connect.MongoSinkConnector",
		"topics": topic, "connection.uri": mongoURI, "database": db.Name(), "collection": "customers"}
	w := startWorker(t, sinkWorkerArgs(t, []string{"--log-json"}, source, es, mongo)...)
	esWaitCount(t, w, index, 20, 90*time.Second)
	waitDocs(t, w, db.Collection("customers"), bson.D{}, 20, 60*time.Second)
	w.stop(t, 20*time.Second)

	plugins := map[string]string{"MySqlConnector": source["name"], "ElasticsearchSinkConnector": es["name"]}
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(w.output()), "\n") {
		var entry map[string]any
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Fatalf("a line of --log-json output is not JSON: %q", line)
		}
		p, _ := entry["plugin"].(string)
		if want, ok := plugins[p]; ok {
			if entry["connector"] != want || entry["task"] == nil {
				t.Fatalf("%s logged without the worker's connector and task attributes: %q", p, line)
			}
			seen[p] = true
		}
	}
	for p := range plugins {
		if !seen[p] {
			t.Errorf("no line from %s in the worker's output", p)
		}
	}
}
