package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// cpuTicks is utime+stime of a process (all its threads, dead ones too)
// from /proc/PID/stat, in USER_HZ (100/s) ticks.
func cpuTicks(pid int) (uint64, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, err
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: %q", pid, b)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %q", pid, b)
	}
	u, err1 := strconv.ParseUint(f[11], 10, 64)
	s, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: %q", pid, b)
	}
	return u + s, nil
}

// cpuNS is the time on CPU of a process's live threads, in ns, summed
// from /proc/PID/task/*/schedstat: at 1 Hz a light process spends a few
// ticks a minute, too few for utime+stime to resolve 0.01 % of a core.
// Threads that exited are not counted (a Go program keeps its threads).
func cpuNS(pid int) (uint64, error) {
	tasks, err := os.ReadDir(filepath.Join("/proc", strconv.Itoa(pid), "task"))
	if err != nil {
		return 0, err
	}
	var sum uint64
	for _, t := range tasks {
		b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "task", t.Name(), "schedstat"))
		if err != nil {
			continue // exited meanwhile
		}
		f := strings.Fields(string(b))
		if len(f) < 1 {
			return 0, fmt.Errorf("/proc/%d/task/%s/schedstat: %q", pid, t.Name(), b)
		}
		v, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/task/%s/schedstat: %q", pid, t.Name(), b)
		}
		sum += v
	}
	return sum, nil
}

// nsMeter measures one process's CPU over a window from schedstat.
type nsMeter struct {
	pid   int
	start uint64
	t0    time.Time
}

func startNS(pid int) *nsMeter {
	v, _ := cpuNS(pid)
	return &nsMeter{pid: pid, start: v, t0: time.Now()}
}

// used is the CPU used since start, in ns (0 when unreadable).
func (m *nsMeter) used() float64 {
	v, err := cpuNS(m.pid)
	if err != nil || v < m.start {
		return 0
	}
	return float64(v - m.start)
}

// pct is the CPU used since start in % of one core.
func (m *nsMeter) pct() float64 {
	return m.used() / float64(time.Since(m.t0).Nanoseconds()) * 100
}

// ms is the CPU used since start in milliseconds.
func (m *nsMeter) ms() float64 { return m.used() / 1e6 }

// peakRSS is VmHWM, the process's peak resident set, in bytes.
func peakRSS(pid int) (uint64, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			f := strings.Fields(l)
			v, err := strconv.ParseUint(f[1], 10, 64)
			return v * 1024, err
		}
	}
	return 0, fmt.Errorf("/proc/%d/status: no VmHWM", pid)
}

// pidsNamed lists processes whose comm starts with one of the prefixes.
func pidsNamed(prefixes ...string) []int {
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, err := os.ReadFile(filepath.Join("/proc", e.Name(), "comm"))
		if err != nil {
			continue
		}
		c := strings.TrimSpace(string(comm))
		for _, p := range prefixes {
			if strings.HasPrefix(c, p) {
				out = append(out, pid)
				break
			}
		}
	}
	return out
}

// meter measures the CPU a set of processes spends over a window.
type meter struct {
	pids  []int
	start map[int]uint64
	t0    time.Time
}

func startMeter(pids ...int) *meter {
	m := &meter{pids: pids, start: map[int]uint64{}, t0: time.Now()}
	for _, p := range pids {
		if v, err := cpuTicks(p); err == nil {
			m.start[p] = v
		}
	}
	return m
}

// pct is the CPU used since start, in % of one core. A process that exited
// meanwhile is counted until its last reading only.
func (m *meter) pct() float64 {
	var d uint64
	for _, p := range m.pids {
		v, err := cpuTicks(p)
		if err != nil {
			continue
		}
		if s, ok := m.start[p]; ok && v >= s {
			d += v - s
		}
	}
	return float64(d) / 100 / time.Since(m.t0).Seconds() * 100
}
