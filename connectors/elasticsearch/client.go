package elasticsearch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"time"

	es "github.com/elastic/go-elasticsearch/v8"
	"github.com/elastic/go-elasticsearch/v8/esapi"
)

// client wraps go-elasticsearch with Confluent's retry policy. The library's
// own retries are disabled so that max.retries and retry.backoff.ms mean
// exactly what they mean in Confluent's connector.
type client struct {
	es  *es.Client
	s   *settings
	log *slog.Logger
	// api sends the requests once the server is known (ready): the
	// client's own API for Elasticsearch, or for OpenSearch the same
	// esapi requests over the client's transport without the client's
	// product check (see useDistribution).
	api          *esapi.API
	distribution string
}

// Distributions, as GET / names them in version.distribution.
const (
	distElasticsearch = "elasticsearch"
	distOpenSearch    = "opensearch"
)

func newClient(s *settings, log *slog.Logger) (*client, error) {
	tr := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: s.connTimeout}).DialContext,
		MaxIdleConnsPerHost: s.maxInFlight + 2,
		IdleConnTimeout:     s.idle,
		// read.timeout.ms bounds the wait for a response's headers; a
		// bulk body can take longer to stream.
		ResponseHeaderTimeout: s.readTimeout,
	}
	if s.idle < 0 {
		tr.IdleConnTimeout = 0
	}
	tr.TLSClientConfig = s.tls
	c, err := es.NewClient(es.Config{
		Addresses:           s.urls,
		Username:            s.username,
		Password:            s.password,
		Transport:           tr,
		DisableRetry:        true,
		CompressRequestBody: s.compression,
	})
	if err != nil {
		return nil, fmt.Errorf("creating the Elasticsearch client: %w", err)
	}
	cl := &client{es: c, s: s, log: log}
	if s.distribution != distAuto {
		cl.useDistribution(s.distribution)
	}
	return cl, nil
}

// useDistribution picks how requests are sent. go-elasticsearch v8 refuses
// any server whose first successful answer lacks "X-Elastic-Product:
// Elasticsearch"; that check lives in the client's Perform, not in its
// transport or in esapi. OpenSearch never sends the header, so for it the
// esapi requests (esapi.New takes any Transport) go straight to the
// client's configured transport: same URLs, auth, TLS, compression and
// connection pool, no product check.
func (c *client) useDistribution(d string) {
	c.distribution = d
	if d == distOpenSearch {
		c.api = esapi.New(c.es.Transport)
		return
	}
	c.api = c.es.API
}

// ready detects the distribution from GET / when elastic.distribution is
// auto, once, before the first real request.
func (c *client) ready(ctx context.Context) error {
	if c.api != nil {
		return nil
	}
	bare := esapi.New(c.es.Transport)
	code, body, err := c.call(ctx, "reading the server version (GET /)", func(ctx context.Context) (*esapi.Response, error) {
		return bare.Info(bare.Info.WithContext(ctx))
	})
	if err != nil {
		return err
	}
	var root struct {
		Version struct {
			Number       string `json:"number"`
			Distribution string `json:"distribution"`
		} `json:"version"`
	}
	d := distElasticsearch
	if code/100 == 2 && json.Unmarshal(body, &root) == nil && strings.EqualFold(root.Version.Distribution, distOpenSearch) {
		d = distOpenSearch
	}
	// Anything else (also a 401/403 of a user without cluster:monitor
	// rights) is Elasticsearch, whose client then does its usual check.
	c.log.Info("elasticsearch sink server", "distribution", d, "version", root.Version.Number)
	c.useDistribution(d)
	return nil
}

// backoff is Confluent's wait before retry attempt n (0-based): a random
// time up to retry.backoff.ms << n, capped at 24 h.
func (c *client) backoff(n int) time.Duration {
	max := c.s.retryBackoff
	for i := 0; i < n && max < 24*time.Hour; i++ {
		max *= 2
	}
	max = min(max, 24*time.Hour)
	if max <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(max) + 1))
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// retriableStatus is true for answers that may succeed later: overload and
// server errors.
func retriableStatus(code int) bool {
	return code == http.StatusTooManyRequests || code >= 500
}

// call runs one request with retries on connection errors, 429 and 5xx.
// It returns the status and body of the last answer.
func (c *client) call(ctx context.Context, what string, do func(context.Context) (*esapi.Response, error)) (int, []byte, error) {
	for attempt := 0; ; attempt++ {
		code, body, err := c.once(ctx, do)
		if err == nil && !retriableStatus(code) {
			return code, body, nil
		}
		if tlsErr := tlsFailure(err, c.s.ssl); tlsErr != nil {
			return 0, nil, fmt.Errorf("%s: %w", what, tlsErr)
		}
		if err == nil {
			err = fmt.Errorf("status %d: %.500s", code, body)
		}
		if ctx.Err() != nil {
			return 0, nil, fmt.Errorf("%s: %w", what, ctx.Err())
		}
		if attempt >= c.s.maxRetries {
			return 0, nil, fmt.Errorf("%s: failed after %d retries: %w", what, attempt, err)
		}
		d := c.backoff(attempt)
		c.log.Warn("elasticsearch request failed, retrying", "request", what, "attempt", attempt+1, "max.retries", c.s.maxRetries, "backoff", d, "error", err)
		if err := sleep(ctx, d); err != nil {
			return 0, nil, fmt.Errorf("%s: %w", what, err)
		}
	}
}

func (c *client) once(ctx context.Context, do func(context.Context) (*esapi.Response, error)) (int, []byte, error) {
	res, err := do(ctx)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, nil, fmt.Errorf("reading the answer: %w", err)
	}
	return res.StatusCode, b, nil
}

// errorType is the error.type of an Elasticsearch error answer.
func errorType(body []byte) string {
	var e struct {
		Error struct {
			Type string `json:"type"`
		} `json:"error"`
	}
	_ = json.Unmarshal(body, &e)
	return e.Error.Type
}

// createIndex creates an index or data stream, tolerating one that exists.
func (c *client) createIndex(ctx context.Context, name string, dataStream bool) error {
	what := "creating index " + name
	do := func(ctx context.Context) (*esapi.Response, error) {
		return c.api.Indices.Create(name, c.api.Indices.Create.WithContext(ctx))
	}
	if dataStream {
		what = "creating data stream " + name
		do = func(ctx context.Context) (*esapi.Response, error) {
			return c.api.Indices.CreateDataStream(name, c.api.Indices.CreateDataStream.WithContext(ctx))
		}
	}
	code, body, err := c.call(ctx, what, do)
	if err != nil {
		return err
	}
	if code/100 == 2 {
		c.log.Info("created elasticsearch index", "index", name)
		return nil
	}
	if t := errorType(body); t == "resource_already_exists_exception" || t == "index_already_exists_exception" {
		return nil
	}
	return fmt.Errorf("%s: status %d: %.1000s", what, code, body)
}

// hasMapping reports whether the index has a non-empty mapping.
func (c *client) hasMapping(ctx context.Context, index string) (bool, error) {
	code, body, err := c.call(ctx, "getting the mapping of "+index, func(ctx context.Context) (*esapi.Response, error) {
		return c.api.Indices.GetMapping(c.api.Indices.GetMapping.WithIndex(index), c.api.Indices.GetMapping.WithContext(ctx))
	})
	if err != nil {
		return false, err
	}
	if code == http.StatusNotFound {
		return false, nil
	}
	if code/100 != 2 {
		return false, fmt.Errorf("getting the mapping of %s: status %d: %.1000s", index, code, body)
	}
	var m map[string]struct {
		Mappings map[string]json.RawMessage `json:"mappings"`
	}
	if err := json.Unmarshal(body, &m); err != nil {
		return false, fmt.Errorf("decoding the mapping of %s: %w", index, err)
	}
	for _, x := range m {
		if len(x.Mappings) > 0 {
			return true, nil
		}
	}
	return false, nil
}

func (c *client) putMapping(ctx context.Context, index string, m map[string]any) error {
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encoding the mapping of %s: %w", index, err)
	}
	code, body, err := c.call(ctx, "putting the mapping of "+index, func(ctx context.Context) (*esapi.Response, error) {
		return c.api.Indices.PutMapping([]string{index}, bytes.NewReader(b), c.api.Indices.PutMapping.WithContext(ctx))
	})
	if err != nil {
		return err
	}
	if code/100 != 2 {
		return fmt.Errorf("putting the mapping of %s: status %d: %.1000s", index, code, body)
	}
	return nil
}

// bulkItem is one item of a bulk answer.
type bulkItem struct {
	Status int             `json:"status"`
	Error  json.RawMessage `json:"error"`
}

// bulk sends one bulk request (no retries: the caller retries items).
// allOK is true when the answer says errors:false; only otherwise are the
// per-item results decoded (in request order), as decoding a few hundred
// kilobytes of success items per request would cost more CPU than
// building the request.
func (c *client) bulk(ctx context.Context, body []byte) (items []bulkItem, allOK bool, err error) {
	res, err := c.api.Bulk(bytes.NewReader(body), c.api.Bulk.WithContext(ctx))
	if err != nil {
		return nil, false, &transientError{err: fmt.Errorf("bulk request: %w", err)}
	}
	defer res.Body.Close()
	if code := res.StatusCode; code/100 != 2 {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 1000))
		err := fmt.Errorf("bulk request: status %d: %s", code, b)
		if retriableStatus(code) {
			return nil, false, &transientError{err: err}
		}
		return nil, false, err
	}
	r := &readErrs{r: res.Body}
	items, allOK, err = decodeBulk(r)
	if r.err != nil {
		// The connection broke: the documents may or may not be in.
		return nil, false, &transientError{err: fmt.Errorf("reading the bulk answer: %w", r.err)}
	}
	if err != nil {
		return nil, false, fmt.Errorf("decoding the bulk answer: %w", err)
	}
	// Read to the end so the connection is reused.
	if _, err := io.Copy(io.Discard, res.Body); err != nil && !allOK {
		return nil, false, &transientError{err: fmt.Errorf("reading the bulk answer: %w", err)}
	}
	return items, allOK, nil
}

// decodeBulk reads a bulk answer's top-level keys; it stops at
// "errors":false, and decodes "items" only otherwise.
func decodeBulk(r io.Reader) (items []bulkItem, allOK bool, err error) {
	dec := json.NewDecoder(r)
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, false, fmt.Errorf("not a JSON object (%v)", err)
	}
	decoded := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, false, err
		}
		switch tok {
		case "errors":
			var e bool
			if err := dec.Decode(&e); err != nil {
				return nil, false, err
			}
			if !e {
				return nil, true, nil
			}
		case "items":
			var raw []map[string]bulkItem
			if err := dec.Decode(&raw); err != nil {
				return nil, false, err
			}
			items = make([]bulkItem, len(raw))
			for i, it := range raw {
				for _, v := range it { // one key: the operation
					items[i] = v
				}
			}
			decoded = true
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, false, err
			}
		}
	}
	if !decoded {
		return nil, false, errors.New(`no "items"`)
	}
	return items, false, nil
}

// readErrs remembers a read error, to tell a broken connection from a
// malformed answer.
type readErrs struct {
	r   io.Reader
	err error
}

func (e *readErrs) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		e.err = err
	}
	return n, err
}

// transientError is a bulk failure worth retrying as a whole.
type transientError struct{ err error }

func (e *transientError) Error() string { return e.err.Error() }
func (e *transientError) Unwrap() error { return e.err }

func isTransient(err error) bool {
	var t *transientError
	return errors.As(err, &t)
}
