// Package ratingsdata is datagen's ratings record (the quickstart's
// ksql.ratings) as Connect data and as a plain Go struct, for the
// converters' tests and for benchmarks that put a converter next to a bare
// library encoding the same records.
package ratingsdata

import (
	"testing"

	"github.com/goconnect/goconnect/connect/data"
)

// Rating is one ratings record as a plain Go struct (JSON names as the
// record's fields).
type Rating struct {
	RatingID   int64  `json:"rating_id"`
	UserID     int32  `json:"user_id"`
	Stars      int32  `json:"stars"`
	RouteID    int32  `json:"route_id"`
	RatingTime int64  `json:"rating_time"`
	Channel    string `json:"channel"`
	Message    string `json:"message"`
}

// Schema is the Connect schema of the ratings record, fields in datagen's
// order.
func Schema() *data.Schema {
	return data.StructBuilder().Name("ksql.ratings").
		Field("rating_id", data.Int64Schema).Field("user_id", data.Int32Schema).Field("stars", data.Int32Schema).
		Field("route_id", data.Int32Schema).Field("rating_time", data.Int64Schema).
		Field("channel", data.StringSchema).Field("message", data.StringSchema).MustBuild()
}

// Records are n ratings records of schema s, as Connect structs and as
// the same values in plain structs; channels and messages cycle through
// four of datagen's.
func Records(s *data.Schema, n int) ([]*data.Struct, []Rating) {
	channels := []string{"iOS", "android", "web", "ios-test"}
	messages := []string{"thank you for the most friendly, helpful experience today at your new lounge",
		"more peanuts please", "why is it so difficult to keep the bathrooms clean ?", "(expletive deleted)"}
	structs := make([]*data.Struct, n)
	plain := make([]Rating, n)
	for i := range structs {
		r := Rating{RatingID: int64(i + 1), UserID: int32(i % 100), Stars: int32(i%5 + 1), RouteID: int32(i % 9000),
			RatingTime: 1733300000000 + int64(i), Channel: channels[i%4], Message: messages[i%4]}
		plain[i] = r
		structs[i] = data.NewStruct(s).MustPut("rating_id", r.RatingID).MustPut("user_id", r.UserID).MustPut("stars", r.Stars).
			MustPut("route_id", r.RouteID).MustPut("rating_time", r.RatingTime).MustPut("channel", r.Channel).MustPut("message", r.Message)
	}
	return structs, plain
}

// ReportRate adds a records/s figure to a benchmark whose op is one
// record.
func ReportRate(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
