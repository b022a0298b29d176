package schemaregistry

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goconnect/goconnect/runtime/embedded"
	"github.com/goconnect/goconnect/schemaregistry/election"
)

// The association tests follow the scenarios and values of Confluent's
// RestApiAssociationTest, with the codes and messages of its
// AbstractSchemaRegistry, request classes and Errors.

var (
	guidValue  = regexp.MustCompile(`"guid":"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"`)
	schemaGUID = regexp.MustCompile(`"guid":"[0-9a-f-]{36}","schemaType"`)
)

// assocs decodes a list of associations, checking each has a guid and
// both timestamps.
func (a *api) assocs(path string) []associationEntity {
	a.t.Helper()
	st, got, _ := a.call("GET", path, "")
	var out []associationEntity
	if st != 200 || json.Unmarshal([]byte(got), &out) != nil {
		a.t.Fatalf("GET %s = %d %s", path, st, got)
	}
	for _, e := range out {
		if len(e.GUID) != 36 || e.CreateTS == 0 || e.UpdateTS == 0 {
			a.t.Errorf("GET %s: association without guid or timestamps: %s", path, got)
		}
	}
	return out
}

func summary(es []associationEntity) string {
	var parts []string
	for _, e := range es {
		s := e.ResourceName + "/" + e.ResourceNamespace + "/" + e.ResourceID + "/" + e.ResourceType + "/" + e.AssociationType + "/" + e.Subject + "/" + e.Lifecycle
		if e.Frozen != nil {
			s += "/frozen"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

// expectMessage checks status, code and message of an error.
func (a *api) expectMessage(method, path, body string, status, code int, message string) {
	a.t.Helper()
	if got := a.expectCode(method, path, body, status, code); got != message {
		a.t.Errorf("%s %s message %q\n  want %q", method, path, got, message)
	}
}

func invalidMsg(prop, detail string) string {
	return "The association specified an invalid value for property: '" + prop + "', detail: " + detail
}

func TestAPIAssociationBasic(t *testing.T) {
	a := newAPI(t)
	a.expect("POST", "/subjects/subject1/versions", body(recA), 200, `{"id":1}`)
	a.expect("POST", "/subjects/subject2/versions", body(`"string"`), 200, `{"id":2}`)
	weak := `"associations":[{"subject":"subject1","associationType":"key","lifecycle":"WEAK","frozen":false},{"subject":"subject2","associationType":"value","lifecycle":"WEAK","frozen":false}]`
	// A dry run may come before the resource has an id.
	a.expect("POST", "/associations?dryRun=true", `{"resourceName":"topic1","resourceNamespace":"default","resourceType":"topic",`+weak+`}`, 200,
		`{"resourceName":"topic1","resourceNamespace":"default","resourceType":"topic"}`)
	if n := a.j.len(); n != 2 {
		t.Errorf("the dry run wrote %d records", n-2)
	}
	req := `{"resourceName":"topic1","resourceNamespace":"default","resourceId":"123-45-6789","resourceType":"topic",` + weak + `}`
	a.expect("POST", "/associations", req, 200,
		`{"resourceName":"topic1","resourceNamespace":"default","resourceId":"123-45-6789","resourceType":"topic","associations":[{"subject":"subject1","associationType":"key","lifecycle":"WEAK"},{"subject":"subject2","associationType":"value","lifecycle":"WEAK"}]}`)
	both := "topic1/default/123-45-6789/topic/key/subject1/WEAK topic1/default/123-45-6789/topic/value/subject2/WEAK"
	for _, path := range []string{
		"/associations/resources/123-45-6789?resourceType=topic&associationType=key&associationType=value",
		"/associations/resources/123-45-6789",
		"/associations/resources/-/topic1?associationType=key&associationType=value",
		"/associations/resources/default/topic1",
		"/associations/resources/default/-",
		"/associations/resources/-/-?lifecycle=WEAK",
	} {
		if got := summary(a.assocs(path)); got != both {
			t.Errorf("GET %s = %s", path, got)
		}
	}
	if got := summary(a.assocs("/associations/subjects/subject1?resourceType=topic&associationType=key")); got != "topic1/default/123-45-6789/topic/key/subject1/WEAK" {
		t.Errorf("by subject1: %s", got)
	}
	if got := summary(a.assocs("/associations/subjects/subject2?associationType=key")); got != "" {
		t.Errorf("subject2 as key: %s", got)
	}
	if got := summary(a.assocs("/associations/resources/123-45-6789?lifecycle=STRONG")); got != "" {
		t.Errorf("STRONG ones: %s", got)
	}
	if got := summary(a.assocs("/associations/resources/123-45-6789?offset=1&limit=1")); got != "topic1/default/123-45-6789/topic/value/subject2/WEAK" {
		t.Errorf("page: %s", got)
	}
	a.expectCode("GET", "/associations/resources/123-45-6789?lifecycle=NONE", "", 404, 404)
	// The same request again is idempotent: nothing written.
	n := a.j.len()
	a.expect("POST", "/associations", req, 200, `{"resourceName":"topic1","resourceNamespace":"default","resourceId":"123-45-6789","resourceType":"topic"}`)
	if a.j.len() != n {
		t.Errorf("an idempotent create wrote %d records", a.j.len()-n)
	}
	// Promoting WEAK to STRONG: a STRONG association is frozen, these are not.
	a.expectMessage("PUT", "/associations/resources/123-45-6789", `{"resourceName":"topic1","resourceNamespace":"default","resourceType":"topic","associations":[{"subject":"subject1","associationType":"key","lifecycle":"STRONG"},{"subject":"subject2","associationType":"value","lifecycle":"STRONG"}]}`,
		422, 42212, invalidMsg("frozen", "association with lifecycle of STRONG cannot be frozen=false"))
	// Subjects with associations are not deleted.
	a.expectMessage("DELETE", "/subjects/subject1", "", 409, 40904, "An association already exists for subject 'subject1'")
	a.expectMessage("DELETE", "/subjects/subject1/versions/1", "", 500, 50001, "Error while deleting Schema Version")
	a.expect("DELETE", "/associations/resources/123-45-6789?resourceType=topic&associationType=key&cascadeLifecycle=false", "", 204, "")
	if got := summary(a.assocs("/associations/subjects/subject1?associationType=key")); got != "" {
		t.Errorf("deleted key association: %s", got)
	}
	a.expectMessage("DELETE", "/associations/resources/123-45-6789?associationType=key", "", 404, 40410, "Association for '123-45-6789' not found.")
	// A WEAK association does not own its subject: the cascade leaves it.
	a.expect("DELETE", "/associations/resources/123-45-6789?associationType=value&cascadeLifecycle=true", "", 204, "")
	a.expect("GET", "/subjects", "", 200, `["subject1","subject2"]`)
	a.expect("DELETE", "/subjects/subject1", "", 200, `[1]`)
}

func TestAPIAssociationFrozen(t *testing.T) {
	a := newAPI(t)
	key := ":.default:topic1-key"
	// STRONG (frozen) needs its schema.
	a.expectMessage("POST", "/associations", `{"resourceName":"topic1","resourceNamespace":"default","resourceId":"frozen-456","resourceType":"topic","associations":[{"associationType":"key","lifecycle":"STRONG","frozen":true}]}`,
		422, 42212, invalidMsg("schema", "schema must be provided when creating a frozen association"))
	// Not in a subject holding other schemas already.
	a.expect("POST", "/subjects/:.default:topic1-existing-key/versions", body(recB), 200, `{"id":1}`)
	a.expectMessage("POST", "/associations", `{"resourceName":"topic1-existing","resourceNamespace":"default","resourceId":"frozen-789","resourceType":"topic","associations":[{"associationType":"key","lifecycle":"STRONG","frozen":true,"schema":`+body(recA)+`}]}`,
		422, 42212, invalidMsg("frozen", "cannot create a frozen association when schemas already exist in the subject"))
	// A schema makes it STRONG and frozen in the default subject; the
	// answer carries the version registered.
	st, got, _ := a.call("POST", "/associations", `{"resourceName":"topic1","resourceNamespace":"default","resourceId":"frozen-123","associations":[{"associationType":"key","schema":`+body(recA)+`}]}`)
	want := `{"resourceName":"topic1","resourceNamespace":"default","resourceId":"frozen-123","resourceType":"topic","associations":[{"subject":":.default:topic1-key","associationType":"key","lifecycle":"STRONG","schema":{"subject":":.default:topic1-key","version":1,"id":2,"guid":"GUID","schemaType":"AVRO","schema":` + quote(recA) + `}}]}`
	if got = regexp.MustCompile(`"guid":"[0-9a-f-]{36}"`).ReplaceAllString(got, `"guid":"GUID"`); st != 200 || got != want {
		t.Errorf("frozen create = %d %s\n  want %s", st, got, want)
	}
	if got := summary(a.assocs("/associations/subjects/" + key)); got != "topic1/default/frozen-123/topic/key/:.default:topic1-key/STRONG" {
		t.Errorf("by subject: %s", got)
	}
	put := func(assoc string) string {
		return `{"resourceName":"topic1","resourceNamespace":"default","resourceType":"topic","associations":[` + assoc + `]}`
	}
	a.expectMessage("PUT", "/associations/resources/frozen-123", put(`{"subject":"`+key+`","associationType":"key","lifecycle":"WEAK"}`),
		422, 42212, invalidMsg("subject", "WEAK associations cannot use subject '"+key+"'"))
	a.expectMessage("PUT", "/associations/resources/frozen-123", put(`{"subject":"`+key+`","associationType":"key","lifecycle":"STRONG","frozen":false}`),
		422, 42212, invalidMsg("frozen", "association with lifecycle of STRONG cannot be frozen=false"))
	a.expectMessage("PUT", "/associations/resources/other", `{"resourceId":"frozen-123",`+put(`{"associationType":"key"}`)[1:],
		422, 42212, invalidMsg("resourceId", "Resource ID in the path parameter does not match the resource ID in the request body"))
	// The owned subject refuses references and other associations.
	a.expectMessage("POST", "/subjects/r/versions", body(`{"type":"record","name":"R","fields":[{"name":"a","type":"t.A"}]}`, `"references":[{"name":"t.A","subject":"`+key+`","version":1}]`),
		422, 42205, "Subject '"+key+"' has a strong association and cannot be referenced")
	a.expectMessage("POST", "/associations", `{"resourceName":"topic2","resourceNamespace":"default","resourceId":"resource2-456","associations":[{"subject":"`+key+`","associationType":"value","lifecycle":"WEAK","frozen":false}]}`,
		409, 40905, "A strong association already exists for subject '"+key+"'")
	a.expectMessage("POST", "/associations", `{"resourceName":"topic1","resourceNamespace":"default","resourceId":"frozen-123","associations":[{"associationType":"key","schema":`+body(recB)+`}]}`,
		409, 40903, "An association of type 'key' already exists for resource 'topic1'")
	// Deleting it needs the cascade, which deletes the subject too.
	a.expectMessage("DELETE", "/associations/resources/frozen-123?associationType=key", "", 409, 40908, "The association of type  'key' is frozen for subject '"+key+"'")
	a.expect("DELETE", "/associations/resources/frozen-123?associationType=key&cascadeLifecycle=true&dryRun=true", "", 204, "")
	a.expect("DELETE", "/associations/resources/frozen-123?associationType=key&cascadeLifecycle=true", "", 204, "")
	a.expect("GET", "/associations/subjects/"+key, "", 200, `[]`)
	a.expectCode("GET", "/subjects/"+key+"/versions", "", 404, 40401)
}

func TestAPIAssociationConflicts(t *testing.T) {
	a := newAPI(t)
	a.expect("POST", "/subjects/subject1/versions", body(recA), 200, `{"id":1}`)
	create := func(name, id, assocs string) string {
		return `{"resourceName":"` + name + `","resourceNamespace":"default","resourceId":"` + id + `","resourceType":"topic","associations":[` + assocs + `]}`
	}
	a.expectMessage("POST", "/associations", create("topic1", "r1", `{"subject":"subject1","associationType":"key","lifecycle":"WEAK"},{"subject":"subject1","associationType":"key","lifecycle":"WEAK"}`),
		422, 42212, invalidMsg("associationType", "may only appear once per request, but 'key' appears more than once"))
	a.expectMessage("POST", "/associations", create("topic1", "no-version-123", `{"subject":"nonexistent-subject","associationType":"key","lifecycle":"WEAK","frozen":false}`),
		409, 40907, "No active (non-deleted) version exists for subject 'nonexistent-subject'")
	a.expectMessage("POST", "/associations", create("topic.1", "r1", `{"subject":"subject1"}`), 422, 42212, invalidMsg("resourceName", "illegal character '.'"))
	a.expectMessage("POST", "/associations", create("topic1", "r1", `{"subject":"subject1","associationType":"header"}`), 422, 42212, invalidMsg("associationType", "must be either 'key' or 'value'"))
	a.expectMessage("POST", "/associations", `{"resourceName":"topic1","resourceNamespace":"default","associations":[{"subject":"subject1"}]}`, 422, 42212, invalidMsg("resourceId", "cannot be null or empty"))
	a.expectMessage("POST", "/associations", `{"resourceName":"topic1","resourceNamespace":"default","resourceId":"r1","resourceType":"table","associations":[{"subject":"subject1"}]}`, 422, 42212, invalidMsg("resourceType", "must be 'topic'"))
	a.expectMessage("POST", "/associations", create("topic1", "r1", `{"associationType":"key"}`), 422, 42212, invalidMsg("subject", "must be provided for WEAK associations"))
	a.expectMessage("POST", "/associations", create("topic1", "r1", `{"subject":"subject1","lifecycle":"WEAK","schema":`+body(recA)+`}`), 422, 42212, invalidMsg("lifecycle", "cannot be WEAK when schema is provided"))
	a.expectMessage("POST", "/associations", create("topic1", "r1", `{"frozen":false,"schema":`+body(recA)+`}`), 422, 42212, invalidMsg("frozen", "cannot be false when a schema is provided"))
	a.expectMessage("POST", "/associations", create("topic1", "r1", `{"subject":":.default:topic1-value","lifecycle":"WEAK"}`), 422, 42212, invalidMsg("subject", "WEAK associations cannot use subject ':.default:topic1-value'"))
	a.expectMessage("POST", "/associations", create("topic1", "r1", `{"subject":"custom","schema":`+body(recA)+`}`), 422, 42212, invalidMsg("subject", "frozen associations must use subject ':.default:topic1-value'"))
	a.expectMessage("POST", "/associations", create("topic1", "r1", `{"associationType":"key","schema":`+body(recA)+`},{"subject":"subject1","associationType":"value","lifecycle":"WEAK"}`),
		422, 42212, invalidMsg("lifecycle", "all associations for a resource must have the same lifecycle, but got key=STRONG, value=WEAK"))
	a.expectCode("POST", "/associations", create("topic1", "r1", `{"subject":"subject1","lifecycle":"SOFT"}`), 400, 400)
	if n := a.j.len(); n != 1 {
		t.Fatalf("refused requests wrote %d records", n-1)
	}

	// A WEAK association of the subject another topic would own.
	a.expect("POST", "/subjects/:.default:topic2-value/versions", body(recA), 200, `{"id":1}`)
	a.expectCode("POST", "/associations", create("topic1", "resource1-123", `{"subject":":.default:topic2-value","lifecycle":"WEAK"}`), 200, 0)
	a.expectMessage("POST", "/associations", create("topic2", "resource2-456", `{"schema":`+body(recA)+`}`),
		409, 40904, "An association already exists for subject ':.default:topic2-value'")
	a.expectMessage("POST", "/associations", create("topic1", "resource1-123", `{"subject":"subject1","lifecycle":"WEAK"}`),
		409, 40903, "An association of type 'value' already exists for resource 'topic1'")
	// Upserts: the subject stays, a new association is WEAK.
	a.expectMessage("PUT", "/associations/resources/resource1-123", create("topic1", "resource1-123", `{"subject":"subject1","lifecycle":"WEAK"}`),
		422, 42212, invalidMsg("subject", "subject of association cannot be changed from ':.default:topic2-value' to 'subject1'"))
	a.expectMessage("PUT", "/associations/resources/resource1-123", create("topic1", "resource1-123", `{"subject":"subject1","associationType":"key","lifecycle":"STRONG"}`),
		422, 42212, invalidMsg("subject", "frozen associations must use subject ':.default:topic1-key'"))
	a.expectMessage("PUT", "/associations/resources/resource1-123", create("topic1", "resource1-123", `{"associationType":"key","lifecycle":"STRONG"}`),
		422, 42212, invalidMsg("lifecycle", "cannot be STRONG when creating an association; STRONG associations must be created with the topic"))
	a.expectMessage("PUT", "/associations/resources/resource1-123", create("topic1", "resource1-123", `{"associationType":"key","schema":`+body(recA)+`}`),
		422, 42212, invalidMsg("schema", "cannot be provided when adding an association to an existing topic; an association with a schema must be created with the topic"))
	a.expect("PUT", "/associations/resources/resource1-123", create("topic1", "resource1-123", `{"subject":"subject1","associationType":"key"}`), 200,
		`{"resourceName":"topic1","resourceNamespace":"default","resourceId":"resource1-123","resourceType":"topic","associations":[{"subject":"subject1","associationType":"key","lifecycle":"WEAK"}]}`)
	if got := summary(a.assocs("/associations/resources/resource1-123")); got != "topic1/default/resource1-123/topic/key/subject1/WEAK topic1/default/resource1-123/topic/value/:.default:topic2-value/WEAK" {
		t.Errorf("after upsert: %s", got)
	}

	// STRONG and references exclude each other.
	a.expect("POST", "/subjects/:.default:topic3-value/versions", body(recA), 200, `{"id":1}`)
	a.expect("POST", "/subjects/referrer/versions", body(`{"type":"record","name":"R","fields":[{"name":"a","type":"t.A"}]}`, `"references":[{"name":"t.A","subject":":.default:topic3-value","version":1}]`), 200, `{"id":2}`)
	a.expectMessage("POST", "/associations", create("topic3", "t3", `{"schema":`+body(recA)+`}`),
		422, 42206, "One or more references exist to the schema :.default:topic3-value.")
}

func TestAPIAssociationBatch(t *testing.T) {
	a := newAPI(t)
	a.expect("POST", "/subjects/subject1/versions", body(recA), 200, `{"id":1}`)
	a.expect("POST", "/subjects/subject2/versions", body(`"string"`), 200, `{"id":2}`)
	a.expectMessage("POST", "/associations:batchMutate", `{"requests":[]}`, 422, 42212, invalidMsg("requests", "cannot be null or empty"))
	a.expectMessage("POST", "/associations:batchGet", `{}`, 422, 42212, invalidMsg("requests", "cannot be null or empty"))
	// Both batches read their list alike: missing, null or empty is 42212,
	// unreadable JSON 400.
	for _, path := range []string{"/associations:batchGet", "/associations:batchMutate"} {
		for _, b := range []string{`{}`, `{"requests":null}`, `{"requests":[]}`} {
			a.expectMessage("POST", path, b, 422, 42212, invalidMsg("requests", "cannot be null or empty"))
		}
		a.expectMessage("POST", path, `{`, 400, 400, "Unrecognized request body: unexpected end of JSON input")
	}
	st, got, _ := a.call("POST", "/associations:batchMutate", `{"requests":[`+
		`{"resourceName":"topic1","resourceNamespace":"default","resourceId":"id1","associations":[{"opType":"CREATE","subject":"subject1","associationType":"key"},{"opType":"CREATE","subject":"subject2","associationType":"value"}]},`+
		`{"resourceName":"topic2","resourceNamespace":"default","resourceId":"id2","associations":[{"opType":"CREATE","subject":"missing","associationType":"key"}]},`+
		`{"resourceName":"topic3","resourceNamespace":"default","resourceId":"id3","associations":[{"opType":"CREATE","associationType":"value","schema":`+body(`"int"`)+`}]},`+
		`{"resourceName":"topic4","resourceNamespace":"default","resourceId":"id4","associations":[{"opType":"UPSERT","subject":"subject1","associationType":"key"},{"opType":"DELETE","associationType":"key"}]}]}`)
	got = schemaGUID.ReplaceAllString(got, `"guid":"GUID","schemaType"`)
	want := `{"results":[` +
		`{"result":{"resourceName":"topic1","resourceNamespace":"default","resourceId":"id1","resourceType":"topic","associations":[{"subject":"subject1","associationType":"key","lifecycle":"WEAK"},{"subject":"subject2","associationType":"value","lifecycle":"WEAK"}]}},` +
		`{"error":{"error_code":40907,"message":"No active (non-deleted) version exists for subject 'missing'"}},` +
		`{"result":{"resourceName":"topic3","resourceNamespace":"default","resourceId":"id3","resourceType":"topic","associations":[{"subject":":.default:topic3-value","associationType":"value","lifecycle":"STRONG","schema":{"subject":":.default:topic3-value","version":1,"id":1,"guid":"GUID","schemaType":"AVRO","schema":"\"int\""}}]}},` +
		`{"error":{"error_code":42212,"message":"The association specified an invalid value for property: 'associationType', detail: may only appear once per request, but 'key' appears more than once"}}]}`
	if st != 207 || got != want {
		t.Errorf("batchMutate = %d %s\n  want %s", st, got, want)
	}
	// Dry run: checked, nothing written, no associations answered.
	n := a.j.len()
	st, got, _ = a.call("POST", "/associations:batchMutate?dryRun=true", `{"requests":[{"resourceName":"topic5","resourceNamespace":"default","associations":[{"opType":"CREATE","subject":"subject2","associationType":"key"}]}]}`)
	if st != 207 || got != `{"results":[{"result":{"resourceName":"topic5","resourceNamespace":"default","resourceType":"topic"}}]}` || a.j.len() != n {
		t.Errorf("dry-run batchMutate = %d %s, %d records", st, got, a.j.len()-n)
	}
	// Upsert then delete in one batch.
	st, got, _ = a.call("POST", "/associations:batchMutate", `{"requests":[{"resourceName":"topic1","resourceNamespace":"default","resourceId":"id1","associations":[{"opType":"DELETE","associationType":"key"},{"opType":"UPSERT","subject":"subject2","associationType":"value","lifecycle":"WEAK"}]}]}`)
	if st != 207 || got != `{"results":[{"result":{"resourceName":"topic1","resourceNamespace":"default","resourceId":"id1","resourceType":"topic","associations":[{"subject":"subject2","associationType":"value","lifecycle":"WEAK"}]}}]}` {
		t.Errorf("delete+upsert batch = %d %s", st, got)
	}

	st, got, _ = a.call("POST", "/associations:batchGet?includeSchemas=true", `{"requests":[{"resourceId":"id3"},{"resourceName":"topic1","resourceNamespace":"default","associationTypes":["value"]},{"resourceName":"topic1"},{"resourceId":"nothing"}]}`)
	got = schemaGUID.ReplaceAllString(got, `"guid":"GUID","schemaType"`)
	got = regexp.MustCompile(`"ts":[0-9]+`).ReplaceAllString(got, `"ts":1`)
	want = `{"results":[` +
		`{"result":{"resourceName":"topic3","resourceNamespace":"default","resourceId":"id3","resourceType":"topic","associations":[{"subject":":.default:topic3-value","associationType":"value","lifecycle":"STRONG","schema":{"subject":":.default:topic3-value","version":1,"id":1,"guid":"GUID","schemaType":"AVRO","schema":"\"int\"","ts":1,"deleted":false}}]}},` +
		`{"result":{"resourceName":"topic1","resourceNamespace":"default","resourceId":"id1","resourceType":"topic","associations":[{"subject":"subject2","associationType":"value","lifecycle":"WEAK","schema":{"subject":"subject2","version":1,"id":2,"guid":"GUID","schemaType":"AVRO","schema":"\"string\"","ts":1,"deleted":false}}]}},` +
		`{"error":{"error_code":50001,"message":"Error while getting associations: property: resourceNamespace; detail: resourceNamespace is required when resourceName is specified"}},` +
		`{"result":{"resourceId":"nothing","resourceType":"topic"}}]}`
	if st != 207 || got != want {
		t.Errorf("batchGet = %d %s\n  want %s", st, got, want)
	}

	// GET /schemas filtered by associations.
	st, got, _ = a.call("GET", "/schemas?lifecycle=STRONG", "")
	if st != 200 || !strings.Contains(got, `"subject":":.default:topic3-value"`) || strings.Contains(got, `"subject":"subject1"`) || !strings.Contains(got, `"associations":[{"subject":":.default:topic3-value",`) {
		t.Errorf("GET /schemas?lifecycle=STRONG = %d %s", st, got)
	}
	st, got, _ = a.call("GET", "/schemas?lifecycle=NONE", "")
	if st != 200 || !strings.Contains(got, `"subject":"subject1"`) || strings.Contains(got, "topic3") || strings.Contains(got, `"subject":"subject2"`) {
		t.Errorf("GET /schemas?lifecycle=NONE = %d %s", st, got)
	}
	st, got, _ = a.call("GET", "/schemas?associationType=value", "")
	if st != 200 || strings.Count(got, `"associations":`) != 2 || strings.Contains(got, `"subject":"subject1"`) {
		t.Errorf("GET /schemas?associationType=value = %d %s", st, got)
	}
}

// Golden ASSOC records (AssociationKey's property order, AssociationValue
// as Jackson writes it), tombstoned on delete, and a registry replaying
// them answers the same associations with the records' timestamps.
func TestAssociationRecords(t *testing.T) {
	a := newAPI(t)
	a.expect("POST", "/subjects/s/versions", body(`"string"`), 200, `{"id":1}`)
	n := a.j.len()
	a.expectCode("POST", "/associations", `{"resourceName":"payments","resourceNamespace":"lkc-1","resourceId":"id-2","associations":[{"subject":"s","associationType":"key","lifecycle":"WEAK"}]}`, 200, 0)
	a.expectCode("POST", "/associations", `{"resourceName":"orders","resourceNamespace":"lkc-1","resourceId":"id-1","associations":[{"associationType":"value","schema":{"schema":"\"int\""}}]}`, 200, 0)
	recs := a.j.since(n)
	want := [][2]string{
		{`{"keytype":"ASSOC","tenant":"default","resourceName":"payments","resourceNamespace":"lkc-1","resourceType":"topic","associationType":"key","subject":"s","magic":0}`,
			`{"guid":"GUID","tenant":"default","resourceName":"payments","resourceNamespace":"lkc-1","resourceId":"id-2","resourceType":"topic","associationType":"key","subject":"s","lifecycle":"WEAK","frozen":false}`},
		{`{"keytype":"SCHEMA","subject":":.lkc-1:orders-value","version":1,"magic":1}`, ``},
		{`{"keytype":"ASSOC","tenant":"default","resourceName":"orders","resourceNamespace":"lkc-1","resourceType":"topic","associationType":"value","subject":":.lkc-1:orders-value","magic":0}`,
			`{"guid":"GUID","tenant":"default","resourceName":"orders","resourceNamespace":"lkc-1","resourceId":"id-1","resourceType":"topic","associationType":"value","subject":":.lkc-1:orders-value","lifecycle":"STRONG","frozen":true}`},
	}
	// The schema's context record comes before it.
	if len(recs) != 4 || !strings.Contains(recs[1][0], `"keytype":"CONTEXT"`) {
		t.Fatalf("records %q", recs)
	}
	recs = append(recs[:1], recs[2:]...)
	if recs[1][0] != want[1][0] {
		t.Errorf("schema key %s", recs[1][0])
	}
	for _, i := range []int{0, 2} {
		if got := guidValue.ReplaceAllString(recs[i][1], `"guid":"GUID"`); recs[i][0] != want[i][0] || got != want[i][1] {
			t.Errorf("record %d:\n  %s\n  %s\nwant\n  %s\n  %s", i, recs[i][0], got, want[i][0], want[i][1])
		}
	}
	a.expect("DELETE", "/associations/resources/id-2?associationType=key", "", 204, "")
	if last := a.j.since(a.j.len() - 1)[0]; last[0] != want[0][0] || last[1] != "" {
		t.Errorf("delete wrote %q, want a tombstone of %s", last, want[0][0])
	}

	b := New(nil)
	t0 := time.UnixMilli(1_700_000_000_000)
	for i, rec := range a.j.since(0) {
		var v []byte
		if rec[1] != "" {
			v = []byte(rec[1])
		}
		b.ReplayAt([]byte(rec[0]), v, t0.Add(time.Duration(i)*time.Second))
	}
	// A later record of the same key keeps the first's createTs.
	b.ReplayAt([]byte(want[2][0]), []byte(recs[2][1]), t0.Add(time.Hour))
	as := b.AssociationsBySubject(":.lkc-1:orders-value", assocFilter{})
	if len(as) != 1 || as[0].Lifecycle != LifecycleStrong || !as[0].Frozen || as[0].ResourceID != "id-1" ||
		as[0].CreateTS != t0.Add(4*time.Second).UnixMilli() || as[0].TS != t0.Add(time.Hour).UnixMilli() {
		t.Errorf("replayed value association %+v", as)
	}
	if as := b.AssociationsBySubject("s", assocFilter{}); len(as) != 0 {
		t.Errorf("the tombstoned association survived: %+v", as)
	}
	// The replayed registry enforces them: the subject is owned.
	if _, err := b.DeleteSubject(":.lkc-1:orders-value", false); err == nil || err.(*Error).Code != 40904 {
		t.Errorf("delete of an associated subject after replay: %v", err)
	}
}

func TestAPIAssociationImportAndVersionDeletes(t *testing.T) {
	a := newAPI(t)
	key := ":.default:topic1-key"
	// Replicated with its topic: in IMPORT the subject's versions arrive on
	// their own, so a frozen STRONG association needs no schema, by POST
	// or PUT, and refuses one.
	a.expect("PUT", "/mode/"+key, `{"mode":"IMPORT"}`, 200, `{"mode":"IMPORT"}`)
	a.expectCode("POST", "/subjects/"+key+"/versions", body(recA, `"version":7`, `"id":42`), 200, 0)
	strong := `{"subject":"` + key + `","associationType":"key","lifecycle":"STRONG","frozen":true}`
	a.expect("POST", "/associations", `{"resourceName":"topic1","resourceNamespace":"default","resourceId":"import-frozen-123","resourceType":"topic","associations":[`+strong+`]}`, 200,
		`{"resourceName":"topic1","resourceNamespace":"default","resourceId":"import-frozen-123","resourceType":"topic","associations":[{"subject":"`+key+`","associationType":"key","lifecycle":"STRONG"}]}`)
	key9 := ":.default:topic9-key"
	a.expect("PUT", "/mode/"+key9, `{"mode":"IMPORT"}`, 200, `{"mode":"IMPORT"}`)
	a.expectCode("POST", "/subjects/"+key9+"/versions", body(recB, `"version":3`, `"id":100`), 200, 0)
	a.expect("PUT", "/associations/resources/import-frozen-put-123", `{"resourceName":"topic9","resourceNamespace":"default","resourceType":"topic","associations":[`+strings.ReplaceAll(strong, "topic1", "topic9")+`]}`, 200,
		`{"resourceName":"topic9","resourceNamespace":"default","resourceId":"import-frozen-put-123","resourceType":"topic","associations":[{"subject":"`+key9+`","associationType":"key","lifecycle":"STRONG"}]}`)
	a.expectMessage("PUT", "/associations/resources/import-frozen-put-123", `{"resourceName":"topic9","resourceNamespace":"default","resourceType":"topic","associations":[{"associationType":"value","lifecycle":"STRONG"}]}`,
		422, 42212, invalidMsg("lifecycle", "cannot be STRONG when creating an association; STRONG associations must be created with the topic"))
	// ... even to an IMPORT registration (Confluent checks in every mode).
	a.expect("PUT", "/mode/r", `{"mode":"IMPORT"}`, 200, `{"mode":"IMPORT"}`)
	a.expectCode("POST", "/subjects/r/versions", body(`{"type":"record","name":"R","fields":[{"name":"a","type":"t.A"}]}`, `"references":[{"name":"t.A","subject":"`+key+`","version":7}]`, `"version":1`, `"id":50`), 422, 42205)

	// A soft-deleted version of an associated subject can go for good; its
	// last live version cannot be soft-deleted.
	a.expect("PUT", "/config/subject1", `{"compatibility":"NONE"}`, 200, `{"compatibility":"NONE"}`)
	a.expect("POST", "/subjects/subject1/versions", body(recA), 200, `{"id":1}`)
	a.expect("POST", "/subjects/subject1/versions", body(recC), 200, `{"id":2}`)
	a.expectCode("POST", "/associations", `{"resourceName":"topic3","resourceNamespace":"default","resourceId":"hard-delete-with-assoc-123","associations":[{"subject":"subject1","associationType":"key","lifecycle":"WEAK","frozen":false}]}`, 200, 0)
	a.expect("DELETE", "/subjects/subject1/versions/1", "", 200, `1`)
	a.expect("DELETE", "/subjects/subject1/versions/1?permanent=true", "", 200, `1`)
	a.expect("GET", "/subjects/subject1/versions", "", 200, `[2]`)
	a.expectCode("DELETE", "/subjects/subject1/versions/2", "", 500, 50001)
	if got := summary(a.assocs("/associations/resources/hard-delete-with-assoc-123?associationType=key")); got != "topic3/default/hard-delete-with-assoc-123/topic/key/subject1/WEAK" {
		t.Errorf("association after the version deletes: %s", got)
	}
}

// Associations written to a Kafka topic come back after a restart: a
// second registry replaying the topic answers them byte for byte, with the
// records' timestamps as createTs and updateTs.
func TestAssociationsOverKafka(t *testing.T) {
	broker, err := embedded.Start(embedded.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer broker.Close()
	ctx := context.Background()
	open := func() (*Registry, *httptest.Server) {
		reg := New(nil)
		j, err := OpenKafka(ctx, broker.Addrs(), Topic, reg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(j.Close)
		reg.SetJournal(j)
		srv := httptest.NewServer(Handler(reg))
		t.Cleanup(srv.Close)
		return reg, srv
	}
	_, srv := open()
	a := &api{t: t, url: srv.URL}
	a.expect("POST", "/subjects/subject1/versions", body(recA), 200, `{"id":1}`)
	a.expectCode("POST", "/associations", `{"resourceName":"payments","resourceNamespace":"lkc-1","resourceId":"id-2","associations":[{"subject":"subject1","associationType":"key","lifecycle":"WEAK"}]}`, 200, 0)
	a.expectCode("POST", "/associations", `{"resourceName":"orders","resourceNamespace":"lkc-1","resourceId":"id-1","associations":[{"associationType":"key","schema":{"schema":"\"string\""}},{"associationType":"value","schema":`+body(recB)+`}]}`, 200, 0)
	a.expect("DELETE", "/associations/resources/id-1?associationType=key&cascadeLifecycle=true", "", 204, "")
	paths := []string{"/associations/resources/-/-", "/associations/subjects/subject1", "/subjects", "/schemas?lifecycle=STRONG"}
	before := map[string]string{}
	for _, p := range paths {
		_, before[p], _ = a.call("GET", p, "")
	}
	if !strings.Contains(before[paths[0]], `"resourceId":"id-1"`) || !strings.Contains(before[paths[0]], `"resourceId":"id-2"`) || strings.Contains(before[paths[0]], "orders-key") {
		t.Fatalf("associations before the restart: %s", before[paths[0]])
	}
	if before[paths[2]] != `[":.lkc-1:orders-value","subject1"]` {
		t.Fatalf("subjects before the restart: %s", before[paths[2]])
	}
	reg2, srv2 := open()
	b := &api{t: t, url: srv2.URL}
	for _, p := range paths {
		if _, got, _ := b.call("GET", p, ""); got != before[p] {
			t.Errorf("GET %s after the restart:\n  %s\nbefore\n  %s", p, got, before[p])
		}
	}
	if as := reg2.AssociationsBySubject(":.lkc-1:orders-value", assocFilter{}); len(as) != 1 || as[0].CreateTS == 0 || as[0].CreateTS != as[0].TS {
		t.Errorf("replayed association %+v", as)
	}
	// The replayed registry keeps enforcing them.
	b.expectCode("POST", "/subjects/r/versions", body(`{"type":"record","name":"R","fields":[{"name":"a","type":"t.A"}]}`, `"references":[{"name":"t.A","subject":":.lkc-1:orders-value","version":1}]`), 422, 42205)
	b.expectCode("DELETE", "/subjects/subject1", "", 409, 40904)
}

// A follower forwards association writes to the leader (Confluent's
// …AssociationOrForward) and serves their reads itself.
func TestAssociationsForwarded(t *testing.T) {
	leaderReg := New(nil)
	if _, err := leaderReg.Register("subject1", `"string"`); err != nil {
		t.Fatal(err)
	}
	var reached atomic.Int32
	leaderSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		reached.Add(1)
		Handler(leaderReg).ServeHTTP(w, req)
	}))
	defer leaderSrv.Close()
	followerReg := New(nil)
	c := NewCluster(ClusterConfig{GroupID: "g", Self: election.Identity{Host: "127.0.0.1", Port: 1, LeaderEligibility: true}, Stores: []Syncer{&countingStore{}}})
	leader := identityOf(t, leaderSrv.URL)
	c.SetLeader(&leader)
	follower := httptest.NewServer(c.Wrap(Handler(followerReg)))
	defer follower.Close()

	res := `"resourceName":"topic1","resourceNamespace":"default","resourceId":"id1"`
	for i, w := range []struct {
		method, path, body string
		status             int
	}{
		{"POST", "/associations", `{` + res + `,"associations":[{"subject":"subject1","associationType":"key","lifecycle":"WEAK"}]}`, 200},
		{"PUT", "/associations/resources/id1", `{` + res + `,"associations":[{"subject":"subject1","associationType":"value"}]}`, 200},
		{"POST", "/associations:batchMutate", `{"requests":[{` + res + `,"associations":[{"opType":"DELETE","associationType":"value"}]}]}`, 207},
		{"DELETE", "/associations/resources/id1?associationType=key", "", 204},
	} {
		if status, body := call(t, w.method, follower.URL+w.path, w.body, "Content-Type", contentType); status != w.status {
			t.Fatalf("%s %s at the follower: %d %s", w.method, w.path, status, body)
		}
		if int(reached.Load()) != i+1 {
			t.Fatalf("%s %s did not reach the leader", w.method, w.path)
		}
		if len(followerReg.AssociationsBySubject("subject1", assocFilter{})) != 0 {
			t.Fatalf("%s %s: the follower wrote an association itself", w.method, w.path)
		}
	}
	if status, body := call(t, "POST", follower.URL+"/associations:batchGet", `{"requests":[{"resourceId":"id1"}]}`); status != 207 || reached.Load() != 4 {
		t.Fatalf("batchGet at the follower: %d %s, %d requests at the leader", status, body, reached.Load())
	}
	if status, body := call(t, "GET", follower.URL+"/associations/resources/id1", ""); status != 200 || body != `[]` || reached.Load() != 4 {
		t.Fatalf("read at the follower: %d %s", status, body)
	}
}

// ?context= puts an unqualified subject in that context, and a subject's
// alias (its config's) is followed, as Confluent's replaceAlias.
func TestAPIAssociationContextAndAlias(t *testing.T) {
	a := newAPI(t)
	a.expect("POST", "/subjects/:.ctx:s1/versions", body(recA), 200, `{"id":1}`)
	a.expect("POST", "/subjects/real/versions", body(recA), 200, `{"id":1}`)
	a.expect("PUT", "/config/nick", `{"alias":"real"}`, 200, `{"alias":"real"}`)
	a.expectCode("POST", "/associations?context=.ctx", `{"resourceName":"t1","resourceNamespace":"ns","resourceId":"r1","associations":[{"subject":"s1","associationType":"key","lifecycle":"WEAK"}]}`, 200, 0)
	a.expectCode("POST", "/associations", `{"resourceName":"t2","resourceNamespace":"ns","resourceId":"r2","associations":[{"subject":"nick","lifecycle":"WEAK"}]}`, 200, 0)
	if got := summary(a.assocs("/associations/resources/ns/-")); got != "t1/ns/r1/topic/key/:.ctx:s1/WEAK t2/ns/r2/topic/value/real/WEAK" {
		t.Errorf("associations: %s", got)
	}
}
