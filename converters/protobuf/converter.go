// Package protobuf is Confluent's ProtobufConverter
// (io.confluent.connect.protobuf.ProtobufConverter): Connect data as
// Protobuf in Confluent's wire format (magic byte 0, 4-byte schema id,
// the message-index array, the message), with the .proto schema kept in a
// Schema Registry and mapped to and from Connect schemas as Confluent's
// ProtobufData maps them.
//
// The schema text is printed as Confluent's registry client prints the
// descriptor ProtobufData builds, so a Java worker and goconnect register
// the same text. Messages are encoded with google.golang.org/protobuf's
// dynamicpb; schemas read back are compiled by bufbuild/protocompile.
package protobuf

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/bufbuild/protocompile"
	"github.com/bufbuild/protocompile/parser"
	"github.com/bufbuild/protocompile/reporter"
	"github.com/twmb/franz-go/pkg/sr"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/protoknown"
	"github.com/goconnect/goconnect/internal/srclient"
	"github.com/goconnect/goconnect/internal/srrules"
)

// Class is the Java class name users configure.
const Class = "io.confluent.connect.protobuf.ProtobufConverter"

// Desc registers the converter.
func Desc() connect.PluginDesc {
	return connect.PluginDesc{Class: Class, Type: connect.TypeConverter, Version: "7.9.0-goconnect", New: func() any { return New() }}
}

// ProtobufDataConfig's and the Protobuf serde's keys.
const (
	keyEnhanced          = "enhanced.protobuf.schema.support"
	keyScrub             = "scrub.invalid.names"
	keyIntForEnums       = "int.for.enums"
	keyOptionalNullables = "optional.for.nullables"
	keyOptionalProto2    = "optional.for.proto2"
	keyWrapperNullables  = "wrapper.for.nullables"
	keyWrapperRaw        = "wrapper.for.raw.primitives"
	keyStructForNulls    = "generate.struct.for.nulls"
	keyIndexForUnions    = "generate.index.for.unions"
	keyFlattenUnions     = "flatten.unions"
	keyGeneralized       = "generalized.sum.type.support"
	keyIgnoreDefault     = "ignore.default.for.nullables"
	keySkipKnownTypes    = "skip.known.types"
	keyRefStrategy       = "reference.subject.name.strategy"
	keyLatestStrict      = srclient.KeyLatestStrict // defined by srclient.Define

	defaultRefStrategy = "io.confluent.kafka.serializers.subject.DefaultReferenceSubjectNameStrategy"
	requestTimeout     = 30 * time.Second
)

// Converter is a ProtobufConverter. Its caches are shared safely between
// goroutines.
type Converter struct {
	client   *srclient.Client
	m        mapping
	known    *protoregistry.Files
	bySchema *srclient.WriteCache[*data.Schema, *writeSchema]
	ids      *srclient.WriteCache[idKey, writerRef]
	byID     *srclient.ReadCache[readKey, *readSchema]
	// files holds each registered schema read back, compiled, by id.
	files *srclient.ReadCache[int, *readFile]
	// now is the clock latest.cache.ttl.sec is measured on.
	now func() time.Time
	// rules executes the domain rules of the schemas written and read with.
	rules *srrules.Engine
}

// writeSchema is a Connect schema with its .proto form.
type writeSchema struct {
	text     string
	fullName string
	md       protoreflect.MessageDescriptor
	plan     *plan
	indexes  []int // set for a top-level wrapper
}

// writerRef is the schema id and message indexes a record is written
// with.
type writerRef struct {
	id      int
	indexes []int
	// expires (zero: never) is when a latest version is read again
	// (latest.cache.ttl.sec).
	expires time.Time
	// rules is the rule set of the registered schema written with.
	rules *srrules.Set
}

type idKey struct {
	topic string
	ws    *writeSchema
}

type readKey struct {
	id      int
	indexes string
}

// readFile is a registered schema read back by id, compiled.
type readFile struct {
	schema sr.Schema
	fd     protoreflect.FileDescriptor
}

type readSchema struct {
	connect *data.Schema
	md      protoreflect.MessageDescriptor
	plan    *readPlan // nil for a top-level wrapper
	// rules is the schema's rule set, run after decoding.
	rules *srrules.Set
	// version is its version under the record's subject, 0 when unknown.
	version int
}

// New returns an unconfigured converter.
func New() *Converter { return &Converter{} }

// ConfigDef declares the converter's keys.
func (*Converter) ConfigDef() *config.Def {
	b := func(def *config.Def, name, dflt string, imp config.Importance, doc string) *config.Def {
		return def.Define(config.Key{Name: name, Type: config.TypeBoolean, Default: dflt, Importance: imp, Doc: doc})
	}
	def := srclient.Define(config.NewDef())
	def = b(def, keyEnhanced, "false", config.Medium, "Toggle for enabling/disabling enhanced protobuf schema support: package name preservation")
	def = b(def, keyScrub, "false", config.Medium, "Whether to scrub invalid names by replacing invalid characters with valid characters")
	def = b(def, keyIntForEnums, "false", config.Medium, "Whether to represent enums as integers")
	def = b(def, keyOptionalNullables, "false", config.Medium, "Whether nullable fields should be specified with an optional label")
	def = b(def, keyOptionalProto2, "true", config.Low, "Whether proto2 optionals are supported")
	def = b(def, keyWrapperNullables, "false", config.Medium, "Whether nullable fields should use primitive wrapper messages")
	def = b(def, keyWrapperRaw, "true", config.Medium, "Whether a wrapper message should be interpreted as a raw primitive at root level")
	def = b(def, keyStructForNulls, "false", config.Medium, "Whether to generate a default struct for null messages")
	def = b(def, keyIndexForUnions, "true", config.Medium, "Whether to suffix union names with an underscore followed by an index")
	def = b(def, keyFlattenUnions, "false", config.Medium, "Whether to flatten unions (oneofs)")
	def = b(def, keyGeneralized, "false", config.Medium, "Toggle for enabling/disabling generalized sum type support: interoperability of enum/union with other schema formats")
	def = b(def, keyIgnoreDefault, "false", config.Low, "Whether to ignore the default for nullable fields when the value is null")
	def = b(def, keySkipKnownTypes, "true", config.Low, "Whether to skip known types when resolving schema dependencies. goconnect supports only true.")
	return def.Define(config.Key{Name: keyRefStrategy, Type: config.TypeString, Default: defaultRefStrategy, Importance: config.Low,
		Doc: "Determines how to construct the subject name for referenced schemas. goconnect supports only the default."})
}

// Configure implements connect.Converter.
func (c *Converter) Configure(props map[string]string, isKey bool) error {
	v, err := c.ConfigDef().Parse(props)
	if err != nil {
		return fmt.Errorf("ProtobufConverter: %w", err)
	}
	if !v.Bool(keySkipKnownTypes) {
		return &config.Error{Key: keySkipKnownTypes, Value: "false", Message: "not supported by goconnect (known types are never registered as references)"}
	}
	if s := v.String(keyRefStrategy); s != defaultRefStrategy {
		return &config.Error{Key: keyRefStrategy, Value: s, Message: "not supported by goconnect: only " + defaultRefStrategy}
	}
	cl, err := srclient.New(v, props, isKey)
	if err != nil {
		return err
	}
	known, err := protoknown.Registry()
	if err != nil {
		return err
	}
	c.client = cl
	c.known = known
	c.m = mapping{
		scrubNames:           v.Bool(keyScrub),
		optionalForNullables: v.Bool(keyOptionalNullables),
		wrapperForNullables:  v.Bool(keyWrapperNullables),
		wrapperForRaw:        v.Bool(keyWrapperRaw),
		generalized:          v.Bool(keyGeneralized),
		ignoreDefault:        v.Bool(keyIgnoreDefault),
		enhanced:             v.Bool(keyEnhanced),
		intForEnums:          v.Bool(keyIntForEnums),
		structForNulls:       v.Bool(keyStructForNulls),
		indexForUnions:       v.Bool(keyIndexForUnions),
		flattenUnions:        v.Bool(keyFlattenUnions),
		optionalForProto2:    v.Bool(keyOptionalProto2),
	}
	size := int(v.Int(srclient.KeyCacheSize))
	c.bySchema = srclient.NewWriteCache[*data.Schema, *writeSchema](size)
	c.ids = srclient.NewWriteCache[idKey, writerRef](size)
	c.byID = new(srclient.ReadCache[readKey, *readSchema])
	c.files = new(srclient.ReadCache[int, *readFile])
	c.now = time.Now
	if c.rules, err = srrules.NewEngine(props); err != nil {
		return fmt.Errorf("ProtobufConverter: %w", err)
	}
	c.rules.SetDEKRegistry(c.client)
	return nil
}

// generate builds the .proto form of a Connect schema: the text
// registered and the descriptor the values are encoded with.
func (c *Converter) generate(s *data.Schema) (*writeSchema, error) {
	if s.Type != data.TypeStruct {
		return c.wrapperSchema(s)
	}
	f, err := c.m.fromConnectSchema(s)
	if err != nil {
		return nil, err
	}
	fdp := f.descriptor("goconnect/" + f.fullName() + ".proto")
	fd, err := protodesc.NewFile(fdp, c.known)
	if err != nil {
		return nil, fmt.Errorf("Invalid protobuf schema definition: %w", err)
	}
	md := fd.Messages().Get(0)
	p, err := c.m.newPlan(md, s)
	if err != nil {
		return nil, err
	}
	return &writeSchema{text: f.text(), fullName: f.fullName(), md: md, plan: p}, nil
}

func (c *Converter) writeSchemaFor(s *data.Schema) (*writeSchema, error) {
	return c.bySchema.Get(s, func() (*writeSchema, error) { return c.generate(s) })
}

// schemaID finds the id (and message indexes) a record is written with,
// once per topic and schema, in the Protobuf serializer's order:
// auto.register.schemas, else use.schema.id (that schema, the message
// found in it by name, checked unless id.compatibility.strict=false),
// else use.latest.with.metadata (the latest
// version with that metadata, the message found in it by name), else
// use.latest.version (likewise with the latest version), else a lookup.
// A latest version is read again after latest.cache.ttl.sec.
func (c *Converter) schemaID(topic string, ws *writeSchema) (writerRef, error) {
	key := idKey{topic, ws}
	build := func() (writerRef, error) {
		ref, err := c.writerRef(topic, ws)
		if c.client.WritesLatest() && c.client.LatestTTL >= 0 {
			ref.expires = c.now().Add(c.client.LatestTTL)
		}
		return ref, err
	}
	ref, err := c.ids.Get(key, build)
	if err == nil && !ref.expires.IsZero() && !c.now().Before(ref.expires) {
		c.ids.Forget(key)
		ref, err = c.ids.Get(key, build)
	}
	return ref, err
}

// registeredRef is the id and message indexes of ws's message in a
// registered schema (what names it in messages); strictKey, when set, is
// the setting under which it must read ws's bytes
// (latest.compatibility.strict, id.compatibility.strict;
// use.latest.with.metadata checks nothing).
func (c *Converter) registeredRef(ctx context.Context, s sr.Schema, id int, what string, ws *writeSchema, strictKey string) (writerRef, error) {
	fd, err := c.compile(ctx, s)
	if err != nil {
		return writerRef{}, err
	}
	ref := writerRef{id: id, indexes: indexesOf(fd, protoreflect.FullName(ws.fullName)), rules: c.rules.Compile(s, protoTags(fd))}
	if ref.indexes == nil {
		return ref, fmt.Errorf("message %s is not in the %s (id %d)", ws.fullName, what, id)
	}
	if strictKey != "" {
		msg, _ := messageByIndexes(fd, ref.indexes)
		if why := readable(msg, ws.md, map[[2]protoreflect.FullName]bool{}); why != "" {
			return ref, fmt.Errorf("Incompatible schema of type 'PROTOBUF': the %s (id %d) cannot read %s: %s. "+
				"Set %s=false to disable this check", what, id, ws.fullName, why, strictKey)
		}
	}
	return ref, nil
}

func (c *Converter) writerRef(topic string, ws *writeSchema) (writerRef, error) {
	var ref writerRef
	subject, err := c.client.Subject(topic, ws.fullName)
	if err != nil {
		return ref, fmt.Errorf("topic %s: %w", topic, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	if c.client.Normalize {
		ctx = sr.WithParams(ctx, sr.Normalize)
	}
	schema := sr.Schema{Schema: ws.text, Type: sr.TypeProtobuf}
	ref.indexes = ws.indexes
	if ref.indexes == nil {
		ref.indexes = []int{0}
	}
	switch {
	case c.client.AutoReg:
		ref.id, err = c.client.RegisterSchema(ctx, subject, schema, -1, -1)
		err = srclient.Explain(err)
		if err == nil {
			// Confluent's serializer runs the rules of the version the
			// registration lands on (inherited or configured rule sets).
			var got sr.Schema
			if got, err = c.client.RegisteredSchema(ctx, subject, schema, ref.id); err == nil {
				ref.rules = c.rules.Compile(got, protoTags(ws.md.ParentFile()))
			}
		}
	case c.client.UseSchemaID >= 0:
		id := c.client.UseSchemaID
		var got sr.Schema
		if got, err = c.client.SchemaByID(sr.WithParams(ctx, sr.Subject(subject)), id); err != nil {
			err = fmt.Errorf("error retrieving schema ID %d: %w", id, srclient.Explain(err))
			break
		}
		if got.Type != sr.TypeProtobuf {
			err = fmt.Errorf("schema id %d is %s, not Protobuf", id, got.Type)
			break
		}
		strict := ""
		if c.client.IDStrict {
			strict = srclient.KeyIDStrict
		}
		ref, err = c.registeredRef(ctx, got, id, "schema of use.schema.id", ws, strict)
	case c.client.LatestMeta != nil:
		var ss sr.SubjectSchema
		if ss, err = c.client.LatestWithMetadata(ctx, subject, sr.TypeProtobuf); err == nil {
			ref, err = c.registeredRef(ctx, ss.Schema, ss.ID, fmt.Sprintf("latest schema with metadata (version %d)", ss.Version), ws, "")
		}
	case c.client.UseLatest:
		var ss sr.SubjectSchema
		if ss, err = c.client.SchemaByVersion(ctx, subject, -1); err != nil {
			err = srclient.Explain(err)
			break
		}
		strict := ""
		if c.client.LatestStrict {
			strict = keyLatestStrict
		}
		ref, err = c.registeredRef(ctx, ss.Schema, ss.ID, "latest schema", ws, strict)
	default:
		var ss sr.SubjectSchema
		ss, err = c.client.LookupSchema(ctx, subject, schema)
		ref.id, err = ss.ID, srclient.Explain(err)
	}
	if err != nil {
		return ref, fmt.Errorf("schema registry, subject %s: %w", subject, err)
	}
	return ref, nil
}

// indexesOf is ProtobufSchema.toMessageIndexes: the path of message
// indexes to a message by full name; nil when absent.
func indexesOf(fd protoreflect.FileDescriptor, name protoreflect.FullName) []int {
	var find func(msgs protoreflect.MessageDescriptors, path []int) []int
	find = func(msgs protoreflect.MessageDescriptors, path []int) []int {
		for i := 0; i < msgs.Len(); i++ {
			md := msgs.Get(i)
			p := append(append([]int(nil), path...), i)
			if md.FullName() == name {
				return p
			}
			if found := find(md.Messages(), p); found != nil {
				return found
			}
		}
		return nil
	}
	return find(fd.Messages(), nil)
}

// FromConnectData implements connect.Converter.
func (c *Converter) FromConnectData(topic string, headers connect.Headers, s *data.Schema, v any) ([]byte, error) {
	if s == nil && v == nil {
		return nil, nil
	}
	if s == nil {
		return nil, fmt.Errorf("ProtobufConverter needs a schema; topic %s has a schemaless value", topic)
	}
	if v == nil && s.Default != nil && !c.m.ignoreDefault {
		v = s.Default
	}
	if v == nil {
		return nil, nil
	}
	ws, err := c.writeSchemaFor(s)
	if err != nil {
		return nil, fmt.Errorf("Failed to serialize Protobuf data from topic %s: %w", topic, err)
	}
	if ws.indexes != nil {
		ref, err := c.schemaID(topic, ws)
		if err != nil {
			return nil, err
		}
		if ref.rules != nil {
			subject, _ := c.client.Subject(topic, ws.fullName)
			// No DLQ copy: Confluent's is the wrapper message's JSON.
			rec := &srrules.Record{Topic: topic, Headers: srrules.Headers(headers)}
			out, err := ref.rules.Execute(srrules.Write, srrules.Message{Value: v, Schema: s, Subject: subject, Record: rec})
			if err != nil {
				return nil, fmt.Errorf("Failed to serialize Protobuf data from topic %s: %w", topic, err)
			}
			v = out.Value
		}
		b := appendIndexes(srclient.AppendHeader(make([]byte, 0, 32), ref.id), ref.indexes)
		start := len(b)
		if b, err = c.m.appendSingle(b, ws.md.Fields().Get(0), s, v, false, nil); err != nil {
			return nil, fmt.Errorf("Failed to serialize Protobuf data from topic %s: %w", topic, err)
		}
		return c.encodingRules(topic, ws, ref, b, start)
	}
	st, ok := v.(*data.Struct)
	if !ok {
		return nil, fmt.Errorf("Failed to serialize Protobuf data from topic %s: a STRUCT schema with a %T value", topic, v)
	}
	if !data.Equal(st.Schema(), s) {
		return nil, fmt.Errorf("Failed to serialize Protobuf data from topic %s: Mismatching struct schema", topic)
	}
	ref, err := c.schemaID(topic, ws)
	if err != nil {
		return nil, err
	}
	if ref.rules != nil {
		// As Confluent's serializer: the domain rules of the schema written
		// with, before encoding.
		subject, _ := c.client.Subject(topic, ws.fullName)
		// A DLQ action copies the message as Protobuf JSON, as Confluent's
		// does (JsonFormat's printer: json names, defaults left out).
		rec := &srrules.Record{Topic: topic, Headers: srrules.Headers(headers),
			JSON: func(m srrules.Message) ([]byte, error) { return c.messageJSON(ws, m) }}
		out, err := ref.rules.Execute(srrules.Write, srrules.Message{Value: st, Schema: s, Subject: subject, Record: rec})
		if err != nil {
			return nil, fmt.Errorf("Failed to serialize Protobuf data from topic %s: %w", topic, err)
		}
		if st, ok = out.Value.(*data.Struct); !ok {
			return nil, fmt.Errorf("Failed to serialize Protobuf data from topic %s: a rule's transform gave a %T", topic, out.Value)
		}
	}
	// Magic byte, id, and the message-index array (the single 0 for the
	// first message).
	b := appendIndexes(srclient.AppendHeader(make([]byte, 0, 256), ref.id), ref.indexes)
	start := len(b)
	if b, err = c.m.appendStruct(b, ws.plan, st); err != nil {
		return nil, fmt.Errorf("Failed to serialize Protobuf data from topic %s: %w", topic, err)
	}
	return c.encodingRules(topic, ws, ref, b, start)
}

// encodingRules runs Confluent 8's encodingRules of the schema written
// with on the payload b[start:], after the header and message indexes.
func (c *Converter) encodingRules(topic string, ws *writeSchema, ref writerRef, b []byte, start int) ([]byte, error) {
	if !ref.rules.HasEncodingRules() {
		return b, nil
	}
	subject, _ := c.client.Subject(topic, ws.fullName)
	out, err := ref.rules.ExecuteEncoding(srrules.Write, b[start:], subject)
	if err != nil {
		return nil, fmt.Errorf("Failed to serialize Protobuf data from topic %s: %w", topic, err)
	}
	return append(b[:start:start], out...), nil
}

// ToConnectData implements connect.Converter.
func (c *Converter) ToConnectData(topic string, headers connect.Headers, b []byte) (*data.Schema, any, error) {
	if b == nil {
		return nil, nil, nil
	}
	fail := func(err error) (*data.Schema, any, error) {
		return nil, nil, fmt.Errorf("Failed to deserialize data for topic %s to Protobuf: %w", topic, err)
	}
	id, rest, err := srclient.SplitHeader(topic, b)
	if err != nil {
		return nil, nil, err
	}
	indexes, n, err := readIndexes(rest)
	if err != nil {
		return fail(err)
	}
	rs, err := c.readSchema(topic, id, indexes, string(rest[:n]))
	if err != nil {
		return fail(err)
	}
	if rs.rules.HasEncodingRules() {
		// The writer schema's encodingRules, before decoding.
		subject, _ := c.client.Subject(topic, string(rs.md.FullName()))
		payload, err := rs.rules.ExecuteEncoding(srrules.Read, rest[n:], subject)
		if err != nil {
			return fail(err)
		}
		rest, n = payload, 0
	}
	if c.client.ReadsLatest() {
		writer := rs
		var mig *srrules.Migration
		if rs, mig, err = c.readerSchema(topic, id, rs); err != nil {
			return fail(err)
		}
		if mig != nil {
			// As Confluent's deserializer: the message as Protobuf JSON
			// through the rules, then parsed as the reader's message.
			payload, err := migrate(rest[n:], writer.md, rs.md, mig.Run)
			if err != nil {
				return fail(err)
			}
			rest, n = payload, 0
		}
	}
	var v any
	if rs.plan != nil {
		st, err := c.m.decodeStruct(rs.plan, rest[n:])
		if err != nil {
			return fail(err)
		}
		v = st
	} else {
		msg := dynamicpb.NewMessage(rs.md)
		if err := proto.Unmarshal(rest[n:], msg); err != nil {
			return fail(err)
		}
		if v, err = c.m.toConnectValue(rs.connect, msg); err != nil {
			return fail(err)
		}
	}
	if rs.rules != nil {
		// As Confluent's deserializer: the reader schema's domain rules,
		// after decoding.
		subject, _ := c.client.Subject(topic, string(rs.md.FullName()))
		// A DLQ action copies the bytes read.
		rec := &srrules.Record{Topic: topic, Headers: srrules.Headers(headers), Value: b}
		out, err := rs.rules.Execute(srrules.Read, srrules.Message{Value: v, Schema: rs.connect, Subject: subject, Record: rec})
		if err != nil {
			return fail(err)
		}
		v = out.Value
	}
	return rs.connect, v, nil
}

// messageJSON is a message as Protobuf JSON (for a DLQ copy): encoded,
// read back as a dynamic message and printed compactly, with the default
// values of fields without presence, as ProtobufSchemaUtils.toJson prints
// it (JsonFormat's includingDefaultValueFields).
func (c *Converter) messageJSON(ws *writeSchema, m srrules.Message) ([]byte, error) {
	st, ok := m.Value.(*data.Struct)
	if !ok {
		return nil, fmt.Errorf("a %T message", m.Value)
	}
	b, err := c.m.appendStruct(nil, ws.plan, st)
	if err != nil {
		return nil, err
	}
	msg := dynamicpb.NewMessage(ws.md)
	if err := proto.Unmarshal(b, msg); err != nil {
		return nil, err
	}
	text, err := protojson.MarshalOptions{EmitDefaultValues: true}.Marshal(msg)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Compact(&out, text); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// Close releases what the converter holds (the producer of a rule's DLQ
// action).
func (c *Converter) Close() error {
	c.rules.Close()
	return nil
}

func (c *Converter) readSchema(topic string, id int, indexes []int, rawIndexes string) (*readSchema, error) {
	return c.byID.Get(readKey{id, rawIndexes}, func() (*readSchema, error) { return c.loadSchema(topic, id, indexes) })
}

// readerSchema is, with use.latest.with.metadata or use.latest.version,
// the message Confluent's Protobuf deserializer parses a record's bytes
// as: in the subject's latest version (with that metadata), found for the
// record's topic and the writer's message name, unchecked, the message of
// the writer's name, else the version's first message. Protobuf's wire
// format does the rest: fields the reader lacks are dropped, fields the
// writer lacks read as their defaults. The Connect schema is that
// message's, with that version's number.
func (c *Converter) readerSchema(topic string, id int, writer *readSchema) (*readSchema, *srrules.Migration, error) {
	name := writer.md.FullName()
	subject, err := c.client.Subject(topic, string(name))
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	ss, err := c.client.ReaderVersion(ctx, subject, sr.TypeProtobuf)
	if err != nil {
		return nil, nil, fmt.Errorf("reading with the latest version of subject %s: %w", subject, err)
	}
	if ss.ID == id {
		return writer, nil, nil
	}
	f, err := c.files.Get(ss.ID, func() (*readFile, error) { return c.loadFile(ss.ID) })
	if err != nil {
		return nil, nil, fmt.Errorf("version %d of subject %s: %w", ss.Version, subject, err)
	}
	indexes := indexesOf(f.fd, name)
	if indexes == nil {
		indexes = []int{0}
	}
	rs, err := c.readSchema(topic, ss.ID, indexes, string(appendIndexes(nil, indexes)))
	if err != nil {
		return nil, nil, fmt.Errorf("version %d of subject %s: %w", ss.Version, subject, err)
	}
	mig, err := c.rules.Migrations(ctx, c.client, subject, writer.version, ss.Version, rs.rules, writer.rules)
	if err != nil {
		return nil, nil, fmt.Errorf("reading schema id %d as version %d of subject %s: %w", id, ss.Version, subject, err)
	}
	return rs, mig, nil
}

// loadSchema maps the message at indexes of schema id to Connect.
func (c *Converter) loadSchema(topic string, id int, indexes []int) (*readSchema, error) {
	f, err := c.files.Get(id, func() (*readFile, error) { return c.loadFile(id) })
	if err != nil {
		return nil, err
	}
	md, err := messageByIndexes(f.fd, indexes)
	if err != nil {
		return nil, fmt.Errorf("schema id %d: %w", id, err)
	}
	// As the Java deserializer, the subject version is the Connect
	// schema's version.
	version := 0
	if subject, err := c.client.Subject(topic, string(md.FullName())); err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
		defer cancel()
		if ss, err := c.client.LookupSchema(ctx, subject, f.schema); err == nil {
			version = ss.Version
		}
	}
	cs, err := c.m.toConnectSchema(md, version)
	if err != nil {
		return nil, fmt.Errorf("schema id %d: %w", id, err)
	}
	rs := &readSchema{connect: cs, md: md, rules: c.rules.Compile(f.schema, protoTags(f.fd)), version: version}
	if cs.Type == data.TypeStruct {
		if rs.plan, err = c.m.newReadPlan(cs, md); err != nil {
			return nil, fmt.Errorf("schema id %d: %w", id, err)
		}
	}
	return rs, nil
}

// loadFile reads schema id from the registry with its references and
// compiles it.
func (c *Converter) loadFile(id int) (*readFile, error) {
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	s, refs, err := c.client.Fetch(ctx, id, sr.TypeProtobuf)
	if err != nil {
		return nil, err
	}
	fd, err := compileText(ctx, s.Schema, referenceTexts(refs))
	if err != nil {
		return nil, fmt.Errorf("schema id %d: %w", id, err)
	}
	return &readFile{schema: s, fd: fd}, nil
}

// compile parses a registered schema with its references.
func (c *Converter) compile(ctx context.Context, s sr.Schema) (protoreflect.FileDescriptor, error) {
	refs, err := c.client.References(ctx, s.References)
	if err != nil {
		return nil, err
	}
	return compileText(ctx, s.Schema, referenceTexts(refs))
}

// referenceTexts is the references' texts by the import names they are
// referenced with.
func referenceTexts(refs []srclient.Reference) map[string]string {
	out := make(map[string]string, len(refs))
	for _, r := range refs {
		out[r.Name] = r.Schema.Schema.Schema
	}
	return out
}

// rootFile is the name the schema compiles under.
const rootFile = "goconnect/registered.proto"

func compileText(ctx context.Context, text string, refs map[string]string) (protoreflect.FileDescriptor, error) {
	base := protoknown.Resolver(refs)
	root := protoknown.WithMetaImport(text)
	resolve := protocompile.ResolverFunc(func(path string) (protocompile.SearchResult, error) {
		if path != rootFile {
			return base.FindFileByPath(path)
		}
		return parseLenient(root)
	})
	comp := protocompile.Compiler{Resolver: resolve}
	fds, err := comp.Compile(ctx, rootFile)
	if err != nil {
		// Confluent's clients also accept a schema given as a base64
		// FileDescriptorProto (what its Python and Go serializers
		// register); a registry may keep it that way.
		if fd, derr := fromSerialized(ctx, text, refs); derr == nil {
			return fd, nil
		}
		return nil, fmt.Errorf("invalid Protobuf schema: %w", err)
	}
	return fds[0], nil
}

// fromSerialized builds a file from a base64 FileDescriptorProto, its
// imports compiled from the references and the known files.
func fromSerialized(ctx context.Context, text string, refs map[string]string) (protoreflect.FileDescriptor, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(text))
	if err != nil {
		return nil, err
	}
	fdp := &descriptorpb.FileDescriptorProto{}
	if err := proto.Unmarshal(raw, fdp); err != nil {
		return nil, err
	}
	reg := &protoregistry.Files{}
	if deps := fdp.GetDependency(); len(deps) > 0 {
		comp := protocompile.Compiler{Resolver: protoknown.Resolver(refs)}
		fds, err := comp.Compile(ctx, deps...)
		if err != nil {
			return nil, err
		}
		for _, fd := range fds {
			if err := protoknown.RegisterWithDeps(reg, fd); err != nil {
				return nil, err
			}
		}
	}
	return protodesc.NewFile(fdp, reg)
}

// readIndexes reads the message-index array: a zigzag varint count, then
// the indexes; a count of 0 means [0].
func readIndexes(b []byte) ([]int, int, error) {
	count, n := binary.Varint(b)
	if n <= 0 {
		return nil, 0, fmt.Errorf("invalid message indexes")
	}
	if count == 0 {
		return []int{0}, n, nil
	}
	if count < 0 || count > 100 {
		return nil, 0, fmt.Errorf("invalid message index count %d", count)
	}
	out := make([]int, count)
	for i := range out {
		v, m := binary.Varint(b[n:])
		if m <= 0 || v < 0 {
			return nil, 0, fmt.Errorf("invalid message indexes")
		}
		out[i] = int(v)
		n += m
	}
	return out, n, nil
}

// appendIndexes writes the message-index array as Confluent's
// MessageIndexes.toByteArray.
func appendIndexes(b []byte, indexes []int) []byte {
	if len(indexes) == 1 && indexes[0] == 0 {
		return append(b, 0)
	}
	b = binary.AppendVarint(b, int64(len(indexes)))
	for _, i := range indexes {
		b = binary.AppendVarint(b, int64(i))
	}
	return b
}

// messageByIndexes finds a message by its index path (top-level message
// index, then nested message indexes), as Confluent counts them: map
// entry messages included.
func messageByIndexes(fd protoreflect.FileDescriptor, indexes []int) (protoreflect.MessageDescriptor, error) {
	msgs := fd.Messages()
	var md protoreflect.MessageDescriptor
	for _, i := range indexes {
		if i >= msgs.Len() {
			return nil, fmt.Errorf("message index %v not in the schema", indexes)
		}
		md = msgs.Get(i)
		msgs = md.Messages()
	}
	if md == nil {
		return nil, fmt.Errorf("the schema has no message")
	}
	return md, nil
}

// parseLenient parses the schema text and drops explicit map_entry
// options: Confluent prints a descriptor's map entry messages as nested
// XxxEntry messages with "option map_entry = true;", which protoc and
// protocompile refuse in source. Without the option they are plain
// repeated key/value messages, the same bytes, and ProtobufData reads
// such messages as maps.
func parseLenient(text string) (protocompile.SearchResult, error) {
	handler := reporter.NewHandler(nil)
	file, err := parser.Parse(rootFile, strings.NewReader(text), handler)
	if err != nil {
		return protocompile.SearchResult{}, err
	}
	res, err := parser.ResultFromAST(file, false, handler)
	if err != nil {
		return protocompile.SearchResult{}, err
	}
	var strip func(msgs []*descriptorpb.DescriptorProto)
	strip = func(msgs []*descriptorpb.DescriptorProto) {
		for _, md := range msgs {
			if opts := md.GetOptions(); opts != nil {
				kept := opts.UninterpretedOption[:0]
				for _, o := range opts.UninterpretedOption {
					if len(o.Name) == 1 && o.Name[0].GetNamePart() == "map_entry" && !o.Name[0].GetIsExtension() {
						continue
					}
					kept = append(kept, o)
				}
				opts.UninterpretedOption = kept
			}
			strip(md.NestedType)
		}
	}
	strip(res.FileDescriptorProto().MessageType)
	return protocompile.SearchResult{ParseResult: res}, nil
}

// readable tells why a reader message cannot read what a writer message
// writes, field by field number: the same wire encoding and cardinality
// (Confluent runs its full Protobuf compatibility check here; this is its
// part that decides whether the bytes decode).
func readable(reader, writer protoreflect.MessageDescriptor, seen map[[2]protoreflect.FullName]bool) string {
	key := [2]protoreflect.FullName{reader.FullName(), writer.FullName()}
	if seen[key] {
		return ""
	}
	seen[key] = true
	wf := writer.Fields()
	for i := 0; i < wf.Len(); i++ {
		w := wf.Get(i)
		r := reader.Fields().ByNumber(w.Number())
		if r == nil {
			continue // unknown to the reader: skipped
		}
		if kindClass(r.Kind()) != kindClass(w.Kind()) || r.IsList() != w.IsList() && !(r.IsMap() || w.IsMap()) {
			return fmt.Sprintf("field %d (%s) is %s %s there, %s %s here", w.Number(), w.Name(), r.Cardinality(), r.Kind(), w.Cardinality(), w.Kind())
		}
		if w.Message() != nil && r.Message() != nil {
			if why := readable(r.Message(), w.Message(), seen); why != "" {
				return string(w.Name()) + "." + why
			}
		}
	}
	return ""
}

// kindClass groups the kinds whose values decode as one another.
func kindClass(k protoreflect.Kind) int {
	switch k {
	case protoreflect.Int32Kind, protoreflect.Int64Kind, protoreflect.Uint32Kind, protoreflect.Uint64Kind,
		protoreflect.BoolKind, protoreflect.EnumKind:
		return 1
	case protoreflect.Sint32Kind, protoreflect.Sint64Kind:
		return 2
	case protoreflect.StringKind, protoreflect.BytesKind:
		return 3
	case protoreflect.Fixed32Kind, protoreflect.Sfixed32Kind:
		return 4
	case protoreflect.Fixed64Kind, protoreflect.Sfixed64Kind:
		return 5
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return 6
	}
	return int(k) + 100
}
