package avro

import (
	"fmt"
	"strings"

	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/internal/srclient"
)

// AvroData's settings (AvroDataConfig and AbstractDataConfig), with the
// names Confluent's AvroConverter reads.
const (
	keyEnhanced         = "enhanced.avro.schema.support"
	keyScrub            = "scrub.invalid.names"
	keyOptionalMapKeys  = "allow.optional.map.keys"
	keyFlattenSingleton = "flatten.singleton.unions"
	keyDiscardDocDef    = "discard.type.doc.default"
	keyGeneralized      = "generalized.sum.type.support"
	keyIgnoreNullDef    = "ignore.default.for.nullables"
	// Serializer settings that reach the converter.
	keyLogicalConverters = "avro.use.logical.type.converters"
	keyRemoveJavaProps   = "avro.remove.java.properties"
	keyLatestStrict      = srclient.KeyLatestStrict // these four defined by srclient.Define
	keyUseSchemaID       = srclient.KeyUseSchemaID
	keyIDStrict          = srclient.KeyIDStrict
	keyLatestTTL         = srclient.KeyLatestTTL
)

// dataConfig is what changes AvroData's mapping.
type dataConfig struct {
	metaData        bool
	enhanced        bool
	scrub           bool
	optionalMapKeys bool
	flatten         bool
	generalized     bool
	ignoreNullDef   bool
	// discardDocDef is discard.type.doc.default: AvroData's older mapping,
	// where Avro docs travel as Connect docs and connect.record.doc /
	// connect.enum.doc parameters, and Avro type defaults (enum default
	// symbols, the field-default flag) are not kept.
	discardDocDef bool
}

// defaultDataConfig is AvroData's defaults.
func defaultDataConfig() dataConfig {
	return dataConfig{metaData: true, flatten: true}
}

func defineDataKeys(d *config.Def) *config.Def {
	b := func(name, def string, imp config.Importance, doc string) config.Key {
		return config.Key{Name: name, Type: config.TypeBoolean, Default: def, Importance: imp, Doc: doc}
	}
	return d.
		Define(b(keyEnhanced, "false", config.Medium, "Toggle for enabling/disabling enhanced avro schema support: Enum symbol preservation and Package Name awareness")).
		Define(b(keyScrub, "false", config.Medium, "Whether to scrub invalid names by replacing invalid characters with valid ones")).
		Define(b(keyOptionalMapKeys, "false", config.Low, "Allow optional string map key when converting from Connect Schema to Avro Schema.")).
		Define(b(keyFlattenSingleton, "true", config.Low, "Whether to flatten singleton unions")).
		Define(b(keyDiscardDocDef, "false", config.Low, "Only Avro field doc and default will be retained during conversion of Avro and Connect schema.")).
		Define(b(keyGeneralized, "false", config.Medium, "Whether to use generalized sum types (unions and enums).")).
		Define(b(keyIgnoreNullDef, "false", config.Medium, "Whether to ignore default values of nullable fields.")).
		Define(b(keyLogicalConverters, "false", config.Medium, "If true, use logical type converter in generic record")).
		Define(b(keyRemoveJavaProps, "false", config.Medium, "Whether to remove Java properties from Avro schemas."))
}

func readDataConfig(v *config.Values) (dataConfig, error) {
	return dataConfig{
		metaData:        v.Bool(keyConnectMetaData),
		enhanced:        v.Bool(keyEnhanced),
		scrub:           v.Bool(keyScrub),
		optionalMapKeys: v.Bool(keyOptionalMapKeys),
		flatten:         v.Bool(keyFlattenSingleton),
		generalized:     v.Bool(keyGeneralized),
		ignoreNullDef:   v.Bool(keyIgnoreNullDef),
		discardDocDef:   v.Bool(keyDiscardDocDef),
	}, nil
}

// scrubName is AvroData's doScrubName: a name that is not a valid Avro
// name is URL-encoded as Java's URLEncoder does, then every character
// outside [A-Za-z0-9_] becomes '_', and a leading digit gets an 'x'.
func scrubName(name string) string {
	if name == "" || validAvroName(name) {
		return name
	}
	enc := javaURLEncode(name)
	if enc[0] >= '0' && enc[0] <= '9' {
		enc = "x" + enc
	}
	b := []byte(enc)
	for i, c := range b {
		if !nameChar(c) {
			b[i] = '_'
		}
	}
	return string(b)
}

func nameChar(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_'
}

func validAvroName(s string) bool {
	for i := 0; i < len(s); i++ {
		if !nameChar(s[i]) {
			return false
		}
	}
	return s[0] < '0' || s[0] > '9'
}

// javaURLEncode is java.net.URLEncoder.encode(s, "UTF-8"): letters,
// digits and ".-*_" stay, a space becomes '+', other bytes %XX.
func javaURLEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case nameChar(c) || c == '.' || c == '-' || c == '*':
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// scrubFullName scrubs each dotted part of a full name.
func (c dataConfig) scrubFullName(full string) string {
	if !c.scrub || full == "" {
		return full
	}
	parts := strings.Split(full, ".")
	for i, p := range parts {
		parts[i] = scrubName(p)
	}
	return strings.Join(parts, ".")
}

func (c dataConfig) scrubField(name string) string {
	if !c.scrub {
		return name
	}
	return scrubName(name)
}
