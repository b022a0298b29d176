package avro

import (
	"encoding/json"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/avroschema"
	"github.com/goconnect/goconnect/internal/srrules"
)

// avroTags gives rules the inline tags (confluent:tags) of t's record
// fields, found by the Connect struct's name (the record's full name) or,
// for a struct without one, by field name across t's records.
func avroTags(t *avroschema.Schema) srrules.TagFunc {
	byRecord := map[string]map[string][]string{}
	byField := map[string][]string{}
	seen := map[*avroschema.Schema]bool{}
	var walk func(s *avroschema.Schema)
	walk = func(s *avroschema.Schema) {
		if s == nil || seen[s] {
			return
		}
		seen[s] = true
		for _, b := range s.Branches {
			walk(b)
		}
		walk(s.Items)
		walk(s.Values)
		for _, f := range s.Fields {
			for _, p := range f.Props {
				var tags []string
				if p.Key != "confluent:tags" || json.Unmarshal(p.Value, &tags) != nil {
					continue
				}
				m := byRecord[s.FullName()]
				if m == nil {
					m = map[string][]string{}
					byRecord[s.FullName()] = m
				}
				m[f.Name] = tags
				byField[f.Name] = append(byField[f.Name], tags...)
			}
			walk(f.Type)
		}
	}
	walk(t)
	if len(byField) == 0 {
		return nil
	}
	return func(record *data.Schema, field string) []string {
		if m, ok := byRecord[record.Name]; ok {
			return m[field]
		}
		return byField[field]
	}
}
