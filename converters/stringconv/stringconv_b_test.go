package stringconv

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/data"
)

// The worker keeps a record in one block when both converters append.
var _ connect.AppendConverter = (*Converter)(nil)

func TestFromConnectData(t *testing.T) {
	st := data.StructBuilder().Field("a", data.Int32Schema).Field("b", data.OptionalString).MustBuild()
	tests := []struct {
		name string
		enc  string
		v    any
		want []byte
	}{
		{"null", "", nil, nil},
		{"string", "", "héllo", []byte("héllo")},
		{"int", "", int32(-5), []byte("-5")},
		{"long", "", int64(-50), []byte("-50")},
		{"long latin1", "ISO-8859-1", int64(7), []byte("7")},
		{"double java form", "", 1e10, []byte("1.0E10")},
		{"float", "", float32(1), []byte("1.0")},
		{"bool", "", true, []byte("true")},
		{"struct skips nulls", "", data.NewStruct(st).MustPut("a", int32(1)), []byte("Struct{a=1}")},
		{"list", "", []any{int64(1), "x"}, []byte("[1, x]")},
		{"latin1", "ISO-8859-1", "é", []byte{0xE9}},
		{"latin1 unmappable", "ISO-8859-1", "€", []byte("?")},
		{"ascii unmappable", "US-ASCII", "aé", []byte("a?")},
		{"utf8 alias", "utf8", "é", []byte("é")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := New()
			if err := c.Configure(map[string]string{"converter.encoding": tc.enc}, false); tc.enc != "" && err != nil {
				t.Fatal(err)
			}
			got, err := c.FromConnectData("t", nil, nil, tc.v)
			if err != nil {
				t.Fatal(err)
			}
			if (got == nil) != (tc.want == nil) || string(got) != string(tc.want) {
				t.Fatalf("got %q want %q", got, tc.want)
			}
			// Appended: the same bytes after dst, null for nil.
			out, null, err := c.AppendConnectData([]byte("k"), "t", nil, nil, tc.v)
			if err != nil || null != (tc.want == nil) || string(out) != "k"+string(tc.want) {
				t.Fatalf("appended %q (null %v, %v), want k + %q", out, null, err, tc.want)
			}
		})
	}
}

func TestToConnectData(t *testing.T) {
	tests := []struct {
		enc  string
		in   []byte
		want any
	}{
		{"", []byte("abc"), "abc"},
		{"", []byte{}, ""},
		{"", nil, nil},
		{"", []byte{0xff, 'a'}, "\uFFFDa"},
		{"ISO-8859-1", []byte{0xE9}, "é"},
		{"US-ASCII", []byte{'a', 0xE9}, "a\uFFFD"},
	}
	for _, tc := range tests {
		c := New()
		if tc.enc != "" {
			if err := c.Configure(map[string]string{"converter.encoding": tc.enc}, true); err != nil {
				t.Fatal(err)
			}
		}
		s, v, err := c.ToConnectData("t", nil, tc.in)
		// Connect returns the optional string schema even for null.
		if err != nil || s != data.OptionalString || v != tc.want {
			t.Errorf("%s %q: got %v %#v %v, want %#v", tc.enc, tc.in, s, v, err, tc.want)
		}
	}
}

func TestConfigureRejectsUnknownEncoding(t *testing.T) {
	err := New().Configure(map[string]string{"converter.encoding": "UTF-16"}, false)
	if err == nil || !strings.Contains(err.Error(), "converter.encoding") {
		t.Fatalf("err = %v", err)
	}
}

func TestHeaderAndDesc(t *testing.T) {
	c := New()
	if err := c.ConfigureHeader(map[string]string{"converter.type": "header"}); err != nil {
		t.Fatal(err)
	}
	b, err := c.FromConnectHeader("t", "k", data.Int64Schema, int64(42))
	if err != nil || string(b) != "42" {
		t.Fatalf("%q %v", b, err)
	}
	if _, v, err := c.ToConnectHeader("t", "k", b); err != nil || v != "42" {
		t.Fatalf("%v %v", v, err)
	}
	if d := Desc(); d.Class != "org.apache.kafka.connect.storage.StringConverter" {
		t.Fatal(d.Class)
	}
	if _, ok := Desc().New().(*Converter); !ok {
		t.Fatal("Desc().New returns the wrong type")
	}
}

func FuzzStringToConnectData(f *testing.F) {
	for _, s := range []string{"", "abc", "héllo", "\xff\xfe", "Struct{a=1}", "\x00"} {
		f.Add([]byte(s), "UTF-8")
		f.Add([]byte(s), "ISO-8859-1")
		f.Add([]byte(s), "US-ASCII")
	}
	f.Fuzz(func(t *testing.T, in []byte, enc string) {
		c := New()
		if err := c.Configure(map[string]string{"converter.encoding": enc}, false); err != nil {
			return
		}
		s, v, err := c.ToConnectData("t", nil, in)
		if err != nil {
			t.Fatal(err)
		}
		out, err := c.FromConnectData("t", nil, s, v)
		if err != nil {
			t.Fatalf("cannot re-encode %q: %v", v, err)
		}
		// Every byte sequence valid in the charset survives a round trip.
		switch c.encoding {
		case "UTF-8":
			if utf8.Valid(in) && string(out) != string(in) {
				t.Fatalf("UTF-8 round trip %q -> %q", in, out)
			}
		case "ISO-8859-1":
			if string(out) != string(in) {
				t.Fatalf("ISO-8859-1 round trip %q -> %q", in, out)
			}
		}
	})
}
