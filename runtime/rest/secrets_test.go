package rest_test

import (
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goconnect/goconnect/runtime/logging"
)

// providerEnv is a worker whose config declares the file provider,
// allowed to read dir only.
func providerEnv(t *testing.T, dir string) *env {
	t.Helper()
	return newEnvLog(t, map[string]string{
		"config.providers":                          "file",
		"config.providers.file.class":               "org.apache.kafka.common.config.provider.FileConfigProvider",
		"config.providers.file.param.allowed.paths": dir,
	}, nil, testSinkDesc())
}

// TestPlaceholdersResolvedOnlyForTheTask: a sink whose output file and a
// datagen source whose topic come from ${file:…}: the tasks use the
// resolved values, while the config, connector, tasks and tasks-config
// answers keep the placeholder text.
func TestPlaceholdersResolvedOnlyForTheTask(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.txt")
	secrets := filepath.Join(dir, "secrets.properties")
	if err := os.WriteFile(secrets, []byte("out="+out+"\ntopic=ratings-from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e := providerEnv(t, dir)
	placeholder := "${file:" + secrets + ":out}"
	e.expect(http.MethodPost, "/connectors", sinkConfig("test.TestSinkConnector", placeholder, nil), http.StatusCreated, "")
	produce(t, e.broker, inTopic, `"a"`, `"b"`)
	waitLines(t, out, "a", "b")
	for _, path := range []string{"/connectors/" + sinkName + "/config", "/connectors/" + sinkName,
		"/connectors/" + sinkName + "/tasks"} {
		r := e.expect(http.MethodGet, path, nil, http.StatusOK, "")
		if !strings.Contains(r.body, `"file":"`+placeholder+`"`) || strings.Contains(r.body, out) {
			t.Errorf("GET %s = %s, want the placeholder and not the resolved path", path, r.body)
		}
	}

	e.expect(http.MethodPost, "/connectors", `{"name":"ratings","config":{"connector.class":"io.confluent.kafka.connect.datagen.DatagenConnector",`+
		`"kafka.topic":"${file:`+secrets+`:topic}","quickstart":"ratings","max.interval":"1","iterations":"5","tasks.max":"1"}}`, http.StatusCreated, "")
	countRecords(t, e.broker, "ratings-from-file", 5)
	r := e.expect(http.MethodGet, "/connectors/ratings/config", nil, http.StatusOK, "")
	if !strings.Contains(r.body, `"kafka.topic":"${file:`+secrets+`:topic}"`) {
		t.Fatalf("datagen config %s", r.body)
	}
}

// TestPlaceholderErrors: an unreadable file fails the request as in
// Connect (500 naming the file); a path outside allowed.paths is left
// unresolved, so validation sees the placeholder text.
func TestPlaceholderErrors(t *testing.T) {
	dir := t.TempDir()
	e := providerEnv(t, dir)
	r := e.do(http.MethodPost, "/connectors", sinkConfig("test.TestSinkConnector", "${file:"+dir+"/missing.properties:out}", nil))
	if r.code != http.StatusInternalServerError || !strings.Contains(r.body, "Could not read properties from file "+dir+"/missing.properties") {
		t.Fatalf("missing file: %d %s", r.code, r.body)
	}
	outside := t.TempDir()
	if err := os.WriteFile(outside+"/s.properties", []byte("n=7\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := `{"connector.class":"test.TestSinkConnector","name":"x","topics":"t","tasks.max":"${file:` + outside + `/s.properties:n}"}`
	r = e.expect(http.MethodPut, "/connector-plugins/test.TestSinkConnector/config/validate", cfg, http.StatusOK, "")
	// Two errors, as Connect: the value does not parse, and the range
	// check then sees null.
	if !strings.Contains(r.body, `"error_count":2,`) || !strings.Contains(r.body, `Invalid value ${file:`+outside+`/s.properties:n} for configuration tasks.max`) ||
		!strings.Contains(r.body, `Invalid value null for configuration tasks.max: Value must be non-null`) {
		t.Fatalf("path outside allowed.paths: %s", r.body)
	}
}

// TestNoSecretInTraceOrLog: an Avro converter whose registry URL carries
// user:password fails its task; neither the status trace nor the log has
// the password, both still name the host and the cause, and a connector
// password equal to a common word ("con") mangles nothing.
func TestNoSecretInTraceOrLog(t *testing.T) {
	var logs logBuffer
	log := slog.New(logging.Masking(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	e := newEnvLog(t, nil, log)
	for name, source := range map[string]string{"by-url": "URL", "by-user-info": "USER_INFO"} {
		e.expect(http.MethodPost, "/connectors", `{"name":"`+name+`","config":{"connector.class":"io.confluent.kafka.connect.datagen.DatagenConnector",`+
			`"kafka.topic":"ratings","quickstart":"ratings","max.interval":"1","iterations":"5","tasks.max":"1","connection.password":"con",`+
			`"value.converter":"io.confluent.connect.avro.AvroConverter","value.converter.schema.registry.url":"http://u:secretpw@127.0.0.1:1",`+
			`"value.converter.basic.auth.credentials.source":"`+source+`","value.converter.basic.auth.user.info":"u:con"}}`, http.StatusCreated, "")
		trace := e.waitTask(name, "FAILED")
		status := e.expect(http.MethodGet, "/connectors/"+name+"/status", nil, http.StatusOK, "").body
		for what, text := range map[string]string{"trace": trace, "status": status} {
			if strings.Contains(text, "secretpw") || !strings.Contains(text, "127.0.0.1:1/subjects/ratings-value/versions") ||
				!strings.Contains(text, "connect: connection refused") || strings.Contains(text, "redacted") {
				t.Errorf("%s %s: %s", name, what, text)
			}
		}
	}
	// A task's FAILED state is visible before its "task failed" line is
	// written: wait for both lines.
	deadline := time.Now().Add(10 * time.Second)
	l := logs.String()
	for strings.Count(l, `msg="task failed"`) < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		l = logs.String()
	}
	if strings.Contains(l, "secretpw") || !strings.Contains(l, "http://u:***@127.0.0.1:1") || !strings.Contains(l, "connection refused") {
		t.Errorf("log: %s", l)
	}
}

// TestSecretsHiddenInErrorBodiesAndValidate: an invalid password is
// reported without its value, as Connect prints a Password; validate
// shows PASSWORD-typed and credential keys as [hidden].
func TestSecretsHiddenInErrorBodiesAndValidate(t *testing.T) {
	e := newEnv(t, nil)
	r := e.do(http.MethodPost, "/connectors", `{"name":"nc","config":{"database.password":"hunter2-pw","sasl.jaas.config":"x required password=\"jaaspw\";"}}`)
	if r.code != http.StatusBadRequest || strings.Contains(r.body, "hunter2-pw") || strings.Contains(r.body, "jaaspw") ||
		!strings.Contains(r.body, "database.password=[hidden]") {
		t.Fatalf("no class: %d %s", r.code, r.body)
	}
	r = e.expect(http.MethodPut, "/connector-plugins/io.confluent.kafka.connect.datagen.DatagenConnector/config/validate",
		`{"connector.class":"io.confluent.kafka.connect.datagen.DatagenConnector","name":"x","kafka.topic":"t","quickstart":"ratings",`+
			`"tasks.max":"nope","value.converter.basic.auth.user.info":"u:pw-in-validate"}`, http.StatusOK, "")
	if strings.Contains(r.body, "pw-in-validate") {
		t.Fatalf("validate shows a credential: %s", r.body)
	}
}
