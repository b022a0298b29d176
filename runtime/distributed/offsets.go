package distributed

import (
	"context"
	"time"

	"github.com/goconnect/goconnect/runtime/connectorconfig"
	"github.com/goconnect/goconnect/runtime/herder"
	"github.com/goconnect/goconnect/runtime/status"
)

func (h *Herder) parsed(ctx context.Context, name string) (*connectorconfig.Parsed, bool, error) {
	snap := h.snapshot(ctx)
	props, ok := snap.Connectors[name]
	if !ok {
		return nil, false, notFound(name)
	}
	p, err := herder.ParseConnector(h.reg, h.cfg.ConfigTransformer, h.cfg.ClientOverridePolicy, props)
	if err != nil {
		return nil, false, err
	}
	stopped := snap.Target(name) == status.TargetStopped && len(snap.Tasks[name]) == 0
	return p, stopped, nil
}

// Offsets returns a connector's offsets: source offsets from the offsets
// topic (read to its end first), sink offsets from its consumer group.
func (h *Herder) Offsets(ctx context.Context, name string) ([]herder.ConnectorOffset, error) {
	p, _, err := h.parsed(ctx, name)
	if err != nil {
		return nil, err
	}
	if err := h.offsets.ReadToEnd(ctx); err != nil {
		return nil, err
	}
	return h.offsetOps().List(ctx, name, p)
}

// AlterOffsets changes a STOPPED connector's offsets, on the leader.
func (h *Herder) AlterOffsets(ctx context.Context, name string, offsets []herder.ConnectorOffset) (string, error) {
	if err := h.leaderCheck(); err != nil {
		return "", err
	}
	p, stopped, err := h.parsed(ctx, name)
	if err != nil {
		return "", err
	}
	if !stopped {
		return "", herder.NotStopped(name)
	}
	return h.offsetOps().Alter(ctx, name, p, offsets)
}

// ResetOffsets removes a STOPPED connector's offsets, on the leader.
func (h *Herder) ResetOffsets(ctx context.Context, name string) (string, error) {
	if err := h.leaderCheck(); err != nil {
		return "", err
	}
	p, stopped, err := h.parsed(ctx, name)
	if err != nil {
		return "", err
	}
	if !stopped {
		return "", herder.NotStopped(name)
	}
	if err := h.offsets.ReadToEnd(ctx); err != nil {
		return "", err
	}
	return h.offsetOps().Reset(ctx, name, p)
}

// ActiveTopics returns the topics a connector's tasks used anywhere in the
// cluster, from the status topic's records (KIP-558).
func (h *Herder) ActiveTopics(name string) ([]string, error) {
	if err := herder.CheckTopics(h.cfg.Props, false); err != nil {
		return nil, err
	}
	return h.statuses.ActiveTopics(name), nil
}

// ResetTopics tombstones a connector's active topic records.
func (h *Herder) ResetTopics(name string) error {
	if err := herder.CheckTopics(h.cfg.Props, true); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), h.cfg.WorkerSyncTimeout+10*time.Second)
	defer cancel()
	return h.statuses.ResetTopics(ctx, name)
}
