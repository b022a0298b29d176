//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/goconnect/goconnect/connect/data"
	jsonconv "github.com/goconnect/goconnect/converters/json"
	"github.com/goconnect/goconnect/internal/stallproxy"
)

// TestMongoSinkRefusedValueFailsTask: a value the server refuses fails the
// task with the reason in its trace, as MongoDB's connector (DataException),
// instead of being retried forever; with errors.tolerance=all it goes to
// the DLQ and the records after it are written. FerretDB 1.24 refuses a
// Decimal128 by closing the connection (MongoDB would store it) and an
// array _id with write error 53 (as MongoDB).
func TestMongoSinkRefusedValueFailsTask(t *testing.T) {
	cl := mongoClient(t, nil)
	db := mongoSinkDB(t, cl, "e2e_refused")
	s := data.StructBuilder().Name("priced").Field("_id", data.Int64Schema).Field("price", data.DecimalBuilder(2).MustBuild()).MustBuild()
	conv := jsonconv.New()
	if err := conv.Configure(map[string]string{"schemas.enable": "true"}, false); err != nil {
		t.Fatal(err)
	}
	decimal, err := conv.FromConnectData("t", nil, s, data.NewStruct(s).MustPut("_id", int64(1)).MustPut("price", data.NewBigDecimal(314, 2)))
	if err != nil {
		t.Fatal(err)
	}
	onlyID := data.StructBuilder().Name("plain").Field("_id", data.Int64Schema).MustBuild()
	plain := func(id int64) string {
		b, err := conv.FromConnectData("t", nil, onlyID, data.NewStruct(onlyID).MustPut("_id", id))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	type tcase struct {
		name, coll string
		kvs        [][2]string
		props      map[string]string
	}
	dlq := uniqueName(t, "mongo-refused-dlq")
	cases := []tcase{
		{name: "mongo-refused-decimal", coll: "decimal", kvs: [][2]string{{"1", string(decimal)}, {"2", plain(2)}},
			props: map[string]string{"value.converter.schemas.enable": "true"}},
		{name: "mongo-refused-id", coll: "arrayid", kvs: [][2]string{{"1", `{"_id":[1,2]}`}, {"2", `{"_id":2}`}},
			props: map[string]string{"value.converter.schemas.enable": "false"}},
		{name: "mongo-refused-tolerated", coll: "tolerated", kvs: [][2]string{{"1", string(decimal)}, {"2", plain(2)}},
			props: map[string]string{"value.converter.schemas.enable": "true", "errors.tolerance": "all",
				"errors.deadletterqueue.topic.name": dlq, "errors.deadletterqueue.topic.replication.factor": "1",
				"errors.deadletterqueue.context.headers.enable": "true"}},
	}
	var cfgs []map[string]string
	producers := map[string]*kgo.Client{}
	for _, c := range cases {
		topic := uniqueName(t, c.name)
		producers[c.name] = createTopic(t, topic, 1)
		produce(t, producers[c.name], topic, c.kvs...)
		cfg := map[string]string{"name": c.name, "connector.class": "com.mongodb.kafka.connect.MongoSinkConnector", "tasks.max": "1",
			"topics": topic, "connection.uri": mongoURI + "/?serverSelectionTimeoutMS=5000", "database": db.Name(), "collection": c.coll,
			"document.id.strategy": "com.mongodb.kafka.connect.sink.processor.id.strategy.ProvidedInValueStrategy",
			"value.converter":      "org.apache.kafka.connect.json.JsonConverter"}
		for k, v := range c.props {
			cfg[k] = v
		}
		cfgs = append(cfgs, cfg)
	}
	w := startSinkWorker(t, cfgs...)
	rest := restURL(t, w)

	waitTaskState(t, rest, "mongo-refused-decimal", "FAILED", 60*time.Second)
	waitTaskState(t, rest, "mongo-refused-id", "FAILED", 60*time.Second)
	for name, wants := range map[string][]string{
		"mongo-refused-decimal": {"bulk write of 2 documents to " + db.Name() + ".decimal: MongoDB closed the connection on each of 3 attempts while answering pings"},
		"mongo-refused-id":      {"record " + cfgs[1]["topics"] + "-0@0: v=1, code=53, message=The '_id' value cannot be of type array"},
	} {
		_, trace := taskState(t, rest, name)
		for _, want := range wants {
			if !strings.Contains(trace, want) {
				t.Fatalf("%s: trace lacks %q:\n%s", name, want, trace)
			}
		}
		t.Logf("%s: %s", name, trace)
	}
	// The tolerated one sends the refused write's records to the DLQ, as
	// MongoDB's connector sends a whole batch that failed without write
	// errors, and goes on with the next batch.
	rd, err := kgo.NewClient(kgo.SeedBrokers(kafkaAddr), kgo.ConsumeTopics(dlq), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var dead []string
	for len(dead) < 2 && ctx.Err() == nil {
		rd.PollFetches(ctx).EachRecord(func(r *kgo.Record) { dead = append(dead, string(r.Value)) })
	}
	if len(dead) != 2 || dead[0] != string(decimal) || dead[1] != plain(2) {
		t.Fatalf("DLQ holds %q, want the refused write's two records", dead)
	}
	topic := cfgs[2]["topics"]
	produce(t, producers["mongo-refused-tolerated"], topic, [2]string{"3", plain(3)})
	waitDocs(t, w, db.Collection("tolerated"), bson.D{{Key: "_id", Value: int64(3)}}, 1, 60*time.Second)
	if st, trace := taskState(t, rest, "mongo-refused-tolerated"); st != "RUNNING" {
		t.Fatalf("tolerated task %s: %s", st, trace)
	}
	// Nothing of the failed tasks is written, and they stay failed.
	for _, c := range []string{"decimal", "arrayid"} {
		if n, err := db.Collection(c).CountDocuments(context.Background(), bson.D{}); err != nil || n != 0 {
			t.Fatalf("collection %s holds %d documents (%v) after its task failed", c, n, err)
		}
	}
	w.stop(t, 30*time.Second)
}

// TestMongoSinkStopMidWrite stops the connector (PUT /stop) while its bulk
// write is in flight: FerretDB executed it but its answer is held by a
// proxy. Answered within the task's stop grace, the write completes and its
// offsets are committed; held longer, it is abandoned. Either way the task
// does not fail and stops in time, and after PUT /resume every document is
// there once (the redelivered batch is replaced, not inserted twice).
func TestMongoSinkStopMidWrite(t *testing.T) {
	cl := mongoClient(t, nil)
	db := mongoSinkDB(t, cl, "e2e_stop")
	coll := db.Collection("c")
	u, err := url.Parse(mongoURI)
	if err != nil {
		t.Fatal(err)
	}
	proxy := stallproxy.Start(t, u.Host)
	topic := uniqueName(t, "mongo-stop")
	kc := createTopic(t, topic, 1)
	const name = "mongo-stop"
	w := startSinkWorker(t, map[string]string{"name": name, "connector.class": "MongoSinkConnector", "tasks.max": "1", "topics": topic,
		"connection.uri": "mongodb://" + proxy.Addr() + "/?serverSelectionTimeoutMS=5000", "database": db.Name(), "collection": "c",
		"document.id.strategy": "ProvidedInValueStrategy"})
	rest := restURL(t, w)
	adm := kadm.NewClient(kc)
	pad := strings.Repeat("x", 2000)
	batch := func(from, n int) [][2]string {
		var kvs [][2]string
		for i := from; i < from+n; i++ {
			kvs = append(kvs, [2]string{fmt.Sprint(i), fmt.Sprintf(`{"_id":%d,"pad":"%s"}`, i, pad)})
		}
		return kvs
	}
	state := func() string {
		code, b := httpDo(http.MethodGet, rest+"/connectors/"+name+"/status", "")
		if code != http.StatusOK {
			t.Fatalf("status: %d %s", code, b)
		}
		return string(b)
	}
	stopMidWrite := func(from, n int, hold time.Duration) {
		t.Helper()
		// One record first: the task is connected before answers are
		// held (a new connection's handshake would be held too).
		produce(t, kc, topic, batch(from, 1)...)
		waitDocs(t, w, coll, bson.D{}, int64(from+1), 60*time.Second)
		from++
		proxy.Stall()
		produce(t, kc, topic, batch(from, n)...)
		// The bulk write reached FerretDB; its answer is held.
		waitDocs(t, w, coll, bson.D{}, int64(from+n), 60*time.Second)
		stopped := make(chan string, 1)
		go func() {
			code, b := httpDo(http.MethodPut, rest+"/connectors/"+name+"/stop", "")
			stopped <- fmt.Sprintf("%d %s", code, b)
		}()
		time.Sleep(hold) // how long the answer stays in flight after the stop request
		proxy.Release()
		select {
		case got := <-stopped:
			if !strings.HasPrefix(got, "204") {
				t.Fatalf("PUT stop: %s", got)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("PUT stop did not answer")
		}
		waitUntil(t, 30*time.Second, "connector STOPPED", func() bool { return strings.Contains(state(), `"STOPPED"`) })
		for _, bad := range []string{"task failed", "did not stop", "FAILED"} {
			if strings.Contains(w.output(), bad) || strings.Contains(state(), bad) {
				t.Fatalf("stopping mid-write: %q in the worker's log or status:\n%s", bad, w.output())
			}
		}
	}
	resume := func() {
		t.Helper()
		if code, b := httpDo(http.MethodPut, rest+"/connectors/"+name+"/resume", ""); code != http.StatusAccepted {
			t.Fatalf("PUT resume: %d %s", code, b)
		}
		waitTaskState(t, rest, name, "RUNNING", 30*time.Second)
	}
	const n = 300 // records of the held write (plus one before it)

	// Answered 1 s after the stop: the write completes within the grace
	// and the whole batch is committed.
	stopMidWrite(0, n, time.Second)
	if got := committed(t, adm, name, topic)[0]; got != 1+n {
		t.Fatalf("committed offset %d after a write finished within the stop grace, want %d", got, 1+n)
	}
	resume()

	// Held 6 s (past the 3 s grace and the 5 s graceful timeout): the
	// write is abandoned and its batch is not committed.
	stopMidWrite(1+n, n, 6*time.Second)
	if got := committed(t, adm, name, topic)[0]; got != 2+n {
		t.Fatalf("committed offset %d after an abandoned write, want %d (the record before it)", got, 2+n)
	}
	resume()
	// The redelivered batch and a record after it: every document once.
	produce(t, kc, topic, batch(2+2*n, 1)...)
	waitDocs(t, w, coll, bson.D{{Key: "_id", Value: int64(2 + 2*n)}}, 1, 60*time.Second)
	waitDocs(t, w, coll, bson.D{}, 3+2*n, 60*time.Second)
	waitUntil(t, 30*time.Second, "the redelivered batch committed", func() bool { return committed(t, adm, name, topic)[0] == 3+2*n })
	if st, trace := taskState(t, rest, name); st != "RUNNING" {
		t.Fatalf("task %s after the redelivery: %s", st, trace)
	}
	w.stop(t, 30*time.Second)
}
