// Command mongosink measures goconnect's Kafka → MongoDB sink path against
// a baseline measured in the same run: a bare mongo-driver BulkWrite of the
// same documents, in the same batch size, with the same write model.
//
//	go run ./bench/mongosink -records 100000
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

func main() {
	brokers := flag.String("brokers", "127.0.0.1:9092", "Kafka bootstrap servers")
	uri := flag.String("mongo", "mongodb://127.0.0.1:27017", "MongoDB connection URI")
	n := flag.Int("records", 100000, "records")
	batch := flag.Int("batch", 500, "documents per bulk write (the worker's poll batch)")
	flag.Parse()
	if err := run(*brokers, *uri, *n, *batch); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// baseline bulk-writes the documents with the same write model the sink
// uses (InsertOne) in batches of the sink's poll size.
func baseline(ctx context.Context, coll *mongo.Collection, docs [][]byte, batch int) (float64, error) {
	n := len(docs)
	start := time.Now()
	for i := 0; i < n; i += batch {
		var models []mongo.WriteModel
		for _, d := range docs[i:min(i+batch, n)] {
			var m bson.M
			if err := bson.UnmarshalExtJSON(d, false, &m); err != nil {
				return 0, err
			}
			models = append(models, mongo.NewInsertOneModel().SetDocument(m))
		}
		if _, err := coll.BulkWrite(ctx, models); err != nil {
			return 0, fmt.Errorf("baseline bulk write: %w", err)
		}
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

func run(brokers, uri string, n, batch int) error {
	ctx := context.Background()
	stamp := time.Now().UnixNano()
	topic := fmt.Sprintf("bench-mongo-%d", stamp)
	dbName := fmt.Sprintf("bench_%d", stamp)
	docs := make([][]byte, n)
	for i := range docs {
		docs[i], _ = json.Marshal(map[string]any{"rating_id": i + 1, "user_id": i % 20, "stars": 1 + i%4, "channel": "web", "message": "meh"})
	}
	cl, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		return err
	}
	defer cl.Disconnect(ctx)
	defer cl.Database(dbName).Drop(ctx)

	baseRate, err := baseline(ctx, cl.Database(dbName).Collection("baseline"), docs, batch)
	if err != nil {
		return err
	}

	// The records on Kafka first, so the worker's time is the sink path only.
	kc, err := kgo.NewClient(kgo.SeedBrokers(brokers), kgo.AllowAutoTopicCreation())
	if err != nil {
		return err
	}
	for i, d := range docs {
		kc.Produce(ctx, &kgo.Record{Topic: topic, Key: []byte(fmt.Sprint(i + 1)), Value: d}, nil)
	}
	if err := kc.Flush(ctx); err != nil {
		return err
	}
	kc.Close()

	dir, err := os.MkdirTemp("", "bench-mongosink")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "goconnect")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/goconnect").CombinedOutput(); err != nil {
		return fmt.Errorf("building goconnect: %v: %s", err, out)
	}
	os.WriteFile(filepath.Join(dir, "w.properties"), []byte(fmt.Sprintf(`bootstrap.servers=%s
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=false
offset.storage.file.filename=%s/offsets
offset.flush.interval.ms=100
listeners=http://127.0.0.1:0
`, brokers, dir)), 0o644)
	os.WriteFile(filepath.Join(dir, "sink.json"), []byte(fmt.Sprintf(`{"name":"mongo-bench","config":{
 "connector.class":"com.mongodb.kafka.connect.MongoSinkConnector","topics":%q,"connection.uri":%q,
 "database":%q,"collection":"sink","writemodel.strategy":"com.mongodb.kafka.connect.sink.writemodel.strategy.InsertOneDefaultStrategy"}}`,
		topic, uri, dbName)), 0o644)
	cmd := exec.Command(bin, "standalone", "--log-level", "WARN", filepath.Join(dir, "w.properties"), filepath.Join(dir, "sink.json"))
	cmd.Stderr = os.Stderr
	sink := cl.Database(dbName).Collection("sink")
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() }()
	// Progress is read from the sink's committed offsets (committed only
	// after MongoDB acknowledged the writes), so measuring does not load
	// the server the way counting documents would.
	adm := kadm.NewClient(must(kgo.NewClient(kgo.SeedBrokers(brokers))))
	defer adm.Close()
	var firstAt time.Time
	var firstCount int64
	for {
		var c int64
		if offs, err := adm.FetchOffsets(ctx, "connect-mongo-bench"); err == nil {
			offs.Each(func(o kadm.OffsetResponse) {
				if o.Topic == topic { // the group keeps earlier runs' topics too
					c += o.At
				}
			})
		}
		if c > 0 && firstAt.IsZero() {
			firstAt, firstCount = time.Now(), c
		}
		if c >= int64(n) {
			break
		}
		if time.Since(start) > 15*time.Minute {
			return fmt.Errorf("sink committed %d of %d records in 15 minutes", c, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	workerRate := float64(n) / time.Since(start).Seconds()
	steady := float64(int64(n)-firstCount) / time.Since(firstAt).Seconds()
	// Checked after the clock stops: an exact count is slow on FerretDB.
	if got, err := sink.CountDocuments(ctx, bson.D{}); err != nil || got != int64(n) {
		return fmt.Errorf("the sink collection holds %d documents (%v), want %d", got, err, n)
	}
	// The server may slow down as it fills: measure the baseline again
	// after the worker and compare with the mean of both.
	cmd.Process.Signal(syscall.SIGTERM)
	baseAfter, err := baseline(ctx, cl.Database(dbName).Collection("baseline2"), docs, batch)
	if err != nil {
		return err
	}
	fmt.Printf("bare BulkWrite before the worker %.0f docs/s, after it %.0f docs/s\n", baseRate, baseAfter)
	baseRate = (baseRate + baseAfter) / 2
	fmt.Printf("%d documents: bare mongo-driver BulkWrite (mean) %.0f docs/s; goconnect Kafka → Mongo sink %.0f docs/s from process start (ratio %.2f), %.0f docs/s after the first document (ratio %.2f); first document after %s\n",
		n, baseRate, workerRate, workerRate/baseRate, steady, steady/baseRate, firstAt.Sub(start).Round(time.Millisecond))
	return nil
}

func must[T any](v T, err error) T {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	return v
}
