//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// cluster is a set of distributed workers sharing one group and topics.
type cluster struct {
	t       *testing.T
	dir     string
	group   string
	props   string
	workers map[string]*worker // by REST address
}

const (
	distSessionTimeout = 6 * time.Second
)

func newCluster(t *testing.T, extra string) *cluster {
	g := uniqueName(t, "dist")
	props := fmt.Sprintf(`bootstrap.servers=%s
group.id=%s
config.storage.topic=%s-configs
offset.storage.topic=%s-offsets
status.storage.topic=%s-status
config.storage.replication.factor=1
offset.storage.replication.factor=1
status.storage.replication.factor=1
offset.storage.partitions=5
status.storage.partitions=3
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=false
session.timeout.ms=%d
heartbeat.interval.ms=1000
scheduled.rebalance.max.delay.ms=0
offset.flush.interval.ms=500
rest.advertised.host.name=127.0.0.1
# the file connectors are off unless plugin.path names them (tests use FileStreamSink)
plugin.path=/usr/share/java,/usr/share/filestream-connectors
%s`, kafkaAddr, g, g, g, g, distSessionTimeout.Milliseconds(), extra)
	return &cluster{t: t, dir: t.TempDir(), group: g, props: props, workers: map[string]*worker{}}
}

// start runs a worker on addr ("" picks a free port) and returns its address.
func (c *cluster) start(addr string) string {
	c.t.Helper()
	if addr == "" {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			c.t.Fatal(err)
		}
		addr = ln.Addr().String()
		ln.Close()
	}
	path := filepath.Join(c.dir, strings.ReplaceAll(addr, ":", "_")+".properties")
	writeFile(c.t, path, c.props+"\nlisteners=http://"+addr+"\n")
	w := startWorker(c.t, "distributed", path)
	c.workers[addr] = w
	waitUntil(c.t, 30*time.Second, "worker "+addr+" answers GET /connectors", func() bool {
		code, _ := httpDo("GET", "http://"+addr+"/connectors", "")
		return code == 200
	})
	return addr
}

// httpRetry retries on 409, as Connect's clients (ksqlDB, kcctl) do while
// a rebalance is under way.
func httpRetry(t *testing.T, method, url, body string) (int, []byte) {
	t.Helper()
	var code int
	var b []byte
	waitUntil(t, 60*time.Second, method+" "+url+" answered without 409", func() bool {
		code, b = httpDo(method, url, body)
		return code != 409 && code != 0
	})
	return code, b
}

// httpNoRebalance409 sends a request once and fails the test on a 409
// about a rebalance: a write made while the cluster rebalances (such as
// right after a change) waits for it, as Connect's herder queues it.
func httpNoRebalance409(t *testing.T, method, url, body string) (int, []byte) {
	t.Helper()
	code, b := httpDo(method, url, body)
	if code == 409 && strings.Contains(string(b), "rebalance") {
		t.Fatalf("%s %s answered %d %s", method, url, code, b)
	}
	return code, b
}

func httpDo(method, url, body string) (int, []byte) {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return 0, nil
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	cl := &http.Client{Timeout: 30 * time.Second}
	resp, err := cl.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > d {
			t.Fatalf("%s: not within %s", what, d)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return time.Since(start)
}

type connStatus struct {
	Connector struct {
		State    string `json:"state"`
		WorkerID string `json:"worker_id"`
	} `json:"connector"`
	Tasks []struct {
		ID       int    `json:"id"`
		State    string `json:"state"`
		WorkerID string `json:"worker_id"`
		Trace    string `json:"trace"`
	} `json:"tasks"`
}

func status(addr, name string) (connStatus, bool) {
	var st connStatus
	code, b := httpDo("GET", "http://"+addr+"/connectors/"+name+"/status", "")
	if code != 200 || json.Unmarshal(b, &st) != nil {
		return st, false
	}
	return st, true
}

// allRunning tells whether the connector and its n tasks run, none on
// the workers in avoid.
func allRunning(addr, name string, n int, avoid ...string) bool {
	st, ok := status(addr, name)
	return ok && unitsRunning(st, n, avoid...)
}

// unitsRunning tells whether a status shows the connector and its n tasks
// running, none on the workers in avoid.
func unitsRunning(st connStatus, n int, avoid ...string) bool {
	if st.Connector.State != "RUNNING" || len(st.Tasks) != n {
		return false
	}
	for _, a := range avoid {
		if st.Connector.WorkerID == a {
			return false
		}
	}
	for _, ts := range st.Tasks {
		if ts.State != "RUNNING" {
			return false
		}
		for _, a := range avoid {
			if ts.WorkerID == a {
				return false
			}
		}
	}
	return true
}

func ratingsConnector(name, topic string, tasks int) string {
	return fmt.Sprintf(`{"name":%q,"config":{"connector.class":"io.confluent.kafka.connect.datagen.DatagenConnector",
"kafka.topic":%q,"quickstart":"ratings","tasks.max":"%d","max.interval":"2"}}`, name, topic, tasks)
}

// sequences reads the ratings topic until quiet and returns, per
// task.id header, the rating_ids in topic order.
func sequences(t *testing.T, topic string) map[string][]int64 {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(kafkaAddr), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	out := map[string][]int64{}
	quiet := 0
	deadline := time.Now().Add(90 * time.Second)
	for quiet < 2 && time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
		fs := cl.PollFetches(ctx)
		cancel()
		n := 0
		fs.EachRecord(func(r *kgo.Record) {
			n++
			var task string
			for _, h := range r.Headers {
				if h.Key == "task.id" {
					task = string(h.Value)
				}
			}
			var v struct {
				RatingID int64 `json:"rating_id"`
			}
			if err := json.Unmarshal(r.Value, &v); err != nil {
				t.Fatalf("not a rating: %s", r.Value)
			}
			out[task] = append(out[task], v.RatingID)
		})
		if n == 0 {
			quiet++
		} else {
			quiet = 0
		}
	}
	return out
}

// checkSequences is Kafka's worker-bounce check: per task, every id from 1
// to the highest seen arrived at least once; it returns the duplicates.
func checkSequences(t *testing.T, seqs map[string][]int64, wantTasks int) (total, dups int) {
	t.Helper()
	if len(seqs) != wantTasks {
		t.Fatalf("records of %d tasks, want %d (%v)", len(seqs), wantTasks, keys(seqs))
	}
	for task, ids := range seqs {
		seen := map[int64]int{}
		var hi int64
		for _, id := range ids {
			seen[id]++
			hi = max(hi, id)
		}
		for id := int64(1); id <= hi; id++ {
			if seen[id] == 0 {
				t.Fatalf("task %s: rating_id %d of 1..%d never arrived", task, id, hi)
			}
		}
		total += int(hi)
		dups += len(ids) - int(hi)
	}
	return total, dups
}

func keys(m map[string][]int64) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func workersOf(st connStatus) map[string]int {
	out := map[string]int{st.Connector.WorkerID: 0}
	for _, ts := range st.Tasks {
		out[ts.WorkerID]++
	}
	return out
}

// Three workers: a connector created through one is read through another,
// its tasks spread; a SIGKILLed worker's tasks move to the others within
// the session timeout plus a rebalance, and every rating arrives.
func TestDistributedThreeWorkersSurviveSIGKILL(t *testing.T) {
	dups := sigkillRun(t, "")
	t.Logf("at least once: %d ratings re-sent after the SIGKILL", dups)
}

// With exactly-once source support, the same SIGKILL repeats nothing: each
// poll's records and offsets commit in one transaction.
func TestDistributedExactlyOnceSourceSurvivesSIGKILL(t *testing.T) {
	if dups := sigkillRun(t, "exactly.once.source.support=enabled\n"); dups != 0 {
		t.Fatalf("%d ratings repeated with exactly.once.source.support=enabled", dups)
	}
}

// With transaction.boundary=interval a transaction spans many polls; a
// SIGKILL still repeats nothing.
func TestDistributedExactlyOnceIntervalBoundarySurvivesSIGKILL(t *testing.T) {
	if dups := sigkillRunConn(t, "exactly.once.source.support=enabled\n",
		`"transaction.boundary":"interval","transaction.boundary.interval.ms":"300",`); dups != 0 {
		t.Fatalf("%d ratings repeated with transaction.boundary=interval", dups)
	}
}

func sigkillRun(t *testing.T, extra string) int { return sigkillRunConn(t, extra, "") }

func sigkillRunConn(t *testing.T, extra, connExtra string) int {
	c := newCluster(t, extra)
	a, b, x := c.start(""), c.start(""), c.start("")
	name := "ratings"
	topic := uniqueName(t, "ratings")
	code, body := httpRetry(t, "POST", "http://"+b+"/connectors", strings.Replace(ratingsConnector(name, topic, 6), `"config":{`, `"config":{`+connExtra, 1))
	if code != 201 {
		t.Fatalf("create through %s: %d %s", b, code, body)
	}
	waitUntil(t, 60*time.Second, "all tasks RUNNING, read through another worker", func() bool { return allRunning(a, name, 6) })
	st, _ := status(x, name)
	spread := workersOf(st)
	if len(spread) != 3 {
		t.Fatalf("units on %d workers, want 3: %+v", len(spread), st)
	}
	for w, n := range spread {
		if n < 2 {
			t.Fatalf("worker %s runs %d tasks, want 2 each: %+v", w, n, st)
		}
	}
	// Kill the worker running the most; let it write a while first.
	time.Sleep(time.Second) // production time, not synchronisation
	if err := c.workers[x].cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-c.workers[x].done
	t.Cleanup(func() {
		if t.Failed() {
			_, b := httpDo("GET", "http://"+a+"/connectors/"+name+"/status", "")
			t.Logf("status at the end: %s", b)
		}
	})
	moved := waitUntil(t, 3*distSessionTimeout, "tasks of the killed worker RUNNING elsewhere", func() bool { return allRunning(a, name, 6, x) })
	t.Logf("SIGKILL to all 6 tasks RUNNING on the survivors: %s (session.timeout.ms %s)", moved.Round(100*time.Millisecond), distSessionTimeout)
	if moved > distSessionTimeout+5*time.Second {
		t.Errorf("took %s, want at most the session timeout + 5 s", moved)
	}
	st, _ = status(b, name)
	if len(workersOf(st)) != 2 {
		t.Fatalf("after the kill units run on %v", workersOf(st))
	}
	time.Sleep(time.Second)
	if code, body := httpRetry(t, "PUT", "http://"+a+"/connectors/"+name+"/stop", ""); code != 202 && code != 204 {
		t.Fatalf("stop: %d %s", code, body)
	}
	waitUntil(t, 30*time.Second, "connector STOPPED", func() bool {
		st, ok := status(b, name)
		return ok && st.Connector.State == "STOPPED" && len(st.Tasks) == 0
	})
	total, dups := checkSequences(t, sequences(t, topic), 6)
	if total < 100 {
		t.Fatalf("only %d ratings produced", total)
	}
	t.Logf("%d ratings, every one arrived; %d arrived twice", total, dups)
	return dups
}

// A clean rolling restart of all three workers loses and repeats nothing.
func TestDistributedRollingRestartNoDuplicates(t *testing.T) {
	c := newCluster(t, "")
	addrs := []string{c.start(""), c.start(""), c.start("")}
	name := "ratings"
	topic := uniqueName(t, "ratings")
	if code, body := httpRetry(t, "POST", "http://"+addrs[0]+"/connectors", ratingsConnector(name, topic, 3)); code != 201 {
		t.Fatalf("create: %d %s", code, body)
	}
	waitUntil(t, 60*time.Second, "all tasks RUNNING", func() bool { return allRunning(addrs[1], name, 3) })
	for i, addr := range addrs {
		c.workers[addr].stop(t, 30*time.Second)
		other := addrs[(i+1)%3]
		waitUntil(t, 60*time.Second, "tasks RUNNING without "+addr, func() bool { return allRunning(other, name, 3, addr) })
		c.start(addr)
		waitUntil(t, 60*time.Second, "tasks spread again after "+addr+" came back", func() bool {
			st, ok := status(other, name)
			return ok && allRunning(other, name, 3) && len(workersOf(st)) == 3
		})
	}
	if code, body := httpRetry(t, "PUT", "http://"+addrs[2]+"/connectors/"+name+"/stop", ""); code != 202 && code != 204 {
		t.Fatalf("stop: %d %s", code, body)
	}
	waitUntil(t, 30*time.Second, "connector STOPPED", func() bool {
		st, ok := status(addrs[0], name)
		return ok && st.Connector.State == "STOPPED" && len(st.Tasks) == 0
	})
	total, dups := checkSequences(t, sequences(t, topic), 3)
	if dups != 0 {
		t.Fatalf("%d duplicates among %d ratings after a clean rolling restart", dups, total)
	}
	t.Logf("%d ratings across a rolling restart of 3 workers, none lost, none repeated", total)
}

// Internal topics written by a Java Connect cluster are picked up: configs,
// target states and source offsets.
func TestDistributedMigratesJavaConnectTopics(t *testing.T) {
	c := newCluster(t, "")
	topic := uniqueName(t, "ratings")
	java := func(topicName string, kv ...string) {
		cl, err := kgo.NewClient(kgo.SeedBrokers(kafkaAddr), kgo.DefaultProduceTopic(topicName), kgo.AllowAutoTopicCreation())
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		for i := 0; i < len(kv); i += 2 {
			r := &kgo.Record{Key: []byte(kv[i]), Value: []byte(kv[i+1])}
			if err := cl.ProduceSync(context.Background(), r).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
	}
	gen := `{"connector.class":"io.confluent.kafka.connect.datagen.DatagenConnector","name":"java-gen","kafka.topic":"` + topic +
		`","quickstart":"ratings","tasks.max":"1","max.interval":"2","key.converter":"org.apache.kafka.connect.storage.StringConverter"}`
	task := `{"connector.class":"io.confluent.kafka.connect.datagen.DatagenConnector","name":"java-gen","kafka.topic":"` + topic +
		`","quickstart":"ratings","tasks.max":"1","max.interval":"2","task.id":"0","task.class":"io.confluent.kafka.connect.datagen.DatagenTask","key.converter":"org.apache.kafka.connect.storage.StringConverter"}`
	java(c.group+"-configs",
		"connector-java-gen", `{"properties":`+gen+`}`,
		"task-java-gen-0", `{"properties":`+task+`}`,
		"commit-java-gen", `{"tasks":1}`,
		"target-state-java-stopped", `{"state":"PAUSED","state.v2":"STOPPED"}`,
		"connector-java-stopped", `{"properties":{"connector.class":"FileStreamSource","name":"java-stopped","file":"/dev/null","topic":"x"}}`,
		"commit-java-stopped", `{"tasks":0}`,
	)
	// As a Java worker wrote it: its own key order and its partitioning.
	java(c.group+"-offsets", `["java-gen",{"task.id":0}]`, `{"task.generation":3,"current.iteration":41,"random.seed":12345}`)
	a := c.start("")
	waitUntil(t, 60*time.Second, "the Java cluster's connector RUNNING on goconnect", func() bool { return allRunning(a, "java-gen", 1) })
	waitUntil(t, 30*time.Second, "the stopped connector STOPPED", func() bool {
		st, ok := status(a, "java-stopped")
		return ok && st.Connector.State == "STOPPED"
	})
	code, body := httpDo("GET", "http://"+a+"/connectors?expand=status", "")
	if code != 200 || !bytes.Contains(body, []byte(`"java-stopped"`)) {
		t.Fatalf("connectors: %d %s", code, body)
	}
	ids := firstRatings(t, topic, 5)
	if len(ids) == 0 || ids[0] != 42 {
		t.Fatalf("first rating_id %v, want 42 (the Java worker's offset said 41 were sent)", head(ids))
	}
	code, body = httpDo("GET", "http://"+a+"/connectors/java-gen/offsets", "")
	if code != 200 || !bytes.Contains(body, []byte(`"task.id":0`)) {
		t.Fatalf("offsets: %d %s", code, body)
	}
}

// firstRatings returns the rating_ids of the first n records of topic.
func firstRatings(t *testing.T, topic string, n int) []int64 {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(kafkaAddr), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out []int64
	for len(out) < n && ctx.Err() == nil {
		cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) {
			var v struct {
				RatingID int64 `json:"rating_id"`
			}
			if json.Unmarshal(r.Value, &v) == nil {
				out = append(out, v.RatingID)
			}
		})
	}
	return out
}

func head(ids []int64) []int64 {
	return ids[:min(len(ids), 5)]
}

func states(addr, name string) (string, []string) {
	st, ok := status(addr, name)
	if !ok {
		return "", nil
	}
	var ts []string
	for _, t := range st.Tasks {
		ts = append(ts, t.State)
	}
	return st.Connector.State, ts
}

func allIn(addr, name string, n int, want string) bool {
	c, ts := states(addr, name)
	if c != want || len(ts) != n {
		return false
	}
	for _, s := range ts {
		if s != want {
			return false
		}
	}
	return true
}

// The REST lifecycle on a two-worker cluster, each call made on one worker
// and checked on the other: pause, resume, reconfigure, restart, a task
// restart on the worker not running it, stop, offsets, delete.
func TestDistributedRESTLifecycle(t *testing.T) {
	c := newCluster(t, "")
	a, b := c.start(""), c.start("")
	name := "life"
	topic := uniqueName(t, "ratings")
	if code, body := httpNoRebalance409(t, "POST", "http://"+a+"/connectors", ratingsConnector(name, topic, 2)); code != 201 {
		t.Fatalf("create: %d %s", code, body)
	}
	// Right after the create (which makes the cluster rebalance): served
	// once the rebalance is over, as by Connect, not a rebalance 409.
	if code, body := httpNoRebalance409(t, "POST", "http://"+b+"/connectors", ratingsConnector(name, topic, 2)); code != 409 || !strings.Contains(string(body), "already exists") {
		t.Fatalf("second create: %d %s, want 409 already exists", code, body)
	}
	waitUntil(t, 60*time.Second, "RUNNING", func() bool { return allRunning(b, name, 2) })

	httpNoRebalance409(t, "PUT", "http://"+b+"/connectors/"+name+"/pause", "")
	waitUntil(t, 30*time.Second, "PAUSED", func() bool { return allIn(a, name, 2, "PAUSED") })
	httpNoRebalance409(t, "PUT", "http://"+a+"/connectors/"+name+"/resume", "")
	waitUntil(t, 30*time.Second, "RUNNING again", func() bool { return allIn(b, name, 2, "RUNNING") })

	cfg := fmt.Sprintf(`{"connector.class":"DatagenConnector","kafka.topic":%q,"quickstart":"ratings","tasks.max":"4","max.interval":"2"}`, topic)
	if code, body := httpNoRebalance409(t, "PUT", "http://"+b+"/connectors/"+name+"/config", cfg); code != 200 {
		t.Fatalf("put config: %d %s", code, body)
	}
	waitUntil(t, 60*time.Second, "4 tasks RUNNING after tasks.max 2 → 4", func() bool { return allRunning(a, name, 4) })
	code, body := httpDo("GET", "http://"+b+"/connectors/"+name+"/tasks", "")
	if code != 200 || strings.Count(string(body), `"task.id"`) != 4 {
		t.Fatalf("task configs: %d %s", code, body)
	}

	// Each worker's /metrics shows the tasks it runs.
	st, _ := status(a, name)
	perWorker := workersOf(st)
	for _, w := range []string{a, b} {
		_, body := httpDo("GET", "http://"+w+"/metrics", "")
		got := strings.Count(string(body), `kafka_connect_connector_task_status{connector="`+name+`"`)
		if got == 0 || (perWorker[w] > 0 && got < perWorker[w]) {
			t.Fatalf("worker %s runs %d tasks of %s but its /metrics shows %d task status lines", w, perWorker[w], name, got)
		}
	}

	if code, body := httpNoRebalance409(t, "POST", "http://"+a+"/connectors/"+name+"/restart?includeTasks=true", ""); code != 202 || !strings.Contains(string(body), "RESTARTING") {
		t.Fatalf("restart: %d %s", code, body)
	}
	waitUntil(t, 30*time.Second, "RUNNING after restart", func() bool { return allIn(b, name, 4, "RUNNING") })
	// Restart task 0 through the worker that does not run it.
	st, _ = status(a, name)
	other := a
	if st.Tasks[0].WorkerID == a {
		other = b
	}
	if code, body := httpNoRebalance409(t, "POST", "http://"+other+"/connectors/"+name+"/tasks/0/restart", ""); code != 204 {
		t.Fatalf("task restart through %s: %d %s", other, code, body)
	}
	waitUntil(t, 30*time.Second, "RUNNING after the task restart", func() bool { return allIn(a, name, 4, "RUNNING") })

	if code, body := httpNoRebalance409(t, "PATCH", "http://"+a+"/connectors/"+name+"/offsets", `{"offsets":[{"partition":{"task.id":0},"offset":{"task.generation":0,"current.iteration":5,"random.seed":1}}]}`); code != 400 {
		t.Fatalf("altering offsets of a running connector: %d %s, want 400", code, body)
	}
	httpNoRebalance409(t, "PUT", "http://"+b+"/connectors/"+name+"/stop", "")
	waitUntil(t, 30*time.Second, "STOPPED with no tasks", func() bool {
		c, ts := states(a, name)
		return c == "STOPPED" && len(ts) == 0
	})
	code, body = httpDo("GET", "http://"+b+"/connectors/"+name+"/offsets", "")
	if code != 200 || strings.Count(string(body), `"task.id"`) != 4 {
		t.Fatalf("offsets of a stopped connector: %d %s", code, body)
	}
	if code, body := httpNoRebalance409(t, "PATCH", "http://"+b+"/connectors/"+name+"/offsets", `{"offsets":[{"partition":{"task.id":0},"offset":{"task.generation":0,"current.iteration":1000,"random.seed":1}}]}`); code != 200 {
		t.Fatalf("altering offsets: %d %s", code, body)
	}
	code, body = httpDo("GET", "http://"+a+"/connectors/"+name+"/offsets", "")
	if code != 200 || !strings.Contains(string(body), `"current.iteration":1000`) {
		t.Fatalf("altered offset not read on the other worker: %d %s", code, body)
	}
	if code, body := httpNoRebalance409(t, "DELETE", "http://"+a+"/connectors/"+name, ""); code != 204 {
		t.Fatalf("delete: %d %s", code, body)
	}
	waitUntil(t, 30*time.Second, "gone on both workers", func() bool {
		c1, _ := httpDo("GET", "http://"+a+"/connectors/"+name, "")
		c2, _ := httpDo("GET", "http://"+b+"/connectors/"+name+"/status", "")
		return c1 == 404 && c2 == 404
	})
}

// A worker frozen past the session timeout (SIGSTOP) loses its tasks to
// the others; when it thaws it is a zombie: with exactly-once source its
// transactions are fenced, nothing it sends after the move is visible, and
// it does not overwrite the statuses the new owners write.
func TestDistributedZombieIsFenced(t *testing.T) {
	c := newCluster(t, "exactly.once.source.support=enabled\n")
	a, z := c.start(""), c.start("")
	name := "ratings"
	topic := uniqueName(t, "ratings")
	if code, body := httpRetry(t, "POST", "http://"+a+"/connectors", ratingsConnector(name, topic, 4)); code != 201 {
		t.Fatalf("create: %d %s", code, body)
	}
	waitUntil(t, 60*time.Second, "RUNNING on both workers", func() bool {
		st, ok := status(a, name)
		return ok && allRunning(a, name, 4) && len(workersOf(st)) == 2
	})
	zp := c.workers[z].cmd.Process
	if err := zp.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = zp.Signal(syscall.SIGCONT) })
	waitUntil(t, 4*distSessionTimeout, "all tasks on the live worker", func() bool { return allRunning(a, name, 4, z) })
	if err := zp.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	// The thawed worker notices it was expelled, stops its stale tasks
	// and rejoins; tasks are spread again, none lost to the zombie.
	waitUntil(t, 60*time.Second, "the zombie noticed and rejoined", func() bool {
		return strings.Contains(c.workers[z].output(), "left the Connect group") ||
			strings.Contains(c.workers[z].output(), "no heartbeat within the session timeout")
	})
	waitUntil(t, 60*time.Second, "all tasks RUNNING again", func() bool { return allRunning(a, name, 4) })
	httpRetry(t, "PUT", "http://"+a+"/connectors/"+name+"/stop", "")
	waitUntil(t, 30*time.Second, "STOPPED", func() bool {
		st, ok := status(a, name)
		return ok && st.Connector.State == "STOPPED" && len(st.Tasks) == 0
	})
	total, dups := checkSequences(t, sequences(t, topic), 4)
	if dups != 0 {
		t.Fatalf("%d of %d ratings seen twice: the zombie's writes were not fenced", dups, total)
	}
	t.Logf("%d ratings, a zombie thawed after its tasks moved, none repeated", total)
}

// A sink connector's tasks split its topic's partitions through the
// consumer group connect-<name>, as Connect's do; its offsets are that
// group's, shown by any worker.
func TestDistributedSinkKeepsOffsetsInItsGroup(t *testing.T) {
	c := newCluster(t, "value.converter=org.apache.kafka.connect.storage.StringConverter\n")
	a, b := c.start(""), c.start("")
	topic := uniqueName(t, "lines")
	adm := kadmClient(t)
	if _, err := adm.CreateTopic(t.Context(), 4, 1, nil, topic); err != nil {
		t.Fatal(err)
	}
	const n = 2000
	cl, err := kgo.NewClient(kgo.SeedBrokers(kafkaAddr), kgo.DefaultProduceTopic(topic))
	if err != nil {
		t.Fatal(err)
	}
	recs := make([]*kgo.Record, n)
	for i := range recs {
		recs[i] = &kgo.Record{Key: []byte(strconv.Itoa(i)), Value: []byte("line-" + strconv.Itoa(i))}
	}
	if err := cl.ProduceSync(t.Context(), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	cl.Close()
	// A name of its own: the group connect-<name> outlives the test on
	// the shared broker.
	name := uniqueName(t, "sink")
	out := filepath.Join(c.dir, "sink.txt")
	body := fmt.Sprintf(`{"name":%q,"config":{"connector.class":"FileStreamSink","topics":%q,"file":%q,"tasks.max":"2"}}`, name, topic, out)
	if code, b := httpRetry(t, "POST", "http://"+a+"/connectors", body); code != 201 {
		t.Fatalf("create: %d %s", code, b)
	}
	waitUntil(t, 60*time.Second, "both sink tasks RUNNING on both workers", func() bool {
		st, ok := status(b, name)
		return ok && allRunning(b, name, 2) && len(workersOf(st)) == 2
	})
	waitUntil(t, 60*time.Second, "every line in the file", func() bool {
		data, _ := os.ReadFile(out)
		return strings.Count(string(data), "\n") >= n
	})
	// Both tasks append to one file from two processes, so lines may
	// interleave: the exact check is the group's offsets below.
	var last []byte
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("last offsets answer: %s", last)
		}
	})
	waitUntil(t, 30*time.Second, "the group's committed offsets add up to every record, read on the other worker", func() bool {
		code, body := httpDo("GET", "http://"+b+"/connectors/"+name+"/offsets", "")
		last = body
		if code != 200 {
			return false
		}
		var resp struct {
			Offsets []struct {
				Offset struct {
					KafkaOffset int64 `json:"kafka_offset"`
				} `json:"offset"`
			} `json:"offsets"`
		}
		if json.Unmarshal(body, &resp) != nil {
			return false
		}
		var sum int64
		for _, o := range resp.Offsets {
			sum += o.Offset.KafkaOffset
		}
		return len(resp.Offsets) == 4 && sum == n
	})
	groups, err := adm.DescribeGroups(t.Context(), "connect-"+name)
	if err != nil {
		t.Fatal(err)
	}
	if g := groups["connect-"+name]; len(g.Members) != 2 {
		t.Fatalf("consumer group connect-%s has %d members, want the 2 tasks", name, len(g.Members))
	}
}

func kadmClient(t *testing.T) *kadm.Client {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(kafkaAddr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return kadm.NewClient(cl)
}
