package jsontype

import (
	"fmt"
	"strings"
)

// message is Confluent's text for a difference, with reader and writer
// naming the two schemas ("new"/"old").
func message(d Difference, reader, writer string) string {
	p := d.Path
	var m string
	switch d.Type {
	case "MAXIMUM_ADDED", "MINIMUM_ADDED", "EXCLUSIVE_MAXIMUM_ADDED", "EXCLUSIVE_MINIMUM_ADDED", "MULTIPLE_OF_ADDED",
		"MAX_LENGTH_ADDED", "MIN_LENGTH_ADDED", "PATTERN_ADDED", "REQUIRED_ATTRIBUTE_ADDED", "MAX_PROPERTIES_ADDED",
		"MIN_PROPERTIES_ADDED", "DEPENDENCY_ARRAY_ADDED", "DEPENDENCY_SCHEMA_ADDED", "MAX_ITEMS_ADDED", "MIN_ITEMS_ADDED",
		"MAX_CONTAINS_ADDED", "MIN_CONTAINS_ADDED", "UNIQUE_ITEMS_ADDED", "ADDITIONAL_ITEMS_REMOVED",
		"ADDITIONAL_PROPERTIES_REMOVED", "UNEVALUATED_PROPERTIES_REMOVED", "UNEVALUATED_ITEMS_REMOVED":
		m = fmt.Sprintf("The keyword at path '%s' in the %s schema is not present in the %s schema", p, reader, writer)
	case "MIN_LENGTH_INCREASED", "MINIMUM_INCREASED", "EXCLUSIVE_MINIMUM_INCREASED", "MIN_PROPERTIES_INCREASED",
		"MULTIPLE_OF_EXPANDED", "MIN_ITEMS_INCREASED", "MIN_CONTAINS_INCREASED":
		m = fmt.Sprintf("The value at path '%s' in the %s schema is more than its value in the %s schema", p, reader, writer)
	case "MAX_LENGTH_DECREASED", "MAXIMUM_DECREASED", "MAX_ITEMS_DECREASED", "MAX_CONTAINS_DECREASED",
		"EXCLUSIVE_MAXIMUM_DECREASED", "MAX_PROPERTIES_DECREASED":
		m = fmt.Sprintf("The value at path '%s' in the %s schema is less than its value in the %s schema", p, reader, writer)
	case "PATTERN_CHANGED", "MULTIPLE_OF_CHANGED", "DEPENDENCY_ARRAY_CHANGED":
		m = fmt.Sprintf("The value at path '%s' is different between the %s and %s schema", p, reader, writer)
	case "ADDITIONAL_ITEMS_NARROWED", "ENUM_ARRAY_NARROWED", "SUM_TYPE_NARROWED", "ADDITIONAL_PROPERTIES_NARROWED",
		"UNEVALUATED_PROPERTIES_NARROWED", "UNEVALUATED_ITEMS_NARROWED":
		m = fmt.Sprintf("An array or combined type at path '%s' has fewer elements in the %s schema than the %s schema", p, reader, writer)
	case "DEPENDENCY_ARRAY_EXTENDED", "PRODUCT_TYPE_EXTENDED", "SUM_TYPE_EXTENDED", "NOT_TYPE_EXTENDED":
		m = fmt.Sprintf("An array or combined type at path '%s' has more elements in the %s schema than the %s schema", p, reader, writer)
	case "TYPE_CHANGED", "TYPE_NARROWED", "COMBINED_TYPE_CHANGED", "COMBINED_TYPE_SUBSCHEMAS_CHANGED", "ENUM_ARRAY_CHANGED":
		m = fmt.Sprintf("A type at path '%s' is different between the %s schema and the %s schema", p, reader, writer)
	case "REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL",
		"OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", "ITEM_ADDED_TO_OPEN_CONTENT_MODEL":
		m = fmt.Sprintf("The %s schema has an open content model and has a property or item at path '%s' which is missing in the %s schema", reader, p, writer)
	case "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL":
		m = fmt.Sprintf("The %s schema has an unopen content model and has a required property at path '%s' which is missing in the %s schema", reader, p, writer)
	case "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL", "ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL":
		m = fmt.Sprintf("The %s has a closed content model and is missing a property or item present at path '%s' in the %s schema", reader, p, writer)
	case "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", "ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL":
		m = fmt.Sprintf("A property or item is missing in the %s schema but present at path '%s' in the %s schema and is not covered by its partially open content model", reader, p, writer)
	case "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", "ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL":
		m = fmt.Sprintf("The %s schema has a property or item at path '%s' which is missing in the %s schema and is not covered by its partially open content model", reader, p, writer)
	}
	return fmt.Sprintf(`{errorType:"%s", description:"%s'}`, d.Type, m)
}

// Incompatibilities answers why reader cannot read data written with
// writer (Confluent's JsonSchema.isBackwardCompatible under the STRICT
// policy, messages formatted as its SchemaValidatorBuilder does):
// nothing when it can. readerName and writerName are "new" and "old" in
// the order the compatibility level asks.
func Incompatibilities(reader, writer *Schema, readerName, writerName string) ([]string, error) {
	return incompatibilities(compatibleStrict, reader, writer, readerName, writerName)
}

func incompatibilities(ok map[string]bool, reader, writer *Schema, readerName, writerName string) ([]string, error) {
	diffs, err := Diff(writer, reader)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, d := range diffs {
		if !ok[d.Type] {
			out = append(out, message(d, readerName, writerName))
		}
	}
	return out, nil
}

// Check answers the problems of registering newer next to the existing
// versions (oldest first) under a compatibility level, as Confluent's
// CompatibilityChecker does: BACKWARD, FORWARD, FULL check the latest
// version, their _TRANSITIVE forms every version (newest first). Each
// failing version adds its messages, then {oldSchemaVersion: n} and
// {oldSchema: '...'}. versions gives each existing schema's version
// number (0: not known). lenient selects Confluent's LENIENT policy,
// which also accepts properties added to or removed from open content
// models and additionalProperties narrowed or removed.
func Check(level string, lenient bool, newer *Schema, existing []*Schema, versions []int) ([]string, error) {
	ok := compatibleStrict
	if lenient {
		ok = compatibleLenient
	}
	level = strings.ToUpper(level)
	if level == "NONE" || len(existing) == 0 {
		return nil, nil
	}
	idx := []int{len(existing) - 1}
	if strings.HasSuffix(level, "_TRANSITIVE") {
		idx = idx[:0]
		for i := len(existing) - 1; i >= 0; i-- {
			idx = append(idx, i)
		}
	}
	base := strings.TrimSuffix(level, "_TRANSITIVE")
	for _, i := range idx {
		old := existing[i]
		var msgs []string
		// FULL lists what the old schema cannot read first, as Confluent's
		// mutual-read strategy does.
		if base == "FORWARD" || base == "FULL" {
			m, err := incompatibilities(ok, old, newer, "old", "new")
			if err != nil {
				return nil, err
			}
			msgs = append(msgs, m...)
		}
		if base == "BACKWARD" || base == "FULL" {
			m, err := incompatibilities(ok, newer, old, "new", "old")
			if err != nil {
				return nil, err
			}
			msgs = append(msgs, m...)
		}
		if len(msgs) == 0 {
			continue
		}
		if i < len(versions) && versions[i] > 0 {
			msgs = append(msgs, fmt.Sprintf("{oldSchemaVersion: %d}", versions[i]))
		}
		msgs = append(msgs, fmt.Sprintf("{oldSchema: '%s'}", old.Canonical()))
		// Confluent stops at the first failing version.
		return msgs, nil
	}
	return nil, nil
}
