//go:build e2e

package e2e

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os/exec"
	"testing"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/converters/avro"
	"github.com/goconnect/goconnect/converters/jsonschema"
	"github.com/goconnect/goconnect/converters/protobuf"
	"github.com/goconnect/goconnect/internal/srclient"
	"github.com/goconnect/goconnect/schemaregistry/srtest"
	"github.com/linkedin/goavro/v2"
)

// pyMigrate reads hex payloads with Confluent's Python JSONDeserializer
// (use.latest.version or use.latest.with.metadata, its JSONata executor
// registered) and prints each value as JSON, or the error.
const pyMigrate = `
import json, sys
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.json_schema import JSONDeserializer
from confluent_kafka.schema_registry.rules.jsonata.jsonata_executor import JsonataExecutor
from confluent_kafka.serialization import SerializationContext, MessageField
JsonataExecutor.register()
a = json.load(sys.stdin)
conf = {"use.latest.version": True} if not a.get("meta") else {"use.latest.with.metadata": a["meta"]}
de = JSONDeserializer(None, schema_registry_client=SchemaRegistryClient({"url": a["url"]}), conf=conf)
out = []
for p in a["payloads"]:
    try:
        out.append({"value": de(bytes.fromhex(p), SerializationContext(a["topic"], MessageField.VALUE))})
    except Exception as e:
        out.append({"error": str(e)})
print(json.dumps(out))
`

// TestJSONataMigrationsPython: records written with version 1 read as
// version 2 (UPGRADE) and written with version 2 read as version 1
// (DOWNGRADE, reader chosen by metadata) give the same values in
// Confluent's Python JSONDeserializer (jsonata-python) and goconnect's
// JsonSchemaConverter (xiatechs/jsonata-go), with the rename expressions
// of Confluent's data-contracts documentation and a computed field.
func TestJSONataMigrationsPython(t *testing.T) {
	py := pythonClients(t)
	url, v1, v2 := migrationRegistry(t, "JSON",
		`{"type":"object","title":"Customer","properties":{"name":{"type":"string"},"ssn":{"type":"string"},"age":{"type":"integer"}},"required":["name","ssn"]}`,
		`{"type":"object","title":"Customer","properties":{"name":{"type":"string"},"socialSecurityNumber":{"type":"string"},"age":{"type":"integer"},"adult":{"type":"boolean"}},"required":["name","socialSecurityNumber"]}`)
	wire := func(id int, text string) string {
		return hex.EncodeToString(append(srclient.AppendHeader(nil, id), text...))
	}
	compareMigrations(t, py, pyMigrate, url, []migrationCase{
		{name: "upgrade", props: map[string]string{"use.latest.version": "true"},
			payloads: []string{wire(v1, `{"name":"bob","ssn":"123-45-6789","age":30}`), wire(v1, `{"name":"kid","ssn":"1","age":7}`)}},
		{name: "downgrade", meta: map[string]string{"application.major.version": "1"}, props: map[string]string{srclient.KeyLatestMeta: "application.major.version=1"},
			payloads: []string{wire(v2, `{"name":"ann","socialSecurityNumber":"987","age":40,"adult":true}`)}},
	}, func() connect.Converter { return jsonschema.New() }, false)
}

// normalize makes numbers comparable (Connect int64 / Python JSON float).
func normalize(m map[string]any) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = fmt.Sprint(v)
	}
	return out
}

// migrationRules are the rename rules of Confluent's data-contracts
// documentation (ssn <-> socialSecurityNumber) plus a computed field
// (adult), as version 2's rule set.
const migrationRules = `{"migrationRules":[{"name":"changeSsnName","kind":"TRANSFORM","type":"JSONATA","mode":"UPGRADE","expr":"$merge([$sift($, function($v, $k) {$k != 'ssn'}), {'socialSecurityNumber': $.'ssn', 'adult': age >= 18}])"},` +
	`{"name":"changeSsnNameBack","kind":"TRANSFORM","type":"JSONATA","mode":"DOWNGRADE","expr":"$merge([$sift($, function($v, $k) {$k != 'socialSecurityNumber' and $k != 'adult'}), {'ssn': $.'socialSecurityNumber'}])"}]}`

// migrationRegistry starts a registry in process holding subject m-value
// (compatibility NONE): s1 as version 1 (application.major.version 1) and
// s2 with migrationRules as version 2 (major version 2), of schemaType
// typ. It answers the registry's URL and the two ids.
func migrationRegistry(t *testing.T, typ, s1, s2 string) (url string, v1, v2 int) {
	t.Helper()
	srv := srtest.New(t)
	srv.Compatibility(t, "m-value", "NONE")
	register := func(text, md, rules string) int {
		t.Helper()
		return srv.Register(t, "m-value", srtest.Schema{Type: typ, Text: text, Metadata: md, Rules: rules})
	}
	v1 = register(s1, `{"properties":{"application.major.version":"1"}}`, "")
	v2 = register(s2, `{"properties":{"application.major.version":"2"}}`, migrationRules)
	return srv.URL, v1, v2
}

// migrationCase is one read of the migration tests: payloads (hex wire
// bytes of topic m) read with the converter settings props, and by the
// Python deserializer with use.latest.with.metadata meta (else
// use.latest.version); pyIn adds to the script's input.
type migrationCase struct {
	name     string
	meta     map[string]string
	props    map[string]string
	payloads []string
	pyIn     map[string]any
}

// compareMigrations reads each case's payloads with the Python script and
// with a converter from newConv (configured for the registry at url) and
// wants the same field values (Python's nulls dropped when dropNulls, as
// goconnect's absent fields are).
func compareMigrations(t *testing.T, py, script, url string, cases []migrationCase, newConv func() connect.Converter, dropNulls bool) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			input := map[string]any{"url": url, "topic": "m", "payloads": c.payloads, "meta": c.meta}
			for k, v := range c.pyIn {
				input[k] = v
			}
			in, _ := json.Marshal(input)
			cmd := exec.Command(py, "-c", script)
			cmd.Stdin = bytes.NewReader(in)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("Python client: %v\n%s", err, stderr.String())
			}
			var want []map[string]any
			if err := json.Unmarshal(out, &want); err != nil {
				t.Fatalf("Python output %s: %v", out, err)
			}
			conv := newConv()
			props := map[string]string{"schema.registry.url": url}
			for k, v := range c.props {
				props[k] = v
			}
			if err := conv.Configure(props, false); err != nil {
				t.Fatal(err)
			}
			for i, p := range c.payloads {
				b, _ := hex.DecodeString(p)
				_, v, err := conv.ToConnectData("m", nil, b)
				if err != nil {
					t.Fatalf("payload %d: goconnect %v, Python %v", i, err, want[i])
				}
				got := map[string]any{}
				st := v.(*data.Struct)
				for _, f := range st.Schema().Fields {
					if fv, _ := st.Get(f.Name); fv != nil {
						got[f.Name] = fv
					}
				}
				pyVal, ok := want[i]["value"].(map[string]any)
				if !ok {
					t.Fatalf("payload %d: Python %v", i, want[i])
				}
				if dropNulls {
					for k, v := range pyVal {
						if v == nil {
							delete(pyVal, k)
						}
					}
				}
				if fmt.Sprint(normalize(got)) != fmt.Sprint(normalize(pyVal)) {
					t.Fatalf("payload %d: goconnect %v\n  Python %v", i, got, pyVal)
				}
			}
		})
	}
}

// pyMigrateAvro is pyMigrate with Confluent's Python AvroDeserializer.
const pyMigrateAvro = `
import json, sys
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.schema_registry.rules.jsonata.jsonata_executor import JsonataExecutor
from confluent_kafka.serialization import SerializationContext, MessageField
JsonataExecutor.register()
a = json.load(sys.stdin)
conf = {"use.latest.version": True} if not a.get("meta") else {"use.latest.with.metadata": a["meta"]}
de = AvroDeserializer(SchemaRegistryClient({"url": a["url"]}), conf=conf)
out = []
for p in a["payloads"]:
    try:
        out.append({"value": de(bytes.fromhex(p), SerializationContext(a["topic"], MessageField.VALUE))})
    except Exception as e:
        out.append({"error": str(e)})
print(json.dumps(out))
`

// TestJSONataMigrationsAvroPython: TestJSONataMigrationsPython for Avro
// (AvroConverter runs the rules over the record's Avro JSON and reads the
// result with the reader schema). Confluent's Python client runs them over
// fastavro's dict, whose unions are bare values where Avro JSON (and
// Confluent's Java deserializer) wraps them as {"type": value}; the rules
// here pass the union nick through unchanged, so both read the same.
func TestJSONataMigrationsAvroPython(t *testing.T) {
	py := pythonClients(t)
	s1 := `{"type":"record","name":"Customer","fields":[{"name":"name","type":"string"},{"name":"ssn","type":"string"},{"name":"age","type":"int"},{"name":"nick","type":["null","string"],"default":null}]}`
	s2 := `{"type":"record","name":"Customer","fields":[{"name":"name","type":"string"},{"name":"socialSecurityNumber","type":"string"},{"name":"age","type":"int"},{"name":"nick","type":["null","string"],"default":null},{"name":"adult","type":"boolean"}]}`
	url, v1, v2 := migrationRegistry(t, "", s1, s2)
	wire := func(id int, schema string, native map[string]any) string {
		t.Helper()
		codec, err := goavro.NewCodec(schema)
		if err != nil {
			t.Fatal(err)
		}
		b, err := codec.BinaryFromNative(srclient.AppendHeader(nil, id), native)
		if err != nil {
			t.Fatal(err)
		}
		return hex.EncodeToString(b)
	}
	compareMigrations(t, py, pyMigrateAvro, url, []migrationCase{
		{name: "upgrade", props: map[string]string{"use.latest.version": "true"},
			payloads: []string{wire(v1, s1, map[string]any{"name": "bob", "ssn": "123-45-6789", "age": 30, "nick": goavro.Union("string", "bobby")}),
				wire(v1, s1, map[string]any{"name": "kid", "ssn": "1", "age": 7, "nick": nil})}},
		{name: "downgrade", meta: map[string]string{"application.major.version": "1"}, props: map[string]string{srclient.KeyLatestMeta: "application.major.version=1"},
			payloads: []string{wire(v2, s2, map[string]any{"name": "ann", "socialSecurityNumber": "987", "age": 40, "nick": goavro.Union("string", "a"), "adult": true})}},
	}, func() connect.Converter { return avro.New() }, true)
}

// pyMigrateProto is pyMigrate with Confluent's Python ProtobufDeserializer
// (its message class built from the writer's descriptor set); values are
// printed with proto field names and default values.
const pyMigrateProto = `
import json, sys, base64
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer
from confluent_kafka.schema_registry.rules.jsonata.jsonata_executor import JsonataExecutor
from confluent_kafka.serialization import SerializationContext, MessageField
from google.protobuf import descriptor_pb2, descriptor_pool, json_format
from google.protobuf.message_factory import GetMessageClass
JsonataExecutor.register()
a = json.load(sys.stdin)
fds = descriptor_pb2.FileDescriptorSet()
fds.ParseFromString(base64.b64decode(a["fds"]))
pool = descriptor_pool.DescriptorPool()
for fdp in fds.file:
    pool.Add(fdp)
cls = GetMessageClass(pool.FindMessageTypeByName(a["message"]))
conf = {"use.deprecated.format": False}
if a.get("meta"):
    conf["use.latest.with.metadata"] = a["meta"]
else:
    conf["use.latest.version"] = True
de = ProtobufDeserializer(cls, conf, schema_registry_client=SchemaRegistryClient({"url": a["url"]}))
out = []
for p in a["payloads"]:
    try:
        m = de(bytes.fromhex(p), SerializationContext(a["topic"], MessageField.VALUE))
        out.append({"value": json_format.MessageToDict(m, preserving_proto_field_name=True, always_print_fields_with_no_presence=True)})
    except Exception as e:
        out.append({"error": str(e)})
print(json.dumps(out))
`

// TestJSONataMigrationsProtobufPython: TestJSONataMigrationsPython for
// Protobuf (ProtobufConverter runs the rules over the message's Protobuf
// JSON — json names, default values included, as Confluent's
// ProtobufSchemaUtils.toJson and the Python client's MessageToDict — and
// parses the result as the reader's message).
func TestJSONataMigrationsProtobufPython(t *testing.T) {
	py := pythonClients(t)
	s1 := "syntax = \"proto3\";\npackage e2e.mig;\n\nmessage Customer {\n  string name = 1;\n  string ssn = 2;\n  int32 age = 3;\n}\n"
	s2 := "syntax = \"proto3\";\npackage e2e.mig;\n\nmessage Customer {\n  string name = 1;\n  string social_security_number = 2;\n  int32 age = 3;\n  bool adult = 4;\n}\n"
	url, v1, v2 := migrationRegistry(t, "PROTOBUF", s1, s2)
	// Wire bytes: header, message indexes [0], then the fields.
	wire := func(id int, fields ...byte) string {
		return hex.EncodeToString(append(append(srclient.AppendHeader(nil, id), 0), fields...))
	}
	writer := func(schema string) map[string]any {
		return map[string]any{"fds": descriptorSet(t, schema), "message": "e2e.mig.Customer"}
	}
	compareMigrations(t, py, pyMigrateProto, url, []migrationCase{
		{name: "upgrade", pyIn: writer(s1), props: map[string]string{"use.latest.version": "true"},
			payloads: []string{wire(v1, 0x0a, 3, 'b', 'o', 'b', 0x12, 3, '1', '2', '3', 0x18, 30), wire(v1, 0x0a, 3, 'k', 'i', 'd', 0x18, 7), wire(v1, 0x0a, 1, 'z')}},
		{name: "downgrade", pyIn: writer(s2), meta: map[string]string{"application.major.version": "1"}, props: map[string]string{srclient.KeyLatestMeta: "application.major.version=1"},
			payloads: []string{wire(v2, 0x0a, 3, 'a', 'n', 'n', 0x12, 3, '9', '8', '7', 0x18, 40, 0x20, 1)}},
	}, func() connect.Converter { return protobuf.New() }, false)
}
