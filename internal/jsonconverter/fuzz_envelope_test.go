package jsonconverter

import (
	"testing"

	"github.com/goconnect/goconnect/connect/data"
)

func envelopeSeeds(f *testing.F) {
	f.Add([]byte(orderGolden))
	f.Add([]byte(`{"schema":null,"payload":{"a":[1,2.5,"x",null,true]}}`))
	f.Add([]byte(`{"schema":{"type":"map","keys":{"type":"int32"},"values":{"type":"bytes","optional":true}},"payload":[[1,"AA=="],[2,null]]}`))
	f.Add([]byte(`{"schema":{"type":"array","items":{"type":"double"},"default":[1.0]},"payload":null}`))
	f.Add([]byte(`{"schema":{"type":"int32","name":"org.apache.kafka.connect.data.Date","version":1},"payload":19000}`))
	f.Add([]byte(`{"schema":{"type":"int32","name":"org.apache.kafka.connect.data.Time","version":1},"payload":1000}`))
	f.Add([]byte(`{"schema":{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"}},"payload":1.5}`))
	f.Add([]byte(`{"schema":{"type":"float"},"payload":"NaN"}`))
	f.Add([]byte(`{"schema":{"type":"struct","fields":[{"type":"string","field":"s","default":"d","optional":true}]},"payload":{"s":null}}`))
	f.Add([]byte(`[1,{"a":-0.0},"\u00e9"]`))
	f.Add([]byte(`12345678901234567890`))
	f.Add([]byte(``))
	f.Add([]byte(`{`))
}

// FuzzToConnectDataSchemas checks that no envelope panics the reader and
// that whatever it accepts can be written back.
func FuzzToConnectDataSchemas(f *testing.F) {
	envelopeSeeds(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, props := range []map[string]string{nil, {"decimal.format": "NUMERIC", "replace.null.with.default": "false"}} {
			c := configured(t, props)
			s, v, err := c.ToConnectData("t", nil, in)
			if err != nil {
				continue
			}
			if _, err := c.FromConnectData("t", nil, s, v); err != nil {
				t.Fatalf("decoded %q to %v %#v but cannot re-encode: %v", in, s, v, err)
			}
		}
	})
}

// FuzzToConnectDataSchemaless does the same with schemas.enable=false.
func FuzzToConnectDataSchemaless(f *testing.F) {
	envelopeSeeds(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		c := configured(t, map[string]string{"schemas.enable": "false"})
		s, v, err := c.ToConnectData("t", nil, in)
		if err != nil {
			return
		}
		if s != nil {
			t.Fatalf("schemaless read returned schema %v", s)
		}
		out, err := c.FromConnectData("t", nil, s, v)
		if err != nil {
			t.Fatalf("decoded %q to %#v but cannot re-encode: %v", in, v, err)
		}
		// What we wrote must read back to the same value.
		_, v2, err := c.ToConnectData("t", nil, out)
		if err != nil || !data.ValuesEqual(v, v2) && !hasNaN(v) {
			t.Fatalf("re-read of %s gave %#v, %v; want %#v", out, v2, err, v)
		}
	})
}

func hasNaN(v any) bool {
	switch x := v.(type) {
	case float64:
		return x != x
	case []any:
		for _, e := range x {
			if hasNaN(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range x {
			if hasNaN(e) {
				return true
			}
		}
	}
	return false
}
