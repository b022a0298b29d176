//go:build e2e

package e2e

import (
	binenc "encoding/binary"
	"encoding/json"
	"testing"

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
	topic, recs := ratingsThrough(t, url, ratingsRun{converter: "io.confluent.connect.json.JsonSchemaConverter", name: "ratings-jsonschema"})
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
		var payload map[string]any
		if err := json.Unmarshal(r.Value[5:], &payload); err != nil || len(payload) != 7 {
			t.Fatalf("record %d payload %s: %v", i, r.Value[5:], err)
		}
	}
	decodeRatings(t, reader, topic, recs, id, "ksql.ratings")
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
	for i, s := range decodeCustomers(t, reader, topic, all, prefix+".demo.CUSTOMERS.Value", 44) {
		if f, _ := s.Field("create_ts"); f.Schema.Name != "io.debezium.time.ZonedTimestamp" {
			t.Fatalf("record %d: create_ts mapped to %+v", i, f.Schema)
		}
	}
}
