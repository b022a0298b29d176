package mongodb

import (
	"errors"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/data"
)

// The Debezium MySQL 2.7 envelope, as in transforms/debezium's tests.
var (
	rowSchema = data.StructBuilder().Name("asgard.demo.CUSTOMERS.Value").Optional().
			Field("id", data.Int32Schema).Field("first_name", data.OptionalString).Field("club_status", data.OptionalString).MustBuild()
	keySchema = data.StructBuilder().Name("asgard.demo.CUSTOMERS.Key").Field("id", data.Int32Schema).MustBuild()
	srcSchema = data.StructBuilder().Name("io.debezium.connector.mysql.Source").
			Field("connector", data.StringSchema).Field("db", data.StringSchema).Field("table", data.OptionalString).MustBuild()
	envSchema = data.StructBuilder().Name("asgard.demo.CUSTOMERS.Envelope").Version(2).
			Field("before", rowSchema).Field("after", rowSchema).Field("source", srcSchema).
			Field("op", data.StringSchema).Field("ts_ms", data.OptionalInt64).MustBuild()
)

func row(id int32, name, status string) *data.Struct {
	return data.NewStruct(rowSchema).MustPut("id", id).MustPut("first_name", name).MustPut("club_status", status)
}

func envelope(op string, id int32, before, after *data.Struct) *connect.SinkRecord {
	src := data.NewStruct(srcSchema).MustPut("connector", "mysql").MustPut("db", "demo").MustPut("table", "CUSTOMERS")
	env := data.NewStruct(envSchema).MustPut("source", src).MustPut("op", op).MustPut("ts_ms", int64(1705314600123))
	if before != nil {
		env.MustPut("before", before)
	}
	if after != nil {
		env.MustPut("after", after)
	}
	r := rec(data.NewStruct(keySchema).MustPut("id", id), env)
	r.KeySchema, r.ValueSchema = keySchema, envSchema
	return r
}

func TestRdbmsHandler(t *testing.T) {
	p := props("change.data.capture.handler", "com.mongodb.kafka.connect.sink.cdc.debezium.rdbms.mysql.MysqlHandler",
		// Bypassed with a CDC handler:
		"document.id.strategy", "ProvidedInValueStrategy", "writemodel.strategy", "InsertOneDefaultStrategy")
	cases := []struct {
		name string
		r    *connect.SinkRecord
		want string
	}{
		{"snapshot", envelope("r", 1, nil, row(1, "Rica", "gold")), `replace {"_id":{"id":1}} {"_id":{"id":1},"first_name":"Rica","club_status":"gold"} upsert=true`},
		{"create", envelope("c", 2, nil, row(2, "Bob", "silver")), `replace {"_id":{"id":2}} {"_id":{"id":2},"first_name":"Bob","club_status":"silver"} upsert=true`},
		{"update", envelope("u", 2, row(2, "Bob", "silver"), row(2, "Bob", "platinum")), `replace {"_id":{"id":2}} {"_id":{"id":2},"first_name":"Bob","club_status":"platinum"} upsert=true`},
		{"delete", envelope("d", 2, row(2, "Bob", "platinum"), nil), `delete {"_id":{"id":2}}`},
		{"tombstone", func() *connect.SinkRecord {
			r := envelope("d", 2, nil, nil)
			r.Value, r.ValueSchema = nil, nil
			return r
		}(), "skip"},
		{"ddl", rec(nil, map[string]any{"ddl": "CREATE TABLE x"}), "skip"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := model(t, p, c.r)
			if err != nil {
				t.Fatal(err)
			}
			if got := simple(t, m); got != c.want {
				t.Fatalf("got  %s\nwant %s", got, c.want)
			}
		})
	}
	for _, bad := range []*connect.SinkRecord{envelope("t", 1, nil, nil), envelope("c", 1, nil, nil), rec(nil, map[string]any{"x": int64(1)})} {
		if _, err := model(t, p, bad); !errors.Is(err, errData) {
			t.Errorf("bad event accepted: %v", err)
		}
	}
	// Without key fields: creates get an ObjectId, deletes filter by before.
	noKey := envelope("d", 1, row(1, "A", "x"), nil)
	noKey.Key, noKey.KeySchema = nil, nil
	m, err := model(t, p, noKey)
	if err != nil || simple(t, m) != `delete {"id":1,"first_name":"A","club_status":"x"}` {
		t.Fatalf("keyless delete: %s %v", simple(t, m), err)
	}
}

// simple renders with relaxed extended JSON, so int32 prints as a number.
func simple(t *testing.T, m mongo.WriteModel) string {
	t.Helper()
	j := func(v any) string {
		b, err := bson.MarshalExtJSON(v, false, false)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	switch x := m.(type) {
	case *mongo.ReplaceOneModel:
		return "replace " + j(x.Filter) + " " + j(x.Replacement) + map[bool]string{true: " upsert=true", false: ""}[x.Upsert != nil && *x.Upsert]
	case *mongo.UpdateOneModel:
		return "update " + j(x.Filter) + " " + j(x.Update)
	case *mongo.DeleteOneModel:
		return "delete " + j(x.Filter)
	case nil:
		return "skip"
	}
	return "?"
}

func TestChangeStreamHandler(t *testing.T) {
	p := props("change.data.capture.handler", "ChangeStreamHandler")
	cases := []struct{ ev, want string }{
		{`{"operationType":"insert","documentKey":{"_id":1},"fullDocument":{"_id":1,"a":1}}`, `replace {"_id":1} {"_id":1,"a":1} upsert=true`},
		{`{"operationType":"update","documentKey":{"_id":1},"updateDescription":{"updatedFields":{"a":2},"removedFields":["b"]}}`, `update {"_id":1} {"$set":{"a":2},"$unset":{"b":""}}`},
		{`{"operationType":"update","documentKey":{"_id":1},"fullDocument":{"_id":1,"a":3}}`, `replace {"_id":1} {"_id":1,"a":3}`},
		{`{"operationType":"delete","documentKey":{"_id":1}}`, `delete {"_id":1}`},
		{`{"operationType":"drop"}`, "skip"},
	}
	for _, c := range cases {
		m, err := model(t, p, rec(nil, c.ev))
		if err != nil {
			t.Fatal(err)
		}
		if got := simple(t, m); got != c.want {
			t.Errorf("%s: got %s want %s", c.ev, got, c.want)
		}
	}
	if _, err := model(t, p, rec(nil, `{"documentKey":{"_id":1}}`)); !errors.Is(err, errData) {
		t.Fatalf("missing operationType: %v", err)
	}
}
