package builtin

import (
	"strings"
	"testing"

	"github.com/goconnect/goconnect/connect"
)

func TestFileConnectorsOnlyWithConnectFileOnPluginPath(t *testing.T) {
	for _, c := range []struct {
		path []string
		want bool
	}{
		{nil, false},
		{[]string{""}, false},
		{[]string{"/usr/share/java", "/usr/share/confluent-hub-components/"}, false},
		{[]string{"/opt/kafka/libs"}, false},
		{[]string{"/opt/connect-file-stuff/other.jar"}, false},
		{[]string{"/opt/kafka/libs/kafka-connect-file.jar"}, false},
		{[]string{"/opt/kafka/libs/connect-file-4.1.1.jar"}, true},
		{[]string{"/usr/share/java", " /opt/plugins/connect-file/ "}, true},
		{[]string{"/opt/plugins/connect-file-3.9.0"}, true},
		{[]string{"connect-file.jar"}, true},
		{[]string{"/usr/share/filestream-connectors"}, true},
	} {
		if got := FileConnectorsEnabled(c.path); got != c.want {
			t.Errorf("FileConnectorsEnabled(%q) = %v, want %v", c.path, got, c.want)
		}
	}
	const src = "org.apache.kafka.connect.file.FileStreamSourceConnector"
	off := Registry([]string{"/usr/share/java"})
	if _, err := off.Lookup("FileStreamSource", connect.TypeSource); err == nil {
		t.Error("FileStreamSource offered without connect-file on plugin.path")
	}
	for _, d := range off.All() {
		if strings.HasPrefix(d.Class, "org.apache.kafka.connect.file.") {
			t.Errorf("%s listed without connect-file on plugin.path", d.Class)
		}
	}
	if _, err := off.Lookup("DatagenConnector", connect.TypeSource); err != nil {
		t.Errorf("other connectors must stay: %v", err)
	}
	on := Registry([]string{"/usr/share/java", "/usr/share/java/connect-file-4.1.1.jar"})
	if d, err := on.Lookup("FileStreamSource", connect.TypeSource); err != nil || d.Class != src {
		t.Errorf("FileStreamSource with connect-file on plugin.path: %v %v", d, err)
	}
}

// Confluent's schema converters answer to their class names and the
// aliases Connect derives from them.
func TestSchemaConvertersByClassAndAlias(t *testing.T) {
	r := Registry(nil)
	for _, name := range []string{"io.confluent.connect.json.JsonSchemaConverter", "JsonSchemaConverter", "JsonSchema",
		"io.confluent.connect.avro.AvroConverter", "AvroConverter",
		"io.confluent.connect.protobuf.ProtobufConverter", "ProtobufConverter", "Protobuf"} {
		d, err := r.Lookup(name, connect.TypeConverter)
		if err != nil || !strings.HasPrefix(d.Class, "io.confluent.connect.") {
			t.Errorf("%s: %v %v", name, d, err)
		}
	}
}
