package apache

import (
	"fmt"
	"strings"
	"time"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/transforms/smtutil"
)

// TimestampConverter converts timestamps between strings, unix numbers and
// Connect's Date, Time and Timestamp types.
type TimestampConverter struct {
	noClose
	side        smtutil.Side
	field       string
	target      string
	layout      string
	precision   string
	replaceNull bool
	cache       smtutil.SchemaCache
}

// Target types, spelled as Connect expects them.
const (
	tsString    = "string"
	tsUnix      = "unix"
	tsDate      = "Date"
	tsTime      = "Time"
	tsTimestamp = "Timestamp"
)

// ConfigDef implements connect.Transformation.
func (*TimestampConverter) ConfigDef() *config.Def {
	return config.NewDef().
		Define(config.Key{Name: "target.type", Type: config.TypeString, Required: true, Validator: exactOneOf{tsString, tsUnix, tsDate, tsTime, tsTimestamp}, Importance: config.High,
			Doc: "The desired timestamp representation: string, unix, Date, Time, or Timestamp"}).
		Define(config.Key{Name: "field", Type: config.TypeString, Default: "", Importance: config.High,
			Doc: "The field containing the timestamp, or empty if the entire value is a timestamp"}).
		Define(config.Key{Name: "format", Type: config.TypeString, Default: "", Importance: config.Medium,
			Doc: "A SimpleDateFormat-compatible format for the timestamp. Used to generate the output when type=string or used to parse the input if the input is a string."}).
		Define(config.Key{Name: "unix.precision", Type: config.TypeString, Default: "milliseconds", Validator: exactOneOf{"nanoseconds", "microseconds", "milliseconds", "seconds"}, Importance: config.Low,
			Doc: "The desired Unix precision for the timestamp: seconds, milliseconds, microseconds, or nanoseconds."}).
		Define(replaceNullKey)
}

// exactOneOf is a case-sensitive list of allowed strings.
type exactOneOf []string

func (e exactOneOf) Validate(_ string, v any) error {
	s, _ := v.(string)
	for _, x := range e {
		if x == s {
			return nil
		}
	}
	return fmt.Errorf("String must be one of: %s", strings.Join(e, ", "))
}
func (e exactOneOf) String() string { return fmt.Sprint([]string(e)) }

// Configure implements connect.Transformation.
func (t *TimestampConverter) Configure(props map[string]string) error {
	v, err := parseWith(t.ConfigDef(), "TimestampConverter", props)
	if err != nil {
		return err
	}
	t.field, t.target, t.precision = v.String("field"), v.String("target.type"), v.String("unix.precision")
	format := v.String("format")
	if t.target == tsString && format == "" {
		return &config.Error{Key: "format", Message: "TimestampConverter requires format option to be specified when using string timestamps"}
	}
	if format != "" {
		if t.layout, err = javaLayout(format); err != nil {
			return &config.Error{Key: "format", Value: format, Message: err.Error()}
		}
	}
	t.replaceNull = v.Bool(replaceNullKey.Name)
	return nil
}

const tsPurpose = "converting timestamp formats"

// Apply implements connect.Transformation.
func (t *TimestampConverter) Apply(r *connect.Record) (*connect.Record, error) {
	s, v := t.side.Get(r)
	if t.field == "" {
		if v == nil && s == nil {
			return r, nil
		}
		if v == nil {
			t.side.Set(r, t.targetSchema(s.Optional), nil)
			return r, nil
		}
		ts, err := t.toTime(s, v)
		if err != nil {
			return nil, err
		}
		out, err := t.fromTime(ts)
		if err != nil {
			return nil, err
		}
		var ns *data.Schema
		if s != nil {
			ns = t.targetSchema(s.Optional)
		}
		t.side.Set(r, ns, out)
		return r, nil
	}
	if s == nil {
		if v == nil {
			return r, nil
		}
		m, err := smtutil.RequireMap(v, tsPurpose)
		if err != nil {
			return nil, err
		}
		out := smtutil.CopyMap(m, 0)
		if x := m[t.field]; x != nil {
			ts, err := t.toTime(nil, x)
			if err != nil {
				return nil, err
			}
			if out[t.field], err = t.fromTime(ts); err != nil {
				return nil, err
			}
		}
		t.side.Set(r, nil, out)
		return r, nil
	}
	ns, err := t.cache.Get(s, func(s *data.Schema) (*data.Schema, error) {
		if _, ok := s.Field(t.field); !ok {
			return nil, fmt.Errorf("Unknown field: %s", t.field)
		}
		b := smtutil.CopyBasics(s)
		for _, f := range s.Fields {
			if f.Name == t.field {
				b.Field(f.Name, t.targetSchema(f.Schema.Optional))
			} else {
				b.Field(f.Name, f.Schema)
			}
		}
		return b.Build()
	})
	if err != nil {
		return nil, err
	}
	if v == nil {
		t.side.Set(r, ns, nil)
		return r, nil
	}
	st, err := smtutil.RequireStruct(v, tsPurpose)
	if err != nil {
		return nil, err
	}
	out := data.NewStruct(ns)
	for i, f := range s.Fields {
		x := smtutil.FieldValue(st, i, t.replaceNull)
		if f.Name == t.field && x != nil {
			ts, err := t.toTime(f.Schema, x)
			if err != nil {
				return nil, err
			}
			if x, err = t.fromTime(ts); err != nil {
				return nil, err
			}
		}
		out.PutIndex(i, x)
	}
	t.side.Set(r, ns, out)
	return r, nil
}

func (t *TimestampConverter) targetSchema(optional bool) *data.Schema {
	var b *data.Builder
	switch t.target {
	case tsString:
		b = data.NewBuilder(data.TypeString)
	case tsUnix:
		b = data.NewBuilder(data.TypeInt64)
	case tsDate:
		b = data.DateBuilder()
	case tsTime:
		b = data.TimeBuilder()
	default:
		b = data.TimestampBuilder()
	}
	if optional {
		b.Optional()
	}
	return b.MustBuild()
}

// toTime reads the input, detecting its kind from the schema or Go type.
func (t *TimestampConverter) toTime(s *data.Schema, v any) (time.Time, error) {
	switch x := v.(type) {
	case time.Time:
		return x, nil
	case int64:
		if s != nil && s.Type != data.TypeInt64 {
			break
		}
		switch t.precision {
		case "seconds":
			return time.Unix(x, 0).UTC(), nil
		case "microseconds":
			return time.UnixMicro(x).UTC(), nil
		case "nanoseconds":
			return time.Unix(0, x).UTC(), nil
		}
		return time.UnixMilli(x).UTC(), nil
	case string:
		if t.layout == "" {
			return time.Time{}, fmt.Errorf("TimestampConverter requires format option to be specified when using string timestamps")
		}
		ts, err := time.ParseInLocation(t.layout, x, time.UTC)
		if err != nil {
			return time.Time{}, fmt.Errorf("Could not parse timestamp: value (%s) does not match pattern: %w", x, err)
		}
		return ts, nil
	}
	return time.Time{}, fmt.Errorf("TimestampConverter does not support %s objects as timestamps", smtutil.JavaClass(v))
}

func (t *TimestampConverter) fromTime(ts time.Time) (any, error) {
	ts = ts.UTC()
	switch t.target {
	case tsString:
		return ts.Format(t.layout), nil
	case tsUnix:
		switch t.precision {
		case "seconds":
			return ts.Unix(), nil
		case "microseconds":
			return ts.UnixMicro(), nil
		case "nanoseconds":
			return ts.UnixNano(), nil
		}
		return ts.UnixMilli(), nil
	case tsDate:
		y, m, d := ts.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
	case tsTime:
		h, mi, s := ts.Clock()
		return time.Date(1970, 1, 1, h, mi, s, ts.Nanosecond()/1e6*1e6, time.UTC), nil
	}
	return ts, nil
}
