package jsonconverter

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/goconnect/goconnect/connect/data"
)

func configured(t testing.TB, props map[string]string) *Converter {
	t.Helper()
	c := New()
	if err := c.Configure(props, false); err != nil {
		t.Fatal(err)
	}
	return c
}

func orderSchemaB() *data.Schema {
	return data.StructBuilder().Name("shop.orders.Value").
		Field("id", data.Int32Schema).
		Field("name", data.OptionalString).
		Field("created", data.TimestampBuilder().MustBuild()).
		Field("price", data.DecimalBuilder(2).Optional().MustBuild()).
		MustBuild()
}

// orderGolden is the §6.1 example, byte for byte.
const orderGolden = `{"schema":{"type":"struct","fields":[` +
	`{"type":"int32","optional":false,"field":"id"},` +
	`{"type":"string","optional":true,"field":"name"},` +
	`{"type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1,"field":"created"},` +
	`{"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"},"field":"price"}],` +
	`"optional":false,"name":"shop.orders.Value"},` +
	`"payload":{"id":7,"name":"widget","created":1700000000000,"price":"AfQ="}}`

func orderValueB(s *data.Schema) *data.Struct {
	return data.NewStruct(s).MustPut("id", int32(7)).MustPut("name", "widget").
		MustPut("created", time.UnixMilli(1700000000000).UTC()).
		MustPut("price", data.NewBigDecimal(500, 2))
}

func TestFromConnectDataGolden(t *testing.T) {
	order := orderSchemaB()
	withDefault := data.StructBuilder().
		Field("a", data.NewBuilder(data.TypeInt32).Default(int32(42)).MustBuild()).
		Field("b", data.NewBuilder(data.TypeString).Optional().Default("x").Doc("the b").MustBuild()).
		Field("c", data.OptionalFloat64).
		MustBuild()
	nested := data.StructBuilder().
		Field("arr", data.ArrayOf(data.Float32Schema).MustBuild()).
		Field("m", data.MapOf(data.StringSchema, data.OptionalInt64).MustBuild()).
		Field("im", data.MapOf(data.Int32Schema, data.BooleanSchema).Optional().MustBuild()).
		Field("inner", data.StructBuilder().Field("x", data.Int8Schema).Optional().MustBuild()).
		MustBuild()
	inner := nested.Fields[3].Schema
	date := data.DateBuilder().MustBuild()
	tm := data.TimeBuilder().MustBuild()
	dec := data.DecimalBuilder(2).MustBuild()
	off := map[string]string{"schemas.enable": "false"}

	tests := []struct {
		name  string
		props map[string]string
		s     *data.Schema
		v     any
		want  string
	}{
		{"spec 6.1 example", nil, order, orderValueB(order), orderGolden},
		{"tombstone", nil, nil, nil, "\x00nil"},
		{"tombstone schemas off", off, nil, nil, "\x00nil"},
		{"schemaless with schemas on", nil, nil, map[string]any{"b": int64(2), "a": "x"}, `{"schema":null,"payload":{"a":"x","b":2}}`},
		{"schemaless with schemas off", off, nil, []any{int32(1), 2.5, "s", true, nil}, `[1,2.5,"s",true,null]`},
		{"payload only", off, order, orderValueB(order), `{"id":7,"name":"widget","created":1700000000000,"price":"AfQ="}`},
		{"double java rendering", nil, data.Float64Schema, 1.0, `{"schema":{"type":"double","optional":false},"payload":1.0}`},
		{"double exponent", off, data.Float64Schema, 1e10, `1.0E10`},
		{"double small", off, data.Float64Schema, 0.0001, `1.0E-4`},
		{"float32", nil, data.Float32Schema, float32(0.1), `{"schema":{"type":"float","optional":false},"payload":0.1}`},
		{"NaN quoted", off, data.Float64Schema, math.NaN(), `"NaN"`},
		{"bytes base64", nil, data.BytesSchema, []byte{0xff, 0x00, 0x01}, `{"schema":{"type":"bytes","optional":false},"payload":"/wAB"}`},
		{"string escapes", off, data.StringSchema, "a\"b\\c\n\x01é</>", `"a\"b\\c\n\u0001é</>"`},
		{"defaults and optional nulls", nil, withDefault, data.NewStruct(withDefault),
			`{"schema":{"type":"struct","fields":[` +
				`{"type":"int32","optional":false,"default":42,"field":"a"},` +
				`{"type":"string","optional":true,"doc":"the b","default":"x","field":"b"},` +
				`{"type":"double","optional":true,"field":"c"}],"optional":false},` +
				`"payload":{"a":42,"b":"x","c":null}}`},
		{"null kept without replace", map[string]string{"replace.null.with.default": "false", "schemas.enable": "false"}, withDefault,
			data.NewStruct(withDefault).MustPut("a", int32(1)), `{"a":1,"b":null,"c":null}`},
		{"nested", nil, nested, data.NewStruct(nested).
			MustPut("arr", []any{float32(1), float32(1.5e10)}).
			MustPut("m", map[string]any{"z": int64(1), "a": nil}).
			MustPut("im", map[any]any{int32(2): false, int32(1): true}).
			MustPut("inner", data.NewStruct(inner).MustPut("x", int8(-3))),
			`{"schema":{"type":"struct","fields":[` +
				`{"type":"array","items":{"type":"float","optional":false},"optional":false,"field":"arr"},` +
				`{"type":"map","keys":{"type":"string","optional":false},"values":{"type":"int64","optional":true},"optional":false,"field":"m"},` +
				`{"type":"map","keys":{"type":"int32","optional":false},"values":{"type":"boolean","optional":false},"optional":true,"field":"im"},` +
				`{"type":"struct","fields":[{"type":"int8","optional":false,"field":"x"}],"optional":true,"field":"inner"}],"optional":false},` +
				`"payload":{"arr":[1.0,1.5E10],"m":{"a":null,"z":1},"im":[[1,true],[2,false]],"inner":{"x":-3}}}`},
		{"decimal numeric", map[string]string{"decimal.format": "numeric", "schemas.enable": "false"}, dec, data.NewBigDecimal(1230, 2), `12.30`},
		{"decimal negative base64", off, dec, data.NewBigDecimal(-1, 2), `"/w=="`},
		{"date", off, date, data.DateFromDays(19000), `19000`},
		{"time", nil, tm, data.TimeFromMillis(3723004),
			`{"schema":{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Time","version":1},"payload":3723004}`},
		{"decimal default in schema", nil, data.DecimalBuilder(1).Default(data.NewBigDecimal(-5, 1)).MustBuild(), nil,
			`{"schema":{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"1"},"default":"+w=="},"payload":"+w=="}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := configured(t, tc.props)
			got, err := c.FromConnectData("t", nil, tc.s, tc.v)
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == "\x00nil" {
				if got != nil {
					t.Fatalf("want nil bytes, got %q", got)
				}
				return
			}
			if string(got) != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
			// A second write hits the schema cache and must give the same bytes.
			again, err := c.FromConnectData("t", nil, tc.s, tc.v)
			if err != nil || string(again) != tc.want {
				t.Fatalf("second write: %s, %v", again, err)
			}
		})
	}
}

func TestFromConnectDataErrors(t *testing.T) {
	s := data.StructBuilder().Field("a", data.Int32Schema).MustBuild()
	tests := []struct {
		name string
		s    *data.Schema
		v    any
		want string
	}{
		{"required null field", s, data.NewStruct(s), "null value for field that is required"},
		{"wrong type", data.Int32Schema, "x", "invalid type for INT32"},
		{"decimal scale mismatch", data.DecimalBuilder(2).MustBuild(), data.NewBigDecimal(1, 3), "scale"},
		{"unknown schemaless type", nil, struct{}{}, "does not have a corresponding schema type"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New().FromConnectData("orders", nil, tc.s, tc.v)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "orders") {
				t.Fatalf("err = %v, want it to mention %q and the topic", err, tc.want)
			}
		})
	}
}

func TestRoundTrip(t *testing.T) {
	order := orderSchemaB()
	complexS := data.StructBuilder().Name("n").Version(3).Doc("d").Param("k", "v").
		Field("arr", data.ArrayOf(data.OptionalString).MustBuild()).
		Field("m", data.MapOf(data.StringSchema, data.Float64Schema).MustBuild()).
		Field("im", data.MapOf(data.Int64Schema, data.BytesSchema).MustBuild()).
		Field("d", data.DateBuilder().Optional().MustBuild()).
		Field("t", data.TimeBuilder().MustBuild()).
		Field("i8", data.Int8Schema).Field("i16", data.Int16Schema).
		Field("f", data.Float32Schema).Field("b", data.BooleanSchema).
		Field("def", data.NewBuilder(data.TypeInt64).Default(int64(9)).MustBuild()).
		MustBuild()
	cv := data.NewStruct(complexS).
		MustPut("arr", []any{"a", nil}).
		MustPut("m", map[string]any{"x": 1.5, "y": -2e-10}).
		MustPut("im", map[any]any{int64(1): []byte("one"), int64(-2): []byte{}}).
		MustPut("d", data.DateFromDays(-3)).
		MustPut("t", data.TimeFromMillis(1)).
		MustPut("i8", int8(-128)).MustPut("i16", int16(32767)).
		MustPut("f", float32(3.25)).MustPut("b", true).MustPut("def", int64(10))
	tests := []struct {
		name  string
		props map[string]string
		s     *data.Schema
		v     any
	}{
		{"order", nil, order, orderValueB(order)},
		{"order numeric", map[string]string{"decimal.format": "NUMERIC"}, order, orderValueB(order)},
		{"complex", nil, complexS, cv},
		{"int64 extremes", nil, data.Int64Schema, int64(math.MinInt64)},
		{"optional null", nil, data.OptionalString, nil},
		{"float64", nil, data.Float64Schema, 1.7976931348623157e308},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := configured(t, tc.props)
			b, err := c.FromConnectData("t", nil, tc.s, tc.v)
			if err != nil {
				t.Fatal(err)
			}
			s, v, err := c.ToConnectData("t", nil, b)
			if err != nil {
				t.Fatalf("read %s: %v", b, err)
			}
			if !data.Equal(s, tc.s) {
				t.Errorf("schema differs after round trip of %s", b)
			}
			if !data.ValuesEqual(v, tc.v) {
				t.Errorf("value differs after round trip of %s: got %#v want %#v", b, v, tc.v)
			}
		})
	}
}

func TestToConnectDataInference(t *testing.T) {
	c := configured(t, map[string]string{"schemas.enable": "false"})
	tests := []struct {
		in   string
		want any
	}{
		{`12`, int64(12)},
		{`-9223372036854775808`, int64(math.MinInt64)},
		{`1.5`, 1.5},
		{`1e3`, 1000.0},
		{`"s"`, "s"},
		{`true`, true},
		{`null`, nil},
		{`[1,"a",null]`, []any{int64(1), "a", nil}},
		{` {"a":{"b":[2.0]}} `, map[string]any{"a": map[string]any{"b": []any{2.0}}}},
		// An envelope is just an object when schemas are off.
		{`{"schema":null,"payload":1}`, map[string]any{"schema": nil, "payload": int64(1)}},
	}
	for _, tc := range tests {
		s, v, err := c.ToConnectData("t", nil, []byte(tc.in))
		if err != nil || s != nil || !data.ValuesEqual(v, tc.want) {
			t.Errorf("%s: got %v %#v %v, want nil %#v", tc.in, s, v, err, tc.want)
		}
	}
}

func TestToConnectDataEnvelope(t *testing.T) {
	c := New()
	tests := []struct {
		in     string
		wantS  *data.Schema
		wantV  any
		errSub string
	}{
		{in: `{"schema":null,"payload":{"a":1}}`, wantV: map[string]any{"a": int64(1)}},
		{in: `{"payload":5,"schema":{"type":"int8","optional":false}}`, wantS: data.Int8Schema, wantV: int8(5)},
		{in: `{"schema":{"type":"string","optional":true},"payload":null}`, wantS: data.OptionalString},
		{in: `{"schema":{"type":"int32","optional":false,"default":4},"payload":null}`,
			wantS: data.NewBuilder(data.TypeInt32).Default(int32(4)).MustBuild(), wantV: int32(4)},
		{in: `{"schema":{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}},"payload":12.3}`,
			wantS: data.DecimalBuilder(2).MustBuild(), wantV: data.NewBigDecimal(1230, 2)},
		{in: `{"schema":{"type":"int64","name":"org.apache.kafka.connect.data.Timestamp","version":1},"payload":-1}`,
			wantS: data.TimestampBuilder().MustBuild(), wantV: time.UnixMilli(-1).UTC()},
		{in: `{"schema":{"type":"int32"},"payload":1}`, wantS: data.Int32Schema, wantV: int32(1)},
		{in: `{"schema":{"type":"int32"}}`, errSub: `requires "schema" and "payload" fields`},
		{in: `{"schema":null,"payload":1,"extra":2}`, errSub: "may not contain additional fields"},
		{in: `[1]`, errSub: "If you are trying to deserialize plain JSON data, set schemas.enable=false"},
		{in: `7`, errSub: "schemas.enable=false"},
		{in: `{"schema":{"type":"int32"},"payload":"x"}`, errSub: "expected a number"},
		{in: `{"schema":{"type":"int8"},"payload":300}`, errSub: "out of range"},
		{in: `{"schema":{"type":"int32"},"payload":1.5}`, errSub: "expected an integer"},
		{in: `{"schema":{"type":"int32"},"payload":null}`, errSub: "invalid null value for required INT32"},
		{in: `{"schema":{"type":"bytes"},"payload":"!!"}`, errSub: "invalid base64"},
		{in: `{"schema":{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"}},"payload":"%%"}`, errSub: "invalid base64"},
		{in: `{"schema":{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"1"}},"payload":1.25}`, errSub: "rounding"},
		// Found while fuzzing: a huge scale made NUMERIC re-encoding build a
		// multi-gigabyte string.
		{in: `{"schema":{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2000000000"}},"payload":"AQ=="}`, errSub: "outside"},
		{in: `{"schema":{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal"},"payload":"AQ=="}`, errSub: "scale parameter not found"},
		{in: `{"schema":{"type":"struct","fields":[{"type":"int32","field":"a"}]},"payload":[1]}`, errSub: "structs should be encoded as JSON objects"},
		{in: `{"schema":{"type":"map","keys":{"type":"int32"},"values":{"type":"int32"}},"payload":{"1":1}}`, errSub: "JSON array of tuples"},
		{in: `{"schema":{"type":"nope"},"payload":1}`, errSub: "unknown schema type"},
		{in: `{"schema":{"type":"array"},"payload":[]}`, errSub: "items"},
		{in: `{"schema":"int32","payload":1}`, errSub: "schema must be a JSON object"},
		{in: `{"schema":null,"payload":1`, errSub: "serialization error"},
		{in: `{"schema":null,"payload":1} x`, errSub: "serialization error"},
		{in: `not json`, errSub: "serialization error"},
	}
	for _, tc := range tests {
		s, v, err := c.ToConnectData("orders", nil, []byte(tc.in))
		if tc.errSub != "" {
			if err == nil || !strings.Contains(err.Error(), tc.errSub) || !strings.Contains(err.Error(), "orders") {
				t.Errorf("%s: err = %v, want %q and the topic", tc.in, err, tc.errSub)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if !data.Equal(s, tc.wantS) || !data.ValuesEqual(v, tc.wantV) {
			t.Errorf("%s: got %v %#v, want %v %#v", tc.in, s, v, tc.wantS, tc.wantV)
		}
	}
}

func TestEnvelopeErrorMessageExact(t *testing.T) {
	_, _, err := New().ToConnectData("t", nil, []byte(`{"a":1}`))
	want := `JsonConverter with schemas.enable requires "schema" and "payload" fields and may not contain additional fields. If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter configuration.`
	if err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Fatalf("err = %v", err)
	}
}

func TestHeaderUseAndDesc(t *testing.T) {
	c := New()
	if err := c.ConfigureHeader(map[string]string{"converter.type": "header", "schemas.enable": "false"}); err != nil {
		t.Fatal(err)
	}
	b, err := c.FromConnectHeader("t", "h", data.Int32Schema, int32(3))
	if err != nil || string(b) != "3" {
		t.Fatalf("header write: %q %v", b, err)
	}
	s, v, err := c.ToConnectHeader("t", "h", b)
	if err != nil || s != nil || v != int64(3) {
		t.Fatalf("header read: %v %v %v", s, v, err)
	}
}

// A bounded schema cache must keep working once it is full.
func TestSchemaCacheBound(t *testing.T) {
	c := configured(t, map[string]string{"schemas.cache.size": "2"})
	for i := 0; i < 10; i++ {
		s := data.NewBuilder(data.TypeInt32).Version(int32(i)).MustBuild()
		b, err := c.FromConnectData("t", nil, s, int32(i))
		if err != nil {
			t.Fatal(err)
		}
		if len(c.encoded) > 2 {
			t.Fatalf("cache grew to %d", len(c.encoded))
		}
		if _, _, err := c.ToConnectData("t", nil, b); err != nil {
			t.Fatal(err)
		}
		if len(c.parsed) > 2 {
			t.Fatalf("parse cache grew to %d", len(c.parsed))
		}
	}
}
