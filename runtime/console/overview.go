package console

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Overview is the answer of GET /ui/api/overview: everything a console page
// polls, in one request. Pages poll it every 2 s; the worker builds it at
// most once per overviewEvery whatever the number of open pages, encodes
// and gzips it once, and answers an unchanged one with 304 Not Modified.
type Overview struct {
	// Time is when the content last changed, in Unix milliseconds.
	Time int64 `json:"time"`
	// Connectors is the REST API's GET /connectors?expand=status&expand=info.
	Connectors json.RawMessage `json:"connectors"`
	Metrics    Metrics         `json:"metrics"`
}

// overviewEvery is how long a built overview is served to every page.
const overviewEvery = time.Second

// overviewCache is the last overview built, ready to write.
type overviewCache struct {
	every   time.Duration // overviewEvery; tests shorten it
	mu      sync.Mutex
	at      time.Time // when it was built
	content []byte    // the JSON without Time, to tell a change
	etag    string
	plain   []byte
	gz      []byte
}

// serveOverview answers the shared overview; any error is the page's to show.
func (h *Handler) serveOverview(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Connectors == nil {
		writeError(w, http.StatusNotFound, "HTTP 404 Not Found")
		return
	}
	c := h.overview
	c.mu.Lock()
	if now := time.Now(); now.Sub(c.at) >= c.every {
		if err := h.buildOverview(r, now); err != nil {
			c.mu.Unlock()
			writeError(w, http.StatusInternalServerError, err.Error())
			return
		}
	}
	etag, plain, gz := c.etag, c.plain, c.gz
	c.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	// Stored by the browser but revalidated at each poll: an unchanged
	// overview costs a 304 and no body.
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("ETag", etag)
	w.Header().Set("Vary", "Accept-Encoding")
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := plain
	if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		w.Header().Set("Content-Encoding", "gzip")
		body = gz
	}
	_, _ = w.Write(body)
}

// buildOverview refreshes the cache (h.overview.mu held). The metrics of
// other workers are asked for with r's credentials: the request that
// happens to refresh the shared overview, every page's having passed the
// same authentication.
func (h *Handler) buildOverview(r *http.Request, now time.Time) error {
	c := h.overview
	conns, err := h.cfg.Connectors()
	if err != nil {
		return fmt.Errorf("listing connectors: %w", err)
	}
	// Gathered afresh: the overview is the cache.
	local, err := gather(h.cfg.Cluster.Metrics().Gatherer(), h.cfg.Cluster.WorkerID(), now)
	if err != nil {
		return err
	}
	m, err := h.clusterMetrics(r, local)
	if err != nil {
		return err
	}
	ov := Overview{Connectors: conns, Metrics: m}
	// The sample time alone does not make a new overview: an idle cluster's
	// pages get 304s and draw nothing.
	ov.Metrics.Time = 0
	content, err := json.Marshal(ov)
	if err != nil {
		return fmt.Errorf("encoding the overview: %w", err)
	}
	c.at = now
	if c.plain != nil && bytes.Equal(content, c.content) {
		return nil
	}
	ov.Time, ov.Metrics.Time = now.UnixMilli(), m.Time
	plain, err := json.Marshal(ov)
	if err != nil {
		return fmt.Errorf("encoding the overview: %w", err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write(plain)
	_ = zw.Close()
	sum := sha256.Sum256(plain)
	c.content, c.plain, c.gz, c.etag = content, plain, gz.Bytes(), `"`+hex.EncodeToString(sum[:8])+`"`
	return nil
}
