package prototype

import (
	"strings"
	"testing"
)

func mustParse(t *testing.T, text string, refs map[string]string) *Schema {
	t.Helper()
	s, err := Parse(text, refs)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestParse(t *testing.T) {
	refs := map[string]string{"addr.proto": `syntax = "proto3"; package shop; message Address { string city = 1; }`}
	s := mustParse(t, `syntax = "proto3";
package shop;
import "addr.proto";
import "google/protobuf/timestamp.proto";
message Order { int64 id = 1; Address ship_to = 2; google.protobuf.Timestamp at = 3; map<string, int32> counts = 4; }`, refs)
	if s.File().Messages().Get(0).Fields().Len() != 4 {
		t.Fatal("fields not linked")
	}
	for _, bad := range []string{`syntax = "proto3"; message A { int32 a = 1; int32 b = 1; }`, `message {`, `syntax = "proto3"; import "missing.proto"; message A {}`,
		`syntax = "proto3"; message A { Unknown u = 1; }`} {
		if _, err := Parse(bad, nil); err == nil || !strings.HasPrefix(err.Error(), "Invalid schema") {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

func TestCompatibility(t *testing.T) {
	const base = `syntax = "proto3"; package p;
message A { int32 a = 1; string s = 2; oneof pick { int32 x = 3; string y = 4; } B b = 5; repeated int32 r = 6; }
message B { int32 v = 1; }
enum E { E0 = 0; E1 = 1; }`
	for _, c := range []struct {
		name, newer, want string // want "" = compatible
	}{
		{"same", base, ""},
		{"field added", strings.Replace(base, "repeated int32 r = 6;", "repeated int32 r = 6; int64 added = 7;", 1), ""},
		{"field removed", strings.Replace(base, "repeated int32 r = 6;", "", 1), ""},
		{"field renamed", strings.Replace(base, "int32 a = 1;", "int32 renamed = 1;", 1), ""},
		{"int32 to int64", strings.Replace(base, "int32 a = 1;", "int64 a = 1;", 1), ""},
		{"int32 to string", strings.Replace(base, "int32 a = 1;", "string a = 1;", 1), "FIELD_SCALAR_KIND_CHANGED"},
		{"int32 to sint32", strings.Replace(base, "int32 a = 1;", "sint32 a = 1;", 1), "FIELD_SCALAR_KIND_CHANGED"},
		{"scalar to message", strings.Replace(base, "int32 a = 1;", "B a = 1;", 1), "FIELD_KIND_CHANGED"},
		{"repeated to singular number", strings.Replace(base, "repeated int32 r = 6;", "optional int32 r = 6;", 1), "FIELD_NUMERIC_LABEL_CHANGED"},
		{"field's message renamed", strings.NewReplacer("message B {", "message C {", "B b = 5;", "C b = 5;").Replace(base), "FIELD_NAMED_TYPE_CHANGED"},
		{"nested message field changed", strings.Replace(base, "message B { int32 v = 1; }", "message B { string v = 1; }", 1), "FIELD_SCALAR_KIND_CHANGED"},
		{"oneof field removed", strings.Replace(base, "string y = 4;", "", 1), "ONEOF_FIELD_REMOVED"},
		{"oneof field added", strings.Replace(base, "string y = 4;", "string y = 4; bool z = 8;", 1), ""},
		{"enum value removed", strings.Replace(base, "E1 = 1;", "", 1), ""},
		{"package changed", strings.Replace(base, "package p;", "package q;", 1), "PACKAGE_CHANGED"},
	} {
		msgs := Incompatibilities(mustParse(t, c.newer, nil), mustParse(t, base, nil))
		if c.want == "" {
			if len(msgs) != 0 {
				t.Errorf("%s: want compatible, got %v", c.name, msgs)
			}
			continue
		}
		if len(msgs) == 0 || !strings.Contains(strings.Join(msgs, " "), `errorType:"`+c.want+`"`) {
			t.Errorf("%s: want %s, got %v", c.name, c.want, msgs)
		}
	}
	// A proto2 required field added breaks BACKWARD.
	p2 := `syntax = "proto2"; message A { optional int32 a = 1; }`
	p2req := `syntax = "proto2"; message A { optional int32 a = 1; required int32 b = 2; }`
	if msgs := Incompatibilities(mustParse(t, p2req, nil), mustParse(t, p2, nil)); len(msgs) != 1 || !strings.Contains(msgs[0], "REQUIRED_FIELD_ADDED") {
		t.Errorf("required field added: %v", msgs)
	}
	// A message removed from the schema.
	two := `syntax = "proto3"; message A { int32 a = 1; } message B { int32 b = 1; }`
	one := `syntax = "proto3"; message A { int32 a = 1; }`
	if msgs := Incompatibilities(mustParse(t, one, nil), mustParse(t, two, nil)); len(msgs) != 1 || !strings.Contains(msgs[0], "MESSAGE_REMOVED") || !strings.Contains(msgs[0], "'#/B'") {
		t.Errorf("message removed: %v", msgs)
	}
}
