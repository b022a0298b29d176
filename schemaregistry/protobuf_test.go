package schemaregistry

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"
)

// The PROTOBUF type through the HTTP API: registration, an import served
// by a reference, Confluent's Protobuf compatibility (409 with the diff's
// change type), invalid schemas 42201.
func TestAPIProtobufSchemaType(t *testing.T) {
	a := newAPI(t)
	pb := `"schemaType":"PROTOBUF"`
	addr := `syntax = "proto3"; package shop; message Address { string city = 1; }`
	a.expect("POST", "/subjects/addr/versions", body(addr, pb), 200, `{"id":1}`)
	order := `syntax = "proto3"; package shop; import "addr.proto"; message Order { int64 id = 1; Address ship_to = 2; }`
	ref := `"references":[{"name":"addr.proto","subject":"addr","version":1}]`
	a.expect("POST", "/subjects/orders-value/versions", body(order, pb, ref), 200, `{"id":2}`)
	a.expectCode("POST", "/subjects/orders2-value/versions", body(order, pb), 422, 42201)
	// A field added is compatible; a field's scalar kind changed is not.
	added := `syntax = "proto3"; package shop; import "addr.proto"; message Order { int64 id = 1; Address ship_to = 2; string note = 3; }`
	a.expect("POST", "/subjects/orders-value/versions", body(added, pb, ref), 200, `{"id":3}`)
	changed := `syntax = "proto3"; package shop; import "addr.proto"; message Order { string id = 1; Address ship_to = 2; string note = 3; }`
	msg := a.expectCode("POST", "/subjects/orders-value/versions", body(changed, pb, ref), 409, 40901)
	if !strings.Contains(msg, "FIELD_SCALAR_KIND_CHANGED") || !strings.Contains(msg, "in the new schema does not match its kind in the old schema") {
		t.Errorf("409 message %q", msg)
	}
	a.expectCode("POST", "/subjects/bad/versions", body(`syntax = "proto3"; message {`, pb), 422, 42201)
}

// Confluent stores and answers its printed form of a Protobuf schema
// (ProtobufSchema.canonicalString): the same schema written differently
// is one id; normalize=true also merges forms that differ in order and in
// how names are qualified; ?format=serialized answers the base64
// FileDescriptorProto; well-known and Confluent's own imports need no
// reference.
func TestAPIProtobufCanonicalText(t *testing.T) {
	a := newAPI(t)
	pb := `"schemaType":"PROTOBUF"`
	compact := `syntax="proto3";package shop;import "google/protobuf/timestamp.proto";message Order{int64 id=1;google.protobuf.Timestamp at=2;}`
	spaced := "syntax = \"proto3\";\n// orders\npackage shop;\n\nimport \"google/protobuf/timestamp.proto\";\n\nmessage Order {\n    int64 id = 1; // key\n    google.protobuf.Timestamp at = 2;\n}\n"
	printed := "syntax = \"proto3\";\npackage shop;\n\nimport \"google/protobuf/timestamp.proto\";\n\nmessage Order {\n  int64 id = 1;\n  google.protobuf.Timestamp at = 2;\n}\n"
	a.expect("POST", "/subjects/orders-value/versions", body(compact, pb), 200, `{"id":1}`)
	a.expect("POST", "/subjects/orders-value/versions", body(spaced, pb), 200, `{"id":1}`)
	a.expect("POST", "/subjects/other/versions", body(spaced, pb), 200, `{"id":1}`)
	a.expect("GET", "/subjects/orders-value/versions/1/schema", "", 200, strings.TrimSpace(printed))
	got, _ := json.Marshal(printed)
	a.expect("POST", "/subjects/orders-value", body(spaced, pb), 200,
		`{"subject":"orders-value","version":1,"id":1,"schemaType":"PROTOBUF","schema":`+string(got)+`}`)

	// Fields in another order and a qualified type name: another text, one
	// normalized text.
	reordered := `syntax = "proto3"; package shop; import "google/protobuf/timestamp.proto"; message Order { .google.protobuf.Timestamp at = 2; int64 id = 1; }`
	a.expect("POST", "/subjects/norm/versions?normalize=true", body(compact, pb), 200, `{"id":2}`)
	a.expect("POST", "/subjects/norm/versions?normalize=true", body(reordered, pb), 200, `{"id":2}`)
	normalized := "syntax = \"proto3\";\npackage shop;\n\nimport \"google/protobuf/timestamp.proto\";\n\nmessage Order {\n  int64 id = 1;\n  .google.protobuf.Timestamp at = 2;\n}\n"
	a.expect("GET", "/subjects/norm/versions/1/schema", "", 200, strings.TrimSpace(normalized))
	a.expect("POST", "/subjects/plain/versions", body(reordered, pb), 200, `{"id":3}`)

	// format=serialized: the descriptor named "default", its imports kept.
	code, out, _ := a.call("GET", "/schemas/ids/1?format=serialized", "")
	var resp struct{ Schema string }
	if err := json.Unmarshal([]byte(out), &resp); code != 200 || err != nil {
		t.Fatalf("%d %s", code, out)
	}
	raw, err := base64.StdEncoding.DecodeString(resp.Schema)
	var fdp descriptorpb.FileDescriptorProto
	if err == nil {
		err = proto.Unmarshal(raw, &fdp)
	}
	if err != nil || fdp.GetName() != "default" || fdp.GetPackage() != "shop" || len(fdp.Dependency) != 1 ||
		fdp.Dependency[0] != "google/protobuf/timestamp.proto" || fdp.MessageType[0].Field[1].GetTypeName() != ".google.protobuf.Timestamp" {
		t.Errorf("serialized: %v %v", err, &fdp)
	}

	// The serialized form registers back (as Confluent's Python serializer
	// registers schemas): stored as Confluent prints a descriptor's
	// elements, types fully qualified.
	a.expect("POST", "/subjects/from-descriptor/versions", body(resp.Schema, pb), 200, `{"id":4}`)
	if _, text, _ := a.call("GET", "/subjects/from-descriptor/versions/1/schema", ""); !strings.Contains(text, "  .google.protobuf.Timestamp at = 2") {
		t.Errorf("descriptor registered as:\n%s", text)
	}

	// confluent/meta.proto and confluent/type/decimal.proto resolve without
	// a reference, as in Confluent's registry.
	meta := `syntax = "proto3"; package p; import "confluent/meta.proto"; import "confluent/type/decimal.proto"; import "google/type/date.proto";
message M { confluent.type.Decimal amount = 1 [(confluent.field_meta) = { params: [{key: "precision" value: "8"}] }]; google.type.Date day = 2; }`
	a.expect("POST", "/subjects/meta/versions", body(meta, pb), 200, `{"id":5}`)
}
