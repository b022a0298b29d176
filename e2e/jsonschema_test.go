//go:build e2e

package e2e

import (
	binenc "encoding/binary"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/converters/jsonschema"
	"github.com/goconnect/goconnect/schemaregistry"
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
	own := httptest.NewServer(schemaregistry.Handler(schemaregistry.New(nil)))
	defer own.Close()
	for _, reg := range []struct{ name, url string }{{"apicurio", schemaRegistryURL}, {"goconnect", own.URL}} {
		t.Run(reg.name, func(t *testing.T) { ratingsAsJSONSchema(t, reg.url) })
	}
}

func ratingsAsJSONSchema(t *testing.T, url string) {
	dir := t.TempDir()
	topic := uniqueName(t, "ratings-jsonschema")
	writeFile(t, filepath.Join(dir, "worker.properties"), fmt.Sprintf(`bootstrap.servers=%s
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=io.confluent.connect.json.JsonSchemaConverter
value.converter.schema.registry.url=%s
offset.storage.file.filename=%s
offset.flush.interval.ms=500
listeners=http://127.0.0.1:0
`, kafkaAddr, url, filepath.Join(dir, "offsets")))
	writeFile(t, filepath.Join(dir, "ratings.json"), fmt.Sprintf(`{"name":"ratings-jsonschema","config":{
  "connector.class":"io.confluent.kafka.connect.datagen.DatagenConnector","kafka.topic":"%s","quickstart":"ratings",
  "max.interval":"1","iterations":"50","random.seed":"7"}}`, topic))
	w := startWorker(t, "standalone", filepath.Join(dir, "worker.properties"), filepath.Join(dir, "ratings.json"))
	recs := readTopic(t, topic, 50)
	w.stop(t, 15*time.Second)
	if len(recs) != 50 {
		t.Fatalf("%d records, want 50", len(recs))
	}
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
	own := httptest.NewServer(schemaregistry.Handler(schemaregistry.New(nil)))
	defer own.Close()
	for _, reg := range []struct{ name, url string }{{"apicurio", schemaRegistryURL}, {"goconnect", own.URL}} {
		t.Run(reg.name, func(t *testing.T) { mysqlAsJSONSchema(t, reg.url) })
	}
}

func mysqlAsJSONSchema(t *testing.T, url string) {
	db := mysqlAdmin(t)
	mysqlExec(t, db, "DELETE FROM CUSTOMERS WHERE id = 44")
	t.Cleanup(func() { _, _ = db.Execute("DELETE FROM CUSTOMERS WHERE id = 44") })
	dir := t.TempDir()
	prefix := fmt.Sprintf("asgardjs%d", time.Now().UnixNano())
	topic := prefix + ".demo.CUSTOMERS"
	host, port, _ := strings.Cut(mariaDBAddr, ":")
	writeFile(t, filepath.Join(dir, "worker.properties"), fmt.Sprintf(`bootstrap.servers=%s
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=io.confluent.connect.json.JsonSchemaConverter
value.converter.schema.registry.url=%s
offset.storage.file.filename=%s
offset.flush.interval.ms=500
listeners=http://127.0.0.1:0
`, kafkaAddr, url, filepath.Join(dir, "connect.offsets")))
	writeFile(t, filepath.Join(dir, "mysql.json"), fmt.Sprintf(`{"name":"source-debezium-mysql-jsonschema","config":{
  "connector.class":"io.debezium.connector.mysql.MySqlConnector",
  "database.hostname":%q,"database.port":%q,"database.user":"debezium","database.password":"dbz",
  "database.server.id":"43","topic.prefix":%q,"table.include.list":"demo.CUSTOMERS",
  "schema.history.internal.kafka.bootstrap.servers":%q,"schema.history.internal.kafka.topic":"dbhistory.%s",
  "include.schema.changes":"false",
  "transforms":"unwrap,extractkey",
  "transforms.unwrap.type":"io.debezium.transforms.ExtractNewRecordState",
  "transforms.unwrap.drop.tombstones":"false",
  "transforms.extractkey.type":"org.apache.kafka.connect.transforms.ExtractField$Key",
  "transforms.extractkey.field":"id"}}`, host, port, prefix, kafkaAddr, prefix))
	w := startWorker(t, "standalone", filepath.Join(dir, "worker.properties"), filepath.Join(dir, "mysql.json"))
	snap := readTopic(t, topic, 20)
	mysqlExec(t, db, "INSERT INTO CUSTOMERS (id, first_name, last_name) VALUES (44, 'Rick', 'Astley')")
	mysqlExec(t, db, "DELETE FROM CUSTOMERS WHERE id = 44")
	all := readTopic(t, topic, 22)
	w.stop(t, 20*time.Second)
	if len(snap) != 20 || len(all) != 22 {
		t.Fatalf("%d snapshot records, %d in all; want 20 and 22", len(snap), len(all))
	}
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
	if all[21].Value != nil || string(all[21].Key) != "44" {
		t.Fatalf("delete: want a tombstone for 44, got key %s value %x", all[21].Key, all[21].Value)
	}
}
