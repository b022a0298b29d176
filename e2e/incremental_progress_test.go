//go:build e2e

package e2e

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestIncrementalSnapshotProgress starts an incremental snapshot of a
// 60,000-row table by a signalling-table insert and follows it in
// /metrics, in the console's connector page (headless Chromium) and in the
// log: an intermediate value (held there by a pause-snapshot signal, so the
// browser's 2 s refresh sees it however fast the machine is), the current
// chunk, then after resume-snapshot 100%.
func TestIncrementalSnapshotProgress(t *testing.T) {
	const rows, chunk = 60000, 100
	db := mysqlAdmin(t)
	suffix := time.Now().UnixNano()
	tbl, sig := fmt.Sprintf("gc_iprog_%d", suffix), fmt.Sprintf("gc_iprog_sig_%d", suffix)
	mysqlExec(t, db, "CREATE TABLE "+tbl+" (id INT PRIMARY KEY, v INT NOT NULL)")
	mysqlExec(t, db, "CREATE TABLE "+sig+" (id VARCHAR(42) PRIMARY KEY, type VARCHAR(32) NOT NULL, data VARCHAR(2048) NULL)")
	t.Cleanup(func() { _, _ = db.Execute("DROP TABLE IF EXISTS " + tbl + ", " + sig) })
	for lo := 1; lo <= rows; lo += 5000 {
		var vals []string
		for id := lo; id < lo+5000; id++ {
			vals = append(vals, fmt.Sprintf("(%d,%d)", id, id))
		}
		mysqlExec(t, db, "INSERT INTO "+tbl+" VALUES "+strings.Join(vals, ","))
	}
	mysqlExec(t, db, "ANALYZE TABLE "+tbl) // a row estimate near the truth

	dir := t.TempDir()
	base := fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
	name := fmt.Sprintf("iprog%d", suffix)
	host, port, _ := strings.Cut(mariaDBAddr, ":")
	writeFile(t, filepath.Join(dir, "worker.properties"), fmt.Sprintf(`bootstrap.servers=%s
key.converter=org.apache.kafka.connect.json.JsonConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
offset.storage.file.filename=%s
listeners=%s
`, kafkaAddr, filepath.Join(dir, "offsets"), base))
	writeFile(t, filepath.Join(dir, "mysql.json"), fmt.Sprintf(`{"name":%q,"config":{
  "connector.class":"io.debezium.connector.mysql.MySqlConnector",
  "database.hostname":%q,"database.port":%q,"database.user":"debezium","database.password":"dbz",
  "database.server.id":"4261","topic.prefix":%q,"table.include.list":"demo.%s,demo.%s",
  "schema.history.internal.kafka.bootstrap.servers":%q,"schema.history.internal.kafka.topic":"dbhistory.%s",
  "include.schema.changes":"false","snapshot.mode":"no_data",
  "signal.data.collection":"demo.%s","incremental.snapshot.chunk.size":"%d"}}`,
		name, host, port, name, tbl, sig, kafkaAddr, name, sig, chunk))
	w := startWorker(t, "standalone", filepath.Join(dir, "worker.properties"), filepath.Join(dir, "mysql.json"))
	// A signal row written before the stream starts would be missed.
	waitUntil(t, 60*time.Second, "the connector streaming", func() bool { return strings.Contains(w.output(), "streaming binlog") })

	table := "demo." + tbl
	metric := func(body, metric, labels string) (float64, bool) {
		m := regexp.MustCompile(`(?m)^kafka_connect_snapshot_` + metric + `\{connector="` + name + `"` + labels + `,task="0"\} (\S+)$`).FindStringSubmatch(body)
		if m == nil {
			return 0, false
		}
		v, err := strconv.ParseFloat(m[1], 64)
		return v, err == nil
	}
	scrape := func() string {
		_, b := httpDo("GET", base+"/metrics", "")
		return string(b)
	}
	signal := func(id, typ, data string) {
		t.Helper()
		mysqlExec(t, db, fmt.Sprintf("INSERT INTO %s VALUES ('%s', '%s', '%s')", sig, id, typ, data))
	}

	ctx := browser(t)
	show(t, ctx, base, "#/c/"+name, "connector:"+name)
	signal("iprog-1", "execute-snapshot", fmt.Sprintf(`{"data-collections": ["%s"], "type": "incremental"}`, table))

	// Paused past 2,000 rows (over 3% of the bar: the page shows whole
	// percents), well before the end.
	var seen float64
	waitUntil(t, 90*time.Second, "rows scanned by the incremental snapshot in /metrics", func() bool {
		v, ok := metric(scrape(), "rows_scanned", `,table="`+table+`"`)
		seen = v
		return ok && v >= 2000
	})
	if seen >= rows {
		t.Fatalf("the snapshot was done (%v rows) before an intermediate value was seen", seen)
	}
	signal("iprog-2", "pause-snapshot", `{"type": "incremental"}`)
	var body string
	waitUntil(t, 60*time.Second, "the snapshot paused in /metrics", func() bool {
		body = scrape()
		v, ok := metric(body, "paused", "")
		return ok && v == 1
	})
	held, _ := metric(body, "rows_scanned", `,table="`+table+`"`)
	if held <= 0 || held >= rows {
		t.Fatalf("paused at %v rows of %d", held, rows)
	}
	for _, c := range []struct {
		metric string
		want   float64
	}{{"incremental", 1}, {"running", 0}, {"completed", 0}, {"total_table_count", 1}, {"remaining_table_count", 1}} {
		if v, ok := metric(body, c.metric, ""); !ok || v != c.want {
			t.Errorf("kafka_connect_snapshot_%s = %v (%v), want %v", c.metric, v, ok, c.want)
		}
	}
	chunkRE := regexp.MustCompile(`kafka_connect_snapshot_chunk_info\{chunk_from="\[(\d+)\]",chunk_id="[0-9a-f-]{36}",chunk_to="\[(\d+)\]",connector="` + name +
		`",table="` + table + `",table_from="\[1\]",table_to="\[` + strconv.Itoa(rows) + `\]",task="0"\} 1`)
	if m := chunkRE.FindStringSubmatch(body); m == nil {
		t.Errorf("no chunk series for the paused snapshot:\n%s", grepLines(body, "snapshot"))
	} else if from, _ := strconv.Atoi(m[1]); from < 1 || from > int(held) {
		t.Errorf("chunk from %s with %v rows scanned", m[1], held)
	}

	// The page: the table's bar between 0 and 100%, paused, the chunk.
	tableBar := `document.querySelector('#snap table .bar')`
	waitJS(t, ctx, 30*time.Second, "the paused snapshot on the connector page",
		`(() => { const b = `+tableBar+`; const p = document.querySelector('#snap p'); return !!b && !!p && p.textContent.includes('incremental snapshot paused'); })()`)
	pct := evalJS[float64](t, ctx, `Number(`+tableBar+`.dataset.pct)`)
	if pct <= 0 || pct >= 100 {
		t.Errorf("the table's bar shows %v%% with %v of %d rows scanned", pct, held, rows)
	}
	if txt := evalJS[string](t, ctx, `(document.querySelector('#snap .chunk') || {}).textContent || ''`); !strings.Contains(txt, "to ["+strconv.Itoa(rows)+"]") || !strings.Contains(txt, table) {
		t.Errorf("chunk line on the page: %q", txt)
	}
	screenshot(t, ctx, "console-incremental-paused.png")

	signal("iprog-3", "resume-snapshot", `{"type": "incremental"}`)
	waitUntil(t, 3*time.Minute, "the incremental snapshot completed in /metrics", func() bool {
		body = scrape()
		v, ok := metric(body, "completed", "")
		return ok && v == 1
	})
	if v, _ := metric(body, "rows_scanned", `,table="`+table+`"`); v != rows {
		t.Errorf("rows_scanned %v after completion, want %d", v, rows)
	}
	if v, ok := metric(body, "remaining_table_count", ""); !ok || v != 0 {
		t.Errorf("remaining_table_count %v after completion", v)
	}
	if strings.Contains(body, `kafka_connect_snapshot_chunk_info{`) && strings.Contains(body, name) {
		t.Errorf("a chunk series after completion:\n%s", grepLines(body, "chunk_info"))
	}
	defer func() {
		if t.Failed() {
			t.Logf("snapshot section: %s", evalJS[string](t, ctx, `document.getElementById('snap').innerHTML`))
		}
	}()
	waitJS(t, ctx, 30*time.Second, "100% on the connector page",
		`(() => { const b = `+tableBar+`; const s = document.querySelector('#snap .snapshot .bar'); return !!b && b.dataset.pct === '100' && !!s && s.dataset.pct === '100' && !document.querySelector('#snap .chunk'); })()`)
	screenshot(t, ctx, "console-incremental-done.png")

	out := w.output()
	for _, re := range []string{
		`msg="incremental snapshot started".*tables="?\[` + table + `\]`,
		`msg="incremental snapshot of table done".*table=` + table + ` rows=` + strconv.Itoa(rows),
		`msg="incremental snapshot ended".*aborted=false`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("no log line matching %s", re)
		}
	}
	w.stop(t, 20*time.Second)
}

// grepLines keeps the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
