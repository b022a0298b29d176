package mysql

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/pingcap/tidb/pkg/parser"
	"github.com/pingcap/tidb/pkg/parser/ast"
	_ "github.com/pingcap/tidb/pkg/parser/test_driver" // literal values in parsed statements
)

// writtenType is a column type as a CREATE/ALTER TABLE statement writes
// it, resolved the way Debezium 2.7.3's MySQL DDL parser does
// (MySqlAntlrDdlParser's data type registry, ColumnDefinitionParserListener):
// the type name as written (BOOLEAN, NUMERIC, REAL, JSON, INTEGER…, with
// UNSIGNED ZEROFILL), its java.sql.Types code, and the length and scale
// as written (none when the text has none, DECIMAL/NUMERIC 10,0 and BIT 1
// by default). Debezium records streamed DDL this way; the server's
// information_schema says int(11), tinyint(1), decimal, double, longtext.
type writtenType struct {
	name   string
	jdbc   int
	length *int64
	scale  *int
	// base is the main type word(s), upper case (BOOLEAN, JSON, REAL…).
	base string
	// deflt is a numeric or TRUE/FALSE default as written ("1.5",
	// "TRUE"), which information_schema reports otherwise ("1.50", "1");
	// nil to take the server's.
	deflt *string
}

// writtenDDL is what a streamed CREATE/ALTER TABLE statement says about
// its columns, as Debezium's parser reads it.
type writtenDDL struct {
	cols    map[string]writtenType // defined columns, by lower-case name
	renamed map[string]string      // new name → old name (CHANGE, RENAME COLUMN)
	// defaults are ALTER COLUMN … SET/DROP DEFAULT: the literal as written,
	// nil for a dropped or non-literal default (the server's is taken).
	defaults map[string]*string
	// like is CREATE TABLE … LIKE's source table (db, name).
	like *[2]string
	// keepCharsets: ALTER TABLE … CONVERT TO CHARACTER SET, which
	// Debezium's parser does not apply to the table's or columns' charsets.
	keepCharsets bool
}

// dataTypes are the type words of Debezium's registry: the java.sql.Types
// code, the default length and scale (-1 none).
var dataTypes = map[string]struct{ jdbc, length, scale int }{
	"CHAR": {1, -1, -1}, "CHARACTER": {1, -1, -1}, "CHAR VARYING": {12, -1, -1}, "CHARACTER VARYING": {12, -1, -1},
	"VARCHAR": {12, -1, -1}, "TINYTEXT": {12, -1, -1}, "TEXT": {12, -1, -1}, "MEDIUMTEXT": {12, -1, -1},
	"LONGTEXT": {12, -1, -1}, "LONG": {12, -1, -1}, "LONG VARCHAR": {12, -1, -1},
	"NCHAR": {-15, 1, -1}, "NCHAR VARYING": {-9, -1, -1}, "NVARCHAR": {-9, -1, -1}, "NCHAR VARCHAR": {-9, -1, -1},
	"NATIONAL VARCHAR": {-9, -1, -1}, "NATIONAL CHAR": {-15, 1, -1}, "NATIONAL CHARACTER": {-15, 1, -1},
	"NATIONAL CHAR VARYING": {-9, -1, -1}, "NATIONAL CHARACTER VARYING": {-9, -1, -1},
	"TINYINT": {5, -1, -1}, "INT1": {5, -1, -1}, "SMALLINT": {5, -1, -1}, "INT2": {5, -1, -1},
	"MEDIUMINT": {4, -1, -1}, "INT3": {4, -1, -1}, "MIDDLEINT": {4, -1, -1}, "INT": {4, -1, -1},
	"INTEGER": {4, -1, -1}, "INT4": {4, -1, -1}, "BIGINT": {-5, -1, -1}, "INT8": {-5, -1, -1},
	"REAL": {7, -1, -1}, "DOUBLE": {8, -1, -1}, "DOUBLE PRECISION": {8, -1, -1}, "FLOAT8": {8, -1, -1},
	"FLOAT": {6, -1, -1}, "FLOAT4": {6, -1, -1},
	"DECIMAL": {3, 10, 0}, "DEC": {3, 10, 0}, "FIXED": {3, 10, 0}, "NUMERIC": {2, 10, 0},
	"BIT": {-7, 1, -1}, "TIME": {92, -1, -1}, "TIMESTAMP": {2014, -1, -1}, "DATETIME": {93, -1, -1},
	"BINARY": {-2, -1, -1}, "VARBINARY": {-3, -1, -1}, "BLOB": {2004, -1, -1}, "YEAR": {4, -1, -1},
	"DATE": {91, -1, -1}, "TINYBLOB": {2004, -1, -1}, "MEDIUMBLOB": {2004, -1, -1}, "LONGBLOB": {2004, -1, -1},
	"LONG VARBINARY": {2004, -1, -1}, "BOOL": {16, -1, -1}, "BOOLEAN": {16, -1, -1}, "SERIAL": {-5, -1, -1},
	"ENUM": {1, -1, -1}, "SET": {1, -1, -1}, "NATIONAL": {-15, 1, -1},
	"JSON": {1111, -1, -1}, "GEOMETRY": {1111, -1, -1}, "POINT": {1111, -1, -1}, "LINESTRING": {1111, -1, -1},
	"POLYGON": {1111, -1, -1}, "MULTIPOINT": {1111, -1, -1}, "MULTILINESTRING": {1111, -1, -1},
	"MULTIPOLYGON": {1111, -1, -1}, "GEOMETRYCOLLECTION": {1111, -1, -1}, "GEOMCOLLECTION": {1111, -1, -1},
}

// numericSuffixed are the types whose SIGNED/UNSIGNED/ZEROFILL become part
// of the name.
var numericSuffixed = map[string]bool{"TINYINT": true, "INT1": true, "SMALLINT": true, "INT2": true, "MEDIUMINT": true,
	"INT3": true, "MIDDLEINT": true, "INT": true, "INTEGER": true, "INT4": true, "BIGINT": true, "INT8": true,
	"REAL": true, "DOUBLE": true, "DOUBLE PRECISION": true, "FLOAT8": true, "FLOAT": true, "FLOAT4": true,
	"DECIMAL": true, "DEC": true, "FIXED": true, "NUMERIC": true}

// sqlTokens splits a statement into identifiers and words (backquotes
// removed), numbers, quoted strings (kept quoted) and single punctuation
// characters; comments are dropped.
func sqlTokens(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '#' || (c == '-' && strings.HasPrefix(s[i:], "-- ")):
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '/' && strings.HasPrefix(s[i:], "/*"):
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return out
			}
			i += end + 4
		case c == '`':
			j := i + 1
			var b strings.Builder
			for j < len(s) {
				if s[j] == '`' {
					if j+1 < len(s) && s[j+1] == '`' {
						b.WriteByte('`')
						j += 2
						continue
					}
					break
				}
				b.WriteByte(s[j])
				j++
			}
			out = append(out, b.String())
			i = j + 1
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(s) {
				if s[j] == '\\' {
					j += 2
					continue
				}
				if s[j] == c {
					if j+1 < len(s) && s[j+1] == c {
						j += 2
						continue
					}
					break
				}
				j++
			}
			j = min(j+1, len(s))
			out = append(out, s[i:j])
			i = j
		case isWordByte(c):
			j := i
			for j < len(s) && (isWordByte(s[j]) || s[j] == '.' && j+1 < len(s) && s[j+1] >= '0' && s[j+1] <= '9' && s[i] >= '0' && s[i] <= '9') {
				j++
			}
			out = append(out, s[i:j])
			i = j
		default:
			out = append(out, s[i:i+1])
			i++
		}
	}
	return out
}

func isWordByte(c byte) bool {
	return c == '_' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// resolveWritten reads the type starting at toks[0] as Debezium's resolver
// does; ok is false when toks[0] is no type word.
func resolveWritten(toks []string) (writtenType, int, bool) {
	up := func(i int) string {
		if i < len(toks) {
			return strings.ToUpper(toks[i])
		}
		return ""
	}
	name := up(0)
	if _, ok := dataTypes[name]; !ok {
		return writtenType{}, 0, false
	}
	j := 1
	// Multi-word types, longest first.
	for _, w := range []string{up(1) + " " + up(2), up(1)} {
		if _, ok := dataTypes[name+" "+w]; ok && strings.TrimSpace(w) != "" && !strings.HasSuffix(w, " ") {
			name += " " + w
			j += strings.Count(w, " ") + 1
			break
		}
	}
	def := dataTypes[name]
	wt := writtenType{base: name, jdbc: def.jdbc}
	var dims []string
	if up(j) == "(" {
		k := j + 1
		for depth := 1; k < len(toks) && depth > 0; k++ {
			switch toks[k] {
			case "(":
				depth++
			case ")":
				depth--
			case ",":
			default:
				if depth == 1 {
					dims = append(dims, toks[k])
				}
			}
		}
		j = k
	}
	var signed, unsigned, zerofill, binary bool
	for ; ; j++ {
		switch up(j) {
		case "SIGNED":
			signed = true
			continue
		case "UNSIGNED":
			unsigned = true
			continue
		case "ZEROFILL":
			zerofill = true
			continue
		case "PRECISION":
			if name == "DOUBLE" {
				name = "DOUBLE PRECISION"
				continue
			}
		case "BINARY":
			if def.jdbc == 1 || def.jdbc == 12 || def.jdbc == -15 || def.jdbc == -9 {
				binary = true
				continue
			}
		}
		break
	}
	wt.name = name
	switch {
	case name == "SERIAL":
		wt.name = "BIGINT UNSIGNED"
	case numericSuffixed[name]:
		// ZEROFILL implies UNSIGNED (seen on the Java reference).
		if signed {
			wt.name += " SIGNED"
		}
		if unsigned || zerofill {
			wt.name += " UNSIGNED"
		}
		if zerofill {
			wt.name += " ZEROFILL"
		}
	case binary:
		wt.name += " BINARY"
	}
	setLen := func(n int64) { wt.length = &n }
	switch name {
	case "ENUM":
		setLen(1)
	case "SET":
		setLen(int64(max(0, 2*len(dims)-1)))
	default:
		if len(dims) > 0 {
			if n, err := strconv.ParseFloat(dims[0], 64); err == nil {
				if n < 1 && strings.Contains(dims[0], ".") {
					n = 10 // FLOAT(.5): MySQL's default, as Debezium
				}
				setLen(int64(n))
			}
		}
		if len(dims) > 1 {
			if sc, err := strconv.Atoi(dims[1]); err == nil {
				wt.scale = &sc
			}
		}
	}
	if wt.length == nil && def.length >= 0 {
		setLen(int64(def.length))
	}
	if wt.scale == nil && def.scale >= 0 {
		sc := def.scale
		wt.scale = &sc
	}
	return wt, j, true
}

// literalDefault is the default written at toks[0] as Debezium's
// DefaultValueParserListener keeps it: a number or TRUE/FALSE as written,
// a string literal's text between its quotes (escapes kept: a doubled
// quote stays doubled), a bit literal's digits; nil for anything else
// (the server's is taken).
func literalDefault(toks []string) *string {
	if len(toks) == 0 {
		return nil
	}
	lit := toks[0]
	if n := len(lit); n >= 2 && (lit[0] == '\'' || lit[0] == '"') && lit[n-1] == lit[0] {
		inner := lit[1 : n-1]
		return &inner
	}
	if (lit == "b" || lit == "B") && len(toks) > 1 && len(toks[1]) >= 2 && toks[1][0] == '\'' {
		digits := strings.Trim(toks[1], "'")
		return &digits
	}
	if (lit == "-" || lit == "+") && len(toks) > 1 {
		lit += toks[1]
	}
	if _, err := strconv.ParseFloat(lit, 64); err == nil || strings.EqualFold(lit, "TRUE") || strings.EqualFold(lit, "FALSE") {
		return &lit
	}
	return nil
}

// defaultAfter finds the DEFAULT of the column definition starting at
// toks[0] (up to the comma or parenthesis that ends it).
func defaultAfter(toks []string) *string {
	depth := 0
	for i, tk := range toks {
		switch tk {
		case "(":
			depth++
		case ")":
			if depth == 0 {
				return nil
			}
			depth--
		case ",":
			if depth == 0 {
				return nil
			}
		}
		if depth == 0 && strings.EqualFold(tk, "DEFAULT") {
			return literalDefault(toks[i+1:])
		}
	}
	return nil
}

// writtenColumns reads what a CREATE TABLE or ALTER TABLE statement
// writes about its columns (see writtenDDL); ok is false when the
// statement is not such a statement or does not parse.
func writtenColumns(defaultDB, stmt string) (w writtenDDL, ok bool) {
	clean := strings.TrimSpace(commentRe.ReplaceAllString(stmt, " "))
	// MariaDB's CREATE OR REPLACE / ALTER ONLINE|IGNORE, which the TiDB
	// parser does not know, change nothing about the columns.
	clean = createOrReplaceRe.ReplaceAllString(clean, "CREATE ")
	clean = alterOnlineRe.ReplaceAllString(clean, "ALTER ")
	nodes, _, err := parser.New().ParseSQL(clean)
	if err != nil || len(nodes) != 1 {
		return w, false
	}
	w = writtenDDL{cols: map[string]writtenType{}, renamed: map[string]string{}, defaults: map[string]*string{}}
	var defs []*ast.ColumnDef
	toks := sqlTokens(clean)
	switch st := nodes[0].(type) {
	case *ast.CreateTableStmt:
		if st.ReferTable != nil {
			db := st.ReferTable.Schema.O
			if db == "" {
				db = defaultDB
			}
			w.like = &[2]string{db, st.ReferTable.Name.O}
			return w, true
		}
		if st.Select != nil {
			return w, false // AS SELECT: the columns come from the query
		}
		defs = st.Cols
	case *ast.RenameTableStmt:
		return w, true // the tables keep their columns
	case *ast.AlterTableStmt:
		for _, sp := range st.Specs {
			switch sp.Tp {
			case ast.AlterTableAddColumns, ast.AlterTableModifyColumn:
				defs = append(defs, sp.NewColumns...)
			case ast.AlterTableChangeColumn:
				defs = append(defs, sp.NewColumns...)
				if sp.OldColumnName != nil && len(sp.NewColumns) == 1 {
					w.renamed[strings.ToLower(sp.NewColumns[0].Name.Name.O)] = strings.ToLower(sp.OldColumnName.Name.O)
				}
			case ast.AlterTableRenameColumn:
				w.renamed[strings.ToLower(sp.NewColumnName.Name.O)] = strings.ToLower(sp.OldColumnName.Name.O)
			case ast.AlterTableAlterColumn:
				if len(sp.NewColumns) == 1 {
					name := sp.NewColumns[0].Name.Name.O
					var lit *string
					for i := 0; i+2 < len(toks); i++ {
						if strings.EqualFold(toks[i], name) && strings.EqualFold(toks[i+1], "SET") && strings.EqualFold(toks[i+2], "DEFAULT") {
							lit = literalDefault(toks[i+3:])
							break
						}
					}
					w.defaults[strings.ToLower(name)] = lit
				}
			case ast.AlterTableOption:
				for _, o := range sp.Options {
					if o.Tp == ast.TableOptionCharset && o.UintValue == ast.TableOptionCharsetWithConvertTo {
						w.keepCharsets = true
					}
				}
			}
		}
	default:
		return w, false
	}
	for _, d := range defs {
		name := d.Name.Name.O
		for i := 0; i+1 < len(toks); i++ {
			if !strings.EqualFold(toks[i], name) {
				continue
			}
			if wt, end, found := resolveWritten(toks[i+1:]); found {
				wt.deflt = defaultAfter(toks[i+1+end:])
				w.cols[strings.ToLower(name)] = wt
				break
			}
		}
	}
	return w, true
}

var (
	createOrReplaceRe = regexp.MustCompile(`(?i)^CREATE\s+OR\s+REPLACE\s+`)
	alterOnlineRe     = regexp.MustCompile(`(?i)^ALTER\s+(?:ONLINE\s+)?(?:IGNORE\s+)?`)
)

// applyWritten makes a table document say what Debezium's parser would
// have recorded for a streamed statement: the columns the statement
// defines take their written types; the others keep the type details,
// charset and default of the table's previous document (prev, nil when
// none), as Debezium's parser keeps the columns an ALTER does not touch.
// parsed is false when the statement could not be read: then only a
// column whose server type still fits its previous type keeps it.
func applyWritten(ht *histTable, prev *histTable, w writtenDDL, parsed bool) {
	prevCols := map[string]*histColumn{}
	if prev != nil {
		for i := range prev.Columns {
			prevCols[strings.ToLower(prev.Columns[i].Name)] = &prev.Columns[i]
		}
		if parsed {
			// Neither CONVERT TO nor DEFAULT CHARSET changes the charset
			// Debezium's parser recorded (seen on the Java reference).
			ht.DefaultCharsetName = prev.DefaultCharsetName
		}
	}
	for i := range ht.Columns {
		hc := &ht.Columns[i]
		key := strings.ToLower(hc.Name)
		if wt, ok := w.cols[key]; ok {
			hc.TypeName, hc.TypeExpression, hc.JdbcType = wt.name, wt.name, wt.jdbc
			if wt.base != "ENUM" && wt.base != "SET" {
				hc.Length, hc.Scale = wt.length, wt.scale
			}
			if wt.jdbc == 1111 { // JSON and geometry types have no charset
				hc.CharsetName = nil
			}
			if wt.jdbc == -15 || wt.jdbc == -9 {
				cs := "utf8"
				hc.CharsetName = &cs
			}
			if wt.deflt != nil {
				hc.HasDefaultValue, hc.DefaultValueExpression = true, wt.deflt
			}
			continue
		}
		if old, ok := w.renamed[key]; ok {
			key = old
		}
		p := prevCols[key]
		if p == nil || (!parsed && !sameBaseType(p.TypeName, hc.TypeName)) {
			continue
		}
		hc.TypeName, hc.TypeExpression, hc.JdbcType, hc.Length, hc.Scale = p.TypeName, p.TypeExpression, p.JdbcType, p.Length, p.Scale
		if parsed || p.JdbcType == 1111 || p.JdbcType == -15 || p.JdbcType == -9 {
			hc.CharsetName = p.CharsetName
		}
		if d, set := w.defaults[strings.ToLower(hc.Name)]; set {
			if d != nil {
				hc.HasDefaultValue, hc.DefaultValueExpression = true, d
			}
		} else if parsed {
			hc.HasDefaultValue, hc.DefaultValueExpression = p.HasDefaultValue, p.DefaultValueExpression
		}
	}
}

// sameBaseType reports whether a previous document's type (as written,
// BOOLEAN) may stand for the server's (TINYINT): only when the server
// would report that type for it.
func sameBaseType(written, server string) bool {
	w, s := strings.Fields(strings.ToUpper(written)), strings.Fields(strings.ToUpper(server))
	if len(w) == 0 || len(s) == 0 {
		return false
	}
	if w[0] == s[0] {
		return true
	}
	return serverType[w[0]] == s[0] || (len(w) > 1 && serverType[w[0]+" "+w[1]] == s[0])
}

// serverType is the type information_schema reports for a written one
// (MariaDB).
var serverType = map[string]string{
	"BOOL": "TINYINT", "BOOLEAN": "TINYINT", "INT1": "TINYINT", "INT2": "SMALLINT", "INT3": "MEDIUMINT",
	"MIDDLEINT": "MEDIUMINT", "INTEGER": "INT", "INT4": "INT", "INT8": "BIGINT", "SERIAL": "BIGINT",
	"REAL": "DOUBLE", "DOUBLE PRECISION": "DOUBLE", "FLOAT8": "DOUBLE", "FLOAT4": "FLOAT",
	"DEC": "DECIMAL", "FIXED": "DECIMAL", "NUMERIC": "DECIMAL", "CHARACTER": "CHAR", "NCHAR": "CHAR",
	"NATIONAL": "CHAR", "NVARCHAR": "VARCHAR", "JSON": "LONGTEXT", "LONG": "MEDIUMTEXT",
}
