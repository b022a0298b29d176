package avro

import (
	"strings"
	"testing"

	"github.com/goconnect/goconnect/connect/data"
)

// discardSchema carries both mappings' doc parameters, so the text shows
// which ones AvroData reads in each mode.
func discardSchema() *data.Schema {
	a := data.NewBuilder(data.TypeInt32).Doc("a doc").Default(int32(5)).Param(fieldDefaultFlag, "true").MustBuild()
	e := data.NewBuilder(data.TypeString).Name("n.Colour").Param(enumParam, "n.Colour").Param(enumParam+".RED", "RED").
		Param(enumDocConnectParam, "enum doc").Param(enumDocPrefix+"Colour", "avro enum doc").
		Param(enumDefaultPrefix+"Colour", "RED").MustBuild()
	return data.StructBuilder().Name("n.R").Param(recordDocConnectParam, "rec doc").Param(recordDocParam, "avro rec doc").
		Param(fieldDocPrefix+"a", "avro a doc").Field("a", a).Field("e", e).MustBuild()
}

func discardText(t *testing.T, s *data.Schema, discard, metaData bool) string {
	t.Helper()
	cfg := defaultDataConfig()
	cfg.enhanced, cfg.discardDocDef, cfg.metaData = true, discard, metaData
	fc := fromConnect{cfg: cfg}
	at, err := fc.schema(s)
	if err != nil {
		t.Fatal(err)
	}
	return schemaText(at)
}

// Goldens from AvroData.fromConnectSchema: with discard.type.doc.default
// the record doc is connect.record.doc, a field doc the field schema's
// doc, an enum doc connect.enum.doc and no enum default; otherwise the
// io.confluent.connect.avro.* parameters.
func TestDiscardTypeDocDefaultToAvro(t *testing.T) {
	for _, c := range []struct {
		discard bool
		want    string
	}{
		{true, `{"type":"record","name":"R","namespace":"n","doc":"rec doc","fields":[` +
			`{"name":"a","type":"int","doc":"a doc","default":5},` +
			`{"name":"e","type":{"type":"enum","name":"Colour","doc":"enum doc","symbols":["RED"]}}]}`},
		{false, `{"type":"record","name":"R","namespace":"n","doc":"avro rec doc","fields":[` +
			`{"name":"a","type":"int","doc":"avro a doc","default":5},` +
			`{"name":"e","type":{"type":"enum","name":"Colour","doc":"avro enum doc","symbols":["RED"],"default":"RED"}}]}`},
	} {
		if got := discardText(t, discardSchema(), c.discard, false); got != c.want {
			t.Errorf("discard=%v:\ngot  %s\nwant %s", c.discard, got, c.want)
		}
	}
	// With connect.meta.data, the field-default flag stays a parameter and
	// connect.default is written despite it.
	for discard, want := range map[bool]string{
		true:  `{"name":"a","type":{"type":"int","connect.doc":"a doc","connect.parameters":{"io.confluent.connect.avro.field.default":"true"},"connect.default":5},"doc":"a doc","default":5}`,
		false: `{"name":"a","type":{"type":"int","connect.doc":"a doc"},"doc":"avro a doc","default":5}`,
	} {
		if got := discardText(t, discardSchema(), discard, true); !strings.Contains(got, want) {
			t.Errorf("discard=%v, connect.meta.data: %s\nlacks %s", discard, got, want)
		}
	}
}

const discardAvro = `{"type":"record","name":"R","namespace":"n","doc":"rec doc","fields":[
 {"name":"a","type":"int","doc":"a doc","default":5},
 {"name":"e","type":{"type":"enum","name":"Colour","doc":"enum doc","symbols":["RED","GREEN"],"default":"RED"}},
 {"name":"b","type":{"type":"long","connect.doc":"c doc"}}]}`

// AvroData.toConnectSchema: with discard.type.doc.default Avro docs become
// Connect docs (the field's first, then the type's, then connect.doc), a
// type's doc is also connect.record.doc (enums too, plus connect.enum.doc),
// and neither enum defaults nor the field-default flag are kept.
func TestDiscardTypeDocDefaultToConnect(t *testing.T) {
	params := func(s *data.Schema) string {
		var kv []string
		for _, k := range s.ParamKeys() {
			kv = append(kv, k+"="+s.Parameters[k])
		}
		return strings.Join(kv, ",")
	}
	for _, c := range []struct {
		discard             bool
		rDoc, rParams       string
		aDoc, aParams       string
		eDoc, eParams, bDoc string
	}{
		{true, "rec doc", "connect.record.doc=rec doc", "a doc", "",
			"enum doc", "connect.enum.doc=enum doc,io.confluent.connect.avro.Enum=n.Colour,io.confluent.connect.avro.Enum.RED=RED,io.confluent.connect.avro.Enum.GREEN=GREEN,connect.record.doc=enum doc", "c doc"},
		{false, "", "io.confluent.connect.avro.record.doc=rec doc,io.confluent.connect.avro.field.doc.a=a doc", "", "io.confluent.connect.avro.field.default=true",
			"", "io.confluent.connect.avro.enum.doc.Colour=enum doc,io.confluent.connect.avro.enum.default.Colour=RED,io.confluent.connect.avro.Enum=n.Colour,io.confluent.connect.avro.Enum.RED=RED,io.confluent.connect.avro.Enum.GREEN=GREEN", "c doc"},
	} {
		cfg := defaultDataConfig()
		cfg.discardDocDef = c.discard
		s, err := newToConnector(cfg).schema(mustAvro(t, discardAvro), false, nil)
		if err != nil {
			t.Fatal(err)
		}
		a, e, b := s.Fields[0].Schema, s.Fields[1].Schema, s.Fields[2].Schema
		got := []string{s.Doc, params(s), a.Doc, params(a), e.Doc, params(e), b.Doc}
		want := []string{c.rDoc, c.rParams, c.aDoc, c.aParams, c.eDoc, c.eParams, c.bDoc}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("discard=%v item %d: got %q, want %q", c.discard, i, got[i], want[i])
			}
		}
		if a.Default != int32(5) {
			t.Errorf("discard=%v: a's default %v", c.discard, a.Default)
		}
	}
}

// The setting is accepted by the converter (it was refused before).
func TestDiscardTypeDocDefaultAccepted(t *testing.T) {
	err := New().Configure(map[string]string{"schema.registry.url": "http://127.0.0.1:1", keyDiscardDocDef: "true"}, false)
	if err != nil {
		t.Fatal(err)
	}
}
