//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// mongoURI is the MongoDB-compatible server of scripts/services.sh
// (FerretDB on PostgreSQL).
var mongoURI = envOr("GOCONNECT_E2E_MONGO", "mongodb://127.0.0.1:27017")

// mongoClient connects and waits for a ping answer; an unreachable server
// fails the test loudly, it is never a skip.
func mongoClient(t *testing.T, monitor *event.CommandMonitor) *mongo.Client {
	t.Helper()
	opts := options.Client().ApplyURI(mongoURI).SetServerSelectionTimeout(5 * time.Second)
	if monitor != nil {
		opts.SetMonitor(monitor)
	}
	cl, err := mongo.Connect(opts)
	if err != nil {
		t.Fatalf("e2e: Mongo client for %s: %v", mongoURI, err)
	}
	t.Cleanup(func() { _ = cl.Disconnect(context.Background()) })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		err = cl.Ping(ctx, nil)
		if err == nil {
			return cl
		}
		select {
		case <-ctx.Done():
			t.Fatalf("e2e: Mongo is not reachable at %s: %v\nStart it with: scripts/services.sh up mongo", mongoURI, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

type mongoDoc struct {
	ID       int32  `bson:"_id"`
	Name     string `bson:"name"`
	V        int32  `bson:"v"`
	Replaced bool   `bson:"replaced"`
}

// TestMongoBulkReplaceUpserts inserts documents, then replaces and upserts
// 200 of them with ONE bulk write (one `update` command of 200 statements:
// more than FerretDB's PostgreSQL pool of 50 connections, which deadlocked
// before scripts/mongo/ferretdb-update-release-conn.patch), and reads all
// back.
func TestMongoBulkReplaceUpserts(t *testing.T) {
	var (
		mu      sync.Mutex
		updates []int // statements per `update` command sent
	)
	monitor := &event.CommandMonitor{Started: func(_ context.Context, e *event.CommandStartedEvent) {
		if e.CommandName != "update" {
			return
		}
		n := -1
		if arr, err := e.Command.LookupErr("updates"); err == nil {
			if vals, err := arr.Array().Values(); err == nil {
				n = len(vals)
			}
		}
		mu.Lock()
		updates = append(updates, n)
		mu.Unlock()
	}}
	cl := mongoClient(t, monitor)

	// FerretDB on PostgreSQL keeps database names to 63 characters.
	dbName := fmt.Sprintf("e2e_mongo_%d", time.Now().UnixNano())
	db := cl.Database(dbName)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := db.Drop(ctx); err != nil {
			t.Logf("dropping %s: %v", dbName, err)
		}
	})
	coll := db.Collection("sink")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	const inserted, total = 50, 200
	docs := make([]any, inserted)
	for i := range inserted {
		docs[i] = mongoDoc{ID: int32(i), Name: fmt.Sprintf("orig-%03d", i), V: int32(i)}
	}
	res, err := coll.InsertMany(ctx, docs)
	if err != nil {
		t.Fatalf("insert %d documents: %v", inserted, err)
	}
	if len(res.InsertedIDs) != inserted {
		t.Fatalf("inserted %d documents, want %d", len(res.InsertedIDs), inserted)
	}
	if n, err := coll.CountDocuments(ctx, bson.D{}); err != nil || n != inserted {
		t.Fatalf("count after insert = %d, %v; want %d", n, err, inserted)
	}

	models := make([]mongo.WriteModel, total)
	for i := range total {
		models[i] = mongo.NewReplaceOneModel().
			SetFilter(bson.D{{Key: "_id", Value: int32(i)}}).
			SetReplacement(mongoDoc{ID: int32(i), Name: fmt.Sprintf("doc-%03d", i), V: int32(i * 10), Replaced: true}).
			SetUpsert(true)
	}
	// A deadlocked server would hang here: bound it so the test fails.
	bulkCtx, bulkCancel := context.WithTimeout(ctx, 60*time.Second)
	defer bulkCancel()
	mu.Lock()
	updates = nil
	mu.Unlock()
	start := time.Now()
	bw, err := coll.BulkWrite(bulkCtx, models, options.BulkWrite().SetOrdered(true))
	if err != nil {
		t.Fatalf("bulk write of %d ReplaceOne upserts (%s): %v", total, time.Since(start).Round(time.Millisecond), err)
	}
	t.Logf("bulk write of %d ReplaceOne upserts took %s", total, time.Since(start).Round(time.Millisecond))
	mu.Lock()
	sent := append([]int(nil), updates...)
	mu.Unlock()
	if len(sent) != 1 || sent[0] != total {
		t.Fatalf("the bulk write sent update commands with %v statements, want one command with %d", sent, total)
	}
	if bw.MatchedCount != inserted || bw.ModifiedCount != inserted || bw.UpsertedCount != total-inserted {
		t.Fatalf("bulk result matched=%d modified=%d upserted=%d, want %d, %d, %d",
			bw.MatchedCount, bw.ModifiedCount, bw.UpsertedCount, inserted, inserted, total-inserted)
	}
	if len(bw.UpsertedIDs) != total-inserted {
		t.Fatalf("%d upserted ids, want %d", len(bw.UpsertedIDs), total-inserted)
	}

	if n, err := coll.CountDocuments(ctx, bson.D{}); err != nil || n != total {
		t.Fatalf("count after bulk = %d, %v; want %d", n, err, total)
	}
	if n, err := coll.CountDocuments(ctx, bson.D{{Key: "replaced", Value: true}}); err != nil || n != total {
		t.Fatalf("replaced documents = %d, %v; want %d", n, err, total)
	}
	cur, err := coll.Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		t.Fatalf("find: %v", err)
	}
	var got []mongoDoc
	if err := cur.All(ctx, &got); err != nil {
		t.Fatalf("reading documents: %v", err)
	}
	if len(got) != total {
		t.Fatalf("read %d documents, want %d", len(got), total)
	}
	for i, d := range got {
		want := mongoDoc{ID: int32(i), Name: fmt.Sprintf("doc-%03d", i), V: int32(i * 10), Replaced: true}
		if d != want {
			t.Fatalf("document %d = %+v, want %+v", i, d, want)
		}
	}
	// The originals are gone: a replace drops what the replacement lacks.
	if n, err := coll.CountDocuments(ctx, bson.D{{Key: "name", Value: bson.D{{Key: "$regex", Value: "^orig-"}}}}); err != nil || n != 0 {
		t.Fatalf("documents still named orig-* = %d, %v; want 0", n, err)
	}
}
