package standalone

import "github.com/goconnect/goconnect/runtime/metrics"

// Metrics returns the worker's metrics registry, served by GET /metrics.
func (h *Herder) Metrics() *metrics.Registry { return h.w.Metrics() }
