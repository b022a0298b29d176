package config

import "strings"

// Hidden is what a secret value is shown as, as Connect's Password does.
const Hidden = "[hidden]"

// Sensitive reports whether a key holds a credential by its name, for
// settings that are not declared PASSWORD where they are used (worker
// and client settings, converter settings given under a prefix): any key
// with a "password", "passwd", "pwd" or "secret" part, a JAAS config
// (sasl.jaas.config), Schema Registry's basic.auth.user.info and
// bearer.auth.token, a PEM private key (ssl.keystore.key) and Kafka's
// password encoder secret.
func Sensitive(key string) bool {
	k := strings.ToLower(key)
	for _, part := range strings.FieldsFunc(k, func(r rune) bool { return r == '.' || r == '_' || r == '-' }) {
		switch part {
		case "password", "passwd", "pwd", "secret":
			return true
		}
	}
	for _, suffix := range []string{"jaas.config", "user.info", "auth.token", "ssl.keystore.key"} {
		if strings.HasSuffix(k, suffix) {
			return true
		}
	}
	return strings.HasSuffix(k, "password")
}
