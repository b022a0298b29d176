package jsonconverter

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/goconnect/goconnect/connect/data"
)

// The benchmarks below write the same data as a Connect struct through
// the converter (schemas.enable=false) and as a tagged Go struct through
// encoding/json; TestBenchDataSameJSON checks that both give the same
// bytes, so the figures compare the same work.
//
//	go test -run '^$' -bench 'JSONEncode' -benchmem ./internal/jsonconverter

type ratingGo struct {
	RatingID   int64  `json:"rating_id"`
	UserID     int32  `json:"user_id"`
	Stars      int32  `json:"stars"`
	RouteID    int32  `json:"route_id"`
	RatingTime int64  `json:"rating_time"`
	Channel    string `json:"channel"`
	Message    string `json:"message"`
}

var ratingGoValue = ratingGo{RatingID: 1, UserID: 7, Stars: 3, RouteID: 4262, RatingTime: 1, Channel: "android", Message: "meh"}

// mysqlRowGo is a Debezium MySQL change event of the bench/mysqlcdc table
// (id INT, name VARCHAR, amount DECIMAL(10,2), ts DATETIME) as Go structs.
type mysqlRowGo struct {
	Before      *mysqlAfterGo `json:"before"`
	After       *mysqlAfterGo `json:"after"`
	Source      mysqlSourceGo `json:"source"`
	Transaction *struct{}     `json:"transaction"`
	Op          string        `json:"op"`
	TsMs        int64         `json:"ts_ms"`
	TsUs        int64         `json:"ts_us"`
	TsNs        int64         `json:"ts_ns"`
}

type mysqlAfterGo struct {
	ID     int32  `json:"id"`
	Name   string `json:"name"`
	Amount []byte `json:"amount"`
	Ts     int64  `json:"ts"`
}

type mysqlSourceGo struct {
	Version   string  `json:"version"`
	Connector string  `json:"connector"`
	Name      string  `json:"name"`
	TsMs      int64   `json:"ts_ms"`
	Snapshot  string  `json:"snapshot"`
	DB        string  `json:"db"`
	Sequence  *string `json:"sequence"`
	TsUs      int64   `json:"ts_us"`
	TsNs      int64   `json:"ts_ns"`
	Table     string  `json:"table"`
	ServerID  int64   `json:"server_id"`
	Gtid      *string `json:"gtid"`
	File      string  `json:"file"`
	Pos       int64   `json:"pos"`
	Row       int32   `json:"row"`
	Thread    *int64  `json:"thread"`
	Query     *string `json:"query"`
}

var mysqlRowGoValue = mysqlRowGo{
	After: &mysqlAfterGo{ID: 123456, Name: "name 123456", Amount: []byte{0x00, 0xbc, 0x61, 0x71}, Ts: 1705314600000},
	Source: mysqlSourceGo{Version: "2.7.3.Final", Connector: "mysql", Name: "bsnap1796429986323927676", TsMs: 1764893405123,
		Snapshot: "true", DB: "gcbench_1796429986323927676", TsUs: 1764893405123000, TsNs: 1764893405123000000, Table: "items",
		File: "mysql-bin.000013", Pos: 65004939},
	Op: "r", TsMs: 1764893405124, TsUs: 1764893405124567, TsNs: 1764893405124567890,
}

// mysqlRowConnect is mysqlRowGoValue as the MySQL source builds it.
func mysqlRowConnect() (*data.Schema, *data.Struct) {
	rows := mysqlRowsConnect(1, 1)
	return rows[0].Schema(), rows[0]
}

// mysqlRowsConnect is n distinct records of mysqlRowGoValue's content,
// each group of share records sharing one source block (as snapshot
// records of one millisecond do; 1: none shared, as streamed records).
func mysqlRowsConnect(n, share int) []*data.Struct {
	opt := func(s *data.Schema) *data.Schema { c := *s; c.Optional = true; return &c }
	decimal := data.DecimalBuilder(2).Optional().Param("connect.decimal.precision", "10").MustBuild()
	after := data.StructBuilder().Name("p.db.items.Value").Optional().
		Field("id", data.Int32Schema).Field("name", data.OptionalString).Field("amount", decimal).
		Field("ts", opt(data.NewBuilder(data.TypeInt64).Name("io.debezium.time.Timestamp").Version(1).MustBuild())).MustBuild()
	srcSchema := data.StructBuilder().Name("io.debezium.connector.mysql.Source").
		Field("version", data.StringSchema).Field("connector", data.StringSchema).Field("name", data.StringSchema).
		Field("ts_ms", data.Int64Schema).
		Field("snapshot", data.NewBuilder(data.TypeString).Optional().Name("io.debezium.data.Enum").Version(1).
			Param("allowed", "true,last,false,incremental").Default("false").MustBuild()).
		Field("db", data.StringSchema).Field("sequence", data.OptionalString).Field("ts_us", data.OptionalInt64).
		Field("ts_ns", data.OptionalInt64).Field("table", data.OptionalString).Field("server_id", data.Int64Schema).
		Field("gtid", data.OptionalString).Field("file", data.StringSchema).Field("pos", data.Int64Schema).
		Field("row", data.Int32Schema).Field("thread", data.OptionalInt64).Field("query", data.OptionalString).MustBuild()
	tx := data.StructBuilder().Name("event.block").Version(1).Optional().
		Field("id", data.StringSchema).Field("total_order", data.Int64Schema).Field("data_collection_order", data.Int64Schema).MustBuild()
	env := data.StructBuilder().Name("p.db.items.Envelope").Version(2).
		Field("before", after).Field("after", after).Field("source", srcSchema).Field("transaction", tx).
		Field("op", data.StringSchema).Field("ts_ms", data.OptionalInt64).Field("ts_us", data.OptionalInt64).
		Field("ts_ns", data.OptionalInt64).MustBuild()
	g := mysqlRowGoValue
	out := make([]*data.Struct, n)
	var s *data.Struct
	for r := range out {
		a := data.NewStruct(after)
		a.PutIndex(0, g.After.ID)
		a.PutIndex(1, g.After.Name)
		a.PutIndex(2, data.NewBigDecimal(12345713, 2))
		a.PutIndex(3, g.After.Ts)
		if r%share == 0 {
			s = data.NewStruct(srcSchema)
			for i, v := range []any{g.Source.Version, g.Source.Connector, g.Source.Name, g.Source.TsMs, g.Source.Snapshot, g.Source.DB,
				nil, g.Source.TsUs, g.Source.TsNs, g.Source.Table, g.Source.ServerID, nil, g.Source.File, g.Source.Pos, g.Source.Row, nil, nil} {
				s.PutIndex(i, v)
			}
		}
		e := data.NewStruct(env)
		e.PutIndex(1, a)
		e.PutIndex(2, s)
		e.PutIndex(4, g.Op)
		e.PutIndex(5, g.TsMs)
		e.PutIndex(6, g.TsUs)
		e.PutIndex(7, g.TsNs)
		out[r] = e
	}
	return out
}

func TestBenchDataSameJSON(t *testing.T) {
	c := configured(t, map[string]string{"schemas.enable": "false"})
	rs, rv := ratingsStruct()
	ms, mv := mysqlRowConnect()
	for _, x := range []struct {
		s       *data.Schema
		v       *data.Struct
		goValue any
	}{{rs, rv, ratingGoValue}, {ms, mv, mysqlRowGoValue}} {
		got, err := c.FromConnectData("t", nil, x.s, x.v)
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(x.goValue)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("converter %s\nencoding/json %s", got, want)
		}
	}
}

func BenchmarkJSONEncode(b *testing.B) {
	rs, rv := ratingsStruct()
	for _, x := range []struct {
		name    string
		values  []*data.Struct
		goValue any
	}{
		{"ratings", []*data.Struct{rv}, ratingGoValue},
		// Distinct records, as a stream has them (the converter keeps
		// no text of a struct it does not see twice).
		{"mysql-row", mysqlRowsConnect(1024, 1), mysqlRowGoValue},
		// Records sharing their source block 128 at a time, as a
		// snapshot's records of one millisecond do.
		{"mysql-row-shared-source", mysqlRowsConnect(1024, 128), mysqlRowGoValue},
	} {
		b.Run(x.name+"/converter", func(b *testing.B) {
			c := configured(b, map[string]string{"schemas.enable": "false"})
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				v := x.values[i%len(x.values)]
				i++
				out, err := c.FromConnectData("t", nil, v.Schema(), v)
				if err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(len(out)))
			}
		})
		b.Run(x.name+"/encoding-json", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				out, err := json.Marshal(x.goValue)
				if err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(len(out)))
			}
		})
	}
	_ = rs
}

// TestDecimalInt64Bytes: decimals whose unscaled value fits an int64 are
// written without big.Int's bytes; the text is the same as through
// data.DecimalToBytes (BigInteger.toByteArray's minimal two's complement).
func TestDecimalInt64Bytes(t *testing.T) {
	s := data.DecimalBuilder(2).MustBuild()
	c := configured(t, map[string]string{"schemas.enable": "false"})
	for _, n := range []int64{0, 1, -1, 127, 128, -128, -129, 255, 256, 32767, 32768, -32768, -32769, 1 << 55, -(1 << 55),
		1<<63 - 1, -1 << 63, 12345713, -12345713} {
		d := data.NewBigDecimal(n, 2)
		got, err := c.FromConnectData("t", nil, s, d)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := data.DecimalToBytes(s, d)
		if err != nil {
			t.Fatal(err)
		}
		if want := `"` + base64.StdEncoding.EncodeToString(raw) + `"`; string(got) != want {
			t.Errorf("%d: %s, want %s", n, got, want)
		}
	}
	if _, err := c.FromConnectData("t", nil, s, data.NewBigDecimal(5, 3)); err == nil || !strings.Contains(err.Error(), "scale 3") {
		t.Errorf("wrong scale: %v", err)
	}
}

// TestSharedStructText: a struct value records share (a source block) is
// written from the text kept of it only while it is unchanged: a field
// set anew, or a mutable field value changed in place, shows.
func TestSharedStructText(t *testing.T) {
	inner := data.StructBuilder().Field("a", data.StringSchema).Field("n", data.OptionalInt64).MustBuild()
	binner := data.StructBuilder().Field("b", data.BytesSchema).MustBuild()
	outer := data.StructBuilder().Field("x", data.Int32Schema).Field("src", inner).Field("bin", binner).MustBuild()
	src := data.NewStruct(inner).MustPut("a", "one")
	raw := []byte{1}
	bin := data.NewStruct(binner).MustPut("b", raw)
	c := configured(t, map[string]string{"schemas.enable": "false"})
	write := func(x int32) string {
		t.Helper()
		v := data.NewStruct(outer).MustPut("x", x).MustPut("src", src).MustPut("bin", bin)
		got, err := c.FromConnectData("t", nil, outer, v)
		if err != nil {
			t.Fatal(err)
		}
		return string(got)
	}
	for i, want := range []string{`{"x":1,"src":{"a":"one","n":null},"bin":{"b":"AQ=="}}`, `{"x":2,"src":{"a":"one","n":null},"bin":{"b":"AQ=="}}`,
		`{"x":3,"src":{"a":"one","n":null},"bin":{"b":"AQ=="}}`} {
		if got := write(int32(i + 1)); got != want {
			t.Fatalf("write %d: %s, want %s", i, got, want)
		}
	}
	src.PutIndex(1, int64(7))
	raw[0] = 2
	if got, want := write(4), `{"x":4,"src":{"a":"one","n":7},"bin":{"b":"Ag=="}}`; got != want {
		t.Fatalf("after changes: %s, want %s", got, want)
	}
	src.MustPut("a", "two")
	if got, want := write(5), `{"x":5,"src":{"a":"two","n":7},"bin":{"b":"Ag=="}}`; got != want {
		t.Fatalf("after Put: %s, want %s", got, want)
	}
}
