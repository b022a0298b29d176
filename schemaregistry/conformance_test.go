package schemaregistry

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// The conformance tests drive the registry's HTTP API through a real
// server, endpoint by endpoint, with the answers and error codes of
// Confluent's API reference (docs.confluent.io, "Schema Registry API
// Reference") and its sources (Errors.java, the resources' parameters).

// records is a Journal that keeps what the registry writes.
type records struct {
	mu   sync.Mutex
	list [][2]string // key, value ("" = tombstone)
}

func (j *records) Append(key, value []byte) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.list = append(j.list, [2]string{string(key), string(value)})
	return nil
}

// since returns the records written after the first n.
func (j *records) since(n int) [][2]string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([][2]string(nil), j.list[n:]...)
}

func (j *records) len() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.list)
}

type api struct {
	t   *testing.T
	url string
	reg *Registry
	j   *records
}

func newAPI(t *testing.T) *api {
	j := &records{}
	reg := New(j)
	srv := httptest.NewServer(Handler(reg))
	t.Cleanup(srv.Close)
	return &api{t: t, url: srv.URL, reg: reg, j: j}
}

// call sends a request and returns the status, the body (trailing newline
// removed) and the headers.
func (a *api) call(method, path, body string) (int, string, http.Header) {
	a.t.Helper()
	req, _ := http.NewRequest(method, a.url+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSuffix(string(raw), "\n"), resp.Header
}

// expect checks status and exact body. A registration expected as
// {"id":N} is checked by its id (TestAPIRegisterAnswer checks Confluent
// 8's whole answer).
func (a *api) expect(method, path, body string, status int, want string) {
	a.t.Helper()
	st, got, _ := a.call(method, path, body)
	if method == "POST" && st == 200 && strings.HasPrefix(path, "/subjects/") && strings.HasPrefix(want, `{"id":`) && !strings.Contains(want, ",") {
		got = registeredID(a.t, got)
	}
	if st == 200 {
		got = confluent7Shape(a.t, path, got, want)
	}
	if st != status || got != want {
		a.t.Errorf("%s %s = %d %s\n  want %d %s", method, path, st, got, status, want)
	}
}

// registeredID reduces a registration's answer to {"id":N} after
// checking it carries what Confluent 8's answer always has.
func registeredID(t *testing.T, got string) string {
	t.Helper()
	var r struct {
		ID         *int   `json:"id"`
		Version    int    `json:"version"`
		GUID       string `json:"guid"`
		SchemaType string `json:"schemaType"`
		Schema     string `json:"schema"`
	}
	if err := json.Unmarshal([]byte(got), &r); err != nil || r.ID == nil || r.Version < 1 || len(r.GUID) != 36 || r.SchemaType == "" || r.Schema == "" {
		t.Errorf("registration answer %s lacks id, version, guid, schemaType or schema", got)
		return got
	}
	b, _ := json.Marshal(map[string]int{"id": *r.ID})
	return string(b)
}

var (
	guidMember    = regexp.MustCompile(`"guid":"[0-9a-f-]{36}",`)
	avroMember    = regexp.MustCompile(`"schemaType":"AVRO",`)
	deletedMember = regexp.MustCompile(`,"deleted":(true|false)}`)
	tsMember      = regexp.MustCompile(`,"ts":[0-9]+`)
)

// confluent7Shape lets a test written for Confluent 7's version answers
// check Confluent 8's: each answer's guid is checked against its content
// (unless format= rewrote the text), then guid, AVRO's schemaType, ts and
// deleted are dropped where want does not name them.
// TestAPIVersionAnswer checks the whole answer.
func confluent7Shape(t *testing.T, path, got, want string) string {
	t.Helper()
	if !strings.Contains(path, "format=") {
		var list []struct {
			GUID       string          `json:"guid"`
			Schema     string          `json:"schema"`
			References []Reference     `json:"references"`
			Metadata   json.RawMessage `json:"metadata"`
			RuleSet    json.RawMessage `json:"ruleSet"`
		}
		text := got
		if strings.HasPrefix(text, "{") {
			text = "[" + text + "]"
		}
		if json.Unmarshal([]byte(text), &list) == nil {
			for _, v := range list {
				if v.GUID != "" && v.GUID != guidOf(v.Schema, v.References, v.Metadata, v.RuleSet) {
					t.Errorf("%s: guid %s is not its content's", path, v.GUID)
				}
			}
		}
	}
	if !strings.Contains(want, `"guid":`) {
		got = guidMember.ReplaceAllString(got, "")
	}
	if !strings.Contains(want, `"schemaType":"AVRO"`) {
		got = avroMember.ReplaceAllString(got, "")
	}
	if !strings.Contains(want, `"deleted":`) {
		got = deletedMember.ReplaceAllString(got, "}")
	}
	if !strings.Contains(want, `"ts":`) {
		got = tsMember.ReplaceAllString(got, "")
	}
	return got
}

// expectCode checks status and Confluent error code.
func (a *api) expectCode(method, path, body string, status, code int) string {
	a.t.Helper()
	st, got, _ := a.call(method, path, body)
	var e struct {
		Code    int    `json:"error_code"`
		Message string `json:"message"`
	}
	_ = json.Unmarshal([]byte(got), &e)
	if st != status || e.Code != code {
		a.t.Errorf("%s %s = %d %s\n  want %d error_code %d", method, path, st, got, status, code)
	}
	return e.Message
}

func body(schema string, extra ...string) string {
	b, _ := json.Marshal(schema)
	out := `{"schema":` + string(b)
	for _, e := range extra {
		out += "," + e
	}
	return out + "}"
}

const (
	recA = `{"type":"record","name":"A","namespace":"t","fields":[{"name":"a","type":"int"}]}`
	recB = `{"type":"record","name":"A","namespace":"t","fields":[{"name":"a","type":"int"},{"name":"b","type":"string","default":""}]}`
	recC = `{"type":"record","name":"A","namespace":"t","fields":[{"name":"a","type":"int"},{"name":"c","type":"string"}]}`
)

func TestAPISubjectsAndVersions(t *testing.T) {
	a := newAPI(t)
	a.expect("POST", "/subjects/s1/versions", body(recA), 200, `{"id":1}`)
	a.expect("POST", "/subjects/s1/versions", body(recB), 200, `{"id":2}`)
	a.expect("POST", "/subjects/s2/versions", body(recA), 200, `{"id":1}`)
	a.expect("POST", "/subjects/other/versions", body(`"string"`), 200, `{"id":3}`)
	a.expect("GET", "/subjects", "", 200, `["other","s1","s2"]`)
	a.expect("GET", "/subjects?subjectPrefix=s", "", 200, `["s1","s2"]`)
	a.expect("GET", "/subjects?subjectPrefix=s&offset=1&limit=1", "", 200, `["s2"]`)
	a.expect("GET", "/subjects/s1/versions", "", 200, `[1,2]`)
	a.expect("GET", "/subjects/s1/versions/1", "", 200, `{"subject":"s1","version":1,"id":1,"schema":`+quote(recA)+`}`)
	a.expect("GET", "/subjects/s1/versions/latest", "", 200, `{"subject":"s1","version":2,"id":2,"schema":`+quote(recB)+`}`)
	a.expect("GET", "/subjects/s1/versions/-1", "", 200, `{"subject":"s1","version":2,"id":2,"schema":`+quote(recB)+`}`)
	a.expect("GET", "/subjects/s1/versions/2/schema", "", 200, recB)
	msg := a.expectCode("GET", "/subjects/s1/versions/0", "", 422, 42202)
	if msg != `The specified version '0' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"` {
		t.Errorf("42202 message %q", msg)
	}
	a.expectCode("GET", "/subjects/s1/versions/abc", "", 422, 42202)
	a.expectCode("GET", "/subjects/s1/versions/3", "", 404, 40402)
	if msg := a.expectCode("GET", "/subjects/nope/versions", "", 404, 40401); msg != "Subject 'nope' not found." {
		t.Errorf("40401 message %q", msg)
	}
	a.expectCode("GET", "/subjects/nope/versions/1", "", 404, 40401)
	// Lookup answers the version holding the schema.
	a.expect("POST", "/subjects/s1", body(recB), 200, `{"subject":"s1","version":2,"id":2,"schema":`+quote(recB)+`}`)
	a.expectCode("POST", "/subjects/s1", body(recC), 404, 40403)
	a.expectCode("POST", "/subjects/nope", body(recA), 404, 40401)
	// Incompatible (BACKWARD by default): 409; invalid: 42201.
	a.expectCode("POST", "/subjects/s1/versions", body(recC), 409, 40901)
	a.expectCode("POST", "/subjects/s1/versions", body(`{"type":"record"}`), 422, 42201)
	a.expectCode("POST", "/subjects/s1/versions", body(`"string"`, `"schemaType":"XML"`), 422, 42201)
	a.expectCode("POST", "/subjects/s1/versions", `{"schema":`, 400, 400)
	a.expect("GET", "/schemas/types", "", 200, `["AVRO","JSON","PROTOBUF"]`)
	a.expect("GET", "/", "", 200, `{}`)
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestAPIDeletes(t *testing.T) {
	a := newAPI(t)
	a.expect("POST", "/subjects/s/versions", body(recA), 200, `{"id":1}`)
	a.expect("POST", "/subjects/s/versions", body(recB), 200, `{"id":2}`)
	a.expect("POST", "/subjects/s/versions", body(`{"type":"record","name":"A","namespace":"t","fields":[{"name":"a","type":"int"},{"name":"b","type":"string","default":""},{"name":"d","type":"int","default":0}]}`), 200, `{"id":3}`)

	// A live version cannot be deleted permanently: soft first.
	if msg := a.expectCode("DELETE", "/subjects/s/versions/2?permanent=true", "", 404, 40407); msg != "Subject 's' Version 2 was not deleted first before being permanently deleted" {
		t.Errorf("40407 message %q", msg)
	}
	a.expect("DELETE", "/subjects/s/versions/2", "", 200, `2`)
	if msg := a.expectCode("DELETE", "/subjects/s/versions/2", "", 404, 40406); msg != "Subject 's' Version 2 was soft deleted.Set permanent=true to delete permanently" {
		t.Errorf("40406 message %q", msg)
	}
	a.expectCode("GET", "/subjects/s/versions/2", "", 404, 40402)
	a.expect("GET", "/subjects/s/versions/2?deleted=true", "", 200, `{"subject":"s","version":2,"id":2,"schema":`+quote(recB)+`}`)
	a.expect("GET", "/subjects/s/versions", "", 200, `[1,3]`)
	a.expect("GET", "/subjects/s/versions?deleted=true", "", 200, `[1,2,3]`)
	a.expect("GET", "/subjects/s/versions?deletedOnly=true", "", 200, `[2]`)
	a.expect("GET", "/subjects/s/versions?deletedAsNegative=true", "", 200, `[1,-2,3]`)
	a.expect("POST", "/subjects/s?deleted=true", body(recB), 200, `{"subject":"s","version":2,"id":2,"schema":`+quote(recB)+`}`)
	a.expectCode("POST", "/subjects/s", body(recB), 404, 40403)
	a.expect("DELETE", "/subjects/s/versions/2?permanent=true", "", 200, `2`)
	a.expectCode("GET", "/subjects/s/versions/2?deleted=true", "", 404, 40402)
	a.expectCode("DELETE", "/subjects/s/versions/2?permanent=true", "", 404, 40402)
	// latest is the newest live version.
	a.expect("DELETE", "/subjects/s/versions/latest", "", 200, `3`)
	a.expect("GET", "/subjects/s/versions/latest", "", 200, `{"subject":"s","version":1,"id":1,"schema":`+quote(recA)+`}`)
	a.expectCode("DELETE", "/subjects/s/versions/x", "", 422, 42202)
	a.expectCode("DELETE", "/subjects/nope/versions/1", "", 404, 40401)

	// Subjects: permanent on a live one is 40405, soft twice 40404.
	if msg := a.expectCode("DELETE", "/subjects/s?permanent=true", "", 404, 40405); msg != "Subject 's' was not deleted first before being permanently deleted" {
		t.Errorf("40405 message %q", msg)
	}
	a.expect("DELETE", "/subjects/s", "", 200, `[1]`)
	if msg := a.expectCode("DELETE", "/subjects/s", "", 404, 40404); msg != "Subject 's' was soft deleted.Set permanent=true to delete permanently" {
		t.Errorf("40404 message %q", msg)
	}
	a.expect("GET", "/subjects", "", 200, `[]`)
	a.expect("GET", "/subjects?deleted=true", "", 200, `["s"]`)
	a.expect("GET", "/subjects?deletedOnly=true", "", 200, `["s"]`)
	a.expectCode("GET", "/subjects/s/versions", "", 404, 40401)
	a.expect("GET", "/subjects/s/versions?deleted=true", "", 200, `[1,3]`)
	a.expect("DELETE", "/subjects/s?permanent=true", "", 200, `[1,3]`)
	a.expect("GET", "/subjects?deleted=true", "", 200, `[]`)
	a.expectCode("DELETE", "/subjects/s", "", 404, 40401)
	a.expectCode("GET", "/schemas/ids/1", "", 404, 40403)
	// A new registration after a hard delete gets a new id: ids are not reused.
	a.expect("POST", "/subjects/s/versions", body(`"int"`), 200, `{"id":4}`)
	a.expect("GET", "/subjects/s/versions", "", 200, `[1]`)
}

func TestAPIConfig(t *testing.T) {
	a := newAPI(t)
	a.expect("GET", "/config", "", 200, `{"compatibilityLevel":"BACKWARD"}`)
	if msg := a.expectCode("GET", "/config/s", "", 404, 40408); msg != "Subject 's' does not have subject-level compatibility configured" {
		t.Errorf("40408 message %q", msg)
	}
	a.expect("GET", "/config/s?defaultToGlobal=true", "", 200, `{"compatibilityLevel":"BACKWARD"}`)
	a.expect("PUT", "/config", `{"compatibility":"full"}`, 200, `{"compatibility":"FULL"}`)
	a.expect("GET", "/config/s?defaultToGlobal=true", "", 200, `{"compatibilityLevel":"FULL"}`)
	a.expect("PUT", "/config/s", `{"compatibility":"NONE","normalize":true}`, 200, `{"normalize":true,"compatibility":"NONE"}`)
	a.expect("GET", "/config/s", "", 200, `{"normalize":true,"compatibilityLevel":"NONE"}`)
	// The answer is the merged config (Confluent's ConfigUpdateRequest of it).
	a.expect("PUT", "/config/s", `{"validateFields":false}`, 200, `{"normalize":true,"validateFields":false,"compatibility":"NONE"}`)
	if msg := a.expectCode("PUT", "/config/s", `{"compatibility":"SIDEWAYS"}`, 422, 42203); !strings.HasPrefix(msg, "Invalid compatibility level") {
		t.Errorf("42203 message %q", msg)
	}
	// The subject's level governs registration.
	a.expect("POST", "/subjects/s/versions", body(recA), 200, `{"id":1}`)
	a.expect("POST", "/subjects/s/versions", body(recC), 200, `{"id":2}`)
	a.expect("DELETE", "/config/s", "", 200, `{"normalize":true,"validateFields":false,"compatibilityLevel":"NONE"}`)
	a.expectCode("DELETE", "/config/s", "", 404, 40401)
	a.expectCode("GET", "/config/s", "", 404, 40408)
	a.expect("DELETE", "/config", "", 200, `{"compatibilityLevel":"FULL"}`)
	a.expect("GET", "/config", "", 200, `{"compatibilityLevel":"BACKWARD"}`)
	a.expectCode("PUT", "/config", `nope`, 400, 400)
}

func TestAPIMode(t *testing.T) {
	a := newAPI(t)
	a.expect("GET", "/mode", "", 200, `{"mode":"READWRITE"}`)
	a.expect("POST", "/subjects/s/versions", body(recA), 200, `{"id":1}`)
	a.expect("PUT", "/mode/s", `{"mode":"READONLY"}`, 200, `{"mode":"READONLY"}`)
	a.expect("GET", "/mode/s", "", 200, `{"mode":"READONLY"}`)
	if msg := a.expectCode("POST", "/subjects/s/versions", body(recB), 422, 42205); msg != "Subject s in context  is in read-only mode" {
		t.Errorf("42205 message %q", msg)
	}
	a.expectCode("DELETE", "/subjects/s/versions/1", "", 422, 42205)
	a.expectCode("DELETE", "/subjects/s", "", 422, 42205)
	// Reads still work.
	a.expect("GET", "/subjects/s/versions", "", 200, `[1]`)
	if msg := a.expectCode("GET", "/mode/t", "", 404, 40409); msg != "Subject 't' does not have subject-level mode configured" {
		t.Errorf("40409 message %q", msg)
	}
	a.expect("GET", "/mode/t?defaultToGlobal=true", "", 200, `{"mode":"READWRITE"}`)
	// Confluent names the default context "" and a global change's subject "null".
	a.expect("PUT", "/mode/:.c:", `{"mode":"READONLY"}`, 200, `{"mode":"READONLY"}`)
	if msg := a.expectCode("POST", "/subjects/:.c:x/versions", body(recA), 422, 42205); msg != "Subject :.c:x in context :.c: is in read-only mode" {
		t.Errorf("context read-only message %q", msg)
	}
	a.expect("DELETE", "/mode/:.c:", "", 200, `{"mode":"READONLY"}`)
	a.expect("PUT", "/mode", `{"mode":"READONLY"}`, 200, `{"mode":"READONLY"}`)
	if msg := a.expectCode("PUT", "/config", `{"compatibility":"NONE"}`, 422, 42205); msg != "Subject null in context  is in read-only mode" {
		t.Errorf("global read-only message %q", msg)
	}
	a.expect("PUT", "/mode", `{"mode":"READWRITE"}`, 200, `{"mode":"READWRITE"}`)
	a.expect("PUT", "/mode/t", `{"mode":"READONLY_OVERRIDE"}`, 200, `{"mode":"READONLY_OVERRIDE"}`)
	a.expectCode("POST", "/subjects/t/versions", body(recA), 422, 42205)
	a.expect("DELETE", "/mode/t", "", 200, `{"mode":"READONLY_OVERRIDE"}`)
	a.expectCode("DELETE", "/mode/t", "", 404, 40401)
	a.expect("DELETE", "/mode/s", "", 200, `{"mode":"READONLY"}`)
	a.expectCode("PUT", "/mode", `{"mode":"SIDEWAYS"}`, 422, 42204)

	// IMPORT needs no live subject, unless forced.
	if msg := a.expectCode("PUT", "/mode", `{"mode":"IMPORT"}`, 422, 42205); msg != "Cannot import since found existing subjects" {
		t.Errorf("import message %q", msg)
	}
	// An explicit id outside IMPORT is refused.
	if msg := a.expectCode("POST", "/subjects/s/versions", body(recB, `"id":7`), 422, 42205); msg != "Subject s in context  is not in import mode" {
		t.Errorf("id outside import %q", msg)
	}
	a.expect("PUT", "/mode?force=true", `{"mode":"IMPORT"}`, 200, `{"mode":"IMPORT"}`)
	a.expectCode("POST", "/subjects/u/versions", body(recA), 422, 42205) // no id: not read-write
	// IMPORT keeps the given id and version, and skips compatibility.
	a.expect("POST", "/subjects/u/versions", body(recA, `"id":100`, `"version":5`), 200, `{"id":100}`)
	a.expect("POST", "/subjects/u/versions", body(recC, `"id":101`, `"version":9`), 200, `{"id":101}`)
	a.expect("GET", "/subjects/u/versions", "", 200, `[5,9]`)
	a.expect("GET", "/schemas/ids/100", "", 200, `{"guid":"616c9f37-e00c-6ce6-cf16-bee14d524062","schema":`+quote(recA)+`}`)
	if msg := a.expectCode("POST", "/subjects/w/versions", body(recB, `"id":100`), 422, 42205); msg != "Overwrite new schema with id 100 in context  is not permitted." {
		t.Errorf("overwrite message %q", msg)
	}
	a.expect("PUT", "/mode", `{"mode":"READWRITE"}`, 200, `{"mode":"READWRITE"}`)
	// Ids continue after the imported ones.
	a.expect("POST", "/subjects/v/versions", body(`"long"`), 200, `{"id":102}`)

	// Entering IMPORT on a subject whose versions are all soft-deleted
	// hard-deletes them.
	b := newAPI(t)
	b.expect("POST", "/subjects/s/versions", body(recA), 200, `{"id":1}`)
	b.expect("DELETE", "/subjects/s", "", 200, `[1]`)
	b.expect("PUT", "/mode/s", `{"mode":"IMPORT"}`, 200, `{"mode":"IMPORT"}`)
	b.expect("GET", "/subjects?deleted=true", "", 200, `[]`)
}

func TestAPISchemasByID(t *testing.T) {
	a := newAPI(t)
	a.expect("POST", "/subjects/s1/versions", body(recA), 200, `{"id":1}`)
	a.expect("POST", "/subjects/s2/versions", body(recA), 200, `{"id":1}`)
	a.expect("POST", "/subjects/s2/versions", body(recB), 200, `{"id":2}`)
	a.expect("GET", "/schemas/ids/1", "", 200, `{"guid":"616c9f37-e00c-6ce6-cf16-bee14d524062","schema":`+quote(recA)+`}`)
	a.expect("GET", "/schemas/ids/1?fetchMaxId=true", "", 200, `{"guid":"616c9f37-e00c-6ce6-cf16-bee14d524062","schema":`+quote(recA)+`,"maxId":2}`)
	a.expect("GET", "/schemas/ids/1/schema", "", 200, recA)
	a.expect("GET", "/schemas/ids/1/subjects", "", 200, `["s1","s2"]`)
	a.expect("GET", "/schemas/ids/1/versions", "", 200, `[{"subject":"s1","version":1},{"subject":"s2","version":1}]`)
	a.expect("DELETE", "/subjects/s1/versions/1", "", 200, `1`)
	a.expect("GET", "/schemas/ids/1/subjects", "", 200, `["s2"]`)
	a.expect("GET", "/schemas/ids/1/subjects?deleted=true", "", 200, `["s1","s2"]`)
	a.expect("GET", "/schemas/ids/1/versions?deleted=true", "", 200, `[{"subject":"s1","version":1},{"subject":"s2","version":1}]`)
	if msg := a.expectCode("GET", "/schemas/ids/99", "", 404, 40403); msg != "Schema 99 not found" {
		t.Errorf("40403 message %q", msg)
	}
	a.expectCode("GET", "/schemas/ids/99/subjects", "", 404, 40403)
	a.expectCode("GET", "/schemas/ids/99/versions", "", 404, 40403)
	a.expectCode("GET", "/schemas/ids/99/schema", "", 404, 40403)
	a.expect("GET", "/schemas", "", 200, `[{"subject":"s2","version":1,"id":1,"schema":`+quote(recA)+`},{"subject":"s2","version":2,"id":2,"schema":`+quote(recB)+`}]`)
	a.expect("GET", "/schemas?latestOnly=true", "", 200, `[{"subject":"s2","version":2,"id":2,"schema":`+quote(recB)+`}]`)
	a.expect("GET", "/schemas?subjectPrefix=s1&deleted=true", "", 200, `[{"subject":"s1","version":1,"id":1,"schema":`+quote(recA)+`}]`)
}

const (
	address  = `{"type":"record","name":"Address","namespace":"t","fields":[{"name":"street","type":"string"}]}`
	customer = `{"type":"record","name":"Customer","namespace":"t","fields":[{"name":"home","type":"t.Address"}]}`
	// customerStored is customer as Confluent stores it (Avro-Java's text:
	// a referenced type by its name relative to the namespace).
	customerStored = `{"type":"record","name":"Customer","namespace":"t","fields":[{"name":"home","type":"Address"}]}`
	refAddr        = `"references":[{"name":"t.Address","subject":"address","version":1}]`
)

func TestAPIReferencesMetadataAndRuleSet(t *testing.T) {
	a := newAPI(t)
	a.expect("POST", "/subjects/address/versions", body(address), 200, `{"id":1}`)
	// Without its reference the named type is unknown.
	a.expectCode("POST", "/subjects/customer/versions", body(customer), 422, 42201)
	a.expectCode("POST", "/subjects/customer/versions", body(customer, `"references":[{"name":"t.Address","subject":"nope","version":1}]`), 422, 42201)
	a.expect("POST", "/subjects/customer/versions", body(customer, refAddr), 200, `{"id":2}`)
	a.expect("GET", "/subjects/customer/versions/1", "", 200, `{"subject":"customer","version":1,"id":2,"references":[{"name":"t.Address","subject":"address","version":1}],"schema":`+quote(customerStored)+`}`)
	a.expect("POST", "/subjects/customer", body(customer, refAddr), 200, `{"subject":"customer","version":1,"id":2,"references":[{"name":"t.Address","subject":"address","version":1}],"schema":`+quote(customerStored)+`}`)
	a.expect("GET", "/schemas/ids/2", "", 200, `{"guid":"4fbcfd80-5488-fb1d-997a-2d8896935c5b","schema":`+quote(customerStored)+`,"references":[{"name":"t.Address","subject":"address","version":1}]}`)
	a.expect("GET", "/subjects/address/versions/1/referencedby", "", 200, `[2]`)
	a.expect("GET", "/subjects/customer/versions/1/referencedby", "", 200, `[]`)
	// format=resolved: Avro-Java's Schema.toString, the referenced type
	// written in full where first used (AvroSchema.formattedString).
	resolved := `{"type":"record","name":"Customer","namespace":"t","fields":[{"name":"home","type":{"type":"record","name":"Address","fields":[{"name":"street","type":"string"}]}}]}`
	a.expect("GET", "/schemas/ids/2?format=resolved", "", 200, `{"guid":"4fbcfd80-5488-fb1d-997a-2d8896935c5b","schema":`+quote(resolved)+`,"references":[{"name":"t.Address","subject":"address","version":1}]}`)
	a.expect("GET", "/subjects/customer/versions/1/schema?format=resolved", "", 200, resolved)
	a.expect("GET", "/schemas/ids/2?format=nonsense", "", 200, `{"guid":"4fbcfd80-5488-fb1d-997a-2d8896935c5b","schema":`+quote(customerStored)+`,"references":[{"name":"t.Address","subject":"address","version":1}]}`)
	// A referenced version cannot be deleted.
	if msg := a.expectCode("DELETE", "/subjects/address/versions/1", "", 422, 42206); !strings.HasPrefix(msg, "One or more references exist to the schema") {
		t.Errorf("42206 message %q", msg)
	}
	a.expectCode("DELETE", "/subjects/address", "", 422, 42206)
	// Compatibility of a referring schema resolves its references too.
	a.expect("POST", "/compatibility/subjects/customer/versions/latest", body(customer, refAddr), 200, `{"is_compatible":true}`)

	// metadata and ruleSet are stored and returned; they are part of the
	// schema's identity.
	md := `"metadata":{"properties":{"owner":"bob"}}`
	rs := `"ruleSet":{"domainRules":[{"name":"r","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"true"}]}`
	a.expect("POST", "/subjects/m/versions", body(recA, md, rs), 200, `{"id":3}`)
	a.expect("GET", "/subjects/m/versions/1", "", 200, `{"subject":"m","version":1,"id":3,"metadata":{"properties":{"owner":"bob"}},"ruleSet":{"domainRules":[{"name":"r","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"true"}]},"schema":`+quote(recA)+`}`)
	a.expect("GET", "/subjects/m/metadata?key=owner&value=bob", "", 200, `{"subject":"m","version":1,"id":3,"metadata":{"properties":{"owner":"bob"}},"ruleSet":{"domainRules":[{"name":"r","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"true"}]},"schema":`+quote(recA)+`}`)
	a.expectCode("GET", "/subjects/m/metadata?key=owner&value=alice", "", 404, 40403)
	// Registered without metadata or rule set, a schema takes the latest
	// live version's (Confluent's maybePopulateFromPrevious): recA again
	// is version 1, recB a version 2 with version 1's metadata and rules.
	a.expect("POST", "/subjects/m/versions", body(recA), 200, `{"id":3}`)
	a.expect("POST", "/subjects/m/versions", body(recB), 200, `{"id":4}`)
	a.expect("GET", "/subjects/m/versions/2", "", 200, `{"subject":"m","version":2,"id":4,"metadata":{"properties":{"owner":"bob"}},"ruleSet":{"domainRules":[{"name":"r","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"true"}]},"schema":`+quote(recB)+`}`)
	// Given ones replace them.
	a.expect("POST", "/subjects/m/versions", body(recA, `"metadata":{"properties":{"owner":"eve"}}`), 200, `{"id":5}`)
	a.expect("GET", "/subjects/m/versions/3", "", 200, `{"subject":"m","version":3,"id":5,"metadata":{"properties":{"owner":"eve"}},"ruleSet":{"domainRules":[{"name":"r","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"true"}]},"schema":`+quote(recA)+`}`)
}

// GET /subjects/{s}/metadata as Confluent's SubjectsResource and
// getLatestWithMetadata answer it: the newest version holding every pair
// (keys and values paired by position, a key without a value dropped), a
// version without metadata never matching, soft-deleted versions only
// with deleted=true, format= applied, 40401 for an unknown subject and
// 40403 when nothing matches.
func TestAPILatestWithMetadata(t *testing.T) {
	a := newAPI(t)
	a.expect("PUT", "/config/m", `{"compatibility":"NONE"}`, 200, `{"compatibility":"NONE"}`)
	a.expect("POST", "/subjects/address/versions", body(address), 200, `{"id":1}`)
	a.expect("POST", "/subjects/m/versions", body(customer, refAddr, `"metadata":{"properties":{"app":"1","team":"t"}}`), 200, `{"id":2}`)
	a.expect("POST", "/subjects/m/versions", body(recA, `"metadata":{"properties":{"app":"2","team":"t"}}`), 200, `{"id":3}`)
	// An empty metadata object: no properties, so no match for a pair
	// (and not version 2's metadata inherited).
	a.expect("POST", "/subjects/m/versions", body(recB, `"metadata":{}`), 200, `{"id":4}`)
	v1 := `{"subject":"m","version":1,"id":2,"references":[{"name":"t.Address","subject":"address","version":1}],"metadata":{"properties":{"app":"1","team":"t"}},"schema":`
	v2 := `{"subject":"m","version":2,"id":3,"metadata":{"properties":{"app":"2","team":"t"}},"schema":` + quote(recA) + `}`
	a.expect("GET", "/subjects/m/metadata?key=team&value=t", "", 200, v2)
	a.expect("GET", "/subjects/m/metadata?key=team&value=t&key=app&value=1", "", 200, v1+quote(customerStored)+`}`)
	// The unpaired key is dropped: only team=t is asked.
	a.expect("GET", "/subjects/m/metadata?key=team&value=t&key=app", "", 200, v2)
	// No pairs at all: the newest version with metadata, empty included.
	a.expect("GET", "/subjects/m/metadata", "", 200, `{"subject":"m","version":3,"id":4,"metadata":{},"schema":`+quote(recB)+`}`)
	// A version without metadata never matches.
	a.expect("POST", "/subjects/p/versions", body(recA), 200, `{"id":5}`)
	a.expectCode("GET", "/subjects/p/metadata", "", 404, 40403)
	// Stored as Confluent's Metadata entity writes it: members in its
	// order, keys sorted, sets sorted without duplicates, empty and unknown
	// members dropped.
	a.expect("POST", "/subjects/q/versions", body(recA, `"metadata":{"sensitive":["b","a","b"],"x":1,"properties":{"z":"1","a":"2"},"tags":{"t":["y","x"],"e":[]}}`), 200, `{"id":6}`)
	a.expect("GET", "/subjects/q/versions/1", "", 200, `{"subject":"q","version":1,"id":6,"metadata":{"tags":{"e":[],"t":["x","y"]},"properties":{"a":"2","z":"1"},"sensitive":["a","b"]},"schema":`+quote(recA)+`}`)
	resolved := `{"type":"record","name":"Customer","namespace":"t","fields":[{"name":"home","type":{"type":"record","name":"Address","fields":[{"name":"street","type":"string"}]}}]}`
	a.expect("GET", "/subjects/m/metadata?key=app&value=1&format=resolved", "", 200, v1+quote(resolved)+`}`)
	a.expectCode("GET", "/subjects/m/metadata?key=app&value=3", "", 404, 40403)
	a.expectCode("GET", "/subjects/nope/metadata?key=app&value=1", "", 404, 40401)
	a.expect("DELETE", "/subjects/m/versions/2", "", 200, `2`)
	a.expectCode("GET", "/subjects/m/metadata?key=app&value=2", "", 404, 40403)
	a.expect("GET", "/subjects/m/metadata?key=app&value=2&deleted=true", "", 200, v2)
	a.expect("DELETE", "/subjects/m", "", 200, `[1,3]`)
	a.expectCode("GET", "/subjects/m/metadata?key=app&value=1", "", 404, 40401)
	a.expect("GET", "/subjects/m/metadata?key=app&value=1&deleted=true", "", 200, v1+quote(customerStored)+`}`)
}

// A registration's metadata and rule set sit between the config's
// defaults and overrides (Confluent's maybeSetMetadataRuleSet: override
// properties win, default ones fill in, rules of one name replaced), and
// confluent:version, once in the metadata, follows the version number;
// registering the same schema again finds its version whatever that
// property says.
func TestAPIConfigMetadataAndRuleSetDefaults(t *testing.T) {
	a := newAPI(t)
	r1 := `{"name":"r1","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"a"}`
	r1b := `{"name":"r1","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"b"}`
	r2 := `{"name":"r2","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"c"}`
	a.call("PUT", "/config/d", `{"compatibility":"NONE","defaultMetadata":{"properties":{"owner":"x","app":"0"}},"overrideMetadata":{"properties":{"app":"9"}},"defaultRuleSet":{"domainRules":[`+r1+`,`+r2+`]}}`)
	a.expect("POST", "/subjects/d/versions", body(recA, `"metadata":{"properties":{"app":"1","team":"t"}}`, `"ruleSet":{"domainRules":[`+r1b+`]}`), 200, `{"id":1}`)
	a.expect("GET", "/subjects/d/versions/1", "", 200, `{"subject":"d","version":1,"id":1,"metadata":{"properties":{"app":"9","owner":"x","team":"t"}},"ruleSet":{"domainRules":[`+r2+`,`+r1b+`]},"schema":`+quote(recA)+`}`)
	a.expect("POST", "/subjects/d/versions", body(recB, `"metadata":{"properties":{"confluent:version":"1"}}`), 200, `{"id":2}`)
	a.expect("GET", "/subjects/d/versions/2", "", 200, `{"subject":"d","version":2,"id":2,"metadata":{"properties":{"app":"9","confluent:version":"2","owner":"x"}},"ruleSet":{"domainRules":[`+r2+`,`+r1b+`]},"schema":`+quote(recB)+`}`)
	// Again without metadata: version 2's inherited, confluent:version
	// would be 3, and version 2 is found all the same.
	a.expect("POST", "/subjects/d/versions", body(recB), 200, `{"id":2}`)
	a.expect("GET", "/subjects/d/versions", "", 200, `[1,2]`)
	// Elsewhere nothing is added.
	a.expect("POST", "/subjects/e/versions", body(recA), 200, `{"id":3}`)
	a.expect("GET", "/subjects/e/versions/1", "", 200, `{"subject":"e","version":1,"id":3,"schema":`+quote(recA)+`}`)
}

// "version" in a registration (the first steps of Confluent's
// RestApiTest version scenario): -1 names no version, an explicit next
// version registers the same schema again with confluent:version set, and
// a registration without metadata then lands on that version.
func TestAPIRegisterWithVersion(t *testing.T) {
	a := newAPI(t)
	s := `{"type":"record","name":"myrecord","fields":[{"name":"f1","type":"string"}]}`
	a.expect("POST", "/subjects/s/versions", body(s), 200, `{"id":1}`)
	a.expect("POST", "/subjects/s/versions", body(s, `"version":-1`), 200, `{"id":1}`)
	a.expect("POST", "/subjects/s/versions", body(s, `"version":2`), 200, `{"id":2}`)
	a.expect("POST", "/subjects/s/versions", body(s, `"version":-1`), 200, `{"id":2}`)
	a.expect("GET", "/subjects/s/versions/latest", "", 200, `{"subject":"s","version":2,"id":2,"metadata":{"properties":{"confluent:version":"2"}},"schema":`+quote(s)+`}`)
	a.expect("POST", "/subjects/s/versions", body(s), 200, `{"id":2}`)
	a.expectCode("POST", "/subjects/s/versions", body(s, `"version":2`), 422, 42201)
	a.expect("POST", "/subjects/s/versions", body(s, `"version":3`), 200, `{"id":3}`)
	a.expect("GET", "/subjects/s/versions", "", 200, `[1,2,3]`)
}

// POST /subjects/{s} (lookup) by metadata, as Confluent's
// lookUpSchemaUnderSubject: the version with exactly the given metadata,
// else one equal but for confluent:version, else the match after taking
// the latest version's metadata as a registration would; other metadata
// is 40403.
func TestAPILookupByMetadata(t *testing.T) {
	a := newAPI(t)
	s := `{"type":"record","name":"myrecord","fields":[{"name":"f1","type":"string"}]}`
	a.expect("POST", "/subjects/s/versions", body(s), 200, `{"id":1}`)
	a.expect("POST", "/subjects/s/versions", body(s, `"version":2`), 200, `{"id":2}`)
	v1 := `{"subject":"s","version":1,"id":1,"schema":` + quote(s) + `}`
	v2 := `{"subject":"s","version":2,"id":2,"metadata":{"properties":{"confluent:version":"2"}},"schema":` + quote(s) + `}`
	a.expect("POST", "/subjects/s", body(s), 200, v1)
	a.expect("POST", "/subjects/s", body(s, `"metadata":{"properties":{"confluent:version":"1"}}`), 200, v1)
	a.expect("POST", "/subjects/s", body(s, `"metadata":{"properties":{"confluent:version":"2"}}`), 200, v2)
	a.expect("DELETE", "/subjects/s/versions/1", "", 200, `1`)
	a.expect("POST", "/subjects/s", body(s), 200, v2)

	a.expect("POST", "/subjects/m/versions", body(recA, `"metadata":{"properties":{"owner":"bob"}}`), 200, `{"id":3}`)
	a.expect("POST", "/subjects/m", body(recA), 200, `{"subject":"m","version":1,"id":3,"metadata":{"properties":{"owner":"bob"}},"schema":`+quote(recA)+`}`)
	a.expect("POST", "/subjects/m/versions", body(recA, `"metadata":{"properties":{"owner":"eve"}}`), 200, `{"id":4}`)
	a.expect("POST", "/subjects/m", body(recA), 200, `{"subject":"m","version":2,"id":4,"metadata":{"properties":{"owner":"eve"}},"schema":`+quote(recA)+`}`)
	a.expect("POST", "/subjects/m", body(recA, `"metadata":{"properties":{"owner":"bob"}}`), 200, `{"subject":"m","version":1,"id":3,"metadata":{"properties":{"owner":"bob"}},"schema":`+quote(recA)+`}`)
	a.expectCode("POST", "/subjects/m", body(recA, `"metadata":{"properties":{"owner":"zed"}}`), 404, 40403)
}

func TestAPICompatibility(t *testing.T) {
	a := newAPI(t)
	a.expect("POST", "/subjects/s/versions", body(recA), 200, `{"id":1}`)
	a.expect("POST", "/subjects/s/versions", body(recB), 200, `{"id":2}`)
	a.expect("POST", "/compatibility/subjects/s/versions/latest", body(recB), 200, `{"is_compatible":true}`)
	a.expect("POST", "/compatibility/subjects/s/versions/latest?verbose=true", body(recB), 200, `{"is_compatible":true,"messages":[]}`)
	// Verbose messages as Confluent's validator lays them out: the type's
	// reasons (Avro's, as Confluent's Difference writes them), the failing
	// version and its text, then the level.
	reason := `{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'c' at path '/fields/1' in the new schema has no default value and is missing in the old schema', additionalInfo:'c'}`
	msgs := `["` + reason + `","{oldSchemaVersion: 2}","{oldSchema: '` + strings.ReplaceAll(recB, `"`, `\"`) + `'}","{validateFields: 'false', compatibility: 'BACKWARD'}"]`
	a.expect("POST", "/compatibility/subjects/s/versions?verbose=true", body(recC), 200, `{"is_compatible":false,"messages":`+msgs+`}`)
	if msg := a.expectCode("POST", "/subjects/s/versions", body(recC), 409, 40901); msg != `Schema being registered is incompatible with an earlier schema for subject "s", details: [`+reason+`, {oldSchemaVersion: 2}, {oldSchema: '`+recB+`'}, {validateFields: 'false', compatibility: 'BACKWARD'}]` {
		t.Errorf("409 message %q", msg)
	}
	a.expect("POST", "/compatibility/subjects/s/versions", body(recC), 200, `{"is_compatible":false}`)
	// Transitive levels check every version with the "all versions" route,
	// the latest only against one version.
	a.expect("PUT", "/config/s", `{"compatibility":"FORWARD_TRANSITIVE"}`, 200, `{"compatibility":"FORWARD_TRANSITIVE"}`)
	dropA := `{"type":"record","name":"A","namespace":"t","fields":[{"name":"b","type":"string","default":""}]}`
	a.expect("POST", "/compatibility/subjects/s/versions", body(dropA), 200, `{"is_compatible":false}`)
	a.expect("POST", "/compatibility/subjects/s/versions/1", body(dropA), 200, `{"is_compatible":false}`)
	a.expectCode("POST", "/compatibility/subjects/s/versions/7", body(recB), 404, 40402)
	a.expectCode("POST", "/compatibility/subjects/nope/versions/latest", body(recB), 404, 40401)
	a.expectCode("POST", "/compatibility/subjects/s/versions/zero", body(recB), 422, 42202)
	a.expectCode("POST", "/compatibility/subjects/s/versions/latest", body(`{"type":"record"}`), 422, 42201)
}

func TestAPIContexts(t *testing.T) {
	a := newAPI(t)
	a.expect("GET", "/contexts", "", 200, `["."]`)
	a.expect("POST", "/subjects/s/versions", body(recA), 200, `{"id":1}`)
	a.expect("POST", "/subjects/s/versions", body(recB), 200, `{"id":2}`)
	// Another context numbers its ids on its own.
	a.expect("POST", "/subjects/:.ctx:s/versions", body(recB), 200, `{"id":1}`)
	a.expect("GET", "/contexts", "", 200, `[".",".ctx"]`)
	a.expect("GET", "/subjects", "", 200, `[":.ctx:s","s"]`)
	a.expect("GET", "/subjects?subjectPrefix=:.ctx:", "", 200, `[":.ctx:s"]`)
	a.expect("GET", "/subjects/:.ctx:s/versions/1", "", 200, `{"subject":":.ctx:s","version":1,"id":1,"schema":`+quote(recB)+`}`)
	a.expect("GET", "/schemas/ids/1?subject=:.ctx:s", "", 200, `{"subject":":.ctx:s","version":1,"guid":"5b2e0f9b-9925-9f50-0c33-ce77bc5ba779","schema":`+quote(recB)+`}`)
	a.expect("GET", "/schemas/ids/1", "", 200, `{"guid":"616c9f37-e00c-6ce6-cf16-bee14d524062","schema":`+quote(recA)+`}`)
	a.expect("GET", "/schemas/ids/1/subjects?subject=:.ctx:", "", 200, `[":.ctx:s"]`)
	// An unqualified subject not holding the id here is looked for in the
	// other contexts.
	a.expect("POST", "/subjects/:.ctx:only/versions", body(`"float"`), 200, `{"id":2}`)
	a.expect("GET", "/schemas/ids/2?subject=only", "", 200, `{"subject":":.ctx:only","version":1,"guid":"50a6b9db-85da-367a-6d2d-f400a41758a6","schema":"\"float\""}`)
	a.expect("GET", "/schemas/ids/2", "", 200, `{"guid":"5b2e0f9b-9925-9f50-0c33-ce77bc5ba779","schema":`+quote(recB)+`}`)
	// ":.:s" is the default context spelt out.
	a.expect("GET", "/subjects/:.:s/versions", "", 200, `[1,2]`)
	// Config and mode per context subject; a reference without a context
	// resolves in the referring subject's.
	a.expect("PUT", "/config/:.ctx:s", `{"compatibility":"NONE"}`, 200, `{"compatibility":"NONE"}`)
	a.expect("GET", "/config/:.ctx:s", "", 200, `{"compatibilityLevel":"NONE"}`)
	a.expectCode("GET", "/config/s", "", 404, 40408)
	a.expect("POST", "/subjects/:.ctx:address/versions", body(address), 200, `{"id":3}`)
	a.expect("POST", "/subjects/:.ctx:customer/versions", body(customer, refAddr), 200, `{"id":4}`)
	a.expect("GET", "/subjects/:.ctx:address/versions/1/referencedby", "", 200, `[4]`)
	// referenceFormat=qualified writes the references' context.
	st, got, _ := a.call("GET", "/subjects/:.ctx:customer/versions/1?referenceFormat=qualified", "")
	if st != 200 || !strings.Contains(got, `"references":[{"name":"t.Address","subject":":.ctx:address","version":1}]`) {
		t.Errorf("referenceFormat=qualified: %d %s", st, got)
	}
	if _, got, _ = a.call("GET", "/schemas/ids/4?subject=:.ctx:&referenceFormat=qualified", ""); !strings.Contains(got, `"subject":":.ctx:address"`) {
		t.Errorf("by id, qualified: %s", got)
	}
	if _, got, _ = a.call("GET", "/subjects/:.ctx:customer/versions/1", ""); !strings.Contains(got, `"subject":"address"`) {
		t.Errorf("default reference format: %s", got)
	}
	a.expect("DELETE", "/subjects/:.ctx:s", "", 200, `[1]`)
	a.expect("DELETE", "/subjects/:.ctx:s?permanent=true", "", 200, `[1]`)
	a.expect("GET", "/subjects?subjectPrefix=:.ctx:", "", 200, `[":.ctx:address",":.ctx:customer",":.ctx:only"]`)
	a.expect("GET", "/contexts?contextPrefix=.c", "", 200, `[".ctx"]`)
	if msg := a.expectCode("DELETE", "/contexts/:.ctx:", "", 422, 42211); msg != "The specified context ':.ctx:' is not empty." {
		t.Errorf("42211 message %q", msg)
	}
	a.expect("POST", "/subjects/:.empty:x/versions", body(`"int"`), 200, `{"id":1}`)
	a.expect("DELETE", "/subjects/:.empty:x", "", 200, `[1]`)
	a.expect("DELETE", "/subjects/:.empty:x?permanent=true", "", 200, `[1]`)
	n := a.j.len()
	a.expect("DELETE", "/contexts/:.empty:", "", 204, ``)
	if recs := a.j.since(n); len(recs) != 1 || recs[0] != [2]string{`{"keytype":"CONTEXT","tenant":"default","context":".empty","magic":0}`, ``} {
		t.Errorf("context delete records %q", recs)
	}
	a.expect("GET", "/contexts", "", 200, `[".",".ctx"]`)
}

// Every route answers with a trailing "/"; OPTIONS lists the methods in
// Jersey's order; a wrong method is 405 in Confluent's error body.
func TestAPIRouting(t *testing.T) {
	a := newAPI(t)
	a.expect("POST", "/subjects/s/versions/", body(recA), 200, `{"id":1}`)
	a.expect("GET", "/subjects/", "", 200, `["s"]`)
	a.expect("GET", "/subjects/s/versions/", "", 200, `[1]`)
	a.expect("GET", "/subjects/s/versions/1/", "", 200, `{"subject":"s","version":1,"id":1,"schema":`+quote(recA)+`}`)
	a.expect("GET", "/config/", "", 200, `{"compatibilityLevel":"BACKWARD"}`)
	a.expect("GET", "/schemas/ids/1/", "", 200, `{"guid":"616c9f37-e00c-6ce6-cf16-bee14d524062","schema":`+quote(recA)+`}`)
	for _, c := range []struct{ path, allow string }{
		{"/subjects", "HEAD,GET,OPTIONS"},
		{"/subjects/s/versions", "HEAD,POST,GET,OPTIONS"},
		{"/subjects/s/versions/1", "HEAD,DELETE,GET,OPTIONS"},
		{"/subjects/s", "HEAD,DELETE,POST,OPTIONS"},
		{"/config/s/", "HEAD,DELETE,GET,OPTIONS,PUT"},
		{"/compatibility/subjects/s/versions/1", "POST,OPTIONS"},
	} {
		st, got, h := a.call("OPTIONS", c.path, "")
		if c.path == "/subjects/s" {
			c.allow = "DELETE,POST,OPTIONS"
		}
		if st != 200 || h.Get("Allow") != c.allow || got != strings.ReplaceAll(c.allow, ",", ", ") {
			t.Errorf("OPTIONS %s = %d Allow %q %q, want %q", c.path, st, h.Get("Allow"), got, c.allow)
		}
	}
	a.expect("OPTIONS", "/nope", "", 404, `{"error_code":404,"message":"HTTP 404 Not Found"}`)
	st, got, h := a.call("PATCH", "/subjects", "")
	if st != 405 || got != `{"error_code":405,"message":"HTTP 405 Method Not Allowed"}` || h.Get("Allow") != "" {
		t.Errorf("PATCH /subjects = %d %s Allow %q", st, got, h.Get("Allow"))
	}
	a.expectCode("GET", "/schemas/ids/x", "", 404, 404)
	// A subject holding "/" travels escaped; an escaped trailing one is
	// part of the name, not a trailing slash.
	a.expect("POST", "/subjects/a%2Fb%2F/versions", body(`"int"`), 200, `{"id":2}`)
	a.expect("GET", "/subjects/a%2Fb%2F/versions/", "", 200, `[1]`)
	a.expect("POST", "/subjects/a%2Fb%2F", body(`"int"`), 200, `{"subject":"a/b/","version":1,"id":2,"schema":"\"int\""}`)
	a.expectCode("POST", "/subjects/a%2Fb", body(`"int"`), 404, 40401)
}

func TestAPIInvalidSubjectsAndReRegistration(t *testing.T) {
	a := newAPI(t)
	if msg := a.expectCode("POST", "/subjects/__GLOBAL/versions", body(recA), 422, 42208); msg != "The specified subject '__GLOBAL' is not a valid." {
		t.Errorf("42208 message %q", msg)
	}
	a.expectCode("POST", "/subjects/:.__GLOBAL:x/versions", body(recA), 422, 42208)
	a.expectCode("POST", "/subjects/a%01b/versions", body(recA), 422, 42208)
	a.expect("PUT", "/config/:.__GLOBAL:", `{"compatibility":"NONE"}`, 200, `{"compatibility":"NONE"}`)
	// Registering again a schema whose version was soft-deleted gives a new
	// version with the same id, and tombstones the deleted one.
	a.expect("POST", "/subjects/s/versions", body(recA), 200, `{"id":1}`)
	a.expect("DELETE", "/subjects/s/versions/1", "", 200, `1`)
	n := a.j.len()
	a.expect("POST", "/subjects/s/versions", body(recA), 200, `{"id":1}`)
	recs := a.j.since(n)
	if len(recs) != 2 || recs[0] != [2]string{`{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}`, ``} || !strings.HasPrefix(recs[1][0], `{"keytype":"SCHEMA","subject":"s","version":2,`) {
		t.Errorf("records %q", recs)
	}
	a.expect("GET", "/subjects/s/versions?deleted=true", "", 200, `[2]`)
}

// Reads and writes run concurrently (go test -race catches a read that
// writes shared state).
func TestAPIConcurrentReadsAndWrites(t *testing.T) {
	a := newAPI(t)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ctx := ":.c" + string(rune('a'+i)) + ":"
			for _, p := range []string{"/schemas/ids/1?subject=" + ctx, "/schemas/ids/1?fetchMaxId=true&subject=" + ctx + "x", "/schemas/ids/1/versions?subject=" + ctx, "/subjects", "/contexts"} {
				a.call("GET", p, "")
			}
			if st, got, _ := a.call("POST", "/subjects/"+ctx+"s/versions", body(`"int"`)); st != 200 || got != `{"id":1,"version":1,"guid":"ef524ea1-b91e-7317-3d93-8ade36c1db32","schemaType":"AVRO","schema":"\"int\""}` {
				t.Errorf("register in %s: %d %s", ctx, st, got)
			}
		}(i)
	}
	wg.Wait()
	a.expect("GET", "/contexts", "", 200, `[".",".ca",".cb",".cc",".cd",".ce",".cf",".cg",".ch"]`)
}

// TestAPIRegisterAnswer: a registration answers Confluent 8's
// RegisterSchemaResponse (id, version, guid, schemaType — AVRO too —,
// references, metadata, ruleSet, schema), for a new version and for one
// found again; an incompatible schema is HTTP 409 with error_code 40901
// (Errors.INCOMPATIBLE_SCHEMA_ERROR_CODE since 8.0.4/8.1.2). The GUIDs are
// Schema.getGuid's MD5 of text, references, metadata and rule set,
// computed independently for this test.
func TestAPIRegisterAnswer(t *testing.T) {
	a := newAPI(t)
	a.expect("POST", "/subjects/s/versions", body(recA), 200,
		`{"id":1,"version":1,"guid":"616c9f37-e00c-6ce6-cf16-bee14d524062","schemaType":"AVRO","schema":`+quote(recA)+`}`)
	// Found again: the same version, not a new one.
	a.expect("POST", "/subjects/s/versions", body(`{"type": "record", "name": "A", "namespace": "t", "fields": [{"name": "a", "type": "int"}]}`), 200,
		`{"id":1,"version":1,"guid":"616c9f37-e00c-6ce6-cf16-bee14d524062","schemaType":"AVRO","schema":`+quote(recA)+`}`)
	a.expect("POST", "/subjects/int/versions", body(`"int"`), 200,
		`{"id":2,"version":1,"guid":"ef524ea1-b91e-7317-3d93-8ade36c1db32","schemaType":"AVRO","schema":"\"int\""}`)

	// Metadata and a rule set are part of the GUID (sorted as Confluent's
	// Metadata and Rule sort them; a rule's kind and mode default to
	// TRANSFORM and WRITEREAD).
	js := `{"type":"object","properties":{"a":{"type":"string"}}}`
	md := `"metadata":{"properties":{"owner":"bob"},"tags":{"$.a":["PII","A"]},"sensitive":["s"]}`
	rs := `"ruleSet":{"domainRules":[{"name":"r","type":"CEL","expr":"true","params":{"b":"2","a":"1"},"tags":["T"]}]}`
	st, got, _ := a.call("POST", "/subjects/j/versions", body(js, `"schemaType":"JSON"`, md, rs))
	var ans struct {
		ID         int             `json:"id"`
		Version    int             `json:"version"`
		GUID       string          `json:"guid"`
		SchemaType string          `json:"schemaType"`
		Metadata   json.RawMessage `json:"metadata"`
		RuleSet    json.RawMessage `json:"ruleSet"`
		Schema     string          `json:"schema"`
	}
	if err := json.Unmarshal([]byte(got), &ans); st != 200 || err != nil || ans.ID != 3 || ans.Version != 1 ||
		ans.GUID != "82aea38e-2e84-c301-9c77-80d6d399fe4c" || ans.SchemaType != "JSON" || ans.Schema != js ||
		!strings.Contains(string(ans.Metadata), `"owner":"bob"`) || !strings.Contains(string(ans.RuleSet), `"name":"r"`) {
		t.Errorf("JSON registration with metadata and rule set: %d %s", st, got)
	}
	// References are answered and hashed (name, subject, 4-byte version).
	a.expect("POST", "/subjects/addr/versions", body(`{"type":"record","name":"Address","namespace":"t","fields":[{"name":"city","type":"string"}]}`), 200, `{"id":4}`)
	customer := `{"type":"record","name":"Customer","namespace":"t","fields":[{"name":"home","type":"Address"}]}`
	ref := `"references":[{"name":"t.Address","subject":"addr","version":1}]`
	a.expect("POST", "/subjects/cust/versions", body(customer, ref), 200,
		`{"id":5,"version":1,"guid":"3c205518-1591-812f-8d21-e5a2887785eb","schemaType":"AVRO","references":[{"name":"t.Address","subject":"addr","version":1}],"schema":`+quote(customer)+`}`)

	if msg := a.expectCode("POST", "/subjects/s/versions", body(recC), 409, 40901); !strings.HasPrefix(msg, `Schema being registered is incompatible with an earlier schema for subject "s", details: [`) {
		t.Errorf("40901 message %q", msg)
	}
}

// TestAPIGUIDs: GET /schemas/guids/{guid} answers the schema of a GUID
// (default context first, then the others), without subject or version;
// /ids lists its id per context as Confluent's ContextId; an unknown GUID
// is 40403 "Schema <guid> not found" and has no ids.
func TestAPIGUIDs(t *testing.T) {
	a := newAPI(t)
	const guidA = "616c9f37-e00c-6ce6-cf16-bee14d524062" // MD5 of recA's text
	const guidFloat = "50a6b9db-85da-367a-6d2d-f400a41758a6"
	a.expect("POST", "/subjects/int/versions", body(`"int"`), 200, `{"id":1}`)
	a.expect("POST", "/subjects/s/versions", body(recA), 200, `{"id":2}`)
	a.expect("POST", "/subjects/:.ctx:s/versions", body(recA), 200, `{"id":1}`)
	a.expect("POST", "/subjects/:.ctx:f/versions", body(`"float"`), 200, `{"id":2}`)
	a.expect("GET", "/schemas/guids/"+guidA, "", 200, `{"guid":"`+guidA+`","schema":`+quote(recA)+`}`)
	a.expect("GET", "/schemas/guids/"+guidA+"/ids", "", 200, `[{"context":".","id":2},{"context":".ctx","id":1}]`)
	a.expect("GET", "/schemas/guids/"+guidFloat, "", 200, `{"guid":"`+guidFloat+`","schema":"\"float\""}`)
	a.expect("GET", "/schemas/guids/"+guidFloat+"/ids", "", 200, `[{"context":".ctx","id":2}]`)
	if msg := a.expectCode("GET", "/schemas/guids/nope", "", 404, 40403); msg != "Schema nope not found" {
		t.Errorf("40403 message %q", msg)
	}
	a.expect("GET", "/schemas/guids/nope/ids", "", 200, `[]`)
	// Read as Confluent's MD5.fromString: upper case, or the bare 32 hex digits.
	a.expect("GET", "/schemas/guids/"+strings.ToUpper(guidFloat)+"/ids", "", 200, `[{"context":".ctx","id":2}]`)
	a.expect("GET", "/schemas/guids/"+strings.ReplaceAll(guidFloat, "-", ""), "", 200, `{"guid":"`+guidFloat+`","schema":"\"float\""}`)
	// A soft-deleted version keeps its GUID readable, as its id is.
	a.expect("DELETE", "/subjects/s/versions/1", "", 200, `1`)
	a.expect("GET", "/schemas/guids/"+guidA+"/ids", "", 200, `[{"context":".","id":2},{"context":".ctx","id":1}]`)
	// format= applies (Avro's resolved form of a plain record is itself).
	a.expect("GET", "/schemas/guids/"+guidA+"?format=resolved", "", 200, `{"guid":"`+guidA+`","schema":`+quote(recA)+`}`)
}

// TestAPIForwardMode: Confluent 8's FORWARD mode (Mode.FORWARD,
// isImportOrForwardMode): set only on the global context ":.__GLOBAL:"
// (elsewhere 42204 "Forward mode only supported on global level"), with
// no empty-subjects requirement and nothing deleted on entry; while in
// force a registration must carry its id (else 42205, not read-write) and
// keeps it and any version number, without compatibility check or
// inherited metadata, as in IMPORT.
func TestAPIForwardMode(t *testing.T) {
	a := newAPI(t)
	md := `"metadata":{"properties":{"owner":"bob"}}`
	a.expect("POST", "/subjects/s/versions", body(recA, md), 200, `{"id":1}`)
	for _, path := range []string{"/mode", "/mode/s", "/mode/:.ctx:"} {
		if msg := a.expectCode("PUT", path, `{"mode":"FORWARD"}`, 422, 42204); msg != "Forward mode only supported on global level" {
			t.Errorf("PUT %s FORWARD: message %q", path, msg)
		}
	}
	n := a.j.len()
	a.expect("PUT", "/mode/:.__GLOBAL:", `{"mode":"FORWARD"}`, 200, `{"mode":"FORWARD"}`)
	// One MODE record, as Confluent's ModeKey/ModeValue for that context.
	if got := a.j.since(n); len(got) != 1 || got[0] != [2]string{`{"keytype":"MODE","subject":":.__GLOBAL:","magic":0}`, `{"subject":":.__GLOBAL:","mode":"FORWARD"}`} {
		t.Errorf("FORWARD records %q", got)
	}
	// Replayed, the mode is back in force.
	b := New(nil)
	b.Replay([]byte(`{"keytype":"MODE","subject":":.__GLOBAL:","magic":0}`), []byte(`{"subject":":.__GLOBAL:","mode":"FORWARD"}`))
	if m, err := b.GetMode("s", true); err != nil || m != ModeForward {
		t.Errorf("replayed FORWARD: %q %v", m, err)
	}
	a.expect("GET", "/mode/:.__GLOBAL:", "", 200, `{"mode":"FORWARD"}`)
	a.expect("GET", "/mode/s?defaultToGlobal=true", "", 200, `{"mode":"FORWARD"}`)
	a.expect("GET", "/subjects/s/versions", "", 200, `[1]`) // nothing cleared
	if msg := a.expectCode("POST", "/subjects/s/versions", body(recB), 422, 42205); msg != "Subject s in context  is not in read-write mode" {
		t.Errorf("no id in FORWARD: %q", msg)
	}
	// recC is not BACKWARD compatible with recA, and 7 is not the next
	// version: both fine in FORWARD; no metadata is inherited.
	a.expect("POST", "/subjects/s/versions", body(recC, `"id":40`, `"version":7`), 200,
		`{"id":40,"version":7,"guid":"`+guidOf(recC, nil, nil, nil)+`","schemaType":"AVRO","schema":`+quote(recC)+`}`)
	a.expect("GET", "/subjects/s/versions", "", 200, `[1,7]`)
	a.expect("DELETE", "/mode/:.__GLOBAL:", "", 200, `{"mode":"FORWARD"}`)
	a.expect("POST", "/subjects/t/versions", body(`"long"`), 200, `{"id":41}`)
	// As Confluent's ModeResource, the global-only check compares the mode
	// as sent, before it is upper-cased: "forward" passes it.
	a.expect("PUT", "/mode/s", `{"mode":"forward"}`, 200, `{"mode":"forward"}`)
	a.expect("GET", "/mode/s", "", 200, `{"mode":"FORWARD"}`)
	a.expect("POST", "/subjects/s/versions", body(recB, `"id":50`), 200, `{"id":50}`)
}

// TestAPIVersionAnswer: version answers are Confluent 8's Schema entity
// (subject, version, id, guid, schemaType — AVRO too —, references,
// metadata, ruleSet, schema, deleted), ids answers its SchemaString
// (guid, schemaType, schema…).
func TestAPIVersionAnswer(t *testing.T) {
	a := newAPI(t)
	clock := time.UnixMilli(1764900000123)
	a.reg.now = func() time.Time { return clock }
	const guidA = "616c9f37-e00c-6ce6-cf16-bee14d524062"
	a.expect("POST", "/subjects/s/versions", body(recA), 200, `{"id":1}`)
	v1 := `{"subject":"s","version":1,"id":1,"guid":"` + guidA + `","schemaType":"AVRO","schema":` + quote(recA)
	a.expect("GET", "/subjects/s/versions/1", "", 200, v1+`,"ts":1764900000123,"deleted":false}`)
	a.expect("POST", "/subjects/s", body(recA), 200, v1+`,"ts":1764900000123,"deleted":false}`)
	a.expect("GET", "/schemas", "", 200, `[`+v1+`,"ts":1764900000123,"deleted":false}]`)
	a.expect("GET", "/schemas/ids/1", "", 200, `{"guid":"`+guidA+`","schemaType":"AVRO","schema":`+quote(recA)+`,"ts":1764900000123,"deleted":false}`)
	// A soft delete rewrites the record: its time is the new ts.
	clock = clock.Add(time.Second)
	a.expect("DELETE", "/subjects/s/versions/1", "", 200, `1`)
	a.expect("GET", "/subjects/s/versions/1?deleted=true", "", 200, v1+`,"ts":1764900001123,"deleted":true}`)
	a.expect("POST", "/subjects/s?deleted=true", body(recA), 200, v1+`,"ts":1764900001123,"deleted":true}`)
	// A replay takes ts from the records' Kafka timestamps.
	b := New(nil)
	b.ReplayAt([]byte(`{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}`), []byte(`{"subject":"s","version":1,"id":1,"schema":"\"int\"","deleted":false}`), time.UnixMilli(42))
	if v, err := b.Get("s", 1, false); err != nil || v.TS != 42 {
		t.Errorf("replayed ts: %+v %v", v, err)
	}

	js := `{"type":"object","properties":{"a":{"type":"string"}}}`
	md := `"metadata":{"properties":{"owner":"bob"},"tags":{"$.a":["PII","A"]},"sensitive":["s"]}`
	rs := `"ruleSet":{"domainRules":[{"name":"r","type":"CEL","expr":"true","params":{"b":"2","a":"1"},"tags":["T"]}]}`
	a.expect("POST", "/subjects/j/versions", body(js, `"schemaType":"JSON"`, md, rs), 200, `{"id":2}`)
	st, got, _ := a.call("GET", "/subjects/j/versions/latest", "")
	if st != 200 || !strings.HasPrefix(got, `{"subject":"j","version":1,"id":2,"guid":"82aea38e-2e84-c301-9c77-80d6d399fe4c","schemaType":"JSON","metadata":{`) ||
		!strings.HasSuffix(got, `,"schema":`+quote(js)+`,"ts":1764900001123,"deleted":false}`) {
		t.Errorf("JSON version answer: %d %s", st, got)
	}
}

// TestAPISchemaStringAnswer: GET /schemas/ids/{id} and /schemas/guids/{guid}
// answer Confluent 8's SchemaString (KafkaSchemaRegistry.get: built from the
// stored version's Schema entity, so ts and deleted are there; subject and
// version only when the request names a subject, even an empty one;
// getByGuid clears subject and version). Field order is SchemaString's
// declaration order: subject, version, guid, schemaType, schema,
// references, metadata, ruleSet, schemaTags, maxId, ts, deleted.
func TestAPISchemaStringAnswer(t *testing.T) {
	a := newAPI(t)
	clock := time.UnixMilli(1764900000123)
	a.reg.now = func() time.Time { return clock }
	const guidA = "616c9f37-e00c-6ce6-cf16-bee14d524062"
	const guidFloat = "50a6b9db-85da-367a-6d2d-f400a41758a6"
	a.expect("POST", "/subjects/s/versions", body(recA), 200, `{"id":1}`)
	clock = clock.Add(time.Second)
	a.expect("POST", "/subjects/t/versions", body(recA), 200, `{"id":1}`)
	a.expect("POST", "/subjects/f/versions", body(`"float"`), 200, `{"id":2}`)
	tail := `"guid":"` + guidA + `","schemaType":"AVRO","schema":` + quote(recA)
	ftail := `"guid":"` + guidFloat + `","schemaType":"AVRO","schema":"\"float\""`
	a.expect("GET", "/schemas/ids/2", "", 200, `{`+ftail+`,"ts":1764900001123,"deleted":false}`)
	a.expect("GET", "/schemas/ids/2?fetchMaxId=true", "", 200, `{`+ftail+`,"maxId":2,"ts":1764900001123,"deleted":false}`)
	a.expect("GET", "/schemas/ids/2?subject=", "", 200, `{"subject":"f","version":1,`+ftail+`,"ts":1764900001123,"deleted":false}`)
	a.expect("GET", "/schemas/guids/"+guidFloat, "", 200, `{`+ftail+`,"ts":1764900001123,"deleted":false}`)
	// The subject named picks the version answered, and its ts.
	a.expect("GET", "/schemas/ids/1?subject=s", "", 200, `{"subject":"s","version":1,`+tail+`,"ts":1764900000123,"deleted":false}`)
	a.expect("GET", "/schemas/ids/1?subject=t", "", 200, `{"subject":"t","version":1,`+tail+`,"ts":1764900001123,"deleted":false}`)
	// A soft-deleted version stays readable by id and GUID, flagged.
	clock = clock.Add(time.Second)
	a.expect("DELETE", "/subjects/f/versions/1", "", 200, `1`)
	a.expect("GET", "/schemas/ids/2?subject=f", "", 200, `{"subject":"f","version":1,`+ftail+`,"ts":1764900002123,"deleted":true}`)
	a.expect("GET", "/schemas/guids/"+guidFloat, "", 200, `{`+ftail+`,"ts":1764900002123,"deleted":true}`)
}

// TestAPIRegisterFoundAnswer: what Confluent 8 answers when the schema is
// already in the subject. registerOrForward looks it up first (without
// config defaults or overrides, on the request as sent): found by its
// hash, the answer is the request's copy (no ts, no deleted), like a new
// registration; found only by canLookup (stored confluent:version the
// request lacks) or, for version -1, as the latest version, the answer is
// the stored entity (RegisterSchemaResponse(Schema) carries its ts and
// deleted=false). Version -1 not matching the latest registers a new
// version (register() gives any version <= 0 the next number).
func TestAPIRegisterFoundAnswer(t *testing.T) {
	a := newAPI(t)
	clock := time.UnixMilli(1764900000123)
	a.reg.now = func() time.Time { return clock }
	raw := func(path, reqBody, want string) {
		t.Helper()
		if st, got, _ := a.call("POST", path, reqBody); st != 200 || got != want {
			t.Errorf("POST %s %s = %d %s\n want 200 %s", path, reqBody, st, got, want)
		}
	}
	const guidA = "616c9f37-e00c-6ce6-cf16-bee14d524062"
	newA := `{"id":1,"version":1,"guid":"` + guidA + `","schemaType":"AVRO","schema":` + quote(recA)
	raw("/subjects/s/versions", body(recA), newA+`}`)
	clock = clock.Add(time.Second)
	// Same content: found by hash, answered as the request's copy.
	raw("/subjects/s/versions", body(recA), newA+`}`)
	// Version -1: the latest, answered as stored.
	raw("/subjects/s/versions", body(recA, `"version":-1`), newA+`,"ts":1764900000123,"deleted":false}`)

	// An explicit version stores confluent:version; the same schema sent
	// without it is found by canLookup only: the stored entity.
	st, got, _ := a.call("POST", "/subjects/s/versions", body(recB, `"version":2`))
	if st != 200 || strings.Contains(got, `"ts"`) || strings.Contains(got, `"deleted"`) || !strings.Contains(got, `"confluent:version":"2"`) {
		t.Errorf("register version 2: %d %s", st, got)
	}
	clock = clock.Add(time.Second)
	st, got, _ = a.call("POST", "/subjects/s/versions", body(recB))
	if want := `,"metadata":{"properties":{"confluent:version":"2"}},"schema":` + quote(recB) + `,"ts":1764900001123,"deleted":false}`; st != 200 ||
		!strings.HasPrefix(got, `{"id":2,"version":2,"guid":"`) || !strings.HasSuffix(got, want) {
		t.Errorf("re-register without confluent:version: %d %s\n want suffix %s", st, got, want)
	}
	// Sent with its confluent:version: the hash finds it, no ts.
	st, got, _ = a.call("POST", "/subjects/s/versions", body(recB, `"metadata":{"properties":{"confluent:version":"2"}}`))
	if st != 200 || !strings.HasPrefix(got, `{"id":2,"version":2,`) || strings.Contains(got, `"ts"`) || strings.Contains(got, `"deleted"`) {
		t.Errorf("re-register with confluent:version: %d %s", st, got)
	}
	// Version -1 with a schema that is not the latest: a new version,
	// whose inherited confluent:version becomes 3 (new content, new id).
	st, got, _ = a.call("POST", "/subjects/s/versions", body(recA, `"version":-1`))
	if st != 200 || !strings.HasPrefix(got, `{"id":3,"version":3,`) || !strings.Contains(got, `"confluent:version":"3"`) || strings.Contains(got, `"ts"`) {
		t.Errorf("version -1, not the latest: %d %s", st, got)
	}
	a.expect("GET", "/subjects/s/versions", "", 200, `[1,2,3]`)
	// The version found for -1 is the latest only: recA's v1 is not.
	raw("/subjects/s/versions", body(recA, `"version":-1`, `"metadata":{"properties":{"confluent:version":"3"}}`),
		`{"id":3,"version":3,"guid":"04e0c86f-a1ff-a40a-882d-2f572e23bb22","schemaType":"AVRO","metadata":{"properties":{"confluent:version":"3"}},"schema":`+quote(recA)+`,"ts":1764900002123,"deleted":false}`)
}

// TestAPIModeLooksUpFirst: Confluent's registerOrForward looks the schema
// up in its subject before register checks the mode, so a schema the
// subject holds is answered in READONLY and IMPORT modes, and with its own
// id (and version) outside IMPORT; anything else meets the mode's 42205.
// Config defaults or overrides turn that look-up off.
func TestAPIModeLooksUpFirst(t *testing.T) {
	a := newAPI(t)
	a.expect("PUT", "/config/s", `{"compatibility":"NONE"}`, 200, `{"compatibility":"NONE"}`)
	a.expect("POST", "/subjects/s/versions", body(recA), 200, `{"id":1}`)
	a.expect("POST", "/subjects/s/versions", body(recC), 200, `{"id":2}`)
	a.expect("PUT", "/mode/s", `{"mode":"READONLY"}`, 200, `{"mode":"READONLY"}`)
	a.expect("POST", "/subjects/s/versions", body(recA), 200, `{"id":1}`)
	a.expect("POST", "/subjects/s/versions", body(recC, `"version":-1`), 200, `{"id":2}`)
	// Version -1 looks at the latest version only.
	a.expectCode("POST", "/subjects/s/versions", body(recA, `"version":-1`), 422, 42205)
	a.expectCode("POST", "/subjects/s/versions", body(recB), 422, 42205)
	a.expect("PUT", "/mode/s", `{"mode":"READWRITE"}`, 200, `{"mode":"READWRITE"}`)
	a.expect("POST", "/subjects/s/versions", body(recA, `"id":1`), 200, `{"id":1}`)
	a.expect("POST", "/subjects/s/versions", body(recA, `"id":1`, `"version":1`), 200, `{"id":1}`)
	a.expectCode("POST", "/subjects/s/versions", body(recA, `"id":1`, `"version":2`), 422, 42205)
	a.expectCode("POST", "/subjects/s/versions", body(recA, `"id":7`), 422, 42205)
	a.expect("PUT", "/mode/s?force=true", `{"mode":"IMPORT"}`, 200, `{"mode":"IMPORT"}`)
	a.expect("POST", "/subjects/s/versions", body(recA), 200, `{"id":1}`)
	if msg := a.expectCode("POST", "/subjects/s/versions", body(recB), 422, 42205); msg != "Subject s in context  is not in read-write mode" {
		t.Errorf("42205 message %q", msg)
	}
	a.expect("PUT", "/mode/s", `{"mode":"READWRITE"}`, 200, `{"mode":"READWRITE"}`)
	a.expect("PUT", "/config/s", `{"defaultMetadata":{"properties":{"owner":"x"}}}`, 200, `{"compatibility":"NONE","defaultMetadata":{"properties":{"owner":"x"}}}`)
	a.expect("PUT", "/mode/s", `{"mode":"READONLY"}`, 200, `{"mode":"READONLY"}`)
	a.expectCode("POST", "/subjects/s/versions", body(recA), 422, 42205)
}
