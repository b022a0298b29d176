package workerconfig

import (
	"strings"
)

// EnvPrefix starts every worker setting given through the environment.
const EnvPrefix = "CONNECT_"

// FromEnv turns CONNECT_* variables into worker properties with the rule
// of the cp-kafka-connect image (see EnvToKey). CONNECT_METRIC_REPORTERS
// is skipped, as the image skips it.
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

// EnvToKey maps one variable name to its property name as the image's
// env_to_props does: strip the prefix, lower-case, then a single "_"
// between two non-underscore characters becomes ".", and in what is left
// "___" becomes "-" and then "__" becomes "_". Worked per run of
// underscores, that is: a lone inner "_" → "."; any other run of n
// underscores (n ≥ 2, or a lone one at either end) → n/3 dashes followed
// by one "_" when n is not a multiple of 3.
func EnvToKey(name string) string {
	s := strings.ToLower(strings.TrimPrefix(name, EnvPrefix))
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '_' {
			b.WriteByte(s[i])
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] == '_' {
			j++
		}
		n := j - i
		if n == 1 && i > 0 && j < len(s) {
			b.WriteByte('.')
		} else {
			b.WriteString(strings.Repeat("-", n/3))
			if n%3 != 0 {
				b.WriteByte('_')
			}
		}
		i = j
	}
	return b.String()
}
