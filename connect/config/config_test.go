package config

import (
	"errors"
	"strings"
	"testing"
)

func testDef() *Def {
	return NewDef().
		Define(Key{Name: "topic", Type: TypeString, Required: true, Validator: NonEmpty()}).
		Define(Key{Name: "tasks", Type: TypeInt, Default: "1", Validator: AtLeast(1)}).
		Define(Key{Name: "mode", Type: TypeString, Default: "fast", Validator: OneOf("fast", "slow")}).
		Define(Key{Name: "list", Type: TypeList, Default: "a, b"}).
		Define(Key{Name: "secret", Type: TypePassword}).
		Define(Key{Name: "enabled", Type: TypeBoolean, Default: "false"}).
		Define(Key{Name: "seed", Type: TypeLong})
}

func TestParseDefaultsAndTypes(t *testing.T) {
	v, err := testDef().Parse(map[string]string{"topic": "t", "mode": "SLOW", "secret": "pw", "enabled": "TRUE", "extra": "kept"})
	if err != nil {
		t.Fatal(err)
	}
	if v.String("topic") != "t" || v.Int("tasks") != 1 || v.String("mode") != "SLOW" || !v.Bool("enabled") {
		t.Fatalf("values wrong: %+v", v.parsed)
	}
	if l := v.List("list"); len(l) != 2 || l[1] != "b" {
		t.Fatalf("list = %q", l)
	}
	if v.Password("secret").String() != "[hidden]" || v.Password("secret").Value() != "pw" {
		t.Fatal("password handling")
	}
	if v.Get("seed") != nil || v.IsSet("seed") {
		t.Fatal("unset long without default should be nil")
	}
	if v.Raw()["extra"] != "kept" {
		t.Fatal("unknown keys must pass through")
	}
}

func TestParseErrorsNameEveryBadKey(t *testing.T) {
	_, err := testDef().Parse(map[string]string{"tasks": "many", "mode": "medium", "enabled": "yes"})
	if err == nil {
		t.Fatal("no error")
	}
	for _, key := range []string{"topic", "tasks", "mode", "enabled"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("error %q does not name %s", err, key)
		}
	}
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatal("not a *config.Error")
	}
	_, err = testDef().Parse(map[string]string{"topic": "t", "tasks": "0"})
	if err == nil || !strings.Contains(err.Error(), "at least 1") {
		t.Fatalf("range: %v", err)
	}
	msgs := testDef().ValidateAll(map[string]string{"topic": "t", "tasks": "x"})
	if len(msgs["tasks"]) != 1 || len(msgs["topic"]) != 0 {
		t.Fatalf("ValidateAll = %v", msgs)
	}
}

// TestPasswordValuesHiddenInErrors: a bad PASSWORD value and a bad value
// of a credential-named key are reported as [hidden], as Connect prints a
// Password; other values are quoted.
func TestPasswordValuesHiddenInErrors(t *testing.T) {
	d := NewDef().
		Define(Key{Name: "db.pw", Type: TypePassword, Validator: tooShort{}}).
		Define(Key{Name: "tasks", Type: TypeInt})
	_, err := d.Parse(map[string]string{"db.pw": "hunter2", "tasks": "x"})
	if err == nil || !strings.Contains(err.Error(), "Invalid value x for configuration tasks") ||
		!strings.Contains(err.Error(), "Invalid value [hidden] for configuration db.pw: too short") || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("err %v", err)
	}
	e := &Error{Key: "producer.sasl.jaas.config", Value: `x required password="p";`, Message: "bad"}
	if e.Error() != "Invalid value [hidden] for configuration producer.sasl.jaas.config: bad" {
		t.Fatalf("%s", e.Error())
	}
}

type tooShort struct{}

func (tooShort) Validate(string, any) error { return errors.New("too short") }
func (tooShort) String() string             { return "long" }
