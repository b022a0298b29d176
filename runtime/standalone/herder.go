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
	"github.com/goconnect/goconnect/runtime/offsetstore"
	"github.com/goconnect/goconnect/runtime/plugins"
	"github.com/goconnect/goconnect/runtime/status"
	"github.com/goconnect/goconnect/runtime/storage"
	"github.com/goconnect/goconnect/runtime/worker"
	"github.com/goconnect/goconnect/runtime/workerconfig"
)

// Herder is a standalone worker's engine. Its requests return once the
// engine applied them, as Connect's standalone herder answers after the
// change is made.
type Herder struct {
	*herder.Engine
	admin *admin
}

// New returns a running herder whose worker runs with cfg, the plugins
// of reg and the source offsets in offsets.
func New(cfg *workerconfig.Worker, reg *plugins.Registry, offsets offsetstore.Store, log *slog.Logger) *Herder {
	a := &admin{brokers: func() []string { return cfg.BootstrapServers },
		opts: func() ([]kgo.Opt, error) { return cfg.KafkaOptions(nil) }}
	e := herder.New(herder.Config{Registry: reg, Log: log,
		NewWorker: func(l status.Listener) *worker.Worker { return worker.New(cfg, reg, offsets, l, log) },
		Configs:   storage.NewMemoryConfig(), Statuses: storage.NewMemoryStatus(), Offsets: offsets,
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
