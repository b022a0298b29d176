//go:build e2e

package e2e

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/converters/avro"
	"github.com/goconnect/goconnect/schemaregistry"
	"github.com/goconnect/goconnect/schemaregistry/dekregistry"
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
	reg := schemaregistry.New(nil)
	deks := dekregistry.New(nil)
	srv := httptest.NewServer(schemaregistry.Handler(reg, func(m *http.ServeMux) { dekregistry.Routes(m, deks) }))
	defer srv.Close()
	topic := uniqueName(t, "ratings-csfle")
	const schema = `{"type":"record","name":"ratings","namespace":"ksql","fields":[{"name":"rating_id","type":"long"},` +
		`{"name":"user_id","type":"int"},{"name":"stars","type":"int"},{"name":"route_id","type":"int"},` +
		`{"name":"rating_time","type":"long"},{"name":"channel","type":"string"},` +
		`{"name":"message","type":"string","confluent:tags":["PII"]}],"connect.name":"ksql.ratings"}`
	const rule = `{"domainRules":[{"name":"encryptPII","kind":"TRANSFORM","mode":"WRITEREAD","type":"ENCRYPT","tags":["PII"],` +
		`"params":{"encrypt.kek.name":"ratingskek","encrypt.kms.type":"local-kms","encrypt.kms.key.id":"mykey"},"onFailure":"ERROR,ERROR"}]}`
	if _, err := reg.RegisterSchema(topic+"-value", schemaregistry.RegisterRequest{Schema: schema, RuleSet: json.RawMessage(rule)}, false); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "worker.properties"), fmt.Sprintf(`bootstrap.servers=%s
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=io.confluent.connect.avro.AvroConverter
value.converter.schema.registry.url=%s
value.converter.auto.register.schemas=false
value.converter.use.latest.version=true
value.converter.rule.executors._default_.param.secret=mysecret
offset.storage.file.filename=%s
offset.flush.interval.ms=500
listeners=http://127.0.0.1:0
`, kafkaAddr, srv.URL, filepath.Join(dir, "offsets")))
	writeFile(t, filepath.Join(dir, "ratings.json"), fmt.Sprintf(`{"name":"ratings-csfle","config":{
  "connector.class":"io.confluent.kafka.connect.datagen.DatagenConnector","kafka.topic":"%s","quickstart":"ratings",
  "max.interval":"1","iterations":"20","random.seed":"7"}}`, topic))
	w := startWorker(t, "standalone", filepath.Join(dir, "worker.properties"), filepath.Join(dir, "ratings.json"))

	cl, err := kgo.NewClient(kgo.SeedBrokers(kafkaAddr), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var recs []*kgo.Record
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for len(recs) < 20 {
		f := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %d of 20 records", len(recs))
		}
		recs = append(recs, f.Records()...)
	}
	w.stop(t, 15*time.Second)

	configure := func(props map[string]string) *avro.Converter {
		c := avro.New()
		props["schema.registry.url"] = srv.URL
		if err := c.Configure(props, false); err != nil {
			t.Fatal(err)
		}
		return c
	}
	raw := configure(map[string]string{"rule.executors.encryptPII.disabled": "true"})
	plain := configure(map[string]string{"rule.executors._default_.param.secret": "mysecret"})
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
