//go:build e2e

package mysql

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/client"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/connect"
)

// roFixture is an incrFixture run read-only: the connector logs in as a
// user with only SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE and
// REPLICATION CLIENT, signals go through the Kafka topic, and the test's
// drain markers go into a table of their own (the signalling table must
// stay empty).
type roFixture struct {
	*incrFixture
	marker, topic string
}

func newROFixture(t *testing.T, rows int) *roFixture {
	t.Helper()
	f := &roFixture{incrFixture: newIncrFixture(t, rows)}
	f.marker = strings.TrimSuffix(f.table, "_t") + "_m"
	exec(t, f.db, "CREATE TABLE "+f.marker+" (id VARCHAR(42) PRIMARY KEY)")
	t.Cleanup(func() { _, _ = f.db.Execute("DROP TABLE IF EXISTS " + f.marker) })
	f.props["table.include.list"] = "demo." + f.table + ",demo." + f.marker
	f.topic = kafkaSignalProps(f.props)
	f.props["read.only"] = "true"

	root, err := client.Connect("127.0.0.1:3307", "root", "goconnect", "")
	if err != nil {
		t.Fatalf("root login to create a read-only user: %v", err)
	}
	defer root.Close()
	user := "gc_ro_" + strings.TrimPrefix(strings.TrimSuffix(f.table, "_t"), "gcinc")
	createUser(t, root, user, "ro-pw", "SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT ON *.*")
	f.props["database.user"], f.props["database.password"] = user, "ro-pw"
	// The user really cannot write.
	ro, err := client.Connect("127.0.0.1:3307", user, "ro-pw", "demo")
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, err := ro.Execute("INSERT INTO " + f.sig + " VALUES ('x', 'log', '{}')"); err == nil || !strings.Contains(err.Error(), "denied") {
		t.Fatalf("the read-only user could write: %v", err)
	}
	return f
}

func (f *roFixture) send(t *testing.T, id, typ, data string) {
	t.Helper()
	prefix := f.props["topic.prefix"]
	sendSignals(t, f.topic, prefix, `{"id":"`+id+`","type":"`+typ+`","data":`+data+`}`)
}

// drain inserts marker rows into the marker table until one comes back
// through the stream.
func (f *roFixture) drain(t *testing.T, task *Task, l *latest) {
	t.Helper()
	f.drainThrough(t, task, l, f.marker, func(marker string) {
		exec(t, f.db, "INSERT INTO "+f.marker+" VALUES ("+quoteLit(marker)+")")
	})
}

func (f *roFixture) sigRows(t *testing.T) int64 {
	t.Helper()
	res, err := f.db.Execute("SELECT COUNT(*) FROM " + f.sig)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := res.GetInt(0, 0)
	return n
}

// TestLiveReadOnlyIncrementalUnderWrites: a read-only incremental
// snapshot of a 100k-row table while a writer updates, deletes and
// re-inserts random rows (half of them just ahead of the snapshot): the
// last record of every key equals the table's row, deleted keys end
// deleted, none missing; chunk rows changed inside their GTID window were
// dropped; nothing was written to the signalling table; offsets carry the
// Kafka offset of the execute-snapshot signal.
func TestLiveReadOnlyIncrementalUnderWrites(t *testing.T) {
	f := newROFixture(t, 100000)
	f.props["incremental.snapshot.chunk.size"] = "512"
	task := startTask(t, f.props, nil)
	l := newLatest()
	f.drain(t, task, l)
	var writes, frontier atomic.Int64
	stop := f.startWriter(t, &writes, &frontier)
	f.send(t, "ro-1", "execute-snapshot", fmt.Sprintf(`{"data-collections": ["demo\\.%s"], "type": "incremental"}`, f.table))
	began := time.Now()
	var end snapshotEnd
	pollUntilCond(t, task, "the read-only incremental snapshot's end", 5*time.Minute, func(recs []connect.SourceRecord) bool {
		l.add(f.table, recs)
		frontier.Store(int64(l.maxIncr))
		return end.after(recs, "") // a change streamed after the snapshot
	})
	during := end.during
	took := time.Since(began)
	stop()
	f.drain(t, task, l)
	t.Logf("read-only incremental snapshot of %d rows: %v, %d incremental records, %d concurrent writes, %d chunk rows dropped in windows",
		f.rows, took, l.incremental, writes.Load(), task.incrDrops.Load())
	if l.incremental < f.rows/2 {
		t.Fatalf("only %d incremental records for %d rows", l.incremental, f.rows)
	}
	if writes.Load() < 100 {
		t.Fatalf("only %d concurrent writes: the windows were not exercised", writes.Load())
	}
	f.check(t, l)
	if task.incrDrops.Load() == 0 {
		t.Fatal("no chunk row was changed inside its window: deduplication was not exercised")
	}
	if n := f.sigRows(t); n != 0 {
		t.Fatalf("%d rows in the signalling table", n)
	}
	if v, ok := during[offIncrSignalOffset]; !ok || v != int64(0) {
		t.Fatalf("offset during the snapshot %v: want %s 0 (the signal's Kafka offset)", during, offIncrSignalOffset)
	}
	if v, ok := l.lastOffset[offIncrSignalOffset]; !ok || v != int64(0) {
		t.Fatalf("offset after the snapshot %v: %s stays", l.lastOffset, offIncrSignalOffset)
	}
}

// TestLiveReadOnlyIncrementalRestart stops a read-only snapshot of an
// idle table midway and restarts from the last offset handed over, after
// resetting the signal group's committed offset to 0: the stored signal
// offset makes the channel read after the execute-snapshot signal (it is
// not run twice), and the snapshot resumes after the last key emitted.
// With no binlog traffic the windows are closed by the idle check.
func TestLiveReadOnlyIncrementalRestart(t *testing.T) {
	lb := captureLog(t)
	f := newROFixture(t, 20000)
	f.props["incremental.snapshot.chunk.size"] = "50"
	task := startTask(t, f.props, nil)
	l := newLatest()
	f.drain(t, task, l)
	f.send(t, "ro-r1", "execute-snapshot", fmt.Sprintf(`{"data-collections": ["demo.%s"]}`, f.table))
	var last map[string]any
	pollUntilCond(t, task, "2000 incremental records", time.Minute, func(recs []connect.SourceRecord) bool {
		l.add(f.table, recs)
		for _, r := range recs {
			if incrRunning(r.SourceOffset) {
				last = r.SourceOffset
			}
		}
		return l.incremental >= 2000
	})
	if err := task.Stop(); err != nil {
		t.Fatal(err)
	}
	key, err := javaDeserializeKey(last[offIncrPrimaryKey].(string))
	if err != nil || len(key) != 1 {
		t.Fatalf("stored key %v: %v", last[offIncrPrimaryKey], err)
	}
	if last[offIncrSignalOffset] != int64(0) {
		t.Fatalf("stored offset %v: want %s 0", last, offIncrSignalOffset)
	}
	if l.incremental >= f.rows {
		t.Fatal("the snapshot finished before the stop")
	}
	// Without the seek the channel would resume at the group's offset, 0,
	// and run the execute-snapshot signal again.
	adm, err := kgo.NewClient(kgo.SeedBrokers(liveKafka))
	if err != nil {
		t.Fatal(err)
	}
	defer adm.Close()
	off := kadm.Offsets{}
	off.Add(kadm.Offset{Topic: f.topic, Partition: 0, At: 0, LeaderEpoch: -1})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := kadm.NewClient(adm).CommitOffsets(ctx, f.props["signal.kafka.groupId"], off); err != nil {
		t.Fatal(err)
	}
	before := strings.Count(lb.String(), "Requested 'INCREMENTAL' snapshot")
	began := time.Now()
	stored := key[0].(int32)
	task2 := startTask(t, f.props, last)
	l2 := newLatest()
	pollUntilCond(t, task2, "the rest of the table", 2*time.Minute, func(recs []connect.SourceRecord) bool {
		l2.add(f.table, recs)
		return int(l2.maxIncr) >= f.rows
	})
	f.drain(t, task2, l2)
	t.Logf("stopped at key %d; after the restart %d incremental records in %v", stored, l2.incremental, time.Since(began))
	waitLog(t, lb, "Resetting Kafka Signal offset to 0")
	if n := strings.Count(lb.String(), "Requested 'INCREMENTAL' snapshot"); n != before {
		t.Fatalf("the execute-snapshot signal ran again after the restart (%d requests, %d before)", n, before)
	}
	minID := int32(f.rows + 1)
	for id := range l2.incrIDs {
		minID = min(minID, id)
	}
	if minID != stored+1 || l2.incremental != f.rows-int(stored) {
		t.Fatalf("after the restart: first key %d, %d records; want from %d, %d records", minID, l2.incremental, stored+1, f.rows-int(stored))
	}
	if n := f.sigRows(t); n != 0 {
		t.Fatalf("%d rows in the signalling table", n)
	}
}

// TestLiveReadOnlySourceChannel: a read-only connector with only the
// source channel (Debezium accepts it: the connector writes nothing, but
// a user with write access may insert signals) runs an incremental
// snapshot asked for by a row in the signalling table, under writes:
// every key ends equal to the table, and the signalling table holds only
// the user's row (no watermark was written).
func TestLiveReadOnlySourceChannel(t *testing.T) {
	f := newROFixture(t, 20000)
	for _, k := range []string{"signal.kafka.bootstrap.servers", "signal.kafka.groupId", "signal.kafka.consumer.offset.commit.enabled"} {
		delete(f.props, k)
	}
	f.props["signal.enabled.channels"] = "source"
	f.props["incremental.snapshot.chunk.size"] = "256"
	task := startTask(t, f.props, nil)
	l := newLatest()
	f.drain(t, task, l)
	var writes, frontier atomic.Int64
	stop := f.startWriter(t, &writes, &frontier)
	f.signal(t, "ro-src-1", "execute-snapshot", fmt.Sprintf(`{"data-collections": ["demo.%s"], "type": "incremental"}`, f.table))
	seenRunning := false
	pollUntilCond(t, task, "the read-only incremental snapshot's end", 3*time.Minute, func(recs []connect.SourceRecord) bool {
		l.add(f.table, recs)
		frontier.Store(int64(l.maxIncr))
		for _, r := range recs {
			if incrRunning(r.SourceOffset) {
				seenRunning = true
				// Debezium stores the Kafka offset, null without one.
				if v, ok := r.SourceOffset[offIncrSignalOffset]; !ok || v != nil {
					t.Fatalf("a source-channel snapshot's offset: want %s null: %v", offIncrSignalOffset, r.SourceOffset)
				}
			} else if seenRunning {
				return true
			}
		}
		return false
	})
	stop()
	f.drain(t, task, l)
	if l.incremental < f.rows/2 || writes.Load() == 0 {
		t.Fatalf("%d incremental records for %d rows, %d concurrent writes", l.incremental, f.rows, writes.Load())
	}
	f.check(t, l)
	if n := f.sigRows(t); n != 1 {
		t.Fatalf("%d rows in the signalling table, want only the user's signal", n)
	}
}

// TestLiveIncrementalTypedKeys: tables keyed by DECIMAL, VARBINARY,
// BIGINT UNSIGNED (values above 2^63), DATE, TIME, DATETIME and TIMESTAMP
// are snapshotted in chunks of 3: every row exactly once (the chunk
// bounds go back into the queries as literals of those types), and the
// offsets' keys are Debezium's Java classes (BigDecimal, byte[],
// BigInteger, LocalDate, Duration, Timestamp).
func TestLiveIncrementalTypedKeys(t *testing.T) {
	db := liveDB(t)
	p := fmt.Sprintf("gctk%d", time.Now().UnixNano()%1e9)
	sig := p + "_sig"
	tables := map[string]struct {
		ddl  string
		vals []string
		max  any
	}{
		p + "_dec": {"k DECIMAL(10,2) PRIMARY KEY", []string{"-5.25", "0.00", "1.10", "1.20", "12.50", "99999999.99", "3.00"}, javaDecimal("99999999.99")},
		p + "_bin": {"k VARBINARY(8) PRIMARY KEY", []string{"X'00'", "X'0001'", "X'01'", "X'7f'", "X'80'", "X'ff'", "X'ff00'"}, []byte{0xff, 0}},
		p + "_u64": {"k BIGINT UNSIGNED PRIMARY KEY", []string{"0", "1", "9223372036854775807", "9223372036854775808", "18446744073709551614", "18446744073709551615", "5"}, javaBigInt{bigU64(18446744073709551615)}},
		p + "_dat": {"k DATE PRIMARY KEY", []string{"'1000-01-01'", "'1970-01-01'", "'2024-01-02'", "'2024-01-03'", "'2024-02-29'", "'9999-12-31'", "'2000-06-15'"}, javaLocalDate{9999, 12, 31}},
		p + "_tim": {"k TIME(6) PRIMARY KEY", []string{"'-01:00:00'", "'00:00:00'", "'00:00:00.5'", "'01:02:03.000001'", "'12:00:00'", "'838:59:59'", "'100:00:00'"}, javaDuration{3020399, 0}},
		p + "_dtm": {"k DATETIME(6) PRIMARY KEY", []string{"'1000-01-01 00:00:00'", "'2024-01-02 03:04:05'", "'2024-01-02 03:04:05.000001'", "'2024-01-02 03:04:05.5'", "'2038-01-19 03:14:08'", "'9999-12-31 23:59:59.999999'", "'1970-01-01 00:00:00'"}, javaTimestamp{253402300799000, 999999000}},
		p + "_tsp": {"k TIMESTAMP(3) NOT NULL PRIMARY KEY", []string{"'1970-01-01 00:00:01'", "'2000-01-01 00:00:00.1'", "'2024-01-02 03:04:05.123'", "'2024-01-02 03:04:05.124'", "'2030-05-05 05:05:05'", "'2038-01-19 03:14:07.999'", "'2010-10-10 10:10:10'"}, javaTimestamp{2147483647000, 999000000}},
	}
	tables[p+"_flt"] = struct {
		ddl  string
		vals []string
		max  any
	}{"k FLOAT PRIMARY KEY", []string{"1.1", "-2.5", "0", "3.3", "1e10", "1.2", "7.7"}, float32(1e10)}
	tables[p+"_dbl"] = struct {
		ddl  string
		vals []string
		max  any
	}{"k DOUBLE PRIMARY KEY", []string{"0.1", "-0.2", "0.3", "1e300", "2.5", "0.30000000000000004", "-1e-300"}, 1e300}
	tables[p+"_bit"] = struct {
		ddl  string
		vals []string
		max  any
	}{"k BIT(1) PRIMARY KEY", []string{"b'0'", "b'1'"}, true}
	exec(t, db, "SET time_zone = '+00:00'")
	exec(t, db, "CREATE TABLE "+sig+" (id VARCHAR(42) PRIMARY KEY, type VARCHAR(32) NOT NULL, data VARCHAR(2048) NULL)")
	var names []string
	for name, tb := range tables {
		names = append(names, "demo."+name)
		exec(t, db, "CREATE TABLE "+name+" ("+tb.ddl+", v INT)")
		for i, v := range tb.vals {
			exec(t, db, fmt.Sprintf("INSERT INTO %s VALUES (%s, %d)", name, v, i))
		}
	}
	t.Cleanup(func() {
		for name := range tables {
			_, _ = db.Execute("DROP TABLE IF EXISTS " + name)
		}
		_, _ = db.Execute("DROP TABLE IF EXISTS " + sig)
	})
	props := liveProps(p)
	props["table.include.list"] = strings.Join(names, ",")
	props["snapshot.mode"] = "no_data"
	props["signal.data.collection"] = "demo." + sig
	props["incremental.snapshot.chunk.size"] = "3"
	task := startTask(t, props, nil)
	// Streaming has begun once a marker row comes back.
	streaming := false
	for i := 0; i < 20 && !streaming; i++ {
		exec(t, db, fmt.Sprintf("INSERT INTO %s VALUES ('m%d', 'drain-marker', NULL)", sig, i))
		until := time.Now().Add(3 * time.Second)
		for time.Now().Before(until) && !streaming {
			recs, err := task.Poll(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range recs {
				streaming = streaming || strings.HasSuffix(r.Topic, "."+sig)
			}
		}
	}
	if !streaming {
		t.Fatal("no marker came back")
	}
	exec(t, db, "INSERT INTO "+sig+" VALUES ('tk-1', 'execute-snapshot', "+quoteLit(`{"data-collections": ["demo\\.`+p+`_(dec|bin|u64|dat|tim|dtm|tsp|flt|dbl|bit)"]}`)+")")
	counts := map[string]int{}
	maxKeys := map[string]any{}
	pollUntilCond(t, task, "all typed-key rows", time.Minute, func(recs []connect.SourceRecord) bool {
		for _, r := range recs {
			if r.Value == nil || opOf(r) != "r" {
				continue
			}
			tbl := r.Topic[strings.LastIndexByte(r.Topic, '.')+1:]
			counts[tbl]++
			if k, ok := r.SourceOffset[offIncrMaximumKey].(string); ok {
				mk, err := javaDeserializeKey(k)
				if err != nil {
					t.Fatalf("maximum key %s: %v", k, err)
				}
				maxKeys[tbl] = mk[0]
			}
		}
		total := 0
		for _, n := range counts {
			total += n
		}
		want := 0
		for _, tb := range tables {
			want += len(tb.vals)
		}
		return total >= want
	})
	for name, tb := range tables {
		if counts[name] != len(tb.vals) {
			t.Errorf("%s: %d records, want %d (all: %v)", name, counts[name], len(tb.vals), counts)
		}
		if !reflect.DeepEqual(maxKeys[name], tb.max) {
			t.Errorf("%s: maximum key %#v, want %#v", name, maxKeys[name], tb.max)
		}
	}
}
