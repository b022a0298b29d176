// Package metrics exposes Connect's worker, connector and task metrics in
// Prometheus form. Each worker owns one Registry (no global default
// registry), and each task binds its labelled series once at start so the
// record path only touches pre-resolved counters.
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// namespace prefixes every metric, as the JMX exporter rules commonly used
// with Connect do (kafka.connect → kafka_connect).
const namespace = "kafka_connect"

// Registry holds one worker's metric families.
type Registry struct {
	reg *prometheus.Registry

	source   sourceVecs
	sink     sinkVecs
	task     taskVecs
	errs     errorVecs
	snapshot snapshotVecs
}

// StatusSource lists the connectors and tasks a worker runs, for the status
// gauges computed at scrape time.
type StatusSource interface {
	// Snapshot returns the current connectors (name → state, class, type)
	// and tasks (connector → task number → state).
	Snapshot() []ConnectorState
}

// ConnectorState is one connector's state with its tasks' states.
type ConnectorState struct {
	Name, Class, Type, State string
	Tasks                    map[int]string
}

// NewRegistry returns a registry with Connect's metric families; status,
// if not nil, backs the connector and task status gauges.
func NewRegistry(status StatusSource) *Registry {
	r := &Registry{reg: prometheus.NewRegistry()}
	r.source = newSourceVecs()
	r.sink = newSinkVecs()
	r.task = newTaskVecs()
	r.errs = newErrorVecs()
	r.snapshot = newSnapshotVecs()
	for _, c := range r.snapshot.collectors() {
		r.reg.MustRegister(c)
	}
	for _, c := range r.source.collectors() {
		r.reg.MustRegister(c)
	}
	for _, c := range r.sink.collectors() {
		r.reg.MustRegister(c)
	}
	for _, c := range r.task.collectors() {
		r.reg.MustRegister(c)
	}
	for _, c := range r.errs.collectors() {
		r.reg.MustRegister(c)
	}
	r.reg.MustRegister(newWorkerCollector(status))
	return r
}

// Handler serves the registry in the Prometheus text exposition format.
func (r *Registry) Handler() http.Handler {
	return promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{})
}

// Gatherer exposes the registry for tests and embedding.
func (r *Registry) Gatherer() prometheus.Gatherer { return r.reg }

func opts(subsystem, name, help string) prometheus.Opts {
	return prometheus.Opts{Namespace: namespace, Subsystem: subsystem, Name: name, Help: help}
}

var taskLabels = []string{"connector", "task"}

func counterVec(subsystem, name, help string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts(opts(subsystem, name, help)), taskLabels)
}

func gaugeVec(subsystem, name, help string) *prometheus.GaugeVec {
	return prometheus.NewGaugeVec(prometheus.GaugeOpts(opts(subsystem, name, help)), taskLabels)
}

// batchBuckets cover a poll or put from 100µs to ~30s.
var batchBuckets = prometheus.ExponentialBuckets(0.0001, 4, 10)

func histogramVec(subsystem, name, help string) *prometheus.HistogramVec {
	o := opts(subsystem, name, help)
	return prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: o.Namespace, Subsystem: o.Subsystem, Name: o.Name,
		Help: o.Help, Buckets: batchBuckets}, taskLabels)
}
