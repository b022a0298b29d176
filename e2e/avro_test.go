//go:build e2e

package e2e

import (
	binenc "encoding/binary"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/converters/avro"
)

// TestRatingsAsAvroThroughTheRegistry runs the ratings generator with
// Confluent's AvroConverter against the real schema registry, then reads
// the records back with a second converter (another worker) that only
// knows the registry.
func TestRatingsAsAvroThroughTheRegistry(t *testing.T) {
	topic, recs := ratingsThrough(t, schemaRegistryURL, ratingsRun{converter: "io.confluent.connect.avro.AvroConverter", name: "ratings-avro"})

	// Wire format: magic 0 and the registry id of the ratings schema.
	id := binenc.BigEndian.Uint32(recs[0].Value[1:5])
	if recs[0].Value[0] != 0 {
		t.Fatalf("magic byte %d", recs[0].Value[0])
	}
	got := srCall(t, "GET", fmt.Sprintf("/schemas/ids/%d", id), nil)
	var body struct {
		Schema string `json:"schema"`
	}
	if err := json.Unmarshal([]byte(got.body), &body); err != nil {
		t.Fatalf("registry answer %s", got)
	}
	var registered, want any
	json.Unmarshal([]byte(body.Schema), &registered)
	json.Unmarshal([]byte(`{"type":"record","name":"ratings","namespace":"ksql","fields":[{"name":"rating_id","type":"long"},{"name":"user_id","type":"int"},{"name":"stars","type":"int"},{"name":"route_id","type":"int"},{"name":"rating_time","type":"long"},{"name":"channel","type":"string"},{"name":"message","type":"string"}],"connect.name":"ksql.ratings"}`), &want)
	if fmt.Sprint(registered) != fmt.Sprint(want) {
		t.Fatalf("registered schema %s is not the one Confluent's converter registers", body.Schema)
	}

	reader := avro.New()
	if err := reader.Configure(map[string]string{"schema.registry.url": schemaRegistryURL}, false); err != nil {
		t.Fatal(err)
	}
	for i, r := range recs {
		s, v, err := reader.ToConnectData(topic, nil, r.Value)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		st := v.(*data.Struct)
		if s.Name != "ksql.ratings" {
			t.Fatalf("schema name %q", s.Name)
		}
		if id, _ := st.Get("rating_id"); id != int64(i+1) || string(r.Key) != fmt.Sprint(i+1) {
			t.Fatalf("record %d: rating_id %v key %s", i, id, r.Key)
		}
	}
}
