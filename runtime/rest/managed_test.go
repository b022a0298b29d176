package rest_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/config"
)

// managed is a source connector that manages offsets itself
// (connect.OffsetsAlterer); its task produces nothing.
type managed struct{ props map[string]string }

func testPlugins() []connect.PluginDesc {
	return []connect.PluginDesc{{Class: "test.ManagedSourceConnector", Type: connect.TypeSource, Version: "undefined",
		New: func() any { return &managed{} }}}
}

func (*managed) Version() string        { return "undefined" }
func (*managed) ConfigDef() *config.Def { return config.NewDef() }
func (m *managed) Start(_ context.Context, p map[string]string) error {
	m.props = p
	return nil
}
func (m *managed) TaskConfigs(int) ([]map[string]string, error) {
	return []map[string]string{m.props}, nil
}
func (*managed) Stop() error                 { return nil }
func (*managed) NewTask() connect.SourceTask { return idleTask{} }

// AlterOffsets rejects a partition named "bad" and reports the change as
// applied; a connector configured with unsupported=true refuses changes.
func (*managed) AlterOffsets(props map[string]string, offsets []connect.PartitionOffset) (bool, error) {
	if props["unsupported"] == "true" {
		return false, connect.ErrOffsetsUnsupported
	}
	for _, o := range offsets {
		if o.Partition["p"] == "bad" {
			return false, errors.New("partition bad is not one of mine")
		}
	}
	return true, nil
}

type idleTask struct{}

func (idleTask) Start(context.Context, connect.SourceTaskContext, map[string]string) error {
	return nil
}
func (idleTask) Poll(ctx context.Context) ([]connect.SourceRecord, error) {
	<-ctx.Done()
	return nil, nil
}
func (idleTask) Stop() error { return nil }

// TestConnectorManagedOffsets checks the answers when the connector
// takes part in an offsets change (KIP-875 alterOffsets).
func TestConnectorManagedOffsets(t *testing.T) {
	e := newEnv(t, nil)
	e.expect(http.MethodPost, "/connectors", `{"name":"m","config":{"connector.class":"test.ManagedSourceConnector"},"initial_state":"STOPPED"}`, http.StatusCreated, "")
	e.expect(http.MethodPatch, "/connectors/m/offsets", `{"offsets":[{"partition":{"p":"a"},"offset":{"n":1}}]}`, http.StatusOK,
		`{"message":"The offsets for this connector have been altered successfully"}`)
	e.expect(http.MethodGet, "/connectors/m/offsets", nil, http.StatusOK, `{"offsets":[{"partition":{"p":"a"},"offset":{"n":1}}]}`)
	e.expect(http.MethodPatch, "/connectors/m/offsets", `{"offsets":[{"partition":{"p":"bad"},"offset":{"n":1}}]}`, http.StatusInternalServerError,
		`{"error_code":500,"message":"partition bad is not one of mine"}`)
	e.expect(http.MethodDelete, "/connectors/m/offsets", nil, http.StatusOK, `{"message":"The offsets for this connector have been reset successfully"}`)
	e.expect(http.MethodGet, "/connectors/m/offsets", nil, http.StatusOK, `{"offsets":[]}`)

	e.expect(http.MethodPost, "/connectors", `{"name":"u","config":{"connector.class":"ManagedSource","unsupported":"true"},"initial_state":"STOPPED"}`, http.StatusCreated, "")
	e.expect(http.MethodDelete, "/connectors/u/offsets", nil, http.StatusInternalServerError,
		`{"error_code":500,"message":"Failed to modify offsets for connector u because it doesn't support external modification of offsets"}`)
	// A plugin whose version is "undefined" is listed without one.
	r := e.expect(http.MethodGet, "/connector-plugins", nil, http.StatusOK, "")
	if want := `{"class":"test.ManagedSourceConnector","type":"source"}`; !strings.Contains(r.body, want) {
		t.Fatalf("plugin list lacks %s: %s", want, r.body)
	}
}
