package srclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/goconnect/goconnect/connect/config"
	"github.com/twmb/franz-go/pkg/sr"
)

// StrategyAssociated is Confluent's AssociatedNameStrategy: the subject
// a registry association ties to the topic's key or value, else the
// fallback strategy's.
const StrategyAssociated = "io.confluent.kafka.serializers.subject.AssociatedNameStrategy"

// The AssociatedNameStrategy settings, as Confluent names them.
const (
	KeyAssocClusterID   = "subject.name.strategy.kafka.cluster.id"
	KeyAssocFallback    = "subject.name.strategy.fallback.type"
	KeyAssocCacheExpiry = "subject.name.strategy.cache.expiry.secs"
	KeyAssocCacheSize   = "subject.name.strategy.cache.size"
)

func defineAssociated(def *config.Def) *config.Def {
	return def.
		Define(config.Key{Name: KeyAssocClusterID, Type: config.TypeString, Importance: config.Low,
			Doc: "AssociatedNameStrategy: the Kafka cluster id, the namespace of the topic's associations (unset: any namespace)."}).
		Define(config.Key{Name: KeyAssocFallback, Type: config.TypeString, Default: "TOPIC", Importance: config.Low,
			Doc: "AssociatedNameStrategy: the strategy used when the topic has no association: TOPIC, RECORD, TOPIC_RECORD or NONE (an error)."}).
		Define(config.Key{Name: KeyAssocCacheExpiry, Type: config.TypeString, Importance: config.Low,
			Doc: "AssociatedNameStrategy: seconds a topic's subject is kept before it is looked up again (unset or negative: kept)."}).
		Define(config.Key{Name: KeyAssocCacheSize, Type: config.TypeString, Importance: config.Low,
			Doc: "AssociatedNameStrategy: how many topics' subjects are kept (default 1000)."})
}

// associated is the strategy's state: its settings and the subjects found.
type associated struct {
	clusterID string
	fallback  string // a strategy class, "" for NONE
	expiry    time.Duration
	size      int

	mu    sync.Mutex
	cache map[assocCacheKey]assocEntry
}

type assocCacheKey struct{ topic, record string }

type assocEntry struct {
	subject string
	at      time.Time
}

// newAssociated reads the settings as Confluent's configure does: numbers
// that do not parse and an unknown fallback are errors.
func newAssociated(v *config.Values) (*associated, error) {
	a := &associated{clusterID: v.String(KeyAssocClusterID), expiry: -1, size: 1000, cache: map[assocCacheKey]assocEntry{}}
	switch fb := strings.ToUpper(v.String(KeyAssocFallback)); fb {
	case "TOPIC":
		a.fallback = StrategyTopic
	case "RECORD":
		a.fallback = StrategyRecord
	case "TOPIC_RECORD":
		a.fallback = StrategyTopicName
	case "NONE":
	default:
		return nil, &config.Error{Key: KeyAssocFallback, Value: v.String(KeyAssocFallback), Message: "Invalid value for " + KeyAssocFallback + ": " + v.String(KeyAssocFallback)}
	}
	if s := v.String(KeyAssocCacheExpiry); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return nil, &config.Error{Key: KeyAssocCacheExpiry, Value: s, Message: "Cannot parse " + KeyAssocCacheExpiry}
		}
		if n >= 0 {
			a.expiry = time.Duration(n) * time.Second
		}
	}
	if s := v.String(KeyAssocCacheSize); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return nil, &config.Error{Key: KeyAssocCacheSize, Value: s, Message: "Cannot parse " + KeyAssocCacheSize}
		}
		a.size = max(n, 1)
	}
	return a, nil
}

// associatedSubject is AssociatedNameStrategy.subjectName: the topic's
// association of this kind (key or value) in the cluster's namespace; a
// registry without the endpoint (404) or a topic without association
// takes the fallback; two associations are an error.
func (c *Client) associatedSubject(topic, record string) (string, error) {
	a := c.assoc
	k := assocCacheKey{topic, record}
	a.mu.Lock()
	e, ok := a.cache[k]
	a.mu.Unlock()
	if ok && (a.expiry < 0 || time.Since(e.at) < a.expiry) {
		return e.subject, nil
	}
	subject, err := c.loadAssociated(topic, record)
	if err != nil {
		return "", err
	}
	a.mu.Lock()
	if len(a.cache) >= a.size {
		for old := range a.cache {
			delete(a.cache, old)
			break
		}
	}
	a.cache[k] = assocEntry{subject, time.Now()}
	a.mu.Unlock()
	return subject, nil
}

func (c *Client) loadAssociated(topic, record string) (string, error) {
	ns := c.assoc.clusterID
	if ns == "" {
		ns = "-"
	}
	kind := "value"
	if c.IsKey {
		kind = "key"
	}
	// The client joins paths (no query): the resource type defaults to
	// topic, and the association type is picked from the answer.
	path := "/associations/resources/" + ns + "/" + topic
	var all []struct {
		Subject         string `json:"subject"`
		AssociationType string `json:"associationType"`
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.Do(ctx, http.MethodGet, path, nil, &all); err != nil {
		var re *sr.ResponseError
		if !errors.As(err, &re) || re.StatusCode != http.StatusNotFound {
			return "", fmt.Errorf("looking up the associations of topic %s: %w", topic, err)
		}
		all = nil
	}
	var found []string
	for _, a := range all {
		if a.AssociationType == kind {
			found = append(found, a.Subject)
		}
	}
	switch {
	case len(found) > 1:
		return "", fmt.Errorf("Multiple associated subjects found for topic %s", topic)
	case len(found) == 1:
		return found[0], nil
	case c.assoc.fallback == "":
		return "", fmt.Errorf("No associated subject found for topic %s", topic)
	}
	return strategySubject(c.assoc.fallback, c.IsKey, topic, record)
}
