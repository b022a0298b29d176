//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/client"
	"github.com/goconnect/goconnect/internal/testkit"
	"github.com/twmb/franz-go/pkg/kgo"
)

// incrRig is what the incremental-snapshot tests share: a table of rows
// (id INT PRIMARY KEY, v INT, name VARCHAR), a signalling table, a marker
// table whose rows tell when the stream has caught up (drain), the files of
// a standalone worker running a MySQL connector on them, a consumer of the
// connector's topics, and a writer of random changes to the table.
type incrRig struct {
	t        *testing.T
	db       *client.Conn
	rows     int
	readOnly bool // signals through the Kafka topic, read.only=true
	// tbl, sig and mk are the table, the signalling table and the marker
	// table; prefix is the connector's topic.prefix.
	tbl, sig, mk, prefix string
	dir                  string

	// mu guards markers and what the test's record handler keeps.
	mu      sync.Mutex
	markers map[string]bool
	writes  atomic.Int64
}

// newIncrRig creates the three tables (named after name and the time) and
// fills the table with rows rows (v 0, name n<id>).
func newIncrRig(t *testing.T, name string, rows int, readOnly bool) *incrRig {
	suffix := time.Now().UnixNano()
	r := &incrRig{
		t: t, db: mysqlAdmin(t), rows: rows, readOnly: readOnly,
		tbl:     fmt.Sprintf("gc_%s_%d", name, suffix),
		sig:     fmt.Sprintf("gc_%s_sig_%d", name, suffix),
		mk:      fmt.Sprintf("gc_%s_m_%d", name, suffix),
		prefix:  fmt.Sprintf("%s%d", name, suffix),
		dir:     t.TempDir(),
		markers: map[string]bool{},
	}
	mysqlExec(t, r.db, "CREATE TABLE "+r.tbl+" (id INT PRIMARY KEY, v INT NOT NULL, name VARCHAR(20))")
	mysqlExec(t, r.db, "CREATE TABLE "+r.sig+" (id VARCHAR(42) PRIMARY KEY, type VARCHAR(32) NOT NULL, data VARCHAR(2048) NULL)")
	mysqlExec(t, r.db, "CREATE TABLE "+r.mk+" (id VARCHAR(42) PRIMARY KEY)")
	t.Cleanup(func() { _, _ = r.db.Execute("DROP TABLE IF EXISTS " + r.tbl + ", " + r.sig + ", " + r.mk) })
	for lo := 1; lo <= rows; lo += 5000 {
		var vals []string
		for id := lo; id < min(lo+5000, rows+1); id++ {
			vals = append(vals, fmt.Sprintf("(%d,0,'n%d')", id, id))
		}
		mysqlExec(t, r.db, "INSERT INTO "+r.tbl+" VALUES "+strings.Join(vals, ","))
	}
	return r
}

// topic is the connector's topic of the table.
func (r *incrRig) topic() string { return r.prefix + ".demo." + r.tbl }

// workerArgs writes the worker's properties (JSON converters without
// schemas, a file offset store flushed every 50 ms) and the connector's
// config (no initial snapshot; the table and the marker table captured;
// extra JSON members appended to the config, each with its leading comma),
// and returns the worker's arguments.
func (r *incrRig) workerArgs(connector, user, password, serverID string, chunk int, extra string) []string {
	t := r.t
	writeFile(t, filepath.Join(r.dir, "worker.properties"), fmt.Sprintf(`bootstrap.servers=%s
key.converter=org.apache.kafka.connect.json.JsonConverter
key.converter.schemas.enable=false
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=false
offset.storage.file.filename=%s
offset.flush.interval.ms=50
listeners=http://127.0.0.1:0
`, kafkaAddr, filepath.Join(r.dir, "connect.offsets")))
	if r.readOnly {
		extra += fmt.Sprintf(`,"read.only":"true","signal.enabled.channels":"kafka","signal.kafka.bootstrap.servers":%q`, kafkaAddr)
	}
	host, port, _ := strings.Cut(mariaDBAddr, ":")
	writeFile(t, filepath.Join(r.dir, "mysql.json"), fmt.Sprintf(`{"name":%q,"config":{
  "connector.class":"io.debezium.connector.mysql.MySqlConnector",
  "database.hostname":%q,"database.port":%q,"database.user":%q,"database.password":%q,
  "database.server.id":%q,"topic.prefix":%q,"table.include.list":"demo.%s,demo.%s",
  "schema.history.internal.kafka.bootstrap.servers":%q,"schema.history.internal.kafka.topic":"dbhistory.%s",
  "include.schema.changes":"false","snapshot.mode":"no_data",
  "signal.data.collection":"demo.%s","incremental.snapshot.chunk.size":"%d"%s}}`,
		connector, host, port, user, password, serverID, r.prefix, r.tbl, r.mk, kafkaAddr, r.prefix, r.sig, chunk, extra))
	return []string{"standalone", filepath.Join(r.dir, "worker.properties"), filepath.Join(r.dir, "mysql.json")}
}

// consume reads the table's topic from its start until ctx ends, handing
// each record to onRecord with r.mu held; the marker table's records are
// kept for drain.
func (r *incrRig) consume(ctx context.Context, onRecord func(*kgo.Record)) {
	mkTopic := r.prefix + ".demo." + r.mk
	cl, err := kgo.NewClient(kgo.SeedBrokers(kafkaAddr), kgo.ConsumeTopics(r.topic(), mkTopic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.AllowAutoTopicCreation())
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(cl.Close)
	go func() {
		for ctx.Err() == nil {
			f := cl.PollFetches(ctx)
			for _, rec := range f.Records() {
				if rec.Topic != mkTopic {
					r.locked(func() { onRecord(rec) })
					continue
				}
				var env struct {
					After *struct{ ID string } `json:"after"`
				}
				if json.Unmarshal(rec.Value, &env) == nil && env.After != nil {
					r.locked(func() { r.markers[env.After.ID] = true })
				}
			}
		}
	}()
}

func (r *incrRig) locked(f func()) { r.mu.Lock(); defer r.mu.Unlock(); f() }

func (r *incrRig) waitFor(what string, d time.Duration, ok func() bool) {
	r.t.Helper()
	testkit.WaitFor(r.t, what, d, ok)
}

// drain inserts marker rows until one comes back through the stream: what
// was committed before it is then on Kafka.
func (r *incrRig) drain() {
	r.t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		id := fmt.Sprintf("drain-%d", time.Now().UnixNano())
		mysqlExec(r.t, r.db, fmt.Sprintf("INSERT INTO %s VALUES ('%s')", r.mk, id))
		until := time.Now().Add(5 * time.Second)
		for time.Now().Before(until) {
			var ok bool
			r.locked(func() { ok = r.markers[id] })
			if ok {
				return
			}
			time.Sleep(20 * time.Millisecond) // polling interval, not synchronisation
		}
	}
	r.t.Fatal("timed out waiting for a drain marker")
}

// startWriter updates (half of the time), deletes and inserts random rows
// of the table on its own connection until the returned stop is called
// (also at the test's end). extraColumns, when not nil, names the columns
// the table has beyond id, v and name at the time of each change: the
// writer sets them too, and a change refused for an unknown column (one
// dropped since) is skipped.
func (r *incrRig) startWriter(extraColumns func() []string) (stop func()) {
	t := r.t
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c, err := client.Connect(mariaDBAddr, "debezium", "dbz", "demo")
		if err != nil {
			t.Error(err)
			return
		}
		defer c.Close()
		for n := 0; ; n++ {
			select {
			case <-done:
				return
			default:
			}
			id := 1 + rand.IntN(r.rows)
			set := fmt.Sprintf("v = v + 1, name = 'u%d'", n)
			cols, vals := "id, v, name", fmt.Sprintf("%d, %d, 'w'", id, n)
			if extraColumns != nil {
				for _, col := range extraColumns() {
					set += fmt.Sprintf(", %s = 'x%d'", col, n)
					cols += ", " + col
					vals += fmt.Sprintf(", 'i%d'", n)
				}
			}
			q := fmt.Sprintf("UPDATE %s SET %s WHERE id = %d", r.tbl, set, id)
			switch rand.IntN(4) {
			case 0:
				q = fmt.Sprintf("DELETE FROM %s WHERE id = %d", r.tbl, id)
			case 1:
				q = fmt.Sprintf("INSERT IGNORE INTO %s (%s) VALUES (%s)", r.tbl, cols, vals)
			}
			if _, err := c.Execute(q); err != nil {
				if extraColumns != nil && strings.Contains(err.Error(), "Unknown column") {
					continue
				}
				t.Error(err)
				return
			}
			r.writes.Add(1)
		}
	}()
	var once sync.Once
	stop = func() { once.Do(func() { close(done); wg.Wait() }) }
	t.Cleanup(stop)
	return stop
}

// signal sends a signal: a row of the signalling table, or with read.only
// a record of the Kafka signal topic (<prefix>-signal, keyed by the prefix).
// data is the signal's JSON data.
func (r *incrRig) signal(id, typ, data string) {
	t := r.t
	t.Helper()
	if !r.readOnly {
		mysqlExec(t, r.db, fmt.Sprintf("INSERT INTO %s VALUES ('%s', '%s', '%s')", r.sig, id, typ, data))
		return
	}
	p, err := kgo.NewClient(kgo.SeedBrokers(kafkaAddr), kgo.DefaultProduceTopic(r.prefix+"-signal"), kgo.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	v := fmt.Sprintf(`{"id":%q,"type":%q,"data":%s}`, id, typ, data)
	if err := p.ProduceSync(ctx, &kgo.Record{Key: []byte(r.prefix), Value: []byte(v), Partition: 0}).FirstErr(); err != nil {
		t.Fatal(err)
	}
}
