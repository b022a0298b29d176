// Package configprovider resolves ${provider:[path:]key} placeholders in
// worker and connector configs, as Kafka's ConfigProvider and
// ConfigTransformer do (KIP-297, KIP-421): the worker config names its
// providers (config.providers, config.providers.<name>.class and
// .param.*); the worker config is resolved once at start, connector and
// task configs each time a connector or task starts. Configs are stored
// and shown with their placeholders: only the running plugins see the
// resolved values.
//
// Resolution follows ConfigTransformer exactly: a placeholder naming an
// unknown provider, or a key the provider does not have, stays as it is;
// a provider that cannot read its source (a missing file) fails the
// resolution. TTLs and config.action.reload are not supported: a value
// is read again only when the connector or task restarts.
package configprovider

import (
	"fmt"
	"log/slog"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/goconnect/goconnect/connect/config"
)

// Provider is one config provider: a source of key/value data grouped by
// path (a file, a directory, nothing for the environment).
type Provider interface {
	// Get returns the values of keys at path. A key the source does not
	// have is left out of the result; an unreadable source is an error;
	// a refused path is logged and gives nothing.
	Get(path string, keys []string, log *slog.Logger) (map[string]string, error)
}

// Keys of the worker config that declare providers.
const (
	// ProvidersKey lists the provider names, comma-separated.
	ProvidersKey = "config.providers"
	// providerPrefix + name + classSuffix names a provider's Java class;
	// providerPrefix + name + paramInfix + param its parameters.
	providerPrefix = "config.providers."
	classSuffix    = ".class"
	paramInfix     = ".param."
)

// The Java class names goconnect implements.
const (
	FileClass      = "org.apache.kafka.common.config.provider.FileConfigProvider"
	DirectoryClass = "org.apache.kafka.common.config.provider.DirectoryConfigProvider"
	EnvVarClass    = "org.apache.kafka.common.config.provider.EnvVarConfigProvider"
)

// placeholder is ConfigTransformer's DEFAULT_PATTERN; RE2's leftmost-first
// matching of the lazy groups picks the same provider, path and key as
// Java's backtracking matcher.
var placeholder = regexp.MustCompile(`\$\{(.*?):((.*?):)?(.*?)\}`)

// Transformer resolves placeholders with the providers of a worker
// config. A nil *Transformer resolves nothing.
type Transformer struct {
	providers map[string]Provider
	log       *slog.Logger
}

// New builds the providers a worker config declares. environ is the
// process environment (os.Environ form) that EnvVarConfigProvider serves.
// A provider without a class, with a class goconnect does not have, or
// with a bad parameter is an error naming the key.
func New(props map[string]string, environ []string) (*Transformer, error) {
	names := splitList(props[ProvidersKey])
	if len(names) == 0 {
		return nil, nil
	}
	t := &Transformer{providers: map[string]Provider{}, log: slog.New(slog.DiscardHandler)}
	for _, name := range names {
		classKey := providerPrefix + name + classSuffix
		class, ok := props[classKey]
		class = strings.TrimSpace(class)
		if !ok || class == "" {
			return nil, &config.Error{Key: classKey, Message: fmt.Sprintf(
				"Missing required configuration %q which has no default value: provider %s is listed in %s", classKey, name, ProvidersKey)}
		}
		params := config.WithPrefix(props, providerPrefix+name+paramInfix)
		paramKey := func(p string) string { return providerPrefix + name + paramInfix + p }
		var p Provider
		var err error
		switch class {
		case FileClass:
			p, err = newFile(params, paramKey)
		case DirectoryClass:
			p, err = newDirectory(params, paramKey)
		case EnvVarClass:
			p, err = newEnvVar(params, paramKey, environ)
		default:
			return nil, &config.Error{Key: classKey, Value: class, Message: "Could not load config provider class or one of its dependencies (goconnect has " +
				strings.Join([]string{FileClass, DirectoryClass, EnvVarClass}, ", ") + ")"}
		}
		if err != nil {
			return nil, err
		}
		t.providers[name] = p
	}
	return t, nil
}

// WithLogger returns a transformer with the same providers that logs
// their warnings (a path refused by allowed.paths) to log.
func (t *Transformer) WithLogger(log *slog.Logger) *Transformer {
	if t == nil {
		return nil
	}
	return &Transformer{providers: t.providers, log: log}
}

// splitList splits config.providers; blanks around names are dropped
// (Java keeps them and then finds no class for " name").
func splitList(s string) []string {
	var out []string
	for _, n := range strings.Split(s, ",") {
		if n = strings.TrimSpace(n); n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// HasReferences reports whether any value of props holds a placeholder.
func HasReferences(props map[string]string) bool {
	for _, v := range props {
		if placeholder.MatchString(v) {
			return true
		}
	}
	return false
}

// variable is one placeholder's parts.
type variable struct{ provider, path, key string }

func variableAt(v string, m []int) variable {
	out := variable{provider: v[m[2]:m[3]], key: v[m[8]:m[9]]}
	if m[6] >= 0 {
		out.path = v[m[6]:m[7]]
	}
	return out
}

// Transform returns a copy of props with every placeholder resolved.
// Each provider is asked once per path for all the keys used with it.
func (t *Transformer) Transform(props map[string]string) (map[string]string, error) {
	out := maps.Clone(props)
	if t == nil || len(t.providers) == 0 || !HasReferences(props) {
		return out, nil
	}
	wanted := map[string]map[string][]string{} // provider → path → keys
	for _, v := range props {
		for _, m := range placeholder.FindAllStringSubmatchIndex(v, -1) {
			vr := variableAt(v, m)
			if _, ok := t.providers[vr.provider]; !ok {
				continue
			}
			if wanted[vr.provider] == nil {
				wanted[vr.provider] = map[string][]string{}
			}
			if !slices.Contains(wanted[vr.provider][vr.path], vr.key) {
				wanted[vr.provider][vr.path] = append(wanted[vr.provider][vr.path], vr.key)
			}
		}
	}
	found := map[string]map[string]map[string]string{} // provider → path → key → value
	for _, name := range sortedKeys(wanted) {
		found[name] = map[string]map[string]string{}
		for _, path := range sortedKeys(wanted[name]) {
			data, err := t.providers[name].Get(path, wanted[name][path], t.log)
			if err != nil {
				return nil, fmt.Errorf("config provider %s: %w", name, err)
			}
			found[name][path] = data
		}
	}
	for k, v := range props {
		ms := placeholder.FindAllStringSubmatchIndex(v, -1)
		if len(ms) == 0 {
			continue
		}
		var b strings.Builder
		last := 0
		for _, m := range ms {
			vr := variableAt(v, m)
			if r, ok := found[vr.provider][vr.path][vr.key]; ok {
				b.WriteString(v[last:m[0]])
				b.WriteString(r)
				last = m[1]
			}
		}
		b.WriteString(v[last:])
		out[k] = b.String()
	}
	return out, nil
}

// ReverseTransform puts the placeholders of a connector's stored config
// back into the task configs it generated from the resolved one, as
// Connect's AbstractHerder.reverseTransform: every task key that the
// connector config sets to a placeholder gets the placeholder, so stored
// and shown task configs never hold resolved values.
func ReverseTransform(rawConnector map[string]string, taskConfigs []map[string]string) []map[string]string {
	var refs []string
	for k, v := range rawConnector {
		if placeholder.MatchString(v) {
			refs = append(refs, k)
		}
	}
	out := make([]map[string]string, len(taskConfigs))
	for i, tc := range taskConfigs {
		c := maps.Clone(tc)
		for _, k := range refs {
			if _, ok := c[k]; ok {
				c[k] = rawConnector[k]
			}
		}
		out[i] = c
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
