package storage

import (
	"context"
	"slices"
	"sort"

	"github.com/goconnect/goconnect/internal/hashorder"
)

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

// KeysInOrder is the keys of order found in props, each once, then props'
// other keys, sorted (the name Connect appends to a request's config).
func KeysInOrder(order []string, props map[string]string) []string {
	out := make([]string, 0, len(props))
	seen := make(map[string]bool, len(props))
	for _, k := range order {
		if _, ok := props[k]; ok && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	rest := make([]string, 0, len(props)-len(out))
	for k := range props {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// WriteOrder is the key order a connector config is written in: the
// request's (ctx), else, for a write with none (a PATCH's merge), the
// order of a HashMap filled in the previous order, as Connect's merge.
func WriteOrder(ctx context.Context, previous []string, props map[string]string) []string {
	if order := KeyOrder(ctx); order != nil {
		return KeysInOrder(order, props)
	}
	if previous == nil {
		return hashorder.Order(KeysInOrder(nil, props))
	}
	// Connect's merge: new HashMap<>(stored config), then the patch's
	// puts (new keys) and removals (which leave the others' order).
	var added []string
	for _, k := range KeysInOrder(nil, props) {
		if !slices.Contains(previous, k) {
			added = append(added, k)
		}
	}
	out := hashorder.OrderCopied(previous, added)
	return slices.DeleteFunc(out, func(k string) bool { _, ok := props[k]; return !ok })
}

// TaskWriteOrder is the key order of a task config as Connect writes it:
// the Worker's new HashMap<>(the connector's task props, iterated in the
// connector config's order) with task.class put, copied once more into a
// new HashMap by the herder's reverseTransform.
func TaskWriteOrder(connector []string, task map[string]string) []string {
	props := make(map[string]string, len(task))
	var added []string
	for k, v := range task {
		if k == "task.class" {
			added = append(added, k)
			continue
		}
		props[k] = v
	}
	return hashorder.OrderCopied(hashorder.OrderCopied(KeysInOrder(connector, props), added), nil)
}
