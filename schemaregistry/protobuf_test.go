package schemaregistry

import (
	"strings"
	"testing"
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
	msg := a.expectCode("POST", "/subjects/orders-value/versions", body(changed, pb, ref), 409, 409)
	if !strings.Contains(msg, "FIELD_SCALAR_KIND_CHANGED") || !strings.Contains(msg, "in the new schema does not match its kind in the old schema") {
		t.Errorf("409 message %q", msg)
	}
	a.expectCode("POST", "/subjects/bad/versions", body(`syntax = "proto3"; message {`, pb), 422, 42201)
}
