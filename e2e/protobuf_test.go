//go:build e2e

package e2e

import (
	binenc "encoding/binary"
	"strings"
	"testing"

	"github.com/goconnect/goconnect/converters/protobuf"
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
	eachRegistry(t, ratingsAsProtobuf)
}

func ratingsAsProtobuf(t *testing.T, url string) {
	topic, recs := ratingsThrough(t, url, ratingsRun{converter: "io.confluent.connect.protobuf.ProtobufConverter", name: "ratings-protobuf"})
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
	for i, st := range decodeRatings(t, reader, topic, recs, id, "ratings") {
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
	eachRegistry(t, mysqlAsProtobuf)
}

func mysqlAsProtobuf(t *testing.T, url string) {
	prefix, all := customersThrough(t, url, customersRun{converter: "io.confluent.connect.protobuf.ProtobufConverter", extra: "value.converter.optional.for.nullables=true\n",
		name: "source-debezium-mysql-protobuf", serverID: 44, stem: "asgardpb", rowID: 45})
	topic := prefix + ".demo.CUSTOMERS"
	text := registrySchema(t, url, binenc.BigEndian.Uint32(all[0].Value[1:5]))
	if !strings.Contains(text, "package "+prefix+".demo.CUSTOMERS;") || !strings.Contains(text, "message Value {") ||
		!strings.Contains(text, "optional string email = 4;") {
		t.Fatalf("registered schema:\n%s", text)
	}
	reader := protobuf.New()
	if err := reader.Configure(map[string]string{"schema.registry.url": url, "optional.for.nullables": "true"}, false); err != nil {
		t.Fatal(err)
	}
	decodeCustomers(t, reader, topic, all, "Value", 45)
}
