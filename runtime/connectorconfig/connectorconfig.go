// Package connectorconfig owns the keys every connector config has (Connect's
// ConnectorConfig, SinkConnectorConfig and SourceConnectorConfig): it checks a
// whole connector config against them and against its plugins (connector,
// converters, transforms, predicates), resolves config-provider placeholders,
// and enforces the worker's client override policy.
package connectorconfig

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/runtime/configprovider"
	"github.com/goconnect/goconnect/runtime/plugins"
	"github.com/goconnect/goconnect/runtime/topiccreation"
)

// Common keys.
const (
	Name           = "name"
	ConnectorClass = "connector.class"
	// TaskClass is the task config key naming the task's Java class.
	TaskClass       = "task.class"
	TasksMax        = "tasks.max"
	TasksMaxEnforce = "tasks.max.enforce"
	KeyConverter    = "key.converter"
	ValueConverter  = "value.converter"
	HeaderConverter = "header.converter"
	Transforms      = "transforms"
	Predicates      = "predicates"
	ErrorsTolerance = "errors.tolerance"
	ErrorsLogEnable = "errors.log.enable"
	ErrorsLogMsgs   = "errors.log.include.messages"
	ErrorsRetryTime = "errors.retry.timeout"
	ErrorsRetryMax  = "errors.retry.delay.max.ms"
	Topics          = "topics"
	TopicsRegex     = "topics.regex"
	DLQTopic        = "errors.deadletterqueue.topic.name"
	DLQReplication  = "errors.deadletterqueue.topic.replication.factor"
	DLQHeaders      = "errors.deadletterqueue.context.headers.enable"
)

// Keys Connect 4.1 added (KIP-891) and the reload action.
const (
	ConnectorPluginVersion       = "connector.plugin.version"
	KeyConverterPluginVersion    = "key.converter.plugin.version"
	ValueConverterPluginVersion  = "value.converter.plugin.version"
	HeaderConverterPluginVersion = "header.converter.plugin.version"
	ConfigActionReload           = "config.action.reload"
)

// Group names as Connect's validate endpoint reports them.
const (
	GroupCommon      = "Common"
	GroupTransforms  = "Transforms"
	GroupPredicates  = "Predicates"
	GroupErrors      = "Error Handling"
	GroupExactlyOnce = "Exactly Once Support"
	GroupOffsets     = "offsets.topic"
)

// converterDoc is Connect's documentation of key.converter and value.converter.
func converterDoc(part string) string {
	return "Converter class used to convert between Kafka Connect format and the serialized form that is written to Kafka. " +
		"This controls the format of the " + part + " in messages written to or read from Kafka, and since this is independent of connectors " +
		"it allows any connector to work with any serialization format. Examples of common formats include JSON and Avro."
}

// CommonDef returns the keys of every connector, as Connect 4.1's
// ConnectorConfig defines them (documentation, groups, order, widths and
// display names included, as GET /connector-plugins/{p}/config shows
// them). The plugin version keys and converters have a null default
// here; validation reports the worker's (see the REST layer).
func CommonDef() *config.Def {
	d := config.NewDef()
	d.Define(config.Key{Name: Name, Type: config.TypeString, Required: true, Validator: nameValidator{}, Importance: config.High,
		Doc: "Globally unique name to use for this connector.", Group: GroupCommon, Order: 1, Width: config.WidthMedium, DisplayName: "Connector name"})
	d.Define(config.Key{Name: ConnectorClass, Type: config.TypeString, Required: true, Importance: config.High,
		Doc: "Name or alias of the class for this connector. Must be a subclass of org.apache.kafka.connect.connector.Connector. " +
			"If the connector is org.apache.kafka.connect.file.FileStreamSinkConnector, you can either specify this full name,  " +
			"or use \"FileStreamSink\" or \"FileStreamSinkConnector\" to make the configuration a bit shorter",
		Group: GroupCommon, Order: 2, Width: config.WidthLong, DisplayName: "Connector class"})
	d.Define(config.Key{Name: ConnectorPluginVersion, Type: config.TypeString, NullDefault: true, Importance: config.Medium,
		Doc: "Version of the connector.", Group: GroupCommon, Order: 3, Width: config.WidthMedium, DisplayName: "Connector version"})
	d.Define(config.Key{Name: TasksMax, Type: config.TypeInt, Default: "1", Validator: config.AtLeast(1), Importance: config.High,
		Doc: "Maximum number of tasks to use for this connector.", Group: GroupCommon, Order: 4, Width: config.WidthShort, DisplayName: "Tasks max"})
	d.Define(config.Key{Name: TasksMaxEnforce, Type: config.TypeBoolean, Default: "true", Importance: config.Low,
		Doc: "(Deprecated) Whether to enforce that the tasks.max property is respected by the connector. By default, connectors that generate too many tasks will fail, " +
			"and existing sets of tasks that exceed the tasks.max property will also be failed. If this property is set to false, then connectors will be allowed " +
			"to generate more than the maximum number of tasks, and existing sets of tasks that exceed the tasks.max property will be allowed to run. " +
			"This property is deprecated and will be removed in an upcoming major release.",
		Group: GroupCommon, Order: 5, Width: config.WidthShort, DisplayName: "Enforce tasks max"})
	d.Define(config.Key{Name: KeyConverter, Type: config.TypeClass, NullDefault: true, Importance: config.Low,
		Doc: converterDoc("keys"), Group: GroupCommon, Order: 6, Width: config.WidthShort, DisplayName: "Key converter class"})
	d.Define(config.Key{Name: KeyConverterPluginVersion, Type: config.TypeString, NullDefault: true, Importance: config.Low,
		Doc: "Version of the key converter.", Group: GroupCommon, Order: 7, Width: config.WidthShort, DisplayName: "Key converter version"})
	d.Define(config.Key{Name: ValueConverter, Type: config.TypeClass, NullDefault: true, Importance: config.Low,
		Doc: converterDoc("values"), Group: GroupCommon, Order: 8, Width: config.WidthShort, DisplayName: "Value converter class"})
	d.Define(config.Key{Name: ValueConverterPluginVersion, Type: config.TypeString, NullDefault: true, Importance: config.Low,
		Doc: "Version of the value converter.", Group: GroupCommon, Order: 9, Width: config.WidthShort, DisplayName: "Value converter version"})
	d.Define(config.Key{Name: HeaderConverter, Type: config.TypeClass, NullDefault: true, Importance: config.Low,
		Doc: "HeaderConverter class used to convert between Kafka Connect format and the serialized form that is written to Kafka. " +
			"This controls the format of the header values in messages written to or read from Kafka, and since this is independent of connectors " +
			"it allows any connector to work with any serialization format. Examples of common formats include JSON and Avro. " +
			"By default, the SimpleHeaderConverter is used to serialize header values to strings and deserialize them by inferring the schemas.",
		Group: GroupCommon, Order: 10, Width: config.WidthShort, DisplayName: "Header converter class"})
	d.Define(config.Key{Name: HeaderConverterPluginVersion, Type: config.TypeString, NullDefault: true, Importance: config.Low,
		Doc: "Version of the header converter.", Group: GroupCommon, Order: 11, Width: config.WidthShort, DisplayName: "Header converter version"})
	d.Define(config.Key{Name: Transforms, Type: config.TypeList, Default: "", Importance: config.Low,
		Doc: "Aliases for the transformations to be applied to records.", Group: GroupTransforms, Order: 12, Width: config.WidthLong, DisplayName: "Transforms"})
	d.Define(config.Key{Name: Predicates, Type: config.TypeList, Default: "", Importance: config.Low,
		Doc: "Aliases for the predicates used by transformations.", Group: GroupPredicates, Order: 13, Width: config.WidthLong, DisplayName: "Predicates"})
	d.Define(config.Key{Name: ConfigActionReload, Type: config.TypeString, Default: "restart", Validator: config.OneOf("none", "restart"), Importance: config.Low,
		Doc: "The action that Connect should take on the connector when changes in external configuration providers result in a change in the connector's configuration properties. " +
			"A value of 'none' indicates that Connect will do nothing. A value of 'restart' indicates that Connect should restart/reload the connector with the updated configuration properties." +
			"The restart may actually be scheduled in the future if the external configuration provider indicates that a configuration value will expire in the future.",
		Group: GroupCommon, Order: 14, Width: config.WidthMedium, DisplayName: "Reload Action"})
	d.Define(config.Key{Name: ErrorsRetryTime, Type: config.TypeLong, Default: "0", Importance: config.Medium,
		Doc:   "The maximum duration in milliseconds that a failed operation will be reattempted. The default is 0, which means no retries will be attempted. Use -1 for infinite retries.",
		Group: GroupErrors, Order: 1, Width: config.WidthMedium, DisplayName: "Retry Timeout for Errors"})
	d.Define(config.Key{Name: ErrorsRetryMax, Type: config.TypeLong, Default: "60000", Validator: config.AtLeast(0), Importance: config.Medium,
		Doc:   "The maximum duration in milliseconds between consecutive retry attempts. Jitter will be added to the delay once this limit is reached to prevent thundering herd issues.",
		Group: GroupErrors, Order: 2, Width: config.WidthMedium, DisplayName: "Maximum Delay Between Retries for Errors"})
	d.Define(config.Key{Name: ErrorsTolerance, Type: config.TypeString, Default: "none", Validator: config.OneOf("none", "all"), Importance: config.Medium,
		Doc: "Behavior for tolerating errors during connector operation. 'none' is the default value and signals that any error will result in an immediate connector task failure; " +
			"'all' changes the behavior to skip over problematic records.",
		Group: GroupErrors, Order: 3, Width: config.WidthShort, DisplayName: "Error Tolerance"})
	d.Define(config.Key{Name: ErrorsLogEnable, Type: config.TypeBoolean, Default: "false", Importance: config.Medium,
		Doc: "If true, write each error and the details of the failed operation and problematic record to the Connect application log. " +
			"This is 'false' by default, so that only errors that are not tolerated are reported.",
		Group: GroupErrors, Order: 4, Width: config.WidthShort, DisplayName: "Log Errors"})
	d.Define(config.Key{Name: ErrorsLogMsgs, Type: config.TypeBoolean, Default: "false", Importance: config.Medium,
		Doc: "Whether to include in the log the Connect record that resulted in a failure. For sink records, the topic, partition, offset, and timestamp will be logged. " +
			"For source records, the key and value (and their schemas), all headers, and the timestamp, Kafka topic, Kafka partition, source partition, and source offset will be logged. " +
			"This is 'false' by default, which will prevent record keys, values, and headers from being written to log files.",
		Group: GroupErrors, Order: 5, Width: config.WidthShort, DisplayName: "Log Error Details"})
	return d
}

// SinkDef returns the keys of a sink connector (Connect 4.1's SinkConnectorConfig).
func SinkDef() *config.Def {
	d := CommonDef()
	d.Define(config.Key{Name: Topics, Type: config.TypeList, Default: "", Importance: config.High,
		Doc: "List of topics to consume, separated by commas", Group: GroupCommon, Order: 4, Width: config.WidthLong, DisplayName: "Topics"})
	d.Define(config.Key{Name: TopicsRegex, Type: config.TypeString, Default: "", Validator: config.Regex(), Importance: config.High,
		Doc: "Regular expression giving topics to consume. Under the hood, the regex is compiled to a <code>java.util.regex.Pattern</code>. " +
			"Only one of topics or topics.regex should be specified.",
		Group: GroupCommon, Order: 4, Width: config.WidthLong, DisplayName: "Topics regex"})
	d.Define(config.Key{Name: DLQTopic, Type: config.TypeString, Default: "", Importance: config.Medium,
		Doc: "The name of the topic to be used as the dead letter queue (DLQ) for messages that result in an error when processed by this sink connector, " +
			"or its transformations or converters. The topic name is blank by default, which means that no messages are to be recorded in the DLQ.",
		Group: GroupErrors, Order: 6, Width: config.WidthMedium, DisplayName: "Dead Letter Queue Topic Name"})
	d.Define(config.Key{Name: DLQReplication, Type: config.TypeShort, Default: "3", Importance: config.Medium,
		Doc: "Replication factor used to create the dead letter queue topic when it doesn't already exist.", Group: GroupErrors, Order: 7, Width: config.WidthMedium,
		DisplayName: "Dead Letter Queue Topic Replication Factor"})
	d.Define(config.Key{Name: DLQHeaders, Type: config.TypeBoolean, Default: "false", Importance: config.Medium,
		Doc: "If true, add headers containing error context to the messages written to the dead letter queue. To avoid clashing with headers from the original record, " +
			"all error context header keys, all error context header keys will start with <code>__connect.errors.</code>",
		Group: GroupErrors, Order: 8, Width: config.WidthMedium, DisplayName: "Enable Error Context Headers"})
	return d
}

// Keys of source connectors for exactly-once support (KIP-618).
const (
	ExactlyOnceSupport            = "exactly.once.support"
	TransactionBoundary           = "transaction.boundary"
	TransactionBoundaryIntervalMs = "transaction.boundary.interval.ms"
	OffsetsStorageTopic           = "offsets.storage.topic"
)

// Connect validates both keys with CaseInsensitiveValidString over its
// enum names; its error lists them in its HashSet's order, as here.
var (
	exactlyOnceLevels = []string{"REQUIRED", "REQUESTED"}
	boundaryTypes     = []string{"INTERVAL", "POLL", "CONNECTOR"}
)

// SourceDef returns the keys of a source connector (Connect 4.1's
// SourceConnectorConfig, in its order: topic creation, exactly-once
// support, the offsets topic).
func SourceDef() *config.Def {
	d := CommonDef()
	d.Define(topiccreation.GroupsDef())
	d.Define(config.Key{Name: ExactlyOnceSupport, Type: config.TypeString, Default: "requested", Validator: config.CaseInsensitiveOneOf(exactlyOnceLevels...), Importance: config.Medium,
		Doc: "Permitted values are requested, required. If set to \"required\", forces a preflight check for the connector to ensure that it can provide exactly-once semantics " +
			"with the given configuration. Some connectors may be capable of providing exactly-once semantics but not signal to Connect that they support this; " +
			"in that case, documentation for the connector should be consulted carefully before creating it, and the value for this property should be set to \"requested\". " +
			"Additionally, if the value is set to \"required\" but the worker that performs preflight validation does not have exactly-once support enabled for source connectors, " +
			"requests to create or validate the connector will fail.",
		Group: GroupExactlyOnce, Order: 2, Width: config.WidthShort, DisplayName: "Exactly once support"})
	d.Define(config.Key{Name: TransactionBoundary, Type: config.TypeString, Default: "poll", Validator: config.CaseInsensitiveOneOf(boundaryTypes...), Importance: config.Medium,
		Doc: "Permitted values are: poll, interval, connector. If set to 'poll', a new producer transaction will be started and committed for every batch of records " +
			"that each task from this connector provides to Connect. If set to 'connector', relies on connector-defined transaction boundaries; note that not all connectors " +
			"are capable of defining their own transaction boundaries, and in that case, attempts to instantiate a connector with this value will fail. " +
			"Finally, if set to 'interval', commits transactions only after a user-defined time interval has passed.",
		Group: GroupExactlyOnce, Order: 3, Width: config.WidthShort, DisplayName: "Transaction Boundary"})
	d.Define(config.Key{Name: TransactionBoundaryIntervalMs, Type: config.TypeLong, Validator: config.AtLeast(0), Importance: config.Low,
		Doc: "If 'transaction.boundary' is set to 'interval', determines the interval for producer transaction commits by connector tasks. " +
			"If unset, defaults to the value of the worker-level 'offset.flush.interval.ms' property. It has no effect if a different transaction.boundary is specified.",
		Group: GroupExactlyOnce, Order: 4, Width: config.WidthShort, DisplayName: "Transaction boundary interval"})
	d.Define(config.Key{Name: OffsetsStorageTopic, Type: config.TypeString, NullDefault: true, Importance: config.Low,
		Doc: "The name of a separate offsets topic to use for this connector. If empty or not specified, the worker\u2019s global offsets topic name will be used. " +
			"If specified, the offsets topic will be created if it does not already exist on the Kafka cluster targeted by this connector " +
			"(which may be different from the one used for the worker's global offsets topic if the bootstrap.servers property of the connector's producer has been overridden from the worker's). " +
			"Only applicable in distributed mode; in standalone mode, setting this property will have no effect.",
		Group: GroupOffsets, Order: 1, Width: config.WidthLong, DisplayName: "Offsets topic"})
	return d
}

type nameValidator struct{}

func (nameValidator) Validate(_ string, v any) error {
	// Kafka's NonEmptyStringWithoutControlChars, in its words (the value
	// comes trimmed, as ConfigDef parses a STRING).
	s, _ := v.(string)
	if s == "" {
		return errors.New("String may not be empty")
	}
	var found []string
	for _, r := range s {
		if unicode.IsControl(r) {
			found = append(found, strconv.Itoa(int(r)))
		}
	}
	if len(found) > 0 {
		return errors.New("String may not contain control sequences but had the following ASCII chars: " + strings.Join(found, ", "))
	}
	return nil
}

func (nameValidator) String() string { return "non-empty string without ISO control characters" }

// Stage names one transformation of a chain with its predicate.
type Stage struct {
	Alias     string
	Type      string
	Props     map[string]string
	Predicate string
	Negate    bool
}

// PredicateDef names one predicate.
type PredicateDef struct {
	Alias string
	Type  string
	Props map[string]string
}

// Parsed is a connector config checked against the common keys, with the
// connector's plugin looked up.
type Parsed struct {
	Name       string
	Plugin     *connect.PluginDesc
	TasksMax   int
	Values     *config.Values
	Stages     []Stage
	Predicates []PredicateDef
	// Props is the config the plugins see: Raw with its ${provider:…}
	// placeholders resolved.
	Props map[string]string
	// Raw is the config as stored and shown by the REST API.
	Raw map[string]string
}

// Parse checks a connector config: the common keys, the connector class,
// converters, transforms and predicates named in it, then the connector's
// own keys. The error names every bad key.
func Parse(reg *plugins.Registry, props map[string]string) (*Parsed, error) {
	return parse(reg, props, nil)
}

// parse is Parse; with raw set, config errors show raw's values (see
// ShowRaw) before the message that quotes them is built.
func parse(reg *plugins.Registry, props, raw map[string]string) (*Parsed, error) {
	class := strings.TrimSpace(props[ConnectorClass])
	if class == "" {
		return nil, &config.Error{Key: ConnectorClass, Message: fmt.Sprintf("Missing required configuration %q which has no default value.", ConnectorClass)}
	}
	desc, err := reg.Lookup(class, connect.TypeSource, connect.TypeSink)
	if err != nil {
		return nil, &config.Error{Key: ConnectorClass, Value: class, Message: err.Error()}
	}
	def := SourceDef()
	if desc.Type == connect.TypeSink {
		def = SinkDef()
	}
	vals, err := def.Parse(props)
	var errs []error
	if err != nil {
		errs = append(errs, err)
	}
	p := &Parsed{Name: vals.String(Name), Plugin: desc, TasksMax: int(vals.Int(TasksMax)), Values: vals, Props: props, Raw: props}
	if desc.Type == connect.TypeSink && !keyFailed(err, Topics) && !keyFailed(err, TopicsRegex) && !keyFailed(err, DLQTopic) {
		// Checked whatever else is wrong, as Connect's SinkConnectorConfig.validate.
		topics, regex := vals.List(Topics), vals.String(TopicsRegex)
		switch {
		case len(topics) > 0 && regex != "":
			errs = append(errs, &config.Error{Key: Topics, Message: "topics and topics.regex are mutually exclusive."})
		case len(topics) == 0 && regex == "":
			errs = append(errs, &config.Error{Key: Topics, Message: "Must configure one of topics or topics.regex"})
		}
		if dlq := vals.String(DLQTopic); dlq != "" {
			for _, t := range topics {
				if t == dlq {
					errs = append(errs, &config.Error{Key: DLQTopic, Value: dlq, Message: "The DLQ topic cannot be one of the topics the connector consumes"})
				}
			}
			if regex != "" {
				if re, rerr := regexp.Compile(regex); rerr == nil && re.MatchString(dlq) {
					errs = append(errs, &config.Error{Key: DLQTopic, Value: dlq, Message: "The DLQ topic cannot match topics.regex"})
				}
			}
		}
	}
	if desc.Type == connect.TypeSource {
		// KIP-158 settings are checked whenever present (Connect checks them
		// only when the connector starts on a worker with topic creation on).
		_, terr := topiccreation.Parse(props)
		for _, e := range unjoin(terr) {
			var ce *config.Error
			if terr != nil && !(errors.As(e, &ce) && ce.Key == topiccreation.GroupsKey) { // reported by the def above
				errs = append(errs, e)
			}
		}
	}
	for _, key := range []struct {
		name string
		typ  connect.PluginType
	}{{KeyConverter, connect.TypeConverter}, {ValueConverter, connect.TypeConverter}, {HeaderConverter, connect.TypeHeaderConverter}} {
		if c := strings.TrimSpace(props[key.name]); c != "" {
			if _, lerr := reg.Lookup(c, key.typ); lerr != nil {
				errs = append(errs, &config.Error{Key: key.name, Value: c, Message: lerr.Error()})
			}
		}
	}
	p.Predicates, errs = parsePredicates(reg, props, vals.List(Predicates), errs)
	p.Stages, errs = parseStages(reg, props, vals.List(Transforms), p.Predicates, errs)
	// The connector's own keys.
	inst := desc.New().(connect.Connector)
	var ownErrs []error
	if own := inst.ConfigDef(); own != nil {
		if _, oerr := own.Parse(props); oerr != nil {
			ownErrs = append(ownErrs, oerr)
		}
	}
	if v, ok := inst.(connect.Validator); ok {
		for k, msgs := range v.Validate(props) {
			for _, m := range msgs {
				ownErrs = append(ownErrs, &config.Error{Key: k, Message: m})
			}
		}
	}
	if rep, ok := inst.(connect.ConfigReporter); ok && len(ownErrs) > 0 {
		// A refused config is reported in the connector's own words, as
		// its Java counterpart's validation (the create/update answer
		// Connect gives); without its connection test.
		var worded []error
		for _, v := range rep.ReportConfig(connect.WithoutExternalChecks(context.Background()), props) {
			for _, m := range v.Errors {
				worded = append(worded, &config.Error{Key: v.Name, Message: m})
			}
		}
		if len(worded) > 0 {
			ownErrs = worded
		}
	}
	errs = append(errs, ownErrs...)
	if len(errs) > 0 {
		joined := errors.Join(errs...)
		if raw != nil {
			ShowRaw(joined, raw, props)
		}
		return nil, fmt.Errorf("connector %q has an invalid configuration: %w", props[Name], joined)
	}
	return p, nil
}

// keyFailed tells whether a parse error has a problem with key.
func keyFailed(err error, key string) bool {
	for _, e := range unjoin(err) {
		var ce *config.Error
		if errors.As(e, &ce) && ce.Key == key {
			return true
		}
	}
	return false
}

// aliased is one alias of a transforms or predicates list with its plugin.
type aliased struct {
	alias, prefix string
	desc          *connect.PluginDesc
	props         map[string]string
}

// resolveAliases looks up the plugin of every alias of a list key
// ("transforms" or "predicates") and checks its own keys; problems are
// appended to errs and the alias is left out.
func resolveAliases(reg *plugins.Registry, props map[string]string, listKey string, aliases []string, typ connect.PluginType, errs []error) ([]aliased, []error) {
	var out []aliased
	seen := map[string]bool{}
	for _, a := range aliases {
		if seen[a] {
			errs = append(errs, &config.Error{Key: listKey, Message: fmt.Sprintf("Duplicate alias provided: %s", a)})
			continue
		}
		seen[a] = true
		prefix := listKey + "." + a + "."
		class := strings.TrimSpace(props[prefix+"type"])
		if class == "" {
			errs = append(errs, &config.Error{Key: prefix + "type", Message: "Missing required configuration \"" + prefix + "type\" which has no default value."})
			continue
		}
		d, err := reg.Lookup(class, typ)
		if err != nil {
			errs = append(errs, &config.Error{Key: prefix + "type", Value: class, Message: err.Error()})
			continue
		}
		sub := config.WithPrefix(props, prefix)
		if perr := checkPlugin(d, sub, prefix); perr != nil {
			errs = append(errs, perr)
		}
		out = append(out, aliased{alias: a, prefix: prefix, desc: d, props: sub})
	}
	return out, errs
}

func parsePredicates(reg *plugins.Registry, props map[string]string, aliases []string, errs []error) ([]PredicateDef, []error) {
	found, errs := resolveAliases(reg, props, Predicates, aliases, connect.TypePredicate, errs)
	out := make([]PredicateDef, 0, len(found))
	for _, f := range found {
		out = append(out, PredicateDef{Alias: f.alias, Type: f.desc.Class, Props: f.props})
	}
	return out, errs
}

func parseStages(reg *plugins.Registry, props map[string]string, aliases []string, preds []PredicateDef, errs []error) ([]Stage, []error) {
	found, errs := resolveAliases(reg, props, Transforms, aliases, connect.TypeTransformation, errs)
	out := make([]Stage, 0, len(found))
	for _, f := range found {
		st := Stage{Alias: f.alias, Type: f.desc.Class, Props: f.props, Predicate: strings.TrimSpace(f.props["predicate"])}
		if n, ok := f.props["negate"]; ok {
			b, perr := config.ParseValue(config.TypeBoolean, n)
			if perr != nil {
				errs = append(errs, &config.Error{Key: f.prefix + "negate", Value: n, Message: perr.Error()})
			} else {
				st.Negate = b.(bool)
			}
		}
		if st.Predicate != "" && !slices.ContainsFunc(preds, func(p PredicateDef) bool { return p.Alias == st.Predicate }) {
			errs = append(errs, &config.Error{Key: f.prefix + "predicate", Value: st.Predicate, Message: "Predicate is not defined in predicates"})
		}
		out = append(out, st)
	}
	return out, errs
}

// checkPlugin parses a transform's or predicate's own keys, naming them
// with their full prefix in errors.
func checkPlugin(d *connect.PluginDesc, props map[string]string, prefix string) error {
	inst, ok := d.New().(interface{ ConfigDef() *config.Def })
	if !ok || inst.ConfigDef() == nil {
		return nil
	}
	_, err := inst.ConfigDef().Parse(props)
	if err == nil {
		return nil
	}
	var ce *config.Error
	var out []error
	for _, e := range unjoin(err) {
		if errors.As(e, &ce) {
			c := *ce
			c.Key = prefix + ce.Key
			c.Message = strings.ReplaceAll(c.Message, `"`+ce.Key+`"`, `"`+c.Key+`"`)
			out = append(out, &c)
		} else {
			out = append(out, e)
		}
	}
	return errors.Join(out...)
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// ResolveError is a failure to resolve a config's placeholders (a
// provider could not read its source).
type ResolveError struct{ Err error }

func (e *ResolveError) Error() string { return e.Err.Error() }
func (e *ResolveError) Unwrap() error { return e.Err }

// ParseResolved resolves the ${provider:…} placeholders of raw with tr,
// then parses the result (see Parse); the result keeps raw as Raw.
// Errors about a resolved key quote the placeholder, not the value.
func ParseResolved(reg *plugins.Registry, tr *configprovider.Transformer, raw map[string]string) (*Parsed, error) {
	resolved, err := tr.Transform(raw)
	if err != nil {
		return nil, &ResolveError{Err: err}
	}
	p, err := parse(reg, resolved, raw)
	if err != nil {
		ShowRaw(err, raw, resolved) // the early errors (connector class) are not joined
		return nil, err
	}
	p.Raw = raw
	return p, nil
}

// ShowRaw puts the stored (placeholder) value back into config errors
// about keys whose value came from a provider.
func ShowRaw(err error, raw, resolved map[string]string) {
	var ce *config.Error
	switch {
	case errors.As(err, &ce) && err == error(ce):
		if r, ok := raw[ce.Key]; ok && r != resolved[ce.Key] {
			ce.Value = r
		}
	default:
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				ShowRaw(e, raw, resolved)
			}
		case interface{ Unwrap() error }:
			if inner := u.Unwrap(); inner != nil {
				ShowRaw(inner, raw, resolved)
			}
		}
	}
}
