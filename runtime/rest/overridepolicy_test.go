package rest_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// connector.client.config.override.policy=None: a connector overriding its
// producer's JAAS config is refused at creation with Connect's message, and
// the validate answer reports it on the override key.
func TestOverridePolicyNoneRefusesClientOverrides(t *testing.T) {
	e := newEnv(t, map[string]string{"connector.client.config.override.policy": "None"})
	cfg := `{"connector.class":"DatagenConnector","kafka.topic":"r","quickstart":"ratings",` +
		`"producer.override.sasl.jaas.config":"org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"p\";"}`
	e.expect(http.MethodPut, "/connectors/dg/config", cfg, http.StatusBadRequest,
		"{\"error_code\":400,\"message\":\"Connector configuration is invalid and contains the following 1 error(s):\\n"+
			"The 'None' policy does not allow 'sasl.jaas.config' to be overridden in the connector configuration.\\n"+
			"You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`\"}")
	e.expect(http.MethodGet, "/connectors/dg", nil, http.StatusNotFound, "")

	r := e.expect(http.MethodPut, "/connector-plugins/DatagenConnector/config/validate", strings.Replace(cfg, "{", `{"name":"dg",`, 1), http.StatusOK, "")
	var v struct {
		ErrorCount int `json:"error_count"`
		Configs    []struct {
			Value struct {
				Name   string   `json:"name"`
				Errors []string `json:"errors"`
			} `json:"value"`
		} `json:"configs"`
	}
	if err := json.Unmarshal([]byte(r.body), &v); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range v.Configs {
		if c.Value.Name == "producer.override.sasl.jaas.config" {
			found = len(c.Value.Errors) == 1 && strings.Contains(c.Value.Errors[0], "The 'None' policy does not allow 'sasl.jaas.config'")
		}
	}
	if v.ErrorCount != 1 || !found {
		t.Fatalf("validate: %s", r.body)
	}

	// Settings that are not overrides are untouched by the policy.
	e.expect(http.MethodPut, "/connectors/dg/config", `{"connector.class":"DatagenConnector","kafka.topic":"r","quickstart":"ratings","iterations":"1"}`, http.StatusCreated, "")
}

// The default policy (All) accepts overrides.
func TestOverridePolicyDefaultAllowsOverrides(t *testing.T) {
	e := newEnv(t, nil)
	e.expect(http.MethodPut, "/connectors/dg/config", `{"connector.class":"DatagenConnector","kafka.topic":"r","quickstart":"ratings","iterations":"1","producer.override.linger.ms":"5"}`, http.StatusCreated, "")
}
