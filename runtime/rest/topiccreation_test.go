package rest_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestTopicCreationValidation: bad KIP-158 settings are refused on create
// and reported per key by validate, with Connect's messages.
func TestTopicCreationValidation(t *testing.T) {
	e := newEnv(t, nil)
	cfg := `"connector.class":"DatagenConnector","kafka.topic":"t","quickstart":"ratings",` +
		`"topic.creation.groups":"g,h,g","topic.creation.default.replication.factor":"0",` +
		`"topic.creation.g.include":"a(","topic.creation.g.partitions":"0","topic.creation.h.replication.factor":"x"`
	want := []string{
		`Invalid value g,h,g for configuration topic.creation.groups: Duplicate alias provided.`,
		`Invalid value 0 for configuration topic.creation.default.replication.factor: Replication factor must be positive and not larger than the number of brokers in the Kafka cluster, or -1 to use the broker's default`,
		`Missing required configuration "topic.creation.default.partitions" which has no default value.`,
		`Invalid value a( for configuration topic.creation.g.include: Syntax error in regular expression: `,
		`Invalid value 0 for configuration topic.creation.g.partitions: Number of partitions must be positive, or -1 to use the broker's default`,
		`Invalid value x for configuration topic.creation.h.replication.factor: Not a number of type SHORT`,
	}
	r := e.expect(http.MethodPost, "/connectors", `{"name":"kip158","config":{`+cfg+`}}`, http.StatusBadRequest, "")
	var body struct{ Message string }
	if err := json.Unmarshal([]byte(r.body), &body); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(body.Message, "Connector configuration is invalid and contains the following 6 error(s):\n") {
		t.Errorf("create: %s", body.Message)
	}
	for _, w := range want {
		if !strings.Contains(body.Message, w) {
			t.Errorf("create: message lacks %q:\n%s", w, body.Message)
		}
	}
	r = e.expect(http.MethodPut, "/connector-plugins/DatagenConnector/config/validate", `{"name":"kip158",`+cfg+`}`, http.StatusOK, "")
	var infos struct {
		ErrorCount int `json:"error_count"`
		Groups     []string
		Configs    []struct {
			Value struct {
				Name   string
				Errors []string
			}
		}
	}
	if err := json.Unmarshal([]byte(r.body), &infos); err != nil {
		t.Fatal(err)
	}
	errs := map[string][]string{}
	for _, c := range infos.Configs {
		errs[c.Value.Name] = c.Value.Errors
	}
	for _, w := range want {
		key := strings.Fields(strings.SplitN(w, "configuration ", 2)[1])[0]
		key = strings.Trim(strings.TrimSuffix(key, ":"), `"`)
		if len(errs[key]) != 1 || !strings.HasPrefix(errs[key][0], w) {
			t.Errorf("validate: %s errors %q, want %q", key, errs[key], w)
		}
	}
	if infos.ErrorCount != len(want) || !strings.Contains(strings.Join(infos.Groups, ","), "Topic Creation") {
		t.Errorf("validate: %d errors, groups %v: %s", infos.ErrorCount, infos.Groups, r.body)
	}
	// Good settings pass both.
	good := `"connector.class":"DatagenConnector","kafka.topic":"t","quickstart":"ratings","topic.creation.groups":"g",` +
		`"topic.creation.default.replication.factor":"-1","topic.creation.default.partitions":"3","topic.creation.default.cleanup.policy":"compact",` +
		`"topic.creation.g.include":"a.*,b","topic.creation.g.exclude":"ab"`
	r = e.expect(http.MethodPut, "/connector-plugins/DatagenConnector/config/validate", `{"name":"ok",`+good+`}`, http.StatusOK, "")
	if !strings.Contains(r.body, `"error_count":0`) {
		t.Errorf("validate good settings: %s", r.body)
	}
	e.expect(http.MethodPost, "/connectors", `{"name":"ok","config":{`+good+`}}`, http.StatusCreated, "")
}
