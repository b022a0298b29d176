//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/converters/avro"
	"github.com/goconnect/goconnect/converters/jsonschema"
	"github.com/goconnect/goconnect/converters/protobuf"
	"github.com/goconnect/goconnect/schemaregistry/dekregistry"
	"github.com/goconnect/goconnect/schemaregistry/srtest"
)

// pyCSFLEConv writes or reads one record with Confluent's Python
// serializers and an ENCRYPT rule (local-kms, the secret given), reading
// the schema to write with as the subject's latest version; bytes are
// printed as hex, records as JSON (bytes base64).
const pyCSFLEConv = `
import sys, json, base64
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroSerializer, AvroDeserializer
from confluent_kafka.schema_registry.json_schema import JSONSerializer, JSONDeserializer
from confluent_kafka.schema_registry.protobuf import ProtobufSerializer, ProtobufDeserializer
from google.protobuf import descriptor_pb2, descriptor_pool, json_format
from google.protobuf.message_factory import GetMessageClass
from confluent_kafka.schema_registry.rules.encryption.encrypt_executor import FieldEncryptionExecutor, EncryptionExecutor
from confluent_kafka.schema_registry.rules.encryption.localkms.local_driver import LocalKmsDriver
from confluent_kafka.serialization import SerializationContext, MessageField

FieldEncryptionExecutor.register()
EncryptionExecutor.register()
LocalKmsDriver.register()
a = json.loads(sys.argv[1])
c = SchemaRegistryClient({"url": a["url"]})
ctx = SerializationContext(a["topic"], MessageField.VALUE)
rc = {"secret": a["secret"]}
cls = None
if a["type"] == "PROTOBUF":
    fds = descriptor_pb2.FileDescriptorSet()
    fds.ParseFromString(base64.b64decode(a["fds"]))
    pool = descriptor_pool.DescriptorPool()
    for fdp in fds.file:  # imports first
        pool.Add(fdp)
    cls = GetMessageClass(pool.FindMessageTypeByName(a["message"]))
if a["op"] == "write":
    rec = a["record"]
    if a["type"] == "AVRO":
        if rec.get("raw") is not None:
            rec["raw"] = base64.b64decode(rec["raw"])
        ser = AvroSerializer(c, None, conf={"auto.register.schemas": False, "use.latest.version": True}, rule_conf=rc)
    elif cls is not None:
        ser = ProtobufSerializer(cls, c, conf={"auto.register.schemas": False, "use.latest.version": True, "use.deprecated.format": False}, rule_conf=rc)
        rec = json_format.ParseDict(rec, cls())
    else:
        ser = JSONSerializer(None, c, conf={"auto.register.schemas": False, "use.latest.version": True}, rule_conf=rc)
    print(ser(rec, ctx).hex())
else:
    if a["type"] == "AVRO":
        de = AvroDeserializer(c, rule_conf=rc)
    elif cls is not None:
        de = ProtobufDeserializer(cls, {"use.deprecated.format": False}, schema_registry_client=c, rule_conf=rc)
    else:
        de = JSONDeserializer(None, schema_registry_client=c, rule_conf=rc)
    rec = de(bytes.fromhex(a["hex"]), ctx)
    if cls is not None:
        rec = json_format.MessageToDict(rec, preserving_proto_field_name=True)
    print(json.dumps(rec, sort_keys=True, default=lambda b: base64.b64encode(b).decode()))
`

// TestCSFLEConvertersPython is a differential test of field-level
// encryption between Confluent's Python client and goconnect's AvroConverter
// JsonSchemaConverter and ProtobufConverter, on goconnect's registry and
// DEK registry: the schema's ENCRYPT rule (or ENCRYPT_PAYLOAD encoding
// rule; local-kms) makes whichever side writes first create the KEK and
// DEK; records the client writes are read by the
// converter as the plain values, records the converter writes are read by
// the client as the plain values, and on the wire the tagged fields are
// ciphertext (the payload after the header, for ENCRYPT_PAYLOAD). With AES256_SIV (deterministic) both sides write the same
// bytes; with encrypt.dek.expiry.days the ciphertexts carry the DEK
// version.
func TestCSFLEConvertersPython(t *testing.T) {
	py := pythonClients(t)
	deks := dekregistry.New(nil)
	srv := srtest.New(t, func(m *http.ServeMux) { dekregistry.Routes(m, deks) })
	prefix := strings.NewReplacer("_", "", "-", "").Replace(uniqueName(t, "csfle"))
	const secret = "mysecret"

	python := func(t *testing.T, args map[string]any) string {
		t.Helper()
		args["url"], args["secret"] = srv.URL, secret
		in, _ := json.Marshal(args)
		return runPython(t, py, pyCSFLEConv, string(in))
	}
	rule := func(kek, extra string, payload bool) string {
		params := `"params":{"encrypt.kek.name":"` + kek + `","encrypt.kms.type":"local-kms","encrypt.kms.key.id":"mykey"` + extra + `},"onFailure":"ERROR,ERROR"`
		if payload {
			return `{"encodingRules":[{"name":"encryptPayload","kind":"TRANSFORM","mode":"WRITEREAD","type":"ENCRYPT_PAYLOAD",` + params + `}]}`
		}
		return `{"domainRules":[{"name":"encryptPII","kind":"TRANSFORM","mode":"WRITEREAD","type":"ENCRYPT","tags":["PII"],` + params + `}]}`
	}

	const avroText = `{"type":"record","name":"Person","fields":[{"name":"id","type":"int"},` +
		`{"name":"ssn","type":"string","confluent:tags":["PII"]},{"name":"raw","type":"bytes","confluent:tags":["PII"]},` +
		`{"name":"note","type":["null","string"],"default":null,"confluent:tags":["PII"]}]}`
	avroSchema := data.StructBuilder().Name("Person").Field("id", data.Int32Schema).Field("ssn", data.StringSchema).
		Field("raw", data.BytesSchema).Field("note", data.OptionalString).MustBuild()
	const jsonText = `{"type":"object","title":"Person","properties":{"id":{"type":"integer","connect.index":0,"connect.type":"int32"},` +
		`"ssn":{"type":"string","connect.index":1,"confluent:tags":["PII"]},` +
		`"raw":{"type":"string","connect.index":2,"connect.type":"bytes","confluent:tags":["PII"]}},"required":["id","ssn","raw"]}`
	const protoText = "syntax = \"proto3\";\npackage e2e.csfle;\n\nimport \"confluent/meta.proto\";\n\nmessage Person {\n" +
		"  int32 id = 1;\n  string ssn = 2 [(confluent.field_meta) = { tags: \"PII\" }];\n  bytes raw = 3 [(confluent.field_meta) = { tags: \"PII\" }];\n}\n"
	protoSchema := data.StructBuilder().Name("e2e.csfle.Person").Field("id", data.OptionalInt32).Field("ssn", data.OptionalString).
		Field("raw", data.OptionalBytes).MustBuild()
	jsonSchema := data.StructBuilder().Name("Person").Field("id", data.Int32Schema).Field("ssn", data.StringSchema).
		Field("raw", data.BytesSchema).MustBuild()

	for _, c := range []struct {
		name, typ, text, extra string
		schema                 *data.Schema
		conv                   func() connect.Converter
		// goFirst: goconnect writes first (creates the KEK and DEK).
		goFirst, deterministic, versioned bool
		// payload: ENCRYPT_PAYLOAD in encodingRules instead of ENCRYPT.
		payload bool
	}{
		{name: "avro, Python first", typ: "AVRO", text: avroText, schema: avroSchema, conv: func() connect.Converter { return avro.New() }},
		{name: "avro, goconnect first, SIV, expiry", typ: "AVRO", text: avroText, schema: avroSchema, conv: func() connect.Converter { return avro.New() },
			extra: `,"encrypt.dek.algorithm":"AES256_SIV","encrypt.dek.expiry.days":"30"`, goFirst: true, deterministic: true, versioned: true},
		{name: "json, Python first", typ: "JSON", text: jsonText, schema: jsonSchema, conv: func() connect.Converter { return jsonschema.New() }},
		{name: "json, goconnect first, SIV", typ: "JSON", text: jsonText, schema: jsonSchema, conv: func() connect.Converter { return jsonschema.New() },
			extra: `,"encrypt.dek.algorithm":"AES256_SIV"`, goFirst: true, deterministic: true},
		{name: "protobuf, Python first", typ: "PROTOBUF", text: protoText, schema: protoSchema, conv: func() connect.Converter { return protobuf.New() }},
		{name: "protobuf, goconnect first, SIV, expiry", typ: "PROTOBUF", text: protoText, schema: protoSchema, conv: func() connect.Converter { return protobuf.New() },
			extra: `,"encrypt.dek.algorithm":"AES256_SIV","encrypt.dek.expiry.days":"30"`, goFirst: true, deterministic: true, versioned: true},
		{name: "avro payload, Python first, SIV", typ: "AVRO", text: avroText, schema: avroSchema, conv: func() connect.Converter { return avro.New() },
			extra: `,"encrypt.dek.algorithm":"AES256_SIV"`, deterministic: true, payload: true},
		{name: "avro payload, goconnect first, expiry", typ: "AVRO", text: avroText, schema: avroSchema, conv: func() connect.Converter { return avro.New() },
			extra: `,"encrypt.dek.expiry.days":"30"`, goFirst: true, versioned: true, payload: true},
		{name: "json payload, goconnect first", typ: "JSON", text: jsonText, schema: jsonSchema, conv: func() connect.Converter { return jsonschema.New() },
			goFirst: true, payload: true},
		{name: "protobuf payload, Python first, SIV, expiry", typ: "PROTOBUF", text: protoText, schema: protoSchema, conv: func() connect.Converter { return protobuf.New() },
			extra: `,"encrypt.dek.algorithm":"AES256_SIV","encrypt.dek.expiry.days":"30"`, deterministic: true, versioned: true, payload: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := strings.ReplaceAll(c.name, " ", "")
			n = strings.NewReplacer(",", "", "-", "").Replace(n)
			topic, kek := prefix+n, prefix+n+"kek"
			srv.Register(t, topic+"-value", srtest.Schema{Type: c.typ, Text: c.text, Rules: rule(kek, c.extra, c.payload)})
			conv := c.conv()
			if err := conv.Configure(map[string]string{"schema.registry.url": srv.URL, "auto.register.schemas": "false",
				"use.latest.version": "true", "latest.compatibility.strict": "false", "rule.executors._default_.param.secret": secret}, false); err != nil {
				t.Fatal(err)
			}
			value := data.NewStruct(c.schema).MustPut("id", int32(7)).MustPut("ssn", "123-45-6789").MustPut("raw", []byte("\x01raw\x02"))
			record := map[string]any{"id": 7, "ssn": "123-45-6789", "raw": base64.StdEncoding.EncodeToString([]byte("\x01raw\x02"))}
			if c.typ == "AVRO" {
				value.MustPut("note", "a note")
				record["note"] = "a note"
			}
			plainOnWire := func(b []byte) {
				t.Helper()
				for _, p := range []string{"123-45-6789", "\x01raw\x02", "AXJhdwI=", "a note"} {
					if bytes.Contains(b, []byte(p)) {
						t.Fatalf("%q in clear on the wire: %q", p, b)
					}
				}
			}
			goWrite := func() []byte {
				t.Helper()
				b, err := conv.FromConnectData(topic, nil, c.schema, value)
				if err != nil {
					t.Fatal(err)
				}
				plainOnWire(b)
				return b
			}
			var ours []byte
			if c.goFirst {
				ours = goWrite()
			}
			pyArgs := func(m map[string]any) map[string]any {
				m["type"], m["topic"] = c.typ, topic
				if c.typ == "PROTOBUF" {
					m["fds"], m["message"] = descriptorSet(t, c.text), "e2e.csfle.Person"
				}
				return m
			}
			theirs, err := hex.DecodeString(python(t, pyArgs(map[string]any{"op": "write", "record": record})))
			if err != nil {
				t.Fatal(err)
			}
			plainOnWire(theirs)
			if !c.goFirst {
				ours = goWrite()
			}
			// goconnect reads the client's record as the plain values.
			_, got, err := conv.ToConnectData(topic, nil, theirs)
			if err != nil {
				t.Fatalf("goconnect reading the Python client's record: %v", err)
			}
			for _, f := range c.schema.Fields {
				g, _ := got.(*data.Struct).Get(f.Name)
				if w := value.GetIndex(f.Index); !reflect.DeepEqual(g, w) {
					t.Fatalf("goconnect read %s=%#v, want %#v (record %v)", f.Name, g, w, got)
				}
			}
			// The client reads goconnect's record as the plain values.
			want, _ := json.Marshal(record)
			var wantMap, gotMap map[string]any
			_ = json.Unmarshal(want, &wantMap)
			out := python(t, pyArgs(map[string]any{"op": "read", "hex": hex.EncodeToString(ours)}))
			if err := json.Unmarshal([]byte(out), &gotMap); err != nil {
				t.Fatalf("Python read %s: %v", out, err)
			}
			if g, w := canonJSON(gotMap), canonJSON(wantMap); g != w {
				t.Fatalf("Python read goconnect's record as %s, want %s", g, w)
			}
			if c.deterministic && !sameRecord(c.typ, c.payload, ours, theirs) {
				t.Fatalf("AES256_SIV: goconnect wrote %q, the Python client %q", ours, theirs)
			}
			if !c.deterministic && bytes.Equal(ours, theirs) {
				t.Fatalf("AES256_GCM wrote the same bytes twice: %x", ours)
			}
			if c.payload {
				// Encrypted payload: the header (and Protobuf's message
				// index 0) stay, the rest is no longer the plain encoding.
				head := 5
				if c.typ == "PROTOBUF" {
					head = 6
				}
				plainConv := c.conv()
				if err := plainConv.Configure(map[string]string{"schema.registry.url": srv.URL, "auto.register.schemas": "false",
					"use.latest.version": "true", "latest.compatibility.strict": "false", "rule.executors.encryptPayload.disabled": "true"}, false); err != nil {
					t.Fatal(err)
				}
				plain, err := plainConv.FromConnectData(topic, nil, c.schema, value)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(ours[:head], plain[:head]) || bytes.Equal(ours[head:], plain[head:]) || len(ours) < len(plain)+16 {
					t.Fatalf("payload encryption wrote %x; plain %x", ours, plain)
				}
				if c.versioned && !bytes.HasPrefix(ours[head:], []byte{0, 0, 0, 0, 1}) {
					t.Fatalf("payload %x: want the DEK version prefix 00 00000001", ours[head:])
				}
			}
			if c.versioned && !c.payload {
				// With expiry the ciphertext starts with 0 and the DEK
				// version (1), big-endian.
				raw := c.conv()
				if err := raw.Configure(map[string]string{"schema.registry.url": srv.URL, "rule.executors.encryptPII.disabled": "true"}, false); err != nil {
					t.Fatal(err)
				}
				_, v, err := raw.ToConnectData(topic, nil, theirs)
				if err != nil {
					t.Fatal(err)
				}
				ct, err := base64.StdEncoding.DecodeString(v.(*data.Struct).GetIndex(1).(string))
				if err != nil || !bytes.HasPrefix(ct, []byte{0, 0, 0, 0, 1}) {
					t.Fatalf("ssn ciphertext %x (%v), want the DEK version prefix 00 00000001", ct, err)
				}
			}
			// Both used the one DEK of the subject (version 1).
			d, err := deks.GetDEK(kek, topic+"-value", 1, "", false)
			alg := "AES256_GCM"
			if c.deterministic {
				alg = "AES256_SIV"
				d, err = deks.GetDEK(kek, topic+"-value", 1, alg, false)
			}
			if err != nil || d.EncryptedKeyMaterial == "" || d.Algorithm != alg {
				t.Fatalf("DEK %+v %v", d, err)
			}
			if _, err := deks.GetDEK(kek, topic+"-value", 2, alg, false); err == nil {
				t.Fatal("a second DEK version was created")
			}
			t.Logf("goconnect %x\nPython    %x", ours, theirs)
		})
	}
}

// runPython runs script with one argument and answers its output.
func runPython(t *testing.T, py, script, arg string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, "-c", script, arg)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("Python client %s: %v\n%s", arg, err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// sameRecord compares two records on the wire: bytes, or for JSON the
// header and the documents (the client writes its dict's key order).
func sameRecord(typ string, payload bool, a, b []byte) bool {
	if typ != "JSON" || payload {
		return bytes.Equal(a, b)
	}
	if len(a) < 5 || len(b) < 5 || !bytes.Equal(a[:5], b[:5]) {
		return false
	}
	var x, y any
	return json.Unmarshal(a[5:], &x) == nil && json.Unmarshal(b[5:], &y) == nil && canonJSON(x) == canonJSON(y)
}

func canonJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
