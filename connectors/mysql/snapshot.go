package mysql

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/go-mysql-org/go-mysql/client"
	gomysql "github.com/go-mysql-org/go-mysql/mysql"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/data"
)

// snapshotSession sets up a snapshot connection: results in UTC and in
// each column's own charset, as the binlog has them, so both paths
// convert the same bytes.
var snapshotSession = []string{"SET SESSION time_zone = '+00:00'", "SET SESSION character_set_results = NULL",
	"SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ"}

// lockWaitSession bounds a snapshot connection's waits for the global
// read lock and row locks by snapshot.lock.timeout.ms, as Debezium's
// lockTablesForSchemaSnapshot does (without it the server's default is
// a day or a year).
func (t *Task) lockWaitSession() []string {
	return []string{fmt.Sprintf("SET SESSION lock_wait_timeout=%d", t.st.lockTimeoutSec),
		fmt.Sprintf("SET SESSION innodb_lock_wait_timeout=%d", max(t.st.lockTimeoutSec, 1))}
}

// snapshotBatch is how many records a table reader hands over at once.
const snapshotBatch = 256

// Snapshot markers (source.snapshot), boxed once.
var (
	markTrue        any = "true"
	markFirst       any = "first"
	markFirstInColl any = "first_in_data_collection"
	markLastInColl  any = "last_in_data_collection"
	markLast        any = "last"
)

// snapshotDataTables are the tables whose rows the snapshot reads:
// snapshot.include.collection.list narrows the captured tables (the
// others get their schema only), as Debezium's
// determineDataCollectionsToBeSnapshotted.
//
// They are read in Debezium's order (addSignalingCollectionAndSort): by
// the first table.include.list pattern each matches, then the signalling
// table, where the schemas (tables) are sorted by name.
func (t *Task) snapshotDataTables(tables []*table) []*table {
	var out []*table
	for _, tb := range tables {
		if len(t.st.snapshotInclude) == 0 || anyMatch(t.st.snapshotInclude, tableID(tb.db, tb.name)) {
			out = append(out, tb)
		}
	}
	if t.st.filter == nil {
		return out
	}
	ids := make([][2]string, len(out))
	byID := make(map[[2]string]*table, len(out))
	for i, tb := range out {
		ids[i] = [2]string{tb.db, tb.name}
		byID[ids[i]] = tb
	}
	for i, id := range includeOrder(ids, t.st.filter) {
		out[i] = byID[id]
	}
	return out
}

// snapshotConns opens n more connections for snapshot.max.threads, each
// in its own consistent-snapshot transaction. Called while the global
// read lock holds writes back, all of them see the snapshot position's
// state. (Debezium opens its pool's read views before taking the lock,
// by a "SELECT ... LIMIT 1" on each connection; here they open under it,
// so that no write can fall between them and the position.)
func (t *Task) snapshotConns(ctx context.Context, n int) ([]*client.Conn, error) {
	var out []*client.Conn
	for i := 0; i < n; i++ {
		c, err := dial(ctx, t.st)
		if err != nil {
			return out, fmt.Errorf("snapshot: connection %d of %d: %w", i+2, n+1, err)
		}
		out = append(out, c)
		for _, q := range append(snapshotSession, "START TRANSACTION WITH CONSISTENT SNAPSHOT") {
			if _, err := c.Execute(q); err != nil {
				return out, fmt.Errorf("snapshot: connection %d of %d: %s: %w", i+2, n+1, q, err)
			}
		}
	}
	return out, nil
}

// snapshotData reads the tables, each on one of conns (a table per
// connection at a time, as Debezium's snapshot.max.threads), and emits
// their rows as 'r' events.
func (t *Task) snapshotData(ctx context.Context, conns []*client.Conn, tables []*table, file string, pos uint32, gtids string, prog *snapshotProgress) error {
	em := &snapshotEmitter{t: t, file: file, pos: int64(pos), gtids: gtids, fileV: file, posV: int64(pos), progress: prog}
	return t.readTables(ctx, conns, tables, em)
}

// readTables reads tables on conns (one table per connection at a time)
// through em, and finishes em.
func (t *Task) readTables(ctx context.Context, conns []*client.Conn, tables []*table, em *snapshotEmitter) error {
	if len(conns) <= 1 {
		for i, tb := range tables {
			if err := t.snapshotTable(ctx, conns[0], tb, i == 0, i == len(tables)-1, em); err != nil {
				return err
			}
		}
		return em.finish(ctx)
	}
	// With several threads Debezium marks no table first or last: each
	// table's rows are first_in_data_collection … last_in_data_collection,
	// and the very last record becomes "last" when the snapshot completes.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan *table)
	errs := make(chan error, len(conns))
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for tb := range next {
				if err := t.snapshotTable(ctx, c, tb, false, false, em); err != nil {
					errs <- err
					cancel()
					return
				}
			}
		}()
	}
feed:
	for _, tb := range tables {
		select {
		case next <- tb:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return em.finish(ctx)
}

// snapshotTable reads one table with its snapshot statement (SELECT *,
// or its snapshot.select.statement.overrides entry) and hands its rows
// to em, marked as Debezium's setSnapshotMarker does.
func (t *Task) snapshotTable(ctx context.Context, conn *client.Conn, tb *table, firstTable, lastTable bool, em *snapshotEmitter) error {
	id := tableID(tb.db, tb.name)
	query, overridden := t.st.snapshotSelect[id]
	if em.selects != nil { // a blocking snapshot: the signal's statements only
		query, overridden = em.selects[id]
	}
	if overridden {
		t.log.Info("snapshot of table with an overridden statement", "table", id, "statement", query)
	} else {
		query = "SELECT * FROM " + quoteID(tb.db) + "." + quoteID(tb.name)
	}
	var (
		n int
		// prev is the image of the row read last, held back until the
		// next row tells whether it is the table's last.
		prev                      bool
		prevAfter, prevKey, prevE *data.Struct
		cols                      []int // result column → table column, for an overridden statement
		// fields is a row in table column order, for an overridden statement.
		fields []gomysql.FieldValue
		srcs   snapshotSources
		// pending are records handed to em together: one lock per batch,
		// not per row, which several readers would hand back and forth.
		pending = make([]connect.SourceRecord, 0, snapshotBatch)
	)
	emitPrev := func(lastRow bool) error {
		marker := markTrue
		switch {
		case lastRow && lastTable:
			marker = markLast
		case n == 1 && firstTable:
			marker = markFirst
		case lastRow:
			marker = markLastInColl
		case n == 1:
			marker = markFirstInColl
		}
		rec := t.snapshotRecord(tb, prevAfter, prevKey, prevE, marker, em, &srcs)
		if pending = append(pending, rec); len(pending) < snapshotBatch && !lastRow {
			return nil
		}
		err := em.add(ctx, pending)
		pending = pending[:0]
		return err
	}
	tp := em.progress.table(id)
	var res gomysql.Result
	err := conn.ExecuteSelectStreaming(query, &res, func(row []gomysql.FieldValue) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if cols != nil {
			// Columns the statement leaves out are null.
			if fields == nil {
				fields = make([]gomysql.FieldValue, len(tb.cols))
			}
			clear(fields)
			for i, j := range cols {
				fields[j] = row[i]
			}
			row = fields
		}
		after, key, env, err := tb.snapshotImageFields(row)
		if err != nil {
			return err
		}
		if prev {
			if err := emitPrev(false); err != nil {
				return err
			}
		}
		n++
		tp.row()
		prev, prevAfter, prevKey, prevE = true, after, key, env
		return nil
	}, func(r *gomysql.Result) error {
		if !overridden {
			return nil
		}
		var err error
		cols, err = tb.resultColumns(r.Fields)
		return err
	})
	if err != nil {
		return fmt.Errorf("snapshot of %s: %w", id, err)
	}
	if prev {
		if err := emitPrev(true); err != nil {
			return err
		}
	}
	if tp != nil {
		tp.done()
	} else {
		t.log.Info("snapshot of table done", "table", id, "rows", n)
	}
	return nil
}

// resultColumns maps the columns of an overridden snapshot statement's
// result to the table's by name, as Debezium's ColumnUtils.toArray: a
// column the table does not have fails the snapshot; table columns the
// statement leaves out are null.
func (tb *table) resultColumns(fields []*gomysql.Field) ([]int, error) {
	out := make([]int, len(fields))
	for i, f := range fields {
		name := string(f.OrgName)
		if name == "" {
			name = string(f.Name)
		}
		out[i] = -1
		for j, c := range tb.cols {
			if strings.EqualFold(c.name, name) {
				out[i] = j
				break
			}
		}
		if out[i] < 0 {
			return nil, fmt.Errorf("column '%s' of the snapshot statement's result is not a column of table %s", name, tableID(tb.db, tb.name))
		}
	}
	return out, nil
}

// snapshotSources holds the source block of one table reader's last
// record: the rows read in the same millisecond with the same marker
// share it (records are read, never written, downstream; the one block
// that changes later, the snapshot's last, is copied first).
type snapshotSources struct {
	ms     int64
	marker any
	src    *data.Struct
	nowMs  intBox // envelope ts_ms, shared by the records of a millisecond
}

// snapshotRecord builds an 'r' event with its marker; its offset is set
// when it is released.
func (t *Task) snapshotRecord(tb *table, after, key, env *data.Struct, marker any, em *snapshotEmitter, c *snapshotSources) connect.SourceRecord {
	now := t.now()
	if ms := now.UnixMilli(); c.src == nil || c.ms != ms || c.marker != marker {
		s := data.NewStruct(t.src)
		s.PutIndex(0, Version)
		s.PutIndex(1, "mysql")
		s.PutIndex(2, t.prefixBox)
		s.PutIndex(3, ms)
		s.PutIndex(4, marker)
		s.PutIndex(5, tb.dbBox)
		s.PutIndex(7, ms*1000)
		s.PutIndex(8, ms*int64(time.Millisecond))
		s.PutIndex(9, tb.nameBox)
		s.PutIndex(10, em.serverIDV())
		s.PutIndex(12, em.fileV)
		s.PutIndex(13, em.posV)
		s.PutIndex(14, int32(0))
		c.ms, c.marker, c.src = ms, marker, s
	}
	return t.recordInMs(env, tb, "r", nil, after, key, c.src, nil, now, &c.nowMs)
}

// snapshotEmitter hands snapshot records to Poll in the order the readers
// produce them, holding back the latest one, as Debezium's
// BufferingSnapshotChangeRecordReceiver: when the snapshot completes, the
// one held back is marked "last" and carries the completed-snapshot
// offset. Readers of several threads share it.
type snapshotEmitter struct {
	t     *Task
	file  string
	pos   int64
	gtids string
	// fileV and posV are file and pos boxed once for source blocks.
	fileV, posV any
	// selects, when not nil, replace snapshot.select.statement.overrides
	// (a blocking snapshot's additional-conditions).
	selects map[string]string
	// serverID, when not nil, is source.server_id (a blocking snapshot's:
	// the stream's last event's, as Debezium's offset context has it).
	serverID any
	// streamOff, when not nil, is every record's offset: a blocking
	// snapshot's records carry the stream's, so a restart resumes streaming.
	streamOff map[string]any
	// progress follows the snapshot (nil: not followed).
	progress *snapshotProgress

	mu      sync.Mutex
	held    connect.SourceRecord
	holding bool
	// off is the offset of the records before the last, shared while
	// ts_sec stays the same (offsets are read, never written, downstream).
	off    map[string]any
	offSec int64
}

// serverIDV is source.server_id of the records: 0 in the initial snapshot.
func (e *snapshotEmitter) serverIDV() any {
	if e.serverID != nil {
		return e.serverID
	}
	return int64(0)
}

// add holds the last of recs back and releases the record held before
// and the others, in order, under one lock, so that a reader's records
// reach the queue in the order they were read.
func (e *snapshotEmitter) add(ctx context.Context, recs []connect.SourceRecord) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, rec := range recs {
		prev, had := e.held, e.holding
		e.held, e.holding = rec, true
		if !had {
			continue
		}
		if err := e.release(ctx, prev, false); err != nil {
			return err
		}
	}
	return nil
}

// finish releases the record held back as the snapshot's last.
func (e *snapshotEmitter) finish(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.holding {
		return nil
	}
	e.holding = false
	return e.release(ctx, e.held, true)
}

// release sets rec's offset and queues it; the final record becomes
// "last" on a copy of its (shared) source block.
func (e *snapshotEmitter) release(ctx context.Context, rec connect.SourceRecord, final bool) error {
	env := rec.Value.(*data.Struct)
	src := env.RawIndex(2).(*data.Struct)
	sec := src.RawIndex(3).(int64) / 1000
	if final {
		last := data.NewStruct(src.Schema())
		for i := range src.Schema().Fields {
			last.PutIndex(i, src.RawIndex(i))
		}
		last.PutIndex(4, markLast)
		env.PutIndex(2, last)
		if e.streamOff != nil {
			rec.SourceOffset = e.streamOff
			return e.t.emit(ctx, rec)
		}
		off := map[string]any{"file": e.file, "pos": e.pos, "ts_sec": sec}
		if e.gtids != "" {
			off["gtids"] = e.gtids
		}
		rec.SourceOffset = off
		return e.t.emit(ctx, rec)
	}
	if e.streamOff != nil {
		rec.SourceOffset = e.streamOff
		return e.t.emit(ctx, rec)
	}
	if e.off == nil || e.offSec != sec {
		e.off = map[string]any{"file": e.file, "pos": e.pos, "ts_sec": sec, "snapshot": true}
		if e.gtids != "" {
			e.off["gtids"] = e.gtids
		}
		e.offSec = sec
	}
	rec.SourceOffset = e.off
	return e.t.emit(ctx, rec)
}
