package worker

import (
	"context"
	"fmt"
	"reflect"
	"time"

	"github.com/goconnect/goconnect/runtime/status"
)

// stopTimeout bounds a graceful task stop by task.shutdown.graceful.timeout.ms.
func (w *Worker) stopTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, max(w.cfg.ShutdownTimeout, time.Millisecond))
}

func (w *Worker) running(name string) (*runningConnector, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	rc, ok := w.connectors[name]
	return rc, ok
}

// RestartTask stops one task (letting it flush and commit) and starts it
// again with the same config. Callers serialise restarts of a connector.
func (w *Worker) RestartTask(ctx context.Context, name string, n int) error {
	rc, ok := w.running(name)
	if !ok || n < 0 || n >= len(rc.tasks) {
		return fmt.Errorf("task %s-%d is not running on this worker", name, n)
	}
	sctx, cancel := w.stopTimeout(ctx)
	err := rc.tasks[n].stop(sctx)
	cancel()
	if err != nil {
		w.log.Warn("task did not stop in time before its restart", "connector", name, "task", n, "error", err)
	}
	w.mu.Lock()
	cfg := rc.taskConfigs[n]
	w.mu.Unlock()
	h := w.startTask(ctx, rc, n, cfg)
	w.mu.Lock()
	rc.tasks[n] = h
	w.mu.Unlock()
	return nil
}

// RestartConnector restarts the connector instance only. Its tasks are
// restarted as well when the new instance generates different task
// configs, as Connect reconfigures tasks after a connector restart.
func (w *Worker) RestartConnector(ctx context.Context, name string) error {
	rc, ok := w.running(name)
	if !ok {
		return fmt.Errorf("connector %s is not running on this worker", name)
	}
	if rc.inst != nil {
		if err := rc.inst.Stop(); err != nil {
			w.log.Warn("connector failed to stop before its restart", "connector", name, "error", err)
		}
		rc.inst = nil
	}
	w.mu.Lock()
	old := rc.taskConfigs
	w.mu.Unlock()
	if !w.startConnector(ctx, rc) {
		return nil
	}
	w.mu.Lock()
	fresh := rc.taskConfigs
	w.mu.Unlock()
	if reflect.DeepEqual(old, fresh) && len(rc.tasks) == len(fresh) {
		return nil
	}
	sctx, cancel := w.stopTimeout(ctx)
	for _, h := range rc.tasks {
		if err := h.stop(sctx); err != nil {
			w.log.Warn("task did not stop in time before reconfiguration", "connector", name, "error", err)
		}
	}
	cancel()
	for _, h := range rc.tasks {
		w.status.Report(status.Change{Connector: name, Task: h.id.Task, Removed: true})
	}
	tasks := make([]*handle, 0, len(fresh))
	for i, tc := range fresh {
		tasks = append(tasks, w.startTask(ctx, rc, i, tc))
	}
	w.mu.Lock()
	rc.tasks = tasks
	w.mu.Unlock()
	return nil
}

// TaskCount returns how many tasks a connector runs on this worker.
func (w *Worker) TaskCount(name string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	if rc, ok := w.connectors[name]; ok {
		return len(rc.tasks)
	}
	return 0
}
