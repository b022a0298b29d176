package storage

import "context"

type keyOrderKey struct{}

// WithKeyOrder carries the key order of a connector config being written
// (the REST request's) to the store that writes it: Connect writes the
// config topic record in that order, and reads back ties between keys
// sharing a HashMap bucket in it.
func WithKeyOrder(ctx context.Context, keys []string) context.Context {
	return context.WithValue(ctx, keyOrderKey{}, keys)
}

// KeyOrder is the key order WithKeyOrder carries, nil when none.
func KeyOrder(ctx context.Context) []string {
	keys, _ := ctx.Value(keyOrderKey{}).([]string)
	return keys
}
