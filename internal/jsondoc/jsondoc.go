// Package jsondoc is a JSON document model that keeps what Jackson's tree
// keeps and encoding/json's maps lose: the order of an object's members
// and the exact text of its numbers. Confluent's JSON Schema support works
// on such trees (the order of "properties" is the order of a Connect
// struct's fields when connect.index is absent; a canonical schema is the
// tree written back compactly), so the registry and the JsonSchemaConverter
// share it.
//
// Values are nil, bool, Number, string, []any and *Object.
package jsondoc

import (
	"encoding/json"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"unicode/utf8"
)

// Number is a JSON number as written.
type Number = json.Number

// Object is a JSON object with its members in document order.
type Object struct {
	Keys   []string
	Values []any
}

// Get returns the member named k.
func (o *Object) Get(k string) (any, bool) {
	if o == nil {
		return nil, false
	}
	for i, key := range o.Keys {
		if key == k {
			return o.Values[i], true
		}
	}
	return nil, false
}

// String returns member k when it is a string.
func (o *Object) String(k string) (string, bool) {
	v, _ := o.Get(k)
	s, ok := v.(string)
	return s, ok
}

// Object returns member k when it is an object.
func (o *Object) Object(k string) *Object {
	v, _ := o.Get(k)
	m, _ := v.(*Object)
	return m
}

// Set replaces member k in place, or appends it (Jackson's ObjectNode.set
// on a LinkedHashMap).
func (o *Object) Set(k string, v any) {
	for i, key := range o.Keys {
		if key == k {
			o.Values[i] = v
			return
		}
	}
	o.Keys = append(o.Keys, k)
	o.Values = append(o.Values, v)
}

// Len is the number of members.
func (o *Object) Len() int {
	if o == nil {
		return 0
	}
	return len(o.Keys)
}

// Parse reads one JSON document. A repeated member name keeps its first
// position and its last value, as Jackson's tree does.
func Parse(b []byte) (any, error) {
	p := &parser{b: b}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	p.ws()
	if p.i != len(p.b) {
		return nil, p.errorf("trailing data after the JSON value")
	}
	return v, nil
}

// Append writes v compactly, as Jackson writes a tree: members in order
// (sorted by name when sorted is set, as Confluent's normalisation does),
// numbers as Java's BigDecimal.toString writes them.
func Append(b []byte, v any, sorted bool) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		if v {
			return append(b, "true"...)
		}
		return append(b, "false"...)
	case Number:
		return append(b, javaNumber(string(v))...)
	case string:
		return AppendString(b, v)
	case []any:
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = Append(b, e, sorted)
		}
		return append(b, ']')
	case *Object:
		order := make([]int, len(v.Keys))
		for i := range order {
			order[i] = i
		}
		if sorted {
			sort.SliceStable(order, func(i, j int) bool { return v.Keys[order[i]] < v.Keys[order[j]] })
		}
		b = append(b, '{')
		for n, i := range order {
			if n > 0 {
				b = append(b, ',')
			}
			b = AppendString(b, v.Keys[i])
			b = append(b, ':')
			b = Append(b, v.Values[i], sorted)
		}
		return append(b, '}')
	}
	panic(fmt.Sprintf("jsondoc: unexpected %T", v))
}

// javaNumber writes a JSON number literal as Jackson writes the node it
// parses it into: integers as they are, others as BigDecimal.toString
// (Confluent's mapper reads floats as exact BigDecimals).
func javaNumber(lit string) string {
	if !strings.ContainsAny(lit, ".eE") {
		if lit == "-0" {
			return "0"
		}
		return lit
	}
	mant, exp, hasExp := strings.Cut(strings.ToLower(lit), "e")
	if !hasExp {
		return lit
	}
	neg := strings.HasPrefix(mant, "-")
	mant = strings.TrimPrefix(mant, "-")
	intPart, frac, _ := strings.Cut(mant, ".")
	var e int64
	if _, err := fmt.Sscan(exp, &e); err != nil {
		return lit
	}
	unscaled, ok := new(big.Int).SetString(intPart+frac, 10)
	if !ok {
		return lit
	}
	if neg {
		unscaled.Neg(unscaled)
	}
	return JavaBigDecimal(unscaled, int64(len(frac))-e)
}

// JavaBigDecimal renders unscaled×10^-scale as Java's BigDecimal.toString.
func JavaBigDecimal(unscaled *big.Int, scale int64) string {
	digits := new(big.Int).Abs(unscaled).String()
	sign := ""
	if unscaled.Sign() < 0 {
		sign = "-"
	}
	adjusted := -scale + int64(len(digits)-1)
	if scale >= 0 && adjusted >= -6 {
		if scale == 0 {
			return sign + digits
		}
		if int64(len(digits)) <= scale {
			digits = strings.Repeat("0", int(scale)-len(digits)+1) + digits
		}
		p := len(digits) - int(scale)
		return sign + digits[:p] + "." + digits[p:]
	}
	s := sign + digits[:1]
	if len(digits) > 1 {
		s += "." + digits[1:]
	}
	s += "E"
	if adjusted >= 0 {
		s += "+"
	}
	return s + fmt.Sprint(adjusted)
}

const hexDigits = "0123456789ABCDEF"

// AppendString quotes s as Jackson does: quote, backslash and control
// characters are escaped; '/', '<', '&' and non-ASCII stay as they are.
func AppendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			if c < utf8.RuneSelf {
				i++
				continue
			}
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, s[start:i]...)
				b = append(b, "\uFFFD"...)
				i++
				start = i
				continue
			}
			i += size
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"':
			b = append(b, '\\', '"')
		case '\\':
			b = append(b, '\\', '\\')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		}
		i++
		start = i
	}
	return append(append(b, s[start:]...), '"')
}

// Plain converts a document to encoding/json's generic form (maps,
// float-free json.Number kept), for libraries that take that form.
func Plain(v any) any {
	switch v := v.(type) {
	case *Object:
		m := make(map[string]any, len(v.Keys))
		for i, k := range v.Keys {
			m[k] = Plain(v.Values[i])
		}
		return m
	case []any:
		a := make([]any, len(v))
		for i, e := range v {
			a[i] = Plain(e)
		}
		return a
	}
	return v
}
