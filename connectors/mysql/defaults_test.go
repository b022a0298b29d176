package mysql

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/jsonconverter"
)

// TestColumnDefaults checks schema defaults against Debezium 2.7's
// BinlogDefaultValueConverter and the DDL parser's DefaultValueParserListener:
// integer defaults go through Math.round(Double.parseDouble(s)) (so a
// BIGINT UNSIGNED default above 2^63 saturates at Long.MAX_VALUE in long
// mode), CURRENT_TIMESTAMP becomes "1970-01-01 00:00:00", which a nullable
// TIMESTAMP drops (no default) and DATETIME keeps as the epoch.
func TestColumnDefaults(t *testing.T) {
	long, err := parse(baseProps())
	if err != nil {
		t.Fatal(err)
	}
	precise, err := parse(with("bigint.unsigned.handling.mode", "precise"))
	if err != nil {
		t.Fatal(err)
	}
	def := func(s string) *string { return &s }
	for _, c := range []struct {
		name    string
		st      *settings
		col     column
		mariaDB bool
		want    any // nil: no default
	}{
		{"bigint unsigned max, long", long, column{dataType: "bigint", colType: "bigint(20) unsigned", unsigned: true, defaultSQL: def("18446744073709551615")}, true, int64(math.MaxInt64)},
		{"bigint unsigned 2^63, long", long, column{dataType: "bigint", colType: "bigint(20) unsigned", unsigned: true, defaultSQL: def("9223372036854775808")}, false, int64(math.MaxInt64)},
		{"bigint min", long, column{dataType: "bigint", colType: "bigint(20)", defaultSQL: def("-9223372036854775808")}, false, int64(math.MinInt64)},
		// Through a double: 2^53+1 is not representable.
		{"bigint beyond 2^53", long, column{dataType: "bigint", colType: "bigint(20)", nullable: true, defaultSQL: def("9007199254740993")}, false, int64(9007199254740992)},
		{"bigint small", long, column{dataType: "bigint", colType: "bigint(20)", defaultSQL: def("42")}, true, int64(42)},
		{"bigint unsigned max, precise", precise, column{dataType: "bigint", colType: "bigint(20) unsigned", unsigned: true, defaultSQL: def("18446744073709551615")}, true, "18446744073709551615"},
		{"int decimal literal", long, column{dataType: "int", colType: "int(11)", defaultSQL: def("1.5")}, false, int32(2)},
		{"smallint negative half", long, column{dataType: "smallint", colType: "smallint(6)", defaultSQL: def("-2.5")}, false, int16(-2)},
		{"int unsigned max", long, column{dataType: "int", colType: "int(10) unsigned", unsigned: true, defaultSQL: def("4294967295")}, false, int64(4294967295)},
		{"tinyint", long, column{dataType: "tinyint", colType: "tinyint(4)", nullable: true, defaultSQL: def("-7")}, true, int16(-7)},
		{"timestamp nullable current_timestamp", long, column{dataType: "timestamp", colType: "timestamp", nullable: true, defaultSQL: def("current_timestamp()")}, true, nil},
		{"timestamp nullable CURRENT_TIMESTAMP (MySQL)", long, column{dataType: "timestamp", colType: "timestamp", nullable: true, defaultSQL: def("CURRENT_TIMESTAMP")}, false, nil},
		{"timestamp nullable epoch literal", long, column{dataType: "timestamp", colType: "timestamp", nullable: true, defaultSQL: def("'1970-01-01 00:00:00'")}, true, nil},
		{"timestamp not null current_timestamp", long, column{dataType: "timestamp", colType: "timestamp", defaultSQL: def("current_timestamp()")}, true, "1970-01-01T00:00:00Z"},
		{"timestamp nullable literal", long, column{dataType: "timestamp", colType: "timestamp", nullable: true, defaultSQL: def("'2024-01-15 10:30:00'")}, true, "2024-01-15T10:30:00Z"},
		{"datetime nullable current_timestamp", long, column{dataType: "datetime", colType: "datetime", nullable: true, defaultSQL: def("current_timestamp()")}, true, int64(0)},
		// Zero-part dates (Debezium's EPOCH_EQUIVALENT_*): no default when
		// nullable, the epoch otherwise.
		{"date zero month, not null", long, column{dataType: "date", colType: "date", defaultSQL: def("'2024-00-15'")}, true, int32(0)},
		{"date zero day, nullable", long, column{dataType: "date", colType: "date", nullable: true, defaultSQL: def("'2024-05-00'")}, true, nil},
		{"datetime zero day midnight, not null", long, column{dataType: "datetime", colType: "datetime", defaultSQL: def("'2024-05-00 00:00:00'")}, true, int64(0)},
		{"datetime zero day, nullable", long, column{dataType: "datetime", colType: "datetime", nullable: true, defaultSQL: def("'2024-05-00 10:00:00'")}, true, nil},
		{"timestamp 0, not null", long, column{dataType: "timestamp", colType: "timestamp", defaultSQL: def("0")}, false, "1970-01-01T00:00:00Z"},
		{"date literal", long, column{dataType: "date", colType: "date", nullable: true, defaultSQL: def("'2024-01-15'")}, true, int32(19737)},
		// BIT defaults as b'…' literals: BIT(1) a boolean, BIT(n) Debezium's
		// little-endian bytes padded to the column's width.
		{"bit(1) b'1'", long, column{dataType: "bit", colType: "bit(1)", length: 1, defaultSQL: def("b'1'")}, true, true},
		{"bit(1) nullable b'0'", long, column{dataType: "bit", colType: "bit(1)", length: 1, nullable: true, defaultSQL: def("b'0'")}, true, false},
		{"bit(10)", long, column{dataType: "bit", colType: "bit(10)", length: 10, nullable: true, defaultSQL: def("b'1000000001'")}, false, []byte{1, 2}},
		{"bit(10) short literal", long, column{dataType: "bit", colType: "bit(10)", length: 10, defaultSQL: def("b'1'")}, true, []byte{1, 0}},
	} {
		t.Run(c.name, func(t *testing.T) {
			col := c.col
			col.name = "c"
			if err := mapColumn(&col, c.st, c.mariaDB); err != nil {
				t.Fatal(err)
			}
			got := col.schema.Default
			if bd, ok := got.(*data.BigDecimal); ok {
				got = bd.String()
			}
			if !data.ValuesEqual(got, c.want) {
				t.Errorf("default %#v, want %#v", got, c.want)
			}
		})
	}
}

// TestConnectTimeOutOfRange: with time.precision.mode=connect, Debezium's
// JdbcValueConverters.convertTimeToMillisPastMidnightAsDate refuses TIME
// values outside 00:00:00..24:00:00 (io.debezium.time.Time.toMilliOfDay
// without large values) and handleUnknownData makes them null for a
// nullable column and fails for a NOT NULL one; 24:00:00 itself is
// 86400000 ms, which Connect's Time accepts.
func TestConnectTimeOutOfRange(t *testing.T) {
	st, err := parse(with("time.precision.mode", "connect"))
	if err != nil {
		t.Fatal(err)
	}
	opt := &column{name: "t", dataType: "time", colType: "time(1)", fsp: 1, nullable: true}
	req := &column{name: "r", dataType: "time", colType: "time"}
	for _, c := range []*column{opt, req} {
		if err := mapColumn(c, st, false); err != nil {
			t.Fatal(err)
		}
	}
	conv := jsonconverter.New()
	for _, c := range []struct {
		in     string
		millis any // nil: null
	}{
		{"-12:00:00.5", nil},
		{"838:59:59", nil},
		{"24:00:00.1", nil},
		{"-00:00:01", nil},
		{"24:00:00", int32(86400000)},
		{"00:00:00", int32(0)},
		{"10:30:00.25", int32(37800250)},
	} {
		v, err := opt.convert(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		var got any
		if v != nil {
			if got, err = data.TimeToMillis(v.(time.Time)); err != nil {
				t.Errorf("%s: %v", c.in, err)
			}
		}
		if got != c.millis {
			t.Errorf("%s: %v (%v), want %v", c.in, got, v, c.millis)
		}
		if _, err := conv.FromConnectData("t", nil, opt.schema, v); err != nil {
			t.Errorf("%s as JSON: %v", c.in, err)
		}
	}
	if v, err := req.convert("838:59:59"); err == nil || !strings.Contains(err.Error(), "column r") {
		t.Errorf("NOT NULL column, out of range: %v, %v; want an error naming the column", v, err)
	}
}
