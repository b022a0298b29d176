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
