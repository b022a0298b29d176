// Package console is the worker's web console at /ui/: static pages
// embedded in the binary that drive the REST API from the browser, plus
// two read-only JSON endpoints the REST API lacks (the cluster's task
// metrics and a sink's lag per partition). It holds no state of its own;
// the REST server mounts it behind its listeners, TLS and authentication.
package console

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/goconnect/goconnect/runtime/herder"
	"github.com/goconnect/goconnect/runtime/metrics"
)

//go:embed assets
var assets embed.FS

// Prefix is where the console is served.
const Prefix = "/ui/"

// Cluster is what the console reads from the worker's herder.
type Cluster interface {
	WorkerID() string
	Metrics() *metrics.Registry
	Connectors() []string
	Status(name string) (herder.ConnectorStatus, error)
}

// AdminSource is the optional capability of a Cluster that reaches Kafka
// (both herders have it); without it the lag endpoint answers 404.
type AdminSource interface {
	Admin() (*kadm.Client, error)
}

// Config is what the console needs.
type Config struct {
	Cluster Cluster
	// Client reaches the other workers' consoles for their metrics (the
	// REST API's forwarding client, with its TLS settings).
	Client *http.Client
	Log    *slog.Logger
	// Connectors renders the REST API's GET
	// /connectors?expand=status&expand=info answer, for the overview; nil
	// leaves /ui/api/overview unserved.
	Connectors func() ([]byte, error)
}

// Handler serves the console.
type Handler struct {
	cfg      Config
	mux      *http.ServeMux
	files    map[string]asset
	metrics  *metricsCache
	overview *overviewCache
}

// asset is one embedded file, gzipped once at start.
type asset struct {
	ctype     string
	etag      string
	plain, gz []byte
}

// New returns the console's handler.
func New(cfg Config) *Handler {
	if cfg.Client == nil {
		cfg.Client = &http.Client{}
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	h := &Handler{cfg: cfg, mux: http.NewServeMux(), files: loadAssets(),
		metrics: &metricsCache{reg: cfg.Cluster.Metrics()}, overview: &overviewCache{every: overviewEvery}}
	h.mux.HandleFunc("GET /ui/api/overview", h.serveOverview)
	h.mux.HandleFunc("GET /ui/api/metrics", h.serveMetrics)
	h.mux.HandleFunc("GET /ui/api/connectors/{name}/lag", h.serveLag)
	h.mux.HandleFunc("GET /ui/", h.serveAsset)
	return h
}

func loadAssets() map[string]asset {
	out := map[string]asset{}
	err := fs.WalkDir(assets, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := assets.ReadFile(p)
		if err != nil {
			return err
		}
		var gz bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
		_, _ = zw.Write(b)
		_ = zw.Close()
		sum := sha256.Sum256(b)
		ct := mime.TypeByExtension(path.Ext(p))
		if ct == "" {
			ct = "application/octet-stream"
		}
		out[strings.TrimPrefix(p, "assets/")] = asset{ctype: ct, etag: `"` + hex.EncodeToString(sum[:8]) + `"`, plain: b, gz: gz.Bytes()}
		return nil
	})
	if err != nil {
		panic("console: embedded assets unreadable: " + err.Error()) // a build defect, not a runtime condition
	}
	return out
}

// ServeHTTP serves the console's paths (under Prefix).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

func (h *Handler) serveAsset(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, Prefix)
	if name == "" {
		name = "index.html"
	}
	a, ok := h.files[name]
	if !ok {
		writeError(w, http.StatusNotFound, "HTTP 404 Not Found")
		return
	}
	w.Header().Set("Content-Type", a.ctype)
	w.Header().Set("ETag", a.etag)
	// Revalidate each load: the binary may have been upgraded; a 304 costs
	// a round trip and no body.
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Vary", "Accept-Encoding")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if name == "index.html" {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'")
	}
	if r.Header.Get("If-None-Match") == a.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := a.plain
	if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		w.Header().Set("Content-Encoding", "gzip")
		body = a.gz
	}
	_, _ = w.Write(body)
}

// errorBody is Connect's error shape, so the pages handle one kind.
type errorBody struct {
	ErrorCode int    `json:"error_code"`
	Message   string `json:"message"`
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, errorBody{ErrorCode: code, Message: msg})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// requestTimeout bounds the console's own calls to Kafka and to peers.
const requestTimeout = 5 * time.Second

func withTimeout(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), requestTimeout)
}
