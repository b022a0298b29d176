package avroschema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

// Validate checks what Avro-Java's parser refuses when Confluent's
// registry parses a new schema (NameValidator.STRICT_VALIDATOR and
// setValidateDefaults(true)): names of named types, fields and enum
// symbols, duplicate fields and symbols, and field defaults that do not
// fit their type (a union's default fits its first branch). The messages
// are Avro-Java's.
func Validate(s *Schema) error {
	return (&validator{seen: map[*Schema]bool{}}).schema(s)
}

type validator struct{ seen map[*Schema]bool }

func (v *validator) schema(s *Schema) error {
	if v.seen[s] {
		return nil
	}
	v.seen[s] = true
	switch s.Kind {
	case Record, Enum, Fixed:
		if err := validName(s.Name); err != nil {
			return err
		}
	}
	switch s.Kind {
	case Record:
		names := map[string]bool{}
		for _, f := range s.Fields {
			if err := validName(f.Name); err != nil {
				return err
			}
			if names[f.Name] {
				return fmt.Errorf("Duplicate field %s in record %s", f.Name, s.FullName())
			}
			names[f.Name] = true
			if err := v.schema(f.Type); err != nil {
				return err
			}
			if f.HasDefault && !validDefault(f.Type, f.Default) {
				return fmt.Errorf("Invalid default for field %s: %s not a %s", f.Name, f.Default, JavaString(f.Type, nil))
			}
		}
	case Enum:
		syms := map[string]bool{}
		for _, sym := range s.Symbols {
			if err := validName(sym); err != nil {
				return err
			}
			if syms[sym] {
				return fmt.Errorf("Duplicate enum symbol: %s", sym)
			}
			syms[sym] = true
		}
	case Array:
		return v.schema(s.Items)
	case Map:
		return v.schema(s.Values)
	case Union:
		for _, b := range s.Branches {
			if err := v.schema(b); err != nil {
				return err
			}
		}
	}
	return nil
}

// validName is Avro's strict name rule: [A-Za-z_][A-Za-z0-9_]*.
func validName(n string) error {
	if n == "" {
		return fmt.Errorf("Empty name")
	}
	c := n[0]
	if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_') {
		return fmt.Errorf("Illegal initial character: %s", n)
	}
	for i := 1; i < len(n); i++ {
		c := n[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return fmt.Errorf("Illegal character in: %s", n)
		}
	}
	return nil
}

// validDefault is Avro-Java's Schema.isValidDefault on a JSON default.
func validDefault(s *Schema, raw json.RawMessage) bool {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var node any
	if d.Decode(&node) != nil {
		return false
	}
	return validValue(s, node, map[*Schema]int{})
}

func validValue(s *Schema, node any, depth map[*Schema]int) bool {
	if depth[s] > 64 {
		return true // a recursive default this deep is data, not a schema problem
	}
	depth[s]++
	defer func() { depth[s]-- }()
	switch s.Kind {
	case String, Bytes, Enum, Fixed:
		_, ok := node.(string)
		return ok
	case Int, Long:
		n, ok := node.(json.Number)
		if !ok || strings.ContainsAny(n.String(), ".eE") {
			return false
		}
		i, err := n.Int64()
		if err != nil {
			return false
		}
		return s.Kind == Long || i >= math.MinInt32 && i <= math.MaxInt32
	case Float, Double:
		_, ok := node.(json.Number)
		return ok
	case Boolean:
		_, ok := node.(bool)
		return ok
	case Null:
		return node == nil
	case Array:
		arr, ok := node.([]any)
		if !ok {
			return false
		}
		for _, e := range arr {
			if !validValue(s.Items, e, depth) {
				return false
			}
		}
		return true
	case Map:
		obj, ok := node.(map[string]any)
		if !ok {
			return false
		}
		for _, e := range obj {
			if !validValue(s.Values, e, depth) {
				return false
			}
		}
		return true
	case Union:
		return len(s.Branches) > 0 && validValue(s.Branches[0], node, depth)
	case Record:
		obj, ok := node.(map[string]any)
		if !ok {
			return false
		}
		for _, f := range s.Fields {
			if e, ok := obj[f.Name]; ok {
				if !validValue(f.Type, e, depth) {
					return false
				}
			} else if !f.HasDefault || !validDefault(f.Type, f.Default) {
				return false
			}
		}
		return true
	}
	return false
}
