package apache

import (
	"math"
	"strconv"
	"strings"

	"github.com/goconnect/goconnect/connect/data"
)

// parseLiteral infers a value's type from its text as Connect's
// Values.parseString does for the common cases: booleans, the smallest
// integer type that holds the number, FLOAT32 or FLOAT64, else STRING.
func parseLiteral(s string) (*data.Schema, any) {
	t := strings.TrimSpace(s)
	if t == "true" || t == "false" {
		return data.BooleanSchema, t == "true"
	}
	if n, err := strconv.ParseInt(t, 10, 64); err == nil {
		switch {
		case n >= math.MinInt8 && n <= math.MaxInt8:
			return data.Int8Schema, int8(n)
		case n >= math.MinInt16 && n <= math.MaxInt16:
			return data.Int16Schema, int16(n)
		case n >= math.MinInt32 && n <= math.MaxInt32:
			return data.Int32Schema, int32(n)
		}
		return data.Int64Schema, n
	}
	if strings.ContainsAny(t, "0123456789") && !strings.ContainsAny(t, "xXpP_") {
		if f, err := strconv.ParseFloat(t, 64); err == nil && !math.IsInf(f, 0) {
			if float64(float32(f)) == f {
				return data.Float32Schema, float32(f)
			}
			return data.Float64Schema, f
		}
	}
	return data.StringSchema, s
}
