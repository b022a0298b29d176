package testkit

import "testing"

// Configurable is a plugin configured from string settings, as
// connect.Converter is.
type Configurable interface {
	Configure(props map[string]string, isKey bool) error
}

// RegistryConverter configures a schema converter c against the registry
// at url with the extra settings, failing the test if it refuses them.
func RegistryConverter[C Configurable](t testing.TB, c C, url string, isKey bool, extra map[string]string) C {
	t.Helper()
	props := map[string]string{"schema.registry.url": url}
	for k, v := range extra {
		props[k] = v
	}
	if err := c.Configure(props, isKey); err != nil {
		t.Fatal(err)
	}
	return c
}
