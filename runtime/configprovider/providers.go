package configprovider

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/internal/properties"
)

// Parameters of the providers (KIP-993, KIP-887).
const (
	AllowedPathsParam     = "allowed.paths"
	AllowlistPatternParam = "allowlist.pattern"
)

// allowedPaths is KIP-993's allowed.paths: when set, only paths under one
// of its (absolute, existing) entries may be read.
type allowedPaths []string

func newAllowedPaths(value, key string) (allowedPaths, error) {
	if value == "" {
		return nil, nil
	}
	var out allowedPaths
	for _, p := range strings.Split(value, ",") {
		p = filepath.Clean(strings.TrimSpace(p))
		if !filepath.IsAbs(p) {
			return nil, &config.Error{Key: key, Value: value, Message: "Path " + p + " is not absolute"}
		}
		if _, err := os.Stat(p); err != nil {
			return nil, &config.Error{Key: key, Value: value, Message: "Path " + p + " does not exist"}
		}
		out = append(out, p)
	}
	return out, nil
}

// check returns the path to read, or false when it lies outside every
// allowed path. Paths are compared by whole components after ".." is
// resolved, as Java's Path.normalize().startsWith.
func (a allowedPaths) check(path string) (string, bool) {
	if a == nil {
		return path, true
	}
	clean := filepath.Clean(path)
	for _, dir := range a {
		if clean == dir || strings.HasPrefix(clean, strings.TrimSuffix(dir, "/")+"/") {
			return clean, true
		}
	}
	return "", false
}

// fileProvider is FileConfigProvider: the path is a .properties file.
type fileProvider struct {
	allowed allowedPaths
}

func newFile(params map[string]string, key func(string) string) (Provider, error) {
	a, err := newAllowedPaths(params[AllowedPathsParam], key(AllowedPathsParam))
	if err != nil {
		return nil, err
	}
	return &fileProvider{allowed: a}, nil
}

func (p *fileProvider) Get(path string, keys []string, log *slog.Logger) (map[string]string, error) {
	out := map[string]string{}
	if path == "" {
		return out, nil
	}
	file, ok := p.allowed.check(path)
	if !ok {
		log.Warn("The path is not allowed to be accessed", "provider", "FileConfigProvider", "path", path)
		return out, nil
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("Could not read properties from file %s: %w", path, err)
	}
	defer f.Close()
	props, err := properties.Parse(f)
	if err != nil {
		return nil, fmt.Errorf("Could not read properties from file %s: %w", path, err)
	}
	for _, k := range keys {
		if v, ok := props[k]; ok {
			out[k] = v
		}
	}
	return out, nil
}

// directoryProvider is DirectoryConfigProvider: the path is a directory,
// each key the name of a file in it and the value its content (the shape
// of a Kubernetes secret mounted as a volume).
type directoryProvider struct {
	allowed allowedPaths
}

func newDirectory(params map[string]string, key func(string) string) (Provider, error) {
	a, err := newAllowedPaths(params[AllowedPathsParam], key(AllowedPathsParam))
	if err != nil {
		return nil, err
	}
	return &directoryProvider{allowed: a}, nil
}

func (p *directoryProvider) Get(path string, keys []string, log *slog.Logger) (map[string]string, error) {
	out := map[string]string{}
	if path == "" {
		return out, nil
	}
	dir, ok := p.allowed.check(path)
	if !ok {
		log.Warn("The path is not allowed to be accessed", "provider", "DirectoryConfigProvider", "path", path)
		return out, nil
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		log.Warn("The path is not a directory", "provider", "DirectoryConfigProvider", "path", path)
		return out, nil
	}
	for _, k := range keys {
		if k == "" || strings.ContainsRune(k, filepath.Separator) || k == "." || k == ".." {
			continue // not the name of a file in the directory
		}
		file := filepath.Join(dir, k)
		// Stat follows symbolic links, as Files.isRegularFile does: the
		// entries of a mounted Kubernetes secret are links into ..data.
		if st, err := os.Stat(file); err != nil || !st.Mode().IsRegular() {
			continue
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("Could not read file %s for property %s: %w", file, k, err)
		}
		out[k] = string(b)
	}
	return out, nil
}

// envVarProvider is EnvVarConfigProvider: keys are environment variables,
// limited to those matching allowlist.pattern (KIP-887; default all).
type envVarProvider struct {
	env map[string]string
}

func newEnvVar(params map[string]string, key func(string) string, environ []string) (Provider, error) {
	pattern, set := params[AllowlistPatternParam]
	if !set {
		pattern = ".*"
	}
	// Java's Matcher.matches: the whole name must match.
	re, err := regexp.Compile(`^(?:` + pattern + `)$`)
	if err != nil {
		return nil, &config.Error{Key: key(AllowlistPatternParam), Value: pattern, Message: "not a valid regular expression: " + err.Error()}
	}
	env := map[string]string{}
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !re.MatchString(k) {
			continue
		}
		if _, dup := env[k]; !dup {
			env[k] = v
		}
	}
	return &envVarProvider{env: env}, nil
}

func (p *envVarProvider) Get(path string, keys []string, _ *slog.Logger) (map[string]string, error) {
	if path != "" {
		return nil, fmt.Errorf("Path is not supported for EnvVarConfigProvider, invalid value '%s'", path)
	}
	out := map[string]string{}
	for _, k := range keys {
		if v, ok := p.env[k]; ok {
			out[k] = v
		}
	}
	return out, nil
}
