package rest_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestDatagenThroughREST runs Confluent's datagen ratings quickstart
// created by its Java class name, then stops it and reads its offsets.
func TestDatagenThroughREST(t *testing.T) {
	e := newEnv(t, nil)
	e.expect(http.MethodPost, "/connectors", `{"name":"ratings","config":{"connector.class":"io.confluent.kafka.connect.datagen.DatagenConnector",`+
		`"kafka.topic":"ratings","quickstart":"ratings","max.interval":"1","iterations":"20","tasks.max":"1"}}`, http.StatusCreated, "")
	e.eventually("/connectors/ratings/status", "RUNNING", running)
	countRecords(t, e.broker, "ratings", 20)
	e.eventually("/connectors/ratings/topics", "topic recorded", func(b string) bool { return b == `{"ratings":{"topics":["ratings"]}}` })
	e.expect(http.MethodPut, "/connectors/ratings/stop", nil, http.StatusNoContent, "")
	r := e.expect(http.MethodGet, "/connectors/ratings/offsets", nil, http.StatusOK, "")
	if !regexp.MustCompile(`^\{"offsets":\[\{"partition":\{"task.id":0\},"offset":\{.*"current.iteration":20[,}]`).MatchString(r.body) {
		t.Fatalf("datagen offsets %s", r.body)
	}
	// Validation by alias, as ksqlDB does before creating.
	r = e.expect(http.MethodPut, "/connector-plugins/DatagenConnector/config/validate",
		`{"connector.class":"io.confluent.kafka.connect.datagen.DatagenConnector","name":"x","kafka.topic":"t","quickstart":"nope"}`, http.StatusOK, "")
	if !strings.Contains(r.body, `"error_count":1,`) || !strings.Contains(r.body, `quickstart \"nope\" is not supported`) {
		t.Fatalf("datagen validate %s", r.body)
	}
}
