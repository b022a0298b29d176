package metrics

import (
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// workerCollector computes the status gauges and worker counts at scrape
// time from the worker's own bookkeeping, so no state is duplicated.
type workerCollector struct {
	src                             StatusSource
	connStatus, taskStatus          *prometheus.Desc
	connCount, taskCount            *prometheus.Desc
	rebalances, rebalancing, epochs *prometheus.Desc
}

func newWorkerCollector(src StatusSource) *workerCollector {
	d := func(sub, name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(namespace, sub, name), help, labels, nil)
	}
	return &workerCollector{
		src:         src,
		connStatus:  d("connector", "status", "1 for the connector's current status (connector-metrics status).", "connector", "status", "connector_class", "connector_type"),
		taskStatus:  d("connector_task", "status", "1 for the task's current status (connector-task-metrics status).", "connector", "task", "status"),
		connCount:   d("worker", "connector_count", "Connectors run in this worker (connector-count)."),
		taskCount:   d("worker", "task_count", "Tasks run in this worker (task-count)."),
		rebalances:  d("worker_rebalance", "completed_rebalances_total", "Rebalances completed by this worker; always 0 in standalone mode (completed-rebalances-total)."),
		rebalancing: d("worker_rebalance", "rebalancing", "1 while the worker is rebalancing (rebalancing)."),
		epochs:      d("worker_rebalance", "epoch", "Epoch or generation of the worker (epoch)."),
	}
}

func (c *workerCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.connStatus, c.taskStatus, c.connCount, c.taskCount, c.rebalances, c.rebalancing, c.epochs} {
		ch <- d
	}
}

func (c *workerCollector) Collect(ch chan<- prometheus.Metric) {
	var conns []ConnectorState
	if c.src != nil {
		conns = c.src.Snapshot()
	}
	tasks := 0
	for _, cs := range conns {
		if cs.State != "" { // "": only some of its tasks run on this worker
			ch <- prometheus.MustNewConstMetric(c.connStatus, prometheus.GaugeValue, 1, cs.Name, strings.ToLower(cs.State), cs.Class, cs.Type)
		}
		for n, st := range cs.Tasks {
			ch <- prometheus.MustNewConstMetric(c.taskStatus, prometheus.GaugeValue, 1, cs.Name, strconv.Itoa(n), strings.ToLower(st))
			tasks++
		}
	}
	ch <- prometheus.MustNewConstMetric(c.connCount, prometheus.GaugeValue, float64(len(conns)))
	ch <- prometheus.MustNewConstMetric(c.taskCount, prometheus.GaugeValue, float64(tasks))
	ch <- prometheus.MustNewConstMetric(c.rebalances, prometheus.CounterValue, 0)
	ch <- prometheus.MustNewConstMetric(c.rebalancing, prometheus.GaugeValue, 0)
	ch <- prometheus.MustNewConstMetric(c.epochs, prometheus.GaugeValue, 0)
}
