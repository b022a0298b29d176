package jsontype

import (
	"strings"
	"testing"
)

func mustParse(t *testing.T, text string, refs map[string]string) *Schema {
	t.Helper()
	s, err := Parse(text, refs)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCanonicalAndNormalized(t *testing.T) {
	s := mustParse(t, `{ "type": "object",
	  "properties": {"b": {"type": "number", "maximum": 1e3}, "a": {"type": "string"}} }`, nil)
	if got := s.Canonical(); got != `{"type":"object","properties":{"b":{"type":"number","maximum":1E+3},"a":{"type":"string"}}}` {
		t.Fatalf("canonical %s", got)
	}
	if got := s.Normalized(); got != `{"properties":{"a":{"type":"string"},"b":{"maximum":1E+3,"type":"number"}},"type":"object"}` {
		t.Fatalf("normalized %s", got)
	}
}

func TestParseRefusesInvalidSchemas(t *testing.T) {
	for _, bad := range []string{`{"type": 5}`, `[1]`, `{"type":"object"`, `{"properties":{"a":{"$ref":"#/definitions/missing"}}}`, `{"$ref":"other.json"}`} {
		if _, err := Parse(bad, nil); err == nil || !strings.HasPrefix(err.Error(), "Invalid schema") {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

func TestReferences(t *testing.T) {
	refs := map[string]string{"customer.json": `{"type":"object","properties":{"name":{"type":"string"}}}`}
	s := mustParse(t, `{"type":"object","properties":{"c":{"$ref":"customer.json"}}}`, refs)
	// A changed referenced schema is seen through the $ref.
	refs2 := map[string]string{"customer.json": `{"type":"object","properties":{"name":{"type":"integer"}}}`}
	s2 := mustParse(t, `{"type":"object","properties":{"c":{"$ref":"customer.json"}}}`, refs2)
	msgs, err := Incompatibilities(s2, s, "new", "old")
	if err != nil || len(msgs) != 1 || !strings.Contains(msgs[0], `TYPE_CHANGED`) || !strings.Contains(msgs[0], "#/properties/c/properties/name") {
		t.Fatalf("%v %v", msgs, err)
	}
}

func check(t *testing.T, level, old, newer string) []string {
	t.Helper()
	msgs, err := Check(level, false, mustParse(t, newer, nil), []*Schema{mustParse(t, old, nil)}, []int{1})
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

// The rules of Confluent's JSON Schema diff that decide the common
// evolutions, STRICT policy.
func TestCompatibilityRules(t *testing.T) {
	const (
		open         = `{"type":"object","properties":{"a":{"type":"string"}}}`
		openPlus     = `{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string"}}}`
		closed       = `{"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":false}`
		closedPlus   = `{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string"}},"additionalProperties":false}`
		closedPlusRq = `{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string"}},"required":["b"],"additionalProperties":false}`
	)
	for _, c := range []struct {
		name, level, old, newer string
		wantType                string // "" = compatible
	}{
		{"optional property added to open model", "BACKWARD", open, openPlus, "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"},
		{"property removed from open model", "BACKWARD", openPlus, open, ""},
		{"property removed from open model, forward", "FORWARD", openPlus, open, "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"},
		{"optional property added to closed model", "BACKWARD", closed, closedPlus, ""},
		{"required property added to closed model", "BACKWARD", closed, closedPlusRq, "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"},
		{"property removed from closed model", "BACKWARD", closedPlus, closed, "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL"},
		{"closed model opened", "BACKWARD", closed, open, ""},
		{"open model closed", "BACKWARD", open, closed, "ADDITIONAL_PROPERTIES_REMOVED"},
		{"integer widened to number", "BACKWARD", `{"type":"integer"}`, `{"type":"number"}`, ""},
		{"number narrowed to integer", "BACKWARD", `{"type":"number"}`, `{"type":"integer"}`, "TYPE_NARROWED"},
		{"made nullable", "BACKWARD", `{"type":"string"}`, `{"oneOf":[{"type":"null"},{"type":"string"}]}`, ""},
		{"nullable made required", "BACKWARD", `{"oneOf":[{"type":"null"},{"type":"string"}]}`, `{"type":"string"}`, "TYPE_CHANGED"},
		{"string to integer", "FULL", `{"type":"string"}`, `{"type":"integer"}`, "TYPE_CHANGED"},
		{"enum extended", "BACKWARD", `{"enum":["a","b"]}`, `{"enum":["a","b","c"]}`, ""},
		{"enum extended, forward", "FORWARD", `{"enum":["a","b"]}`, `{"enum":["a","b","c"]}`, "ENUM_ARRAY_NARROWED"},
		{"maxLength decreased", "BACKWARD", `{"type":"string","maxLength":5}`, `{"type":"string","maxLength":3}`, "MAX_LENGTH_DECREASED"},
		{"maxLength increased", "BACKWARD", `{"type":"string","maxLength":3}`, `{"type":"string","maxLength":5}`, ""},
		{"oneOf branch added", "BACKWARD", `{"oneOf":[{"type":"string"},{"type":"integer"}]}`, `{"oneOf":[{"type":"string"},{"type":"integer"},{"type":"boolean"}]}`, ""},
		{"oneOf branch removed", "BACKWARD", `{"oneOf":[{"type":"string"},{"type":"integer"}]}`, `{"oneOf":[{"type":"string"}]}`, "SUM_TYPE_NARROWED"},
		{"decimal as number vs string", "FULL", `{"type":"string","connect.type":"bytes"}`, `{"type":"number","connect.type":"bytes"}`, ""},
		{"anything to NONE", "NONE", `{"type":"string"}`, `{"type":"integer"}`, ""},
	} {
		msgs := check(t, c.level, c.old, c.newer)
		if c.wantType == "" {
			if len(msgs) != 0 {
				t.Errorf("%s: want compatible, got %v", c.name, msgs)
			}
			continue
		}
		if len(msgs) < 2 || !strings.Contains(msgs[0], `errorType:"`+c.wantType+`"`) || msgs[len(msgs)-2] != "{oldSchemaVersion: 1}" {
			t.Errorf("%s: want %s, got %v", c.name, c.wantType, msgs)
		}
	}
}

func TestMessagesNameReaderAndWriter(t *testing.T) {
	msgs := check(t, "BACKWARD", `{"type":"object","properties":{"a":{"type":"string"}}}`, `{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string"}}}`)
	want := `{errorType:"OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", description:"The new schema has an open content model and has a property or item at path '#/properties/b' which is missing in the old schema'}`
	if msgs[0] != want {
		t.Fatalf("got  %s\nwant %s", msgs[0], want)
	}
	if !strings.HasPrefix(msgs[2], `{oldSchema: '{"type":"object"`) {
		t.Fatalf("old schema message %s", msgs[2])
	}
}

func TestRecursiveSchemasCompare(t *testing.T) {
	rec := `{"type":"object","properties":{"v":{"type":"string"},"next":{"$ref":"#"}}}`
	if msgs := check(t, "FULL_TRANSITIVE", rec, rec); len(msgs) != 0 {
		t.Fatalf("%v", msgs)
	}
	rec2 := `{"type":"object","properties":{"v":{"type":"integer"},"next":{"$ref":"#"}}}`
	if msgs := check(t, "BACKWARD", rec, rec2); len(msgs) == 0 || !strings.Contains(msgs[0], "TYPE_CHANGED") {
		t.Fatalf("%v", msgs)
	}
}

func TestLenientPolicy(t *testing.T) {
	old := mustParse(t, `{"type":"object","properties":{"a":{"type":"string"}}}`, nil)
	newer := mustParse(t, `{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string"}}}`, nil)
	if msgs, err := Check("BACKWARD", true, newer, []*Schema{old}, nil); err != nil || len(msgs) != 0 {
		t.Fatalf("lenient: %v %v", msgs, err)
	}
}
