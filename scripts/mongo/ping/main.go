// Command ping is the readiness probe of scripts/services/mongo.sh: one real
// wire-protocol round trip to the MongoDB-compatible server (FerretDB):
// ping, then an upsert and a read back in goconnect_probe.ready, so the
// PostgreSQL backend is exercised too. Exit 0 when all worked, 1 otherwise.
//
//	go run . [mongodb://127.0.0.1:27017]
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

func main() {
	uri := "mongodb://127.0.0.1:27017"
	if len(os.Args) > 1 {
		uri = os.Args[1]
	}
	if err := probe(uri); err != nil {
		fmt.Fprintln(os.Stderr, "mongo probe:", err)
		os.Exit(1)
	}
	fmt.Println("ok")
}

func probe(uri string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cl, err := mongo.Connect(options.Client().ApplyURI(uri).
		SetServerSelectionTimeout(3 * time.Second).SetConnectTimeout(2 * time.Second))
	if err != nil {
		return err
	}
	defer cl.Disconnect(context.Background())
	if err := cl.Ping(ctx, nil); err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	coll := cl.Database("goconnect_probe").Collection("ready")
	now := time.Now().UnixNano()
	if _, err := coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: "probe"}},
		bson.D{{Key: "_id", Value: "probe"}, {Key: "at", Value: now}},
		options.Replace().SetUpsert(true)); err != nil {
		return fmt.Errorf("upsert: %w", err)
	}
	var got struct {
		At int64 `bson:"at"`
	}
	if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: "probe"}}).Decode(&got); err != nil {
		return fmt.Errorf("read back: %w", err)
	}
	if got.At != now {
		return fmt.Errorf("read back %d, wrote %d", got.At, now)
	}
	return nil
}
