package apache

import (
	"fmt"
	"strings"
)

// javaLayout translates a java.text.SimpleDateFormat pattern into a Go
// time layout for the letters Connect users write in TimestampConverter
// and TimestampRouter formats. Unsupported letters are an error naming them.
func javaLayout(p string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(p); {
		c := p[i]
		if c == '\'' {
			j := strings.IndexByte(p[i+1:], '\'')
			if j < 0 {
				return "", fmt.Errorf("unterminated quote in date format %q", p)
			}
			if j == 0 {
				b.WriteByte('\'') // '' is a literal quote
			} else {
				b.WriteString(p[i+1 : i+1+j])
			}
			i += j + 2
			continue
		}
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			b.WriteByte(c)
			i++
			continue
		}
		n := 1
		for i+n < len(p) && p[i+n] == c {
			n++
		}
		i += n
		var out string
		switch c {
		case 'y':
			out = "2006"
			if n == 2 {
				out = "06"
			}
		case 'M':
			out = map[int]string{1: "1", 2: "01", 3: "Jan"}[min(n, 4)]
			if n >= 4 {
				out = "January"
			}
		case 'd':
			out = "2"
			if n >= 2 {
				out = "02"
			}
		case 'H':
			out = "15"
		case 'h':
			out = "3"
			if n >= 2 {
				out = "03"
			}
		case 'm':
			out = "4"
			if n >= 2 {
				out = "04"
			}
		case 's':
			out = "5"
			if n >= 2 {
				out = "05"
			}
		case 'S':
			out = strings.Repeat("0", n)
			// Go needs fractional seconds after a dot.
			s := b.String()
			if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, ",") {
				return "", fmt.Errorf("fraction of second (S) must follow '.' or ',' in %q", p)
			}
		case 'a':
			out = "PM"
		case 'E':
			out = "Mon"
			if n >= 4 {
				out = "Monday"
			}
		case 'Z':
			out = "-0700"
		case 'X':
			out = map[int]string{1: "Z07", 2: "Z0700", 3: "Z07:00"}[min(n, 3)]
		case 'z':
			out = "MST"
		case 'D':
			out = "002"
		default:
			return "", fmt.Errorf("date format letter %q in %q is not supported", c, p)
		}
		b.WriteString(out)
	}
	return b.String(), nil
}
