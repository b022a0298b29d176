//go:build e2e

package e2e

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/client"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestMySQLIncrementalSnapshotSIGKILL starts an incremental snapshot of a
// 200k-row table by a signalling-table insert while a writer updates,
// deletes and re-inserts random rows, kills the worker with SIGKILL mid
// snapshot and restarts it: the snapshot resumes after the key of the
// last committed offset (not from the first chunk), and once it is done
// and the stream drained the last record of every key on Kafka is the
// table's row, deleted keys ending deleted.
func TestMySQLIncrementalSnapshotSIGKILL(t *testing.T) { incrementalSIGKILL(t, false) }

// TestMySQLReadOnlyIncrementalSnapshotSIGKILL is the same with
// read.only=true: GTID watermarks, signals through the Kafka topic, the
// connector logged in as a user without any write grant (SELECT, RELOAD,
// SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT). Also: the
// signalling table gets no row; committed offsets carry the Kafka offset
// of the execute-snapshot signal (incremental_snapshot_signal_offset), and
// the restarted worker reads the signal topic after it (a log signal sent
// while the worker was dead is read although no group offset was
// committed: without the seek it would start at the topic's end).
func TestMySQLReadOnlyIncrementalSnapshotSIGKILL(t *testing.T) { incrementalSIGKILL(t, true) }

func incrementalSIGKILL(t *testing.T, readOnly bool) {
	const rows, chunk = 200000, 128
	r := newIncrRig(t, "ikill", rows, readOnly)
	db, tbl, sig := r.db, r.tbl, r.sig
	user, password := "debezium", "dbz"
	if readOnly {
		user, password = fmt.Sprintf("gc_ro_%d", time.Now().UnixNano()%1e9), "ro-pw"
		mysqlExec(t, db, fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY '%s'", user, password))
		mysqlExec(t, db, fmt.Sprintf("GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO '%s'@'%%'", user))
		t.Cleanup(func() { _, _ = db.Execute(fmt.Sprintf("DROP USER '%s'@'%%'", user)) })
		ro, err := client.Connect(mariaDBAddr, user, password, "demo")
		if err != nil {
			t.Fatal(err)
		}
		_, err = ro.Execute("INSERT INTO " + sig + " VALUES ('x', 'log', '{}')")
		ro.Close()
		if err == nil || !strings.Contains(err.Error(), "denied") {
			t.Fatalf("the read-only user could write: %v", err)
		}
	}
	args := r.workerArgs("ikill-mysql", user, password, "4253", chunk, "")

	type row struct {
		V    int    `json:"v"`
		Name string `json:"name"`
	}
	var (
		last      = map[int]*row{} // nil: deleted
		incr      int
		incrAfter int // incremental records of the second worker
		minAfter  = -1
		restarted bool
	)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r.consume(ctx, func(rec *kgo.Record) {
		var k struct{ ID int }
		if err := json.Unmarshal(rec.Key, &k); err != nil {
			return
		}
		if rec.Value == nil {
			last[k.ID] = nil
			return
		}
		var env struct {
			After  *row `json:"after"`
			Op     string
			Source struct{ Snapshot string }
		}
		if err := json.Unmarshal(rec.Value, &env); err != nil {
			return
		}
		last[k.ID] = env.After
		if env.Op == "r" {
			if env.Source.Snapshot != "incremental" {
				t.Errorf("key %d: an 'r' record with source.snapshot %q", k.ID, env.Source.Snapshot)
			}
			incr++
			if restarted {
				incrAfter++
				if minAfter < 0 || k.ID < minAfter {
					minAfter = k.ID
				}
			}
		}
	})
	locked, waitFor, signal := r.locked, r.waitFor, r.signal

	w := startWorker(t, args...)
	rest := restURL(t, w)
	r.drain() // streaming
	stop := r.startWriter(nil)

	signal("ikill-1", "execute-snapshot", fmt.Sprintf(`{"data-collections": ["demo.%s"]}`, tbl))
	// Kill once a committed offset carries the context past the first
	// chunks.
	var committedKey int
	waitFor("a committed offset mid incremental snapshot", 2*time.Minute, func() bool {
		code, body := httpDo("GET", rest+"/connectors/ikill-mysql/offsets", "")
		if code != 200 {
			return false
		}
		var offs struct {
			Offsets []struct{ Offset map[string]any }
		}
		if json.Unmarshal(body, &offs) != nil || len(offs.Offsets) == 0 {
			return false
		}
		k, _ := offs.Offsets[0].Offset["incremental_snapshot_primary_key"].(string)
		committedKey = javaIntegerKey(k)
		if readOnly && committedKey > 20*chunk {
			// The execute-snapshot signal is the topic's first record.
			if so, ok := offs.Offsets[0].Offset["incremental_snapshot_signal_offset"]; !ok || so != float64(0) {
				t.Fatalf("committed offset %v: want incremental_snapshot_signal_offset 0", offs.Offsets[0].Offset)
			}
		}
		return committedKey > 20*chunk
	})
	if err := w.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-w.done
	var atKill int
	locked(func() { atKill, restarted = incr, true })
	if atKill >= rows {
		t.Fatalf("%d incremental records before the kill: the snapshot was over", atKill)
	}
	t.Logf("SIGKILL after %d incremental records, committed offset at key %d", atKill, committedKey)
	if readOnly {
		signal("seek-check", "log", `{"message":"read while the worker was down"}`)
	}

	w2 := startWorker(t, args...)
	rest2 := restURL(t, w2)
	waitFor("incremental records after the restart", 2*time.Minute, func() bool {
		var n int
		locked(func() { n = incrAfter })
		return n > 0
	})
	// The snapshot is over once a committed offset no longer carries its
	// context (the writer keeps offsets moving).
	waitFor("the end of the incremental snapshot", 5*time.Minute, func() bool {
		code, body := httpDo("GET", rest2+"/connectors/ikill-mysql/offsets", "")
		return code == 200 && strings.Contains(string(body), `"pos"`) && !strings.Contains(string(body), "incremental_snapshot_collections")
	})
	stop()
	r.drain()
	if readOnly {
		out := w2.output()
		if !strings.Contains(out, "Resetting Kafka Signal offset to 0") || !strings.Contains(out, "read while the worker was down") {
			t.Fatalf("the restarted worker did not read the signal topic after the stored offset 0:\n%s", out)
		}
		res, err := db.Execute("SELECT COUNT(*) FROM " + sig)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := res.GetInt(0, 0); n != 0 {
			t.Fatalf("%d rows in the signalling table of a read-only connector", n)
		}
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	t.Logf("%d incremental records (%d after the restart, from key %d), %d concurrent writes", incr, incrAfter, minAfter, r.writes.Load())
	if minAfter <= chunk || minAfter <= committedKey {
		t.Fatalf("after the restart the snapshot began at key %d, not after the committed key %d", minAfter, committedKey)
	}
	res, err := db.Execute("SELECT id, v, name FROM " + tbl)
	if err != nil {
		t.Fatal(err)
	}
	inTable := map[int]bool{}
	bad := 0
	for i := 0; i < res.RowNumber(); i++ {
		id, _ := res.GetInt(i, 0)
		v, _ := res.GetInt(i, 1)
		name, _ := res.GetString(i, 2)
		inTable[int(id)] = true
		got := last[int(id)]
		if got == nil || got.V != int(v) || got.Name != name {
			if bad++; bad <= 5 {
				t.Errorf("id %d: table v=%d name=%q, last record %+v", id, v, name, got)
			}
		}
	}
	for id, r := range last {
		if r != nil && !inTable[id] {
			if bad++; bad <= 10 {
				t.Errorf("id %d was deleted, last record %+v", id, r)
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%d keys differ from the table (%d rows)", bad, res.RowNumber())
	}
}

// javaIntegerKey reads a one-Integer key as Debezium serialises it in
// offsets (a Java-serialised Object[], hex): its last four bytes; -1 when
// it is not one.
func javaIntegerKey(s string) int {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) < 8 || !strings.Contains(string(b), "java.lang.Integer") {
		return -1
	}
	n := b[len(b)-4:]
	return int(n[0])<<24 | int(n[1])<<16 | int(n[2])<<8 | int(n[3])
}
