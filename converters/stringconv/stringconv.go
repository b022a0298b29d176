// Package stringconv is Connect's StringConverter: values are written as
// their text form and read back as optional strings.
package stringconv

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/connect/data"
)

// Class is the Java class name users configure.
const Class = "org.apache.kafka.connect.storage.StringConverter"

// Desc registers the converter.
func Desc() connect.PluginDesc {
	return connect.PluginDesc{Class: Class, Type: connect.TypeConverter, Version: "4.1.0", New: func() any { return New() }}
}

// Converter converts between text and Connect strings.
type Converter struct {
	encoding string
}

// New returns a UTF-8 converter.
func New() *Converter { return &Converter{encoding: "UTF-8"} }

// ConfigDef declares converter.encoding.
func (*Converter) ConfigDef() *config.Def {
	return config.NewDef().Define(config.Key{Name: "converter.encoding", Type: config.TypeString, Default: "UTF8",
		Importance: config.High, Doc: "The name of the Java character set to use for encoding strings as byte arrays."})
}

// Configure implements connect.Converter. Connect reads
// {key,value}.converter.encoding too, after prefix stripping it is
// converter.encoding either way.
func (c *Converter) Configure(props map[string]string, isKey bool) error {
	enc := props["converter.encoding"]
	if enc == "" {
		if isKey {
			enc = props["key.converter.encoding"]
		} else {
			enc = props["value.converter.encoding"]
		}
	}
	if enc == "" {
		enc = "UTF-8"
	}
	switch norm := strings.ToUpper(strings.ReplaceAll(enc, "_", "-")); norm {
	case "UTF-8", "UTF8":
		c.encoding = "UTF-8"
	case "US-ASCII", "ASCII":
		c.encoding = "US-ASCII"
	case "ISO-8859-1", "ISO8859-1", "LATIN1":
		c.encoding = "ISO-8859-1"
	default:
		return &config.Error{Key: "converter.encoding", Value: enc, Message: "unsupported encoding; use UTF-8, US-ASCII or ISO-8859-1"}
	}
	return nil
}

// FromConnectData implements connect.Converter.
func (c *Converter) FromConnectData(_ string, _ connect.Headers, _ *data.Schema, v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	if n, ok := v.(int64); ok && c.encoding == "UTF-8" {
		// Numeric keys are the common case: skip the intermediate string.
		return strconv.AppendInt(make([]byte, 0, 20), n, 10), nil
	}
	return c.encode(data.JavaString(v))
}

// AppendConnectData implements connect.AppendConverter, so that the
// worker keeps a record in one block with a value converter that appends
// too (the reference pipeline's AvroConverter).
func (c *Converter) AppendConnectData(dst []byte, topic string, h connect.Headers, s *data.Schema, v any) ([]byte, bool, error) {
	if v == nil {
		return dst, true, nil
	}
	if n, ok := v.(int64); ok && c.encoding == "UTF-8" {
		return strconv.AppendInt(dst, n, 10), false, nil
	}
	b, err := c.FromConnectData(topic, h, s, v)
	if err != nil {
		return dst, false, err
	}
	return append(dst, b...), false, nil
}

// ToConnectData implements connect.Converter.
func (c *Converter) ToConnectData(_ string, _ connect.Headers, b []byte) (*data.Schema, any, error) {
	if b == nil {
		return data.OptionalString, nil, nil
	}
	return data.OptionalString, c.decode(b), nil
}

// ConfigureHeader lets the same class serve as a header converter.
func (c *Converter) ConfigureHeader(props map[string]string) error { return c.Configure(props, false) }

// FromConnectHeader implements connect.HeaderConverter.
func (c *Converter) FromConnectHeader(topic, _ string, s *data.Schema, v any) ([]byte, error) {
	return c.FromConnectData(topic, nil, s, v)
}

// ToConnectHeader implements connect.HeaderConverter.
func (c *Converter) ToConnectHeader(topic, _ string, b []byte) (*data.Schema, any, error) {
	return c.ToConnectData(topic, nil, b)
}

func (c *Converter) encode(s string) ([]byte, error) {
	switch c.encoding {
	case "UTF-8":
		return []byte(s), nil
	default:
		limit := rune(0xFF)
		if c.encoding == "US-ASCII" {
			limit = 0x7F
		}
		out := make([]byte, 0, len(s))
		for _, r := range s {
			if r > limit {
				r = '?' // Java's String.getBytes replaces unmappable characters with '?'
			}
			out = append(out, byte(r))
		}
		return out, nil
	}
}

func (c *Converter) decode(b []byte) string {
	if c.encoding == "UTF-8" {
		if utf8.Valid(b) {
			return string(b)
		}
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	var sb strings.Builder
	for _, x := range b {
		if c.encoding == "US-ASCII" && x > 0x7F {
			sb.WriteRune('\uFFFD')
			continue
		}
		sb.WriteRune(rune(x))
	}
	return sb.String()
}
