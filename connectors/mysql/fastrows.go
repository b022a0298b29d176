package mysql

import (
	"encoding/binary"
	"math"
	"math/bits"
	"time"
	"unsafe"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"

	"github.com/goconnect/goconnect/connect/data"
)

// Rows events are decoded straight into Connect values for the common
// column types (signed and unsigned integers, VARCHAR/CHAR/TEXT, DECIMAL
// up to 18 digits, FLOAT/DOUBLE, DATE, DATETIME from 1970 on, TIMESTAMP): go-mysql's decoder boxes
// every value into a []any first (a DECIMAL as text, parsed back here),
// which was a third of the allocations of a live single-row transaction.
// Anything else (another type, a partial row image, a zero date, a
// compressed or partial-update event) makes the whole event go through
// go-mysql's decoder and column.convert as before: the values are the
// same either way (TestFastRowsMatchGoMySQL).

// pendingRows is a rows event whose rows go-mysql has not decoded yet
// (BinlogSyncerConfig.RowsEventDecodeFunc decodes the header only).
type pendingRows struct {
	e    *replication.RowsEvent
	data []byte
	pos  int // where the rows start in data
}

// decode has go-mysql decode the rows, as its parser would have.
func (p *pendingRows) decode() error {
	return p.e.DecodeData(p.pos, p.data)
}

// fastEventType: rows events whose rows fastRows reads (v0, compressed
// and partial-update events have other layouts).
func fastEventType(t replication.EventType) bool {
	switch t {
	case replication.WRITE_ROWS_EVENTv1, replication.WRITE_ROWS_EVENTv2,
		replication.UPDATE_ROWS_EVENTv1, replication.UPDATE_ROWS_EVENTv2,
		replication.DELETE_ROWS_EVENTv1, replication.DELETE_ROWS_EVENTv2:
		return true
	}
	return false
}

// fastRows decodes the rows of a rows event of op (the event's bytes
// from its first row on) into streamRows appended to out; ok is false
// when a column or value needs go-mysql's decoder.
func (t *table) fastRows(out []*streamRow, src *data.Schema, op string, tm *replication.TableMapEvent, e *replication.RowsEvent, b []byte) ([]*streamRow, bool) {
	n := len(t.cols)
	if tm == nil || int(e.ColumnCount) != n || len(tm.ColumnType) != n || len(tm.ColumnMeta) != n || !allSet(e.ColumnBitmap1, n) {
		return out, false
	}
	if op == "u" && !allSet(e.ColumnBitmap2, n) {
		return out, false
	}
	for _, i := range t.recKey {
		if t.valPos[i] < 0 {
			return out, false // a key column filtered out of the value
		}
	}
	for len(b) > 0 {
		blk := t.newStreamRow(src, op)
		var ok bool
		switch op {
		case "c":
			blk.a, blk.ak = blk.image(t, &blk.after, &blk.newKey)
			b, ok = t.fastImage(blk.a, blk.ak, tm, b)
		case "d":
			blk.b, blk.bk = blk.image(t, &blk.before, &blk.oldKey)
			b, ok = t.fastImage(blk.b, blk.bk, tm, b)
		default:
			blk.b, blk.bk = blk.image(t, &blk.before, &blk.oldKey)
			blk.a, blk.ak = blk.image(t, &blk.after, &blk.newKey)
			if b, ok = t.fastImage(blk.b, blk.bk, tm, b); ok {
				b, ok = t.fastImage(blk.a, blk.ak, tm, b)
			}
		}
		if !ok {
			return out, false
		}
		out = append(out, blk)
	}
	return out, true
}

// allSet: the bitmap has its first n bits set (a full row image).
func allSet(bm []byte, n int) bool {
	if len(bm) < (n+7)/8 {
		return false
	}
	for i := 0; i < n/8; i++ {
		if bm[i] != 0xff {
			return false
		}
	}
	if r := n % 8; r != 0 {
		m := byte(1)<<r - 1
		return bm[n/8]&m == m
	}
	return true
}

// fastImage decodes one full row image from b into st and k (as imageIn
// converts go-mysql's values) and returns the bytes after it.
func (t *table) fastImage(st, k *data.Struct, tm *replication.TableMapEvent, b []byte) ([]byte, bool) {
	n := len(t.cols)
	nb := (n + 7) / 8
	if len(b) < nb {
		return nil, false
	}
	nulls, b := b[:nb], b[nb:]
	for i, c := range t.cols {
		var v any
		if nulls[i/8]&(1<<(i%8)) == 0 {
			var used int
			var ok bool
			v, used, ok = c.fastValue(tm.ColumnType[i], tm.ColumnMeta[i], b)
			if !ok {
				return nil, false
			}
			b = b[used:]
		}
		if p := t.valPos[i]; p >= 0 {
			st.PutIndex(p, v)
		}
	}
	if k != nil {
		for j, i := range t.recKey {
			k.PutIndex(j, st.RawIndex(t.valPos[i])) // fastRows checked valPos
		}
	}
	return b, true
}

// datetimeIntOfs is the offset of DATETIME2's integer part; 107420450816
// its value for 1970-01-01 00:00:00, below which go-mysql gives text.
const (
	datetimeIntOfs = 0x8000000000
	datetime1970   = 107420450816
)

// fastValue decodes one non-NULL value of binlog type tp (table map
// metadata meta) from b: the Connect value column.convert makes of what
// go-mysql decodes, and the bytes it takes; ok is false when that needs
// go-mysql.
func (c *column) fastValue(tp byte, meta uint16, b []byte) (v any, n int, ok bool) {
	switch tp {
	case gomysql.MYSQL_TYPE_TINY, gomysql.MYSQL_TYPE_SHORT, gomysql.MYSQL_TYPE_INT24, gomysql.MYSQL_TYPE_LONG, gomysql.MYSQL_TYPE_LONGLONG:
		if c.kind != kInt16 && c.kind != kInt32 && c.kind != kInt64 {
			return nil, 0, false
		}
		var x int64
		switch tp {
		case gomysql.MYSQL_TYPE_TINY:
			n = 1
			if len(b) < n {
				return nil, 0, false
			}
			x = int64(int8(b[0]))
		case gomysql.MYSQL_TYPE_SHORT:
			n = 2
			if len(b) < n {
				return nil, 0, false
			}
			x = int64(int16(binary.LittleEndian.Uint16(b)))
		case gomysql.MYSQL_TYPE_INT24:
			n = 3
			if len(b) < n {
				return nil, 0, false
			}
			x = int64(int32(uint32(b[0])|uint32(b[1])<<8|uint32(b[2])<<16) << 8 >> 8)
		case gomysql.MYSQL_TYPE_LONG:
			n = 4
			if len(b) < n {
				return nil, 0, false
			}
			x = int64(int32(binary.LittleEndian.Uint32(b)))
		default:
			n = 8
			if len(b) < n {
				return nil, 0, false
			}
			x = int64(binary.LittleEndian.Uint64(b))
		}
		return c.intValue(x, 0, false), n, true
	case gomysql.MYSQL_TYPE_VARCHAR, gomysql.MYSQL_TYPE_VAR_STRING, gomysql.MYSQL_TYPE_STRING:
		if c.kind != kString {
			return nil, 0, false
		}
		length := int(meta)
		if tp == gomysql.MYSQL_TYPE_STRING && meta >= 256 {
			// CHAR: the real type and the length share the metadata (as
			// go-mysql reads it); ENUM and SET come this way too.
			b0, b1 := uint8(meta>>8), uint8(meta&0xff)
			if b0&0x30 != 0x30 {
				length, tp = int(uint16(b1)|uint16((b0&0x30)^0x30)<<4), b0|0x30
			} else {
				length, tp = int(b1), b0
			}
			if tp != gomysql.MYSQL_TYPE_STRING {
				return nil, 0, false
			}
		}
		var s []byte
		if length < 256 {
			if len(b) < 1 || len(b) < 1+int(b[0]) {
				return nil, 0, false
			}
			s, n = b[1:1+int(b[0])], 1+int(b[0])
		} else {
			if len(b) < 2 {
				return nil, 0, false
			}
			l := int(binary.LittleEndian.Uint16(b))
			if len(b) < 2+l {
				return nil, 0, false
			}
			s, n = b[2:2+l], 2+l
		}
		// The text points into the event's bytes, as go-mysql's strings
		// do: each packet is read into its own buffer, never reused.
		str := unsafe.String(unsafe.SliceData(s), len(s))
		if c.latin1 {
			return latin1Text(str), n, true
		}
		return str, n, true
	case gomysql.MYSQL_TYPE_BLOB:
		// TEXT columns (BLOBs are bytes: left to go-mysql): the text is
		// copied, as column.convert copies go-mysql's bytes.
		if c.kind != kString || meta < 1 || meta > 4 || len(b) < int(meta) {
			return nil, 0, false
		}
		var l uint64
		for i := int(meta) - 1; i >= 0; i-- {
			l = l<<8 | uint64(b[i])
		}
		if uint64(len(b)-int(meta)) < l {
			return nil, 0, false
		}
		n = int(meta) + int(l)
		str := string(b[meta:n])
		if c.latin1 {
			return latin1Text(str), n, true
		}
		return str, n, true
	case gomysql.MYSQL_TYPE_NEWDECIMAL:
		prec, scale := int(meta>>8), int(meta&0xff)
		if c.kind != kDecimal && c.kind != kDecimalDouble && c.kind != kDecimalString || scale != c.scale || prec > 18 || scale > prec {
			return nil, 0, false
		}
		u, neg, n, ok := binDecimal(b, prec, scale)
		if !ok {
			return nil, 0, false
		}
		return c.decimalValue(newDecimal(u, neg, scale)), n, true
	case gomysql.MYSQL_TYPE_FLOAT:
		if len(b) < 4 {
			return nil, 0, false
		}
		f := math.Float32frombits(binary.LittleEndian.Uint32(b))
		switch c.kind {
		case kFloat32:
			return f, 4, true
		case kFloat64:
			return float64(f), 4, true
		}
		return nil, 0, false
	case gomysql.MYSQL_TYPE_DOUBLE:
		if len(b) < 8 {
			return nil, 0, false
		}
		f := math.Float64frombits(binary.LittleEndian.Uint64(b))
		switch c.kind {
		case kFloat64:
			return f, 8, true
		case kFloat32:
			return float32(f), 8, true
		}
		return nil, 0, false
	case gomysql.MYSQL_TYPE_DATE:
		if len(b) < 3 || c.kind != kDate && c.kind != kConnectDate {
			return nil, 0, false
		}
		x := int(b[0]) | int(b[1])<<8 | int(b[2])<<16
		y, m, d := x/(16*32), x/32%16, x%32
		t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
		if x == 0 || t.Year() != y || int(t.Month()) != m || t.Day() != d {
			return nil, 0, false // zero and invalid dates: go-mysql's text
		}
		return c.dateTimeValue(t), 3, true
	case gomysql.MYSQL_TYPE_TIMESTAMP2:
		if meta > 6 {
			return nil, 0, false
		}
		n = int(4 + (meta+1)/2)
		if len(b) < n {
			return nil, 0, false
		}
		sec := int64(binary.BigEndian.Uint32(b[0:4]))
		var usec int64
		switch meta {
		case 1, 2:
			usec = int64(b[4]) * 10000
		case 3, 4:
			usec = int64(binary.BigEndian.Uint16(b[4:6])) * 100
		case 5, 6:
			usec = int64(gomysql.BFixedLengthInt(b[4:7]))
		}
		if sec == 0 {
			return nil, 0, false // the zero timestamp: go-mysql's text
		}
		v, ok := c.convertTime(time.Unix(sec, usec*1000))
		return v, n, ok
	case gomysql.MYSQL_TYPE_DATETIME2:
		if meta > 6 {
			return nil, 0, false
		}
		n = int(5 + (meta+1)/2)
		if len(b) < n {
			return nil, 0, false
		}
		ip := int64(gomysql.BFixedLengthInt(b[0:5])) - datetimeIntOfs
		var frac int64
		switch meta {
		case 1, 2:
			frac = int64(b[5]) * 10000
		case 3, 4:
			frac = int64(binary.BigEndian.Uint16(b[5:7])) * 100
		case 5, 6:
			frac = int64(gomysql.BFixedLengthInt(b[5:8]))
		}
		if ip < datetime1970 {
			return nil, 0, false // zero and pre-1970 dates: go-mysql's text
		}
		ymdhms := (ip<<24 + frac) >> 24
		ymd, hms := ymdhms>>17, ymdhms%(1<<17)
		day, ym := int(ymd%(1<<5)), ymd>>5
		month, year := int(ym%13), int(ym/13)
		if month == 0 || day == 0 {
			return nil, 0, false
		}
		t := time.Date(year, time.Month(month), day, int(hms>>12), int((hms>>6)%(1<<6)), int(hms%(1<<6)), int(frac*1000), time.UTC)
		v, ok := c.convertTime(t)
		return v, n, ok
	}
	return nil, 0, false
}

// digitBytes is how many bytes a group of 0-9 decimal digits takes in a
// binary DECIMAL.
var digitBytes = [10]int{0, 1, 1, 2, 2, 3, 3, 4, 4, 4}

// pow10 are the powers of ten a group of digits is scaled by.
var pow10 = [10]uint64{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000}

// binDecimal reads a binary DECIMAL(prec, scale), prec <= 18 (MySQL's
// decimal2bin: big-endian groups of nine digits, the leading and
// trailing groups shorter, the sign in the first bit, a negative value's
// bytes inverted) as its unscaled value and sign, and the bytes it
// takes; ok is false for a group out of range.
func binDecimal(b []byte, prec, scale int) (u uint64, neg bool, n int, ok bool) {
	intg := prec - scale
	intg0, intgx := intg/9, intg%9
	frac0, fracx := scale/9, scale%9
	n = intg0*4 + digitBytes[intgx] + frac0*4 + digitBytes[fracx]
	if n == 0 || len(b) < n {
		return 0, false, 0, false
	}
	var mask uint32
	if b[0]&0x80 == 0 {
		mask, neg = ^uint32(0), true
	}
	pos := 0
	group := func(size, digits int) bool {
		var x uint32
		for i := 0; i < size; i++ {
			c := b[pos+i]
			if pos+i == 0 {
				c ^= 0x80
			}
			x = x<<8 | uint32(c^byte(mask))
		}
		pos += size
		if uint64(x) >= pow10[digits] {
			return false
		}
		hi, lo := bits.Mul64(u, pow10[digits])
		if hi != 0 {
			return false
		}
		u = lo + uint64(x)
		return u >= lo
	}
	if !group(digitBytes[intgx], intgx) {
		return 0, false, 0, false
	}
	for i := 0; i < intg0; i++ {
		if !group(4, 9) {
			return 0, false, 0, false
		}
	}
	for i := 0; i < frac0; i++ {
		if !group(4, 9) {
			return 0, false, 0, false
		}
	}
	if !group(digitBytes[fracx], fracx) {
		return 0, false, 0, false
	}
	return u, neg, n, true
}
