// Package rest is Kafka Connect's REST API: the same paths, JSON shapes,
// status codes and error bodies as the Java worker, so curl scripts,
// ksqlDB, kcctl and UIs work unchanged.
package rest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/goconnect/goconnect/internal/jerseyroute"
	"github.com/goconnect/goconnect/runtime/configprovider"
	"github.com/goconnect/goconnect/runtime/connectorconfig"
	"github.com/goconnect/goconnect/runtime/console"
)

// Config is what the server needs.
type Config struct {
	Herder Herder
	// Loggers backs /admin/loggers; nil gives a fresh set at INFO.
	Loggers *Loggers
	// Version is the Connect version reported by GET /; Commit the build.
	Version string
	Commit  string
	Log     *slog.Logger
	// Metrics serves GET /metrics; nil serves the herder's worker registry.
	Metrics http.Handler
	// IdleTimeout is Jetty's idle timeout, which Connect keeps at its
	// default of 30 s: the longest a client may stay silent while sending
	// a request, and the longest an idle keep-alive connection is kept.
	// Zero means DefaultIdleTimeout.
	IdleTimeout time.Duration
	// ConfigTransformer resolves placeholders in configs to validate,
	// as Connect validates the transformed config; nil resolves nothing.
	ConfigTransformer *configprovider.Transformer
	// Admin places the /admin endpoints (admin.listeners).
	Admin AdminPlacement
	// Auth, when set, checks every request to the main listeners except
	// Connect's internal ones (a REST security extension; Connect does not
	// register extensions on separate admin listeners, nor does goconnect).
	Auth Authenticator
	// ForwardClient carries requests forwarded to other workers; nil is a
	// plain HTTP client. It needs TLS settings when workers use https.
	ForwardClient *http.Client
	// ClientOverridePolicy is the worker's
	// connector.client.config.override.policy; validation reports the
	// client overrides it refuses. The zero value is Connect's default, All.
	ClientOverridePolicy connectorconfig.OverridePolicy
	// SourcePreflight is the worker mode's exactly-once checks of source
	// connector configs; the zero value (standalone) checks nothing.
	SourcePreflight connectorconfig.SourcePreflight
	// Converters are the worker's key.converter, value.converter and
	// header.converter classes, keyed by those names: Connect 4.1's
	// validation reports them (and their versions) as the connector's
	// defaults. Missing entries are reported with a null default.
	Converters map[string]string
	// NoConsole leaves the web console unserved (rest.console.enable=false):
	// /ui/ is then an unknown path like any other.
	NoConsole bool
}

// AdminPlacement tells where the /admin endpoints are served.
type AdminPlacement int

// Connect's three admin.listeners cases.
const (
	// AdminOnMain serves /admin on the main listeners (admin.listeners unset).
	AdminOnMain AdminPlacement = iota
	// AdminSeparate serves /admin on the admin listeners only.
	AdminSeparate
	// AdminOff serves no /admin endpoints (admin.listeners empty).
	AdminOff
)

// Authenticator checks a request's credentials. Unauthorized answers
// a request that fails the check.
type Authenticator interface {
	Authenticate(r *http.Request) bool
	Unauthorized(w http.ResponseWriter)
}

// DefaultIdleTimeout is Jetty's ServerConnector default, which Connect's
// RestServer does not change.
const DefaultIdleTimeout = 30 * time.Second

// maxHeaderBytes is Jetty's default request header size (8 KiB).
const maxHeaderBytes = 8 << 10

// Server serves the REST API.
type Server struct {
	cfg      Config
	mux      *http.ServeMux // the main listeners' routes
	adminMux *http.ServeMux // the admin listeners' routes (AdminSeparate)
	console  http.Handler   // /ui/ on the main listeners; nil without a herder
	ready    atomic.Bool
}

// DefaultVersion is the Apache Kafka Connect version whose REST API this
// implements; tools such as kcctl choose features by it.
const DefaultVersion = "4.1.0"

// New returns a server; call SetReady once startup is complete.
func New(cfg Config) *Server {
	if cfg.Loggers == nil {
		cfg.Loggers = NewLoggers(nil)
	}
	if cfg.Version == "" {
		cfg.Version = DefaultVersion
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.ForwardClient == nil {
		cfg.ForwardClient = &http.Client{}
	}
	if cfg.Metrics == nil && cfg.Herder != nil {
		if m := cfg.Herder.Metrics(); m != nil {
			cfg.Metrics = m.Handler()
		}
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux(), adminMux: http.NewServeMux()}
	if cfg.Herder != nil && !cfg.NoConsole {
		s.console = console.New(console.Config{Cluster: cfg.Herder, Client: cfg.ForwardClient, Log: cfg.Log,
			Connectors: s.expandedConnectorsJSON})
	}
	s.routes()
	return s
}

// SetReady marks startup complete (GET /health answers healthy).
func (s *Server) SetReady() { s.ready.Store(true) }

func (s *Server) routes() {
	m := s.mux
	m.HandleFunc("GET /{$}", s.root)
	m.HandleFunc("GET /health", s.health)
	if s.cfg.Metrics != nil {
		m.Handle("GET /metrics", s.cfg.Metrics)
	}

	m.HandleFunc("GET /connectors", s.listConnectors)
	m.HandleFunc("POST /connectors", s.createConnector)
	m.HandleFunc("GET /connectors/{name}", s.getConnector)
	m.HandleFunc("DELETE /connectors/{name}", s.deleteConnector)
	m.HandleFunc("GET /connectors/{name}/config", s.getConfig)
	m.HandleFunc("PUT /connectors/{name}/config", s.putConfig)
	m.HandleFunc("PATCH /connectors/{name}/config", s.patchConfig)
	m.HandleFunc("GET /connectors/{name}/status", s.getStatus)
	m.HandleFunc("GET /connectors/{name}/tasks", s.getTasks)
	m.HandleFunc("POST /connectors/{name}/tasks", s.putTaskConfigs)
	m.HandleFunc("GET /connectors/{name}/tasks/{task}/status", s.getTaskStatus)
	m.HandleFunc("POST /connectors/{name}/tasks/{task}/restart", s.restartTask)
	m.HandleFunc("POST /connectors/{name}/restart", s.restartConnector)
	m.HandleFunc("PUT /connectors/{name}/pause", s.pause)
	m.HandleFunc("PUT /connectors/{name}/resume", s.resume)
	m.HandleFunc("PUT /connectors/{name}/stop", s.stop)
	m.HandleFunc("GET /connectors/{name}/topics", s.getTopics)
	m.HandleFunc("PUT /connectors/{name}/topics/reset", s.resetTopics)
	m.HandleFunc("GET /connectors/{name}/offsets", s.getOffsets)
	m.HandleFunc("PATCH /connectors/{name}/offsets", s.alterOffsets)
	m.HandleFunc("DELETE /connectors/{name}/offsets", s.resetOffsets)

	m.HandleFunc("GET /connector-plugins", s.listPlugins)
	m.HandleFunc("GET /connector-plugins/{plugin}/config", s.pluginConfig)
	m.HandleFunc("PUT /connector-plugins/{plugin}/config/validate", s.validate)

	switch s.cfg.Admin {
	case AdminOnMain:
		s.adminRoutes(m)
	case AdminSeparate:
		s.adminRoutes(s.adminMux)
	}
}

func (s *Server) adminRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /admin/loggers", s.listLoggers)
	m.HandleFunc("GET /admin/loggers/{logger}", s.getLogger)
	m.HandleFunc("PUT /admin/loggers/{logger}", s.setLogger)
}

// internalRoutes are the worker-to-worker endpoints, which Connect's
// basic-auth filter lets through: they are authenticated by their
// signature (inter.worker.*) instead, since a worker has no user's
// credentials to send.
var internalRoutes = map[string]bool{"POST /connectors/{name}/tasks": true}

// ServeHTTP routes a request, answering unknown paths and wrong methods
// with Connect's JSON error body instead of net/http's plain text.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.console != nil && (r.URL.Path == "/ui" || strings.HasPrefix(r.URL.Path, console.Prefix)) {
		s.serveConsole(w, r)
		return
	}
	s.dispatch(s.mux, s.cfg.Auth, w, r)
}

// serveConsole serves the web console behind the REST API's
// authentication; its pages call the REST API with the same credentials.
func (s *Server) serveConsole(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Auth != nil && !s.cfg.Auth.Authenticate(r) {
		s.cfg.Auth.Unauthorized(w)
		return
	}
	if r.URL.Path == "/ui" {
		http.Redirect(w, r, console.Prefix, http.StatusMovedPermanently)
		return
	}
	s.console.ServeHTTP(w, r)
}

// AdminHandler serves the admin listeners (AdminSeparate).
func (s *Server) AdminHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.dispatch(s.adminMux, nil, w, r) })
}

func (s *Server) dispatch(mux *http.ServeMux, auth Authenticator, w http.ResponseWriter, r *http.Request) {
	w = newIdleWriter(w, s.cfg.IdleTimeout)
	// Jersey matches "/connectors/" and "/connectors/x/" like the paths
	// without the slash; clients send both.
	r = jerseyroute.TrimSlash(r)
	if _, pattern := mux.Handler(r); pattern != "" {
		// As Connect's filter, which runs once a resource matched: unknown
		// paths answer 404 without credentials.
		if auth != nil && !internalRoutes[pattern] && !auth.Authenticate(r) {
			auth.Unauthorized(w)
			return
		}
		bw, err := bufferBody(w, r, s.cfg.IdleTimeout, s.cfg.ForwardClient)
		if err != nil {
			// The connection may hold unread bytes: close it after answering.
			w.Header().Set("Connection", "close")
			writeError(w, err)
			return
		}
		mux.ServeHTTP(bw, r)
		return
	}
	allowed := jerseyroute.Allowed(mux, r, "")
	switch {
	case allowed == nil:
		writeError(w, newHTTPError(http.StatusNotFound, "HTTP 404 Not Found"))
	case r.Method == http.MethodOptions:
		// Jersey's generated OPTIONS resource, behind the same filter.
		if auth != nil && !auth.Authenticate(r) {
			auth.Unauthorized(w)
			return
		}
		jerseyroute.WriteOptions(w, r, allowed)
	default:
		// Connect 4.1.1 answers a wrong method 405 without an Allow header:
		// its exception mapper rebuilds Jersey's response from the status.
		writeError(w, newHTTPError(http.StatusMethodNotAllowed, "HTTP 405 Method Not Allowed"))
	}
}

// ListenAndServe serves on addr until ctx ends, then shuts down
// gracefully. ready, if not nil, receives the bound address.
func (s *Server) ListenAndServe(ctx context.Context, addr string, ready chan<- net.Addr) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("REST listener on %s: %w", addr, err)
	}
	if ready != nil {
		ready <- ln.Addr()
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln until ctx ends.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	return s.ServeListeners(ctx, []net.Listener{ln}, nil)
}

// ServeListeners serves the API on main and the /admin endpoints on admin
// (with AdminSeparate) until ctx ends or one listener fails, then shuts
// every listener down gracefully. A TLS listener comes wrapped already
// (tls.NewListener); the server speaks HTTP/1.1 on it, as Jetty does for
// Connect.
func (s *Server) ServeListeners(ctx context.Context, main, admin []net.Listener) error {
	var servers []*http.Server
	done := make(chan error, len(main)+len(admin))
	serve := func(h http.Handler, ln net.Listener) {
		srv := &http.Server{Handler: h, ReadHeaderTimeout: s.cfg.IdleTimeout, IdleTimeout: s.cfg.IdleTimeout,
			MaxHeaderBytes: maxHeaderBytes, ErrorLog: slog.NewLogLogger(s.cfg.Log.Handler(), slog.LevelDebug)}
		servers = append(servers, srv)
		go func() { done <- srv.Serve(ln) }()
	}
	for _, ln := range main {
		serve(s.accessLogged(s), ln)
	}
	for _, ln := range admin {
		serve(s.accessLogged(s.AdminHandler()), ln)
	}
	var first error
	select {
	case first = <-done:
		first = fmt.Errorf("REST server: %w", first)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	var errs []error
	if first != nil {
		errs = append(errs, first)
	}
	for _, srv := range servers {
		if err := srv.Shutdown(sctx); err != nil {
			errs = append(errs, fmt.Errorf("REST server shutdown: %w", err))
		}
	}
	pending := len(servers)
	if first != nil {
		pending--
	}
	for range pending {
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, fmt.Errorf("REST server: %w", err))
		}
	}
	return errors.Join(errs...)
}
