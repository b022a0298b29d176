package rest_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/runtime/connectorconfig"
	"github.com/goconnect/goconnect/runtime/rest"
)

// eosManaged is the managed test source answering the exactly-once
// preflight with fixed values.
type eosManaged struct {
	managed
	support    connect.ExactlyOnceSupport
	boundaries connect.TransactionBoundarySupport
}

func (m *eosManaged) ExactlyOnceSupport(map[string]string) (connect.ExactlyOnceSupport, error) {
	return m.support, nil
}

func (m *eosManaged) CanDefineTransactionBoundaries(map[string]string) (connect.TransactionBoundarySupport, error) {
	return m.boundaries, nil
}

// PUT /connector-plugins/{class}/config/validate on a distributed worker
// with exactly-once source support reports the connector's refusals of
// exactly.once.support=required and transaction.boundary=connector on
// those keys, counted in error_count; a connector saying it supports both
// has no error, and a standalone server reports none.
func TestValidateExactlyOncePreflight(t *testing.T) {
	e := newEnvLog(t, nil, nil,
		connect.PluginDesc{Class: "test.YesSourceConnector", Type: connect.TypeSource, New: func() any {
			return &eosManaged{support: connect.ExactlyOnceSupported, boundaries: connect.TransactionBoundariesSupported}
		}},
		connect.PluginDesc{Class: "test.NoSourceConnector", Type: connect.TypeSource, New: func() any {
			return &eosManaged{support: connect.ExactlyOnceUnsupported, boundaries: connect.TransactionBoundariesUnsupported}
		}})
	srv := rest.New(rest.Config{Herder: e.herder, Log: newTestLog(),
		SourcePreflight: connectorconfig.SourcePreflight{Distributed: true, ExactlyOnce: true}})
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	distributed := &env{t: t, url: hs.URL}

	validate := func(e *env, class string) (int, map[string][]string) {
		t.Helper()
		r := e.expect(http.MethodPut, "/connector-plugins/"+class+"/config/validate",
			`{"connector.class":"`+class+`","name":"v","exactly.once.support":"required","transaction.boundary":"connector"}`, http.StatusOK, "")
		var infos struct {
			ErrorCount int `json:"error_count"`
			Configs    []struct {
				Value struct {
					Name   string   `json:"name"`
					Errors []string `json:"errors"`
				} `json:"value"`
			} `json:"configs"`
		}
		if err := json.Unmarshal([]byte(r.body), &infos); err != nil {
			t.Fatal(err)
		}
		errs := map[string][]string{}
		for _, c := range infos.Configs {
			if len(c.Value.Errors) > 0 {
				errs[c.Value.Name] = c.Value.Errors
			}
		}
		return infos.ErrorCount, errs
	}
	boundary := "The connector does not support connector-defined transaction boundaries with the given configuration. " +
		"Please reconfigure it to use a different transaction boundary definition."
	for _, tc := range []struct {
		env   *env
		class string
		want  map[string][]string
	}{
		{distributed, "test.ManagedSourceConnector", map[string][]string{
			"exactly.once.support": {"The connector does not implement the API required for preflight validation of exactly-once source support. " +
				"Please consult the documentation for the connector to determine whether it supports exactly-once semantics, " +
				"and then consider reconfiguring the connector to use the value \"requested\" for this property " +
				"(which will disable this preflight check and allow the connector to be created)."},
			"transaction.boundary": {boundary}}},
		{distributed, "test.NoSourceConnector", map[string][]string{
			"exactly.once.support": {"The connector does not support exactly-once semantics with the provided configuration."},
			"transaction.boundary": {boundary}}},
		{distributed, "test.YesSourceConnector", map[string][]string{}},
		{e, "test.NoSourceConnector", map[string][]string{}},
	} {
		n, errs := validate(tc.env, tc.class)
		if !reflect.DeepEqual(errs, tc.want) || n != len(tc.want) {
			t.Errorf("%s (standalone %v): error_count %d, errors %q\nwant %q", tc.class, tc.env == e, n, errs, tc.want)
		}
	}
}
