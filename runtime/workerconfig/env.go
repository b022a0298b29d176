package workerconfig

import (
	"strings"
)

// EnvPrefix starts every worker setting given through the environment.
const EnvPrefix = "CONNECT_"

// FromEnv turns CONNECT_* variables into worker properties with the rule
// of the cp-kafka-connect image: strip the prefix, lower-case, then "___"
// → "-", "__" → "_", "_" → ".". CONNECT_METRIC_REPORTERS is skipped, as
// the image skips it.
func FromEnv(environ []string) map[string]string {
	out := map[string]string{}
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(k, EnvPrefix) || k == "CONNECT_METRIC_REPORTERS" {
			continue
		}
		out[EnvToKey(k)] = v
	}
	return out
}

// EnvToKey maps one variable name to its property name.
func EnvToKey(name string) string {
	s := strings.ToLower(strings.TrimPrefix(name, EnvPrefix))
	var b strings.Builder
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "___"):
			b.WriteByte('-')
			i += 3
		case strings.HasPrefix(s[i:], "__"):
			b.WriteByte('_')
			i += 2
		case s[i] == '_':
			b.WriteByte('.')
			i++
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String()
}
