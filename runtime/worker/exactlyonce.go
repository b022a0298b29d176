package worker

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/runtime/offsetstore"
)

// ExactlyOnce makes source tasks transactional, as Connect does with
// exactly.once.source.support=enabled (KIP-618): each task's producer has
// the transactional id <group.id>-<connector>-<task>, and every poll's
// records and the offsets covering them commit in one transaction. A task
// that moved to another worker is fenced there by the new instance's
// producer id, so a zombie cannot commit anything.
type ExactlyOnce struct {
	GroupID string
	Offsets TxnOffsets
}

// TxnOffsets gives the offsets topic records a transaction must carry.
type TxnOffsets interface {
	Records(connector string, offs []offsetstore.Offset) ([]*kgo.Record, error)
}

// EnableExactlyOnce switches source tasks started later to transactions.
func (w *Worker) EnableExactlyOnce(e ExactlyOnce) {
	w.mu.Lock()
	w.eos = &e
	w.mu.Unlock()
}

func (w *Worker) exactlyOnce() *ExactlyOnce {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.eos
}

// transactionalID is the id KIP-618 gives a source task's producer.
func transactionalID(group, connector string, task int) string {
	return group + "-" + connector + "-" + strconv.Itoa(task)
}

// sendTxn adds one poll's records and their offsets to the open
// transaction (beginning one if needed) and commits it at the boundary:
// after every poll, or once transaction.boundary.interval.ms has passed.
func (r *sourceRunner) sendTxn(ctx context.Context, recs []connect.SourceRecord) error {
	if !r.txnOpen {
		if err := r.producer.BeginTransaction(); err != nil {
			return fmt.Errorf("beginning a transaction: %w", err)
		}
		r.txnOpen, r.txnDeadline = true, time.Now().Add(r.txnInterval)
		r.txnOffsets = map[string]offsetstore.Offset{}
	}
	b, err := r.send(ctx, recs)
	if b != nil {
		for k, o := range b.offsets {
			r.txnOffsets[k] = o
		}
	}
	if err != nil {
		return r.abortTxn(ctx, err)
	}
	if r.txnInterval <= 0 || !time.Now().Before(r.txnDeadline) {
		return r.commitTxn(ctx)
	}
	return nil
}

// commitTxn adds the latest offsets of everything sent in the open
// transaction and commits it.
func (r *sourceRunner) commitTxn(ctx context.Context) error {
	if !r.txnOpen {
		return nil
	}
	err := r.produceOffsets()
	if err == nil {
		err = r.producer.Flush(r.h.sendCtx)
	}
	if err == nil {
		err = r.sub.firstError()
	}
	if err != nil {
		return r.abortTxn(ctx, err)
	}
	r.txnOpen = false
	if err := r.producer.EndTransaction(context.WithoutCancel(ctx), kgo.TryCommit); err != nil {
		return fmt.Errorf("exactly-once source: transaction not committed (its records and offsets are discarded together): %w", err)
	}
	// Committed with the records: nothing is left to commit separately.
	_, _, _ = r.sub.committable()
	return nil
}

func (r *sourceRunner) abortTxn(ctx context.Context, cause error) error {
	r.txnOpen = false
	if err := r.producer.EndTransaction(context.WithoutCancel(ctx), kgo.TryAbort); err != nil {
		cause = errors.Join(cause, fmt.Errorf("aborting the transaction: %w", err))
	}
	return fmt.Errorf("exactly-once source: transaction aborted (its records and offsets are discarded together): %w", cause)
}

// produceOffsets adds the transaction's offsets to it.
func (r *sourceRunner) produceOffsets() error {
	if len(r.txnOffsets) == 0 {
		return nil
	}
	offs := make([]offsetstore.Offset, 0, len(r.txnOffsets))
	for _, o := range r.txnOffsets {
		offs = append(offs, o)
	}
	krs, err := r.txn.Records(r.h.id.Connector, offs)
	if err != nil {
		return fmt.Errorf("encoding offsets: %w", err)
	}
	var mu sync.Mutex
	var perr error
	for _, kr := range krs {
		r.producer.Produce(r.h.sendCtx, kr, func(_ *kgo.Record, err error) {
			if err != nil {
				mu.Lock()
				perr = errors.Join(perr, err)
				mu.Unlock()
			}
		})
	}
	if err := r.producer.Flush(r.h.sendCtx); err != nil {
		return err
	}
	mu.Lock()
	defer mu.Unlock()
	return perr
}

// FenceSourceTask fences earlier instances of a source task before a new
// one starts (KIP-618's zombie fencing): initialising its transactional id
// bumps the producer epoch, which aborts a transaction a dead or slow
// instance left open and refuses that instance's later writes. Only then
// do the task's committed offsets tell where to resume.
func FenceSourceTask(ctx context.Context, cl *kgo.Client, group, connector string, task int) error {
	id := transactionalID(group, connector, task)
	req := kmsg.NewPtrInitProducerIDRequest()
	req.TransactionalID = &id
	req.TransactionTimeoutMillis = 60000
	req.ProducerID, req.ProducerEpoch = -1, -1
	backoff := 50 * time.Millisecond
	for {
		resp, err := req.RequestWith(ctx, cl)
		if err == nil {
			err = kerr.ErrorForCode(resp.ErrorCode)
		}
		if err == nil {
			return nil
		}
		// While the coordinator aborts the open transaction it answers
		// CONCURRENT_TRANSACTIONS: ask again until it is done.
		if !kerr.IsRetriable(err) && !errors.Is(err, kerr.ConcurrentTransactions) {
			return fmt.Errorf("fencing earlier instances of task %s: %w", id, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("fencing earlier instances of task %s: %w (last: %v)", id, ctx.Err(), err)
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, time.Second)
	}
}
