package herder

import (
	"context"
	"time"

	"github.com/goconnect/goconnect/runtime/connectorconfig"
	"github.com/goconnect/goconnect/runtime/status"
)

// The offsets (KIP-875) and active topics (KIP-558) requests.

func (e *Engine) offsetOps() OffsetOps {
	return OffsetOps{Admin: e.cfg.Admin, Store: e.cfg.Offsets}
}

// parsed returns a connector's parsed config and whether it is STOPPED
// with no tasks, as offset changes require.
func (e *Engine) parsed(ctx context.Context, name string) (*connectorconfig.Parsed, bool, error) {
	snap := e.snapshot(ctx)
	props, ok := snap.Connectors[name]
	if !ok {
		return nil, false, notFound(name)
	}
	p, err := e.parse(props)
	if err != nil {
		return nil, false, err
	}
	stopped := snap.Target(name) == status.TargetStopped && len(snap.Tasks[name]) == 0
	return p, stopped, nil
}

// Offsets returns a connector's offsets: source offsets from the offsets
// store (read to its end first), sink offsets from its consumer group.
func (e *Engine) Offsets(ctx context.Context, name string) ([]ConnectorOffset, error) {
	p, _, err := e.parsed(ctx, name)
	if err != nil {
		return nil, err
	}
	if r, ok := e.cfg.Offsets.(interface{ ReadToEnd(context.Context) error }); ok {
		if err := r.ReadToEnd(ctx); err != nil {
			return nil, err
		}
	}
	return e.offsetOps().List(ctx, name, p)
}

// AlterOffsets changes a STOPPED connector's offsets, on the leader.
func (e *Engine) AlterOffsets(ctx context.Context, name string, offsets []ConnectorOffset) (string, error) {
	if len(offsets) == 0 {
		// Connect checks the body before anything else.
		return "", Errorf(ErrBadRequest, "Partitions / offsets need to be provided for an alter offsets request")
	}
	p, err := e.lockStopped(ctx, name)
	if err != nil {
		return "", err
	}
	defer e.ops.Unlock()
	return e.offsetOps().Alter(ctx, name, p, offsets)
}

// lockStopped checks, on the leader, that a connector is STOPPED with no
// tasks, as offset changes require, and returns its parsed config with
// e.ops held so nothing starts while the offsets change; callers unlock
// e.ops. On an error e.ops is not held.
func (e *Engine) lockStopped(ctx context.Context, name string) (*connectorconfig.Parsed, error) {
	if err := e.awaitLeader(ctx); err != nil {
		return nil, err
	}
	e.ops.Lock()
	p, stopped, err := e.parsed(ctx, name)
	if err == nil && !stopped {
		err = NotStopped(name)
	}
	if err != nil {
		e.ops.Unlock()
		return nil, err
	}
	return p, nil
}

// ResetOffsets removes a STOPPED connector's offsets, on the leader.
func (e *Engine) ResetOffsets(ctx context.Context, name string) (string, error) {
	p, err := e.lockStopped(ctx, name)
	if err != nil {
		return "", err
	}
	defer e.ops.Unlock()
	if r, ok := e.cfg.Offsets.(interface{ ReadToEnd(context.Context) error }); ok {
		if err := r.ReadToEnd(ctx); err != nil {
			return "", err
		}
	}
	return e.offsetOps().Reset(ctx, name, p)
}

// ActiveTopics returns the topics a connector's tasks used anywhere in the
// cluster. Like Connect it answers for any name (an unknown connector has
// no topics); 403 when tracking is disabled.
func (e *Engine) ActiveTopics(name string) ([]string, error) {
	if err := CheckTopics(e.w.Config().Props, false); err != nil {
		return nil, err
	}
	return e.statuses.ActiveTopics(name), nil
}

// ResetTopics forgets a connector's active topics.
func (e *Engine) ResetTopics(name string) error {
	if err := CheckTopics(e.w.Config().Props, true); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(e.ctx, e.syncTimeout()+10*time.Second)
	defer cancel()
	return e.statuses.ResetTopics(ctx, name)
}
