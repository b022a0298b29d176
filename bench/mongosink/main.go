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

	// Baseline: InsertMany-style bulk writes of the same documents.
	base := cl.Database(dbName).Collection("baseline")
	start := time.Now()
	for i := 0; i < n; i += batch {
		var models []mongo.WriteModel
		for _, d := range docs[i:min(i+batch, n)] {
			var m bson.M
			if err := bson.UnmarshalExtJSON(d, false, &m); err != nil {
				return err
			}
			models = append(models, mongo.NewInsertOneModel().SetDocument(m))
		}
		if _, err := base.BulkWrite(ctx, models); err != nil {
			return fmt.Errorf("baseline bulk write: %w", err)
		}
	}
	baseRate := float64(n) / time.Since(start).Seconds()

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
listeners=http://127.0.0.1:0
`, brokers, dir)), 0o644)
	os.WriteFile(filepath.Join(dir, "sink.json"), []byte(fmt.Sprintf(`{"name":"mongo-bench","config":{
 "connector.class":"com.mongodb.kafka.connect.MongoSinkConnector","topics":%q,"connection.uri":%q,
 "database":%q,"collection":"sink","writemodel.strategy":"com.mongodb.kafka.connect.sink.writemodel.strategy.InsertOneDefaultStrategy"}}`,
		topic, uri, dbName)), 0o644)
	cmd := exec.Command(bin, "standalone", "--log-level", "WARN", filepath.Join(dir, "w.properties"), filepath.Join(dir, "sink.json"))
	cmd.Stderr = os.Stderr
	sink := cl.Database(dbName).Collection("sink")
	start = time.Now()
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() }()
	for {
		c, err := sink.EstimatedDocumentCount(ctx)
		if err == nil && c >= int64(n) {
			break
		}
		if time.Since(start) > 15*time.Minute {
			return fmt.Errorf("sink wrote %d of %d documents in 15 minutes", c, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	workerRate := float64(n) / time.Since(start).Seconds()
	fmt.Printf("%d documents: bare mongo-driver BulkWrite %.0f docs/s, goconnect Kafka → Mongo sink %.0f docs/s (process start included), ratio %.2f\n",
		n, baseRate, workerRate, workerRate/baseRate)
	return nil
}
