// Package logging sets up the worker's structured logs.
package logging

import (
	"io"
	"log/slog"
	"strings"
)

// New returns a logger writing text lines at the given level (Connect's
// log4j level names are accepted: TRACE, DEBUG, INFO, WARN, ERROR).
func New(w io.Writer, level string, json bool) *slog.Logger {
	opts := &slog.HandlerOptions{Level: ParseLevel(level)}
	if json {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// ParseLevel maps a log4j or slog level name to a slog level; unknown
// names mean INFO.
func ParseLevel(s string) slog.Level {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "TRACE", "DEBUG":
		return slog.LevelDebug
	case "WARN", "WARNING":
		return slog.LevelWarn
	case "ERROR", "FATAL":
		return slog.LevelError
	}
	return slog.LevelInfo
}
