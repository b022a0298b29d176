package avro

import (
	"bytes"
	"strings"
	"testing"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/srclient"
	"github.com/goconnect/goconnect/schemaregistry/srtest"
)

// Domain rules (Confluent data contracts) of the schema written or read
// with run as Confluent's serializer and deserializer run them: CEL
// conditions on the message, CEL_FIELD transforms on tagged fields, in
// their mode, with their actions; rule types goconnect lacks fail.
func TestDomainRules(t *testing.T) {
	srv := srtest.New(t)
	const text = `{"type":"record","name":"R","fields":[{"name":"name","type":"string","confluent:tags":["PII"]},{"name":"age","type":"int"}]}`
	s := data.StructBuilder().Name("R").Field("name", data.StringSchema).Field("age", data.Int32Schema).MustBuild()
	record := func(name string, age int32) *data.Struct {
		return data.NewStruct(s).MustPut("name", name).MustPut("age", age)
	}
	// body is the Avro encoding of a record: name (zigzag length, bytes), age.
	body := func(name string, age int32) []byte {
		b := append([]byte{byte(len(name) * 2)}, name...)
		return append(b, byte(age*2))
	}
	converter := func(extra ...string) *Converter {
		props := map[string]string{"auto.register.schemas": "false", "use.latest.version": "true"}
		for i := 0; i < len(extra); i += 2 {
			props[extra[i]] = extra[i+1]
		}
		return newConverter(t, srv.URL, false, props)
	}
	const adult = `{"name":"adult","kind":"CONDITION","mode":"%s","type":"CEL","expr":"message.age >= 18"%s}`
	rule := func(format string, args ...any) string {
		out := format
		for _, a := range args {
			out = strings.Replace(out, "%s", a.(string), 1)
		}
		return `{"domainRules":[` + out + `]}`
	}
	for _, c := range []struct {
		name    string
		rules   string
		extra   []string
		value   *data.Struct
		wantErr string // on write
		want    []byte // body written
		// readBody, when set, is read back; readWant is the name read, or
		// readErr the error.
		readBody []byte
		readWant string
		readErr  string
	}{
		{name: "condition passes", rules: rule(adult, "WRITE", ""), value: record("bob", 20), want: body("bob", 20)},
		{name: "condition fails", rules: rule(adult, "WRITE", ""), value: record("bob", 10),
			wantErr: "Rule failed: adult: Expr failed: 'message.age >= 18'"},
		{name: "doc is the message", rules: rule(adult, "WRITE", `,"doc":"too young"`), value: record("bob", 10),
			wantErr: "Rule failed: adult: too young"},
		{name: "onFailure NONE", rules: rule(adult, "WRITE", `,"onFailure":"NONE"`), value: record("bob", 10), want: body("bob", 10)},
		{name: "disabled", rules: rule(adult, "WRITE", `,"disabled":true`), value: record("bob", 10), want: body("bob", 10)},
		{name: "disabled by config", rules: rule(adult, "WRITE", ""), extra: []string{"rule.executors.adult.disabled", "true"},
			value: record("bob", 10), want: body("bob", 10)},
		{name: "onFailure by config", rules: rule(adult, "WRITE", ""), extra: []string{"rule.executors._default_.onFailure", "NONE"},
			value: record("bob", 10), want: body("bob", 10)},
		{name: "READ rule skipped on write", rules: rule(adult, "READ", ""), value: record("bob", 10), want: body("bob", 10),
			readBody: body("bob", 10), readErr: "Rule failed: adult: Expr failed: 'message.age >= 18'"},
		{name: "WRITE rule skipped on read", rules: rule(adult, "WRITE", ""), value: record("bob", 20), want: body("bob", 20),
			readBody: body("bob", 10), readWant: "bob"},
		{name: "WRITEREAD on write", rules: rule(adult, "WRITEREAD", ""), value: record("bob", 10),
			wantErr: "Rule failed: adult: Expr failed: 'message.age >= 18'"},
		{name: "WRITEREAD on read", rules: rule(adult, "WRITEREAD", ""), value: record("bob", 20), want: body("bob", 20),
			readBody: body("bob", 10), readErr: "Rule failed: adult"},
		{name: "WRITEREAD actions split", rules: rule(adult, "WRITEREAD", `,"onFailure":"NONE,ERROR"`), value: record("bob", 10), want: body("bob", 10),
			readBody: body("bob", 10), readErr: "Rule failed: adult"},
		{name: "guard false skips", rules: rule(`{"name":"g","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"message.name == 'x'; false"}`),
			value: record("bob", 10), want: body("bob", 10)},
		{name: "guard true runs", rules: rule(`{"name":"g","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"message.name == 'bob'; false"}`),
			value: record("bob", 10), wantErr: "Rule failed: g: Expr failed: 'message.name == 'bob'; false'"},
		{name: "field transform of a tagged field", rules: rule(`{"name":"mask","kind":"TRANSFORM","mode":"WRITE","type":"CEL_FIELD","tags":["PII"],"expr":"typeName == 'STRING' ? 'X' + value : value"}`),
			value: record("bob", 20), want: body("Xbob", 20)},
		{name: "field transform on read", rules: rule(`{"name":"mask","kind":"TRANSFORM","mode":"READ","type":"CEL_FIELD","tags":["PII"],"expr":"'***'"}`),
			value: record("bob", 20), want: body("bob", 20), readBody: body("bob", 20), readWant: "***"},
		{name: "field transform, other tag", rules: rule(`{"name":"mask","kind":"TRANSFORM","mode":"WRITE","type":"CEL_FIELD","tags":["SECRET"],"expr":"'***'"}`),
			value: record("bob", 20), want: body("bob", 20)},
		{name: "field condition", rules: rule(`{"name":"short","kind":"CONDITION","mode":"WRITE","type":"CEL_FIELD","tags":["PII"],"expr":"size(value) < 3"}`),
			value: record("bob", 20), wantErr: "Rule failed: short: Expr failed: 'size(value) < 3'"},
		{name: "message transform", rules: rule(`{"name":"older","kind":"TRANSFORM","mode":"WRITE","type":"CEL","expr":"{'name': message.name, 'age': message.age + 1}"}`),
			value: record("bob", 20), want: body("bob", 21)},
		{name: "CEL error", rules: rule(`{"name":"bad","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"message.nope > 1"}`),
			value: record("bob", 20), wantErr: "Rule failed: bad: Could not execute CEL script"},
		{name: "DLQ action without a topic", rules: rule(adult, "WRITE", `,"onFailure":"DLQ"`), value: record("bob", 10),
			wantErr: "Rule failed: adult: Could not send to DLQ as no topic is configured"},
		{name: "DLQ action on write without bootstrap.servers", rules: rule(adult, "WRITE", `,"onFailure":"DLQ","params":{"dlq.topic":"dlq"}`), value: record("bob", 10),
			wantErr: `Rule failed: adult: Expr failed: 'message.age >= 18' (no copy written to DLQ topic dlq: Missing required configuration "bootstrap.servers" which has no default value.)`},
		{name: "DLQ action on read without bootstrap.servers", rules: rule(adult, "READ", `,"onFailure":"DLQ"`), extra: []string{"dlq.topic", "dlq"},
			value: record("bob", 10), want: body("bob", 10), readBody: body("bob", 10),
			readErr: `Rule failed: adult: Expr failed: 'message.age >= 18' (no copy written to DLQ topic dlq: Missing required configuration "bootstrap.servers" which has no default value.)`},
		{name: "encryption rule without a kek", rules: rule(`{"name":"enc","kind":"TRANSFORM","mode":"WRITEREAD","type":"ENCRYPT","tags":["PII"]}`),
			value: record("bob", 20), wantErr: "Rule failed: enc: No kek name found"},
		{name: "encryption rule failing with NONE writes as Confluent", rules: rule(`{"name":"enc","kind":"TRANSFORM","mode":"WRITEREAD","type":"ENCRYPT","tags":["PII"],"onFailure":"NONE"}`),
			value: record("bob", 20), want: body("bob", 20)},
		{name: "encoding rule", rules: `{"encodingRules":[{"name":"penc","kind":"TRANSFORM","mode":"WRITEREAD","type":"CEL","expr":"message","onFailure":"NONE"}]}`,
			value: record("bob", 20), wantErr: "Rule failed: penc: encoding rule of type CEL: of the rules on the serialized payload (encodingRules) goconnect runs ENCRYPT_PAYLOAD only"},
		{name: "payload encryption without a kek", rules: `{"encodingRules":[{"name":"penc","kind":"TRANSFORM","mode":"WRITEREAD","type":"ENCRYPT_PAYLOAD"}]}`,
			value: record("bob", 20), wantErr: "Rule failed: penc: No kek name found"},
		{name: "payload encryption in domainRules", rules: rule(`{"name":"penc","kind":"TRANSFORM","mode":"WRITEREAD","type":"ENCRYPT_PAYLOAD","onFailure":"NONE"}`),
			value: record("bob", 20), wantErr: "Rule failed: penc: rule type ENCRYPT_PAYLOAD (payload encryption runs from the rule set's encodingRules, not its domainRules) is not supported by goconnect"},
		{name: "disabled encoding rule", rules: `{"encodingRules":[{"name":"penc","kind":"TRANSFORM","mode":"WRITEREAD","type":"ENCRYPT_PAYLOAD","disabled":true}]}`,
			value: record("bob", 20), want: body("bob", 20)},
		{name: "unknown executor", rules: rule(`{"name":"x","kind":"CONDITION","mode":"WRITE","type":"FOO"}`),
			value: record("bob", 20), wantErr: "Rule failed: x: Could not find rule executor of type FOO"},
		{name: "no service loader", rules: rule(adult, "WRITE", ""), extra: []string{"rule.service.loader.enable", "false"},
			value: record("bob", 20), wantErr: "Could not find rule executor of type CEL"},
	} {
		t.Run(c.name, func(t *testing.T) {
			topic := strings.ReplaceAll(c.name, " ", "_")
			id := srv.Register(t, topic+"-value", srtest.Schema{Text: text, Rules: c.rules})
			conv := converter(c.extra...)
			got, err := conv.FromConnectData(topic, nil, s, c.value)
			switch {
			case c.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("write error %v, want %q", err, c.wantErr)
				}
			case err != nil:
				t.Fatal(err)
			case !bytes.Equal(got, append(srclient.AppendHeader(nil, id), c.want...)):
				t.Fatalf("wrote % x, want % x", got, c.want)
			}
			if c.value.Equal(record("bob", c.value.GetIndex(1).(int32))) == false {
				t.Fatalf("the record given was changed: %v", c.value)
			}
			if c.readBody == nil {
				return
			}
			_, v, err := conv.ToConnectData(topic, nil, append(srclient.AppendHeader(nil, id), c.readBody...))
			if c.readErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.readErr) {
					t.Fatalf("read error %v, want %q", err, c.readErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if name := v.(*data.Struct).GetIndex(0); name != c.readWant {
				t.Fatalf("read name %v, want %s", name, c.readWant)
			}
		})
	}
}

// Auto-registration writes with the version registered, and its
// (inherited) rule set runs; a plain
// lookup (auto.register.schemas=false) runs none, as in Confluent's
// serializer, which then holds only the converted schema.
func TestDomainRulesAutoRegister(t *testing.T) {
	srv := srtest.New(t)
	s := data.StructBuilder().Name("R").Field("age", data.Int32Schema).MustBuild()
	value := data.NewStruct(s).MustPut("age", int32(1))
	// A version with rules; registering the converted schema adds a
	// version inheriting them.
	text := `{"type":"record","name":"R","fields":[{"name":"age","type":"int"}],"doc":"v1"}`
	srv.Register(t, "t-value", srtest.Schema{Text: text,
		Rules: `{"domainRules":[{"name":"big","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"message.age > 5"}]}`})
	fresh := newConverter(t, srv.URL, false, nil)
	_, err := fresh.FromConnectData("t", nil, s, value)
	if err == nil || !strings.Contains(err.Error(), "Rule failed: big") {
		t.Fatalf("auto-registered write: %v, want the inherited rule to fail", err)
	}
	lookup := newConverter(t, srv.URL, false, map[string]string{"auto.register.schemas": "false"})
	if _, err := lookup.FromConnectData("t", nil, s, value); err != nil {
		t.Fatalf("lookup write runs no rules: %v", err)
	}
}

// Reading as a later version with use.latest.version runs the UPGRADE
// migration rules of the versions after the writer's up to the reader's
// (JSONATA), refuses other rule types (naming the rules) and reads
// without migration when none is enabled.
func TestMigrationRules(t *testing.T) {
	srv := srtest.New(t)
	register := func(t *testing.T, subject, doc, rules string) int {
		return srv.Register(t, subject, srtest.Schema{Text: `{"type":"record","name":"R","doc":"` + doc + `","fields":[{"name":"age","type":"int"}]}`, Rules: rules})
	}
	upgrade := `{"migrationRules":[{"name":"up","kind":"TRANSFORM","mode":"UPGRADE","type":"JSONATA","expr":"$merge([$, {'age': age + 1}])"DISABLED}]}`
	for _, c := range []struct {
		name, rules, wantErr string
	}{
		{"enabled", strings.Replace(upgrade, "DISABLED", "", 1), ""},
		{"CEL", `{"migrationRules":[{"name":"up","kind":"TRANSFORM","mode":"UPGRADE","type":"CEL","expr":"message"}]}`, "migration rules up (type CEL, mode UPGRADE): goconnect does not execute migration rules"},
		{"disabled", strings.Replace(upgrade, "DISABLED", `,"disabled":true`, 1), ""},
		{"DOWNGRADE only", `{"migrationRules":[{"name":"down","kind":"TRANSFORM","mode":"DOWNGRADE","type":"JSONATA","expr":"$"}]}`, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			subject := strings.ReplaceAll(c.name, " ", "_") + "-value"
			v1 := register(t, subject, "1", "")
			register(t, subject, "2", c.rules) // the rules are on the version in between
			register(t, subject, "3", `{"domainRules":[]}`)
			conv := newConverter(t, srv.URL, false, map[string]string{"use.latest.version": "true"})
			_, v, err := conv.ToConnectData(strings.TrimSuffix(subject, "-value"), nil, append(srclient.AppendHeader(nil, v1), 40))
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("read: %v, want %q", err, c.wantErr)
				}
				return
			}
			want := int32(20)
			if c.name == "enabled" {
				want = 21
			}
			if err != nil || v.(*data.Struct).GetIndex(0) != want {
				t.Fatalf("read %v, %v", v, err)
			}
		})
	}
}
