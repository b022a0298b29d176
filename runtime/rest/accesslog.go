package rest

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// AccessLogger is the logger namespace of the request log, Connect's
// RestServer class: setting it (or an ancestor such as
// org.apache.kafka.connect.runtime.rest) to WARN through /admin/loggers or
// CONNECT_LOG4J_LOGGERS turns the log off, as it does for the Java worker.
const AccessLogger = "org.apache.kafka.connect.runtime.rest.RestServer"

// accessLogged wraps h so that every request writes one line in Connect's
// format: Jetty's extended NCSA log followed by the duration in ms,
//
//	127.0.0.1 - - [05/Dec/2026:00:29:22 +0000] "GET /connectors HTTP/1.1" 200 2 "" "curl/8.5.0" 48
//
// The level is looked up per request so /admin/loggers changes apply at once.
func (s *Server) accessLogged(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		cw := &countingWriter{ResponseWriter: w}
		defer func() {
			if !enabledAt(s.cfg.Loggers.Leveler(AccessLogger).Level()) {
				return
			}
			s.cfg.Log.Info(accessLine(r, cw.status, cw.bytes, start, time.Since(start)), "logger", AccessLogger)
		}()
		h.ServeHTTP(cw, r)
	})
}

// enabled reports whether a logger at level l writes INFO lines.
func enabledAt(l slog.Level) bool { return l <= slog.LevelInfo }

// accessLine formats one request as Jetty's CustomRequestLog does with
// Connect's format (EXTENDED_NCSA_FORMAT + " %{ms}T"); an absent Referer
// or User-Agent is written as "", as Jetty 12 writes it.
func accessLine(r *http.Request, status int, bytes int64, start time.Time, took time.Duration) string {
	client := r.RemoteAddr
	if host, _, err := net.SplitHostPort(client); err == nil {
		client = host
	}
	if status == 0 {
		status = http.StatusOK
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s - - [%s] \"%s %s %s\" %d %d \"%s\" \"%s\" %s",
		client, start.UTC().Format("02/Jan/2006:15:04:05 -0700"), r.Method, r.RequestURI, r.Proto, status, bytes,
		r.Header.Get("Referer"), r.Header.Get("User-Agent"), strconv.FormatInt(took.Milliseconds(), 10))
	return b.String()
}

// countingWriter records the status and the body bytes written.
type countingWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (c *countingWriter) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	n, err := c.ResponseWriter.Write(p)
	c.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (c *countingWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }
