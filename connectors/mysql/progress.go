package mysql

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-mysql-org/go-mysql/client"

	"github.com/goconnect/goconnect/connect"
)

// progressLogInterval is how often a table's reader logs its progress, as
// Debezium's snapshot logs "Exported n of m records" every 10 s.
const progressLogInterval = 10 * time.Second

// progressEvery is how many rows a reader reads between two progress
// reports: the row loop then checks no clock and touches no metric.
const progressEvery = 1024

// snapshotProgress follows one snapshot: the worker's metrics (when its
// context collects them) and INFO lines.
type snapshotProgress struct {
	sink      connect.SnapshotProgress // nil: the worker collects none
	log       *slog.Logger
	estimates map[string]int64
	total     int
	done      atomic.Int32
	start     time.Time
	// logEvery is progressLogInterval (tests shorten it).
	logEvery time.Duration
}

// newSnapshotProgress starts following a snapshot of tables, with the
// server's row estimates (information_schema.TABLES.TABLE_ROWS, what SHOW
// TABLE STATUS reports and Debezium logs as the estimated row count).
func (t *Task) newSnapshotProgress(conn *client.Conn, tables []*table) *snapshotProgress {
	names := make([][2]string, len(tables))
	for i, tb := range tables {
		names[i] = [2]string{tb.db, tb.name}
	}
	p := &snapshotProgress{sink: t.progress, log: t.log, estimates: rowEstimates(conn, names), total: len(tables), start: time.Now(),
		logEvery: progressLogInterval}
	ids := make([]string, len(tables))
	est := make([]int64, len(tables))
	for i, tb := range tables {
		ids[i] = tableID(tb.db, tb.name)
		est[i] = p.estimate(ids[i])
		t.log.Info("estimated row count", "table", ids[i], "rows", est[i])
	}
	if p.sink != nil {
		p.sink.SnapshotStarted(ids, est)
	}
	return p
}

// rowEstimates reads the estimates of tables' rows (database, name); a
// table the query does not answer for is unknown (-1). An error only costs
// the estimates.
func rowEstimates(conn *client.Conn, tables [][2]string) map[string]int64 {
	out := map[string]int64{}
	byDB := map[string][]string{}
	for _, tb := range tables {
		byDB[tb[0]] = append(byDB[tb[0]], tb[1])
	}
	for db, names := range byDB {
		quoted := make([]string, len(names))
		for i, n := range names {
			quoted[i] = "'" + strings.ReplaceAll(strings.ReplaceAll(n, `\`, `\\`), "'", "''") + "'"
		}
		q := fmt.Sprintf("SELECT TABLE_NAME, TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = '%s' AND TABLE_NAME IN (%s)",
			strings.ReplaceAll(strings.ReplaceAll(db, `\`, `\\`), "'", "''"), strings.Join(quoted, ","))
		res, err := conn.Execute(q)
		if err != nil {
			continue
		}
		for i := range res.RowNumber() {
			name, _ := res.GetString(i, 0)
			if rows, err := res.GetInt(i, 1); err == nil {
				out[tableID(db, name)] = rows
			}
		}
		res.Close()
	}
	return out
}

func (p *snapshotProgress) estimate(id string) int64 {
	if e, ok := p.estimates[id]; ok {
		return e
	}
	return -1
}

// finish ends the snapshot for the worker's metrics.
func (p *snapshotProgress) finish(aborted bool) {
	if p != nil && p.sink != nil {
		p.sink.SnapshotCompleted(aborted)
	}
}

// tableProgress is one table reader's progress; only its reader uses it.
type tableProgress struct {
	p           *snapshotProgress
	id          string
	estimate    int64
	rows        int64
	start, last time.Time
}

// table starts following one table's rows; nil (which every method
// accepts) when the snapshot is not followed.
func (p *snapshotProgress) table(id string) *tableProgress {
	if p == nil {
		return nil
	}
	now := time.Now()
	return &tableProgress{p: p, id: id, estimate: p.estimate(id), start: now, last: now}
}

// row counts one row read.
func (tp *tableProgress) row() {
	if tp == nil {
		return
	}
	tp.rows++
	if tp.rows%progressEvery != 0 {
		return
	}
	if tp.p.sink != nil {
		tp.p.sink.RowsScanned(tp.id, tp.rows)
	}
	if now := time.Now(); now.Sub(tp.last) >= tp.p.logEvery {
		tp.last = now
		took := now.Sub(tp.start)
		tp.p.log.Info("snapshot progress", "table", tp.id, "rows", tp.rows, "estimated", tp.estimate,
			"rows_per_s", int64(float64(tp.rows)/took.Seconds()), "elapsed", took.Round(time.Millisecond).String())
	}
}

// done reports the table read.
func (tp *tableProgress) done() {
	if tp == nil {
		return
	}
	if tp.p.sink != nil {
		tp.p.sink.TableCompleted(tp.id, tp.rows)
	}
	n := tp.p.done.Add(1)
	took := time.Since(tp.start)
	tp.p.log.Info("snapshot of table done", "table", tp.id, "rows", tp.rows, "tables_done", n, "tables", tp.p.total,
		"rows_per_s", int64(float64(tp.rows)/max(took.Seconds(), 1e-3)), "elapsed", took.Round(time.Millisecond).String())
}

// incrProgress follows an incremental snapshot for the worker's metrics
// (connect.IncrementalSnapshotProgress, when the worker collects them) and
// INFO lines. It is told the snapshot context's state after each change
// (reportIncremental) and works out what changed, so the snapshot code
// itself carries one call per action.
type incrProgress struct {
	sink     connect.IncrementalSnapshotProgress // nil: the worker collects none
	running  bool
	paused   bool
	known    map[string]bool // tables reported, queued or read
	queued   []string
	rows     map[string]int64
	est      map[string]int64
	chunkID  string
	table    string
	tableAt  time.Time // when the current table's first chunk was read
	lastLog  time.Time
	start    time.Time
	logEvery time.Duration
	corr     string // the last signal id seen, for notifications
}

// reportIncremental reports the incremental snapshot's state after a
// change: started, tables added, a chunk read, tables finished, paused or
// resumed, ended (aborted: by a stop-snapshot signal).
func (t *Task) reportIncremental(ctx context.Context, s *streamState, aborted bool) {
	c := s.incr
	if c == nil {
		return
	}
	p := c.prog
	if p == nil {
		p = &incrProgress{logEvery: progressLogInterval}
		p.sink, _ = t.progress.(connect.IncrementalSnapshotProgress)
		c.prog = p
	}
	if c.correlation != nil {
		p.corr = *c.correlation
	}
	queued := make([]string, 0, len(c.colls))
	inQueue := map[string]bool{}
	for _, dc := range c.colls {
		if !inQueue[dc.id] {
			inQueue[dc.id] = true
			queued = append(queued, dc.id)
		}
	}
	// Tables that left the queue are done (read, skipped or stopped).
	var stopped []string
	for _, id := range p.queued {
		if !inQueue[id] {
			if p.sink != nil {
				p.sink.TableCompleted(id, p.rows[id])
			}
			t.log.Info("incremental snapshot of table done", "table", id, "rows", p.rows[id])
			if aborted {
				stopped = append(stopped, id)
				continue
			}
			// Debezium tells apart an empty table, one without a key, an
			// unknown one and a failed read; here any table left without a
			// row read is EMPTY.
			status := "SUCCEEDED"
			if p.rows[id] == 0 {
				status = "EMPTY"
			}
			t.notifyIncremental(c, "TABLE_SCAN_COMPLETED", [2]string{"data_collections", strings.Join(p.queued, ",")},
				[2]string{"scanned_collection", id}, [2]string{"total_rows_scanned", strconv.FormatInt(p.rows[id], 10)},
				[2]string{"status", status})
		}
	}
	if len(stopped) > 0 && c.running() {
		t.notifyIncremental(c, "ABORTED", [2]string{"data_collections", strings.Join(stopped, ",")})
	}
	var added []string
	for _, id := range queued {
		if !p.known[id] {
			added = append(added, id)
		}
	}
	p.queued = queued
	if len(added) > 0 || !p.running && len(queued) > 0 {
		est := t.incrEstimates(ctx, added)
		if !p.running {
			p.running, p.paused, p.start = true, false, time.Now()
			p.known, p.rows, p.est, p.chunkID, p.table = map[string]bool{}, map[string]int64{}, map[string]int64{}, "", ""
			if p.sink != nil {
				p.sink.IncrementalSnapshotStarted(added, est)
			}
			t.log.Info("incremental snapshot started", "tables", added, "estimated_rows", est)
			t.notifyIncremental(c, "STARTED", [2]string{"data_collections", strings.Join(queued, ",")})
		} else {
			if p.sink != nil {
				p.sink.TablesAdded(added, est)
			}
			t.log.Info("tables added to the incremental snapshot", "tables", added, "estimated_rows", est)
		}
		for i, id := range added {
			p.known[id], p.est[id] = true, est[i]
		}
	}
	if !p.running {
		return
	}
	if c.chunkID != p.chunkID && c.tb != nil && len(c.window) > 0 {
		p.chunkID = c.chunkID
		id := tableID(c.tb.db, c.tb.name)
		now := time.Now()
		if id != p.table {
			p.table, p.tableAt, p.lastLog = id, now, now
		}
		p.rows[id] += int64(len(c.window))
		if p.sink != nil {
			p.sink.RowsScanned(id, p.rows[id])
			p.sink.CurrentChunk(id, c.chunkID, c.window[0].javaKey, c.chunkEnd, c.maxKey)
		}
		first := func(k []any) string {
			if len(k) == 0 || k[0] == nil {
				return "<null>"
			}
			return fmt.Sprint(k[0])
		}
		t.notifyIncremental(c, "IN_PROGRESS", [2]string{"data_collections", strings.Join(queued, ",")},
			[2]string{"current_collection_in_progress", id}, [2]string{"maximum_key", first(c.maxKey)},
			[2]string{"last_processed_key", first(c.chunkEnd)})
		if now.Sub(p.lastLog) >= p.logEvery {
			p.lastLog = now
			took := now.Sub(p.tableAt)
			t.log.Info("incremental snapshot progress", "table", id, "rows", p.rows[id], "estimated", p.est[id],
				"rows_per_s", int64(float64(p.rows[id])/max(took.Seconds(), 1e-3)), "elapsed", took.Round(time.Millisecond).String(),
				"chunk", c.chunkID, "tables_remaining", len(queued))
		}
	}
	if c.paused != p.paused && c.running() {
		p.paused = c.paused
		if p.sink != nil {
			if p.paused {
				p.sink.SnapshotPaused()
			} else {
				p.sink.SnapshotResumed()
			}
		}
		typ := "RESUMED"
		if p.paused {
			typ = "PAUSED"
		}
		t.notifyIncremental(c, typ, [2]string{"data_collections", strings.Join(queued, ",")})
	}
	if !c.running() {
		p.running, p.paused = false, false
		if p.sink != nil {
			p.sink.CurrentChunk("", "", nil, nil, nil)
			p.sink.SnapshotCompleted(aborted)
		}
		if aborted {
			t.notifyIncremental(c, "ABORTED")
		} else {
			t.notifyIncremental(c, "COMPLETED")
		}
		t.log.Info("incremental snapshot ended", "aborted", aborted, "tables", len(p.known),
			"elapsed", time.Since(p.start).Round(time.Millisecond).String())
	}
}

// incrEstimates are the row estimates of tables ("db.name"); -1 where
// unknown.
func (t *Task) incrEstimates(ctx context.Context, ids []string) []int64 {
	est := make([]int64, len(ids))
	for i := range est {
		est[i] = -1
	}
	if len(ids) == 0 || ctx.Err() != nil {
		return est
	}
	conn, err := t.incrConn(ctx)
	if err != nil {
		return est
	}
	names := make([][2]string, len(ids))
	for i, id := range ids {
		db, name, _ := strings.Cut(id, ".")
		names[i] = [2]string{db, name}
	}
	got := rowEstimates(conn, names)
	for i, id := range ids {
		if e, ok := got[id]; ok {
			est[i] = e
		}
	}
	return est
}
