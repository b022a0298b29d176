package status

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// recorder collects the changes a board announces.
type recorder struct{ changes []Change }

func (r *recorder) hear(c Change) { r.changes = append(r.changes, c) }

func running(worker string) Status { return Status{State: Running, WorkerID: worker} }

func TestBoardSetAndRead(t *testing.T) {
	b := NewBoard()
	if _, ok := b.Connector("c"); ok {
		t.Fatal("empty board has a connector status")
	}
	b.SetConnector("c", running("w1"))
	b.SetTask(TaskID{"c", 0}, Status{State: Failed, WorkerID: "w1", Trace: "boom"})
	b.SetTask(TaskID{"c", 1}, running("w2"))
	b.SetTask(TaskID{"other", 0}, running("w1"))
	b.SetConnector("c", Status{State: Paused, WorkerID: "w1"}) // a later set replaces

	if s, ok := b.Connector("c"); !ok || s != (Status{State: Paused, WorkerID: "w1"}) {
		t.Fatalf("connector c = %+v, %v", s, ok)
	}
	if s, ok := b.Task(TaskID{"c", 0}); !ok || s.State != Failed || s.Trace != "boom" {
		t.Fatalf("task c-0 = %+v, %v", s, ok)
	}
	want := map[int]Status{0: {State: Failed, WorkerID: "w1", Trace: "boom"}, 1: running("w2")}
	if got := b.Tasks("c"); !reflect.DeepEqual(got, want) {
		t.Fatalf("Tasks(c) = %v, want %v", got, want)
	}
	if got := b.Connectors(); !slices.Equal(got, []string{"c"}) {
		t.Fatalf("Connectors() = %v, want [c] (tasks alone do not list a connector)", got)
	}
}

func TestBoardRemovals(t *testing.T) {
	b := NewBoard()
	for _, c := range []string{"a", "b"} {
		b.SetConnector(c, running("w"))
		for n := range 3 {
			b.SetTask(TaskID{c, n}, running("w"))
		}
	}
	b.RemoveTasks("a", 1)
	if got := b.Tasks("a"); len(got) != 1 || got[0].State != Running {
		t.Fatalf("after RemoveTasks(a, 1): %v, want task 0 only", got)
	}
	b.RemoveTask(TaskID{"a", 0})
	if got := b.Tasks("a"); len(got) != 0 {
		t.Fatalf("after RemoveTask(a-0): %v", got)
	}
	b.RemoveConnector("b")
	if _, ok := b.Connector("b"); ok {
		t.Fatal("RemoveConnector(b) left its status")
	}
	if got := b.Tasks("b"); len(got) != 3 {
		t.Fatalf("RemoveConnector(b) must keep its tasks, has %v", got)
	}
	b.Remove("b")
	if _, ok := b.Connector("a"); !ok {
		t.Fatal("Remove(b) removed connector a")
	}
	if got := b.Tasks("b"); len(got) != 0 {
		t.Fatalf("Remove(b) left tasks %v", got)
	}
}

// TestBoardOnChangeOrder: every change is announced after it is applied,
// in order, and removing what is not there announces nothing.
func TestBoardOnChangeOrder(t *testing.T) {
	b := NewBoard()
	var r recorder
	b.OnChange(func(c Change) {
		// Applied before it is announced.
		switch {
		case c.Task < 0:
			if _, ok := b.Connector(c.Connector); ok == c.Removed {
				t.Errorf("change %+v announced before it was applied", c)
			}
		default:
			if _, ok := b.Task(TaskID{c.Connector, c.Task}); ok == c.Removed {
				t.Errorf("change %+v announced before it was applied", c)
			}
		}
		r.hear(c)
	})
	b.SetConnector("c", running("w"))
	b.SetTask(TaskID{"c", 0}, Status{State: Unassigned, WorkerID: "w"})
	b.SetTask(TaskID{"c", 0}, running("w"))
	b.RemoveTask(TaskID{"c", 5}) // not there: no change
	b.RemoveConnector("nope")    // not there: no change
	b.Remove("c")
	want := []Change{
		{Connector: "c", Task: -1, Status: running("w")},
		{Connector: "c", Task: 0, Status: Status{State: Unassigned, WorkerID: "w"}},
		{Connector: "c", Task: 0, Status: running("w")},
		{Connector: "c", Task: 0, Removed: true},
		{Connector: "c", Task: -1, Removed: true},
	}
	if !reflect.DeepEqual(r.changes, want) {
		t.Fatalf("changes\n got %+v\nwant %+v", r.changes, want)
	}
}

// TestBoardAsListener: a board applies what a worker reports through the
// Listener contract exactly as its setters do: a status per connector
// (Task -1) or task, removals of one connector (its tasks kept) or one
// task, each announced once.
func TestBoardAsListener(t *testing.T) {
	var l Listener = NewBoard()
	b := l.(*Board)
	var r recorder
	b.OnChange(r.hear)
	failed := Status{State: Failed, WorkerID: "w", Trace: Trace(errors.New("no such table"), nil)}
	reports := []Change{
		ConnectorChange("c", running("w")),
		TaskChange(TaskID{"c", 0}, Status{State: Unassigned, WorkerID: "w"}),
		TaskChange(TaskID{"c", 0}, failed),
		TaskChange(TaskID{"c", 1}, running("w")),
		{Connector: "c", Task: 1, Removed: true},
		{Connector: "c", Task: -1, Removed: true},
		{Connector: "c", Task: -1, Removed: true}, // already gone: not announced
	}
	for _, c := range reports {
		l.Report(c)
	}
	if _, ok := b.Connector("c"); ok {
		t.Fatal("connector c still has a status after its removal")
	}
	if got := b.Tasks("c"); !reflect.DeepEqual(got, map[int]Status{0: failed}) {
		t.Fatalf("tasks of c = %v, want task 0 FAILED only", got)
	}
	if !strings.HasPrefix(failed.Trace, "org.apache.kafka.connect.errors.ConnectException: no such table") {
		t.Fatalf("trace %q", failed.Trace)
	}
	if !reflect.DeepEqual(r.changes, reports[:len(reports)-1]) {
		t.Fatalf("announced\n got %+v\nwant %+v", r.changes, reports[:len(reports)-1])
	}
}

func TestTargetStateState(t *testing.T) {
	for target, want := range map[TargetState]State{TargetStarted: Running, TargetPaused: Paused, TargetStopped: Stopped} {
		if got := target.State(); got != want {
			t.Errorf("%s.State() = %s, want %s", target, got, want)
		}
	}
}
