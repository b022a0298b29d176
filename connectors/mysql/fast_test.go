package mysql

import (
	"testing"
	"time"

	"github.com/goconnect/goconnect/connect/data"
)

// The fast parsers must agree with the general ones on everything they
// accept, and leave the rest to them.
func TestFastDateTime(t *testing.T) {
	for _, s := range []string{
		"2024-01-15", "2024-01-15 10:30:00", "2024-01-15 10:30:00.1", "2024-01-15 10:30:00.000001",
		"1970-01-01 00:00:00", "9999-12-31 23:59:59.999999", "1000-01-01", "2024-02-29", "0001-01-01 00:00:00.123456789",
	} {
		got, ok := fastDateTime(s)
		layout := "2006-01-02 15:04:05.999999999"
		if len(s) == 10 {
			layout = "2006-01-02"
		}
		want, err := time.Parse(layout, s)
		if !ok || err != nil || !got.Equal(want) {
			t.Errorf("%q: fast %v %v, time.Parse %v %v", s, got, ok, want, err)
		}
	}
	for _, s := range []string{"2023-02-29", "2024-13-01", "2024-01-15T10:30:00", "2024-01-15 24:00:00", "2024-1-15", "2024-01-15 10:30:00.", "2024-01-15 10:30:00.1234567890", "abcd-01-15"} {
		if _, ok := fastDateTime(s); ok {
			t.Errorf("%q accepted", s)
		}
	}
}

func TestFastDecimal(t *testing.T) {
	for _, c := range []struct {
		s     string
		scale int
	}{{"12.50", 2}, {"-12.5", 2}, {"0", 0}, {"-0.00", 2}, {"123456789012345678", 0}, {"1.25", 4}, {"99999999.99", 2}} {
		got, ok := fastDecimal(c.s, c.scale)
		want, _ := data.ParseBigDecimal(c.s)
		want, _ = want.Rescale(int32(c.scale))
		if !ok || got.String() != want.String() || got.Scale != want.Scale || got.Unscaled.Cmp(want.Unscaled) != 0 {
			t.Errorf("%s/%d: fast %v %v, want %v", c.s, c.scale, got, ok, want)
		}
	}
	for _, c := range []struct {
		s     string
		scale int
	}{{"1234567890123456789", 0}, {"1.234", 2}, {"1e5", 0}, {"", 0}, {"-", 0}, {"1.2.3", 2}, {"12345678901234567.5", 2}} {
		if d, ok := fastDecimal(c.s, c.scale); ok {
			t.Errorf("%s/%d accepted: %v", c.s, c.scale, d)
		}
	}
}

func TestEqFoldBytes(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{{"id", "ID", true}, {"first_name", "First_Name", true}, {"id", "ie", false}, {"a@", "a`", false}, {"Émile", "émile", true}, {"x", "xy", false}} {
		if got := eqFoldBytes(c.a, []byte(c.b)); got != c.want {
			t.Errorf("%q %q: %v", c.a, c.b, got)
		}
	}
}
