//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The schema registry of scripts/services.sh (scripts/services.sh up kafka
// schema-registry). The test speaks Confluent Schema Registry's REST API
// with plain net/http and asserts what Confluent answers.
var schemaRegistryURL = strings.TrimSuffix(envOr("GOCONNECT_E2E_SCHEMA_REGISTRY", "http://127.0.0.1:8081"), "/")

const srContentType = "application/vnd.schemaregistry.v1+json"

// srResponse is one answer of the registry.
type srResponse struct {
	status int
	header http.Header
	body   []byte
}

func (r srResponse) String() string { return fmt.Sprintf("HTTP %d %s", r.status, r.body) }

// srCall sends one request; a body is sent as Confluent's content type.
func srCall(t *testing.T, method, path string, body any) srResponse {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, schemaRegistryURL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", srContentType)
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s%s: %v\nStart the registry with: scripts/services.sh up kafka schema-registry", method, schemaRegistryURL, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the answer: %v", method, path, err)
	}
	return srResponse{status: resp.StatusCode, header: resp.Header, body: b}
}

// srDecode checks the status and Confluent's content type and decodes the body.
func srDecode(t *testing.T, r srResponse, wantStatus int, what string, into any) {
	t.Helper()
	if r.status != wantStatus {
		t.Fatalf("%s: want HTTP %d, got %s", what, wantStatus, r)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, srContentType) {
		t.Errorf("%s: Content-Type %q, want %s", what, ct, srContentType)
	}
	if into != nil {
		if err := json.Unmarshal(r.body, into); err != nil {
			t.Fatalf("%s: decoding %s: %v", what, r.body, err)
		}
	}
}

// srSameJSON tells whether two JSON documents are equal as values
// (registries may reformat a schema they give back).
func srSameJSON(t *testing.T, a, b string) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal([]byte(a), &va); err != nil {
		t.Fatalf("not JSON: %q: %v", a, err)
	}
	if err := json.Unmarshal([]byte(b), &vb); err != nil {
		t.Fatalf("not JSON: %q: %v", b, err)
	}
	return reflect.DeepEqual(va, vb)
}

type srSchemaBody struct {
	Schema string `json:"schema"`
}

type srSubjectVersion struct {
	Subject string `json:"subject"`
	Version int    `json:"version"`
	ID      int    `json:"id"`
	Schema  string `json:"schema"`
}

type srError struct {
	ErrorCode int    `json:"error_code"`
	Message   string `json:"message"`
}

func TestSchemaRegistryConfluentAPI(t *testing.T) {
	// Reachable at all? Fail loudly, never skip.
	var subjects []string
	srDecode(t, srCall(t, http.MethodGet, "/subjects", nil), http.StatusOK, "GET /subjects", &subjects)

	subject := uniqueName(t, "sr") + "-value"
	path := "/subjects/" + url.PathEscape(subject)
	t.Cleanup(func() {
		// Soft then hard delete, as Confluent wants; a failure only leaves a subject behind.
		for _, p := range []string{path, path + "?permanent=true"} {
			req, _ := http.NewRequest(http.MethodDelete, schemaRegistryURL+p, nil)
			if resp, err := http.DefaultClient.Do(req); err != nil {
				t.Logf("cleanup DELETE %s: %v", p, err)
			} else {
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Logf("cleanup DELETE %s: HTTP %d", p, resp.StatusCode)
				}
			}
		}
	})

	v1 := `{"type":"record","name":"Customer","namespace":"goconnect.e2e","fields":[` +
		`{"name":"id","type":"long"},{"name":"name","type":"string"}]}`
	// v2 adds a field without a default: readers of v2 cannot read v1 data,
	// so it breaks BACKWARD compatibility.
	v2Incompatible := `{"type":"record","name":"Customer","namespace":"goconnect.e2e","fields":[` +
		`{"name":"id","type":"long"},{"name":"name","type":"string"},{"name":"email","type":"string"}]}`
	// v2 with a default for the new field is BACKWARD compatible.
	v2Compatible := `{"type":"record","name":"Customer","namespace":"goconnect.e2e","fields":[` +
		`{"name":"id","type":"long"},{"name":"name","type":"string"},` +
		`{"name":"email","type":["null","string"],"default":null}]}`

	// The default compatibility level is BACKWARD.
	var cfg struct {
		CompatibilityLevel string `json:"compatibilityLevel"`
	}
	srDecode(t, srCall(t, http.MethodGet, "/config", nil), http.StatusOK, "GET /config", &cfg)
	if cfg.CompatibilityLevel != "BACKWARD" {
		t.Errorf("GET /config: compatibilityLevel %q, want BACKWARD (Confluent's default)", cfg.CompatibilityLevel)
	}

	// Register.
	var reg struct {
		ID int `json:"id"`
	}
	srDecode(t, srCall(t, http.MethodPost, path+"/versions", srSchemaBody{v1}), http.StatusOK, "register v1", &reg)
	if reg.ID <= 0 {
		t.Fatalf("register v1: id %d, want > 0", reg.ID)
	}
	id := reg.ID
	t.Logf("subject %s: v1 has id %d", subject, id)

	// Fetch it back by id.
	var byID srSchemaBody
	srDecode(t, srCall(t, http.MethodGet, fmt.Sprintf("/schemas/ids/%d", id), nil), http.StatusOK, "GET /schemas/ids/{id}", &byID)
	if !srSameJSON(t, byID.Schema, v1) {
		t.Errorf("GET /schemas/ids/%d: schema %s, want %s", id, byID.Schema, v1)
	}

	// Registering the same schema again gives the same id.
	reg.ID = 0
	srDecode(t, srCall(t, http.MethodPost, path+"/versions", srSchemaBody{v1}), http.StatusOK, "register v1 again", &reg)
	if reg.ID != id {
		t.Errorf("register v1 again: id %d, want %d", reg.ID, id)
	}

	// Look it up under the subject.
	var found srSubjectVersion
	srDecode(t, srCall(t, http.MethodPost, path, srSchemaBody{v1}), http.StatusOK, "lookup v1", &found)
	if found.Subject != subject || found.Version != 1 || found.ID != id || !srSameJSON(t, found.Schema, v1) {
		t.Errorf("lookup v1: got %+v, want subject %s version 1 id %d", found, subject, id)
	}

	// The subject is listed and its latest version is v1.
	subjects = nil
	srDecode(t, srCall(t, http.MethodGet, "/subjects", nil), http.StatusOK, "GET /subjects", &subjects)
	listed := false
	for _, s := range subjects {
		listed = listed || s == subject
	}
	if !listed {
		t.Errorf("GET /subjects does not list %s: %v", subject, subjects)
	}
	var latest srSubjectVersion
	srDecode(t, srCall(t, http.MethodGet, path+"/versions/latest", nil), http.StatusOK, "GET latest", &latest)
	if latest.Subject != subject || latest.Version != 1 || latest.ID != id || !srSameJSON(t, latest.Schema, v1) {
		t.Errorf("GET latest: got %+v, want subject %s version 1 id %d", latest, subject, id)
	}

	// The compatibility check says no to the incompatible change...
	var compat struct {
		IsCompatible *bool `json:"is_compatible"`
	}
	srDecode(t, srCall(t, http.MethodPost, "/compatibility"+path+"/versions/latest", srSchemaBody{v2Incompatible}),
		http.StatusOK, "compatibility check of the incompatible v2", &compat)
	if compat.IsCompatible == nil || *compat.IsCompatible {
		t.Errorf("compatibility check of the incompatible v2: is_compatible %v, want false", compat.IsCompatible)
	}

	// ... and registering it is refused with 409 under BACKWARD.
	var e srError
	srDecode(t, srCall(t, http.MethodPost, path+"/versions", srSchemaBody{v2Incompatible}), http.StatusConflict,
		"register the incompatible v2", &e)
	if e.ErrorCode != 409 {
		t.Errorf("register the incompatible v2: error_code %d, want 409 (%s)", e.ErrorCode, e.Message)
	}

	// A compatible change gets a new id and becomes version 2.
	reg.ID = 0
	srDecode(t, srCall(t, http.MethodPost, path+"/versions", srSchemaBody{v2Compatible}), http.StatusOK, "register the compatible v2", &reg)
	if reg.ID <= 0 || reg.ID == id {
		t.Errorf("register the compatible v2: id %d, want a new one (v1 has %d)", reg.ID, id)
	}
	latest = srSubjectVersion{}
	srDecode(t, srCall(t, http.MethodGet, path+"/versions/latest", nil), http.StatusOK, "GET latest after v2", &latest)
	if latest.Version != 2 || latest.ID != reg.ID || !srSameJSON(t, latest.Schema, v2Compatible) {
		t.Errorf("GET latest after v2: got %+v, want version 2 id %d", latest, reg.ID)
	}
	var versions []int
	srDecode(t, srCall(t, http.MethodGet, path+"/versions", nil), http.StatusOK, "GET versions", &versions)
	if !reflect.DeepEqual(versions, []int{1, 2}) {
		t.Errorf("GET versions: %v, want [1 2]", versions)
	}

	// Confluent's error codes for what is not there.
	e = srError{}
	srDecode(t, srCall(t, http.MethodGet, "/subjects/"+url.PathEscape(subject+"-missing")+"/versions/latest", nil),
		http.StatusNotFound, "GET latest of a missing subject", &e)
	if e.ErrorCode != 40401 {
		t.Errorf("missing subject: error_code %d, want 40401 (%s)", e.ErrorCode, e.Message)
	}
	e = srError{}
	srDecode(t, srCall(t, http.MethodGet, "/schemas/ids/2147483000", nil), http.StatusNotFound, "GET a missing schema id", &e)
	if e.ErrorCode != 40403 {
		t.Errorf("missing schema id: error_code %d, want 40403 (%s)", e.ErrorCode, e.Message)
	}
}
