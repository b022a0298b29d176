package mysql

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-mysql-org/go-mysql/client"
	"github.com/go-mysql-org/go-mysql/replication"
)

// Read-only incremental snapshots (read.only=true), as Debezium's
// BinlogReadOnlyIncrementalSnapshotChangeEventSource: nothing is written to
// the database. A chunk's window is bounded by the executed GTIDs read
// before (low watermark) and after (high watermark) the chunk's SELECT; the
// stream closes the window by the GTIDs of the transactions it reads:
// at the first transaction past the high watermark, or, at a commit or
// when the binlog is idle, once it has read the high watermark's last
// transaction (Debezium's readUntilGtidChange, run on server heartbeats).
// Signals come through either channel (rows of the signalling table are
// written by users, never by the connector); the Kafka channel's offset of
// the last execute-snapshot or stop-snapshot goes into the source offsets.

// offIncrSignalOffset is BinlogReadOnlyIncrementalSnapshotContext's
// SIGNAL_OFFSET: the Kafka signal topic's offset of the last
// execute/stop-snapshot signal; a restart reads the topic after it.
const offIncrSignalOffset = "incremental_snapshot_signal_offset"

// roIdle is how long the binlog may be idle before the window is checked
// without a new event (Debezium waits for the server's heartbeat event).
const roIdle = 200 * time.Millisecond

// roRereads bounds the re-reads of a chunk whose window saw transactions
// of more than one server (Debezium's rereadChunk on a server change).
const roRereads = 3

// gtidMark is an executed GTID set read as a watermark. MariaDB
// (gtid_binlog_pos) has the last GTID of each replication domain, so a
// stream is a domain and a GTID is in the set when its sequence is not
// after the domain's last one; MySQL (Executed_Gtid_Set) has intervals
// per server uuid (and tag).
type gtidMark struct {
	mariaDB bool
	last    map[string]uint64      // MariaDB: domain → last sequence
	ivals   map[string][][2]uint64 // MySQL: uuid[:tag] → closed intervals
}

// parseGtidMark reads gtid_binlog_pos ("0-1-100,1-2-7") or an
// Executed_Gtid_Set ("uuid:1-5:7,uuid2:1-3").
func parseGtidMark(mariaDB bool, set string) (*gtidMark, error) {
	m := &gtidMark{mariaDB: mariaDB, last: map[string]uint64{}, ivals: map[string][][2]uint64{}}
	set = strings.NewReplacer("\n", "", "\r", "", " ", "").Replace(set)
	for _, part := range strings.Split(set, ",") {
		if part == "" {
			continue
		}
		if mariaDB {
			stream, seq, ok := splitGtid(true, part)
			if !ok {
				return nil, fmt.Errorf("%q is not a MariaDB GTID (domain-server-sequence)", part)
			}
			m.last[stream] = max(m.last[stream], seq)
			continue
		}
		// uuid:1-5:7[:tag:1-2]: intervals, a tag (MySQL 8.4) starting a
		// stream of its own for the intervals after it.
		fields := strings.Split(part, ":")
		uuid := strings.ToLower(fields[0])
		stream, n, tagOpen := uuid, 0, false
		for _, f := range fields[1:] {
			lo, hi, rng := strings.Cut(f, "-")
			a, err := strconv.ParseUint(lo, 10, 64)
			if err != nil {
				if rng || f == "" || tagOpen {
					return nil, fmt.Errorf("%q is not a MySQL GTID set", part)
				}
				stream, tagOpen = uuid+":"+strings.ToLower(f), true
				continue
			}
			b := a
			if rng {
				if b, err = strconv.ParseUint(hi, 10, 64); err != nil || b < a {
					return nil, fmt.Errorf("%q is not a MySQL GTID set", part)
				}
			}
			m.ivals[stream] = append(m.ivals[stream], [2]uint64{a, b})
			n, tagOpen = n+1, false
		}
		if n == 0 || tagOpen {
			return nil, fmt.Errorf("%q is not a MySQL GTID set", part)
		}
	}
	return m, nil
}

// splitGtid splits one GTID into its stream and sequence: MariaDB's
// domain-server-sequence by domain, MySQL's uuid[:tag]:n by uuid and tag.
func splitGtid(mariaDB bool, gtid string) (stream string, seq uint64, ok bool) {
	if mariaDB {
		p := strings.Split(gtid, "-")
		if len(p) != 3 {
			return "", 0, false
		}
		for _, s := range p[:2] {
			if _, err := strconv.ParseUint(s, 10, 32); err != nil {
				return "", 0, false
			}
		}
		n, err := strconv.ParseUint(p[2], 10, 64)
		return p[0], n, err == nil
	}
	i := strings.LastIndexByte(gtid, ':')
	if i <= 0 {
		return "", 0, false
	}
	n, err := strconv.ParseUint(gtid[i+1:], 10, 64)
	return strings.ToLower(gtid[:i]), n, err == nil
}

// contains: the transaction gtid was executed when the set was read.
func (m *gtidMark) contains(gtid string) bool {
	stream, seq, ok := splitGtid(m.mariaDB, gtid)
	if !ok {
		return false
	}
	if m.mariaDB {
		last, ok := m.last[stream]
		return ok && seq <= last
	}
	for _, iv := range m.ivals[stream] {
		if seq >= iv[0] && seq <= iv[1] {
			return true
		}
	}
	return false
}

// lastOf is the highest sequence of a stream in the set.
func (m *gtidMark) lastOf(stream string) (uint64, bool) {
	if m.mariaDB {
		v, ok := m.last[stream]
		return v, ok
	}
	var last uint64
	iv := m.ivals[stream]
	for _, r := range iv {
		last = max(last, r[1])
	}
	return last, len(iv) > 0
}

// newer are the streams with transactions in high that low does not have,
// with high's last sequence of each (Debezium's high.subtract(low)).
func newer(high, low *gtidMark) map[string]uint64 {
	out := map[string]uint64{}
	if high.mariaDB {
		for d, n := range high.last {
			if l, ok := low.last[d]; !ok || n > l {
				out[d] = n
			}
		}
		return out
	}
	for stream, ivs := range high.ivals {
		for _, iv := range ivs {
			if !low.covers(stream, iv) {
				out[stream], _ = high.lastOf(stream)
				break
			}
		}
	}
	return out
}

// covers: every sequence of iv is in the set's intervals of stream.
func (m *gtidMark) covers(stream string, iv [2]uint64) bool {
	for seq := iv[0]; seq <= iv[1]; {
		if !m.containsSeq(stream, seq) {
			return false
		}
		end := m.endOf(stream, seq)
		if end >= iv[1] {
			return true
		}
		seq = end + 1
	}
	return true
}

func (m *gtidMark) containsSeq(stream string, seq uint64) bool {
	for _, iv := range m.ivals[stream] {
		if seq >= iv[0] && seq <= iv[1] {
			return true
		}
	}
	return false
}

// endOf is the end of the interval of the set holding seq.
func (m *gtidMark) endOf(stream string, seq uint64) uint64 {
	for _, iv := range m.ivals[stream] {
		if seq >= iv[0] && seq <= iv[1] {
			return iv[1]
		}
	}
	return seq
}

// roWindow is the open window of a read-only chunk: the watermarks and
// the streams that had transactions while the chunk was read.
type roWindow struct {
	low, high *gtidMark
	fresh     map[string]uint64
}

// reached reports whether the stream, whose last transaction read is cur,
// has read every transaction of the window (Debezium's
// reachedHighWatermark): the high watermark's last one of cur's stream,
// or, when nothing was written while the chunk was read, the low
// watermark's. Before any transaction was read (cur ""), only a window
// without transactions is complete.
func (w *roWindow) reached(cur string) bool {
	if w == nil || w.high == nil {
		return false
	}
	if cur == "" {
		return len(w.fresh) == 0
	}
	stream, seq, ok := splitGtid(w.high.mariaDB, cur)
	if !ok {
		return false
	}
	if len(w.fresh) > 0 {
		last, ok := w.fresh[stream]
		return ok && last <= seq
	}
	last, ok := w.low.lastOf(stream)
	return ok && last <= seq
}

// pastHigh: a transaction the stream reads is past the window (Debezium's
// updateWindowState closing it).
func (w *roWindow) pastHigh(gtid string) bool {
	return w != nil && w.high != nil && !w.high.contains(gtid)
}

// roWaiting: a read-only chunk waits for the stream to close its window.
func (c *incrContext) roWaiting() bool {
	return c != nil && c.ro != nil && c.ro.high != nil && c.running()
}

// readGtidMark reads the server's executed GTIDs: gtid_binlog_pos on
// MariaDB (Debezium's MariaDB connector), Executed_Gtid_Set of SHOW MASTER
// STATUS on MySQL.
func (t *Task) readGtidMark(conn *client.Conn) (*gtidMark, error) {
	q := "SHOW MASTER STATUS"
	if t.mariaDB {
		q = "SHOW GLOBAL VARIABLES LIKE 'GTID_BINLOG_POS'"
	}
	res, err := conn.Execute(q)
	if err != nil && !t.mariaDB {
		// MySQL 8.4 renamed the statement.
		if r2, err2 := conn.Execute("SHOW BINARY LOG STATUS"); err2 == nil {
			res, err = r2, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("read-only incremental snapshot watermark: %s: %w", q, err)
	}
	defer res.Close()
	col := 4
	if t.mariaDB {
		col = 1
	}
	if res.RowNumber() == 0 || len(res.Values[0]) <= col {
		return nil, fmt.Errorf("read-only incremental snapshot watermark: %s returned no executed GTID set (binary log and GTIDs required)", q)
	}
	set, _ := res.GetString(0, col)
	if strings.TrimSpace(set) == "" {
		if t.mariaDB {
			return nil, errors.New("read-only incremental snapshot watermark: gtid_binlog_pos is empty: nothing was written to the binary log with a GTID yet")
		}
		return nil, errors.New("read-only incremental snapshot watermark: Executed_Gtid_Set is empty: read.only=true needs gtid_mode=ON")
	}
	return parseGtidMark(t.mariaDB, set)
}

// roEventGtid is the GTID of a transaction's first event, "" for others.
func roEventGtid(s *streamState, ev *replication.BinlogEvent) string {
	switch e := ev.Event.(type) {
	case *replication.MariadbGTIDEvent:
		return strconv.FormatUint(uint64(e.GTID.DomainID), 10) + "-" + strconv.FormatUint(uint64(ev.Header.ServerID), 10) + "-" + strconv.FormatUint(e.GTID.SequenceNumber, 10)
	case *replication.GTIDEvent:
		if next, err := e.GTIDNext(); err == nil {
			return next.String()
		}
	}
	return ""
}

// roBeforeEvent runs before an event is handled while a read-only window
// waits: a transaction past the high watermark closes it first, so the
// chunk goes out before that transaction's changes, at the position after
// the last one.
func (t *Task) roBeforeEvent(ctx context.Context, s *streamState, ev *replication.BinlogEvent, start uint32) error {
	if !s.incr.roWaiting() || s.inTx || s.skipPending || s.skipping {
		return nil
	}
	g := roEventGtid(s, ev)
	if g == "" || !s.incr.ro.pastHigh(g) {
		return nil
	}
	return t.roClose(ctx, s, ev.Header, start)
}

// roAfterEvent runs after an event outside a transaction (a commit, a
// heartbeat) and when the binlog is idle: while the stream has read the
// whole window, the chunk goes out and the next one is read (Debezium's
// readUntilGtidChange).
func (t *Task) roAfterEvent(ctx context.Context, s *streamState, h *replication.EventHeader, start uint32) error {
	if h.Timestamp == 0 {
		h = roIdleHeader(s) // a heartbeat event has no time
	}
	for s.incr.roWaiting() && !s.inTx && !s.skipPending && !s.skipping && s.incr.ro.reached(s.gtids.current) {
		if err := t.roClose(ctx, s, h, start); err != nil {
			return err
		}
	}
	return nil
}

// roClose emits the chunk left after deduplication and reads the next.
func (t *Task) roClose(ctx context.Context, s *streamState, h *replication.EventHeader, start uint32) error {
	c := s.incr
	c.ro, c.windowOpened = nil, false
	s.incrEv = &incrEvent{h: h, start: start}
	if err := t.sendWindow(ctx, s); err != nil {
		return err
	}
	return t.readChunk(ctx, s)
}

// roIdleHeader stands for the event the stream is at when the binlog is
// idle: the chunk's records carry the last event's time and server.
func roIdleHeader(s *streamState) *replication.EventHeader {
	return &replication.EventHeader{Timestamp: uint32(s.tsSec), ServerID: s.serverID, LogPos: s.restartPos}
}

// roOpen reads the low watermark before a chunk.
func (t *Task) roOpen(c *incrContext, conn *client.Conn) error {
	low, err := t.readGtidMark(conn)
	if err != nil {
		return err
	}
	c.ro = &roWindow{low: low}
	return nil
}

// roCloseRead reads the high watermark after a chunk and opens the window
// for deduplication. It reports whether the chunk must be read again:
// the window had transactions of more than one server (Debezium's
// hasServerIdentifierChanged), whose order the stream cannot bound.
func (t *Task) roCloseRead(c *incrContext, conn *client.Conn) (reread bool, err error) {
	high, err := t.readGtidMark(conn)
	if err != nil {
		return false, err
	}
	c.ro.high = high
	c.ro.fresh = newer(high, c.ro.low)
	// Every change the stream reads from now on is deduplicated: the
	// window opens where the stream is, at or before the low watermark, so
	// a transaction in the binary log before the low watermark but not yet
	// committed to the engine when the chunk was read is covered too.
	c.windowOpened = true
	return len(c.ro.fresh) > 1 && len(c.window) > 0, nil
}

// roStreams lists a window's fresh streams, for logs.
func (w *roWindow) roStreams() []string {
	var out []string
	for k := range w.fresh {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// roSignalSeek is the Kafka signal offset a read-only connector stored.
func roSignalSeek(st *settings, start *position) *int64 {
	if !st.readOnly || start == nil || start.incr == nil {
		return nil
	}
	return start.incr.sigOffset
}

// roContext gives a read-only stream its context from the start, so that
// every offset carries the signal offset.
func roContext(c *incrContext) *incrContext {
	if c == nil {
		c = &incrContext{index: map[string]int{}, lastHex: javaNullHex, maxHex: javaNullHex}
	}
	c.readOnly = true
	return c
}
