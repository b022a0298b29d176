//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// secureContainerEnv is the container environment of a distributed worker
// that reaches Kafka only through the SASL_SSL listener (SCRAM-SHA-512, a
// password with JAAS syntax in it, a PKCS12 truststore): the worker's own
// clients through CONNECT_*, the tasks' through CONNECT_PRODUCER_* and
// CONNECT_CONSUMER_*, topic creation through CONNECT_ADMIN_*.
//
// The REST API is HTTPS only (the test CA's localhost certificate) with
// Connect's basic-auth extension, its JAAS file named in KAFKA_OPTS.
func secureContainerEnv(group string, restPort int, jaasFile string) []string {
	env := []string{
		"CONNECT_BOOTSTRAP_SERVERS=" + saslSSLAddr,
		"CONNECT_REST_PORT=" + strconv.Itoa(restPort),
		"CONNECT_LISTENERS=https://127.0.0.1:" + strconv.Itoa(restPort),
		"CONNECT_LISTENERS_HTTPS_SSL_KEYSTORE_TYPE=PKCS12",
		"CONNECT_LISTENERS_HTTPS_SSL_KEYSTORE_LOCATION=" + secFile("broker.p12"),
		"CONNECT_LISTENERS_HTTPS_SSL_KEYSTORE_PASSWORD=broker-secret",
		"CONNECT_LISTENERS_HTTPS_SSL_TRUSTSTORE_TYPE=PEM",
		"CONNECT_LISTENERS_HTTPS_SSL_TRUSTSTORE_LOCATION=" + secFile("truststore.pem"),
		"CONNECT_REST_EXTENSION_CLASSES=org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension",
		"KAFKA_OPTS=-Djava.security.auth.login.config=" + jaasFile,
		"CONNECT_REST_ADVERTISED_HOST_NAME=127.0.0.1",
		"CONNECT_GROUP_ID=" + group,
		"CONNECT_CONFIG_STORAGE_TOPIC=" + group + "-configs",
		"CONNECT_OFFSET_STORAGE_TOPIC=" + group + "-offsets",
		"CONNECT_STATUS_STORAGE_TOPIC=" + group + "-status",
		"CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR=1",
		"CONNECT_OFFSET_STORAGE_REPLICATION_FACTOR=1",
		"CONNECT_STATUS_STORAGE_REPLICATION_FACTOR=1",
		"CONNECT_OFFSET_STORAGE_PARTITIONS=5",
		"CONNECT_STATUS_STORAGE_PARTITIONS=3",
		"CONNECT_KEY_CONVERTER=org.apache.kafka.connect.storage.StringConverter",
		"CONNECT_VALUE_CONVERTER=org.apache.kafka.connect.json.JsonConverter",
		"CONNECT_VALUE_CONVERTER_SCHEMAS_ENABLE=false",
		"CONNECT_SESSION_TIMEOUT_MS=" + strconv.FormatInt(distSessionTimeout.Milliseconds(), 10),
		"CONNECT_HEARTBEAT_INTERVAL_MS=1000",
		"CONNECT_SCHEDULED_REBALANCE_MAX_DELAY_MS=0",
		"CONNECT_OFFSET_FLUSH_INTERVAL_MS=500",
		"CONNECT_LOG4J_ROOT_LOGLEVEL=INFO",
		"CONNECT_PLUGIN_PATH=/usr/share/java,/usr/share/confluent-hub-components/,/usr/share/java/kafka/connect-file-4.1.1.jar",
	}
	security := map[string]string{
		"SECURITY_PROTOCOL":       "SASL_SSL",
		"SASL_MECHANISM":          "SCRAM-SHA-512",
		"SASL_JAAS_CONFIG":        jaasScram("scram-special", specialPassword),
		"SSL_TRUSTSTORE_TYPE":     "PKCS12",
		"SSL_TRUSTSTORE_LOCATION": secFile("truststore.p12"),
		"SSL_TRUSTSTORE_PASSWORD": truststorePassword,
	}
	for _, scope := range []string{"CONNECT_", "CONNECT_PRODUCER_", "CONNECT_CONSUMER_", "CONNECT_ADMIN_"} {
		for k, v := range security {
			env = append(env, scope+k+"="+v)
		}
	}
	return env
}

// envCluster is a set of distributed workers configured by environment
// only, as the container starts them, and a REST client with the CA and
// the basic credentials.
type envCluster struct {
	t       *testing.T
	group   string
	jaas    string
	rest    *http.Client
	workers map[string]*worker // by REST address
}

const restUser, restPassword = "connect-admin", "r3st-secret"

func newEnvCluster(t *testing.T) *envCluster {
	needSecuredKafka(t)
	dir := t.TempDir()
	creds := filepath.Join(dir, "rest-credentials.properties")
	writeFile(t, creds, restUser+": "+restPassword+"\n")
	jaas := filepath.Join(dir, "rest-jaas.conf")
	writeFile(t, jaas, "KafkaConnect {\n  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required\n  file=\""+creds+"\";\n};\n")
	return &envCluster{t: t, group: uniqueName(t, "secdist"), jaas: jaas, workers: map[string]*worker{},
		rest: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsTo(t, false)}}}
}

// do calls a worker's REST API over HTTPS, with the basic credentials
// unless anonymous.
func (c *envCluster) do(method, addr, path, body string, anonymous bool) (int, []byte) {
	req, err := http.NewRequest(method, "https://"+addr+path, strings.NewReader(body))
	if err != nil {
		return 0, nil
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if !anonymous {
		req.SetBasicAuth(restUser, restPassword)
	}
	resp, err := c.rest.Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// retry retries on 409 while a rebalance is under way.
func (c *envCluster) retry(method, addr, path, body string) (int, []byte) {
	c.t.Helper()
	var code int
	var b []byte
	waitUntil(c.t, 60*time.Second, method+" "+path+" answered without 409", func() bool {
		code, b = c.do(method, addr, path, body, false)
		return code != 409 && code != 0
	})
	return code, b
}

func (c *envCluster) status(addr, name string) (connStatus, bool) {
	var st connStatus
	code, b := c.do("GET", addr, "/connectors/"+name+"/status", "", false)
	return st, code == 200 && json.Unmarshal(b, &st) == nil
}

func (c *envCluster) allRunning(addr, name string, n int, avoid ...string) bool {
	st, ok := c.status(addr, name)
	return ok && unitsRunning(st, n, avoid...)
}

func (c *envCluster) start() string {
	c.t.Helper()
	port := freePort(c.t)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	w := &worker{done: make(chan error, 1)}
	w.cmd = exec.Command(binary, "distributed")
	w.cmd.Env = secureContainerEnv(c.group, port, c.jaas)
	w.cmd.Stdout, w.cmd.Stderr = w, w
	if err := w.cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	go func() { w.done <- w.cmd.Wait() }()
	c.t.Cleanup(func() {
		if w.cmd.ProcessState == nil {
			_ = w.cmd.Process.Kill()
			<-w.done
		}
		if c.t.Failed() {
			c.t.Logf("worker %s output:\n%s", addr, w.output())
		}
	})
	c.workers[addr] = w
	waitUntil(c.t, 60*time.Second, "worker "+addr+" answers GET /connectors", func() bool {
		select {
		case err := <-w.done:
			c.t.Fatalf("worker %s exited: %v\n%s", addr, err, w.output())
		default:
		}
		code, _ := c.do("GET", addr, "/connectors", "", false)
		return code == 200
	})
	return addr
}

// The capstone: the reference pipeline's core in distributed mode, three
// workers configured by the container's CONNECT_* environment against the
// SASL_SSL listener only (internal topics, group membership, task
// producers, a sink's consumer), their REST API over HTTPS with basic
// authentication (creates and stops forwarded between workers with the
// caller's credentials); one worker SIGKILLed during a datagen load; no
// rating lost, and the sink wrote every one.
func TestSecurityDistributedSASLSSLSurvivesSIGKILL(t *testing.T) {
	c := newEnvCluster(t)
	a, b, x := c.start(), c.start(), c.start()
	if code, body := c.do("GET", a, "/connectors", "", true); code != 401 {
		t.Fatalf("GET /connectors without credentials: %d %s, want 401", code, body)
	}
	name := "ratings"
	topic := uniqueName(t, "ratings")
	if code, body := c.retry("POST", b, "/connectors", ratingsConnector(name, topic, 6)); code != 201 {
		t.Fatalf("create through %s: %d %s", b, code, body)
	}
	sinkFile := filepath.Join(t.TempDir(), "ratings.txt")
	sinkName := uniqueName(t, "sink")
	sink := fmt.Sprintf(`{"name":%q,"config":{"connector.class":"FileStreamSink","topics":%q,"file":%q,"tasks.max":"1"}}`,
		sinkName, topic, sinkFile)
	if code, body := c.retry("POST", a, "/connectors", sink); code != 201 {
		t.Fatalf("create the sink through %s: %d %s", a, code, body)
	}
	waitUntil(t, 90*time.Second, "all tasks RUNNING, read through another worker", func() bool { return c.allRunning(a, name, 6) })
	// The kill must not land in the rebalance that places the sink's task:
	// a worker dying mid-rebalance is another case (see the notes).
	waitUntil(t, 60*time.Second, "the sink's task RUNNING", func() bool { return c.allRunning(b, sinkName, 1) })
	st, _ := c.status(x, name)
	if spread := workersOf(st); len(spread) != 3 {
		t.Fatalf("units on %d workers, want 3: %+v", len(spread), st)
	}
	time.Sleep(time.Second) // production time, not synchronisation
	if err := c.workers[x].cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-c.workers[x].done
	moved := waitUntil(t, 4*distSessionTimeout, "tasks of the killed worker RUNNING elsewhere", func() bool { return c.allRunning(a, name, 6, x) })
	t.Logf("SIGKILL to all 6 tasks RUNNING on the survivors over SASL_SSL: %s", moved.Round(100*time.Millisecond))
	time.Sleep(time.Second)
	// Through each survivor: whichever is not the leader forwards.
	for _, w := range []string{a, b} {
		if code, body := c.retry("PUT", w, "/connectors/"+name+"/stop", ""); code != 202 && code != 204 {
			t.Fatalf("stop through %s: %d %s", w, code, body)
		}
	}
	waitUntil(t, 30*time.Second, "connector STOPPED", func() bool {
		st, ok := c.status(b, name)
		return ok && st.Connector.State == "STOPPED" && len(st.Tasks) == 0
	})
	total, dups := checkSequences(t, sequences(t, topic), 6)
	if total < 100 {
		t.Fatalf("only %d ratings produced", total)
	}
	t.Logf("%d ratings over SASL_SSL, every one arrived; %d arrived twice", total, dups)
	// The sink's consumer (CONNECT_CONSUMER_*) read them all over SASL_SSL.
	waitUntil(t, 60*time.Second, "a line in the sink's file per record", func() bool {
		data, _ := os.ReadFile(sinkFile)
		return strings.Count(string(data), "\n") >= total+dups
	})
	for addr, w := range c.workers {
		if out := w.output(); strings.Contains(out, specialPassword) || strings.Contains(out, truststorePassword) || strings.Contains(out, restPassword) {
			t.Errorf("worker %s logged a secret", addr)
		}
	}
}

// A distributed worker whose own credentials the broker refuses does not
// start (it never joins a group with them), and says why, in time.
func TestSecurityDistributedWrongPasswordRefusedAtStart(t *testing.T) {
	c := newEnvCluster(t)
	env := secureContainerEnv(c.group, freePort(t), c.jaas)
	for i, kv := range env {
		if strings.HasPrefix(kv, "CONNECT_SASL_JAAS_CONFIG=") {
			env[i] = "CONNECT_SASL_JAAS_CONFIG=" + jaasScram("scram-special", "not-the-password")
		}
	}
	cmd := exec.Command(binary, "distributed")
	cmd.Env = env
	done := make(chan struct{})
	var out []byte
	var err error
	go func() { out, err = cmd.CombinedOutput(); close(done) }()
	select {
	case <-done:
	case <-time.After(failDeadline):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("a worker with a wrong password neither started nor stopped within %s:\n%s", failDeadline, out)
	}
	if err == nil {
		t.Fatalf("the worker exited cleanly with a wrong password:\n%s", out)
	}
	if !authRefused.Match(out) || strings.Contains(string(out), "not-the-password") {
		t.Fatalf("the refusal does not say why, or shows the password:\n%s", out)
	}
	t.Logf("refused: %s", lastLine(string(out), authRefused))
}
