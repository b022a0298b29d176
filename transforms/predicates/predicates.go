// Package predicates holds Apache Kafka's transformation predicates
// (org.apache.kafka.connect.transforms.predicates.*).
package predicates

import (
	"fmt"
	"regexp"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/config"
)

const pkg = "org.apache.kafka.connect.transforms.predicates."

// Descs lists the predicates.
func Descs() []connect.PluginDesc {
	mk := func(name string, f func() connect.Predicate) connect.PluginDesc {
		return connect.PluginDesc{Class: pkg + name, Type: connect.TypePredicate, Version: "4.1.0", New: func() any { return f() }}
	}
	return []connect.PluginDesc{
		mk("TopicNameMatches", func() connect.Predicate { return &TopicNameMatches{} }),
		mk("HasHeaderKey", func() connect.Predicate { return &HasHeaderKey{} }),
		mk("RecordIsTombstone", func() connect.Predicate { return &RecordIsTombstone{} }),
	}
}

// TopicNameMatches is true when the whole topic name matches a pattern.
type TopicNameMatches struct{ re *regexp.Regexp }

// ConfigDef implements connect.Predicate.
func (*TopicNameMatches) ConfigDef() *config.Def {
	return config.NewDef().Define(config.Key{Name: "pattern", Type: config.TypeString, Required: true, Validator: config.Regex(), Importance: config.Medium,
		Doc: "A Java regular expression for matching against the name of a record's topic."})
}

// Configure implements connect.Predicate.
func (p *TopicNameMatches) Configure(props map[string]string) error {
	v, err := p.ConfigDef().Parse(props)
	if err != nil {
		return fmt.Errorf("TopicNameMatches: %w", err)
	}
	p.re = regexp.MustCompile("^(?:" + v.String("pattern") + ")$")
	return nil
}

// Test implements connect.Predicate.
func (p *TopicNameMatches) Test(r *connect.Record) bool {
	return r.Topic != "" && p.re.MatchString(r.Topic)
}

// Close implements connect.Predicate.
func (*TopicNameMatches) Close() error { return nil }

// HasHeaderKey is true when a header with the name exists.
type HasHeaderKey struct{ name string }

// ConfigDef implements connect.Predicate.
func (*HasHeaderKey) ConfigDef() *config.Def {
	return config.NewDef().Define(config.Key{Name: "name", Type: config.TypeString, Required: true, Validator: config.NonEmpty(), Importance: config.Medium,
		Doc: "The header name."})
}

// Configure implements connect.Predicate.
func (p *HasHeaderKey) Configure(props map[string]string) error {
	v, err := p.ConfigDef().Parse(props)
	if err != nil {
		return fmt.Errorf("HasHeaderKey: %w", err)
	}
	p.name = v.String("name")
	return nil
}

// Test implements connect.Predicate.
func (p *HasHeaderKey) Test(r *connect.Record) bool {
	_, ok := r.Headers.Last(p.name)
	return ok
}

// Close implements connect.Predicate.
func (*HasHeaderKey) Close() error { return nil }

// RecordIsTombstone is true when the record value is null.
type RecordIsTombstone struct{}

// ConfigDef implements connect.Predicate.
func (*RecordIsTombstone) ConfigDef() *config.Def { return config.NewDef() }

// Configure implements connect.Predicate.
func (*RecordIsTombstone) Configure(map[string]string) error { return nil }

// Test implements connect.Predicate.
func (*RecordIsTombstone) Test(r *connect.Record) bool { return r.Value == nil }

// Close implements connect.Predicate.
func (*RecordIsTombstone) Close() error { return nil }
