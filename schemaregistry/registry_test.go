package schemaregistry

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/goconnect/goconnect/runtime/embedded"
)

const (
	v1 = `{"type":"record","name":"R","namespace":"t","fields":[{"name":"a","type":"int"}]}`
	// v2 adds a field with a default: backward and forward compatible.
	v2 = `{"type":"record","name":"R","namespace":"t","fields":[{"name":"a","type":"int"},{"name":"b","type":"string","default":"x"}]}`
	// v3 adds a field without default: forward compatible only.
	v3 = `{"type":"record","name":"R","namespace":"t","fields":[{"name":"a","type":"int"},{"name":"c","type":"string"}]}`
	// v4 widens a to long: backward compatible (int→long), not forward.
	v4 = `{"type":"record","name":"R","namespace":"t","fields":[{"name":"a","type":"long"}]}`
	// v5 drops a: backward compatible; not forward (v1 readers need a).
	v5 = `{"type":"record","name":"R","namespace":"t","fields":[]}`
)

// Pass/fail pairs follow the Avro specification's schema resolution rules
// and Confluent's definitions of each level.
func TestCompatibilityLevels(t *testing.T) {
	cases := []struct {
		level string
		old   []string
		new   string
		ok    bool
	}{
		{Backward, []string{v1}, v2, true},
		{Backward, []string{v1}, v3, false},
		{Backward, []string{v1}, v4, true},
		{Backward, []string{v1}, v5, true},
		{Forward, []string{v1}, v2, true},
		{Forward, []string{v1}, v3, true},
		{Forward, []string{v1}, v4, false},
		{Forward, []string{v1}, v5, false},
		{Full, []string{v1}, v2, true},
		{Full, []string{v1}, v3, false},
		{Full, []string{v1}, v4, false},
		{None, []string{v1}, v3, true},
		{BackwardTransitive, []string{v1, v2}, `{"type":"record","name":"R","namespace":"t","fields":[{"name":"a","type":"int"},{"name":"b","type":"string","default":"y"}]}`, true},
		// Plain BACKWARD looks at the latest only; transitive at all of them.
		{Backward, []string{v3, v2}, v5, true},
		{BackwardTransitive, []string{v3, v2}, `{"type":"record","name":"R","namespace":"t","fields":[{"name":"b","type":"string"}]}`, false},
		{Backward, []string{`"string"`}, `"bytes"`, true},
		{Backward, []string{`"long"`}, `"int"`, false},
		{Backward, []string{`["null","string"]`}, `["null","string","int"]`, true},
		{Backward, []string{`["null","string","int"]`}, `["null","string"]`, false},
		{Backward, []string{`{"type":"enum","name":"E","symbols":["A","B"]}`}, `{"type":"enum","name":"E","symbols":["A"]}`, false},
		{Backward, []string{`{"type":"record","name":"X","fields":[]}`}, `{"type":"record","name":"Y","fields":[]}`, false},
	}
	for i, c := range cases {
		probs, err := compatibleText(c.level, c.new, c.old)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if (len(probs) == 0) != c.ok {
			t.Errorf("case %d (%s): compatible=%v, want %v: %v", i, c.level, len(probs) == 0, c.ok, probs)
		}
	}
}

func do(t *testing.T, method, url, body string) (int, map[string]any, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return resp.StatusCode, m, string(raw)
}

func schemaBody(s string) string {
	b, _ := json.Marshal(map[string]string{"schema": s})
	return string(b)
}

// TestRegistryAPIOverKafka drives the HTTP API of a registry journaled to
// a real Kafka protocol broker, then replays the topic into a second
// registry, which must answer the same ids.
func TestRegistryAPIOverKafka(t *testing.T) {
	broker, err := embedded.Start(embedded.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer broker.Close()
	ctx := context.Background()
	reg := New(nil)
	j, err := OpenKafka(ctx, broker.Addrs(), Topic, reg)
	if err != nil {
		t.Fatal(err)
	}
	reg.SetJournal(j)
	srv := httptest.NewServer(Handler(reg))
	defer srv.Close()

	st, m, _ := do(t, "POST", srv.URL+"/subjects/orders-value/versions", schemaBody(v1))
	if st != 200 || m["id"] != 1.0 {
		t.Fatalf("register: %d %v", st, m)
	}
	// Same schema, other whitespace: same id, no new version.
	st, m, _ = do(t, "POST", srv.URL+"/subjects/orders-value/versions", schemaBody(strings.ReplaceAll(v1, ",", ", ")))
	if st != 200 || m["id"] != 1.0 {
		t.Fatalf("re-register: %d %v", st, m)
	}
	// Same schema under another subject reuses the global id.
	if st, m, _ = do(t, "POST", srv.URL+"/subjects/other-value/versions", schemaBody(v1)); m["id"] != 1.0 {
		t.Fatalf("shared id: %d %v", st, m)
	}
	st, m, _ = do(t, "POST", srv.URL+"/subjects/orders-value/versions", schemaBody(v2))
	if st != 200 || m["id"] != 2.0 {
		t.Fatalf("register v2: %d %v", st, m)
	}
	st, m, _ = do(t, "POST", srv.URL+"/subjects/orders-value/versions", schemaBody(v3))
	if st != 409 || m["error_code"] != 40901.0 {
		t.Fatalf("incompatible: %d %v", st, m)
	}
	st, m, _ = do(t, "POST", srv.URL+"/subjects/orders-value", schemaBody(v2))
	if st != 200 || m["version"] != 2.0 || m["id"] != 2.0 || m["subject"] != "orders-value" {
		t.Fatalf("lookup: %d %v", st, m)
	}
	if st, m, _ = do(t, "POST", srv.URL+"/subjects/orders-value", schemaBody(v4)); st != 404 || m["error_code"] != 40403.0 {
		t.Fatalf("lookup of unknown schema: %d %v", st, m)
	}
	if st, m, _ = do(t, "GET", srv.URL+"/subjects/nope/versions", ""); st != 404 || m["error_code"] != 40401.0 || m["message"] != "Subject 'nope' not found." {
		t.Fatalf("unknown subject: %d %v", st, m)
	}
	if st, m, _ = do(t, "GET", srv.URL+"/schemas/ids/2", ""); st != 200 || m["schema"] != v2 {
		t.Fatalf("by id: %d %v", st, m)
	}
	if st, _, raw := do(t, "GET", srv.URL+"/subjects/orders-value/versions/latest", ""); st != 200 || !strings.Contains(raw, `"version":2`) {
		t.Fatalf("latest: %d %s", st, raw)
	}
	if st, m, _ = do(t, "PUT", srv.URL+"/config/orders-value", `{"compatibility":"NONE"}`); st != 200 || m["compatibility"] != "NONE" {
		t.Fatalf("set level: %d %v", st, m)
	}
	if st, m, _ = do(t, "POST", srv.URL+"/subjects/orders-value/versions", schemaBody(v3)); st != 200 || m["id"] != 3.0 {
		t.Fatalf("register under NONE: %d %v", st, m)
	}
	if st, m, _ = do(t, "POST", srv.URL+"/compatibility/subjects/other-value/versions/latest", schemaBody(v3)); st != 200 || m["is_compatible"] != false {
		t.Fatalf("check: %d %v", st, m)
	}
	if st, _, raw := do(t, "GET", srv.URL+"/subjects", ""); st != 200 || raw != "[\"orders-value\",\"other-value\"]\n" {
		t.Fatalf("subjects: %d %s", st, raw)
	}
	if st, m, _ = do(t, "POST", srv.URL+"/subjects/x/versions", schemaBody(`{"type":"record"}`)); st != 422 || m["error_code"] != 42201.0 {
		t.Fatalf("invalid schema: %d %v", st, m)
	}

	// Deletes, modes and configs go through the topic too.
	if st, _, raw := do(t, "DELETE", srv.URL+"/subjects/other-value", ""); st != 200 || raw != "[1]\n" {
		t.Fatalf("soft delete: %d %s", st, raw)
	}
	if st, _, raw := do(t, "DELETE", srv.URL+"/subjects/other-value?permanent=true", ""); st != 200 || raw != "[1]\n" {
		t.Fatalf("hard delete: %d %s", st, raw)
	}
	if st, _, raw := do(t, "DELETE", srv.URL+"/subjects/orders-value/versions/1", ""); st != 200 || raw != "1\n" {
		t.Fatalf("version delete: %d %s", st, raw)
	}
	if st, m, _ = do(t, "PUT", srv.URL+"/mode/orders-value", `{"mode":"READONLY"}`); st != 200 {
		t.Fatalf("mode: %d %v", st, m)
	}

	// A second registry replays the topic and answers the same.
	reg2 := New(nil)
	j2, err := OpenKafka(ctx, broker.Addrs(), Topic, reg2)
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	var want bytes.Buffer
	_ = json.Compact(&want, []byte(v3))
	if v, err := reg2.SchemaByID(3, ""); err != nil || v.Schema != want.String() {
		t.Fatalf("replayed id 3: %v %v", v, err)
	}
	if reg2.Level("orders-value") != None {
		t.Fatal("replayed subject level lost")
	}
	if got := reg2.Subjects(); len(got) != 1 || got[0] != "orders-value" {
		t.Fatalf("replayed subjects %v", got)
	}
	if got, _ := reg2.ListVersions("orders-value", WithDeleted); len(got) != 3 {
		t.Fatalf("replayed versions %v", got)
	}
	if got, _ := reg2.Versions("orders-value"); len(got) != 2 || got[0] != 2 {
		t.Fatalf("replayed live versions %v", got)
	}
	if m, _ := reg2.GetMode("orders-value", false); m != ModeReadOnly {
		t.Fatalf("replayed mode %q", m)
	}
	if id, err := reg2.Register("fresh", `"string"`); err != nil || id != 4 {
		t.Fatalf("next id after replay = %d %v, want 4", id, err)
	}
}
