package mysql

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/goconnect/goconnect/connect/data"
)

// Debezium semantic schema names (spec §1.9).
const (
	nameEnum           = "io.debezium.data.Enum"
	nameEnumSet        = "io.debezium.data.EnumSet"
	nameJSON           = "io.debezium.data.Json"
	nameBits           = "io.debezium.data.Bits"
	nameYear           = "io.debezium.time.Year"
	nameDate           = "io.debezium.time.Date"
	nameMicroTime      = "io.debezium.time.MicroTime"
	nameTimestamp      = "io.debezium.time.Timestamp"
	nameMicroTimestamp = "io.debezium.time.MicroTimestamp"
	nameZoned          = "io.debezium.time.ZonedTimestamp"
	paramPrecision     = "connect.decimal.precision"
)

// kind says how a column's values are converted.
type kind int

const (
	kBool kind = iota
	kBits
	kInt16
	kInt32
	kInt64
	kUBigPrecise
	kFloat32
	kFloat64
	kDecimal
	kDecimalDouble
	kDecimalString
	kString
	kBytes
	kBase64    // binary.handling.mode=base64
	kBase64URL // binary.handling.mode=base64-url-safe
	kHex       // binary.handling.mode=hex
	kJSON
	kEnum
	kSet
	kYear
	kDate
	kConnectDate
	kMicroTime
	kConnectTime
	kTimestampMs
	kTimestampMicro
	kConnectTimestamp
	kZoned
)

// column is one table column as read from information_schema.
type column struct {
	name       string
	dataType   string // DATA_TYPE, lower case
	colType    string // COLUMN_TYPE, lower case
	typeText   string // COLUMN_TYPE as the server wrote it ("" when rebuilt from history: colType keeps case then)
	nullable   bool
	unsigned   bool
	length     int64 // BIT length
	precision  int
	scale      int
	fsp        int // fractional seconds precision of temporal types
	options    []string
	defaultSQL *string // COLUMN_DEFAULT as the server reports it
	// latin1 columns arrive as raw cp1252 bytes from the binlog and, with
	// character_set_results=NULL, from the snapshot too.
	latin1 bool
	// charset, charLen, autoInc and mariaDB are kept for the schema
	// history's column documents (defaults are quoted on MariaDB).
	charset string
	charLen int64
	autoInc bool
	mariaDB bool
	kind    kind
	schema  *data.Schema
}

// table is a captured table with its Connect schemas.
type table struct {
	db, name string
	charset  string // the table's default charset, for schema history
	cols     []*column
	keyIdx   []int // the primary key (or its unique-index stand-in), as the schema history has it
	// recKey are the columns of record keys: message.key.columns when an
	// entry matches, else keyIdx. valCols are the columns of the value
	// schema (column filters applied); valPos is each column's field
	// index in it, -1 when filtered out.
	recKey  []int
	valCols []int
	valPos  []int
	topic   string
	// dbBox and nameBox are db and name boxed once for source blocks.
	dbBox, nameBox any
	keySchema      *data.Schema // nil when the table has no key
	valueSchema    *data.Schema
	envSchema      *data.Schema
}

// parseOptions reads the labels of an enum(...) or set(...) COLUMN_TYPE;
// a quote inside a label is doubled.
// optionsText is the COLUMN_TYPE to read ENUM/SET values from, with their
// case.
func (c *column) optionsText() string {
	if c.typeText != "" {
		return c.typeText
	}
	return c.colType
}

func parseOptions(colType string) []string {
	open := strings.IndexByte(colType, '(')
	if open < 0 {
		return nil
	}
	s := colType[open+1:]
	var out []string
	for i := 0; i < len(s); i++ {
		if s[i] != '\'' {
			continue
		}
		var b strings.Builder
		for i++; i < len(s); i++ {
			if s[i] == '\'' {
				if i+1 < len(s) && s[i+1] == '\'' {
					b.WriteByte('\'')
					i++
					continue
				}
				break
			}
			if s[i] == '\\' && i+1 < len(s) {
				i++
			}
			b.WriteByte(s[i])
		}
		out = append(out, b.String())
	}
	return out
}

// mapColumn picks the Connect schema as Debezium's default mapping does.
func mapColumn(c *column, st *settings, mariaDB bool) error {
	var b *data.Builder
	switch c.dataType {
	case "bit":
		if c.length <= 1 {
			c.kind, b = kBool, data.NewBuilder(data.TypeBoolean)
		} else {
			c.kind, b = kBits, data.NewBuilder(data.TypeBytes).Name(nameBits).Version(1).Param("length", strconv.FormatInt(c.length, 10))
		}
	case "bool", "boolean":
		c.kind, b = kBool, data.NewBuilder(data.TypeBoolean)
	case "tinyint":
		// TINYINT(1) too: Debezium's snapshot sees tinyint(1), not BOOLEAN.
		c.kind, b = kInt16, data.NewBuilder(data.TypeInt16)
	case "smallint":
		if c.unsigned {
			c.kind, b = kInt32, data.NewBuilder(data.TypeInt32)
		} else {
			c.kind, b = kInt16, data.NewBuilder(data.TypeInt16)
		}
	case "mediumint":
		c.kind, b = kInt32, data.NewBuilder(data.TypeInt32)
	case "int", "integer":
		if c.unsigned {
			c.kind, b = kInt64, data.NewBuilder(data.TypeInt64)
		} else {
			c.kind, b = kInt32, data.NewBuilder(data.TypeInt32)
		}
	case "bigint":
		if c.unsigned && st.bigintPrecise {
			c.kind, b = kUBigPrecise, data.DecimalBuilder(0).Param(paramPrecision, "20")
		} else {
			c.kind, b = kInt64, data.NewBuilder(data.TypeInt64)
		}
	case "float":
		// BinlogValueConverters: FLOAT without a scale and of at most 24
		// digits is float32; FLOAT(m,d) and FLOAT(25+) are Types.FLOAT,
		// float64.
		if n, _, hasScale, ok := typeDims(c.colType); ok && (hasScale || n > 24) {
			c.kind, b = kFloat64, data.NewBuilder(data.TypeFloat64)
		} else {
			c.kind, b = kFloat32, data.NewBuilder(data.TypeFloat32)
		}
	case "real":
		// Only as written in a streamed CREATE/ALTER TABLE (the server
		// says double): Types.REAL, float32 in Debezium.
		c.kind, b = kFloat32, data.NewBuilder(data.TypeFloat32)
	case "double", "double precision":
		c.kind, b = kFloat64, data.NewBuilder(data.TypeFloat64)
	case "decimal", "numeric", "dec", "fixed":
		switch st.decimalMode {
		case "double":
			c.kind, b = kDecimalDouble, data.NewBuilder(data.TypeFloat64)
		case "string":
			c.kind, b = kDecimalString, data.NewBuilder(data.TypeString)
		default:
			c.kind, b = kDecimal, data.DecimalBuilder(int32(c.scale)).Param(paramPrecision, strconv.Itoa(c.precision))
		}
	case "char", "varchar", "tinytext", "text", "mediumtext", "longtext", "nchar", "nvarchar":
		c.kind, b = kString, data.NewBuilder(data.TypeString)
	case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob":
		switch st.binaryMode {
		case "base64":
			c.kind, b = kBase64, data.NewBuilder(data.TypeString)
		case "base64-url-safe":
			c.kind, b = kBase64URL, data.NewBuilder(data.TypeString)
		case "hex":
			c.kind, b = kHex, data.NewBuilder(data.TypeString)
		default:
			c.kind, b = kBytes, data.NewBuilder(data.TypeBytes)
		}
	case "json":
		c.kind, b = kJSON, data.NewBuilder(data.TypeString).Name(nameJSON).Version(1)
	case "enum":
		c.options = parseOptions(c.optionsText())
		c.kind, b = kEnum, data.NewBuilder(data.TypeString).Name(nameEnum).Version(1).Param("allowed", strings.Join(c.options, ","))
	case "set":
		c.options = parseOptions(c.optionsText())
		c.kind, b = kSet, data.NewBuilder(data.TypeString).Name(nameEnumSet).Version(1).Param("allowed", strings.Join(c.options, ","))
	case "year":
		c.kind, b = kYear, data.NewBuilder(data.TypeInt32).Name(nameYear).Version(1)
	case "date":
		if st.timeConnect {
			c.kind, b = kConnectDate, data.DateBuilder()
		} else {
			c.kind, b = kDate, data.NewBuilder(data.TypeInt32).Name(nameDate).Version(1)
		}
	case "time":
		if st.timeConnect {
			c.kind, b = kConnectTime, data.TimeBuilder()
		} else {
			c.kind, b = kMicroTime, data.NewBuilder(data.TypeInt64).Name(nameMicroTime).Version(1)
		}
	case "datetime":
		switch {
		case st.timeConnect:
			c.kind, b = kConnectTimestamp, data.TimestampBuilder()
		case c.fsp <= 3:
			c.kind, b = kTimestampMs, data.NewBuilder(data.TypeInt64).Name(nameTimestamp).Version(1)
		default:
			c.kind, b = kTimestampMicro, data.NewBuilder(data.TypeInt64).Name(nameMicroTimestamp).Version(1)
		}
	case "timestamp":
		c.kind, b = kZoned, data.NewBuilder(data.TypeString).Name(nameZoned).Version(1)
	default:
		// Geometry types and anything newer are not mapped yet.
		return fmt.Errorf("column %s: type %s is not supported by goconnect yet", c.name, c.colType)
	}
	if c.nullable {
		b.Optional()
	}
	if d, ok := c.defaultValue(mariaDB); ok {
		if v, err := c.convertDefault(d); err == nil && v != nil {
			b.Default(v)
		}
	}
	s, err := b.Build()
	if err != nil {
		return fmt.Errorf("column %s: %w", c.name, err)
	}
	c.schema = s
	return nil
}

// epochDefault is what Debezium's DDL parser makes of a CURRENT_TIMESTAMP
// (or NOW()) default.
const epochDefault = "1970-01-01 00:00:00"

// defaultValue turns COLUMN_DEFAULT into a value convert accepts. MariaDB
// quotes string literals and reports "NULL" for no default; MySQL does
// neither. CURRENT_TIMESTAMP defaults become the epoch, as Debezium does;
// a nullable TIMESTAMP then has no default (BinlogDefaultValueConverter's
// convertToTimestamp drops the epoch for optional columns; DATETIME keeps it).
func (c *column) defaultValue(mariaDB bool) (any, bool) {
	d, ok := c.defaultText(mariaDB)
	if ok && c.kind == kZoned && c.nullable && d == epochDefault {
		return nil, false
	}
	return d, ok
}

func (c *column) defaultText(mariaDB bool) (string, bool) {
	if c.defaultSQL == nil {
		return "", false
	}
	d := *c.defaultSQL
	if mariaDB {
		if d == "NULL" {
			return "", false
		}
		if len(d) >= 2 && d[0] == '\'' && d[len(d)-1] == '\'' {
			d = strings.ReplaceAll(d[1:len(d)-1], "''", "'")
			return d, true
		}
	}
	if l := strings.ToLower(d); strings.HasPrefix(l, "current_timestamp") || strings.HasPrefix(l, "now(") || strings.HasPrefix(l, "localtimestamp") {
		return epochDefault, true
	}
	switch c.kind {
	case kBits, kBool:
		// b'101': Debezium's DDL parser keeps the digits (unquoteBinary).
		if len(d) >= 3 && (d[0] == 'b' || d[0] == 'B') && d[1] == '\'' && d[len(d)-1] == '\'' {
			return d[2 : len(d)-1], true
		}
		return d, c.kind == kBool
	case kBytes, kBase64, kBase64URL, kHex:
		return "", false // binary literals: not handled yet
	}
	return d, true
}

// convertDefault converts a default as Debezium's BinlogValueConverters
// do: integer defaults pass through Math.round(Double.parseDouble(s))
// (decimal literals round, values past the long range saturate: a BIGINT
// UNSIGNED default of 18446744073709551615 is 9223372036854775807 in long
// mode) and are then narrowed to the column's width.
func (c *column) convertDefault(d any) (any, error) {
	s, isStr := d.(string)
	if !isStr {
		return c.convert(d)
	}
	switch c.kind {
	case kInt16, kInt32, kInt64:
	case kDate, kConnectDate:
		// BinlogDefaultValueConverter.convertToLocalDate: a date with a zero
		// part (2024-00-15, 0000-…), or "0", is no default when nullable and
		// the epoch otherwise.
		if s == "0" || epochEquivalentDate.MatchString(s) || epochEquivalentTimestamp.MatchString(s) {
			return c.zeroValue()
		}
		return c.convert(d)
	case kTimestampMs, kTimestampMicro, kConnectTimestamp, kZoned:
		// convertToLocalDateTime / convertToTimestamp: the same for a
		// zero-part date at midnight; DATETIME also for text it cannot parse.
		if s == "0" || epochEquivalentTimestamp.MatchString(s) {
			return c.zeroValue()
		}
		v, err := c.convert(d)
		if err != nil && c.kind != kZoned {
			return c.zeroValue()
		}
		return v, err
	case kBool:
		// BinlogDefaultValueConverter.convertToBit.
		if n, err := strconv.ParseInt(s, 10, 16); err == nil {
			return n != 0, nil
		}
		return strings.EqualFold(s, "true"), nil
	case kBits:
		// convertToBits: the digits as big-endian bytes, 8 from the right
		// at a time; convert then makes them little-endian and pads them.
		if s == "" || strings.Trim(s, "01") != "" {
			return nil, fmt.Errorf("column %s: BIT default %q", c.name, s)
		}
		be := make([]byte, (len(s)+7)/8)
		for i := len(be) - 1; i >= 0; i-- {
			from := max(len(s)-8, 0)
			v, _ := strconv.ParseUint(s[from:], 2, 8)
			be[i], s = byte(v), s[:from]
		}
		return c.convert(be)
	default:
		return c.convert(d)
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return nil, fmt.Errorf("column %s: default %q: %w", c.name, s, err)
	}
	n := javaRound(f)
	switch c.kind {
	case kInt16:
		return int16(n), nil
	case kInt32:
		return int32(n), nil
	}
	return n, nil
}

// Debezium's EPOCH_EQUIVALENT_DATE and EPOCH_EQUIVALENT_TIMESTAMP (matched
// whole): dates with a zero year, month or day.
var (
	epochEquivalentDate      = regexp.MustCompile(`^(?:\d{4}-\d{2}-00|\d{4}-00-\d{2}|0000-\d{2}-\d{2})$`)
	epochEquivalentTimestamp = regexp.MustCompile(`^(?:\d{4}-\d{2}-00|\d{4}-00-\d{2}|0000-\d{2}-\d{2}) 00:00:00(?:\.\d{1,6})?$`)
)

// javaRound is Java's Math.round(double): the closest long, ties towards
// positive infinity, NaN 0, saturating at the long range.
func javaRound(f float64) int64 {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt64: // 2^63 as a float64
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	}
	r := math.Floor(f)
	if f-r >= 0.5 {
		r++
	}
	return int64(r)
}

// toInt extracts an integer from the forms go-mysql hands over.
func toInt(v any) (int64, uint64, bool, error) {
	switch x := v.(type) {
	case int8:
		return int64(x), 0, false, nil
	case int16:
		return int64(x), 0, false, nil
	case int32:
		return int64(x), 0, false, nil
	case int64:
		return x, 0, false, nil
	case int:
		return int64(x), 0, false, nil
	case uint8:
		return 0, uint64(x), true, nil
	case uint16:
		return 0, uint64(x), true, nil
	case uint32:
		return 0, uint64(x), true, nil
	case uint64:
		return 0, x, true, nil
	case []byte:
		return toInt(string(x))
	case string:
		if strings.HasPrefix(x, "-") {
			n, err := strconv.ParseInt(x, 10, 64)
			return n, 0, false, err
		}
		n, err := strconv.ParseUint(x, 10, 64)
		return 0, n, true, err
	}
	return 0, 0, false, fmt.Errorf("%v (%T) is not an integer", v, v)
}

// intBits is the storage width of an integer type.
func intBits(dataType string) uint {
	switch dataType {
	case "tinyint":
		return 8
	case "smallint":
		return 16
	case "mediumint":
		return 24
	case "int", "integer":
		return 32
	}
	return 64
}

func toStr(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case []byte:
		return string(x), nil
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case time.Time:
		// A binlog DATETIME or TIMESTAMP (ParseTime) in a column not held
		// as one: the text go-mysql would have made, in UTC.
		return x.UTC().Format("2006-01-02 15:04:05.999999"), nil
	case fmt.Stringer:
		return x.String(), nil
	}
	return fmt.Sprint(v), nil
}

// zeroTemporal reports a MySQL zero date/datetime.
func zeroTemporal[T ~string | ~[]byte](s T) bool {
	const zero = "0000-00-00"
	if len(s) < len(zero) {
		return false
	}
	for i := range len(zero) {
		if s[i] != zero[i] {
			return false
		}
	}
	return true
}

// convert turns a binlog or snapshot value into the column's Connect value.
func (c *column) convert(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch c.kind {
	case kBool:
		switch x := v.(type) {
		case []byte:
			for _, b := range x {
				if b != 0 {
					return true, nil
				}
			}
			return false, nil
		case string:
			if x == "1" || strings.EqualFold(x, "true") || x == "b'1'" {
				return true, nil
			}
			if x == "0" || strings.EqualFold(x, "false") || x == "b'0'" || x == "" {
				return false, nil
			}
			return x[0] != 0, nil
		}
		n, u, uns, err := toInt(v)
		if err != nil {
			return nil, err
		}
		return n != 0 || (uns && u != 0), nil
	case kBits:
		size := int((c.length + 7) / 8)
		out := make([]byte, size)
		switch x := v.(type) {
		case []byte: // snapshot: big-endian bytes
			for i := 0; i < len(x) && i < size; i++ {
				out[i] = x[len(x)-1-i]
			}
			return out, nil
		case string:
			return c.convert([]byte(x))
		}
		n, u, uns, err := toInt(v)
		if err != nil {
			return nil, err
		}
		if !uns {
			u = uint64(n)
		}
		var le [8]byte
		binary.LittleEndian.PutUint64(le[:], u)
		copy(out, le[:])
		return out, nil
	case kInt16, kInt32, kInt64, kUBigPrecise, kYear:
		if !c.unsigned {
			// The binlog's own type already matches: no re-boxing.
			switch v.(type) {
			case int16:
				if c.kind == kInt16 {
					return v, nil
				}
			case int32:
				if c.kind == kInt32 {
					return v, nil
				}
			case int64:
				if c.kind == kInt64 {
					return v, nil
				}
			}
		}
		n, u, uns, err := toInt(v)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", c.name, err)
		}
		return c.intValue(n, u, uns), nil
	case kFloat32:
		switch x := v.(type) {
		case float32:
			return x, nil
		case float64:
			return float32(x), nil
		}
		s, _ := toStr(v)
		f, err := strconv.ParseFloat(s, 32)
		return float32(f), err
	case kFloat64:
		switch x := v.(type) {
		case float64:
			return x, nil
		case float32:
			return float64(x), nil
		}
		s, _ := toStr(v)
		return strconv.ParseFloat(s, 64)
	case kDecimal, kDecimalDouble, kDecimalString:
		s, _ := toStr(v)
		d, ok := fastDecimal(s, c.scale)
		if !ok {
			var err error
			if d, err = data.ParseBigDecimal(s); err != nil {
				return nil, fmt.Errorf("column %s: %w", c.name, err)
			}
		}
		if d.Scale < int32(c.scale) {
			var err error
			if d, err = d.Rescale(int32(c.scale)); err != nil {
				return nil, err
			}
		}
		return c.decimalValue(d), nil
	case kString, kJSON:
		if c.latin1 {
			return decodeLatin1(v), nil
		}
		if _, ok := v.(string); ok {
			return v, nil // no re-boxing
		}
		return toStr(v)
	case kBytes, kBase64, kBase64URL, kHex:
		var raw []byte
		switch x := v.(type) {
		case []byte:
			raw = x
		case string:
			raw = []byte(x)
		default:
			return nil, fmt.Errorf("column %s: %T is not binary", c.name, v)
		}
		// The binlog drops the trailing zero bytes of BINARY(n); Debezium
		// pads them back (DBZ-254).
		if c.dataType == "binary" && int64(len(raw)) < c.charLen {
			padded := make([]byte, c.charLen)
			copy(padded, raw)
			raw = padded
		}
		switch c.kind {
		case kBase64:
			return base64.StdEncoding.EncodeToString(raw), nil
		case kBase64URL:
			return base64.URLEncoding.EncodeToString(raw), nil
		case kHex:
			return hex.EncodeToString(raw), nil
		}
		return raw, nil
	case kEnum:
		switch v.(type) {
		case string, []byte:
			if c.latin1 {
				return decodeLatin1(v), nil
			}
			return toStr(v)
		}
		n, _, _, err := toInt(v)
		if err != nil {
			return nil, err
		}
		if n <= 0 || int(n) > len(c.options) {
			return "", nil // MySQL's error value for invalid enum input
		}
		return c.options[n-1], nil
	case kSet:
		switch v.(type) {
		case string, []byte:
			if c.latin1 {
				return decodeLatin1(v), nil
			}
			return toStr(v)
		}
		n, u, uns, err := toInt(v)
		if err != nil {
			return nil, err
		}
		if !uns {
			u = uint64(n)
		}
		var labels []string
		for i, o := range c.options {
			if u&(1<<uint(i)) != 0 {
				labels = append(labels, o)
			}
		}
		return strings.Join(labels, ","), nil
	}
	if t, ok := v.(time.Time); ok {
		if r, ok := c.convertTime(t); ok {
			return r, nil
		}
	}
	s, err := toStr(v)
	if err != nil {
		return nil, err
	}
	return c.convertTemporal(s)
}

// intValue is the value of an integer column (kInt16, kInt32, kInt64,
// kUBigPrecise, kYear) holding n, or u when uns.
func (c *column) intValue(n int64, u uint64, uns bool) any {
	if c.unsigned && !uns {
		// go-mysql hands over signed values when the table map has no
		// signedness metadata: reinterpret the stored bits.
		bits := intBits(c.dataType)
		u, uns = uint64(n)&(^uint64(0)>>(64-bits)), true
	}
	if uns {
		if c.kind == kUBigPrecise {
			return &data.BigDecimal{Unscaled: new(big.Int).SetUint64(u), Scale: 0}
		}
		n = int64(u)
	}
	switch c.kind {
	case kInt16:
		return int16(n)
	case kInt32, kYear:
		return int32(n)
	case kUBigPrecise:
		return &data.BigDecimal{Unscaled: big.NewInt(n), Scale: 0}
	}
	return n
}

// convertTime converts a DATETIME or TIMESTAMP that go-mysql decoded as a
// time.Time (ParseTime: a valid date from 1970 on; zero and zero-part
// dates and earlier DATETIMEs still come as text), which skips go-mysql's
// fmt.Sprintf and the parse back in convertTemporal. Its instant is the
// text's: the fraction is stored to the column's precision only.
func (c *column) convertTime(t time.Time) (any, bool) {
	switch c.kind {
	case kTimestampMs:
		return t.UnixMilli(), true
	case kTimestampMicro:
		return t.UnixMicro(), true
	case kConnectTimestamp:
		return t.UTC().Truncate(time.Millisecond), true
	case kZoned:
		return formatZoned(t, c.fsp), true
	}
	return nil, false
}

func (c *column) zeroValue() (any, error) {
	if c.nullable {
		return nil, nil
	}
	switch c.kind {
	case kDate:
		return int32(0), nil
	case kTimestampMs, kTimestampMicro:
		return int64(0), nil
	case kZoned:
		return "1970-01-01T00:00:00Z", nil
	case kConnectDate, kConnectTimestamp:
		return time.Unix(0, 0).UTC(), nil
	}
	return nil, nil
}

// convertTemporal converts the textual temporal forms of the binlog
// (go-mysql without ParseTime, TIMESTAMP rendered in UTC) and of the
// snapshot (session time zone UTC).
func (c *column) convertTemporal(s string) (any, error) {
	switch c.kind {
	case kDate, kConnectDate:
		if zeroTemporal(s) {
			return c.zeroValue()
		}
		t, ok := fastDateTime(s)
		if !ok {
			var err error
			if t, err = time.Parse("2006-01-02", s); err != nil {
				return nil, fmt.Errorf("column %s: %w", c.name, err)
			}
		}
		return c.dateTimeValue(t), nil
	case kMicroTime, kConnectTime:
		micros, err := parseTimeMicros(s)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", c.name, err)
		}
		if c.kind == kConnectTime {
			// Connect's Time holds 00:00:00..24:00:00 only. Debezium's
			// convertTimeToMillisPastMidnightAsDate turns anything else
			// into null for a nullable column and fails for a NOT NULL one.
			if micros < 0 || micros > 24*3600*1_000_000 {
				if c.nullable {
					return nil, nil
				}
				return nil, fmt.Errorf("column %s: TIME value %s is outside 00:00:00..24:00:00, which time.precision.mode=connect cannot represent (adaptive_time_microseconds can)", c.name, s)
			}
			return time.UnixMilli(micros / 1000).UTC(), nil
		}
		return micros, nil
	case kTimestampMs, kTimestampMicro, kConnectTimestamp, kZoned:
		if zeroTemporal(s) {
			return c.zeroValue()
		}
		t, ok := fastDateTime(s)
		if !ok {
			var err error
			if t, err = time.Parse("2006-01-02 15:04:05.999999999", s); err != nil {
				return nil, fmt.Errorf("column %s: %w", c.name, err)
			}
		}
		return c.dateTimeValue(t), nil
	}
	return nil, fmt.Errorf("column %s: no conversion for kind %d", c.name, c.kind)
}

// dateTimeValue is a DATE, DATETIME or TIMESTAMP column's value parsed
// as t (UTC), in the column's representation.
func (c *column) dateTimeValue(t time.Time) any {
	switch c.kind {
	case kDate:
		return int32(t.Unix() / 86400)
	case kConnectDate:
		return t
	}
	if v, ok := c.convertTime(t); ok {
		return v
	}
	return formatZoned(t, c.fsp)
}

// decimalValue is a DECIMAL column's value d as decimal.handling.mode
// wants it.
func (c *column) decimalValue(d *data.BigDecimal) any {
	switch c.kind {
	case kDecimalDouble:
		return d.Float64()
	case kDecimalString:
		return d.String()
	}
	return d
}

// fastDateTime parses "YYYY-MM-DD[ HH:MM:SS[.f…]]" in UTC without
// time.Parse's layout machinery; ok=false sends anything else (and any
// out-of-range field) to time.Parse.
func fastDateTime[T ~string | ~[]byte](s T) (time.Time, bool) {
	num := func(from, n int) (int, bool) {
		v := 0
		for i := from; i < from+n; i++ {
			ch := s[i]
			if ch < '0' || ch > '9' {
				return 0, false
			}
			v = v*10 + int(ch-'0')
		}
		return v, true
	}
	if len(s) != 10 && (len(s) < 19 || s[10] != ' ' || s[13] != ':' || s[16] != ':') {
		return time.Time{}, false
	}
	if s[4] != '-' || s[7] != '-' {
		return time.Time{}, false
	}
	y, ok1 := num(0, 4)
	mo, ok2 := num(5, 2)
	d, ok3 := num(8, 2)
	if !ok1 || !ok2 || !ok3 || mo < 1 || mo > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	var hh, mm, ss, nanos int
	if len(s) > 10 {
		var ok4, ok5, ok6 bool
		hh, ok4 = num(11, 2)
		mm, ok5 = num(14, 2)
		ss, ok6 = num(17, 2)
		if !ok4 || !ok5 || !ok6 || hh > 23 || mm > 59 || ss > 59 {
			return time.Time{}, false
		}
		if len(s) > 19 {
			frac := s[20:]
			if s[19] != '.' || len(frac) == 0 || len(frac) > 9 {
				return time.Time{}, false
			}
			f, ok := num(20, len(frac))
			if !ok {
				return time.Time{}, false
			}
			for i := len(frac); i < 9; i++ {
				f *= 10
			}
			nanos = f
		}
	}
	t := time.Date(y, time.Month(mo), d, hh, mm, ss, nanos, time.UTC)
	if t.Day() != d { // 2024-02-30 and the like: let time.Parse reject it
		return time.Time{}, false
	}
	return t, true
}

// fastDecimal parses a plain decimal of at most 18 digits (what DECIMAL
// columns mostly hold) at the column's scale with one allocation;
// ok=false leaves anything else to data.ParseBigDecimal.
func fastDecimal[T ~string | ~[]byte](s T, scale int) (*data.BigDecimal, bool) {
	if bits.UintSize != 64 || len(s) == 0 || len(s) > 20 {
		return nil, false
	}
	i, neg := 0, false
	if s[0] == '-' {
		i, neg = 1, true
	}
	var n uint64
	digits, frac, dot := 0, 0, false
	for ; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch >= '0' && ch <= '9':
			n = n*10 + uint64(ch-'0')
			digits++
			if dot {
				frac++
			}
		case ch == '.' && !dot:
			dot = true
		default:
			return nil, false
		}
	}
	if digits == 0 || digits > 18 || frac > scale || digits+scale-frac > 18 {
		return nil, false
	}
	for ; frac < scale; frac++ {
		n *= 10
	}
	return newDecimal(n, neg, scale), true
}

// newDecimal is the decimal of unscaled value n (negated when neg) and
// scale, its big.Int's word allocated with it.
func newDecimal(n uint64, neg bool, scale int) *data.BigDecimal {
	b := &decimalBox{}
	b.w[0] = big.Word(n)
	b.i.SetBits(b.w[:])
	if neg {
		b.i.Neg(&b.i)
	}
	b.d = data.BigDecimal{Unscaled: &b.i, Scale: int32(scale)}
	return &b.d
}

// decimalBox holds a decimal, its big.Int and the Int's one word in one
// allocation.
type decimalBox struct {
	d data.BigDecimal
	i big.Int
	w [1]big.Word
}

// formatZoned renders ZonedTimestamp as Debezium 2.x: UTC, 'Z', the
// fraction padded to the column's precision.
func formatZoned(t time.Time, fsp int) string {
	var buf [40]byte
	b := t.UTC().AppendFormat(buf[:0], zonedLayouts[min(max(fsp, 0), 9)])
	return string(append(b, 'Z'))
}

// trimZonedFraction drops a formatZoned value's trailing fraction zeros,
// and the dot when nothing is left of it.
func trimZonedFraction(s string) string {
	body, ok := strings.CutSuffix(s, "Z")
	dot := strings.LastIndexByte(body, '.')
	if !ok || dot < 0 {
		return s
	}
	body = strings.TrimRight(body, "0")
	body = strings.TrimSuffix(body, ".")
	return body + "Z"
}

// zonedLayouts are formatZoned's layouts by fractional precision.
var zonedLayouts = func() (l [10]string) {
	for fsp := range l {
		l[fsp] = "2006-01-02T15:04:05"
		if fsp > 0 {
			l[fsp] += "." + strings.Repeat("0", fsp)
		}
	}
	return l
}()

// parseTimeMicros parses [-]H:MM:SS[.ffffff] into microseconds.
func parseTimeMicros(s string) (int64, error) {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	hms, frac, _ := strings.Cut(s, ".")
	parts := strings.Split(hms, ":")
	if len(parts) != 3 {
		return 0, fmt.Errorf("invalid TIME %q", s)
	}
	var n [3]int64
	for i, p := range parts {
		v, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("invalid TIME %q", s)
		}
		n[i] = v
	}
	micros := ((n[0]*60+n[1])*60 + n[2]) * 1_000_000
	if frac != "" {
		f := (frac + "000000")[:6]
		v, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("invalid TIME %q", s)
		}
		micros += v
	}
	if neg {
		micros = -micros
	}
	return micros, nil
}

// adjustName applies schema.name.adjustment.mode to a schema name.
func adjustName(mode, name string) string {
	if mode != "avro" && mode != "avro_unicode" {
		return name
	}
	var b strings.Builder
	for i, r := range name {
		ok := r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && (r == '.' || (r >= '0' && r <= '9')))
		switch {
		case ok:
			b.WriteRune(r)
		case mode == "avro_unicode":
			fmt.Fprintf(&b, "_u%04x", r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

// sanitizeTopic replaces characters Kafka does not allow in topic names.
func sanitizeTopic(s string) string {
	b := []byte(s)
	for i, ch := range b {
		if !(ch == '.' || ch == '_' || ch == '-' || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')) {
			b[i] = '_'
		}
	}
	if len(b) > 249 {
		b = b[:249]
	}
	return string(b)
}

// sourceSchema is io.debezium.connector.mysql.Source as 2.7 builds it (§1.5).
func sourceSchema() *data.Schema {
	snapshot := data.NewBuilder(data.TypeString).Optional().Name(nameEnum).Version(1).
		Param("allowed", "true,last,false,incremental").Default("false").MustBuild()
	return data.StructBuilder().Name("io.debezium.connector.mysql.Source").
		Field("version", data.StringSchema).
		Field("connector", data.StringSchema).
		Field("name", data.StringSchema).
		Field("ts_ms", data.Int64Schema).
		Field("snapshot", snapshot).
		Field("db", data.StringSchema).
		Field("sequence", data.OptionalString).
		Field("ts_us", data.OptionalInt64).
		Field("ts_ns", data.OptionalInt64).
		Field("table", data.OptionalString).
		Field("server_id", data.Int64Schema).
		Field("gtid", data.OptionalString).
		Field("file", data.StringSchema).
		Field("pos", data.Int64Schema).
		Field("row", data.Int32Schema).
		Field("thread", data.OptionalInt64).
		Field("query", data.OptionalString).
		MustBuild()
}

// transactionSchema is the 2.x event.block.
func transactionSchema() *data.Schema {
	return data.StructBuilder().Name("event.block").Version(1).Optional().
		Field("id", data.StringSchema).
		Field("total_order", data.Int64Schema).
		Field("data_collection_order", data.Int64Schema).
		MustBuild()
}

// buildSchemas fills the key, value and envelope schemas of t.
func (t *table) buildSchemas(st *settings, src, tx *data.Schema) error {
	base := st.prefix + st.delimiter + t.db + st.delimiter + t.name
	t.topic = sanitizeTopic(base)
	t.dbBox, t.nameBox = t.db, t.name
	vb := data.StructBuilder().Name(adjustName(st.nameAdjust, base+".Value")).Optional()
	t.valCols, t.valPos = make([]int, 0, len(t.cols)), make([]int, len(t.cols))
	for i, c := range t.cols {
		t.valPos[i] = -1
		if st.filter == nil || st.filter.includeColumn(t.db, t.name, c.name) {
			t.valPos[i] = len(t.valCols)
			t.valCols = append(t.valCols, i)
			vb.Field(c.name, c.schema)
		}
	}
	t.recKey = t.messageKey(st.keyColumns)
	var err error
	if t.valueSchema, err = vb.Build(); err != nil {
		return fmt.Errorf("table %s.%s: value schema: %w", t.db, t.name, err)
	}
	t.keySchema = nil
	if len(t.recKey) > 0 {
		kb := data.StructBuilder().Name(adjustName(st.nameAdjust, base+".Key"))
		for _, i := range t.recKey {
			kb.Field(t.cols[i].name, t.cols[i].schema)
		}
		if t.keySchema, err = kb.Build(); err != nil {
			return fmt.Errorf("table %s.%s: key schema: %w", t.db, t.name, err)
		}
	}
	t.envSchema, err = data.StructBuilder().Name(adjustName(st.nameAdjust, t.topic+".Envelope")).Version(2).
		Field("before", t.valueSchema).
		Field("after", t.valueSchema).
		Field("source", src).
		Field("transaction", tx).
		Field("op", data.StringSchema).
		Field("ts_ms", data.OptionalInt64).
		Field("ts_us", data.OptionalInt64).
		Field("ts_ns", data.OptionalInt64).
		Build()
	if err != nil {
		return fmt.Errorf("table %s.%s: envelope schema: %w", t.db, t.name, err)
	}
	return nil
}

// messageKey picks the record key columns as Debezium's CustomKeyMapper:
// for each message.key.columns regex in order, the matching columns in
// table order; the primary key when none matches. Column filters do not
// apply to keys.
func (t *table) messageKey(rules []*regexp.Regexp) []int {
	var out []int
	if len(rules) > 0 {
		seen := make([]bool, len(t.cols))
		prefix := t.db + "." + t.name + "."
		for _, re := range rules {
			for i, c := range t.cols {
				if !seen[i] && re.MatchString(prefix+c.name) {
					seen[i] = true
					out = append(out, i)
				}
			}
		}
	}
	if len(out) == 0 {
		return t.keyIdx
	}
	return out
}

// rowImage converts one binlog row image (vals in column order) into the
// value struct and, when withKey, the record key (nil for keyless tables).
func (t *table) rowImage(vals []any, withKey bool) (*data.Struct, *data.Struct, error) {
	return t.image(vals, withKey, false)
}

// snapshotImage is rowImage for a row read by the snapshot. Debezium
// formats a snapshot's TIMESTAMP (a java.sql.Timestamp from JDBC) with
// ISO_OFFSET_DATE_TIME, whose fraction drops trailing zeros
// (2001-01-01T00:00:00.1Z, 1970-01-01T00:00:01Z), while a streamed one
// keeps the column's width (.100, .000): seen on Debezium 2.7.3 by
// e2e/reference_test.go.
func (t *table) snapshotImage(vals []any) (*data.Struct, *data.Struct, error) {
	return t.image(vals, true, true)
}

func (t *table) image(vals []any, withKey, snapshot bool) (*data.Struct, *data.Struct, error) {
	st := data.NewStruct(t.valueSchema)
	var k *data.Struct
	if withKey && t.keySchema != nil {
		k = data.NewStruct(t.keySchema)
	}
	if err := t.imageIn(st, k, vals, snapshot); err != nil {
		return nil, nil, err
	}
	return st, k, nil
}

// imageIn converts a row image into st (empty, of t.valueSchema) and,
// when k is not nil, its key into k (empty, of t.keySchema), for callers
// that allocate the structs of a record together.
func (t *table) imageIn(st, k *data.Struct, vals []any, snapshot bool) error {
	if len(vals) != len(t.cols) {
		return fmt.Errorf("table %s.%s: row has %d columns, schema has %d", t.db, t.name, len(vals), len(t.cols))
	}
	for j, i := range t.valCols {
		v, err := t.cols[i].convert(vals[i])
		if err != nil {
			return fmt.Errorf("table %s.%s: %w", t.db, t.name, err)
		}
		if s, ok := v.(string); ok && snapshot && t.cols[i].kind == kZoned {
			v = trimZonedFraction(s)
		}
		st.PutIndex(j, v)
	}
	if k == nil {
		return nil
	}
	for j, i := range t.recKey {
		if p := t.valPos[i]; p >= 0 {
			k.PutIndex(j, st.RawIndex(p))
			continue
		}
		v, err := t.cols[i].convert(vals[i])
		if err != nil {
			return fmt.Errorf("table %s.%s: key: %w", t.db, t.name, err)
		}
		if s, ok := v.(string); ok && snapshot && t.cols[i].kind == kZoned {
			v = trimZonedFraction(s)
		}
		k.PutIndex(j, v)
	}
	return nil
}

// cp1252 maps 0x80..0x9F of MySQL's latin1 (which is Windows-1252); 0
// marks the five undefined bytes, which MySQL passes through as U+0080..
var cp1252 = [32]rune{
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
	0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
}

// decodeLatin1 decodes MySQL latin1 bytes to a Go string.
func decodeLatin1(v any) string {
	switch x := v.(type) {
	case string:
		return latin1Text(x)
	case []byte:
		return latin1Text(x)
	}
	s, _ := toStr(v)
	return s
}

// latin1Text is decodeLatin1 of a string or bytes without boxing them
// first: ASCII text is the string itself (bytes are copied), anything
// else decoded as cp1252.
func latin1Text[T ~string | ~[]byte](raw T) string {
	ascii := true
	for i := 0; i < len(raw); i++ {
		if raw[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return string(raw)
	}
	var b strings.Builder
	b.Grow(len(raw) + len(raw)/2)
	for i := 0; i < len(raw); i++ {
		ch := raw[i]
		switch {
		case ch < 0x80:
			b.WriteByte(ch)
		case ch < 0xA0 && cp1252[ch-0x80] != 0:
			b.WriteRune(cp1252[ch-0x80])
		default:
			b.WriteRune(rune(ch))
		}
	}
	return b.String()
}
