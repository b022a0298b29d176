package srclient

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/goconnect/goconnect/connect/config"
)

func client(t *testing.T, isKey bool, props map[string]string) (*Client, error) {
	t.Helper()
	v, err := Define(config.NewDef()).Parse(props)
	if err != nil {
		t.Fatal(err)
	}
	return New(v, props, isKey)
}

func TestSubjectNameStrategies(t *testing.T) {
	for _, c := range []struct {
		strategy string
		isKey    bool
		record   string
		want     string
	}{
		{StrategyTopic, false, "r.Rec", "orders-value"},
		{StrategyTopic, true, "", "orders-key"},
		{StrategyRecord, false, "r.Rec", "r.Rec"},
		{StrategyTopicName, true, "r.Rec", "orders-r.Rec"},
	} {
		key := KeyValueStrategy
		if c.isKey {
			key = KeyKeyStrategy
		}
		cl, err := client(t, c.isKey, map[string]string{KeyURL: "http://127.0.0.1:1", key: c.strategy})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := cl.Subject("orders", c.record); err != nil || got != c.want {
			t.Errorf("%s key=%v: %q %v, want %q", c.strategy, c.isKey, got, err, c.want)
		}
	}
	cl, _ := client(t, false, map[string]string{KeyURL: "http://127.0.0.1:1", KeyValueStrategy: StrategyRecord})
	if _, err := cl.Subject("orders", ""); err == nil {
		t.Error("RecordNameStrategy accepted a schema without a name")
	}
}

func TestConfigErrorsNameTheKey(t *testing.T) {
	for _, c := range []struct {
		props map[string]string
		key   string
	}{
		{map[string]string{KeyURL: "http://x", KeyValueStrategy: "Nope"}, KeyValueStrategy},
		{map[string]string{KeyURL: "http://x", KeyAuthSource: "USER_INFO", KeyAuthUserInfo: "nocolon"}, KeyAuthUserInfo},
		{map[string]string{KeyURL: "http://x", "schema.registry.ssl.truststore.location": "/nowhere"}, KeyURL},
	} {
		_, err := client(t, false, c.props)
		var ce *config.Error
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), c.key) {
			t.Errorf("%v: %v, want an error naming %s", c.props, err, c.key)
		}
	}
}

// Confluent serde settings that change the bytes or the subject and that
// goconnect does not implement are refused, naming the key, rather than
// ignored; their defaults (and the prefix-only deserializer) are accepted.
func TestUnsupportedSerdeSettingsRefused(t *testing.T) {
	url := map[string]string{KeyURL: "http://127.0.0.1:1"}
	with := func(k, v string) map[string]string {
		m := map[string]string{k: v}
		for a, b := range url {
			m[a] = b
		}
		return m
	}
	for k, v := range map[string]string{
		"context.name.strategy":        "io.confluent.kafka.serializers.context.strategy.TopicContextNameStrategy",
		"value.schema.id.serializer":   "io.confluent.kafka.serializers.schema.id.HeaderSchemaIdSerializer",
		"key.schema.id.serializer":     "io.confluent.kafka.serializers.schema.id.HeaderSchemaIdSerializer",
		"value.schema.id.deserializer": "x.Custom",
		"use.schema.guid":              "a1b2",
		"schema.format":                "serialized",
	} {
		_, err := client(t, false, with(k, v))
		var ce *config.Error
		if !errors.As(err, &ce) || ce.Key != k || !strings.Contains(err.Error(), "not supported by goconnect") {
			t.Errorf("%s=%s: %v", k, v, err)
		}
	}
	for k, v := range map[string]string{
		"context.name.strategy":        "io.confluent.kafka.serializers.context.NullContextNameStrategy",
		"value.schema.id.serializer":   "io.confluent.kafka.serializers.schema.id.PrefixSchemaIdSerializer",
		"value.schema.id.deserializer": "io.confluent.kafka.serializers.schema.id.PrefixSchemaIdDeserializer",
		"key.schema.id.deserializer":   "io.confluent.kafka.serializers.schema.id.DualSchemaIdDeserializer",
		"use.schema.guid":              "",
	} {
		if _, err := client(t, true, with(k, v)); err != nil {
			t.Errorf("%s=%s refused: %v", k, v, err)
		}
	}
}

// bearer.auth.credentials.source=STATIC_TOKEN sends bearer.auth.token (and
// the logical cluster and identity pool headers) as Confluent's
// StaticTokenCredentialProvider does; setting both basic and bearer
// sources, a missing token, or another bearer source is an error.
func TestBearerAuth(t *testing.T) {
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"schema":"\"string\""}`))
	}))
	defer srv.Close()
	c, err := client(t, false, map[string]string{KeyURL: srv.URL, KeyBearerSource: "STATIC_TOKEN", KeyBearerToken: "tok",
		KeyBearerCluster: "lsrc-1", KeyBearerPool: "pool-2"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.SchemaByID(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	if got.Get("Authorization") != "Bearer tok" || got.Get("target-sr-cluster") != "lsrc-1" || got.Get("Confluent-Identity-Pool-Id") != "pool-2" {
		t.Errorf("headers %v", got)
	}
	for _, c := range []struct {
		props map[string]string
		key   string
	}{
		{map[string]string{KeyBearerSource: "STATIC_TOKEN", KeyBearerToken: "t", KeyAuthSource: "USER_INFO"}, KeyBearerSource},
		{map[string]string{KeyBearerSource: "STATIC_TOKEN"}, KeyBearerToken},
		{map[string]string{KeyBearerSource: "OAUTHBEARER"}, KeyBearerSource},
	} {
		c.props[KeyURL] = srv.URL
		_, err := client(t, false, c.props)
		var ce *config.Error
		if !errors.As(err, &ce) || ce.Key != c.key {
			t.Errorf("%v: %v, want an error on %s", c.props, err, c.key)
		}
	}
}
