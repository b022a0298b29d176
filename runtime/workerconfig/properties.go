// Package workerconfig reads worker settings: Java .properties files, the
// worker's config definition, and the standalone connector files.
package workerconfig

import (
	"io"

	"github.com/goconnect/goconnect/internal/properties"
)

// ParseProperties reads the Java .properties format: key=value, key:value
// or key value; # and ! comments; backslash line continuation and escapes.
func ParseProperties(r io.Reader) (map[string]string, error) { return properties.Parse(r) }
