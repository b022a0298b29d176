package rest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/goconnect/goconnect/runtime/sessionkey"
)

// Forwarder is an error telling that another worker must serve the
// request: the leader for config changes, the task's worker for a task
// restart. An empty URL means no leader is known (a rebalance is under way).
type Forwarder interface {
	error
	ForwardURL() string
}

// hopHeader counts forwards so a request never bounces between workers
// whose views of the leader disagree (Connect allows two hops).
const hopHeader = "X-Goconnect-Forwarded"

const maxHops = 2

// Connect's 409 messages for requests that cannot reach the right worker.
const (
	msgNoLeader    = "Cannot complete request momentarily due to no known leader URL, likely because a rebalance was underway."
	msgConflicting = "Cannot complete request because of a conflicting operation (e.g. worker rebalance)"
)

// requestWriter carries the request (and its buffered body) to
// writeError, which forwards when the herder asks for it.
type requestWriter struct {
	http.ResponseWriter
	r      *http.Request
	body   []byte
	client *http.Client
}

// bufferBody keeps a copy of a write request's body for forwarding. A
// body over maxBody is refused with 413; a client that stops sending for
// the idle timeout is cut off (Jetty's idle timeout, per read).
func bufferBody(w http.ResponseWriter, r *http.Request, idle time.Duration, client *http.Client) (http.ResponseWriter, error) {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return w, nil
	}
	b, err := readBody(w, r, idle)
	if err != nil {
		return w, err
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	return &requestWriter{ResponseWriter: w, r: r, body: b, client: client}, nil
}

// readBody reads the whole body under maxBody, each read bounded by idle.
func readBody(w http.ResponseWriter, r *http.Request, idle time.Duration) ([]byte, error) {
	rc := http.NewResponseController(w)
	body := http.MaxBytesReader(w, r.Body, maxBody)
	var buf bytes.Buffer
	chunk := make([]byte, 32<<10)
	for {
		// The deadline only bounds reading the body: it is lifted below so
		// a long herder operation does not cut the connection.
		_ = rc.SetReadDeadline(time.Now().Add(idle))
		n, err := body.Read(chunk)
		buf.Write(chunk[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			// Leave the connection unreadable: it is closed after the answer
			// rather than waiting on the rest of a body never sent.
			_ = rc.SetReadDeadline(time.Now())
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return nil, newHTTPError(http.StatusRequestEntityTooLarge, "HTTP 413 Request Entity Too Large")
			}
			return nil, newHTTPError(http.StatusBadRequest, "Failed to read the request body: %v", err)
		}
	}
	_ = rc.SetReadDeadline(time.Time{})
	return buf.Bytes(), nil
}

// forward replays the request on base and copies the answer back. As
// Connect's RestClient, it passes on the caller's Authorization header, so
// the worker that serves the request authenticates the same user.
func forward(client *http.Client, rw *requestWriter, base string) {
	hops, _ := strconv.Atoi(rw.r.Header.Get(hopHeader))
	if base == "" {
		writeErrorBody(rw.ResponseWriter, http.StatusConflict, msgNoLeader)
		return
	}
	if hops >= maxHops {
		writeErrorBody(rw.ResponseWriter, http.StatusConflict, msgConflicting)
		return
	}
	ctx, cancel := context.WithTimeout(rw.r.Context(), 90*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, rw.r.Method, base+rw.r.URL.RequestURI(), bytes.NewReader(rw.body))
	if err != nil {
		writeErrorBody(rw.ResponseWriter, http.StatusInternalServerError, "Cannot forward the request: "+err.Error())
		return
	}
	if ct := rw.r.Header.Get("Content-Type"); ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	// A signed internal request keeps its signature: it signs the body,
	// which is passed on unchanged.
	for _, h := range []string{"Authorization", sessionkey.SignatureHeader, sessionkey.AlgorithmHeader} {
		if v := rw.r.Header.Get(h); v != "" {
			req.Header.Set(h, v)
		}
	}
	req.Header.Set(hopHeader, strconv.Itoa(hops+1))
	resp, err := client.Do(req)
	if err != nil {
		writeErrorBody(rw.ResponseWriter, http.StatusConflict, msgConflicting+": "+err.Error())
		return
	}
	defer resp.Body.Close()
	for _, h := range []string{"Content-Type", "Location"} {
		if v := resp.Header.Get(h); v != "" {
			rw.Header().Set(h, v)
		}
	}
	rw.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(rw, resp.Body)
}

// asForward reports whether err asks for forwarding and w can do it.
func asForward(w http.ResponseWriter, err error) (*requestWriter, string, bool) {
	var f Forwarder
	if !errors.As(err, &f) {
		return nil, "", false
	}
	rw, ok := w.(*requestWriter)
	if !ok {
		return nil, "", false
	}
	return rw, f.ForwardURL(), true
}

// putTaskConfigs is the internal endpoint through which the worker running
// a connector hands its task configs to the leader.
func (s *Server) putTaskConfigs(w http.ResponseWriter, r *http.Request) {
	tw, ok := s.cfg.Herder.(TaskConfigWriter)
	if !ok {
		writeError(w, newHTTPError(http.StatusNotFound, "HTTP 404 Not Found"))
		return
	}
	var configs []map[string]string
	if err := decodeBody(r, &configs); err != nil {
		writeError(w, err)
		return
	}
	rw, _ := w.(*requestWriter) // always one for a POST: ServeHTTP buffered the body
	sig := sessionkey.Signed{Algorithm: r.Header.Get(sessionkey.AlgorithmHeader), Signature: r.Header.Get(sessionkey.SignatureHeader)}
	if rw != nil {
		sig.Body = rw.body
	}
	if err := tw.PutTaskConfigsSigned(r.Context(), r.PathValue("name"), configs, sig); err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
