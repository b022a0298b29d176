// Command mysqlcdc measures goconnect's MySQL/MariaDB CDC source against a
// baseline measured in the same run:
//
//   - streaming: rows/s from binlog to Kafka for a binlog range of N
//     single-row INSERT statements, next to the rate at which a bare
//     go-mysql BinlogSyncer reads and decodes the same range (before and
//     after the worker; the mean is the baseline);
//
//   - snapshot: rows/s of the initial snapshot of the resulting N-row table,
//     next to a bare streaming SELECT of it (-format avro: with the
//     reference pipeline's AvroConverter and a schema registry the bench
//     runs itself);
//
//   - latency: p50/p99 from COMMIT (the INSERT returning) to the record
//     being fetched from Kafka, for single-row transactions at a steady pace.
//
//   - incremental: rows/s of an incremental snapshot of the table (signal
//     through the signalling table) against the initial snapshot of it on
//     the same worker, and the COMMIT → record lag of a writer at
//     -incr-rate single-row transactions/s while it runs.
//
//     scripts/services.sh up kafka mariadb
//     go run ./bench/mysqlcdc -rows 1000000
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/go-mysql-org/go-mysql/client"
	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

var (
	brokers     = flag.String("brokers", "127.0.0.1:9092", "Kafka bootstrap servers")
	mariadb     = flag.String("mariadb", "127.0.0.1:3307", "MariaDB/MySQL address")
	rootUser    = flag.String("user", "root", "user for the load (needs CREATE DATABASE)")
	rootPass    = flag.String("password", "goconnect", "password of -user")
	rows        = flag.Int("rows", 1000000, "rows to insert")
	perTx       = flag.Int("per-tx", 1000, "single-row INSERT statements per transaction")
	conns       = flag.Int("conns", 4, "loader connections")
	multi       = flag.Bool("multi-row", false, "load with 1000-row INSERTs instead of single-row ones")
	samples     = flag.Int("latency-samples", 2000, "single-row transactions for the latency figure")
	paceEvery   = flag.Duration("latency-pace", 2*time.Millisecond, "gap between latency transactions")
	phases      = flag.String("phases", "stream,latency,snapshot,parallel,live,incremental", "figures to measure, comma-separated")
	incrRate    = flag.Int("incr-rate", 1000, "single-row transactions per second written while the incremental snapshot runs")
	tables      = flag.Int("tables", 4, "tables the rows are split over for the parallel snapshot figure")
	liveTx      = flag.Int("live-tx", 100000, "single-row transactions of the live CPU figure")
	liveConns   = flag.Int("live-conns", 8, "connections writing them")
	debezium    = flag.String("debezium", "", "REST URL of a Java Connect worker with Debezium 2.7 (e.g. http://127.0.0.1:18083) to run the live figure against too")
	debeziumPID = flag.Int("debezium-pid", 0, "process id of that Java worker, for its CPU time")
	bareProd    = flag.Bool("bare-produce", true, "also measure the snapshot baseline 'bare SELECT + bare producer' (writes the table's JSON to Kafka once more: mind the disk with -rows 10000000)")
	workerBin   = flag.String("bin", "", "goconnect binary to run (default: built from ./cmd/goconnect), e.g. to compare two builds in one session")
	workerProps = flag.String("worker-props", "", "extra worker settings, k=v separated by commas (e.g. producer.buffer.memory=8388608)")
	prodProps   = flag.String("producer", "", "producer settings k=v separated by commas, given to the snapshot connector as producer.override.<k> and to the bare producer alike: compression.type, batch.size, linger.ms, acks (e.g. compression.type=lz4,linger.ms=5)")
	snapRounds  = flag.Int("rounds", 1, "times the snapshot phase runs (each: bare SELECT, bare SELECT + producer, goconnect) on the same table")
	format      = flag.String("format", "json", "converters of the snapshot phases (snapshot, parallel): json (JsonConverter, schemas.enable=false) or avro (AvroConverter against a schema registry the bench runs, goconnect schema-registry; the bare producer writes the same Avro bytes)")
)

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func connect(db string) (*client.Conn, error) {
	return client.Connect(*mariadb, *rootUser, *rootPass, db)
}

func masterStatus(c *client.Conn) (gomysql.Position, error) {
	r, err := c.Execute("SHOW MASTER STATUS")
	if err != nil {
		return gomysql.Position{}, err
	}
	defer r.Close()
	f, _ := r.GetString(0, 0)
	p, _ := r.GetUint(0, 1)
	return gomysql.Position{Name: strings.Clone(f), Pos: uint32(p)}, nil
}

// load inserts ids [0, n) with single-row INSERT statements grouped
// perTx to a transaction (or 1000-row INSERTs with -multi-row), spread
// over several connections.
func load(db, table string, n int) error {
	var wg sync.WaitGroup
	errs := make(chan error, *conns)
	per := (n + *conns - 1) / *conns
	for w := 0; w < *conns; w++ {
		lo, hi := w*per, min((w+1)*per, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := connect(db)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			for id := lo; id < hi; {
				if *multi {
					var sb strings.Builder
					sb.WriteString("INSERT INTO " + table + " VALUES ")
					for j := 0; j < 1000 && id < hi; j++ {
						if j > 0 {
							sb.WriteByte(',')
						}
						fmt.Fprintf(&sb, "(%d,'name %d',%d.25,'2024-01-15 10:30:00')", id, id, id)
						id++
					}
					if _, err := c.Execute(sb.String()); err != nil {
						errs <- err
						return
					}
					continue
				}
				if _, err := c.Execute("BEGIN"); err != nil {
					errs <- err
					return
				}
				for j := 0; j < *perTx && id < hi; j++ {
					if _, err := c.Execute(fmt.Sprintf("INSERT INTO %s VALUES (%d,'name %d',%d.25,'2024-01-15 10:30:00')", table, id, id, id)); err != nil {
						errs <- err
						return
					}
					id++
				}
				if _, err := c.Execute("COMMIT"); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// bareSyncer reads [from, to) with go-mysql's BinlogSyncer, decoding every
// event, with the settings the connector uses, and counts the table's rows.
func bareSyncer(from, to gomysql.Position, db, table string) (float64, int, error) {
	host, port, _ := strings.Cut(*mariadb, ":")
	p, _ := strconv.Atoi(port)
	s := replication.NewBinlogSyncer(replication.BinlogSyncerConfig{ServerID: 990001, Flavor: gomysql.MariaDBFlavor,
		Host: host, Port: uint16(p), User: "debezium", Password: "dbz", TimestampStringLocation: time.UTC,
		Logger: slog.New(slog.DiscardHandler)})
	defer s.Close()
	start := time.Now()
	st, err := s.StartSync(from)
	if err != nil {
		return 0, 0, err
	}
	n := 0
	file := from.Name
	for {
		ev, err := st.GetEvent(context.Background())
		if err != nil {
			return 0, 0, err
		}
		if r, ok := ev.Event.(*replication.RotateEvent); ok {
			// Its header position is in the file it ends, not the next.
			file = string(r.NextLogName)
			continue
		}
		if r, ok := ev.Event.(*replication.RowsEvent); ok && string(r.Table.Schema) == db && string(r.Table.Table) == table {
			n += len(r.Rows)
		}
		if file > to.Name || (file == to.Name && ev.Header.LogPos >= to.Pos) {
			break
		}
	}
	return float64(n) / time.Since(start).Seconds(), n, nil
}

// worker runs goconnect standalone with its REST API on a free port.
type worker struct {
	cmd  *exec.Cmd
	rest string
}

// conv is the converter settings (converterProps).
func startWorker(bin, dir, conv string) (*worker, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	props := filepath.Join(dir, "w.properties")
	if err := os.WriteFile(props, []byte(fmt.Sprintf(`bootstrap.servers=%s
%s
offset.storage.file.filename=%s/offsets
offset.flush.interval.ms=1000
listeners=http://%s
%s
`, *brokers, conv, dir, addr, strings.ReplaceAll(*workerProps, ",", "\n"))), 0o644); err != nil {
		return nil, err
	}
	w := &worker{cmd: exec.Command(bin, "standalone", "--log-level", "WARN", props), rest: "http://" + addr}
	w.cmd.Stderr = os.Stderr
	if err := w.cmd.Start(); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		if resp, err := http.Get(w.rest + "/"); err == nil {
			resp.Body.Close()
			return w, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("worker REST API did not come up")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (w *worker) call(method, path string, body any) error {
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, w.rest+path, rd)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		return fmt.Errorf("%s %s: %d %v", method, path, resp.StatusCode, m)
	}
	return nil
}

func (w *worker) stop() { _ = w.cmd.Process.Signal(syscall.SIGTERM); _ = w.cmd.Wait() }

func connectorConfig(prefix, db, table, mode string) map[string]string {
	host, port, _ := strings.Cut(*mariadb, ":")
	return map[string]string{
		"connector.class":   "io.debezium.connector.mysql.MySqlConnector",
		"database.hostname": host, "database.port": port, "database.user": "debezium", "database.password": "dbz",
		"database.server.id": "990002", "topic.prefix": prefix, "table.include.list": db + "." + table,
		"snapshot.mode": mode, "include.schema.changes": "false",
		// The bare syncer and SELECT read in plain text; the services'
		// MariaDB offers TLS, which the default mode (preferred) would take.
		"database.ssl.mode": "disabled",
		"schema.history.internal.kafka.bootstrap.servers": *brokers, "schema.history.internal.kafka.topic": "dbhistory." + prefix,
	}
}

// waitTopic polls the topics' end offsets until they hold n records and
// returns when that happened and when the first record was there.
func waitTopic(adm *kadm.Client, n int64, limit time.Duration, topics ...string) (first, done time.Time, err error) {
	deadline := time.Now().Add(limit)
	for {
		var c int64
		if ends, err := adm.ListEndOffsets(context.Background(), topics...); err == nil {
			ends.Each(func(o kadm.ListedOffset) { c += o.Offset })
		}
		now := time.Now()
		if c > 0 && first.IsZero() {
			first = now
		}
		if c >= n {
			return first, now, nil
		}
		if now.After(deadline) {
			return first, now, fmt.Errorf("%v have %d of %d records after %s", topics, c, n, limit)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func run() error {
	want := map[string]bool{}
	for _, p := range strings.Split(*phases, ",") {
		want[strings.TrimSpace(p)] = true
	}
	stamp := time.Now().UnixNano()
	b := &bench{db: fmt.Sprintf("gcbench_%d", stamp), table: "items", stamp: stamp}
	admin, err := connect("")
	if err != nil {
		return err
	}
	defer admin.Close()
	cols := " (id INT PRIMARY KEY, name VARCHAR(50), amount DECIMAL(10,2), ts DATETIME)"
	for _, q := range []string{"CREATE DATABASE " + b.db, "CREATE TABLE " + b.db + "." + b.table + cols,
		"CREATE TABLE " + b.db + ".live (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(50), amount DECIMAL(10,2), ts DATETIME)"} {
		if _, err := admin.Execute(q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	defer admin.Execute("DROP DATABASE " + b.db) //nolint:errcheck

	if b.from, err = masterStatus(admin); err != nil {
		return err
	}
	began := time.Now()
	if err := load(b.db, b.table, *rows); err != nil {
		return fmt.Errorf("load: %w", err)
	}
	loadTime := time.Since(began)
	if b.to, err = masterStatus(admin); err != nil {
		return err
	}
	how := fmt.Sprintf("single-row INSERT statements, %d per transaction, %d connections", *perTx, *conns)
	if *multi {
		how = "1000-row INSERT statements"
	}
	fmt.Printf("loaded %d rows (%s) in %s: binlog %s:%d .. %s:%d\n", *rows, how, loadTime.Round(time.Millisecond), b.from.Name, b.from.Pos, b.to.Name, b.to.Pos)
	if want["parallel"] {
		// The same rows split over -tables tables, for the parallel figure.
		for i := 0; i < *tables; i++ {
			part := fmt.Sprintf("%s.part%d", b.db, i)
			for _, q := range []string{"CREATE TABLE " + part + cols,
				fmt.Sprintf("INSERT INTO %s SELECT * FROM %s.%s WHERE id %% %d = %d", part, b.db, b.table, *tables, i)} {
				if _, err := admin.Execute(q); err != nil {
					return fmt.Errorf("%s: %w", q, err)
				}
			}
		}
	}

	dir, err := os.MkdirTemp("", "bench-mysqlcdc")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	b.dir = dir
	b.bin = *workerBin
	if b.bin == "" {
		b.bin = filepath.Join(dir, "goconnect")
		if out, err := exec.Command("go", "build", "-o", b.bin, "./cmd/goconnect").CombinedOutput(); err != nil {
			return fmt.Errorf("building goconnect: %v: %s", err, out)
		}
	}
	kc, err := kgo.NewClient(kgo.SeedBrokers(*brokers))
	if err != nil {
		return err
	}
	defer kc.Close()
	b.adm = kadm.NewClient(kc)
	b.procs = newProcs()
	switch *format {
	case "json":
	case "avro":
		if b.reg, err = startRegistry(b.bin, dir, stamp); err != nil {
			return err
		}
		defer b.reg.stop()
		defer b.adm.DeleteTopics(context.Background(), b.reg.topic) //nolint:errcheck
		// Its CPU is the path's: schema lookups are meant to be cached.
		b.procs = b.procs.with("registry", b.reg.cmd.Process.Pid)
	default:
		return fmt.Errorf("-format %q: json or avro", *format)
	}
	defer func() {
		if len(b.topics) > 0 {
			b.adm.DeleteTopics(context.Background(), b.topics...) //nolint:errcheck
		}
	}()
	if want["stream"] {
		if err := b.streaming(want["latency"]); err != nil {
			return err
		}
		b.dropTopics()
	}
	if want["snapshot"] {
		for i := 1; i <= *snapRounds; i++ {
			if *snapRounds > 1 {
				fmt.Printf("snapshot round %d of %d\n", i, *snapRounds)
			}
			if err := b.snapshot(i); err != nil {
				return err
			}
			b.dropTopics()
		}
	}
	if want["parallel"] {
		if err := b.parallel(); err != nil {
			return err
		}
		b.dropTopics()
	}
	if want["live"] {
		if err := b.live(); err != nil {
			return err
		}
		b.dropTopics()
	}
	if want["incremental"] {
		if err := b.incremental(); err != nil {
			return err
		}
		b.dropTopics()
	}
	return nil
}

// bench holds what the phases share; each phase runs its own worker
// process, so that its peak RSS (VmHWM) is the phase's own.
type bench struct {
	db, table string
	stamp     int64
	from, to  gomysql.Position
	extra     int // rows the latency phase added to the table
	dir, bin  string
	adm       *kadm.Client
	topics    []string  // created, deleted at the end
	procs     *procs    // broker, database, bench: CPU shares per phase
	reg       *registry // -format avro: the snapshot phases' schema registry
}

// dropTopics deletes the topics created so far: a phase's records take
// ~0.5 KB each, GBs for -rows 10000000, on a disk the broker shares.
func (b *bench) dropTopics() {
	if len(b.topics) > 0 {
		b.adm.DeleteTopics(context.Background(), b.topics...) //nolint:errcheck
		b.topics = nil
	}
}

func (b *bench) createTopics(topics ...string) error {
	// Created up front: auto-creation on the first produce costs a
	// metadata refresh (seconds) that is not the connector's.
	for _, tp := range topics {
		if _, err := b.adm.CreateTopic(context.Background(), 1, -1, nil, tp); err != nil {
			return fmt.Errorf("creating %s: %w", tp, err)
		}
		b.topics = append(b.topics, tp)
	}
	return nil
}

// procStats reads a process's peak RSS (VmHWM) and CPU time (user+system).
func procStats(pid int) (hwmMB float64, cpu time.Duration) {
	if st, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
		for _, l := range strings.Split(string(st), "\n") {
			if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
				kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
				hwmMB = kb / 1024
			}
		}
	}
	if st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
		// Fields after the parenthesised command: utime and stime are the
		// 12th and 13th, in clock ticks (100 per second on Linux).
		if i := bytes.LastIndexByte(st, ')'); i > 0 {
			f := strings.Fields(string(st[i+1:]))
			if len(f) > 13 {
				u, _ := strconv.ParseInt(f[11], 10, 64)
				s, _ := strconv.ParseInt(f[12], 10, 64)
				cpu = time.Duration(u+s) * 10 * time.Millisecond
			}
		}
	}
	return hwmMB, cpu
}

func (w *worker) stats() (float64, time.Duration) { return procStats(w.cmd.Process.Pid) }

// ctxSwitches is the context switches of all of pid's threads alive now:
// a thread is switched out when it blocks (waits for a wake-up), so this
// counts the wake-ups a pipeline costs.
func ctxSwitches(pid int) int64 {
	dirs, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	var n int64
	for _, d := range dirs {
		st, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/status", pid, d.Name()))
		if err != nil {
			continue
		}
		for _, l := range strings.Split(string(st), "\n") {
			if _, v, ok := strings.Cut(l, "ctxt_switches:"); ok {
				c, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
				n += c
			}
		}
	}
	return n
}

// streaming: the connector is created stopped, its offset set to the start
// of the load, then resumed: it catches up on exactly the range the bare
// syncer read.
func (b *bench) streaming(withLatency bool) error {
	base1, n, err := bareSyncer(b.from, b.to, b.db, b.table)
	if err != nil {
		return fmt.Errorf("bare syncer: %w", err)
	}
	if n != *rows {
		return fmt.Errorf("bare syncer saw %d rows, want %d", n, *rows)
	}
	w, err := startWorker(b.bin, b.dir, converterProps(nil))
	if err != nil {
		return err
	}
	defer w.stop()
	prefix := fmt.Sprintf("bstream%d", b.stamp)
	topic := prefix + "." + b.db + "." + b.table
	if err := b.createTopics(topic); err != nil {
		return err
	}
	if err := w.call(http.MethodPost, "/connectors", map[string]any{"name": "bench-stream", "config": connectorConfig(prefix, b.db, b.table, "never"), "initial_state": "STOPPED"}); err != nil {
		return err
	}
	off := map[string]any{"offsets": []any{map[string]any{"partition": map[string]any{"server": prefix}, "offset": map[string]any{"file": b.from.Name, "pos": b.from.Pos}}}}
	if err := w.call(http.MethodPatch, "/connectors/bench-stream/offsets", off); err != nil {
		return err
	}
	_, cpu0 := w.stats()
	resumed := time.Now()
	if err := w.call(http.MethodPut, "/connectors/bench-stream/resume", nil); err != nil {
		return err
	}
	first, done, err := waitTopic(b.adm, int64(*rows), 30*time.Minute, topic)
	if err != nil {
		return err
	}
	hwm, cpu1 := w.stats()
	streamRate := float64(*rows) / done.Sub(resumed).Seconds()
	steady := float64(*rows) / done.Sub(first).Seconds()
	base2, _, err := bareSyncer(b.from, b.to, b.db, b.table)
	if err != nil {
		return fmt.Errorf("bare syncer: %w", err)
	}
	fmt.Printf("bare BinlogSyncer read+decode before the worker %.0f rows/s, after it %.0f rows/s\n", base1, base2)
	base := (base1 + base2) / 2
	fmt.Printf("STREAMING %d rows: bare BinlogSyncer (mean) %.0f rows/s; goconnect binlog → Kafka %.0f rows/s from resume (ratio %.2f), %.0f rows/s from the first record (ratio %.2f); first record %s after resume\n",
		*rows, base, streamRate, streamRate/base, steady, steady/base, first.Sub(resumed).Round(time.Millisecond))
	fmt.Printf("CATCH-UP %d changes: worker peak RSS %.0f MB, CPU %.2f s per 100k changes\n", *rows, hwm, (cpu1-cpu0).Seconds()*100000/float64(*rows))
	if !withLatency {
		return nil
	}
	// Latency: the streaming connector is caught up; single-row
	// transactions at a steady pace, each timed from its COMMIT returning
	// to the record being fetched.
	lat, err := latency(b.adm, topic, b.db, b.table)
	if err != nil {
		return err
	}
	b.extra = *samples
	fmt.Printf("LATENCY %d single-row transactions, one every %s: COMMIT → record fetched from Kafka p50 %s, p99 %s, max %s\n",
		len(lat), *paceEvery, lat[len(lat)/2].Round(10*time.Microsecond), lat[len(lat)*99/100].Round(10*time.Microsecond), lat[len(lat)-1].Round(10*time.Microsecond))
	return nil
}

// bareSelect reads the tables with streaming SELECT * statements, one
// after the other on one connection, or each on its own connection at
// the same time, and returns rows/s.
func (b *bench) bareSelect(tables []string, parallel bool) (float64, error) {
	start := time.Now()
	var total int64
	var mu sync.Mutex
	var firstErr error
	read := func(c *client.Conn, t string) {
		var res gomysql.Result
		var got int64
		err := c.ExecuteSelectStreaming("SELECT * FROM "+t, &res, func([]gomysql.FieldValue) error { got++; return nil }, nil)
		mu.Lock()
		total += got
		if err != nil && firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
	}
	if !parallel {
		c, err := connect(b.db)
		if err != nil {
			return 0, err
		}
		for _, t := range tables {
			read(c, t)
		}
		c.Close()
	} else {
		var wg sync.WaitGroup
		for _, t := range tables {
			c, err := connect(b.db)
			if err != nil {
				return 0, err
			}
			wg.Add(1)
			go func() { defer wg.Done(); defer c.Close(); read(c, t) }()
		}
		wg.Wait()
	}
	return float64(total) / time.Since(start).Seconds(), firstErr
}

// snapshotRun creates a connector snapshotting the tables and waits for
// all their rows; it returns rows/s from the connector's creation.
func (b *bench) snapshotRun(w *worker, name, prefix string, tables []string, threads int, total int64) (float64, error) {
	var topics []string
	for _, t := range tables {
		topics = append(topics, prefix+"."+b.db+"."+t)
	}
	if err := b.createTopics(topics...); err != nil {
		return 0, err
	}
	// The connector's schema history topic goes with the phase's topics.
	b.topics = append(b.topics, "dbhistory."+prefix)
	cfg := connectorConfig(prefix, b.db, tables[0], "initial_only")
	var inc []string
	for _, t := range tables {
		inc = append(inc, b.db+"."+t)
	}
	cfg["table.include.list"] = strings.Join(inc, ",")
	cfg["snapshot.max.threads"] = strconv.Itoa(threads)
	for k, v := range producerSettings() {
		cfg["producer.override."+k] = v
	}
	started := time.Now()
	if err := w.call(http.MethodPost, "/connectors", map[string]any{"name": name, "config": cfg}); err != nil {
		return 0, err
	}
	_, done, err := waitTopic(b.adm, total, 30*time.Minute, topics...)
	if err != nil {
		return 0, err
	}
	rate := float64(total) / done.Sub(started).Seconds()
	return rate, w.call(http.MethodDelete, "/connectors/"+name, nil)
}

// snapshot: the initial snapshot of the whole table on a fresh worker,
// against a bare streaming SELECT * of it just before, and a bare SELECT
// feeding a bare producer; each step with the CPU shares of the broker,
// the database and the client (bench or worker), to tell who caps it.
func (b *bench) snapshot(round int) error {
	total := int64(*rows + b.extra)
	m := b.procs.mark()
	sel1, err := b.bareSelect([]string{b.table}, false)
	if err != nil {
		return err
	}
	selCPU := b.procs.since(m)
	var prod float64
	var bareFirst []byte
	var prodCPU cpuUse
	gcPrefix := fmt.Sprintf("bsnap%d_%d", b.stamp, round)
	bare := func() error {
		var ids *avroIDs
		if b.reg != nil {
			// With the schemas the connector registered: it runs first.
			subject := gcPrefix + "." + b.db + "." + b.table
			ids = new(avroIDs)
			if ids.key, err = b.reg.latestID(subject + "-key"); err != nil {
				return err
			}
			if ids.value, err = b.reg.latestID(subject + "-value"); err != nil {
				return err
			}
		}
		m := b.procs.mark()
		if prod, bareFirst, err = b.bareProduce(b.table, fmt.Sprintf("bbare%d_%d", b.stamp, round), b.to, ids); err != nil {
			return fmt.Errorf("bare SELECT + producer: %w", err)
		}
		prodCPU = b.procs.since(m)
		return nil
	}
	if *bareProd && b.reg == nil {
		if err := bare(); err != nil {
			return err
		}
	}
	w, err := startWorker(b.bin, b.dir, converterProps(b.reg))
	if err != nil {
		return err
	}
	defer w.stop()
	wp := b.procs.with("worker", w.cmd.Process.Pid)
	_, cpu0 := w.stats()
	m = wp.mark()
	rate, err := b.snapshotRun(w, "bench-snapshot", gcPrefix, []string{b.table}, 1, total)
	if err != nil {
		return err
	}
	ourCPU := wp.since(m)
	hwm, cpu1 := w.stats()
	if *bareProd && b.reg != nil {
		if err := bare(); err != nil {
			return err
		}
	}
	// The bare SELECT again after the snapshot, as the streaming figure
	// does: other work on a shared host moves it by 2× between steps, so
	// the baseline is the mean of the two around goconnect's run.
	m = b.procs.mark()
	sel2, err := b.bareSelect([]string{b.table}, false)
	if err != nil {
		return err
	}
	selCPU2 := b.procs.since(m)
	sel := (sel1 + sel2) / 2
	selPerRow := (selCPU.perRow(total) + selCPU2.perRow(total)) / 2
	settings := *format + ", producer defaults"
	if *prodProps != "" {
		settings = *format + ", producer " + *prodProps
	}
	fmt.Printf("SNAPSHOT %d-row table (%s): goconnect %.0f rows/s from connector creation; bare streaming SELECT * %.0f rows/s (mean of %.0f before and %.0f after; ratio %.2f); worker peak RSS %.0f MB, CPU %.2f s per 100k rows\n",
		total, settings, rate, sel, sel1, sel2, rate/sel, hwm, (cpu1-cpu0).Seconds()*100000/float64(total))
	fmt.Printf("  bare SELECT * before: %s\n", selCPU.format(total))
	fmt.Printf("  bare SELECT * after: %s\n", selCPU2.format(total))
	if *bareProd {
		fmt.Printf("  bare SELECT * + bare producer: %s\n", prodCPU.format(total))
	}
	fmt.Printf("  goconnect: %s\n", ourCPU.format(total))
	// With the cores saturated, rates go as the inverse of the CPU a row
	// costs all the processes involved: the ratio cannot exceed this.
	fmt.Printf("  CPU-bound ceiling of the ratio on this host: bare SELECT %.2f µs/row (mean) / goconnect's path %.2f µs/row = %.2f\n",
		selPerRow, ourCPU.perRow(total), selPerRow/ourCPU.perRow(total))
	if !*bareProd {
		return nil
	}
	fmt.Printf("SNAPSHOT %d-row table: bare SELECT * + bare franz-go producer writing the same %s %.0f rows/s (ratio to bare SELECT %.2f); goconnect/that ratio %.2f\n",
		total, *format, prod, prod/sel, rate/prod)
	if round > 1 {
		return nil
	}
	ours, err := b.firstValue(fmt.Sprintf("bsnap%d_%d.%s.%s", b.stamp, round, b.db, b.table))
	if err != nil {
		return err
	}
	if b.reg != nil {
		fmt.Printf("SNAPSHOT first value, goconnect (%d bytes): %x\nSNAPSHOT first value, bare producer (%d bytes): %x\n", len(ours), ours, len(bareFirst), bareFirst)
		return nil
	}
	fmt.Printf("SNAPSHOT first value, goconnect (%d bytes): %s\nSNAPSHOT first value, bare producer (%d bytes): %s\n", len(ours), ours, len(bareFirst), bareFirst)
	return nil
}

// firstValue reads the first record's value of a topic.
func (b *bench) firstValue(topic string) ([]byte, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(*brokers), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		fs := cl.PollRecords(ctx, 1)
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("no record on %s: %w", topic, err)
		}
		if recs := fs.Records(); len(recs) > 0 {
			return recs[0].Value, nil
		}
	}
}

// parallel: the same rows split over -tables tables, snapshotted with
// snapshot.max.threads 1 and then -tables, each against bare SELECTs of
// the tables one after the other and all at once, in the same run.
func (b *bench) parallel() error {
	var tbs []string
	for i := 0; i < *tables; i++ {
		tbs = append(tbs, fmt.Sprintf("part%d", i))
	}
	w, err := startWorker(b.bin, b.dir, converterProps(b.reg))
	if err != nil {
		return err
	}
	defer w.stop()
	for _, threads := range []int{1, *tables} {
		seq, err := b.bareSelect(tbs, false)
		if err != nil {
			return err
		}
		par, err := b.bareSelect(tbs, true)
		if err != nil {
			return err
		}
		rate, err := b.snapshotRun(w, fmt.Sprintf("bench-par%d", threads), fmt.Sprintf("bpar%d_%d", threads, b.stamp), tbs, threads, int64(*rows))
		if err != nil {
			return err
		}
		fmt.Printf("SNAPSHOT %d rows in %d tables, snapshot.max.threads=%d: goconnect %.0f rows/s; bare SELECT * one table after the other %.0f rows/s (ratio %.2f), all at once %.0f rows/s (ratio %.2f)\n",
			*rows, len(tbs), threads, rate, seq, rate/seq, par, rate/par)
	}
	hwm, _ := w.stats()
	fmt.Printf("SNAPSHOT %d tables: worker peak RSS %.0f MB over both runs\n", len(tbs), hwm)
	return nil
}

// live: single-row autocommit INSERTs by -live-conns connections into a
// table the connector streams; the worker's CPU time over them.
func (b *bench) live() error {
	w, err := startWorker(b.bin, b.dir, converterProps(nil))
	if err != nil {
		return err
	}
	defer w.stop()
	ours, err := b.liveRun(w, "bench-live", fmt.Sprintf("blive%d", b.stamp), "990002", nil, w.cmd.Process.Pid)
	if err != nil {
		return err
	}
	hwm, _ := w.stats()
	fmt.Printf("LIVE %s; peak RSS %.0f MB\n", ours, hwm)
	if *debezium == "" {
		return nil
	}
	if *debeziumPID == 0 {
		return fmt.Errorf("-debezium needs -debezium-pid, the Java worker's process id, for its CPU time")
	}
	// Debezium on the Java worker, the same load, its process's CPU; the
	// worker's converters are overridden to the ones ours uses.
	jw := &worker{rest: *debezium}
	conv := map[string]string{"key.converter": "org.apache.kafka.connect.json.JsonConverter", "key.converter.schemas.enable": "false",
		"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false"}
	// Its idle CPU (other connectors on a shared worker) over the same
	// time is subtracted.
	_, idle0 := procStats(*debeziumPID)
	time.Sleep(10 * time.Second) // measurement window, not synchronisation
	_, idle1 := procStats(*debeziumPID)
	idlePerSec := (idle1 - idle0).Seconds() / 10
	theirs, err := b.liveRun(jw, fmt.Sprintf("bench-live-dbz%d", b.stamp), fmt.Sprintf("bdbz%d", b.stamp), "990003", conv, *debeziumPID)
	if err != nil {
		return err
	}
	busy := theirs.cpu - time.Duration(idlePerSec*theirs.took.Seconds()*float64(time.Second))
	fmt.Printf("LIVE Debezium (Java worker %s): %s; less its idle CPU before the run (%.3f s/s): %.2f s per 100k; goconnect/Debezium CPU ratio %.2f\n",
		*debezium, theirs, idlePerSec, theirs.per100k(busy), ours.per100k(ours.cpu)/theirs.per100k(busy))
	return nil
}

// liveRun creates a streaming-only connector on w, waits until it
// streams, has -live-conns connections write -live-tx single-row
// autocommit INSERTs, waits for their records and reports the CPU time
// process pid spent meanwhile.
func (b *bench) liveRun(w *worker, name, prefix, serverID string, extra map[string]string, pid int) (liveResult, error) {
	topic := prefix + "." + b.db + ".live"
	if err := b.createTopics(topic); err != nil {
		return liveResult{}, err
	}
	cfg := connectorConfig(prefix, b.db, "live", "no_data")
	cfg["database.server.id"] = serverID
	for k, v := range extra {
		cfg[k] = v
	}
	if err := w.call(http.MethodPost, "/connectors", map[string]any{"name": name, "config": cfg}); err != nil {
		return liveResult{}, err
	}
	defer w.call(http.MethodDelete, "/connectors/"+name, nil) //nolint:errcheck
	c, err := connect(b.db)
	if err != nil {
		return liveResult{}, err
	}
	// A warm-up row arriving tells that the connector streams (rows
	// written before its position are not streamed, so retry).
	for attempt := 0; ; attempt++ {
		if _, err := c.Execute("INSERT INTO live (name, amount, ts) VALUES ('warm', 1.25, '2024-01-15 10:30:00')"); err != nil {
			return liveResult{}, err
		}
		if _, _, err := waitTopic(b.adm, 1, 2*time.Second, topic); err == nil {
			break
		} else if attempt == 90 {
			return liveResult{}, err
		}
	}
	c.Close()
	var warm int64
	if ends, err := b.adm.ListEndOffsets(context.Background(), topic); err == nil {
		ends.Each(func(o kadm.ListedOffset) { warm += o.Offset })
	}
	_, cpu0 := procStats(pid)
	cs0 := ctxSwitches(pid)
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, *liveConns)
	per := *liveTx / *liveConns
	for i := 0; i < *liveConns; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := connect(b.db)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			for j := 0; j < per; j++ {
				if _, err := c.Execute("INSERT INTO live (name, amount, ts) VALUES ('name', 1.25, '2024-01-15 10:30:00')"); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return liveResult{}, err
	}
	written := time.Since(start)
	n := per * *liveConns
	_, done, err := waitTopic(b.adm, warm+int64(n), 10*time.Minute, topic)
	if err != nil {
		return liveResult{}, err
	}
	_, cpu1 := procStats(pid)
	return liveResult{n: n, written: written, lag: done.Sub(start.Add(written)), cpu: cpu1 - cpu0, took: done.Sub(start), switches: ctxSwitches(pid) - cs0}, nil
}

// liveResult is one live run: n transactions written in written, all
// on Kafka lag after the last COMMIT; the process spent cpu over took.
type liveResult struct {
	n                       int
	written, lag, cpu, took time.Duration
	switches                int64 // context switches of the process's threads
}

func (r liveResult) per100k(cpu time.Duration) float64 { return cpu.Seconds() * 100000 / float64(r.n) }

func (r liveResult) String() string {
	return fmt.Sprintf("%d single-row transactions by %d connections in %s (%.0f tx/s), all on Kafka %s after the last COMMIT: CPU %.2f s per 100k transactions (%.2f s over %s), %.2f context switches per transaction",
		r.n, *liveConns, r.written.Round(time.Millisecond), float64(r.n)/r.written.Seconds(), r.lag.Round(time.Millisecond),
		r.per100k(r.cpu), r.cpu.Seconds(), r.took.Round(time.Millisecond), float64(r.switches)/float64(r.n))
}

func latency(adm *kadm.Client, topic, db, table string) ([]time.Duration, error) {
	ends, err := adm.ListEndOffsets(context.Background(), topic)
	if err != nil {
		return nil, err
	}
	start := map[string]map[int32]kgo.Offset{topic: {}}
	ends.Each(func(o kadm.ListedOffset) { start[topic][o.Partition] = kgo.NewOffset().At(o.Offset) })
	cons, err := kgo.NewClient(kgo.SeedBrokers(*brokers), kgo.ConsumePartitions(start), kgo.FetchMaxWait(10*time.Millisecond))
	if err != nil {
		return nil, err
	}
	defer cons.Close()
	// Both sides note their time per id; a record may in principle be
	// fetched before the INSERT's OK reaches this process.
	var mu sync.Mutex
	committed, fetched := map[int]time.Time{}, map[int]time.Time{}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	doneCh := make(chan struct{})
	go func() {
		defer close(doneCh)
		for ctx.Err() == nil {
			f := cons.PollFetches(ctx)
			now := time.Now()
			mu.Lock()
			for _, r := range f.Records() {
				var k struct{ ID int }
				if json.Unmarshal(r.Key, &k) == nil && k.ID >= *rows {
					fetched[k.ID] = now
				}
			}
			n := len(fetched)
			mu.Unlock()
			if n >= *samples {
				return
			}
		}
	}()
	c, err := connect(db)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	for i := 0; i < *samples; i++ {
		id := *rows + i
		if _, err := c.Execute(fmt.Sprintf("INSERT INTO %s VALUES (%d,'lat',1.25,'2024-01-15 10:30:00')", table, id)); err != nil {
			return nil, err
		}
		mu.Lock()
		committed[id] = time.Now()
		mu.Unlock()
		time.Sleep(*paceEvery) // load shape, not synchronisation
	}
	<-doneCh
	mu.Lock()
	defer mu.Unlock()
	if len(fetched) < *samples {
		return nil, fmt.Errorf("latency: %d of %d records arrived", len(fetched), *samples)
	}
	lat := make([]time.Duration, 0, *samples)
	for id, t := range committed {
		lat = append(lat, max(fetched[id].Sub(t), 0))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return lat, nil
}
