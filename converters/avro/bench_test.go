package avro

import (
	"context"
	"encoding/binary"
	"net/http"
	"strings"
	"testing"

	"github.com/linkedin/goavro/v2"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/ratingsdata"
	"github.com/goconnect/goconnect/schemaregistry/dekregistry"
	"github.com/goconnect/goconnect/schemaregistry/srtest"
)

// BenchmarkRatingsConverter is the converter's throughput on datagen's
// ratings records, whole AvroConverter calls (schema cache warm, registry
// in process) against encoding the same records with bare goavro plus the
// 5-byte header, in the same run. Figures: records/s and allocs/op (one
// op is one record).
func BenchmarkRatingsConverter(b *testing.B) {
	srv := srtest.New(b)
	conv := New()
	if err := conv.Configure(map[string]string{"schema.registry.url": srv.URL}, false); err != nil {
		b.Fatal(err)
	}
	s := ratingsdata.Schema()
	v := data.NewStruct(s).MustPut("rating_id", int64(1)).MustPut("user_id", int32(7)).MustPut("stars", int32(3)).
		MustPut("route_id", int32(4262)).MustPut("rating_time", int64(1733300000123)).MustPut("channel", "android").
		MustPut("message", "more peanuts please")
	rec, err := conv.FromConnectData("ratings", nil, s, v)
	if err != nil {
		b.Fatal(err)
	}
	ws, _ := conv.writeSchemaFor(s)
	codec, err := goavro.NewCodec(ws.text)
	if err != nil {
		b.Fatal(err)
	}
	native := map[string]any{"rating_id": int64(1), "user_id": int32(7), "stars": int32(3), "route_id": int32(4262),
		"rating_time": int64(1733300000123), "channel": "android", "message": "more peanuts please"}
	perSecond := func(b *testing.B) {
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	}
	b.Run("serialise/AvroConverter", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := conv.FromConnectData("ratings", nil, s, v); err != nil {
				b.Fatal(err)
			}
		}
		perSecond(b)
	})
	b.Run("serialise/goavro", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			out := make([]byte, 5, 64)
			binary.BigEndian.PutUint32(out[1:], 1)
			if _, err := codec.BinaryFromNative(out, native); err != nil {
				b.Fatal(err)
			}
		}
		perSecond(b)
	})
	b.Run("deserialise/AvroConverter", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := conv.ToConnectData("ratings", nil, rec); err != nil {
				b.Fatal(err)
			}
		}
		perSecond(b)
	})
	b.Run("deserialise/goavro", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := codec.NativeFromBinary(rec[5:]); err != nil {
				b.Fatal(err)
			}
		}
		perSecond(b)
	})
}

// BenchmarkReadWithLatest is the cost of use.latest.version on read: a
// ratings record written with v1, read as itself and resolved into v2 (a
// field added with a default), in the same run.
func BenchmarkReadWithLatest(b *testing.B) {
	srv := srtest.New(b)
	writer := New()
	if err := writer.Configure(map[string]string{"schema.registry.url": srv.URL}, false); err != nil {
		b.Fatal(err)
	}
	s := ratingsdata.Schema()
	v := data.NewStruct(s).MustPut("rating_id", int64(1)).MustPut("user_id", int32(7)).MustPut("stars", int32(3)).
		MustPut("route_id", int32(4262)).MustPut("rating_time", int64(1733300000123)).MustPut("channel", "android").
		MustPut("message", "more peanuts please")
	rec, err := writer.FromConnectData("ratings", nil, s, v)
	if err != nil {
		b.Fatal(err)
	}
	ws, _ := writer.writeSchemaFor(s)
	v2 := strings.Replace(ws.text, `"fields":[`, `"fields":[{"name":"extra","type":"string","default":"x"},`, 1)
	if _, err := writer.client.RegisterSchema(context.Background(), "ratings-value", sr.Schema{Schema: v2}, -1, -1); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		props map[string]string
	}{
		{"writer-schema", map[string]string{"schema.registry.url": srv.URL}},
		{"use.latest.version", map[string]string{"schema.registry.url": srv.URL, "use.latest.version": "true"}},
	} {
		conv := New()
		if err := conv.Configure(c.props, false); err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := conv.ToConnectData("ratings", nil, rec); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// BenchmarkEncryptRule is the cost of an ENCRYPT rule (local-kms,
// AES256_GCM) on the ratings record's "message" field, against the same
// schema with no rule, write and read, in the same run.
func BenchmarkEncryptRule(b *testing.B) {
	deks := dekregistry.New(nil)
	srv := srtest.New(b, func(m *http.ServeMux) { dekregistry.Routes(m, deks) })
	s := ratingsdata.Schema()
	v := data.NewStruct(s).MustPut("rating_id", int64(1)).MustPut("user_id", int32(7)).MustPut("stars", int32(3)).
		MustPut("route_id", int32(4262)).MustPut("rating_time", int64(1733300000123)).MustPut("channel", "android").
		MustPut("message", "more peanuts please")
	plain := New()
	if err := plain.Configure(map[string]string{"schema.registry.url": srv.URL}, false); err != nil {
		b.Fatal(err)
	}
	ws, _ := plain.writeSchemaFor(s)
	tagged := strings.Replace(ws.text, `{"name":"message","type":"string"`, `{"name":"message","type":"string","confluent:tags":["PII"]`, 1)
	if tagged == ws.text {
		b.Fatalf("no message field in %s", ws.text)
	}
	rule := `{"domainRules":[{"name":"enc","kind":"TRANSFORM","mode":"WRITEREAD","type":"ENCRYPT","tags":["PII"],` +
		`"params":{"encrypt.kek.name":"k","encrypt.kms.type":"local-kms","encrypt.kms.key.id":"x"}}]}`
	for _, c := range []struct{ topic, text, rules string }{{"plain", ws.text, ""}, {"encrypted", tagged, rule}} {
		srv.Register(b, c.topic+"-value", srtest.Schema{Text: c.text, Rules: c.rules})
		conv := New()
		if err := conv.Configure(map[string]string{"schema.registry.url": srv.URL, "auto.register.schemas": "false",
			"use.latest.version": "true", "latest.compatibility.strict": "false", "rule.executors._default_.param.secret": "s"}, false); err != nil {
			b.Fatal(err)
		}
		rec, err := conv.FromConnectData(c.topic, nil, s, v)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.topic+"/write", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := conv.FromConnectData(c.topic, nil, s, v); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
		b.Run(c.topic+"/read", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := conv.ToConnectData(c.topic, nil, rec); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
