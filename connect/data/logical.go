package data

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// Logical type names, identical to Connect's.
const (
	DecimalName   = "org.apache.kafka.connect.data.Decimal"
	DateName      = "org.apache.kafka.connect.data.Date"
	TimeName      = "org.apache.kafka.connect.data.Time"
	TimestampName = "org.apache.kafka.connect.data.Timestamp"
	// DecimalScaleParam is the schema parameter holding a Decimal's scale.
	DecimalScaleParam = "scale"
)

const msPerDay = 24 * 60 * 60 * 1000

// BigDecimal is an arbitrary-precision decimal: Unscaled × 10^-Scale, the
// Go form of Java's BigDecimal used by the Decimal logical type.
type BigDecimal struct {
	Unscaled *big.Int
	Scale    int32
}

// maxRescale bounds how far Rescale moves the decimal point.
const maxRescale = 1000

// NewBigDecimal returns unscaled×10^-scale.
func NewBigDecimal(unscaled int64, scale int32) *BigDecimal {
	return &BigDecimal{Unscaled: big.NewInt(unscaled), Scale: scale}
}

// ParseBigDecimal parses a plain decimal string such as "-12.340".
func ParseBigDecimal(s string) (*BigDecimal, error) {
	t := strings.TrimSpace(s)
	neg := strings.HasPrefix(t, "-")
	t = strings.TrimPrefix(strings.TrimPrefix(t, "-"), "+")
	intPart, frac, _ := strings.Cut(t, ".")
	digits := intPart + frac
	if digits == "" {
		return nil, fmt.Errorf("invalid decimal %q", s)
	}
	u, ok := new(big.Int).SetString(digits, 10)
	if !ok {
		return nil, fmt.Errorf("invalid decimal %q", s)
	}
	if neg {
		u.Neg(u)
	}
	return &BigDecimal{Unscaled: u, Scale: int32(len(frac))}, nil
}

// String renders the decimal in plain notation (Java's toPlainString).
func (d *BigDecimal) String() string {
	if d == nil || d.Unscaled == nil {
		return "null"
	}
	s := new(big.Int).Abs(d.Unscaled).String()
	sign := ""
	if d.Unscaled.Sign() < 0 {
		sign = "-"
	}
	if d.Scale <= 0 {
		return sign + s + strings.Repeat("0", int(-d.Scale))
	}
	sc := int(d.Scale)
	if len(s) <= sc {
		s = strings.Repeat("0", sc-len(s)+1) + s
	}
	return sign + s[:len(s)-sc] + "." + s[len(s)-sc:]
}

// Rescale returns the same number at another scale; it fails when digits
// would be lost.
func (d *BigDecimal) Rescale(scale int32) (*BigDecimal, error) {
	if scale == d.Scale {
		return d, nil
	}
	if diff := int64(scale) - int64(d.Scale); diff > maxRescale || diff < -maxRescale {
		// Scales come from schemas in messages; a huge one would make
		// the power of ten below take unbounded time and memory.
		return nil, fmt.Errorf("cannot rescale decimal from scale %d to %d", d.Scale, scale)
	}
	u := new(big.Int).Set(d.Unscaled)
	if scale > d.Scale {
		u.Mul(u, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale-d.Scale)), nil))
		return &BigDecimal{Unscaled: u, Scale: scale}, nil
	}
	div := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d.Scale-scale)), nil)
	q, r := new(big.Int).QuoRem(u, div, new(big.Int))
	if r.Sign() != 0 {
		return nil, fmt.Errorf("decimal %s cannot be rescaled to scale %d without rounding", d, scale)
	}
	return &BigDecimal{Unscaled: q, Scale: scale}, nil
}

// Float64 converts to the nearest float64.
func (d *BigDecimal) Float64() float64 {
	if d.Scale > 400 || d.Scale < -400 {
		// Beyond float64's range either way; avoid a huge power of ten.
		sign := d.Unscaled.Sign()
		if sign == 0 || d.Scale > 0 {
			return 0
		}
		return math.Inf(sign)
	}
	r := new(big.Rat).SetInt(d.Unscaled)
	p := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d.Scale)), nil)
	if d.Scale >= 0 {
		r.Quo(r, new(big.Rat).SetInt(p))
	} else {
		r.Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-d.Scale)), nil)))
	}
	f, _ := r.Float64()
	return f
}

// DecimalBuilder starts a Decimal schema with the given scale.
func DecimalBuilder(scale int32) *Builder {
	return NewBuilder(TypeBytes).Name(DecimalName).Version(1).Param(DecimalScaleParam, fmt.Sprint(scale))
}

// DateBuilder starts a Date schema (INT32 days since the epoch).
func DateBuilder() *Builder { return NewBuilder(TypeInt32).Name(DateName).Version(1) }

// TimeBuilder starts a Time schema (INT32 milliseconds since midnight).
func TimeBuilder() *Builder { return NewBuilder(TypeInt32).Name(TimeName).Version(1) }

// TimestampBuilder starts a Timestamp schema (INT64 milliseconds since the epoch).
func TimestampBuilder() *Builder { return NewBuilder(TypeInt64).Name(TimestampName).Version(1) }

// DecimalScale reads the scale parameter of a Decimal schema.
func DecimalScale(s *Schema) (int32, error) {
	p, ok := s.Parameters[DecimalScaleParam]
	if !ok {
		return 0, fmt.Errorf("invalid Decimal schema: scale parameter not found")
	}
	// strconv, not fmt.Sscan: this runs for every decimal value, and it
	// parses as Java's Integer.parseInt does (no surrounding spaces).
	scale, err := strconv.ParseInt(p, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("invalid Decimal schema: scale %q is not an integer", p)
	}
	return int32(scale), nil
}

// DecimalToBytes encodes a decimal as Connect's Decimal.fromLogical does:
// the unscaled value as minimal big-endian two's complement.
func DecimalToBytes(s *Schema, d *BigDecimal) ([]byte, error) {
	return AppendDecimalBytes(nil, s, d)
}

// AppendDecimalBytes appends DecimalToBytes(s, d) to b (b on error).
func AppendDecimalBytes(b []byte, s *Schema, d *BigDecimal) ([]byte, error) {
	scale, err := DecimalScale(s)
	if err != nil {
		return b, err
	}
	if d.Scale != scale {
		return b, fmt.Errorf("decimal %s has scale %d but the schema requires scale %d", d, d.Scale, scale)
	}
	return AppendTwosComplement(b, d.Unscaled), nil
}

// AppendTwosComplement appends TwosComplement(v) to b. A value that fits
// in 64 bits (a DECIMAL column's, mostly) costs no allocation of its own:
// converters write one per decimal value.
func AppendTwosComplement(b []byte, v *big.Int) []byte {
	if !v.IsInt64() {
		return append(b, TwosComplement(v)...)
	}
	x := v.Int64()
	// The fewest bytes whose top bit is x's sign: x >> (8n-1) is 0 or -1.
	n := 1
	for ; n < 8; n++ {
		if top := x >> (8*n - 1); top == 0 || top == -1 {
			break
		}
	}
	for i := n - 1; i >= 0; i-- {
		b = append(b, byte(x>>(8*i)))
	}
	return b
}

// DecimalFromBytes decodes Connect's Decimal bytes.
func DecimalFromBytes(s *Schema, b []byte) (*BigDecimal, error) {
	scale, err := DecimalScale(s)
	if err != nil {
		return nil, err
	}
	return &BigDecimal{Unscaled: FromTwosComplement(b), Scale: scale}, nil
}

// TwosComplement returns the minimal big-endian two's-complement bytes of v
// (Java's BigInteger.toByteArray).
func TwosComplement(v *big.Int) []byte {
	if v.Sign() >= 0 {
		b := v.Bytes()
		if len(b) == 0 || b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
		return b
	}
	// -v-1 in bits, inverted.
	m := new(big.Int).Neg(v)
	m.Sub(m, big.NewInt(1))
	b := m.Bytes()
	if len(b) == 0 || b[0]&0x80 != 0 {
		b = append([]byte{0}, b...)
	}
	for i := range b {
		b[i] = ^b[i]
	}
	return b
}

// FromTwosComplement is the inverse of TwosComplement.
func FromTwosComplement(b []byte) *big.Int {
	v := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		v.Sub(v, new(big.Int).Lsh(big.NewInt(1), uint(len(b)*8)))
	}
	return v
}

// DateToDays converts a Date value to days since the epoch; like Connect it
// rejects a time with a non-zero time-of-day.
func DateToDays(t time.Time) (int32, error) {
	ms := t.UnixMilli()
	if ms%msPerDay != 0 {
		return 0, fmt.Errorf("kafka Connect Date type should not have any time fields set to non-zero values")
	}
	return int32(ms / msPerDay), nil
}

// DateFromDays converts days since the epoch to a Date value.
func DateFromDays(days int32) time.Time { return time.UnixMilli(int64(days) * msPerDay).UTC() }

// TimeToMillis converts a Time value to milliseconds since midnight; like
// Connect it rejects a value whose date is not the epoch day.
func TimeToMillis(t time.Time) (int32, error) {
	ms := t.UnixMilli()
	if ms < 0 || ms > msPerDay { // 24:00:00 itself is allowed, as in Connect's Time.fromLogical
		return 0, fmt.Errorf("kafka Connect Time type should not have any date fields set to non-zero values")
	}
	return int32(ms), nil
}

// TimeFromMillis converts milliseconds since midnight to a Time value.
func TimeFromMillis(ms int32) time.Time { return time.UnixMilli(int64(ms)).UTC() }

// TimestampToMillis converts a Timestamp value to epoch milliseconds.
func TimestampToMillis(t time.Time) int64 { return t.UnixMilli() }

// TimestampFromMillis converts epoch milliseconds to a Timestamp value.
func TimestampFromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// IsLogical reports whether the schema names one of Connect's logical types.
func IsLogical(s *Schema) bool {
	if s == nil {
		return false
	}
	switch s.Name {
	case DecimalName, DateName, TimeName, TimestampName:
		return true
	}
	return false
}
