package metrics

import (
	"testing"
	"time"
)

func TestNilTaskIsNoop(t *testing.T) {
	var r *Registry
	tm := r.Task("c", 0, true)
	tm.Source().Polled(3, time.Millisecond)
	tm.Sink().Put(3, time.Millisecond)
	tm.Errors().Failure()
	tm.Committed(time.Millisecond, nil)
	tm.Close()
}

// gathered returns the value of a family's only series, and the series count.
func gathered(t *testing.T, r *Registry, name string) (float64, int) {
	t.Helper()
	fams, err := r.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		ms := f.GetMetric()
		if len(ms) == 0 {
			return 0, 0
		}
		if c := ms[0].GetCounter(); c != nil {
			return c.GetValue(), len(ms)
		}
		return ms[0].GetGauge().GetValue(), len(ms)
	}
	return 0, 0
}

func TestTaskSeriesBoundAndRemoved(t *testing.T) {
	r := NewRegistry(nil)
	tm := r.Task("c", 1, false)
	tm.Sink().Read(5, 2)
	tm.Sink().Put(4, time.Millisecond)
	tm.Errors().Skipped()
	if v, _ := gathered(t, r, "kafka_connect_sink_task_sink_record_read_total"); v != 5 {
		t.Fatalf("read %v", v)
	}
	if v, _ := gathered(t, r, "kafka_connect_task_error_total_records_skipped"); v != 1 {
		t.Fatalf("skipped %v", v)
	}
	if v, _ := gathered(t, r, "kafka_connect_worker_rebalance_completed_rebalances_total"); v != 0 {
		t.Fatalf("rebalances %v", v)
	}
	tm.Close()
	if _, n := gathered(t, r, "kafka_connect_sink_task_sink_record_send_total"); n != 0 {
		t.Fatalf("%d send series left after Close", n)
	}
}
