//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// TestMySQLCDCToMongoThroughDebeziumHandler runs the CDC half of the
// reference pipeline in one worker: the MySQL source writes Debezium
// envelopes of demo.CUSTOMERS, and the Mongo sink applies them with the
// Debezium MySQL handler. Snapshot, insert, update and delete must arrive
// as upserts, replaces and a delete.
func TestMySQLCDCToMongoThroughDebeziumHandler(t *testing.T) {
	sql := mysqlAdmin(t)
	mysqlExec(t, sql, "DELETE FROM CUSTOMERS WHERE id = 44")
	t.Cleanup(func() { _, _ = sql.Execute("DELETE FROM CUSTOMERS WHERE id = 44") })
	cl := mongoClient(t, nil)
	db := mongoSinkDB(t, cl, "e2e_mysql_cdc")
	coll := db.Collection("customers")

	prefix := fmt.Sprintf("cdc%d", time.Now().UnixNano())
	host, port, _ := strings.Cut(mariaDBAddr, ":")
	schemas := map[string]string{
		"key.converter": "org.apache.kafka.connect.json.JsonConverter", "key.converter.schemas.enable": "true",
		"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "true",
	}
	source := map[string]string{"name": "mysql-" + prefix, "connector.class": "io.debezium.connector.mysql.MySqlConnector",
		"database.hostname": host, "database.port": port, "database.user": "debezium", "database.password": "dbz",
		"database.server.id": "4242", "topic.prefix": prefix, "table.include.list": "demo.CUSTOMERS"}
	sink := map[string]string{"name": "mongo-" + prefix, "connector.class": "com.mongodb.kafka.connect.MongoSinkConnector",
		"topics": prefix + ".demo.CUSTOMERS", "connection.uri": mongoURI, "database": db.Name(), "collection": "customers",
		"change.data.capture.handler": "com.mongodb.kafka.connect.sink.cdc.debezium.rdbms.mysql.MysqlHandler"}
	for k, v := range schemas {
		source[k], sink[k] = v, v
	}
	w := startSinkWorker(t, source, sink)

	byID := func(id int32) bson.D { return bson.D{{Key: "_id", Value: bson.D{{Key: "id", Value: id}}}} }
	waitDocs(t, w, coll, bson.D{}, 20, 90*time.Second)

	mysqlExec(t, sql, "INSERT INTO CUSTOMERS (id, first_name, last_name, club_status) VALUES (44, 'Rick', 'Astley', 'bronze')")
	waitDocs(t, w, coll, byID(44), 1, 60*time.Second)
	mysqlExec(t, sql, "UPDATE CUSTOMERS SET club_status = 'platinum' WHERE id = 44")
	waitDocs(t, w, coll, append(byID(44), bson.E{Key: "club_status", Value: "platinum"}), 1, 60*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var doc bson.M
	if err := coll.FindOne(ctx, byID(44)).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc["first_name"] != "Rick" || doc["last_name"] != "Astley" {
		t.Fatalf("updated document %v", doc)
	}
	var first bson.M
	if err := coll.FindOne(ctx, byID(1)).Decode(&first); err != nil || first["email"] != "rblaisdell0@rambler.ru" {
		t.Fatalf("snapshot document 1: %v %v", first, err)
	}
	mysqlExec(t, sql, "DELETE FROM CUSTOMERS WHERE id = 44")
	waitDocs(t, w, coll, byID(44), 0, 60*time.Second)
	waitDocs(t, w, coll, bson.D{}, 20, 10*time.Second)
	w.stop(t, 20*time.Second)
}
