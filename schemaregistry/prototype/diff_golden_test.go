package prototype

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestDiffAsConfluent runs Confluent's own Protobuf diff cases
// (protobuf-provider's diff-schema-examples.json, read by its
// SchemaDiffTest): the changes found, in order, with their paths, and
// whether the update is compatible.
func TestDiffAsConfluent(t *testing.T) {
	b, err := os.ReadFile("testdata/confluent_diff-schema-examples.json")
	if err != nil {
		t.Fatal(err)
	}
	type dep struct{ Name, Dependency string }
	var cases []struct {
		Description          string
		OriginalSchema       string `json:"original_schema"`
		UpdateSchema         string `json:"update_schema"`
		OriginalDependencies []dep  `json:"original_dependencies"`
		UpdateDependencies   []dep  `json:"update_dependencies"`
		OriginalMetadata     any    `json:"original_metadata"`
		Changes              []string
		Compatible           bool
	}
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	deps := func(ds []dep) map[string]string {
		out := map[string]string{}
		for _, d := range ds {
			out[d.Name] = d.Dependency
		}
		return out
	}
	passed := 0
	for _, c := range cases {
		if c.OriginalMetadata != nil {
			continue // reserved-field metadata (confluent:reserved): not implemented
		}
		o, err := Parse(c.OriginalSchema, deps(c.OriginalDependencies))
		if err != nil {
			t.Errorf("%s: original: %v", c.Description, err)
			continue
		}
		u, err := Parse(c.UpdateSchema, deps(c.UpdateDependencies))
		if err != nil {
			t.Errorf("%s: update: %v", c.Description, err)
			continue
		}
		var got []string
		ok := true
		for _, d := range Diff(o, u) {
			got = append(got, d.Type+" "+d.Path)
			ok = ok && compatible[d.Type]
		}
		if strings.Join(got, "\n") != strings.Join(c.Changes, "\n") || ok != c.Compatible {
			t.Errorf("%s:\n got %q compatible=%v\nwant %q compatible=%v", c.Description, got, ok, c.Changes, c.Compatible)
			continue
		}
		passed++
	}
	if passed != len(cases)-1 { // one case is the metadata one
		t.Errorf("%d of %d cases as Confluent", passed, len(cases))
	}
}
