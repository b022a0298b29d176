package mongodb

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"
)

func TestIsTransient(t *testing.T) {
	cases := []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("wrapped: %w", topology.ServerSelectionError{Wrapped: context.DeadlineExceeded}), true},
		{mongo.CommandError{Code: 91, Message: "shutdown in progress"}, true},
		{mongo.CommandError{Code: 2, Labels: []string{"RetryableWriteError"}}, true},
		{mongo.BulkWriteException{WriteConcernError: &mongo.WriteConcernError{Code: 64}}, true},
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
