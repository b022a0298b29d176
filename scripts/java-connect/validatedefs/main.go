// Command validatedefs writes a connector's own configuration keys, as a
// Java Connect worker reports them, to the JSON resource goconnect embeds
// to answer GET /connector-plugins/{p}/config and /config/validate the
// same way (connectors/mysql/debezium_config.json).
//
// For each key it records the definition (ConfigKeyInfo), the recommended
// values and visibility of an empty config's validation, and the chain of
// validators the key runs, found by probing: the worker validates a base
// config with the key set to a few bad values, and every message it gives
// is named after the Debezium validator that produces it. A message it
// does not know fails the run, so a new Debezium version cannot slip a
// validator past unnoticed.
//
//	go run ./scripts/java-connect/validatedefs -url http://127.0.0.1:18083 \
//	    -class io.debezium.connector.mysql.MySqlConnector \
//	    -set database.hostname=127.0.0.1 -set database.port=3307 ... \
//	    -out connectors/mysql/debezium_config.json
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/goconnect/goconnect/connect/config"
)

// frameworkGroups are Connect's own groups; their keys are not the connector's.
var frameworkGroups = map[string]bool{
	"Common": true, "Transforms": true, "Predicates": true, "Error Handling": true,
	"Topic Creation": true, "Exactly Once Support": true, "offsets.topic": true,
}

// probes are the values each key is validated with.
var probes = []string{"x", "0", "-1", "", " 5 ", "("}

// validatorNames names Debezium's validators by the message they give.
var validatorNames = []struct{ prefix, name string }{
	{"A value is required", "required"},
	{"An integer is expected", "int"},
	{"A positive, non-zero integer value is expected", "positiveInt"},
	{"An non-negative integer is expected", "nonNegativeInt"},
	{"A long value is expected", "long"},
	{"A positive, non-zero long value is expected", "positiveLong"},
	{"A non-negative long value is expected", "nonNegativeLong"},
	{"A short value is expected", "short"},
	{"A double value is expected", "double"},
	{"Either 'true' or 'false' is expected", "boolean"},
	{"A Java class name is expected", "className"},
	{"Value must be one of ", "enum"},
	{"A comma-separated list of valid regular expressions is expected", "regexList"},
	{"A valid regular expressions is expected", "regex"},
	{"A equivalent-separated map of valid key/value pairs is expected", "map"},
	{"A positive queue size is required", "queuePositive"},
	{"Must be larger than the maximum batch size", "queueAboveBatch"},
	{"Invalid operation", "skippedOperations"},
	{"Must be a valid snapshot.locking.mode value", "lockingMode"},
	{"Must not be empty", "keyColumns"},
}

// keyInfo is a key definition in the REST answer's shape.
type keyInfo = config.KeyInfo

type valueInfo struct {
	Name              string   `json:"name"`
	RecommendedValues []string `json:"recommended_values"`
	Errors            []string `json:"errors"`
	Visible           bool     `json:"visible"`
}

type configInfos struct {
	Configs []struct {
		Definition *keyInfo   `json:"definition"`
		Value      *valueInfo `json:"value"`
	} `json:"configs"`
}

// entry is one key of the resource.
type entry struct {
	keyInfo
	RecommendedValues []string `json:"recommended_values"`
	Visible           bool     `json:"visible"`
	Validators        []string `json:"validators"`
}

type resource struct {
	Source string  `json:"source"`
	Keys   []entry `json:"keys"`
}

type setFlags map[string]string

func (s setFlags) String() string { return fmt.Sprint(map[string]string(s)) }
func (s setFlags) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok {
		return fmt.Errorf("want key=value, got %q", v)
	}
	s[k] = val
	return nil
}

func main() {
	url := flag.String("url", "http://127.0.0.1:18083", "the Java worker's REST URL")
	class := flag.String("class", "", "the connector class")
	out := flag.String("out", "", "the JSON file to write")
	probe := flag.Bool("probe", true, "probe each key's validators (Debezium's Field checks; off for ConfigDef-based connectors)")
	keysOnly := flag.Bool("keys-only", false, "the plugin's keys only, no validation (transformations, predicates, converters)")
	base := setFlags{}
	flag.Var(base, "set", "a key=value of the base config, valid on its own (repeatable)")
	flag.Parse()
	if *class == "" || *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*url, *class, *out, base, *probe, *keysOnly); err != nil {
		fmt.Fprintln(os.Stderr, "validatedefs:", err)
		os.Exit(1)
	}
}

func run(url, class, out string, base map[string]string, probe, keysOnly bool) error {
	var root struct{ Version string }
	if err := call("GET", url+"/", nil, &root); err != nil {
		return err
	}
	var plugins []struct{ Class, Version string }
	if err := call("GET", url+"/connector-plugins?connectorsOnly=false", nil, &plugins); err != nil {
		return err
	}
	res := resource{}
	for _, p := range plugins {
		if p.Class == class {
			res.Source = fmt.Sprintf("%s %s on Kafka Connect %s", class, p.Version, root.Version)
		}
	}
	var keys []keyInfo
	if err := call("GET", url+"/connector-plugins/"+class+"/config", nil, &keys); err != nil {
		return err
	}
	if keysOnly {
		res.Keys = []entry{}
		for _, k := range keys {
			res.Keys = append(res.Keys, entry{keyInfo: k, RecommendedValues: []string{}, Visible: true, Validators: []string{}})
		}
		return write(out, res)
	}
	empty, err := validate(url, class, map[string]string{"connector.class": class})
	if err != nil {
		return err
	}
	base = maps(base, map[string]string{"connector.class": class, "name": "validatedefs"})
	if v, err := validate(url, class, base); err != nil {
		return err
	} else if errs := allErrors(v); len(errs) > 0 {
		return fmt.Errorf("the base config is not valid: %v", errs)
	}
	for _, k := range keys {
		if k.Group != nil && frameworkGroups[*k.Group] {
			continue
		}
		e := entry{keyInfo: k, Validators: []string{}}
		if v := empty[k.Name]; v != nil {
			e.RecommendedValues, e.Visible = v.RecommendedValues, v.Visible
		}
		for _, p := range probes {
			if !probe {
				break
			}
			v, err := validate(url, class, maps(base, map[string]string{k.Name: p}))
			if err != nil {
				// Debezium throws for some values (a 500); no validator to learn.
				fmt.Fprintf(os.Stderr, "validatedefs: %s=%q: %v\n", k.Name, p, err)
				continue
			}
			var names []string
			for _, m := range v[k.Name].Errors {
				n, err := validatorName(k.Name, m)
				if err != nil {
					return err
				}
				if n == "keyColumns" && len(names) > 0 && names[len(names)-1] == n {
					continue // one validator, a message per bad entry
				}
				names = append(names, n)
			}
			e.Validators = mergeChain(e.Validators, names)
		}
		res.Keys = append(res.Keys, e)
	}
	return write(out, res)
}

func write(out string, res resource) error {
	b, err := json.MarshalIndent(res, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(out, append(b, '\n'), 0o644)
}

// validatorName names the validator of one message of key.
func validatorName(key, msg string) (string, error) {
	why := msg
	if _, after, ok := strings.Cut(msg, " value is invalid: "); ok {
		why = after
	}
	for _, v := range validatorNames {
		if strings.HasPrefix(why, v.prefix) {
			return v.name, nil
		}
	}
	switch {
	case strings.HasSuffix(why, "has invalid format (only the underscore, hyphen, dot and alphanumeric characters are allowed)"):
		if key == "topic.prefix" {
			return "topicName", nil
		}
		return "hostname", nil
	case strings.Contains(why, "has an invalid format (expecting '"):
		return "keyColumns", nil
	case strings.HasPrefix(why, "Unable to connect: "):
		return "", nil
	}
	return "", fmt.Errorf("%s: unknown validator message %q", key, msg)
}

// mergeChain adds the validators a probe showed to the chain known so far:
// a probe lists the validators that failed, in the order the key runs
// them, so one not in the chain yet runs after those matched before it.
func mergeChain(chain, seen []string) []string {
	out := slices.Clone(chain)
	at := 0
	for _, n := range seen {
		if n == "" {
			continue
		}
		if i := slices.Index(out[at:], n); i >= 0 {
			at += i + 1
			continue
		}
		// Not run before the validators matched so far: after them.
		out = append(out, n)
		at = len(out)
	}
	return out
}

func maps(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

func validate(url, class string, props map[string]string) (map[string]*valueInfo, error) {
	var ci configInfos
	if err := call("PUT", url+"/connector-plugins/"+class+"/config/validate", props, &ci); err != nil {
		return nil, err
	}
	out := map[string]*valueInfo{}
	for _, c := range ci.Configs {
		if c.Value != nil {
			out[c.Value.Name] = c.Value
		}
	}
	return out, nil
}

func allErrors(v map[string]*valueInfo) []string {
	var out []string
	for _, x := range v {
		out = append(out, x.Errors...)
	}
	return out
}

func call(method, url string, body, out any) error {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %d %s", method, url, resp.StatusCode, b)
	}
	return json.Unmarshal(b, out)
}
