package schemaregistry

import (
	"errors"
	"strings"
	"testing"
)

// The registry reads schemas with internal/avroschema: named types,
// recursion and namespaces resolve as the converter resolves them, and
// problems name the path of the field that breaks compatibility.
func TestCompatibilityThroughNamedTypes(t *testing.T) {
	list := func(v string) string {
		return `{"type":"record","name":"List","namespace":"n","fields":[{"name":"v","type":"` + v +
			`"},{"name":"next","type":["null","List"],"default":null},` +
			`{"name":"c","type":{"type":"enum","name":"C","symbols":["A","B"]}},{"name":"c2","type":"C"}]}`
	}
	// A recursive schema is compatible with itself (the cycle ends).
	if probs, err := compatibleText(Full, list("int"), []string{list("int")}); err != nil || len(probs) != 0 {
		t.Fatalf("recursive schema against itself: %v %v", probs, err)
	}
	// int → long is a promotion backward, not forward; the path names the field.
	probs, err := compatibleText(Forward, list("long"), []string{list("int")})
	if err != nil || len(probs) != 4 || !strings.Contains(probs[0], "{errorType:'TYPE_MISMATCH', description:'The type (path '/fields/0/type') of a field in the old schema does not match with the new schema', additionalInfo:'reader type: INT not compatible with writer type: LONG'}") {
		t.Fatalf("forward int→long: %v %v", probs, err)
	}
	if probs, _ := compatibleText(Backward, list("long"), []string{list("int")}); len(probs) != 0 {
		t.Errorf("backward int→long: %v", probs)
	}
	// A symbol added to the enum referenced by its short name: old readers lack it.
	wider := strings.Replace(list("int"), `["A","B"]`, `["A","B","D"]`, 1)
	probs, _ = compatibleText(Forward, wider, []string{list("int")})
	// c and c2 are one enum: Avro's memoised result counts it twice.
	if len(probs) != 5 || probs[1] != probs[0] || probs[0] != "{errorType:'MISSING_ENUM_SYMBOLS', description:'The old schema is missing enum symbols '[D]' at path '/fields/2/type/symbols' in the new schema', additionalInfo:'[D]'}" {
		t.Errorf("forward enum symbol: %v", probs)
	}
}

func TestRegisterInvalidSchemaNamesTheField(t *testing.T) {
	_, err := New(nil).Register("s", `{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":{"type":"array","items":"Nope"}}]}`)
	var re *Error
	if !errors.As(err, &re) || re.Status != 422 || re.Code != 42201 {
		t.Fatalf("error %v, want 422/42201", err)
	}
	if want := `Either the input schema or one its references is invalid: Invalid schema: field b: array items: unknown Avro type "Nope"`; re.Message != want {
		t.Errorf("message %q, want %q", re.Message, want)
	}
}

// compatibleText checks Avro schema texts under a level, the old ones
// versions 1, 2, … in order.
func compatibleText(level, n string, old []string) ([]string, error) {
	parse := func(s string) (ParsedSchema, error) { return avroType{}.Parse(s, nil) }
	np, err := parse(n)
	if err != nil {
		return nil, err
	}
	var prev []previous
	for i, o := range old {
		p, err := parse(o)
		if err != nil {
			return nil, err
		}
		prev = append(prev, previous{version: i + 1, typ: "AVRO", text: p.Canonical(), schema: p})
	}
	return checkCompatibility(level, "AVRO", np, prev, false), nil
}
