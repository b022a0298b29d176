//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goconnect/goconnect/internal/testkit"
	"github.com/goconnect/goconnect/internal/testpki"
)

// mariaDBTLSDir is where scripts/services/mariadb.sh keeps its CA.
func mariaDBTLSDir(t *testing.T) string {
	t.Helper()
	return testkit.ServiceTLSDir(t, "mariadb-tls", "mariadb")
}

// TestMySQLSourceTLS runs the CDC source in a worker over TLS as a user
// that MariaDB only lets in over TLS (verify_identity against localhost),
// refuses a connector whose trust store cannot be opened (400 naming the
// key), and puts one that does not trust the server's CA in FAILED with
// the reason.
func TestMySQLSourceTLS(t *testing.T) {
	ca := filepath.Join(mariaDBTLSDir(t), "ca.pem")
	trust := testpki.TrustStoreFromPEM(t, ca, "PKCS12", "changeit")
	foreign := testpki.NewCA(t, "not MariaDB's CA").TrustStore("JKS", "changeit")
	_, port, _ := strings.Cut(mariaDBAddr, ":")
	prefix := fmt.Sprintf("tls%d", time.Now().UnixNano())
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "worker.properties"), fmt.Sprintf(`bootstrap.servers=%s
key.converter=org.apache.kafka.connect.json.JsonConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
offset.storage.file.filename=%s
listeners=http://127.0.0.1:0
`, kafkaAddr, filepath.Join(dir, "connect.offsets")))
	w := startWorker(t, "standalone", filepath.Join(dir, "worker.properties"))
	rest := restURL(t, w)
	create := func(name, truststore, password string) (int, string) {
		t.Helper()
		cfg := map[string]string{
			"connector.class":   "io.debezium.connector.mysql.MySqlConnector",
			"database.hostname": "localhost", "database.port": port, "database.user": "debezium_tls", "database.password": "dbz",
			"database.server.id": "4245", "topic.prefix": prefix + name, "table.include.list": "demo.CUSTOMERS",
			"include.schema.changes": "false", "database.ssl.mode": "verify_identity",
			"database.ssl.truststore": truststore, "database.ssl.truststore.password": password,
		}
		b, _ := json.Marshal(map[string]any{"name": name, "config": cfg})
		resp, err := http.Post(rest+"/connectors", "application/json", strings.NewReader(string(b)))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, body := create("badpass", trust, "wrong"); code != http.StatusBadRequest || !strings.Contains(body, "database.ssl.truststore.password") {
		t.Fatalf("a trust store with a wrong password: %d %s", code, body)
	}
	if code, body := create("ok", trust, "changeit"); code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, body)
	}
	if code, body := create("untrusted", foreign, "changeit"); code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, body)
	}
	if recs := readTopic(t, prefix+"ok.demo.CUSTOMERS", 20); len(recs) < 20 {
		t.Fatalf("%d snapshot records over TLS, want 20", len(recs))
	}
	waitTaskState(t, rest, "untrusted", "FAILED", 60*time.Second)
	_, trace := taskState(t, rest, "untrusted")
	for _, want := range []string{"certificate signed by unknown authority", "database.ssl.truststore"} {
		if !strings.Contains(trace, want) {
			t.Fatalf("FAILED trace lacks %q:\n%s", want, trace)
		}
	}
	if state, _ := taskState(t, rest, "ok"); state != "RUNNING" {
		t.Fatalf("the TLS source is %s", state)
	}
}
