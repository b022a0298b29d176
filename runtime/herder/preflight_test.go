package herder

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/runtime/connectorconfig"
	"github.com/goconnect/goconnect/runtime/plugins"
)

// eosSource answers the exactly-once preflight as configured, and
// records the config it was asked about.
type eosSource struct {
	testSource
	support    connect.ExactlyOnceSupport
	boundaries connect.TransactionBoundarySupport
	err        error
	asked      *map[string]string
}

func (s eosSource) ExactlyOnceSupport(props map[string]string) (connect.ExactlyOnceSupport, error) {
	if s.asked != nil {
		*s.asked = props
	}
	return s.support, s.err
}

func (s eosSource) CanDefineTransactionBoundaries(map[string]string) (connect.TransactionBoundarySupport, error) {
	return s.boundaries, s.err
}

const (
	nullSupportMsg = "The connector does not implement the API required for preflight validation of exactly-once source support. " +
		"Please consult the documentation for the connector to determine whether it supports exactly-once semantics, " +
		"and then consider reconfiguring the connector to use the value \"requested\" for this property " +
		"(which will disable this preflight check and allow the connector to be created)."
	unsupportedMsg = "The connector does not support exactly-once semantics with the provided configuration."
	boundaryMsg    = "The connector does not support connector-defined transaction boundaries with the given configuration. " +
		"Please reconfigure it to use a different transaction boundary definition."
	nullBoundaryMsg = "This connector has returned a null value from its canDefineTransactionBoundaries method, which is not permitted. " +
		"The connector will be treated as if it cannot define its own transaction boundaries, and cannot be configured with " +
		"'transaction.boundary' set to 'connector'."
	notEnabledMsg = "This worker does not have exactly-once source support enabled."
)

func invalidMsg(errs ...string) string {
	return "Connector configuration is invalid and contains the following " + strconv.Itoa(len(errs)) + " error(s):\n" +
		strings.Join(errs, "\n") +
		"\nYou can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`"
}

func TestParseConnectorExactlyOncePreflight(t *testing.T) {
	var asked map[string]string
	reg, err := plugins.NewRegistry(
		connect.PluginDesc{Class: "org.example.PlainSourceConnector", Type: connect.TypeSource, New: func() any { return testSource{} }},
		connect.PluginDesc{Class: "org.example.YesSourceConnector", Type: connect.TypeSource, New: func() any {
			return eosSource{support: connect.ExactlyOnceSupported, boundaries: connect.TransactionBoundariesSupported, asked: &asked}
		}},
		connect.PluginDesc{Class: "org.example.NoSourceConnector", Type: connect.TypeSource, New: func() any {
			return eosSource{support: connect.ExactlyOnceUnsupported, boundaries: connect.TransactionBoundariesUnsupported}
		}},
		connect.PluginDesc{Class: "org.example.NullSourceConnector", Type: connect.TypeSource, New: func() any { return eosSource{} }},
		connect.PluginDesc{Class: "org.example.FailingSourceConnector", Type: connect.TypeSource, New: func() any {
			return eosSource{err: errors.New(" cannot reach the database ")}
		}},
		connect.PluginDesc{Class: "org.example.BlankFailingSourceConnector", Type: connect.TypeSource, New: func() any {
			return eosSource{err: errors.New(" ")}
		}},
	)
	if err != nil {
		t.Fatal(err)
	}
	eos := connectorconfig.SourcePreflight{Distributed: true, ExactlyOnce: true}
	distributed := connectorconfig.SourcePreflight{Distributed: true}
	props := func(class string, kv ...string) map[string]string {
		p := map[string]string{"name": "c", "connector.class": class, "path": "/x"}
		for i := 0; i+1 < len(kv); i += 2 {
			p[kv[i]] = kv[i+1]
		}
		return p
	}
	for _, tc := range []struct {
		name      string
		preflight connectorconfig.SourcePreflight
		props     map[string]string
		msg       string // "" accepted
	}{
		{"required, connector without the API", eos, props("PlainSource", "exactly.once.support", "required"), invalidMsg(nullSupportMsg)},
		{"required, connector answering null", eos, props("NullSource", "exactly.once.support", "required"), invalidMsg(nullSupportMsg)},
		{"required, unsupported", eos, props("NoSource", "exactly.once.support", "required"), invalidMsg(unsupportedMsg)},
		{"required, supported", eos, props("YesSource", "exactly.once.support", " REQUIRED "), ""},
		{"required, connector failing", eos, props("FailingSource", "exactly.once.support", "required"),
			invalidMsg("An unexpected error occurred during validation: cannot reach the database")},
		{"required, connector failing without a message", eos, props("BlankFailingSource", "exactly.once.support", "required"),
			invalidMsg("An unexpected error occurred during validation; please see the worker logs for more details.")},
		{"required on a worker without exactly-once", distributed, props("YesSource", "exactly.once.support", "required"), invalidMsg(notEnabledMsg)},
		{"required on a worker without exactly-once, unsupported", distributed, props("NoSource", "exactly.once.support", "required"),
			invalidMsg(notEnabledMsg, unsupportedMsg)},
		{"requested is never checked", eos, props("NoSource", "exactly.once.support", "requested"), ""},
		{"connector boundaries, connector without the API", eos, props("PlainSource", "transaction.boundary", "connector"), invalidMsg(boundaryMsg)},
		{"connector boundaries, unsupported", eos, props("NoSource", "transaction.boundary", "Connector"), invalidMsg(boundaryMsg)},
		{"connector boundaries, null", eos, props("NullSource", "transaction.boundary", "connector"), invalidMsg(nullBoundaryMsg)},
		{"connector boundaries, supported", eos, props("YesSource", "transaction.boundary", "connector"), ""},
		{"connector boundaries on a worker without exactly-once", distributed, props("PlainSource", "transaction.boundary", "connector"), invalidMsg(boundaryMsg)},
		{"poll boundaries are never checked", eos, props("NoSource", "transaction.boundary", "poll"), ""},
		{"both, with another invalid key", eos, props("PlainSource", "exactly.once.support", "required", "transaction.boundary", "connector", "tasks.max", "0"),
			invalidMsg("Invalid value 0 for configuration tasks.max: Value must be at least 1", nullSupportMsg, boundaryMsg)},
		{"standalone checks nothing", connectorconfig.SourcePreflight{}, props("PlainSource", "exactly.once.support", "required", "transaction.boundary", "connector"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConnector(reg, nil, connectorconfig.DefaultOverridePolicy, tc.preflight, tc.props)
			switch {
			case tc.msg == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.msg == "":
			case err == nil:
				t.Fatal("accepted")
			case kindOf(err) != ErrBadRequest || err.Error() != tc.msg:
				t.Errorf("%v: %s\nwant 400:\n%s", kindOf(err), err, tc.msg)
			}
		})
	}
	// The connector is asked about the config as given (resolved), name included.
	asked = nil
	if _, err := ParseConnector(reg, nil, connectorconfig.DefaultOverridePolicy, eos, props("YesSource", "exactly.once.support", "required")); err != nil {
		t.Fatal(err)
	}
	if asked["path"] != "/x" || asked["name"] != "c" || asked["exactly.once.support"] != "required" {
		t.Errorf("connector asked about %v", asked)
	}
}
