package data

import (
	"bytes"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Validate checks a value against a schema with the rules of Connect's
// ConnectSchema.validateValue: null only for optional schemas or ones with a
// default, Go types as documented on the package, logical types by name.
func Validate(s *Schema, v any) error {
	if s == nil {
		return nil
	}
	if v == nil {
		if s.Optional || s.Default != nil {
			return nil
		}
		return fmt.Errorf("invalid value: null used for required field, schema type: %s", s.Type.JavaName())
	}
	switch s.Name {
	case DecimalName:
		if _, ok := v.(*BigDecimal); !ok {
			return typeErr(s, v, "*data.BigDecimal")
		}
		return nil
	case DateName, TimeName, TimestampName:
		if _, ok := v.(time.Time); !ok {
			return typeErr(s, v, "time.Time")
		}
		return nil
	}
	ok := false
	switch s.Type {
	case TypeInt8:
		_, ok = v.(int8)
	case TypeInt16:
		_, ok = v.(int16)
	case TypeInt32:
		_, ok = v.(int32)
	case TypeInt64:
		_, ok = v.(int64)
	case TypeFloat32:
		_, ok = v.(float32)
	case TypeFloat64:
		_, ok = v.(float64)
	case TypeBoolean:
		_, ok = v.(bool)
	case TypeString:
		_, ok = v.(string)
	case TypeBytes:
		_, ok = v.([]byte)
	case TypeArray:
		arr, isArr := v.([]any)
		if !isArr {
			return typeErr(s, v, "[]any")
		}
		for _, e := range arr {
			if err := Validate(s.Value, e); err != nil {
				return err
			}
		}
		return nil
	case TypeMap:
		switch m := v.(type) {
		case map[string]any:
			for k, e := range m {
				if err := Validate(s.Key, k); err != nil {
					return err
				}
				if err := Validate(s.Value, e); err != nil {
					return err
				}
			}
			return nil
		case map[any]any:
			for k, e := range m {
				if err := Validate(s.Key, k); err != nil {
					return err
				}
				if err := Validate(s.Value, e); err != nil {
					return err
				}
			}
			return nil
		}
		return typeErr(s, v, "map")
	case TypeStruct:
		st, isStruct := v.(*Struct)
		if !isStruct {
			return typeErr(s, v, "*data.Struct")
		}
		if !Equal(st.schema, s) {
			return fmt.Errorf("struct schemas do not match")
		}
		return st.Validate()
	}
	if !ok {
		return typeErr(s, v, "")
	}
	return nil
}

func typeErr(s *Schema, v any, want string) error {
	if want != "" {
		return fmt.Errorf("invalid Go object for schema %s with type %s: %T (want %s)", s.Name, s.Type.JavaName(), v, want)
	}
	return fmt.Errorf("invalid Go object for schema with type %s: %T", s.Type.JavaName(), v)
}

// ValuesEqual compares two Connect values deeply (bytes by content, structs
// by schema and fields, decimals by value and scale).
func ValuesEqual(a, b any) bool {
	switch x := a.(type) {
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	case *Struct:
		y, ok := b.(*Struct)
		return ok && x.Equal(y)
	case *BigDecimal:
		y, ok := b.(*BigDecimal)
		return ok && x.Scale == y.Scale && x.Unscaled.Cmp(y.Unscaled) == 0
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y)
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !ValuesEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !ValuesEqual(v, w) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

// JavaString renders a value as Java's toString would, which is what
// StringConverter writes: maps as {k=v, k2=v2}, lists as [a, b], floats as
// Java prints them.
func JavaString(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case int16:
		return strconv.FormatInt(int64(x), 10)
	case int8:
		return strconv.FormatInt(int64(x), 10)
	case bool:
		return strconv.FormatBool(x)
	case float32:
		return JavaFloat(float64(x), 32)
	case float64:
		return JavaFloat(x, 64)
	case []byte:
		// Java prints the array identity; the content is more useful and
		// nothing can depend on an identity hash.
		return fmt.Sprint(x)
	case *Struct:
		return x.String()
	case *BigDecimal:
		return x.String()
	case time.Time:
		return x.UTC().Format("Mon Jan 02 15:04:05 UTC 2006")
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = JavaString(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + "=" + JavaString(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case map[any]any:
		parts := make([]string, 0, len(x))
		for k, e := range x {
			parts = append(parts, JavaString(k)+"="+JavaString(e))
		}
		sort.Strings(parts)
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}

// JavaFloat formats a float the way Java's Double.toString/Float.toString
// do (JDK 19+ specification): at least one decimal digit, scientific
// notation outside [1e-3, 1e7), the shortest decimal that rounds back to f
// — except that when that decimal has a single digit Java picks the closest
// among the one- and two-digit ones (Double.MIN_VALUE is 4.9E-324, not
// 5.0E-324). JDK 17 and older print a few values with extra digits
// (1e23 as 9.999999999999999E22); those are not reproduced.
func JavaFloat(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	s := strconv.FormatFloat(f, 'e', -1, bits)
	mant, exp, _ := strings.Cut(s, "e")
	if len(strings.TrimPrefix(mant, "-")) == 1 {
		// The correctly rounded two-digit decimal is the closest one; it
		// replaces the one-digit decimal when it too rounds back to f.
		two := strconv.FormatFloat(f, 'e', 1, bits)
		if back, err := strconv.ParseFloat(two, bits); err == nil && back == f {
			mant, exp, _ = strings.Cut(two, "e")
		}
	}
	e, _ := strconv.Atoi(exp)
	neg := strings.HasPrefix(mant, "-")
	digits := strings.TrimRight(strings.Replace(strings.TrimPrefix(mant, "-"), ".", "", 1), "0")
	if digits == "" {
		digits = "0"
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	switch {
	case e >= 0 && e < 7: // [1, 1e7): plain, at least one fraction digit
		for len(digits) <= e+1 {
			digits += "0"
		}
		b.WriteString(digits[:e+1])
		b.WriteByte('.')
		b.WriteString(digits[e+1:])
	case e < 0 && e >= -3: // [1e-3, 1): 0.00ddd
		b.WriteString("0.")
		b.WriteString(strings.Repeat("0", -e-1))
		b.WriteString(digits)
	default: // d.dddE±n
		if len(digits) == 1 {
			digits += "0"
		}
		b.WriteString(digits[:1])
		b.WriteByte('.')
		b.WriteString(digits[1:])
		b.WriteByte('E')
		b.WriteString(strconv.Itoa(e))
	}
	return b.String()
}
