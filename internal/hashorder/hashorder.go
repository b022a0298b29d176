// Package hashorder writes string-keyed maps in the order a
// java.util.HashMap iterates them. Connect serialises the maps connectors
// hand it (source offsets and partitions, Debezium's history positions)
// by iterating them, and those maps are mostly HashMaps: writing the keys
// in the same order makes goconnect's JSON byte-identical to the Java
// worker's instead of merely equal.
package hashorder

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"unicode/utf16"
)

// Keys returns m's keys in the order a HashMap holding them iterates:
// by bucket of a table sized as HashMap grows one from its default
// capacity (16, load factor 0.75), the bucket chosen by String.hashCode
// spread as HashMap.hash does. Keys sharing a bucket iterate in insertion
// order in Java, which a Go map does not keep: Debezium's binlog offset
// keys come in the order its offset context puts them (server_id and
// event share a bucket of 16), other keys after them, sorted.
func Keys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		ri, rj := insertionRank(keys[i]), insertionRank(keys[j])
		if ri != rj {
			return ri < rj
		}
		return keys[i] < keys[j]
	})
	return Order(keys)
}

// Order returns keys, given in the order they were put into a HashMap
// (each once), in the order that HashMap iterates them: keys sharing a
// bucket keep their insertion order, as in Java.
func Order(keys []string) []string {
	return order(keys, 16)
}

// OrderCopied returns the iteration order of a HashMap built as
// new HashMap<>(m), m iterating the keys copied, then given the keys
// added: that constructor sizes the table for m's size (smaller or larger
// than the default growth gives), so small copies iterate differently.
func OrderCopied(copied, added []string) []string {
	size := 16
	if s := len(copied); s > 0 {
		t := int(float32(s)/0.75 + 1)
		size = 1
		for size < t {
			size *= 2
		}
	}
	return order(append(append(make([]string, 0, len(copied)+len(added)), copied...), added...), size)
}

// OrderSet returns the iteration order of a HashSet built as
// new HashSet<>(c), c iterating the keys copied, then given the keys added
// (addAll): that constructor sizes the table for c's size but at least 16.
func OrderSet(copied, added []string) []string {
	t := int(float32(len(copied))/0.75) + 1
	size := 16
	for size < t {
		size *= 2
	}
	all := append(append(make([]string, 0, len(copied)+len(added)), copied...), added...)
	seen := make(map[string]bool, len(all))
	unique := all[:0]
	for _, k := range all {
		if !seen[k] {
			seen[k] = true
			unique = append(unique, k)
		}
	}
	return order(unique, size)
}

// order sorts keys (in insertion order) by bucket of a table of the given
// initial size, doubled as HashMap does while it is more than 3/4 full.
func order(keys []string, size int) []string {
	keys = append(make([]string, 0, len(keys)), keys...)
	for float64(len(keys)) > 0.75*float64(size) {
		size *= 2
	}
	mask := uint32(size - 1)
	sort.SliceStable(keys, func(i, j int) bool { return bucket(keys[i], mask) < bucket(keys[j], mask) })
	return keys
}

// debeziumInsertion is the order Debezium's MySQL offset context
// (offsetUsingPosition, then the snapshot flag and the transaction
// context) puts the keys of a binlog offset into its HashMap.
var debeziumInsertion = []string{"server_id", "gtids", "file", "pos", "event", "row", "ts_sec", "snapshot", "transaction_id"}

func insertionRank(k string) int {
	for i, d := range debeziumInsertion {
		if d == k {
			return i
		}
	}
	return len(debeziumInsertion)
}

func bucket(k string, mask uint32) uint32 {
	var h uint32
	for _, r := range utf16.Encode([]rune(k)) {
		h = 31*h + uint32(r)
	}
	return (h ^ h>>16) & mask
}

// Map is a JSON object written in HashMap order; nested objects are too,
// as Connect's JsonConverter reads nested objects into HashMaps.
type Map map[string]any

// MarshalJSON implements json.Marshaler.
func (m Map) MarshalJSON() ([]byte, error) {
	if m == nil {
		return []byte("null"), nil
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range Keys(m) {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, err := json.Marshal(k)
		if err != nil {
			return nil, err
		}
		v := m[k]
		if nested, ok := v.(map[string]any); ok {
			v = Map(nested)
		}
		vb, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", k, err)
		}
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
