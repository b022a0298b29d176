//go:build e2e

package e2e

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goconnect/goconnect/internal/testkit"
)

// TestContainerSecuredRESTTwoWorkers: two workers configured from the
// container's environment alone serve HTTPS only (client certificates
// required) with basic authentication read from the JAAS file KAFKA_OPTS
// names. The healthcheck passes with its GOCONNECT_REST_* settings, a
// create sent to either worker is forwarded to the leader with the
// caller's credentials, the tasks run (their configs reached the leader
// signed), and an unsigned internal request is refused.
func TestContainerSecuredRESTTwoWorkers(t *testing.T) {
	p := testkit.NewPKI(t)
	dir := t.TempDir()
	creds := filepath.Join(dir, "credentials.properties")
	writeFile(t, creds, "admin: adm1n\n")
	jaas := filepath.Join(dir, "rest-jaas.conf")
	writeFile(t, jaas, "KafkaConnect {\n  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required\n  file=\""+creds+"\";\n};\n")
	group := uniqueName(t, "secrest")
	env := func(port int) []string {
		return []string{
			"CONNECT_BOOTSTRAP_SERVERS=" + kafkaAddr,
			"CONNECT_GROUP_ID=" + group,
			"CONNECT_CONFIG_STORAGE_TOPIC=" + group + "-configs",
			"CONNECT_OFFSET_STORAGE_TOPIC=" + group + "-offsets",
			"CONNECT_STATUS_STORAGE_TOPIC=" + group + "-status",
			"CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR=1",
			"CONNECT_OFFSET_STORAGE_REPLICATION_FACTOR=1",
			"CONNECT_STATUS_STORAGE_REPLICATION_FACTOR=1",
			"CONNECT_KEY_CONVERTER=org.apache.kafka.connect.storage.StringConverter",
			"CONNECT_VALUE_CONVERTER=org.apache.kafka.connect.json.JsonConverter",
			"CONNECT_REST_ADVERTISED_HOST_NAME=127.0.0.1",
			"CONNECT_LISTENERS=https://127.0.0.1:" + strconv.Itoa(port),
			"CONNECT_LISTENERS_HTTPS_SSL_KEYSTORE_TYPE=PKCS12",
			"CONNECT_LISTENERS_HTTPS_SSL_KEYSTORE_LOCATION=" + p.ServerP12,
			"CONNECT_LISTENERS_HTTPS_SSL_KEYSTORE_PASSWORD=" + p.Password,
			"CONNECT_LISTENERS_HTTPS_SSL_TRUSTSTORE_TYPE=PEM",
			"CONNECT_LISTENERS_HTTPS_SSL_TRUSTSTORE_LOCATION=" + p.CAFile,
			"CONNECT_LISTENERS_HTTPS_SSL_CLIENT_AUTH=required",
			"CONNECT_REST_EXTENSION_CLASSES=org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension",
			"CONNECT_SESSION_TIMEOUT_MS=6000",
			"CONNECT_HEARTBEAT_INTERVAL_MS=1000",
			"CONNECT_SCHEDULED_REBALANCE_MAX_DELAY_MS=0",
			"KAFKA_OPTS=-Djava.security.auth.login.config=" + jaas,
		}
	}
	healthEnv := []string{"GOCONNECT_REST_USER=admin:adm1n", "GOCONNECT_REST_CA_FILE=" + p.CAFile,
		"GOCONNECT_REST_CERT_FILE=" + p.ClientCert, "GOCONNECT_REST_KEY_FILE=" + p.ClientKey}
	var urls []string
	for range 2 {
		port := freePort(t)
		w := &worker{done: make(chan error, 1)}
		w.cmd = exec.Command(binary, "distributed")
		w.cmd.Env = env(port)
		w.cmd.Stdout, w.cmd.Stderr = w, w
		if err := w.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { w.done <- w.cmd.Wait() }()
		t.Cleanup(func() {
			if w.cmd.ProcessState == nil {
				_ = w.cmd.Process.Kill()
				<-w.done
			}
			if t.Failed() {
				t.Logf("worker output:\n%s", w.output())
			}
		})
		// The image's healthcheck, configured from the environment only.
		waitUntil(t, 60*time.Second, "healthcheck passes on :"+strconv.Itoa(port), func() bool {
			hc := exec.Command(binary, "healthcheck")
			hc.Env = append(env(port), healthEnv...)
			return hc.Run() == nil
		})
		hc := exec.Command(binary, "healthcheck")
		hc.Env = env(port)
		if out, err := hc.CombinedOutput(); err == nil {
			t.Fatalf("healthcheck without credentials or certificate passed: %s", out)
		}
		urls = append(urls, "https://127.0.0.1:"+strconv.Itoa(port))
	}

	ca, _ := os.ReadFile(p.CAFile)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	pair, err := tls.LoadX509KeyPair(p.ClientCert, p.ClientKey)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{pair}}}}
	call := func(method, url, body string, auth bool, hdr ...string) (int, string) {
		req, _ := http.NewRequest(method, url, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if auth {
			req.SetBasicAuth("admin", "adm1n")
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := call("GET", urls[0]+"/connectors", "", false); code != 401 || body != "User cannot access the resource." {
		t.Fatalf("without credentials: %d %s", code, body)
	}
	name := uniqueName(t, "secured-ratings")
	create := `{"name":"` + name + `","config":{"connector.class":"io.confluent.kafka.connect.datagen.DatagenConnector","kafka.topic":"` + name +
		`","quickstart":"ratings","tasks.max":"2","max.interval":"50"}}`
	// Each worker accepts the create (the follower forwards it); retry
	// 409s while the two workers settle their first rebalance.
	for i, u := range urls {
		n := name + "-" + strconv.Itoa(i)
		body := strings.Replace(create, `"name":"`+name+`"`, `"name":"`+n+`"`, 1)
		var code int
		var resp string
		waitUntil(t, 60*time.Second, "create through worker "+strconv.Itoa(i), func() bool {
			code, resp = call("POST", u+"/connectors", body, true)
			return code != 409 && code != 0
		})
		if code != 201 {
			t.Fatalf("create through %s: %d %s", u, code, resp)
		}
		waitUntil(t, 60*time.Second, n+" with 2 tasks RUNNING, seen from both workers", func() bool {
			for _, v := range urls {
				code, st := call("GET", v+"/connectors/"+n+"/status", "", true)
				if code != 200 || strings.Count(st, `"state":"RUNNING"`) != 3 {
					return false
				}
			}
			return true
		})
	}
	// The web console: behind the same TLS and authentication, and each
	// worker's overview carries the tasks of both, the other worker's
	// metrics fetched over https with the caller's credentials.
	for _, u := range urls {
		if code, body := call("GET", u+"/ui/", "", false); code != 401 {
			t.Fatalf("GET %s/ui/ without credentials: %d %s", u, code, body)
		}
		if code, body := call("GET", u+"/ui/", "", true); code != 200 || !strings.Contains(body, `<script src="app.js">`) {
			t.Fatalf("GET %s/ui/: %d %s", u, code, body)
		}
		if code, body := call("GET", u+"/ui/api/overview", "", false); code != 401 {
			t.Fatalf("GET %s/ui/api/overview without credentials: %d %s", u, code, body)
		}
		var ov struct {
			Connectors map[string]any `json:"connectors"`
			Metrics    struct {
				Tasks []struct {
					Connector, Worker string
					Records           float64
				} `json:"tasks"`
				Unreachable map[string]string `json:"unreachable"`
			} `json:"metrics"`
		}
		var workers map[string]bool
		var last string
		defer func() {
			if t.Failed() {
				t.Logf("last overview from %s: %.2000s", u, last)
			}
		}()
		waitUntil(t, 60*time.Second, "the console of "+u+" shows both connectors and both workers' counting tasks", func() bool {
			code, body := call("GET", u+"/ui/api/overview", "", true)
			last = body
			ov.Connectors, ov.Metrics.Tasks, ov.Metrics.Unreachable = nil, nil, nil
			if code != 200 || json.Unmarshal([]byte(body), &ov) != nil {
				return false
			}
			workers = map[string]bool{}
			for _, tm := range ov.Metrics.Tasks {
				if strings.HasPrefix(tm.Connector, name) && tm.Records > 0 {
					workers[tm.Worker] = true
				}
			}
			return len(ov.Connectors) >= 2 && len(workers) == 2 && len(ov.Metrics.Unreachable) == 0
		})
	}

	// Internal requests: no basic credentials needed, but a signature is.
	for _, u := range urls {
		code, body := call("POST", u+"/connectors/"+name+"-0/tasks", `[]`, false)
		if code != 400 || body != `{"error_code":400,"message":"Internal request missing required signature"}` {
			t.Fatalf("unsigned internal request to %s: %d %s", u, code, body)
		}
		code, body = call("POST", u+"/connectors/"+name+"-0/tasks", `[]`, false,
			"X-Connect-Authorization", "c2lnbmF0dXJl", "X-Connect-Request-Signature-Algorithm", "HmacSHA256")
		if code != 403 || body != `{"error_code":403,"message":"Internal request contained invalid signature."}` {
			t.Fatalf("badly signed internal request to %s: %d %s", u, code, body)
		}
	}
}
