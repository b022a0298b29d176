package mysql

import (
	"bytes"
	"fmt"
	"math"
	"reflect"
	"testing"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
)

// snapshotValues is the reference for snapshotImageFields: the streamed
// row copied into values in table column order ([]byte for text, the
// field's own Go type otherwise), then converted by snapshotImage.
func snapshotValues(row []gomysql.FieldValue) []any {
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

// TestSnapshotFieldsAsValues: converting a snapshot row straight from its
// result fields gives the values of copying it first, for every column
// kind and handling mode, and the images do not alias the row's buffer.
func TestSnapshotFieldsAsValues(t *testing.T) {
	text := func(s string) gomysql.FieldValue {
		return gomysql.NewFieldValue(gomysql.FieldValueTypeString, 0, []byte(s))
	}
	signed := func(n int64) gomysql.FieldValue {
		return gomysql.NewFieldValue(gomysql.FieldValueTypeSigned, uint64(n), nil)
	}
	unsigned := func(n uint64) gomysql.FieldValue {
		return gomysql.NewFieldValue(gomysql.FieldValueTypeUnsigned, n, nil)
	}
	float := func(f float64) gomysql.FieldValue {
		return gomysql.NewFieldValue(gomysql.FieldValueTypeFloat, math.Float64bits(f), nil)
	}
	null := gomysql.FieldValue{}
	cols := []*column{
		{name: "id", dataType: "int", colType: "int(11)"},
		{name: "b1", dataType: "bit", colType: "bit(1)", length: 1, nullable: true},
		{name: "b10", dataType: "bit", colType: "bit(10)", length: 10, nullable: true},
		{name: "ti", dataType: "tinyint", colType: "tinyint(4)", nullable: true},
		{name: "si", dataType: "smallint", colType: "smallint(6)", nullable: true},
		{name: "bi", dataType: "bigint", colType: "bigint(20)", nullable: true},
		{name: "ui", dataType: "int", colType: "int(10) unsigned", unsigned: true, nullable: true},
		{name: "ubi", dataType: "bigint", colType: "bigint(20) unsigned", unsigned: true, nullable: true},
		{name: "f", dataType: "float", colType: "float", nullable: true},
		{name: "d", dataType: "double", colType: "double", nullable: true},
		{name: "dec", dataType: "decimal", colType: "decimal(10,2)", precision: 10, scale: 2, nullable: true},
		{name: "s", dataType: "varchar", colType: "varchar(20)", nullable: true},
		{name: "l1", dataType: "varchar", colType: "varchar(20)", latin1: true, nullable: true},
		{name: "j", dataType: "json", colType: "json", nullable: true},
		{name: "e", dataType: "enum", colType: "enum('a','b')", nullable: true},
		{name: "st", dataType: "set", colType: "set('a','b')", nullable: true},
		{name: "y", dataType: "year", colType: "year(4)", nullable: true},
		{name: "dt", dataType: "date", colType: "date", nullable: true},
		{name: "tm", dataType: "time", colType: "time(3)", fsp: 3, nullable: true},
		{name: "dtm", dataType: "datetime", colType: "datetime(3)", fsp: 3, nullable: true},
		{name: "ts", dataType: "timestamp", colType: "timestamp(3)", fsp: 3, nullable: true},
		{name: "bin", dataType: "binary", colType: "binary(4)", charLen: 4, nullable: true},
		{name: "bl", dataType: "blob", colType: "blob", charLen: 65535, nullable: true},
		{name: "zd", dataType: "date", colType: "date", nullable: true},
	}
	row := []gomysql.FieldValue{signed(7), text("\x01"), text("\x02\x01"), signed(-5), signed(300), signed(-1 << 40),
		unsigned(4000000000), unsigned(1 << 63), float(1.5), float(-2.25), text("12.5"), text("h\u00e9 \"x\""),
		text("caf\xe9"), text(`{"a":1}`), text("b"), text("a,b"), signed(2024), text("2024-02-29"), text("-12:34:56.789"),
		text("2024-01-15 10:30:00.120"), text("2001-01-01 00:00:10.100"), text("ab"), text("\x00\xff"), text("0000-00-00")}
	nulls := make([]gomysql.FieldValue, len(row))
	nulls[0] = signed(8)
	for i := range nulls[1:] {
		nulls[i+1] = null
	}
	for _, props := range []map[string]string{
		baseProps(),
		with("decimal.handling.mode", "double", "time.precision.mode", "connect", "binary.handling.mode", "base64",
			"bigint.unsigned.handling.mode", "precise"),
		with("decimal.handling.mode", "string", "binary.handling.mode", "hex", "message.key.columns", "inv.t:s,dtm"),
	} {
		st, err := parse(props)
		if err != nil {
			t.Fatal(err)
		}
		var cs []*column
		for _, c := range cols {
			c := *c
			if err := mapColumn(&c, st, false); err != nil {
				t.Fatal(err)
			}
			cs = append(cs, &c)
		}
		tb := &table{db: "inv", name: "t", cols: cs, keyIdx: []int{0}}
		if err := tb.buildSchemas(st, sourceSchema(), transactionSchema()); err != nil {
			t.Fatal(err)
		}
		for _, r := range [][]gomysql.FieldValue{row, nulls} {
			wantAfter, wantKey, wantErr := tb.snapshotImage(snapshotValues(r))
			buf := make([]gomysql.FieldValue, len(r))
			for i, f := range r {
				buf[i] = gomysql.NewFieldValue(f.Type, f.AsUint64(), bytes.Clone(f.AsString()))
			}
			after, key, env, err := tb.snapshotImageFields(buf)
			if (err == nil) != (wantErr == nil) {
				t.Fatalf("%v: error %v, want %v", props, err, wantErr)
			}
			if err != nil {
				continue
			}
			// The row's buffers are reused for the next row.
			for i := range buf {
				s := buf[i].AsString()
				for k := range s {
					s[k] = '#'
				}
			}
			for i, f := range tb.valueSchema.Fields {
				if got, want := after.RawIndex(i), wantAfter.RawIndex(i); !reflect.DeepEqual(got, want) {
					t.Errorf("%v: %s = %#v, want %#v", props, f.Name, got, want)
				}
			}
			if (key == nil) != (wantKey == nil) || (key != nil && !key.Equal(wantKey)) {
				t.Errorf("%v: key %v, want %v", props, key, wantKey)
			}
			if env == nil || env.Schema() != tb.envSchema || env.RawIndex(0) != nil {
				t.Errorf("envelope %v", env)
			}
		}
	}
}

// TestSnapshotTextFastPaths: DECIMAL and DATE/DATETIME/TIMESTAMP text
// parsed straight from the row's bytes gives what convert gives for the
// same text as a string, in every mode, including the texts the fast
// parsers leave to convert (zero dates, long decimals, bad dates), and the
// value does not alias the row's buffer.
func TestSnapshotTextFastPaths(t *testing.T) {
	cols := []*column{
		{name: "dec", dataType: "decimal", colType: "decimal(10,2)", precision: 10, scale: 2, nullable: true},
		{name: "dec0", dataType: "decimal", colType: "decimal(5,0)", precision: 5, nullable: true},
		{name: "big", dataType: "decimal", colType: "decimal(30,4)", precision: 30, scale: 4, nullable: true},
		{name: "dt", dataType: "date", colType: "date", nullable: true},
		{name: "dtm", dataType: "datetime", colType: "datetime", nullable: true},
		{name: "dtm3", dataType: "datetime", colType: "datetime(3)", fsp: 3, nullable: true},
		{name: "dtm6", dataType: "datetime", colType: "datetime(6)", fsp: 6, nullable: true},
		{name: "ts", dataType: "timestamp", colType: "timestamp", nullable: true},
		{name: "ts6", dataType: "timestamp", colType: "timestamp(6)", fsp: 6, nullable: true},
	}
	texts := []string{"0", "12.5", "-12.50", "-0.01", "99999999.99", "123", "1234567890123456.1234",
		"12345678901234567890.1234", "1e5", "", "-", "1.2.3",
		"2024-02-29", "2024-02-30", "1969-12-31", "0000-00-00", "1000-01-01",
		"2024-01-15 10:30:00", "2024-01-15 10:30:00.120", "2024-01-15 10:30:00.123456", "1960-06-30 23:59:59.5",
		"0000-00-00 00:00:00", "2024-13-01 00:00:00", "2024-01-15 24:00:00", "2024-01-15T10:30:00"}
	for _, props := range []map[string]string{
		baseProps(),
		with("decimal.handling.mode", "double", "time.precision.mode", "connect"),
		with("decimal.handling.mode", "string"),
	} {
		st, err := parse(props)
		if err != nil {
			t.Fatal(err)
		}
		for _, c0 := range cols {
			c := *c0
			if err := mapColumn(&c, st, false); err != nil {
				t.Fatal(err)
			}
			for _, s := range texts {
				want, wantErr := c.convert(s)
				if z, ok := want.(string); ok && c.kind == kZoned {
					want = trimZonedFraction(z)
				}
				buf := []byte(s)
				f := gomysql.NewFieldValue(gomysql.FieldValueTypeString, 0, buf)
				got, err := c.convertField(&f)
				if (err == nil) != (wantErr == nil) {
					t.Errorf("%v %s %q: error %v, want %v", props, c.name, s, err, wantErr)
					continue
				}
				for i := range buf {
					buf[i] = '9'
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%v %s %q: %#v, want %#v", props, c.name, s, got, want)
				}
			}
		}
	}
}

// TestOpValue: the envelope's op boxed without an allocation, same value.
func TestOpValue(t *testing.T) {
	var sink any
	for _, op := range []string{"r", "c", "u", "d", "t", "x"} {
		dyn := string([]byte(op)) // not a constant, as the callers' op
		if got := opValue(dyn); got != any(op) {
			t.Errorf("opValue(%q) = %#v", op, got)
		}
		if op == "x" {
			continue
		}
		if n := testing.AllocsPerRun(100, func() { sink = opValue(dyn) }); n != 0 {
			t.Errorf("opValue(%q): %v allocations", op, n)
		}
	}
	_ = sink
}

// TestSnapshotRowSizes: rows of tables whose fields fit the one-block
// rows (16 and 32 values) and of wider ones convert alike, and the
// envelope's values do not overlap the image's or the key's.
func TestSnapshotRowSizes(t *testing.T) {
	st, err := parse(baseProps())
	if err != nil {
		t.Fatal(err)
	}
	for _, ncols := range []int{1, 7, 8, 20, 23, 24, 40} {
		var cs []*column
		var row []gomysql.FieldValue
		for i := range ncols {
			c := &column{name: fmt.Sprintf("c%d", i), dataType: "bigint", colType: "bigint(20)", nullable: i > 0}
			if err := mapColumn(c, st, false); err != nil {
				t.Fatal(err)
			}
			cs = append(cs, c)
			row = append(row, gomysql.NewFieldValue(gomysql.FieldValueTypeSigned, uint64(1000+i), nil))
		}
		tb := &table{db: "inv", name: "t", cols: cs, keyIdx: []int{0}}
		if err := tb.buildSchemas(st, sourceSchema(), transactionSchema()); err != nil {
			t.Fatal(err)
		}
		wantAfter, wantKey, err := tb.snapshotImage(snapshotValues(row))
		if err != nil {
			t.Fatal(err)
		}
		after, key, env, err := tb.snapshotImageFields(row)
		if err != nil {
			t.Fatal(err)
		}
		for i := range tb.envSchema.Fields {
			env.PutIndex(i, "env")
		}
		if !after.Equal(wantAfter) || !key.Equal(wantKey) {
			t.Errorf("%d columns: after %v key %v, want %v %v", ncols, after, key, wantAfter, wantKey)
		}
		if n := len(tb.valueSchema.Fields) + len(tb.keySchema.Fields) + len(tb.envSchema.Fields); n != ncols+1+len(tb.envSchema.Fields) {
			t.Fatalf("%d columns: %d values", ncols, n)
		}
	}
}

// TestLatin1Text: MySQL latin1 (cp1252, its five undefined bytes passed
// through) decoded alike from strings, bytes and decodeLatin1's boxed
// values; ASCII strings are returned as they are, ASCII bytes copied once.
func TestLatin1Text(t *testing.T) {
	for in, want := range map[string]string{
		"":               "",
		"plain ascii":    "plain ascii",
		"caf\xe9":        "café",
		"\x80 \x9f":      "€ Ÿ",
		"\x81\x8d\x8f":   "\u0081\u008d\u008f",
		"\xa0\xff\x7f":   "\u00a0ÿ\x7f",
		"x\x91q\x92\x85": "x‘q’…",
	} {
		if got := latin1Text(in); got != want {
			t.Errorf("latin1Text(%q) = %q, want %q", in, got, want)
		}
		b := []byte(in)
		got := latin1Text(b)
		for i := range b {
			b[i] = '#' // the result must not alias the bytes
		}
		if got != want {
			t.Errorf("latin1Text([]byte %q) = %q, want %q", in, got, want)
		}
		if got := decodeLatin1(in); got != want {
			t.Errorf("decodeLatin1(%q) = %q, want %q", in, got, want)
		}
		if got := decodeLatin1([]byte(in)); got != want {
			t.Errorf("decodeLatin1([]byte %q) = %q, want %q", in, got, want)
		}
	}
	var sink string
	ascii := "plain ascii text"
	if n := testing.AllocsPerRun(100, func() { sink = latin1Text(ascii) }); n != 0 {
		t.Errorf("ASCII string: %v allocations", n)
	}
	asciiB := []byte(ascii)
	if n := testing.AllocsPerRun(100, func() { sink = latin1Text(asciiB) }); n != 1 {
		t.Errorf("ASCII bytes: %v allocations, want 1", n)
	}
	_ = sink
}
