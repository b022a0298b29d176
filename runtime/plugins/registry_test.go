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
