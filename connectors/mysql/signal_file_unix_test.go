//go:build unix

package mysql

import (
	"log/slog"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestSignalFileFIFO: a named pipe as signal.file is skipped, not read (a
// read would block until a writer came, and the task could not stop).
func TestSignalFileFIFO(t *testing.T) {
	path := filepath.Join(t.TempDir(), "signals.fifo")
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Fatal(err)
	}
	type result struct {
		sigs []signal
		err  error
	}
	done := make(chan result, 1)
	go func() {
		sigs, err := (&signalFileReader{path: path, log: slog.Default()}).take()
		done <- result{sigs, err}
	}()
	select {
	case r := <-done:
		if r.err != nil || r.sigs != nil {
			t.Fatalf("a named pipe: %v %v", r.sigs, r.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("reading a named pipe as the signal file blocked")
	}
}
