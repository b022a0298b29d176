package data

import (
	"math/big"
	"strings"
	"testing"
	"time"
)

func TestJavaFloat(t *testing.T) {
	cases := []struct {
		f    float64
		bits int
		want string
	}{
		{1, 64, "1.0"}, {1e10, 64, "1.0E10"}, {1.5e-5, 64, "1.5E-5"}, {0.001, 64, "0.001"},
		{1234567.0, 64, "1234567.0"}, {12345678.0, 64, "1.2345678E7"}, {-2.5, 64, "-2.5"},
		{0, 64, "0.0"}, {0.1, 32, "0.1"}, {3.4e38, 32, "3.4E38"},
	}
	for _, c := range cases {
		if got := JavaFloat(c.f, c.bits); got != c.want {
			t.Errorf("JavaFloat(%v) = %s, want %s", c.f, got, c.want)
		}
	}
}

func TestTwosComplementMatchesJava(t *testing.T) {
	// Values and bytes of Java's BigInteger.toByteArray.
	cases := map[int64]string{0: "\x00", 1: "\x01", 127: "\x7f", 128: "\x00\x80", -1: "\xff", -128: "\x80", -129: "\xff\x7f", 500: "\x01\xf4"}
	for v, want := range cases {
		got := TwosComplement(big.NewInt(v))
		if string(got) != want {
			t.Errorf("TwosComplement(%d) = %x, want %x", v, got, want)
		}
		if back := FromTwosComplement(got); back.Int64() != v {
			t.Errorf("FromTwosComplement(%x) = %s, want %d", got, back, v)
		}
	}
}

func TestBigDecimal(t *testing.T) {
	for in, want := range map[string]string{"12.30": "12.30", "-0.05": "-0.05", "7": "7", "+3.1": "3.1"} {
		d, err := ParseBigDecimal(in)
		if err != nil || d.String() != want {
			t.Errorf("ParseBigDecimal(%s) = %v, %v; want %s", in, d, err, want)
		}
	}
	if _, err := ParseBigDecimal("1.2.3"); err == nil {
		t.Error("1.2.3 parsed")
	}
	d, _ := ParseBigDecimal("1.5")
	r, err := d.Rescale(3)
	if err != nil || r.String() != "1.500" {
		t.Errorf("Rescale up = %v %v", r, err)
	}
	if _, err := r.Rescale(0); err == nil {
		t.Error("lossy rescale accepted")
	}
	if f := NewBigDecimal(-1234, 2).Float64(); f != -12.34 {
		t.Errorf("Float64 = %v", f)
	}
	s := DecimalBuilder(2).MustBuild()
	b, err := DecimalToBytes(s, NewBigDecimal(500, 2))
	if err != nil || string(b) != "\x01\xf4" {
		t.Fatalf("DecimalToBytes = %x %v", b, err)
	}
	if _, err := DecimalToBytes(s, NewBigDecimal(5, 1)); err == nil {
		t.Error("scale mismatch accepted")
	}
}

func TestDateTimeConversions(t *testing.T) {
	day := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	n, err := DateToDays(day)
	if err != nil || n != 19783 || !DateFromDays(n).Equal(day) {
		t.Fatalf("DateToDays = %d %v", n, err)
	}
	if _, err := DateToDays(day.Add(time.Hour)); err == nil {
		t.Error("date with a time of day accepted")
	}
	ms, err := TimeToMillis(time.UnixMilli(3723004).UTC())
	if err != nil || ms != 3723004 {
		t.Fatalf("TimeToMillis = %d %v", ms, err)
	}
	if _, err := TimeToMillis(day); err == nil {
		t.Error("time with a date accepted")
	}
}

func TestStructValidation(t *testing.T) {
	s := StructBuilder().Name("shop.Order").
		Field("id", Int32Schema).
		Field("name", OptionalString).
		Field("qty", NewBuilder(TypeInt16).Default(int16(1)).MustBuild()).
		MustBuild()
	st := NewStruct(s)
	if err := st.Validate(); err == nil || !strings.Contains(err.Error(), "id") {
		t.Fatalf("missing required field: %v", err)
	}
	if err := st.Put("id", int64(1)); err == nil {
		t.Fatal("int64 accepted for INT32")
	}
	if err := st.Put("nope", int32(1)); err == nil {
		t.Fatal("unknown field accepted")
	}
	st.MustPut("id", int32(7))
	if err := st.Validate(); err != nil {
		t.Fatal(err)
	}
	if v, _ := st.Get("qty"); v != int16(1) {
		t.Fatalf("default not used: %v", v)
	}
	if got := st.String(); got != "Struct{id=7}" {
		t.Fatalf("String() = %s", got)
	}
	if _, err := StructBuilder().Field("a", Int8Schema).Field("a", Int8Schema).Build(); err == nil {
		t.Fatal("duplicate field accepted")
	}
	if _, err := NewBuilder(TypeInt32).Default("x").Build(); err == nil {
		t.Fatal("bad default accepted")
	}
}

func TestValidateContainersAndLogical(t *testing.T) {
	arr := ArrayOf(Int32Schema).MustBuild()
	if err := Validate(arr, []any{int32(1), int32(2)}); err != nil {
		t.Fatal(err)
	}
	if err := Validate(arr, []any{int32(1), "x"}); err == nil {
		t.Fatal("bad element accepted")
	}
	m := MapOf(StringSchema, Float64Schema).MustBuild()
	if err := Validate(m, map[string]any{"a": 1.0}); err != nil {
		t.Fatal(err)
	}
	if err := Validate(m, map[string]any{"a": 1}); err == nil {
		t.Fatal("int accepted for FLOAT64 map value")
	}
	if err := Validate(TimestampBuilder().MustBuild(), int64(5)); err == nil {
		t.Fatal("raw int64 accepted for Timestamp")
	}
	if err := Validate(TimestampBuilder().MustBuild(), time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := Validate(Int32Schema, nil); err == nil {
		t.Fatal("null accepted for required schema")
	}
}

func TestSchemaEqual(t *testing.T) {
	a := StructBuilder().Name("x").Field("f", OptionalString).MustBuild()
	b := StructBuilder().Name("x").Field("f", OptionalString).MustBuild()
	c := StructBuilder().Name("x").Field("f", StringSchema).MustBuild()
	if !Equal(a, b) || Equal(a, c) {
		t.Fatal("structural equality wrong")
	}
	if !Equal(DecimalBuilder(2).MustBuild(), DecimalBuilder(2).MustBuild()) || Equal(DecimalBuilder(2).MustBuild(), DecimalBuilder(3).MustBuild()) {
		t.Fatal("parameters not compared")
	}
}

func TestJavaString(t *testing.T) {
	if got := JavaString(map[string]any{"b": int32(2), "a": []any{"x", 1.5}}); got != "{a=[x, 1.5], b=2}" {
		t.Fatalf("JavaString = %s", got)
	}
}

// TestParamKeysOrder: parameters come back in the order they were set (a
// new name last, a changed one in place), through FromSchema and
// ParamsFrom too; Params with a Go map adds new names sorted.
func TestParamKeysOrder(t *testing.T) {
	s := DecimalBuilder(2).Param("connect.decimal.precision", "5").Param("scale", "3").MustBuild()
	if got := strings.Join(s.ParamKeys(), ","); got != "scale,connect.decimal.precision" || s.Param("scale") != "3" {
		t.Errorf("keys %s, scale %s", got, s.Param("scale"))
	}
	if got := strings.Join(FromSchema(s).Param("b", "1").MustBuild().ParamKeys(), ","); got != "scale,connect.decimal.precision,b" {
		t.Errorf("FromSchema keys %s", got)
	}
	if got := strings.Join(StructBuilder().ParamsFrom(s).MustBuild().ParamKeys(), ","); got != "scale,connect.decimal.precision" {
		t.Errorf("ParamsFrom keys %s", got)
	}
	if got := strings.Join(NewBuilder(TypeString).Params(map[string]string{"z": "1", "a": "2"}).MustBuild().ParamKeys(), ","); got != "a,z" {
		t.Errorf("Params keys %s", got)
	}
	// Names put into the map directly come after the recorded ones.
	m := NewBuilder(TypeString).Param("z", "1").MustBuild()
	m.Parameters["b"] = "2"
	if got := strings.Join(m.ParamKeys(), ","); got != "z,b" {
		t.Errorf("keys with a direct map entry %s", got)
	}
}
