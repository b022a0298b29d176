package herder_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goconnect/goconnect/builtin"
	"github.com/goconnect/goconnect/internal/testkit"
	"github.com/goconnect/goconnect/runtime/group"
	"github.com/goconnect/goconnect/runtime/herder"
	"github.com/goconnect/goconnect/runtime/offsetstore"
	"github.com/goconnect/goconnect/runtime/status"
	"github.com/goconnect/goconnect/runtime/storage"
	"github.com/goconnect/goconnect/runtime/worker"
	"github.com/goconnect/goconnect/runtime/workerconfig"
)

// newEngine is an engine on memory stores and a worker against an
// in-process broker, started with member m (nil: the single member).
func newEngine(t *testing.T, wait bool, m func(*herder.Engine) herder.Member) *herder.Engine {
	e, _ := newEngineStore(t, wait, m)
	return e
}

// newEngineStore is newEngine that also returns its config store.
// Options change the engine's config before it is built.
func newEngineStore(t *testing.T, wait bool, m func(*herder.Engine) herder.Member, options ...func(*herder.Config)) (*herder.Engine, *storage.MemoryConfig) {
	t.Helper()
	b := testkit.Broker(t)
	cfg, err := workerconfig.ParseStandalone(map[string]string{
		"bootstrap.servers": strings.Join(b.Addrs(), ","), "offset.storage.file.filename": t.TempDir() + "/offsets",
		"key.converter": "org.apache.kafka.connect.storage.StringConverter", "value.converter": "org.apache.kafka.connect.json.JsonConverter",
		"rest.advertised.host.name": "w", "rest.advertised.port": "8083",
	})
	if err != nil {
		t.Fatal(err)
	}
	reg := builtin.Registry(cfg.PluginPath)
	log := slog.New(slog.DiscardHandler)
	offs := offsetstore.NewMemory()
	configs := storage.NewMemoryConfig()
	hc := herder.Config{Registry: reg, Log: log, Configs: configs, Statuses: storage.NewMemoryStatus(),
		NewWorker: func(l status.Listener) *worker.Worker { return worker.New(cfg, reg, offs, l, log) },
		Offsets:   offs, WaitForReconcile: wait, Assignor: &group.Assignor{}}
	for _, o := range options {
		o(&hc)
	}
	e := herder.New(hc)
	var member herder.Member = herder.Solo{}
	if m != nil {
		member = m(e)
	}
	e.Start(member)
	t.Cleanup(func() { _ = e.Stop(context.Background()) })
	return e, configs
}

func datagen(tasks string) map[string]string {
	return map[string]string{"connector.class": "DatagenConnector", "kafka.topic": "r", "quickstart": "ratings",
		"tasks.max": tasks, "max.interval": "50"}
}

// Writes return once reconciled: the connector's task configs are
// generated (by the engine, as the leader running it) and its tasks run
// or are starting, with statuses to show for each step.
func TestSingleMemberWritesReturnReconciled(t *testing.T) {
	e := newEngine(t, true, nil)
	ctx := context.Background()
	if err := e.Create(ctx, "gen", datagen("2"), ""); err != nil {
		t.Fatal(err)
	}
	if info, err := e.Info("gen"); err != nil || info.Tasks != 2 {
		t.Fatalf("info right after create: %+v %v", info, err)
	}
	for n := range 2 {
		if _, err := e.TaskStatus("gen", n); err != nil {
			t.Fatalf("task %d has no status right after create: %v", n, err)
		}
	}
	if err := e.Pause(ctx, "gen"); err != nil {
		t.Fatal(err)
	}
	if st, _ := e.Status("gen"); st.Connector.State != status.Paused {
		t.Fatalf("connector %s right after pause", st.Connector.State)
	}
	if err := e.StopConnector(ctx, "gen"); err != nil {
		t.Fatal(err)
	}
	if st, _ := e.Status("gen"); st.Connector.State != status.Stopped || len(st.Tasks) != 0 {
		t.Fatalf("right after stop: %+v", st)
	}
	if err := e.Resume(ctx, "gen"); err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, "tasks RUNNING after resume", 10*time.Second, func() bool {
		st, err := e.Status("gen")
		return err == nil && st.Connector.State == status.Running && len(st.Tasks) == 2 &&
			st.Tasks[0].State == status.Running && st.Tasks[1].State == status.Running
	})
	if _, accepted, err := e.Restart(ctx, "gen", true, false); err != nil || !accepted {
		t.Fatalf("restart: %v %v", accepted, err)
	}
	if err := e.Delete(ctx, "gen"); err != nil {
		t.Fatal(err)
	}
	var he *herder.Error
	if _, err := e.Status("gen"); !errors.As(err, &he) || !errors.Is(err, herder.ErrNotFound) {
		t.Fatalf("status after delete: %v", err)
	}
	if n := len(e.Worker().RunningTasks()) + len(e.Worker().RunningConnectors()); n != 0 {
		t.Fatalf("%d units still run after the delete returned", n)
	}
}

// follower is a member that never leads.
type follower struct{ e *herder.Engine }

func (f follower) Run(ctx context.Context) {
	f.e.Assigned(ctx, 1, "me", group.Assignment{Leader: "other", LeaderURL: "http://leader:8083"})
	<-ctx.Done()
}
func (follower) RequestRejoin() {}
func (follower) Valid() error   { return nil }

// A worker that does not lead sends writes to the leader.
func TestFollowerForwardsWrites(t *testing.T) {
	e := newEngine(t, false, func(e *herder.Engine) herder.Member { return follower{e} })
	var fe *herder.ForwardError
	testkit.WaitFor(t, "the assignment", 10*time.Second, func() bool {
		return errors.As(e.LeaderCheck(), &fe) && fe.URL == "http://leader:8083"
	})
	err := e.Create(context.Background(), "gen", datagen("1"), "")
	if !errors.As(err, &fe) || fe.ForwardURL() != "http://leader:8083" {
		t.Fatalf("create on a follower: %v", err)
	}
	if got := e.Connectors(); len(got) != 0 {
		t.Fatalf("a follower wrote %v", got)
	}
}

// A stop and a resume the loop sees as one change (the connector instance
// never leaves STARTED) still end with the connector's task configs
// committed again and its tasks running: the engine compares what a
// running connector generated with what is committed, not only changes.
func TestStopAndResumeSeenAsOneChange(t *testing.T) {
	e, configs := newEngineStore(t, true, nil)
	ctx := context.Background()
	if err := e.Create(ctx, "gen", datagen("2"), ""); err != nil {
		t.Fatal(err)
	}
	// Straight to the store, as fast as it takes them: what a stop then
	// a resume write.
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(configs.PutTarget(ctx, "gen", status.TargetStopped))
	must(configs.PutTaskConfigs(ctx, "gen", nil))
	must(configs.PutTarget(ctx, "gen", status.TargetStarted))
	testkit.WaitFor(t, "2 task configs committed and 2 tasks running again", 10*time.Second, func() bool {
		tc, _ := e.TaskConfigs("gen")
		return len(tc) == 2 && len(e.Worker().RunningTasks()) == 2
	})
}

// recordingStatus keeps every connector state published, in order.
type recordingStatus struct {
	*storage.MemoryStatus
	mu     sync.Mutex
	states []status.State
}

func (r *recordingStatus) Publish(ctx context.Context, c status.Change, gen int32) {
	if c.Task < 0 && !c.Removed {
		r.mu.Lock()
		r.states = append(r.states, c.Status.State)
		r.mu.Unlock()
	}
	r.MemoryStatus.Publish(ctx, c, gen)
}

func (r *recordingStatus) seen(s status.State) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Contains(r.states, s)
}

// A plain restart goes from RUNNING to RUNNING, as Connect's
// restartConnector (no RESTARTING: that is for restart plans, requests
// with includeTasks or onlyFailed, which do report it).
func TestPlainRestartReportsNoRestarting(t *testing.T) {
	rec := &recordingStatus{MemoryStatus: storage.NewMemoryStatus()}
	e, _ := newEngineStore(t, true, nil, func(c *herder.Config) { c.Statuses = rec })
	ctx := context.Background()
	if err := e.Create(ctx, "gen", datagen("1"), ""); err != nil {
		t.Fatal(err)
	}
	if _, accepted, err := e.Restart(ctx, "gen", false, false); err != nil || accepted {
		t.Fatalf("plain restart: accepted=%v %v", accepted, err)
	}
	if rec.seen(status.Restarting) {
		t.Fatalf("a plain restart reported RESTARTING: %v", rec.states)
	}
	if _, accepted, err := e.Restart(ctx, "gen", true, false); err != nil || !accepted {
		t.Fatalf("restart with tasks: accepted=%v %v", accepted, err)
	}
	if !rec.seen(status.Restarting) {
		t.Fatalf("a restart with includeTasks reported no RESTARTING: %v", rec.states)
	}
}
