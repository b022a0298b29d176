package datagen

import (
	"github.com/goconnect/goconnect/connect/data"
)

// The ratings quickstart: Avro record ksql.ratings, every field required.
const ratingsSchemaName = "ksql.ratings"

var ratingsChannels = [...]string{"web", "iOS", "ios", "iOS-test", "android"}

var ratingsMessages = [...]string{
	"worst. flight. ever. #neveragain",
	"Surprisingly good, maybe you are getting your mojo back at long last!",
	"Exceeded all my expectations. Thank you !",
	"meh",
	"(expletive deleted)",
	"is this as good as it gets? really ?",
	"airport refurb looks great, will fly outta here more!",
	"why is it so difficult to keep the bathrooms clean ?",
	"thank you for the most friendly, helpful experience today at your new lounge",
	"more peanuts please",
	"your team here rocks!",
}

// Field positions in the ratings struct.
const (
	fRatingID = iota
	fUserID
	fStars
	fRouteID
	fRatingTime
	fChannel
	fMessage
)

// quickstart generates one kind of record.
type quickstart struct {
	schema     *data.Schema
	defaultKey string
	// generate fills a struct for the record at 0-based index n; id is
	// 1+n already boxed, so the caller can share it with the key and offset.
	generate func(r *javaRandom, n int64, id any) *data.Struct
}

// boxedStrings returns the values as interfaces, boxed once, so that
// storing one in a struct does not allocate.
func boxedStrings(vals []string) []any {
	out := make([]any, len(vals))
	for i, v := range vals {
		out[i] = v
	}
	return out
}

// boxedInts returns the int32 values [lo, hi) as interfaces, boxed once.
func boxedInts(lo, hi int32) []any {
	out := make([]any, hi-lo)
	for i := range out {
		out[i] = lo + int32(i)
	}
	return out
}

func ratingsQuickstart() *quickstart {
	s := data.StructBuilder().Name(ratingsSchemaName).
		Field("rating_id", data.Int64Schema).
		Field("user_id", data.Int32Schema).
		Field("stars", data.Int32Schema).
		Field("route_id", data.Int32Schema).
		Field("rating_time", data.Int64Schema).
		Field("channel", data.StringSchema).
		Field("message", data.StringSchema).
		MustBuild()
	channels, messages := boxedStrings(ratingsChannels[:]), boxedStrings(ratingsMessages[:])
	users, stars := boxedInts(-1, 20), boxedInts(1, 5)
	return &quickstart{
		schema:     s,
		defaultKey: "rating_id",
		generate: func(r *javaRandom, n int64, id any) *data.Struct {
			st := data.NewStruct(s)
			// rating_id and rating_time are iteration counters (start 1,
			// steps 1 and 12); the rest are drawn in field order.
			st.PutIndex(fRatingID, id)
			st.PutIndex(fUserID, users[r.rangeInt(-1, 20)+1])
			st.PutIndex(fStars, stars[r.rangeInt(1, 5)-1])
			st.PutIndex(fRouteID, r.rangeInt(1, 9999))
			st.PutIndex(fRatingTime, 1+12*n)
			st.PutIndex(fChannel, channels[r.pick(len(channels))])
			st.PutIndex(fMessage, messages[r.pick(len(messages))])
			return st
		},
	}
}
