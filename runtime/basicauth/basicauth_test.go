package basicauth

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

func load(t *testing.T, entry string, files map[string]string) (*Authenticator, error) {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	jf := filepath.Join(dir, "jaas.conf")
	if err := os.WriteFile(jf, []byte(entry), 0o600); err != nil {
		t.Fatal(err)
	}
	return Load(jf, nil)
}

func authOK(a *Authenticator, header string) bool {
	r, _ := http.NewRequest(http.MethodGet, "http://x/connectors", nil)
	if header != "" {
		r.Header.Set("Authorization", header)
	}
	return a.Authenticate(r)
}

func TestPropertyFileLogin(t *testing.T) {
	dir := t.TempDir()
	users := filepath.Join(dir, "users.properties")
	// Java properties: '=' or ':' separators; the whole value is the
	// password (PropertyFileLoginModule compares it as is).
	os.WriteFile(users, []byte("# users\nalice: s3cret\nbob=pa:ss\ncarol = x,admin\n"), 0o600)
	a, err := load(t, `KafkaConnect { `+PropertyFileLoginModule+` required file="`+users+`"; };`, nil)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]bool{
		"":                           false,
		"Basic YWxpY2U6czNjcmV0":     true,  // alice:s3cret
		"basic YWxpY2U6czNjcmV0":     true,  // the scheme in any case
		"Bearer YWxpY2U6czNjcmV0":    false, // another scheme
		"Basic YWxpY2U6d3Jvbmc=":     false, // alice:wrong
		"Basic Ym9iOnBhOnNz":         true,  // bob:pa:ss, the password holds a colon
		"Basic Y2Fyb2w6eCxhZG1pbg==": true,  // carol:x,admin
		"Basic Y2Fyb2w6eA==":         false, // carol:x (no role syntax)
		"Basic OnMzY3JldA==":         false, // empty user
		"Basic !!!":                  false, // not base64
		"BasicYWxpY2U6czNjcmV0":      false, // no space
		"Basic bWFsbG9yeTpzM2NyZXQ=": false, // mallory:s3cret
	}
	for h, want := range cases {
		if got := authOK(a, h); got != want {
			t.Errorf("Authorization %q: %v, want %v", h, got, want)
		}
	}
}

func TestEmptyCredentialsFileLetsEveryoneIn(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.properties")
	os.WriteFile(empty, nil, 0o600)
	a, err := load(t, `KafkaConnect { `+PropertyFileLoginModule+` required file="`+empty+`"; };`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !authOK(a, "") {
		t.Fatal("an empty credentials file must permit every request, as in Connect")
	}
}

func TestControlFlags(t *testing.T) {
	dir := t.TempDir()
	one := filepath.Join(dir, "one.properties")
	two := filepath.Join(dir, "two.properties")
	os.WriteFile(one, []byte("alice=a\n"), 0o600)
	os.WriteFile(two, []byte("bob=b\n"), 0o600)
	entry := func(f1, f2 string) string {
		return `KafkaConnect { ` + PropertyFileLoginModule + ` ` + f1 + ` file="` + one + `"; ` + PropertyFileLoginModule + ` ` + f2 + ` file="` + two + `"; };`
	}
	alice, bob := "Basic YWxpY2U6YQ==", "Basic Ym9iOmI="
	for _, c := range []struct {
		f1, f2     string
		alice, bob bool
	}{
		{"required", "required", false, false},
		{"sufficient", "sufficient", true, true},
		{"sufficient", "required", true, true},
		{"required", "optional", true, false},
		{"optional", "optional", true, true},
		{"requisite", "sufficient", true, false},
	} {
		a, err := load(t, entry(c.f1, c.f2), nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := authOK(a, alice); got != c.alice {
			t.Errorf("%s/%s alice: %v", c.f1, c.f2, got)
		}
		if got := authOK(a, bob); got != c.bob {
			t.Errorf("%s/%s bob: %v", c.f1, c.f2, got)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	for name, entry := range map[string]string{
		"no file option":  `KafkaConnect { ` + PropertyFileLoginModule + ` required; };`,
		"missing file":    `KafkaConnect { ` + PropertyFileLoginModule + ` required file="/nonexistent/users"; };`,
		"no entry":        `KafkaServer { ` + PropertyFileLoginModule + ` required file="/x"; };`,
		"syntax":          `KafkaConnect { ` + PropertyFileLoginModule + ` required file="/x" };`,
		"java-only class": `KafkaConnect { com.example.Ldap required; };`,
	} {
		if _, err := load(t, entry, nil); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
	if _, err := Load("", nil); err == nil {
		t.Error("no JAAS file: loaded")
	}
}

func TestLoginConfigPath(t *testing.T) {
	if p := LoginConfigPath(`-Xmx1g -Djava.security.auth.login.config=/etc/kafka/jaas.conf -Dx=y`, nil); p != "/etc/kafka/jaas.conf" {
		t.Errorf("KAFKA_OPTS: %q", p)
	}
	if p := LoginConfigPath(`-Djava.security.auth.login.config==/a.conf`, []string{"-Djava.security.auth.login.config=/b.conf"}); p != "/b.conf" {
		t.Errorf("flag over KAFKA_OPTS: %q", p)
	}
	if p := LoginConfigPath(`-Djava.security.auth.login.config==/a.conf`, nil); p != "/a.conf" {
		t.Errorf("== form: %q", p)
	}
}
