package standalone

import (
	"context"

	"github.com/goconnect/goconnect/runtime/herder"
	"github.com/goconnect/goconnect/runtime/status"
)

func (h *Herder) offsetOps() herder.OffsetOps {
	return herder.OffsetOps{Admin: h.admin.get, Store: h.w.Offsets()}
}

// Offsets returns a source connector's stored offsets, or a sink
// connector's committed consumer group offsets.
func (h *Herder) Offsets(ctx context.Context, name string) ([]ConnectorOffset, error) {
	cs, ok := h.state(name)
	if !ok {
		return nil, errorf(ErrNotFound, "Connector %s not found", name)
	}
	return h.offsetOps().List(ctx, name, cs.parsed)
}

// checkStopped enforces KIP-875's precondition; callers hold h.ops.
func (h *Herder) checkStopped(name string) (*connState, error) {
	cs, ok := h.state(name)
	if !ok {
		return nil, errorf(ErrNotFound, "Connector %s not found", name)
	}
	if cs.target != status.TargetStopped || h.w.TaskCount(name) != 0 {
		return nil, herder.NotStopped(name)
	}
	return cs, nil
}

// AlterOffsets writes the given offsets of a STOPPED connector and returns
// Connect's success message.
func (h *Herder) AlterOffsets(ctx context.Context, name string, offsets []ConnectorOffset) (string, error) {
	if len(offsets) == 0 {
		return "", errorf(ErrBadRequest, "Partitions / offsets need to be provided for an alter offsets request")
	}
	h.ops.Lock()
	defer h.ops.Unlock()
	cs, err := h.checkStopped(name)
	if err != nil {
		return "", err
	}
	return h.offsetOps().Alter(ctx, name, cs.parsed, offsets)
}

// ResetOffsets removes every offset of a STOPPED connector.
func (h *Herder) ResetOffsets(ctx context.Context, name string) (string, error) {
	h.ops.Lock()
	defer h.ops.Unlock()
	cs, err := h.checkStopped(name)
	if err != nil {
		return "", err
	}
	return h.offsetOps().Reset(ctx, name, cs.parsed)
}
