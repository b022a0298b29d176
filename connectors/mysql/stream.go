package mysql

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-mysql-org/go-mysql/client"
	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/data"
)

// streamState is Debezium's MySqlOffsetContext: where a restart resumes
// (restartPos, the start of the current transaction, or the end of the
// last one) and how many events and rows after it were already emitted.
type streamState struct {
	file        string
	restartPos  uint32
	inTx        bool
	eventsInTx  int64
	thread      *int64
	skipPending bool // a restart position with events/rows to skip is still ahead
	skipEvents  int64
	skipRow     int64
	skipping    bool
	// emittedEvents and emittedRow are the event and row of the last
	// emitted offset in the current transaction, where a reconnect resumes.
	emittedEvents, emittedRow int64
	// tsSec and serverID are of the last event that had them.
	tsSec         int64
	serverID      uint32
	lastHeartbeat time.Time
	gtids         *gtidState
	gtidBuf       []byte // builds MariaDB GTIDs (domain-server-sequence)
	tx            txState
	bx            boxes
	// flat: offsets as Debezium's MySQL connector writes them on MariaDB,
	// where it sees no transaction (MariaDB has no BEGIN event): pos is the
	// end of the last event, row the rows of it emitted when some are
	// left, no event or gtids. source.gtid stays null too.
	flat bool
	// partRow is how many rows of the event ending at restartPos were
	// emitted while others are left (flat offsets' row).
	partRow int64
	// seekTo, seekRow: a flat restart with rows done in the event ending at
	// seekTo reads the file from its start up to that event (only its end
	// is stored) and emits the rows after seekRow.
	seekTo  uint32
	seekRow int64
	// byGTID: resume the dump by GTID set (an old offset with gtids).
	byGTID bool

	// incr is the incremental snapshot context (nil until one runs);
	// incrEv the signalling-table event being handled.
	incr   *incrContext
	incrEv *incrEvent

	// lastRow is the row number of the last row emitted, which Debezium's
	// source info keeps (also for the DDL after it) until the next file.
	lastRow int32
	// blocking are the blocking snapshots waiting for the stream to reach
	// their read view's position (blocking.go).
	blocking []*blockingSnapshot
	// rows is the rows event being handled while its rows are not
	// decoded yet (fastrows.go): handleRows decodes them.
	rows pendingRows
}

// txState is Debezium's TransactionContext: the transaction's id and
// event counts, for provide.transaction.metadata.
type txState struct {
	id      string // "" until the first captured event of the transaction
	total   int64
	counts  map[string]int64
	order   []string // tables in order of their first event
	restore *position
}

// offset is the source offset after rowsDone of nrows rows of the
// current event.
func (s *streamState) offset(h *replication.EventHeader, rowsDone, nrows int64) map[string]any {
	off := make(map[string]any, 7)
	off["file"] = s.bx.file.get(s.file)
	off["pos"] = s.bx.restartPos.get(int64(s.restartPos))
	off["ts_sec"] = s.bx.tsSec.get(int64(h.Timestamp))
	if h.ServerID != 0 {
		off["server_id"] = s.bx.serverID.get(int64(h.ServerID))
	}
	if s.flat {
		// Debezium stores row = nrows at the last row too, and its restart
		// then skips that many rows of the next event; no row there resumes
		// both workers at the next event without a gap.
		if rowsDone != 0 && rowsDone < nrows {
			off["row"] = int32(rowsDone)
		}
		if s.incr != nil {
			s.incr.store(off)
		}
		return off
	}
	if s.eventsInTx != 0 {
		off["event"] = s.bx.event.get(s.eventsInTx)
	}
	if rowsDone != 0 {
		off["row"] = int32(rowsDone)
	}
	if g := s.gtids.offsetValue(); g != "" {
		off["gtids"] = s.bx.offGtids.get(g)
	}
	if s.incr != nil {
		s.incr.store(off)
	}
	return off
}

const maxBackoff = 30 * time.Second

// stream reads the binlog from start, reconnecting with backoff from the
// last restart offset when the connection breaks.
func (t *Task) stream(ctx context.Context, meta *client.Conn, start *position) error {
	s := &streamState{file: start.file, restartPos: start.pos, skipEvents: start.skipEvents, skipRow: start.skipRow}
	s.flat, s.byGTID = t.mariaDB, !t.mariaDB || start.gtids != ""
	switch {
	case s.flat && start.gtids == "" && s.skipEvents == 0 && s.skipRow > 0:
		// A flat offset (Debezium's on MariaDB): skipRow rows of the event
		// ending at pos are done. Taken as rows to skip after pos it would
		// drop rows of the next event, as Debezium's own restart does.
		s.seekTo, s.seekRow, s.skipRow = start.pos, s.skipRow, 0
	case s.skipEvents == 0:
		// Rows are only skipped inside the events an offset says were
		// emitted.
		s.skipRow = 0
	}
	s.skipPending = s.skipEvents > 0 || s.skipRow > 0
	var err error
	s.incr = start.incr
	if t.st.readOnly {
		s.incr = roContext(s.incr)
	}
	if s.gtids, err = newGtidState(t.mariaDB, start.gtids); err != nil {
		return err
	}
	if s.skipPending && start.txID != "" {
		s.tx.restore = start // a restart inside a transaction continues its counts
	} else if s.flat && start.txID != "" && start.gtids == "" {
		// A flat offset inside a transaction (provide.transaction.metadata):
		// the dump resumes inside it, with its id and counts.
		s.inTx, s.gtids.current, s.tx.restore = true, start.txID, start
	}
	// stream owns meta from here on.
	defer func() {
		if meta != nil {
			meta.Close()
		}
		for _, b := range s.blocking {
			b.close()
		}
	}()
	backoff := time.Second
	for {
		began := time.Now()
		err := t.streamOnce(ctx, meta, s)
		if ctx.Err() != nil {
			return nil
		}
		var fatal fatalError
		if errors.As(err, &fatal) {
			return fatal.error
		}
		if time.Since(began) > time.Minute {
			backoff = time.Second // it was healthy for a while
		}
		t.log.Warn("binlog stream broken, reconnecting", "error", err, "file", s.file, "pos", s.restartPos, "backoff", backoff)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxBackoff)
		if s.flat && !s.skipPending && !s.skipping {
			// Flat offsets: the dump resumes right after the last event read
			// (or inside its rows), so the transaction state stays.
			if s.seekTo == 0 && s.partRow > 0 {
				s.seekTo, s.seekRow = s.restartPos, s.partRow
			}
			s.byGTID = false
		} else {
			// Resume exactly where a restart would: the transaction start,
			// skipping what was already emitted.
			if !s.skipPending && !s.skipping {
				s.skipEvents, s.skipRow = s.emittedEvents, s.emittedRow
			}
			s.skipPending = s.skipEvents > 0 || s.skipRow > 0
			s.inTx, s.eventsInTx, s.skipping = false, 0, false
			if s.tx.id != "" && s.skipPending {
				s.tx.restore = &position{txID: s.tx.id, txCounts: s.tx.counts}
			}
			s.tx = txState{restore: s.tx.restore}
		}
		if meta != nil {
			meta.Close()
			meta = nil
		}
		if m, err := dial(ctx, t.st); err == nil {
			meta = m
		}
	}
}

// fatalError stops the task instead of reconnecting.
type fatalError struct{ error }

func (t *Task) streamOnce(ctx context.Context, meta *client.Conn, s *streamState) error {
	if meta == nil {
		m, err := dial(ctx, t.st)
		if err != nil {
			return err
		}
		meta = m
		defer m.Close()
	}
	flavor := gomysql.MySQLFlavor
	if t.mariaDB {
		flavor = gomysql.MariaDBFlavor
	}
	hctx, cancelHandler := context.WithCancel(ctx)
	h := &eventHandler{t: t, ctx: hctx, meta: meta, s: s}
	syncer := replication.NewBinlogSyncer(replication.BinlogSyncerConfig{
		ServerID: t.st.serverID, Flavor: flavor,
		Host: t.st.host, Port: uint16(t.st.port), User: t.st.user, Password: t.st.password,
		TLSConfig: t.st.tls.forConn(),
		// Temporal and decimal values arrive as text, TIMESTAMP in UTC;
		// schema.go converts them like snapshot values.
		TimestampStringLocation: time.UTC,
		// DATETIME and TIMESTAMP from 1970 on arrive as time.Time instead
		// (column.convertTime): go-mysql's fmt.Sprintf text and the parse
		// back were ~10% of the live CPU per row.
		ParseTime:       true,
		HeartbeatPeriod: 30 * time.Second,
		// A dead connection is noticed after 90 s without data (heartbeats
		// come every 30 s) by the dialer's conn rather than go-mysql's
		// ReadTimeout, which moves the deadline twice per packet.
		Dialer: idleDialer(90*time.Second, t.readsHandled),
		// Reconnecting is done here, from Debezium's restart offset.
		DisableRetrySync: true,
		// No event goes through go-mysql's channel (the handler below
		// takes them), so it holds no decoded events ahead either.
		EventCacheCount: 1,
		// go-mysql logs every (re)connect at INFO; only its warnings matter
		// next to ours.
		Logger: slog.New(minLevel{h: t.log.Handler(), min: slog.LevelWarn}),
		// Offsets track GTIDs themselves (gtid.go); go-mysql would clone
		// its GTID set into every XID and query event.
		DiscardGTIDSet: true,
		// Of a table map's optional metadata only the column names are
		// used (tableFor); decoded by go-mysql, the signedness bitmap made
		// every row image build a map of the unsigned columns (schema.go
		// reads unsigned values from signed ones as without that metadata).
		TableMapOptionalMetaDecodeFunc: h.optionalMeta,
		// Rows are decoded by handleRows, mostly straight into Connect
		// values (fastrows.go).
		RowsEventDecodeFunc: h.decodeRows,
		// Events are handled on go-mysql's reader goroutine as they are
		// parsed, not handed to this one through a channel: a hand-off and
		// a goroutine wake-up fewer per event (five per live transaction).
		SynchronousEventHandler: h,
	})
	// On return, in this order: the handler's context ends (a handler
	// blocked handing a record to Poll returns), the handler is told to
	// leave s alone from now on, and Close waits for the reader.
	defer syncer.Close()
	locked := false
	defer func() {
		if !locked {
			h.mu.Lock()
		}
		if h.err == nil {
			h.err = errStreamStopped
		}
		h.mu.Unlock()
	}()
	defer cancelHandler()
	// The handler starts with the dump; it waits for what follows here
	// (an incremental snapshot's chunk) to be done with s.
	h.mu.Lock()
	locked = true
	gset, err := s.gtids.startSet()
	if err != nil {
		return fatalError{fmt.Errorf("stored gtids: %w", err)}
	}
	var streamer *replication.BinlogStreamer
	switch {
	case s.seekTo != 0:
		t.log.Info("reading the binlog file from its start to the stored offset's event", "file", s.file, "pos", s.seekTo, "row", s.seekRow)
		streamer, err = syncer.StartSync(gomysql.Position{Name: s.file, Pos: 4})
	case gset != nil && s.byGTID:
		// Resume by GTID, as Debezium does when the offset has them.
		streamer, err = syncer.StartSyncGTID(gset)
	default:
		streamer, err = syncer.StartSync(gomysql.Position{Name: s.file, Pos: s.restartPos})
	}
	if err != nil {
		if isPurged(err) {
			return purgedError(s.file, s.restartPos, s.gtids.offsetValue(), err)
		}
		return fmt.Errorf("starting binlog stream at %s:%d: %w", s.file, s.restartPos, err)
	}
	if s.incr.running() {
		// A restart or reconnect mid incremental snapshot reads the next
		// chunk from the last key emitted (Debezium's init): a chunk read
		// but not emitted is read again, however the snapshot started (a
		// stored offset or a signal). Its watermarks, if the dump replays
		// them, no longer match the chunk's id.
		s.incr.revert()
		t.log.Info("Incremental snapshot in progress, need to read new chunk on start")
		if err := t.readChunk(ctx, s); err != nil {
			return err
		}
	}
	t.log.Info("streaming binlog", "file", s.file, "pos", s.restartPos, "gtids", s.gtids.offsetValue(), "event", s.skipEvents, "row", s.skipRow)
	h.mu.Unlock()
	locked = false
	rctx, stop := t.inbox.arm(ctx)
	defer func() { stop() }()
	for {
		// No event arrives here (the handler has them): GetEvent returns
		// when the stream fails, a Kafka or file signal wakes it, or (read.only)
		// after roIdle.
		err := t.waitStream(rctx, streamer)
		if errors.Is(err, errIdle) {
			// A read-only window waiting is checked while the binlog is
			// idle too, not only after events (the server's heartbeats
			// come every 30 s).
			h.mu.Lock()
			if s.incr.roWaiting() {
				err = t.roAfterEvent(ctx, s, roIdleHeader(s), s.restartPos)
			} else {
				err = nil
			}
			h.mu.Unlock()
			if err != nil {
				return err
			}
			continue
		}
		if err != nil && ctx.Err() == nil && rctx.Err() != nil {
			// A Kafka or file signal woke the wait: the streamer stays usable.
			stop()
			rctx, stop = t.inbox.arm(ctx)
			h.mu.Lock()
			err := t.inboxSignals(ctx, s)
			h.mu.Unlock()
			if err != nil {
				return err
			}
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// The reader has stopped: s is this goroutine's again.
		h.mu.Lock()
		locked = true
		if h.err != nil {
			return h.err
		}
		if err == nil {
			return errors.New("reading binlog: the stream ended")
		}
		if isPurged(err) {
			return purgedError(s.file, s.restartPos, s.gtids.offsetValue(), err)
		}
		if s.flat && s.seekTo == 0 && strings.Contains(err.Error(), "no corresponding table map event") {
			// A flat offset (MariaDB) may end between two rows events
			// of one transaction, after its table map: the next
			// connection reads the file from its start to the offset,
			// so the parser knows the transaction's tables.
			s.seekTo, s.seekRow = s.restartPos, 0
		}
		return fmt.Errorf("reading binlog: %w", err)
	}
}

// errIdle: waitStream's wait ended without news.
var errIdle = errors.New("binlog idle")

// waitStream waits for the stream to end or rctx to; for a read-only
// connector at most roIdle (errIdle), so a read-only incremental
// snapshot's window can be checked while no event comes.
func (t *Task) waitStream(rctx context.Context, st *replication.BinlogStreamer) error {
	if !t.st.readOnly {
		_, err := st.GetEvent(rctx)
		return err
	}
	ictx, cancel := context.WithTimeout(rctx, roIdle)
	defer cancel()
	_, err := st.GetEvent(ictx)
	if err != nil && rctx.Err() == nil && errors.Is(ictx.Err(), context.DeadlineExceeded) {
		return errIdle
	}
	return err
}

// eventHandler handles the binlog events on go-mysql's reader goroutine
// (BinlogSyncerConfig.SynchronousEventHandler). mu hands the stream state
// between it and the streaming goroutine, which dispatches Kafka and file signals.
type eventHandler struct {
	t    *Task
	ctx  context.Context
	meta *client.Conn
	s    *streamState
	mu   sync.Mutex
	err  error // the first error of the handler, which ends the stream
	// names are the column names of the table map decoded last, decoded
	// how many table maps were decoded since the last event handled:
	// both are the reader goroutine's.
	names   [][]byte
	decoded int
	// lastMeta is the optional metadata decoded last, lastNames its
	// names.
	lastMeta  []byte
	lastNames [][]byte
	// pending is the rows event parsed last, its rows not decoded yet
	// (decodeRows); the reader goroutine's too.
	pending pendingRows
}

// decodeRows is the parser's RowsEventDecodeFunc: it decodes the event's
// header (the table map it refers to) and leaves the rows to HandleEvent.
// A rows event left pending before (one of several in a transaction
// payload event) is decoded by go-mysql first.
func (h *eventHandler) decodeRows(e *replication.RowsEvent, data []byte) error {
	if err := h.flushRows(); err != nil {
		return err
	}
	pos, err := e.DecodeHeader(data)
	if err != nil {
		return err
	}
	h.pending = pendingRows{e: e, data: data, pos: pos}
	return nil
}

// flushRows has go-mysql decode the rows of the pending rows event.
func (h *eventHandler) flushRows() error {
	p := h.pending
	h.pending = pendingRows{}
	if p.e == nil {
		return nil
	}
	if err := p.decode(); err != nil {
		return fmt.Errorf("decoding rows event: %w", err)
	}
	return nil
}

// optionalMeta decodes the column names from a table map event's
// optional metadata (type, packed length, value fields; names are
// length-prefixed), what go-mysql's own decoder would store in ColumnName.
func (h *eventHandler) optionalMeta(b []byte) error {
	h.decoded++
	if len(h.lastMeta) > 0 && len(b) > 0 && &b[0] != &h.lastMeta[0] && bytes.Equal(b, h.lastMeta) {
		// The table map of the last transaction's table again: its names
		// (read only, in event bytes never reused) serve this one too.
		h.names = h.lastNames
		return nil
	}
	h.names, h.lastMeta, h.lastNames = nil, nil, nil
	meta := b
	for len(b) > 0 {
		typ := b[0]
		l, _, n := gomysql.LengthEncodedInt(b[1:])
		if n == 0 || uint64(len(b)-1-n) < l {
			return fmt.Errorf("table map optional metadata field %d: %d bytes, only %d left", typ, l, len(b)-1-n)
		}
		v := b[1+n : 1+n+int(l)]
		b = b[1+n+int(l):]
		if typ != replication.TABLE_MAP_OPT_META_COLUMN_NAME {
			continue
		}
		names := make([][]byte, 0, 8)
		for len(v) > 0 {
			k := int(v[0])
			if len(v)-1 < k {
				return fmt.Errorf("table map column names: a name of %d bytes, only %d left", k, len(v)-1)
			}
			names = append(names, v[1:1+k])
			v = v[1+k:]
		}
		h.names = names
	}
	h.lastMeta, h.lastNames = meta, h.names
	return nil
}

// errStreamStopped ends the reader of a stream this task has left.
var errStreamStopped = errors.New("binlog stream stopped")

func (h *eventHandler) HandleEvent(ev *replication.BinlogEvent) (err error) {
	if tm, ok := ev.Event.(*replication.TableMapEvent); ok && tm.ColumnName == nil && h.decoded == 1 {
		// The names optionalMeta decoded are this event's (one table map
		// decoded since the last event).
		tm.ColumnName = h.names
	}
	h.names, h.decoded = nil, 0
	var rows pendingRows
	if re, ok := ev.Event.(*replication.RowsEvent); ok && re == h.pending.e && fastEventType(ev.Header.EventType) {
		rows, h.pending = h.pending, pendingRows{}
	} else if err := h.flushRows(); err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.err != nil {
		return h.err
	}
	// handleRows decodes the rows it needs; when another event handler
	// left them (seek, a rows event of another type), they are decoded
	// here as go-mysql would have (its errors end the stream).
	h.s.rows = rows
	defer func() {
		if p := h.s.rows; p.e != nil {
			h.s.rows = pendingRows{}
			if err == nil {
				if derr := p.decode(); derr != nil {
					err = fmt.Errorf("decoding rows event: %w", derr)
					h.err = err
				}
			}
		}
	}()
	defer func() {
		// go-mysql would turn a panic into a broken stream, reconnected
		// forever; the task fails with it instead.
		if r := recover(); r != nil {
			err = fatalError{fmt.Errorf("handling binlog event %v at %s:%d: panic: %v\n%s", ev.Header.EventType, h.s.file, ev.Header.LogPos, r, debug.Stack())}
			h.err = err
		}
	}()
	err = h.t.handleEvent(h.ctx, h.meta, h.s, ev)
	if err == nil && len(h.s.blocking) > 0 {
		err = h.t.runBlocking(h.ctx, h.s)
	}
	if err != nil {
		h.err = err
	}
	return err
}

func (t *Task) handleEvent(ctx context.Context, meta *client.Conn, s *streamState, ev *replication.BinlogEvent) error {
	h := ev.Header
	start := uint32(0)
	if h.LogPos >= h.EventSize {
		start = h.LogPos - h.EventSize
	}
	if s.seekTo != 0 {
		return t.seek(ctx, meta, s, ev, start)
	}
	if s.incr.roWaiting() {
		if err := t.roBeforeEvent(ctx, s, ev, start); err != nil {
			return err
		}
	}
	// Outside a transaction every event moves the restart position past
	// itself, as Debezium's setEventPosition does.
	if _, fde := ev.Event.(*replication.FormatDescriptionEvent); (!s.inTx || s.flat) && h.LogPos > 0 && !fde {
		s.restartPos = h.LogPos
	}
	// Every event of a transaction counts, its BEGIN included (Debezium's
	// completeEvent), so "event" in offsets matches Debezium's.
	counted := true
	switch e := ev.Event.(type) {
	case *replication.RotateEvent:
		s.file = string(e.NextLogName)
		s.lastRow = 0
		if !s.inTx || s.flat {
			s.restartPos = uint32(e.Position)
		}
		counted = false
	case *replication.FormatDescriptionEvent, *replication.HeartbeatEvent:
		counted = false
	case *replication.MariadbGTIDEvent:
		// The header's server id is the originating server (the event body
		// has it only in newer formats), as Debezium builds it.
		g := strconv.AppendUint(s.gtidBuf[:0], uint64(e.GTID.DomainID), 10)
		g = strconv.AppendUint(append(g, '-'), uint64(h.ServerID), 10)
		g = strconv.AppendUint(append(g, '-'), e.GTID.SequenceNumber, 10)
		s.gtidBuf = g
		if s.gtids.mariaDB {
			s.gtids.beginMaria(string(g), uint64(e.GTID.DomainID), uint64(h.ServerID), e.GTID.SequenceNumber)
		} else {
			s.gtids.begin(string(g))
		}
		if e.Flags&replication.BINLOG_MARIADB_FL_STANDALONE == 0 {
			t.beginTx(s, start, nil)
		}
	case *replication.GTIDEvent:
		if next, err := e.GTIDNext(); err == nil {
			s.gtids.begin(next.String())
		}
	case *replication.QueryEvent:
		q := strings.TrimSpace(string(e.Query))
		switch {
		case strings.EqualFold(q, "BEGIN"):
			if !s.inTx {
				th := int64(e.SlaveProxyID)
				t.beginTx(s, start, &th)
			} else if s.thread == nil {
				th := int64(e.SlaveProxyID)
				s.thread = &th
			}
		case strings.EqualFold(q, "COMMIT"):
			if err := t.endTx(ctx, s, h); err != nil {
				return err
			}
			s.commit(h.LogPos)
			counted = false
		default:
			if !s.inTx {
				// Outside a transaction a statement completes its GTID.
				s.gtids.commit()
			}
			if err := t.handleDDL(ctx, meta, s, h, start, e); err != nil {
				return err
			}
			if s.incr != nil {
				if err := t.incrAfterDDL(ctx, s); err != nil {
					return err
				}
			}
		}
	case *replication.XIDEvent:
		if err := t.endTx(ctx, s, h); err != nil {
			return err
		}
		s.commit(h.LogPos)
		counted = false
	case *replication.TableMapEvent:
		if err := t.tableFor(meta, e.Schema, e.Table, int(e.ColumnCount), e.ColumnName); err != nil {
			return err
		}
	case *replication.RowsEvent:
		if err := t.handleRows(ctx, s, h, start, e); err != nil {
			return err
		}
	}
	if counted && s.inTx {
		s.eventsInTx++
	}
	if h.Timestamp != 0 {
		s.tsSec, s.serverID = int64(h.Timestamp), h.ServerID
	}
	if s.incr.roWaiting() {
		if err := t.roAfterEvent(ctx, s, h, start); err != nil {
			return err
		}
	}
	return t.maybeHeartbeat(ctx, s)
}

// seek skips the events before the one ending at s.seekTo, then emits
// that rows event's rows after s.seekRow and resumes normal reading.
func (t *Task) seek(ctx context.Context, meta *client.Conn, s *streamState, ev *replication.BinlogEvent, start uint32) error {
	h := ev.Header
	switch e := ev.Event.(type) {
	case *replication.RotateEvent:
		if h.LogPos == 0 && string(e.NextLogName) == s.file {
			return nil // the dump's first, artificial rotate
		}
		return fatalError{fmt.Errorf("stored offset %s:%d row %d: the file ends before an event ends there", s.file, s.seekTo, s.seekRow)}
	case *replication.FormatDescriptionEvent, *replication.HeartbeatEvent:
		return nil
	}
	if h.LogPos < s.seekTo {
		return nil
	}
	if h.LogPos > s.seekTo {
		return fatalError{fmt.Errorf("stored offset %s:%d row %d: no event ends at that position", s.file, s.seekTo, s.seekRow)}
	}
	s.seekTo, s.restartPos = 0, h.LogPos
	if h.Timestamp != 0 {
		s.tsSec, s.serverID = int64(h.Timestamp), h.ServerID
	}
	e, ok := ev.Event.(*replication.RowsEvent)
	if !ok || e.Table == nil {
		return nil
	}
	if err := t.tableFor(meta, e.Table.Schema, e.Table.Table, int(e.Table.ColumnCount), e.Table.ColumnName); err != nil {
		return err
	}
	if s.seekRow == 0 {
		return nil // the event ending at the offset was emitted whole
	}
	s.skipping, s.skipEvents, s.skipRow = true, s.eventsInTx, s.seekRow
	return t.handleRows(ctx, s, h, start, e)
}

// maybeHeartbeat emits a heartbeat record (heartbeat.interval.ms) between
// transactions, so the stored offset follows the binlog even when no
// captured table changes (Debezium's Heartbeat).
func (t *Task) maybeHeartbeat(ctx context.Context, s *streamState) error {
	// Not while a restart's skipping is pending: the offset would lose it.
	if t.st.heartbeat <= 0 || s.inTx || s.skipPending || s.skipping || s.file == "" || t.now().Sub(s.lastHeartbeat) < t.st.heartbeat {
		return nil
	}
	s.lastHeartbeat = t.now()
	off := map[string]any{"file": s.file, "pos": int64(s.restartPos)}
	if g := s.gtids.offsetValue(); g != "" && !s.flat {
		off["gtids"] = g
	}
	if s.tsSec != 0 {
		off["ts_sec"] = s.tsSec
	}
	if s.serverID != 0 {
		off["server_id"] = int64(s.serverID)
	}
	s.incr.store(off)
	key := data.NewStruct(t.hbKey)
	key.PutIndex(0, t.st.prefix)
	val := data.NewStruct(t.hbValue)
	val.PutIndex(0, s.lastHeartbeat.UnixMilli())
	return t.emit(ctx, connect.NewSourceRecord(t.partition, off, t.st.heartbeatTopic, t.hbKey, key, t.hbValue, val))
}

func (t *Task) beginTx(s *streamState, start uint32, thread *int64) {
	if !s.flat {
		s.restartPos = start
	}
	s.inTx, s.eventsInTx, s.thread = true, 0, thread
	s.emittedEvents, s.emittedRow = 0, 0
	if s.skipPending {
		s.skipPending, s.skipping = false, true
	}
}

func (s *streamState) commit(end uint32) {
	s.inTx, s.restartPos, s.eventsInTx, s.thread, s.skipping = false, end, 0, nil, false
	s.emittedEvents, s.emittedRow = 0, 0
	s.gtids.commit()
	s.tx = txState{}
}

// tableFor makes sure a captured table's schema is cached and matches the
// binlog's table map (column count, and names when binlog_row_metadata=FULL
// supplies them), re-reading information_schema when it does not. Without
// schema history a mismatch that persists is fatal: decoding old events
// with a newer structure would produce wrong records.
func (t *Task) tableFor(meta *client.Conn, dbB, nameB []byte, ncols int, names [][]byte) error {
	// A table map precedes every rows event: the regex filter's answer is
	// cached per table, and the lookups index by the bytes (no string is
	// built for a cached table).
	t.idBuf = append(append(append(t.idBuf[:0], dbB...), '.'), nameB...)
	inc, ok := t.included[string(t.idBuf)]
	if !ok {
		inc = t.st.filter.includeTable(string(dbB), string(nameB))
		t.included[string(t.idBuf)] = inc
	}
	if !inc {
		return nil
	}
	matches := func(tb *table) bool {
		if len(tb.cols) != ncols {
			return false
		}
		if len(names) == ncols {
			for i, c := range tb.cols {
				if !eqFoldBytes(c.name, names[i]) {
					return false
				}
			}
		}
		return true
	}
	if tb := t.tables[string(t.idBuf)]; tb != nil && matches(tb) {
		return nil
	}
	db, name := string(dbB), string(nameB)
	tb, err := t.loadTable(meta, db, name)
	if err != nil {
		return err
	}
	if tb == nil {
		return fatalError{fmt.Errorf("table %s.%s is in the binlog but no longer exists and its structure is not in the schema history (is schema.history.internal.kafka.topic set?)", db, name)}
	}
	if !matches(tb) {
		strs := make([]string, len(names))
		for i, n := range names {
			strs[i] = string(n)
		}
		return fatalError{fmt.Errorf("table %s.%s has columns %v in the binlog but a different structure now, and the schema history does not have the one in force then (is schema.history.internal.kafka.topic set?)", db, name, strs)}
	}
	t.tables[tableID(db, name)] = tb
	return nil
}

func (t *Task) handleRows(ctx context.Context, s *streamState, h *replication.EventHeader, start uint32, e *replication.RowsEvent) error {
	var op string
	switch h.EventType {
	case replication.WRITE_ROWS_EVENTv0, replication.WRITE_ROWS_EVENTv1, replication.WRITE_ROWS_EVENTv2, replication.MARIADB_WRITE_ROWS_COMPRESSED_EVENT_V1:
		op = "c"
	case replication.UPDATE_ROWS_EVENTv0, replication.UPDATE_ROWS_EVENTv1, replication.UPDATE_ROWS_EVENTv2, replication.MARIADB_UPDATE_ROWS_COMPRESSED_EVENT_V1, replication.PARTIAL_UPDATE_ROWS_EVENT:
		op = "u"
	case replication.DELETE_ROWS_EVENTv0, replication.DELETE_ROWS_EVENTv1, replication.DELETE_ROWS_EVENTv2, replication.MARIADB_DELETE_ROWS_COMPRESSED_EVENT_V1:
		op = "d"
	default:
		return nil
	}
	// The rows are decoded below only when a record needs them: those of
	// a table not captured, skipped or emitted before a restart are not
	// read at all (decoding them was ~8% of the CPU while other tables
	// were written as fast as the captured one).
	p := s.rows
	if p.e == e {
		s.rows = pendingRows{}
	}
	skip := t.st.skipped[op]
	firstRow := int64(0)
	if s.skipping {
		if s.eventsInTx < s.skipEvents {
			return nil // emitted before the restart
		}
		firstRow, s.skipping = s.skipRow, false
	}
	if e.Table == nil {
		return nil
	}
	t.idBuf = append(append(append(t.idBuf[:0], e.Table.Schema...), '.'), e.Table.Table...)
	tb := t.tables[string(t.idBuf)]
	if tb == nil || skip {
		return nil // not captured, or skipped.operations
	}
	sigTable := t.st.signalChannels["source"] && t.isSignalTable(tb.db, tb.name)
	step := 1
	if op == "u" {
		step = 2
	}
	fast := false
	if p.e == e {
		if t.rowBuf, fast = tb.fastRows(t.rowBuf[:0], t.src, op, e.Table, e, p.data[p.pos:]); !fast {
			clear(t.rowBuf)
			if err := p.decode(); err != nil {
				return fmt.Errorf("decoding rows event: %w", err)
			}
		}
	}
	defer func() {
		clear(t.rowBuf) // the buffer is reused: drop the references
		t.rowBuf = t.rowBuf[:0]
	}()
	nrows := int64(len(e.Rows) / step)
	if fast {
		nrows = int64(len(t.rowBuf))
	}
	for i := firstRow; i < nrows; i++ {
		var blk *streamRow
		var err error
		if fast {
			blk = t.rowBuf[i]
		} else {
			blk, err = tb.rowChange(t.src, op, e.Rows, i)
		}
		before, after, oldKey, newKey := blk.images()
		if err != nil {
			return fatalError{fmt.Errorf("binlog %s:%d: %w", s.file, start, err)}
		}
		if sigTable && (op == "c" || (op == "d" && t.st.insertDelete)) {
			// Debezium's SourceSignalChannel: the signal runs before the
			// row's own record, so that record's offset carries its effect.
			s.incrEv = &incrEvent{h: h, start: start, row: i, nrows: nrows}
			if err := t.sourceRow(ctx, s, op, before, after); err != nil {
				return err
			}
		}
		if s.incr != nil {
			t.incrDedupe(s, tb, oldKey, newKey)
		}
		s.emittedEvents, s.emittedRow = s.eventsInTx, i+1
		s.partRow = 0
		if i+1 < nrows {
			s.partRow = i + 1
		}
		off := s.offset(h, i+1, nrows)
		s.lastRow = int32(i)
		src := &blk.src
		t.rowSourceIn(src, tb, s, h, start, int32(i))
		now := t.now()
		recs := t.changeRecordsIn(t.recBuf[:0], &blk.env, &s.bx.nowMs, tb, op, before, after, oldKey, newKey, src, off, now)
		if t.st.txMetadata {
			var err error
			if recs, err = t.addTxMetadata(ctx, s, h, tb, recs); err != nil {
				return err
			}
		}
		for _, r := range recs {
			if err := t.emit(ctx, r); err != nil {
				return err
			}
		}
		clear(recs) // the buffer is reused: drop the references
		t.recBuf = recs[:0]
	}
	return nil
}

// rowSource is sourceStruct for a row of a rows event, from boxed values
// the rows of a stream share.
func (t *Task) rowSource(tb *table, s *streamState, h *replication.EventHeader, start uint32, row int32) *data.Struct {
	src := data.NewStruct(t.src)
	t.rowSourceIn(src, tb, s, h, start, row)
	return src
}

// rowSourceIn is rowSource into src, empty, of t.src.
func (t *Task) rowSourceIn(src *data.Struct, tb *table, s *streamState, h *replication.EventHeader, start uint32, row int32) {
	ms, us, ns := s.bx.ts.get(h.Timestamp)
	src.PutIndex(0, Version)
	src.PutIndex(1, "mysql")
	src.PutIndex(2, t.prefixBox)
	src.PutIndex(3, ms)
	src.PutIndex(5, tb.dbBox)
	src.PutIndex(7, us)
	src.PutIndex(8, ns)
	src.PutIndex(9, tb.nameBox)
	src.PutIndex(10, s.bx.serverID.get(int64(h.ServerID)))
	if s.gtids.current != "" && s.inTx && !s.flat {
		src.PutIndex(11, s.bx.gtid.get(s.gtids.current))
	}
	src.PutIndex(12, s.bx.file.get(s.file))
	src.PutIndex(13, s.bx.pos.get(int64(start)))
	src.PutIndex(14, row)
	if s.thread != nil {
		src.PutIndex(15, s.bx.thread.get(*s.thread))
	}
}

// streamRow holds the Connect structs of one row change, allocated
// together (as snapshotRow): the records of a row share its source and
// images, so they live and die together; one allocation serves the
// structs and one their field values instead of two per struct.
type streamRow struct {
	env, src, before, after, oldKey, newKey data.Struct
	vals                                    []any // not yet handed out by image
	// b, a, bk, ak point to before, after, oldKey, newKey when in use.
	b, a, bk, ak *data.Struct
}

// newStreamRow allocates the structs of a row change of op: the
// envelope and source initialised, the images' values reserved (two
// images for an update, one otherwise) and handed out by image.
func (t *table) newStreamRow(src *data.Schema, op string) *streamRow {
	nv, nk := len(t.valueSchema.Fields), 0
	if t.keySchema != nil {
		nk = len(t.keySchema.Fields)
	}
	ne, ns := len(t.envSchema.Fields), len(src.Fields)
	images := 1
	if op == "u" {
		images = 2
	}
	vals := make([]any, ne+ns+images*(nv+nk))
	blk := &streamRow{}
	blk.env.Init(t.envSchema, vals[:ne:ne])
	blk.src.Init(src, vals[ne:ne+ns:ne+ns])
	blk.vals = vals[ne+ns:]
	return blk
}

// rowChange converts row i of a rows event of op (rows are the event's
// images, before and after images alternating for an update) into a
// streamRow.
func (t *table) rowChange(src *data.Schema, op string, rows [][]any, i int64) (*streamRow, error) {
	blk := t.newStreamRow(src, op)
	switch op {
	case "c":
		blk.a, blk.ak = blk.image(t, &blk.after, &blk.newKey)
		return blk, t.imageIn(blk.a, blk.ak, rows[i], false)
	case "d":
		blk.b, blk.bk = blk.image(t, &blk.before, &blk.oldKey)
		return blk, t.imageIn(blk.b, blk.bk, rows[i], false)
	}
	blk.b, blk.bk = blk.image(t, &blk.before, &blk.oldKey)
	blk.a, blk.ak = blk.image(t, &blk.after, &blk.newKey)
	if err := t.imageIn(blk.b, blk.bk, rows[2*i], false); err != nil {
		return blk, err
	}
	return blk, t.imageIn(blk.a, blk.ak, rows[2*i+1], false)
}

// images are the row's before and after images and their keys, nil
// where the change has none.
func (b *streamRow) images() (before, after, oldKey, newKey *data.Struct) {
	return b.b, b.a, b.bk, b.ak
}

// image initialises img (of the value schema) and key (of the key
// schema, nil when the table has none) from the values reserved.
func (b *streamRow) image(t *table, img, key *data.Struct) (*data.Struct, *data.Struct) {
	nv := len(t.valueSchema.Fields)
	img.Init(t.valueSchema, b.vals[:nv:nv])
	b.vals = b.vals[nv:]
	if t.keySchema == nil {
		return img, nil
	}
	nk := len(t.keySchema.Fields)
	key.Init(t.keySchema, b.vals[:nk:nk])
	b.vals = b.vals[nk:]
	return img, key
}

// changeRecords builds the records of one row change: the event, the
// delete tombstone, and for key changes Debezium's delete+tombstone+create.
// oldKey is the key of before, newKey that of after. They are appended to
// out.
func (t *Task) changeRecords(out []connect.SourceRecord, tb *table, op string, before, after, oldKey, newKey, src *data.Struct, off map[string]any, now time.Time) []connect.SourceRecord {
	return t.changeRecordsIn(out, nil, nil, tb, op, before, after, oldKey, newKey, src, off, now)
}

// changeRecordsIn is changeRecords with the envelope of the change's own
// record given (empty, of tb.envSchema; nil: allocated here), its ts_ms
// boxed by ms when not nil.
func (t *Task) changeRecordsIn(out []connect.SourceRecord, env *data.Struct, ms *intBox, tb *table, op string, before, after, oldKey, newKey, src *data.Struct, off map[string]any, now time.Time) []connect.SourceRecord {
	if op == "u" && tb.keySchema != nil {
		if !oldKey.Equal(newKey) {
			del := t.record(tb, "d", before, nil, oldKey, src, off, now)
			del.Headers = connect.Headers{{Key: "__debezium.newkey", Schema: tb.keySchema, Value: newKey}}
			out = append(out, del)
			if t.st.tombstones {
				out = append(out, t.tombstone(del))
			}
			cre := t.record(tb, "c", nil, after, newKey, src, off, now)
			cre.Headers = connect.Headers{{Key: "__debezium.oldkey", Schema: tb.keySchema, Value: oldKey}}
			return append(out, cre)
		}
	}
	key := newKey
	if op == "d" {
		key = oldKey
	}
	if env == nil {
		env = data.NewStruct(tb.envSchema)
	}
	r := t.recordInMs(env, tb, op, before, after, key, src, off, now, ms)
	out = append(out, r)
	if op == "d" && t.st.tombstones {
		out = append(out, t.tombstone(r))
	}
	return out
}

// tombstone follows a delete with its key and headers, as Debezium's
// EventDispatcher makes it from the delete record (so the tombstone of a
// primary-key change carries __debezium.newkey too).
func (t *Task) tombstone(r connect.SourceRecord) connect.SourceRecord {
	ts := connect.NewSourceRecord(r.SourcePartition, r.SourceOffset, r.Topic, r.KeySchema, r.Key, nil, nil)
	if len(r.Headers) > 0 {
		ts.Headers = r.Headers.Clone()
	}
	return ts
}

// minLevel drops records below min.
type minLevel struct {
	h   slog.Handler
	min slog.Level
}

func (m minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= m.min && m.h.Enabled(ctx, l)
}
func (m minLevel) Handle(ctx context.Context, r slog.Record) error { return m.h.Handle(ctx, r) }
func (m minLevel) WithAttrs(a []slog.Attr) slog.Handler {
	return minLevel{h: m.h.WithAttrs(a), min: m.min}
}
func (m minLevel) WithGroup(n string) slog.Handler { return minLevel{h: m.h.WithGroup(n), min: m.min} }
