package plugins

import (
	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connectors/datagen"
	"github.com/goconnect/goconnect/connectors/elasticsearch"
	"github.com/goconnect/goconnect/connectors/filestream"
	"github.com/goconnect/goconnect/connectors/mongodb"
	"github.com/goconnect/goconnect/connectors/mysql"
	"github.com/goconnect/goconnect/converters/avro"
	"github.com/goconnect/goconnect/converters/bytearray"
	jsonconv "github.com/goconnect/goconnect/converters/json"
	"github.com/goconnect/goconnect/converters/simpleheader"
	"github.com/goconnect/goconnect/converters/stringconv"
	"github.com/goconnect/goconnect/transforms/apache"
	"github.com/goconnect/goconnect/transforms/debezium"
	"github.com/goconnect/goconnect/transforms/predicates"
)

// BuiltinDescs lists every plugin compiled into goconnect.
func BuiltinDescs() []connect.PluginDesc {
	descs := []connect.PluginDesc{
		datagen.Desc(),
		elasticsearch.Desc(),
		filestream.SourceDesc(),
		filestream.SinkDesc(),
		mongodb.SinkDesc(),
		mysql.Desc(),
		simpleheader.Desc(),
		debezium.Desc(),
		avro.Desc(),
	}
	descs = append(descs, apache.Descs()...)
	descs = append(descs, predicates.Descs()...)
	// Converters that also serve as header converters are listed under both types.
	for _, d := range []connect.PluginDesc{jsonconv.Desc(), stringconv.Desc(), bytearray.Desc()} {
		descs = append(descs, d)
		h := d
		h.Type = connect.TypeHeaderConverter
		descs = append(descs, h)
	}
	return descs
}

// Builtin returns a registry of every plugin compiled into goconnect.
func Builtin() *Registry {
	r, err := NewRegistry(BuiltinDescs()...)
	if err != nil {
		// The built-in list is fixed at compile time; a clash is a bug
		// caught by the tests.
		panic(err)
	}
	return r
}
