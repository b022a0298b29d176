//go:build e2e

package e2e

import (
	binenc "encoding/binary"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/converters/protobuf"
	"github.com/goconnect/goconnect/schemaregistry"
)

// ratingsProto is the schema Confluent's ProtobufConverter registers for
// the ratings quickstart (ProtobufData's message, printed as its
// registry client prints it).
const ratingsProto = `syntax = "proto3";
package ksql;

message ratings {
  int64 rating_id = 1;
  int32 user_id = 2;
  int32 stars = 3;
  int32 route_id = 4;
  int64 rating_time = 5;
  string channel = 6;
  string message = 7;
}
`

// TestRatingsAsProtobuf runs the ratings quickstart with Confluent's
// ProtobufConverter against Apicurio and against goconnect's registry,
// then reads the records back with a fresh converter (another worker).
func TestRatingsAsProtobuf(t *testing.T) {
	own := httptest.NewServer(schemaregistry.Handler(schemaregistry.New(nil)))
	defer own.Close()
	for _, reg := range []struct{ name, url string }{{"apicurio", schemaRegistryURL}, {"goconnect", own.URL}} {
		t.Run(reg.name, func(t *testing.T) { ratingsAsProtobuf(t, reg.url) })
	}
}

func ratingsAsProtobuf(t *testing.T, url string) {
	dir := t.TempDir()
	topic := uniqueName(t, "ratings-protobuf")
	writeFile(t, filepath.Join(dir, "worker.properties"), fmt.Sprintf(`bootstrap.servers=%s
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=io.confluent.connect.protobuf.ProtobufConverter
value.converter.schema.registry.url=%s
offset.storage.file.filename=%s
offset.flush.interval.ms=500
listeners=http://127.0.0.1:0
`, kafkaAddr, url, filepath.Join(dir, "offsets")))
	writeFile(t, filepath.Join(dir, "ratings.json"), fmt.Sprintf(`{"name":"ratings-protobuf","config":{
  "connector.class":"io.confluent.kafka.connect.datagen.DatagenConnector","kafka.topic":"%s","quickstart":"ratings",
  "max.interval":"1","iterations":"50","random.seed":"7"}}`, topic))
	w := startWorker(t, "standalone", filepath.Join(dir, "worker.properties"), filepath.Join(dir, "ratings.json"))
	recs := readTopic(t, topic, 50)
	w.stop(t, 15*time.Second)
	if len(recs) != 50 {
		t.Fatalf("%d records, want 50", len(recs))
	}
	if recs[0].Value[0] != 0 || recs[0].Value[5] != 0 {
		t.Fatalf("header %x: want magic 0 and the single 0 message index", recs[0].Value[:6])
	}
	id := binenc.BigEndian.Uint32(recs[0].Value[1:5])
	if got := registrySchema(t, url, id); strings.TrimSpace(got) != strings.TrimSpace(ratingsProto) {
		t.Fatalf("registered schema\n%s\nwant\n%s", got, ratingsProto)
	}
	reader := protobuf.New()
	if err := reader.Configure(map[string]string{"schema.registry.url": url}, false); err != nil {
		t.Fatal(err)
	}
	for i, r := range recs {
		if binenc.BigEndian.Uint32(r.Value[1:5]) != id {
			t.Fatalf("record %d has schema id %d, want %d", i, binenc.BigEndian.Uint32(r.Value[1:5]), id)
		}
		s, v, err := reader.ToConnectData(topic, nil, r.Value)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if s.Name != "ratings" || s.Version == nil || *s.Version != 1 {
			t.Fatalf("schema %q version %v", s.Name, s.Version)
		}
		st := v.(*data.Struct)
		if rid, _ := st.Get("rating_id"); rid != int64(i+1) || string(r.Key) != fmt.Sprint(i+1) {
			t.Fatalf("record %d: rating_id %v key %s", i, rid, r.Key)
		}
		if stars, _ := st.Get("stars"); stars.(int32) < 1 || stars.(int32) > 5 {
			t.Fatalf("record %d: stars %v", i, stars)
		}
		if ch, _ := st.Get("channel"); ch == "" {
			t.Fatalf("record %d: empty channel", i)
		}
	}
}

// TestMySQLSourceAsProtobuf runs the Debezium MySQL pipeline (unwrap +
// ExtractField$Key) with ProtobufConverter values against Apicurio and
// goconnect's registry: the snapshot of demo.CUSTOMERS and a streamed
// insert and delete, read back by a fresh converter; with
// optional.for.nullables a NULL column stays null (proto3 optional), the
// tombstone stays a null value.
func TestMySQLSourceAsProtobuf(t *testing.T) {
	own := httptest.NewServer(schemaregistry.Handler(schemaregistry.New(nil)))
	defer own.Close()
	for _, reg := range []struct{ name, url string }{{"apicurio", schemaRegistryURL}, {"goconnect", own.URL}} {
		t.Run(reg.name, func(t *testing.T) { mysqlAsProtobuf(t, reg.url) })
	}
}

func mysqlAsProtobuf(t *testing.T, url string) {
	db := mysqlAdmin(t)
	mysqlExec(t, db, "DELETE FROM CUSTOMERS WHERE id = 45")
	t.Cleanup(func() { _, _ = db.Execute("DELETE FROM CUSTOMERS WHERE id = 45") })
	dir := t.TempDir()
	prefix := fmt.Sprintf("asgardpb%d", time.Now().UnixNano())
	topic := prefix + ".demo.CUSTOMERS"
	host, port, _ := strings.Cut(mariaDBAddr, ":")
	writeFile(t, filepath.Join(dir, "worker.properties"), fmt.Sprintf(`bootstrap.servers=%s
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=io.confluent.connect.protobuf.ProtobufConverter
value.converter.schema.registry.url=%s
value.converter.optional.for.nullables=true
offset.storage.file.filename=%s
offset.flush.interval.ms=500
listeners=http://127.0.0.1:0
`, kafkaAddr, url, filepath.Join(dir, "connect.offsets")))
	writeFile(t, filepath.Join(dir, "mysql.json"), fmt.Sprintf(`{"name":"source-debezium-mysql-protobuf","config":{
  "connector.class":"io.debezium.connector.mysql.MySqlConnector",
  "database.hostname":%q,"database.port":%q,"database.user":"debezium","database.password":"dbz",
  "database.server.id":"44","topic.prefix":%q,"table.include.list":"demo.CUSTOMERS",
  "schema.history.internal.kafka.bootstrap.servers":%q,"schema.history.internal.kafka.topic":"dbhistory.%s",
  "include.schema.changes":"false",
  "transforms":"unwrap,extractkey",
  "transforms.unwrap.type":"io.debezium.transforms.ExtractNewRecordState",
  "transforms.unwrap.drop.tombstones":"false",
  "transforms.extractkey.type":"org.apache.kafka.connect.transforms.ExtractField$Key",
  "transforms.extractkey.field":"id"}}`, host, port, prefix, kafkaAddr, prefix))
	w := startWorker(t, "standalone", filepath.Join(dir, "worker.properties"), filepath.Join(dir, "mysql.json"))
	snap := readTopic(t, topic, 20)
	mysqlExec(t, db, "INSERT INTO CUSTOMERS (id, first_name, last_name) VALUES (45, 'Rick', 'Astley')")
	mysqlExec(t, db, "DELETE FROM CUSTOMERS WHERE id = 45")
	all := readTopic(t, topic, 22)
	w.stop(t, 20*time.Second)
	if len(snap) != 20 || len(all) != 22 {
		t.Fatalf("%d snapshot records, %d in all; want 20 and 22", len(snap), len(all))
	}
	text := registrySchema(t, url, binenc.BigEndian.Uint32(all[0].Value[1:5]))
	if !strings.Contains(text, "package "+prefix+".demo.CUSTOMERS;") || !strings.Contains(text, "message Value {") ||
		!strings.Contains(text, "optional string email = 4;") {
		t.Fatalf("registered schema:\n%s", text)
	}
	reader := protobuf.New()
	if err := reader.Configure(map[string]string{"schema.registry.url": url, "optional.for.nullables": "true"}, false); err != nil {
		t.Fatal(err)
	}
	get := func(st *data.Struct, name string) any { v, _ := st.Get(name); return v }
	for i, r := range all[:21] {
		s, v, err := reader.ToConnectData(topic, nil, r.Value)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if s.Name != "Value" {
			t.Fatalf("record %d: schema name %q", i, s.Name)
		}
		if f, _ := s.Field("email"); !f.Schema.Optional || f.Schema.Type != data.TypeString {
			t.Fatalf("email mapped to %+v", f.Schema)
		}
		st := v.(*data.Struct)
		wantID := int32(i + 1)
		if i == 20 {
			wantID = 45
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
	if all[21].Value != nil || string(all[21].Key) != "45" {
		t.Fatalf("delete: want a tombstone for 45, got key %s value %x", all[21].Key, all[21].Value)
	}
}
