//go:build e2e

package e2e

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/converters/avro"
	"github.com/goconnect/goconnect/internal/testkit"
	"github.com/goconnect/goconnect/schemaregistry/dekregistry"
	"github.com/goconnect/goconnect/schemaregistry/srtest"
)

// TestCSFLEWorker runs the ratings generator in a goconnect worker whose
// AvroConverter writes with the subject's latest version, which tags
// "message" as PII under an ENCRYPT rule (local-kms, the secret in the
// worker's value.converter.rule.executors._default_.param.secret): on
// Kafka the field is the base64 of an AES-GCM ciphertext, and Confluent's
// Python AvroDeserializer, given the secret, reads the plain text that
// goconnect's converter reads too.
func TestCSFLEWorker(t *testing.T) {
	py := pythonClients(t)
	deks := dekregistry.New(nil)
	srv := srtest.New(t, func(m *http.ServeMux) { dekregistry.Routes(m, deks) })
	const schema = `{"type":"record","name":"ratings","namespace":"ksql","fields":[{"name":"rating_id","type":"long"},` +
		`{"name":"user_id","type":"int"},{"name":"stars","type":"int"},{"name":"route_id","type":"int"},` +
		`{"name":"rating_time","type":"long"},{"name":"channel","type":"string"},` +
		`{"name":"message","type":"string","confluent:tags":["PII"]}],"connect.name":"ksql.ratings"}`
	const rule = `{"domainRules":[{"name":"encryptPII","kind":"TRANSFORM","mode":"WRITEREAD","type":"ENCRYPT","tags":["PII"],` +
		`"params":{"encrypt.kek.name":"ratingskek","encrypt.kms.type":"local-kms","encrypt.kms.key.id":"mykey"},"onFailure":"ERROR,ERROR"}]}`
	// The worker writes with the registered version (tags and rule), not
	// one of its own.
	topic, recs := ratingsThrough(t, srv.URL, ratingsRun{converter: "io.confluent.connect.avro.AvroConverter", name: "ratings-csfle",
		extra:  "value.converter.auto.register.schemas=false\nvalue.converter.use.latest.version=true\nvalue.converter.rule.executors._default_.param.secret=mysecret\n",
		before: func(topic string) { srv.Register(t, topic+"-value", srtest.Schema{Text: schema, Rules: rule}) }})

	raw := testkit.RegistryConverter(t, avro.New(), srv.URL, false, map[string]string{"rule.executors.encryptPII.disabled": "true"})
	plain := testkit.RegistryConverter(t, avro.New(), srv.URL, false, map[string]string{"rule.executors._default_.param.secret": "mysecret"})
	for i, r := range recs {
		_, enc, err := raw.ToConnectData(topic, nil, r.Value)
		if err != nil {
			t.Fatal(err)
		}
		_, dec, err := plain.ToConnectData(topic, nil, r.Value)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		msg := dec.(*data.Struct).GetIndex(6).(string)
		ct, err := base64.StdEncoding.DecodeString(enc.(*data.Struct).GetIndex(6).(string))
		if err != nil || len(ct) != 12+len(msg)+16 || msg == "" {
			t.Fatalf("record %d: message on Kafka %q (%v), plain %q: want base64(IV | AES-GCM ciphertext | tag)", i, enc.(*data.Struct).GetIndex(6), err, msg)
		}
		if enc.(*data.Struct).GetIndex(5) != dec.(*data.Struct).GetIndex(5) {
			t.Fatalf("record %d: an untagged field changed: %v / %v", i, enc, dec)
		}
		if i >= 3 {
			continue
		}
		in, _ := json.Marshal(map[string]any{"op": "read", "type": "AVRO", "topic": topic, "url": srv.URL, "secret": "mysecret", "hex": hex.EncodeToString(r.Value)})
		out := runPython(t, py, pyCSFLEConv, string(in))
		var rec map[string]any
		if err := json.Unmarshal([]byte(out), &rec); err != nil || rec["message"] != msg || rec["channel"] != dec.(*data.Struct).GetIndex(5) {
			t.Fatalf("record %d: Confluent's Python deserializer read %s (%v), goconnect %v", i, out, err, dec)
		}
	}
	if _, err := deks.GetDEK("ratingskek", topic+"-value", 1, "", false); err != nil {
		t.Fatalf("the worker's DEK: %v", err)
	}
}
