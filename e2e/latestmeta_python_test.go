//go:build e2e

package e2e

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/converters/avro"
	"github.com/goconnect/goconnect/schemaregistry/srtest"
)

// pyLatestWithMetadata serializes {"o": "x"} with Confluent's Python
// AvroSerializer configured with use.latest.with.metadata (its client
// asks GET /subjects/{s}/metadata) and prints the bytes in hex.
const pyLatestWithMetadata = `
import json, sys
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroSerializer
from confluent_kafka.serialization import SerializationContext, MessageField
a = json.load(sys.stdin)
ser = AvroSerializer(SchemaRegistryClient({"url": a["url"]}), a["schema"],
    conf={"auto.register.schemas": False, "use.latest.with.metadata": a["metadata"]})
print(ser({"o": "x"}, SerializationContext(a["topic"], MessageField.VALUE)).hex())
`

// use.latest.with.metadata against goconnect's registry: Confluent's
// Python serializer and goconnect's AvroConverter, given the same pairs,
// pick the same version and write the same bytes (the id and the
// encoding with that version's schema), with a newer version without
// the pairs, and a soft-deleted match, in the subject.
func TestUseLatestWithMetadataPython(t *testing.T) {
	py := pythonClients(t)
	srv := srtest.New(t)
	plain := `{"type":"record","name":"R","fields":[{"name":"o","type":"string"}]}`
	nullable := `{"type":"record","name":"R","fields":[{"name":"o","type":["null","string"],"default":null}]}`
	for _, v := range []struct{ schema, md string }{
		{plain, `{"properties":{"app":"1","team":"a"}}`},
		{nullable, `{"properties":{"app":"2","team":"a"}}`},
		{`{"type":"record","name":"R","doc":"3","fields":[{"name":"o","type":["null","string"],"default":null}]}`, `{"properties":{"app":"3"}}`},
	} {
		srv.Register(t, "t-value", srtest.Schema{Text: v.schema, Metadata: v.md})
	}
	if _, err := srv.DeleteVersion("t-value", 1, false); err != nil {
		t.Fatal(err)
	}
	s := data.StructBuilder().Name("R").Field("o", data.StringSchema).MustBuild()
	for _, c := range []struct {
		spec string
		py   map[string]string
		want string // the version's id and the encoding with its schema
	}{
		{"app=2", map[string]string{"app": "2"}, "0000000002" + "020278"},
		{"team=a", map[string]string{"team": "a"}, "0000000002" + "020278"},
		{"app=1,team=a", map[string]string{"app": "1", "team": "a"}, "0000000001" + "0278"},
	} {
		conv := avro.New()
		if err := conv.Configure(map[string]string{"schema.registry.url": srv.URL, "auto.register.schemas": "false", "use.latest.with.metadata": c.spec}, false); err != nil {
			t.Fatal(err)
		}
		ours, err := conv.FromConnectData("t", nil, s, data.NewStruct(s).MustPut("o", "x"))
		if err != nil {
			t.Fatalf("%s: %v", c.spec, err)
		}
		in, _ := json.Marshal(map[string]any{"url": srv.URL, "schema": plain, "topic": "t", "metadata": c.py})
		cmd := exec.Command(py, "-c", pyLatestWithMetadata)
		cmd.Stdin = bytes.NewReader(in)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: Python client: %v\n%s", c.spec, err, stderr.String())
		}
		theirs := strings.TrimSpace(string(out))
		if hex.EncodeToString(ours) != c.want || theirs != c.want {
			t.Errorf("%s: goconnect %x, Python %s; want %s", c.spec, ours, theirs, c.want)
		}
	}
}
