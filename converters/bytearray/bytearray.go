// Package bytearray is Connect's ByteArrayConverter: bytes pass through.
package bytearray

import (
	"fmt"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/data"
)

// Class is the Java class name users configure.
const Class = "org.apache.kafka.connect.converters.ByteArrayConverter"

// Desc registers the converter.
func Desc() connect.PluginDesc {
	return connect.PluginDesc{Class: Class, Type: connect.TypeConverter, Version: "4.1.0", New: func() any { return New() }}
}

// Converter passes bytes through unchanged.
type Converter struct{}

// New returns the converter.
func New() *Converter { return &Converter{} }

// Configure implements connect.Converter; there is nothing to configure.
func (*Converter) Configure(map[string]string, bool) error { return nil }

// ConfigureHeader implements connect.HeaderConverter.
func (*Converter) ConfigureHeader(map[string]string) error { return nil }

// FromConnectData implements connect.Converter.
func (*Converter) FromConnectData(topic string, _ connect.Headers, s *data.Schema, v any) ([]byte, error) {
	if s != nil && s.Type != data.TypeBytes {
		return nil, fmt.Errorf("Invalid schema type for ByteArrayConverter: %s", s.Type.JavaName())
	}
	if v == nil {
		return nil, nil
	}
	b, ok := v.([]byte)
	if !ok {
		return nil, fmt.Errorf("ByteArrayConverter is not compatible with objects of type %T (topic %s)", v, topic)
	}
	return b, nil
}

// ToConnectData implements connect.Converter.
func (*Converter) ToConnectData(_ string, _ connect.Headers, b []byte) (*data.Schema, any, error) {
	if b == nil {
		return data.OptionalBytes, nil, nil
	}
	return data.OptionalBytes, b, nil
}

// FromConnectHeader implements connect.HeaderConverter.
func (c *Converter) FromConnectHeader(topic, _ string, s *data.Schema, v any) ([]byte, error) {
	return c.FromConnectData(topic, nil, s, v)
}

// ToConnectHeader implements connect.HeaderConverter.
func (c *Converter) ToConnectHeader(topic, _ string, b []byte) (*data.Schema, any, error) {
	return c.ToConnectData(topic, nil, b)
}
