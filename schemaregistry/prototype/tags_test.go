package prototype

import (
	"errors"
	"testing"
)

// TestModifyTags checks the option rewriting on the forms Confluent's
// mergeOptions folds: other options kept, a map field, a field reached
// through its oneof's name, a meta left with no tags keeping its other
// members, and a meta left empty dropped with its brackets.
func TestModifyTags(t *testing.T) {
	src := `syntax = "proto3";
message M {
  option (confluent.message_meta).tags = "R";
  int32 a = 1 [deprecated = true, (confluent.field_meta).tags = "X"];
  map<string, int32> m = 2;
  oneof o {
    string c = 3 [(confluent.field_meta) = { doc: "d" tags: ["T"] }];
  }
  string e = 4 [(confluent.field_meta).tags = "E"];
}
`
	want := `syntax = "proto3";
message M {
  option (confluent.message_meta) = { tags: ["R", "S"] };
  int32 a = 1 [deprecated = true];
  map<string, int32> m = 2 [(confluent.field_meta) = { tags: ["Y"] }];
  oneof o {
    string c = 3 [(confluent.field_meta) = { doc: "d" }];
  }
  string e = 4;
}
`
	out, err := ModifyTags(src, []TagEdit{
		{Path: []string{"M", "a"}, Field: true, Remove: []string{"X"}},
		{Path: []string{"M", "m"}, Field: true, Add: []string{"Y"}},
		{Path: []string{"M", "o", "c"}, Field: true, Remove: []string{"T"}},
		{Path: []string{"M", "e"}, Field: true, Remove: []string{"E"}},
		{Path: []string{"M"}, Add: []string{"S", "R"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse(out, nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	exp, err := Parse(want, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Canonical() != exp.Canonical() {
		t.Errorf("got\n%s\nwant\n%s", got.Canonical(), exp.Canonical())
	}
	var pe *TagPathError
	if _, err := ModifyTags(src, []TagEdit{{Path: []string{"M", "zz"}, Field: true}}); !errors.As(err, &pe) || pe.Msg != "No matching Field with name 'zz' found in the schema" {
		t.Errorf("missing field: %v", err)
	}
}
