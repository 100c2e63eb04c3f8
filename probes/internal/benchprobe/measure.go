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
