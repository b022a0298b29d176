//go:build e2e

package mongodb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/stallproxy"
)

const liveMongo = "127.0.0.1:27017"

func liveDB(t *testing.T) (*mongo.Client, *mongo.Database) {
	t.Helper()
	cl, err := mongo.Connect(options.Client().ApplyURI("mongodb://" + liveMongo).SetServerSelectionTimeout(5 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	db := cl.Database(fmt.Sprintf("stop%d", time.Now().UnixNano()))
	t.Cleanup(func() {
		_ = db.Drop(context.Background())
		_ = cl.Disconnect(context.Background())
	})
	return cl, db
}

func numbered(n int) []connect.SinkRecord {
	recs := make([]connect.SinkRecord, n)
	for i := range recs {
		r := rec(nil, map[string]any{"_id": int64(i), "pad": strings.Repeat("x", 1000)})
		r.KafkaOffset, r.OriginalOffset = int64(i), int64(i)
		recs[i] = *r
	}
	return recs
}

func countDocs(t *testing.T, c *mongo.Collection) int64 {
	t.Helper()
	n, err := c.CountDocuments(context.Background(), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func waitFor(t *testing.T, what string, d time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestLiveStopMidWrite stops a task (cancels Put's context) while its
// bulk write is in flight: answered within the stop grace the write
// completes and Put succeeds; answered later it is abandoned without a
// failure, and a new task given the same records (the redelivery after a
// restart) writes every document once.
func TestLiveStopMidWrite(t *testing.T) {
	const n = 300
	_, db := liveDB(t)
	proxy := stallproxy.Start(t, liveMongo)
	start := func(grace time.Duration) *SinkTask {
		task := &SinkTask{grace: grace}
		if err := task.Start(context.Background(), nil, map[string]string{"topics": "orders", "database": db.Name(), "collection": "c",
			"connection.uri":       "mongodb://" + proxy.Addr() + "/?serverSelectionTimeoutMS=5000",
			"document.id.strategy": "ProvidedInValueStrategy"}); err != nil {
			t.Fatal(err)
		}
		return task
	}
	coll := db.Collection("c")
	put := func(task *SinkTask, recs []connect.SinkRecord) (context.CancelFunc, <-chan error) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- task.Put(ctx, recs) }()
		return cancel, done
	}
	stopTask := func(task *SinkTask) {
		t.Helper()
		began := time.Now()
		if err := task.Flush(context.Background(), nil); err != nil {
			t.Fatalf("flush after the stop: %v", err)
		}
		if err := task.Stop(); err != nil {
			t.Fatalf("stop: %v", err)
		}
		if d := time.Since(began); d > 2*time.Second {
			t.Fatalf("flush and stop took %s", d)
		}
	}

	t.Run("answered within the grace", func(t *testing.T) {
		task := start(3 * time.Second)
		// Connect first so only the write is held.
		if err := task.client.Ping(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		proxy.Stall()
		cancel, done := put(task, numbered(n))
		waitFor(t, "the write reaches the server", 20*time.Second, func() bool { return countDocs(t, coll) == n })
		cancel() // the task is asked to stop
		select {
		case err := <-done:
			t.Fatalf("Put returned before its write was answered: %v", err)
		case <-time.After(500 * time.Millisecond):
		}
		proxy.Release()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("Put of a write answered within the grace: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Put did not return")
		}
		stopTask(task)
	})

	if _, err := coll.DeleteMany(context.Background(), bson.D{}); err != nil {
		t.Fatal(err)
	}
	t.Run("abandoned after the grace", func(t *testing.T) {
		task := start(500 * time.Millisecond)
		if err := task.client.Ping(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		proxy.Stall()
		recs := numbered(n)
		cancel, done := put(task, recs)
		waitFor(t, "the write reaches the server", 20*time.Second, func() bool { return countDocs(t, coll) > 0 })
		stopAt := time.Now()
		cancel()
		select {
		case err := <-done:
			if err == nil {
				t.Fatal("Put of an abandoned write succeeded: its offsets would be committed")
			}
			if d := time.Since(stopAt); d > 2*time.Second {
				t.Fatalf("Put returned %s after the stop (grace 500ms)", d)
			}
			t.Logf("abandoned: %v", err)
		case <-time.After(5 * time.Second):
			t.Fatal("Put did not give up its write after the grace")
		}
		stopTask(task)
		proxy.Release()
		// The restart redelivers from the last commit: all records again.
		again := start(0)
		defer again.Stop()
		if err := again.Put(context.Background(), recs); err != nil {
			t.Fatalf("redelivery after the restart: %v", err)
		}
		if got := countDocs(t, coll); got != n {
			t.Fatalf("%d documents after the redelivery, want %d", got, n)
		}
	})
}

// recordingReporter collects what the task sends to the DLQ.
type recordingReporter struct {
	mu   sync.Mutex
	errs []string
}

func (r *recordingReporter) Report(_ context.Context, rec connect.SinkRecord, cause error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf("%d: %v", rec.KafkaOffset, cause))
	return nil
}

type reporterContext struct {
	connect.SinkTaskContext
	r *recordingReporter
}

func (c reporterContext) ErrantRecordReporter() connect.ErrantRecordReporter { return c.r }
func (c reporterContext) Logger() *slog.Logger                               { return slog.New(slog.DiscardHandler) }

// TestLivePermanentErrors: values FerretDB refuses fail the write for
// good (MongoDB's connector goes FAILED), or go to the DLQ with
// errors.tolerance=all. FerretDB 1.24 answers a Decimal128 by closing the
// connection (MongoDB stores it), and a field name starting with '$' with
// write error 2.
func TestLivePermanentErrors(t *testing.T) {
	_, db := liveDB(t)
	dec := data.DecimalBuilder(2).MustBuild()
	s := data.StructBuilder().Field("_id", data.Int64Schema).Field("price", dec).MustBuild()
	decimalRec := rec(nil, data.NewStruct(s).MustPut("_id", int64(1)).MustPut("price", data.NewBigDecimal(314, 2)))
	decimalRec.ValueSchema = s
	dollarRec := rec(nil, map[string]any{"_id": int64(2), "$bad": int64(1)})
	arrayIDRec := rec(nil, map[string]any{"_id": []any{int64(1), int64(2)}})
	cases := []struct {
		name string
		r    *connect.SinkRecord
		want string
	}{
		{"Decimal128", decimalRec, "refuses a value"},
		// The driver refuses it before sending (the Java driver does too).
		{"dollar field", dollarRec, "replacement document cannot contain keys beginning with '$'"},
		// MongoDB and FerretDB: write error 53 (InvalidIdField).
		{"array id", arrayIDRec, "record orders-2@7: v=1, code=53, message=The '_id' value cannot be of type array"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, tolerance := range []string{"none", "all"} {
				rep := &recordingReporter{}
				task := &SinkTask{}
				if err := task.Start(context.Background(), reporterContext{r: rep}, map[string]string{"topics": "orders", "database": db.Name(),
					"collection": strings.ReplaceAll(c.name, " ", "_"), "connection.uri": "mongodb://" + liveMongo + "/?serverSelectionTimeoutMS=5000",
					"document.id.strategy": "ProvidedInValueStrategy", "errors.tolerance": tolerance}); err != nil {
					t.Fatal(err)
				}
				began := time.Now()
				err := task.Put(context.Background(), []connect.SinkRecord{*c.r})
				_ = task.Stop()
				if tolerance == "all" {
					if err != nil || len(rep.errs) != 1 {
						t.Fatalf("tolerance all: Put %v, DLQ %q", err, rep.errs)
					}
					t.Logf("DLQ: %s", rep.errs[0])
					continue
				}
				if err == nil || connect.IsRetriable(err) || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("Put: %v (retriable %v), want a permanent error containing %q", err, connect.IsRetriable(err), c.want)
				}
				if d := time.Since(began); d > 20*time.Second {
					t.Fatalf("the refusal took %s to be recognised", d)
				}
				var bwe mongo.BulkWriteException
				t.Logf("refused after %s (bulk write exception %v): %v", time.Since(began).Round(time.Millisecond), errors.As(err, &bwe), err)
			}
		})
	}
}
