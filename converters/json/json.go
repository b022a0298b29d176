// Package jsonconv registers Connect's JsonConverter
// (org.apache.kafka.connect.json.JsonConverter) as a plugin; the converter
// itself is internal/jsonconverter, which other plugins share.
package jsonconv

import (
	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/internal/jsonconverter"
)

// Class is the Java class name users configure.
const Class = jsonconverter.Class

// Converter is a JsonConverter.
type Converter = jsonconverter.Converter

// New returns a converter with Connect's defaults (schemas enabled).
func New() *Converter { return jsonconverter.New() }

// Desc registers the converter.
func Desc() connect.PluginDesc {
	return connect.PluginDesc{Class: Class, Type: connect.TypeConverter, Version: "4.1.0", New: func() any { return New() }}
}
