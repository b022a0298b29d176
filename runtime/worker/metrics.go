package worker

import (
	"github.com/goconnect/goconnect/runtime/metrics"
	"github.com/goconnect/goconnect/runtime/status"
)

// Metrics returns the worker's metrics registry (nil when disabled).
func (w *Worker) Metrics() *metrics.Registry { return w.metrics }

// Snapshot lists the worker's connectors and the states it last reported
// for them and their tasks, for the status gauges; it implements
// metrics.StatusSource.
func (w *Worker) Snapshot() []metrics.ConnectorState {
	w.mu.Lock()
	type conn struct {
		name, class, typ string
		state            status.State // "": its instance does not run here
		tasks            map[int]*handle
	}
	var conns []*conn
	byName := map[string]*conn{}
	add := func(name string, rc *runningConnector) *conn {
		c, ok := byName[name]
		if !ok {
			c = &conn{name: name, class: rc.parsed.Plugin.Class, typ: string(rc.parsed.Plugin.Type), tasks: map[int]*handle{}}
			byName[name] = c
			conns = append(conns, c)
		}
		return c
	}
	for name, rc := range w.connectors {
		add(name, rc).state = rc.state
	}
	for id, rt := range w.tasks {
		add(id.Connector, rt.rc).tasks[id.Task] = rt.h
	}
	w.mu.Unlock()
	out := make([]metrics.ConnectorState, 0, len(conns))
	for _, c := range conns {
		cs := metrics.ConnectorState{Name: c.name, Class: c.class, Type: c.typ, State: string(c.state), Tasks: map[int]string{}}
		for n, h := range c.tasks {
			if st := h.reportedState(); st != "" {
				cs.Tasks[n] = string(st)
			}
		}
		if cs.State == "" && len(cs.Tasks) == 0 {
			continue
		}
		out = append(out, cs)
	}
	return out
}
