package rest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/config"
)

// reportingSink answers for its own keys as a connect.ConfigReporter: key
// a (group G1) fails, b (group G2) has no result, and a result for the
// undefined key zzz.
type reportingSink struct{ testSink }

func reportingSinkDesc() connect.PluginDesc {
	return connect.PluginDesc{Class: "test.ReportingSinkConnector", Type: connect.TypeSink, Version: "9.9",
		New: func() any { return &reportingSink{} }}
}

// ConfigDef is what the connector parses with; the REST API must not show it.
func (*reportingSink) ConfigDef() *config.Def {
	return config.NewDef().Define(config.Key{Name: "a", Type: config.TypeInt, Required: true})
}

func (*reportingSink) ReportedKeys() []config.KeyInfo {
	g1, g2 := "G1", "G2"
	return []config.KeyInfo{
		{Name: "a", Type: "STRING", Importance: "HIGH", Documentation: "A.", Group: &g1, Width: "SHORT", DisplayName: "A", Dependents: []string{}, Order: 1},
		{Name: "b", Type: "LONG", Importance: "LOW", Documentation: "B.", Group: &g2, Width: "NONE", DisplayName: "B", Dependents: []string{"a"}, Order: 1},
	}
}

func (*reportingSink) ReportConfig(_ context.Context, props map[string]string) []config.ValueInfo {
	return []config.ValueInfo{
		{Name: "a", RecommendedValues: []string{"x"}, Errors: []string{"The 'a' value is invalid: " + props["a"]}, Visible: true},
		{Name: "zzz", RecommendedValues: []string{}, Errors: []string{"undefined"}, Visible: false},
	}
}

func TestValidateConfigReporter(t *testing.T) {
	e := newEnvLog(t, nil, nil, reportingSinkDesc())
	r := e.expect(http.MethodPut, "/connector-plugins/test.ReportingSinkConnector/config/validate",
		`{"connector.class":"test.ReportingSinkConnector","name":"r","topics":"t","a":"oops"}`, http.StatusOK, "")
	var got struct {
		ErrorCount int      `json:"error_count"`
		Groups     []string `json:"groups"`
		Configs    []json.RawMessage
	}
	if err := json.Unmarshal([]byte(r.body), &got); err != nil {
		t.Fatal(err)
	}
	if got.ErrorCount != 2 {
		t.Errorf("error_count %d, want the reporter's 2: %s", got.ErrorCount, r.body)
	}
	if n := len(got.Groups); n < 2 || got.Groups[n-2] != "G1" || got.Groups[n-1] != "G2" {
		t.Errorf("groups %q, want the reporter's G1, G2 last", got.Groups)
	}
	tail := got.Configs[len(got.Configs)-3:]
	want := []string{
		`{"definition":null,"value":{"name":"zzz","value":null,"recommended_values":[],"errors":["undefined"],"visible":false}}`,
		`{"definition":{"name":"a","type":"STRING","required":false,"default_value":null,"importance":"HIGH","documentation":"A.","group":"G1","width":"SHORT","display_name":"A","dependents":[],"order":1},` +
			`"value":{"name":"a","value":null,"recommended_values":["x"],"errors":["The 'a' value is invalid: oops"],"visible":true}}`,
		`{"definition":{"name":"b","type":"LONG","required":false,"default_value":null,"importance":"LOW","documentation":"B.","group":"G2","width":"NONE","display_name":"B","dependents":["a"],"order":1},"value":null}`,
	}
	for i := range want {
		if string(tail[i]) != want[i] {
			t.Errorf("connector entry %d:\n%s\nwant\n%s", i, tail[i], want[i])
		}
	}

	r = e.expect(http.MethodGet, "/connector-plugins/test.ReportingSinkConnector/config", nil, http.StatusOK, "")
	var keys []config.KeyInfo
	if err := json.Unmarshal([]byte(r.body), &keys); err != nil {
		t.Fatal(err)
	}
	if len(keys) < 3 || keys[0].Name != "a" || keys[1].Name != "b" || keys[2].Name != "name" {
		t.Errorf("plugin config %s, want the reported keys a, b, then the framework's", r.body)
	}
}
