package mongodb

import (
	"context"
	"log/slog"

	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// driverLog is the Go driver's log sink: its lines, which it writes only
// when the MONGODB_LOG_* environment variables (or component levels) turn
// them on, go through the task's logger (the worker's format, connector
// and task attributes, masking) instead of the driver's own JSON on
// stderr. The driver's V(1) is informational, V(2) and above debugging.
type driverLog struct{ log *slog.Logger }

var _ options.LogSink = driverLog{}

func (d driverLog) Info(level int, msg string, keysAndValues ...any) {
	l := slog.LevelInfo
	if level > 1 {
		l = slog.LevelDebug
	}
	d.log.Log(context.Background(), l, msg, keysAndValues...)
}

func (d driverLog) Error(err error, msg string, keysAndValues ...any) {
	d.log.Error(msg, append([]any{"error", err}, keysAndValues...)...)
}
