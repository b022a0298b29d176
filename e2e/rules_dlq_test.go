//go:build e2e

package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/converters/avro"
	"github.com/goconnect/goconnect/converters/jsonschema"
	"github.com/goconnect/goconnect/converters/protobuf"
	"github.com/goconnect/goconnect/schemaregistry/srtest"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestRuleDLQAction: a rule failing with onFailure DLQ makes the converter
// copy the record to the dead letter queue topic on the real Kafka, with
// Confluent's DlqAction headers (__rule.name, __rule.mode, __rule.subject,
// __rule.topic, __rule.exception) after the record's own, and fail the
// record with "Rule failed: <name>". On read the copy is the bytes read
// (AvroConverter); on write it is the message as the schema type's JSON
// (JsonSchemaConverter, AvroConverter's Avro JSON, ProtobufConverter's
// Protobuf JSON).
// Reading the copy back skips the rule named in __rule.name.
func TestRuleDLQAction(t *testing.T) {
	srv := srtest.New(t)
	suffix := fmt.Sprint(time.Now().UnixNano())
	s := data.StructBuilder().Name("R").Field("name", data.StringSchema).Field("age", data.Int32Schema).MustBuild()
	rec := data.NewStruct(s).MustPut("name", "bob").MustPut("age", int32(10))
	const adult = `{"name":"adult","kind":"CONDITION","mode":"%s","type":"CEL","expr":"message.age >= 18","onFailure":"DLQ","params":{"dlq.topic":"%s"}}`
	headers := connect.Headers{{Key: "trace", Value: []byte("t-1")}}

	checkHeaders := func(t *testing.T, r *kgo.Record, want [][2]string) {
		t.Helper()
		var got [][2]string
		for _, h := range r.Headers {
			got = append(got, [2]string{h.Key, string(h.Value)})
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("DLQ headers %v\n  want %v", got, want)
		}
		if r.Key != nil {
			t.Fatalf("DLQ key %q, want none", r.Key)
		}
	}

	t.Run("read AvroConverter", func(t *testing.T) {
		topic, dlq := "dlq-read-"+suffix, "dlq-read-dlq-"+suffix
		createTopic(t, dlq, 1)
		text := `{"type":"record","name":"R","fields":[{"name":"name","type":"string"},{"name":"age","type":"int"}]}`
		srv.Register(t, topic+"-value", srtest.Schema{Text: text, Rules: `{"domainRules":[` + fmt.Sprintf(adult, "READ", dlq) + `]}`})
		conv := avro.New()
		if err := conv.Configure(map[string]string{"schema.registry.url": srv.URL, "auto.register.schemas": "false",
			"use.latest.version": "true", "bootstrap.servers": kafkaAddr, "dlq.auto.flush": "true"}, false); err != nil {
			t.Fatal(err)
		}
		defer conv.Close()
		b, err := conv.FromConnectData(topic, nil, s, rec)
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = conv.ToConnectData(topic, headers, b)
		if err == nil || !strings.Contains(err.Error(), "Rule failed: adult: Expr failed: 'message.age >= 18'") {
			t.Fatalf("read error %v, want the rule's failure", err)
		}
		got := readTopic(t, dlq, 1)
		if len(got) != 1 || string(got[0].Value) != string(b) {
			t.Fatalf("DLQ holds %d records, first %x, want the bytes read %x", len(got), got[0].Value, b)
		}
		checkHeaders(t, got[0], [][2]string{{"trace", "t-1"}, {"__rule.name", "adult"}, {"__rule.mode", "READ"},
			{"__rule.subject", topic + "-value"}, {"__rule.topic", topic}, {"__rule.exception", "Expr failed: 'message.age >= 18'"}})
		// Read back from the DLQ with its headers: the failed rule is skipped.
		var hs connect.Headers
		for _, h := range got[0].Headers {
			hs = append(hs, connect.Header{Key: h.Key, Value: h.Value})
		}
		_, v, err := conv.ToConnectData(topic, hs, got[0].Value)
		if err != nil {
			t.Fatalf("reading the DLQ copy back: %v", err)
		}
		if st, ok := v.(*data.Struct); !ok || fmt.Sprint(st.Get("age")) != "10 <nil>" {
			t.Fatalf("DLQ copy read back as %v", v)
		}
	})

	t.Run("write JsonSchemaConverter", func(t *testing.T) {
		topic, dlq := "dlq-write-"+suffix, "dlq-write-dlq-"+suffix
		createTopic(t, dlq, 1)
		text := `{"type":"object","title":"R","properties":{"name":{"type":"string","connect.index":0},"age":{"type":"integer","connect.index":1,"connect.type":"int32"}}}`
		srv.Register(t, topic+"-value", srtest.Schema{Type: "JSON", Text: text, Rules: `{"domainRules":[` + fmt.Sprintf(adult, "WRITE", dlq) + `]}`})
		conv := jsonschema.New()
		// The producer's settings under Confluent's rule-action prefix.
		if err := conv.Configure(map[string]string{"schema.registry.url": srv.URL, "auto.register.schemas": "false",
			"use.latest.version": "true", "rule.actions._DLQ_.param.bootstrap.servers": kafkaAddr}, false); err != nil {
			t.Fatal(err)
		}
		defer conv.Close()
		if _, err := conv.FromConnectData(topic, headers, s, rec); err == nil || !strings.Contains(err.Error(), "Rule failed: adult") {
			t.Fatalf("write error %v, want the rule's failure", err)
		}
		// Without dlq.auto.flush the copy is sent asynchronously, as
		// Confluent's producer sends it.
		got := readTopic(t, dlq, 1)
		if len(got) != 1 || string(got[0].Value) != `{"name":"bob","age":10}` {
			t.Fatalf("DLQ holds %d records, first %s", len(got), got[0].Value)
		}
		checkHeaders(t, got[0], [][2]string{{"trace", "t-1"}, {"__rule.name", "adult"}, {"__rule.mode", "WRITE"},
			{"__rule.subject", topic + "-value"}, {"__rule.topic", topic}, {"__rule.exception", "Expr failed: 'message.age >= 18'"}})
	})

	t.Run("write AvroConverter", func(t *testing.T) {
		topic, dlq := "dlq-avro-write-"+suffix, "dlq-avro-write-dlq-"+suffix
		createTopic(t, dlq, 1)
		text := `{"type":"record","name":"R","fields":[{"name":"name","type":"string"},{"name":"age","type":"int"},{"name":"nick","type":["null","string"],"default":null}]}`
		srv.Register(t, topic+"-value", srtest.Schema{Text: text, Rules: `{"domainRules":[` + fmt.Sprintf(adult, "WRITE", dlq) + `]}`})
		as := data.StructBuilder().Name("R").Field("name", data.StringSchema).Field("age", data.Int32Schema).
			Field("nick", data.OptionalString).MustBuild()
		conv := avro.New()
		if err := conv.Configure(map[string]string{"schema.registry.url": srv.URL, "auto.register.schemas": "false",
			"use.latest.version": "true", "bootstrap.servers": kafkaAddr, "dlq.auto.flush": "true"}, false); err != nil {
			t.Fatal(err)
		}
		defer conv.Close()
		v := data.NewStruct(as).MustPut("name", "bob").MustPut("age", int32(10)).MustPut("nick", "b")
		if _, err := conv.FromConnectData(topic, headers, as, v); err == nil || !strings.Contains(err.Error(), "Rule failed: adult") {
			t.Fatalf("write error %v, want the rule's failure", err)
		}
		// AvroSchema.toJson: Avro JSON, the union's value wrapped in its
		// branch's type.
		got := readTopic(t, dlq, 1)
		if len(got) != 1 || string(got[0].Value) != `{"name":"bob","age":10,"nick":{"string":"b"}}` {
			t.Fatalf("DLQ holds %d records, first %s", len(got), got[0].Value)
		}
		checkHeaders(t, got[0], [][2]string{{"trace", "t-1"}, {"__rule.name", "adult"}, {"__rule.mode", "WRITE"},
			{"__rule.subject", topic + "-value"}, {"__rule.topic", topic}, {"__rule.exception", "Expr failed: 'message.age >= 18'"}})
	})

	t.Run("write ProtobufConverter", func(t *testing.T) {
		topic, dlq := "dlq-proto-"+suffix, "dlq-proto-dlq-"+suffix
		createTopic(t, dlq, 1)
		text := "syntax = \"proto3\";\n\nmessage R {\n  string name = 1;\n  int32 age = 2;\n  int64 big = 3;\n}\n"
		srv.Register(t, topic+"-value", srtest.Schema{Type: "PROTOBUF", Text: text, Rules: `{"domainRules":[` + fmt.Sprintf(adult, "WRITE", dlq) + `]}`})
		ps := data.StructBuilder().Name("R").Field("name", data.OptionalString).Field("age", data.OptionalInt32).
			Field("big", data.OptionalInt64).MustBuild()
		conv := protobuf.New()
		if err := conv.Configure(map[string]string{"schema.registry.url": srv.URL, "auto.register.schemas": "false",
			"use.latest.version": "true", "bootstrap.servers": kafkaAddr, "dlq.auto.flush": "true"}, false); err != nil {
			t.Fatal(err)
		}
		defer conv.Close()
		v := data.NewStruct(ps).MustPut("name", "bob").MustPut("age", int32(10)).MustPut("big", int64(0))
		if _, err := conv.FromConnectData(topic, nil, ps, v); err == nil || !strings.Contains(err.Error(), "Rule failed: adult") {
			t.Fatalf("write error %v, want the rule's failure", err)
		}
		// ProtobufSchemaUtils.toJson: JsonFormat's printer with
		// includingDefaultValueFields (big = 0 printed, as a string).
		got := readTopic(t, dlq, 1)
		if len(got) != 1 || string(got[0].Value) != `{"name":"bob","age":10,"big":"0"}` {
			t.Fatalf("DLQ holds %d records, first %s", len(got), got[0].Value)
		}
		checkHeaders(t, got[0], [][2]string{{"__rule.name", "adult"}, {"__rule.mode", "WRITE"},
			{"__rule.subject", topic + "-value"}, {"__rule.topic", topic}, {"__rule.exception", "Expr failed: 'message.age >= 18'"}})
	})
}
