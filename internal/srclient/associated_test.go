package srclient

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/goconnect/goconnect/schemaregistry/srtest"
)

// AssociatedNameStrategy against goconnect's registry: the associated
// subject of the topic's key or value (in the cluster's namespace, or any
// without one), the fallback strategy without an association or with a
// registry lacking the endpoint (404), errors for two associations or no
// fallback, and each topic looked up once.
func TestAssociatedNameStrategy(t *testing.T) {
	srv := srtest.New(t)
	post := func(body string) {
		t.Helper()
		resp, err := http.Post(srv.URL+"/associations", "application/json", strings.NewReader(body))
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("create association: %v %v", resp, err)
		}
		resp.Body.Close()
	}
	post(`{"resourceName":"orders","resourceNamespace":"lkc-1","resourceId":"id1","associations":[{"associationType":"value","schema":{"schema":"\"string\""}}]}`)
	post(`{"resourceName":"dup","resourceNamespace":"lkc-1","resourceId":"id2","associations":[{"associationType":"value","schema":{"schema":"\"int\""}}]}`)
	post(`{"resourceName":"dup","resourceNamespace":"lkc-2","resourceId":"id3","associations":[{"associationType":"value","schema":{"schema":"\"long\""}}]}`)

	for _, c := range []struct {
		props         map[string]string
		isKey         bool
		topic, record string
		want, err     string
	}{
		{map[string]string{}, false, "orders", "", ":.lkc-1:orders-value", ""},
		{map[string]string{KeyAssocClusterID: "lkc-1"}, false, "orders", "", ":.lkc-1:orders-value", ""},
		{map[string]string{KeyAssocClusterID: "lkc-9"}, false, "orders", "", "orders-value", ""},
		{map[string]string{}, true, "orders", "", "orders-key", ""},
		{map[string]string{KeyAssocFallback: "topic_record"}, true, "orders", "t.R", "orders-t.R", ""},
		{map[string]string{KeyAssocFallback: "RECORD"}, false, "other", "t.R", "t.R", ""},
		{map[string]string{KeyAssocFallback: "NONE"}, false, "other", "", "", "No associated subject found for topic other"},
		{map[string]string{}, false, "dup", "", "", "Multiple associated subjects found for topic dup"},
		{map[string]string{KeyAssocClusterID: "lkc-2"}, false, "dup", "", ":.lkc-2:dup-value", ""},
	} {
		props := map[string]string{KeyURL: srv.URL, KeyValueStrategy: StrategyAssociated, KeyKeyStrategy: StrategyAssociated}
		for k, v := range c.props {
			props[k] = v
		}
		cl, err := client(t, c.isKey, props)
		if err != nil {
			t.Fatal(err)
		}
		got, err := cl.Subject(c.topic, c.record)
		if got != c.want || (err == nil) != (c.err == "") || (err != nil && err.Error() != c.err) {
			t.Errorf("%v key=%v %s: %q %v, want %q %q", c.props, c.isKey, c.topic, got, err, c.want, c.err)
		}
	}
	// Found once, then kept (cache.expiry.secs unset).
	cl, _ := client(t, false, map[string]string{KeyURL: srv.URL, KeyValueStrategy: StrategyAssociated})
	n := srv.Requests("/associations/resources/")
	for range 3 {
		if got, err := cl.Subject("orders", ""); got != ":.lkc-1:orders-value" || err != nil {
			t.Fatalf("%q %v", got, err)
		}
	}
	if got := srv.Requests("/associations/resources/") - n; got != 1 {
		t.Errorf("%d look-ups for three subjects of one topic", got)
	}
	// A registry without associations: the fallback.
	old := httptest.NewServer(http.NotFoundHandler())
	defer old.Close()
	cl, _ = client(t, false, map[string]string{KeyURL: old.URL, KeyValueStrategy: StrategyAssociated})
	if got, err := cl.Subject("orders", ""); got != "orders-value" || err != nil {
		t.Errorf("without the endpoint: %q %v", got, err)
	}
	for k, v := range map[string]string{KeyAssocFallback: "OTHER", KeyAssocCacheSize: "x", KeyAssocCacheExpiry: "1.5"} {
		if _, err := client(t, false, map[string]string{KeyURL: srv.URL, KeyValueStrategy: StrategyAssociated, k: v}); err == nil {
			t.Errorf("%s=%s accepted", k, v)
		}
	}
}
