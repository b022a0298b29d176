// Package srclient is the Schema Registry side that Confluent's schema
// converters share (AbstractKafkaSchemaSerDeConfig): the registry URL,
// credentials and TLS, the subject name strategies and how a writer gets
// its schema id (auto.register.schemas, use.latest.version, lookup).
package srclient

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/internal/jaas"
	"github.com/goconnect/goconnect/internal/tlsconfig"
)

// The keys Confluent's serde config defines.
const (
	KeyURL           = "schema.registry.url"
	KeyAutoRegister  = "auto.register.schemas"
	KeyUseLatest     = "use.latest.version"
	KeyNormalize     = "normalize.schemas"
	KeyKeyStrategy   = "key.subject.name.strategy"
	KeyValueStrategy = "value.subject.name.strategy"
	KeyAuthSource    = "basic.auth.credentials.source"
	KeyAuthUserInfo  = "basic.auth.user.info"
	KeyBearerSource  = "bearer.auth.credentials.source"
	// keyDeprecatedUserInfo is the older name Confluent's client still
	// reads first; keySASLJAAS the JAAS line SASL_INHERIT takes.
	keyDeprecatedUserInfo = "schema.registry.basic.auth.user.info"
	keySASLJAAS           = "sasl.jaas.config"
	KeyBearerToken        = "bearer.auth.token"
	KeyBearerCluster      = "bearer.auth.logical.cluster"
	KeyBearerPool         = "bearer.auth.identity.pool.id"
	KeyCacheSize          = "schemas.cache.config"
	KeyLatestMeta         = "use.latest.with.metadata"
	KeyLatestTTL          = "latest.cache.ttl.sec"
	KeyLatestStrict       = "latest.compatibility.strict"
	KeyUseSchemaID        = "use.schema.id"
	KeyIDStrict           = "id.compatibility.strict"
	StrategyTopic         = "io.confluent.kafka.serializers.subject.TopicNameStrategy"
	StrategyRecord        = "io.confluent.kafka.serializers.subject.RecordNameStrategy"
	StrategyTopicName     = "io.confluent.kafka.serializers.subject.TopicRecordNameStrategy"

	// sslPrefix carries Kafka's client SSL settings for the registry
	// client (Confluent's SchemaRegistryClientConfig.CLIENT_NAMESPACE).
	sslPrefix = "schema.registry."
)

// unsupported are Confluent serde keys that change what is written or
// read and that goconnect does not implement, with the values it honours
// (the first is Confluent's default): another value is refused, not
// ignored.
var unsupported = []struct {
	key, doc string
	ok       []string
}{
	{"context.name.strategy", "A class used to determine the schema registry context.",
		[]string{"io.confluent.kafka.serializers.context.NullContextNameStrategy"}},
	{"key.schema.id.serializer", "Determines how to serialize the ID for the key schema.",
		[]string{"io.confluent.kafka.serializers.schema.id.PrefixSchemaIdSerializer"}},
	{"value.schema.id.serializer", "Determines how to serialize the ID for the value schema.",
		[]string{"io.confluent.kafka.serializers.schema.id.PrefixSchemaIdSerializer"}},
	// goconnect reads the id from the payload's prefix, as both do when
	// the record carries no schema id header.
	{"key.schema.id.deserializer", "Determines how to deserialize the ID for the key schema.",
		[]string{"io.confluent.kafka.serializers.schema.id.DualSchemaIdDeserializer", "io.confluent.kafka.serializers.schema.id.PrefixSchemaIdDeserializer"}},
	{"value.schema.id.deserializer", "Determines how to deserialize the ID for the value schema.",
		[]string{"io.confluent.kafka.serializers.schema.id.DualSchemaIdDeserializer", "io.confluent.kafka.serializers.schema.id.PrefixSchemaIdDeserializer"}},
	{"use.schema.guid", "Schema GUID to use for serialization", []string{""}},
	{"schema.format", "Specify the format to use when registering the schema", []string{""}},
}

// Define adds the shared keys to def.
func Define(def *config.Def) *config.Def {
	for _, u := range unsupported {
		def = def.Define(config.Key{Name: u.key, Type: config.TypeString, Default: u.ok[0], Importance: config.Low,
			Doc: u.doc + " goconnect supports only " + strings.Join(u.ok, " or ") + "."})
	}
	return tlsconfig.DefineClient(defineAssociated(def), sslPrefix, "Schema Registry SSL").
		Define(config.Key{Name: KeyURL, Type: config.TypeList, Required: true, Importance: config.High,
			Doc: "Comma-separated list of URLs for Schema Registry instances that can be used to register or look up schemas."}).
		Define(config.Key{Name: KeyAutoRegister, Type: config.TypeBoolean, Default: "true", Importance: config.Medium,
			Doc: "Specify if the Serializer should attempt to register the Schema with Schema Registry."}).
		Define(config.Key{Name: KeyUseLatest, Type: config.TypeBoolean, Default: "false", Importance: config.Low,
			Doc: "Specify if the Serializer should use the latest subject version for serialization."}).
		Define(config.Key{Name: KeyNormalize, Type: config.TypeBoolean, Default: "false", Importance: config.Low,
			Doc: "Whether to normalize schemas, which generally ignores ordering when it is not significant."}).
		Define(config.Key{Name: KeyKeyStrategy, Type: config.TypeString, Default: StrategyTopic, Importance: config.Medium,
			Doc: "Determines how to construct the subject name under which the key schema is registered."}).
		Define(config.Key{Name: KeyValueStrategy, Type: config.TypeString, Default: StrategyTopic, Importance: config.Medium,
			Doc: "Determines how to construct the subject name under which the value schema is registered."}).
		Define(config.Key{Name: KeyAuthSource, Type: config.TypeString, Default: "URL", Validator: config.OneOf("URL", "USER_INFO", "SASL_INHERIT"), Importance: config.Medium,
			Doc: "Specify how to pick the credentials for the Basic Auth header."}).
		Define(config.Key{Name: KeyAuthUserInfo, Type: config.TypePassword, Importance: config.Medium,
			Doc: "Specify the user info for the Basic Auth in the form of {username}:{password}."}).
		Define(config.Key{Name: KeyBearerSource, Type: config.TypeString, Importance: config.Medium,
			Doc: "Specify how to pick the credentials for the Bearer Auth header. goconnect supports STATIC_TOKEN."}).
		Define(config.Key{Name: KeyBearerToken, Type: config.TypePassword, Importance: config.Medium,
			Doc: "The Bearer token (STATIC_TOKEN)."}).
		Define(config.Key{Name: KeyBearerCluster, Type: config.TypeString, Importance: config.Low,
			Doc: "The logical schema registry cluster, sent as the target-sr-cluster header with a Bearer token."}).
		Define(config.Key{Name: KeyBearerPool, Type: config.TypeString, Importance: config.Low,
			Doc: "The identity pool, sent as the Confluent-Identity-Pool-Id header with a Bearer token."}).
		Define(config.Key{Name: KeyCacheSize, Type: config.TypeInt, Default: "1000", Validator: config.AtLeast(1), Importance: config.Low,
			Doc: "Size of the converted schemas cache."}).
		Define(config.Key{Name: KeyLatestMeta, Type: config.TypeString, Importance: config.Low,
			Doc: "Specify if the Serializer should use the latest subject version with the given metadata property and value, for example, 'application.version=v1'"}).
		Define(config.Key{Name: KeyLatestTTL, Type: config.TypeInt, Default: "-1", Validator: config.AtLeast(-1), Importance: config.Low,
			Doc: "The TTL for caches holding latest schemas, or -1 for no TTL"}).
		Define(config.Key{Name: KeyLatestStrict, Type: config.TypeBoolean, Default: "true", Importance: config.Low,
			Doc: "If true, check that the latest schema is backward compatible with the schema of the object being serialized."}).
		Define(config.Key{Name: KeyUseSchemaID, Type: config.TypeInt, Default: "-1", Importance: config.Low,
			Doc: "Schema ID to use for serialization"}).
		Define(config.Key{Name: KeyIDStrict, Type: config.TypeBoolean, Default: "true", Importance: config.Low,
			Doc: "Whether to check for backward compatibility between the schema with the given ID and the schema of the object to be serialized"})
}

// Client is a configured registry client with the writer's settings.
type Client struct {
	*sr.Client
	IsKey     bool
	AutoReg   bool
	UseLatest bool
	Normalize bool
	Strategy  string
	// LatestMeta is use.latest.with.metadata (nil when unset): the
	// writer takes the subject's latest version carrying these pairs.
	LatestMeta []MetadataPair
	// LatestTTL is latest.cache.ttl.sec: how long a latest version
	// found by use.latest.version or use.latest.with.metadata is written
	// with before it is read again (negative: for the converter's life).
	LatestTTL time.Duration
	// LatestStrict is latest.compatibility.strict, IDStrict
	// id.compatibility.strict; UseSchemaID is use.schema.id (-1: unset).
	LatestStrict, IDStrict bool
	UseSchemaID            int
	// assoc is AssociatedNameStrategy's state (nil for other strategies).
	assoc *associated
	// readers caches ReaderVersion's answers per subject.
	readers readerCache
	// migrations caches MigrationRules' answers.
	migrations migrationCache
}

// New builds the client from parsed values (of a Def that went through
// Define) and the raw props (for the SSL keys).
func New(v *config.Values, props map[string]string, isKey bool) (*Client, error) {
	for _, u := range unsupported {
		if got := strings.TrimSpace(v.String(u.key)); !slices.Contains(u.ok, got) {
			return nil, &config.Error{Key: u.key, Value: got, Message: "not supported by goconnect"}
		}
	}
	urls := v.List(KeyURL)
	if len(urls) == 0 {
		return nil, &config.Error{Key: KeyURL, Message: "Missing Schema registry url!"}
	}
	opts := []sr.ClientOpt{sr.URLs(urls...)}
	// As Confluent's RestService: the sources the user set (not their
	// defaults) decide, and only one kind may be set.
	basicSource := strings.ToUpper(v.String(KeyAuthSource))
	if bearer := strings.TrimSpace(props[KeyBearerSource]); bearer != "" {
		if strings.TrimSpace(props[KeyAuthSource]) != "" {
			return nil, &config.Error{Key: KeyBearerSource, Value: bearer,
				Message: fmt.Sprintf("Only one of '%s' and '%s' may be specified", KeyAuthSource, KeyBearerSource)}
		}
		o, err := bearerAuth(v, bearer)
		if err != nil {
			return nil, err
		}
		opts, basicSource = append(opts, o...), ""
	}
	switch basicSource {
	case "USER_INFO":
		// The deprecated schema.registry.basic.auth.user.info first, as
		// Confluent's UserInfoCredentialProvider reads them.
		key, info := keyDeprecatedUserInfo, strings.TrimSpace(props[keyDeprecatedUserInfo])
		if info == "" {
			key, info = KeyAuthUserInfo, v.Password(KeyAuthUserInfo).Value()
		}
		if info == "" {
			return nil, &config.Error{Key: KeyAuthUserInfo, Message: "UserInfo must be provided when basic.auth.credentials.source is set to USER_INFO"}
		}
		user, pass, ok := strings.Cut(info, ":")
		if !ok {
			return nil, &config.Error{Key: key, Message: "must be {username}:{password}"}
		}
		opts = append(opts, sr.BasicAuth(user, pass))
	case "SASL_INHERIT":
		// The first login module of the converter's sasl.jaas.config, as
		// Confluent's SaslBasicAuthCredentialProvider (goconnect reads no
		// JVM-wide JAAS file).
		mods, err := jaas.ParseConfig(props[keySASLJAAS])
		if err != nil || len(mods) == 0 || mods[0].Options["username"] == "" {
			msg := "Provided SASL Login module doesn't provide username and password options and can't be inherited"
			if err != nil {
				msg += ": " + err.Error()
			}
			return nil, &config.Error{Key: keySASLJAAS, Message: msg}
		}
		opts = append(opts, sr.BasicAuth(mods[0].Options["username"], mods[0].Options["password"]))
	case "URL":
		// user:pass@host in the URL, as Confluent's client reads it.
		for i, u := range urls {
			scheme, rest, ok := strings.Cut(u, "://")
			at := strings.LastIndex(rest, "@")
			if !ok || at < 0 {
				continue
			}
			user, pass, _ := strings.Cut(rest[:at], ":")
			urls[i] = scheme + "://" + rest[at+1:]
			opts = []sr.ClientOpt{sr.URLs(urls...), sr.BasicAuth(user, pass)}
		}
	}
	tc, err := registryTLS(props, urls)
	if err != nil {
		return nil, err
	}
	if tc != nil {
		opts = append(opts, sr.DialTLSConfig(tc))
	}
	cl, err := sr.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("schema registry client: %w", err)
	}
	key := KeyValueStrategy
	if isKey {
		key = KeyKeyStrategy
	}
	strategy := v.String(key)
	var assoc *associated
	switch strategy {
	case StrategyTopic, StrategyRecord, StrategyTopicName:
	case StrategyAssociated:
		if assoc, err = newAssociated(v); err != nil {
			return nil, err
		}
	default:
		return nil, &config.Error{Key: key, Value: strategy, Message: "unknown subject name strategy"}
	}
	c := &Client{Client: cl, IsKey: isKey, AutoReg: v.Bool(KeyAutoRegister), UseLatest: v.Bool(KeyUseLatest),
		Normalize: v.Bool(KeyNormalize), Strategy: strategy, LatestTTL: time.Duration(v.Int(KeyLatestTTL)) * time.Second,
		LatestStrict: v.Bool(KeyLatestStrict), IDStrict: v.Bool(KeyIDStrict), UseSchemaID: int(v.Int(KeyUseSchemaID)), assoc: assoc}
	// Unset (Confluent's null) and empty both mean no metadata: Confluent
	// skips an empty map too.
	if spec := v.String(KeyLatestMeta); spec != "" {
		if c.LatestMeta, err = parseMetadataSpec(spec); err != nil {
			return nil, &config.Error{Key: KeyLatestMeta, Value: spec, Message: err.Error()}
		}
	}
	return c, nil
}

// bearerAuth is the STATIC_TOKEN bearer provider: the token on every
// request, with the logical cluster and identity pool headers when set.
func bearerAuth(v *config.Values, source string) ([]sr.ClientOpt, error) {
	if !strings.EqualFold(source, "STATIC_TOKEN") {
		return nil, &config.Error{Key: KeyBearerSource, Value: source, Message: "not supported by goconnect (only STATIC_TOKEN)"}
	}
	token := v.Password(KeyBearerToken).Value()
	if token == "" {
		return nil, &config.Error{Key: KeyBearerToken,
			Message: fmt.Sprintf("Token must be provided via %s config when %s is set to STATIC_TOKEN", KeyBearerToken, KeyBearerSource)}
	}
	opts := []sr.ClientOpt{sr.BearerToken(token)}
	cluster, pool := strings.TrimSpace(v.String(KeyBearerCluster)), strings.TrimSpace(v.String(KeyBearerPool))
	if cluster != "" || pool != "" {
		opts = append(opts, sr.PreReq(func(req *http.Request) error {
			if cluster != "" {
				req.Header.Set("target-sr-cluster", cluster)
			}
			if pool != "" {
				req.Header.Set("Confluent-Identity-Pool-Id", pool)
			}
			return nil
		}))
	}
	return opts, nil
}

// Subject names the subject of a topic's key or value under the
// strategy; record is the schema's record name (needed by the record
// strategies, which refuse a schema without one).
func (c *Client) Subject(topic, record string) (string, error) {
	if c.Strategy == StrategyAssociated && c.assoc != nil {
		return c.associatedSubject(topic, record)
	}
	return strategySubject(c.Strategy, c.IsKey, topic, record)
}

// strategySubject is the subject under one of Confluent's naming
// strategies (Topic, Record, TopicRecord).
func strategySubject(strategy string, isKey bool, topic, record string) (string, error) {
	switch strategy {
	case StrategyRecord, StrategyTopicName:
		if record == "" {
			return "", fmt.Errorf("%s needs a named schema (a title), the schema has none", strategy)
		}
		if strategy == StrategyRecord {
			return record, nil
		}
		return topic + "-" + record, nil
	}
	if isKey {
		return topic + "-key", nil
	}
	return topic + "-value", nil
}

// Readable answers why a registered schema cannot read what the writer
// writes with its own schema (Confluent's isBackwardCompatible, the
// registered schema as the reader): nil when it can.
type Readable func(ctx context.Context, registered sr.Schema) error

// WriterID answers the id a writer puts before its bytes, in the order
// Confluent's serializers try: a registration (auto.register.schemas), the
// given id (use.schema.id, checked by readable unless
// id.compatibility.strict=false), the latest version with metadata
// (use.latest.with.metadata, unchecked), the latest version
// (use.latest.version, checked unless latest.compatibility.strict=false),
// else a lookup.
func (c *Client) WriterID(ctx context.Context, subject string, s sr.Schema, readable Readable) (int, error) {
	id, _, err := c.WriterSchema(ctx, subject, s, readable)
	return id, err
}

// WriterSchema is WriterID with the registered schema Confluent's
// serializer then holds, whose rule set it executes: the version
// registered (as the registration answers it), the schema of the id, the
// latest version; nil after a plain lookup, where the serializer keeps
// the converted schema, which has no rules.
func (c *Client) WriterSchema(ctx context.Context, subject string, s sr.Schema, readable Readable) (int, *sr.Schema, error) {
	if c.Normalize {
		ctx = sr.WithParams(ctx, sr.Normalize)
	}
	switch {
	case c.AutoReg:
		id, err := c.RegisterSchema(ctx, subject, s, -1, -1)
		if err != nil {
			return 0, nil, Explain(err)
		}
		got, err := c.RegisteredSchema(ctx, subject, s, id)
		if err != nil {
			return 0, nil, err
		}
		return id, &got, nil
	case c.UseSchemaID >= 0:
		got, err := c.SchemaByID(sr.WithParams(ctx, sr.Subject(subject)), c.UseSchemaID)
		if err != nil {
			return 0, nil, fmt.Errorf("error retrieving schema ID %d: %w", c.UseSchemaID, Explain(err))
		}
		if got.Type != s.Type {
			return 0, nil, fmt.Errorf("schema id %d is %s, not %s", c.UseSchemaID, got.Type, typeLabel(s.Type))
		}
		if c.IDStrict && readable != nil {
			if err := readable(ctx, got); err != nil {
				return 0, nil, fmt.Errorf("Incompatible schema of type '%s' (id %d). Set id.compatibility.strict=false to disable this check: %w", got.Type, c.UseSchemaID, err)
			}
		}
		return c.UseSchemaID, &got, nil
	case c.LatestMeta != nil:
		ss, err := c.LatestWithMetadata(ctx, subject, s.Type)
		if err != nil {
			return 0, nil, err
		}
		return ss.ID, &ss.Schema, nil
	case c.UseLatest:
		ss, err := c.SchemaByVersion(ctx, subject, -1)
		if err != nil {
			return 0, nil, Explain(err)
		}
		if ss.Type != s.Type {
			return 0, nil, fmt.Errorf("the latest version of subject %s (id %d) is %s, not %s", subject, ss.ID, ss.Type, typeLabel(s.Type))
		}
		if c.LatestStrict && readable != nil {
			if err := readable(ctx, ss.Schema); err != nil {
				return 0, nil, fmt.Errorf("Incompatible schema of type '%s': the latest version (%d, id %d) cannot read the converted schema's data. "+
					"Set latest.compatibility.strict=false to disable this check: %w", ss.Type, ss.Version, ss.ID, err)
			}
		}
		return ss.ID, &ss.Schema, nil
	}
	ss, err := c.LookupSchema(ctx, subject, s)
	return ss.ID, nil, Explain(err)
}

// RegisteredSchema is the registered form of s just registered under
// subject as id, with the rule set and metadata the version carries
// (inherited or from the config), which Confluent's serializer reads from
// the registration's answer: the version a lookup finds, else the schema
// of the id.
func (c *Client) RegisteredSchema(ctx context.Context, subject string, s sr.Schema, id int) (sr.Schema, error) {
	if ss, err := c.LookupSchema(ctx, subject, s); err == nil && ss.ID == id {
		return ss.Schema, nil
	}
	got, err := c.SchemaByID(sr.WithParams(ctx, sr.Subject(subject)), id)
	if err != nil {
		return got, fmt.Errorf("reading schema id %d just registered: %w", id, Explain(err))
	}
	return got, nil
}

// Explain keeps the registry's own message and code, and says which
// settings a TLS failure is about.
func Explain(err error) error {
	if err == nil {
		return nil
	}
	var re *sr.ResponseError
	if errors.As(err, &re) {
		return fmt.Errorf("%s (HTTP %d, error code %d)", re.Message, re.StatusCode, re.ErrorCode)
	}
	if tlsconfig.ServerCertRejected(err) {
		return fmt.Errorf("the registry's TLS certificate was rejected, checked against schema.registry.ssl.truststore.* "+
			"(the system roots without one); host names are checked unless schema.registry.ssl.endpoint.identification.algorithm is empty: %w", err)
	}
	if tlsconfig.ClientCertRejected(err) {
		return fmt.Errorf("the registry refused the TLS client certificate (schema.registry.ssl.keystore.*): %w", err)
	}
	return err
}

// registryTLS is the registry client's TLS configuration from
// schema.registry.ssl.*: nil without such settings. Settings that ask for
// TLS next to an http:// URL are refused rather than ignored, and so are
// the SSL settings goconnect cannot honour.
func registryTLS(props map[string]string, urls []string) (*tls.Config, error) {
	ssl := map[string]string{}
	for k, v := range tlsconfig.Unprefixed(props, sslPrefix) {
		if strings.HasPrefix(k, "ssl.") {
			ssl[k] = v
		}
	}
	if len(ssl) == 0 {
		return nil, nil
	}
	if bad := tlsconfig.Unsupported(ssl); len(bad) > 0 {
		return nil, &config.Error{Key: sslPrefix + bad[0], Value: ssl[bad[0]], Message: "not supported by goconnect"}
	}
	for _, u := range urls {
		if u = strings.TrimSpace(u); !strings.HasPrefix(strings.ToLower(u), "https://") {
			return nil, &config.Error{Key: KeyURL, Value: u, Message: fmt.Sprintf(
				"schema.registry.ssl.* settings are set but %s is not an https:// URL; goconnect does not send to it in plain text", u)}
		}
	}
	cfg, err := tlsconfig.Client(ssl)
	if err != nil {
		return nil, tlsconfig.ConfigError(err, tlsconfig.Prefix(sslPrefix), KeyURL)
	}
	return cfg, nil
}
