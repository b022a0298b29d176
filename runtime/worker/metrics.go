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
	for name, rc := range w.connectors {
		conns = append(conns, conn{name, rc.parsed.Plugin.Class, string(rc.parsed.Plugin.Type)})
	}
	w.mu.Unlock()
	out := make([]metrics.ConnectorState, 0, len(conns))
	for _, c := range conns {
		st, ok := w.board.Connector(c.name)
		if !ok {
			continue
		}
		cs := metrics.ConnectorState{Name: c.name, Class: c.class, Type: c.typ, State: string(st.State), Tasks: map[int]string{}}
		for n, ts := range w.board.Tasks(c.name) {
			cs.Tasks[n] = string(ts.State)
		}
		out = append(out, cs)
	}
	return out
}
