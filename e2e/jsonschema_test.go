//go:build e2e

package e2e

import (
	binenc "encoding/binary"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/converters/jsonschema"
)

// ratingsJSONSchema is the schema Confluent's JsonSchemaConverter registers
// for the ratings quickstart: properties in java.util.HashMap order.
const ratingsJSONSchema = `{"type":"object","title":"ksql.ratings","properties":{` +
	`"route_id":{"type":"integer","connect.index":3,"connect.type":"int32"},` +
	`"rating_id":{"type":"integer","connect.index":0,"connect.type":"int64"},` +
	`"user_id":{"type":"integer","connect.index":1,"connect.type":"int32"},` +
	`"rating_time":{"type":"integer","connect.index":4,"connect.type":"int64"},` +
	`"channel":{"type":"string","connect.index":5},` +
	`"stars":{"type":"integer","connect.index":2,"connect.type":"int32"},` +
	`"message":{"type":"string","connect.index":6}}}`

// TestRatingsAsJSONSchema runs the ratings quickstart with Confluent's
// JsonSchemaConverter against Apicurio and against goconnect's registry,
// then reads the records back with a fresh converter (another worker).
func TestRatingsAsJSONSchema(t *testing.T) {
	eachRegistry(t, ratingsAsJSONSchema)
}

func ratingsAsJSONSchema(t *testing.T, url string) {
	topic, recs := ratingsThrough(t, url, "io.confluent.connect.json.JsonSchemaConverter", "ratings-jsonschema")
	id := binenc.BigEndian.Uint32(recs[0].Value[1:5])
	if recs[0].Value[0] != 0 {
		t.Fatalf("magic byte %d", recs[0].Value[0])
	}
	var registered, want any
	if err := json.Unmarshal([]byte(registrySchema(t, url, id)), &registered); err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal([]byte(ratingsJSONSchema), &want)
	if !sameJSON(registered, want) {
		t.Fatalf("registered schema %s, want %s", jsonText(registered), ratingsJSONSchema)
	}
	reader := jsonschema.New()
	if err := reader.Configure(map[string]string{"schema.registry.url": url}, false); err != nil {
		t.Fatal(err)
	}
	for i, r := range recs {
		if binenc.BigEndian.Uint32(r.Value[1:5]) != id {
			t.Fatalf("record %d has schema id %d, want %d", i, binenc.BigEndian.Uint32(r.Value[1:5]), id)
		}
		var payload map[string]any
		if err := json.Unmarshal(r.Value[5:], &payload); err != nil || len(payload) != 7 {
			t.Fatalf("record %d payload %s: %v", i, r.Value[5:], err)
		}
		s, v, err := reader.ToConnectData(topic, nil, r.Value)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if s.Name != "ksql.ratings" || s.Version == nil || *s.Version != 1 {
			t.Fatalf("schema %q version %v", s.Name, s.Version)
		}
		st := v.(*data.Struct)
		if rid, _ := st.Get("rating_id"); rid != int64(i+1) || string(r.Key) != fmt.Sprint(i+1) {
			t.Fatalf("record %d: rating_id %v key %s", i, rid, r.Key)
		}
		if stars, _ := st.Get("stars"); stars.(int32) < 1 || stars.(int32) > 5 {
			t.Fatalf("record %d: stars %v", i, stars)
		}
	}
}

// TestMySQLSourceAsJSONSchema runs the Debezium MySQL pipeline (unwrap +
// ExtractField$Key) with JsonSchemaConverter values against Apicurio and
// goconnect's registry: the snapshot of demo.CUSTOMERS and a streamed
// insert and delete, read back by a fresh converter; optional columns are
// oneOf null, the tombstone stays a null value.
func TestMySQLSourceAsJSONSchema(t *testing.T) {
	eachRegistry(t, mysqlAsJSONSchema)
}

func mysqlAsJSONSchema(t *testing.T, url string) {
	prefix, all := customersThrough(t, url, customersRun{converter: "io.confluent.connect.json.JsonSchemaConverter", extra: "",
		name: "source-debezium-mysql-jsonschema", serverID: 43, stem: "asgardjs", rowID: 44})
	topic := prefix + ".demo.CUSTOMERS"
	reader := jsonschema.New()
	if err := reader.Configure(map[string]string{"schema.registry.url": url}, false); err != nil {
		t.Fatal(err)
	}
	get := func(st *data.Struct, name string) any { v, _ := st.Get(name); return v }
	for i, r := range all[:21] {
		s, v, err := reader.ToConnectData(topic, nil, r.Value)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if s.Name != prefix+".demo.CUSTOMERS.Value" {
			t.Fatalf("record %d: schema name %q", i, s.Name)
		}
		if f, _ := s.Field("email"); !f.Schema.Optional || f.Schema.Type != data.TypeString {
			t.Fatalf("email mapped to %+v", f.Schema)
		}
		if f, _ := s.Field("create_ts"); f.Schema.Name != "io.debezium.time.ZonedTimestamp" {
			t.Fatalf("create_ts mapped to %+v", f.Schema)
		}
		st := v.(*data.Struct)
		wantID := int32(i + 1)
		if i == 20 {
			wantID = 44
		}
		if get(st, "id") != wantID || string(r.Key) != fmt.Sprint(wantID) {
			t.Fatalf("record %d: id %v key %s", i, get(st, "id"), r.Key)
		}
	}
	_, v0, _ := reader.ToConnectData(topic, nil, all[0].Value)
	if st := v0.(*data.Struct); get(st, "first_name") != "Rica" || get(st, "email") != "rblaisdell0@rambler.ru" {
		t.Fatalf("first row %v", st)
	}
	_, v20, _ := reader.ToConnectData(topic, nil, all[20].Value)
	if st := v20.(*data.Struct); get(st, "first_name") != "Rick" || get(st, "email") != nil {
		t.Fatalf("inserted row %v", st)
	}
}
