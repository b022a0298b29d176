package workerconfig

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ConnectorFile is one connector definition read from disk, the same shape
// as a POST /connectors body.
type ConnectorFile struct {
	Name   string
	Config map[string]string
	// InitialState is RUNNING, PAUSED or STOPPED (KIP-980); empty means RUNNING.
	InitialState string
	Path         string
}

// ReadConnectorFile reads a connector definition in any of the forms the
// standalone worker accepts: {"name","config"} JSON, a flat JSON object of
// strings, or a .properties file.
func ReadConnectorFile(path string) (*ConnectorFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading connector file: %w", err)
	}
	cf, err := ParseConnectorDefinition(b, strings.HasSuffix(path, ".json") || looksLikeJSON(b))
	if err != nil {
		return nil, fmt.Errorf("connector file %s: %w", path, err)
	}
	cf.Path = path
	return cf, nil
}

func looksLikeJSON(b []byte) bool {
	t := bytes.TrimSpace(b)
	return len(t) > 0 && t[0] == '{'
}

// ParseConnectorDefinition parses connector definition bytes.
func ParseConnectorDefinition(b []byte, isJSON bool) (*ConnectorFile, error) {
	if !isJSON {
		props, err := ParseProperties(bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		return fromFlat(props)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	if cfgRaw, ok := raw["config"]; ok {
		cfg, err := StringMap(cfgRaw)
		if err != nil {
			return nil, fmt.Errorf("field config: %w", err)
		}
		cf := &ConnectorFile{Config: cfg}
		if n, ok := raw["name"]; ok {
			if err := json.Unmarshal(n, &cf.Name); err != nil {
				return nil, fmt.Errorf("field name must be a string")
			}
		}
		if s, ok := raw["initial_state"]; ok {
			if err := json.Unmarshal(s, &cf.InitialState); err != nil {
				return nil, fmt.Errorf("field initial_state must be a string")
			}
		}
		return finish(cf)
	}
	flat, err := StringMap(b)
	if err != nil {
		return nil, err
	}
	return fromFlat(flat)
}

func fromFlat(props map[string]string) (*ConnectorFile, error) {
	return finish(&ConnectorFile{Config: props})
}

func finish(cf *ConnectorFile) (*ConnectorFile, error) {
	cf.Name = strings.TrimSpace(cf.Name)
	if cf.Name == "" {
		cf.Name = strings.TrimSpace(cf.Config["name"])
	}
	if cf.Name == "" {
		return nil, fmt.Errorf("connector definition has no name")
	}
	if n, ok := cf.Config["name"]; ok && strings.TrimSpace(n) != cf.Name {
		return nil, fmt.Errorf("connector name %q does not match config name %q", cf.Name, n)
	}
	cf.Config["name"] = cf.Name
	switch strings.ToUpper(cf.InitialState) {
	case "", "RUNNING", "PAUSED", "STOPPED":
		cf.InitialState = strings.ToUpper(cf.InitialState)
	default:
		return nil, fmt.Errorf("initial_state must be RUNNING, PAUSED or STOPPED, not %q", cf.InitialState)
	}
	return cf, nil
}

// StringMap decodes a JSON object whose values are strings, numbers or
// booleans into strings, as Connect's deserializer coerces them; nested
// objects and arrays are rejected.
func StringMap(b []byte) (map[string]string, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("expected a JSON object: %w", err)
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		t := bytes.TrimSpace(v)
		switch {
		case len(t) > 0 && t[0] == '"':
			var s string
			if err := json.Unmarshal(t, &s); err != nil {
				return nil, fmt.Errorf("value of %q: %w", k, err)
			}
			out[k] = s
		case len(t) > 0 && (t[0] == '{' || t[0] == '['):
			return nil, fmt.Errorf("value of %q must be a string, not an object or array", k)
		case string(t) == "null":
			return nil, fmt.Errorf("value of %q must not be null", k)
		default:
			out[k] = string(t)
		}
	}
	return out, nil
}

// ReadConnectorDir reads every .json and .properties file of a folder in
// name order. Files that cannot be read are returned as errors beside the
// good ones, so one bad file does not stop the others.
func ReadConnectorDir(dir string) ([]*ConnectorFile, []error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, []error{fmt.Errorf("reading connector folder: %w", err)}
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		if ext := filepath.Ext(e.Name()); ext == ".json" || ext == ".properties" {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	var files []*ConnectorFile
	var errs []error
	for _, n := range names {
		cf, err := ReadConnectorFile(filepath.Join(dir, n))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		files = append(files, cf)
	}
	return files, errs
}
