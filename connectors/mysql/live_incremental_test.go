//go:build e2e

package mysql

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/client"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/data"
)

// incrFixture is a table demo.<prefix>_t (id INT PRIMARY KEY, v INT,
// name VARCHAR(20)) with ids 1..rows and a signalling table
// demo.<prefix>_sig, both dropped after the test.
type incrFixture struct {
	db          *client.Conn
	table, sig  string
	rows        int
	props       map[string]string
	insertBatch int
}

func newIncrFixture(t *testing.T, rows int) *incrFixture {
	t.Helper()
	db := liveDB(t)
	prefix := fmt.Sprintf("gcinc%d", time.Now().UnixNano()%1e9)
	f := &incrFixture{db: db, table: prefix + "_t", sig: prefix + "_sig", rows: rows, insertBatch: 5000}
	exec(t, db, "CREATE TABLE "+f.table+" (id INT PRIMARY KEY, v INT NOT NULL, name VARCHAR(20))",
		"CREATE TABLE "+f.sig+" (id VARCHAR(42) PRIMARY KEY, type VARCHAR(32) NOT NULL, data VARCHAR(2048) NULL)")
	t.Cleanup(func() { _, _ = db.Execute("DROP TABLE IF EXISTS " + f.table + ", " + f.sig) })
	for from := 1; from <= rows; from += f.insertBatch {
		var vals []string
		for i := from; i < from+f.insertBatch && i <= rows; i++ {
			vals = append(vals, fmt.Sprintf("(%d, 0, 'n%d')", i, i))
		}
		exec(t, db, "INSERT INTO "+f.table+" VALUES "+strings.Join(vals, ","))
	}
	f.props = liveProps(prefix)
	f.props["table.include.list"] = "demo." + f.table
	f.props["snapshot.mode"] = "no_data"
	f.props["signal.data.collection"] = "demo." + f.sig
	return f
}

func (f *incrFixture) signal(t *testing.T, id, typ, data string) {
	t.Helper()
	exec(t, f.db, fmt.Sprintf("INSERT INTO %s VALUES (%s, %s, %s)", f.sig, quoteLit(id), quoteLit(typ), quoteLit(data)))
}

// startWriter updates, deletes and re-inserts random rows until the
// returned stop is called; writes counts its changes. Half of them go to
// the rows just after frontier (the largest id snapshotted so far, when
// set): the chunk being read.
func (f *incrFixture) startWriter(t *testing.T, writes, frontier *atomic.Int64) (stop func()) {
	return startWriters(t, 1, writes, func(_, n int) []string {
		id := 1 + rand.IntN(f.rows)
		if fr := int(frontier.Load()); fr > 0 && rand.IntN(2) == 0 {
			id = min(f.rows, fr+1+rand.IntN(2048))
		}
		switch rand.IntN(4) {
		case 0:
			return []string{fmt.Sprintf("DELETE FROM %s WHERE id = %d", f.table, id)}
		case 1:
			return []string{fmt.Sprintf("INSERT IGNORE INTO %s VALUES (%d, %d, 'w')", f.table, id, n)}
		}
		return []string{fmt.Sprintf("UPDATE %s SET v = v + 1, name = 'u%d' WHERE id = %d", f.table, n, id)}
	})
}

// latest keeps the last record per id: its value row, or nil after a
// delete or tombstone.
type latest struct {
	rows        map[int32]*data.Struct
	incremental int
	incrIDs     map[int32]bool
	maxIncr     int32
	lastOffset  map[string]any
}

func newLatest() *latest { return &latest{rows: map[int32]*data.Struct{}, incrIDs: map[int32]bool{}} }

func (l *latest) add(table string, recs []connect.SourceRecord) {
	for _, r := range recs {
		l.lastOffset = r.SourceOffset
		if !strings.HasSuffix(r.Topic, "."+table) {
			continue
		}
		id := r.Key.(*data.Struct).RawIndex(0).(int32)
		if r.Value == nil {
			l.rows[id] = nil
			continue
		}
		env := r.Value.(*data.Struct)
		after, _ := env.RawIndex(1).(*data.Struct)
		l.rows[id] = after
		if env.RawIndex(4) == "r" {
			src := env.RawIndex(2).(*data.Struct)
			if src.RawIndex(4) != "incremental" {
				panic(fmt.Sprintf("an 'r' record marked %v", src.RawIndex(4)))
			}
			l.incremental++
			l.incrIDs[id] = true
			l.maxIncr = max(l.maxIncr, id)
		}
	}
}

// pollUntilCond polls until done says so, failing after the deadline.
func pollUntilCond(t *testing.T, task *Task, what string, timeout time.Duration, done func([]connect.SourceRecord) bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		recs, err := task.Poll(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if done(recs) {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// drain inserts a marker row into the signalling table (a signal type
// nothing acts on apart from a warning) and polls until its record
// arrives.
func (f *incrFixture) drain(t *testing.T, task *Task, l *latest) {
	t.Helper()
	f.drainThrough(t, task, l, f.sig, func(marker string) { f.signal(t, marker, "drain-marker", "") })
}

// drainThrough inserts marker rows (by insert) into markerTable and polls,
// adding what comes to l, until one's record arrives; markers are
// repeated, since one written before streaming began is never seen.
func (f *incrFixture) drainThrough(t *testing.T, task *Task, l *latest, markerTable string, insert func(marker string)) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		marker := fmt.Sprintf("drain-%d", time.Now().UnixNano())
		insert(marker)
		until := time.Now().Add(5 * time.Second)
		for time.Now().Before(until) {
			recs, err := task.Poll(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			l.add(f.table, recs)
			for _, r := range recs {
				if strings.HasSuffix(r.Topic, "."+markerTable) && r.Value != nil {
					if after, _ := r.Value.(*data.Struct).RawIndex(1).(*data.Struct); after != nil && after.RawIndex(0) == marker {
						return
					}
				}
			}
		}
	}
	t.Fatal("timed out waiting for a drain marker")
}

// check compares the latest record per key with the table.
func (f *incrFixture) check(t *testing.T, l *latest) {
	t.Helper()
	res, err := f.db.Execute("SELECT id, v, name FROM " + f.table)
	if err != nil {
		t.Fatal(err)
	}
	inTable := map[int32]bool{}
	bad := 0
	for i := 0; i < res.RowNumber(); i++ {
		id, _ := res.GetInt(i, 0)
		v, _ := res.GetInt(i, 1)
		name, _ := res.GetString(i, 2)
		inTable[int32(id)] = true
		got := l.rows[int32(id)]
		if got == nil || got.RawIndex(1) != int32(v) || got.RawIndex(2) != name {
			if bad++; bad <= 5 {
				t.Errorf("id %d: table has v=%d name=%q, last record %v", id, v, name, got)
			}
		}
	}
	for id, r := range l.rows {
		if r != nil && !inTable[id] {
			if bad++; bad <= 10 {
				t.Errorf("id %d was deleted but its last record is %v", id, r)
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%d keys differ (table %d rows)", bad, res.RowNumber())
	}
}

// snapshotEnd finds the first record after an incremental snapshot: one
// whose offset lacks the snapshot's context after one that has it.
type snapshotEnd struct {
	running bool
	during  map[string]any // the last offset with the context
}

// after reports whether recs hold that record; with a topic suffix, only
// a record of such a topic counts.
func (e *snapshotEnd) after(recs []connect.SourceRecord, topicSuffix string) bool {
	for _, r := range recs {
		if incrRunning(r.SourceOffset) {
			e.running, e.during = true, r.SourceOffset
		} else if e.running && strings.HasSuffix(r.Topic, topicSuffix) {
			return true
		}
	}
	return false
}

func incrRunning(off map[string]any) bool {
	_, ok := off[offIncrCollections]
	return ok
}

// TestLiveIncrementalSnapshotUnderWrites snapshots a 200k-row table
// incrementally while a writer updates, deletes and re-inserts random
// rows: after the snapshot and the drain the last record of every key
// is the table's row (deleted keys end deleted), none missing.
func TestLiveIncrementalSnapshotUnderWrites(t *testing.T) {
	f := newIncrFixture(t, 200000)
	task := startTask(t, f.props, nil)
	l := newLatest()
	f.drain(t, task, l) // streaming
	var writes, frontier atomic.Int64
	stop := f.startWriter(t, &writes, &frontier)
	f.signal(t, "ad-hoc-1", "execute-snapshot", fmt.Sprintf(`{"data-collections": ["demo\\.%s"], "type": "incremental"}`, f.table))
	began := time.Now()
	var end snapshotEnd
	pollUntilCond(t, task, "the incremental snapshot's end", 5*time.Minute, func(recs []connect.SourceRecord) bool {
		l.add(f.table, recs)
		frontier.Store(int64(l.maxIncr))
		return end.after(recs, "."+f.sig) // the last window's close row
	})
	took := time.Since(began)
	stop()
	f.drain(t, task, l)
	t.Logf("incremental snapshot of %d rows: %v, %d incremental records, %d concurrent writes", f.rows, took, l.incremental, writes.Load())
	if l.incremental < f.rows/2 {
		t.Fatalf("only %d incremental records for %d rows", l.incremental, f.rows)
	}
	if writes.Load() < 100 {
		t.Fatalf("only %d concurrent writes: the test did not exercise the windows", writes.Load())
	}
	f.check(t, l)
	// The writer also hammers the rows just ahead of the snapshot (see
	// writer), so that some change lands inside an open window; without
	// deduplication the check above fails (stale chunk rows win).
	if d := task.incrDrops.Load(); d == 0 {
		t.Fatal("no chunk row was changed inside its window: deduplication was not exercised")
	} else {
		t.Logf("%d chunk rows dropped for a change inside their window", d)
	}
}

// TestLiveIncrementalSignals: pause stops new chunks, resume continues,
// stop ends the snapshot; bad signals are warned about and streaming goes
// on; offsets carry Debezium's context while a snapshot runs.
func TestLiveIncrementalSignals(t *testing.T) {
	// 50,000 rows in chunks of 10: the snapshot cannot finish before the
	// pause or between the resume and the stop, however fast the machine.
	lb := captureLog(t)
	f := newIncrFixture(t, 50000)
	f.props["incremental.snapshot.chunk.size"] = "10"
	task := startTask(t, f.props, nil)
	l := newLatest()
	f.drain(t, task, l)
	// Bad signals: unknown type, bad JSON, unknown table, missing field.
	f.signal(t, "bad-1", "no-such-signal", "{}")
	f.signal(t, "bad-2", "execute-snapshot", "{not json")
	f.signal(t, "bad-3", "execute-snapshot", `{"data-collections": ["demo.no_such_table"]}`)
	f.signal(t, "bad-4", "execute-snapshot", `{"type": "incremental"}`)
	f.drain(t, task, l)
	if l.incremental != 0 || incrRunning(l.lastOffset) {
		t.Fatalf("bad signals produced %d snapshot records, offset %v", l.incremental, l.lastOffset)
	}
	// Each was read and turned down, the unknown table once its snapshot
	// reached it.
	waitLog(t, lb, "signal=bad-1", "the type is not recognized",
		"signal=bad-2", "its data cannot be parsed",
		"Schema not found for table", "table=demo.no_such_table",
		"signal=bad-4", "'data-collections' is missing")
	exec(t, f.db, fmt.Sprintf("UPDATE %s SET v = 7 WHERE id = 1", f.table))
	f.drain(t, task, l)
	if r := l.rows[1]; r == nil || r.RawIndex(1) != int32(7) {
		t.Fatalf("streaming stopped after bad signals: %v", r)
	}

	f.signal(t, "snap-1", "execute-snapshot", fmt.Sprintf(`{"data-collections": ["demo.%s"]}`, f.table))
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
	want := fmt.Sprintf(`[{"incremental_snapshot_collections_id":"demo.%s","incremental_snapshot_collections_additional_condition":null,"incremental_snapshot_collections_surrogate_key":null}]`, f.table)
	if off[offIncrCollections] != want || off[offIncrCorrelation] != "snap-1" {
		t.Fatalf("offset context %v", off)
	}
	if k, err := javaDeserializeKey(off[offIncrMaximumKey].(string)); err != nil || len(k) != 1 || k[0] != int32(f.rows) {
		t.Fatalf("maximum key %v %v", k, err)
	}
	f.signal(t, "pause-1", "pause-snapshot", "")
	// The chunk whose window was open when the pause arrived is still
	// emitted (as Debezium does): its close row is in the binlog before
	// the second marker.
	f.drain(t, task, l)
	f.drain(t, task, l)
	paused := l.incremental
	f.drain(t, task, l)
	if l.incremental != paused {
		t.Fatalf("records still coming while paused: %d then %d", paused, l.incremental)
	}
	if paused >= f.rows {
		t.Fatalf("the snapshot finished before the pause took effect (%d)", paused)
	}
	f.signal(t, "resume-1", "resume-snapshot", "")
	pollUntilCond(t, task, "records after resume", time.Minute, func(recs []connect.SourceRecord) bool {
		l.add(f.table, recs)
		return l.incremental >= paused+200
	})
	f.signal(t, "stop-1", "stop-snapshot", `{"type": "incremental"}`)
	f.drain(t, task, l)
	f.drain(t, task, l)
	stopped := l.incremental
	if incrRunning(l.lastOffset) {
		t.Fatalf("offsets still carry the context after stop: %v", l.lastOffset)
	}
	f.drain(t, task, l)
	if l.incremental != stopped || stopped >= f.rows {
		t.Fatalf("records after stop: %d then %d of %d", stopped, l.incremental, f.rows)
	}

	// additional-conditions with a regex data-collection: only matching rows.
	l2 := newLatest()
	f.signal(t, "snap-2", "execute-snapshot", fmt.Sprintf(`{"data-collections": ["demo\\.gcinc.*_t"], "additional-conditions": [{"data-collection": "demo.%s", "filter": "id <= 250"}]}`, f.table))
	seen := false
	pollUntilCond(t, task, "the filtered snapshot", time.Minute, func(recs []connect.SourceRecord) bool {
		l2.add(f.table, recs)
		for _, r := range recs {
			if incrRunning(r.SourceOffset) {
				seen = true
			} else if seen {
				return true
			}
		}
		return false
	})
	f.drain(t, task, l2)
	if l2.incremental != 250 || len(l2.incrIDs) != 250 {
		t.Fatalf("filtered snapshot: %d records, %d ids, want 250", l2.incremental, len(l2.incrIDs))
	}
}

// TestLiveIncrementalInsertDelete: with the insert_delete watermarking
// strategy the window closes when the open row is deleted; every row is
// snapshotted and no window row is left in the signalling table.
func TestLiveIncrementalInsertDelete(t *testing.T) {
	f := newIncrFixture(t, 3000)
	f.props["incremental.snapshot.chunk.size"] = "500"
	f.props["incremental.snapshot.watermarking.strategy"] = "insert_delete"
	task := startTask(t, f.props, nil)
	l := newLatest()
	f.drain(t, task, l)
	f.signal(t, "snap-d", "execute-snapshot", fmt.Sprintf(`{"data-collections": ["demo.%s"]}`, f.table))
	pollUntilCond(t, task, "all rows snapshotted", time.Minute, func(recs []connect.SourceRecord) bool {
		l.add(f.table, recs)
		return len(l.incrIDs) == f.rows
	})
	f.drain(t, task, l)
	if l.incremental != f.rows {
		t.Fatalf("%d incremental records for %d rows", l.incremental, f.rows)
	}
	res, err := f.db.Execute("SELECT COUNT(*) FROM " + f.sig + " WHERE type LIKE 'snapshot-window-%'")
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.GetInt(0, 0); n != 0 {
		t.Fatalf("%d window rows left in the signalling table", n)
	}
	f.check(t, l)
}

// TestLiveIncrementalSurrogateKey: execute-snapshot with surrogate-key
// reads the table in chunks ordered by that column (a unique permutation
// of the ids here), not by the primary key, while a writer updates random
// rows: the incremental records come in increasing surrogate order, the
// offsets carry the surrogate key in the collections' JSON (Debezium's
// incremental_snapshot_collections_surrogate_key), records keep the
// primary key as key, and every key's last record is the table's row.
func TestLiveIncrementalSurrogateKey(t *testing.T) {
	const rows = 20000
	f := newIncrFixture(t, rows)
	// seq = id*7919 mod rows: unique, in an order unrelated to the ids.
	exec(t, f.db, "ALTER TABLE "+f.table+" ADD COLUMN seq INT NULL",
		fmt.Sprintf("UPDATE %s SET seq = (id * 7919) %% %d", f.table, rows),
		"ALTER TABLE "+f.table+" MODIFY seq INT NOT NULL, ADD UNIQUE KEY (seq)")
	f.props["incremental.snapshot.chunk.size"] = "100"
	task := startTask(t, f.props, nil)
	l := newLatest()
	f.drain(t, task, l) // streaming
	var writes atomic.Int64
	stop := startWriters(t, 1, &writes, func(_, n int) []string {
		return []string{fmt.Sprintf("UPDATE %s SET v = v + 1, name = 'u%d' WHERE id = %d", f.table, n, 1+rand.IntN(rows))}
	})
	f.signal(t, "sk-1", "execute-snapshot", fmt.Sprintf(`{"data-collections": ["demo\\.%s"], "surrogate-key": "seq"}`, f.table))
	var seqs []int32
	seenRunning, sawSurrogate := false, false
	pollUntilCond(t, task, "the incremental snapshot's end", 3*time.Minute, func(recs []connect.SourceRecord) bool {
		l.add(f.table, recs)
		for _, r := range recs {
			if strings.HasSuffix(r.Topic, "."+f.table) && r.Value != nil {
				env := r.Value.(*data.Struct)
				if env.RawIndex(4) == "r" {
					seqs = append(seqs, env.RawIndex(1).(*data.Struct).RawIndex(3).(int32))
					if r.Key.(*data.Struct).Schema().Fields[0].Name != "id" {
						t.Fatalf("an incremental record keyed %v, not by the primary key", r.Key)
					}
				}
			}
			if incrRunning(r.SourceOffset) {
				seenRunning = true
				if c, _ := r.SourceOffset[offIncrCollections].(string); strings.Contains(c, `"incremental_snapshot_collections_surrogate_key":"seq"`) {
					sawSurrogate = true
				}
			} else if seenRunning && strings.HasSuffix(r.Topic, "."+f.sig) {
				return true
			}
		}
		return false
	})
	stop()
	f.drain(t, task, l)
	t.Logf("%d incremental records, %d concurrent updates", len(seqs), writes.Load())
	if !sawSurrogate {
		t.Fatal("no offset carried the surrogate key in incremental_snapshot_collections")
	}
	if len(seqs) < rows/2 {
		t.Fatalf("only %d incremental records for %d rows", len(seqs), rows)
	}
	for i := 1; i < len(seqs); i++ {
		if seqs[i] <= seqs[i-1] {
			t.Fatalf("incremental record %d has seq %d after %d: chunks not ordered by the surrogate key", i, seqs[i], seqs[i-1])
		}
	}
	f.check(t, l)
}
