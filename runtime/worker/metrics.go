package worker

import (
	"github.com/goconnect/goconnect/runtime/metrics"
)

// Metrics returns the worker's metrics registry (nil when disabled).
func (w *Worker) Metrics() *metrics.Registry { return w.metrics }

// Snapshot lists the worker's connectors and task states for the status
// gauges; it implements metrics.StatusSource.
func (w *Worker) Snapshot() []metrics.ConnectorState {
	w.mu.Lock()
	type conn struct{ name, class, typ string }
	conns := make([]conn, 0, len(w.connectors))
	seen := map[string]bool{}
	add := func(name string, rc *runningConnector) {
		if !seen[name] {
			seen[name] = true
			conns = append(conns, conn{name, rc.parsed.Plugin.Class, string(rc.parsed.Plugin.Type)})
		}
	}
	for name, rc := range w.connectors {
		add(name, rc)
	}
	// Distributed mode runs connectors and tasks one by one.
	if w.units != nil {
		for name, rc := range w.units.connectors {
			add(name, rc)
		}
		for id, tu := range w.units.tasks {
			add(id.Connector, tu.rc)
		}
	}
	w.mu.Unlock()
	out := make([]metrics.ConnectorState, 0, len(conns))
	for _, c := range conns {
		st, ok := w.board.Connector(c.name)
		tasks := w.board.Tasks(c.name)
		if !ok && len(tasks) == 0 {
			continue
		}
		// In distributed mode a worker may run tasks of a connector whose
		// instance runs elsewhere: State stays empty.
		cs := metrics.ConnectorState{Name: c.name, Class: c.class, Type: c.typ, State: string(st.State), Tasks: map[int]string{}}
		for n, ts := range tasks {
			cs.Tasks[n] = string(ts.State)
		}
		out = append(out, cs)
	}
	return out
}
