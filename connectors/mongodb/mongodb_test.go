package mongodb

import (
	"encoding/base64"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/data"
)

var fixedNow = time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC)

func ext(t *testing.T, v any) string {
	t.Helper()
	b, err := bson.MarshalExtJSON(v, true, false)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestConvertStructWithLogicalTypes(t *testing.T) {
	inner := data.StructBuilder().Field("city", data.OptionalString).MustBuild()
	dec := data.DecimalBuilder(2).MustBuild()
	s := data.StructBuilder().Name("rec").
		Field("i8", data.NewBuilder(data.TypeInt8).MustBuild()).
		Field("i16", data.NewBuilder(data.TypeInt16).MustBuild()).
		Field("i32", data.Int32Schema).
		Field("i64", data.Int64Schema).
		Field("f32", data.NewBuilder(data.TypeFloat32).MustBuild()).
		Field("b", data.NewBuilder(data.TypeBoolean).MustBuild()).
		Field("s", data.StringSchema).
		Field("bytes", data.NewBuilder(data.TypeBytes).MustBuild()).
		Field("dec", dec).
		Field("date", data.DateBuilder().MustBuild()).
		Field("ts", data.TimestampBuilder().MustBuild()).
		Field("addr", inner).
		Field("tags", data.ArrayOf(data.StringSchema).MustBuild()).
		Field("opt", data.OptionalString).
		MustBuild()
	st := data.NewStruct(s).MustPut("i8", int8(1)).MustPut("i16", int16(2)).MustPut("i32", int32(3)).MustPut("i64", int64(4)).
		MustPut("f32", float32(1.5)).MustPut("b", true).MustPut("s", "x").MustPut("bytes", []byte{1, 2}).
		MustPut("dec", data.NewBigDecimal(12345, 2)).MustPut("date", data.DateFromDays(1)).
		MustPut("ts", fixedNow).MustPut("addr", data.NewStruct(inner).MustPut("city", "Oslo")).
		MustPut("tags", []any{"a", "b"})
	d, err := toDocument(s, st)
	if err != nil {
		t.Fatal(err)
	}
	got := ext(t, d)
	want := `{"i8":{"$numberInt":"1"},"i16":{"$numberInt":"2"},"i32":{"$numberInt":"3"},"i64":{"$numberLong":"4"},` +
		`"f32":{"$numberDouble":"1.5"},"b":true,"s":"x","bytes":{"$binary":{"base64":"AQI=","subType":"00"}},` +
		`"dec":{"$numberDecimal":"123.45"},"date":{"$date":{"$numberLong":"86400000"}},` +
		`"ts":{"$date":{"$numberLong":"1705314600000"}},"addr":{"city":"Oslo"},"tags":["a","b"],"opt":null}`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestConvertSchemalessStringBytesAndErrors(t *testing.T) {
	d, err := toDocument(nil, map[string]any{"b": int64(2), "a": "x", "n": map[string]any{"f": 1.5}, "l": []any{true, nil}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ext(t, d), `{"a":"x","b":{"$numberLong":"2"},"l":[true,null],"n":{"f":{"$numberDouble":"1.5"}}}`; got != want {
		t.Fatalf("map: got %s want %s", got, want)
	}
	d, err = toDocument(nil, `{"_id": {"$oid": "5f0000000000000000000001"}, "n": 1, "d": {"$date": "2024-01-15T10:30:00Z"}}`)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := d[0].Value.(bson.ObjectID); !ok || d[1].Value != int32(1) {
		t.Fatalf("extended JSON string: %#v", d)
	}
	raw, _ := bson.Marshal(bson.D{{Key: "x", Value: "y"}})
	if d, err = toDocument(nil, raw); err != nil || ext(t, d) != `{"x":"y"}` {
		t.Fatalf("raw BSON: %v %v", d, err)
	}
	if d, err = toDocument(nil, nil); err != nil || d != nil {
		t.Fatalf("nil: %v %v", d, err)
	}
	if _, err = toDocument(data.Int64Schema, int64(5)); !errors.Is(err, errNoConverter) {
		t.Fatalf("bare long: %v", err)
	}
	if _, err = toDocument(nil, "not json"); err == nil {
		t.Fatal("invalid JSON string accepted")
	}
}

func rec(key, value any) *connect.SinkRecord {
	return &connect.SinkRecord{Record: connect.Record{Topic: "orders", Partition: 2, KafkaOffset: 7, Key: key, Value: value,
		Timestamp: fixedNow}, TimestampType: connect.CreateTime, OriginalTopic: "orders", OriginalPartition: 2, OriginalOffset: 7}
}

func props(extra ...string) map[string]string {
	p := map[string]string{"topics": "orders", "database": "db", "connection.uri": "mongodb://127.0.0.1:27017"}
	for i := 0; i+1 < len(extra); i += 2 {
		p[extra[i]] = extra[i+1]
	}
	return p
}

// model runs a record through the task pipeline without a server.
func model(t *testing.T, props map[string]string, r *connect.SinkRecord) (mongo.WriteModel, error) {
	t.Helper()
	tc, err := newTopicConfig(props, r.Topic, func() time.Time { return fixedNow })
	if err != nil {
		t.Fatal(err)
	}
	return (&SinkTask{}).buildModel(tc, r)
}

func describe(t *testing.T, m mongo.WriteModel) string {
	t.Helper()
	switch x := m.(type) {
	case *mongo.ReplaceOneModel:
		return fmt.Sprintf("replace %s %s upsert=%v", ext(t, x.Filter), ext(t, x.Replacement), x.Upsert != nil && *x.Upsert)
	case *mongo.UpdateOneModel:
		return fmt.Sprintf("update %s %s upsert=%v", ext(t, x.Filter), ext(t, x.Update), x.Upsert != nil && *x.Upsert)
	case *mongo.InsertOneModel:
		return "insert " + ext(t, x.Document)
	case *mongo.DeleteOneModel:
		return "delete " + ext(t, x.Filter)
	case nil:
		return "skip"
	}
	return fmt.Sprintf("%T", m)
}

func TestIDStrategiesAndWriteModels(t *testing.T) {
	const pkg = "com.mongodb.kafka.connect.sink."
	key := map[string]any{"id": int64(1), "_id": "k1"}
	val := map[string]any{"id": int64(1), "name": "n", "sub": map[string]any{"a": int64(1), "b": int64(2)}}
	ts := `{"$date":{"$numberLong":"1705314600000"}}`
	cases := []struct {
		name  string
		props []string
		want  string
	}{
		{"kafka meta", []string{"document.id.strategy", pkg + "processor.id.strategy.KafkaMetaDataStrategy"},
			`replace {"_id":"orders#2#7"} {"_id":"orders#2#7","id":{"$numberLong":"1"},"name":"n","sub":{"a":{"$numberLong":"1"},"b":{"$numberLong":"2"}}} upsert=true`},
		{"full key simple name", []string{"document.id.strategy", "FullKeyStrategy", "writemodel.strategy", "InsertOneDefaultStrategy"},
			`insert {"_id":{"_id":"k1","id":{"$numberLong":"1"}},"id":{"$numberLong":"1"},"name":"n","sub":{"a":{"$numberLong":"1"},"b":{"$numberLong":"2"}}}`},
		{"provided in key", []string{"document.id.strategy", "ProvidedInKeyStrategy", "value.projection.type", "AllowList", "value.projection.list", "name",
			"post.processor.chain", pkg + "processor.AllowListValueProjector"},
			`replace {"_id":"k1"} {"_id":"k1","name":"n"} upsert=true`},
		{"partial value business key", []string{"document.id.strategy", "PartialValueStrategy",
			"document.id.strategy.partial.value.projection.type", "AllowList", "document.id.strategy.partial.value.projection.list", "id,sub.a",
			"writemodel.strategy", pkg + "writemodel.strategy.ReplaceOneBusinessKeyStrategy"},
			`replace {"id":{"$numberLong":"1"},"sub.a":{"$numberLong":"1"}} {"id":{"$numberLong":"1"},"name":"n","sub":{"a":{"$numberLong":"1"},"b":{"$numberLong":"2"}}} upsert=true`},
		{"partial key timestamps", []string{"document.id.strategy", "PartialKeyStrategy", "key.projection.type", "BlockList", "key.projection.list", "_id",
			"writemodel.strategy", "UpdateOneTimestampsStrategy", "post.processor.chain", "BlockListValueProjector", "value.projection.list", "sub.b,name"},
			`update {"_id":{"id":{"$numberLong":"1"}}} {"$set":{"id":{"$numberLong":"1"},"sub":{"a":{"$numberLong":"1"}},"_modifiedTS":` + ts + `},"$setOnInsert":{"_insertedTS":` + ts + `}} upsert=true`},
		{"business key timestamps", []string{"document.id.strategy", "PartialValueStrategy", "value.projection.type", "AllowList", "value.projection.list", "id",
			"writemodel.strategy", "UpdateOneBusinessKeyTimestampStrategy"},
			`update {"id":{"$numberLong":"1"}} {"$set":{"id":{"$numberLong":"1"},"name":"n","sub":{"a":{"$numberLong":"1"},"b":{"$numberLong":"2"}},"_modifiedTS":` + ts + `},"$setOnInsert":{"_insertedTS":` + ts + `}} upsert=true`},
		{"delete one default as main", []string{"document.id.strategy", "ProvidedInKeyStrategy", "writemodel.strategy", "DeleteOneDefaultStrategy"},
			`delete {"_id":"k1"}`},
		{"renamers and meta", []string{"document.id.strategy", "UuidStrategy", "document.id.strategy.uuid.format", "binary",
			"post.processor.chain", "DocumentIdAdder,KafkaMetaAdder,RenameByMapping,RenameByRegExp,BlockListValueProjector", "value.projection.list", "sub",
			"field.renamer.mapping", `[{"oldName":"value.name","newName":"title"}]`,
			"field.renamer.regexp", `[{"regexp":"^value\\..*-.*$","pattern":"-","replace":"_"}]`},
			`replace {"_id":{"$binary":{"base64":"X","subType":"04"}}} {"_id":{"$binary":{"base64":"X","subType":"04"}},"id":{"$numberLong":"1"},"title":"n","topic_partition_offset":"orders-2-7","CreateTime":{"$numberLong":"1705314600000"}} upsert=true`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := model(t, props(c.props...), rec(key, val))
			if err != nil {
				t.Fatal(err)
			}
			got := describe(t, m)
			if strings.Contains(c.want, `"base64":"X"`) {
				// Random UUID: check shape only, then blank it.
				r := m.(*mongo.ReplaceOneModel)
				id := r.Filter.(bson.D)[0].Value.(bson.Binary)
				if id.Subtype != bson.TypeBinaryUUID || len(id.Data) != 16 {
					t.Fatalf("uuid id %v", id)
				}
				got = strings.ReplaceAll(got, base64.StdEncoding.EncodeToString(id.Data), "X")
			}
			if got != c.want {
				t.Fatalf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

func TestOidUuidStringAndOverwrite(t *testing.T) {
	m, err := model(t, props(), rec(nil, map[string]any{"_id": "keep", "a": "b"}))
	if err != nil {
		t.Fatal(err)
	}
	if got := describe(t, m); got != `replace {"_id":"keep"} {"_id":"keep","a":"b"} upsert=true` {
		t.Fatalf("existing _id kept: %s", got)
	}
	m, _ = model(t, props("document.id.strategy.overwrite.existing", "true"), rec(nil, map[string]any{"_id": "keep", "a": "b"}))
	if _, ok := m.(*mongo.ReplaceOneModel).Filter.(bson.D)[0].Value.(bson.ObjectID); !ok {
		t.Fatalf("overwrite: %s", describe(t, m))
	}
	m, _ = model(t, props("document.id.strategy", "UuidStrategy"), rec(nil, map[string]any{"a": "b"}))
	if s, ok := m.(*mongo.ReplaceOneModel).Filter.(bson.D)[0].Value.(string); !ok || len(s) != 36 || s[14] != '4' {
		t.Fatalf("uuid string: %s", describe(t, m))
	}
	m, err = model(t, props("document.id.strategy", "UuidProvidedInValueStrategy"), rec(nil, map[string]any{"_id": "123e4567-e89b-42d3-a456-426614174000"}))
	if err != nil || !strings.Contains(describe(t, m), `"subType":"04"`) {
		t.Fatalf("uuid provided: %v %v", describe(t, m), err)
	}
	if _, err = model(t, props("document.id.strategy", "ProvidedInValueStrategy"), rec(nil, map[string]any{"a": "b"})); !errors.Is(err, errData) {
		t.Fatalf("missing provided _id: %v", err)
	}
}

func TestTombstones(t *testing.T) {
	if _, err := model(t, props(), rec(map[string]any{"id": int64(1)}, nil)); !errors.Is(err, errData) {
		t.Fatalf("tombstone without delete.on.null.values: %v", err)
	}
	m, err := model(t, props("delete.on.null.values", "true", "document.id.strategy", "FullKeyStrategy"), rec(map[string]any{"id": int64(1)}, nil))
	if err != nil || describe(t, m) != `delete {"_id":{"id":{"$numberLong":"1"}}}` {
		t.Fatalf("full key delete: %s %v", describe(t, m), err)
	}
	m, err = model(t, props("delete.on.null.values", "true", "document.id.strategy", "ProvidedInKeyStrategy"), rec(map[string]any{"_id": "x"}, nil))
	if err != nil || describe(t, m) != `delete {"_id":"x"}` {
		t.Fatalf("provided key delete: %s %v", describe(t, m), err)
	}
	if _, err := newTopicConfig(props("delete.on.null.values", "true"), "orders", time.Now); err == nil || !strings.Contains(err.Error(), "FullKeyStrategy") {
		t.Fatalf("delete.on.null.values with BsonOid accepted: %v", err)
	}
}

func TestConfigOverridesAndRejections(t *testing.T) {
	p := props("collection", "c1", "topic.override.orders.collection", "orders_v2", "topic.override.orders.document.id.strategy", "KafkaMetaDataStrategy")
	tc, err := newTopicConfig(p, "orders", time.Now)
	if err != nil || tc.collection != "orders_v2" || reflect.TypeOf(tc.ids) != reflect.TypeOf(kafkaMetaStrategy{}) {
		t.Fatalf("override: %+v %v", tc, err)
	}
	if tc, _ = newTopicConfig(p, "other", time.Now); tc.collection != "c1" {
		t.Fatalf("other topic collection %s", tc.collection)
	}
	if tc, _ = newTopicConfig(props(), "t1", time.Now); tc.collection != "t1" || !tc.ordered || tc.tolerance != "none" {
		t.Fatalf("defaults: %+v", tc)
	}
	if tc, _ = newTopicConfig(props("errors.tolerance", "all", "mongo.errors.tolerance", "data"), "t", time.Now); tc.tolerance != "data" {
		t.Fatalf("tolerance %s", tc.tolerance)
	}
	for _, bad := range [][]string{
		{"timeseries.timefield", "ts"},
		{"topic.override.orders.timeseries.timefield", "ts"},
		{"writemodel.strategy", "com.example.Nope"},
		{"document.id.strategy", "Nope"},
		{"document.id.strategy", "com.example.FullKeyStrategy"},
		{"post.processor.chain", "Nope"},
		{"change.data.capture.handler", "com.mongodb.kafka.connect.sink.cdc.debezium.mongodb.MongoDbHandler"},
		{"database", ""},
	} {
		if _, err := newTopicConfig(props(bad...), "orders", time.Now); err == nil {
			t.Errorf("%v accepted", bad)
		} else if bad[0] == "timeseries.timefield" && !strings.Contains(err.Error(), "time-series collections are not supported") {
			t.Errorf("timeseries message: %v", err)
		}
	}
	c := &SinkConnector{}
	if msgs := c.Validate(map[string]string{"database": "d"}); len(msgs["topics"]) == 0 {
		t.Fatalf("missing topics not reported: %v", msgs)
	}
	if msgs := c.Validate(props("timeseries.timefield", "ts")); len(msgs["timeseries.timefield"]) == 0 {
		t.Fatalf("timeseries not reported: %v", msgs)
	}
}

func TestProjections(t *testing.T) {
	doc := bson.D{{Key: "_id", Value: 1}, {Key: "a", Value: bson.D{{Key: "b", Value: 1}, {Key: "c", Value: bson.D{{Key: "d", Value: 2}}}}},
		{Key: "arr", Value: bson.A{bson.D{{Key: "x", Value: 1}, {Key: "y", Value: 2}}}}, {Key: "z", Value: 3}}
	cases := []struct{ kind, list, want string }{
		{"AllowList", "a.b,arr.x", `{"_id":1,"a":{"b":1},"arr":[{"x":1}]}`},
		{"AllowList", "a", `{"_id":1,"a":{"b":1,"c":{"d":2}}}`},
		{"AllowList", "a.*", `{"_id":1,"a":{"b":1,"c":{"d":2}}}`},
		{"AllowList", "a.**", `{"_id":1,"a":{"b":1,"c":{"d":2}}}`},
		{"AllowList", "*", `{"_id":1,"a":{"b":1,"c":{"d":2}},"arr":[{"x":1,"y":2}],"z":3}`},
		{"BlockList", "a.c.d,arr.y,z", `{"_id":1,"a":{"b":1,"c":{}},"arr":[{"x":1}]}`},
		{"BlockList", "a.*", `{"_id":1,"a":{},"arr":[{"x":1,"y":2}],"z":3}`},
		{"BlockList", "**", `{}`},
	}
	for _, c := range cases {
		p, err := newProjection(c.kind, splitList(c.list))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := bson.MarshalExtJSON(p.apply(cloneDoc(doc), true), false, false)
		if string(got) != c.want {
			t.Errorf("%s %s: got %s want %s", c.kind, c.list, got, c.want)
		}
	}
}

func TestNullFieldValueRemover(t *testing.T) {
	m, err := model(t, props("post.processor.chain", "com.mongodb.kafka.connect.sink.processor.NullFieldValueRemover", "document.id.strategy", "ProvidedInValueStrategy"),
		rec(nil, map[string]any{"_id": int64(1), "a": nil, "n": map[string]any{"b": nil, "c": "x"}}))
	if err != nil || describe(t, m) != `replace {"_id":{"$numberLong":"1"}} {"_id":{"$numberLong":"1"},"n":{"c":"x"}} upsert=true` {
		t.Fatalf("%s %v", describe(t, m), err)
	}
}

func TestKeyConvertedOnlyWhenRead(t *testing.T) {
	r := rec("1", map[string]any{"a": "b"}) // a String key that is no document
	if _, err := model(t, props(), r); err != nil {
		t.Fatalf("default strategies read the key: %v", err)
	}
	if _, err := model(t, props("document.id.strategy", "FullKeyStrategy"), rec("1", map[string]any{"a": "b"})); err == nil {
		t.Fatal("FullKeyStrategy accepted a non-document key")
	}
}
