package schemaregistry

import (
	"strings"
	"testing"
)

// The JSON type through the HTTP API: registration with schemaType JSON,
// the canonical text stored and answered, normalize=true, references to
// other subjects, Confluent's JSON compatibility rules (409 with the
// diff's change type), invalid schemas 42201.
func TestAPIJSONSchemaType(t *testing.T) {
	a := newAPI(t)
	js := `"schemaType":"JSON"`
	closed := `{"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":false}`
	a.expect("POST", "/subjects/j/versions", body(` { "type" : "object", "properties": {"a": {"type":"string"}}, "additionalProperties": false } `, js), 200, `{"id":1}`)
	a.expect("GET", "/schemas/ids/1/schema", "", 200, closed)
	a.expect("GET", "/subjects/j/versions/1", "", 200, `{"subject":"j","version":1,"id":1,"schemaType":"JSON","schema":`+quote(closed)+`}`)
	// The same text in another layout is the same schema.
	a.expect("POST", "/subjects/j", body(closed, js), 200, `{"subject":"j","version":1,"id":1,"schemaType":"JSON","schema":`+quote(closed)+`}`)
	// Adding an optional property to a closed content model is BACKWARD
	// compatible; to an open one it is not (STRICT policy).
	closedPlus := `{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"integer"}},"additionalProperties":false}`
	a.expect("POST", "/subjects/j/versions", body(closedPlus, js), 200, `{"id":2}`)
	open := `{"type":"object","properties":{"a":{"type":"string"}}}`
	a.expect("POST", "/subjects/o/versions", body(open, js), 200, `{"id":3}`)
	msg := a.expectCode("POST", "/subjects/o/versions", body(`{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"integer"}}}`, js), 409, 40901)
	if !strings.Contains(msg, "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL") || !strings.Contains(msg, "The new schema has an open content model") {
		t.Errorf("409 message %q does not name the change", msg)
	}
	a.expect("POST", "/compatibility/subjects/o/versions/latest", body(`{"type":"object","properties":{}}`, js), 200, `{"is_compatible":true}`)
	// FORWARD names the roles the other way round.
	a.expect("PUT", "/config/o", `{"compatibility":"FORWARD"}`, 200, `{"compatibility":"FORWARD"}`)
	msg = a.expectCode("POST", "/subjects/o/versions", body(`{"type":"object","properties":{}}`, js), 409, 40901)
	if !strings.Contains(msg, "The old schema has an open content model and has a property or item at path '#/properties/a' which is missing in the new schema") {
		t.Errorf("FORWARD message %q", msg)
	}
	// normalize=true: members sorted.
	a.expect("POST", "/subjects/n/versions?normalize=true", body(`{"type":"string","maxLength":3}`, js), 200, `{"id":4}`)
	a.expect("GET", "/schemas/ids/4/schema", "", 200, `{"maxLength":3,"type":"string"}`)
	// A reference to another subject's schema, by $ref to its name.
	a.expect("POST", "/subjects/addr/versions", body(`{"type":"object","properties":{"city":{"type":"string"}}}`, js), 200, `{"id":5}`)
	person := `{"type":"object","properties":{"home":{"$ref":"addr.json"}}}`
	a.expect("POST", "/subjects/person/versions", body(person, js, `"references":[{"name":"addr.json","subject":"addr","version":1}]`), 200, `{"id":6}`)
	a.expectCode("POST", "/subjects/person2/versions", body(person, js), 422, 42201)
	// Invalid JSON Schemas.
	a.expectCode("POST", "/subjects/bad/versions", body(`{"type":7}`, js), 422, 42201)
	a.expectCode("POST", "/subjects/bad/versions", body(`{"type":"object"`, js), 422, 42201)
	// AVRO and JSON versions of one subject do not mix.
	a.expectCode("POST", "/subjects/j/versions", body(`"string"`), 409, 40901)
}
