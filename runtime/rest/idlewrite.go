package rest

import (
	"net/http"
	"time"
)

// idleWriter bounds each step of writing a response by the idle timeout,
// as Jetty's idle timeout bounds a blocked write: a client that stops
// reading loses its connection instead of holding a goroutine. A handler
// may take long before it writes (a herder operation); only the writing
// is bounded.
type idleWriter struct {
	http.ResponseWriter
	rc      *http.ResponseController
	idle    time.Duration
	written int
}

// writeChunk is how much is written under one deadline, so a slow but
// steady reader keeps its connection.
const writeChunk = 64 << 10

func newIdleWriter(w http.ResponseWriter, idle time.Duration) *idleWriter {
	rc := http.NewResponseController(w)
	// A deadline left by the previous request on this connection must not
	// cut this one's answer.
	_ = rc.SetWriteDeadline(time.Time{})
	return &idleWriter{ResponseWriter: w, rc: rc, idle: idle}
}

func (w *idleWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		c := min(len(p), writeChunk)
		_ = w.rc.SetWriteDeadline(time.Now().Add(w.idle))
		m, err := w.ResponseWriter.Write(p[:c])
		n += m
		w.written += m
		if err != nil {
			return n, err
		}
		// A large answer is pushed out chunk by chunk, each under its own
		// deadline; a small one stays buffered, so net/http still sends it
		// with a Content-Length.
		if w.written > writeChunk {
			if err := w.rc.Flush(); err != nil {
				return n, err
			}
		}
		p = p[c:]
	}
	return n, nil
}

// Unwrap lets http.ResponseController reach the connection.
func (w *idleWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
