// Package mysql is a MySQL/MariaDB binlog change-data-capture source that
// emulates Debezium's MySQL connector (2.7 by default): the same config
// keys, topics, schemas, envelopes, source block and offsets, so existing
// connector configs and consumers keep working.
package mysql

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-mysql-org/go-mysql/client"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/connect/data"
)

// Class is the Java class name users configure.
const Class = "io.debezium.connector.mysql.MySqlConnector"

// MariaDBClass is Debezium's MariaDB connector, served by the same code.
const MariaDBClass = "io.debezium.connector.mariadb.MariaDbConnector"

// Version is the Debezium release this emulates, as reported by REST.
const Version = "2.7.3.Final"

// Desc registers the connector.
func Desc() connect.PluginDesc {
	return connect.PluginDesc{Class: Class, Aliases: []string{MariaDBClass}, Type: connect.TypeSource, Version: Version,
		TaskClass: "io.debezium.connector.mysql.MySqlConnectorTask",
		New:       func() any { return &Connector{} }}
}

// Connector is the MySQL source connector; it always runs one task.
type Connector struct{ props map[string]string }

// Version implements connect.Connector.
func (*Connector) Version() string { return Version }

// ConfigDef implements connect.Connector.
func (*Connector) ConfigDef() *config.Def { return configDef() }

// Validate implements connect.Validator for the checks across keys.
func (*Connector) Validate(props map[string]string) map[string][]string {
	out := map[string][]string{}
	if _, err := parse(props); err != nil {
		var ce *config.Error
		if errors.As(err, &ce) {
			out[ce.Key] = append(out[ce.Key], ce.Message)
		}
	}
	return out
}

// Start implements connect.Connector.
func (c *Connector) Start(_ context.Context, props map[string]string) error {
	if _, err := parse(props); err != nil {
		return fmt.Errorf("mysql connector: %w", err)
	}
	c.props = props
	return nil
}

// TaskConfigs implements connect.Connector: the binlog is one ordered
// stream, so there is exactly one task whatever tasks.max says.
func (c *Connector) TaskConfigs(int) ([]map[string]string, error) {
	tc := make(map[string]string, len(c.props))
	for k, v := range c.props {
		tc[k] = v
	}
	return []map[string]string{tc}, nil
}

// Stop implements connect.Connector.
func (*Connector) Stop() error { return nil }

// NewTask implements connect.SourceConnector.
func (*Connector) NewTask() connect.SourceTask { return &Task{} }

// Task snapshots and then streams the binlog in a goroutine; Poll hands
// over what it produced.
type Task struct {
	st        *settings
	partition map[string]any
	mariaDB   bool
	src, tx   *data.Schema
	// hbKey and hbValue are Debezium's heartbeat schemas.
	hbKey, hbValue *data.Schema
	log            *slog.Logger
	now            func() time.Time

	// tables caches captured tables by "db.table"; only the run goroutine
	// touches it.
	tables map[string]*table
	// docs are the last table documents recorded in the schema history,
	// by table id, captured tables or not: a streamed ALTER keeps the
	// column types of the columns it does not touch from there, as
	// Debezium's parser keeps them.
	docs map[string]*histTable
	// included caches the table filter's verdicts by "db.table".
	included map[string]bool
	// idBuf builds "db.table" lookup keys; recBuf collects a row's
	// records; prefixBox is the boxed topic prefix (streaming hot path).
	idBuf     []byte
	recBuf    []connect.SourceRecord
	prefixBox any
	// rowBuf holds the rows of the rows event being handled when fastRows
	// decoded them.
	rowBuf []*streamRow
	// history is the schema history topic (nil when not configured).
	history *history
	sc      *schemaChangeSchemas
	// txKey, txValue and txColl are the transaction topic's schemas.
	txKey, txValue, txColl *data.Schema

	// inbox carries the Kafka and file channels' signals to the streaming
	// goroutine (nil without those channels).
	inbox *signalInbox
	// progress receives the snapshot's progress when the worker collects it.
	progress connect.SnapshotProgress

	// incrDB reads incremental snapshot chunks and writes their
	// watermarks (nil until needed).
	incrDB *client.Conn
	// incrDrops counts chunk rows left out because the binlog changed
	// them inside their window.
	incrDrops atomic.Int64

	out chan connect.SourceRecord
	// handled is signalled when the binlog reader has handled what it
	// read and records wait in out: a lingering poll takes them then.
	handled chan struct{}
	errMu   sync.Mutex
	err     error
	cancel  context.CancelFunc
	done    chan struct{}
}

// Start implements connect.SourceTask.
func (t *Task) Start(ctx context.Context, tc connect.SourceTaskContext, props map[string]string) error {
	st, err := parse(props)
	if err != nil {
		return fmt.Errorf("mysql task: %w", err)
	}
	t.st = st
	t.prefixBox = st.prefix
	t.partition = map[string]any{"server": st.prefix}
	t.src, t.tx = sourceSchema(), transactionSchema()
	t.hbKey = data.StructBuilder().Name("io.debezium.connector.common.ServerNameKey").Field("serverName", data.StringSchema).MustBuild()
	t.hbValue = data.StructBuilder().Name("io.debezium.connector.common.Heartbeat").Field("ts_ms", data.Int64Schema).MustBuild()
	t.log = tc.Logger().With("plugin", "MySqlConnector", "server", st.prefix)
	if r, ok := tc.(connect.SnapshotProgressReporter); ok {
		t.progress = r.SnapshotProgress()
	}
	t.now = time.Now
	t.tables = map[string]*table{}
	t.docs = map[string]*histTable{}
	t.included = map[string]bool{}
	t.sc = newSchemaChangeSchemas(t.src)
	t.txKey = data.StructBuilder().Name("io.debezium.connector.common.TransactionMetadataKey").Version(1).
		Field("id", data.StringSchema).MustBuild()
	t.txColl = data.StructBuilder().Name("event.collection").Version(1).
		Field("data_collection", data.StringSchema).Field("event_count", data.Int64Schema).MustBuild()
	t.txValue = data.StructBuilder().Name("io.debezium.connector.common.TransactionMetadataValue").Version(1).
		Field("status", data.StringSchema).
		Field("id", data.StringSchema).
		Field("event_count", data.OptionalInt64).
		Field("data_collections", data.ArrayOf(t.txColl).Optional().MustBuild()).
		Field("ts_ms", data.Int64Schema).
		MustBuild()
	if st.historyTopic == "" {
		t.log.Warn("no schema.history.internal.kafka.topic: table structures are read from the server, so events older than a DDL cannot be decoded after a restart")
	}
	off, err := tc.Offsets().Offset(ctx, t.partition)
	if err != nil {
		return fmt.Errorf("mysql task %s: reading stored offset: %w", st.prefix, err)
	}
	start, err := parseOffset(off)
	if err != nil {
		return fmt.Errorf("mysql task %s: %w", st.prefix, err)
	}
	t.out = make(chan connect.SourceRecord, st.maxQueue) // max.queue.size, as Debezium's ChangeEventQueue
	t.done = make(chan struct{})
	t.handled = make(chan struct{}, 1)
	// The task outlives Start's context; Stop cancels it.
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	t.cancel = cancel
	go func() {
		defer close(t.done)
		if err := t.run(runCtx, start); err != nil && runCtx.Err() == nil {
			t.errMu.Lock()
			t.err = err
			t.errMu.Unlock()
		}
	}()
	return nil
}

// position is where streaming (re)starts: Debezium's restart offset.
type position struct {
	file                string
	pos                 uint32
	skipEvents, skipRow int64
	snapshotting        bool   // the stored offset is from an unfinished snapshot
	gtids               string // completed GTID set, "" when unknown
	// txID and txCounts restore transaction metadata when a restart lands
	// inside a transaction.
	txID     string
	txCounts map[string]int64
	// incr is the incremental snapshot that was running (nil: none).
	incr *incrContext
}

// offsetMap is the position in offset form, for history comparisons.
func (p *position) offsetMap() map[string]any {
	m := map[string]any{"file": p.file, "pos": int64(p.pos), "event": p.skipEvents, "row": p.skipRow}
	if p.snapshotting {
		m["snapshot"] = true
	}
	return m
}

func parseOffset(off map[string]any) (*position, error) {
	if off == nil {
		return nil, nil
	}
	file, ok := off["file"].(string)
	if !ok {
		return nil, fmt.Errorf("stored offset %v has no binlog file", off)
	}
	p := &position{file: file}
	if n, ok := offsetInt(off["pos"]); ok {
		p.pos = uint32(n)
	}
	p.skipEvents, _ = offsetInt(off["event"])
	p.skipRow, _ = offsetInt(off["row"])
	p.snapshotting = offsetBool(off["snapshot"])
	p.gtids, _ = off["gtids"].(string)
	p.txID, _ = off["transaction_id"].(string)
	var err error
	if p.incr, err = loadIncrContext(off); err != nil {
		return nil, err
	}
	for k, v := range off {
		if name, ok := strings.CutPrefix(k, "transaction_data_collection_order_"); ok {
			if n, ok := offsetInt(v); ok {
				if p.txCounts == nil {
					p.txCounts = map[string]int64{}
				}
				p.txCounts[name] = n
			}
		}
	}
	return p, nil
}

// pollLinger is how long a poll that waited for its first record waits
// at most for more before returning it; it returns as soon as the binlog
// reader has handled what it read (readsHandled).
const pollLinger = 5 * time.Millisecond

// readsHandled is called by the binlog reader before each read: the
// events read so far are handled, their records queued. A poll lingering
// for the rest of a burst of changes may return.
func (t *Task) readsHandled() {
	if len(t.out) > 0 {
		select {
		case t.handled <- struct{}{}:
		default:
		}
	}
}

// Poll implements connect.SourceTask: up to max.batch.size records,
// waiting at most poll.interval.ms for the first.
func (t *Task) Poll(ctx context.Context) ([]connect.SourceRecord, error) {
	var first connect.SourceRecord
	got := false
	select {
	case first = <-t.out: // queued already: no timer needed
		got = true
	default:
		timer := time.NewTimer(t.st.pollInterval)
		defer timer.Stop()
		select {
		case first = <-t.out:
			got = true
		case <-timer.C:
		case <-ctx.Done():
			return nil, nil
		case <-t.done:
		}
		if got && len(t.out) < t.st.maxBatch {
			// A change after a quiet spell: give the changes written
			// with it up to pollLinger to join its batch (Debezium
			// waits poll.interval.ms, 500 ms by default), or until the
			// binlog reader has handled all it read (the binlog
			// connection coalesces the reads of a live stream).
			// Waiting rather than receiving them one by one spares a
			// wake-up, a poll and a produce request per live
			// transaction.
			timer.Reset(min(pollLinger, t.st.pollInterval))
			select {
			case <-timer.C:
			case <-t.handled:
			case <-ctx.Done():
			case <-t.done:
			}
		}
	}
	var recs []connect.SourceRecord
	if got {
		// Sized once for what is queued (after the linger): growing it
		// by appends cost a copy of every record several times over a
		// full batch.
		recs = make([]connect.SourceRecord, 1, min(1+len(t.out), t.st.maxBatch))
		recs[0] = first
	}
	for len(recs) < t.st.maxBatch {
		select {
		case r := <-t.out:
			recs = append(recs, r)
			continue
		default:
		}
		break
	}
	// What the reader signalled is taken (or will be, by the next poll
	// without lingering): a stale signal would cut the next linger short.
	select {
	case <-t.handled:
	default:
	}
	if len(recs) == 0 {
		select {
		case <-t.done:
			t.errMu.Lock()
			err := t.err
			t.errMu.Unlock()
			if err != nil {
				return nil, fmt.Errorf("mysql task %s: %w", t.st.prefix, err)
			}
		default:
		}
	}
	return recs, nil
}

// Stop implements connect.SourceTask.
func (t *Task) Stop() error {
	if t.cancel != nil {
		t.cancel()
		<-t.done
	}
	return nil
}

// emit hands a record to Poll, or gives up when the task stops.
func (t *Task) emit(ctx context.Context, r connect.SourceRecord) error {
	select {
	case t.out <- r: // room in the queue: no need to watch ctx
		return nil
	default:
	}
	select {
	case t.out <- r:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// run decides between snapshot and streaming as snapshot.mode says.
func (t *Task) run(ctx context.Context, start *position) error {
	conn, err := dial(ctx, t.st)
	if err != nil {
		return err
	}
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	t.mariaDB = strings.Contains(strings.ToLower(conn.GetServerVersion()), "mariadb")
	if t.st.historyTopic != "" {
		if t.history, err = openHistory(ctx, t.st); err != nil {
			return err
		}
		defer t.history.close()
	}
	mode := t.st.snapshotMode
	needSnapshot := false
	switch {
	case start == nil || start.snapshotting:
		needSnapshot = mode != snapNever
	case mode == snapWhenNeeded:
		ok, err := binlogAvailable(conn, start.file)
		if err != nil {
			return err
		}
		needSnapshot = !ok
	}
	if needSnapshot {
		if conn, err = t.delay(ctx, conn, t.st.snapshotDelay, "The connector will wait for %ds before proceeding"); err != nil {
			return err
		}
		if start, err = t.snapshot(ctx, conn, mode != snapNoData); err != nil {
			return err
		}
	} else if start == nil {
		// snapshot.mode=never without offsets: the oldest binlog.
		start = &position{pos: 4}
	} else {
		if start.gtids == "" && start.file != "" {
			ok, err := binlogAvailable(conn, start.file)
			if err != nil {
				return err
			}
			if !ok {
				return purgedError(start.file, start.pos, "", nil)
			}
		}
		if t.history != nil {
			if len(t.history.records) == 0 {
				t.log.Warn("the schema history topic is empty although offsets exist: table structures are read from the server", "topic", t.st.historyTopic)
			} else if err := t.recoverSchemas(start); err != nil {
				return err
			}
		}
	}
	if mode == snapInitialOnly {
		t.log.Info("snapshot.mode=initial_only: not streaming")
		<-ctx.Done()
		return nil
	}
	if needSnapshot {
		if conn, err = t.delay(ctx, conn, t.st.streamingDelay, "The connector will wait for %ds before initiating streaming"); err != nil {
			return err
		}
	}
	defer func() {
		if t.incrDB != nil {
			t.incrDB.Close()
		}
	}()
	meta := conn
	conn = nil // stream owns it now
	sctx, stop := t.startSignals(ctx, roSignalSeek(t.st, start))
	defer stop()
	err = t.stream(sctx, meta, start)
	if c := context.Cause(sctx); ctx.Err() == nil && c != nil {
		return c // the signal channel failed
	}
	return err
}

// delay waits snapshot.delay.ms or streaming.delay.ms (Debezium's
// delaySnapshotIfNeeded and delayStreamingIfNeeded), then hands back a
// connection that did not sit idle through the wait.
func (t *Task) delay(ctx context.Context, conn *client.Conn, d time.Duration, msg string) (*client.Conn, error) {
	if d <= 0 {
		return conn, nil
	}
	t.log.Info(fmt.Sprintf(msg, int64(d/time.Second))) // whole seconds, as Debezium prints them
	conn.Close()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-timer.C:
	}
	return dial(ctx, t.st)
}

// snapshot reads the captured tables consistently and emits them as 'r'
// events, returning the binlog position to stream from. It locks like
// Debezium's minimal locking: a global read lock only while the position
// and the schemas are read inside a consistent-snapshot transaction.
func (t *Task) snapshot(ctx context.Context, conn *client.Conn, withData bool) (*position, error) {
	// snapshot.locking.mode=none skips the global read lock: the position
	// and schemas may then race with concurrent DDL, as in Debezium.
	lock := t.st.lockingMode != "none"
	// Results in UTC and in each column's own charset, as the binlog has
	// them, so both paths convert the same bytes.
	qs := append(append([]string(nil), snapshotSession...), t.lockWaitSession()...)
	if lock {
		qs = append(qs, "FLUSH TABLES WITH READ LOCK")
	}
	qs = append(qs, "START TRANSACTION WITH CONSISTENT SNAPSHOT")
	for _, q := range qs {
		if _, err := conn.Execute(q); err != nil {
			return nil, fmt.Errorf("snapshot: %s: %w", q, err)
		}
	}
	conns := []*client.Conn{conn}
	locked := lock
	unlock := func() error {
		if !locked {
			return nil
		}
		locked = false
		if _, err := conn.Execute("UNLOCK TABLES"); err != nil {
			return fmt.Errorf("snapshot: UNLOCK TABLES: %w", err)
		}
		return nil
	}
	defer func() { _ = unlock() }()
	file, pos, gtids, err := binlogPosition(conn, t.mariaDB)
	if err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	if t.mariaDB {
		// Debezium's MySQL connector finds no executed GTID set on MariaDB
		// (SHOW MASTER STATUS has none): its offsets name file and pos only.
		gtids = ""
	}
	ids, err := capturedTables(conn, t.st.filter)
	if err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	var tables []*table
	for _, id := range ids {
		tb, err := t.loadTable(conn, id[0], id[1])
		if err != nil {
			return nil, fmt.Errorf("snapshot: %w", err)
		}
		if tb != nil {
			tables = append(tables, tb)
			t.tables[tableID(tb.db, tb.name)] = tb
		}
	}
	var dataTables []*table
	if withData {
		dataTables = t.snapshotDataTables(tables)
		// The other threads' transactions start while the global read
		// lock still holds writes back, so they read the same state as
		// this one, at the position read above.
		extra, err := t.snapshotConns(ctx, min(t.st.snapshotThreads, len(dataTables))-1)
		defer func() {
			for _, c := range extra {
				c.Close()
			}
		}()
		if err != nil {
			return nil, err
		}
		conns = append(conns, extra...)
	}
	if t.st.lockingMode != "extended" {
		// minimal: the consistent-snapshot transaction keeps the view.
		if err := unlock(); err != nil {
			return nil, err
		}
	}
	if err := t.snapshotSchemas(ctx, conn, tables, file, pos, gtids); err != nil {
		return nil, err
	}
	t.log.Info("snapshot started", "file", file, "pos", pos, "gtids", gtids, "tables", len(tables), "data", withData)
	var prog *snapshotProgress
	if withData {
		prog = t.newSnapshotProgress(conn, dataTables)
		if err := t.snapshotData(ctx, conns, dataTables, file, pos, gtids, prog); err != nil {
			prog.finish(true)
			_, _ = conn.Execute("ROLLBACK")
			return nil, err
		}
	}
	if _, err := conn.Execute("COMMIT"); err != nil {
		prog.finish(true)
		return nil, fmt.Errorf("snapshot: COMMIT: %w", err)
	}
	if err := unlock(); err != nil {
		prog.finish(true)
		return nil, err
	}
	prog.finish(false)
	t.log.Info("snapshot completed", "file", file, "pos", pos)
	return &position{file: file, pos: pos, gtids: gtids}, nil
}

// sourceStruct builds the source block; tsNanos is the change time.
func (t *Task) sourceStruct(db, tableName string, tsNanos int64, serverID uint32, file string, pos int64, row int32, thread *int64) *data.Struct {
	s := data.NewStruct(t.src)
	s.PutIndex(0, Version)
	s.PutIndex(1, "mysql")
	s.PutIndex(2, t.st.prefix)
	s.PutIndex(3, tsNanos/int64(time.Millisecond))
	s.PutIndex(5, db)
	s.PutIndex(7, tsNanos/int64(time.Microsecond))
	s.PutIndex(8, tsNanos)
	if tableName != "" {
		s.PutIndex(9, tableName)
	}
	s.PutIndex(10, int64(serverID))
	s.PutIndex(12, file)
	s.PutIndex(13, pos)
	s.PutIndex(14, row)
	if thread != nil {
		s.PutIndex(15, *thread)
	}
	return s
}

// record wraps an envelope into a source record; offsets come later. key
// is nil for tables without a key.
func (t *Task) record(tb *table, op string, before, after, key, src *data.Struct, off map[string]any, now time.Time) connect.SourceRecord {
	return t.recordIn(data.NewStruct(tb.envSchema), tb, op, before, after, key, src, off, now)
}

// recordIn is record with the envelope struct given (empty, of
// tb.envSchema), for callers that allocate it with the images.
func (t *Task) recordIn(env *data.Struct, tb *table, op string, before, after, key, src *data.Struct, off map[string]any, now time.Time) connect.SourceRecord {
	return t.recordInMs(env, tb, op, before, after, key, src, off, now, nil)
}

// opValue is op boxed without an allocation: a constant converted to an
// interface is static data, a string variable is copied to the heap.
func opValue(op string) any {
	switch op {
	case "r":
		return "r"
	case "c":
		return "c"
	case "u":
		return "u"
	case "d":
		return "d"
	case "t":
		return "t"
	}
	return op
}

// recordInMs is recordIn with ts_ms boxed by ms when not nil (records of
// one millisecond share the box).
func (t *Task) recordInMs(env *data.Struct, tb *table, op string, before, after, key, src *data.Struct, off map[string]any, now time.Time, ms *intBox) connect.SourceRecord {
	if before != nil {
		env.PutIndex(0, before)
	}
	if after != nil {
		env.PutIndex(1, after)
	}
	env.PutIndex(2, src)
	env.PutIndex(4, opValue(op))
	ns := now.UnixNano()
	if ms != nil {
		env.PutIndex(5, ms.get(ns/int64(time.Millisecond)))
	} else {
		env.PutIndex(5, ns/int64(time.Millisecond))
	}
	env.PutIndex(6, ns/int64(time.Microsecond))
	env.PutIndex(7, ns)
	var k any
	if key != nil {
		k = key
	}
	return connect.NewSourceRecord(t.partition, off, tb.topic, tb.keySchema, k, tb.envSchema, env)
}
