package worker

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/goconnect/goconnect/runtime/connectorconfig"
	"github.com/goconnect/goconnect/runtime/offsetstore"
	"github.com/goconnect/goconnect/runtime/status"
)

// flakyOffsets refuses the first writes, as the distributed offset store
// does while the worker's group membership is unconfirmed during a long
// rebalance.
type flakyOffsets struct {
	offsetstore.Store
	refuse atomic.Int32
	puts   atomic.Int32
}

func (f *flakyOffsets) Put(ctx context.Context, connector string, offs []offsetstore.Offset) error {
	f.puts.Add(1)
	if f.refuse.Add(-1) >= 0 {
		return errors.New("this worker has not reached the group coordinator for 6s; its tasks may run elsewhere")
	}
	return f.Store.Put(ctx, connector, offs)
}

// TestSourceOffsetCommitFailureKeepsTaskRunning: as in Connect, a failed
// offset commit is logged and retried at the next interval with the same
// offsets put back; the task is not failed for it.
func TestSourceOffsetCommitFailureKeepsTaskRunning(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	offs := &flakyOffsets{}
	offs.refuse.Store(3)
	w, board := newTestWorker(t, strings.Join(c.ListenAddrs(), ","), map[string]string{"offset.flush.interval.ms": "50"},
		func(file offsetstore.Store) offsetstore.Store { offs.Store = file; return offs })
	p, err := connectorconfig.Parse(w.reg, map[string]string{"name": "gen", "connector.class": "DatagenConnector",
		"kafka.topic": "ratings", "quickstart": "ratings", "max.interval": "1", "tasks.max": "1"})
	if err != nil {
		t.Fatal(err)
	}
	startWithTasks(context.Background(), w, p, status.TargetStarted)

	deadline := time.Now().Add(20 * time.Second)
	for {
		off, err := offs.Store.Get(context.Background(), "gen", map[string]any{"task.id": int64(0)})
		if err != nil {
			t.Fatal(err)
		}
		if it, _ := off["current.iteration"].(int64); it > 0 && offs.puts.Load() > 3 {
			break
		}
		if st, _ := board.Task(status.TaskID{Connector: "gen"}); st.State == status.Failed {
			t.Fatalf("task failed on a refused offset commit: %s", st.Trace)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no offset committed after the refused ones within 20 s (stored %v, %d puts)", off, offs.puts.Load())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if st, _ := board.Task(status.TaskID{Connector: "gen"}); st.State != status.Running {
		t.Fatalf("task state %s after refused commits, want RUNNING", st.State)
	}
}

// TestSinkOffsetCommitFailureKeepsTaskRunning: as in Connect, a refused
// consumer offset commit is logged and made at the next interval; the
// sink task is not failed for it (it was, after an Elasticsearch outage
// whose flush left the commit no time).
func TestSinkOffsetCommitFailureKeepsTaskRunning(t *testing.T) {
	h := newHarness(t, harnessOpts{workerProps: map[string]string{"offset.flush.interval.ms": "50"}})
	h.createTopic("in", 1)
	const refuse = 3
	var refused atomic.Int32
	h.cluster.ControlKey(kmsg.OffsetCommit.Int16(), func(req kmsg.Request) (kmsg.Response, error, bool) {
		if refused.Load() >= refuse {
			return nil, nil, false // handled by the broker from now on
		}
		h.cluster.KeepControl()
		refused.Add(1)
		r := req.(*kmsg.OffsetCommitRequest)
		resp := r.ResponseKind().(*kmsg.OffsetCommitResponse)
		for _, rt := range r.Topics {
			st := kmsg.NewOffsetCommitResponseTopic()
			st.Topic = rt.Topic
			for _, rp := range rt.Partitions {
				sp := kmsg.NewOffsetCommitResponseTopicPartition()
				sp.Partition = rp.Partition
				sp.ErrorCode = kerr.OffsetMetadataTooLarge.Code // not retried by the client
				st.Partitions = append(st.Partitions, sp)
			}
			resp.Topics = append(resp.Topics, st)
		}
		return resp, nil, true
	})
	h.produce(rec(0, "a0"), rec(0, "a1"))
	c := h.start(sinkProps("snk"))
	c.waitTask(0, status.Running)
	h.waitDelivered("a0", "a1")
	h.waitGroupOffsets("connect-snk", map[int32]int64{0: 2})
	if n := refused.Load(); n != refuse {
		t.Fatalf("%d commits refused, want %d", n, refuse)
	}
	if st, _ := h.board.Task(c.id(0)); st.State != status.Running {
		t.Fatalf("task %s after refused commits, want RUNNING: %s", st.State, st.Trace)
	}
}
