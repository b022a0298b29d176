package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/chromedp/chromedp"
)

// runConsoles (-consoles N) measures what open web consoles cost the record
// path: each round runs the same ratings connector on a fresh worker (at
// the default INFO level, so the request log writes its line per request)
// once per mode: with no console; with N headless Chromium browsers showing
// the console's connectors list (polling every 2 s) at the lowest CPU
// priority (nice 19), standing for browsers on the users' own machines; the
// same at normal priority, competing with the worker for this machine's
// cores; and N pollers replaying exactly the requests those pages send (the
// worker's share of the cost, without any browser). The modes' order
// rotates from round to round, so a drift of the machine's load does not
// favour one. It reports every run, the throughput ratios of the medians,
// the worker's CPU per record (steadier than rates on a shared machine),
// the browsers' CPU, and the worker's CPU while idle with the consoles open.
func runConsoles(brokers string, n, rounds, consoles int, bin string) error {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		return fmt.Errorf("-consoles needs Debian's chromium (scripts/services.sh up chromium): %w", err)
	}
	dir, bin, err := prepare(bin)
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	stamp := time.Now().UnixNano()
	modes := []struct {
		name string
		k    int
		real bool
		nice int
	}{
		{"no console", 0, false, 0},
		{fmt.Sprintf("%d Chromium consoles (nice 19)", consoles), consoles, true, 19},
		{fmt.Sprintf("%d Chromium consoles", consoles), consoles, true, 0},
		{fmt.Sprintf("%d replayed consoles", consoles), consoles, false, 0},
	}
	rate := make([][]float64, len(modes))
	idle := make([][]float64, len(modes))
	cpu := make([][]float64, len(modes))
	for r := 0; r < rounds; r++ {
		for j := range modes {
			i := (j + r) % len(modes)
			m := modes[i]
			res, err := consoleRun(bin, chromium, brokers, dir, fmt.Sprintf("bench-console%d-%d-%d", i, stamp, r), n, m.k, m.real, m.nice)
			if err != nil {
				return err
			}
			fmt.Printf("round %d, %s: %.0f rec/s, worker %.2f CPU-µs/record, browsers %.2f CPU-s during the run, idle worker CPU %.2f%%, load average %s\n",
				r+1, m.name, res.rate, res.cpuPerRecord, res.browserCPU, res.idleCPU, loadAvg())
			rate[i], idle[i], cpu[i] = append(rate[i], res.rate), append(idle[i], res.idleCPU), append(cpu[i], res.cpuPerRecord)
		}
	}
	fmt.Printf("\nthroughput (median of %d, %d records):", rounds, n)
	for i, m := range modes {
		fmt.Printf(" %s %.0f rec/s (ratio %.3f);", m.name, median(rate[i]), median(rate[i])/median(rate[0]))
	}
	// Each mode against the no-console run of the same round (minutes
	// apart at most): less exposed to the machine's load drifting.
	fmt.Printf("\nper-round ratio to no console (median):")
	for i, m := range modes[1:] {
		var rs []float64
		for r := range rate[0] {
			rs = append(rs, rate[i+1][r]/rate[0][r])
		}
		fmt.Printf(" %s %.3f;", m.name, median(rs))
	}
	// On a shared machine the rates swing with the load; the worker's CPU
	// per record is the steadier measure of what the consoles cost it.
	fmt.Printf("\nworker CPU per record (median):")
	for i, m := range modes {
		fmt.Printf(" %s %.2f µs (ratio %.3f);", m.name, median(cpu[i]), median(cpu[0])/median(cpu[i]))
	}
	fmt.Printf("\nidle worker CPU (median over 10 s):")
	for i, m := range modes {
		fmt.Printf(" %s %.2f%%;", m.name, median(idle[i]))
	}
	fmt.Println()
	return nil
}

// loadAvg is the machine's 1-minute load average, for reading the figures.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(b))[0]
}

type consoleResult struct {
	rate, cpuPerRecord, idleCPU, browserCPU float64
}

// consoleRun starts a worker with no connector, opens k consoles on it,
// then creates the ratings connector and times it to n records; then it
// samples the idle worker's CPU with the consoles still open.
func consoleRun(bin, chromium, brokers, dir, name string, n, k int, real bool, nice int) (consoleResult, error) {
	var res consoleResult
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return res, err
	}
	addr := ln.Addr().String()
	ln.Close()
	offsets := filepath.Join(dir, name+".offsets")
	props := filepath.Join(dir, name+".properties")
	err = os.WriteFile(props, []byte(fmt.Sprintf(`bootstrap.servers=%s
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=false
offset.storage.file.filename=%s
offset.flush.interval.ms=100
listeners=http://%s
`, brokers, offsets, addr)), 0o644)
	if err != nil {
		return res, err
	}
	// INFO, the default: the request log is part of what a console costs.
	logFile, err := os.Create(filepath.Join(dir, name+".log"))
	if err != nil {
		return res, err
	}
	defer logFile.Close()
	cmd := exec.Command(bin, "standalone", "--log-level", "INFO", props)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return res, err
	}
	defer func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() }()
	base := "http://" + addr
	if err := waitHTTP(base+"/", 30*time.Second); err != nil {
		return res, err
	}
	var browsers []int
	switch {
	case k > 0 && real:
		closeConsoles, pids, err := openConsoles(chromium, base+"/ui/", k, nice)
		if err != nil {
			return res, err
		}
		defer closeConsoles()
		browsers = pids
	case k > 0:
		ctx, stop := context.WithCancel(context.Background())
		defer stop()
		for range k {
			go replayConsole(ctx, base)
		}
	}
	browserCPU := func() time.Duration {
		var sum time.Duration
		for _, p := range browsers {
			sum += treeCPU(p)
		}
		return sum
	}
	body := fmt.Sprintf(`{"name":%q,"config":{"connector.class":"DatagenConnector","kafka.topic":%q,"quickstart":"ratings","max.interval":"0","iterations":"%d","random.seed":"1"}}`, name, name, n)
	cpu0, _ := procCPU(cmd.Process.Pid)
	b0 := browserCPU()
	start := time.Now()
	resp, err := http.Post(base+"/connectors", "application/json", strings.NewReader(body))
	if err != nil {
		return res, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return res, fmt.Errorf("creating the connector: HTTP %d", resp.StatusCode)
	}
	deadline := start.Add(10 * time.Minute)
	for storedIteration(offsets, name) < int64(n) {
		if time.Now().After(deadline) {
			return res, fmt.Errorf("worker did not produce %d records within 10 minutes", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	elapsed := time.Since(start)
	cpu1, _ := procCPU(cmd.Process.Pid)
	res.browserCPU = (browserCPU() - b0).Seconds()
	res.rate = float64(n) / elapsed.Seconds()
	res.cpuPerRecord = float64((cpu1 - cpu0).Microseconds()) / float64(n)
	// The connector is done (its iterations are spent): what remains is the
	// worker serving the consoles.
	const idle = 10 * time.Second
	time.Sleep(time.Second)
	c0, _ := procCPU(cmd.Process.Pid)
	time.Sleep(idle)
	c1, _ := procCPU(cmd.Process.Pid)
	res.idleCPU = 100 * (c1 - c0).Seconds() / idle.Seconds()
	return res, nil
}

func waitHTTP(url string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer 200 within %s (last error %v)", url, d, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// openConsoles starts k Chromium browsers showing url (under nice -n
// nice when nice > 0) and waits until each rendered the list; the returned
// func closes them. pids are the browsers' main processes.
func openConsoles(chromium, url string, k, nice int) (func(), []int, error) {
	niceBin := ""
	if nice > 0 {
		var err error
		if niceBin, err = exec.LookPath("nice"); err != nil {
			return nil, nil, err
		}
	}
	var cancels []context.CancelFunc
	var pids []int
	closeAll := func() {
		for _, c := range cancels {
			c()
		}
	}
	for i := 0; i < k; i++ {
		opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium), chromedp.NoSandbox)
		if niceBin != "" {
			// The browser and every process it forks run at that priority.
			opts = append(opts, chromedp.ModifyCmdFunc(func(cmd *exec.Cmd) {
				cmd.Args = append([]string{niceBin, "-n", strconv.Itoa(nice)}, cmd.Args...)
				cmd.Path = niceBin
			}))
		}
		actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancel := chromedp.NewContext(actx)
		cancels = append(cancels, cancel, cancelAlloc)
		if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
			closeAll()
			return nil, nil, fmt.Errorf("opening console %d: %w", i+1, err)
		}
		if p := chromedp.FromContext(ctx).Browser.Process(); p != nil {
			pids = append(pids, p.Pid)
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			c, cancelWait := context.WithTimeout(ctx, 5*time.Second)
			ok, err := chromedp.Run(c, chromedp.Evaluate[bool](`typeof window.consoleFirstRender === 'number'`))
			cancelWait()
			if err == nil && ok {
				break
			}
			if time.Now().After(deadline) {
				closeAll()
				return nil, nil, fmt.Errorf("console %d did not render within 30 s (%v)", i+1, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return closeAll, pids, nil
}

// replayConsole sends what an open connectors list page sends, every 2 s,
// until ctx ends: GET /ui/api/overview, revalidating its last answer
// (If-None-Match) and accepting gzip, as the browser does.
func replayConsole(ctx context.Context, base string) {
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	// A transport of its own, keeping the gzip body as the browser gets it.
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	etag := ""
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/ui/api/overview", nil)
		if err != nil {
			return
		}
		req.Header.Set("Accept-Encoding", "gzip")
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		if resp, err := client.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				etag = resp.Header.Get("ETag")
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// treeCPU is the CPU time of a process and all its descendants.
func treeCPU(root int) time.Duration {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	parent := map[int]int{}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
		if pp, err := strconv.Atoi(f[1]); err == nil {
			parent[pid] = pp
		}
	}
	var sum time.Duration
	for pid := range parent {
		for p := pid; p > 1; p = parent[p] {
			if p == root {
				c, _ := procCPU(pid)
				sum += c
				break
			}
		}
	}
	return sum
}
