// Package logging owns the worker's slog loggers: text or JSON lines at a
// level named as log4j names it (changeable at run time through the REST
// admin/loggers endpoint), behind a handler that masks secrets in every record.
package logging

import (
	"io"
	"log/slog"
	"strings"
)

// New returns a logger writing text lines at the given level (Connect's
// log4j level names are accepted: TRACE, DEBUG, INFO, WARN, ERROR), with
// secrets masked (see Masking).
func New(w io.Writer, level string, json bool) *slog.Logger {
	lv := new(slog.LevelVar)
	lv.Set(ParseLevel(level))
	return NewLeveled(w, lv, json)
}

// NewLeveled is New at the level held by level, which PUT
// /admin/loggers/root changes at run time.
func NewLeveled(w io.Writer, level *slog.LevelVar, json bool) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if json {
		return slog.New(Masking(slog.NewJSONHandler(w, opts)))
	}
	return slog.New(Masking(slog.NewTextHandler(w, opts)))
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
