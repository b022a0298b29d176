package worker

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"sync"
	"testing"

	"github.com/goconnect/goconnect/builtin"
	"github.com/goconnect/goconnect/runtime/connectorconfig"
	"github.com/goconnect/goconnect/runtime/offsetstore"
	"github.com/goconnect/goconnect/runtime/plugins"
	"github.com/goconnect/goconnect/runtime/status"
	"github.com/goconnect/goconnect/runtime/workerconfig"
)

// newTestWorker starts a standalone worker with the built-in plugins on
// the given brokers: string keys, schemaless JSON values, offsets in a file
// of the test (wrap, if set, wraps that store), committed every 200 ms.
// workerProps add to or override those settings.
func newTestWorker(t *testing.T, bootstrap string, workerProps map[string]string, wrap func(offsetstore.Store) offsetstore.Store) (*Worker, *status.Board) {
	t.Helper()
	board := status.NewBoard()
	return newTestWorkerWith(t, bootstrap, workerProps, wrap, nil, board), board
}

// newTestWorkerWith is newTestWorker with the plugins of reg (the
// built-ins when nil), reporting to listener.
func newTestWorkerWith(t *testing.T, bootstrap string, workerProps map[string]string, wrap func(offsetstore.Store) offsetstore.Store,
	reg *plugins.Registry, listener status.Listener) *Worker {
	t.Helper()
	props := map[string]string{
		"bootstrap.servers":              bootstrap,
		"key.converter":                  "org.apache.kafka.connect.storage.StringConverter",
		"value.converter":                "org.apache.kafka.connect.json.JsonConverter",
		"value.converter.schemas.enable": "false",
		"offset.storage.file.filename":   t.TempDir() + "/offsets",
		"offset.flush.interval.ms":       "200",
	}
	maps.Copy(props, workerProps)
	cfg, err := workerconfig.ParseStandalone(props)
	if err != nil {
		t.Fatal(err)
	}
	var offs offsetstore.Store
	if offs, err = offsetstore.OpenFile(cfg.OffsetFile); err != nil {
		t.Fatal(err)
	}
	if wrap != nil {
		offs = wrap(offs)
	}
	if reg == nil {
		reg = builtin.Registry(cfg.PluginPath)
	}
	w := New(cfg, reg, offs, listener, slog.New(slog.DiscardHandler))
	t.Cleanup(func() { _ = stopAll(context.Background(), w) })
	return w
}

// startWithTasks starts a connector and every task it generates on w, in
// target, as the engine does when this worker owns them all.
func startWithTasks(ctx context.Context, w *Worker, p *connectorconfig.Parsed, target status.TargetState) {
	configs, ok := w.StartConnector(ctx, p, target)
	if !ok {
		return
	}
	for n, tc := range configs {
		w.StartTask(ctx, p, n, tc, target)
	}
}

// stopAll stops every task running on w (each flushes and commits, in
// parallel), then every connector instance.
func stopAll(ctx context.Context, w *Worker) error {
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for id := range w.RunningTasks() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.StopTask(ctx, id); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for _, name := range w.RunningConnectors() {
		if err := w.StopConnector(name); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
