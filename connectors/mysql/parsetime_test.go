package mysql

import (
	"fmt"
	"reflect"
	"testing"
	"time"
)

// goMySQLText is the text go-mysql v1.16 makes of a DATETIME2 or
// TIMESTAMP2 without ParseTime: UTC, the fraction cut to the column's
// precision (its formatDatetime and fracTime.String).
func goMySQLText(t time.Time, dec int) string {
	u := t.UTC()
	s := fmt.Sprintf("%04d-%02d-%02d %02d:%02d:%02d", u.Year(), u.Month(), u.Day(), u.Hour(), u.Minute(), u.Second())
	if dec == 0 {
		return s
	}
	return (s + fmt.Sprintf(".%06d", u.Nanosecond()/1000))[:20+dec]
}

// TestConvertTimeMatchesText: a DATETIME or TIMESTAMP decoded as a
// time.Time (ParseTime) converts to what its text converted to, for every
// precision, temporal mode and column type, and for a TIMESTAMP go-mysql
// hands over in the local zone.
func TestConvertTimeMatchesText(t *testing.T) {
	east := time.FixedZone("east", 5*3600+1800)
	west := time.FixedZone("west", -8*3600)
	base := []time.Time{
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1970, 1, 1, 0, 0, 1, 0, time.UTC),
		time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC),
		time.Date(2024, 2, 29, 23, 59, 59, 999999000, time.UTC),
		time.Date(2038, 1, 19, 3, 14, 8, 123456000, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC),
		time.Date(2001, 1, 1, 0, 0, 10, 100000000, time.UTC),
		time.Date(2024, 6, 1, 12, 0, 0, 500000, time.UTC),
	}
	for _, mode := range []string{"adaptive_time_microseconds", "connect"} {
		props := baseProps()
		props["time.precision.mode"] = mode
		st, err := parse(props)
		if err != nil {
			t.Fatal(err)
		}
		for _, dt := range []string{"datetime", "timestamp"} {
			for dec := 0; dec <= 6; dec++ {
				c := &column{name: "c", dataType: dt, colType: fmt.Sprintf("%s(%d)", dt, dec), fsp: dec}
				if err := mapColumn(c, st, false); err != nil {
					t.Fatal(err)
				}
				for _, b := range base {
					// The binlog holds the fraction to the precision only.
					step := time.Duration(1)
					for range 9 - dec {
						step *= 10
					}
					v := b.Truncate(step)
					text := goMySQLText(v, dec)
					want, err := c.convert(text)
					if err != nil {
						t.Fatal(err)
					}
					ins := []time.Time{v}
					if dt == "timestamp" {
						ins = append(ins, v.In(east), v.In(west), v.Local())
					}
					for _, in := range ins {
						got, err := c.convert(in)
						if err != nil {
							t.Fatal(err)
						}
						if !reflect.DeepEqual(got, want) {
							t.Errorf("%s %s(%d) %s (%s): got %#v, want %#v", mode, dt, dec, text, in.Location(), got, want)
						}
					}
				}
			}
		}
	}
	// A time.Time in a column not held as one keeps go-mysql's text.
	c := &column{name: "s", dataType: "varchar", colType: "varchar(40)"}
	if err := mapColumn(c, mustParse(t), false); err != nil {
		t.Fatal(err)
	}
	got, err := c.convert(time.Date(2024, 1, 15, 10, 30, 0, 120000000, east))
	if err != nil || got != "2024-01-15 05:00:00.12" {
		t.Errorf("varchar from time.Time: %#v, %v", got, err)
	}
}

func mustParse(t *testing.T) *settings {
	t.Helper()
	st, err := parse(baseProps())
	if err != nil {
		t.Fatal(err)
	}
	return st
}
