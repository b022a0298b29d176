package mysql

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"

	"github.com/goconnect/goconnect/connect"
)

// TestSendWindowInterrupted: a chunk whose emission stops halfway (the
// task stopping while Poll does not take records) leaves the resume
// point at the last record handed over, so a revert reads the rest
// again (it moved to a record's key before the record was handed over).
func TestSendWindowInterrupted(t *testing.T) {
	task, tb := testTable(t, baseProps(), "demo", "t", []int{0})
	task.now = time.Now
	task.out = make(chan connect.SourceRecord, 1) // room for one record
	gt, err := newGtidState(true, "")
	if err != nil {
		t.Fatal(err)
	}
	c := &incrContext{index: map[string]int{}, lastHex: javaNullHex, maxHex: javaNullHex, colls: []incrCollection{{id: "demo.t"}}, tb: tb}
	c.updateColls()
	for id := int64(1); id <= 3; id++ { // as the driver hands an INT
		vals := []any{id, "C", nil, nil, nil}
		c.window = append(c.window, incrRow{vals: vals, javaKey: javaKey(tb, tb.recKey, vals)})
	}
	c.chunkEnd = c.window[2].javaKey
	s := &streamState{flat: true, gtids: gt, incr: c, incrEv: &incrEvent{h: &replication.EventHeader{ServerID: 1}, nrows: 1}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the second record cannot be handed over
	if err := task.sendWindow(ctx, s); !errors.Is(err, context.Canceled) {
		t.Fatalf("sendWindow with a full queue and a stopped task: %v", err)
	}
	if len(task.out) != 1 {
		t.Fatalf("%d records handed over, want 1", len(task.out))
	}
	first := c.window[0].javaKey
	if got, want := c.lastHex, keyHex(first); got != want {
		t.Fatalf("resume point %s, want the first key's %s", got, want)
	}
	c.revert()
	if got := c.chunkEnd; keyHex(got) != keyHex(first) {
		t.Fatalf("after the revert the next chunk starts after %v, want %v", got, first)
	}
}

// TestRetryableDBError: a chunk is read again on a new connection after
// the connection's or the server's failure, never after the query's own
// (a bad additional condition would fail forever; Debezium skips the
// table then, and so do we).
func TestRetryableDBError(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("io.ReadFull(header) failed. err %v: %w", io.EOF, gomysql.ErrBadConn), true},
		{fmt.Errorf("chunk: %w", io.ErrUnexpectedEOF), true},
		{&net.OpError{Op: "read", Err: errors.New("connection reset by peer")}, true},
		{fmt.Errorf("chunk: %w", gomysql.NewError(erConnectionKilled, "Connection was killed")), true},
		{gomysql.NewError(gomysql.ER_QUERY_INTERRUPTED, "Query execution was interrupted"), true},
		{gomysql.NewError(gomysql.ER_LOCK_DEADLOCK, "Deadlock found"), true},
		{gomysql.NewError(gomysql.ER_SERVER_SHUTDOWN, "Server shutdown in progress"), true},
		{gomysql.NewError(gomysql.ER_PARSE_ERROR, "You have an error in your SQL syntax"), false},
		{gomysql.NewError(gomysql.ER_BAD_FIELD_ERROR, "Unknown column 'x'"), false},
		{gomysql.NewError(gomysql.ER_NO_SUCH_TABLE, "Table 'demo.x' doesn't exist"), false},
		{fmt.Errorf("table t: %w", errStructureChanged), false},
		{nil, false},
	} {
		if got := retryableDBError(c.err); got != c.want {
			t.Errorf("retryableDBError(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
