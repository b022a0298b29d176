package herder

import (
	"context"
	"errors"
	"maps"
	"sort"
	"sync"
	"time"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/runtime/group"
	"github.com/goconnect/goconnect/runtime/status"
	"github.com/goconnect/goconnect/runtime/storage"
)

// reconcileLocked makes what runs here match the assignment and the
// config, pass after pass until a pass leaves the config as it found it
// (a leader running a connector writes its task configs, and the next
// pass starts the tasks). Callers hold e.ops.
func (e *Engine) reconcileLocked(ctx context.Context) error {
	for ctx.Err() == nil {
		snap := e.configs.Snapshot()
		e.stopUnwantedLocked(ctx, &snap)
		wrote := e.startMissingLocked(ctx, &snap)
		if !wrote {
			e.setReconciled(snap.Offset)
		}
		if e.configs.Snapshot().Offset == snap.Offset {
			return nil
		}
	}
	return ctx.Err()
}

// units lists every unit of a snapshot: each connector instance and each
// committed task.
func units(snap *storage.Snapshot) []group.Unit {
	var out []group.Unit
	for name := range snap.Connectors {
		out = append(out, group.Unit{Connector: name, Task: -1})
		if snap.Target(name) == status.TargetStopped {
			continue
		}
		for i := range snap.Tasks[name] {
			out = append(out, group.Unit{Connector: name, Task: i})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Connector != out[j].Connector {
			return out[i].Connector < out[j].Connector
		}
		return out[i].Task < out[j].Task
	})
	return out
}

func sameUnits(a, b []group.Unit) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// owned returns the units this worker must run under snap.
func (e *Engine) owned(snap *storage.Snapshot) map[group.Unit]bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := map[group.Unit]bool{}
	list := e.assignment.Owned
	if e.assignment.All {
		list = units(snap)
	}
	for _, u := range list {
		out[u] = true
	}
	return out
}

// stopUnwantedLocked stops what is no longer assigned here, or whose
// config, target state or a restart request says it must go. Callers
// hold e.ops.
func (e *Engine) stopUnwantedLocked(ctx context.Context, snap *storage.Snapshot) {
	owned := e.owned(snap)
	all := units(snap)
	e.mu.Lock()
	// Once per unit set: a second request while the member rebalances
	// would start another round right after it.
	rejoin := e.leader && !e.assignment.All && !sameUnits(all, e.planned) && !sameUnits(all, e.rejoinFor)
	if rejoin {
		e.rejoinFor = all
	}
	restarts := e.restarts
	e.restarts = nil
	e.mu.Unlock()
	if rejoin {
		// Connectors or tasks were added or removed: the leader spreads
		// them in a new round.
		e.member.RequestRejoin()
	}

	// Restart requests: stop what they name here, it starts again below.
	restartConn := map[string]bool{}
	// Connect reports RESTARTING only for requests with includeTasks or
	// onlyFailed (its restart plans); a plain restart goes straight from
	// the old status to the new one.
	markConn := map[string]bool{}
	restartTask := map[status.TaskID]bool{}
	for _, r := range restarts {
		if cs, ok := e.local.Connector(r.connector); ok && (!r.req.OnlyFailed || cs.State == status.Failed) {
			restartConn[r.connector] = true
			if r.req.IncludeTasks || r.req.OnlyFailed {
				markConn[r.connector] = true
			}
		}
		if r.req.IncludeTasks {
			for n, ts := range e.local.Tasks(r.connector) {
				if !r.req.OnlyFailed || ts.State == status.Failed {
					restartTask[status.TaskID{Connector: r.connector, Task: n}] = true
				}
			}
		}
	}

	// Stop tasks first: they flush and commit before anything else moves.
	var wg sync.WaitGroup
	for id, props := range e.w.RunningTasks() {
		u := group.Unit{Connector: id.Connector, Task: id.Task}
		tasks := snap.Tasks[id.Connector]
		keep := owned[u] && snap.Target(id.Connector) != status.TargetStopped && id.Task < len(tasks) &&
			maps.Equal(tasks[id.Task], props) && !restartTask[id]
		if keep {
			e.w.SetTargetState(id.Connector, snap.Target(id.Connector))
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := e.w.StopTask(ctx, id); err != nil {
				e.log.Warn("task did not stop cleanly", "connector", id.Connector, "task", id.Task, "error", err)
			}
			if restartTask[id] {
				e.setRestarting(id)
			}
		}()
	}
	wg.Wait()
	for _, name := range e.w.RunningConnectors() {
		parsed, target, _ := e.w.RunningConnector(name)
		props, exists := snap.Connectors[name]
		keep := owned[group.Unit{Connector: name, Task: -1}] && exists && maps.Equal(parsed.Raw, props) &&
			(target == status.TargetStopped) == (snap.Target(name) == status.TargetStopped) && !restartConn[name]
		if keep {
			if target != snap.Target(name) {
				e.w.SetTargetState(name, snap.Target(name))
			}
			continue
		}
		if err := e.w.StopConnector(name); err != nil {
			e.log.Warn("connector did not stop cleanly", "connector", name, "error", err)
		}
		delete(e.generated, name)
		if markConn[name] {
			e.setRestarting(status.TaskID{Connector: name, Task: -1})
		}
		e.mu.Lock()
		delete(e.submitted, name)
		e.mu.Unlock()
	}
}

// startMissingLocked starts what is assigned here and not running:
// connectors first, so a leader writes their new task configs before
// their tasks start. It reports whether it wrote to the config store.
// Callers hold e.ops.
func (e *Engine) startMissingLocked(ctx context.Context, snap *storage.Snapshot) (wrote bool) {
	owned := e.owned(snap)
	list := make([]group.Unit, 0, len(owned))
	for u := range owned {
		list = append(list, u)
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].IsConnector() != list[j].IsConnector() {
			return list[i].IsConnector()
		}
		if list[i].Connector != list[j].Connector {
			return list[i].Connector < list[j].Connector
		}
		return list[i].Task < list[j].Task
	})
	runningConns := map[string]bool{}
	for _, n := range e.w.RunningConnectors() {
		runningConns[n] = true
	}
	running := e.w.RunningTasks()
	rewritten := map[string]bool{}
	offsetsRead := false
	for _, u := range list {
		props, exists := snap.Connectors[u.Connector]
		if !exists {
			continue
		}
		target := snap.Target(u.Connector)
		if u.IsConnector() {
			if runningConns[u.Connector] {
				// Level, not edge: committed task configs that no longer
				// match what the running connector generated (a STOPPED
				// and resumed connector whose stop this pass never saw)
				// are handed over again.
				if g, ok := e.generated[u.Connector]; ok && target != status.TargetStopped && e.handOver(ctx, u.Connector, g, snap.Tasks[u.Connector]) {
					wrote, rewritten[u.Connector] = true, true
				}
				continue
			}
			parsed, err := e.parse(props)
			if err != nil {
				e.setFailed(status.TaskID{Connector: u.Connector, Task: -1}, err)
				continue
			}
			configs, ok := e.w.StartConnector(ctx, parsed, target)
			if !ok {
				continue
			}
			e.generated[u.Connector] = configs
			if e.handOver(ctx, u.Connector, configs, snap.Tasks[u.Connector]) {
				wrote, rewritten[u.Connector] = true, true
			}
			continue
		}
		id := status.TaskID{Connector: u.Connector, Task: u.Task}
		tasks := snap.Tasks[u.Connector]
		if _, ok := running[id]; ok || rewritten[u.Connector] || target == status.TargetStopped || u.Task >= len(tasks) {
			continue
		}
		parsed, err := e.parse(props)
		if err != nil {
			e.setFailed(id, err)
			continue
		}
		if parsed.Plugin.Type == connect.TypeSource && e.cfg.Fence != nil {
			fctx, cancel := context.WithTimeout(ctx, max(e.cfg.SyncTimeout, 30*time.Second))
			err := e.cfg.Fence(fctx, u.Connector, u.Task)
			cancel()
			if err != nil {
				e.setFailed(id, err)
				continue
			}
			offsetsRead = false // the fence may have resolved an open transaction
		}
		if parsed.Plugin.Type == connect.TypeSource && !offsetsRead {
			// A task moved here resumes from what its last owner committed.
			e.readOffsets(ctx)
			offsetsRead = true
		}
		e.w.StartTask(ctx, parsed, u.Task, tasks[u.Task], target)
	}
	return wrote
}

// readOffsets reads an offsets store kept elsewhere (a topic) to its end.
func (e *Engine) readOffsets(ctx context.Context) {
	r, ok := e.cfg.Offsets.(interface{ ReadToEnd(context.Context) error })
	if !ok {
		return
	}
	rctx, cancel := context.WithTimeout(ctx, e.syncTimeout())
	defer cancel()
	if err := r.ReadToEnd(rctx); err != nil {
		e.log.Warn("offsets topic not read to its end", "error", err)
	}
}

// handOver gets a connector's generated task configs committed when they
// differ from the committed ones: the leader writes them itself (and
// reports true: the config moved), any other worker sends them to the
// leader in the background until it takes them.
func (e *Engine) handOver(ctx context.Context, name string, configs, committed []map[string]string) bool {
	if equalConfigs(configs, committed) {
		e.mu.Lock()
		delete(e.submitted, name) // taken: a later difference is sent again
		e.mu.Unlock()
		return false
	}
	if e.Leading() {
		written, err := e.writeTaskConfigs(ctx, name, configs)
		if err == nil {
			return written
		}
		e.log.Warn("task configs not written, retrying", "connector", name, "error", err)
	}
	e.mu.Lock()
	prev, sent := e.submitted[name]
	e.submitted[name] = configs
	e.mu.Unlock()
	if sent && equalConfigs(prev, configs) {
		return false
	}
	go e.submit(name, configs)
	return false
}

// submit retries handing task configs to the leader until one takes them.
func (e *Engine) submit(name string, configs []map[string]string) {
	backoff := 250 * time.Millisecond
	for e.ctx.Err() == nil {
		err := e.PutTaskConfigs(e.ctx, name, configs)
		if err == nil {
			return
		}
		var fwd *ForwardError
		if errors.As(err, &fwd) && fwd.URL != "" && e.cfg.HandOver != nil {
			err = e.cfg.HandOver(e.ctx, fwd.URL, name, configs)
			if err == nil {
				return
			}
		}
		e.log.Warn("task configs not handed to the leader yet, retrying", "connector", name, "error", err)
		select {
		case <-e.ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

func equalConfigs(a, b []map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !maps.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}
