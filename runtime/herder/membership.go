package herder

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/goconnect/goconnect/runtime/group"
	"github.com/goconnect/goconnect/runtime/status"
)

// soloID is the single member's id and leader.
const soloID = "standalone"

// Solo is the single member of standalone mode: always the leader of
// generation 0, owning every unit, never rebalancing.
type Solo struct{}

// Run implements Member.
func (Solo) Run(ctx context.Context) { <-ctx.Done() }

// RequestRejoin implements Member: there is nobody to share with.
func (Solo) RequestRejoin() {}

// Valid implements Member: nobody can take the units away.
func (Solo) Valid() error { return nil }

// ForwardError asks the REST layer to replay the request on URL (the
// leader, or the worker running a task); an empty URL means no leader is
// known yet.
type ForwardError struct{ URL string }

func (e *ForwardError) Error() string {
	if e.URL == "" {
		return "no leader is known (a rebalance is under way)"
	}
	return "this request must be served by " + e.URL
}

// ForwardURL implements rest.Forwarder.
func (e *ForwardError) ForwardURL() string { return e.URL }

// LeaderCheck returns nil on the leader, a *ForwardError elsewhere. It
// does not wait: during a rebalance it answers a ForwardError without URL.
func (e *Engine) LeaderCheck() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, err := e.leaderLocked()
	return err
}

// leaderLocked is LeaderCheck's answer and whether a rebalance is under
// way: the leader may change, and a write now could land on a stale one.
func (e *Engine) leaderLocked() (rebalancing bool, err error) {
	if e.generation < 0 || e.rebalance {
		return true, &ForwardError{}
	}
	if e.leader {
		return false, nil
	}
	return false, &ForwardError{URL: e.assignment.LeaderURL}
}

// awaitSettled waits, like awaitLeader, until no rebalance is under way.
func (e *Engine) awaitSettled(ctx context.Context) error {
	err := e.awaitLeader(ctx)
	var fe *ForwardError
	if errors.As(err, &fe) && fe.URL != "" {
		return nil // settled, on a worker that does not lead
	}
	return err
}

// DefaultRequestTimeout bounds how long a REST request waits for the
// engine, as Connect's REST request timeout (90 s).
const DefaultRequestTimeout = 90 * time.Second

// awaitLeader is LeaderCheck for a REST write: while a rebalance is under
// way (such as the one the previous write caused) it waits for the new
// generation, as Connect's herder queues requests until the rebalance is
// over, instead of answering 409 at once. The wait is bounded by the
// request timeout and ctx; a timeout is Connect's 500 naming what the
// worker is doing.
func (e *Engine) awaitLeader(ctx context.Context) error {
	timer := time.NewTimer(e.requestTimeout())
	defer timer.Stop()
	for {
		e.mu.Lock()
		rebalancing, err := e.leaderLocked()
		settled, since := e.settled, e.rebalanceSince
		e.mu.Unlock()
		if !rebalancing {
			return err
		}
		select {
		case <-settled:
		case <-timer.C:
			return RequestTimedOut("ensuring membership in the cluster", since)
		case <-ctx.Done():
			return ctx.Err()
		case <-e.ctx.Done():
			return err
		}
	}
}

func (e *Engine) requestTimeout() time.Duration {
	if e.cfg.RequestTimeout > 0 {
		return e.cfg.RequestTimeout
	}
	return DefaultRequestTimeout
}

// RequestTimedOut is Connect's answer to a request its herder did not
// serve within the request timeout: 500 naming the stage the worker is in
// and when it began (Java's Instant text: UTC, milliseconds when not zero).
func RequestTimedOut(stage string, began time.Time) error {
	at := began.UTC().Format("2006-01-02T15:04:05")
	if ms := began.UTC().Nanosecond() / int(time.Millisecond); ms != 0 {
		at += fmt.Sprintf(".%03d", ms)
	}
	return Errorf(ErrServer, "Request timed out. The worker is currently %s, which began at %sZ", stage, at)
}

// Leading tells whether this worker leads a settled generation.
func (e *Engine) Leading() bool { return e.LeaderCheck() == nil }

// State implements group.Handler.
func (e *Engine) State() (int64, []group.Unit) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.configs.Snapshot().Offset, append([]group.Unit(nil), e.assignment.Owned...)
}

// Assign implements group.Handler: the leader reads the config to its
// end and spreads every unit.
func (e *Engine) Assign(ctx context.Context, members []group.MemberState) (map[string]group.Assignment, error) {
	rctx, cancel := context.WithTimeout(ctx, e.syncTimeout())
	defer cancel()
	if err := e.configs.ReadToEnd(rctx); err != nil {
		return nil, err
	}
	snap := e.configs.Snapshot()
	all := units(&snap)
	plan := e.cfg.Assignor.Assign(members, all, time.Now())
	urls := make(map[string]string, len(members))
	for _, m := range members {
		urls[m.MemberID] = m.URL
	}
	owners := map[group.Unit]string{}
	for id, a := range plan {
		a.ConfigOffset = snap.Offset
		plan[id] = a
		for _, u := range a.Owned {
			owners[u] = urls[id]
		}
	}
	e.mu.Lock()
	e.planned, e.rejoinFor, e.owners = all, nil, owners
	e.mu.Unlock()
	return plan, nil
}

// Assigned implements group.Handler.
func (e *Engine) Assigned(ctx context.Context, generation int32, memberID string, a group.Assignment) {
	e.ops.Lock()
	defer e.ops.Unlock()
	e.mu.Lock()
	if e.stopping {
		e.mu.Unlock()
		return
	}
	e.assignment, e.generation, e.memberID = a, generation, memberID
	e.leader = a.Leader == memberID
	e.rebalance = false
	// Requests waiting for the rebalance to end go on.
	close(e.settled)
	e.settled = make(chan struct{})
	e.mu.Unlock()
	// Catch up with the config the leader assigned from.
	rctx, cancel := context.WithTimeout(ctx, e.syncTimeout())
	err := e.configs.ReadToEnd(rctx)
	cancel()
	if err != nil {
		e.log.Warn("config topic not read to its end before applying the assignment", "error", err)
	}
	// Only the stopping happens here, before the member rejoins or
	// heartbeats again: starting (which may wait for fencing or the
	// offsets topic) runs on the engine's loop, so heartbeats go on.
	snap := e.configs.Snapshot()
	e.stopUnwantedLocked(ctx, &snap)
	e.republish(a.Owned)
	e.poke()
}

// Rebalancing implements group.Handler.
func (e *Engine) Rebalancing() {
	e.mu.Lock()
	if !e.rebalance && e.generation >= 0 {
		e.rebalanceSince = time.Now()
	}
	e.rebalance = true
	e.mu.Unlock()
}

// Lost implements group.Handler: everything stops, it may run elsewhere.
func (e *Engine) Lost() {
	e.ops.Lock()
	defer e.ops.Unlock()
	e.mu.Lock()
	e.assignment = group.Assignment{}
	if e.generation >= 0 && !e.rebalance {
		e.rebalanceSince = time.Now()
	}
	e.generation = -1
	e.leader = false
	e.mu.Unlock()
	if err := e.reconcileLocked(e.ctx); err != nil {
		e.log.Warn("stopping after leaving the group", "error", err)
	}
}

func (e *Engine) syncTimeout() time.Duration { return max(e.cfg.SyncTimeout, time.Second) }

func (e *Engine) currentGeneration() int32 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.generation
}

// republish writes the statuses of the units this worker keeps, in case
// some were dropped while its membership was unconfirmed.
func (e *Engine) republish(owned []group.Unit) {
	for _, u := range owned {
		var st status.Status
		var ok bool
		if u.IsConnector() {
			st, ok = e.local.Connector(u.Connector)
		} else {
			st, ok = e.local.Task(status.TaskID{Connector: u.Connector, Task: u.Task})
		}
		if ok {
			e.publish(status.Change{Connector: u.Connector, Task: u.Task, Status: st})
		}
	}
}
