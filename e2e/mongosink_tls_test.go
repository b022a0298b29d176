//go:build e2e

package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/goconnect/goconnect/internal/testkit"
	"github.com/goconnect/goconnect/internal/testpki"
)

// mongoTLSAddr is FerretDB's TLS listener of scripts/services.sh (client
// certificate required).
var mongoTLSAddr = envOr("GOCONNECT_E2E_MONGO_TLS", "localhost:27018")

// TestMongoSinkTLS runs two sinks over FerretDB's TLS listener with
// connection.ssl.* stores: the one trusting its CA writes every record, the
// one with a foreign CA goes FAILED with the reason in its trace.
func TestMongoSinkTLS(t *testing.T) {
	dir := testkit.ServiceTLSDir(t, "mongo-tls", "mongo")
	trust := testpki.TrustStoreFromPEM(t, filepath.Join(dir, "ca.pem"), "PKCS12", "changeit")
	keys := testpki.KeyStoreFromPEM(t, filepath.Join(dir, "client.pem"), filepath.Join(dir, "client-key.pem"), "PKCS12", "kspass")
	foreign := testpki.NewCA(t, "not FerretDB's CA").TrustStore("JKS", "changeit")
	cl := mongoClient(t, nil)
	db := mongoSinkDB(t, cl, "tls")
	topic := uniqueName(t, "mongo-tls")
	kc := createTopic(t, topic, 1)
	var kvs [][2]string
	for i := 1; i <= 10; i++ {
		kvs = append(kvs, [2]string{fmt.Sprint(i), fmt.Sprintf(`{"n":%d}`, i)})
	}
	produce(t, kc, topic, kvs...)
	sink := func(name, truststore string) map[string]string {
		return map[string]string{
			"name": name, "connector.class": "com.mongodb.kafka.connect.MongoSinkConnector", "tasks.max": "1",
			"topics": topic, "database": db.Name(), "collection": name,
			"connection.uri":            "mongodb://" + mongoTLSAddr + "/?tls=true&serverSelectionTimeoutMS=5000",
			"connection.ssl.truststore": truststore, "connection.ssl.truststorePassword": "changeit",
			"connection.ssl.keystore": keys, "connection.ssl.keystorePassword": "kspass",
		}
	}
	w := startSinkWorker(t, sink("trusting", trust), sink("untrusting", foreign))
	rest := restURL(t, w)
	waitDocs(t, w, db.Collection("trusting"), bson.D{}, 10, 60*time.Second)
	waitTaskState(t, rest, "untrusting", "FAILED", 60*time.Second)
	_, trace := taskState(t, rest, "untrusting")
	for _, want := range []string{"certificate signed by unknown authority", "connection.ssl.truststore"} {
		if !strings.Contains(trace, want) {
			t.Fatalf("FAILED trace lacks %q:\n%s", want, trace)
		}
	}
	if n, err := db.Collection("untrusting").CountDocuments(t.Context(), bson.D{}); err != nil || n != 0 {
		t.Fatalf("the untrusting sink wrote %d documents (%v)", n, err)
	}
	w.stop(t, 20*time.Second)
}
