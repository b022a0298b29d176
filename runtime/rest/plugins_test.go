package rest_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestPluginList(t *testing.T) {
	e := newEnv(t, nil)
	r := e.expect(http.MethodGet, "/connector-plugins", nil, http.StatusOK, "")
	// Entries in Connect's field order; sinks first, then sources.
	for _, entry := range []string{
		`{"class":"org.apache.kafka.connect.file.FileStreamSinkConnector","type":"sink","version":"4.1.0-goconnect"}`,
		`{"class":"io.confluent.kafka.connect.datagen.DatagenConnector","type":"source","version":`,
		`{"class":"org.apache.kafka.connect.file.FileStreamSourceConnector","type":"source","version":"4.1.0-goconnect"}`,
	} {
		if !strings.Contains(r.body, entry) {
			t.Fatalf("connector plugins lack %s: %s", entry, r.body)
		}
	}
	var conns []struct{ Type string }
	if err := json.Unmarshal([]byte(r.body), &conns); err != nil || len(conns) == 0 || conns[0].Type != "sink" || conns[len(conns)-1].Type != "source" {
		t.Fatalf("connectors only listing order: %s", r.body)
	}
	for i := 1; i < len(conns); i++ {
		if conns[i-1].Type == "source" && conns[i].Type == "sink" {
			t.Fatalf("a sink listed after a source: %s", r.body)
		}
	}
	if strings.Contains(r.body, "converter") {
		t.Fatalf("connectorsOnly listing has converters: %s", r.body)
	}
	r = e.expect(http.MethodGet, "/connector-plugins?connectorsOnly=false", nil, http.StatusOK, "")
	var all []struct{ Class, Type string }
	if err := json.Unmarshal([]byte(r.body), &all); err != nil {
		t.Fatal(err)
	}
	rank := map[string]int{"sink": 0, "source": 1, "transformation": 2, "predicate": 3, "converter": 4, "header_converter": 5}
	seen := map[string]bool{}
	for i, p := range all {
		seen[p.Type] = true
		if i > 0 && rank[all[i-1].Type] > rank[p.Type] {
			t.Fatalf("plugin %d (%s %s) out of Connect's listing order: %s", i, p.Type, p.Class, r.body)
		}
	}
	if !seen["converter"] || !seen["header_converter"] {
		t.Fatalf("full listing lacks converters: %s", r.body)
	}
	if !strings.Contains(r.body, `{"class":"org.apache.kafka.connect.json.JsonConverter","type":"header_converter"`) {
		t.Fatalf("JsonConverter is not listed as header converter: %s", r.body)
	}
}

func TestPluginConfig(t *testing.T) {
	e := newEnv(t, nil)
	first := `[{"name":"file","type":"STRING","required":false,"default_value":null,"importance":"HIGH","documentation":"Source filename. If not specified, the standard input will be used","group":null,"width":"NONE","display_name":"file","dependents":[],"order":-1},`
	for _, name := range []string{"org.apache.kafka.connect.file.FileStreamSourceConnector", "FileStreamSourceConnector", "FileStreamSource"} {
		r := e.expect(http.MethodGet, "/connector-plugins/"+name+"/config", nil, http.StatusOK, "")
		if !strings.HasPrefix(r.body, first) {
			t.Fatalf("%s config: %s", name, r.body)
		}
		if !strings.Contains(r.body, `{"name":"tasks.max","type":"INT","required":false,"default_value":"1","importance":"HIGH","documentation":"Maximum number of tasks to use for this connector.","group":"Common","width":"SHORT","display_name":"Tasks max","dependents":[],"order":4}`) {
			t.Fatalf("%s config lacks the framework keys: %s", name, r.body)
		}
	}
	e.expect(http.MethodGet, "/connector-plugins/JsonConverter/config", nil, http.StatusOK, "")
	e.expect(http.MethodGet, "/connector-plugins/Nope/config", nil, http.StatusNotFound, `{"error_code":404,"message":"Unknown plugin Nope."}`)
}

func TestValidate(t *testing.T) {
	e := newEnv(t, nil)
	r := e.expect(http.MethodPut, "/connector-plugins/FileStreamSource/config/validate",
		`{"connector.class":"FileStreamSource","name":"v","tasks.max":"0","file":"/tmp/in"}`, http.StatusOK, "")
	prefix := `{"name":"FileStreamSource","error_count":2,"groups":["Common","Transforms","Predicates","Error Handling","Topic Creation","Exactly Once Support","offsets.topic"],"configs":[` +
		`{"definition":{"name":"name","type":"STRING","required":true,"default_value":null,"importance":"HIGH","documentation":"Globally unique name to use for this connector.","group":"Common","width":"MEDIUM","display_name":"Connector name","dependents":[],"order":1},` +
		`"value":{"name":"name","value":"v","recommended_values":[],"errors":[],"visible":true}},`
	if !strings.HasPrefix(r.body, prefix) {
		t.Fatalf("validate body:\n%s\nwant prefix\n%s", r.body, prefix)
	}
	for _, want := range []string{
		`"value":{"name":"tasks.max","value":"0","recommended_values":[],"errors":["Invalid value 0 for configuration tasks.max: Value must be at least 1"],"visible":true}`,
		`"value":{"name":"topic","value":null,"recommended_values":[],"errors":["Missing required configuration \"topic\" which has no default value."],"visible":true}`,
		`"value":{"name":"batch.size","value":"2000","recommended_values":[],"errors":[],"visible":true}`,
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("validate body lacks %s", want)
		}
	}
	// Sinks: topics or topics.regex; transforms add their alias keys.
	r = e.expect(http.MethodPut, "/connector-plugins/FileStreamSinkConnector/config/validate",
		`{"connector.class":"org.apache.kafka.connect.file.FileStreamSinkConnector","name":"s","transforms":"x"}`, http.StatusOK, "")
	for _, want := range []string{`"error_count":3,`, `"Transforms: x"`, `"errors":["Must configure one of topics or topics.regex"]`,
		`"value":{"name":"topics.regex","value":"","recommended_values":[],"errors":["Must configure one of topics or topics.regex"],"visible":true}`,
		`"errors":["Missing required configuration \"transforms.x.type\" which has no default value."]`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("sink validate body lacks %s:\n%s", want, r.body)
		}
	}
	// Per-alias keys of a real transformation and predicate are listed in their groups.
	r = e.expect(http.MethodPut, "/connector-plugins/FileStreamSource/config/validate",
		`{"connector.class":"FileStreamSource","name":"t","topic":"t","transforms":"ins","transforms.ins.type":"org.apache.kafka.connect.transforms.InsertField$Value",`+
			`"transforms.ins.static.field":"f","transforms.ins.static.value":"v","transforms.ins.predicate":"p","predicates":"p","predicates.p.type":"TopicNameMatches"}`, http.StatusOK, "")
	for _, want := range []string{`"error_count":1,`, `"groups":["Common","Transforms","Predicates","Error Handling","Topic Creation","Exactly Once Support","offsets.topic","Transforms: ins","Predicates: p"]`,
		`"value":{"name":"transforms.ins.static.field","value":"f","recommended_values":[],"errors":[],"visible":true}`,
		`"errors":["Missing required configuration \"predicates.p.pattern\" which has no default value."]`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("transform validate body lacks %s:\n%s", want, r.body)
		}
	}
	e.expect(http.MethodPut, "/connector-plugins/FileStreamSink/config/validate", `{"connector.class":"FileStreamSource"}`, http.StatusBadRequest,
		`{"error_code":400,"message":"Included connector type FileStreamSource does not match request type FileStreamSink"}`)
	e.expect(http.MethodPut, "/connector-plugins/FileStreamSink/config/validate", `{"topics":"a"}`, http.StatusInternalServerError,
		`{"error_code":500,"message":"org.apache.kafka.connect.runtime.rest.errors.BadRequestException: Connector config {topics=a} contains no connector type"}`)
}

// TestFileConnectorsOffByDefault: without a plugin.path entry naming
// connect-file the file connectors do not exist for the API, with
// Connect 4.1's errors (400 on create, 500 on validate).
func TestFileConnectorsOffByDefault(t *testing.T) {
	e := newEnv(t, map[string]string{"plugin.path": "/usr/share/java,/usr/share/confluent-hub-components"})
	r := e.expect(http.MethodGet, "/connector-plugins?connectorsOnly=false", nil, http.StatusOK, "")
	if strings.Contains(r.body, "FileStream") || !strings.Contains(r.body, "DatagenConnector") {
		t.Fatalf("plugin list with file connectors off: %s", r.body)
	}
	for _, class := range []string{"FileStreamSource", "org.apache.kafka.connect.file.FileStreamSinkConnector"} {
		r = e.expect(http.MethodPost, "/connectors", `{"name":"f","config":{"connector.class":"`+class+`","file":"/etc/passwd","topic":"t","topics":"t"}}`,
			http.StatusBadRequest, "")
		var body struct {
			Code    int    `json:"error_code"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal([]byte(r.body), &body); err != nil {
			t.Fatal(err)
		}
		want := "Failed to find any class that implements Connector and which name matches " + class + ", available connectors are: "
		if body.Code != 400 || !strings.HasPrefix(body.Message, want) || strings.Contains(strings.TrimPrefix(body.Message, want), "FileStream") {
			t.Errorf("create %s: %s, want a 400 starting %q", class, r.body, want)
		}
	}
	e.expect(http.MethodPut, "/connector-plugins/FileStreamSource/config/validate", `{"connector.class":"FileStreamSource","file":"/etc/passwd","topic":"t"}`,
		http.StatusInternalServerError,
		`{"error_code":500,"message":"org.apache.kafka.connect.errors.ConnectException: Failed to find any class that implements Connector and which name matches FileStreamSource"}`)
	e.expect(http.MethodGet, "/connector-plugins/FileStreamSource/config", nil, http.StatusNotFound, `{"error_code":404,"message":"Unknown plugin FileStreamSource."}`)
	e.expect(http.MethodGet, "/connectors", nil, http.StatusOK, `[]`)
}
