package jsondoc

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// The parser may only accept what encoding/json accepts and must read
// the same values (numbers as written).
func referenceParse(b []byte) (any, bool) {
	if !json.Valid(b) {
		return nil, false
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, false
	}
	return v, true
}

var parseSeeds = []string{
	`{}`, `[]`, `0`, `-0.5e+10`, `1E3`, `"a\"b\\c\u00e9\ud83d\ude00"`, `"héllo"`, `"\xff"`, `{"a":[1,{"b":null}],"a":true}`,
	`[1,2,]`, `{"a" 1}`, `01`, `1.`, `-`, `"\x"`, `"abc`, `tru`, `nul`, ` [ 1 , 2 ] `, `{"a":1}x`, "\"\t\"", `[[[[]]]]`,
}

func TestParseMatchesEncodingJSON(t *testing.T) {
	for _, s := range parseSeeds {
		checkParse(t, []byte(s))
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range parseSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(checkParse)
}

func checkParse(t *testing.T, b []byte) {
	want, ok := referenceParse(b)
	got, err := Parse(b)
	if ok != (err == nil) {
		t.Fatalf("%q: encoding/json valid=%v, Parse error %v", b, ok, err)
	}
	if ok && !reflect.DeepEqual(Plain(got), want) {
		t.Fatalf("%q: Parse %#v, encoding/json %#v", b, Plain(got), want)
	}
}
