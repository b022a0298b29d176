// Package jsonschema is Confluent's JsonSchemaConverter
// (io.confluent.connect.json.JsonSchemaConverter): Connect data as JSON in
// Confluent's wire format (magic byte 0, 4-byte schema id, JSON text),
// with the JSON Schema kept in a Schema Registry and mapped to and from
// Connect schemas as Confluent's JsonSchemaData maps them.
//
// The JSON text is written as Jackson writes the tree JsonSchemaData
// builds (Java's number formatting, base64 bytes, struct members in field
// order), and the schema text as Confluent prints it (properties and
// connect.* keywords in java.util.HashMap order), so a Java worker and
// goconnect register the same schema and write the same bytes.
package jsonschema

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	sjs "github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/jsondoc"
	"github.com/goconnect/goconnect/internal/jsontype"
	"github.com/goconnect/goconnect/internal/srclient"
	"github.com/goconnect/goconnect/internal/srrules"
)

// Class is the Java class name users configure.
const Class = "io.confluent.connect.json.JsonSchemaConverter"

// Desc registers the converter.
func Desc() connect.PluginDesc {
	return connect.PluginDesc{Class: Class, Type: connect.TypeConverter, Version: "7.9.0-goconnect", New: func() any { return New() }}
}

// JsonSchemaData's and the JSON serde's own keys.
const (
	keyAdditionalProps = "object.additional.properties"
	keyOptionalNonReq  = "use.optional.for.nonrequired"
	keyDecimalFormat   = "decimal.format"
	keyIgnoreDefault   = "ignore.default.for.nullables"
	keyGeneralized     = "generalized.sum.type.support"
	keyFlattenSingle   = "flatten.singleton.unions"
	keyIgnoreModern    = "ignore.modern.dialects"
	keyFailInvalid     = "json.fail.invalid.schema"
	keyFailUnknown     = "json.fail.unknown.properties"
	keyPreserveExtra   = "preserve.additional.properties"
	keyLatestTTL       = srclient.KeyLatestTTL // defined by srclient.Define

	requestTimeout = 30 * time.Second
)

// Converter is a JsonSchemaConverter. Its caches are shared safely
// between goroutines.
type Converter struct {
	client   *srclient.Client
	m        mapping
	validate bool
	bySchema *srclient.WriteCache[*data.Schema, *writeSchema]
	ids      *srclient.WriteCache[idKey, writerID]
	byID     *srclient.ReadCache[int, *readSchema]
	// latestTTL is latest.cache.ttl.sec: how long an id found by
	// use.latest.version or use.latest.with.metadata is used before the latest version is read again
	// (negative: for the converter's life), measured on now.
	latestTTL time.Duration
	now       func() time.Time
	// rules executes the domain rules of the schemas written and read with.
	rules *srrules.Engine
}

// writerID is a cached writer id; expires (zero: never) is when a latest
// version is read again.
type writerID struct {
	id      int
	expires time.Time
	// rules is the rule set of the registered schema written with.
	rules *srrules.Set
}

// writeSchema is a Connect schema with its JSON Schema form.
type writeSchema struct {
	text      string
	title     string
	validator *sjs.Schema // set when json.fail.invalid.schema
}

// idKey finds the id of a schema written to a topic without building the
// subject name per record.
type idKey struct {
	topic string
	ws    *writeSchema
}

// readSchema is a registered schema read back.
type readSchema struct {
	connect   *data.Schema
	validator *sjs.Schema
	// title names the subject under the record name strategies.
	title string
	// rules is its rule set, run after decoding.
	rules *srrules.Set
	// version is its version under the record's subject, 0 when unknown.
	version int
}

// New returns an unconfigured converter.
func New() *Converter { return &Converter{} }

// ConfigDef declares the converter's keys.
func (*Converter) ConfigDef() *config.Def {
	return srclient.Define(config.NewDef()).
		Define(config.Key{Name: keyAdditionalProps, Type: config.TypeBoolean, Default: "true", Importance: config.Medium,
			Doc: "Whether to allow additional properties for object schemas."}).
		Define(config.Key{Name: keyOptionalNonReq, Type: config.TypeBoolean, Default: "false", Importance: config.Medium,
			Doc: "Whether to set non-required properties to be optional."}).
		Define(config.Key{Name: keyDecimalFormat, Type: config.TypeString, Default: decimalBase64, Importance: config.Low,
			Validator: config.OneOf(decimalBase64, decimalNumeric),
			Doc:       "Controls which format this converter will serialize decimals in. This value is case insensitive and can be either 'BASE64' (default) or 'NUMERIC'"}).
		Define(config.Key{Name: keyIgnoreDefault, Type: config.TypeBoolean, Default: "false", Importance: config.Low,
			Doc: "Whether to ignore the default for nullable fields when the value is null"}).
		Define(config.Key{Name: keyGeneralized, Type: config.TypeBoolean, Default: "false", Importance: config.Medium,
			Doc: "Toggle for enabling/disabling generalized sum type support: interoperability of enum/union with other schema formats"}).
		Define(config.Key{Name: keyFlattenSingle, Type: config.TypeBoolean, Default: "true", Importance: config.Low,
			Doc: "Whether to flatten singleton unions"}).
		Define(config.Key{Name: keyIgnoreModern, Type: config.TypeBoolean, Default: "false", Importance: config.Low,
			Doc: "Whether to ignore modern dialects of JSON Schema after draft 7, in which case draft 7 will be used."}).
		Define(config.Key{Name: keyFailInvalid, Type: config.TypeBoolean, Default: "false", Importance: config.Medium,
			Doc: "Whether to fail serialization if the payload does not match the schema"}).
		Define(config.Key{Name: keyFailUnknown, Type: config.TypeBoolean, Default: "true", Importance: config.Low,
			Doc: "Whether to fail serialization if unknown JSON properties are encountered"}).
		Define(config.Key{Name: keyPreserveExtra, Type: config.TypeBoolean, Default: "false", Importance: config.Low,
			Doc: "When true, this converter preserves undeclared JSON properties permitted by the schema. Not supported by goconnect: true is refused."})
}

// Configure implements connect.Converter.
func (c *Converter) Configure(props map[string]string, isKey bool) error {
	v, err := c.ConfigDef().Parse(props)
	if err != nil {
		return fmt.Errorf("JsonSchemaConverter: %w", err)
	}
	if v.Bool(keyPreserveExtra) {
		return &config.Error{Key: keyPreserveExtra, Value: "true", Message: "not supported by goconnect (it needs Connect's Variant type)"}
	}
	cl, err := srclient.New(v, props, isKey)
	if err != nil {
		return err
	}
	c.client = cl
	c.m = mapping{
		additionalProps: v.Bool(keyAdditionalProps),
		optionalNonReq:  v.Bool(keyOptionalNonReq),
		decimalFormat:   strings.ToUpper(v.String(keyDecimalFormat)),
		ignoreDefault:   v.Bool(keyIgnoreDefault),
		generalized:     v.Bool(keyGeneralized),
		flattenSingle:   v.Bool(keyFlattenSingle),
	}
	c.validate = v.Bool(keyFailInvalid)
	size := int(v.Int(srclient.KeyCacheSize))
	c.bySchema = srclient.NewWriteCache[*data.Schema, *writeSchema](size)
	c.ids = srclient.NewWriteCache[idKey, writerID](size)
	c.latestTTL, c.now = cl.LatestTTL, time.Now
	c.byID = new(srclient.ReadCache[int, *readSchema])
	if c.rules, err = srrules.NewEngine(props); err != nil {
		return fmt.Errorf("JsonSchemaConverter: %w", err)
	}
	c.rules.SetDEKRegistry(cl)
	return nil
}

func (c *Converter) writeSchemaFor(s *data.Schema) (*writeSchema, error) {
	return c.bySchema.Get(s, func() (*writeSchema, error) { return c.generate(s) })
}

// generate builds the JSON Schema form of a Connect schema.
func (c *Converter) generate(s *data.Schema) (*writeSchema, error) {
	doc, err := c.m.fromConnectSchema(s)
	if err != nil {
		return nil, err
	}
	ws := &writeSchema{text: string(jsondoc.Append(nil, doc, false))}
	ws.title, _ = doc.String("title")
	if c.validate {
		if ws.validator, err = compile(doc, nil); err != nil {
			return nil, err
		}
	}
	return ws, nil
}

// schemaID registers (or looks up) the schema under the topic's subject,
// once per topic and schema.
func (c *Converter) schemaID(topic string, ws *writeSchema) (writerID, error) {
	key := idKey{topic, ws}
	build := func() (writerID, error) {
		id, rules, err := c.register(topic, ws)
		w := writerID{id: id, rules: rules}
		if c.client.WritesLatest() && c.latestTTL >= 0 {
			w.expires = c.now().Add(c.latestTTL)
		}
		return w, err
	}
	w, err := c.ids.Get(key, build)
	if err == nil && !w.expires.IsZero() && !c.now().Before(w.expires) {
		c.ids.Forget(key)
		w, err = c.ids.Get(key, build)
	}
	return w, err
}

// register registers (or looks up) the schema under the topic's subject.
func (c *Converter) register(topic string, ws *writeSchema) (int, *srrules.Set, error) {
	subject, err := c.client.Subject(topic, ws.title)
	if err != nil {
		return 0, nil, fmt.Errorf("topic %s: %w", topic, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	id, got, err := c.client.WriterSchema(ctx, subject, sr.Schema{Schema: ws.text, Type: sr.TypeJSON}, c.readable(ws))
	if err != nil {
		return 0, nil, fmt.Errorf("schema registry, subject %s: %w", subject, err)
	}
	if got == nil {
		return id, nil, nil
	}
	return id, c.rules.Compile(*got, jsonTags(got.Schema)), nil
}

// readable checks for use.schema.id and use.latest.version that a
// registered schema reads what ws describes: Confluent's
// JsonSchema.isBackwardCompatible (STRICT policy), the registered schema
// as the new one.
func (c *Converter) readable(ws *writeSchema) srclient.Readable {
	return func(ctx context.Context, registered sr.Schema) error {
		refs, err := c.client.References(ctx, registered.References)
		if err != nil {
			return err
		}
		texts := map[string]string{}
		for _, r := range refs {
			texts[r.Name] = r.Schema.Schema.Schema
		}
		reader, err := jsontype.Parse(registered.Schema, texts)
		if err != nil {
			return err
		}
		writer, err := jsontype.Parse(ws.text, nil)
		if err != nil {
			return err
		}
		inc, err := jsontype.Incompatibilities(reader, writer, "new", "old")
		if err != nil {
			return err
		}
		if len(inc) > 0 {
			return errors.New(strings.Join(inc, ", "))
		}
		return nil
	}
}

// FromConnectData implements connect.Converter.
func (c *Converter) FromConnectData(topic string, headers connect.Headers, s *data.Schema, v any) ([]byte, error) {
	if s == nil && v == nil {
		return nil, nil
	}
	if s == nil {
		return nil, fmt.Errorf("JsonSchemaConverter needs a schema; topic %s has a schemaless value", topic)
	}
	if v == nil && (s.Default == nil || c.m.ignoreDefault) {
		// JsonSchemaData gives a JSON null (optional) or Java null; the
		// serializer turns both into a null record value.
		return nil, nil
	}
	ws, err := c.writeSchemaFor(s)
	if err != nil {
		return nil, fmt.Errorf("converting Kafka Connect schema to JSON Schema for topic %s: %w", topic, err)
	}
	w, err := c.schemaID(topic, ws)
	if err != nil {
		return nil, err
	}
	if w.rules != nil {
		// As Confluent's serializer: the domain rules of the schema written
		// with, before encoding.
		subject, _ := c.client.Subject(topic, ws.title)
		// A DLQ action copies the message as JSON, as Confluent's does.
		rec := &srrules.Record{Topic: topic, Headers: srrules.Headers(headers),
			JSON: func(m srrules.Message) ([]byte, error) { return c.m.appendValue(nil, m.Schema, m.Value) }}
		out, err := w.rules.Execute(srrules.Write, srrules.Message{Value: v, Schema: s, Subject: subject, BytesAsText: true, Record: rec})
		if err != nil {
			return nil, fmt.Errorf("converting Kafka Connect data to byte[] failed due to serialization error of topic %s: %w", topic, err)
		}
		v = out.Value
	}
	b := srclient.AppendHeader(make([]byte, 0, 256), w.id)
	if b, err = c.m.appendValue(b, s, v); err != nil {
		return nil, fmt.Errorf("converting Kafka Connect data to byte[] failed due to serialization error of topic %s: %w", topic, err)
	}
	if ws.validator != nil {
		if err := validate(ws.validator, b[5:]); err != nil {
			return nil, fmt.Errorf("converting Kafka Connect data to byte[] failed due to serialization error of topic %s: %w", topic, err)
		}
	}
	if w.rules.HasEncodingRules() {
		// Confluent 8: the encodingRules, on the payload after the header.
		subject, _ := c.client.Subject(topic, ws.title)
		out, err := w.rules.ExecuteEncoding(srrules.Write, b[5:], subject)
		if err != nil {
			return nil, fmt.Errorf("converting Kafka Connect data to byte[] failed due to serialization error of topic %s: %w", topic, err)
		}
		b = append(b[:5:5], out...)
	}
	return b, nil
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
		subject, _ := c.client.Subject(topic, rs.title)
		if payload, err = rs.rules.ExecuteEncoding(srrules.Read, payload, subject); err != nil {
			return nil, nil, fmt.Errorf("converting byte[] to Kafka Connect data failed due to serialization error of topic %s: %w", topic, err)
		}
	}
	if c.client.ReadsLatest() {
		var mig *srrules.Migration
		if rs, mig, err = c.readerSchema(topic, id, rs); err != nil {
			return nil, nil, fmt.Errorf("topic %s: %w", topic, err)
		}
		// As Confluent's deserializer: the message as JSON through the
		// migration rules between the writer's version and the reader's.
		if payload, err = mig.Run(payload); err != nil {
			return nil, nil, fmt.Errorf("converting byte[] to Kafka Connect data failed due to serialization error of topic %s: %w", topic, err)
		}
	}
	doc, err := jsondoc.Parse(payload)
	if err != nil {
		return nil, nil, fmt.Errorf("converting byte[] to Kafka Connect data failed due to serialization error of topic %s: %w", topic, err)
	}
	if rs.validator != nil {
		if err := validate(rs.validator, payload); err != nil {
			return nil, nil, fmt.Errorf("converting byte[] to Kafka Connect data failed due to serialization error of topic %s: %w", topic, err)
		}
	}
	if doc == nil {
		// A JSON null: Connect's SchemaAndValue.NULL.
		return nil, nil, nil
	}
	v, err := c.m.toConnectValue(rs.connect, doc, false)
	if err != nil {
		return nil, nil, fmt.Errorf("decoding JSON with schema id %d of topic %s: %w", id, topic, err)
	}
	if rs.rules != nil {
		// As Confluent's deserializer: the reader schema's domain rules,
		// after decoding.
		subject, _ := c.client.Subject(topic, rs.title)
		// A DLQ action copies the bytes read.
		rec := &srrules.Record{Topic: topic, Headers: srrules.Headers(headers), Value: b}
		out, err := rs.rules.Execute(srrules.Read, srrules.Message{Value: v, Schema: rs.connect, Subject: subject, BytesAsText: true, Record: rec})
		if err != nil {
			return nil, nil, fmt.Errorf("converting byte[] to Kafka Connect data failed due to serialization error of topic %s: %w", topic, err)
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

func (c *Converter) readSchemaByID(topic string, id int) (*readSchema, error) {
	return c.byID.Get(id, func() (*readSchema, error) { return c.loadSchema(topic, id) })
}

// loadSchema reads schema id from the registry and maps it to Connect.
func (c *Converter) loadSchema(topic string, id int) (*readSchema, error) {
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	s, fetched, err := c.client.Fetch(ctx, id, sr.TypeJSON)
	if err != nil {
		return nil, err
	}
	doc, err := jsondoc.Parse([]byte(s.Schema))
	if err != nil {
		return nil, fmt.Errorf("schema id %d: invalid JSON Schema: %w", id, err)
	}
	refs, err := referenceDocs(fetched)
	if err != nil {
		return nil, fmt.Errorf("schema id %d: %w", id, err)
	}
	// Like the Java deserializer, take the subject version as the Connect
	// version when the schema carries no connect.version.
	version := 0
	title := ""
	if o, ok := doc.(*jsondoc.Object); ok {
		title, _ = o.String("title")
	}
	if subject, err := c.client.Subject(topic, title); err == nil {
		if ss, err := c.client.LookupSchema(ctx, subject, s); err == nil {
			version = ss.Version
		}
	}
	cs, err := c.m.toConnectSchema(doc, refs, version)
	if err != nil {
		return nil, fmt.Errorf("schema id %d: %w", id, err)
	}
	rs := &readSchema{connect: cs, title: title, rules: c.rules.Compile(s, jsonTags(s.Schema)), version: version}
	if c.validate {
		if rs.validator, err = compile(doc, refs); err != nil {
			return nil, fmt.Errorf("schema id %d: %w", id, err)
		}
	}
	return rs, nil
}

// readerSchema is, with use.latest.with.metadata or use.latest.version,
// the schema Confluent's JSON Schema deserializer reads a record as: the
// subject's latest version (with that metadata) for the record's topic
// and the writer schema's title, unchecked. The record's JSON is then
// mapped with it (properties it lacks dropped, missing ones null or
// their default) and json.fail.invalid.schema validates against it.
func (c *Converter) readerSchema(topic string, id int, writer *readSchema) (*readSchema, *srrules.Migration, error) {
	subject, err := c.client.Subject(topic, writer.title)
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	ss, err := c.client.ReaderVersion(ctx, subject, sr.TypeJSON)
	if err != nil {
		return nil, nil, fmt.Errorf("reading with the latest version of subject %s: %w", subject, err)
	}
	if ss.ID == id {
		return writer, nil, nil
	}
	rs, err := c.readSchemaByID(topic, ss.ID)
	if err != nil {
		return nil, nil, fmt.Errorf("version %d of subject %s: %w", ss.Version, subject, err)
	}
	mig, err := c.rules.Migrations(ctx, c.client, subject, writer.version, ss.Version, rs.rules, writer.rules)
	if err != nil {
		return nil, nil, fmt.Errorf("reading schema id %d as version %d of subject %s: %w", id, ss.Version, subject, err)
	}
	return rs, mig, nil
}

// referenceDocs parses the referenced schemas, by reference name.
func referenceDocs(refs []srclient.Reference) (map[string]*jsondoc.Object, error) {
	out := make(map[string]*jsondoc.Object, len(refs))
	for _, r := range refs {
		doc, err := jsondoc.Parse([]byte(r.Schema.Schema.Schema))
		if err != nil {
			return nil, fmt.Errorf("reference %s: %w", r.Name, err)
		}
		o, ok := doc.(*jsondoc.Object)
		if !ok {
			return nil, fmt.Errorf("reference %s is not a JSON Schema object", r.Name)
		}
		out[r.Name] = o
	}
	return out, nil
}

// compile prepares a validator for json.fail.invalid.schema. Schemas
// without $schema are read as draft 7, Confluent's default.
func compile(doc any, refs map[string]*jsondoc.Object) (*sjs.Schema, error) {
	comp := sjs.NewCompiler()
	comp.DefaultDraft(sjs.Draft7)
	for name, r := range refs {
		if err := comp.AddResource(name, jsondoc.Plain(r)); err != nil {
			return nil, fmt.Errorf("reference %s: %w", name, err)
		}
	}
	const root = "urn:goconnect:schema.json"
	if err := comp.AddResource(root, jsondoc.Plain(doc)); err != nil {
		return nil, err
	}
	s, err := comp.Compile(root)
	if err != nil {
		return nil, fmt.Errorf("invalid JSON Schema: %w", err)
	}
	return s, nil
}

func validate(s *sjs.Schema, text []byte) error {
	inst, err := sjs.UnmarshalJSON(strings.NewReader(string(text)))
	if err != nil {
		return err
	}
	if err := s.Validate(inst); err != nil {
		return fmt.Errorf("the JSON payload does not match its schema: %w", err)
	}
	return nil
}
