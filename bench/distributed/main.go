// Command distributed measures a goconnect Connect cluster on a real
// broker: resident memory of an idle distributed worker, records/s of the
// ratings generator on three workers against one worker in the same run,
// and the time from a worker's SIGKILL to its tasks RUNNING elsewhere.
//
//	go run ./bench/distributed -brokers 127.0.0.1:9092 -seconds 20
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

func main() {
	brokers := flag.String("brokers", "127.0.0.1:9092", "Kafka bootstrap servers")
	seconds := flag.Int("seconds", 20, "measured seconds per throughput run")
	tasks := flag.Int("tasks", 6, "tasks.max of the ratings connector")
	session := flag.Duration("session-timeout", 10*time.Second, "session.timeout.ms of the workers")
	bin := flag.String("goconnect", "", "goconnect binary (built from ./cmd/goconnect when empty)")
	flag.Parse()
	if err := run(*brokers, time.Duration(*seconds)*time.Second, *tasks, *session, *bin); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type proc struct {
	cmd  *exec.Cmd
	addr string
}

func run(brokers string, measure time.Duration, tasks int, session time.Duration, bin string) error {
	dir, err := os.MkdirTemp("", "goconnect-bench-dist")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if bin == "" {
		bin = filepath.Join(dir, "goconnect")
		build := exec.Command("go", "build", "-o", bin, "./cmd/goconnect")
		build.Stderr = os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("building goconnect: %w", err)
		}
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(brokers, ",")...))
	if err != nil {
		return err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)

	one, err := cluster(bin, dir, brokers, 1, session)
	if err != nil {
		return err
	}
	time.Sleep(3 * time.Second) // let the idle worker settle before reading its RSS
	idle := rssKB(one[0].cmd.Process.Pid)
	rate1, err := throughput(adm, one, tasks, measure)
	stopAll(one)
	if err != nil {
		return err
	}
	three, err := cluster(bin, dir, brokers, 3, session)
	if err != nil {
		return err
	}
	defer stopAll(three)
	rate3, err := throughput(adm, three, tasks, measure)
	if err != nil {
		return err
	}
	moved, err := killOne(three, tasks)
	if err != nil {
		return err
	}
	fmt.Printf("idle distributed worker RSS: %d MB\n", idle/1024)
	fmt.Printf("ratings, %d tasks, %s measured: 1 worker %.0f rec/s, 3 workers %.0f rec/s, ratio %.2f (2 cores shared with the broker)\n",
		tasks, measure, rate1, rate3, rate3/rate1)
	fmt.Printf("SIGKILL of a worker to all tasks RUNNING on the others: %s (session.timeout.ms %s, scheduled.rebalance.max.delay.ms 0)\n",
		moved.Round(10*time.Millisecond), session)
	return nil
}

func cluster(bin, dir, brokers string, n int, session time.Duration) ([]*proc, error) {
	group := fmt.Sprintf("bench-dist-%d-%d", n, time.Now().UnixNano())
	props := fmt.Sprintf(`bootstrap.servers=%s
group.id=%s
config.storage.topic=%s-configs
offset.storage.topic=%s-offsets
status.storage.topic=%s-status
config.storage.replication.factor=1
offset.storage.replication.factor=1
status.storage.replication.factor=1
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=false
session.timeout.ms=%d
heartbeat.interval.ms=%d
scheduled.rebalance.max.delay.ms=0
rest.advertised.host.name=127.0.0.1
`, brokers, group, group, group, group, session.Milliseconds(), max(session.Milliseconds()/10, 100))
	var out []*proc
	for i := range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		addr := ln.Addr().String()
		ln.Close()
		path := filepath.Join(dir, fmt.Sprintf("%s-%d.properties", group, i))
		if err := os.WriteFile(path, []byte(props+"listeners=http://"+addr+"\n"), 0o644); err != nil {
			return nil, err
		}
		cmd := exec.Command(bin, "distributed", "--log-level", "WARN", path)
		cmd.Stderr = io.Discard
		if os.Getenv("BENCH_DEBUG") != "" {
			cmd.Stderr = os.Stderr
		}
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		out = append(out, &proc{cmd: cmd, addr: addr})
	}
	for _, p := range out {
		if err := poll(60*time.Second, func() bool { code, _ := do("GET", "http://"+p.addr+"/connectors", ""); return code == 200 }); err != nil {
			return nil, fmt.Errorf("worker %s did not start: %w", p.addr, err)
		}
	}
	return out, nil
}

func stopAll(ps []*proc) {
	for _, p := range ps {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Signal(syscall.SIGTERM)
			_ = p.cmd.Wait()
		}
	}
}

// throughput runs the ratings generator without delays and counts what
// reaches the topic over measure, after a warm-up.
func throughput(adm *kadm.Client, ps []*proc, tasks int, measure time.Duration) (float64, error) {
	topic := fmt.Sprintf("bench-dist-ratings-%d", time.Now().UnixNano())
	body := fmt.Sprintf(`{"name":"ratings","config":{"connector.class":"DatagenConnector","kafka.topic":%q,"quickstart":"ratings","tasks.max":"%d","max.interval":"0"}}`, topic, tasks)
	var last []byte
	if err := poll(60*time.Second, func() bool {
		var code int
		code, last = do("POST", "http://"+ps[0].addr+"/connectors", body)
		return code == 201
	}); err != nil {
		return 0, fmt.Errorf("creating the connector: %w: %s", err, last)
	}
	if err := poll(60*time.Second, func() bool { return running(ps[0].addr, "ratings", tasks, "") }); err != nil {
		_, b := do("GET", "http://"+ps[0].addr+"/connectors/ratings/status", "")
		return 0, fmt.Errorf("tasks not running: %w: %s", err, b)
	}
	time.Sleep(3 * time.Second) // warm-up, not synchronisation
	start, t0 := count(adm, topic), time.Now()
	time.Sleep(measure)
	end, t1 := count(adm, topic), time.Now()
	if code, b := do("DELETE", "http://"+ps[0].addr+"/connectors/ratings", ""); code != 204 {
		return 0, fmt.Errorf("deleting the connector: %d %s", code, b)
	}
	return float64(end-start) / t1.Sub(t0).Seconds(), nil
}

func killOne(ps []*proc, tasks int) (time.Duration, error) {
	topic := fmt.Sprintf("bench-dist-kill-%d", time.Now().UnixNano())
	body := fmt.Sprintf(`{"name":"kill","config":{"connector.class":"DatagenConnector","kafka.topic":%q,"quickstart":"ratings","tasks.max":"%d","max.interval":"100"}}`, topic, tasks)
	if err := poll(60*time.Second, func() bool { code, _ := do("POST", "http://"+ps[0].addr+"/connectors", body); return code == 201 }); err != nil {
		return 0, err
	}
	if err := poll(60*time.Second, func() bool { return running(ps[0].addr, "kill", tasks, "") }); err != nil {
		return 0, fmt.Errorf("kill connector not running: %w", err)
	}
	victim := ps[2]
	_ = victim.cmd.Process.Kill()
	_ = victim.cmd.Wait()
	start := time.Now()
	if err := poll(120*time.Second, func() bool { return running(ps[0].addr, "kill", tasks, victim.addr) }); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

func running(addr, name string, tasks int, avoid string) bool {
	code, b := do("GET", "http://"+addr+"/connectors/"+name+"/status", "")
	if code != 200 {
		return false
	}
	var st struct {
		Connector struct{ State, WorkerID string } `json:"connector"`
		Tasks     []struct {
			State    string `json:"state"`
			WorkerID string `json:"worker_id"`
		} `json:"tasks"`
	}
	if json.Unmarshal(b, &st) != nil || st.Connector.State != "RUNNING" || len(st.Tasks) != tasks {
		return false
	}
	for _, t := range st.Tasks {
		if t.State != "RUNNING" || (avoid != "" && t.WorkerID == avoid) {
			return false
		}
	}
	return true
}

func count(adm *kadm.Client, topic string) int64 {
	ends, err := adm.ListEndOffsets(context.Background(), topic)
	if err != nil {
		return 0
	}
	var n int64
	ends.Each(func(o kadm.ListedOffset) { n += o.Offset })
	return n
}

func do(method, url, body string) (int, []byte) {
	req, err := http.NewRequest(method, url, bytes.NewReader([]byte(body)))
	if err != nil {
		return 0, nil
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func poll(d time.Duration, cond func() bool) error {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return fmt.Errorf("not within %s", d)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil
}

func rssKB(pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			n, _ := strconv.Atoi(strings.Fields(line)[1])
			return n
		}
	}
	return 0
}
