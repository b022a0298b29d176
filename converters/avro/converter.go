// Package avro is Confluent's AvroConverter
// (io.confluent.connect.avro.AvroConverter): Connect data as Avro in
// Confluent's wire format (magic byte 0, 4-byte schema id, Avro binary),
// with schemas kept in a Schema Registry and mapped as Confluent's
// AvroData maps them.
package avro

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/avroschema"
	"github.com/goconnect/goconnect/internal/tlsconfig"
)

// Class is the Java class name users configure.
const Class = "io.confluent.connect.avro.AvroConverter"

// Desc registers the converter.
func Desc() connect.PluginDesc {
	return connect.PluginDesc{Class: Class, Type: connect.TypeConverter, Version: "7.9.0-goconnect", New: func() any { return New() }}
}

const (
	keyURL             = "schema.registry.url"
	keyAutoRegister    = "auto.register.schemas"
	keyUseLatest       = "use.latest.version"
	keyKeyStrategy     = "key.subject.name.strategy"
	keyValueStrategy   = "value.subject.name.strategy"
	keyAuthSource      = "basic.auth.credentials.source"
	keyAuthUserInfo    = "basic.auth.user.info"
	keyConnectMetaData = "connect.meta.data"
	keyCacheSize       = "schemas.cache.config"

	strategyTopic       = "io.confluent.kafka.serializers.subject.TopicNameStrategy"
	strategyRecord      = "io.confluent.kafka.serializers.subject.RecordNameStrategy"
	strategyTopicRecord = "io.confluent.kafka.serializers.subject.TopicRecordNameStrategy"

	requestTimeout = 30 * time.Second

	// sslPrefix carries Kafka's client SSL settings for the registry
	// client (Confluent's SchemaRegistryClientConfig.CLIENT_NAMESPACE).
	sslPrefix = "schema.registry."
)

// Converter is an AvroConverter. Its caches are shared safely between
// goroutines.
type Converter struct {
	client    *sr.Client
	isKey     bool
	autoReg   bool
	useLatest bool
	// latestStrict is latest.compatibility.strict, normalize
	// normalize.schemas.
	latestStrict, normalize bool
	// useSchemaID is use.schema.id (-1: not set), idStrict
	// id.compatibility.strict.
	useSchemaID int
	idStrict    bool
	strategy    string
	fc          fromConnect
	tc          *toConnector // under mu: it numbers generalized unions
	enc         encoder
	cacheSize   int
	mu          sync.Mutex
	bySchema    map[*data.Schema]*writeSchema
	ids         map[string]registered // subject + "\x00" + schema text
	byID        map[int]*readSchema
}

// writeSchema is a Connect schema with its Avro form.
type writeSchema struct {
	avro *avroschema.Schema
	text string
	// byTopic caches, per topic, the registered schema to write with
	// (under the converter's mu): the subject depends only on the topic,
	// so the hot path builds no subject string.
	byTopic map[string]registered
}

// registered is the schema records are written with: its id and its Avro
// form (the converted schema, or the subject's latest with
// use.latest.version).
type registered struct {
	id   int
	avro *avroschema.Schema
}

// readSchema is a registered schema read back.
type readSchema struct {
	avro    *avroschema.Schema
	connect *data.Schema
}

// New returns an unconfigured converter.
func New() *Converter { return &Converter{} }

// ConfigDef declares the converter's keys.
func (*Converter) ConfigDef() *config.Def {
	d := tlsconfig.DefineClient(config.NewDef(), sslPrefix, "Schema Registry SSL").
		Define(config.Key{Name: keyURL, Type: config.TypeList, Required: true, Importance: config.High,
			Doc: "Comma-separated list of URLs for Schema Registry instances that can be used to register or look up schemas."}).
		Define(config.Key{Name: keyAutoRegister, Type: config.TypeBoolean, Default: "true", Importance: config.Medium,
			Doc: "Specify if the Serializer should attempt to register the Schema with Schema Registry."}).
		Define(config.Key{Name: keyUseLatest, Type: config.TypeBoolean, Default: "false", Importance: config.Low,
			Doc: "Specify if the Serializer should use the latest subject version for serialization."}).
		Define(config.Key{Name: keyKeyStrategy, Type: config.TypeString, Default: strategyTopic, Importance: config.Medium,
			Doc: "Determines how to construct the subject name under which the key schema is registered."}).
		Define(config.Key{Name: keyValueStrategy, Type: config.TypeString, Default: strategyTopic, Importance: config.Medium,
			Doc: "Determines how to construct the subject name under which the value schema is registered."}).
		Define(config.Key{Name: keyAuthSource, Type: config.TypeString, Default: "URL", Validator: config.OneOf("URL", "USER_INFO", "SASL_INHERIT"), Importance: config.Medium,
			Doc: "Specify how to pick the credentials for the Basic Auth header."}).
		Define(config.Key{Name: keyAuthUserInfo, Type: config.TypePassword, Importance: config.Medium,
			Doc: "Specify the user info for the Basic Auth in the form of {username}:{password}."}).
		Define(config.Key{Name: keyConnectMetaData, Type: config.TypeBoolean, Default: "true", Importance: config.Low,
			Doc: "Toggle for enabling/disabling connect converter to add its meta data to the output schema or not."}).
		Define(config.Key{Name: keyCacheSize, Type: config.TypeInt, Default: "1000", Validator: config.AtLeast(1), Importance: config.Low,
			Doc: "Size of the converted schemas cache."})
	return defineDataKeys(d)
}

// Configure implements connect.Converter.
func (c *Converter) Configure(props map[string]string, isKey bool) error {
	v, err := c.ConfigDef().Parse(props)
	if err != nil {
		return fmt.Errorf("AvroConverter: %w", err)
	}
	urls := v.List(keyURL)
	if len(urls) == 0 {
		return &config.Error{Key: keyURL, Message: "Missing Schema registry url!"}
	}
	opts := []sr.ClientOpt{sr.URLs(urls...)}
	switch strings.ToUpper(v.String(keyAuthSource)) {
	case "USER_INFO":
		user, pass, ok := strings.Cut(v.Password(keyAuthUserInfo).Value(), ":")
		if !ok {
			return &config.Error{Key: keyAuthUserInfo, Message: "must be {username}:{password}"}
		}
		opts = append(opts, sr.BasicAuth(user, pass))
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
		return err
	}
	if tc != nil {
		opts = append(opts, sr.DialTLSConfig(tc))
	}
	client, err := sr.NewClient(opts...)
	if err != nil {
		return fmt.Errorf("AvroConverter: schema registry client: %w", err)
	}
	strategy := v.String(keyValueStrategy)
	if isKey {
		strategy = v.String(keyKeyStrategy)
	}
	switch strategy {
	case strategyTopic, strategyRecord, strategyTopicRecord:
	default:
		k := keyValueStrategy
		if isKey {
			k = keyKeyStrategy
		}
		return &config.Error{Key: k, Value: strategy, Message: "unknown subject name strategy"}
	}
	c.client, c.isKey, c.strategy = client, isKey, strategy
	c.autoReg, c.useLatest = v.Bool(keyAutoRegister), v.Bool(keyUseLatest)
	c.latestStrict, c.normalize = v.Bool(keyLatestStrict), v.Bool(keyNormalize)
	c.useSchemaID, c.idStrict = int(v.Int(keyUseSchemaID)), v.Bool(keyIDStrict)
	dc, err := readDataConfig(v)
	if err != nil {
		return err
	}
	c.fc, c.tc, c.enc = fromConnect{cfg: dc}, newToConnector(dc), encoder{ignoreNullDef: dc.ignoreNullDef}
	c.cacheSize = int(v.Int(keyCacheSize))
	c.bySchema = map[*data.Schema]*writeSchema{}
	c.ids = map[string]registered{}
	c.byID = map[int]*readSchema{}
	return nil
}

func (c *Converter) subject(topic string, ws *writeSchema) string {
	suffix := "-value"
	if c.isKey {
		suffix = "-key"
	}
	switch c.strategy {
	case strategyRecord, strategyTopicRecord:
		name := ws.avro.FullName()
		if ws.avro.Kind == avroschema.Union {
			for _, b := range ws.avro.Branches {
				if b.Kind != avroschema.Null {
					name = b.FullName()
				}
			}
		}
		if name == "" && ws.avro.Kind.Primitive() {
			name = ws.avro.Kind.String()
		}
		if c.strategy == strategyRecord {
			return name
		}
		return topic + "-" + name
	}
	return topic + suffix
}

func (c *Converter) writeSchemaFor(s *data.Schema) (*writeSchema, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ws, ok := c.bySchema[s]; ok {
		return ws, nil
	}
	fc := c.fc
	t, err := fc.schema(s)
	if err != nil {
		return nil, err
	}
	ws := &writeSchema{avro: t, text: schemaText(t), byTopic: map[string]registered{}}
	if len(c.bySchema) >= c.cacheSize {
		clear(c.bySchema)
	}
	c.bySchema[s] = ws
	return ws, nil
}

// schemaFor finds the schema to write with under the subject, once per
// converted schema, as Confluent's serializer: auto.register.schemas
// registers it, else use.schema.id takes that schema (checked by
// id.compatibility.strict), else use.latest.version takes the subject's latest
// version (checked to read the converted schema's data unless
// latest.compatibility.strict=false), else the schema is looked up.
// normalize.schemas asks the registry to normalise first.
func (c *Converter) schemaFor(subject string, ws *writeSchema) (registered, error) {
	key := subject + "\x00" + ws.text
	c.mu.Lock()
	reg, ok := c.ids[key]
	c.mu.Unlock()
	if ok {
		return reg, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	if c.normalize {
		ctx = sr.WithParams(ctx, sr.Normalize)
	}
	schema := sr.Schema{Schema: ws.text, Type: sr.TypeAvro}
	reg.avro = ws.avro
	var err error
	switch {
	case c.autoReg:
		reg.id, err = c.client.RegisterSchema(ctx, subject, schema, -1, -1)
	case c.useSchemaID >= 0:
		reg, err = c.schemaByUseID(sr.WithParams(ctx, sr.Subject(subject)), ws)
	case c.useLatest:
		reg, err = c.latest(ctx, subject, ws)
	default:
		var ss sr.SubjectSchema
		ss, err = c.client.LookupSchema(ctx, subject, schema)
		reg.id = ss.ID
	}
	if err != nil {
		return reg, fmt.Errorf("schema registry, subject %s: %w", subject, registryError(err))
	}
	c.mu.Lock()
	c.ids[key] = reg
	c.mu.Unlock()
	return reg, nil
}

// latest reads the subject's latest version with its references.
func (c *Converter) latest(ctx context.Context, subject string, ws *writeSchema) (registered, error) {
	ss, err := c.client.SchemaByVersion(ctx, subject, -1)
	if err != nil {
		return registered{}, err
	}
	if ss.Type != sr.TypeAvro {
		return registered{}, fmt.Errorf("the latest version of subject %s is %s, not Avro", subject, ss.Type)
	}
	t, err := c.parseRegistered(ctx, ss.Schema)
	if err != nil {
		return registered{}, fmt.Errorf("latest version %d: %w", ss.Version, err)
	}
	if c.latestStrict {
		if inc := avroschema.CheckCompatibility(t, ws.avro); len(inc) > 0 {
			return registered{}, fmt.Errorf("Incompatible schema of type 'AVRO'. Set latest.compatibility.strict=false to disable this check. "+
				"The latest version (%d) cannot read the converted schema's data: %s at %s (%s)", ss.Version, inc[0].Type, inc[0].Pointer(), inc[0].Message)
		}
	}
	return registered{id: ss.ID, avro: t}, nil
}

// schemaByUseID reads the schema of use.schema.id, checked by
// id.compatibility.strict to read the converted schema's data.
func (c *Converter) schemaByUseID(ctx context.Context, ws *writeSchema) (registered, error) {
	s, err := c.client.SchemaByID(ctx, c.useSchemaID)
	if err != nil {
		return registered{}, err
	}
	if s.Type != sr.TypeAvro {
		return registered{}, fmt.Errorf("schema id %d is %s, not Avro", c.useSchemaID, s.Type)
	}
	t, err := c.parseRegistered(ctx, s)
	if err != nil {
		return registered{}, fmt.Errorf("schema id %d: %w", c.useSchemaID, err)
	}
	if c.idStrict {
		if inc := avroschema.CheckCompatibility(t, ws.avro); len(inc) > 0 {
			return registered{}, fmt.Errorf("Incompatible schema %s of type AVRO for schema %s. Set id.compatibility.strict=false to disable this check (%s at %s)",
				s.Schema, ws.text, inc[0].Type, inc[0].Pointer())
		}
	}
	return registered{id: c.useSchemaID, avro: t}, nil
}

// parseRegistered parses a registered schema with the schemas its
// references name, fetched by subject and version, dependencies first.
func (c *Converter) parseRegistered(ctx context.Context, s sr.Schema) (*avroschema.Schema, error) {
	var texts []string
	seen := map[string]bool{}
	var walk func(refs []sr.SchemaReference, depth int) error
	walk = func(refs []sr.SchemaReference, depth int) error {
		if depth > 32 {
			return fmt.Errorf("references nested deeper than 32")
		}
		for _, r := range refs {
			key := r.Subject + "\x00" + strconv.Itoa(r.Version)
			if seen[key] {
				continue
			}
			seen[key] = true
			ss, err := c.client.SchemaByVersion(ctx, r.Subject, r.Version)
			if err != nil {
				return fmt.Errorf("reference %s (subject %s, version %d): %w", r.Name, r.Subject, r.Version, registryError(err))
			}
			if err := walk(ss.References, depth+1); err != nil {
				return err
			}
			texts = append(texts, ss.Schema.Schema)
		}
		return nil
	}
	if err := walk(s.References, 0); err != nil {
		return nil, err
	}
	return avroschema.ParseWithReferences(s.Schema, texts)
}

// registryError keeps the registry's own message and code.
func registryError(err error) error {
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

// FromConnectData implements connect.Converter.
func (c *Converter) FromConnectData(topic string, _ connect.Headers, s *data.Schema, v any) ([]byte, error) {
	if v == nil && (s == nil || s.Default == nil) {
		return nil, nil
	}
	if s == nil {
		return nil, fmt.Errorf("AvroConverter needs a schema; topic %s has a schemaless value", topic)
	}
	ws, err := c.writeSchemaFor(s)
	if err != nil {
		return nil, fmt.Errorf("converting Connect schema to Avro for topic %s: %w", topic, err)
	}
	c.mu.Lock()
	reg, ok := ws.byTopic[topic]
	c.mu.Unlock()
	if !ok {
		if reg, err = c.schemaFor(c.subject(topic, ws), ws); err != nil {
			return nil, err
		}
		c.mu.Lock()
		ws.byTopic[topic] = reg
		c.mu.Unlock()
	}
	b := make([]byte, 5, 64)
	binary.BigEndian.PutUint32(b[1:], uint32(reg.id))
	if b, err = c.enc.encode(b, reg.avro, s, v); err != nil {
		return nil, fmt.Errorf("converting value to Avro for topic %s: %w", topic, err)
	}
	return b, nil
}

// ToConnectData implements connect.Converter.
func (c *Converter) ToConnectData(topic string, _ connect.Headers, b []byte) (*data.Schema, any, error) {
	if b == nil {
		return nil, nil, nil
	}
	if len(b) < 5 || b[0] != 0 {
		return nil, nil, fmt.Errorf("converting byte[] to Kafka Connect data failed due to serialization error of topic %s: Unknown magic byte!", topic)
	}
	id := int(binary.BigEndian.Uint32(b[1:5]))
	rs, err := c.readSchemaByID(topic, id)
	if err != nil {
		return nil, nil, fmt.Errorf("topic %s: %w", topic, err)
	}
	r := &reader{b: b[5:]}
	v, err := decode(r, rs.avro, rs.connect)
	if err != nil {
		return nil, nil, fmt.Errorf("decoding Avro data with schema id %d of topic %s: %w", id, topic, err)
	}
	return rs.connect, v, nil
}

func (c *Converter) readSchemaByID(topic string, id int) (*readSchema, error) {
	c.mu.Lock()
	rs, ok := c.byID[id]
	c.mu.Unlock()
	if ok {
		return rs, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	s, err := c.client.SchemaByID(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("error retrieving Avro schema for id %d: %w", id, registryError(err))
	}
	if s.Type != sr.TypeAvro {
		return nil, fmt.Errorf("schema id %d is %s, not Avro", id, s.Type)
	}
	t, err := c.parseRegistered(ctx, s)
	if err != nil {
		return nil, fmt.Errorf("schema id %d: %w", id, err)
	}
	c.mu.Lock()
	cs, err := c.tc.schema(t, false, nil)
	c.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("schema id %d: %w", id, err)
	}
	if cs.Version == nil && t.Kind == avroschema.Record {
		// Like AvroData, take the version from the registry when the
		// schema carries no connect.version.
		subject := c.subject(topic, &writeSchema{avro: t})
		if ss, err := c.client.LookupSchema(ctx, subject, s); err == nil && ss.Version > 0 {
			v := int32(ss.Version)
			withVersion := *cs
			withVersion.Version = &v
			cs = &withVersion
		}
	}
	rs = &readSchema{avro: t, connect: cs}
	c.mu.Lock()
	c.byID[id] = rs
	c.mu.Unlock()
	return rs, nil
}
