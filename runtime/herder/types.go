package herder

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/internal/mask"
	"github.com/goconnect/goconnect/runtime/configprovider"
	"github.com/goconnect/goconnect/runtime/connectorconfig"
	"github.com/goconnect/goconnect/runtime/plugins"
	"github.com/goconnect/goconnect/runtime/status"
)

// Info is what GET /connectors/{name} shows.
type Info struct {
	Name   string
	Config map[string]string
	// Keys is Config's key order as stored, when the store keeps it.
	Keys []string
	// Tasks is the number of tasks the connector currently has.
	Tasks int
	Type  connect.PluginType
}

// ConnectorStatus is a connector's state and its tasks' states.
type ConnectorStatus struct {
	Name      string
	Connector status.Status
	Tasks     map[int]status.Status
	Type      connect.PluginType
}

// ConnectorOffset is one partition and its offset, as the offsets
// endpoints show them; a nil Offset resets the partition.
type ConnectorOffset struct {
	Partition map[string]any
	Offset    map[string]any
}

// ParseConnector checks a config as Connect 4.1's create/update does: no
// class, an unknown class and invalid keys are 400s, the last listing
// every error. The checks and the plugins see the config with its
// placeholders resolved by tr (as Connect validates the transformed
// config); the result keeps props as Raw. A provider that cannot read
// its source is a 500, as Connect's ConfigException there. Client overrides
// the worker's connector.client.config.override.policy refuses are invalid
// keys too, and so are the exactly-once settings a distributed worker's
// preflight finds the source connector cannot honour.
func ParseConnector(reg *plugins.Registry, tr *configprovider.Transformer, policy connectorconfig.OverridePolicy,
	preflight connectorconfig.SourcePreflight, props map[string]string) (*connectorconfig.Parsed, error) {
	class := strings.TrimSpace(props[connectorconfig.ConnectorClass])
	if class == "" {
		return nil, &Error{Kind: ErrBadRequest, Msg: "Connector config " + JavaMapString(mask.Props(props)) + " contains no connector type",
			Cause: MissingClass()}
	}
	d, err := reg.Lookup(class, connect.TypeSource, connect.TypeSink)
	if err != nil {
		// Connect 4.1 answers 400 with the loader's ConnectException text
		// (its class name first) and each connector's PluginDesc.
		return nil, &Error{Kind: ErrBadRequest, Msg: "org.apache.kafka.connect.errors.ConnectException: " +
			"Failed to find any class that implements Connector and which name matches " +
			class + ", available connectors are: " + strings.Join(connectorClasses(reg), ", "),
			Cause: &config.Error{Key: connectorconfig.ConnectorClass, Value: class, Message: err.Error()}}
	}
	parsed, err := connectorconfig.ParseResolved(reg, tr, props)
	var re *connectorconfig.ResolveError
	if errors.As(err, &re) {
		return nil, &Error{Kind: ErrServer, Msg: err.Error(), Cause: err}
	}
	if perr := policy.Check(props); perr != nil {
		err = errors.Join(err, perr)
	}
	// The preflight sees the resolved config even when other keys are
	// invalid, as Connect reports every error at once.
	resolved, terr := props, error(nil)
	if parsed != nil {
		resolved = parsed.Props
	} else {
		resolved, terr = tr.Transform(props)
	}
	if terr == nil {
		if perr := preflight.Check(d.New(), resolved, nil); perr != nil {
			err = errors.Join(err, perr)
		}
	}
	if err != nil {
		return nil, InvalidConfig(err)
	}
	return parsed, nil
}

func connectorClasses(reg *plugins.Registry) []string {
	var out []string
	for _, d := range reg.All() {
		if d.Type == connect.TypeSource || d.Type == connect.TypeSink {
			// PluginDesc.toString; built-in plugins are on the class path.
			v := d.Version
			if v == "" {
				v = "undefined" // PluginDesc.UNDEFINED_VERSION
			}
			out = append(out, fmt.Sprintf("PluginDesc{klass=class %s, name='%s', version='%s', encodedVersion=%s, type=%s, typeName='%s', location='classpath'}",
				d.Class, d.Class, v, v, d.Type, d.Type))
		}
	}
	return out
}

// WithName copies props with "name" set, refusing a different name.
func WithName(props map[string]string, name string) (map[string]string, error) {
	props = CopyProps(props)
	if n, ok := props[connectorconfig.Name]; ok && n != name {
		return nil, Errorf(ErrBadRequest, "Connector name configuration (%s) doesn't match connector name in the URL (%s)", n, name)
	}
	props[connectorconfig.Name] = name
	return props, nil
}

// ParseInitialState reads a create request's initial_state.
func ParseInitialState(s string) (status.TargetState, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "", "RUNNING":
		return status.TargetStarted, nil
	case "PAUSED":
		return status.TargetPaused, nil
	case "STOPPED":
		return status.TargetStopped, nil
	}
	// Jackson's failure to build the enum, which Connect answers with 500.
	return "", Errorf(ErrServer, "Cannot construct instance of `org.apache.kafka.connect.runtime.rest.entities.CreateConnectorRequest$InitialState`, "+
		"problem: No enum constant org.apache.kafka.connect.runtime.rest.entities.CreateConnectorRequest.InitialState.%s", strings.ToUpper(s))
}

// CopyProps copies a config map.
func CopyProps(p map[string]string) map[string]string {
	out := make(map[string]string, len(p)+1)
	for k, v := range p {
		out[k] = v
	}
	return out
}

// JavaMapString renders a map as Java's Map.toString does: {k=v, k2=v2}.
func JavaMapString(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// Responsive reports whether ops can be taken within ctx: a herder whose
// change is stuck makes GET /health answer unhealthy.
func Responsive(ctx context.Context, ops *sync.Mutex) bool {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		if ops.TryLock() {
			ops.Unlock()
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-tick.C:
		}
	}
}
