package jsonconverter

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goconnect/goconnect/connect/data"
)

// sameValue is a strict ValuesEqual: same Go types, floats bit for bit
// (NaN included), nil and empty kept apart, time zones compared.
func sameValue(a, b any) bool {
	if reflect.TypeOf(a) != reflect.TypeOf(b) {
		return false
	}
	switch x := a.(type) {
	case nil:
		return true
	case float64:
		return math.Float64bits(x) == math.Float64bits(b.(float64))
	case float32:
		return math.Float32bits(x) == math.Float32bits(b.(float32))
	case []byte:
		y := b.([]byte)
		return (x == nil) == (y == nil) && bytes.Equal(x, y)
	case time.Time:
		y := b.(time.Time)
		return x.Equal(y) && x.Location() == y.Location()
	case *data.BigDecimal:
		y := b.(*data.BigDecimal)
		return x.Scale == y.Scale && x.Unscaled.Cmp(y.Unscaled) == 0
	case *data.Struct:
		y := b.(*data.Struct)
		if x.Schema() != y.Schema() && !sameSchema(&Converter{}, x.Schema(), y.Schema()) {
			return false
		}
		for i := range x.Schema().Fields {
			if !sameValue(x.RawIndex(i), y.RawIndex(i)) {
				return false
			}
		}
		return true
	case []any:
		y := b.([]any)
		if (x == nil) != (y == nil) || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameValue(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y := b.(map[string]any)
		if (x == nil) != (y == nil) || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !sameValue(v, w) {
				return false
			}
		}
		return true
	case map[any]any:
		// Keys may be pointers (decimals, structs) or NaN: match entries
		// pairwise.
		y := b.(map[any]any)
		if (x == nil) != (y == nil) || len(x) != len(y) {
			return false
		}
		type kv struct{ k, v any }
		var rest []kv
		for k, v := range y {
			rest = append(rest, kv{k, v})
		}
	next:
		for k, v := range x {
			for i, e := range rest {
				if sameValue(k, e.k) && sameValue(v, e.v) {
					rest = append(rest[:i], rest[i+1:]...)
					continue next
				}
			}
			return false
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

// diffCase decodes in with the reference path first (which fills the
// schema cache as it always did), then with ToConnectData, and fails on
// any difference in schema, value or error. It reports whether the fast
// path itself produced the result.
func diffCase(t testing.TB, c *Converter, in []byte) (fast bool) {
	t.Helper()
	rs, rv, rerr := c.toConnectDataRef("t", in)
	var fs *data.Schema
	var fv any
	if c.schemasEnabled {
		fs, fv, fast = c.fastEnvelope(in)
	} else {
		fv, fast = fastSchemaless(in)
	}
	if fast {
		if rerr != nil {
			t.Fatalf("%q: fast path accepted (%v %#v) what the reference rejects: %v", in, fs, fv, rerr)
		}
		if !sameSchema(c, fs, rs) || !sameValue(fv, rv) {
			t.Fatalf("%q: fast path gave %v %#v, reference %v %#v", in, fs, fv, rs, rv)
		}
	}
	s, v, err := c.ToConnectData("t", nil, in)
	if fmt.Sprint(err) != fmt.Sprint(rerr) && !refCanFail(c, in, err) {
		t.Fatalf("%q: error %v, reference %v", in, err, rerr)
	}
	if !sameSchema(c, s, rs) || !sameValue(v, rv) {
		t.Fatalf("%q: got %v %#v, reference %v %#v", in, s, v, rs, rv)
	}
	return fast
}

// refCanFail reports whether the reference decoder fails with err on some
// run: with several bad entries in a map its error depends on map
// iteration order. Nested maps multiply the orders (three levels of eight
// entries give one in 512), so it tries often enough for that to be rare.
func refCanFail(c *Converter, in []byte, err error) bool {
	for range 5000 {
		if _, _, rerr := c.toConnectDataRef("t", in); err != nil && rerr != nil && rerr.Error() == err.Error() {
			return true
		}
	}
	return false
}

// sameSchema: the very schema object, unless the cache is off (then each
// call parses its own).
func sameSchema(c *Converter, a, b *data.Schema) bool {
	if a == b {
		return true
	}
	if c.cacheSize != 0 || a == nil || b == nil {
		return false
	}
	ja, erra := c.appendSchema(nil, a)
	jb, errb := c.appendSchema(nil, b)
	return bytes.Equal(ja, jb) && fmt.Sprint(erra) == fmt.Sprint(errb)
}

var diffConfigs = []map[string]string{
	nil,
	{"replace.null.with.default": "false"},
	{"schemas.enable": "false"},
	{"schemas.cache.size": "0"},
}

// trickyInputs are hand-picked edge cases of the reference decoder.
var trickyInputs = []string{
	``, ` `, `{`, `}`, `[`, `]`, `null`, ` null `, `nul`, `nullx`, `true`, `truex`, `false`, `t`, `"`, `""`, `"\"`,
	`0`, `-0`, `-0.0`, `0.0`, `01`, `-`, `1.`, `1.e3`, `1e`, `1e+`, `1E+2`, `1e-2`, `.5`, `+1`, `1 2`, `1]`, `1}`, `1 ] x`, `1x`,
	`[1]x`, `[1]]`, `{"a":1}}`, `{"a":1} x`, `{"a":1}` + "\f", "\f" + `{"a":1}`, "\v1", "1\v", "\u00a01", "1\u00a0", "\u00851",
	`9223372036854775807`, `9223372036854775808`, `-9223372036854775808`, `-9223372036854775809`,
	`12345678901234567890`, `123456789012345678`, `1234567890123456789`, `-999999999999999999`, `1e400`, `-1e400`, `1e-400`,
	`4.9e-324`, `1.7976931348623157e308`, `1.7976931348623159e308`, `0.1`, `100000000000000000000000000000000000000`,
	`"\u00e9"`, `"é"`, `"\ud83d\ude00"`, `"\ud83d"`, `"\ude00"`, `"\ud83dx"`, `"\ud83d\u0041"`, `"\ud83d\ud83d\ude00"`,
	`"\u0000"`, `"\/\b\f\n\r\t\"\\"`, `"\'"`, `"\x"`, `"\u12"`, `"\u12g4"`, "\"a\x01b\"", "\"a\x7fb\"",
	"\"\xff\"", "\"a\xc3\"", "\"\xed\xa0\x80\"", "\"\xef\xbf\xbd\"", "\"\xf4\x90\x80\x80\"", "\"\xc0\xaf\"", "\"\\n\xff\"",
	`{"a":1,"a":2}`, `{"a":1,"\u0061":2}`, `{"a":{"b":[]},"c":{}}`, `[]`, `{}`, `[ ]`, `{ }`, `[1,]`, `{"a":1,}`, `[,1]`,
	`{"a" 1}`, `{"a":}`, `{1:2}`, `{"a":1 "b":2}`, `[1 2]`, "[1,\n2,\t3,\r4]", `{"\ud800":1}`, "{\"\xff\":1}",
	strings.Repeat("[", 999) + strings.Repeat("]", 999), strings.Repeat("[", 1000) + strings.Repeat("]", 1000),
	strings.Repeat("[", 1001) + strings.Repeat("]", 1001), strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	strings.Repeat(`{"a":`, 1200) + "1" + strings.Repeat("}", 1200),
	// envelopes
	`{"schema":null,"payload":null}`, `{"schema":null,"payload":{"a":[1,2.5,"x",null,true]}}`, `{"payload":1,"schema":null}`,
	`{"schema":null}`, `{"payload":1}`, `{"schema":null,"payload":1,"x":1}`, `{"schema":null,"schema":null,"payload":1}`,
	`{"sch\u0065ma":null,"payload":1}`, `{"schema":null,"payload":1} `, ` {"schema":null,"payload":1}`, `{"schema" : null , "payload" : 1 }`,
	"\f{\"schema\":null,\"payload\":1}", "{\"schema\":null,\"payload\":1}\u00a0", `{"schema":null,"payload":1}]`,
	`{"schema":{"type":"int32"},"payload":1}`, `{"schema":{"type":"int32"},"payload":1.0}`, `{"schema":{"type":"int32"},"payload":1e0}`,
	`{"schema":{"type":"int32"},"payload":2147483648}`, `{"schema":{"type":"int64"},"payload":9223372036854775808}`,
	`{"schema":{"type":"int64"},"payload":-9223372036854775808}`, `{"schema":{"type":"int8"},"payload":-128}`, `{"schema":{"type":"int8"},"payload":-129}`,
	`{"schema":{"type":"int16"},"payload":32767}`, `{"schema":{"type":"int16"},"payload":"1"}`, `{"schema":{"type":"boolean"},"payload":"true"}`,
	`{"schema":{"type":"float"},"payload":"NaN"}`, `{"schema":{"type":"float"},"payload":"Infinity"}`, `{"schema":{"type":"double"},"payload":"-Infinity"}`,
	`{"schema":{"type":"double"},"payload":"Na\u004e"}`, `{"schema":{"type":"double"},"payload":"nan"}`, `{"schema":{"type":"double"},"payload":1e400}`,
	`{"schema":{"type":"float"},"payload":3.4028235e39}`, `{"schema":{"type":"double"},"payload":-0}`, `{"schema":{"type":"double"},"payload":-0.0}`,
	`{"schema":{"type":"bytes"},"payload":"AAE="}`, `{"schema":{"type":"bytes"},"payload":""}`, `{"schema":{"type":"bytes"},"payload":"AAE"}`, `{"schema":{"type":"bytes"},"payload":"A\u0041E="}`,
	`{"schema":{"type":"string","optional":true,"default":"d"},"payload":null}`, `{"schema":{"type":"string","default":"d"},"payload":null}`,
	`{"schema":{"type":"int32","name":"org.apache.kafka.connect.data.Date","version":1},"payload":19000}`,
	`{"schema":{"type":"int32","name":"org.apache.kafka.connect.data.Date","version":1},"payload":-2147483648}`,
	`{"schema":{"type":"int32","name":"org.apache.kafka.connect.data.Date","version":1},"payload":2147483648}`,
	`{"schema":{"type":"int32","name":"org.apache.kafka.connect.data.Time","version":1},"payload":86399999}`,
	`{"schema":{"type":"int32","name":"org.apache.kafka.connect.data.Time","version":1},"payload":86400000}`,
	`{"schema":{"type":"int32","name":"org.apache.kafka.connect.data.Time","version":1},"payload":-1}`,
	`{"schema":{"type":"int64","name":"org.apache.kafka.connect.data.Timestamp","version":1},"payload":-9223372036854775808}`,
	`{"schema":{"type":"int64","name":"org.apache.kafka.connect.data.Timestamp","version":1,"default":5},"payload":null}`,
	`{"schema":{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"}},"payload":1.5}`,
	`{"schema":{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"}},"payload":1.555}`,
	`{"schema":{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"}},"payload":1e2}`,
	`{"schema":{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"}},"payload":1e400}`,
	`{"schema":{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"}},"payload":"AfQ="}`,
	`{"schema":{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"}},"payload":true}`,
	`{"schema":{"type":"array","items":{"type":"double"},"default":[1.0]},"payload":null}`, `{"schema":{"type":"array","items":{"type":"int32"}},"payload":[]}`,
	`{"schema":{"type":"array","items":{"type":"int32","optional":true}},"payload":[1,null,3]}`, `{"schema":{"type":"array","items":{"type":"int32"}},"payload":[1,null]}`,
	`{"schema":{"type":"map","keys":{"type":"string"},"values":{"type":"int32"}},"payload":{"a":1,"b":2,"a":3}}`,
	`{"schema":{"type":"map","keys":{"type":"string"},"values":{"type":"int32"}},"payload":{"a":"x","a":3}}`,
	`{"schema":{"type":"map","keys":{"type":"int32"},"values":{"type":"bytes","optional":true}},"payload":[[1,"AA=="],[2,null]]}`,
	`{"schema":{"type":"map","keys":{"type":"int32"},"values":{"type":"int32"}},"payload":[[1,2,3]]}`,
	`{"schema":{"type":"map","keys":{"type":"int32"},"values":{"type":"int32"}},"payload":[[1]]}`,
	`{"schema":{"type":"map","keys":{"type":"int32"},"values":{"type":"int32"}},"payload":[[1,2],[1,3]]}`,
	`{"schema":{"type":"map","keys":{"type":"int32","optional":true},"values":{"type":"int32"}},"payload":[[null,2]]}`,
	`{"schema":{"type":"map","keys":{"type":"bytes"},"values":{"type":"int32"}},"payload":[["AA==",2]]}`,
	`{"schema":{"type":"map","keys":{"type":"double"},"values":{"type":"int32"}},"payload":[["NaN",2],["NaN",3]]}`,
	`{"schema":{"type":"struct","fields":[{"type":"string","field":"s","default":"d","optional":true}]},"payload":{"s":null}}`,
	`{"schema":{"type":"struct","fields":[{"type":"string","field":"s","default":"d","optional":true}]},"payload":{}}`,
	`{"schema":{"type":"struct","fields":[{"type":"int32","field":"a"},{"type":"int32","field":"b","optional":true}]},"payload":{"b":1,"a":2,"c":[1e400,{"x":"\ud800"}]}}`,
	`{"schema":{"type":"struct","fields":[{"type":"int32","field":"a"}]},"payload":{"a":"x","a":1}}`,
	`{"schema":{"type":"struct","fields":[{"type":"int32","field":"a"}]},"payload":{"a":1,"a":null}}`,
	`{"schema":{"type":"struct","fields":[{"type":"int32","field":"a"}]},"payload":{"\u0061":1}}`,
	`{"schema":{"type":"struct","fields":[{"type":"int32","field":"a"}]},"payload":{"b":1}}`,
	`{"schema":{"type":"struct","optional":true,"fields":[{"type":"int32","field":"a"}]},"payload":null}`,
	`{"schema":{"type":"struct","fields":[{"type":"struct","field":"in","fields":[{"type":"int8","field":"x","default":3}]}]},"payload":{"in":{}}}`,
	`{"schema":{"type":"nope"},"payload":1}`, `{"schema":"int32","payload":1}`, `{"schema":{"type":"int32"},"payload":1`,
}

func TestFastDecoderTricky(t *testing.T) {
	inputs := append([]string{orderGolden}, trickyInputs...)
	for _, props := range diffConfigs {
		c := configured(t, props)
		for _, in := range inputs {
			diffCase(t, c, []byte(in))
			diffCase(t, c, []byte(in)) // again, now with the schema cached
		}
	}
}

// jsonGen writes random JSON, mostly valid, with the odd mistake.
type jsonGen struct {
	r *rand.Rand
	b []byte
}

func (g *jsonGen) pick(opts ...string) string { return opts[g.r.IntN(len(opts))] }

func (g *jsonGen) ws() {
	if g.r.IntN(8) == 0 {
		g.b = append(g.b, g.pick(" ", "\t", "\n", "\r", "  \n ")...)
	}
}

var numberForms = []string{"0", "-0", "1", "-1", "7", "127", "128", "-128", "-129", "255", "256", "32767", "32768",
	"2147483647", "2147483648", "-2147483648", "-2147483649", "86399999", "86400000",
	"9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
	"99999999999999999999", "1.0", "1.5", "-0.0", "0.1", "1e2", "1E+2", "1e-7", "2.5e-3", "1e400", "-1e400", "1e-400",
	"3.4028235e38", "3.5e38", "1.7976931348623157e308", "4.9e-324", "123456.789", "0.000001", "1.25", "12.3"}

func (g *jsonGen) number() {
	if g.r.IntN(3) == 0 {
		g.b = append(g.b, g.pick(numberForms...)...)
		return
	}
	switch g.r.IntN(4) {
	case 0:
		g.b = strconv.AppendInt(g.b, g.r.Int64N(1000)-500, 10)
	case 1:
		g.b = strconv.AppendInt(g.b, int64(g.r.Uint64()), 10)
	case 2:
		g.b = strconv.AppendFloat(g.b, g.r.NormFloat64()*math.Pow(10, float64(g.r.IntN(40)-20)), g.pick("e", "E", "f", "g")[0], -1, 64)
	default:
		g.b = strconv.AppendFloat(g.b, float64(g.r.Float32()), 'g', -1, 32)
	}
}

var stringPieces = []string{"a", "bc", "é", "日本", "😀", " ", `\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`, `\u0041`, `\u00e9`,
	`\u0000`, `\ud83d\ude00`, `\ud83d`, `\ude00`, `\uD83D\uDE00`, `\ud83dx`, "\xff", "\xc3", "\xed\xa0\x80", "\xef\xbf\xbd", "<&>", "NaN", "Infinity"}

func (g *jsonGen) str() {
	g.b = append(g.b, '"')
	for n := g.r.IntN(5); n > 0; n-- {
		g.b = append(g.b, g.pick(stringPieces...)...)
	}
	g.b = append(g.b, '"')
}

var keyForms = []string{"a", "b", "c", "id", "name", "x", `\u0061`, "é", "payload", "schema", ""}

// value writes any JSON value.
func (g *jsonGen) value(depth int) {
	g.ws()
	k := g.r.IntN(10)
	if depth > 4 && k >= 7 {
		k = 0
	}
	switch k {
	case 0, 1:
		g.number()
	case 2, 3:
		g.str()
	case 4:
		g.b = append(g.b, g.pick("true", "false", "null")...)
	case 5, 6:
		g.b = append(g.b, '[')
		for i, n := 0, g.r.IntN(4); i < n; i++ {
			if i > 0 {
				g.b = append(g.b, ',')
			}
			g.value(depth + 1)
		}
		g.ws()
		g.b = append(g.b, ']')
	default:
		g.b = append(g.b, '{')
		for i, n := 0, g.r.IntN(4); i < n; i++ {
			if i > 0 {
				g.b = append(g.b, ',')
			}
			g.ws()
			g.b = append(g.b, '"')
			g.b = append(g.b, g.pick(keyForms...)...)
			g.b = append(g.b, '"')
			g.ws()
			g.b = append(g.b, ':')
			g.value(depth + 1)
		}
		g.ws()
		g.b = append(g.b, '}')
	}
	g.ws()
}

// schema is a random Connect schema, as a tree to write payloads for and
// as JSON text.
type gschema struct {
	typ, name, def     string
	optional           bool
	items, keys, value *gschema
	fields             []*gschema
	field              string
	scale              int
}

func (g *jsonGen) schema(depth int) *gschema {
	s := &gschema{optional: g.r.IntN(3) == 0}
	prims := []string{"boolean", "int8", "int16", "int32", "int64", "float", "double", "string", "bytes", "decimal", "date", "time", "timestamp"}
	k := g.r.IntN(len(prims) + 4)
	if depth > 3 || k >= len(prims)+4 {
		k = g.r.IntN(len(prims))
	}
	if k < len(prims) {
		s.typ = prims[k]
	} else {
		s.typ = []string{"array", "map", "map", "struct"}[k-len(prims)]
	}
	switch s.typ {
	case "decimal":
		s.typ, s.name, s.scale = "bytes", data.DecimalName, g.r.IntN(5)-1
	case "date":
		s.typ, s.name = "int32", data.DateName
	case "time":
		s.typ, s.name = "int32", data.TimeName
	case "timestamp":
		s.typ, s.name = "int64", data.TimestampName
	case "array":
		s.items = g.schema(depth + 1)
	case "map":
		s.keys = g.schema(depth + 1)
		if g.r.IntN(2) == 0 {
			s.keys = &gschema{typ: "string"}
		}
		s.value = g.schema(depth + 1)
	case "struct":
		names := []string{"a", "b", "c", "id", "é", "x y"}
		for i, n := 0, 1+g.r.IntN(5); i < n; i++ {
			f := g.schema(depth + 1)
			f.field = names[i]
			s.fields = append(s.fields, f)
		}
	}
	if g.r.IntN(6) == 0 && s.items == nil && s.keys == nil && s.fields == nil && s.name == "" {
		save := g.b
		g.b = nil
		g.payload(s, 0, false)
		s.def = string(g.b)
		g.b = save
	}
	return s
}

func (s *gschema) json() string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"type":%q`, s.typ)
	if s.items != nil {
		fmt.Fprintf(&b, `,"items":%s`, s.items.json())
	}
	if s.keys != nil {
		fmt.Fprintf(&b, `,"keys":%s,"values":%s`, s.keys.json(), s.value.json())
	}
	if s.typ == "struct" {
		b.WriteString(`,"fields":[`)
		for i, f := range s.fields {
			if i > 0 {
				b.WriteByte(',')
			}
			j := f.json()
			fmt.Fprintf(&b, `%s,"field":%q}`, j[:len(j)-1], f.field)
		}
		b.WriteByte(']')
	}
	fmt.Fprintf(&b, `,"optional":%t`, s.optional)
	if s.name != "" {
		fmt.Fprintf(&b, `,"name":%q,"version":1`, s.name)
	}
	if s.name == data.DecimalName {
		fmt.Fprintf(&b, `,"parameters":{"scale":"%d"}`, s.scale)
	}
	if s.def != "" {
		fmt.Fprintf(&b, `,"default":%s`, s.def)
	}
	b.WriteByte('}')
	return b.String()
}

// payload writes a value for s: mostly of the right JSON kind, sometimes
// null or anything at all (wrong = false keeps it well-typed).
func (g *jsonGen) payload(s *gschema, depth int, wrong bool) {
	g.ws()
	if wrong && g.r.IntN(25) == 0 {
		g.value(depth + 3)
		return
	}
	if g.r.IntN(12) == 0 {
		g.b = append(g.b, "null"...)
		return
	}
	switch {
	case s.name == data.DecimalName:
		if g.r.IntN(2) == 0 {
			g.number()
		} else {
			raw := make([]byte, g.r.IntN(5))
			for i := range raw {
				raw[i] = byte(g.r.Uint32())
			}
			g.b = append(g.b, '"')
			g.b = base64.StdEncoding.AppendEncode(g.b, raw)
			g.b = append(g.b, '"')
		}
	case s.typ == "boolean":
		g.b = append(g.b, g.pick("true", "false")...)
	case strings.HasPrefix(s.typ, "int"):
		g.number()
	case s.typ == "float" || s.typ == "double":
		if g.r.IntN(6) == 0 {
			g.b = append(g.b, g.pick(`"NaN"`, `"Infinity"`, `"-Infinity"`, `"nan"`)...)
		} else {
			g.number()
		}
	case s.typ == "string":
		g.str()
	case s.typ == "bytes":
		raw := make([]byte, g.r.IntN(6))
		for i := range raw {
			raw[i] = byte(g.r.Uint32())
		}
		enc := base64.StdEncoding.EncodeToString(raw)
		if g.r.IntN(10) == 0 && len(enc) > 0 {
			enc = enc[1:]
		}
		g.b = append(g.b, strconv.Quote(enc)...)
	case s.typ == "array":
		g.b = append(g.b, '[')
		for i, n := 0, g.r.IntN(4); i < n; i++ {
			if i > 0 {
				g.b = append(g.b, ',')
			}
			g.payload(s.items, depth+1, wrong)
		}
		g.b = append(g.b, ']')
	case s.typ == "map" && s.keys.typ == "string":
		g.b = append(g.b, '{')
		for i, n := 0, g.r.IntN(4); i < n; i++ {
			if i > 0 {
				g.b = append(g.b, ',')
			}
			g.str()
			g.b = append(g.b, ':')
			g.payload(s.value, depth+1, wrong)
		}
		g.b = append(g.b, '}')
	case s.typ == "map":
		g.b = append(g.b, '[')
		for i, n := 0, g.r.IntN(4); i < n; i++ {
			if i > 0 {
				g.b = append(g.b, ',')
			}
			g.b = append(g.b, '[')
			g.payload(s.keys, depth+1, wrong)
			g.b = append(g.b, ',')
			g.payload(s.value, depth+1, wrong)
			g.b = append(g.b, ']')
		}
		g.b = append(g.b, ']')
	case s.typ == "struct":
		g.b = append(g.b, '{')
		n := 0
		for _, i := range g.r.Perm(len(s.fields)) {
			if g.r.IntN(6) == 0 {
				continue // absent
			}
			if n > 0 {
				g.b = append(g.b, ',')
			}
			n++
			g.b = strconv.AppendQuote(g.b, s.fields[i].field)
			g.b = append(g.b, ':')
			g.payload(s.fields[i], depth+1, wrong)
		}
		if g.r.IntN(5) == 0 {
			if n > 0 {
				g.b = append(g.b, ',')
			}
			g.b = append(g.b, `"extra":`...)
			g.value(depth + 1)
		}
		g.b = append(g.b, '}')
	}
	g.ws()
}

// mutate damages a document now and then.
func (g *jsonGen) mutate(b []byte) []byte {
	if len(b) == 0 || g.r.IntN(4) != 0 {
		return b
	}
	i := g.r.IntN(len(b))
	junk := g.pick("{", "}", "[", "]", `"`, ",", ":", `\`, "0", "-", ".", "e", " ", "\x00", "\xff", "n", "1")
	switch g.r.IntN(3) {
	case 0:
		return append(b[:i:i], b[i+1:]...)
	case 1:
		return append(append(b[:i:i], junk...), b[i:]...)
	default:
		out := append([]byte(nil), b...)
		out[i] = junk[0]
		return out
	}
}

// TestFastDecoderDifferential runs the fast and the reference decoder on
// many generated messages: schemaless documents, envelopes with random
// schemas and payloads (some wrongly typed) and damaged copies of both.
func TestFastDecoderDifferential(t *testing.T) {
	n := 40000
	if testing.Short() {
		n = 4000
	}
	g := &jsonGen{r: rand.New(rand.NewPCG(1, 2))}
	var fast, total int
	for i := 0; i < n; i++ {
		props := diffConfigs[i%len(diffConfigs)]
		c := configured(t, props)
		g.b = g.b[:0]
		if c.schemasEnabled {
			var schemaJSON string
			if g.r.IntN(5) == 0 {
				schemaJSON = "null"
				g.b = append(g.b, `{"schema":null,"payload":`...)
				g.value(0)
			} else {
				s := g.schema(0)
				schemaJSON = s.json()
				g.b = append(g.b, `{"schema":`...)
				g.b = append(g.b, schemaJSON...)
				g.b = append(g.b, `,"payload":`...)
				g.payload(s, 0, true)
			}
			g.b = append(g.b, '}')
			_ = schemaJSON
		} else {
			g.value(0)
		}
		doc := append([]byte(nil), g.b...)
		for k := 0; k < 3; k++ {
			in := doc
			if k > 0 {
				in = g.mutate(doc)
			}
			total++
			if diffCase(t, c, in) {
				fast++
			}
			// Twice: the first call may only fill the schema cache.
			if diffCase(t, c, in) {
				fast++
			}
		}
	}
	t.Logf("%d of %d decodes took the fast path", fast, 2*total)
	if fast < total/2 {
		t.Errorf("only %d of %d decodes took the fast path", fast, 2*total)
	}
}

// FuzzFastDecoderMatchesReference: whatever the input, ToConnectData gives
// the reference decoder's schema, value and error.
func FuzzFastDecoderMatchesReference(f *testing.F) {
	envelopeSeeds(f)
	for _, s := range trickyInputs {
		if len(s) < 200 {
			f.Add([]byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, props := range diffConfigs {
			c := configured(t, props)
			diffCase(t, c, in)
			diffCase(t, c, in)
		}
	})
}

// benchDocs are the benchmark messages: the e2e ES benchmark's ratings
// document schemaless, the same as a struct envelope, the §6.1 order
// envelope (logical types) and a nested schemaless document.
func benchDocs() []struct {
	name    string
	schemas bool
	doc     []byte
} {
	ratings := `{"rating_id":123456,"user_id":16,"stars":1,"route_id":3458,"rating_time":1481473,"channel":"iOS","message":"thank you for the most friendly, helpful experience today at your new lounge"}`
	s, _ := ratingsStruct()
	c := New()
	env := `{"schema":` + string(c.schemaJSON(s)) + `,"payload":` + ratings + `}`
	nested := `{"id":"a8f0","tags":["x","y","z"],"geo":{"lat":52.52,"lon":13.405},"items":[{"sku":"A-1","qty":2,"price":9.99},{"sku":"B-2","qty":1,"price":19.5}],"note":"caf\u00e9 \"quoted\"","ok":true,"n":null}`
	return []struct {
		name    string
		schemas bool
		doc     []byte
	}{
		{"ratings/schemaless", false, []byte(ratings)},
		{"ratings/envelope", true, []byte(env)},
		{"order/envelope", true, []byte(orderGolden)},
		{"nested/schemaless", false, []byte(nested)},
		{"nested/envelope-null-schema", true, []byte(`{"schema":null,"payload":` + nested + `}`)},
	}
}

// BenchmarkJSONToConnectData compares the reference decoder ("ref", the
// code ToConnectData ran before the fast path) with ToConnectData.
func BenchmarkJSONToConnectData(b *testing.B) {
	for _, d := range benchDocs() {
		props := map[string]string{"schemas.enable": strconv.FormatBool(d.schemas)}
		for _, impl := range []string{"ref", "fast"} {
			b.Run(d.name+"/"+impl, func(b *testing.B) {
				c := configured(b, props)
				if _, _, err := c.toConnectDataRef("t", d.doc); err != nil {
					b.Fatal(err)
				}
				if impl == "fast" && !diffCase(b, c, d.doc) {
					b.Fatal("fast path not taken")
				}
				b.SetBytes(int64(len(d.doc)))
				b.ReportAllocs()
				for b.Loop() {
					var err error
					if impl == "ref" {
						_, _, err = c.toConnectDataRef("t", d.doc)
					} else {
						_, _, err = c.ToConnectData("t", nil, d.doc)
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkJSONFromConnectDataSchemaless is the Elasticsearch sink's
// re-encoding: a schemaless map as read from the ratings document.
func BenchmarkJSONFromConnectDataSchemaless(b *testing.B) {
	c := configured(b, map[string]string{"schemas.enable": "false"})
	_, v, err := c.ToConnectData("t", nil, benchDocs()[0].doc)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.FromConnectData("t", nil, nil, v); err != nil {
			b.Fatal(err)
		}
	}
}

// TestFastDecoderCacheSequence feeds one converter a random sequence of
// envelopes over more schemas than its cache holds (so the cache is
// cleared again and again) and checks every answer against a reference
// converter fed the same sequence, including the schema objects' identity
// as the reference's cache hands them out.
func TestFastDecoderCacheSequence(t *testing.T) {
	g := &jsonGen{r: rand.New(rand.NewPCG(5, 6))}
	var docs [][]byte
	for range 6 {
		s := g.schema(0)
		for range 5 {
			g.b = append(g.b[:0], `{"schema":`...)
			g.b = append(g.b, s.json()...)
			g.b = append(g.b, `,"payload":`...)
			g.payload(s, 0, false)
			g.b = append(g.b, '}')
			docs = append(docs, append([]byte(nil), g.b...))
		}
	}
	docs = append(docs, []byte(`{"schema":null,"payload":{"a":1}}`), []byte(`{"schema":null,"payload":1}x`))
	for _, size := range []string{"1", "2", "3", "1000"} {
		props := map[string]string{"schemas.cache.size": size}
		fast, ref := configured(t, props), configured(t, props)
		seen := map[*data.Schema]*data.Schema{} // fast's schema object → ref's
		for range 5000 {
			in := docs[g.r.IntN(len(docs))]
			s, v, err := fast.ToConnectData("t", nil, in)
			rs, rv, rerr := ref.toConnectDataRef("t", in)
			if fmt.Sprint(err) != fmt.Sprint(rerr) && !refCanFail(ref, in, err) {
				t.Fatalf("%q: error %v, reference %v", in, err, rerr)
			}
			if (s == nil) != (rs == nil) || !sameSchema(&Converter{}, s, rs) || !sameValue(v, rv) {
				t.Fatalf("cache %s, %q: got %v %#v, reference %v %#v", size, in, s, v, rs, rv)
			}
			// The same object whenever the reference hands out the same one.
			if s != nil {
				if prev, ok := seen[s]; ok && prev != rs {
					t.Fatalf("cache %s, %q: fast kept schema %p where the reference re-parsed", size, in, s)
				}
				seen[s] = rs
			}
		}
	}
}
