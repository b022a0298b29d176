package connect

// PluginType is the kind of a plugin, named as the REST API lists them.
type PluginType string

// Plugin types.
const (
	TypeSource          PluginType = "source"
	TypeSink            PluginType = "sink"
	TypeConverter       PluginType = "converter"
	TypeHeaderConverter PluginType = "header_converter"
	TypeTransformation  PluginType = "transformation"
	TypePredicate       PluginType = "predicate"
)

// PluginDesc describes a plugin: the Java class name users write, more
// aliases, and a constructor returning the plugin (a SourceConnector,
// SinkConnector, Converter, HeaderConverter, Transformation or Predicate).
type PluginDesc struct {
	// Class is the fully-qualified Java class name of the plugin it replaces.
	Class string
	// Aliases are other accepted names (the Go name, old class names).
	// The simple class name and, for connectors and converters, the simple
	// name without its Connector/Converter suffix are accepted without
	// being listed, as Connect does.
	Aliases []string
	Type    PluginType
	Version string
	New     func() any
	// TaskClass is, for a connector, the Java class of its tasks: Connect
	// adds it to every task config as task.class.
	TaskClass string
}
