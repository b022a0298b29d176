package mysql

import (
	"context"
	"crypto/tls"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/go-mysql-org/go-mysql/client"
	gomysql "github.com/go-mysql-org/go-mysql/mysql"
)

// quoteLit renders s as a SQL string literal (the client speaks the text
// protocol, so queries carry their literals).
func quoteLit(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `''`, "\x00", `\0`)
	return "'" + r.Replace(s) + "'"
}

// quoteID renders an identifier.
func quoteID(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

func tableID(db, name string) string { return db + "." + name }

// dial opens a client connection with the connector's credentials, over
// TLS as database.ssl.mode asks.
func dial(ctx context.Context, st *settings) (*client.Conn, error) {
	addr := st.host + ":" + strconv.Itoa(st.port)
	tc := st.tls.forConn()
	c, err := connectTLS(ctx, st, addr, tc)
	if err != nil && tc != nil && st.tls.mode == sslPreferred && strings.Contains(err.Error(), noServerTLS) {
		// 'preferred': the server does not offer TLS, so plain it is.
		st.tls.noServerTLS.Store(true)
		tc = nil
		c, err = connectTLS(ctx, st, addr, nil)
	}
	if err != nil {
		if tc != nil {
			return nil, fmt.Errorf("connecting to %s as %s over TLS (%s): %w", addr, st.user, st.tls, err)
		}
		return nil, fmt.Errorf("connecting to %s as %s: %w", addr, st.user, err)
	}
	// The handshake may leave the session in the server's default charset;
	// metadata (names, enum labels) must come back as UTF-8.
	if _, err := c.Execute("SET NAMES utf8mb4"); err != nil {
		c.Close()
		return nil, fmt.Errorf("connecting to %s: SET NAMES utf8mb4: %w", addr, err)
	}
	return c, nil
}

// noServerTLS is how go-mysql reports a server whose handshake does not
// offer TLS when the client asks for it.
const noServerTLS = "does not support TLS"

func connectTLS(ctx context.Context, st *settings, addr string, tc *tls.Config) (*client.Conn, error) {
	return client.ConnectWithContext(ctx, addr, st.user, st.password, "", st.connectTimeout, func(c *client.Conn) error {
		c.SetTLSConfig(tc)
		return nil
	})
}

// str reads a text-protocol cell, with ok=false for NULL.
func str(r *gomysql.Result, row, col int) (string, bool) {
	if null, _ := r.IsNull(row, col); null {
		return "", false
	}
	s, _ := r.GetString(row, col)
	// GetString aliases the result's buffer, which go-mysql pools and
	// reuses once the result is closed.
	return strings.Clone(s), true
}

// capturedTables lists the base tables the filter includes, sorted.
func capturedTables(c *client.Conn, f *filter) ([][2]string, error) {
	return baseTables(c, f.includeTable)
}

// baseTables lists the server's base tables that keep accepts, sorted as
// Debezium's TableIds.
func baseTables(c *client.Conn, keep func(db, name string) bool) ([][2]string, error) {
	r, err := c.Execute("SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE'")
	if err != nil {
		return nil, fmt.Errorf("listing tables: %w", err)
	}
	defer r.Close()
	var out [][2]string
	for i := 0; i < r.RowNumber(); i++ {
		db, _ := str(r, i, 0)
		name, _ := str(r, i, 1)
		if keep(db, name) {
			out = append(out, [2]string{db, name})
		}
	}
	sort.Slice(out, func(i, j int) bool { return tableID(out[i][0], out[i][1]) < tableID(out[j][0], out[j][1]) })
	return out, nil
}

// loadTable reads one table's columns and key from information_schema and
// builds its schemas. It returns nil when the table does not exist.
func (t *Task) loadTable(c *client.Conn, db, name string) (*table, error) {
	tb, err := t.describeTable(c, db, name)
	if err != nil || tb == nil {
		return nil, err
	}
	for _, col := range tb.cols {
		if err := mapColumn(col, t.st, t.mariaDB); err != nil {
			// Retrying cannot help an unsupported column type.
			return nil, fatalError{fmt.Errorf("table %s.%s: %w", db, name, err)}
		}
	}
	if err := tb.buildSchemas(t.st, t.src, t.tx); err != nil {
		return nil, err
	}
	return tb, nil
}

// describeTable reads one table's columns, key and charset from
// information_schema, without Connect schemas: enough for its schema
// history document, also for tables that are not captured (whose column
// types need not be supported). It returns nil when the table does not
// exist.
func (t *Task) describeTable(c *client.Conn, db, name string) (*table, error) {
	r, err := c.Execute("SELECT COLUMN_NAME, COLUMN_DEFAULT, IS_NULLABLE, DATA_TYPE, COLUMN_TYPE, NUMERIC_PRECISION, NUMERIC_SCALE, DATETIME_PRECISION, CHARACTER_SET_NAME, CHARACTER_MAXIMUM_LENGTH, EXTRA" +
		" FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = " + quoteLit(db) + " AND TABLE_NAME = " + quoteLit(name) + " ORDER BY ORDINAL_POSITION")
	if err != nil {
		return nil, fmt.Errorf("reading columns of %s.%s: %w", db, name, err)
	}
	defer r.Close()
	if r.RowNumber() == 0 {
		return nil, nil
	}
	tb := &table{db: db, name: name}
	byName := map[string]int{}
	for i := 0; i < r.RowNumber(); i++ {
		col := &column{}
		col.name, _ = str(r, i, 0)
		if d, ok := str(r, i, 1); ok {
			col.defaultSQL = &d
		}
		nullable, _ := str(r, i, 2)
		col.nullable = nullable == "YES"
		col.dataType, _ = str(r, i, 3)
		col.dataType = strings.ToLower(col.dataType)
		col.colType, _ = str(r, i, 4)
		col.typeText = col.colType // ENUM/SET values keep their case
		col.colType = strings.ToLower(col.colType)
		col.unsigned = strings.Contains(col.colType, "unsigned")
		if p, ok := str(r, i, 5); ok {
			n, _ := strconv.ParseInt(p, 10, 64)
			col.precision, col.length = int(n), n
		}
		if s, ok := str(r, i, 6); ok {
			col.scale, _ = strconv.Atoi(s)
		}
		if s, ok := str(r, i, 7); ok {
			col.fsp, _ = strconv.Atoi(s)
		}
		if cs, ok := str(r, i, 8); ok {
			col.charset = cs
			col.latin1 = strings.EqualFold(cs, "latin1")
		}
		if l, ok := str(r, i, 9); ok {
			col.charLen, _ = strconv.ParseInt(l, 10, 64)
		}
		extra, _ := str(r, i, 10)
		col.autoInc = strings.Contains(strings.ToLower(extra), "auto_increment")
		col.mariaDB = t.mariaDB
		if col.dataType == "enum" || col.dataType == "set" {
			col.options = parseOptions(col.typeText)
		}
		byName[strings.ToLower(col.name)] = len(tb.cols)
		tb.cols = append(tb.cols, col)
	}
	if tb.keyIdx, err = keyColumns(c, db, name, tb.cols, byName); err != nil {
		return nil, err
	}
	if cr, err := c.Execute("SELECT TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA = " + quoteLit(db) + " AND TABLE_NAME = " + quoteLit(name)); err == nil {
		if cr.RowNumber() > 0 {
			coll, _ := str(cr, 0, 0)
			tb.charset, _, _ = strings.Cut(coll, "_") // utf8mb4_general_ci → utf8mb4
		}
		cr.Close()
	}
	return tb, nil
}

// keyColumns returns the primary key, or else the first unique index whose
// columns are all NOT NULL (Debezium's fallback), as column indexes.
func keyColumns(c *client.Conn, db, name string, cols []*column, byName map[string]int) ([]int, error) {
	r, err := c.Execute("SELECT INDEX_NAME, NON_UNIQUE, COLUMN_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = " +
		quoteLit(db) + " AND TABLE_NAME = " + quoteLit(name) + " ORDER BY INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME, SEQ_IN_INDEX")
	if err != nil {
		return nil, fmt.Errorf("reading keys of %s.%s: %w", db, name, err)
	}
	defer r.Close()
	type index struct {
		name string
		cols []int
		ok   bool
	}
	var idx []*index
	for i := 0; i < r.RowNumber(); i++ {
		iname, _ := str(r, i, 0)
		nonUnique, _ := str(r, i, 1)
		cname, _ := str(r, i, 2)
		if nonUnique != "0" {
			continue
		}
		if len(idx) == 0 || idx[len(idx)-1].name != iname {
			idx = append(idx, &index{name: iname, ok: true})
		}
		cur := idx[len(idx)-1]
		ci, found := byName[strings.ToLower(cname)]
		if !found || cols[ci].nullable {
			cur.ok = false
			continue
		}
		cur.cols = append(cur.cols, ci)
	}
	for _, x := range idx {
		if x.name == "PRIMARY" || x.ok {
			return x.cols, nil
		}
	}
	return nil, nil
}

// binlogPosition reads SHOW MASTER STATUS and the executed GTID set:
// MySQL's Executed_Gtid_Set column, MariaDB's gtid_binlog_pos.
func binlogPosition(c *client.Conn, mariaDB bool) (string, uint32, string, error) {
	r, err := c.Execute("SHOW MASTER STATUS")
	if err != nil {
		return "", 0, "", fmt.Errorf("reading binlog position: %w", err)
	}
	defer r.Close()
	if r.RowNumber() == 0 {
		return "", 0, "", fmt.Errorf("reading binlog position: binary logging is not enabled on the server")
	}
	file, _ := str(r, 0, 0)
	p, _ := str(r, 0, 1)
	pos, err := strconv.ParseUint(p, 10, 32)
	if err != nil {
		return "", 0, "", fmt.Errorf("reading binlog position: bad position %q: %w", p, err)
	}
	var gtids string
	if mariaDB {
		g, err := c.Execute("SELECT @@global.gtid_binlog_pos")
		if err != nil {
			return "", 0, "", fmt.Errorf("reading gtid_binlog_pos: %w", err)
		}
		if g.RowNumber() > 0 {
			gtids, _ = str(g, 0, 0)
		}
		g.Close()
	} else if r.ColumnNumber() >= 5 {
		gtids, _ = str(r, 0, 4)
	}
	gtids = strings.NewReplacer("\n", "", "\r", "").Replace(gtids)
	return file, uint32(pos), gtids, nil
}

// binlogAvailable reports whether the server still has the binlog file.
func binlogAvailable(c *client.Conn, file string) (bool, error) {
	r, err := c.Execute("SHOW BINARY LOGS")
	if err != nil {
		return false, fmt.Errorf("listing binlogs: %w", err)
	}
	defer r.Close()
	for i := 0; i < r.RowNumber(); i++ {
		if f, _ := str(r, i, 0); f == file {
			return true, nil
		}
	}
	return false, nil
}
