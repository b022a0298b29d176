package connectorconfig

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/runtime/configprovider"
	"github.com/goconnect/goconnect/runtime/plugins"
)

// testConnector is a connector with one required key of its own ("file")
// and a cross-key check (Validator), as real connectors have.
type testConnector struct{}

func (testConnector) Version() string { return "1" }
func (testConnector) ConfigDef() *config.Def {
	d := config.NewDef()
	d.Define(config.Key{Name: "file", Type: config.TypeString, Required: true, Importance: config.High, Doc: "where"})
	return d
}
func (testConnector) Start(context.Context, map[string]string) error { return nil }
func (testConnector) TaskConfigs(int) ([]map[string]string, error)   { return nil, nil }
func (testConnector) Stop() error                                    { return nil }
func (testConnector) Validate(props map[string]string) map[string][]string {
	if props["mode"] == "bad" {
		return map[string][]string{"mode": {"mode bad needs file=x"}}
	}
	return nil
}

// testTransform requires "field"; testPredicate has no keys.
type testTransform struct{}

func (testTransform) ConfigDef() *config.Def {
	d := config.NewDef()
	d.Define(config.Key{Name: "field", Type: config.TypeString, Required: true, Importance: config.High, Doc: "which"})
	return d
}

type testPredicate struct{}

func (testPredicate) ConfigDef() *config.Def { return nil }

func registry(t *testing.T) *plugins.Registry {
	t.Helper()
	newConnector := func() any { return testConnector{} }
	reg, err := plugins.NewRegistry(
		connect.PluginDesc{Class: "test.FileSinkConnector", Type: connect.TypeSink, New: newConnector},
		connect.PluginDesc{Class: "test.FileSourceConnector", Type: connect.TypeSource, New: newConnector},
		connect.PluginDesc{Class: "test.TextConverter", Type: connect.TypeConverter, New: func() any { return nil }},
		connect.PluginDesc{Class: "test.Upper", Type: connect.TypeTransformation, New: func() any { return testTransform{} }},
		connect.PluginDesc{Class: "test.IsTombstone", Type: connect.TypePredicate, New: func() any { return testPredicate{} }},
	)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func sink(extra ...string) map[string]string {
	p := map[string]string{Name: "s", ConnectorClass: "FileSink", Topics: "orders", "file": "/tmp/x"}
	for i := 0; i+1 < len(extra); i += 2 {
		p[extra[i]] = extra[i+1]
	}
	return p
}

// configErrors lists every *config.Error inside err, by key.
func configErrors(err error) map[string][]*config.Error {
	out := map[string][]*config.Error{}
	var walk func(error)
	walk = func(e error) {
		var ce *config.Error
		if errors.As(e, &ce) && e == error(ce) {
			out[ce.Key] = append(out[ce.Key], ce)
			return
		}
		switch u := e.(type) {
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				walk(x)
			}
		case interface{ Unwrap() error }:
			if x := u.Unwrap(); x != nil {
				walk(x)
			}
		}
	}
	walk(err)
	return out
}

func TestParseSinkDefaults(t *testing.T) {
	p, err := Parse(registry(t), sink())
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "s" || p.Plugin.Class != "test.FileSinkConnector" || p.TasksMax != 1 {
		t.Errorf("parsed %q %q tasks.max %d", p.Name, p.Plugin.Class, p.TasksMax)
	}
	v := p.Values
	if v.String(ErrorsTolerance) != "none" || v.Long(ErrorsRetryTime) != 0 || v.Long(ErrorsRetryMax) != 60000 ||
		!v.Bool(TasksMaxEnforce) || v.Bool(ErrorsLogEnable) || v.Get(DLQReplication) != int16(3) || v.String(DLQTopic) != "" {
		t.Errorf("sink defaults: tolerance %q retry %d/%d enforce %v log %v dlq rf %v",
			v.String(ErrorsTolerance), v.Long(ErrorsRetryTime), v.Long(ErrorsRetryMax), v.Bool(TasksMaxEnforce), v.Bool(ErrorsLogEnable), v.Get(DLQReplication))
	}
	if len(p.Stages) != 0 || len(p.Predicates) != 0 {
		t.Errorf("stages %v predicates %v without transforms", p.Stages, p.Predicates)
	}
	if p.Props["file"] != "/tmp/x" || p.Raw["file"] != "/tmp/x" {
		t.Error("the connector's own keys are not passed through")
	}
}

func TestParseSourceDefaults(t *testing.T) {
	p, err := Parse(registry(t), map[string]string{Name: "src", ConnectorClass: "test.FileSourceConnector", TasksMax: "3", "file": "f"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Plugin.Type != connect.TypeSource || p.TasksMax != 3 {
		t.Errorf("source: %v tasks.max %d", p.Plugin.Type, p.TasksMax)
	}
	if p.Values.String(ExactlyOnceSupport) != "requested" || p.Values.String(TransactionBoundary) != "poll" {
		t.Errorf("exactly-once defaults: %q %q", p.Values.String(ExactlyOnceSupport), p.Values.String(TransactionBoundary))
	}
	// Sink keys are not a source's: no topics rule applies.
	if p.Values.IsSet(Topics) {
		t.Error("a source has topics")
	}
}

func TestParseConnectorClassErrors(t *testing.T) {
	reg := registry(t)
	_, err := Parse(reg, map[string]string{Name: "x"})
	var ce *config.Error
	if !errors.As(err, &ce) || ce.Key != ConnectorClass || !strings.Contains(ce.Message, "Missing required configuration") {
		t.Errorf("missing class: %v", err)
	}
	_, err = Parse(reg, map[string]string{Name: "x", ConnectorClass: "NoSuchConnector"})
	if !errors.As(err, &ce) || ce.Key != ConnectorClass || ce.Value != "NoSuchConnector" {
		t.Errorf("unknown class: %v", err)
	}
	// A converter is not a connector.
	if _, err = Parse(reg, map[string]string{Name: "x", ConnectorClass: "test.TextConverter"}); !errors.As(err, &ce) || ce.Key != ConnectorClass {
		t.Errorf("converter as connector: %v", err)
	}
}

// One parse reports every bad key at once, each under its own key.
func TestParseNamesEveryBadKey(t *testing.T) {
	_, err := Parse(registry(t), map[string]string{
		Name: "bad", ConnectorClass: "FileSink", Topics: "a",
		TasksMax: "0", ErrorsTolerance: "some", ValueConverter: "NoConverter", HeaderConverter: "test.TextConverter",
		"mode": "bad", // the connector's Validator; "file" is missing too
	})
	if err == nil {
		t.Fatal("accepted")
	}
	if !strings.HasPrefix(err.Error(), `connector "bad" has an invalid configuration: `) {
		t.Errorf("error does not name the connector: %v", err)
	}
	got := configErrors(err)
	for _, key := range []string{TasksMax, ErrorsTolerance, ValueConverter, HeaderConverter, "file", "mode"} {
		if len(got[key]) == 0 {
			t.Errorf("no error for %s in %v", key, err)
		}
	}
	if e := got[ValueConverter]; len(e) > 0 && e[0].Value != "NoConverter" {
		t.Errorf("converter error value %q", e[0].Value)
	}
	if e := got["mode"]; len(e) > 0 && e[0].Message != "mode bad needs file=x" {
		t.Errorf("validator message %q", e[0].Message)
	}
	if len(got) != 6 {
		t.Errorf("errors for %d keys, want 6: %v", len(got), err)
	}
}

func TestParseConnectorName(t *testing.T) {
	reg := registry(t)
	// Kafka's NonEmptyStringWithoutControlChars messages, whole.
	for name, want := range map[string]string{"": "String may not be empty",
		"a\tb\x7f": "String may not contain control sequences but had the following ASCII chars: 9, 127"} {
		_, err := Parse(reg, sink(Name, name))
		if e := configErrors(err)[Name]; len(e) != 1 || e[0].Message != want {
			t.Errorf("name %q: %v, want %q", name, err, want)
		}
	}
	// Kafka trims a STRING value before its validator sees it, and quotes
	// the trimmed value.
	_, err := Parse(reg, sink(Name, "  "))
	if !strings.Contains(errString(err), "Invalid value  for configuration name: String may not be empty") {
		t.Errorf("name of spaces: %v", err)
	}
}

func TestParseSinkTopicRules(t *testing.T) {
	reg := registry(t)
	for _, c := range []struct {
		name  string
		props map[string]string
		key   string
		want  string
	}{
		{"both", sink(TopicsRegex, "o.*"), Topics, "mutually exclusive"},
		{"neither", sink(Topics, ""), Topics, "Must configure one of topics or topics.regex"},
		{"dlq in topics", sink(Topics, "orders,dlq", DLQTopic, "dlq"), DLQTopic, "cannot be one of the topics"},
		{"dlq matches regex", sink(Topics, "", TopicsRegex, "ord.*", DLQTopic, "orders-dlq"), DLQTopic, "cannot match topics.regex"},
		{"bad regex", sink(Topics, "", TopicsRegex, "("), TopicsRegex, ""},
	} {
		_, err := Parse(reg, c.props)
		e := configErrors(err)[c.key]
		if len(e) != 1 || !strings.Contains(e[0].Message, c.want) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	// A DLQ topic outside the consumed ones is fine.
	if _, err := Parse(reg, sink(Topics, "", TopicsRegex, "ord.*", DLQTopic, "dlq")); err != nil {
		t.Errorf("dlq outside the regex: %v", err)
	}
}

func TestParseTransformsAndPredicates(t *testing.T) {
	p, err := Parse(registry(t), sink(
		Transforms, "up, up2", Predicates, "tomb",
		"transforms.up.type", "Upper", "transforms.up.field", "name", "transforms.up.predicate", "tomb", "transforms.up.negate", "true",
		"transforms.up2.type", "test.Upper", "transforms.up2.field", "city",
		"predicates.tomb.type", "IsTombstone",
	))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Predicates) != 1 || p.Predicates[0].Alias != "tomb" || p.Predicates[0].Type != "test.IsTombstone" {
		t.Errorf("predicates: %+v", p.Predicates)
	}
	if len(p.Stages) != 2 {
		t.Fatalf("stages: %+v", p.Stages)
	}
	up, up2 := p.Stages[0], p.Stages[1]
	if up.Alias != "up" || up.Type != "test.Upper" || up.Props["field"] != "name" || up.Predicate != "tomb" || !up.Negate {
		t.Errorf("first stage: %+v", up)
	}
	if up2.Alias != "up2" || up2.Props["field"] != "city" || up2.Predicate != "" || up2.Negate {
		t.Errorf("second stage (in list order): %+v", up2)
	}
}

func TestParseTransformErrors(t *testing.T) {
	_, err := Parse(registry(t), sink(
		Transforms, "a,a,b,c,d", Predicates, "p",
		"transforms.a.type", "Upper", "transforms.a.field", "x",
		// b has no type; c's type is unknown; d lacks its own required key,
		// names an undefined predicate and has a bad negate.
		"transforms.c.type", "Nope",
		"transforms.d.type", "Upper", "transforms.d.predicate", "q", "transforms.d.negate", "maybe",
		"predicates.p.type", "test.Upper", // a transform is not a predicate
	))
	got := configErrors(err)
	want := map[string]string{
		Transforms:               "Duplicate alias provided: a",
		"transforms.b.type":      `Missing required configuration "transforms.b.type"`,
		"transforms.c.type":      "",
		"transforms.d.field":     `"transforms.d.field"`, // the plugin's key, named with its prefix
		"transforms.d.predicate": "Predicate is not defined in predicates",
		"transforms.d.negate":    "",
		"predicates.p.type":      "",
	}
	for key, msg := range want {
		if e := got[key]; len(e) != 1 || !strings.Contains(e[0].Message, msg) {
			t.Errorf("%s: %v (all: %v)", key, e, err)
		}
	}
	if len(got) != len(want) {
		t.Errorf("errors for %d keys, want %d: %v", len(got), len(want), err)
	}
}

func TestParseSourceTopicCreation(t *testing.T) {
	reg := registry(t)
	src := func(extra ...string) map[string]string {
		p := map[string]string{Name: "src", ConnectorClass: "FileSource", "file": "f"}
		for i := 0; i+1 < len(extra); i += 2 {
			p[extra[i]] = extra[i+1]
		}
		return p
	}
	_, err := Parse(reg, src("topic.creation.default.partitions", "3"))
	if e := configErrors(err)["topic.creation.default.replication.factor"]; len(e) != 1 {
		t.Errorf("topic creation without a replication factor: %v", err)
	}
	// A group listed twice is reported once (by the source def), not twice.
	_, err = Parse(reg, src("topic.creation.default.partitions", "3", "topic.creation.default.replication.factor", "1",
		"topic.creation.groups", "g,g"))
	if e := configErrors(err)["topic.creation.groups"]; len(e) != 1 {
		t.Errorf("duplicate group reported %d times: %v", len(e), err)
	}
	if _, err := Parse(reg, src("topic.creation.default.partitions", "3", "topic.creation.default.replication.factor", "1")); err != nil {
		t.Errorf("valid topic creation: %v", err)
	}
}

func fileProviders(t *testing.T) *configprovider.Transformer {
	t.Helper()
	tr, err := configprovider.New(map[string]string{"config.providers": "file", "config.providers.file.class": configprovider.FileClass}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestParseResolved(t *testing.T) {
	dir := t.TempDir()
	secrets := filepath.Join(dir, "secrets.properties")
	if err := os.WriteFile(secrets, []byte("topic=orders\nfile=/data/in\ntasks=0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	reg, tr := registry(t), fileProviders(t)
	ref := func(key string) string { return "${file:" + secrets + ":" + key + "}" }

	raw := sink(Topics, ref("topic"), "file", ref("file"))
	p, err := ParseResolved(reg, tr, raw)
	if err != nil {
		t.Fatal(err)
	}
	if p.Props[Topics] != "orders" || p.Props["file"] != "/data/in" || p.Values.List(Topics)[0] != "orders" {
		t.Errorf("resolved: %v", p.Props)
	}
	if p.Raw[Topics] != ref("topic") || p.Raw["file"] != ref("file") {
		t.Errorf("Raw lost its placeholders: %v", p.Raw)
	}

	// An error about a resolved key shows the placeholder, not the value.
	_, err = ParseResolved(reg, tr, sink(TasksMax, ref("tasks")))
	if e := configErrors(err)[TasksMax]; len(e) != 1 || e[0].Value != ref("tasks") {
		t.Errorf("tasks.max error: %v", err)
	} else if !strings.Contains(err.Error(), "Invalid value "+ref("tasks")+" for configuration tasks.max") {
		t.Errorf("the message does not quote the placeholder (the resolved value leaks): %v", err)
	}
	_, err = ParseResolved(reg, tr, sink(ConnectorClass, ref("file")))
	if e := configErrors(err)[ConnectorClass]; len(e) != 1 || e[0].Value != ref("file") {
		t.Errorf("connector.class error: %v", err)
	}

	// A provider that cannot read its source is a ResolveError.
	_, err = ParseResolved(reg, tr, sink("file", "${file:"+filepath.Join(dir, "missing")+":file}"))
	var re *ResolveError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing file: %T %v", err, err)
	}

	// Without providers (a nil transformer) placeholders stay as written.
	p, err = ParseResolved(reg, nil, sink("file", ref("file")))
	if err != nil || p.Props["file"] != ref("file") {
		t.Errorf("nil transformer: %v %v", p, err)
	}
}

func TestShowRawOnASingleError(t *testing.T) {
	ce := &config.Error{Key: "k", Value: "resolved", Message: "bad"}
	ShowRaw(ce, map[string]string{"k": "${env:K}"}, map[string]string{"k": "resolved"})
	if ce.Value != "${env:K}" {
		t.Errorf("value %q", ce.Value)
	}
	// A key whose raw value is its resolved value is left alone.
	ce = &config.Error{Key: "k", Value: "plain", Message: "bad"}
	ShowRaw(ce, map[string]string{"k": "plain"}, map[string]string{"k": "plain"})
	if ce.Value != "plain" {
		t.Errorf("value %q", ce.Value)
	}
}

func TestParseOverridePolicy(t *testing.T) {
	for in, want := range map[string]string{
		"": "All", " All ": "All", "None": "None", "Principal": "Principal",
		"NoneConnectorClientConfigOverridePolicy":                                                "None",
		"org.apache.kafka.connect.connector.policy.PrincipalConnectorClientConfigOverridePolicy": "Principal",
	} {
		p, err := ParseOverridePolicy(in)
		if err != nil || p.Name() != want {
			t.Errorf("ParseOverridePolicy(%q) = %q, %v; want %s", in, p.Name(), err, want)
		}
	}
	if _, err := ParseOverridePolicy("Some"); err == nil || !strings.Contains(err.Error(), "unknown policy Some") {
		t.Errorf("unknown policy: %v", err)
	}
	if (OverridePolicy{}).Name() != "All" {
		t.Error("the zero policy is not the default")
	}
}

func TestOverridePolicyCheck(t *testing.T) {
	props := map[string]string{
		"producer.override.linger.ms":        "5",
		"consumer.override.sasl.jaas.config": "x",
		"admin.override.security.protocol":   "SSL",
		"producer.override.":                 "ignored",
		"other.key":                          "v",
	}
	all, _ := ParseOverridePolicy("All")
	if err := all.Check(props); err != nil {
		t.Errorf("All refused: %v", err)
	}
	none, _ := ParseOverridePolicy("None")
	err := none.Check(props)
	got := configErrors(err)
	if len(got) != 3 {
		t.Errorf("None: errors for %d keys, want 3: %v", len(got), err)
	}
	e := got["producer.override.linger.ms"]
	if len(e) != 1 || e[0].Message != "The 'None' policy does not allow 'linger.ms' to be overridden in the connector configuration." {
		t.Errorf("None message: %v", e)
	}
	// Errors come in key order.
	if s := err.Error(); strings.Index(s, "admin.override") > strings.Index(s, "consumer.override") ||
		strings.Index(s, "consumer.override") > strings.Index(s, "producer.override") {
		t.Errorf("errors not sorted by key: %v", s)
	}
	principal, _ := ParseOverridePolicy("Principal")
	got = configErrors(principal.Check(props))
	if len(got) != 1 || len(got["producer.override.linger.ms"]) != 1 {
		t.Errorf("Principal allows only the principal settings: %v", got)
	}
}

// The KIP-618 keys take any case and refuse other values in the words of
// the Java worker (Connect 3.8.1's validate answer, seen on the reference
// worker): its CaseInsensitiveValidString over the enum names.
func TestExactlyOnceKeysValues(t *testing.T) {
	def := SourceDef()
	for _, tc := range []struct{ key, value, want string }{
		{ExactlyOnceSupport, "maybe", "Invalid value maybe for configuration exactly.once.support: String must be one of (case insensitive): REQUIRED, REQUESTED"},
		{TransactionBoundary, "maybe", "Invalid value maybe for configuration transaction.boundary: String must be one of (case insensitive): INTERVAL, POLL, CONNECTOR"},
		{ExactlyOnceSupport, "REQUIRED", ""},
		{TransactionBoundary, "Interval", ""},
	} {
		got := def.ValidateAll(map[string]string{tc.key: tc.value})[tc.key]
		if tc.want == "" && len(got) != 0 || tc.want != "" && (len(got) != 1 || got[0] != tc.want) {
			t.Errorf("%s=%s: %q, want %q", tc.key, tc.value, got, tc.want)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
