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

// protoTagsHead and protoTagsKind open and close the three texts.
const protoTagsHead = `syntax = "proto3";
package com.example.mynamespace;

import "confluent/meta.proto";
import "confluent/type/decimal.proto";

option java_package = "io.confluent.kafka.serializers.protobuf.test";
option java_outer_classname = "ComplexProto";
option (confluent.file_meta).tags = "FILE";

message SampleRecord {
`

const protoTagsKind = `  enum Kind {
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

const protoTagsPlain = protoTagsHead + `  option (confluent.message_meta).tags = "OTHER";

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
` + protoTagsKind

const protoTagsAdded = protoTagsHead + `  option (confluent.message_meta) = {
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
` + protoTagsKind

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

const protoTagsRemoved = protoTagsHead + `  option (confluent.message_meta) = {
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
` + protoTagsKind

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
	pb := func(s string, extra ...string) string {
		return body(s, append([]string{`"schemaType":"PROTOBUF"`}, extra...)...)
	}
	// A step tags or registers a version of the subject, then checks its
	// latest version (as findTags= the tags in find, all without): the
	// version number, and the text, confluent:version and schemaTags
	// where set.
	type step struct {
		name, path, body string
		version          int
		find             []string
		text, cv, tags   string
	}
	run := func(a *api, subject string, steps []step) {
		t.Helper()
		for _, s := range steps {
			a.registeredAs("POST", "/subjects/"+subject+s.path, s.body, s.version)
			text, v, cv, st := a.latestTagged(subject, s.find...)
			if v != s.version || (s.text != "" && text != s.text) || (s.cv != "" && cv != s.cv) || (s.tags != "" && st != s.tags) {
				t.Fatalf("%s: v%d confluent:version %s tags %s\n%s", s.name, v, cv, st, text)
			}
		}
	}

	a := newAPI(t)
	add := tagReq([3]string{".SampleRecord.my_field1", "sr_field", "PII"}, [3]string{".SampleRecord.my_field2", "sr_field", "PII"},
		[3]string{".SampleRecord.my_field3", "sr_field", "PII"}, [3]string{".SampleRecord.NestedRecord.nested_filed1", "sr_field", "PII"},
		[3]string{".SampleRecord", "sr_record", "PII"}, [3]string{".SampleRecord.NestedRecord", "sr_record", "PII"})
	remove := tagReq([3]string{".SampleRecord.my_field1", "sr_field", "OTHER"}, [3]string{".SampleRecord.my_field2", "sr_field", "PRIVATE"},
		[3]string{".SampleRecord.my_field3", "sr_field", "PII"}, [3]string{".SampleRecord.NestedRecord.nested_filed1", "sr_field", "DOES_NOT_EXIST"},
		[3]string{".SampleRecord", "sr_record", "OTHER"}, [3]string{".SampleRecord.NestedRecord", "sr_record", "PII"})
	run(a, "p", []step{
		{name: "registered", path: "/versions", body: pb(protoTagsPlain), version: 1},
		{name: "added", path: "/versions/latest/tags", body: `{"newVersion":2,"tagsToAdd":` + add + `}`, version: 2, text: protoTagsAdded, cv: "2"},
		{name: "removed", path: "/versions/latest/tags", body: `{"newVersion":3,"tagsToRemove":` + remove + `}`, version: 3, text: protoTagsRemoved},
	})
	a.expectCode("POST", "/subjects/p/versions/latest/tags", `{"tagsToAdd":`+tagReq([3]string{"SampleRecord.nope", "sr_field", "X"})+`}`, 422, 42201)
	if msg := a.expectCode("POST", "/subjects/p/versions/latest/tags", `{"tagsToAdd":`+tagReq([3]string{"Nope", "sr_record", "X"})+`}`, 422, 42201); msg != "java.lang.IllegalArgumentException: No matching Message with name 'Nope' found in the schema" {
		t.Errorf("missing message: %q", msg)
	}

	const msg1 = "syntax = \"proto3\";\npackage com.example;\n\nmessage Message1 {\n  string f1 = 1;\n  string f2 = 2;\n}\n"
	const evolved = "syntax = \"proto3\";\npackage com.example;\n\nmessage Message1 {\n  string f1 = 1;\n  string f2 = 2;\n  string f3 = 3;\n}\n"
	run(newAPI(t), "test", []step{
		{name: "Message1 registered", path: "/versions", body: pb(msg1), version: 1},
		{name: "Message1 tagged", path: "/versions/latest/tags", body: `{"tagsToAdd":` + tagReq([3]string{"Message1.f1", "sr_field", "TAG1"}, [3]string{".Message1.f1", "sr_field", "TAG2"}) + `}`, version: 2,
			text: "syntax = \"proto3\";\npackage com.example;\n\nmessage Message1 {\n  string f1 = 1 [(confluent.field_meta) = {\n    tags: [\n      \"TAG1\",\n      \"TAG2\"\n    ]\n  }];\n  string f2 = 2;\n}\n",
			cv:   "2", tags: `[{"schemaEntity":{"entityPath":"Message1.f1","entityType":"sr_field"},"tags":["TAG1","TAG2"]}]`},
		{name: "Message1 TAG2 removed", path: "/versions/latest/tags", body: `{"newVersion":3,"tagsToRemove":` + tagReq([3]string{"Message1.f1", "sr_field", "TAG2"}) + `}`, version: 3,
			text: "syntax = \"proto3\";\npackage com.example;\n\nmessage Message1 {\n  string f1 = 1 [(confluent.field_meta) = {\n    tags: [\n      \"TAG1\"\n    ]\n  }];\n  string f2 = 2;\n}\n", cv: "3"},
		// propagateSchemaTags: version 3's TAG1 carried into an evolved schema.
		{name: "propagated", path: "/versions", body: pb(evolved, `"propagateSchemaTags":true`), version: 4,
			text: "syntax = \"proto3\";\npackage com.example;\n\nmessage Message1 {\n  string f1 = 1 [(confluent.field_meta) = {\n    tags: [\n      \"TAG1\"\n    ]\n  }];\n  string f2 = 2;\n  string f3 = 3;\n}\n",
			tags: `[{"schemaEntity":{"entityPath":"Message1.f1","entityType":"sr_field"},"tags":["TAG1"]}]`},
		// schemaTagsToAdd at registration, a record tag.
		{name: "schemaTagsToAdd", path: "/versions", body: pb(evolved, `"version":5`, `"schemaTagsToAdd":`+tagReq([3]string{"Message1", "sr_record", "REC"})), version: 5,
			find: []string{"REC"}, tags: `[{"schemaEntity":{"entityPath":"Message1","entityType":"sr_record"},"tags":["REC"]}]`},
	})
}
