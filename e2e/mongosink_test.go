//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/goconnect/goconnect/connect/data"
	jsonconv "github.com/goconnect/goconnect/converters/json"
)

// mongoSinkDB returns a fresh database, dropped after the test (FerretDB
// keeps database names to 63 characters).
func mongoSinkDB(t *testing.T, cl *mongo.Client, base string) *mongo.Database {
	t.Helper()
	name := fmt.Sprintf("%s_%d", base, time.Now().UnixNano())
	db := cl.Database(name)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = db.Drop(ctx)
	})
	return db
}

func createTopic(t *testing.T, topic string, partitions int32) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(kafkaAddr), kgo.DefaultProduceTopic(topic))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := kadm.NewClient(cl).CreateTopic(ctx, partitions, 1, nil, topic); err != nil {
		t.Fatalf("creating topic %s: %v", topic, err)
	}
	return cl
}

func produce(t *testing.T, cl *kgo.Client, topic string, kvs ...[2]string) {
	t.Helper()
	recs := make([]*kgo.Record, len(kvs))
	for i, kv := range kvs {
		recs[i] = &kgo.Record{Topic: topic, Value: []byte(kv[1])}
		if kv[0] != "" {
			recs[i].Key = []byte(kv[0])
		}
		if kv[1] == "" {
			recs[i].Value = nil // tombstone
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatalf("producing to %s: %v", topic, err)
	}
}

// startSinkWorker runs goconnect standalone with the given connector configs.
func startSinkWorker(t *testing.T, connectors ...map[string]string) *worker {
	t.Helper()
	return startWorker(t, sinkWorkerArgs(t, nil, connectors...)...)
}

// sinkWorkerArgs writes the worker's and the connectors' files and returns
// the standalone command line, with flags before the files.
func sinkWorkerArgs(t *testing.T, flags []string, connectors ...map[string]string) []string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "worker.properties"), fmt.Sprintf(`bootstrap.servers=%s
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=false
offset.storage.file.filename=%s
offset.flush.interval.ms=500
consumer.auto.offset.reset=earliest
listeners=http://127.0.0.1:0
`, kafkaAddr, filepath.Join(dir, "connect.offsets")))
	args := append(append([]string{"standalone"}, flags...), filepath.Join(dir, "worker.properties"))
	for i, c := range connectors {
		b, err := json.Marshal(map[string]any{"name": c["name"], "config": c})
		if err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(dir, fmt.Sprintf("connector-%d.json", i))
		writeFile(t, f, string(b))
		args = append(args, f)
	}
	return args
}

// waitDocs polls until the collection holds n documents matching filter.
func waitDocs(t *testing.T, w *worker, coll *mongo.Collection, filter bson.D, n int64, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	var got int64
	var err error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		got, err = coll.CountDocuments(ctx, filter)
		cancel()
		if err == nil && got == n {
			return
		}
		select {
		case e := <-w.done:
			w.done <- e
			t.Fatalf("worker exited (%v) while %s held %d documents, want %d", e, coll.Name(), got, n)
		case <-time.After(200 * time.Millisecond):
		}
	}
	t.Fatalf("%s.%s holds %d documents matching %v (err %v), want %d within %s", coll.Database().Name(), coll.Name(), got, filter, err, n, d)
}

func findAll(t *testing.T, coll *mongo.Collection) []bson.M {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cur, err := coll.Find(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var out []bson.M
	if err := cur.All(ctx, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func extJSON(v any) string {
	b, err := bson.MarshalExtJSON(v, false, false)
	if err != nil {
		return fmt.Sprintf("<%v>", err)
	}
	return string(b)
}

// TestMongoSinkReferencePipeline sinks the reference pipeline's topic into
// analytics.ratings with the connector config shape users run with the
// Java plugin (String keys, schemaless JSON values, default strategies).
func TestMongoSinkReferencePipeline(t *testing.T) {
	cl := mongoClient(t, nil)
	db := mongoSinkDB(t, cl, "analytics")
	topic := uniqueName(t, "UNHAPPY_PLATINUM_CUSTOMERS")
	kc := createTopic(t, topic, 1)
	const n = 50
	var kvs [][2]string
	for i := 1; i <= n; i++ {
		kvs = append(kvs, [2]string{fmt.Sprint(i), fmt.Sprintf(`{"CLUB_STATUS":"platinum","EMAIL":"u%d@example.com","STARS":%d,"MESSAGE":"meh %d"}`, i, i%2+1, i)})
	}
	produce(t, kc, topic, kvs...)
	w := startSinkWorker(t, map[string]string{
		"name":                           "mongo-sink-ratings",
		"connector.class":                "com.mongodb.kafka.connect.MongoSinkConnector",
		"tasks.max":                      "1",
		"topics":                         topic,
		"connection.uri":                 mongoURI,
		"database":                       db.Name(),
		"collection":                     "ratings",
		"key.converter":                  "org.apache.kafka.connect.storage.StringConverter",
		"value.converter":                "org.apache.kafka.connect.json.JsonConverter",
		"value.converter.schemas.enable": "false",
	})
	coll := db.Collection("ratings")
	waitDocs(t, w, coll, bson.D{}, n, 60*time.Second)
	docs := findAll(t, coll)
	seen := map[string]bool{}
	for _, d := range docs {
		if _, ok := d["_id"].(bson.ObjectID); !ok {
			t.Fatalf("document without an ObjectId _id: %s", extJSON(d))
		}
		if d["CLUB_STATUS"] != "platinum" || d["STARS"] == nil {
			t.Fatalf("document fields: %s", extJSON(d))
		}
		seen[d["EMAIL"].(string)] = true
	}
	if len(seen) != n {
		t.Fatalf("%d distinct emails, want %d", len(seen), n)
	}
	w.stop(t, 20*time.Second)
}

// TestMongoSinkStrategies runs one connector per id strategy / write model
// in one worker, each on its own topic and collection.
func TestMongoSinkStrategies(t *testing.T) {
	cl := mongoClient(t, nil)
	db := mongoSinkDB(t, cl, "e2e_strat")
	type check func(t *testing.T, docs []bson.M)
	type tcase struct {
		name  string
		props map[string]string
		kvs   [][2]string
		count int64
		// wait names a document written after all others: once it is
		// there, the count is final (records apply in order).
		wait  bson.D
		check check
	}
	key := func(i int) string { return fmt.Sprintf(`{"_id":"k%d","id":%d}`, i, i) }
	val := func(i int, extra string) string {
		return fmt.Sprintf(`{"id":%d,"name":"n%d","grp":{"a":%d,"b":"x"}%s}`, i, i, i, extra)
	}
	three := func(f func(i int) [2]string) [][2]string { return [][2]string{f(1), f(2), f(3)} }
	jsonKeys := map[string]string{"key.converter": "org.apache.kafka.connect.json.JsonConverter", "key.converter.schemas.enable": "false"}
	ids := func(t *testing.T, docs []bson.M) []string {
		var out []string
		for _, d := range docs {
			out = append(out, extJSON(bson.M{"_id": d["_id"]}))
		}
		sort.Strings(out)
		return out
	}
	wantIDs := func(want ...string) check {
		return func(t *testing.T, docs []bson.M) {
			if got := ids(t, docs); strings.Join(got, " ") != strings.Join(want, " ") {
				t.Fatalf("ids %v, want %v", got, want)
			}
		}
	}
	cases := []tcase{
		{name: "ProvidedInKey", props: map[string]string{"document.id.strategy": "com.mongodb.kafka.connect.sink.processor.id.strategy.ProvidedInKeyStrategy"},
			kvs: three(func(i int) [2]string { return [2]string{key(i), val(i, "")} }), count: 3,
			check: wantIDs(`{"_id":"k1"}`, `{"_id":"k2"}`, `{"_id":"k3"}`)},
		{name: "ProvidedInValue", props: map[string]string{"document.id.strategy": "ProvidedInValueStrategy"},
			kvs: three(func(i int) [2]string { return [2]string{key(i), val(i, fmt.Sprintf(`,"_id":"v%d"`, i))} }), count: 3,
			check: wantIDs(`{"_id":"v1"}`, `{"_id":"v2"}`, `{"_id":"v3"}`)},
		{name: "FullKey", props: map[string]string{"document.id.strategy": "FullKeyStrategy"},
			kvs: three(func(i int) [2]string { return [2]string{key(i), val(i, "")} }), count: 3,
			check: wantIDs(`{"_id":{"_id":"k1","id":1}}`, `{"_id":{"_id":"k2","id":2}}`, `{"_id":{"_id":"k3","id":3}}`)},
		{name: "PartialKey", props: map[string]string{"document.id.strategy": "PartialKeyStrategy",
			"document.id.strategy.partial.key.projection.type": "AllowList", "document.id.strategy.partial.key.projection.list": "id"},
			kvs: three(func(i int) [2]string { return [2]string{key(i), val(i, "")} }), count: 3,
			check: wantIDs(`{"_id":{"id":1}}`, `{"_id":{"id":2}}`, `{"_id":{"id":3}}`)},
		{name: "PartialValueBusinessKey", props: map[string]string{"document.id.strategy": "PartialValueStrategy",
			"document.id.strategy.partial.value.projection.type": "AllowList", "document.id.strategy.partial.value.projection.list": "id",
			"writemodel.strategy": "com.mongodb.kafka.connect.sink.writemodel.strategy.ReplaceOneBusinessKeyStrategy"},
			// id 1 twice: the second replaces the first by business key.
			kvs: [][2]string{{key(1), val(1, "")}, {key(2), val(2, "")}, {key(1), `{"id":1,"name":"again"}`}}, count: 2,
			wait: bson.D{{Key: "name", Value: "again"}},
			check: func(t *testing.T, docs []bson.M) {
				for _, d := range docs {
					if d["id"] == int64(1) && (d["name"] != "again" || d["grp"] != nil) {
						t.Fatalf("business-key replace: %s", extJSON(d))
					}
				}
			}},
		{name: "Uuid", props: map[string]string{"document.id.strategy": "UuidStrategy"},
			kvs: three(func(i int) [2]string { return [2]string{key(i), val(i, "")} }), count: 3,
			check: func(t *testing.T, docs []bson.M) {
				for _, d := range docs {
					if s, ok := d["_id"].(string); !ok || len(s) != 36 {
						t.Fatalf("uuid _id: %s", extJSON(d))
					}
				}
			}},
		{name: "KafkaMetaData", props: map[string]string{"document.id.strategy": "KafkaMetaDataStrategy"},
			kvs: three(func(i int) [2]string { return [2]string{key(i), val(i, "")} }), count: 3,
			check: func(t *testing.T, docs []bson.M) {
				for _, d := range docs {
					if s, _ := d["_id"].(string); !strings.HasSuffix(s, fmt.Sprintf("#0#%d", d["id"].(int64)-1)) {
						t.Fatalf("kafka meta _id: %s", extJSON(d))
					}
				}
			}},
		{name: "UpdateOneTimestamps", props: map[string]string{"document.id.strategy": "ProvidedInKeyStrategy", "writemodel.strategy": "UpdateOneTimestampsStrategy"},
			kvs: [][2]string{{key(1), val(1, "")}, {key(1), `{"id":1,"name":"upd"}`}}, count: 1,
			wait: bson.D{{Key: "name", Value: "upd"}},
			check: func(t *testing.T, docs []bson.M) {
				d := docs[0]
				_, ins := d["_insertedTS"].(bson.DateTime)
				_, mod := d["_modifiedTS"].(bson.DateTime)
				if !ins || !mod || d["name"] != "upd" || d["grp"] == nil {
					t.Fatalf("update with timestamps: %s", extJSON(d))
				}
			}},
		{name: "UpdateOneBusinessKeyTimestamp", props: map[string]string{"document.id.strategy": "PartialValueStrategy",
			"value.projection.type": "AllowList", "value.projection.list": "id", "writemodel.strategy": "UpdateOneBusinessKeyTimestampStrategy"},
			kvs: [][2]string{{key(1), val(1, "")}, {key(1), `{"id":1,"name":"upd"}`}, {key(2), val(2, "")}}, count: 2,
			check: func(t *testing.T, docs []bson.M) {
				for _, d := range docs {
					if _, ok := d["_insertedTS"].(bson.DateTime); !ok {
						t.Fatalf("business key timestamps: %s", extJSON(d))
					}
				}
			}},
		{name: "InsertOne", props: map[string]string{"writemodel.strategy": "InsertOneDefaultStrategy"},
			kvs: [][2]string{{key(1), val(1, "")}, {key(1), val(1, "")}, {key(2), val(2, "")}}, count: 3},
		{name: "DeleteOnNull", props: map[string]string{"document.id.strategy": "ProvidedInKeyStrategy", "delete.on.null.values": "true",
			"post.processor.chain": "DocumentIdAdder,BlockListValueProjector,RenameByMapping", "value.projection.type": "BlockList", "value.projection.list": "grp.b",
			"field.renamer.mapping": `[{"oldName":"value.name","newName":"title"}]`},
			kvs: [][2]string{{key(1), val(1, "")}, {key(2), val(2, "")}, {key(3), val(3, "")}, {key(2), ""}}, count: 2,
			wait: bson.D{{Key: "_id", Value: "k3"}},
			check: func(t *testing.T, docs []bson.M) {
				for _, d := range docs {
					if d["_id"] == "k2" || d["title"] == nil || d["name"] != nil || d["grp"] == nil || strings.Contains(extJSON(d["grp"]), `"b"`) {
						t.Fatalf("delete/projection/rename: %s", extJSON(d))
					}
				}
			}},
		{name: "ChangeStreamHandler", props: map[string]string{"change.data.capture.handler": "com.mongodb.kafka.connect.sink.cdc.mongodb.ChangeStreamHandler"},
			kvs: [][2]string{
				{"", `{"operationType":"insert","documentKey":{"_id":1},"fullDocument":{"_id":1,"a":1,"b":1}}`},
				{"", `{"operationType":"insert","documentKey":{"_id":2},"fullDocument":{"_id":2,"a":1}}`},
				{"", `{"operationType":"update","documentKey":{"_id":1},"updateDescription":{"updatedFields":{"a":2},"removedFields":["b"]}}`},
				{"", `{"operationType":"delete","documentKey":{"_id":2}}`},
				{"", `{"operationType":"insert","documentKey":{"_id":3},"fullDocument":{"_id":3,"a":3}}`},
			}, count: 2, wait: bson.D{{Key: "_id", Value: int64(3)}},
			check: func(t *testing.T, docs []bson.M) {
				for _, d := range docs {
					if d["_id"] == int64(1) && (d["a"] != int64(2) || d["b"] != nil) || d["_id"] == int64(2) {
						t.Fatalf("change stream: %s", extJSON(d))
					}
				}
			}},
		{name: "DeleteOneDefaultAsWriteModel", props: map[string]string{"document.id.strategy": "ProvidedInKeyStrategy", "writemodel.strategy": "DeleteOneDefaultStrategy"},
			kvs: [][2]string{{key(1), val(1, "")}}, count: 0},
	}
	var connectors []map[string]string
	for _, c := range cases {
		topic := uniqueName(t, "mongo-"+strings.ToLower(c.name))
		kc := createTopic(t, topic, 1)
		produce(t, kc, topic, c.kvs...)
		cfg := map[string]string{"name": "mongo-" + c.name, "connector.class": "MongoSinkConnector", "topics": topic,
			"connection.uri": mongoURI, "database": db.Name(), "collection": c.name}
		for k, v := range jsonKeys {
			cfg[k] = v
		}
		for k, v := range c.props {
			cfg[k] = v
		}
		connectors = append(connectors, cfg)
	}
	w := startSinkWorker(t, connectors...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			coll := db.Collection(c.name)
			if c.count == 0 {
				return // checked after the others are done
			}
			if c.wait != nil {
				waitDocs(t, w, coll, c.wait, 1, 60*time.Second)
			}
			waitDocs(t, w, coll, bson.D{}, c.count, 60*time.Second)
			if c.check != nil {
				c.check(t, findAll(t, coll))
			}
		})
	}
	// All other connectors finished; the delete-only collection must be empty.
	if n, err := db.Collection("DeleteOneDefaultAsWriteModel").CountDocuments(context.Background(), bson.D{}); err != nil || n != 0 {
		t.Fatalf("DeleteOneDefault as write model left %d documents (%v)", n, err)
	}
	w.stop(t, 30*time.Second)
}

// TestMongoSinkSchemasEnabledConversion sends JsonConverter schema'd
// records (Connect structs with logical types) to the default strategies.
// No Decimal field: FerretDB 1.24 does not support Decimal128 (it drops
// the connection); the unit tests cover Decimal → Decimal128.
func TestMongoSinkSchemasEnabledConversion(t *testing.T) {
	cl := mongoClient(t, nil)
	db := mongoSinkDB(t, cl, "e2e_schema")
	topic := uniqueName(t, "mongo-schema")
	kc := createTopic(t, topic, 1)
	s := data.StructBuilder().Name("rec").
		Field("_id", data.Int32Schema).
		Field("at", data.TimestampBuilder().MustBuild()).
		Field("small", data.NewBuilder(data.TypeInt16).MustBuild()).
		Field("note", data.OptionalString).MustBuild()
	conv := jsonconv.New()
	if err := conv.Configure(map[string]string{"schemas.enable": "true"}, false); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC)
	b, err := conv.FromConnectData(topic, nil, s, data.NewStruct(s).MustPut("_id", int32(7)).MustPut("at", at).MustPut("small", int16(3)))
	if err != nil {
		t.Fatal(err)
	}
	produce(t, kc, topic, [2]string{"7", string(b)})
	w := startSinkWorker(t, map[string]string{"name": "mongo-schema", "connector.class": "MongoSinkConnector", "topics": topic,
		"connection.uri": mongoURI, "database": db.Name(), "value.converter.schemas.enable": "true",
		"value.converter": "org.apache.kafka.connect.json.JsonConverter", "document.id.strategy": "ProvidedInValueStrategy"})
	coll := db.Collection(topic) // collection defaults to the topic name
	waitDocs(t, w, coll, bson.D{}, 1, 60*time.Second)
	var raw bson.D
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := coll.FindOne(ctx, bson.D{}).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	got, _ := bson.MarshalExtJSON(raw, true, false)
	want := `{"_id":{"$numberInt":"7"},"at":{"$date":{"$numberLong":"1705314600000"}},"small":{"$numberInt":"3"},"note":null}`
	if string(got) != want {
		t.Fatalf("document %s\nwant     %s", got, want)
	}
	w.stop(t, 20*time.Second)
}

// TestMongoSinkDebeziumRdbmsHandler feeds Debezium MySQL envelopes
// (JsonConverter with schemas) to the RDBMS CDC handler.
func TestMongoSinkDebeziumRdbmsHandler(t *testing.T) {
	cl := mongoClient(t, nil)
	db := mongoSinkDB(t, cl, "e2e_cdc")
	topic := uniqueName(t, "asgard.demo.CUSTOMERS")
	kc := createTopic(t, topic, 1)
	row := data.StructBuilder().Name("asgard.demo.CUSTOMERS.Value").Optional().
		Field("id", data.Int32Schema).Field("first_name", data.OptionalString).Field("club_status", data.OptionalString).MustBuild()
	keyS := data.StructBuilder().Name("asgard.demo.CUSTOMERS.Key").Field("id", data.Int32Schema).MustBuild()
	src := data.StructBuilder().Name("io.debezium.connector.mysql.Source").
		Field("version", data.StringSchema).Field("connector", data.StringSchema).Field("name", data.StringSchema).
		Field("ts_ms", data.Int64Schema).Field("db", data.StringSchema).Field("table", data.OptionalString).MustBuild()
	env := data.StructBuilder().Name("asgard.demo.CUSTOMERS.Envelope").Version(2).
		Field("before", row).Field("after", row).Field("source", src).Field("op", data.StringSchema).Field("ts_ms", data.OptionalInt64).MustBuild()
	conv := jsonconv.New()
	if err := conv.Configure(map[string]string{"schemas.enable": "true"}, false); err != nil {
		t.Fatal(err)
	}
	mkRow := func(id int32, name, status string) *data.Struct {
		return data.NewStruct(row).MustPut("id", id).MustPut("first_name", name).MustPut("club_status", status)
	}
	event := func(op string, id int32, before, after *data.Struct) [2]string {
		e := data.NewStruct(env).MustPut("op", op).MustPut("ts_ms", int64(1705314600123)).
			MustPut("source", data.NewStruct(src).MustPut("version", "2.7.3.Final").MustPut("connector", "mysql").MustPut("name", "asgard").
				MustPut("ts_ms", int64(1705314600000)).MustPut("db", "demo").MustPut("table", "CUSTOMERS"))
		if before != nil {
			e.MustPut("before", before)
		}
		if after != nil {
			e.MustPut("after", after)
		}
		k, err := conv.FromConnectData(topic, nil, keyS, data.NewStruct(keyS).MustPut("id", id))
		if err != nil {
			t.Fatal(err)
		}
		v, err := conv.FromConnectData(topic, nil, env, e)
		if err != nil {
			t.Fatal(err)
		}
		return [2]string{string(k), string(v)}
	}
	k3, _ := conv.FromConnectData(topic, nil, keyS, data.NewStruct(keyS).MustPut("id", int32(3)))
	produce(t, kc, topic,
		event("r", 1, nil, mkRow(1, "Rica", "gold")),
		event("c", 2, nil, mkRow(2, "Bob", "silver")),
		event("c", 3, nil, mkRow(3, "Eve", "bronze")),
		event("u", 2, mkRow(2, "Bob", "silver"), mkRow(2, "Bob", "platinum")),
		event("d", 3, mkRow(3, "Eve", "bronze"), nil),
		[2]string{string(k3), ""}, // the tombstone after a delete is skipped
		event("c", 4, nil, mkRow(4, "Last", "gold")),
	)
	w := startSinkWorker(t, map[string]string{"name": "mongo-cdc", "connector.class": "com.mongodb.kafka.connect.MongoSinkConnector",
		"topics": topic, "connection.uri": mongoURI, "database": db.Name(), "collection": "customers",
		"key.converter": "org.apache.kafka.connect.json.JsonConverter", "key.converter.schemas.enable": "true",
		"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "true",
		"change.data.capture.handler": "com.mongodb.kafka.connect.sink.cdc.debezium.rdbms.mysql.MysqlHandler"})
	coll := db.Collection("customers")
	// Record 4 comes last: once it is there, everything before is applied.
	waitDocs(t, w, coll, bson.D{{Key: "_id", Value: bson.D{{Key: "id", Value: int32(4)}}}}, 1, 60*time.Second)
	// encoding/json sorts keys: FerretDB, unlike MongoDB, moves _id
	// behind the other fields when it replaces a document.
	var got []string
	for _, d := range findAll(t, coll) {
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(b))
	}
	sort.Strings(got)
	want := []string{
		`{"_id":{"id":1},"club_status":"gold","first_name":"Rica"}`,
		`{"_id":{"id":2},"club_status":"platinum","first_name":"Bob"}`,
		`{"_id":{"id":4},"club_status":"gold","first_name":"Last"}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("collection:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	w.stop(t, 20*time.Second)
}

func services(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command("../scripts/services.sh", args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scripts/services.sh %v: %v\n%s", args, err, out)
	}
}

// TestMongoSinkSurvivesMongoOutage stops the MongoDB-wire server for 20 s
// while records keep arriving; afterwards every record is in MongoDB
// exactly once (InsertOne with fresh ObjectIds would show duplicates).
func TestMongoSinkSurvivesMongoOutage(t *testing.T) {
	cl := mongoClient(t, nil)
	db := mongoSinkDB(t, cl, "e2e_outage")
	topic := uniqueName(t, "mongo-outage")
	kc := createTopic(t, topic, 3)
	w := startSinkWorker(t, map[string]string{"name": "mongo-outage", "connector.class": "MongoSinkConnector", "topics": topic,
		"connection.uri": mongoURI + "/?serverSelectionTimeoutMS=5000", "database": db.Name(), "collection": "load",
		"writemodel.strategy": "InsertOneDefaultStrategy", "max.batch.size": "100"})
	coll := db.Collection("load")

	var produced atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for seq := 1; ; seq++ {
			select {
			case <-stop:
				return
			default:
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			err := kc.ProduceSync(ctx, &kgo.Record{Topic: topic, Key: []byte(fmt.Sprint(seq)), Value: []byte(fmt.Sprintf(`{"seq":%d}`, seq))}).FirstErr()
			cancel()
			if err != nil {
				t.Errorf("producing seq %d: %v", seq, err)
				return
			}
			produced.Store(int64(seq))
			time.Sleep(5 * time.Millisecond) // pacing the load, not synchronisation
		}
	}()
	t.Cleanup(func() { services(t, "up", "mongo") })

	// Load flowing into MongoDB before the outage.
	deadline := time.Now().Add(60 * time.Second)
	for {
		n, err := coll.CountDocuments(context.Background(), bson.D{})
		if err == nil && n >= 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no load reached MongoDB before the outage (%d, %v)", n, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	services(t, "down", "mongo")
	before := produced.Load()
	time.Sleep(20 * time.Second) // the deliberate outage
	services(t, "up", "mongo")
	during := produced.Load() - before
	// Keep producing a little after recovery, then stop the load.
	time.Sleep(3 * time.Second)
	close(stop)
	wg.Wait()
	total := produced.Load()
	t.Logf("produced %d records, %d during the 20 s outage", total, during)

	waitDocs(t, w, coll, bson.D{}, total, 120*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// Every seq exactly once, and nothing else (read in Go: FerretDB's
	// distinct answer does not decode).
	cur, err := coll.Find(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var docs []struct {
		ID  bson.ObjectID `bson:"_id"`
		Seq int64         `bson:"seq"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		t.Fatal(err)
	}
	seen := make(map[int64]bool, len(docs))
	ids := make(map[bson.ObjectID]bool, len(docs))
	for _, d := range docs {
		if seen[d.Seq] || ids[d.ID] || d.Seq < 1 || d.Seq > total {
			t.Fatalf("seq %d (_id %s) duplicated or out of range", d.Seq, d.ID.Hex())
		}
		seen[d.Seq], ids[d.ID] = true, true
	}
	if int64(len(seen)) != total {
		t.Fatalf("%d distinct seq values, want %d", len(seen), total)
	}
	if !strings.Contains(w.output(), "transient MongoDB error") && !strings.Contains(w.output(), "asked for a retry") {
		t.Logf("worker never reported a retry; output:\n%s", w.output())
	}
	w.stop(t, 30*time.Second)
}

// TestMongoSinkErrorTolerance: with errors.tolerance=all a record without
// the provided _id and a duplicate insert go to the DLQ; the rest is written.
func TestMongoSinkErrorTolerance(t *testing.T) {
	cl := mongoClient(t, nil)
	db := mongoSinkDB(t, cl, "e2e_tol")
	topic := uniqueName(t, "mongo-tolerance")
	dlq := topic + "-dlq"
	kc := createTopic(t, topic, 1)
	produce(t, kc, topic,
		[2]string{"1", `{"_id":1,"v":"a"}`},
		[2]string{"x", `{"v":"no id"}`},
		[2]string{"1", `{"_id":1,"v":"dup"}`},
		[2]string{"2", `{"_id":2,"v":"b"}`},
	)
	w := startSinkWorker(t, map[string]string{"name": "mongo-tolerance", "connector.class": "MongoSinkConnector", "topics": topic,
		"connection.uri": mongoURI, "database": db.Name(), "collection": "c",
		"document.id.strategy": "ProvidedInValueStrategy", "writemodel.strategy": "InsertOneDefaultStrategy", "bulk.write.ordered": "false",
		"errors.tolerance": "all", "errors.deadletterqueue.topic.name": dlq, "errors.deadletterqueue.topic.replication.factor": "1",
		"errors.deadletterqueue.context.headers.enable": "true"})
	coll := db.Collection("c")
	waitDocs(t, w, coll, bson.D{}, 2, 60*time.Second)
	if n, err := coll.CountDocuments(context.Background(), bson.D{{Key: "v", Value: "dup"}}); err != nil || n != 0 {
		t.Fatalf("duplicate written: %d %v", n, err)
	}
	rd, err := kgo.NewClient(kgo.SeedBrokers(kafkaAddr), kgo.ConsumeTopics(dlq), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	var got []string
	deadline := time.Now().Add(60 * time.Second)
	for len(got) < 2 && time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		f := rd.PollFetches(ctx)
		cancel()
		f.EachRecord(func(r *kgo.Record) {
			var cause string
			for _, h := range r.Headers {
				if h.Key == "__connect.errors.exception.message" {
					cause = string(h.Value)
				}
			}
			got = append(got, string(r.Value)+" <- "+cause)
		})
	}
	if len(got) != 2 || !strings.Contains(got[0], "no id") || !strings.Contains(got[1], "dup") {
		t.Fatalf("DLQ records: %q", got)
	}
	t.Logf("DLQ: %q", got)
	w.stop(t, 20*time.Second)
}
