package elasticsearch

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/data"
)

func mustSettings(t *testing.T, kv ...string) *settings {
	t.Helper()
	props := map[string]string{"connection.url": "http://127.0.0.1:9200"}
	for i := 0; i < len(kv); i += 2 {
		props[kv[i]] = kv[i+1]
	}
	s, err := parseSettings(props)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustConverter(t *testing.T, s *settings) *converter {
	t.Helper()
	c, err := newConverter(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func sinkRec(topic string, part int32, off int64, ks *data.Schema, k any, vs *data.Schema, v any) connect.SinkRecord {
	return connect.SinkRecord{Record: connect.Record{Topic: topic, Partition: part, KafkaOffset: off,
		KeySchema: ks, Key: k, ValueSchema: vs, Value: v, Timestamp: time.UnixMilli(1700000000123)}}
}

func TestIndexName(t *testing.T) {
	s := mustSettings(t)
	long := strings.Repeat("a", 300)
	for topic, want := range map[string]string{
		"ratings":                    "ratings",
		"UNHAPPY_PLATINUM_CUSTOMERS": "unhappy_platinum_customers",
		"_private":                   "private",
		"-dash":                      "dash",
		".":                          "dot",
		"..":                         "dotdot",
		long:                         long[:255],
	} {
		if got := indexName(s, topic); got != want {
			t.Errorf("indexName(%q) = %q, want %q", topic, got, want)
		}
	}
	ds := mustSettings(t, "data.stream.type", "LOGS", "data.stream.dataset", "goconnect")
	if got := indexName(ds, "Ratings-Enriched"); got != "logs-goconnect-ratings-enriched" {
		t.Errorf("data stream name = %q", got)
	}
	if got := indexName(ds, long); got != "logs-goconnect-"+long[:100] {
		t.Errorf("long data stream name has %d chars", len(got))
	}
}

func TestDocumentID(t *testing.T) {
	for _, tc := range []struct {
		schema *data.Schema
		key    any
		want   string
		err    string
	}{
		{nil, "abc", "abc", ""},
		{nil, int64(42), "42", ""},
		{nil, int32(7), "7", ""},
		{data.NewBuilder(data.TypeString).MustBuild(), "k", "k", ""},
		{data.NewBuilder(data.TypeInt16).MustBuild(), int16(3), "3", ""},
		{nil, nil, "", "Key is used as document id and can not be null."},
		{nil, "", "", "Key is used as document id and can not be empty."},
		{nil, 1.5, "", "FLOAT64 is not supported as the document id."},
		{nil, map[string]any{"a": 1}, "", "MAP is not supported as the document id."},
		{data.StructBuilder().Field("a", data.NewBuilder(data.TypeInt32).MustBuild()).MustBuild(), "x", "", "STRUCT is not supported as the document id."},
	} {
		got, err := documentID(tc.schema, tc.key)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err || !isDataError(err) {
				t.Errorf("documentID(%v): err %v, want data error %q", tc.key, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("documentID(%v) = %q, %v; want %q", tc.key, got, err, tc.want)
		}
	}
}

func ndjson(a *action) string { return string(a.appendTo(nil)) }

func TestConvertIDsAndOperations(t *testing.T) {
	val := map[string]any{"rating_id": int64(1), "message": "ok"}

	// key.ignore: topic+partition+offset, no external version.
	c := mustConverter(t, mustSettings(t, "key.ignore", "true"))
	a, err := c.convert(sinkRec("ratings", 2, 42, nil, "k", nil, val), "ratings")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ndjson(a), `{"index":{"_index":"ratings","_id":"ratings+2+42"}}`+"\n"+`{"message":"ok","rating_id":1}`+"\n"; got != want {
		t.Errorf("key.ignore:\n got %s\nwant %s", got, want)
	}

	// Key used: id = key, external version = offset.
	c = mustConverter(t, mustSettings(t))
	a, err = c.convert(sinkRec("ratings", 0, 42, nil, "user-1", nil, val), "ratings")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ndjson(a), `{"index":{"_index":"ratings","_id":"user-1","version_type":"external","version":42}}`+"\n"+`{"message":"ok","rating_id":1}`+"\n"; got != want {
		t.Errorf("key used:\n got %s\nwant %s", got, want)
	}

	// External version from a header.
	c = mustConverter(t, mustSettings(t, "external.version.header", "v"))
	r := sinkRec("ratings", 0, 42, nil, "user-1", nil, val)
	r.Headers = connect.Headers{{Key: "v", Value: "1000"}}
	if a, err = c.convert(r, "ratings"); err != nil || a.version != 1000 || !a.external {
		t.Errorf("version header: %+v, %v", a, err)
	}

	// Upsert: update with doc and upsert, retry_on_conflict, no version.
	c = mustConverter(t, mustSettings(t, "write.method", "upsert", "max.in.flight.requests", "3", "max.buffered.records", "6000"))
	a, err = c.convert(sinkRec("ratings", 0, 42, nil, "user-1", nil, map[string]any{"a": "b"}), "ratings")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ndjson(a), `{"update":{"_index":"ratings","_id":"user-1","retry_on_conflict":3}}`+"\n"+`{"doc":{"a":"b"},"upsert":{"a":"b"}}`+"\n"; got != want {
		t.Errorf("upsert:\n got %s\nwant %s", got, want)
	}

	// Data stream: create, no id from key... ids are kept, no version, @timestamp added.
	c = mustConverter(t, mustSettings(t, "data.stream.type", "logs", "data.stream.dataset", "ds", "key.ignore", "true"))
	a, err = c.convert(sinkRec("ratings", 0, 5, nil, nil, nil, map[string]any{"a": "b"}), "logs-ds-ratings")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ndjson(a), `{"create":{"_index":"logs-ds-ratings","_id":"ratings+0+5"}}`+"\n"+`{"@timestamp":1700000000123,"a":"b"}`+"\n"; got != want {
		t.Errorf("data stream:\n got %s\nwant %s", got, want)
	}
	c = mustConverter(t, mustSettings(t, "data.stream.type", "logs", "data.stream.dataset", "ds", "key.ignore", "true", "data.stream.timestamp.field", "missing,ts"))
	a, err = c.convert(sinkRec("ratings", 0, 5, nil, nil, nil, map[string]any{"ts": "2026-01-01T00:00:00Z"}), "logs-ds-ratings")
	if err != nil || !strings.Contains(string(a.body), `"@timestamp":"2026-01-01T00:00:00Z"`) {
		t.Errorf("data stream timestamp field: %s, %v", a.body, err)
	}
}

func TestConvertNullValues(t *testing.T) {
	tomb := sinkRec("ratings", 1, 9, nil, "user-1", nil, nil)
	noKey := sinkRec("ratings", 1, 9, nil, nil, nil, nil)

	c := mustConverter(t, mustSettings(t, "behavior.on.null.values", "IGNORE"))
	if a, err := c.convert(tomb, "ratings"); a != nil || err != nil {
		t.Errorf("ignore: %+v, %v", a, err)
	}

	c = mustConverter(t, mustSettings(t, "behavior.on.null.values", "delete"))
	a, err := c.convert(tomb, "ratings")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ndjson(a), `{"delete":{"_index":"ratings","_id":"user-1","version_type":"external","version":9}}`+"\n"; got != want {
		t.Errorf("delete:\n got %s\nwant %s", got, want)
	}
	if a, err := c.convert(noKey, "ratings"); a != nil || err != nil {
		t.Errorf("delete without key: %+v, %v; want skipped", a, err)
	}
	c = mustConverter(t, mustSettings(t, "behavior.on.null.values", "delete", "key.ignore", "true"))
	if a, err := c.convert(tomb, "ratings"); err != nil || a.op != opDelete || a.docID() != "ratings+1+9" || a.external {
		t.Errorf("delete with key.ignore: %+v, %v", a, err)
	}

	c = mustConverter(t, mustSettings(t)) // default FAIL
	if _, err := c.convert(tomb, "ratings"); err == nil || !isDataError(err) || !strings.Contains(err.Error(), "null value encountered for topic/partition/offset ratings/1/9") {
		t.Errorf("fail: %v", err)
	}
	// Null key with the key used is a data error whatever the value.
	if _, err := c.convert(sinkRec("ratings", 0, 1, nil, nil, nil, map[string]any{}), "ratings"); err == nil || !isDataError(err) {
		t.Errorf("null key: %v", err)
	}
}

func ratingSchema() *data.Schema {
	str := data.NewBuilder(data.TypeString).MustBuild()
	optStr := data.NewBuilder(data.TypeString).Optional().MustBuild()
	i32 := data.NewBuilder(data.TypeInt32).MustBuild()
	addr := data.StructBuilder().Name("Address").Field("city", str).Field("zip", optStr).MustBuild()
	return data.StructBuilder().Name("Rating").
		Field("rating_id", data.NewBuilder(data.TypeInt64).MustBuild()).
		Field("stars", i32).
		Field("score", data.NewBuilder(data.TypeFloat64).Default(1.5).MustBuild()).
		Field("price", data.DecimalBuilder(2).MustBuild()).
		Field("ts", data.TimestampBuilder().MustBuild()).
		Field("day", data.DateBuilder().MustBuild()).
		Field("ok", data.NewBuilder(data.TypeBoolean).MustBuild()).
		Field("raw", data.NewBuilder(data.TypeBytes).Optional().MustBuild()).
		Field("tags", data.ArrayOf(str).MustBuild()).
		Field("attrs", data.MapOf(str, i32).MustBuild()).
		Field("byid", data.MapOf(i32, str).Optional().MustBuild()).
		Field("address", addr).
		MustBuild()
}

func ratingValue(s *data.Schema) *data.Struct {
	addr, _ := s.Field("address")
	return data.NewStruct(s).
		MustPut("rating_id", int64(7)).
		MustPut("stars", int32(4)).
		MustPut("price", data.NewBigDecimal(1234, 2)).
		MustPut("ts", time.UnixMilli(1700000000123).UTC()).
		MustPut("day", time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)).
		MustPut("ok", true).
		MustPut("tags", []any{"a", "b"}).
		MustPut("attrs", map[string]any{"x": int32(1)}).
		MustPut("byid", map[any]any{int32(5): "five"}).
		MustPut("address", data.NewStruct(addr.Schema).MustPut("city", "Paris"))
}

func TestBodyFromStruct(t *testing.T) {
	s := ratingSchema()
	rec := sinkRec("ratings", 0, 1, nil, nil, s, ratingValue(s))

	c := mustConverter(t, mustSettings(t, "key.ignore", "true"))
	a, err := c.convert(rec, "ratings")
	if err != nil {
		t.Fatal(err)
	}
	want := `{"rating_id":7,"stars":4,"score":1.5,"price":12.34,"ts":1700000000123,"day":20455,"ok":true,"raw":null,"tags":["a","b"],"attrs":{"x":1},"byid":[{"key":5,"value":"five"}],"address":{"city":"Paris","zip":null}}`
	if string(a.body) != want {
		t.Errorf("schema'd body:\n got %s\nwant %s", a.body, want)
	}

	c = mustConverter(t, mustSettings(t, "key.ignore", "true", "compact.map.entries", "false"))
	a, err = c.convert(rec, "ratings")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(a.body), `"attrs":[{"key":"x","value":1}]`) {
		t.Errorf("compact.map.entries=false: %s", a.body)
	}

	// schema.ignore: serialized as-is, the decimal as JsonConverter's base64.
	c = mustConverter(t, mustSettings(t, "key.ignore", "true", "schema.ignore", "true"))
	a, err = c.convert(rec, "ratings")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(a.body), `"price":"BNI="`) || !strings.Contains(string(a.body), `"byid":[[5,"five"]]`) {
		t.Errorf("schema.ignore body: %s", a.body)
	}
}

func TestBodySchemalessJSON(t *testing.T) {
	c := mustConverter(t, mustSettings(t, "key.ignore", "true", "schema.ignore", "true"))
	v := map[string]any{"user": map[string]any{"name": "Ann", "tier": "Platinum"}, "n": int64(3), "f": 2.5, "list": []any{int64(1), "x"}}
	a, err := c.convert(sinkRec("UNHAPPY_PLATINUM_CUSTOMERS", 0, 3, nil, nil, nil, v), "unhappy_platinum_customers")
	if err != nil {
		t.Fatal(err)
	}
	var got, want any
	if err := json.Unmarshal(a.body, &got); err != nil {
		t.Fatalf("%s: %v", a.body, err)
	}
	_ = json.Unmarshal([]byte(`{"user":{"name":"Ann","tier":"Platinum"},"n":3,"f":2.5,"list":[1,"x"]}`), &want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("schemaless body %s", a.body)
	}
}

func TestMapping(t *testing.T) {
	m, err := mapping(ratingSchema())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(m)
	want := `{"properties":{"address":{"properties":{"city":{"fields":{"keyword":{"ignore_above":256,"type":"keyword"}},"type":"text"},"zip":{"fields":{"keyword":{"ignore_above":256,"type":"keyword"}},"type":"text"}}},` +
		`"attrs":{"properties":{"key":{"fields":{"keyword":{"ignore_above":256,"type":"keyword"}},"type":"text"},"value":{"type":"integer"}}},` +
		`"byid":{"properties":{"key":{"type":"integer"},"value":{"fields":{"keyword":{"ignore_above":256,"type":"keyword"}},"type":"text"}}},` +
		`"day":{"type":"date"},"ok":{"type":"boolean"},"price":{"type":"double"},"rating_id":{"type":"long"},"raw":{"type":"binary"},` +
		`"score":{"null_value":1.5,"type":"double"},"stars":{"type":"integer"},` +
		`"tags":{"fields":{"keyword":{"ignore_above":256,"type":"keyword"}},"type":"text"},"ts":{"type":"date"}}}`
	if string(b) != want {
		t.Errorf("mapping:\n got %s\nwant %s", b, want)
	}
	if _, err := mapping(nil); err == nil || err.Error() != "Cannot infer mapping without schema." {
		t.Errorf("mapping(nil): %v", err)
	}
}

func TestConfigChecks(t *testing.T) {
	for _, tc := range []struct {
		kv   []string
		want string
	}{
		{[]string{"connection.username", "u"}, "Both 'connection.username' and 'connection.password' must be set."},
		{[]string{"key.ignore", "true", "topic.key.ignore", "a"}, "'key.ignore' can not be set to true"},
		{[]string{"batch.size", "5000"}, "'max.buffered.records' must be larger than or equal"},
		{[]string{"linger.ms", "200000"}, "'linger.ms' must be less than or equal"},
		{[]string{"data.stream.type", "logs"}, "Either both or neither"},
		{[]string{"data.stream.type", "logs", "data.stream.dataset", "d", "write.method", "upsert"}, "Upserts are not supported"},
		{[]string{"behavior.on.null.values", "drop"}, "behavior.on.null.values"},
	} {
		props := map[string]string{"connection.url": "localhost:9200"}
		for i := 0; i < len(tc.kv); i += 2 {
			props[tc.kv[i]] = tc.kv[i+1]
		}
		if _, err := parseSettings(props); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err %v, want %q", tc.kv, err, tc.want)
		}
	}
	s := mustSettings(t, "connection.url", "es1:9200,https://es2:9200", "type.name", "_doc")
	if !reflect.DeepEqual(s.urls, []string{"https://es1:9200", "https://es2:9200"}) {
		t.Errorf("urls %v: want https for all when one asks for it", s.urls)
	}
	if _, err := parseSettings(map[string]string{}); err == nil || !strings.Contains(err.Error(), "connection.url") {
		t.Errorf("missing connection.url: %v", err)
	}
}

// Ids and index names that need JSON escaping take the slow path; plain
// ones are copied as they are.
func TestBulkLineEscaping(t *testing.T) {
	c := mustConverter(t, mustSettings(t, "key.ignore", "true"))
	a, err := c.convert(sinkRec(`we"ird`, 1, 7, nil, nil, nil, map[string]any{"a": "b"}), `in\dex`)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ndjson(a), `{"index":{"_index":"in\\dex","_id":"we\"ird+1+7"}}`+"\n"+`{"a":"b"}`+"\n"; got != want {
		t.Errorf("escaped:\n got %s\nwant %s", got, want)
	}
	c = mustConverter(t, mustSettings(t))
	a, err = c.convert(sinkRec("t", 0, 3, nil, "ü<", nil, map[string]any{"a": "b"}), "t")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ndjson(a), `{"index":{"_index":"t","_id":"ü\u003c","version_type":"external","version":3}}`+"\n"+`{"a":"b"}`+"\n"; got != want {
		t.Errorf("key id:\n got %s\nwant %s", got, want)
	}
	if a.docID() != "ü<" {
		t.Errorf("docID %q", a.docID())
	}
}
