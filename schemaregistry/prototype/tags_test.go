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

// Confluent's ProtobufSchemaTest testAddDuplicateTags and
// testComplexRemove: input, entities and expected canonical text (the
// unknown option otherOption = "foo" is deprecated = true here: a
// compiler refuses an option that does not exist; and nested_filed1's
// (confluent.field_meta).tags = ["PII"] is = "PII": protoc's grammar, which
// goconnect's parser follows, has no list value outside a message literal).
func TestModifyTagsConfluentCases(t *testing.T) {
	const dupIn = `syntax = "proto3";
package com.example.mynamespace;

import "confluent/meta.proto";
import "confluent/type/decimal.proto";

option java_package = "io.confluent.kafka.serializers.protobuf.test";
option java_outer_classname = "ComplexProto";

message SampleRecord {
  int32 my_field1 = 1 [(confluent.field_meta).tags = "PRIVATE"];
  double my_field2 = 2 [(confluent.field_meta) = {
    tags: [
      "PRIVATE"
    ]
  }];
  NestedRecord my_field3 = 3 [(confluent.field_meta) = {
    doc: "field_meta"
  }];

  message NestedRecord {
    int64 nested_filed1 = 4;
  }
}
`
	const dupOut = `syntax = "proto3";
package com.example.mynamespace;

import "confluent/meta.proto";
import "confluent/type/decimal.proto";

option java_package = "io.confluent.kafka.serializers.protobuf.test";
option java_outer_classname = "ComplexProto";

message SampleRecord {
  int32 my_field1 = 1 [(confluent.field_meta) = {
    tags: [
      "PRIVATE"
    ]
  }];
  double my_field2 = 2 [(confluent.field_meta) = {
    tags: [
      "PRIVATE"
    ]
  }];
  NestedRecord my_field3 = 3 [(confluent.field_meta) = {
    doc: "field_meta"
  }];

  message NestedRecord {
    int64 nested_filed1 = 4;
  }
}
`
	const rmIn = `syntax = "proto3";
package com.example.mynamespace;

import "confluent/meta.proto";
import "confluent/type/decimal.proto";

option java_package = "io.confluent.kafka.serializers.protobuf.test";
option java_outer_classname = "ComplexProto";

message SampleRecord {
  int32 my_field1 = 1 [(confluent.field_meta).tags = "PRIVATE"];
  double my_field2 = 2 [(confluent.field_meta) = {
    doc: "no tag"
  }];
  NestedRecord my_field3 = 3 [(confluent.field_meta) = {
    doc: "field_meta",
    tags: [
      "PII",
      "PRIVATE"
    ]
  }];
  int32 my_field4 = 5 [
    deprecated = true,
    (confluent.field_meta).tags = "PRIVATE"
  ];
  oneof some_val {
    int32 other_id = 11 [(confluent.field_meta).tags = "PRIVATE"];
    string one_id = 12;
  }

  message NestedRecord {
    int64 nested_filed1 = 4 [(confluent.field_meta).tags = "PII"];
  }
}
`
	const rmOut = `syntax = "proto3";
package com.example.mynamespace;

import "confluent/meta.proto";
import "confluent/type/decimal.proto";

option java_package = "io.confluent.kafka.serializers.protobuf.test";
option java_outer_classname = "ComplexProto";

message SampleRecord {
  int32 my_field1 = 1;
  double my_field2 = 2 [(confluent.field_meta) = {
    doc: "no tag"
  }];
  NestedRecord my_field3 = 3 [(confluent.field_meta) = {
    doc: "field_meta",
    tags: [
      "PII"
    ]
  }];
  int32 my_field4 = 5 [deprecated = true];

  oneof some_val {
    int32 other_id = 11;
    string one_id = 12;
  }

  message NestedRecord {
    int64 nested_filed1 = 4 [(confluent.field_meta) = {
      tags: [
        "PII"
      ]
    }];
  }
}
`
	field := func(remove bool, path ...string) TagEdit {
		e := TagEdit{Path: path, Field: true}
		if remove {
			e.Remove = []string{"PRIVATE"}
		} else {
			e.Add = []string{"PRIVATE"}
		}
		return e
	}
	cases := []struct {
		name, in, want string
		edits          []TagEdit
	}{
		{"duplicate", dupIn, dupOut, []TagEdit{field(false, "SampleRecord", "my_field1")}},
		{"complex remove", rmIn, rmOut, []TagEdit{
			field(true, "SampleRecord", "my_field1"), field(true, "SampleRecord", "my_field2"),
			field(true, "SampleRecord", "my_field3"), field(true, "SampleRecord", "my_field4"),
			field(true, "SampleRecord", "NestedRecord", "nested_filed1"), field(true, "SampleRecord", "some_val", "other_id"),
		}},
	}
	for _, c := range cases {
		out, err := ModifyTags(c.in, c.edits)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		s, err := Parse(out, nil)
		if err != nil {
			t.Fatalf("%s: %v\n%s", c.name, err, out)
		}
		if s.Canonical() != c.want {
			t.Errorf("%s: got\n%s\nwant\n%s", c.name, s.Canonical(), c.want)
		}
	}
}
