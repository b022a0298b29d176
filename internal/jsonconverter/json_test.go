package jsonconverter

import (
	"strings"
	"testing"
	"time"

	"github.com/goconnect/goconnect/connect/data"
)

// TestEnvelopeMatchesConnect checks the bytes of the envelope example in
// the runtime spec (§6.1), as Connect's JsonConverter writes them.
func TestEnvelopeMatchesConnect(t *testing.T) {
	s := data.StructBuilder().Name("shop.orders.Value").
		Field("id", data.Int32Schema).
		Field("name", data.OptionalString).
		Field("created", data.TimestampBuilder().MustBuild()).
		Field("price", data.DecimalBuilder(2).Optional().MustBuild()).
		MustBuild()
	v := data.NewStruct(s).
		MustPut("id", int32(7)).
		MustPut("name", "widget").
		MustPut("created", time.UnixMilli(1700000000000).UTC()).
		MustPut("price", data.NewBigDecimal(500, 2))
	got, err := configured(t, nil).FromConnectData("t", nil, s, v)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"schema":{"type":"struct","fields":[` +
		`{"type":"int32","optional":false,"field":"id"},` +
		`{"type":"string","optional":true,"field":"name"},` +
		`{"type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1,"field":"created"},` +
		`{"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"},"field":"price"}],` +
		`"optional":false,"name":"shop.orders.Value"},` +
		`"payload":{"id":7,"name":"widget","created":1700000000000,"price":"AfQ="}}`
	if string(got) != want {
		t.Fatalf("envelope mismatch\n got %s\nwant %s", got, want)
	}
	// And back.
	rs, rv, err := configured(t, nil).ToConnectData("t", nil, got)
	if err != nil {
		t.Fatal(err)
	}
	if !data.Equal(rs, s) || !data.ValuesEqual(rv, v) {
		t.Fatalf("round trip changed the record: %v %v", rs, rv)
	}
}

func TestPayloadForms(t *testing.T) {
	noSchemas := map[string]string{"schemas.enable": "false"}
	cases := []struct {
		name  string
		props map[string]string
		s     *data.Schema
		v     any
		want  string
	}{
		{"java doubles", noSchemas, data.Float64Schema, 1e10, `1.0E10`},
		{"java double integral", noSchemas, data.Float64Schema, 3.0, `3.0`},
		{"java float", noSchemas, data.Float32Schema, float32(0.1), `0.1`},
		{"bytes base64", noSchemas, data.BytesSchema, []byte{1, 2, 3}, `"AQID"`},
		{"string escapes like Jackson", noSchemas, data.StringSchema, "a\"b\\c\n\x01/é<", `"a\"b\\c\n\u0001/é<"`},
		{"numeric decimal", map[string]string{"schemas.enable": "false", "decimal.format": "numeric"}, data.DecimalBuilder(2).MustBuild(), data.NewBigDecimal(1230, 2), `12.30`},
		{"date", noSchemas, data.DateBuilder().MustBuild(), data.DateFromDays(19000), `19000`},
		{"time", noSchemas, data.TimeBuilder().MustBuild(), data.TimeFromMillis(1234), `1234`},
		{"string-keyed map", noSchemas, data.MapOf(data.StringSchema, data.Int32Schema).MustBuild(), map[string]any{"b": int32(2), "a": int32(1)}, `{"a":1,"b":2}`},
		{"int-keyed map as pairs", noSchemas, data.MapOf(data.Int32Schema, data.StringSchema).MustBuild(), map[any]any{int32(2): "x"}, `[[2,"x"]]`},
		{"array", noSchemas, data.ArrayOf(data.OptionalInt64).MustBuild(), []any{int64(1), nil}, `[1,null]`},
		{"optional null", noSchemas, data.OptionalString, nil, `null`},
		{"default replaces null", noSchemas, data.NewBuilder(data.TypeInt32).Optional().Default(int32(5)).MustBuild(), nil, `5`},
		{"schemaless with schemas enabled", nil, nil, map[string]any{"k": int64(1)}, `{"schema":null,"payload":{"k":1}}`},
		{"schemaless plain", noSchemas, nil, []any{"a", true, 1.5}, `["a",true,1.5]`},
		{"schema with default", nil, data.NewBuilder(data.TypeString).Default("x").Doc("d").MustBuild(), "v", `{"schema":{"type":"string","optional":false,"doc":"d","default":"x"},"payload":"v"}`},
		{"map schema", nil, data.MapOf(data.StringSchema, data.ArrayOf(data.Int8Schema).MustBuild()).Optional().MustBuild(), map[string]any{}, `{"schema":{"type":"map","keys":{"type":"string","optional":false},"values":{"type":"array","items":{"type":"int8","optional":false},"optional":false},"optional":true},"payload":{}}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := configured(t, c.props).FromConnectData("t", nil, c.s, c.v)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Fatalf("got %s, want %s", got, c.want)
			}
		})
	}
}

func TestTombstoneAndRequiredNull(t *testing.T) {
	c := configured(t, nil)
	if b, err := c.FromConnectData("t", nil, nil, nil); err != nil || b != nil {
		t.Fatalf("tombstone = %q %v", b, err)
	}
	if _, err := c.FromConnectData("t", nil, data.Int32Schema, nil); err == nil {
		t.Fatal("null for a required field without default accepted")
	}
	s, v, err := c.ToConnectData("t", nil, nil)
	if err != nil || s != nil || v != nil {
		t.Fatalf("nil bytes read as %v %v %v", s, v, err)
	}
}

func TestReadErrors(t *testing.T) {
	c := configured(t, nil)
	for _, in := range []string{
		`{"payload":1}`,
		`{"schema":null,"payload":1,"extra":2}`,
		`[1,2]`,
		`{"schema":{"type":"int32","optional":false},"payload":"seven"}`,
		`{"schema":{"type":"int8","optional":false},"payload":300}`,
		`{"schema":{"type":"bytes","optional":false},"payload":"%%%"}`,
		`{"schema":{"type":"nope"},"payload":1}`,
		`{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"a"}],"optional":false},"payload":{}}`,
		`{"schema":`,
	} {
		if _, _, err := c.ToConnectData("t", nil, []byte(in)); err == nil {
			t.Errorf("%s decoded without error", in)
		}
	}
	_, _, err := c.ToConnectData("t", nil, []byte(`{"a":1}`))
	if err == nil || !strings.Contains(err.Error(), "schemas.enable=false") {
		t.Fatalf("plain JSON with schemas enabled: %v", err)
	}
}

func TestSchemalessRead(t *testing.T) {
	c := configured(t, map[string]string{"schemas.enable": "false"})
	s, v, err := c.ToConnectData("t", nil, []byte(`{"i":9007199254740993,"f":1.5,"a":[true,null],"o":{"s":"x"}}`))
	if err != nil || s != nil {
		t.Fatal(s, err)
	}
	m := v.(map[string]any)
	if m["i"] != int64(9007199254740993) || m["f"] != 1.5 || m["a"].([]any)[0] != true || m["o"].(map[string]any)["s"] != "x" {
		t.Fatalf("inferred %v", m)
	}
}

func TestDecimalReadAcceptsBothFormats(t *testing.T) {
	c := configured(t, nil)
	for _, payload := range []string{`"AfQ="`, `5.00`, `5`} {
		in := `{"schema":{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}},"payload":` + payload + `}`
		_, v, err := c.ToConnectData("t", nil, []byte(in))
		if err != nil {
			t.Fatal(payload, err)
		}
		if d := v.(*data.BigDecimal); d.String() != "5.00" {
			t.Errorf("%s read as %s", payload, d)
		}
	}
}

func TestBadConfigNamesTheKey(t *testing.T) {
	for key, val := range map[string]string{"schemas.enable": "maybe", "decimal.format": "HEX", "schemas.cache.size": "x"} {
		err := New().Configure(map[string]string{key: val}, false)
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s=%s: %v", key, val, err)
		}
	}
}

func FuzzToConnectData(f *testing.F) {
	seeds := []string{
		`{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},{"type":"map","keys":{"type":"int64","optional":false},"values":{"type":"string","optional":true},"optional":true,"field":"m"}],"optional":false,"name":"x"},"payload":{"id":1,"m":[[1,"a"]]}}`,
		`{"schema":{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}},"payload":"AfQ="}`,
		`{"schema":{"type":"int32","optional":true,"default":3},"payload":null}`,
		`{"schema":null,"payload":[1,2.5,"x",{"a":null}]}`,
		`{"a":1}`, `[]`, `null`, `"x"`, `{"schema":{"type":"array","items":{"type":"double","optional":false},"optional":false},"payload":[1.0E10]}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s), true)
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, b []byte, schemas bool) {
		props := map[string]string{"schemas.enable": "false"}
		if schemas {
			props = nil
		}
		c := configured(t, props)
		s, v, err := c.ToConnectData("t", nil, b)
		if err != nil {
			return
		}
		if _, err := c.FromConnectData("t", nil, s, v); err != nil {
			t.Fatalf("decoded %q but cannot encode it again: %v", b, err)
		}
	})
}

func ratingsStruct() (*data.Schema, *data.Struct) {
	s := data.StructBuilder().Name("ksql.ratings").
		Field("rating_id", data.Int64Schema).Field("user_id", data.Int32Schema).Field("stars", data.Int32Schema).
		Field("route_id", data.Int32Schema).Field("rating_time", data.Int64Schema).Field("channel", data.StringSchema).
		Field("message", data.StringSchema).MustBuild()
	v := data.NewStruct(s).MustPut("rating_id", int64(1)).MustPut("user_id", int32(7)).MustPut("stars", int32(3)).
		MustPut("route_id", int32(4262)).MustPut("rating_time", int64(1)).MustPut("channel", "android").MustPut("message", "meh")
	return s, v
}

func TestRatingsSchemaless(t *testing.T) {
	s, v := ratingsStruct()
	got, err := configured(t, map[string]string{"schemas.enable": "false"}).FromConnectData("ratings", nil, s, v)
	want := `{"rating_id":1,"user_id":7,"stars":3,"route_id":4262,"rating_time":1,"channel":"android","message":"meh"}`
	if err != nil || string(got) != want {
		t.Fatalf("got %s %v, want %s", got, err, want)
	}
}

func BenchmarkJSONFromConnectDataStruct(b *testing.B) {
	s, v := ratingsStruct()
	for _, enabled := range []string{"true", "false"} {
		b.Run("schemas.enable="+enabled, func(b *testing.B) {
			c := configured(b, map[string]string{"schemas.enable": enabled})
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.FromConnectData("ratings", nil, s, v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestSchemaParameterOrder: Connect keeps schema parameters in insertion
// order (SchemaBuilder's LinkedHashMap) and JsonConverter writes them so: a
// Debezium decimal has "scale" (Decimal.builder) before
// "connect.decimal.precision". Reading keeps the document's order, so a
// schema read and written again has the same text.
func TestSchemaParameterOrder(t *testing.T) {
	s := data.DecimalBuilder(2).Param("connect.decimal.precision", "5").MustBuild()
	got, err := configured(t, nil).FromConnectData("t", nil, s, data.NewBigDecimal(500, 2))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"schema":{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,` +
		`"parameters":{"scale":"2","connect.decimal.precision":"5"}},"payload":"AfQ="}`
	if string(got) != want {
		t.Fatalf("decimal schema\n got %s\nwant %s", got, want)
	}
	for _, in := range []string{
		want,
		`{"schema":{"type":"struct","fields":[{"type":"string","optional":true,"parameters":{"z":"1","a":"2","m":"3"},"field":"f"}],"optional":false,` +
			`"parameters":{"b":"x","a":"y"}},"payload":{"f":"v"}}`,
	} {
		c := configured(t, nil)
		rs, rv, err := c.ToConnectData("t", nil, []byte(in))
		if err != nil {
			t.Fatal(err)
		}
		out, err := c.FromConnectData("t", nil, rs, rv)
		if err != nil || string(out) != in {
			t.Errorf("read and written again\n got %s (%v)\nwant %s", out, err, in)
		}
	}
}
