package srrules

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/srclient"
	"github.com/twmb/franz-go/pkg/sr"
)

func compile(t *testing.T, e *Engine, ruleSet, metadata string) *Set {
	t.Helper()
	var s sr.Schema
	if err := json.Unmarshal([]byte(`{"schema":"x","ruleSet":`+ruleSet+`,"metadata":`+metadata+`}`), &s); err != nil {
		t.Fatal(err)
	}
	return e.Compile(s, nil)
}

func TestEngine(t *testing.T) {
	e, err := NewEngine(nil)
	if err != nil {
		t.Fatal(err)
	}
	inner := data.StructBuilder().Name("I").Field("s", data.StringSchema).MustBuild()
	s := data.StructBuilder().Name("R").Field("name", data.StringSchema).
		Field("inner", inner).Field("list", data.ArrayOf(data.StringSchema).MustBuild()).MustBuild()
	value := func() *data.Struct {
		return data.NewStruct(s).MustPut("name", "n").MustPut("inner", data.NewStruct(inner).MustPut("s", "i")).
			MustPut("list", []any{"a", "b"})
	}
	field := func(name, expr, extra string) string {
		return `{"name":"` + name + `","kind":"TRANSFORM","mode":"WRITEREAD","type":"CEL_FIELD","expr":"` + expr + `"` + extra + `}`
	}
	run := func(set *Set, mode Mode) *data.Struct {
		t.Helper()
		out, err := set.Execute(mode, Message{Value: value(), Schema: s})
		if err != nil {
			t.Fatal(err)
		}
		return out.Value.(*data.Struct)
	}
	// Untagged field rules reach every primitive field, nested and in
	// arrays; name/fullName/typeName are the field's.
	set := compile(t, e, `{"domainRules":[`+field("all", "value + '|' + name + '|' + fullName + '|' + typeName", "")+`]}`, `{}`)
	got := run(set, Write)
	if got.GetIndex(0) != "n|name|R.name|STRING" || got.GetIndex(1).(*data.Struct).GetIndex(0) != "i|s|I.s|STRING" ||
		got.GetIndex(2).([]any)[1] != "b|list|R.list|STRING" {
		t.Fatalf("got %v", got)
	}
	// Two rules: in order on write, reversed on read.
	set = compile(t, e, `{"domainRules":[`+field("a", "value + 'a'", "")+`,`+field("b", "value + 'b'", "")+`]}`, `{}`)
	if w, r := run(set, Write).GetIndex(0), run(set, Read).GetIndex(0); w != "nab" || r != "nba" {
		t.Fatalf("write %v read %v", w, r)
	}
	// Two transforms with the same tags: only the first runs, either way.
	// Tags come from the metadata's path patterns.
	set = compile(t, e, `{"domainRules":[`+field("a", "value + 'a'", `,"tags":["T"]`)+`,`+field("b", "value + 'b'", `,"tags":["T"]`)+`]}`,
		`{"tags":{"R.na*":["T"]}}`)
	if w, r := run(set, Write).GetIndex(0), run(set, Read).GetIndex(0); w != "na" || r != "na" {
		t.Fatalf("write %v read %v", w, r)
	}
	if got := run(set, Write); got.GetIndex(1).(*data.Struct).GetIndex(0) != "i" {
		t.Fatalf("untagged field changed: %v", got)
	}
	// A transform giving the wrong type fails the record.
	set = compile(t, e, `{"domainRules":[`+field("num", "1", "")+`]}`, `{}`)
	if _, err := set.Execute(Write, Message{Value: value(), Schema: s}); err == nil || !strings.Contains(err.Error(), "Rule failed: num") {
		t.Fatalf("got %v", err)
	}
	// Migration rules are reported, not run.
	set = compile(t, e, `{"migrationRules":[{"name":"up","kind":"TRANSFORM","mode":"UPGRADE","type":"JSONATA","expr":"$"}]}`, `{}`)
	if !set.HasMigrationRules() || !strings.Contains(MigrationError(set).Error(), "up (type JSONATA, mode UPGRADE)") {
		t.Fatalf("migration: %v", MigrationError(set))
	}
	if _, err := set.Execute(Write, Message{Value: value(), Schema: s}); err != nil {
		t.Fatalf("migration rules run on write: %v", err)
	}
}

func TestWildcardMatch(t *testing.T) {
	for _, c := range []struct {
		s, p string
		want bool
	}{
		{"a.b.c", "a.b.c", true}, {"a.b.c", "a.*.c", true}, {"a.b.c", "a.*", false}, {"a.b.c", "a.**", true},
		{"a.b.c", "**.c", true}, {"a.bc", "a.b?", true}, {"a.b.c", "a?b.c", false}, {"a+b", "a+b", true},
	} {
		re, err := wildcard(c.p)
		if err != nil {
			t.Fatal(err)
		}
		if got := re.MatchString(c.s); got != c.want {
			t.Errorf("%s ~ %s: %v", c.s, c.p, got)
		}
	}
}

func TestNewEngineRefusesClasses(t *testing.T) {
	for _, k := range []string{"rule.executors", "rule.actions"} {
		if _, err := NewEngine(map[string]string{k: "x"}); err == nil || !strings.Contains(err.Error(), k) {
			t.Fatalf("%s: %v", k, err)
		}
	}
	if _, err := NewEngine(map[string]string{"rule.service.loader.enable": "maybe"}); err == nil {
		t.Fatal("bad boolean accepted")
	}
}

// srclient marks encoding rules with the parameter the engine refuses.
func TestEncodingRuleParam(t *testing.T) {
	if encodingRuleParam != srclient.EncodingRuleParam {
		t.Fatalf("%q != %q", encodingRuleParam, srclient.EncodingRuleParam)
	}
}

// Confluent's string checks, as member functions on message fields.
func TestBuiltins(t *testing.T) {
	e, err := NewEngine(nil)
	if err != nil {
		t.Fatal(err)
	}
	s := data.StructBuilder().Name("R").Field("v", data.StringSchema).MustBuild()
	for _, c := range []struct {
		fn, v string
		want  bool
	}{
		{"isEmail", "bob@example.com", true}, {"isEmail", "bob", false}, {"isEmail", "Bob <bob@example.com>", false},
		{"isHostname", "example.com", true}, {"isHostname", "ex_ample.com", false}, {"isHostname", "-a.com", false},
		{"isIpv4", "10.0.0.1", true}, {"isIpv4", "10.0.0.256", false}, {"isIpv4", "::1", false},
		{"isIpv6", "::1", true}, {"isIpv6", "10.0.0.1", false},
		{"isUri", "https://example.com/a?b", true}, {"isUri", "/a/b", false}, {"isUri", "http://a b", false},
		{"isUriRef", "/a/b", true}, {"isUriRef", "a b", false},
		{"isUuid", "123e4567-e89b-12d3-a456-426614174000", true}, {"isUuid", "123e4567", false},
	} {
		set := compile(t, e, `{"domainRules":[{"name":"c","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"message.v.`+c.fn+`()"}]}`, `{}`)
		_, err := set.Execute(Write, Message{Value: data.NewStruct(s).MustPut("v", c.v), Schema: s})
		if got := err == nil; got != c.want {
			t.Errorf("%q.%s(): %v (%v)", c.v, c.fn, got, err)
		}
	}
}
