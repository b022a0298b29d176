// Command plugindefs writes the configuration definitions a Java Connect
// worker lists for Apache Kafka's own transformations, predicates,
// converters and header converters (GET /connector-plugins/{p}/config) to
// the JSON resource goconnect embeds to list the same
// (internal/kafkadefs/kafka_plugin_config.json).
//
//	go run ./scripts/java-connect/plugindefs -url http://127.0.0.1:18084 \
//	    -out internal/kafkadefs/kafka_plugin_config.json
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"

	"github.com/goconnect/goconnect/connect/config"
)

// keyInfo is a key definition in the REST answer's shape.
type keyInfo = config.KeyInfo

type resource struct {
	Source  string               `json:"source"`
	Plugins map[string][]keyInfo `json:"plugins"`
}

func main() {
	base := flag.String("url", "http://127.0.0.1:18084", "the Java worker's REST URL")
	out := flag.String("out", "internal/kafkadefs/kafka_plugin_config.json", "the resource to write")
	flag.Parse()
	if err := run(*base, *out); err != nil {
		fmt.Fprintln(os.Stderr, "plugindefs:", err)
		os.Exit(1)
	}
}

func get(u string, v any) error {
	resp, err := http.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

func run(base, out string) error {
	var root struct {
		Version string `json:"version"`
	}
	if err := get(base+"/", &root); err != nil {
		return err
	}
	var list []struct {
		Class   string `json:"class"`
		Type    string `json:"type"`
		Version string `json:"version"`
	}
	if err := get(base+"/connector-plugins?connectorsOnly=false", &list); err != nil {
		return err
	}
	res := resource{Source: "Apache Kafka Connect " + root.Version + " GET /connector-plugins/{p}/config", Plugins: map[string][]keyInfo{}}
	for _, p := range list {
		if p.Type == "source" || p.Type == "sink" || !strings.HasPrefix(p.Class, "org.apache.kafka.connect.") {
			continue
		}
		if _, done := res.Plugins[p.Class]; done {
			continue
		}
		var keys []keyInfo
		if err := get(base+"/connector-plugins/"+url.PathEscape(p.Class)+"/config", &keys); err != nil {
			return err
		}
		if keys == nil {
			keys = []keyInfo{}
		}
		res.Plugins[p.Class] = keys
	}
	names := make([]string, 0, len(res.Plugins))
	for n := range res.Plugins {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintf(os.Stderr, "%d plugins: %s\n", len(names), strings.Join(names, " "))
	b, err := json.MarshalIndent(res, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(out, append(b, '\n'), 0o644)
}
