package schemaregistry

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// The JSON Schema texts and tagged entities of Confluent's JsonSchemaTest
// (testBasicAddAndRemoveTags, testInlineTagsForRefInArray,
// testInlineTagsForNullInArray, testNestedCombinedSchemasDraft_2020_12),
// driven through the HTTP API: POST …/tags, ?findTags= and
// propagateSchemaTags.

const jsonTagsPlain = `{"$schema":"http://json-schema.org/draft-07/schema#","$id":"http://example.com/myURI.schema.json","title":"SampleRecord","description":"Sample schema to help you get started.","type":"object","additionalProperties":false,"properties":{` +
	`"myfield1":{"type":"array","items":{"type":"object","title":"arrayRecord","properties":{"field1":{"type":"string"},"field2":{"type":"number"}}}},` +
	`"myfield2":{"allOf":[{"type":"string"},{"type":"object","title":"nestedUnion","properties":{"nestedUnionField1":{"type":"boolean"},"nestedUnionField2":{"type":"number"}}}]},` +
	`"myfield3":{"not":{"type":"object","title":"nestedNot","properties":{"nestedNotField1":{"type":"boolean"},"nestedNotField2":{"type":"string"}}}},` +
	`"myfield4":{"enum":["red","amber","green"]}}}`

const jsonTagsAdded = `{"$schema":"http://json-schema.org/draft-07/schema#","$id":"http://example.com/myURI.schema.json","title":"SampleRecord","description":"Sample schema to help you get started.","type":"object","additionalProperties":false,"properties":{` +
	`"myfield1":{"type":"array","items":{"type":"object","title":"arrayRecord","properties":{"field1":{"type":"string","confluent:tags":["PII"]},"field2":{"type":"number"}},"confluent:tags":["record"]}},` +
	`"myfield2":{"allOf":[{"type":"string"},{"type":"object","title":"nestedUnion","properties":{"nestedUnionField1":{"type":"boolean"},"nestedUnionField2":{"type":"number","confluent:tags":["PII"]}},"confluent:tags":["record"]}]},` +
	`"myfield3":{"not":{"type":"object","title":"nestedNot","properties":{"nestedNotField1":{"type":"boolean"},"nestedNotField2":{"type":"string","confluent:tags":["PII"]}},"confluent:tags":["record"]}},` +
	`"myfield4":{"enum":["red","amber","green"],"confluent:tags":["PII"]}}}`

// jsonTagEntities is the map of Confluent's test: path|type -> tags.
var jsonTagEntities = map[string][]string{
	"object.myfield1.array.object.field1|sr_field":              {"PII"},
	"object.myfield2.allof.0.object.nestedUnionField2|sr_field": {"PII"},
	"object.myfield3.not.object.nestedNotField2|sr_field":       {"PII"},
	"object.myfield4|sr_field":                                  {"PII"},
	"object.myfield1.array.object|sr_record":                    {"record"},
	"object.myfield2.allof.0.object|sr_record":                  {"record"},
	"object.myfield3.not.object|sr_record":                      {"record"},
}

func schemaTagMap(t *testing.T, raw string) map[string][]string {
	t.Helper()
	if raw == "" {
		return map[string][]string{}
	}
	var list []SchemaTags
	if err := json.Unmarshal([]byte(raw), &list); err != nil {
		t.Fatalf("schemaTags %s: %v", raw, err)
	}
	out := map[string][]string{}
	for _, st := range list {
		out[st.SchemaEntity.EntityPath+"|"+st.SchemaEntity.EntityType] = st.Tags
	}
	return out
}

func sameJSON(t *testing.T, a, b string) bool {
	t.Helper()
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		t.Fatalf("not JSON: %s / %s", a, b)
	}
	return reflect.DeepEqual(x, y)
}

func (a *api) latestTaggedOf(subject string, find ...string) (string, map[string][]string) {
	a.t.Helper()
	s, _, _, st := a.latestTagged(subject, find...)
	return s, schemaTagMap(a.t, st)
}

func TestAPIJSONSchemaTags(t *testing.T) {
	a := newAPI(t)
	js := func(s string, extra ...string) string {
		return body(s, append([]string{`"schemaType":"JSON"`}, extra...)...)
	}
	a.registeredAs("POST", "/subjects/j/versions", js(jsonTagsPlain), 1)
	if _, got := a.latestTaggedOf("j"); len(got) != 0 {
		t.Fatalf("untagged schema answers tags %v", got)
	}

	// The seven entities of Confluent's test added at once.
	var add []SchemaTags
	for k, tags := range jsonTagEntities {
		p, typ, _ := strings.Cut(k, "|")
		add = append(add, SchemaTags{SchemaEntity{p, typ}, tags})
	}
	slices.SortFunc(add, func(x, y SchemaTags) int {
		return strings.Compare(x.SchemaEntity.EntityPath, y.SchemaEntity.EntityPath)
	})
	addJSON, _ := json.Marshal(add)
	a.registeredAs("POST", "/subjects/j/versions/latest/tags", `{"newVersion":2,"tagsToAdd":`+string(addJSON)+`}`, 2)
	s, got := a.latestTaggedOf("j")
	if !sameJSON(t, s, jsonTagsAdded) {
		t.Errorf("tagged schema\n%s\nwant (as JSON)\n%s", s, jsonTagsAdded)
	}
	if !reflect.DeepEqual(got, jsonTagEntities) {
		t.Errorf("findTags=*:\n%v\nwant\n%v", got, jsonTagEntities)
	}
	if _, got := a.latestTaggedOf("j", "record"); len(got) != 3 || got["object.myfield2.allof.0.object|sr_record"] == nil {
		t.Errorf("findTags=record: %v", got)
	}
	if _, got := a.latestTaggedOf("j", "PII"); len(got) != 4 || got["object.myfield4|sr_field"] == nil {
		t.Errorf("findTags=PII: %v", got)
	}
	// The same through /schemas/ids.
	if _, body, _ := a.call("GET", "/schemas/ids/2?findTags=record", ""); !strings.Contains(body, `"entityPath":"object.myfield3.not.object"`) {
		t.Errorf("ids/2 findTags=record: %s", body)
	}

	// propagateSchemaTags: the tags of version 2 carried into the plain
	// schema registered again (Confluent's maybePropagateSchemaTags).
	a.registeredAs("POST", "/subjects/j/versions", js(strings.Replace(jsonTagsPlain, `"myfield4":{`, `"myfield5":{"type":"string"},"myfield4":{`, 1), `"propagateSchemaTags":true`), 3)
	if s, got := a.latestTaggedOf("j"); !reflect.DeepEqual(got, jsonTagEntities) || !strings.Contains(s, `"myfield5":{"type":"string"}`) {
		t.Errorf("propagated: %v\n%s", got, s)
	}

	// All removed: the untagged text again, no schemaTags.
	plain5 := strings.Replace(jsonTagsPlain, `"myfield4":{`, `"myfield5":{"type":"string"},"myfield4":{`, 1)
	a.registeredAs("POST", "/subjects/j/versions/latest/tags", `{"newVersion":4,"tagsToRemove":`+string(addJSON)+`}`, 4)
	if s, got := a.latestTaggedOf("j"); len(got) != 0 || !sameJSON(t, s, plain5) {
		t.Errorf("removed: %v\n%s", got, s)
	}

	// Confluent's other findings: a tagged property behind a $ref in a
	// definition, a $ref'd property with tags, combined schemas without
	// tags beneath.
	for i, c := range []struct{ schema, want string }{
		{`{"definitions":{"MetricData":{"additionalProperties":false,"properties":{"name":{"oneOf":[{"title":"Not included","type":"null"},{"type":"string"}],"confluent:tags":["PII"]},"value":{"oneOf":[{"title":"Not included","type":"null"},{"type":"string"}]}},"type":"object"},"SensorData":{"additionalProperties":false,"properties":{"metricData":{"oneOf":[{"title":"Not included","type":"null"},{"items":{"$ref":"#/definitions/MetricData"},"type":"array"}]}},"type":"object"}},"properties":{"sensorData":{"oneOf":[{"title":"Not included","type":"null"},{"items":{"$ref":"#/definitions/SensorData"},"type":"array"}]}},"type":"object"}`,
			"object.definitions.MetricData.object.name|sr_field"},
		{`{"$id":"http://example.com/myURI.schema.json","$schema":"http://json-schema.org/draft-07/schema#","additionalProperties":false,"description":"Sample schema to help you get started.","definitions":{"banana":{"type":"string","enum":["a","b",null]}},"properties":{"f1":{"$ref":"#/definitions/banana","confluent:tags":["PII"]}},"title":"SampleRecord","type":"object"}`,
			"object.f1|sr_field"},
		{`{"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"http://example.com/myURI.schema.json","title":"SampleRecord","description":"Sample schema to help you get started.","type":"object","additionalProperties":false,"properties":{"myfield1":{"type":"array","items":{"type":"object","title":"arrayRecord","properties":{"field1":{"type":"string","confluent:tags":["PII"]},"field2":{"type":"number"}}}},"myfield2":{"allOf":[{"type":"string"},{"type":"object","title":"nestedUnion","properties":{"nestedUnionField1":{"type":"boolean"},"nestedUnionField2":{"type":"number"}}},{"oneOf":[{"title":"Not included","type":"null"},{"type":"string"}]}]}}}`,
			"object.myfield1.array.object.field1|sr_field"},
	} {
		subject := "c" + string(rune('0'+i))
		a.registeredAs("POST", "/subjects/"+subject+"/versions", js(c.schema), 5+i)
		if _, got := a.latestTaggedOf(subject); !reflect.DeepEqual(got, map[string][]string{c.want: {"PII"}}) {
			t.Errorf("%s: %v, want %s", subject, got, c.want)
		}
	}

	// Branches goconnect cannot order as Confluent: refused, not misnamed.
	tied := `{"type":"object","properties":{"u":{"oneOf":[{"type":"object","properties":{"a":{"type":"string","confluent:tags":["PII"]}}},{"type":"object","properties":{"b":{"type":"string"}}}]}}}`
	a.registeredAs("POST", "/subjects/tied/versions", js(tied), 8)
	a.expectCode("GET", "/subjects/tied/versions/latest?findTags=*", "", 422, 42201)

	// A "type" list is everit's anyOf of bare schemas (no record tags),
	// ordered by kind: null (NULL) before object (OBJECT). The path found
	// is the one …/tags resolves.
	nullable := `{"type":"object","properties":{"f":{"type":["object","null"],"properties":{"x":{"type":"string","confluent:tags":["PII"]},"y":{"type":"integer"}},"confluent:tags":["F"]}}}`
	a.registeredAs("POST", "/subjects/nullable/versions", js(nullable), 9)
	want := map[string][]string{"object.f|sr_field": {"F"}, "object.f.anyof.1.object.x|sr_field": {"PII"}}
	if _, got := a.latestTaggedOf("nullable"); !reflect.DeepEqual(got, want) {
		t.Errorf("nullable: %v, want %v", got, want)
	}
	a.registeredAs("POST", "/subjects/nullable/versions/latest/tags", `{"tagsToAdd":[{"schemaEntity":{"entityPath":"object.f.anyof.1.object.y","entityType":"sr_field"},"tags":["Y"]}]}`, 10)
	want["object.f.anyof.1.object.y|sr_field"] = []string{"Y"}
	if _, got := a.latestTaggedOf("nullable"); !reflect.DeepEqual(got, want) {
		t.Errorf("nullable tagged: %v, want %v", got, want)
	}
}
