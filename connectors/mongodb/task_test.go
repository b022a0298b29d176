package mongodb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
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

type collectingReporter struct{ causes []string }

func (r *collectingReporter) Report(_ context.Context, rec connect.SinkRecord, cause error) error {
	r.causes = append(r.causes, fmt.Sprintf("%d: %v", rec.KafkaOffset, cause))
	return nil
}

// TestWriteErrorsPerRecord: as MongoDB's connector, each record gets its
// write error, the records after an ordered failure are not written, the
// others get the write concern error; untolerated, the trace names them.
func TestWriteErrorsPerRecord(t *testing.T) {
	run := make([]pendingWrite, 3)
	for i := range run {
		run[i].rec.Topic, run[i].rec.KafkaOffset = "orders", int64(10+i)
	}
	bwe := mongo.BulkWriteException{
		WriteErrors:       []mongo.BulkWriteError{{WriteError: mongo.WriteError{Index: 1, Code: 11000, Message: "E11000 dup"}}},
		WriteConcernError: &mongo.WriteConcernError{Name: "WriteConcernFailed", Code: 64, Message: "waiting for replication timed out"},
	}
	const wce = "v=1, code=64, codeName=WriteConcernFailed, message=waiting for replication timed out, details={}"
	for _, c := range []struct {
		ordered bool
		want    []string
	}{
		{false, []string{"10: " + wce, "11: v=1, code=11000, message=E11000 dup, details={}", "12: " + wce}},
		{true, []string{"10: " + wce, "11: v=1, code=11000, message=E11000 dup, details={}", "12: not written to db.c: an earlier write of the ordered bulk write failed"}},
	} {
		rep := &collectingReporter{}
		task := &SinkTask{log: slog.Default(), reporter: rep}
		tc := &topicConfig{database: "db", collection: "c", tolerance: "all", ordered: c.ordered}
		if err := task.writeErrors(context.Background(), tc, run, bwe); err != nil {
			t.Fatal(err)
		}
		if strings.Join(rep.causes, "\n") != strings.Join(c.want, "\n") {
			t.Fatalf("ordered=%v: reported\n%s\nwant\n%s", c.ordered, strings.Join(rep.causes, "\n"), strings.Join(c.want, "\n"))
		}
	}
	task := &SinkTask{log: slog.Default()}
	err := task.writeErrors(context.Background(), &topicConfig{database: "db", collection: "c", tolerance: "none"}, run, bwe)
	for _, want := range []string{"record orders-0@11: v=1, code=11000", "write concern error: " + wce} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("untolerated: %v, want %q in it", err, want)
		}
	}
}
