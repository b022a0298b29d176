package configprovider

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/goconnect/goconnect/connect/config"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func mustNew(t *testing.T, props map[string]string, environ ...string) *Transformer {
	t.Helper()
	tr, err := New(props, environ)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestFileDirectoryAndEnvPlaceholders(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir+"/db.properties", "user=dbz\npassword=s3cr=t:x\n")
	writeFile(t, dir+"/k8s/token", "tok-123")
	if err := os.Symlink(dir+"/k8s/token", dir+"/k8s/linked"); err != nil {
		t.Fatal(err)
	}
	tr := mustNew(t, map[string]string{
		"config.providers":            "file, dir,env",
		"config.providers.file.class": FileClass,
		"config.providers.dir.class":  DirectoryClass,
		"config.providers.env.class":  EnvVarClass,
	}, "HOME_X=/home/x", "OTHER=1")
	got, err := tr.Transform(map[string]string{
		"database.user":     "${file:" + dir + "/db.properties:user}",
		"database.password": "${file:" + dir + "/db.properties:password}",
		"url":               "http://${file:" + dir + "/db.properties:user}:${dir:" + dir + "/k8s:token}@h:1/${env:HOME_X}",
		"linked":            "${dir:" + dir + "/k8s:linked}",
		"missing.key":       "${file:" + dir + "/db.properties:nope}",
		"unknown.provider":  "${vault:secret/x:y}",
		"plain":             "no placeholder",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"database.user":     "dbz",
		"database.password": "s3cr=t:x",
		"url":               "http://dbz:tok-123@h:1//home/x",
		"linked":            "tok-123",
		// As ConfigTransformer: what cannot be resolved stays as written.
		"missing.key":      "${file:" + dir + "/db.properties:nope}",
		"unknown.provider": "${vault:secret/x:y}",
		"plain":            "no placeholder",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
}

// TestGrammar pins the parts ConfigTransformer's regex gives for the
// shapes that are easy to get wrong: a key with colons, no path, two
// placeholders in one value.
func TestGrammar(t *testing.T) {
	cases := []struct {
		in   string
		want []variable
	}{
		{"${env:HOME}", []variable{{"env", "", "HOME"}}},
		{"${file:/a/b.properties:k}", []variable{{"file", "/a/b.properties", "k"}}},
		{"${file:/a:b:c}", []variable{{"file", "/a", "b:c"}}},
		{"x${p:/e:k}y${q:/f:z}", []variable{{"p", "/e", "k"}, {"q", "/f", "z"}}},
		// The lazy path group runs over the first "}" to the next ":",
		// exactly as Java's matcher does.
		{"${env:A} ${file:/f:k}", []variable{{"env", "A} ${file", "/f:k"}}},
		{"$notone {x:y}", nil},
	}
	for _, c := range cases {
		var got []variable
		for _, m := range placeholder.FindAllStringSubmatchIndex(c.in, -1) {
			got = append(got, variableAt(c.in, m))
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q: got %+v want %+v", c.in, got, c.want)
		}
	}
}

func TestMissingFileIsAnError(t *testing.T) {
	tr := mustNew(t, map[string]string{"config.providers": "file", "config.providers.file.class": FileClass})
	_, err := tr.Transform(map[string]string{"a": "${file:/nonexistent/x.properties:k}"})
	if err == nil || !strings.Contains(err.Error(), "Could not read properties from file /nonexistent/x.properties") {
		t.Fatalf("err = %v", err)
	}
}

func TestAllowedPaths(t *testing.T) {
	base := t.TempDir()
	writeFile(t, base+"/allowed/s.properties", "k=inside")
	writeFile(t, base+"/allowedX/s.properties", "k=sibling")
	writeFile(t, base+"/outside/s.properties", "k=outside")
	tr := mustNew(t, map[string]string{
		"config.providers":                          "file,dir",
		"config.providers.file.class":               FileClass,
		"config.providers.file.param.allowed.paths": base + "/allowed",
		"config.providers.dir.class":                DirectoryClass,
		"config.providers.dir.param.allowed.paths":  base + "/allowed",
	})
	in := map[string]string{
		"in":        "${file:" + base + "/allowed/s.properties:k}",
		"out":       "${file:" + base + "/outside/s.properties:k}",
		"prefix":    "${file:" + base + "/allowedX/s.properties:k}",
		"traversal": "${file:" + base + "/allowed/../outside/s.properties:k}",
		"dir.out":   "${dir:" + base + "/outside:s.properties}",
		"dir.in":    "${dir:" + base + "/allowed:s.properties}",
	}
	var logs strings.Builder
	got, err := tr.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))).Transform(in)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "not allowed") || !strings.Contains(logs.String(), base+"/outside/s.properties") {
		t.Errorf("refusal not logged: %s", logs.String())
	}
	want := map[string]string{"in": "inside", "dir.in": "k=inside"}
	for k, v := range in {
		if _, ok := want[k]; !ok {
			want[k] = v // refused: left unresolved, as Connect does
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
}

func TestBadProviderSettingsNameTheKey(t *testing.T) {
	base := t.TempDir()
	cases := []struct {
		props map[string]string
		key   string
		msg   string
	}{
		{map[string]string{"config.providers": "vault", "config.providers.vault.class": "io.example.VaultConfigProvider"},
			"config.providers.vault.class", "Could not load config provider class"},
		{map[string]string{"config.providers": "file"}, "config.providers.file.class", "Missing required configuration"},
		{map[string]string{"config.providers": "file", "config.providers.file.class": FileClass,
			"config.providers.file.param.allowed.paths": "relative/dir"}, "config.providers.file.param.allowed.paths", "is not absolute"},
		{map[string]string{"config.providers": "dir", "config.providers.dir.class": DirectoryClass,
			"config.providers.dir.param.allowed.paths": base + "/nope"}, "config.providers.dir.param.allowed.paths", "does not exist"},
		{map[string]string{"config.providers": "env", "config.providers.env.class": EnvVarClass,
			"config.providers.env.param.allowlist.pattern": "("}, "config.providers.env.param.allowlist.pattern", "regular expression"},
	}
	for _, c := range cases {
		_, err := New(c.props, nil)
		var ce *config.Error
		if !errors.As(err, &ce) || ce.Key != c.key || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%v: err = %v, want key %s and %q", c.props, err, c.key, c.msg)
		}
	}
}

func TestEnvAllowlist(t *testing.T) {
	tr := mustNew(t, map[string]string{
		"config.providers": "env", "config.providers.env.class": EnvVarClass,
		"config.providers.env.param.allowlist.pattern": "CONNECT_SECRET_.*",
	}, "CONNECT_SECRET_DB=pw", "AWS_SECRET_ACCESS_KEY=aws", "XCONNECT_SECRET_Y=partial")
	got, err := tr.Transform(map[string]string{
		"a": "${env:CONNECT_SECRET_DB}",
		"b": "${env:AWS_SECRET_ACCESS_KEY}",
		"c": "${env:XCONNECT_SECRET_Y}", // the pattern must match the whole name
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a": "pw", "b": "${env:AWS_SECRET_ACCESS_KEY}", "c": "${env:XCONNECT_SECRET_Y}"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v want %v", got, want)
	}
	if _, err := tr.Transform(map[string]string{"a": "${env:/some/path:X}"}); err == nil ||
		!strings.Contains(err.Error(), "Path is not supported for EnvVarConfigProvider") {
		t.Fatalf("path with env provider: %v", err)
	}
}

func TestNoProvidersAndReverseTransform(t *testing.T) {
	if tr := mustNew(t, map[string]string{"bootstrap.servers": "x"}); tr != nil {
		t.Fatalf("no config.providers should give no transformer")
	}
	var none *Transformer
	in := map[string]string{"a": "${file:/x:y}"}
	got, err := none.Transform(in)
	if err != nil || !reflect.DeepEqual(got, in) {
		t.Fatalf("nil transformer: %v %v", got, err)
	}
	raw := map[string]string{"connection.password": "${file:/s:pw}", "topics": "t", "url": "http://${env:U}@h"}
	tasks := []map[string]string{{"connection.password": "resolved", "topics": "t", "task.id": "0"}}
	rev := ReverseTransform(raw, tasks)
	want := []map[string]string{{"connection.password": "${file:/s:pw}", "topics": "t", "task.id": "0"}}
	if !reflect.DeepEqual(rev, want) {
		t.Fatalf("reverse %v want %v", rev, want)
	}
	if tasks[0]["connection.password"] != "resolved" {
		t.Fatal("ReverseTransform changed its input")
	}
}
