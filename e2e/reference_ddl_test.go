//go:build e2e

package e2e

import (
	"encoding/json"
	"strings"
	"testing"
)

// referenceDDLCorpus is every DDL shape TestReferenceDDL runs on both
// workers: a captured table created with each column type written with
// and without lengths, then altered in every way, renamed, truncated and
// dropped; a table that is not captured; a database; a view; an account.
var referenceDDLCorpus = []string{
	"CREATE TABLE {t1} (id INT AUTO_INCREMENT PRIMARY KEY, ti TINYINT, ti3 TINYINT(3) UNSIGNED, si SMALLINT, mi MEDIUMINT, bi BIGINT, " +
		"iu INT UNSIGNED, i5 INT(5) ZEROFILL, bt BIT, bt5 BIT(5), bo BOOLEAN, de DECIMAL, d52 DECIMAL(5,2), nu NUMERIC(7), " +
		"f FLOAT, f72 FLOAT(7,2), db DOUBLE, d83 DOUBLE(8,3), r REAL, c CHAR, c5 CHAR(5), vc VARCHAR(10), " +
		"bn BINARY, bn4 BINARY(4), vb VARBINARY(8), tt TINYTEXT, tx TEXT, mt MEDIUMTEXT, lt LONGTEXT, " +
		"tb TINYBLOB, bl BLOB, mb MEDIUMBLOB, lb LONGBLOB, dt DATE, tm TIME, tm3 TIME(3), dtm DATETIME, dtm6 DATETIME(6), " +
		"ts TIMESTAMP NULL, ts2 TIMESTAMP(2) NULL DEFAULT NULL, y YEAR, e ENUM('a','b''c'), s SET('x','y','z'), j JSON, " +
		"lat VARCHAR(5) CHARACTER SET latin1, dflt INT DEFAULT 7, dn VARCHAR(5) DEFAULT NULL, nn INT NOT NULL DEFAULT 0, " +
		"cm INT COMMENT 'a comment', UNIQUE KEY uq (vc))",
	`INSERT INTO {t1} (ti, vc, bt, bt5, bo, de, e, s, j) VALUES (1, 'one', b'1', b'101', true, 12, 'a', 'x,z', '{"k":1}')`,
	"ALTER TABLE {t1} ADD COLUMN extra INT, ADD COLUMN extra2 VARCHAR(3) NOT NULL DEFAULT 'x' AFTER id",
	"ALTER TABLE {t1} MODIFY COLUMN ti TINYINT(2) NOT NULL DEFAULT 1",
	"ALTER TABLE {t1} CHANGE COLUMN si si2 SMALLINT UNSIGNED",
	"ALTER TABLE {t1} DROP COLUMN mi",
	"CREATE INDEX {t1}_i ON {t1} (bi)",
	"DROP INDEX {t1}_i ON {t1}",
	`INSERT INTO {t1} (ti, vc, extra) VALUES (2, 'two', 5)`,
	"RENAME TABLE {t1} TO {t2}",
	"TRUNCATE TABLE {t2}",
	"DROP TABLE {t2}",
	// not captured
	"CREATE TABLE {other} (id INT PRIMARY KEY, v VARCHAR(3))",
	"ALTER TABLE {other} ADD COLUMN w INT",
	"DROP TABLE {other}",
	// a database that is not captured, a table in it
	"CREATE DATABASE {db}",
	"CREATE TABLE {db}.x{stamp} (id INT PRIMARY KEY)",
	"ALTER DATABASE {db} CHARACTER SET latin1",
	"DROP DATABASE {db}",
	// a view on a captured table
	"CREATE VIEW {view} AS SELECT id, first_name FROM {table}",
	"CREATE OR REPLACE VIEW {view} AS SELECT id FROM {table}",
	"ALTER VIEW {view} AS SELECT id, last_name FROM {table}",
	"DROP VIEW {view}",
	// accounts
	"CREATE USER {user} IDENTIFIED BY 'pw'",
	"GRANT SELECT ON demo.{table} TO {user}",
	"DROP USER {user}",
	`INSERT INTO {table} (id, first_name) VALUES (500, 'after the DDL')`,
}

// referenceDDLCorpus2 are more shapes: type aliases (INTEGER, DEC, FIXED,
// DOUBLE PRECISION, FLOAT(30), SERIAL, NCHAR, NATIONAL VARCHAR, TEXT(n),
// INT1/INT8/MIDDLEINT, BOOL), collations, BINARY strings, a generated
// column, columns named like types; ALTER COLUMN SET DEFAULT, RENAME
// COLUMN, CONVERT TO CHARACTER SET, ADD … FIRST, ALTER … RENAME TO,
// CREATE TABLE LIKE and AS SELECT, a UNIQUE index that becomes the key
// of a table without one, a DROP of several tables.
var referenceDDLCorpus2 = []string{
	"CREATE TABLE {t1} (id INTEGER NOT NULL, a DEC(6,2), b FIXED, c DOUBLE PRECISION, d FLOAT(30), e SERIAL, f NCHAR(2), " +
		"g NATIONAL VARCHAR(4), h TEXT(100), i INT1, j INT8 UNSIGNED, k MIDDLEINT, l BOOL DEFAULT TRUE, " +
		"m VARCHAR(5) COLLATE latin1_bin, n CHAR(3) BINARY, g2 INT AS (id * 2) VIRTUAL, `date` DATE, `int` INT, " +
		"PRIMARY KEY (id)) DEFAULT CHARSET=utf8mb4",
	"INSERT INTO {t1} (id, a, b, c, d, f, g, h, i, j, k, m, n, `date`, `int`) VALUES (1, 1.25, 7, 2.5, 3.5, 'ab', 'cd', 'ef', 1, 2, 3, 'gh', 'ij', '2020-01-02', 4)",
	"ALTER TABLE {t1} ALTER COLUMN a SET DEFAULT 1.5",
	"ALTER TABLE {t1} RENAME COLUMN `int` TO int_b",
	"ALTER TABLE {t1} CONVERT TO CHARACTER SET latin1",
	"ALTER TABLE {t1} ADD COLUMN bo2 BOOLEAN NOT NULL DEFAULT FALSE FIRST",
	"ALTER TABLE {t1} RENAME TO {t2}",
	"INSERT INTO {t2} (id, a) VALUES (2, 2.5)",
	"CREATE TABLE {other} LIKE {t2}",
	"CREATE TABLE {t3} AS SELECT id, a FROM {t2}",
	"CREATE UNIQUE INDEX {t3}_u ON {t3} (id)",
	"INSERT INTO {t3} (id, a) VALUES (3, 3.5)",
	"DROP TABLE {t2}, {t3}, {other}",
	`INSERT INTO {table} (id, first_name) VALUES (501, 'after more DDL')`,
}

// referenceDDLCorpus3: defaults of every kind (quoted, NULL, negative,
// bit, CURRENT_TIMESTAMP/NOW with ON UPDATE), table charset and comment,
// keys added and dropped, an ENUM widened, DROP TABLE IF EXISTS of a
// table that does not exist.
var referenceDDLCorpus3 = []string{
	"CREATE TABLE {t1} (id INT NOT NULL, s1 VARCHAR(10) DEFAULT 'it''s', s2 VARCHAR(10) DEFAULT NULL, n1 INT DEFAULT -5, " +
		"b1 BIT(3) DEFAULT b'101', ts TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP, " +
		"dt DATETIME(3) DEFAULT NOW(3), e ENUM('x','y') NOT NULL DEFAULT 'y', t TEXT COMMENT 'c', d DECIMAL(8,3) DEFAULT 0) " +
		"CHARSET=latin1 COMMENT='tbl'",
	"ALTER TABLE {t1} ADD PRIMARY KEY (id)",
	"ALTER TABLE {t1} ADD INDEX ix (n1), ADD UNIQUE KEY ux (s1)",
	"ALTER TABLE {t1} MODIFY COLUMN e ENUM('x','y','z') NOT NULL DEFAULT 'z'",
	"INSERT INTO {t1} (id) VALUES (1)",
	"ALTER TABLE {t1} DROP PRIMARY KEY",
	"ALTER TABLE {t1} DEFAULT CHARSET=utf8mb4",
	"DROP TABLE IF EXISTS {t2}",
	"DROP TABLE {t1}",
	`INSERT INTO {table} (id, first_name) VALUES (502, 'after the defaults')`,
}

// TestReferenceDDL: the schema change topic and the schema history of a
// DDL corpus (referenceDDLCorpus), with store.only.captured.tables.ddl
// false (Debezium's default: every statement) and true, and more shapes
// (referenceDDLCorpus2).
func TestReferenceDDL(t *testing.T) {
	for _, c := range []struct {
		name, only string
		dml        []string
		rows       int // change events of the corpus on the Java side, at least
	}{
		{"all", "false", referenceDDLCorpus, 3},
		{"captured", "true", referenceDDLCorpus, 3},
		{"more", "false", referenceDDLCorpus2, 5},
		{"defaults", "false", referenceDDLCorpus3, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			// The records of this case (their DDL names its objects) and the
			// snapshot's database-level statements; other sessions' DDL on the
			// shared server is left out.
			mine := func(repl map[string]string, ddl string, snapshot bool) bool {
				if strings.Contains(ddl, repl["{stamp}"]) {
					return true
				}
				return snapshot && !strings.Contains(ddl, "TABLE")
			}
			runReference(t, referenceCase{
				maybe: referenceOffsetsMaybe,
				config: map[string]string{
					"include.schema.changes": "true",
					"table.include.list":     "demo.{table},demo.{types},demo.{t1},demo.{t2},demo.{t3}",
					"schema.history.internal.store.only.captured.tables.ddl": c.only,
				},
				dml:    c.dml,
				settle: true,
				// snapshot 24 rows, the corpus's rows; the rest on the
				// schema change topic
				wantJava: 20 + 4 + c.rows + 10,
				keep: func(repl map[string]string, topic string, value []byte) bool {
					if topic != "<prefix>" {
						return true
					}
					var v struct {
						Payload struct {
							DDL    string `json:"ddl"`
							Source struct {
								Snapshot string `json:"snapshot"`
							} `json:"source"`
						} `json:"payload"`
					}
					if json.Unmarshal(value, &v) != nil {
						return true
					}
					return mine(repl, v.Payload.DDL, v.Payload.Source.Snapshot == "true")
				},
				history: true,
				keepHistory: func(repl map[string]string, value []byte) bool {
					var v struct {
						DDL      string         `json:"ddl"`
						Position map[string]any `json:"position"`
					}
					if json.Unmarshal(value, &v) != nil {
						return true
					}
					snap, _ := v.Position["snapshot"].(bool)
					return mine(repl, v.DDL, snap)
				},
				accepted: []referenceKnown{referenceOffsetRowAccepted},
			})
		})
	}
}
