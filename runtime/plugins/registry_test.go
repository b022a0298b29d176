package plugins

import (
	"strings"
	"testing"

	"github.com/goconnect/goconnect/connect"
)

func desc(class string, t connect.PluginType, aliases ...string) connect.PluginDesc {
	return connect.PluginDesc{Class: class, Type: t, Aliases: aliases, New: func() any { return nil }}
}

func TestLookupByEveryName(t *testing.T) {
	conv := desc("org.apache.kafka.connect.json.JsonConverter", connect.TypeConverter)
	hconv := conv
	hconv.Type = connect.TypeHeaderConverter
	r, err := NewRegistry(
		desc("io.confluent.kafka.connect.datagen.DatagenConnector", connect.TypeSource, "datagen"),
		desc("org.apache.kafka.connect.transforms.InsertField$Value", connect.TypeTransformation),
		conv, hconv,
	)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"io.confluent.kafka.connect.datagen.DatagenConnector", "DatagenConnector", "Datagen", "datagen", " DatagenConnector "} {
		d, err := r.Lookup(name, connect.TypeSource, connect.TypeSink)
		if err != nil || d.Type != connect.TypeSource {
			t.Errorf("Lookup(%q) = %v, %v", name, d, err)
		}
	}
	if d, err := r.Lookup("InsertField$Value", connect.TypeTransformation); err != nil || d.Class != "org.apache.kafka.connect.transforms.InsertField$Value" {
		t.Errorf("transform by simple name: %v %v", d, err)
	}
	if d, err := r.Lookup("JsonConverter", connect.TypeHeaderConverter); err != nil || d.Type != connect.TypeHeaderConverter {
		t.Errorf("header converter role: %v %v", d, err)
	}
	if _, err := r.Lookup("DatagenConnector", connect.TypeSink); err == nil {
		t.Error("a source was returned for a sink lookup")
	}
	if _, err := r.Lookup("Nope", connect.TypeSource); err == nil || !strings.Contains(err.Error(), "Nope") {
		t.Errorf("unknown plugin error %v does not name it", err)
	}
}

func TestRegistryRejectsNameClash(t *testing.T) {
	_, err := NewRegistry(desc("a.Foo", connect.TypeSource), desc("b.Foo", connect.TypeSink))
	if err == nil {
		t.Fatal("two plugins claiming the simple name Foo were accepted")
	}
}

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
	off := Builtin([]string{"/usr/share/java"})
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
	on := Builtin([]string{"/usr/share/java", "/usr/share/java/connect-file-4.1.1.jar"})
	if d, err := on.Lookup("FileStreamSource", connect.TypeSource); err != nil || d.Class != src {
		t.Errorf("FileStreamSource with connect-file on plugin.path: %v %v", d, err)
	}
}
