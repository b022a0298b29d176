// Package basicauth is Connect's BasicAuthSecurityRestExtension: HTTP
// basic authentication of REST requests against the KafkaConnect entry of
// the worker's JAAS file, whose login modules are Connect's
// PropertyFileLoginModule (a properties file of user=password lines).
package basicauth

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"

	"github.com/goconnect/goconnect/internal/jaas"
	"github.com/goconnect/goconnect/internal/properties"
)

// Names Connect uses.
const (
	// LoginContext is the JAAS entry the extension logs in with.
	LoginContext = "KafkaConnect"
	// PropertyFileLoginModule is the login module goconnect implements.
	PropertyFileLoginModule = "org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule"
	// LoginConfigProperty is the JVM system property naming the JAAS file.
	LoginConfigProperty = "java.security.auth.login.config"
)

// unauthorizedBody is JaasBasicAuthFilter's 401 entity.
const unauthorizedBody = "User cannot access the resource."

// Authenticator checks basic credentials as a JAAS login with the
// KafkaConnect entry would.
type Authenticator struct {
	modules []module
}

type module struct {
	flag string // required, requisite, sufficient or optional
	file string
	// users maps user to password; empty lets every request in, as
	// PropertyFileLoginModule does for an empty file.
	users map[string]string
}

// Load reads the JAAS file at path and the credential files its
// KafkaConnect entry names. Anything Connect would only discover at the
// first request (no entry, an unknown login module, an unreadable file) is
// an error here, so a worker never starts with an API nobody can use.
func Load(path string, log *slog.Logger) (*Authenticator, error) {
	if path == "" {
		return nil, fmt.Errorf("basic authentication (%s) needs a JAAS file: set -D%s=<file> in KAFKA_OPTS or on the command line",
			"rest.extension.classes", LoginConfigProperty)
	}
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("JAAS file (%s): %w", LoginConfigProperty, err)
	}
	entries, err := jaas.ParseFile(string(text))
	if err != nil {
		return nil, fmt.Errorf("JAAS file %s: %w", path, err)
	}
	mods, ok := entries[LoginContext]
	if !ok || len(mods) == 0 {
		return nil, fmt.Errorf("JAAS file %s: no %s entry (basic authentication logs in with it)", path, LoginContext)
	}
	a := &Authenticator{}
	for _, m := range mods {
		if m.Class != PropertyFileLoginModule {
			return nil, fmt.Errorf("JAAS file %s, entry %s: login module %s is a Java class goconnect cannot load; only %s is available",
				path, LoginContext, m.Class, PropertyFileLoginModule)
		}
		file := strings.TrimSpace(m.Options["file"])
		if file == "" {
			// PropertyFileLoginModule's own message.
			return nil, fmt.Errorf("JAAS file %s, entry %s: Property Credentials file must be specified", path, LoginContext)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("JAAS file %s, entry %s: Error loading Property Credentials file: %w", path, LoginContext, err)
		}
		users, err := properties.Parse(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("credentials file %s: %w", file, err)
		}
		if len(users) == 0 && log != nil {
			log.Warn("Credential properties file is empty; all requests will be permitted", "file", file)
		}
		a.modules = append(a.modules, module{flag: m.Flag, file: file, users: users})
	}
	return a, nil
}

// Authenticate runs the login modules on the request's basic credentials
// with JAAS's control-flag rules.
func (a *Authenticator) Authenticate(r *http.Request) bool {
	user, pass, ok := credentials(r.Header.Get("Authorization"))
	var requiredFailed, anyRequired, anyOptionalOK bool
	for _, m := range a.modules {
		passed := m.login(user, pass, ok)
		switch m.flag {
		case "requisite":
			if !passed {
				return false
			}
			anyRequired = true
		case "sufficient":
			if passed && !requiredFailed {
				return true
			}
		case "optional":
			anyOptionalOK = anyOptionalOK || passed
		default: // required
			anyRequired = true
			requiredFailed = requiredFailed || !passed
		}
	}
	if requiredFailed {
		return false
	}
	return anyRequired || anyOptionalOK
}

// login is PropertyFileLoginModule.login.
func (m module) login(user, pass string, given bool) bool {
	if len(m.users) == 0 {
		return true
	}
	if !given {
		return false
	}
	want, ok := m.users[user]
	return ok && want == pass
}

// Unauthorized writes JaasBasicAuthFilter's answer. Connect sends no
// WWW-Authenticate header; goconnect adds one so browsers and clients
// that wait for a challenge know to send credentials.
func (a *Authenticator) Unauthorized(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Basic realm="`+LoginContext+`"`)
	// Jersey renders the filter's string entity with the resource's
	// media type.
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusUnauthorized)
	_, _ = w.Write([]byte(unauthorizedBody))
}

// credentials is BasicAuthCredentials: "Basic " (any case) and base64 of
// user:password with a non-empty user; ok is false otherwise.
func credentials(header string) (user, pass string, ok bool) {
	scheme, enc, found := strings.Cut(header, " ")
	if !found || scheme == "" || !strings.EqualFold(scheme, "basic") {
		return "", "", false
	}
	dec, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return "", "", false
	}
	user, pass, found = strings.Cut(string(dec), ":")
	if !found || user == "" {
		return "", "", false
	}
	return user, pass, true
}

// LoginConfigPath finds -Djava.security.auth.login.config=<file> in
// KAFKA_OPTS (as the container passes it) and in args, goconnect's own
// -D flags; args win, as a later -D does for the JVM.
func LoginConfigPath(kafkaOpts string, args []string) string {
	path := ""
	for _, f := range append(strings.Fields(kafkaOpts), args...) {
		if v, ok := strings.CutPrefix(f, "-D"+LoginConfigProperty+"="); ok {
			// "==" replaces the JVM's default file; the file is the same.
			path = strings.TrimPrefix(strings.Trim(v, `"'`), "=")
		}
	}
	return path
}
