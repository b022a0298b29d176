package data

import (
	"math"
	"testing"
)

// TestJavaFloatMatchesJDK: expected strings printed by Double.toString /
// Float.toString of a real JDK 25 (Temurin 25) for the raw IEEE bits given
// (values near Double.MIN_VALUE, Float.MIN_VALUE, the normal boundary,
// 1e23, the plain/scientific switch at 1e-3 and 1e7, powers of ten).
// JDK 17 (the Java reference worker's) prints the same except where noted:
// its FloatingDecimal is not always shortest; JavaFloat follows the JDK 19+
// specification.
func TestJavaFloatMatchesJDK(t *testing.T) {
	cases := []struct {
		kind string // "d" double (raw long bits), "f" float (raw int bits)
		bits int64
		want string
	}{
		{"d", 1, "4.9E-324"},
		{"d", 2, "9.9E-324"},
		{"d", 3, "1.5E-323"},
		{"d", 4, "2.0E-323"},
		{"d", 5, "2.5E-323"},
		{"d", 9, "4.4E-323"},
		{"d", 10, "4.9E-323"},
		{"d", 20, "9.9E-323"},
		{"d", 21, "1.04E-322"},
		{"d", 4950912855330343670, "1.0E23"},
		{"d", 4955416454957714166, "2.0E23"},
		{"d", 4934958393344299186, "8.41E21"},
		{"d", 4936209963552724370, "1.0E22"},
		{"d", 4950316808882589764, "9.0E22"},
		{"d", 4562254508917369340, "0.001"},
		{"d", 4562249897231350913, "9.99E-4"},
		{"d", 4711630319722168320, "1.0E7"},
		{"d", 4711630319185297408, "9999999.0"},
		{"d", 4532020583610935537, "1.0E-5"},
		{"d", 4868223978707957653, "2.82879384806159E17"},
		{"d", 24000000, "1.18575755E-316"},
		{"d", 4503599627370496, "2.2250738585072014E-308"},
		{"d", 9218868437227405311, "1.7976931348623157E308"},
		{"d", 4607182418800017408, "1.0"},
		{"d", 4591870180066957722, "0.1"},
		{"d", 4636737291354636288, "100.0"},
		{"d", 4921056587992461136, "1.0E21"},
		{"d", 2024, "1.0E-320"},
		{"d", -9223372036854775807, "-4.9E-324"},
		{"d", 99, "4.9E-322"},
		{"d", 6, "3.0E-323"},
		{"d", 9094988921128908188, "1.0E300"},
		{"d", 4728057454347157504, "1.23456789E8"},
		{"d", 4566758108544739836, "0.002"},
		{"d", 4457293557087583675, "1.0E-10"},
		{"f", 1, "1.4E-45"},
		{"f", 2, "2.8E-45"},
		{"f", 3, "4.2E-45"},
		{"f", 4, "5.6E-45"},
		{"f", 7, "9.8E-45"},
		{"f", 8, "1.1E-44"},
		{"f", 10, "1.4E-44"},
		{"f", 70, "9.8E-44"},
		{"f", 71, "9.9E-44"}, // JDK 17: 1.0E-43
		{"f", 1343554297, "1.0E10"},
		{"f", 1705601046, "1.0E23"},
		{"f", 2139095039, "3.4028235E38"},
		{"f", 8388608, "1.1754944E-38"}, // JDK 17: 1.17549435E-38
		{"f", 981668463, "0.001"},
		{"f", 981659873, "9.99E-4"},
		{"f", 1259902592, "1.0E7"},
		{"f", 1036831949, "0.1"},
		{"f", 14, "2.0E-44"},
		{"f", 1275068416, "3.3554432E7"},
		{"f", 1342177318, "8.589974E9"}, // JDK 17: 8.5899735E9
		{"f", 925353388, "1.0E-5"},
	}
	for _, c := range cases {
		v, size := math.Float64frombits(uint64(c.bits)), 64
		if c.kind == "f" {
			v, size = float64(math.Float32frombits(uint32(c.bits))), 32
		}
		if got := JavaFloat(v, size); got != c.want {
			t.Errorf("JavaFloat(%v, %d) [bits %d] = %s, want %s", v, size, c.bits, got, c.want)
		}
	}
}
