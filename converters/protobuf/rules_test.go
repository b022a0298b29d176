package protobuf

import (
	"bytes"
	"strings"
	"testing"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/srclient"
	"github.com/goconnect/goconnect/schemaregistry/srtest"
)

// Domain rules of the schema written or read with run as in Confluent's
// Protobuf serializer and deserializer; a field's tags come from its
// (confluent.field_meta).tags option.
func TestDomainRules(t *testing.T) {
	srv := srtest.New(t)
	const text = "syntax = \"proto3\";\npackage p;\n\nimport \"confluent/meta.proto\";\n\nmessage R {\n" +
		"  string name = 1 [(confluent.field_meta).tags = \"PII\"];\n  int32 age = 2;\n}\n"
	s := data.StructBuilder().Name("p.R").Field("name", data.NewBuilder(data.TypeString).MustBuild()).Field("age", data.NewBuilder(data.TypeInt32).MustBuild()).MustBuild()
	record := func(name string, age int32) *data.Struct {
		return data.NewStruct(s).MustPut("name", name).MustPut("age", age)
	}
	// body is message index 0 then the fields: 1 (string), 2 (varint).
	body := func(name string, age int32) []byte {
		b := append([]byte{0, 0x0a, byte(len(name))}, name...)
		return append(b, 0x10, byte(age))
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
		value       *data.Struct
		want        []byte
		wantErr     string
		read        []byte
		readName    string
		readErr     string
	}{
		{name: "condition passes", rules: rule("WRITE", ""), value: record("bob", 20), want: body("bob", 20)},
		{name: "condition fails", rules: rule("WRITE", ""), value: record("bob", 10), wantErr: "Rule failed: adult: Expr failed: 'message.age >= 18'"},
		{name: "onFailure NONE", rules: rule("WRITE", `,"onFailure":"NONE"`), value: record("bob", 10), want: body("bob", 10)},
		{name: "disabled", rules: rule("WRITE", `,"disabled":true`), value: record("bob", 10), want: body("bob", 10)},
		{name: "WRITEREAD on read", rules: rule("WRITEREAD", ""), value: record("bob", 20), want: body("bob", 20),
			read: body("bob", 10), readErr: "Rule failed: adult"},
		{name: "tagged field transform", rules: mask("WRITE"), value: record("bob", 20), want: body("Xbob", 20)},
		{name: "READ transform", rules: mask("READ"), value: record("bob", 20), want: body("bob", 20), read: body("bob", 10), readName: "Xbob"},
		{name: "encryption", rules: `{"domainRules":[{"name":"enc","kind":"TRANSFORM","mode":"WRITEREAD","type":"ENCRYPT","tags":["PII"]}]}`,
			value: record("bob", 20), wantErr: "Rule failed: enc: No kek name found"},
	} {
		t.Run(c.name, func(t *testing.T) {
			topic := strings.ReplaceAll(c.name, " ", "_")
			id := srv.Register(t, topic+"-value", srtest.Schema{Type: "PROTOBUF", Text: text, Rules: c.rules})
			conv := newConverter(t, srv.URL, false, map[string]string{
				"auto.register.schemas": "false", "use.latest.version": "true", "latest.compatibility.strict": "false"})
			got, err := conv.FromConnectData(topic, nil, s, c.value)
			switch {
			case c.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("write error %v, want %q", err, c.wantErr)
				}
				return
			case err != nil:
				t.Fatal(err)
			case !bytes.Equal(got[5:], c.want):
				t.Fatalf("wrote % x, want % x", got[5:], c.want)
			}
			if c.read == nil {
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
			if name, _ := out.(*data.Struct).Get("name"); name != c.readName {
				t.Fatalf("read %v, want name %s", out, c.readName)
			}
		})
	}
}
