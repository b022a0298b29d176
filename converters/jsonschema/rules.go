package jsonschema

import (
	"encoding/json"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/srrules"
)

// jsonTags gives rules the inline tags (confluent:tags) of the properties
// of a JSON schema's objects, by property name (a Connect struct carries
// no JSON pointer to its object schema).
func jsonTags(text string) srrules.TagFunc {
	var doc any
	if json.Unmarshal([]byte(text), &doc) != nil {
		return nil
	}
	byField := map[string][]string{}
	var walk func(n any)
	walk = func(n any) {
		switch x := n.(type) {
		case map[string]any:
			if props, ok := x["properties"].(map[string]any); ok {
				for name, p := range props {
					if ps, ok := p.(map[string]any); ok {
						if tags, ok := ps["confluent:tags"].([]any); ok {
							for _, t := range tags {
								if s, ok := t.(string); ok {
									byField[name] = append(byField[name], s)
								}
							}
						}
					}
				}
			}
			for _, v := range x {
				walk(v)
			}
		case []any:
			for _, v := range x {
				walk(v)
			}
		}
	}
	walk(doc)
	if len(byField) == 0 {
		return nil
	}
	return func(_ *data.Schema, field string) []string { return byField[field] }
}
