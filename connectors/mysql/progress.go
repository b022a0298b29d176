package mysql

import (
	"fmt"
	"log/slog"
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
	p := &snapshotProgress{sink: t.progress, log: t.log, estimates: rowEstimates(conn, tables), total: len(tables), start: time.Now(),
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

// rowEstimates reads the estimates of tables' rows; a table the query
// does not answer for is unknown (-1). An error only costs the estimates.
func rowEstimates(conn *client.Conn, tables []*table) map[string]int64 {
	out := map[string]int64{}
	byDB := map[string][]string{}
	for _, tb := range tables {
		byDB[tb.db] = append(byDB[tb.db], tb.name)
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
