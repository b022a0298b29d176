// Package apache holds Apache Kafka's standard single message transforms
// (org.apache.kafka.connect.transforms.*), with the same config keys,
// behaviour on schema'd and schemaless records, and error texts.
package apache

import (
	"fmt"
	"strings"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/transforms/smtutil"
)

// Version is reported for every transform of this package.
const Version = "4.1.0"

const pkg = "org.apache.kafka.connect.transforms."

// keyValue registers the $Key and $Value variants of a transform.
func keyValue(name string, mk func(smtutil.Side) connect.Transformation) []connect.PluginDesc {
	return []connect.PluginDesc{
		{Class: pkg + name + "$Key", Type: connect.TypeTransformation, Version: Version, New: func() any { return mk(smtutil.Key) }},
		{Class: pkg + name + "$Value", Type: connect.TypeTransformation, Version: Version, New: func() any { return mk(smtutil.Value) }},
	}
}

func single(name string, mk func() connect.Transformation) connect.PluginDesc {
	return connect.PluginDesc{Class: pkg + name, Type: connect.TypeTransformation, Version: Version, New: func() any { return mk() }}
}

// Descs lists every transform of the package.
func Descs() []connect.PluginDesc {
	var out []connect.PluginDesc
	out = append(out, keyValue("InsertField", func(s smtutil.Side) connect.Transformation { return &InsertField{side: s} })...)
	out = append(out, keyValue("ExtractField", func(s smtutil.Side) connect.Transformation { return &ExtractField{side: s} })...)
	out = append(out, keyValue("ReplaceField", func(s smtutil.Side) connect.Transformation { return &ReplaceField{side: s} })...)
	out = append(out, keyValue("MaskField", func(s smtutil.Side) connect.Transformation { return &MaskField{side: s} })...)
	out = append(out, keyValue("HoistField", func(s smtutil.Side) connect.Transformation { return &HoistField{side: s} })...)
	out = append(out, keyValue("Cast", func(s smtutil.Side) connect.Transformation { return &Cast{side: s} })...)
	out = append(out, keyValue("TimestampConverter", func(s smtutil.Side) connect.Transformation { return &TimestampConverter{side: s} })...)
	out = append(out, keyValue("Flatten", func(s smtutil.Side) connect.Transformation { return &Flatten{side: s} })...)
	out = append(out, keyValue("SetSchemaMetadata", func(s smtutil.Side) connect.Transformation { return &SetSchemaMetadata{side: s} })...)
	out = append(out, keyValue("HeaderFrom", func(s smtutil.Side) connect.Transformation { return &HeaderFrom{side: s} })...)
	out = append(out,
		single("ValueToKey", func() connect.Transformation { return &ValueToKey{} }),
		single("RegexRouter", func() connect.Transformation { return &RegexRouter{} }),
		single("TimestampRouter", func() connect.Transformation { return &TimestampRouter{} }),
		single("InsertHeader", func() connect.Transformation { return &InsertHeader{} }),
		single("DropHeaders", func() connect.Transformation { return &DropHeaders{} }),
		single("Filter", func() connect.Transformation { return &Filter{} }),
	)
	return out
}

// replaceNullKey is KIP-1040's switch, shared by several transforms.
var replaceNullKey = config.Key{Name: "replace.null.with.default", Type: config.TypeBoolean, Default: "true", Importance: config.Medium,
	Doc: "Whether to replace fields that have a default value and that are null to the default value."}

// parseWith parses props against def, wrapping the error with the transform name.
func parseWith(def *config.Def, name string, props map[string]string) (*config.Values, error) {
	v, err := def.Parse(props)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return v, nil
}

// nonEmptyList rejects an empty LIST.
type nonEmptyList struct{}

func (nonEmptyList) Validate(_ string, v any) error {
	if l, _ := v.([]string); len(l) == 0 {
		return fmt.Errorf("Empty list")
	}
	return nil
}
func (nonEmptyList) String() string { return "non-empty list" }

func trimAll(l []string) []string {
	out := l[:0:0]
	for _, s := range l {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// noClose is embedded by transforms that hold nothing to release.
type noClose struct{}

func (noClose) Close() error { return nil }
