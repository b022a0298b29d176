package debezium

import (
	_ "embed"
	"encoding/json"
	"slices"
	"sync"

	"github.com/goconnect/goconnect/connect/config"
)

// unwrapConfigJSON holds Debezium 2.7.3's ExtractNewRecordState keys as
// its Connect worker lists them, written by scripts/java-connect/validatedefs
// -keys-only against the Java reference worker.
//
//go:embed unwrap_config.json
var unwrapConfigJSON []byte

var unwrapKeys = sync.OnceValues(func() ([]config.KeyInfo, error) {
	var res struct {
		Keys []config.KeyInfo `json:"keys"`
	}
	err := json.Unmarshal(unwrapConfigJSON, &res)
	return res.Keys, err
})

// ReportedKeys implements connect.KeyReporter: Debezium's definitions
// (which leave out delete.tombstone.handling.mode and
// replace.null.with.default, read all the same).
func (*ExtractNewRecordState) ReportedKeys() []config.KeyInfo {
	keys, err := unwrapKeys()
	if err != nil {
		panic(err) // the embedded resource is checked by the unit tests
	}
	out := slices.Clone(keys)
	for i := range out {
		out[i].Dependents = slices.Clone(out[i].Dependents)
	}
	return out
}
