package debezium

import (
	"cmp"
	"strings"
	"testing"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/converters/stringconv"
	"github.com/goconnect/goconnect/transforms/apache"
)

// The envelope below follows the Debezium MySQL 2.7 layout documented in
// the connectors spec (§1.3–1.5): before, after, source, transaction, op,
// ts_ms for table demo.CUSTOMERS of server asgard.

var (
	rowSchema = data.StructBuilder().Name("asgard.demo.CUSTOMERS.Value").Optional().
			Field("id", data.Int32Schema).
			Field("first_name", data.OptionalString).
			Field("club_status", data.OptionalString).
			MustBuild()
	keySchema = data.StructBuilder().Name("asgard.demo.CUSTOMERS.Key").Field("id", data.Int32Schema).MustBuild()
	srcSchema = data.StructBuilder().Name("io.debezium.connector.mysql.Source").
			Field("version", data.StringSchema).
			Field("connector", data.StringSchema).
			Field("name", data.StringSchema).
			Field("ts_ms", data.Int64Schema).
			Field("db", data.StringSchema).
			Field("table", data.OptionalString).
			MustBuild()
	txSchema = data.StructBuilder().Name("event.block").Version(1).Optional().
			Field("id", data.StringSchema).Field("total_order", data.Int64Schema).Field("data_collection_order", data.Int64Schema).
			MustBuild()
	envSchema = data.StructBuilder().Name("asgard.demo.CUSTOMERS.Envelope").Version(2).
			Field("before", rowSchema).
			Field("after", rowSchema).
			Field("source", srcSchema).
			Field("transaction", txSchema).
			Field("op", data.StringSchema).
			Field("ts_ms", data.OptionalInt64).
			MustBuild()
)

func row(id int32, name, status string) *data.Struct {
	return data.NewStruct(rowSchema).MustPut("id", id).MustPut("first_name", name).MustPut("club_status", status)
}

func event(op string, before, after *data.Struct) *connect.Record {
	src := data.NewStruct(srcSchema).MustPut("version", "2.7.3.Final").MustPut("connector", "mysql").MustPut("name", "asgard").
		MustPut("ts_ms", int64(1705314600000)).MustPut("db", "demo").MustPut("table", "CUSTOMERS")
	env := data.NewStruct(envSchema).MustPut("source", src).MustPut("op", op).MustPut("ts_ms", int64(1705314600123))
	if before != nil {
		env.MustPut("before", before)
	}
	if after != nil {
		env.MustPut("after", after)
	}
	r := &connect.Record{Topic: "asgard.demo.CUSTOMERS", Partition: -1, KafkaOffset: -1, ValueSchema: envSchema, Value: env}
	if id := cmp.Or(after, before); id != nil {
		r.KeySchema, r.Key = keySchema, data.NewStruct(keySchema).MustPut("id", id.RawIndex(0))
	}
	return r
}

func unwrap(t *testing.T, props map[string]string) *ExtractNewRecordState {
	t.Helper()
	u := &ExtractNewRecordState{}
	if err := u.Configure(props); err != nil {
		t.Fatal(err)
	}
	return u
}

func names(s *data.Schema) string {
	var n []string
	for _, f := range s.Fields {
		n = append(n, f.Name)
	}
	return strings.Join(n, ",")
}

func TestUnwrapCreateAndUpdate(t *testing.T) {
	u := unwrap(t, nil)
	out, err := u.Apply(event("u", row(1, "Rica", "bronze"), row(1, "Rica", "platinum")))
	if err != nil {
		t.Fatal(err)
	}
	st := out.Value.(*data.Struct)
	if out.ValueSchema.Name != "asgard.demo.CUSTOMERS.Value" || names(out.ValueSchema) != "id,first_name,club_status" {
		t.Fatalf("schema %s %s", out.ValueSchema.Name, names(out.ValueSchema))
	}
	if v, _ := st.Get("club_status"); v != "platinum" {
		t.Fatalf("after image not used: %v", st)
	}
	if out.Topic != "asgard.demo.CUSTOMERS" || out.Key == nil {
		t.Fatal("topic and key must be kept")
	}
}

func TestUnwrapAddFieldsAndHeaders(t *testing.T) {
	u := unwrap(t, map[string]string{"add.fields": "op,table,source.ts_ms,ts_ms:event_ts,id", "add.headers": "db"})
	out, err := u.Apply(event("c", nil, row(2, "Ruthie", "platinum")))
	if err != nil {
		t.Fatal(err)
	}
	if got := names(out.ValueSchema); got != "id,first_name,club_status,__op,__table,__source_ts_ms,__event_ts,__id" {
		t.Fatalf("fields %s", got)
	}
	st := out.Value.(*data.Struct)
	for field, want := range map[string]any{"__op": "c", "__table": "CUSTOMERS", "__source_ts_ms": int64(1705314600000), "__event_ts": int64(1705314600123), "__id": nil} {
		if v, _ := st.Get(field); v != want {
			t.Errorf("%s = %v, want %v", field, v, want)
		}
	}
	if f, _ := out.ValueSchema.Field("__source_ts_ms"); !f.Schema.Optional {
		t.Error("added fields must be optional")
	}
	if h, ok := out.Headers.Last("__db"); !ok || h.Value != "demo" {
		t.Fatalf("header __db: %v", out.Headers)
	}
}

func TestUnwrapDeletesAndTombstones(t *testing.T) {
	del := event("d", row(3, "M", "bronze"), nil)
	tomb := &connect.Record{Topic: "asgard.demo.CUSTOMERS", KeySchema: keySchema, Key: del.Key}

	// Legacy defaults: delete and tombstone both dropped.
	legacy := unwrap(t, nil)
	if out, _ := legacy.Apply(event("d", row(3, "M", "bronze"), nil)); out != nil {
		t.Fatal("delete not dropped by default")
	}
	if out, _ := legacy.Apply(tomb); out != nil {
		t.Fatal("tombstone not dropped by default")
	}

	// Rewrite: the before image plus __deleted="true", after the columns and before added fields.
	rw := unwrap(t, map[string]string{"delete.handling.mode": "rewrite", "add.fields": "op"})
	out, err := rw.Apply(del)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(out.ValueSchema); got != "id,first_name,club_status,__deleted,__op" {
		t.Fatalf("rewrite fields %s", got)
	}
	st := out.Value.(*data.Struct)
	if d, _ := st.Get("__deleted"); d != "true" {
		t.Fatalf("__deleted = %v", d)
	}
	if f, _ := out.ValueSchema.Field("__deleted"); f.Schema.Type != data.TypeString || !f.Schema.Optional {
		t.Fatal("__deleted is an optional STRING")
	}
	upd, _ := rw.Apply(event("u", row(1, "a", "b"), row(1, "a", "c")))
	if d, _ := upd.Value.(*data.Struct).Get("__deleted"); d != "false" {
		t.Fatalf("update __deleted = %v", d)
	}

	// tombstone mode: value null, value schema the row schema.
	ts := unwrap(t, map[string]string{"delete.tombstone.handling.mode": "tombstone"})
	out, _ = ts.Apply(event("d", row(3, "M", "bronze"), nil))
	if out == nil || out.Value != nil || out.ValueSchema == nil || out.ValueSchema.Name != "asgard.demo.CUSTOMERS.Value" {
		t.Fatalf("tombstone mode: %+v", out)
	}
	// rewrite-with-tombstone keeps tombstones.
	rwt := unwrap(t, map[string]string{"delete.tombstone.handling.mode": "rewrite-with-tombstone", "add.headers": "op"})
	out, _ = rwt.Apply(&connect.Record{Topic: "x", Key: "k"})
	if out == nil {
		t.Fatal("rewrite-with-tombstone dropped the tombstone")
	}
	if h, ok := out.Headers.Last("__op"); !ok || h.Value != "d" {
		t.Fatalf("tombstone op header: %v", out.Headers)
	}
	// delete-to-tombstone makes a real tombstone.
	dt := unwrap(t, map[string]string{"delete.tombstone.handling.mode": "delete-to-tombstone"})
	out, _ = dt.Apply(event("d", row(3, "M", "bronze"), nil))
	if out == nil || out.Value != nil || out.ValueSchema != nil {
		t.Fatalf("delete-to-tombstone: %+v", out)
	}
}

func TestUnwrapPassesThroughNonEnvelopes(t *testing.T) {
	u := unwrap(t, nil)
	hb := &connect.Record{ValueSchema: data.StructBuilder().Name("io.debezium.connector.common.Heartbeat").Field("ts_ms", data.Int64Schema).MustBuild()}
	hb.Value = data.NewStruct(hb.ValueSchema).MustPut("ts_ms", int64(1))
	if out, _ := u.Apply(hb); out != hb {
		t.Fatal("heartbeat changed")
	}
	plain := &connect.Record{Value: map[string]any{"a": 1}}
	if out, _ := u.Apply(plain); out != plain {
		t.Fatal("schemaless record changed")
	}
	truncate := event("t", nil, nil)
	if out, _ := u.Apply(truncate); out != nil {
		t.Fatal("truncate event not dropped")
	}
}

func TestUnwrapRouteByField(t *testing.T) {
	u := unwrap(t, map[string]string{"route.by.field": "club_status"})
	out, _ := u.Apply(event("c", nil, row(4, "H", "platinum")))
	if out.Topic != "platinum" {
		t.Fatalf("routed to %s", out.Topic)
	}
}

func TestUnwrapBadConfigNamesKey(t *testing.T) {
	for key, val := range map[string]string{"delete.handling.mode": "keep", "delete.tombstone.handling.mode": "vanish", "drop.tombstones": "sure"} {
		err := (&ExtractNewRecordState{}).Configure(map[string]string{key: val})
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s=%s: %v", key, val, err)
		}
	}
}

// TestReferenceChain reproduces the reference pipeline's MySQL connector:
// Debezium envelope → unwrap → ExtractField$Key(id), key written with
// StringConverter.
func TestReferenceChain(t *testing.T) {
	u := unwrap(t, nil)
	var extract connect.Transformation
	for _, d := range apache.Descs() {
		if d.Class == "org.apache.kafka.connect.transforms.ExtractField$Key" {
			extract = d.New().(connect.Transformation)
		}
	}
	if err := extract.Configure(map[string]string{"field": "id"}); err != nil {
		t.Fatal(err)
	}
	rec, err := u.Apply(event("r", nil, row(1, "Rica", "bronze")))
	if err != nil {
		t.Fatal(err)
	}
	if rec, err = extract.Apply(rec); err != nil {
		t.Fatal(err)
	}
	conv := stringconv.New()
	if err := conv.Configure(nil, true); err != nil {
		t.Fatal(err)
	}
	key, err := conv.FromConnectData(rec.Topic, nil, rec.KeySchema, rec.Key)
	if err != nil || string(key) != "1" {
		t.Fatalf("key %q %v", key, err)
	}
	if names(rec.ValueSchema) != "id,first_name,club_status" {
		t.Fatalf("value is not the flat row: %s", names(rec.ValueSchema))
	}
}

// BenchmarkReferenceChains compares the reference chains with a plain copy
// of the same record, per record.
func BenchmarkReferenceChains(b *testing.B) {
	u := &ExtractNewRecordState{}
	_ = u.Configure(nil)
	var extract, insert connect.Transformation
	for _, d := range apache.Descs() {
		switch d.Class {
		case "org.apache.kafka.connect.transforms.ExtractField$Key":
			extract = d.New().(connect.Transformation)
		case "org.apache.kafka.connect.transforms.InsertField$Value":
			insert = d.New().(connect.Transformation)
		}
	}
	_ = extract.Configure(map[string]string{"field": "id"})
	_ = insert.Configure(map[string]string{"timestamp.field": "EXTRACT_TS"})
	in := event("c", nil, row(1, "Rica", "bronze"))
	b.Run("baseline-copy", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r := *in
			_ = &r
		}
	})
	b.Run("unwrap+ExtractField$Key", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r := *in
			out, _ := u.Apply(&r)
			_, _ = extract.Apply(out)
		}
	})
	flat := *in
	flatOut, _ := u.Apply(&flat)
	flatOut.KafkaOffset = 1
	b.Run("InsertField$Value(timestamp)", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r := *flatOut
			r.Timestamp = in.Timestamp
			_, _ = insert.Apply(&r)
		}
	})
}

// TestUnwrapValueSchemaRequired: Debezium 2.7's ExtractNewRecordState
// passes every create/update/read (and a rewritten delete) through
// addFields, which rebuilds the row schema with Connect's
// SchemaUtil.copySchemaBasics: name, version, doc and parameters are kept,
// optionality is not, so the flattened value schema is required even
// though the envelope's before/after schema is optional. The fields keep
// their schemas (defaults included). A delete in tombstone mode keeps the
// optional row schema (ExtractField on "after").
func TestUnwrapValueSchemaRequired(t *testing.T) {
	for _, c := range []struct {
		name  string
		props map[string]string
		rec   *connect.Record
	}{
		{"create", nil, event("c", nil, row(1, "a", "b"))},
		{"update", nil, event("u", row(1, "a", "b"), row(1, "a", "c"))},
		{"read", nil, event("r", nil, row(1, "a", "b"))},
		{"add.fields", map[string]string{"add.fields": "op"}, event("c", nil, row(1, "a", "b"))},
		{"rewrite create", map[string]string{"delete.handling.mode": "rewrite"}, event("c", nil, row(1, "a", "b"))},
		{"rewrite delete", map[string]string{"delete.tombstone.handling.mode": "rewrite"}, event("d", row(1, "a", "b"), nil)},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, err := unwrap(t, c.props).Apply(c.rec)
			if err != nil || out == nil {
				t.Fatalf("%v %v", out, err)
			}
			s := out.ValueSchema
			if s.Optional || s.Name != rowSchema.Name || s.Type != data.TypeStruct {
				t.Errorf("value schema %s optional=%v, want required %s", s.Name, s.Optional, rowSchema.Name)
			}
			for i, f := range rowSchema.Fields {
				if s.Fields[i].Name != f.Name || s.Fields[i].Schema != f.Schema {
					t.Errorf("field %d: %s %+v, want %s as in the row", i, s.Fields[i].Name, s.Fields[i].Schema, f.Name)
				}
			}
			st := out.Value.(*data.Struct)
			if st.Schema() != s {
				t.Error("value struct does not carry the value schema")
			}
			if err := st.Validate(); err != nil {
				t.Error(err)
			}
			if v, _ := st.Get("id"); v != int32(1) {
				t.Errorf("id %v", v)
			}
		})
	}
	out, _ := unwrap(t, map[string]string{"delete.tombstone.handling.mode": "tombstone"}).Apply(event("d", row(1, "a", "b"), nil))
	if out.ValueSchema != rowSchema || out.Value != nil {
		t.Errorf("tombstone mode delete: %+v", out)
	}
}

// TestUnwrapReportedKeys checks the embedded resource: Debezium 2.7.3's
// ten ExtractNewRecordState keys, with its display names.
func TestUnwrapReportedKeys(t *testing.T) {
	keys := (&ExtractNewRecordState{}).ReportedKeys()
	if len(keys) != 10 || keys[0].Name != "drop.tombstones" || keys[0].DisplayName != "Drop tombstones" || keys[0].Order != 1 {
		t.Fatalf("keys %+v, want Debezium's 10 starting with drop.tombstones (Drop tombstones, order 1)", keys)
	}
}

// TestUnwrapRefusesDropFields: the drop-fields feature is not implemented,
// so its header name is refused rather than ignored.
func TestUnwrapRefusesDropFields(t *testing.T) {
	err := (&ExtractNewRecordState{}).Configure(map[string]string{"drop.fields.header.name": "h"})
	if err == nil || !strings.Contains(err.Error(), "drop.fields.header.name is not supported by goconnect yet") {
		t.Fatalf("Configure: %v, want the refusal", err)
	}
}
