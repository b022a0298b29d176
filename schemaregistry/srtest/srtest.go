// Package srtest serves goconnect's schema registry in process for tests,
// as net/http/httptest serves a handler: the converters' and clients'
// tests start one, register their schemas and point a client at its URL.
package srtest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/goconnect/goconnect/schemaregistry"
)

// Server is an empty registry served over HTTP until its test ends.
type Server struct {
	*schemaregistry.Registry
	URL string

	mu    sync.Mutex
	paths []string // of the requests served, in order
}

// New starts a Server; routes add to the registry's (the DEK registry's).
func New(t testing.TB, routes ...func(*http.ServeMux)) *Server {
	t.Helper()
	s := &Server{Registry: schemaregistry.New(nil)}
	h := schemaregistry.Handler(s.Registry, routes...)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.paths = append(s.paths, r.URL.Path)
		s.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// Requests counts the requests served so far whose path contains part,
// for tests of what a client caches.
func (s *Server) Requests(part string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, p := range s.paths {
		if strings.Contains(p, part) {
			n++
		}
	}
	return n
}

// Schema is one registration: Type "" is Avro; Metadata and Rules are
// JSON, left out when empty; References name other subjects' versions.
type Schema struct {
	Type, Text, Metadata, Rules string
	References                  []schemaregistry.Reference
}

// Register registers sc under subject and answers its id, failing t if
// the registry refuses it.
func (s *Server) Register(t testing.TB, subject string, sc Schema) int {
	t.Helper()
	req := schemaregistry.RegisterRequest{Schema: sc.Text, SchemaType: sc.Type, References: sc.References}
	if sc.Metadata != "" {
		req.Metadata = json.RawMessage(sc.Metadata)
	}
	if sc.Rules != "" {
		req.RuleSet = json.RawMessage(sc.Rules)
	}
	v, err := s.RegisterSchema(subject, req, false)
	if err != nil {
		t.Fatalf("register under %s: %v", subject, err)
	}
	return v.ID
}

// Compatibility sets subject's compatibility level (NONE lets a test
// register unrelated versions), failing t on an error.
func (s *Server) Compatibility(t testing.TB, subject, level string) {
	t.Helper()
	if err := s.SetLevel(subject, level); err != nil {
		t.Fatalf("compatibility of %s: %v", subject, err)
	}
}
