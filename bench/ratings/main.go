// Command ratings measures goconnect's source → Kafka path against a
// baseline measured in the same run: a bare franz-go producer sending the
// same bytes. It also measures a worker's time from process start to the
// first record on the broker, and its resident memory while idle.
//
//	go run ./bench/ratings -brokers 127.0.0.1:9092 -records 1000000
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connectors/datagen"
	jsonconv "github.com/goconnect/goconnect/converters/json"
	"github.com/goconnect/goconnect/converters/simpleheader"
	"github.com/goconnect/goconnect/converters/stringconv"
	"github.com/goconnect/goconnect/runtime/offsetstore"
)

func main() {
	brokers := flag.String("brokers", "127.0.0.1:9092", "Kafka bootstrap servers")
	records := flag.Int("records", 1_000_000, "records per throughput run")
	rounds := flag.Int("rounds", 3, "throughput rounds (the median is reported)")
	bin := flag.String("goconnect", "", "goconnect binary (built from ./cmd/goconnect when empty)")
	flag.Parse()
	if err := run(*brokers, *records, *rounds, *bin); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(brokers string, n, rounds int, bin string) error {
	dir, err := os.MkdirTemp("", "goconnect-bench")
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
	fmt.Printf("generating %d ratings records with the datagen task and converters...\n", n)
	payload, err := generate(n)
	if err != nil {
		return err
	}
	var base, wrk []float64
	stamp := time.Now().UnixNano()
	for r := 0; r < rounds; r++ {
		rate, err := baseline(brokers, fmt.Sprintf("bench-baseline-%d-%d", stamp, r), payload)
		if err != nil {
			return err
		}
		base = append(base, rate)
		rate, err = workerRun(bin, brokers, dir, fmt.Sprintf("bench-worker-%d-%d", stamp, r), n)
		if err != nil {
			return err
		}
		wrk = append(wrk, rate)
		fmt.Printf("round %d: bare franz-go %.0f records/s, goconnect worker %.0f records/s\n", r+1, base[r], wrk[r])
	}
	mb, mw := median(base), median(wrk)
	fmt.Printf("\nthroughput (median of %d, %d records): baseline %.0f rec/s, worker %.0f rec/s, ratio %.2f\n", rounds, n, mb, mw, mw/mb)

	first, rss, err := startAndIdle(bin, brokers, dir, fmt.Sprintf("bench-idle-%d", stamp))
	if err != nil {
		return err
	}
	fmt.Printf("process start → first record on the broker: %d ms\n", first.Milliseconds())
	fmt.Printf("idle RSS with one ratings connector (max.interval=500): %.1f MB\n", float64(rss)/1024)
	return nil
}

type kv struct {
	key, value []byte
	headers    []kgo.RecordHeader
}

// generate runs the datagen task and the worker's converters offline, so
// the baseline sends exactly the bytes the worker sends.
func generate(n int) ([]kv, error) {
	c := datagen.Desc().New().(connect.SourceConnector)
	props := map[string]string{"name": "bench", "kafka.topic": "bench", "quickstart": "ratings", "max.interval": "0", "random.seed": "1"}
	if err := c.Start(context.Background(), props); err != nil {
		return nil, err
	}
	tcs, err := c.TaskConfigs(1)
	if err != nil {
		return nil, err
	}
	task := c.NewTask()
	if err := task.Start(context.Background(), noOffsets{tcs[0]}, tcs[0]); err != nil {
		return nil, err
	}
	keyConv, valConv, hdrConv := stringconv.New(), jsonconv.New(), simpleheader.New()
	if err := keyConv.Configure(map[string]string{}, true); err != nil {
		return nil, err
	}
	if err := valConv.Configure(map[string]string{"schemas.enable": "false"}, false); err != nil {
		return nil, err
	}
	out := make([]kv, 0, n)
	for len(out) < n {
		recs, err := task.Poll(context.Background())
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			k, err := keyConv.FromConnectData(r.Topic, r.Headers, r.KeySchema, r.Key)
			if err != nil {
				return nil, err
			}
			v, err := valConv.FromConnectData(r.Topic, r.Headers, r.ValueSchema, r.Value)
			if err != nil {
				return nil, err
			}
			var hs []kgo.RecordHeader
			for _, h := range r.Headers {
				hv, err := hdrConv.FromConnectHeader(r.Topic, h.Key, h.Schema, h.Value)
				if err != nil {
					return nil, err
				}
				hs = append(hs, kgo.RecordHeader{Key: h.Key, Value: hv})
			}
			out = append(out, kv{k, append([]byte(nil), v...), hs})
			if len(out) == n {
				break
			}
		}
	}
	return out, task.Stop()
}

type noOffsets struct{ props map[string]string }

func (noOffsets) Offsets() connect.OffsetReader                                  { return noOffsets{} }
func (n noOffsets) TaskConfig() map[string]string                                { return n.props }
func (noOffsets) Offset(context.Context, map[string]any) (map[string]any, error) { return nil, nil }

// baseline produces the records with a bare franz-go client using the
// same client options the worker uses, and returns records/s until all
// are acknowledged.
func baseline(brokers, topic string, payload []kv) (float64, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(brokers, ",")...), kgo.AllowAutoTopicCreation(),
		kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)), kgo.ProducerBatchCompression(kgo.NoCompression()))
	if err != nil {
		return 0, err
	}
	defer cl.Close()
	ctx := context.Background()
	// Create the topic first, as the worker's run also pays for it.
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: []byte("warm-up")}).FirstErr(); err != nil {
		return 0, fmt.Errorf("baseline warm-up: %w", err)
	}
	var failed error
	cpu0 := selfCPU()
	start := time.Now()
	for _, p := range payload {
		cl.Produce(ctx, &kgo.Record{Topic: topic, Key: p.key, Value: p.value, Headers: p.headers}, func(_ *kgo.Record, err error) {
			if err != nil && failed == nil {
				failed = err
			}
		})
	}
	if err := cl.Flush(ctx); err != nil {
		return 0, err
	}
	if failed != nil {
		return 0, failed
	}
	elapsed := time.Since(start)
	fmt.Printf("  baseline: %.2f CPU-µs per record\n", float64((selfCPU()-cpu0).Microseconds())/float64(len(payload)))
	return float64(len(payload)) / elapsed.Seconds(), nil
}

// workerRun runs a goconnect process generating n ratings and returns
// records/s from process start until the offsets file shows all n
// acknowledged.
func workerRun(bin, brokers, dir, topic string, n int) (float64, error) {
	offsets := filepath.Join(dir, topic+".offsets")
	cfg := writeConfigs(dir, topic, brokers, offsets, fmt.Sprintf(`"max.interval":"0","iterations":"%d","random.seed":"1"`, n), "100")
	cmd := exec.Command(bin, "standalone", "--log-level", "WARN", cfg[0], cfg[1])
	cmd.Stderr = os.Stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() }()
	deadline := start.Add(10 * time.Minute)
	var firstAt time.Time
	var firstIt int64
	for time.Now().Before(deadline) {
		it := storedIteration(offsets, topic)
		if it > 0 && firstAt.IsZero() {
			firstAt, firstIt = time.Now(), it
		}
		if it >= int64(n) {
			total := time.Since(start)
			if cpu, err := procCPU(cmd.Process.Pid); err == nil {
				fmt.Printf("  worker: %.2f CPU-µs per record (whole process, start-up included)\n", float64(cpu.Microseconds())/float64(n))
			}
			fmt.Printf("  worker: %d records in %.2fs from process start (%.0f rec/s); after the first commit %.0f rec/s\n",
				n, total.Seconds(), float64(n)/total.Seconds(), float64(int64(n)-firstIt)/time.Since(firstAt).Seconds())
			return float64(n) / total.Seconds(), nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return 0, fmt.Errorf("worker did not produce %d records within 10 minutes", n)
}

func storedIteration(path, connector string) int64 {
	st, err := offsetstore.OpenFile(path)
	if err != nil {
		return 0
	}
	off, err := st.Get(context.Background(), connector, map[string]any{"task.id": int64(0)})
	if err != nil || off == nil {
		return 0
	}
	it, _ := off["current.iteration"].(int64)
	return it
}

func writeConfigs(dir, name, brokers, offsets, extra, flushMs string) [2]string {
	w := filepath.Join(dir, name+".properties")
	c := filepath.Join(dir, name+".json")
	os.WriteFile(w, []byte(fmt.Sprintf(`bootstrap.servers=%s
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=false
offset.storage.file.filename=%s
offset.flush.interval.ms=%s
listeners=http://127.0.0.1:0
`, brokers, offsets, flushMs)), 0o644)
	os.WriteFile(c, []byte(fmt.Sprintf(`{"name":"%s","config":{"connector.class":"DatagenConnector","kafka.topic":"%s","quickstart":"ratings",%s}}`, name, name, extra)), 0o644)
	return [2]string{w, c}
}

// startAndIdle measures process start → first record visible to a
// consumer that was already waiting, then the idle RSS.
func startAndIdle(bin, brokers, dir, topic string) (time.Duration, int64, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(brokers, ",")...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.AllowAutoTopicCreation(), kgo.FetchMaxWait(50*time.Millisecond))
	if err != nil {
		return 0, 0, err
	}
	defer cl.Close()
	// Create the topic so the consumer is already fetching it.
	if err := cl.ProduceSync(context.Background(), &kgo.Record{Topic: topic, Value: []byte("marker")}).FirstErr(); err != nil {
		return 0, 0, err
	}
	for got := 0; got < 1; {
		got += len(cl.PollFetches(context.Background()).Records())
	}
	// One record with no random wait before it: the start-up path only.
	cfg := writeConfigs(dir, topic, brokers, filepath.Join(dir, topic+".offsets"), `"max.interval":"0","iterations":"1"`, "60000")
	cmd := exec.Command(bin, "standalone", "--log-level", "WARN", cfg[0], cfg[1])
	cmd.Stderr = os.Stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	defer func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() }()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var first time.Duration
	for first == 0 {
		f := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return 0, 0, fmt.Errorf("no record from the worker within 30s")
		}
		if len(f.Records()) > 0 {
			first = time.Since(start)
		}
	}
	rss, err := idleRSS(bin, brokers, dir, topic+"-idle")
	return first, rss, err
}

// idleRSS runs a worker with one ratings connector at datagen's default
// pace and reads its resident memory once it has settled.
func idleRSS(bin, brokers, dir, topic string) (int64, error) {
	cfg := writeConfigs(dir, topic, brokers, filepath.Join(dir, topic+".offsets"), `"max.interval":"500"`, "60000")
	cmd := exec.Command(bin, "standalone", "--log-level", "WARN", cfg[0], cfg[1])
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() }()
	time.Sleep(5 * time.Second) // a settling period, not synchronisation: RSS is read once after it
	return vmRSS(cmd.Process.Pid)
}

// selfCPU is this process's user+system CPU time.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procCPU reads another process's user+system CPU time from /proc.
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// Fields after the command name (which may hold spaces) start at ')'.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100, nil // USER_HZ is 100 on Linux
}

// vmRSS reads a process's resident set in KiB.
func vmRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmRSS for pid %d", pid)
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}
