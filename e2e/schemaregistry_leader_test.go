//go:build e2e

package e2e

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goconnect/goconnect/internal/testpki"
)

// srNode is one `goconnect schema-registry` process of a registry cluster.
type srNode struct {
	name string
	url  string
	cmd  *exec.Cmd
	mu   sync.Mutex
	log  bytes.Buffer
	user string // basic credentials "user:pass", if any
	// client calls the instance (its TLS settings for an https one).
	client *http.Client
}

func (n *srNode) Write(p []byte) (int, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.log.Write(p)
}

func (n *srNode) logText() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.log.String()
}

// startSRNode starts an instance with the given schema-registry.properties
// lines (listeners and host.name added) and waits until it serves.
func startSRNode(t *testing.T, name, props string, env ...string) *srNode {
	t.Helper()
	return startSRNodeWith(t, name, "http", &http.Client{Timeout: 60 * time.Second}, "", props, env...)
}

// startSRNodeWith starts an instance listening with scheme (http or
// https), called through client; extra listeners (",http://…") follow.
func startSRNodeWith(t *testing.T, name, scheme string, client *http.Client, extra, props string, env ...string) *srNode {
	t.Helper()
	port := freePort(t)
	n := &srNode{name: name, url: fmt.Sprintf("%s://127.0.0.1:%d", scheme, port), client: client}
	file := filepath.Join(t.TempDir(), name+".properties")
	props = fmt.Sprintf("listeners=%s%s\nhost.name=127.0.0.1\nkafkastore.bootstrap.servers=PLAINTEXT://%s\n%s", n.url, extra, kafkaAddr, props)
	if err := os.WriteFile(file, []byte(props), 0o600); err != nil {
		t.Fatal(err)
	}
	n.cmd = exec.Command(binary, "schema-registry", "--config", file)
	n.cmd.Stdout, n.cmd.Stderr = n, n
	n.cmd.Env = append(os.Environ(), env...)
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = n.cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = n.cmd.Process.Kill()
		<-exited
		if strings.Contains(n.logText(), "DATA RACE") {
			t.Errorf("%s: data race (GOCONNECT_E2E_RACE)", n.name)
		}
		if t.Failed() {
			t.Logf("%s (%s) log:\n%s", n.name, n.url, n.logText())
		}
	})
	deadline := time.Now().Add(90 * time.Second)
	for {
		resp, err := n.client.Get(n.url + "/schemas/types")
		if err == nil {
			resp.Body.Close()
			return n
		}
		select {
		case <-exited:
			t.Fatalf("%s exited: %s", name, n.logText())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not serving within 90 s: %v\n%s", name, err, n.logText())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// kill stops the process without leaving the group, as a crash does.
func (n *srNode) kill(t *testing.T) {
	t.Helper()
	if err := n.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
}

func (n *srNode) call(t *testing.T, method, path, body string) srResponse {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, n.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", srContentType)
	}
	if user, pass, ok := strings.Cut(n.user, ":"); ok {
		req.SetBasicAuth(user, pass)
	}
	resp, err := n.client.Do(req)
	if err != nil {
		return srResponse{status: 0, body: []byte(err.Error())}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return srResponse{status: resp.StatusCode, header: resp.Header, body: b}
}

const leaderLine = "this schema registry instance is the leader"

func recordSchema(name string) string {
	s, _ := json.Marshal(map[string]string{"schema": fmt.Sprintf(`{"type":"record","name":%q,"fields":[{"name":"f","type":"string"}]}`, name)})
	return string(s)
}

func registeredID(t *testing.T, r srResponse, what string) int {
	t.Helper()
	var out struct {
		ID int `json:"id"`
	}
	if r.status != 200 || json.Unmarshal(r.body, &out) != nil || out.ID <= 0 {
		t.Fatalf("%s: %s", what, r)
	}
	return out.ID
}

// Three instances on one _schemas topic: writes sent to any of them land
// once (the leader allocates ids and versions), reads agree everywhere,
// an instance with leader.eligibility=false forwards and never leads, and
// when the leader dies the other eligible instance takes over.
func TestSchemaRegistryLeaderElection(t *testing.T) {
	topic := uniqueName(t, "_schemas")
	group := uniqueName(t, "sr")
	common := fmt.Sprintf("kafkastore.topic=%s\nschema.registry.group.id=%s\n", topic, group)
	a := startSRNode(t, "a", common)
	b := startSRNode(t, "b", common)
	c := startSRNode(t, "c", common+"leader.eligibility=false\n")
	nodes := []*srNode{a, b, c}
	// Confluent's rule: the eligible member with the smallest URL leads.
	leader, other := a, b
	if b.url < a.url {
		leader, other = b, a
	}
	waitUntil(t, 60*time.Second, "the expected leader to lead", func() bool { return strings.Contains(leader.logText(), leaderLine) })

	// /v1/metadata/id names the group.
	var meta struct {
		Scope struct {
			Clusters map[string]string `json:"clusters"`
		} `json:"scope"`
	}
	if r := c.call(t, "GET", "/v1/metadata/id", ""); r.status != 200 || json.Unmarshal(r.body, &meta) != nil ||
		meta.Scope.Clusters["schema-registry-cluster"] != group || meta.Scope.Clusters["kafka-cluster"] == "" {
		t.Fatalf("/v1/metadata/id: %s", r)
	}

	// A config write through the ineligible instance is forwarded.
	waitUntil(t, 30*time.Second, "a config write through c", func() bool {
		return c.call(t, "PUT", "/config/shared", `{"compatibility":"NONE"}`).status == 200
	})
	for _, n := range nodes {
		waitUntil(t, 30*time.Second, "the config on "+n.name, func() bool {
			return strings.Contains(string(n.call(t, "GET", "/config/shared", "").body), `"NONE"`)
		})
	}

	// Twelve schemas into one subject, each sent at once to two instances.
	const count = 12
	ids := make([][2]int, count)
	var wg sync.WaitGroup
	var failMu sync.Mutex
	var fails []string
	for i := 0; i < count; i++ {
		for k := 0; k < 2; k++ {
			wg.Add(1)
			go func(i, k int) {
				defer wg.Done()
				n := nodes[(i+k)%3]
				r := n.call(t, "POST", "/subjects/shared/versions", recordSchema(fmt.Sprintf("r%d", i)))
				var out struct {
					ID int `json:"id"`
				}
				if r.status != 200 || json.Unmarshal(r.body, &out) != nil {
					failMu.Lock()
					fails = append(fails, fmt.Sprintf("schema %d via %s: %s", i, n.name, r))
					failMu.Unlock()
					return
				}
				ids[i][k] = out.ID
			}(i, k)
		}
	}
	wg.Wait()
	if len(fails) > 0 {
		t.Fatalf("registrations failed:\n%s", strings.Join(fails, "\n"))
	}
	seen := map[int]int{}
	for i, pair := range ids {
		if pair[0] != pair[1] {
			t.Errorf("schema %d got ids %d and %d", i, pair[0], pair[1])
		}
		if j, dup := seen[pair[0]]; dup {
			t.Errorf("schemas %d and %d share id %d", j, i, pair[0])
		}
		seen[pair[0]] = i
	}

	// Every instance holds versions 1..12, the same id and text for each.
	want := make([]int, count)
	for i := range want {
		want[i] = i + 1
	}
	var reference []string
	for _, n := range nodes {
		waitUntil(t, 30*time.Second, "12 versions on "+n.name, func() bool {
			var vs []int
			r := n.call(t, "GET", "/subjects/shared/versions", "")
			return r.status == 200 && json.Unmarshal(r.body, &vs) == nil && fmt.Sprint(vs) == fmt.Sprint(want)
		})
		var got []string
		for v := 1; v <= count; v++ {
			var out struct {
				ID     int    `json:"id"`
				Schema string `json:"schema"`
			}
			r := n.call(t, "GET", fmt.Sprintf("/subjects/shared/versions/%d", v), "")
			if r.status != 200 || json.Unmarshal(r.body, &out) != nil {
				t.Fatalf("%s version %d: %s", n.name, v, r)
			}
			got = append(got, fmt.Sprintf("%d %s", out.ID, out.Schema))
		}
		if reference == nil {
			reference = got
		} else if fmt.Sprint(got) != fmt.Sprint(reference) {
			t.Errorf("%s's versions differ from a's:\n%v\n%v", n.name, got, reference)
		}
	}

	// A follower reads its own forwarded write at once (it reads the
	// store up to the leader's write before answering).
	id := registeredID(t, c.call(t, "POST", "/subjects/mine/versions", recordSchema("mine")), "register through c")
	if r := c.call(t, "GET", "/subjects/mine/versions/latest", ""); r.status != 200 || !strings.Contains(string(r.body), fmt.Sprintf(`"id":%d`, id)) {
		t.Fatalf("read after a forwarded write on c: %s", r)
	}
	seen[id] = -1

	// The leader dies: the other eligible instance takes over (after the
	// group's session timeout) and writes work again, through both.
	leader.kill(t)
	waitUntil(t, 90*time.Second, "the other eligible instance to lead", func() bool { return strings.Contains(other.logText(), leaderLine) })
	var afterC, afterOther int
	waitUntil(t, 60*time.Second, "a write through c after the failover", func() bool {
		r := c.call(t, "POST", "/subjects/after-c/versions", recordSchema("afterC"))
		if r.status == 200 {
			afterC = registeredID(t, r, "after via c")
		}
		return r.status == 200
	})
	afterOther = registeredID(t, other.call(t, "POST", "/subjects/after-other/versions", recordSchema("afterOther")), "after via the new leader")
	for _, id := range []int{afterC, afterOther} {
		if _, dup := seen[id]; dup {
			t.Errorf("id %d after the failover was already taken", id)
		}
		seen[id] = -2
	}
	if afterC == afterOther {
		t.Errorf("two schemas after the failover share id %d", afterC)
	}
	for _, n := range []*srNode{other, c} {
		waitUntil(t, 30*time.Second, "the subjects written after the failover on "+n.name, func() bool {
			return strings.TrimSpace(string(n.call(t, "GET", "/subjects/after-c/versions", "").body)) == "[1]" &&
				strings.TrimSpace(string(n.call(t, "GET", "/subjects/after-other/versions", "").body)) == "[1]"
		})
	}
	if strings.Contains(c.logText(), leaderLine) {
		t.Errorf("c (leader.eligibility=false) led")
	}
	all := make([]int, 0, len(seen))
	for id := range seen {
		all = append(all, id)
	}
	sort.Ints(all)
	t.Logf("ids: %v", all)
}

// Writes forwarded by a follower keep the caller's basic credentials:
// both instances require them, so the leader's 200 needs the forwarded
// Authorization header. No eligible leader: 50004.
func TestSchemaRegistryForwardingBasicAuth(t *testing.T) {
	dir := t.TempDir()
	users := filepath.Join(dir, "users.properties")
	jaasFile := filepath.Join(dir, "jaas.conf")
	if err := os.WriteFile(users, []byte("alice: secret,admin\nbob: MD5:5ebe2294ecd0e0f08eab7690d2a6ee69,reader\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(jaasFile, []byte(fmt.Sprintf("SchemaRegistry-Props {\n  org.eclipse.jetty.jaas.spi.PropertyFileLoginModule required\n  file=%q\n  debug=\"false\";\n};\n", users)), 0o600); err != nil {
		t.Fatal(err)
	}
	env := "SCHEMA_REGISTRY_OPTS=-Djava.security.auth.login.config=" + jaasFile
	topic := uniqueName(t, "_schemas")
	group := uniqueName(t, "sr")
	props := fmt.Sprintf("kafkastore.topic=%s\nschema.registry.group.id=%s\nauthentication.method=BASIC\nauthentication.realm=SchemaRegistry-Props\nauthentication.roles=admin\n", topic, group)
	a := startSRNode(t, "a", props, env)
	b := startSRNode(t, "b", props, env)
	leader, follower := a, b
	if b.url < a.url {
		leader, follower = b, a
	}
	waitUntil(t, 60*time.Second, "a leader", func() bool { return strings.Contains(leader.logText(), leaderLine) })

	// Jetty's challenge; the registry's JsonErrorHandler writes a body for
	// GET and POST only.
	if r := follower.call(t, "POST", "/subjects/s/versions", recordSchema("x")); r.status != 401 || r.header.Get("WWW-Authenticate") != `basic realm="SchemaRegistry-Props"` ||
		strings.TrimSpace(string(r.body)) != `{"error_code":401,"message":"Unauthorized"}` {
		t.Fatalf("without credentials: %s %v", r, r.header)
	}
	if r := follower.call(t, "PUT", "/config", `{"compatibility":"NONE"}`); r.status != 401 || len(r.body) != 0 {
		t.Fatalf("PUT without credentials: %s", r)
	}
	follower.user = "bob:secret" // right password (MD5 in the file), role not admin
	if r := follower.call(t, "GET", "/subjects", ""); r.status != 403 || strings.TrimSpace(string(r.body)) != `{"error_code":403,"message":"!authorized"}` {
		t.Fatalf("bob lacks the admin role: %s", r)
	}
	follower.user, leader.user = "alice:secret", "alice:secret"
	// No leader known (a rebalance may still run) answers 50004 at once,
	// as Confluent's: poll until the follower forwards.
	var id int
	waitUntil(t, 30*time.Second, "a registration through the follower with credentials", func() bool {
		r := follower.call(t, "POST", "/subjects/s/versions", recordSchema("x"))
		if r.status == 200 {
			id = registeredID(t, r, "register through the follower with credentials")
			return true
		}
		if r.status != 500 || !strings.Contains(string(r.body), `"error_code":50004`) {
			t.Fatalf("register through the follower: %s", r)
		}
		return false
	})
	known := registeredID(t, follower.call(t, "POST", "/subjects/known/versions", recordSchema("known")), "register 'known' through the follower")
	if r := follower.call(t, "PUT", "/mode/s", `{"mode":"READONLY"}`); r.status != 200 {
		t.Fatalf("mode through the follower: %s", r)
	}
	waitUntil(t, 30*time.Second, "the leader to hold the schema and the mode", func() bool {
		return strings.Contains(string(leader.call(t, "GET", "/subjects/s/versions/1", "").body), fmt.Sprintf(`"id":%d`, id)) &&
			strings.Contains(string(leader.call(t, "GET", "/mode/s", "").body), "READONLY")
	})

	// An instance that may not lead, alone in its group: reads work,
	// writes answer Confluent's 50004 at once.
	lone := startSRNode(t, "lone", fmt.Sprintf("kafkastore.topic=%s\nschema.registry.group.id=%s\nleader.eligibility=false\n", topic, uniqueName(t, "lone")))
	waitUntil(t, 30*time.Second, "the lone instance to read the topic", func() bool {
		return strings.Contains(string(lone.call(t, "GET", "/subjects", "").body), `"known"`)
	})
	start := time.Now()
	r := lone.call(t, "POST", "/subjects/s2/versions", recordSchema("y"))
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the write with no leader was answered after %v, want at once", took)
	}
	if r.status != 500 || !strings.Contains(string(r.body), `"error_code":50004`) || !strings.Contains(string(r.body), "Leader not known.") {
		t.Fatalf("write with no leader: %s", r)
	}
	// A schema the subject holds is answered by a look-up, leader or not.
	if r := lone.call(t, "POST", "/subjects/known/versions", recordSchema("known")); r.status != 200 || !strings.Contains(string(r.body), fmt.Sprintf(`"id":%d`, known)) {
		t.Fatalf("re-registering a known schema with no leader: %s", r)
	}
}

// Two https instances (rest-utils' ssl.* key and trust stores, client
// certificates required) forward over TLS with inter.instance.protocol=
// https: the follower presents its key store to the leader and trusts it
// through its trust store. A follower whose trust store lacks the
// leader's CA answers Confluent's 50003.
func TestSchemaRegistryForwardingTLS(t *testing.T) {
	ca := testpki.NewCA(t, "registry-ca")
	ks := ca.Server("127.0.0.1", "localhost").KeyStore("PKCS12", "kspass")
	ts := ca.TrustStore("JKS", "tspass")
	other := testpki.NewCA(t, "other-ca").TrustStore("PKCS12", "tspass")
	tester := ca.Client("tester").TLS()
	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
		RootCAs: ca.Pool(), Certificates: []tls.Certificate{tester}}}}
	topic := uniqueName(t, "_schemas")
	group := uniqueName(t, "sr")
	common := fmt.Sprintf("kafkastore.topic=%s\nschema.registry.group.id=%s\ninter.instance.protocol=https\n"+
		"ssl.keystore.location=%s\nssl.keystore.password=kspass\nssl.keystore.type=PKCS12\nssl.key.password=kspass\n", topic, group, ks)
	trusted := fmt.Sprintf("ssl.truststore.location=%s\nssl.truststore.password=tspass\nssl.truststore.type=JKS\nssl.client.authentication=REQUIRED\n", ts)
	// Each also serves plain http on a second listener (Confluent serves
	// listeners side by side); the https one is their inter-instance URL.
	plainA, plainB := fmt.Sprintf("http://127.0.0.1:%d", freePort(t)), fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
	a := startSRNodeWith(t, "a", "https", client, ","+plainA, common+trusted)
	b := startSRNodeWith(t, "b", "https", client, ","+plainB, common+trusted)
	leader, follower := a, b
	if b.url < a.url {
		leader, follower = b, a
	}
	waitUntil(t, 60*time.Second, "a leader", func() bool { return strings.Contains(leader.logText(), leaderLine) })
	if !strings.Contains(leader.logText(), "url="+leader.url) {
		t.Errorf("the leader's identity is not its https URL %s", leader.url)
	}

	// Without a client certificate the listener refuses the handshake.
	plain := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool()}}}
	if resp, err := plain.Get(follower.url + "/subjects"); err == nil {
		resp.Body.Close()
		t.Fatalf("no client certificate: %s, want a refused handshake", resp.Status)
	}

	var id int
	waitUntil(t, 30*time.Second, "a registration through the https follower", func() bool {
		r := follower.call(t, "POST", "/subjects/tls/versions", recordSchema("tls"))
		if r.status == 200 {
			id = registeredID(t, r, "register through the follower")
			return true
		}
		if r.status != 500 || !strings.Contains(string(r.body), `"error_code":50004`) {
			t.Fatalf("register through the follower: %s", r)
		}
		return false
	})
	if r := leader.call(t, "GET", "/subjects/tls/versions/1", ""); r.status != 200 || !strings.Contains(string(r.body), fmt.Sprintf(`"id":%d`, id)) {
		t.Fatalf("the leader does not hold the forwarded schema: %s", r)
	}
	if r := follower.call(t, "PUT", "/config/tls", `{"compatibility":"NONE"}`); r.status != 200 {
		t.Fatalf("config through the follower: %s", r)
	}
	// Through the follower's plain listener: forwarded over https all the same.
	plainFollower := &srNode{name: follower.name + "-http", url: plainA, client: &http.Client{Timeout: 60 * time.Second}}
	if follower == b {
		plainFollower.url = plainB
	}
	id2 := registeredID(t, plainFollower.call(t, "POST", "/subjects/plain/versions", recordSchema("plain")), "register through the follower's http listener")
	if r := leader.call(t, "GET", "/subjects/plain/versions/1", ""); r.status != 200 || !strings.Contains(string(r.body), fmt.Sprintf(`"id":%d`, id2)) {
		t.Fatalf("the leader does not hold the schema forwarded from the http listener: %s", r)
	}

	// A follower that does not trust the leader's certificate: 50003.
	c := startSRNodeWith(t, "c", "https", client, "", common+fmt.Sprintf("ssl.truststore.location=%s\nssl.truststore.password=tspass\nleader.eligibility=false\n", other))
	var r srResponse
	waitUntil(t, 30*time.Second, "c to know the leader", func() bool {
		r = c.call(t, "POST", "/subjects/tls2/versions", recordSchema("tls2"))
		return !strings.Contains(string(r.body), `"error_code":50004`)
	})
	if r.status != 500 || strings.TrimSpace(string(r.body)) != `{"error_code":50003,"message":"Error while forwarding register schema request to the leader"}` {
		t.Fatalf("forwarding to an untrusted leader: %s", r)
	}
	waitUntil(t, 10*time.Second, "c's log to name the certificate failure", func() bool {
		return strings.Contains(c.logText(), "certificate signed by unknown authority")
	})
}

// The group settings reach the broker: a session timeout below the
// broker's group.min.session.timeout.ms stops the start with the broker's
// error once kafkastore.init.timeout.ms is over; with
// leader.election.delay=true an instance serves before it joins, and with
// kafkagroup.session.timeout.ms=6000 a SIGKILLed leader is replaced.
func TestSchemaRegistryGroupSettings(t *testing.T) {
	topic := uniqueName(t, "_schemas")
	group := uniqueName(t, "sr")
	file := filepath.Join(t.TempDir(), "bad.properties")
	props := fmt.Sprintf("listeners=http://127.0.0.1:%d\nhost.name=127.0.0.1\nkafkastore.bootstrap.servers=%s\nkafkastore.topic=%s\n"+
		"schema.registry.group.id=%s\nkafkagroup.session.timeout.ms=1000\nkafkagroup.heartbeat.interval.ms=300\nkafkastore.init.timeout.ms=5000\n",
		freePort(t), kafkaAddr, topic, uniqueName(t, "bad"))
	if err := os.WriteFile(file, []byte(props), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "schema-registry", "--config", file)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		if err == nil || !strings.Contains(out.String(), "within kafkastore.init.timeout.ms (5s)") || !strings.Contains(out.String(), "INVALID_SESSION_TIMEOUT") {
			t.Fatalf("a session timeout the broker refuses: exit %v\n%s", err, out.String())
		}
	case <-time.After(90 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
		t.Fatalf("still running with a session timeout the broker refuses:\n%s", out.String())
	}

	common := fmt.Sprintf("kafkastore.topic=%s\nschema.registry.group.id=%s\nkafkagroup.session.timeout.ms=6000\nkafkagroup.heartbeat.interval.ms=1000\nleader.election.delay=true\n", topic, group)
	a := startSRNode(t, "a", common)
	b := startSRNode(t, "b", common)
	leader, other := a, b
	if b.url < a.url {
		leader, other = b, a
	}
	waitUntil(t, 60*time.Second, "the expected leader to lead", func() bool { return strings.Contains(leader.logText(), leaderLine) })
	for _, n := range []*srNode{a, b} {
		waitUntil(t, 60*time.Second, n.name+" to join", func() bool { return strings.Contains(n.logText(), "joined the schema registry group") })
		log := n.logText()
		started, joined := strings.Index(log, "schema registry started"), strings.Index(log, "joined the schema registry group")
		if started < 0 || joined < 0 || started > joined {
			t.Errorf("%s with leader.election.delay=true did not serve before joining:\n%s", n.name, log)
		}
	}
	registeredID(t, pollWrite(t, other, "/subjects/g/versions", recordSchema("g")), "register through the follower")
	// other may have led alone before leader joined: wait for a new line.
	before := strings.Count(other.logText(), leaderLine)
	leader.kill(t)
	took := waitUntil(t, 60*time.Second, "the other instance to lead", func() bool { return strings.Count(other.logText(), leaderLine) > before })
	t.Logf("failover with a 6 s session timeout: %v", took)
	registeredID(t, pollWrite(t, other, "/subjects/g2/versions", recordSchema("g2")), "register through the new leader")
}

// pollWrite repeats a POST while it answers 50004 (no leader known yet).
func pollWrite(t *testing.T, n *srNode, path, body string) srResponse {
	t.Helper()
	var r srResponse
	waitUntil(t, 30*time.Second, "a write through "+n.name, func() bool {
		r = n.call(t, "POST", path, body)
		return r.status != 500 || !strings.Contains(string(r.body), `"error_code":50004`)
	})
	return r
}
