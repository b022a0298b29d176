//go:build e2e

package mysql

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/client"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/data"
)

// logBuf captures the default logger's output while a test runs (tasks
// take their logger from slog.Default at Start).
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func captureLog(t *testing.T) *logBuf {
	t.Helper()
	lb := &logBuf{}
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(lb, &slog.HandlerOptions{Level: slog.LevelInfo})))
	t.Cleanup(func() { slog.SetDefault(prev) })
	return lb
}

// waitLog waits until the log has every one of want.
func waitLog(t *testing.T, lb *logBuf, want ...string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		missing := ""
		for _, w := range want {
			if !strings.Contains(lb.String(), w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("log lacks %q; log:\n%s", missing, lb.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// sendSignalAndWait produces a signal to topic, then a log signal after
// it, and waits until the connector logged the latter: the first was
// handled by then.
func sendSignalAndWait(t *testing.T, lb *logBuf, topic, key, id, typ, data string) {
	t.Helper()
	sendSignals(t, topic, key, `{"id":"`+id+`","type":"`+typ+`","data":`+data+`}`,
		key, `{"id":"`+id+`-done","type":"log","data":{"message":"after `+id+`"}}`)
	waitLog(t, lb, "after "+id)
}

// sendSignals produces signal records (key, value) to topic.
func sendSignals(t *testing.T, topic string, kv ...string) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(liveKafka), kgo.DefaultProduceTopic(topic), kgo.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := 0; i+1 < len(kv); i += 2 {
		r := &kgo.Record{Value: []byte(kv[i+1]), Partition: 0}
		if kv[i] != "" {
			r.Key = []byte(kv[i])
		}
		if err := cl.ProduceSync(ctx, r).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
}

// kafkaSignalProps enables the Kafka channel on its own topic, read from
// its beginning (offset commits on, no committed offset yet).
func kafkaSignalProps(props map[string]string) string {
	topic := props["topic.prefix"] + "-signal"
	props["signal.enabled.channels"] = "kafka"
	props["signal.kafka.bootstrap.servers"] = liveKafka
	props["signal.kafka.groupId"] = props["topic.prefix"] + "-g"
	props["signal.kafka.consumer.offset.commit.enabled"] = "true"
	return topic
}

func opOf(r connect.SourceRecord) any { return r.Value.(*data.Struct).RawIndex(4) }

// signalSender sends signals through one channel of a connector.
type signalSender struct {
	channel string
	send    func(t *testing.T, id, typ, data string)
}

// signalChannel sets props up for channel ("kafka" or "source": a
// signalling table created for the test) and returns its sender.
func signalChannel(t *testing.T, db *client.Conn, props map[string]string, channel string) signalSender {
	t.Helper()
	prefix := props["topic.prefix"]
	if channel == "kafka" {
		topic := kafkaSignalProps(props)
		return signalSender{channel, func(t *testing.T, id, typ, data string) {
			sendSignals(t, topic, prefix, `{"id":"`+id+`","type":"`+typ+`","data":`+data+`}`)
		}}
	}
	if channel == "file" {
		path := filepath.Join(t.TempDir(), "signals.txt")
		props["signal.enabled.channels"] = "file"
		props["signal.file"] = path
		props["signal.poll.interval.ms"] = "100"
		return signalSender{channel, func(t *testing.T, id, typ, data string) {
			appendSignalLine(t, path, `{"id":`+strconv.Quote(id)+`,"type":`+strconv.Quote(typ)+`,"data":`+data+`}`)
		}}
	}
	tb := fmt.Sprintf("gc_signal_%d", time.Now().UnixNano()%1e9)
	exec(t, db, "CREATE TABLE "+tb+" (id VARCHAR(64) PRIMARY KEY, type VARCHAR(32) NOT NULL, data VARCHAR(2048) NULL)")
	t.Cleanup(func() { _, _ = db.Execute("DROP TABLE IF EXISTS " + tb) })
	props["signal.data.collection"] = "demo." + tb
	return signalSender{channel, func(t *testing.T, id, typ, data string) {
		exec(t, db, "INSERT INTO "+tb+" VALUES ("+quoteLit(id)+", "+quoteLit(typ)+", "+quoteLit(data)+")")
	}}
}

// appendSignalLine appends line to the signal file as a user would.
func appendSignalLine(t *testing.T, path, line string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(line + "\n"); err != nil {
		t.Fatal(err)
	}
}

// TestLiveSignalLogAndBadSignals sends through each channel a signal
// whose data is not JSON, one of an unknown type, a blocking snapshot of
// no captured table, a log signal without message and one with; on the
// Kafka channel also one with another connector's key, one whose value is
// not JSON and one whose data is not an object. Each bad one is logged
// and skipped, the log signal writes its message (the first "{}" replaced
// by the offset), and streaming goes on.
func TestLiveSignalLogAndBadSignals(t *testing.T) {
	for _, channel := range []string{"kafka", "source", "file"} {
		t.Run(channel, func(t *testing.T) {
			lb := captureLog(t)
			db := liveDB(t)
			tb := fmt.Sprintf("gc_sig_%s_%d", channel, time.Now().UnixNano()%1e9)
			exec(t, db, "CREATE TABLE "+tb+" (id INT PRIMARY KEY, v VARCHAR(10))")
			t.Cleanup(func() { _, _ = db.Execute("DROP TABLE IF EXISTS " + tb) })
			prefix := fmt.Sprintf("sig%d", time.Now().UnixNano())
			props := liveProps(prefix)
			props["table.include.list"] = "demo." + tb
			props["snapshot.mode"] = "no_data"
			snd := signalChannel(t, db, props, channel)
			want := []string{
				"the type is not recognized",
				"no captured table matches its data collections",
				"the requested field 'message' is missing from data",
			}
			if channel == "kafka" {
				topic := prefix + "-signal"
				sendSignals(t, topic,
					"other-connector", `{"type":"log","data":{"message":"not for us"}}`,
					prefix, `{"type":"log",`,
					prefix, `{"id":"d1","type":"log","data":"a string"}`)
				want = append(want, "Signal key 'other-connector' doesn't match the connector's name '"+prefix+"'",
					"skipped a signal that is not a JSON object", "skipped a signal whose data is not a JSON object")
			}
			task := startTask(t, props, nil)
			waitLog(t, lb, "streaming binlog") // signal rows before it could fall before its start
			switch channel {
			case "source":
				snd.send(t, "j1", "log", `{"message":`)
				want = append(want, "its data cannot be parsed")
			case "file":
				appendSignalLine(t, props["signal.file"], `{"id":"j1","type":"log","data":`)
				snd.send(t, "s1", "log", `"a string"`)
				snd.send(t, "w1", "snapshot-window-open", `{}`)
				want = append(want, "Skipped signal due to an error", "its data cannot be parsed",
					"a snapshot window signal outside the signalling table is ignored")
			}
			snd.send(t, "u1", "no-such-signal", `{}`)
			snd.send(t, "b1", "execute-snapshot", `{"type":"blocking","data-collections":["demo.no_such_table"]}`)
			snd.send(t, "l0", "log", `{}`)
			snd.send(t, "l1", "log", `{"message":"hello from `+channel+` at {}"}`)
			waitLog(t, lb, "hello from "+channel+" at {", "file=mysql-bin.")
			exec(t, db, "INSERT INTO "+tb+" VALUES (1, 'after')")
			recs := pollUntil(t, task, "the insert after the signals", func(rs []connect.SourceRecord) bool { return len(dataRecs(rs, prefix+".demo."+tb)) >= 1 })
			if r := dataRecs(recs, prefix+".demo."+tb)[0]; opOf(r) != "c" || afterID(r) != int32(1) {
				t.Fatalf("record after the signals: %v", r.Value)
			}
			log := lb.String()
			for _, w := range want {
				if !strings.Contains(log, w) {
					t.Errorf("log lacks %q", w)
				}
			}
			if strings.Contains(log, "not for us") {
				t.Errorf("a signal keyed for another connector was run:\n%s", log)
			}
		})
	}
}

// TestLiveKafkaSignalOffsetsCommittedOnStop: with the default settings
// the channel starts at the end of the topic when its group has no
// committed offset, and commits the position it reached when the task
// stops, so a signal sent while the task is stopped runs when it starts
// again, and one sent before the first start does not (Debezium's
// KafkaSignalChannel).
func TestLiveKafkaSignalOffsetsCommittedOnStop(t *testing.T) {
	lb := captureLog(t)
	prefix := fmt.Sprintf("sigoff%d", time.Now().UnixNano())
	props := liveProps(prefix)
	props["snapshot.mode"] = "no_data"
	topic := kafkaSignalProps(props)
	delete(props, "signal.kafka.consumer.offset.commit.enabled")
	sendSignals(t, topic, prefix, `{"type":"log","data":{"message":"sent before the first start"}}`)
	task := startTask(t, props, nil)
	waitLog(t, lb, "subscribed to the signal topic")
	// The start offset is resolved on the first fetch: keep sending until
	// one is read.
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(lb.String(), "while running") {
		if time.Now().After(deadline) {
			t.Fatalf("no signal read while running; log:\n%s", lb.String())
		}
		sendSignals(t, topic, prefix, `{"type":"log","data":{"message":"while running"}}`)
		time.Sleep(500 * time.Millisecond)
	}
	if err := task.Stop(); err != nil {
		t.Fatal(err)
	}
	sendSignals(t, topic, prefix, `{"type":"log","data":{"message":"sent while stopped"}}`)
	startTask(t, props, nil)
	waitLog(t, lb, "sent while stopped")
	if strings.Contains(lb.String(), "sent before the first start") {
		t.Fatal("a signal sent before the group had an offset was run")
	}
}

// TestLiveBlockingSnapshotConcurrentWrites runs a blocking snapshot of
// one of two streamed tables while writers update, insert and delete rows
// of both. Every change is emitted exactly once; folding the records of
// each key in order gives the table's final rows; the snapshot records
// are marked as Debezium's (first ... last) and come as one block.
//
// threads2: snapshot.max.threads=2 and both tables snapshotted, each on
// its own connection with the same read view: per-table markers
// (first_in_data_collection … last_in_data_collection), the very last
// record "last", and both tables' records folded equal their rows.
func TestLiveBlockingSnapshotConcurrentWrites(t *testing.T) {
	for _, channel := range []string{"kafka", "source"} {
		t.Run(channel, func(t *testing.T) { blockingConcurrentWrites(t, channel, 1) })
	}
	t.Run("threads2", func(t *testing.T) { blockingConcurrentWrites(t, "kafka", 2) })
}

func blockingConcurrentWrites(t *testing.T, channel string, threads int) {
	lb := captureLog(t)
	db := liveDB(t)
	pfx := fmt.Sprintf("gcblk%d", time.Now().UnixNano()%1e9)
	snapTables(t, db, pfx, map[string]int{"a": 3000, "b": 500})
	prefix := fmt.Sprintf("blk%d", time.Now().UnixNano())
	props := liveProps(prefix)
	props["table.include.list"] = "demo." + pfx + "_.*"
	props["snapshot.mode"] = "no_data"
	props["snapshot.max.threads"] = fmt.Sprint(threads)
	snd := signalChannel(t, db, props, channel)
	task := startTask(t, props, nil)
	waitLog(t, lb, "streaming binlog")
	snapped := map[string]bool{"a": true, "b": threads > 1}

	// Writers: each operation writes a unique value, so that every change
	// can be found exactly once.
	var seq, steps atomic.Int64
	stop := startWriters(t, 3, &steps, func(w, i int) []string {
		n := seq.Add(1)
		id := 1 + (int(n)*7919+w)%3000
		switch i % 4 {
		case 0, 1:
			return []string{fmt.Sprintf("UPDATE %s_a SET name = 's%d' WHERE id = %d", pfx, n, id)}
		case 2:
			return []string{fmt.Sprintf("DELETE FROM %s_a WHERE id = %d", pfx, id)}
		}
		return []string{fmt.Sprintf("INSERT INTO %s_b VALUES (%d, 's%d')", pfx, 100000+n, n)}
	})
	for seq.Load() < 200 {
		time.Sleep(5 * time.Millisecond)
	}
	collections := `"demo.` + pfx + `_a"`
	if threads > 1 {
		collections += `,"demo.` + pfx + `_b"`
	}
	snd.send(t, "blk-1", "execute-snapshot", `{"type":"blocking","data-collections":[`+collections+`]}`)
	recs := pollUntil(t, task, "the blocking snapshot's last record", func(rs []connect.SourceRecord) bool {
		for _, r := range rs {
			if r.Value != nil && opOf(r) == "r" && snapMarker(r) == "last" {
				return true
			}
		}
		return false
	})
	// Writes after the snapshot too.
	for after := seq.Load() + 200; seq.Load() < after; {
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	// Drain: a marker row written last.
	exec(t, db, fmt.Sprintf("INSERT INTO %s_b VALUES (99999, 'end')", pfx))
	recs = append(recs, pollUntil(t, task, "the end marker", func(rs []connect.SourceRecord) bool {
		for _, r := range rs {
			if r.Value != nil && opOf(r) == "c" && r.Topic == prefix+".demo."+pfx+"_b" && recID(r) == 99999 {
				return true
			}
		}
		return false
	})...)

	// Exactly once: each written value appears in one change event.
	vals := map[string]int{}
	var markers []any
	perTable := map[string][]any{}
	firstR, lastR, before, after := -1, -1, 0, 0
	state := map[string]map[int32]string{"a": {}, "b": {}}
	for i, r := range recs {
		if r.Value == nil || !strings.HasPrefix(r.Topic, prefix+".demo."+pfx+"_") {
			continue // a tombstone, or the signalling table
		}
		env := r.Value.(*data.Struct)
		tb := r.Topic[strings.LastIndexByte(r.Topic, '_')+1:]
		op := opOf(r)
		if op == "r" {
			if !snapped[tb] {
				t.Fatalf("snapshot record of table %s", tb)
			}
			perTable[tb] = append(perTable[tb], snapMarker(r))
			if lastR >= 0 && lastR != i-1 && lastR != i-2 {
				t.Fatalf("snapshot records interleaved with changes at %d", i)
			}
			if firstR < 0 {
				firstR = i
			}
			lastR = i
			markers = append(markers, snapMarker(r))
			if off := r.SourceOffset; off["snapshot"] != nil || off["file"] == nil || off["pos"] == nil {
				t.Fatalf("snapshot record %d: offset %v, want the stream's (no snapshot flag)", i, off)
			}
		} else if tb == "a" {
			if firstR < 0 {
				before++
			} else {
				after++
			}
		}
		switch op {
		case "r", "c", "u":
			img := env.RawIndex(1).(*data.Struct)
			name := img.RawIndex(1).(string)
			state[tb][recID(r)] = name
			if op != "r" && strings.HasPrefix(name, "s") {
				vals[name]++
			}
		case "d":
			delete(state[tb], recID(r))
		}
	}
	written := seq.Load()
	deletes := 0
	for n := int64(1); n <= written; n++ {
		v := fmt.Sprintf("s%d", n)
		if vals[v] > 1 {
			t.Fatalf("value %s emitted %d times", v, vals[v])
		}
		if vals[v] == 0 {
			deletes++ // deletes and updates of deleted rows write no value
		}
	}
	if deletes > int(written)/2+10 {
		t.Fatalf("%d of %d written values missing from the change events", deletes, written)
	}
	t.Logf("writes %d; snapshot records %d; table a changes before %d, after %d", written, len(markers), before, after)
	if before == 0 || after == 0 {
		t.Fatalf("changes before (%d) and after (%d) the snapshot: the writers did not overlap it", before, after)
	}
	if threads == 1 {
		if markers[0] != "first" || markers[len(markers)-1] != "last" {
			t.Fatalf("markers first %v last %v", markers[0], markers[len(markers)-1])
		}
		for _, m := range markers[1 : len(markers)-1] {
			if m != "true" {
				t.Fatalf("inner marker %v", m)
			}
		}
	} else {
		if markers[len(markers)-1] != "last" {
			t.Fatalf("last marker %v", markers[len(markers)-1])
		}
		for tb, ms := range perTable {
			end := ms[len(ms)-1]
			if ms[0] != "first_in_data_collection" || (end != "last_in_data_collection" && end != "last") {
				t.Fatalf("table %s markers %v … %v", tb, ms[0], end)
			}
		}
		if len(perTable) != 2 {
			t.Fatalf("tables snapshotted: %d", len(perTable))
		}
	}
	for _, tb := range []string{"a", "b"} {
		r, err := db.Execute(fmt.Sprintf("SELECT id, name FROM %s_%s", pfx, tb))
		if err != nil {
			t.Fatal(err)
		}
		want := map[int32]string{}
		for i := range r.RowNumber() {
			id, _ := r.GetInt(i, 0)
			name, _ := r.GetString(i, 1)
			want[int32(id)] = name
		}
		r.Close()
		if snapped[tb] {
			for id, name := range want {
				if state[tb][id] != name {
					t.Fatalf("table %s id %d: records say %q, table has %q", tb, id, state[tb][id], name)
				}
			}
			if len(state[tb]) != len(want) {
				t.Fatalf("table %s: records give %d rows, table has %d", tb, len(state[tb]), len(want))
			}
		} else {
			for id, name := range state["b"] {
				if want[id] != name {
					t.Fatalf("table b id %d: records say %q, table has %q", id, name, want[id])
				}
			}
		}
	}
}

// TestLiveAddTableAndSnapshotIt: a connector capturing one table is
// restarted with a second table added to table.include.list, then an
// execute-snapshot signal names the new table: its rows come as snapshot
// records, the first table's do not come again, and both tables stream.
// Blocking: the schema history keeps only captured tables' DDL and holds
// the new table's structure afterwards. Incremental: the history keeps
// every table's (Debezium's default; an incremental snapshot reads a
// table whose structure the history knows), the chunks are watermarked in
// a signalling table, and the rows come with source.snapshot "incremental".
func TestLiveAddTableAndSnapshotIt(t *testing.T) {
	for _, kind := range []string{"blocking", "incremental"} {
		t.Run(kind, func(t *testing.T) { testAddTableAndSnapshotIt(t, kind) })
	}
}

func testAddTableAndSnapshotIt(t *testing.T, kind string) {
	db := liveDB(t)
	pfx := fmt.Sprintf("gcadd%d", time.Now().UnixNano()%1e9)
	snapTables(t, db, pfx, map[string]int{"one": 20, "two": 30})
	prefix := fmt.Sprintf("add%d", time.Now().UnixNano())
	props := liveProps(prefix)
	props["table.include.list"] = "demo." + pfx + "_one"
	props["schema.history.internal.kafka.topic"] = prefix + "-history"
	props["schema.history.internal.kafka.bootstrap.servers"] = liveKafka
	topic := kafkaSignalProps(props)
	if kind == "blocking" {
		props["schema.history.internal.store.only.captured.tables.ddl"] = "true"
	} else {
		sig := pfx + "_sig"
		exec(t, db, "CREATE TABLE "+sig+" (id VARCHAR(64) PRIMARY KEY, type VARCHAR(32) NOT NULL, data VARCHAR(2048) NULL)")
		t.Cleanup(func() { _, _ = db.Execute("DROP TABLE IF EXISTS " + sig) })
		props["signal.data.collection"] = "demo." + sig
		props["signal.enabled.channels"] = "source,kafka"
		props["incremental.snapshot.chunk.size"] = "7" // several chunks
	}
	task := startTask(t, props, nil)
	recs := pollN(t, task, 20)
	last := recs[len(recs)-1].SourceOffset
	if err := task.Stop(); err != nil {
		t.Fatal(err)
	}
	exec(t, db, fmt.Sprintf("INSERT INTO %s_two VALUES (31, 'while stopped')", pfx))

	props["table.include.list"] = "demo." + pfx + "_one,demo." + pfx + "_two"
	task = startTask(t, props, last)
	one, two := prefix+".demo."+pfx+"_one", prefix+".demo."+pfx+"_two"
	recs = pollUntil(t, task, "the insert made while stopped", func(rs []connect.SourceRecord) bool { return countTopic(rs, two) == 1 })
	if r := dataRecs(recs, two)[0]; opOf(r) != "c" || recID(r) != 31 {
		t.Fatalf("first record of the new table: %v", r.Value)
	}
	sendSignals(t, topic, prefix, `{"id":"add-1","type":"execute-snapshot","data":{"type":"`+kind+`","data-collections":["demo.`+pfx+`_two"]}}`)
	recs = pollUntil(t, task, "the new table's snapshot", func(rs []connect.SourceRecord) bool { return countTopic(rs, two) == 31 })
	exec(t, db, fmt.Sprintf("INSERT INTO %s_one VALUES (100, 'x')", pfx), fmt.Sprintf("INSERT INTO %s_two VALUES (100, 'y')", pfx))
	recs = append(recs, pollUntil(t, task, "changes of both tables", func(rs []connect.SourceRecord) bool {
		return countTopic(rs, one) == 1 && countTopic(rs, two) == 1
	})...)
	for _, r := range dataRecs(recs, one) {
		if opOf(r) != "c" || recID(r) != 100 {
			t.Fatalf("first table: unexpected record %v (it must not be snapshotted again)", r.Value)
		}
	}
	ids := map[int32]bool{}
	for i, r := range dataRecs(recs, two) {
		switch {
		case i < 31:
			if opOf(r) != "r" {
				t.Fatalf("new table record %d: op %v", i, opOf(r))
			}
			if m := snapMarker(r); kind == "incremental" && m != "incremental" {
				t.Fatalf("new table record %d: source.snapshot %v, want incremental", i, m)
			}
			ids[recID(r)] = true
		case opOf(r) != "c" || recID(r) != 100:
			t.Fatalf("new table record %d: %v", i, r.Value)
		}
	}
	if len(ids) != 31 {
		t.Fatalf("snapshot of the new table: %d distinct rows, want 31", len(ids))
	}
	if kind != "blocking" {
		return
	}
	hist := readHistoryUntil(t, prefix+"-history", func(h []map[string]any) bool {
		for _, r := range h {
			if strings.HasPrefix(r["ddl"].(string), "CREATE TABLE `"+pfx+"_two`") {
				return true
			}
		}
		return false
	})
	found := false
	for _, r := range hist {
		found = found || strings.HasPrefix(r["ddl"].(string), "CREATE TABLE `"+pfx+"_two`")
	}
	if !found {
		t.Fatalf("the history lacks the new table's CREATE TABLE: %v", hist)
	}
}

// TestLiveIncrementalSignalsKafka drives an incremental snapshot with
// signals on the Kafka channel (execute-snapshot, pause-snapshot,
// resume-snapshot, stop-snapshot), the signalling table still carrying
// the watermarks. A log signal after each one, read back from the log,
// shows the one before it ran (the channel runs them in order).
func TestLiveIncrementalSignalsKafka(t *testing.T) {
	lb := captureLog(t)
	// 50,000 rows in chunks of 10: the snapshot cannot finish between the
	// resume and the stop, however fast the machine.
	f := newIncrFixture(t, 50000)
	f.props["incremental.snapshot.chunk.size"] = "10"
	topic := kafkaSignalProps(f.props)
	f.props["signal.enabled.channels"] = "source,kafka"
	prefix := f.props["topic.prefix"]
	send := func(id, typ, data string) { sendSignalAndWait(t, lb, topic, prefix, id, typ, data) }
	task := startTask(t, f.props, nil)
	l := newLatest()
	f.drain(t, task, l)

	send("k-snap-1", "execute-snapshot", fmt.Sprintf(`{"type":"incremental","data-collections":["demo.%s"]}`, f.table))
	var off map[string]any
	pollUntilCond(t, task, "incremental records", time.Minute, func(recs []connect.SourceRecord) bool {
		l.add(f.table, recs)
		for _, r := range recs {
			if incrRunning(r.SourceOffset) {
				off = r.SourceOffset
			}
		}
		return l.incremental >= 300
	})
	if off[offIncrCorrelation] != "k-snap-1" {
		t.Fatalf("offset context %v: want the Kafka signal's id as correlation id", off)
	}
	send("k-pause-1", "pause-snapshot", `{}`)
	f.drain(t, task, l)
	f.drain(t, task, l)
	paused := l.incremental
	f.drain(t, task, l)
	if l.incremental != paused || paused >= f.rows {
		t.Fatalf("paused by Kafka: %d records then %d (of %d)", paused, l.incremental, f.rows)
	}
	send("k-resume-1", "resume-snapshot", `{}`)
	pollUntilCond(t, task, "records after resume", time.Minute, func(recs []connect.SourceRecord) bool {
		l.add(f.table, recs)
		return l.incremental >= paused+200
	})
	send("k-stop-1", "stop-snapshot", `{"type":"incremental"}`)
	f.drain(t, task, l)
	f.drain(t, task, l)
	stopped := l.incremental
	if incrRunning(l.lastOffset) {
		t.Fatalf("offsets still carry the context after a Kafka stop: %v", l.lastOffset)
	}
	f.drain(t, task, l)
	if l.incremental != stopped || stopped >= f.rows {
		t.Fatalf("records after a Kafka stop: %d then %d of %d", stopped, l.incremental, f.rows)
	}
}

// TestLiveIncrementalPauseResumeBeforeClose pauses and resumes an
// incremental snapshot with one Kafka batch, so that both are handled
// while a chunk waits for its window to close (a chunk is read as the one
// before is emitted): the snapshot still ends with every row. A resume
// that read a new chunk then dropped the waiting one.
func TestLiveIncrementalPauseResumeBeforeClose(t *testing.T) {
	lb := captureLog(t)
	// Chunks of 10 over 20,000 rows: still running when the batch comes.
	f := newIncrFixture(t, 20000)
	f.props["incremental.snapshot.chunk.size"] = "10"
	topic := kafkaSignalProps(f.props)
	f.props["signal.enabled.channels"] = "source,kafka"
	prefix := f.props["topic.prefix"]
	task := startTask(t, f.props, nil)
	l := newLatest()
	f.drain(t, task, l)
	sendSignals(t, topic, prefix, fmt.Sprintf(`{"id":"pr-snap","type":"execute-snapshot","data":{"type":"incremental","data-collections":["demo.%s"]}}`, f.table))
	pollUntilCond(t, task, "incremental records", time.Minute, func(recs []connect.SourceRecord) bool {
		l.add(f.table, recs)
		return l.incremental >= 200
	})
	sendSignals(t, topic, prefix, `{"id":"pr-pause","type":"pause-snapshot","data":{}}`,
		prefix, `{"id":"pr-resume","type":"resume-snapshot","data":{}}`)
	pollUntilCond(t, task, "the pause and the resume", time.Minute, func(recs []connect.SourceRecord) bool {
		l.add(f.table, recs)
		return strings.Contains(lb.String(), "Resuming incremental snapshot")
	})
	if !strings.Contains(lb.String(), "Pausing incremental snapshot") {
		t.Fatal("the pause was not handled while the snapshot ran")
	}
	deadline := time.Now().Add(3 * time.Minute)
	for incrRunning(l.lastOffset) || l.incremental < f.rows/2 {
		if time.Now().After(deadline) {
			t.Fatalf("snapshot not finished: %d of %d rows", len(l.incrIDs), f.rows)
		}
		f.drain(t, task, l)
	}
	f.check(t, l)
}

// TestLiveIncrementalFailedStartDropped: an execute-snapshot whose first
// chunk cannot be read (its watermarks go to a signalling table that does
// not exist) is dropped, not kept in the offsets, where every restart
// failed on it again; one without any signalling table is refused.
func TestLiveIncrementalFailedStartDropped(t *testing.T) {
	lb := captureLog(t)
	f := newIncrFixture(t, 10)
	topic := kafkaSignalProps(f.props)
	prefix := f.props["topic.prefix"]
	f.props["signal.data.collection"] = "demo." + f.sig + "_missing"
	task := startTask(t, f.props, nil)
	send := func(id, data string) { sendSignalAndWait(t, lb, topic, prefix, id, "execute-snapshot", data) }
	send("fs-1", fmt.Sprintf(`{"type":"incremental","data-collections":["demo.%s"]}`, f.table))
	waitLog(t, lb, "the snapshot was dropped")
	exec(t, f.db, fmt.Sprintf("INSERT INTO %s VALUES (100, 1, 'after')", f.table))
	recs := pollN(t, task, 1)
	if incrRunning(recs[0].SourceOffset) {
		t.Fatalf("the failed request stayed in the offset: %v", recs[0].SourceOffset)
	}
	if err := task.Stop(); err != nil {
		t.Fatal(err)
	}
	exec(t, f.db, fmt.Sprintf("INSERT INTO %s VALUES (101, 1, 'while stopped')", f.table))
	task = startTask(t, f.props, recs[0].SourceOffset)
	recs = pollN(t, task, 1)
	if recID(recs[0]) != 101 {
		t.Fatalf("after the restart: %v", recs[0].Value)
	}

	delete(f.props, "signal.data.collection")
	if err := task.Stop(); err != nil {
		t.Fatal(err)
	}
	task = startTask(t, f.props, recs[0].SourceOffset)
	send("fs-2", fmt.Sprintf(`{"type":"incremental","data-collections":["demo.%s"]}`, f.table))
	waitLog(t, lb, "execute-snapshot ignored: incremental snapshots need signal.data.collection")
	exec(t, f.db, fmt.Sprintf("INSERT INTO %s VALUES (102, 1, 'last')", f.table))
	recs = pollN(t, task, 1)
	if recID(recs[0]) != 102 || incrRunning(recs[0].SourceOffset) {
		t.Fatalf("after a refused request: %v, offset %v", recs[0].Value, recs[0].SourceOffset)
	}
}

// TestLiveIncrementalFailedResumeDropped: a resume-snapshot whose chunk
// cannot be read (the signalling table renamed away while paused) drops
// the snapshot with a warning; kept, it ran with no chunk to close and
// never ended, its context in every offset.
func TestLiveIncrementalFailedResumeDropped(t *testing.T) {
	lb := captureLog(t)
	f := newIncrFixture(t, 20000)
	f.props["incremental.snapshot.chunk.size"] = "10"
	topic := kafkaSignalProps(f.props)
	f.props["signal.enabled.channels"] = "source,kafka" // the watermarks come back through the source channel
	prefix := f.props["topic.prefix"]
	task := startTask(t, f.props, nil)
	l := newLatest()
	waitLog(t, lb, "streaming binlog")
	sendSignalAndWait(t, lb, topic, prefix, "fr-snap", "execute-snapshot", fmt.Sprintf(`{"type":"incremental","data-collections":["demo.%s"]}`, f.table))
	pollUntilCond(t, task, "incremental records", time.Minute, func(recs []connect.SourceRecord) bool {
		l.add(f.table, recs)
		return l.incremental >= 100
	})
	sendSignals(t, topic, prefix, `{"id":"fr-pause","type":"pause-snapshot","data":{}}`)
	// Paused once the pending chunk's window closed and no chunk was read.
	pollWhileWaiting(t, task, l, f.table, "the pause", func() bool { return strings.Contains(lb.String(), "Incremental snapshot was paused.") })
	gone := f.sig + "_gone"
	exec(t, f.db, "RENAME TABLE "+f.sig+" TO "+gone)
	t.Cleanup(func() { _, _ = f.db.Execute("DROP TABLE IF EXISTS " + gone) })
	sendSignalAndWait(t, lb, topic, prefix, "fr-resume", "resume-snapshot", "{}")
	waitLog(t, lb, "Action resume-snapshot failed and the snapshot was dropped")
	exec(t, f.db, fmt.Sprintf("UPDATE %s SET v = 7 WHERE id = 20000", f.table))
	pollUntilCond(t, task, "the update after the failed resume", time.Minute, func(recs []connect.SourceRecord) bool {
		l.add(f.table, recs)
		for _, r := range recs {
			if r.Value != nil && opOf(r) == "u" && recID(r) == 20000 {
				if incrRunning(r.SourceOffset) {
					t.Fatalf("the dropped snapshot is still in the offset: %v", r.SourceOffset)
				}
				return true
			}
		}
		return false
	})
}

// TestLiveBlockingSnapshotRestartMidway stops the task in the middle of a
// blocking snapshot and restarts it from the last record it handed over:
// the records carry the stream's offset, so it resumes streaming where
// the snapshot began (no initial snapshot, no change again, none lost).
func TestLiveBlockingSnapshotRestartMidway(t *testing.T) {
	db := liveDB(t)
	pfx := fmt.Sprintf("gcmid%d", time.Now().UnixNano()%1e9)
	snapTables(t, db, pfx, map[string]int{"a": 30000})
	prefix := fmt.Sprintf("mid%d", time.Now().UnixNano())
	props := liveProps(prefix)
	props["table.include.list"] = "demo." + pfx + "_a"
	props["max.batch.size"], props["max.queue.size"] = "512", "2048" // the snapshot waits on a full queue: stopped midway
	topic := kafkaSignalProps(props)
	task := startTask(t, props, nil)
	pollN(t, task, 30000) // the initial snapshot
	exec(t, db, fmt.Sprintf("INSERT INTO %s_a VALUES (900001, 'before')", pfx))
	recs := pollN(t, task, 1)
	if opOf(recs[0]) != "c" || recID(recs[0]) != 900001 {
		t.Fatalf("streamed: %v", recs[0].Value)
	}
	sendSignals(t, topic, prefix, `{"id":"mid-1","type":"execute-snapshot","data":{"type":"blocking","data-collections":["demo.`+pfx+`_a"]}}`)
	recs = pollN(t, task, 100)
	last := recs[len(recs)-1]
	if opOf(last) != "r" || snapMarker(last) == "last" {
		t.Fatalf("not midway: %v", last.Value)
	}
	if err := task.Stop(); err != nil {
		t.Fatal(err)
	}
	exec(t, db, fmt.Sprintf("INSERT INTO %s_a VALUES (900002, 'while stopped')", pfx))
	task = startTask(t, props, last.SourceOffset)
	recs = pollUntil(t, task, "the insert made while stopped", func(rs []connect.SourceRecord) bool {
		for _, r := range rs {
			if r.Value != nil && recID(r) == 900002 {
				return true
			}
		}
		return false
	})
	for _, r := range recs {
		if r.Value != nil && (opOf(r) == "r" || recID(r) == 900001) {
			t.Fatalf("after the restart: %v (want only the change made while stopped)", r.Value)
		}
	}
}

// TestLiveKafkaSignalTopicCreatedLater: with the default settings the
// channel starts at the end of the topic; a topic that does not exist yet
// ends at its beginning, so the signal whose write creates it runs (the
// Java consumer has such a topic auto-created, empty, when it starts).
func TestLiveKafkaSignalTopicCreatedLater(t *testing.T) {
	lb := captureLog(t)
	prefix := fmt.Sprintf("siglate%d", time.Now().UnixNano())
	props := liveProps(prefix)
	props["snapshot.mode"] = "no_data"
	topic := kafkaSignalProps(props)
	delete(props, "signal.kafka.consumer.offset.commit.enabled")
	startTask(t, props, nil)
	waitLog(t, lb, "subscribed to the signal topic")
	sendSignals(t, topic, prefix, `{"type":"log","data":{"message":"the first signal of a new topic"}}`)
	waitLog(t, lb, "the first signal of a new topic")
}

// TestLiveBlockingSnapshotLockTimeout: a blocking snapshot whose global
// read lock cannot be had (another session holds a table write lock) gives
// up after snapshot.lock.timeout.ms (2 s here; Debezium's default is 10 s);
// the signal is logged as failed and streaming goes on.
func TestLiveBlockingSnapshotLockTimeout(t *testing.T) {
	lb := captureLog(t)
	db := liveDB(t)
	tb := fmt.Sprintf("gc_lk%d", time.Now().UnixNano()%1e9)
	exec(t, db, "CREATE TABLE "+tb+" (id INT PRIMARY KEY)")
	t.Cleanup(func() { _, _ = db.Execute("DROP TABLE IF EXISTS " + tb) })
	prefix := fmt.Sprintf("lk%d", time.Now().UnixNano())
	props := liveProps(prefix)
	props["table.include.list"] = "demo." + tb
	props["snapshot.mode"] = "no_data"
	props["snapshot.lock.timeout.ms"] = "2000"
	topic := kafkaSignalProps(props)
	task := startTask(t, props, nil)
	waitLog(t, lb, "streaming binlog")
	locker := liveDB(t)
	exec(t, locker, "LOCK TABLES "+tb+" WRITE")
	sent := time.Now()
	sendSignals(t, topic, prefix, `{"id":"lk-1","type":"execute-snapshot","data":{"type":"blocking","data-collections":["demo.`+tb+`"]}}`)
	waitLog(t, lb, "blocking snapshot failed, signal ignored")
	if d := time.Since(sent); d > 8*time.Second {
		t.Fatalf("the blocking snapshot gave up after %v: snapshot.lock.timeout.ms=2000 not applied", d)
	}
	exec(t, locker, "UNLOCK TABLES")
	exec(t, db, "INSERT INTO "+tb+" VALUES (1)")
	recs := pollN(t, task, 1)
	if opOf(recs[0]) != "c" {
		t.Fatalf("after the failed blocking snapshot: %v", recs[0].Value)
	}
}

// TestLiveSnapshotLockTimeout: an initial snapshot whose global read lock
// cannot be had (another session holds a table write lock) fails the task
// after snapshot.lock.timeout.ms, as Debezium's lock_wait_timeout makes it,
// instead of waiting for the server's default (a day on MariaDB).
func TestLiveSnapshotLockTimeout(t *testing.T) {
	db := liveDB(t)
	tb := fmt.Sprintf("gc_slk%d", time.Now().UnixNano()%1e9)
	exec(t, db, "CREATE TABLE "+tb+" (id INT PRIMARY KEY)")
	t.Cleanup(func() { _, _ = db.Execute("DROP TABLE IF EXISTS " + tb) })
	locker := liveDB(t)
	exec(t, locker, "LOCK TABLES "+tb+" WRITE")
	t.Cleanup(func() { _, _ = locker.Execute("UNLOCK TABLES") })
	props := liveProps(fmt.Sprintf("slk%d", time.Now().UnixNano()))
	props["table.include.list"] = "demo." + tb
	props["snapshot.lock.timeout.ms"] = "2000"
	start := time.Now()
	task := startTask(t, props, nil)
	for {
		_, err := task.Poll(context.Background())
		if err != nil {
			if !strings.Contains(err.Error(), "Lock wait timeout") {
				t.Fatalf("want the lock wait timeout, got %v", err)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Fatalf("the snapshot gave up after %v with snapshot.lock.timeout.ms=2000", d)
			}
			return
		}
		if time.Since(start) > 20*time.Second {
			t.Fatal("the snapshot still waits for the global read lock after 20 s with snapshot.lock.timeout.ms=2000")
		}
	}
}

// TestLiveSnapshotAndStreamingDelay: snapshot.delay.ms holds the snapshot
// back and streaming.delay.ms the stream after it (Debezium's
// delaySnapshotIfNeeded and delayStreamingIfNeeded), each logged.
func TestLiveSnapshotAndStreamingDelay(t *testing.T) {
	lb := captureLog(t)
	db := liveDB(t)
	tb := fmt.Sprintf("gc_dly%d", time.Now().UnixNano()%1e9)
	exec(t, db, "CREATE TABLE "+tb+" (id INT PRIMARY KEY)", "INSERT INTO "+tb+" VALUES (1)")
	t.Cleanup(func() { _, _ = db.Execute("DROP TABLE IF EXISTS " + tb) })
	props := liveProps(fmt.Sprintf("dly%d", time.Now().UnixNano()))
	props["table.include.list"] = "demo." + tb
	props["snapshot.delay.ms"] = "1500"
	props["streaming.delay.ms"] = "2000"
	start := time.Now()
	task := startTask(t, props, nil)
	recs := pollN(t, task, 1)
	if d := time.Since(start); opOf(recs[0]) != "r" || d < 1500*time.Millisecond {
		t.Fatalf("snapshot record %v after %v: want op r after snapshot.delay.ms (1.5 s)", recs[0].Value, d)
	}
	snapped := time.Now()
	exec(t, db, "INSERT INTO "+tb+" VALUES (2)")
	recs = pollN(t, task, 1)
	if d := time.Since(snapped); opOf(recs[0]) != "c" || d < 1500*time.Millisecond {
		t.Fatalf("first change %v %v after the snapshot: want op c after streaming.delay.ms (2 s)", recs[0].Value, d)
	}
	waitLog(t, lb, "The connector will wait for 1s before proceeding", "The connector will wait for 2s before initiating streaming")
}

// TestLiveIncrementalStopSomeTables: an incremental snapshot of three
// tables named by one regular expression, its signals on a Kafka topic
// named by signal.kafka.topic (a log signal on the default topic is never
// read). A stop-snapshot naming a queued table takes it out before it
// starts; one naming the table being read ends that table's snapshot and
// the next one starts: the stopped queued table gets no snapshot record,
// the stopped current one fewer than its rows, the third all of its rows.
func TestLiveIncrementalStopSomeTables(t *testing.T) {
	lb := captureLog(t)
	db := liveDB(t)
	pfx := fmt.Sprintf("gcstop%d", time.Now().UnixNano()%1e9)
	const rows = 20000
	tables := []string{pfx + "_ta", pfx + "_tb", pfx + "_tc"}
	for _, tb := range tables {
		exec(t, db, "CREATE TABLE "+tb+" (id INT PRIMARY KEY, v INT NOT NULL, name VARCHAR(20))")
		t.Cleanup(func() { _, _ = db.Execute("DROP TABLE IF EXISTS " + tb) })
		for from := 1; from <= rows; from += 5000 {
			var vals []string
			for i := from; i < from+5000; i++ {
				vals = append(vals, fmt.Sprintf("(%d, 0, 'n%d')", i, i))
			}
			exec(t, db, "INSERT INTO "+tb+" VALUES "+strings.Join(vals, ","))
		}
	}
	sig := pfx + "_sig"
	exec(t, db, "CREATE TABLE "+sig+" (id VARCHAR(64) PRIMARY KEY, type VARCHAR(32) NOT NULL, data VARCHAR(2048) NULL)")
	t.Cleanup(func() { _, _ = db.Execute("DROP TABLE IF EXISTS " + sig) })
	prefix := fmt.Sprintf("stop%d", time.Now().UnixNano())
	props := liveProps(prefix)
	props["table.include.list"] = "demo." + pfx + "_t.*"
	props["snapshot.mode"] = "no_data"
	props["signal.data.collection"] = "demo." + sig
	props["incremental.snapshot.chunk.size"] = "10"
	defaultTopic := kafkaSignalProps(props)
	topic := prefix + "-custom-signals"
	props["signal.kafka.topic"] = topic
	props["signal.enabled.channels"] = "source,kafka"
	send := func(id, typ, data string) { sendSignalAndWait(t, lb, topic, prefix, id, typ, data) }
	sendSignals(t, defaultTopic, prefix, `{"id":"wrong-topic","type":"log","data":{"message":"read from the default topic"}}`)
	task := startTask(t, props, nil)
	perTable := map[string]*latest{}
	for _, tb := range tables {
		perTable[tb] = newLatest()
	}
	add := func(recs []connect.SourceRecord) {
		for _, tb := range tables {
			perTable[tb].add(tb, recs)
		}
	}
	send("st-1", "execute-snapshot", `{"type":"incremental","data-collections":["demo\\.`+pfx+`_t[abc]"]}`)
	current := ""
	pollUntilCond(t, task, "the first table's records", time.Minute, func(recs []connect.SourceRecord) bool {
		add(recs)
		for _, tb := range tables {
			if perTable[tb].incremental >= 100 {
				current = tb
			}
		}
		return current != ""
	})
	var queued, third string
	for _, tb := range tables {
		switch {
		case tb == current:
		case queued == "":
			queued = tb
		default:
			third = tb
		}
	}
	send("st-2", "stop-snapshot", `{"type":"incremental","data-collections":["demo.`+queued+`"]}`)
	waitLog(t, lb, "Removed collection from incremental snapshot collection list.")
	send("st-3", "stop-snapshot", `{"type":"incremental","data-collections":["demo.`+current+`"]}`)
	pollUntilCond(t, task, "the third table's snapshot", 2*time.Minute, func(recs []connect.SourceRecord) bool {
		add(recs)
		return perTable[third].incremental >= rows
	})
	var off map[string]any
	pollUntilCond(t, task, "the snapshot's end in the offsets", time.Minute, func(recs []connect.SourceRecord) bool {
		add(recs)
		if len(recs) > 0 {
			off = recs[len(recs)-1].SourceOffset
		}
		if off != nil && !incrRunning(off) {
			return true
		}
		exec(t, db, "UPDATE "+third+" SET v = v + 1 WHERE id = 1")
		return false
	})
	t.Logf("current %s: %d records; queued %s: %d; third %s: %d", current, perTable[current].incremental,
		queued, perTable[queued].incremental, third, perTable[third].incremental)
	if n := perTable[current].incremental; n >= rows || n < 100 {
		t.Fatalf("the stopped current table %s: %d snapshot records (want some, fewer than %d)", current, n, rows)
	}
	if n := perTable[queued].incremental; n != 0 {
		t.Fatalf("the stopped queued table %s: %d snapshot records", queued, n)
	}
	if n := len(perTable[third].incrIDs); n != rows {
		t.Fatalf("the third table %s: %d distinct snapshot rows, want %d", third, n, rows)
	}
	if strings.Contains(lb.String(), "read from the default topic") {
		t.Fatal("a signal on the default topic was read although signal.kafka.topic names another")
	}
}

// TestLiveBlockingSnapshotRegex: a blocking snapshot signal (through the
// signalling table, or the signal file) whose data-collections is a
// regular expression snapshots the captured tables it matches, not the
// other one.
func TestLiveBlockingSnapshotRegex(t *testing.T) {
	for _, channel := range []string{"source", "file"} {
		t.Run(channel, func(t *testing.T) { testBlockingSnapshotRegex(t, channel) })
	}
}

func testBlockingSnapshotRegex(t *testing.T, channel string) {
	lb := captureLog(t)
	db := liveDB(t)
	pfx := fmt.Sprintf("gcbre%d", time.Now().UnixNano()%1e9)
	snapTables(t, db, pfx, map[string]int{"t1": 5, "t2": 6, "x": 7})
	prefix := fmt.Sprintf("bre%d", time.Now().UnixNano())
	props := liveProps(prefix)
	props["table.include.list"] = "demo." + pfx + "_.*"
	props["snapshot.mode"] = "no_data"
	ch := signalChannel(t, db, props, channel)
	task := startTask(t, props, nil)
	waitLog(t, lb, "streaming binlog") // a signal row before it would fall before its start
	ch.send(t, "bre-1", "execute-snapshot", `{"type":"blocking","data-collections":["demo\\.`+pfx+`_t[0-9]"]}`)
	t1, t2, x := prefix+".demo."+pfx+"_t1", prefix+".demo."+pfx+"_t2", prefix+".demo."+pfx+"_x"
	recs := pollUntil(t, task, "the matched tables' snapshot", func(rs []connect.SourceRecord) bool {
		return countTopic(rs, t1) == 5 && countTopic(rs, t2) == 6
	})
	exec(t, db, fmt.Sprintf("INSERT INTO %s_x VALUES (100, 'after')", pfx))
	recs = append(recs, pollUntil(t, task, "the unmatched table's insert", func(rs []connect.SourceRecord) bool { return countTopic(rs, x) == 1 })...)
	for _, r := range append(dataRecs(recs, t1), dataRecs(recs, t2)...) {
		if opOf(r) != "r" {
			t.Fatalf("matched table record %v: want a snapshot record", r.Value)
		}
	}
	if xs := dataRecs(recs, x); len(xs) != 1 || opOf(xs[0]) != "c" || recID(xs[0]) != 100 {
		t.Fatalf("the unmatched table must not be snapshotted: %d records, first %v", len(xs), xs[0].Value)
	}
}

// TestLiveIncrementalFileChannel: an incremental snapshot asked for on the
// file channel (the signalling table still carrying the watermarks) runs
// to its end: every row once, the signal's id as correlation id, the file
// emptied.
func TestLiveIncrementalFileChannel(t *testing.T) {
	f := newIncrFixture(t, 3000)
	f.props["incremental.snapshot.chunk.size"] = "100"
	path := filepath.Join(t.TempDir(), "signals.txt")
	f.props["signal.enabled.channels"] = "source,file"
	f.props["signal.file"] = path
	f.props["signal.poll.interval.ms"] = "100"
	task := startTask(t, f.props, nil)
	l := newLatest()
	f.drain(t, task, l)
	appendSignalLine(t, path, fmt.Sprintf(`{"id":"file-1","type":"execute-snapshot","data":{"type":"incremental","data-collections":["demo.%s"]}}`, f.table))
	var during map[string]any
	pollUntilCond(t, task, "the whole table", time.Minute, func(recs []connect.SourceRecord) bool {
		l.add(f.table, recs)
		for _, r := range recs {
			if incrRunning(r.SourceOffset) {
				during = r.SourceOffset
			}
		}
		return len(l.incrIDs) >= f.rows
	})
	if l.incremental != f.rows || during[offIncrCorrelation] != "file-1" {
		t.Fatalf("%d incremental records for %d rows; offset during %v", l.incremental, f.rows, during)
	}
	if b, err := os.ReadFile(path); err != nil || len(b) != 0 {
		t.Fatalf("the signal file was not emptied: %q %v", b, err)
	}
}
