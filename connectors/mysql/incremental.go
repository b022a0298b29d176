package mysql

import (
	"context"
	"log/slog"
)

// Incremental snapshots: landing in steps; until then the signals are
// recognised and refused with a warning.

func (t *Task) executeIncremental(_ context.Context, _ *streamState, _ signal, _ map[string]any, log *slog.Logger) error {
	log.Warn("incremental snapshots are not implemented yet")
	return nil
}

func (t *Task) stopIncremental(_ context.Context, _ *streamState, _ map[string]any, log *slog.Logger) error {
	log.Warn("incremental snapshots are not implemented yet")
	return nil
}

func (t *Task) pauseIncremental(_ *streamState, log *slog.Logger) {
	log.Warn("incremental snapshots are not implemented yet")
}

func (t *Task) resumeIncremental(_ context.Context, _ *streamState, log *slog.Logger) error {
	log.Warn("incremental snapshots are not implemented yet")
	return nil
}

func (t *Task) windowOpen(*streamState, string) {}

func (t *Task) windowClose(context.Context, *streamState, string) error { return nil }
