package jsonschema

import (
	"encoding/json"
	"testing"

	"github.com/goconnect/goconnect/internal/ratingsdata"
	"github.com/goconnect/goconnect/schemaregistry/srtest"
)

const benchRecords = 1024

// BenchmarkRatings compares JsonSchemaConverter on the datagen ratings
// records (schema id cached after the first record, as in a running
// task) with encoding/json marshalling the same records as a Go struct:
//
//	go test -run '^$' -bench Ratings -benchmem ./converters/jsonschema
func BenchmarkRatings(b *testing.B) {
	srv := srtest.New(b)
	s := ratingsdata.Schema()
	structs, plain := ratingsdata.Records(s, benchRecords)
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
		ratingsdata.ReportRate(b)
	})
	b.Run("encode/encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := json.Marshal(&plain[i%benchRecords]); err != nil {
				b.Fatal(err)
			}
		}
		ratingsdata.ReportRate(b)
	})
	b.Run("decode/JsonSchemaConverter", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, _, err := c.ToConnectData("ratings", nil, encoded[i%benchRecords]); err != nil {
				b.Fatal(err)
			}
		}
		ratingsdata.ReportRate(b)
	})
	b.Run("decode/encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		var r ratingsdata.Rating
		for i := 0; i < b.N; i++ {
			if err := json.Unmarshal(plainEncoded[i%benchRecords], &r); err != nil {
				b.Fatal(err)
			}
		}
		ratingsdata.ReportRate(b)
	})
}
