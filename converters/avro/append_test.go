package avro

import (
	"bytes"
	"encoding/json"
	"math/big"
	"net/http"
	"testing"
	"time"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/schemaregistry/srtest"
)

// The worker keeps a record's key and value in one block when both
// converters can append.
var _ connect.AppendConverter = (*Converter)(nil)

// envelopeLike is a snapshot record's shape: an optional struct with an
// int key, optional text, a Decimal and a Timestamp, an optional string
// with a default, and a string.
func envelopeLike() (*data.Schema, *data.Schema) {
	row := data.StructBuilder().Name("srv.db.t.Value").Optional().
		Field("id", data.Int32Schema).
		Field("name", data.OptionalString).
		Field("amount", data.DecimalBuilder(2).Optional().MustBuild()).
		Field("ts", data.TimestampBuilder().Optional().MustBuild()).
		MustBuild()
	env := data.StructBuilder().Name("srv.db.t.Envelope").
		Field("before", row).
		Field("after", row).
		Field("snapshot", data.NewBuilder(data.TypeString).Optional().Default("false").MustBuild()).
		Field("op", data.StringSchema).
		MustBuild()
	return row, env
}

func TestAppendConnectDataMatchesFromConnectData(t *testing.T) {
	srv := srtest.New(t)
	conv := New()
	if err := conv.Configure(map[string]string{"schema.registry.url": srv.URL}, false); err != nil {
		t.Fatal(err)
	}
	rowS, envS := envelopeLike()
	huge, _ := new(big.Int).SetString("-123456789012345678901234567890", 10)
	var values []any
	for i, d := range []*big.Int{big.NewInt(1925), big.NewInt(0), big.NewInt(-1), big.NewInt(-129), big.NewInt(128),
		big.NewInt(1<<63 - 1), big.NewInt(-1 << 63), huge} {
		row := data.NewStruct(rowS).MustPut("id", int32(i)).MustPut("name", "name é").
			MustPut("amount", &data.BigDecimal{Unscaled: d, Scale: 2}).MustPut("ts", time.UnixMilli(1705314600000).UTC())
		if i == 1 {
			row.MustPut("name", nil).MustPut("amount", nil).MustPut("ts", nil)
		}
		values = append(values, data.NewStruct(envS).MustPut("after", row).MustPut("op", "r"))
	}
	prefix := []byte("earlier record")
	for i, v := range values {
		want, err := conv.FromConnectData("srv.db.t", nil, envS, v)
		if err != nil {
			t.Fatal(err)
		}
		got, null, err := conv.AppendConnectData(append([]byte(nil), prefix...), "srv.db.t", nil, envS, v)
		if err != nil || null {
			t.Fatalf("value %d: null %v, %v", i, null, err)
		}
		if !bytes.Equal(got, append(append([]byte(nil), prefix...), want...)) {
			t.Fatalf("value %d: appended\n%x\nwant prefix +\n%x", i, got, want)
		}
	}
	// A tombstone is null and appends nothing.
	got, null, err := conv.AppendConnectData(prefix, "srv.db.t", nil, envS, nil)
	if err != nil || !null || !bytes.Equal(got, prefix) {
		t.Fatalf("tombstone: %q, null %v, %v", got, null, err)
	}
	// A bad value is an error, as FromConnectData's.
	bad := data.NewStruct(envS).MustPut("op", "r")
	bad.PutIndex(0, "not a struct")
	if _, _, err := conv.AppendConnectData(nil, "srv.db.t", nil, envS, bad); err == nil {
		t.Fatal("a string for a struct field was appended")
	}
	if _, err := conv.FromConnectData("srv.db.t", nil, envS, bad); err == nil {
		t.Fatal("a string for a struct field was converted")
	}
}

// With the schema registered and room in dst, a record costs no
// allocation: decimals that fit in 64 bits are written without a
// big.Int's bytes.
func TestAppendConnectDataAllocations(t *testing.T) {
	srv := srtest.New(t)
	conv := New()
	if err := conv.Configure(map[string]string{"schema.registry.url": srv.URL}, false); err != nil {
		t.Fatal(err)
	}
	rowS, envS := envelopeLike()
	row := data.NewStruct(rowS).MustPut("id", int32(7)).MustPut("name", "name 7").
		MustPut("amount", data.NewBigDecimal(-72525, 2)).MustPut("ts", time.UnixMilli(1705314600000).UTC())
	v := data.NewStruct(envS).MustPut("after", row).MustPut("snapshot", "true").MustPut("op", "r")
	dst := make([]byte, 0, 4096)
	if _, _, err := conv.AppendConnectData(dst, "srv.db.t", nil, envS, v); err != nil {
		t.Fatal(err)
	}
	n := testing.AllocsPerRun(100, func() {
		if _, _, err := conv.AppendConnectData(dst, "srv.db.t", nil, envS, v); err != nil {
			t.Fatal(err)
		}
	})
	if n != 0 {
		t.Fatalf("%.1f allocations per record, want 0", n)
	}
}

// Records alternating between schemas and topics are each written with
// their own schema under their own subject (the converter caches both).
func TestAlternatingSchemasAndTopics(t *testing.T) {
	srv := srtest.New(t)
	conv := New()
	if err := conv.Configure(map[string]string{"schema.registry.url": srv.URL}, false); err != nil {
		t.Fatal(err)
	}
	// A column added: the second schema is the first's next version.
	s1 := data.StructBuilder().Name("row").Field("a", data.Int32Schema).MustBuild()
	s2 := data.StructBuilder().Name("row").Field("a", data.Int32Schema).Field("b", data.OptionalString).MustBuild()
	vals := map[*data.Schema]any{s1: data.NewStruct(s1).MustPut("a", int32(1)), s2: data.NewStruct(s2).MustPut("a", int32(2)).MustPut("b", "x")}
	// Each step changes either the schema or the topic.
	steps := []struct {
		topic string
		s     *data.Schema
	}{{"ta", s1}, {"ta", s2}, {"tb", s2}, {"tb", s1}, {"ta", s1}, {"ta", s2}, {"tb", s2}}
	for i, st := range steps {
		b, err := conv.FromConnectData(st.topic, nil, st.s, vals[st.s])
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := conv.ToConnectData(st.topic, nil, b)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Fields) != len(st.s.Fields) {
			t.Fatalf("step %d, topic %s: a record of %d fields was written with a schema of %d", i, st.topic, len(st.s.Fields), len(got.Fields))
		}
	}
	for _, subject := range []string{"ta-value", "tb-value"} {
		resp, err := http.Get(srv.URL + "/subjects/" + subject + "/versions")
		if err != nil {
			t.Fatal(err)
		}
		var versions []int
		err = json.NewDecoder(resp.Body).Decode(&versions)
		resp.Body.Close()
		if err != nil || len(versions) != 2 {
			t.Fatalf("subject %s has versions %v (%v), want both schemas", subject, versions, err)
		}
	}
}
