//go:build e2e

package e2e

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/linkedin/goavro/v2"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/converters/avro"
	"github.com/goconnect/goconnect/internal/srclient"
	"github.com/goconnect/goconnect/schemaregistry/srtest"
)

// pyReadLatest deserializes hex payloads with Confluent's Python
// AvroDeserializer configured with use.latest.version (fastavro resolves
// the writer's schema into the subject's latest) and prints, per payload,
// the value as JSON (bytes in hex) or the error.
const pyReadLatest = `
import json, sys
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.serialization import SerializationContext, MessageField
a = json.load(sys.stdin)
de = AvroDeserializer(SchemaRegistryClient({"url": a["url"]}), conf={"use.latest.version": True})
out = []
for p in a["payloads"]:
    try:
        v = de(bytes.fromhex(p), SerializationContext(a["topic"], MessageField.VALUE))
        out.append({"value": v})
    except Exception as e:
        out.append({"error": str(e)})
print(json.dumps(out, default=lambda b: b.hex()))
`

// use.latest.version on read: Confluent's Python deserializer (fastavro's
// resolution) and goconnect's AvroConverter read records written with v1
// as the subject's latest version alike — added fields with defaults,
// removed fields, promotions, an enum's default symbol, plain types into
// unions, nested records in arrays and maps — and both fail a record the
// latest cannot read.
func TestReadWithLatestVersionPython(t *testing.T) {
	py := pythonClients(t)
	srv := srtest.New(t)
	srv.Compatibility(t, "t-value", "NONE")
	const v1 = `{"type":"record","name":"R","namespace":"n","fields":[` +
		`{"name":"a","type":"int"},{"name":"gone","type":"string"},{"name":"f","type":"float"},{"name":"l","type":"long"},` +
		`{"name":"e","type":{"type":"enum","name":"E","symbols":["A","B","C"]}},{"name":"s","type":"string"},` +
		`{"name":"u","type":["null","int"]},{"name":"b","type":"bytes"},` +
		`{"name":"items","type":{"type":"array","items":{"type":"record","name":"I","fields":[{"name":"x","type":"int"},{"name":"drop","type":"boolean"}]}}},` +
		`{"name":"m","type":{"type":"map","values":"int"}}]}`
	const v2 = `{"type":"record","name":"R","namespace":"n","fields":[` +
		`{"name":"m","type":{"type":"map","values":"double"}},{"name":"a","type":"long"},{"name":"f","type":"double"},{"name":"l","type":"double"},` +
		`{"name":"e","type":{"type":"enum","name":"E","symbols":["A","B"],"default":"B"}},{"name":"s","type":["null","string"],"default":null},` +
		`{"name":"u","type":["null","long"],"default":null},{"name":"b","type":"string"},` +
		`{"name":"items","type":{"type":"array","items":{"type":"record","name":"I","fields":[{"name":"x","type":"long"},{"name":"y","type":"string","default":"dy"}]}}},` +
		`{"name":"added","type":"string","default":"d"},{"name":"n","type":"int","default":42},` +
		`{"name":"sub","type":{"type":"record","name":"S","fields":[{"name":"p","type":"double"},{"name":"q","type":["null","string"],"default":null}]},"default":{"p":1.5,"q":null}},` +
		`{"name":"arr","type":{"type":"array","items":"int"},"default":[1,2]}]}`
	// sub's default names every field: fastavro returns a record default
	// as written, where Java (and goconnect, TestResolveIntoReaderSchema)
	// fill a nested field it omits from that field's default.
	// v3: a field without a default, which v1's records lack.
	const v3 = `{"type":"record","name":"R","namespace":"n","fields":[{"name":"a","type":"long"},{"name":"req","type":"string"}]}`
	ids := map[string]int{}
	for _, v := range []struct{ name, text string }{{"v1", v1}, {"v2", v2}} {
		ids[v.name] = srv.Register(t, "t-value", srtest.Schema{Text: v.text})
	}
	codec, err := goavro.NewCodec(v1)
	if err != nil {
		t.Fatal(err)
	}
	var payloads []string
	for _, d := range []map[string]any{
		{"a": int32(5), "gone": "g", "f": float32(0.5), "l": int64(1) << 40, "e": "C", "s": "x", "u": map[string]any{"int": int32(-3)}, "b": []byte("hi"),
			"items": []any{map[string]any{"x": int32(1), "drop": true}, map[string]any{"x": int32(2), "drop": false}}, "m": map[string]any{"k": int32(7)}},
		{"a": int32(-1), "gone": "", "f": float32(-2.25), "l": int64(0), "e": "A", "s": "", "u": nil, "b": []byte{}, "items": []any{}, "m": map[string]any{}},
	} {
		b, err := codec.BinaryFromNative(srclient.AppendHeader(nil, ids["v1"]), d)
		if err != nil {
			t.Fatal(err)
		}
		payloads = append(payloads, hex.EncodeToString(b))
	}
	python := func() []map[string]any {
		t.Helper()
		in, _ := json.Marshal(map[string]any{"url": srv.URL, "topic": "t", "payloads": payloads})
		cmd := exec.Command(py, "-c", pyReadLatest)
		cmd.Stdin = bytes.NewReader(in)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("Python client: %v\n%s", err, stderr.String())
		}
		var res []map[string]any
		if err := json.Unmarshal(out, &res); err != nil {
			t.Fatalf("Python output %s: %v", out, err)
		}
		return res
	}
	goconnect := func() []map[string]any {
		conv := avro.New()
		if err := conv.Configure(map[string]string{"schema.registry.url": srv.URL, "use.latest.version": "true"}, false); err != nil {
			t.Fatal(err)
		}
		var res []map[string]any
		for _, p := range payloads {
			b, _ := hex.DecodeString(p)
			_, v, err := conv.ToConnectData("t", nil, b)
			if err != nil {
				res = append(res, map[string]any{"error": err.Error()})
				continue
			}
			res = append(res, map[string]any{"value": plainValue(v)})
		}
		return res
	}
	theirs, ours := python(), goconnect()
	if !sameJSON(theirs, ours) {
		t.Fatalf("read as v2:\nPython    %s\ngoconnect %s", jsonText(theirs), jsonText(ours))
	}
	// Spot checks, so that equal-but-wrong cannot pass.
	first := ours[0]["value"].(map[string]any)
	if first["e"] != "B" || first["added"] != "d" || first["gone"] != nil || first["b"] != "hi" {
		t.Fatalf("first record %v", first)
	}
	srv.Register(t, "t-value", srtest.Schema{Text: v3})
	theirs, ours = python(), goconnect()
	for i := range payloads {
		if theirs[i]["error"] == nil || ours[i]["error"] == nil {
			t.Fatalf("record %d as v3: Python %v, goconnect %v; want both to fail", i, theirs[i], ours[i])
		}
		if msg := ours[i]["error"].(string); !strings.Contains(msg, "field req") {
			t.Fatalf("goconnect's error %q does not name the field", msg)
		}
	}
}

// plainValue renders a Connect value as the Python client's JSON: structs
// as objects of every field, bytes as text (the reader's string), maps as
// objects.
func plainValue(v any) any {
	switch x := v.(type) {
	case *data.Struct:
		out := map[string]any{}
		for i, f := range x.Schema().Fields {
			out[f.Name] = plainValue(x.GetIndex(i))
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = plainValue(x[i])
		}
		return out
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = plainValue(e)
		}
		return out
	case []byte:
		return hex.EncodeToString(x)
	case float32:
		return float64(x)
	}
	return v
}
