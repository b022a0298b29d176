package worker

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/builtin"
	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/runtime/connectorconfig"
	"github.com/goconnect/goconnect/runtime/offsetstore"
	"github.com/goconnect/goconnect/runtime/plugins"
	"github.com/goconnect/goconnect/runtime/status"
)

// harness is a worker on an in-process broker (kfake) whose registry holds
// the built-in plugins plus the test plugins of testplugins_test.go, so the
// task loops run for real against scripted connectors.
type harness struct {
	t       *testing.T
	cluster *kfake.Cluster
	brokers []string
	admin   *kadm.Client
	w       *Worker
	board   *status.Board
	src     *sourceScript
	sink    *sinkScript
}

// harnessOpts changes the worker a harness starts.
type harnessOpts struct {
	// workerProps add to or override newTestWorker's settings.
	workerProps map[string]string
	// offsets, if set, is the worker's offset store instead of a file.
	offsets func(h *harness) offsetstore.Store
	// noAutoCreate makes the broker refuse to create topics on first use
	// (it creates them with one partition otherwise).
	noAutoCreate bool
}

func newHarness(t *testing.T, o harnessOpts) *harness {
	t.Helper()
	kopts := []kfake.Opt{kfake.NumBrokers(1), kfake.DefaultNumPartitions(1)}
	if !o.noAutoCreate {
		kopts = append(kopts, kfake.AllowAutoTopicCreation())
	}
	c, err := kfake.NewCluster(kopts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	h := &harness{t: t, cluster: c, brokers: c.ListenAddrs(), src: newSourceScript(), sink: newSinkScript()}
	// A short metadata age: the tests ask for topics before a task
	// creates them, and the client would keep "unknown topic" for 5 s.
	cl, err := kgo.NewClient(kgo.SeedBrokers(h.brokers...), kgo.MetadataMinAge(10*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	h.admin = kadm.NewClient(cl)
	var wrap func(offsetstore.Store) offsetstore.Store
	if o.offsets != nil {
		wrap = func(offsetstore.Store) offsetstore.Store { return o.offsets(h) }
	}
	reg, err := plugins.NewRegistry(append(builtin.All(), h.src.desc(), h.sink.desc())...)
	if err != nil {
		t.Fatal(err)
	}
	h.board = status.NewBoard()
	h.w = newTestWorkerWith(t, strings.Join(h.brokers, ","), o.workerProps, wrap, reg, h.board)
	return h
}

// connUnits is one connector run as the engine runs it: its instance and
// each task started separately. It is the harness tests' only user of the
// worker's lifecycle API, so a change of that API is followed here.
type connUnits struct {
	h       *harness
	p       *connectorconfig.Parsed
	configs []map[string]string
	running map[int]bool
}

// start parses props (name and connector.class included) and starts the
// connector and its tasks, in the STARTED target state; everything is
// stopped when the test ends.
func (h *harness) start(props map[string]string) *connUnits {
	h.t.Helper()
	p, err := connectorconfig.Parse(h.w.reg, props)
	if err != nil {
		h.t.Fatal(err)
	}
	configs, ok := h.w.StartConnector(context.Background(), p, status.TargetStarted)
	if !ok {
		st, _ := h.board.Connector(p.Name)
		h.t.Fatalf("connector %s did not start: %s %s", p.Name, st.State, st.Trace)
	}
	c := &connUnits{h: h, p: p, configs: configs, running: map[int]bool{}}
	h.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		for n := range c.running {
			_ = h.w.StopTask(ctx, c.id(n))
		}
		_ = h.w.StopConnector(p.Name)
	})
	for n := range configs {
		c.startTask(n)
	}
	return c
}

func (c *connUnits) id(n int) status.TaskID { return status.TaskID{Connector: c.p.Name, Task: n} }

// startTask starts task n (again) with its generated config.
func (c *connUnits) startTask(n int) {
	c.h.w.StartTask(context.Background(), c.p, n, c.configs[n], status.TargetStarted)
	c.running[n] = true
}

// stopTask stops task n gracefully: it flushes and commits.
func (c *connUnits) stopTask(n int) {
	c.h.t.Helper()
	delete(c.running, n)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := c.h.w.StopTask(ctx, c.id(n)); err != nil {
		c.h.t.Fatalf("stopping task %d: %v", n, err)
	}
}

// setPaused sets the connector's target state to PAUSED or STARTED.
func (c *connUnits) setPaused(paused bool) {
	target := status.TargetStarted
	if paused {
		target = status.TargetPaused
	}
	c.h.w.SetTargetState(c.p.Name, target)
}

// waitTask waits until task n reports the state; a FAILED task ends the
// test at once with its trace, unless FAILED is the state awaited.
func (c *connUnits) waitTask(n int, want status.State) status.Status {
	c.h.t.Helper()
	var st status.Status
	eventually(c.h.t, 20*time.Second, func() bool {
		st, _ = c.h.board.Task(c.id(n))
		if st.State == status.Failed && want != status.Failed {
			c.h.t.Fatalf("task %d failed: %s", n, st.Trace)
		}
		return st.State == want
	}, func() string {
		return "task " + c.id(n).Connector + " state " + string(st.State) + ", want " + string(want)
	})
	return st
}

// feed hands one poll's batch to task n of the scripted source, unless the
// task fails first; it reports whether the task took the batch.
func (c *connUnits) feed(n int, batch []connect.SourceRecord) bool {
	c.h.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case c.h.src.polls <- batch:
			return true
		case <-time.After(10 * time.Millisecond):
		}
		if st, _ := c.h.board.Task(c.id(n)); st.State == status.Failed {
			return false
		}
	}
	c.h.t.Fatalf("task %d did not poll within 20s", n)
	return false
}

// waitValue waits until a record with the value is in the topic.
func (h *harness) waitValue(topic string, committed bool, value string) {
	h.t.Helper()
	var recs []*kgo.Record
	eventually(h.t, 20*time.Second, func() bool {
		recs = h.readTopic(topic, committed)
		return slices.ContainsFunc(recs, func(r *kgo.Record) bool { return string(r.Value) == value })
	}, func() string {
		return fmt.Sprintf("no value %s in %s among %d records (committed only: %v)", value, topic, len(recs), committed)
	})
}

// eventually polls cond every 10 ms until it holds, failing the test with
// what() once the deadline passes.
func eventually(t *testing.T, within time.Duration, cond func() bool, what func() string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", within, what())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// createTopic creates a topic with the given partitions.
func (h *harness) createTopic(topic string, partitions int32) {
	h.t.Helper()
	resp, err := h.admin.CreateTopic(context.Background(), partitions, 1, nil, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		h.t.Fatalf("creating topic %s: %v", topic, err)
	}
}

// produce writes records synchronously.
func (h *harness) produce(recs ...*kgo.Record) {
	h.t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(h.brokers...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		h.t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		h.t.Fatalf("producing: %v", err)
	}
}

// readTopic reads a topic from its start until the end offsets it has
// now (the last stable offsets when committed is set), and returns the
// data records seen: with committed, those of aborted transactions are
// left out, as a read_committed consumer sees them.
func (h *harness) readTopic(topic string, committed bool) []*kgo.Record {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	list := h.admin.ListEndOffsets
	iso := kgo.ReadUncommitted()
	if committed {
		list, iso = h.admin.ListCommittedOffsets, kgo.ReadCommitted()
	}
	ends, err := list(ctx, topic)
	if err == nil {
		err = ends.Error()
	}
	if errors.Is(err, kerr.UnknownTopicOrPartition) {
		return nil // not created yet
	}
	if err != nil {
		h.t.Fatalf("listing end offsets of %s: %v", topic, err)
	}
	want := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 {
			want[o.Partition] = o.Offset
		}
	})
	if len(want) == 0 {
		return nil
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(h.brokers...), kgo.ConsumeTopics(topic), kgo.FetchIsolationLevel(iso),
		kgo.KeepControlRecords(), kgo.FetchMaxWait(100*time.Millisecond))
	if err != nil {
		h.t.Fatal(err)
	}
	defer cl.Close()
	var out []*kgo.Record
	next := map[int32]int64{}
	for !reached(next, want) {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			h.t.Fatalf("reading %s: at %v of %v: %v", topic, next, want, ctx.Err())
		}
		fs.EachRecord(func(r *kgo.Record) {
			next[r.Partition] = r.Offset + 1
			if !r.Attrs.IsControl() {
				out = append(out, r)
			}
		})
	}
	slices.SortStableFunc(out, func(a, b *kgo.Record) int {
		if a.Partition != b.Partition {
			return int(a.Partition - b.Partition)
		}
		return int(a.Offset - b.Offset)
	})
	return out
}

func reached(next, want map[int32]int64) bool {
	for p, end := range want {
		if next[p] < end {
			return false
		}
	}
	return true
}

// waitRecords waits until readTopic returns n records, and returns them.
func (h *harness) waitRecords(topic string, committed bool, n int) []*kgo.Record {
	h.t.Helper()
	var recs []*kgo.Record
	eventually(h.t, 20*time.Second, func() bool { recs = h.readTopic(topic, committed); return len(recs) >= n },
		func() string {
			return fmt.Sprintf("%d records in %s (committed only: %v), want %d", len(recs), topic, committed, n)
		})
	if len(recs) != n {
		h.t.Fatalf("%d records in %s (committed only: %v), want %d", len(recs), topic, committed, n)
	}
	return recs
}

// groupOffsets returns a consumer group's committed offsets per partition.
func (h *harness) groupOffsets(group string) map[int32]int64 {
	h.t.Helper()
	resp, err := h.admin.FetchOffsets(context.Background(), group)
	if err == nil {
		err = resp.Error()
	}
	if err != nil {
		h.t.Fatalf("fetching offsets of group %s: %v", group, err)
	}
	out := map[int32]int64{}
	resp.Each(func(o kadm.OffsetResponse) { out[o.Partition] = o.At })
	return out
}

// props returns base with more settings.
func props(base map[string]string, more ...string) map[string]string {
	out := maps.Clone(base)
	for i := 0; i+1 < len(more); i += 2 {
		out[more[i]] = more[i+1]
	}
	return out
}
