package prototype

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"
)

// goldens are schema texts with the canonical and normalized texts
// Confluent's ProtobufSchemaTest expects for them (protobuf-provider
// test sources; testdata/confluent_protobufschematest.json).
func goldens(t *testing.T) map[string]map[string]string {
	t.Helper()
	b, err := os.ReadFile("testdata/confluent_protobufschematest.json")
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]map[string]string
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCanonicalAndNormalizedAsConfluent(t *testing.T) {
	g := goldens(t)
	// Wire (and so Confluent) also accepts what a linker refuses: values in
	// reserved ranges, proto3 enums not starting at 0, jstype on an int32,
	// extend blocks in proto3 of other messages than options
	// (ProtobufSchemaTest.testComplexEnum, left out; so are its
	// testComplexCustomOptions 1-3, testNormalizationWithExtensions2,
	// ...WithComplexCustomOptions and ...WithRepeatedNestedCustomOptions:
	// float suffixes like 10f, an integer default for bytes, assignments
	// into a repeated option field, unresolvable option paths). Those numbers and
	// types are changed in the input and, where they show, in the expected
	// texts.
	er := g["enumReserved"]
	for k, v := range er {
		er[k] = strings.ReplaceAll(v, "reserved 1 to 3;", "reserved 5 to 7;")
	}
	no := g["normalization"]
	no["schemaString"] = strings.NewReplacer("reserved 14, 15, 9 to 11;", "reserved 14, 15, 17 to 19;",
		"reserved 1, 20, 29 to 31;", "reserved 8, 20, 29 to 31;",
		"      TWO = 2;\n      ONE = 1;\n      ZERO = 0 [deprecated = true];\n", "      ZERO = 0 [deprecated = true];\n      TWO = 2;\n      ONE = 1;\n",
		"  INACTIVE = 1;\n  ACTIVE = 0;\n", "  ACTIVE = 0;\n  INACTIVE = 1;\n").Replace(no["schemaString"])
	no["schemaString"] = strings.Replace(no["schemaString"], "int32 other_id2", "int64 other_id2", 1)
	no["normalized"] = strings.Replace(no["normalized"], "int32 other_id2", "int64 other_id2", 1)
	no["normalized"] = strings.Replace(no["normalized"], "    reserved 1;\n    reserved 9 to 11;\n    reserved 14;\n    reserved 15;\n",
		"    reserved 8;\n    reserved 14;\n    reserved 15;\n    reserved 17 to 19;\n", 1)
	for _, c := range []struct{ name, in, canonical, normalized string }{
		{"enumReserved", er["schemaString"], er["schemaString"], er["normalizedSchemaString"]},
		{"ranges", g["ranges"]["schemaString"], g["ranges"]["canonicalString"], g["ranges"]["normalized"]},
		{"normalization", no["schemaString"], no["schemaString"], no["normalized"]},
		{"enumAfterMessage", g["enumBeforeAfter"]["schemaString"], g["enumBeforeAfter"]["canonicalString"], ""},
		{"normalizationWithExtensions", g["testNormalizationWithExtensions"]["schemaString"], g["testNormalizationWithExtensions"]["canonical"],
			g["testNormalizationWithExtensions"]["normalized"]},
		{"nestedCustomOptions", g["testNestedCustomOptions"]["schemaString"], g["testNestedCustomOptions"]["canonicalString"], g["testNestedCustomOptions"]["normalized"]},
		// These two assert only the normalized text in Confluent's test.
		{"normalizationWithNestedComplexCustomOptions", g["testNormalizationWithNestedComplexCustomOptions"]["schemaString"], "",
			g["testNormalizationWithNestedComplexCustomOptions"]["normalized"]},
		{"normalizationWithPackagePrefix", g["testNormalizationWithPackagePrefix"]["schemaString"], "", g["testNormalizationWithPackagePrefix"]["normalized"]},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := mustParse(t, c.in, nil)
			if got := s.Canonical(); c.canonical != "" && got != c.canonical {
				t.Errorf("canonical:\n%s\nwant:\n%s", got, c.canonical)
			}
			if again := mustParse(t, s.Canonical(), nil).Canonical(); again != s.Canonical() {
				t.Errorf("canonical text not stable:\n%s", again)
			}
			if c.normalized == "" {
				return
			}
			if got := s.Normalized(); got != c.normalized {
				t.Errorf("normalized:\n%s\nwant:\n%s", got, c.normalized)
			}
			if again := mustParse(t, c.normalized, nil).Normalized(); again != c.normalized {
				t.Errorf("normalizing the normalized text changed it:\n%s", again)
			}
			if c.name == "normalizationWithExtensions" {
				// Confluent's test also prints the normalized schema
				// with format ignore_extensions.
				got, _ := mustParse(t, c.normalized, nil).Formatted("ignore_extensions")
				if want := g["testNormalizationWithExtensions"]["expected"]; got != want {
					t.Errorf("ignore_extensions:\n%s\nwant:\n%s", got, want)
				}
			}
		})
	}
}

// One schema written differently (spacing, comments, separators, one
// declaration per line or not) prints one canonical text.
func TestCanonicalIgnoresLayout(t *testing.T) {
	a := mustParse(t, `syntax = "proto3";
package shop;
// an order
message Order {
  int64 id = 1; // the id
  repeated string tags = 2 [packed = false, deprecated = true];
  map<string,int32> counts = 3;
  oneof pick { string a = 4; int32 b = 5; }
  enum State { NEW = 0; DONE = 1; }
}`, nil)
	b := mustParse(t, `syntax="proto3";package shop;message Order{int64 id=1;repeated string tags=2[packed=false,deprecated=true];
map < string , int32 > counts = 3 ; oneof pick{string a=4;int32 b=5;}enum State{NEW=0;DONE=1;};}`, nil)
	want := `syntax = "proto3";
package shop;

message Order {
  int64 id = 1;
  repeated string tags = 2 [
    packed = false,
    deprecated = true
  ];
  map<string, int32> counts = 3;

  oneof pick {
    string a = 4;
    int32 b = 5;
  }

  enum State {
    NEW = 0;
    DONE = 1;
  }
}
`
	if a.Canonical() != want || b.Canonical() != want {
		t.Errorf("canonical:\n%s\n%s\nwant:\n%s", a.Canonical(), b.Canonical(), want)
	}
}

// Default and json_name come last among a field's options; string
// options are escaped as Confluent's escapeChars; ignore_extensions drops
// custom options (not Confluent's) and extension declarations.
func TestOptionsAndFormats(t *testing.T) {
	s := mustParse(t, `syntax = "proto2";
package p;
import "google/protobuf/descriptor.proto";
import "confluent/meta.proto";
extend google.protobuf.FieldOptions { optional string label = 50000; }
message M {
  optional string s = 1 [json_name = "S", default = "a\"b\n", (label) = "x", deprecated = true];
  optional int32 n = 2 [(confluent.field_meta) = { doc: "n" params: { key: "k" value: "v" } }];
  extensions 100 to max;
}`, nil)
	want := `syntax = "proto2";
package p;

import "google/protobuf/descriptor.proto";
import "confluent/meta.proto";

message M {
  optional string s = 1 [
    (label) = "x",
    deprecated = true,
    default = "a\"b\n",
    json_name = "S"
  ];
  optional int32 n = 2 [(confluent.field_meta) = {
    doc: "n",
    params: {
      key: "k",
      value: "v"
    }
  }];

  extensions 100 to max;
}

extend google.protobuf.FieldOptions {
  optional string label = 50000;
}
`
	if s.Canonical() != want {
		t.Errorf("canonical:\n%s\nwant:\n%s", s.Canonical(), want)
	}
	ign, err := s.Formatted("ignore_extensions")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(ign, "(label)") || strings.Contains(ign, "extend ") || strings.Contains(ign, "extensions ") || !strings.Contains(ign, "(confluent.field_meta)") {
		t.Errorf("ignore_extensions:\n%s", ign)
	}
	ser, err := s.Formatted("serialized")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(ser)
	if err != nil {
		t.Fatal(err)
	}
	var fdp descriptorpb.FileDescriptorProto
	if err := proto.Unmarshal(raw, &fdp); err != nil {
		t.Fatal(err)
	}
	if fdp.GetName() != "default" || fdp.GetPackage() != "p" || fdp.GetMessageType()[0].GetName() != "M" ||
		strings.Join(fdp.Dependency, ",") != "google/protobuf/descriptor.proto,confluent/meta.proto" || fdp.SourceCodeInfo != nil {
		t.Errorf("serialized descriptor %v", &fdp)
	}
	if got, _ := s.Formatted("nonsense"); got != s.Canonical() {
		t.Errorf("unknown format gave %q", got)
	}
}

func TestFormatNumber(t *testing.T) {
	// Confluent's ProtobufSchemaTest.testNumberFormats.
	for in, want := range map[string]string{"123": "123", "0123": "83", "0x123": "291", "0123.0": "123", "123.": "123",
		"123.0": "123", "123.00": "123", "123e1": "1230", "123E1": "1230", "123E+1": "1230", "123E-1": "12.3",
		".123E+3": "123", "1.23E+3": "1230", "12.3E+3": "12300", "123.E+3": "123000", "123.4E+3": "123400",
		"123.45E+3": "123450", "123.456E+3": "123456", "123.4567E+2": "12345.67"} {
		if got, ok := formatNumber(in); !ok || got != want {
			t.Errorf("%s: %q %v, want %q", in, got, ok, want)
		}
	}
}

// A (confluent.*_meta) option without the import of confluent/meta.proto
// is accepted, as Confluent's parser knows the file, and printed without
// the import.
func TestMetaOptionWithoutImport(t *testing.T) {
	s := mustParse(t, `syntax = "proto3";
message M { int32 a = 1 [(confluent.field_meta) = { doc: "x" }]; }`, nil)
	want := "syntax = \"proto3\";\n\nmessage M {\n  int32 a = 1 [(confluent.field_meta) = {\n    doc: \"x\"\n  }];\n}\n"
	if s.Canonical() != want {
		t.Errorf("canonical:\n%s\nwant:\n%s", s.Canonical(), want)
	}
	if n := s.Normalized(); strings.Contains(n, "import") {
		t.Errorf("normalized:\n%s", n)
	}
}

// A schema registered as a base64 FileDescriptorProto (Confluent's Python
// serializer registers so) is printed as Confluent prints the elements it
// makes of one: fully qualified types, map fields as their entry message,
// proto3 fields unlabelled; the printed text parses again to itself, and
// normalize=true folds the map entry back into map<K, V>.
func TestDescriptorRegistration(t *testing.T) {
	src := mustParse(t, `syntax = "proto3";
package p;
message M {
  string user_id = 1 [json_name = "uid"];
  map<string, int32> counts = 2;
  optional int64 n = 3;
  E e = 4;
  enum E { A = 0; B = 1; }
}`, nil)
	fdp := proto.Clone(src.res.FileDescriptorProto()).(*descriptorpb.FileDescriptorProto)
	fdp.SourceCodeInfo = nil
	for _, f := range fdp.MessageType[0].Field {
		if f.GetName() != "user_id" {
			f.JsonName = nil
		}
	}
	for _, f := range fdp.MessageType[0].NestedType[0].Field {
		f.JsonName = nil
	}
	b, err := proto.Marshal(fdp)
	if err != nil {
		t.Fatal(err)
	}
	s := mustParse(t, base64.StdEncoding.EncodeToString(b), nil)
	want := `syntax = "proto3";
package p;

message M {
  string user_id = 1 [json_name = "uid"];
  repeated .p.M.CountsEntry counts = 2;
  optional int64 n = 3;
  .p.M.E e = 4;

  message CountsEntry {
    option map_entry = true;
  
    string key = 1;
    int32 value = 2;
  }
  enum E {
    A = 0;
    B = 1;
  }
}
`
	if s.Canonical() != want {
		t.Errorf("canonical:\n%s\nwant:\n%s", s.Canonical(), want)
	}
	again := mustParse(t, s.Canonical(), nil)
	if again.Canonical() != want {
		t.Errorf("stored text parsed again:\n%s", again.Canonical())
	}
	normalized := `syntax = "proto3";
package p;

message M {
  string user_id = 1 [json_name = "uid"];
  map<string, int32> counts = 2;
  optional int64 n = 3;
  .p.M.E e = 4;

  enum E {
    A = 0;
    B = 1;
  }
}
`
	if got := again.Normalized(); got != normalized {
		t.Errorf("normalized:\n%s\nwant:\n%s", got, normalized)
	}
	if d := Diff(src, again); len(d) != 0 {
		t.Errorf("the descriptor form differs from the source: %v", d)
	}
}
