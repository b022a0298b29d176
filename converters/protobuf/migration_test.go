package protobuf

import (
	"strings"
	"testing"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/srclient"
	"github.com/goconnect/goconnect/schemaregistry/srtest"
)

// JSONata migrations over the Protobuf JSON of a message (Confluent's
// ProtobufSchemaUtils.toJson: json names, default values included):
// version 2 renames ssn (social_security_number, JSON socialSecurityNumber)
// and computes adult; use.latest.version migrates a version-1 record up
// (age 0 is present in the JSON, so adult is false), a reader pinned to
// version 1 migrates down, JSON with a field the reader lacks fails the
// record, and a CEL migration is refused.
func TestJSONataMigrations(t *testing.T) {
	srv := srtest.New(t)
	srv.Compatibility(t, "t-value", "NONE")
	register := func(subject, text, md, rules string) int {
		return srv.Register(t, subject, srtest.Schema{Type: "PROTOBUF", Text: text, Metadata: md, Rules: rules})
	}
	v1 := register("t-value", "syntax = \"proto3\";\npackage p;\n\nmessage Customer {\n  string name = 1;\n  string ssn = 2;\n  int32 age = 3;\n}\n", `{"properties":{"app":"1"}}`, "")
	v2 := register("t-value", "syntax = \"proto3\";\npackage p;\n\nmessage Customer {\n  string name = 1;\n  string social_security_number = 2;\n  int32 age = 3;\n  bool adult = 4;\n}\n", `{"properties":{"app":"2"}}`,
		`{"migrationRules":[{"name":"up","kind":"TRANSFORM","type":"JSONATA","mode":"UPGRADE","expr":"$merge([$sift($, function($v, $k) {$k != 'ssn'}), {'socialSecurityNumber': $.'ssn', 'adult': age >= 18}])"},`+
			`{"name":"down","kind":"TRANSFORM","type":"JSONATA","mode":"DOWNGRADE","expr":"$merge([$sift($, function($v, $k) {$k != 'socialSecurityNumber' and $k != 'adult'}), {'ssn': $.'socialSecurityNumber'}])"}]}`)
	field := func(v any, name string) any {
		t.Helper()
		got, err := v.(*data.Struct).Get(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return got
	}
	up := newConverter(t, srv.URL, false, map[string]string{"use.latest.version": "true"})
	// Customer{name:"bob", ssn:"123", age:30} with v1.
	s, v, err := up.ToConnectData("t", nil, append(srclient.AppendHeader(nil, v1), 0, 0x0a, 3, 'b', 'o', 'b', 0x12, 3, '1', '2', '3', 0x18, 30))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Field("ssn"); ok || field(v, "social_security_number") != "123" || field(v, "adult") != true || field(v, "name") != "bob" {
		t.Fatalf("upgraded: %s %v", s, v)
	}
	// age 0 (absent on the wire) is in the JSON: adult false, not missing.
	_, v, err = up.ToConnectData("t", nil, append(srclient.AppendHeader(nil, v1), 0, 0x0a, 1, 'k'))
	if err != nil || field(v, "adult") != false {
		t.Fatalf("upgraded without age: %v %v", v, err)
	}
	down := newConverter(t, srv.URL, false, map[string]string{srclient.KeyLatestMeta: "app=1"})
	s, v, err = down.ToConnectData("t", nil, append(srclient.AppendHeader(nil, v2), 0, 0x12, 2, '7', '7', 0x20, 1))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Field("adult"); ok || field(v, "ssn") != "77" {
		t.Fatalf("downgraded: %s %v", s, v)
	}

	// A result with a field the reader lacks fails (JsonFormat's parser).
	srv.Compatibility(t, "u-value", "NONE")
	u1 := register("u-value", "syntax = \"proto3\";\npackage p;\n\nmessage U {\n  string a = 1;\n}\n", "", "")
	register("u-value", "syntax = \"proto3\";\npackage p;\n\nmessage U {\n  string b = 2;\n}\n", "",
		`{"migrationRules":[{"name":"keep","kind":"TRANSFORM","type":"JSONATA","mode":"UPGRADE","expr":"$"}]}`)
	conv := newConverter(t, srv.URL, false, map[string]string{"use.latest.version": "true"})
	if _, _, err := conv.ToConnectData("u", nil, append(srclient.AppendHeader(nil, u1), 0, 0x0a, 1, 'x')); err == nil || !strings.Contains(err.Error(), `parsing the migrated JSON {"a":"x"} as p.U`) {
		t.Fatalf("unknown field after migration: %v", err)
	}
	// Other rule types in migrations are still refused.
	register("u-value", "syntax = \"proto3\";\npackage p;\n\nmessage U {\n  string c = 3;\n}\n", "",
		`{"migrationRules":[{"name":"cel","kind":"TRANSFORM","type":"CEL","mode":"UPGRADE","expr":"message"}]}`)
	conv = newConverter(t, srv.URL, false, map[string]string{"use.latest.version": "true"})
	if _, _, err := conv.ToConnectData("u", nil, append(srclient.AppendHeader(nil, u1), 0, 0x0a, 1, 'x')); err == nil || !strings.Contains(err.Error(), "goconnect does not execute migration rules") {
		t.Fatalf("CEL migration: %v", err)
	}
}
