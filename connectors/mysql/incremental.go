package mysql

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/go-mysql-org/go-mysql/client"
	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"

	"github.com/goconnect/goconnect/connect/data"
)

// Incremental snapshots as Debezium's SignalBasedIncrementalSnapshot-
// ChangeEventSource runs them (the DBLog watermark algorithm): a table is
// read in chunks ordered by its key; each chunk is read between a
// window-open and a window-close row inserted into the signalling table;
// while the binlog is between the two, a change of a row of the chunk
// drops that row from the buffered chunk, so a stale read never
// overwrites a newer change; at the close row the rest of the chunk is
// emitted as 'r' events with source.snapshot "incremental" and the next
// chunk is read.

// Offset keys of the incremental snapshot context, Debezium's
// AbstractIncrementalSnapshotContext.
const (
	offIncrCollections = "incremental_snapshot_collections"
	offIncrPrimaryKey  = "incremental_snapshot_primary_key"
	offIncrMaximumKey  = "incremental_snapshot_maximum_key"
	offIncrCorrelation = "incremental_snapshot_correlation_id"
	incrCollID         = "incremental_snapshot_collections_id"
	incrCollCondition  = "incremental_snapshot_collections_additional_condition"
	incrCollSurrogate  = "incremental_snapshot_collections_surrogate_key"
)

// markIncremental is source.snapshot of incremental snapshot records
// (SnapshotRecord.INCREMENTAL).
var markIncremental any = "incremental"

// incrCollection is a table still to be snapshotted. cond is the
// additional condition as Debezium's DataCollection hands it out: wrapped
// in parentheses, "" when none.
type incrCollection struct {
	id, cond, surrogate string
}

// incrContext is Debezium's incremental snapshot context; it lives in the
// stream state and its part that resumes a snapshot goes into offsets.
type incrContext struct {
	colls       []incrCollection
	correlation *string
	// chunkEnd is the last key of the chunk read (chunkEndPosition);
	// lastSent the key of the last event emitted; maxKey the table's
	// largest key when its snapshot started.
	chunkEnd, lastSent, maxKey []any
	chunkID                    string
	windowOpened, paused       bool
	// collJSON, lastHex and maxHex are the offset values, kept up to date.
	collJSON, lastHex, maxHex string
	// window is the buffered chunk in key order; index finds a row by
	// its record key.
	window []incrRow
	index  map[string]int
	tb     *table // the table of the current chunk
	openTS time.Time
	prog   *incrProgress // reports the snapshot's progress (progress.go)

	// readOnly: read.only=true, whose offsets always carry sigOffset, the
	// Kafka signal offset of the last execute/stop-snapshot signal (nil
	// when none); ro is the window of a read-only chunk (readonly.go) and
	// rereads counts a chunk's re-reads.
	readOnly  bool
	sigOffset *int64
	ro        *roWindow
	rereads   int
	// queryFailures counts the chunk reads in a row that failed on an
	// open connection (readChunk).
	queryFailures int

	// With incremental.snapshot.allow.schema.changes: schema is the
	// current table's result-set structure as last read (Debezium keeps a
	// Table built from the ResultSetMetaData), schemaOK that it was read
	// the same in two windows in a row, so the stream has applied any DDL
	// before it; schemaWaits counts windows closed empty waiting for that.
	schema      string
	schemaOK    bool
	schemaWaits int
}

type incrRow struct {
	vals    []any
	key     *data.Struct
	javaKey []any
	dropped bool
}

// javaNullHex is ObjectOutputStream's form of a null array, which
// Debezium stores before any key is known.
const javaNullHex = "aced000570"

func (c *incrContext) running() bool { return c != nil && len(c.colls) > 0 }

// store adds the context to an offset while a snapshot runs.
func (c *incrContext) store(off map[string]any) {
	if c != nil && c.readOnly {
		// Debezium puts it whether a snapshot runs or not, null when unset.
		if c.sigOffset != nil {
			off[offIncrSignalOffset] = *c.sigOffset
		} else {
			off[offIncrSignalOffset] = nil
		}
	}
	if !c.running() {
		return
	}
	off[offIncrPrimaryKey] = c.lastHex
	off[offIncrMaximumKey] = c.maxHex
	off[offIncrCollections] = c.collJSON
	if c.correlation != nil {
		off[offIncrCorrelation] = *c.correlation
	} else {
		off[offIncrCorrelation] = nil
	}
}

func keyHex(k []any) string {
	if k == nil {
		return javaNullHex
	}
	s, err := javaSerializeKey(k)
	if err != nil {
		return javaNullHex // javaKey only builds values it can write
	}
	return s
}

func (c *incrContext) setLastSent(k []any) { c.lastSent, c.lastHex = k, keyHex(k) }
func (c *incrContext) setMaxKey(k []any)   { c.maxKey, c.maxHex = k, keyHex(k) }

// updateColls recomputes the collections' offset form: Jackson's
// rendering of a list of maps, keys in insertion order.
func (c *incrContext) updateColls() {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, dc := range c.colls {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"` + incrCollID + `":`)
		writeJSONString(&b, dc.id)
		b.WriteString(`,"` + incrCollCondition + `":`)
		writeOptJSONString(&b, dc.cond)
		b.WriteString(`,"` + incrCollSurrogate + `":`)
		writeOptJSONString(&b, dc.surrogate)
		b.WriteByte('}')
	}
	b.WriteByte(']')
	c.collJSON = b.String()
}

func writeJSONString(b *bytes.Buffer, s string) {
	enc, _ := json.Marshal(s)
	b.Write(enc)
}

func writeOptJSONString(b *bytes.Buffer, s string) {
	if s == "" {
		b.WriteString("null")
		return
	}
	writeJSONString(b, s)
}

// nextCollection moves to the next table (resetChunk + getNext).
func (c *incrContext) nextCollection() {
	c.lastSent, c.lastHex, c.chunkEnd, c.maxKey, c.maxHex, c.tb = nil, javaNullHex, nil, nil, javaNullHex, nil
	c.schema, c.schemaOK, c.schemaWaits = "", false, 0
	if len(c.colls) > 0 {
		c.colls = c.colls[1:]
	}
	c.updateColls()
	if len(c.colls) == 0 {
		c.correlation = nil
	}
}

func (c *incrContext) clearWindow() { c.window, c.index = c.window[:0], map[string]int{} }

// stopAll ends the snapshot: no table left, no chunk pending.
func (c *incrContext) stopAll() {
	c.colls = c.colls[:min(1, len(c.colls))]
	c.nextCollection()
	c.clearWindow()
	c.windowOpened, c.ro = false, nil
}

// chunkPending: a chunk was read and waits for its window to close, which
// emits it and reads the next one.
func (c *incrContext) chunkPending() bool {
	return len(c.window) > 0 || c.windowOpened || c.ro != nil
}

// loadIncrContext restores the context from a stored offset, nil when no
// snapshot was running. The stored last key is where the next chunk
// starts (Debezium's init).
func loadIncrContext(off map[string]any) (*incrContext, error) {
	raw, _ := off[offIncrCollections].(string)
	sigOff, hasSig := offsetInt(off[offIncrSignalOffset])
	if raw == "" && !hasSig {
		return nil, nil
	}
	c := &incrContext{index: map[string]int{}, lastHex: javaNullHex, maxHex: javaNullHex}
	if hasSig {
		c.sigOffset = &sigOff
	}
	if raw == "" {
		return c, nil // a read-only connector's offset between snapshots
	}
	var colls []map[string]*string
	if err := json.Unmarshal([]byte(raw), &colls); err != nil {
		return nil, fmt.Errorf("stored offset %s %q: %w", offIncrCollections, raw, err)
	}
	for _, m := range colls {
		dc := incrCollection{}
		if v := m[incrCollID]; v != nil {
			dc.id = *v
		}
		// Debezium wraps a stored condition once more when it reads it.
		if v := m[incrCollCondition]; v != nil && *v != "" {
			dc.cond = "(" + *v + ")"
		}
		if v := m[incrCollSurrogate]; v != nil {
			dc.surrogate = *v
		}
		c.colls = append(c.colls, dc)
	}
	c.updateColls()
	for _, k := range []struct {
		key string
		dst *[]any
	}{{offIncrPrimaryKey, &c.chunkEnd}, {offIncrMaximumKey, &c.maxKey}} {
		s, _ := off[k.key].(string)
		if s == "" || s == javaNullHex {
			continue
		}
		v, err := javaDeserializeKey(s)
		if err != nil {
			return nil, fmt.Errorf("stored offset %s %q: %w", k.key, s, err)
		}
		*k.dst = v
	}
	c.maxHex = keyHex(c.maxKey)
	// Debezium resets the last key sent to null here, so offsets written
	// before the next chunk is emitted lose the resume point; keeping it
	// resumes from the same key after a second restart.
	c.setLastSent(c.chunkEnd)
	if v, ok := off[offIncrCorrelation].(string); ok {
		c.correlation = &v
	}
	return c, nil
}

// incrQueryColumns are the columns chunks are ordered by: the surrogate
// key when the signal names one, else the record key columns
// (message.key.columns or the primary key).
func incrQueryColumns(tb *table, surrogate string) ([]int, error) {
	if surrogate != "" {
		for i, c := range tb.cols {
			if strings.EqualFold(c.name, surrogate) {
				return []int{i}, nil
			}
		}
		return nil, fmt.Errorf("Surrogate key %q doesn't exist in table %q", surrogate, tableID(tb.db, tb.name))
	}
	return tb.recKey, nil
}

// javaKeyValue is a key column's value as Debezium's JDBC row holds it
// (what Connector/J's getObject, or Debezium's field reader, returns):
// Integer for TINYINT–MEDIUMINT and INT, Long for INT UNSIGNED and
// BIGINT, BigInteger for BIGINT UNSIGNED, BigDecimal for DECIMAL, byte[]
// for BINARY/VARBINARY, String for text. Other types (temporal, float)
// are kept as their text, which MySQL compares to the column as well.
func javaKeyValue(c *column, v any) any {
	if v == nil {
		return nil
	}
	switch c.dataType {
	case "tinyint", "smallint", "mediumint", "int", "integer", "bigint", "year":
		var n big.Int
		ok := true
		switch x := v.(type) {
		case int64:
			n.SetInt64(x)
		case uint64:
			n.SetUint64(x)
		case []byte:
			_, ok = n.SetString(string(x), 10)
		default:
			ok = false
		}
		if !ok {
			break
		}
		switch {
		case c.dataType == "bigint" && c.unsigned:
			return javaBigInt{&n}
		case c.dataType == "bigint", c.unsigned && (c.dataType == "int" || c.dataType == "integer"):
			return n.Int64()
		default:
			return int32(n.Int64())
		}
	case "decimal":
		if b, ok := v.([]byte); ok {
			if _, _, ok := decimalParts(string(b)); ok {
				return javaDecimal(b)
			}
		}
	case "binary", "varbinary":
		if b, ok := v.([]byte); ok {
			return bytes.Clone(b)
		}
	case "float", "double":
		var f float64
		switch x := v.(type) {
		case float64:
			f = x
		case []byte:
			var err error
			if f, err = strconv.ParseFloat(string(x), 64); err != nil {
				return string(x)
			}
		default:
			return fmt.Sprint(x)
		}
		if c.dataType == "float" {
			return float32(f)
		}
		return f
	case "bit":
		if b, ok := v.([]byte); ok && c.length == 1 && len(b) == 1 {
			return b[0] != 0 // BIT(1) is a Boolean to Connector/J
		}
	case "date", "time", "datetime", "timestamp":
		if b, ok := v.([]byte); ok {
			if tv, ok := javaTemporal(c.dataType, string(b)); ok {
				return tv
			}
		}
	}
	switch x := v.(type) {
	case []byte:
		return string(x)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	default:
		return fmt.Sprint(x)
	}
}

func sqlLiteral(v any) string {
	switch x := v.(type) {
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case int64:
		return strconv.FormatInt(x, 10)
	case string:
		return quoteLit(x)
	case javaBigInt:
		return x.String()
	case float32:
		// The column's own value as a double, so that the bound compares
		// equal to the row it came from.
		return strconv.FormatFloat(float64(x), 'g', -1, 64)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		if x {
			return "1"
		}
		return "0"
	case javaDecimal:
		if _, _, ok := decimalParts(string(x)); ok {
			return strings.TrimSpace(string(x))
		}
		return quoteLit(string(x))
	case []byte:
		return "X'" + hex.EncodeToString(x) + "'"
	case javaLocalDate:
		return fmt.Sprintf("'%04d-%02d-%02d'", x.year, x.month, x.day)
	case javaDuration:
		ns := x.sec*1e9 + int64(x.nanos)
		sign := ""
		if ns < 0 {
			sign, ns = "-", -ns
		}
		sec := ns / 1e9
		return fmt.Sprintf("'%s%d:%02d:%02d.%06d'", sign, sec/3600, sec/60%60, sec%60, ns%1e9/1000)
	case javaTimestamp:
		return "'" + time.Unix(x.millis/1000, int64(x.nanos)).UTC().Format("2006-01-02 15:04:05.000000") + "'"
	}
	return "NULL"
}

// javaTemporal reads a temporal key's text (the server's, in UTC for
// TIMESTAMP on these sessions) as the class Debezium holds it: DATE as
// LocalDate, TIME as Duration, DATETIME and TIMESTAMP as Timestamp. Zero
// dates and anything unparsable stay text.
func javaTemporal(dataType, s string) (any, bool) {
	switch dataType {
	case "date":
		d, err := time.Parse("2006-01-02", s)
		if err != nil {
			return nil, false
		}
		return javaLocalDate{int32(d.Year()), uint8(d.Month()), uint8(d.Day())}, true
	case "time":
		neg := strings.HasPrefix(s, "-")
		hms, frac, _ := strings.Cut(strings.TrimPrefix(s, "-"), ".")
		p := strings.Split(hms, ":")
		if len(p) != 3 || len(frac) > 9 {
			return nil, false
		}
		var n [3]int64
		for i, f := range p {
			v, err := strconv.ParseInt(f, 10, 64)
			if err != nil || v < 0 {
				return nil, false
			}
			n[i] = v
		}
		var nanos int64
		if frac != "" {
			v, err := strconv.ParseInt(frac+strings.Repeat("0", 9-len(frac)), 10, 64)
			if err != nil {
				return nil, false
			}
			nanos = v
		}
		total := (n[0]*3600+n[1]*60+n[2])*1e9 + nanos
		if neg {
			total = -total
		}
		sec, ns := total/1e9, total%1e9
		if ns < 0 {
			sec, ns = sec-1, ns+1e9
		}
		return javaDuration{sec, int32(ns)}, true
	default:
		ts, err := time.Parse("2006-01-02 15:04:05.999999999", s)
		if err != nil {
			return nil, false
		}
		return javaTimestamp{ts.Unix() * 1000, int32(ts.Nanosecond())}, true
	}
}

// keyBound renders Debezium's lower bound "key > boundary" over several
// columns, (k1 > ?) OR (k1 = ? AND k2 > ?) ..., with MySQL's NULLs first.
func keyBound(tb *table, cols []int, boundary []any) string {
	var b strings.Builder
	if len(cols) > 1 {
		b.WriteByte('(')
	}
	for i := range cols {
		b.WriteByte('(')
		for j := 0; j <= i; j++ {
			last := i == j
			name := quoteID(tb.cols[cols[j]].name)
			var v any
			if j < len(boundary) {
				v = boundary[j]
			}
			switch {
			case !tb.cols[cols[j]].nullable:
				if last {
					b.WriteString(name + " > " + sqlLiteral(v))
				} else {
					b.WriteString(name + " = " + sqlLiteral(v))
				}
			case v != nil:
				if last {
					b.WriteString("(" + name + " > " + sqlLiteral(v) + " AND " + name + " IS NOT NULL)")
				} else {
					b.WriteString(name + " = " + sqlLiteral(v))
				}
			default:
				if last {
					b.WriteString(name + " IS NOT NULL")
				} else {
					b.WriteString(name + " IS NULL")
				}
			}
			if !last {
				b.WriteString(" AND ")
			}
		}
		b.WriteByte(')')
		if i < len(cols)-1 {
			b.WriteString(" OR ")
		}
	}
	if len(cols) > 1 {
		b.WriteByte(')')
	}
	return b.String()
}

// selectRows is MySQL's buildSelectWithRowLimits.
func selectRows(tb *table, where []string, orderBy string, limit int) string {
	q := "SELECT * FROM " + quoteID(tb.db) + "." + quoteID(tb.name)
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	return q + " ORDER BY " + orderBy + " LIMIT " + strconv.Itoa(limit)
}

// incrConn is the connection chunks are read and watermarks written on.
func (t *Task) incrConn(ctx context.Context) (*client.Conn, error) {
	if t.incrDB != nil {
		if err := t.incrDB.Ping(); err == nil {
			return t.incrDB, nil
		}
		t.incrDB.Close()
		t.incrDB = nil
	}
	c, err := dial(ctx, t.st)
	if err != nil {
		return nil, err
	}
	for _, q := range snapshotSession {
		if _, err := c.Execute(q); err != nil {
			c.Close()
			return nil, fmt.Errorf("incremental snapshot: %s: %w", q, err)
		}
	}
	t.incrDB = c
	return c, nil
}

// randomUUID is a version 4 UUID, as Java's UUID.randomUUID.
func randomUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// javaInstant renders a time as Java's Instant.toString.
func javaInstant(ts time.Time) string {
	ts = ts.UTC().Truncate(time.Microsecond)
	s := ts.Format("2006-01-02T15:04:05")
	switch ns := ts.Nanosecond(); {
	case ns == 0:
	case ns%int(time.Millisecond) == 0:
		s += fmt.Sprintf(".%03d", ns/int(time.Millisecond))
	default:
		s += fmt.Sprintf(".%06d", ns/int(time.Microsecond))
	}
	return s + "Z"
}

func (t *Task) signalTableSQL() string {
	db, name, _ := strings.Cut(t.st.signalTable, ".")
	return quoteID(db) + "." + quoteID(name)
}

// insertWatermark writes a window row into the signalling table.
func (t *Task) insertWatermark(conn *client.Conn, id, typ, meta string) error {
	q := "INSERT INTO " + t.signalTableSQL() + " VALUES (" + quoteLit(id) + ", " + quoteLit(typ) + ", " + quoteLit(meta) + ")"
	if _, err := conn.Execute(q); err != nil {
		return fmt.Errorf("incremental snapshot watermark: %w", err)
	}
	return nil
}

// chunkRetries bounds the reads of a chunk again after a retryable
// failure, before the error goes to the stream (which reconnects and reads
// it once more).
const chunkRetries = 3

// chunkQueryFailures bounds the failures of the same chunk's queries on
// a connection that was open (a query killed by a watchdog each time, a
// lock held for longer than lock_wait_timeout): past it the task fails,
// rather than stop capturing every table while it retries or skip the
// table's rows as Debezium does. A server that cannot be reached at all
// is not counted: the stream waits for it as it would without a snapshot.
const chunkQueryFailures = 10

// errIncrConn marks a failure to connect for a chunk, as opposed to a
// failure of its queries.
var errIncrConn = errors.New("incremental snapshot: connecting")

// readChunk is readChunkOnce, again on a new connection after a failure
// of the connection or the server (a killed connection, a restart, a
// deadlock) rather than of the query itself. The next read starts after
// the last key emitted; a failed read's watermarks carry an id no chunk
// has any more (with the insert_delete strategy its open row may stay in
// the signalling table). Debezium skips the rest of the table when a chunk
// query fails, whatever the cause.
func (t *Task) readChunk(ctx context.Context, s *streamState) error {
	c := s.incr
	backoff := time.Second
	for attempt := 1; ; attempt++ {
		err := t.readChunkOnce(ctx, s)
		if err == nil {
			c.queryFailures = 0
			return nil
		}
		if !retryableDBError(err) || ctx.Err() != nil {
			return err
		}
		if !errors.Is(err, errIncrConn) {
			if c.queryFailures++; c.queryFailures >= chunkQueryFailures {
				return fatalError{fmt.Errorf("incremental snapshot: the chunk after key %v failed %d times in a row (restart the task once the cause is gone: the snapshot resumes after the last key emitted): %w",
					c.lastSent, c.queryFailures, err)}
			}
		}
		c.rereads = 0
		if t.incrDB != nil {
			t.incrDB.Close()
			t.incrDB = nil
		}
		c.revert()
		if attempt > chunkRetries {
			return err
		}
		t.log.Warn("incremental snapshot: reading the chunk failed, connecting again", "error", err, "attempt", attempt, "backoff", backoff)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff *= 2
	}
}

// retryableDBError: err is a failure the same read may not meet again: of
// the connection or the server, or a query that lost a lock wait or a
// deadlock (unlike a bad condition or an unknown column).
func retryableDBError(err error) bool {
	if errors.Is(err, gomysql.ErrBadConn) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var me *gomysql.MyError
	if errors.As(err, &me) {
		switch me.Code {
		case gomysql.ER_SERVER_SHUTDOWN, gomysql.ER_QUERY_INTERRUPTED, gomysql.ER_LOCK_WAIT_TIMEOUT, gomysql.ER_LOCK_DEADLOCK,
			gomysql.ER_NET_READ_INTERRUPTED, gomysql.ER_NET_WRITE_INTERRUPTED, gomysql.ER_CON_COUNT_ERROR,
			erConnectionKilled:
			return true
		}
	}
	return false
}

// erConnectionKilled is MariaDB's error for a query whose connection was
// killed (go-mysql names MySQL's codes only).
const erConnectionKilled = 1927

// readChunkOnce opens a window and reads the next chunk into it, moving
// past tables that are finished, unknown or without a key, then closes the
// window (Debezium's readChunk). The chunk is emitted when the close row
// comes back through the binlog.
func (t *Task) readChunkOnce(ctx context.Context, s *streamState) (err error) {
	c := s.incr
	if !c.running() {
		return nil
	}
	defer func() {
		// After a failure of the server the report's estimate query
		// would only wait for it too; the retry reports.
		if !retryableDBError(err) {
			t.reportIncremental(ctx, s, false)
		}
	}()
	if c.paused {
		t.log.Info("Incremental snapshot was paused.")
		return nil
	}
	if t.st.signalTable == "" && !t.st.readOnly {
		return fmt.Errorf("incremental snapshots need signal.data.collection for their watermarks")
	}
	conn, err := t.incrConn(ctx)
	if err != nil {
		return fmt.Errorf("%w: %w", errIncrConn, err)
	}
	c.chunkID = randomUUID()
	c.openTS = time.Now()
	if t.st.readOnly {
		if err := t.roOpen(c, conn); err != nil {
			return err
		}
	} else if err := t.insertWatermark(conn, c.chunkID+"-open", sigWindowOpen, fmt.Sprintf(`{"openWindowTimestamp": "%s"}`, javaInstant(c.openTS))); err != nil {
		return err
	}
	for c.running() {
		dc := c.colls[0]
		db, name, _ := strings.Cut(dc.id, ".")
		tb := t.tables[tableID(db, name)]
		if tb == nil && t.st.filter.includeTable(db, name) {
			if tb, err = t.loadTable(conn, db, name); err != nil {
				return err
			}
			if tb != nil {
				t.tables[tableID(db, name)] = tb
			}
		}
		if tb == nil {
			t.log.Warn("Schema not found for table: it is not captured or does not exist; skipped", "table", dc.id)
			c.nextCollection()
			continue
		}
		cols, err := incrQueryColumns(tb, dc.surrogate)
		if err != nil {
			t.log.Warn("incremental snapshot of table skipped", "table", dc.id, "error", err)
			c.nextCollection()
			continue
		}
		if len(cols) == 0 {
			t.log.Warn("Incremental snapshot for table skipped because the table has no primary keys", "table", dc.id)
			c.nextCollection()
			continue
		}
		c.tb = tb
		var orderDesc, orderAsc []string
		for _, i := range cols {
			orderAsc = append(orderAsc, quoteID(tb.cols[i].name))
			orderDesc = append(orderDesc, quoteID(tb.cols[i].name)+" DESC")
		}
		var cond []string
		if dc.cond != "" {
			cond = []string{dc.cond}
		}
		if t.st.incrAllowSchema && !c.schemaOK {
			ok, err := t.verifySchema(conn, c, tb, strings.Join(orderAsc, ", "))
			if err != nil {
				return err
			}
			if !ok {
				// Close this window empty and check again in the next one,
				// after the stream has read what was written until now.
				c.clearWindow()
				break
			}
		}
		if c.maxKey == nil {
			var maxRow []any
			fp, err := t.selectChunk(conn, tb, selectRows(tb, cond, strings.Join(orderDesc, ", "), 1), func(vals []any) { maxRow = vals })
			if t.incrSchemaChanged(c, fp, err) {
				break
			}
			if retryableDBError(err) {
				return fmt.Errorf("incremental snapshot: maximum key of %s: %w", dc.id, err)
			}
			if err != nil {
				t.log.Error("Failed to read maximum key for table", "table", dc.id, "error", err)
				c.nextCollection()
				continue
			}
			if maxRow == nil {
				t.log.Info("No maximum key returned by the query, incremental snapshotting of table finished as it is empty", "table", dc.id)
				c.nextCollection()
				continue
			}
			c.setMaxKey(javaKey(tb, cols, maxRow))
			t.log.Info("Incremental snapshot for table will end at position", "table", dc.id, "maximum_key", fmt.Sprint(c.maxKey))
		}
		where := cond
		if c.chunkEnd != nil {
			where = append([]string{keyBound(tb, cols, c.chunkEnd) + " AND NOT " + keyBound(tb, cols, c.maxKey)}, cond...)
		}
		c.clearWindow()
		var lastVals []any
		fp, err := t.selectChunk(conn, tb, selectRows(tb, where, strings.Join(orderAsc, ", "), max(t.st.incrChunk, 1)), func(vals []any) {
			lastVals = vals
			c.window = append(c.window, incrRow{vals: vals})
		})
		if t.incrSchemaChanged(c, fp, err) {
			break
		}
		if retryableDBError(err) {
			c.clearWindow()
			return fmt.Errorf("incremental snapshot: chunk of %s: %w", dc.id, err)
		}
		if err != nil {
			t.log.Error("Snapshotting of table failed. Skipping it", "table", dc.id, "error", err)
			c.clearWindow()
			c.nextCollection()
			continue
		}
		for i := range c.window {
			r := &c.window[i]
			_, key, err := tb.snapshotImage(r.vals)
			if err != nil {
				return err
			}
			r.javaKey = javaKey(tb, cols, r.vals)
			r.key = key
			if key != nil {
				c.index[key.String()] = i
			}
		}
		if lastVals == nil {
			t.log.Info("No data returned by the query, incremental snapshotting of table finished", "table", dc.id)
			c.nextCollection()
			continue
		}
		c.chunkEnd = javaKey(tb, cols, lastVals)
		break
	}
	if t.st.readOnly {
		if !c.running() {
			c.ro = nil
			return nil
		}
		reread, err := t.roCloseRead(c, conn)
		if err != nil {
			return err
		}
		if reread && c.rereads < roRereads {
			c.rereads++
			t.log.Info("transactions of more than one server while the chunk was read: reading it again", "streams", c.ro.roStreams())
			c.revert()
			c.ro = nil
			return t.readChunkOnce(ctx, s) // readChunk retries the whole
		}
		c.rereads = 0
		return nil
	}
	if t.st.insertDelete {
		_, err = conn.Execute("DELETE FROM " + t.signalTableSQL() + " WHERE id = " + quoteLit(c.chunkID+"-open"))
		if err != nil {
			return fmt.Errorf("incremental snapshot watermark: %w", err)
		}
		return nil
	}
	return t.insertWatermark(conn, c.chunkID+"-close", sigWindowClose,
		fmt.Sprintf(`{"openWindowTimestamp": "%s", "closeWindowTimestamp": "%s"}`, javaInstant(c.openTS), javaInstant(time.Now())))
}

func javaKey(tb *table, cols []int, vals []any) []any {
	k := make([]any, len(cols))
	for i, ci := range cols {
		k[i] = javaKeyValue(tb.cols[ci], vals[ci])
	}
	return k
}

// errStructureChanged: a chunk query returned columns other than the
// table's as the connector holds it.
var errStructureChanged = errors.New("its structure changed")

// selectChunk runs a chunk query, handing each row in table column order.
// It returns the result's structure (resultSchema). When the result's
// columns are not the table's: without incremental.snapshot.allow.schema.
// changes, a result that has every column of the table and more (a column
// added since the stream last read the table's DDL) is handed without the
// extra columns, as Debezium maps a result to its table by name; otherwise
// no row is handed and the error wraps errStructureChanged. The rows are
// read to the end in every case, so the connection stays usable.
func (t *Task) selectChunk(conn *client.Conn, tb *table, q string, row func([]any)) (string, error) {
	var res gomysql.Result
	var fp string
	var pick []int // result column → table column (-1: none)
	changed := false
	err := conn.ExecuteSelectStreaming(q, &res, func(r []gomysql.FieldValue) error {
		switch {
		case row == nil || changed:
		case pick != nil:
			all, vals := incrValues(r), make([]any, len(tb.cols))
			for i, j := range pick {
				if j >= 0 {
					vals[j] = all[i]
				}
			}
			row(vals)
		default:
			row(incrValues(r))
		}
		return nil
	}, func(res *gomysql.Result) error {
		fp = resultSchema(res.Fields)
		if sameColumns(tb, res.Fields) {
			return nil
		}
		if !t.st.incrAllowSchema {
			pick = pickColumns(tb, res.Fields)
		}
		changed = pick == nil
		return nil
	})
	if err != nil {
		return fp, err
	}
	if changed {
		return fp, fmt.Errorf("table %s has %d columns %v, the query returned %d: %w", tableID(tb.db, tb.name), len(tb.cols), columnNames(tb), len(res.Fields), errStructureChanged)
	}
	if pick != nil && row != nil {
		t.log.Warn("incremental snapshot: the table has columns the connector does not know yet (a DDL the stream has not read); the chunk's records leave them out (incremental.snapshot.allow.schema.changes=true waits for the DDL instead)",
			"table", tableID(tb.db, tb.name), "columns", len(res.Fields), "known", len(tb.cols))
	}
	return fp, nil
}

// pickColumns maps a result's columns to the table's by name when every
// column of the table is in the result once; nil otherwise.
func pickColumns(tb *table, fields []*gomysql.Field) []int {
	pick := make([]int, len(fields))
	seen := make([]bool, len(tb.cols))
	for i, f := range fields {
		pick[i] = -1
		for j, c := range tb.cols {
			if !seen[j] && strings.EqualFold(string(f.Name), c.name) {
				pick[i], seen[j] = j, true
				break
			}
		}
	}
	for _, ok := range seen {
		if !ok {
			return nil
		}
	}
	return pick
}

// sameColumns: a result has the table's columns, in its order.
func sameColumns(tb *table, fields []*gomysql.Field) bool {
	if len(fields) != len(tb.cols) {
		return false
	}
	for i, f := range fields {
		if !strings.EqualFold(string(f.Name), tb.cols[i].name) {
			return false
		}
	}
	return true
}

func columnNames(tb *table) []string {
	out := make([]string, len(tb.cols))
	for i, c := range tb.cols {
		out[i] = c.name
	}
	return out
}

// resultSchema renders a result's column definitions (name, type, flags
// such as NOT NULL and UNSIGNED, length, decimals, charset), what
// Debezium compares of a chunk's ResultSetMetaData to see a schema change.
func resultSchema(fields []*gomysql.Field) string {
	var b strings.Builder
	for _, f := range fields {
		fmt.Fprintf(&b, "%s %d %d %d %d %d;", f.Name, f.Type, f.Flag, f.ColumnLength, f.Decimal, f.Charset)
	}
	return b.String()
}

// schemaWaitLimit bounds the windows closed empty while the table's
// structure on the server and in the connector disagree.
const schemaWaitLimit = 50

// verifySchema is Debezium's schemaHistoryIsUpToDate: the table's
// structure is read (a query without rows) and passes when it is the one
// read in the previous window and the connector's table has its columns.
// Two windows are needed because the window's close comes through the
// binlog after any DDL visible to the first read, so the stream has
// applied it by then.
func (t *Task) verifySchema(conn *client.Conn, c *incrContext, tb *table, orderBy string) (bool, error) {
	fp, err := t.selectChunk(conn, tb, selectRows(tb, nil, orderBy, 0), nil)
	if err != nil && !errors.Is(err, errStructureChanged) {
		return false, fmt.Errorf("incremental snapshot: reading the structure of %s: %w", tableID(tb.db, tb.name), err)
	}
	ok := err == nil && c.schema != "" && fp == c.schema
	c.schema = fp
	if ok {
		c.schemaOK, c.schemaWaits = true, 0
		return true, nil
	}
	c.schemaWaits++
	if c.schemaWaits > schemaWaitLimit {
		// Not expected: the stream applies every DDL it reads. Go on and
		// let the chunk query report the mismatch.
		t.log.Error("incremental snapshot: the table's structure as the connector holds it still differs from the server's", "table", tableID(tb.db, tb.name), "windows", c.schemaWaits, "error", err)
		c.schemaOK = true
		return true, nil
	}
	t.log.Info("Incremental snapshot's schema verification", "table", tableID(tb.db, tb.name), "passed", false)
	return false, nil
}

// incrSchemaChanged handles a chunk or maximum-key query whose result's
// structure is not the one verified (Debezium's checkSchemaChanges): with
// incremental.snapshot.allow.schema.changes the chunk is reverted (the
// next one starts after the last key emitted) and the window closed
// empty, to be verified again. Without the setting, or with any other
// error, it reports false and the caller handles the error.
func (t *Task) incrSchemaChanged(c *incrContext, fp string, err error) bool {
	if !t.st.incrAllowSchema || c.schemaWaits > schemaWaitLimit {
		return false
	}
	if err != nil && !errors.Is(err, errStructureChanged) {
		return false
	}
	if err == nil && fp == c.schema {
		return false
	}
	t.log.Info("Schema has changed during the incremental snapshot", "table", tableID(c.tb.db, c.tb.name))
	c.schema, c.schemaOK = fp, false
	c.chunkEnd = c.lastSent
	c.clearWindow()
	return true
}

// incrAfterDDL runs after the stream applied a DDL statement: when it
// changed the structure of the table whose chunk waits to be emitted, the
// chunk, read with the structure the connector held before, is read again
// (Debezium's processSchemaChange and rereadChunk, whatever the setting).
// Debezium does so only once the window is open; a chunk read after the
// DDL committed but before the stream reached it (its open row comes
// after the DDL in the binlog) was read with the old structure too.
func (t *Task) incrAfterDDL(ctx context.Context, s *streamState) error {
	c := s.incr
	if !c.running() || len(c.window) == 0 || c.tb == nil {
		return nil
	}
	if t.tables[tableID(c.tb.db, c.tb.name)] == c.tb {
		return nil
	}
	t.log.Info("The structure of the table being snapshotted changed: reading its chunk again", "table", tableID(c.tb.db, c.tb.name))
	c.revert()
	return t.readChunk(ctx, s)
}

// incrDedupe drops a row changed in the binlog while its chunk's window
// is open (Debezium's deduplicateWindow).
func (t *Task) incrDedupe(s *streamState, tb *table, keys ...*data.Struct) {
	c := s.incr
	if c == nil || !c.windowOpened || len(c.index) == 0 || c.tb == nil {
		return
	}
	if c.tb != tb && (c.tb.name != tb.name || c.tb.db != tb.db) {
		return
	}
	for _, k := range keys {
		if k == nil {
			continue
		}
		if i, ok := c.index[k.String()]; ok {
			c.window[i].dropped = true
			delete(c.index, k.String())
			t.incrDrops.Add(1)
		}
	}
}

// incrEvent is the binlog event a window-close row came in, whose
// position the chunk's records carry, as Debezium's offset context does.
type incrEvent struct {
	h          *replication.EventHeader
	start      uint32
	row, nrows int64
}

func (t *Task) windowOpen(s *streamState, id string) {
	c := s.incr
	if c == nil || c.chunkID == "" || !strings.HasPrefix(id, c.chunkID) {
		t.log.Info("Received request to open window with unexpected id, request ignored", "id", id)
		return
	}
	c.windowOpened = true
}

func (t *Task) windowClose(ctx context.Context, s *streamState, id string) error {
	c := s.incr
	if c == nil || c.chunkID == "" || !strings.HasPrefix(id, c.chunkID) {
		t.log.Info("Received request to close window with unexpected id, request ignored", "id", id)
		return nil
	}
	c.windowOpened = false
	if err := t.sendWindow(ctx, s); err != nil {
		return err
	}
	return t.readChunk(ctx, s)
}

// sendWindow emits the chunk's rows left after deduplication.
func (t *Task) sendWindow(ctx context.Context, s *streamState) error {
	c := s.incr
	ev := s.incrEv
	if len(c.window) == 0 || ev == nil || c.tb == nil {
		c.clearWindow()
		return nil
	}
	tb := c.tb
	for i := range c.window {
		r := &c.window[i]
		if r.dropped {
			continue
		}
		after, key, err := tb.snapshotImage(r.vals)
		if err != nil {
			return err
		}
		// The record's offset carries its own key as the last one sent
		// (Debezium's sendEvent before dispatch); a record not handed over
		// leaves the resume point where it was.
		prev := c.lastSent
		c.setLastSent(r.javaKey)
		now := t.now()
		src := t.rowSource(tb, s, ev.h, ev.start, int32(ev.row))
		ms := now.UnixMilli()
		src.PutIndex(3, ms)
		src.PutIndex(4, markIncremental)
		src.PutIndex(7, now.UnixMicro())
		src.PutIndex(8, now.UnixNano())
		rowsDone := ev.row + 1
		if ev.nrows == 0 {
			rowsDone = 0 // a read-only window closed between transactions
		}
		off := s.offset(ev.h, rowsDone, ev.nrows)
		rec := t.record(tb, "r", nil, after, key, src, off, now)
		if err := t.emit(ctx, rec); err != nil {
			c.setLastSent(prev)
			return err
		}
		r.vals = nil
	}
	c.clearWindow()
	return nil
}

// executeIncremental is the execute-snapshot action for an incremental
// snapshot: the tables are added to the running snapshot, or one starts.
func (t *Task) executeIncremental(ctx context.Context, s *streamState, sig signal, doc map[string]any, log *slog.Logger) error {
	colls, ok := stringList(doc["data-collections"])
	if !ok || len(colls) == 0 {
		log.Warn("Execute snapshot signal has arrived but the requested field 'data-collections' is missing from data or is empty", "data", string(sig.Data))
		return nil
	}
	if typ, _ := doc["type"].(string); typ != "" && !strings.EqualFold(typ, "incremental") {
		log.Warn("execute-snapshot: unknown snapshot type", "type", typ)
		return nil
	}
	type condition struct {
		re     *regexp.Regexp
		filter string
	}
	var conds []condition
	if old, _ := doc["additional-condition"].(string); strings.TrimSpace(old) != "" {
		conds = append(conds, condition{regexp.MustCompile(`(?is)^(?:.*)$`), old})
	}
	if list, ok := doc["additional-conditions"].([]any); ok && len(conds) == 0 {
		for _, e := range list {
			m, _ := e.(map[string]any)
			dc, _ := m["data-collection"].(string)
			f, _ := m["filter"].(string)
			re, err := regexp.Compile(`(?i)^(?:` + dc + `)$`)
			if err != nil {
				log.Warn("execute-snapshot: additional condition with a bad data-collection pattern", "data-collection", dc, "error", err)
				return nil
			}
			conds = append(conds, condition{re, f})
		}
	}
	surrogate, _ := doc["surrogate-key"].(string)
	surrogate = strings.TrimSpace(surrogate)
	// Expand the patterns over the captured tables, keeping a name that
	// matches none as it is (Debezium's expandAndDedupeDataCollectionIds).
	known, err := t.knownTables(ctx)
	if err != nil {
		return err
	}
	var ids []string
	seen := map[string]bool{}
	for _, p := range colls {
		re, err := regexp.Compile(`^(?:` + p + `)$`)
		var matched []string
		if err == nil {
			for _, id := range known {
				if re.MatchString(id) {
					matched = append(matched, id)
				}
			}
		}
		if len(matched) == 0 {
			matched = []string{p}
		}
		for _, id := range matched {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	if t.st.signalTable == "" && !t.st.readOnly {
		// Taken, the tables would stay in every offset and each restart
		// would fail on the missing watermarks.
		log.Warn("execute-snapshot ignored: incremental snapshots need signal.data.collection for their watermarks (or read.only=true)", "data-collections", ids)
		return nil
	}
	log.Info("Requested 'INCREMENTAL' snapshot of data collections", "data-collections", ids, "surrogate-key", surrogate)
	if s.incr == nil {
		s.incr = &incrContext{index: map[string]int{}, lastHex: javaNullHex, maxHex: javaNullHex}
	}
	c := s.incr
	start := !c.running()
	for _, id := range ids {
		if strings.Count(id, ".") != 1 {
			log.Warn("Unable to parse table identifier. Skipping it.", "table", id)
			continue
		}
		dc := incrCollection{id: id, surrogate: surrogate}
		for _, cd := range conds {
			if cd.re.MatchString(id) {
				if cd.filter != "" {
					dc.cond = "(" + cd.filter + ")"
				}
				break
			}
		}
		c.colls = append(c.colls, dc)
	}
	corr := sig.ID
	c.correlation = &corr
	c.sigOffset = sig.Offset
	c.updateColls()
	if !start {
		t.reportIncremental(ctx, s, false)
		return nil
	}
	if err := t.readChunk(ctx, s); err != nil {
		// Dropped rather than kept in the offsets, where every restart
		// would fail on it again (Debezium keeps it); sent again once
		// the cause is mended, it starts afresh.
		c.stopAll()
		t.reportIncremental(ctx, s, true)
		log.Warn("Action execute-snapshot failed and the snapshot was dropped. The signal may not have been processed.", "error", err)
	}
	return nil
}

// knownTables are the captured tables' ids, for data-collections patterns.
func (t *Task) knownTables(ctx context.Context) ([]string, error) {
	conn, err := t.incrConn(ctx)
	if err != nil {
		return nil, err
	}
	ids, err := capturedTables(conn, t.st.filter)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = tableID(id[0], id[1])
	}
	return out, nil
}

func stringList(v any) ([]string, bool) {
	l, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(l))
	for _, e := range l {
		s, ok := e.(string)
		if !ok {
			return nil, false
		}
		out = append(out, strings.TrimSpace(s))
	}
	return out, true
}

// stopIncremental is stop-snapshot: the whole snapshot, or the tables
// its data-collections name.
func (t *Task) stopIncremental(ctx context.Context, s *streamState, sig signal, doc map[string]any, log *slog.Logger) error {
	if typ, _ := doc["type"].(string); typ != "" && !strings.EqualFold(typ, "incremental") {
		log.Warn("stop-snapshot: only incremental snapshots can be stopped", "type", typ)
		return nil
	}
	c := s.incr
	if c != nil && c.readOnly {
		c.sigOffset = sig.Offset
	}
	if !c.running() {
		log.Warn("No active incremental snapshot, stop ignored")
		return nil
	}
	colls, _ := stringList(doc["data-collections"])
	if len(colls) == 0 {
		log.Info("Stopping incremental snapshot.")
		c.stopAll()
		t.reportIncremental(ctx, s, true)
		return nil
	}
	known, err := t.knownTables(ctx)
	if err != nil {
		return err
	}
	stopCurrent := false
	for _, p := range colls {
		re, err := regexp.Compile(`^(?:` + p + `)$`)
		matched := []string{p}
		if err == nil {
			var m []string
			for _, id := range known {
				if re.MatchString(id) {
					m = append(m, id)
				}
			}
			if len(m) > 0 {
				matched = m
			}
		}
		for _, id := range matched {
			if c.tb != nil && strings.EqualFold(id, tableID(c.tb.db, c.tb.name)) {
				stopCurrent = true
				continue
			}
			removed := false
			for i := 0; i < len(c.colls); i++ {
				if c.colls[i].id == id && (i > 0 || c.tb == nil) {
					c.colls = append(c.colls[:i], c.colls[i+1:]...)
					removed = true
					i--
				}
			}
			if removed {
				log.Info("Removed collection from incremental snapshot collection list.", "table", id)
			} else {
				log.Warn("Could not remove collection, it is not part of the incremental snapshot.", "table", id)
			}
		}
	}
	c.updateColls()
	if stopCurrent {
		c.clearWindow()
		log.Info("Removed the current collection from incremental snapshot collection list.")
		c.nextCollection()
	}
	t.reportIncremental(ctx, s, true)
	return nil
}

func (t *Task) pauseIncremental(s *streamState, log *slog.Logger) {
	if c := s.incr; c.running() && !c.paused {
		log.Info("Pausing incremental snapshot")
		c.paused = true
		t.reportIncremental(context.Background(), s, false) // no new table: no query
	}
}

func (t *Task) resumeIncremental(ctx context.Context, s *streamState, log *slog.Logger) error {
	c := s.incr
	if !c.running() || !c.paused {
		return nil
	}
	log.Info("Resuming incremental snapshot")
	c.paused = false
	t.reportIncremental(ctx, s, false)
	if c.chunkPending() {
		// Paused and resumed before the chunk's window closed: its close
		// emits it and reads on. A chunk read now would take a new id (the
		// pending close ignored) and drop the pending rows. Debezium keeps
		// them in its window and emits them with the next chunk's.
		return nil
	}
	if err := t.readChunk(ctx, s); err != nil {
		var fatal fatalError
		if retryableDBError(err) || errors.As(err, &fatal) {
			return err // the stream reconnects and reads the chunk then
		}
		// Kept, the snapshot would run with no chunk to close: dropped,
		// as a start that fails is.
		c.stopAll()
		t.reportIncremental(ctx, s, true)
		log.Warn("Action resume-snapshot failed and the snapshot was dropped. The signal may not have been processed.", "error", err)
	}
	return nil
}

// revert drops a chunk read but not emitted: the next one starts after
// the last key emitted (Debezium's revertChunk).
func (c *incrContext) revert() {
	c.chunkEnd = c.lastSent
	c.chunkID = "" // its watermarks, replayed, are ignored
	c.windowOpened, c.ro = false, nil
	c.clearWindow()
}

// incrValues copies a streamed row (its buffers are reused for the next
// one) into values in table column order: chunks are held until their
// window closes.
func incrValues(row []gomysql.FieldValue) []any {
	vals := make([]any, len(row))
	for i := range row {
		switch row[i].Type {
		case gomysql.FieldValueTypeNull:
		case gomysql.FieldValueTypeString:
			vals[i] = bytes.Clone(row[i].AsString())
		default:
			vals[i] = row[i].Value()
		}
	}
	return vals
}
