package worker

import (
	"context"

	"github.com/goconnect/goconnect/runtime/status"
)

// startConnector starts rc's instance unless its target is STOPPED and
// reports the outcome: STOPPED, FAILED with the error's trace, or the
// state its target asks for. It reports whether the instance runs. Every
// start and restart of a connector goes through it.
func (w *Worker) startConnector(ctx context.Context, rc *runningConnector) bool {
	w.mu.Lock()
	name, class, target := rc.parsed.Name, rc.parsed.Plugin.Class, rc.target
	w.mu.Unlock()
	if target == status.TargetStopped {
		w.reportConnector(rc, nil)
		return false
	}
	if err := w.startConnectorInstance(ctx, rc); err != nil {
		w.log.Error("connector failed", "connector", name, "error", err)
		w.reportConnector(rc, err)
		return false
	}
	w.reportConnector(rc, nil)
	w.mu.Lock()
	tasks := len(rc.taskConfigs)
	w.mu.Unlock()
	w.log.Info("connector started", "connector", name, "class", class, "tasks", tasks)
	return true
}

// setTarget applies target (STARTED or PAUSED) to the tasks hs and, when
// rc is not nil, the connector: its target changes and, unless it has not
// reported yet or failed (FAILED stays until the next start), its status
// follows.
func (w *Worker) setTarget(rc *runningConnector, hs []*handle, target status.TargetState) {
	for _, h := range hs {
		h.setPaused(target == status.TargetPaused)
	}
	if rc == nil {
		return
	}
	rc.reporting.Lock()
	defer rc.reporting.Unlock()
	w.mu.Lock()
	rc.target = target
	report := rc.state != "" && rc.state != status.Failed
	w.mu.Unlock()
	if report {
		w.reportConnectorLocked(rc, nil)
	}
}

// reportConnector reports rc's status: FAILED with err's trace when err is
// not nil, otherwise the state its target asks for.
func (w *Worker) reportConnector(rc *runningConnector, err error) {
	rc.reporting.Lock()
	defer rc.reporting.Unlock()
	w.reportConnectorLocked(rc, err)
}

// reportConnectorLocked is reportConnector with rc.reporting held.
func (w *Worker) reportConnectorLocked(rc *runningConnector, err error) {
	w.mu.Lock()
	name := rc.parsed.Name
	s := status.Status{State: rc.target.State(), WorkerID: w.cfg.WorkerID, Version: rc.parsed.Plugin.Version}
	if err != nil {
		s.State, s.Trace = status.Failed, status.Trace(err, nil)
	}
	rc.state = s.State
	w.mu.Unlock()
	w.status.Report(status.ConnectorChange(name, s))
}
