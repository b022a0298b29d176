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
)

// rootConn is a root connection to the live server, to kill others.
func rootConn(t *testing.T) *client.Conn {
	t.Helper()
	root, err := client.Connect("127.0.0.1:3307", "root", "goconnect", "")
	if err != nil {
		t.Fatalf("root login: %v", err)
	}
	t.Cleanup(func() { root.Close() })
	return root
}

// chaosUser creates a MySQL user for one connector, with the debezium
// user's privileges, so that a test can kill that connector's
// connections and no other's.
func chaosUser(t *testing.T, f *incrFixture, root *client.Conn) string {
	t.Helper()
	user := "gc_kill_" + strings.TrimPrefix(strings.TrimSuffix(f.table, "_t"), "gcinc")
	createUser(t, root, user, "kill-pw",
		"SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT, LOCK TABLES ON *.*",
		"ALL PRIVILEGES ON demo.*")
	f.props["database.user"], f.props["database.password"] = user, "kill-pw"
	return user
}

// createUser creates user@'%' with the given grants ("<privileges> ON
// <object>"), dropped at the test's end.
func createUser(t *testing.T, root *client.Conn, user, password string, grants ...string) {
	t.Helper()
	stmts := []string{"CREATE USER '" + user + "'@'%' IDENTIFIED BY '" + password + "'"}
	for _, g := range grants {
		stmts = append(stmts, "GRANT "+g+" TO '"+user+"'@'%'")
	}
	exec(t, root, stmts...)
	t.Cleanup(func() {
		if c, err := client.Connect("127.0.0.1:3307", "root", "goconnect", ""); err == nil {
			_, _ = c.Execute("DROP USER '" + user + "'@'%'")
			c.Close()
		}
	})
}

// killConns kills user's binlog dump connections (dumpOnly) or all of
// them, and returns how many it killed.
func killConns(t *testing.T, root *client.Conn, user string, dumpOnly bool) int {
	t.Helper()
	q := "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = " + quoteLit(user)
	if dumpOnly {
		q += " AND COMMAND LIKE 'Binlog Dump%'"
	}
	res, err := root.Execute(q)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i := 0; i < res.RowNumber(); i++ {
		id, _ := res.GetInt(i, 0)
		if _, err := root.Execute(fmt.Sprintf("KILL CONNECTION %d", id)); err == nil {
			n++
		}
	}
	return n
}

// pollWhileWaiting polls task, adding its records to l, until cond
// holds: a reader blocked on a full queue would not see what the test
// waits for.
func pollWhileWaiting(t *testing.T, task *Task, l *latest, table, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		recs, err := task.Poll(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		l.add(table, recs)
	}
}

// killRun is an incremental snapshot whose connections a test kills.
type killRun struct {
	f      *incrFixture
	lb     *logBuf
	root   *client.Conn
	user   string // the connector's MySQL user, whose connections die
	signal func(id, typ, data string)
	drain  func(task *Task, l *latest)
}

// run starts the connector and, while a writer changes even keys (half
// of its changes just ahead of the snapshot, in the chunk being read),
// snapshots the table incrementally, killing the connector's binlog dump
// three times; the second time every connection of it dies, while the
// snapshot is paused (with a chunk pending or not), and it is resumed
// after the reconnect. Then each key's last record must be the table's
// row and every odd key must have come as a snapshot record.
func (k killRun) run(t *testing.T) {
	f, lb := k.f, k.lb
	f.props["incremental.snapshot.chunk.size"] = "20"
	task := startTask(t, f.props, nil)
	l := newLatest()
	waitLog(t, lb, "streaming binlog")
	k.drain(task, l)
	var writes, frontier atomic.Int64
	stop := startWriters(t, 1, &writes, func(_, n int) []string {
		id := 2 * (1 + rand.IntN(f.rows/2))
		if fr := int(frontier.Load()); fr > 0 && rand.IntN(2) == 0 {
			id = min(f.rows, fr+2+2*rand.IntN(1024)) &^ 1
		}
		switch rand.IntN(4) {
		case 0:
			return []string{fmt.Sprintf("DELETE FROM %s WHERE id = %d", f.table, id)}
		case 1:
			return []string{fmt.Sprintf("INSERT IGNORE INTO %s VALUES (%d, %d, 'w')", f.table, id, n)}
		}
		return []string{fmt.Sprintf("UPDATE %s SET v = v + 1, name = 'u%d' WHERE id = %d", f.table, n, id)}
	})
	k.signal("kill-snap", "execute-snapshot", fmt.Sprintf(`{"data-collections": ["demo.%s"], "type": "incremental"}`, f.table))
	broken := func() int { return strings.Count(lb.String(), "binlog stream broken") }
	kills := []struct {
		after           int
		dumpOnly, pause bool
	}{{f.rows / 20, true, false}, {f.rows * 3 / 10, false, true}, {f.rows * 6 / 10, true, false}}
	done := 0
	var end snapshotEnd
	pollUntilCond(t, task, "the incremental snapshot's end", 3*time.Minute, func(recs []connect.SourceRecord) bool {
		l.add(f.table, recs)
		frontier.Store(int64(l.maxIncr))
		if done < len(kills) && l.incremental >= kills[done].after {
			kill := kills[done]
			if kill.pause {
				k.signal("kill-pause", "pause-snapshot", "{}")
				pollWhileWaiting(t, task, l, f.table, "the pause", func() bool { return strings.Contains(lb.String(), "Pausing incremental snapshot") })
			}
			before := broken()
			if n := killConns(t, k.root, k.user, kill.dumpOnly); n == 0 {
				t.Fatalf("kill %d: no connection of %s to kill", done+1, k.user)
			}
			pollWhileWaiting(t, task, l, f.table, "the stream to notice the kill", func() bool { return broken() > before })
			if kill.pause {
				k.signal("kill-resume", "resume-snapshot", "{}")
			}
			done++
		}
		return end.after(recs, "")
	})
	stop()
	k.drain(task, l)
	if done < len(kills) {
		t.Fatalf("the snapshot ended after %d of %d kills", done, len(kills))
	}
	t.Logf("%d incremental records, %d concurrent writes, %d reconnects", l.incremental, writes.Load(), broken())
	f.check(t, l)
	missing := 0
	for id := int32(1); id <= int32(f.rows); id += 2 {
		if !l.incrIDs[id] {
			if missing++; missing <= 5 {
				t.Errorf("id %d: not changed by the writer and not snapshotted", id)
			}
		}
	}
	if missing > 0 {
		t.Fatalf("%d odd keys not snapshotted", missing)
	}
}

// TestLiveIncrementalConnectionsKilled: killRun with watermarks in the
// signalling table and signals inserted there. The first reconnect
// after a snapshot started by a signal used to read on from the pending
// chunk's end, dropping that chunk.
func TestLiveIncrementalConnectionsKilled(t *testing.T) {
	lb := captureLog(t)
	f := newIncrFixture(t, 10000)
	root := rootConn(t)
	user := chaosUser(t, f, root)
	killRun{f: f, lb: lb, root: root, user: user,
		signal: func(id, typ, data string) { f.signal(t, id, typ, data) },
		drain:  func(task *Task, l *latest) { f.drain(t, task, l) },
	}.run(t)
}

// TestLiveReadOnlyConnectionsKilled: killRun with a read-only connector
// (GTID windows, signals from Kafka).
func TestLiveReadOnlyConnectionsKilled(t *testing.T) {
	lb := captureLog(t)
	f := newROFixture(t, 10000)
	killRun{f: f.incrFixture, lb: lb, root: rootConn(t), user: f.props["database.user"],
		signal: func(id, typ, data string) { f.send(t, id, typ, data) },
		drain:  func(task *Task, l *latest) { f.drain(t, task, l) },
	}.run(t)
}

// startLockRun starts a streaming connector, with its own MySQL user,
// over a 20,000-row table read in chunks of 1000, for tests that lock the
// table and kill the connector's queries. Its queue is far smaller than
// the table, so chunks are left to read when a test locks the table.
func startLockRun(t *testing.T) (*logBuf, *incrFixture, *client.Conn, string, *Task, *latest) {
	t.Helper()
	lb := captureLog(t)
	f := newIncrFixture(t, 20000)
	f.props["incremental.snapshot.chunk.size"] = "1000"
	f.props["max.queue.size"], f.props["max.batch.size"] = "2048", "512"
	root := rootConn(t)
	user := chaosUser(t, f, root)
	task := startTask(t, f.props, nil)
	l := newLatest()
	waitLog(t, lb, "streaming binlog")
	f.drain(t, task, l)
	return lb, f, root, user, task, l
}

// TestLiveIncrementalChunkQueryKilled kills the connector's snapshot
// queries while they wait for a table lock: the maximum-key query twice
// (KILL QUERY, then KILL CONNECTION) and later a chunk query. Each is
// read again on a new connection, and every key still comes as a
// snapshot record; a failed query used to skip the rest of the table
// (as Debezium does).
func TestLiveIncrementalChunkQueryKilled(t *testing.T) {
	lb, f, root, user, task, l := startLockRun(t)
	failed := func() int { return strings.Count(lb.String(), "reading the chunk failed, connecting again") }
	// blocked waits, polling the task, for the connector's query on the
	// table (one whose text contains like) to wait for the lock, and
	// returns its connection id.
	blocked := func(like string) int64 {
		t.Helper()
		q := "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = " + quoteLit(user) +
			" AND INFO LIKE " + quoteLit("SELECT%"+like+"%") + " AND STATE LIKE '%metadata lock%'"
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			res, err := root.Execute(q)
			if err != nil {
				t.Fatal(err)
			}
			if res.RowNumber() > 0 {
				id, _ := res.GetInt(0, 0)
				return int64(id)
			}
			recs, err := task.Poll(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			l.add(f.table, recs)
		}
		t.Fatalf("no query of %s waiting for the lock on %s", user, f.table)
		return 0
	}
	kill := func(stmt string, id int64) {
		t.Helper()
		before := failed()
		exec(t, root, fmt.Sprintf("%s %d", stmt, id))
		pollWhileWaiting(t, task, l, f.table, "a failed chunk read logged after "+stmt, func() bool { return failed() > before })
	}
	lock := "LOCK TABLES demo." + f.table + " WRITE"
	exec(t, root, lock)
	f.signal(t, "kq-snap", "execute-snapshot", fmt.Sprintf(`{"data-collections": ["demo.%s"], "type": "incremental"}`, f.table))
	kill("KILL QUERY", blocked("DESC LIMIT 1"))
	kill("KILL CONNECTION", blocked("DESC LIMIT 1"))
	exec(t, root, "UNLOCK TABLES")
	pollUntilCond(t, task, "some chunks", time.Minute, func(recs []connect.SourceRecord) bool {
		l.add(f.table, recs)
		return l.incremental >= 5000
	})
	exec(t, root, lock)
	kill("KILL CONNECTION", blocked(" WHERE "))
	exec(t, root, "UNLOCK TABLES")
	var end snapshotEnd
	pollUntilCond(t, task, "the incremental snapshot's end", 2*time.Minute, func(recs []connect.SourceRecord) bool {
		l.add(f.table, recs)
		return end.after(recs, "")
	})
	f.drain(t, task, l)
	if strings.Contains(lb.String(), "Skipping it") || strings.Contains(lb.String(), "Failed to read maximum key") {
		t.Fatal("the table was skipped after a killed query")
	}
	if n := failed(); n != 3 {
		t.Fatalf("%d failed chunk reads logged, want 3", n)
	}
	for id := int32(1); id <= int32(f.rows); id++ {
		if !l.incrIDs[id] {
			t.Fatalf("id %d not snapshotted (%d of %d)", id, len(l.incrIDs), f.rows)
		}
	}
	f.check(t, l)
}

// TestLiveIncrementalChunkQueryFailsTask: a chunk query killed every
// time (a watchdog, a lock never released) fails the task with the
// reason after chunkQueryFailures reads in a row, instead of retrying
// forever with every table's capture stopped, or skipping the table; the
// records handed over before carry the last key emitted, from which a
// restart snapshots the rest.
func TestLiveIncrementalChunkQueryFailsTask(t *testing.T) {
	lb, f, root, user, task, l := startLockRun(t)
	f.signal(t, "kf-snap", "execute-snapshot", fmt.Sprintf(`{"data-collections": ["demo.%s"], "type": "incremental"}`, f.table))
	pollUntilCond(t, task, "some chunks", time.Minute, func(recs []connect.SourceRecord) bool {
		l.add(f.table, recs)
		return l.incremental >= 3000
	})
	exec(t, root, "LOCK TABLES demo."+f.table+" WRITE")
	t.Cleanup(func() { _, _ = root.Execute("UNLOCK TABLES") })
	q := "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = " + quoteLit(user) +
		" AND INFO LIKE 'SELECT%' AND STATE LIKE '%metadata lock%'"
	kills := 0
	var failure error
	deadline := time.Now().Add(2 * time.Minute)
	for failure == nil {
		if time.Now().After(deadline) {
			t.Fatalf("the task still runs after %d killed chunk queries", kills)
		}
		res, err := root.Execute(q)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < res.RowNumber(); i++ {
			id, _ := res.GetInt(i, 0)
			if _, err := root.Execute(fmt.Sprintf("KILL QUERY %d", id)); err == nil {
				kills++
			}
		}
		recs, err := task.Poll(t.Context())
		l.add(f.table, recs)
		failure = err
	}
	if !strings.Contains(failure.Error(), fmt.Sprintf("failed %d times in a row", chunkQueryFailures)) {
		t.Fatalf("the task failed with %v", failure)
	}
	if kills < chunkQueryFailures {
		t.Fatalf("the task failed after %d kills: %v", kills, failure)
	}
	if strings.Contains(lb.String(), "Skipping it") {
		t.Fatal("the table was skipped")
	}
	if !incrRunning(l.lastOffset) {
		t.Fatalf("the last offset handed over has no snapshot context to resume from: %v", l.lastOffset)
	}
	t.Logf("failed after %d killed queries: %v", kills, failure)
	// Restarted from there once the lock is gone, it snapshots the rest.
	exec(t, root, "UNLOCK TABLES")
	task = startTask(t, f.props, l.lastOffset)
	var end snapshotEnd
	pollUntilCond(t, task, "the incremental snapshot's end after the restart", 2*time.Minute, func(recs []connect.SourceRecord) bool {
		l.add(f.table, recs)
		return end.after(recs, "")
	})
	f.drain(t, task, l)
	for id := int32(1); id <= int32(f.rows); id++ {
		if !l.incrIDs[id] {
			t.Fatalf("id %d not snapshotted (%d of %d)", id, len(l.incrIDs), f.rows)
		}
	}
	f.check(t, l)
}
