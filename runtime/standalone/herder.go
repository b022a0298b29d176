// Package standalone is the standalone herder: connector configs live in
// memory (loaded from files at start), offsets in a local file, and every
// connector runs on this one worker.
package standalone

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"

	"github.com/goconnect/goconnect/runtime/connectorconfig"
	"github.com/goconnect/goconnect/runtime/plugins"
	"github.com/goconnect/goconnect/runtime/status"
	"github.com/goconnect/goconnect/runtime/worker"
)

// ErrNotFound is returned for a connector that does not exist.
var ErrNotFound = errors.New("connector not found")

// ErrExists is returned when creating a connector whose name is taken.
var ErrExists = errors.New("connector already exists")

// Herder manages the connectors of a standalone worker.
type Herder struct {
	w     *worker.Worker
	reg   *plugins.Registry
	board *status.Board
	log   *slog.Logger

	mu      sync.Mutex
	configs map[string]map[string]string
}

// New returns a herder running connectors on w.
func New(w *worker.Worker, reg *plugins.Registry, board *status.Board, log *slog.Logger) *Herder {
	return &Herder{w: w, reg: reg, board: board, log: log, configs: map[string]map[string]string{}}
}

// Create validates and starts a connector. initialState is RUNNING (or
// empty), PAUSED or STOPPED.
func (h *Herder) Create(ctx context.Context, name string, props map[string]string, initialState string) error {
	props = copyProps(props)
	props[connectorconfig.Name] = name
	parsed, err := connectorconfig.Parse(h.reg, props)
	if err != nil {
		return err
	}
	target := status.TargetStarted
	switch initialState {
	case "PAUSED":
		target = status.TargetPaused
	case "STOPPED":
		target = status.TargetStopped
	}
	h.mu.Lock()
	if _, ok := h.configs[name]; ok {
		h.mu.Unlock()
		return fmt.Errorf("connector %s: %w", name, ErrExists)
	}
	h.configs[name] = props
	h.mu.Unlock()
	h.w.StartConnector(ctx, parsed, target)
	return nil
}

// Connectors lists connector names in order.
func (h *Herder) Connectors() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	names := make([]string, 0, len(h.configs))
	for n := range h.configs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ConnectorStatus is a connector's state and its tasks' states.
type ConnectorStatus struct {
	Name      string
	Connector status.Status
	Tasks     map[int]status.Status
}

// Status returns a connector's status.
func (h *Herder) Status(name string) (ConnectorStatus, error) {
	h.mu.Lock()
	_, ok := h.configs[name]
	h.mu.Unlock()
	if !ok {
		return ConnectorStatus{}, fmt.Errorf("connector %s: %w", name, ErrNotFound)
	}
	cs, _ := h.board.Connector(name)
	return ConnectorStatus{Name: name, Connector: cs, Tasks: h.board.Tasks(name)}, nil
}

// Stop stops every connector, letting tasks flush and commit.
func (h *Herder) Stop(ctx context.Context) error {
	return h.w.StopAll(ctx)
}

func copyProps(p map[string]string) map[string]string {
	out := make(map[string]string, len(p)+1)
	for k, v := range p {
		out[k] = v
	}
	return out
}
