package jsonconverter

// The fast decoder: one pass over the message bytes producing Connect
// values directly, with no json.Decoder, no generic map[string]any tree
// under a known schema, and strings sliced from one copy of the input.
//
// It is a filter in front of the reference path (decode.go), not a second
// implementation of its rules: every function here answers ok=false for
// anything it is not certain to read exactly as the reference path does —
// bad JSON, a value the schema rejects, whitespace other than JSON's, deep
// nesting, an envelope whose schema is not in the cache yet — and the
// caller then runs the reference path, which produces the value or the
// error. So a fast result is always the reference result, and every error
// is the reference error. It has no side effects: it reads the schema
// cache (and its last entry, Converter.lastSchemaKey) but never changes it.
// Strings in its values share one copy of the message (or of the payload).

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/goconnect/goconnect/connect/data"
)

// fastMaxDepth bounds nesting on the fast path; deeper documents (up to
// encoding/json's 10000) take the reference path.
const fastMaxDepth = 1000

type text interface{ ~string | ~[]byte }

func isWS(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// skipWS skips JSON whitespace (encoding/json's isSpace).
func skipWS[T text](s T, i int) int {
	for i < len(s) && isWS(s[i]) {
		i++
	}
	return i
}

// scanString checks the string starting at s[i] == '"' as encoding/json's
// scanner does and returns the index after its closing quote; esc reports
// backslash escapes, high bytes ≥ 0x80.
func scanString[T text](s T, i int) (end int, esc, high, ok bool) {
	for i++; i < len(s); {
		c := s[i]
		switch {
		case c == '"':
			return i + 1, esc, high, true
		case c == '\\':
			esc = true
			if i+1 >= len(s) {
				return 0, false, false, false
			}
			switch s[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+5 >= len(s) || !isHex(s[i+2]) || !isHex(s[i+3]) || !isHex(s[i+4]) || !isHex(s[i+5]) {
					return 0, false, false, false
				}
				i += 6
			default:
				return 0, false, false, false
			}
		case c < 0x20:
			return 0, false, false, false
		default:
			high = high || c >= utf8.RuneSelf
			i++
		}
	}
	return 0, false, false, false
}

// scanNumber checks the number starting at s[i] against JSON's grammar;
// isInt is true without fraction and exponent.
func scanNumber[T text](s T, i int) (end int, isInt, ok bool) {
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i >= len(s):
		return 0, false, false
	case s[i] == '0':
		i++
	case s[i] >= '1' && s[i] <= '9':
		for i++; i < len(s) && isDigit(s[i]); i++ {
		}
	default:
		return 0, false, false
	}
	isInt = true
	if i < len(s) && s[i] == '.' {
		isInt = false
		i++
		if i >= len(s) || !isDigit(s[i]) {
			return 0, false, false
		}
		for i++; i < len(s) && isDigit(s[i]); i++ {
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		isInt = false
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || !isDigit(s[i]) {
			return 0, false, false
		}
		for i++; i < len(s) && isDigit(s[i]); i++ {
		}
	}
	return i, isInt, true
}

// hasLiteral reports whether s[i:] starts with lit.
func hasLiteral[T text](s T, i int, lit string) bool {
	if len(s)-i < len(lit) {
		return false
	}
	for k := 0; k < len(lit); k++ {
		if s[i+k] != lit[k] {
			return false
		}
	}
	return true
}

// skipValue checks the value starting at s[i] (no leading whitespace) and
// returns the index after it.
func skipValue[T text](s T, i, depth int) (int, bool) {
	if i >= len(s) {
		return 0, false
	}
	var ok bool
	switch c := s[i]; c {
	case '{', '[':
		if depth >= fastMaxDepth {
			return 0, false
		}
		closing := byte('}')
		if c == '[' {
			closing = ']'
		}
		i = skipWS(s, i+1)
		if i < len(s) && s[i] == closing {
			return i + 1, true
		}
		for {
			if c == '{' {
				if i >= len(s) || s[i] != '"' {
					return 0, false
				}
				if i, _, _, ok = scanString(s, i); !ok {
					return 0, false
				}
				if i = skipWS(s, i); i >= len(s) || s[i] != ':' {
					return 0, false
				}
				i = skipWS(s, i+1)
			}
			if i, ok = skipValue(s, i, depth+1); !ok {
				return 0, false
			}
			if i = skipWS(s, i); i >= len(s) {
				return 0, false
			}
			switch s[i] {
			case ',':
				i = skipWS(s, i+1)
			case closing:
				return i + 1, true
			default:
				return 0, false
			}
		}
	case '"':
		i, _, _, ok = scanString(s, i)
		return i, ok
	case 't':
		return i + 4, hasLiteral(s, i, "true")
	case 'f':
		return i + 5, hasLiteral(s, i, "false")
	case 'n':
		return i + 4, hasLiteral(s, i, "null")
	}
	i, _, ok = scanNumber(s, i)
	return i, ok
}

// parseInt is json.Number.Int64 (strconv.ParseInt) for a literal that
// scanNumber found to be an integer.
func parseInt(lit string) (int64, bool) {
	digits := lit
	if lit[0] == '-' {
		digits = lit[1:]
	}
	if len(digits) > 18 {
		n, err := strconv.ParseInt(lit, 10, 64)
		return n, err == nil
	}
	var n int64
	for i := 0; i < len(digits); i++ {
		n = n*10 + int64(digits[i]-'0')
	}
	if len(digits) < len(lit) {
		n = -n
	}
	return n, true
}

// getu4 decodes \uXXXX at the start of s, or returns -1.
func getu4(s string) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range []byte(s[2:6]) {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// unquote is encoding/json's unquote for the content of a string that
// scanString accepted: escapes resolved, bad surrogates and invalid UTF-8
// bytes each replaced by U+FFFD.
func unquote(s string) string {
	b := make([]byte, 0, len(s)+2*utf8.UTFMax)
	for r := 0; r < len(s); {
		switch c := s[r]; {
		case c == '\\':
			r++
			switch s[r] {
			case '"', '\\', '/', '\'':
				b = append(b, s[r])
				r++
			case 'b':
				b = append(b, '\b')
				r++
			case 'f':
				b = append(b, '\f')
				r++
			case 'n':
				b = append(b, '\n')
				r++
			case 'r':
				b = append(b, '\r')
				r++
			case 't':
				b = append(b, '\t')
				r++
			case 'u':
				r--
				rr := getu4(s[r:])
				r += 6
				if utf16.IsSurrogate(rr) {
					rr1 := getu4(s[r:])
					if dec := utf16.DecodeRune(rr, rr1); dec != unicode.ReplacementChar {
						r += 6
						b = utf8.AppendRune(b, dec)
						break
					}
					rr = unicode.ReplacementChar
				}
				b = utf8.AppendRune(b, rr)
			}
		case c < utf8.RuneSelf:
			b = append(b, c)
			r++
		default:
			rr, size := utf8.DecodeRuneInString(s[r:])
			r += size
			b = utf8.AppendRune(b, rr)
		}
	}
	return string(b)
}

// fastDecoder reads Connect values from s, a private copy of the message
// (or of its payload), so that strings without escapes are substrings of
// it.
type fastDecoder struct {
	c *Converter
	s string
	i int
}

// str reads the string at d.s[d.i] == '"'.
func (d *fastDecoder) str() (string, bool) {
	start := d.i
	end, esc, high, ok := scanString(d.s, start)
	if !ok {
		return "", false
	}
	d.i = end
	content := d.s[start+1 : end-1]
	if !esc && (!high || utf8.ValidString(content)) {
		return content, true
	}
	return unquote(content), true
}

// number reads the number literal at d.i.
func (d *fastDecoder) number() (lit string, isInt, ok bool) {
	end, isInt, ok := scanNumber(d.s, d.i)
	if !ok {
		return "", false, false
	}
	lit = d.s[d.i:end]
	d.i = end
	return lit, isInt, true
}

// literal consumes lit when it is next.
func (d *fastDecoder) literal(lit string) bool {
	if !strings.HasPrefix(d.s[d.i:], lit) {
		return false
	}
	d.i += len(lit)
	return true
}

// sep reads the separator after an element: ',' (more follows) or
// closing; ok is false on anything else.
func (d *fastDecoder) sep(closing byte) (more, ok bool) {
	d.i = skipWS(d.s, d.i)
	if d.i >= len(d.s) {
		return false, false
	}
	switch d.s[d.i] {
	case ',':
		d.i = skipWS(d.s, d.i+1)
		return true, true
	case closing:
		d.i++
		return false, true
	}
	return false, false
}

// key reads an object key and its colon, leaving d.i at the value.
func (d *fastDecoder) key() (string, bool) {
	if d.i >= len(d.s) || d.s[d.i] != '"' {
		return "", false
	}
	k, ok := d.str()
	if !ok {
		return "", false
	}
	if d.i = skipWS(d.s, d.i); d.i >= len(d.s) || d.s[d.i] != ':' {
		return "", false
	}
	d.i = skipWS(d.s, d.i+1)
	return k, true
}

// open consumes an opening bracket and the whitespace after it; empty
// reports that the closing bracket followed (and was consumed).
func (d *fastDecoder) open(closing byte) (empty bool) {
	d.i = skipWS(d.s, d.i+1)
	if d.i < len(d.s) && d.s[d.i] == closing {
		d.i++
		return true
	}
	return false
}

// value reads a schemaless value as parse followed by inferValue does:
// integers that fit int64 as int64, other numbers float64.
func (d *fastDecoder) value(depth int) (any, bool) {
	if d.i >= len(d.s) {
		return nil, false
	}
	switch d.s[d.i] {
	case '{':
		return d.object(depth)
	case '[':
		return d.array(depth)
	case '"':
		return d.str()
	case 't':
		return true, d.literal("true")
	case 'f':
		return false, d.literal("false")
	case 'n':
		return nil, d.literal("null")
	}
	lit, isInt, ok := d.number()
	if !ok {
		return nil, false
	}
	if isInt {
		if n, ok := parseInt(lit); ok {
			return n, true
		}
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil {
		return nil, false
	}
	return f, true
}

func (d *fastDecoder) object(depth int) (any, bool) {
	if depth >= fastMaxDepth {
		return nil, false
	}
	m := make(map[string]any)
	if d.open('}') {
		return m, true
	}
	for {
		k, ok := d.key()
		if !ok {
			return nil, false
		}
		v, ok := d.value(depth + 1)
		if !ok {
			return nil, false
		}
		m[k] = v
		more, ok := d.sep('}')
		if !ok {
			return nil, false
		}
		if !more {
			return m, true
		}
	}
}

func (d *fastDecoder) array(depth int) (any, bool) {
	if depth >= fastMaxDepth {
		return nil, false
	}
	if d.open(']') {
		return make([]any, 0), true
	}
	var buf [16]any
	items := buf[:0]
	for {
		v, ok := d.value(depth + 1)
		if !ok {
			return nil, false
		}
		items = append(items, v)
		more, ok := d.sep(']')
		if !ok {
			return nil, false
		}
		if !more {
			return append(make([]any, 0, len(items)), items...), true
		}
	}
}

// integer is the fast integer(): an integer literal within [min, max].
func (d *fastDecoder) integer(min, max int64) (int64, bool) {
	lit, isInt, ok := d.number()
	if !ok || !isInt {
		return 0, false
	}
	n, ok := parseInt(lit)
	if !ok || n < min || n > max {
		return 0, false
	}
	return n, true
}

// float is the fast float(): a number, or a quoted non-finite value.
func (d *fastDecoder) float() (float64, bool) {
	if d.s[d.i] == '"' {
		s, ok := d.str()
		if !ok {
			return 0, false
		}
		switch s {
		case "NaN":
			return math.NaN(), true
		case "Infinity":
			return math.Inf(1), true
		case "-Infinity":
			return math.Inf(-1), true
		}
		return 0, false
	}
	lit, _, ok := d.number()
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(lit, 64)
	return f, err == nil
}

// typed reads a value of schema s as toConnect does.
func (d *fastDecoder) typed(s *data.Schema, depth int) (any, bool) {
	if d.i >= len(d.s) {
		return nil, false
	}
	c := d.s[d.i]
	if c == 'n' {
		if !d.literal("null") {
			return nil, false
		}
		v, err := d.c.toConnect(s, nil)
		return v, err == nil
	}
	switch s.Name {
	case data.DecimalName:
		var node any
		switch {
		case c == '"':
			str, ok := d.str()
			if !ok {
				return nil, false
			}
			node = str
		case c == '-' || isDigit(c):
			lit, _, ok := d.number()
			if !ok {
				return nil, false
			}
			node = json.Number(lit)
		default:
			return nil, false
		}
		v, err := d.c.toConnect(s, node)
		return v, err == nil
	case data.DateName:
		n, ok := d.integer(math.MinInt32, math.MaxInt32)
		if !ok {
			return nil, false
		}
		return data.DateFromDays(int32(n)), true
	case data.TimeName:
		n, ok := d.integer(0, 86_399_999)
		if !ok {
			return nil, false
		}
		return data.TimeFromMillis(int32(n)), true
	case data.TimestampName:
		n, ok := d.integer(math.MinInt64, math.MaxInt64)
		if !ok {
			return nil, false
		}
		return data.TimestampFromMillis(n), true
	}
	switch s.Type {
	case data.TypeBoolean:
		switch c {
		case 't':
			return true, d.literal("true")
		case 'f':
			return false, d.literal("false")
		}
	case data.TypeInt8:
		n, ok := d.integer(math.MinInt8, math.MaxInt8)
		return int8(n), ok
	case data.TypeInt16:
		n, ok := d.integer(math.MinInt16, math.MaxInt16)
		return int16(n), ok
	case data.TypeInt32:
		n, ok := d.integer(math.MinInt32, math.MaxInt32)
		return int32(n), ok
	case data.TypeInt64:
		n, ok := d.integer(math.MinInt64, math.MaxInt64)
		return n, ok
	case data.TypeFloat32:
		f, ok := d.float()
		return float32(f), ok
	case data.TypeFloat64:
		f, ok := d.float()
		return f, ok
	case data.TypeString:
		if c == '"' {
			return d.str()
		}
	case data.TypeBytes:
		if c == '"' {
			str, ok := d.str()
			if !ok {
				return nil, false
			}
			raw, err := base64.StdEncoding.DecodeString(str)
			return raw, err == nil
		}
	case data.TypeArray:
		if c == '[' {
			return d.typedArray(s, depth)
		}
	case data.TypeMap:
		if s.Key.Type == data.TypeString && c == '{' {
			return d.typedStringMap(s, depth)
		}
		if s.Key.Type != data.TypeString && c == '[' {
			return d.typedPairMap(s, depth)
		}
	case data.TypeStruct:
		if c == '{' {
			return d.typedStruct(s, depth)
		}
	}
	return nil, false
}

func (d *fastDecoder) typedArray(s *data.Schema, depth int) (any, bool) {
	if depth >= fastMaxDepth {
		return nil, false
	}
	if d.open(']') {
		return make([]any, 0), true
	}
	var buf [16]any
	items := buf[:0]
	for {
		v, ok := d.typed(s.Value, depth+1)
		if !ok {
			return nil, false
		}
		items = append(items, v)
		more, ok := d.sep(']')
		if !ok {
			return nil, false
		}
		if !more {
			return append(make([]any, 0, len(items)), items...), true
		}
	}
}

func (d *fastDecoder) typedStringMap(s *data.Schema, depth int) (any, bool) {
	if depth >= fastMaxDepth {
		return nil, false
	}
	m := make(map[string]any)
	if d.open('}') {
		return m, true
	}
	for {
		k, ok := d.key()
		if !ok {
			return nil, false
		}
		v, ok := d.typed(s.Value, depth+1)
		if !ok {
			return nil, false
		}
		m[k] = v
		more, ok := d.sep('}')
		if !ok {
			return nil, false
		}
		if !more {
			return m, true
		}
	}
}

// typedPairMap reads a map with non-string keys: [[k, v], …].
func (d *fastDecoder) typedPairMap(s *data.Schema, depth int) (any, bool) {
	if depth+1 >= fastMaxDepth {
		return nil, false
	}
	m := make(map[any]any)
	if d.open(']') {
		return m, true
	}
	for {
		if d.i >= len(d.s) || d.s[d.i] != '[' {
			return nil, false
		}
		d.i = skipWS(d.s, d.i+1)
		k, ok := d.typed(s.Key, depth+2)
		if !ok || !hashable(k) {
			return nil, false
		}
		if more, ok := d.sep(']'); !ok || !more {
			return nil, false
		}
		v, ok := d.typed(s.Value, depth+2)
		if !ok {
			return nil, false
		}
		if more, ok := d.sep(']'); !ok || more {
			return nil, false
		}
		m[k] = v
		more, ok := d.sep(']')
		if !ok {
			return nil, false
		}
		if !more {
			return m, true
		}
	}
}

func (d *fastDecoder) typedStruct(s *data.Schema, depth int) (any, bool) {
	if depth >= fastMaxDepth {
		return nil, false
	}
	st := data.NewStruct(s)
	if !d.open('}') {
		next := 0 // fields usually come in schema order
		for {
			k, ok := d.key()
			if !ok {
				return nil, false
			}
			var f data.Field
			if next < len(s.Fields) && s.Fields[next].Name == k {
				f, ok = s.Fields[next], true
			} else {
				f, ok = s.Field(k)
			}
			if ok {
				v, ok := d.typed(f.Schema, depth+1)
				if !ok {
					return nil, false
				}
				st.PutIndex(f.Index, v)
				next = f.Index + 1
			} else if d.i, ok = skipValue(d.s, d.i, depth+1); !ok {
				return nil, false
			}
			more, ok := d.sep('}')
			if !ok {
				return nil, false
			}
			if !more {
				break
			}
		}
	}
	// Absent fields, and null ones (the same call gives the same result),
	// as toConnect reads a missing key: default, null or an error.
	for _, f := range s.Fields {
		if st.RawIndex(f.Index) != nil {
			continue
		}
		v, err := d.c.toConnect(f.Schema, nil)
		if err != nil {
			return nil, false
		}
		st.PutIndex(f.Index, v)
	}
	return st, true
}

// fastSchemaless reads a message with schemas.enable=false: one JSON
// value with JSON whitespace around it.
func fastSchemaless(b []byte) (any, bool) {
	d := fastDecoder{s: string(b)}
	d.i = skipWS(d.s, 0)
	v, ok := d.value(0)
	if !ok || skipWS(d.s, d.i) != len(d.s) {
		return nil, false
	}
	return v, true
}

// fastEnvelope reads a {"schema":…,"payload":…} message whose schema text
// is already in the cache.
func (c *Converter) fastEnvelope(b []byte) (*data.Schema, any, bool) {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil, nil, false
	}
	sStart, sEnd, pStart, pEnd := -1, -1, -1, -1
	memo := false
	i = skipWS(b, i+1)
	for {
		if i >= len(b) || b[i] != '"' {
			return nil, nil, false
		}
		end, esc, _, ok := scanString(b, i)
		if !ok || esc {
			return nil, nil, false
		}
		key := b[i+1 : end-1]
		if i = skipWS(b, end); i >= len(b) || b[i] != ':' {
			return nil, nil, false
		}
		start := skipWS(b, i+1)
		switch string(key) {
		case "schema":
			if sStart >= 0 {
				return nil, nil, false
			}
			sStart = start
			if m := c.lastSchemaKey; m != "" && len(b)-start >= len(m) && string(b[start:start+len(m)]) == m {
				// The schema text last added to the cache, byte for
				// byte: a complete JSON value already checked, so it is
				// neither scanned nor hashed again.
				i, memo = start+len(m), true
			} else if i, ok = skipValue(b, start, 1); !ok {
				return nil, nil, false
			}
			sEnd = i
		case "payload":
			if pStart >= 0 {
				return nil, nil, false
			}
			if i, ok = skipValue(b, start, 1); !ok {
				return nil, nil, false
			}
			pStart, pEnd = start, i
		default:
			return nil, nil, false
		}
		if i = skipWS(b, i); i >= len(b) {
			return nil, nil, false
		}
		if b[i] == '}' {
			break
		}
		if b[i] != ',' {
			return nil, nil, false
		}
		i = skipWS(b, i+1)
	}
	if skipWS(b, i+1) != len(b) || sStart < 0 || pStart < 0 {
		return nil, nil, false
	}
	s := c.lastSchema
	if !memo {
		var ok bool
		if s, ok = c.parsed[string(b[sStart:sEnd])]; !ok {
			return nil, nil, false
		}
	}
	d := fastDecoder{c: c, s: string(b[pStart:pEnd])}
	var v any
	var ok bool
	if s == nil {
		v, ok = d.value(1)
	} else {
		v, ok = d.typed(s, 1)
	}
	if !ok || d.i != len(d.s) {
		return nil, nil, false
	}
	return s, v, true
}
