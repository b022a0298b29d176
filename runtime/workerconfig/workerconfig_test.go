package workerconfig

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goconnect/goconnect/connect/config"
)

func TestParseProperties(t *testing.T) {
	in := `# comment
! also a comment
bootstrap.servers=broker:9092
key.converter : org.apache.kafka.connect.storage.StringConverter
value.converter org.apache.kafka.connect.json.JsonConverter
long.value = a,\
    b,\
    c
escaped\:key=tab\there\u0041
empty=
`
	got, err := ParseProperties(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"bootstrap.servers": "broker:9092",
		"key.converter":     "org.apache.kafka.connect.storage.StringConverter",
		"value.converter":   "org.apache.kafka.connect.json.JsonConverter",
		"long.value":        "a,b,c",
		"escaped:key":       "tab\thereA",
		"empty":             "",
	}
	if len(got) != len(want) {
		t.Fatalf("got %d keys %v, want %d", len(got), got, len(want))
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if _, err := ParseProperties(strings.NewReader(`bad=\u12`)); err == nil {
		t.Error("malformed \\u escape accepted")
	}
}

func TestEnvToKey(t *testing.T) {
	cases := map[string]string{
		"CONNECT_BOOTSTRAP_SERVERS":                   "bootstrap.servers",
		"CONNECT_VALUE_CONVERTER_SCHEMA_REGISTRY_URL": "value.converter.schema.registry.url",
		"CONNECT_PRODUCER_CLIENT__ID":                 "producer.client_id",
		"CONNECT_FOO___BAR":                           "foo-bar",
	}
	for in, want := range cases {
		if got := EnvToKey(in); got != want {
			t.Errorf("EnvToKey(%s) = %s, want %s", in, got, want)
		}
	}
	env := FromEnv([]string{"CONNECT_REST_PORT=8083", "CONNECT_METRIC_REPORTERS=x", "PATH=/bin"})
	if len(env) != 1 || env["rest.port"] != "8083" {
		t.Fatalf("FromEnv = %v", env)
	}
}

func TestParseStandalone(t *testing.T) {
	base := map[string]string{
		KeyConverter: "org.apache.kafka.connect.storage.StringConverter", ValueConverter: "org.apache.kafka.connect.json.JsonConverter",
		OffsetStorageFile: "/tmp/x.offsets",
	}
	w, err := ParseStandalone(base)
	if err != nil {
		t.Fatal(err)
	}
	if w.BootstrapExplicit || w.RestAddr != ":8083" || w.OffsetFlushInterval.Milliseconds() != 60000 || w.ShutdownTimeout.Milliseconds() != 5000 {
		t.Fatalf("defaults wrong: %+v", w)
	}
	withListener := copyMap(base)
	withListener[Listeners] = "http://127.0.0.1:18083"
	withListener[RestAdvertisedHostName] = "connect"
	if w, err := ParseStandalone(withListener); err != nil || w.RestAddr != "127.0.0.1:18083" || w.WorkerID != "connect:18083" {
		t.Fatalf("listener: %+v %v", w, err)
	}
	for key, val := range map[string]string{OffsetFlushInterval: "soon", Listeners: "ftp://x:1", OffsetStorageFile: ""} {
		bad := copyMap(base)
		bad[key] = val
		_, err := ParseStandalone(bad)
		var ce *config.Error
		if !errors.As(err, &ce) || ce.Key != key {
			t.Errorf("%s=%q: error %v does not name the key", key, val, err)
		}
	}
	missing := copyMap(base)
	delete(missing, ValueConverter)
	if _, err := ParseStandalone(missing); err == nil || !strings.Contains(err.Error(), ValueConverter) {
		t.Errorf("missing value.converter: %v", err)
	}
}

func copyMap(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

func TestConnectorDefinitions(t *testing.T) {
	cf, err := ParseConnectorDefinition([]byte(`{"name":"r","config":{"connector.class":"X","tasks.max":2,"flag":true},"initial_state":"paused"}`), true)
	if err != nil || cf.Name != "r" || cf.Config["tasks.max"] != "2" || cf.Config["flag"] != "true" || cf.Config["name"] != "r" || cf.InitialState != "PAUSED" {
		t.Fatalf("CreateConnectorRequest form: %+v %v", cf, err)
	}
	cf, err = ParseConnectorDefinition([]byte(`{"name":"flat","connector.class":"X"}`), true)
	if err != nil || cf.Name != "flat" {
		t.Fatalf("flat form: %+v %v", cf, err)
	}
	cf, err = ParseConnectorDefinition([]byte("name=p\nconnector.class=X\n"), false)
	if err != nil || cf.Name != "p" {
		t.Fatalf("properties form: %+v %v", cf, err)
	}
	for _, bad := range []string{`{"config":{"connector.class":"X"}}`, `{"name":"a","config":{"name":"b"}}`, `{"name":"a","config":{"x":{"nested":1}}}`, `{"name":"a","config":{}, "initial_state":"DONE"}`, `{`} {
		if _, err := ParseConnectorDefinition([]byte(bad), true); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestReadConnectorDirSkipsBadFiles(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.json"), []byte(`{"name":"a","config":{"connector.class":"X"}}`), 0o644)
	os.WriteFile(filepath.Join(dir, "b.json"), []byte(`{"name":`), 0o644)
	os.WriteFile(filepath.Join(dir, "c.properties"), []byte("name=c\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("ignored"), 0o644)
	files, errs := ReadConnectorDir(dir)
	if len(files) != 2 || files[0].Name != "a" || files[1].Name != "c" {
		t.Fatalf("files = %+v", files)
	}
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "b.json") {
		t.Fatalf("errs = %v", errs)
	}
}

func TestAdoptListenPort(t *testing.T) {
	base := map[string]string{KeyConverter: "x", ValueConverter: "y", OffsetStorageFile: "/tmp/o", Listeners: "http://127.0.0.1:0"}
	w, err := ParseStandalone(base)
	if err != nil {
		t.Fatal(err)
	}
	w.AdoptListenPort(41234)
	if w.WorkerID != "127.0.0.1:41234" {
		t.Fatalf("worker id %s", w.WorkerID)
	}
	adv := copyMap(base)
	adv[RestAdvertisedPort] = "8083"
	w, _ = ParseStandalone(adv)
	w.AdoptListenPort(41234)
	if w.WorkerID != "127.0.0.1:8083" {
		t.Fatalf("advertised port must win: %s", w.WorkerID)
	}
}

// TestWorkerPlaceholders: the worker's own settings are resolved with its
// providers at start, as AbstractConfig does, and a provider goconnect
// does not have stops the start with an error naming the key.
func TestWorkerPlaceholders(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "w.properties"), []byte("servers=broker-a:9092\nport=18083\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	props := map[string]string{
		"config.providers":                          "file",
		"config.providers.file.class":               "org.apache.kafka.common.config.provider.FileConfigProvider",
		"config.providers.file.param.allowed.paths": dir,
		"bootstrap.servers":                         "${file:" + dir + "/w.properties:servers}",
		"rest.port":                                 "${file:" + dir + "/w.properties:port}",
		"key.converter":                             "org.apache.kafka.connect.storage.StringConverter",
		"value.converter":                           "org.apache.kafka.connect.storage.StringConverter",
		"offset.storage.file.filename":              filepath.Join(dir, "offsets"),
	}
	w, err := ParseStandalone(props)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(w.BootstrapServers, ",") != "broker-a:9092" || w.RestAddr != ":18083" || w.ConfigTransformer == nil {
		t.Fatalf("servers %v, rest %s, transformer %v", w.BootstrapServers, w.RestAddr, w.ConfigTransformer)
	}
	if props["bootstrap.servers"] != "${file:"+dir+"/w.properties:servers}" {
		t.Fatal("the caller's map was changed")
	}
	props["config.providers.file.class"] = "com.example.VaultConfigProvider"
	_, err = ParseStandalone(props)
	var ce *config.Error
	if !errors.As(err, &ce) || ce.Key != "config.providers.file.class" {
		t.Fatalf("unknown provider class: %v", err)
	}
}
