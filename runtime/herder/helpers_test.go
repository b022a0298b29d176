package herder

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/runtime/configprovider"
	"github.com/goconnect/goconnect/runtime/connectorconfig"
	"github.com/goconnect/goconnect/runtime/offsetstore"
	"github.com/goconnect/goconnect/runtime/plugins"
	"github.com/goconnect/goconnect/runtime/status"
)

// testSource is a source connector with one required key of its own.
type testSource struct{}

func (testSource) Version() string { return "test" }
func (testSource) ConfigDef() *config.Def {
	return config.NewDef().Define(config.Key{Name: "path", Type: config.TypeString, Required: true, Importance: config.High, Doc: "where"})
}
func (testSource) Start(context.Context, map[string]string) error { return nil }
func (testSource) TaskConfigs(int) ([]map[string]string, error)   { return nil, nil }
func (testSource) Stop() error                                    { return nil }
func (testSource) NewTask() connect.SourceTask                    { return nil }
func (testSink) NewTask() connect.SinkTask                        { return nil }
func (testSink) ConfigDef() *config.Def                           { return config.NewDef() }
func (testSink) Version() string                                  { return "test" }
func (testSink) Start(context.Context, map[string]string) error   { return nil }
func (testSink) TaskConfigs(int) ([]map[string]string, error)     { return nil, nil }
func (testSink) Stop() error                                      { return nil }
func (testSink) AlterOffsets(map[string]string, []connect.PartitionOffset) (bool, error) {
	return false, connect.ErrOffsetsUnsupported
}

type testSink struct{}

func testRegistry(t *testing.T) *plugins.Registry {
	t.Helper()
	reg, err := plugins.NewRegistry(
		connect.PluginDesc{Class: "org.example.TestSourceConnector", Type: connect.TypeSource, New: func() any { return testSource{} }},
		connect.PluginDesc{Class: "org.example.TestSinkConnector", Type: connect.TypeSink, New: func() any { return testSink{} }},
	)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func kindOf(err error) error {
	for _, k := range []error{ErrNotFound, ErrExists, ErrBadRequest, ErrForbidden, ErrUnavailable, ErrServer} {
		if errors.Is(err, k) {
			return k
		}
	}
	return nil
}

func TestParseConnectorErrors(t *testing.T) {
	reg := testRegistry(t)
	providers, err := configprovider.New(map[string]string{
		"config.providers":            "file",
		"config.providers.file.class": "org.apache.kafka.common.config.provider.FileConfigProvider",
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	none, err := connectorconfig.ParseOverridePolicy("None")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		policy connectorconfig.OverridePolicy
		props  map[string]string
		kind   error
		msg    string
	}{{
		name:  "no class: 400 quoting the config with secrets hidden",
		props: map[string]string{"name": "c", "db.password": "s3cret"},
		kind:  ErrBadRequest,
		msg:   "Connector config {db.password=[hidden], name=c} contains no connector type",
	}, {
		name:  "unknown class: 400 listing the connectors as Connect 4.1",
		props: map[string]string{"name": "c", "connector.class": "Nope"},
		kind:  ErrBadRequest,
		msg: "org.apache.kafka.connect.errors.ConnectException: Failed to find any class that implements Connector and which name matches Nope, available connectors are: " +
			"PluginDesc{klass=class org.example.TestSinkConnector, name='org.example.TestSinkConnector', version='undefined', encodedVersion=undefined, type=sink, typeName='sink', location='classpath'}, " +
			"PluginDesc{klass=class org.example.TestSourceConnector, name='org.example.TestSourceConnector', version='undefined', encodedVersion=undefined, type=source, typeName='source', location='classpath'}",
	}, {
		name:  "invalid keys: 400 listing every error",
		props: map[string]string{"name": "c", "connector.class": "TestSource", "tasks.max": "zero"},
		kind:  ErrBadRequest,
		msg: "Connector configuration is invalid and contains the following 2 error(s):\n" +
			"Invalid value zero for configuration tasks.max: Not a number of type INT\n" +
			"Missing required configuration \"path\" which has no default value.\n" +
			"You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`",
	}, {
		name:   "override refused by the policy: 400",
		policy: none,
		props:  map[string]string{"name": "c", "connector.class": "TestSource", "path": "/x", "producer.override.acks": "1"},
		kind:   ErrBadRequest,
		msg: "Connector configuration is invalid and contains the following 1 error(s):\n" +
			"The 'None' policy does not allow 'acks' to be overridden in the connector configuration.\n" +
			"You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`",
	}, {
		name:  "unreadable provider source: 500",
		props: map[string]string{"name": "c", "connector.class": "TestSource", "path": "${file:/nonexistent/goconnect-test.properties:path}"},
		kind:  ErrServer,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConnector(reg, providers, tc.policy, connectorconfig.SourcePreflight{}, tc.props)
			if err == nil {
				t.Fatal("accepted")
			}
			if k := kindOf(err); k != tc.kind {
				t.Errorf("kind %v, want %v (%v)", k, tc.kind, err)
			}
			if tc.msg != "" && err.Error() != tc.msg {
				t.Errorf("message\n%s\nwant\n%s", err, tc.msg)
			}
		})
	}

	p, err := ParseConnector(reg, providers, connectorconfig.DefaultOverridePolicy, connectorconfig.SourcePreflight{},
		map[string]string{"name": "c", "connector.class": "TestSource", "path": "/x"})
	if err != nil || p.Name != "c" || p.Plugin.Class != "org.example.TestSourceConnector" {
		t.Fatalf("valid config: %v %+v", err, p)
	}
}

func TestWithName(t *testing.T) {
	in := map[string]string{"connector.class": "X"}
	out, err := WithName(in, "c")
	if err != nil || out["name"] != "c" || out["connector.class"] != "X" {
		t.Fatalf("WithName = %v, %v", out, err)
	}
	if _, ok := in["name"]; ok {
		t.Error("WithName changed its input")
	}
	if _, err := WithName(map[string]string{"name": "c"}, "c"); err != nil {
		t.Errorf("same name refused: %v", err)
	}
	_, err = WithName(map[string]string{"name": "a"}, "b")
	if kindOf(err) != ErrBadRequest || err.Error() != "Connector name configuration (a) doesn't match connector name in the URL (b)" {
		t.Errorf("different name: %v (kind %v)", err, kindOf(err))
	}
}

func TestParseInitialState(t *testing.T) {
	for in, want := range map[string]status.TargetState{
		"": status.TargetStarted, "RUNNING": status.TargetStarted, "running": status.TargetStarted,
		" PAUSED ": status.TargetPaused, "Stopped": status.TargetStopped,
	} {
		if got, err := ParseInitialState(in); err != nil || got != want {
			t.Errorf("ParseInitialState(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	_, err := ParseInitialState("STARTED")
	if kindOf(err) != ErrServer || err.Error() != "Cannot construct instance of `org.apache.kafka.connect.runtime.rest.entities.CreateConnectorRequest$InitialState`, "+
		"problem: No enum constant org.apache.kafka.connect.runtime.rest.entities.CreateConnectorRequest.InitialState.STARTED" {
		t.Errorf("STARTED: %v (kind %v)", err, kindOf(err))
	}
}

func TestJavaMapString(t *testing.T) {
	for _, tc := range []struct {
		in   map[string]string
		want string
	}{
		{nil, "{}"},
		{map[string]string{"b": "2", "a": "1", "c": ""}, "{a=1, b=2, c=}"},
	} {
		if got := JavaMapString(tc.in); got != tc.want {
			t.Errorf("JavaMapString(%v) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestCheckTopics(t *testing.T) {
	if err := CheckTopics(nil, true); err != nil {
		t.Errorf("defaults refuse: %v", err)
	}
	err := CheckTopics(map[string]string{"topic.tracking.enable": "false"}, false)
	if kindOf(err) != ErrForbidden || err.Error() != "Topic tracking is disabled." {
		t.Errorf("tracking off: %v", err)
	}
	off := map[string]string{"topic.tracking.allow.reset": "false"}
	if err := CheckTopics(off, false); err != nil {
		t.Errorf("listing refused with reset off: %v", err)
	}
	if err := CheckTopics(off, true); kindOf(err) != ErrForbidden || err.Error() != "Topic tracking reset is disabled." {
		t.Errorf("reset off: %v", err)
	}
}

// parsedFor parses a minimal config of the test source or sink.
func parsedFor(t *testing.T, class string, more ...string) *connectorconfig.Parsed {
	t.Helper()
	props := map[string]string{"name": "c", "connector.class": class, "path": "/x", "topics": "in"}
	if class == "TestSource" {
		delete(props, "topics")
	} else {
		delete(props, "path")
	}
	for i := 0; i+1 < len(more); i += 2 {
		props[more[i]] = more[i+1]
	}
	p, err := connectorconfig.Parse(testRegistry(t), props)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A source offset without a partition is written and answered 200, as
// Connect 4.1.1 does (its key is [name,null]), but neither listed nor reset.
func TestAlterSourceOffsetsNullPartition(t *testing.T) {
	store := offsetstore.NewMemory()
	ops := OffsetOps{Store: store}
	src := parsedFor(t, "TestSource")
	ctx := context.Background()
	if _, err := ops.Alter(ctx, "c", src, []ConnectorOffset{{Offset: map[string]any{"pos": json.Number("4")}}}); err != nil {
		t.Fatalf("Alter with a null partition: %v", err)
	}
	stored, err := store.List(ctx, "c")
	if err != nil || len(stored) != 1 || stored[0].Partition != nil || stored[0].Offset["pos"] != int64(4) {
		t.Fatalf("stored %v %v, want the offset under a null partition", stored, err)
	}
	if got, err := ops.List(ctx, "c", src); err != nil || len(got) != 0 {
		t.Fatalf("List = %v %v, want nothing", got, err)
	}
	if _, err := ops.Reset(ctx, "c", src); err != nil {
		t.Fatal(err)
	}
	if stored, _ := store.List(ctx, "c"); len(stored) != 1 {
		t.Fatalf("after a reset %v, want the null partition's offset kept", stored)
	}
}

func TestAlterOffsetsValidation(t *testing.T) {
	ops := OffsetOps{Store: offsetstore.NewMemory()}
	src, sink := parsedFor(t, "TestSource"), parsedFor(t, "TestSink")
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		p    *connectorconfig.Parsed
		offs []ConnectorOffset
		msg  string
	}{
		{"nothing", src, nil, "Partitions / offsets need to be provided for an alter offsets request"},
		{"source: map value", src, []ConnectorOffset{{Partition: map[string]any{"f": "a"}, Offset: map[string]any{"pos": map[string]any{}}}},
			"Offsets may only contain primitive types as values, but field pos contains MAP"},
		{"source: array value", src, []ConnectorOffset{{Partition: map[string]any{"f": []any{}}, Offset: nil}},
			"Offsets may only contain primitive types as values, but field f contains ARRAY"},
		{"sink: no partition", sink, []ConnectorOffset{{Offset: map[string]any{"kafka_offset": json.Number("1")}}},
			"The partition for a sink connector offset cannot be null or missing"},
		{"sink: partition keys", sink, []ConnectorOffset{{Partition: map[string]any{"kafka_topic": "in"}}},
			"The partition for a sink connector offset must contain the keys 'kafka_topic' and 'kafka_partition'"},
		{"sink: partition not an integer", sink, []ConnectorOffset{{Partition: map[string]any{"kafka_topic": "in", "kafka_partition": "x"}}},
			"Failed to parse the following Kafka partition value in the provided offsets: 'x'. Partition values for sink connectors need to be integers."},
		{"sink: offset key", sink, []ConnectorOffset{{Partition: map[string]any{"kafka_topic": "in", "kafka_partition": json.Number("0")}, Offset: map[string]any{"offset": json.Number("3")}}},
			"The offset for a sink connector should either be null or contain the key 'kafka_offset'"},
		{"sink: offset not an integer", sink, []ConnectorOffset{{Partition: map[string]any{"kafka_topic": "in", "kafka_partition": json.Number("0")}, Offset: map[string]any{"kafka_offset": json.Number("1.5")}}},
			"Failed to parse the following Kafka offset value in the provided offsets: '1.5'. Offset values for sink connectors need to be integers."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ops.Alter(ctx, "c", tc.p, tc.offs)
			// Connect checks the offset format in the worker, so its
			// DataException is a 500; the rest are 400s.
			kind := ErrBadRequest
			if strings.HasPrefix(tc.msg, "Offsets may only contain") {
				kind = ErrServer
			}
			if kindOf(err) != kind || err == nil || err.Error() != tc.msg {
				t.Errorf("Alter: %v (kind %v)\nwant %v %s", err, kindOf(err), kind, tc.msg)
			}
		})
	}
}

func TestAlterAndResetSourceOffsets(t *testing.T) {
	store := offsetstore.NewMemory()
	ops := OffsetOps{Store: store}
	src := parsedFor(t, "TestSource")
	ctx := context.Background()
	part := map[string]any{"f": "a"}
	msg, err := ops.Alter(ctx, "c", src, []ConnectorOffset{{Partition: part, Offset: map[string]any{"pos": json.Number("7"), "ratio": json.Number("0.5"), "done": true}}})
	if err != nil {
		t.Fatal(err)
	}
	if want := "The Connect framework-managed offsets for this connector have been altered successfully. " +
		"However, if this connector manages offsets externally, they will need to be manually altered in the system that the connector uses."; msg != want {
		t.Errorf("message %q", msg)
	}
	got, err := store.Get(ctx, "c", part)
	if want := map[string]any{"pos": int64(7), "ratio": 0.5, "done": true}; err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("stored %v (%v), want %v: JSON numbers as int64 and float64", got, err, want)
	}
	listed, err := ops.List(ctx, "c", src)
	if err != nil || len(listed) != 1 || !reflect.DeepEqual(listed[0].Partition, part) {
		t.Fatalf("List = %v, %v", listed, err)
	}

	msg, err = ops.Reset(ctx, "c", src)
	if err != nil || !strings.Contains(msg, "have been reset successfully") || !strings.Contains(msg, "manually reset") {
		t.Fatalf("Reset = %q, %v", msg, err)
	}
	if listed, err := ops.List(ctx, "c", src); err != nil || len(listed) != 0 {
		t.Fatalf("after reset List = %v, %v", listed, err)
	}
}

// TestAlterOffsetsRefusedByConnector: a connector that cannot have its
// offsets changed externally refuses before anything is written.
func TestAlterOffsetsRefusedByConnector(t *testing.T) {
	ops := OffsetOps{Admin: nil, Store: offsetstore.NewMemory()}
	_, err := ops.Alter(context.Background(), "c", parsedFor(t, "TestSink"),
		[]ConnectorOffset{{Partition: map[string]any{"kafka_topic": "in", "kafka_partition": json.Number("0")}, Offset: map[string]any{"kafka_offset": json.Number("3")}}})
	if err == nil || err.Error() != "Failed to modify offsets for connector c because it doesn't support external modification of offsets" {
		t.Fatalf("Alter = %v", err)
	}
}

func TestNotStopped(t *testing.T) {
	err := NotStopped("c")
	if kindOf(err) != ErrBadRequest || !strings.HasSuffix(err.Error(), "issuing a 'PUT' request to the '/connectors/c/stop' endpoint") {
		t.Errorf("NotStopped = %v", err)
	}
}
