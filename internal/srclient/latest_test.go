package srclient

import (
	"fmt"
	"testing"
)

// use.latest.with.metadata is read as Confluent's MapPropertyParser reads
// it (Jackson CSV, single quotes): commas split entries outside quotes, a
// doubled quote inside quotes is a quote, an entry splits at its first
// "=", spaces are kept.
func TestParseMetadataSpec(t *testing.T) {
	for spec, want := range map[string]string{
		"app=1":                      "[{app 1}]",
		"app=1,team=core":            "[{app 1} {team core}]",
		"a=x=y":                      "[{a x=y}]",
		"'a=1,2',b= c ":              "[{a 1,2} {b  c }]",
		"'q=it''s'":                  "[{q it's}]",
		"application.major.version=": "[{application.major.version }]",
	} {
		got, err := parseMetadataSpec(spec)
		if err != nil || fmt.Sprint(got) != want {
			t.Errorf("%q: %v, %v; want %s", spec, got, err, want)
		}
	}
	for _, bad := range []string{"app", "a=1,a=2", "'a=1", "a=1,"} {
		if got, err := parseMetadataSpec(bad); err == nil {
			t.Errorf("%q: %v, want an error", bad, got)
		}
	}
}
