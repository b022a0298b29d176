package rest

import (
	"errors"
	"testing"

	"github.com/goconnect/goconnect/connect/config"
)

// An embedded plugin key's validation error names the bare key and shows
// a list as Java prints it, but stays the prefixed key's error (Kafka's
// ConfigDef.embed).
func TestEmbeddedPluginKeyError(t *testing.T) {
	nonEmpty := config.Func("two or more", func(_ string, v any) error {
		if l, _ := v.([]string); len(l) < 2 {
			return errors.New("Too short")
		}
		return nil
	})
	def := config.NewDef()
	embedPluginKeys(def, []config.Key{{Name: "fields", Type: config.TypeList, Validator: nonEmpty, Importance: config.Medium}}, "transforms.m.", "Transforms: m")
	out := def.ValidateAll(map[string]string{"transforms.m.fields": "a"})
	got := out["transforms.m.fields"]
	want := "Invalid value [a] for configuration fields: Too short"
	if len(got) != 1 || got[0] != want {
		t.Fatalf("errors of transforms.m.fields: %q, want [%q] (all: %v)", got, want, out)
	}
	if len(out) != 1 {
		t.Fatalf("errors under other keys: %v", out)
	}
}
