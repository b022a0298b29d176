// Package config defines connector and plugin configuration the way
// Connect's ConfigDef does: typed keys with defaults, importance,
// documentation, groups and validators, parsed from string maps.
package config

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Type is a config value type, named as in ConfigDef.Type.
type Type int

// Config types.
const (
	TypeString Type = iota
	TypeBoolean
	TypeInt
	TypeShort
	TypeLong
	TypeDouble
	TypeList
	TypeClass
	TypePassword
)

// String returns the Java enum name (STRING, INT, …), as /config/validate shows it.
func (t Type) String() string {
	return [...]string{"STRING", "BOOLEAN", "INT", "SHORT", "LONG", "DOUBLE", "LIST", "CLASS", "PASSWORD"}[t]
}

// Importance is a key's importance.
type Importance int

// Importance levels.
const (
	High Importance = iota
	Medium
	Low
)

func (i Importance) String() string { return [...]string{"HIGH", "MEDIUM", "LOW"}[i] }

// Width is the display width hint shown by UIs.
type Width int

// Display widths.
const (
	WidthNone Width = iota
	WidthShort
	WidthMedium
	WidthLong
)

func (w Width) String() string { return [...]string{"NONE", "SHORT", "MEDIUM", "LONG"}[w] }

// Validator checks a parsed value; it returns a message when the value is bad.
type Validator interface {
	Validate(name string, value any) error
	// String describes the accepted values, shown as the valid values hint.
	String() string
}

// Key defines one configuration key.
type Key struct {
	Name string
	Type Type
	// Default is the default as a string, as users would write it. Ignored
	// when Required is set.
	Default string
	// Required keys have no default and must be given.
	Required bool
	// NullDefault marks an optional key whose default is null (Java's
	// define(..., null, ...)): absent, it has no value, and it is reported
	// with a null default even for STRING and LIST keys.
	NullDefault bool
	Validator   Validator
	Importance  Importance
	Doc         string
	Group       string
	Order       int
	Width       Width
	DisplayName string
	Dependents  []string
}

// Def is an ordered set of keys.
type Def struct {
	keys  []Key
	index map[string]int
}

// NewDef returns an empty definition.
func NewDef() *Def { return &Def{index: map[string]int{}} }

// Define adds a key; a later definition of the same name replaces it.
func (d *Def) Define(k Key) *Def {
	if i, ok := d.index[k.Name]; ok {
		d.keys[i] = k
		return d
	}
	d.index[k.Name] = len(d.keys)
	d.keys = append(d.keys, k)
	return d
}

// Merge adds all keys of other (used to add the common connector keys).
func (d *Def) Merge(other *Def) *Def {
	if other == nil {
		return d
	}
	for _, k := range other.keys {
		d.Define(k)
	}
	return d
}

// Keys returns the keys in definition order.
func (d *Def) Keys() []Key { return d.keys }

// Key returns one key's definition.
func (d *Def) Key(name string) (Key, bool) {
	i, ok := d.index[name]
	if !ok {
		return Key{}, false
	}
	return d.keys[i], true
}

// Error is a configuration error naming the key.
type Error struct {
	Key     string
	Value   string
	Message string
	// Given marks an error about a value that was given, even an empty
	// one: Kafka's message then quotes it ("Invalid value  for
	// configuration k: …" for ""). Without it an empty Value means no value.
	Given bool
	// Whole marks a validator's error that is reported as it is, not
	// wrapped into one about the key being parsed.
	Whole bool
	// Named, when set, is the key name the message shows instead of Key.
	Named string
}

// Error names the key and its value; the value of a Sensitive key is
// shown as [hidden].
func (e *Error) Error() string {
	name := e.Key
	if e.Named != "" {
		name = e.Named
	}
	if e.Value == "" && !e.Given {
		return fmt.Sprintf("Invalid value for configuration %s: %s", name, e.Message)
	}
	v := e.Value
	if Sensitive(e.Key) {
		v = Hidden
	}
	if e.Message == "" { // Kafka's ConfigException(name, value)
		return fmt.Sprintf("Invalid value %s for configuration %s", v, name)
	}
	return fmt.Sprintf("Invalid value %s for configuration %s: %s", v, name, e.Message)
}

// Values are parsed configuration values.
type Values struct {
	def    *Def
	parsed map[string]any
	raw    map[string]string
}

// Parse converts and validates props. Unknown keys are kept in Raw, as
// Connect passes them through to plugins. The error joins one *Error per bad key.
func (d *Def) Parse(props map[string]string) (*Values, error) {
	v := &Values{def: d, parsed: make(map[string]any, len(d.keys)), raw: props}
	var errs []error
	for _, k := range d.keys {
		val, err := k.parse(props)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		v.parsed[k.Name] = val
	}
	return v, errors.Join(errs...)
}

// ValidateAll returns one message list per key, for the REST validate
// endpoint; keys with no problem map to an empty list.
func (d *Def) ValidateAll(props map[string]string) map[string][]string {
	out := make(map[string][]string, len(d.keys))
	for _, k := range d.keys {
		_, err := k.parse(props)
		if err != nil {
			var ce *Error
			if errors.As(err, &ce) {
				out[k.Name] = []string{ce.Error()}
			} else {
				out[k.Name] = []string{err.Error()}
			}
			continue
		}
		out[k.Name] = nil
	}
	return out
}

func (k Key) parse(props map[string]string) (any, error) {
	s, present := props[k.Name]
	if !present {
		if k.Required {
			return nil, &Error{Key: k.Name, Message: fmt.Sprintf("Missing required configuration %q which has no default value.", k.Name)}
		}
		s = k.Default
		if s == "" && k.NullDefault {
			return nil, nil
		}
		if s == "" && k.Type != TypeString && k.Type != TypeList && k.Type != TypePassword && k.Type != TypeClass {
			// No default: the value is null, as ConfigDef.NO_DEFAULT_VALUE-less optional keys are.
			return nil, nil
		}
	}
	shown := s
	if k.Type == TypePassword {
		shown = Hidden // as Connect prints a Password
	}
	val, err := ParseValue(k.Type, s)
	if err != nil {
		return nil, &Error{Key: k.Name, Value: shown, Message: err.Error(), Given: present}
	}
	if k.Validator != nil {
		if err := k.Validator.Validate(k.Name, val); err != nil {
			// A validator may word the whole error (an embedded plugin's
			// key names its bare key, as Kafka's ConfigDef.embed).
			var ce *Error
			if errors.As(err, &ce) && ce.Whole {
				return nil, ce
			}
			if v, ok := val.(string); ok && k.Type != TypePassword {
				shown = v // Kafka quotes the parsed value: a string trimmed
			}
			return nil, &Error{Key: k.Name, Value: shown, Message: err.Error(), Given: present}
		}
	}
	return val, nil
}

// ParseValue converts a string to the Go form of a config type: string,
// bool, int32 (INT), int16 (SHORT), int64 (LONG), float64, []string or
// Password.
func ParseValue(t Type, s string) (any, error) {
	trimmed := strings.TrimSpace(s)
	switch t {
	case TypeString, TypeClass:
		return trimmed, nil
	case TypePassword:
		return Password(s), nil
	case TypeBoolean:
		switch strings.ToLower(trimmed) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, fmt.Errorf("Expected value to be either true or false")
	case TypeInt:
		n, err := strconv.ParseInt(trimmed, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("Not a number of type INT")
		}
		return int32(n), nil
	case TypeShort:
		n, err := strconv.ParseInt(trimmed, 10, 16)
		if err != nil {
			return nil, fmt.Errorf("Not a number of type SHORT")
		}
		return int16(n), nil
	case TypeLong:
		n, err := strconv.ParseInt(trimmed, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("Not a number of type LONG")
		}
		return n, nil
	case TypeDouble:
		f, err := strconv.ParseFloat(trimmed, 64)
		if err != nil {
			return nil, fmt.Errorf("Not a number of type DOUBLE")
		}
		return f, nil
	case TypeList:
		if trimmed == "" {
			return []string{}, nil
		}
		parts := strings.Split(trimmed, ",")
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		return parts, nil
	}
	return nil, fmt.Errorf("unknown config type %d", t)
}

// Password hides its value when printed, as Connect's Password does.
type Password string

func (Password) String() string { return Hidden }

// Value returns the secret.
func (p Password) Value() string { return string(p) }

// Raw returns the original string map.
func (v *Values) Raw() map[string]string { return v.raw }

// Get returns a parsed value (nil for an optional key without default).
func (v *Values) Get(name string) any { return v.parsed[name] }

// String returns a STRING or CLASS key.
func (v *Values) String(name string) string {
	s, _ := v.parsed[name].(string)
	return s
}

// Bool returns a BOOLEAN key.
func (v *Values) Bool(name string) bool {
	b, _ := v.parsed[name].(bool)
	return b
}

// Int returns an INT key.
func (v *Values) Int(name string) int32 {
	n, _ := v.parsed[name].(int32)
	return n
}

// Long returns a LONG key.
func (v *Values) Long(name string) int64 {
	n, _ := v.parsed[name].(int64)
	return n
}

// Double returns a DOUBLE key.
func (v *Values) Double(name string) float64 {
	f, _ := v.parsed[name].(float64)
	return f
}

// List returns a LIST key.
func (v *Values) List(name string) []string {
	l, _ := v.parsed[name].([]string)
	return l
}

// Password returns a PASSWORD key.
func (v *Values) Password(name string) Password {
	p, _ := v.parsed[name].(Password)
	return p
}

// Duration returns a LONG key of milliseconds as a duration.
func (v *Values) Duration(name string) time.Duration {
	return time.Duration(v.Long(name)) * time.Millisecond
}

// IsSet reports whether the key was given explicitly.
func (v *Values) IsSet(name string) bool {
	_, ok := v.raw[name]
	return ok
}

// WithPrefix returns the raw keys starting with prefix, prefix removed.
func WithPrefix(props map[string]string, prefix string) map[string]string {
	out := map[string]string{}
	for k, val := range props {
		if strings.HasPrefix(k, prefix) {
			out[strings.TrimPrefix(k, prefix)] = val
		}
	}
	return out
}

// SortedKeys returns the keys of a string map in order, for stable output.
func SortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
