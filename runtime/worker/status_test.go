package worker

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/goconnect/goconnect/builtin"
	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/runtime/connectorconfig"
	"github.com/goconnect/goconnect/runtime/metrics"
	"github.com/goconnect/goconnect/runtime/plugins"
	"github.com/goconnect/goconnect/runtime/status"
)

// recordingListener keeps every change a worker reports, in order.
type recordingListener struct {
	mu      sync.Mutex
	changes []status.Change
	changed chan struct{} // closed and replaced on every report
}

func newRecordingListener() *recordingListener {
	return &recordingListener{changed: make(chan struct{})}
}

func (l *recordingListener) Report(c status.Change) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.changes = append(l.changes, c)
	close(l.changed)
	l.changed = make(chan struct{})
}

// of returns the changes reported for one connector (task -1) or task.
func (l *recordingListener) of(connector string, task int) []status.Change {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []status.Change
	for _, c := range l.changes {
		if c.Connector == connector && c.Task == task {
			out = append(out, c)
		}
	}
	return out
}

// states renders changes as their states, a removal as "removed".
func states(cs []status.Change) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		if c.Removed {
			out = append(out, "removed")
		} else {
			out = append(out, string(c.Status.State))
		}
	}
	return out
}

// waitStates waits until the states reported for a connector (task -1) or
// task are want, failing after 20 s with what it saw.
func (l *recordingListener) waitStates(t *testing.T, connector string, task int, want ...string) []status.Change {
	t.Helper()
	deadline := time.NewTimer(20 * time.Second)
	defer deadline.Stop()
	for {
		l.mu.Lock()
		changed := l.changed
		l.mu.Unlock()
		cs := l.of(connector, task)
		if slices.Equal(states(cs), want) {
			return cs
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("%s task %d went through %v, want %v", connector, task, states(cs), want)
		}
	}
}

// statusTest is a source connector for status tests; its "fail" setting
// makes one step fail: "connector.start", "task.configs" or "task.start".
// Each instance's task configs carry a new generation, so a restarted
// connector always reconfigures its tasks.
type statusTest struct {
	props       map[string]string
	generations *atomic.Int64
}

func statusTestRegistry(t *testing.T) *plugins.Registry {
	t.Helper()
	var gens atomic.Int64
	desc := connect.PluginDesc{Class: "test.StatusTestConnector", Type: connect.TypeSource, Version: "test",
		New: func() any { return &statusTest{generations: &gens} }}
	reg, err := plugins.NewRegistry(append(builtin.All(), desc)...)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func (*statusTest) Version() string        { return "test" }
func (*statusTest) ConfigDef() *config.Def { return config.NewDef() }
func (c *statusTest) Start(_ context.Context, props map[string]string) error {
	if props["fail"] == "connector.start" {
		return errors.New("cannot reach the source")
	}
	c.props = props
	return nil
}

func (c *statusTest) TaskConfigs(maxTasks int) ([]map[string]string, error) {
	if c.props["fail"] == "task.configs" {
		return nil, errors.New("cannot list the tables")
	}
	gen := strconv.FormatInt(c.generations.Add(1), 10)
	out := make([]map[string]string, maxTasks)
	for i := range out {
		out[i] = map[string]string{"fail": c.props["fail"], "generation": gen}
	}
	return out, nil
}

func (*statusTest) Stop() error                 { return nil }
func (*statusTest) NewTask() connect.SourceTask { return &statusTestTask{} }

type statusTestTask struct{}

func (*statusTestTask) Start(_ context.Context, _ connect.SourceTaskContext, props map[string]string) error {
	if props["fail"] == "task.start" {
		return errors.New("table t1 does not exist")
	}
	return nil
}

// Poll has nothing to give: it waits until it is interrupted.
func (*statusTestTask) Poll(ctx context.Context) ([]connect.SourceRecord, error) {
	<-ctx.Done()
	return nil, nil
}

func (*statusTestTask) Stop() error { return nil }

// TestWorkerReportsStatus follows the states a worker reports for its
// connectors and tasks, with a real broker and test plugins.
func TestWorkerReportsStatus(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	l := newRecordingListener()
	w := newTestWorkerWith(t, strings.Join(c.ListenAddrs(), ","), nil, nil, statusTestRegistry(t), l)
	ctx := context.Background()
	parse := func(name, fail string, tasks int) *connectorconfig.Parsed {
		t.Helper()
		p, err := connectorconfig.Parse(w.reg, map[string]string{"name": name, "connector.class": "StatusTest",
			"tasks.max": strconv.Itoa(tasks), "fail": fail})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	me := w.cfg.WorkerID

	t.Run("started, paused, resumed", func(t *testing.T) {
		startWithTasks(ctx, w, parse("ok", "", 2), status.TargetStarted)
		l.waitStates(t, "ok", -1, "RUNNING")
		for n := range 2 {
			for _, c := range l.waitStates(t, "ok", n, "UNASSIGNED", "RUNNING") {
				if c.Status.WorkerID != me || c.Status.Trace != "" {
					t.Fatalf("task %d reported %+v, want worker %s and no trace", n, c.Status, me)
				}
			}
		}
		w.SetTargetState("ok", status.TargetPaused)
		l.waitStates(t, "ok", -1, "RUNNING", "PAUSED")
		for n := range 2 {
			l.waitStates(t, "ok", n, "UNASSIGNED", "RUNNING", "PAUSED")
		}
		w.SetTargetState("ok", status.TargetStarted)
		l.waitStates(t, "ok", -1, "RUNNING", "PAUSED", "RUNNING")
		for n := range 2 {
			l.waitStates(t, "ok", n, "UNASSIGNED", "RUNNING", "PAUSED", "RUNNING")
		}
		snap := w.Snapshot()
		i := slices.IndexFunc(snap, func(cs metrics.ConnectorState) bool { return cs.Name == "ok" })
		if i < 0 || snap[i].State != "RUNNING" || fmt.Sprint(snap[i].Tasks) != "map[0:RUNNING 1:RUNNING]" {
			t.Fatalf("metrics snapshot %+v, want ok RUNNING with 2 RUNNING tasks", snap)
		}

		// A restart as the engine makes it: the instance stops (reported
		// removed) and starts again; its new task configs replace the
		// tasks, the old ones reported removed first.
		if err := w.StopConnector("ok"); err != nil {
			t.Fatal(err)
		}
		p := parse("ok", "", 2)
		configs, ok := w.StartConnector(ctx, p, status.TargetStarted)
		if !ok || len(configs) != 2 {
			t.Fatalf("restarted connector: %v %v", configs, ok)
		}
		for n := range 2 {
			if err := w.StopTask(ctx, status.TaskID{Connector: "ok", Task: n}); err != nil {
				t.Fatal(err)
			}
			w.StartTask(ctx, p, n, configs[n], status.TargetStarted)
		}
		l.waitStates(t, "ok", -1, "RUNNING", "PAUSED", "RUNNING", "removed", "RUNNING")
		for n := range 2 {
			l.waitStates(t, "ok", n, "UNASSIGNED", "RUNNING", "PAUSED", "RUNNING", "removed", "UNASSIGNED", "RUNNING")
		}
	})

	t.Run("task start fails", func(t *testing.T) {
		startWithTasks(ctx, w, parse("badtask", "task.start", 1), status.TargetStarted)
		l.waitStates(t, "badtask", -1, "RUNNING")
		cs := l.waitStates(t, "badtask", 0, "UNASSIGNED", "FAILED")
		if tr := cs[1].Status.Trace; !strings.HasPrefix(tr, "org.apache.kafka.connect.errors.ConnectException: ") ||
			!strings.Contains(tr, "table t1 does not exist") {
			t.Fatalf("FAILED task trace %q, want the ConnectException with the task's error", tr)
		}
	})

	t.Run("stopped target", func(t *testing.T) {
		startWithTasks(ctx, w, parse("idle", "", 1), status.TargetStopped)
		if got := states(l.of("idle", -1)); !slices.Equal(got, []string{"STOPPED"}) {
			t.Fatalf("stopped connector reported %v, want [STOPPED]", got)
		}
		if got := l.of("idle", 0); len(got) != 0 {
			t.Fatalf("a stopped connector's task reported %v", states(got))
		}
	})

	t.Run("failed connector stays FAILED on pause", func(t *testing.T) {
		startWithTasks(ctx, w, parse("broken", "connector.start", 1), status.TargetStarted)
		cs := l.of("broken", -1)
		if !slices.Equal(states(cs), []string{"FAILED"}) || !strings.Contains(cs[0].Status.Trace, "cannot reach the source") {
			t.Fatalf("connector whose start fails reported %+v, want FAILED with its error", cs)
		}
		// Reports are made before SetTargetState returns: none may follow.
		for _, target := range []status.TargetState{status.TargetPaused, status.TargetStarted} {
			w.SetTargetState("broken", target)
		}
		if got := states(l.of("broken", -1)); !slices.Equal(got, []string{"FAILED"}) {
			t.Fatalf("failed connector went through %v on pause and resume, want to stay FAILED", got)
		}
		if got := l.of("broken", 0); len(got) != 0 {
			t.Fatalf("a failed connector's task reported %v", states(got))
		}
	})

	t.Run("units", func(t *testing.T) {
		// A connector instance that fails after it started (its task
		// configs) stays FAILED when paused, as a whole connector does.
		if _, ok := w.StartConnector(ctx, parse("unitbad", "task.configs", 1), status.TargetStarted); ok {
			t.Fatal("a connector unit whose task configs fail started")
		}
		w.SetTargetState("unitbad", status.TargetPaused)
		if got := states(l.of("unitbad", -1)); !slices.Equal(got, []string{"FAILED"}) {
			t.Fatalf("failed connector unit went through %v on pause, want to stay FAILED", got)
		}

		p := parse("unit", "", 1)
		configs, ok := w.StartConnector(ctx, p, status.TargetPaused)
		if !ok || len(configs) != 1 {
			t.Fatalf("connector unit: %v %v", configs, ok)
		}
		w.StartTask(ctx, p, 0, configs[0], status.TargetPaused)
		l.waitStates(t, "unit", -1, "PAUSED")
		l.waitStates(t, "unit", 0, "UNASSIGNED", "RUNNING", "PAUSED")
		w.SetTargetState("unit", status.TargetStarted)
		l.waitStates(t, "unit", -1, "PAUSED", "RUNNING")
		l.waitStates(t, "unit", 0, "UNASSIGNED", "RUNNING", "PAUSED", "RUNNING")
		if err := w.StopTask(ctx, status.TaskID{Connector: "unit", Task: 0}); err != nil {
			t.Fatal(err)
		}
		if err := w.StopConnector("unit"); err != nil {
			t.Fatal(err)
		}
		l.waitStates(t, "unit", 0, "UNASSIGNED", "RUNNING", "PAUSED", "RUNNING", "removed")
		l.waitStates(t, "unit", -1, "PAUSED", "RUNNING", "removed")
	})
}
