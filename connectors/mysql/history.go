package mysql

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/hashorder"
	"github.com/goconnect/goconnect/internal/kafkaclient"
	"github.com/goconnect/goconnect/internal/topicadmin"
)

// historyRecord is one record of the schema history topic, laid out as
// Debezium's HistoryRecord document so that either implementation can
// read the other's topic.
type historyRecord struct {
	Source       map[string]any `json:"source"`
	Position     histPosition   `json:"position"`
	TsMs         int64          `json:"ts_ms"`
	DatabaseName string         `json:"databaseName"` // "" for the snapshot's SET, as Debezium`
	DDL          string         `json:"ddl"`
	TableChanges []histChange   `json:"tableChanges"`
	// table is source.table of the schema change event of a statement
	// whose table changes could not be read (a table gone already);
	// srcTable that of a statement without table changes, nil for null.
	// Neither is part of the document.
	table    string
	srcTable *string
}

// histPosition is a history record's position: the offset map, written
// in the order Debezium's HashMap iterates it.
type histPosition map[string]any

// MarshalJSON writes the keys in java.util.HashMap order.
func (p histPosition) MarshalJSON() ([]byte, error) { return json.Marshal(hashorder.Map(p)) }

// histChange is one entry of tableChanges.
type histChange struct {
	Type       string     `json:"type"`
	ID         string     `json:"id"`
	PreviousID string     `json:"previousId,omitempty"` // a rename's old name
	Table      *histTable `json:"table,omitempty"`
}

// MarshalJSON writes "comment" after "table" only when there is a table,
// as Debezium does (DROP entries carry neither).
func (c histChange) MarshalJSON() ([]byte, error) {
	type plain histChange
	b, err := json.Marshal(plain(c))
	if err != nil || c.Table == nil {
		return b, err
	}
	return append(b[:len(b)-1], []byte(`,"comment":null}`)...), nil
}

type histTable struct {
	DefaultCharsetName    *string      `json:"defaultCharsetName"`
	PrimaryKeyColumnNames []string     `json:"primaryKeyColumnNames"`
	Columns               []histColumn `json:"columns"`
	Attributes            []any        `json:"attributes"`
}

type histColumn struct {
	Name                   string   `json:"name"`
	JdbcType               int      `json:"jdbcType"`
	TypeName               string   `json:"typeName"`
	TypeExpression         string   `json:"typeExpression"`
	CharsetName            *string  `json:"charsetName"`
	Length                 *int64   `json:"length,omitempty"`
	Scale                  *int     `json:"scale,omitempty"`
	Position               int      `json:"position"`
	Optional               bool     `json:"optional"`
	AutoIncremented        bool     `json:"autoIncremented"`
	Generated              bool     `json:"generated"`
	Comment                *string  `json:"comment"`
	HasDefaultValue        bool     `json:"hasDefaultValue"`
	DefaultValueExpression *string  `json:"defaultValueExpression,omitempty"`
	EnumValues             []string `json:"enumValues"` // [] when none, as Debezium 2.7 writes it
}

// jdbcTypes maps DATA_TYPE to java.sql.Types as Debezium's MySQL DDL
// parser assigns them (TINYINT is SMALLINT there).
var jdbcTypes = map[string]int{
	"bit": -7, "bool": 16, "boolean": 16, "tinyint": 5, "smallint": 5, "mediumint": 4, "int": 4, "integer": 4,
	"bigint": -5, "float": 6, "double": 8, "real": 7, "double precision": 8, "decimal": 3, "numeric": 2, "dec": 3, "fixed": 3,
	"char": 1, "nchar": 1, "varchar": 12, "nvarchar": 12, "tinytext": 12, "text": 12, "mediumtext": 12, "longtext": 12,
	"binary": -2, "varbinary": -3, "tinyblob": 2004, "blob": 2004, "mediumblob": 2004, "longblob": 2004,
	"json": 1111, "enum": 1, "set": 1, "year": 4, "date": 91, "time": 92, "datetime": 93, "timestamp": 2014,
}

// quotedID is TableId.toDoubleQuotedString: "db"."table".
func quotedID(db, name string) string { return `"` + db + `"."` + name + `"` }

func parseQuotedID(id string) (string, string, bool) {
	id = strings.TrimSuffix(strings.TrimPrefix(id, `"`), `"`)
	db, name, ok := strings.Cut(id, `"."`)
	return db, name, ok
}

// defaultExpr is the column default as Debezium's DDL parser records it:
// MariaDB's quoting of literals and its "NULL" for no default are undone,
// and CURRENT_TIMESTAMP / NOW() (with or without a precision) become
// "1970-01-01 00:00:00".
func (c *column) defaultExpr() *string {
	if c.defaultSQL == nil {
		return nil
	}
	d := *c.defaultSQL
	if c.mariaDB {
		if d == "NULL" {
			return nil
		}
		if len(d) >= 2 && d[0] == '\'' && d[len(d)-1] == '\'' {
			d = strings.ReplaceAll(d[1:len(d)-1], "''", "'")
			return &d
		}
	}
	if nowDefault.MatchString(d) {
		d = "1970-01-01 00:00:00"
	}
	return &d
}

// nowDefault is a CURRENT_TIMESTAMP default as MySQL and MariaDB report
// it (current_timestamp(), CURRENT_TIMESTAMP(3), now()).
var nowDefault = regexp.MustCompile(`(?i)^(current_timestamp|now)(\(\d*\))?$`)

// typeDims is the (length[,scale]) of a COLUMN_TYPE such as int(11),
// float(7,4) or year(4); ok is false when it has none.
func typeDims(colType string) (length int64, scale int, hasScale, ok bool) {
	open := strings.IndexByte(colType, '(')
	end := strings.IndexByte(colType, ')')
	if open < 0 || end < open {
		return 0, 0, false, false
	}
	l, sc, two := strings.Cut(colType[open+1:end], ",")
	n, err := strconv.ParseInt(strings.TrimSpace(l), 10, 64)
	if err != nil {
		return 0, 0, false, false
	}
	if two {
		scale, err = strconv.Atoi(strings.TrimSpace(sc))
		if err != nil {
			return 0, 0, false, false
		}
	}
	return n, scale, two, true
}

// histTableOf describes tb as Debezium's table document.
func histTableOf(tb *table) *histTable {
	ht := &histTable{PrimaryKeyColumnNames: []string{}, Attributes: []any{}}
	if tb.charset != "" {
		cs := tb.charset
		ht.DefaultCharsetName = &cs
	}
	for _, i := range tb.keyIdx {
		ht.PrimaryKeyColumnNames = append(ht.PrimaryKeyColumnNames, tb.cols[i].name)
	}
	for i, c := range tb.cols {
		typeName := strings.ToUpper(c.dataType)
		if c.unsigned {
			typeName += " UNSIGNED"
		}
		if strings.Contains(c.colType, "zerofill") {
			typeName += " ZEROFILL"
		}
		hc := histColumn{Name: c.name, JdbcType: jdbcTypes[c.dataType], TypeName: typeName, TypeExpression: typeName,
			Position: i + 1, Optional: c.nullable, AutoIncremented: c.autoInc, Generated: c.autoInc, EnumValues: []string{}}
		if c.charset != "" {
			cs := c.charset
			hc.CharsetName = &cs
		}
		// Lengths as Debezium's DDL parser reads them from SHOW CREATE
		// TABLE: the display width of integer types and YEAR, float(m,d),
		// none for TEXT/BLOB/JSON, 1 for ENUM and options + commas for SET.
		var length int64
		switch c.dataType {
		case "bit":
			length = c.length
		case "decimal", "numeric", "dec", "fixed":
			length = int64(c.precision)
			sc := c.scale
			hc.Scale = &sc
		case "time", "datetime", "timestamp":
			length = int64(c.fsp)
		case "tinyint", "smallint", "mediumint", "int", "integer", "bigint", "year", "float", "double", "real":
			if n, sc, hasScale, ok := typeDims(c.colType); ok {
				length = n
				if hasScale {
					hc.Scale = &sc
				}
			}
		case "enum", "set":
			hc.EnumValues = make([]string, len(c.options))
			for i, o := range c.options {
				hc.EnumValues[i] = quoteLit(o) // the DDL's text, quotes kept
			}
			length = 1
			if c.dataType == "set" {
				length = int64(max(0, 2*len(c.options)-1))
			}
		case "tinytext", "text", "mediumtext", "longtext", "tinyblob", "blob", "mediumblob", "longblob", "json":
		default:
			length = c.charLen
		}
		if length > 0 {
			hc.Length = &length
		}
		if d := c.defaultExpr(); d != nil {
			hc.HasDefaultValue, hc.DefaultValueExpression = true, d
		} else if c.nullable {
			hc.HasDefaultValue = true // NULL is the implicit default
		}
		ht.Columns = append(ht.Columns, hc)
	}
	return ht
}

// tableFromHistory rebuilds a captured table from its history document.
func (t *Task) tableFromHistory(db, name string, ht *histTable) (*table, error) {
	tb := &table{db: db, name: name}
	if ht.DefaultCharsetName != nil {
		tb.charset = *ht.DefaultCharsetName
	}
	byName := map[string]int{}
	for _, hc := range ht.Columns {
		tn := strings.ToLower(hc.TypeName)
		c := &column{name: hc.Name, nullable: hc.Optional, autoInc: hc.AutoIncremented}
		c.unsigned = strings.Contains(tn, " unsigned")
		c.dataType = strings.TrimSpace(strings.NewReplacer(" unsigned", "", " zerofill", "").Replace(tn))
		c.colType = tn
		if hc.CharsetName != nil {
			c.charset = *hc.CharsetName
			c.latin1 = strings.EqualFold(c.charset, "latin1")
		}
		var length int64
		if hc.Length != nil {
			length = *hc.Length
		}
		switch c.dataType {
		case "bit":
			c.length = length
		case "decimal", "numeric", "dec", "fixed":
			c.precision = int(length)
			if hc.Scale != nil {
				c.scale = *hc.Scale
			}
		case "time", "datetime", "timestamp":
			c.fsp = int(length)
		case "enum", "set":
			// Debezium keeps the DDL's quoted literals; history written by
			// goconnect before it did too has them bare.
			quoted := make([]string, len(hc.EnumValues))
			for i, o := range hc.EnumValues {
				if len(o) >= 2 && o[0] == '\'' && o[len(o)-1] == '\'' {
					quoted[i] = o
				} else {
					quoted[i] = quoteLit(o)
				}
			}
			c.colType = c.dataType + "(" + strings.Join(quoted, ",") + ")"
		case "float", "double", "real":
			if hc.Length != nil { // FLOAT(m,d) converts as a double
				c.colType = fmt.Sprintf("%s(%d", c.colType, *hc.Length)
				if hc.Scale != nil {
					c.colType += fmt.Sprintf(",%d", *hc.Scale)
				}
				c.colType += ")"
			}
		case "tinyint", "smallint", "mediumint", "int", "integer", "bigint", "year":
			// a display width, nothing the conversion uses
		default:
			c.charLen = length
		}
		// The expression is stored unquoted, so it is read the MySQL way.
		c.defaultSQL = hc.DefaultValueExpression
		if err := mapColumn(c, t.st, false); err != nil {
			return nil, fatalError{fmt.Errorf("schema history: table %s.%s: %w", db, name, err)}
		}
		c.mariaDB = false
		byName[strings.ToLower(c.name)] = len(tb.cols)
		tb.cols = append(tb.cols, c)
	}
	for _, k := range ht.PrimaryKeyColumnNames {
		i, ok := byName[strings.ToLower(k)]
		if !ok {
			return nil, fatalError{fmt.Errorf("schema history: table %s.%s: key column %s is not a column", db, name, k)}
		}
		tb.keyIdx = append(tb.keyIdx, i)
	}
	if err := tb.buildSchemas(t.st, t.src, t.tx); err != nil {
		return nil, err
	}
	return tb, nil
}

// applyHistory applies a record's table changes to the cached tables.
func (t *Task) applyHistory(rec *historyRecord) error {
	t.noteDocs(rec)
	for _, ch := range rec.TableChanges {
		if pdb, pname, ok := parseQuotedID(ch.PreviousID); ok {
			delete(t.tables, tableID(pdb, pname)) // renamed
		}
		db, name, ok := parseQuotedID(ch.ID)
		if !ok || !t.st.filter.includeTable(db, name) {
			continue
		}
		switch ch.Type {
		case "DROP":
			delete(t.tables, tableID(db, name))
		case "CREATE", "ALTER":
			if ch.Table == nil {
				continue
			}
			tb, err := t.tableFromHistory(db, name, ch.Table)
			if err != nil {
				return err
			}
			t.tables[tableID(db, name)] = tb
		}
	}
	return nil
}

// binlogPoint orders positions as Debezium's history comparator does for a
// single server: binlog file number, position, events and rows to skip.
type binlogPoint struct {
	fileNum, pos, event, row int64
	snapshot                 bool
}

func fileNumber(file string) int64 {
	i := strings.LastIndexByte(file, '.')
	n, _ := strconv.ParseInt(file[i+1:], 10, 64)
	return n
}

func pointOf(m map[string]any) binlogPoint {
	f, _ := m["file"].(string)
	p := binlogPoint{fileNum: fileNumber(f), snapshot: offsetBool(m["snapshot"])}
	p.pos, _ = offsetInt(m["pos"])
	p.event, _ = offsetInt(m["event"])
	p.row, _ = offsetInt(m["row"])
	return p
}

func (a binlogPoint) atOrBefore(b binlogPoint) bool {
	switch {
	case a.fileNum != b.fileNum:
		return a.fileNum < b.fileNum
	case a.pos != b.pos:
		return a.pos < b.pos
	case a.event != b.event:
		return a.event < b.event
	}
	return a.row <= b.row
}

// history is the schema history topic: one partition, read whole on start.
type history struct {
	topic   string
	servers []string
	prod    *kgo.Client
	// consumerOpts are the reading client's settings.
	consumerOpts []kgo.Opt
	// dead ends with the first authentication failure of either client,
	// which no retry fixes: writes and reads stop with it instead of
	// hanging.
	dead context.Context
	kill context.CancelCauseFunc
	// records are those read on start plus those written since; replay
	// finds the ones at a DDL's position here.
	records []*historyRecord
}

func openHistory(ctx context.Context, st *settings) (*history, error) {
	h := &history{topic: st.historyTopic, servers: st.historyServers}
	h.dead, h.kill = context.WithCancelCause(context.Background())
	popts, err := kafkaclient.Options(st.historyProducer, func(err error) { h.kill(fmt.Errorf("schema history producer: %w", err)) })
	if err != nil {
		return nil, fmt.Errorf("schema history producer: %w", err)
	}
	if h.consumerOpts, err = kafkaclient.Options(st.historyConsumer, func(err error) { h.kill(fmt.Errorf("schema history consumer: %w", err)) }); err != nil {
		return nil, fmt.Errorf("schema history consumer: %w", err)
	}
	h.prod, err = kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(h.servers...), kgo.DefaultProduceTopic(h.topic),
		kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerLinger(0)}, popts...)...)
	if err != nil {
		return nil, fmt.Errorf("schema history: %w", err)
	}
	ctx, stop := h.bound(ctx)
	defer stop()
	// Debezium's KafkaSchemaHistory: created only when missing, with one
	// partition so the order is total, the broker's default replication,
	// and kept forever since recovery replays it from the start.
	cfg := map[string]string{"cleanup.policy": "delete", "retention.ms": "9223372036854775807", "retention.bytes": "-1"}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second) // Debezium's kafka.create.timeout.ms
	defer cancel()
	if _, err := topicadmin.Ensure(cctx, h.prod, h.topic, 1, -1, cfg); err != nil {
		h.prod.Close()
		return nil, h.cause(fmt.Errorf("schema history topic %s: Creation of database schema history topic failed, please create the topic manually: %w", h.topic, err))
	}
	if err := h.read(cctx); err != nil {
		h.prod.Close()
		return nil, h.cause(err)
	}
	return h, nil
}

// bound returns ctx ended also by an authentication failure.
func (h *history) bound(ctx context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	stop := context.AfterFunc(h.dead, func() { cancel(context.Cause(h.dead)) })
	return ctx, func() { stop(); cancel(nil) }
}

// cause replaces err by the authentication failure that caused it, if any.
func (h *history) cause(err error) error {
	if c := context.Cause(h.dead); errors.Is(c, kafkaclient.ErrAuthentication) && err != nil {
		return c
	}
	return err
}

// read loads every record of the topic.
func (h *history) read(ctx context.Context) error {
	var end kadm.ListedOffset
	for {
		ends, err := kadm.NewClient(h.prod).ListEndOffsets(ctx, h.topic)
		if err != nil {
			return fmt.Errorf("schema history: reading end of %s: %w", h.topic, err)
		}
		var ok bool
		end, ok = ends.Lookup(h.topic, 0)
		if ok && end.Err == nil {
			break
		}
		// A topic just created may take a moment to show in metadata.
		if (ok && !errors.Is(end.Err, kerr.UnknownTopicOrPartition)) || ctx.Err() != nil {
			return fmt.Errorf("schema history: topic %s has no partition 0: %v", h.topic, end.Err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
	if end.Offset == 0 {
		return nil
	}
	cons, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(h.servers...),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{h.topic: {0: kgo.NewOffset().AtStart()}})}, h.consumerOpts...)...)
	if err != nil {
		return fmt.Errorf("schema history: %w", err)
	}
	defer cons.Close()
	for {
		f := cons.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("schema history: reading %s: %w", h.topic, err)
		}
		for _, fe := range f.Errors() {
			return fmt.Errorf("schema history: reading %s: %w", h.topic, fe.Err)
		}
		for _, r := range f.Records() {
			rec := &historyRecord{}
			dec := json.NewDecoder(bytes.NewReader(r.Value))
			dec.UseNumber()
			if err := dec.Decode(rec); err != nil {
				return fmt.Errorf("schema history: record %d of %s: %w", r.Offset, h.topic, err)
			}
			h.records = append(h.records, rec)
			if r.Offset >= end.Offset-1 {
				return nil
			}
		}
	}
}

// store appends a record and waits for the broker to have it: the change
// events after a DDL must never be committed before its history record.
func (h *history) store(ctx context.Context, rec *historyRecord) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	ctx, stop := h.bound(ctx)
	defer stop()
	if err := h.prod.ProduceSync(ctx, &kgo.Record{Value: b, Partition: 0}).FirstErr(); err != nil {
		return h.cause(fmt.Errorf("schema history: writing to %s: %w", h.topic, err))
	}
	h.records = append(h.records, rec)
	return nil
}

// at returns the records written for the DDL at this position, if any
// (a DROP TABLE of several tables has one per table).
func (h *history) at(file string, pos int64) []*historyRecord {
	var out []*historyRecord
	for _, r := range h.records {
		if f, _ := r.Position["file"].(string); f == file && !offsetBool(r.Position["snapshot"]) {
			if p, _ := offsetInt(r.Position["pos"]); p == pos {
				out = append(out, r)
			}
		}
	}
	return out
}

func (h *history) close() {
	if h != nil && h.prod != nil {
		h.prod.Close()
	}
	if h != nil && h.kill != nil {
		h.kill(nil)
	}
}

// recoverSchemas rebuilds the captured tables as they were at start.
func (t *Task) recoverSchemas(start *position) error {
	want := pointOf(start.offsetMap())
	n := 0
	for _, rec := range t.history.records {
		if !pointOf(rec.Position).atOrBefore(want) {
			continue
		}
		if err := t.applyHistory(rec); err != nil {
			return err
		}
		n++
	}
	t.log.Info("schema history recovered", "topic", t.history.topic, "records", len(t.history.records), "applied", n, "tables", len(t.tables))
	return nil
}

// ddlRef is a table a DDL statement touches.
type ddlRef struct {
	db, name string
	drop     bool
	from     *ddlRef // RENAME: the old name
}

var (
	identRe     = "(?:`(?:[^`]|``)+`|[A-Za-z0-9_$]+)"
	qnameRe     = identRe + `(?:\s*\.\s*` + identRe + `)?`
	commentRe   = regexp.MustCompile(`(?s)/\*.*?\*/|--[^\n]*|#[^\n]*`)
	createRe    = regexp.MustCompile(`(?is)^CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMPORARY\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(` + qnameRe + `)`)
	alterRe     = regexp.MustCompile(`(?is)^ALTER\s+(?:ONLINE\s+)?(?:IGNORE\s+)?TABLE\s+(?:IF\s+EXISTS\s+)?(` + qnameRe + `)(.*)$`)
	alterRename = regexp.MustCompile(`(?is)\bRENAME\s+(?:TO\s+|AS\s+)?(` + qnameRe + `)\s*(?:,|$)`)
	dropRe      = regexp.MustCompile(`(?is)^DROP\s+(?:TEMPORARY\s+)?TABLES?\s+(?:IF\s+EXISTS\s+)?(.*)$`)
	renameRe    = regexp.MustCompile(`(?is)^RENAME\s+TABLES?\s+(.*)$`)
	indexRe     = regexp.MustCompile(`(?is)^(?:CREATE\s+(?:OR\s+REPLACE\s+)?(?:ONLINE\s+|OFFLINE\s+)?(?:UNIQUE\s+|FULLTEXT\s+|SPATIAL\s+)?INDEX|DROP\s+INDEX)\s+.*?\bON\s+(` + qnameRe + `)`)
	dropDBRe    = regexp.MustCompile(`(?is)^DROP\s+(?:DATABASE|SCHEMA)\s+(?:IF\s+EXISTS\s+)?(` + identRe + `)`)
	qnameOnlyRe = regexp.MustCompile(`(?s)^\s*(` + qnameRe + `)`)
)

func unquoteIdent(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '`' {
		return strings.ReplaceAll(s[1:len(s)-1], "``", "`")
	}
	return s
}

func splitQName(defaultDB, q string) (string, string) {
	m := regexp.MustCompile(`^(` + identRe + `)\s*\.\s*(` + identRe + `)$`).FindStringSubmatch(strings.TrimSpace(q))
	if m != nil {
		return unquoteIdent(m[1]), unquoteIdent(m[2])
	}
	return defaultDB, unquoteIdent(q)
}

// ddlTables finds the tables a DDL statement creates, alters, renames or
// drops; ok=false for statements it does not understand, dropDB for DROP
// DATABASE. This is not a DDL parser: the new structure is read from the
// server (or the history) and only the names are taken from the text.
func ddlTables(defaultDB, stmt string) (refs []ddlRef, dropDB string, ok bool) {
	q := strings.TrimSpace(commentRe.ReplaceAllString(stmt, " "))
	ref := func(s string) ddlRef {
		db, n := splitQName(defaultDB, s)
		return ddlRef{db: db, name: n}
	}
	if m := createRe.FindStringSubmatch(q); m != nil {
		return []ddlRef{ref(m[1])}, "", true
	}
	if m := alterRe.FindStringSubmatch(q); m != nil {
		old := ref(m[1])
		if r := alterRename.FindStringSubmatch(m[2]); r != nil {
			nw := ref(r[1])
			if nw.db == defaultDB && !strings.Contains(r[1], ".") {
				nw.db = old.db
			}
			drop := old
			drop.drop = true
			nw.from = &drop
			return []ddlRef{drop, nw}, "", true
		}
		return []ddlRef{old}, "", true
	}
	if m := dropRe.FindStringSubmatch(q); m != nil {
		for _, part := range strings.Split(m[1], ",") {
			if n := qnameOnlyRe.FindStringSubmatch(part); n != nil {
				r := ref(n[1])
				r.drop = true
				refs = append(refs, r)
			}
		}
		return refs, "", len(refs) > 0
	}
	if m := renameRe.FindStringSubmatch(q); m != nil {
		for _, pair := range strings.Split(m[1], ",") {
			from, to, found := strings.Cut(regexp.MustCompile(`(?i)\s+TO\s+`).ReplaceAllString(pair, "\x00"), "\x00")
			if !found {
				return nil, "", false
			}
			drop := ref(from)
			drop.drop = true
			nw := ref(to)
			nw.from = &drop
			refs = append(refs, drop, nw)
		}
		return refs, "", true
	}
	if m := indexRe.FindStringSubmatch(q); m != nil {
		return []ddlRef{ref(m[1])}, "", true
	}
	if m := dropDBRe.FindStringSubmatch(q); m != nil {
		return nil, unquoteIdent(m[1]), true
	}
	return nil, "", false
}

// schemaChangeSchemas are Debezium's SchemaChangeKey/SchemaChangeValue and
// the structs inside tableChanges.
type schemaChangeSchemas struct {
	key, value, change, table, column *data.Schema
}

func newSchemaChangeSchemas(src *data.Schema) *schemaChangeSchemas {
	s := &schemaChangeSchemas{}
	s.column = data.StructBuilder().Name("io.debezium.connector.schema.Column").Version(1).
		Field("name", data.StringSchema).
		Field("jdbcType", data.Int32Schema).
		Field("nativeType", data.OptionalInt32).
		Field("typeName", data.StringSchema).
		Field("typeExpression", data.OptionalString).
		Field("charsetName", data.OptionalString).
		Field("length", data.OptionalInt32).
		Field("scale", data.OptionalInt32).
		Field("position", data.Int32Schema).
		Field("optional", data.OptionalBoolean).
		Field("autoIncremented", data.OptionalBoolean).
		Field("generated", data.OptionalBoolean).
		Field("comment", data.OptionalString).
		Field("defaultValueExpression", data.OptionalString).
		Field("enumValues", data.ArrayOf(data.StringSchema).Optional().MustBuild()).
		MustBuild()
	s.table = data.StructBuilder().Name("io.debezium.connector.schema.Table").Version(1).Optional().
		Field("defaultCharsetName", data.OptionalString).
		Field("primaryKeyColumnNames", data.ArrayOf(data.StringSchema).Optional().MustBuild()).
		Field("columns", data.ArrayOf(s.column).MustBuild()).
		Field("comment", data.OptionalString).
		MustBuild()
	s.change = data.StructBuilder().Name("io.debezium.connector.schema.Change").Version(1).
		Field("type", data.StringSchema).
		Field("id", data.StringSchema).
		Field("table", s.table).
		MustBuild()
	s.key = data.StructBuilder().Name("io.debezium.connector.mysql.SchemaChangeKey").Version(1).
		Field("databaseName", data.StringSchema).
		MustBuild()
	s.value = data.StructBuilder().Name("io.debezium.connector.mysql.SchemaChangeValue").Version(1).
		Field("source", src).
		Field("ts_ms", data.Int64Schema).
		Field("databaseName", data.OptionalString).
		Field("schemaName", data.OptionalString).
		Field("ddl", data.OptionalString).
		Field("tableChanges", data.ArrayOf(s.change).MustBuild()).
		MustBuild()
	return s
}

// changeStruct renders a history table change as the Connect struct of
// schema change events.
func (s *schemaChangeSchemas) changeStruct(ch histChange) *data.Struct {
	c := data.NewStruct(s.change)
	c.PutIndex(0, ch.Type)
	c.PutIndex(1, ch.ID)
	if ch.Table == nil {
		return c
	}
	tb := data.NewStruct(s.table)
	if ch.Table.DefaultCharsetName != nil {
		tb.PutIndex(0, *ch.Table.DefaultCharsetName)
	}
	pk := make([]any, len(ch.Table.PrimaryKeyColumnNames))
	for i, n := range ch.Table.PrimaryKeyColumnNames {
		pk[i] = n
	}
	tb.PutIndex(1, pk)
	cols := make([]any, 0, len(ch.Table.Columns))
	for _, hc := range ch.Table.Columns {
		col := data.NewStruct(s.column)
		col.PutIndex(0, hc.Name)
		col.PutIndex(1, int32(hc.JdbcType))
		col.PutIndex(3, hc.TypeName)
		col.PutIndex(4, hc.TypeExpression)
		if hc.CharsetName != nil {
			col.PutIndex(5, *hc.CharsetName)
		}
		if hc.Length != nil {
			col.PutIndex(6, int32(*hc.Length))
		}
		if hc.Scale != nil {
			col.PutIndex(7, int32(*hc.Scale))
		}
		col.PutIndex(8, int32(hc.Position))
		col.PutIndex(9, hc.Optional)
		col.PutIndex(10, hc.AutoIncremented)
		col.PutIndex(11, hc.Generated)
		if hc.DefaultValueExpression != nil {
			col.PutIndex(13, *hc.DefaultValueExpression)
		}
		if len(hc.EnumValues) > 0 {
			ev := make([]any, len(hc.EnumValues))
			for i, v := range hc.EnumValues {
				ev[i] = v
			}
			col.PutIndex(14, ev)
		}
		cols = append(cols, col)
	}
	tb.PutIndex(2, cols)
	c.PutIndex(2, tb)
	return c
}
