package config

import (
	"fmt"
	"regexp"
	"strings"
)

// AtLeast accepts numbers ≥ min.
func AtLeast(min float64) Validator { return rangeValidator{min: &min} }

// Between accepts numbers in [min, max].
func Between(min, max float64) Validator { return rangeValidator{min: &min, max: &max} }

type rangeValidator struct{ min, max *float64 }

func (r rangeValidator) Validate(_ string, v any) error {
	if v == nil {
		return nil
	}
	var f float64
	switch n := v.(type) {
	case int16:
		f = float64(n)
	case int32:
		f = float64(n)
	case int64:
		f = float64(n)
	case float64:
		f = n
	default:
		return nil
	}
	if r.min != nil && f < *r.min {
		return fmt.Errorf("Value must be at least %v", *r.min)
	}
	if r.max != nil && f > *r.max {
		return fmt.Errorf("Value must be no more than %v", *r.max)
	}
	return nil
}

func (r rangeValidator) String() string {
	switch {
	case r.min != nil && r.max != nil:
		return fmt.Sprintf("[%v,...,%v]", *r.min, *r.max)
	case r.min != nil:
		return fmt.Sprintf("[%v,...]", *r.min)
	}
	return fmt.Sprintf("[...,%v]", *r.max)
}

// OneOf accepts the given strings; matching ignores case, as Connect's
// CaseInsensitiveValidString does for enum-like keys.
func OneOf(values ...string) Validator { return oneOf(values) }

type oneOf []string

func (o oneOf) Validate(_ string, v any) error {
	s, _ := v.(string)
	for _, x := range o {
		if strings.EqualFold(x, s) {
			return nil
		}
	}
	return fmt.Errorf("String must be one of: %s", strings.Join(o, ", "))
}

func (o oneOf) String() string { return "[" + strings.Join(o, ", ") + "]" }

// CaseInsensitiveOneOf is Connect's CaseInsensitiveValidString: any case
// of the values is accepted, and the error lists them upper-cased in the
// order given (Connect's is its HashSet's iteration order, so callers
// pass the values in the order the Java worker prints them).
func CaseInsensitiveOneOf(values ...string) Validator {
	up := make([]string, len(values))
	for i, v := range values {
		up[i] = strings.ToUpper(v)
	}
	return caseInsensitiveOneOf(up)
}

type caseInsensitiveOneOf []string

func (o caseInsensitiveOneOf) Validate(_ string, v any) error {
	s, _ := v.(string)
	for _, x := range o {
		if strings.EqualFold(x, s) {
			return nil
		}
	}
	return fmt.Errorf("String must be one of (case insensitive): %s", strings.Join(o, ", "))
}

func (o caseInsensitiveOneOf) String() string {
	return "(case insensitive) [" + strings.Join(o, ", ") + "]"
}

// NonEmpty rejects an empty string.
func NonEmpty() Validator { return nonEmpty{} }

type nonEmpty struct{}

func (nonEmpty) Validate(_ string, v any) error {
	if s, _ := v.(string); strings.TrimSpace(s) == "" {
		return fmt.Errorf("String may not be empty")
	}
	return nil
}

func (nonEmpty) String() string { return "non-empty string" }

// Regex accepts strings that compile as regular expressions.
func Regex() Validator { return regexValidator{} }

type regexValidator struct{}

func (regexValidator) Validate(_ string, v any) error {
	s, _ := v.(string)
	if _, err := regexp.Compile(s); err != nil {
		return fmt.Errorf("not a valid regular expression: %v", err)
	}
	return nil
}

func (regexValidator) String() string { return "valid regex" }

// Func adapts a function to a Validator.
func Func(desc string, f func(name string, v any) error) Validator { return funcValidator{desc, f} }

type funcValidator struct {
	desc string
	f    func(string, any) error
}

func (f funcValidator) Validate(name string, v any) error { return f.f(name, v) }
func (f funcValidator) String() string                    { return f.desc }

// NullError is the error Kafka's validator of k gives a null value, the
// value validation reports for a key that is missing or does not parse
// (ConfigDef.validate runs the validator on it): Range's "Value must be
// non-null"; nil for validators that accept it or are not Kafka's.
func (k Key) NullError() error {
	if _, ok := k.Validator.(rangeValidator); ok {
		return &Error{Key: k.Name, Value: "null", Message: "Value must be non-null"}
	}
	return nil
}
