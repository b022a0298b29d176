package mongodb

import (
	"context"
	"slices"
	"testing"

	"github.com/goconnect/goconnect/connect"
)

var _ connect.ConfigReporter = (*SinkConnector)(nil)

// TestReportedKeysResource checks the embedded resource: MongoDB's sink
// 1.13.0 keys in its order and groups.
func TestReportedKeysResource(t *testing.T) {
	keys := (&SinkConnector{}).ReportedKeys()
	if len(keys) != 53 {
		t.Fatalf("%d keys, want MongoDB 1.13.0's 53", len(keys))
	}
	if keys[0].Name != "topics" || *keys[0].Group != "Connection" || keys[2].Name != "connection.uri" || keys[2].Type != "PASSWORD" {
		t.Errorf("first keys %+v %+v, want topics (Connection) … connection.uri (PASSWORD)", keys[0], keys[2])
	}
}

// TestReportConfigKafkaMessages checks values and messages as MongoDB's
// sink gave them on the Java reference worker for the same config.
func TestReportConfigKafkaMessages(t *testing.T) {
	got := map[string][]string{}
	values := map[string]*string{}
	for _, v := range (&SinkConnector{}).ReportConfig(context.Background(), map[string]string{
		"topics": "t1", "connection.uri": "mongodb://h", "max.batch.size": "-1", "delete.on.null.values": "x",
		"key.projection.type": "bogus", "rate.limiting.every.n": "y"}) {
		if len(v.Errors) > 0 {
			got[v.Name] = v.Errors
		}
		values[v.Name] = v.Value
	}
	want := map[string][]string{
		"database":              {`Missing required configuration "database" which has no default value.`},
		"max.batch.size":        {"Invalid value -1 for configuration max.batch.size: Value must be at least 0"},
		"delete.on.null.values": {"Invalid value x for configuration delete.on.null.values: Expected value to be either true or false"},
		"key.projection.type":   {"Invalid value bogus for configuration key.projection.type: Invalid enumerator value. Should be one of: [none, blacklist, whitelist, allowlist, blocklist]"},
		"rate.limiting.every.n": {"Invalid value y for configuration rate.limiting.every.n: Not a number of type INT", "Invalid value null for configuration rate.limiting.every.n: Value must be non-null"},
	}
	for k, w := range want {
		if !slices.Equal(got[k], w) {
			t.Errorf("%s: %q, want %q", k, got[k], w)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected errors on %s: %q", k, got[k])
		}
	}
	for k, w := range map[string]string{"topics": "t1", "connection.uri": "[hidden]", "max.batch.size": "-1", "bulk.write.ordered": "true"} {
		if values[k] == nil || *values[k] != w {
			t.Errorf("%s: value %v, want %q", k, values[k], w)
		}
	}
	for _, k := range []string{"delete.on.null.values", "rate.limiting.every.n", "database"} {
		if values[k] != nil {
			t.Errorf("%s: value %q, want none (does not parse / no default)", k, *values[k])
		}
	}
}
