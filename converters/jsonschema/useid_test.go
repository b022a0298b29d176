package jsonschema

import (
	"strconv"
	"strings"
	"testing"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/srclient"
	"github.com/goconnect/goconnect/schemaregistry/srtest"
)

// use.schema.id writes that id (after auto.register.schemas, before
// use.latest.version), checked by id.compatibility.strict; use.latest.version
// is checked by latest.compatibility.strict: the registered schema must read
// the converted one (Confluent's isBackwardCompatible), else the record
// fails naming the setting that turns the check off.
func TestUseSchemaIDAndStrictChecks(t *testing.T) {
	srv := srtest.New(t)
	register := func(subject, typ, text string) string {
		t.Helper()
		return strconv.Itoa(srv.Register(t, subject, srtest.Schema{Type: typ, Text: text}))
	}
	good := register("t-value", "JSON", `{"type":"object","properties":{"o":{"type":"string"}}}`)
	bad := register("bad-value", "JSON", `{"type":"object","properties":{"o":{"type":"integer"}}}`)
	avroID := register("a-value", "AVRO", `"string"`)
	s := data.StructBuilder().Name("R").Field("o", data.StringSchema).MustBuild()
	write := func(topic string, kv ...string) (string, error) {
		props := map[string]string{"auto.register.schemas": "false"}
		for i := 0; i < len(kv); i += 2 {
			props[kv[i]] = kv[i+1]
		}
		b, err := newConverter(t, srv.URL, false, props).FromConnectData(topic, nil, s, data.NewStruct(s).MustPut("o", "x"))
		if err != nil {
			return "", err
		}
		return strconv.Itoa(int(b[4])), nil
	}
	for _, c := range []struct {
		name, topic string
		props       []string
		id, err     string
	}{
		{"use.schema.id", "t", []string{srclient.KeyUseSchemaID, good}, good, ""},
		{"use.schema.id before use.latest.version", "bad", []string{srclient.KeyUseSchemaID, good, "use.latest.version", "true"}, good, ""},
		{"id strict", "t", []string{srclient.KeyUseSchemaID, bad}, "", "Set id.compatibility.strict=false to disable this check: {errorType:\"TYPE_CHANGED\""},
		{"id lax", "t", []string{srclient.KeyUseSchemaID, bad, srclient.KeyIDStrict, "false"}, bad, ""},
		{"id of another type", "t", []string{srclient.KeyUseSchemaID, avroID}, "", "is AVRO, not JSON"},
		{"latest strict", "bad", []string{"use.latest.version", "true"}, "", "Set latest.compatibility.strict=false to disable this check"},
		{"latest lax", "bad", []string{"use.latest.version", "true", srclient.KeyLatestStrict, "false"}, bad, ""},
		{"latest readable", "t", []string{"use.latest.version", "true"}, good, ""},
	} {
		id, err := write(c.topic, c.props...)
		if c.err == "" && (err != nil || id != c.id) || c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)) {
			t.Errorf("%s: id %s, %v; want id %s, error %q", c.name, id, err, c.id, c.err)
		}
	}
	// auto.register.schemas (the default) comes first.
	if id, err := write("u", "auto.register.schemas", "true", srclient.KeyUseSchemaID, bad); err != nil || id == bad {
		t.Errorf("auto.register.schemas with use.schema.id: id %s, %v; want a registration", id, err)
	}
}
