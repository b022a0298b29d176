//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// TestMySQLIncrementalSnapshotSchemaChange runs an incremental snapshot
// with incremental.snapshot.allow.schema.changes=true of a 60k-row table
// that gets three ALTERs while it runs (ADD COLUMN c1, ADD COLUMN c2, DROP
// COLUMN c1, at a quarter, half and three quarters), with a writer
// updating, deleting and inserting random rows (and writing the added
// columns). After the snapshot and the stream drained: every record has
// the columns the table had at its binlog position; the last record of
// every key is the table's row (a column added after the record is
// missing only while the row has its default), deleted keys end deleted,
// no key is missing. Without the setting a chunk read after the DROP
// committed but before the stream read it fails the table's snapshot (its
// remaining keys are missing): GOCONNECT_E2E_ALLOW_SCHEMA_CHANGES=false
// runs the test so.
func TestMySQLIncrementalSnapshotSchemaChange(t *testing.T) {
	incrementalDDL(t, os.Getenv("GOCONNECT_E2E_ALLOW_SCHEMA_CHANGES") != "false", false, false)
}

// TestMySQLReadOnlyIncrementalSnapshotSchemaChange is the same with
// read.only=true (GTID watermarks, the signal through the Kafka topic).
func TestMySQLReadOnlyIncrementalSnapshotSchemaChange(t *testing.T) {
	incrementalDDL(t, true, false, true)
}

// TestMySQLIncrementalSnapshotDDLInsideWindow commits each ALTER between a
// chunk's read and its window's close row (the test holds a gap lock on
// the signalling table until the connector's close-row INSERT waits on
// it), so in the binlog the DDL comes inside the window: the chunk, read
// with the old structure, is read again when the stream applies the DDL
// (Debezium's rereadChunk, whatever the setting), instead of going out
// past the ALTER with the old columns. Same checks as above, with the
// default setting and with allow.schema.changes=true.
func TestMySQLIncrementalSnapshotDDLInsideWindow(t *testing.T) {
	t.Run("default", func(t *testing.T) { incrementalDDL(t, false, true, false) })
	t.Run("allow", func(t *testing.T) { incrementalDDL(t, true, true, false) })
}

func incrementalDDL(t *testing.T, allow, inWindow, readOnly bool) {
	const rows, chunk = 60000, 64
	// The ALTERs, at a quarter, half and three quarters of the table:
	// two columns added, then the first one dropped.
	plan := []struct{ add, drop string }{{add: "c1"}, {add: "c2"}, {drop: "c1"}}
	alters := len(plan)
	// columnsAfter is the table's columns once the first n ALTERs ran.
	columnsAfter := func(n int) []string {
		cols := []string{"id", "v", "name"}
		for _, p := range plan[:n] {
			if p.add != "" {
				cols = append(cols, p.add)
			} else {
				cols = slices.DeleteFunc(cols, func(c string) bool { return c == p.drop })
			}
		}
		return cols
	}
	r := newIncrRig(t, "iddl", rows, readOnly)
	db, tbl, sig := r.db, r.tbl, r.sig
	ddl := func(i int) string {
		if c := plan[i].add; c != "" {
			return fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s VARCHAR(20) NOT NULL DEFAULT 'd%s'", tbl, c, c)
		}
		return fmt.Sprintf("ALTER TABLE %s DROP COLUMN %s", tbl, plan[i].drop)
	}
	args := r.workerArgs("iddl-mysql", "debezium", "dbz", "4254", chunk,
		fmt.Sprintf(`,"incremental.snapshot.allow.schema.changes":"%t"`, allow))

	// binlogPos orders binlog coordinates (file names of one server sort
	// as their numbers).
	type binlogPos struct {
		file string
		pos  int64
	}
	before := func(a, b binlogPos) bool { return a.file < b.file || a.file == b.file && a.pos < b.pos }
	type rec struct {
		after map[string]any // nil: deleted
		op    string
		at    binlogPos
	}
	var (
		last    = map[int]*rec{}
		all     []*rec // every change and read record, for the position check
		incr    int
		maxIncr int
	)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r.consume(ctx, func(kr *kgo.Record) {
		var k struct{ ID int }
		if err := json.Unmarshal(kr.Key, &k); err != nil {
			return
		}
		if kr.Value == nil {
			last[k.ID] = &rec{op: "tombstone"}
			return
		}
		var env struct {
			After  map[string]any `json:"after"`
			Op     string
			Source struct {
				Snapshot string
				File     string
				Pos      int64
			}
		}
		if err := json.Unmarshal(kr.Value, &env); err != nil {
			return
		}
		x := &rec{after: env.After, op: env.Op, at: binlogPos{env.Source.File, env.Source.Pos}}
		last[k.ID] = x
		all = append(all, x)
		if env.Op == "r" {
			if env.Source.Snapshot != "incremental" {
				t.Errorf("key %d: an 'r' record with source.snapshot %q", k.ID, env.Source.Snapshot)
			}
			incr++
			maxIncr = max(maxIncr, k.ID)
		}
	})
	locked, waitFor := r.locked, r.waitFor
	masterPos := func() binlogPos {
		t.Helper()
		res, err := db.Execute("SHOW MASTER STATUS")
		if err != nil || res.RowNumber() == 0 {
			t.Fatalf("SHOW MASTER STATUS: %v", err)
		}
		f, _ := res.GetString(0, 0)
		p, _ := res.GetInt(0, 1)
		return binlogPos{f, p}
	}

	w := startWorker(t, args...)
	rest := restURL(t, w)
	r.drain() // streaming

	var done atomic.Int32 // ALTERs run so far
	stop := r.startWriter(func() []string { return columnsAfter(int(done.Load()))[3:] })
	r.signal("iddl-1", "execute-snapshot", fmt.Sprintf(`{"data-collections": ["demo.%s"]}`, tbl))
	// The ALTERs at a quarter, half and three quarters of the table, each
	// with the binlog position after it.
	// The snapshot is over once a committed offset no longer carries its
	// context after one did (the writer keeps offsets moving).
	running := false
	over := func() bool {
		code, body := httpDo("GET", rest+"/connectors/iddl-mysql/offsets", "")
		if code != 200 || !strings.Contains(string(body), `"pos"`) {
			return false
		}
		if strings.Contains(string(body), "incremental_snapshot_collections") {
			running = true
			return false
		}
		return running
	}
	waitFor("a committed offset of the running incremental snapshot", time.Minute, func() bool {
		over()
		return running
	})
	// alterInWindow holds a gap lock over the signalling table (an open
	// transaction's SELECT … FOR UPDATE blocks every insert) until the
	// connector's INSERT of a close row waits on it, then commits the
	// ALTER and lets the close row in after it.
	locker := mysqlAdmin(t)
	alterInWindow := func(i int, pre *binlogPos) {
		t.Helper()
		for attempt := 0; attempt < 100; attempt++ {
			mysqlExec(t, locker, "BEGIN")
			mysqlExec(t, locker, "SELECT id FROM "+sig+" FOR UPDATE")
			var blocked string
			deadline := time.Now().Add(5 * time.Second)
			for blocked == "" && time.Now().Before(deadline) {
				res, err := db.Execute("SELECT info FROM information_schema.processlist WHERE info LIKE 'INSERT INTO %" + sig + "%'")
				if err != nil {
					t.Fatal(err)
				}
				if res.RowNumber() > 0 {
					blocked, _ = res.GetString(0, 0)
				} else {
					time.Sleep(time.Millisecond) // polling interval
				}
			}
			if strings.Contains(blocked, "-close'") {
				*pre = masterPos()
				mysqlExec(t, db, ddl(i-1))
				mysqlExec(t, locker, "COMMIT")
				return
			}
			mysqlExec(t, locker, "COMMIT")
			if blocked == "" && over() {
				t.Fatalf("the incremental snapshot ended before ALTER %d", i)
			}
		}
		t.Fatalf("ALTER %d: no close-row INSERT caught waiting in 100 attempts", i)
	}
	preAlter, altered := make([]binlogPos, alters), make([]binlogPos, alters)
	for i := 1; i <= alters; i++ {
		// All ALTERs run, also when the snapshot ended early (as it does
		// without the setting on a DROP COLUMN): the checks below then
		// find the keys it did not read.
		waitFor(fmt.Sprintf("incremental records past key %d", i*rows/(alters+1)), 3*time.Minute, func() bool {
			var n int
			locked(func() { n = maxIncr })
			return n >= i*rows/(alters+1) || over()
		})
		if inWindow {
			alterInWindow(i, &preAlter[i-1])
		} else {
			preAlter[i-1] = masterPos()
			mysqlExec(t, db, ddl(i-1))
		}
		altered[i-1] = masterPos()
		done.Store(int32(i))
	}
	waitFor("the end of the incremental snapshot", 5*time.Minute, over)
	stop()
	r.drain()

	out := w.output()
	if allow && strings.Count(out, "Schema has changed during the incremental snapshot") < alters {
		t.Errorf("want a schema change seen by the snapshot for each of the %d ALTERs, the log has %d", alters, strings.Count(out, "Schema has changed during the incremental snapshot"))
	}
	// With the setting, a DDL the stream applies before the chunk is
	// buffered is caught by the chunk's result-structure check instead (the
	// chunk is dropped and read in the next window), so only the default
	// mode, where the re-read is the one path, counts re-reads.
	if inWindow && !allow && strings.Count(out, "reading its chunk again") < alters {
		t.Errorf("want a chunk read again for each of the %d ALTERs inside a window, the log has %d", alters, strings.Count(out, "reading its chunk again"))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	t.Logf("%d incremental records, %d concurrent writes, %d re-reads after a DDL, %d schema changes seen", incr, r.writes.Load(),
		strings.Count(out, "reading its chunk again"), strings.Count(out, "Schema has changed during the incremental snapshot"))
	bad := 0
	fail := func(format string, a ...any) {
		if bad++; bad <= 10 {
			t.Errorf(format, a...)
		}
	}
	// Every record has the columns of the table at its binlog position
	// (either structure between the positions just before and just after
	// an ALTER, which the writer's changes share with the DDL).
	sameCols := func(after map[string]any, cols []string) bool {
		if len(after) != len(cols) {
			return false
		}
		for _, c := range cols {
			if _, ok := after[c]; !ok {
				return false
			}
		}
		return true
	}
	for _, r := range all {
		if r.after == nil {
			continue
		}
		sure, maybe := 0, 0
		for i := range altered {
			if !before(r.at, altered[i]) {
				sure = i + 1
			}
			if !before(r.at, preAlter[i]) {
				maybe = i + 1
			}
		}
		if !sameCols(r.after, columnsAfter(sure)) && !sameCols(r.after, columnsAfter(maybe)) {
			fail("an %q record at %s:%d, past %d ALTERs, has %v: want the columns %v", r.op, r.at.file, r.at.pos, sure, r.after, columnsAfter(sure))
		}
	}
	final := columnsAfter(alters)
	res, err := db.Execute("SELECT " + strings.Join(final, ", ") + " FROM " + tbl)
	if err != nil {
		t.Fatal(err)
	}
	inTable := map[int]bool{}
	for i := 0; i < res.RowNumber(); i++ {
		id64, _ := res.GetInt(i, 0)
		id := int(id64)
		inTable[id] = true
		want := map[string]string{}
		for j, col := range final {
			s, _ := res.GetString(i, j)
			if j < 2 {
				n, _ := res.GetInt(i, j)
				s = strconv.FormatInt(n, 10)
			}
			want[col] = s
		}
		got := last[id]
		if got == nil || got.after == nil {
			fail("id %d: table %v, last record %+v", id, want, got)
			continue
		}
		for col, v := range want {
			g, ok := got.after[col]
			if !ok {
				// A column added after the record: fine while the row
				// still has the column's default.
				if v == "d"+col {
					continue
				}
				fail("id %d: column %s missing from the last record %v (table %v)", id, col, got.after, want)
				continue
			}
			gs := fmt.Sprint(g)
			if f, isNum := g.(float64); isNum {
				gs = strconv.FormatInt(int64(f), 10)
			}
			if gs != v {
				fail("id %d: column %s: table %q, last record %v (%s)", id, col, v, got.after, got.op)
			}
		}
	}
	for id, r := range last {
		if r.after != nil && !inTable[id] {
			fail("id %d was deleted, last record %+v", id, r)
		}
	}
	if bad > 0 {
		t.Fatalf("%d differences from the table (%d rows)", bad, res.RowNumber())
	}
}
