package apache

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/config"
)

// RegexRouter renames topics matching a regular expression.
type RegexRouter struct {
	noClose
	re          *regexp.Regexp
	replacement string
}

// ConfigDef implements connect.Transformation.
func (*RegexRouter) ConfigDef() *config.Def {
	return config.NewDef().
		Define(config.Key{Name: "regex", Type: config.TypeString, Required: true, Validator: config.Regex(), Importance: config.High, Doc: "Regular expression to use for matching."}).
		Define(config.Key{Name: "replacement", Type: config.TypeString, Required: true, Importance: config.High, Doc: "Replacement string."})
}

// Configure implements connect.Transformation.
func (t *RegexRouter) Configure(props map[string]string) error {
	v, err := parseWith(t.ConfigDef(), "RegexRouter", props)
	if err != nil {
		return err
	}
	// Java's matches() needs the whole topic to match.
	t.re = regexp.MustCompile("^(?:" + v.String("regex") + ")$")
	t.replacement = javaReplacement(v.String("replacement"), t.re.NumSubexp())
	return nil
}

// Apply implements connect.Transformation.
func (t *RegexRouter) Apply(r *connect.Record) (*connect.Record, error) {
	if m := t.re.FindStringSubmatchIndex(r.Topic); m != nil {
		r.Topic = string(t.re.ExpandString(nil, t.replacement, r.Topic, m))
	}
	return r, nil
}

// javaReplacement turns Java's Matcher replacement syntax into Go's
// Expand syntax: $n takes as many digits as still name an existing group
// (Java's rule), \x is a literal x, and a literal $ is escaped.
func javaReplacement(s string, groups int) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			i++
			if s[i] == '$' {
				b.WriteString("$$")
			} else {
				b.WriteByte(s[i])
			}
		case c == '$' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
			n := int(s[i+1] - '0')
			j := i + 2
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				next := n*10 + int(s[j]-'0')
				if next > groups {
					break
				}
				n = next
				j++
			}
			fmt.Fprintf(&b, "${%d}", n)
			i = j - 1
		case c == '$':
			b.WriteString("$$")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// TimestampRouter appends the record timestamp to the topic.
type TimestampRouter struct {
	noClose
	topicFormat string
	layout      string
}

// ConfigDef implements connect.Transformation.
func (*TimestampRouter) ConfigDef() *config.Def {
	return config.NewDef().
		Define(config.Key{Name: "topic.format", Type: config.TypeString, Default: "${topic}-${timestamp}", Validator: config.NonEmpty(), Importance: config.High,
			Doc: "Format string which can contain ${topic} and ${timestamp} as placeholders for the topic and timestamp, respectively."}).
		Define(config.Key{Name: "timestamp.format", Type: config.TypeString, Default: "yyyyMMdd", Validator: config.NonEmpty(), Importance: config.High,
			Doc: "Format string for the timestamp that is compatible with java.text.SimpleDateFormat."})
}

// Configure implements connect.Transformation.
func (t *TimestampRouter) Configure(props map[string]string) error {
	v, err := parseWith(t.ConfigDef(), "TimestampRouter", props)
	if err != nil {
		return err
	}
	t.topicFormat = v.String("topic.format")
	if t.layout, err = javaLayout(v.String("timestamp.format")); err != nil {
		return &config.Error{Key: "timestamp.format", Value: v.String("timestamp.format"), Message: err.Error()}
	}
	return nil
}

// Apply implements connect.Transformation.
func (t *TimestampRouter) Apply(r *connect.Record) (*connect.Record, error) {
	if r.Timestamp.IsZero() {
		return nil, fmt.Errorf("Timestamp missing on record: %s", r.Topic)
	}
	topic := strings.ReplaceAll(t.topicFormat, "${topic}", r.Topic)
	r.Topic = strings.ReplaceAll(topic, "${timestamp}", r.Timestamp.UTC().Format(t.layout))
	return r, nil
}
