//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// TestReferenceMongoSink: MongoDB's sink connector 1.13.0 on the Java
// reference worker and goconnect's, same config and same topic, each into
// its own collection; every document compared as canonical extended JSON
// (BSON types and field order kept). Normalised: an ObjectId _id (random
// by nature) becomes "<oid>", and documents are compared in the order of
// their "seq" field.
func TestReferenceMongoSink(t *testing.T) {
	cl := mongoClient(t, nil)
	db := mongoSinkDB(t, cl, "ref")
	topic := uniqueName(t, "ref-mongo")
	// The same rows on two topics; the second also has a tombstone (the
	// default id strategy cannot delete: MongoDB's connector fails the
	// task on one).
	kc := createTopic(t, topic, 1)
	createTopic(t, topic+"-del", 1)

	// Values with schemas: every Connect type the sink maps, logical types
	// and nulls; keys schemaless {"_id": n}.
	schema := `{"type":"struct","name":"row","optional":false,"fields":[
 {"field":"seq","type":"int32","optional":false},
 {"field":"i8","type":"int8","optional":true},{"field":"i16","type":"int16","optional":true},
 {"field":"i64","type":"int64","optional":true},{"field":"f32","type":"float","optional":true},
 {"field":"f64","type":"double","optional":true},{"field":"ok","type":"boolean","optional":true},
 {"field":"s","type":"string","optional":true},{"field":"b","type":"bytes","optional":true},
 {"field":"d","type":"int32","optional":true,"name":"org.apache.kafka.connect.data.Date","version":1},
 {"field":"tm","type":"int32","optional":true,"name":"org.apache.kafka.connect.data.Time","version":1},
 {"field":"ts","type":"int64","optional":true,"name":"org.apache.kafka.connect.data.Timestamp","version":1},
 {"field":"arr","type":"array","items":{"type":"string","optional":true},"optional":true},
 {"field":"m","type":"map","keys":{"type":"string","optional":false},"values":{"type":"int64","optional":true},"optional":true},
 {"field":"nested","type":"struct","fields":[{"field":"x","type":"int32","optional":true}],"optional":true}]}`
	row := func(seq int, payload string) string {
		return fmt.Sprintf(`{"schema":%s,"payload":{"seq":%d,%s}}`, schema, seq, payload)
	}
	rows := [][2]string{
		{`{"_id":1}`, row(1, `"i8":-128,"i16":32767,"i64":9223372036854775807,"f32":3.4028235E38,"f64":-4.9E-324,"ok":true,`+
			`"s":"ünï 😀","b":"AAEC/w==","d":19000,"tm":86399999,"ts":-1,"arr":["a",null],"m":{"k":1,"n":null},"nested":{"x":7}`)},
		{`{"_id":2}`, row(2, `"i8":null,"s":null,"arr":[],"m":{},"nested":null`)},
		{`{"_id":3}`, row(3, `"s":"will be replaced"`)},
		{`{"_id":3}`, row(4, `"s":"replaced by key"`)},
		{`{"_id":5}`, row(5, `"s":"deleted by a tombstone"`)},
		{`{"_id":6}`, row(6, `"f64":1.0E-7,"f32":-0.0,"ts":253402300799999,"d":-719162`)},
	}
	produce(t, kc, topic, rows...)
	produce(t, kc, topic+"-del", append(rows[:5:5], [2]string{`{"_id":5}`, ""}, rows[5])...)
	base := map[string]string{
		"connector.class":                "com.mongodb.kafka.connect.MongoSinkConnector",
		"tasks.max":                      "1",
		"topics":                         topic,
		"connection.uri":                 mongoURI,
		"database":                       db.Name(),
		"key.converter":                  "org.apache.kafka.connect.json.JsonConverter",
		"key.converter.schemas.enable":   "false",
		"value.converter":                "org.apache.kafka.connect.json.JsonConverter",
		"value.converter.schemas.enable": "true",
	}
	cases := []struct {
		name   string
		config map[string]string
		want   int64
	}{
		// The defaults: BsonOid _id, ReplaceOneDefault write model.
		{"default", map[string]string{}, 6},
		// The rest of the corpus changes nothing the default case does
		// not: the key-based strategies get the tombstone topic.
		// _id from the key (ReplaceOneDefault: replace by _id, upsert),
		// delete on a tombstone.
		{"bykey", map[string]string{
			"document.id.strategy":  "com.mongodb.kafka.connect.sink.processor.id.strategy.ProvidedInKeyStrategy",
			"delete.on.null.values": "true",
			"topics":                topic + "-del",
		}, 4},
	}
	var configs []map[string]string
	for _, c := range cases {
		for _, side := range []string{"java", "go"} {
			cfg := map[string]string{}
			for k, v := range base {
				cfg[k] = v
			}
			for k, v := range c.config {
				cfg[k] = v
			}
			cfg["collection"] = c.name + "_" + side
			cfg["name"] = fmt.Sprintf("%s-%s-%s", topic, c.name, side)
			if side == "java" {
				javaConnector(t, cfg["name"], cfg)
			} else {
				configs = append(configs, cfg)
			}
		}
	}
	w := startSinkWorker(t, configs...)
	oid := regexp.MustCompile(`\{"\$oid":"[0-9a-f]{24}"\}`)
	for _, c := range cases {
		jc, gc := db.Collection(c.name+"_java"), db.Collection(c.name+"_go")
		// The last record (seq 6) written means every earlier one was:
		// both connectors write in topic order.
		for _, coll := range []*mongo.Collection{jc, gc} {
			waitDocs(t, w, coll, bson.D{{Key: "seq", Value: 6}}, 1, 90*time.Second)
			waitDocs(t, w, coll, bson.D{}, c.want, 10*time.Second)
		}
		java, gocn := referenceMongoDocs(t, jc), referenceMongoDocs(t, gc)
		// The comparison sees BSON types: the first document carries a
		// long, a date, binary data and a double as canonical extended JSON.
		for _, want := range []string{`"$numberLong":"9223372036854775807"`, `"$date":`, `"$binary":`, `"$numberDouble":`} {
			if len(java) == 0 || !strings.Contains(java[0], want) {
				t.Errorf("%s: the Java side's first document lacks %s: %v", c.name, want, java)
			}
		}
		var diffs []string
		for i := 0; i < len(java) || i < len(gocn); i++ {
			var a, b string
			if i < len(java) {
				a = oid.ReplaceAllString(java[i], `"<oid>"`)
			}
			if i < len(gocn) {
				b = oid.ReplaceAllString(gocn[i], `"<oid>"`)
			}
			x, errA := parseJSONNode([]byte(a))
			y, errB := parseJSONNode([]byte(b))
			if errA != nil || errB != nil {
				diffs = append(diffs, fmt.Sprintf("document %d: java=%s goconnect=%s", i, a, b))
				continue
			}
			var d []referenceDiff
			diffJSON("$", x, y, &d)
			for _, e := range d {
				diffs = append(diffs, fmt.Sprintf("document %d %s: java=%s goconnect=%s", i, e.path, e.java, e.gocn))
			}
		}
		for _, d := range diffs {
			t.Errorf("%s: %s", c.name, d)
		}
		t.Logf("%s: %d documents compared, %d differences", c.name, len(java), len(diffs))
	}
}

// referenceMongoDocs reads a collection as canonical extended JSON,
// ordered by the documents' seq field.
func referenceMongoDocs(t *testing.T, coll *mongo.Collection) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cur, err := coll.Find(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	type doc struct {
		seq  int64
		json string
	}
	var docs []doc
	for cur.Next(ctx) {
		b, err := bson.MarshalExtJSON(cur.Current, true, false)
		if err != nil {
			t.Fatal(err)
		}
		var seq int64
		if v, err := cur.Current.LookupErr("seq"); err == nil {
			seq, _ = v.AsInt64OK()
			if i, ok := v.Int32OK(); ok {
				seq = int64(i)
			}
		}
		docs = append(docs, doc{seq, string(b)})
	}
	if err := cur.Err(); err != nil {
		t.Fatal(err)
	}
	sort.Slice(docs, func(i, j int) bool { return docs[i].seq < docs[j].seq })
	out := make([]string, len(docs))
	for i, d := range docs {
		out[i] = d.json
	}
	return out
}
