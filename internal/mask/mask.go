// Package mask keeps secrets out of text that leaves the worker (log
// lines, task traces, DLQ headers, REST error bodies). It masks by
// structure, never by searching for a secret's value, so the rest of a
// message stays as written: the password of a URL's user info
// (scheme://user:***@host), and the value after a credential key in
// key=value text (password=***, sasl.jaas.config=***).
package mask

import (
	"maps"
	"regexp"
	"strings"

	"github.com/goconnect/goconnect/connect/config"
)

// Masked replaces a secret in text.
const Masked = "***"

// Text masks URL passwords and the values of credential keys in s.
func Text(s string) string {
	return keyValues(URLs(s))
}

// URLs masks the password of every scheme://user:password@host in s
// (the same form as Go's net/http errors: user:***@host). The user name
// and host stay readable.
func URLs(s string) string {
	if !strings.Contains(s, "://") || !strings.Contains(s, "@") {
		return s
	}
	var b strings.Builder
	i := 0
	for {
		j := strings.Index(s[i:], "://")
		if j < 0 {
			break
		}
		start := i + j + 3
		end := start
		for end < len(s) && !strings.ContainsRune("/?#\"'`<>[] \t\r\n", rune(s[end])) {
			end++
		}
		b.WriteString(s[i:start])
		i = start
		if at := strings.LastIndexByte(s[start:end], '@'); at >= 0 {
			user, pass, ok := strings.Cut(s[start:start+at], ":")
			if ok && pass != "" {
				b.WriteString(user + ":" + Masked)
				i = start + at
			}
		}
		// The scan goes on from the host: a list of URLs may follow.
	}
	b.WriteString(s[i:])
	return b.String()
}

// keyValue finds key=value pairs whose key names a credential; the value
// is a quoted string or runs to the next separator.
var keyValue = regexp.MustCompile(`(?i)([a-z0-9_.\-]*(?:password|passwd|pwd|secret|sharedaccesskey|accountkey|jaas\.config|user\.info|auth\.token|access_token|apikey|api\.key))(\s*=\s*)("(?:[^"\\]|\\.)*"|[^\s,;&})"']+)`)

func keyValues(s string) string {
	if !strings.Contains(s, "=") {
		return s
	}
	return keyValue.ReplaceAllStringFunc(s, func(m string) string {
		g := keyValue.FindStringSubmatch(m)
		if g[3] == config.Hidden || g[3] == Masked {
			return m
		}
		if strings.HasPrefix(g[3], `"`) {
			return g[1] + g[2] + `"` + Masked + `"`
		}
		return g[1] + g[2] + Masked
	})
}

// Props returns a copy of props with the value of every credential key
// (config.Sensitive) replaced by [hidden] and URL passwords masked in
// the others, for messages that quote a whole config.
func Props(props map[string]string) map[string]string {
	out := maps.Clone(props)
	for k, v := range out {
		if config.Sensitive(k) {
			out[k] = config.Hidden
		} else {
			out[k] = URLs(v)
		}
	}
	return out
}
