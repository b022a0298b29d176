//go:build e2e

package e2e

import (
	"bytes"
	binenc "encoding/binary"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/schemaregistry/srtest"
)

// eachRegistry runs f against Apicurio and against goconnect's registry
// (in process, empty), as subtests named after them.
func eachRegistry(t *testing.T, f func(t *testing.T, url string)) {
	own := srtest.New(t)
	for _, reg := range []struct{ name, url string }{{"apicurio", schemaRegistryURL}, {"goconnect", own.URL}} {
		t.Run(reg.name, func(t *testing.T) { f(t, reg.url) })
	}
}

// ratingsRun is one run of the ratings quickstart: the value converter
// (and its extra worker lines), the connector's name (the topic's stem)
// and, when set, what to do with the topic before the worker starts
// (register its subject's schema).
type ratingsRun struct {
	converter string
	extra     string // more value.converter.* lines
	name      string
	before    func(topic string)
}

// ratingsThrough runs the ratings quickstart (50 records, seed 7) in a
// standalone worker whose value converter registers in (or reads from)
// the registry at url, and answers the 50 records of its topic.
func ratingsThrough(t *testing.T, url string, run ratingsRun) (topic string, recs []*kgo.Record) {
	t.Helper()
	dir := t.TempDir()
	topic = uniqueName(t, run.name)
	if run.before != nil {
		run.before(topic)
	}
	writeFile(t, filepath.Join(dir, "worker.properties"), fmt.Sprintf(`bootstrap.servers=%s
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=%s
value.converter.schema.registry.url=%s
%soffset.storage.file.filename=%s
offset.flush.interval.ms=500
listeners=http://127.0.0.1:0
`, kafkaAddr, run.converter, url, run.extra, filepath.Join(dir, "offsets")))
	writeFile(t, filepath.Join(dir, "ratings.json"), fmt.Sprintf(`{"name":%q,"config":{
  "connector.class":"io.confluent.kafka.connect.datagen.DatagenConnector","kafka.topic":"%s","quickstart":"ratings",
  "max.interval":"1","iterations":"50","random.seed":"7"}}`, run.name, topic))
	w := startWorker(t, "standalone", filepath.Join(dir, "worker.properties"), filepath.Join(dir, "ratings.json"))
	recs = readTopic(t, topic, 50)
	w.stop(t, 15*time.Second)
	if len(recs) != 50 {
		t.Fatalf("%d records, want 50", len(recs))
	}
	return topic, recs
}

// customersRun is one run of the Debezium MySQL pipeline over
// demo.CUSTOMERS: the value converter (and its extra worker lines), the
// connector's name and server id, the topic prefix's stem and the id of
// the row inserted and deleted (distinct per test: the tests share the
// table).
type customersRun struct {
	converter string
	extra     string // more value.converter.* lines
	name      string
	serverID  int
	stem      string
	rowID     int
}

// customersThrough runs the pipeline (unwrap + ExtractField$Key, the
// registry at url): the 20 snapshot records, then an insert and a delete
// of run.rowID, its tombstone checked. It answers the topic prefix and
// all 22 records.
func customersThrough(t *testing.T, url string, run customersRun) (prefix string, all []*kgo.Record) {
	t.Helper()
	db := mysqlAdmin(t)
	del := fmt.Sprintf("DELETE FROM CUSTOMERS WHERE id = %d", run.rowID)
	mysqlExec(t, db, del)
	t.Cleanup(func() { _, _ = db.Execute(del) })
	dir := t.TempDir()
	prefix = fmt.Sprintf("%s%d", run.stem, time.Now().UnixNano())
	topic := prefix + ".demo.CUSTOMERS"
	host, port, _ := strings.Cut(mariaDBAddr, ":")
	writeFile(t, filepath.Join(dir, "worker.properties"), fmt.Sprintf(`bootstrap.servers=%s
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=%s
value.converter.schema.registry.url=%s
%soffset.storage.file.filename=%s
offset.flush.interval.ms=500
listeners=http://127.0.0.1:0
`, kafkaAddr, run.converter, url, run.extra, filepath.Join(dir, "connect.offsets")))
	writeFile(t, filepath.Join(dir, "mysql.json"), fmt.Sprintf(`{"name":%q,"config":{
  "connector.class":"io.debezium.connector.mysql.MySqlConnector",
  "database.hostname":%q,"database.port":%q,"database.user":"debezium","database.password":"dbz",
  "database.server.id":"%d","topic.prefix":%q,"table.include.list":"demo.CUSTOMERS",
  "schema.history.internal.kafka.bootstrap.servers":%q,"schema.history.internal.kafka.topic":"dbhistory.%s",
  "include.schema.changes":"false",
  "transforms":"unwrap,extractkey",
  "transforms.unwrap.type":"io.debezium.transforms.ExtractNewRecordState",
  "transforms.unwrap.drop.tombstones":"false",
  "transforms.extractkey.type":"org.apache.kafka.connect.transforms.ExtractField$Key",
  "transforms.extractkey.field":"id"}}`, run.name, host, port, run.serverID, prefix, kafkaAddr, prefix))
	w := startWorker(t, "standalone", filepath.Join(dir, "worker.properties"), filepath.Join(dir, "mysql.json"))
	snap := readTopic(t, topic, 20)
	mysqlExec(t, db, fmt.Sprintf("INSERT INTO CUSTOMERS (id, first_name, last_name) VALUES (%d, 'Rick', 'Astley')", run.rowID))
	mysqlExec(t, db, del)
	all = readTopic(t, topic, 22)
	w.stop(t, 20*time.Second)
	if len(snap) != 20 || len(all) != 22 {
		t.Fatalf("%d snapshot records, %d in all; want 20 and 22", len(snap), len(all))
	}
	if all[21].Value != nil || string(all[21].Key) != fmt.Sprint(run.rowID) {
		t.Fatalf("delete: want a tombstone for %d, got key %s value %x", run.rowID, all[21].Key, all[21].Value)
	}
	return prefix, all
}

// pyResult is a Python round-trip script's answer for one case: the
// value it decoded from goconnect's record (when there was one) and the
// record it wrote itself (base64).
type pyResult struct {
	Name    string `json:"name"`
	Decoded any    `json:"decoded"`
	Bytes   string `json:"bytes"`
}

// runPyRoundtrip runs one of scripts/pyclients' round-trip scripts with
// Confluent's Python client against the registry at url: the cases go in
// on stdin, one result per case comes back (numbers kept exact: longs
// beyond 2^53).
func runPyRoundtrip[C any](t *testing.T, py, script, url string, cases []C) []pyResult {
	t.Helper()
	in, _ := json.Marshal(map[string]any{"registry": url, "cases": cases})
	cmd := exec.Command(py, "../scripts/pyclients/"+script)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("Python client: %v\n%s", err, stderr.String())
	}
	var results []pyResult
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber()
	if err := dec.Decode(&results); err != nil || len(results) != len(cases) {
		t.Fatalf("Python client answered %d results for %d cases (%v): %s", len(results), len(cases), err, out)
	}
	return results
}

// decodeRatings reads ratingsThrough's records back with reader (configured
// for the registry that got them): each carries schema id id and reads as
// the struct schemaName at version 1 with rating_id i+1 (the record's
// key) and stars 1 to 5. It answers the structs.
func decodeRatings(t *testing.T, reader connect.Converter, topic string, recs []*kgo.Record, id uint32, schemaName string) []*data.Struct {
	t.Helper()
	var out []*data.Struct
	for i, r := range recs {
		if got := binenc.BigEndian.Uint32(r.Value[1:5]); got != id {
			t.Fatalf("record %d has schema id %d, want %d", i, got, id)
		}
		s, v, err := reader.ToConnectData(topic, nil, r.Value)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if s.Name != schemaName || s.Version == nil || *s.Version != 1 {
			t.Fatalf("schema %q version %v", s.Name, s.Version)
		}
		st := v.(*data.Struct)
		if rid, _ := st.Get("rating_id"); rid != int64(i+1) || string(r.Key) != fmt.Sprint(i+1) {
			t.Fatalf("record %d: rating_id %v key %s", i, rid, r.Key)
		}
		if stars, _ := st.Get("stars"); stars.(int32) < 1 || stars.(int32) > 5 {
			t.Fatalf("record %d: stars %v", i, stars)
		}
		out = append(out, st)
	}
	return out
}

// decodeCustomers reads customersThrough's 21 records before the tombstone
// back with reader: each reads as the struct schemaName with an optional
// string email and the id of its key (1 to 20, then rowID); the first row
// is Rica's, the inserted one Rick's without an email. It answers the
// records' schemas.
func decodeCustomers(t *testing.T, reader connect.Converter, topic string, all []*kgo.Record, schemaName string, rowID int32) []*data.Schema {
	t.Helper()
	get := func(st *data.Struct, name string) any { v, _ := st.Get(name); return v }
	var schemas []*data.Schema
	for i, r := range all[:21] {
		s, v, err := reader.ToConnectData(topic, nil, r.Value)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if s.Name != schemaName {
			t.Fatalf("record %d: schema name %q", i, s.Name)
		}
		if f, _ := s.Field("email"); !f.Schema.Optional || f.Schema.Type != data.TypeString {
			t.Fatalf("email mapped to %+v", f.Schema)
		}
		st := v.(*data.Struct)
		wantID := int32(i + 1)
		if i == 20 {
			wantID = rowID
		}
		if get(st, "id") != wantID || string(r.Key) != fmt.Sprint(wantID) {
			t.Fatalf("record %d: id %v key %s", i, get(st, "id"), r.Key)
		}
		switch i {
		case 0:
			if get(st, "first_name") != "Rica" || get(st, "email") != "rblaisdell0@rambler.ru" {
				t.Fatalf("first row %v", st)
			}
		case 20:
			if get(st, "first_name") != "Rick" || get(st, "email") != nil {
				t.Fatalf("inserted row %v", st)
			}
		}
		schemas = append(schemas, s)
	}
	return schemas
}
