// Package builtin is the list of the plugins compiled into goconnect. Only
// the command (cmd/) and tests import it: the runtime works with whatever
// registry it is given (runtime/plugins), so it links no connector.
package builtin

import (
	"path"
	"regexp"
	"strings"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connectors/datagen"
	"github.com/goconnect/goconnect/connectors/elasticsearch"
	"github.com/goconnect/goconnect/connectors/filestream"
	"github.com/goconnect/goconnect/connectors/mongodb"
	"github.com/goconnect/goconnect/connectors/mysql"
	"github.com/goconnect/goconnect/converters/avro"
	"github.com/goconnect/goconnect/converters/bytearray"
	jsonconv "github.com/goconnect/goconnect/converters/json"
	"github.com/goconnect/goconnect/converters/jsonschema"
	"github.com/goconnect/goconnect/converters/protobuf"
	"github.com/goconnect/goconnect/converters/simpleheader"
	"github.com/goconnect/goconnect/converters/stringconv"
	"github.com/goconnect/goconnect/runtime/plugins"
	"github.com/goconnect/goconnect/transforms/apache"
	"github.com/goconnect/goconnect/transforms/debezium"
	"github.com/goconnect/goconnect/transforms/predicates"
)

// connectFileEntry matches the last element of a plugin.path entry that
// names Apache Kafka's file connectors as a Java user adds them: the jar
// (connect-file-4.1.1.jar), a folder named connect-file (or
// connect-file-<version>), or Confluent's package folder
// filestream-connectors.
var connectFileEntry = regexp.MustCompile(`^(connect-file(-[^/]*)?(\.jar)?|filestream-connectors)$`)

// FileConnectorsEnabled tells whether the worker's plugin.path entries
// enable the file connectors. Apache Kafka stopped shipping them on the
// default plugin path in 3.2 because anyone who can reach the REST API
// could read or append to any file the worker can; goconnect keeps them
// off unless an entry names them. Only the entry's name counts: the
// connectors are compiled in, so nothing is read from that path.
func FileConnectorsEnabled(pluginPath []string) bool {
	for _, e := range pluginPath {
		e = strings.TrimRight(strings.TrimSpace(e), "/")
		if e != "" && connectFileEntry.MatchString(path.Base(e)) {
			return true
		}
	}
	return false
}

// Descs lists the plugins compiled into goconnect that a worker with the
// given plugin.path offers: all of them, except the file connectors unless
// FileConnectorsEnabled.
func Descs(pluginPath []string) []connect.PluginDesc {
	descs := All()
	if FileConnectorsEnabled(pluginPath) {
		return descs
	}
	out := descs[:0]
	for _, d := range descs {
		if d.Class != filestream.SourceDesc().Class && d.Class != filestream.SinkDesc().Class {
			out = append(out, d)
		}
	}
	return out
}

// All lists every plugin compiled into goconnect.
func All() []connect.PluginDesc {
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
		jsonschema.Desc(),
		protobuf.Desc(),
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

// Registry returns a registry of the plugins a worker with the given
// plugin.path offers (see Descs).
func Registry(pluginPath []string) *plugins.Registry {
	r, err := plugins.NewRegistry(Descs(pluginPath)...)
	if err != nil {
		// The built-in list is fixed at compile time; a clash is a bug
		// caught by the tests.
		panic(err)
	}
	return r
}
