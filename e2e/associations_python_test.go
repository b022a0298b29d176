//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/hex"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/converters/avro"
	"github.com/goconnect/goconnect/schemaregistry/srtest"
)

// pyAssocScript creates a topic's STRONG association with Confluent's
// Python client, reads it back through the client, and serializes a record
// with the client's AvroSerializer under its default subject strategy
// (ASSOCIATED). It prints the serialized bytes, then DONE.
const pyAssocScript = `
import sys
from confluent_kafka.schema_registry import (SchemaRegistryClient, Schema,
    AssociationCreateOrUpdateRequest, AssociationCreateOrUpdateInfo)
from confluent_kafka.schema_registry.avro import AvroSerializer
from confluent_kafka.serialization import SerializationContext, MessageField

url, topic, ns, schema = sys.argv[1:5]
c = SchemaRegistryClient({"url": url})
resp = c.create_association(AssociationCreateOrUpdateRequest(
    resource_name=topic, resource_namespace=ns, resource_id=topic + "-id", resource_type="topic",
    associations=[AssociationCreateOrUpdateInfo(association_type="value", schema=Schema(schema, "AVRO"))]))
info = resp.associations[0]
assert info.subject == ":." + ns + ":" + topic + "-value", info
assert info.lifecycle == "STRONG" and info.schema is not None and "Rating" in info.schema.schema_str, info
got = c.get_associations_by_resource_name(topic, "-", "topic", ["value"])
assert len(got) == 1 and got[0].subject == info.subject and got[0].resource_id == topic + "-id", got
print("associated", got[0].subject)
ser = AvroSerializer(c, schema, conf={"subject.name.strategy.conf": {"subject.name.strategy.kafka.cluster.id": ns}})
out = ser({"id": 7, "name": "seven"}, SerializationContext(topic, MessageField.VALUE))
print("BYTES", out.hex())
print("DONE")
`

// TestAssociationsPython: Confluent's Python client creates and reads an
// association on goconnect's registry, its serializer (default strategy
// ASSOCIATED) writes to the associated subject, and AvroConverter with
// AssociatedNameStrategy writes the same bytes.
func TestAssociationsPython(t *testing.T) {
	py := pythonClients(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv := srtest.New(t)

	topic, ns := uniqueName(t, "assoc"), "lkc-py"
	schema := `{"type":"record","name":"Rating","namespace":"t","fields":[{"name":"id","type":"int"},{"name":"name","type":"string"}]}`
	out, err := exec.CommandContext(ctx, py, "-c", pyAssocScript, srv.URL, topic, ns, schema).CombinedOutput()
	if err != nil || !strings.HasSuffix(strings.TrimSpace(string(out)), "DONE") {
		t.Fatalf("Python client: %v\n%s", err, out)
	}
	t.Logf("%s", out)
	var pyBytes []byte
	for _, line := range strings.Split(string(out), "\n") {
		if h, ok := strings.CutPrefix(line, "BYTES "); ok {
			pyBytes, _ = hex.DecodeString(strings.TrimSpace(h))
		}
	}
	subject := ":." + ns + ":" + topic + "-value"
	if vs, err := srv.Versions(subject); err != nil || len(vs) != 1 {
		t.Fatalf("versions of %s: %v %v", subject, vs, err)
	}
	if _, err := srv.Versions(topic + "-value"); err == nil {
		t.Fatalf("the Python serializer registered under %s-value", topic)
	}

	conv := avro.New()
	if err := conv.Configure(map[string]string{"schema.registry.url": srv.URL, "auto.register.schemas": "false", "use.latest.version": "true",
		"value.subject.name.strategy":            "io.confluent.kafka.serializers.subject.AssociatedNameStrategy",
		"subject.name.strategy.kafka.cluster.id": ns}, false); err != nil {
		t.Fatal(err)
	}
	s := data.StructBuilder().Name("t.Rating").Field("id", data.Int32Schema).Field("name", data.StringSchema).MustBuild()
	got, err := conv.FromConnectData(topic, nil, s, data.NewStruct(s).MustPut("id", int32(7)).MustPut("name", "seven"))
	if err != nil {
		t.Fatal(err)
	}
	if len(pyBytes) == 0 || !bytes.Equal(got, pyBytes) {
		t.Errorf("AvroConverter wrote %x, the Python serializer %x", got, pyBytes)
	}
}
