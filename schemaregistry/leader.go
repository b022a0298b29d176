package schemaregistry

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/goconnect/goconnect/internal/jerseyroute"
	"github.com/goconnect/goconnect/schemaregistry/dekregistry"
	"github.com/goconnect/goconnect/schemaregistry/election"
)

// Syncer is a store a new leader reads to its end before it writes, and
// a follower after a write it forwarded (KafkaJournal).
type Syncer interface {
	Sync(ctx context.Context) error
}

// ClusterConfig is how an instance takes part in a registry cluster.
type ClusterConfig struct {
	// GroupID is schema.registry.group.id (/v1/metadata/id answers it).
	GroupID string
	// Topic is the store topic: a forwarded write names it, and a leader
	// keeping another topic refuses it (instances on different topics
	// sharing a group id would otherwise write to each other's topic).
	Topic string
	// Self is this instance's identity: the leader is this instance when
	// its URL is Self's.
	Self election.Identity
	// Stores are read to their end by a new leader before it writes.
	Stores []Syncer
	// Client forwards writes to the leader (its TLS settings).
	Client *http.Client
	// Headers are request headers forwarded besides Content-Type, Accept,
	// Confluent-Accept-Unknown-Properties, Authorization and X-Request-ID
	// (inter.instance.headers.whitelist).
	Headers []string
	// ClusterID returns the Kafka cluster's id.
	ClusterID func(ctx context.Context) (string, error)
	// LeaderWait is how long a write waits for this new leader to have
	// read its stores (kafkastore.init.timeout.ms, default 60 s). With no
	// leader known a write is answered at once, as Confluent's.
	LeaderWait time.Duration
	// ReadBackTimeout bounds a follower's read of the leader's write
	// before it answers (kafkastore.timeout.ms; default 10 s).
	ReadBackTimeout time.Duration
	Log             *slog.Logger
}

// Cluster routes writes to the leader: the leader serves them, the others
// forward them with the caller's credentials (Confluent's
// *OrForward methods). It is the election's Listener.
type Cluster struct {
	cfg ClusterConfig

	mu      sync.Mutex
	leader  *election.Identity
	self    bool
	ready   bool // this leader has read its stores to their end
	epoch   uint64
	changed chan struct{} // closed and replaced on every change
}

// NewCluster returns a cluster view with no leader known yet.
func NewCluster(cfg ClusterConfig) *Cluster {
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 60 * time.Second}
	}
	if cfg.LeaderWait <= 0 {
		cfg.LeaderWait = 60 * time.Second
	}
	if cfg.ReadBackTimeout <= 0 {
		cfg.ReadBackTimeout = 10 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.GroupID == "" {
		cfg.GroupID = election.DefaultGroupID
	}
	if cfg.Self.Scheme == "" {
		cfg.Self.Scheme = "http"
	}
	return &Cluster{cfg: cfg, changed: make(chan struct{})}
}

// SetLeader takes the election's result (nil: none known). Becoming the
// leader, this instance first reads its stores to their end (what the
// previous leader wrote), then serves writes.
func (c *Cluster) SetLeader(id *election.Identity) {
	c.mu.Lock()
	defer c.mu.Unlock()
	self := id != nil && id.URL() == c.cfg.Self.URL()
	if sameLeader(c.leader, id) {
		return
	}
	c.epoch++
	c.leader, c.self, c.ready = id, self, false
	close(c.changed)
	c.changed = make(chan struct{})
	switch {
	case id == nil:
		c.cfg.Log.Info("schema registry leader unknown")
	case self:
		c.cfg.Log.Info("this schema registry instance is the leader", "url", id.URL())
		go c.catchUp(c.epoch)
	default:
		c.cfg.Log.Info("schema registry leader", "url", id.URL())
	}
}

func sameLeader(a, b *election.Identity) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.URL() == b.URL()
}

// catchUp reads the stores to their end, then lets the leader write,
// unless the leader changed meanwhile.
func (c *Cluster) catchUp(epoch uint64) {
	for {
		if !c.current(epoch) {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := c.syncStores(ctx)
		cancel()
		if err == nil {
			break
		}
		c.cfg.Log.Warn("the new schema registry leader could not read its store to the end, retrying", "error", err)
		time.Sleep(time.Second)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.epoch == epoch {
		c.ready = true
		close(c.changed)
		c.changed = make(chan struct{})
	}
}

func (c *Cluster) current(epoch uint64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.epoch == epoch
}

func (c *Cluster) syncStores(ctx context.Context) error {
	for _, s := range c.cfg.Stores {
		if err := s.Sync(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Leader returns the leader known (nil: none) and whether it is this
// instance, ready to write.
func (c *Cluster) Leader() (leader *election.Identity, selfReady bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.leader, c.self && c.ready
}

func (c *Cluster) state() (*election.Identity, bool, bool, <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.leader, c.self, c.ready, c.changed
}

// forwardedHeader marks a forwarded request: an instance that is not the
// leader either (the leader moved meanwhile) refuses it rather than
// forward it again.
const forwardedHeader = "X-Goconnect-Forwarded"

// topicHeader names the forwarding instance's store topic.
const topicHeader = "X-Goconnect-Topic"

// needsLeaderHeader is the registration handler's answer, to Wrap only,
// when a follower's look-up did not find the schema.
const needsLeaderHeader = "X-Goconnect-Needs-Leader"

// errNeedsLeader is a follower's look-up that found nothing: the leader
// registers.
var errNeedsLeader = &Error{500, 50004, "Leader not known."}

type lookupOnlyKey struct{}

func isLookupOnly(ctx context.Context) bool { b, _ := ctx.Value(lookupOnlyKey{}).(bool); return b }

// writeOp is a write's errors, as Confluent's resources answer them.
type writeOp struct {
	register bool
	// unknown is the answer when no leader is known; failed when the
	// leader could not be reached.
	unknown, failed Error
}

// failedFor is the answer when forwarding to leader failed.
func (op writeOp) failedFor(leader *election.Identity) *Error {
	return &Error{500, op.failed.Code, strings.ReplaceAll(op.failed.Message, "{leader}", leader.URL())}
}

func leaderOps() (*http.ServeMux, map[string]writeOp) {
	ops := map[string]writeOp{}
	add := func(unknown, failed Error, patterns ...string) {
		for _, p := range patterns {
			ops[p] = writeOp{unknown: unknown, failed: failed}
		}
	}
	unknown := func(msg string) Error { return Error{500, 50004, msg} }
	failed := func(msg string) Error { return Error{500, 50003, msg} }
	generic := func(msg string) Error { return Error{500, 50001, msg} }
	ops["POST /subjects/{subject}/versions"] = writeOp{register: true, unknown: unknown("Leader not known."),
		failed: failed("Error while forwarding register schema request to the leader")}
	add(unknown("Leader not known."), failed("Error while forwarding delete schema version request to the leader"), "DELETE /subjects/{subject}/versions/{version}")
	// Confluent's modifySchemaTagsOrForward answers as a registration.
	add(unknown("Leader not known."), failed("Error while forwarding register schema request to the leader"), "POST /subjects/{subject}/versions/{version}/tags")
	// Association writes (Confluent's …AssociationOrForward, answered as
	// registrations).
	add(unknown("Leader not known."), failed("Error while forwarding register schema request to the leader"),
		"POST /associations", "PUT /associations/resources/{resourceId}", "DELETE /associations/resources/{resourceId}", "POST /associations:batchMutate")
	// Confluent answers these two with its generic error whatever failed,
	// the subject named as the path gives it (normalized).
	add(generic("Error while deleting the subject {subject}"), generic("Error while deleting the subject {subject}"), "DELETE /subjects/{subject}")
	add(generic("Error while deleting context"), generic("Error while deleting context"), "DELETE /contexts/{context}")
	add(unknown("Failed to update compatibility level"), failed("Error while forwarding update config request to the leader"), "PUT /config", "PUT /config/{subject}")
	add(unknown("Failed to delete compatibility level"), failed("Error while forwarding delete config request to the leader"), "DELETE /config", "DELETE /config/{subject}")
	add(unknown("Failed to update mode"), failed("Error while forwarding update mode request to the leader"), "PUT /mode", "PUT /mode/{subject}")
	add(unknown("Failed to delete mode"), failed("Error while forwarding delete mode request to the leader"), "DELETE /mode", "DELETE /mode/{subject}")
	// The DEK registry's writes: Confluent's DekRegistryResource wraps the
	// leader errors in its generic 50001, with their message for creates
	// and updates ("Error while creating key: Request failed since leader
	// is unknown", the forwarding failure naming the request and the
	// leader's URL) and without it for deletes and undeletes.
	p := dekregistry.Prefix
	dekWrite := func(what, request string, patterns ...string) {
		add(generic("Error while "+what+": Request failed since leader is unknown"),
			generic("Error while "+what+": Unexpected error while forwarding the "+request+" request to {leader}"), patterns...)
	}
	dekWrite("creating key", "create key", "POST "+p, "POST "+p+"/{name}/deks", "POST "+p+"/{name}/deks/{subject}")
	dekWrite("updating key", "put key", "PUT "+p+"/{name}")
	dekBare := func(msg string, patterns ...string) { add(generic(msg), generic(msg), patterns...) }
	dekBare("Error while deleting key", "DELETE "+p+"/{name}", "DELETE "+p+"/{name}/deks/{subject}", "DELETE "+p+"/{name}/deks/{subject}/versions/{version}")
	dekBare("Error while undeleting key", "POST "+p+"/{name}/undelete", "POST "+p+"/{name}/deks/{subject}/undelete", "POST "+p+"/{name}/deks/{subject}/versions/{version}/undelete")
	mux := http.NewServeMux()
	for pattern := range ops {
		mux.HandleFunc(pattern, func(http.ResponseWriter, *http.Request) {})
	}
	return mux, ops
}

// Wrap serves next with writes routed to the leader, and
// GET /v1/metadata/id (Confluent's ServerMetadataResource).
func (c *Cluster) Wrap(next http.Handler) http.Handler {
	mux, ops := leaderOps()
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		trimmed := jerseyroute.TrimSlash(req)
		if req.Method == http.MethodGet && trimmed.URL.Path == "/v1/metadata/id" {
			c.metadataID(w, req)
			return
		}
		_, pattern := mux.Handler(trimmed)
		op, ok := ops[pattern]
		if !ok {
			next.ServeHTTP(w, req)
			return
		}
		if subject, ok := strings.CutPrefix(trimmed.URL.Path, "/subjects/"); ok && pattern == "DELETE /subjects/{subject}" {
			op.unknown.Message = strings.ReplaceAll(op.unknown.Message, "{subject}", normalizeSubject(subject))
			op.failed.Message = strings.ReplaceAll(op.failed.Message, "{subject}", normalizeSubject(subject))
		}
		if topic := req.Header.Get(topicHeader); topic != "" && c.cfg.Topic != "" && topic != c.cfg.Topic {
			c.cfg.Log.Error("refused a write forwarded by an instance on another topic: give registries on different topics different schema.registry.group.id values", "their topic", topic, "topic", c.cfg.Topic)
			writeError(w, &Error{500, op.failed.Code, fmt.Sprintf("%s: the leader keeps topic %s, the forwarding instance %s; registries on different topics need different schema.registry.group.id values", op.failedFor(&c.cfg.Self).Message, c.cfg.Topic, topic)})
			return
		}
		body, err := io.ReadAll(io.LimitReader(req.Body, 16<<20))
		if err != nil {
			writeError(w, &Error{400, 400, "cannot read the request body"})
			return
		}
		c.write(w, req, op, body, next)
	})
}

func (c *Cluster) write(w http.ResponseWriter, req *http.Request, op writeOp, body []byte, next http.Handler) {
	wait := time.NewTimer(c.cfg.LeaderWait)
	defer wait.Stop()
	looked := false
	for {
		leader, self, ready, changed := c.state()
		switch {
		case self && ready:
			req.Body = io.NopCloser(bytes.NewReader(body))
			next.ServeHTTP(w, req)
			return
		case !self && op.register && !looked:
			// As Confluent's registerOrForward: a schema the subject
			// holds already is answered here, leader or not.
			looked = true
			rec := httptest.NewRecorder()
			lreq := req.Clone(context.WithValue(req.Context(), lookupOnlyKey{}, true))
			lreq.Body = io.NopCloser(bytes.NewReader(body))
			next.ServeHTTP(rec, lreq)
			if rec.Header().Get(needsLeaderHeader) == "" {
				copyResponse(w, rec.Result())
				return
			}
			continue
		case leader == nil:
			// As Confluent's *OrForward: no leader known (none elected
			// yet, a rebalance running, none eligible) answers at once.
			writeError(w, &Error{500, op.unknown.Code, op.unknown.Message})
			return
		case !self:
			if req.Header.Get(forwardedHeader) != "" {
				// Forwarded by an instance that took this one for the
				// leader: the leader moved; the caller retries.
				writeError(w, op.failedFor(leader))
				return
			}
			c.forward(w, req, op, body, leader)
			return
		}
		// This new leader is still reading its stores: Confluent's
		// writes wait on the leader lock its setLeader holds meanwhile
		// (at most kafkastore.init.timeout.ms).
		select {
		case <-changed:
		case <-wait.C:
			if op.register {
				writeError(w, &Error{500, 50002, "Register operation timed out"})
			} else {
				writeError(w, &Error{500, 50002, "Operation timed out: the new leader is still reading the store"})
			}
			return
		case <-req.Context().Done():
			return
		}
	}
}

// forward sends the request to the leader with the caller's credentials
// and answers what the leader answered.
func (c *Cluster) forward(w http.ResponseWriter, req *http.Request, op writeOp, body []byte, leader *election.Identity) {
	url := leader.URL() + req.URL.RequestURI()
	freq, err := http.NewRequestWithContext(req.Context(), req.Method, url, bytes.NewReader(body))
	if err != nil {
		writeError(w, op.failedFor(leader))
		return
	}
	// Confluent's RequestHeaderBuilder: these, then the whitelist's.
	for _, h := range append([]string{"Content-Type", "Accept", "Confluent-Accept-Unknown-Properties", "Authorization", "X-Request-ID"}, c.cfg.Headers...) {
		if v := req.Header.Values(h); len(v) > 0 {
			freq.Header[http.CanonicalHeaderKey(h)] = v
		}
	}
	freq.Header.Set(forwardedHeader, "1")
	if c.cfg.Topic != "" {
		freq.Header.Set(topicHeader, c.cfg.Topic)
	}
	resp, err := c.cfg.Client.Do(freq)
	if err != nil {
		c.cfg.Log.Warn("forwarding a write to the schema registry leader failed", "leader", leader.URL(), "error", err)
		writeError(w, op.failedFor(leader))
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		// Read the leader's write before answering, so the caller's next
		// read here sees it (bounded: the answer stands either way).
		ctx, cancel := context.WithTimeout(req.Context(), c.cfg.ReadBackTimeout)
		if err := c.syncStores(ctx); err != nil {
			c.cfg.Log.Warn("reading the leader's write back failed", "error", err)
		}
		cancel()
	}
	copyResponse(w, resp)
}

func copyResponse(w http.ResponseWriter, resp *http.Response) {
	for _, h := range []string{"Content-Type", "Content-Length", "Www-Authenticate"} {
		if v := resp.Header.Values(h); len(v) > 0 {
			w.Header()[h] = v
		}
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

func writeError(w http.ResponseWriter, e *Error) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(e.Status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error_code": e.Code, "message": e.Message})
}

// metadataID answers Confluent's ServerClusterId: the Kafka cluster's id
// and schema.registry.group.id, keys in the order Java's HashMap writes
// them.
func (c *Cluster) metadataID(w http.ResponseWriter, req *http.Request) {
	kafkaID := ""
	if c.cfg.ClusterID != nil {
		id, err := c.cfg.ClusterID(req.Context())
		if err != nil {
			writeError(w, &Error{500, 50001, fmt.Sprintf("Error while reading the Kafka cluster id: %v", err)})
			return
		}
		kafkaID = id
	}
	w.Header().Set("Content-Type", contentType)
	fmt.Fprintf(w, `{"scope":{"path":[],"clusters":{"kafka-cluster":%s,"schema-registry-cluster":%s}}}`, jsonString(kafkaID), jsonString(c.cfg.GroupID))
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
