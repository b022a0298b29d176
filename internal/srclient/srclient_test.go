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

// USER_INFO reads the deprecated schema.registry.basic.auth.user.info
// first, then basic.auth.user.info; SASL_INHERIT takes the username and
// password of sasl.jaas.config's login module (Confluent's credential
// providers); without credentials both are errors.
func TestBasicAuthSources(t *testing.T) {
	var user, pass string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, _ = r.BasicAuth()
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"schema":"\"string\""}`))
	}))
	defer srv.Close()
	for _, c := range []struct {
		props      map[string]string
		user, pass string
	}{
		{map[string]string{KeyAuthSource: "USER_INFO", KeyAuthUserInfo: "new:1", keyDeprecatedUserInfo: "old:2"}, "old", "2"},
		{map[string]string{KeyAuthSource: "USER_INFO", KeyAuthUserInfo: "new:1"}, "new", "1"},
		{map[string]string{KeyAuthSource: "SASL_INHERIT", keySASLJAAS: `org.apache.kafka.common.security.plain.PlainLoginModule required username="sa" password="p w";`}, "sa", "p w"},
	} {
		c.props[KeyURL] = srv.URL
		cl, err := client(t, false, c.props)
		if err != nil {
			t.Fatalf("%v: %v", c.props, err)
		}
		if _, err := cl.SchemaByID(context.Background(), 1); err != nil || user != c.user || pass != c.pass {
			t.Errorf("%v: sent %q:%q (%v), want %q:%q", c.props, user, pass, err, c.user, c.pass)
		}
	}
	for _, props := range []map[string]string{
		{KeyAuthSource: "USER_INFO"},
		{KeyAuthSource: "SASL_INHERIT"},
		{KeyAuthSource: "SASL_INHERIT", keySASLJAAS: `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;`},
	} {
		props[KeyURL] = srv.URL
		if _, err := client(t, false, props); err == nil {
			t.Errorf("%v: no error", props)
		}
	}
}
