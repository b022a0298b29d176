//go:build e2e

package e2e

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/converters/avro"
	"github.com/goconnect/goconnect/internal/srclient"
	"github.com/goconnect/goconnect/schemaregistry/srtest"
)

// pyRules writes a record with Confluent's Python AvroSerializer (or reads
// bytes with its AvroDeserializer), use.latest.version, with its CEL and
// CEL_FIELD executors registered; it prints the bytes in hex (the record
// as JSON), or "error: ", the exception's class and its cause (Python's
// ErrorAction raises an empty SerializationError from the rule's error).
const pyRules = `
import json, sys
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroSerializer, AvroDeserializer
from confluent_kafka.schema_registry.rules.cel.cel_executor import CelExecutor
from confluent_kafka.schema_registry.rules.cel.cel_field_executor import CelFieldExecutor
from confluent_kafka.serialization import SerializationContext, MessageField
CelExecutor.register()
CelFieldExecutor.register()
a = json.load(sys.stdin)
client = SchemaRegistryClient({"url": a["url"]})
ctx = SerializationContext(a["topic"], MessageField.VALUE)
try:
    if a.get("read"):
        d = AvroDeserializer(client)
        print(json.dumps(d(bytes.fromhex(a["read"]), ctx)))
    else:
        ser = AvroSerializer(client, a["schema"], conf={"auto.register.schemas": False, "use.latest.version": True})
        print(ser(a["record"], ctx).hex())
except Exception as e:
    print("error: %s: %s" % (type(e).__name__, e.__cause__ or e))
`

// pythonCEL is the directory scripts/pycel.sh installs cel-python into.
func pythonCEL(t *testing.T) string {
	t.Helper()
	dir := envOr("GOCONNECT_PYCEL", filepath.Join(envOr("GOCONNECT_CACHE", filepath.Join(os.Getenv("HOME"), ".cache", "goconnect")), "pycel"))
	if _, err := os.Stat(filepath.Join(dir, "celpy")); err != nil {
		t.Fatalf("cel-python is not installed (%v); run scripts/pycel.sh", err)
	}
	return dir
}

// Domain rules against Confluent's Python client on goconnect's registry:
// for each rule set, both write a record with the latest version and
// produce the same bytes (transforms included) or both fail with
// the rule's error (Confluent's Java "Rule failed: <name>" with "Expr
// failed: '<expr>'" for goconnect, a SerializationError from "Rule expr
// failed: <expr>" for Python); and both read the same bytes to the
// same record (READ transforms) or both fail.
func TestDomainRulesPython(t *testing.T) {
	py, celDir := pythonClients(t), pythonCEL(t)
	srv := srtest.New(t)
	const text = `{"type":"record","name":"R","fields":[{"name":"name","type":"string","confluent:tags":["PII"]},{"name":"age","type":"int"}]}`
	s := data.StructBuilder().Name("R").Field("name", data.StringSchema).Field("age", data.Int32Schema).MustBuild()
	python := func(in map[string]any) string {
		t.Helper()
		b, _ := json.Marshal(in)
		cmd := exec.Command(py, "-c", pyRules)
		cmd.Env = append(os.Environ(), "PYTHONPATH="+celDir)
		cmd.Stdin = bytes.NewReader(b)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("Python client: %v\n%s", err, stderr.String())
		}
		return strings.TrimSpace(string(out))
	}
	const adult = `{"name":"adult","kind":"CONDITION","mode":"MODE","type":"CEL","expr":"message.age >= 18"EXTRA}`
	rule := func(mode, extra string) string {
		return `{"domainRules":[` + strings.NewReplacer("MODE", mode, "EXTRA", extra).Replace(adult) + `]}`
	}
	mask := func(mode, expr string) string {
		return `{"domainRules":[{"name":"mask","kind":"TRANSFORM","mode":"` + mode + `","type":"CEL_FIELD","tags":["PII"],"expr":"` + expr + `"}]}`
	}
	for _, c := range []struct {
		name, rules string
		age         int32
		// fails: the write fails (both) with this rule named; expr is its
		// expression.
		fails, expr string
		// readAge, when set, is read back from bytes written without rules;
		// readFails names the rule failing that read.
		readAge   int32
		readFails string
	}{
		{name: "condition passes", rules: rule("WRITE", ""), age: 20},
		{name: "condition fails", rules: rule("WRITE", ""), age: 10, fails: "adult", expr: "message.age >= 18"},
		{name: "onFailure NONE", rules: rule("WRITE", `,"onFailure":"NONE"`), age: 10},
		{name: "disabled", rules: rule("WRITE", `,"disabled":true`), age: 10},
		{name: "WRITEREAD split actions", rules: rule("WRITEREAD", `,"onFailure":"NONE,ERROR"`), age: 10, readAge: 10, readFails: "adult", expr: "message.age >= 18"},
		{name: "field transform", rules: mask("WRITE", "typeName == 'STRING' ? 'X' + value : value"), age: 20},
		{name: "field transform untagged other", rules: `{"domainRules":[{"name":"inc","kind":"TRANSFORM","mode":"WRITE","type":"CEL_FIELD","expr":"typeName == 'INT' ? value + 1 : value"}]}`, age: 20},
		{name: "field condition", rules: `{"domainRules":[{"name":"short","kind":"CONDITION","mode":"WRITE","type":"CEL_FIELD","tags":["PII"],"expr":"size(value) < 3"}]}`, age: 20, fails: "short", expr: "size(value) < 3"},
		{name: "guard", rules: `{"domainRules":[{"name":"g","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"message.name == 'x'; false"}]}`, age: 20},
		{name: "builtin check", rules: `{"domainRules":[{"name":"mail","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"message.name.isEmail()"}]}`, age: 20, fails: "mail", expr: "message.name.isEmail()"},
		{name: "builtin check passes", rules: `{"domainRules":[{"name":"host","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"message.name.isHostname() && !message.name.isUuid()"}]}`, age: 20},
		{name: "READ transform", rules: mask("READ", "'***'"), age: 20, readAge: 20},
	} {
		t.Run(c.name, func(t *testing.T) {
			topic := strings.ReplaceAll(c.name, " ", "_")
			id := srv.Register(t, topic+"-value", srtest.Schema{Text: text, Rules: c.rules})
			conv := avro.New()
			if err := conv.Configure(map[string]string{"schema.registry.url": srv.URL, "auto.register.schemas": "false", "use.latest.version": "true"}, false); err != nil {
				t.Fatal(err)
			}
			ours, err := conv.FromConnectData(topic, nil, s, data.NewStruct(s).MustPut("name", "bob").MustPut("age", c.age))
			theirs := python(map[string]any{"url": srv.URL, "topic": topic, "schema": text, "record": map[string]any{"name": "bob", "age": c.age}})
			if c.fails != "" {
				want := "Rule failed: " + c.fails + ": Expr failed: '" + c.expr + "'"
				if err == nil || !strings.Contains(err.Error(), want) || theirs != "error: SerializationError: Rule expr failed: "+c.expr {
					t.Fatalf("goconnect %v, Python %s; want both to fail on %s", err, theirs, c.expr)
				}
			} else if err != nil || hex.EncodeToString(ours) != theirs {
				t.Fatalf("goconnect %x (%v), Python %s", ours, err, theirs)
			}
			if c.readAge == 0 {
				return
			}
			// Bytes as written without rules: bob, readAge.
			b := append(srclient.AppendHeader(nil, id), 6, 'b', 'o', 'b', byte(c.readAge*2))
			_, got, err := conv.ToConnectData(topic, nil, b)
			theirs = python(map[string]any{"url": srv.URL, "topic": topic, "read": hex.EncodeToString(b)})
			if c.readFails != "" {
				want := "Rule failed: " + c.readFails + ": Expr failed: '" + c.expr + "'"
				if err == nil || !strings.Contains(err.Error(), want) || theirs != "error: SerializationError: Rule expr failed: "+c.expr {
					t.Fatalf("read: goconnect %v, Python %s; want both to fail on %s", err, theirs, c.expr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var rec struct {
				Name string `json:"name"`
				Age  int32  `json:"age"`
			}
			if err := json.Unmarshal([]byte(theirs), &rec); err != nil {
				t.Fatalf("Python read %s: %v", theirs, err)
			}
			st := got.(*data.Struct)
			if st.GetIndex(0) != rec.Name || st.GetIndex(1) != rec.Age {
				t.Fatalf("read: goconnect %v, Python %s", st, theirs)
			}
		})
	}
}
