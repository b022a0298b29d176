// Package kafkadefs holds the configuration definitions Apache Kafka
// Connect 4.1.1 lists for its own transformations, predicates, converters
// and header converters (GET /connector-plugins/{p}/config), so that
// goconnect lists the same ones for the plugins of the same class. It is
// written by scripts/java-connect/plugindefs against the Java reference
// worker; the plugins still parse and check their configs with their own
// config.Def.
package kafkadefs

import (
	_ "embed"
	"encoding/json"
	"slices"
	"sync"

	"github.com/goconnect/goconnect/connect/config"
)

//go:embed kafka_plugin_config.json
var resourceJSON []byte

var plugins = sync.OnceValues(func() (map[string][]config.KeyInfo, error) {
	var res struct {
		Plugins map[string][]config.KeyInfo `json:"plugins"`
	}
	err := json.Unmarshal(resourceJSON, &res)
	return res.Plugins, err
})

// Keys are the definitions Connect 4.1.1 lists for class, in its order,
// and whether it lists the class at all.
func Keys(class string) ([]config.KeyInfo, bool) {
	all, err := plugins()
	if err != nil {
		panic(err) // the embedded resource is checked by the unit tests
	}
	keys, ok := all[class]
	if !ok {
		return nil, false
	}
	out := slices.Clone(keys)
	for i := range out {
		out[i].Dependents = slices.Clone(out[i].Dependents)
	}
	return out, true
}
