package avroschema

import "testing"

// JavaString is the text Confluent's registry stores for a schema
// (Avro-Java's Schema.toString); NormalizedString its normalize=true form.
func TestJavaStringAndNormalized(t *testing.T) {
	for _, c := range []struct{ in, java, normalized string }{
		{`"string"`, `"string"`, `"string"`},
		{`{"type":"string"}`, `"string"`, `"string"`},
		{`{ "fields":[{"type":"string","doc":"bye\"now","name":"f1"}], "name":"x", "doc":"hi\"there","type":"record"}`,
			`{"type":"record","name":"x","doc":"hi\"there","fields":[{"name":"f1","type":"string","doc":"bye\"now"}]}`,
			`{"type":"record","name":"x","doc":"hi\"there","fields":[{"name":"f1","type":"string","doc":"bye\"now"}]}`},
		// Props keep their order (logicalType is one), Jackson escapes no HTML.
		{`{"type":"int","connect.version":1,"logicalType":"date","b":1,"a":"<&>"}`,
			`{"type":"int","connect.version":1,"logicalType":"date","b":1,"a":"<&>"}`,
			`{"type":"int","logicalType":"date","a":"<&>","b":1,"connect.version":1}`},
		{`{"type":"bytes","scale":2,"x":1,"precision":5,"logicalType":"decimal"}`,
			`{"type":"bytes","scale":2,"x":1,"precision":5,"logicalType":"decimal"}`,
			`{"type":"bytes","logicalType":"decimal","precision":5,"scale":2,"x":1}`},
		// A named type once in full, then by its name relative to the
		// enclosing namespace; aliases after props; field attributes in
		// Avro-Java's order; ascending order is not written.
		{`{"type":"record","name":"a.R","aliases":["Old","b.Older"],"z":1,"fields":[
			{"name":"e","type":{"type":"enum","name":"E","symbols":["X","Y"],"default":"X"}},
			{"aliases":["e3","e1"],"type":"E","order":"descending","default":"Y","name":"e2","p":true},
			{"name":"o","type":{"type":"fixed","name":"F","namespace":"c","size":2}},
			{"name":"o2","type":"c.F","order":"ascending"},
			{"name":"r","type":["null","R"],"default":null}]}`,
			`{"type":"record","name":"R","namespace":"a","fields":[{"name":"e","type":{"type":"enum","name":"E","symbols":["X","Y"],"default":"X"}},` +
				`{"name":"e2","type":"E","default":"Y","order":"descending","aliases":["e3","e1"],"p":true},` +
				`{"name":"o","type":{"type":"fixed","name":"F","namespace":"c","size":2}},{"name":"o2","type":"c.F"},` +
				`{"name":"r","type":["null","R"],"default":null}],"z":1,"aliases":["Old","b.Older"]}`,
			`{"type":"record","name":"R","namespace":"a","fields":[{"name":"e","type":{"type":"enum","name":"E","symbols":["X","Y"],"default":"X"}},` +
				`{"name":"e2","type":"E","default":"Y","order":"descending","aliases":["e1","e3"],"p":true},` +
				`{"name":"o","type":{"type":"fixed","name":"F","namespace":"c","size":2}},{"name":"o2","type":"c.F"},` +
				`{"name":"r","type":["null","R"],"default":null}],"z":1,"aliases":["Old","b.Older"]}`},
	} {
		s, err := Parse(c.in)
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		if got := JavaString(s, nil); got != c.java {
			t.Errorf("JavaString(%s)\n got %s\nwant %s", c.in, got, c.java)
		}
		if got := NormalizedString(s, nil); got != c.normalized {
			t.Errorf("NormalizedString(%s)\n got %s\nwant %s", c.in, got, c.normalized)
		}
	}
}

// A referenced schema's types are written by name from the first use.
func TestJavaStringWithReferences(t *testing.T) {
	s, known, err := ParseReferenced(`{"type":"record","name":"Customer","namespace":"t","fields":[{"name":"home","type":"t.Address"},{"name":"x","type":"u.X"}]}`,
		[]string{`{"type":"record","name":"Address","namespace":"t","fields":[]}`, `{"type":"enum","name":"u.X","symbols":["A"]}`})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"record","name":"Customer","namespace":"t","fields":[{"name":"home","type":"Address"},{"name":"x","type":"u.X"}]}`
	if got := JavaString(s, known); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// Validate refuses what Avro-Java's strict parser refuses for a new schema.
func TestValidate(t *testing.T) {
	for in, want := range map[string]string{
		`{"type":"record","name":"R","fields":[{"name":"a","type":"int","default":1},{"name":"u","type":["null","string"],"default":null},
			{"name":"m","type":{"type":"map","values":"long"},"default":{"x":2}},{"name":"r","type":{"type":"record","name":"S","fields":[{"name":"z","type":"double"}]},"default":{"z":1}}]}`: "",
		`{"type":"record","name":"1R","fields":[]}`:                                                    "Illegal initial character: 1R",
		`{"type":"record","name":"R","fields":[{"name":"a-b","type":"int"}]}`:                          "Illegal character in: a-b",
		`{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"a","type":"int"}]}`:  "Duplicate field a in record R",
		`{"type":"enum","name":"E","symbols":["A","A"]}`:                                               "Duplicate enum symbol: A",
		`{"type":"record","name":"R","fields":[{"name":"a","type":"int","default":"x"}]}`:              `Invalid default for field a: "x" not a "int"`,
		`{"type":"record","name":"R","fields":[{"name":"a","type":"int","default":3000000000}]}`:       `Invalid default for field a: 3000000000 not a "int"`,
		`{"type":"record","name":"R","fields":[{"name":"u","type":["string","null"],"default":null}]}`: `Invalid default for field u: null not a ["string","null"]`,
	} {
		s, err := Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		if err := Validate(s); err != nil {
			got = err.Error()
		}
		if got != want {
			t.Errorf("Validate(%s) = %q, want %q", in, got, want)
		}
	}
}
