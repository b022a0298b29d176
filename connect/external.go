package connect

import "context"

type noExternalKey struct{}

// WithoutExternalChecks marks ctx for a ConfigReporter's ReportConfig that
// must not reach the external system: the checks of a config being
// written or started, as opposed to the validate endpoint.
func WithoutExternalChecks(ctx context.Context) context.Context {
	return context.WithValue(ctx, noExternalKey{}, true)
}

// ExternalChecksAllowed tells whether ReportConfig may reach the external
// system (a connection test) with ctx.
func ExternalChecksAllowed(ctx context.Context) bool {
	no, _ := ctx.Value(noExternalKey{}).(bool)
	return !no
}
