package storage

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/goconnect/goconnect/runtime/status"
)

// A watcher hears a change before the snapshot's offset passes it, so a
// reader that sees the offset also sees the change handled.
func TestMemoryConfigWatchBeforeOffset(t *testing.T) {
	s := NewMemoryConfig()
	ctx := context.Background()
	var heard []ConfigChange
	var offsetsSeen []int64
	s.Watch(func(c ConfigChange) {
		heard = append(heard, c)
		offsetsSeen = append(offsetsSeen, s.Snapshot().Offset)
	})
	if err := s.PutConnector(ctx, "c", map[string]string{"k": "v"}, status.TargetPaused); err != nil {
		t.Fatal(err)
	}
	if err := s.PutTaskConfigs(ctx, "c", []map[string]string{{"t": "0"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutRestart(ctx, "c", RestartRequest{IncludeTasks: true}); err != nil {
		t.Fatal(err)
	}
	snap := s.Snapshot()
	if snap.Offset != 3 || snap.Target("c") != status.TargetPaused || snap.Connectors["c"]["k"] != "v" || len(snap.Tasks["c"]) != 1 {
		t.Fatalf("snapshot %+v", snap)
	}
	if len(heard) != 3 || heard[0].Kind != ChangeConnector || heard[1].Kind != ChangeTasks ||
		heard[2].Kind != ChangeRestart || !heard[2].Restart.IncludeTasks {
		t.Fatalf("heard %+v", heard)
	}
	for i, o := range offsetsSeen {
		if o != int64(i) {
			t.Fatalf("change %d heard at offset %d, want %d (before the offset moves)", i, o, i)
		}
	}
	// Snapshots are copies.
	snap.Connectors["c"]["k"] = "changed"
	if s.Snapshot().Connectors["c"]["k"] != "v" {
		t.Fatal("a snapshot shares the store's maps")
	}
	if err := s.RemoveConnector(ctx, "c"); err != nil {
		t.Fatal(err)
	}
	if snap := s.Snapshot(); len(snap.Connectors) != 0 || len(snap.Tasks) != 0 || len(snap.Targets) != 0 {
		t.Fatalf("after removal %+v", snap)
	}
}

// Removing a connector's own status forgets its tasks' statuses and its
// active topics, and tells the worker to record them again.
func TestMemoryStatusRemovalForgetsTopics(t *testing.T) {
	s := NewMemoryStatus()
	ctx := context.Background()
	var reset []string
	s.OnTopicsReset(func(c string) { reset = append(reset, c) })
	run := status.Status{State: status.Running, WorkerID: "w"}
	s.Publish(ctx, status.Change{Connector: "c", Task: -1, Status: run}, 0)
	s.Publish(ctx, status.Change{Connector: "c", Task: 0, Status: run}, 0)
	s.Publish(ctx, status.Change{Connector: "c", Task: 1, Status: run}, 0)
	s.PublishTopic("c", "b", 0, timeZero)
	s.PublishTopic("c", "a", 1, timeZero)
	if got := s.ActiveTopics("c"); len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Fatalf("topics %v", got)
	}
	s.Publish(ctx, status.Change{Connector: "c", Task: 1, Removed: true}, 0)
	if ts := s.Board().Tasks("c"); len(ts) != 1 {
		t.Fatalf("tasks after removing task 1: %v", ts)
	}
	s.Publish(ctx, status.Change{Connector: "c", Task: -1, Removed: true}, 0)
	if _, ok := s.Board().Connector("c"); ok || len(s.Board().Tasks("c")) != 0 {
		t.Fatal("statuses left after the connector's removal")
	}
	if got := s.ActiveTopics("c"); len(got) != 0 || len(reset) != 1 || reset[0] != "c" {
		t.Fatalf("topics %v, resets %v", got, reset)
	}
}

var timeZero = time.Time{}

// The memory store keeps a config's keys as standalone Connect iterates
// them: the request's order, or after a write without one (a PATCH's
// merge) a HashMap's, ties in the previous order.
func TestMemoryConfigKeyOrder(t *testing.T) {
	s := NewMemoryConfig()
	props := map[string]string{"connector.class": "FileStreamSink", "topics": "in", "file": "/x", "tasks.max": "1", "name": "c"}
	ctx := WithKeyOrder(context.Background(), []string{"connector.class", "topics", "file", "tasks.max"})
	if err := s.PutConnector(ctx, "c", props, ""); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(s.Snapshot().ConnectorKeys["c"], ","); got != "connector.class,topics,file,tasks.max,name" {
		t.Fatalf("keys after a request %s", got)
	}
	if err := s.PutConnector(context.Background(), "c", props, ""); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(s.Snapshot().ConnectorKeys["c"], ","); got != "connector.class,name,file,topics,tasks.max" {
		t.Fatalf("keys after a merge %s", got)
	}
}
