// Command mysqlcdc measures goconnect's MySQL/MariaDB CDC source against a
// baseline measured in the same run:
//
//   - streaming: rows/s from binlog to Kafka for a binlog range of N
//     single-row INSERT statements, next to the rate at which a bare
//     go-mysql BinlogSyncer reads and decodes the same range (before and
//     after the worker; the mean is the baseline);
//
//   - snapshot: rows/s of the initial snapshot of the resulting N-row table,
//     next to a bare streaming SELECT of it;
//
//   - latency: p50/p99 from COMMIT (the INSERT returning) to the record
//     being fetched from Kafka, for single-row transactions at a steady pace.
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
	brokers    = flag.String("brokers", "127.0.0.1:9092", "Kafka bootstrap servers")
	mariadb    = flag.String("mariadb", "127.0.0.1:3307", "MariaDB/MySQL address")
	rootUser   = flag.String("user", "root", "user for the load (needs CREATE DATABASE)")
	rootPass   = flag.String("password", "goconnect", "password of -user")
	rows       = flag.Int("rows", 1000000, "rows to insert")
	perTx      = flag.Int("per-tx", 1000, "single-row INSERT statements per transaction")
	conns      = flag.Int("conns", 4, "loader connections")
	multi      = flag.Bool("multi-row", false, "load with 1000-row INSERTs instead of single-row ones")
	samples    = flag.Int("latency-samples", 2000, "single-row transactions for the latency figure")
	paceEvery  = flag.Duration("latency-pace", 2*time.Millisecond, "gap between latency transactions")
	onlyStream = flag.Bool("stream-only", false, "stop after the streaming figure (for profiling the worker with GOCONNECT_CPUPROFILE)")
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
			file = string(r.NextLogName)
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

func startWorker(bin, dir string) (*worker, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	props := filepath.Join(dir, "w.properties")
	if err := os.WriteFile(props, []byte(fmt.Sprintf(`bootstrap.servers=%s
key.converter=org.apache.kafka.connect.json.JsonConverter
key.converter.schemas.enable=false
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=false
offset.storage.file.filename=%s/offsets
offset.flush.interval.ms=1000
listeners=http://%s
`, *brokers, dir, addr)), 0o644); err != nil {
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

// waitTopic polls the topic's end offsets until it holds n records and
// returns when that happened and when the first record was there.
func waitTopic(adm *kadm.Client, topic string, n int64, limit time.Duration) (first, done time.Time, err error) {
	deadline := time.Now().Add(limit)
	for {
		var c int64
		if ends, err := adm.ListEndOffsets(context.Background(), topic); err == nil {
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
			return first, now, fmt.Errorf("%s has %d of %d records after %s", topic, c, n, limit)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func run() error {
	stamp := time.Now().UnixNano()
	db, table := fmt.Sprintf("gcbench_%d", stamp), "items"
	admin, err := connect("")
	if err != nil {
		return err
	}
	defer admin.Close()
	for _, q := range []string{"CREATE DATABASE " + db, "CREATE TABLE " + db + "." + table + " (id INT PRIMARY KEY, name VARCHAR(50), amount DECIMAL(10,2), ts DATETIME)"} {
		if _, err := admin.Execute(q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	defer admin.Execute("DROP DATABASE " + db) //nolint:errcheck

	from, err := masterStatus(admin)
	if err != nil {
		return err
	}
	began := time.Now()
	if err := load(db, table, *rows); err != nil {
		return fmt.Errorf("load: %w", err)
	}
	loadTime := time.Since(began)
	to, err := masterStatus(admin)
	if err != nil {
		return err
	}
	how := fmt.Sprintf("single-row INSERT statements, %d per transaction, %d connections", *perTx, *conns)
	if *multi {
		how = "1000-row INSERT statements"
	}
	fmt.Printf("loaded %d rows (%s) in %s: binlog %s:%d .. %s:%d\n", *rows, how, loadTime.Round(time.Millisecond), from.Name, from.Pos, to.Name, to.Pos)

	base1, n, err := bareSyncer(from, to, db, table)
	if err != nil {
		return fmt.Errorf("bare syncer: %w", err)
	}
	if n != *rows {
		return fmt.Errorf("bare syncer saw %d rows, want %d", n, *rows)
	}

	dir, err := os.MkdirTemp("", "bench-mysqlcdc")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "goconnect")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/goconnect").CombinedOutput(); err != nil {
		return fmt.Errorf("building goconnect: %v: %s", err, out)
	}
	w, err := startWorker(bin, dir)
	if err != nil {
		return err
	}
	defer w.stop()
	kc, err := kgo.NewClient(kgo.SeedBrokers(*brokers))
	if err != nil {
		return err
	}
	defer kc.Close()
	adm := kadm.NewClient(kc)

	// Streaming: the connector is created stopped, its offset set to the
	// start of the load, then resumed: it catches up on exactly the range
	// the bare syncer read.
	prefix := fmt.Sprintf("bstream%d", stamp)
	topic := prefix + "." + db + "." + table
	sprefix := fmt.Sprintf("bsnap%d", stamp)
	stopic := sprefix + "." + db + "." + table
	// Topics are created up front: auto-creation on the first produce
	// costs a metadata refresh (seconds) that is not the connector's.
	for _, tp := range []string{topic, stopic} {
		if _, err := adm.CreateTopic(context.Background(), 1, -1, nil, tp); err != nil {
			return fmt.Errorf("creating %s: %w", tp, err)
		}
		defer adm.DeleteTopics(context.Background(), tp) //nolint:errcheck
	}
	if err := w.call(http.MethodPost, "/connectors", map[string]any{"name": "bench-stream", "config": connectorConfig(prefix, db, table, "never"), "initial_state": "STOPPED"}); err != nil {
		return err
	}
	off := map[string]any{"offsets": []any{map[string]any{"partition": map[string]any{"server": prefix}, "offset": map[string]any{"file": from.Name, "pos": from.Pos}}}}
	if err := w.call(http.MethodPatch, "/connectors/bench-stream/offsets", off); err != nil {
		return err
	}
	resumed := time.Now()
	if err := w.call(http.MethodPut, "/connectors/bench-stream/resume", nil); err != nil {
		return err
	}
	first, done, err := waitTopic(adm, topic, int64(*rows), 30*time.Minute)
	if err != nil {
		return err
	}
	streamRate := float64(*rows) / done.Sub(resumed).Seconds()
	steady := float64(*rows) / done.Sub(first).Seconds()
	base2, _, err := bareSyncer(from, to, db, table)
	if err != nil {
		return fmt.Errorf("bare syncer: %w", err)
	}
	fmt.Printf("bare BinlogSyncer read+decode before the worker %.0f rows/s, after it %.0f rows/s\n", base1, base2)
	base := (base1 + base2) / 2
	fmt.Printf("STREAMING %d rows: bare BinlogSyncer (mean) %.0f rows/s; goconnect binlog → Kafka %.0f rows/s from resume (ratio %.2f), %.0f rows/s from the first record (ratio %.2f); first record %s after resume\n",
		*rows, base, streamRate, streamRate/base, steady, steady/base, first.Sub(resumed).Round(time.Millisecond))
	if *onlyStream {
		return nil
	}

	// Latency: the streaming connector is caught up; single-row
	// transactions at a steady pace, each timed from its COMMIT returning
	// to the record being fetched.
	lat, err := latency(adm, topic, db, table)
	if err != nil {
		return err
	}
	fmt.Printf("LATENCY %d single-row transactions, one every %s: COMMIT → record fetched from Kafka p50 %s, p99 %s, max %s\n",
		len(lat), *paceEvery, lat[len(lat)/2].Round(10*time.Microsecond), lat[len(lat)*99/100].Round(10*time.Microsecond), lat[len(lat)-1].Round(10*time.Microsecond))

	// Snapshot of the whole table (rows + latency samples).
	total := int64(*rows + *samples)
	sel := time.Now()
	c, err := connect(db)
	if err != nil {
		return err
	}
	var res gomysql.Result
	var got int64
	if err := c.ExecuteSelectStreaming("SELECT * FROM "+table, &res, func([]gomysql.FieldValue) error { got++; return nil }, nil); err != nil {
		return err
	}
	c.Close()
	selRate := float64(got) / time.Since(sel).Seconds()
	started := time.Now()
	if err := w.call(http.MethodPost, "/connectors", map[string]any{"name": "bench-snapshot", "config": connectorConfig(sprefix, db, table, "initial_only")}); err != nil {
		return err
	}
	sfirst, sdone, err := waitTopic(adm, stopic, total, 30*time.Minute)
	if err != nil {
		return err
	}
	snapRate := float64(total) / sdone.Sub(started).Seconds()
	fmt.Printf("SNAPSHOT %d-row table: goconnect %.0f rows/s from connector creation (first record after %s), %.0f rows/s from the first record; bare streaming SELECT * %.0f rows/s (ratio %.2f)\n",
		total, snapRate, sfirst.Sub(started).Round(time.Millisecond), float64(total)/sdone.Sub(sfirst).Seconds(), selRate, snapRate/selRate)
	return nil
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
