//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Restarts against the Java reference (issue 20): the same connector on
// both workers reads the same binlog (one table pair, two topic prefixes);
// each side is restarted while it delivers a large multi-statement
// transaction, or stopped while rows are written. Every change is
// counted per side: missing ones (gaps) and repeated ones (duplicates).
//
// Accepted difference (Debezium 2.7.3 on MariaDB loses rows, goconnect
// does not copy that): Debezium's restart offset on MariaDB is the END of
// the last rows event with `row` = the rows done of it (all of them at
// its last row), and on start it skips `row` rows of the NEXT rows event
// ("Skip N rows on streaming start"). A restart mid-event loses the rest
// of that event and the first rows of the next; a restart between events
// (the 300,000-row case of the issue) loses the first `row` rows of the
// next event. goconnect resumes inside the event the offset names
// (branch cdcoffsets) and must lose nothing.

// restartRec is one delivered change: "<table>:<op>:<id>".
type restartRec struct {
	key string
	ts  time.Time // Kafka record timestamp (the producer's send time)
}

// restartSide is one worker's connector and what its topics received.
type restartSide struct {
	side   string // "java" or "goconnect"
	name   string // connector name = topic prefix
	rest   string
	worker *worker  // goconnect only: the process, for SIGKILL
	args   []string // goconnect only: how to start it again

	adm    *kadm.Client
	topics []string

	mu   sync.Mutex
	recs []restartRec
}

func (s *restartSide) count(pred func(string) bool) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.recs {
		if pred(r.key) {
			n++
		}
	}
	return n
}

// collect consumes the side's data topics from the start until ctx ends.
func (s *restartSide) collect(t *testing.T, ctx context.Context) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(kafkaAddr), kgo.ConsumeTopics(s.topics...),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		defer cl.Close()
		for ctx.Err() == nil {
			f := cl.PollFetches(ctx)
			for _, r := range f.Records() {
				var v struct {
					Payload struct {
						Op     string         `json:"op"`
						After  map[string]any `json:"after"`
						Before map[string]any `json:"before"`
						Source struct {
							Table string `json:"table"`
						} `json:"source"`
					} `json:"payload"`
				}
				if len(r.Value) == 0 || json.Unmarshal(r.Value, &v) != nil {
					continue // tombstones: none expected here
				}
				row := v.Payload.After
				if row == nil {
					row = v.Payload.Before
				}
				key := fmt.Sprintf("%s:%s:%v", v.Payload.Source.Table, v.Payload.Op, row["id"])
				s.mu.Lock()
				s.recs = append(s.recs, restartRec{key, r.Timestamp})
				s.mu.Unlock()
			}
		}
	}()
}

// produced is the number of records in the side's topics (their end
// offsets), whoever has read them.
func (s *restartSide) produced(t *testing.T) int {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ends, err := s.adm.ListEndOffsets(ctx, s.topics...)
	if err != nil {
		t.Logf("%s: end offsets: %v", s.side, err)
		return 0
	}
	n := 0
	ends.Each(func(o kadm.ListedOffset) { n += int(o.Offset) })
	return n
}

// tally compares what arrived with the expected changes, each once.
func (s *restartSide) tally(want []string) (missing []string, dups int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[string]int{}
	for _, r := range s.recs {
		seen[r.key]++
	}
	for _, k := range want {
		switch n := seen[k]; {
		case n == 0:
			missing = append(missing, k)
		case n > 1:
			dups += n - 1
		}
		delete(seen, k)
	}
	for k, n := range seen {
		missing = append(missing, "unexpected "+k)
		dups += n - 1
	}
	sort.Strings(missing)
	return missing, dups
}

// restartGoWorker starts a standalone goconnect worker with the Java
// worker's converters and offset flush interval, and the connector. Its
// stops get 30 s instead of 5: a stop that takes longer is given up on
// (cancelled) and its records in flight come again, in Connect as here
// (runtime/worker TestSourceCancelledTaskStaysQuiet); what is measured
// here is a stop that completes.
func restartGoWorker(t *testing.T, s *restartSide, config map[string]string) {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "worker.properties"), fmt.Sprintf(`bootstrap.servers=%s
key.converter=org.apache.kafka.connect.json.JsonConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
offset.storage.file.filename=%s
offset.flush.interval.ms=1000
task.shutdown.graceful.timeout.ms=30000
listeners=http://127.0.0.1:0
`, kafkaAddr, filepath.Join(dir, "connect.offsets")))
	body, _ := json.Marshal(map[string]any{"name": s.name, "config": config})
	writeFile(t, filepath.Join(dir, "connector.json"), string(body))
	s.args = []string{"standalone", filepath.Join(dir, "worker.properties"), filepath.Join(dir, "connector.json")}
	s.worker = startWorker(t, s.args...)
	s.rest = restURL(t, s.worker)
}

// restartPair makes the two tables, a Java and a goconnect connector on
// them, and waits until both stream (snapshot row 0 in, a streamed row
// in, a streaming offset stored).
func restartPair(t *testing.T, tag string, which ...string) (exec func(string), tables [2]string, sides []*restartSide) {
	t.Helper()
	db := mysqlAdmin(t)
	stamp := time.Now().UnixNano() % 1_000_000_000
	tables = [2]string{fmt.Sprintf("rst_%sa%d", tag, stamp), fmt.Sprintf("rst_%sb%d", tag, stamp)}
	exec = func(q string) {
		t.Helper()
		mysqlExec(t, db, strings.NewReplacer("{a}", tables[0], "{b}", tables[1]).Replace(q))
	}
	for _, tb := range tables {
		mysqlExec(t, db, "CREATE TABLE "+tb+" (id INT PRIMARY KEY, v VARCHAR(40))")
		tb := tb
		t.Cleanup(func() { _, _ = db.Execute("DROP TABLE IF EXISTS " + tb) })
	}
	exec("INSERT INTO {a} VALUES (0, 'snapshot')")
	include := "demo." + tables[0] + ",demo." + tables[1]
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if len(which) == 0 {
		which = []string{"java", "goconnect"}
	}
	for i, side := range which {
		s := &restartSide{side: side, name: fmt.Sprintf("rst%s%s%d", tag, side[:1], stamp), adm: kadmClient(t)}
		for _, tb := range tables {
			s.topics = append(s.topics, s.name+".demo."+tb)
		}
		// Up to GBs at a large GOCONNECT_REFERENCE_ROWS: deleted once the
		// connectors are gone (cleanups run last-registered first).
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_, _ = s.adm.DeleteTopics(ctx, append(s.topics, "dbhistory."+s.name)...)
		})
		config := referenceMySQLConfig(s.name, include, int64(8_000_000+i*100_000)+stamp%100_000)
		s.collect(t, ctx)
		if side == "java" {
			javaConnector(t, s.name, config)
			s.rest = javaConnectURL
		} else {
			restartGoWorker(t, s, config)
		}
		sides = append(sides, s)
	}
	for _, s := range sides {
		waitTaskState(t, s.rest, s.name, "RUNNING", 60*time.Second)
		waitUntil(t, 60*time.Second, s.side+": the snapshot row", func() bool {
			return s.count(func(k string) bool { return k == tables[0]+":r:0" }) == 1
		})
	}
	exec("INSERT INTO {a} VALUES (-1, 'streamed')")
	for _, s := range sides {
		waitUntil(t, 60*time.Second, s.side+": a streamed row", func() bool {
			return s.count(func(k string) bool { return k == tables[0]+":c:-1" }) == 1
		})
		waitUntil(t, 30*time.Second, s.side+": a stored streaming offset", func() bool {
			code, b := httpDo("GET", s.rest+"/connectors/"+s.name+"/offsets", "")
			return code == 200 && strings.Contains(string(b), `"pos"`) && !strings.Contains(string(b), `"snapshot"`)
		})
	}
	return exec, tables, sides
}

// restartAction interrupts a side's task: "restart" (POST
// /restart?includeTasks=true), "stop-resume" (PUT /stop, STOPPED, PUT
// /resume) or "sigkill" (goconnect's process, then started again). It
// returns the offsets stored while stopped ("" when not stopped).
func restartAction(s *restartSide, action string) (stored string, err error) {
	switch action {
	case "restart":
		if code, b := httpDo("POST", s.rest+"/connectors/"+s.name+"/restart?includeTasks=true", ""); code != 202 && code != 204 && code != 200 {
			return "", fmt.Errorf("%s: POST restart: %d %s", s.side, code, b)
		}
	case "stop-resume":
		if code, b := httpDo("PUT", s.rest+"/connectors/"+s.name+"/stop", ""); code != 202 && code != 204 && code != 200 {
			return "", fmt.Errorf("%s: PUT stop: %d %s", s.side, code, b)
		}
		deadline := time.Now().Add(60 * time.Second)
		for {
			_, b := httpDo("GET", s.rest+"/connectors/"+s.name+"/status", "")
			if strings.Contains(string(b), `"state":"STOPPED"`) {
				break
			}
			if time.Now().After(deadline) {
				return "", fmt.Errorf("%s: not STOPPED after 60 s: %s", s.side, b)
			}
			time.Sleep(100 * time.Millisecond) // polling interval
		}
		_, b := httpDo("GET", s.rest+"/connectors/"+s.name+"/offsets", "")
		stored = string(b)
		if code, b := httpDo("PUT", s.rest+"/connectors/"+s.name+"/resume", ""); code != 202 && code != 204 && code != 200 {
			return stored, fmt.Errorf("%s: PUT resume: %d %s", s.side, code, b)
		}
	case "sigkill":
		if err := s.worker.cmd.Process.Kill(); err != nil {
			return "", err
		}
		<-s.worker.done
	}
	return stored, nil
}

// restartScale is the transaction's rows per table: 20,000 by default
// (CI), GOCONNECT_REFERENCE_ROWS to scale up.
func restartScale(t *testing.T, def int) int {
	t.Helper()
	v := os.Getenv("GOCONNECT_REFERENCE_ROWS")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 100 {
		t.Fatalf("GOCONNECT_REFERENCE_ROWS=%q: want a row count ≥ 100", v)
	}
	return n
}

// TestReferenceRestartMidTransaction: one transaction of 2.5 n changes
// (n inserts into table a, n into table b, n/2 updates of a), each worker
// interrupted once its topics hold a tenth of it.
func TestReferenceRestartMidTransaction(t *testing.T) {
	for _, action := range []string{"restart", "stop-resume", "sigkill"} {
		t.Run(action, func(t *testing.T) { referenceRestartMidTx(t, action) })
	}
}

func referenceRestartMidTx(t *testing.T, action string) {
	n := restartScale(t, 20_000)
	tag := map[string]string{"restart": "r", "stop-resume": "s", "sigkill": "k"}[action]
	var exec func(string)
	var tables [2]string
	var sides []*restartSide
	if action == "sigkill" {
		// The Java worker is the shared reference service: killing it
		// would break the other tests using it. goconnect alone.
		exec, tables, sides = restartPair(t, tag, "goconnect")
	} else {
		exec, tables, sides = restartPair(t, tag)
	}
	want := []string{tables[0] + ":r:0", tables[0] + ":c:-1", fmt.Sprintf("%s:c:%d", tables[0], n+1)}
	txTotal := 0
	for id := 1; id <= n; id++ {
		want = append(want, fmt.Sprintf("%s:c:%d", tables[0], id), fmt.Sprintf("%s:c:%d", tables[1], id))
		txTotal += 2
		if id <= n/2 {
			want = append(want, fmt.Sprintf("%s:u:%d", tables[0], id))
			txTotal++
		}
	}
	inTx := func(k string) bool {
		return !strings.HasSuffix(k, ":0") && !strings.HasSuffix(k, ":-1") && !strings.HasSuffix(k, fmt.Sprintf(":%d", n+1))
	}

	// The interruptions run while the transaction is delivered.
	type outcome struct {
		at     int // transaction changes on Kafka when interrupted
		stored string
		err    error
	}
	results := make([]outcome, len(sides))
	for _, s := range sides {
		if s.side == "goconnect" {
			throttleProducer(t, s)
		}
	}
	txFile, txStart := binlogPosition(t)
	var wg sync.WaitGroup
	for i, s := range sides {
		wg.Add(1)
		go func(i int, s *restartSide) {
			defer wg.Done()
			// The trigger is what the broker holds (a consumer lags: the
			// producer may be done before it has read a tenth).
			deadline := time.Now().Add(3 * time.Minute)
			for n := 0; n < txTotal/10; n = s.produced(t) - 2 {
				if time.Now().After(deadline) {
					results[i].err = fmt.Errorf("%s: %d of %d changes after 3 min", s.side, n, txTotal)
					return
				}
				time.Sleep(10 * time.Millisecond) // polling interval
			}
			// A kill only comes back inside the transaction once an
			// offset inside it is stored (every second); before that it
			// is a kill before the transaction, whose records come again.
			for action == "sigkill" && !storedAfter(s, txFile, txStart) {
				if time.Now().After(deadline) {
					results[i].err = fmt.Errorf("%s: no offset inside the transaction stored after 3 min", s.side)
					return
				}
				time.Sleep(10 * time.Millisecond) // polling interval
			}
			results[i].stored, results[i].err = restartAction(s, action)
			results[i].at = s.count(inTx)
		}(i, s)
	}
	exec("BEGIN")
	exec(fmt.Sprintf("INSERT INTO {a} SELECT seq, CONCAT('row-', seq) FROM seq_1_to_%d", n))
	exec(fmt.Sprintf("INSERT INTO {b} SELECT seq, CONCAT('row-', seq) FROM seq_1_to_%d", n))
	exec(fmt.Sprintf("UPDATE {a} SET v = CONCAT('upd-', id) WHERE id BETWEEN 1 AND %d", n/2))
	exec("COMMIT")
	endFile, txEnd := binlogPosition(t)
	wg.Wait() // before any return: the watchers log through t
	if endFile != txFile {
		t.Skipf("the binlog rotated during the transaction (%s → %s): the mid-transaction check needs one file", txFile, endFile)
	}
	for _, r := range results {
		if r.err != nil {
			t.Fatal(r.err)
		}
	}
	if action == "sigkill" {
		s := sides[0]
		s.worker = startWorker(t, s.args...)
		s.rest = restURL(t, s.worker)
	}
	exec(fmt.Sprintf("INSERT INTO {a} VALUES (%d, 'after')", n+1))
	referenceRestartReport(t, action, sides, want, txTotal, tables[0], n+1)
	for i, s := range sides {
		t.Logf("%s: interrupted (%s); %d of %d transaction changes read back right after; stored while stopped: %s", s.side, action, results[i].at, txTotal, results[i].stored)
		if s.side == "java" {
			continue // Debezium's resume point shows in its result (and its log)
		}
		// goconnect's resume point, as it logs it: inside the transaction.
		pos := lastResume(s.worker.output())
		t.Logf("goconnect resumed at %s:%d; the transaction spans %d..%d", txFile, pos, txStart, txEnd)
		// At least a tenth of it left to deliver after the resume.
		if pos <= txStart || pos > txEnd-(txEnd-txStart)/10 {
			t.Errorf("goconnect resumed at %d, not inside the transaction (%d..%d) with a tenth of it left: the %s was not mid-transaction", pos, txStart, txEnd, action)
		}
	}
}

// referenceRestartReport waits until each side has delivered the row
// written last (endID in table a), counts gaps and duplicates and compares
// the stored offsets; goconnect must lose nothing and repeat no more than
// Debezium (after a graceful stop: nothing).
func referenceRestartReport(t *testing.T, action string, sides []*restartSide, want []string, total int, table string, endID int) (missing map[string][]string) {
	t.Helper()
	end := fmt.Sprintf("%s:c:%d", table, endID)
	missing = map[string][]string{}
	dups := map[string]int{}
	offsets := map[string]string{}
	for _, s := range sides {
		arrived := func() bool { return s.count(func(k string) bool { return k == end }) > 0 }
		if s.side == "goconnect" {
			waitUntil(t, 5*time.Minute, s.side+": the row written last", arrived)
		} else {
			// Debezium may never get there (see the head of this file):
			// what it delivered by then is its result.
			deadline := time.Now().Add(restartJavaWait)
			for !arrived() && time.Now().Before(deadline) {
				time.Sleep(100 * time.Millisecond) // polling interval
			}
			if !arrived() {
				t.Logf("java: the row written last did not arrive within %s of goconnect's", restartJavaWait)
			}
		}
		// Anything still on its way after the last row would be a late
		// duplicate: give it the readTopic quiet time.
		last := -1
		waitUntil(t, 30*time.Second, s.side+": no more records", func() bool {
			n := s.count(func(string) bool { return true })
			if n != last {
				last = n
				time.Sleep(2 * time.Second)
				return false
			}
			return true
		})
		missing[s.side], dups[s.side] = s.tally(want)
		offsets[s.side] = migrationOffsets(t, s.rest, s.name)
		if st, trace := taskState(t, s.rest, s.name); st != "RUNNING" {
			t.Errorf("%s task after the %s: %s %s", s.side, action, st, firstLine(trace))
		}
		t.Logf("%s after %s: %d of %d changes delivered (%d written by the case), %d missing %s, %d duplicates; stored offsets %s",
			s.side, action, s.count(func(string) bool { return true }), len(want), total, len(missing[s.side]), head5(missing[s.side]), dups[s.side], offsets[s.side])
	}
	if m := missing["goconnect"]; len(m) > 0 {
		t.Errorf("goconnect lost %d changes over the %s: %s", len(m), action, head5(m))
	}
	// Debezium's duplicates say something only when it got to the end.
	if j, ok := dups["java"]; ok && !missingEnd(missing["java"], end) && dups["goconnect"] > j {
		t.Errorf("goconnect repeated %d changes over the %s, Debezium %d", dups["goconnect"], action, j)
	}
	if action != "sigkill" && dups["goconnect"] > 0 {
		t.Errorf("goconnect repeated %d changes over a graceful %s (offsets are committed on stop)", dups["goconnect"], action)
	}
	// Both point past the last row's event: same file and position (the
	// row count differs: accepted, see referenceOffsetRowAccepted).
	if j, ok := offsets["java"]; ok && !missingEnd(missing["java"], end) {
		jp, gp := restartPosition(t, j), restartPosition(t, offsets["goconnect"])
		if jp != gp {
			t.Errorf("stored positions differ: java %s goconnect %s", jp, gp)
		}
	}
	return missing
}

// storedAfter says whether the side's stored offset lies past file:pos
// (a later file counts: the binlog rotated).
func storedAfter(s *restartSide, file string, pos uint64) bool {
	_, b := httpDo("GET", s.rest+"/connectors/"+s.name+"/offsets", "")
	var v struct {
		Offsets []struct {
			Offset struct {
				File string `json:"file"`
				Pos  uint64 `json:"pos"`
			} `json:"offset"`
		} `json:"offsets"`
	}
	if json.Unmarshal(b, &v) != nil || len(v.Offsets) != 1 {
		return false
	}
	o := v.Offsets[0].Offset
	return o.File > file || o.File == file && o.Pos > pos
}

// binlogPosition is the server's current binlog file and position.
func binlogPosition(t *testing.T) (string, uint64) {
	t.Helper()
	r, err := mysqlAdmin(t).Execute("SHOW MASTER STATUS")
	if err != nil || r.RowNumber() == 0 {
		t.Fatalf("SHOW MASTER STATUS: %v", err)
	}
	file, _ := r.GetString(0, 0)
	pos, _ := r.GetUint(0, 1)
	return file, pos
}

// lastResume is the position of goconnect's last "streaming binlog" log
// line (where its task resumed).
func lastResume(logs string) uint64 {
	m := resumeLine.FindAllStringSubmatch(logs, -1)
	if len(m) == 0 {
		return 0
	}
	pos, _ := strconv.ParseUint(m[len(m)-1][1], 10, 64)
	return pos
}

var resumeLine = regexp.MustCompile(`streaming binlog"? .*\bpos=(\d+)`)

// restartJavaWait bounds the wait for Debezium once goconnect is done: a
// Debezium restarted inside a multi-event statement never resumes (see
// the head of this file); its restart alone takes up to ~70 s here (its
// graceful stop times out after 5 s and the new task waits 60 s for the
// old one's JMX names).
const restartJavaWait = 100 * time.Second

func missingEnd(missing []string, end string) bool {
	for _, m := range missing {
		if m == end {
			return true
		}
	}
	return false
}

// restartPosition is file:pos of a GET /offsets answer.
func restartPosition(t *testing.T, body string) string {
	t.Helper()
	var v struct {
		Offsets []struct {
			Offset map[string]any `json:"offset"`
		} `json:"offsets"`
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil || len(v.Offsets) != 1 {
		t.Fatalf("offsets %s: %v", body, err)
	}
	return fmt.Sprintf("%v:%v", v.Offsets[0].Offset["file"], v.Offsets[0].Offset["pos"])
}

func head5(s []string) string {
	if len(s) > 5 {
		return fmt.Sprintf("%v…", s[:5])
	}
	return fmt.Sprint(s)
}

// TestReferenceRestartWhileStopped is the 300,000-row case at a
// size for CI (GOCONNECT_REFERENCE_ROWS, default 20,000): both workers
// stopped (PUT /stop) after a one-row insert, n rows written in
// 1,000-row INSERTs, both resumed. Debezium's stored offset says row 1 of
// the event before the stop, which it applies to the first event after
// it: it loses exactly the first row written (its log: "Skip 1 rows on
// streaming start"). Accepted difference: goconnect delivers all n rows,
// once each. Debezium's loss is reported (its figure depends on other
// sessions' writes, see below).
func TestReferenceRestartWhileStopped(t *testing.T) {
	n := restartScale(t, 20_000)
	exec, tables, sides := restartPair(t, "w")
	want := []string{tables[0] + ":r:0", tables[0] + ":c:-1", fmt.Sprintf("%s:c:%d", tables[0], n+1)}
	for id := 1; id <= n; id++ {
		want = append(want, fmt.Sprintf("%s:c:%d", tables[0], id))
	}
	stored := map[string]string{}
	for _, s := range sides {
		migrationStop(t, s.rest, s.name)
		stored[s.side] = migrationOffsets(t, s.rest, s.name)
		t.Logf("%s stopped; stored %s", s.side, stored[s.side])
	}
	start := time.Now()
	for lo := 1; lo <= n; lo += 1000 {
		exec(fmt.Sprintf("INSERT INTO {a} SELECT seq, CONCAT('row-', seq) FROM seq_%d_to_%d", lo, min(lo+999, n)))
	}
	t.Logf("%d rows written in %s while both were stopped", n, time.Since(start).Round(time.Millisecond))
	for _, s := range sides {
		if code, b := httpRetry(t, "PUT", s.rest+"/connectors/"+s.name+"/resume", ""); code != 202 && code != 204 && code != 200 {
			t.Fatalf("%s: PUT resume: %d %s", s.side, code, b)
		}
	}
	exec(fmt.Sprintf("INSERT INTO {a} VALUES (%d, 'after')", n+1))
	missing := referenceRestartReport(t, "stop and resume", sides, want, n, tables[0], n+1)
	// Debezium's loss, as the issue measured it (1 of 300,000): the row
	// its stored row count skips, when the first rows event after the
	// stop is this table's; on this shared server another session's
	// event often comes first and takes the skip instead (then nothing is
	// lost). Reported, not required.
	if !strings.Contains(stored["java"], `"row":1`) {
		t.Errorf("Debezium's stored offset %s: expected row 1 (the one-row event before the stop)", stored["java"])
	}
	t.Logf("Debezium lost %d of %d rows written while stopped %v; goconnect %d", len(missing["java"]), n, missing["java"], len(missing["goconnect"]))
}

// throttleProducer puts a Kafka produce quota on the goconnect task's
// producer (client id connector-producer-<name>-0, as Connect names it)
// for the rest of the test: unthrottled, goconnect can deliver the whole
// transaction between the trigger and the moment the restart it asked
// for stops the task (on a loaded machine), and the restart is no longer
// mid-transaction. The broker enforces it, so the binlog reader backs up
// behind the bounded queues and the committed offset crawls through the
// transaction.
func throttleProducer(t *testing.T, s *restartSide) {
	t.Helper()
	id := "connector-producer-" + s.name + "-0"
	entity := kadm.ClientQuotaEntity{{Type: "client-id", Name: &id}}
	alter := func(op kadm.AlterClientQuotaOp) error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		res, err := s.adm.AlterClientQuotas(ctx, []kadm.AlterClientQuotaEntry{{Entity: entity, Ops: []kadm.AlterClientQuotaOp{op}}})
		if err == nil && len(res) == 1 {
			err = res[0].Err
		}
		return err
	}
	if err := alter(kadm.AlterClientQuotaOp{Key: "producer_byte_rate", Value: restartProduceRate}); err != nil {
		t.Fatalf("produce quota on %s: %v", id, err)
	}
	t.Cleanup(func() { _ = alter(kadm.AlterClientQuotaOp{Key: "producer_byte_rate", Remove: true}) })
}

// restartProduceRate is the goconnect producer's quota during the
// mid-transaction restarts, in bytes/s.
const restartProduceRate = 8 << 20
