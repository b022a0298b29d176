package tlsconfig

import (
	"sort"
	"strings"
)

// settingNames are the names this package's errors may mention.
var settingNames = []string{
	TruststoreType, TruststoreLocation, TruststorePassword, TruststoreCertificates,
	KeystoreType, KeystoreLocation, KeystorePassword, KeyPassword, KeystoreKey, KeystoreChain,
	EndpointIdentification, EnabledProtocols, Protocol, ClientAuth,
}

// Rename rewrites the setting names in err's message with the names the
// user wrote, for callers that pass settings under other names
// (elastic.https.ssl.truststore.location, database.ssl.truststore, …):
// rename maps one of Kafka's names to the caller's. errors.Is and
// errors.As still see err.
func Rename(err error, rename func(kafkaName string) string) error {
	if err == nil {
		return nil
	}
	names := append([]string(nil), settingNames...)
	// Longest first, so that a name is never rewritten by a shorter one
	// that happens to be its prefix.
	sort.Slice(names, func(i, j int) bool { return len(names[i]) > len(names[j]) })
	pairs := make([]string, 0, 2*len(names))
	for _, n := range names {
		pairs = append(pairs, n, rename(n))
	}
	return &renamedError{msg: strings.NewReplacer(pairs...).Replace(err.Error()), err: err}
}

// Prefix is a Rename function for settings that carry a prefix
// (schema.registry.ssl.…, elastic.https.ssl.…).
func Prefix(prefix string) func(string) string {
	return func(name string) string { return prefix + name }
}

type renamedError struct {
	msg string
	err error
}

func (e *renamedError) Error() string { return e.msg }
func (e *renamedError) Unwrap() error { return e.err }

// Setting splits an error of this package, "<setting>: <what>" (possibly
// with settings nested, "<setting>: <setting>: <what>"), into the
// innermost setting it is about and the rest, so that callers can report
// it against that key. A message that does not start with a setting name
// gives key "".
func Setting(err error) (key, msg string) {
	msg = err.Error()
	for {
		name, rest, ok := strings.Cut(msg, ": ")
		if !ok || name == "" || strings.ContainsAny(name, " /\\") || !strings.Contains(name, ".") {
			return key, msg
		}
		key, msg = name, rest
	}
}
