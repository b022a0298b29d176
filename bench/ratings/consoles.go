package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/chromedp/chromedp"
)

// runConsoles (-consoles N) measures what open web consoles cost the record
// path: each round runs the same ratings connector on a fresh worker twice,
// once with no browser and once with N headless Chromium browsers showing
// the console's connectors list (polling every 2 s), and reports the
// throughput ratio, plus the worker's CPU while idle with and without them.
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
	var plain, watched, idlePlain, idleWatched []float64
	for r := 0; r < rounds; r++ {
		for _, k := range []int{0, consoles} {
			res, err := consoleRun(bin, chromium, brokers, dir, fmt.Sprintf("bench-console%d-%d-%d", k, stamp, r), n, k)
			if err != nil {
				return err
			}
			fmt.Printf("round %d, %d consoles open: %.0f rec/s, %.2f CPU-µs/record, idle worker CPU %.2f%%\n",
				r+1, k, res.rate, res.cpuPerRecord, res.idleCPU)
			if k == 0 {
				plain, idlePlain = append(plain, res.rate), append(idlePlain, res.idleCPU)
			} else {
				watched, idleWatched = append(watched, res.rate), append(idleWatched, res.idleCPU)
			}
		}
	}
	mp, mw := median(plain), median(watched)
	fmt.Printf("\nthroughput (median of %d, %d records): no console %.0f rec/s, %d consoles open %.0f rec/s, ratio %.3f\n",
		rounds, n, mp, consoles, mw, mw/mp)
	fmt.Printf("idle worker CPU (median, 10 s): no console %.2f%%, %d consoles open %.2f%%\n", median(idlePlain), consoles, median(idleWatched))
	return nil
}

type consoleResult struct {
	rate, cpuPerRecord, idleCPU float64
}

// consoleRun starts a worker with no connector, opens k consoles on it,
// then creates the ratings connector and times it to n records; then it
// samples the idle worker's CPU with the consoles still open.
func consoleRun(bin, chromium, brokers, dir, name string, n, k int) (consoleResult, error) {
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
	cmd := exec.Command(bin, "standalone", "--log-level", "WARN", props)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return res, err
	}
	defer func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() }()
	base := "http://" + addr
	if err := waitHTTP(base+"/", 30*time.Second); err != nil {
		return res, err
	}
	if k > 0 {
		closeConsoles, err := openConsoles(chromium, base+"/ui/", k)
		if err != nil {
			return res, err
		}
		defer closeConsoles()
	}
	body := fmt.Sprintf(`{"name":%q,"config":{"connector.class":"DatagenConnector","kafka.topic":%q,"quickstart":"ratings","max.interval":"0","iterations":"%d","random.seed":"1"}}`, name, name, n)
	cpu0, _ := procCPU(cmd.Process.Pid)
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

// openConsoles starts k Chromium browsers showing url and waits until each
// rendered the list; the returned func closes them.
func openConsoles(chromium, url string, k int) (func(), error) {
	var cancels []context.CancelFunc
	closeAll := func() {
		for _, c := range cancels {
			c()
		}
	}
	for i := 0; i < k; i++ {
		actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
			append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium), chromedp.NoSandbox)...)
		ctx, cancel := chromedp.NewContext(actx)
		cancels = append(cancels, cancel, cancelAlloc)
		if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
			closeAll()
			return nil, fmt.Errorf("opening console %d: %w", i+1, err)
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
				return nil, fmt.Errorf("console %d did not render within 30 s (%v)", i+1, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return closeAll, nil
}
