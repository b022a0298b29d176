package protobuf

import (
	"net/http/httptest"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/schemaregistry"
)

// rating is the ratings record as a plain Go struct, for the baselines.
type rating struct {
	RatingID   int64
	UserID     int32
	Stars      int32
	RouteID    int32
	RatingTime int64
	Channel    string
	Message    string
}

const benchRecords = 1024

func benchRatings() (*data.Schema, []*data.Struct, []rating) {
	s := ratingsSchema()
	channels := []string{"iOS", "android", "web", "ios-test"}
	messages := []string{"thank you for the most friendly, helpful experience today at your new lounge",
		"more peanuts please", "why is it so difficult to keep the bathrooms clean ?", "(expletive deleted)"}
	structs := make([]*data.Struct, benchRecords)
	plain := make([]rating, benchRecords)
	for i := range structs {
		r := rating{int64(i + 1), int32(i % 100), int32(i%5 + 1), int32(i % 9000), 1733300000000 + int64(i), channels[i%4], messages[i%4]}
		plain[i] = r
		structs[i] = data.NewStruct(s).MustPut("rating_id", r.RatingID).MustPut("user_id", r.UserID).MustPut("stars", r.Stars).
			MustPut("route_id", r.RouteID).MustPut("rating_time", r.RatingTime).MustPut("channel", r.Channel).MustPut("message", r.Message)
	}
	return s, structs, plain
}

func perRecord(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

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
func bareMarshal(md protoreflect.MessageDescriptor, fs [7]protoreflect.FieldDescriptor, r *rating) ([]byte, error) {
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
func wireAppend(b []byte, r *rating) []byte {
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
	srv := httptest.NewServer(schemaregistry.Handler(schemaregistry.New(nil)))
	defer srv.Close()
	s, structs, plain := benchRatings()
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
		perRecord(b)
	})
	b.Run("encode/protobuf-dynamicpb", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := bareMarshal(ws.md, fs, &plain[i%benchRecords]); err != nil {
				b.Fatal(err)
			}
		}
		perRecord(b)
	})
	b.Run("encode/protowire", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			_ = wireAppend(make([]byte, 0, 128), &plain[i%benchRecords])
		}
		perRecord(b)
	})
	b.Run("decode/ProtobufConverter", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, _, err := c.ToConnectData("ratings", nil, encoded[i%benchRecords]); err != nil {
				b.Fatal(err)
			}
		}
		perRecord(b)
	})
	b.Run("decode/protobuf-dynamicpb", func(b *testing.B) {
		b.ReportAllocs()
		var r rating
		for i := 0; i < b.N; i++ {
			m := dynamicpb.NewMessage(ws.md)
			if err := proto.Unmarshal(encoded[i%benchRecords][6:], m); err != nil {
				b.Fatal(err)
			}
			r = rating{m.Get(fs[0]).Int(), int32(m.Get(fs[1]).Int()), int32(m.Get(fs[2]).Int()), int32(m.Get(fs[3]).Int()),
				m.Get(fs[4]).Int(), m.Get(fs[5]).String(), m.Get(fs[6]).String()}
		}
		_ = r
		perRecord(b)
	})
}
