// Package herder is the one lifecycle of connectors and tasks: the
// reconcile engine (Engine) that makes what runs on this worker match the
// config store and the member's assignment, for standalone mode (a single
// member owning everything, stores in memory) and distributed mode (a
// Kafka group member, stores in internal topics) alike. It serves every
// REST request about connectors, owns their herder-level statuses
// (FAILED configs, RESTARTING) and their publication, fences exactly-once
// source tasks, and holds the views, Connect's errors and the config
// validation the REST API shares.
package herder

import (
	"errors"
	"fmt"
	"strings"

	"github.com/goconnect/goconnect/connect/config"
)

// Kinds of herder errors; the REST API maps them to HTTP statuses. The
// error text itself is Connect's message, so it can be shown as is.
var (
	// ErrNotFound: unknown connector, task or status (404).
	ErrNotFound = errors.New("not found")
	// ErrExists: a connector of that name already exists (409).
	ErrExists = errors.New("already exists")
	// ErrBadRequest: invalid config, wrong state, malformed offsets (400).
	ErrBadRequest = errors.New("bad request")
	// ErrForbidden: a disabled feature such as topic tracking, or an
	// internal request with a bad signature (403).
	ErrForbidden = errors.New("forbidden")
	// ErrUnavailable: the worker cannot serve the request yet, such as an
	// internal request before any session key was read (503).
	ErrUnavailable = errors.New("unavailable")
)

// Error carries Connect's exact message, its kind and an optional cause.
type Error struct {
	Kind  error
	Msg   string
	Cause error
}

func (e *Error) Error() string { return e.Msg }

// Unwrap exposes both the kind and the cause to errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	if e.Cause == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Cause}
}

// Errorf builds an Error of a kind with Connect's message.
func Errorf(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// ConfigErrors flattens a config parse error into its single errors.
func ConfigErrors(err error) []error {
	if err == nil {
		return nil
	}
	var ce *config.Error
	if errors.As(err, &ce) && err == error(ce) {
		return []error{err}
	}
	switch u := err.(type) {
	case interface{ Unwrap() []error }:
		var out []error
		for _, e := range u.Unwrap() {
			out = append(out, ConfigErrors(e)...)
		}
		return out
	case interface{ Unwrap() error }:
		if inner := u.Unwrap(); inner != nil {
			return ConfigErrors(inner)
		}
	}
	return []error{err}
}

// ConfigErrorMessage renders one config error as Connect's ConfigValue
// error text: "Invalid value <v> for configuration <k>: <why>" for a bad
// value, the bare message (such as "Missing required configuration …")
// for errors about a key rather than a value.
func ConfigErrorMessage(err error) string {
	var ce *config.Error
	if errors.As(err, &ce) && ce.Value == "" && !ce.Given {
		return ce.Message
	}
	return err.Error()
}

// InvalidConfig builds Connect's 400 for a config that failed validation.
func InvalidConfig(err error) error {
	errs := ConfigErrors(err)
	var b strings.Builder
	fmt.Fprintf(&b, "Connector configuration is invalid and contains the following %d error(s):", len(errs))
	for _, e := range errs {
		b.WriteString("\n")
		b.WriteString(ConfigErrorMessage(e))
	}
	b.WriteString("\nYou can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`")
	return &Error{Kind: ErrBadRequest, Msg: b.String(), Cause: err}
}

// ErrServer marks failures Connect reports as 500 with its own message.
var ErrServer = errors.New("server error")

// MissingClass is the error of a config without connector.class.
func MissingClass() error {
	return &config.Error{Key: "connector.class", Message: `Missing required configuration "connector.class" which has no default value.`}
}
