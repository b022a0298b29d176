package bytearray

import (
	"strings"
	"testing"

	"github.com/goconnect/goconnect/connect/data"
)

func TestFromConnectData(t *testing.T) {
	tests := []struct {
		name   string
		s      *data.Schema
		v      any
		want   []byte
		errSub string
	}{
		{name: "bytes", s: data.BytesSchema, v: []byte{1, 2}, want: []byte{1, 2}},
		{name: "no schema", v: []byte("x"), want: []byte("x")},
		{name: "null", s: data.OptionalBytes},
		{name: "string value", v: "x", errSub: "ByteArrayConverter is not compatible with objects of type string"},
		{name: "wrong schema", s: data.StringSchema, v: []byte("x"), errSub: "Invalid schema type for ByteArrayConverter: STRING"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := New().FromConnectData("t", nil, tc.s, tc.v)
			if tc.errSub != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errSub) {
					t.Fatalf("err = %v, want %q", err, tc.errSub)
				}
				return
			}
			if err != nil || string(got) != string(tc.want) || (got == nil) != (tc.want == nil) {
				t.Fatalf("got %q %v, want %q", got, err, tc.want)
			}
		})
	}
}

func TestToConnectData(t *testing.T) {
	c := New()
	for _, in := range [][]byte{nil, {}, {0, 0xff}} {
		s, v, err := c.ToConnectData("t", nil, in)
		if err != nil || s != data.OptionalBytes {
			t.Fatalf("%q: %v %v", in, s, err)
		}
		if in == nil {
			if v != nil {
				t.Fatalf("nil read as %#v", v)
			}
			continue
		}
		if b, ok := v.([]byte); !ok || string(b) != string(in) {
			t.Fatalf("%q read as %#v", in, v)
		}
	}
	if _, v, err := c.ToConnectHeader("t", "k", []byte("h")); err != nil || string(v.([]byte)) != "h" {
		t.Fatalf("header: %v %v", v, err)
	}
	if d := Desc(); d.Class != "org.apache.kafka.connect.converters.ByteArrayConverter" {
		t.Fatal(d.Class)
	}
}
