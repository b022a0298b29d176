//go:build e2e

package e2e

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/goconnect/goconnect/schemaregistry"
	"github.com/goconnect/goconnect/schemaregistry/dekregistry"
)

// pyCSFLE is Confluent's client-side field-level encryption with the
// Python client against goconnect's registries: the schema's ENCRYPT rule
// (local-kms, a secret known only to the client) makes the serializer
// create the KEK (not shared) and a DEK whose key material it encrypted
// itself, both stored by goconnect's DEK registry; the PII field leaves
// encrypted and the deserializer, fetching the DEK back, decrypts it.
const pyCSFLE = `
import sys
from confluent_kafka.schema_registry import SchemaRegistryClient, Schema
from confluent_kafka.schema_registry.avro import AvroSerializer, AvroDeserializer
from confluent_kafka.schema_registry.schema_registry_client import Rule, RuleKind, RuleMode, RuleParams, RuleSet
from confluent_kafka.schema_registry.rules.encryption.encrypt_executor import FieldEncryptionExecutor
from confluent_kafka.schema_registry.rules.encryption.localkms.local_driver import LocalKmsDriver
from confluent_kafka.schema_registry.rules.encryption.dek_registry.dek_registry_client import DekRegistryClient
from confluent_kafka.serialization import SerializationContext, MessageField

def eq(what, got, want):
    if got != want:
        raise AssertionError("%s: got %r, want %r" % (what, got, want))
    print(what, "ok")

FieldEncryptionExecutor.register()
LocalKmsDriver.register()
url, p = sys.argv[1], sys.argv[2]
c = SchemaRegistryClient({"url": url})
schema = '{"type":"record","name":"R","fields":[{"name":"id","type":"int"},{"name":"ssn","type":"string","confluent:tags":["PII"]}]}'
rule = Rule("encryptPII", None, RuleKind.TRANSFORM, RuleMode.WRITEREAD, "ENCRYPT", ["PII"],
            RuleParams({"encrypt.kek.name": p + "kek", "encrypt.kms.type": "local-kms", "encrypt.kms.key.id": "mykey"}),
            None, None, "ERROR,NONE", False)
subject = p + "t-value"
c.register_schema(subject, Schema(schema, "AVRO", [], None, RuleSet(None, [rule])))
ctx = SerializationContext(p + "t", MessageField.VALUE)
ser = AvroSerializer(c, None, conf={"auto.register.schemas": False, "use.latest.version": True}, rule_conf={"secret": "mysecret"})
b = ser({"id": 7, "ssn": "123-45-6789"}, ctx)
eq("ssn not in clear", b"123-45-6789" in b, False)
de = AvroDeserializer(SchemaRegistryClient({"url": url}), rule_conf={"secret": "mysecret"})
eq("decrypted", de(b, ctx), {"id": 7, "ssn": "123-45-6789"})
d = DekRegistryClient({"url": url})
kek = d.get_kek(p + "kek")
eq("kek", (kek.kms_type, kek.kms_key_id, kek.shared), ("local-kms", "mykey", False))
dek = d.get_dek(p + "kek", subject)
eq("dek", (dek.version, str(dek.algorithm), dek.encrypted_key_material is not None), (1, "AES256_GCM", True))

# A shared local-kms KEK: goconnect's DEK registry (given the secret, as a
# Confluent server) makes the DEK; the client, without the secret, uses the
# key material the registry answers.
import base64
from tink import aead
from confluent_kafka.schema_registry.rules.encryption.localkms.local_client import LocalKmsClient
d.register_kek(p + "skek", "local-kms", "mykey", shared=True)
srule = Rule("encryptPII", None, RuleKind.TRANSFORM, RuleMode.WRITEREAD, "ENCRYPT", ["PII"],
             RuleParams({"encrypt.kek.name": p + "skek"}), None, None, "ERROR,NONE", False)
ssubject = p + "s-value"
c.register_schema(ssubject, Schema(schema, "AVRO", [], None, RuleSet(None, [srule])))
sctx = SerializationContext(p + "s", MessageField.VALUE)
sb = AvroSerializer(c, None, conf={"auto.register.schemas": False, "use.latest.version": True})({"id": 8, "ssn": "987-65-4321"}, sctx)
eq("shared: ssn not in clear", b"987-65-4321" in sb, False)
eq("shared: decrypted", AvroDeserializer(SchemaRegistryClient({"url": url}))(sb, sctx), {"id": 8, "ssn": "987-65-4321"})
sdek = DekRegistryClient({"url": url}).get_dek(p + "skek", ssubject)
raw = LocalKmsClient("mysecret").get_aead("local-kms://mykey").decrypt(base64.b64decode(sdek.encrypted_key_material), b"")
eq("shared: the registry's local-kms encryption", base64.b64encode(raw).decode(), sdek.key_material)
print("DONE")
`

// TestCSFLEPython runs goconnect's registry with its DEK registry, both
// journaled to the real Kafka (_schemas and _dek_registry_keys topics),
// drives Confluent's Python client through field-level encryption, then
// replays the DEK topic into a second DEK registry, which must hold the
// same KEK and DEK; then the same with a shared local-kms KEK, whose DEK
// goconnect's registry makes (it has the secret, the client has not).
func TestCSFLEPython(t *testing.T) {
	py := pythonClients(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	reg := schemaregistry.New(nil)
	dek := dekregistry.New(nil)
	topic := uniqueName(t, "_dek_registry_keys")
	j, err := schemaregistry.OpenKafka(ctx, []string{kafkaAddr}, topic, dek)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	dek.SetJournal(j)
	if err := dek.SetLocalSecret("mysecret"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(schemaregistry.Handler(reg, func(m *http.ServeMux) { dekregistry.Routes(m, dek) }))
	defer srv.Close()

	prefix := uniqueName(t, "csfle") + "-"
	out, err := exec.CommandContext(ctx, py, "-c", pyCSFLE, srv.URL, prefix).CombinedOutput()
	if err != nil || !strings.HasSuffix(strings.TrimSpace(string(out)), "DONE") {
		t.Fatalf("Python client's field-level encryption against goconnect's registry: %v\n%s", err, out)
	}
	t.Logf("%s", out)

	again := dekregistry.New(nil)
	j2, err := schemaregistry.OpenKafka(ctx, []string{kafkaAddr}, topic, again)
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	k, err := again.GetKEK(prefix+"kek", false)
	orig, _ := dek.GetKEK(prefix+"kek", false)
	if err != nil || orig == nil || k.KmsType != "local-kms" || k.Shared || k.TS <= 0 || k.TS != orig.TS {
		t.Errorf("replayed KEK %+v %v, want %+v (same ts)", k, err, orig)
	}
	d, err := again.GetDEK(prefix+"kek", prefix+"t-value", 1, "", false)
	want, _ := dek.GetDEK(prefix+"kek", prefix+"t-value", 1, "", false)
	if err != nil || want == nil || d.EncryptedKeyMaterial != want.EncryptedKeyMaterial {
		t.Errorf("replayed DEK %+v %v, want %+v", d, err, want)
	}
}
