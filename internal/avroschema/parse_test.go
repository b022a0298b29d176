package avroschema

import (
	"strings"
	"testing"
)

func mustParse(t *testing.T, text string) *Schema {
	t.Helper()
	s, err := Parse(text)
	if err != nil {
		t.Fatalf("Parse(%s): %v", text, err)
	}
	return s
}

func TestPrimitivesAndWrappers(t *testing.T) {
	for text, want := range map[string]Kind{
		`"null"`: Null, `"boolean"`: Boolean, `"int"`: Int, `"long"`: Long, `"float"`: Float,
		`"double"`: Double, `"bytes"`: Bytes, `"string"`: String,
		`{"type":"long"}`:                         Long,
		`{"type":{"type":"string"}}`:              String,
		`{"type":["null","int"]}`:                 Union,
		`{"type":"error","name":"E","fields":[]}`: Record,
	} {
		if got := mustParse(t, text).Kind; got != want {
			t.Errorf("%s: kind %v, want %v", text, got, want)
		}
	}
}

func TestNamedTypesAndReferences(t *testing.T) {
	s := mustParse(t, `{"type":"record","name":"Node","namespace":"n","fields":[
		{"name":"value","type":"int"},
		{"name":"next","type":["null","Node"],"default":null},
		{"name":"kids","type":{"type":"array","items":"n.Node"}},
		{"name":"colour","type":{"type":"enum","name":"Colour","symbols":["RED","GREEN"]}},
		{"name":"again","type":{"type":"Colour"}},
		{"name":"id","type":{"type":"fixed","name":"Id","size":16}}]}`)
	if s.Kind != Record || s.FullName() != "n.Node" || len(s.Fields) != 6 {
		t.Fatalf("record: %+v", s)
	}
	// A recursive reference is the record itself, not a copy.
	if next := s.Fields[1].Type; next.Kind != Union || next.Branches[1] != s {
		t.Errorf("next does not refer back to the record: %+v", next)
	}
	if kids := s.Fields[2].Type; kids.Kind != Array || kids.Items != s {
		t.Errorf("full-name reference not resolved to the record: %+v", kids)
	}
	colour := s.Fields[3].Type
	if colour.Kind != Enum || colour.FullName() != "n.Colour" || strings.Join(colour.Symbols, ",") != "RED,GREEN" {
		t.Errorf("enum: %+v", colour)
	}
	if s.Fields[4].Type != colour {
		t.Errorf(`{"type":"Colour"} is not the enum defined before: %+v`, s.Fields[4].Type)
	}
	if id := s.Fields[5].Type; id.Kind != Fixed || id.Size != 16 || id.FullName() != "n.Id" {
		t.Errorf("fixed: %+v", id)
	}
}

func TestNamespaceInheritance(t *testing.T) {
	s := mustParse(t, `{"type":"record","name":"Outer","namespace":"a.b","fields":[
		{"name":"inherits","type":{"type":"record","name":"In","fields":[]}},
		{"name":"own","type":{"type":"record","name":"Own","namespace":"c","fields":[
			{"name":"deep","type":{"type":"enum","name":"Deep","symbols":["X"]}}]}},
		{"name":"dotted","type":{"type":"record","name":"d.Dot","namespace":"ignored","fields":[]}},
		{"name":"global","type":{"type":"record","name":"G","namespace":"","fields":[]}},
		{"name":"short","type":"In"},
		{"name":"shortGlobal","type":"G"},
		{"name":"full","type":"c.Deep"}]}`)
	want := []string{"a.b.In", "c.Own", "d.Dot", "G", "a.b.In", "G", "c.Deep"}
	for i, w := range want {
		if got := s.Fields[i].Type.FullName(); got != w {
			t.Errorf("field %s: full name %q, want %q", s.Fields[i].Name, got, w)
		}
	}
	if deep := s.Fields[1].Type.Fields[0].Type; deep.Namespace != "c" {
		t.Errorf("a type nested in c.Own has namespace %q, want c", deep.Namespace)
	}
	if dot := s.Fields[2].Type; dot.Namespace != "d" || dot.Name != "Dot" {
		t.Errorf("a dotted name wins over the namespace attribute: %q %q", dot.Namespace, dot.Name)
	}
	// A dotted reference is a full name: it is not looked up in the
	// enclosing namespace.
	if _, err := Parse(`{"type":"record","name":"R","namespace":"a","fields":[
		{"name":"x","type":{"type":"record","name":"a.b.C","fields":[]}},
		{"name":"y","type":"b.C"}]}`); err == nil || !strings.Contains(err.Error(), `"b.C"`) {
		t.Errorf("b.C resolved inside namespace a: %v", err)
	}
}

func TestUnions(t *testing.T) {
	s := mustParse(t, `["null","string",{"type":"map","values":"long"},{"type":"record","name":"R","fields":[]}]`)
	kinds := []Kind{Null, String, Map, Record}
	if len(s.Branches) != len(kinds) {
		t.Fatalf("branches: %d", len(s.Branches))
	}
	for i, k := range kinds {
		if s.Branches[i].Kind != k {
			t.Errorf("branch %d: %v, want %v", i, s.Branches[i].Kind, k)
		}
	}
	if s.Branches[2].Values.Kind != Long {
		t.Errorf("map values: %v", s.Branches[2].Values.Kind)
	}
}

func TestDefaults(t *testing.T) {
	s := mustParse(t, `{"type":"record","name":"R","fields":[
		{"name":"big","type":"long","default":12345678901234567890},
		{"name":"nothing","type":["null","int"],"default":null},
		{"name":"none","type":"int"},
		{"name":"obj","type":{"type":"map","values":"int"},"default":{"k":1}},
		{"name":"e","type":{"type":"enum","name":"E","symbols":["A","B"],"default":"B"}},
		{"name":"f","type":{"type":"enum","name":"F","symbols":["A"]}}]}`)
	f := s.Fields
	if !f[0].HasDefault || string(f[0].Default) != "12345678901234567890" {
		t.Errorf("a big number default is not kept as written: %v %s", f[0].HasDefault, f[0].Default)
	}
	if !f[1].HasDefault || string(f[1].Default) != "null" {
		t.Errorf("a null default: %v %s", f[1].HasDefault, f[1].Default)
	}
	if f[2].HasDefault || f[2].Default != nil {
		t.Errorf("a field without default has one: %s", f[2].Default)
	}
	if string(f[3].Default) != `{"k":1}` {
		t.Errorf("object default: %s", f[3].Default)
	}
	if string(f[4].Type.Default) != `"B"` {
		t.Errorf("enum default: %s", f[4].Type.Default)
	}
	if f[5].Type.Default != nil {
		t.Errorf("enum without default has one: %s", f[5].Type.Default)
	}
}

func TestLogicalTypesAndProps(t *testing.T) {
	s := mustParse(t, `{"type":"record","name":"R","doc":"a record","fields":[
		{"name":"dec","doc":"money","type":{"type":"bytes","logicalType":"decimal","scale":2,"precision":10}},
		{"name":"day","type":{"type":"int","logicalType":"date","connect.version":1,"connect.name":"org.apache.kafka.connect.data.Date"}},
		{"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"}},
		{"name":"fixedDec","type":{"type":"fixed","name":"FD","size":8,"logicalType":"decimal","scale":3}}]}`)
	if s.Doc != "a record" || s.Fields[0].Doc != "money" {
		t.Errorf("docs: %q %q", s.Doc, s.Fields[0].Doc)
	}
	dec := s.Fields[0].Type
	if dec.Kind != Bytes || dec.Logical != "decimal" || dec.Scale != 2 || dec.Precision != 10 {
		t.Errorf("decimal: %+v", dec)
	}
	day := s.Fields[1].Type
	if day.Kind != Int || day.Logical != "date" || day.PropString("connect.name") != "org.apache.kafka.connect.data.Date" {
		t.Errorf("date: %+v", day)
	}
	// Props are the attributes Avro-Java does not reserve, logicalType
	// among them, in document order (as Avro-Java writes them back).
	if len(day.Props) != 3 || day.Props[0].Key != "logicalType" || day.Props[1].Key != "connect.version" ||
		day.Props[2].Key != "connect.name" || string(day.Props[1].Value) != "1" {
		t.Errorf("props: %+v", day.Props)
	}
	if v := day.PropString("connect.version"); v != "" {
		t.Errorf("PropString of a number = %q, want empty", v)
	}
	if ts := s.Fields[2].Type; ts.Kind != Long || ts.Logical != "timestamp-millis" {
		t.Errorf("timestamp: %+v", ts)
	}
	if fd := s.Fields[3].Type; fd.Kind != Fixed || fd.Logical != "decimal" || fd.Scale != 3 || fd.Size != 8 {
		t.Errorf("fixed decimal: %+v", fd)
	}
}

func TestErrorsNameTheBadPart(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{`{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"Missing"}]}`,
			`field b: unknown Avro type "Missing"`},
		{`{"type":"record","name":"R","fields":[{"name":"outer","type":{"type":"record","name":"I","fields":[{"name":"inner","type":{"type":"array","items":"Nope"}}]}}]}`,
			`field outer: field inner: array items: unknown Avro type "Nope"`},
		{`{"type":"record","name":"R","fields":[{"name":"m","type":{"type":"map","values":{"type":"enum","symbols":["A"]}}}]}`,
			`field m: map values: named Avro type without a name`},
		{`{"type":"record","name":"R","fields":[{"name":"f","type":{"type":"fixed","name":"F","size":-1}}]}`,
			`field f: fixed F has a bad size`},
		{`{"type":"fixed","name":"F"}`, `fixed F has a bad size`},
		{`{"type":"record","name":"R"}`, `record R has no fields array`},
		{`{"type":"record","name":"R","fields":["a"]}`, `record R: field is not an object`},
		{`{"type":"record","name":"R","fields":[{"name":"t"}]}`, `field t: invalid Avro schema node <nil>`},
		{`{"type":"record","fields":[]}`, `named Avro type without a name`},
		{`{"type":"record","name":"R",`, `invalid Avro schema JSON`},
		{`5`, `invalid Avro schema node json.Number`},
		{`["null","Undefined"]`, `unknown Avro type "Undefined"`},
	} {
		_, err := Parse(c.text)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%s) = %v, want an error containing %q", c.text, err, c.want)
		}
	}
}

func TestKindAndNames(t *testing.T) {
	if Record.String() != "record" || Union.String() != "union" || Long.String() != "long" || Kind(99).String() != "unknown" {
		t.Error("kind names")
	}
	if !String.Primitive() || Record.Primitive() || Union.Primitive() || !Fixed.Named() || Array.Named() {
		t.Error("kind classes")
	}
	if ns, n := SplitName("a.b.C"); ns != "a.b" || n != "C" {
		t.Errorf("SplitName: %q %q", ns, n)
	}
	if ns, n := SplitName("C"); ns != "" || n != "C" {
		t.Errorf("SplitName without a dot: %q %q", ns, n)
	}
}

// TestPropsKeepTheirText: a prop's value comes back as written, objects in
// their document order at any depth (connect.parameters are Connect's
// ordered schema parameters), and so do defaults (Avro-Java writes them
// back as read).
func TestPropsKeepTheirText(t *testing.T) {
	s := mustParse(t, `{"type":"record","name":"R","fields":[{"name":"f","default":{"b":1,"a":2},"type":{"type":"string",
		"connect.parameters":{"scale":"2","connect.decimal.precision":"5"},"x":[{"z":1,"y":{"d":true,"c":null}},"s",1.50],"e":{}}}]}`)
	ft := s.Fields[0].Type
	for key, want := range map[string]string{
		"connect.parameters": `{"scale":"2","connect.decimal.precision":"5"}`,
		"x":                  `[{"z":1,"y":{"d":true,"c":null}},"s",1.5]`, // a double as Jackson prints it
		"e":                  `{}`,
	} {
		if raw, ok := ft.Prop(key); !ok || string(raw) != want {
			t.Errorf("prop %s = %s, want %s", key, raw, want)
		}
	}
	if d := string(s.Fields[0].Default); d != `{"b":1,"a":2}` {
		t.Errorf("default %s", d)
	}
}
