package connectorconfig

import (
	"errors"
	"fmt"
	"strings"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/config"
)

// SourcePreflight is what the worker's mode adds to the validation of a
// source connector's config (KIP-618). A distributed worker asks the
// connector whether it can honour exactly.once.support=required and
// transaction.boundary=connector, as Connect's DistributedHerder does
// whether or not exactly-once support is enabled; standalone (the zero
// value) checks neither.
type SourcePreflight struct {
	Distributed bool
	// ExactlyOnce is exactly.once.source.support=enabled.
	ExactlyOnce bool
}

// Check returns a *config.Error per key the connector c (a fresh
// instance, not started) refuses for props, whose placeholders are
// resolved. Keys for which skip returns true (already in error) are left
// alone, as Connect checks only values that passed the key definitions;
// nil skips none.
func (p SourcePreflight) Check(c any, props map[string]string, skip func(key string) bool) error {
	if !p.Distributed {
		return nil
	}
	if skip == nil {
		skip = func(string) bool { return false }
	}
	if _, ok := c.(connect.SourceConnector); !ok {
		return nil
	}
	var errs []error
	if is(props, ExactlyOnceSupport, "required") && !skip(ExactlyOnceSupport) {
		if !p.ExactlyOnce {
			errs = append(errs, keyError(ExactlyOnceSupport, "This worker does not have exactly-once source support enabled."))
		}
		if msg := exactlyOnceRefusal(c, props); msg != "" {
			errs = append(errs, keyError(ExactlyOnceSupport, msg))
		}
	}
	if is(props, TransactionBoundary, "connector") && !skip(TransactionBoundary) {
		if msg := boundaryRefusal(c, props); msg != "" {
			errs = append(errs, keyError(TransactionBoundary, msg))
		}
	}
	return errors.Join(errs...)
}

func is(props map[string]string, key, want string) bool {
	return strings.EqualFold(strings.TrimSpace(props[key]), want)
}

func keyError(key, msg string) error { return &config.Error{Key: key, Message: msg} }

func exactlyOnceRefusal(c any, props map[string]string) string {
	s := connect.ExactlyOnceSupportUnknown
	if ec, ok := c.(connect.ExactlyOnceSourceConnector); ok {
		var err error
		if s, err = ec.ExactlyOnceSupport(copyProps(props)); err != nil {
			return unexpected(err.Error())
		}
	}
	switch s {
	case connect.ExactlyOnceSupported:
		return ""
	case connect.ExactlyOnceSupportUnknown:
		return "The connector does not implement the API required for preflight validation of exactly-once source support. " +
			"Please consult the documentation for the connector to determine whether it supports exactly-once semantics, " +
			"and then consider reconfiguring the connector to use the value \"requested\" for this property " +
			"(which will disable this preflight check and allow the connector to be created)."
	case connect.ExactlyOnceUnsupported:
		return "The connector does not support exactly-once semantics with the provided configuration."
	}
	return unexpected(fmt.Sprintf("Unexpected value returned from SourceConnector::exactlyOnceSupport: %d", s))
}

func boundaryRefusal(c any, props map[string]string) string {
	// Connect's default answer is UNSUPPORTED.
	s := connect.TransactionBoundariesUnsupported
	if bc, ok := c.(connect.TransactionBoundaryConnector); ok {
		var err error
		if s, err = bc.CanDefineTransactionBoundaries(copyProps(props)); err != nil {
			return unexpected(err.Error())
		}
	}
	switch s {
	case connect.TransactionBoundariesSupported:
		return ""
	case connect.TransactionBoundariesUnknown:
		return "This connector has returned a null value from its canDefineTransactionBoundaries method, which is not permitted. " +
			"The connector will be treated as if it cannot define its own transaction boundaries, and cannot be configured with " +
			"'transaction.boundary' set to 'connector'."
	}
	return "The connector does not support connector-defined transaction boundaries with the given configuration. " +
		"Please reconfigure it to use a different transaction boundary definition."
}

// unexpected is Connect's message for a connector failing the check.
func unexpected(msg string) string {
	if msg = strings.TrimSpace(msg); msg != "" {
		return "An unexpected error occurred during validation: " + msg
	}
	return "An unexpected error occurred during validation; please see the worker logs for more details."
}

func copyProps(p map[string]string) map[string]string {
	out := make(map[string]string, len(p))
	for k, v := range p {
		out[k] = v
	}
	return out
}
