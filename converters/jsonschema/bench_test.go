package jsonschema

import (
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/schemaregistry"
)

// rating is the ratings record as a plain Go struct, for the
// encoding/json baseline.
type rating struct {
	RatingID   int64  `json:"rating_id"`
	UserID     int32  `json:"user_id"`
	Stars      int32  `json:"stars"`
	RouteID    int32  `json:"route_id"`
	RatingTime int64  `json:"rating_time"`
	Channel    string `json:"channel"`
	Message    string `json:"message"`
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

// BenchmarkRatings compares JsonSchemaConverter on the datagen ratings
// records (schema id cached after the first record, as in a running
// task) with encoding/json marshalling the same records as a Go struct:
//
//	go test -run '^$' -bench Ratings -benchmem ./converters/jsonschema
func BenchmarkRatings(b *testing.B) {
	srv := httptest.NewServer(schemaregistry.Handler(schemaregistry.New(nil)))
	defer srv.Close()
	s, structs, plain := benchRatings()
	c := New()
	if err := c.Configure(map[string]string{"schema.registry.url": srv.URL}, false); err != nil {
		b.Fatal(err)
	}
	encoded := make([][]byte, benchRecords)
	plainEncoded := make([][]byte, benchRecords)
	for i := range structs {
		var err error
		if encoded[i], err = c.FromConnectData("ratings", nil, s, structs[i]); err != nil {
			b.Fatal(err)
		}
		plainEncoded[i], _ = json.Marshal(plain[i])
		if string(encoded[i][5:]) != string(plainEncoded[i]) {
			b.Fatalf("record %d: the converter writes %s, encoding/json %s", i, encoded[i][5:], plainEncoded[i])
		}
	}
	b.Run("encode/JsonSchemaConverter", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := c.FromConnectData("ratings", nil, s, structs[i%benchRecords]); err != nil {
				b.Fatal(err)
			}
		}
		perRecord(b)
	})
	b.Run("encode/encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := json.Marshal(&plain[i%benchRecords]); err != nil {
				b.Fatal(err)
			}
		}
		perRecord(b)
	})
	b.Run("decode/JsonSchemaConverter", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, _, err := c.ToConnectData("ratings", nil, encoded[i%benchRecords]); err != nil {
				b.Fatal(err)
			}
		}
		perRecord(b)
	})
	b.Run("decode/encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		var r rating
		for i := 0; i < b.N; i++ {
			if err := json.Unmarshal(plainEncoded[i%benchRecords], &r); err != nil {
				b.Fatal(err)
			}
		}
		perRecord(b)
	})
}
