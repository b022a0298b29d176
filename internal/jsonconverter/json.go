// Package jsonconverter is Connect's JsonConverter: with schemas.enable
// each message is a {"schema":…,"payload":…} envelope, byte for byte as the
// Java converter writes it; without, just the payload. It is the library
// behind the converters/json plugin, shared with the plugins that write
// JSON the way Connect's converter does (the Elasticsearch sink's
// documents), as Java plugins depend on the connect-json artifact.
package jsonconverter

import (
	"errors"
	"fmt"
	"strings"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/connect/data"
)

// Class is the Java class name users configure.
const Class = "org.apache.kafka.connect.json.JsonConverter"

// Config keys, as JsonConverterConfig names them.
const (
	keySchemasEnable    = "schemas.enable"
	keyCacheSize        = "schemas.cache.size"
	keyDecimalFormat    = "decimal.format"
	keyReplaceNull      = "replace.null.with.default"
	keyConverterType    = "converter.type"
	envelopeErrorString = "JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and may not contain additional fields. If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter configuration."
)

// Converter is a JsonConverter. One instance serves one task at a time:
// its caches are not locked.
type Converter struct {
	schemasEnabled bool
	numericDecimal bool
	replaceNull    bool
	cacheSize      int

	// encoded caches the JSON of schemas by identity; a stream of records
	// shares one schema object, so it is serialized once.
	encoded map[*data.Schema][]byte
	// parsed caches schemas read from messages by their JSON text.
	parsed map[string]*data.Schema
	// lastSchemaKey and lastSchema are the entry last added to parsed
	// ("" when none, reset when parsed is cleared): the fast decoder
	// takes a message repeating that schema text without scanning or
	// hashing it again.
	lastSchemaKey string
	lastSchema    *data.Schema
	// keys caches the quoted field names of STRUCT schemas (fieldKeys).
	keys map[*data.Schema][][]byte
	// seen keeps the text of struct values records share (seenStructs).
	seen seenStructs
	buf  []byte
}

// New returns a converter with Connect's defaults (schemas enabled).
func New() *Converter {
	return &Converter{schemasEnabled: true, replaceNull: true, cacheSize: 1000,
		encoded: map[*data.Schema][]byte{}, parsed: map[string]*data.Schema{}}
}

// ConfigDef declares the converter's keys.
func (*Converter) ConfigDef() *config.Def {
	return config.NewDef().
		Define(config.Key{Name: keySchemasEnable, Type: config.TypeBoolean, Default: "true", Importance: config.High,
			Doc: "Include schemas within each of the serialized values and keys.", Group: "Schemas", Order: 1}).
		Define(config.Key{Name: keyCacheSize, Type: config.TypeInt, Default: "1000", Validator: config.AtLeast(0), Importance: config.High,
			Doc: "The maximum number of schemas that can be cached in this converter instance.", Group: "Schemas", Order: 2}).
		Define(config.Key{Name: keyDecimalFormat, Type: config.TypeString, Default: "BASE64", Validator: config.OneOf("BASE64", "NUMERIC"), Importance: config.Low,
			Doc: "Controls which format this converter will serialize decimals in: BASE64 or NUMERIC.", Group: "Serialization", Order: 1}).
		Define(config.Key{Name: keyReplaceNull, Type: config.TypeBoolean, Default: "true", Importance: config.Low,
			Doc: "Whether to replace fields that have a default value and that are null to the default value.", Group: "Serialization", Order: 2}).
		Define(config.Key{Name: keyConverterType, Type: config.TypeString, Default: "", Importance: config.Low,
			Doc: "How this converter will be used: key, value or header."})
}

// Configure implements connect.Converter.
func (c *Converter) Configure(props map[string]string, _ bool) error {
	v, err := c.ConfigDef().Parse(props)
	if err != nil {
		return fmt.Errorf("JsonConverter: %w", err)
	}
	c.schemasEnabled = v.Bool(keySchemasEnable)
	c.cacheSize = int(v.Int(keyCacheSize))
	c.numericDecimal = strings.EqualFold(v.String(keyDecimalFormat), "NUMERIC")
	c.replaceNull = v.Bool(keyReplaceNull)
	return nil
}

// ConfigureHeader implements connect.HeaderConverter.
func (c *Converter) ConfigureHeader(props map[string]string) error { return c.Configure(props, false) }

// FromConnectData implements connect.Converter. The message is written
// into the converter's own buffer and copied out at its exact size (the
// caller keeps it, e.g. in the producer's buffer): writing straight into
// a slice sized from the last message grew it several times over when
// records of very different sizes alternate (tables of one connector).
func (c *Converter) FromConnectData(topic string, h connect.Headers, s *data.Schema, v any) ([]byte, error) {
	b, null, err := c.AppendConnectData(c.buf[:0], topic, h, s, v)
	if err != nil || null {
		return nil, err
	}
	c.buf = b
	return append([]byte(nil), b...), nil
}

// AppendConnectData implements connect.AppendConverter: the message
// FromConnectData returns, appended to dst.
func (c *Converter) AppendConnectData(dst []byte, topic string, _ connect.Headers, s *data.Schema, v any) ([]byte, bool, error) {
	if s == nil && v == nil {
		return dst, true, nil
	}
	b := dst
	var err error
	if c.schemasEnabled {
		b = append(b, `{"schema":`...)
		if s == nil {
			b = append(b, "null"...)
		} else {
			b = append(b, c.schemaJSON(s)...)
		}
		b = append(b, `,"payload":`...)
		if b, err = c.appendValue(b, s, v); err != nil {
			return dst, false, fmt.Errorf("converting value to JSON for topic %s: %w", topic, err)
		}
		b = append(b, '}')
	} else if b, err = c.appendValue(b, s, v); err != nil {
		return dst, false, fmt.Errorf("converting value to JSON for topic %s: %w", topic, err)
	}
	return b, false, nil
}

// FromConnectHeader implements connect.HeaderConverter.
func (c *Converter) FromConnectHeader(topic, _ string, s *data.Schema, v any) ([]byte, error) {
	return c.FromConnectData(topic, nil, s, v)
}

// ToConnectHeader implements connect.HeaderConverter.
func (c *Converter) ToConnectHeader(topic, _ string, b []byte) (*data.Schema, any, error) {
	return c.ToConnectData(topic, nil, b)
}

func (c *Converter) schemaJSON(s *data.Schema) []byte {
	if b, ok := c.encoded[s]; ok {
		return b
	}
	b, err := c.appendSchema(nil, s)
	if err != nil {
		// A schema whose default does not serialize: write it without
		// caching so the error shows up on the value path instead.
		return b
	}
	if len(c.encoded) >= c.cacheSize {
		clear(c.encoded)
	}
	if c.cacheSize > 0 {
		c.encoded[s] = b
	}
	return b
}

// ToConnectData implements connect.Converter. Well-formed messages take
// a single-pass decoder (fastdecode.go); anything it does not accept —
// errors, unusual whitespace, deep nesting, a schema not yet cached — goes
// through toConnectDataRef, so results and errors are those of the
// reference path.
func (c *Converter) ToConnectData(topic string, _ connect.Headers, b []byte) (*data.Schema, any, error) {
	if b == nil {
		return nil, nil, nil
	}
	if c.schemasEnabled {
		if s, v, ok := c.fastEnvelope(b); ok {
			return s, v, nil
		}
	} else if v, ok := fastSchemaless(b); ok {
		return nil, v, nil
	}
	return c.toConnectDataRef(topic, b)
}

// toConnectDataRef is the reference decoder: encoding/json into a generic
// tree, then Connect values.
func (c *Converter) toConnectDataRef(topic string, b []byte) (*data.Schema, any, error) {
	if b == nil {
		return nil, nil, nil
	}
	if !c.schemasEnabled {
		root, err := parse(b)
		if err != nil {
			return nil, nil, fmt.Errorf("converting byte[] to Kafka Connect data failed due to serialization error of topic %s: %w", topic, err)
		}
		v, err := inferValue(root)
		if err != nil {
			return nil, nil, fmt.Errorf("converting byte[] to Kafka Connect data failed for topic %s: %w", topic, err)
		}
		return nil, v, nil
	}
	env, err := parseEnvelope(b)
	if err != nil {
		return nil, nil, fmt.Errorf("converting byte[] to Kafka Connect data failed due to serialization error of topic %s: %w", topic, err)
	}
	if env == nil {
		return nil, nil, fmt.Errorf("topic %s: %w", topic, errors.New(envelopeErrorString))
	}
	rawSchema, payload := env.schema, env.payload
	s, err := c.readSchema(rawSchema)
	if err != nil {
		return nil, nil, fmt.Errorf("topic %s: %w", topic, err)
	}
	if s == nil {
		v, err := inferValue(payload)
		if err != nil {
			return nil, nil, fmt.Errorf("topic %s: %w", topic, err)
		}
		return nil, v, nil
	}
	v, err := c.toConnect(s, payload)
	if err != nil {
		return nil, nil, fmt.Errorf("topic %s: %w", topic, err)
	}
	return s, v, nil
}
