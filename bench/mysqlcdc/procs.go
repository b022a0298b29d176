package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// listenerPID finds the process listening on a local TCP port, from
// /proc/net/tcp{,6} (the socket's inode) and /proc/<pid>/fd (who holds
// it); 0 when none is visible. It lets the bench charge CPU to the Kafka
// broker and the database without being told their process ids.
func listenerPID(port int) int {
	want := fmt.Sprintf(":%04X", port)
	inodes := map[string]bool{}
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, l := range strings.Split(string(b), "\n")[1:] {
			fs := strings.Fields(l)
			// local_address is the 2nd field, st the 4th (0A: LISTEN), inode the 10th.
			if len(fs) > 9 && strings.HasSuffix(fs[1], want) && fs[3] == "0A" {
				inodes["socket:["+fs[9]+"]"] = true
			}
		}
	}
	if len(inodes) == 0 {
		return 0
	}
	procs, _ := os.ReadDir("/proc")
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil {
			continue
		}
		fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
		for _, fd := range fds {
			if l, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name())); err == nil && inodes[l] {
				return pid
			}
		}
	}
	return 0
}

// portOf is the port of a host:port address (the first of a list).
func portOf(addr string) int {
	addr, _, _ = strings.Cut(addr, ",")
	i := strings.LastIndexByte(addr, ':')
	p, _ := strconv.Atoi(addr[i+1:])
	return p
}

// procs are the processes whose CPU a phase is charged with: the Kafka
// broker, the database server and the bench itself (the bare baselines'
// client), plus the worker while one runs.
type procs struct {
	names []string
	pids  []int
}

func newProcs() *procs {
	p := &procs{}
	for _, c := range []struct {
		name string
		pid  int
	}{{"kafka", listenerPID(portOf(*brokers))}, {"mariadbd", listenerPID(portOf(*mariadb))}, {"bench", os.Getpid()}} {
		if c.pid == 0 {
			fmt.Printf("note: no process found for %s; its CPU is not reported\n", c.name)
			continue
		}
		p.names, p.pids = append(p.names, c.name), append(p.pids, c.pid)
	}
	return p
}

// with adds a process (the worker) for the phases it runs in.
func (p *procs) with(name string, pid int) *procs {
	return &procs{names: append(append([]string(nil), p.names...), name), pids: append(append([]int(nil), p.pids...), pid)}
}

// cpuMark is the processes' CPU times at one instant.
type cpuMark struct {
	at           time.Time
	cpu          []time.Duration
	busy, iowait time.Duration // the whole host's, all cores
}

func (p *procs) mark() cpuMark {
	m := cpuMark{at: time.Now()}
	m.busy, m.iowait = hostCPU()
	for _, pid := range p.pids {
		_, c := procStats(pid)
		m.cpu = append(m.cpu, c)
	}
	return m
}

// cpuUse is what the processes spent between two marks.
type cpuUse struct {
	names        []string
	wall         float64   // seconds
	cpu          []float64 // seconds, per process
	busy, iowait float64   // the whole host's, seconds
}

func (p *procs) since(m cpuMark) cpuUse {
	now := p.mark()
	u := cpuUse{names: p.names, wall: now.at.Sub(m.at).Seconds(),
		busy: (now.busy - m.busy).Seconds(), iowait: (now.iowait - m.iowait).Seconds()}
	for i := range p.names {
		u.cpu = append(u.cpu, (now.cpu[i] - m.cpu[i]).Seconds())
	}
	return u
}

// perRow is the CPU µs per row the processes spent together.
func (u cpuUse) perRow(rows int64) float64 {
	var t float64
	for _, c := range u.cpu {
		t += c
	}
	return t * 1e6 / float64(rows)
}

// format gives each process's CPU as cores busy over the wall time
// (1.00 = one core all along) and µs per row.
func (u cpuUse) format(rows int64) string {
	var parts []string
	for i, n := range u.names {
		parts = append(parts, fmt.Sprintf("%s %.2f (%.2f µs/row)", n, u.cpu[i]/u.wall, u.cpu[i]*1e6/float64(rows)))
	}
	return fmt.Sprintf("CPU cores busy over %.1f s: %s; these together %.2f µs/row; whole host %.2f of %d cores busy, iowait %.2f",
		u.wall, strings.Join(parts, ", "), u.perRow(rows), u.busy/u.wall, runtime.NumCPU(), u.iowait/u.wall)
}

// hostCPU is the host's busy time (all but idle and iowait) and iowait
// time, summed over its cores, from /proc/stat (100 ticks a second).
func hostCPU() (busy, iowait time.Duration) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal ...
	if len(f) < 9 || f[0] != "cpu" {
		return 0, 0
	}
	var t [8]int64
	for i := range t {
		t[i], _ = strconv.ParseInt(f[i+1], 10, 64)
	}
	tick := 10 * time.Millisecond
	return time.Duration(t[0]+t[1]+t[2]+t[5]+t[6]+t[7]) * tick, time.Duration(t[4]) * tick
}
