// Package elasticsearch is a sink connector with the semantics of
// Confluent's io.confluent.connect.elasticsearch.ElasticsearchSinkConnector
// (11.x–14.x): same config keys and defaults, index naming, mappings,
// document ids, versioning and bulk response handling.
package elasticsearch

import (
	"crypto/tls"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/goconnect/goconnect/connect/config"
)

// Version is the Confluent connector version whose behaviour this follows.
const Version = "14.1.2"

// Config keys, as ElasticsearchSinkConnectorConfig names them.
const (
	keyURL               = "connection.url"
	keyUsername          = "connection.username"
	keyPassword          = "connection.password"
	keyBatchSize         = "batch.size"
	keyBulkSizeBytes     = "bulk.size.bytes"
	keyMaxInFlight       = "max.in.flight.requests"
	keyMaxBuffered       = "max.buffered.records"
	keyLinger            = "linger.ms"
	keyFlushTimeout      = "flush.timeout.ms"
	keyFlushSync         = "flush.synchronously"
	keyMaxRetries        = "max.retries"
	keyRetryBackoff      = "retry.backoff.ms"
	keyCompression       = "connection.compression"
	keyIdleTime          = "max.connection.idle.time.ms"
	keyConnTimeout       = "connection.timeout.ms"
	keyReadTimeout       = "read.timeout.ms"
	keyKeyIgnore         = "key.ignore"
	keyTopicKeyIgnore    = "topic.key.ignore"
	keySchemaIgnore      = "schema.ignore"
	keyTopicSchemaIgnore = "topic.schema.ignore"
	keyCompactMap        = "compact.map.entries"
	keyDropInvalid       = "drop.invalid.message"
	keyNullValues        = "behavior.on.null.values"
	keyMalformed         = "behavior.on.malformed.documents"
	keyVersionHeader     = "external.version.header"
	keyWriteMethod       = "write.method"
	keySecurityProtocol  = "elastic.security.protocol"
	keyDSType            = "data.stream.type"
	keyDSDataset         = "data.stream.dataset"
	keyDSTimestamp       = "data.stream.timestamp.field"
	keyTypeName          = "type.name"
	// keyDistribution is goconnect's own: Confluent's sink talks to
	// Elasticsearch only.
	keyDistribution = "elastic.distribution"
	distAuto        = "auto"
)

func def() *config.Def {
	oneOfCI := func(vals ...string) config.Validator {
		return config.Func("one of "+strings.Join(vals, ", ")+" (case-insensitive)", func(name string, v any) error {
			s, _ := v.(string)
			for _, x := range vals {
				if strings.EqualFold(s, x) {
					return nil
				}
			}
			return fmt.Errorf("invalid value %q for %s: must be one of %s", s, name, strings.Join(vals, ", "))
		})
	}
	k := func(name string, t config.Type, dflt string, v config.Validator, imp config.Importance, doc string) config.Key {
		return config.Key{Name: name, Type: t, Default: dflt, Validator: v, Importance: imp, Doc: doc}
	}
	return defineSSL(config.NewDef()).
		Define(config.Key{Name: keyURL, Type: config.TypeList, Required: true, Importance: config.High, Doc: "List of Elasticsearch HTTP connection URLs, e.g. http://eshost1:9200,http://eshost2:9200."}).
		Define(k(keyUsername, config.TypeString, "", nil, config.Medium, "The username used to authenticate with Elasticsearch.")).
		Define(k(keyPassword, config.TypePassword, "", nil, config.Medium, "The password used to authenticate with Elasticsearch.")).
		Define(k(keyBatchSize, config.TypeInt, "2000", config.Between(1, 1000000), config.Medium, "The number of records to process as a batch when writing to Elasticsearch.")).
		Define(k(keyBulkSizeBytes, config.TypeLong, "5242880", config.AtLeast(-1), config.Low, "The maximum size (in bytes) of a bulk request; -1 disables the limit.")).
		Define(k(keyMaxInFlight, config.TypeInt, "5", config.Between(1, 1000), config.Medium, "The maximum number of indexing requests that can be in-flight to Elasticsearch before blocking further requests.")).
		Define(k(keyMaxBuffered, config.TypeInt, "20000", config.AtLeast(1), config.Low, "The maximum number of records each task will buffer before blocking acceptance of more records.")).
		Define(k(keyLinger, config.TypeLong, "1", config.Between(0, float64(7*24*time.Hour/time.Millisecond)), config.Low, "Linger time in milliseconds for batching.")).
		Define(k(keyFlushTimeout, config.TypeLong, "180000", config.Between(1000, float64(7*24*time.Hour/time.Millisecond)), config.Low, "The timeout in milliseconds to use for periodic flushing.")).
		Define(k(keyFlushSync, config.TypeBoolean, "false", nil, config.Low, "Accepted for compatibility; goconnect always waits in Flush for every outstanding bulk request.")).
		Define(k(keyMaxRetries, config.TypeInt, "5", config.AtLeast(0), config.Low, "The maximum number of retries that are allowed for failed indexing requests.")).
		Define(k(keyRetryBackoff, config.TypeLong, "100", config.AtLeast(0), config.Low, "How long to wait in milliseconds before attempting the first retry of a failed indexing request; doubled on each retry, with jitter.")).
		Define(k(keyCompression, config.TypeBoolean, "false", nil, config.Low, "Whether to use GZip compression on HTTP connection to Elasticsearch.")).
		Define(k(keyIdleTime, config.TypeInt, "60000", config.AtLeast(-1), config.Low, "How long to wait in milliseconds before dropping an idle connection.")).
		Define(k(keyConnTimeout, config.TypeInt, "1000", config.AtLeast(0), config.Low, "How long to wait in milliseconds when establishing a connection.")).
		Define(k(keyReadTimeout, config.TypeInt, "3000", config.AtLeast(0), config.Low, "How long to wait in milliseconds for the Elasticsearch server to send a response.")).
		Define(k(keyKeyIgnore, config.TypeBoolean, "false", nil, config.High, "Whether to ignore the record key for the document id; then the id is topic+partition+offset.")).
		Define(k(keyTopicKeyIgnore, config.TypeList, "", nil, config.Low, "List of topics for which key.ignore should be true.")).
		Define(k(keySchemaIgnore, config.TypeBoolean, "false", nil, config.Low, "Whether to ignore schemas: no mapping is created and values are written as schemaless JSON.")).
		Define(k(keyTopicSchemaIgnore, config.TypeList, "", nil, config.Low, "List of topics for which schema.ignore should be true.")).
		Define(k(keyCompactMap, config.TypeBoolean, "true", nil, config.Low, "Whether maps with string keys are written as JSON objects (true) or as arrays of {key, value} entries.")).
		Define(k(keyDropInvalid, config.TypeBoolean, "false", nil, config.Low, "Whether to drop records that cannot be converted instead of failing the task.")).
		Define(k(keyNullValues, config.TypeString, "FAIL", oneOfCI("ignore", "delete", "fail"), config.Low, "How to handle records with a non-null key and a null value: ignore, delete or fail.")).
		Define(k(keyMalformed, config.TypeString, "FAIL", oneOfCI("ignore", "warn", "fail"), config.Low, "How to handle records that Elasticsearch rejects as malformed: ignore, warn or fail.")).
		Define(k(keyVersionHeader, config.TypeString, "", nil, config.Low, "Header whose numeric value is used as the external document version instead of the Kafka offset.")).
		Define(k(keyWriteMethod, config.TypeString, "INSERT", oneOfCI("insert", "upsert"), config.Low, "Method used for writing data to Elasticsearch: insert or upsert.")).
		Define(k(keySecurityProtocol, config.TypeString, "PLAINTEXT", oneOfCI("PLAINTEXT", "SSL"), config.Medium, "The security protocol to use when connecting to Elasticsearch: PLAINTEXT or SSL.")).
		Define(k(keyDSType, config.TypeString, "NONE", oneOfCI("logs", "metrics", "none"), config.Low, "Generic type of the data stream: logs, metrics or none.")).
		Define(k(keyDSDataset, config.TypeString, "", nil, config.Low, "Dataset of the data stream; required together with data.stream.type.")).
		Define(k(keyDSTimestamp, config.TypeList, "", nil, config.Low, "Fields whose first present value becomes @timestamp in data streams; default the Kafka record timestamp.")).
		Define(k(keyTypeName, config.TypeString, "", nil, config.Low, "Removed in Confluent 11.0; accepted and ignored (the type is always _doc).")).
		Define(k(keyDistribution, config.TypeString, distAuto, oneOfCI(distAuto, distElasticsearch, distOpenSearch), config.Medium, "goconnect only: the server's distribution. auto reads version.distribution from GET / before the first request; opensearch sends the same requests without go-elasticsearch's check for Elastic's product header."))
}

type nullBehavior int

const (
	nullFail nullBehavior = iota
	nullIgnore
	nullDelete
)

type malformedBehavior int

const (
	malformedFail malformedBehavior = iota
	malformedIgnore
	malformedWarn
)

// settings is the parsed connector config.
type settings struct {
	urls               []string
	username, password string
	batchSize          int
	bulkBytes          int64
	maxInFlight        int
	maxBuffered        int
	linger             time.Duration
	flushTimeout       time.Duration
	maxRetries         int
	retryBackoff       time.Duration
	compression        bool
	idle               time.Duration
	connTimeout        time.Duration
	readTimeout        time.Duration
	keyIgnore          bool
	topicKeyIgnore     map[string]bool
	schemaIgnore       bool
	topicSchemaIgnore  map[string]bool
	compactMap         bool
	dropInvalid        bool
	nulls              nullBehavior
	malformed          malformedBehavior
	versionHeader      string
	upsert             bool
	ssl                bool        // elastic.security.protocol=SSL
	tls                *tls.Config // for https:// URLs
	dsType, dsDataset  string
	dsTimestamp        []string
	distribution       string // auto, elasticsearch or opensearch
}

func (s *settings) dataStream() bool { return s.dsType != "" }

func (s *settings) ignoreKey(topic string) bool { return s.keyIgnore || s.topicKeyIgnore[topic] }

func (s *settings) ignoreSchema(topic string) bool {
	return s.schemaIgnore || s.topicSchemaIgnore[topic]
}

func set(list []string) map[string]bool {
	m := make(map[string]bool, len(list))
	for _, x := range list {
		if x = strings.TrimSpace(x); x != "" {
			m[x] = true
		}
	}
	return m
}

// parseSettings parses and cross-checks props as the Confluent validator
// does.
func parseSettings(props map[string]string) (*settings, error) {
	v, err := def().Parse(props)
	if err != nil {
		return nil, fmt.Errorf("elasticsearch sink config: %w", err)
	}
	if msgs := crossCheck(v); len(msgs) > 0 {
		keys := make([]string, 0, len(msgs))
		for key := range msgs {
			keys = append(keys, key)
		}
		sort.Strings(keys)
		parts := make([]string, 0, len(keys))
		for _, key := range keys {
			parts = append(parts, key+": "+strings.Join(msgs[key], "; "))
		}
		return nil, fmt.Errorf("elasticsearch sink config: %s", strings.Join(parts, ", "))
	}
	s := &settings{
		username:          v.String(keyUsername),
		password:          v.Password(keyPassword).Value(),
		batchSize:         int(v.Int(keyBatchSize)),
		bulkBytes:         v.Long(keyBulkSizeBytes),
		maxInFlight:       int(v.Int(keyMaxInFlight)),
		maxBuffered:       int(v.Int(keyMaxBuffered)),
		linger:            time.Duration(v.Long(keyLinger)) * time.Millisecond,
		flushTimeout:      time.Duration(v.Long(keyFlushTimeout)) * time.Millisecond,
		maxRetries:        int(v.Int(keyMaxRetries)),
		retryBackoff:      time.Duration(v.Long(keyRetryBackoff)) * time.Millisecond,
		compression:       v.Bool(keyCompression),
		idle:              time.Duration(v.Int(keyIdleTime)) * time.Millisecond,
		connTimeout:       time.Duration(v.Int(keyConnTimeout)) * time.Millisecond,
		readTimeout:       time.Duration(v.Int(keyReadTimeout)) * time.Millisecond,
		keyIgnore:         v.Bool(keyKeyIgnore),
		topicKeyIgnore:    set(v.List(keyTopicKeyIgnore)),
		schemaIgnore:      v.Bool(keySchemaIgnore),
		topicSchemaIgnore: set(v.List(keyTopicSchemaIgnore)),
		compactMap:        v.Bool(keyCompactMap),
		dropInvalid:       v.Bool(keyDropInvalid),
		versionHeader:     v.String(keyVersionHeader),
		upsert:            strings.EqualFold(v.String(keyWriteMethod), "upsert"),
		ssl:               strings.EqualFold(v.String(keySecurityProtocol), "SSL"),
		dsDataset:         v.String(keyDSDataset),
		dsTimestamp:       v.List(keyDSTimestamp),
		distribution:      strings.ToLower(v.String(keyDistribution)),
	}
	switch strings.ToLower(v.String(keyNullValues)) {
	case "ignore":
		s.nulls = nullIgnore
	case "delete":
		s.nulls = nullDelete
	}
	switch strings.ToLower(v.String(keyMalformed)) {
	case "ignore":
		s.malformed = malformedIgnore
	case "warn":
		s.malformed = malformedWarn
	}
	if t := strings.ToLower(v.String(keyDSType)); t != "none" {
		s.dsType = t
	}
	if s.tls, err = clientTLS(props, s.ssl); err != nil {
		return nil, fmt.Errorf("elasticsearch sink config: %w", err)
	}
	for _, u := range v.List(keyURL) {
		u = strings.TrimSpace(u)
		if u != "" {
			s.urls = append(s.urls, u)
		}
	}
	// As Confluent: HTTPS for every node when any URL asks for it; a URL
	// without a scheme is http.
	https := false
	for _, u := range s.urls {
		if strings.HasPrefix(strings.ToLower(u), "https:") {
			https = true
		}
	}
	for i, u := range s.urls {
		if !strings.Contains(u, "://") {
			u = "http://" + u
		}
		if https {
			u = "https://" + u[strings.Index(u, "://")+3:]
		}
		if _, err := url.Parse(u); err != nil {
			return nil, fmt.Errorf("elasticsearch sink config: %s: %w", keyURL, err)
		}
		s.urls[i] = u
	}
	return s, nil
}

// crossCheck returns the messages of Confluent's Validator for keys that
// depend on each other.
func crossCheck(v *config.Values) map[string][]string {
	out := map[string][]string{}
	add := func(k, m string) { out[k] = append(out[k], m) }
	if (v.String(keyUsername) == "") != (v.Password(keyPassword).Value() == "") {
		add(keyUsername, "Both 'connection.username' and 'connection.password' must be set.")
	}
	if v.Bool(keyKeyIgnore) && len(set(v.List(keyTopicKeyIgnore))) > 0 {
		add(keyTopicKeyIgnore, "'key.ignore' can not be set to true when 'topic.key.ignore' is set.")
	}
	if v.Bool(keySchemaIgnore) && len(set(v.List(keyTopicSchemaIgnore))) > 0 {
		add(keyTopicSchemaIgnore, "'schema.ignore' can not be set to true when 'topic.schema.ignore' is set.")
	}
	if int64(v.Int(keyMaxBuffered)) < int64(v.Int(keyBatchSize))*int64(v.Int(keyMaxInFlight)) {
		add(keyMaxBuffered, "'max.buffered.records' must be larger than or equal to 'batch.size' * 'max.in.flight.requests'.")
	}
	if v.Long(keyLinger) > v.Long(keyFlushTimeout) {
		add(keyLinger, "'linger.ms' must be less than or equal to 'flush.timeout.ms'.")
	}
	ds := !strings.EqualFold(v.String(keyDSType), "none")
	if ds != (v.String(keyDSDataset) != "") {
		add(keyDSType, "Either both or neither 'data.stream.dataset' and 'data.stream.type' must be set.")
	}
	if ds && strings.EqualFold(v.String(keyWriteMethod), "upsert") {
		add(keyWriteMethod, "Upserts are not supported with data streams.")
	}
	if ds && strings.EqualFold(v.String(keyNullValues), "delete") {
		add(keyNullValues, "Deletes are not supported with data streams.")
	}
	for _, k := range []string{"proxy.host", "kerberos.user.principal", "kerberos.keytab.path"} {
		if v.Raw()[k] != "" {
			add(k, "'"+k+"' is not supported by goconnect.")
		}
	}
	checkSSL(v, add)
	return out
}
