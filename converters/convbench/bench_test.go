// Package convbench compares the converters on the datagen ratings
// records in one run: Avro, JSON Schema and Protobuf (Confluent's wire
// formats, registry in process, schema id cached as in a running task)
// and Connect's JsonConverter, each next to the bare library encoding the
// same records (goavro, encoding/json, google.golang.org/protobuf):
//
//	go test -run '^$' -bench . -benchmem -benchtime=200000x ./converters/convbench
package convbench

import (
	"encoding/json"
	"testing"

	"github.com/linkedin/goavro/v2"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/converters/avro"
	jsonconv "github.com/goconnect/goconnect/converters/json"
	"github.com/goconnect/goconnect/converters/jsonschema"
	"github.com/goconnect/goconnect/converters/protobuf"
	"github.com/goconnect/goconnect/internal/protoknown"
	"github.com/goconnect/goconnect/internal/ratingsdata"
	"github.com/goconnect/goconnect/schemaregistry/srtest"
)

const n = 1024

// ratingsProto is the message ProtobufConverter registers for ratings.
const ratingsProto = `syntax = "proto3";
package ksql;
message ratings {
  int64 rating_id = 1;
  int32 user_id = 2;
  int32 stars = 3;
  int32 route_id = 4;
  int64 rating_time = 5;
  string channel = 6;
  string message = 7;
}`

const ratingsAvro = `{"type":"record","name":"ratings","namespace":"ksql","fields":[{"name":"rating_id","type":"long"},` +
	`{"name":"user_id","type":"int"},{"name":"stars","type":"int"},{"name":"route_id","type":"int"},` +
	`{"name":"rating_time","type":"long"},{"name":"channel","type":"string"},{"name":"message","type":"string"}]}`

func BenchmarkRatings(b *testing.B) {
	srv := srtest.New(b)
	s := ratingsdata.Schema()
	structs, plain := ratingsdata.Records(s, n)
	reg := map[string]string{"schema.registry.url": srv.URL}
	jc := jsonconv.New()
	convs := []struct {
		name string
		c    connect.Converter
		cfg  map[string]string
	}{
		{"AvroConverter", avro.New(), reg}, {"JsonSchemaConverter", jsonschema.New(), reg},
		{"ProtobufConverter", protobuf.New(), reg}, {"JsonConverter", jc, map[string]string{"schemas.enable": "false"}},
	}
	encoded := make([][][]byte, len(convs))
	for ci, c := range convs {
		if err := c.c.Configure(c.cfg, false); err != nil {
			b.Fatal(err)
		}
		encoded[ci] = make([][]byte, n)
		for i := range structs {
			var err error
			if encoded[ci][i], err = c.c.FromConnectData("ratings-"+c.name, nil, s, structs[i]); err != nil {
				b.Fatal(err)
			}
		}
	}
	// The bare libraries, checked to write the same payloads.
	codec, err := goavro.NewCodec(ratingsAvro)
	if err != nil {
		b.Fatal(err)
	}
	natives := make([]map[string]any, n)
	for i, r := range plain {
		natives[i] = map[string]any{"rating_id": r.RatingID, "user_id": r.UserID, "stars": r.Stars, "route_id": r.RouteID,
			"rating_time": r.RatingTime, "channel": r.Channel, "message": r.Message}
	}
	known, err := protoknown.Registry()
	if err != nil {
		b.Fatal(err)
	}
	md := compileRatings(b, known)
	var fs [7]protoreflect.FieldDescriptor
	for i := range fs {
		fs[i] = md.Fields().Get(i)
	}
	pbMarshal := func(r *ratingsdata.Rating) ([]byte, error) {
		m := dynamicpb.NewMessage(md)
		m.Set(fs[0], protoreflect.ValueOfInt64(r.RatingID))
		m.Set(fs[1], protoreflect.ValueOfInt32(r.UserID))
		m.Set(fs[2], protoreflect.ValueOfInt32(r.Stars))
		m.Set(fs[3], protoreflect.ValueOfInt32(r.RouteID))
		m.Set(fs[4], protoreflect.ValueOfInt64(r.RatingTime))
		m.Set(fs[5], protoreflect.ValueOfString(r.Channel))
		m.Set(fs[6], protoreflect.ValueOfString(r.Message))
		return proto.MarshalOptions{Deterministic: true}.Marshal(m)
	}
	for i := range plain {
		av, _ := codec.BinaryFromNative(nil, natives[i])
		js, _ := json.Marshal(&plain[i])
		pb, _ := pbMarshal(&plain[i])
		if string(encoded[0][i][5:]) != string(av) || string(encoded[1][i][5:]) != string(js) ||
			string(encoded[2][i][6:]) != string(pb) || string(encoded[3][i]) != string(js) {
			b.Fatalf("record %d: a converter's payload differs from its bare library's", i)
		}
	}
	bare := []struct {
		name   string
		encode func(i int) error
		decode func(i int) error
	}{
		{"goavro", func(i int) error { _, err := codec.BinaryFromNative(make([]byte, 0, 128), natives[i]); return err },
			func(i int) error { _, _, err := codec.NativeFromBinary(encoded[0][i][5:]); return err }},
		{"encoding-json", func(i int) error { _, err := json.Marshal(&plain[i]); return err },
			func(i int) error { var r ratingsdata.Rating; return json.Unmarshal(encoded[3][i], &r) }},
		{"protobuf-dynamicpb", func(i int) error { _, err := pbMarshal(&plain[i]); return err },
			func(i int) error { return proto.Unmarshal(encoded[2][i][6:], dynamicpb.NewMessage(md)) }},
	}
	for ci, c := range convs {
		b.Run("encode/"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := c.c.FromConnectData("ratings-"+c.name, nil, s, structs[i%n]); err != nil {
					b.Fatal(err)
				}
			}
			ratingsdata.ReportRate(b)
		})
		b.Run("decode/"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, _, err := c.c.ToConnectData("ratings-"+c.name, nil, encoded[ci][i%n]); err != nil {
					b.Fatal(err)
				}
			}
			ratingsdata.ReportRate(b)
		})
	}
	for _, l := range bare {
		b.Run("encode/"+l.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if err := l.encode(i % n); err != nil {
					b.Fatal(err)
				}
			}
			ratingsdata.ReportRate(b)
		})
		b.Run("decode/"+l.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if err := l.decode(i % n); err != nil {
					b.Fatal(err)
				}
			}
			ratingsdata.ReportRate(b)
		})
	}
}
