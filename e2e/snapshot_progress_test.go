//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestMySQLSnapshotProgress runs the MySQL source through the worker and
// follows its snapshot in /metrics (Debezium's snapshot metrics: tables
// total and remaining, rows scanned and estimated per table, completed)
// and in the log (estimates, then each table done with its count).
func TestMySQLSnapshotProgress(t *testing.T) {
	dir := t.TempDir()
	port := freePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	writeFile(t, filepath.Join(dir, "worker.properties"), fmt.Sprintf(`bootstrap.servers=%s
key.converter=org.apache.kafka.connect.json.JsonConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
offset.storage.file.filename=%s
listeners=%s
`, kafkaAddr, filepath.Join(dir, "offsets"), base))
	name := fmt.Sprintf("progress%d", time.Now().UnixNano())
	host, mport, _ := strings.Cut(mariaDBAddr, ":")
	cfg := map[string]string{"connector.class": "io.debezium.connector.mysql.MySqlConnector",
		"database.hostname": host, "database.port": mport, "database.user": "debezium", "database.password": "dbz",
		"database.server.id": "4545", "topic.prefix": name, "table.include.list": "demo.CUSTOMERS"}
	b, err := json.Marshal(map[string]any{"name": name, "config": cfg})
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "mysql.json"), string(b))
	w := startWorker(t, "standalone", filepath.Join(dir, "worker.properties"), filepath.Join(dir, "mysql.json"))

	series := func(metric, labels string) *regexp.Regexp {
		return regexp.MustCompile(`(?m)^kafka_connect_snapshot_` + metric + `\{connector="` + name + `"` + labels + `,task="0"\} (\S+)$`)
	}
	var metrics string
	waitUntil(t, 60*time.Second, "the snapshot completed in /metrics", func() bool {
		_, body := httpDo("GET", base+"/metrics", "")
		metrics = string(body)
		m := series("completed", "").FindStringSubmatch(metrics)
		return m != nil && m[1] == "1"
	})
	for _, c := range []struct{ metric, labels, want string }{
		{"running", "", "0"}, {"aborted", "", "0"}, {"total_table_count", "", "1"}, {"remaining_table_count", "", "0"},
		{"rows_scanned", `,table="demo.CUSTOMERS"`, "20"},
	} {
		m := series(c.metric, c.labels).FindStringSubmatch(metrics)
		if m == nil || m[1] != c.want {
			t.Errorf("kafka_connect_snapshot_%s%s = %v, want %s", c.metric, c.labels, m, c.want)
		}
	}
	if m := series("rows_estimated", `,table="demo.CUSTOMERS"`).FindStringSubmatch(metrics); m == nil || m[1] == "-1" {
		t.Errorf("no row estimate for demo.CUSTOMERS: %v", m)
	}
	out := w.output()
	if !regexp.MustCompile(`msg="estimated row count".*table=demo.CUSTOMERS rows=\d+`).MatchString(out) ||
		!regexp.MustCompile(`msg="snapshot of table done".*table=demo.CUSTOMERS rows=20 tables_done=1 tables=1`).MatchString(out) {
		t.Errorf("snapshot progress lines missing:\n%s", out)
	}
	w.stop(t, 20*time.Second)
}
