package protobuf

import (
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/goconnect/goconnect/internal/ratingsdata"
	"github.com/goconnect/goconnect/schemaregistry/srtest"
)

const benchRecords = 1024

// bareFields are the ratings message's fields in order.
func bareFields(md protoreflect.MessageDescriptor) [7]protoreflect.FieldDescriptor {
	var fs [7]protoreflect.FieldDescriptor
	for i := range fs {
		fs[i] = md.Fields().Get(i)
	}
	return fs
}

// bareMarshal encodes a rating with google.golang.org/protobuf alone: a
// dynamicpb message of the same descriptor, filled from the Go struct.
func bareMarshal(md protoreflect.MessageDescriptor, fs [7]protoreflect.FieldDescriptor, r *ratingsdata.Rating) ([]byte, error) {
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

// wireAppend encodes a rating field by field with protowire: what
// generated code writes, without a message in between.
func wireAppend(b []byte, r *ratingsdata.Rating) []byte {
	for i, v := range []int64{r.RatingID, int64(r.UserID), int64(r.Stars), int64(r.RouteID), r.RatingTime} {
		if v != 0 {
			b = protowire.AppendTag(b, protowire.Number(i+1), protowire.VarintType)
			b = protowire.AppendVarint(b, uint64(v))
		}
	}
	for i, s := range []string{r.Channel, r.Message} {
		if s != "" {
			b = protowire.AppendTag(b, protowire.Number(i+6), protowire.BytesType)
			b = protowire.AppendString(b, s)
		}
	}
	return b
}

// BenchmarkRatings compares ProtobufConverter on the datagen ratings
// records (schema id cached after the first record, as in a running
// task) with google.golang.org/protobuf encoding the same records (a
// dynamicpb message filled from a Go struct) and with protowire appends:
//
//	go test -run '^$' -bench Ratings -benchmem ./converters/protobuf
func BenchmarkRatings(b *testing.B) {
	srv := srtest.New(b)
	s := ratingsdata.Schema()
	structs, plain := ratingsdata.Records(s, benchRecords)
	c := newConverter(b, srv.URL, false, nil)
	encoded := make([][]byte, benchRecords)
	ws, err := c.writeSchemaFor(s)
	if err != nil {
		b.Fatal(err)
	}
	fs := bareFields(ws.md)
	for i := range structs {
		if encoded[i], err = c.FromConnectData("ratings", nil, s, structs[i]); err != nil {
			b.Fatal(err)
		}
		bare, err := bareMarshal(ws.md, fs, &plain[i])
		if err != nil {
			b.Fatal(err)
		}
		if string(encoded[i][6:]) != string(bare) || string(wireAppend(nil, &plain[i])) != string(bare) {
			b.Fatalf("record %d: the converter writes %x, protobuf %x", i, encoded[i][6:], bare)
		}
	}
	b.Run("encode/ProtobufConverter", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := c.FromConnectData("ratings", nil, s, structs[i%benchRecords]); err != nil {
				b.Fatal(err)
			}
		}
		ratingsdata.ReportRate(b)
	})
	b.Run("encode/protobuf-dynamicpb", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := bareMarshal(ws.md, fs, &plain[i%benchRecords]); err != nil {
				b.Fatal(err)
			}
		}
		ratingsdata.ReportRate(b)
	})
	b.Run("encode/protowire", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			_ = wireAppend(make([]byte, 0, 128), &plain[i%benchRecords])
		}
		ratingsdata.ReportRate(b)
	})
	b.Run("decode/ProtobufConverter", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, _, err := c.ToConnectData("ratings", nil, encoded[i%benchRecords]); err != nil {
				b.Fatal(err)
			}
		}
		ratingsdata.ReportRate(b)
	})
	b.Run("decode/protobuf-dynamicpb", func(b *testing.B) {
		b.ReportAllocs()
		var r ratingsdata.Rating
		for i := 0; i < b.N; i++ {
			m := dynamicpb.NewMessage(ws.md)
			if err := proto.Unmarshal(encoded[i%benchRecords][6:], m); err != nil {
				b.Fatal(err)
			}
			r = ratingsdata.Rating{RatingID: m.Get(fs[0]).Int(), UserID: int32(m.Get(fs[1]).Int()), Stars: int32(m.Get(fs[2]).Int()),
				RouteID: int32(m.Get(fs[3]).Int()), RatingTime: m.Get(fs[4]).Int(), Channel: m.Get(fs[5]).String(), Message: m.Get(fs[6]).String()}
		}
		_ = r
		ratingsdata.ReportRate(b)
	})
}
