//go:build e2e

package e2e

import (
	"context"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/goconnect/goconnect/schemaregistry"
)

// pyRegistryScript drives a registry with Confluent's own Python client
// (confluent-kafka's SchemaRegistryClient): every call the client makes
// must parse our answers, and every refusal must carry Confluent's error
// code. It prints one line per step; a failed expectation raises.
const pyRegistryScript = `
import sys, json, base64
from confluent_kafka.schema_registry import SchemaRegistryClient, Schema, SchemaReference, Metadata, MetadataProperties
from confluent_kafka.schema_registry.error import SchemaRegistryError

c = SchemaRegistryClient({"url": sys.argv[1]})
p = sys.argv[2]

def code(f):
    try:
        f()
    except SchemaRegistryError as e:
        return e.error_code
    raise AssertionError("no error")

def eq(what, got, want):
    if got != want:
        raise AssertionError("%s: got %r, want %r" % (what, got, want))
    print(what, "ok")

addr = Schema('{"type":"record","name":"Address","namespace":"e2e","fields":[{"name":"street","type":"string"}]}', "AVRO")
aid = c.register_schema(p + "address", addr)
cust = Schema('{"type":"record","name":"Customer","namespace":"e2e","fields":[{"name":"home","type":"e2e.Address"}]}', "AVRO",
              [SchemaReference("e2e.Address", p + "address", 1)])
cid = c.register_schema(p + "customer", cust)
eq("reference resolved", c.get_schema(cid).references[0].subject, p + "address")
import hashlib, uuid
full = SchemaRegistryClient({"url": sys.argv[1]}).register_schema_full_response(p + "address", addr)
eq("registration answer (Confluent 8)", (full.schema_id, full.version, full.guid),
   (aid, 1, str(uuid.UUID(bytes=hashlib.md5(addr.schema_str.encode()).digest()))))
eq("schema by guid", SchemaRegistryClient({"url": sys.argv[1]}).get_schema_by_guid(full.guid).schema_str, addr.schema_str)
eq("referencedby", c.get_referenced_by(p + "address", 1), [cid])
eq("lookup with references", c.lookup_schema(p + "customer", cust).version, 1)
eq("delete referenced", code(lambda: c.delete_version(p + "address", 1)), 42206)
eq("avro format=resolved", json.loads(SchemaRegistryClient({"url": sys.argv[1]}).get_schema(cid, fmt="resolved").schema_str)["fields"][0]["type"],
   {"type": "record", "name": "Address", "fields": [{"name": "street", "type": "string"}]})

# PROTOBUF: stored as Confluent prints it, so text written differently is
# one id; ?format=serialized is a base64 FileDescriptorProto, which
# registers too (Confluent's Python serializer registers that form).
pa = Schema('syntax = "proto3";\n// an order\npackage e2e;\nmessage Order { int64 id = 1; string note = 2; }', "PROTOBUF")
pb = Schema('syntax="proto3";package e2e;message Order{int64 id=1;string note=2;}', "PROTOBUF")
pid = c.register_schema(p + "orders", pa)
eq("protobuf written differently, one id", c.register_schema(p + "orders", pb), pid)
fresh = SchemaRegistryClient({"url": sys.argv[1]})
ser = fresh.get_schema(pid, fmt="serialized").schema_str
eq("protobuf serialized", base64.b64decode(ser)[:9], b"\n\x07default")
eq("protobuf printed form", c.get_schema(pid).schema_str, 'syntax = "proto3";\npackage e2e;\n\nmessage Order {\n  int64 id = 1;\n  string note = 2;\n}\n')
eq("protobuf descriptor registers", c.register_schema(p + "orders-fdp", Schema(ser, "PROTOBUF")) > pid, True)
eq("protobuf incompatible", code(lambda: c.register_schema(p + "orders", Schema('syntax = "proto3"; package e2e; message Order { string id = 1; }', "PROTOBUF"))), 40901)

v1 = Schema('{"type":"record","name":"R","namespace":"e2e","fields":[{"name":"a","type":"int"}]}', "AVRO")
v2 = Schema('{"type":"record","name":"R","namespace":"e2e","fields":[{"name":"a","type":"int"},{"name":"b","type":"string","default":""}]}', "AVRO")
bad = Schema('{"type":"record","name":"R","namespace":"e2e","fields":[{"name":"c","type":"string"}]}', "AVRO")
s = p + "r"
c.register_schema(s, v1)
c.register_schema(s, v2)
eq("versions", c.get_versions(s), [1, 2])
eq("subject config unset", code(lambda: c.get_compatibility(s)), 40408)
c.set_compatibility(s, "FULL")
eq("subject config", c.get_compatibility(s), "FULL")
c.delete_config(s)
eq("subject config deleted", code(lambda: c.get_compatibility(s)), 40408)
eq("compatible", c.test_compatibility(s, v2), True)
eq("incompatible all versions", c.test_compatibility_all_versions(s, bad), False)
eq("register incompatible", code(lambda: c.register_schema(s, bad)), 40901)

eq("permanent delete of a live version", code(lambda: c.delete_version(s, 2, permanent=True)), 40407)
eq("soft delete latest", c.delete_version(s, "latest"), 2)
eq("soft delete again", code(lambda: c.delete_version(s, 2)), 40406)
eq("versions after delete", c.get_versions(s), [1])
eq("deleted version read", c.get_version(s, 2, deleted=True).version, 2)
eq("hard delete", c.delete_version(s, 2, permanent=True), 2)
eq("permanent delete of a live subject", code(lambda: c.delete_subject(s, permanent=True)), 40405)
eq("soft delete subject", c.delete_subject(s), [1])
eq("soft delete subject again", code(lambda: c.delete_subject(s)), 40404)
eq("hard delete subject", c.delete_subject(s, permanent=True), [1])
eq("subject gone", code(lambda: c.get_versions(s)), 40401)

m = p + "m"
c.register_schema(m, v1)
c.update_mode(m, "READONLY")
eq("mode", c.get_mode(m), "READONLY")
eq("register read-only", code(lambda: c.register_schema(m, v2)), 42205)
c.delete_mode(m)
eq("mode unset", code(lambda: c.get_mode(m)), 40409)
eq("global mode", c.get_global_mode(), "READWRITE")
eq("types", "AVRO" in c.get_schema_types(), True)
eq("subjects by id", c.get_subjects_by_schema_id(aid), [p + "address"])
eq("schema versions by id", [(v.subject, v.version) for v in c.get_schema_versions(aid)], [(p + "address", 1)])
ctx = ":.e2ectx:" + p + "x"
c.register_schema(ctx, v1)
eq("contexts", ".e2ectx" in c.get_contexts(), True)
md = Schema(v1.schema_str, "AVRO", metadata=Metadata(None, MetadataProperties({"owner": "e2e"}), None))
c.register_schema(p + "md", md)
eq("latest with metadata", c.get_latest_with_metadata(p + "md", {"owner": "e2e"}).version, 1)
print("DONE")
`

// TestSchemaRegistryPythonClient runs goconnect's registry journaled to the
// real Kafka and drives it with Confluent's Python client, then replays the
// topic into a second registry, which must hold the same subjects.
func TestSchemaRegistryPythonClient(t *testing.T) {
	py := pythonClients(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	topic := uniqueName(t, "_schemas")
	reg := schemaregistry.New(nil)
	j, err := schemaregistry.OpenKafka(ctx, []string{kafkaAddr}, topic, reg)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	reg.SetJournal(j)
	srv := httptest.NewServer(schemaregistry.Handler(reg))
	defer srv.Close()

	prefix := uniqueName(t, "py") + "-"
	out, err := exec.CommandContext(ctx, py, "-c", pyRegistryScript, srv.URL, prefix).CombinedOutput()
	if err != nil || !strings.HasSuffix(strings.TrimSpace(string(out)), "DONE") {
		t.Fatalf("Python client against goconnect's registry: %v\n%s", err, out)
	}
	t.Logf("%s", out)

	again := schemaregistry.New(nil)
	j2, err := schemaregistry.OpenKafka(ctx, []string{kafkaAddr}, topic, again)
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	if got, want := strings.Join(again.Subjects(), ","), strings.Join(reg.Subjects(), ","); got != want || !strings.Contains(got, prefix+"customer") {
		t.Errorf("replayed subjects %q, want %q", got, want)
	}
	// ts is the record's Kafka timestamp, the same after a replay.
	if v, err := reg.Get(prefix+"customer", 1, false); err != nil || v.TS <= 0 {
		t.Errorf("ts of the registered version: %+v %v", v, err)
	} else if w, err := again.Get(prefix+"customer", 1, false); err != nil || w.TS != v.TS {
		t.Errorf("replayed ts %+v %v, want %d", w, err, v.TS)
	}
	if _, err := again.Versions(prefix + "r"); err == nil {
		t.Errorf("the hard-deleted subject came back on replay")
	}
}
