package avro

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/linkedin/goavro/v2"

	"github.com/goconnect/goconnect/internal/avroschema"
)

// resolveCase writes datum with the writer schema (goavro), resolves the
// binary into the reader schema and reads it back with goavro's reader
// codec: goavro is the independent encoder and decoder on both sides.
type resolveCase struct {
	name           string
	writer, reader string
	datum          any
	want           any    // goavro's native form under the reader schema
	err            string // when resolution must fail
}

func TestResolveIntoReaderSchema(t *testing.T) {
	cases := []resolveCase{
		{name: "identical", writer: `"string"`, reader: `"string"`, datum: "x", want: "x"},
		{name: "int to long", writer: `"int"`, reader: `"long"`, datum: int32(-300), want: int64(-300)},
		{name: "int to float", writer: `"int"`, reader: `"float"`, datum: int32(7), want: float32(7)},
		{name: "int to double", writer: `"int"`, reader: `"double"`, datum: int32(-7), want: float64(-7)},
		{name: "long to float", writer: `"long"`, reader: `"float"`, datum: int64(1 << 40), want: float32(1 << 40)},
		{name: "long to double", writer: `"long"`, reader: `"double"`, datum: int64(1 << 40), want: float64(1 << 40)},
		{name: "float to double", writer: `"float"`, reader: `"double"`, datum: float32(1.5), want: float64(1.5)},
		{name: "string to bytes", writer: `"string"`, reader: `"bytes"`, datum: "hé", want: []byte("hé")},
		{name: "bytes to string", writer: `"bytes"`, reader: `"string"`, datum: []byte("ab"), want: "ab"},
		{name: "long to int refused", writer: `"long"`, reader: `"int"`, datum: int64(1), err: "the writer's long cannot be read as the reader's int"},
		{name: "double to float refused", writer: `"double"`, reader: `"float"`, datum: 1.0, err: "cannot be read as"},
		{
			name:   "fields added with defaults, removed, reordered, promoted",
			writer: `{"type":"record","name":"R","namespace":"w","fields":[{"name":"gone","type":{"type":"record","name":"G","fields":[{"name":"x","type":{"type":"array","items":"string"}}]}},{"name":"a","type":"int"},{"name":"keep","type":"string"},{"name":"m","type":{"type":"map","values":"float"}}]}`,
			reader: `{"type":"record","name":"R","namespace":"r","fields":[{"name":"keep","type":"string"},{"name":"a","type":"long"},` +
				`{"name":"s","type":"string","default":"d"},{"name":"i","type":"int","default":7},{"name":"b","type":"bytes","default":"\u00ff\u0001"},` +
				`{"name":"f","type":{"type":"fixed","name":"F","size":2},"default":"ab"},{"name":"n","type":["null","long"],"default":null},` +
				`{"name":"u","type":["string","null"],"default":"z"},{"name":"arr","type":{"type":"array","items":"int"},"default":[1,2]},` +
				`{"name":"mp","type":{"type":"map","values":"boolean"},"default":{"y":true,"x":false}},` +
				`{"name":"sub","type":{"type":"record","name":"Sub","fields":[{"name":"p","type":"double"},{"name":"q","type":"string","default":"dq"}]},"default":{"p":2.5}},` +
				`{"name":"e","type":{"type":"enum","name":"E","symbols":["X","Y"]},"default":"Y"},{"name":"m","type":{"type":"map","values":"double"}}]}`,
			datum: map[string]any{"gone": map[string]any{"x": []any{"p", "q"}}, "a": int32(5), "keep": "k", "m": map[string]any{"v": float32(0.5)}},
			want: map[string]any{"keep": "k", "a": int64(5), "s": "d", "i": int32(7), "b": []byte{0xff, 1}, "f": []byte("ab"), "n": nil,
				"u": map[string]any{"string": "z"}, "arr": []any{int32(1), int32(2)}, "mp": map[string]any{"y": true, "x": false},
				"sub": map[string]any{"p": 2.5, "q": "dq"}, "e": "Y", "m": map[string]any{"v": 0.5}},
		},
		{
			name:   "field renamed by a reader alias",
			writer: `{"type":"record","name":"R","fields":[{"name":"old","type":"string"}]}`,
			reader: `{"type":"record","name":"R","fields":[{"name":"new","aliases":["old"],"type":"string"}]}`,
			datum:  map[string]any{"old": "v"}, want: map[string]any{"new": "v"},
		},
		{
			name:   "record renamed by a reader alias",
			writer: `{"type":"record","name":"Old","namespace":"a","fields":[{"name":"f","type":"int"}]}`,
			reader: `{"type":"record","name":"New","aliases":["a.Old"],"fields":[{"name":"f","type":"int"}]}`,
			datum:  map[string]any{"f": int32(1)}, want: map[string]any{"f": int32(1)},
		},
		{
			// Java's Resolver does not compare record names.
			name:   "record name differs",
			writer: `{"type":"record","name":"A","fields":[{"name":"f","type":"int"}]}`, reader: `{"type":"record","name":"B","fields":[{"name":"f","type":"long"}]}`,
			datum: map[string]any{"f": int32(2)}, want: map[string]any{"f": int64(2)},
		},
		{
			name:   "enum full names differ",
			writer: `{"type":"enum","name":"E","namespace":"a","symbols":["X"]}`, reader: `{"type":"enum","name":"E","namespace":"b","symbols":["X"]}`,
			datum: "X", err: "the writer's enum a.E is not the reader's b.E",
		},
		{
			name:   "enum renamed by a reader alias",
			writer: `{"type":"enum","name":"E","namespace":"a","symbols":["X"]}`, reader: `{"type":"enum","name":"F","namespace":"b","aliases":["a.E"],"symbols":["X"]}`,
			datum: "X", want: "X",
		},
		{
			// No branch of the same full name: the readable record of the
			// same short name wins over the first readable one.
			name:   "record into a reader union by structure",
			writer: `{"type":"record","name":"R","namespace":"w","fields":[{"name":"x","type":"int"}]}`,
			reader: `["null",{"type":"record","name":"S","fields":[{"name":"x","type":"int"}]},{"type":"record","name":"R","namespace":"r","fields":[{"name":"x","type":"long"}]},{"type":"record","name":"T","fields":[{"name":"y","type":"int"}]}]`,
			datum:  map[string]any{"x": int32(4)}, want: map[string]any{"r.R": map[string]any{"x": int64(4)}},
		},
		{
			// Java's unionEquiv: equivalent unions map branch to branch.
			name:   "equivalent unions",
			writer: `["null",{"type":"record","name":"R","namespace":"a","fields":[{"name":"x","type":"int"}]}]`,
			reader: `["null",{"type":"record","name":"R","namespace":"b","fields":[{"name":"x","type":"int"}]}]`,
			datum:  map[string]any{"a.R": map[string]any{"x": int32(1)}}, want: map[string]any{"b.R": map[string]any{"x": int32(1)}},
		},
		{
			name:   "record into a reader union, no readable branch",
			writer: `{"type":"record","name":"R","fields":[{"name":"x","type":"string"}]}`,
			reader: `["null",{"type":"record","name":"R","namespace":"o","fields":[{"name":"x","type":"int"}]}]`,
			datum:  map[string]any{"x": "s"}, err: "has no branch for the writer's record R",
		},
		{
			name:   "reader field without default missing in the writer",
			writer: `{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}`,
			reader: `{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"string"}]}`,
			datum:  map[string]any{"a": int32(1)}, err: "field b: the writer's record R has no such field and the reader's field has no default",
		},
		{
			name:   "enum symbol kept",
			writer: `{"type":"enum","name":"E","symbols":["A","B","C"]}`, reader: `{"type":"enum","name":"E","symbols":["C","A"],"default":"A"}`,
			datum: "C", want: "C",
		},
		{
			name:   "enum symbol removed, reader default",
			writer: `{"type":"enum","name":"E","symbols":["A","B","C"]}`, reader: `{"type":"enum","name":"E","symbols":["C","A"],"default":"A"}`,
			datum: "B", want: "A",
		},
		{
			name:   "enum symbol removed, no default",
			writer: `{"type":"enum","name":"E","symbols":["A","B"]}`, reader: `{"type":"enum","name":"E","symbols":["A"]}`,
			datum: "B", err: "enum E: symbol B is not in the reader's symbols, which have no default",
		},
		{
			name:   "fixed size differs",
			writer: `{"type":"fixed","name":"F","size":2}`, reader: `{"type":"fixed","name":"F","size":3}`,
			datum: []byte("ab"), err: "fixed F has size 2 in the writer's schema and 3 in the reader's",
		},
		{name: "value into a reader union", writer: `"string"`, reader: `["null","int","string"]`, datum: "s", want: map[string]any{"string": "s"}},
		{name: "value promoted into a reader union", writer: `"int"`, reader: `["null","string","double","long"]`, datum: int32(3), want: map[string]any{"double": float64(3)}},
		{name: "writer union branch into a plain reader type", writer: `["null","string"]`, reader: `"string"`, datum: map[string]any{"string": "v"}, want: "v"},
		{name: "writer union null branch without a reader null", writer: `["null","string"]`, reader: `"string"`, datum: nil, err: "the writer's null cannot be read as the reader's string"},
		{name: "union branches reordered and promoted", writer: `["string","int","null"]`, reader: `["null","long","string"]`, datum: map[string]any{"int": int32(9)}, want: map[string]any{"long": int64(9)}},
		{name: "union branch gone", writer: `["null","string","boolean"]`, reader: `["null","string"]`, datum: map[string]any{"boolean": true}, err: "has no branch for the writer's boolean"},
		{
			name:   "named union branch by name",
			writer: `{"type":"record","name":"B","fields":[{"name":"x","type":"int"}]}`,
			reader: `["null",{"type":"record","name":"A","fields":[{"name":"x","type":"int"}]},{"type":"record","name":"B","fields":[{"name":"x","type":"long"}]}]`,
			datum:  map[string]any{"x": int32(4)}, want: map[string]any{"B": map[string]any{"x": int64(4)}},
		},
		{
			name:   "arrays and maps of records",
			writer: `{"type":"array","items":{"type":"map","values":{"type":"record","name":"P","fields":[{"name":"a","type":"int"},{"name":"z","type":"string"}]}}}`,
			reader: `{"type":"array","items":{"type":"map","values":{"type":"record","name":"P","fields":[{"name":"a","type":"long"},{"name":"d","type":"int","default":1}]}}}`,
			datum:  []any{map[string]any{"k": map[string]any{"a": int32(1), "z": "zz"}}, map[string]any{}},
			want:   []any{map[string]any{"k": map[string]any{"a": int64(1), "d": int32(1)}}, map[string]any{}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wc, err := goavro.NewCodec(tc.writer)
			if err != nil {
				t.Fatal(err)
			}
			bin, err := wc.BinaryFromNative(nil, tc.datum)
			if err != nil {
				t.Fatal(err)
			}
			w, err := avroschema.Parse(tc.writer)
			if err != nil {
				t.Fatal(err)
			}
			r, err := avroschema.Parse(tc.reader)
			if err != nil {
				t.Fatal(err)
			}
			in := &reader{b: bin}
			rv := new(resolver)
			out, err := rv.resolve(nil, in, w, r)
			// A second record through the same resolver (its plans and
			// defaults cached) comes out the same.
			again, err2 := rv.resolve(nil, &reader{b: bin}, w, r)
			if !bytes.Equal(out, again) || (err == nil) != (err2 == nil) {
				t.Fatalf("second pass %x, %v; first %x, %v", again, err2, out, err)
			}
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if in.pos != len(bin) {
				t.Fatalf("read %d of %d bytes", in.pos, len(bin))
			}
			rc, err := goavro.NewCodec(tc.reader)
			if err != nil {
				t.Fatal(err)
			}
			got, rest, err := rc.NativeFromBinary(out)
			if err != nil {
				t.Fatalf("reader codec on %x: %v", out, err)
			}
			if len(rest) != 0 {
				t.Fatalf("%d bytes left over", len(rest))
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %#v\nwant %#v", got, tc.want)
			}
		})
	}
}

// Arrays and maps written in blocks with byte sizes (negative counts) and
// in several blocks come out as plain counted blocks.
func TestResolveBlocksWithSizes(t *testing.T) {
	w, _ := avroschema.Parse(`{"type":"array","items":"int"}`)
	r, _ := avroschema.Parse(`{"type":"array","items":"long"}`)
	// block of -2 items (4 bytes), then a block of 1, then the end.
	bin := []byte{3, 4, 2, 4, 2, 6, 0}
	out, err := resolveInto(nil, &reader{b: bin}, w, r)
	if err != nil {
		t.Fatal(err)
	}
	rc, _ := goavro.NewCodec(`{"type":"array","items":"long"}`)
	got, _, err := rc.NativeFromBinary(out)
	if err != nil {
		t.Fatal(err)
	}
	if want := []any{int64(1), int64(2), int64(3)}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	// Truncated data is an error, not a panic.
	for n := range bin[:len(bin)-1] {
		if _, err := resolveInto(nil, &reader{b: bin[:n]}, w, r); err == nil {
			t.Fatalf("%d bytes: no error", n)
		}
	}
}
