package main

import (
	"errors"
	"io"
	"log"
	"log/slog"
)

// workerLogger returns the worker's logger (text, or JSON with --log-json,
// at level) and makes it the process's default for slog and for the log
// package while the worker runs: libraries that write through those
// globals (go-mysql's GTID set warnings and LOCAL INFILE errors, say)
// then write in the worker's format, masked, instead of plain text in
// the middle of JSON lines. restore puts the previous defaults back.
func workerLogger(w io.Writer, level *slog.LevelVar, json bool) (l *slog.Logger, restore func()) {
	l = newLogger(w, level, json)
	prev, prevOut, prevFlags := slog.Default(), log.Writer(), log.Flags()
	slog.SetDefault(l)
	return l, func() {
		slog.SetDefault(prev)
		// SetDefault redirected the log package to l's handler; setting
		// back the initial default handler does not undo that.
		log.SetOutput(prevOut)
		log.SetFlags(prevFlags)
	}
}

// reported is a worker command's error already written as its last log
// line: run exits 1 without printing it again.
type reported struct{ error }

func (r reported) Unwrap() error { return r.error }

// reportFatal writes the error that ends a worker command through its
// logger when that writes JSON, so every line of --log-json output is
// JSON, the last one included; in text mode run prints it as before.
func reportFatal(l *slog.Logger, json bool, err error) error {
	if err == nil || !json || errors.As(err, new(reported)) {
		return err
	}
	l.Error("Stopping due to error", "error", err.Error())
	return reported{err}
}
