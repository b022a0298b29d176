package worker

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/goconnect/goconnect/runtime/status"
)

// handle controls one running task: its target state, and its stop.
type handle struct {
	id     status.TaskID
	status status.Listener
	worker string
	// version is the plugin version the task's statuses carry.
	version string
	log     *slog.Logger
	// topics records the topics the task uses; only the task goroutine
	// touches it.
	topics *taskTopics

	mu     sync.Mutex
	paused bool
	wake   chan struct{} // closed and replaced on every change
	// reported is the task's last reported state.
	reported status.State

	cancel context.CancelFunc
	// sendCtx outlives a graceful stop so records in flight can still be
	// delivered; abort ends it when the graceful timeout is exceeded.
	sendCtx context.Context
	abort   context.CancelFunc
	done    chan struct{}
	// fatal is set by failFast: the task ends FAILED with it.
	fatal atomic.Pointer[error]
	// cancelled is set when a stop gave up waiting for the task. As
	// Connect's cancelled task, it then reports no status (a newer
	// instance may be running already, whose status it would overwrite)
	// and commits no offsets (they could overwrite the newer instance's).
	cancelled atomic.Bool
}

func newHandle(id status.TaskID, listener status.Listener, workerID string, log *slog.Logger) *handle {
	sendCtx, abort := context.WithCancel(context.Background())
	return &handle{id: id, status: listener, worker: workerID, log: log, wake: make(chan struct{}), done: make(chan struct{}),
		sendCtx: sendCtx, abort: abort}
}

func (h *handle) setPaused(p bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.paused == p {
		return
	}
	h.paused = p
	close(h.wake)
	h.wake = make(chan struct{})
}

func (h *handle) state() (bool, <-chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.paused, h.wake
}

// waitWhilePaused blocks while the task is paused; it reports PAUSED and
// RUNNING as the state changes, and returns false when ctx ends.
func (h *handle) waitWhilePaused(ctx context.Context, onPause func()) bool {
	paused, wake := h.state()
	if !paused {
		return true
	}
	h.report(status.Paused, "")
	onPause()
	for paused {
		select {
		case <-ctx.Done():
			return false
		case <-wake:
		}
		paused, wake = h.state()
	}
	h.report(status.Running, "")
	return true
}

// report records and reports the task's state.
func (h *handle) report(s status.State, trace string) {
	h.send(s, trace)
	h.log.Info("task state changed", "state", string(s))
}

// fail reports the task FAILED; the worker keeps running.
func (h *handle) fail(err error, stack []byte) {
	if h.cancelled.Load() {
		h.log.Warn("task ended with an error after its stop was given up on; a newer instance may be running", "error", err)
		return
	}
	h.send(status.Failed, status.Trace(err, stack))
	h.log.Error("task failed", "error", err)
}

func (h *handle) send(s status.State, trace string) {
	if h.cancelled.Load() {
		return
	}
	h.mu.Lock()
	h.reported = s
	h.mu.Unlock()
	st := status.Status{State: s, WorkerID: h.worker, Trace: trace}
	if s != status.Unassigned {
		// Connect has no task to ask for its version before it is built.
		st.Version = h.version
	}
	h.status.Report(status.TaskChange(h.id, st))
}

// reportedState returns the task's last reported state.
func (h *handle) reportedState() status.State {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.reported
}

// guard runs fn, turning a panic into a failed task instead of a crash.
func (h *handle) guard(fn func() error) {
	defer close(h.done)
	defer h.abort()
	defer func() {
		if r := recover(); r != nil {
			h.fail(fmt.Errorf("task panicked: %v", r), status.Stack())
		}
	}()
	err := fn()
	if fatal := h.fatal.Load(); fatal != nil {
		err = *fatal
	}
	if err != nil {
		h.fail(err, nil)
	}
}

// failFast stops the task from any goroutine and has it end FAILED with
// err: one of its Kafka clients cannot authenticate, which no retry fixes
// (the Java task fails on the client's authentication exception). Records
// in flight are abandoned, their offsets not committed.
func (h *handle) failFast(err error) {
	if !h.fatal.CompareAndSwap(nil, &err) {
		return
	}
	h.log.Error("stopping task: Kafka client cannot connect", "error", err)
	h.abort()
	if h.cancel != nil {
		h.cancel()
	}
}

// stop cancels the task and waits for it until ctx ends.
func (h *handle) stop(ctx context.Context) error {
	h.cancel()
	select {
	case <-h.done:
		return nil
	case <-ctx.Done():
		h.cancelled.Store(true)
		h.abort()
		return fmt.Errorf("task %s-%d did not stop in time: %w", h.id.Connector, h.id.Task, ctx.Err())
	}
}

// untilPaused returns a context that ends with ctx or as soon as the task
// is paused, so a poll waiting for data does not delay a pause.
func (h *handle) untilPaused(ctx context.Context) (context.Context, context.CancelFunc) {
	c, cancel := context.WithCancel(ctx)
	paused, wake := h.state()
	if paused {
		cancel()
		return c, cancel
	}
	go func() {
		for {
			select {
			case <-c.Done():
				return
			case <-wake:
			}
			if paused, wake = h.state(); paused {
				cancel()
				return
			}
		}
	}()
	return c, cancel
}
