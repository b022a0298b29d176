package worker

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/config"
	rterrors "github.com/goconnect/goconnect/runtime/errors"
	"github.com/goconnect/goconnect/runtime/plugins"
	"github.com/goconnect/goconnect/runtime/workerconfig"
)

// converters are the three converters a task uses.
type converters struct {
	key, value connect.Converter
	header     connect.HeaderConverter
	// keyClass, valueClass and headerClass name the classes in error
	// reports (the DLQ's class.name header).
	keyClass, valueClass, headerClass string
}

// newConverters follows Connect's precedence: a connector that names its
// own converter class uses it with only its own prefixed settings;
// otherwise the worker's class and the worker's settings apply.
func newConverters(reg *plugins.Registry, worker, conn map[string]string) (*converters, error) {
	var c converters
	var err error
	if c.key, c.keyClass, err = newConverter(reg, worker, conn, workerconfig.KeyConverter, true); err != nil {
		return nil, err
	}
	if c.value, c.valueClass, err = newConverter(reg, worker, conn, workerconfig.ValueConverter, false); err != nil {
		return nil, err
	}
	class, props := pick(worker, conn, workerconfig.HeaderConverter)
	if class == "" {
		class = workerconfig.DefaultHeaderConverterClass
	}
	d, err := reg.Lookup(class, connect.TypeHeaderConverter)
	if err != nil {
		return nil, &config.Error{Key: workerconfig.HeaderConverter, Value: class, Message: err.Error()}
	}
	c.header = d.New().(connect.HeaderConverter)
	c.headerClass = d.Class
	props["converter.type"] = "header"
	if err := c.header.ConfigureHeader(props); err != nil {
		return nil, fmt.Errorf("configuring %s %s: %w", workerconfig.HeaderConverter, class, err)
	}
	return &c, nil
}

// closing runs a task and then closes the converters that hold something
// (io.Closer: the schema-registry converters' DLQ rule-action producer).
func (c *converters) closing(run func(context.Context) error) func(context.Context) error {
	return func(ctx context.Context) error {
		defer func() {
			for _, cv := range []any{c.key, c.value, c.header} {
				if cl, ok := cv.(io.Closer); ok {
					_ = cl.Close()
				}
			}
		}()
		return run(ctx)
	}
}

// forStage returns the key or value converter and its class.
func (c *converters) forStage(s rterrors.Stage) (connect.Converter, string) {
	if s == rterrors.KeyConverter {
		return c.key, c.keyClass
	}
	return c.value, c.valueClass
}

func newConverter(reg *plugins.Registry, worker, conn map[string]string, key string, isKey bool) (connect.Converter, string, error) {
	class, props := pick(worker, conn, key)
	if class == "" {
		return nil, "", &config.Error{Key: key, Message: "no converter configured for the worker or the connector"}
	}
	d, err := reg.Lookup(class, connect.TypeConverter)
	if err != nil {
		return nil, "", &config.Error{Key: key, Value: class, Message: err.Error()}
	}
	c := d.New().(connect.Converter)
	props["converter.type"] = strings.TrimSuffix(key, ".converter")
	if err := c.Configure(props, isKey); err != nil {
		return nil, "", fmt.Errorf("configuring %s %s: %w", key, class, err)
	}
	return c, d.Class, nil
}

func pick(worker, conn map[string]string, key string) (string, map[string]string) {
	if c := strings.TrimSpace(conn[key]); c != "" {
		return c, config.WithPrefix(conn, key+".")
	}
	return strings.TrimSpace(worker[key]), config.WithPrefix(worker, key+".")
}
