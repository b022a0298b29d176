package protobuf

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sr"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/ratingsdata"
	"github.com/goconnect/goconnect/internal/testkit"
	"github.com/goconnect/goconnect/schemaregistry/srtest"
)

func newConverter(t testing.TB, url string, isKey bool, extra map[string]string) *Converter {
	t.Helper()
	return testkit.RegistryConverter(t, New(), url, isKey, extra)
}

func ratingsValue(s *data.Schema) *data.Struct {
	return data.NewStruct(s).MustPut("rating_id", int64(9)).MustPut("user_id", int32(-1)).MustPut("stars", int32(4)).
		MustPut("route_id", int32(12)).MustPut("rating_time", int64(97)).MustPut("channel", "web").MustPut("message", "meh")
}

// everything is a schema with every Connect type and logical type, and
// a value for it.
func everything() (*data.Schema, *data.Struct) {
	inner := data.StructBuilder().Name("inner").
		Field("a", data.NewBuilder(data.TypeString).Optional().MustBuild()).
		Field("n", data.NewBuilder(data.TypeInt32).MustBuild()).MustBuild()
	point := data.StructBuilder().
		Field("x", data.NewBuilder(data.TypeFloat64).MustBuild()).MustBuild()
	s := data.StructBuilder().Name("com.example.Everything").
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
		Field("amount", data.DecimalBuilder(2).Param(connectPrecision, "10").MustBuild()).
		Field("day", data.DateBuilder().MustBuild()).
		Field("at", data.TimeBuilder().MustBuild()).
		Field("ts", data.TimestampBuilder().Optional().MustBuild()).
		MustBuild()
	v := data.NewStruct(s).MustPut("i8", int8(-8)).MustPut("i16", int16(1600)).MustPut("i32", int32(-32)).
		MustPut("i64", int64(1)<<40).MustPut("f32", float32(1.5)).MustPut("f64", -2.25).MustPut("flag", true).
		MustPut("text", "héllo").MustPut("raw", []byte{0, 1, 0xff}).MustPut("maybe", "here").
		MustPut("list", []any{int64(1), int64(-2)}).
		MustPut("points", []any{data.NewStruct(point).MustPut("x", 0.5), data.NewStruct(point).MustPut("x", -1.0)}).
		MustPut("tags", map[string]any{"a": int32(1), "b": int32(2)}).
		MustPut("inner", data.NewStruct(inner).MustPut("a", "in").MustPut("n", int32(7))).
		MustPut("amount", data.NewBigDecimal(-12345, 2)).
		MustPut("day", time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)).
		MustPut("at", time.UnixMilli(13*3600000+5*60000+7*1000+250).UTC()).
		MustPut("ts", time.UnixMilli(1733300000123).UTC())
	return s, v
}

// plain renders a Connect value without its schema, for comparing a
// value written with one schema and read back with another.
func plain(v any) string {
	switch x := v.(type) {
	case *data.Struct:
		var parts []string
		for i, f := range x.Schema().Fields {
			parts = append(parts, f.Name+"="+plain(x.GetIndex(i)))
		}
		return "{" + strings.Join(parts, " ") + "}"
	case []any:
		var parts []string
		for _, e := range x {
			parts = append(parts, plain(e))
		}
		return "[" + strings.Join(parts, " ") + "]"
	case map[string]any:
		var parts []string
		for k, e := range x {
			parts = append(parts, k+":"+plain(e))
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

func golden(t *testing.T, name, got string) {
	t.Helper()
	want, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s: got\n%s\nwant\n%s", name, got, want)
	}
}

// The .proto text registered for every Connect type under each
// nullable setting, as Confluent's ProtobufData builds the descriptor
// and its registry client prints it (testdata/*.proto, written from
// ProtobufData and ProtobufSchemaUtils.toString).
func TestSchemaTextGolden(t *testing.T) {
	s, _ := everything()
	for _, c := range []struct {
		file string
		m    mapping
	}{
		{"everything.proto", mapping{}},
		{"everything_optional.proto", mapping{optionalForNullables: true}},
		{"everything_wrapper.proto", mapping{wrapperForNullables: true}},
	} {
		f, err := c.m.fromConnectSchema(s)
		if err != nil {
			t.Fatal(err)
		}
		golden(t, c.file, f.text())
		// The text compiles and describes the message encoded with.
		if _, err := compileText(context.Background(), f.text(), nil); err != nil {
			t.Errorf("%s does not compile: %v", c.file, err)
		}
	}
}

func TestSchemaNames(t *testing.T) {
	unnamed := data.StructBuilder().
		Field("my field", data.NewBuilder(data.TypeString).MustBuild()).
		Field("m", data.MapOf(data.NewBuilder(data.TypeString).MustBuild(), data.NewBuilder(data.TypeString).MustBuild()).Name("a.my_map").MustBuild()).
		MustBuild()
	m := mapping{scrubNames: true}
	f, err := m.fromConnectSchema(unnamed)
	if err != nil {
		t.Fatal(err)
	}
	want := "syntax = \"proto3\";\n\nmessage ConnectDefault1 {\n  string my_field = 1;\n  repeated MyMapEntry m = 2;\n\n  message MyMapEntry {\n    string key = 1;\n    string value = 2;\n  }\n}\n"
	if got := f.text(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	for in, want := range map[string]string{"ok_name": "ok_name", "1abc": "x1abc", "_x": "x_x", "a-b c": "a_b_c", "a*b~": "a_b_7E"} {
		if got := scrubName(in); got != want {
			t.Errorf("scrub %q = %q, want %q", in, got, want)
		}
	}
	if got := toMapField("ConnectDefault2Entry"); got != "connect_default2" {
		t.Errorf("toMapField %q", got)
	}
}

// Every Connect type written, then read back through the registered
// text compiled anew: the values survive, and the Connect schema read is
// ProtobufData's (optional fields, tags as parameters).
func TestEveryTypeRoundTrip(t *testing.T) {
	s, v := everything()
	for name, m := range map[string]mapping{
		"default":  {indexForUnions: true, wrapperForRaw: true, optionalForProto2: true},
		"optional": {optionalForNullables: true, indexForUnions: true, wrapperForRaw: true, optionalForProto2: true},
		"wrapper":  {wrapperForNullables: true, indexForUnions: true, wrapperForRaw: true, optionalForProto2: true},
	} {
		t.Run(name, func(t *testing.T) {
			c := &Converter{m: m}
			var err error
			if c.known, err = knownRegistryForTest(); err != nil {
				t.Fatal(err)
			}
			ws, err := c.generate(s)
			if err != nil {
				t.Fatal(err)
			}
			msg, err := c.m.message(ws.md, s, v)
			if err != nil {
				t.Fatal(err)
			}
			b, err := proto.MarshalOptions{Deterministic: true}.Marshal(msg)
			if err != nil {
				t.Fatal(err)
			}
			// The hot path writes what dynamicpb writes, byte for byte,
			// also for zero values (not written without presence, written
			// with optional.for.nullables or as wrappers).
			fast, err := c.m.appendStruct(nil, ws.plan, v)
			if err != nil || string(fast) != string(b) {
				t.Fatalf("hot path %x %v\ndynamicpb %x", fast, err, b)
			}
			zeros := data.NewStruct(s).MustPut("i8", int8(0)).MustPut("i16", int16(0)).MustPut("i32", int32(0)).MustPut("i64", int64(0)).
				MustPut("f32", float32(0)).MustPut("f64", math.Copysign(0, -1)).MustPut("flag", false).MustPut("text", "").MustPut("raw", []byte{}).
				MustPut("maybe", "").MustPut("maybe_int", int64(0)).MustPut("list", []any{}).MustPut("points", []any{}).MustPut("tags", map[string]any{"": int32(0)}).
				MustPut("inner", v.GetIndex(14)).MustPut("amount", data.NewBigDecimal(0, 0)).MustPut("day", time.Unix(0, 0).UTC()).
				MustPut("at", time.Unix(0, 0).UTC()).MustPut("ts", time.UnixMilli(-1).UTC())
			zmsg, err := c.m.message(ws.md, s, zeros)
			if err != nil {
				t.Fatal(err)
			}
			zb, _ := proto.MarshalOptions{Deterministic: true}.Marshal(zmsg)
			if zfast, err := c.m.appendStruct(nil, ws.plan, zeros); err != nil || string(zfast) != string(zb) {
				t.Fatalf("zeros: hot path %x %v\ndynamicpb %x", zfast, err, zb)
			}
			fd, err := compileText(context.Background(), ws.text, nil)
			if err != nil {
				t.Fatal(err)
			}
			md := fd.Messages().Get(0)
			rs, err := c.m.toConnectSchema(md, 3)
			if err != nil {
				t.Fatal(err)
			}
			back := dynamicpb.NewMessage(md)
			if err := proto.Unmarshal(b, back); err != nil {
				t.Fatal(err)
			}
			rv, err := c.m.toConnectValue(rs, back)
			if err != nil {
				t.Fatal(err)
			}
			// The wire-driven read path gives what dynamicpb's does.
			rp, err := c.m.newReadPlan(rs, md)
			if err != nil {
				t.Fatal(err)
			}
			for _, raw := range [][]byte{b, zb} {
				ref := dynamicpb.NewMessage(md)
				if err := proto.Unmarshal(raw, ref); err != nil {
					t.Fatal(err)
				}
				want, err := c.m.toConnectValue(rs, ref)
				if err != nil {
					t.Fatal(err)
				}
				got, err := c.m.decodeStruct(rp, raw)
				if err != nil || plain(got) != plain(want) {
					t.Fatalf("read path %s %v\ndynamicpb %s", plain(got), err, plain(want))
				}
			}
			want := plain(v)
			if name == "default" {
				// Without optional.for.nullables or wrappers a null
				// scalar is not distinguishable from its zero value in
				// proto3: it reads back as 0, as in Confluent's.
				want = strings.Replace(want, "maybe_int=null", "maybe_int=int64(0)", 1)
			}
			if got := plain(rv); got != want {
				t.Errorf("read back\n%s\nwant\n%s", got, want)
			}
			if err := data.Validate(rs, rv); err != nil {
				t.Errorf("value read does not match the schema read: %v", err)
			}
			if rs.Name != "Everything" || *rs.Version != 3 {
				t.Errorf("schema read: name %q version %v", rs.Name, rs.Version)
			}
			checkField := func(name string, typ data.Type, optional bool, params map[string]string) {
				t.Helper()
				f, ok := rs.Field(name)
				if !ok {
					t.Fatalf("no field %s", name)
				}
				if f.Schema.Type != typ || f.Schema.Optional != optional {
					t.Errorf("field %s: %s optional=%v, want %s optional=%v", name, f.Schema.Type, f.Schema.Optional, typ, optional)
				}
				for k, want := range params {
					if got := f.Schema.Parameters[k]; got != want {
						t.Errorf("field %s param %s=%q, want %q", name, k, got, want)
					}
				}
			}
			// ProtobufData: every field optional by default; with
			// optional.for.nullables only the optional ones; with
			// wrapper.for.nullables only the wrapped ones and messages.
			checkField("i8", data.TypeInt8, name == "default", map[string]string{paramTag: "1"})
			checkField("maybe", data.TypeString, true, map[string]string{paramTag: "10"})
			checkField("amount", data.TypeBytes, true, map[string]string{"scale": "2", connectPrecision: "10"})
			// Repeated fields and maps are always optional.
			checkField("list", data.TypeArray, true, map[string]string{paramTag: "12"})
			checkField("tags", data.TypeMap, true, nil)
			if f, _ := rs.Field("tags"); f.Schema.Name != "connect_default2" {
				t.Errorf("map schema name %q", f.Schema.Name)
			}
		})
	}
}

func knownRegistryForTest() (*registryFiles, error) { return protoknownRegistry() }

// The payload of a ratings record is the plain Protobuf encoding of the
// message (fields in number order), after magic byte, id and the single
// 0 message index.
func TestPayloadBytes(t *testing.T) {
	srv := srtest.New(t)
	s := ratingsdata.Schema()
	c := newConverter(t, srv.URL, false, nil)
	b, err := c.FromConnectData("ratings", nil, s, ratingsValue(s))
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{0, 0, 0, 0, 1, 0,
		0x08, 9, // rating_id = 9
		0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, // user_id = -1 (int32: ten bytes)
		0x18, 4, 0x20, 12, 0x28, 97,
		0x32, 3, 'w', 'e', 'b',
		0x3a, 3, 'm', 'e', 'h'}
	if string(b) != string(want) {
		t.Fatalf("bytes\n%x\nwant\n%x", b, want)
	}
	cl, _ := sr.NewClient(sr.URLs(srv.URL))
	ss, err := cl.SchemaByVersion(context.Background(), "ratings-value", 1)
	if err != nil {
		t.Fatal(err)
	}
	wantText := "syntax = \"proto3\";\npackage ksql;\n\nmessage ratings {\n  int64 rating_id = 1;\n  int32 user_id = 2;\n  int32 stars = 3;\n" +
		"  int32 route_id = 4;\n  int64 rating_time = 5;\n  string channel = 6;\n  string message = 7;\n}\n"
	if ss.Type != sr.TypeProtobuf || strings.TrimSpace(ss.Schema.Schema) != strings.TrimSpace(wantText) {
		t.Fatalf("registered %s %q", ss.Type, ss.Schema.Schema)
	}
	// Default zero values are not written (proto3 fields without presence).
	zero := data.NewStruct(s).MustPut("rating_id", int64(0)).MustPut("user_id", int32(0)).MustPut("stars", int32(0)).
		MustPut("route_id", int32(0)).MustPut("rating_time", int64(0)).MustPut("channel", "").MustPut("message", "")
	b, err = c.FromConnectData("ratings", nil, s, zero)
	if err != nil || string(b) != string([]byte{0, 0, 0, 0, 1, 0}) {
		t.Fatalf("zero record %x %v", b, err)
	}
}

// Through goconnect's registry: a fresh converter reads what another
// wrote, with the subject version as the Connect version; strategies.
func TestConverterThroughRegistry(t *testing.T) {
	srv := srtest.New(t)
	inner := data.StructBuilder().Name("Address").Field("city", data.NewBuilder(data.TypeString).MustBuild()).MustBuild()
	s := data.StructBuilder().Name("shop.Customer").
		Field("id", data.NewBuilder(data.TypeInt64).MustBuild()).
		Field("name", data.NewBuilder(data.TypeString).Optional().MustBuild()).
		Field("address", inner).
		Field("phones", data.ArrayOf(data.NewBuilder(data.TypeString).MustBuild()).MustBuild()).
		Field("attrs", data.MapOf(data.NewBuilder(data.TypeString).MustBuild(), data.NewBuilder(data.TypeString).MustBuild()).MustBuild()).
		MustBuild()
	v := data.NewStruct(s).MustPut("id", int64(42)).MustPut("address", data.NewStruct(inner).MustPut("city", "Lyon")).
		MustPut("phones", []any{"1", "2"}).MustPut("attrs", map[string]any{"k": "v"})
	w := newConverter(t, srv.URL, false, nil)
	b, err := w.FromConnectData("customers", nil, s, v)
	if err != nil {
		t.Fatal(err)
	}
	r := newConverter(t, srv.URL, false, nil)
	rs, rv, err := r.ToConnectData("customers", nil, b)
	if err != nil {
		t.Fatal(err)
	}
	// A null string reads back as "" (proto3 without presence).
	if got, want := plain(rv), strings.Replace(plain(v), "name=null", "name=string()", 1); got != want {
		t.Fatalf("read %s, want %s", got, want)
	}
	if rs.Version == nil || *rs.Version != 1 || rs.Name != "Customer" {
		t.Fatalf("schema read %+v", rs)
	}
	// enhanced.protobuf.schema.support keeps the package in names.
	e := newConverter(t, srv.URL, false, map[string]string{keyEnhanced: "true"})
	es, _, err := e.ToConnectData("customers", nil, b)
	if err != nil || es.Name != "shop.Customer" {
		t.Fatalf("enhanced name %v %v", es, err)
	}
	if f, _ := es.Field("address"); f.Schema.Name != "shop.Customer.Address" {
		t.Fatalf("enhanced nested name %q", f.Schema.Name)
	}
	// RecordNameStrategy: the message's full name.
	rn := newConverter(t, srv.URL, false, map[string]string{"value.subject.name.strategy": "io.confluent.kafka.serializers.subject.RecordNameStrategy"})
	if _, err := rn.FromConnectData("customers", nil, s, v); err != nil {
		t.Fatal(err)
	}
	cl, _ := sr.NewClient(sr.URLs(srv.URL))
	if _, err := cl.SchemaByVersion(context.Background(), "shop.Customer", 1); err != nil {
		t.Fatalf("subject shop.Customer: %v", err)
	}
	// auto.register.schemas=false with a schema never registered fails.
	nr := newConverter(t, srv.URL, false, map[string]string{"auto.register.schemas": "false"})
	other := data.StructBuilder().Name("x.Other").Field("a", data.NewBuilder(data.TypeString).MustBuild()).MustBuild()
	if _, err := nr.FromConnectData("others", nil, other, data.NewStruct(other).MustPut("a", "b")); err == nil {
		t.Fatal("an unregistered schema was written with auto.register.schemas=false")
	}
	// A null value is a null record; bad magic is an error.
	if b, err := w.FromConnectData("customers", nil, s, nil); b != nil || err != nil {
		t.Fatalf("null: %x %v", b, err)
	}
	if _, _, err := r.ToConnectData("customers", nil, []byte{1, 0, 0, 0, 1, 0}); err == nil || !strings.Contains(err.Error(), "Unknown magic byte") {
		t.Fatalf("bad magic: %v", err)
	}
}

// A schema written by hand (as a Protobuf producer registers it): a
// second top-level message picked by its message index, a nested type,
// an enum, a oneof, a protoc map, a proto3 optional, wrapper types.
const foreignProto = `syntax = "proto3";
package acme;

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

func TestReadsForeignSchema(t *testing.T) {
	srv := srtest.New(t)
	id := srv.Register(t, "orders-value", srtest.Schema{Type: "PROTOBUF", Text: foreignProto})
	fd, err := compileText(context.Background(), foreignProto, nil)
	if err != nil {
		t.Fatal(err)
	}
	md := fd.Messages().ByName("Order")
	msg := dynamicpb.NewMessage(md)
	f := md.Fields().ByName
	msg.Set(f("id"), protoValueInt64(7))
	msg.Set(f("status"), enumVal(1))
	line := dynamicpb.NewMessage(md.Messages().ByName("Line"))
	line.Set(line.Descriptor().Fields().ByName("sku"), protoString("A-1"))
	line.Set(line.Descriptor().Fields().ByName("qty"), protoInt32(-3))
	msg.Mutable(f("lines")).List().Append(protoMessage(line))
	msg.Mutable(f("counts")).Map().Set(protoMapKey("x"), protoValueInt64(5))
	msg.Set(f("voucher"), protoUint32(4000000000))
	comment := dynamicpb.NewMessage(f("comment").Message())
	comment.Set(comment.Descriptor().Fields().ByName("value"), protoString("fragile"))
	msg.Set(f("comment"), protoMessage(comment))
	msg.Set(f("big"), protoUint64(1<<63))
	payload, err := proto.Marshal(msg)
	if err != nil {
		t.Fatal(err)
	}
	b := binary.BigEndian.AppendUint32([]byte{0}, uint32(id))
	b = appendIndexes(b, []int{1})
	b = append(b, payload...)

	c := newConverter(t, srv.URL, false, nil)
	rs, rv, err := c.ToConnectData("orders", nil, b)
	if err != nil {
		t.Fatal(err)
	}
	// ProtobufData: oneofs first (named <oneof>_<index>), then fields;
	// the unset proto3 optional stays null, the unset wrapper message
	// too; enums are strings with their symbols as parameters.
	var names []string
	for _, fl := range rs.Fields {
		names = append(names, fl.Name)
	}
	if got := strings.Join(names, ","); got != "payment_0,id,status,lines,counts,note,comment,big" {
		t.Fatalf("fields %s", got)
	}
	want := "{payment_0={card=null voucher=int64(4000000000)} id=int64(7) status=string(SHIPPED) lines=[{sku=string(A-1) qty=int32(-3)}] " +
		"counts=map[x:int64(5)] note=null comment={value=string(fragile)} big=int64(-9223372036854775808)}"
	if got := plain(rv); got != want {
		t.Fatalf("value\n%s\nwant\n%s", got, want)
	}
	st, _ := rs.Field("status")
	if st.Schema.Name != "Status" || st.Schema.Parameters[paramEnum+".SHIPPED"] != "1" {
		t.Fatalf("enum schema %+v", st.Schema)
	}
	u, _ := rs.Field("payment_0")
	if u.Schema.Name != unionPrefix+"payment" {
		t.Fatalf("union name %q", u.Schema.Name)
	}
	// The wire-driven read path agrees with dynamicpb's under each
	// reading setting.
	for _, props := range []map[string]string{nil, {keyWrapperNullables: "true", keyIndexForUnions: "false", keyIntForEnums: "true"},
		{keyFlattenUnions: "true"}, {keyStructForNulls: "true"}, {keyOptionalNullables: "true", keyEnhanced: "true"}} {
		cc := newConverter(t, srv.URL, false, props)
		s, got, err := cc.ToConnectData("orders", nil, b)
		if err != nil {
			t.Fatal(err)
		}
		ref := dynamicpb.NewMessage(md)
		if err := proto.Unmarshal(payload, ref); err != nil {
			t.Fatal(err)
		}
		want, err := cc.m.toConnectValue(s, ref)
		if err != nil || plain(got) != plain(want) {
			t.Fatalf("%v: read path %s\ndynamicpb %s %v", props, plain(got), plain(want), err)
		}
		// With wrapper.for.nullables ProtobufData makes a proto3 optional
		// field required yet leaves it null when unset (so does Java).
		if err := data.Validate(s, got); err != nil && props[keyWrapperNullables] == "" {
			t.Fatalf("%v: %v", props, err)
		}
	}
	// wrapper.for.nullables reads the wrapper as its scalar; without
	// generate.index.for.unions the oneof keeps its name; int.for.enums.
	c2 := newConverter(t, srv.URL, false, map[string]string{keyWrapperNullables: "true", keyIndexForUnions: "false", keyIntForEnums: "true"})
	_, rv2, err := c2.ToConnectData("orders", nil, b)
	if err != nil {
		t.Fatal(err)
	}
	if got := plain(rv2); !strings.Contains(got, "payment={") || !strings.Contains(got, "comment=string(fragile)") || !strings.Contains(got, "status=int32(1)") {
		t.Fatalf("wrapper/unions/enums: %s", got)
	}
	// Written back by goconnect: the oneof is rebuilt from the union
	// struct (tags kept from the parameters); the proto3 optional becomes
	// a plain field without optional.for.nullables, so null reads as "".
	back, err := c.FromConnectData("orders-copy", nil, rs, rv)
	if err != nil {
		t.Fatal(err)
	}
	_, rv3, err := c.ToConnectData("orders-copy", nil, back)
	if err != nil {
		t.Fatal(err)
	}
	// Java writes fields in number order (the oneof member between
	// fields 4 and 7); dynamicpb puts oneofs last: same message.
	ws, err := c.writeSchemaFor(rs)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := c.m.message(ws.md, rs, rv.(*data.Struct))
	if err != nil {
		t.Fatal(err)
	}
	decoded := dynamicpb.NewMessage(ws.md)
	if err := proto.Unmarshal(back[6:], decoded); err != nil || !proto.Equal(decoded, ref) {
		t.Fatalf("hot path and dynamicpb disagree: %v %v / %v", err, decoded, ref)
	}
	if want := strings.Replace(plain(rv), "note=null", "note=string()", 1); plain(rv3) != want {
		t.Fatalf("round trip\n%s\nwant\n%s", plain(rv3), want)
	}
}

func TestMessageIndexes(t *testing.T) {
	// Confluent's vectors (ProtobufConverterTest): [0] is the single 0;
	// [1] is count 1 then 1, zigzag: 2, 2.
	for _, c := range []struct {
		idx  []int
		wire []byte
	}{{[]int{0}, []byte{0}}, {[]int{1}, []byte{2, 2}}, {[]int{0, 2}, []byte{4, 0, 4}}} {
		b := appendIndexes(nil, c.idx)
		if string(b) != string(c.wire) {
			t.Errorf("%v: %x, want %x", c.idx, b, c.wire)
		}
		got, n, err := readIndexes(append(b, 0x99))
		if err != nil || n != len(c.wire) || fmt.Sprint(got) != fmt.Sprint(c.idx) {
			t.Errorf("read %x: %v %d %v", c.wire, got, n, err)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	for _, c := range []struct {
		props map[string]string
		key   string
	}{
		{map[string]string{keySkipKnownTypes: "false"}, keySkipKnownTypes},
		{map[string]string{keyRefStrategy: "x.Y"}, keyRefStrategy},
		{map[string]string{"value.subject.name.strategy": "Nope"}, "value.subject.name.strategy"},
	} {
		props := map[string]string{"schema.registry.url": "http://127.0.0.1:1"}
		for k, v := range c.props {
			props[k] = v
		}
		err := New().Configure(props, false)
		var ce *config.Error
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), c.key) {
			t.Errorf("%v: %v, want an error naming %s", c.props, err, c.key)
		}
	}
}

// A top-level primitive is a google.protobuf wrapper, as ProtobufData
// writes it: the schema registered is wrappers.proto, the message index
// the wrapper's; read back as the primitive (wrapper.for.raw.primitives).
func TestTopLevelPrimitive(t *testing.T) {
	srv := srtest.New(t)
	c := newConverter(t, srv.URL, true, nil)
	b, err := c.FromConnectData("t", nil, data.NewBuilder(data.TypeString).MustBuild(), "k")
	if err != nil {
		t.Fatal(err)
	}
	if want := []byte{0, 0, 0, 0, 1, 2, 14, 0x0a, 1, 'k'}; string(b) != string(want) {
		t.Fatalf("bytes %x, want %x", b, want)
	}
	cl, _ := sr.NewClient(sr.URLs(srv.URL))
	ss, err := cl.SchemaByVersion(context.Background(), "t-key", 1)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "wrappers.proto", ss.Schema.Schema)
	r := newConverter(t, srv.URL, true, nil)
	rs, rv, err := r.ToConnectData("t", nil, b)
	if err != nil || rs.Type != data.TypeString || rv != "k" {
		t.Fatalf("read %v %v %v", rs, rv, err)
	}
	// Without wrapper.for.raw.primitives the wrapper is a struct.
	r2 := newConverter(t, srv.URL, true, map[string]string{keyWrapperRaw: "false"})
	if rs, rv, err := r2.ToConnectData("t", nil, b); err != nil || rs.Name != "StringValue" || plain(rv) != "{value=string(k)}" {
		t.Fatalf("read as struct %v %v %v", rs, plain(rv), err)
	}
	b, err = c.FromConnectData("t", nil, data.NewBuilder(data.TypeInt64).MustBuild(), int64(0))
	// Same file, same id; Int64Value is message 2; a zero value writes nothing.
	if want := []byte{0, 0, 0, 0, 1, 2, 4}; err != nil || string(b) != string(want) {
		t.Fatalf("zero long: %x %v, want %x", b, err, want)
	}
	if _, err := c.FromConnectData("t", nil, data.ArrayOf(data.NewBuilder(data.TypeInt64).MustBuild()).MustBuild(), []any{}); err == nil || !strings.Contains(err.Error(), "Unsupported root schema of type ARRAY") {
		t.Fatalf("top-level array: %v", err)
	}
}

// A schema kept as a base64 FileDescriptorProto (as Confluent's Python
// and Go serializers register it) compiles to the same messages.
func TestReadsSerializedSchema(t *testing.T) {
	fd, err := compileText(context.Background(), foreignProto, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := proto.Marshal(protodesc.ToFileDescriptorProto(fd))
	if err != nil {
		t.Fatal(err)
	}
	back, err := compileText(context.Background(), base64.StdEncoding.EncodeToString(raw), nil)
	if err != nil {
		t.Fatal(err)
	}
	if back.Messages().Len() != 2 || back.Messages().Get(1).Fields().Len() != 9 || back.Messages().Get(1).FullName() != "acme.Order" {
		t.Fatalf("serialized schema read as %v", back.Messages())
	}
	if _, err := compileText(context.Background(), "not a schema", nil); err == nil {
		t.Fatal("garbage compiled")
	}
}

// The text ksqlDB's tests expect from Confluent's ProtobufData and
// ProtobufSchema for an unnamed struct of every kind of field
// (JsonStreamedRowResponseWriterTest): counters, nested entry messages,
// imports in field order, decimal params value-first, the two-space
// blank lines of indented nested messages.
func TestSchemaTextAsKsqlDBExpects(t *testing.T) {
	opt := func(t data.Type) *data.Schema { return data.NewBuilder(t).Optional().MustBuild() }
	str := opt(data.TypeString)
	i32 := opt(data.TypeInt32)
	st := func(fields ...any) *data.Schema {
		b := data.StructBuilder().Optional()
		for i := 0; i < len(fields); i += 2 {
			b.Field(fields[i].(string), fields[i+1].(*data.Schema))
		}
		return b.MustBuild()
	}
	arr := func(e *data.Schema) *data.Schema { return data.ArrayOf(e).Optional().MustBuild() }
	mp := func(k, v *data.Schema) *data.Schema { return data.MapOf(k, v).Optional().MustBuild() }
	dec := func(p, s int32) *data.Schema {
		return data.DecimalBuilder(s).Param(connectPrecision, strconv.Itoa(int(p))).Optional().MustBuild()
	}
	s := data.StructBuilder().
		Field("K", st("F1", arr(str))).
		Field("STR", str).Field("LONG", opt(data.TypeInt64)).Field("DEC", dec(4, 2)).Field("BYTES_", opt(data.TypeBytes)).
		Field("ARRAY", arr(str)).Field("MAP", mp(str, str)).Field("STRUCT", st("F1", i32)).
		Field("COMPLEX", st("DECIMAL", dec(2, 1), "STRUCT", st("F1", str, "F2", i32), "ARRAY_STRUCT", arr(st("F1", str)),
			"ARRAY_MAP", arr(mp(str, i32)), "MAP_ARRAY", mp(str, arr(str)), "MAP_MAP", mp(str, mp(str, i32)),
			"MAP_STRUCT", mp(str, st("F1", str)))).
		Field("TIMESTAMP", data.TimestampBuilder().Optional().MustBuild()).
		Field("DATE", data.DateBuilder().Optional().MustBuild()).
		Field("TIME", data.TimeBuilder().Optional().MustBuild()).
		Field("HEAD", opt(data.TypeBytes)).MustBuild()
	m := mapping{}
	f, err := m.fromConnectSchema(s)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "ksqldb.proto", f.text())
}

// Confluent prints a protoc map as its entry message with an explicit
// map_entry option (its canonical text), which protoc refuses in source;
// goconnect reads such text, the entries as a map.
func TestReadsExplicitMapEntry(t *testing.T) {
	const text = `syntax = "proto3";
package acme;

message Order {
  repeated CountsEntry counts = 1;

  message CountsEntry {
    option map_entry = true;
  
    string key = 1;
    int64 value = 2;
  }
}
`
	fd, err := compileText(context.Background(), text, nil)
	if err != nil {
		t.Fatal(err)
	}
	md := fd.Messages().Get(0)
	m := &mapping{indexForUnions: true}
	s, err := m.toConnectSchema(md, 0)
	if err != nil {
		t.Fatal(err)
	}
	if f, _ := s.Field("counts"); f.Schema.Type != data.TypeMap || f.Schema.Name != "counts" {
		t.Fatalf("counts read as %+v", f.Schema)
	}
	payload := []byte{0x0a, 5, 0x0a, 1, 'x', 0x10, 5}
	p, err := m.newReadPlan(s, md)
	if err != nil {
		t.Fatal(err)
	}
	v, err := m.decodeStruct(p, payload)
	if err != nil || plain(v) != "{counts=map[x:int64(5)]}" {
		t.Fatalf("read %s %v", plain(v), err)
	}
}

// use.latest.version (auto.register.schemas=false): the latest version's
// id, and the index of the message found in it by name.
func TestUseLatestVersion(t *testing.T) {
	srv := srtest.New(t)
	latest := "syntax = \"proto3\";\npackage ksql;\n\nmessage Other {\n  string x = 1;\n}\nmessage ratings {\n  int64 rating_id = 1;\n  int32 user_id = 2;\n" +
		"  int32 stars = 3;\n  int32 route_id = 4;\n  int64 rating_time = 5;\n  string channel = 6;\n  string message = 7;\n  string extra = 8;\n}\n"
	id := srv.Register(t, "ratings-value", srtest.Schema{Type: "PROTOBUF", Text: latest})
	s := ratingsdata.Schema()
	c := newConverter(t, srv.URL, false, map[string]string{"auto.register.schemas": "false", "use.latest.version": "true"})
	b, err := c.FromConnectData("ratings", nil, s, ratingsValue(s))
	if err != nil {
		t.Fatal(err)
	}
	if got := binary.BigEndian.Uint32(b[1:5]); got != uint32(id) || b[5] != 2 || b[6] != 2 {
		t.Fatalf("header %x: want id %d and message indexes [1]", b[:7], id)
	}
	r := newConverter(t, srv.URL, false, nil)
	rs, rv, err := r.ToConnectData("ratings", nil, b)
	if err != nil {
		t.Fatal(err)
	}
	if got := plain(rv); rs.Name != "ratings" || !strings.Contains(got, "channel=string(web)") || !strings.Contains(got, "extra=string()") {
		t.Fatalf("read %s %s", rs.Name, got)
	}
	// latest.compatibility.strict: a latest schema whose field 2 is a
	// string cannot read ours (an int32 there).
	clash := strings.Replace(latest, "int32 user_id = 2;", "string user_id = 2;", 1)
	srv.Register(t, "strict-value", srtest.Schema{Type: "PROTOBUF", Text: clash})
	if _, err := c.FromConnectData("strict", nil, s, ratingsValue(s)); err == nil || !strings.Contains(err.Error(), "latest.compatibility.strict=false") {
		t.Fatalf("incompatible latest: %v", err)
	}
	lax := newConverter(t, srv.URL, false, map[string]string{"auto.register.schemas": "false", "use.latest.version": "true", keyLatestStrict: "false"})
	if _, err := lax.FromConnectData("strict", nil, s, ratingsValue(s)); err != nil {
		t.Fatalf("latest.compatibility.strict=false: %v", err)
	}
	other := data.StructBuilder().Name("ksql.Missing").Field("a", data.NewBuilder(data.TypeString).MustBuild()).MustBuild()
	if _, err := c.FromConnectData("ratings", nil, other, data.NewStruct(other).MustPut("a", "x")); err == nil || !strings.Contains(err.Error(), "not in the latest schema") {
		t.Fatalf("a message missing from the latest schema: %v", err)
	}
}
