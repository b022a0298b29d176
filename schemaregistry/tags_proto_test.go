package schemaregistry

import (
	"encoding/json"
	"reflect"
	"testing"
)

// The Protobuf texts of Confluent's ProtobufSchemaTest
// testBasicAddAndRemoveSchemaTags: the schema as given (tags in the
// short "(confluent.field_meta).tags = …" form, written twice on one
// field) and the one Confluent prints after adding PII, read back through
// ?findTags= with the entities that test expects. APPLE is 0 here, not
// 6: the test parses without building a descriptor, and a registry
// refuses a proto3 enum whose first value is not zero.

const protoTagsPlain = `syntax = "proto3";
package com.example.mynamespace;

import "confluent/meta.proto";
import "confluent/type/decimal.proto";

option java_package = "io.confluent.kafka.serializers.protobuf.test";
option java_outer_classname = "ComplexProto";
option (confluent.file_meta).tags = "FILE";

message SampleRecord {
  option (confluent.message_meta).tags = "OTHER";

  int32 my_field1 = 1 [
    (confluent.field_meta).tags = "OTHER",
    (confluent.field_meta).tags = "PRIVATE"
  ];
  double my_field2 = 2 [(confluent.field_meta) = {
    tags: [ "PRIVATE" ]
  }];
  NestedRecord my_field3 = 3 [(confluent.field_meta) = {
    doc: "field_meta"
  }];

  message NestedRecord {
    int64 nested_filed1 = 4;
  }
  enum Kind {
    option (confluent.enum_meta).tags = "ENUM";
    APPLE = 0 [(confluent.enum_value_meta) = {
      tags: [
        "CONST"
      ]
    }];
    BANANA = 7;
  }
}
`

const protoTagsAdded = `syntax = "proto3";
package com.example.mynamespace;

import "confluent/meta.proto";
import "confluent/type/decimal.proto";

option java_package = "io.confluent.kafka.serializers.protobuf.test";
option java_outer_classname = "ComplexProto";
option (confluent.file_meta).tags = "FILE";

message SampleRecord {
  option (confluent.message_meta) = {
    tags: [
      "OTHER",
      "PII"
    ]
  };

  int32 my_field1 = 1 [(confluent.field_meta) = {
    tags: [
      "OTHER",
      "PRIVATE",
      "PII"
    ]
  }];
  double my_field2 = 2 [(confluent.field_meta) = {
    tags: [
      "PRIVATE",
      "PII"
    ]
  }];
  NestedRecord my_field3 = 3 [(confluent.field_meta) = {
    doc: "field_meta",
    tags: [
      "PII"
    ]
  }];

  message NestedRecord {
    option (confluent.message_meta) = {
      tags: [
        "PII"
      ]
    };
  
    int64 nested_filed1 = 4 [(confluent.field_meta) = {
      tags: [
        "PII"
      ]
    }];
  }
  enum Kind {
    option (confluent.enum_meta).tags = "ENUM";
    APPLE = 0 [(confluent.enum_value_meta) = {
      tags: [
        "CONST"
      ]
    }];
    BANANA = 7;
  }
}
`

func TestAPIProtobufFindTags(t *testing.T) {
	a := newAPI(t)
	pb := func(s string, extra ...string) string {
		return body(s, append([]string{`"schemaType":"PROTOBUF"`}, extra...)...)
	}
	a.registeredAs("POST", "/subjects/p/versions", pb(protoTagsPlain), 1)
	want := map[string][]string{
		"SampleRecord|sr_record":          {"OTHER"},
		"SampleRecord.my_field1|sr_field": {"OTHER", "PRIVATE"},
		"SampleRecord.my_field2|sr_field": {"PRIVATE"},
	}
	if _, got := a.latestTaggedOf("p"); !reflect.DeepEqual(got, want) {
		t.Errorf("plain findTags=*: %v\nwant %v", got, want)
	}

	b := newAPI(t)
	b.registeredAs("POST", "/subjects/p/versions", pb(protoTagsAdded), 1)
	want = map[string][]string{
		"SampleRecord|sr_record":                           {"OTHER", "PII"},
		"SampleRecord.my_field1|sr_field":                  {"OTHER", "PRIVATE", "PII"},
		"SampleRecord.my_field2|sr_field":                  {"PRIVATE", "PII"},
		"SampleRecord.my_field3|sr_field":                  {"PII"},
		"SampleRecord.NestedRecord|sr_record":              {"PII"},
		"SampleRecord.NestedRecord.nested_filed1|sr_field": {"PII"},
	}
	if _, got := b.latestTaggedOf("p"); !reflect.DeepEqual(got, want) {
		t.Errorf("tagged findTags=*: %v\nwant %v", got, want)
	}
	if _, got := b.latestTaggedOf("p", "PRIVATE"); len(got) != 2 || got["SampleRecord.my_field2|sr_field"] == nil {
		t.Errorf("findTags=PRIVATE: %v", got)
	}
	// Enum tags are not entities (Confluent's walk reads messages only).
	if _, got := b.latestTaggedOf("p", "ENUM", "CONST", "FILE"); len(got) != 0 {
		t.Errorf("findTags=ENUM,CONST,FILE: %v", got)
	}
}

const protoTagsRemoved = `syntax = "proto3";
package com.example.mynamespace;

import "confluent/meta.proto";
import "confluent/type/decimal.proto";

option java_package = "io.confluent.kafka.serializers.protobuf.test";
option java_outer_classname = "ComplexProto";
option (confluent.file_meta).tags = "FILE";

message SampleRecord {
  option (confluent.message_meta) = {
    tags: [
      "PII"
    ]
  };

  int32 my_field1 = 1 [(confluent.field_meta) = {
    tags: [
      "PRIVATE",
      "PII"
    ]
  }];
  double my_field2 = 2 [(confluent.field_meta) = {
    tags: [
      "PII"
    ]
  }];
  NestedRecord my_field3 = 3 [(confluent.field_meta) = {
    doc: "field_meta"
  }];

  message NestedRecord {
    int64 nested_filed1 = 4 [(confluent.field_meta) = {
      tags: [
        "PII"
      ]
    }];
  }
  enum Kind {
    option (confluent.enum_meta).tags = "ENUM";
    APPLE = 0 [(confluent.enum_value_meta) = {
      tags: [
        "CONST"
      ]
    }];
    BANANA = 7;
  }
}
`

// tagReq writes a TagSchemaRequest's tagsToAdd or tagsToRemove list.
func tagReq(entities ...[3]string) string {
	var list []SchemaTags
	for _, e := range entities {
		list = append(list, SchemaTags{SchemaEntity{e[0], e[1]}, []string{e[2]}})
	}
	b, _ := json.Marshal(list)
	return string(b)
}

// TestAPIProtobufModifyTags: Confluent's ProtobufSchemaTest
// testBasicAddAndRemoveSchemaTags (add then remove, texts compared) and
// protobuf RestApiTest testRegisterSchemaTagsBasicDeprecated, through
// POST /subjects/{s}/versions/{v}/tags, plus schemaTagsToAdd and
// propagateSchemaTags at registration.
func TestAPIProtobufModifyTags(t *testing.T) {
	a := newAPI(t)
	pb := func(s string, extra ...string) string {
		return body(s, append([]string{`"schemaType":"PROTOBUF"`}, extra...)...)
	}
	a.registeredAs("POST", "/subjects/p/versions", pb(protoTagsPlain), 1)
	add := tagReq([3]string{".SampleRecord.my_field1", "sr_field", "PII"}, [3]string{".SampleRecord.my_field2", "sr_field", "PII"},
		[3]string{".SampleRecord.my_field3", "sr_field", "PII"}, [3]string{".SampleRecord.NestedRecord.nested_filed1", "sr_field", "PII"},
		[3]string{".SampleRecord", "sr_record", "PII"}, [3]string{".SampleRecord.NestedRecord", "sr_record", "PII"})
	a.registeredAs("POST", "/subjects/p/versions/latest/tags", `{"newVersion":2,"tagsToAdd":`+add+`}`, 2)
	if s, v, cv, _ := a.latestTagged("p"); s != protoTagsAdded || v != 2 || cv != "2" {
		t.Fatalf("added: v%d %s\n%s", v, cv, s)
	}
	remove := tagReq([3]string{".SampleRecord.my_field1", "sr_field", "OTHER"}, [3]string{".SampleRecord.my_field2", "sr_field", "PRIVATE"},
		[3]string{".SampleRecord.my_field3", "sr_field", "PII"}, [3]string{".SampleRecord.NestedRecord.nested_filed1", "sr_field", "DOES_NOT_EXIST"},
		[3]string{".SampleRecord", "sr_record", "OTHER"}, [3]string{".SampleRecord.NestedRecord", "sr_record", "PII"})
	a.registeredAs("POST", "/subjects/p/versions/latest/tags", `{"newVersion":3,"tagsToRemove":`+remove+`}`, 3)
	if s, v, _, _ := a.latestTagged("p"); s != protoTagsRemoved || v != 3 {
		t.Fatalf("removed: v%d\n%s", v, s)
	}
	a.expectCode("POST", "/subjects/p/versions/latest/tags", `{"tagsToAdd":`+tagReq([3]string{"SampleRecord.nope", "sr_field", "X"})+`}`, 422, 42201)
	if msg := a.expectCode("POST", "/subjects/p/versions/latest/tags", `{"tagsToAdd":`+tagReq([3]string{"Nope", "sr_record", "X"})+`}`, 422, 42201); msg != "java.lang.IllegalArgumentException: No matching Message with name 'Nope' found in the schema" {
		t.Errorf("missing message: %q", msg)
	}

	const msg1 = "syntax = \"proto3\";\npackage com.example;\n\nmessage Message1 {\n  string f1 = 1;\n  string f2 = 2;\n}\n"
	b := newAPI(t)
	b.registeredAs("POST", "/subjects/test/versions", pb(msg1), 1)
	b.registeredAs("POST", "/subjects/test/versions/latest/tags", `{"tagsToAdd":`+tagReq([3]string{"Message1.f1", "sr_field", "TAG1"}, [3]string{".Message1.f1", "sr_field", "TAG2"})+`}`, 2)
	want := "syntax = \"proto3\";\npackage com.example;\n\nmessage Message1 {\n  string f1 = 1 [(confluent.field_meta) = {\n    tags: [\n      \"TAG1\",\n      \"TAG2\"\n    ]\n  }];\n  string f2 = 2;\n}\n"
	if s, v, cv, st := b.latestTagged("test"); s != want || v != 2 || cv != "2" || st != `[{"schemaEntity":{"entityPath":"Message1.f1","entityType":"sr_field"},"tags":["TAG1","TAG2"]}]` {
		t.Fatalf("Message1 tagged: v%d %s %s\n%s", v, cv, st, s)
	}
	b.registeredAs("POST", "/subjects/test/versions/latest/tags", `{"newVersion":3,"tagsToRemove":`+tagReq([3]string{"Message1.f1", "sr_field", "TAG2"})+`}`, 3)
	want = "syntax = \"proto3\";\npackage com.example;\n\nmessage Message1 {\n  string f1 = 1 [(confluent.field_meta) = {\n    tags: [\n      \"TAG1\"\n    ]\n  }];\n  string f2 = 2;\n}\n"
	if s, v, cv, _ := b.latestTagged("test"); s != want || v != 3 || cv != "3" {
		t.Fatalf("Message1 TAG2 removed: v%d %s\n%s", v, cv, s)
	}

	// propagateSchemaTags: version 3's TAG1 carried into an evolved schema.
	evolved := "syntax = \"proto3\";\npackage com.example;\n\nmessage Message1 {\n  string f1 = 1;\n  string f2 = 2;\n  string f3 = 3;\n}\n"
	b.registeredAs("POST", "/subjects/test/versions", pb(evolved, `"propagateSchemaTags":true`), 4)
	if s, _, _, st := b.latestTagged("test"); st != `[{"schemaEntity":{"entityPath":"Message1.f1","entityType":"sr_field"},"tags":["TAG1"]}]` || !reflect.DeepEqual(s, want[:len(want)-2]+"  string f3 = 3;\n}\n") {
		t.Fatalf("propagated: %s\n%s", st, s)
	}
	// schemaTagsToAdd at registration, a record tag.
	b.registeredAs("POST", "/subjects/test/versions", pb(evolved, `"version":5`, `"schemaTagsToAdd":`+tagReq([3]string{"Message1", "sr_record", "REC"})), 5)
	if _, _, _, st := b.latestTagged("test", "REC"); st != `[{"schemaEntity":{"entityPath":"Message1","entityType":"sr_record"},"tags":["REC"]}]` {
		t.Fatalf("schemaTagsToAdd: %s", st)
	}
}
