package mysql

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/go-mysql-org/go-mysql/client"

	"github.com/goconnect/goconnect/internal/hashorder"
)

// blockingSnapshot is an execute-snapshot signal of type blocking
// (Debezium's ChangeEventSourceCoordinator.doBlockingSnapshot), waiting for
// the stream to reach the position of its read view.
//
// Debezium pauses streaming where the signal arrives, snapshots the tables
// at a later read view, then resumes streaming from the pause: the changes
// made in between come twice, after the snapshot records of their rows.
// Here the read view and its binlog position are taken under the global
// read lock when the signal arrives; streaming goes on up to that position,
// then the rows are read and emitted, then streaming resumes: every change
// comes once, in the order the rows had them (before the snapshot record
// when made before the read view, after it otherwise). The records carry
// the stream's offset, not Debezium's snapshot=true one: a restart in the
// middle resumes streaming (the signal must be sent again) rather than
// starting a snapshot that, with snapshot.mode=no_data, would skip changes.
type blockingSnapshot struct {
	id   string
	conn *client.Conn
	// extra are snapshot.max.threads-1 more connections, their read views
	// opened under the same lock.
	extra []*client.Conn
	// file and pos are the binlog position of the read view; gtids the
	// executed set there (MySQL).
	file  string
	pos   uint32
	gtids string
	// tables are the tables to read, in order ("db.table"); loaded are the
	// structures read under the lock of those the stream did not know.
	tables []string
	loaded map[string]*table
	// selects are the additional-conditions' statements by "db.table".
	selects map[string]string
}

// executeSnapshotData is the data of an execute-snapshot signal.
type executeSnapshotData struct {
	Type                 string   `json:"type"`
	DataCollections      []string `json:"data-collections"`
	AdditionalConditions []struct {
		DataCollection string `json:"data-collection"`
		Filter         string `json:"filter"`
	} `json:"additional-conditions"`
}

// logSignal runs a log signal: Debezium's Log action writes data.message,
// its first "{}" replaced by the current offset, at INFO.
func (t *Task) logSignal(s *streamState, sig signal) {
	var d struct {
		Message string `json:"message"`
	}
	if len(sig.Data) > 0 {
		if err := json.Unmarshal(sig.Data, &d); err != nil {
			t.log.Warn("signal ignored: its data is not a JSON object", "id", sig.ID, "type", sig.Type, "channel", sig.Channel, "data", string(sig.Data), "error", err)
			return
		}
	}
	if d.Message == "" {
		t.log.Warn("Logging signal has arrived but the requested field 'message' is missing from data", "id", sig.ID, "channel", sig.Channel, "data", string(sig.Data))
		return
	}
	t.log.Info(strings.Replace(d.Message, "{}", javaMap(t.streamOffset(s)), 1), "signal", sig.ID, "channel", sig.Channel)
}

// streamOffset is the offset a record emitted now would carry: where a
// restart would resume.
func (t *Task) streamOffset(s *streamState) map[string]any {
	off := map[string]any{"file": s.file, "pos": int64(s.restartPos)}
	if s.tsSec != 0 {
		off["ts_sec"] = s.tsSec
	}
	if s.serverID != 0 {
		off["server_id"] = int64(s.serverID)
	}
	if !s.flat {
		if g := s.gtids.offsetValue(); g != "" {
			off["gtids"] = g
		}
		if s.inTx && s.emittedEvents != 0 {
			off["event"] = s.emittedEvents
		}
		if s.inTx && s.emittedRow != 0 {
			off["row"] = s.emittedRow
		}
	}
	return off
}

// javaMap writes m as Java's Map.toString, in HashMap order.
func javaMap(m map[string]any) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range hashorder.Keys(m) {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s=%v", k, m[k])
	}
	b.WriteByte('}')
	return b.String()
}

// requestBlocking starts an execute-snapshot signal of type blocking: it
// takes the read view and its position now, and leaves the rows to
// runBlocking once the stream has reached that position. A signal naming
// no captured table is logged and ignored.
func (t *Task) requestBlocking(ctx context.Context, s *streamState, sig signal, d *executeSnapshotData) error {
	var pats []*regexp.Regexp
	for _, entry := range d.DataCollections {
		for _, c := range splitRegexList(entry) {
			re, err := regexp.Compile(`(?i)^(?:` + c + `)$`)
			if err != nil {
				t.log.Warn("signal ignored: a data collection is not a valid regular expression", "id", sig.ID, "channel", sig.Channel, "data-collection", c, "error", err)
				return nil
			}
			pats = append(pats, re)
		}
	}
	if len(pats) == 0 {
		t.log.Warn("Execute snapshot signal has arrived but the requested field 'data-collections' is missing from data or is empty", "id", sig.ID, "channel", sig.Channel, "data", string(sig.Data))
		return nil
	}
	selects := map[string]string{}
	for _, c := range d.AdditionalConditions {
		// Debezium keys a blocking snapshot's statements by the table id the
		// data-collection names, and takes filter as the whole statement.
		if id := strings.TrimSpace(c.DataCollection); id != "" && strings.TrimSpace(c.Filter) != "" {
			selects[id] = c.Filter
		}
	}
	// A failure here fails the request, not the stream: it is logged and
	// the signal ignored (a lock that cannot be had within Debezium's
	// snapshot.lock.timeout.ms, a connection refused).
	conn, err := dial(ctx, t.st)
	if err != nil {
		t.log.Error("blocking snapshot failed, signal ignored", "id", sig.ID, "channel", sig.Channel, "error", err)
		return nil
	}
	b := &blockingSnapshot{id: sig.ID, conn: conn, selects: selects, loaded: map[string]*table{}}
	if err := t.prepareBlocking(ctx, b, pats); err != nil {
		b.close()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		t.log.Error("blocking snapshot failed, signal ignored", "id", sig.ID, "channel", sig.Channel, "error", err)
		return nil
	}
	if len(b.tables) == 0 {
		b.close()
		t.log.Warn("blocking snapshot signal ignored: no captured table matches its data collections", "id", sig.ID, "channel", sig.Channel, "data-collections", d.DataCollections)
		return nil
	}
	t.log.Info("blocking snapshot requested", "id", sig.ID, "channel", sig.Channel, "tables", b.tables, "file", b.file, "pos", b.pos,
		"streamFile", s.file, "streamPos", s.restartPos)
	s.blocking = append(s.blocking, b)
	return t.runBlocking(ctx, s)
}

// prepareBlocking opens b's read view under the global read lock (unless
// snapshot.locking.mode is none) and reads its position and the tables.
func (t *Task) prepareBlocking(ctx context.Context, b *blockingSnapshot, pats []*regexp.Regexp) error {
	lock := t.st.lockingMode != "none"
	qs := append(append([]string(nil), snapshotSession...), t.lockWaitSession()...)
	if lock {
		// snapshot.lock.timeout.ms bounds the wait (the stream waits for
		// the lock too).
		qs = append(qs, "FLUSH TABLES WITH READ LOCK")
	}
	qs = append(qs, "START TRANSACTION WITH CONSISTENT SNAPSHOT")
	for _, q := range qs {
		if _, err := b.conn.Execute(q); err != nil {
			return fmt.Errorf("blocking snapshot: %s: %w", q, err)
		}
	}
	unlock := func() error {
		if !lock {
			return nil
		}
		lock = false
		if _, err := b.conn.Execute("UNLOCK TABLES"); err != nil {
			return fmt.Errorf("blocking snapshot: UNLOCK TABLES: %w", err)
		}
		return nil
	}
	defer func() { _ = unlock() }()
	var err error
	if b.file, b.pos, b.gtids, err = binlogPosition(b.conn, t.mariaDB); err != nil {
		return fmt.Errorf("blocking snapshot: %w", err)
	}
	if t.mariaDB {
		b.gtids = "" // as the initial snapshot: MariaDB offsets name file and pos
	}
	ids, err := capturedTables(b.conn, t.st.filter)
	if err != nil {
		return fmt.Errorf("blocking snapshot: %w", err)
	}
	for _, id := range includeOrder(ids, t.st.filter) {
		key := tableID(id[0], id[1])
		// Debezium matches the table's id and its double-quoted form.
		if !anyMatch(pats, key) && !anyMatch(pats, quotedID(id[0], id[1])) {
			continue
		}
		if t.tables[key] == nil {
			tb, err := t.loadTable(b.conn, id[0], id[1])
			if err != nil {
				return fmt.Errorf("blocking snapshot: %w", err)
			}
			if tb == nil {
				continue // dropped since the listing
			}
			b.loaded[key] = tb
		}
		b.tables = append(b.tables, key)
	}
	// snapshot.max.threads: the other threads' read views, opened while the
	// lock still holds writes back, see the same state as b.conn's.
	if b.extra, err = t.snapshotConns(ctx, min(t.st.snapshotThreads, len(b.tables))-1); err != nil {
		return err
	}
	return unlock()
}

// close closes b's connections.
func (b *blockingSnapshot) close() {
	b.conn.Close()
	for _, c := range b.extra {
		c.Close()
	}
}

// runBlocking runs the blocking snapshots whose position the stream has
// reached: between transactions, at or after the read view's position.
func (t *Task) runBlocking(ctx context.Context, s *streamState) error {
	for len(s.blocking) > 0 {
		b := s.blocking[0]
		if s.inTx || s.seekTo != 0 || s.file == "" || !pointAtOrAfter(s.file, s.restartPos, b.file, b.pos) {
			return nil
		}
		s.blocking = s.blocking[1:]
		err := t.blockingRead(ctx, s, b)
		b.close()
		if err != nil && ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			// The records emitted so far stay; streaming goes on (Debezium
			// would stay paused).
			t.log.Error("blocking snapshot failed, streaming resumes", "id", b.id, "error", err)
		}
	}
	return nil
}

// includeOrder orders captured tables (sorted) as Debezium's
// addSignalingCollectionAndSort: by the first table.include.list pattern
// each matches, in the list's order (all of them when there is no list),
// then the signalling table; sorted within a pattern.
func includeOrder(ids [][2]string, f *filter) [][2]string {
	if len(f.tableInclude) == 0 {
		return ids
	}
	out := make([][2]string, 0, len(ids))
	done := make([]bool, len(ids))
	take := func(match func(string) bool) {
		for i, id := range ids {
			if !done[i] && match(tableID(id[0], id[1])) {
				done[i] = true
				out = append(out, id)
			}
		}
	}
	for _, re := range f.tableInclude {
		take(re.MatchString)
	}
	take(func(id string) bool { return f.signal != "" && strings.EqualFold(id, f.signal) })
	take(func(string) bool { return true }) // none left in practice
	return out
}

// splitRegexList splits an entry of data-collections as Debezium's
// RegExSplitter: at commas not escaped by a backslash, each part trimmed,
// "\," unescaped, empty parts dropped.
func splitRegexList(s string) []string {
	var out []string
	add := func(p string) {
		if p = strings.ReplaceAll(strings.TrimSpace(p), `\,`, ","); p != "" {
			out = append(out, p)
		}
	}
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case ',':
			add(s[start:i])
			start = i + 1
		}
	}
	add(s[start:])
	return out
}

// pointAtOrAfter reports whether binlog position file:pos is at or after
// at:atPos.
func pointAtOrAfter(file string, pos uint32, at string, atPos uint32) bool {
	f, g := fileNumber(file), fileNumber(at)
	return f > g || f == g && pos >= atPos
}

// blockingRead emits b's schema records and rows, marked as the initial
// snapshot marks them, at the stream's current position.
func (t *Task) blockingRead(ctx context.Context, s *streamState, b *blockingSnapshot) error {
	t.log.Info("blocking snapshot started", "id", b.id, "tables", b.tables, "file", s.file, "pos", s.restartPos)
	gtids := ""
	if !s.flat {
		gtids = s.gtids.offsetValue()
	}
	tables := make([]*table, 0, len(b.tables))
	for _, id := range b.tables {
		tb := t.tables[id] // as the stream has it: DDL up to here applied
		if tb == nil {
			tb = b.loaded[id]
			t.tables[id] = tb
		}
		tables = append(tables, tb)
	}
	if err := t.blockingSchemas(ctx, b.conn, tables, s.file, s.restartPos, gtids, t.streamOffset(s)); err != nil {
		return err
	}
	// Progress as the initial snapshot's: Debezium's blocking snapshot
	// reports through the same snapshot metrics.
	prog := t.newSnapshotProgress(b.conn, tables)
	em := &snapshotEmitter{t: t, file: s.file, pos: int64(s.restartPos), gtids: gtids, fileV: s.file, posV: int64(s.restartPos),
		selects: b.selects, streamOff: t.streamOffset(s), serverID: int64(s.serverID), progress: prog}
	if err := t.readTables(ctx, append([]*client.Conn{b.conn}, b.extra...), tables, em); err != nil {
		prog.finish(true)
		return fmt.Errorf("blocking snapshot: %w", err)
	}
	for _, c := range append([]*client.Conn{b.conn}, b.extra...) {
		if _, err := c.Execute("COMMIT"); err != nil {
			prog.finish(true)
			return fmt.Errorf("blocking snapshot: COMMIT: %w", err)
		}
	}
	prog.finish(false)
	t.log.Info("blocking snapshot completed, streaming resumes", "id", b.id, "file", s.file, "pos", s.restartPos)
	return nil
}

// blockingSchemas records the snapshotted tables' structures as Debezium's
// blocking snapshot does: DROP TABLE IF EXISTS and CREATE TABLE of each (no
// database statements), in the schema history and as schema change events.
func (t *Task) blockingSchemas(ctx context.Context, conn *client.Conn, tables []*table, file string, pos uint32, gtids string, off map[string]any) error {
	if t.history == nil && !t.st.schemaChanges {
		return nil
	}
	now := t.now()
	posMap := map[string]any{"ts_sec": now.Unix(), "file": file, "pos": int64(pos), "snapshot": true}
	if gtids != "" {
		posMap["gtids"] = gtids
	}
	// Debezium's order: every DROP TABLE first, then the CREATE TABLEs.
	var recs []*historyRecord
	for _, tb := range tables {
		recs = append(recs, &historyRecord{DDL: "DROP TABLE IF EXISTS " + backquote(tb.db) + "." + backquote(tb.name),
			TableChanges: []histChange{{Type: "DROP", ID: quotedID(tb.db, tb.name)}}, DatabaseName: tb.db, table: tb.name})
	}
	for _, tb := range tables {
		ddl, err := showCreate(conn, tb.db, tb.name)
		if err != nil {
			return fmt.Errorf("blocking snapshot: %w", err)
		}
		doc := histTableOf(tb)
		t.docs[tableID(tb.db, tb.name)] = doc
		recs = append(recs, &historyRecord{DDL: ddl, TableChanges: []histChange{{Type: "CREATE", ID: quotedID(tb.db, tb.name), Table: doc}},
			DatabaseName: tb.db, table: tb.name})
	}
	for _, rec := range recs {
		rec.Source, rec.Position, rec.TsMs = map[string]any{"server": t.st.prefix}, posMap, now.UnixMilli()
		if t.history != nil {
			if err := t.history.store(ctx, rec); err != nil {
				return err
			}
		}
		if t.st.schemaChanges {
			src := t.sourceStruct(rec.DatabaseName, rec.table, t.now().UnixNano(), 0, file, int64(pos), 0, nil)
			src.PutIndex(4, "true")
			if err := t.emit(ctx, t.schemaChangeRecord(rec, src, off)); err != nil {
				return err
			}
		}
	}
	return nil
}
