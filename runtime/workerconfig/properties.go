// Package workerconfig owns the worker's settings: the standalone and
// distributed config definitions and their parsing, the CONNECT_* environment
// of the container image, the producer, consumer and admin settings a worker
// derives for its clients, the REST listeners, and the standalone connector files.
package workerconfig

import (
	"io"

	"github.com/goconnect/goconnect/internal/properties"
)

// ParseProperties reads the Java .properties format: key=value, key:value
// or key value; # and ! comments; backslash line continuation and escapes.
func ParseProperties(r io.Reader) (map[string]string, error) { return properties.Parse(r) }
