//go:build e2e

package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// browser starts headless Chromium (Debian's, installed by
// scripts/services.sh up chromium) and returns a tab's context.
func browser(t *testing.T) context.Context {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium is not installed (scripts/services.sh up chromium): %v", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox,
		chromedp.WindowSize(1400, 900), chromedp.Flag("disable-dev-shm-usage", true))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

// run runs browser actions with a deadline.
func run(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(c, steps...); err != nil {
		t.Fatalf("browser: %v", err)
	}
}

// waitJS polls a JavaScript expression in the page until it is true.
func waitJS(t *testing.T, ctx context.Context, d time.Duration, what, expr string) {
	t.Helper()
	waitUntil(t, d, what, func() bool {
		c, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		ok, err := chromedp.Run(c, chromedp.Evaluate[bool](expr))
		return err == nil && ok
	})
}

func evalJS[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(c, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("browser: evaluating %s: %v", expr, err)
	}
	return v
}

// shotsDir is where the screenshots go: $GOCONNECT_E2E_SHOTS, else a
// folder under the system's temp dir that outlives the test.
func shotsDir(t *testing.T) string {
	d := os.Getenv("GOCONNECT_E2E_SHOTS")
	if d == "" {
		d = filepath.Join(os.TempDir(), "goconnect-console-shots")
	}
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(c, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	p := filepath.Join(shotsDir(t), name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", p)
}

// show opens a console page (a hash route) and waits until that page,
// not the one before it, is drawn.
func show(t *testing.T, ctx context.Context, base, hash, page string) {
	t.Helper()
	run(t, ctx, chromedp.Navigate(base+"/ui/"+hash))
	waitJS(t, ctx, 30*time.Second, "page "+page+" drawn", fmt.Sprintf(`document.getElementById('main').dataset.page === %q`, page))
}

// clickConfirmed clicks a button and then the page's confirmation.
func clickConfirmed(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	run(t, ctx, chromedp.Click(chromedp.CSS(sel)), chromedp.WaitVisible(chromedp.CSS("#confirm-yes")),
		chromedp.Click(chromedp.CSS("#confirm-yes")))
}

func restState(t *testing.T, base, name string) string {
	t.Helper()
	code, b := httpDo("GET", base+"/connectors/"+name+"/status", "")
	if code != 200 {
		return fmt.Sprintf("HTTP %d %s", code, b)
	}
	var st struct {
		Connector struct{ State string } `json:"connector"`
	}
	_ = json.Unmarshal(b, &st)
	return st.Connector.State
}

func restOffsets(t *testing.T, base, name string) []any {
	t.Helper()
	code, b := httpDo("GET", base+"/connectors/"+name+"/offsets", "")
	if code != 200 {
		t.Fatalf("GET offsets of %s: %d %s", name, code, b)
	}
	var out struct{ Offsets []any }
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out.Offsets
}

func countLines(path string) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	n := 0
	for s := bufio.NewScanner(f); s.Scan(); {
		n++
	}
	return n
}

// topicEnd is the sum of a topic's log end offsets.
func topicEnd(t *testing.T, topic string) int64 {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(kafkaAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ends, err := kadm.NewClient(cl).ListEndOffsets(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	ends.Each(func(o kadm.ListedOffset) { n += o.Offset })
	return n
}

// partitionEnd is one partition's log end offset.
func partitionEnd(t *testing.T, topic string, p int32) int64 {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(kafkaAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ends, err := kadm.NewClient(cl).ListEndOffsets(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	o, ok := ends.Lookup(topic, p)
	if !ok || o.Err != nil {
		t.Fatalf("end offset of %s/%d: %v", topic, p, o.Err)
	}
	return o.Offset
}

func createConnector(t *testing.T, base string, body map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	if code, resp := httpRetry(t, "POST", base+"/connectors", string(b)); code != 201 {
		t.Fatalf("create %v: %d %s", body["name"], code, resp)
	}
}

// TestConsoleInBrowser drives the web console in headless Chromium against
// a distributed worker running datagen, a MySQL CDC source and a file sink.
func TestConsoleInBrowser(t *testing.T) {
	c := newCluster(t, "")
	addr := c.start("")
	base := "http://" + addr
	id := uniqueName(t, "console")
	dg, my, fs := "dg-"+id, "my-"+id, "fs-"+id
	topic := id + "-ratings"
	sinkFile := filepath.Join(t.TempDir(), "sink.txt")
	host, port, _ := strings.Cut(mariaDBAddr, ":")
	createConnector(t, base, map[string]any{"name": dg, "config": map[string]string{
		"connector.class": "io.confluent.kafka.connect.datagen.DatagenConnector", "kafka.topic": topic,
		"quickstart": "ratings", "max.interval": "5", "tasks.max": "1"}})
	createConnector(t, base, map[string]any{"name": my, "config": map[string]string{
		"connector.class": "io.debezium.connector.mysql.MySqlConnector", "database.hostname": host, "database.port": port,
		"database.user": "debezium", "database.password": "dbz", "database.server.id": fmt.Sprint(5000 + time.Now().UnixNano()%1000),
		"topic.prefix": id, "table.include.list": "demo.CUSTOMERS",
		"schema.history.internal.kafka.bootstrap.servers": kafkaAddr, "schema.history.internal.kafka.topic": "dbhistory." + id}})
	createConnector(t, base, map[string]any{"name": fs, "config": map[string]string{
		"connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector", "topics": topic, "file": sinkFile}})

	ctx := browser(t)
	run(t, ctx, chromedp.Navigate(base+"/ui/"))

	// The list shows the three RUNNING, with their tasks.
	running := fmt.Sprintf(`[%q,%q,%q].every(n => { const r = document.querySelector('tr[data-connector="'+n+'"] td.cstate'); return r && r.dataset.state === 'RUNNING' })`, dg, my, fs)
	waitJS(t, ctx, 90*time.Second, "the list shows the three connectors RUNNING", running)
	waitJS(t, ctx, 30*time.Second, "the datagen row charts a non-zero rate",
		fmt.Sprintf(`(() => { const r = document.querySelector('tr[data-connector=%q] .rate'); return !!r && parseFloat(r.textContent) > 0 })()`, dg))
	waitJS(t, ctx, 30*time.Second, "the datagen row's chart draws a line of several samples",
		fmt.Sprintf(`(() => { const p = document.querySelector('tr[data-connector=%q] .spark polyline'); return !!p && p.getAttribute('points').split(' ').length >= 4 })()`, dg))
	screenshot(t, ctx, "console-list.png")

	// The MySQL snapshot's progress reaches 100% on its page.
	show(t, ctx, base, "#/c/"+my, "connector:"+my)
	waitJS(t, ctx, 90*time.Second, "the snapshot's progress bar reaches 100%",
		`(() => { const b = document.querySelector('.snapshot .bar'); return !!b && b.dataset.pct === '100' })()`)
	// Rows scanned per table: the seed's 20 customers, the table's bar full.
	waitJS(t, ctx, 30*time.Second, "demo.CUSTOMERS's row shows its 20 rows read, its bar at 100%",
		`[...document.querySelectorAll('#snap table tbody tr')].some(tr => tr.textContent.includes('demo.CUSTOMERS') && tr.textContent.includes('20 rows') && tr.querySelector('.bar') && tr.querySelector('.bar').dataset.pct === '100')`)
	if hidden := evalJS[bool](t, ctx, `[...document.querySelectorAll('#config tr')].some(tr => tr.textContent.includes('database.password') && tr.querySelector('[data-hidden]') && !tr.textContent.includes('dbz'))`); !hidden {
		t.Error("the connector page shows database.password's value")
	}
	screenshot(t, ctx, "console-connector.png")

	// Pausing from the page pauses the connector.
	show(t, ctx, base, "#/c/"+dg, "connector:"+dg)
	clickConfirmed(t, ctx, `button[data-act="pause"]`)
	waitUntil(t, 30*time.Second, "REST reports the datagen connector PAUSED", func() bool { return restState(t, base, dg) == "PAUSED" })

	// With the topic still, the sink catches up; its offsets page shows
	// what GET /connectors/{name}/offsets returns.
	end := topicEnd(t, topic)
	if end == 0 {
		t.Fatal("datagen wrote nothing")
	}
	waitUntil(t, 60*time.Second, "the sink wrote every record", func() bool { return int64(countLines(sinkFile)) >= end })
	type sinkOff struct {
		Partition struct {
			Topic     string `json:"kafka_topic"`
			Partition int    `json:"kafka_partition"`
		} `json:"partition"`
		Offset struct {
			Offset int64 `json:"kafka_offset"`
		} `json:"offset"`
	}
	var committed []sinkOff
	waitUntil(t, 60*time.Second, "the sink committed the topic's end", func() bool {
		b, _ := json.Marshal(restOffsets(t, base, fs))
		committed = nil
		_ = json.Unmarshal(b, &committed)
		var sum int64
		for _, o := range committed {
			sum += o.Offset.Offset
		}
		return sum == end
	})
	show(t, ctx, base, "#/c/"+fs+"/offsets", "offsets:"+fs)
	// Partitions with nothing committed (empty ones) show "none" and are
	// absent from the API's answer.
	page := evalJS[map[string]float64](t, ctx, `Object.fromEntries([...document.querySelectorAll('#offsets tbody tr')].filter(tr => tr.querySelector('.committed').textContent !== 'none').map(tr => [tr.dataset.topic+'/'+tr.dataset.partition, Number(tr.querySelector('.committed').textContent)]))`)
	api := map[string]float64{}
	for _, o := range committed {
		api[fmt.Sprintf("%s/%d", o.Partition.Topic, o.Partition.Partition)] = float64(o.Offset.Offset)
	}
	if !reflect.DeepEqual(page, api) {
		t.Fatalf("sink offsets page shows %v, the API %v", page, api)
	}
	// Each partition's log end offset is Kafka's, and its lag the end less
	// the committed offset (the whole partition when nothing is committed).
	type row struct {
		Topic               string
		Partition           int32
		Committed, End, Lag int64
	}
	rows := evalJS[[]row](t, ctx, `[...document.querySelectorAll('#offsets tbody tr')].map(tr => { const c = tr.querySelector('.committed').textContent;
		return {Topic: tr.dataset.topic, Partition: Number(tr.dataset.partition), Committed: c === 'none' ? -1 : Number(c),
			End: Number(tr.querySelector('.end').textContent), Lag: Number(tr.querySelector('.lag').textContent)} })`)
	if len(rows) == 0 {
		t.Fatal("the sink offsets page lists no partition")
	}
	for _, r := range rows {
		if end := partitionEnd(t, r.Topic, r.Partition); r.End != end || r.Lag != end-max(r.Committed, 0) {
			t.Errorf("sink offsets page %s/%d: committed %d, log end %d, lag %d; Kafka's end is %d", r.Topic, r.Partition, r.Committed, r.End, r.Lag, end)
		}
	}
	screenshot(t, ctx, "console-offsets-sink.png")

	// A reset through the page (stop → DELETE offsets → resume)
	// re-delivers the topic to the sink.
	clickConfirmed(t, ctx, "#reset")
	waitJS(t, ctx, 90*time.Second, "the page's KIP-875 flow completes",
		`(() => { const l = document.getElementById('flowlog'); return !!l && l.textContent.includes('done') })()`)
	if failed := evalJS[string](t, ctx, `document.getElementById('flowlog').className`); strings.Contains(failed, "err") {
		t.Fatalf("offset reset flow failed: %s", evalJS[string](t, ctx, `document.getElementById('flowlog').textContent`))
	}
	waitUntil(t, 60*time.Second, "REST reports the sink RUNNING again", func() bool { return restState(t, base, fs) == "RUNNING" })
	waitUntil(t, 90*time.Second, "the sink re-delivered the topic", func() bool { return int64(countLines(sinkFile)) >= 2*end })

	// Altering through the page: an offset the API refuses (not a number)
	// shows the API's error and leaves the connector STOPPED; a valid one (10 records
	// before partition 0's end) re-delivers those 10.
	p0 := partitionEnd(t, topic, 0)
	if p0 < 10 {
		t.Fatalf("partition 0 holds %d records, want at least 10", p0)
	}
	alter := func(offset string) {
		t.Helper()
		body := fmt.Sprintf(`{"offsets":[{"partition":{"kafka_topic":%q,"kafka_partition":0},"offset":{"kafka_offset":%s}}]}`, topic, offset)
		show(t, ctx, base, "#/c/"+fs+"/offsets", "offsets:"+fs)
		run(t, ctx, chromedp.SetValue(chromedp.CSS("#offedit"), body))
		clickConfirmed(t, ctx, "#alter")
		waitJS(t, ctx, 90*time.Second, "the page's alter flow ends",
			`(() => { const l = document.getElementById('flowlog'); return !!l && /done|failed/.test(l.textContent) })()`)
	}
	alter(`"soon"`)
	if log := evalJS[string](t, ctx, `document.getElementById('flowlog').textContent`); !strings.Contains(log, "failed") || !strings.Contains(log, "Offset values for sink connectors need to be integers") {
		t.Fatalf("a non-numeric offset through the page: %q, want the API's refusal", log)
	}
	if st := restState(t, base, fs); st != "STOPPED" {
		t.Fatalf("after a refused alter the sink is %s, want STOPPED", st)
	}
	lines := countLines(sinkFile)
	alter(fmt.Sprint(p0 - 10))
	if cls := evalJS[string](t, ctx, `document.getElementById('flowlog').className`); strings.Contains(cls, "err") {
		t.Fatalf("alter flow failed: %s", evalJS[string](t, ctx, `document.getElementById('flowlog').textContent`))
	}
	waitUntil(t, 60*time.Second, "the sink re-delivered the last 10 records", func() bool { return countLines(sinkFile) >= lines+10 })

	// The source offsets page shows the API's partitions and offsets; the
	// MySQL one names its binlog position.
	for _, name := range []string{dg, my} {
		show(t, ctx, base, "#/c/"+name+"/offsets", "offsets:"+name)
		waitUntil(t, 30*time.Second, name+"'s offsets page matches the API", func() bool {
			run(t, ctx, chromedp.Reload())
			waitJS(t, ctx, 30*time.Second, "offsets page drawn", fmt.Sprintf(`document.getElementById('main').dataset.page === %q`, "offsets:"+name))
			var shown []any
			_ = json.Unmarshal([]byte(evalJS[string](t, ctx, `JSON.stringify([...document.querySelectorAll('#offsets tbody tr')].map(tr => ({partition: JSON.parse(tr.querySelector('.partition').textContent), offset: JSON.parse(tr.querySelector('.offset').textContent)})))`)), &shown)
			return len(shown) > 0 && reflect.DeepEqual(shown, restOffsets(t, base, name))
		})
	}
	if txt := evalJS[string](t, ctx, `document.getElementById('offsets').textContent`); !strings.Contains(txt, "binlog") || !strings.Contains(txt, "position") {
		t.Errorf("the MySQL offsets page does not show the binlog position readably: %q", txt)
	}
	screenshot(t, ctx, "console-offsets-mysql.png")

	// Create: validation's per-key errors appear next to the keys; a valid
	// config creates the connector.
	bad := fmt.Sprintf(`{"name": "new-%s", "config": {"connector.class": "io.confluent.kafka.connect.datagen.DatagenConnector", "quickstart": "ratings", "max.interval": "soon"}}`, id)
	show(t, ctx, base, "#/new", "new")
	run(t, ctx, chromedp.SetValue(chromedp.CSS("#newjson"), bad), chromedp.Click(chromedp.CSS("#validate")))
	waitJS(t, ctx, 30*time.Second, "validation errors shown next to keys",
		`[...document.querySelectorAll('#validation tr[data-key]')].some(tr => tr.querySelector('td.err').textContent.length > 0)`)
	// The error is on the key the validate endpoint names, the one given a
	// bad value.
	if msg := evalJS[string](t, ctx, `(document.querySelector('#validation tr[data-key="max.interval"] td.err') || {}).textContent || ''`); !strings.Contains(msg, "soon") {
		t.Errorf("max.interval's row shows error %q, want the validation's refusal of \"soon\"", msg)
	}
	screenshot(t, ctx, "console-create.png")
	if code, _ := httpDo("GET", base+"/connectors/new-"+id, ""); code != 404 {
		t.Fatalf("validation alone created the connector (GET answered %d)", code)
	}
	good := fmt.Sprintf(`{"name": "new-%s", "config": {"connector.class": "io.confluent.kafka.connect.datagen.DatagenConnector", "quickstart": "ratings", "kafka.topic": %q, "max.interval": "100"}}`, id, topic+"-new")
	run(t, ctx, chromedp.SetValue(chromedp.CSS("#newjson"), good), chromedp.Click(chromedp.CSS("#create")))
	waitUntil(t, 30*time.Second, "the created connector exists", func() bool {
		code, _ := httpDo("GET", base+"/connectors/new-"+id, "")
		return code == 200
	})
	waitJS(t, ctx, 30*time.Second, "the page moves to the new connector", fmt.Sprintf(`location.hash === '#/c/new-%s'`, id))
}

// TestConsoleFigures measures the list page with 50 connectors in a fresh
// browser: the time from navigation start to the first render of the
// list, and the bytes transferred by then (page assets and API calls).
func TestConsoleFigures(t *testing.T) {
	c := newCluster(t, "")
	addr := c.start("")
	base := "http://" + addr
	id := uniqueName(t, "figures")
	const n = 50
	for i := range n {
		createConnector(t, base, map[string]any{"name": fmt.Sprintf("%s-%02d", id, i), "initial_state": "PAUSED",
			"config": map[string]string{"connector.class": "io.confluent.kafka.connect.datagen.DatagenConnector",
				"kafka.topic": id, "quickstart": "ratings", "max.interval": "1000", "tasks.max": "1"}})
	}
	waitUntil(t, 120*time.Second, "50 connectors listed with their tasks", func() bool {
		code, b := httpDo("GET", base+"/connectors?expand=status", "")
		var all map[string]struct {
			Status struct{ Tasks []any } `json:"status"`
		}
		if code != 200 || json.Unmarshal(b, &all) != nil || len(all) != n {
			return false
		}
		for _, v := range all {
			if len(v.Status.Tasks) == 0 {
				return false
			}
		}
		return true
	})
	ctx := browser(t)
	run(t, ctx, chromedp.Navigate(base+"/ui/"))
	waitJS(t, ctx, 30*time.Second, "the first render", `typeof window.consoleFirstRender === 'number'`)
	rows := evalJS[int](t, ctx, `document.querySelectorAll('tr[data-connector]').length`)
	if rows != n {
		t.Fatalf("the first render shows %d connectors, want %d", rows, n)
	}
	type weight struct {
		Render                float64
		Static, API, Requests int
	}
	w := evalJS[weight](t, ctx, `(() => {
		const nav = performance.getEntriesByType('navigation')[0];
		const res = performance.getEntriesByType('resource').filter(e => e.responseEnd <= window.consoleFirstRender);
		const api = res.filter(e => e.initiatorType === 'fetch');
		const sum = a => a.reduce((s, e) => s + e.transferSize, 0);
		return {Render: window.consoleFirstRender, Static: nav.transferSize + sum(res.filter(e => e.initiatorType !== 'fetch')),
			API: sum(api), Requests: res.length + 1};
	})()`)
	t.Logf("FIGURE list page, %d connectors: first render %.0f ms after navigation start; transferred %d B of page assets (document, CSS, JS) + %d B of API answers (%d requests in all)",
		n, w.Render, w.Static, w.API, w.Requests)
	if w.Static == 0 || w.Static > 20_000 {
		t.Errorf("page assets transferred %d B, want between 1 B and 20 KB (gzipped)", w.Static)
	}
	screenshot(t, ctx, "console-list-50.png")
}

// TestConsoleMetricsCoverTheCluster: any worker's console shows the tasks
// every worker runs, with each worker's own counters.
func TestConsoleMetricsCoverTheCluster(t *testing.T) {
	c := newCluster(t, "")
	a := c.start("")
	b := c.start("")
	id := uniqueName(t, "consolecl")
	for i := range 4 {
		createConnector(t, "http://"+a, map[string]any{"name": fmt.Sprintf("%s-%d", id, i), "config": map[string]string{
			"connector.class": "io.confluent.kafka.connect.datagen.DatagenConnector", "kafka.topic": id,
			"quickstart": "ratings", "max.interval": "50", "tasks.max": "1"}})
	}
	type metrics struct {
		Tasks []struct {
			Connector, Worker string
			Records           float64
		}
		Unreachable map[string]string
	}
	for _, from := range []string{a, b} {
		waitUntil(t, 90*time.Second, "worker "+from+"'s console lists counting tasks of both workers", func() bool {
			code, body := httpDo("GET", "http://"+from+"/ui/api/metrics", "")
			var m metrics
			if code != 200 || json.Unmarshal(body, &m) != nil || len(m.Unreachable) > 0 {
				return false
			}
			seen := map[string]bool{}
			for _, tm := range m.Tasks {
				if strings.HasPrefix(tm.Connector, id) && tm.Records > 0 {
					seen[tm.Worker] = true
				}
			}
			return seen[a] && seen[b]
		})
		// What the page polls: the cluster's connectors (all four, created
		// through the other worker too) with their tasks' workers, and the
		// same cluster-wide metrics.
		if code, body := httpDo("GET", "http://"+from+"/ui/", ""); code != 200 || !strings.Contains(string(body), `<script src="app.js">`) {
			t.Fatalf("GET %s/ui/: %d %s", from, code, body)
		}
		waitUntil(t, 30*time.Second, "worker "+from+"'s overview lists the four connectors and both workers' tasks", func() bool {
			code, body := httpDo("GET", "http://"+from+"/ui/api/overview", "")
			var ov struct {
				Connectors map[string]struct {
					Status struct {
						Tasks []struct {
							WorkerID string `json:"worker_id"`
						} `json:"tasks"`
					} `json:"status"`
				} `json:"connectors"`
				Metrics metrics `json:"metrics"`
			}
			if code != 200 || json.Unmarshal(body, &ov) != nil || len(ov.Metrics.Unreachable) > 0 {
				return false
			}
			listed, taskWorkers, counted := 0, map[string]bool{}, map[string]bool{}
			for n, c := range ov.Connectors {
				if strings.HasPrefix(n, id) {
					listed++
					for _, tk := range c.Status.Tasks {
						taskWorkers[tk.WorkerID] = true
					}
				}
			}
			for _, tm := range ov.Metrics.Tasks {
				if strings.HasPrefix(tm.Connector, id) && tm.Records > 0 {
					counted[tm.Worker] = true
				}
			}
			return listed == 4 && taskWorkers[a] && taskWorkers[b] && counted[a] && counted[b]
		})
	}

	// A worker gone: until its tasks move, the page names it as missing
	// from the metrics (its tasks' rates are unknown, not zero); once
	// they moved, the note goes.
	ctx := browser(t)
	show(t, ctx, "http://"+a, "", "list")
	down := fmt.Sprintf(`!!document.querySelector('#unreachable .worker-down[data-worker=%q]')`, b)
	_ = c.workers[b].cmd.Process.Kill()
	<-c.workers[b].done
	waitJS(t, ctx, 30*time.Second, "the list names worker "+b+" as unreachable", down)
	screenshot(t, ctx, "console-worker-down.png")
	waitJS(t, ctx, 90*time.Second, "the note goes once the tasks moved to "+a, "!"+down)
	// The page's own refresh failing (its worker gone) is shown, and
	// cleared once the worker answers again.
	_ = c.workers[a].cmd.Process.Kill()
	<-c.workers[a].done
	waitJS(t, ctx, 30*time.Second, "the list shows its refresh failing", `document.getElementById('pollerr').textContent.includes('refresh failed')`)
	c.start(a)
	waitJS(t, ctx, 60*time.Second, "the refresh error cleared once the worker is back", `document.getElementById('pollerr').textContent === ''`)
}

// TestConsoleFailedTaskAndDelete: a FAILED task's trace is readable on the
// connector page; Restart (includeTasks, onlyFailed), Stop, Resume and
// Delete, each confirmed, reach the REST API.
func TestConsoleFailedTaskAndDelete(t *testing.T) {
	c := newCluster(t, "")
	addr := c.start("")
	base := "http://" + addr
	name := uniqueName(t, "consolefail")
	createConnector(t, base, map[string]any{"name": name, "config": map[string]string{
		"connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector", "topics": name,
		"file": "/nonexistent-dir/for/goconnect/sink.txt"}})
	waitUntil(t, 60*time.Second, "the task FAILED", func() bool {
		code, b := httpDo("GET", base+"/connectors/"+name+"/tasks/0/status", "")
		return code == 200 && strings.Contains(string(b), `"FAILED"`)
	})
	ctx := browser(t)
	show(t, ctx, base, "#/c/"+name, "connector:"+name)
	waitJS(t, ctx, 30*time.Second, "the FAILED task's trace shown", `[...document.querySelectorAll('pre.trace')].some(p => p.textContent.includes('nonexistent-dir'))`)
	screenshot(t, ctx, "console-failed.png")
	// Cancel on a confirmation sends nothing.
	run(t, ctx, chromedp.Click(chromedp.CSS(`button[data-act="delete"]`)), chromedp.WaitVisible(chromedp.CSS("#confirm-no")),
		chromedp.Click(chromedp.CSS("#confirm-no")))
	if n := evalJS[int](t, ctx, `document.querySelectorAll('#confirm-yes').length`); n != 0 {
		t.Fatal("the confirmation stays after Cancel")
	}
	if code, _ := httpDo("GET", base+"/connectors/"+name, ""); code != 200 {
		t.Fatalf("after a cancelled delete GET answers %d", code)
	}
	// Restart with includeTasks and onlyFailed: Connect answers 202 with
	// the failed task RESTARTING and the connector, not failed, left
	// RUNNING (without the two flags it answers 204 and restarts the
	// connector only). The task then fails again: the file cannot be made.
	run(t, ctx, chromedp.Click(chromedp.CSS("#includeTasks")), chromedp.Click(chromedp.CSS("#onlyFailed")))
	clickConfirmed(t, ctx, `button[data-act="restart"]`)
	waitJS(t, ctx, 30*time.Second, "the restart's answer shown", `(() => { const r = document.getElementById('result'); return !!r && r.textContent.includes('restart: accepted') })()`)
	if got := evalJS[string](t, ctx, `document.getElementById('result').textContent`); !strings.Contains(got, "connector RUNNING, task 0 RESTARTING") {
		t.Fatalf("restart (includeTasks, onlyFailed) answered %q, want the failed task RESTARTING and the connector RUNNING", got)
	}
	clickConfirmed(t, ctx, `button[data-act="stop"]`)
	waitUntil(t, 30*time.Second, "REST reports the connector STOPPED", func() bool { return restState(t, base, name) == "STOPPED" })
	clickConfirmed(t, ctx, `button[data-act="resume"]`)
	waitUntil(t, 30*time.Second, "REST reports the connector RUNNING", func() bool { return restState(t, base, name) == "RUNNING" })
	clickConfirmed(t, ctx, `button[data-act="delete"]`)
	waitUntil(t, 30*time.Second, "REST no longer knows the connector", func() bool {
		code, _ := httpDo("GET", base+"/connectors/"+name, "")
		return code == 404
	})
	waitJS(t, ctx, 30*time.Second, "the page returns to the list", `location.hash === '#/'`)
}

// TestConsoleMySQLOffsetsReadable: a MySQL source's offset with a GTID set
// (MariaDB's offsets carry none, as Debezium's on MariaDB, so one is
// written through the API's KIP-875 alter to a STOPPED connector) reads on
// the offsets page as binlog file, position, row, event, time and one GTID
// range per line.
func TestConsoleMySQLOffsetsReadable(t *testing.T) {
	c := newCluster(t, "")
	addr := c.start("")
	base := "http://" + addr
	name := uniqueName(t, "consolegtid")
	host, port, _ := strings.Cut(mariaDBAddr, ":")
	createConnector(t, base, map[string]any{"name": name, "initial_state": "STOPPED", "config": map[string]string{
		"connector.class": "io.debezium.connector.mysql.MySqlConnector", "database.hostname": host, "database.port": port,
		"database.user": "debezium", "database.password": "dbz", "database.server.id": "5999",
		"topic.prefix": name, "table.include.list": "demo.CUSTOMERS",
		"schema.history.internal.kafka.bootstrap.servers": kafkaAddr, "schema.history.internal.kafka.topic": "dbhistory." + name}})
	waitUntil(t, 60*time.Second, "the connector STOPPED", func() bool { return restState(t, base, name) == "STOPPED" })
	gtids := []string{"3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5", "4e11fa47-71ca-11e1-9e33-c80aa9429562:1-3:7-9"}
	const tsSec = 1764892800 // 2025-12-05T00:00:00Z
	body := fmt.Sprintf(`{"offsets":[{"partition":{"server":%q},"offset":{"file":"mysql-bin.000003","pos":4567,"row":2,"event":3,"ts_sec":%d,"gtids":%q}}]}`,
		name, tsSec, strings.Join(gtids, ","))
	if code, resp := httpDo("PATCH", base+"/connectors/"+name+"/offsets", body); code != 200 {
		t.Fatalf("PATCH offsets: %d %s", code, resp)
	}
	ctx := browser(t)
	show(t, ctx, base, "#/c/"+name+"/offsets", "offsets:"+name)
	type readable struct {
		Text  string
		Codes []string
	}
	got := evalJS[readable](t, ctx, `(() => { const td = document.querySelector('#offsets tbody tr td:nth-child(3)');
		return {Text: td ? td.textContent : '', Codes: td ? [...td.querySelectorAll('code')].map(c => c.textContent) : []} })()`)
	for _, want := range []string{"binlog mysql-bin.000003 position 4567", "row 2", "event 3", "at 2025-12-05T00:00:00.000Z", "GTIDs:"} {
		if !strings.Contains(got.Text, want) {
			t.Errorf("the offset reads %q, missing %q", got.Text, want)
		}
	}
	if !reflect.DeepEqual(got.Codes, gtids) {
		t.Errorf("GTID ranges shown %q, want one line each of %q", got.Codes, gtids)
	}
	screenshot(t, ctx, "console-offsets-mysql-gtids.png")
}

// TestConsoleErrorCounts: a sink tolerating errors (errors.tolerance=all,
// a dead letter queue) whose converter refuses every record: the list's
// failures / skipped / DLQ column counts them as the worker's /metrics does.
func TestConsoleErrorCounts(t *testing.T) {
	c := newCluster(t, "")
	addr := c.start("")
	base := "http://" + addr
	id := uniqueName(t, "consoleerr")
	topic := id + "-ratings"
	createConnector(t, base, map[string]any{"name": "dg-" + id, "config": map[string]string{
		"connector.class": "io.confluent.kafka.connect.datagen.DatagenConnector", "kafka.topic": topic,
		"quickstart": "ratings", "max.interval": "20", "tasks.max": "1"}})
	// Datagen's values are schemaless JSON: a JsonConverter expecting
	// schemas refuses each of them.
	sink := "snk-" + id
	createConnector(t, base, map[string]any{"name": sink, "config": map[string]string{
		"connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector", "topics": topic,
		"file": filepath.Join(t.TempDir(), "sink.txt"), "value.converter": "org.apache.kafka.connect.json.JsonConverter",
		"value.converter.schemas.enable": "true", "errors.tolerance": "all",
		"errors.deadletterqueue.topic.name": id + "-dlq", "errors.deadletterqueue.topic.replication.factor": "1"}})
	ctx := browser(t)
	show(t, ctx, base, "", "list")
	cell := fmt.Sprintf(`(document.querySelector('tr[data-connector=%q] td:last-child') || {}).textContent || ''`, sink)
	var shown []int
	waitUntil(t, 60*time.Second, "the sink's row counts failures, skipped records and DLQ records", func() bool {
		run(t, ctx, chromedp.Reload())
		waitJS(t, ctx, 30*time.Second, "the list drawn", `document.getElementById('main').dataset.page === 'list'`)
		txt := evalJS[string](t, ctx, cell)
		shown = nil
		for _, f := range strings.Split(txt, "/") {
			var n int
			if _, err := fmt.Sscan(strings.TrimSpace(f), &n); err == nil {
				shown = append(shown, n)
			}
		}
		return len(shown) == 3 && shown[0] > 0 && shown[1] > 0 && shown[2] > 0
	})
	screenshot(t, ctx, "console-error-counts.png")
	// The page's figures are the worker's own counters, read at most a few
	// seconds apart (the datagen keeps feeding failures): none is ahead of
	// /metrics read afterwards.
	_, body := httpDo("GET", base+"/metrics", "")
	for i, fam := range []string{"task_error_total_record_failures", "task_error_total_records_skipped", "task_error_deadletterqueue_produce_requests"} {
		m := regexp.MustCompile(`(?m)^kafka_connect_` + fam + `\{connector="` + sink + `",task="0"\} (\S+)$`).FindStringSubmatch(string(body))
		if m == nil {
			t.Fatalf("no %s for %s in /metrics", fam, sink)
		}
		var v float64
		fmt.Sscan(m[1], &v)
		if float64(shown[i]) > v {
			t.Errorf("the page shows %s %d, /metrics then %v", fam, shown[i], v)
		}
	}
}
