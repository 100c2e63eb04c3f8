package probes

import (
	"bytes"
	"fmt"
	"math"
)

// The parsers below work on the bytes of one read, without allocating, so
// that a tick costs syscalls and little else. Each is tested on captured
// files under testdata/ and fuzzed.

// cpuTimes is one "cpu" line of /proc/stat, in USER_HZ ticks.
type cpuTimes struct {
	busy, total uint64
}

// nextField returns the first space-separated field of b and the rest.
func nextField(b []byte) (field, rest []byte) {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	j := i
	for j < len(b) && b[j] != ' ' && b[j] != '\t' && b[j] != '\n' {
		j++
	}
	return b[i:j], b[j:]
}

// atou parses a decimal unsigned integer; ok is false for anything else.
func atou(b []byte) (v uint64, ok bool) {
	if len(b) == 0 {
		return 0, false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	return v, true
}

// nextLine splits b at the first newline.
func nextLine(b []byte) (line, rest []byte) {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i], b[i+1:]
	}
	return b, nil
}

// parseCPULine reads the fields after "cpuN": user nice system idle iowait
// irq softirq steal [guest guest_nice]. Guest time is already counted in
// user and nice, so it is left out of the total. Idle and iowait are idle.
func parseCPULine(b []byte) (cpuTimes, bool) {
	var f [8]uint64
	n := 0
	for n < 8 {
		var fld []byte
		fld, b = nextField(b)
		if len(fld) == 0 {
			break
		}
		v, ok := atou(fld)
		if !ok {
			return cpuTimes{}, false
		}
		f[n] = v
		n++
	}
	if n < 4 {
		return cpuTimes{}, false
	}
	idle := f[3] + f[4]
	busy := f[0] + f[1] + f[2] + f[5] + f[6] + f[7]
	return cpuTimes{busy: busy, total: busy + idle}, true
}

// parseProcStat fills total with the aggregate "cpu" line and cores (reused,
// indexed by core number) with the "cpuN" lines of /proc/stat. A core that is
// offline has no line; its slot is left zero.
func parseProcStat(b []byte, total *cpuTimes, cores []cpuTimes) ([]cpuTimes, error) {
	cores = cores[:0]
	seen := false
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		if !bytes.HasPrefix(line, []byte("cpu")) {
			if seen {
				break // the cpu lines come first
			}
			continue
		}
		name, rest := nextField(line)
		t, ok := parseCPULine(rest)
		if !ok {
			return cores, fmt.Errorf("/proc/stat: bad line %q", line)
		}
		if len(name) == 3 {
			*total = t
			seen = true
			continue
		}
		idx, ok := atou(name[3:])
		if !ok || idx > 4096 {
			return cores, fmt.Errorf("/proc/stat: bad cpu name %q", name)
		}
		for uint64(len(cores)) <= idx {
			cores = append(cores, cpuTimes{})
		}
		cores[idx] = t
	}
	if !seen {
		return cores, fmt.Errorf("/proc/stat: no cpu line")
	}
	return cores, nil
}

// memInfo is what the probe reports from /proc/meminfo, in bytes.
type memInfo struct {
	total, avail uint64
}

// parseMeminfo reads MemTotal and MemAvailable. Used memory is total −
// available, as procps-ng's free(1) computes it since 4.0: it counts what
// cannot be reclaimed, which is what a workload actually holds.
func parseMeminfo(b []byte) (memInfo, error) {
	var m memInfo
	var haveT, haveA bool
	for len(b) > 0 && !(haveT && haveA) {
		var line []byte
		line, b = nextLine(b)
		var dst *uint64
		switch {
		case bytes.HasPrefix(line, []byte("MemTotal:")):
			dst, haveT = &m.total, true
		case bytes.HasPrefix(line, []byte("MemAvailable:")):
			dst, haveA = &m.avail, true
		default:
			continue
		}
		fld, _ := nextField(line[bytes.IndexByte(line, ':')+1:])
		v, ok := atou(fld)
		if !ok {
			return m, fmt.Errorf("/proc/meminfo: bad line %q", line)
		}
		*dst = v * 1024 // the kernel writes kB, meaning KiB
	}
	if !haveT || !haveA {
		return m, fmt.Errorf("/proc/meminfo: MemTotal or MemAvailable missing")
	}
	return m, nil
}

// parseNetDev sums received and transmitted bytes over every interface but
// lo in /proc/net/dev.
func parseNetDev(b []byte) (rx, tx uint64, err error) {
	_, b = nextLine(b) // two header lines
	_, b = nextLine(b)
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		colon := bytes.IndexByte(line, ':')
		if colon < 0 {
			continue
		}
		name := bytes.TrimSpace(line[:colon])
		if string(name) == "lo" {
			continue
		}
		rest := line[colon+1:]
		var vals [9]uint64
		for i := range vals {
			var fld []byte
			fld, rest = nextField(rest)
			v, ok := atou(fld)
			if !ok {
				return 0, 0, fmt.Errorf("/proc/net/dev: bad line %q", line)
			}
			vals[i] = v
		}
		rx += vals[0]
		tx += vals[8]
	}
	return rx, tx, nil
}

// procStat is what the probe takes from /proc/PID/stat.
type procStat struct {
	ticks uint64 // utime + stime, in USER_HZ ticks
	rss   uint64 // resident pages
}

// parsePidStat reads utime, stime (fields 14, 15) and rss (field 24) of
// /proc/PID/stat. The command name (field 2) may hold spaces and
// parentheses, so fields are counted from the last ')'.
func parsePidStat(b []byte) (procStat, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procStat{}, fmt.Errorf("/proc/PID/stat: no command name in %q", b)
	}
	rest := b[i+1:]
	var ps procStat
	for n := 3; n <= 24; n++ {
		var fld []byte
		fld, rest = nextField(rest)
		if n != 14 && n != 15 && n != 24 {
			if len(fld) == 0 {
				return procStat{}, fmt.Errorf("/proc/PID/stat: %d fields, want 24", n-1)
			}
			continue
		}
		v, ok := atou(fld)
		if !ok {
			return procStat{}, fmt.Errorf("/proc/PID/stat: bad field %d %q", n, fld)
		}
		if n == 24 {
			ps.rss = v
		} else {
			ps.ticks += v
		}
	}
	return ps, nil
}

// parseSingle reads a file holding one number (cpuacct.usage,
// memory.current, memory.usage_in_bytes).
func parseSingle(b []byte) (uint64, error) {
	v, ok := atou(bytes.TrimSpace(b))
	if !ok {
		return 0, fmt.Errorf("not a number: %q", b)
	}
	return v, nil
}

// parseKey finds "key value" in a flat keyed file (memory.stat, cpu.stat).
func parseKey(b []byte, key string) (uint64, error) {
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		if len(line) > len(key) && line[len(key)] == ' ' && string(line[:len(key)]) == key {
			fld, _ := nextField(line[len(key):])
			v, ok := atou(fld)
			if !ok {
				return 0, fmt.Errorf("bad value for %s: %q", key, line)
			}
			return v, nil
		}
	}
	return 0, fmt.Errorf("no %s", key)
}

// round keeps n decimals, so that wire lines stay short and a reading's
// noise below what the kernel's counters resolve is not written out.
func round(v float64, n int) float64 {
	p := math.Pow10(n)
	return math.Round(v*p) / p
}
