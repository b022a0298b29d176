package schemaregistry

import (
	"encoding/json"
	"strings"
	"testing"
)

// The schema-tag scenarios of Confluent's RestApiRegisterSchemaTagsTest
// (schemaTagsToAdd/Remove and propagateSchemaTags at registration,
// POST /subjects/{s}/versions/{v}/tags with rulesToMerge/rulesToRemove,
// ?findTags= on versions and ids), with the texts and values it asserts.

const tagRecord = `{"type":"record","name":"myrecord","fields":[{"name":"f1","type":"string"}]}`

// latestTagged reads the latest version with findTags=* (or the given
// tags) and returns schema, version, confluent:version and schemaTags.
func (a *api) latestTagged(subject string, find ...string) (string, int, string, string) {
	a.t.Helper()
	q := "findTags=*"
	if len(find) > 0 {
		q = "findTags=" + strings.Join(find, "&findTags=")
	}
	st, got, _ := a.call("GET", "/subjects/"+subject+"/versions/latest?"+q, "")
	if st != 200 {
		a.t.Fatalf("latest of %s: %d %s", subject, st, got)
	}
	var v struct {
		Schema   string `json:"schema"`
		Version  int    `json:"version"`
		Metadata struct {
			Properties map[string]string `json:"properties"`
		} `json:"metadata"`
		SchemaTags json.RawMessage `json:"schemaTags"`
	}
	if err := json.Unmarshal([]byte(got), &v); err != nil {
		a.t.Fatal(err)
	}
	return v.Schema, v.Version, v.Metadata.Properties["confluent:version"], string(v.SchemaTags)
}

func (a *api) registeredAs(method, path, body string, id int) string {
	a.t.Helper()
	st, got, _ := a.call(method, path, body)
	var r struct {
		ID int `json:"id"`
	}
	if st != 200 || json.Unmarshal([]byte(got), &r) != nil || r.ID != id {
		a.t.Fatalf("%s %s = %d %s, want id %d", method, path, st, got, id)
	}
	return got
}

func TestAPISchemaTagsAtRegistration(t *testing.T) {
	a := newAPI(t)
	a.registeredAs("POST", "/subjects/test/versions", body(tagRecord), 1)
	tags12 := `[{"schemaEntity":{"entityPath":"myrecord","entityType":"sr_record"},"tags":["TAG1","TAG2"]}]`
	a.registeredAs("POST", "/subjects/test/versions", body(tagRecord, `"version":2`, `"schemaTagsToAdd":`+tags12), 2)
	tagged := `{"type":"record","name":"myrecord","fields":[{"name":"f1","type":"string"}],"confluent:tags":["TAG1","TAG2"]}`
	s, v, cv, st := a.latestTagged("test")
	if s != tagged || v != 2 || cv != "2" || st != tags12 {
		t.Fatalf("after add: %s v%d confluent:version %s tags %s", s, v, cv, st)
	}

	remove2 := `[{"schemaEntity":{"entityPath":"myrecord","entityType":"sr_record"},"tags":["TAG2"]}]`
	a.registeredAs("POST", "/subjects/test/versions", body(tagged, `"version":3`, `"schemaTagsToRemove":`+remove2), 3)
	tag1 := `[{"schemaEntity":{"entityPath":"myrecord","entityType":"sr_record"},"tags":["TAG1"]}]`
	tagged1 := `{"type":"record","name":"myrecord","fields":[{"name":"f1","type":"string"}],"confluent:tags":["TAG1"]}`
	if s, v, cv, st := a.latestTagged("test"); s != tagged1 || v != 3 || cv != "3" || st != tag1 {
		t.Fatalf("after remove: %s v%d %s %s", s, v, cv, st)
	}
	// findTags on an id (with subject) answers the same entities.
	_, got, _ := a.call("GET", "/schemas/ids/3?subject=test&findTags=TAG1", "")
	if !strings.Contains(got, `"schemaTags":`+tag1+`,"ts":`) {
		t.Fatalf("ids/3 findTags: %s", got)
	}
	// A tag not held: no schemaTags member (NON_EMPTY).
	if _, _, _, st := a.latestTagged("test", "NOPE"); st != "" {
		t.Fatalf("findTags=NOPE: %s", st)
	}

	// propagateSchemaTags: the previous version's tags carried into an
	// evolved schema, then together with the new schema's own.
	evolved := `{"type":"record","name":"myrecord","fields":[{"name":"f1","type":"string"},{"name":"f2","type":"string","default":"hi"}]}`
	a.registeredAs("POST", "/subjects/test/versions", body(evolved, `"propagateSchemaTags":true`), 4)
	want := `{"type":"record","name":"myrecord","fields":[{"name":"f1","type":"string"},{"name":"f2","type":"string","default":"hi"}],"confluent:tags":["TAG1"]}`
	if s, v, _, st := a.latestTagged("test"); s != want || v != 4 || st != tag1 {
		t.Fatalf("propagated: %s v%d %s", s, v, st)
	}
	evolved = `{"type":"record","name":"myrecord","fields":[{"name":"f1","type":"string","confluent:tags":["TAG2"]},{"name":"f2","type":"string","default":"hi"}]}`
	a.registeredAs("POST", "/subjects/test/versions", body(evolved, `"propagateSchemaTags":true`), 5)
	want = `{"type":"record","name":"myrecord","fields":[{"name":"f1","type":"string","confluent:tags":["TAG2"]},{"name":"f2","type":"string","default":"hi"}],"confluent:tags":["TAG1"]}`
	both := `[{"schemaEntity":{"entityPath":"myrecord","entityType":"sr_record"},"tags":["TAG1"]},{"schemaEntity":{"entityPath":"myrecord.f1","entityType":"sr_field"},"tags":["TAG2"]}]`
	if s, v, _, st := a.latestTagged("test", "TAG1", "TAG2"); s != want || v != 5 || st != both {
		t.Fatalf("propagated with own: %s v%d %s", s, v, st)
	}

	// Without a version the tagged schema is registered as version -1:
	// a new version, confluent:version recorded.
	b := newAPI(t)
	b.registeredAs("POST", "/subjects/test/versions", body(tagRecord), 1)
	b.registeredAs("POST", "/subjects/test/versions", body(tagRecord, `"schemaTagsToAdd":`+tags12), 2)
	if s, v, cv, _ := b.latestTagged("test"); s != tagged || v != 2 || cv != "2" {
		t.Fatalf("no version: %s v%d %s", s, v, cv)
	}
	b.registeredAs("POST", "/subjects/test/versions", body(tagged, `"schemaTagsToRemove":`+remove2), 3)
	if s, v, cv, _ := b.latestTagged("test"); s != tagged1 || v != 3 || cv != "3" {
		t.Fatalf("no version, remove: %s v%d %s", s, v, cv)
	}

	// A path the schema lacks is an invalid schema.
	bad := `[{"schemaEntity":{"entityPath":"does.not.exist","entityType":"sr_field"},"tags":["TAG1"]}]`
	if msg := b.expectCode("POST", "/subjects/test/versions", body(tagRecord, `"version":4`, `"schemaTagsToAdd":`+bad), 422, 42201); msg != "java.lang.IllegalArgumentException: No matching path 'does.not.exist' found in the schema" {
		t.Errorf("bad path message %q", msg)
	}
	// In another context alike.
	c := newAPI(t)
	c.registeredAs("POST", "/subjects/:.ctx:testSubject/versions", body(tagRecord), 1)
	c.registeredAs("POST", "/subjects/:.ctx:testSubject/versions", body(tagRecord, `"version":2`, `"schemaTagsToAdd":`+tags12), 2)
	if s, v, cv, _ := c.latestTagged(":.ctx:testSubject"); s != tagged || v != 2 || cv != "2" {
		t.Fatalf("context: %s v%d %s", s, v, cv)
	}
}

func TestAPIModifySchemaTags(t *testing.T) {
	a := newAPI(t)
	a.registeredAs("POST", "/subjects/test/versions", body(tagRecord), 1)
	tags12 := `[{"schemaEntity":{"entityPath":"myrecord","entityType":"sr_record"},"tags":["TAG1","TAG2"]}]`
	a.registeredAs("POST", "/subjects/test/versions/latest/tags", `{"newVersion":2,"tagsToAdd":`+tags12+`}`, 2)
	if s, v, cv, st := a.latestTagged("test"); s != `{"type":"record","name":"myrecord","fields":[{"name":"f1","type":"string"}],"confluent:tags":["TAG1","TAG2"]}` || v != 2 || cv != "2" || st != tags12 {
		t.Fatalf("tags added: %s v%d %s %s", s, v, cv, st)
	}
	a.registeredAs("POST", "/subjects/test/versions/latest/tags", `{"newVersion":3,"tagsToRemove":[{"schemaEntity":{"entityPath":"myrecord","entityType":"sr_record"},"tags":["TAG2"]}]}`, 3)
	if s, v, cv, _ := a.latestTagged("test"); s != `{"type":"record","name":"myrecord","fields":[{"name":"f1","type":"string"}],"confluent:tags":["TAG1"]}` || v != 3 || cv != "3" {
		t.Fatalf("tag removed: %s v%d %s", s, v, cv)
	}
	// Field tags; a leading "." names the same entity.
	a.registeredAs("POST", "/subjects/test/versions/3/tags", `{"tagsToAdd":[{"schemaEntity":{"entityPath":".myrecord.f1","entityType":"sr_field"},"tags":["PII"]}]}`, 4)
	if s, v, cv, _ := a.latestTagged("test"); s != `{"type":"record","name":"myrecord","fields":[{"name":"f1","type":"string","confluent:tags":["PII"]}],"confluent:tags":["TAG1"]}` || v != 4 || cv != "4" {
		t.Fatalf("field tag: %s v%d %s", s, v, cv)
	}

	// Errors, in Confluent's order.
	req := `{"newVersion":2,"tagsToAdd":[{"schemaEntity":{"entityPath":"myrecord","entityType":"sr_record"},"tags":["TAG1"]}]}`
	a.expectCode("POST", "/subjects/non-exist/versions/1/tags", req, 404, 40401)
	a.expectCode("POST", "/subjects/test/versions/9/tags", req, 404, 40402)
	a.expectCode("POST", "/subjects/test/versions/0/tags", req, 422, 42202)
	a.expectCode("POST", "/subjects/test/versions/1/tags", `{"tagsToAdd":[{"schemaEntity":{"entityPath":"does.not.exist","entityType":"sr_field"},"tags":["T"]}]}`, 422, 42201)
	if msg := a.expectCode("POST", "/subjects/test/versions/1/tags", `{"ruleSet":{},"rulesToRemove":["x"]}`, 422, 42210); msg != "ruleSet should be omitted if specifying rulesToMerge or rulesToRemove" {
		t.Errorf("42210 message %q", msg)
	}

	// rulesToMerge / rulesToRemove: merged into the previous version's
	// rule set (the rule values of Confluent's test).
	b := newAPI(t)
	b.registeredAs("POST", "/subjects/test/versions", body(tagRecord), 1)
	rule := func(name, mode, tag string) string {
		m := ""
		if mode != "" {
			m = `"mode":"` + mode + `",`
		}
		return `{"name":"` + name + `","kind":"TRANSFORM",` + m + `"type":"fooType","tags":["` + tag + `"],"onFailure":"NONE","disabled":false}`
	}
	first := `{"migrationRules":[` + rule("myMigrationRule", "UPGRADE", "PII") + `,` + rule("myMigrationRule2", "UPGRADE", "PII") +
		`],"domainRules":[` + rule("myRule", "", "PII") + `,` + rule("myRule2", "", "PII") + `,` + rule("myRule3", "", "PII") + `]}`
	got := b.registeredAs("POST", "/subjects/test/versions/latest/tags", `{"newVersion":2,"rulesToMerge":`+first+`,"rulesToRemove":["myRule4"]}`, 2)
	if rs := ruleNames(t, got); rs != "myMigrationRule,myMigrationRule2|myRule,myRule2,myRule3" {
		t.Fatalf("first merge: %s", rs)
	}
	second := `{"migrationRules":[` + rule("myMigrationRule3", "UPGRADE", "PII2") + `],"domainRules":[` +
		rule("myRule5", "", "PII2") + `,` + rule("myRule4", "", "PII2") + `,` + rule("myRule2", "", "PII2") + `]}`
	got = b.registeredAs("POST", "/subjects/test/versions/latest/tags", `{"newVersion":3,"rulesToMerge":`+second+`,"rulesToRemove":["myRule","myMigrationRule2"]}`, 3)
	if rs := ruleNames(t, got); rs != "myMigrationRule,myMigrationRule3|myRule3,myRule5,myRule4,myRule2" {
		t.Fatalf("second merge: %s", rs)
	}
	if _, v, cv, _ := b.latestTagged("test"); v != 3 || cv != "3" {
		t.Fatalf("v%d confluent:version %s", v, cv)
	}
}

func ruleNames(t *testing.T, answer string) string {
	t.Helper()
	var r struct {
		RuleSet struct {
			Migration []struct{ Name string } `json:"migrationRules"`
			Domain    []struct{ Name string } `json:"domainRules"`
		} `json:"ruleSet"`
	}
	if err := json.Unmarshal([]byte(answer), &r); err != nil {
		t.Fatal(err)
	}
	var m, d []string
	for _, x := range r.RuleSet.Migration {
		m = append(m, x.Name)
	}
	for _, x := range r.RuleSet.Domain {
		d = append(d, x.Name)
	}
	return strings.Join(m, ",") + "|" + strings.Join(d, ",")
}

// TestTagPaths checks the entity look-ups of Confluent's
// findMatchingEntity for both types on nested schemas.
func TestTagPaths(t *testing.T) {
	avro := `{"type":"record","name":"R","namespace":"ns","fields":[{"name":"a","type":{"type":"array","items":{"type":"record","name":"In","fields":[{"name":"x","type":"int"}]}}},{"name":"u","type":["null",{"type":"map","values":{"type":"record","name":"V","fields":[{"name":"y","type":"long"}]}}]}]}`
	cases := []struct {
		typ, text, path, kind, want string
	}{
		{"AVRO", avro, "ns.R", entityRecord, `"namespace":"ns","fields":[`},
		{"AVRO", avro, "ns.In.x", entityField, `{"name":"x","type":"int","confluent:tags":["T"]}`},
		{"AVRO", avro, "V.y", entityField, `{"name":"y","type":"long","confluent:tags":["T"]}`},
		{"AVRO", avro, "ns.V", entityRecord, `"name":"V","fields":[{"name":"y","type":"long"}],"confluent:tags":["T"]}`},
		{"JSON", `{"type":"object","properties":{"a":{"type":"object","properties":{"b.c":{"type":"string"}}},"l":{"type":"array","items":{"type":"object","properties":{"z":{"type":"integer"}}}}},"definitions":{"D":{"type":"object","properties":{"q":{"type":"string"}}}}}`,
			"object.a.object.b.c", entityField, `"b.c":{"type":"string","confluent:tags":["T"]}`},
		{"JSON", `{"type":"object","properties":{"l":{"type":"array","items":{"type":"object","properties":{"z":{"type":"integer"}}}}}}`,
			"object.l.array.object.z", entityField, `"z":{"type":"integer","confluent:tags":["T"]}`},
		{"JSON", `{"type":"object","definitions":{"D":{"type":"object","properties":{"q":{"type":"string"}}}}}`,
			"object.definitions.D.object.q", entityField, `"q":{"type":"string","confluent:tags":["T"]}`},
		{"JSON", `{"type":"object","properties":{"a":{"type":"string"}}}`, "object", entityRecord, `,"confluent:tags":["T"]}`},
	}
	for _, c := range cases {
		add, _ := tagMap([]SchemaTags{{SchemaEntity{c.path, c.kind}, []string{"T"}}})
		got, err := modifyTags(c.typ, c.text, add, nil)
		if err != nil || !strings.Contains(got, c.want) {
			t.Errorf("%s %s: %v\n%s\nwant containing %s", c.typ, c.path, err, got, c.want)
		}
		back, err := modifyTags(c.typ, got, nil, add)
		if err != nil || back != c.text {
			t.Errorf("%s %s removed: %v %s", c.typ, c.path, err, back)
		}
	}
	// Nested records are compared with the root's namespace only, as
	// Confluent's walk does: "other.In" is not found.
	add, _ := tagMap([]SchemaTags{{SchemaEntity{"other.In", entityRecord}, []string{"T"}}})
	if _, err := modifyTags("AVRO", avro, add, nil); err == nil || !strings.Contains(err.Error(), "No matching path 'other.In'") {
		t.Errorf("other.In: %v", err)
	}
	// A Protobuf path names messages from the top: Confluent's message.
	if _, err := modifyTags("PROTOBUF", "syntax = \"proto3\";", add, nil); err == nil || err.Error() != "java.lang.IllegalArgumentException: No matching Message with name 'other' found in the schema" {
		t.Errorf("PROTOBUF other.In: %v", err)
	}
}
