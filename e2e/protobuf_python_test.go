//go:build e2e

package e2e

import (
	"context"
	"encoding/base64"
	binenc "encoding/binary"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/bufbuild/protocompile"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/converters/protobuf"
	"github.com/goconnect/goconnect/internal/protoknown"
)

// TestProtobufDifferentialPython checks ProtobufConverter against
// Confluent's Python client (confluent-kafka 2.16.1 ProtobufSerializer and
// ProtobufDeserializer on Google's protobuf 7.36.2), through Apicurio and
// goconnect's registry: the client decodes goconnect's records of every
// Connect type and logical type (message class built from the schema
// goconnect registered) to the proto3 JSON written here by hand, and
// goconnect decodes the records the client writes, for that schema and
// for a hand-written one (enum, oneof, protoc map, nested message, proto3
// optional, wrapper, second message of the file).
func TestProtobufDifferentialPython(t *testing.T) {
	py := pythonClients(t)
	eachRegistry(t, func(t *testing.T, url string) { protobufDifferential(t, py, url) })
}

// protobufCorpus has every Connect type and logical type.
func protobufCorpus() (*data.Schema, *data.Struct, string) {
	inner := data.StructBuilder().Name("inner").
		Field("a", data.NewBuilder(data.TypeString).Optional().MustBuild()).
		Field("n", data.NewBuilder(data.TypeInt32).MustBuild()).MustBuild()
	point := data.StructBuilder().Field("x", data.NewBuilder(data.TypeFloat64).MustBuild()).MustBuild()
	b := data.StructBuilder().Name("e2e.pb.Everything").
		Field("i8", data.NewBuilder(data.TypeInt8).MustBuild()).
		Field("i16", data.NewBuilder(data.TypeInt16).MustBuild()).
		Field("i32", data.NewBuilder(data.TypeInt32).MustBuild()).
		Field("i64", data.NewBuilder(data.TypeInt64).MustBuild()).
		Field("f32", data.NewBuilder(data.TypeFloat32).MustBuild()).
		Field("f64", data.NewBuilder(data.TypeFloat64).MustBuild()).
		Field("flag", data.NewBuilder(data.TypeBoolean).MustBuild()).
		Field("text", data.NewBuilder(data.TypeString).MustBuild()).
		Field("raw", data.NewBuilder(data.TypeBytes).MustBuild()).
		Field("maybe", data.NewBuilder(data.TypeString).Optional().MustBuild()).
		Field("maybe_int", data.NewBuilder(data.TypeInt64).Optional().MustBuild()).
		Field("list", data.ArrayOf(data.NewBuilder(data.TypeInt64).MustBuild()).MustBuild()).
		Field("points", data.ArrayOf(point).MustBuild()).
		Field("tags", data.MapOf(data.NewBuilder(data.TypeString).MustBuild(), data.NewBuilder(data.TypeInt32).MustBuild()).MustBuild()).
		Field("inner", inner).
		Field("amount", data.DecimalBuilder(2).Param("connect.decimal.precision", "10").MustBuild()).
		Field("day", data.DateBuilder().MustBuild()).
		Field("at", data.TimeBuilder().MustBuild()).
		Field("ts", data.TimestampBuilder().Optional().MustBuild())
	s := b.MustBuild()
	v := data.NewStruct(s).MustPut("i32", int32(-32)).MustPut("i64", int64(1)<<40).MustPut("f32", float32(1.5)).
		MustPut("f64", -2.25).MustPut("flag", true).MustPut("text", "héllo").MustPut("raw", []byte{0, 1, 0xff}).
		MustPut("maybe", "here").MustPut("list", []any{int64(1), int64(-2)}).
		MustPut("points", []any{data.NewStruct(point).MustPut("x", 0.5), data.NewStruct(point).MustPut("x", -1.0)}).
		MustPut("tags", map[string]any{"a": int32(1), "b": int32(2)}).
		MustPut("inner", data.NewStruct(inner).MustPut("a", "in").MustPut("n", int32(7))).
		MustPut("ts", time.UnixMilli(1733300000123).UTC())
	// proto3 JSON, .proto field names; zero and null fields are absent;
	// 64-bit integers are strings, bytes base64; maps are the repeated
	// entry messages ProtobufData declares.
	want := `"i32":-32,"i64":"1099511627776","f32":1.5,"f64":-2.25,"flag":true,"text":"héllo","raw":"AAH/","maybe":"here",` +
		`"list":["1","-2"],"points":[{"x":0.5},{"x":-1}],"tags":[{"key":"a","value":1},{"key":"b","value":2}],` +
		`"inner":{"a":"in","n":7},"ts":"2024-12-04T08:13:20.123Z"`
	v.MustPut("i8", int8(-8)).MustPut("i16", int16(1600)).MustPut("amount", data.NewBigDecimal(-12345, 2)).
		MustPut("day", time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)).
		MustPut("at", time.UnixMilli(13*3600000+5*60000+7*1000+250).UTC())
	want += `,"i8":-8,"i16":1600,"amount":{"value":"z8c=","precision":5,"scale":2},"day":{"year":2024,"month":2,"day":29},` +
		`"at":{"hours":13,"minutes":5,"seconds":7,"nanos":250000000}`
	return s, v, "{" + want + "}"
}

// The hand-written schema a Protobuf producer registers; Order is its
// second message (message index [1]).
const pyOrderProto = `syntax = "proto3";
package e2e.acme;

import "google/protobuf/wrappers.proto";

message Unused {
  string x = 1;
}
message Order {
  enum Status {
    NEW = 0;
    SHIPPED = 1;
  }
  message Line {
    string sku = 1;
    sint32 qty = 2;
  }
  int64 id = 1;
  Status status = 2;
  repeated Line lines = 3;
  map<string, int64> counts = 4;
  oneof payment {
    string card = 5;
    uint32 voucher = 6;
  }
  optional string note = 7;
  google.protobuf.StringValue comment = 8;
  fixed64 big = 9;
}
`

// pbPyCase is one record for the Python client. Its message class (the
// generated class a Python application would pass) is built from the
// registered text's descriptor. UseRegistry gives its deserializer the
// registry client, as an application does: it then fetches the writer
// schema as a serialized descriptor (?format=serialized) and finds the
// message by the record's indexes in it. goconnect's registry serves that
// form; Apicurio 3 answers the text instead, which the client cannot
// parse ("Wire format was corrupt"), so against Apicurio it stays false.
type pbPyCase struct {
	Name        string `json:"name"`
	Topic       string `json:"topic"`
	FDS         string `json:"fds"`
	Message     string `json:"message"`
	Bytes       string `json:"bytes,omitempty"`
	JSON        any    `json:"json,omitempty"`
	UseRegistry bool   `json:"use_registry,omitempty"`
}

// descriptorSet compiles a schema text with the known imports and gives
// the base64 FileDescriptorSet, imports first.
func descriptorSet(t *testing.T, text string) string {
	t.Helper()
	const root = "goconnect/registered.proto"
	comp := protocompile.Compiler{Resolver: protoknown.Resolver(map[string]string{root: protoknown.WithMetaImport(text)})}
	fds, err := comp.Compile(context.Background(), root)
	if err != nil {
		t.Fatalf("compiling the registered schema: %v\n%s", err, text)
	}
	set := &descriptorpb.FileDescriptorSet{}
	seen := map[string]bool{}
	var add func(fd protoreflect.FileDescriptor)
	add = func(fd protoreflect.FileDescriptor) {
		if seen[fd.Path()] {
			return
		}
		seen[fd.Path()] = true
		for i := 0; i < fd.Imports().Len(); i++ {
			add(fd.Imports().Get(i).FileDescriptor)
		}
		set.File = append(set.File, protodesc.ToFileDescriptorProto(fd))
	}
	add(fds[0])
	raw, err := proto.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(raw)
}

// pbPlain renders a Connect value without its schema.
func pbPlain(v any) string {
	switch x := v.(type) {
	case *data.Struct:
		var parts []string
		for i, f := range x.Schema().Fields {
			parts = append(parts, f.Name+"="+pbPlain(x.GetIndex(i)))
		}
		sort.Strings(parts)
		return "{" + strings.Join(parts, " ") + "}"
	case []any:
		var parts []string
		for _, e := range x {
			parts = append(parts, pbPlain(e))
		}
		return "[" + strings.Join(parts, " ") + "]"
	case map[string]any:
		var parts []string
		for k, e := range x {
			parts = append(parts, k+":"+pbPlain(e))
		}
		sort.Strings(parts)
		return "map[" + strings.Join(parts, " ") + "]"
	case *data.BigDecimal:
		return x.String()
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T(%v)", v, v)
}

func protobufDifferential(t *testing.T, py, url string) {
	converter := func(extra ...string) *protobuf.Converter {
		props := map[string]string{"schema.registry.url": url}
		for i := 0; i+1 < len(extra); i += 2 {
			props[extra[i]] = extra[i+1]
		}
		c := protobuf.New()
		if err := c.Configure(props, false); err != nil {
			t.Fatal(err)
		}
		return c
	}
	all, value, want := protobufCorpus()
	optS := data.StructBuilder().Name("e2e.pb.Opt").
		Field("maybe", data.NewBuilder(data.TypeString).Optional().MustBuild()).
		Field("zero", data.NewBuilder(data.TypeInt64).Optional().MustBuild()).
		Field("w", data.NewBuilder(data.TypeInt32).Optional().MustBuild()).MustBuild()
	optV := data.NewStruct(optS).MustPut("zero", int64(0)).MustPut("w", int32(0))
	writes := []struct {
		name  string
		conv  *protobuf.Converter
		s     *data.Schema
		v     *data.Struct
		wants string
	}{
		{"all-types", converter(), all, value, want},
		// proto3 optional and wrappers keep a null apart from a zero.
		{"optional-for-nullables", converter("optional.for.nullables", "true"), optS, optV, `{"zero":"0","w":0}`},
		{"wrapper-for-nullables", converter("wrapper.for.nullables", "true"), optS, optV, `{"zero":"0","w":0}`},
	}
	var cases []pbPyCase
	for _, w := range writes {
		topic := uniqueName(t, w.name)
		b, err := w.conv.FromConnectData(topic, nil, w.s, w.v)
		if err != nil {
			t.Fatalf("%s: %v", w.name, err)
		}
		text := registrySchema(t, url, binenc.BigEndian.Uint32(b[1:5]))
		cases = append(cases, pbPyCase{Name: w.name, Topic: topic, FDS: descriptorSet(t, text), Message: w.s.Name,
			Bytes: base64.StdEncoding.EncodeToString(b), UseRegistry: url != schemaRegistryURL})
	}
	// The Python client writes the corpus under the schema goconnect
	// registered, and a record of a schema it did not write.
	cases = append(cases, pbPyCase{Name: "py-all-types", Topic: uniqueName(t, "py-all"), FDS: cases[0].FDS, Message: all.Name, JSON: exactJSON(t, want)})
	orderJSON := `{"id":"7","status":"SHIPPED","lines":[{"sku":"A-1","qty":-3}],"counts":{"x":"5"},"voucher":4000000000,` +
		`"comment":"fragile","big":"9223372036854775808"}`
	cases = append(cases, pbPyCase{Name: "py-order", Topic: uniqueName(t, "py-order"), FDS: descriptorSet(t, pyOrderProto), Message: "e2e.acme.Order", JSON: exactJSON(t, orderJSON)})

	results := runPyRoundtrip(t, py, "protobuf_roundtrip.py", url, cases)
	for i, w := range writes {
		if got := results[i].Decoded; !sameJSON(got, exactJSON(t, w.wants)) {
			t.Errorf("%s: the Python client decodes goconnect's record to\n%s\nwant\n%s", w.name, jsonText(got), w.wants)
		}
	}
	// goconnect reads the Python client's records with a fresh converter.
	reader := converter()
	pyAll := mustB64(t, results[len(writes)].Bytes)
	_, v, err := reader.ToConnectData(cases[len(writes)].Topic, nil, pyAll)
	if err != nil {
		t.Fatalf("goconnect cannot decode the Python client's record: %v (%x)", err, pyAll)
	}
	// The null maybe_int reads back as 0 (proto3 without presence).
	if got, want := pbPlain(v), strings.Replace(pbPlain(value), "maybe_int=null", "maybe_int=int64(0)", 1); got != want {
		t.Errorf("py-all-types read by goconnect\n%s\nwant\n%s", got, want)
	}
	pyOrder := mustB64(t, results[len(writes)+1].Bytes)
	if pyOrder[5] != 2 || pyOrder[6] != 2 {
		t.Errorf("the Python client's message indexes for the second message: %x, want 02 02", pyOrder[5:7])
	}
	os2, ov, err := reader.ToConnectData(cases[len(writes)+1].Topic, nil, pyOrder)
	if err != nil {
		t.Fatalf("goconnect cannot decode the Python client's order: %v", err)
	}
	wantOrder := "{big=int64(-9223372036854775808) comment={value=string(fragile)} counts=map[x:int64(5)] id=int64(7) " +
		"lines=[{qty=int32(-3) sku=string(A-1)}] note=null payment_0={card=null voucher=int64(4000000000)} status=string(SHIPPED)}"
	if got := pbPlain(ov); got != wantOrder {
		t.Errorf("py-order read by goconnect\n%s\nwant\n%s", got, wantOrder)
	}
	if os2.Name != "Order" {
		t.Errorf("py-order schema name %q", os2.Name)
	}
}
