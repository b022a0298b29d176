package mysql

import (
	"context"
	"net"
	"slices"
	"strconv"
	"testing"

	"github.com/goconnect/goconnect/connect"
)

var _ connect.ConfigReporter = (*Connector)(nil)

// TestDebeziumKeysResource checks the embedded resource: Debezium 2.7.3's
// 100 MySqlConnector keys in its groups, each validator known.
func TestDebeziumKeysResource(t *testing.T) {
	keys, err := debeziumKeys()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 100 {
		t.Fatalf("%d keys, want Debezium 2.7.3's 100", len(keys))
	}
	groups := map[string]bool{}
	for _, k := range keys {
		if k.Group != nil {
			groups[*k.Group] = true
		}
	}
	for _, g := range []string{"MySQL", "Connector", "History Storage", "Events"} {
		if !groups[g] {
			t.Errorf("no key in group %s", g)
		}
	}
	first := (&Connector{}).ReportedKeys()[0]
	if first.Name != "topic.prefix" || first.DisplayName != "Topic prefix" || first.Order != 1 || *first.Group != "MySQL" {
		t.Errorf("first key %+v, want topic.prefix (MySQL, 1, Topic prefix)", first)
	}
}

// closedAddr is a local port nothing listens on.
func closedAddr(t *testing.T) (string, string) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().(*net.TCPAddr)
	l.Close()
	return "127.0.0.1", strconv.Itoa(addr.Port)
}

func reportErrors(t *testing.T, props map[string]string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, v := range (&Connector{}).ReportConfig(context.Background(), props) {
		if v.Value != nil {
			t.Errorf("%s: value %q reported, Debezium reports none", v.Name, *v.Value)
		}
		if len(v.Errors) > 0 {
			out[v.Name] = v.Errors
		}
	}
	return out
}

// TestReportConfigDebeziumMessages checks the messages Debezium 2.7.3 gave
// for the same configs on the Java reference worker.
func TestReportConfigDebeziumMessages(t *testing.T) {
	host, port := closedAddr(t)
	valid := map[string]string{"database.hostname": host, "database.port": port, "database.user": "u",
		"database.password": "p", "database.server.id": "1234", "topic.prefix": "p1"}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range valid {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "<absent>" {
				delete(m, kv[i])
				continue
			}
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for _, c := range []struct {
		name  string
		props map[string]string
		want  map[string][]string
	}{
		{"empty", map[string]string{}, map[string][]string{
			"topic.prefix":       {"The 'topic.prefix' value is invalid: A value is required"},
			"database.hostname":  {"The 'database.hostname' value is invalid: A value is required"},
			"database.user":      {"The 'database.user' value is invalid: A value is required"},
			"database.server.id": {"The 'database.server.id' value is invalid: A value is required"},
		}},
		{"bogus enum", with("snapshot.mode", "bogus"), map[string][]string{"snapshot.mode": {
			"The 'snapshot.mode' value is invalid: Value must be one of always, never, initial_only, configuration_based, when_needed, initial, custom, schema_only, no_data, recovery, schema_only_recovery"}}},
		{"bad ints", with("database.port", "abc", "max.batch.size", "x"), map[string][]string{
			"database.port":  {"The 'database.port' value is invalid: An integer is expected", "The 'database.port' value is invalid: An integer is expected"},
			"max.batch.size": {"The 'max.batch.size' value is invalid: An integer is expected", "The 'max.batch.size' value is invalid: A positive, non-zero integer value is expected"},
		}},
		{"adaptive", with("time.precision.mode", "adaptive"), map[string][]string{"time.precision.mode": {
			"The 'time.precision.mode' value is invalid: The 'adaptive' time.precision.mode is no longer supported"}}},
		{"server id", with("database.server.id", ""), map[string][]string{"database.server.id": {
			"The 'database.server.id' value is invalid: A long value is expected",
			"The 'database.server.id' value is invalid: A positive, non-zero long value is expected",
			"The 'database.server.id' value is invalid: A value is required"}}},
		{"queue", with("max.queue.size", "0"), map[string][]string{"max.queue.size": {
			"The 'max.queue.size' value is invalid: A positive queue size is required",
			"The 'max.queue.size' value is invalid: Must be larger than the maximum batch size"}}},
		{"prefix", with("topic.prefix", " 5 "), map[string][]string{"topic.prefix": {
			"The 'topic.prefix' value is invalid:  5  has invalid format (only the underscore, hyphen, dot and alphanumeric characters are allowed)"}}},
		{"key columns", with("message.key.columns", ""), map[string][]string{"message.key.columns": {
			"The 'message.key.columns' value is invalid: Must not be empty",
			"The 'message.key.columns' value is invalid:  has an invalid format (expecting '^\\s*([^\\s:]+):([^:\\s]+)\\s*$')"}}},
		{"regex", with("table.include.list", "a,(b"), map[string][]string{"table.include.list": {
			"The 'table.include.list' value is invalid: A comma-separated list of valid regular expressions is expected, but Unclosed group near index 2\n(b",
			"The 'table.include.list' value is invalid: A comma-separated list of valid regular expressions is expected, but Unclosed group near index 2\n(b"}}},
		{"locking", with("snapshot.locking.mode", "x"), map[string][]string{"snapshot.locking.mode": {
			"The 'snapshot.locking.mode' value is invalid: Must be a valid snapshot.locking.mode value",
			"The 'snapshot.locking.mode' value is invalid: Value must be one of minimal, minimal_percona, custom, none, extended"}}},
		{"class", with("schema.history.internal", "0"), map[string][]string{"schema.history.internal": {
			"The 'schema.history.internal' value is invalid: A Java class name is expected"}}},
		// goconnect's own refusal of a setting it does not implement, on its key.
		{"unsupported", with("include.query", "true"), map[string][]string{"include.query": {"include.query=true is not supported by goconnect yet"}}},
		{"unsupported masking", with("column.mask.with.5.chars", "demo.t.c"), map[string][]string{"column.mask.with.5.chars": {"column.mask.with.5.chars=demo.t.c is not supported by goconnect yet"}}},
		{"unsupported naming", with("topic.naming.strategy", "io.debezium.schema.DefaultTopicNamingStrategy"), map[string][]string{"topic.naming.strategy": {"topic.naming.strategy=io.debezium.schema.DefaultTopicNamingStrategy is not supported by goconnect yet"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := reportErrors(t, c.props)
			for k, want := range c.want {
				if !slices.Equal(got[k], want) {
					t.Errorf("%s: errors %q, want %q", k, got[k], want)
				}
			}
			for k, errs := range got {
				if _, ok := c.want[k]; !ok {
					t.Errorf("unexpected errors on %s: %q", k, errs)
				}
			}
		})
	}
}

// TestReportConfigConnectionTest checks that a config without errors is
// tested against the server, the failure reported on database.hostname.
func TestReportConfigConnectionTest(t *testing.T) {
	host, port := closedAddr(t)
	got := reportErrors(t, map[string]string{"database.hostname": host, "database.port": port, "database.user": "u",
		"database.password": "p", "database.server.id": "1234", "topic.prefix": "p1"})
	want := "Unable to connect: Communications link failure\n\nThe last packet sent successfully to the server was 0 milliseconds ago. The driver has not received any packets from the server."
	if len(got) != 1 || len(got["database.hostname"]) != 1 || got["database.hostname"][0] != want {
		t.Fatalf("errors %q, want Debezium's %q on database.hostname", got, want)
	}
}
