package mysql

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/go-mysql-org/go-mysql/replication"
)

// The handler runs on go-mysql's reader goroutine, which would turn a
// panic into a broken stream and reconnect forever; the task must fail.
func TestEventHandlerPanicIsFatal(t *testing.T) {
	s := &streamState{file: "bin.000001"}
	// A nil task panics on its first field access.
	h := &eventHandler{t: nil, ctx: context.Background(), s: s}
	ev := &replication.BinlogEvent{Header: &replication.EventHeader{EventType: replication.XID_EVENT, LogPos: 120}, Event: &replication.XIDEvent{}}
	err := h.HandleEvent(ev)
	var fatal fatalError
	if !errors.As(err, &fatal) || !strings.Contains(err.Error(), "panic") {
		t.Fatalf("HandleEvent after a panic: %v, want a fatalError naming the panic", err)
	}
	if h.err != err {
		t.Errorf("handler kept %v, want the panic's error", h.err)
	}
}

// A handler the stream has left (h.err set) must not touch the stream
// state the streaming goroutine now owns.
func TestEventHandlerStopped(t *testing.T) {
	s := &streamState{file: "bin.000001", restartPos: 4}
	h := &eventHandler{t: &Task{}, ctx: context.Background(), s: s, err: errStreamStopped}
	ev := &replication.BinlogEvent{Header: &replication.EventHeader{EventType: replication.ROTATE_EVENT, LogPos: 0}, Event: &replication.RotateEvent{Position: 4, NextLogName: []byte("bin.000002")}}
	if err := h.HandleEvent(ev); !errors.Is(err, errStreamStopped) {
		t.Fatalf("HandleEvent on a stopped handler: %v, want errStreamStopped", err)
	}
	if s.file != "bin.000001" {
		t.Errorf("stopped handler moved the stream to %s", s.file)
	}
}

// The handler's own optional metadata decoder finds the column names
// go-mysql's decoder finds, and hands them to the table map it belongs to.
func TestEventHandlerTableMapNames(t *testing.T) {
	// A table map of db.tb (INT UNSIGNED, VARCHAR(20)) without its table
	// id (go-mysql reads none when the id size is unset), then the
	// optional metadata: signedness, column names.
	body := []byte{0, 0, 2, 'd', 'b', 0, 2, 't', 'b', 0, 2, 3, 15, 2, 20, 0, 0}
	opt := []byte{1, 1, 0x80, 4, 8, 2, 'i', 'd', 4, 'n', 'a', 'm', 'e'}
	theirs := &replication.TableMapEvent{}
	if err := theirs.Decode(append(append([]byte{}, body...), opt...)); err != nil {
		t.Fatal(err)
	}
	h := &eventHandler{t: &Task{}, ctx: context.Background(), s: &streamState{}, err: errStreamStopped}
	if err := h.optionalMeta(opt); err != nil {
		t.Fatal(err)
	}
	ours := &replication.TableMapEvent{}
	_ = h.HandleEvent(&replication.BinlogEvent{Header: &replication.EventHeader{EventType: replication.TABLE_MAP_EVENT}, Event: ours})
	if len(theirs.ColumnName) != 2 || len(ours.ColumnName) != 2 {
		t.Fatalf("names: go-mysql %q, ours %q", theirs.ColumnName, ours.ColumnName)
	}
	for i := range theirs.ColumnName {
		if string(ours.ColumnName[i]) != string(theirs.ColumnName[i]) {
			t.Errorf("name %d: %q, go-mysql %q", i, ours.ColumnName[i], theirs.ColumnName[i])
		}
	}
	// Two table maps decoded before one is handled: whose names they are
	// is unknown, so none are given.
	_ = h.optionalMeta(opt)
	_ = h.optionalMeta(opt)
	other := &replication.TableMapEvent{}
	_ = h.HandleEvent(&replication.BinlogEvent{Header: &replication.EventHeader{EventType: replication.TABLE_MAP_EVENT}, Event: other})
	if other.ColumnName != nil {
		t.Errorf("names %q after two decodes, want none", other.ColumnName)
	}
	// The same metadata again (another event's bytes) gives the names
	// decoded last; other metadata is decoded afresh.
	_ = h.optionalMeta(opt)
	first := h.names
	_ = h.optionalMeta(append([]byte(nil), opt...))
	if len(h.names) != 2 || &h.names[0] != &first[0] {
		t.Errorf("names of the same metadata: %q, not those decoded last", h.names)
	}
	renamed := append([]byte(nil), opt...)
	renamed[len(renamed)-1] = 'x'
	_ = h.optionalMeta(renamed)
	if len(h.names) != 2 || string(h.names[1]) != "namx" {
		t.Errorf("names of other metadata: %q", h.names)
	}
	for _, bad := range [][]byte{{4, 9, 2, 'i', 'd'}, {4, 3, 5, 'i', 'd'}} {
		if err := h.optionalMeta(bad); err == nil {
			t.Errorf("truncated metadata %v decoded without an error", bad)
		}
	}
}

// Rows of a table not captured are not decoded (nothing reads them);
// those of a rows event another path leaves (here a restart's seek
// before its offset) are, as go-mysql would have.
func TestEventHandlerDecodesOnlyNeededRows(t *testing.T) {
	cols := fastCols[:1]
	task, _, tm := fastTable(t, baseProps(), cols, []int{0})
	tm.Schema, tm.Table = []byte("inv"), []byte("other")
	rows := image(encInt(4, 7))
	for _, c := range []struct {
		name    string
		seekTo  uint32
		decoded bool
	}{{"not captured", 0, false}, {"seeking", 5000, true}} {
		gt, _ := newGtidState(false, "")
		s := &streamState{file: "mysql-bin.000002", restartPos: 4, gtids: gt, seekTo: c.seekTo}
		h := &eventHandler{t: task, ctx: context.Background(), s: s}
		e := &replication.RowsEvent{Table: tm, ColumnCount: 1, ColumnBitmap1: allBits(1)}
		h.pending = pendingRows{e: e, data: rows}
		ev := &replication.BinlogEvent{Header: &replication.EventHeader{EventType: replication.WRITE_ROWS_EVENTv2, LogPos: 1000, EventSize: 50}, Event: e}
		if err := h.HandleEvent(ev); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := e.Rows != nil; got != c.decoded {
			t.Errorf("%s: rows decoded %v (%v), want %v", c.name, got, e.Rows, c.decoded)
		}
	}
}
