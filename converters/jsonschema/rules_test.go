package jsonschema

import (
	"strings"
	"testing"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/srclient"
	"github.com/goconnect/goconnect/schemaregistry/srtest"
)

// Domain rules of the schema written or read with run as in Confluent's
// JSON Schema serializer and deserializer (the engine's own cases are in
// the AvroConverter's TestDomainRules).
func TestDomainRules(t *testing.T) {
	srv := srtest.New(t)
	const text = `{"type":"object","title":"R","properties":{"name":{"type":"string","confluent:tags":["PII"]},"age":{"type":"integer"}}}`
	s := data.StructBuilder().Name("R").Field("name", data.StringSchema).Field("age", data.Int32Schema).MustBuild()
	record := func(name string, age int32) *data.Struct {
		return data.NewStruct(s).MustPut("name", name).MustPut("age", age)
	}
	const adult = `{"name":"adult","kind":"CONDITION","mode":"MODE","type":"CEL","expr":"message.age >= 18"EXTRA}`
	rule := func(mode, extra string) string {
		return `{"domainRules":[` + strings.NewReplacer("MODE", mode, "EXTRA", extra).Replace(adult) + `]}`
	}
	mask := func(mode string) string {
		return `{"domainRules":[{"name":"mask","kind":"TRANSFORM","mode":"` + mode + `","type":"CEL_FIELD","tags":["PII"],"expr":"'X' + value"}]}`
	}
	for _, c := range []struct {
		name, rules string
		extra       []string
		value       *data.Struct
		want        string // JSON written
		wantErr     string
		read        string // JSON read back when set
		readName    string
		readErr     string
	}{
		{name: "condition passes", rules: rule("WRITE", ""), value: record("bob", 20), want: `"name":"bob"`},
		{name: "condition fails", rules: rule("WRITE", ""), value: record("bob", 10), wantErr: "Rule failed: adult: Expr failed: 'message.age >= 18'"},
		{name: "onFailure NONE", rules: rule("WRITE", `,"onFailure":"NONE"`), value: record("bob", 10), want: `"age":10`},
		{name: "disabled", rules: rule("WRITE", `,"disabled":true`), value: record("bob", 10), want: `"age":10`},
		{name: "WRITEREAD on read", rules: rule("WRITEREAD", ""), value: record("bob", 20), want: `"age":20`,
			read: `{"name":"bob","age":10}`, readErr: "Rule failed: adult"},
		{name: "tagged field transform", rules: mask("WRITE"), value: record("bob", 20), want: `"name":"Xbob"`},
		{name: "READ transform", rules: mask("READ"), value: record("bob", 20), want: `"name":"bob"`,
			read: `{"name":"bob","age":10}`, readName: "Xbob"},
		{name: "DLQ", rules: rule("WRITE", `,"onFailure":"DLQ","params":{"dlq.topic":"dlq"}`), value: record("bob", 10),
			wantErr: `Rule failed: adult: Expr failed: 'message.age >= 18' (no copy written to DLQ topic dlq: Missing required configuration "bootstrap.servers" which has no default value.)`},
	} {
		t.Run(c.name, func(t *testing.T) {
			topic := strings.ReplaceAll(c.name, " ", "_")
			id := srv.Register(t, topic+"-value", srtest.Schema{Type: "JSON", Text: text, Rules: c.rules})
			props := map[string]string{"auto.register.schemas": "false", "use.latest.version": "true", "latest.compatibility.strict": "false"}
			for i := 0; i < len(c.extra); i += 2 {
				props[c.extra[i]] = c.extra[i+1]
			}
			conv := newConverter(t, srv.URL, false, props)
			got, err := conv.FromConnectData(topic, nil, s, c.value)
			switch {
			case c.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("write error %v, want %q", err, c.wantErr)
				}
				return
			case err != nil:
				t.Fatal(err)
			case !strings.Contains(string(got[5:]), c.want):
				t.Fatalf("wrote %s, want %s in it", got[5:], c.want)
			}
			if c.read == "" {
				return
			}
			_, out, err := conv.ToConnectData(topic, nil, append(srclient.AppendHeader(nil, id), c.read...))
			if c.readErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.readErr) {
					t.Fatalf("read error %v, want %q", err, c.readErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if name := out.(*data.Struct).GetIndex(0); name != c.readName {
				t.Fatalf("read %v, want name %s", out, c.readName)
			}
		})
	}
}
