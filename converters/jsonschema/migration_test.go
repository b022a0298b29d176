package jsonschema

import (
	"strings"
	"testing"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/srclient"
	"github.com/goconnect/goconnect/schemaregistry/srtest"
)

// Migration rules as in Confluent's data-contracts documentation: version
// 2 renames ssn to socialSecurityNumber (a new major version,
// compatibilityGroup application.major.version) with an UPGRADE rule and a
// DOWNGRADE rule in JSONata; reading with use.latest.version migrates a
// version-1 record up, and a reader pinned to version 1
// (use.latest.with.metadata) migrates a version-2 record down.
func TestJSONataMigrations(t *testing.T) {
	srv := srtest.New(t)
	srv.Compatibility(t, "t-value", "NONE")
	register := func(text, md, rules string) int {
		return srv.Register(t, "t-value", srtest.Schema{Type: "JSON", Text: text, Metadata: md, Rules: rules})
	}
	v1 := register(`{"type":"object","title":"Customer","properties":{"name":{"type":"string"},"ssn":{"type":"string"}},"required":["name","ssn"]}`,
		`{"properties":{"application.major.version":"1"}}`, "")
	v2 := register(`{"type":"object","title":"Customer","properties":{"name":{"type":"string"},"socialSecurityNumber":{"type":"string"}},"required":["name","socialSecurityNumber"]}`,
		`{"properties":{"application.major.version":"2"}}`,
		`{"migrationRules":[{"name":"changeSsnName","kind":"TRANSFORM","type":"JSONATA","mode":"UPGRADE","expr":"$merge([$sift($, function($v, $k) {$k != 'ssn'}), {'socialSecurityNumber': $.'ssn'}])"},`+
			`{"name":"changeSsnNameBack","kind":"TRANSFORM","type":"JSONATA","mode":"DOWNGRADE","expr":"$merge([$sift($, function($v, $k) {$k != 'socialSecurityNumber'}), {'ssn': $.'socialSecurityNumber'}])"}]}`)
	wire := func(id int, text string) []byte { return append(srclient.AppendHeader(nil, id), text...) }
	field := func(v any, name string) any {
		t.Helper()
		got, err := v.(*data.Struct).Get(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return got
	}

	up := newConverter(t, srv.URL, false, map[string]string{"use.latest.version": "true"})
	s, v, err := up.ToConnectData("t", nil, wire(v1, `{"name":"bob","ssn":"123-45-6789"}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Field("ssn"); ok || field(v, "socialSecurityNumber") != "123-45-6789" || field(v, "name") != "bob" {
		t.Fatalf("upgraded: %s %v", s, v)
	}

	down := newConverter(t, srv.URL, false, map[string]string{srclient.KeyLatestMeta: "application.major.version=1"})
	s, v, err = down.ToConnectData("t", nil, wire(v2, `{"name":"ann","socialSecurityNumber":"987"}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Field("socialSecurityNumber"); ok || field(v, "ssn") != "987" {
		t.Fatalf("downgraded: %s %v", s, v)
	}

	// A failing expression fails the record (onFailure ERROR by default);
	// NONE passes the message on unchanged.
	bad := func(onFailure string) string {
		return `{"migrationRules":[{"name":"broken","kind":"TRANSFORM","type":"JSONATA","mode":"UPGRADE","expr":"$number('x')"` + onFailure + `}]}`
	}
	srv.Compatibility(t, "u-value", "NONE")
	u1 := srv.Register(t, "u-value", srtest.Schema{Type: "JSON", Text: `{"type":"object","title":"U","properties":{"a":{"type":"string"}}}`})
	srv.Register(t, "u-value", srtest.Schema{Type: "JSON", Text: `{"type":"object","title":"U","properties":{"a":{"type":"string"},"b":{"type":"string"}}}`, Rules: bad("")})
	conv := newConverter(t, srv.URL, false, map[string]string{"use.latest.version": "true"})
	if _, _, err := conv.ToConnectData("u", nil, wire(u1, `{"a":"x"}`)); err == nil || !strings.Contains(err.Error(), "Rule failed: broken: Could not evaluate expression") {
		t.Fatalf("broken expression: %v", err)
	}
	none := newConverter(t, srv.URL, false, map[string]string{"use.latest.version": "true", "rule.executors.broken.onFailure": "NONE"})
	if _, v, err := none.ToConnectData("u", nil, wire(u1, `{"a":"x"}`)); err != nil || field(v, "a") != "x" {
		t.Fatalf("onFailure NONE: %v %v", v, err)
	}
	// Other rule types in migrations are still refused.
	srv.Register(t, "u-value", srtest.Schema{Type: "JSON", Text: `{"type":"object","title":"U","properties":{"a":{"type":"string"},"c":{"type":"string"}}}`,
		Rules: `{"migrationRules":[{"name":"cel","kind":"TRANSFORM","type":"CEL","mode":"UPGRADE","expr":"message"}]}`})
	conv = newConverter(t, srv.URL, false, map[string]string{"use.latest.version": "true"})
	if _, _, err := conv.ToConnectData("u", nil, wire(u1, `{"a":"x"}`)); err == nil || !strings.Contains(err.Error(), "goconnect does not execute migration rules") {
		t.Fatalf("CEL migration: %v", err)
	}
}
