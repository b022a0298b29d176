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
	if err != nil || len(probs) != 1 || !strings.Contains(probs[0], "/v: type long cannot be read as int") {
		t.Fatalf("forward int→long: %v %v", probs, err)
	}
	if probs, _ := compatibleText(Backward, list("long"), []string{list("int")}); len(probs) != 0 {
		t.Errorf("backward int→long: %v", probs)
	}
	// A symbol added to the enum referenced by its short name: old readers lack it.
	wider := strings.Replace(list("int"), `["A","B"]`, `["A","B","D"]`, 1)
	probs, _ = compatibleText(Forward, wider, []string{list("int")})
	if len(probs) != 1 || !strings.Contains(probs[0], "/c: reader enum lacks symbol D") {
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

// compatibleText checks Avro schema texts under a level.
func compatibleText(level, n string, old []string) ([]string, error) {
	parse := func(s string) (ParsedSchema, error) { return avroType{}.Parse(s, nil) }
	np, err := parse(n)
	if err != nil {
		return nil, err
	}
	var prev []ParsedSchema
	for _, o := range old {
		p, err := parse(o)
		if err != nil {
			return nil, err
		}
		prev = append(prev, p)
	}
	return compatible(level, np, prev), nil
}

// compatible checks a new schema against the existing versions (oldest
// first) under a level: BACKWARD means the new schema can read data
// written with the old one, FORWARD the other way round, FULL both; the
// plain levels look at the latest version only, the transitive ones at
// all of them.
func compatible(level string, n ParsedSchema, existing []ParsedSchema) []string {
	if level == None || len(existing) == 0 {
		return nil
	}
	against := existing[len(existing)-1:]
	if strings.HasSuffix(level, "_TRANSITIVE") {
		against = existing
	}
	var problems []string
	for _, o := range against {
		if strings.HasPrefix(level, Backward) || strings.HasPrefix(level, Full) {
			for _, msg := range n.BackwardCompatible(o) {
				problems = append(problems, "new schema cannot read data written with an old one: "+msg)
			}
		}
		if strings.HasPrefix(level, Forward) || strings.HasPrefix(level, Full) {
			for _, msg := range o.BackwardCompatible(n) {
				problems = append(problems, "an old schema cannot read data written with the new one: "+msg)
			}
		}
	}
	return problems
}
