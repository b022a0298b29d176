package main

import (
	"bufio"
	"crypto/md5"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/goconnect/goconnect/internal/jaas"
	"github.com/goconnect/goconnect/runtime/basicauth"
)

// registryAuth is Confluent's registry basic authentication (rest-utils:
// authentication.method=BASIC): the JAAS entry named by
// authentication.realm, with Jetty's PropertyFileLoginModule and its
// users file ("user: password[,role...]"), and authentication.roles
// (default "*": any authenticated user).
type registryAuth struct {
	realm string
	users map[string]jettyUser
	roles []string // empty or "*": any role
}

type jettyUser struct {
	password string // plain, or "MD5:<hex>"
	roles    []string
}

// jettyPropertyModule tells Jetty 9's and Jetty 12's class names.
func jettyPropertyModule(class string) bool {
	return class == "org.eclipse.jetty.jaas.spi.PropertyFileLoginModule" ||
		class == "org.eclipse.jetty.security.jaas.spi.PropertyFileLoginModule"
}

// loadRegistryAuth reads the settings; nil when authentication.method is
// NONE (the default). The JAAS file is -Djava.security.auth.login.config
// in SCHEMA_REGISTRY_OPTS (Confluent's launcher) or KAFKA_OPTS.
func loadRegistryAuth(props map[string]string) (*registryAuth, error) {
	method := strings.ToUpper(strings.TrimSpace(props["authentication.method"]))
	switch method {
	case "", "NONE":
		return nil, nil
	case "BASIC":
	default:
		return nil, fmt.Errorf("authentication.method %q: goconnect's registry supports NONE and BASIC", props["authentication.method"])
	}
	realm := strings.TrimSpace(props["authentication.realm"])
	if realm == "" {
		return nil, fmt.Errorf("authentication.method=BASIC needs authentication.realm (the JAAS entry, such as SchemaRegistry-Props)")
	}
	path := basicauth.LoginConfigPath(os.Getenv("KAFKA_OPTS")+" "+os.Getenv("SCHEMA_REGISTRY_OPTS"), nil)
	if path == "" {
		return nil, fmt.Errorf("authentication.method=BASIC needs a JAAS file: set -D%s=<file> in SCHEMA_REGISTRY_OPTS", basicauth.LoginConfigProperty)
	}
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("JAAS file: %w", err)
	}
	entries, err := jaas.ParseFile(string(text))
	if err != nil {
		return nil, fmt.Errorf("JAAS file %s: %w", path, err)
	}
	modules, ok := entries[realm]
	if !ok {
		return nil, fmt.Errorf("JAAS file %s has no entry %s (authentication.realm)", path, realm)
	}
	a := &registryAuth{realm: realm, users: map[string]jettyUser{}}
	for _, m := range modules {
		if !jettyPropertyModule(m.Class) {
			return nil, fmt.Errorf("JAAS entry %s: login module %s is not supported (use org.eclipse.jetty.jaas.spi.PropertyFileLoginModule)", realm, m.Class)
		}
		file := m.Options["file"]
		if file == "" {
			return nil, fmt.Errorf("JAAS entry %s: PropertyFileLoginModule needs file=", realm)
		}
		if err := a.readUsers(file); err != nil {
			return nil, err
		}
	}
	for _, r := range strings.Split(props["authentication.roles"], ",") {
		if r = strings.TrimSpace(r); r != "" && r != "*" {
			a.roles = append(a.roles, r)
		}
	}
	return a, nil
}

// readUsers reads Jetty's PropertyUserStore file.
func (a *registryAuth) readUsers(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("users file: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		user, rest, ok := strings.Cut(line, ":")
		if !ok {
			user, rest, ok = strings.Cut(line, "=")
		}
		if !ok {
			return fmt.Errorf("users file %s line %d: expected \"user: password[,role...]\"", path, n)
		}
		parts := strings.Split(rest, ",")
		pw := strings.TrimSpace(parts[0])
		if strings.HasPrefix(pw, "OBF:") || strings.HasPrefix(pw, "CRYPT:") {
			return fmt.Errorf("users file %s line %d: OBF: and CRYPT: passwords are not supported (plain or MD5:)", path, n)
		}
		u := jettyUser{password: pw}
		for _, r := range parts[1:] {
			if r = strings.TrimSpace(r); r != "" {
				u.roles = append(u.roles, r)
			}
		}
		a.users[strings.TrimSpace(user)] = u
	}
	return sc.Err()
}

// check answers 0 to a request with valid credentials and a role
// authentication.roles names, 401 without valid credentials, 403 to a
// known user without such a role (Jetty's SecurityHandler: "!authorized").
func (a *registryAuth) check(req *http.Request) int {
	user, pass, ok := req.BasicAuth()
	if !ok {
		return http.StatusUnauthorized
	}
	u, ok := a.users[user]
	if !ok {
		return http.StatusUnauthorized
	}
	want := u.password
	if hexSum, isMD5 := strings.CutPrefix(want, "MD5:"); isMD5 {
		sum := md5.Sum([]byte(pass))
		if subtle.ConstantTimeCompare([]byte(strings.ToLower(hexSum)), []byte(hex.EncodeToString(sum[:]))) != 1 {
			return http.StatusUnauthorized
		}
	} else if subtle.ConstantTimeCompare([]byte(want), []byte(pass)) != 1 {
		return http.StatusUnauthorized
	}
	if len(a.roles) == 0 {
		return 0
	}
	for _, r := range u.roles {
		for _, need := range a.roles {
			if r == need {
				return 0
			}
		}
	}
	return http.StatusForbidden
}

// wrap refuses a request without valid credentials or role before
// anything else runs (so a follower forwards only authenticated writes,
// with their Authorization header), as Confluent's Jetty 12 does: 401
// with Jetty's BasicAuthenticator challenge, or 403; the body is written
// by the registry's JsonErrorHandler, which Jetty's ErrorHandler calls
// for GET, POST and HEAD only ({"error_code":401,"message":"Unauthorized"},
// {"error_code":403,"message":"!authorized"}): a PUT or a DELETE gets
// the status alone.
func (a *registryAuth) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		status := a.check(req)
		if status == 0 {
			next.ServeHTTP(w, req)
			return
		}
		message := "Unauthorized"
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", fmt.Sprintf("basic realm=%q", a.realm))
		} else {
			message = "!authorized"
		}
		switch req.Method {
		case http.MethodGet, http.MethodPost, http.MethodHead:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			fmt.Fprintf(w, `{"error_code":%d,"message":%q}`, status, message)
		default:
			w.Header().Set("Content-Length", "0")
			w.WriteHeader(status)
		}
	})
}
