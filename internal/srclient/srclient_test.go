package srclient

import (
	"errors"
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
