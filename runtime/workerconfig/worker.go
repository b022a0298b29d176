package workerconfig

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/runtime/configprovider"
	"github.com/goconnect/goconnect/runtime/connectorconfig"
)

// Keys of the worker config that goconnect reads.
const (
	BootstrapServers              = "bootstrap.servers"
	KeyConverter                  = "key.converter"
	ValueConverter                = "value.converter"
	HeaderConverter               = "header.converter"
	OffsetFlushInterval           = "offset.flush.interval.ms"
	OffsetFlushTimeout            = "offset.flush.timeout.ms"
	TaskShutdownGracefulTimeout   = "task.shutdown.graceful.timeout.ms"
	OffsetStorageFile             = "offset.storage.file.filename"
	Listeners                     = "listeners"
	RestPort                      = "rest.port"
	RestAdvertisedHostName        = "rest.advertised.host.name"
	RestAdvertisedPort            = "rest.advertised.port"
	TopicCreationEnable           = "topic.creation.enable"
	PluginPath                    = "plugin.path"
	ClientOverridePolicy          = "connector.client.config.override.policy"
	DefaultHeaderConverterClass   = "org.apache.kafka.connect.storage.SimpleHeaderConverter"
	defaultListener               = "http://:8083"
	defaultOffsetFlushIntervalMs  = "60000"
	defaultGracefulShutdownMillis = "5000"
)

// Def returns the worker config definition shared by both modes.
func Def() *config.Def {
	d := config.NewDef()
	d.Define(config.Key{Name: BootstrapServers, Type: config.TypeList, Default: "localhost:9092", Importance: config.High,
		Doc: "Kafka brokers to connect to."})
	d.Define(config.Key{Name: KeyConverter, Type: config.TypeClass, Required: true, Importance: config.High,
		Doc: "Default converter of record keys."})
	d.Define(config.Key{Name: ValueConverter, Type: config.TypeClass, Required: true, Importance: config.High,
		Doc: "Default converter of record values."})
	d.Define(config.Key{Name: HeaderConverter, Type: config.TypeClass, Default: DefaultHeaderConverterClass, Importance: config.Low,
		Doc: "Default converter of header values."})
	d.Define(config.Key{Name: OffsetFlushInterval, Type: config.TypeLong, Default: defaultOffsetFlushIntervalMs,
		Validator: config.AtLeast(0), Importance: config.Low, Doc: "Interval between offset commits."})
	d.Define(config.Key{Name: OffsetFlushTimeout, Type: config.TypeLong, Default: "5000",
		Validator: config.AtLeast(0), Importance: config.Low, Doc: "Time allowed for an offset commit."})
	d.Define(config.Key{Name: TaskShutdownGracefulTimeout, Type: config.TypeLong, Default: defaultGracefulShutdownMillis,
		Validator: config.AtLeast(0), Importance: config.Low, Doc: "Time allowed for all tasks to stop."})
	d.Define(config.Key{Name: Listeners, Type: config.TypeList, Default: "", Importance: config.Low,
		Doc: "REST listeners, scheme://host:port."})
	d.Define(config.Key{Name: RestPort, Type: config.TypeInt, Default: "8083", Importance: config.Low,
		Doc: "REST port used when listeners is unset (removed in Connect 3.0, still set by the container)."})
	d.Define(config.Key{Name: RestAdvertisedHostName, Type: config.TypeString, Importance: config.Low, Doc: "Host name in worker ids."})
	d.Define(config.Key{Name: RestAdvertisedListener, Type: config.TypeString, Validator: caseInsensitiveOneOf("", "http", "https"), Importance: config.Low,
		Doc: "Scheme other workers use to reach this one."})
	d.Define(config.Key{Name: AdminListeners, Type: config.TypeList, Importance: config.Low,
		Doc: "Listeners of the /admin endpoints; unset: the main listeners; empty: no /admin endpoints."})
	d.Define(config.Key{Name: RestExtensionClasses, Type: config.TypeList, Default: "", Importance: config.Low,
		Doc: "REST extensions; only " + BasicAuthExtension + " is available."})
	d.Define(config.Key{Name: RestConsoleEnable, Type: config.TypeBoolean, Default: "true", Importance: config.Low,
		Doc: "Serve the web console at /ui/ on the REST listeners (goconnect only); false answers /ui/ with 404."})
	d.Define(config.Key{Name: RestAdvertisedPort, Type: config.TypeInt, Importance: config.Low, Doc: "Port in worker ids."})
	d.Define(config.Key{Name: TopicCreationEnable, Type: config.TypeBoolean, Default: "true", Importance: config.Low,
		Doc: "Allow source connectors to create topics (KIP-158)."})
	d.Define(config.Key{Name: PluginPath, Type: config.TypeList, Default: "", Importance: config.Low,
		Doc: "Plugin locations. Plugins are built in; an entry naming connect-file (connect-file-<version>.jar, a connect-file folder or filestream-connectors) enables the file connectors, which are off otherwise."})
	d.Define(config.Key{Name: ClientOverridePolicy, Type: config.TypeString, Default: "All", Importance: config.Medium,
		Doc: "Which Kafka client settings connectors may override with producer.override.*, consumer.override.* and admin.override.*: All (the default since Connect 3.0), None or Principal (security.protocol, sasl.mechanism, sasl.jaas.config)."})
	return d
}

// StandaloneDef adds the standalone-only keys.
func StandaloneDef() *config.Def {
	return Def().Define(config.Key{Name: OffsetStorageFile, Type: config.TypeString, Required: true,
		Validator: config.NonEmpty(), Importance: config.High, Doc: "File holding source offsets."})
}

// Worker is the parsed worker config.
type Worker struct {
	// Props are the worker settings with their ${provider:…} placeholders
	// resolved.
	Props map[string]string
	// ConfigTransformer resolves placeholders in connector and task
	// configs with the providers of config.providers; nil when none.
	ConfigTransformer   *configprovider.Transformer
	BootstrapServers    []string
	OffsetFlushInterval time.Duration
	OffsetFlushTimeout  time.Duration
	ShutdownTimeout     time.Duration
	OffsetFile          string
	// RestAddr is host:port of the advertised REST listener.
	RestAddr string
	// Rest is the REST server's listeners, TLS and authentication.
	Rest RestServer
	// WorkerID is the advertised host:port used in statuses.
	WorkerID       string
	advertisedPort bool
	// BootstrapExplicit tells whether bootstrap.servers was given; without
	// it goconnect may start its embedded broker.
	BootstrapExplicit bool
	// PluginPath is plugin.path: it only decides whether the file
	// connectors are offered (builtin.FileConnectorsEnabled).
	PluginPath []string
	// TopicCreation is topic.creation.enable: source connectors may create
	// their topics with their topic.creation.* settings (KIP-158).
	TopicCreation bool
	// ClientOverridePolicy is connector.client.config.override.policy.
	ClientOverridePolicy connectorconfig.OverridePolicy
}

// AdoptListenPort puts the port the REST listener really got (listeners
// may ask for port 0) into the worker id, unless a port is advertised.
func (w *Worker) AdoptListenPort(port int) {
	if w.advertisedPort {
		return
	}
	host := w.WorkerID
	if i := strings.LastIndex(host, ":"); i >= 0 {
		host = host[:i]
	}
	w.WorkerID = host + ":" + strconv.Itoa(port)
}

// ParseStandalone validates standalone worker props.
func ParseStandalone(props map[string]string) (*Worker, error) {
	return parse(props, StandaloneDef())
}

func parse(props map[string]string, def *config.Def) (*Worker, error) {
	w, _, err := parseValues(props, def)
	return w, err
}

// parseValues also returns the parsed values, for the mode-specific keys.
func parseValues(props map[string]string, def *config.Def) (*Worker, *config.Values, error) {
	// As AbstractConfig: the worker's own placeholders are resolved with
	// its providers before anything is parsed.
	tr, err := configprovider.New(props, os.Environ())
	if err != nil {
		return nil, nil, fmt.Errorf("invalid worker config: %w", err)
	}
	props, err = tr.Transform(props)
	if err != nil {
		return nil, nil, fmt.Errorf("invalid worker config: %w", err)
	}
	v, err := def.Parse(props)
	if err != nil {
		return nil, nil, fmt.Errorf("invalid worker config: %w", err)
	}
	w := &Worker{
		Props:               props,
		ConfigTransformer:   tr,
		BootstrapServers:    v.List(BootstrapServers),
		OffsetFlushInterval: v.Duration(OffsetFlushInterval),
		OffsetFlushTimeout:  v.Duration(OffsetFlushTimeout),
		ShutdownTimeout:     v.Duration(TaskShutdownGracefulTimeout),
		OffsetFile:          v.String(OffsetStorageFile),
		BootstrapExplicit:   v.IsSet(BootstrapServers),
		PluginPath:          v.List(PluginPath),
		TopicCreation:       v.Bool(TopicCreationEnable),
	}
	if w.ClientOverridePolicy, err = connectorconfig.ParseOverridePolicy(v.String(ClientOverridePolicy)); err != nil {
		return nil, nil, fmt.Errorf("invalid worker config: %w", &config.Error{Key: ClientOverridePolicy, Value: v.String(ClientOverridePolicy), Message: err.Error()})
	}
	if err := checkKafkaClients(props); err != nil {
		return nil, nil, fmt.Errorf("invalid worker config: %w", err)
	}
	if err := parseRestServer(w, props, v); err != nil {
		return nil, nil, fmt.Errorf("invalid worker config: %w", err)
	}
	return w, v, nil
}
