package schemaregistry

import (
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
