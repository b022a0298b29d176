package mysql

import (
	"context"
	"fmt"
	"maps"
	"sort"

	"github.com/go-mysql-org/go-mysql/replication"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/data"
)

const txOffsetPrefix = "transaction_data_collection_order_"

// addTxMetadata (provide.transaction.metadata) fills the transaction block
// of a row change's records and, for the transaction's first captured
// event, emits BEGIN on <prefix>.transaction first, as Debezium's
// TransactionMonitor does. Each record gets its own offset carrying the
// counts so that a restart inside the transaction continues them.
func (t *Task) addTxMetadata(ctx context.Context, s *streamState, h *replication.EventHeader, tb *table, recs []connect.SourceRecord) ([]connect.SourceRecord, error) {
	if !s.inTx || len(recs) == 0 {
		return recs, nil
	}
	tx := &s.tx
	if tx.id == "" {
		tx.id = s.gtids.current
		if tx.id == "" {
			tx.id = fmt.Sprintf("file=%s,pos=%d", s.file, s.restartPos)
		}
		tx.counts = map[string]int64{}
		if r := tx.restore; r != nil && r.txID == tx.id {
			// Restarted inside this transaction: BEGIN was sent already.
			for name, n := range r.txCounts {
				tx.counts[name] = n
				tx.total += n
				tx.order = append(tx.order, name)
			}
			sort.Strings(tx.order)
		} else {
			off := maps.Clone(recs[0].SourceOffset)
			if row, _ := offsetInt(off["row"]); row > 1 {
				off["row"] = int32(row - 1)
			} else {
				delete(off, "row")
			}
			off["transaction_id"] = tx.id
			if err := t.emit(ctx, t.txRecord(off, "BEGIN", tx, int64(h.Timestamp)*1000)); err != nil {
				return nil, err
			}
		}
		tx.restore = nil
	}
	name := tableID(tb.db, tb.name)
	var prev map[string]any
	for i := range recs {
		r := &recs[i]
		if r.Value == nil { // tombstone: same position as its delete
			r.SourceOffset = prev
			continue
		}
		if _, seen := tx.counts[name]; !seen {
			tx.order = append(tx.order, name)
		}
		tx.total++
		tx.counts[name]++
		block := data.NewStruct(t.tx)
		block.PutIndex(0, tx.id)
		block.PutIndex(1, tx.total)
		block.PutIndex(2, tx.counts[name])
		r.Value.(*data.Struct).PutIndex(3, block)
		off := maps.Clone(r.SourceOffset)
		off["transaction_id"] = tx.id
		for n, c := range tx.counts {
			off[txOffsetPrefix+n] = c
		}
		r.SourceOffset, prev = off, off
	}
	return recs, nil
}

// endTx emits END for a transaction that had captured events, with the
// offset just past its commit.
func (t *Task) endTx(ctx context.Context, s *streamState, h *replication.EventHeader) error {
	if !t.st.txMetadata || s.tx.id == "" {
		return nil
	}
	off := map[string]any{"file": s.file, "pos": int64(h.LogPos), "ts_sec": int64(h.Timestamp)}
	if h.ServerID != 0 {
		off["server_id"] = int64(h.ServerID)
	}
	if s.gtids.known && !s.flat {
		if g := s.gtids.String(); g != "" {
			off["gtids"] = g
		}
	}
	s.incr.store(off)
	return t.emit(ctx, t.txRecord(off, "END", &s.tx, int64(h.Timestamp)*1000))
}

func (t *Task) txRecord(off map[string]any, status string, tx *txState, tsMs int64) connect.SourceRecord {
	key := data.NewStruct(t.txKey)
	key.PutIndex(0, tx.id)
	val := data.NewStruct(t.txValue)
	val.PutIndex(0, status)
	val.PutIndex(1, tx.id)
	if status == "END" {
		val.PutIndex(2, tx.total)
		colls := make([]any, 0, len(tx.order))
		for _, n := range tx.order {
			c := data.NewStruct(t.txColl)
			c.PutIndex(0, n)
			c.PutIndex(1, tx.counts[n])
			colls = append(colls, c)
		}
		val.PutIndex(3, colls)
	}
	val.PutIndex(4, tsMs)
	return connect.NewSourceRecord(t.partition, off, t.st.txTopic, t.txKey, key, t.txValue, val)
}
