package mysql

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/go-mysql-org/go-mysql/client"
	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/hashorder"
)

// showCreate returns SHOW CREATE TABLE, the DDL Debezium records for
// snapshotted tables.
func showCreate(c *client.Conn, db, name string) (string, error) {
	r, err := c.Execute("SHOW CREATE TABLE " + quoteID(db) + "." + quoteID(name))
	if err != nil {
		return "", fmt.Errorf("SHOW CREATE TABLE %s.%s: %w", db, name, err)
	}
	defer r.Close()
	if r.RowNumber() == 0 || r.ColumnNumber() < 2 {
		return "", fmt.Errorf("SHOW CREATE TABLE %s.%s: no result", db, name)
	}
	ddl, _ := str(r, 0, 1)
	return ddl, nil
}

// snapshotSchemas records, at the snapshot position, the DDL Debezium's
// snapshot replays, in its order: the server's charset (SET), a DROP TABLE
// IF EXISTS per table, then per database DROP DATABASE IF EXISTS, CREATE
// DATABASE, USE and each table's SHOW CREATE TABLE. The tables are those of
// every captured database, captured or not, unless
// schema.history.internal.store.only.captured.tables.ddl is set. Each
// goes to the schema history and, with include.schema.changes, out as a
// schema change event (source.snapshot "true"), before any data.
func (t *Task) snapshotSchemas(ctx context.Context, conn *client.Conn, tables []*table, file string, pos uint32, gtids string) error {
	if t.history == nil && !t.st.schemaChanges {
		return nil
	}
	captured := map[string]*table{}
	var ids [][2]string
	for _, tb := range tables {
		captured[tableID(tb.db, tb.name)] = tb
		ids = append(ids, [2]string{tb.db, tb.name})
	}
	if !t.st.onlyCapturedDDL {
		var err error
		if ids, err = schemaTables(conn, t.st.filter); err != nil {
			return fmt.Errorf("snapshot: %w", err)
		}
	}
	type stmt struct {
		db, table, ddl string
		changes        []histChange
	}
	var stmts []stmt
	cs, coll, err := serverCharset(conn)
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	stmts = append(stmts, stmt{"", "", "SET character_set_server=" + cs + ", collation_server=" + coll, nil})
	var dbs []string
	for _, id := range ids {
		stmts = append(stmts, stmt{id[0], id[1], "DROP TABLE IF EXISTS " + backquote(id[0]) + "." + backquote(id[1]),
			[]histChange{{Type: "DROP", ID: quotedID(id[0], id[1])}}})
		if len(dbs) == 0 || dbs[len(dbs)-1] != id[0] {
			dbs = append(dbs, id[0])
		}
	}
	locales, err := databaseLocales(conn)
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	for _, db := range dbs {
		create := "CREATE DATABASE " + backquote(db)
		if l := locales[db]; l[0] != "" {
			create += " CHARSET " + l[0]
		}
		if l := locales[db]; l[1] != "" {
			create += " COLLATE " + l[1]
		}
		stmts = append(stmts, stmt{db, "", "DROP DATABASE IF EXISTS " + backquote(db), nil},
			stmt{db, "", create, nil}, stmt{db, "", "USE " + backquote(db), nil})
		for _, id := range ids {
			if id[0] != db {
				continue
			}
			tb := captured[tableID(id[0], id[1])]
			ddl, err := showCreate(conn, id[0], id[1])
			if err == nil && tb == nil {
				tb, err = t.describeTable(conn, id[0], id[1])
			}
			if err != nil || tb == nil {
				if captured[tableID(id[0], id[1])] != nil {
					return fmt.Errorf("snapshot: %w", err)
				}
				// A table that is not captured and went away since the
				// listing: nothing to record.
				continue
			}
			doc := histTableOf(tb)
			t.docs[tableID(id[0], id[1])] = doc
			stmts = append(stmts, stmt{db, id[1], ddl, []histChange{{Type: "CREATE", ID: quotedID(id[0], id[1]), Table: doc}}})
		}
	}

	now := t.now()
	posMap := map[string]any{"ts_sec": now.Unix(), "file": file, "pos": int64(pos), "snapshot": true}
	if gtids != "" {
		posMap["gtids"] = gtids
	}
	for _, st := range stmts {
		changes := st.changes
		if changes == nil {
			changes = []histChange{}
		}
		rec := &historyRecord{Source: map[string]any{"server": t.st.prefix}, Position: posMap, TsMs: now.UnixMilli(),
			DatabaseName: st.db, DDL: st.ddl, TableChanges: changes}
		// With store.only.captured.tables.ddl the history keeps only the
		// captured tables' statements and the global SET; the database
		// statements still go out as schema change events.
		if t.history != nil && (!t.st.onlyCapturedDDL || len(st.changes) > 0 || st.db == "") {
			if err := t.history.store(ctx, rec); err != nil {
				return err
			}
		}
		if t.st.schemaChanges {
			src := t.sourceStruct(st.db, st.table, t.now().UnixNano(), 0, file, int64(pos), 0, nil)
			src.PutIndex(4, "true")
			off := map[string]any{"file": file, "pos": int64(pos), "ts_sec": now.Unix(), "snapshot": true}
			if gtids != "" {
				off["gtids"] = gtids
			}
			if err := t.emit(ctx, t.schemaChangeRecord(rec, src, off)); err != nil {
				return err
			}
		}
	}
	return nil
}

// backquote quotes a name as Debezium's snapshot does (no escaping).
func backquote(s string) string { return "`" + s + "`" }

// schemaTables lists every base table of the databases the connector
// captures from (captured tables or not), sorted as Debezium's TableIds.
func schemaTables(c *client.Conn, f *filter) ([][2]string, error) {
	return baseTables(c, func(db, _ string) bool { return f.includeDB(db) })
}

// serverCharset reads character_set_server and collation_server.
func serverCharset(c *client.Conn) (charset, collation string, err error) {
	r, err := c.Execute("SELECT @@character_set_server, @@collation_server")
	if err != nil {
		return "", "", fmt.Errorf("reading the server charset: %w", err)
	}
	defer r.Close()
	if r.RowNumber() == 0 {
		return "", "", fmt.Errorf("reading the server charset: no result")
	}
	charset, _ = str(r, 0, 0)
	collation, _ = str(r, 0, 1)
	return charset, collation, nil
}

// databaseLocales reads each database's default charset and collation.
func databaseLocales(c *client.Conn) (map[string][2]string, error) {
	r, err := c.Execute("SELECT SCHEMA_NAME, DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA")
	if err != nil {
		return nil, fmt.Errorf("reading database charsets: %w", err)
	}
	defer r.Close()
	out := map[string][2]string{}
	for i := 0; i < r.RowNumber(); i++ {
		db, _ := str(r, i, 0)
		cs, _ := str(r, i, 1)
		coll, _ := str(r, i, 2)
		out[db] = [2]string{cs, coll}
	}
	return out, nil
}

// schemaChangeRecord renders a history record as a schema change event on
// the topic named after the prefix.
func (t *Task) schemaChangeRecord(rec *historyRecord, src *data.Struct, off map[string]any) connect.SourceRecord {
	key := data.NewStruct(t.sc.key)
	key.PutIndex(0, rec.DatabaseName)
	val := data.NewStruct(t.sc.value)
	val.PutIndex(0, src)
	val.PutIndex(1, src.RawIndex(3))
	val.PutIndex(2, rec.DatabaseName)
	val.PutIndex(4, rec.DDL)
	changes := make([]any, len(rec.TableChanges))
	for i, ch := range rec.TableChanges {
		changes[i] = t.sc.changeStruct(ch)
	}
	val.PutIndex(5, changes)
	return connect.NewSourceRecord(t.partition, off, sanitizeTopic(t.st.prefix), t.sc.key, key, t.sc.value, val)
}

// handleDDL records a statement from the binlog as Debezium 2.7.3's
// MySQL connector does (MySqlStreamingChangeEventSource.handleQueryEvent,
// BinlogDatabaseSchema.parseDdl) and keeps the captured tables'
// structures in step. Every statement but transaction control, XA, DML
// and the default schema.history.internal.ddl.filter's matches is
// recorded, unless schema.history.internal.store.only.captured.tables.ddl
// (or .databases.ddl) leaves it out. A statement already in the schema
// history (a restart replaying older events) is applied from there; the
// structure of a new one is read from the server, with the column
// details its text writes (see writtenColumns). Without a history the
// cache is updated from the server.
func (t *Task) handleDDL(ctx context.Context, meta *client.Conn, s *streamState, h *replication.EventHeader, start uint32, e *replication.QueryEvent) error {
	q := string(e.Query)
	defaultDB := string(e.Schema)
	if ignoredStatement(q) {
		return nil
	}
	clean := strings.TrimSpace(commentRe.ReplaceAllString(q, " "))
	if m := truncateRe.FindStringSubmatch(clean); m != nil {
		db, name := splitQName(defaultDB, m[1])
		// The truncate event first, then the statement (a table event
		// without table changes), as Debezium dispatches them.
		if err := t.handleTruncate(ctx, meta, s, h, start, db, name); err != nil {
			return err
		}
		captured := t.st.filter.includeTable(db, name)
		return t.recordStatement(ctx, s, h, start, stmtRecord{db: db, table: &name, ddl: q,
			matched: captured, capturedTable: captured})
	}
	refs, dropDB, ok := ddlTables(defaultDB, q)
	if ok && indexRe.MatchString(clean) && !t.uniqueKeyIndex(clean, refs) {
		// Debezium's parser signals an index only when a UNIQUE one
		// becomes the key of a captured table without a primary key; other
		// index statements are recorded as statements.
		ok = false
	}
	if dropDB != "" {
		for id, tb := range t.tables {
			if tb.db == dropDB {
				delete(t.tables, id)
			}
		}
	}
	if !ok || dropDB != "" {
		if !ok && t.history == nil {
			// Structures of captured tables cannot have changed, except
			// through statements ddlTables misses: drop the cache without
			// a history to be safe.
			t.tables = map[string]*table{}
		}
		return t.recordStatement(ctx, s, h, start, t.statementRecord(defaultDB, q))
	}
	// Recorded: DDL of captured tables and, unless
	// store.only.captured.tables.ddl is set, of every other table.
	var captured []ddlRef
	for _, r := range refs {
		if t.st.filter.includeTable(r.db, r.name) || (!t.st.onlyCapturedDDL && t.dbRecorded(r.db)) {
			captured = append(captured, r)
		}
	}
	if len(captured) == 0 {
		return nil
	}
	off := s.offset(h, 0, 0)
	delete(off, "event")
	if t.history != nil {
		if recs := t.history.at(s.file, int64(s.restartPos)); len(recs) > 0 {
			for _, rec := range recs {
				if err := t.applyHistory(rec); err != nil {
					return err
				}
				if err := t.emitSchemaChange(ctx, s, h, start, rec, off); err != nil {
					return err
				}
			}
			return nil
		}
	}
	// The column types as the statement writes them (see writtenColumns).
	written, parsed := writtenColumns(defaultDB, q)
	var changes []histChange
	var tableless string
	for _, r := range captured {
		id := tableID(r.db, r.name)
		if r.drop {
			delete(t.tables, id)
			changes = append(changes, histChange{Type: "DROP", ID: quotedID(r.db, r.name)})
			continue
		}
		typ := "ALTER"
		if createRe.MatchString(clean) {
			typ = "CREATE"
		}
		var tb *table
		var err error
		if t.st.filter.includeTable(r.db, r.name) {
			if tb, err = t.loadTable(meta, r.db, r.name); err != nil {
				return err
			}
			if _, known := t.tables[id]; !known && r.from == nil {
				typ = "CREATE"
			}
			if tb == nil { // gone again already; later DDL will say so
				delete(t.tables, id)
				continue
			}
			t.tables[id] = tb
		} else {
			// Not captured: its structure for the history only.
			if tb, err = t.describeTable(meta, r.db, r.name); err != nil {
				return err
			}
			if tb == nil {
				// Gone again already: the statement is recorded without
				// the structure (Debezium parses it from the text).
				tableless = r.name
				continue
			}
		}
		doc := histTableOf(tb)
		var prev *histTable
		switch {
		case written.like != nil:
			prev = t.docs[tableID(written.like[0], written.like[1])]
		case typ != "CREATE":
			prev = t.docs[id]
			if r.from != nil {
				prev = t.docs[tableID(r.from.db, r.from.name)]
			}
		}
		applyWritten(doc, prev, written, parsed)
		if t.st.filter.includeTable(r.db, r.name) {
			// Its change events follow the written types too.
			if err := t.retype(tb, doc); err != nil {
				return err
			}
		}
		ch := histChange{Type: typ, ID: quotedID(r.db, r.name), Table: doc}
		if r.from != nil && len(changes) > 0 && changes[len(changes)-1].Type == "DROP" &&
			changes[len(changes)-1].ID == quotedID(r.from.db, r.from.name) {
			// A rename is one ALTER of the new name; RENAME TABLE (not
			// ALTER TABLE … RENAME) has the old one as previousId, as
			// Debezium's parser signals them.
			if renameRe.MatchString(clean) {
				ch.PreviousID = changes[len(changes)-1].ID
			}
			changes = changes[:len(changes)-1]
		}
		changes = append(changes, ch)
	}
	db := captured[0].db
	rec := &historyRecord{Source: map[string]any{"server": t.st.prefix}, Position: off, TsMs: t.now().UnixMilli(),
		DatabaseName: db, DDL: q, TableChanges: changes, table: tableless}
	if changes == nil {
		rec.TableChanges = []histChange{}
	}
	recs := []*historyRecord{rec}
	if m := dropRe.FindStringSubmatch(clean); m != nil && len(changes) > 0 {
		// Debezium records a DROP TABLE per table, as its parser writes it.
		ifExists := ""
		if regexp.MustCompile(`(?is)^DROP\s+(?:TEMPORARY\s+)?TABLES?\s+IF\s+EXISTS\s`).MatchString(clean) {
			ifExists = "IF EXISTS "
		}
		// Each one's source.table names all the statement's tables, in
		// the order of the HashSet Debezium collects them in.
		var ids []string
		names := map[string]string{}
		for _, ch := range changes {
			cdb, cname, _ := parseQuotedID(ch.ID)
			ids = append(ids, cdb+"."+cname)
			names[cdb+"."+cname] = cname
		}
		var all []string
		for _, id := range hashorder.Order(ids) {
			all = append(all, names[id])
		}
		joined := strings.Join(all, ",")
		recs = recs[:0]
		for _, ch := range changes {
			cdb, cname, _ := parseQuotedID(ch.ID)
			recs = append(recs, &historyRecord{Source: rec.Source, Position: off, TsMs: rec.TsMs, DatabaseName: cdb,
				DDL: "DROP TABLE " + ifExists + backquote(cdb) + "." + backquote(cname), TableChanges: []histChange{ch}, srcTable: &joined})
		}
	}
	for _, rec := range recs {
		t.noteDocs(rec)
		if t.history != nil {
			if err := t.history.store(ctx, rec); err != nil {
				return err
			}
		}
		if err := t.emitSchemaChange(ctx, s, h, start, rec, off); err != nil {
			return err
		}
	}
	return nil
}

// noteDocs keeps the table documents of a record as the tables' latest.
func (t *Task) noteDocs(rec *historyRecord) {
	if t.docs == nil {
		t.docs = map[string]*histTable{}
	}
	for _, ch := range rec.TableChanges {
		if pdb, pname, ok := parseQuotedID(ch.PreviousID); ok {
			delete(t.docs, tableID(pdb, pname))
		}
		db, name, ok := parseQuotedID(ch.ID)
		if !ok {
			continue
		}
		if ch.Type == "DROP" || ch.Table == nil {
			delete(t.docs, tableID(db, name))
		} else {
			t.docs[tableID(db, name)] = ch.Table
		}
	}
}

// retype gives a captured table's columns the types its document names
// where Debezium converts by the written name and the server reports
// another type: BOOLEAN (boolean, not int16), REAL (float32, not
// float64), JSON on MariaDB (io.debezium.data.Json, not a plain string).
func (t *Task) retype(tb *table, doc *histTable) error {
	changed := false
	for i, c := range tb.cols {
		if i >= len(doc.Columns) || !strings.EqualFold(doc.Columns[i].Name, c.name) {
			continue
		}
		var dt string
		switch f := strings.Fields(strings.ToUpper(doc.Columns[i].TypeName)); {
		case len(f) == 0:
		case f[0] == "BOOL" || f[0] == "BOOLEAN":
			dt = "boolean"
		case f[0] == "REAL":
			dt = "real"
		case f[0] == "JSON":
			dt = "json"
		}
		if d := doc.Columns[i].DefaultValueExpression; c.kind == kString && d != nil && (c.defaultSQL == nil || *c.defaultSQL != *d) {
			// A string default as written ('it''s' stays it''s in
			// Debezium's schema default).
			dv := *d
			c.defaultSQL, changed = &dv, true
			if err := mapColumn(c, t.st, false); err != nil {
				return fatalError{fmt.Errorf("table %s.%s: %w", tb.db, tb.name, err)}
			}
		}
		if dt == "" || dt == c.dataType {
			continue
		}
		c.dataType, changed = dt, true
		if err := mapColumn(c, t.st, t.mariaDB); err != nil {
			return fatalError{fmt.Errorf("table %s.%s: %w", tb.db, tb.name, err)}
		}
	}
	if !changed {
		return nil
	}
	return tb.buildSchemas(t.st, t.src, t.tx)
}

// uniqueKeyIndex reports a CREATE UNIQUE INDEX that Debezium's parser
// turns into the key of a captured table without a primary key (the one
// index statement it signals as a table change).
func (t *Task) uniqueKeyIndex(clean string, refs []ddlRef) bool {
	if len(refs) != 1 || !uniqueIndexRe.MatchString(clean) || !t.st.filter.includeTable(refs[0].db, refs[0].name) {
		return false
	}
	tb := t.tables[tableID(refs[0].db, refs[0].name)]
	return tb != nil && len(tb.keyIdx) == 0
}

// dbRecorded reports whether statements on a database are recorded at
// all: schema.history.internal.store.only.captured.databases.ddl leaves
// out the databases database.include.list / exclude.list do not take.
func (t *Task) dbRecorded(db string) bool {
	return !t.st.onlyCapturedDBDDL || db == "" || t.st.filter.listsDB(db)
}

// stmtRecord is a statement recorded without table changes: its
// databaseName, source.table (nil for null) and how
// store.only.captured.tables.ddl treats it.
type stmtRecord struct {
	db    string
	table *string
	ddl   string
	// matched: Debezium's DdlChanges.anyMatch, the statement touches a
	// captured table, a database the filters take, or sets a global
	// variable; only such statements are recorded with
	// store.only.captured.tables.ddl, and only on the schema change topic
	// unless capturedTable (or a global SET): the history keeps those.
	matched, capturedTable, globalSet bool
}

var (
	createDBRe     = regexp.MustCompile(`(?is)^CREATE\s+(?:OR\s+REPLACE\s+)?(?:DATABASE|SCHEMA)\s+(?:IF\s+NOT\s+EXISTS\s+)?(` + identRe + `)`)
	useRe          = regexp.MustCompile(`(?is)^USE\s+(` + identRe + `)`)
	setRe          = regexp.MustCompile(`(?is)^SET\s`)
	viewRe         = regexp.MustCompile(`(?is)^(?:CREATE|ALTER)\s+(?:OR\s+REPLACE\s+)?(?:ALGORITHM\s*=\s*\w+\s+)?(?:DEFINER\s*=\s*\S+\s+)?(?:SQL\s+SECURITY\s+\w+\s+)?VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?(` + qnameRe + `)`)
	uniqueIndexRe  = regexp.MustCompile(`(?is)^CREATE\s+(?:OR\s+REPLACE\s+)?(?:ONLINE\s+|OFFLINE\s+)?UNIQUE\s`)
	setStatementRe = regexp.MustCompile(`(?is)^SET\s+STATEMENT\s+.*?\s+FOR\s+`)
	// ddlFilterDefault is schema.history.internal.ddl.filter's default:
	// statements matching one entirely are not processed at all.
	ddlFilterDefault = regexp.MustCompile(`(?is)^(?:` + strings.Join([]string{
		`DROP TEMPORARY TABLE IF EXISTS .+ /\* generated by server \*/`,
		`(SET STATEMENT .*)?INSERT INTO (mysql\.)?rds_heartbeat2\(.*\) values \(.*\) ON DUPLICATE KEY UPDATE value = .*`,
		`(SET STATEMENT .*)?DELETE FROM (mysql\.)?rds_sysinfo.*`,
		`(SET STATEMENT .*)?INSERT INTO (mysql\.)?rds_sysinfo\(.*\) values \(.*\)`,
		`(SET STATEMENT .*)?INSERT INTO (mysql\.)?rds_monitor\(.*\) values \(.*\) ON DUPLICATE KEY UPDATE value = .*`,
		`(SET STATEMENT .*)?INSERT INTO (mysql\.)?rds_monitor\(.*\) values \(.*\)`,
		`(SET STATEMENT .*)?DELETE FROM (mysql\.)?rds_monitor.*`,
		`FLUSH RELAY LOGS.*`,
		`flush relay logs.*`,
		`SAVEPOINT .*`,
		`^\s*#\s*Dummy event.*`,
	}, "|") + `)$`)
)

// ignoredStatement reports the query events Debezium does not record:
// XA, the DDL filter's matches, DML (statement-based binlog) and BEGIN,
// END, FLUSH PRIVILEGES.
func ignoredStatement(q string) bool {
	sql := strings.TrimSpace(q)
	begin := strings.TrimSpace(setStatementRe.ReplaceAllString(sql, ""))
	if len(begin) > 7 {
		begin = begin[:7]
	}
	begin = strings.ToUpper(begin)
	switch {
	case strings.HasPrefix(begin, "XA "), ddlFilterDefault.MatchString(sql),
		begin == "INSERT ", begin == "UPDATE ", begin == "DELETE ":
		return true
	}
	return sql == "BEGIN" || sql == "END" || sql == "FLUSH PRIVILEGES"
}

// statementRecord is how Debezium's parser sees a statement that changes
// no table structure: CREATE/DROP DATABASE, USE and SET are database
// events of the database they name (source.table null); CREATE/ALTER VIEW
// a table event of the view, without table changes; anything else (GRANT,
// accounts, DROP VIEW, ALTER DATABASE, plain indexes…) raises no event and
// is recorded for the session's database with source.table "".
func (t *Task) statementRecord(defaultDB, q string) stmtRecord {
	clean := strings.TrimSpace(commentRe.ReplaceAllString(q, " "))
	listed := func(db string) bool { return t.st.filter.listsDB(db) }
	switch {
	case createDBRe.MatchString(clean):
		db := unquoteIdent(createDBRe.FindStringSubmatch(clean)[1])
		return stmtRecord{db: db, ddl: q, matched: listed(db)}
	case dropDBRe.MatchString(clean):
		db := unquoteIdent(dropDBRe.FindStringSubmatch(clean)[1])
		return stmtRecord{db: db, ddl: q, matched: listed(db)}
	case useRe.MatchString(clean):
		db := unquoteIdent(useRe.FindStringSubmatch(clean)[1])
		return stmtRecord{db: db, ddl: q, matched: listed(db)}
	case setRe.MatchString(clean):
		global := defaultDB == ""
		return stmtRecord{db: defaultDB, ddl: q, matched: global || listed(defaultDB), globalSet: global}
	case viewRe.MatchString(clean):
		db, name := splitQName(defaultDB, viewRe.FindStringSubmatch(clean)[1])
		return stmtRecord{db: db, table: &name, ddl: q, matched: t.st.filter.includeTable(db, name)}
	}
	empty := ""
	return stmtRecord{db: defaultDB, table: &empty, ddl: q}
}

// recordStatement stores a statement without table changes in the schema
// history and emits it as a schema change event, as far as
// store.only.captured.tables.ddl / .databases.ddl keep it; once: a
// replayed one is already in the history.
func (t *Task) recordStatement(ctx context.Context, s *streamState, h *replication.EventHeader, start uint32, st stmtRecord) error {
	if !t.dbRecorded(st.db) {
		return nil
	}
	topic, hist := true, true
	if t.st.onlyCapturedDDL {
		if !st.matched {
			return nil
		}
		// BinlogDatabaseSchema.acceptableDatabase and applySchemaChange.
		topic = st.db == "" || t.st.filter.listsDB(st.db)
		hist = st.capturedTable || st.globalSet
	}
	if t.history == nil {
		hist = false
	}
	off := s.offset(h, 0, 0)
	delete(off, "event")
	if t.history != nil {
		if recs := t.history.at(s.file, int64(s.restartPos)); len(recs) > 0 {
			for _, rec := range recs {
				rec.srcTable = st.table
				if err := t.emitSchemaChange(ctx, s, h, start, rec, off); err != nil {
					return err
				}
			}
			return nil
		}
	}
	rec := &historyRecord{Source: map[string]any{"server": t.st.prefix}, Position: off, TsMs: t.now().UnixMilli(),
		DatabaseName: st.db, DDL: st.ddl, TableChanges: []histChange{}, srcTable: st.table}
	if hist {
		if err := t.history.store(ctx, rec); err != nil {
			return err
		}
	}
	if !topic {
		return nil
	}
	return t.emitSchemaChange(ctx, s, h, start, rec, off)
}

// truncateRe matches TRUNCATE [TABLE] (after MariaDB's SET STATEMENT ...
// FOR prefix), which Debezium turns into a truncate event.
var truncateRe = regexp.MustCompile(`(?is)^(?:SET\s+STATEMENT\s+.*?\s+FOR\s+)?TRUNCATE\s+(?:TABLE\s+)?(` + qnameRe + `)\s*;?\s*$`)

// handleTruncate emits Debezium's truncate event (op "t": no before, no
// after, no tombstone; no key and no key schema, as Debezium's
// EventDispatcher sends truncates to table topics without keys) for a
// captured table, unless skipped.operations has "t" (its default).
func (t *Task) handleTruncate(ctx context.Context, meta *client.Conn, s *streamState, h *replication.EventHeader, start uint32, db, name string) error {
	if t.st.skipped["t"] || !t.st.filter.includeTable(db, name) {
		return nil
	}
	id := tableID(db, name)
	tb := t.tables[id]
	if tb == nil {
		var err error
		if tb, err = t.loadTable(meta, db, name); err != nil {
			return err
		}
		if tb == nil {
			return nil // dropped since; its later DDL says so
		}
		t.tables[id] = tb
	}
	off := s.offset(h, 0, 0)
	delete(off, "event")
	src := t.sourceStruct(tb.db, tb.name, int64(h.Timestamp)*int64(time.Second), h.ServerID, s.file, int64(start), s.lastRow, s.thread)
	if s.gtids != nil && s.gtids.current != "" && !s.flat {
		src.PutIndex(11, s.gtids.current)
	}
	r := t.record(tb, "t", nil, nil, nil, src, off, t.now())
	r.KeySchema = nil
	return t.emit(ctx, r)
}

func (t *Task) emitSchemaChange(ctx context.Context, s *streamState, h *replication.EventHeader, start uint32, rec *historyRecord, off map[string]any) error {
	if !t.st.schemaChanges {
		return nil
	}
	var names []string
	for _, ch := range rec.TableChanges {
		if _, n, ok := parseQuotedID(ch.ID); ok {
			names = append(names, n)
		}
	}
	if len(names) == 0 && rec.table != "" {
		names = append(names, rec.table)
	}
	src := t.sourceStruct(rec.DatabaseName, strings.Join(names, ","), int64(h.Timestamp)*int64(time.Second), h.ServerID, s.file, int64(start), s.lastRow, s.thread)
	if rec.srcTable != nil {
		// "" for a statement that raised no parser event; every table of a
		// DROP TABLE of several
		src.PutIndex(9, *rec.srcTable)
	}
	if s.gtids != nil && s.gtids.current != "" && !s.flat {
		src.PutIndex(11, s.gtids.current)
	}
	return t.emit(ctx, t.schemaChangeRecord(rec, src, off))
}

// purgedError is the failure for a binlog position the server no longer
// has: only a new snapshot can recover from it without losing changes.
func purgedError(file string, pos uint32, gtids string, cause error) error {
	where := fmt.Sprintf("binlog file %s position %d", file, pos)
	if gtids != "" {
		where += " (GTID set " + gtids + ")"
	}
	msg := "the connector's stored position, " + where + ", is no longer available on the server: the binlog was purged before it was read, so changes were lost. " +
		"Re-snapshot: reset the connector's offsets (goconnect offsets reset <connector>, or DELETE /connectors/<connector>/offsets while it is stopped) or set snapshot.mode=when_needed, then restart it"
	if cause != nil {
		msg += " (server said: " + cause.Error() + ")"
	}
	return fatalError{fmt.Errorf("%s", msg)}
}

// isPurged reports the server's "cannot find the binlog/GTID" error.
func isPurged(err error) bool {
	var me *gomysql.MyError
	if errors.As(err, &me) {
		return me.Code == gomysql.ER_MASTER_FATAL_ERROR_READING_BINLOG
	}
	// go-mysql may flatten the server's error packet into text.
	return err != nil && strings.Contains(err.Error(), "1236")
}
