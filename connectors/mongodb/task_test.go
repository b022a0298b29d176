package mongodb

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"

	"github.com/goconnect/goconnect/connect"
)

func TestIsTransient(t *testing.T) {
	cases := []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("wrapped: %w", topology.ServerSelectionError{Wrapped: context.DeadlineExceeded}), true},
		{mongo.CommandError{Code: 91, Message: "shutdown in progress"}, true},
		{mongo.CommandError{Code: 2, Labels: []string{"RetryableWriteError"}}, true},
		// A write concern error fails MongoDB's connector unless the driver would retry it.
		{mongo.BulkWriteException{WriteConcernError: &mongo.WriteConcernError{Code: 64}}, false},
		{mongo.BulkWriteException{WriteConcernError: &mongo.WriteConcernError{Code: 91}}, true},
		{mongo.BulkWriteException{WriteErrors: []mongo.BulkWriteError{{WriteError: mongo.WriteError{Code: 11000}}}}, false},
		{mongo.CommandError{Code: 2, Message: "bad value"}, false},
		{errors.New("other"), false},
	}
	for _, c := range cases {
		if got := isTransient(c.err); got != c.want {
			t.Errorf("isTransient(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

func TestSkipRetriedInserts(t *testing.T) {
	models := []mongo.WriteModel{mongo.NewInsertOneModel(), mongo.NewInsertOneModel(), mongo.NewReplaceOneModel()}
	dup := func(i int) mongo.BulkWriteError {
		return mongo.BulkWriteError{WriteError: mongo.WriteError{Index: i, Code: 11000, Message: "E11000 duplicate key"}}
	}
	if next, ok := skipRetriedInserts(mongo.BulkWriteException{WriteErrors: []mongo.BulkWriteError{dup(1)}}, models, true); !ok || next != 2 {
		t.Fatalf("ordered: resume at %d, %v; want 2", next, ok)
	}
	if next, ok := skipRetriedInserts(mongo.BulkWriteException{WriteErrors: []mongo.BulkWriteError{dup(0), dup(1)}}, models, false); !ok || next != -1 {
		t.Fatalf("unordered: %d, %v", next, ok)
	}
	// A duplicate on a replace is a real error, not an earlier attempt's insert.
	if _, ok := skipRetriedInserts(mongo.BulkWriteException{WriteErrors: []mongo.BulkWriteError{dup(2)}}, models, true); ok {
		t.Fatal("duplicate on a replace skipped")
	}
}

// TestWriteErrorMessage: the DLQ and trace text of a write error is
// MongoDB's connector's WriteException message.
func TestWriteErrorMessage(t *testing.T) {
	e := writeError{mongo.WriteError{Code: 11000, Message: "E11000 duplicate key error collection: db.c"}}
	if got, want := e.Error(), "v=1, code=11000, message=E11000 duplicate key error collection: db.c, details={}"; got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if !mongo.IsDuplicateKeyError(e) {
		t.Fatal("the driver's error is not kept")
	}
}

// TestCloseDropsPendingWrites: writes a failed Put left for a partition
// that leaves the task are not written later (its next owner gets the
// records again); other partitions' stay, and the partition's records
// are taken again when it comes back.
func TestCloseDropsPendingWrites(t *testing.T) {
	at := func(p int32, off int64) pendingWrite {
		return pendingWrite{rec: connect.SinkRecord{OriginalTopic: "orders", OriginalPartition: p, OriginalOffset: off}}
	}
	task := &SinkTask{pending: []pendingWrite{at(0, 1), at(1, 1), at(0, 2)},
		accepted: map[connect.TopicPartition]int64{{Topic: "orders", Partition: 0}: 2, {Topic: "orders", Partition: 1}: 1}}
	if err := task.Close(context.Background(), []connect.TopicPartition{{Topic: "orders", Partition: 0}}); err != nil {
		t.Fatal(err)
	}
	if len(task.pending) != 1 || task.pending[0].rec.OriginalPartition != 1 {
		t.Fatalf("pending after closing partition 0: %+v", task.pending)
	}
	if _, ok := task.accepted[connect.TopicPartition{Topic: "orders", Partition: 0}]; ok || len(task.accepted) != 1 {
		t.Fatalf("accepted after closing partition 0: %v", task.accepted)
	}
}
