package avro

import (
	"testing"

	"github.com/goconnect/goconnect/connect/data"
)

const tagParam = "io.confluent.connect.protobuf.Tag"

func address(tag string) *data.Schema {
	return data.StructBuilder().Name("Address").Param(tagParam, tag).Field("line", data.OptionalString).MustBuild()
}

// AvroData's addAvroRecordField: the second field whose named type was met
// before refers to it by name and carries its own connect.parameters, and
// toConnectSchema puts them back on that field's schema.
func TestFieldLevelConnectParameters(t *testing.T) {
	container := data.StructBuilder().Name("Container").Field("primary", address("2")).
		Field("secondary", address("3")).Field("third", address("2")).MustBuild()
	want := `{"type":"record","name":"Container","fields":[` +
		`{"name":"primary","type":{"type":"record","name":"Address","fields":[{"name":"line","type":["null","string"],"default":null}],` +
		`"connect.parameters":{"io.confluent.connect.protobuf.Tag":"2"},"connect.name":"Address"}},` +
		`{"name":"secondary","type":"Address","connect.parameters":{"io.confluent.connect.protobuf.Tag":"3"}},` +
		`{"name":"third","type":"Address","connect.parameters":{"io.confluent.connect.protobuf.Tag":"2"}}],"connect.name":"Container"}`
	got := text(t, container)
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	s, err := newToConnector(defaultDataConfig()).schema(mustAvro(t, got), false, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, tag := range []string{"2", "3", "2"} {
		f := s.Fields[i]
		if f.Schema.Param(tagParam) != tag || f.Schema.Name != "Address" || len(f.Schema.Fields) != 1 {
			t.Errorf("%s: %+v, want tag %s", f.Name, f.Schema, tag)
		}
	}

	// Without connect.meta.data neither side writes or reads them.
	cfg := defaultDataConfig()
	cfg.metaData = false
	fc := fromConnect{cfg: cfg}
	at, err := fc.schema(container)
	if err != nil {
		t.Fatal(err)
	}
	if plain := schemaText(at); plain != `{"type":"record","name":"Container","fields":[`+
		`{"name":"primary","type":{"type":"record","name":"Address","fields":[{"name":"line","type":["null","string"],"default":null}]}},`+
		`{"name":"secondary","type":"Address"},{"name":"third","type":"Address"}]}` {
		t.Errorf("connect.meta.data=false: %s", plain)
	}
	s, err = newToConnector(cfg).schema(mustAvro(t, got), false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p := s.Fields[1].Schema.Param(tagParam); p != "" {
		t.Errorf("connect.meta.data=false read field parameters: %q", p)
	}

	// An unnamed type or one without parameters gets none.
	inner := data.StructBuilder().Name("Inner").Field("v", data.OptionalString).MustBuild()
	outer := data.StructBuilder().Name("Outer").Field("a", inner).Field("b", inner).
		Field("c", data.Int32Schema).Field("d", data.Int32Schema).MustBuild()
	if got := text(t, outer); got != `{"type":"record","name":"Outer","fields":[`+
		`{"name":"a","type":{"type":"record","name":"Inner","fields":[{"name":"v","type":["null","string"],"default":null}],"connect.name":"Inner"}},`+
		`{"name":"b","type":"Inner"},{"name":"c","type":"int"},{"name":"d","type":"int"}],"connect.name":"Outer"}` {
		t.Errorf("no parameters: %s", got)
	}
}
