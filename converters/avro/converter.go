// Package avro is Confluent's AvroConverter
// (io.confluent.connect.avro.AvroConverter): Connect data as Avro in
// Confluent's wire format (magic byte 0, 4-byte schema id, Avro binary),
// with schemas kept in a Schema Registry and mapped as Confluent's
// AvroData maps them.
package avro

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/avroschema"
	"github.com/goconnect/goconnect/internal/srclient"
	"github.com/goconnect/goconnect/internal/srrules"
)

// Class is the Java class name users configure.
const Class = "io.confluent.connect.avro.AvroConverter"

// Desc registers the converter.
func Desc() connect.PluginDesc {
	return connect.PluginDesc{Class: Class, Type: connect.TypeConverter, Version: "7.9.0-goconnect", New: func() any { return New() }}
}

const (
	keyConnectMetaData = "connect.meta.data"

	requestTimeout = 30 * time.Second
)

// Converter is an AvroConverter. Its caches are shared safely between
// goroutines.
type Converter struct {
	client    *srclient.Client
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
	// latestTTL is latest.cache.ttl.sec: how long a latest version found
	// by use.latest.version or use.latest.with.metadata is written with before it is read again
	// (negative: for the converter's life); now is the clock it is
	// measured with.
	latestTTL time.Duration
	now       func() time.Time
	strategy  string
	fc        fromConnect
	tc        *toConnector // under mu: it numbers generalized unions
	enc       encoder
	cacheSize int
	mu        sync.Mutex
	bySchema  map[*data.Schema]*writeSchema
	ids       map[string]registered // subject + "\x00" + schema text
	byID      *srclient.ReadCache[int, *readSchema]
	// readLatest (per topic and writer id, as Confluent keys its cache
	// by subject and writer schema) and readInto (per writer id and reader
	// id) cache, under mu, the reader schemas of use.latest.version and
	// use.latest.with.metadata on read.
	readLatest map[topicID]latestRead
	readInto   map[[2]int]*readSchema
	// rules executes the domain rules of the schemas written and read with.
	rules *srrules.Engine
	// jsonCodecs write and read Avro JSON for migration rules.
	jsonCodecs jsonCodecs
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
	// version is the subject version of a latest version (0 otherwise).
	version int
	// expires is when a latest version is read again (latest.cache.ttl.sec);
	// zero for never.
	expires time.Time
	// rules is the registered version's rule set, run before encoding.
	rules *srrules.Set
}

// stale is whether reg must be looked up again.
func (c *Converter) stale(reg registered) bool {
	return !reg.expires.IsZero() && !c.now().Before(reg.expires)
}

// topicID keys what depends on a record's topic and writer schema id.
type topicID struct {
	topic string
	id    int
}

// latestRead is a reader version with the subject it was found under.
type latestRead struct {
	reg     registered
	subject string
}

// readSchema is a registered schema read back.
type readSchema struct {
	avro    *avroschema.Schema
	connect *data.Schema
	// version is its version under the record's subject, 0 when unknown
	// or not a record.
	version int32
	// res resolves the writer's data into this schema (a reader schema
	// of use.latest.version or use.latest.with.metadata).
	res *resolver
	// rules is its rule set, run after decoding.
	rules *srrules.Set
}

// New returns an unconfigured converter.
func New() *Converter { return &Converter{} }

// ConfigDef declares the converter's keys.
func (*Converter) ConfigDef() *config.Def {
	d := srclient.Define(config.NewDef()).
		Define(config.Key{Name: keyConnectMetaData, Type: config.TypeBoolean, Default: "true", Importance: config.Low,
			Doc: "Toggle for enabling/disabling connect converter to add its meta data to the output schema or not."})
	return defineDataKeys(d)
}

// Configure implements connect.Converter.
func (c *Converter) Configure(props map[string]string, isKey bool) error {
	v, err := c.ConfigDef().Parse(props)
	if err != nil {
		return fmt.Errorf("AvroConverter: %w", err)
	}
	cl, err := srclient.New(v, props, isKey)
	if err != nil {
		return fmt.Errorf("AvroConverter: %w", err)
	}
	c.client, c.isKey, c.strategy = cl, isKey, cl.Strategy
	c.autoReg, c.useLatest = cl.AutoReg, cl.UseLatest
	c.latestStrict, c.normalize = cl.LatestStrict, cl.Normalize
	c.useSchemaID, c.idStrict = cl.UseSchemaID, cl.IDStrict
	c.latestTTL, c.now = cl.LatestTTL, time.Now
	dc, err := readDataConfig(v)
	if err != nil {
		return err
	}
	c.fc, c.tc, c.enc = fromConnect{cfg: dc}, newToConnector(dc), encoder{ignoreNullDef: dc.ignoreNullDef}
	c.cacheSize = int(v.Int(srclient.KeyCacheSize))
	c.bySchema = map[*data.Schema]*writeSchema{}
	c.ids = map[string]registered{}
	c.byID = new(srclient.ReadCache[int, *readSchema])
	c.readLatest, c.readInto = map[topicID]latestRead{}, map[[2]int]*readSchema{}
	if c.rules, err = srrules.NewEngine(props); err != nil {
		return fmt.Errorf("AvroConverter: %w", err)
	}
	c.rules.SetDEKRegistry(cl)
	return nil
}

// subject is subjectOf without its error (the rules' subject).
func (c *Converter) subject(topic string, ws *writeSchema) string {
	s, _ := c.subjectOf(topic, ws)
	return s
}

// subjectOf names the subject under the strategy; AssociatedNameStrategy
// asks the registry (once per topic), which can fail.
func (c *Converter) subjectOf(topic string, ws *writeSchema) (string, error) {
	suffix := "-value"
	if c.isKey {
		suffix = "-key"
	}
	switch c.strategy {
	case srclient.StrategyRecord, srclient.StrategyTopicName, srclient.StrategyAssociated:
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
		switch c.strategy {
		case srclient.StrategyAssociated:
			return c.client.Subject(topic, name)
		case srclient.StrategyRecord:
			return name, nil
		}
		return topic + "-" + name, nil
	}
	return topic + suffix, nil
}

func (c *Converter) writeSchemaFor(s *data.Schema) (*writeSchema, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ws, ok := c.bySchema[s]; ok {
		return ws, nil
	}
	var t *avroschema.Schema
	var err error
	if s == nil {
		// A schemaless value: AvroData's ANYTHING_SCHEMA.
		t, err = anythingSchema()
	} else {
		fc := c.fc
		t, err = fc.schema(s)
	}
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
// id.compatibility.strict), else use.latest.with.metadata takes the
// subject's latest version with that metadata (unchecked), else
// use.latest.version takes the subject's latest version (checked to read the converted schema's data unless
// latest.compatibility.strict=false), else the schema is looked up.
// normalize.schemas asks the registry to normalise first.
func (c *Converter) schemaFor(subject string, ws *writeSchema) (registered, error) {
	key := subject + "\x00" + ws.text
	c.mu.Lock()
	reg, ok := c.ids[key]
	c.mu.Unlock()
	if ok && !c.stale(reg) {
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
		if err == nil {
			// Confluent's serializer runs the rules of the version the
			// registration lands on (inherited or configured rule sets).
			var got sr.Schema
			if got, err = c.client.RegisteredSchema(ctx, subject, schema, reg.id); err == nil {
				reg.rules = c.rules.Compile(got, avroTags(ws.avro))
			}
		}
	case c.useSchemaID >= 0:
		reg, err = c.schemaByUseID(sr.WithParams(ctx, sr.Subject(subject)), ws)
	case c.client.LatestMeta != nil:
		reg, err = c.latestWithMetadata(ctx, subject)
		if c.latestTTL >= 0 {
			reg.expires = c.now().Add(c.latestTTL)
		}
	case c.useLatest:
		reg, err = c.latest(ctx, subject, ws)
		if c.latestTTL >= 0 {
			reg.expires = c.now().Add(c.latestTTL)
		}
	default:
		var ss sr.SubjectSchema
		ss, err = c.client.LookupSchema(ctx, subject, schema)
		reg.id = ss.ID
	}
	if err != nil {
		return reg, fmt.Errorf("schema registry, subject %s: %w", subject, srclient.Explain(err))
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
	if c.latestStrict && ws != nil {
		if inc := avroschema.CheckCompatibility(t, ws.avro); len(inc) > 0 {
			return registered{}, fmt.Errorf("Incompatible schema of type 'AVRO'. Set latest.compatibility.strict=false to disable this check. "+
				"The latest version (%d) cannot read the converted schema's data: %s at %s (%s)", ss.Version, inc[0].Type, inc[0].Pointer(), inc[0].Message)
		}
	}
	return registered{id: ss.ID, avro: t, version: ss.Version, rules: c.rules.Compile(ss.Schema, avroTags(t))}, nil
}

// latestWithMetadata reads the subject's latest version carrying
// use.latest.with.metadata; Confluent checks no compatibility here.
func (c *Converter) latestWithMetadata(ctx context.Context, subject string) (registered, error) {
	ss, err := c.client.LatestWithMetadata(ctx, subject, sr.TypeAvro)
	if err != nil {
		return registered{}, err
	}
	t, err := c.parseRegistered(ctx, ss.Schema)
	if err != nil {
		return registered{}, fmt.Errorf("version %d with metadata: %w", ss.Version, err)
	}
	return registered{id: ss.ID, avro: t, version: ss.Version, rules: c.rules.Compile(ss.Schema, avroTags(t))}, nil
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
	return registered{id: c.useSchemaID, avro: t, rules: c.rules.Compile(s, avroTags(t))}, nil
}

// parseRegistered parses a registered schema with the schemas its
// references name, fetched by subject and version, dependencies first.
func (c *Converter) parseRegistered(ctx context.Context, s sr.Schema) (*avroschema.Schema, error) {
	refs, err := c.client.References(ctx, s.References)
	if err != nil {
		return nil, err
	}
	return parseWithReferences(s, refs)
}

// parseWithReferences parses a schema with its references' texts, each
// text once (two names may reference one subject version).
func parseWithReferences(s sr.Schema, refs []srclient.Reference) (*avroschema.Schema, error) {
	var texts []string
	seen := map[string]bool{}
	for _, r := range refs {
		if t := r.Schema.Schema.Schema; !seen[t] {
			seen[t] = true
			texts = append(texts, t)
		}
	}
	return avroschema.ParseWithReferences(s.Schema, texts)
}

// FromConnectData implements connect.Converter.
func (c *Converter) FromConnectData(topic string, headers connect.Headers, s *data.Schema, v any) ([]byte, error) {
	b, null, err := c.AppendConnectData(make([]byte, 0, 64), topic, headers, s, v)
	if err != nil || null {
		return nil, err
	}
	return b, nil
}

// AppendConnectData implements connect.AppendConverter: the worker
// converts a record's key and value into one block of its own instead of
// a slice per message.
func (c *Converter) AppendConnectData(dst []byte, topic string, headers connect.Headers, s *data.Schema, v any) ([]byte, bool, error) {
	if v == nil && (s == nil || s.Default == nil) {
		return dst, true, nil
	}
	ws, err := c.writeSchemaFor(s)
	if err != nil {
		return dst, false, fmt.Errorf("converting Connect schema to Avro for topic %s: %w", topic, err)
	}
	c.mu.Lock()
	reg, ok := ws.byTopic[topic]
	c.mu.Unlock()
	if !ok || c.stale(reg) {
		subject, err := c.subjectOf(topic, ws)
		if err != nil {
			return dst, false, fmt.Errorf("Failed to serialize Avro data from topic %s: %w", topic, err)
		}
		if reg, err = c.schemaFor(subject, ws); err != nil {
			return dst, false, err
		}
		c.mu.Lock()
		ws.byTopic[topic] = reg
		c.mu.Unlock()
	}
	start := len(dst)
	b := srclient.AppendHeader(dst, reg.id)
	if s == nil {
		// AvroData writes a schemaless value as an Anything record.
		if !isAnything(reg.avro) {
			return dst, false, fmt.Errorf("topic %s has a schemaless value, and the schema to write with is %s, not %s.Anything", topic, reg.avro.FullName(), avroNamespace)
		}
		if b, err = appendAnything(b, v); err != nil {
			return dst, false, fmt.Errorf("converting value to Avro for topic %s: %w", topic, err)
		}
		return b, false, nil
	}
	if reg.rules != nil {
		// As Confluent's serializer: the domain rules of the schema written
		// with, before encoding.
		// A DLQ action copies the message as Confluent's DlqAction does
		// (Avro JSON for a record).
		rec := &srrules.Record{Topic: topic, Headers: srrules.Headers(headers),
			JSON: func(m srrules.Message) ([]byte, error) { return c.dlqCopy(reg.avro, s, m.Value) }}
		out, err := reg.rules.Execute(srrules.Write, srrules.Message{Value: v, Schema: s, Subject: c.subject(topic, ws), Record: rec})
		if err != nil {
			return dst, false, fmt.Errorf("Failed to serialize Avro data from topic %s: %w", topic, err)
		}
		v = out.Value
	}
	if b, err = c.enc.encode(b, reg.avro, s, v); err != nil {
		return dst, false, fmt.Errorf("converting value to Avro for topic %s: %w", topic, err)
	}
	if reg.rules.HasEncodingRules() {
		// Confluent 8: the encodingRules, on the payload after the header.
		out, err := reg.rules.ExecuteEncoding(srrules.Write, b[start+5:], c.subject(topic, ws))
		if err != nil {
			return dst, false, fmt.Errorf("Failed to serialize Avro data from topic %s: %w", topic, err)
		}
		// A full slice: out may share b's array.
		b = append(b[:start+5:start+5], out...)
	}
	return b, false, nil
}

// ToConnectData implements connect.Converter.
func (c *Converter) ToConnectData(topic string, headers connect.Headers, b []byte) (*data.Schema, any, error) {
	if b == nil {
		return nil, nil, nil
	}
	id, payload, err := srclient.SplitHeader(topic, b)
	if err != nil {
		return nil, nil, err
	}
	rs, err := c.readSchemaByID(topic, id)
	if err != nil {
		return nil, nil, fmt.Errorf("topic %s: %w", topic, err)
	}
	if rs.rules.HasEncodingRules() {
		// The writer schema's encodingRules, before decoding.
		if payload, err = rs.rules.ExecuteEncoding(srrules.Read, payload, c.subject(topic, &writeSchema{avro: rs.avro})); err != nil {
			return nil, nil, fmt.Errorf("Failed to deserialize data for topic %s to Avro: Error deserializing Avro message for id %d: %w", topic, id, err)
		}
	}
	r := &reader{b: payload}
	// A top-level bytes value is the payload itself, read without
	// resolution, as in Confluent's deserializer.
	if (c.useLatest || c.client.LatestMeta != nil) && rs.avro.Kind != avroschema.Bytes {
		into, reg, subject, err := c.readerSchema(topic, id, rs)
		if err != nil {
			return nil, nil, fmt.Errorf("topic %s: %w", topic, err)
		}
		if into != nil {
			mig, err := c.migrations(subject, int(rs.version), reg.version, into.rules, rs.rules)
			if err != nil {
				return nil, nil, fmt.Errorf("topic %s: reading Avro data written with schema id %d as version %d (id %d) of subject %s: %w",
					topic, id, reg.version, reg.id, subject, err)
			}
			var out []byte
			if mig != nil {
				// As Confluent's deserializer: the message as Avro JSON
				// through the rules, then read with the reader schema.
				out, err = c.migrate(payload, rs.avro, into.avro, mig.Run)
			} else {
				out, err = into.res.resolve(make([]byte, 0, len(payload)+16), r, rs.avro, into.avro)
			}
			if err != nil {
				return nil, nil, fmt.Errorf("topic %s: reading Avro data written with schema id %d as version %d (id %d) of subject %s: %w",
					topic, id, reg.version, reg.id, subject, err)
			}
			rs, r = into, &reader{b: out}
		}
	}
	v, err := decode(r, rs.avro, rs.connect)
	if err != nil {
		return nil, nil, fmt.Errorf("decoding Avro data with schema id %d of topic %s: %w", id, topic, err)
	}
	if rs.rules != nil {
		// As Confluent's deserializer: the reader schema's domain rules,
		// after decoding.
		// A DLQ action copies the bytes read.
		rec := &srrules.Record{Topic: topic, Headers: srrules.Headers(headers), Value: b}
		out, err := rs.rules.Execute(srrules.Read, srrules.Message{Value: v, Schema: rs.connect, Subject: c.subject(topic, &writeSchema{avro: rs.avro}), Record: rec})
		if err != nil {
			return nil, nil, fmt.Errorf("Failed to deserialize data for topic %s to Avro: Error deserializing Avro message for id %d: %w", topic, id, err)
		}
		v = out.Value
	}
	return rs.connect, v, nil
}

// Close releases what the converter holds (the producer of a rule's DLQ
// action).
func (c *Converter) Close() error {
	c.rules.Close()
	return nil
}

// migrations is the migration Confluent's deserializer runs between the
// writer's version and the reader's (JSONATA rules; others refused), nil
// when none.
func (c *Converter) migrations(subject string, writerVersion, readerVersion int, reader, writer *srrules.Set) (*srrules.Migration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	return c.rules.Migrations(ctx, c.client, subject, writerVersion, readerVersion, reader, writer)
}

func (c *Converter) readSchemaByID(topic string, id int) (*readSchema, error) {
	return c.byID.Get(id, func() (*readSchema, error) { return c.loadSchema(topic, id) })
}

// loadSchema reads schema id from the registry and maps it to Connect.
func (c *Converter) loadSchema(topic string, id int) (*readSchema, error) {
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	s, refs, err := c.client.Fetch(ctx, id, sr.TypeAvro)
	if err != nil {
		return nil, err
	}
	t, err := parseWithReferences(s, refs)
	if err != nil {
		return nil, fmt.Errorf("schema id %d: %w", id, err)
	}
	c.mu.Lock()
	cs, err := c.tc.schema(t, false, nil)
	c.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("schema id %d: %w", id, err)
	}
	// Like AvroData, take the version from the registry when the schema
	// carries no connect.version; reading as the latest version also
	// needs it otherwise, for a reader schema without connect.version.
	if t.Kind == avroschema.Record && (cs.Version == nil || c.client.ReadsLatest()) {
		subject := c.subject(topic, &writeSchema{avro: t})
		if ss, err := c.client.LookupSchema(ctx, subject, s); err == nil && ss.Version > 0 {
			v := int32(ss.Version)
			if cs.Version == nil {
				withVersion := *cs
				withVersion.Version = &v
				cs = &withVersion
			}
			return &readSchema{avro: t, connect: cs, version: v, rules: c.rules.Compile(s, avroTags(t))}, nil
		}
	}
	return &readSchema{avro: t, connect: cs, rules: c.rules.Compile(s, avroTags(t))}, nil
}

// readerSchema is, with use.latest.with.metadata or use.latest.version,
// the schema Confluent's deserializer reads a record as: the subject's
// latest version (with that metadata), found for the record's topic and
// writer schema by the subject name strategy, unchecked (a record it
// cannot read fails alone), kept for latest.cache.ttl.sec. It is nil when
// that version is the writer's schema. Like AvroData given the writer's
// version, the Connect schema carries the writer's subject version unless
// the reader schema has its own connect.version.
func (c *Converter) readerSchema(topic string, id int, writer *readSchema) (*readSchema, registered, string, error) {
	key := topicID{topic, id}
	c.mu.Lock()
	lr, ok := c.readLatest[key]
	c.mu.Unlock()
	reg, subject := lr.reg, lr.subject
	if !ok || c.stale(reg) {
		var err error
		if subject, err = c.subjectOf(topic, &writeSchema{avro: writer.avro}); err != nil {
			return nil, reg, subject, err
		}
		ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
		defer cancel()
		if c.client.LatestMeta != nil {
			reg, err = c.latestWithMetadata(ctx, subject)
		} else {
			reg, err = c.latest(ctx, subject, nil)
		}
		if err != nil {
			return nil, reg, subject, fmt.Errorf("reading with the latest version of subject %s: %w", subject, srclient.Explain(err))
		}
		if c.latestTTL >= 0 {
			reg.expires = c.now().Add(c.latestTTL)
		}
		c.mu.Lock()
		if len(c.readLatest) >= c.cacheSize {
			clear(c.readLatest)
		}
		c.readLatest[key] = latestRead{reg, subject}
		c.mu.Unlock()
	}
	if reg.id == id {
		return nil, reg, subject, nil
	}
	pair := [2]int{id, reg.id}
	c.mu.Lock()
	defer c.mu.Unlock()
	if rs, ok := c.readInto[pair]; ok && rs.avro == reg.avro {
		return rs, reg, subject, nil
	}
	cs, err := c.tc.schema(reg.avro, false, nil)
	if err != nil {
		return nil, reg, subject, fmt.Errorf("version %d (id %d) of subject %s: %w", reg.version, reg.id, subject, err)
	}
	if cs.Version == nil && reg.avro.Kind == avroschema.Record && writer.version > 0 {
		v := writer.version
		withVersion := *cs
		withVersion.Version = &v
		cs = &withVersion
	}
	rs := &readSchema{avro: reg.avro, connect: cs, res: new(resolver), rules: reg.rules}
	if len(c.readInto) >= c.cacheSize {
		clear(c.readInto)
	}
	c.readInto[pair] = rs
	return rs, reg, subject, nil
}
