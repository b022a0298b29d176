// Package standalone wires standalone mode: the reconcile engine (package
// herder) as the single member of its own cluster, with connector configs
// and statuses in memory (package storage), source offsets in a local
// file, and every connector on this one worker. Connectors come from files
// at start or through the REST API, and are forgotten at exit.
package standalone

import (
	"context"
	"log/slog"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/runtime/herder"
	"github.com/goconnect/goconnect/runtime/plugins"
	"github.com/goconnect/goconnect/runtime/status"
	"github.com/goconnect/goconnect/runtime/storage"
	"github.com/goconnect/goconnect/runtime/worker"
)

// Herder is a standalone worker's engine. Its requests return once the
// engine applied them, as Connect's standalone herder answers after the
// change is made.
type Herder struct {
	*herder.Engine
	admin *admin
}

// New returns a running herder for w, whose statuses it reads from board.
func New(w *worker.Worker, reg *plugins.Registry, board *status.Board, log *slog.Logger) *Herder {
	a := &admin{brokers: func() []string { return w.Config().BootstrapServers },
		opts: func() ([]kgo.Opt, error) { return w.Config().KafkaOptions(nil) }}
	e := herder.New(herder.Config{Registry: reg, Log: log, Worker: w, Local: board,
		Configs: storage.NewMemoryConfig(), Statuses: storage.NewMemoryStatus(), Offsets: w.Offsets(),
		Admin: a.get, WaitForReconcile: true})
	e.Start(herder.Solo{})
	return &Herder{Engine: e, admin: a}
}

// Stop stops every connector, letting tasks flush and commit.
func (h *Herder) Stop(ctx context.Context) error {
	err := h.Engine.Stop(ctx)
	h.admin.close()
	return err
}
