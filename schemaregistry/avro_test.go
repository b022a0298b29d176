package schemaregistry

import (
	"strings"
	"testing"
)

// TestAvroCompatibilityRules: Avro's SchemaCompatibility decides, with
// Confluent's messages (reader "new", writer "old" for BACKWARD).
func TestAvroCompatibilityRules(t *testing.T) {
	rec := func(name, fields string) string {
		return `{"type":"record","name":"` + name + `","fields":[` + fields + `]}`
	}
	for _, c := range []struct {
		name, level, newer string
		older              []string
		want               []string // leading messages; nil: compatible
	}{
		{"namespace change", Backward, `{"type":"record","name":"R","namespace":"b","fields":[{"name":"x","type":"int"}]}`,
			[]string{`{"type":"record","name":"R","namespace":"a","fields":[{"name":"x","type":"int"}]}`}, nil},
		{"rename without alias", Backward, rec("S", `{"name":"x","type":"int"}`), []string{rec("R", `{"name":"x","type":"int"}`)},
			[]string{"{errorType:'NAME_MISMATCH', description:'The name of the schema has changed (path '/name')', additionalInfo:'expected: R'}"}},
		{"rename with alias", Backward, `{"type":"record","name":"S","aliases":["R"],"fields":[{"name":"x","type":"int"}]}`, []string{rec("R", `{"name":"x","type":"int"}`)}, nil},
		{"field alias", Backward, rec("R", `{"name":"y","aliases":["x"],"type":"long"}`), []string{rec("R", `{"name":"x","type":"int"}`)}, nil},
		{"missing default", Backward, rec("R", `{"name":"x","type":"int"},{"name":"y","type":"string"}`), []string{rec("R", `{"name":"x","type":"int"}`)},
			[]string{"{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'y' at path '/fields/1' in the new schema has no default value and is missing in the old schema', additionalInfo:'y'}", "{oldSchemaVersion: 1}"}},
		{"enum default covers", Backward, `{"type":"enum","name":"E","symbols":["A"],"default":"A"}`, []string{`{"type":"enum","name":"E","symbols":["A","B"]}`}, nil},
		{"enum symbols", Backward, `{"type":"enum","name":"E","symbols":["A"]}`, []string{`{"type":"enum","name":"E","symbols":["C","A","B"]}`},
			[]string{"{errorType:'MISSING_ENUM_SYMBOLS', description:'The new schema is missing enum symbols '[B, C]' at path '/symbols' in the old schema', additionalInfo:'[B, C]'}"}},
		{"union branch", Backward, `["null","int"]`, []string{`["null","int","string"]`},
			[]string{"{errorType:'MISSING_UNION_BRANCH', description:'The new schema is missing a type inside a union field at path '/2' in the old schema', additionalInfo:'reader union lacking writer type: STRING'}"}},
		{"reader union promotes", Backward, `["null","long"]`, []string{`"int"`}, nil},
		{"reader union lacks", Backward, `["null","string"]`, []string{`"int"`},
			[]string{"{errorType:'MISSING_UNION_BRANCH', description:'The new schema is missing a type inside a union field at path '/' in the old schema', additionalInfo:'reader union lacking writer type: INT'}"}},
		{"writer union", Backward, `"int"`, []string{`["int","long"]`},
			[]string{"{errorType:'TYPE_MISMATCH', description:'The type (path '/1') of a field in the new schema does not match with the old schema', additionalInfo:'reader type: INT not compatible with writer type: LONG'}"}},
		{"fixed size", Backward, `{"type":"fixed","name":"F","size":8}`, []string{`{"type":"fixed","name":"F","size":4}`},
			[]string{"{errorType:'FIXED_SIZE_MISMATCH', description:'The size of FIXED type field at path '/size' in the new schema does not match with the old schema', additionalInfo:'expected: 4, found: 8'}"}},
		{"string bytes", Full, `"bytes"`, []string{`"string"`}, nil},
		// Transitive levels look at every version, newest first, and stop
		// at the first that fails; the plain level only at the latest.
		{"latest only", Backward, rec("R", `{"name":"a","type":"int"},{"name":"b","type":"string"}`),
			[]string{rec("R", `{"name":"a","type":"int"}`), rec("R", `{"name":"a","type":"int"},{"name":"b","type":"string","default":""}`)}, nil},
		{"transitive", BackwardTransitive, rec("R", `{"name":"a","type":"int"},{"name":"b","type":"string"}`),
			[]string{rec("R", `{"name":"a","type":"int"}`), rec("R", `{"name":"a","type":"int"},{"name":"b","type":"string","default":""}`)},
			[]string{"{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'b' at path '/fields/1' in the new schema has no default value and is missing in the old schema', additionalInfo:'b'}", "{oldSchemaVersion: 1}"}},
		// FULL: the old schema reading the new first (no version appended),
		// then the new reading the old.
		{"full", Full, rec("R", `{"name":"a","type":"long"},{"name":"b","type":"string"}`), []string{rec("R", `{"name":"a","type":"int"}`)},
			[]string{"{errorType:'TYPE_MISMATCH', description:'The type (path '/fields/0/type') of a field in the old schema does not match with the new schema', additionalInfo:'reader type: INT not compatible with writer type: LONG'}",
				"{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'b' at path '/fields/1' in the new schema has no default value and is missing in the old schema', additionalInfo:'b'}",
				"{oldSchemaVersion: 1}", `{oldSchema: '{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}'}`, "{validateFields: 'false', compatibility: 'FULL'}"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			probs, err := compatibleText(c.level, c.newer, c.older)
			if err != nil {
				t.Fatal(err)
			}
			if c.want == nil {
				if len(probs) != 0 {
					t.Fatalf("incompatible: %v", probs)
				}
				return
			}
			if len(probs) < len(c.want) {
				t.Fatalf("got %d messages, want at least %d:\n%s", len(probs), len(c.want), strings.Join(probs, "\n"))
			}
			for i, w := range c.want {
				if probs[i] != w {
					t.Errorf("message %d\n got %s\nwant %s", i, probs[i], w)
				}
			}
			if last := probs[len(probs)-1]; last != "{validateFields: 'false', compatibility: '"+c.level+"'}" {
				t.Errorf("last message %s", last)
			}
		})
	}
}

// Two texts of one Avro schema are one schema: the registry stores
// Avro-Java's text and answers the same id.
func TestAvroCanonicalIdentity(t *testing.T) {
	r := New(nil)
	id1, err := r.Register("s", `{"type":"string"}`)
	if err != nil {
		t.Fatal(err)
	}
	id2, err := r.Register("s", `"string"`)
	if err != nil || id2 != id1 {
		t.Fatalf("ids %d %d (%v)", id1, id2, err)
	}
	v, err := r.SchemaByID(id1, "")
	if err != nil || v.Schema != `"string"` {
		t.Fatalf("stored %+v %v", v, err)
	}
}
