//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// TestMySQLSourceSIGKILLMidLoad kills the worker with SIGKILL while it is
// streaming a 100k-row-change load (20k keys, each inserted and then
// updated four times) and restarts it: every change must reach Kafka at
// least once, and per key the changes must first appear in commit order.
func TestMySQLSourceSIGKILLMidLoad(t *testing.T) {
	const keys, versions = 20000, 5 // 100k row changes
	const batch = 1000
	db := mysqlAdmin(t)
	suffix := time.Now().UnixNano()
	tbl := fmt.Sprintf("gc_kill_%d", suffix)
	mysqlExec(t, db, "CREATE TABLE "+tbl+" (id INT PRIMARY KEY, v INT NOT NULL)")
	t.Cleanup(func() { _, _ = db.Execute("DROP TABLE IF EXISTS " + tbl) })

	dir := t.TempDir()
	prefix := fmt.Sprintf("kill%d", suffix)
	topic := prefix + ".demo." + tbl
	host, port, _ := strings.Cut(mariaDBAddr, ":")
	writeFile(t, filepath.Join(dir, "worker.properties"), fmt.Sprintf(`bootstrap.servers=%s
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=false
offset.storage.file.filename=%s
offset.flush.interval.ms=50
listeners=http://127.0.0.1:0
`, kafkaAddr, filepath.Join(dir, "connect.offsets")))
	writeFile(t, filepath.Join(dir, "mysql.json"), fmt.Sprintf(`{"name":"kill-mysql","config":{
  "connector.class":"io.debezium.connector.mysql.MySqlConnector",
  "database.hostname":%q,"database.port":%q,"database.user":"debezium","database.password":"dbz",
  "database.server.id":"4243","topic.prefix":%q,"table.include.list":"demo.%s",
  "schema.history.internal.kafka.bootstrap.servers":%q,"schema.history.internal.kafka.topic":"dbhistory.%s",
  "include.schema.changes":"true",
  "transforms":"unwrap,extractkey",
  "transforms.unwrap.type":"io.debezium.transforms.ExtractNewRecordState",
  "transforms.extractkey.type":"org.apache.kafka.connect.transforms.ExtractField$Key",
  "transforms.extractkey.field":"id","transforms.extractkey.predicate":"isData",
  "predicates":"isData","predicates.isData.type":"org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
  "predicates.isData.pattern":%q}}`, host, port, prefix, tbl, kafkaAddr, prefix, topic))
	args := []string{"standalone", filepath.Join(dir, "worker.properties"), filepath.Join(dir, "mysql.json")}
	// The schema change events (key databaseName) are kept out of
	// ExtractField$Key by the predicate, as Debezium users do.

	// The consumer records, per key, the versions in arrival order.
	var mu sync.Mutex
	seen := map[int][]int{}
	total := 0
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(kafkaAddr), kgo.ConsumeTopics(topic, prefix),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	go func() {
		for ctx.Err() == nil {
			f := cl.PollFetches(ctx)
			for _, r := range f.Records() {
				if r.Topic == prefix {
					continue // schema change events
				}
				var v struct{ ID, V int }
				if err := json.Unmarshal(r.Value, &v); err != nil {
					continue
				}
				id, _ := strconv.Atoi(string(r.Key))
				mu.Lock()
				seen[id] = append(seen[id], v.V)
				total++
				mu.Unlock()
			}
		}
	}()
	count := func() int { mu.Lock(); defer mu.Unlock(); return total }
	waitFor := func(what string, d time.Duration, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(d)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s (%d records)", what, count())
			}
			time.Sleep(20 * time.Millisecond) // polling interval, not synchronisation
		}
	}

	w := startWorker(t, args...)
	rest := restURL(t, w)
	// A committed offset says the (empty) snapshot is done and streaming
	// has begun.
	waitFor("the snapshot's offset", 60*time.Second, func() bool {
		code, body := httpDo("GET", rest+"/connectors/kill-mysql/offsets", "")
		return code == 200 && strings.Contains(string(body), `"pos"`)
	})

	// The statements of the load, in commit order.
	var stmts []string
	for lo := 0; lo < keys; lo += batch {
		var sb strings.Builder
		sb.WriteString("INSERT INTO " + tbl + " VALUES ")
		for id := lo; id < lo+batch; id++ {
			if id > lo {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, "(%d,0)", id)
		}
		stmts = append(stmts, sb.String())
	}
	for v := 1; v < versions; v++ {
		for lo := 0; lo < keys; lo += batch {
			stmts = append(stmts, fmt.Sprintf("UPDATE %s SET v = %d WHERE id >= %d AND id < %d", tbl, v, lo, lo+batch))
		}
	}
	// The load runs on while the worker is killed and restarted.
	var written atomic.Int64
	loadDone := make(chan error, 1)
	go func() {
		for _, q := range stmts {
			if _, err := db.Execute(q); err != nil {
				loadDone <- fmt.Errorf("%s: %w", q[:40], err)
				return
			}
			written.Add(batch)
		}
		loadDone <- nil
	}()
	// Kill once the worker has delivered part of the load and committed a
	// streaming offset: records are in flight and offsets partly committed.
	// (Killed before any streaming offset is committed, it would redo the
	// snapshot, as Debezium does after an unfinished one, and intermediate
	// versions would collapse.)
	waitFor("the first 20k changes", 60*time.Second, func() bool { return count() >= 20000 })
	waitFor("a committed streaming offset", 60*time.Second, func() bool {
		code, body := httpDo("GET", rest+"/connectors/kill-mysql/offsets", "")
		return code == 200 && strings.Contains(string(body), `"pos"`) && !strings.Contains(string(body), `"snapshot"`)
	})
	atKill := count()
	if err := w.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-w.done
	if atKill >= keys*versions {
		t.Fatalf("the worker had delivered all %d changes before the kill: the kill was not mid-load", atKill)
	}
	t.Logf("SIGKILL after %d of %d changes on Kafka (%d written by then)", atKill, keys*versions, written.Load())

	startWorker(t, args...)
	if err := <-loadDone; err != nil {
		t.Fatal(err)
	}
	complete := func() bool {
		mu.Lock()
		defer mu.Unlock()
		if len(seen) < keys {
			return false
		}
		for _, vs := range seen {
			if vs[len(vs)-1] != versions-1 {
				return false
			}
		}
		return true
	}
	waitFor("every key's last version", 3*time.Minute, complete)

	mu.Lock()
	defer mu.Unlock()
	dups := 0
	for id := 0; id < keys; id++ {
		vs := seen[id]
		// First appearances must be 0,1,…: a redelivery may repeat a
		// suffix, but nothing may be missing or overtake its predecessor.
		next := 0
		for _, v := range vs {
			switch {
			case v == next:
				next++
			case v > next:
				t.Fatalf("key %d: versions %v: %d arrived before %d", id, vs, v, next)
			default:
				dups++
			}
		}
		if next != versions {
			t.Fatalf("key %d: versions %v, want all of 0..%d", id, vs, versions-1)
		}
	}
	t.Logf("%d changes received for %d written: %d redelivered after the SIGKILL", total, keys*versions, dups)
}
