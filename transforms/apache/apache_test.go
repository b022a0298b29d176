package apache

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/transforms/smtutil"
)

// Expected outputs below follow the documented behaviour of Apache Kafka's
// transforms (KIP-66 and the Javadoc of each class).

func configure(t *testing.T, tr connect.Transformation, props map[string]string) connect.Transformation {
	t.Helper()
	if err := tr.Configure(props); err != nil {
		t.Fatal(err)
	}
	return tr
}

func userSchema() *data.Schema {
	return data.StructBuilder().Name("shop.User").Version(2).Doc("a user").
		Field("id", data.Int32Schema).
		Field("name", data.OptionalString).
		Field("score", data.NewBuilder(data.TypeFloat64).Optional().Default(1.5).MustBuild()).
		MustBuild()
}

func user(id int32, name string) *data.Struct {
	st := data.NewStruct(userSchema()).MustPut("id", id)
	if name != "" {
		st.MustPut("name", name)
	}
	return st
}

func sinkRec(vs *data.Schema, v any) *connect.Record {
	return &connect.Record{Topic: "users", Partition: 3, KafkaOffset: 42, ValueSchema: vs, Value: v,
		Timestamp: time.UnixMilli(1700000000123).UTC()}
}

func get(t *testing.T, v any, field string) any {
	t.Helper()
	switch x := v.(type) {
	case *data.Struct:
		out, err := x.Get(field)
		if err != nil {
			t.Fatal(err)
		}
		return out
	case map[string]any:
		return x[field]
	}
	t.Fatalf("not a struct or map: %T", v)
	return nil
}

func TestInsertFieldSchema(t *testing.T) {
	tr := configure(t, &InsertField{side: smtutil.Value}, map[string]string{
		"topic.field": "t!", "partition.field": "p", "offset.field": "o?", "timestamp.field": "ts", "static.field": "s", "static.value": "v",
	})
	out, err := tr.Apply(sinkRec(userSchema(), user(1, "ann")))
	if err != nil {
		t.Fatal(err)
	}
	s := out.ValueSchema
	names := []string{}
	for _, f := range s.Fields {
		names = append(names, f.Name)
	}
	if strings.Join(names, ",") != "id,name,score,t,p,o,ts,s" {
		t.Fatalf("fields %v", names)
	}
	if s.Name != "shop.User" || *s.Version != 2 || s.Doc != "a user" {
		t.Fatalf("schema basics not copied: %+v", s)
	}
	if f, _ := s.Field("t"); f.Schema.Optional {
		t.Error("t! must be required")
	}
	if f, _ := s.Field("ts"); f.Schema.Name != data.TimestampName || !f.Schema.Optional {
		t.Errorf("timestamp field schema %+v", f.Schema)
	}
	v := out.Value
	if get(t, v, "t") != "users" || get(t, v, "p") != int32(3) || get(t, v, "o") != int64(42) || get(t, v, "s") != "v" {
		t.Fatalf("inserted values wrong: %v", v)
	}
	if ts := get(t, v, "ts").(time.Time); ts.UnixMilli() != 1700000000123 {
		t.Fatalf("timestamp %v", ts)
	}
	// The derived schema is cached: records sharing a schema share the result.
	in := userSchema()
	a, _ := tr.Apply(sinkRec(in, data.NewStruct(in).MustPut("id", int32(1))))
	b, _ := tr.Apply(sinkRec(in, data.NewStruct(in).MustPut("id", int32(2))))
	if a.ValueSchema != b.ValueSchema {
		t.Error("schema rebuilt for every record of a stream")
	}
}

func TestInsertFieldSchemalessAndTombstone(t *testing.T) {
	tr := configure(t, &InsertField{side: smtutil.Value}, map[string]string{"timestamp.field": "EXTRACT_TS", "topic.field": "topic"})
	out, err := tr.Apply(sinkRec(nil, map[string]any{"a": int64(1)}))
	if err != nil {
		t.Fatal(err)
	}
	m := out.Value.(map[string]any)
	if m["EXTRACT_TS"] != int64(1700000000123) || m["topic"] != "users" || m["a"] != int64(1) {
		t.Fatalf("schemaless insert %v", m)
	}
	tomb := sinkRec(nil, nil)
	if out, err := tr.Apply(tomb); err != nil || out.Value != nil {
		t.Fatalf("tombstone changed: %v %v", out, err)
	}
	if _, err := tr.Apply(sinkRec(nil, "text")); err == nil || !strings.Contains(err.Error(), "Only Map objects supported in absence of schema for [field insertion], found: java.lang.String") {
		t.Fatalf("bad input error %v", err)
	}
	src := &connect.Record{Topic: "x", KafkaOffset: -1, Value: map[string]any{}}
	off := configure(t, &InsertField{side: smtutil.Value}, map[string]string{"offset.field": "o"})
	if _, err := off.Apply(src); err == nil || !strings.Contains(err.Error(), "Only SinkRecord supported") {
		t.Fatalf("offset on source record: %v", err)
	}
}

func TestExtractField(t *testing.T) {
	key := configure(t, &ExtractField{side: smtutil.Key}, map[string]string{"field": "id"})
	r := &connect.Record{KeySchema: userSchema(), Key: user(7, "x")}
	out, err := key.Apply(r)
	if err != nil || out.Key != int32(7) || out.KeySchema.Type != data.TypeInt32 {
		t.Fatalf("schema'd key: %v %v %v", out.Key, out.KeySchema, err)
	}
	out, err = key.Apply(&connect.Record{Key: map[string]any{"id": "k"}})
	if err != nil || out.Key != "k" || out.KeySchema != nil {
		t.Fatalf("schemaless key %v %v", out.Key, err)
	}
	if out, err = key.Apply(&connect.Record{Key: map[string]any{}}); err != nil || out.Key != nil {
		t.Fatalf("missing schemaless field: %v %v", out.Key, err)
	}
	if _, err := key.Apply(&connect.Record{KeySchema: data.StructBuilder().Field("other", data.Int8Schema).MustBuild(), Key: nil}); err == nil || err.Error() != "Unknown field: id" {
		t.Fatalf("unknown field: %v", err)
	}
	// A null struct gives null with the field's schema.
	out, err = key.Apply(&connect.Record{KeySchema: userSchema(), Key: nil})
	if err != nil || out.Key != nil || out.KeySchema.Type != data.TypeInt32 {
		t.Fatalf("null struct: %v %v", out, err)
	}
	// Defaults replace nulls unless replace.null.with.default=false.
	val := configure(t, &ExtractField{side: smtutil.Value}, map[string]string{"field": "score"})
	if out, _ := val.Apply(sinkRec(userSchema(), user(1, ""))); out.Value != 1.5 {
		t.Fatalf("default not applied: %v", out.Value)
	}
	raw := configure(t, &ExtractField{side: smtutil.Value}, map[string]string{"field": "score", "replace.null.with.default": "false"})
	if out, _ := raw.Apply(sinkRec(userSchema(), user(1, ""))); out.Value != nil {
		t.Fatalf("raw null expected: %v", out.Value)
	}
}

func TestExtractFieldV2Paths(t *testing.T) {
	inner := data.StructBuilder().Field("a.b", data.Int32Schema).Field("c", data.StringSchema).MustBuild()
	outer := data.StructBuilder().Field("in", inner).MustBuild()
	v := data.NewStruct(outer).MustPut("in", data.NewStruct(inner).MustPut("a.b", int32(5)).MustPut("c", "x"))
	tr := configure(t, &ExtractField{side: smtutil.Value}, map[string]string{"field": "in.`a.b`", "field.syntax.version": "V2"})
	out, err := tr.Apply(sinkRec(outer, v))
	if err != nil || out.Value != int32(5) {
		t.Fatalf("V2 path: %v %v", out, err)
	}
	tr = configure(t, &ExtractField{side: smtutil.Value}, map[string]string{"field": "in.c", "field.syntax.version": "v2"})
	out, err = tr.Apply(sinkRec(nil, map[string]any{"in": map[string]any{"c": "y"}}))
	if err != nil || out.Value != "y" {
		t.Fatalf("V2 schemaless: %v %v", out, err)
	}
	// V1 treats the dots as part of the name.
	tr = configure(t, &ExtractField{side: smtutil.Value}, map[string]string{"field": "in.c"})
	out, _ = tr.Apply(sinkRec(nil, map[string]any{"in.c": "z"}))
	if out.Value != "z" {
		t.Fatalf("V1 dotted name: %v", out.Value)
	}
}

func TestReplaceField(t *testing.T) {
	tr := configure(t, &ReplaceField{side: smtutil.Value}, map[string]string{"exclude": "score", "renames": "name:full_name"})
	out, err := tr.Apply(sinkRec(userSchema(), user(1, "ann")))
	if err != nil {
		t.Fatal(err)
	}
	if len(out.ValueSchema.Fields) != 2 || out.ValueSchema.Fields[1].Name != "full_name" || get(t, out.Value, "full_name") != "ann" {
		t.Fatalf("replace schema'd %v", out.Value)
	}
	inc := configure(t, &ReplaceField{side: smtutil.Value}, map[string]string{"include": "id,name", "exclude": "name"})
	out, _ = inc.Apply(sinkRec(nil, map[string]any{"id": 1, "name": "x", "other": 2}))
	if m := out.Value.(map[string]any); len(m) != 1 || m["id"] != 1 {
		t.Fatalf("exclude must win over include: %v", m)
	}
	legacy := configure(t, &ReplaceField{side: smtutil.Value}, map[string]string{"blacklist": "id"})
	out, _ = legacy.Apply(sinkRec(nil, map[string]any{"id": 1, "k": 2}))
	if _, has := out.Value.(map[string]any)["id"]; has {
		t.Fatal("blacklist alias ignored")
	}
	if out, err := tr.Apply(sinkRec(userSchema(), nil)); err != nil || out.Value != nil {
		t.Fatal("tombstone not passed through")
	}
	expectConfigError(t, &ReplaceField{side: smtutil.Value}, map[string]string{"renames": "a:b,bad"}, "renames")
}

func TestValueToKey(t *testing.T) {
	tr := configure(t, &ValueToKey{}, map[string]string{"fields": "name,id"})
	out, err := tr.Apply(sinkRec(userSchema(), user(9, "bo")))
	if err != nil {
		t.Fatal(err)
	}
	if out.KeySchema.Name != "" || out.KeySchema.Fields[0].Name != "name" || get(t, out.Key, "id") != int32(9) {
		t.Fatalf("key %v %v", out.KeySchema, out.Key)
	}
	out, _ = tr.Apply(sinkRec(nil, map[string]any{"id": 1}))
	if k := out.Key.(map[string]any); len(k) != 2 || k["id"] != 1 || k["name"] != nil {
		t.Fatalf("schemaless key %v", k)
	}
	bad := configure(t, &ValueToKey{}, map[string]string{"fields": "nope"})
	if _, err := bad.Apply(sinkRec(userSchema(), user(1, ""))); err == nil || err.Error() != "Field does not exist: nope" {
		t.Fatalf("missing field: %v", err)
	}
	if _, err := tr.Apply(sinkRec(userSchema(), nil)); err == nil {
		t.Fatal("ValueToKey must reject a null value, as Connect does")
	}
	expectConfigError(t, &ValueToKey{}, map[string]string{}, "fields")
}

func TestMaskField(t *testing.T) {
	tr := configure(t, &MaskField{side: smtutil.Value}, map[string]string{"fields": "id,name"})
	out, err := tr.Apply(sinkRec(userSchema(), user(5, "secret")))
	if err != nil || get(t, out.Value, "id") != int32(0) || get(t, out.Value, "name") != "" || !data.Equal(out.ValueSchema, userSchema()) {
		t.Fatalf("masked %v %v", out.Value, err)
	}
	rep := configure(t, &MaskField{side: smtutil.Value}, map[string]string{"fields": "id,missing", "replacement": "99"})
	out, _ = rep.Apply(sinkRec(nil, map[string]any{"id": int64(5)}))
	m := out.Value.(map[string]any)
	if m["id"] != int64(99) {
		t.Fatalf("replacement %v", m)
	}
	if v, present := m["missing"]; !present || v != nil {
		t.Fatal("schemaless MaskField writes every listed field")
	}
	bad := configure(t, &MaskField{side: smtutil.Value}, map[string]string{"fields": "id", "replacement": "abc"})
	if _, err := bad.Apply(sinkRec(nil, map[string]any{"id": int32(1)})); err == nil {
		t.Fatal("non-numeric replacement for a number accepted")
	}
	if _, err := tr.Apply(sinkRec(nil, nil)); err == nil {
		t.Fatal("MaskField must reject a null value")
	}
}

func TestHoistField(t *testing.T) {
	tr := configure(t, &HoistField{side: smtutil.Key}, map[string]string{"field": "k"})
	out, err := tr.Apply(&connect.Record{KeySchema: data.Int64Schema, Key: int64(3)})
	if err != nil || out.KeySchema.Fields[0].Name != "k" || out.KeySchema.Name != "" || get(t, out.Key, "k") != int64(3) {
		t.Fatalf("hoist %v %v", out, err)
	}
	out, _ = tr.Apply(&connect.Record{Key: nil})
	if m := out.Key.(map[string]any); len(m) != 1 || m["k"] != nil {
		t.Fatalf("schemaless hoist of null %v", m)
	}
}

func TestCast(t *testing.T) {
	tr := configure(t, &Cast{side: smtutil.Value}, map[string]string{"spec": "id:string,score:int32"})
	in := user(12, "")
	out, err := tr.Apply(sinkRec(userSchema(), in))
	if err != nil {
		t.Fatal(err)
	}
	if get(t, out.Value, "id") != "12" || get(t, out.Value, "score") != int32(1) {
		t.Fatalf("cast values %v", out.Value)
	}
	f, _ := out.ValueSchema.Field("score")
	if f.Schema.Type != data.TypeInt32 || !f.Schema.Optional || f.Schema.Default != int32(1) {
		t.Fatalf("cast schema %+v", f.Schema)
	}
	whole := configure(t, &Cast{side: smtutil.Key}, map[string]string{"spec": "int8"})
	out, _ = whole.Apply(&connect.Record{KeySchema: data.Int64Schema, Key: int64(300)})
	if out.Key != int8(44) || out.KeySchema.Type != data.TypeInt8 {
		t.Fatalf("Java narrowing of 300 to int8 gives 44, got %v", out.Key)
	}
	sl := configure(t, &Cast{side: smtutil.Value}, map[string]string{"spec": "a:boolean,b:float64,c:int64,d:string"})
	out, err = sl.Apply(sinkRec(nil, map[string]any{"a": "TRUE", "b": int32(2), "c": 3.9, "d": []byte{1, 2}}))
	m := out.Value.(map[string]any)
	if err != nil || m["a"] != true || m["b"] != 2.0 || m["c"] != int64(3) || m["d"] != "AQI=" {
		t.Fatalf("schemaless casts %v %v", m, err)
	}
	if _, err := sl.Apply(sinkRec(nil, map[string]any{"c": "x1"})); err == nil {
		t.Fatal("bad number string accepted")
	}
	expectConfigError(t, &Cast{side: smtutil.Value}, map[string]string{"spec": "a:uuid"}, "spec")
	expectConfigError(t, &Cast{side: smtutil.Value}, map[string]string{"spec": "int8,a:string"}, "spec")
}

func TestTimestampConverter(t *testing.T) {
	ts := time.Date(2024, 5, 6, 7, 8, 9, 123e6, time.UTC)
	s := data.StructBuilder().Field("at", data.TimestampBuilder().MustBuild()).Field("n", data.Int32Schema).MustBuild()
	tr := configure(t, &TimestampConverter{side: smtutil.Value}, map[string]string{"field": "at", "target.type": "string", "format": "yyyy-MM-dd'T'HH:mm:ss.SSS"})
	out, err := tr.Apply(sinkRec(s, data.NewStruct(s).MustPut("at", ts).MustPut("n", int32(1))))
	if err != nil || get(t, out.Value, "at") != "2024-05-06T07:08:09.123" {
		t.Fatalf("to string %v %v", out, err)
	}
	unix := configure(t, &TimestampConverter{side: smtutil.Value}, map[string]string{"target.type": "unix", "unix.precision": "seconds"})
	out, _ = unix.Apply(sinkRec(data.TimestampBuilder().MustBuild(), ts))
	if out.Value != int64(1714979289) || out.ValueSchema.Type != data.TypeInt64 {
		t.Fatalf("to unix seconds %v", out.Value)
	}
	date := configure(t, &TimestampConverter{side: smtutil.Value}, map[string]string{"field": "at", "target.type": "Date", "format": "yyyy-MM-dd"})
	out, _ = date.Apply(sinkRec(nil, map[string]any{"at": "2024-05-06"}))
	if d := out.Value.(map[string]any)["at"].(time.Time); !d.Equal(time.Date(2024, 5, 6, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("string to Date %v", d)
	}
	toTS := configure(t, &TimestampConverter{side: smtutil.Value}, map[string]string{"target.type": "Timestamp"})
	out, _ = toTS.Apply(sinkRec(nil, int64(1700000000000)))
	if out.Value.(time.Time).UnixMilli() != 1700000000000 {
		t.Fatalf("unix to Timestamp %v", out.Value)
	}
	if _, err := toTS.Apply(sinkRec(nil, int32(5))); err == nil {
		t.Fatal("Integer input must be rejected")
	}
	expectConfigError(t, &TimestampConverter{side: smtutil.Value}, map[string]string{"target.type": "string"}, "format")
	expectConfigError(t, &TimestampConverter{side: smtutil.Value}, map[string]string{"target.type": "timestamp"}, "target.type")
}

func TestFlatten(t *testing.T) {
	inner := data.StructBuilder().Optional().Field("x", data.Int32Schema).Field("y", data.OptionalString).MustBuild()
	s := data.StructBuilder().Name("n").Field("id", data.Int32Schema).Field("in", inner).MustBuild()
	v := data.NewStruct(s).MustPut("id", int32(1)).MustPut("in", data.NewStruct(inner).MustPut("x", int32(2)).MustPut("y", "z"))
	tr := configure(t, &Flatten{side: smtutil.Value}, map[string]string{"delimiter": "_"})
	out, err := tr.Apply(sinkRec(s, v))
	if err != nil {
		t.Fatal(err)
	}
	if got := fieldNames(out.ValueSchema); got != "id,in_x,in_y" {
		t.Fatalf("flattened fields %s", got)
	}
	if f, _ := out.ValueSchema.Field("in_x"); !f.Schema.Optional {
		t.Fatal("child of an optional struct must become optional")
	}
	if get(t, out.Value, "in_x") != int32(2) || get(t, out.Value, "in_y") != "z" {
		t.Fatalf("values %v", out.Value)
	}
	out, _ = configure(t, &Flatten{side: smtutil.Value}, nil).Apply(sinkRec(nil, map[string]any{"a": map[string]any{"b": 1, "c": nil}, "d": []any{1}}))
	m := out.Value.(map[string]any)
	if m["a.b"] != 1 || len(m) != 3 {
		t.Fatalf("schemaless flatten %v", m)
	}
	if v, ok := m["a.c"]; !ok || v != nil {
		t.Fatal("null entries must be kept")
	}
	withMap := data.StructBuilder().Field("m", data.MapOf(data.StringSchema, data.StringSchema).MustBuild()).MustBuild()
	if _, err := tr.Apply(sinkRec(withMap, data.NewStruct(withMap).MustPut("m", map[string]any{}))); err == nil {
		t.Fatal("MAP fields must be rejected with a schema")
	}
}

func fieldNames(s *data.Schema) string {
	var n []string
	for _, f := range s.Fields {
		n = append(n, f.Name)
	}
	return strings.Join(n, ",")
}

func TestSetSchemaMetadata(t *testing.T) {
	tr := configure(t, &SetSchemaMetadata{side: smtutil.Value}, map[string]string{"schema.name": "renamed", "schema.version": "7"})
	out, err := tr.Apply(sinkRec(userSchema(), user(1, "a")))
	if err != nil || out.ValueSchema.Name != "renamed" || *out.ValueSchema.Version != 7 || out.Value.(*data.Struct).Schema() != out.ValueSchema {
		t.Fatalf("metadata %v %v", out, err)
	}
	if _, err := tr.Apply(sinkRec(nil, map[string]any{})); err == nil || !strings.Contains(err.Error(), "Schema required") {
		t.Fatalf("schemaless value: %v", err)
	}
	expectConfigError(t, &SetSchemaMetadata{side: smtutil.Value}, map[string]string{}, "schema.name")
}

func TestRouters(t *testing.T) {
	rr := configure(t, &RegexRouter{}, map[string]string{"regex": "(.*)-(v)(\\d)", "replacement": "$1_$3\\$"})
	r := &connect.Record{Topic: "orders-v1"}
	if out, _ := rr.Apply(r); out.Topic != "orders_1$" {
		t.Fatalf("RegexRouter gave %s", out.Topic)
	}
	if out, _ := rr.Apply(&connect.Record{Topic: "xorders"}); out.Topic != "xorders" {
		t.Fatal("a partial match must not route")
	}
	// Java: $10 means group 1 then "0" when there is no group 10.
	if got := javaReplacement("$10", 2); got != "${1}0" {
		t.Fatalf("javaReplacement = %s", got)
	}
	tsr := configure(t, &TimestampRouter{}, map[string]string{"timestamp.format": "yyyy.MM.dd"})
	out, err := tsr.Apply(sinkRec(nil, nil))
	if err != nil || out.Topic != "users-2023.11.14" {
		t.Fatalf("TimestampRouter gave %s %v", out.Topic, err)
	}
	if _, err := tsr.Apply(&connect.Record{Topic: "t"}); err == nil {
		t.Fatal("missing timestamp accepted")
	}
}

func TestHeaderTransforms(t *testing.T) {
	ih := configure(t, &InsertHeader{}, map[string]string{"header": "h", "value.literal": "42"})
	r := &connect.Record{Headers: connect.Headers{{Key: "h", Value: "old"}}}
	out, _ := ih.Apply(r)
	if len(out.Headers) != 2 || out.Headers[1].Value != int8(42) || out.Headers[1].Schema.Type != data.TypeInt8 {
		t.Fatalf("InsertHeader %v", out.Headers)
	}
	dh := configure(t, &DropHeaders{}, map[string]string{"headers": "h,x"})
	if out, _ := dh.Apply(out); len(out.Headers) != 0 {
		t.Fatalf("DropHeaders left %v", out.Headers)
	}
	hf := configure(t, &HeaderFrom{side: smtutil.Value}, map[string]string{"fields": "id,name", "headers": "hid,hname", "operation": "move"})
	out, err := hf.Apply(sinkRec(userSchema(), user(3, "c")))
	if err != nil || len(out.Headers) != 2 || out.Headers[0].Value != int32(3) || fieldNames(out.ValueSchema) != "score" {
		t.Fatalf("HeaderFrom move: %v %v %v", out.Headers, out.ValueSchema, err)
	}
	cp := configure(t, &HeaderFrom{side: smtutil.Value}, map[string]string{"fields": "a", "headers": "ha", "operation": "copy"})
	out, _ = cp.Apply(sinkRec(nil, map[string]any{"a": "x"}))
	if out.Headers[0].Value != "x" || out.Value.(map[string]any)["a"] != "x" {
		t.Fatal("HeaderFrom copy")
	}
	expectConfigError(t, &HeaderFrom{side: smtutil.Value}, map[string]string{"fields": "a,b", "headers": "h", "operation": "copy"}, "headers")
	expectConfigError(t, &HeaderFrom{side: smtutil.Value}, map[string]string{"fields": "a", "headers": "h", "operation": "Move"}, "operation")
}

func TestFilterDrops(t *testing.T) {
	if out, err := (&Filter{}).Apply(&connect.Record{}); out != nil || err != nil {
		t.Fatal("Filter must drop")
	}
}

func TestDescsNamesAndConfigDefs(t *testing.T) {
	seen := map[string]bool{}
	for _, d := range Descs() {
		if seen[d.Class] {
			t.Errorf("duplicate %s", d.Class)
		}
		seen[d.Class] = true
		tr := d.New().(connect.Transformation)
		if tr.ConfigDef() == nil {
			t.Errorf("%s has no ConfigDef", d.Class)
		}
	}
	for _, want := range []string{"InsertField$Value", "ExtractField$Key", "ReplaceField$Value", "MaskField$Key", "ValueToKey", "HoistField$Value",
		"Cast$Value", "TimestampConverter$Value", "Flatten$Value", "SetSchemaMetadata$Value", "RegexRouter", "TimestampRouter",
		"InsertHeader", "DropHeaders", "HeaderFrom$Value", "Filter"} {
		if !seen[pkg+want] {
			t.Errorf("%s not registered", want)
		}
	}
}

func expectConfigError(t *testing.T, tr connect.Transformation, props map[string]string, key string) {
	t.Helper()
	err := tr.Configure(props)
	var ce *config.Error
	if err == nil || !errors.As(err, &ce) || !strings.Contains(err.Error(), key) {
		t.Errorf("config %v: error %v does not name %s", props, err, key)
	}
}
